#!/bin/sh
# Time to the first `struct` answer: vmscope against crash(8) on the same
# Debian debug vmlinux and dump (crash needs that vmlinux too).
#   bench/struct-vs-crash.sh VMLINUX DUMP [RUNS]      (from the build directory)
# crash treats '@' in a path as ramdump syntax, so both get symlinks.
set -eu
vmlinux=$1 dump=$2 runs=${3:-3}
command -v crash >/dev/null || { echo "crash is not installed (apt-get install crash)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ln -s "$(readlink -f "$vmlinux")" "$tmp/vmlinux"
ln -s "$(readlink -f "$dump")" "$tmp/dump"
printf 'struct task_struct.comm,pid init_task\nquit\n' >"$tmp/in"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ $i -lt "$runs" ]; do
	/usr/bin/time -f "crash   %e s wall, %U s user, %M KiB max RSS" \
		crash -s "$tmp/vmlinux" "$tmp/dump" <"$tmp/in" >/dev/null
	/usr/bin/time -f "vmscope %e s wall, %U s user, %M KiB max RSS" \
		./vmscope struct --vmlinux "$tmp/vmlinux" "$tmp/dump" task_struct init_task -m comm >/dev/null
	i=$((i + 1))
done
