"""Independent PyTorch implementation of the CTNAS neural architecture
comparator (NAC) and of its pre-training recipe.

It exists to check the C implementation numerically (crosscheck.py) and to
be the speed baseline the C trainer is measured against
(test/bench/reference_nac_train.py).  It follows
/work/shared/docs/ctnas-reference.md sections 1.4, 2, 3 and 8, i.e. the
network and recipe of github.com/chenyaofo/CTNAS at f9ad5ab, and keeps that
code's structure where it matters for speed or for the random stream: same
layer construction order (so torch.manual_seed(s) gives the same initial
weights as the original with --seed s), same per-layer operations, a
DataLoader over cached tensors, one torch.randperm per mini-batch.

Differences from the original, none of which change the numbers:
- the 4 GCN layers are one ModuleList `gcn` (the original has
  gcn.layers[0..2] and gcn.last_layer), so state_dict keys differ;
- no logging, TensorBoard, checkpoints or the KTau evaluation every 100
  epochs inside the training loop (the original spends time on those too);
- the per-batch pair accuracy is kept but only the final epoch's is returned.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.utils.data as data

MAX_NODES = 7
DIM = 128
OP_IDS = {"dummy": 0, "input": 1, "conv1x1-bn-relu": 2, "conv3x3-bn-relu": 3,
          "maxpool3x3": 4, "output": 5}
N_LAYERS = 4


def tensorize(matrix, ops):
    """Cell -> (adj[7,7] float32, ops[7] long), as the NAC sees it.

    adj[i][j] = 1 iff edge j->i (the cell matrix transposed); cells with
    V < 7 nodes are padded after the output node with 'dummy' slots that
    have no edges, so the output node keeps index V-1."""
    v = len(ops)
    if not 2 <= v <= MAX_NODES or len(matrix) != v or any(len(r) != v for r in matrix):
        raise ValueError(f"bad cell: {v} ops, matrix {matrix}")
    adj = torch.tensor(matrix, dtype=torch.float32).t()
    adj = F.pad(adj, [0, MAX_NODES - v, 0, MAX_NODES - v])
    ids = [OP_IDS[o] for o in ops] + [OP_IDS["dummy"]] * (MAX_NODES - v)
    return adj, torch.tensor(ids, dtype=torch.long)


class GraphConv(nn.Module):
    """Residual GCN layer (A+I) @ (h @ W) + h + b; the ReLU is applied by NAC.

    W is [in, out] and is drawn before b, both U(+-1/sqrt(out)), as in the
    original, so the initial weights follow the same random stream."""

    def __init__(self, dim=DIM):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(dim, dim))
        self.bias = nn.Parameter(torch.empty(dim))
        bound = 1.0 / math.sqrt(dim)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, h, adj):
        # Same operations, in the same order, as the original layer.
        adj = adj + torch.eye(adj.size(-1))
        return torch.bmm(adj, torch.matmul(h, self.weight)) + h + self.bias


class NAC(nn.Module):
    """p(a, b) = sigmoid(fc([f(a); f(b)])), P(cell a better than cell b).

    f = mean over all 7 slots (padding included) of 4 ReLU'd GraphConv
    layers applied to the op embeddings.  Default init = the reference's:
    embedding N(0,1), GCN U(+-1/sqrt(128)), fc PyTorch's Linear (U(+-1/16))."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(len(OP_IDS), DIM)
        self.gcn = nn.ModuleList(GraphConv() for _ in range(N_LAYERS))
        self.fc = nn.Linear(2 * DIM, 1)

    def features(self, adj, ops):
        h = self.embedding(ops)
        for layer in self.gcn:
            h = F.relu(layer(h, adj))
        return h.mean(dim=1)

    def forward(self, arch0, arch1):
        """arch0, arch1: (adj[B,7,7], ops[B,7]); returns p[B]."""
        f = torch.cat([self.features(*arch0), self.features(*arch1)], dim=1)
        return torch.sigmoid(self.fc(f).view(-1))


def _keys():
    """Paths of the tensors in the JSON weight structure, in a fixed order."""
    yield ("embedding",)
    for k in range(N_LAYERS):
        yield ("gcn", k, "weight")
        yield ("gcn", k, "bias")
    yield ("fc_weight",)
    yield ("fc_bias",)


def _tensors(model):
    params = [model.embedding.weight]
    for layer in model.gcn:
        params += [layer.weight, layer.bias]
    params += [model.fc.weight, model.fc.bias]
    return zip(_keys(), params)


def _lookup(w, key):
    for k in key:
        w = w[k]
    return w


def json_shape(key, p):
    """Shape of a parameter in the JSON structure (fc_weight is flat there)."""
    return (p.numel(),) if key[0] == "fc_weight" else tuple(p.shape)


def load_weights(model, w):
    """Copies a JSON weight structure (see crosscheck.py) into the model."""
    with torch.no_grad():
        for key, p in _tensors(model):
            t = torch.tensor(_lookup(w, key), dtype=torch.float32)
            if tuple(t.shape) != json_shape(key, p):
                raise ValueError(f"weights {'.'.join(map(str, key))}: shape "
                                 f"{tuple(t.shape)}, expected {json_shape(key, p)}")
            p.copy_(t.view_as(p))
    return model


def dump_structure(model, grads=False):
    """The model's parameters (or their gradients) as a JSON weight structure."""
    out = {"gcn": [{} for _ in model.gcn]}
    for key, p in _tensors(model):
        t = (p.grad if grads else p.detach()).reshape(json_shape(key, p))
        _lookup(out, key[:-1])[key[-1]] = t.tolist()
    return out


def structure_items(w):
    """(name, nested list) for every tensor of a JSON weight structure."""
    for key in _keys():
        yield ".".join(map(str, key)), _lookup(w, key)


def stack(cells):
    """List of tensorized cells -> batched (adj[B,7,7], ops[B,7])."""
    return torch.stack([c[0] for c in cells]), torch.stack([c[1] for c in cells])


def run_pairs(model, arch0, arch1, labels, adam, dump=None):
    """p and BCE loss of the pairs (arch0[k], arch1[k]) with labels, the
    gradients, and the parameters after adam["steps"] torch.optim.Adam steps
    on the same pairs; dump(model, grads) writes parameters in the dump's
    structure (default: this module's dump_structure)."""
    dump = dump or dump_structure
    target = torch.tensor(labels, dtype=torch.float32)
    criterion = nn.BCELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=adam["lr"], betas=tuple(adam["betas"]),
                                 eps=adam["eps"], weight_decay=adam["weight_decay"])

    def forward_backward():
        optimizer.zero_grad()
        p = model(arch0, arch1)
        loss = criterion(p, target)
        loss.backward()
        return p, loss

    p, loss = forward_backward()
    out = {"p": p.tolist(), "loss": loss.item(), "grads": dump(model, grads=True)}
    for step in range(adam["steps"]):
        if step:
            forward_backward()
        optimizer.step()
    out["adam"] = dict(adam, weights_after=dump(model))
    return out


def pair_values(weights, cells, pairs, labels, adam):
    """What the C tool must reproduce for a dump (see crosscheck.py):
    p and BCE loss of the pairs, d(loss)/d(params), and the parameters after
    adam["steps"] torch.optim.Adam steps on the same pairs, all float32."""
    t = [tensorize(c["matrix"], c["ops"]) for c in cells]
    arch0 = stack([t[i] for i, _ in pairs])
    arch1 = stack([t[j] for _, j in pairs])
    return run_pairs(load_weights(NAC(), weights), arch0, arch1, labels, adam)


def paper_optimizer(model):
    """The reference's NAC optimiser (classic Adam with L2 added to the gradient)."""
    return torch.optim.Adam(model.parameters(), lr=2e-4, betas=(0.5, 0.999),
                            eps=1e-8, weight_decay=5e-4)


def train_paper(cells, accs, epochs=1000, batch_size=256, seed=2020):
    """Pre-trains a fresh NAC with the reference recipe; returns
    (model, mean loss of each epoch, pair accuracy of the last epoch).

    cells: list of (matrix, ops); accs: their accuracies (higher = better).
    torch.manual_seed(seed) is set before the model is built, as the
    reference does, so init, shuffles and pairings follow its random stream.
    Each epoch: shuffled mini-batches of batch_size (last one smaller); each
    cell of a batch is paired with batch[randperm(B)], target
    (acc0 > acc1), BCE (mean), one Adam step per batch.  The epoch's loss is
    the unweighted mean of its batch losses, as the reference logs it."""
    torch.manual_seed(seed)
    model = NAC()
    optimizer = paper_optimizer(model)
    criterion = nn.BCELoss()
    dataset = [(*tensorize(m, o), float(a)) for (m, o), a in zip(cells, accs)]
    loader = data.DataLoader(dataset, batch_size=batch_size, shuffle=True, num_workers=0)
    model.train()
    epoch_losses = []
    for _ in range(epochs):
        loss_sum, n_batches, n_correct, n_pairs = 0.0, 0, 0, 0
        for adj0, ops0, acc0 in loader:
            perm = torch.randperm(acc0.size(0))
            adj1, ops1, acc1 = adj0[perm], ops0[perm], acc0[perm]
            target = (acc0 > acc1).float()
            optimizer.zero_grad()
            p = model((adj0, ops0), (adj1, ops1))
            loss = criterion(p, target)
            loss_sum += loss.item()
            n_batches += 1
            n_correct += (p > 0.5).long().eq(target.long()).sum().item()
            n_pairs += target.size(0)
            loss.backward()
            optimizer.step()
        epoch_losses.append(loss_sum / n_batches)
    return model, epoch_losses, n_correct / n_pairs


def ktau(model, cells, accs):
    """The reference's KTau: over all i<j, sign(p(a_i,a_j) - 0.5) *
    sign(acc_i - acc_j) with sign(0) = +1, divided by the number of pairs."""
    t = [tensorize(m, o) for m, o in cells]
    idx = [(i, j) for i in range(len(t) - 1) for j in range(i + 1, len(t))]
    model.eval()
    with torch.no_grad():
        p = model(stack([t[i] for i, _ in idx]), stack([t[j] for _, j in idx])).tolist()
    sign = lambda x: 1 if x >= 0 else -1
    return sum(sign(pk - 0.5) * sign(accs[i] - accs[j])
               for pk, (i, j) in zip(p, idx)) / len(idx)
