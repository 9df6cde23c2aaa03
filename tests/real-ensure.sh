#!/bin/sh
# real-ensure.sh - make sure the real-dump bench exists; print its boots folder.
#
#   BOOTS=$("$top_srcdir/tests/real-ensure.sh") || exit $?   (sketch; see below)
#
# Runs tests/real/make-real-dumps.sh (which keeps a cache, so a warm run takes
# seconds) under flock(1), so the real-dump tests of a parallel `make -j check`
# do not build the bench twice, and prints the boots folder on stdout.
#
# Exit status:
#   0   dumps are there; stdout is the boots folder.  If generation failed but
#       some boots from earlier runs are cached, they are used and a
#       "real dumps incomplete: <reason>" line goes to stderr.
#   77  real dumps are unavailable (no qemu, no network, ...): stderr says
#       "real dumps unavailable: <reason>".  Callers report a skip.
#   99  the same, or an incomplete bench, with VMSCOPE_REQUIRE_REAL=1:
#       callers must fail.
#
# Environment:
#   VMSCOPE_REQUIRE_REAL=1       unavailable real dumps are a failure
#   VMSCOPE_REAL_NO_GENERATE=1   use the cache as it is, never run the generator
#   VMSCOPE_REAL_CACHE, VMSCOPE_REAL_ONLY, ...   passed on to make-real-dumps.sh
#   VMSCOPE_REAL_LOG             generator log (default $top_builddir/tests/real-ensure.log,
#                                else a file in the cache)
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${VMSCOPE_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmscope/real}
# The generator keeps everything under v<its SCRIPT_VERSION>; read the number
# rather than assume it, so a new version is picked up.
ver=$(sed -n 's/^SCRIPT_VERSION=\([0-9][0-9]*\)$/\1/p' "$here/real/make-real-dumps.sh" 2>/dev/null)
boots=$cache_root/v${ver:-1}/boots

unavailable() {
	echo "real dumps unavailable: $*" >&2
	if [ "${VMSCOPE_REQUIRE_REAL:-0}" = 1 ]; then
		echo "real-ensure: VMSCOPE_REQUIRE_REAL=1, so this is a failure" >&2
		exit 99
	fi
	exit 77
}

have_boots() {
	ls "$boots"/*/truth.json >/dev/null 2>&1
}

if [ "${VMSCOPE_REAL_NO_GENERATE:-0}" = 1 ]; then
	have_boots || unavailable "VMSCOPE_REAL_NO_GENERATE=1 and no boots in $boots"
	echo "$boots"
	exit 0
fi

[ -f "$here/real/make-real-dumps.sh" ] || unavailable "$here/real/make-real-dumps.sh is missing"
command -v flock >/dev/null 2>&1 || unavailable "flock(1) is not installed"
mkdir -p "$cache_root" 2>/dev/null || unavailable "cannot create $cache_root"

if [ -n "${VMSCOPE_REAL_LOG:-}" ]; then
	log=$VMSCOPE_REAL_LOG
elif [ -n "${top_builddir:-}" ] && [ -d "$top_builddir/tests" ]; then
	log=$top_builddir/tests/real-ensure.log
else
	log=$cache_root/real-ensure.log
fi

# One lock for every build tree sharing the cache.  A cold build boots
# several guests under TCG, so wait long; the holder is doing our work.
t0=$(date +%s)
exec 9>>"$cache_root/.ensure.lock" || unavailable "cannot open $cache_root/.ensure.lock"
if ! flock -w 3600 9; then
	unavailable "waited an hour for another run of make-real-dumps.sh (lock $cache_root/.ensure.lock)"
fi
t1=$(date +%s)
[ $((t1 - t0)) -ge 5 ] && echo "real-ensure: waited $((t1 - t0))s for another run to finish" >&2

rc=0
bash "$here/real/make-real-dumps.sh" >"$log" 2>&1 || rc=$?
t2=$(date +%s)
echo "real-ensure: make-real-dumps.sh exit $rc after $((t2 - t1))s (log: $log)" >&2
if [ "$rc" -ne 0 ]; then
	reason=$(sed -n 's/^\[make-real-dumps *[0-9]*s\] ERROR: //p' "$log" | tail -n 1)
	[ -n "$reason" ] || reason=$(tail -n 1 "$log")
	reason="make-real-dumps.sh failed (exit $rc): ${reason:-no message}; see $log"
	have_boots || unavailable "$reason"
	echo "real dumps incomplete: $reason; testing the $(ls -d "$boots"/*/truth.json | wc -l) cached boots" >&2
	if [ "${VMSCOPE_REQUIRE_REAL:-0}" = 1 ]; then
		echo "real-ensure: VMSCOPE_REQUIRE_REAL=1, so this is a failure" >&2
		exit 99
	fi
	echo "$boots"
	exit 0
fi
# The generator prints "dumps:    <folder>"; trust it over our guess.
printed=$(sed -n 's/^dumps: *//p' "$log" | tail -n 1)
[ -n "$printed" ] && boots=$printed
have_boots || unavailable "make-real-dumps.sh succeeded but $boots has no truth.json"
echo "$boots"
