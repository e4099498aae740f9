#!/usr/bin/python3
"""ofa_table.py LOG...: the mean (sample std) of KTau and tau-b per method and
NTRAIN from the lines nac_tool ofa-ktau, test/bench/ofa_ridge.py and
test/torch/ofa_ktau_torch.py print; a Markdown table on stdout."""
import re
import statistics
import sys

LINE = re.compile(r"^(?:(torch) ofa|(ridge)|ofa) seed (\d+), (?:recipe (\w+), )?(\d+) train: "
                  r"ktau ([-\d.]+) on \d+, tau-b ([-\d.]+)")


def fmt(xs):
    if not xs:
        return "—"
    sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
    return f"{statistics.mean(xs):.4f} ({sd:.4f})"


def main():
    res = {}
    for path in sys.argv[1:]:
        for line in open(path):
            m = LINE.match(line.strip())
            if not m:
                continue
            torch, ridge, seed, recipe, n, ktau, taub = m.groups()
            method = "torch (paper)" if torch else "ridge" if ridge else recipe
            r = res.setdefault((method, int(n)), {})
            r[int(seed)] = (float(ktau), float(taub))
    methods = [m for m in ("paper", "default", "ridge", "torch (paper)") if any(k[0] == m for k in res)]
    ns = sorted({k[1] for k in res})
    print("| NTRAIN | method | seeds | KTau (next 100) | tau-b (all the rest) |")
    print("| ---: | --- | --- | --- | --- |")
    for n in ns:
        for m in methods:
            r = res.get((m, n))
            if not r:
                continue
            seeds = sorted(r)
            print(f"| {n} | {m} | {','.join(map(str, seeds))} | {fmt([r[s][0] for s in seeds])} | "
                  f"{fmt([r[s][1] for s in seeds])} |")


if __name__ == "__main__":
    main()
