#!/usr/bin/python3
"""Ranking-quality table of the NAC on the full NAS-Bench-101 table
(../shared/data/nb101, label test_acc_run0: ONE training run, so noisier than
the 3-run mean papers use; published figures are not directly comparable).

Columns: recipe "paper" (the reference code's), the previous default (0.1.0's
recipe "default": {"recipe": "default", "readout": "slots", "average": 0}),
weight averaging alone (0.1.0's default with weight averaging over the
second half of training, the slot readout: {"recipe": "default", "readout":
"slots"}) and recipe "default" (0.2.0's: averaging and the [nodes; sink]
readout).  --recipes runs a subset (the other columns say "not run"): every
run is deterministic on a machine, so columns of different runs of the same
code can stand side by side.
Rows:
  - CTNAS's split (torch.randperm(423624, seed) over the rows in hash order,
    first 423 train, next 100 held out), CTNAS's KTau, seeds 2020-2039,
    next to the original code's figures on this split (seeds 2020-2024);
  - 424 train / all remaining 423,200 cells: tau-b of nac_score, seeds 2020-2024;
  - 100, 172 and 4,236 train / all remaining: tau-b (seeds 2020-2024; 4,236: 2020-2022).
Each cell of the table is mean +- std over seeds, with the mean training time
(one thread).  Runs two jobs at a time (the machine has 2 cores).

  make test/tools/ktau_bench && /usr/bin/python3 test/bench/ktau_table.py [--recipes paper,previous,averaging,default]
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
TOOL = os.path.join(ROOT, "test/tools/ktau_bench")
CSV = os.path.join(ROOT, "../shared/data/nb101/nb101_all_run0test.csv.gz")
SEEDS = [2020, 2021, 2022, 2023, 2024]
REF_SEEDS = list(range(2020, 2040))
RECIPES = [("paper", '{"recipe": "paper"}'),
           ("previous", '{"recipe": "default", "readout": "slots", "average": 0}'),
           ("averaging", '{"recipe": "default", "readout": "slots"}'),
           ("default", '{"recipe": "default"}')]
HEADINGS = {"paper": 'recipe "paper"', "previous": "previous default (0.1.0)",
            "averaging": "0.1.0's default + weight averaging", "default": 'recipe "default" (0.2.0)'}
REFERENCE = "0.708 +- 0.021 on seeds 2020-2024 (0.698, 0.687, 0.690, 0.736, 0.729)"


def run_tool(mode, seed, ntrain, options_json, plain_csv, extra_env=None, nice=None, output=False):
    """One ktau_bench run; returns (value, training seconds), and its stdout
    too if output.  extra_env: more environment for the tool (e.g. ENSEMBLE);
    nice: run under nice -n NICE."""
    args = [TOOL, mode, str(seed)] + ([str(ntrain)] if mode == "all" else []) + [options_json]
    if nice is not None:
        args = ["nice", "-n", str(nice)] + args
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **(extra_env or {}))
    with open(plain_csv) as f:
        out = subprocess.run(args, stdin=f, capture_output=True, text=True, env=env, check=True).stdout
    value = float(re.search(r"(?:ktau|tau-b) (-?[0-9.]+)", out).group(1))
    seconds = float(re.search(r"train ([0-9.]+) s", out).group(1))
    return (value, seconds, out) if output else (value, seconds)


def plain_copy():
    """The NB101 CSV uncompressed into a temporary directory: (directory, path)."""
    if not os.path.exists(CSV):
        sys.exit(f"{CSV} not found: this benchmark needs ../shared/data/nb101")
    if not os.path.exists(TOOL):
        sys.exit("build the tool first: make test/tools/ktau_bench")
    tmp = tempfile.mkdtemp()
    plain = os.path.join(tmp, "nb101.csv")
    with gzip.open(CSV, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return tmp, plain


def run(job, plain_csv):
    mode, recipe, seed, ntrain = job
    value, seconds = run_tool(mode, seed, ntrain, dict(RECIPES)[recipe], plain_csv)
    return job, value, seconds


def cell(results):
    values = [v for v, _ in results]
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.3f} +- {std:.3f}", statistics.mean(s for _, s in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipes", default=",".join(r for r, _ in RECIPES))
    a = ap.parse_args()
    names = a.recipes.split(",")
    if not set(names) <= set(dict(RECIPES)):
        sys.exit("--recipes: names from " + ", ".join(r for r, _ in RECIPES))
    tmp, plain = plain_copy()
    jobs = [("ref", r, s, 423) for r in names for s in REF_SEEDS]
    for n in (424, 100, 172):
        jobs += [("all", r, s, n) for r in names for s in SEEDS]
    jobs += [("all", r, s, 4236) for r in names for s in SEEDS[:3]]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for job, value, seconds in pool.map(lambda j: run(j, plain), jobs):
            results.setdefault(job[:2] + (job[3],), []).append((value, seconds))
            print(f"  {job}: {value:.4f} ({seconds:.1f} s)", file=sys.stderr, flush=True)
    shutil.rmtree(tmp)

    print("| training cells / tested on | statistic | seeds | "
          + " | ".join(HEADINGS[r] + " | train s" for r, _ in RECIPES) + " | original CTNAS code |")
    print("| --- | --- | --- | " + "--- | ---: | " * len(RECIPES) + "--- |")
    rows = [("ref", 423, "423 / next 100 (CTNAS's split)", "CTNAS KTau", "2020-2039", REFERENCE),
            ("all", 424, "424 / all remaining", "tau-b of nac_score", "2020-2024", ""),
            ("all", 100, "100 / all remaining", "tau-b of nac_score", "2020-2024", ""),
            ("all", 172, "172 / all remaining", "tau-b of nac_score", "2020-2024", ""),
            ("all", 4236, "4,236 / all remaining", "tau-b of nac_score", "2020-2022", "")]
    for mode, n, label, stat, seeds, ref in rows:
        cells = []
        for r, _ in RECIPES:
            if r not in names:
                cells += ["not run", ""]
                continue
            v, t = cell(results[(mode, r, n)])
            cells += [v, f"{t:.1f}"]
        print(f"| {label} | {stat} | {seeds} | " + " | ".join(cells) + f" | {ref} |")
    # per seed, for the record (the raw values)
    for (mode, r, n), vals in sorted(results.items()):
        print(f"<!-- {mode} {n} {r}: " + ", ".join(f"{v:.4f}" for v, _ in vals) + " -->")


if __name__ == "__main__":
    main()
