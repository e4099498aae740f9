import json, os, numpy as np, sys
R = {}
for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results.jsonl')):
    r = json.loads(l); R.setdefault(r['name'], {})[r['seed']] = r
base = R.get('base', {})
print('| variant | seeds | n | mean±std KTau | paired diff vs base (mean±se, better/worse) | tau-b 20k rest | base tau-b 20k (same seeds) | train s | nparam |')
print('|---|---|---|---|---|---|---|---|---|')
for nm, d in R.items():
    s = sorted(d); k = np.array([d[i]['ktau'] for i in s]); r20 = np.array([d[i]['taub20k'] for i in s])
    ps = [i for i in s if i in base]
    if ps and nm != 'base':
        df = np.array([d[i]['ktau'] - base[i]['ktau'] for i in ps]); dr = np.array([d[i]['taub20k'] - base[i]['taub20k'] for i in ps])
        pd = f"{df.mean():+.4f}±{df.std(ddof=1)/np.sqrt(len(df)) if len(df)>1 else 0:.4f} ({(df>0).sum()}/{(df<0).sum()}); 20k {dr.mean():+.4f}±{dr.std(ddof=1)/np.sqrt(len(dr)) if len(dr)>1 else 0:.4f} ({(dr>0).sum()}/{(dr<0).sum()})"
        b20 = np.mean([base[i]['taub20k'] for i in ps])
    else: pd = '-'; b20 = np.nan
    print(f"| {nm} | {s[0]}-{s[-1]} | {len(s)} | {k.mean():.4f}±{k.std(ddof=1) if len(k)>1 else 0:.4f} | {pd} | {r20.mean():.4f} | {b20:.4f} | {np.mean([d[i]['train_s'] for i in s]):.1f} | {d[s[0]]['nparam']} |")
