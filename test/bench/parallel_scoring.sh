#!/usr/bin/env bash
# Where parallel scoring loses against 2x (README "Parallel query on one server"): the scoring query
# of parallel_query.sh serial, with 2 workers, 2 workers without the leader, 1 worker, and serial / 2
# workers with nothing kept between cells (ctnas.score_cache_size = 0), REPEAT times each in one run
# (a fresh backend each), then one parallel and one serial plan over the first 20,000 cells only.
# Needs ../shared/data/nb101 and a server (PG* variables):
#   make install && pg_virtualenv -v 15 bash test/bench/parallel_scoring.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/parallel_setup.sh
psql <<'SQL'
DROP TABLE IF EXISTS first20k;
CREATE TABLE first20k AS SELECT * FROM nb101 ORDER BY hash LIMIT 20000;
ANALYZE first20k;
SQL
# ms of the scoring query over table $2 with settings $1, in a fresh backend (the model decoded first)
run() {
	psql -At <<SQL | tail -n1
$1
SELECT ctnas.nac_score(arch, 'parallel_bench') FROM nb101 LIMIT 1;
\\o /dev/null
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
SELECT count(*) FROM $2 WHERE ctnas.nac_score(arch, 'parallel_bench') > 0;
\\o
SELECT round(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0)) * 1000);
SQL
}
declare -A settings=(
	[serial]="SET max_parallel_workers_per_gather = 0;"
	[2_workers]="SET max_parallel_workers_per_gather = 2;"
	[2_workers_no_leader]="SET max_parallel_workers_per_gather = 2; SET parallel_leader_participation = off;"
	[1_worker]="SET max_parallel_workers_per_gather = 1;"
	[serial_nothing_kept]="SET max_parallel_workers_per_gather = 0; SET ctnas.score_cache_size = 0;"
	[2_workers_nothing_kept]="SET max_parallel_workers_per_gather = 2; SET ctnas.score_cache_size = 0;"
)
order=(serial 2_workers 2_workers_no_leader 1_worker serial_nothing_kept 2_workers_nothing_kept)
for ((i = 0; i < repeat; i++)); do
	for name in "${order[@]}"; do
		echo "$name $(run "${settings[$name]}" nb101)"
	done
done | awk '{ t[$1] = t[$1] " " $2 } END { for (k in t) print k ":" t[k] " ms" }' | sort
force="SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;"
echo "first 20,000 cells, serial: $(run "$force SET max_parallel_workers_per_gather = 0;" first20k) ms," \
	"2 workers: $(run "$force SET max_parallel_workers_per_gather = 2;" first20k) ms (each a fresh backend)"
echo "($(nproc) cores)"
