import json, os, numpy as np, sys
R = {}
for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results.jsonl')):
    r = json.loads(l); R.setdefault(r['name'], {})[r['seed']] = r
ref = sys.argv[1] if len(sys.argv) > 1 else 'base'
base = R.get(ref, {})
print(f'| variant | seeds | n | mean±std KTau | paired diff vs {ref} (mean±se, better/worse) | 20k tau-b paired diff (mean±se, b/w) | tau-b 20k | train s | MACs/cell | nparam |')
print('|---|---|---|---|---|---|---|---|---|---|')
def se(x): return x.std(ddof=1) / np.sqrt(len(x)) if len(x) > 1 else 0
for nm, d in R.items():
    s = sorted(d); k = np.array([d[i]['ktau'] for i in s]); r20 = np.array([d[i]['taub20k'] for i in s])
    ps = [i for i in s if i in base]
    if ps and nm != ref:
        df = np.array([d[i]['ktau'] - base[i]['ktau'] for i in ps]); dr = np.array([d[i]['taub20k'] - base[i]['taub20k'] for i in ps])
        pd = f"{df.mean():+.4f}±{se(df):.4f} ({(df>0).sum()}/{(df<0).sum()}) [n={len(ps)}]"
        pr = f"{dr.mean():+.4f}±{se(dr):.4f} ({(dr>0).sum()}/{(dr<0).sum()})"
    else: pd = pr = '-'
    print(f"| {nm} | {s[0]}-{s[-1]} | {len(s)} | {k.mean():.4f}±{k.std(ddof=1) if len(k)>1 else 0:.4f} | {pd} | {pr} | {r20.mean():.4f} | {np.mean([d[i]['train_s'] for i in s]):.1f} | {d[s[0]].get('macs', 967936)} | {d[s[0]]['nparam']} |")
