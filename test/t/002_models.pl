# ctnas.models at server level: a model cached by one backend is dropped from
# its cache when another backend changes the row; models are dumped and
# restored with pg_dump (pg_extension_config_dump); a cancel stops training.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Basename;
use Cwd qw(abs_path);
use lib dirname(abs_path(__FILE__));
use CtnasTest;

my $node = PostgreSQL::Test::Cluster->new('models');
$node->init;
$node->start;
load_sample($node, q{
	CREATE TABLE train AS SELECT * FROM nb101 ORDER BY hash LIMIT 300;
	INSERT INTO ctnas.models(name, weights)
	  SELECT 'm', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 1}') FROM train;
});

my $probe = q{SELECT ctnas.nac_score(arch, 'm') FROM nb101 ORDER BY hash DESC LIMIT 1};

# session A decodes and caches the model
my $a = $node->background_psql('postgres', on_error_stop => 0);
my $before = $a->query_safe($probe);
ok($before ne '', "session A scores with model m: $before");

# session B replaces the model
$node->safe_psql('postgres', q{
	SET client_min_messages = warning;
	UPDATE ctnas.models SET weights =
	  (SELECT ctnas.nac_train(arch, test_acc_run0, '{"epochs": 20, "seed": 2}') FROM train)
	WHERE name = 'm';
});
my $fresh = $node->safe_psql('postgres', $probe);
isnt($fresh, $before, 'a new session sees the new model');
is($a->query_safe($probe), $fresh, 'session A dropped its cached model and sees the new one');

# session B deletes it: session A gets a clear error, not the stale model
$node->safe_psql('postgres', q{DELETE FROM ctnas.models WHERE name = 'm'});
my ($ret, $out, $err) = $node->psql('postgres', $probe);
like($err, qr/NAC model "m" does not exist/, 'deleted model is gone for a new session');
$a->query($probe);
like($a->{stderr}, qr/NAC model "m" does not exist/, 'and for session A, which had cached it');
$a->quit;

# pg_dump keeps the models table's rows with the extension
$node->safe_psql('postgres', q{
	SET client_min_messages = warning;
	INSERT INTO ctnas.models(name, weights)
	  SELECT 'kept', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 5}') FROM train;
});
my $fingerprint = q{SELECT name || ' ' || md5(weights) || ' ' || (info->'training'->>'rows') FROM ctnas.models};
my $want = $node->safe_psql('postgres', $fingerprint);
my $dump = $node->basedir . '/models.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', $fingerprint), $want, 'model rows restored byte for byte');
is($node->safe_psql('restored', q{SELECT ctnas.nac_score(arch, 'kept') = ctnas.nac_score(arch, (SELECT weights FROM ctnas.models)) FROM nb101 LIMIT 1}),
	't', 'restored model is usable');
is($node->safe_psql('restored', q{SELECT count(*) FROM pg_policies WHERE tablename = 'models'}), '4',
	'row-level security policies restored');

# a cancel stops a long training promptly
my $b = $node->background_psql('postgres', on_error_stop => 0);
my $pid = $b->query_safe('SELECT pg_backend_pid()');
$b->query_until(qr/start/, q{\echo start
SELECT ctnas.nac_train(arch, test_acc_run0, '{"epochs": 1000000}') FROM train;
});
$node->poll_query_until('postgres',
	qq{SELECT state = 'active' AND query LIKE '%nac_train%' FROM pg_stat_activity WHERE pid = $pid});
$node->safe_psql('postgres', "SELECT pg_cancel_backend($pid)");
ok($node->poll_query_until('postgres',
	qq{SELECT state = 'idle' FROM pg_stat_activity WHERE pid = $pid}), 'cancelled training ends');
$b->quit;
like($b->{stderr}, qr/canceling statement due to user request/, 'with the usual cancel message');

$node->stop;
done_testing();
