#!/usr/bin/env bash
# The quick start's first query on the full table, with archgraph_hash at its measured COST and at COST 1.
# make install && pg_virtualenv -t -v 15 bash test/bench/cost_first_query.sh   (needs ../shared)
set -euo pipefail
cd "$(dirname "$0")/../.."
gzip -dc ../shared/data/nb101/nb101_all_run0test.csv.gz | psql -X -q -f data/load_nb101.sql > /dev/null
psql -X <<'SQL'
\timing on
SET search_path = public, ctnas;
SELECT archgraph_hash(arch), archgraph_nodes(arch), archgraph_edges(arch), test_acc_run0 FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 5;
ALTER FUNCTION ctnas.archgraph_hash(ctnas.archgraph) COST 1;
SELECT archgraph_hash(arch), archgraph_nodes(arch), archgraph_edges(arch), test_acc_run0 FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 5;
ALTER FUNCTION ctnas.archgraph_hash(ctnas.archgraph) COST 5000;
SELECT archgraph_hash(arch), archgraph_nodes(arch), archgraph_edges(arch), test_acc_run0 FROM nb101 ORDER BY test_acc_run0 DESC LIMIT 5;
SQL
