"""Shared by darts_search_table.py and ofa_search_table.py: runs
test/tools/space_bench (the core harness the SQL functions use) over a
CSV as oracle, proposals from its rows, for every method, budget and seed,
two searches side by side, and prints the markdown table: the final
architecture's value (mean +- std, best run), its rank among the rows by
that value (median; 1 = the best), how many runs end in the top 10, how
many end on a queried row, queries used and the wall time of one search
(one thread; the CSV is read before the clock starts).

A space's script gives a Space: the CSV (or how to write it), its value
column, and the words for the value and the architectures; nothing here
knows what the values are."""
import argparse
import concurrent.futures
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Callable, Optional

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../.."))
TOOL = os.path.join(ROOT, "test/tools/space_bench")

METHODS = [
    ("paper", "CTNAS recipe paper", "ctnas", '{"recipe": "paper"}'),
    ("default", "CTNAS default", "ctnas", "{}"),
    ("random", "random search", "random", "{}"),
    ("evolution", "regularized evolution", "evolution", "{}"),
    ("local", "local search", "local", "{}"),
]


@dataclass
class Space:
    column: str                 # the value column's header (space_bench prints it)
    value: str                  # "NB301 surrogate value": how the table names the value
    value_short: str            # "surrogate": the per-run progress lines
    thing: str                  # "genotype", "subnet"
    oracle: str                 # "the %d labelled genotypes (values: ...)": %d = rows
    csv: Optional[str] = None   # the CSV, or
    write_csv: Optional[Callable[[str], None]] = None   # writes it to the path given
    defaults: dict = field(default_factory=dict)        # argparse defaults


def line_re(column):
    c = re.escape(column)
    return re.compile(r"final %s ([0-9.]+), rank (\d+) of (\d+), (queried|not queried), "
                      r"best queried %s ([0-9.]+), (\d+) queries, ([0-9.]+) s" % (c, c))


def run(job, csv, column):
    name, method, options, seed, budget = job
    args = [TOOL, csv, column, "search", method, str(seed), str(budget), options]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    p = subprocess.run(args, capture_output=True, text=True, env=env)
    m = line_re(column).search(p.stdout)
    if p.returncode != 0 or m is None:
        raise RuntimeError("%s: exit %d, %r %r" % (" ".join(args), p.returncode, p.stdout, p.stderr))
    return job, dict(value=float(m[1]), rank=int(m[2]), rows=int(m[3]), queried=m[4] == "queried",
                     best_queried=float(m[5]), queries=int(m[6]), secs=float(m[7]))


def seeds_of(text):
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def shuffled_copy(src, dst, column, seed):
    """dst: src with column's values shuffled among the rows (random.Random(seed).shuffle)."""
    import csv
    with open(src, newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index(column)
    vals = [r[col] for r in rows[1:]]
    random.Random(seed).shuffle(vals)
    for r, v in zip(rows[1:], vals):
        r[col] = v
    with open(dst, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def main(space, doc):
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1-10")
    ap.add_argument("--paper-seeds", help="seeds for CTNAS recipe paper only (default: --seeds)")
    ap.add_argument("--budgets", default="50,100,200")
    ap.add_argument("--methods", default="paper,default,random,evolution,local")
    ap.add_argument("--ctnas", action="append", default=[], help="extra CTNAS options (JSON)")
    ap.add_argument("--evolution", action="append", default=[], help="extra evolution options (JSON)")
    ap.add_argument("--local", action="append", default=[], help="extra local search options (JSON)")
    ap.add_argument("--csv", help="another CSV (architecture first, the value column %s)" % space.column)
    ap.add_argument("--shuffle", type=int, help="a control: the values shuffled among the rows with this seed")
    ap.add_argument("--workers", type=int, default=2)
    ap.set_defaults(**space.defaults)
    a = ap.parse_args()
    if not os.path.exists(TOOL):
        sys.exit("build the tool first: make test/tools/space_bench")
    seeds = seeds_of(a.seeds)
    paper_seeds = seeds_of(a.paper_seeds) if a.paper_seeds else seeds
    budgets = [int(b) for b in a.budgets.split(",")]
    wanted = a.methods.split(",") if a.methods else []
    methods = [(label, method, options) for key, label, method, options in METHODS if key in wanted]
    methods += [("CTNAS " + o, "ctnas", o) for o in a.ctnas]
    methods += [("evolution " + o, "evolution", o) for o in a.evolution]
    methods += [("local search " + o, "local", o) for o in a.local]

    tmp = tempfile.mkdtemp()
    csv = a.csv or space.csv
    if csv is None:
        csv = os.path.join(tmp, "oracle.csv")
        space.write_csv(csv)
    if a.shuffle is not None:
        shuffled = os.path.join(tmp, "shuffled.csv")
        shuffled_copy(csv, shuffled, space.column, a.shuffle)
        csv = shuffled
    jobs = [(name, method, options, seed, budget)
            for budget in budgets for name, method, options in methods
            for seed in (paper_seeds if options == '{"recipe": "paper"}' else seeds)]
    # the slow ones first, so the workers finish together
    jobs.sort(key=lambda j: (j[2] != '{"recipe": "paper"}', j[1] != "ctnas", -j[4]))
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as pool:
        for job, r in pool.map(lambda j: run(j, csv, space.column), jobs):
            name, _, _, seed, budget = job
            results.setdefault((budget, name), []).append((seed, r))
            print("  budget %3d %-26s seed %2d: %s %.2f rank %d%s, %d queries, %.1f s"
                  % (budget, name, seed, space.value_short, r["value"], r["rank"],
                     "" if r["queried"] else " (not queried)", r["queries"], r["secs"]), file=sys.stderr, flush=True)
    shutil.rmtree(tmp)
    rows = next(iter(results.values()))[0][1]["rows"]

    print()
    print("Oracle: %s, proposals from its rows%s; seeds %d-%d%s:" % (
        space.oracle % rows, "" if a.shuffle is None else " (CONTROL: values shuffled, random.Random(%d))" % a.shuffle,
        seeds[0], seeds[-1],
        "" if paper_seeds == seeds or "paper" not in wanted else " (CTNAS recipe paper: %d-%d)" % (paper_seeds[0], paper_seeds[-1])))
    print()
    print("| budget | method | final %s's %s, mean ± std | best run | rank of the final "
          "%s (median; 1 = best) | in the top 10 | final queried | queries | one search |"
          % (space.thing, space.value, space.thing))
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
    print("Per seed, rank of the final %s among the %d:" % (space.thing, rows))
    print()
    for budget in budgets:
        for name, _, _ in methods:
            r = sorted(results[(budget, name)])
            print("- %d, %s (seeds %d-%d): %s" % (budget, name, r[0][0], r[-1][0],
                                                  " ".join("%d" % x["rank"] for _, x in r)))
    print()
