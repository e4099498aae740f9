#!/usr/bin/env bash
# Makes Citus (a test dependency, never part of the product) available to the
# installed PostgreSQL: does nothing when citus.control is already installed;
# otherwise builds ../shared/vendor/citus-13.0.5.tar.gz once per (tarball,
# PostgreSQL version) into a cache and copies the staged install into place.
# Not root, or no tarball: says why and exits 0 (the Citus TAP test then skips).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
tarball=${CITUS_TARBALL:-$src/../shared/vendor/citus-13.0.5.tar.gz}
want_sha=86b3d929f21ecae5bf07a44e09639f50a54eb5882ef17a3aafee39fed17b9a1a
sharedir=$(pg_config --sharedir)

if [ -f "$sharedir/extension/citus.control" ]; then
	exit 0
fi
if [ ! -f "$tarball" ]; then
	echo "ctnas: no Citus tarball at $tarball; the Citus test will skip" >&2
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ctnas: Citus is not installed; as root run: bash $0" >&2
	exit 0
fi
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$sha" != "$want_sha" ]; then
	echo "ctnas: $tarball has sha256 $sha, expected $want_sha; not building it" >&2
	exit 1
fi
# Debian's PostgreSQL is built with GSSAPI, zstd and lz4, whose headers Citus's sources include
# whatever configure is told (libpq-be.h, columnar compression)
bash "$src/.ci/deps" libkrb5-dev libzstd-dev liblz4-dev

key="${sha:0:16}-$(pg_config --version | tr -c 'A-Za-z0-9.\n' '_')"
cache=${CTNAS_CACHE:-/var/cache/ctnas}/citus-$key
if [ ! -f "$cache/stage.done" ]; then
	echo "ctnas: building Citus 13.0.5 for $(pg_config --version) (about 10 minutes, once per machine)"
	rm -rf "$cache" && mkdir -p "$cache"
	tar xzf "$tarball" -C "$cache"
	dir=$(find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'citus*' | head -n1)
	log=$cache/build.log
	# with_llvm=no: no clang bitcode (Debian's PGXS would build it), half the compile time
	if ! ( cd "$dir" && ./configure --without-libcurl \
		&& make -j"$(nproc)" with_llvm=no \
		&& make install with_llvm=no DESTDIR="$cache/stage" ) >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "ctnas: Citus build failed; log in $log" >&2
		exit 1
	fi
	rm -rf "$dir"
	touch "$cache/stage.done"
fi
cp -a "$cache/stage/." /
test -f "$sharedir/extension/citus.control"
echo "ctnas: Citus installed from $cache"
