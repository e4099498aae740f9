# Plain roles dump and restore their own databases with pg_dump and
# pg_restore: each gets back its models, jobs (same ids), their results and
# trials, and its schedules, and nothing of another role's; two roles' dumps restore into
# one database side by side; superuser dumps keep everything, as before.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use File::Basename;
use Cwd qw(abs_path);

my $sample = abs_path(dirname(__FILE__) . '/../../data/nb101_sample.csv');
my $node = PostgreSQL::Test::Cluster->new('owners');
$node->init;
$node->append_conf('postgresql.conf', "max_worker_processes = 16\n");
$node->start;

# a superuser creates the roles, alice's database and the extension; the rest is the roles' own doing
$node->safe_psql('postgres', q{
	CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
	CREATE DATABASE nas OWNER alice;
	CREATE DATABASE alice_copy OWNER alice; CREATE DATABASE both_copy OWNER alice; CREATE DATABASE full_copy;
});
# (a plain role restores into a database where a superuser has created the extension, as in the original)
$node->safe_psql($_, 'SET client_min_messages = warning; CREATE EXTENSION ctnas') for qw(nas alice_copy both_copy);
$node->safe_psql('nas', qq{
	CREATE TABLE nb101 (hash text PRIMARY KEY, arch ctnas.archgraph, num_vertices int,
	                    test_acc_run0 float8, trainable_parameters bigint);
	COPY nb101 FROM '$sample' (FORMAT csv, HEADER);
	ALTER TABLE nb101 OWNER TO alice;
});

sub as
{
	my ($role, $db, $sql) = @_;
	return $node->safe_psql($db, $sql, extra_params => [ '-U', $role ]);
}

sub wait_job
{
	my ($role, $db, $id) = @_;
	return as($role, $db, "SELECT status FROM ctnas.search_wait($id, '120 s')");
}

# each role: a model, two jobs with results, a schedule
as('alice', 'nas', q{
	GRANT SELECT ON nb101 TO bob;
	INSERT INTO ctnas.models (name, weights)
	SELECT 'alice_m', ctnas.nac_train(arch, test_acc_run0, '{"seed": 1, "epochs": 3}')
	FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 100) s;
	SELECT ctnas.search_schedule('alice_nightly', '1 day', 'public.nb101', 30, '{"acc_column": "test_acc_run0"}', 'random');
});
as('bob', 'nas', q{
	INSERT INTO ctnas.models (name, weights)
	SELECT 'bob_m', ctnas.nac_train(arch, test_acc_run0, '{"seed": 2, "epochs": 3}')
	FROM (SELECT * FROM nb101 ORDER BY hash DESC LIMIT 100) s;
	SELECT ctnas.search_schedule('bob_hourly', '1 hour', 'public.nb101', 20, '{"acc_column": "test_acc_run0"}', 'evolution');
});
my @jobs;
for my $j ([ 'alice', 'random', 30 ], [ 'bob', 'evolution', 25 ], [ 'alice', 'evolution', 20 ], [ 'bob', 'random', 15 ])
{
	my ($role, $method, $budget) = @$j;
	my $id = as($role, 'nas', qq{SELECT ctnas.search_submit('public.nb101', $budget, '{"seed": 3, "acc_column": "test_acc_run0"}', '$method')});
	is(wait_job($role, 'nas', $id), 'succeeded', "$role\'s $method job $id succeeds");
	push @jobs, $id;
}

# trials of external searches (as a job worker and training machines leave them): kept with their jobs
as('alice', 'nas', qq{
	INSERT INTO ctnas.search_trials (job_id, arch, status, acc, worker, attempts, claimed_at, reported_at, info)
	SELECT $jobs[0], arch, 'done', test_acc_run0, 'gpu-1', 1, now(), now(), '{"epochs": 108}' FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 3) s;
	INSERT INTO ctnas.search_trials (job_id, arch, status, attempts, reported_at, error)
	SELECT $jobs[2], arch, 'failed', 3, now(), 'out of memory' FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 1) s;
});
as('bob', 'nas', qq{
	INSERT INTO ctnas.search_trials (job_id, arch, status) SELECT $jobs[1], arch, 'cancelled' FROM (SELECT * FROM nb101 ORDER BY hash DESC LIMIT 2) s;
});

# what a role has, as it sees it: fingerprints of its models, jobs, results, trials and schedules
my %fp = (
	models => q{SELECT string_agg(concat_ws(' ', name, owner, created_at, info, md5(weights)), E'\n' ORDER BY name)
		FROM ctnas.models WHERE pg_has_role(owner, 'MEMBER')},
	jobs => q{SELECT string_agg(concat_ws(' ', id, owner, method, oracle, budget, options, status, progress,
		submitted_at, started_at, finished_at, schedule, error), E'\n' ORDER BY id) FROM ctnas.search_jobs},
	results => q{SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', job_id, step, arch, acc, final, queries, nac_score), ','
		ORDER BY job_id, step NULLS LAST, final)) FROM ctnas.search_results},
	schedules => q{SELECT string_agg(concat_ws(' ', name, owner, every, method, oracle, budget, options, next_run_at, last_job),
		E'\n' ORDER BY name) FROM ctnas.search_schedules},
	trials => q{SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', id, job_id, arch, status, acc, worker, attempts, proposed_at,
		claimed_at, lease_until, reported_at, info, error), ',' ORDER BY id)) FROM ctnas.search_trials},
);
my (%alice, %bob);
for my $k (sort keys %fp)
{
	$alice{$k} = as('alice', 'nas', $fp{$k});
	$bob{$k} = as('bob', 'nas', $fp{$k});
}
like($alice{results}, qr/^[1-9]\d* /, 'alice has results');
like($alice{trials}, qr/^4 /, 'alice has her trials');
like($bob{trials}, qr/^2 /, 'bob his');
like($alice{jobs}, qr/^$jobs[0] alice random/, 'alice sees her jobs');
unlike($alice{jobs}, qr/bob/, 'and not bob\'s');

# ---- a plain pg_dump explains itself: RLS tables need --enable-row-security -------------------------------
my $base = $node->basedir;
my $out;
my @dump = ('pg_dump', '-Fc', '-U', 'alice');
$node->command_fails_like([ @dump, '-f', "$base/plain.dump", '-d', $node->connstr('nas') ],
	qr/row-level security/, 'pg_dump without --enable-row-security fails for a plain role (PostgreSQL refuses to skip rows silently)');

# ---- alice dumps and restores her database --------------------------------------------------------------------
$node->command_ok([ @dump, '--enable-row-security', '--inserts', '-f', "$base/alice.dump", '-d', $node->connstr('nas') ],
	'alice dumps her database: pg_dump -Fc --enable-row-security --inserts');
# The extension exists there already: its schema (which pg_dump writes as CREATE SCHEMA, because the
# extension lives in it) and its comment are the superuser's.  The clean way leaves those two out
# with a list; a plain pg_restore restores everything the same and reports just those two.
my $list = `pg_restore -l '$base/alice.dump'`;
my $filtered = join('', grep { !/ SCHEMA - ctnas | COMMENT - EXTENSION ctnas / } split(/^/, $list));
is(scalar(() = $list =~ / SCHEMA - ctnas | COMMENT - EXTENSION ctnas /g), 2,
	'the list names the schema and the extension\'s comment');
open(my $fh, '>', "$base/alice.list") or die;
print $fh $filtered;
close $fh;
my $stderr;
my $ok = IPC::Run::run([ 'pg_restore', '-U', 'alice', '--enable-row-security', '-L', "$base/alice.list",
	'-d', $node->connstr('alice_copy'), "$base/alice.dump" ], '>', \$out, '2>', \$stderr);
ok($ok, 'alice restores it into a database of hers: pg_restore --enable-row-security -L (list without those two)')
	or diag($stderr);
is($stderr, '', 'without a single error or warning');
for my $k (sort keys %fp)
{
	is(as('alice', 'alice_copy', $fp{$k}), $alice{$k}, "alice's $k are back, exactly (ids, links, times)");
}
is($node->safe_psql('alice_copy', 'SELECT count(*) FROM ctnas.models WHERE owner = \'bob\'')
	. $node->safe_psql('alice_copy', 'SELECT count(*) FROM ctnas.search_jobs WHERE owner = \'bob\'')
	. $node->safe_psql('alice_copy', 'SELECT count(*) FROM ctnas.search_schedules WHERE owner = \'bob\'')
	. $node->safe_psql('alice_copy', 'SELECT count(*) FROM ctnas.search_trials'),
	'0004', 'and nothing of bob\'s (not even the model every role may read; only her 4 trials)');
is(as('alice', 'alice_copy', 'SELECT count(*) FROM nb101'), '5100', 'her own table came along');
is(as('alice', 'alice_copy', q{SELECT ctnas.nac_score(arch, 'alice_m') = ctnas.nac_score(arch, (SELECT weights FROM ctnas.models WHERE name = 'alice_m'))
	FROM nb101 ORDER BY hash LIMIT 1}), 't', 'her restored model scores');
# a new job in the restored database gets an id no restored job holds, and runs
my $fresh = as('alice', 'alice_copy', q{SELECT ctnas.search_submit('public.nb101', 10, '{"acc_column": "test_acc_run0"}', 'random')});
my @alice_jobs = ($jobs[0], $jobs[2]);
ok(!grep({ $_ == $fresh } @alice_jobs), "a new job there gets a free id ($fresh; the restored ones are @alice_jobs)");
is(wait_job('alice', 'alice_copy', $fresh), 'succeeded', 'and runs');
is(as('alice', 'alice_copy', qq{INSERT INTO ctnas.search_trials (job_id, arch) SELECT $fresh, arch FROM nb101 ORDER BY hash LIMIT 1
	RETURNING id > (SELECT max(id) FROM ctnas.search_trials)}), 't', 'a new trial there is numbered after the restored ones');

# ---- bob's dump too: both restore into one database, ids and links intact ------------------------------------------
$node->command_ok([ 'pg_dump', '-Fc', '-U', 'bob', '--enable-row-security', '--inserts', '--exclude-table=public.nb101',
	'-f', "$base/bob.dump", '-d', $node->connstr('nas') ], 'bob dumps what is his (the table he reads is alice\'s)');
$ok = IPC::Run::run([ 'pg_restore', '-U', 'alice', '--enable-row-security', '-L', "$base/alice.list",
	'-d', $node->connstr('both_copy'), "$base/alice.dump" ], '>', \$out, '2>', \$stderr);
ok($ok && $stderr eq '', 'alice restores hers into a shared database') or diag($stderr);
as('alice', 'both_copy', 'GRANT SELECT ON nb101 TO bob');
$ok = IPC::Run::run([ 'pg_restore', '-U', 'bob', '--enable-row-security', '-d', $node->connstr('both_copy'), "$base/bob.dump" ],
	'>', \$out, '2>', \$stderr);
my @errors = map { s/ IS '.*//r } $stderr =~ /^Command was: (.*)$/mg;
is(join(' | ', @errors), 'CREATE SCHEMA ctnas; | COMMENT ON EXTENSION ctnas',
	'bob restores his with a plain pg_restore: the only errors are the schema and the comment') or diag($stderr);
for my $k (sort keys %fp)
{
	is(as('alice', 'both_copy', $fp{$k}), $alice{$k}, "alice's $k there");
	is(as('bob', 'both_copy', $fp{$k}), $bob{$k}, "bob's $k there");
}
my $bobs = as('bob', 'both_copy', q{SELECT ctnas.search_submit('public.nb101', 10, '{"acc_column": "test_acc_run0"}', 'random')});
ok(!grep({ $_ == $bobs } @jobs), "bob's next job skips every restored id ($bobs)");
is(wait_job('bob', 'both_copy', $bobs), 'succeeded', 'and runs');

# ---- superuser dumps keep everything ------------------------------------------------------------------------------
$node->command_ok([ 'pg_dump', '-Fc', '-f', "$base/full.dump", '-d', $node->connstr('nas') ], 'a superuser dumps with plain pg_dump');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('full_copy'), "$base/full.dump" ], 'and restores with plain pg_restore');
for my $k (sort keys %fp)
{
	is(as('alice', 'full_copy', $fp{$k}), $alice{$k}, "alice's $k are in the superuser's copy");
	is(as('bob', 'full_copy', $fp{$k}), $bob{$k}, "bob's $k too");
}

$node->stop;
done_testing();
