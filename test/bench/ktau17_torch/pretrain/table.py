"""Summarise results.jsonl: per variant mean/std ktau, paired diff vs baseline on common seeds, tau20k, ft seconds."""
import json, math, collections, os, sys
rows = [json.loads(l) for l in open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results.jsonl'))]
V = collections.OrderedDict()
for r in rows: V.setdefault(r['variant'], {})[r['seed']] = r
base = V.get('baseline', {})
def ms(x):
    m = sum(x) / len(x); s = math.sqrt(sum((v - m) ** 2 for v in x) / (len(x) - 1)) if len(x) > 1 else 0; return m, s
print('| variant | seeds | CTNAS KTau mean ± std | paired diff vs baseline (mean ± s.e., better/worse) | tau-b 20k rest | ft torch s |')
print('|---|---|---|---|---|---|')
for v, d in V.items():
    seeds = sorted(d); k = [d[s]['ktau'] for s in seeds]; m, sd = ms(k)
    t20 = ms([d[s]['tau20k'] for s in seeds])[0]; ft = ms([d[s]['ft_s'] for s in seeds])[0]
    common = [s for s in seeds if s in base]
    if v != 'baseline' and len(common) > 1:
        df = [d[s]['ktau'] - base[s]['ktau'] for s in common]; dm, dsd = ms(df)
        d20 = ms([d[s]['tau20k'] - base[s]['tau20k'] for s in common])[0]
        pd = f"{dm:+.4f} ± {dsd / math.sqrt(len(df)):.4f} ({sum(x > 0 for x in df)}/{sum(x < 0 for x in df)}) [n={len(common)}; 20k diff {d20:+.4f}]"
    else: pd = '-'
    sr = f"{min(seeds)}-{max(seeds)}" if len(seeds) == max(seeds) - min(seeds) + 1 else ','.join(map(str, seeds))
    print(f"| {v} | {sr} | {m:.4f} ± {sd:.4f} | {pd} | {t20:.4f} | {ft:.1f} |")
