#!/bin/sh
# kallsyms from VMCOREINFO on the real dumps against the guest's own
# /proc/kallsyms (truth.json "kallsyms"), both ways, and layout --verify.
. "$top_srcdir/tests/tap.sh"
R=${VMS_REAL_DIR:-$HOME/.cache/vmscope/real/v1/boots}
if ! "$VMSCOPE" sym --help >/dev/null 2>&1; then
	tap_skip "real kallsyms" "the vmscope command has no sym command yet (cli/main.c table)"
	tap_done; exit $?
fi
found=0
for b in "$R"/*/; do
	[ -f "$b/truth.json" ] && [ -f "$b/elf-paging.vmcore" ] || continue
	name=$(basename "$b")
	has=$(python3 -c "import json; t=json.load(open('$b/truth.json')); print(1 if t.get('has_vmcoreinfo') and t.get('kallsyms') else 0)")
	[ "$has" = 1 ] || { tap_skip "$name" "no VMCOREINFO or no kallsyms truth"; continue; }
	found=1
	for f in elf-paging.vmcore mdf-zlib.kdump; do
		[ -f "$b/$f" ] || continue
		out=$(python3 - "$b/truth.json" "$VMSCOPE" "$b/$f" <<'PY'
import json, subprocess, sys
truth = json.load(open(sys.argv[1]))['kallsyms']
names = sorted(truth)
r = subprocess.run([sys.argv[2], 'sym', '--json', sys.argv[3]] + names, capture_output=True, text=True)
got = {s['query']: s for s in json.loads(r.stdout)['symbols']} if r.stdout else {}
bad = [n for n in names if n not in got or int(got[n]['address'], 16) != int(truth[n], 16)]
addrs = sorted({truth[n] for n in names if int(truth[n], 16) >= 1 << 63})
r = subprocess.run([sys.argv[2], 'sym', '--json', sys.argv[3]] + addrs, capture_output=True, text=True)
back = json.loads(r.stdout)['symbols'] if r.stdout else []
# address -> symbol: the symbol found must start at that address and be one
# of the names the guest lists there (aliases such as _text/_stext count).
byaddr = {}
for n in names:
    byaddr.setdefault(int(truth[n], 16), set()).add(n)
bad2 = [s['query'] for s in back if s['offset'] != 0 or int(s['symbol_address'], 16) != int(s['query'], 16)]
print(len(names), len(bad), len(addrs), len(back) - len(bad2), ' '.join(bad + bad2)[:300])
PY
)
		set -- $out
		tap_is "$name/$f: sym NAME = guest /proc/kallsyms ($1 names) $5" "$2" 0
		tap_is "$name/$f: sym ADDR = symbol+0 ($3 addresses)" "$4" "$3"
	done
	tap_ok "$name: layout --verify" "$VMSCOPE" layout --verify "$b/elf-paging.vmcore"
	# vtop and region take SYMBOL[+-HEX] for an address.
	out=$(python3 - "$b/truth.json" "$VMSCOPE" "$b/elf-paging.vmcore" <<'PY'
import json, subprocess, sys
truth = json.load(open(sys.argv[1]))['kallsyms']
# Names that are not all hex digits (those read as numbers), a spread of them.
names = [n for n in sorted(truth) if not all(c in '0123456789abcdefABCDEF' for c in n)][::7][:12]
args, want = [], []
for i, n in enumerate(names):
    off = (i * 0x18) % 0x100
    args.append('%s+0x%x' % (n, off) if i % 3 else ('%s-%x' % (n, off) if off else n + '+0'))
    want.append((int(truth[n], 16) + (off if i % 3 else -off)) % (1 << 64))
r = subprocess.run([sys.argv[2], 'vtop', '--json', sys.argv[3]] + args, capture_output=True, text=True)
got = [int(t['vaddr'], 16) for t in json.loads(r.stdout)['translations']] if r.stdout else []
r2 = subprocess.run([sys.argv[2], 'region', '--json', sys.argv[3]] + args, capture_output=True, text=True)
print(len(args), sum(a == b for a, b in zip(got, want)), r2.returncode, ' '.join(args)[:200])
PY
)
	set -- $out
	tap_is "$name: vtop SYMBOL[+-HEX] = guest /proc/kallsyms + offset ($1 names)" "$2" "$1"
	tap_is "$name: region SYMBOL[+-HEX] exits 0" "$3" 0
	err=$("$VMSCOPE" vtop "$b/elf-paging.vmcore" no_such_symbol_xyz+0x10 2>&1)
	tap_is "$name: vtop of an unknown symbol exits 1" "$?" 1
	case $err in
	*"'no_such_symbol_xyz' is not a hex address or a known symbol"*) tap_ok "$name: ... and says so" true ;;
	*) tap_ok "$name: ... and says so (got: $err)" false ;;
	esac
done
[ $found = 1 ] || tap_skip "real dumps" "none with VMCOREINFO and truth under $R"
tap_done
