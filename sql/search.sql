-- The search harness: oracle checks, the budget, random_search and evolution_search
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
CREATE TABLE search_cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                    test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY search_cells FROM :'sample' (FORMAT csv, HEADER);

-- every queried cell in order, then the final choice; the budget is exact
CREATE TABLE rs AS SELECT * FROM random_search('search_cells', 100, '{"seed": 1, "acc_column": "test_acc_run0"}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       max(queries) AS queries_used, bool_and(step IS NOT NULL) FILTER (WHERE NOT final) AS numbered,
       min(step) AS first_step, max(step) AS last_step
FROM rs;
-- the accuracies are the oracle's, and the final choice is the best queried cell
SELECT bool_and(r.acc = c.test_acc_run0) AS accuracies_read FROM rs r JOIN search_cells c USING (arch);
SELECT (SELECT acc FROM rs WHERE final) = (SELECT max(acc) FROM rs WHERE NOT final) AS final_is_best,
       (SELECT queries FROM rs WHERE final) AS final_queries;
-- deterministic per seed; other seeds search elsewhere
SELECT (SELECT array_agg(arch ORDER BY step) FROM random_search('search_cells', 100, '{"seed": 1, "acc_column": "test_acc_run0"}') WHERE NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM rs WHERE NOT final) AS same_seed_same_search,
       (SELECT array_agg(arch ORDER BY step) FROM random_search('search_cells', 100, '{"seed": 2, "acc_column": "test_acc_run0"}') WHERE NOT final)
     <> (SELECT array_agg(arch ORDER BY step) FROM rs WHERE NOT final) AS other_seed;

-- the oracle's row order does not matter
SELECT (SELECT array_agg(arch ORDER BY step) FROM evolution_search('SELECT arch, test_acc_run0 FROM search_cells ORDER BY hash', 50, '{"seed": 3}') WHERE NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM evolution_search('SELECT arch, test_acc_run0 FROM search_cells ORDER BY hash DESC', 50, '{"seed": 3}') WHERE NOT final)
       AS order_independent;

-- regularized evolution: the same contract; over 10 seeds it finds better cells than random search
CREATE TABLE ev AS SELECT * FROM evolution_search('search_cells', 100, '{"seed": 1, "acc_column": "test_acc_run0"}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       (SELECT acc FROM ev WHERE final) = max(acc) FILTER (WHERE NOT final) AS final_is_best
FROM ev;
SELECT avg(ev.acc) > avg(rs.acc) AS evolution_beats_random
FROM generate_series(1, 10) s,
     LATERAL (SELECT acc FROM evolution_search('search_cells', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) WHERE final) ev,
     LATERAL (SELECT acc FROM random_search('search_cells', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) WHERE final) rs;

-- the oracle as a query (first two columns: cell, accuracy), a view, a schema-qualified name
SELECT count(*) AS from_query FROM random_search('SELECT arch, test_acc_run0::numeric FROM search_cells WHERE num_vertices = 7', 30) WHERE NOT final;
CREATE VIEW oracle_view AS SELECT arch AS a, test_acc_run0 AS acc FROM search_cells;
SELECT count(*) AS from_view FROM evolution_search('public.oracle_view', 30, '{"arch_column": "a"}') WHERE NOT final;
-- a budget larger than the oracle: every cell once
SELECT max(queries) AS all_cells FROM random_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 7', 100);
-- space nb101: NB101 samples the oracle lacks cost nothing; a bound on proposals ends the search
SELECT max(queries) < 100 AS fewer_queries FROM random_search('search_cells', 100, '{"space": "nb101", "acc_column": "test_acc_run0", "max_proposals": 2000}');

-- bad oracles and options: clear errors, before any work
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include
CREATE TABLE dup AS SELECT arch, test_acc_run0 AS acc FROM search_cells LIMIT 3;
INSERT INTO dup SELECT arch, 0.5 FROM dup LIMIT 1;
CREATE TABLE nulls AS SELECT arch, test_acc_run0 AS acc FROM search_cells LIMIT 3;
INSERT INTO nulls VALUES (archgraph_random(5), NULL);
CREATE TABLE wrong (arch text, acc float8);
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT count(*)::text FROM random_search('nope', 10)$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10)$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "hash"}')$$),
  ($$SELECT count(*)::text FROM random_search('wrong', 10)$$),
  ($$SELECT count(*)::text FROM random_search('dup', 10)$$),
  ($$SELECT count(*)::text FROM random_search('nulls', 10)$$),
  ($$SELECT count(*)::text FROM random_search('SELECT arch, ''NaN''::float8 FROM search_cells', 10)$$),
  ($$SELECT count(*)::text FROM random_search('SELECT arch, ''Infinity''::float8 FROM search_cells', 10)$$),
  ($$SELECT count(*)::text FROM random_search('SELECT arch FROM search_cells', 10)$$),
  ($$SELECT count(*)::text FROM random_search('SELECT hash, test_acc_run0 FROM search_cells', 10)$$),
  ($$SELECT count(*)::text FROM random_search('SELECT arch, test_acc_run0 FROM search_cells WHERE false', 10)$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 0, '{"acc_column": "test_acc_run0"}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "test_acc_run0", "seed": -1}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "test_acc_run0", "space": "darts"}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "test_acc_run0", "sead": 1}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": 5}')$$),
  ($$SELECT count(*)::text FROM evolution_search('search_cells', 10, '{"acc_column": "test_acc_run0", "population": 5, "tournament": 6}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '[]')$$)
) t(q);
