-- Ranking quality: kendall_tau (tau-b), ctnas_ktau (CTNAS's KTau of a NAC), torch_randperm
SET search_path = public, ctnas;

-- tau-b against a brute-force count of all pairs, on data with many ties
CREATE TABLE r AS
  SELECT g AS grp, i, (hashint4(i * 7 + g) % 5)::float8 AS x,
         CASE WHEN g % 2 = 0 THEN (hashint4(i * 13 + g) % 4)::float8
              ELSE (hashint4(i * 7 + g) % 5 + hashint4(i) % 3)::float8 END AS y
  FROM generate_series(1, 8) g, generate_series(1, 300 + 37 * g) i;
WITH brute AS (
  SELECT a.grp,
         sum(sign(a.x - b.x) * sign(a.y - b.y)) AS s,
         count(*) FILTER (WHERE a.x <> b.x) AS ux, count(*) FILTER (WHERE a.y <> b.y) AS uy
  FROM r a JOIN r b ON a.grp = b.grp AND a.i < b.i GROUP BY a.grp)
SELECT grp, abs(kendall_tau(x, y) - (SELECT s / sqrt(ux::float8 * uy) FROM brute WHERE brute.grp = r.grp)) < 1e-12 AS agrees
FROM r GROUP BY grp ORDER BY grp;

-- values recorded from scipy 1.10.1 (scipy.stats.kendalltau)
SELECT abs(kendall_tau(x, y) - 0.7777777777777777) < 1e-12 AS d1
FROM unnest('{1,2,3,4,5,6,7,8,9,10}'::float8[], '{3,1,2,5,4,7,6,9,8,10}'::float8[]) t(x, y);
SELECT abs(kendall_tau(i % 7, (i * 3) % 5) - -0.013526412211098359) < 1e-12 AS d2 FROM generate_series(0, 99) i;
SELECT abs(kendall_tau((i * i) % 11, (i * 7 + 3) % 13 - i % 4) - 0.00022578233278903065) < 1e-12 AS d3
FROM generate_series(0, 999) i;
SELECT abs(kendall_tau((i * 37) % 101, (i * 37) % 101 / 3 + i % 5) - 0.9202834531910521) < 1e-12 AS d4
FROM generate_series(0, 4999) i;

-- NULL pairs are skipped; fewer than 2 pairs or a constant side give NULL; NaN gives NaN
SELECT kendall_tau(x, y) FROM (VALUES (1, 1), (2, NULL), (NULL, 5), (3, 2)) t(x, y);
SELECT kendall_tau(x, y) IS NULL AS one_pair FROM (VALUES (1, 1), (2, NULL)) t(x, y);
SELECT kendall_tau(x, y) IS NULL AS empty FROM r WHERE false;
SELECT kendall_tau(1, y) IS NULL AS constant FROM r;
SELECT kendall_tau(x, y) FROM (VALUES (1::float8, 1::float8), ('NaN', 2), (3, 3)) t(x, y);
SELECT kendall_tau(x, -x) AS reversed, kendall_tau(x, x) AS same FROM r WHERE x > 0;

-- a parallel plan (partial states, serialized, combined) gives the same value
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT kendall_tau(x, y) FROM r;
SELECT kendall_tau(x, y) AS parallel FROM r \gset
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
SET max_parallel_workers_per_gather = 0;
SELECT kendall_tau(x, y) = :parallel AS parallel_equals_serial FROM r;
RESET max_parallel_workers_per_gather;

-- torch_randperm: torch 1.13's values
SELECT array_agg(value ORDER BY position) FROM torch_randperm(10, 2020);
SELECT array_agg(value ORDER BY position) FROM torch_randperm(423624, 2020) WHERE position < 8;
SELECT count(DISTINCT value) = 1000 AND min(value) = 0 AND max(value) = 999 AS permutation FROM torch_randperm(1000, 5);
SELECT count(*) FROM torch_randperm(0, 1);
\set VERBOSITY terse
SELECT * FROM torch_randperm(-1, 1);
SELECT * FROM torch_randperm(10, -1);
\set VERBOSITY default

-- ctnas_ktau: CTNAS's metric, against a brute force with nac_compare
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
CREATE TABLE ktau_cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                    test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY ktau_cells FROM :'sample' (FORMAT csv, HEADER);
SET client_min_messages = warning;
INSERT INTO models(name, weights)
  SELECT 'k', nac_train(arch, test_acc_run0, '{"epochs": 100, "seed": 3}') FROM (SELECT * FROM ktau_cells ORDER BY hash LIMIT 300) t;
RESET client_min_messages;
-- 100 held-out cells with a fixed order; accuracies rounded to 2 digits, so some tie
CREATE TABLE held AS
  SELECT row_number() OVER (ORDER BY hash DESC) AS i, arch, round(test_acc_run0::numeric, 2)::float8 AS acc
  FROM (SELECT * FROM ktau_cells ORDER BY hash DESC LIMIT 100) t;
WITH brute AS (
  SELECT sum(CASE WHEN (nac_compare(a.arch, b.arch, 'k') >= 0.5) = (a.acc >= b.acc) THEN 1 ELSE -1 END)::float8
         / count(*) AS ktau
  FROM held a JOIN held b ON a.i < b.i)
SELECT abs(ctnas_ktau(arch, acc, 'k' ORDER BY i) - (SELECT ktau FROM brute)) < 1e-12 AS agrees,
       ctnas_ktau(arch, acc, 'k' ORDER BY i) > 0.2 AS better_than_chance
FROM held;
SET ctnas.model = 'k';
SELECT ctnas_ktau(arch, acc ORDER BY i) = ctnas_ktau(arch, acc, 'k' ORDER BY i) AS setting_works FROM held;
-- not symmetric: the order of the rows decides which side of each pair the NAC is asked about
SELECT ctnas_ktau(arch, acc ORDER BY i) BETWEEN -1 AND 1 AS in_range,
       ctnas_ktau(arch, acc ORDER BY i DESC) BETWEEN -1 AND 1 AS reversed_in_range FROM held;
-- NULLs skipped, fewer than 2 cells: NULL
SELECT ctnas_ktau(arch, acc) IS NULL AS one_cell FROM (SELECT * FROM held LIMIT 1) t;
SELECT ctnas_ktau(arch, acc ORDER BY i) = (SELECT ctnas_ktau(arch, acc ORDER BY i) FROM held) AS nulls_skipped
FROM (SELECT i, arch, acc FROM held UNION ALL SELECT 1000, NULL, 0.5 UNION ALL SELECT 1001, arch, NULL FROM held WHERE i = 1) t;
-- the group-size limit, and its hint
SET ctnas.ktau_max_cells = 50;
SELECT ctnas_ktau(arch, acc) FROM held;
RESET ctnas.ktau_max_cells;
SELECT ctnas_ktau(arch, acc, 'nope') FROM held;
SELECT ctnas_ktau(arch, acc, CASE WHEN i < 5 THEN 'k' ELSE 'k2' END) FROM held;
SELECT ctnas_ktau(arch, 'NaN') FROM held;
RESET ctnas.model;
SELECT ctnas_ktau(arch, acc) FROM held;
-- the tau-b of the NAC's ranking: the alternative for large groups
SELECT kendall_tau(nac_score(arch, 'k'), test_acc_run0) > 0.2 AS ranking_correlates
FROM ktau_cells WHERE hash NOT IN (SELECT hash FROM ktau_cells ORDER BY hash LIMIT 300);
DELETE FROM models;

-- a ctnas.* setting made before the library is loaded in a session is kept
\c
SET ctnas.ktau_max_cells = 50;
SELECT ctnas.ctnas_ktau(arch, acc, 'any') FROM public.held;
SHOW ctnas.ktau_max_cells;
