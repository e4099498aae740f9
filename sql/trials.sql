-- Trials (issue 14): searches whose accuracies come from outside.  A job
-- with "evaluator": "external" proposes architectures as trials, training
-- machines claim them (a lease), report accuracies or failures; the job
-- waits (status waiting) until its open trials are all in, then resumes.
-- Here a plain role writes the job and trial rows itself (as the job worker
-- does, running as the owner); concurrent claims and the report/worker race
-- are in specs/trials_race.spec.
SET search_path = public, ctnas;
\getenv abs_srcdir PG_ABS_SRCDIR
\set include :abs_srcdir '/sql/include/test_data.psql'
\i :include
\set try_include :abs_srcdir '/sql/include/try.psql'
\i :try_include
CREATE TABLE trial_cells (hash text PRIMARY KEY, arch archgraph NOT NULL, num_vertices int,
                          test_acc_run0 float8 NOT NULL, trainable_parameters bigint);
COPY trial_cells FROM :'sample' (FORMAT csv, HEADER);
CREATE ROLE ctnas_trials_alice;
CREATE ROLE ctnas_trials_bob;
CREATE ROLE ctnas_trials_gpu;				-- a training machine's role: a member of alice's
GRANT ctnas_trials_alice TO ctnas_trials_gpu;
GRANT SELECT ON trial_cells TO ctnas_trials_alice, ctnas_trials_bob;

-- ---- alice's job waits for three trials -------------------------------------------------------
-- (ids given, as a restore gives them, so that messages name the same ones whatever ran before)
SET ROLE ctnas_trials_alice;
\set job 901
\set t1 9011
\set t2 9012
\set t3 9013
BEGIN;
INSERT INTO search_jobs (id, method, oracle, budget, options, status, started_at)
VALUES (:job, 'random', '"public"."trial_cells"', 5, '{"seed": 1, "acc_column": "test_acc_run0"}', 'waiting', now());
INSERT INTO search_trials (id, job_id, arch)
SELECT :t1 - 1 + row_number() OVER (ORDER BY hash), :job, arch FROM trial_cells ORDER BY hash LIMIT 3;
-- the worker proposes an architecture once per job: a second proposal does nothing
INSERT INTO search_trials (job_id, arch) SELECT :job, arch FROM trial_cells ORDER BY hash LIMIT 1
ON CONFLICT (job_id, arch) DO NOTHING;
COMMIT;
SELECT id - :t1 AS n, status, acc, worker, attempts, claimed_at, lease_until, reported_at, info, error,
       proposed_at = (SELECT submitted_at FROM search_jobs WHERE id = :job) AS proposed_now
FROM search_trials WHERE job_id = :job ORDER BY id;
SELECT status, trials_proposed, trials_claimed, trials_done, trials_failed, best_acc, worker_pid
FROM search_activity WHERE id = :job;

-- ---- claims: the oldest proposed trial, for a lease (ctnas.trial_lease: 1 hour) ---------------
SELECT trial = :t1 AS oldest, job = :job AS of_job,
       arch = (SELECT arch FROM trial_cells ORDER BY hash LIMIT 1) AS its_arch
FROM trial_claim('gpu-1');
SELECT status, worker, attempts, lease_until - claimed_at AS lease, claimed_at > proposed_at AS claimed_later
FROM search_trials WHERE id = :t1;
-- two claims in one statement get two trials; a third finds none of the job's left (no row, no error)
SELECT trial - :t1 AS n, job = :job AS of_job FROM trial_claim('gpu-2')
UNION ALL SELECT trial - :t1, job = :job FROM trial_claim('gpu-3')
UNION ALL SELECT trial - :t1, job = :job FROM trial_claim('gpu-4', :job);
SELECT count(*) AS claimed_again FROM trial_claim('gpu-5');

-- ---- reports ----------------------------------------------------------------------------------
SELECT trial_report(:t1, 0.9375, '{"epochs": 108, "host": "gpu-1"}');
SELECT status, acc, info->>'host' AS host, reported_at >= claimed_at AS reported_after_claim, lease_until FROM search_trials WHERE id = :t1;
-- errors change nothing
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT trial_report($$ || :t1 || $$, 0.5)::text$$),
  ($$SELECT trial_fail($$ || :t1 || $$, 'oom')$$),
  ($$SELECT trial_report($$ || :t2 || $$, 'NaN')::text$$),
  ($$SELECT trial_report($$ || :t2 || $$, '-Infinity')::text$$),
  ($$SELECT trial_report($$ || :t2 || $$, NULL)::text$$),
  ($$SELECT trial_report(NULL, 0.5)::text$$),
  ($$SELECT trial_fail($$ || :t2 || $$, NULL)$$),
  ($$SELECT trial_report(987654321, 0.5)::text$$),
  ($$SELECT trial_fail(987654321, 'x')$$),
  ($$SELECT count(*)::text FROM trial_claim(NULL, 987654321)$$),
  ($$SET ctnas.trial_lease = 'soon'$$),
  ($$SET ctnas.trial_lease = '-1 hour'$$),
  ($$SET ctnas.trial_lease = '0'$$),
  ($$SET ctnas.trial_max_attempts = 0$$)
) t(q);
SHOW ctnas.trial_lease;
SET ctnas.trial_lease = 'P1DT2H';		-- (ISO 8601 too)
SHOW ctnas.trial_lease;
RESET ctnas.trial_lease;
SELECT id - :t1 AS n, status, acc, attempts, error FROM search_trials WHERE job_id = :job ORDER BY id;
-- the table refuses what the functions refuse (the message only: the detail shows the row, with times)
SELECT split_part(pg_temp.try(q), ' / ', 1) FROM (VALUES
  ($$UPDATE search_trials SET acc = 'NaN' WHERE id = $$ || :t1),
  ($$UPDATE search_trials SET status = 'proposed' WHERE id = $$ || :t1),
  ($$UPDATE search_trials SET lease_until = NULL WHERE id = $$ || :t2),
  ($$UPDATE search_trials SET attempts = -1 WHERE id = $$ || :t2),
  ($$UPDATE search_trials SET status = 'lost' WHERE id = $$ || :t2)
) t(q);

-- ---- failures: back to proposed while claims < max_attempts (ctnas.trial_max_attempts: 3), then failed
SELECT trial_fail(:t2, 'CUDA out of memory') AS after_attempt_1;
SELECT status, worker, attempts, lease_until, error FROM search_trials WHERE id = :t2;
SELECT pg_temp.try($$SELECT trial_report($$ || :t2 || $$, 0.5)::text$$) AS not_claimed;
SELECT trial - :t1 AS reclaimed FROM trial_claim('gpu-6');
SELECT trial_fail(:t2, 'CUDA out of memory') AS after_attempt_2;
SELECT trial - :t1 AS reclaimed FROM trial_claim('gpu-7');
SELECT trial_fail(:t2, 'loss is NaN') AS after_attempt_3;
SELECT status, attempts, lease_until, reported_at >= claimed_at AS given_up_after_claim, error FROM search_trials WHERE id = :t2;
SELECT pg_temp.try($$SELECT trial_report($$ || :t2 || $$, 0.5)::text$$) AS failed_for_good;
SELECT status, trials_proposed, trials_claimed, trials_done, trials_failed, best_acc FROM search_activity WHERE id = :job;
-- a waiting job is not ended: search_wait waits on it (here, until its timeout)
SELECT status FROM search_wait(:job, '0.2 s');

-- ---- an expired lease: others may claim the trial; the first report of it counts -------------
SET ctnas.trial_lease = '1 ms';
SELECT trial_fail(:t3, 'preempted') AS t3_back;
SELECT trial - :t1 AS n FROM trial_claim('slow-gpu');
SELECT pg_sleep(0.05);
RESET ctnas.trial_lease;
SELECT trial - :t1 AS n, job = :job AS of_job FROM trial_claim('fast-gpu');
SELECT status, worker, attempts, lease_until - claimed_at AS lease FROM search_trials WHERE id = :t3;
-- a worker that names itself fails only its own claim: the slow machine cannot undo the fast one's
SELECT pg_temp.try($$SELECT trial_fail($$ || :t3 || $$, 'timeout', 'slow-gpu')$$) AS slow_fails_fasts;
SELECT status, worker, attempts, error FROM search_trials WHERE id = :t3;
-- the slow machine's report still comes first (the trial is still claimed): it is the one recorded,
-- and it closes the job's last open trial: the job is queued again and a worker resumes it
BEGIN;
SELECT trial_report(:t3, 0.9125, '{"host": "slow-gpu"}');
SELECT status, finished_at FROM search_jobs WHERE id = :job;
COMMIT;
SELECT pg_temp.try($$SELECT trial_report($$ || :t3 || $$, 0.93)::text$$) AS fast_report;
SELECT acc, info->>'host' AS host FROM search_trials WHERE id = :t3;
-- (the worker runs the job; with "evaluator" absent, a random search over the oracle)
SELECT status, error, started_at < finished_at AS kept_start FROM search_wait(:job, '1 min');
SELECT count(*) FILTER (WHERE NOT final) AS steps, count(*) FILTER (WHERE final) AS finals FROM search_results WHERE job_id = :job;
-- the job's trials stay as they were (only open ones are cancelled when a job ends)
SELECT id - :t1 AS n, status, acc, attempts FROM search_trials WHERE job_id = :job ORDER BY id;
SELECT count(*) AS active FROM search_activity WHERE id = :job;

-- ---- the job's options: "lease" and "max_attempts" ------------------------------------------------
\set job2 902
\set job3 903
\set job4 904
INSERT INTO search_jobs (id, method, oracle, budget, options, status)
VALUES (:job2, 'random', '"public"."trial_cells"', 5, '{"lease": "2 hours", "max_attempts": 1}', 'waiting'),
       (:job3, 'random', '"public"."trial_cells"', 5, '{"lease": "1 ms", "max_attempts": 1}', 'waiting'),
       (:job4, 'random', '"public"."trial_cells"', 5, '{"lease": "soon", "max_attempts": 0}', 'waiting');
INSERT INTO search_trials (id, job_id, arch)
SELECT j * 10 + row_number() OVER (PARTITION BY j ORDER BY hash DESC), j, arch
FROM unnest(ARRAY[:job2, :job3, :job4]) j, LATERAL (SELECT * FROM trial_cells ORDER BY hash DESC LIMIT 2) c;
SELECT trial AS j2a FROM trial_claim('gpu-1', :job2) \gset
SELECT lease_until - claimed_at AS lease FROM search_trials WHERE id = :j2a;
SELECT trial_fail(:j2a, 'diverged') AS one_attempt_only;
-- a lease that expires on the last attempt fails the trial when someone next claims (machines die on it)
SELECT trial AS j3a FROM trial_claim('gpu-1', :job3) \gset
SELECT pg_sleep(0.05);
SELECT trial - :j3a AS next_one FROM trial_claim('gpu-2', :job3);
SELECT status, attempts, error FROM search_trials WHERE id = :j3a;
-- a hand-written job row with bad options: the settings apply, and a WARNING says so
SELECT trial IS NOT NULL AS claimed FROM trial_claim('gpu-1', :job4);
SELECT lease_until - claimed_at AS lease FROM search_trials WHERE job_id = :job4 AND status = 'claimed' LIMIT 1;
SELECT trial_fail(trial, 'x') AS retried FROM (SELECT id AS trial FROM search_trials WHERE job_id = :job4 AND status = 'claimed' LIMIT 1) t;
-- trials of ended or queued jobs are not claimed
UPDATE search_jobs SET status = 'queued' WHERE id = :job4;
SELECT count(*) AS of_queued_job FROM trial_claim(job => :job4);
UPDATE search_jobs SET status = 'waiting' WHERE id = :job4;

-- ---- another role sees nothing of alice's trials and can do nothing with them; her machine can ---
SET ROLE ctnas_trials_bob;
SELECT count(*) AS bob_sees FROM search_trials;
SELECT count(*) AS bob_claims FROM trial_claim('bob');
SELECT q, pg_temp.try(q) FROM (VALUES
  ($$SELECT count(*)::text FROM trial_claim('bob', $$ || :job2 || $$)$$),
  ($$SELECT trial_report(9022, 0.5)::text$$),
  ($$SELECT trial_fail(9022, 'x')$$),
  ($$INSERT INTO search_trials (job_id, arch) VALUES ($$ || :job2 || $$, '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|')$$)
) t(q);
WITH u AS (UPDATE search_trials SET status = 'cancelled' RETURNING 1) SELECT count(*) AS bob_updated FROM u;
-- bob's own external search: his trials are his (alice and her machine neither see nor claim them)
INSERT INTO search_jobs (id, method, oracle, budget, options, status) VALUES (906, 'random', '"public"."trial_cells"', 5, '{}', 'waiting');
INSERT INTO search_trials (id, job_id, arch) SELECT 9061, 906, arch FROM trial_cells ORDER BY hash LIMIT 1;
SELECT count(*) AS bob_sees_his FROM search_trials;
SET ROLE ctnas_trials_alice;
SELECT pg_temp.try($$SELECT count(*)::text FROM trial_claim('alice', 906)$$) AS alice_claims_bobs;
SELECT count(*) AS alice_sees_bobs FROM search_trials WHERE job_id = 906;
SET ROLE ctnas_trials_bob;
SELECT trial, job FROM trial_claim('bob');
SET ROLE ctnas_trials_gpu;
SELECT job = :job2 AS of_job2, trial = :j2a + 1 AS trial FROM trial_claim('gpu-9', :job2);
SET ROLE ctnas_trials_alice;

-- ---- a waiting job is cancelled at once, with its open trials; reports on them are errors ------
SELECT search_cancel(:job2) AS cancelled;
SELECT status, cancel_requested, finished_at IS NOT NULL AS finished FROM search_jobs WHERE id = :job2;
SELECT id - :j2a AS n, status, attempts, lease_until FROM search_trials WHERE job_id = :job2 ORDER BY id;
SELECT pg_temp.try($$SELECT trial_report(9022, 0.5)::text$$) AS report_after_cancel;
-- any path to an ended status cancels the open trials (a trigger): here, the owner marks the job failed
UPDATE search_jobs SET status = 'failed', error = 'given up', finished_at = now() WHERE id = :job3;
SELECT status, count(*) FROM search_trials WHERE job_id = :job3 GROUP BY 1 ORDER BY 1;

-- ---- keys: ids from a sequence (kept when given, as a restore), proposal times from the clock ---
INSERT INTO search_trials (id, job_id, arch, proposed_at)
SELECT 1000000, :job4, arch, '2000-01-01' FROM trial_cells ORDER BY hash LIMIT 1;
INSERT INTO search_trials (job_id, arch) SELECT :job4, arch FROM trial_cells ORDER BY hash LIMIT 1 OFFSET 1
RETURNING id > 1000000 AS after_given, proposed_at > '2001-01-01' AS now;
SELECT id, proposed_at > '2001-01-01' AS a_plain_role_proposes_now FROM search_trials WHERE id = 1000000;
SELECT pg_temp.try($$INSERT INTO search_trials (id, job_id, arch) SELECT 4611686018427387904, $$ || :job4 || $$, arch FROM trial_cells LIMIT 1$$);
-- an ended job a plain role sets waiting is submitted now (it would be queued when its trials are in)
\set job5 905
INSERT INTO search_jobs (id, method, oracle, budget, options, status, submitted_at, finished_at)
VALUES (:job5, 'random', '"public"."trial_cells"', 5, '{"acc_column": "test_acc_run0"}', 'succeeded', '2000-01-01', '2000-01-02');
SELECT submitted_at < '2001-01-01' AS ended_keeps_its_time FROM search_jobs WHERE id = :job5;
UPDATE search_jobs SET status = 'waiting', finished_at = NULL WHERE id = :job5;
SELECT submitted_at > '2001-01-01' AS waiting_again_submitted_now FROM search_jobs WHERE id = :job5;

-- ---- a waiting job whose trials are all in (a crash between a report and its worker's start) -----
-- resumes with search_recover() (or the launcher)
INSERT INTO search_trials (job_id, arch, status, acc) SELECT :job5, arch, 'done', 0.9 FROM trial_cells LIMIT 1;
SELECT search_recover() >= 1 AS recovered;
SELECT status, error FROM search_wait(:job5, '1 min');

-- ---- the API in ctnas.help() -----------------------------------------------------------------------
SELECT call FROM help() WHERE task = 'trials' ORDER BY call;

RESET ROLE;
DELETE FROM search_jobs WHERE owner IN ('ctnas_trials_alice', 'ctnas_trials_bob');
SELECT count(*) AS trials_left FROM search_trials;
DROP TABLE trial_cells;
DROP ROLE ctnas_trials_gpu, ctnas_trials_alice, ctnas_trials_bob;
