#!/usr/bin/python3
"""Search reproduction table on the full NAS-Bench-101 table
(../shared/data/nb101; oracle and reported accuracy: test_acc_run0, ONE
training run per cell, not the 3-run mean papers report; best cell 94.66 %).

For each method, 10 seeds (2020-2029) at 423 queries: the final cell's
accuracy (mean +- std, best run), its rank among all 423,624 cells
(percentile, mean), queries used and the wall time of one search (one
thread; the table is read before the clock starts).  Methods: CTNAS recipe
"paper" (the reference code), CTNAS default, random search, regularized
evolution, local search, all through the same core harness as the SQL
functions (test/tools/search_bench).  Runs two searches at a time (2 cores).

  make test/tools/search_bench && /usr/bin/python3 test/bench/search_table.py [SEEDS] [--budget N] [--methods NAME,...]

(--methods: a comma-separated subset of the methods' names, e.g. "random search,local search".)
"""
import argparse
import concurrent.futures
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "../..")
TOOL = os.path.join(ROOT, "test/tools/search_bench")
CSV = os.path.join(ROOT, "../shared/data/nb101/nb101_all_run0test.csv.gz")
BUDGET = 423  # the default; --budget

METHODS = [
    ("CTNAS recipe paper", ["ctnas", '{"recipe": "paper"}']),
    ("CTNAS default", ["ctnas", "{}"]),
    ("random search", ["random"]),
    ("regularized evolution", ["evolution"]),
    ("local search", ["local"]),
]
LINE = re.compile(r"final ([0-9.]+), rank (\d+) of (\d+) \(top ([0-9.]+) %\), (\d+) queries, ([0-9.]+) s")


def run(method, seed, budget):
    name, args = method
    cmd = "gzip -dc %s | %s %s %d %d %s" % (
        CSV, TOOL, args[0], seed, budget, " ".join("'%s'" % a for a in args[1:]))
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env, check=True).stdout
    m = LINE.search(out)
    if m is None:
        raise RuntimeError("%s seed %d: unexpected output %r" % (name, seed, out))
    return name, seed, float(m[1]), int(m[2]), float(m[4]), int(m[5]), float(m[6])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("seeds", nargs="?", default="2020-2029")
    ap.add_argument("--budget", type=int, default=BUDGET)
    ap.add_argument("--methods", default=None)
    a = ap.parse_args()
    lo, hi = a.seeds.split("-")
    seeds = range(int(lo), int(hi) + 1)
    methods = METHODS
    if a.methods is not None:
        wanted = a.methods.split(",")
        methods = [m for m in METHODS if m[0] in wanted]
        if len(methods) != len(wanted):
            sys.exit("unknown method in %r; the methods: %s" % (a.methods, ", ".join(m[0] for m in METHODS)))
    jobs = [(m, s, a.budget) for m in methods for s in seeds]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, seed, acc, rank, top, queries, secs in pool.map(lambda j: run(*j), jobs):
            results.setdefault(name, []).append((seed, acc, rank, top, queries, secs))
            print("%-22s seed %d: %.2f %%, rank %d (top %.4f %%), %d queries, %.1f s"
                  % (name, seed, 100 * acc, rank, top, queries, secs), flush=True)
    print()
    print("| method | final test_acc_run0, mean +- std | best run | rank of the final cell: median (percentile) | queries | one search |")
    print("|---|---|---|---|---|---|")
    for name, _ in methods:
        r = results[name]
        accs = [100 * x[1] for x in r]
        median_rank = statistics.median(x[2] for x in r)
        print("| %s | %.2f +- %.2f %% | %.2f %% | %g (top %.4f %%) | %d | %.2f s |" % (
            name, statistics.mean(accs), statistics.stdev(accs), max(accs),
            median_rank, 100.0 * median_rank / 423624, max(x[4] for x in r), statistics.mean(x[5] for x in r)))
    print()
    print("seeds %d-%d, budget %d, two searches at a time on 2 cores; per-seed finals:" % (seeds[0], seeds[-1], a.budget))
    for name, _ in methods:
        print("  %-22s %s" % (name, " ".join("%.2f" % (100 * x[1]) for x in sorted(results[name]))))


if __name__ == "__main__":
    main()
