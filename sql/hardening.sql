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

-- aggregates mixing ctnas's internal-state support functions: errors, not crashes
CREATE AGGREGATE evil_kt_nt(float8, float8) (SFUNC = ctnas_internal.kendall_tau_transfn, STYPE = internal, FINALFUNC = ctnas_internal.nac_train_finalfn);
CREATE AGGREGATE evil_nt_kt(archgraph, float8) (SFUNC = ctnas_internal.nac_train_transfn, STYPE = internal, FINALFUNC = ctnas_internal.kendall_tau_finalfn);
CREATE AGGREGATE evil_ck_nt(archgraph, float8) (SFUNC = ctnas_internal.ctnas_ktau_transfn, STYPE = internal, FINALFUNC = ctnas_internal.nac_train_finalfn);
CREATE AGGREGATE evil_nt_ck(archgraph, float8) (SFUNC = ctnas_internal.nac_train_transfn, STYPE = internal, FINALFUNC = ctnas_internal.ctnas_ktau_finalfn);
CREATE AGGREGATE evil_kt_ck(float8, float8) (SFUNC = ctnas_internal.kendall_tau_transfn, STYPE = internal, FINALFUNC = ctnas_internal.ctnas_ktau_finalfn);
-- a transition function fed another aggregate's state: two transition functions over one state
CREATE AGGREGATE evil_nt_then_kt(float8, float8) (SFUNC = ctnas_internal.kendall_tau_transfn, STYPE = internal,
  FINALFUNC = ctnas_internal.kendall_tau_finalfn, COMBINEFUNC = ctnas_internal.nac_train_combinefn,
  SERIALFUNC = ctnas_internal.kendall_tau_serialfn, DESERIALFUNC = ctnas_internal.kendall_tau_deserialfn, PARALLEL = SAFE);
-- serial of one, deserial of another: the bytes are checked
CREATE AGGREGATE evil_deserial(float8, float8) (SFUNC = ctnas_internal.kendall_tau_transfn, STYPE = internal,
  FINALFUNC = ctnas_internal.kendall_tau_finalfn, COMBINEFUNC = ctnas_internal.kendall_tau_combinefn,
  SERIALFUNC = ctnas_internal.kendall_tau_serialfn, DESERIALFUNC = ctnas_internal.nac_train_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE evil_serial(float8, float8) (SFUNC = ctnas_internal.kendall_tau_transfn, STYPE = internal,
  FINALFUNC = ctnas_internal.kendall_tau_finalfn, COMBINEFUNC = ctnas_internal.kendall_tau_combinefn,
  SERIALFUNC = ctnas_internal.nac_train_serialfn, DESERIALFUNC = ctnas_internal.kendall_tau_deserialfn, PARALLEL = SAFE);
-- PostgreSQL's own numeric state and bytes handed to ctnas's functions
CREATE AGGREGATE evil_pg_state(int8) (SFUNC = int8_avg_accum, STYPE = internal, FINALFUNC = ctnas_internal.nac_train_finalfn);
CREATE AGGREGATE evil_pg_bytes(int8) (SFUNC = int8_avg_accum, STYPE = internal, FINALFUNC = numeric_poly_avg,
  COMBINEFUNC = int8_avg_combine, SERIALFUNC = int8_avg_serialize, DESERIALFUNC = ctnas_internal.kendall_tau_deserialfn, PARALLEL = SAFE);
CREATE TABLE many AS SELECT s::float8 AS x, (s % 7)::float8 AS y, s::int8 AS i FROM generate_series(1, 20000) s;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT length(evil_kt_nt(acc, acc))::text FROM hcells$$),
  ($$SELECT evil_nt_kt(arch, acc)::text FROM hcells$$),
  ($$SELECT length(evil_ck_nt(arch, acc))::text FROM hcells$$),
  ($$SELECT evil_nt_ck(arch, acc)::text FROM hcells$$),
  ($$SELECT evil_kt_ck(acc, acc)::text FROM hcells$$),
  ($$SELECT length(evil_pg_state(i))::text FROM many$$)
) AS t(q);
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT evil_deserial(x, y) FROM many;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT evil_nt_then_kt(x, y)::text FROM many$$),
  ($$SELECT evil_deserial(x, y)::text FROM many$$),
  ($$SELECT evil_serial(x, y)::text FROM many$$),
  ($$SELECT evil_pg_bytes(i)::text FROM many$$),
  ($$SELECT round(kendall_tau(x, y)::numeric, 6)::text FROM many$$)
) AS t(q);
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather; RESET parallel_leader_participation;
-- the server is still up, and the real aggregates still work
SELECT round(kendall_tau(x, y)::numeric, 6) AS tau FROM many;
