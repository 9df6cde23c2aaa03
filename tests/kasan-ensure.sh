#!/bin/sh
# kasan-ensure.sh - make sure the KASAN bench exists; print its boots folder.
#
# The KASAN twin of tests/real-ensure.sh: runs tests/real/make-kasan-dumps.sh
# (cached: seconds when warm; it builds two kernels when cold) under flock(1)
# and prints the boots folder on stdout.
#
# Exit status:
#   0   stdout is the boots folder (kasan-x86_64/, kasan-arm64/ inside; when
#       one arch failed and the other is cached, stderr has a
#       "KASAN dumps incomplete: <reason>" line)
#   77  unavailable: stderr says "KASAN dumps unavailable: <reason>"
#   99  the same, or incomplete, with VMSCOPE_REQUIRE_REAL=1: callers fail
#
# Environment: VMSCOPE_REQUIRE_REAL=1, VMSCOPE_REAL_NO_GENERATE=1 (use the
# cache as it is), VMSCOPE_REAL_CACHE and VMSCOPE_KASAN_* (passed on),
# VMSCOPE_KASAN_LOG (generator log; default $top_builddir/tests/kasan-ensure.log).
set -u
here=$(cd "$(dirname "$0")" && pwd)
cache_root=${VMSCOPE_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmscope/real}
ver=$(sed -n 's/^SCRIPT_VERSION=\([0-9][0-9]*\)$/\1/p' "$here/real/make-kasan-dumps.sh" 2>/dev/null)
boots=$cache_root/kasan-v${ver:-1}/boots

unavailable() {
	echo "KASAN dumps unavailable: $*" >&2
	[ "${VMSCOPE_REQUIRE_REAL:-0}" = 1 ] && exit 99
	exit 77
}
have_boots() { ls "$boots"/kasan-*/truth.json >/dev/null 2>&1; }

if [ "${VMSCOPE_REAL_NO_GENERATE:-0}" = 1 ]; then
	have_boots || unavailable "VMSCOPE_REAL_NO_GENERATE=1 and no boots in $boots"
	echo "$boots"
	exit 0
fi
command -v flock >/dev/null 2>&1 || unavailable "flock(1) is not installed"
mkdir -p "$cache_root" 2>/dev/null || unavailable "cannot create $cache_root"
if [ -n "${VMSCOPE_KASAN_LOG:-}" ]; then
	log=$VMSCOPE_KASAN_LOG
elif [ -n "${top_builddir:-}" ] && [ -d "$top_builddir/tests" ]; then
	log=$top_builddir/tests/kasan-ensure.log
else
	log=$cache_root/kasan-ensure.log
fi
# A cold run builds two kernels: wait long, the holder is doing our work.
exec 9>>"$cache_root/.kasan-ensure.lock" || unavailable "cannot open $cache_root/.kasan-ensure.lock"
flock -w 7200 9 || unavailable "waited two hours for another make-kasan-dumps.sh"
rc=0
bash "$here/real/make-kasan-dumps.sh" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	reason=$(sed -n 's/^\[make-kasan-dumps *[0-9]*s\] ERROR: //p' "$log" | tail -n 1)
	reason="make-kasan-dumps.sh failed (exit $rc): ${reason:-$(tail -n 1 "$log")}; see $log"
	have_boots || unavailable "$reason"
	echo "KASAN dumps incomplete: $reason" >&2
	[ "${VMSCOPE_REQUIRE_REAL:-0}" = 1 ] && exit 99
fi
have_boots || unavailable "make-kasan-dumps.sh left no truth.json in $boots"
echo "$boots"
