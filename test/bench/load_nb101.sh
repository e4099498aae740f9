#!/usr/bin/env bash
# Times loading all 423,624 NAS-Bench-101 cells, both ways, and checking them.
# Needs ../shared/data/nb101 and a server (PG* variables), e.g.:
#   make install && pg_virtualenv -v 15 bash test/bench/load_nb101.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
csv=${NB101_CSV:-../shared/data/nb101/nb101_all_run0test.csv.gz}
[ -r "$csv" ] || { echo "no $csv: this benchmark needs ../shared/data/nb101" >&2; exit 1; }
psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }
seconds() { local t0=$(date +%s%N); "$@" >/dev/null; awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

psql -c "DROP TABLE IF EXISTS nb101, nb101_from_json; CREATE EXTENSION IF NOT EXISTS ctnas"
t_csv=$(seconds bash -c "gzip -dc '$csv' | psql -f data/load_nb101.sql")
t_check=$(seconds psql -c "DO \$\$ BEGIN
  IF (SELECT count(*) FROM nb101 WHERE ctnas.archgraph_hash(arch) <> hash) > 0 THEN RAISE 'hash mismatch'; END IF; END \$\$")

tmp=$(mktemp -d); chmod 755 "$tmp"; trap 'rm -rf "$tmp"' EXIT
gzip -dc "$csv" | /usr/bin/python3 test/bench/nb101_to_json.py > "$tmp/nas_bench.json"
chmod 644 "$tmp/nas_bench.json"
t_json=$(seconds psql -c "CREATE TABLE nb101_from_json AS SELECT * FROM ctnas.nb101_read_json('$tmp/nas_bench.json')")
same=$(psql -At -c "SELECT count(*) FROM nb101 JOIN nb101_from_json j USING (hash) WHERE nb101.arch = j.arch")

printf '%-58s %8s\n' "step (all 423,624 cells; $(nproc) cores)" seconds
printf '%-58s %8.1f\n' "CSV.gz -> table nb101 (data/load_nb101.sql, incl. indexes)" "$t_csv"
printf '%-58s %8.1f\n' "archgraph_hash of every row = hash column" "$t_check"
printf '%-58s %8.1f\n' "nas_bench.json ($(du -m "$tmp/nas_bench.json" | cut -f1) MB) -> table via nb101_read_json" "$t_json"
echo "cells equal in both tables: $same"
