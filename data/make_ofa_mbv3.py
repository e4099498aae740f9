#!/usr/bin/env python3
"""Writes the OFA MobileNetV3 table shipped in data/, reproducibly.

    /usr/bin/python3 data/make_ofa_mbv3.py ../shared/data/ofa_mbv3 data

reads ofa_mbv3_w10_unique_subnets.csv.gz (2,162 distinct subnets of the
w1.0 OFA supernet ofa_mbv3_d234_e346_k357_w1.0 that Intel DyNAS-T's
searches evaluated; see that directory's README) and writes
data/ofa_mbv3_w10.csv with every row, in the source order, columns

    arch    the subnet in archgraph's text form: OFA's dict
            {"ks":[20],"e":[20],"d":[5]} as JSON, inactive slots 0 (the
            source's ks_active / e_active); without the blanks archgraph
            prints after "," and ":", so that all 2,162 rows fit 300 KB
    top1_imagenet_val_supernet_weights
            ImageNet-1k validation top-1 (percent, 50,000 images) of the
            subnet with weights inherited from the supernet, no fine-tuning,
            resolution 224; the mean over DyNAS-T's repeated evaluations
            (the source's top1_mean; n_obs says how many)
    macs    multiply-accumulates at resolution 224 (the paper's < 600M
            constraint is on these)

(The source also has n_obs, min/max over repeats and params.)

Values are copied as text, unchanged.  Checks every row (20 + 20 + 5
values, ranges, inactive slots 0, r = 224, distinct subnets) and fails
loudly otherwise.  Standard library only; byte-identical reruns.
"""
import csv
import gzip
import os
import sys

SOURCE = "ofa_mbv3_w10_unique_subnets.csv.gz"
OUT = "ofa_mbv3_w10.csv"
ROWS = 2162


def ints(text, n, what):
    v = [int(x) for x in text.split(";")]
    if len(v) != n:
        sys.exit("%s has %d values, not %d" % (what, len(v), n))
    return v


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, dst = sys.argv[1], sys.argv[2]
    seen = set()
    out = []
    with gzip.open(os.path.join(src, SOURCE), "rt", newline="") as f:
        for row in csv.DictReader(f):
            if row["supernet"] != "ofa_mbv3_d234_e346_k357_w1.0" or row["r"] != "224":
                sys.exit("unexpected supernet or resolution: %r" % row)
            ks = ints(row["ks_active"], 20, "ks_active")
            e = ints(row["e_active"], 20, "e_active")
            d = ints(row["d"], 5, "d")
            for s in range(20):
                active = s % 4 < d[s // 4]
                if d[s // 4] not in (2, 3, 4):
                    sys.exit("depth out of range: %r" % row)
                if active != (ks[s] in (3, 5, 7)) or active != (e[s] in (3, 4, 6)) or \
                        (not active and (ks[s] != 0 or e[s] != 0)):
                    sys.exit("slot %d inconsistent: %r" % (s, row))
            key = (tuple(ks), tuple(e), tuple(d))
            if key in seen:
                sys.exit("subnet twice: %r" % row)
            seen.add(key)
            arch = '{"ks":[%s],"e":[%s],"d":[%s]}' % tuple(",".join(map(str, x)) for x in (ks, e, d))
            out.append([arch, row["top1_mean"], row["macs"]])
    if len(out) != ROWS:
        sys.exit("%d rows, not %d" % (len(out), ROWS))
    with open(os.path.join(dst, OUT), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["arch", "top1_imagenet_val_supernet_weights", "macs"])
        w.writerows(out)


if __name__ == "__main__":
    main()
