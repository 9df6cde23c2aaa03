#!/bin/sh
# vmscope struct / whatis / sym on a synthetic dump: tests/symbols-target
# (built with -g) writes an ELF vmcore whose page at 0x1000 holds a struct
# st_sample with known values; its own DWARF describes the type.
. "$top_srcdir/tests/tap.sh"
T=$top_builddir/tests/symbols-target
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if ! "$VMSCOPE" struct --help >/dev/null 2>&1; then
	tap_skip "struct/whatis" "the vmscope command has no struct command yet (cli/main.c table)"
	tap_done; exit $?
fi
tap_ok "write the sample dump" "$T" "$tmp/sample.vmcore"
D=$tmp/sample.vmcore

"$VMSCOPE" struct --json --phys --vmlinux "$T" "$D" st_sample 0x1000 >"$tmp/s.json" 2>"$tmp/err"
tap_is "struct --phys exits 0" "$?" 0
check() {	# DESC PYTHON-EXPRESSION-ON-members-dict
	got=$(python3 -c "
import json,sys
d=json.load(open('$tmp/s.json'))
m={x['name']:x for x in d['members']}
print($2)" 2>&1)
	tap_is "$1" "$got" True
}
check "int32 id is -42" "m['id']['value'] == -42"
check "bit-field mode is 5" "m['mode']['value'] == 5"
check "bit-field level is 0x9ab" "m['level']['value'] == 0x9ab"
check "nested inner.b" "{x['name']:x for x in m['inner']['members']}['b']['value'] == 0x1122334455667788"
check "char array as a string" "m['name']['value'] == 'sample-one'"
check "enum by name" "m['color']['text'] == 'ST_BLUE (-3)'"
check "array of struct, element 1" "{x['name']:x for x in m['pair']['elements'][1]['members']}['b']['value'] == 7"
check "anonymous union member" "[x for x in d['members'] if x['name']=='' ][0]['members'][0]['value'] == 0xdeadbeef"
got=$("$VMSCOPE" struct --phys --vmlinux "$T" "$D" st_sample 0x1000 -m 'matrix[1][2]' 2>&1)
tap_is "-m matrix[1][2]" "${got##* = }" 99
got=$("$VMSCOPE" struct --phys --vmlinux "$T" "$D" st_sample 0x1000 -m inner.tag 2>&1)
tap_is "-m inner.tag" "${got##* = }" '"abcd"'
tap_fail "unknown member refused" "$VMSCOPE" struct --phys --vmlinux "$T" "$D" st_sample 0x1000 -m nosuch
tap_fail "unknown type refused" "$VMSCOPE" struct --phys --vmlinux "$T" "$D" no_such_type 0x1000
tap_fail "address outside the dump refused" "$VMSCOPE" struct --phys --vmlinux "$T" "$D" st_sample 0x100000

got=$("$VMSCOPE" whatis --json --vmlinux "$T" 'struct st_sample' | python3 -c "
import json,sys
d=json.load(sys.stdin); m={x['name']:x for x in d['members']}
print(m['level']['bit_size'], m['level']['offset'], m['count']['offset'], d['size'])")
tap_is "whatis: level is 12 bits, count at 88, size 176" "$got" "12 4 88 176"
tap_ok "whatis text" "$VMSCOPE" whatis --vmlinux "$T" st_inner
tap_fail "whatis without DWARF refused" "$VMSCOPE" whatis --vmlinux "$D" st_inner
tap_fail "whatis on a non-ELF file refused" "$VMSCOPE" whatis --vmlinux "$top_srcdir/tests/tap.sh" st_inner
tap_fail "sym without kallsyms or a map refused" "$VMSCOPE" sym "$D" init_task
tap_done
