#!/bin/bash
# make-real-dumps.sh - build vmscope's real-dump bench.
#
# Boots Debian kernels (x86_64, arm64) to a busybox initramfs under QEMU (TCG,
# no KVM), records the guest's own ground truth on the serial console, dumps
# guest memory in every format QEMU offers, converts with makedumpfile, and
# writes truth.json per boot plus manifest.json.  See tests/real/README.md.
#
# Environment:
#   VMSCOPE_REAL_CACHE     cache/output folder (default ~/.cache/vmscope/real)
#   VMSCOPE_REAL_ONLY      comma-separated config names to build (default all)
#   VMSCOPE_REAL_REFRESH=1 re-resolve the newest kernel packages
#   VMSCOPE_REAL_BOOT_TIMEOUT  seconds to wait for a guest report (default 240)
#   VMSCOPE_REAL_NO_INSTALL=1  do not apt-get install missing tools
#   VMSCOPE_REAL_FETCH_ONLY=busybox-arm64  only fetch the arm64 busybox, print its path
set -euo pipefail
export LC_ALL=C DEBIAN_FRONTEND=noninteractive

SCRIPT_VERSION=1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
CACHE_ROOT=${VMSCOPE_REAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmscope/real}
CACHE=$CACHE_ROOT/v$SCRIPT_VERSION
OUT=$CACHE/boots
BOOT_TIMEOUT=${VMSCOPE_REAL_BOOT_TIMEOUT:-240}
QMP_TIMEOUT=180
MDF_TIMEOUT=300
T0=$(date +%s)

log() { printf '[make-real-dumps %4ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ------------------------------------------------------------------ cleanup
QEMU_PIDS=()
TMP_DIRS=()
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
	local rc=$?
	local p
	for p in "${QEMU_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${QEMU_PIDS[@]}"; do
		# p is timeout(1); a QEMU stuck in a dump may outlive it, so
		# its child gets the KILL too.
		timeout 10 tail --pid="$p" -f /dev/null 2>/dev/null ||
			{ pkill -KILL -P "$p" 2>/dev/null; kill -9 "$p" 2>/dev/null; } || true
	done
	for p in "${TMP_DIRS[@]}"; do
		rm -rf "$p"
	done
	if [ "$rc" -ne 0 ]; then
		log "FAILED (exit $rc); partial boots are not kept, completed ones stay in $OUT"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ------------------------------------------------------------------ tools
HOST_PKGS="qemu-system-x86 qemu-system-arm busybox-static makedumpfile python3-libkdumpfile python3-drgn xz-utils cpio"
ensure_host_packages() {
	local missing="" p
	for p in $HOST_PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "${VMSCOPE_REAL_NO_INSTALL:-0}" = 1 ] && die "missing packages:$missing"
	[ "$(id -u)" = 0 ] || die "missing packages:$missing (run as root to install them)"
	log "installing:$missing"
	timeout 600 apt-get update -q >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	timeout 900 apt-get install -y -q --no-install-recommends $missing >/dev/null || die "apt-get install$missing failed"
}

# private arm64 apt state, leaving the machine's own apt state untouched
ARM_APT=$CACHE/apt-arm64
arm_apt_opts() {
	echo "-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::State::Lists=$ARM_APT/lists -o Dir::Cache=$ARM_APT/cache -o Dir::State::status=$ARM_APT/status -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
}
arm_apt_update() {
	mkdir -p "$ARM_APT/lists/partial" "$ARM_APT/cache/archives/partial"
	[ -e "$ARM_APT/status" ] || : >"$ARM_APT/status"
	# shellcheck disable=SC2046
	timeout 600 apt-get $(arm_apt_opts) update -q >/dev/null 2>"$ARM_APT/update.err" || { cat "$ARM_APT/update.err" >&2; die "arm64 apt-get update failed"; }
}

newest() { # newest package name matching an extended regex, from a list on stdin
	grep -E "$1" | sort -V | tail -n1
}

resolve_kernels() {
	local kf=$CACHE/kernels.env
	if [ -s "$kf" ] && [ "${VMSCOPE_REAL_REFRESH:-0}" != 1 ]; then
		# shellcheck disable=SC1090
		. "$kf"
		return 0
	fi
	local x86 a61 a612
	x86=$(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null | newest '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' || true)
	if [ -z "$x86" ]; then
		timeout 600 apt-get update -q >/dev/null || die "apt-get update failed"
		x86=$(apt-cache pkgnames linux-image-6.1.0- | newest '^linux-image-6\.1\.0-[0-9]+-cloud-amd64-unsigned$' || true)
	fi
	[ -n "$x86" ] || die "no linux-image-6.1.0-*-cloud-amd64-unsigned in the apt lists"
	arm_apt_update
	# shellcheck disable=SC2046
	a61=$(apt-cache $(arm_apt_opts) pkgnames linux-image-6.1.0- | newest '^linux-image-6\.1\.0-[0-9]+-arm64-unsigned$' || true)
	# shellcheck disable=SC2046
	a612=$(apt-cache $(arm_apt_opts) pkgnames linux-image-6.12. | newest '^linux-image-6\.12\.[0-9]+\+deb12-arm64-16k-unsigned$' || true)
	[ -n "$a61" ] || die "no arm64 linux-image-6.1.0-*-arm64-unsigned found"
	[ -n "$a612" ] || die "no arm64 linux-image-6.12.*+deb12-arm64-16k-unsigned found"
	mkdir -p "$CACHE"
	printf 'PKG_X86=%s\nPKG_A61=%s\nPKG_A612=%s\n' "$x86" "$a61" "$a612" >"$kf.tmp"
	mv "$kf.tmp" "$kf"
	# shellcheck disable=SC1090
	. "$kf"
}

kver_of() { # linux-image-<kver>-unsigned -> <kver>
	local k=${1#linux-image-}
	echo "${k%-unsigned}"
}

# fetch_kernel PKG ARCH -> $CACHE/kernels/<kver>/{vmlinuz,config,qemu_fw_cfg.ko,modules.order,...}
fetch_kernel() {
	local pkg=$1 arch=$2 kver dir tmp
	kver=$(kver_of "$pkg")
	dir=$CACHE/kernels/$kver
	[ -e "$dir/.complete" ] && return 0
	log "fetching $pkg ($arch)"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp")
	chmod 755 "$tmp"   # apt's _apt user downloads into it
	if [ "$arch" = amd64 ]; then
		(cd "$tmp" && timeout 600 apt-get download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg failed"
	else
		[ -d "$ARM_APT/lists" ] || arm_apt_update
		# shellcheck disable=SC2046
		(cd "$tmp" && timeout 600 apt-get $(arm_apt_opts) download -q "$pkg" >/dev/null 2>&1) || die "apt-get download $pkg (arm64) failed"
	fi
	dpkg -x "$tmp"/*.deb "$tmp/x" || die "dpkg -x $pkg failed"
	rm -rf "$dir"; mkdir -p "$dir"
	cp "$tmp/x/boot/vmlinuz-$kver" "$dir/vmlinuz"
	cp "$tmp/x/boot/config-$kver" "$dir/config"
	dpkg-deb -f "$tmp"/*.deb Version >"$dir/package-version"
	echo "$pkg" >"$dir/package"
	# qemu_fw_cfg and its dependencies (modinfo's depends=), decompressed
	local moddir=$tmp/x/lib/modules/$kver order="" queue="qemu_fw_cfg" m f deps
	while [ -n "$queue" ]; do
		m=${queue%% *}; queue=${queue#"$m"}; queue=${queue# }
		case " $order " in *" $m.ko "*) continue ;; esac
		f=$(find "$moddir" -name "$m.ko" -o -name "$m.ko.xz" -o -name "$m.ko.zst" -o -name "$m.ko.gz" | head -n1)
		[ -n "$f" ] || die "module $m not found in $pkg"
		case $f in
		*.xz) xz -dc "$f" >"$dir/$m.ko" ;;
		*.gz) gzip -dc "$f" >"$dir/$m.ko" ;;
		*.zst) die "zstd-compressed module $f not supported" ;;
		*) cp "$f" "$dir/$m.ko" ;;
		esac
		deps=$(strings "$dir/$m.ko" | sed -n 's/^depends=//p' | head -n1 | tr ',' ' ')
		# dependencies load first
		order="$m.ko $order"
		[ -n "$deps" ] && queue="$queue $deps" && queue=${queue# }
	done
	echo "$order" | tr ' ' '\n' | sed '/^$/d' >"$dir/modules.order"
	touch "$dir/.complete"
	rm -rf "$tmp"
}

fetch_busybox_arm64() {
	local dir=$CACHE/busybox-arm64 tmp
	[ -x "$dir/busybox" ] && return 0
	log "fetching busybox-static (arm64)"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp"); chmod 755 "$tmp"
	[ -d "$ARM_APT/lists" ] || arm_apt_update
	# shellcheck disable=SC2046
	(cd "$tmp" && timeout 600 apt-get $(arm_apt_opts) download -q busybox-static >/dev/null 2>&1) || die "apt-get download busybox-static:arm64 failed"
	dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"
	mkdir -p "$dir"
	cp "$tmp/x/bin/busybox" "$dir/busybox.tmp" && mv "$dir/busybox.tmp" "$dir/busybox"
	rm -rf "$tmp"
}

# build_initrd KVER ARCH -> $CACHE/initrd/<kver>.cpio.gz
build_initrd() {
	local kver=$1 arch=$2 out=$CACHE/initrd/$1.cpio.gz tmp m
	[ -s "$out" ] && return 0
	log "building initramfs for $kver"
	mkdir -p "$CACHE/initrd"
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp")
	mkdir -p "$tmp/bin" "$tmp/lib" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp"
	if [ "$arch" = amd64 ]; then
		cp /bin/busybox "$tmp/bin/busybox"
	else
		cp "$CACHE/busybox-arm64/busybox" "$tmp/bin/busybox"
	fi
	ln -s busybox "$tmp/bin/sh"
	cp "$HERE/guest-init.sh" "$tmp/init"
	chmod 755 "$tmp/init" "$tmp/bin/busybox"
	while read -r m; do
		cp "$CACHE/kernels/$kver/$m" "$tmp/lib/$m"
	done <"$CACHE/kernels/$kver/modules.order"
	cp "$CACHE/kernels/$kver/modules.order" "$tmp/lib/modules.order"
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet | gzip -1) >"$out.tmp" || die "cpio failed"
	mv "$out.tmp" "$out"
	rm -rf "$tmp"
}

# ------------------------------------------------------------------ configs
# name|arch|kernel(x86|a61|a612)|cpu|mem MiB|smp|extra append|vmcoreinfo|panic|paging_levels|kaslr|conversions(full|small)
CONFIGS=(
	"x86_64-4l-kaslr|x86_64|x86|max,la57=off|512|2||1|0|4|1|full"
	"x86_64-4l-nokaslr|x86_64|x86|max,la57=off|512|2|nokaslr|1|0|4|0|full"
	"x86_64-5l-kaslr|x86_64|x86|max|512|2||1|0|5|1|full"
	"x86_64-4l-kaslr-panic|x86_64|x86|max,la57=off|512|2||1|1|4|1|full"
	"x86_64-4l-kaslr-novmcoreinfo|x86_64|x86|max,la57=off|512|2||0|0|4|1|full"
	"x86_64-4l-kaslr-128m|x86_64|x86|max,la57=off|128|1||1|0|4|1|small"
	"arm64-4k48-kaslr|arm64|a61|max,pauth-impdef=on|512|2||1|0||1|full"
	"arm64-4k48-nokaslr|arm64|a61|max,pauth-impdef=on|512|2|nokaslr|1|0||0|full"
	"arm64-16k52-lpa2-kaslr|arm64|a612|max,pauth-impdef=on|512|2||1|0||1|full"
	"arm64-16k47-nolpa2-kaslr|arm64|a612|max,pauth-impdef=on,lpa2=off|512|2||1|0||1|full"
	# For bench/ only (opening a 1 GiB guest's dump); built when named in
	# VMSCOPE_REAL_ONLY, best into a cache of its own (VMSCOPE_REAL_CACHE).
	"bench-x86_64-1g|x86_64|x86|max,la57=off|1024|2||1|0|4|1|small"
)

wanted() {
	case $1 in bench-*) [ -n "${VMSCOPE_REAL_ONLY:-}" ] || return 1 ;; esac
	[ -z "${VMSCOPE_REAL_ONLY:-}" ] && return 0
	case ",$VMSCOPE_REAL_ONLY," in *",$1,"*) return 0 ;; esac
	return 1
}

# run_mdf DIR NAME -- makedumpfile args... ; records status in conversions.tsv
run_mdf() {
	local dir=$1 name=$2; shift 3
	local rc=0 msg
	(cd "$dir" && timeout "$MDF_TIMEOUT" makedumpfile "$@" >"$dir/.mdf.out" 2>&1) || rc=$?
	msg=$(grep -v -e '^$' -e 'Copying data' -e 'Excluding' -e 'Checking' -e 'Saving' "$dir/.mdf.out" | tail -n3 | tr '\t\n' '  ')
	if [ "$rc" = 0 ]; then
		printf '%s\tok\tmakedumpfile %s\t%s\n' "$name" "$*" "$msg" >>"$dir/conversions.tsv"
	else
		printf '%s\tfailed(%s)\tmakedumpfile %s\t%s\n' "$name" "$rc" "$*" "$msg" >>"$dir/conversions.tsv"
	fi
	rm -f "$dir/.mdf.out"
	return "$rc"
}

# boot_one CONFIG-LINE
boot_one() {
	local name arch kkey cpu mem smp extra vmci panic levels kaslr conv
	IFS='|' read -r name arch kkey cpu mem smp extra vmci panic levels kaslr conv <<<"$1"
	local pkg kver kdir
	case $kkey in
	x86) pkg=$PKG_X86 ;; a61) pkg=$PKG_A61 ;; a612) pkg=$PKG_A612 ;;
	esac
	kver=$(kver_of "$pkg")
	kdir=$CACHE/kernels/$kver
	local final=$OUT/$name@$kver
	if [ -e "$final/truth.json" ]; then
		if [ "$HERE/truth.py" -nt "$final/truth.json" ]; then
			$PY "$HERE/truth.py" "$final" "$final/config.json" >/dev/null || die "$name: truth.py failed"
		fi
		log "$name: cached ($final)"
		echo "$final" >>"$CACHE/.boots.list"
		return 0
	fi
	local dir
	dir=$(mktemp -d "$OUT/.tmp-$name.XXXXXX"); TMP_DIRS+=("$dir")
	local qemu append
	append="printk.time=1 panic=0 $extra"
	[ "$panic" = 1 ] && append="$append vmscope.panic=1"
	if [ "$arch" = x86_64 ]; then
		qemu=(qemu-system-x86_64 -machine pc -cpu "$cpu")
		append="console=ttyS0 $append"
	else
		qemu=(qemu-system-aarch64 -machine virt -cpu "$cpu")
		append="console=ttyAMA0 $append"
	fi
	qemu+=(-accel tcg -m "$mem" -smp "$smp" -kernel "$kdir/vmlinuz"
		-initrd "$CACHE/initrd/$kver.cpio.gz" -append "$append"
		-display none -monitor none -nodefaults -no-reboot
		-serial "file:$dir/console.log"
		-qmp "unix:$dir/qmp.sock,server=on,wait=off")
	[ "$vmci" = 1 ] && qemu+=(-device vmcoreinfo)
	printf '%s\n' "${qemu[*]}" >"$dir/qemu-command"

	log "$name: booting $kver (${cpu}, ${mem} MiB)"
	local t_boot
	t_boot=$(date +%s)
	# Without the lock descriptors (8: ours, 9: real-ensure.sh's): a QEMU
	# that outlived us must not keep the cache locked.
	timeout -k 10 $((BOOT_TIMEOUT + QMP_TIMEOUT * 4)) "${qemu[@]}" >"$dir/qemu.out" 2>&1 8>&- 9>&- &
	local qpid=$!
	QEMU_PIDS+=("$qpid")
	# wait for the guest's report (and, for the panic config, the end of the panic)
	local want='^@@VMSCOPE-READY'
	[ "$panic" = 1 ] && want='end Kernel panic - not syncing: sysrq triggered crash'
	while :; do
		if grep -aqE "$want" "$dir/console.log" 2>/dev/null; then
			break
		fi
		if [ "$panic" != 1 ] && grep -aq 'end Kernel panic' "$dir/console.log" 2>/dev/null; then
			tail -n 20 "$dir/console.log" >&2
			die "$name: guest kernel panicked during boot (console above)"
		fi
		kill -0 "$qpid" 2>/dev/null || { cat "$dir/qemu.out" >&2; die "$name: QEMU exited early"; }
		if [ $(( $(date +%s) - t_boot )) -ge "$BOOT_TIMEOUT" ]; then
			tail -n 20 "$dir/console.log" >&2 || true
			die "$name: no guest report within ${BOOT_TIMEOUT}s"
		fi
		sleep 0.5
	done
	[ "$panic" = 1 ] && sleep 1   # let the last console lines of the panic out
	log "$name: guest reported after $(( $(date +%s) - t_boot ))s; dumping"
	$PY "$HERE/qmp.py" "$dir/qmp.sock" "$QMP_TIMEOUT" stop \
		"dump:elf:1:$dir/elf-paging.vmcore" \
		"dump:elf:0:$dir/elf-nopaging.vmcore" \
		"dump:kdump-zlib:0:$dir/kdump-zlib.flat" \
		quit >"$dir/qmp.out" 2>&1 || { cat "$dir/qmp.out" >&2; die "$name: QMP dump failed"; }
	timeout 30 tail --pid="$qpid" -f /dev/null || kill "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
	rm -f "$dir/qmp.sock"
	chmod 644 "$dir"/*.vmcore "$dir"/*.flat

	# ---- makedumpfile conversions (need the paging ELF with phdrs at 64)
	: >"$dir/conversions.tsv"
	local fixed=.elf-paging-phdr64.vmcore fixopt=""
	[ "$arch" = x86_64 ] && fixopt=--direct-map-last
	# shellcheck disable=SC2086
	$PY "$HERE/elf-phdr-front.py" $fixopt "$dir/elf-paging.vmcore" "$dir/$fixed" >"$dir/.fix.out" 2>&1 ||
		{ cat "$dir/.fix.out" >&2; die "$name: elf-phdr-front.py failed"; }
	rm -f "$dir/.fix.out"
	local fails=0 filt=1
	# filtering (-d N) needs VMCOREINFO or a vmlinux; Debian ships the latter
	# only in the huge -dbg package, so dumps without VMCOREINFO skip it
	[ "$vmci" = 1 ] || filt=0
	skip() { printf '%s\tskipped\t%s\tno VMCOREINFO in the dump and no vmlinux: makedumpfile cannot filter\n' "$1" "$2" >>"$dir/conversions.tsv"; }
	if [ "$conv" = full ]; then
		run_mdf "$dir" mdf-zlib.kdump -- -c "$fixed" mdf-zlib.kdump || fails=$((fails + 1))
		run_mdf "$dir" mdf-lzo.kdump -- -l "$fixed" mdf-lzo.kdump || fails=$((fails + 1))
		if [ "$filt" = 1 ]; then
			run_mdf "$dir" mdf-d31.kdump -- -d 31 -c "$fixed" mdf-d31.kdump || fails=$((fails + 1))
		else
			skip mdf-d31.kdump "makedumpfile -d 31 -c"
		fi
		# -F writes the flattened stream to stdout
		local rc=0
		(cd "$dir" && timeout "$MDF_TIMEOUT" makedumpfile -F -c "$fixed" >mdf-zlib.flat 2>.mdf.out) || rc=$?
		if [ "$rc" = 0 ]; then
			printf 'mdf-zlib.flat\tok\tmakedumpfile -F -c %s > mdf-zlib.flat\t\n' "$fixed" >>"$dir/conversions.tsv"
		else
			printf 'mdf-zlib.flat\tfailed(%s)\tmakedumpfile -F -c %s\t%s\n' "$rc" "$fixed" "$(tail -n2 "$dir/.mdf.out" | tr '\t\n' '  ')" >>"$dir/conversions.tsv"
			rm -f "$dir/mdf-zlib.flat"; fails=$((fails + 1))
		fi
		rm -f "$dir/.mdf.out"
		run_mdf "$dir" mdf-split2 -- --split --splitblock-size 16384 -c "$fixed" mdf-split2.1 mdf-split2.2 || fails=$((fails + 1))
		run_mdf "$dir" mdf-split3 -- --split --splitblock-size 16384 -c "$fixed" mdf-split3.1 mdf-split3.2 mdf-split3.3 || fails=$((fails + 1))
		if [ "$filt" = 1 ]; then
			run_mdf "$dir" mdf-d31.elf -- -E -d 31 "$fixed" mdf-d31.elf || fails=$((fails + 1))
		else
			skip mdf-d31.elf "makedumpfile -E -d 31"
		fi
	else
		run_mdf "$dir" mdf-d31.kdump -- -d 31 -c "$fixed" mdf-d31.kdump || fails=$((fails + 1))
		run_mdf "$dir" mdf-d31-lzo.kdump -- -d 31 -l "$fixed" mdf-d31-lzo.kdump || fails=$((fails + 1))
	fi
	# a plain (rebuilt) copy of QEMU's flattened kdump-zlib output
	local rc2=0
	(cd "$dir" && timeout "$MDF_TIMEOUT" makedumpfile -R qemu-zlib.kdump <kdump-zlib.flat >.mdf.out 2>&1) || rc2=$?
	if [ "$rc2" = 0 ]; then
		printf 'qemu-zlib.kdump\tok\tmakedumpfile -R qemu-zlib.kdump < kdump-zlib.flat\t\n' >>"$dir/conversions.tsv"
	else
		printf 'qemu-zlib.kdump\tfailed(%s)\tmakedumpfile -R\t%s\n' "$rc2" "$(tail -n2 "$dir/.mdf.out" | tr '\t\n' '  ')" >>"$dir/conversions.tsv"
		fails=$((fails + 1))
	fi
	rm -f "$dir/.mdf.out" "$dir/$fixed"
	# failed conversions leave no half-written outputs behind
	local f
	while IFS=$'\t' read -r f st _; do
		case $st in failed*) rm -f "$dir/$f" "$dir/$f".[0-9] ;; esac
	done <"$dir/conversions.tsv"
	if [ "$fails" -gt 0 ]; then
		if [ "$arch" = x86_64 ]; then
			cat "$dir/conversions.tsv" >&2
			die "$name: $fails makedumpfile conversion(s) failed on x86_64"
		fi
		log "$name: $fails makedumpfile conversion(s) failed (recorded in truth.json)"
	fi

	# ---- ground truth
	$PY - "$dir/config.json" <<EOF
import json, sys
json.dump({"name": "$name", "arch": "$arch", "kernel_package": "$pkg",
           "kernel_package_version": open("$kdir/package-version").read().strip(),
           "kernel_config": "$kdir/config", "cpu": "$cpu", "memory_mib": $mem,
           "smp": $smp, "append": "$append", "vmcoreinfo": bool($vmci),
           "panic": bool($panic), "paging_levels": ${levels:-None},
           "kaslr": bool($kaslr), "conversions": "$conv"},
          open(sys.argv[1], "w"), indent=1)
EOF
	$PY "$HERE/truth.py" "$dir" "$dir/config.json" >"$dir/.truth.out" 2>&1 ||
		{ cat "$dir/.truth.out" >&2; die "$name: truth.py failed"; }
	log "$name: $(cat "$dir/.truth.out")"
	rm -f "$dir/.truth.out"
	chmod 644 "$dir"/*
	rm -rf "$final"
	mv "$dir" "$final"
	chmod 755 "$final"
	echo "$final" >>"$CACHE/.boots.list"
	log "$name: done in $(( $(date +%s) - t_boot ))s"
}

# ------------------------------------------------------------------ main
main() {
	ensure_host_packages
	[ -x "$PY" ] || die "$PY not found"
	$PY -c 'import kdumpfile' 2>/dev/null || die "$PY cannot import kdumpfile (python3-libkdumpfile)"
	mkdir -p "$CACHE" "$OUT"
	# One generator at a time per cache: the clean-up below would destroy
	# another run's boot in progress.  (tests/real-ensure.sh holds a lock
	# of its own, .ensure.lock, around calling this; this one is separate
	# so the two never deadlock.)
	exec 8>"$CACHE/.generate.lock"
	flock -w 3600 8 || die "another make-real-dumps.sh holds $CACHE/.generate.lock"
	rm -rf "$CACHE"/tmp.* "$OUT"/.tmp-*
	# tests/real/make-kasan-dumps.sh borrows the arm64 busybox from here
	if [ "${VMSCOPE_REAL_FETCH_ONLY:-}" = busybox-arm64 ]; then
		fetch_busybox_arm64
		echo "$CACHE/busybox-arm64/busybox"
		return 0
	fi
	resolve_kernels
	log "kernels: $PKG_X86 $PKG_A61 $PKG_A612"
	local c need_x86=0 need_a61=0 need_a612=0
	for c in "${CONFIGS[@]}"; do
		wanted "${c%%|*}" || continue
		case $c in
		*"|x86|"*) need_x86=1 ;; *"|a61|"*) need_a61=1 ;; *"|a612|"*) need_a612=1 ;;
		esac
	done
	[ "$need_x86" = 1 ] && { fetch_kernel "$PKG_X86" amd64; build_initrd "$(kver_of "$PKG_X86")" amd64; }
	if [ "$need_a61" = 1 ] || [ "$need_a612" = 1 ]; then
		fetch_busybox_arm64
	fi
	[ "$need_a61" = 1 ] && { fetch_kernel "$PKG_A61" arm64; build_initrd "$(kver_of "$PKG_A61")" arm64; }
	[ "$need_a612" = 1 ] && { fetch_kernel "$PKG_A612" arm64; build_initrd "$(kver_of "$PKG_A612")" arm64; }
	: >"$CACHE/.boots.list"
	for c in "${CONFIGS[@]}"; do
		wanted "${c%%|*}" || continue
		boot_one "$c"
	done
	$PY - "$CACHE" "$SCRIPT_VERSION" <<'EOF'
import json, os, sys
cache, ver = sys.argv[1], sys.argv[2]
boots = []
for d in open(os.path.join(cache, ".boots.list")).read().split():
    t = json.load(open(os.path.join(d, "truth.json")))
    boots.append({"config": t["config"], "dir": d, "arch": t["arch"],
                  "kernel_release": t["kernel_release"],
                  "panicked": t["panicked"], "has_vmcoreinfo": t["has_vmcoreinfo"],
                  "all_agree": t["all_agree"], "disagreements": t["disagreements"],
                  "files": [f["name"] for f in t["files"]],
                  "failed_conversions": sorted(k for k, v in t["conversions"].items()
                                               if v["status"] != "ok"),
                  "bytes": sum(f["size"] for f in t["files"])})
m = {"schema": "vmscope-real-manifest/1", "script_version": int(ver),
     "boots_dir": os.path.join(cache, "boots"), "boots": boots}
with open(os.path.join(cache, "manifest.json.tmp"), "w") as f:
    json.dump(m, f, indent=1)
    f.write("\n")
os.rename(os.path.join(cache, "manifest.json.tmp"), os.path.join(cache, "manifest.json"))
bad = [b["config"] for b in boots if not b["all_agree"]]
print("boots: %d, total %.1f MiB%s" % (len(boots), sum(b["bytes"] for b in boots) / 2**20,
      "; cross-check disagreements in: " + ", ".join(bad) if bad else "; all cross-checks agree"))
EOF
	rm -f "$CACHE/.boots.list"
	log "done in $(( $(date +%s) - T0 ))s"
	echo "dumps:    $OUT"
	echo "manifest: $CACHE/manifest.json"
}

main "$@"
exit 0
