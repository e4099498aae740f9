-- The tour printed by `make demo` (run by test/demo/demo.sh after loading the sample).
\pset footer off
SET search_path = public, ctnas;

\echo
\echo '== The shipped sample: NAS-Bench-101 cells in table nb101 (data/nb101_sample.csv) =='
\echo '   accuracy = test_acc_run0: CIFAR-10 test accuracy of ONE training run (run 0) at 108 epochs'
SELECT count(*) AS cells, count(DISTINCT arch) AS distinct_cells FROM nb101;

\echo
\echo '== A few cells, their NAS-Bench-101 module hash, size and accuracy =='
SELECT archgraph_hash(arch) AS nb101_hash, archgraph_nodes(arch) AS nodes, archgraph_edges(arch) AS edges,
       array_to_string((archgraph_ops(arch))[2:archgraph_nodes(arch) - 1], ' ') AS interior_ops,
       round(test_acc_run0::numeric, 4) AS test_acc_run0
FROM nb101 ORDER BY hash LIMIT 5;

\echo
\echo '== The best cell of the sample, as Graphviz DOT (pipe into `dot -Tpng`) =='
SELECT hash, round(test_acc_run0::numeric, 4) AS test_acc_run0 FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 1;
\pset tuples_only on
\pset format unaligned
SELECT archgraph_dot(arch) FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 1;
\pset format aligned
\pset tuples_only off

\echo '== Cells by number of nodes =='
SELECT archgraph_nodes(arch) AS nodes, count(*) AS cells,
       round(avg(test_acc_run0)::numeric, 4) AS mean_test_acc_run0,
       round(max(test_acc_run0)::numeric, 4) AS best_test_acc_run0
FROM nb101 GROUP BY 1 ORDER BY 1;

\echo
\echo '== Distribution of test_acc_run0 (the 100 best cells are in the sample on purpose) =='
SELECT CASE WHEN b = 0 THEN '< 0.80' ELSE to_char(0.78 + b * 0.02, 'FM0.00') || '-' || to_char(0.80 + b * 0.02, 'FM0.00') END AS test_acc_run0,
       count(*) AS cells, repeat('#', ceil(count(*) / 40.0)::int) AS histogram
FROM (SELECT width_bucket(test_acc_run0, 0.80, 0.96, 8) AS b FROM nb101) s
GROUP BY b ORDER BY b;

\echo
\echo '== = means "isomorphic with the same ops": two numberings of one cell =='
SELECT a = b AS equal, a AS stored_as
FROM (SELECT '{"matrix":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"ops":["input","maxpool3x3","conv3x3-bn-relu","output"]}'::archgraph AS a,
             '{"module_adjacency":[[0,1,1,0],[0,0,0,1],[0,0,0,1],[0,0,0,0]],"module_operations":["input","conv3x3-bn-relu","maxpool3x3","output"]}'::archgraph AS b) t;

\echo
\echo '== A random cell (NAS-Bench-101 sampler, seed 7) and a mutation of it; empty accuracy: not among the sampled cells =='
SELECT 'random' AS what, archgraph_random(7) AS cell,
       (SELECT round(test_acc_run0::numeric, 4) FROM nb101 WHERE arch = archgraph_random(7)) AS test_acc_run0_if_in_sample
UNION ALL
SELECT 'mutated', archgraph_mutate(archgraph_random(7), 1),
       (SELECT round(test_acc_run0::numeric, 4) FROM nb101 WHERE arch = archgraph_mutate(archgraph_random(7), 1));

\echo
\echo '== Train a NAC (recipe "default": the reference network read in both directions, 1000 epochs) on 423 sample cells =='
CREATE TABLE nb101_train AS SELECT * FROM nb101 ORDER BY md5(hash) LIMIT 423;
INSERT INTO ctnas.models(name, weights)
SELECT 'demo', ctnas.nac_train(arch, test_acc_run0, '{"seed": 1}') FROM nb101_train;
SELECT name, owner, info->'network'->'parameters' AS parameters, info->'training' AS training FROM ctnas.models;

\echo
\echo '== The NAC ranks the 4,677 cells it never saw: its top 10, and how good they really are =='
SET ctnas.model = 'demo';
SELECT hash, round(nac_score(arch)::numeric, 3) AS nac_score, round(test_acc_run0::numeric, 4) AS test_acc_run0,
       (SELECT count(*) FROM nb101 o WHERE o.test_acc_run0 > n.test_acc_run0) + 1 AS true_rank_in_sample
FROM nb101 n WHERE hash NOT IN (SELECT hash FROM nb101_train)
ORDER BY nac_score(arch) DESC LIMIT 10;
SELECT round(corr(nac_score(arch), test_acc_run0)::numeric, 3) AS corr_score_vs_test_acc_run0,
       round(avg(test_acc_run0) FILTER (WHERE top)::numeric, 4) AS mean_acc_nac_top_100,
       round(avg(test_acc_run0)::numeric, 4) AS mean_acc_all_unseen
FROM (SELECT arch, test_acc_run0, rank() OVER (ORDER BY nac_score(arch) DESC) <= 100 AS top
      FROM nb101 WHERE hash NOT IN (SELECT hash FROM nb101_train)) s;

\echo
\echo '== P(a is better than b) for the sample''s best cell against a median one (NAC(a,b) = 1 - NAC(b,a)) =='
SELECT round(nac_compare(a.arch, b.arch)::numeric, 3) AS p_best_beats_median,
       round(nac_compare(b.arch, a.arch)::numeric, 3) AS p_median_beats_best
FROM (SELECT arch FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 1) a,
     (SELECT arch FROM nb101 ORDER BY test_acc_run0 LIMIT 1 OFFSET 2550) b;

\echo
\echo '== Ranking quality on the unseen cells: CTNAS''s KTau on 100 of them, tau-b of the score on all =='
SELECT round(ctnas_ktau(arch, test_acc_run0 ORDER BY hash)::numeric, 3) AS ctnas_ktau_100_unseen
FROM (SELECT * FROM nb101 WHERE hash NOT IN (SELECT hash FROM nb101_train) ORDER BY hash LIMIT 100) s;
SELECT round(kendall_tau(nac_score(arch), test_acc_run0)::numeric, 3) AS tau_b_all_unseen, count(*) AS cells
FROM nb101 WHERE hash NOT IN (SELECT hash FROM nb101_train);

\echo
\echo '== The CTNAS search on the sample (the oracle), 100 accuracy look-ups, seed 1: recipe "paper" =='
\echo '   (the reference code: NAC on 100 random cells, 10,000 controller iterations; progress every 2,000 steps)'
SELECT s.queries, archgraph_hash(s.arch) AS final_cell, round(s.acc::numeric, 4) AS test_acc_run0,
       round(s.nac_score::numeric, 3) AS nac_score,
       (SELECT count(*) FROM nb101 n WHERE n.test_acc_run0 > s.acc) + 1 AS rank_in_sample
FROM ctnas_search('nb101', 100, '{"recipe": "paper", "seed": 1, "acc_column": "test_acc_run0", "progress": 2000}') s
WHERE s.final;

\echo
\echo '== CTNAS (recipe default) and the baselines, 100 look-ups each, seeds 1-5 =='
SELECT method, round(avg(acc)::numeric, 4) AS mean_final_test_acc_run0, round(max(acc)::numeric, 4) AS best,
       max(queries) AS queries
FROM (SELECT 'CTNAS default' AS method, c.acc, c.queries, c.final FROM generate_series(1, 5) s,
             LATERAL ctnas_search('nb101', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) c
      UNION ALL
      SELECT 'random search', r.acc, r.queries, r.final FROM generate_series(1, 5) s,
             LATERAL random_search('nb101', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) r
      UNION ALL
      SELECT 'regularized evolution', e.acc, e.queries, e.final FROM generate_series(1, 5) s,
             LATERAL evolution_search('nb101', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) e
      UNION ALL
      SELECT 'local search', l.acc, l.queries, l.final FROM generate_series(1, 5) s,
             LATERAL local_search('nb101', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) l) t
WHERE final GROUP BY method ORDER BY mean_final_test_acc_run0 DESC;
\echo '   (the sample has 5,100 cells: its 100 best NB101 cells and 5,000 uniform ones, the best 94.66 %, so'
\echo '    it cannot tell the methods apart well: a cell''s neighbours are mostly missing from it, which'
\echo '    handicaps local search and evolution, and chance decides more than on the full table;'
\echo '    100 random look-ups already meet about two top-100 cells; on the full table see README, "Search")'


\echo
\echo '== The same CTNAS search (default, seed 1) as a background-worker job: submit, wait, read =='
SELECT search_submit('nb101', 100, '{"seed": 1, "acc_column": "test_acc_run0"}') AS job \gset
SELECT id, status, progress->>'queries' AS queries, started_at IS NOT NULL AND finished_at >= started_at AS ran_in_a_worker
FROM search_wait(:job, '5 min');
SELECT archgraph_hash(arch) AS final_cell, round(acc::numeric, 4) AS test_acc_run0, queries
FROM search_results WHERE job_id = :job AND final;
