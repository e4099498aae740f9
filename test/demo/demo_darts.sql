-- make demo, part 3: the DARTS space (the NAS-Bench-301 space), on the shipped data/darts_sample.csv
-- (300 genotypes, loaded by data/load_darts.sql into table darts_sample)
\set ON_ERROR_STOP on
SET search_path = ctnas, public;
\pset footer off
SET client_min_messages = warning;  -- (nac_train's notice says how long it took)

\echo
\echo '== DARTS: 300 genotypes (normal + reduction cell) read from DARTS'' own Genotype(...) strings =='
\echo '   nb301_surrogate_val_acc is a PREDICTION of the NAS-Bench-301 surrogate, NOT a trained network''s accuracy'
SELECT count(*) AS genotypes, round(min(nb301_surrogate_val_acc)::numeric, 2) AS lowest_nb301_surrogate,
       round(max(nb301_surrogate_val_acc)::numeric, 2) AS highest_nb301_surrogate
FROM darts_sample;
SELECT archgraph_space(arch) AS space, round(nb301_surrogate_val_acc::numeric, 2) AS nb301_surrogate, arch AS genotype
FROM darts_sample ORDER BY nb301_surrogate_val_acc DESC LIMIT 1;

\echo
\echo '== A NAC (recipe default, 300 epochs) trained on 200 genotypes, ranking the other 100 =='
CREATE TEMP TABLE darts_split AS
SELECT arch, nb301_surrogate_val_acc AS acc, row_number() OVER (ORDER BY md5(arch::text)) > 200 AS held_out
FROM darts_sample;
INSERT INTO models (name, weights)
SELECT 'demo_darts', nac_train(arch, acc, '{"seed": 1, "epochs": 300}') FROM darts_split WHERE NOT held_out;
SELECT count(*) AS held_out_genotypes,
       round(ctnas_ktau(arch, acc, 'demo_darts' ORDER BY arch)::numeric, 3) AS ctnas_ktau,
       round(kendall_tau(nac_score(arch, 'demo_darts'), acc)::numeric, 3) AS kendall_tau_b
FROM darts_split WHERE held_out;

\echo
\echo '== A CTNAS search in the whole DARTS space (recipe paper, "space": "darts"; 100 look-ups, 1,000 controller steps) =='
\echo '   its final genotype is the controller''s champion, which is not in the table: nobody has evaluated it'
CREATE TEMP TABLE darts_search AS
SELECT * FROM ctnas_search('darts_sample', 100,
  '{"seed": 1, "recipe": "paper", "space": "darts", "acc_column": "nb301_surrogate_val_acc",
    "iterations": 1000, "derive_every": 250, "pseudo_every": 250, "nac": {"epochs": 300},
    "save_model": "demo_darts_search"}');
SELECT count(*) FILTER (WHERE NOT final) AS looked_up,
       bool_and(arch NOT IN (SELECT arch FROM darts_sample)) FILTER (WHERE final) AS final_not_in_table,
       bool_and(acc IS NULL) FILTER (WHERE final) AS final_has_no_value,
       round(max(nac_score) FILTER (WHERE final)::numeric, 3) AS final_nac_score
FROM darts_search;
SELECT arch AS final_genotype FROM darts_search WHERE final;

\echo
\echo '== Its NAC''s favourites among 5,000 genotypes drawn from the space, none in the table (not evaluated) =='
CREATE TEMP TABLE darts_pool AS
SELECT g AS genotype, nac_score(g, 'demo_darts_search') AS nac_score
FROM (SELECT archgraph_random(s, 'darts') AS g FROM generate_series(1, 5000) s) c
WHERE g NOT IN (SELECT arch FROM darts_sample);
SELECT round(nac_score::numeric, 3) AS nac_score, genotype FROM darts_pool ORDER BY nac_score DESC LIMIT 3;
\echo '   (the champion is the genotype that wins most of its pairwise comparisons with the controller''s samples,'
\echo '    not the highest score: this many of the 5,000 score higher than it)'
SELECT count(*) AS pool_genotypes, count(*) FILTER (WHERE nac_score > (SELECT nac_score FROM darts_search WHERE final)) AS scored_above_final
FROM darts_pool;
DELETE FROM models WHERE name IN ('demo_darts', 'demo_darts_search');
