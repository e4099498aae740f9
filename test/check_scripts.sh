#!/usr/bin/env bash
# Every Python and shell script in the repository parses (make test's "scripts" runner).
# Benchmark and prototype scripts run rarely, so one broken by an edit (a patch
# applied at stale line numbers, say) would otherwise go unnoticed until needed.
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0
while IFS= read -r f; do
	n=$((n + 1))
	case $f in
		*.py) /usr/bin/python3 -c 'import sys, py_compile; py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)' \
				"$f" "$tmp/compiled.pyc" 2>"$tmp/err" ;;
		*) bash -n "$f" 2>"$tmp/err" ;;
	esac
	if [ $? -ne 0 ]; then
		failed=$((failed + 1))
		echo "not ok - $f"
		sed 's/^/    /' "$tmp/err"
	fi
done < <(git ls-files '*.py' '*.sh' .ci/run 2>/dev/null)
echo "scripts: $n parsed, $failed failed"
[ "$n" -gt 0 ] && [ "$failed" -eq 0 ]
