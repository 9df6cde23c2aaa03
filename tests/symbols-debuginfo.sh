#!/bin/sh
# Opt-in (make check-debuginfo): Debian's -dbg vmlinux and System.map for the
# real dumps' kernel.  Downloads linux-image-RELEASE-dbg (~280 MB) with
# apt-get into $VMS_DEBUGINFO_CACHE (outside the tree) once, then checks
#   struct task_struct of init_task, ps against the guest's listing
#   (truth.json "processes"), layout --verify, System.map shifted by the
#   KASLR offset equal to kallsyms, that a foreign vmlinux is refused,
#   modules against the guest's /proc/modules (truth.json "modules"), and
#   the vmalloc decoder through DWARF offsets: on x86_64 6.1 the same areas
#   as through VMCOREINFO, covering the paging ELF's PT_LOADs in vmalloc
#   space; on arm64 6.12 (no vmap_area_list: vmap_nodes) the areas holding
#   the guest's modules.  The arm64 6.12 -dbg package (~1 GB; only its
#   vmlinux and System.map are extracted) comes through the private arm64
#   apt state of tests/real/make-real-dumps.sh.
. "$top_srcdir/tests/tap.sh"
VMSCOPE_PLUGIN_PATH="${top_builddir:-.}/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
PY="python3 $top_srcdir/tests/symbols-debuginfo.py"
has_modules_cmd() { "$VMSCOPE" modules --help >/dev/null 2>&1; }
check_modules() { # NAME TRUTH VMLINUX DUMP
	if has_modules_cmd; then
		set -- "$1" $($PY modules "$2" "$VMSCOPE" "$3" "$4")
		tap_is "$1: modules match the guest's /proc/modules ($2 modules: name, size, state, base)" "$3" 0
	else
		tap_skip "$1: modules" "no modules command in this vmscope's command table"
	fi
}
R=${VMS_REAL_DIR:-$HOME/.cache/vmscope/real/v1/boots}
C=${VMS_DEBUGINFO_CACHE:-$HOME/.cache/vmscope/debuginfo}
for b in "$R"/x86_64-*/; do
	[ -f "$b/truth.json" ] || continue
	rel=$(python3 -c "import json; print(json.load(open('$b/truth.json'))['kernel_release'])")
	has=$(python3 -c "import json; print(1 if json.load(open('$b/truth.json')).get('has_vmcoreinfo') else 0)")
	[ "$has" = 1 ] || continue
	V=$C/x/usr/lib/debug/boot/vmlinux-$rel
	M=$C/x/usr/lib/debug/boot/System.map-$rel
	if [ ! -f "$V" ]; then
		mkdir -p "$C" && (cd "$C" && apt-get download "linux-image-$rel-dbg" >/dev/null 2>&1 &&
			dpkg -x linux-image-"$rel"-dbg_*.deb x) || { tap_skip "$rel" "cannot download linux-image-$rel-dbg"; continue; }
	fi
	n=$(basename "$b"); D=$b/elf-paging.vmcore
	start=$(date +%s%N)
	out=$("$VMSCOPE" struct --vmlinux "$V" "$D" task_struct init_task -m comm 2>&1)
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	tap_is "$n: init_task comm (first answer in ${ms} ms)" "${out##* = }" '"swapper/0"'
	tap_ok "$n: struct task_struct init_task" "$VMSCOPE" struct --vmlinux "$V" "$D" task_struct init_task
	got=$(python3 - "$b/truth.json" "$VMSCOPE" "$V" "$D" <<'PY'
import json, subprocess, sys
t = json.load(open(sys.argv[1]))
want = {}
for line in t.get('processes', [])[1:]:
    f = line.split()
    if f[3:4] and f[3].startswith('[') or f[1] == '0' or f[2] in ('init',):
        want[int(f[0])] = (int(f[1]), f[2])
r = subprocess.run([sys.argv[2], 'ps', '--json', '--vmlinux', sys.argv[3], sys.argv[4]], capture_output=True, text=True)
got = {p['pid']: (p['ppid'], p['comm']) for p in json.loads(r.stdout)['tasks']}
# kernel threads and init existed when the guest listed them; compare those
# (user processes like the ps that listed them come and go).  comm in the
# guest's listing is cut at 15 characters, like the kernel's.
bad = [p for p in want if p not in got or got[p][0] != want[p][0] or got[p][1][:15].split('-')[0] != want[p][1].split('-')[0]]
print(len(want), len(bad), bad[:10])
PY
)
	set -- $got
	tap_is "$n: ps matches the guest's listing for $1 kernel threads and init" "$2" 0
	tap_ok "$n: layout --verify with the vmlinux's kallsyms" "$VMSCOPE" layout --verify "$D"
	got=$(python3 - "$VMSCOPE" "$D" "$M" <<'PY'
import json, subprocess, sys
def syms(extra):
    r = subprocess.run([sys.argv[1], 'sym', '--list', '--json', sys.argv[2]] + extra, capture_output=True, text=True)
    return {s['name']: s['address'] for s in json.loads(r.stdout)['symbols']}
k = syms([]); m = syms(['--system-map', sys.argv[3]])
common = [n for n in k if n in m]
bad = [n for n in common if k[n] != m[n]]
print(len(common), len(bad), bad[:5])
PY
)
	set -- $got
	tap_is "$n: System.map + KASLR offset = kallsyms ($1 names)" "$2" 0
	tap_fail "$n: a foreign vmlinux is refused" "$VMSCOPE" sym --vmlinux "$top_builddir/tests/symbols-target" "$D" init_task
	check_modules "$n" "$b/truth.json" "$V" "$D"
	got=$($PY vmalloc61 "$b/truth.json" "$VMSCOPE" "$V" "$D")
	set -- $got
	tap_is "$n: vmalloc areas through DWARF = through VMCOREINFO ($1 areas)" "$2" 1
	tap_is "$n: the paging ELF's $3 PT_LOADs in vmalloc space lie in those areas" "$4" 0
done

# arm64 6.12 (Linux 6.9+: no vmap_area_list; vmap_nodes through DWARF).
A=${VMS_REAL_CACHE:-$HOME/.cache/vmscope/real/v1}/apt-arm64
AO="-o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::State::Lists=$A/lists -o Dir::Cache=$A/cache -o Dir::State::status=$A/status -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
for b in "$R"/arm64-*@6.1[2-9]*/; do
	[ -f "$b/truth.json" ] || continue
	n=$(basename "$b"); rel=${n#*@}; D=$b/elf-paging.vmcore
	V=$C/arm64/usr/lib/debug/boot/vmlinux-$rel
	if [ ! -f "$V" ]; then
		mkdir -p "$C/arm64" && chmod 755 "$C/arm64" && [ -d "$A/lists" ] &&
			(cd "$C/arm64" && apt-get $AO download "linux-image-$rel-dbg" >/dev/null 2>&1 &&
			 dpkg-deb --fsys-tarfile linux-image-"$rel"-dbg_*.deb | tar -x --wildcards './usr/lib/debug/boot/*') ||
			{ tap_skip "$n" "cannot download linux-image-$rel-dbg (arm64; needs $A from make-real-dumps.sh)"; continue; }
	fi
	check_modules "$n" "$b/truth.json" "$V" "$D"
	vs=$(python3 -c "import json; print(json.load(open('$b/truth.json'))['vmalloc_start']['value'])")
	out=$("$VMSCOPE" decode "$D" "$vs" 2>&1)
	case $out in
	*"give --vmlinux"*) tap_result ok "$n: vmalloc without --vmlinux says it needs one" ;;
	*) tap_result fail "$n: vmalloc without --vmlinux says it needs one"; tap_diag "$out" ;;
	esac
	got=$($PY vmalloc612 "$b/truth.json" "$VMSCOPE" "$V" "$D")
	set -- $got
	if [ "${1:-0}" -gt 0 ]; then
		tap_result ok "$n: vmalloc --summary through vmap_nodes: $1 areas"
	else
		tap_result fail "$n: vmalloc --summary through vmap_nodes"; tap_diag "$got"
	fi
	tap_is "$n: every area inside the guest's /proc/kcore vmalloc segment ($2 segment)" "$3" 0
	tap_is "$n: the $4 modules' bases each start an area made by load_module" "$5" 0
done
tap_done
