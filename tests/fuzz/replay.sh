#!/bin/sh
# Replays inputs through the harnesses built without libFuzzer
# (tests/fuzz/replay-HARNESS), so `make check` runs them under gcc, and under
# ASan/UBSan with --enable-sanitizers.  The inputs: the saved ones in
# tests/fuzz/regress/HARNESS/ (crash reproducers and small inputs the fuzzer
# found), small valid dumps written here by tests/mkdump in each reader
# harness's input format, which take every reader down its deepest paths,
# and the seeds of the analyzer, symbol and plugin harnesses written here by
# tests/fuzz/gen-seeds.py (page tables, kallsyms, printk, vmap areas, struct
# pages, System.map, vmlinux).  One TAP line per input.
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/tap.sh"

MKDUMP=${MKDUMP:-$top_builddir/tests/mkdump}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmscope-replay.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Valid inputs, one directory per harness.
HARNESSES="elf kdump flat split walk walk-arm64 xlate vmcore symfile xlate-input"
for h in $HARNESSES; do mkdir -p "$tmp/$h"; done
if [ -x "$MKDUMP" ]; then
	cat >"$tmp/k.desc" <<'DESC'
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
	sed 's/^format kdump/format elf/' "$tmp/k.desc" >"$tmp/e.desc"
	"$MKDUMP" "$tmp/k.desc" -o "$tmp/kdump/valid.kdump" &&
	"$MKDUMP" "$tmp/k.desc" -o "$tmp/kdump/valid-incomplete.kdump" --incomplete-after 3 &&
	"$MKDUMP" "$tmp/k.desc" -o "$tmp/flat/valid-kdump.flat" --flatten &&
	"$MKDUMP" "$tmp/k.desc" -o "$tmp/s" --split 2 &&
	"$MKDUMP" "$tmp/e.desc" -o "$tmp/elf/valid.vmcore" &&
	"$MKDUMP" "$tmp/e.desc" -o "$tmp/flat/valid-elf.flat" --flatten ||
		echo "Bail out! tests/mkdump failed"
	# The split harness's input: a 4-byte little-endian length, then both.
	n=$(wc -c <"$tmp/s.1" | tr -d ' ')
	{
		printf "\\$(printf %03o $((n & 255)))\\$(printf %03o $((n >> 8 & 255)))"
		printf "\\$(printf %03o $((n >> 16 & 255)))\\$(printf %03o $((n >> 24 & 255)))"
		cat "$tmp/s.1" "$tmp/s.2"
	} >"$tmp/split/valid-split"
else
	tap_skip "valid inputs" "$MKDUMP is not built"
fi

# Seeds of the harnesses past the readers (python3 writes them).
if command -v python3 >/dev/null 2>&1; then
	python3 "$top_srcdir/tests/fuzz/gen-seeds.py" "$tmp" ||
		echo "Bail out! tests/fuzz/gen-seeds.py failed"
else
	tap_skip "generated seeds" "no python3 to run tests/fuzz/gen-seeds.py"
fi

for h in $HARNESSES; do
	bin=$top_builddir/tests/fuzz/replay-$h
	if [ ! -x "$bin" ]; then
		tap_skip "replay-$h" "not built"
		continue
	fi
	for f in "$top_srcdir/tests/fuzz/regress/$h"/* "$tmp/$h"/*; do
		[ -f "$f" ] || continue
		out=$(timeout 60 "$bin" "$f" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && ! printf '%s' "$out" | grep -q -E 'Sanitizer|runtime error:'; then
			tap_result ok "replay-$h $(basename "$f")"
		else
			tap_result fail "replay-$h $(basename "$f") (exit $rc)"
			printf '%s\n' "$out" | grep -E 'ERROR|SUMMARY|runtime error|#[0-9] ' |
				head -n 15 | sed 's/^/#   /'
		fi
	done
done
tap_done
