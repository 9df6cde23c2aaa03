#!/bin/sh
# The README's sample (a few pages cut out of a real Debian 6.1 dump, see
# tests/fixtures/README.md): `info` reads it, and `layout` finds the bases the
# guest itself reported before the dump (sample-x86_64.truth.json).
. "$top_srcdir/tests/tap.sh"
s=$top_srcdir/tests/fixtures/sample-x86_64

tap_ok "info reads the sample" "$VMSCOPE" info "$s.vmcore"
info=$("$VMSCOPE" info --json "$s.vmcore")
tap_is "info --json: format and arch" \
	"$(echo "$info" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["format"], d["arch"], d["page_size"])')" \
	"elf x86_64 4096"

for opt in "" --no-vmcoreinfo; do
	got=$("$VMSCOPE" layout --json $opt "$s.vmcore" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
t = json.load(open(sys.argv[1]))
for k in ("phys_base", "kaslr_offset", "page_offset_base", "vmalloc_base", "vmemmap_base"):
    v = d[k]["value"]
    print(k, "ok" if v == t[k]["value"] else "got %s want %s" % (v, t[k]["value"]))
print("paging_levels", "ok" if d["paging_levels"] == t["paging_levels"]["value"] else d["paging_levels"])
' "$s.truth.json" 2>&1)
	echo "$got" | while read -r key verdict; do
		[ -n "$key" ] || continue
		echo "$key $verdict"
	done > sample.tmp
	while read -r key verdict; do
		tap_is "layout ${opt:-with VMCOREINFO}: $key as the guest reported" "$verdict" ok
	done < sample.tmp
	rm -f sample.tmp
done
tap_done
