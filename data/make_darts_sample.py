#!/usr/bin/env python3
"""Draws the DARTS-space sample shipped in data/, reproducibly.

    /usr/bin/python3 data/make_darts_sample.py ../shared/data/darts data

reads darts_naslib_zc_labelled.csv.gz (1,218 genotypes with NASLib's
NAS-Bench-Suite-Zero val_accuracy, which are predictions of the
NAS-Bench-301 v1.0 XGB surrogate, not trained accuracies; see that
directory's README) and writes data/darts_sample.csv: 300 of them drawn
uniformly with random.Random(20261201).sample, rows in the source order,
columns

    genotype                  DARTS' Genotype(...) string, as NASLib prints it
    compact                   NASLib's compact form, as in the source
    nb301_surrogate_val_acc   the surrogate's predicted CIFAR-10 validation
                              accuracy (percent; the mean of the distinct
                              values NASLib's files hold for the genotype)

Standard library only; running it again gives a byte-identical file.
"""
import csv
import gzip
import os
import random
import sys

SEED = 20261201
N = 300


def main(src, out):
    with gzip.open(os.path.join(src, "darts_naslib_zc_labelled.csv.gz"), "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    pick = sorted(random.Random(SEED).sample(range(len(rows)), N))
    with open(os.path.join(out, "darts_sample.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["genotype", "compact", "nb301_surrogate_val_acc"])
        for i in pick:
            r = rows[i]
            w.writerow([r["genotype"], r["compact"], r["naslib_val_acc_nb301surrogate"]])


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_darts_sample.py <../shared/data/darts> <out dir>")
    main(sys.argv[1], sys.argv[2])
