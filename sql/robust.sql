-- Hangs and memory: an endless oracle stops at the space's size, training
-- and searches check ctnas.max_training_memory before they allocate, the
-- model cache stays within ctnas.model_cache_size, cancels stop long steps.
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include
CREATE TABLE cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                    acc float8 NOT NULL, trainable_parameters bigint);
COPY cells FROM :'sample' (FORMAT csv, HEADER);
-- a guard only: every statement below ends in seconds
SET statement_timeout = '120s';

-- an endless oracle: reading stops at row 423,625 (NAS-Bench-101 has 423,624 cells), long before the guard
SELECT pg_temp.try($$SELECT count(*)::text FROM random_search(
  'SELECT ''{"matrix":[[0,1],[0,0]],"ops":["input","output"]}''::ctnas.archgraph, generate_series(1, 1000000000)', 10)$$);
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search(
  'SELECT ctnas.archgraph_random(g), 0.5 FROM (SELECT generate_series(1, 1000000000) AS g) s', 10)$$);
-- a finite oracle with a cell twice: as before
SELECT pg_temp.try($$SELECT count(*)::text FROM random_search('(SELECT arch, acc FROM cells LIMIT 3) UNION ALL (SELECT arch, acc FROM cells LIMIT 1)', 10)$$);
-- many rows are still read in full
SELECT count(*) AS queried FROM random_search('SELECT arch, acc FROM cells', 5000) WHERE NOT final;

-- ctnas.max_training_memory: checked before the work starts, with what it would need
SHOW ctnas.max_training_memory;
SELECT pg_temp.try($$SELECT length(nac_train(arch, acc, '{"width": 1024, "layers": 16, "batch_size": 5100, "epochs": 1}'))::text FROM cells$$)
  ~ '^54000: nac_train would need [0-9.]+ GB of memory, more than ctnas.max_training_memory \(1.0 GB\)$' AS refused;
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('cells', 100, '{"recipe": "paper", "pseudo_first": 30000}')$$)
  ~ '^54000: the CTNAS search would need [0-9.]+ GB of memory, more than ctnas.max_training_memory \(1.0 GB\)$' AS refused;
SET ctnas.max_training_memory = '2MB';
-- the rows are counted as they come: this stops at row 65, long before the training
SELECT pg_temp.try($$SELECT length(nac_train(arch, acc))::text FROM cells$$);
SELECT pg_temp.try($$SELECT count(*)::text FROM ctnas_search('cells', 100)$$);
SELECT nac_train(arch, acc, '{"epochs": 1}') FROM cells LIMIT 100;
SET ctnas.max_training_memory = '64MB';
SET client_min_messages = warning;
SELECT length(nac_train(arch, acc, '{"epochs": 1}')) > 0 AS trains_within FROM cells;
RESET client_min_messages;
RESET ctnas.max_training_memory;
-- a protective cap: a plain role may not change it, nor the model cache's size
CREATE ROLE ctnas_robust_plain;
SET ROLE ctnas_robust_plain;
SELECT pg_temp.try($$SET ctnas.max_training_memory = '100GB'$$);
SELECT pg_temp.try($$SET ctnas.model_cache_size = '100GB'$$);
RESET ROLE;
DROP ROLE ctnas_robust_plain;

-- the model cache: 30 models through an 8 MB cache; memory stays bounded, scores stay right
SET client_min_messages = warning;
INSERT INTO ctnas.models(name, weights)
SELECT 'robust' || g, nac_train(arch, acc, jsonb_build_object('epochs', 1, 'seed', g))
FROM generate_series(1, 30) g, (SELECT arch, acc FROM cells ORDER BY hash LIMIT 50) c GROUP BY g;
RESET client_min_messages;
SET ctnas.model_cache_size = '8MB';
CREATE TEMP TABLE probe AS SELECT arch FROM cells ORDER BY hash DESC LIMIT 20;
-- each model scored by name (through the cache) and by its bytes (not cached by name)
CREATE TEMP TABLE by_name AS
SELECT g, array_agg(nac_score(p.arch, 'robust' || g) ORDER BY p.arch) AS s FROM generate_series(1, 30) g, probe p GROUP BY g;
SELECT count(*) BETWEEN 1 AND 3 AS models_held, sum(total_bytes) <= 8 * 1024 * 1024 AS within_size
FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
SELECT sum(total_bytes) <= 9 * 1024 * 1024 AS cache_within_size
FROM pg_backend_memory_contexts WHERE name IN ('ctnas model cache', 'ctnas model');
-- again, evicted and decoded again: the same scores, and the same as from the model's bytes
SELECT bool_and(b.s = (SELECT array_agg(nac_score(p.arch, 'robust' || b.g) ORDER BY p.arch) FROM probe p)) AS same_after_eviction,
       bool_and(b.s = (SELECT array_agg(nac_score(p.arch, m.weights) ORDER BY p.arch) FROM probe p, ctnas.models m WHERE m.name = 'robust' || b.g)) AS same_as_bytes
FROM by_name b;
SELECT count(*) <= 3 AS models_held FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
-- with no room, the model in use is still kept
SET ctnas.model_cache_size = 0;
SELECT nac_compare(arch, arch, 'robust1') = 0.5 AS usable FROM probe LIMIT 1;
SELECT count(*) AS models_held FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
RESET ctnas.model_cache_size;
DELETE FROM ctnas.models WHERE name LIKE 'robust%';

-- node states shared between cells (ctnas.score_cache_size): every score is the same, to the bit,
-- with states kept from the cells scored before (in another order) and with nothing kept; the
-- memory they take stays within the setting (the model with its embedding cache is about 4.5 MB:
-- recipe "default"'s features are 2 x 128 per direction, which the cache of nac_compare holds)
SET client_min_messages = warning;
INSERT INTO ctnas.models(name, weights) SELECT 'robust_memo', nac_train(arch, acc, '{"epochs": 2, "seed": 3}') FROM cells;
RESET client_min_messages;
SHOW ctnas.score_cache_size;
CREATE TEMP TABLE memo_kept AS SELECT hash, nac_score(arch, 'robust_memo') AS s FROM cells;
SELECT total_bytes > 8 * 1024 * 1024 AS states_kept FROM pg_backend_memory_contexts WHERE ident = 'robust_memo';
SET ctnas.score_cache_size = 0;
SELECT bool_and(k.s = nac_score(c.arch, 'robust_memo')) AS same_with_nothing_kept,
       bool_and(k.s = nac_score(c.arch, m.weights)) AS same_from_bytes
FROM cells c JOIN memo_kept k USING (hash), ctnas.models m WHERE m.name = 'robust_memo';
SELECT total_bytes < 5 * 1024 * 1024 AS nothing_kept FROM pg_backend_memory_contexts WHERE ident = 'robust_memo';
SET ctnas.score_cache_size = '1MB';
CREATE TEMP TABLE memo_reversed AS SELECT hash, nac_score(arch, 'robust_memo') AS s FROM (SELECT * FROM cells ORDER BY hash DESC) c;
SELECT bool_and(k.s = r.s) AS same_in_reverse FROM memo_kept k JOIN memo_reversed r USING (hash);
SELECT total_bytes < 6 * 1024 * 1024 AS within_setting FROM pg_backend_memory_contexts WHERE ident = 'robust_memo';
RESET ctnas.score_cache_size;
CREATE ROLE ctnas_robust_plain;
SET ROLE ctnas_robust_plain;
SELECT pg_temp.try($$SET ctnas.score_cache_size = '100GB'$$);
RESET ROLE;
DROP ROLE ctnas_robust_plain;
-- models passed as bytes are kept in the same cache, keyed by their bytes: the next query with the
-- same bytes (a Citus shard's task, say) finds them decoded, with their node states
CREATE TEMP TABLE by_bytes AS SELECT 1 AS n, weights FROM ctnas.models WHERE name = 'robust_memo';
SELECT count(nac_score(c.arch, b.weights)) FROM cells c, by_bytes b;
SELECT count(nac_score(c.arch, b.weights)) FROM cells c, by_bytes b;
SELECT count(*) AS kept_by_bytes, bool_and(total_bytes > 6 * 1024 * 1024) AS with_states
FROM pg_backend_memory_contexts WHERE ident = '(weights passed as bytea)';
-- two models by bytes in one query, through a cache with room for one: each call site finds its own
-- model, never a freed one; the one dropped from the cache is kept aside while the transaction
-- lasts, not decoded again on every row (two decodes for 300 rows: the DEBUG lines), and freed after
SET client_min_messages = warning;
INSERT INTO by_bytes SELECT 2, nac_train(arch, acc, '{"epochs": 2, "seed": 4, "recipe": "paper", "width": 32}') FROM cells;
RESET client_min_messages;
CREATE TEMP TABLE by_bytes_scores AS
SELECT c.hash, array_agg(nac_score(c.arch, b.weights) ORDER BY b.n) AS s FROM cells c, by_bytes b GROUP BY c.hash;
SET ctnas.model_cache_size = 0;
SET ctnas.score_cache_size = '32MB';	-- (a new value empties the cache: both are decoded in the query)
SET jit = off;	-- (its DEBUG lines depend on the build)
SET client_min_messages = debug1;
SELECT bool_and(k.s = ARRAY[nac_score(c.arch, (SELECT weights FROM by_bytes WHERE n = 1)), nac_score(c.arch, (SELECT weights FROM by_bytes WHERE n = 2))])
  AS same_through_eviction
FROM (SELECT * FROM cells ORDER BY hash LIMIT 300) c JOIN by_bytes_scores k USING (hash);
RESET client_min_messages;
RESET jit;
SELECT count(*) AS models_held FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
RESET ctnas.model_cache_size;
RESET ctnas.score_cache_size;
-- a parameter is not a constant: PL/pgSQL keeps the call site while its variable takes other models,
-- perhaps at the same address (each is recognised by its bytes, not by where they are)
INSERT INTO ctnas.models(name, weights) SELECT 'robust_memo2', weights FROM by_bytes WHERE n = 2;
CREATE FUNCTION pg_temp.score_with(a archgraph, w bytea) RETURNS float8 LANGUAGE plpgsql AS $$ BEGIN RETURN nac_score(a, w); END $$;
SELECT bool_and(pg_temp.score_with(c.arch, m.weights || ''::bytea) = nac_score(c.arch, m.name)) AS each_its_own
FROM (SELECT arch FROM cells ORDER BY hash LIMIT 40) c, (SELECT * FROM ctnas.models WHERE name LIKE 'robust\_memo%' ORDER BY name) m;
-- a PL/pgSQL loop whose expressions are planned again (search_path changes) with two models by bytes
-- that the cache cannot hold together: what the models hold stays bounded (the cache, and what is
-- kept aside within the cache's size again), whatever the number of call sites the loop abandons
SET ctnas.model_cache_size = '4MB';	-- (less than the first model alone)
CREATE TEMP TABLE loop_cells AS SELECT arch FROM cells ORDER BY hash LIMIT 5;
DO $$
DECLARE
  w1 bytea; w2 bytea; x float8; c record; most bigint := 0;
BEGIN
  SELECT weights INTO w1 FROM by_bytes WHERE n = 1;
  SELECT weights INTO w2 FROM by_bytes WHERE n = 2;
  FOR i IN 1..20 LOOP
    PERFORM set_config('search_path', CASE WHEN i % 2 = 0 THEN 'public, ctnas' ELSE 'ctnas, public' END, true);
    FOR c IN SELECT arch FROM loop_cells LOOP
      x := pg_temp.score_with(c.arch, w1) + pg_temp.score_with(c.arch, w2);
    END LOOP;
    most := greatest(most, (SELECT sum(total_bytes) FROM pg_backend_memory_contexts WHERE name LIKE 'ctnas model%'));
  END LOOP;
  RAISE NOTICE 'models held at most 2 x 4 MB + one model: %', most <= 14 * 1024 * 1024;
END $$;
SELECT count(*) AS models_held_after FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
RESET ctnas.model_cache_size;
-- forty models by name, each cell scored by every one in turn, through a 16 MB cache: what the models
-- hold stays within twice the cache and two models while the transaction lasts (those kept aside keep
-- no node states, which would grow), and within the cache and one model after it
INSERT INTO ctnas.models(name, weights)
SELECT 'robust_copy' || lpad(i::text, 2, '0'), weights FROM by_bytes, generate_series(1, 40) i WHERE n = 2;
SET ctnas.model_cache_size = '16MB';
BEGIN;
SELECT count(nac_score(arch, name)) FROM
  (SELECT c.arch, m.name FROM (SELECT i, archgraph_random(i) AS arch FROM generate_series(1, 4000) i) c
   CROSS JOIN (SELECT name FROM ctnas.models WHERE name LIKE 'robust\_copy%') m ORDER BY c.i, m.name OFFSET 0) s;
SELECT sum(total_bytes) <= 2 * 16 * 1024 * 1024 + 2 * max(total_bytes) AS within_twice_the_cache
FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
COMMIT;
SELECT sum(total_bytes) <= 16 * 1024 * 1024 + max(total_bytes) AS within_the_cache
FROM pg_backend_memory_contexts WHERE name = 'ctnas model';
RESET ctnas.model_cache_size;
DELETE FROM ctnas.models WHERE name LIKE 'robust\_copy%';
-- stored out of line, a model is known within a statement by its TOAST pointer: two models' pointers
-- alternating at one call site give each its own scores
SELECT bool_and(s.by_bytes = s.by_name) AS each_its_own_stored, count(*)
FROM (SELECT arch FROM cells ORDER BY hash LIMIT 40) c,
     LATERAL (SELECT nac_score(c.arch, m.weights) AS by_bytes, nac_score(c.arch, m.name) AS by_name
              FROM ctnas.models m WHERE name LIKE 'robust\_memo%') s;
DELETE FROM ctnas.models WHERE name = 'robust_memo2';
DELETE FROM ctnas.models WHERE name = 'robust_memo';

-- cancels inside long steps (measured in README; here only that they stop)
SET statement_timeout = '1s';
SELECT count(*) FROM ctnas_search('cells', 100, '{"recipe": "paper", "derive_samples": 1000, "nac": {"epochs": 1}}');
SELECT count(*) FROM ctnas_search('cells', 100, '{"recipe": "paper", "pseudo_first": 10000, "nac": {"epochs": 1}}');
RESET statement_timeout;
