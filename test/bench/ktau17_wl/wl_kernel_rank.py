#!/usr/bin/python3
"""Issue 17: a second model family beside the NAC. Kernel ridge regression with the
Weisfeiler-Lehman subtree kernel (NAS-BOWL's kernel) on CTNAS's split, alone and summed
with recipe "default"'s scores (test/bench/ktau17_results.md, fifth step).

The NAC's scores come from ktau_bench (SCORES= writes the 100 held-out cells' scores):
    make test/tools/ktau_bench && mkdir -p /tmp/wl
    for s in $(seq 1 20); do zcat ../shared/data/nb101/nb101_all_run0test.csv.gz |
        SCORES=/tmp/wl/gcn_ref_$s.txt OPENBLAS_NUM_THREADS=1 test/tools/ktau_bench ref $s '{"recipe": "default"}'; done
    /usr/bin/python3 test/bench/ktau17_wl/wl_kernel_rank.py --scores /tmp/wl --seeds 1-20

Split: torch.randperm(423624, seed) over the rows in hash order, train on the first 423,
CTNAS's KTau on the next 100 (as ktau_bench ref). Features: for the cell and its reverse,
the count of every WL label after 0..TMAX refinements (label 0 = the op; label t = the
node's label t-1 with the sorted labels t-1 of its in-neighbours), padding slots absent.
Kernel: the cosine of those count vectors. Target: normal scores of the training cells'
accuracy ranks (raw accuracies are dominated by the few diverged cells). The combination:
NAC score / its std + w * ridge prediction / its std, over the 100 held-out cells."""
import argparse, csv, gzip, math, os, sys
from statistics import NormalDist
import numpy as np, torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from rank_stats import ctnas_ktau  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = {'input': 0, 'output': 1, 'conv3x3-bn-relu': 2, 'conv1x1-bn-relu': 3, 'maxpool3x3': 4}


def read(path):
    cells, acc = [], []
    with gzip.open(path, 'rt') as f:
        for r in csv.DictReader(f):
            n = int(r['num_vertices'])
            a = r['adjacency']
            cells.append(([OPS[o] for o in r['ops'].split(';')],
                          [[u for u in range(n) if a[u * n + v] == '1'] for v in range(n)]))
            acc.append(float(r['test_acc_run0']))
    return cells, np.array(acc)


def wl_counts(cell, tmax):
    ops, preds = cell
    n = len(ops)
    succs = [[v for v in range(n) if u in preds[v]] for u in range(n)]
    counts = {}
    for d, nb in enumerate((preds, succs)):
        lab = list(ops)
        for t in range(tmax + 1):
            if t:
                lab = [(lab[v], tuple(sorted(lab[u] for u in nb[v]))) for v in range(n)]
            for v in range(n):
                k = (d, lab[v])
                counts[k] = counts.get(k, 0) + 1
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--csv', default=os.path.join(HERE, '../../../../shared/data/nb101/nb101_all_run0test.csv.gz'))
    ap.add_argument('--scores', required=True, help='directory of gcn_ref_SEED.txt')
    ap.add_argument('--seeds', default='1-20')
    ap.add_argument('--tmax', type=int, nargs='+', default=[1, 2, 3])
    ap.add_argument('--lam', type=float, nargs='+', default=[0.01, 0.03, 0.1, 1.0])
    ap.add_argument('--weights', type=float, nargs='+', default=[0.1, 0.25, 0.4, 1.0])
    a = ap.parse_args()
    lo, hi = map(int, a.seeds.split('-'))
    cells, acc = read(a.csv)
    nd = NormalDist()
    rows = {}
    for seed in range(lo, hi + 1):
        perm = torch.randperm(len(acc), generator=torch.Generator().manual_seed(seed)).numpy()
        ytr, yte = acc[perm[:423]], acc[perm[423:523]]
        gcn = np.loadtxt(os.path.join(a.scores, 'gcn_ref_%d.txt' % seed))
        rk = np.argsort(np.argsort(ytr))
        target = np.array([nd.inv_cdf((k + 0.5) / 423) for k in rk])
        for tmax in a.tmax:
            feats = [wl_counts(cells[c], tmax) for c in perm[:523]]
            keys = {k: i for i, k in enumerate({k for f in feats for k in f})}
            X = np.zeros((523, len(keys)))
            for i, f in enumerate(feats):
                for k, v in f.items():
                    X[i, keys[k]] = v
            K = X @ X.T
            dg = np.sqrt(np.diag(K))
            K = K / dg[:, None] / dg[None, :]
            for lam in a.lam:
                alpha = np.linalg.solve(K[:423, :423] + lam * np.eye(423), target)
                p = K[423:, :423] @ alpha
                r = [ctnas_ktau(p, yte), ctnas_ktau(gcn, yte)]
                r += [ctnas_ktau(gcn / gcn.std() + w * p / p.std(), yte) for w in a.weights]
                rows.setdefault((tmax, lam), []).append(r)
    print('| WL refinements | lambda | seeds | ridge KTau | NAC KTau | ' +
          ' | '.join('NAC + %g ridge, paired (better / worse)' % w for w in a.weights) + ' |')
    print('| ---: | ---: | ---: | --- | --- | ' + ' | '.join('---' for _ in a.weights) + ' |')
    for (tmax, lam), r in rows.items():
        r = np.array(r)
        cols = ['%.4f +- %.4f' % (r[:, 0].mean(), r[:, 0].std()), '%.4f' % r[:, 1].mean()]
        for j in range(len(a.weights)):
            d = r[:, 2 + j] - r[:, 1]
            cols.append('%+.4f +- %.4f (%d / %d)' % (d.mean(), d.std(ddof=1) / math.sqrt(len(d)),
                                                     (d > 0).sum(), (d < 0).sum()))
        print('| %d | %g | %d | %s |' % (tmax, lam, len(r), ' | '.join(cols)))


main()
