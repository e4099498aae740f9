"""The CTNAS reference's NAC for the DARTS space (--space darts), transcribed
directly into PyTorch, to check the C implementation (crosscheck.py).

Follows /work/shared/docs/ctnas-reference.md section 10 (the code of
github.com/chenyaofo/CTNAS at f9ad5ab):
- genotype2arch (ctnas/core/dataset/seq2arch/common_nas.py:7-23): each of a
  cell's 8 edges becomes a graph node (node k+2 is edge k; 0 and 1 are the
  inputs c_{k-2}, c_{k-1}); an edge from s < 2 reads node s, from s >= 2
  every edge node entering node s;
- common_tensorize (ctnas/core/dataset/tensorize/common_nas.py:20-33):
  adj = matrix^T, ops through op2embedding;
- NAC(n_nodes=8, n_ops=8, ratio=4, n_layers=4, embedding_dim=128)
  (train.py:27-29, model/nac.py): Embedding(n_ops + 3 = 11, 128), the
  residual GCN of section 2 shared by both cells, the per-cell mean over its
  10 rows, feature = cat[f(normal), f(reduce)], p = sigmoid(fc(cat[feature(a0),
  feature(a1)])) with fc = Linear(512, 1).

Genotypes are read with Python's eval of the DARTS namedtuple, as DARTS
itself reads them (train.py: eval("genotypes.%s" % args.arch)), not with
our parser.
"""
from collections import namedtuple

import torch
import torch.nn as nn
import torch.nn.functional as F

import nac_torch

Genotype = namedtuple("Genotype", "normal normal_concat reduce reduce_concat")

# op2embedding (ctnas/core/dataset/tensorize/common_nas.py:6-17)
OP2EMBEDDING = {"input0": 0, "input1": 1, "none": 2, "skip_connect": 3, "sep_conv_3x3": 4,
                "sep_conv_5x5": 5, "max_pool_3x3": 6, "avg_pool_3x3": 7, "dil_conv_3x3": 8,
                "dil_conv_5x5": 9}
N_OPS = 8
DIM = 128
N_LAYERS = 4
RATIO = 4


def parse_genotype(text):
    """A DARTS Genotype string -> (normal, reduce), each 8 (op, from, to) tuples
    (the reference's Genotype.from_... mapping: tuple k has to = 2 + k // 2)."""
    g = eval(text, {"Genotype": Genotype, "range": range})  # noqa: S307 (test data)
    cells = []
    for edges in (g.normal, g.reduce):
        if len(edges) != 8:
            raise ValueError(f"a cell with {len(edges)} edges: {text}")
        cells.append([(op, frm, 2 + k // 2) for k, (op, frm) in enumerate(edges)])
    return cells


def genotype2arch(items, n_nodes=4):
    """The reference's genotype2arch: (matrix 10x10, ops 10 names)."""
    matrix = [[0] * (2 * n_nodes + 2) for _ in range(2 * n_nodes + 2)]
    ops = ["input0", "input1"] + [op for op, _, _ in items]
    into = {}
    for k, (_, _, to) in enumerate(items):
        into.setdefault(to, []).append(k + 2)
    for k, (_, frm, _) in enumerate(items):
        if frm < 2:
            matrix[frm][k + 2] = 1
        else:
            for v in into[frm]:
                matrix[v][k + 2] = 1
    return matrix, ops


def tensorize(text):
    """common_tensorize: (normal_adj, normal_ops, reduced_adj, reduced_ops)."""
    out = []
    for items in parse_genotype(text):
        matrix, ops = genotype2arch(items)
        out.append(torch.tensor(matrix, dtype=torch.float32).t())
        out.append(torch.tensor([OP2EMBEDDING[o] for o in ops], dtype=torch.long))
    return tuple(out)


class NAC(nn.Module):
    """The reference NAC built as for --space darts --n_ops 8 (ratio 4)."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(N_OPS + 3, DIM)
        self.gcn = nn.ModuleList(nac_torch.GraphConv() for _ in range(N_LAYERS))
        self.fc = nn.Linear(DIM * RATIO, 1)

    def _extract(self, adj, ops):
        h = self.embedding(ops)
        for layer in self.gcn:
            h = F.relu(layer(h, adj))
        return h.mean(dim=1)

    def extract_features(self, arch):
        # the 4-tensor branch (model/nac.py:33-41)
        normal_adj, normal_ops, reduced_adj, reduced_ops = arch
        return torch.cat([self._extract(normal_adj, normal_ops),
                          self._extract(reduced_adj, reduced_ops)], dim=1)

    def forward(self, arch0, arch1):
        f = torch.cat([self.extract_features(arch0), self.extract_features(arch1)], dim=1)
        return torch.sigmoid(self.fc(f).view(-1))


def stack(cells):
    return tuple(torch.stack([c[i] for c in cells]) for i in range(4))


def pair_values(weights, cells, pairs, labels, adam):
    """As nac_torch.pair_values, for the DARTS NAC (cells: Genotype strings)."""
    t = [tensorize(c) for c in cells]
    arch0 = stack([t[i] for i, _ in pairs])
    arch1 = stack([t[j] for _, j in pairs])
    return nac_torch.run_pairs(nac_torch.load_weights(NAC(), weights), arch0, arch1, labels, adam)
