"""The CTNAS reference's NAC for the MobileNetV3-like space (--space
mobilespace, train_mb.py), transcribed directly into PyTorch, to check the
C implementation (crosscheck.py) and to pre-train on nac_tool ofa-ktau's
split (ofa_ktau_torch.py).

Follows /work/shared/docs/ctnas-reference.md section 11 (the code of
github.com/chenyaofo/CTNAS at f9ad5ab):
- str2arch (ctnas/core/dataset/seq2arch/mobilespace.py:4-14): the string
  "d0,..,d4:k0,..,k19:e0,..,e19" -> MBArchitecture(depths, ks, ratios);
- mb_arch2tensor (ctnas/core/dataset/tensorize/mobilespace.py:6-45): _zero
  the slots l >= depths[u] of ks and ratios, then per kernel 0/3/5/7 ->
  [0,0,0]/[1,0,0]/[0,1,0]/[0,0,1], then per ratio 0/3/4/6 likewise: 120
  float32;
- MBSpaceNAC(in_features=120, hidden_features=512) (ctnas/core/model/nac.py:
  49-86): MLP = Sequential(Linear(120,512), ReLU, Linear(512,512), ReLU,
  Linear(512,512)) (linear_bn_relu adds no BN), fc = Linear(1024, 1),
  p = sigmoid(fc(cat[f(arch0), f(arch1)])).view(-1).
"""
from collections import namedtuple

import torch
import torch.nn as nn

import nac_torch

N_UNITS = 5
DEPTHS = [2, 3, 4]
EXPAND_RATIOS = [3, 4, 6]
KERNEL_SIZES = [3, 5, 7]
MBArchitecture = namedtuple("MBArchitecture", "depths ks ratios")


def str2arch(s):
    depths, ks, ratios = s.split(":")
    return MBArchitecture([int(x) for x in depths.split(",")], [int(x) for x in ks.split(",")],
                          [int(x) for x in ratios.split(",")])


def _zero(depths, items):
    for u in range(N_UNITS):
        for l in range(4):
            if l >= depths[u]:
                items[u * 4 + l] = 0


def _onehot(value, choices):
    if value == 0:
        return [0, 0, 0]
    if value not in choices:
        raise ValueError(value)
    return [1 if value == c else 0 for c in choices]


def mb_arch2tensor(arch):
    _zero(arch.depths, arch.ks)
    _zero(arch.depths, arch.ratios)
    out = []
    for k in arch.ks:
        out += _onehot(k, KERNEL_SIZES)
    for e in arch.ratios:
        out += _onehot(e, EXPAND_RATIOS)
    return torch.tensor(out, dtype=torch.float32)


def tensorize(text):
    return mb_arch2tensor(str2arch(text))


def linear_bn_relu(in_features, out_features, relu=True):
    layers = [nn.Linear(in_features, out_features)]
    if relu:
        layers.append(nn.ReLU(inplace=True))
    return layers


class MLP(nn.Module):
    def __init__(self, in_features, hidden_features, n_layers=3):
        super().__init__()
        layers = []
        for i in range(n_layers):
            layers += linear_bn_relu(in_features if i == 0 else hidden_features, hidden_features,
                                     relu=i != n_layers - 1)
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        return self.mlp(x)


class MBSpaceNAC(nn.Module):
    def __init__(self, in_features=20 * 3 * 2, hidden_features=512):
        super().__init__()
        self.extractor = MLP(in_features, hidden_features)
        self.fc = nn.Linear(hidden_features * 2, 1)

    def forward(self, arch0, arch1):
        if isinstance(arch0, (list, tuple)):
            arch0 = arch0[0]
        if isinstance(arch1, (list, tuple)):
            arch1 = arch1[0]
        f = torch.cat([self.extractor(arch0), self.extractor(arch1)], dim=1)
        return torch.sigmoid(self.fc(f)).view(-1)


def _linears(model):
    return [m for m in model.extractor.mlp if isinstance(m, nn.Linear)]


def _keys(n_layers=3):
    for k in range(n_layers):
        yield ("mlp", k, "weight")
        yield ("mlp", k, "bias")
    yield ("fc_weight",)
    yield ("fc_bias",)


def _tensors(model):
    params = []
    for layer in _linears(model):
        params += [layer.weight, layer.bias]
    params += [model.fc.weight, model.fc.bias]
    return zip(_keys(len(_linears(model))), params)


def _lookup(w, key):
    for k in key:
        w = w[k]
    return w


def _json_shape(key, p):
    return (p.numel(),) if key[0] == "fc_weight" else tuple(p.shape)


def structure_items(w):
    """(name, nested list) for every tensor of a JSON weight structure."""
    for key in _keys(len(w["mlp"])):
        yield ".".join(map(str, key)), _lookup(w, key)


def load_weights(model, w):
    with torch.no_grad():
        for key, p in _tensors(model):
            t = torch.tensor(_lookup(w, key), dtype=torch.float32)
            if tuple(t.shape) != _json_shape(key, p):
                raise ValueError(f"weights {'.'.join(map(str, key))}: shape {tuple(t.shape)}, "
                                 f"expected {_json_shape(key, p)}")
            p.copy_(t.view_as(p))
    return model


def dump_structure(model, grads=False):
    out = {"mlp": [{} for _ in _linears(model)]}
    for key, p in _tensors(model):
        t = (p.grad if grads else p.detach()).reshape(_json_shape(key, p))
        _lookup(out, key[:-1])[key[-1]] = t.tolist()
    return out


def pair_values(weights, cells, pairs, labels, adam, tensorize_fn=tensorize):
    """As nac_torch.pair_values, for MBSpaceNAC (cells: the reference's strings)."""
    t = [tensorize_fn(c) for c in cells]
    arch0 = torch.stack([t[i] for i, _ in pairs])
    arch1 = torch.stack([t[j] for _, j in pairs])
    return nac_torch.run_pairs(load_weights(MBSpaceNAC(), weights), arch0, arch1, labels, adam, dump_structure)
