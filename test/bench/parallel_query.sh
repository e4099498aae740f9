#!/usr/bin/env bash
# Parallel query on one machine: nac_score, kendall_tau, nac_train and
# ctnas_ktau over all 423,624 NAS-Bench-101 cells with
# max_parallel_workers_per_gather = 0 and = 2, alternating, each REPEAT times
# (median), in one run; the plans are printed.  The functions' declared COSTs
# decide whether the planner goes parallel: nothing is forced but the number
# of workers.  Needs ../shared/data/nb101 and a server (PG* variables):
#   make install && pg_virtualenv -v 15 bash test/bench/parallel_query.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source test/bench/parallel_setup.sh
psql <<'SQL'
-- what the ranking aggregates get: 4,236 random cells for ctnas_ktau (all pairs), all for the rest
CREATE TABLE IF NOT EXISTS ktau_group AS SELECT * FROM nb101 WHERE abs(hashtext(hash)) % 100 = 0;
ANALYZE ktau_group;
SQL

declare -A query=(
	[nac_score]="SELECT count(*) FROM nb101 WHERE ctnas.nac_score(arch, 'parallel_bench') > 0"
	[kendall_tau]="SELECT ctnas.kendall_tau(ctnas.nac_score(arch, 'parallel_bench'), test_acc_run0) FROM nb101"
	[kendall_tau_plain]="SELECT ctnas.kendall_tau(trainable_parameters, test_acc_run0) FROM nb101"
	[nac_train]="SELECT length(ctnas.nac_train(arch, test_acc_run0, '{\"epochs\": 1, \"seed\": 1}')) FROM nb101 WHERE num_vertices < 7"
	[ctnas_ktau]="SELECT ctnas.ctnas_ktau(arch, test_acc_run0, 'parallel_bench' ORDER BY hash) FROM ktau_group"
)
order=(nac_score kendall_tau kendall_tau_plain nac_train ctnas_ktau)

# ms of one run of $2 with $1 workers per gather
run_ms() {
	psql -At <<SQL | tail -n1
SET max_parallel_workers_per_gather = $1;
SELECT ctnas.nac_score(arch, 'parallel_bench') FROM nb101 LIMIT 1;  -- the model cached in the leader
\\o /dev/null
CREATE TEMP TABLE t0 AS SELECT clock_timestamp() AS t;
$2;
\\o
SELECT round(extract(epoch FROM clock_timestamp() - (SELECT t FROM t0)) * 1000);
SQL
}
median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

printf '%-18s %10s %10s %8s  %s\n' "query" "serial ms" "2 workers" "speedup" "parallel plan"
for name in "${order[@]}"; do
	q=${query[$name]}
	plan=$(psql -At -c "SET max_parallel_workers_per_gather = 2" -c "EXPLAIN (COSTS OFF) $q" | tr '\n' ' ' | sed 's/  */ /g')
	s=(); p=()
	for ((i = 0; i < repeat; i++)); do
		s+=("$(run_ms 0 "$q")")
		p+=("$(run_ms 2 "$q")")
	done
	ms=$(echo "${s[*]}" | median); mp=$(echo "${p[*]}" | median)
	printf '%-18s %10s %10s %8s  %s\n' "$name" "$ms" "$mp" "$(awk -v a="$ms" -v b="$mp" 'BEGIN { printf "%.2fx", a / b }')" \
		"$(echo "$plan" | grep -o 'Gather[^>]*\|Workers Planned: [0-9]*\|Partial Aggregate\|Finalize Aggregate' | sort -u | tr '\n' ';')"
done
echo "($(nproc) cores; median of $repeat runs each, alternating)"
