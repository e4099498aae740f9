"""Distinct node states of NAS-Bench-101 after each GCN layer (README, "The NAC").

A node's state after layer l depends only on its class: its op at layer 0, then its own
class and the multiset of its in-neighbours' classes one layer down (Weisfeiler-Lehman),
padding slots up to 7 included, as the NAC (and src/core/nac_node_memo.c) computes them.
Counts the distinct classes after layers 1..4 over every cell against the number of
nodes, for the graph the NAC reads (edges forward) and its reverse (recipe "default").
Run: python3 test/bench/wl_classes.py [../shared/data/nb101/nb101_all_run0test.csv.gz]
"""
import csv
import gzip
import sys

SLOTS, LAYERS = 7, 4


def graphs(path):
    with gzip.open(path, 'rt') as f:
        for row in csv.DictReader(f):
            n = int(row['num_vertices'])
            adj = row['adjacency']
            ops = row['ops'].split(';')
            preds = [[u for u in range(n) if adj[u * n + v] == '1'] for v in range(n)]
            yield n, ops, preds


def reverse(n, ops, preds):
    rpreds = [[] for _ in range(n)]
    for v in range(n):
        for u in preds[v]:
            rpreds[n - 1 - u].append(n - 1 - v)
    return n, ops[::-1], rpreds


def count(path, reversed_):
    tables = [dict() for _ in range(LAYERS + 1)]
    cells = 0
    for g in graphs(path):
        n, ops, preds = reverse(*g) if reversed_ else g
        cells += 1
        cls = [ops[v] if v < n else 'dummy' for v in range(SLOTS)]
        for layer in range(1, LAYERS + 1):
            table = tables[layer]
            cls = [table.setdefault((cls[v], tuple(sorted(cls[u] for u in preds[v])) if v < n else ()), len(table))
                   for v in range(SLOTS)]
    return cells, [len(t) for t in tables[1:]]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else '../shared/data/nb101/nb101_all_run0test.csv.gz'
    for reversed_ in (False, True):
        cells, per_layer = count(path, reversed_)
        print(f"{'reversed' if reversed_ else 'forward '}: {cells} cells, {cells * SLOTS} nodes (7 slots each); "
              f"distinct classes after layers 1-{LAYERS}: {', '.join(str(c) for c in per_layer)}")


if __name__ == '__main__':
    main()
