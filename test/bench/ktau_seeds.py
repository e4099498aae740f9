#!/usr/bin/python3
"""Mean and std of the NAC's ranking quality over many seeds, for option sets
given on the command line (issue 17's measurements; development seeds, not
the reported 2020-2024 of ktau_table.py).

  make test/tools/ktau_bench
  /usr/bin/python3 test/bench/ktau_seeds.py [--mode ref|all] [--ntrain N]
      [--seeds 1-20] VARIANT...

VARIANT is NAME=OPTIONS_JSON or NAME=OPTIONS_JSON@ENV=V,ENV=V (environment
for ktau_bench, e.g. ENSEMBLE=3 or PAIRS=all: see ktau_bench.c).  With
ENSEMBLE=K in ref mode the table also has a row NAME/k for the first k
members, k < K (the same runs: their training seconds are K's).  Runs 2 processes at a time, one BLAS
thread each, under nice -n 5.  Prints one line per run on stderr and a
markdown table (mean +- std, min, max, mean training seconds) on stdout;
--raw FILE also appends every run as a JSON line.

  ktau_seeds.py --summary RAW [--baseline NAME]
reads such a file instead of running and prints, per variant (last run of
each variant and seed wins), mean +- std, and the paired difference to the
baseline variant on the seeds both have: mean +- its standard error, and on
how many seeds the variant is better / worse.
"""
import argparse
import concurrent.futures
import json
import re
import shutil
import statistics
import sys

from ktau_table import plain_copy, run_tool


def seeds_arg(text):
    out = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


def variant_arg(text):
    name, _, rest = text.partition("=")
    options, _, envs = rest.partition("@")
    json.loads(options)
    env = dict(e.split("=", 1) for e in envs.split(",")) if envs else {}
    return name, options, env


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mode", choices=["ref", "all"], default="ref")
    ap.add_argument("--ntrain", type=int, default=424)
    ap.add_argument("--seeds", type=seeds_arg, default=seeds_arg("1-20"))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--raw")
    ap.add_argument("--summary")
    ap.add_argument("--baseline", default="default")
    ap.add_argument("variants", nargs="*", type=variant_arg)
    a = ap.parse_args()
    if a.summary:
        return summary(a.summary, a.baseline)
    tmp, plain = plain_copy()
    jobs = [(v, s) for v in a.variants for s in a.seeds]

    def one(job):
        (name, options, env), seed = job
        return job, run_tool(a.mode, seed, a.ntrain, options, plain, env, nice=5, output=True)

    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
        for ((name, options, env), seed), (value, seconds, out) in pool.map(one, jobs):
            found = [(name, value)] + [(f"{name}/{k}", float(v)) for k, v in
                                       re.findall(r"^members ([0-9]+): (-?[0-9.]+)$", out, re.M)
                                       if int(k) < int(env.get("ENSEMBLE", 1))]
            for n, v in found:
                results.setdefault(n, []).append((seed, v, seconds))
                if a.raw:
                    with open(a.raw, "a") as f:
                        f.write(json.dumps({"variant": n, "options": options, "env": env, "mode": a.mode,
                                            "ntrain": a.ntrain if a.mode == "all" else 423, "seed": seed,
                                            "value": v, "train_s": seconds}) + "\n")
            print(f"  {name} seed {seed}: {value:.4f} ({seconds:.1f} s)", file=sys.stderr, flush=True)
    shutil.rmtree(tmp)
    stat = "CTNAS KTau (423 / next 100)" if a.mode == "ref" else f"tau-b ({a.ntrain} / all rest)"
    print(f"| variant | options | {stat} mean +- std | min | max | seeds | train s |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    rows = []
    for name, options, env in a.variants:
        rows += [(f"{name}/{k}", options, env) for k in range(1, int(env.get("ENSEMBLE", 1)))] + \
            [(name, options, env)]
    for name, options, env in rows:
        r = results[name]
        vals = [v for _, v, _ in r]
        std = statistics.stdev(vals) if len(vals) > 1 else 0.0
        extra = (" " + " ".join(f"{k}={v}" for k, v in env.items())) if env else ""
        print(f"| {name} | `{options}`{extra} | {statistics.mean(vals):.4f} +- {std:.4f} | {min(vals):.4f} | "
              f"{max(vals):.4f} | {len(vals)} | {statistics.mean(s for _, _, s in r):.1f} |")


def summary(raw, baseline):
    runs, order = {}, []
    with open(raw) as f:
        for line in f:
            r = json.loads(line)
            key = (r["mode"], r["ntrain"], r["variant"])
            if key not in runs:
                order.append(key)
            runs.setdefault(key, {})[r["seed"]] = (r["value"], r["train_s"], r["options"], r["env"])
    print("| mode | variant | options / environment | mean +- std | seeds | paired diff. to "
          f"{baseline} (mean +- s.e.) | better / worse | train s |")
    print("| --- | --- | --- | --- | ---: | --- | --- | ---: |")
    for key in order:
        mode, ntrain, name = key
        r = runs[key]
        vals = [v for v, _, _, _ in r.values()]
        std = statistics.stdev(vals) if len(vals) > 1 else 0.0
        base = runs.get((mode, ntrain, baseline), {})
        common = sorted(set(r) & set(base))
        diff = ""
        wins = ""
        if common and name != baseline:
            d = [r[s][0] - base[s][0] for s in common]
            se = statistics.stdev(d) / len(d) ** 0.5 if len(d) > 1 else 0.0
            diff = f"{statistics.mean(d):+.4f} +- {se:.4f}"
            wins = f"{sum(x > 0 for x in d)} / {sum(x < 0 for x in d)}"
        _, _, options, env = next(iter(r.values()))
        extra = (" " + " ".join(f"{k}={v}" for k, v in env.items())) if env else ""
        print(f"| {mode} {ntrain} | {name} | `{options}`{extra} | {statistics.mean(vals):.4f} +- {std:.4f} | "
              f"{len(vals)} | {diff} | {wins} | {statistics.mean(t for _, t, _, _ in r.values()):.1f} |")


if __name__ == "__main__":
    main()
