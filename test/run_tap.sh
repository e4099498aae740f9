#!/usr/bin/env bash
# Runs the TAP tests (test/t/*.pl).  initdb refuses root, so as root the tree
# is copied to a temporary directory owned by postgres and the tests run there
# as postgres; as any other user they run in place.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	exec make -C "$src" prove_installcheck PROVE_FLAGS="--verbose"
fi

work=$(mktemp -d /tmp/ctnas-tap.XXXXXX)
# kept on failure, for the logs in tmp_check/
trap 'if [ $? -eq 0 ]; then rm -rf "$work"; else echo "TAP work tree kept: $work" >&2; fi' EXIT
# only what the tests need: the sources, tests and data, not .git or build output
tar -C "$src" --exclude=.git --exclude='*.o' --exclude='*.bc' --exclude='*.so' -cf - . | tar -C "$work" -xf -
chown -R postgres: "$work"
chmod 755 "$work"
su postgres -s /bin/bash -c "cd '$work' && make prove_installcheck PROVE_FLAGS='--verbose' ${PROVE_TESTS:+PROVE_TESTS='$PROVE_TESTS'}"
