#!/bin/sh
# `vmscope xlate` on the real x86_64 and arm64 dumps: its answers must be vtop's, in
# input order, in every format; bad lines get their own error and never stop
# the stream; -j 1 and -j 2 write the same bytes.  TAP.
#
# For each boot in ~/.cache/vmscope/real/v1/boots (or $VMS_REAL_BOOTS),
# on its paging ELF and its makedumpfile zlib kdump:
#   - an address list from `vmscope layout --json`: the first, last and
#     random addresses of the direct map, vmalloc, vmemmap, kernel text and
#     modules (mapped and not), every page of the first 8 MiB of vmalloc
#     and modules (mapped pages next to guard pages: the translator's
#     per-page leaf tables, failures included), non-canonical ones, 0x-prefixed, upper-case
#     and blank-padded ones, plus garbage, blank and overlong lines;
#   - tsv, csv and jsonl output parsed back and compared, line by line, with
#     `vmscope vtop --json` on the same addresses (PA, page size, region,
#     error message), and with the input lines (order, echo);
#   - 20,000 lines (several chunks) with -j 1 and -j 2: identical bytes;
#   - the exit status: 1 when a line failed, 0 when none did;
#   - --from pa/pfn/page and --to va/pfn/page/region against ptov/pfn2page.
# Skips with the reason when there are no real dumps.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/tap.sh"
VMSCOPE=${VMSCOPE:-./vmscope}
BOOTS=${VMS_REAL_BOOTS:-$HOME/.cache/vmscope/real/v1/boots}
PY=${PYTHON:-python3}

set -- "$BOOTS"/x86_64-* "$BOOTS"/arm64-*
if [ ! -d "$1" ]; then
	echo "1..0 # SKIP no real dumps in $BOOTS (tests/real/make-real-dumps.sh makes them)"
	exit 0
fi
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "1..0 # SKIP $PY is needed to compare outputs"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xlate.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# Writes the address list $1/in.txt from the layout JSON $1/layout.json.
make_input() {
	"$PY" - "$1" <<'EOF'
import json, random, sys
out = sys.argv[1]
lay = json.load(open(out + "/layout.json"))
rnd = random.Random(6)
lines = []
for r in lay["regions"]:
    if r["name"] not in ("direct-map", "vmalloc", "vmemmap", "kernel-text", "modules",
                         "cpu-entry-area", "fixmap", "linear-map", "kernel-image"):
        continue
    s, e = int(r["start"], 16), int(r["end"], 16)
    picks = [s, e, s + 0x1000, s + 0x200000 - 1]
    if r["name"] in ("vmalloc", "modules"):
        picks += [s + 0x1000 * i + rnd.randrange(0, 0x1000) for i in range(min(2048, (e - s + 1) >> 12))]
    picks += [s + rnd.randrange(0, min(e - s, 1 << 30)) for _ in range(25)]
    picks += [s + rnd.randrange(0, e - s) for _ in range(10)]
    for a in picks:
        lines.append("%x" % a)
# Spellings that must parse the same.
lines += ["0x%x" % int(lay["regions"][0]["start"], 16) + "0", "  FFFFFFFF81000000  ",
          "0XFFFFFFFF81000123", "ffffffff81000000\r"]
# Non-canonical, user, top of the address space.
lines += ["0000900000000000", "8000000000000000", "0", "1000", "ffffffffffffffff"]
# Lines that are not addresses.
lines += ["", "   ", "zz", "0x", "0x0x10", "-5", "12 34", "ffffffffffffffff0",
          "x" * 300, "\tdead\tbeef", 'a"b,c', "ffffffff81000000 # comment"]
rnd.shuffle(lines)
with open(out + "/in.txt", "w", newline="") as f:
    for l in lines:
        f.write(l + "\n")
EOF
}

# Compares xlate's output ($2, format $3) with vtop's JSON ($4) for input $1.
compare() {
	"$PY" - "$@" <<'EOF'
import csv, json, re, sys
inp, out, fmt, vt = sys.argv[1:5]
lines = open(inp, newline="").read().split("\n")[:-1]
vtop = {int(t["vaddr"], 16): t for t in json.load(open(vt))["translations"]}
def parse(s):
    t = s.strip(" \t\r\v\f")
    if t[:2] in ("0x", "0X"):
        t = t[2:]
    if not t or not re.fullmatch(r"[0-9a-fA-F]{1,16}", t):
        return None
    return int(t, 16)
rows = []
if fmt == "jsonl":
    for l in open(out):
        rows.append(json.loads(l))
else:
    raw = open(out, newline="").read().split("\n")[:-1]
    if fmt == "csv":
        recs = list(csv.reader(open(out, newline="")))
    else:
        recs = [r.split("\t") for r in raw]
    head = recs[0]
    if head != ["input", "pa", "page_size", "region", "error"]:
        sys.exit("bad header %r" % head)
    for r in recs[1:]:
        rows.append({k: v for k, v in zip(head, r) if v != ""})
if len(rows) != len(lines):
    sys.exit("%d output rows for %d input lines" % (len(rows), len(lines)))
bad = 0
def esc_tsv(s):
    o = ""
    for c in s:
        b = ord(c)
        if c == "\\": o += "\\\\"
        elif c == "\t": o += "\\t"
        elif b < 0x20 or b >= 0x7f: o += "\\x%02x" % b
        else: o += c
    return o
for i, (l, r) in enumerate(zip(lines, rows)):
    want_in = l if len(l) <= 256 else l[:64] + "..."
    if fmt == "tsv":
        want_in = esc_tsv(want_in)
    if r.get("input", "") != want_in:
        print("line %d: input echoed as %r, not %r" % (i + 1, r.get("input"), want_in)); bad += 1
    a = parse(l) if len(l) <= 256 else None
    if a is None:
        if "error" not in r or "pa" in r:
            print("line %d %r: no error: %r" % (i + 1, l, r)); bad += 1
        continue
    t = vtop.get(a)
    if t is None:
        print("line %d: vtop has no answer for %x" % (i + 1, a)); bad += 1
        continue
    if r.get("region") != t["region"]:
        print("line %d: region %r, vtop %r" % (i + 1, r.get("region"), t["region"])); bad += 1
    if "error" in t:
        if r.get("error") != t["error"] or "pa" in r:
            print("line %d: %r vs vtop error %r" % (i + 1, r, t["error"])); bad += 1
    elif r.get("pa") != t["paddr"] or r.get("page_size") != t["page_size"] or "error" in r:
        print("line %d: %r vs vtop %s %s" % (i + 1, r, t["paddr"], t["page_size"])); bad += 1
    if bad > 10:
        break
sys.exit(1 if bad else 0)
EOF
}

for boot in "$@"; do
	b=$(basename "$boot")
	# makedumpfile's kdump; QEMU's own where makedumpfile 1.7.2 cannot
	# convert (arm64 16K pages with 52-bit VA)
	second=mdf-zlib.kdump
	[ -f "$boot/$second" ] || case $b in arm64-*) second=kdump-zlib.flat ;; esac
	for f in elf-paging.vmcore $second; do
		dump=$boot/$f
		if [ ! -f "$dump" ]; then
			tap_skip "$b/$f" "not made"
			continue
		fi
		d=$tmp/$b-$f
		mkdir -p "$d"
		if ! "$VMSCOPE" layout --json "$dump" >"$d/layout.json" 2>"$d/err"; then
			# Layout detection has its own tests; xlate needs a layout.
			tap_skip "$b/$f" "no layout to translate with: $(head -n 1 "$d/err")"
			continue
		fi
		if ! make_input "$d"; then
			tap_result fail "$b/$f: making the address list"
			continue
		fi
		# vtop wants every address as an argument; parse the good ones.
		addrs=$("$PY" -c '
import re, sys
for l in open(sys.argv[1], newline="").read().split("\n")[:-1]:
    t = l.strip(" \t\r\v\f")
    t = t[2:] if t[:2] in ("0x", "0X") else t
    if len(l) <= 256 and re.fullmatch(r"[0-9a-fA-F]{1,16}", t): print(t)' "$d/in.txt" | sort -u)
		# shellcheck disable=SC2086
		"$VMSCOPE" vtop --json "$dump" $addrs >"$d/vtop.json" 2>/dev/null
		for fmt in tsv csv jsonl; do
			"$VMSCOPE" xlate --format $fmt "$dump" <"$d/in.txt" >"$d/out.$fmt" 2>"$d/err.$fmt"
			rc=$?
			tap_is "$b/$f: xlate --format $fmt exits 1 (some lines fail)" "$rc" 1
			tap_ok "$b/$f: xlate --format $fmt equals vtop, line by line, in order" \
				compare "$d/in.txt" "$d/out.$fmt" $fmt "$d/vtop.json"
		done
		tap_ok "$b/$f: --json is --format jsonl" \
			sh -c '"$1" xlate --json "$2" <"$3" | cmp -s - "$4"' _ "$VMSCOPE" "$dump" "$d/in.txt" "$d/out.jsonl"
		tap_ok "$b/$f: --input FILE is stdin" \
			sh -c '"$1" xlate --input "$3" "$2" | cmp -s - "$4"' _ "$VMSCOPE" "$dump" "$d/in.txt" "$d/out.tsv"
		"$VMSCOPE" xlate --no-header "$dump" <"$d/in.txt" >"$d/nh.tsv" 2>/dev/null
		tail -n +2 "$d/out.tsv" >"$d/out-nh.tsv"
		tap_ok "$b/$f: --no-header drops only the header" cmp "$d/nh.tsv" "$d/out-nh.tsv"
		# 20,000 lines: five chunks, for the ordering of -j 2.
		i=0
		: >"$d/big.txt"
		while [ $i -lt 100 ]; do cat "$d/in.txt"; i=$((i + 1)); done | head -n 20000 >"$d/big.txt"
		for fmt in tsv csv jsonl; do
			"$VMSCOPE" xlate --format $fmt -j 1 "$dump" <"$d/big.txt" >"$d/j1.$fmt" 2>/dev/null
			"$VMSCOPE" xlate --format $fmt -j 2 "$dump" <"$d/big.txt" >"$d/j2.$fmt" 2>/dev/null
			tap_ok "$b/$f: -j 1 and -j 2 give identical $fmt ($(wc -l <"$d/j1.$fmt") lines)" \
				cmp "$d/j1.$fmt" "$d/j2.$fmt"
		done
		# All good lines: exit 0.
		awk -F'\t' 'NR > 1 && $2 != "" && $1 ~ /^[0-9a-fA-Fx]+$/ { print $1 }' "$d/out.tsv" >"$d/good.txt"
		"$VMSCOPE" xlate "$dump" <"$d/good.txt" >/dev/null 2>&1
		tap_is "$b/$f: exit 0 when every line translates" "$?" 0
		# Other directions, against the single-address commands.
		pa=$(awk -F'\t' 'NR > 1 && $2 != "" { print $2; exit }' "$d/out.tsv")
		direct=$("$VMSCOPE" ptov --json "$dump" "$pa" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["addresses"][0]["direct_map"])')
		got=$(echo "$pa" | "$VMSCOPE" xlate --from pa --no-header "$dump" | cut -f2)
		tap_is "$b/$f: --from pa --to va is ptov's direct-map address" "$got" "$direct"
		pfn=$(printf '%x' $(( pa >> 12 )))
		page=$("$VMSCOPE" pfn2page --json "$dump" "$pfn" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["results"][0]["page"])')
		got=$(echo "$pfn" | "$VMSCOPE" xlate --from pfn --to page --no-header "$dump" | cut -f2)
		tap_is "$b/$f: --from pfn --to page is pfn2page" "$got" "$page"
		got=$(echo "$page" | "$VMSCOPE" xlate --from page --to pfn --no-header "$dump" | cut -f2)
		tap_is "$b/$f: --from page --to pfn round-trips" "$got" "0x$pfn"
		got=$(printf '%d\n' "$pa" | "$VMSCOPE" xlate --from pa --to pa --decimal --no-header "$dump" | cut -f2)
		tap_is "$b/$f: --decimal" "$got" "$pa"
		got=$(echo "$direct" | "$VMSCOPE" xlate --to region --no-header "$dump")
		case $b in arm64-*) lin=linear-map ;; *) lin=direct-map ;; esac
		tap_is "$b/$f: --to region" "$got" "$direct	$lin	"
	done
done
tap_done
