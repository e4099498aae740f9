# Trials on training machines: searches with "evaluator": "external" driven
# by examples/trial_worker.py processes that answer from the benchmark
# tables.  Four workers on two jobs at once, a worker killed (-9) or stopped
# (SIGTERM) holding a claim, a job waiting across a restart, a cancel while
# waiting, roles (another role's trials do not exist; a machine role that is
# a member of the owner's works them), and a late report racing the lease's
# expiry.  Each job's rows must equal the synchronous search's with the same
# seed, budget and batch.  Then the same without a preloaded launcher.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;

my $top = abs_path(dirname(__FILE__) . '/../..');
my $python = '/usr/bin/python3';
my $worker_py = "$top/examples/trial_worker.py";
my $nb201 = "$top/data/nb201.csv.gz";
system($python, '-c', 'import psycopg2') == 0
  or BAIL_OUT("$python cannot import psycopg2 (Debian python3-psycopg2, installed by make deps)");

# ext201 (all NB201 cells, CIFAR-10 test accuracy), ext101 (the NB101 sample), cand101 (its cells only),
# bench (both: what the workers look up), and rows_of: a search's rows as one text
sub load_bench
{
	my ($node) = @_;
	load_sample($node, qq{
		CREATE TEMP TABLE nb201_csv (arch_index int, arch_str text, params_mb float8,
		  v11_c10_test_acc_ep200_mean float8, v11_c10valid_valid_acc_ep200_mean float8,
		  v11_c10valid_test_acc_ep200_mean float8, naslib_c100_acc_ep200_oneseed_5k float8,
		  naslib_in16_acc_ep200_oneseed_3k float8);
		COPY nb201_csv FROM PROGRAM 'gzip -dc $nb201' (FORMAT csv, HEADER MATCH);
		CREATE TABLE ext201 (arch ctnas.archgraph PRIMARY KEY, acc float8 NOT NULL);
		INSERT INTO ext201 SELECT arch_str::ctnas.archgraph, v11_c10_test_acc_ep200_mean FROM nb201_csv;
		CREATE TABLE ext101 (arch ctnas.archgraph PRIMARY KEY, acc float8 NOT NULL);
		INSERT INTO ext101 SELECT arch, test_acc_run0 FROM nb101;
		CREATE TABLE cand101 AS SELECT arch FROM ext101;
		CREATE VIEW bench AS SELECT arch, acc FROM ext201 UNION ALL SELECT arch, acc FROM ext101;
		CREATE FUNCTION rows_of(job int8) RETURNS text LANGUAGE sql AS \$\$
			SELECT string_agg(format('%s %s %s %s', coalesce(step::text, 'final'), arch, acc, queries), ' | ' ORDER BY final, step)
			FROM ctnas.search_results WHERE job_id = job \$\$;
		CREATE FUNCTION rows_of(q text) RETURNS text LANGUAGE plpgsql AS \$\$
		DECLARE r text;
		BEGIN
			EXECUTE format('SELECT string_agg(format(''%%s %%s %%s %%s'', coalesce(step::text, ''final''), arch, acc, queries), '' | '' ORDER BY final, step) FROM (%s) s', q) INTO r;
			RETURN r;
		END \$\$;
	});
}

# examples/trial_worker.py in the background against the node (as the OS user's role unless "user=..." is given)
sub start_worker
{
	my ($node, $conn_extra, @args) = @_;
	my $out = '';
	my $h = IPC::Run::start([ $python, $worker_py, $node->connstr('postgres') . $conn_extra, @args ],
		'<', \undef, '>&', \$out, IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return { h => $h, out => \$out };
}

# waits for it to exit: its exit status ("signal N" when a signal ended it) and output
sub finish_worker
{
	my ($w) = @_;
	eval { $w->{h}->finish; };
	return ("timed out: $@", ${ $w->{out} }) if $@;
	my $st = $w->{h}->full_result(0);
	return (($st & 127) ? 'signal ' . ($st & 127) : $st >> 8, ${ $w->{out} });
}

sub wait_waiting
{
	my ($node, $job) = @_;
	$node->poll_query_until('postgres', "SELECT status = 'waiting' FROM ctnas.search_jobs WHERE id = $job")
	  or die "job $job never waited for its trials";
}

# the job's rows and the synchronous search's (query text)
sub same_rows
{
	my ($node, $job, $sync, $name) = @_;
	my $got = $node->safe_psql('postgres', "SELECT rows_of($job)");
	my $want = $node->safe_psql('postgres', "SELECT rows_of(\$q\$$sync\$q\$)");
	ok(length($want) > 0 && $got eq $want, $name) or diag("job $job:\n$got\nsynchronous:\n$want");
}

# ---- a cluster with ctnas preloaded: the launcher -------------------------------------------
my $node = PostgreSQL::Test::Cluster->new('trials');
$node->init;
$node->append_conf('postgresql.conf', join("\n",
	"shared_preload_libraries = 'ctnas'",
	"ctnas.launcher_database = 'postgres'",
	"max_worker_processes = 16", ''));
$node->start;
load_bench($node);
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ctnas launcher'}),
	'the launcher runs');

# ---- a. four workers, two jobs at once -----------------------------------------------------
my $ja = job_submit($node, q{NULL, 40, '{"evaluator": "external", "space": "nb201", "batch": 8, "seed": 1, "nac": {"epochs": 40}}'});
my $jb = job_submit($node, q{'cand101', 30, '{"evaluator": "external", "batch": 4, "seed": 2}', 'evolution'});
my @workers = map { start_worker($node, '', '--lookup', 'bench', '--exit-when-idle', '--poll', '0.2', '--worker', "w$_") } 1 .. 4;
my ($reported, $lines, %trial_seen, $dup) = (0, 0);
for my $i (0 .. 3)
{
	my ($rc, $out) = finish_worker($workers[$i]);
	is($rc, 0, 'worker w' . ($i + 1) . ' exits with status 0 once both jobs have ended') or diag($out);
	$reported += $1 while $out =~ /exiting: (\d+) reported, 0 failed/g;
	while ($out =~ /^w\d: trial (\d+) job \d+ done acc /mg)
	{
		$lines++;
		$dup++ if $trial_seen{$1}++;
	}
}
is($node->safe_psql('postgres', "SELECT string_agg(status, ' ' ORDER BY id) FROM ctnas.search_jobs WHERE id IN ($ja, $jb)"),
	'succeeded succeeded', 'both jobs succeed');
is($reported . '/' . $lines . '/' . ($dup // 0), '70/70/0',
	'the workers reported 70 trials (40 + 30), one output line each, no trial twice');
is($node->safe_psql('postgres', qq{SELECT string_agg(format('%s: %s trials, %s done, attempts %s..%s, %s archs', job_id, n, done, lo, hi, archs), '; ' ORDER BY job_id)
	FROM (SELECT job_id, count(*) n, count(*) FILTER (WHERE status = 'done') done, min(attempts) lo, max(attempts) hi,
	             count(DISTINCT arch) archs FROM ctnas.search_trials WHERE job_id IN ($ja, $jb) GROUP BY job_id) s}),
	"$ja: 40 trials, 40 done, attempts 1..1, 40 archs; $jb: 30 trials, 30 done, attempts 1..1, 30 archs",
	'every trial evaluated exactly once: as many trials as the budget, all done, one attempt each, no architecture twice');
is($node->safe_psql('postgres', "SELECT string_agg(queries::text, ' ' ORDER BY job_id) FROM ctnas.search_results WHERE job_id IN ($ja, $jb) AND final"),
	'40 30', 'the final rows count exactly the budgets');
same_rows($node, $ja, q{SELECT * FROM ctnas.ctnas_search('ext201', 40, '{"batch": 8, "seed": 1, "nac": {"epochs": 40}}')},
	'NB201, whole space, CTNAS default: the job\'s rows equal ctnas_search\'s over the benchmark table');
same_rows($node, $jb, q{SELECT * FROM ctnas.evolution_search('ext101', 30, '{"batch": 4, "seed": 2}')},
	'NB101 candidates, evolution: the job\'s rows equal evolution_search\'s');
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_trials t JOIN bench b USING (arch) WHERE t.job_id IN ($ja, $jb) AND t.acc = b.acc"),
	'70', 'each trial\'s accuracy is the benchmark\'s, exactly');

# ---- b. a worker killed (-9) and one stopped (SIGTERM) while holding claims: the lease re-offers them ----
my $jk = job_submit($node, q{NULL, 8, '{"evaluator": "external", "space": "nb201", "batch": 4, "seed": 7, "lease": "2 s"}', 'random'});
wait_waiting($node, $jk);
my $killed = start_worker($node, '', '--job', $jk, '--lookup', 'bench', '--sleep', '60', '--worker', 'killed');
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_trials WHERE job_id = $jk AND worker = 'killed'")
  or die 'the worker never claimed';
my $termed = start_worker($node, '', '--job', $jk, '--lookup', 'bench', '--sleep', '60', '--worker', 'termed');
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_trials WHERE job_id = $jk AND worker = 'termed'")
  or die 'the second worker never claimed';
$killed->{h}->signal('KILL');
$termed->{h}->signal('TERM');
my ($krc) = finish_worker($killed);
my ($trc, $tout) = finish_worker($termed);
is($krc, 'signal 9', 'kill -9 ends the first worker mid-training');
is($trc, 0, 'SIGTERM ends the second one at once with status 0') or diag($tout);
like($tout, qr/termed: trial \d+ job $jk abandoned \(signal\); its lease will re-offer it/, 'saying it abandoned its trial');
is($node->safe_psql('postgres', "SELECT string_agg(worker || ' ' || status || ' ' || attempts, ', ' ORDER BY worker)
	FROM ctnas.search_trials WHERE job_id = $jk AND worker IS NOT NULL"),
	'killed claimed 1, termed claimed 1', 'both trials stay claimed by the workers that left');
my $rescuer = start_worker($node, '', '--job', $jk, '--lookup', 'bench', '--exit-when-idle', '--poll', '0.2', '--worker', 'rescuer');
my ($rrc, $rout) = finish_worker($rescuer);
is($rrc, 0, 'a third worker runs until the job has ended') or diag($rout);
is(job_wait($node, $jk, '60 s'), 'succeeded', 'the job succeeds');
is($node->safe_psql('postgres', "SELECT count(*) || ' trials, ' || count(*) FILTER (WHERE attempts = 2 AND worker = 'rescuer' AND status = 'done')
	|| ' re-claimed on their second attempt, ' || count(*) FILTER (WHERE attempts = 1 AND status = 'done') || ' on their first'
	FROM ctnas.search_trials WHERE job_id = $jk"),
	'8 trials, 2 re-claimed on their second attempt, 6 on their first',
	'after the 2 s lease, the rescuer claims the two abandoned trials again (attempts 2) and reports them');
same_rows($node, $jk, q{SELECT * FROM ctnas.random_search('ext201', 8, '{"batch": 4, "seed": 7}')},
	'and the job\'s rows equal random_search\'s');

# ---- f. a late report racing the lease's expiry: the first report counts --------------------------
my $jr = job_submit($node, q{NULL, 4, '{"evaluator": "external", "space": "nb201", "batch": 1, "seed": 11, "lease": "1 s"}', 'random'});
wait_waiting($node, $jr);
my $tr = $node->safe_psql('postgres', "SELECT trial FROM ctnas.trial_claim('w1', $jr)");
ok($tr =~ /^\d+$/, 'worker 1 claims the trial');
$node->poll_query_until('postgres', "SELECT lease_until < now() FROM ctnas.search_trials WHERE id = $tr") or die;
is($node->safe_psql('postgres', "SELECT trial FROM ctnas.trial_claim('w2', $jr)"), $tr,
	'after its 1 s lease, worker 2 claims the same trial');
is($node->safe_psql('postgres', "SELECT worker || ' ' || attempts FROM ctnas.search_trials WHERE id = $tr"), 'w2 2', '(attempt 2, worker 2\'s)');
my $acc1 = $node->safe_psql('postgres', "SELECT b.acc FROM ctnas.search_trials t JOIN ext201 b USING (arch) WHERE t.id = $tr");
$node->safe_psql('postgres', "SELECT ctnas.trial_report($tr, $acc1, '{\"by\": \"w1\"}')");
is($node->safe_psql('postgres', "SELECT status || ' ' || (acc = $acc1) || ' ' || (info->>'by') FROM ctnas.search_trials WHERE id = $tr"),
	'done true w1', 'worker 1\'s late report (its lease expired) counts: done, with worker 1\'s accuracy');
my ($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.trial_report($tr, 12.5, '{\"by\": \"w2\"}')");
like($err, qr/trial $tr was already reported/, 'worker 2\'s report then is an error ("already reported")');
is($node->safe_psql('postgres', "SELECT acc = $acc1 FROM ctnas.search_trials WHERE id = $tr"), 't', 'and changes nothing');
my $answer = start_worker($node, '', '--job', $jr, '--lookup', 'bench', '--exit-when-idle', '--poll', '0.2');
my ($arc, $aout) = finish_worker($answer);
is($arc . ' ' . job_wait($node, $jr, '60 s'), '0 succeeded', 'a worker answers the rest; the job succeeds') or diag($aout);
is($node->safe_psql('postgres', "SELECT count(*) || ' ' || bool_and(r.acc = $acc1) FROM ctnas.search_results r
	JOIN ctnas.search_trials t ON t.job_id = r.job_id AND t.arch = r.arch WHERE r.job_id = $jr AND t.id = $tr AND NOT r.final"),
	'1 true', 'the result has that architecture once, with worker 1\'s accuracy');
same_rows($node, $jr, q{SELECT * FROM ctnas.random_search('ext201', 4, '{"batch": 1, "seed": 11}')},
	'and the job\'s rows equal random_search\'s');

# ---- d. cancel while waiting ------------------------------------------------------------
my $jc = job_submit($node, q{NULL, 10, '{"evaluator": "external", "space": "nb201", "batch": 5, "seed": 3}', 'random'});
wait_waiting($node, $jc);
my $tc = $node->safe_psql('postgres', "SELECT trial FROM ctnas.trial_claim('w', $jc)");
is($node->safe_psql('postgres', "SELECT ctnas.search_cancel($jc)"), 't', 'search_cancel of a waiting job');
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $jc"), 'cancelled', 'ends it at once: cancelled');
is($node->safe_psql('postgres', "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM ctnas.search_trials WHERE job_id = $jc GROUP BY status) s"),
	'cancelled 5', 'its open trials, the claimed one included, are cancelled');
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.trial_claim('w', $jc)"), '0', 'trial_claim returns nothing for it');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.trial_report($tc, 90.0)");
like($err, qr/trial $tc was cancelled/, 'trial_report on its claimed trial is an error ("was cancelled")');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.trial_fail($tc, 'oom')");
like($err, qr/trial $tc was cancelled/, 'so is trial_fail');
my ($crc, $cout) = finish_worker(start_worker($node, '', '--job', $jc, '--lookup', 'bench', '--exit-when-idle'));
is($crc, 0, 'a worker for the cancelled job exits at once');
like($cout, qr/exiting: 0 reported, 0 failed/, 'having reported nothing');

# ---- e. roles: another role's trials do not exist; a machine role in the owner's role works them ----
$node->safe_psql('postgres', q{CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE gpu07 LOGIN IN ROLE alice;
	GRANT SELECT ON bench, ext201, ext101 TO bob, gpu07;});
my $je = $node->safe_psql('postgres', q{SELECT ctnas.search_submit(NULL, 6, '{"evaluator": "external", "space": "nb201", "batch": 3, "seed": 9}', 'random')},
	extra_params => [ '-U', 'alice' ]);
wait_waiting($node, $je);
my $te = $node->safe_psql('postgres', "SELECT min(id) FROM ctnas.search_trials WHERE job_id = $je");
my @bob = (extra_params => [ '-U', 'bob' ]);
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_trials", @bob) . '/' .
	$node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_trials WHERE job_id = $je", extra_params => [ '-U', 'alice' ]),
	'0/3', 'bob sees none of alice\'s trials; alice sees her 3');
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.trial_claim('bob')", @bob), '0', 'bob\'s claim finds nothing');
($ret, $out, $err) = $node->psql('postgres', "SELECT * FROM ctnas.trial_claim('bob', $je)", @bob);
like($err, qr/search job $je does not exist/, 'naming her job: "does not exist"');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.trial_report($te, 90.0)", @bob);
like($err, qr/trial $te does not exist/, 'reporting her trial: "does not exist"');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.trial_fail($te, 'oom')", @bob);
like($err, qr/trial $te does not exist/, 'failing it: "does not exist"');
my ($brc, $bout) = finish_worker(start_worker($node, ' user=bob', '--lookup', 'bench', '--exit-when-idle'));
like($bout, qr/exiting: 0 reported, 0 failed/, 'bob\'s worker finds nothing to do and exits');
($brc, $bout) = finish_worker(start_worker($node, ' user=bob', '--job', $je, '--lookup', 'bench', '--exit-when-idle'));
ok($brc == 1 && $bout =~ /search job $je does not exist/, 'bob\'s worker for her job exits with status 1: does not exist') or diag($bout);
is($node->safe_psql('postgres', "SELECT count(*) FROM ctnas.search_trials WHERE job_id = $je AND status = 'proposed' AND attempts = 0"),
	'3', 'her trials are untouched');
my ($grc, $gout) = finish_worker(start_worker($node, ' user=gpu07', '--job', $je, '--lookup', 'bench', '--exit-when-idle',
	'--poll', '0.2', '--worker', 'gpu07'));
is($grc, 0, 'gpu07, a member of alice, runs a worker for her job') or diag($gout);
is(job_wait($node, $je, '60 s'), 'succeeded', 'which succeeds');
is($node->safe_psql('postgres', "SELECT count(*) || ' ' || bool_and(worker = 'gpu07' AND status = 'done') FROM ctnas.search_trials WHERE job_id = $je"),
	'6 true', 'every trial claimed and reported by gpu07');
same_rows($node, $je, q{SELECT * FROM ctnas.random_search('ext201', 6, '{"batch": 3, "seed": 9}')},
	'alice\'s job\'s rows equal random_search\'s');

# ---- c. a job waiting across a restart -------------------------------------------------------
my $jw = job_submit($node, q{NULL, 16, '{"evaluator": "external", "space": "nb201", "batch": 8, "seed": 4, "nac": {"epochs": 20}}'});
wait_waiting($node, $jw);
# three reported, one claimed and not yet reported, the rest proposed
$node->safe_psql('postgres', qq{SELECT ctnas.trial_report(c.trial, b.acc) FROM ctnas.trial_claim('before', $jw) c JOIN ext201 b USING (arch)})
  for 1 .. 3;
my $open = $node->safe_psql('postgres', "SELECT trial FROM ctnas.trial_claim('across', $jw)");
my $trials_q = "SELECT string_agg(format('%s %s %s %s %s %s', id, arch, status, acc, worker, attempts), ', ' ORDER BY id) FROM ctnas.search_trials WHERE job_id = $jw";
my $before = $node->safe_psql('postgres', $trials_q);
my $ckpt_q = "SELECT md5(state) FROM ctnas.search_checkpoints WHERE job_id = $jw";
my $ckpt = $node->safe_psql('postgres', $ckpt_q);
ok($ckpt ne '', 'a waiting job has a checkpoint');
$node->restart;
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ctnas launcher'}),
	'after a restart the launcher runs again');
is($node->safe_psql('postgres', 'SELECT ctnas.search_recover()'), '0', 'recovery finds nothing to do');
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $jw"), 'waiting', 'the job is still waiting');
is($node->safe_psql('postgres', $trials_q), $before, 'its trials are as they were (reports, the claim)');
is($node->safe_psql('postgres', $ckpt_q), $ckpt, 'and its checkpoint too');
$node->safe_psql('postgres', "SELECT ctnas.trial_report($open, b.acc) FROM ctnas.search_trials t JOIN ext201 b USING (arch) WHERE t.id = $open");
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_trials WHERE id = $open"), 'done',
	'the trial claimed before the restart is reported after it');
my ($wrc, $wout) = finish_worker(start_worker($node, '', '--job', $jw, '--lookup', 'bench', '--exit-when-idle', '--poll', '0.2'));
is($wrc . ' ' . job_wait($node, $jw, '60 s'), '0 succeeded', 'a worker reports the rest: the job resumes and succeeds') or diag($wout);
ok($node->log_contains(qr/ctnas search job $jw resumed from its checkpoint at 8 queries/), 'resumed from its checkpoint after the first batch');
same_rows($node, $jw, q{SELECT * FROM ctnas.ctnas_search('ext201', 16, '{"batch": 8, "seed": 4, "nac": {"epochs": 20}}')},
	'its rows equal ctnas_search\'s');
$node->stop;

# ---- without the launcher: the report that completes a batch starts the next worker ----------------
my $plain = PostgreSQL::Test::Cluster->new('trials_plain');
$plain->init;
$plain->append_conf('postgresql.conf', "max_worker_processes = 16\n");
$plain->start;
load_bench($plain);
my $jp = job_submit($plain, q{NULL, 12, '{"evaluator": "external", "space": "nb201", "batch": 3, "seed": 5, "population": 6, "tournament": 2}', 'evolution'});
my ($prc, $pout) = finish_worker(start_worker($plain, '', '--processes', '2', '--worker', 'p', '--fail-every', '3',
	'--lookup', 'ext201', '--exit-when-idle', '--poll', '0.2'));
is($prc, 0, 'no launcher: two worker processes (--processes 2), each failing every third claim, exit 0') or diag($pout);
is(job_wait($plain, $jp, '60 s'), 'succeeded', 'the job succeeds');
like($pout, qr/^p-[12]: trial \d+ job $jp failed: simulated failure \(--fail-every 3\) -> proposed \([0-9.]+ s\)$/m,
	'a simulated failure gives the trial back: proposed again');
like($pout, qr/^p-[12]: trial \d+ job $jp done acc [0-9.]+ \([0-9.]+ s\)$/m, 'a report prints its accuracy');
is($plain->safe_psql('postgres', "SELECT count(*) FILTER (WHERE status = 'done') || ' done, ' || count(*) FILTER (WHERE status <> 'done') || ' other, '
	|| (count(*) FILTER (WHERE attempts > 1) > 0) || ' retried, ' || bool_and(worker IN ('p-1', 'p-2'))
	FROM ctnas.search_trials WHERE job_id = $jp"),
	'12 done, 0 other, true retried, true', 'every trial done in the end, some after a retry, by the two processes');
same_rows($plain, $jp, q{SELECT * FROM ctnas.evolution_search('ext201', 12, '{"batch": 3, "seed": 5, "population": 6, "tournament": 2}')},
	'the job\'s rows equal evolution_search\'s (a retried failure is invisible to the search)');
$plain->stop;

done_testing();
