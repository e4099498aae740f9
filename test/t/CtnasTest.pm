# Shared pieces of the TAP tests: the shipped sample as table nb101, and
# search-job helpers with the job options the tests use.
package CtnasTest;
use strict;
use warnings;
use File::Basename;
use Cwd qw(abs_path);
use Exporter 'import';

our @EXPORT = qw(load_sample job_submit job_wait $SMALL $LONG $RESUMABLE $RESUMABLE_PLAIN);

# a quick default-recipe search, and a paper-recipe one that would run for hours
our $SMALL = q{{"seed": 1, "acc_column": "test_acc_run0", "first": 20, "rounds": 3, "nac": {"epochs": 30}}};
our $LONG = q{{"recipe": "paper", "acc_column": "test_acc_run0", "iterations": 10000000}};
# a resumable search of some seconds, and the same without "resume" (for the uninterrupted result)
our $RESUMABLE = q{{"recipe": "paper", "seed": 5, "acc_column": "test_acc_run0", "iterations": 2500, "derive_every": 250,
	"nac": {"epochs": 200}, "resume": true}};
(our $RESUMABLE_PLAIN = $RESUMABLE) =~ s/, "resume": true//;

# CREATE EXTENSION ctnas, and the 5,100 shipped cells in table nb101 (extra SQL runs after)
sub load_sample
{
	my ($node, $extra) = @_;
	my $sample = abs_path(dirname(__FILE__) . '/../../data/nb101_sample.csv');

	$node->safe_psql('postgres', qq{
		SET client_min_messages = warning;
		CREATE EXTENSION ctnas;
		CREATE TABLE nb101 (hash text PRIMARY KEY, arch ctnas.archgraph, num_vertices int,
		                    test_acc_run0 float8, trainable_parameters bigint);
		COPY nb101 FROM '$sample' (FORMAT csv, HEADER);
	} . ($extra // ''));
}

# search_submit(args) -> job id
sub job_submit
{
	my ($node, $args) = @_;
	return $node->safe_psql('postgres', "SELECT ctnas.search_submit($args)");
}

# the job's status once it has ended (or the timeout passed)
sub job_wait
{
	my ($node, $id, $timeout) = @_;
	return $node->safe_psql('postgres', "SELECT status FROM ctnas.search_wait($id, '$timeout')");
}

1;
