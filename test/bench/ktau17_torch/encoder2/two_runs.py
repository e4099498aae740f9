"""Does a second run in the TRAINING labels help? (issue 17, label noise)
On the first 20,001 cells (hash order), where another run's validation accuracy exists: split seed s ->
randperm over those cells (neither run diverged), train recipe "default" (harness ref: meanreal+sink, SWA) on 423
with label = run 0 test ('run0') or the mean of run 0 test and the other run's validation ('mean2'); score every
other cell of the 20,001 and report tau-b against run 0, the other run, and their mean.
usage: python3 two_runs.py LABEL SEEDS   (LABEL run0|mean2|other) -> appends to two_runs.jsonl"""
import os, sys, json, time
import numpy as np, torch
import nac
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../..'))
from nb101_runs import other_run_val, run0 as read_run0  # noqa: E402
val = other_run_val()
hashes = read_run0(20001)[0]
run0 = nac.ACC[:20001].copy(); other = np.array([val[h] for h in hashes])
U = np.where((run0 > 0.5) & (other > 0.5))[0]
label, sd = sys.argv[1], sys.argv[2]
a, b = map(int, sd.split('-'))
cfg = {"readout": "meanreal+sink", "swa": True}
for seed in range(a, b + 1):
    p = U[torch.randperm(len(U), generator=torch.Generator().manual_seed(seed)).numpy()]
    tr = torch.from_numpy(p[:423]); rest = torch.from_numpy(p[423:])
    lab = nac.ACC.copy()
    lab[:20001] = {'run0': run0, 'mean2': (run0 + other) / 2, 'other': other}[label]
    saved = nac.ACC; nac.ACC = lab
    t0 = time.time(); m = nac.train_one(cfg, tr, seed); ts = time.time() - t0
    nac.ACC = saved
    with torch.no_grad():
        sc = torch.cat([m.score(rest[i:i + 5000]) for i in range(0, len(rest), 5000)]).numpy()
    r = rest.numpy()
    out = dict(label=label, seed=seed, n_rest=len(r), vs_run0=round(nac.taub(sc, run0[r]), 4),
               vs_other=round(nac.taub(sc, other[r]), 4), vs_mean2=round(nac.taub(sc, (run0[r] + other[r]) / 2), 4),
               train_s=round(ts, 1))
    print(json.dumps(out), flush=True)
    with open(os.path.join(HERE, 'two_runs.jsonl'), 'a') as f: f.write(json.dumps(out) + '\n')
