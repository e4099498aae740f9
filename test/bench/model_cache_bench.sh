#!/usr/bin/env bash
# Models passed as bytea (README "The NAC", model cache): scoring 50,000 cells with the weights
# joined from ctnas.models or read by a scalar subquery (stored out of line: known by their TOAST
# pointer within a statement) against by name; and two 67 MB models (16 layers of 1,024) scored side
# by side on 30 cells, which the default cache cannot hold together (DEBUG1 lines: each decode, each
# model kept aside).  Needs ../shared/data/nb101 and a server (PG* variables):
#   make install && pg_virtualenv -v 15 bash test/bench/model_cache_bench.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=${NB101_CSV:-../shared/data/nb101/nb101_all_run0test.csv.gz}
[ -r "$csv" ] || { echo "no $csv: this benchmark needs ../shared/data/nb101" >&2; exit 1; }
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
export PGOPTIONS="-c client_min_messages=warning"
psql -c "DROP TABLE IF EXISTS nb101; CREATE EXTENSION IF NOT EXISTS ctnas"
{ gzip -dc "$csv" || true; } | head -50001 | psql -f data/load_nb101.sql >/dev/null
psql <<'SQL'
DELETE FROM ctnas.models WHERE name IN ('cache_bench');
INSERT INTO ctnas.models (name, weights)
  SELECT 'cache_bench', ctnas.nac_train(arch, test_acc_run0, '{"epochs": 50, "seed": 1}')
  FROM (SELECT * FROM nb101 ORDER BY hash LIMIT 2000) s;
DROP TABLE IF EXISTS big;
CREATE TABLE big AS SELECT n, ctnas.nac_train(arch, test_acc_run0,
    format('{"epochs": 1, "seed": %s, "width": 1024, "layers": 16, "recipe": "paper"}', n)::jsonb) AS w
  FROM (SELECT * FROM nb101 LIMIT 50) s, generate_series(1, 2) n GROUP BY n;
SQL
unset PGOPTIONS
psql <<'SQL'
SET max_parallel_workers_per_gather = 0;
SET jit = off;
SELECT ctnas.nac_score(arch, 'cache_bench') FROM nb101 LIMIT 1 \g /dev/null
\timing on
\echo by name, twice (the second with the states kept)
SELECT count(*) FROM nb101 WHERE ctnas.nac_score(arch, 'cache_bench') > 0;
SELECT count(*) FROM nb101 WHERE ctnas.nac_score(arch, 'cache_bench') > 0;
\echo weights joined from ctnas.models
SELECT count(*) FROM nb101 c, ctnas.models m WHERE m.name = 'cache_bench' AND ctnas.nac_score(c.arch, m.weights) > 0;
\echo weights from a scalar subquery
SELECT count(*) FROM nb101 c WHERE ctnas.nac_score(c.arch, (SELECT weights FROM ctnas.models WHERE name = 'cache_bench')) > 0;
\echo two 67 MB models side by side on 30 cells (twice)
SET client_min_messages = debug1;
SELECT sum(a + b) FROM (SELECT ctnas.nac_score(arch, (SELECT w FROM big WHERE n = 1)) a,
  ctnas.nac_score(arch, (SELECT w FROM big WHERE n = 2)) b FROM nb101 LIMIT 30) s;
SELECT sum(a + b) FROM (SELECT ctnas.nac_score(arch, (SELECT w FROM big WHERE n = 1)) a,
  ctnas.nac_score(arch, (SELECT w FROM big WHERE n = 2)) b FROM nb101 LIMIT 30) s;
SQL
