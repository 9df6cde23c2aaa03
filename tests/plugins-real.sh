#!/bin/sh
# The built-in plugins on real dumps (~/.cache/vmscope/real/v1/boots/*),
# against what the guest itself reported (truth.json, console.log):
#  - dmesg on every dump of a boot holds every kernel line the serial console
#    printed (as a subsequence: the console drops lines above its loglevel),
#    and the guest's own `dmesg` output in order;
#  - kernel-text: each symbol of the guest's /proc/kallsyms (truth.json) is
#    found at its address by name, and its address decodes to it; image
#    addresses (/proc/kcore's text segment) go to the kernel-text plugin;
#  - vmemmap: the guest's /proc/kpageflags samples agree with the decoded
#    struct pages, and page-state counts (free, slab, LRU) agree with
#    /proc/meminfo within what changes between the two moments;
#  - direct-map on arm64's linear map: PA and struct page per truth's
#    PHYS_OFFSET;
#  - vmalloc: the area list is sane and holds every vmalloc'd module.
. "$top_srcdir/tests/tap.sh"

VMSCOPE_PLUGIN_PATH="$top_builddir/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
# VMS_PLUGINS_BOOTS: another boots directory; VMS_PLUGINS_VMLINUX: a debug
# vmlinux given to every plugin command (tests/vmci-dwarf.sh, dumps without
# VMCOREINFO).
boots="${VMS_PLUGINS_BOOTS:-$HOME/.cache/vmscope/real/v1/boots}"
found=0
for boot in "$boots"/*; do
	[ -f "$boot/truth.json" ] || continue
	found=1
	python3 - "$VMSCOPE" "$boot" <<'PY'
import glob, json, os, re, subprocess, sys

vmscope, boot = sys.argv[1], sys.argv[2]
name = os.path.basename(boot)
truth = json.load(open(os.path.join(boot, "truth.json")))

def ok(good, desc, diag=""):
    print(("ok" if good else "not ok") + " - " + name + ": " + desc)
    if not good and diag:
        for line in str(diag).splitlines()[:15]:
            print("#   " + line)

def skip(desc, why):
    print("ok - " + name + ": " + desc + " # SKIP " + why)

vmlinux = os.environ.get("VMS_PLUGINS_VMLINUX")
has_vmcoreinfo = truth.get("has_vmcoreinfo", True) or bool(vmlinux)

def run(*args):
    args = list(args)
    if vmlinux and args[0] in ("dmesg", "decode", "run") and "--system-map" not in args:
        args[1:1] = ["--vmlinux", vmlinux]
    p = subprocess.run([vmscope] + args, capture_output=True, text=True,
                       errors="replace")
    return p.returncode, p.stdout, p.stderr

def dumps():
    out = []
    for f in sorted(os.listdir(boot)):
        p = os.path.join(boot, f)
        if re.search(r"\.(vmcore|kdump|flat|elf)$", f):
            out.append([p])
    for base in ("mdf-split2", "mdf-split3"):
        parts = sorted(glob.glob(os.path.join(boot, base + ".*")))
        if parts:
            out.append(parts)
    return out

def subsequence(small, big):
    it = iter(big)
    missing = []
    for s in small:
        for b in it:
            if b == s:
                break
        else:
            missing.append(s)
            break
    return missing

# ---- dmesg ---------------------------------------------------------------
con = open(os.path.join(boot, "console.log"), errors="replace").read().replace("\r", "")
stamp = re.compile(r"^\[\s*\d+\.\d+\] ")
console_kernel, guest_dmesg, section = [], [], None
for line in con.split("\n"):
    m = re.match(r"^@@VMSCOPE-(BEGIN|END) (\S+)", line)
    if m:
        section = m.group(2) if m.group(1) == "BEGIN" else None
        continue
    if section == "dmesg":
        guest_dmesg.append(line)
    elif section is None and stamp.match(line):
        console_kernel.append(line)
for files in dumps():
    if not has_vmcoreinfo:
        skip("dmesg " + os.path.basename(files[0]), "no VMCOREINFO: the log's offsets need --vmlinux (make check-debuginfo: tests/vmci-dwarf.sh)")
        continue
    label = os.path.basename(files[0]) + ("+%d" % (len(files) - 1) if len(files) > 1 else "")
    rc, out, err = run("dmesg", *files)
    if rc != 0:
        ok(False, "dmesg " + label, err)
        continue
    lines = out.split("\n")
    miss = subsequence(guest_dmesg, lines)
    ok(not miss and len(guest_dmesg) > 100,
       "dmesg %s holds the guest's dmesg (%d lines) in order" % (label, len(guest_dmesg)),
       "first missing: %r" % (miss[:1],))
    miss = subsequence(console_kernel, lines)
    ok(not miss and len(console_kernel) > 100,
       "dmesg %s holds the console's %d kernel lines in order" % (label, len(console_kernel)),
       "first missing: %r" % (miss[:1],))

main = os.path.join(boot, "elf-paging.vmcore")
if not os.path.exists(main):
    sys.exit(0)
if not has_vmcoreinfo:
    skip("kernel-text, vmemmap, vmalloc", "no VMCOREINFO: offsets and symbols need --vmlinux (make check-debuginfo: tests/vmci-dwarf.sh)")
    sys.exit(0)

# ---- kernel-text ---------------------------------------------------------
ks = {k: int(v, 16) for k, v in truth.get("kallsyms", {}).items() if int(v, 16) >= 1 << 63}
rc, out, err = run("run", "--json", "ksym", main, *sorted(ks))
if rc != 0:
    ok(False, "ksym of %d guest kallsyms names" % len(ks), err)
else:
    got = {s["symbol"]: int(s["symbol_address"], 16) for s in json.loads(out)["symbols"]}
    bad = ["%s: %x != %x" % (k, got.get(k, 0), v) for k, v in ks.items() if got.get(k) != v]
    ok(not bad and len(ks) >= 2, "ksym: %d guest kallsyms names at their addresses" % len(ks),
       "\n".join(bad))
    rc, out, err = run("decode", "--json", main, *["%x" % v for v in ks.values()])
    res = json.loads(out)["results"] if out else []
    # The image is "kernel-text" on x86_64, "kernel-image" on arm64; on
    # arm64 it lies inside vmalloc, so the routing is checked on its own:
    # every kallsyms address in /proc/kcore's text segment (_text.._end;
    # _text itself is left out: before 6.x the unmapped header may be vmalloc).
    image = "kernel-text" if truth["arch"] == "x86_64" else "kernel-image"
    text = int(truth["kimage_vaddr_default"], 16) + int(truth["kaslr_offset"]["value"], 16) \
        if "kimage_vaddr_default" in truth else None
    seg = [s for s in truth.get("kcore_segments", []) if text is not None and int(s["vaddr"], 16) == text]
    if seg:
        end = text + int(seg[0]["size"], 16)
        inimg = [r for r in res if text < int(r["address"], 16) < end]
        wrong = ["%s: %s/%s" % (r["address"], r.get("region"), r.get("plugin")) for r in inimg
                 if r.get("region") != image or r.get("plugin") != "kernel-text"]
        ok(rc in (0, 1) and len(inimg) >= 2 and not wrong,
           "decode: %d addresses of the image (kcore text segment) go to %s / kernel-text" % (len(inimg), image),
           "\n".join(wrong) or err)
    bad = [r.get("error", r.get("where")) for r in res
           if r.get("region") in (image, "modules") and
           (r.get("offset") != "0x0" or r.get("symbol_address") != r["address"])]
    ntext = sum(1 for r in res if r.get("region") == image)
    ok(not bad and ntext >= 1, "decode: %d %s addresses are symbol+0x0" % (ntext, image),
       "\n".join(map(str, bad)))
    # The name decoded is the guest's one whenever only one name has the address.
    byaddr = {}
    for k, v in ks.items():
        byaddr.setdefault(v, []).append(k)
    mism = [r["where"] + " for " + "/".join(byaddr[int(r["address"], 16)]) for r in res
            if "symbol" in r and len(byaddr.get(int(r["address"], 16), [])) == 1
            and r["symbol"] not in byaddr[int(r["address"], 16)]]
    ok(len(mism) <= len(ks) // 10, "decode: names agree with /proc/kallsyms (%d aliases differ)" % len(mism),
       "\n".join(mism))
sm = glob.glob(os.path.expanduser("~/.cache/vmscope/real/v1/kernels/%s/System.map*" % truth["kernel_release"]))
if not sm:
    skip("System.map shifted by KERNELOFFSET", "no System.map for %s in the kernel cache" % truth["kernel_release"])
else:
    rc, out, err = run("run", "--json", "--system-map", sm[0], "ksym", main, *sorted(ks))
    got = {s["symbol"]: int(s["symbol_address"], 16) for s in json.loads(out)["symbols"]} if rc == 0 else {}
    ok(all(got.get(k) == v for k, v in ks.items()), "System.map: guest kallsyms addresses", err)

# ---- vmemmap ---------------------------------------------------------------
kp = truth.get("kpageflags", [])
if kp and kp[0].startswith("pfn "):
    pfn0 = int(kp[0].split()[1])
    vals = [int(x, 16) for line in kp[1:] for x in line.split()]
    rc, out, err = run("decode", "--json", "--pfn", main, *[str(pfn0 + i) for i in range(len(vals))])
    res = json.loads(out)["results"] if out else []
    bad = []
    KPF = {"reserved": 32, "slab": 7, "lru": 5, "buddy": 10}
    for i, (r, v) in enumerate(zip(res, vals)):
        for field, b in KPF.items():
            if r.get(field) != bool(v >> b & 1):
                bad.append("pfn %d %s: decoded %s, kpageflags %#x" % (pfn0 + i, field, r.get(field), v))
    ok(rc == 0 and len(res) == len(vals) and not bad,
       "vmemmap: %d kpageflags samples (reserved/slab/lru/buddy)" % len(vals), "\n".join(bad) + err)
else:
    skip("vmemmap: kpageflags samples", "truth.json has none")

mi = {k: int(v.split()[0]) for k, v in truth.get("meminfo", {}).items()}
ps = truth["page_size"]["value"] // 1024
first_pfn = int(truth["ram_ranges"][0]["start"], 16) // truth["page_size"]["value"] if truth.get("ram_ranges") else 0
rc, out, err = run("decode", "--json", "--summary", "--pfn", main, str(first_pfn))
s = json.loads(out)["results"][0].get("summary", {}) if rc == 0 else {}
def near(got, want, rel, slack, what):
    good = abs(got - want) <= max(rel * want, slack)
    ok(good, "vmemmap --summary: %s %d pages vs /proc/meminfo %d" % (what, got, want), err)
if s:
    near(s["free"], mi["MemFree"] // ps, 0.01, 64, "free")
    # PG_slab before 6.10, the slab page type after (PAGE_SLAB_MAPCOUNT_VALUE).
    # Slab also counts large kmalloc pages, which are neither.
    near(s["slab"], mi["Slab"] // ps, 0.15, 128, "slab")
    near(s["lru-anon"] + s["lru-file"],
         (mi["Active"] + mi["Inactive"] + mi["Unevictable"]) // ps, 0.25, 128, "lru")
    ok(s["unreadable"] == 0, "vmemmap --summary: every struct page of the dump was readable")
else:
    ok(False, "vmemmap --summary", err)

# ---- direct-map (arm64: linear-map) ------------------------------------------
if truth["arch"] == "arm64" and truth.get("ram_ranges"):
    # VA = PA - PHYS_OFFSET + PAGE_OFFSET (-2^VA_BITS), per truth.
    lin = int(truth["phys_offset"]["value"], 16) + (1 << truth["va_bits"]["value"])
    pas = []
    for r in truth["ram_ranges"]:
        lo, hi = int(r["start"], 16), int(r["end"], 16)
        pas += [lo, lo + 0x1234, (lo + hi) // 2 & ~7, hi & ~7]
    vas = ["%x" % ((pa - lin) & (1 << 64) - 1) for pa in pas]
    rc, out, err = run("decode", "--json", main, *vas)
    res = json.loads(out)["results"] if out else []
    pgs = truth["page_size"]["value"]
    bad = ["%s: %s" % (va, r) for va, pa, r in zip(vas, pas, res)
           if r.get("region") != "linear-map" or r.get("plugin") != "direct-map" or
           r.get("physical") != hex(pa) or r.get("struct_page", {}).get("pfn") != pa // pgs]
    ok(rc == 0 and len(res) == len(pas) and not bad,
       "linear-map: %d addresses decode to their physical address and struct page" % len(pas),
       "\n".join(bad[:5]) + err)

# ---- vmalloc ---------------------------------------------------------------
vbase = truth.get("vmalloc_base", truth.get("vmalloc_start"))	# x86_64 / arm64
if vbase is None:
    skip("vmalloc --summary", "truth.json has no vmalloc_base or vmalloc_start")
    sys.exit(0)
rc, out, err = run("decode", "--json", "--summary", main, vbase["value"])
if rc != 0 and "SYMBOL(vmap_area_list)" not in truth.get("vmcoreinfo", {}) and "--vmlinux" in err:
    skip("vmalloc --summary", "Linux 6.9+ has no vmap_area_list: the per-node lists need a "
         "vmlinux's DWARF, and the kernel cache has none")
    sys.exit(0)
res = json.loads(out)["results"][0] if rc == 0 else {}
areas = res.get("areas", [])
starts = [int(a["start"], 16) for a in areas]
ok(len(areas) > 10 and starts == sorted(starts) and all(int(a["end"], 16) > int(a["start"], 16) for a in areas),
   "vmalloc --summary: %d areas, sorted, non-empty" % len(areas), err)
mods = [int(m.split()[-1], 16) for m in truth.get("modules", []) if m.split()[-1].startswith("0x")]
ok(all(any(int(a["start"], 16) <= m < int(a["end"], 16) for a in areas) for m in mods),
   "vmalloc: the %d loaded modules lie in vmap areas" % len(mods))
PY
done > "${TMPDIR:-/tmp}/plugins-real.$$" 2>&1
if [ "$found" = 0 ]; then
	tap_skip "plugins on real dumps" "no real dumps in $boots (tests/real/make-real-dumps.sh makes them)"
	tap_done
	exit $?
fi
# Renumber the python output into one TAP stream.
while IFS= read -r line; do
	case $line in
	"ok - "*" # SKIP "*) d=${line#ok - }; tap_skip "${d% \# SKIP *}" "${d##* \# SKIP }" ;;
	"not ok - "*" # TODO "*) tap_n=$((tap_n + 1)); echo "not ok $tap_n - ${line#not ok - }" ;;
	"ok - "*) tap_result ok "${line#ok - }" ;;
	"not ok - "*) tap_result fail "${line#not ok - }" ;;
	*) echo "$line" ;;
	esac
done < "${TMPDIR:-/tmp}/plugins-real.$$"
rm -f "${TMPDIR:-/tmp}/plugins-real.$$"
tap_done
