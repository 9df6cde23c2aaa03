#!/bin/sh
# Reruns the translation benchmarks of doc/performance.md on one dump.
#
#   bench/xlate-bench.sh DUMP [COUNT]      (from the build directory)
#
# 1. bench/xlate-bench: the library (vms_xlator_vtop) against libaddrxlat's
#    C API on COUNT (10,000,000) random kernel addresses, one process, and
#    the library on 2 threads.  It also writes the address list.
# 2. The same list through `vmscope xlate` (-j 1 and -j 2) and through
#    bench/xlate-lkdf (a small libaddrxlat driver that reads and writes the
#    same way), wall and CPU time from /usr/bin/time, output to /dev/null.
# The load average is printed before each run: on a shared machine, quote
# it with the numbers (CPU times are the steadier figure).
set -eu
dump=$1
count=${2:-10000000}
b=${BUILD:-.}
list=${TMPDIR:-/tmp}/xlate-bench.$$.txt
trap 'rm -f "$list"' EXIT INT TERM

echo "load: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
"$b/bench/xlate-bench" --count "$count" --threads 2 --write-addrs "$list" "$dump" || true
for run in "vmscope xlate -j 1" "vmscope xlate -j 2" "xlate-lkdf"; do
	case $run in
	"vmscope xlate -j 1") set -- "$b/vmscope" xlate -j 1 "$dump" ;;
	"vmscope xlate -j 2") set -- "$b/vmscope" xlate -j 2 "$dump" ;;
	*) set -- "$b/bench/xlate-lkdf" "$dump" ;;
	esac
	echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
	/usr/bin/time -f "$run: %e s wall, %U s user, %S s sys, %M KiB max RSS" "$@" <"$list" >/dev/null || true
done
