#!/usr/bin/python3
"""Speed baseline for NAC training: the CTNAS paper recipe (1000 epochs,
batch 256, Adam 2e-4) run by the PyTorch reference port
(test/torch/nac_torch.py) on one thread.  Prints one line per run: wall
seconds of the training, its final-epoch mean loss and the KTau of the
final model on the next 100 cells of the split.

Cells: with ../shared/data/nb101/nb101_all_run0test.csv.gz, CTNAS's split
(torch.randperm(423,624) seeded with --seed over the rows in file order,
first N train, next 100 held out); otherwise the first N rows of
data/nb101_sample.csv and the 100 after them.  Labels are test_acc_run0
(CTNAS uses validation accuracy, which we do not have for all cells).

  /usr/bin/python3 test/bench/reference_nac_train.py [--seed 2020] [--epochs 1000] [--cells 423]
      [--write-csv PATH]

--write-csv writes the split's cells (train first, then held out) in the
format of data/nb101_sample.csv plus a last column `position`, so that
test/bench/nac_speed.sh trains ctnas on exactly the same cells.
"""
import argparse
import csv
import gzip
import json
import os
import sys
import time

# torch.set_num_threads(1) does not reach the pthread OpenBLAS that Debian's
# torch does its matmuls with; without this it runs a second BLAS thread.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "../torch"))
import nac_torch  # noqa: E402

FULL = os.path.join(HERE, "../../../shared/data/nb101/nb101_all_run0test.csv.gz")
SAMPLE = os.path.join(HERE, "../../data/nb101_sample.csv")
NB101_CELLS = 423624
N_HELD_OUT = 100


def full_split(seed, n):
    """CTNAS's split of the whole table: rows perm[0:n] and perm[n:n+100]."""
    g = torch.Generator()
    g.manual_seed(seed)
    want = torch.randperm(NB101_CELLS, generator=g)[:n + N_HELD_OUT].tolist()
    where = {row: k for k, row in enumerate(want)}
    picked = [None] * len(want)
    with gzip.open(FULL, "rt") as f:
        rows = 0
        for i, r in enumerate(csv.DictReader(f)):
            rows += 1
            if i in where:
                v, bits = int(r["num_vertices"]), r["adjacency"]
                matrix = [[int(bits[a * v + b]) for b in range(v)] for a in range(v)]
                picked[where[i]] = ((matrix, r["ops"].split(";")), float(r["test_acc_run0"]))
    if rows != NB101_CELLS:
        sys.exit(f"{FULL}: {rows} rows, expected {NB101_CELLS}")
    return picked, "NB101 split"


def sample_split(n):
    """The first n rows of the shipped sample and the 100 after them."""
    with open(SAMPLE) as f:
        rows = list(csv.DictReader(f))[:n + N_HELD_OUT]
    if len(rows) < n + N_HELD_OUT:
        sys.exit(f"{SAMPLE} has fewer than {n + N_HELD_OUT} rows")
    picked = []
    for r in rows:
        arch = json.loads(r["arch"])
        picked.append(((arch["matrix"], arch["ops"]), float(r["test_acc_run0"])))
    return picked, "sample rows"


def write_csv(path, cells, accs):
    """The split as data/nb101_sample.csv rows (hash left empty) plus its position."""
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["hash", "arch", "num_vertices", "test_acc_run0", "trainable_parameters", "position"])
        for i, ((matrix, ops), acc) in enumerate(zip(cells, accs)):
            arch = json.dumps({"matrix": matrix, "ops": ops}, separators=(",", ":"))
            w.writerow([f"{i:032d}", arch, len(ops), repr(acc), 0, i])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=2020)
    ap.add_argument("--epochs", type=int, default=1000)
    ap.add_argument("--cells", type=int, default=423)
    ap.add_argument("--write-csv")
    ap.add_argument("--no-train", action="store_true", help="only write the split")
    args = ap.parse_args()
    torch.set_num_threads(1)

    picked, source = full_split(args.seed, args.cells) if os.path.exists(FULL) \
        else sample_split(args.cells)
    cells, accs = zip(*picked)
    if args.write_csv:
        write_csv(args.write_csv, cells, accs)
    if args.no_train:
        return
    t0 = time.perf_counter()
    model, losses, _ = nac_torch.train_paper(list(cells[:args.cells]), list(accs[:args.cells]),
                                             epochs=args.epochs, seed=args.seed)
    seconds = time.perf_counter() - t0
    tau = nac_torch.ktau(model, cells[args.cells:], accs[args.cells:])
    print(f"torch reference, paper recipe, {args.cells} cells, {args.epochs} epochs: "
          f"{seconds:.1f} s (loss {losses[-1]:.3f}), KTau {tau:.3f} on the next "
          f"{N_HELD_OUT} ({source}, seed {args.seed}, torch {torch.__version__}, 1 thread)")


if __name__ == "__main__":
    main()
