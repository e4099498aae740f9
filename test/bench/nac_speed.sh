#!/usr/bin/env bash
# NAC speed, side by side in one run, on the same cells (the reference's
# 423-cell split when ../shared/data/nb101 is there, else the sample):
#   - the PyTorch port of the reference (test/torch/nac_torch.py), recipe "paper"
#   - the ctnas core (test/tools/nac_tool), same recipe
#   - ctnas.nac_train in SQL, same recipe
# and, with ../shared, ctnas.nac_score over all 423,624 cells.
# All single-threaded.  Needs a server (PG* variables):
#   make install test/tools/nac_tool && pg_virtualenv -v 15 bash test/bench/nac_speed.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
seed=${SEED:-2020}
epochs=${EPOCHS:-1000}
tmp=$(mktemp -d); chmod 755 "$tmp"; trap 'rm -rf "$tmp"' EXIT
export PGOPTIONS="-c client_min_messages=warning"
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

echo "== NAC training, recipe \"paper\", $epochs epochs, 423 cells, seed $seed, one thread =="
/usr/bin/python3 test/bench/reference_nac_train.py --seed "$seed" --epochs "$epochs" --write-csv "$tmp/split.csv"
test/tools/nac_tool train "$tmp/split.csv" 423 "$epochs" "$seed"
chmod 644 "$tmp/split.csv"
psql -c "CREATE EXTENSION IF NOT EXISTS ctnas" -c "DROP TABLE IF EXISTS nac_split, nac_speed_model" \
	-c "CREATE TABLE nac_split (hash text, arch ctnas.archgraph, num_vertices int, acc float8, params bigint, position int)" \
	-c "COPY nac_split FROM '$tmp/split.csv' (FORMAT csv, HEADER)"
psql -At <<SQL
\\timing off
SET client_min_messages = warning;
CREATE TEMP TABLE t AS SELECT now() AS t0;
CREATE TABLE nac_speed_model AS SELECT ctnas.nac_train(arch, acc, '{"recipe": "paper", "seed": $seed, "epochs": $epochs}') AS w
  FROM nac_split WHERE position < 423;
SELECT format('ctnas.nac_train in SQL, paper recipe, 423 cells, %s epochs: %s s, KTau %s on the next 100',
       $epochs, round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t))::numeric, 2),
       round((SELECT sum(CASE WHEN (ctnas.nac_compare(a.arch, b.arch, (SELECT w FROM nac_speed_model)) >= 0.5) = (a.acc >= b.acc)
                             THEN 1 ELSE -1 END)::numeric / count(*)
              FROM nac_split a JOIN nac_split b ON a.position < b.position
              WHERE a.position >= 423 AND b.position >= 423), 3));
CREATE TEMP TABLE t5 AS SELECT clock_timestamp() AS t0;
CREATE TEMP TABLE d AS SELECT ctnas.nac_train(arch, acc, '{"seed": $seed, "epochs": $epochs}') AS w
  FROM nac_split WHERE position < 423;
SELECT format('ctnas.nac_train in SQL, default recipe, 423 cells, %s epochs: %s s',
       $epochs, round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t5))::numeric, 2));
SQL

csv=../shared/data/nb101/nb101_all_run0test.csv.gz
if [ -r "$csv" ]; then
	echo "== ctnas.nac_score over all 423,624 cells =="
	psql -c "DROP TABLE IF EXISTS nb101"
	gzip -dc "$csv" | psql -f data/load_nb101.sql > /dev/null
	psql -At <<SQL
\\timing off
SET client_min_messages = warning;
DELETE FROM ctnas.models WHERE name = 'nac_speed';
INSERT INTO ctnas.models(name, weights) SELECT 'nac_speed', w FROM nac_speed_model;
SET ctnas.model = 'nac_speed';
\o /dev/null
SELECT ctnas.nac_score(arch) FROM nb101 LIMIT 1;  -- decode and cache the model
CREATE TEMP TABLE t2 AS SELECT clock_timestamp() AS t0;
SELECT count(ctnas.nac_score(arch)) FROM nb101;
\o
SELECT format('nac_score, all %s cells: %s s (%s us per cell)', count(*),
       round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t2))::numeric, 2),
       round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t2))::numeric * 1e6 / count(*), 1)) FROM nb101;
CREATE TEMP TABLE t3 AS SELECT clock_timestamp() AS t0;
\o /dev/null
SELECT count(ctnas.nac_compare(a.arch, b.arch)) FROM (SELECT arch FROM nb101 LIMIT 1000) a, (SELECT arch FROM nb101 LIMIT 100 OFFSET 5000) b;
\o
SELECT format('nac_compare, 1,000 x 100 cells (100,000 calls, cells embedded once): %s us per call',
       round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t3))::numeric * 1e6 / 100000, 2));
CREATE TEMP TABLE t4 AS SELECT clock_timestamp() AS t0;
\o /dev/null
SELECT count(ctnas.nac_compare(a.arch, b.arch)) FROM (SELECT arch, row_number() OVER () AS i FROM nb101 LIMIT 50000) a
  JOIN (SELECT arch, row_number() OVER () AS i FROM (SELECT arch FROM nb101 OFFSET 100000 LIMIT 50000) s) b USING (i);
\o
SELECT format('nac_compare, 50,000 pairs of cells never seen before: %s us per call',
       round(extract(epoch FROM clock_timestamp() - (SELECT t0 FROM t4))::numeric * 1e6 / 50000, 1));
DELETE FROM ctnas.models WHERE name = 'nac_speed';
SQL
fi
