# The attacks of the security review that need a server of their own: a
# schema (ctnas, or ctnas_internal of the support functions) planted before
# CREATE EXTENSION or after it (the launcher, a superuser, must never run a
# plain role's objects), a cancel in a restored copy of a database, and a
# job owner that cannot leave its role even with the launcher starting its
# worker.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;

my $node = PostgreSQL::Test::Cluster->new('security');
$node->init;
$node->append_conf('postgresql.conf', join("\n",
	"shared_preload_libraries = 'ctnas'",
	"ctnas.launcher_database = 'postgres'",
	"max_worker_processes = 16", ''));
$node->start;
my ($ret, $out, $err);

# ---- 1. a schema made before CREATE EXTENSION by someone else is refused --------------
$node->safe_psql('postgres', q{CREATE ROLE mallory LOGIN; CREATE DATABASE evil OWNER mallory;});
$node->safe_psql('evil', 'CREATE SCHEMA ctnas', extra_params => [ '-U', 'mallory' ]);
($ret, $out, $err) = $node->psql('evil', 'CREATE EXTENSION ctnas');
like($err, qr/schema ctnas is owned by role mallory, which is not a superuser/,
	'CREATE EXTENSION refuses a ctnas schema that a plain role made beforehand');
is($node->safe_psql('evil', q{SELECT count(*) FROM pg_extension WHERE extname = 'ctnas'}) . '/' .
	$node->safe_psql('evil', q{SELECT count(*) FROM pg_class WHERE relnamespace = 'ctnas'::regnamespace}), '0/0',
	'and leaves nothing behind (no extension, nothing in the schema)');
$node->safe_psql('evil', 'DROP SCHEMA ctnas', extra_params => [ '-U', 'mallory' ]);
$node->safe_psql('evil', 'CREATE SCHEMA ctnas; GRANT CREATE ON SCHEMA ctnas TO PUBLIC;');
($ret, $out, $err) = $node->psql('evil', 'CREATE EXTENSION ctnas');
like($err, qr/roles other than superusers may create objects in schema ctnas/,
	'a superuser\'s schema in which others may create objects is refused too');
$node->safe_psql('evil', 'DROP SCHEMA ctnas');
# the schema of the support functions, likewise
$node->safe_psql('evil', 'CREATE SCHEMA ctnas_internal', extra_params => [ '-U', 'mallory' ]);
($ret, $out, $err) = $node->psql('evil', 'CREATE EXTENSION ctnas');
like($err, qr/schema ctnas_internal already exists \(owned by role mallory\).*HINT:\s+Drop or rename that schema/s,
	'CREATE EXTENSION refuses a ctnas_internal schema that a plain role made beforehand, saying why');
is($node->safe_psql('evil', q{SELECT count(*) FROM pg_extension WHERE extname = 'ctnas'}) . '/' .
	$node->safe_psql('evil', q{SELECT count(*) FROM pg_namespace WHERE nspname = 'ctnas'}), '0/0',
	'and leaves nothing behind (no extension, no ctnas schema)');
$node->safe_psql('evil', 'DROP SCHEMA ctnas_internal', extra_params => [ '-U', 'mallory' ]);
$node->safe_psql('evil', 'CREATE EXTENSION ctnas');
is($node->safe_psql('evil', q{SELECT string_agg(n.nspname || ' ' || r.rolsuper, ', ' ORDER BY n.nspname) FROM pg_namespace n
	JOIN pg_roles r ON r.oid = n.nspowner WHERE n.nspname IN ('ctnas', 'ctnas_internal')}),
	'ctnas true, ctnas_internal true', 'without them, CREATE EXTENSION makes its own schemas, owned by the superuser');
($ret, $out, $err) = $node->psql('evil', 'ALTER SCHEMA ctnas RENAME TO mine', extra_params => [ '-U', 'mallory' ]);
like($err, qr/must be owner of schema ctnas/, 'which the database owner cannot rename');
($ret, $out, $err) = $node->psql('evil', 'ALTER SCHEMA ctnas_internal RENAME TO mine', extra_params => [ '-U', 'mallory' ]);
like($err, qr/must be owner of schema ctnas_internal/, '(either of them)');
# an upgrade from 0.1.0 creates ctnas_internal: default privileges that would let others create in it are refused
$node->safe_psql('evil', q{DROP EXTENSION ctnas; DROP SCHEMA ctnas; CREATE EXTENSION ctnas VERSION '0.1.0';
	ALTER DEFAULT PRIVILEGES GRANT CREATE ON SCHEMAS TO mallory;});
($ret, $out, $err) = $node->psql('evil', 'ALTER EXTENSION ctnas UPDATE');
like($err, qr/roles other than superusers may create objects in schema ctnas_internal/,
	'ALTER EXTENSION UPDATE refuses a ctnas_internal in which default privileges let others create');
$node->safe_psql('evil', q{ALTER DEFAULT PRIVILEGES REVOKE CREATE ON SCHEMAS FROM mallory; ALTER EXTENSION ctnas UPDATE;});
is($node->safe_psql('evil', q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.2.0', 'without them it updates');

# ---- 2. the C code reaches its objects through the extension, not by a name --------------
load_sample($node, q{GRANT SELECT ON nb101 TO PUBLIC; GRANT CREATE ON DATABASE postgres TO mallory;});
ok($node->poll_query_until('postgres', q{SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'ctnas launcher'}),
	'the launcher runs');
$node->safe_psql('postgres', q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights) SELECT 'real', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 5, "seed": 1}') FROM nb101 LIMIT 100;});
my $score_sql = q{SELECT round(ctnas.nac_score(arch, 'real')::numeric, 6) FROM nb101 ORDER BY hash LIMIT 1};
my $score = $node->safe_psql('postgres', $score_sql);
# a superuser renames the schemas (say, by mistake); mallory plants "ctnas" and "ctnas_internal" schemas with traps
$node->safe_psql('postgres', 'ALTER SCHEMA ctnas RENAME TO ctnas_home; ALTER SCHEMA ctnas_internal RENAME TO ctnas_internal_home');
$node->safe_psql('postgres', q{
	CREATE SCHEMA ctnas;
	CREATE TABLE ctnas.trap_log (who name, what text);
	GRANT INSERT ON ctnas.trap_log TO PUBLIC;
	CREATE FUNCTION ctnas.trap(text) RETURNS bool LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO ctnas.trap_log VALUES (current_user, $1);
		BEGIN EXECUTE 'ALTER ROLE mallory SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END;
		RETURN true;
	END $$;
	CREATE TABLE ctnas.search_jobs (LIKE ctnas_home.search_jobs INCLUDING DEFAULTS);
	CREATE FUNCTION ctnas.search_job_stale(j ctnas.search_jobs) RETURNS jsonb LANGUAGE sql AS $$ SELECT CASE WHEN ctnas.trap('stale') THEN '{}'::jsonb END $$;
	CREATE TABLE ctnas.search_workers (LIKE ctnas_home.search_workers);
	CREATE TABLE ctnas.search_schedules (LIKE ctnas_home.search_schedules INCLUDING DEFAULTS);
	CREATE TABLE ctnas.models (name text, owner name, created_at timestamptz, info jsonb, weights bytea, owner_oid oid);
	CREATE VIEW ctnas.search_checkpoints AS SELECT 1::int8 AS job_id, now() AS saved_at, ''::bytea AS state WHERE ctnas.trap('checkpoint');
	INSERT INTO ctnas.search_jobs (id, owner, owner_oid, method, oracle, budget, options, status)
		VALUES (1, 'mallory', 'mallory'::regrole, 'random', 'SELECT 1', 1, '{}', 'running');
	INSERT INTO ctnas.search_schedules (name, owner, owner_oid, every, method, oracle, budget, options, next_run_at)
		VALUES ('trap', 'mallory', 'mallory'::regrole, '1 second', 'random', 'SELECT 1', 1, '{}', now());
	ALTER SCHEMA ctnas OWNER TO mallory; ALTER TABLE ctnas.trap_log OWNER TO mallory;
	ALTER FUNCTION ctnas.trap(text) OWNER TO mallory; ALTER FUNCTION ctnas.search_job_stale(ctnas.search_jobs) OWNER TO mallory;
	ALTER TABLE ctnas.search_jobs OWNER TO mallory; ALTER TABLE ctnas.search_workers OWNER TO mallory;
	ALTER TABLE ctnas.search_schedules OWNER TO mallory; ALTER TABLE ctnas.models OWNER TO mallory;
	ALTER VIEW ctnas.search_checkpoints OWNER TO mallory;
	CREATE SCHEMA ctnas_internal;
	CREATE FUNCTION ctnas_internal.search_job_stale(j ctnas.search_jobs) RETURNS jsonb LANGUAGE sql AS $$ SELECT CASE WHEN ctnas.trap('internal stale') THEN '{}'::jsonb END $$;
	CREATE FUNCTION ctnas_internal.search_job_stale(j ctnas_home.search_jobs) RETURNS jsonb LANGUAGE sql AS $$ SELECT CASE WHEN ctnas.trap('internal stale, real row') THEN '{}'::jsonb END $$;
	ALTER SCHEMA ctnas_internal OWNER TO mallory;
	ALTER FUNCTION ctnas_internal.search_job_stale(ctnas.search_jobs) OWNER TO mallory;
	ALTER FUNCTION ctnas_internal.search_job_stale(ctnas_home.search_jobs) OWNER TO mallory;});
my $job = $node->safe_psql('postgres', q{SELECT ctnas_home.search_submit('public.nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')},
	extra_params => [ '-U', 'mallory' ]);
is($node->safe_psql('postgres', "SELECT status FROM ctnas_home.search_wait($job, '60 s')", extra_params => [ '-U', 'mallory' ]),
	'succeeded', 'with the schema renamed and a look-alike planted, a job runs in the real tables');
is($node->safe_psql('postgres', $score_sql =~ s/ctnas\./ctnas_home./r), $score, 'nac_score reads the real model');
sleep 3;	# three passes of the launcher
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.trap_log'), '0',
	'neither the launcher nor a worker nor the SQL functions ran anything of the planted schema');
is($node->safe_psql('postgres', q{SELECT rolsuper FROM pg_roles WHERE rolname = 'mallory'}), 'f', 'mallory is no superuser');
# should a superuser hand the extension's schema to a plain role, the C code stops using it
$node->safe_psql('postgres', 'ALTER SCHEMA ctnas_home OWNER TO mallory');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas_home.search_submit('public.nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')});
like($err, qr/schema "ctnas_home" of extension ctnas is owned by a role that is not a superuser/,
	'a schema of the extension owned by a plain role is refused at run time');
# or lets a plain role create objects in it
$node->safe_psql('postgres', 'ALTER SCHEMA ctnas_home OWNER TO postgres; GRANT CREATE ON SCHEMA ctnas_home TO mallory');
($ret, $out, $err) = $node->psql('postgres', q{SELECT ctnas_home.search_submit('public.nb101', 20, '{"acc_column": "test_acc_run0"}', 'random')});
like($err, qr/roles other than superusers may create objects in schema "ctnas_home" of extension ctnas/,
	'a schema of the extension in which a plain role may create objects is refused at run time');
$node->safe_psql('postgres', 'REVOKE CREATE ON SCHEMA ctnas_home FROM mallory');
# the same for the schema of the support functions (search_status runs search_job_stale from it)
my $status_sql = "SELECT status FROM ctnas_home.search_status($job)";
$node->safe_psql('postgres', 'ALTER SCHEMA ctnas_internal_home OWNER TO mallory');
($ret, $out, $err) = $node->psql('postgres', $status_sql);
like($err, qr/schema "ctnas_internal_home" of extension ctnas is owned by a role that is not a superuser/,
	'the support functions\' schema owned by a plain role is refused at run time');
$node->safe_psql('postgres', 'ALTER SCHEMA ctnas_internal_home OWNER TO postgres; GRANT CREATE ON SCHEMA ctnas_internal_home TO mallory');
($ret, $out, $err) = $node->psql('postgres', $status_sql);
like($err, qr/roles other than superusers may create objects in schema "ctnas_internal_home" of extension ctnas/,
	'and so is one in which a plain role may create objects');
$node->safe_psql('postgres', 'REVOKE CREATE ON SCHEMA ctnas_internal_home FROM mallory');
is($node->safe_psql('postgres', $status_sql), 'succeeded', 'back in a superuser\'s hands, it works');
is($node->safe_psql('postgres', 'SELECT count(*) FROM ctnas.trap_log'), '0', 'and nothing planted ran');
$node->safe_psql('postgres', 'DROP SCHEMA ctnas CASCADE; ALTER SCHEMA ctnas_home RENAME TO ctnas;
	DROP SCHEMA ctnas_internal CASCADE; ALTER SCHEMA ctnas_internal_home RENAME TO ctnas_internal');

# ---- 3. a cancel in a restored copy of the database does not reach the original's job ------
my $long = $LONG;
$node->safe_psql('postgres', q{CREATE ROLE alice LOGIN});
my $orig = $node->safe_psql('postgres', "SELECT ctnas.search_submit('nb101', 50, '$long')", extra_params => [ '-U', 'alice' ]);
$node->poll_query_until('postgres', "SELECT count(*) = 1 FROM ctnas.search_workers WHERE job_id = $orig AND claimed");
my $dump = $node->basedir . '/copy.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump while the job runs');
$node->safe_psql('postgres', 'CREATE DATABASE copy');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('copy'), $dump ], 'pg_restore into another database');
is($node->safe_psql('copy', 'SELECT count(*) FROM ctnas.search_workers'), '0', 'the worker records are not dumped');
# even a worker record copied over (as CREATE DATABASE ... TEMPLATE would) names a process of another database
my $wrow = $node->safe_psql('postgres', "SELECT pid || ',''' || backend_start || ''',''' || postmaster_start || '''' FROM ctnas.search_workers WHERE job_id = $orig");
$node->safe_psql('copy', "INSERT INTO ctnas.search_workers VALUES ($orig, $wrow, true)");
is($node->safe_psql('copy', "SELECT ctnas.search_cancel($orig)", extra_params => [ '-U', 'alice' ]), 't',
	'alice cancels the copy of her job in the copy');
is($node->safe_psql('copy', "SELECT status FROM ctnas.search_status($orig)", extra_params => [ '-U', 'alice' ]), 'failed',
	'which, having no worker in that database, shows as failed');
sleep 2;
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_jobs WHERE id = $orig"), 'running',
	'the original job runs on, its worker not signalled');
$node->safe_psql('postgres', "SELECT ctnas.search_cancel($orig)", extra_params => [ '-U', 'alice' ]);
is($node->safe_psql('postgres', "SELECT status FROM ctnas.search_wait($orig, '60 s')"), 'cancelled',
	'a cancel in its own database stops it');

$node->stop;
done_testing();
