#!/usr/bin/python3
"""Searches at every budget: random search, regularized evolution and the
CTNAS default (its schedule derived from the budget), on NAS-Bench-101 (the
full table, ../shared/data/nb101, oracle and reported accuracy
test_acc_run0, best cell 94.66 %) or NAS-Bench-201 (data/nb201.csv.gz,
oracle and reported accuracy the CIFAR-10 test accuracy, mean over seeds,
best cell 94.37 %).

For each budget and method, seeds 2020-2029 (run once): the final cell's
accuracy (mean +- std), the median rank of the final cell among all cells
(1 = the best), how many runs found the best cell, and the mean wall time of
one search (one thread; two searches side by side on the 2 cores, so longer
than one alone; the table is read before the clock starts).  All through the
core harness the SQL functions use (test/tools/search_bench, nb201_bench).

  make test/tools/search_bench test/tools/nb201_bench
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/search_budget_table.py \\
      [--space nb101|nb201] [--budgets 25,50,...] [--seeds 2020-2029] [--ctnas JSON ...]
"""
import argparse
import concurrent.futures
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "../..")
SPACES = {
    "nb101": dict(tool=os.path.join(ROOT, "test/tools/search_bench"),
                  csv=os.path.join(ROOT, "../shared/data/nb101/nb101_all_run0test.csv.gz"),
                  budgets="25,50,100,150,300,423,1000", best=94.66),
    "nb201": dict(tool=os.path.join(ROOT, "test/tools/nb201_bench"),
                  csv=os.path.join(ROOT, "data/nb201.csv.gz"),
                  budgets="25,50,100,200", best=94.37),
}
NB101_LINE = re.compile(r"final ([0-9.]+), rank (\d+) of (\d+) \(top [0-9.]+ %\), (\d+) queries, ([0-9.]+) s")
NB201_LINE = re.compile(r"final test ([0-9.]+) valid [0-9.]+, rank (\d+) of (\d+), (?:queried|not queried), "
                        r"best queried test [0-9.]+, (\d+) queries, ([0-9.]+) s")


def run(space, plain, method, options, seed, budget):
    if space == "nb101":
        args = [SPACES[space]["tool"], method, str(seed), str(budget)] + ([options] if method == "ctnas" else [])
    else:
        args = [SPACES[space]["tool"], "search", method, str(seed), str(budget), "test", options]
    with open(plain) as f:
        p = subprocess.run(args, stdin=f, capture_output=True, text=True,
                           env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    m = (NB101_LINE if space == "nb101" else NB201_LINE).search(p.stdout)
    if p.returncode != 0 or m is None:
        raise RuntimeError("%s: exit %d, %r %r" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    acc = float(m[1]) * (100 if space == "nb101" else 1)
    return dict(acc=acc, rank=int(m[2]), queries=int(m[4]), secs=float(m[5]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--space", default="nb101", choices=sorted(SPACES))
    ap.add_argument("--budgets")
    ap.add_argument("--seeds", default="2020-2029")
    ap.add_argument("--ctnas", action="append", default=[], help="more CTNAS option sets (JSON)")
    a = ap.parse_args()
    sp = SPACES[a.space]
    if not os.path.exists(sp["tool"]):
        sys.exit("build the tools first: make test/tools/search_bench test/tools/nb201_bench")
    budgets = [int(b) for b in (a.budgets or sp["budgets"]).split(",")]
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    methods = [("CTNAS default", "ctnas", "{}")] + [("CTNAS " + o, "ctnas", o) for o in a.ctnas] + \
        [("random search", "random", "{}"), ("regularized evolution", "evolution", "{}")]

    tmp = tempfile.mkdtemp()
    plain = os.path.join(tmp, "table.csv")
    with gzip.open(sp["csv"], "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    jobs = [(m, b, s) for b in budgets for m in methods for s in seeds]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futs = {pool.submit(run, a.space, plain, m[1], m[2], s, b): (m, b, s) for m, b, s in jobs}
        for fut in concurrent.futures.as_completed(futs):
            (name, _, _), b, s = futs[fut]
            r = fut.result()
            results.setdefault((name, b), []).append((s, r))
            print("  %-22s budget %4d seed %d: %.2f %%, rank %d, %d queries, %.1f s"
                  % (name, b, s, r["acc"], r["rank"], r["queries"], r["secs"]), file=sys.stderr, flush=True)
    shutil.rmtree(tmp)

    print("%s, seeds %d-%d, mean +- std of the final cell (median rank; runs that found the best cell, %.2f %%); "
          "mean time of one search, two side by side:" % (a.space, seeds[0], seeds[-1], sp["best"]))
    print()
    print("| method | " + " | ".join("%d queries" % b for b in budgets) + " |")
    print("| --- |" + " ---: |" * len(budgets))
    for name, _, _ in methods:
        cells = []
        for b in budgets:
            r = [x[1] for x in results[(name, b)]]
            accs = [x["acc"] for x in r]
            cells.append("%.2f ± %.2f (%g; %d/%d) %.1f s" % (
                statistics.mean(accs), statistics.stdev(accs) if len(accs) > 1 else 0.0,
                statistics.median(x["rank"] for x in r), sum(x["rank"] == 1 for x in r), len(r),
                statistics.mean(x["secs"] for x in r)))
        print("| %s | %s |" % (name, " | ".join(cells)))
    print()
    print("per seed (%s):" % ", ".join(str(s) for s in seeds))
    for name, _, _ in methods:
        for b in budgets:
            print("  %-22s %4d: %s" % (name, b, " ".join("%.2f" % x[1]["acc"] for x in sorted(results[(name, b)], key=lambda t: t[0]))))


if __name__ == "__main__":
    main()
