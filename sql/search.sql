-- The search harness: oracle checks, the budget, random_search, evolution_search and local_search
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

-- local search: the same contract; deterministic per seed, the oracle's row order does not matter, and
-- over 20 seeds it finds better cells than random search (on this sample most neighbours are not in the
-- oracle, so climbs are short); first_improvement moves at the first better neighbour
CREATE TABLE ls AS SELECT * FROM local_search('search_cells', 100, '{"seed": 1, "acc_column": "test_acc_run0"}');
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       max(queries) AS queries_used, min(step) AS first_step, max(step) AS last_step,
       (SELECT acc FROM ls WHERE final) = max(acc) FILTER (WHERE NOT final) AS final_is_best
FROM ls;
SELECT bool_and(r.acc = c.test_acc_run0) AS accuracies_read FROM ls r JOIN search_cells c USING (arch);
SELECT (SELECT array_agg(arch ORDER BY step) FROM local_search('SELECT arch, test_acc_run0 FROM search_cells ORDER BY hash DESC', 100, '{"seed": 1}') WHERE NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM ls WHERE NOT final) AS same_seed_any_order,
       (SELECT array_agg(arch ORDER BY step) FROM local_search('search_cells', 100, '{"seed": 2, "acc_column": "test_acc_run0"}') WHERE NOT final)
     <> (SELECT array_agg(arch ORDER BY step) FROM ls WHERE NOT final) AS other_seed;
SELECT avg(ls.acc) > avg(rs.acc) AS local_beats_random, avg(fi.acc) > avg(rs.acc) AS first_improvement_beats_random
FROM generate_series(1, 20) s,
     LATERAL (SELECT acc FROM local_search('search_cells', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) WHERE final) ls,
     LATERAL (SELECT acc FROM local_search('search_cells', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0', 'first_improvement', true)) WHERE final) fi,
     LATERAL (SELECT acc FROM random_search('search_cells', 100, jsonb_build_object('seed', s, 'acc_column', 'test_acc_run0')) WHERE final) rs;
-- init: the first climb starts from the best of 10 random cells
SELECT count(*) FILTER (WHERE NOT final) AS queried FROM local_search('search_cells', 50, '{"seed": 1, "init": 10, "acc_column": "test_acc_run0"}');

-- the oracle as a query (first two columns: cell, accuracy), a view, a schema-qualified name
SELECT count(*) AS from_query FROM random_search('SELECT arch, test_acc_run0::numeric FROM search_cells WHERE num_vertices = 7', 30) WHERE NOT final;
CREATE VIEW oracle_view AS SELECT arch AS a, test_acc_run0 AS acc FROM search_cells;
SELECT count(*) AS from_view FROM evolution_search('public.oracle_view', 30, '{"arch_column": "a"}') WHERE NOT final;
-- a budget larger than the oracle: every cell once
SELECT max(queries) AS all_cells FROM random_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 7', 100);
-- a budget of 2147483647 (or near it): every search ends when the oracle has nothing left to read,
-- and the final row's queries is the oracle's size
SELECT m, b, count(*) FILTER (WHERE NOT final) AS rows, max(queries) FILTER (WHERE final) AS final_queries
FROM (VALUES ('random'), ('evolution'), ('local'), ('ctnas')) AS ms(m), (VALUES (2147483647), (2147483646)) AS bs(b),
  LATERAL (SELECT * FROM random_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 12', b) WHERE m = 'random'
           UNION ALL SELECT * FROM evolution_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 12', b) WHERE m = 'evolution'
           UNION ALL SELECT * FROM local_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 12', b) WHERE m = 'local'
           UNION ALL SELECT step, arch, acc, final, queries FROM ctnas_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 12', b,
                       '{"first": 4, "rounds": 2, "nac": {"epochs": 2}}') WHERE m = 'ctnas') r
GROUP BY m, b ORDER BY m, b;
SELECT count(*) AS paper_rows, max(queries) AS paper_queries FROM ctnas_search('SELECT arch, test_acc_run0 FROM search_cells LIMIT 12', 2147483647,
  '{"recipe": "paper", "iterations": 3, "nac": {"epochs": 2}}');
-- space nb101: NB101 samples the oracle lacks cost nothing; a bound on proposals ends the search
SELECT max(queries) < 100 AS fewer_queries FROM random_search('search_cells', 100, '{"space": "nb101", "acc_column": "test_acc_run0", "max_proposals": 2000}');
SELECT max(queries) < 100 AS local_fewer_queries FROM local_search('search_cells', 100, '{"space": "nb101", "acc_column": "test_acc_run0", "max_proposals": 2000}');

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
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "test_acc_run0", "space": "nb999"}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": "test_acc_run0", "sead": 1}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '{"acc_column": 5}')$$),
  ($$SELECT count(*)::text FROM evolution_search('search_cells', 10, '{"acc_column": "test_acc_run0", "population": 5, "tournament": 6}')$$),
  ($$SELECT count(*)::text FROM local_search('search_cells', 10, '{"acc_column": "test_acc_run0", "population": 5}')$$),
  ($$SELECT count(*)::text FROM local_search('search_cells', 10, '{"acc_column": "test_acc_run0", "init": 0}')$$),
  ($$SELECT count(*)::text FROM local_search('search_cells', 10, '{"acc_column": "test_acc_run0", "first_improvement": "yes"}')$$),
  ($$SELECT count(*)::text FROM local_search('search_cells', 0, '{"acc_column": "test_acc_run0"}')$$),
  ($$SELECT count(*)::text FROM local_search('search_cells', 10, '{"acc_column": "test_acc_run0", "space": "nb201"}')$$),
  ($$SELECT count(*)::text FROM random_search('search_cells', 10, '[]')$$)
) t(q);

-------------------------------------------------------------------------------
-- ctnas_search: the same harness; small settings so the test runs in seconds
-------------------------------------------------------------------------------
CREATE TABLE cs AS SELECT * FROM ctnas_search('search_cells', 60,
  '{"seed": 1, "acc_column": "test_acc_run0", "first": 20, "rounds": 3, "nac": {"epochs": 30}}');
-- every queried cell once, in order, then the final choice: the best queried cell (recipe default)
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       max(queries) AS queries_used, min(step) AS first_step, max(step) AS last_step,
       count(*) FILTER (WHERE final) AS finals,
       bool_and(nac_score IS NOT NULL AND nac_score = nac_score) AS all_scored
FROM cs;
SELECT bool_and(r.acc = c.test_acc_run0) AS accuracies_read FROM cs r JOIN search_cells c USING (arch);
SELECT (SELECT acc FROM cs WHERE final) = (SELECT max(acc) FROM cs WHERE NOT final) AS final_is_best_queried,
       (SELECT step IS NULL FROM cs WHERE final) AS final_has_no_step;
-- the rounds query what the NAC ranks highest: later queries are better than the random first 20
SELECT avg(acc) FILTER (WHERE step > 20) > avg(acc) FILTER (WHERE step <= 20) AS rounds_find_better
FROM cs WHERE NOT final;
-- deterministic per seed; other seeds search elsewhere; the oracle's row order does not matter
SELECT (SELECT array_agg(arch ORDER BY step) FROM ctnas_search('search_cells', 60,
          '{"seed": 1, "acc_column": "test_acc_run0", "first": 20, "rounds": 3, "nac": {"epochs": 30}}') WHERE NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM cs WHERE NOT final) AS same_seed_same_search,
       (SELECT array_agg(arch ORDER BY step) FROM ctnas_search('SELECT arch, test_acc_run0 FROM search_cells ORDER BY hash DESC', 60,
          '{"seed": 1, "first": 20, "rounds": 3, "nac": {"epochs": 30}}') WHERE NOT final)
     = (SELECT array_agg(arch ORDER BY step) FROM cs WHERE NOT final) AS order_independent,
       (SELECT array_agg(arch ORDER BY step) FROM ctnas_search('search_cells', 60,
          '{"seed": 2, "acc_column": "test_acc_run0", "first": 20, "rounds": 3, "nac": {"epochs": 30}}') WHERE NOT final)
     <> (SELECT array_agg(arch ORDER BY step) FROM cs WHERE NOT final) AS other_seed;
-- the final row has the NAC's score whenever the search trained a NAC, with the schedule left to
-- the budget too (40 queries: 10 random cells, then rounds); a "first" of the whole budget trains
-- none (the search is random search), and a NOTICE says why nac_score is NULL
SELECT (SELECT nac_score IS NOT NULL FROM cs WHERE final) AS final_scored;
SELECT count(*) AS rows_, bool_and(nac_score IS NOT NULL) AS all_scored, max(queries) AS queries_used
FROM ctnas_search('search_cells', 40, '{"seed": 1, "acc_column": "test_acc_run0", "nac": {"epochs": 5}}');
SELECT count(*) AS rows_, count(*) FILTER (WHERE nac_score IS NULL) AS unscored, max(queries) AS queries_used
FROM ctnas_search('search_cells', 10, '{"seed": 1, "acc_column": "test_acc_run0", "first": 10}');

-- recipe "paper": the whole budget on random training cells, then the controller; the final cell
-- is the history champion, a cell of the oracle (space "oracle") that need not be a queried one
-- (progress notices: "step X of Y"; their DETAIL, the time left, is hidden by VERBOSITY terse)
\set VERBOSITY terse
CREATE TABLE cp AS SELECT * FROM ctnas_search('search_cells', 50,
  '{"recipe": "paper", "seed": 3, "acc_column": "test_acc_run0", "iterations": 200, "derive_every": 50,
    "pseudo_every": 50, "pseudo_first": 32, "pseudo_pairs": 16, "nac": {"epochs": 20}, "progress": 100}');
\set VERBOSITY default
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(DISTINCT arch) FILTER (WHERE NOT final) AS distinct_cells,
       (SELECT queries FROM cp WHERE final) AS queries_used,
       (SELECT acc IS NOT NULL AND nac_score IS NOT NULL FROM cp WHERE final) AS final_has_acc_and_score,
       (SELECT c.test_acc_run0 = f.acc FROM cp f JOIN search_cells c USING (arch) WHERE f.final) AS final_acc_from_oracle
FROM cp;
-- space "nb101": the champion may be a cell the oracle lacks (its acc is then NULL); the budget is the same
SELECT count(*) FILTER (WHERE NOT final) AS queried, count(*) FILTER (WHERE final) AS finals
FROM ctnas_search('search_cells', 50,
  '{"recipe": "paper", "seed": 3, "space": "nb101", "acc_column": "test_acc_run0", "iterations": 100, "derive_every": 50,
    "pseudo_every": 50, "pseudo_first": 32, "pseudo_pairs": 16, "nac": {"epochs": 20}}');

-- save_model stores the search's NAC; model starts a search from one
SELECT count(*) FROM ctnas_search('search_cells', 40,
  '{"seed": 4, "acc_column": "test_acc_run0", "first": 20, "rounds": 2, "nac": {"epochs": 20}, "save_model": "from_search"}');
-- the last round's NAC: trained on the 20 random cells and the first round's 10 (seed: the search's + round)
SELECT name, info->'recipe'->>'name' AS recipe, info->'recipe'->'seed' AS seed, info->'recipe'->'epochs' AS epochs,
       info->'training'->'rows' AS rows, info->'training'->'epochs' AS trained_epochs
FROM ctnas.models WHERE name = 'from_search';
SELECT ctnas.nac_score(arch, 'from_search') IS NOT NULL AS scores FROM search_cells LIMIT 1;
-- started from that NAC, the first round is its ranking: the first query is its best-scored cell
SELECT (SELECT arch FROM ctnas_search('search_cells', 30,
          '{"seed": 5, "acc_column": "test_acc_run0", "rounds": 3, "nac": {"epochs": 10}, "model": "from_search"}') WHERE step = 1)
     = (SELECT arch FROM search_cells ORDER BY ctnas.nac_score(arch, 'from_search') DESC, arch LIMIT 1) AS starts_from_model;
-- a model of nac_train's recipe "default" ([nodes; sink], both directions) continues in a search whose
-- "nac" names other parts of the shape: the parts of the readout it does not name are the model's
SET client_min_messages = warning;
INSERT INTO ctnas.models(name, weights)
SELECT 'sink_start', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 5, "seed": 2}') FROM (SELECT * FROM search_cells ORDER BY arch LIMIT 50) t;
RESET client_min_messages;
SELECT count(*) AS steps FROM ctnas_search('search_cells', 20,
  '{"seed": 6, "acc_column": "test_acc_run0", "rounds": 2, "nac": {"epochs": 5, "head": "antisymmetric"}, "model": "sink_start"}');
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('search_cells', 20,
  '{"seed": 6, "acc_column": "test_acc_run0", "rounds": 2, "nac": {"epochs": 5, "readout": "slots"}, "model": "sink_start"}')$$);
DELETE FROM ctnas.models WHERE name = 'sink_start';
-- saving under a name that exists fails and changes nothing
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('search_cells', 40,
  '{"seed": 4, "acc_column": "test_acc_run0", "first": 20, "rounds": 2, "nac": {"epochs": 20}, "save_model": "from_search"}')$$);
SELECT count(*) AS models FROM ctnas.models WHERE name = 'from_search';
-- a paper-recipe search's saved NAC says what training it had (it said 0 steps and loss 0)
SELECT count(*) > 0 AS ran FROM ctnas_search('search_cells', 30,
  '{"recipe": "paper", "seed": 1, "acc_column": "test_acc_run0", "iterations": 20, "derive_every": 10, "pseudo_every": 10,
    "nac": {"epochs": 5}, "save_model": "from_paper"}');
SELECT (info->'training'->>'steps')::int8 > 0 AS has_steps, (info->'training'->>'final_loss')::float8 > 0 AS has_loss
FROM ctnas.models WHERE name = 'from_paper';
DELETE FROM ctnas.models WHERE name = 'from_paper';

-- bad input: clear errors before any work
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 1, '{"acc_column": "test_acc_run0"}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 0, '{"acc_column": "test_acc_run0"}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('nope', 10)$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "recipe": "fast"}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "population": 5}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "rounds": 0}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "nac": {"lr": -1}}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "progress": -1}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "model": "nope"}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "model": 3}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "save_model": ""}')$$),
  ($$SELECT count(*)::text FROM ctnas_search('search_cells', 10, '{"acc_column": "test_acc_run0", "model": "from_search", "nac": {"width": 64}}')$$)
) t(q);

-- a long search stops promptly on cancel (here: statement_timeout)
SET statement_timeout = '1s';
SELECT count(*) FROM ctnas_search('search_cells', 50, '{"recipe": "paper", "acc_column": "test_acc_run0", "iterations": 10000000}');
RESET statement_timeout;
