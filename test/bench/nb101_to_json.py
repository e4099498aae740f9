#!/usr/bin/env python3
"""Writes the NB101 CSV (stdin) as a CTNAS-style nas_bench.json (stdout), for
timing ctnas.nb101_read_json on all 423,624 records.  The records carry
test_accuracy = test_acc_run0 (one run) and no validation accuracy: this file
is a benchmark input, not a substitute for CTNAS's own nas_bench.json."""
import csv
import json
import sys

out = sys.stdout
out.write("[")
for i, r in enumerate(csv.DictReader(sys.stdin)):
    n = int(r["num_vertices"])
    bits = r["adjacency"]
    rec = {"matrix": [[int(bits[a * n + b]) for b in range(n)] for a in range(n)],
           "ops": r["ops"].split(";"),
           "n_params": int(r["trainable_parameters"]),
           "test_accuracy": float(r["test_acc_run0"]),
           "hash_": r["hash"]}
    out.write(("," if i else "") + "\n" + json.dumps(rec))
out.write("\n]\n")
