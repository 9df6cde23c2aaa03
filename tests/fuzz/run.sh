#!/bin/sh
# Builds the fuzz corpora from the synthetic fixtures and runs each libFuzzer
# harness for a fixed number of executions, then reports executions and
# findings.
#
#   tests/fuzz/run.sh [-n RUNS] [-l MAX_LEN] [-w WORKDIR] [-p] [HARNESS...]
#
#   -n RUNS     executions per harness (default 1000000)
#   -l MAX_LEN  largest input the fuzzer makes (default: 16 KiB for kdump,
#               whose per-input work grows with the bitmap size, 32 KiB for
#               the other readers; longer seeds are cut to it, which still
#               exercises their headers; the analyzer, symbol and plugin
#               harnesses get room for their seeds: 70 KB, 100 KB for
#               vmcore, 400 KB for xlate-input)
#   -w WORKDIR  corpora, fixtures and findings (default /tmp/vmscope-fuzz)
#   -p          run the harnesses in parallel (one process each)
#   HARNESS     elf kdump flat split walk walk-arm64 xlate vmcore symfile
#               xlate-input (default: all)
#
# Run from the build directory of `./configure CC=clang --enable-fuzz && make`
# (the harnesses are tests/fuzz/fuzz-*); FUZZ_BIN=DIR and MKDUMP=PATH
# override where the harnesses and the fixture writer are.  The seeds of the
# harnesses past the readers come from tests/fuzz/gen-seeds.py (python3).  Findings
# (crash-*, leak-*, timeout-*, oom-*) land in WORKDIR/findings/HARNESS/;
# replay one with `tests/fuzz/fuzz-HARNESS FILE`, or under gcc with
# `tests/fuzz/replay-HARNESS FILE`.  Exit status 1 when anything was found.
set -eu

runs=1000000
max_len=
work=/tmp/vmscope-fuzz
parallel=no
while getopts n:l:w:p opt; do
	case $opt in
	n) runs=$OPTARG ;;
	l) max_len=$OPTARG ;;
	w) work=$OPTARG ;;
	p) parallel=yes ;;
	*) sed -n '2,22s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
harnesses=${*:-elf kdump flat split walk walk-arm64 xlate vmcore symfile xlate-input}

srcdir=$(cd "$(dirname "$0")/../.." && pwd)
bin=${FUZZ_BIN:-./tests/fuzz}
mkdump=${MKDUMP:-./tests/mkdump}
for h in $harnesses; do
	if [ ! -x "$bin/fuzz-$h" ]; then
		echo "run.sh: $bin/fuzz-$h not built (./configure CC=clang --enable-fuzz && make)" >&2
		exit 2
	fi
done
[ -x "$mkdump" ] || { echo "run.sh: no fixture writer at $mkdump (make tests/mkdump, or set MKDUMP)" >&2; exit 2; }

# ---- corpora ------------------------------------------------------------
fix=$work/fixtures
mkdir -p "$fix" "$work/small"
if [ ! -s "$fix/fixtures.list" ]; then
	echo "run.sh: generating fixtures into $fix"
	sh "$srcdir/tests/gen-fixtures.sh" "$fix" "$mkdump" >/dev/null
fi

# Small dumps (1 KiB blocks, every codec, a few CPUs and VMCOREINFO): whole
# files fit under MAX_LEN, so mutations reach descriptors and page data.
small=$work/small
cat >"$small/k.desc" <<'DESC'
format kdump
arch x86_64
block_size 1024
vmcoreinfo "OSRELEASE=6.1.0\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82a0c000\n"
cpu pid=1 rip=0xffffffff81000000 rsp=0xffff888000010000 qemu cr3=0x1000
cpu pid=2 rip=0xffffffff81000010
ram 0-15
ram 40-47
page 0 random=1
page 1-3 mixed=2
page 4 excluded
page 5 fill=0x5a
page 6 mixed=3 compress=lzo
page 7 mixed=4 compress=snappy
page 8 mixed=5 compress=zstd
page 9 mixed=6 compress=none
page 40-41 mixed=7
DESC
sed 's/^format kdump/format elf/' "$small/k.desc" >"$small/e.desc"
sed 's/^arch x86_64/arch arm64/; s/ rip=/ pc=/; s/ rsp=/ sp=/; s/ qemu cr3=0x1000//' \
	"$small/e.desc" >"$small/e-arm64.desc"
printf 'format kdump\narch arm64\nendian big\nblock_size 2048\nheader_version 3\nram 0-7\npage 0-3 mixed=1\nvmcoreinfo "PAGESIZE=2048\\n"\n' \
	>"$small/k-be.desc"
printf 'format kdump\nblock_size 1024\nbitmaps 1\nheader_version 1\nram 0-15\npage 0-7 mixed=1\n' \
	>"$small/k-1bm.desc"
"$mkdump" "$small/k.desc" -o "$small/k.kdump"
"$mkdump" "$small/k.desc" -o "$small/k-inc.kdump" --incomplete-after 3
"$mkdump" "$small/k.desc" -o "$small/k-v3.kdump" --header-version 3
"$mkdump" "$small/k.desc" -o "$small/k.flat" --flatten
"$mkdump" "$small/k.desc" -o "$small/k-split" --split 2
"$mkdump" "$small/k.desc" -o "$small/k-split-flat" --split 2 --flatten
"$mkdump" "$small/k-be.desc" -o "$small/k-be.kdump"
"$mkdump" "$small/k-1bm.desc" -o "$small/k-1bm.kdump"
"$mkdump" "$small/e.desc" -o "$small/e.vmcore"
"$mkdump" "$small/e.desc" -o "$small/e.flat" --flatten
"$mkdump" "$small/e-arm64.desc" -o "$small/e-arm64.vmcore"
for c in none zlib lzo snappy zstd; do
	"$mkdump" "$small/k.desc" -o "$small/k-$c.kdump" --compress "$c"
done

# le32 N: four little-endian bytes (the split harness's length prefix).
le32() {
	printf "\\$(printf %03o $(($1 & 255)))\\$(printf %03o $(($1 >> 8 & 255)))"
	printf "\\$(printf %03o $(($1 >> 16 & 255)))\\$(printf %03o $(($1 >> 24 & 255)))"
}
size_of() { wc -c <"$1" | tr -d ' '; }

for h in elf kdump flat split walk walk-arm64 xlate vmcore symfile xlate-input; do
	mkdir -p "$work/corpus/$h" "$work/findings/$h"
done
python3 "$srcdir/tests/fuzz/gen-seeds.py" "$work/corpus" walk walk-arm64 xlate vmcore symfile \
	xlate-input
for h in $harnesses; do	# the saved findings and deep inputs too
	if [ -d "$srcdir/tests/fuzz/regress/$h" ]; then
		cp "$srcdir/tests/fuzz/regress/$h"/* "$work/corpus/$h/"
	fi
done
for f in "$small"/*.vmcore "$fix"/*.vmcore; do cp "$f" "$work/corpus/elf/"; done
for f in "$small"/*.kdump "$fix"/*.kdump; do cp "$f" "$work/corpus/kdump/"; done
# Flattened: the record stream alone (the harness supplies the header), and
# the whole small streams too.
for f in "$small"/*.flat "$fix"/*.flat "$small"/k-split-flat.*; do
	tail -c +4097 "$f" >"$work/corpus/flat/$(basename "$f").records"
done
cp "$small"/*.flat "$work/corpus/flat/"
# Split: every generated two-piece set, and the small ones.
split_seed() {	# OUT PIECE1 PIECE2
	{ le32 "$(size_of "$2")"; cat "$2" "$3"; } >"$1"
}
split_seed "$work/corpus/split/small" "$small/k-split.1" "$small/k-split.2"
split_seed "$work/corpus/split/small-flat" "$small/k-split-flat.1" "$small/k-split-flat.2"
split_seed "$work/corpus/split/small-swapped" "$small/k-split.2" "$small/k-split.1"
while read -r name _ f1 f2 f3; do
	[ -n "${f2:-}" ] && [ -z "${f3:-}" ] || continue
	split_seed "$work/corpus/split/$name" "$fix/$f1" "$fix/$f2"
done <"$fix/fixtures.list"

# ---- fuzzing ------------------------------------------------------------
run_one() {
	h=$1
	log=$work/fuzz-$h.log
	len=$max_len
	if [ -z "$len" ]; then
		case $h in
		kdump) len=16384 ;;
		elf|flat|split) len=32768 ;;
		vmcore) len=100000 ;;
		xlate-input) len=400000 ;;
		*) len=70000 ;;
		esac
	fi
	# -malloc_limit_mb: inputs are at most MAX_LEN bytes, so any single
	# allocation of 256 MiB is one the readers failed to bound by the file.
	"$bin/fuzz-$h" -runs="$runs" -max_len="$len" -timeout=10 \
		-rss_limit_mb=2048 -malloc_limit_mb=256 -print_final_stats=1 \
		-artifact_prefix="$work/findings/$h/" "$work/corpus/$h" >"$log" 2>&1 || true
}
echo "run.sh: $runs executions per harness, max_len ${max_len:-auto}, work dir $work"
if [ "$parallel" = yes ]; then
	for h in $harnesses; do run_one "$h" & done
	wait
else
	for h in $harnesses; do run_one "$h"; done
fi

# ---- report -------------------------------------------------------------
found=0
for h in $harnesses; do
	log=$work/fuzz-$h.log
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	n=$(find "$work/findings/$h" -type f | wc -l | tr -d ' ')
	printf 'fuzz-%-11s %10s executions  %-10s findings: %s\n' "$h" "${execs:-?}" "$cov" "$n"
	if [ "$n" -gt 0 ]; then
		found=1
		find "$work/findings/$h" -type f | sed 's/^/    /'
		grep -m 3 -E '^SUMMARY|ERROR: (AddressSanitizer|libFuzzer|UndefinedBehavior)|runtime error' "$log" |
			sed 's/^/    /'
	fi
done
exit $found
