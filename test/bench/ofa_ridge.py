#!/usr/bin/python3
"""ofa_ridge.py SEED NTRAIN [CSV]: the plain baseline for `nac_tool ofa-ktau`.

Ridge regression of top1_mean on the reference's 120-wide one-hot of an OFA
subnet (ctnas-reference.md §11.3: per slot 0..19 its kernel 3/5/7, then per
slot its expand ratio 3/4/6; inactive slots all zero), with an intercept
(not penalised).  The same split as nac_tool: torch.randperm(rows,
generator seeded with SEED), train on the first NTRAIN, CTNAS's KTau
(pairs i < j of the next 100, sign(s_i - s_j) against sign(acc_i - acc_j),
sign(0) = +1) and Kendall's tau-b of the prediction on all the rest.
alpha from {1e-3 .. 1e3} by 5-fold cross-validation (mean squared error)
on the training part only.
Run with /usr/bin/python3 (numpy, torch for randperm).
"""
import csv
import gzip
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rank_stats import ctnas_ktau, tau_b  # noqa: E402

CSV = "/work/shared/data/ofa_mbv3/ofa_mbv3_w10_unique_subnets.csv.gz"
KS = {3: 0, 5: 1, 7: 2}
ES = {3: 0, 4: 1, 6: 2}
ALPHAS = [10.0 ** k for k in np.arange(-3, 3.01, 0.5)]


def onehot(ks, e, d):
    x = np.zeros(120)
    for s in range(20):
        if s % 4 < d[s // 4]:
            x[3 * s + KS[ks[s]]] = 1
            x[60 + 3 * s + ES[e[s]]] = 1
    return x


def read(path):
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        rows = list(csv.DictReader(f))
    X = np.array([onehot([int(v) for v in r["ks_active"].split(";")],
                         [int(v) for v in r["e_active"].split(";")],
                         [int(v) for v in r["d"].split(";")]) for r in rows])
    return X, np.array([float(r["top1_mean"]) for r in rows])


def ridge(X, y, alpha):
    mx, my = X.mean(0), y.mean()
    Xc = X - mx
    w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (y - my))
    return lambda Z: (Z - mx) @ w + my


def cv_alpha(X, y, folds=5):
    idx = np.arange(len(y))
    best = None
    for a in ALPHAS:
        err = 0.0
        for k in range(folds):
            val = idx % folds == k
            f = ridge(X[~val], y[~val], a)
            err += ((f(X[val]) - y[val]) ** 2).sum()
        if best is None or err < best[0]:
            best = (err, a)
    return best[1]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[0])
    seed, ntrain = int(sys.argv[1]), int(sys.argv[2])
    X, y = read(sys.argv[3] if len(sys.argv) > 3 else CSV)
    gen = torch.Generator()
    gen.manual_seed(seed)
    perm = torch.randperm(len(y), generator=gen).numpy()
    tr, rest = perm[:ntrain], perm[ntrain:]
    held = rest[:100]
    alpha = cv_alpha(X[tr], y[tr])
    f = ridge(X[tr], y[tr], alpha)
    s_held, s_rest = f(X[held]), f(X[rest])
    ktau = ctnas_ktau(s_held, y[held])
    print(f"ridge seed {seed}, {ntrain} train: ktau {ktau:.4f} on {len(held)}, "
          f"tau-b {tau_b(s_rest, y[rest]):.4f} on {len(rest)}, alpha {alpha:g}")


if __name__ == "__main__":
    main()
