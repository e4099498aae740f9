# archgraph values survive pg_dump/pg_restore, COPY BINARY between servers,
# and a server restart, with their indexes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use IPC::Run;
use File::Basename;
use Cwd qw(abs_path);

my $sample = abs_path(dirname(__FILE__) . '/../../data/nb101_sample.csv');
ok(-r $sample, 'the shipped sample is readable');

my $node = PostgreSQL::Test::Cluster->new('main');
$node->init;
$node->start;

$node->safe_psql('postgres', qq{
	CREATE EXTENSION ctnas;
	CREATE TABLE nb101 (hash text PRIMARY KEY, arch ctnas.archgraph NOT NULL,
	                    test_acc_run0 float8 NOT NULL);
	CREATE TEMP TABLE s (hash text, arch text, num_vertices int, test_acc_run0 float8, trainable_parameters bigint);
	COPY s FROM '$sample' (FORMAT csv, HEADER);
	INSERT INTO nb101 SELECT hash, arch::ctnas.archgraph, test_acc_run0 FROM s;
	CREATE UNIQUE INDEX nb101_arch ON nb101 (arch);
	CREATE INDEX nb101_arch_hash ON nb101 USING hash (arch);
});

# a fingerprint of the whole table: every cell's text, in the type's own order
my $fingerprint_sql = q{
	SELECT count(*) || ':' || md5(string_agg(arch::text || hash, ',' ORDER BY arch))
	FROM nb101
};
my $before = $node->safe_psql('postgres', $fingerprint_sql);
like($before, qr/^5100:[0-9a-f]{32}$/, 'sample loaded');
is($node->safe_psql('postgres', q{SELECT count(*) FROM nb101 WHERE ctnas.archgraph_hash(arch) <> hash}),
	'0', 'all hashes match after loading');

# pg_dump (custom format) and pg_restore into a fresh database
my $dump = $node->basedir . '/nb101.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('postgres') ], 'pg_dump');
$node->safe_psql('postgres', 'CREATE DATABASE restored');
$node->command_ok([ 'pg_restore', '-d', $node->connstr('restored'), $dump ], 'pg_restore');
is($node->safe_psql('restored', $fingerprint_sql), $before, 'restored table is identical');
# (= is found through search_path, like any operator of an extension in its own schema)
is($node->safe_psql('restored', q{
	SET search_path = public, ctnas; SET enable_seqscan = off;
	SELECT count(*) FROM nb101 a JOIN nb101 b USING (arch)}), '5100',
	'restored unique index finds every cell');

# COPY BINARY from one server into another: send/recv across servers
my $other = PostgreSQL::Test::Cluster->new('other');
$other->init;
$other->start;
$other->safe_psql('postgres', q{
	CREATE EXTENSION ctnas;
	CREATE TABLE nb101 (hash text PRIMARY KEY, arch ctnas.archgraph NOT NULL, test_acc_run0 float8 NOT NULL);
});
my $bin = $node->basedir . '/nb101.bin';
$node->safe_psql('postgres', "COPY nb101 TO '$bin' (FORMAT binary)");
$other->safe_psql('postgres', "COPY nb101 FROM '$bin' (FORMAT binary)");
is($other->safe_psql('postgres', $fingerprint_sql), $before, 'COPY BINARY between servers keeps every cell');

# restart: data and indexes are still there and usable
$node->restart;
is($node->safe_psql('postgres', $fingerprint_sql), $before, 'table intact after restart');
is($node->safe_psql('postgres', q{
	SET enable_seqscan = off; SET enable_bitmapscan = off;
	SELECT hash FROM nb101 WHERE arch OPERATOR(ctnas.=) '{"matrix":[[0,1],[0,0]],"ops":["input","output"]}'
	   OR arch OPERATOR(ctnas.=) (SELECT arch FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 1)}),
	'ba0a27cafe7d648aa57f7d5dd64c0b48', 'index lookup of the best cell after restart');
is($node->safe_psql('postgres', q{SELECT count(*) FROM pg_index WHERE NOT indisvalid}), '0',
	'no invalid index');

# the loader as a plain role (a database owner), once a superuser has created the extension
$node->safe_psql('postgres', 'CREATE ROLE nasuser LOGIN; CREATE DATABASE nas OWNER nasuser;');
$node->safe_psql('nas', 'CREATE EXTENSION ctnas');
my $loader = abs_path(dirname(__FILE__) . '/../../data/load_sample.sql');
my ($lret, $lout, $lerr);
IPC::Run::run([ 'psql', '-X', '-q', '-d', $node->connstr('nas'), '-U', 'nasuser', '-f', $loader ],
	'<', $sample, '>', \$lout, '2>', \$lerr);
is($node->safe_psql('nas', 'SELECT count(*) FROM nb101', extra_params => [ '-U', 'nasuser' ]), '5100',
	'data/load_sample.sql works for a plain role (the database owner) when the extension exists')
	or diag($lerr);
is($node->safe_psql('nas', q{SELECT tableowner FROM pg_tables WHERE tablename = 'nb101'}), 'nasuser', 'and the table is the role\'s');

$other->stop;
$node->stop;
done_testing();
