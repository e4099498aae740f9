#!/usr/bin/env python3
"""Ships the NAS-Bench-201 (NB201) table, reproducibly.

    /usr/bin/python3 data/make_nb201.py ../shared/data/nb201 .

reads SRC/nb201_all.csv.gz (all 15,625 cells in the official API index
order) and writes, under the repository root given second:

  data/nb201.csv.gz            arch_index, arch_str and the columns in KEEP,
                               values copied as text, unchanged
  src/core/nb201_table.c       the API index order as a C table (see below)
  test/unit/nb201_fixture.csv  rows the C unit tests check, with the
                               isomorphism class computed here in Python

Python standard library only; running it again gives byte-identical files.

The index order.  NB201's generate_meta_info (AutoDL-Projects,
exps/NAS-Bench-201/main.py) lists the cells with Structure.gen_all (every op
of edge 1<-0, then of 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, the first edge varying
slowest: a base-5 number over the edges in string order, ops in NB201's list
order) and then shuffles that list with random.seed(88); random.shuffle.
So the index is not a base-5 number over any edge order; the C code keeps
the shuffled list as a table of gen_all positions, and this script checks
that the table equals the shuffle as well as the CSV.
"""
import csv
import gzip
import hashlib
import io
import itertools
import random
import sys

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
# edges in benchmark-string order: (to, from)
EDGES = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
EDGE_COLS = ["op_1_from_0", "op_2_from_0", "op_2_from_1", "op_3_from_0", "op_3_from_1", "op_3_from_2"]
N = 5 ** 6

# accuracy and size columns shipped, under their source names (see data/README.md)
KEEP = [
    "params_mb",
    "v11_c10_test_acc_ep200_mean",
    "v11_c10valid_valid_acc_ep200_mean",
    "v11_c10valid_test_acc_ep200_mean",
    "naslib_c100_acc_ep200_oneseed_5k",
    "naslib_in16_acc_ep200_oneseed_3k",
]

FIXTURE_SEED = 20261127
FIXTURE_RANDOM = 400


def arch_str(ops):
    return "|{}~0|+|{}~0|{}~1|+|{}~0|{}~1|{}~2|".format(*(OPS[o] for o in ops))


def ops_of_code(code):
    """gen_all position -> op codes, first edge most significant."""
    ops = []
    for _ in range(6):
        ops.append(code % 5)
        code //= 5
    return ops[::-1]


def code_of_ops(ops):
    code = 0
    for o in ops:
        code = code * 5 + o
    return code


def unique_str(ops):
    """Structure.to_unique_str(consider_zero=True), written out for a 4-node cell."""
    nodes = {0: "0"}
    for j in (1, 2, 3):
        terms = []
        for k, (to, frm) in enumerate(EDGES):
            if to != j:
                continue
            name = OPS[ops[k]]
            if name == "none" or nodes[frm] == "#":
                terms.append("#")
            elif name == "skip_connect":
                terms.append(nodes[frm])
            else:
                terms.append("(" + nodes[frm] + ")@" + name)
        nodes[j] = "+".join(sorted(terms))
    return nodes[3]


def read_rows(src):
    with gzip.open(f"{src}/nb201_all.csv.gz", "rt", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == N, len(rows)
    for i, r in enumerate(rows):
        assert int(r["arch_index"]) == i, (i, r["arch_index"])
        ops = [OPS.index(r[c]) for c in EDGE_COLS]
        assert arch_str(ops) == r["arch_str"], r["arch_str"]
        for c in KEEP:
            float(r[c])
    assert len({r["arch_str"] for r in rows}) == N
    return rows


def check_index_rule(codes):
    # no base-5 number over any edge order, with any order of the ops, gives the index
    for edge_perm in itertools.permutations(range(6)):
        for op_perm in itertools.permutations(range(5)):
            for i, c in enumerate(codes):
                ops = ops_of_code(c)
                v = 0
                for e in edge_perm:
                    v = v * 5 + op_perm[ops[e]]
                if v != i:
                    break
            else:
                sys.exit(f"the index is base 5 over edges {edge_perm}, ops {op_perm}")
    # it is gen_all's order shuffled as NB201's generate_meta_info does
    gen_all = list(range(N))            # gen_all order, as positions
    random.seed(88)
    random.shuffle(gen_all)
    assert gen_all == codes, "the API index order is not gen_all shuffled by random.seed(88)"


def gz_bytes(text):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as g:
        g.write(text.encode())
    return buf.getvalue()


def write_csv(rows, path):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["arch_index", "arch_str"] + KEEP)
    for r in rows:
        w.writerow([r["arch_index"], r["arch_str"]] + [r[c] for c in KEEP])
    with open(path, "wb") as f:
        f.write(gz_bytes(out.getvalue()))


def write_table(codes, path):
    lines = [
        "/*",
        " * nb201_table.c",
        " *	  NAS-Bench-201's API index order, generated by data/make_nb201.py from",
        " *	  ../shared/data/nb201/nb201_all.csv.gz; do not edit.",
        " *",
        " * Entry i is the cell of arch_index i as its gen_all position: the six",
        " * op codes (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3 =",
        " * 0..4) of the edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2 read as a base-5",
        " * number, edge 1<-0 the most significant digit.  The order is NB201's",
        " * generate_meta_info: gen_all, then random.seed(88); random.shuffle.",
        " */",
        '#include "nb201_internal.h"',
        "",
        "const uint16_t ct_nb201_code_of_index[CT_NB201_NUM_CELLS] = {",
    ]
    for i in range(0, N, 12):
        lines.append("\t" + ", ".join(str(c) for c in codes[i:i + 12]) + ",")
    lines.append("};")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def write_fixture(rows, codes, path):
    """Rows for the C tests: a uniform sample plus named and corner cells."""
    by_class = {}
    for i, c in enumerate(codes):
        by_class.setdefault(unique_str(ops_of_code(c)), []).append(i)
    rep = {}
    for members in by_class.values():
        for i in members:
            rep[i] = min(members)
    index_of_code = {c: i for i, c in enumerate(codes)}
    corner = [
        [0, 0, 0, 0, 0, 0],             # all none
        [4, 4, 4, 4, 4, 4],
        [0, 0, 0, 0, 0, 3],             # node 2 all none ("#+#"), read by a conv
        [0, 0, 0, 0, 0, 1],             # ... and by a skip
        [0, 1, 1, 1, 1, 1],             # node 1 zero ("#")
        [1, 1, 1, 1, 1, 1],
        [3, 3, 3, 1, 3, 3],
    ]
    chosen = set(random.Random(FIXTURE_SEED).sample(range(N), FIXTURE_RANDOM))
    chosen |= {0, 1, 9, 123, 6111, 9930, N - 1}
    chosen |= {index_of_code[code_of_ops(o)] for o in corner}
    # every member of two classes, so that the representative is checked against all of them
    for i in (1, 6111):
        chosen |= set(by_class[unique_str(ops_of_code(codes[i]))])
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["arch_index", "arch_str", "unique_str", "canonical_index", "class_size"])
        for i in sorted(chosen):
            u = unique_str(ops_of_code(codes[i]))
            w.writerow([i, rows[i]["arch_str"], u, rep[i], len(by_class[u])])
    return len(by_class), len(chosen)


def main(src, root):
    rows = read_rows(src)
    codes = [code_of_ops([OPS.index(r[c]) for c in EDGE_COLS]) for r in rows]
    check_index_rule(codes)
    write_csv(rows, f"{root}/data/nb201.csv.gz")
    write_table(codes, f"{root}/src/core/nb201_table.c")
    nclasses, nfix = write_fixture(rows, codes, f"{root}/test/unit/nb201_fixture.csv")
    md5 = hashlib.md5("".join(r["arch_str"] + "\n" for r in rows).encode()).hexdigest()
    print(f"rows {len(rows)}; index: no base-5 rule; = gen_all shuffled by random.seed(88)")
    print(f"isomorphism classes (to_unique_str, consider_zero=True): {nclasses}")
    print(f"fixture rows {nfix}")
    print(f"md5 of the arch strings in index order, one a line: {md5}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_nb201.py SRC_DIR REPO_ROOT")
    main(sys.argv[1], sys.argv[2])
