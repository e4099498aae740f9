-- Bad input that once gave wrong results or crashed: number literals in JSON, huge
-- inputs echoed into errors, aggregates assembled from support functions of different
-- aggregates.  Each is a clean error that changes nothing.
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include

-- matrix entries must be the JSON numbers 0 or 1 as written (22P02 otherwise; another integer is 22023)
SELECT e, pg_temp.try(format($$SELECT '{"matrix":[[0,%s],[0,0]],"ops":["input","output"]}'::archgraph::text$$, e))
FROM (VALUES ('1'), ('1e-401'), ('1.0'), ('0e0'), ('1E0'), ('1.0000000000000000000000001'), ('2'), ('-0')) AS v(e);
-- the same through jsonb, which keeps 1.0 but writes 1e0 as 1 and 1e-401 in full
SELECT e, pg_temp.try(format($$SELECT ('{"matrix":[[0,%s],[0,0]],"ops":["input","output"]}'::jsonb)::archgraph::text$$, e))
FROM (VALUES ('1.0'), ('1e0')) AS v(e);
SELECT split_part(pg_temp.try($$SELECT ('{"matrix":[[0,1e-401],[0,0]],"ops":["input","output"]}'::jsonb)::archgraph::text$$), ' / ', 2) AS underflow;
-- 1,000 digits
SELECT pg_temp.try(format($$SELECT '{"matrix":[[0,1.%s1],[0,0]],"ops":["input","output"]}'::archgraph::text$$, repeat('0', 1000)));

-- integer options must be written as integers; nothing is rounded or wrapped into range
-- (options arrive as jsonb, which stores numbers as numeric: 2e1 arrives as 20, 3.0 as 3.0)
SET client_min_messages = warning;  -- nac_train's NOTICE shows seconds and a loss that depends on the CPU's BLAS kernels
CREATE TABLE hcells AS SELECT archgraph_random(s) AS arch, s / 100.0 AS acc FROM generate_series(1, 40) s;
SELECT o, pg_temp.try(format($$SELECT length(nac_train(arch, acc, '%s'))::text FROM hcells$$, o))
FROM (VALUES ('{"epochs": 1e-401}'), ('{"epochs": 3.0}'), ('{"epochs": 3.5}'), ('{"seed": 9007199254740993}'),
             ('{"epochs": 4294967297}'), ('{"weight_decay": 1e-401}'), ('{"epochs": 1, "batch_size": 8}')) AS v(o);
SELECT o, pg_temp.try(format($$SELECT count(*)::text FROM random_search('SELECT DISTINCT ON (arch) arch, acc FROM hcells', 5, '%s')$$, o))
FROM (VALUES ('{"seed": 1e-401}'), ('{"population": 2e1}'), ('{"max_proposals": 1.0000000000000000001}'), ('{"seed": 3}')) AS v(o);
SELECT o, pg_temp.try(format($$SELECT count(*)::text FROM ctnas_search('SELECT DISTINCT ON (arch) arch, acc FROM hcells', 5, '%s')$$, o))
FROM (VALUES ('{"rounds": 1.0000000000000000001}'), ('{"nac": {"epochs": 2.0}}'), ('{"progress": 1e-401}'),
             ('{"entropy_coef": 1e-401}')) AS v(o);

-- a huge input is cut in the error message (first 100 characters, then "..."), never echoed whole
SELECT length(pg_temp.try($$SELECT repeat('x', 10000000)::archgraph::text$$)) AS archgraph_in_error_length;
SELECT pg_temp.try($$SELECT repeat('x', 10000000)::archgraph::text$$) AS archgraph_in_error;
SELECT length(pg_temp.try($$SELECT (('{"matrix": "' || repeat('y', 10000000) || '"}')::jsonb)::archgraph::text$$)) < 400 AS jsonb_cast_error_short;
SELECT pg_temp.try($$SELECT nac_score(archgraph_random(1), repeat('m', 10000000))::text$$) AS model_name_error;
SELECT pg_temp.try($$SELECT count(*)::text FROM random_search(repeat('o', 10000000), 5)$$) AS oracle_error;
SELECT length(pg_temp.try($$SELECT count(*)::text FROM random_search('hcells', 5, jsonb_build_object('acc_column', repeat('c', 10000000)))$$)) < 400
  AS column_error_short;
SELECT length(pg_temp.try($$SELECT length(nac_train(arch, acc, CASE WHEN acc < 0.2 THEN '{}' ELSE jsonb_build_object('x', repeat('z', 10000000)) END))::text FROM hcells$$)) < 400
  AS options_error_short;

-- aggregates mixing ctnas's internal-state support functions (ctnas_ktau's) with PostgreSQL's: errors, not crashes
CREATE AGGREGATE evil_pg_ck(int8) (SFUNC = int8_avg_accum, STYPE = internal, FINALFUNC = ctnas_internal.ctnas_ktau_finalfn);
-- kendall_tau's and nac_train's states are types since 0.2.0: their functions cannot be mixed at all
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$CREATE AGGREGATE evil_kt_nt(float8, float8) (SFUNC = ctnas_internal.kendall_tau_trans, STYPE = ctnas_internal.kendall_tau_state, FINALFUNC = ctnas_internal.nac_train_final)$$),
  ($$CREATE AGGREGATE evil_kt_int(float8, float8) (SFUNC = ctnas_internal.kendall_tau_trans, STYPE = internal)$$),
  ($$CREATE AGGREGATE evil_kt_comb(float8, float8) (SFUNC = ctnas_internal.kendall_tau_trans, STYPE = ctnas_internal.kendall_tau_state, COMBINEFUNC = ctnas_internal.nac_train_combine)$$)
) AS t(q);
CREATE TABLE many AS SELECT s::float8 AS x, (s % 7)::float8 AS y, s::int8 AS i FROM generate_series(1, 20000) s;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT evil_pg_ck(i)::text FROM many$$),
  -- the support functions outside an aggregate
  ($$SELECT ctnas_internal.kendall_tau_trans(NULL, 1, 2)::text$$),
  ($$SELECT ctnas_internal.nac_train_combine(NULL, NULL)::text$$)
) AS t(q);
-- A state is a value any role can write (Citus ships states between nodes as text): its input checks
-- all of it.  From kendall_tau's bytes (magic "KTAU", int8 n, n x (x, y)) and nac_train's (magic
-- "NACT", int8 n, int4 options length or -1, options, n x (space, length, cell, accuracy)).
CREATE FUNCTION pg_temp.nt_state(n int8, opts bytea, rows bytea) RETURNS text LANGUAGE sql AS $$
  SELECT encode('\x4e414354'::bytea || int8send(n) || CASE WHEN opts IS NULL THEN int4send(-1)
    ELSE int4send(length(opts)) || opts END || rows, 'hex') $$;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT '4b544155'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4b5441550000000000000002'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4b54415500000000000000013ff00000000000003ff0000000000000ff'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4b5441550fffffffffffffff'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4b54415500000000000000013ff00000000000004000000000000000'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4e414354'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT '4b5'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT 'xyz!'::ctnas_internal.kendall_tau_state::text$$),
  ($$SELECT pg_temp.nt_state(0, NULL, '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(0, '{}', '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(1, NULL, '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(0, '\x7b7d00', '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(0, '\xff', '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(1, NULL, '\x09020000' || float8send(0.5))::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(1, NULL, '\x01ff' || float8send(0.5))::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(1, NULL, '\x0103ffffff' || float8send(0.5))::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(4611686018427387904, NULL, '')::ctnas_internal.nac_train_state::text$$),
  ($$SELECT pg_temp.nt_state(1, '{}', '\x0103')::ctnas_internal.nac_train_state::text$$)
) AS t(q);
-- the states the aggregates make, taken whole (an aggregate without a final function), and put
-- together again as Citus does (combine, then final): partial states give the whole's result
CREATE AGGREGATE pg_temp.nt_collect(archgraph, float8) (SFUNC = ctnas_internal.nac_train_trans, STYPE = ctnas_internal.nac_train_state);
CREATE AGGREGATE pg_temp.nt_merge(ctnas_internal.nac_train_state) (SFUNC = ctnas_internal.nac_train_combine,
  STYPE = ctnas_internal.nac_train_state, FINALFUNC = ctnas_internal.nac_train_final);
CREATE AGGREGATE pg_temp.kt_collect(float8, float8) (SFUNC = ctnas_internal.kendall_tau_trans, STYPE = ctnas_internal.kendall_tau_state);
CREATE AGGREGATE pg_temp.kt_merge(ctnas_internal.kendall_tau_state) (SFUNC = ctnas_internal.kendall_tau_combine,
  STYPE = ctnas_internal.kendall_tau_state, FINALFUNC = ctnas_internal.kendall_tau_final);
CREATE TEMP TABLE parts AS
  SELECT acc < 0.2 AS part, pg_temp.nt_collect(arch, acc)::text AS nt, pg_temp.kt_collect(acc, -acc * acc)::text AS kt
  FROM hcells GROUP BY 1;
SELECT (SELECT md5(pg_temp.nt_merge(nt::ctnas_internal.nac_train_state)) FROM parts)
         = (SELECT md5(nac_train(arch, acc)) FROM hcells) AS nac_train_parts_equal_whole,
       (SELECT pg_temp.kt_merge(kt::ctnas_internal.kendall_tau_state) FROM parts)
         = (SELECT kendall_tau(acc, -acc * acc) FROM hcells) AS kendall_tau_parts_equal_whole;
-- a real state with one byte changed: a cell that is not valid, an accuracy that is not finite
CREATE TEMP TABLE one AS SELECT decode(pg_temp.nt_collect(arch, acc)::text, 'hex') AS b FROM (SELECT * FROM hcells LIMIT 1) h;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT length(encode(b, 'hex')::ctnas_internal.nac_train_state::text)::text FROM one$$),
  ($$SELECT encode(overlay(b placing '\x7ff8000000000000' from length(b) - 7), 'hex')::ctnas_internal.nac_train_state::text FROM one$$),
  ($$SELECT encode(overlay(b placing '\x7ff0000000000000' from length(b) - 7), 'hex')::ctnas_internal.nac_train_state::text FROM one$$),
  ($$SELECT encode(overlay(b placing '\x63' from 19), 'hex')::ctnas_internal.nac_train_state::text FROM one$$),
  ($$SELECT encode(overlay(b placing '\xff' from 21), 'hex')::ctnas_internal.nac_train_state::text FROM one$$),
  ($$SELECT encode(b || '\x00', 'hex')::ctnas_internal.nac_train_state::text FROM one$$),
  ($$SELECT encode(substr(b, 1, length(b) - 1), 'hex')::ctnas_internal.nac_train_state::text FROM one$$)
) AS t(q);
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
-- parallel workers pass their states flat; the leader reads them back as any state
EXPLAIN (COSTS OFF) SELECT kendall_tau(x, y) FROM many;
SELECT round(kendall_tau(x, y)::numeric, 6)::text AS parallel_tau FROM many;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
-- the server is still up, and the real aggregates still work
SELECT round(kendall_tau(x, y)::numeric, 6) AS tau FROM many;
