# The ctnas launcher (ctnas in shared_preload_libraries): a queue when the
# worker slots are busy, jobs resumed from their checkpoint after kill -9 and
# after a restart (with the same result as an uninterrupted search),
# schedules, and the pg_cron way.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;

my $have_cron = -e '/usr/share/postgresql/15/extension/pg_cron.control';

my $node = PostgreSQL::Test::Cluster->new('launcher');
$node->init;
$node->append_conf('postgresql.conf', join("\n",
	"shared_preload_libraries = '" . ($have_cron ? 'pg_cron,ctnas' : 'ctnas') . "'",
	"ctnas.launcher_database = 'postgres'",
	"ctnas.max_search_workers = 1",
	"max_worker_processes = 16",
	"restart_after_crash = on",
	"cron.database_name = 'postgres'",
	"cron.use_background_workers = on", ''));
$node->start;
load_sample($node);
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ctnas launcher'}),
	'the launcher runs');

my ($small, $long) = ($SMALL, $LONG);
sub submit { return job_submit($node, $_[0]); }
sub wait_status { return job_wait($node, $_[0], '180 s'); }

# ---- the queue: with every slot busy a job waits, then starts when a slot frees ----------
my $busy = submit("'nb101', 50, '$long'");
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $busy");
my $queued = submit("'nb101', 60, '$small'");
sleep 2;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $queued"), 'queued',
	'with the only slot busy, a submit is queued (the launcher is there)');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($busy)");
is(wait_status($queued), 'succeeded', 'and runs when the slot frees');
is($node->safe_psql('postgres', qq{
	SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST) FROM ctnas.search_results WHERE job_id = $queued)
	     = (SELECT array_agg(ctnas.archgraph_hash(arch) ORDER BY step NULLS LAST) FROM ctnas.ctnas_search('nb101', 60, '$small'))}),
	't', 'with the result of ctnas_search');
my $qc = submit("'nb101', 50, '$long'");
my $qc2 = submit("'nb101', 50, '$long'");
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($qc2)"), 't', 'a queued job can be cancelled');
is(wait_status($qc2), 'cancelled', 'and ends at once');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($qc)");
is(wait_status($qc), 'cancelled', 'the running one too');

# ---- a user's odd row does not stop the launcher ---------------------------------
$node->safe_psql('postgres', q{INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status)
	VALUES ('random', 'public.nb101', 5, '{"resume": "x"}', 'running')});
my $after_odd = submit(qq{'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random'});
is(wait_status($after_odd), 'succeeded', 'a row with a malformed "resume" does not stop the launcher or other jobs');
ok($node->poll_query_until('postgres', q{SELECT status = 'failed' FROM ctnas.search_jobs WHERE options->>'resume' = 'x'}),
	'and the launcher records it as failed');

# ---- resume: kill -9 mid-search, the launcher resumes from the checkpoint -----------------
my ($resumable, $plain) = ($RESUMABLE, $RESUMABLE_PLAIN);
my $rid = submit("'nb101', 60, '$resumable'");
ok($node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_checkpoints WHERE job_id = $rid"),
	'a resumable job writes checkpoints');
my $wpid = $node->safe_psql('postgres', "SELECT pid FROM ctnas.search_workers WHERE job_id = $rid");
my $at = $node->safe_psql('postgres', "SELECT progress->>'steps' FROM ctnas.search_jobs WHERE id = $rid");
kill 'KILL', $wpid;
$node->poll_query_until('postgres', 'SELECT true') or die;
is(wait_status($rid), 'succeeded', "killed (-9) at step $at, the job is resumed by the launcher and succeeds");
ok($node->log_contains(qr/ctnas search job $rid resumed from its checkpoint/), 'the log says it resumed');
is($node->safe_psql('postgres', qq{
	SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) || coalesce(acc::text, '') ORDER BY step NULLS LAST)
	        FROM ctnas.search_results WHERE job_id = $rid)
	     = (SELECT array_agg(ctnas.archgraph_hash(arch) || coalesce(acc::text, '') ORDER BY step NULLS LAST)
	        FROM ctnas.ctnas_search('nb101', 60, '$plain'))}),
	't', 'its result equals an uninterrupted search\'s');
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_checkpoints"), '0', 'and its checkpoint is gone');

# ---- resume across a restart ---------------------------------------------------------
my $rid2 = submit("'nb101', 60, '$resumable'");
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_checkpoints WHERE job_id = $rid2");
$node->restart;
is(wait_status($rid2), 'succeeded', 'a resumable job running at a restart is resumed and succeeds');

# ---- schedules: the launcher submits them; at most one running job per schedule ------------
$node->safe_psql('postgres', qq{SELECT ctnas.search_schedule('quick', '1 second', 'nb101', 20,
	'{"acc_column": "test_acc_run0"}', 'random')});
ok($node->poll_query_until('postgres',
	q{SELECT count(*) >= 2 FROM ctnas.search_jobs WHERE schedule = 'quick' AND status = 'succeeded'}),
	'a schedule every second runs its job again and again');
is($node->safe_psql('postgres', q{SELECT owner FROM ctnas.search_jobs WHERE schedule = 'quick' LIMIT 1}), 'postgres',
	'as the schedule\'s owner');
is($node->safe_psql('postgres', q{SELECT ctnas.search_unschedule('quick')}), 't', 'search_unschedule removes it');
sleep 2;
my $n = $node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'quick'});
sleep 2;
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'quick'}), $n,
	'and no job is submitted after');
$node->safe_psql('postgres', qq{SELECT ctnas.search_schedule('slow', '1 second', 'nb101', 50, '$long')});
$node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM ctnas.search_jobs WHERE schedule = 'slow' AND status = 'running'});
sleep 3;
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'slow'}), '1',
	'a schedule whose job still runs submits no other');
$node->safe_psql('postgres', q{SELECT ctnas.search_unschedule('slow'); SELECT ctnas.search_cancel(id) FROM ctnas.search_jobs WHERE schedule = 'slow'});
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM ctnas.search_activity});
$node->restart;
$node->safe_psql('postgres', qq{SELECT ctnas.search_schedule('after_restart', '1 hour', 'nb101', 20,
	'{"acc_column": "test_acc_run0"}', 'random')});
$node->restart;
ok($node->poll_query_until('postgres',
	q{SELECT count(*) = 1 FROM ctnas.search_jobs WHERE schedule = 'after_restart' AND status = 'succeeded'}),
	'schedules survive restarts');

# ---- roles: slots are counted across roles, hand-made rows and recreated roles steer nothing -----
$node->safe_psql('postgres', q{CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE eve LOGIN;
	GRANT SELECT ON nb101 TO alice, bob, eve;});
my $alices = $node->safe_psql('postgres', "SELECT ctnas.search_submit('nb101', 50, '$long')", extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres', "SELECT status = 'running' FROM ctnas.search_jobs WHERE id = $alices");
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'},
	extra_params => [ '-U', 'bob' ]), '0', 'bob cannot see alice\'s worker in pg_stat_activity');
my $bobs = $node->safe_psql('postgres', qq{SELECT ctnas.search_submit('nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'bob' ]);
sleep 2;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $bobs"), 'queued',
	'yet his submit counts her worker against ctnas.max_search_workers = 1: queued');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'ctnas search worker'}), '1',
	'one worker runs');
# a job bob inserts by hand, naming alice's schedule, does not hold her schedule back
$node->safe_psql('postgres', q{INSERT INTO ctnas.search_jobs (method, oracle, budget, options, schedule)
	VALUES ('random', 'public.nb101', 5, '{"acc_column": "test_acc_run0"}', 'alices_daily')}, extra_params => [ '-U', 'bob' ]);
$node->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('alices_daily', '1 day', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'alice' ]);
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM ctnas.search_jobs WHERE schedule = 'alices_daily' AND owner = 'alice'}),
	'a queued job bob made naming alice\'s schedule does not stop the launcher submitting hers');
is($node->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('alices_daily', '1 day', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'bob' ]), 'alices_daily', 'bob may name a schedule of his own alike (names are per owner: no probing)');
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_schedules}, extra_params => [ '-U', 'bob' ]), '1',
	'and sees only his');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($alices)", extra_params => [ '-U', 'alice' ]);
is(wait_status($bobs), 'succeeded', 'when alice\'s job ends, bob\'s queued job runs');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM ctnas.search_jobs WHERE status IN ('queued', 'running')}),
	'and the rest of the queue drains');
$node->safe_psql('postgres', q{SELECT ctnas.search_unschedule('alices_daily')}, extra_params => [ '-U', 'alice' ]);
$node->safe_psql('postgres', q{SELECT ctnas.search_unschedule('alices_daily')}, extra_params => [ '-U', 'bob' ]);

# a row lock a role holds on its own job row does not stall the launcher for others
$node->safe_psql('postgres', q{INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status, cancel_requested)
	VALUES ('random', 'public.nb101', 5, '{"acc_column": "test_acc_run0"}', 'queued', true)}, extra_params => [ '-U', 'alice' ]);
my $locker = $node->background_psql('postgres', extra_params => [ '-U', 'alice' ]);
$locker->query_safe('BEGIN');
$locker->query_safe(q{SELECT id FROM ctnas.search_jobs WHERE status = 'queued' AND cancel_requested FOR UPDATE});
$node->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('bobs_often', '1 second', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'bob' ]);
ok($node->poll_query_until('postgres', q{SELECT count(*) >= 3 FROM ctnas.search_jobs WHERE schedule = 'bobs_often' AND status = 'succeeded'}),
	'while alice holds a lock on her job row, bob\'s schedule keeps running');
$locker->query_safe('COMMIT');
$locker->quit;
$node->safe_psql('postgres', q{SELECT ctnas.search_unschedule('bobs_often')}, extra_params => [ '-U', 'bob' ]);
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM ctnas.search_jobs WHERE status IN ('queued', 'running')}),
	'and once she lets go her cancelled job is ended too');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM ctnas.search_workers}),
	'the launcher removes the worker records of ended jobs');

# a role created under a dropped role's name inherits neither its schedules nor its jobs
$node->safe_psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('eves', '1 second', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'eve' ]);
ok($node->poll_query_until('postgres', q{SELECT count(*) >= 1 FROM ctnas.search_jobs WHERE schedule = 'eves' AND status = 'succeeded'}),
	'eve\'s schedule runs');
$node->safe_psql('postgres', q{DROP OWNED BY eve; DROP ROLE eve; CREATE ROLE eve LOGIN; GRANT SELECT ON nb101 TO eve;});
$node->poll_query_until('postgres', q{SELECT count(*) = 0 FROM ctnas.search_jobs WHERE schedule = 'eves' AND status IN ('queued', 'running')});
my $eves = $node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'eves'});
sleep 3;
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'eves'}), $eves,
	'after DROP ROLE eve and CREATE ROLE eve, the old schedule submits nothing more');
is($node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_schedules}, extra_params => [ '-U', 'eve' ]) . '/' .
	$node->safe_psql('postgres', q{SELECT count(*) FROM ctnas.search_jobs}, extra_params => [ '-U', 'eve' ]), '0/0',
	'and the new eve sees none of the old eve\'s schedules or jobs');
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM ctnas.search_schedules WHERE name = 'eves' AND owner = 'eve' AND owner_oid = 0}),
	'the launcher makes the old eve\'s schedule nobody\'s (owner_oid 0)');
# and a dump carries that: restored where a role eve exists, the rows stay nobody's
my $edump = $node->basedir . '/eve.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $edump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE eve_copy');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('eve_copy'), $edump ], 'pg_restore');
is($node->safe_psql('eve_copy', q{SELECT count(*) FROM ctnas.search_schedules WHERE name = 'eves' AND owner_oid = 0}) . '/' .
	$node->safe_psql('eve_copy', q{SELECT count(*) FROM ctnas.search_jobs WHERE schedule = 'eves' AND owner_oid <> 0}), '1/0',
	'restored with a role eve present, the old eve\'s schedule and jobs stay nobody\'s');
$node->safe_psql('postgres', 'DROP DATABASE eve_copy');
$node->safe_psql('postgres', q{DELETE FROM ctnas.search_schedules WHERE name = 'eves'});

# ---- the pg_cron way -------------------------------------------------------------------
SKIP:
{
	skip 'pg_cron is not installed (Debian package postgresql-15-cron)', 2 unless $have_cron;
	$node->safe_psql('postgres', q{
		SET client_min_messages = warning;
		CREATE EXTENSION pg_cron;
		SELECT cron.schedule('ctnas-each-minute', '* * * * *',
			$$SELECT ctnas.search_submit('public.nb101', 20, '{"acc_column": "test_acc_run0", "seed": 7}', 'random')$$);
	});
	ok($node->poll_query_until('postgres',
		q{SELECT count(*) >= 1 FROM ctnas.search_jobs WHERE schedule IS NULL AND options->>'seed' = '7' AND status = 'succeeded'}),
		'pg_cron submits a search job each minute (cron.schedule with ctnas.search_submit)');
	$node->safe_psql('postgres', q{SELECT cron.unschedule('ctnas-each-minute')});
	like($node->safe_psql('postgres', q{SELECT status FROM cron.job_run_details ORDER BY runid DESC LIMIT 1}),
		qr/succeeded/, 'and pg_cron records the submit as succeeded');
}

$node->stop;
done_testing();
