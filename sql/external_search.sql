-- Searches whose accuracies come from outside ("evaluator": "external"): the
-- job proposes trials, workers claim and report them, the job waits and
-- resumes; driven by workers that answer from a benchmark table, a job reads
-- exactly what the search over that table reads, with the same seed, budget
-- and batch.  (No launcher here: the report that completes a batch starts
-- the job's next worker.)
SET search_path = public, ctnas;  -- (the test's tables and functions in public)
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set include :abs_srcdir '/sql/include/nb201_csv.psql'
\i :include
CREATE TABLE ext201 (arch archgraph PRIMARY KEY, acc float8 NOT NULL);
INSERT INTO ext201 SELECT arch_str::archgraph, v11_c10_test_acc_ep200_mean FROM nb201_csv;
CREATE TABLE ext101 (arch archgraph PRIMARY KEY, acc float8 NOT NULL);
CREATE TEMP TABLE sample_text (hash text, arch text, num_vertices int, test_acc_run0 float8, trainable_parameters bigint);
COPY sample_text FROM :'sample' (FORMAT csv, HEADER);
INSERT INTO ext101 SELECT arch::archgraph, test_acc_run0 FROM sample_text;
SELECT (SELECT count(*) FROM ext201) AS nb201_cells, (SELECT count(*) FROM ext101) AS nb101_cells;

-- A training machine: claims a trial of the job, "trains" it (looks it up in
-- the benchmark table; every fail_every-th claim fails instead), reports,
-- commits; until the job has ended.  Returns the trials it reported.
CREATE PROCEDURE answer(job int8, bench regclass, fail_every int DEFAULT 0, INOUT reported int DEFAULT 0)
LANGUAGE plpgsql AS $$
DECLARE
	t record;
	a float8;
	claims int := 0;
	deadline timestamptz := clock_timestamp() + interval '5 min';
BEGIN
	LOOP
		SELECT * INTO t FROM ctnas.trial_claim('regress', job);
		IF t.trial IS NULL THEN
			EXIT WHEN (SELECT status FROM ctnas.search_jobs WHERE id = job) IN ('succeeded', 'failed', 'cancelled');
			IF clock_timestamp() > deadline THEN
				RAISE EXCEPTION 'job % did not end', job;
			END IF;
			COMMIT;
			PERFORM pg_sleep(0.02);
			CONTINUE;
		END IF;
		claims := claims + 1;
		IF fail_every > 0 AND claims % fail_every = 0 THEN
			PERFORM ctnas.trial_fail(t.trial, 'out of memory');
		ELSE
			EXECUTE format('SELECT acc FROM %s WHERE arch = $1', bench) INTO a USING t.arch;
			PERFORM ctnas.trial_report(t.trial, a, '{"epochs": 200}');
			reported := reported + 1;
		END IF;
		COMMIT;
	END LOOP;
END $$;

-- What a search returned, as one text: its rows in order, and the final one.
CREATE FUNCTION rows_of(job int8) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(format('%s %s %s %s', coalesce(step::text, 'final'), arch, acc, queries), ' | ' ORDER BY final, step)
	FROM ctnas.search_results WHERE job_id = job $$;
CREATE FUNCTION rows_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE format('SELECT string_agg(format(''%%s %%s %%s %%s'', coalesce(step::text, ''final''), arch, acc, queries), '' | '' ORDER BY final, step) FROM (%s) s', q) INTO r;
	RETURN r;
END $$;

-- NAS-Bench-201, the whole space, CTNAS default recipe: trials in batches of 4
SELECT search_submit(NULL, 24, '{"evaluator": "external", "space": "nb201", "batch": 4, "seed": 3, "nac": {"epochs": 40}}') AS j1 \gset
CALL answer(:j1, 'ext201');
SELECT status, error, progress->'trials' AS trials FROM search_status(:j1);
SELECT count(*) AS trials, count(*) FILTER (WHERE status = 'done') AS done, max(attempts) AS attempts,
       count(DISTINCT arch) AS distinct_archs
FROM search_trials WHERE job_id = :j1;
-- every trial was proposed in a batch of at most 4: never more than 4 open at once
-- (a trial is proposed after every trial of the batch before it was reported)
SELECT count(*) AS proposed_before_last_batch_done
FROM search_trials t
WHERE job_id = :j1 AND (SELECT count(*) FROM search_trials u WHERE u.job_id = :j1
                         AND u.proposed_at <= t.proposed_at AND u.reported_at > t.proposed_at) > 4;
SELECT rows_of(:j1) = rows_of('SELECT * FROM ctnas.ctnas_search(''ext201'', 24, ''{"batch": 4, "seed": 3, "nac": {"epochs": 40}}'')') AS same_as_ctnas_search;
-- the job's rows: one per evaluated trial and a final one among them
SELECT count(*) FILTER (WHERE NOT final) AS rows, count(*) FILTER (WHERE final) AS final_rows,
       bool_and(acc IS NOT NULL) AS all_acc
FROM search_results WHERE job_id = :j1;

-- evolution in batches of 3 (children of one population), and random search
SELECT search_submit(NULL, 20, '{"evaluator": "external", "space": "nb201", "batch": 3, "seed": 5, "population": 8, "tournament": 3}', 'evolution') AS j2 \gset
CALL answer(:j2, 'ext201');
SELECT rows_of(:j2) = rows_of('SELECT * FROM ctnas.evolution_search(''ext201'', 20, ''{"batch": 3, "seed": 5, "population": 8, "tournament": 3}'')') AS same_as_evolution_search;
SELECT search_submit(NULL, 12, '{"evaluator": "external", "space": "nb201", "seed": 6}', 'random') AS j3 \gset
CALL answer(:j3, 'ext201');
SELECT rows_of(:j3) = rows_of('SELECT * FROM ctnas.random_search(''ext201'', 12, ''{"seed": 6}'')') AS same_as_random_search;

-- NAS-Bench-101: the candidates are a table's cells (no accuracy column needed)
CREATE TABLE cand101 AS SELECT arch FROM ext101;
SELECT search_submit('cand101', 20, '{"evaluator": "external", "batch": 5, "seed": 8, "nac": {"epochs": 30}}') AS j4 \gset
CALL answer(:j4, 'ext101');
SELECT rows_of(:j4) = rows_of('SELECT * FROM ctnas.ctnas_search(''ext101'', 20, ''{"batch": 5, "seed": 8, "nac": {"epochs": 30}}'')') AS same_as_ctnas_search_nb101;
SELECT search_submit('cand101', 16, '{"evaluator": "external", "seed": 9, "population": 6, "tournament": 2}', 'evolution') AS j5 \gset
CALL answer(:j5, 'ext101');
SELECT rows_of(:j5) = rows_of('SELECT * FROM ctnas.evolution_search(''ext101'', 16, ''{"seed": 9, "population": 6, "tournament": 2}'')') AS same_as_evolution_search_nb101;
-- local search and recipe "paper" run this way too
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "seed": 2, "batch": 2}', 'local') AS j6 \gset
CALL answer(:j6, 'ext201');
SELECT status, (SELECT count(*) FROM search_results WHERE job_id = :j6 AND NOT final) AS rows FROM search_status(:j6);
SELECT search_submit(NULL, 12, '{"evaluator": "external", "space": "nb201", "recipe": "paper", "seed": 2, "iterations": 30, "derive_every": 10, "pseudo_every": 10, "pseudo_first": 8, "pseudo_pairs": 4, "nac": {"epochs": 5}}') AS j7 \gset
CALL answer(:j7, 'ext201');
SELECT status, (SELECT count(*) FROM search_results WHERE job_id = :j7 AND NOT final) AS rows,
       (SELECT count(*) FROM search_results WHERE job_id = :j7 AND final) AS final_rows FROM search_status(:j7);
-- (its final cell is the controller's champion: with an accuracy exactly when it was one of the trials)
SELECT (acc IS NOT NULL) = (arch IN (SELECT arch FROM search_trials WHERE job_id = :j7 AND status = 'done')) AS acc_iff_evaluated
FROM search_results WHERE job_id = :j7 AND final;

-- failures: with one attempt, every third claim fails for good; a failed architecture costs no
-- budget (the search proposes another in its place) and never appears among the results
SELECT search_submit(NULL, 15, '{"evaluator": "external", "space": "nb201", "batch": 4, "seed": 4, "max_attempts": 1, "nac": {"epochs": 20}}') AS j8 \gset
CALL answer(:j8, 'ext201', 3);
SELECT status FROM search_status(:j8);
SELECT count(*) FILTER (WHERE status = 'failed') > 0 AS some_failed, count(*) FILTER (WHERE status = 'done') AS done,
       count(*) FILTER (WHERE status = 'failed' AND error = 'out of memory') = count(*) FILTER (WHERE status = 'failed') AS reasons_kept
FROM search_trials WHERE job_id = :j8;
SELECT count(*) AS rows, count(*) FILTER (WHERE arch IN (SELECT arch FROM search_trials WHERE job_id = :j8 AND status = 'failed')) AS failed_in_results
FROM search_results WHERE job_id = :j8 AND NOT final;
-- with retries (the default: 3 attempts) a failure is tried again and the search never sees it
SELECT search_submit(NULL, 8, '{"evaluator": "external", "space": "nb201", "batch": 2, "seed": 4}', 'random') AS j9 \gset
CALL answer(:j9, 'ext201', 2);
SELECT count(*) FILTER (WHERE status = 'done') AS done, count(*) FILTER (WHERE status = 'failed') AS failed, max(attempts) > 1 AS retried
FROM search_trials WHERE job_id = :j9;
SELECT rows_of(:j9) = rows_of('SELECT * FROM ctnas.random_search(''ext201'', 8, ''{"seed": 4}'')') AS same_as_random_search;
-- max_failed ends a search whose trials keep failing (once that many failed; the batch open then
-- completes): with nothing evaluated, the job fails
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "batch": 2, "seed": 4, "max_attempts": 1, "max_failed": 3}', 'random') AS j10 \gset
CALL answer(:j10, 'ext201', 1);
SELECT status, error, (SELECT count(*) FROM search_trials WHERE job_id = :j10 AND status = 'failed') AS failed,
       (SELECT count(*) FROM search_results WHERE job_id = :j10) AS result_rows FROM search_status(:j10);

-- a waiting job holds no worker; search_cancel ends it and cancels its open trials
SELECT search_submit(NULL, 30, '{"evaluator": "external", "space": "nb201", "batch": 5, "seed": 1}', 'random') AS j11 \gset
SELECT status FROM search_wait(:j11, '0.5 s');
DO $$ BEGIN
	FOR i IN 1..500 LOOP
		EXIT WHEN (SELECT status FROM ctnas.search_jobs WHERE id = currval('ctnas.search_jobs_id_seq')) = 'waiting';
		PERFORM pg_sleep(0.02);
	END LOOP;
END $$;
SELECT status, worker_pid IS NULL AS no_worker, trials_proposed FROM search_activity WHERE id = :j11;
-- search_status's progress shows the trials as they are now
SELECT progress->'trials' AS trials FROM search_status(:j11);
SELECT search_cancel(:j11);
SELECT status FROM search_status(:j11);
SELECT status, count(*) FROM search_trials WHERE job_id = :j11 GROUP BY status;
SELECT * FROM trial_claim('regress', :j11);

-- a job row its owner writes is checked again by the worker: without candidates it fails (the
-- table's constraint already refuses an external job with neither an oracle nor a space)
\set VERBOSITY terse
INSERT INTO search_jobs (method, oracle, budget, options) VALUES ('random', NULL, 10, '{"evaluator": "external"}');
\set VERBOSITY default
INSERT INTO search_jobs (method, oracle, budget, options)
	VALUES ('random', NULL, 10, '{"evaluator": "external", "space": "oracle"}') RETURNING id AS j12 \gset
SELECT search_recover() > 0 AS started;
SELECT status, error FROM search_wait(:j12, '1 min');
-- a cancelled job queued again by its owner proposes its cancelled trials again
UPDATE search_jobs SET status = 'queued', cancel_requested = false, finished_at = NULL WHERE id = :j11;
SELECT search_recover() > 0 AS started;
DO $$ BEGIN
	FOR i IN 1..500 LOOP
		EXIT WHEN (SELECT count(*) FROM ctnas.search_trials WHERE job_id = (SELECT max(id) FROM ctnas.search_jobs WHERE method = 'random' AND budget = 30) AND status = 'proposed') = 5;
		PERFORM pg_sleep(0.02);
	END LOOP;
END $$;
SELECT status, count(*) FROM search_trials WHERE job_id = :j11 GROUP BY status;
CALL answer(:j11, 'ext201');
SELECT status FROM search_status(:j11);
SELECT rows_of(:j11) = rows_of('SELECT * FROM ctnas.random_search(''ext201'', 30, ''{"batch": 5, "seed": 1}'')') AS same_as_random_search;

-- bad requests change nothing
SELECT * FROM ctnas_search('ext201', 10, '{"evaluator": "external"}');
SELECT search_submit(NULL, 10, '{}');
SELECT search_submit(NULL, 10, '{"evaluator": "external"}');
SELECT search_submit('ext201', 10, '{"evaluator": "external", "space": "nb201"}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "lease": "-1 hour"}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "lease": 5}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "lease": "1000000 years"}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "pool": 1}');
SELECT search_submit('ext201', 10, '{"evaluator": "external", "pool": 100}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "max_attempts": 0}');
SELECT search_submit('ext201', 10, '{"lease": "1 hour"}');
SELECT search_submit(NULL, 10, '{"evaluator": "outside", "space": "nb201"}');
SELECT search_submit(NULL, 10, '{"evaluator": "external", "space": "nb201", "batch": 0}');
SELECT * FROM random_search('ext201', 10, '{"batch": 100001}');
SELECT count(*) AS jobs_after_bad_requests FROM search_jobs WHERE id > :j12;
