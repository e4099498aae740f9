"""Recipe "default"'s NAC in PyTorch, written independently of the C code,
to check it (crosscheck.py, dumps with "network": "default").

The reference's GCN (nac_torch.GraphConv, the same embedding and 4 layers)
read twice: over the cell (adjacency as tensorize gives it: edge j -> i at
adj[i][j]) and over the cell with every edge reversed (the adjacency
transposed, nodes NOT renumbered, so the input node stays at index 0).
Each pass's readout is [mean over the cell's real nodes (not the dummy
padding slots); the state of the pass's sink]: the output node (index V-1)
in the forward pass, the input node (index 0) in the reversed pass, whose
sink it is.  f = the mean of the two passes' readouts (2 x 128 wide), and
p(a, b) = sigmoid(w . (f(a) - f(b))): the antisymmetric head, whose stored
form is fc = [w, -w] with bias 0.  The C code renumbers the reversed cell
instead (node v at n-1-v) and reads its last node: the same function, a
different computation, which is the point of the check.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import nac_torch

DIM = nac_torch.DIM


class DefaultNAC(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(len(nac_torch.OP_IDS), DIM)
        self.gcn = nn.ModuleList(nac_torch.GraphConv() for _ in range(nac_torch.N_LAYERS))
        self.w = nn.Parameter(torch.zeros(2 * DIM))

    def one_pass(self, adj, ops, sink_index):
        h = self.embedding(ops)
        for layer in self.gcn:
            h = F.relu(layer(h, adj))
        real = (ops != nac_torch.OP_IDS["dummy"]).float()
        mean = (h * real[..., None]).sum(1) / real.sum(1, keepdim=True)
        sink = h[torch.arange(h.size(0)), sink_index]
        return torch.cat([mean, sink], 1)

    def features(self, adj, ops):
        nv = (ops != nac_torch.OP_IDS["dummy"]).sum(1)
        fwd = self.one_pass(adj, ops, nv - 1)
        rev = self.one_pass(adj.transpose(1, 2), ops, torch.zeros_like(nv))
        return (fwd + rev) / 2

    def forward(self, arch0, arch1):
        return torch.sigmoid((self.features(*arch0) - self.features(*arch1)) @ self.w)


def _params(model):
    yield ("embedding",), model.embedding.weight
    for k, layer in enumerate(model.gcn):
        yield ("gcn", k, "weight"), layer.weight
        yield ("gcn", k, "bias"), layer.bias


def load_weights(model, w):
    with torch.no_grad():
        for key, p in _params(model):
            p.copy_(torch.tensor(nac_torch._lookup(w, key), dtype=torch.float32).view_as(p))
        fc = torch.tensor(w["fc_weight"], dtype=torch.float32)
        if fc.numel() != 4 * DIM or not torch.equal(fc[2 * DIM:], -fc[:2 * DIM]) or w["fc_bias"] != [0.0]:
            raise ValueError("not an antisymmetric head: fc_weight must be [w, -w] of 2 x 256, fc_bias [0]")
        model.w.copy_(fc[:2 * DIM])
    return model


def dump_structure(model, grads=False):
    out = {"gcn": [{} for _ in model.gcn]}
    for key, p in _params(model):
        t = p.grad if grads else p.detach()
        nac_torch._lookup(out, key[:-1])[key[-1]] = t.tolist()
    w = model.w.grad if grads else model.w.detach()
    out["fc_weight"] = torch.cat([w, -w]).tolist()
    out["fc_bias"] = [0.0]
    return out


structure_items = nac_torch.structure_items


def pair_values(weights, cells, pairs, labels, adam):
    t = [nac_torch.tensorize(c["matrix"], c["ops"]) for c in cells]
    arch0 = nac_torch.stack([t[i] for i, _ in pairs])
    arch1 = nac_torch.stack([t[j] for _, j in pairs])
    return nac_torch.run_pairs(load_weights(DefaultNAC(), weights), arch0, arch1, labels, adam,
                               dump=dump_structure)
