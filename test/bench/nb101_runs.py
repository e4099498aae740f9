"""The two NAS-Bench-101 training runs ../shared/data/nb101 has (its README): run 0's test accuracy of every
cell, and another run's validation accuracy of the first 20,001 cells in hash order."""
import csv, gzip, os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/data/nb101')


def other_run_val():
    """{hash: val_acc_108ep} of the other run (20,001 cells)."""
    with gzip.open(os.path.join(D, 'nb101_first20001_singlerun_val.csv.gz'), 'rt') as f:
        return {r['hash']: float(r['val_acc_108ep']) for r in csv.DictReader(f)}


def run0(limit=None):
    """(hashes, test_acc_run0) of the first `limit` cells in hash order (all by default)."""
    hashes, acc = [], []
    with gzip.open(os.path.join(D, 'nb101_all_run0test.csv.gz'), 'rt') as f:
        for r in csv.DictReader(f):
            if limit is not None and len(hashes) == limit:
                break
            hashes.append(r['hash'])
            acc.append(float(r['test_acc_run0']))
    return hashes, acc
