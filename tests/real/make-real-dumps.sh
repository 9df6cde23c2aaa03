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

PROG=make-real-dumps
FAILED_NOTE="partial boots are not kept, completed ones stay in $OUT"
# shellcheck source=tests/real/lib.sh
. "$HERE/lib.sh"

# ------------------------------------------------------------------ tools
HOST_PKGS="qemu-system-x86 qemu-system-arm qemu-user busybox-static makedumpfile python3-libkdumpfile python3-drgn xz-utils cpio binutils"

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

# Debian's makedumpfile understands only the host's architecture, so arm64
# dumps are converted by Debian's arm64 makedumpfile run under qemu-user
# (qemu-aarch64 -L SYSROOT, no binfmt).  The sysroot holds the package and
# its library dependencies, fetched through the private arm64 apt state.
MDF_ARM64=$CACHE/makedumpfile-arm64
fetch_mdf_arm64() {
	local tmp pkgs="" queue="makedumpfile" p d lib missing=""
	[ -e "$MDF_ARM64/.complete" ] && return 0
	command -v qemu-aarch64 >/dev/null || die "qemu-aarch64 (qemu-user) is not installed"
	log "fetching makedumpfile and its libraries (arm64)"
	[ -d "$ARM_APT/lists" ] || arm_apt_update
	# Depends and Pre-Depends, recursively (first alternative); perl only
	# serves makedumpfile-R.pl, which is not used
	while [ -n "$queue" ]; do
		p=${queue%% *}; queue=${queue#"$p"}; queue=${queue# }
		case " $pkgs " in *" $p "*) continue ;; esac
		case $p in perl*) continue ;; esac
		pkgs="$pkgs $p"
		# shellcheck disable=SC2046
		d=$(apt-cache $(arm_apt_opts) show --no-all-versions "$p" 2>/dev/null |
			sed -n 's/^\(Pre-\)\{0,1\}Depends: //p' | tr ',' '\n' |
			sed 's/|.*//; s/(.*)//; s/:any//; s/ //g' | sed '/^$/d' | tr '\n' ' ')
		queue="$queue $d"; queue=${queue# }
	done
	tmp=$(mktemp -d "$CACHE/tmp.XXXXXX"); TMP_DIRS+=("$tmp"); chmod 755 "$tmp"
	# shellcheck disable=SC2046,SC2086
	(cd "$tmp" && timeout 600 apt-get $(arm_apt_opts) download -q $pkgs >/dev/null 2>&1) ||
		die "apt-get download (arm64)$pkgs failed"
	for p in "$tmp"/*.deb; do
		dpkg -x "$p" "$tmp/root" || die "dpkg -x $p failed"
	done
	# every DT_NEEDED of the program and of its libraries must be there
	for p in "$tmp/root/usr/bin/makedumpfile" "$tmp"/root/lib/aarch64-linux-gnu/*.so* "$tmp"/root/usr/lib/aarch64-linux-gnu/*.so*; do
		[ -f "$p" ] || continue
		for lib in $(readelf -d "$p" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			[ -e "$tmp/root/lib/aarch64-linux-gnu/$lib" ] || [ -e "$tmp/root/usr/lib/aarch64-linux-gnu/$lib" ] ||
				[ -e "$tmp/root/lib/$lib" ] || missing="$missing $lib"
		done
	done
	[ -z "$missing" ] || die "arm64 sysroot lacks$missing (packages:$pkgs)"
	timeout 60 qemu-aarch64 -L "$tmp/root" "$tmp/root/usr/bin/makedumpfile" -v 2>&1 | grep -q '^makedumpfile: version' ||
		die "arm64 makedumpfile does not run under qemu-aarch64"
	for p in "$tmp"/*.deb; do dpkg-deb -f "$p" Package Version | paste -sd' '; done >"$tmp/root/packages"
	rm -rf "$MDF_ARM64"; mkdir -p "$MDF_ARM64"
	mv "$tmp/root" "$MDF_ARM64/root"
	touch "$MDF_ARM64/.complete"
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

# The makedumpfile for dumps of ARCH: the host's on x86_64; on arm64 Debian's
# arm64 build under qemu-user (the host's looks for x86_64 symbols only).
# MDF_TAG names it in conversions.tsv, which is how a later run tells a
# failure of this tool (kept) from one of another (retried).
set_mdf() {
	if [ "$1" = arm64 ]; then
		MDF=(qemu-aarch64 -L "$MDF_ARM64/root" "$MDF_ARM64/root/usr/bin/makedumpfile")
		MDF_TAG="makedumpfile(arm64,qemu-aarch64)"
	else
		MDF=(makedumpfile)
		MDF_TAG=makedumpfile
	fi
}

# conv_row TSV NAME -> "status<TAB>command" of NAME's row, or nothing
conv_row() {
	[ -f "$1" ] || return 0
	awk -F'\t' -v n="$2" '$1 == n { r = $2 "\t" $3 } END { if (r != "") print r }' "$1"
}

# conv_outputs NAME -> the files conversion NAME writes
conv_outputs() {
	case $1 in
	mdf-split2) echo mdf-split2.1 mdf-split2.2 ;;
	mdf-split3) echo mdf-split3.1 mdf-split3.2 mdf-split3.3 ;;
	*) echo "$1" ;;
	esac
}

# conv_needed BDIR NAME TAG: true when NAME has to be (re)made: no row yet,
# an ok row whose outputs are gone, or a failure of another tool than TAG
# (arm64 boots made before the arm64 makedumpfile was used).
conv_needed() {
	local row st cmd f
	row=$(conv_row "$1/conversions.tsv" "$2")
	[ -z "$row" ] && return 0
	st=${row%%$'\t'*}; cmd=${row#*$'\t'}
	case $st in
	ok)
		for f in $(conv_outputs "$2"); do [ -f "$1/$f" ] || return 0; done
		return 1 ;;
	skipped) return 1 ;;
	esac
	case $cmd in "$3 "*) return 1 ;; esac
	return 0
}

# mdf_report OUT REPORT: keeps makedumpfile's page counts (--message-level 23
# adds them to the output) so the tests can check each page status count
mdf_report() {
	grep -aE '^ *(Original pages|Excluded pages|Pages filled with zero|Non-private cache pages|Private cache pages|User process data pages|Free pages|Hwpoison pages|Offline pages|Remaining pages|Memory Hole|Total pages) *: *0x' "$1" >"$2.tmp" &&
		mv "$2.tmp" "$2"
}

# convert_boot BDIR ARCH VMCI CONV LABEL: makes every makedumpfile conversion
# BDIR lacks (all of them for a new boot), in a work folder beside it, then
# moves the outputs in and merges the rows of conversions.tsv.  Existing
# files are never rewritten, so a cached boot gains files while tests read
# it.  Sets CONV_FAILS (failures this run) and CONV_MADE (files or rows
# added or replaced: truth.json is then out of date).
convert_boot() {
	local bdir=$1 arch=$2 vmci=$3 conv=$4 label=$5
	local work fixed=.elf-paging-phdr64.vmcore fixopt="" have_fixed=0
	local list name filt args rc msg f st new report
	CONV_FAILS=0 CONV_MADE=0
	set_mdf "$arch"
	work=$(mktemp -d "$OUT/.tmp-conv-$label.XXXXXX"); TMP_DIRS+=("$work")
	new=$work/conversions.new
	: >"$new"
	[ "$arch" = x86_64 ] && fixopt=--direct-map-last
	# name|needs filtering|makedumpfile arguments (FIX: the fixed ELF)
	if [ "$conv" = full ]; then
		list=("mdf-zlib.kdump|0|-c FIX mdf-zlib.kdump"
			"mdf-lzo.kdump|0|-l FIX mdf-lzo.kdump"
			"mdf-d31.kdump|1|--message-level 23 -d 31 -c FIX mdf-d31.kdump"
			"mdf-zlib.flat|0|-F -c FIX"
			"mdf-split2|0|--split --splitblock-size 16384 -c FIX mdf-split2.1 mdf-split2.2"
			"mdf-split3|0|--split --splitblock-size 16384 -c FIX mdf-split3.1 mdf-split3.2 mdf-split3.3"
			"mdf-d31.elf|1|-E -d 31 FIX mdf-d31.elf")
	else
		list=("mdf-d31.kdump|1|--message-level 23 -d 31 -c FIX mdf-d31.kdump"
			"mdf-d31-lzo.kdump|1|--message-level 23 -d 31 -l FIX mdf-d31-lzo.kdump")
	fi
	need_fixed() {
		[ "$have_fixed" = 1 ] && return 0
		# shellcheck disable=SC2086
		$PY "$HERE/elf-phdr-front.py" $fixopt "$bdir/elf-paging.vmcore" "$work/$fixed" >"$work/.fix.out" 2>&1 ||
			{ cat "$work/.fix.out" >&2; die "$label: elf-phdr-front.py failed"; }
		have_fixed=1
	}
	local item
	for item in "${list[@]}"; do
		IFS='|' read -r name filt args <<<"$item"
		args=${args//FIX/$fixed}
		report=""
		case $name in mdf-d31.kdump | mdf-d31-lzo.kdump) report=$name.report ;; esac
		if ! conv_needed "$bdir" "$name" "$MDF_TAG"; then
			# kdump files filtered before reports were kept: makedumpfile
			# --dry-run of the same command gives the same page counts
			if [ -n "$report" ] && [ "$(conv_row "$bdir/conversions.tsv" "$name" | cut -f1)" = ok ] &&
				[ ! -f "$bdir/$report" ] && [ "$(conv_row "$bdir/conversions.tsv" "$name" | cut -f2 | cut -d' ' -f1)" = "$MDF_TAG" ]; then
				need_fixed
				# shellcheck disable=SC2086
				if (cd "$work" && timeout "$MDF_TIMEOUT" "${MDF[@]}" --dry-run $args >.mdf.out 2>&1); then
					mdf_report "$work/.mdf.out" "$work/$report" && CONV_MADE=$((CONV_MADE + 1))
				else
					log "$label: makedumpfile --dry-run for $report failed: $(tail -n2 "$work/.mdf.out" | tr '\n' ' ')"
				fi
			fi
			continue
		fi
		# filtering (-d N) needs VMCOREINFO or a vmlinux; Debian ships the
		# latter only in the huge -dbg package, so dumps without VMCOREINFO skip it
		if [ "$filt" = 1 ] && [ "$vmci" != 1 ]; then
			printf '%s\tskipped\t%s %s\tno VMCOREINFO in the dump and no vmlinux: makedumpfile cannot filter\n' \
				"$name" "$MDF_TAG" "$args" >>"$new"
			continue
		fi
		need_fixed
		rc=0
		if [ "$name" = mdf-zlib.flat ]; then
			# -F writes the flattened stream to stdout
			# shellcheck disable=SC2086
			(cd "$work" && timeout "$MDF_TIMEOUT" "${MDF[@]}" $args >mdf-zlib.flat 2>.mdf.out) || rc=$?
			args="$args > mdf-zlib.flat"
		else
			# shellcheck disable=SC2086
			(cd "$work" && timeout "$MDF_TIMEOUT" "${MDF[@]}" $args >.mdf.out 2>&1) || rc=$?
		fi
		msg=$(tr '\r' '\n' <"$work/.mdf.out" | grep -v -e '^ *$' -e 'Copying data' -e 'Excluding' -e 'Checking' -e 'Saving' -e ' : 0x' -e '^---' -e 'Write bytes' -e 'Cache hit' -e 'reduced to' |
			tail -n3 | tr '\t\n' '  ')
		if [ "$rc" = 0 ]; then
			printf '%s\tok\t%s %s\t%s\n' "$name" "$MDF_TAG" "$args" "$msg" >>"$new"
			[ -n "$report" ] && mdf_report "$work/.mdf.out" "$work/$report"
		else
			printf '%s\tfailed(%s)\t%s %s\t%s\n' "$name" "$rc" "$MDF_TAG" "$args" "$msg" >>"$new"
			CONV_FAILS=$((CONV_FAILS + 1))
		fi
	done
	# a plain (rebuilt) copy of QEMU's flattened kdump-zlib output; -R is
	# architecture-neutral, so the host's makedumpfile does it
	if conv_needed "$bdir" qemu-zlib.kdump makedumpfile; then
		rc=0
		(cd "$work" && timeout "$MDF_TIMEOUT" makedumpfile -R qemu-zlib.kdump <"$bdir/kdump-zlib.flat" >.mdf.out 2>&1) || rc=$?
		if [ "$rc" = 0 ]; then
			printf 'qemu-zlib.kdump\tok\tmakedumpfile -R qemu-zlib.kdump < kdump-zlib.flat\t\n' >>"$new"
		else
			printf 'qemu-zlib.kdump\tfailed(%s)\tmakedumpfile -R\t%s\n' "$rc" "$(tail -n2 "$work/.mdf.out" | tr '\t\n' '  ')" >>"$new"
			CONV_FAILS=$((CONV_FAILS + 1))
		fi
	fi
	rm -f "$work/$fixed" "$work/.mdf.out" "$work/.fix.out"
	# outputs of successful conversions (and reports) move in; failed ones
	# leave nothing half-written behind
	while IFS=$'\t' read -r name st _; do
		[ "$st" = ok ] || continue
		for f in $(conv_outputs "$name"); do
			chmod 644 "$work/$f"; mv -f "$work/$f" "$bdir/$f"
			CONV_MADE=$((CONV_MADE + 1))
		done
	done <"$new"
	for f in "$work"/*.report; do
		[ -f "$f" ] || continue
		chmod 644 "$f"; mv -f "$f" "$bdir/"
	done
	if [ -s "$new" ]; then
		# new rows replace the old rows of the same names
		awk -F'\t' 'NR == FNR { n[$1] = 1; next } !($1 in n)' "$new" "$bdir/conversions.tsv" 2>/dev/null >"$work/tsv"
		cat "$new" >>"$work/tsv"
		CONV_MADE=$((CONV_MADE + 1))
		chmod 644 "$work/tsv"
		mv -f "$work/tsv" "$bdir/conversions.tsv"
	fi
	rm -rf "$work"
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
		# conversions added to this script since the boot was made (the
		# arm64 makedumpfile, page-count reports) are made now, beside the
		# files already there, which stay as they are
		[ "$arch" = arm64 ] && fetch_mdf_arm64
		convert_boot "$final" "$arch" "$vmci" "$conv" "$name"
		[ "$CONV_FAILS" -gt 0 ] && log "$name: $CONV_FAILS makedumpfile conversion(s) failed (recorded in truth.json)"
		if [ "$CONV_MADE" -gt 0 ] || [ "$HERE/truth.py" -nt "$final/truth.json" ]; then
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

	# ---- makedumpfile conversions
	: >"$dir/conversions.tsv"
	convert_boot "$dir" "$arch" "$vmci" "$conv" "$name"
	if [ "$CONV_FAILS" -gt 0 ]; then
		if [ "$arch" = x86_64 ]; then
			cat "$dir/conversions.tsv" >&2
			die "$name: $CONV_FAILS makedumpfile conversion(s) failed on x86_64"
		fi
		log "$name: $CONV_FAILS makedumpfile conversion(s) failed (recorded in truth.json)"
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
	if [ "$need_a61" = 1 ] || [ "$need_a612" = 1 ]; then
		fetch_mdf_arm64
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
