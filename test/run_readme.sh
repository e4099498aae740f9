#!/usr/bin/env bash
# Runs README.md's sql and sh blocks in document order in a throwaway cluster
# (pg_virtualenv; works as root), as a new user would: a superuser creates the
# extension, a plain role owning the database does the rest.  See
# test/readme/readme_test.py for the directives (skip, superuser, expect).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
exec pg_virtualenv -t -v 15 /usr/bin/python3 test/readme/readme_test.py README.md
