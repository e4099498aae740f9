#!/usr/bin/python3
"""How much of the NAC's tau-b is lost to the label's own noise (README "Ranking quality").

The NAC is trained on test_acc_run0 (one training run) and scored on every other cell by
ktau_bench (SCORES= writes the scores in split order):
    make test/tools/ktau_bench && mkdir -p /tmp/wl
    for s in 1 2 3 4 5; do zcat ../shared/data/nb101/nb101_all_run0test.csv.gz |
        SCORES=/tmp/wl/gcn_all_$s.txt OPENBLAS_NUM_THREADS=1 test/tools/ktau_bench all $s 424 '{"recipe": "default"}'; done
    /usr/bin/python3 test/bench/label_noise_tau.py --scores /tmp/wl --seeds 1-5

On the first 20,001 cells (hash order) another run's validation accuracy exists
(nb101_first20001_singlerun_val.csv.gz); on a 4,000-cell sample of those not trained on
(numpy RandomState(0); cells where either run diverged, accuracy < 0.5, left out) this
prints the tau-b of the same scores against run 0's test accuracy (the issue's label),
against the other run's validation accuracy, and against the mean of the two: the
published predictors (PINAT, TNASP, GMAE-NAS) are scored against a mean of 3 runs."""
import argparse, os, sys
import numpy as np, torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb101_runs import other_run_val, run0  # noqa: E402
from rank_stats import tau_b as taub  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--scores', required=True, help='directory of gcn_all_SEED.txt')
    ap.add_argument('--seeds', default='1-5')
    ap.add_argument('--ntrain', type=int, default=424)
    a = ap.parse_args()
    val = other_run_val()
    hashes, acc = run0()
    acc = np.array(acc)
    lo, hi = map(int, a.seeds.split('-'))
    rng = np.random.RandomState(0)
    res = []
    print('| seed | vs run 0 test (the label) | vs another run\'s validation | vs the mean of the two | run 0 vs the other run |')
    print('| ---: | --- | --- | --- | --- |')
    for s in range(lo, hi + 1):
        sc = np.loadtxt(os.path.join(a.scores, 'gcn_all_%d.txt' % s))
        perm = torch.randperm(len(acc), generator=torch.Generator().manual_seed(s)).numpy()
        score = np.full(len(acc), np.nan)
        score[perm[a.ntrain:]] = sc
        idx = np.array([i for i in range(len(acc)) if hashes[i] in val and not np.isnan(score[i])])
        v = np.array([val[hashes[i]] for i in idx])
        t = acc[idx]
        sub = rng.choice(np.where((v > 0.5) & (t > 0.5))[0], 4000, replace=False)
        p, t, v = score[idx][sub], t[sub], v[sub]
        r = [taub(p, t), taub(p, v), taub(p, (t + v) / 2), taub(t, v)]
        res.append(r)
        print('| %d | %.4f | %.4f | %.4f | %.4f |' % (s, *r))
    r = np.array(res)
    print('| mean +- std | ' + ' | '.join('%.4f +- %.4f' % (r[:, j].mean(), r[:, j].std(ddof=1)) for j in range(4)) + ' |')


main()
