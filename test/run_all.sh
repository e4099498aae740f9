#!/usr/bin/env bash
# make test: C unit tests, pg_regress, TAP, README's blocks (test/run_readme.sh), and that every
# Python and shell script parses (test/check_scripts.sh).
# Every runner runs even if an earlier one failed; the output ends with each
# runner's own summary.
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
logs=$(mktemp -d /tmp/ctnas-test-logs.XXXXXX)
trap 'rm -rf "$logs"' EXIT
cd "$src"

run() {
	local name=$1; shift
	echo "=== $name ==="
	"$@" 2>&1 | tee "$logs/$name.log"
	echo "${PIPESTATUS[0]}" > "$logs/$name.rc"
}
run unit make --no-print-directory unittest
run regress bash test/run_regress.sh
run tap bash test/run_tap.sh
run readme bash test/run_readme.sh
run scripts bash test/check_scripts.sh

echo
echo "=== summary ==="
status=0
for name in unit regress tap readme scripts; do
	rc=$(cat "$logs/$name.rc")
	[ "$rc" -eq 0 ] || status=1
	echo "--- $name (exit $rc)"
	case $name in
		unit) grep -E '^(unit tests:|crosscheck:)' "$logs/$name.log" || echo "no unit test summary" ;;
		regress) grep -E '^(test |not ok|ok )|tests (passed|failed)|of [0-9]+ tests' "$logs/$name.log" || echo "no pg_regress summary" ;;
		tap) grep -E '^(Files=|Result:|Failed|test/t/.*(ok|Dubious|Failed))' "$logs/$name.log" || echo "no prove summary" ;;
		readme) grep -E '^(not ok|skip |readme test:)' "$logs/$name.log" || echo "no README test summary" ;;
		scripts) grep -E '^(not ok|scripts:)' "$logs/$name.log" || echo "no script check summary" ;;
	esac
done
exit $status
