#!/usr/bin/python3
"""A change of recipe "default" in the reference's two other spaces, against
the recipe before it: the same splits and commands as the README's DARTS
ranking table (nac_tool darts-ktau on the 1,218 labelled genotypes, N = 100,
500) and test/bench/ofa_results.md (nac_tool ofa-ktau, N = 100), seeds 1-5,
two runs at a time.  Prints mean +- std of KTau and tau-b per recipe and the
paired tau-b difference (new - previous) with the seeds where it is higher.

  make test/tools/nac_tool
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 test/bench/recipe_other_spaces.py [--change averaging|readout] [--spaces darts,ofa]

--change averaging (weight averaging, 0.2.0): 0.1.0's default against it
with averaging, both with the slot readout; --change readout (the [nodes;
sink] readout, 0.2.0, asked for explicitly: recipe "default" does not read
DARTS that way, see test/bench/darts_results.md): averaging with the slot
readout against it.  (OFA's MLP has no readout to change.)
"""
import argparse
import concurrent.futures
import os
import re
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from darts_common import write_labelled_csv  # noqa: E402

TOOL = os.path.join(HERE, "../tools/nac_tool")
CHANGES = {"averaging": {"previous": '{"recipe": "default", "readout": "slots", "average": 0}',
                         "default": '{"recipe": "default", "readout": "slots"}'},
           "readout": {"previous": '{"recipe": "default", "readout": "slots"}',
                       "default": '{"recipe": "default", "readout": "nodes+sink"}'}}
RECIPES = dict(CHANGES["averaging"])
LINE = re.compile(r"ktau (-?[0-9.]+) on \d+, tau-b (-?[0-9.]+) on \d+")


def run(job):
    space, seed, n, recipe, csv = job
    args = [TOOL, space + "-ktau", str(seed), str(n), RECIPES[recipe]] + ([csv] if csv else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True,
                         env=dict(os.environ, OPENBLAS_NUM_THREADS="1")).stdout
    m = LINE.search(out)
    if m is None:
        raise RuntimeError(out)
    return job, float(m[1]), float(m[2])


def ms(v):
    return "%.3f ± %.3f" % (statistics.mean(v), statistics.stdev(v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--change", choices=sorted(CHANGES), default="averaging")
    ap.add_argument("--spaces", default="darts,ofa")
    a = ap.parse_args()
    spaces = a.spaces.split(",")
    RECIPES.clear()
    RECIPES.update(CHANGES[a.change])
    tmp = tempfile.mkdtemp()
    darts = os.path.join(tmp, "darts.csv")
    write_labelled_csv(darts)
    jobs = [("ofa", s, 100, r, None) for r in RECIPES for s in range(1, 6)] if "ofa" in spaces else []
    jobs += [("darts", s, n, r, darts) for n in (500, 100) for r in RECIPES for s in range(1, 6)] if "darts" in spaces else []
    res = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for job, k, t in pool.map(run, jobs):
            res[job[:4]] = (k, t)
            print("  %s seed %d, %d train, %s: ktau %.4f, tau-b %.4f" % (job[0], job[1], job[2], job[3], k, t),
                  file=sys.stderr, flush=True)
    print("| space | N train | previous default KTau | default KTau | previous default tau-b | default tau-b |"
          " tau-b, default - previous (paired) | seeds higher |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for space, sizes in (("darts", (100, 500)), ("ofa", (100,))):
        if space not in spaces:
            continue
        for n in sizes:
            p = [res[(space, s, n, "previous")] for s in range(1, 6)]
            d = [res[(space, s, n, "default")] for s in range(1, 6)]
            diff = [b[1] - a[1] for a, b in zip(p, d)]
            print("| %s | %d | %s | %s | %s | %s | %+.4f ± %.4f | %d of 5 |" % (
                space, n, ms([x[0] for x in p]), ms([x[0] for x in d]), ms([x[1] for x in p]),
                ms([x[1] for x in d]), statistics.mean(diff), statistics.stdev(diff) / 5 ** 0.5,
                sum(x > 0 for x in diff)))


if __name__ == "__main__":
    main()
