#!/usr/bin/python3
"""Search table on NAS-Bench-201 (data/nb201.csv.gz, all 15,625 cells).

Two protocols, each a separate table:
  - oracle = test: the search reads v11_c10_test_acc_ep200_mean (CIFAR-10
    test accuracy, 200 epochs, mean over seeds; the figure NB201 search
    tables usually quote, and the one the issue's reference numbers use);
  - oracle = valid: the search reads v11_c10valid_valid_acc_ep200_mean
    (CIFAR-10-valid validation accuracy) and we report the test accuracy of
    the cell it returns (the rigorous protocol: the search never sees test).
For each method and seed, a budget of 100 distinct queries (default): the
final cell's test accuracy (mean +- std, best run), its rank among all
15,625 cells by test accuracy (median; 1 = the best, 94.37 %), queries used
and the wall time of one search (one thread, two searches side by side on
the 2 cores; the table is read before the clock starts).

Methods (all through the core harness the SQL functions use,
test/tools/nb201_bench): CTNAS recipe "paper", CTNAS default, random search,
regularized evolution (defaults: population 50, tournament 10), local search
(defaults: all neighbours, init 1), and any extra CTNAS, evolution or local
search option sets given with --ctnas / --evolution / --local (labelled by
their JSON).

  make test/tools/nb201_bench
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/nb201_search_table.py \
      [--seeds 2020-2029] [--budget 100] [--oracles test,valid] [--ctnas JSON ...] [--evolution JSON ...]
      [--local JSON ...] [--only-extra]
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
TOOL = os.path.join(ROOT, "test/tools/nb201_bench")
CSV = os.path.join(ROOT, "data/nb201.csv.gz")
CELLS = 15625

METHODS = [
    ("CTNAS recipe paper", "ctnas", '{"recipe": "paper"}'),
    ("CTNAS default", "ctnas", "{}"),
    ("random search", "random", "{}"),
    ("regularized evolution", "evolution", "{}"),
    ("local search", "local", "{}"),
]
LINE = re.compile(r"final test ([0-9.]+) valid ([0-9.]+), rank (\d+) of (\d+), (queried|not queried), "
                  r"best queried test ([0-9.]+), (\d+) queries, ([0-9.]+) s")


def run(job, plain):
    name, method, options, oracle, seed, budget = job
    args = [TOOL, "search", method, str(seed), str(budget), oracle, options]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    with open(plain) as f:
        p = subprocess.run(args, stdin=f, capture_output=True, text=True, env=env)
    m = LINE.search(p.stdout)
    if p.returncode != 0 or m is None:
        raise RuntimeError("%s: exit %d, %r %r" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return job, dict(test=float(m[1]), valid=float(m[2]), rank=int(m[3]), queried=m[5] == "queried",
                     best_queried=float(m[6]), queries=int(m[7]), secs=float(m[8]))


def seeds_of(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="2020-2029")
    ap.add_argument("--budget", type=int, default=100)
    ap.add_argument("--oracles", default="test,valid")
    ap.add_argument("--ctnas", action="append", default=[], help="extra CTNAS options (JSON)")
    ap.add_argument("--evolution", action="append", default=[], help="extra evolution options (JSON)")
    ap.add_argument("--local", action="append", default=[], help="extra local search options (JSON)")
    ap.add_argument("--only-extra", action="store_true", help="run only the --ctnas, --evolution and --local option sets")
    a = ap.parse_args()
    if not os.path.exists(TOOL):
        sys.exit("build the tool first: make test/tools/nb201_bench")
    seeds = seeds_of(a.seeds)
    oracles = a.oracles.split(",")
    methods = [] if a.only_extra else list(METHODS)
    methods += [("CTNAS " + o, "ctnas", o) for o in a.ctnas]
    methods += [("evolution " + o, "evolution", o) for o in a.evolution]
    methods += [("local search " + o, "local", o) for o in a.local]

    tmp = tempfile.mkdtemp()
    plain = os.path.join(tmp, "nb201.csv")
    with gzip.open(CSV, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    jobs = [(name, method, options, oracle, seed, a.budget)
            for oracle in oracles for name, method, options in methods for seed in seeds]
    # the slow ones first, so the two workers finish together
    jobs.sort(key=lambda j: j[2] != '{"recipe": "paper"}')
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for job, r in pool.map(lambda j: run(j, plain), jobs):
            name, _, _, oracle, seed, _ = job
            results.setdefault((oracle, name), []).append((seed, r))
            print("  oracle %-5s %-26s seed %d: test %.2f valid %.2f rank %d%s, %d queries, %.1f s"
                  % (oracle, name, seed, r["test"], r["valid"], r["rank"],
                     "" if r["queried"] else " (not queried)", r["queries"], r["secs"]),
                  file=sys.stderr, flush=True)
    shutil.rmtree(tmp)

    for oracle in oracles:
        print()
        if oracle == "test":
            print("**Oracle = test accuracy** (v11_c10_test_acc_ep200_mean; the issue's reference numbers' protocol), "
                  "budget %d, seeds %d-%d:" % (a.budget, seeds[0], seeds[-1]))
        else:
            print("**Oracle = validation accuracy** (v11_c10valid_valid_acc_ep200_mean), test accuracy of the final "
                  "cell reported, budget %d, seeds %d-%d:" % (a.budget, seeds[0], seeds[-1]))
        print()
        print("| method | final cell's test acc., mean ± std | best run | rank of the final cell (median of %d) "
              "| ≥ 94.20 %% | queries | one search |" % len(seeds))
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, _, _ in methods:
            r = [x for _, x in sorted(results[(oracle, name)])]
            accs = [x["test"] for x in r]
            std = statistics.stdev(accs) if len(accs) > 1 else 0.0
            print("| %s | %.2f ± %.2f %% | %.2f %% | %g | %d of %d | %d | %.1f s |" % (
                name, statistics.mean(accs), std, max(accs), statistics.median(x["rank"] for x in r),
                sum(x >= 94.20 for x in accs), len(accs), max(x["queries"] for x in r),
                statistics.mean(x["secs"] for x in r)))
        print()
        print("Per seed (%d-%d), final cell's test accuracy:" % (seeds[0], seeds[-1]))
        print()
        for name, _, _ in methods:
            r = sorted(results[(oracle, name)])
            print("- %s: %s" % (name, " ".join("%.2f" % x["test"] for _, x in r)))
    print()


if __name__ == "__main__":
    main()
