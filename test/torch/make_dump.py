#!/usr/bin/python3
"""make_dump.py OUT.json [--seed S] [--perturb EPS]: writes a crosscheck dump
whose expected values come from the torch model itself, to test
crosscheck.py before (and independently of) the C tool.

Weights use the reference init, cells come from data/nb101_sample.csv
(including ones with fewer than 7 nodes, so the padding is exercised), the
pairs include a self-pair and both orders of one pair, labels are random,
Adam runs 3 steps with the paper's settings.  --perturb EPS adds EPS to one
expected gradient entry: crosscheck.py must then fail.
"""
import argparse
import csv
import json
import os
import random
import sys

# torch.set_num_threads(1) does not reach the pthread OpenBLAS that Debian's
# torch does its matmuls with; without this it runs a second BLAS thread.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nac_torch  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../data/nb101_sample.csv")
PAPER_ADAM = {"lr": 2e-4, "betas": [0.5, 0.999], "eps": 1e-8, "weight_decay": 5e-4, "steps": 3}


def pick_cells(rng):
    """Two cells of each size 3..7 present in the sample (one for sizes with only one)."""
    by_size = {}
    with open(SAMPLE) as f:
        for row in csv.DictReader(f):
            by_size.setdefault(int(row["num_vertices"]), []).append(json.loads(row["arch"]))
    cells = []
    for v in sorted(by_size):
        cells += rng.sample(by_size[v], min(2, len(by_size[v])))
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--perturb", type=float, default=0.0)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)

    weights = nac_torch.dump_structure(nac_torch.NAC())
    cells = pick_cells(rng)
    n = len(cells)
    pairs = [[rng.randrange(n), rng.randrange(n)] for _ in range(12)]
    pairs += [[0, 0], [1, n - 1], [n - 1, 1]]
    rng.shuffle(pairs)
    labels = [rng.randrange(2) for _ in pairs]
    expected = nac_torch.pair_values(weights, cells, pairs, labels, PAPER_ADAM)
    if args.perturb:
        expected["grads"]["gcn"][2]["weight"][5][7] += args.perturb
    with open(args.out, "w") as f:
        json.dump({"weights": weights, "cells": cells, "pairs": pairs, "labels": labels,
                   "expected": expected}, f)


if __name__ == "__main__":
    main()
