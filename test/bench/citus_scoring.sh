#!/usr/bin/env bash
# Scoring a large candidate table (COPIES x 423,624 NAS-Bench-101 cells) with
# ORDER BY ctnas.nac_score(arch, 'm') DESC LIMIT 10, in one run:
#   - one node, no parallel query;
#   - one node, parallel query with 2 workers per gather;
#   - a Citus coordinator with 2 workers (all on this machine), table distributed by hash.
# Starts its own throwaway nodes; needs Citus (test/citus/ensure_citus.sh), ../shared/data/nb101,
# and a user that may run initdb (not root):
#   su postgres -c 'bash test/bench/citus_scoring.sh'
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=${NB101_CSV:-$PWD/../shared/data/nb101/nb101_all_run0test.csv.gz}
[ -r "$csv" ] || { echo "no $csv: this benchmark needs ../shared/data/nb101" >&2; exit 1; }
copies=${COPIES:-4}
repeat=${REPEAT:-2}
bin=$(pg_config --bindir)
dir=$(mktemp -d /tmp/ctnas-citus-bench.XXXXXX)
base=${PORT_BASE:-5950}
stop_all() { for n in "$dir"/n*; do [ -d "$n" ] && "$bin/pg_ctl" -D "$n" -m immediate stop >/dev/null 2>&1 || true; done; rm -rf "$dir"; }
trap stop_all EXIT

node() {	# node NAME PORT
	"$bin/initdb" -D "$dir/$1" -A trust >/dev/null
	cat >> "$dir/$1/postgresql.conf" <<CONF
port = $2
listen_addresses = 'localhost'
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus,ctnas'
citus.node_conninfo = 'sslmode=disable'
citus.shard_count = 8
max_worker_processes = 16
shared_buffers = 1GB
CONF
	"$bin/pg_ctl" -D "$dir/$1" -l "$dir/$1.log" -w start >/dev/null
	sql "$2" -c "CREATE EXTENSION citus"
}
sql() { local p=$1; shift; PGOPTIONS="-c client_min_messages=warning" psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$p" -d postgres "$@"; }

node n1 $base; node n2 $((base + 1)); node n3 $((base + 2))
c=$base
sql $c -c "SELECT citus_set_coordinator_host('localhost', $c)" \
	-c "SELECT citus_add_node('localhost', $((base + 1)))" -c "SELECT citus_add_node('localhost', $((base + 2)))" >/dev/null
gzip -dc "$csv" | sql $c -f data/load_nb101.sql >/dev/null
sql $c <<SQL
INSERT INTO ctnas.models (name, weights)
  SELECT 'm', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 50, "seed": 1}') FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 2000) s;
SELECT ctnas.citus_enable();
-- the candidates: every cell $copies times (copy k after copy k-1, so no cell's copies are near each other)
CREATE TABLE cand_local AS SELECT k, hash, arch FROM generate_series(1, $copies) k, nb101 ORDER BY k, hash;
CREATE TABLE cand_dist (k int, hash text, arch ctnas.archgraph);
SELECT create_distributed_table('cand_dist', 'hash');
INSERT INTO cand_dist SELECT * FROM cand_local;
VACUUM ANALYZE cand_local; VACUUM ANALYZE cand_dist;
SQL
rows=$(sql $c -At -c "SELECT count(*) FROM cand_dist")

q="SELECT hash, ctnas.nac_score(arch, 'm') AS s FROM %s ORDER BY 2 DESC, 1 LIMIT 10"
run_ms() {	# run_ms TABLE WORKERS_PER_GATHER [SETTING] -> ms
	sql $c -At <<SQL | tail -n1
SET max_parallel_workers_per_gather = $2;
${3:-}
\\o /dev/null
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
$(printf "$q" "$1");
\\o
SELECT round(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0)) * 1000);
SQL
}
median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
same=$(sql $c -At -c "SELECT (SELECT array_agg(hash || s ORDER BY s DESC, hash) FROM ($(printf "$q" cand_local)) a)
                           = (SELECT array_agg(hash || s ORDER BY s DESC, hash) FROM ($(printf "$q" cand_dist)) b)")
# Citus runs a worker's shards in parallel connections, each a backend with node states of its own;
# with one connection per worker its shards run one after another in one backend, which keeps them
one_conn="SET citus.max_adaptive_executor_pool_size = 1;"
a=(); b=(); d=(); e=()
for ((i = 0; i < repeat; i++)); do
	a+=("$(run_ms cand_local 0)"); b+=("$(run_ms cand_local 2)"); d+=("$(run_ms cand_dist 0)"); e+=("$(run_ms cand_dist 0 "$one_conn")")
done
ma=$(echo "${a[*]}" | median); mb=$(echo "${b[*]}" | median); md=$(echo "${d[*]}" | median); me=$(echo "${e[*]}" | median)
printf 'ORDER BY nac_score(arch, model) DESC LIMIT 10 over %s rows (%s x 423,624 cells), %s cores:\n' "$rows" "$copies" "$(nproc)"
printf '%-44s %9s %8s %10s\n' "where" "seconds" "us/row" "speed-up"
for row in "one node, no parallel query:$ma" "one node, parallel query (2 workers):$mb" "Citus, 2 workers (8 shards):$md" \
	"Citus, one connection per worker:$me"; do
	printf '%-44s %9.2f %8.2f %9.2fx\n' "${row%%:*}" "$(awk -v m="${row##*:}" 'BEGIN { print m / 1000 }')" \
		"$(awk -v m="${row##*:}" -v r="$rows" 'BEGIN { print m * 1000 / r }')" "$(awk -v m="${row##*:}" -v a="$ma" 'BEGIN { print a / m }')"
done
echo "top 10 on the distributed table = on the local one: $same (median of $repeat runs each, alternating)"
