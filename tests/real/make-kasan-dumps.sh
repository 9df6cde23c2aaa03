#!/bin/bash
# make-kasan-dumps.sh - build vmscope's KASAN bench: real dumps of KASAN kernels.
#
# Debian ships no KASAN kernel, so this builds one per architecture from
# Debian's linux-source-6.1 package (x86_64 natively, arm64 with
# gcc-aarch64-linux-gnu): `make tinyconfig` plus the fragments
# kasan-common.config and kasan-<arch>.config.  Each kernel boots under QEMU
# (TCG) to the busybox initramfs of the real-dump bench (guest-init.sh), which
# prints its own truth on the serial console and then provokes one KASAN
# report through LKDTM (vmscope.kasan=READ_AFTER_FREE); the host then stops
# the guest and dumps it over QMP, and truth.py writes truth.json as for the
# other real dumps.  The vmlinux, its `nm -S` and System.map stay in the cache:
# they are part of the truth.  See tests/real/README.md ("KASAN bench").
#
# Layout: $VMSCOPE_REAL_CACHE/kasan-v<N>/
#   src/linux-source-6.1.tar.xz     from the linux-source-6.1 package
#   kernels/<arch>/                 vmlinux, nm-S.txt, System.map, config, image
#   boots/kasan-<arch>/             console.log, elf-*.vmcore, kdump-zlib.flat,
#                                   truth.json, config.json
#   timings.tsv                     seconds per step of the last cold runs
# Every step is skipped when its result is cached; a run with everything
# cached takes a second.
#
# Environment:
#   VMSCOPE_REAL_CACHE        cache root (default ~/.cache/vmscope/real)
#   VMSCOPE_KASAN_ARCHES      "x86_64 arm64" (default) or a subset
#   VMSCOPE_REAL_BOOT_TIMEOUT seconds to wait for the guest (default 600)
#   VMSCOPE_KASAN_BUILD_TIMEOUT seconds per kernel build (default 5400)
#   VMSCOPE_REAL_NO_INSTALL=1 do not apt-get install missing tools
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

SCRIPT_VERSION=1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
CACHE_ROOT=${VMSCOPE_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmscope/real}
CACHE=$CACHE_ROOT/kasan-v$SCRIPT_VERSION
ARCHES=${VMSCOPE_KASAN_ARCHES:-x86_64 arm64}
BOOT_TIMEOUT=${VMSCOPE_REAL_BOOT_TIMEOUT:-600}
BUILD_TIMEOUT=${VMSCOPE_KASAN_BUILD_TIMEOUT:-5400}
QMP_TIMEOUT=180
SRC_PKG=linux-source-6.1
# The bug provoked in the guest (an LKDTM crash type KASAN catches).  A
# use-after-free keeps its shadow until the object leaves KASAN's
# quarantine, so the report's rows still hold in the dump.
KASAN_BUG=READ_AFTER_FREE
T0=$(date +%s)

PROG=make-kasan-dumps
FAILED_NOTE="nothing half-made is kept"
# shellcheck source=tests/real/lib.sh
. "$HERE/lib.sh"

timing() { printf '%s\t%s\t%s\n' "$1" "$2" "$(date -u +%FT%TZ)" >>"$CACHE/timings.tsv"; }

HOST_PKGS="qemu-system-x86 qemu-system-arm busybox-static python3-libkdumpfile xz-utils cpio \
bc bison flex libelf-dev libssl-dev make gcc gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu"

fetch_source() {
	local dir=$CACHE/src tmp t
	[ -e "$dir/.complete" ] && return 0
	t=$(date +%s)
	log "downloading $SRC_PKG"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp"); chmod 755 "$tmp"
	(cd "$tmp" && timeout 900 apt-get download -q "$SRC_PKG" >/dev/null 2>&1) ||
		die "apt-get download $SRC_PKG failed"
	dpkg -x "$tmp"/"$SRC_PKG"_*.deb "$tmp/x" || die "dpkg -x $SRC_PKG failed"
	[ -s "$tmp/x/usr/src/$SRC_PKG.tar.xz" ] || die "$SRC_PKG has no /usr/src/$SRC_PKG.tar.xz"
	rm -rf "$dir"; mkdir -p "$dir"
	mv "$tmp/x/usr/src/$SRC_PKG.tar.xz" "$dir/"
	dpkg-deb -f "$tmp"/"$SRC_PKG"_*.deb Version >"$dir/package-version"
	touch "$dir/.complete"
	rm -rf "$tmp"
	timing download $(( $(date +%s) - t ))
}

# A kernel is rebuilt when its configuration fragments change.
frag_sum() { cat "$HERE/kasan-common.config" "$HERE/kasan-$1.config" | sha256sum | cut -c1-16; }

# build_kernel ARCH -> $CACHE/kernels/ARCH/{vmlinux,nm-S.txt,System.map,config,image}
build_kernel() {
	local arch=$1 dir=$CACHE/kernels/$1 tmp t karch cross="" target img o want missing=""
	if [ -e "$dir/.complete" ] && [ "$(cat "$dir/fragments.sum" 2>/dev/null)" = "$(frag_sum "$arch")" ]; then
		return 0
	fi
	case $arch in
	x86_64) karch=x86_64; target=bzImage; img=arch/x86/boot/bzImage ;;
	arm64) karch=arm64; cross=aarch64-linux-gnu-; target=Image; img=arch/arm64/boot/Image ;;
	*) die "unknown arch $arch" ;;
	esac
	t=$(date +%s)
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp")
	log "$arch: unpacking $SRC_PKG"
	tar -C "$tmp" -xf "$CACHE/src/$SRC_PKG.tar.xz" || die "unpacking $SRC_PKG failed"
	local src=$tmp/$SRC_PKG obj=$tmp/obj
	[ -f "$src/Makefile" ] || die "$SRC_PKG.tar.xz has no $SRC_PKG/Makefile"
	mkdir -p "$obj"
	local mk=(make -C "$src" O="$obj" ARCH="$karch" CROSS_COMPILE="$cross")
	"${mk[@]}" -s tinyconfig >"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "$arch: make tinyconfig failed"; }
	(cd "$src" && scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
		"$HERE/kasan-common.config" "$HERE/kasan-$arch.config") >>"$tmp/config.log" 2>&1 ||
		{ cat "$tmp/config.log" >&2; die "$arch: merge_config.sh failed"; }
	"${mk[@]}" -s olddefconfig >>"$tmp/config.log" 2>&1 || { cat "$tmp/config.log" >&2; die "$arch: make olddefconfig failed"; }
	# Kconfig drops what it cannot satisfy without a word: check every line.
	for o in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=.*/\1/p; s/^# \(CONFIG_[A-Z0-9_]*\) is not set/\1/p' \
			"$HERE/kasan-common.config" "$HERE/kasan-$arch.config"); do
		want=$(grep -h -E "^$o=|^# $o is not set" "$HERE/kasan-common.config" "$HERE/kasan-$arch.config" | tail -n1)
		grep -qxF "$want" "$obj/.config" || missing="$missing $want"
	done
	[ -z "$missing" ] || die "$arch: the kernel config lost:$missing"
	log "$arch: building ($target, make -j2, nice 10); this takes a while"
	if ! timeout "$BUILD_TIMEOUT" nice -n 10 "${mk[@]}" -j2 "$target" >"$tmp/build.log" 2>&1; then
		tail -n 30 "$tmp/build.log" >&2
		die "$arch: kernel build failed or took over ${BUILD_TIMEOUT}s (log above)"
	fi
	local out=$tmp/out
	mkdir -p "$out"
	cp "$obj/vmlinux" "$out/vmlinux"
	cp "$obj/System.map" "$out/System.map"
	cp "$obj/.config" "$out/config"
	cp "$obj/$img" "$out/image"
	nm -S --defined-only "$obj/vmlinux" >"$out/nm-S.txt" || die "$arch: nm failed"
	"${mk[@]}" -s kernelrelease >"$out/kernelrelease" 2>/dev/null || true
	cp "$CACHE/src/package-version" "$out/package-version"
	echo $(( $(date +%s) - t )) >"$out/build-seconds"
	frag_sum "$arch" >"$out/fragments.sum"
	touch "$out/.complete"
	rm -rf "$dir"; mkdir -p "$CACHE/kernels"
	mv "$out" "$dir"
	rm -rf "$tmp"
	timing "build-$arch" $(( $(date +%s) - t ))
	log "$arch: built in $(( $(date +%s) - t ))s"
}

# build_initrd ARCH -> $CACHE/initrd/ARCH.cpio.gz (busybox + guest-init.sh)
build_initrd() {
	local arch=$1 out=$CACHE/initrd/$1.cpio.gz tmp bb
	if [ -s "$out" ] && [ "$out" -nt "$HERE/guest-init.sh" ]; then return 0; fi
	if [ "$arch" = x86_64 ]; then
		bb=/bin/busybox
	else
		# make-real-dumps.sh knows how to fetch an arm64 package without
		# touching the machine's apt state; borrow its copy
		bb=$(VMSCOPE_REAL_FETCH_ONLY=busybox-arm64 bash "$HERE/make-real-dumps.sh" 2>"$CACHE/busybox.err" | tail -n1) ||
			{ cat "$CACHE/busybox.err" >&2; die "fetching the arm64 busybox failed"; }
		rm -f "$CACHE/busybox.err"
	fi
	[ -x "$bb" ] || die "no busybox for $arch ($bb)"
	mkdir -p "$CACHE/initrd"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp")
	mkdir -p "$tmp/bin" "$tmp/lib" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp"
	cp "$bb" "$tmp/bin/busybox"
	ln -s busybox "$tmp/bin/sh"
	cp "$HERE/guest-init.sh" "$tmp/init"
	chmod 755 "$tmp/init" "$tmp/bin/busybox"
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" || die "cpio failed"
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

# boot_kernel ARCH -> $CACHE/boots/kasan-ARCH/
boot_kernel() {
	local arch=$1 kdir=$CACHE/kernels/$1 final=$CACHE/boots/kasan-$1 dir qemu append t
	if [ -e "$final/truth.json" ] && [ "$final/truth.json" -nt "$kdir/.complete" ]; then
		if [ "$HERE/truth.py" -nt "$final/truth.json" ]; then
			$PY "$HERE/truth.py" "$final" "$final/config.json" >/dev/null || die "$arch: truth.py failed"
		fi
		return 0
	fi
	mkdir -p "$CACHE/boots"
	dir=$(mktemp -d "$CACHE/boots/.tmp-$arch.XXXXXX"); TMP_DIRS+=("$dir")
	append="printk.time=1 panic=0 kasan.fault=report vmscope.kasan=$KASAN_BUG"
	if [ "$arch" = x86_64 ]; then
		# 4-level paging; no ACPI in this kernel, so fw_cfg (and with it
		# the vmcoreinfo device) is found from the command line
		qemu=(qemu-system-x86_64 -machine pc -cpu max,la57=off)
		append="console=ttyS0 qemu_fw_cfg.ioport=12@0x510:0:1:4 $append"
	else
		qemu=(qemu-system-aarch64 -machine virt -cpu max,pauth-impdef=on)
		append="console=ttyAMA0 $append"
	fi
	qemu+=(-accel tcg -m 512 -smp 2 -kernel "$kdir/image" -initrd "$CACHE/initrd/$arch.cpio.gz"
		-append "$append" -display none -monitor none -nodefaults -no-reboot
		-serial "file:$dir/console.log" -qmp "unix:$dir/qmp.sock,server=on,wait=off"
		-device vmcoreinfo)
	printf '%s\n' "${qemu[*]}" >"$dir/qemu-command"
	log "$arch: booting"
	t=$(date +%s)
	# QEMU itself is the child (not under timeout(1)): the clean-up must be
	# able to SIGKILL it, since a QEMU busy in a dump ignores SIGTERM; and
	# it must not inherit the generator's lock.
	"${qemu[@]}" >"$dir/qemu.out" 2>&1 8>&- &
	local qpid=$!
	QEMU_PIDS+=("$qpid")
	while ! grep -aq '^@@VMSCOPE-READY' "$dir/console.log" 2>/dev/null; do
		if grep -aq 'end Kernel panic' "$dir/console.log" 2>/dev/null; then
			tail -n 30 "$dir/console.log" >&2
			die "$arch: the guest kernel panicked (console above)"
		fi
		kill -0 "$qpid" 2>/dev/null || { cat "$dir/qemu.out" >&2; die "$arch: QEMU exited early"; }
		if [ $(( $(date +%s) - t )) -ge "$BOOT_TIMEOUT" ]; then
			tail -n 30 "$dir/console.log" >&2 || true
			die "$arch: no guest report within ${BOOT_TIMEOUT}s"
		fi
		sleep 1
	done
	grep -aq 'BUG: KASAN: ' "$dir/console.log" || die "$arch: the guest printed no KASAN report"
	log "$arch: guest reported after $(( $(date +%s) - t ))s; dumping"
	# No paging ELF: QEMU's page-table walk for it would visit every page
	# KASAN's early shadow maps (16 TiB on x86_64, all backed by one zero
	# page) and never finish.
	$PY "$HERE/qmp.py" "$dir/qmp.sock" "$QMP_TIMEOUT" stop \
		"dump:elf:0:$dir/elf-nopaging.vmcore" \
		"dump:kdump-zlib:0:$dir/kdump-zlib.flat" \
		quit >"$dir/qmp.out" 2>&1 || { cat "$dir/qmp.out" >&2; die "$arch: QMP dump failed"; }
	timeout 30 tail --pid="$qpid" -f /dev/null || kill -9 "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	rm -f "$dir/qmp.sock"
	$PY - "$dir/config.json" "$arch" "$kdir" "$append" <<'EOF'
import json, sys
path, arch, kdir, append = sys.argv[1:5]
json.dump({"name": "kasan-" + arch, "arch": arch, "kernel_package": "linux-source-6.1 (built)",
           "kernel_package_version": open(kdir + "/package-version").read().strip(),
           "kernel_config": kdir + "/config", "vmlinux": kdir + "/vmlinux",
           "nm": kdir + "/nm-S.txt", "system_map": kdir + "/System.map",
           "cpu": "max", "memory_mib": 512, "smp": 2, "append": append,
           "vmcoreinfo": True, "panic": False,
           "paging_levels": 4 if arch == "x86_64" else None,
           "kaslr": True, "conversions": "none", "kasan_bug": "READ_AFTER_FREE"},
          open(path, "w"), indent=1)
EOF
	$PY "$HERE/truth.py" "$dir" "$dir/config.json" >"$dir/.truth.out" 2>&1 ||
		{ cat "$dir/.truth.out" >&2; die "$arch: truth.py failed"; }
	log "$arch: $(cat "$dir/.truth.out")"
	rm -f "$dir/.truth.out"
	chmod 644 "$dir"/*
	rm -rf "$final"
	mv "$dir" "$final"
	chmod 755 "$final"
	timing "boot-dump-$arch" $(( $(date +%s) - t ))
	log "$arch: booted and dumped in $(( $(date +%s) - t ))s"
}

main() {
	ensure_host_packages
	mkdir -p "$CACHE"
	# One generator per cache at a time (the clean-up below would remove
	# another run's work in progress).
	exec 8>"$CACHE/.generate.lock"
	flock -w 7200 8 || die "another make-kasan-dumps.sh holds $CACHE/.generate.lock"
	rm -rf "$CACHE"/tmp.* "$CACHE"/boots/.tmp-*
	local a
	for a in $ARCHES; do
		case $a in x86_64|arm64) ;; *) die "VMSCOPE_KASAN_ARCHES: unknown arch '$a'" ;; esac
	done
	for a in $ARCHES; do
		[ -e "$CACHE/kernels/$a/.complete" ] || { fetch_source; break; }
	done
	for a in $ARCHES; do
		build_kernel "$a"
		build_initrd "$a"
		boot_kernel "$a"
	done
	log "done in $(( $(date +%s) - T0 ))s"
	echo "dumps:    $CACHE/boots"
}

main "$@"
exit 0
