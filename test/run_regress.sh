#!/usr/bin/env bash
# Runs pg_regress in a throwaway cluster (pg_virtualenv; works as root).
# The nb101_data test has the server read data files, and the server's user
# may not be able to read this checkout (a clone under /root, say), so they
# are copied to a world-readable directory first.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
data=$(mktemp -d /tmp/ctnas-regress-data.XXXXXX)
trap 'rm -rf "$data"' EXIT
cp "$src/data/nb101_sample.csv" "$src/data/nas_bench_sample.json" "$src/data/nb201.csv.gz" "$src/data/darts_sample.csv" "$src/data/ofa_mbv3_w10.csv" "$data/"
chmod 755 "$data"
chmod 644 "$data"/*
export CTNAS_TEST_DATA=$data
cd "$src"
if ! pg_virtualenv -v 15 make installcheck ${REGRESS:+REGRESS="$REGRESS"}; then
	cat regression.diffs 2>/dev/null || true
	exit 1
fi
