#!/bin/sh
# zstd and snappy kdump files of real memory.  makedumpfile 1.7.2 cannot write
# them (its -z/-p write uncompressed pages) and cannot convert arm64 dumps on
# an amd64 host, so the fixture writer converts each real boot's QEMU ELF
# dump (tests/mkdump --from-elf, which shares no code with the readers).
# For each boot and codec: `info` names the codec, every page equals the ELF
# it came from (tests/samepages), every page equals libkdumpfile's reading,
# and `layout` still finds the guest's own values (truth.json).
# The converted files are cached beside the boot's other dumps.
. "$top_srcdir/tests/tap.sh"

. "$top_srcdir/tests/real-boots.sh"

for b in "$boots"/*/; do
	b=${b%/}
	name=$(basename "$b")
	src=$b/elf-paging.vmcore
	[ -f "$b/truth.json" ] && [ -f "$src" ] || continue
	for c in zstd snappy; do
		out=$b/vms-$c.kdump
		# Convert once per cache; the lock keeps parallel builds apart.
		if [ ! -f "$out" ]; then
			(
				flock -w 600 9 || exit 1
				[ -f "$out" ] && exit 0
				"$top_builddir/tests/mkdump" --from-elf "$src" -o "$out.tmp" \
					--compress "$c" >/dev/null 2>&1 && mv "$out.tmp" "$out"
			) 9>"$b/.vms-convert.lock"
		fi
		if [ ! -f "$out" ]; then
			tap_result fail "$name $c: convert the ELF dump with tests/mkdump"
			continue
		fi
		got=$("$VMSCOPE" info --json "$out" 2>&1 | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
t = json.load(open(sys.argv[1]))
print(",".join(d["compression"]), d["arch"] == t["arch"], d["format"])' "$b/truth.json" 2>&1)
		tap_is "$name $c: info names the codec and the arch" "$got" "$c True kdump"
		tap_ok "$name $c: every page equals the ELF dump it was made from" \
			"$top_builddir/tests/samepages" "$src" "$out"
		dout=$("$top_builddir/tests/difftest" "$out" 2>&1)
		case $? in
		0) tap_result ok "$name $c: every page equals libkdumpfile's reading" ;;
		77) tap_skip "$name $c: every page equals libkdumpfile's reading" "$(echo "$dout" | tail -n 1)" ;;
		*) tap_result fail "$name $c: every page equals libkdumpfile's reading"
		   echo "$dout" | head -n 5 | sed 's/^/#   /' ;;
		esac
		verdict=$("$VMSCOPE" layout --json "$out" 2>&1 | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
t = json.load(open(sys.argv[1]))
keys = {"x86_64": ["phys_base", "kaslr_offset", "page_offset_base", "vmalloc_base", "vmemmap_base"],
        "arm64": ["page_offset", "phys_offset", "kimage_voffset"]}[t["arch"]]
bad = []
for k in keys:
    want = (t.get(k) or {}).get("value")
    got = (d.get(k) or {}).get("value")
    if want is not None and got != want:
        bad.append("%s %s want %s" % (k, got, want))
print("; ".join(bad) or "ok")' "$b/truth.json" 2>&1)
		tap_is "$name $c: layout finds the values the guest reported" "$verdict" ok
	done
done
tap_done
