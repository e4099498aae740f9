#!/usr/bin/env bash
# The trial queue of searches with "evaluator": "external", measured:
#
#  1. trials per second that concurrent claim+report clients sustain: pgbench
#     runs test/bench/trials_pgbench.sql (claim one trial, commit; report it,
#     commit) against a job with 15,000 proposed trials (a random search over
#     NB201's whole space with "batch" 100000: every trial proposed at once),
#     at 1 and 8 clients, RUNS times each, a fresh job per run;
#  2. a job's turnaround between batches: the next batch's proposed_at minus
#     the last reported_at of the batch before (the report that completes a
#     batch -> a worker starts, reads the candidates and the reports,
#     restores the search, trains the NAC, proposes), median over the
#     batches of a job answered by 4 examples/trial_worker.py processes
#     (--lookup, no training time): NB201's whole space, CTNAS default; and
#     the 423,624 NB101 cells as the candidate table when ../shared has them.
#
# Needs ctnas installed and a server (PG* variables); the launcher runs when
# the server preloads ctnas.  Both ways, in throwaway clusters:
#   make install
#   pg_virtualenv -v 15 bash test/bench/trials_throughput.sh
#   pg_virtualenv -v 15 -o shared_preload_libraries=ctnas bash test/bench/trials_throughput.sh
# Settings: RUNS (3), TRIALS (15000), BUDGET (100), BATCH (10), NB101=0 (skip NB101), TURNAROUND=0 (only 1.).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
trials=${TRIALS:-15000}
budget=${BUDGET:-100}
batch=${BATCH:-10}
nb101_csv=${NB101_CSV:-../shared/data/nb101/nb101_all_run0test.csv.gz}
export PGOPTIONS="-c client_min_messages=warning"
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
q() { psql -At -c "$1"; }

submit_and_wait() {   # search_submit args -> job id, once it waits for its trials
	local j
	j=$(q "SELECT ctnas.search_submit($1)")
	until [ "$(q "SELECT status FROM ctnas.search_jobs WHERE id = $j")" = waiting ]; do sleep 0.1; done
	echo "$j"
}

q "CREATE EXTENSION IF NOT EXISTS ctnas" >/dev/null
launcher=$(q "SELECT CASE WHEN count(*) > 0 THEN 'with the launcher' ELSE 'without the launcher' END FROM pg_stat_activity WHERE backend_type = 'ctnas launcher'")
echo "== $(q 'SELECT version()' | cut -d' ' -f1-2), ctnas $(q "SELECT extversion FROM pg_extension WHERE extname = 'ctnas'"), $launcher, $(nproc) cores ($(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)) =="
if [ "$(q "SELECT to_regclass('nb201') IS NULL")" = t ]; then
	gzip -dc data/nb201.csv.gz | psql -f data/load_nb201.sql >/dev/null
fi

# ---- 1. throughput ---------------------------------------------------------------------
echo
echo "-- trials/s, claim + report (pgbench -f test/bench/trials_pgbench.sql), $trials proposed trials per run"
declare -A tps
for clients in 1 8; do
	per_client=$(( (trials * 8 / 10) / clients ))
	for run in $(seq "$runs"); do
		q "VACUUM ANALYZE ctnas.search_trials" >/dev/null   # (the runs before leave dead rows behind)
		job=$(submit_and_wait "NULL, $trials, '{\"evaluator\": \"external\", \"space\": \"nb201\", \"batch\": 100000, \"seed\": $run}', 'random'")
		out=$(pgbench -n -f test/bench/trials_pgbench.sql -D job="$job" -c "$clients" -j "$clients" -t "$per_client" 2>&1)
		t=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
		[ -z "${VERBOSE:-}" ] || echo "run $run, $clients clients: $t trials/s" >&2
		failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' <<<"$out")
		done_n=$(q "SELECT count(*) FROM ctnas.search_trials WHERE job_id = $job AND status = 'done'")
		[ "$failed" = 0 ] && [ "$done_n" = $(( per_client * clients )) ] || { echo "$out" >&2; echo "run failed ($done_n done)" >&2; exit 1; }
		q "SELECT ctnas.search_cancel($job)" >/dev/null
		tps[$clients]="${tps[$clients]:-} $(printf '%.0f' "$t")"
	done
done
printf '%-10s %s\n' clients "trials/s (each run: $(( trials * 8 / 10 )) trials)"
for clients in 1 8; do printf '%-10s %s\n' "$clients" "${tps[$clients]# }"; done

# ---- 2. turnaround between batches -----------------------------------------------------
[ "${TURNAROUND:-1}" = 1 ] || exit 0
gap_sql="WITH b AS (SELECT proposed_at, max(reported_at) AS last_report, count(*) AS n
                    FROM ctnas.search_trials WHERE job_id = \$job GROUP BY proposed_at),
              g AS (SELECT n, extract(epoch FROM proposed_at - lag(last_report) OVER (ORDER BY proposed_at)) AS s FROM b)
         SELECT format('%s batches, gap median %s s (min %s, max %s)', count(s),
                       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY s)::numeric, 3), round(min(s)::numeric, 3), round(max(s)::numeric, 3))
         FROM g"
turnaround() {   # label, search_submit args, worker args
	local job t0 t1
	t0=$(date +%s.%N)
	job=$(q "SELECT ctnas.search_submit($2)")
	/usr/bin/python3 examples/trial_worker.py --job "$job" --processes 4 --exit-when-idle --poll 0.05 $3 >/dev/null
	t1=$(date +%s.%N)
	[ "$(q "SELECT status FROM ctnas.search_jobs WHERE id = $job")" = succeeded ] || { echo "job $job did not succeed" >&2; exit 1; }
	printf '%-44s %s; whole job %.1f s\n' "$1" "$(q "${gap_sql//\$job/$job}")" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
}
echo
echo "-- turnaround: next batch proposed - last report of the batch before (budget $budget, batch $batch; 4 workers --lookup)"
turnaround "NB201 whole space, CTNAS default" \
	"NULL, $budget, '{\"evaluator\": \"external\", \"space\": \"nb201\", \"batch\": $batch, \"seed\": 1}'" \
	"--lookup nb201 --acc-column v11_c10_test_acc_ep200_mean"
turnaround "NB201 whole space, evolution" \
	"NULL, $budget, '{\"evaluator\": \"external\", \"space\": \"nb201\", \"batch\": $batch, \"seed\": 1}', 'evolution'" \
	"--lookup nb201 --acc-column v11_c10_test_acc_ep200_mean"
if [ "${NB101:-1}" = 1 ] && [ -r "$nb101_csv" ]; then
	if [ "$(q "SELECT to_regclass('nb101') IS NULL")" = t ]; then
		gzip -dc "$nb101_csv" | psql -f data/load_nb101.sql >/dev/null
		q "CREATE INDEX ON nb101 (arch)" >/dev/null
	fi
	turnaround "NB101 all $(q 'SELECT count(*) FROM nb101') cells, CTNAS default" \
		"'nb101', $budget, '{\"evaluator\": \"external\", \"batch\": $batch, \"seed\": 1}'" \
		"--lookup nb101 --acc-column test_acc_run0"
else
	echo "(NB101: no $nb101_csv, skipped)"
fi
