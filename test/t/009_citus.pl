# ctnas on a Citus cluster (a coordinator and two workers on this machine,
# a third worker added later): each distributed query gives what the same
# query gives on a local table; aggregates are computed partially on the
# workers; models reach every node and keep their row-level security.
# Skipped when Citus is not installed (test/citus/ensure_citus.sh builds it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;

my $sharedir = `pg_config --sharedir`;
chomp $sharedir;
plan skip_all => 'Citus is not installed (as root: bash test/citus/ensure_citus.sh)'
  unless -f "$sharedir/extension/citus.control";

my $root = abs_path(dirname(__FILE__) . '/../..');

sub citus_node
{
	my ($name) = @_;
	my $n = PostgreSQL::Test::Cluster->new($name);
	$n->init;
	$n->append_conf('postgresql.conf', join("\n",
		"listen_addresses = 'localhost'",	# Citus connects to nodes over TCP
		"shared_preload_libraries = 'citus,ctnas'",
		"citus.node_conninfo = 'sslmode=disable'",
		"citus.shard_count = 4",
		"max_worker_processes = 16", ""));
	$n->start;
	$n->safe_psql('postgres', 'SET client_min_messages = warning; CREATE EXTENSION citus');
	return $n;
}

my $coord = citus_node('coord');
my @workers = (citus_node('w1'), citus_node('w2'));

sub cq { return $coord->safe_psql('postgres', $_[0]); }

# ---- without Citus in the database: a clear error ------------------------------
$coord->safe_psql('postgres', 'CREATE DATABASE plain');
$coord->safe_psql('plain', 'CREATE EXTENSION ctnas');
my ($ret, $out, $err) = $coord->psql('plain', 'SELECT ctnas.citus_enable()');
like($err, qr/ctnas.citus_enable\(\) needs the citus extension in this database/, 'citus_enable without Citus: an error');

# ---- the cluster ---------------------------------------------------------------
cq("SELECT citus_set_coordinator_host('localhost', ${\ $coord->port })");
cq("SELECT citus_add_node('localhost', ${\ $_->port })") for @workers;
load_sample($coord, q{
	GRANT SELECT ON nb101 TO PUBLIC;
	CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN;
	CREATE SCHEMA dist; GRANT USAGE ON SCHEMA dist TO PUBLIC;
});
is(cq(q{SELECT string_agg(result, ',') FROM run_command_on_workers($$SELECT extversion FROM pg_extension WHERE extname = 'ctnas'$$)}),
	'0.2.0,0.2.0', 'CREATE EXTENSION ctnas on the coordinator reached both workers');

# the loader's distributable table, by hash, in schema dist
$coord->command_ok(
	[ 'sh', '-c', "PGOPTIONS='-c search_path=dist,public -c client_min_messages=warning' psql -X -q -v distributed=1 "
		. "-d '${\ $coord->connstr('postgres') }' -f '$root/data/load_sample.sql' < '$root/data/nb101_sample.csv'" ],
	'data/load_sample.sql -v distributed=1 loads a distributed table');
is(cq(q{SELECT partmethod::text || ' ' || count(*) FROM pg_dist_partition p JOIN pg_dist_shard s USING (logicalrelid)
	WHERE logicalrelid = 'dist.nb101'::regclass GROUP BY partmethod}), 'h 4', 'dist.nb101 is hash-distributed in 4 shards');
cq('GRANT SELECT ON dist.nb101 TO PUBLIC');
is(cq('SELECT count(*) FROM dist.nb101'), '5100', 'with all 5,100 cells');
($ret, $out, $err) = $coord->psql('postgres',
	q{INSERT INTO dist.nb101 SELECT md5('x'), arch, num_vertices, test_acc_run0, trainable_parameters FROM nb101 LIMIT 1});
like($err, qr/nb101_hash_of_arch/, 'a second row of a cell is refused (its hash is checked)');

# ---- models in distributed queries ------------------------------------------------
cq(q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights) SELECT 'early', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 5, "seed": 1}') FROM nb101});
my $status = cq('SELECT ctnas.citus_enable()');
is($status, 'ctnas: ready on the coordinator and 2 workers', 'citus_enable checks the cluster');
is(cq('SELECT ctnas.citus_enable()'), $status, 'and is idempotent');
($ret, $out, $err) = $workers[0]->psql('postgres', 'SELECT ctnas.citus_enable()');
like($err, qr/runs on the coordinator of a Citus cluster, not on a worker/, 'citus_enable on a worker: an error');
($ret, $out, $err) = $coord->psql('postgres', 'SET ROLE alice; SELECT ctnas.citus_enable()');
like($err, qr/permission denied for function citus_enable/, 'citus_enable is for superusers');
cq(q{SET client_min_messages = warning;
	INSERT INTO ctnas.models (name, weights) SELECT 'm', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 10, "seed": 2}') FROM nb101});

# the same query on the distributed and on the local table
sub same
{
	my ($query, $what) = @_;
	(my $local = $query) =~ s/dist\.nb101/public.nb101/g;
	my $d = cq($query);
	is($d, cq($local), $what);
	return $d;
}

my $top = same(q{SELECT string_agg(hash || ' ' || s, ',' ORDER BY s DESC, hash) FROM
	(SELECT hash, ctnas.nac_score(arch, 'm') AS s FROM dist.nb101 ORDER BY 2 DESC, 1 LIMIT 3) t},
	'ORDER BY nac_score(arch, name) LIMIT 3 on the distributed table = on the local one');
isnt($top, '', 'and it has rows');
same(q{SELECT string_agg(hash, ',' ORDER BY hash) FROM (SELECT hash FROM dist.nb101 ORDER BY ctnas.nac_score(arch, 'early') DESC, hash LIMIT 5) t},
	'with a model made before citus_enable');
my $plan = cq(q{EXPLAIN (VERBOSE, COSTS OFF) SELECT hash, ctnas.nac_score(arch, 'm') FROM dist.nb101 ORDER BY 2 DESC, 1 LIMIT 3});
like($plan, qr/Distributed Subplan.*ctnas\.models/s, 'the coordinator reads the model once, from its ctnas.models');
like($plan, qr/Query: SELECT .*ctnas_internal\.nac_score_query_model\(.*read_intermediate_result.* LIMIT '3'::bigint/,
	'and sends the weights to the workers, which score, sort and apply the LIMIT');
same(q{SELECT count(*) FROM dist.nb101 WHERE ctnas.nac_compare(arch, (SELECT arch FROM public.nb101 ORDER BY hash LIMIT 1), 'm') > 0.5},
	'nac_compare by name in a distributed query');

# aggregates: partial on the workers, combined on the coordinator (with the strategy "disabled", Citus
# refuses any aggregate it would compute by pulling every row to the coordinator)
my $agg_settings = q{SET citus.coordinator_aggregation_strategy = 'disabled'; SET client_min_messages = warning;};
like(cq(qq{$agg_settings EXPLAIN (VERBOSE, COSTS OFF) SELECT ctnas.kendall_tau(ctnas.nac_score(arch, 'm'), test_acc_run0) FROM dist.nb101}),
	qr/coord_combine_agg.*worker_partial_agg\('ctnas\.kendall_tau\(double precision,double precision\)'/s,
	'kendall_tau is computed partially on the workers');
my $tau = same(qq{$agg_settings SELECT ctnas.kendall_tau(ctnas.nac_score(arch, 'm'), test_acc_run0) FROM dist.nb101},
	'kendall_tau over the distributed table = over the local one');
cmp_ok($tau, '>', 0.3, "and ranks ($tau)");
same(qq{$agg_settings SELECT string_agg(num_vertices || ':' || coalesce(t::text, '-'), ',' ORDER BY num_vertices) FROM
	(SELECT num_vertices, ctnas.kendall_tau(trainable_parameters, test_acc_run0) AS t FROM dist.nb101 GROUP BY 1) g},
	'kendall_tau per group');
like(cq(qq{$agg_settings EXPLAIN (VERBOSE, COSTS OFF) SELECT ctnas.nac_train(arch, test_acc_run0, '{"epochs": 3}') FROM dist.nb101}),
	qr/worker_partial_agg\('ctnas\.nac_train\(ctnas\.archgraph,double precision,jsonb\)'/, 'nac_train is collected partially on the workers');
same(qq{$agg_settings SELECT md5(ctnas.nac_train(arch, test_acc_run0, '{"epochs": 3, "seed": 4}')) FROM dist.nb101 WHERE num_vertices = 7},
	'nac_train over the distributed table: the same model, byte for byte');
same(q{SELECT round(ctnas.ctnas_ktau(arch, test_acc_run0, 'm' ORDER BY hash)::numeric, 12) FROM dist.nb101 WHERE num_vertices < 6},
	'ctnas_ktau (rows in order: gathered on the coordinator)');

# an UPDATE of a distributed table stores scores (the name became the weights, an IMMUTABLE call)
cq(q{ALTER TABLE dist.nb101 ADD COLUMN score float8; UPDATE dist.nb101 SET score = ctnas.nac_score(arch, 'm') WHERE num_vertices = 7});
is(cq(q{SELECT count(*) FROM dist.nb101 d JOIN nb101 n USING (hash) WHERE d.score = ctnas.nac_score(n.arch, 'm')}),
	cq(q{SELECT count(*) FROM nb101 WHERE num_vertices = 7}), 'UPDATE ... SET score = nac_score(arch, name) on the distributed table');

# INSERT ... VALUES into a distributed table with a score: evaluated on the coordinator, as Citus does
my $c1 = cq('SELECT arch FROM nb101 ORDER BY hash LIMIT 1');
cq(qq{CREATE TABLE dist.scored (id int, s float8); SELECT create_distributed_table('dist.scored', 'id');
	INSERT INTO dist.scored VALUES (1, ctnas.nac_score('$c1', 'm')), (2, ctnas.nac_score('$c1', 'early'))});
is(cq(q{SELECT string_agg(s::text, ',' ORDER BY id) FROM dist.scored}),
	cq(qq{SELECT ctnas.nac_score('$c1', 'm') || ',' || ctnas.nac_score('$c1', 'early')}), 'INSERT ... VALUES with scores by model name');

# ---- models stay the coordinator's, with their row-level security ---------------------
sub as_role
{
	my ($node, $role, $sql) = @_;
	my ($r, $o, $e) = $node->psql('postgres', "SET client_min_messages = warning; SET ROLE $role; $sql");
	return $e eq '' ? $o : "ERROR: $e";
}
as_role($coord, 'alice', q{INSERT INTO ctnas.models (name, weights) SELECT 'am', weights FROM ctnas.models WHERE name = 'early'});
is(as_role($coord, 'bob', q{UPDATE ctnas.models SET weights = (SELECT weights FROM ctnas.models WHERE name = 'm') WHERE name = 'am' RETURNING name}),
	'', "bob cannot change alice's model");
my $top5 = q{SELECT string_agg(hash, ',' ORDER BY hash) FROM (SELECT hash FROM %s ORDER BY ctnas.nac_score(arch, '%s') DESC, hash LIMIT 5) t};
my $early_local = cq(sprintf($top5, 'nb101', 'early'));
my $m_local = cq(sprintf($top5, 'nb101', 'm'));
isnt($early_local, $m_local, '(two models that rank differently)');
is(as_role($coord, 'bob', sprintf($top5, 'dist.nb101', 'am')), $early_local, "bob scores the distributed table with alice's model");
as_role($coord, 'alice', q{UPDATE ctnas.models SET weights = (SELECT weights FROM ctnas.models WHERE name = 'm') WHERE name = 'am'});
is(as_role($coord, 'bob', sprintf($top5, 'dist.nb101', 'am')), $m_local, "alice's change is seen at once");
# a prepared statement is planned again after the model changes (its plan holds the weights)
is(as_role($coord, 'alice', qq{PREPARE top5 AS ${\ sprintf($top5, 'dist.nb101', 'am') };
	EXECUTE top5; EXECUTE top5; EXECUTE top5; EXECUTE top5; EXECUTE top5; EXECUTE top5;
	UPDATE ctnas.models SET weights = (SELECT weights FROM ctnas.models WHERE name = 'early') WHERE name = 'am';
	EXECUTE top5;}), join("\n", ($m_local) x 6, $early_local), 'a prepared statement sees a changed model');
# within a transaction a distributed query sees the transaction's own model changes, after any other query
is(as_role($coord, 'alice', qq{BEGIN;
	SELECT count(*) FROM dist.nb101 WHERE pg_sleep(0.00002) IS NOT NULL;
	INSERT INTO ctnas.models (name, weights) SELECT 'txn', weights FROM ctnas.models WHERE name = 'm';
	UPDATE ctnas.models SET weights = (SELECT weights FROM ctnas.models WHERE name = 'm') WHERE name = 'am';
	${\ sprintf($top5, 'dist.nb101', 'txn') }; ${\ sprintf($top5, 'dist.nb101', 'am') };
	ROLLBACK;}), "5100\n$m_local\n$m_local", "a transaction's distributed queries use its own model changes");
is(as_role($coord, 'bob', sprintf($top5, 'dist.nb101', 'am')), $early_local, 'and after its rollback the committed ones');
like(as_role($coord, 'bob', sprintf($top5, 'dist.nb101', 'txn')), qr/NAC model "txn" does not exist/, '(the rolled-back model is gone)');
# a group role that cannot log in changes its models as on one server (nothing of a model change goes to the workers)
cq(q{CREATE ROLE team NOLOGIN; GRANT team TO alice});
is(as_role($coord, 'alice', q{SET ROLE team; INSERT INTO ctnas.models (name, weights) SELECT 'tm', weights FROM ctnas.models WHERE name = 'm';
	UPDATE ctnas.models SET weights = (SELECT weights FROM ctnas.models WHERE name = 'early') WHERE name = 'tm' RETURNING owner}),
	'team', 'a NOLOGIN group role writes its models');
is(as_role($coord, 'bob', sprintf($top5, 'dist.nb101', 'tm')), $early_local, 'which score distributed rows');
# models are the coordinator's: a worker has none, and says where they are
like(as_role($workers[0], 'bob', q{SELECT ctnas.nac_score(ctnas.archgraph_random(1), 'm')}), qr/Citus worker: models are the rows of ctnas.models on the coordinator/,
	'a model named on a worker: an error that says where models are');
is(as_role($coord, 'bob', q{SET ctnas.model = 'm'; } . sprintf($top5, 'dist.nb101', 'x') =~ s/, 'x'\)/)/r), $m_local,
	'ctnas.model names the model for distributed queries too');
like(as_role($coord, 'bob', q{RESET ctnas.model; SELECT count(*) FROM dist.nb101 WHERE ctnas.nac_score(arch) > 0}),
	qr/ctnas.model is not set/, 'and unset, the same error as on one server');
like(as_role($coord, 'bob', q{SELECT count(*) FROM dist.nb101 WHERE ctnas.nac_score(arch, 'no such model') > 0}),
	qr/NAC model "no such model" does not exist/, 'a model that does not exist: the same error as on one server');
# named notation, in any order, and the setting with named notation
is(as_role($coord, 'bob', q{SELECT string_agg(hash, ',' ORDER BY hash) FROM (SELECT hash FROM dist.nb101
	ORDER BY ctnas.nac_score(model => 'm', a => arch) DESC, hash LIMIT 5) t}), $m_local, 'a model named in named notation');
is(as_role($coord, 'bob', q{SET ctnas.model = 'early'; SELECT string_agg(hash, ',' ORDER BY hash) FROM (SELECT hash FROM dist.nb101
	ORDER BY ctnas.nac_score(a => arch) DESC, hash LIMIT 5) t}), $early_local, 'the setting, with the cell in named notation');
# a name that is a set (a set-returning function) is not read once: as on one server, one row per name
is(as_role($coord, 'bob', q{SELECT count(*) FROM (SELECT ctnas.nac_score(arch, unnest(ARRAY['m', 'early'])) FROM nb101 LIMIT 4) t}),
	'4', 'a set of names on the coordinator\'s own table');
# a name that is a parameter (a prepared statement, a PL/pgSQL variable)
is(as_role($coord, 'bob', q{PREPARE byname(text) AS } . sprintf($top5, 'dist.nb101', 'x') =~ s/'x'/\$1/r
	. q{; EXECUTE byname('m'); EXECUTE byname('early');}), "$m_local\n$early_local", 'a model named by a parameter');
is(as_role($coord, 'bob', q{SET client_min_messages = error; CREATE FUNCTION pg_temp.top5(n text) RETURNS text LANGUAGE plpgsql AS $f$ DECLARE r text; BEGIN
	SELECT string_agg(hash, ',' ORDER BY hash) INTO r FROM (SELECT hash FROM dist.nb101 ORDER BY ctnas.nac_score(arch, n) DESC, hash LIMIT 5) t;
	RETURN r; END $f$; SELECT pg_temp.top5('early'); SELECT pg_temp.top5('m')}), "$early_local\n$m_local", 'and by a PL/pgSQL variable');

# ---- a node added later: nothing to call for ctnas ------------------------------------
my $w3 = citus_node('w3');
cq("SELECT citus_add_node('localhost', ${\ $w3->port })");
cq(q{SELECT rebalance_table_shards(shard_transfer_mode => 'block_writes')});
is($w3->safe_psql('postgres', q{SELECT extversion FROM pg_extension WHERE extname = 'ctnas'}), '0.2.0',
	'Citus created ctnas on the new node');
cmp_ok(cq(qq{SELECT count(*) FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) JOIN pg_dist_shard s USING (shardid)
	WHERE n.nodeport = ${\ $w3->port } AND s.logicalrelid = 'dist.nb101'::regclass}), '>', 0, 'the rebalance moved shards of dist.nb101 there');
same(q{SELECT string_agg(hash || ' ' || s, ',' ORDER BY s DESC, hash) FROM
	(SELECT hash, ctnas.nac_score(arch, 'm') AS s FROM dist.nb101 ORDER BY 2 DESC, 1 LIMIT 3) t},
	'the new node scores with the models too');

# ---- archgraph as the distribution column ------------------------------------------
cq(q{CREATE TABLE dist.by_arch (arch ctnas.archgraph PRIMARY KEY, acc float8);
	SELECT create_distributed_table('dist.by_arch', 'arch');
	INSERT INTO dist.by_arch SELECT arch, test_acc_run0 FROM nb101;});
my $cell = cq('SELECT arch FROM nb101 ORDER BY hash LIMIT 1');
like(cq(qq{EXPLAIN SELECT acc FROM dist.by_arch WHERE arch = '$cell'}), qr/Task Count: 1\b/, 'WHERE arch = ... goes to one shard');
is(cq(qq{SELECT acc FROM dist.by_arch WHERE arch = '$cell'}), cq(qq{SELECT test_acc_run0 FROM nb101 WHERE arch = '$cell'}), 'and finds the row');
is(cq(q{SELECT count(*) FROM dist.by_arch a JOIN nb101 n USING (arch)}), '5100', 'every cell is found by its archgraph');

# Citus 13.0.5 records a colocation group's distribution column type on a new node before it creates
# the extensions there: with a table distributed by archgraph, a new node needs ctnas first (README)
my $w4 = citus_node('w4');
($ret, $out, $err) = $coord->psql('postgres', "SELECT citus_add_node('localhost', ${\ $w4->port })");
like($err, qr/schema "ctnas" does not exist|type "ctnas.archgraph" does not exist/,
	'with a table distributed by archgraph, adding a node without ctnas fails (a Citus limitation)');
$w4->safe_psql('postgres', 'CREATE EXTENSION ctnas');
cq("SELECT citus_add_node('localhost', ${\ $w4->port })");
cq(q{SELECT rebalance_table_shards('dist.by_arch', shard_transfer_mode => 'block_writes')});
is(cq(q{SELECT count(*) FROM dist.by_arch a JOIN nb101 n USING (arch)}), '5100', 'after CREATE EXTENSION ctnas there, it joins and takes shards');
same(q{SELECT string_agg(hash || ' ' || s, ',' ORDER BY s DESC, hash) FROM
	(SELECT hash, ctnas.nac_score(arch, 'm') AS s FROM dist.nb101 ORDER BY 2 DESC, 1 LIMIT 3) t},
	'and scores with the models');

# ---- a search job on the coordinator with the distributed table as oracle -------------
my $opts = q{'{"seed": 3, "acc_column": "test_acc_run0", "first": 20, "rounds": 2, "nac": {"epochs": 20}}'};
my $jd = as_role($coord, 'alice', "SELECT ctnas.search_submit('dist.nb101', 40, $opts)");
my $jl = as_role($coord, 'alice', "SELECT ctnas.search_submit('public.nb101', 40, $opts)");
is(job_wait($coord, $jd, '180 s'), 'succeeded', 'a search job over the distributed table succeeds');
is(job_wait($coord, $jl, '180 s'), 'succeeded', 'and over the local one');
is(cq(qq{SELECT (SELECT array_agg(ctnas.archgraph_hash(arch) || acc ORDER BY step NULLS LAST, final) FROM ctnas.search_results WHERE job_id = $jd)
	= (SELECT array_agg(ctnas.archgraph_hash(arch) || acc ORDER BY step NULLS LAST, final) FROM ctnas.search_results WHERE job_id = $jl)}),
	't', 'with the same results');

$_->stop for ($coord, @workers, $w3, $w4);
done_testing();
