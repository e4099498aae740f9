#!/usr/bin/python3
"""Search table in the DARTS space, the labelled table as oracle.

The oracle is the 1,218 labelled genotypes of ../shared/data/darts
(darts_naslib_zc_labelled.csv.gz), whose values are NAS-Bench-301 SURROGATE
predictions of CIFAR-10 validation accuracy (percent), NOT accuracies of
trained networks.  Proposals come from the oracle's rows (option "space":
"oracle", the default).  For each method, budget and seed: the final
genotype's NB301 surrogate value (mean +- std, best run), its rank among
the 1,218 by that value (median; 1 = the best, 94.49), how many runs end on
a top-10 genotype, queries used and the wall time of one search (one
thread, two searches side by side on the 2 shared cores; the CSV is read
before the clock starts).

Methods (all through the core harness the SQL functions use,
test/tools/darts_bench): CTNAS recipe "paper", CTNAS default, random
search, regularized evolution (defaults: population 50, tournament 10),
local search (defaults: all neighbours, init 1), and any extra option sets
given with --ctnas / --evolution / --local (labelled by their JSON).

  make test/tools/darts_bench
  OPENBLAS_NUM_THREADS=1 nice -n 5 /usr/bin/python3 test/bench/darts_search_table.py \\
      [--seeds 1-10] [--budgets 50,100,200] [--methods paper,default,random,evolution,local]
      [--ctnas JSON ...] [--evolution JSON ...] [--local JSON ...] [--csv darts_sample-form.csv]
"""
import argparse
import concurrent.futures
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import darts_common  # noqa: E402

TOOL = os.path.join(darts_common.ROOT, "test/tools/darts_bench")

METHODS = [
    ("paper", "CTNAS recipe paper", "ctnas", '{"recipe": "paper"}'),
    ("default", "CTNAS default", "ctnas", "{}"),
    ("random", "random search", "random", "{}"),
    ("evolution", "regularized evolution", "evolution", "{}"),
    ("local", "local search", "local", "{}"),
]
LINE = re.compile(r"final surrogate ([0-9.]+), rank (\d+) of (\d+), (queried|not queried), "
                  r"best queried surrogate ([0-9.]+), (\d+) queries, ([0-9.]+) s")


def run(job, csv):
    name, method, options, seed, budget = job
    args = [TOOL, csv, "search", method, str(seed), str(budget), options]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    m = LINE.search(p.stdout)
    if p.returncode != 0 or m is None:
        raise RuntimeError("%s: exit %d, %r %r" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return job, dict(value=float(m[1]), rank=int(m[2]), rows=int(m[3]), queried=m[4] == "queried",
                     best_queried=float(m[5]), queries=int(m[6]), secs=float(m[7]))


def seeds_of(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--budgets", default="50,100,200")
    ap.add_argument("--methods", default="paper,default,random,evolution,local")
    ap.add_argument("--ctnas", action="append", default=[], help="extra CTNAS options (JSON)")
    ap.add_argument("--evolution", action="append", default=[], help="extra evolution options (JSON)")
    ap.add_argument("--local", action="append", default=[], help="extra local search options (JSON)")
    ap.add_argument("--csv", help="a CSV in data/darts_sample.csv's form instead of the 1,218 labelled genotypes")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    if not os.path.exists(TOOL):
        sys.exit("build the tool first: make test/tools/darts_bench")
    seeds = seeds_of(a.seeds)
    budgets = [int(b) for b in a.budgets.split(",")]
    wanted = a.methods.split(",") if a.methods else []
    methods = [(label, method, options) for key, label, method, options in METHODS if key in wanted]
    methods += [("CTNAS " + o, "ctnas", o) for o in a.ctnas]
    methods += [("evolution " + o, "evolution", o) for o in a.evolution]
    methods += [("local search " + o, "local", o) for o in a.local]

    tmp = tempfile.mkdtemp()
    csv = a.csv
    if csv is None:
        csv = os.path.join(tmp, "darts_labelled.csv")
        darts_common.write_labelled_csv(csv)
    jobs = [(name, method, options, seed, budget)
            for budget in budgets for name, method, options in methods for seed in seeds]
    # the slow ones first, so the workers finish together
    jobs.sort(key=lambda j: (j[2] != '{"recipe": "paper"}', -j[4]))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
        for job, r in pool.map(lambda j: run(j, csv), jobs):
            name, _, _, seed, budget = job
            results.setdefault((budget, name), []).append((seed, r))
            print("  budget %3d %-26s seed %2d: surrogate %.2f rank %d%s, %d queries, %.1f s"
                  % (budget, name, seed, r["value"], r["rank"], "" if r["queried"] else " (not queried)",
                     r["queries"], r["secs"]), file=sys.stderr, flush=True)
    shutil.rmtree(tmp)
    rows = next(iter(results.values()))[0][1]["rows"]

    print()
    print("Oracle: the %d labelled genotypes (values: NB301 surrogate predictions, percent), proposals from its "
          "rows; seeds %d-%d:" % (rows, seeds[0], seeds[-1]))
    print()
    print("| budget | method | final genotype's NB301 surrogate value, mean ± std | best run | rank of the final "
          "genotype (median of %d; 1 = best) | in the top 10 | final queried | queries | one search |" % len(seeds))
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for budget in budgets:
        for name, _, _ in methods:
            r = [x for _, x in sorted(results[(budget, name)])]
            vals = [x["value"] for x in r]
            std = statistics.stdev(vals) if len(vals) > 1 else 0.0
            print("| %d | %s | %.3f ± %.3f | %.3f | %g | %d of %d | %d of %d | %d | %.1f s |" % (
                budget, name, statistics.mean(vals), std, max(vals), statistics.median(x["rank"] for x in r),
                sum(x["rank"] <= 10 for x in r), len(r), sum(x["queried"] for x in r), len(r),
                max(x["queries"] for x in r), statistics.mean(x["secs"] for x in r)))
    print()
    print("Per seed (%d-%d), rank of the final genotype among the %d:" % (seeds[0], seeds[-1], rows))
    print()
    for budget in budgets:
        for name, _, _ in methods:
            r = sorted(results[(budget, name)])
            print("- %d, %s: %s" % (budget, name, " ".join("%d" % x["rank"] for _, x in r)))
    print()


if __name__ == "__main__":
    main()
