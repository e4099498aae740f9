-- Search jobs at the SQL level (the server-level behaviour is in test/t/003 and 004):
-- submit, wait, status, results, cancel, schedules, and every error.
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include
CREATE TABLE job_cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                        test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY job_cells FROM :'sample' (FORMAT csv, HEADER);

-- a job runs in a background worker; search_wait returns its row when it has ended
SELECT search_submit('job_cells', 40, '{"seed": 1, "acc_column": "test_acc_run0", "first": 20, "rounds": 2, "nac": {"epochs": 20}}') AS job \gset
SELECT status, method, oracle, budget, error, progress->>'phase' AS phase, (progress->>'queries')::int AS queries,
       started_at IS NOT NULL AS started, finished_at >= started_at AS timed
FROM search_wait(:job, '2 min');
SELECT status FROM search_status(:job);
-- also in a read-only transaction (stale-job recovery, which writes, is then left to others)
BEGIN READ ONLY;
SELECT status FROM search_status(:job);
SELECT status FROM search_wait(:job, '1 s');
COMMIT;
-- its rows are those of ctnas_search with the same arguments
SELECT (SELECT array_agg(archgraph_hash(arch) || acc || nac_score ORDER BY step NULLS LAST) FROM search_results WHERE job_id = :job)
     = (SELECT array_agg(archgraph_hash(arch) || acc || nac_score ORDER BY step NULLS LAST)
        FROM ctnas_search('job_cells', 40, '{"seed": 1, "acc_column": "test_acc_run0", "first": 20, "rounds": 2, "nac": {"epochs": 20}}'))
       AS same_as_ctnas_search;
-- "list": what the search would propose next, stored as ctnas_search returns it (here in the whole
-- NAS-Bench-101 space: cells the table lacks, acc NULL, steps after the queries)
SELECT search_submit('job_cells', 30, '{"seed": 4, "space": "nb101", "list": 3, "acc_column": "test_acc_run0", "first": 10, "rounds": 1, "nac": {"epochs": 10}}') AS listjob \gset
SELECT status FROM search_wait(:listjob, '2 min');
SELECT (SELECT array_agg(archgraph_hash(arch) || coalesce(acc::text, '-') || coalesce(step::text, 'f') || queries || nac_score ORDER BY final, step) FROM search_results WHERE job_id = :listjob)
     = (SELECT array_agg(archgraph_hash(arch) || coalesce(acc::text, '-') || coalesce(step::text, 'f') || queries || nac_score ORDER BY final, step)
        FROM ctnas_search('job_cells', 30, '{"seed": 4, "space": "nb101", "list": 3, "acc_column": "test_acc_run0", "first": 10, "rounds": 1, "nac": {"epochs": 10}}'))
       AS same_as_ctnas_search,
       (SELECT count(*) FROM search_results WHERE job_id = :listjob AND acc IS NULL AND NOT final AND step > 30 AND queries = 30) AS listed;
-- a baseline as a job
SELECT search_submit('public.job_cells', 25, '{"seed": 2, "acc_column": "test_acc_run0"}', 'random') AS rjob \gset
SELECT status FROM search_wait(:rjob, '1 min');
-- (a separate statement: the one that waited has a snapshot from before the job ended)
SELECT count(*) AS result_rows, count(*) FILTER (WHERE final) AS finals FROM search_results WHERE job_id = :rjob;
-- local search as a job: the rows of local_search with the same arguments
SELECT search_submit('job_cells', 60, '{"seed": 3, "acc_column": "test_acc_run0"}', 'local') AS ljob \gset
SELECT status, method, progress->>'queries' AS queries FROM search_wait(:ljob, '1 min');
SELECT (SELECT array_agg(archgraph_hash(arch) || acc || queries ORDER BY step NULLS LAST) FROM search_results WHERE job_id = :ljob)
     = (SELECT array_agg(archgraph_hash(arch) || acc || queries ORDER BY step NULLS LAST)
        FROM local_search('job_cells', 60, '{"seed": 3, "acc_column": "test_acc_run0"}')) AS same_as_local_search;
-- cancelling an ended job changes nothing
SELECT search_cancel(:rjob) AS cancelled_anything;
SELECT count(*) AS active FROM search_activity;

-- a schedule (the launcher needs shared_preload_libraries; without it, a NOTICE says so)
SELECT search_schedule('nightly', '1 day', 'job_cells', 30, '{"acc_column": "test_acc_run0"}', 'evolution');
SELECT search_schedule('hourly', '1 hour', 'job_cells', 30, '{"acc_column": "test_acc_run0", "first_improvement": true}', 'local');
SELECT name, owner = current_user AS mine, every, method, oracle, budget FROM search_schedules ORDER BY name;
SELECT search_unschedule('nightly') AS removed, search_unschedule('nightly') AS again, search_unschedule('hourly') AS removed_local;

-- bad input: clear errors, and no job is recorded
SELECT count(*) AS jobs_before FROM search_jobs \gset
SET client_min_messages = warning;
INSERT INTO models (name, weights) SELECT 'taken', nac_train(arch, test_acc_run0, '{"epochs": 1}') FROM (SELECT * FROM job_cells LIMIT 20) c;
RESET client_min_messages;
CREATE TEMP TABLE temp_cells AS SELECT arch, test_acc_run0 AS acc FROM job_cells;
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT search_submit('temp_cells', 10)::text$$),
  ($$SELECT search_submit('nope', 10)::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "nope"}')::text$$),
  ($$SELECT search_submit('job_cells', 0, '{"acc_column": "test_acc_run0"}')::text$$),
  ($$SELECT search_submit('job_cells', 1, '{"acc_column": "test_acc_run0"}')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0"}', 'bayes')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "population": 5}')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "population": 0}', 'evolution')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "population": 10}', 'local')::text$$),
  ($$SELECT search_schedule('s', '1 h', 'job_cells', 10, '{"acc_column": "test_acc_run0", "init": -1}', 'local')$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "resume": "yes"}')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "time_limit": 0}')::text$$),
  ($$SELECT search_submit('SELECT arch, NULL::float8 FROM job_cells', 10)::text$$),
  ($$SELECT search_submit('job_cells', 10, '[1]')::text$$),
  ($$SELECT status FROM search_status(123456789)$$),
  ($$SELECT search_cancel(123456789)::text$$),
  ($$SELECT search_schedule('s', '0 s', 'job_cells', 10, '{"acc_column": "test_acc_run0"}')$$),
  ($$SELECT search_schedule('s', '1 h', 'temp_cells', 10)$$),
  ($$SELECT search_schedule('s', '1 h', 'job_cells', 10, '{"acc_column": "test_acc_run0"}', 'bayes')$$),
  -- failures that would only show inside the job, after all the work, are found at submit
  ($$SELECT search_submit('SELECT arch, acc FROM temp_cells', 10)::text$$),
  ($$SELECT search_submit('SELECT j.arch, t.acc FROM job_cells j JOIN temp_cells t USING (arch)', 10)::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "save_model": "taken"}')::text$$),
  ($$SELECT search_schedule('s', '1 h', 'job_cells', 10, '{"acc_column": "test_acc_run0", "save_model": "fresh"}')$$),
  ($$SELECT search_schedule('dup', '1 h', 'job_cells', 10, '{"acc_column": "test_acc_run0"}', 'random')$$),
  ($$SELECT search_schedule('dup', '1 h', 'job_cells', 10, '{"acc_column": "test_acc_run0"}', 'random')$$),
  -- a NULL argument is an error (not a silent NULL or no rows), and an option of the other recipe too
  ($$SELECT search_submit(NULL, 10)::text$$),
  ($$SELECT search_submit('job_cells', NULL)::text$$),
  ($$SELECT search_submit('job_cells', 10, NULL)::text$$),
  ($$SELECT search_schedule('s', NULL, 'job_cells')$$),
  ($$SELECT count(*)::text FROM random_search(NULL)$$),
  ($$SELECT count(*)::text FROM evolution_search('job_cells', NULL)$$),
  ($$SELECT count(*)::text FROM local_search('job_cells', 10, NULL)$$),
  ($$SELECT count(*)::text FROM ctnas_search('job_cells', 10, NULL)$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "iterations": 100}')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "recipe": "paper", "rounds": 2}')::text$$),
  ($$SELECT search_submit('job_cells', 10, '{"acc_column": "test_acc_run0", "nac": {"lr": 10}}')::text$$)
) t(q);
SELECT search_unschedule('dup') AS removed;
SELECT count(*) = :jobs_before AS no_job_recorded FROM search_jobs;
DELETE FROM models WHERE name = 'taken';
-- search_wait needs to see other transactions' commits
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT pg_temp.try($$SELECT status FROM search_wait(1, '1 s')$$);
ROLLBACK;

-- ctnas.help() lists the user-facing API; every function it names exists
SELECT task, count(*) FROM ctnas.help() GROUP BY task ORDER BY task COLLATE "C";
SELECT DISTINCT f AS missing FROM ctnas.help(), regexp_matches(call, 'ctnas\.([a-z_0-9]+)\(', 'g') AS m(g), LATERAL (SELECT g[1] AS f) x
WHERE NOT EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'ctnas'::regnamespace AND p.proname = x.f)
  AND NOT EXISTS (SELECT 1 FROM pg_type t WHERE t.typnamespace = 'ctnas'::regnamespace AND t.typname = x.f);
-- and ctnas has no other function (\df ctnas.* lists what users call): support functions are in ctnas_internal
SELECT p.oid::regprocedure AS not_in_help FROM pg_proc p
WHERE p.pronamespace = 'ctnas'::regnamespace
  AND p.proname NOT IN (SELECT g[1] FROM ctnas.help(), regexp_matches(call, 'ctnas\.([a-z_0-9]+)\(', 'g') AS m(g));
SELECT n.nspname, count(*) AS functions, count(*) FILTER (WHERE p.prokind = 'a') AS aggregates,
       count(*) FILTER (WHERE p.prorettype = 'trigger'::regtype) AS triggers
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('ctnas', 'ctnas_internal') GROUP BY 1 ORDER BY 1;
