#!/usr/bin/python3
"""Search table in the OFA MobileNetV3 space (ofa_mbv3), the shipped table as oracle.

The oracle is data/ofa_mbv3_w10.csv: 2,162 distinct OFA w1.0 subnets with
top1_imagenet_val_supernet_weights, the ImageNet-val top-1 (percent)
measured with weights INHERITED FROM THE OFA SUPERNET, NO fine-tuning, from
Intel DyNAS-T's search logs: a biased sample concentrated on good subnets
(71.0-77.5 %), not trained accuracies and not a uniform sample of the space.
Proposals come from the oracle's rows (option "space": "oracle", the
default).  For each method, budget and seed: the final subnet's top-1
(with supernet weights; mean +- std, best run), its rank among the 2,162 by
that value (median; 1 = the best), how many runs end on a top-10 subnet,
queries used and the wall time of one search (one thread, two searches side
by side on the 2 shared cores; the CSV is read before the clock starts).

Methods (all through the core harness the SQL functions use,
test/tools/space_bench): CTNAS recipe "paper", CTNAS default, random
search, regularized evolution (population 50, tournament 10), local search
(all neighbours, init 1); --paper-seeds runs recipe "paper" on fewer seeds
(it is slow, and over this table its controller never proposes a row:
test/bench/ofa_results.md).  The runner and the table are
test/bench/space_search_table.py's, shared with darts_search_table.py.

  make test/tools/space_bench
  OPENBLAS_NUM_THREADS=1 nice -n 5 /usr/bin/python3 test/bench/ofa_search_table.py \\
      [--seeds 1-10] [--paper-seeds 1-3] [--budgets 50,100,200] [--methods paper,default,random,evolution,local]
      [--ctnas JSON ...] [--evolution JSON ...] [--local JSON ...] [--shuffle SEED]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import space_search_table  # noqa: E402

SPACE = space_search_table.Space(
    column="top1_imagenet_val_supernet_weights",
    value="ImageNet-val top-1 with supernet weights (%)",
    value_short="top-1 (supernet weights)",
    thing="subnet",
    oracle="the %d OFA w1.0 subnets of data/ofa_mbv3_w10.csv (values: ImageNet-val top-1 %%, supernet "
           "weights, no fine-tuning; DyNAS-T's logs, a biased sample of good subnets)",
    csv=os.path.join(space_search_table.ROOT, "data/ofa_mbv3_w10.csv"),
)

if __name__ == "__main__":
    space_search_table.main(SPACE, __doc__)
