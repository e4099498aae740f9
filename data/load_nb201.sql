-- Loads NAS-Bench-201 (all 15,625 cells, data/nb201.csv.gz) into table nb201.
-- The CSV comes on standard input, so any role can run it (client-side \copy):
--
--   gzip -dc data/nb201.csv.gz | psql -X -f data/load_nb201.sql
--
-- arch is the cell as ctnas.archgraph, cast from NB201's own string
-- (|op~0|+|op~0|op~1|+|op~0|op~1|op~2|).  Accuracies are PERCENT (0..100),
-- unlike the NB101 tables' fractions; see data/README.md for what each one is.
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS ctnas;
CREATE TEMP TABLE nb201_csv (
  arch_index int,
  arch_str text,
  params_mb float8,
  v11_c10_test_acc_ep200_mean float8,
  v11_c10valid_valid_acc_ep200_mean float8,
  v11_c10valid_test_acc_ep200_mean float8,
  naslib_c100_acc_ep200_oneseed_5k float8,
  naslib_in16_acc_ep200_oneseed_3k float8
);
-- HEADER MATCH: the file's header must name exactly these columns, in this order
\copy nb201_csv FROM pstdin (FORMAT csv, HEADER MATCH)
CREATE TABLE nb201 (
  arch_index int PRIMARY KEY,            -- NB201 API index, 0..15624
  arch ctnas.archgraph NOT NULL,         -- the cell
  params_mb float8 NOT NULL,
  v11_c10_test_acc_ep200_mean float8 NOT NULL,
  v11_c10valid_valid_acc_ep200_mean float8 NOT NULL,
  v11_c10valid_test_acc_ep200_mean float8 NOT NULL,
  naslib_c100_acc_ep200_oneseed_5k float8 NOT NULL,
  naslib_in16_acc_ep200_oneseed_3k float8 NOT NULL
);
COMMENT ON TABLE nb201 IS
  'NAS-Bench-201: all 15,625 cells; accuracies in percent, 200-epoch schedule (data/README.md)';
COMMENT ON COLUMN nb201.arch_index IS
  'NAS-Bench-201 official API index (0..15624)';
COMMENT ON COLUMN nb201.params_mb IS
  'parameters in millions of the CIFAR-10 network (NB201 v1_1)';
COMMENT ON COLUMN nb201.v11_c10_test_acc_ep200_mean IS
  'CIFAR-10 (trained on train+valid, 50k) test accuracy on the 10k test set, percent, mean over the 1-3 seeds of NB201 v1_1';
COMMENT ON COLUMN nb201.v11_c10valid_valid_acc_ep200_mean IS
  'cifar10-valid (trained on the 25k train half) accuracy on the 25k held-out half, percent, mean over seeds, NB201 v1_1';
COMMENT ON COLUMN nb201.v11_c10valid_test_acc_ep200_mean IS
  'cifar10-valid (trained on the 25k train half) accuracy on the 10k test set, percent, mean over seeds, NB201 v1_1';
COMMENT ON COLUMN nb201.naslib_c100_acc_ep200_oneseed_5k IS
  'CIFAR-100, ONE seed (not a mean), on a 5,000-image half of the test set (x-valid or x-test, unsure), percent, from NASLib';
COMMENT ON COLUMN nb201.naslib_in16_acc_ep200_oneseed_3k IS
  'ImageNet16-120, ONE seed (not a mean), on a 3,000-image half of the test set (x-valid or x-test, unsure), percent, from NASLib';
INSERT INTO nb201
  SELECT arch_index, arch_str::ctnas.archgraph, params_mb,
         v11_c10_test_acc_ep200_mean, v11_c10valid_valid_acc_ep200_mean,
         v11_c10valid_test_acc_ep200_mean, naslib_c100_acc_ep200_oneseed_5k,
         naslib_in16_acc_ep200_oneseed_3k
  FROM nb201_csv
  ORDER BY arch_index;
ANALYZE nb201;
SELECT count(*) AS cells,
       round(max(v11_c10_test_acc_ep200_mean)::numeric, 4) AS best_c10_test_mean,
       round(max(v11_c10valid_valid_acc_ep200_mean)::numeric, 4) AS best_c10valid_valid_mean
FROM nb201;
