#!/bin/sh
# Opt-in (make check-debuginfo; alone: make tests/vmci-dwarf, then
# VMSCOPE=./vmscope top_srcdir=. top_builddir=. sh tests/vmci-dwarf.sh).
# VMCOREINFO taken from Debian's -dbg vmlinux (analyzer/vmcoreinfo-dwarf.c)
# when the dump has none, checked against truths vmscope did not compute:
#  - the boot dumped without VMCOREINFO: without --vmlinux the plugins say to
#    give one; with it, tests/plugins-real.sh's checks all run (dmesg on every
#    dump = the guest's dmesg and console, kallsyms, kpageflags, meminfo
#    counts, vmalloc areas holding the modules), and tests/dmesg-real.sh's
#    (levels against the console, caller ids, dev_info);
#  - every boot with VMCOREINFO whose -dbg vmlinux is cached: each VMCOREINFO
#    key is derived from the vmlinux with that VMCOREINFO ignored and must
#    equal it (SYMBOLs after relocation by the detected KASLR offset; on
#    arm64, which finds no KASLR offset without VMCOREINFO, by truth.json's);
#    the only keys allowed to stay underived are macros and registers
#    (listed below); and on x86_64, dmesg --no-vmcoreinfo --vmlinux = dmesg,
#    and decode --summary of every pfn and of the vmalloc areas gives the
#    same with and without the dump's VMCOREINFO.
# The vmlinuxes come from tests/symbols-debuginfo.sh (run first by the
# make target); a missing one is a skip that says so.
. "$top_srcdir/tests/tap.sh"
VMSCOPE_PLUGIN_PATH="${top_builddir:-.}/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
R=${VMS_REAL_DIR:-$HOME/.cache/vmscope/real/v1/boots}
C=${VMS_DEBUGINFO_CACHE:-$HOME/.cache/vmscope/debuginfo}
CHECK=${top_builddir:-.}/tests/vmci-dwarf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vmci-dwarf.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Macros and registers: not in debug info (the layout finds these values
# from the page tables instead).
UNDERIVABLE='BUILD-ID CRASHTIME NUMBER(SECTION_SIZE_BITS) NUMBER(MAX_PHYSMEM_BITS)
NUMBER(KERNEL_IMAGE_SIZE) LENGTH(mem_section) NUMBER(VA_BITS) NUMBER(MODULES_VADDR)
NUMBER(MODULES_END) NUMBER(VMALLOC_START) NUMBER(VMALLOC_END) NUMBER(VMEMMAP_START)
NUMBER(VMEMMAP_END) NUMBER(TCR_EL1_T1SZ) NUMBER(KERNELPACMASK) SYMBOL(vmemmap)'

vmlinux_of() { # BOOT-DIR -> the cached -dbg vmlinux, or nothing
	n=$(basename "$1"); rel=${n#*@}
	for v in "$C/x/usr/lib/debug/boot/vmlinux-$rel" "$C/arm64/usr/lib/debug/boot/vmlinux-$rel"; do
		[ -f "$v" ] && { echo "$v"; return; }
	done
}
truth() { python3 -c "import json,sys; t=json.load(open(sys.argv[1])); v=t$2; print(v['value'] if isinstance(v, dict) else v)" "$1/truth.json"; }

found=0
for b in "$R"/*/; do
	b=${b%/}; n=$(basename "$b"); D=$b/elf-paging.vmcore
	[ -f "$b/truth.json" ] && [ -f "$D" ] || continue
	V=$(vmlinux_of "$b")
	if [ -z "$V" ]; then
		tap_skip "$n" "no -dbg vmlinux for ${n#*@} in $C (make check-debuginfo downloads the x86_64 6.1 and arm64 6.12 ones)"
		continue
	fi
	found=1
	if [ "$(truth "$b" "['has_vmcoreinfo']")" != True ]; then
		out=$("$VMSCOPE" dmesg "$D" 2>&1)
		case $out in
		*"no VMCOREINFO in $D: give --vmlinux with debug info"*) tap_result ok "$n: dmesg without --vmlinux says to give one" ;;
		*) tap_result fail "$n: dmesg without --vmlinux says to give one"; tap_diag "$out" ;;
		esac
		out=$("$VMSCOPE" decode --pfn "$D" 4096 2>&1)
		case $out in
		*"give --vmlinux with debug info"*) tap_result ok "$n: decode of a struct page without --vmlinux says to give one" ;;
		*) tap_result fail "$n: decode of a struct page without --vmlinux says to give one"; tap_diag "$out" ;;
		esac
		out=$("$VMSCOPE" dmesg --vmlinux "$top_builddir/tests/symbols-target" "$D" 2>&1)
		case $out in
		*"cannot stand in for it"*) tap_result ok "$n: a vmlinux that cannot be checked against the dump gives no values" ;;
		*) tap_result fail "$n: a vmlinux that cannot be checked against the dump gives no values"; tap_diag "$out" ;;
		esac
		# Every value the plugins used says where it came from.
		got=$("$VMSCOPE" dmesg --json --vmlinux "$V" "$D" | python3 -c "
import json, sys
d = json.load(sys.stdin).get('vmcoreinfo_from_vmlinux', [])
print(len(d), sum(1 for x in d if not x.get('how')))")
		set -- $got
		if [ "${1:-0}" -gt 20 ] && [ "$2" = 0 ]; then
			tap_result ok "$n: dmesg --json lists the $1 values taken from the vmlinux, each with its source"
		else
			tap_result fail "$n: dmesg --json lists the values taken from the vmlinux"; tap_diag "$got"
		fi
		# plugins-real.sh's checks, on this boot, with the vmlinux.
		mkdir -p "$tmp/boots" && rm -f "$tmp/boots/"* && ln -s "$b" "$tmp/boots/$n"
		VMS_PLUGINS_BOOTS=$tmp/boots VMS_PLUGINS_VMLINUX=$V sh "$top_srcdir/tests/plugins-real.sh" >"$tmp/pr" 2>&1
		while IFS= read -r line; do
			case $line in
			"ok "*" # SKIP "*) tap_skip "with --vmlinux" "${line#* # SKIP }" ;;
			"ok "*) d=${line#ok }; tap_result ok "with --vmlinux: ${d#* - }" ;;
			"not ok "*) d=${line#not ok }; tap_result fail "with --vmlinux: ${d#* - }" ;;
			"#"*) echo "$line" ;;
			esac
		done <"$tmp/pr"
		# tests/dmesg-real.sh's checks (levels, callers, dev_info), with it.
		VMS_DMESG_BOOTS=$tmp/boots VMS_DMESG_VMLINUX=$V sh "$top_srcdir/tests/dmesg-real.sh" >"$tmp/pr" 2>&1
		while IFS= read -r line; do
			case $line in
			"ok "*" # SKIP "*) tap_skip "dmesg with --vmlinux" "${line#* # SKIP }" ;;
			"ok "*) d=${line#ok }; tap_result ok "dmesg with --vmlinux: ${d#* - }" ;;
			"not ok "*) d=${line#not ok }; tap_result fail "dmesg with --vmlinux: ${d#* - }" ;;
			"1.."*) ;;
			"#"*) echo "$line" ;;
			esac
		done <"$tmp/pr"
		continue
	fi
	# Key by key against this boot's VMCOREINFO.
	off=
	case $n in arm64-*) off=$(truth "$b" "['kaslr_offset']") ;; esac
	if ! "$CHECK" "$D" "$V" $off >"$tmp/keys" 2>"$tmp/err"; then
		tap_result fail "$n: VMCOREINFO derived from the vmlinux"; tap_diag "$(cat "$tmp/err")"
		continue
	fi
	got=$(python3 - "$tmp/keys" "$UNDERIVABLE" <<'PY'
import sys
allowed = set(sys.argv[2].split())
def num(k, v):
    if k == "OSRELEASE":
        return v
    if k.startswith("SYMBOL(") or k == "KERNELOFFSET":
        return int(v, 16)
    return int(v, 0) & (2**64 - 1)
same = bad = missing = 0
diag = []
for line in open(sys.argv[1]):
    k, want, got, how = line.rstrip("\n").split("\t", 3)
    if got == "-":
        if k not in allowed:
            missing += 1
            diag.append("not derived: %s (%s)" % (k, how))
    elif num(k, want) == num(k, got):
        same += 1
    else:
        bad += 1
        diag.append("%s: VMCOREINFO %s, vmlinux %s (%s)" % (k, want, got, how))
print(same, bad, missing, "|".join(diag[:8]))
PY
)
	set -- $got
	tap_is "$n: $1 VMCOREINFO values derived from the vmlinux equal the dump's" "$2" 0
	tap_is "$n: every VMCOREINFO key but macros and registers is derived" "$3" 0
	[ "$2$3" = 00 ] || tap_diag "$(echo "$got" | cut -d' ' -f4- | tr '|' '\n')"
	case $n in x86_64-*)
		"$VMSCOPE" dmesg "$D" >"$tmp/a" 2>&1
		"$VMSCOPE" dmesg --no-vmcoreinfo --vmlinux "$V" "$D" >"$tmp/b" 2>/dev/null
		if [ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b"; then
			tap_result ok "$n: dmesg --no-vmcoreinfo --vmlinux = dmesg ($(wc -l <"$tmp/a") lines)"
		else
			tap_result fail "$n: dmesg --no-vmcoreinfo --vmlinux = dmesg"; tap_diag "$(diff "$tmp/a" "$tmp/b" | head -5)"
		fi
		# struct pages (every pfn, counted by state) and vmalloc areas.
		vb=$(truth "$b" "['vmalloc_base']")
		for what in pfn:0 vmalloc:$vb; do
			arg=${what#*:}; opt=
			[ "${what%%:*}" = pfn ] && opt=--pfn
			# Both with the vmlinux (vmalloc then reads vm_struct through
			# DWARF and names callers); only one with VMCOREINFO.
			"$VMSCOPE" decode --json --summary --vmlinux "$V" $opt "$D" "$arg" >"$tmp/a" 2>/dev/null
			"$VMSCOPE" decode --json --summary --no-vmcoreinfo --vmlinux "$V" $opt "$D" "$arg" >"$tmp/b" 2>/dev/null
			got=$(python3 - "$tmp/a" "$tmp/b" <<'PY'
import json, sys
try:
    a, b = (json.load(open(f)) for f in sys.argv[1:3])
except ValueError as e:
    print(0, 0, "no-JSON:", e)
    sys.exit()
a.pop("vmcoreinfo_from_vmlinux", None)
n = len(b.pop("vmcoreinfo_from_vmlinux", []))
r = a["results"][0]
print(n, 1 if a == b else 0, r.get("plugin"), "error" in r)
PY
)
			set -- $got
			if [ "${2:-0}" = 1 ] && [ "${1:-0}" -ge 1 ] && [ "$4" = False ]; then
				tap_result ok "$n: decode --summary${opt:+ $opt} $arg --vmlinux: the same with --no-vmcoreinfo ($3; $1 values from the vmlinux)"
			else
				tap_result fail "$n: decode --summary${opt:+ $opt} $arg --vmlinux: the same with --no-vmcoreinfo"; tap_diag "$got"
			fi
		done ;;
	esac
done
[ "$found" = 1 ] || tap_skip "vmci-dwarf" "no real boot with a cached -dbg vmlinux"
tap_done
