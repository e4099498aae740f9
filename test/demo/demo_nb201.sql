-- make demo, part 2: the second search space, NAS-Bench-201 (all 15,625 cells, data/nb201.csv.gz)
\set ON_ERROR_STOP on
SET search_path = ctnas, public;
\pset footer off

\echo
\echo '== NAS-Bench-201: 15,625 cells written as the benchmark writes them; 6,466 isomorphism classes =='
SELECT count(*) AS cells, count(DISTINCT archgraph_canonical(arch)) AS classes,
       round(max(v11_c10_test_acc_ep200_mean)::numeric, 2) AS best_c10_test_pct
FROM nb201;
SELECT arch_index, arch, archgraph_space(arch) AS space, round(v11_c10_test_acc_ep200_mean::numeric, 2) AS c10_test_pct
FROM nb201 ORDER BY v11_c10_test_acc_ep200_mean DESC LIMIT 3;

\echo
\echo '== A NAC trained on 469 cells (3 %) with the validation accuracy, ranking all 15,625 by their test accuracy =='
INSERT INTO models (name, weights)
SELECT 'demo_nb201', nac_train(arch, v11_c10valid_valid_acc_ep200_mean, '{"seed": 1}')
FROM (SELECT * FROM nb201 ORDER BY md5(arch_index::text) LIMIT 469) t;
SELECT round(kendall_tau(nac_score(arch, 'demo_nb201'), v11_c10_test_acc_ep200_mean)::numeric, 3) AS kendall_tau_all_cells
FROM nb201;

\echo
\echo '== Searches with 100 look-ups of the test accuracy, seeds 1-3 (the best cell: 94.37 %; the whole space is here) =='
SELECT method, round(avg(acc)::numeric, 2) AS mean_final_c10_test_pct, round(max(acc)::numeric, 2) AS best
FROM (SELECT 'CTNAS default' AS method, c.acc, c.final FROM generate_series(1, 3) s,
             LATERAL ctnas_search('nb201', 100, jsonb_build_object('seed', s, 'acc_column', 'v11_c10_test_acc_ep200_mean')) c
      UNION ALL
      SELECT 'random search', r.acc, r.final FROM generate_series(1, 3) s,
             LATERAL random_search('nb201', 100, jsonb_build_object('seed', s, 'acc_column', 'v11_c10_test_acc_ep200_mean')) r
      UNION ALL
      SELECT 'regularized evolution', e.acc, e.final FROM generate_series(1, 3) s,
             LATERAL evolution_search('nb201', 100, jsonb_build_object('seed', s, 'acc_column', 'v11_c10_test_acc_ep200_mean')) e
      UNION ALL
      SELECT 'local search', l.acc, l.final FROM generate_series(1, 3) s,
             LATERAL local_search('nb201', 100, jsonb_build_object('seed', s, 'acc_column', 'v11_c10_test_acc_ep200_mean')) l) t
WHERE final GROUP BY method ORDER BY mean_final_c10_test_pct DESC;
DELETE FROM models WHERE name = 'demo_nb201';
