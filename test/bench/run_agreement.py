"""How well one NAS-Bench-101 training run ranks another (README "Ranking quality"): tau-b of
val_acc_108ep (one run, the first 20,001 cells) against test_acc_run0 on a 3,000-cell sample
(numpy's RandomState(0)), the label-noise figure the ranking targets are read against.
    /usr/bin/python3 test/bench/run_agreement.py   (needs ../shared/data/nb101)"""
import math, os, sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nb101_runs import other_run_val, run0  # noqa: E402
from rank_stats import tau_b  # noqa: E402

val = other_run_val()
x, y = [], []
for h, a in zip(*run0()):
    if h in val:
        x.append(val[h])
        y.append(a)
x, y = np.array(x), np.array(y)
idx = np.random.RandomState(0).choice(len(x), 3000, replace=False)
tau = tau_b(x[idx], y[idx])
print('%d cells with both; tau-b of val_acc_108ep (one run) vs test_acc_run0 on 3,000: %.4f' % (len(x), tau))
# a rough conversion under a Gaussian copula with equal noise in both runs: tau = (2/pi) asin(rho)
r = math.sin(math.pi * tau / 2)
print('perfect predictor of the mean against one run: about %.2f' % (2 / math.pi * math.asin(math.sqrt(r))))
