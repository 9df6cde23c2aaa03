#!/bin/sh
# `vmscope dmesg` on synthetic dumps of every log layout, made by
# tests/dmesg-gen.py (which writes the log as the kernel does and shares no
# code with vmscope): the 5.10+ printk ring buffer in the states a crash
# leaves it in, and the log_buf of 3.5-3.10 ("struct log"), 4.9-4.19 and
# 5.1-5.9 (CONFIG_PRINTK_CALLER).  The expected output is either written
# here by hand (small logs) or derived by the generator from the records it
# knows it left in the ring (long logs that wrap many times); never by
# vmscope.  TAP.
. "$top_srcdir/tests/tap.sh"

VMSCOPE_PLUGIN_PATH="$top_builddir/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
PY=${PYTHON:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
	echo "1..0 # SKIP $PY is needed to write the synthetic dumps"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmesg.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

gen() {	# SCENARIO: writes $tmp/SCENARIO.vmcore (+ .expect* when it knows them)
	"$PY" "$top_srcdir/tests/dmesg-gen.py" "$1" "$tmp/$1.vmcore" "$tmp/$1.expect" \
		2>"$tmp/$1.generr" || { cat "$tmp/$1.generr"; return 1; }
}

# out SCENARIO [OPTIONS]: runs dmesg, stdout in $tmp/out, stderr in $tmp/err, $rc
out() {
	s=$1; shift
	"$VMSCOPE" dmesg "$@" "$tmp/$s.vmcore" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# same DESC FILE_WANT: compares $tmp/out with a file, diff on failure
same() {
	if [ "$rc" = 0 ] && cmp -s "$tmp/out" "$2"; then
		tap_result ok "$1"
	else
		tap_result fail "$1 (exit status $rc)"
		sed 's/^/#   /' "$tmp/err" | head -n 5
		diff "$2" "$tmp/out" | head -n 20 | sed 's/^/#   /'
	fi
}

# json_check DESC SCENARIO: --json records against the generator's list
json_check() {
	"$VMSCOPE" dmesg --json "$tmp/$2.vmcore" >"$tmp/json" 2>"$tmp/err"
	tap_ok "$1" "$PY" - "$tmp/json" "$tmp/$2.expect.json" "$2" <<'EOF'
import json, sys
got, want, name = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
recs = got["records"]
assert got["count"] == len(recs) == len(want), (got["count"], len(recs), len(want))
for g, w in zip(recs, want):
    for k in ("ts_nsec", "text", "level", "facility", "flags"):
        assert g[k] == w[k], (k, g, w)
    if "caller_id" in g:
        assert int(g["caller_id"], 16) == w["caller_id"], (g, w)
    elif not name.startswith(("logbuf-4.19", "logbuf-3", "logbuf-4.9")):
        raise AssertionError("no caller_id: %r" % g)
seqs = [g["seq"] for g in recs]
if name.startswith("prb"):
    # the ring buffer numbers its records: consecutive, ending at the head
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), seqs
else:
    assert all(s is None for s in seqs), seqs   # log_buf records carry no number
EOF
}

# ---- the ring buffer (5.10+), long logs: expected output from the writer ---
for s in prb-wrap prb-wrap-exact prb-recycling; do
	case $s in
	prb-wrap) what="400 records through 16 descriptors and 512 bytes (ids, lpos overflow; wrapped blocks; committed and reserved at the head)" ;;
	prb-wrap-exact) what="the same with the 6.19 rule: a block ends exactly at the ring's end" ;;
	prb-recycling) what="head_id moved to a descriptor that still holds the id of one ring ago" ;;
	esac
	if ! gen $s >"$tmp/generr"; then
		tap_result fail "$s: dmesg-gen.py"
		sed 's/^/#   /' "$tmp/generr"
		continue
	fi
	out $s; same "$s: $what" "$tmp/$s.expect"
	out $s --level; same "$s --level: <facility*8+level> prefixes" "$tmp/$s.expect-level"
	out $s --caller; same "$s --caller: [T<pid>] / [C<cpu>] after the time" "$tmp/$s.expect-caller"
	json_check "$s --json: every record's fields, seq consecutive" $s
done

# ---- the ring buffer, a small log written out by hand ------------------------
gen prb-small
out prb-small
cat >"$tmp/want" <<'EOF'
[    0.000000] Linux version 6.1.0-test (gcc 12)
[    0.000001] Command line: console=ttyS0
[    0.012345] pci 0000:00:01.0: [8086:7000] type 00 class 0x060100
[    1.000000] 
[    1.999999] first line
[    1.999999] second line
[    2.000000]  continued
[123456.789012] Kernel panic - not syncing: test
[123456.789999] half a line
EOF
same "prb-small: empty line, two-line message, continuation record on its own line, committed last record; failed, stale-block and reserved records left out" "$tmp/want"

out prb-small --level --caller
cat >"$tmp/want" <<'EOF'
<5>[    0.000000][    T0] Linux version 6.1.0-test (gcc 12)
<6>[    0.000001][    T0] Command line: console=ttyS0
<7>[    0.012345][    T1] pci 0000:00:01.0: [8086:7000] type 00 class 0x060100
<6>[    1.000000][    T1] 
<4>[    1.999999][    C2] first line
<4>[    1.999999][    C2] second line
<4>[    2.000000][    C2]  continued
<0>[123456.789012][   T77] Kernel panic - not syncing: test
<6>[123456.789999][   T77] half a line
EOF
same "prb-small --level --caller" "$tmp/want"

out prb-small --no-time --dict
cat >"$tmp/want" <<'EOF'
Linux version 6.1.0-test (gcc 12)
Command line: console=ttyS0
pci 0000:00:01.0: [8086:7000] type 00 class 0x060100
 SUBSYSTEM=pci
 DEVICE=+pci:0000:00:01.0

first line
second line
 continued
Kernel panic - not syncing: test
half a line
EOF
same "prb-small --no-time --dict: text alone, dev_info lines" "$tmp/want"

out prb-small --no-time --caller
tap_is "prb-small --no-time --caller: caller then blank" "$(sed -n 8p "$tmp/out")" \
	"[   T77] Kernel panic - not syncing: test"

"$VMSCOPE" dmesg --json "$tmp/prb-small.vmcore" >"$tmp/json" 2>"$tmp/err"
tap_ok "prb-small --json: counts, seq, continuation, caller, dict" "$PY" - "$tmp/json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["records"]
assert (d["count"], d["lost"], d["reserved"]) == (8, 2, 1), (d["count"], d["lost"], d["reserved"])
assert [x["seq"] for x in r] == [0, 1, 2, 3, 4, 5, 8, 9], [x["seq"] for x in r]
assert [x["continuation"] for x in r] == [False] * 5 + [True] + [False] * 2
assert r[4]["text"] == "first line\nsecond line" and r[4]["caller_id"] == "0x80000002"
assert r[2]["dict"] == ["SUBSYSTEM=pci", "DEVICE=+pci:0000:00:01.0"], r[2]
assert "dict" not in r[0] and r[3]["text"] == ""
assert r[6]["ts_nsec"] == 123456789012345 and r[6]["level"] == 0
EOF

# ---- log_buf, long logs that wrapped: expected output from the writer -------
for s in logbuf-4.19 logbuf-5.4-caller; do
	case $s in
	logbuf-4.19) what="4.19 printk_log: 300 records through 2 KiB, wrapped (first > next), dicts, LOG_CONT fragments on their own lines" ;;
	logbuf-5.4-caller) what="5.4 with CONFIG_PRINTK_CALLER: 20-byte printk_log, caller_id" ;;
	esac
	gen $s
	out $s; same "$s: $what" "$tmp/$s.expect"
	out $s --level; same "$s --level" "$tmp/$s.expect-level"
	json_check "$s --json: every record's fields, no seq" $s
done
out logbuf-5.4-caller --caller; same "logbuf-5.4-caller --caller" "$tmp/logbuf-5.4-caller.expect-caller"
out logbuf-4.19 --caller; same "logbuf-4.19 --caller: no caller_id, nothing shown" "$tmp/logbuf-4.19.expect"

# ---- log_buf, continuation lines by hand -------------------------------------
gen logbuf-3.10
out logbuf-3.10
cat >"$tmp/want" <<'EOF'
[    0.000000] Linux version 3.10.0
[    0.000002] CPU features: fpu sse
[    0.000005] next line
[    0.000006] no newline yet[    0.000007] interrupting line
EOF
same "logbuf-3.10 ('struct log'): LOG_CONT records join as 3.5-4.8's msg_print_text() joins them" "$tmp/want"
out logbuf-3.10 --dict
tap_is "logbuf-3.10 --dict: the record's dictionary" "$(sed -n 3,4p "$tmp/out")" \
	"$(printf '[    0.000005] next line\n SUBSYSTEM=cpu')"

# 4.9.0 still joined them; 4.10 and the 4.9.195 stable backport do not.
cp "$tmp/want" "$tmp/want-joined"
cat >"$tmp/want-apart" <<'EOF'
[    0.000000] Linux version 3.10.0
[    0.000002] CPU features:
[    0.000003]  fpu
[    0.000004]  sse
[    0.000005] next line
[    0.000006] no newline yet
[    0.000007] interrupting line
EOF
for rel in 4.9.0 4.9.195 4.10.0; do
	s=logbuf-$rel-cont
	gen $s
	out $s
	if [ $rel = 4.9.0 ]; then
		same "$s: printk_log, the same records joined as before" "$tmp/want-joined"
	else
		same "$s: the same records, each on its own line" "$tmp/want-apart"
	fi
done

# ---- bad input: a clear error, what came before still printed -----------------
gen logbuf-corrupt
out logbuf-corrupt
printf '[    0.001000] record 0\n[    0.124457] record 1\n[    0.247915] record 2\n' >"$tmp/want"
tap_is "logbuf-corrupt: exit status 1" "$rc" 1
tap_ok "logbuf-corrupt: the records before the bad one" cmp "$tmp/out" "$tmp/want"
tap_ok "logbuf-corrupt: names the record's offset and length" \
	grep -q "log_buf: the record at offset 72 has length 3 (header 16" "$tmp/err"

for s in prb-badbits prb-headpast logbuf-badidx logbuf-twowraps; do
	case $s in
	prb-badbits) msg="prb_desc_ring.count_bits 40 at 0x" ;;
	prb-headpast) msg="descriptors past tail id" ;;
	logbuf-badidx) msg="log_buf: length 4096, first 5000, next 20 are inconsistent" ;;
	logbuf-twowraps) msg="log_buf: a second wrap at offset 20 before log_next_idx 2000" ;;
	esac
	gen $s
	out $s
	if [ "$rc" = 1 ] && grep -q "$msg" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ]; then
		tap_result ok "$s: one-line error"
	else
		tap_result fail "$s: one-line error (exit status $rc)"
		sed 's/^/#   /' "$tmp/err" | head -n 5
	fi
done

out prb-small --raw
cp "$tmp/out" "$tmp/raw"
out prb-small --level
tap_ok "--raw is --level" cmp "$tmp/raw" "$tmp/out"
"$VMSCOPE" dmesg --help >"$tmp/out" 2>&1
tap_ok "--help names the options" sh -c "grep -q -- --no-time '$tmp/out' && grep -q -- --caller '$tmp/out' && grep -q -- --dict '$tmp/out'"

out prb-small --bogus
tap_is "unknown option: exit status 2" "$rc" 2
tap_done
