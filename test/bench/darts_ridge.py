#!/usr/bin/python3
"""Ridge regression baseline for the DARTS ranking table (README, "The DARTS space").

Data: the 1,218 labelled genotypes of ../shared/data/darts (values: NAS-Bench-301
SURROGATE predictions, not trained accuracies), rows in the source order, or
--csv a file in data/darts_sample.csv's form.  Genotypes are parsed here, in
Python (a regular expression over the Genotype string), not by our C parser.

Split: exactly nac_tool darts-ktau's: perm = torch.randperm(N, generator=
torch.Generator().manual_seed(SEED)); train on rows perm[:NTRAIN]; CTNAS's
KTau on the next 100 (pairs i < j, +1 when (pred_i - pred_j >= 0) == (y_i >=
y_j), else -1, averaged); Kendall tau-b of the prediction on all rows after
the training ones (the 100 included), as nac_tool prints it.

Features: a one-hot of the reference NAC's input (ctnas-reference.md §10.5,
test/torch/nac_darts_torch.py's genotype2arch and common_tensorize), for the
normal then the reduction cell (218 in all):
  - the genotype made canonical as our archgraph makes it (each node's two
    (input, op) edges sorted by input, then by the op's DARTS PRIMITIVES
    index: none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3,
    sep_conv_5x5, dil_conv_3x3, dil_conv_5x5), since that is what our NAC reads;
  - genotype2arch: a 10-node DAG, nodes 0 and 1 the inputs c_{k-2}, c_{k-1},
    node k+2 the k-th edge (its op); an edge from input s < 2 has the arc
    s -> k+2, one from intermediate node s >= 2 has an arc from each of the
    two edge nodes entering s;
  - per cell: the ops of nodes 2..9 one-hot over the 8 op2embedding ids 2..9
    (none, skip_connect, sep_conv_3x3, sep_conv_5x5, max_pool_3x3,
    avg_pool_3x3, dil_conv_3x3, dil_conv_5x5): 64; nodes 0 and 1 are always
    input0, input1 (constant, left out); then the adjacency's 45 entries
    i < j (row-major): 109 per cell.
Model: ridge with an unpenalised intercept (features and label centred on the
training rows), alpha chosen from 10^-3 .. 10^3 (25 values, log-spaced) by
5-fold cross-validated mean squared error on the training rows only (folds
from numpy.random.RandomState(SEED).permutation of them), then refit on all
training rows.

  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/darts_ridge.py [--seeds 1-5] [--ntrain 100,500,1000] [--csv FILE]
"""
import argparse
import csv
import gzip
import os
import re
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import darts_common  # noqa: E402
from rank_stats import ctnas_ktau, tau_b  # noqa: E402

PRIMITIVES = ["none", "max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
              "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"]
OP2EMBEDDING = {"input0": 0, "input1": 1, "none": 2, "skip_connect": 3, "sep_conv_3x3": 4,
                "sep_conv_5x5": 5, "max_pool_3x3": 6, "avg_pool_3x3": 7, "dil_conv_3x3": 8,
                "dil_conv_5x5": 9}
CELL = re.compile(r"(normal|reduce)\s*=\s*\[(.*?)\]")
EDGE = re.compile(r"\(\s*['\"](\w+)['\"]\s*,\s*(\d+)\s*\)")
IU = np.triu_indices(10, k=1)
ALPHAS = np.logspace(-3, 3, 25)


def parse(genotype):
    """The Genotype string -> (normal, reduce), each 8 canonical (op, input) edges."""
    cells = dict((m[1], m[2]) for m in CELL.finditer(genotype))
    out = []
    for name in ("normal", "reduce"):
        edges = [(op, int(i)) for op, i in EDGE.findall(cells[name])]
        assert len(edges) == 8, genotype
        canon = []
        for k in range(4):
            pair = edges[2 * k: 2 * k + 2]
            canon += sorted(pair, key=lambda e: (e[1], PRIMITIVES.index(e[0])))
        out.append(canon)
    return out


def cell_features(edges):
    """genotype2arch of one cell -> 64 op one-hots + 45 adjacency entries."""
    matrix = np.zeros((10, 10))
    into = {}
    for k in range(8):
        into.setdefault(2 + k // 2, []).append(k + 2)
    for k, (_, frm) in enumerate(edges):
        if frm < 2:
            matrix[frm, k + 2] = 1
        else:
            for v in into[frm]:
                matrix[v, k + 2] = 1
    ops = np.zeros((8, 8))
    for k, (op, _) in enumerate(edges):
        ops[k, OP2EMBEDDING[op] - 2] = 1
    return np.concatenate([ops.ravel(), matrix[IU]])


def features(genotype):
    normal, reduce = parse(genotype)
    return np.concatenate([cell_features(normal), cell_features(reduce)])


def ridge_fit(X, y, alpha):
    mx, my = X.mean(0), y.mean()
    Xc = X - mx
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (y - my))
    return w, my - mx @ w


def choose_alpha(X, y, seed, folds=5):
    order = np.random.RandomState(seed).permutation(len(y))
    parts = np.array_split(order, folds)
    best = None
    for alpha in ALPHAS:
        err = 0.0
        for k in range(folds):
            test = parts[k]
            train = np.concatenate([parts[j] for j in range(folds) if j != k])
            w, b = ridge_fit(X[train], y[train], alpha)
            err += np.sum((X[test] @ w + b - y[test]) ** 2)
        if best is None or err < best[0]:
            best = (err, alpha)
    return best[1]


def read_rows(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return [r["genotype"] for r in rows], np.array([float(r["nb301_surrogate_val_acc"]) for r in rows])


def seeds_of(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--ntrain", default="100,500,1000")
    ap.add_argument("--csv", help="data/darts_sample.csv's form (default: the 1,218 labelled genotypes)")
    a = ap.parse_args()
    path = a.csv
    if path is None:
        path = "/tmp/darts_ridge_%d.csv" % os.getpid()
        darts_common.write_labelled_csv(path)
    genotypes, y = read_rows(path)
    if a.csv is None:
        os.unlink(path)
    X = np.array([features(g) for g in genotypes])
    n = len(y)
    print("%d genotypes, %d features (%d never 1, %d always 1)" % (
        n, X.shape[1], int(np.sum(X.max(0) == 0)), int(np.sum(X.min(0) == 1))))
    summary = []
    for ntrain in [int(t) for t in a.ntrain.split(",")]:
        kt, tb = [], []
        for seed in seeds_of(a.seeds):
            perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).numpy()
            tr, rest = perm[:ntrain], perm[ntrain:]
            alpha = choose_alpha(X[tr], y[tr], seed)
            w, b = ridge_fit(X[tr], y[tr], alpha)
            pred = X[rest] @ w + b
            kt.append(ctnas_ktau(pred[:100], y[rest[:100]]))
            tb.append(tau_b(pred, y[rest]))
            print("ridge seed %d, %d train: alpha %.4g, ktau %.4f on 100, tau-b %.4f on %d"
                  % (seed, ntrain, alpha, kt[-1], tb[-1], len(rest)), flush=True)
        summary.append((ntrain, kt, tb))
    print()
    print("| N train | ridge KTau | ridge tau-b | per seed KTau |")
    print("| ---: | ---: | ---: | --- |")
    for ntrain, kt, tb in summary:
        print("| %d | %.3f ± %.3f | %.3f ± %.3f | %s |" % (ntrain, np.mean(kt), np.std(kt, ddof=1), np.mean(tb),
                                                          np.std(tb, ddof=1), " ".join("%.3f" % k for k in kt)))


if __name__ == "__main__":
    main()
