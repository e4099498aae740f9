#!/usr/bin/env bash
# make demo: load the shipped sample into a throwaway cluster (pg_virtualenv
# provides it) and print the tour: cells, then training a NAC and ranking with
# it, measuring it, and the searches: CTNAS and the baselines; then the same
# briefly on NAS-Bench-201, then on the DARTS space (data/darts_sample.csv).
set -euo pipefail
cd "$(dirname "$0")/../.."
psql -X -q -v ON_ERROR_STOP=1 -f data/load_sample.sql < data/nb101_sample.csv
psql -X -q -v ON_ERROR_STOP=1 -f test/demo/demo.sql
gzip -dc data/nb201.csv.gz | psql -X -q -v ON_ERROR_STOP=1 -f data/load_nb201.sql >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f test/demo/demo_nb201.sql
psql -X -q -v ON_ERROR_STOP=1 -f data/load_darts.sql < data/darts_sample.csv >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f test/demo/demo_darts.sql
