"""Table vs the reference (name 'ref' in results.jsonl; seeds missing there are filled from the harness's
mrsink_swa lines of ../encoder2/results.jsonl, identical code path, seed 1 reproduced exactly)."""
import json, os, numpy as np
here = os.path.dirname(os.path.abspath(__file__))
R = {}
for l in open(os.path.join(here, 'results.jsonl')):
    r = json.loads(l); R.setdefault(r['name'], {})[r['seed']] = r
H = {r['seed']: r for r in map(json.loads, open(os.path.join(here, '..', 'encoder2', 'results.jsonl'))) if r['name'] == 'mrsink_swa'}
ref = dict(H); ref.update(R.get('ref', {}))
nrun = len(R.get('ref', {}))
def se(x): return x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else 0
print('| variant | seeds | KTau mean±std | taub20k mean±std | dKTau vs ref (mean±se, b/w) | dtaub20k (mean±se, b/w) | train s | MACs/cell (rel) | nparam |')
print('|---|---|---|---|---|---|---|---|---|')
rows = [('ref (this dir, %d seeds run; rest harness)' % nrun, {s: ref[s] for s in sorted(ref) if s <= max(max(d) for d in R.values())})] + [(n, d) for n, d in R.items() if n != 'ref']
for nm, d in rows:
    s = sorted(d); k = np.array([d[i]['ktau'] for i in s]); r2 = np.array([d[i]['taub20k'] for i in s])
    dk = np.array([d[i]['ktau'] - ref[i]['ktau'] for i in s]); dr = np.array([d[i]['taub20k'] - ref[i]['taub20k'] for i in s])
    ts = np.mean([d[i]['train_s'] for i in s if nm[:3] != 'ref' or i in R.get('ref', {})] or [0])
    mc = d[s[0]]['macs']
    print(f"| {nm} | {s[0]}-{s[-1]} (n={len(s)}) | {k.mean():.4f}±{k.std(ddof=1) if len(k)>1 else 0:.4f} | {r2.mean():.4f}±{r2.std(ddof=1) if len(r2)>1 else 0:.4f} | "
          f"{dk.mean():+.4f}±{se(dk):.4f} ({(dk>0).sum()}/{(dk<0).sum()}) | {dr.mean():+.4f}±{se(dr):.4f} ({(dr>0).sum()}/{(dr<0).sum()}) | {ts:.1f} | {mc} ({mc/967936:.2f}x) | {d[s[0]]['nparam']} |")
