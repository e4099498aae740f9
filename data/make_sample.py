#!/usr/bin/env python3
"""Draws the NAS-Bench-101 sample shipped in data/, reproducibly.

The 100 cells with the highest test_acc_run0, so that searches have something
to find, plus 5,000 cells drawn uniformly (seed 20261125) from the rest.
Output rows are sorted by hash, the order of the full table.

    python3 data/make_sample.py ../shared/data/nb101 data

writes data/nb101_sample.csv (hash, arch, num_vertices, test_acc_run0,
trainable_parameters) and data/nas_bench_sample.json, 60 records in CTNAS's
nas_bench.json format taken from the cells that also have one run's
validation accuracy (the first 20,001 hashes).
"""
import csv
import gzip
import json
import random
import sys

SEED = 20261125
N_TOP = 100
N_UNIFORM = 5000
N_JSON = 60


def cell(row):
    n = int(row["num_vertices"])
    bits = row["adjacency"]
    matrix = [[int(bits[i * n + j]) for j in range(n)] for i in range(n)]
    return matrix, row["ops"].split(";")


def arch_json(matrix, ops):
    # the extension's own compact output form, so the file reads back unchanged
    return json.dumps({"matrix": matrix, "ops": ops}, separators=(",", ":"))


def main(src, dst):
    with gzip.open(f"{src}/nb101_all_run0test.csv.gz", "rt") as f:
        rows = list(csv.DictReader(f))
    by_acc = sorted(range(len(rows)), key=lambda i: (-float(rows[i]["test_acc_run0"]), rows[i]["hash"]))
    top = by_acc[:N_TOP]
    rest = sorted(by_acc[N_TOP:])
    chosen = set(top) | set(random.Random(SEED).sample(rest, N_UNIFORM))

    with open(f"{dst}/nb101_sample.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hash", "arch", "num_vertices", "test_acc_run0", "trainable_parameters"])
        for i in sorted(chosen):
            r = rows[i]
            w.writerow([r["hash"], arch_json(*cell(r)), r["num_vertices"], r["test_acc_run0"], r["trainable_parameters"]])

    with gzip.open(f"{src}/nb101_first20001_singlerun_val.csv.gz", "rt") as f:
        val = {r["hash"]: r for r in csv.DictReader(f)}
    index = {r["hash"]: r for r in rows}
    picks = random.Random(SEED + 1).sample(sorted(val), N_JSON)
    records = []
    for h in picks:
        r, v = index[h], val[h]
        matrix, ops = cell(r)
        records.append({
            "matrix": matrix, "ops": ops,
            "n_params": int(r["trainable_parameters"]),
            "training_time": float(v["training_time_108ep"]),
            "validation_accuracy": float(v["val_acc_108ep"]),
            "test_accuracy": float(r["test_acc_run0"]),
            "hash_": h,
        })
    with open(f"{dst}/nas_bench_sample.json", "w") as f:
        json.dump(records, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/nb101",
         sys.argv[2] if len(sys.argv) > 2 else "data")
