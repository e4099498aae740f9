-- Loads the shipped sample (data/nb101_sample.csv, 5,100 NAS-Bench-101 cells) into table nb101:
--
--   psql -X -f data/load_sample.sql < data/nb101_sample.csv
--
-- On a Citus coordinator, -v distributed=1 distributes the table by hash (README, "Scaling out with Citus").
-- Accuracy is test_acc_run0: one training run (run 0 of 3) at 108 epochs.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS ctnas;
CREATE TABLE nb101 (
  hash text PRIMARY KEY,
  arch ctnas.archgraph NOT NULL,
  num_vertices int NOT NULL,
  test_acc_run0 float8 NOT NULL,
  trainable_parameters bigint NOT NULL
);
\ir nb101_keys.sql
COMMENT ON COLUMN nb101.test_acc_run0 IS
  'CIFAR-10 test accuracy of training run 0 (of 3) at 108 epochs; not the 3-run mean that papers report';
\copy nb101 (hash, arch, num_vertices, test_acc_run0, trainable_parameters) FROM pstdin (FORMAT csv, HEADER)
ANALYZE nb101;
