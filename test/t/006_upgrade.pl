# ctnas 0.1.0 -> 0.2.0: a database made by 0.1.0 (its install script exactly
# as shipped) with archgraph values, models and search jobs and schedules as
# 0.1.0 stored them, upgraded with ALTER EXTENSION ctnas UPDATE: the data is
# the same, owners stay names and are bound to roles by owner_oid (a role
# created again under a dropped role's name does not get the old rows), the
# 0.1.0 columns stay but are NULL, the new job machinery works, a pg_dump
# taken at 0.1.0 restores into 0.2.0, and the upgraded extension is the same
# as a fresh 0.2.0 install (and as one restored by pg_dump/pg_restore).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use File::Compare;
use Cwd qw(abs_path);
use IPC::Run;

my $src = abs_path(dirname(__FILE__) . '/../..');
my $sample = "$src/data/nb101_sample.csv";

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf', "max_worker_processes = 16\n");
$node->start;

# the scripts the server runs are the ones of this tree
my $sharedir = $node->config_data('--sharedir');
for my $script ('ctnas--0.1.0.sql', 'ctnas--0.1.0--0.2.0.sql')
{
	is(compare("$src/sql/install/$script", "$sharedir/extension/$script"), 0,
		"the installed $script is this tree's");
}

sub sql { return $node->safe_psql('postgres', $_[0]); }
# as a role, logged in as it (as 0.1.0 users wrote their rows)
sub as { my ($role, $q, $db) = @_; return $node->safe_psql($db // 'postgres', $q, extra_params => [ '-U', $role ]); }

# ======== 1. the 0.1.0 install script, exactly as shipped, with the 0.2.0 library ========
my ($ret, $out, $err) = $node->psql('postgres', "CREATE EXTENSION ctnas VERSION '0.1.0'");
is($ret, 0, "CREATE EXTENSION ctnas VERSION '0.1.0' works with the 0.2.0 library") or diag($err);
is(sql(q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.1.0', 'the extension is at 0.1.0');

# ======== 2. a database as 0.1.0 users had it ========
sql(qq{
	CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE carl LOGIN;
	CREATE TEMP TABLE s (hash text, arch text, num_vertices int, test_acc_run0 float8, trainable_parameters bigint);
	COPY s FROM '$sample' (FORMAT csv, HEADER);
	CREATE TABLE nb101 (hash text PRIMARY KEY, arch ctnas.archgraph NOT NULL, test_acc_run0 float8 NOT NULL);
	INSERT INTO nb101 SELECT hash, arch::ctnas.archgraph, test_acc_run0 FROM s;
	CREATE UNIQUE INDEX nb101_arch ON nb101 (arch);
	CREATE INDEX nb101_arch_hash ON nb101 USING hash (arch);
	GRANT SELECT ON nb101 TO PUBLIC;
});

# pure functions of the library work in a 0.1.0 database: I/O, nac_train, nac_info, nac_score with a blob
as('alice', q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights)
	SELECT 'alices_model', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 3}')
	FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 300) t});
as('carl', q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights)
	SELECT 'carls_model', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 3}')
	FROM (SELECT * FROM nb101 ORDER BY hash DESC LIMIT 200) t});
is(sql(q{SELECT string_agg(name || ' ' || owner || ' ' || (info->'training'->>'rows'), ', ' ORDER BY name) FROM ctnas.models}),
	'alices_model alice 300, carls_model carl 200', '0.1.0: nac_train and nac_info work; models of alice and carl');

# jobs, results, a checkpoint and schedules, as 0.1.0's C code and users wrote them
# (0.1.0's job code is gone, so the rows are written directly, with 0.1.0's columns)
my $done = as('alice', q{
	INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status, progress, started_at, finished_at,
	                               worker_pid, worker_start, postmaster_start, submit_xid, search_path)
	VALUES ('random', 'public.nb101', 5, '{"acc_column": "test_acc_run0", "seed": 1}', 'succeeded',
	        '{"phase": "done", "steps": 5, "queries": 5}', now() - interval '2 days', now() - interval '2 days',
	        31337, now() - interval '2 days', now() - interval '3 days', pg_current_xact_id(), '"$user", public')
	RETURNING id});
as('alice', qq{
	INSERT INTO ctnas.search_results (job_id, step, arch, acc, final, queries)
	SELECT $done, (row_number() OVER (ORDER BY hash))::int4, arch, test_acc_run0, false, (row_number() OVER (ORDER BY hash))::int4
	FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 5) c;
	INSERT INTO ctnas.search_results (job_id, step, arch, acc, final, queries)
	SELECT $done, NULL, arch, acc, true, 5 FROM ctnas.search_results WHERE job_id = $done ORDER BY acc DESC LIMIT 1;
});
my $running = as('alice', q{
	INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status, progress, started_at,
	                               worker_pid, worker_start, postmaster_start, submit_xid, search_path)
	VALUES ('random', 'public.nb101', 50, '{"acc_column": "test_acc_run0", "seed": 2}', 'running',
	        '{"phase": "search", "steps": 3, "queries": 3}', now() - interval '1 hour',
	        31338, now() - interval '1 hour', pg_postmaster_start_time(), pg_current_xact_id(), '"$user", public')
	RETURNING id});
as('alice', qq{INSERT INTO ctnas.search_checkpoints (job_id, state) VALUES ($running, '\\x00010203')});
my $queued = as('bob', q{
	INSERT INTO ctnas.search_jobs (method, oracle, budget, options, submit_xid, search_path)
	VALUES ('random', 'public.nb101', 10, '{"acc_column": "test_acc_run0", "seed": 4}', pg_current_xact_id(), '"$user", public')
	RETURNING id});
my $carls_job = as('carl', q{
	INSERT INTO ctnas.search_jobs (method, oracle, budget, options, status, finished_at, error)
	VALUES ('ctnas', 'public.nb101', 30, '{"acc_column": "test_acc_run0"}', 'failed', now(), 'cancelled by the test')
	RETURNING id});
as('alice', qq{
	INSERT INTO ctnas.search_schedules (name, every, method, oracle, budget, options, search_path, next_run_at, last_job)
	VALUES ('nightly', '1 day', 'random', 'public.nb101', 20, '{"acc_column": "test_acc_run0"}', '"\$user", public',
	        now() + interval '1 day', $done)});
as('carl', q{
	INSERT INTO ctnas.search_schedules (name, every, method, oracle, budget, options, search_path, next_run_at)
	VALUES ('weekly', '7 days', 'random', 'public.nb101', 20, '{"acc_column": "test_acc_run0"}', '"$user", public',
	        now() + interval '7 days')});
is(sql(q{SELECT string_agg(id || ' ' || owner || ' ' || session_role || ' ' || status, ', ' ORDER BY id) FROM ctnas.search_jobs}),
	"$done alice alice succeeded, $running alice alice running, $queued bob bob queued, $carls_job carl carl failed",
	'0.1.0 jobs of alice, bob and carl');

# carl goes; his rows stay, naming a role that no longer exists
sql('DROP ROLE carl');
is(sql(q{SELECT (SELECT count(*) FROM ctnas.models WHERE owner = 'carl') || ' ' ||
	(SELECT count(*) FROM ctnas.search_schedules WHERE owner = 'carl') || ' ' ||
	(SELECT count(*) FROM ctnas.search_jobs WHERE owner = 'carl') || ' ' ||
	(SELECT count(*) FROM pg_roles WHERE rolname = 'carl')}), '1 1 1 0', 'carl is dropped, his model, schedule and job stay');

# what a 0.2.0 library cannot do against 0.1.0 tables: a clear error
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas.nac_score(arch, 'alices_model') FROM nb101 LIMIT 1});
like($err, qr/extension ctnas is at version 0\.1\.0, but its library is 0\.2\.0.*HINT:\s+Run ALTER EXTENSION ctnas UPDATE/s,
	'0.1.0: nac_score by model name says to run ALTER EXTENSION ctnas UPDATE');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.search_status($running)");
like($err, qr/HINT:\s+Run ALTER EXTENSION ctnas UPDATE/, '0.1.0: so does search_status');

# fingerprints before the upgrade
my %fp = (
	values => q{SELECT count(*) || ':' || md5(string_agg(arch::text || hash, ',' ORDER BY arch)) FROM nb101},
	models => q{SELECT string_agg(name || ' ' || md5(weights) || ' ' || md5(info::text) || ' ' || created_at, ', ' ORDER BY name) FROM ctnas.models},
	scores => q{SELECT string_agg(m.name || ':' || c.hash || '=' || ctnas.nac_score(c.arch, m.weights), ', ' ORDER BY m.name, c.hash)
	            FROM ctnas.models m, (SELECT * FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 4) c},
	jobs => q{SELECT string_agg(concat_ws(' ', id, method, oracle, budget, options, status, progress, submitted_at, started_at,
	                                      finished_at, search_path, error), E'\n' ORDER BY id) FROM ctnas.search_jobs},
	results => q{SELECT count(*) || ' ' || md5(string_agg(concat_ws(' ', job_id, step, arch, acc, final, queries, nac_score), ','
	                                                      ORDER BY job_id, step NULLS LAST)) FROM ctnas.search_results},
	checkpoints => q{SELECT string_agg(job_id || ' ' || md5(state), ', ' ORDER BY job_id) FROM ctnas.search_checkpoints},
	schedules => q{SELECT string_agg(concat_ws(' ', name, every, method, oracle, budget, options, search_path, next_run_at, last_job), E'\n'
	                                 ORDER BY name) FROM ctnas.search_schedules},
	next_id => q{SELECT last_value FROM ctnas.search_jobs_id_seq},
);
my %before = map { $_ => sql($fp{$_}) } keys %fp;
like($before{values}, qr/^5100:[0-9a-f]{32}$/, 'the 5100 cells are loaded');
like($before{scores}, qr/^alices_model:\w+=-?[0-9.e-]+, .*carls_model:/, 'nac_score with the model as bytea works in 0.1.0');

# counts and owners (by name), compared after restores
my $counts = q{SELECT (SELECT count(*) FROM ctnas.search_jobs) || ' jobs, ' || (SELECT count(*) FROM ctnas.search_results) || ' results, '
	|| (SELECT count(*) FROM ctnas.models) || ' models, ' || (SELECT count(*) FROM ctnas.search_schedules) || ' schedules'};
my $owners = q{SELECT string_agg(x, ', ' ORDER BY x) FROM (
	SELECT 'model ' || name || ' ' || owner AS x FROM ctnas.models
	UNION ALL SELECT 'job ' || id || ' ' || owner FROM ctnas.search_jobs
	UNION ALL SELECT 'schedule ' || name || ' ' || owner FROM ctnas.search_schedules) o};
# (0.2.0) the role a row's owner_oid binds it to, by name ('0': none)
my $role_of = q{CASE WHEN owner_oid = 0 THEN '0' ELSE coalesce((SELECT r.rolname::text FROM pg_roles r WHERE r.oid = owner_oid), 'dropped ' || owner_oid) END};
# (0.2.0) every row: its owner's name -> the role it is bound to (models, jobs by id, schedules)
my $bound = qq{SELECT string_agg(x, ', ' ORDER BY k, i, x) FROM (
	SELECT 1 AS k, 0::int8 AS i, 'model ' || name || ' ' || owner || ' -> ' || $role_of AS x FROM ctnas.models
	UNION ALL SELECT 2, id, 'job ' || id || ' ' || owner || ' -> ' || $role_of FROM ctnas.search_jobs
	UNION ALL SELECT 3, 0, 'schedule ' || name || ' ' || owner || ' -> ' || $role_of FROM ctnas.search_schedules) o};
# (the 0.1.0 columns: jobs with any of them set, schedules with session_role set)
my $legacy = q{SELECT (SELECT count(*) FROM ctnas.search_jobs
	WHERE num_nonnulls(session_role, worker_pid, worker_start, postmaster_start, submit_xid) > 0)
	|| ' ' || (SELECT count(*) FROM ctnas.search_schedules WHERE session_role IS NOT NULL)};
my ($counts_010, $owners_010) = (sql($counts), sql($owners));
is($counts_010, '4 jobs, 6 results, 2 models, 2 schedules', "0.1.0: $counts_010");
is(sql($legacy), '4 2', '0.1.0: every job and schedule has 0.1.0 session and worker columns set');

# a pg_dump of the 0.1.0 database, restored into 0.2.0 after the upgrade (section 5)
my $dump010 = $node->basedir . '/v010.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump010, '-d', $node->connstr('postgres') ], '0.1.0: pg_dump -Fc');
my ($dump010_sql) = run_command([ 'pg_restore', '-f', '-', $dump010 ]);
like($dump010_sql, qr/^COPY ctnas\.search_jobs \(id, owner, session_role, .*, worker_pid, worker_start, postmaster_start, submit_xid, /m,
	'the 0.1.0 dump copies search_jobs with 0.1.0\'s columns');
like($dump010_sql, qr/^COPY ctnas\.search_schedules \(name, owner, session_role, /m, 'and search_schedules');

# ======== 3. the upgrade ========
($ret, $out, $err) = $node->psql('postgres', "ALTER EXTENSION ctnas UPDATE TO '0.2.0'");
is($ret, 0, "ALTER EXTENSION ctnas UPDATE TO '0.2.0' succeeds") or diag($err);
is(sql(q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.2.0', 'the extension is at 0.2.0');

# ======== 4. after the upgrade ========
for my $k (sort keys %fp)
{
	is(sql($fp{$k}), $before{$k}, "the same $k after the upgrade");
}

# the indexes of the values table are used and agree: every cell looked up by its arch finds itself
# (a plain =, with the default search_path: 0.2.0 keeps the type's operators in pg_catalog)
my $join = q{SELECT count(*) || ' ' || md5(string_agg(a.hash || '=' || b.hash, ',' ORDER BY a.hash, b.hash))
	FROM nb101 a JOIN nb101 b ON b.arch = a.arch};
my $by_seqscan = sql("SET enable_indexscan = off; SET enable_bitmapscan = off; $join");
like($by_seqscan, qr/^5100 [0-9a-f]{32}$/, 'every cell equals itself only (sequential scans; a plain = without search_path)');
is(sql($join =~ s/b\.arch = a\.arch/b.arch OPERATOR(ctnas.=) a.arch/r), $by_seqscan, 'OPERATOR(ctnas.=), as 0.1.0 users wrote it, still works');
my $nestloop = q{SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_mergejoin = off;
	SET enable_material = off; SET enable_memoize = off; };
# (the other index dropped in a transaction that is rolled back, so that the one under test serves the lookups)
for my $idx ([ 'nb101_arch', 'nb101_arch_hash', 'btree' ], [ 'nb101_arch_hash', 'nb101_arch', 'hash' ])
{
	my ($use, $drop, $am) = @$idx;
	like(sql("BEGIN; DROP INDEX $drop; $nestloop EXPLAIN (COSTS OFF) $join; ROLLBACK;"),
		qr/Index (?:Only )?Scan using $use on nb101 \w+\n\s+Index Cond: \((?:\w+\.)?arch \S+ \w+\.arch\)/,
		"lookups by arch use the $am index");
	is(sql("BEGIN; DROP INDEX $drop; $nestloop $join; ROLLBACK;"), $by_seqscan, "which finds the same cells ($am index)");
}
my $below = q{SELECT count(*) FROM nb101 WHERE arch < (SELECT arch FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 1)};
like(sql("SET enable_seqscan = off; SET enable_bitmapscan = off; EXPLAIN (COSTS OFF) $below"), qr/Scan using nb101_arch on nb101/,
	'a range query uses the btree index');
is(sql("SET enable_seqscan = off; SET enable_bitmapscan = off; $below"), sql("SET enable_indexscan = off; SET enable_bitmapscan = off; $below"),
	'and agrees with a sequential scan');
is(sql(q{SELECT count(*) FROM pg_index WHERE NOT indisvalid}), '0', 'no invalid index');

# models: the same scores by blob, and now by name too
my $scores_by_name = q{SELECT string_agg(m.name || ':' || c.hash || '=' || ctnas.nac_score(c.arch, m.name), ', ' ORDER BY m.name, c.hash)
	FROM ctnas.models m, (SELECT * FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 4) c};
is(sql($scores_by_name), $before{scores}, 'nac_score by model name (not possible before the upgrade) gives the scores of the 0.1.0 blobs');
is(as('bob', q{SELECT ctnas.nac_score(arch, 'alices_model') = ctnas.nac_score(arch, (SELECT weights FROM ctnas.models WHERE name = 'alices_model'))
	FROM nb101 ORDER BY hash LIMIT 1}), 't', 'any role can score with alice\'s model by name');
my $ab = sql(q{SELECT ctnas.nac_compare(a.arch, b.arch, 'alices_model') || ' ' || ctnas.nac_compare(a.arch, b.arch, m.weights)
	FROM nb101 a, nb101 b, ctnas.models m WHERE a.hash = (SELECT min(hash) FROM nb101) AND b.hash = (SELECT max(hash) FROM nb101)
	AND m.name = 'alices_model'});
my ($named, $blob) = split / /, $ab;
is($named, $blob, 'nac_compare by name equals nac_compare by blob');

# owners stay names; owner_oid binds each row to the role of that name (0: the dropped carl's rows are nobody's)
is(sql(q{SELECT string_agg(DISTINCT pg_typeof(owner)::text || ' ' || pg_typeof(owner_oid)::text, ',') FROM (
	SELECT owner, owner_oid FROM ctnas.models UNION ALL SELECT owner, owner_oid FROM ctnas.search_jobs
	UNION ALL SELECT owner, owner_oid FROM ctnas.search_schedules) o}),
	'name oid', 'owner columns stay name, beside a new owner_oid oid');
is(sql(q{SELECT string_agg(table_name || '.' || column_name || ' ' || is_nullable || ' ' || coalesce(column_default, '-'), ', '
	ORDER BY table_name, column_name) FROM information_schema.columns WHERE table_schema = 'ctnas' AND column_name = 'owner_oid'}),
	'models.owner_oid NO -, search_jobs.owner_oid NO -, search_schedules.owner_oid NO -', 'owner_oid is NOT NULL (set by a trigger, no default)');
is(sql($bound), 'model alices_model alice -> alice, model carls_model carl -> 0, '
	. "job $done alice -> alice, job $running alice -> alice, job $queued bob -> bob, job $carls_job carl -> 0, "
	. 'schedule nightly alice -> alice, schedule weekly carl -> 0',
	'the upgrade bound alice\'s and bob\'s rows to their roles, the dropped carl\'s (owner still carl) to 0');
is(as('alice', q{SELECT (SELECT count(*) FROM ctnas.models WHERE owner = current_user) || ' ' || (SELECT count(*) FROM ctnas.search_jobs WHERE owner = 'alice')}),
	'1 2', 'owner = current_user and owner = \'alice\' still work');

# the 0.1.0 columns stay (so that 0.1.0 dumps restore), nullable, NULL, and stay NULL
is(sql(q{SELECT string_agg(table_name || '.' || column_name || ' ' || is_nullable || ' ' || coalesce(column_default, '-'), ', '
	ORDER BY table_name, ordinal_position) FROM information_schema.columns
	WHERE table_schema = 'ctnas' AND table_name IN ('search_jobs', 'search_schedules')
	AND column_name IN ('session_role', 'worker_pid', 'worker_start', 'postmaster_start', 'submit_xid')}),
	'search_jobs.session_role YES -, search_jobs.worker_pid YES -, search_jobs.worker_start YES -, search_jobs.postmaster_start YES -, '
	. 'search_jobs.submit_xid YES -, search_schedules.session_role YES -',
	'session_role and the worker columns stay, nullable and without a default');
is(sql($legacy), '0 0', 'the upgrade nulled their 0.1.0 values');
is(as('alice', q{BEGIN;
	INSERT INTO ctnas.search_jobs (method, oracle, budget, options, owner_oid, session_role, worker_pid, worker_start, postmaster_start, submit_xid)
	VALUES ('random', 'public.nb101', 5, '{}', 'bob'::regrole, 'bob', 4242, now(), now(), pg_current_xact_id())
	RETURNING owner || ' ' || owner_oid::regrole || ' ' || num_nulls(session_role, worker_pid, worker_start, postmaster_start, submit_xid);
	ROLLBACK}), 'alice alice 5', 'a job inserted with owner_oid and the 0.1.0 columns set: owner_oid from its owner, the 0.1.0 columns NULL');
is(as('alice', qq{WITH u AS (UPDATE ctnas.search_jobs SET owner_oid = 'bob'::regrole, session_role = 'bob', worker_pid = 4242, submit_xid = pg_current_xact_id()
	WHERE id = $done RETURNING owner_oid::regrole || ' ' || num_nulls(session_role, worker_pid, submit_xid)) SELECT * FROM u}),
	'alice 3', 'an update cannot set them either');
{
	# (0, nobody's, is the one value the trigger lets an update write: for the launcher; row-level security refuses it to a role)
	my ($rc, $o, $e) = $node->psql('postgres', q{UPDATE ctnas.models SET owner_oid = 0 WHERE name = 'alices_model'},
		extra_params => [ '-U', 'alice' ]);
	like($e, qr/new row violates row-level security policy for table "models"/, 'nor make a model nobody\'s');
	is(sql(q{SELECT owner_oid::regrole FROM ctnas.models WHERE name = 'alices_model'}), 'alice', 'which stays alice\'s');
}

# row-level security by owner_oid
is(as('alice', q{SELECT string_agg(id::text, ',' ORDER BY id) FROM ctnas.search_jobs}), "$done,$running", 'alice sees her two jobs');
is(as('alice', q{SELECT count(*) FROM ctnas.search_results}), '6', 'and their results');
is(as('alice', q{SELECT string_agg(name, ',') FROM ctnas.search_schedules}), 'nightly', 'and her schedule');
is(as('alice', q{SELECT string_agg(job_id::text, ',') FROM ctnas.search_checkpoints}), $running, 'and her checkpoint');
is(as('bob', q{SELECT string_agg(id::text, ',' ORDER BY id) FROM ctnas.search_jobs}), $queued, 'bob sees only his job');
is(as('bob', q{SELECT (SELECT count(*) FROM ctnas.search_results) || ' ' || (SELECT count(*) FROM ctnas.search_schedules)
	|| ' ' || (SELECT count(*) FROM ctnas.search_checkpoints)}), '0 0 0', 'no results, schedules or checkpoints');
($ret, $out, $err) = $node->psql('postgres', q{DELETE FROM ctnas.models WHERE name = 'carls_model' RETURNING name},
	extra_params => [ '-U', 'alice' ]);
is($out, '', 'alice cannot delete the dropped role\'s model');
($ret, $out, $err) = $node->psql('postgres', qq{INSERT INTO ctnas.search_workers (job_id, pid, backend_start, postmaster_start)
	VALUES ($running, 1, now(), now())}, extra_params => [ '-U', 'alice' ]);
like($err, qr/permission denied for table search_workers/, 'a role cannot write ctnas.search_workers');

# schedules are named per owner role: unique (owner_oid, name) for rows bound to a role (0.1.0 keyed them by name alone)
is(sql(q{SELECT count(*) FROM pg_constraint WHERE conrelid = 'ctnas.search_schedules'::regclass AND contype = 'p'}),
	'0', 'search_schedules has no primary key any more');
is(sql(q{SELECT pg_get_indexdef('ctnas.search_schedules_owner_name'::regclass)}),
	'CREATE UNIQUE INDEX search_schedules_owner_name ON ctnas.search_schedules USING btree (owner_oid, name) WHERE (owner_oid <> (0)::oid)',
	'but a unique index search_schedules_owner_name on (owner_oid, name) WHERE owner_oid <> 0');
is(as('bob', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('nightly', '1 day', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')}),
	'nightly', 'bob creates his own schedule "nightly" beside alice\'s');
is(sql(qq{SELECT string_agg(owner || ' ' || name || ' -> ' || $role_of, ', ' ORDER BY owner, name) FROM ctnas.search_schedules}),
	'alice nightly -> alice, bob nightly -> bob, carl weekly -> 0', 'both are there');
($ret, $out, $err) = $node->psql('postgres', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('nightly', '1 day', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')}, extra_params => [ '-U', 'alice' ]);
like($err, qr/search schedule "nightly" already exists/, 'alice cannot create a second "nightly" of hers');

# the 0.1.0 running job: its worker is gone and 0.2.0 has no record of one
is(as('alice', "SELECT status FROM ctnas.search_status($running)"), 'failed', 'the 0.1.0 running job shows as failed');
like(as('alice', "SELECT error FROM ctnas.search_status($running)"), qr/the job has no search worker/, 'saying it has no search worker');

is(as('alice', q{SELECT ctnas.search_unschedule('nightly', 'bob')}), 'f', 'alice cannot unschedule bob\'s "nightly" (not a member of bob)');
is(as('alice', q{SELECT ctnas.search_unschedule('nightly')}), 't', 'alice unschedules "nightly"');
is(sql(qq{SELECT string_agg(owner || ' ' || name || ' -> ' || $role_of, ', ' ORDER BY owner, name) FROM ctnas.search_schedules}),
	'bob nightly -> bob, carl weekly -> 0', 'only hers is gone');
is(as('alice', q{SELECT ctnas.search_unschedule('nightly')}), 'f', 'a second unschedule finds none of hers');

# a new job after the upgrade
my $new = as('alice', q{SELECT ctnas.search_submit('nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')});
ok($new > $before{next_id}, "a new job gets a fresh id ($new)");
is(as('alice', "SELECT status FROM ctnas.search_wait($new, '60 s')"), 'succeeded', 'a job submitted after the upgrade succeeds');
is(as('alice', "SELECT count(*) || ' ' || count(*) FILTER (WHERE final) FROM ctnas.search_results WHERE job_id = $new"),
	'21 1', 'with 21 rows in search_results (20 steps and the final one)');
is(sql(qq{SELECT owner || ' ' || owner_oid::regrole FROM ctnas.search_jobs WHERE id = $new}), 'alice alice', 'owned by alice (and bound to her role)');
is(sql("SELECT status FROM ctnas.search_jobs WHERE id = $running"), 'failed',
	'the submit recorded the outcome of the 0.1.0 running job in its row');

# bob's job, queued under 0.1.0, runs under 0.2.0
ok(as('bob', q{SELECT ctnas.search_recover()}) >= 1, 'search_recover (no launcher) starts bob\'s 0.1.0 queued job');
is(as('bob', "SELECT status FROM ctnas.search_wait($queued, '60 s')"), 'succeeded', 'which succeeds');
is(as('bob', "SELECT count(*) FROM ctnas.search_results WHERE job_id = $queued"), '11', 'with its 10 steps and the final row');

is(sql(q{SELECT to_regprocedure('ctnas.search_worker_alive(int4, timestamptz)') IS NULL
	AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'search_worker_alive')}), 't', 'ctnas.search_worker_alive no longer exists');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas.search_worker_alive(1, now())});
like($err, qr/function ctnas.search_worker_alive\(integer, timestamp with time zone\) does not exist/, 'calling it is an error');

# ======== 5. the pg_dump taken at 0.1.0 restores into 0.2.0 as it is ========
# pg_restore runs CREATE EXTENSION ctnas (0.2.0, the default now), then COPYs the 0.1.0 column lists into the
# 0.2.0 tables.  No role named carl exists at this point, so the dropped carl's rows are bound to 0.
sql('CREATE DATABASE restored010');
my ($rs_out, $rs_err) = ('', '');
my $rs_ok = IPC::Run::run([ 'pg_restore', '-d', $node->connstr('restored010'), $dump010 ], '>', \$rs_out, '2>', \$rs_err);
ok($rs_ok, 'pg_restore of the 0.1.0 dump into a new database exits 0') or diag("exit status " . ($? >> 8) . "\n$rs_err");
is($rs_err, '', 'with no error or warning at all');
is($node->safe_psql('restored010', q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.2.0', 'the restored extension is 0.2.0');
is($node->safe_psql('restored010', $counts), $counts_010, "the same jobs, results, models and schedules as the 0.1.0 source ($counts_010)");
for my $k (grep { $_ ne 'checkpoints' } sort keys %fp)
{
	is($node->safe_psql('restored010', $fp{$k}), $before{$k}, "the same $k as the 0.1.0 source");
}
is($node->safe_psql('restored010', $owners), $owners_010, 'the same owner names (alice, bob and carl)');
is($node->safe_psql('restored010', $bound), 'model alices_model alice -> alice, model carls_model carl -> 0, '
	. "job $done alice -> alice, job $running alice -> alice, job $queued bob -> bob, job $carls_job carl -> 0, "
	. 'schedule nightly alice -> alice, schedule weekly carl -> 0',
	'owner_oid binds alice\'s and bob\'s rows to their roles and the dropped carl\'s to 0 (restored while no role named carl exists)');
is($node->safe_psql('restored010', $legacy), '0 0', 'the 0.1.0 session and worker columns are NULL in the restored rows');
is($node->safe_psql('restored010', $scores_by_name), $before{scores}, 'nac_score by model name works there, with the scores of the 0.1.0 blobs');
is(as('alice', q{SELECT string_agg(id::text, ',' ORDER BY id) FROM ctnas.search_jobs}, 'restored010'), "$done,$running",
	'alice sees her two jobs there');
is(as('bob', q{SELECT string_agg(id::text, ',' ORDER BY id) FROM ctnas.search_jobs}, 'restored010'), $queued, 'bob his one');

# ======== 6. a role created again under a dropped role's name does not get the old rows ========
sql('CREATE ROLE carl LOGIN');
my $carl_oid = sql(q{SELECT oid FROM pg_roles WHERE rolname = 'carl'});
is(as('carl', q{SELECT count(*) FROM ctnas.models WHERE owner = 'carl'}), '1', 'the new carl reads the old carl\'s model (models are readable by all)');
is(as('carl', q{WITH u AS (UPDATE ctnas.models SET info = info WHERE owner = 'carl' RETURNING 1) SELECT count(*) FROM u}), '0',
	'but cannot update it (0 rows)');
is(as('carl', q{WITH d AS (DELETE FROM ctnas.models WHERE owner = 'carl' RETURNING 1) SELECT count(*) FROM d}), '0', 'nor delete it');
is(as('carl', q{SELECT (SELECT count(*) FROM ctnas.search_jobs) || ' ' || (SELECT count(*) FROM ctnas.search_results) || ' '
	|| (SELECT count(*) FROM ctnas.search_schedules)}), '0 0 0', 'he sees none of the old carl\'s jobs, results or schedules');
($ret, $out, $err) = $node->psql('postgres', "SELECT ctnas.search_status($carls_job)", extra_params => [ '-U', 'carl' ]);
like($err, qr/search job $carls_job does not exist/, 'search_status of the old carl\'s job: it does not exist for him');
is(as('carl', q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights) SELECT 'new_carls_model', weights FROM ctnas.models WHERE name = 'alices_model';
	SELECT owner_oid FROM ctnas.models WHERE name = 'new_carls_model'}), $carl_oid, 'a model the new carl inserts is his (owner_oid = his OID)');
is(sql(qq{SELECT string_agg(name || ' ' || owner || ' -> ' || $role_of, ', ' ORDER BY name) FROM ctnas.models WHERE owner = 'carl'}),
	'carls_model carl -> 0, new_carls_model carl -> carl', 'two models named carl\'s: the old one nobody\'s, the new one his');
is(as('carl', q{WITH u AS (UPDATE ctnas.models SET info = info WHERE owner = 'carl' RETURNING name) SELECT string_agg(name, ',') FROM u}),
	'new_carls_model', 'he updates his own only');
is(as('carl', q{SET client_min_messages = warning;
	SELECT ctnas.search_schedule('weekly', '7 days', 'nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')}),
	'weekly', 'he creates a schedule "weekly" though the old carl\'s "weekly" is there');
is(sql(qq{SELECT string_agg(owner || ' ' || name || ' -> ' || $role_of, ', ' ORDER BY owner, name, owner_oid) FROM ctnas.search_schedules}),
	'bob nightly -> bob, carl weekly -> 0, carl weekly -> carl', 'both "weekly" are there, bound to 0 and to the new carl');
is(as('carl', q{SELECT string_agg(name || ' ' || owner_oid, ',') FROM ctnas.search_schedules}), "weekly $carl_oid", 'he sees only his');
is(as('carl', q{SELECT ctnas.search_unschedule('weekly')}), 't', 'and unschedules it');
is(as('carl', q{SELECT ctnas.search_unschedule('weekly')}), 'f', 'a second unschedule finds none of his');
is(sql(qq{SELECT string_agg(owner || ' ' || name || ' -> ' || $role_of, ', ' ORDER BY owner, name) FROM ctnas.search_schedules}),
	'bob nightly -> bob, carl weekly -> 0', 'the old carl\'s "weekly" stays');

# ======== 7. an upgraded database and a fresh 0.2.0 install are the same ========
# One line per fact about an object the extension owns, keyed by the object's description (no OIDs).
my $describe = q{
WITH ext AS (SELECT e.oid, e.extnamespace, e.extconfig, e.extcondition, e.extversion, e.extrelocatable
             FROM pg_extension e WHERE e.extname = 'ctnas'),
mem AS (SELECT d.classid, d.objid, d.objsubid, pg_describe_object(d.classid, d.objid, d.objsubid) AS what
        FROM pg_depend d JOIN ext ON d.refobjid = ext.oid
        WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'),
rel AS (SELECT c.oid, m.what FROM mem m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid),
fn AS (SELECT p.oid, p.prokind, m.what FROM mem m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid),
facts(k, n, line) AS (
	SELECT 'extension', 0::int8, format('version=%s relocatable=%s schema=%s', extversion, extrelocatable, extnamespace::regnamespace) FROM ext
	UNION ALL
	SELECT 'schema ' || n.nspname, 0, format('owner=%s acl=%s', pg_get_userbyid(n.nspowner), coalesce(n.nspacl::text, '-'))
	FROM ext JOIN pg_namespace n ON n.oid = ext.extnamespace
	UNION ALL
	SELECT m.what, 0, format('member schema owner=%s acl=%s', pg_get_userbyid(n.nspowner), coalesce(n.nspacl::text, '-'))
	FROM mem m JOIN pg_namespace n ON m.classid = 'pg_namespace'::regclass AND n.oid = m.objid
	UNION ALL
	SELECT 'member', 0, what FROM mem
	UNION ALL
	SELECT 'comment on ' || pg_describe_object(d.classoid, d.objoid, d.objsubid), 0, d.description
	FROM pg_description d JOIN mem m ON d.classoid = m.classid AND d.objoid = m.objid
	UNION ALL
	SELECT 'config dump', 0, x.rel::regclass::text || ' where ' || coalesce(nullif(x.cond, ''), '-')
	FROM ext CROSS JOIN LATERAL unnest(ext.extconfig, ext.extcondition) AS x(rel, cond)
	UNION ALL
	SELECT 'initial privileges of ' || pg_describe_object(i.classoid, i.objoid, i.objsubid), 0, i.privtype::text || ' ' || i.initprivs::text
	FROM pg_init_privs i JOIN mem m ON i.classoid = m.classid AND i.objoid = m.objid
	-- functions and aggregates
	UNION ALL
	SELECT f.what, l.n, 'def ' || l.line
	FROM fn f CROSS JOIN LATERAL regexp_split_to_table(pg_get_functiondef(CASE WHEN f.prokind <> 'a' THEN f.oid END), E'\n')
		WITH ORDINALITY AS l(line, n)
	UNION ALL
	SELECT f.what, 0, format('kind=%s owner=%s acl=%s', p.prokind, pg_get_userbyid(p.proowner), coalesce(p.proacl::text, '-'))
	FROM fn f JOIN pg_proc p ON p.oid = f.oid
	UNION ALL
	SELECT f.what, 0, format('aggregate kind=%s trans=%s final=%s combine=%s serial=%s deserial=%s stype=%s finalextra=%s finalmodify=%s init=%s strict=%s parallel=%s',
		a.aggkind, a.aggtransfn::oid::regprocedure, a.aggfinalfn::oid::regprocedure, a.aggcombinefn::oid::regprocedure,
		a.aggserialfn::oid::regprocedure, a.aggdeserialfn::oid::regprocedure, a.aggtranstype::regtype, a.aggfinalextra,
		a.aggfinalmodify, coalesce(a.agginitval, '-'), p.proisstrict, p.proparallel)
	FROM fn f JOIN pg_aggregate a ON a.aggfnoid = f.oid JOIN pg_proc p ON p.oid = f.oid
	-- types, casts, operators, operator classes and families
	UNION ALL
	SELECT m.what, 0, format('type typtype=%s len=%s byval=%s align=%s storage=%s in=%s out=%s recv=%s send=%s category=%s owner=%s acl=%s',
		t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage, t.typinput::oid::regprocedure, t.typoutput::oid::regprocedure,
		t.typreceive::oid::regprocedure, t.typsend::oid::regprocedure, t.typcategory, pg_get_userbyid(t.typowner), coalesce(t.typacl::text, '-'))
	FROM mem m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid
	UNION ALL
	SELECT m.what, 0, format('cast function=%s context=%s method=%s', c.castfunc::regprocedure, c.castcontext, c.castmethod)
	FROM mem m JOIN pg_cast c ON m.classid = 'pg_cast'::regclass AND c.oid = m.objid
	UNION ALL
	SELECT m.what, 0, format('operator code=%s commutator=%s negator=%s restrict=%s join=%s merges=%s hashes=%s',
		o.oprcode::oid::regprocedure, o.oprcom::regoperator, o.oprnegate::regoperator, o.oprrest::oid::regprocedure,
		o.oprjoin::oid::regprocedure, o.oprcanmerge, o.oprcanhash)
	FROM mem m JOIN pg_operator o ON m.classid = 'pg_operator'::regclass AND o.oid = m.objid
	UNION ALL
	SELECT m.what, 0, format('opclass default=%s type=%s family=%s', oc.opcdefault, oc.opcintype::regtype,
		pg_describe_object('pg_opfamily'::regclass, oc.opcfamily, 0))
	FROM mem m JOIN pg_opclass oc ON m.classid = 'pg_opclass'::regclass AND oc.oid = m.objid
	UNION ALL
	SELECT pg_describe_object('pg_opfamily'::regclass, f.oid, 0), 0,
		format('amop %s %s (%s, %s) %s', ao.amopstrategy, ao.amopopr::regoperator, ao.amoplefttype::regtype, ao.amoprighttype::regtype, ao.amoppurpose)
	FROM ext JOIN pg_opfamily f ON f.opfnamespace = ext.extnamespace JOIN pg_amop ao ON ao.amopfamily = f.oid
	UNION ALL
	SELECT pg_describe_object('pg_opfamily'::regclass, f.oid, 0), 0,
		format('amproc %s %s (%s, %s)', ap.amprocnum, ap.amproc::oid::regprocedure, ap.amproclefttype::regtype, ap.amprocrighttype::regtype)
	FROM ext JOIN pg_opfamily f ON f.opfnamespace = ext.extnamespace JOIN pg_amproc ap ON ap.amprocfamily = f.oid
	-- tables, views, sequences
	UNION ALL
	SELECT r.what, 0, format('relation kind=%s persistence=%s rls=%s force_rls=%s options=%s owner=%s acl=%s', c.relkind, c.relpersistence,
		c.relrowsecurity, c.relforcerowsecurity, coalesce(c.reloptions::text, '-'), pg_get_userbyid(c.relowner), coalesce(c.relacl::text, '-'))
	FROM rel r JOIN pg_class c ON c.oid = r.oid
	UNION ALL
	SELECT r.what, 0, format('column %s %s %s notnull=%s default=%s identity=%s generated=%s collation=%s acl=%s',
		lpad(a.pos::text, 3, '0'), a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
		coalesce(pg_get_expr(d.adbin, d.adrelid), '-'), a.attidentity, a.attgenerated,
		CASE WHEN a.attcollation = 0 THEN '-' ELSE a.attcollation::regcollation::text END, coalesce(a.attacl::text, '-'))
	FROM rel r CROSS JOIN LATERAL (SELECT row_number() OVER (ORDER BY x.attnum) AS pos, x.* FROM pg_attribute x
		WHERE x.attrelid = r.oid AND x.attnum > 0 AND NOT x.attisdropped) a
	LEFT JOIN pg_attrdef d ON d.adrelid = r.oid AND d.adnum = a.attnum
	UNION ALL
	SELECT r.what, 0, format('constraint %s %s deferrable=%s deferred=%s', co.conname, pg_get_constraintdef(co.oid), co.condeferrable, co.condeferred)
	FROM rel r JOIN pg_constraint co ON co.conrelid = r.oid
	UNION ALL
	SELECT r.what, 0, 'index ' || pg_get_indexdef(i.indexrelid)
	FROM rel r JOIN pg_index i ON i.indrelid = r.oid
	UNION ALL
	SELECT r.what, 0, format('policy %s permissive=%s roles=%s cmd=%s using=%s check=%s', p.policyname, p.permissive, p.roles::text, p.cmd,
		coalesce(p.qual, '-'), coalesce(p.with_check, '-'))
	FROM rel r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace ns ON ns.oid = c.relnamespace
	JOIN pg_policies p ON p.schemaname = ns.nspname AND p.tablename = c.relname
	UNION ALL
	SELECT r.what, 0, format('trigger %s enabled=%s', pg_get_triggerdef(t.oid), t.tgenabled)
	FROM rel r JOIN pg_trigger t ON t.tgrelid = r.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT r.what, l.n, 'view ' || l.line
	FROM rel r JOIN pg_class c ON c.oid = r.oid AND c.relkind = 'v'
	CROSS JOIN LATERAL regexp_split_to_table(pg_get_viewdef(c.oid), E'\n') WITH ORDINALITY AS l(line, n)
	UNION ALL
	SELECT r.what, 0, format('sequence type=%s start=%s increment=%s min=%s max=%s cache=%s cycle=%s', s.seqtypid::regtype, s.seqstart,
		s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
	FROM rel r JOIN pg_sequence s ON s.seqrelid = r.oid
	UNION ALL
	SELECT r.what, 0, 'owned by ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
	FROM rel r JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.deptype = 'a'
)
SELECT string_agg(k || ' | ' || line, E'\n' ORDER BY k COLLATE "C", n, line COLLATE "C") FROM facts
};

# lines of one blob missing from the other, for the message
sub catalog_diff
{
	my ($got, $want, $got_name, $want_name) = @_;
	my (%g, %w);
	$g{$_}++ for split /\n/, $got;
	$w{$_}++ for split /\n/, $want;
	my @only_g = grep { ($g{$_} // 0) > ($w{$_} // 0) } sort keys %g;
	my @only_w = grep { ($w{$_} // 0) > ($g{$_} // 0) } sort keys %w;
	return join("\n", "only in $got_name:", map({ "  + $_" } @only_g), "only in $want_name:", map({ "  - $_" } @only_w));
}

sub same_catalog
{
	my ($db_a, $db_b, $name) = @_;
	my ($a, $b) = ($node->safe_psql($db_a, $describe), $node->safe_psql($db_b, $describe));
	ok($a eq $b, $name) or diag(catalog_diff($a, $b, $db_a, $db_b));
	return $a;
}

sql('CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION ctnas');
is($node->safe_psql('fresh', q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.2.0',
	'CREATE EXTENSION ctnas (no version) installs 0.2.0');
my $desc = same_catalog('postgres', 'fresh', 'the upgraded extension and a fresh 0.2.0 install own the same objects, defined the same');
same_catalog('restored010', 'fresh', 'the extension restored from the 0.1.0 dump is the same as a fresh install');
# (so the comparison is not vacuous)
my $lines = () = $desc =~ /\n/g;
ok($lines > 300, "the description is detailed ($lines lines)");
# (a fact missing from the description is reported with the lines it has about the object, not the whole description)
sub desc_has
{
	my ($key, $re, $name) = @_;
	my @about = grep { index($_, "$key | ") == 0 } split /\n/, $desc;
	ok(scalar(grep { /$re/ } @about), $name) or diag(join("\n", "lines about $key:", @about));
}
desc_has('member', qr/^member \| table ctnas\.search_workers$/, 'it lists search_workers');
desc_has('table ctnas.search_schedules',
	qr/\| index CREATE UNIQUE INDEX search_schedules_owner_name ON ctnas\.search_schedules USING btree \(owner_oid, name\) WHERE \(owner_oid <> \(0\)::oid\)$/,
	'the schedules\' unique (owner_oid, name)');
{
	my @pk = grep { /^table ctnas\.search_schedules \| constraint .*PRIMARY KEY/ } split /\n/, $desc;
	is(scalar(@pk), 0, 'no primary key on search_schedules') or diag(join("\n", @pk));
}
desc_has('table ctnas.models', qr/\| column 002 owner name notnull=t default=CURRENT_USER /, 'the owner column of models stays a name');
desc_has('table ctnas.models', qr/\| column 006 owner_oid oid notnull=t default=- /, 'beside owner_oid');
desc_has('table ctnas.search_jobs', qr/\| column \d+ owner_oid oid notnull=t default=- /, 'in jobs');
desc_has('table ctnas.search_schedules', qr/\| column \d+ owner_oid oid notnull=t default=- /, 'and in schedules');
for my $t ('models', 'search_jobs', 'search_schedules')
{
	desc_has("table ctnas.$t",
		qr/\| trigger CREATE TRIGGER ${t}_owner_bind BEFORE INSERT OR UPDATE ON ctnas\.$t FOR EACH ROW EXECUTE FUNCTION ctnas_internal\.owner_bind\(\) enabled=O$/,
		"the owner_bind trigger of $t");
}
desc_has('table ctnas.search_jobs', qr/\| policy search_jobs_owner .* using=pg_has_role\(owner_oid, 'MEMBER'::text\)/, 'the policies go by owner_oid');
desc_has('table ctnas.models', qr/\| policy models_update .* using=pg_has_role\(owner_oid, 'MEMBER'::text\) check=pg_has_role\(owner_oid, 'MEMBER'::text\)$/,
	'(models_update too)');
desc_has('table ctnas.search_jobs', qr/\| column 003 session_role name notnull=f default=- /, 'the 0.1.0 session_role stays, nullable');
desc_has('table ctnas.search_jobs', qr/\| column \d+ submit_xid xid8 notnull=f default=- /, 'so does submit_xid');
desc_has('table ctnas.search_schedules', qr/\| column \d+ session_role name notnull=f default=- /, 'and the schedules\' session_role');
desc_has('table ctnas.search_jobs',
	qr/\| trigger CREATE TRIGGER search_jobs_legacy_null BEFORE INSERT OR UPDATE ON ctnas\.search_jobs FOR EACH ROW EXECUTE FUNCTION ctnas_internal\.search_jobs_legacy_null\(\) enabled=O$/,
	'the trigger that nulls them');
desc_has('function ctnas.search_unschedule(text,regrole)', qr/\| def CREATE OR REPLACE FUNCTION ctnas\.search_unschedule\(name text, owner regrole DEFAULT NULL::regrole\)$/,
	'search_unschedule(name text, owner regrole DEFAULT NULL)');
desc_has('function ctnas_internal.search_job_stale(ctnas.search_jobs)', qr/\| def\s+LANGUAGE c$/, 'search_job_stale in C');
# the support functions are in ctnas_internal, a schema of the extension: ctnas keeps what users call
desc_has('schema ctnas_internal', qr/\| member schema owner=\S+ acl=\{\S+=UC\/\S+,=U\/\S+\}$/,
	'schema ctnas_internal is a member of the extension, every role may use it, only its owner create in it');
desc_has('type ctnas.archgraph', qr/\| type .* in=ctnas_internal\.archgraph_in\(cstring\) out=ctnas_internal\.archgraph_out\(ctnas\.archgraph\) /,
	'the type\'s I/O functions are there');
desc_has('function ctnas.nac_train(ctnas.archgraph,double precision,jsonb)',
	qr/\| aggregate .* trans=ctnas_internal\.nac_train_trans\(ctnas_internal\.nac_train_state,ctnas\.archgraph,double precision,jsonb\) final=ctnas_internal\.nac_train_final\(ctnas_internal\.nac_train_state\) combine=ctnas_internal\.nac_train_combine\(ctnas_internal\.nac_train_state,ctnas_internal\.nac_train_state\) serial=- deserial=- stype=ctnas_internal\.nac_train_state /,
	'so are the aggregates\' support functions, on a state type Citus can ship (0.2.0)');
desc_has('function ctnas.kendall_tau(double precision,double precision)',
	qr/\| aggregate .* trans=ctnas_internal\.kendall_tau_trans\(ctnas_internal\.kendall_tau_state,double precision,double precision\) .* stype=ctnas_internal\.kendall_tau_state .* parallel=s$/,
	'(kendall_tau too, still parallel safe)');
desc_has('operator family ctnas.archgraph_ops for access method btree', qr/\| amproc 1 ctnas_internal\.archgraph_cmp\(ctnas\.archgraph,ctnas\.archgraph\) /,
	'and the operator classes\'');
{
	my @moved = grep { /^(?:member \| )?function ctnas\.(?:archgraph_(?:in|out|recv|send|cmp|eq|ne|lt|le|gt|ge|hashcode\w*)|\w+_(?:trans|final|combine|serial|deserial)fn|owner_bind|models_set_info|models_invalidate|search_jobs_legacy_null|search_jobs_keys|search_job_stale)\(/ }
		split /\n/, $desc;
	is(scalar(@moved), 0, 'no support function is left in schema ctnas') or diag(join("\n", @moved));
}
desc_has('config dump', qr/\| ctnas\.search_schedules where WHERE pg_catalog\.pg_has_role\(owner_oid, 'MEMBER'\)$/,
	'the config-dump list: a role dumps the rows of the roles it is a member of');
unlike($desc, qr/config dump.*search_jobs_id_seq/, 'and not the sequence (the job-keys trigger moves it past restored ids)');
unlike($desc, qr/search_worker_alive|search_session_role_guard|_session_role BEFORE/,
	'nothing of search_worker_alive or the session-role guard');

# ======== 8. pg_dump of the upgraded database restores into a fresh one ========
my ($counts_want, $owners_want) = (sql($counts), sql($owners));
is($counts_want, '5 jobs, 38 results, 3 models, 2 schedules', "the upgraded database has $counts_want");
my $dump = $node->basedir . '/upgraded.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump -Fc of the upgraded database');
sql('CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore into a fresh database');
is($node->safe_psql('restored', $counts), $counts_want, 'the same jobs, results, models and schedules');
is($node->safe_psql('restored', $owners), $owners_want, 'with the same owner names (alice, bob and carl)');
# A dump keeps owner names, and the trigger binds restored rows by name, except rows that were nobody's
# (owner_oid 0) in the source: the old carl's rows stay nobody's, although a role named carl exists now.
is($node->safe_psql('restored', $bound),
	'model alices_model alice -> alice, model carls_model carl -> 0, model new_carls_model carl -> carl, '
	. "job $done alice -> alice, job $running alice -> alice, job $queued bob -> bob, job $carls_job carl -> 0, job $new alice -> alice, "
	. 'schedule nightly bob -> bob, schedule weekly carl -> 0',
	'restored rows are bound by owner name, but the old carl\'s rows (0 in the source) stay nobody\'s although a new carl exists');
is($node->safe_psql('restored', $legacy), '0 0', 'the 0.1.0 columns are NULL there');
is($node->safe_psql('restored', $fp{values}), $before{values}, 'the values table is restored');
is($node->safe_psql('restored', $scores_by_name), sql($scores_by_name), 'the restored models (the new carl\'s too) score by name as in the source');
same_catalog('restored', 'fresh', 'the restored extension is the same as a fresh install');

$node->stop;
done_testing();
