"""How well one NAS-Bench-101 training run ranks another (README "Ranking quality"): tau-b of
val_acc_108ep (one run, the first 20,001 cells) against test_acc_run0 on a 3,000-cell sample
(numpy's RandomState(0)), the label-noise figure the ranking targets are read against.
    /usr/bin/python3 test/bench/run_agreement.py   (needs ../shared/data/nb101)"""
import csv, gzip, math, os
import numpy as np

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data/nb101')
val = {}
with gzip.open(os.path.join(D, 'nb101_first20001_singlerun_val.csv.gz'), 'rt') as f:
    for r in csv.DictReader(f):
        val[r['hash']] = float(r['val_acc_108ep'])
x, y = [], []
with gzip.open(os.path.join(D, 'nb101_all_run0test.csv.gz'), 'rt') as f:
    for r in csv.DictReader(f):
        if r['hash'] in val:
            x.append(val[r['hash']])
            y.append(float(r['test_acc_run0']))
x, y = np.array(x), np.array(y)
idx = np.random.RandomState(0).choice(len(x), 3000, replace=False)
a, b = x[idx], y[idx]
iu = np.triu_indices(len(a), 1)
sa = np.sign(a[:, None] - a[None, :])[iu]
sb = np.sign(b[:, None] - b[None, :])[iu]
tau = (sa * sb).sum() / math.sqrt((sa != 0).sum() * (sb != 0).sum())
print('%d cells with both; tau-b of val_acc_108ep (one run) vs test_acc_run0 on 3,000: %.4f' % (len(x), tau))
# a rough conversion under a Gaussian copula with equal noise in both runs: tau = (2/pi) asin(rho)
r = math.sin(math.pi * tau / 2)
print('perfect predictor of the mean against one run: about %.2f' % (2 / math.pi * math.asin(math.sqrt(r))))
