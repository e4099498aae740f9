"""Shared by the DARTS bench scripts: the 1,218 labelled genotypes of
../shared/data/darts (NAS-Bench-301 SURROGATE predictions, not trained
accuracies) written in data/darts_sample.csv's form, rows in the source
order (the order nac_tool darts-ktau and space_bench read them in, so
torch.randperm splits are the same everywhere)."""
import csv
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "../.."))
LABELLED = os.path.join(ROOT, "../shared/data/darts/darts_naslib_zc_labelled.csv.gz")


def write_labelled_csv(path, src=LABELLED):
    """Writes genotype, compact, nb301_surrogate_val_acc for every row of src; returns the row count."""
    with gzip.open(src, "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(path, "w", newline="") as f:
        f.write("genotype,compact,nb301_surrogate_val_acc\n")
        w = csv.writer(f, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        for r in rows:
            w.writerow([r["genotype"], r["compact"], float(r["naslib_val_acc_nb301surrogate"])])
    return len(rows)
