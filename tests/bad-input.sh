#!/bin/sh
# Bad input: damaged copies of valid dumps must give one clean error line.
#
# Valid dumps come from tests/mkdump (descriptions below); tests/corrupt
# writes the damaged variants (truncations, bad signatures, fields pointing
# past the end, absurd counts, bad page descriptors, pages that inflate to
# the wrong size for each codec, overlapping segments, broken flattened
# records, inconsistent split sets).  For each variant and each of
#   vmscope info FILE            vmscope info --json FILE
#   vmscope read FILE --phys A 4096   vmscope read --json FILE --phys A 4096
# run under `timeout 10`, one TAP line checks all of:
#   - the exit status is not a signal (< 128) and not a timeout (124);
#   - no sanitizer report on stderr;
#   - the input files are unchanged (sha256 before and after);
#   - a failure prints exactly one stderr line, "vmscope: ...", naming the file
#     (except that `read` may report a page missing on stdout, exit 1, in the
#     clean class);
#   - success prints nothing on stderr, and is allowed only by the variant's
#     class:  fail     every command must fail (the file is unusable);
#             readfail info may succeed; reading address A must fail (A is a
#                      page whose data the damage destroyed);
#             clean    any clean outcome (the damage is in a field vmscope
#                      ignores, or it is recoverable/legitimate).
#
# Environment (set by `make check`): top_srcdir, top_builddir, VMSCOPE; MKDUMP
# and CORRUPT default to $top_builddir/tests/{mkdump,corrupt}.
#
# Makefile.am (the lead's): see tests/README-bad-input.md.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/tap.sh"

VMSCOPE=${VMSCOPE:-$top_builddir/vmscope}
MKDUMP=${MKDUMP:-$top_builddir/tests/mkdump}
CORRUPT=${CORRUPT:-$top_builddir/tests/corrupt}
for p in "$VMSCOPE" "$MKDUMP" "$CORRUPT"; do
	if [ ! -x "$p" ]; then
		tap_skip "bad-input" "$p is not built"
		tap_done
		exit 0
	fi
done
command -v sha256sum >/dev/null 2>&1 || { tap_skip "bad-input" "no sha256sum"; tap_done; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-bad.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
v=$tmp/v		# damaged variants go here
mkdir -p "$v"

# ---- valid dumps -----------------------------------------------------------

# kdump: 32 RAM pfns of 4 KiB: raw pages (0-3, random data is incompressible),
# compressed ones (4-7, 16-19), excluded (8-9) and zero pages (10-31 but 16-19).
# Descriptors: pfns 0-7 are 0-7, pfn 10 is 8, ..., pfn 19 is 17; 30 in all.
cat >"$tmp/k.desc" <<'EOF'
format kdump
arch x86_64
vmcoreinfo "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82a0c000\n"
cpu pid=1 rip=0xffffffff81000000 rsp=0xffff888000010000
cpu pid=2 rip=0xffffffff81000010 rsp=0xffff888000020000
ram 0-31
page 0-3 random=1
page 4-7 mixed=2
page 8-9 excluded
page 10-15 zero
page 16-19 mixed=3
EOF
# ELF: the same memory in two PT_LOADs, the second with a 4-page memsz tail.
sed 's/^format kdump/format elf/' "$tmp/k.desc" >"$tmp/e.desc"
printf 'load 0-15\nload 16-31 tail=4\n' >>"$tmp/e.desc"
# One compressible page per codec, at three block sizes: a 4 KiB dump whose
# page 0 is then pointed at the 8 KiB or 1 KiB dump's compressed page.
for b in 4096:c4 8192:c8 1024:c1; do
	printf 'format kdump\nblock_size %s\nvmcoreinfo "PAGESIZE=4096\\n"\nram 0-3\npage 0-3 mixed=9\n' \
		"${b%%:*}" >"$tmp/${b#*:}.desc"
done

mk() { "$MKDUMP" "$@" >/dev/null || { echo "Bail out! mkdump $*"; exit 1; }; }
mk "$tmp/k.desc" -o "$tmp/k.kdump"
mk "$tmp/k.desc" -o "$tmp/k3.kdump" --header-version 3
mk "$tmp/k.desc" -o "$tmp/k.flat" --flatten
mk "$tmp/k.desc" -o "$tmp/s" --split 2
mk "$tmp/e.desc" -o "$tmp/e.vmcore"
mk "$tmp/e.desc" -o "$tmp/e.flat" --flatten
for c in zlib lzo snappy zstd; do
	mk "$tmp/c4.desc" -o "$tmp/c4-$c.kdump" --compress "$c"
	mk "$tmp/c8.desc" -o "$tmp/c8-$c.kdump" --compress "$c"
	mk "$tmp/c1.desc" -o "$tmp/c1-$c.kdump" --compress "$c"
done

K=$tmp/k.kdump E=$tmp/e.vmcore F=$tmp/k.flat S1=$tmp/s.1 S2=$tmp/s.2
todo=		# set around variants that fail because of a known reader bug

# ---- helpers ---------------------------------------------------------------

get() { "$CORRUPT" get "$3" "$1" "$2"; }		# get TYPE OFF FILE
fsize() { wc -c <"$1" | tr -d ' '; }
# cor NAME IN KIND ARGS...: writes variant $v/NAME
cor() {
	_cn=$1 _ci=$2
	shift 2
	"$CORRUPT" "$_ci" "$v/$_cn" "$@" || { echo "Bail out! corrupt $_cn"; exit 1; }
}

# The kdump layout, from its header (64-bit disk_dump_header).
kdump_layout() {	# FILE -> bs sub bmb desc_off
	bs=$(get u32le 428 "$1")
	sub=$(get u32le 432 "$1")
	bmb=$(get u32le 436 "$1")
	desc_off=$(( (1 + sub + bmb) * bs ))
}

has_sanitizer() { grep -q -E 'Sanitizer|runtime error:|LeakSanitizer' "$1"; }

# check CLASS DESC FILES -- CMD...: runs CMD and reports one TAP line.
# CLASS is fail, ok (must succeed), or clean (either, if clean).
check() {
	class=$1 desc=$2
	shift 2
	files=
	while [ "$1" != -- ]; do files="$files $1"; shift; done
	shift
	sums=$(for f in $files; do sha256sum <"$f"; done)
	timeout 10 "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	why=
	if [ $rc -eq 124 ]; then why="timed out"
	elif [ $rc -ge 128 ]; then why="killed by signal $((rc - 128))"
	elif has_sanitizer "$tmp/err"; then why="sanitizer report"
	elif [ "$(for f in $files; do sha256sum <"$f"; done)" != "$sums" ]; then why="input file changed"
	elif [ $rc -eq 0 ]; then
		if [ -s "$tmp/err" ]; then why="succeeded but wrote to stderr"
		elif [ "$class" = fail ]; then why="succeeded on a damaged file"
		fi
	else
		lines=$(wc -l <"$tmp/err" | tr -d ' ')
		named=no
		for f in $files; do grep -q -F "$f" "$tmp/err" && named=yes; done
		if [ "$class" = ok ]; then why="failed on a valid file (exit $rc)"
		elif [ "$class" = clean ] && [ "$lines" = 0 ] && [ -s "$tmp/out" ]; then
			: # read reported a page missing, on stdout: not an error
		elif [ "$lines" != 1 ]; then why="$lines lines on stderr, not 1"
		elif ! head -n 1 "$tmp/err" | grep -q '^vmscope: '; then why="stderr does not start with 'vmscope: '"
		elif [ $named = no ]; then why="error does not name the file"
		fi
	fi
	if [ -n "$todo" ]; then
		# A known reader bug: automake counts "not ok # TODO" as an
		# expected failure and "ok # TODO" as an unexpected pass (drop
		# the TODO then).
		tap_n=$((tap_n + 1))
		if [ -z "$why" ]; then
			echo "ok $tap_n - $desc # TODO $todo"
		else
			echo "not ok $tap_n - $desc: $why # TODO $todo"
		fi
	elif [ -z "$why" ]; then
		tap_result ok "$desc"
	else
		tap_result fail "$desc: $why"
		tap_diag "  command: $*"
		sed -n '1,5s/^/#   stderr: /p' "$tmp/err"
	fi
}

# variant CLASS NAME ADDR FILES...: the four commands on one variant.
# CLASS: fail, readfail, clean, ok (a valid file).
variant() {
	vclass=$1 name=$2 addr=$3
	shift 3
	case $vclass in
	fail) ci=fail cr=fail ;;
	readfail) ci=clean cr=fail ;;
	clean) ci=clean cr=clean ;;
	ok) ci=ok cr=ok ;;
	esac
	check "$ci" "$name: info" "$@" -- "$VMSCOPE" info "$@"
	check "$ci" "$name: info --json" "$@" -- "$VMSCOPE" info --json "$@"
	check "$cr" "$name: read" "$@" -- "$VMSCOPE" read "$@" --phys "$addr" 4096
	check "$cr" "$name: read --json" "$@" -- "$VMSCOPE" read --json "$@" --phys "$addr" 4096
}
# v1 CLASS NAME ADDR: variant() on the single file $v/NAME.
v1() { variant "$1" "$2" "$3" "$v/$2"; }

# ---- the valid dumps work ----------------------------------------------------

variant ok valid-kdump 0x4000 "$K"
variant ok valid-kdump-v3 0x4000 "$tmp/k3.kdump"
variant ok valid-flat 0x4000 "$F"
variant ok valid-split 0x13000 "$S1" "$S2"
variant ok valid-elf 0x4000 "$E"
variant ok valid-elf-flat 0x4000 "$tmp/e.flat"
for c in zlib lzo snappy zstd; do
	variant ok "valid-kdump-$c" 0 "$tmp/c4-$c.kdump"
done

# ---- kdump -------------------------------------------------------------------

kdump_layout "$K"
ksize=$(fsize "$K")
# The shared zero page starts the data area; pfn 10's descriptor points at it.
data_off=$(get u64le $((desc_off + 8 * 24)) "$K")
if [ "$data_off" -ne $((desc_off + 30 * 24)) ]; then
	echo "Bail out! unexpected kdump layout (data at $data_off, descriptors at $desc_off)"
	exit 1
fi
bm1=$(( (1 + sub) * bs )) bm2=$(( (1 + sub + bmb / 2) * bs ))

# Truncation: every header field boundary, the sub header, notes, both
# bitmaps, the descriptor table, and a spread through the page data.  Cut
# before the data area, nothing is usable; cut inside it, the last page
# (pfn 19, stored last) is gone.
for off in 0 1 7 8 12 402 424 428 432 436 440 444 460 464 4095 \
	4096 4104 4108 4112 4128 4144 4160 4176 4192 4200 4300 \
	$bm1 $((bm1 + 1)) $bm2 $((bm2 + 4)) \
	$desc_off $((desc_off + 12)) $((desc_off + 4 * 24 + 8)) $((desc_off + 29 * 24)) \
	$data_off $((data_off + 100)) $(( (data_off + ksize) / 2 )) $((ksize - 4096)) $((ksize - 1)); do
	cor "kdump-trunc-$off" "$K" truncate "$off"
	if [ "$off" -lt "$data_off" ]; then
		v1 fail "kdump-trunc-$off" 0x4000
	else
		v1 readfail "kdump-trunc-$off" 0x13000
	fi
done

# Signatures.
cor kdump-sig-typo "$K" bytes 0 4b44554d50202058	# "KDUMP  X"
cor kdump-sig-diskdump "$K" bytes 0 4449534b44554d50	# "DISKDUMP"
cor kdump-sig-zero "$K" zero 0 8
for n in kdump-sig-typo kdump-sig-diskdump kdump-sig-zero; do v1 fail $n 0x4000; done

# Header fields: impossible values and offsets past the end of the file.
cor kdump-version-negative "$K" u32le 8 -1
cor kdump-block-size-0 "$K" u32le 428 0
cor kdump-block-size-3 "$K" u32le 428 3
cor kdump-block-size-1g "$K" u32le 428 0x40000000
cor kdump-sub-hdr-size-past-eof "$K" u32le 432 1000
cor kdump-sub-hdr-size-huge "$K" u32le 432 0x7fffffff
cor kdump-sub-hdr-size-negative "$K" u32le 432 0x80000000
cor kdump-bitmap-blocks-0 "$K" u32le 436 0
cor kdump-bitmaps-past-eof "$K" u32le 436 $(( (ksize / bs + 2) * 2 ))
cor kdump-bitmap-blocks-huge "$K" u32le 436 0xfffffffe
cor kdump-note-offset-past-eof "$K" u64le $((bs + 48)) $((ksize + 4096))
cor kdump-note-size-huge "$K" u64le $((bs + 56)) 0x7fffffffffffffff
cor kdump-note-size-past-eof "$K" u64le $((bs + 56)) "$ksize"
for n in kdump-version-negative kdump-block-size-0 kdump-block-size-3 kdump-block-size-1g \
	kdump-sub-hdr-size-past-eof kdump-sub-hdr-size-huge kdump-sub-hdr-size-negative \
	kdump-bitmap-blocks-0 kdump-bitmaps-past-eof kdump-bitmap-blocks-huge \
	kdump-note-offset-past-eof kdump-note-size-huge kdump-note-size-past-eof; do
	v1 fail $n 0x4000
done
# Version 3 has only offset_vmcoreinfo/size_vmcoreinfo for VMCOREINFO.
cor kdump-v3-vmcoreinfo-past-eof "$tmp/k3.kdump" u64le $((bs + 32)) $((ksize + 4096))
cor kdump-v3-vmcoreinfo-size-huge "$tmp/k3.kdump" u64le $((bs + 40)) 0x4000000000000000
v1 fail kdump-v3-vmcoreinfo-past-eof 0x4000
v1 fail kdump-v3-vmcoreinfo-size-huge 0x4000

# Absurd counts.  A 32-bit max_mapnr the bitmaps cannot cover makes the
# header implausible.  nr_cpus is not used, the incomplete flag is
# legitimate, a dump without notes is valid: none of these need fail.
cor kdump-max-mapnr32-huge "$K" u32le 440 0xffffffff
cor kdump-nr-cpus-huge "$K" u32le 460 0x7fffffff
cor kdump-status-incomplete "$K" u32le 424 9
cor kdump-note-size-zero "$K" u64le $((bs + 56)) 0
v1 fail kdump-max-mapnr32-huge 0x4000
for n in kdump-nr-cpus-huge kdump-status-incomplete kdump-note-size-zero; do
	v1 clean $n 0x4000
done
# max_mapnr_64 = 2^63, far beyond what the bitmaps cover: refused (it was
# once taken for a one-bitmap dump, reading another page's data).
cor kdump-max-mapnr-2e63 "$K" u64le $((bs + 96)) 0x8000000000000000
v1 fail kdump-max-mapnr-2e63 0x14000
# A bad first note (namesz, descsz huge) in the note area.
note_off=$(get u64le $((bs + 48)) "$K")
cor kdump-note-namesz-huge "$K" u32le "$note_off" 0xffffffff
cor kdump-note-descsz-huge "$K" u32le $((note_off + 4)) 0xfffffff0
v1 fail kdump-note-namesz-huge 0x4000
v1 fail kdump-note-descsz-huge 0x4000

# Page descriptors (24 bytes: offset u64, size u32, flags u32, page_flags
# u64); descriptor 4 is pfn 4, zlib-compressed; descriptor 0 is pfn 0, raw.
d4=$((desc_off + 4 * 24)) d0=$desc_off
cor kdump-desc-size-0 "$K" u32le $((d4 + 8)) 0
cor kdump-desc-size-over-page "$K" u32le $((d4 + 8)) 4097
cor kdump-desc-size-huge "$K" u32le $((d4 + 8)) 0xffffffff
cor kdump-desc-offset-past-eof "$K" u64le "$d4" $((ksize + 1))
cor kdump-desc-offset-wraps "$K" u64le "$d4" 0xffffffffffffff00
cor kdump-desc-flags-two-codecs "$K" u32le $((d4 + 12)) 3
cor kdump-desc-flags-unknown "$K" u32le $((d4 + 12)) 0x40
cor kdump-desc-raw-short "$K" u32le $((d4 + 12)) 0
cor kdump-desc-raw-size-100 "$K" u32le $((d0 + 8)) 100
for n in kdump-desc-size-0 kdump-desc-size-over-page kdump-desc-size-huge \
	kdump-desc-offset-past-eof kdump-desc-offset-wraps kdump-desc-flags-two-codecs \
	kdump-desc-flags-unknown kdump-desc-raw-short; do
	v1 readfail $n 0x4000
done
v1 readfail kdump-desc-raw-size-100 0
# A descriptor at offset 0 is how an incomplete dump marks a lost page: the
# read reports it (exit 1, on stdout), which is not an error.
cor kdump-desc-offset-zero "$K" u64le "$d4" 0
cor kdump-desc-table-zeroed "$K" zero "$desc_off" $((30 * 24))
v1 clean kdump-desc-offset-zero 0x4000
v1 clean kdump-desc-table-zeroed 0x4000

# Compressed pages that inflate to more (an 8 KiB page) or less (a 1 KiB
# page) than the 4 KiB block, cut short, or garbage, for each codec.
for c in zlib lzo snappy zstd; do
	base=$tmp/c4-$c.kdump
	kdump_layout "$base"
	c4desc=$desc_off
	c4size=$(fsize "$base")
	flags=$(get u32le $((c4desc + 12)) "$base")
	if [ "$flags" -eq 0 ]; then
		echo "Bail out! mkdump stored page 0 of $base uncompressed"
		exit 1
	fi
	for other in c8 c1; do
		src=$tmp/$other-$c.kdump
		kdump_layout "$src"
		off=$(get u64le "$desc_off" "$src")
		len=$(get u32le $((desc_off + 8)) "$src")
		dd if="$src" of="$tmp/blob" bs=1 skip="$off" count="$len" 2>/dev/null
		cat "$base" "$tmp/blob" >"$tmp/spliced"
		[ $other = c8 ] && n=kdump-$c-inflates-to-8k || n=kdump-$c-inflates-to-1k
		cor "$n.tmp" "$tmp/spliced" u64le "$c4desc" "$c4size"
		cor "$n" "$v/$n.tmp" u32le $((c4desc + 8)) "$len"
		v1 readfail "$n" 0
	done
	len=$(get u32le $((c4desc + 8)) "$base")
	off=$(get u64le "$c4desc" "$base")
	cor "kdump-$c-cut-short" "$base" u32le $((c4desc + 8)) $((len / 2))
	cor "kdump-$c-garbage" "$base" bytes "$off" 00ff00ff00ff00ff00ff00ff00ff00ff
	v1 readfail "kdump-$c-cut-short" 0
	v1 readfail "kdump-$c-garbage" 0
done

# ---- ELF ---------------------------------------------------------------------

esize=$(fsize "$E")
phoff=$(get u64le 32 "$E")
phnum=$(get u16le 56 "$E")
note= load0= load1=
i=0
while [ $i -lt "$phnum" ]; do
	t=$(get u32le $((phoff + i * 56)) "$E")
	[ "$t" -eq 4 ] && [ -z "$note" ] && note=$((phoff + i * 56))
	if [ "$t" -eq 1 ]; then
		if [ -z "$load0" ]; then load0=$((phoff + i * 56)); else load1=$((phoff + i * 56)); fi
	fi
	i=$((i + 1))
done
if [ -z "$note" ] || [ -z "$load1" ]; then
	echo "Bail out! unexpected ELF layout"
	exit 1
fi
note_data=$(get u64le $((note + 8)) "$E")

# Every byte up to the end holds headers, notes or PT_LOAD data.
for off in 0 3 4 16 18 20 24 32 40 48 52 54 56 58 60 63 64 \
	$((phoff + 8)) $((phoff + 56)) $((phoff + phnum * 56 - 1)) \
	$note_data $((note_data + 12)) $((note_data + 40)) \
	$(( esize / 4 )) $(( esize / 2 )) $(( esize * 3 / 4 )) $((esize - 4096)) $((esize - 1)); do
	cor "elf-trunc-$off" "$E" truncate "$off"
	v1 fail "elf-trunc-$off" 0x4000
done
cor elf-sig-typo "$E" bytes 0 7f454c47			# "\177ELG"
cor elf-class-32 "$E" u8 4 1
cor elf-data-bad "$E" u8 5 3
cor elf-phoff-past-eof "$E" u64le 32 $((esize + 64))
cor elf-phoff-wraps "$E" u64le 32 0xfffffffffffffff0
cor elf-phnum-xnum-no-shdr "$E" u16le 56 0xffff
cor elf-phnum-huge "$E" u16le 56 60000
cor elf-phnum-0 "$E" u16le 56 0
cor elf-phentsize-32 "$E" u16le 54 32
cor elf-load-offset-past-eof "$E" u64le $((load1 + 8)) $((esize + 4096))
cor elf-load-offset-wraps "$E" u64le $((load1 + 8)) 0xfffffffffffff000
cor elf-load-filesz-past-eof "$E" u64le $((load1 + 32)) 0x100000000
cor elf-load-filesz-over-memsz "$E" u64le $((load0 + 40)) 4096
cor elf-load-paddr-wraps "$E" u64le $((load1 + 24)) 0xfffffffffffff000
cor elf-load-partial-overlap "$E" u64le $((load1 + 24)) 0x8000
cor elf-note-offset-past-eof "$E" u64le $((note + 8)) $((esize + 4096))
cor elf-note-size-huge "$E" u64le $((note + 32)) 0x4000000000000000
cor elf-note-namesz-huge "$E" u32le "$note_data" 0xffffffff
cor elf-note-descsz-huge "$E" u32le $((note_data + 4)) 0xfffffff0
for n in elf-sig-typo elf-class-32 elf-data-bad elf-phoff-past-eof elf-phoff-wraps \
	elf-phnum-xnum-no-shdr elf-phnum-huge elf-phnum-0 elf-phentsize-32 \
	elf-load-offset-past-eof elf-load-offset-wraps elf-load-filesz-past-eof \
	elf-load-filesz-over-memsz elf-load-paddr-wraps elf-load-partial-overlap \
	elf-note-offset-past-eof elf-note-size-huge elf-note-namesz-huge elf-note-descsz-huge; do
	v1 fail $n 0x4000
done
# A PT_LOAD nested inside another is legitimate: kexec's kernel-text segment
# repeats part of a RAM segment.
cor elf-load-nested "$E" u64le $((load1 + 24)) 0
v1 clean elf-load-nested 0x4000

# ---- flattened ---------------------------------------------------------------

fsz=$(fsize "$F")
r0=4096
r0size=$(get u64be $((r0 + 8)) "$F")
r1=$((r0 + 16 + r0size))
for off in 0 8 16 24 32 4095 4096 4100 4104 4111 4112 $((r1 - 1)) $((r1 + 8)) \
	$((fsz / 2)) $((fsz - 16)) $((fsz - 8)) $((fsz - 1)); do
	cor "flat-trunc-$off" "$F" truncate "$off"
	v1 fail "flat-trunc-$off" 0x4000
done
cor flat-sig-typo "$F" bytes 0 6d616b6564756d7066696c58	# "makedumpfilX"
cor flat-type-2 "$F" u64be 16 2
cor flat-version-2 "$F" u64be 24 2
cor flat-rec-offset-negative "$F" u64be "$r0" -4096
cor flat-rec-offset-huge "$F" u64be "$r0" 0x4000000000000000
cor flat-rec-size-negative "$F" u64be $((r0 + 8)) -1
cor flat-rec-size-0 "$F" u64be $((r0 + 8)) 0
cor flat-rec-size-past-eof "$F" u64be $((r1 + 8)) "$fsz"
cor flat-end-marker-half "$F" u64be $((fsz - 8)) 0
cor flat-no-end-marker "$F" truncate $((fsz - 16))
# A late record overwriting the kdump signature, or its bitmap size, with
# garbage: records overlap legitimately, the last one wins.
cor flat-late.tmp "$F" truncate $((fsz - 16))
cor flat-late-record-over-signature "$v/flat-late.tmp" append \
	00000000000000000000000000000008$(printf '%016x' 0)ffffffffffffffffffffffffffffffff
cor flat-late-record-over-bitmaps "$v/flat-late.tmp" append \
	00000000000001b40000000000000004fffffffeffffffffffffffffffffffffffffffff
for n in flat-sig-typo flat-type-2 flat-version-2 flat-rec-offset-negative \
	flat-rec-size-negative flat-rec-size-0 flat-rec-size-past-eof flat-end-marker-half \
	flat-no-end-marker flat-late-record-over-signature flat-late-record-over-bitmaps; do
	v1 fail $n 0x4000
done
# The first record moved 2^62 bytes out: the logical file is then that
# large (nothing may be sized by it), and what the record held is a hole.
v1 clean flat-rec-offset-huge 0x4000

# ---- split -------------------------------------------------------------------

kdump_layout "$S1"
s2size=$(fsize "$S2")
start2=$(get u64le $((bs + 80)) "$S2")
cor split-overlap "$S2" u64le $((bs + 80)) $((start2 - 1))
cor split-overlap-all "$S2" u64le $((bs + 80)) 0
cor split-gap "$S2" u64le $((bs + 80)) $((start2 + 1))
cor split-end-before-start "$S2" u64le $((bs + 88)) 0
cor split-block-size "$S2" u32le 428 8192
cor split-max-mapnr "$S2" u64le $((bs + 96)) 64
cor split-not-split "$S2" u32le $((bs + 12)) 0
cor split-trunc-header "$S2" truncate 400
cor split-trunc-bitmap "$S2" truncate $(( (2 + sub) * bs ))
for n in split-overlap split-overlap-all split-gap split-end-before-start split-block-size \
	split-max-mapnr split-not-split split-trunc-header split-trunc-bitmap; do
	variant fail "$n" 0x13000 "$S1" "$v/$n"
done
variant fail split-same-piece-twice 0x13000 "$S1" "$S1"
variant fail split-one-piece 0x13000 "$S1"
variant fail split-with-unrelated 0x13000 "$S1" "$K"
# The last piece claiming pfns past max_mapnr is clamped to it.
cor split-end-huge "$S2" u64le $((bs + 88)) 0xffffffffffffffff
variant clean split-end-huge 0x13000 "$S1" "$v/split-end-huge"

tap_done
