# Search jobs in background workers, without the launcher: submit runs in the
# caller's transaction, results equal the SQL function's, errors, cancel,
# time limit, worker slots, row-level security, kill -9 and restarts.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('jobs');
$node->init;
$node->append_conf('postgresql.conf', "max_worker_processes = 16\nrestart_after_crash = on\n");
$node->start;
load_sample($node, 'GRANT SELECT ON nb101 TO PUBLIC;');

my ($small, $long) = ($SMALL, $LONG);
sub submit { return job_submit($node, $_[0]); }
sub wait_status { return job_wait($node, $_[0], '120 s'); }

# ---- a job gives exactly what the SQL function gives -------------------------
my $id = submit("'nb101', 60, '$small'");
is(wait_status($id), 'succeeded', 'a submitted ctnas job succeeds');
is($node->safe_psql('postgres', qq{
	SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step) FROM ctnas.search_results WHERE job_id = $id AND NOT final)
	     = (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step) FROM ctnas.ctnas_search('nb101', 60, '$small') WHERE NOT final)
	   AND (SELECT ctnas.archgraph_hash(arch) || acc || nac_score FROM ctnas.search_results WHERE job_id = $id AND final)
	     = (SELECT ctnas.archgraph_hash(arch) || acc || nac_score FROM ctnas.ctnas_search('nb101', 60, '$small') WHERE final)}),
	't', 'its queried cells, final cell, accuracy and NAC score equal ctnas_search\'s');
like($node->safe_psql('postgres', "SELECT progress FROM ctnas.search_jobs WHERE id = $id"),
	qr/"phase": "done".*"queries": 60/, 'progress says done, 60 queries');
my $eid = submit("'nb101', 40, '{\"seed\": 2, \"acc_column\": \"test_acc_run0\"}', 'evolution'");
is(wait_status($eid), 'succeeded', 'an evolution job succeeds');
is($node->safe_psql('postgres', qq{
	SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST) FROM ctnas.search_results WHERE job_id = $eid)
	     = (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST)
	        FROM ctnas.evolution_search('nb101', 40, '{"seed": 2, "acc_column": "test_acc_run0"}'))}),
	't', 'with the rows of evolution_search');

# ---- transactions: the worker waits for the commit; an aborted submit leaves nothing --------
my $before = $node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.search_jobs');
$node->safe_psql('postgres', qq{BEGIN; SELECT ctnas.search_submit('nb101', 30, '$small'); ROLLBACK;});
$node->safe_psql('postgres', qq{BEGIN; SAVEPOINT s; SELECT ctnas.search_submit('nb101', 30, '$small'); ROLLBACK TO s; COMMIT;});
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'}),
	'the workers of aborted submits exit');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.search_jobs'), $before, 'and no job is left behind');
my $s = $node->background_psql('postgres');
$s->query_safe('BEGIN');
my $tid = $s->query_safe(qq{SELECT ctnas.search_submit('nb101', 30, '$small')});
sleep 1;
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_jobs WHERE id = $tid"), '0',
	'a job is invisible until its submit commits');
$s->query_safe('COMMIT');
$s->quit;
is(wait_status($tid), 'succeeded', 'and runs once it has committed');

# ---- bad input at submit: clear errors, nothing recorded --------------------------
my ($ret, $out, $err) = $node->psql('postgres', qq{
	CREATE TEMP TABLE t AS SELECT arch, test_acc_run0 AS acc FROM nb101;
	SELECT ctnas.search_submit('t', 30)});
like($err, qr/the oracle of a search job cannot be a temporary table/, 'a temporary oracle is refused');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas.search_submit('nb101', 30, '{"acc_column": "test_acc_run0"}', 'bayes')});
like($err, qr/unknown search method "bayes"/, 'an unknown method is refused');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas.search_submit('nb101', 30, '{"acc_column": "test_acc_run0", "resume": 1}')});
like($err, qr/"resume" must be true or false/, 'a bad job option is refused');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas.search_submit('nb101', 30, '{"acc_column": "nope"}')});
like($err, qr/has no column "nope"/, 'the oracle is checked at submit');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.search_jobs'), $before + 1, 'none of them recorded a job');

# ---- an ERROR inside a job: failed with the message; other jobs go on ---------------
$node->safe_psql('postgres', qq{SET client_min_messages = warning;
	INSERT INTO ctnas.models(name, weights) SELECT 'taken', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 2}') FROM nb101 LIMIT 50});
($ret, $out, $err) = $node->psql('postgres', qq{SELECT ctnas.search_submit('nb101', 30, '{"acc_column": "test_acc_run0", "save_model": "taken"}')});
like($err, qr/model "taken" already exists/, 'a save_model name that is taken is refused at submit, not after the work');
# an oracle that fails only inside the worker
my $fail = submit(q{$$SELECT arch, CASE WHEN current_setting('application_name') LIKE 'ctnas search job%' THEN test_acc_run0 / 0
	ELSE test_acc_run0 END AS acc FROM nb101$$, 30, '{"acc_column": "acc"}', 'random'});
my $ok = submit("'nb101', 30, '$small'");
is(wait_status($fail), 'failed', 'a job whose oracle fails in the worker fails');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_jobs WHERE id = $fail"),
	qr/division by zero/, 'with the message');
is(wait_status($ok), 'succeeded', 'the job beside it succeeds');

# ---- cancel: within a second, even during a long step -------------------------------
my $cid = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' AND progress IS NOT NULL FROM ctnas.search_jobs WHERE id = $cid");
$node->safe_psql('postgres', "BEGIN; SELECT ctnas.search_cancel($cid); ROLLBACK;");
$node->safe_psql('postgres', "BEGIN; SAVEPOINT a; SELECT ctnas.search_cancel($cid); ROLLBACK TO a; COMMIT;");
sleep 1;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $cid"), 'running',
	'a cancel rolled back (with its transaction or its savepoint) does not stop the job');
my $t0 = time();
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($cid)"), 't', 'search_cancel accepts a running job');
is(wait_status($cid), 'cancelled', 'the job ends cancelled');
my $took = time() - $t0;
ok($took < 10, sprintf('promptly (%.2f s incl. the wait call; the bound is loose so a slow machine does not fail, the job would run for hours)', $took));
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($cid)"), 'f', 'cancelling an ended job changes nothing');
($ret, $out, $err) = $node->psql('postgres', 'SELECT ctnas.search_cancel(999999)');
like($err, qr/search job 999999 does not exist/, 'an unknown job is an error');

# ---- several jobs side by side, and no locks held on the oracle or ctnas.models --------------
my $j1 = submit("'nb101', 50, '$long'");
my $j2 = submit(qq{'nb101', 50, '{"recipe": "paper", "seed": 2, "acc_column": "test_acc_run0", "iterations": 10000000}'});
ok($node->poll_query_until('postgres', qq{SELECT count(*) = 2 FROM ctnas.search_jobs
	WHERE id IN ($j1, $j2) AND status = 'running' AND (progress->>'phase') = 'search'}),
	'two jobs run side by side');
is($node->safe_psql('postgres', q{SELECT count(DISTINCT pid) FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'}),
	'2', 'each in its own worker');
is($node->safe_psql('postgres', q{BEGIN; LOCK TABLE nb101 IN ACCESS EXCLUSIVE MODE NOWAIT;
	LOCK TABLE ctnas.models IN ACCESS EXCLUSIVE MODE NOWAIT; SELECT 'free'; COMMIT;}),
	'free', 'running jobs hold no lock on the oracle table or on ctnas.models');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($j1), ctnas.search_cancel($j2)");
is(wait_status($j1) . wait_status($j2), 'cancelledcancelled', 'both are cancelled');

# ---- time limit -----------------------------------------------------------------
my $lid = submit(qq{'nb101', 50, '{"recipe": "paper", "acc_column": "test_acc_run0", "time_limit": 1}'});
is(wait_status($lid), 'failed', 'a job over its time limit fails');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_jobs WHERE id = $lid"),
	qr/exceeded its time limit of 1 s/, 'saying so');

# ---- worker slots: without the launcher a submit beyond them fails, leaving nothing ----------
$node->safe_psql('postgres', "LOAD 'ctnas'; ALTER SYSTEM SET ctnas.max_search_workers = 1");
$node->reload;
$node->poll_query_until('postgres', q{SELECT current_setting('ctnas.max_search_workers', true) = '1'}) or die 'the setting did not take';
my $busy = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $busy");
my $count = $node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.search_jobs');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.search_submit('nb101', 30, '$small')");
like($err, qr/all 1 search worker slots are busy/, 'a submit with no free slot fails');
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs}), $count, 'and records no job');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.search_submit('nb101', 30, '$small')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/53400/, 'with SQLSTATE 53400');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($busy)");
is(wait_status($busy), 'cancelled', 'the busy job is cancelled');
$node->safe_psql('postgres', "LOAD 'ctnas'; ALTER SYSTEM SET ctnas.max_search_workers = 4");
$node->reload;

# ---- row-level security: a role sees and cancels only its own jobs ----------------------
$node->safe_psql('postgres', q{CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE team; GRANT team TO bob;});
my $aid = $node->safe_psql('postgres', "SELECT ctnas.search_submit('nb101', 50, '$long')",
	extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $aid");
is($node->safe_psql('postgres', "SELECT owner FROM ctnas.search_jobs WHERE id = $aid"), 'alice', 'the job belongs to alice');
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_workers w JOIN pg_stat_activity a USING (pid) WHERE w.job_id = $aid AND a.backend_type = 'ctnas search worker'"),
	'1', 'and its worker has recorded itself');
is($node->safe_psql('postgres', 'SET ROLE bob; SELECT count(*) FROM ctnas.search_jobs'), '0', 'bob does not see it');
($ret, $out, $err) = $node->psql('postgres', "SET ROLE bob; SELECT ctnas.search_cancel($aid)");
like($err, qr/search job $aid does not exist/, 'nor can bob cancel it');
is($node->safe_psql('postgres', 'SET ROLE bob; SELECT count(*) FROM ctnas.search_activity'), '0', 'nor see it in search_activity');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.search_activity WHERE owner = \'alice\''), '1',
	'a superuser sees it in search_activity');
my $tj = $node->safe_psql('postgres', "SET ROLE team; SELECT ctnas.search_submit('nb101', 30, '$small')");
is($node->safe_psql('postgres', "SET ROLE bob; SELECT count(*) FROM ctnas.search_jobs WHERE id = $tj"), '1',
	'a member of the owning role sees its jobs');
is($node->safe_psql('postgres', "SET ROLE alice; SELECT ctnas.search_cancel($aid)"), 't', 'alice cancels her job');
is(wait_status($aid), 'cancelled', 'which ends cancelled');
is(wait_status($tj), 'succeeded', 'the job of team (NOLOGIN, reached by SET ROLE) succeeds');

# ---- kill -9 of a worker: the server restarts, the job ends failed with a reason ---------------
my $kid = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' AND progress IS NOT NULL FROM ctnas.search_jobs WHERE id = $kid");
my $wpid = $node->safe_psql('postgres', "SELECT pid FROM ctnas.search_workers WHERE job_id = $kid");
kill 'KILL', $wpid;
$node->poll_query_until('postgres', 'SELECT true') or die;
is(wait_status($kid), 'failed', 'after kill -9 of its worker (and the crash restart of every backend) the job is failed');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_status($kid)"),
	qr/the search worker \(pid $wpid\) ended without recording an outcome/, 'with the reason');

# ---- a restart while a job runs: the same ----------------------------------------
my $rid = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $rid");
$node->restart;
is(wait_status($rid), 'failed', 'a job running at a restart ends failed');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_status($rid)"),
	qr/the server restarted while the job ran/, 'saying the server restarted (its postmaster start time is older)');

# ---- a worker terminated (SIGTERM): failed, not left running ------------------------
my $xid = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $xid");
$node->safe_psql('postgres', "SELECT pg_terminate_backend(pid) FROM ctnas.search_workers WHERE job_id = $xid");
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'});
is(wait_status($xid), 'failed', 'a terminated worker\'s job ends failed');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_status($xid)"),
	qr/ended without recording an outcome/, 'saying the worker ended without an outcome');
is($node->safe_psql('postgres', "SELECT ctnas.search_recover(); SELECT status FROM ctnas.search_jobs WHERE id = $xid"),
	"1\nfailed", 'search_recover counts the job it marked failed, and the row itself says so now');

# ---- without the launcher, a resumable job killed mid-search resumes on search_recover ------------
my ($resumable, $plain) = ($RESUMABLE, $RESUMABLE_PLAIN);
my $zid = submit("'nb101', 60, '$resumable'");
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_checkpoints WHERE job_id = $zid");
kill 'KILL', $node->safe_psql('postgres', "SELECT pid FROM ctnas.search_workers WHERE job_id = $zid");
$node->poll_query_until('postgres', 'SELECT true') or die;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_status($zid)"), 'queued', 'a killed resumable job shows as queued');
$node->safe_psql('postgres', 'SELECT ctnas.search_recover()');
is(wait_status($zid), 'succeeded', 'search_recover restarts it from its checkpoint');
is($node->safe_psql('postgres', qq{
	SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST) FROM ctnas.search_results WHERE job_id = $zid)
	     = (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST) FROM ctnas.ctnas_search('nb101', 60, '$plain'))}),
	't', 'with the uninterrupted result');

# ---- rows are the user's to write, so nothing in them may reach further than the user ------------
# (the attacks of the security review; the launcher's share is in 004, the schema and roles in 005)
$node->safe_psql('postgres', q{CREATE ROLE carol LOGIN; CREATE ROLE dave LOGIN; CREATE ROLE crew; GRANT crew TO carol, dave;
	GRANT SELECT ON nb101 TO PUBLIC;});
my $victim = $node->safe_psql('postgres', "SELECT ctnas.search_submit('nb101', 50, '$long')", extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_workers WHERE job_id = $victim AND claimed");
my ($vpid, $vstart) = split /\|/, $node->safe_psql('postgres', "SELECT pid, backend_start FROM ctnas.search_workers WHERE job_id = $victim");
# slots are counted across roles: carol does not see alice's worker, but her submit counts it
$node->safe_psql('postgres', "LOAD 'ctnas'; ALTER SYSTEM SET ctnas.max_search_workers = 1");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
$node->poll_query_until('postgres', q{SELECT current_setting('ctnas.max_search_workers', true) = '1'}) or die 'the setting did not take';
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'},
	extra_params => [ '-U', 'carol' ]), '0', 'carol cannot see alice\'s worker in pg_stat_activity');
($ret, $out, $err) = $node->psql('postgres', qq{SELECT ctnas.search_submit('nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'carol' ]);
like($err, qr/all 1 search worker slots are busy/, 'yet with ctnas.max_search_workers = 1 her submit finds the slot taken');
$node->safe_psql('postgres', "LOAD 'ctnas'; ALTER SYSTEM SET ctnas.max_search_workers = 4");
$node->safe_psql('postgres', 'SELECT pg_reload_conf()');
$node->poll_query_until('postgres', q{SELECT current_setting('ctnas.max_search_workers', true) = '4'}) or die 'the setting did not come back';
# a worker's record is not the user's: no writes, not even to one's own job's row
($ret, $out, $err) = $node->psql('postgres', "INSERT INTO ctnas.search_workers VALUES (1, $vpid, '$vstart', now(), true)",
	extra_params => [ '-U', 'carol' ]);
like($err, qr/permission denied for table search_workers/, 'a role cannot record a worker');
($ret, $out, $err) = $node->psql('postgres', "UPDATE ctnas.search_workers SET pid = $vpid", extra_params => [ '-U', 'alice' ]);
like($err, qr/permission denied for table search_workers/, 'not even for its own job');
# a job row naming alice's worker's pid and start (the 0.1.0 attack) gives carol nothing: the row has no such columns,
# and cancelling her own forged running job signals only a worker recorded for that very job
my $forged = $node->safe_psql('postgres', q{INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status)
	VALUES ('random', 'public.nb101', 5, '{}', 'running') RETURNING id}, extra_params => [ '-U', 'carol' ]);
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($forged)", extra_params => [ '-U', 'carol' ]), 't',
	'carol cancels her forged running job');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.search_worker_alive($vpid, '$vstart')", extra_params => [ '-U', 'carol' ]);
like($err, qr/function ctnas.search_worker_alive\(integer, unknown\) does not exist/,
	'and cannot probe for the start time of another role\'s worker (the function is gone)');
sleep 1;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $victim"), 'running', 'alice\'s job runs on');
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_status($forged)", extra_params => [ '-U', 'carol' ]), 'failed',
	'and the forged job, having no worker, shows as failed');

# ---- review findings: ids, worker records, checkpoints -------------------------------------------
# ids a role writes by hand are kept (an owner restoring its dump gets its jobs back with their results),
# but the sequence skips them: taking the ids it hands out next fails nobody's submit
my $next = $node->safe_psql('postgres', 'SELECT last_value + 1 FROM ctnas.search_jobs_id_seq');
$node->safe_psql('postgres', qq{INSERT INTO ctnas.search_jobs (id, method, oracle, budget, options, status, submitted_at)
	SELECT g, 'random', 'x', 1, '{}', 'succeeded', '2000-01-01' FROM generate_series($next, $next + 20) g},
	extra_params => [ '-U', 'carol' ]);
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_jobs WHERE oracle = 'x'
	AND id BETWEEN $next AND $next + 20 AND submitted_at = '2000-01-01'"),
	'21', 'the ids (and submission times) of ended jobs a role inserts are kept, as a restore needs');
my $after_forge = $node->safe_psql('postgres', qq{SELECT ctnas.search_submit('nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'bob' ]);
ok($after_forge > $next + 20, "so another role's submit skips them (id $after_forge)");
($ret, $out, $err) = $node->psql('postgres', q{INSERT INTO ctnas.search_jobs (id, method, oracle, budget, options, status)
	VALUES (9223372036854775806, 'random', 'x', 1, '{}', 'succeeded')}, extra_params => [ '-U', 'carol' ]);
like($err, qr/search job id 9223372036854775806 is out of range/, 'a role cannot use up the sequence with a huge id');
is($node->safe_psql('postgres', 'SELECT last_value < 1000 FROM ctnas.search_jobs_id_seq'), 't', 'which stays where it was');
is(wait_status($after_forge), 'succeeded', 'and runs');
# a queued job a role inserts is submitted now, whatever it says: no jumping the queue
my $early = $node->safe_psql('postgres', q{INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status, submitted_at, cancel_requested)
	VALUES ('random', 'x', 1, '{}', 'queued', '2000-01-01', true) RETURNING submitted_at > now() - interval '1 minute'},
	extra_params => [ '-U', 'carol' ]);
is($early, 't', 'a queued job inserted with an old submission time is submitted now');
is($node->safe_psql('postgres', q{UPDATE ctnas.search_jobs SET status = 'queued', cancel_requested = true
	WHERE oracle = 'x' AND id = (SELECT min(id) FROM ctnas.search_jobs WHERE oracle = 'x')
	RETURNING submitted_at > now() - interval '1 minute'}, extra_params => [ '-U', 'carol' ]),
	't', 'and so is an ended one a role queues again');
$node->safe_psql('postgres', "UPDATE ctnas.search_jobs SET id = -1 WHERE oracle = 'x'", extra_params => [ '-U', 'carol' ]);
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_jobs WHERE id < 0"), '0', 'nor can it change an id later (to jump the queue)');
$node->safe_psql('postgres', "DELETE FROM ctnas.search_jobs WHERE oracle = 'x'", extra_params => [ '-U', 'carol' ]);
# forgetting one's worker is not allowed either (it would let a second worker start beside the first)
($ret, $out, $err) = $node->psql('postgres', "DELETE FROM ctnas.search_workers WHERE job_id = $victim", extra_params => [ '-U', 'alice' ]);
like($err, qr/permission denied for table search_workers/, 'a role cannot delete its job\'s worker record');
# a running job set back to queued by its owner does not get a second worker
$node->safe_psql('postgres', "UPDATE ctnas.search_jobs SET status = 'queued' WHERE id = $victim", extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', 'SELECT ctnas.search_recover()', extra_params => [ '-U', 'alice' ]);
sleep 1;
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ctnas search job $victim'"), '1',
	'a job its owner set back to queued while its worker runs gets no second worker');
$node->safe_psql('postgres', "UPDATE ctnas.search_jobs SET status = 'running' WHERE id = $victim", extra_params => [ '-U', 'alice' ]);

# ---- a job runs as its owner and cannot leave that role (RESET ROLE, SET ROLE, SET SESSION AUTHORIZATION) ----
# bob's oracle function tries every way back to a more privileged role, but only inside a search worker
# (an administrator submits it under SET ROLE bob, as a schedule would be made)
$node->safe_psql('postgres', q{
	CREATE TABLE public.admin_secret (s text); INSERT INTO public.admin_secret VALUES ('top secret');
	CREATE TABLE public.carol_private (s text); INSERT INTO public.carol_private VALUES ('carol''s');
	ALTER TABLE public.carol_private OWNER TO carol;
	CREATE TABLE public.escape_log (who text, what text, outcome text);
	GRANT INSERT, SELECT ON public.escape_log TO PUBLIC;
	CREATE FUNCTION public.escaping_oracle() RETURNS TABLE (arch ctnas.archgraph, acc float8) LANGUAGE plpgsql AS $f$
	DECLARE
		attempts text[] := ARRAY['RESET ROLE', 'SET ROLE postgres', 'SET SESSION AUTHORIZATION postgres',
								 'SELECT set_config(''role'', ''postgres'', false)', 'SET ROLE carol',
								 'RESET SESSION AUTHORIZATION'];
		a text;
		got text;
	BEGIN
		IF current_setting('application_name') LIKE 'ctnas search job%' THEN
			INSERT INTO public.escape_log VALUES (current_user, 'start', session_user);
			FOREACH a IN ARRAY attempts LOOP
				BEGIN
					EXECUTE a;
					got := current_user;
					BEGIN
						SELECT s INTO got FROM public.admin_secret;
					EXCEPTION WHEN insufficient_privilege THEN NULL;
					END;
					INSERT INTO public.escape_log VALUES (current_user, a, 'succeeded: ' || got);
				EXCEPTION WHEN OTHERS THEN
					INSERT INTO public.escape_log VALUES (current_user, a, SQLERRM);
				END;
			END LOOP;
			BEGIN
				EXECUTE 'SELECT s FROM public.carol_private' INTO got;
				INSERT INTO public.escape_log VALUES (current_user, 'read carol_private', 'succeeded: ' || got);
			EXCEPTION WHEN OTHERS THEN
				INSERT INTO public.escape_log VALUES (current_user, 'read carol_private', SQLERRM);
			END;
		END IF;
		RETURN QUERY SELECT n.arch, n.test_acc_run0 FROM public.nb101 n;
	END $f$;
	GRANT EXECUTE ON FUNCTION public.escaping_oracle() TO PUBLIC;
	CREATE ROLE mallory LOGIN; GRANT mallory TO postgres;});
my $esc = $node->safe_psql('postgres', q{SET ROLE mallory;
	SELECT ctnas.search_submit('SELECT * FROM public.escaping_oracle()', 20, '{}', 'random')});
is(wait_status($esc), 'succeeded', 'a job submitted by a superuser under SET ROLE mallory runs');
is($node->safe_psql('postgres', q{SELECT who || ' / ' || outcome FROM public.escape_log WHERE what = 'start'}),
	'mallory / postgres', 'as mallory (its session is the bootstrap superuser\'s, as autovacuum\'s)');
is($node->safe_psql('postgres', q{SELECT count(*) FROM public.escape_log WHERE outcome LIKE 'succeeded%'}), '0',
	'no way out of the role succeeds') or diag($node->safe_psql('postgres', 'SELECT * FROM public.escape_log'));
is($node->safe_psql('postgres', q{SELECT count(*) FROM public.escape_log WHERE what <> 'start' AND what <> 'read carol_private'
	AND outcome ~ 'cannot set parameter "(role|session_authorization)" within security-restricted operation'}), '6',
	'each is refused as a security-restricted operation');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}), 'f', 'mallory is no superuser');
# a job of a group role runs as the group, never as the member that made it
$node->safe_psql('postgres', 'TRUNCATE public.escape_log');
my $grp = $node->safe_psql('postgres', q{SET ROLE crew; SELECT ctnas.search_submit('SELECT * FROM public.escaping_oracle()', 20, '{}', 'random')},
	extra_params => [ '-U', 'carol' ]);
is(wait_status($grp), 'succeeded', 'a job carol submits as the NOLOGIN group crew runs');
is($node->safe_psql('postgres', q{SELECT who || ': ' || outcome FROM public.escape_log WHERE what = 'read carol_private'}),
	'crew: permission denied for table carol_private', 'as crew: it cannot read carol\'s private table');
is($node->safe_psql('postgres', q{SELECT count(*) FROM public.escape_log WHERE outcome LIKE 'succeeded%'}), '0',
	'nor become carol');
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($victim)", extra_params => [ '-U', 'alice' ]), 't', 'alice cancels her job');
is(wait_status($victim), 'cancelled', 'which ends cancelled');

# ---- a checkpoint is the owner's to write: what it would allocate is checked before a resume ---------
use Compress::Zlib qw(crc32);
my $cpj = $node->safe_psql('postgres', qq{SELECT ctnas.search_submit('nb101', 60, '$resumable')}, extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_checkpoints WHERE job_id = $cpj");
my $state = pack('H*', $node->safe_psql('postgres', "SELECT encode(state, 'hex') FROM ctnas.search_checkpoints WHERE job_id = $cpj"));
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($cpj)", extra_params => [ '-U', 'alice' ]);
is(wait_status($cpj), 'cancelled', 'a resumable job of alice, cancelled after its first checkpoint');
# options after magic, version and the oracle's fingerprint: recipe, seed, space, iterations, derive_every,
# derive_samples, pseudo_every, pseudo_first, pseudo_pairs (little-endian)
substr($state, 32, 4) = pack('V', 7500);
substr($state, 44, 4) = pack('V', 1);
substr($state, 48, 4) = pack('V', 100000);
substr($state, 52, 4) = pack('V', 100000);
substr($state, -4) = pack('V', crc32(substr($state, 0, length($state) - 4)));
my $forged_job = $node->safe_psql('postgres', qq{INSERT INTO ctnas.search_jobs (method, oracle, budget, options)
	VALUES ('ctnas', 'public.nb101', 60, '$resumable') RETURNING id}, extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', "INSERT INTO ctnas.search_checkpoints (job_id, state) VALUES ($forged_job, '\\x" . unpack('H*', $state) . "')",
	extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', 'SELECT ctnas.search_recover()', extra_params => [ '-U', 'alice' ]);
is(wait_status($forged_job), 'failed', 'a job resumed from a checkpoint whose options would need terabytes fails');
like($node->safe_psql('postgres', "SELECT error FROM ctnas.search_jobs WHERE id = $forged_job"),
	qr/the CTNAS search would need [0-9.]+ GB of memory, more than ctnas.max_training_memory/, 'before it allocates, with the reason');

# ---- pg_dump keeps jobs, results and schedules; a new job gets a fresh id ------------------
$node->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('kept', '1 day', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')});
my $jobs_fp = q{SELECT count(*) || ' ' || md5(string_agg(id || status || coalesce(error, ''), ',' ORDER BY id)) FROM ctnas.search_jobs};
my $res_fp = q{SELECT count(*) || ' ' || md5(string_agg(job_id || ':' || coalesce(step, 0) || ctnas.archgraph_hash(arch), ',' ORDER BY job_id, step NULLS LAST)) FROM ctnas.search_results};
my ($jobs_want, $res_want) = ($node->safe_psql('postgres', $jobs_fp), $node->safe_psql('postgres', $res_fp));
my $dump = $node->basedir . '/jobs.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', $jobs_fp), $jobs_want, 'search jobs restored');
is($node->safe_psql('restored', $res_fp), $res_want, 'their results restored');
is($node->safe_psql('restored', q{SELECT name FROM ctnas.search_schedules}), 'kept', 'schedules restored');
my $next = $node->safe_psql('restored', "SELECT ctnas.search_submit('nb101', 20, '{\"acc_column\": \"test_acc_run0\"}', 'random')");
ok($next > $node->safe_psql('restored', 'SELECT max(id) FROM ctnas.search_jobs WHERE id <> ' . $next), 'a new job gets a fresh id');
is($node->safe_psql('restored', "SELECT status FROM ctnas.search_wait($next, '60 s')"), 'succeeded', 'and runs in the restored database');

# ---- DROP EXTENSION while a job runs: the job stops cleanly --------------------------
my $did = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $did");
$node->safe_psql('postgres', 'DROP EXTENSION ctnas CASCADE');
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'}),
	'DROP EXTENSION stops the running job\'s worker');
ok($node->log_contains(qr/ctnas search job $did stopped: the extension was dropped/), 'which says why in the log');
is($node->safe_psql('postgres', 'SELECT 1'), '1', 'and the server runs on');
# (schema ctnas stays, empty, as any schema CREATE EXTENSION made for an extension; ctnas_internal goes with it)
is($node->safe_psql('postgres', q{SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = 'ctnas_internal') || ' '
	|| (SELECT count(*) FROM pg_proc WHERE pronamespace = 'ctnas'::regnamespace) || ' '
	|| (SELECT count(*) FROM pg_class WHERE relnamespace = 'ctnas'::regnamespace) || ' '
	|| (SELECT count(*) FROM pg_type WHERE typnamespace = 'ctnas'::regnamespace)}),
	'0 0 0 0', 'DROP EXTENSION leaves neither schema ctnas_internal nor anything in schema ctnas');

$node->stop;
done_testing();
