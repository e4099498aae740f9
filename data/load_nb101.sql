-- Loads the full NAS-Bench-101 table (all 423,624 cells) into table nb101.
-- The CSV comes on standard input, so any role can run it (client-side \copy):
--
--   gzip -dc ../shared/data/nb101/nb101_all_run0test.csv.gz | psql -X -f data/load_nb101.sql
--
-- On a Citus coordinator, -v distributed=1 distributes the table by hash (README, "Scaling out with Citus").
-- Accuracy is test_acc_run0: the CIFAR-10 test accuracy of ONE training run
-- (run 0 of 3) at 108 epochs, not the mean of three runs that papers report.
--
-- The table is created before the file is read, so an existing nb101 (the
-- sample's, say) stops the load at once: drop it first, or use another database.
\set ON_ERROR_STOP on
\timing on
CREATE EXTENSION IF NOT EXISTS ctnas;
CREATE TABLE nb101 (
  hash text PRIMARY KEY,                 -- NAS-Bench-101 module hash
  arch ctnas.archgraph NOT NULL,         -- the cell, canonical (unique: below)
  num_vertices int NOT NULL,
  test_acc_run0 float8 NOT NULL,
  trainable_parameters bigint NOT NULL,
  flops_thop bigint                      -- FLOPs measured by ObfuNAS with thop (not an official field)
);
\ir nb101_keys.sql
COMMENT ON COLUMN nb101.test_acc_run0 IS
  'CIFAR-10 test accuracy of training run 0 (of 3) at 108 epochs; not the 3-run mean that papers report';
CREATE TEMP TABLE nb101_csv (hash text, num_vertices int, adjacency text, ops text,
                             test_acc_run0 float8, trainable_parameters bigint, flops_thop bigint);
\copy nb101_csv FROM pstdin (FORMAT csv, HEADER)
INSERT INTO nb101
  SELECT hash, ctnas.archgraph_from_flat(adjacency, ops), num_vertices, test_acc_run0,
         trainable_parameters, flops_thop
  FROM nb101_csv;
ANALYZE nb101;
SELECT count(*) AS cells, round(max(test_acc_run0)::numeric, 6) AS best_test_acc_run0 FROM nb101;
