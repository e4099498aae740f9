#!/usr/bin/python3
"""Search table in the DARTS space, the labelled table as oracle.

The oracle is the 1,218 labelled genotypes of ../shared/data/darts
(darts_naslib_zc_labelled.csv.gz), whose values are NAS-Bench-301 SURROGATE
predictions of CIFAR-10 validation accuracy (percent), NOT accuracies of
trained networks.  Proposals come from the oracle's rows (option "space":
"oracle", the default).  For each method, budget and seed: the final
genotype's NB301 surrogate value (mean +- std, best run), its rank among
the 1,218 by that value (median; 1 = the best, 94.49), how many runs end on
a top-10 genotype, queries used and the wall time of one search (one
thread, two searches side by side on the 2 shared cores; the CSV is read
before the clock starts).

Methods (all through the core harness the SQL functions use,
test/tools/space_bench, with the value column nb301_surrogate_val_acc):
CTNAS recipe "paper", CTNAS default, random search, regularized evolution
(defaults: population 50, tournament 10), local search (defaults: all
neighbours, init 1), and any extra option sets given with --ctnas /
--evolution / --local (labelled by their JSON).  The runner and the table
are test/bench/space_search_table.py's, shared with ofa_search_table.py.

  make test/tools/space_bench
  OPENBLAS_NUM_THREADS=1 nice -n 5 /usr/bin/python3 test/bench/darts_search_table.py \\
      [--seeds 1-10] [--paper-seeds 1-3] [--budgets 50,100,200] [--methods paper,default,random,evolution,local]
      [--ctnas JSON ...] [--evolution JSON ...] [--local JSON ...] [--csv darts_sample-form.csv] [--shuffle SEED]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import darts_common  # noqa: E402
import space_search_table  # noqa: E402

SPACE = space_search_table.Space(
    column="nb301_surrogate_val_acc",
    value="NB301 surrogate value",
    value_short="surrogate",
    thing="genotype",
    oracle="the %d labelled genotypes (values: NB301 surrogate predictions, percent)",
    write_csv=darts_common.write_labelled_csv,
)

if __name__ == "__main__":
    space_search_table.main(SPACE, __doc__)
