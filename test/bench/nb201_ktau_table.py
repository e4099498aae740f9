#!/usr/bin/python3
"""Ranking-quality table of the NAC on NAS-Bench-201 (data/nb201.csv.gz), in
TNASP's and PINAT's protocol: a NAC trained on N cells drawn at random
(torch.randperm(15625, seed), first N), labelled with the CIFAR-10-valid
validation accuracy (v11_c10valid_valid_acc_ep200_mean); Kendall tau-b of
its score (nac_score) against the CIFAR-10 test accuracy
(v11_c10_test_acc_ep200_mean) of ALL 15,625 cells, the N training cells
included, as those papers do.  The tau-b over the unseen cells only is
shown too.  N = 78, 156, 469, 781, 1563 (0.5, 1, 3, 5, 10 %), NAC recipes
"paper" and "default" (their options as they are: 1000 epochs, batches of
256, ...), the previous default (0.1.0's, {"recipe": "default", "readout":
"slots", "average": 0}) and it with weight averaging ({"recipe": "default",
"readout": "slots"}).  Each cell: mean +- std over the seeds, with the mean training
time (one thread, two trainings side by side on the 2 cores).

Sanity check of the statistic: tau-b of the validation accuracy itself (a
perfect predictor of the training label) against the test accuracy.

  make test/tools/nb201_bench
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/nb201_ktau_table.py [--seeds 2020-2029]
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
SIZES = [78, 156, 469, 781, 1563]
RECIPES = ["paper", "previous", "averaging", "default"]
OPTIONS = {"paper": '{"recipe": "paper"}',
           "previous": '{"recipe": "default", "readout": "slots", "average": 0}',   # 0.1.0's recipe "default"
           "averaging": '{"recipe": "default", "readout": "slots"}',   # 0.1.0's + weight averaging
           "default": '{"recipe": "default"}'}
PINAT = {78: 0.549, 156: 0.631, 469: 0.706, 781: 0.761, 1563: 0.784}
LINE = re.compile(r"tau-b (-?[0-9.]+) vs test on all \d+ cells, (-?[0-9.]+) on the \d+ unseen, "
                  r"(-?[0-9.]+) vs valid on all, train ([0-9.]+) s")


def tool(args, plain):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    with open(plain) as f:
        p = subprocess.run([TOOL] + args, stdin=f, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d, %r" % (" ".join(args), p.returncode, p.stderr))
    return p.stdout


def run(job, plain):
    recipe, seed, n = job
    out = tool(["ktau", str(seed), str(n), OPTIONS[recipe]], plain)
    m = LINE.search(out)
    if m is None:
        raise RuntimeError("unexpected output %r" % out)
    return job, float(m[1]), float(m[2]), float(m[3]), float(m[4])


def ms(values):
    std = statistics.stdev(values) if len(values) > 1 else 0.0
    return "%.3f ± %.3f" % (statistics.mean(values), std)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="2020-2029")
    ap.add_argument("--recipes", default=",".join(RECIPES),
                    help="a comma-separated subset of " + ", ".join(RECIPES) + " (the others' columns say 'not run')")
    a = ap.parse_args()
    run_recipes = a.recipes.split(",")
    if not set(run_recipes) <= set(RECIPES):
        sys.exit("--recipes: names from " + ", ".join(RECIPES))
    lo, _, hi = a.seeds.partition("-")
    seeds = list(range(int(lo), int(hi or lo) + 1))
    if not os.path.exists(TOOL):
        sys.exit("build the tool first: make test/tools/nb201_bench")
    tmp = tempfile.mkdtemp()
    plain = os.path.join(tmp, "nb201.csv")
    with gzip.open(CSV, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    perfect = float(re.search(r"tau-b\(valid, test\) (-?[0-9.]+)", tool(["perfect"], plain)).group(1))
    # the largest first, so the two workers finish together
    jobs = [(r, s, n) for n in reversed(SIZES) for r in run_recipes for s in seeds]
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for job, t_all, t_unseen, t_valid, secs in pool.map(lambda j: run(j, plain), jobs):
            results.setdefault((job[0], job[2]), []).append((t_all, t_unseen, t_valid, secs))
            print("  %-8s seed %d, %4d train: tau-b %.4f all, %.4f unseen, %.4f vs valid (%.1f s)"
                  % (job[0], job[1], job[2], t_all, t_unseen, t_valid, secs), file=sys.stderr, flush=True)
    shutil.rmtree(tmp)

    print()
    print("Kendall tau-b against the test accuracy of all 15,625 cells, NAC trained on N cells labelled "
          "with the validation accuracy, seeds %d-%d (%d per cell):" % (seeds[0], seeds[-1], len(seeds)))
    print()
    print("| N (share) | recipe \"paper\" | train s | previous default (0.1.0) | train s | "
          "0.1.0's default + weight averaging | train s | "
          "recipe \"default\" (0.2.0) | train s | PINAT | default ahead of PINAT |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for n in SIZES:
        cols = []
        for r in RECIPES:
            x = results.get((r, n))
            cols += [ms([v[0] for v in x]), "%.1f" % statistics.mean(v[3] for v in x)] if x else ["not run", ""]
        x = results.get(("default", n))
        dmean = statistics.mean(v[0] for v in x) if x else float("nan")
        print("| %d (%.1f %%) | %s | %.3f | %s |" % (
            n, 100.0 * n / 15625, " | ".join(cols), PINAT[n],
            "yes (+%.3f)" % (dmean - PINAT[n]) if dmean > PINAT[n] else "no (%.3f)" % (dmean - PINAT[n])))
    print()
    print("The same NACs, tau-b over the unseen cells only (15,625 - N) against the test accuracy, "
          "and over all cells against the validation accuracy (the training label):")
    print()
    print("| N | " + " | ".join("%s, unseen vs test" % r for r in RECIPES) + " | "
          + " | ".join("%s, all vs valid" % r for r in RECIPES) + " |")
    print("| --- |" + " ---: |" * (2 * len(RECIPES)))
    for n in SIZES:
        print("| %d | %s | %s |" % (n, " | ".join(ms([x[1] for x in results[(r, n)]]) if (r, n) in results
                                                 else "not run" for r in RECIPES),
                                   " | ".join(ms([x[2] for x in results[(r, n)]]) if (r, n) in results
                                              else "not run" for r in RECIPES)))
    print()
    print("Sanity check: tau-b of the validation accuracy itself against the test accuracy "
          "(a perfect predictor of the label): %.4f (the issue: 0.891)." % perfect)
    print()
    print("Per seed, tau-b vs test on all cells:")
    print()
    for r in run_recipes:
        for n in SIZES:
            print("- %s, %d: %s" % (r, n, " ".join("%.3f" % x[0] for x in results[(r, n)])))


if __name__ == "__main__":
    main()
