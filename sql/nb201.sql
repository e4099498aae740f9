-- NAS-Bench-201: the second search space, on the benchmark's 15,625 cells (data/nb201.csv.gz)
SET search_path = ctnas, public;
SET client_min_messages = warning;  -- (nac_train's notice says how long it took)
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set include :abs_srcdir '/sql/include/try.psql'
\i :include
\set include :abs_srcdir '/sql/include/nb201_csv.psql'
\i :include
CREATE TABLE nb201 (arch_index int PRIMARY KEY, arch archgraph NOT NULL,
  v11_c10_test_acc_ep200_mean float8 NOT NULL, v11_c10valid_valid_acc_ep200_mean float8 NOT NULL);
INSERT INTO nb201 SELECT arch_index, arch_str::archgraph, v11_c10_test_acc_ep200_mean, v11_c10valid_valid_acc_ep200_mean
FROM nb201_csv;

-- identity: the 15,625 cells are 15,625 values (a unique index over the whole table works),
-- each prints as the benchmark's string, its index is the benchmark's, its space nb201
CREATE UNIQUE INDEX nb201_arch ON nb201 (arch);
CREATE INDEX nb201_arch_hash ON nb201 USING hash (arch);
SELECT count(*) AS cells, count(DISTINCT arch) AS distinct_values,
       count(*) FILTER (WHERE n.arch::text = c.arch_str) AS same_text,
       count(*) FILTER (WHERE archgraph_index(n.arch) = n.arch_index) AS same_index,
       count(*) FILTER (WHERE archgraph_space(n.arch) = 'nb201') AS nb201,
       count(*) FILTER (WHERE archgraph_nodes(n.arch) = 4) AS four_nodes
FROM nb201 n JOIN nb201_csv c USING (arch_index);
-- the order is the benchmark's index
SELECT bool_and(arch_index = rn - 1) AS ordered_by_index
FROM (SELECT arch_index, row_number() OVER (ORDER BY arch) AS rn FROM nb201) t;
SET enable_seqscan = off;
SELECT arch_index FROM nb201 WHERE arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
SELECT arch_index FROM nb201 WHERE arch = '{"space": "nb201", "ops": ["nor_conv_3x3", "nor_conv_3x3", "avg_pool_3x3", "skip_connect", "nor_conv_3x3", "skip_connect"]}';
RESET enable_seqscan;
-- every cell of the space, enumerated, is a row of the benchmark
SELECT count(*) AS enumerated, count(*) FILTER (WHERE n.arch IS NULL) AS missing
FROM archgraph_enumerate('nb201') e LEFT JOIN nb201 n ON n.arch = e;

-- isomorphism classes as NAS-Bench-201's Structure.to_unique_str(consider_zero=True):
-- the NAS-Bench-201 paper counts 6,466
SELECT count(DISTINCT archgraph_canonical(arch)) AS classes,
       count(*) FILTER (WHERE archgraph_canonical(arch) = arch) AS representatives,
       bool_and(archgraph_index(archgraph_canonical(arch)) <= archgraph_index(arch)) AS smallest_index
FROM nb201;
-- two cells that differ only by a dead edge (into node 2, which reaches the output through none)
SELECT archgraph_canonical('|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|')
     = archgraph_canonical('|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|') AS isomorphic,
       '|nor_conv_3x3~0|+|avg_pool_3x3~0|none~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|'::archgraph
     = '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_1x1~0|nor_conv_3x3~1|none~2|' AS equal;

-- accessors, text and binary forms, DOT
SELECT archgraph_ops(arch), archgraph_edges(arch), archgraph_index(arch), archgraph_space(arch)
FROM nb201 WHERE arch_index = 1;
SELECT archgraph_dot('|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|');
SELECT '{"space": "nb201", "arch": "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"}'::archgraph;
SELECT archgraph_random(7, 'nb201') = archgraph_random(7, 'nb201') AS deterministic,
       archgraph_space(archgraph_random(7, 'nb201')) AS space,
       count(DISTINCT archgraph_random(s, 'nb201')) > 900 AS spread
FROM generate_series(1, 1000) s;
-- a mutation changes exactly one edge's op
SELECT bool_and((SELECT count(*) FROM unnest(archgraph_ops(arch), archgraph_ops(archgraph_mutate(arch, arch_index))) u(a, b)
                 WHERE a <> b) = 1) AS one_edge_changed
FROM nb201 WHERE arch_index < 500;
CREATE TEMP TABLE bin AS SELECT arch_index, arch FROM nb201 WHERE arch_index % 97 = 0;
SELECT current_setting('data_directory') || '/ctnas_nb201.bin' AS binfile \gset
COPY bin TO :'binfile' (FORMAT binary);
CREATE TEMP TABLE bin2 (LIKE bin);
COPY bin2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE b.arch = b2.arch) AS same FROM bin b JOIN bin2 b2 USING (arch_index);
-- what is not an NB201 cell
SELECT input, pg_temp.try(format('SELECT %L::archgraph::text', input)) AS result FROM (VALUES
  ('|nor_conv_3x3~0|+|nor_conv_5x5~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'),
  ('|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'),
  ('|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'),
  ('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|x'),
  ('{"space": "nb201", "ops": ["none"]}'),
  ('{"space": "nb201", "arch": "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", "matrix": []}'),
  ('{"space": "nb999"}')
) v(input);
SELECT pg_temp.try($$SELECT archgraph_matrix(arch)::text FROM nb201 WHERE arch_index = 1$$) AS matrix,
       pg_temp.try($$SELECT archgraph_hash(arch) FROM nb201 WHERE arch_index = 1$$) AS hash,
       pg_temp.try($$SELECT archgraph_index('{"matrix": [[0,1],[0,0]], "ops": ["input", "output"]}')::text$$) AS nb101_index,
       pg_temp.try($$SELECT count(*)::text FROM archgraph_enumerate('nb101')$$) AS nb101_enumerate,
       pg_temp.try($$SELECT archgraph_random(1, 'nb999')::text$$) AS unknown_space;
SELECT name, id, title, architectures, enumerable FROM search_spaces() ORDER BY id;
-- the two spaces side by side: the space decides the order first
SELECT archgraph_space(a) FROM (VALUES (archgraph_random(1, 'nb201')), (archgraph_random(1))) v(a) ORDER BY a;

-- a NAC on NB201 cells: trained by the same aggregate, on the validation accuracy of 300 cells,
-- ranks all 15,625 by their test accuracy (Kendall's tau-b)
CREATE TEMP TABLE train201 AS SELECT * FROM nb201 WHERE arch_index % 52 = 7;
INSERT INTO models (name, weights)
SELECT 'nb201_nac', nac_train(arch, v11_c10valid_valid_acc_ep200_mean, '{"seed": 1, "epochs": 100}') FROM train201;
SELECT info->>'space' AS space, info->'network'->>'slots' AS slots, info->'network'->'op_vocabulary' AS vocabulary,
       info->'training'->>'rows' AS rows FROM models WHERE name = 'nb201_nac';
SELECT kendall_tau(nac_score(arch, 'nb201_nac'), v11_c10_test_acc_ep200_mean) > 0.5 AS ranks_well FROM nb201;
SELECT round(nac_compare('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
                         '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', 'nb201_nac')::numeric, 2) AS conv_beats_nothing;
SELECT round(ctnas_ktau(arch, v11_c10_test_acc_ep200_mean, 'nb201_nac' ORDER BY arch_index)::numeric, 1) > 0.5 AS ctnas_ktau
FROM nb201 WHERE arch_index < 200;
-- spaces never mix: not in one training, not a model of one space with a cell of another
SELECT pg_temp.try($$SELECT length(nac_train(arch, acc))::text FROM (VALUES (archgraph_random(1, 'nb201'), 1.0),
  (archgraph_random(2, 'nb201'), 2.0), (archgraph_random(3), 3.0)) v(arch, acc)$$) AS mixed_training;
SELECT pg_temp.try($$SELECT nac_score(archgraph_random(1), 'nb201_nac')::text$$) AS nb101_cell_nb201_model,
       pg_temp.try($$SELECT ctnas_ktau(arch, acc, 'nb201_nac')::text FROM (VALUES (archgraph_random(1), 1.0), (archgraph_random(2), 2.0)) v(arch, acc)$$) AS nb101_group;

-- searches on an NB201 oracle, with the same budget rules; "space": "nb201" proposes from the whole space
SELECT method, count(*) FILTER (WHERE NOT final) AS queries, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       bool_and(archgraph_space(arch) = 'nb201') AS nb201
FROM (SELECT 'random' AS method, * FROM random_search('nb201', 100, '{"seed": 3, "acc_column": "v11_c10_test_acc_ep200_mean"}')
      UNION ALL SELECT 'random nb201', * FROM random_search('nb201', 100, '{"seed": 3, "space": "nb201", "acc_column": "v11_c10_test_acc_ep200_mean"}')
      UNION ALL SELECT 'evolution', * FROM evolution_search('nb201', 100, '{"seed": 3, "acc_column": "v11_c10_test_acc_ep200_mean"}')
      UNION ALL SELECT 'evolution nb201', * FROM evolution_search('nb201', 100, '{"seed": 3, "space": "nb201", "acc_column": "v11_c10_test_acc_ep200_mean"}')) t
GROUP BY method ORDER BY method;
-- local search: its first climb reads the start, then the start's 24 neighbours (one op changed), all in
-- this oracle; it moves to the best of them while that is better, and restarts at a local optimum
CREATE TEMP TABLE ls201 AS SELECT * FROM local_search('nb201', 100, '{"seed": 3, "acc_column": "v11_c10_test_acc_ep200_mean"}');
SELECT count(*) FILTER (WHERE NOT l.final) AS queries, count(DISTINCT l.arch) FILTER (WHERE NOT l.final) AS distinct_cells,
       bool_and((SELECT count(*) FROM unnest(archgraph_ops(l.arch), archgraph_ops(s.arch)) u(a, b) WHERE a <> b) = 1)
         FILTER (WHERE l.step BETWEEN 2 AND 25) AS first_25_are_start_and_neighbours,
       (SELECT acc FROM ls201 WHERE final) = max(l.acc) FILTER (WHERE NOT l.final) AS final_is_best
FROM ls201 l, (SELECT arch FROM ls201 WHERE step = 1) s;
SELECT count(*) FILTER (WHERE NOT final) AS queries, bool_and(archgraph_space(arch) = 'nb201') AS nb201
FROM local_search('nb201', 100, '{"seed": 3, "space": "nb201", "first_improvement": true, "acc_column": "v11_c10_test_acc_ep200_mean"}');
SELECT 'default' AS recipe, count(*) FILTER (WHERE NOT final) AS queries,
       bool_and(archgraph_space(arch) = 'nb201') AS nb201, max(acc) FILTER (WHERE final) > 93.5 AS good_final
FROM ctnas_search('nb201', 60, '{"seed": 4, "acc_column": "v11_c10_test_acc_ep200_mean", "first": 20, "rounds": 3, "nac": {"epochs": 30}}')
UNION ALL
SELECT 'paper', count(*) FILTER (WHERE NOT final), bool_and(archgraph_space(arch) = 'nb201'), NULL
FROM ctnas_search('nb201', 60, '{"seed": 4, "recipe": "paper", "space": "nb201", "acc_column": "v11_c10_test_acc_ep200_mean",
                                "iterations": 200, "derive_every": 100, "pseudo_every": 100, "nac": {"epochs": 20}}');
-- the same seed gives the same search
SELECT (SELECT array_agg(archgraph_index(arch) ORDER BY step) FROM ctnas_search('nb201', 30, '{"seed": 5, "acc_column": "v11_c10_test_acc_ep200_mean", "first": 10, "rounds": 2, "nac": {"epochs": 10}}') WHERE NOT final)
     = (SELECT array_agg(archgraph_index(arch) ORDER BY step) FROM ctnas_search('nb201', 30, '{"seed": 5, "acc_column": "v11_c10_test_acc_ep200_mean", "first": 10, "rounds": 2, "nac": {"epochs": 10}}') WHERE NOT final) AS reproducible;
-- an oracle of one space, proposals of that space, a NAC of that space
SELECT pg_temp.try($$SELECT count(*)::text FROM random_search('nb201', 10, '{"space": "nb101", "acc_column": "v11_c10_test_acc_ep200_mean"}')$$) AS other_space,
       pg_temp.try($$SELECT count(*)::text FROM random_search('SELECT arch, acc FROM (VALUES (archgraph_random(1, ''nb201''), 1.0), (archgraph_random(1), 2.0)) v(arch, acc)', 10)$$) AS mixed_oracle,
       pg_temp.try($$SELECT count(*)::text FROM ctnas_search('nb201', 10, '{"model": "nb201_nac", "acc_column": "v11_c10_test_acc_ep200_mean", "first": 5, "rounds": 1}')$$) AS nb201_model;
INSERT INTO models (name, weights)
SELECT 'nb101_tiny', nac_train(archgraph_random(s), s, '{"epochs": 1}') FROM generate_series(1, 10) s;
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('nb201', 10, '{"model": "nb101_tiny", "acc_column": "v11_c10_test_acc_ep200_mean", "first": 5, "rounds": 1}')$$) AS nb101_model;
DELETE FROM models WHERE name IN ('nb201_nac', 'nb101_tiny');
-- a search job on NB201: the same search in a background worker
SELECT search_submit('nb201', 40, '{"seed": 6, "acc_column": "v11_c10_test_acc_ep200_mean", "first": 10, "rounds": 2, "nac": {"epochs": 10}}') AS job \gset
SELECT status, progress->>'queries' AS queries FROM search_wait(:job, '2 min');
SELECT (SELECT array_agg(archgraph_index(arch) ORDER BY step) FROM search_results WHERE job_id = :job AND NOT final)
     = (SELECT array_agg(archgraph_index(arch) ORDER BY step)
        FROM ctnas_search('nb201', 40, '{"seed": 6, "acc_column": "v11_c10_test_acc_ep200_mean", "first": 10, "rounds": 2, "nac": {"epochs": 10}}')
        WHERE NOT final) AS job_equals_function;
DELETE FROM search_jobs WHERE id = :job;
DROP TABLE nb201;
