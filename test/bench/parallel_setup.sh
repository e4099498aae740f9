# Sourced by parallel_query.sh and parallel_scoring.sh (from the repository's root): the NB101 table from
# ../shared, up to 8 workers, a psql that stops at the first error, and the model 'parallel_bench'
# (50 epochs on 2,000 cells: what is measured is scoring, not the model's quality).
csv=${NB101_CSV:-../shared/data/nb101/nb101_all_run0test.csv.gz}
[ -r "$csv" ] || { echo "no $csv: this benchmark needs ../shared/data/nb101" >&2; exit 1; }
repeat=${REPEAT:-3}
export PGOPTIONS="-c client_min_messages=warning"
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

psql -c "DROP TABLE IF EXISTS nb101; CREATE EXTENSION IF NOT EXISTS ctnas"
gzip -dc "$csv" | psql -f data/load_nb101.sql >/dev/null
psql -c "ALTER SYSTEM SET max_worker_processes = 8" -c "ALTER SYSTEM SET max_parallel_workers = 8" >/dev/null
psql -c "SELECT pg_reload_conf()" >/dev/null
psql <<'SQL'
DELETE FROM ctnas.models WHERE name = 'parallel_bench';
INSERT INTO ctnas.models (name, weights)
  SELECT 'parallel_bench', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 50, "seed": 1}')
  FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 2000) s;
SQL
