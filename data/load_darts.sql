-- Loads the shipped DARTS-space sample (data/darts_sample.csv, 300 genotypes) into table darts_sample.
-- The CSV comes on standard input, so any role can run it (client-side \copy):
--
--   psql -X -f data/load_darts.sql < data/darts_sample.csv
--
-- arch is the genotype as ctnas.archgraph, cast from DARTS' Genotype(...) string.
-- nb301_surrogate_val_acc is a PREDICTION of the NAS-Bench-301 surrogate (CIFAR-10
-- validation accuracy, percent), not the accuracy of a trained network (data/README.md).
\set ON_ERROR_STOP on
CREATE EXTENSION IF NOT EXISTS ctnas;
CREATE TEMP TABLE darts_csv (genotype text, compact text, nb301_surrogate_val_acc float8);
-- HEADER MATCH: the file's header must name exactly these columns, in this order
\copy darts_csv FROM pstdin (FORMAT csv, HEADER MATCH)
CREATE TABLE darts_sample (
  arch ctnas.archgraph PRIMARY KEY,            -- the genotype
  nb301_surrogate_val_acc float8 NOT NULL
);
COMMENT ON TABLE darts_sample IS
  '300 DARTS-space genotypes (data/darts_sample.csv) with NAS-Bench-301 surrogate predictions';
COMMENT ON COLUMN darts_sample.nb301_surrogate_val_acc IS
  'NAS-Bench-301 v1.0 surrogate PREDICTION of CIFAR-10 validation accuracy, percent (not a trained network''s accuracy)';
INSERT INTO darts_sample SELECT genotype::ctnas.archgraph, nb301_surrogate_val_acc FROM darts_csv;
ANALYZE darts_sample;
SELECT count(*) AS genotypes, round(max(nb301_surrogate_val_acc)::numeric, 4) AS best_nb301_surrogate
FROM darts_sample;
