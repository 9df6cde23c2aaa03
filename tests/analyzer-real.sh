#!/bin/sh
# Layout detection and vtop on real QEMU dumps of Debian kernels, checked
# against the ground truth (truth.json, see tests/real/README.md) and against
# libkdumpfile's addrxlat.  TAP.
#
#   tests/analyzer-real.sh            (from `make check`; needs $VMSCOPE, $top_srcdir)
#
# For every x86_64 boot, on every dump of it (each ELF, kdump, flattened and
# split file or set):
#   - `vmscope layout --json`, with and without VMCOREINFO, must give the
#     truth's phys_base, kaslr_offset, page_offset_base, vmalloc_base,
#     vmemmap_base and paging levels;
#   - the kernel release: VMCOREINFO's OSRELEASE, and without VMCOREINFO
#     the one in the linux_banner vmscope finds in the kernel-text mapping,
#     must be truth's kernel_release, the banner ending in uname's version;
#   - `vmscope vtop` of >= VMS_REAL_NADDR (10,000) random mapped kernel
#     addresses (direct map, kernel image, vmemmap, vmalloc, modules,
#     cpu-entry area) must give addrxlat's answer, and addresses addrxlat
#     finds unmapped must be unmapped for vmscope too.  addrxlat (C API, via
#     bench/xlate-lkdf) runs on the same file where it can, else on the
#     boot's paging ELF (same stopped instant, same page tables); without
#     VMCOREINFO it cannot set itself up, and only /proc/kcore is left;
#   - direct-map translations must also match the guest's own /proc/kcore
#     segments recorded in truth.json (an oracle outside both tools).
# Skips (loudly) when the real dumps cannot be made; fails instead with
# VMSCOPE_REQUIRE_REAL=1.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
VMSCOPE=${VMSCOPE:-./vmscope}
NADDR=${VMS_REAL_NADDR:-10000}

. "$top_srcdir/tests/real-boots.sh"
# libaddrxlat through its C API: bench/xlate-lkdf (built by `make`).
XLATE_LKDF=${XLATE_LKDF:-$top_builddir/bench/xlate-lkdf}
if [ ! -x "$XLATE_LKDF" ]; then
	echo "Bail out! $XLATE_LKDF is missing (run make first)"
	exit 1
fi

exec /usr/bin/python3 - "$VMSCOPE" "$boots" "$NADDR" "$XLATE_LKDF" <<'EOF'
import glob, json, os, random, re, struct, subprocess, sys, time

vmscope, boots, naddr, xlate_lkdf = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
nunmapped = max(500, naddr // 10)
KTEXT_MAP = 0xffffffff80000000      # __START_KERNEL_map
T0 = time.time()

n_tests = 0
n_failed = 0

def tap(ok, desc, diag=()):
    global n_tests, n_failed
    n_tests += 1
    if not ok:
        n_failed += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n_tests, desc))
    for line in diag:
        print("#   " + line)
    sys.stdout.flush()

def skip(desc, why):
    global n_tests
    n_tests += 1
    print("ok %d # SKIP %s: %s" % (n_tests, desc, why))

def diag(msg):
    print("# " + msg)
    sys.stdout.flush()

def run(args):
    p = subprocess.run([vmscope] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

def hexint(v):
    return v if isinstance(v, int) else int(v, 16) if isinstance(v, str) and v.startswith("0x") else int(v)

def value(t, key):
    v = t.get(key)
    if isinstance(v, dict):
        v = v.get("value")
    return v

def dump_sets(t, bdir):
    """(label, [paths]) for every dump of the boot; split parts grouped."""
    sets, splits = [], {}
    for f in t.get("files", []):
        name = f["name"]
        if f.get("split_parts"):
            splits.setdefault(name.rsplit(".", 1)[0], []).append((f.get("split_index", 0), name))
            continue
        sets.append((name, [os.path.join(bdir, name)]))
    for base, parts in sorted(splits.items()):
        parts.sort()
        sets.append(("%s.{%s}" % (base, ",".join(n.rsplit(".", 1)[1] for _, n in parts)),
                     [os.path.join(bdir, n) for _, n in parts]))
    return sets

class Oracle:
    """libaddrxlat's KVADDR -> MACHPHYSADDR translation on one dump file,
    through its C API (bench/xlate-lkdf; the Python bindings of 0.5.1 cannot
    read page tables).  answers(vas) -> {va: pa | UNMAPPED | None (undecided)}."""
    def __init__(self, path):
        self.path = path

    def answers(self, vas):
        p = subprocess.run([xlate_lkdf, self.path], input="".join("%x\n" % v for v in vas),
                           capture_output=True, text=True)
        if p.returncode not in (0, 1):
            raise RuntimeError("xlate-lkdf %s: exit %d: %s" % (os.path.basename(self.path),
                               p.returncode, p.stderr.strip()))
        res = {}
        for line in p.stdout.splitlines()[1:]:
            inp, pa, err = (line.split("\t") + ["", ""])[:3]
            va = int(inp, 16)
            if pa:
                res[va] = int(pa, 16)
            elif "not present" in err or err == "No way to translate":
                res[va] = UNMAPPED      # a level not present, or non-canonical
            else:
                res[va] = None          # cannot tell (missing data, ...)
        return res

UNMAPPED = "unmapped"

def vtop_many(paths, vas, regions=None):
    """vmscope's answers: ({va: pa or UNMAPPED}, {va: error text}); counts
    the regions of mapped addresses into `regions` if given."""
    res, errs = {}, {}
    for i in range(0, len(vas), 2500):
        part = vas[i:i + 2500]
        rc, out, err = run(["vtop", "--json"] + paths + ["0x%x" % v for v in part])
        try:
            tr = json.loads(out)["translations"]
        except ValueError:
            raise RuntimeError("vtop output is not JSON (exit %d): %s" % (rc, err.strip()[:300]))
        if len(tr) != len(part):
            raise RuntimeError("vtop gave %d answers for %d addresses" % (len(tr), len(part)))
        for va, r in zip(part, tr):
            if "paddr" in r:
                res[va] = int(r["paddr"], 16)
                if regions is not None:
                    regions[r.get("region")] = regions.get(r.get("region"), 0) + 1
            else:
                res[va] = UNMAPPED
                errs[va] = r.get("error", "?")
    return res, errs

def elf_load_vaddrs(path):
    """(p_vaddr, p_memsz) of the PT_LOADs of an ELF64 little-endian file."""
    with open(path, "rb") as fh:
        eh = fh.read(64)
        phoff, = struct.unpack_from("<Q", eh, 32)
        phentsize, phnum = struct.unpack_from("<HH", eh, 54)
        if phnum == 0xffff:     # PN_XNUM: the count is in section 0's sh_info
            shoff, = struct.unpack_from("<Q", eh, 40)
            fh.seek(shoff)
            phnum, = struct.unpack_from("<I", fh.read(64), 44)
        fh.seek(phoff)
        raw = fh.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        o = i * phentsize
        if struct.unpack_from("<I", raw, o)[0] == 1:
            vaddr, = struct.unpack_from("<Q", raw, o + 16)
            memsz, = struct.unpack_from("<Q", raw, o + 40)
            if vaddr and memsz:
                out.append((vaddr, memsz))
    return out

def candidates(t, rnd, n, segs=()):
    """n random kernel addresses, weighted towards mapped regions."""
    ksym = t.get("kallsyms", {})
    pob = hexint(value(t, "page_offset_base"))
    vmb = hexint(value(t, "vmalloc_base"))
    vmm = hexint(value(t, "vmemmap_base"))
    ram_top = max(hexint(r["end"]) for r in t["ram_ranges"]) + 1
    text = hexint(ksym.get("_text", "0x%x" % (0xffffffff81000000 + hexint(value(t, "kaslr_offset") or 0))))
    end = hexint(ksym.get("_end", "0x%x" % (text + (48 << 20))))
    mods = [int(m.split()[-1], 16) for m in t.get("modules", []) if m.split()[-1].startswith("0x")]
    kinds = [
        (0.35, lambda: pob + rnd.randrange(0, ram_top + (64 << 20))),   # and a little past RAM
        (0.15, lambda: text + rnd.randrange(0, end - text + (4 << 20))),
        (0.15, lambda: vmm + rnd.randrange(0, (ram_top >> 12) * 64 + (1 << 20))),
        (0.15, lambda: vmb + rnd.randrange(0, 64 << 20)),
        (0.05, lambda: vmb + rnd.randrange(0, 1 << 40)),
        (0.05, lambda: (rnd.choice(mods) if mods else 0xffffffffc0000000) + rnd.randrange(-(1 << 20), 1 << 20)),
        (0.05, lambda: 0xfffffe0000000000 + rnd.randrange(0, 4 << 20)),   # cpu-entry area
        (0.05, lambda: rnd.randrange(0xff00000000000000, 1 << 64)),      # anywhere high
    ]
    if segs:
        # QEMU's paging ELF lists what the page tables map (vmalloc, fixmap,
        # cpu-entry area, ...): a random mapping, then a random byte of it.
        def in_seg():
            v, sz = rnd.choice(segs)
            return v + rnd.randrange(0, sz)
        kinds = [(w * 0.75, f) for w, f in kinds] + [(0.25, in_seg)]
    out = []
    for _ in range(n):
        r = rnd.random()
        for w, f in kinds:
            if r < w:
                break
            r -= w
        out.append(f() & ((1 << 64) - 1))
    return out

def sample(t, oracle, rnd, segs):
    """(mapped {va: pa}, unmapped [va], undecided count) from the oracle."""
    mapped, unmapped, undecided = {}, [], 0
    for _ in range(8):
        if len(mapped) >= naddr:
            break
        ans = oracle.answers(candidates(t, rnd, 2 * (naddr - len(mapped)) + 100, segs))
        for va, pa in ans.items():
            if pa is None:
                undecided += 1
            elif pa == UNMAPPED:
                if len(unmapped) < nunmapped:
                    unmapped.append(va)
            elif len(mapped) < naddr:
                mapped[va] = pa
    return mapped, unmapped, undecided

truths = sorted(glob.glob(os.path.join(boots, "*", "truth.json")))
diag("boots folder %s: %d boots" % (boots, len(truths)))
for tpath in truths:
    t = json.load(open(tpath))
    bdir = os.path.dirname(tpath)
    boot = os.path.basename(bdir)
    arch = value(t, "arch")
    if arch != "x86_64":
        skip(boot, "analyzer-real checks x86_64 boots; this one is %s" % arch)
        continue
    tb = time.time()
    sets = dump_sets(t, bdir)
    want = {k: value(t, k) for k in
            ("phys_base", "kaslr_offset", "page_offset_base", "vmalloc_base", "vmemmap_base")}
    levels = value(t, "paging_levels")

    # ---- layout, with and without VMCOREINFO
    for label, paths in sets:
        for novmci in (False, True):
            tag = "%s %s: layout%s" % (boot, label, " without VMCOREINFO" if novmci else "")
            rc, out, err = run(["layout", "--json"] + (["--no-vmcoreinfo"] if novmci else []) + paths)
            if rc != 0:
                tap(False, tag, ["vmscope layout failed (exit %d): %s" % (rc, err.strip())])
                continue
            lay = json.loads(out)
            bad = []
            for k, v in want.items():
                if v is None:
                    continue
                got = (lay.get(k) or {}).get("value")
                if got is None or int(got, 16) != hexint(v):
                    bad.append("%s = %s (source %s: %s), truth %s" % (
                        k, got, (lay.get(k) or {}).get("source"), (lay.get(k) or {}).get("note"), v))
            if levels is not None and lay.get("paging_levels") != int(levels):
                bad.append("paging_levels %s, truth %s" % (lay.get("paging_levels"), levels))
            if lay.get("arch") != "x86_64":
                bad.append("arch %s" % lay.get("arch"))
            tap(not bad, tag, bad)
            # The release: OSRELEASE, else the linux_banner in memory.
            kver = lay.get("kernel_version") or {}
            m = re.search(r'release "([^"]+)"', kver.get("note", ""))
            rel = m.group(1) if m else None
            want_src = "memory" if novmci or not t.get("has_vmcoreinfo", True) else "vmcoreinfo"
            uts = " ".join(t.get("uname", "").split()[3:-2])	# "#1 SMP ... (date)"
            banner = [r for r in lay.get("remarks", []) if r.startswith("linux_banner at ")]
            tap(kver.get("source") == want_src and rel == t.get("kernel_release") and
                (want_src == "vmcoreinfo" or (len(banner) == 1 and banner[0].endswith(") " + uts))),
                "%s: kernel release %s from %s (truth %s)" % (tag, rel, kver.get("source"),
                                                             t.get("kernel_release")),
                ["%s" % kver, "banner remarks %s, uname version '%s'" % (banner, uts)])

    # ---- vtop against addrxlat and the guest's /proc/kcore
    # /proc/kcore's linear segments (direct map over RAM, kernel image)
    kseg = [(hexint(s["vaddr"]), hexint(s["paddr"]), hexint(s["size"]))
            for s in t.get("kcore_segments", []) if hexint(s["paddr"]) != (1 << 64) - 1]
    def kcore_pa(va):
        for v, p, sz in kseg:
            if v <= va < v + sz:
                return p + va - v
        return None

    ref_path = os.path.join(bdir, "elf-paging.vmcore")
    rnd = random.Random(boot)
    ref = Oracle(ref_path)
    try:
        segs = [sg for sg in elf_load_vaddrs(ref_path) if sg[0] >= 1 << 63]
    except (OSError, struct.error) as e:
        segs = []
        diag("%s: cannot read the PT_LOADs of elf-paging.vmcore: %s" % (boot, e))
    try:
        mapped, unmapped, undecided = sample(t, ref, rnd, segs)
        ref_ok, ref_why = True, ""
    except RuntimeError as e:
        # libaddrxlat needs VMCOREINFO to set itself up; then only the guest's
        # own view is left as an oracle (direct map and kernel image).
        ref_ok, ref_why = False, str(e)
        diag("%s: no addrxlat oracle: %s" % (boot, ref_why))
        mapped, unmapped, undecided = {}, [], 0
        for va in candidates(t, rnd, 6 * naddr, segs):
            k = kcore_pa(va)
            if k is not None and len(mapped) < naddr:
                mapped[va] = k
    diag("%s: %d mapped and %d unmapped sample addresses (%s), %d undecided"
         % (boot, len(mapped), len(unmapped), "addrxlat on elf-paging.vmcore" if ref_ok
            else "guest /proc/kcore", undecided))
    tap(len(mapped) >= naddr, "%s: >= %d mapped sample addresses" % (boot, naddr),
        [] if len(mapped) >= naddr else ["only %d found" % len(mapped)])
    vas = list(mapped) + unmapped
    ref_ans = dict(mapped)
    ref_ans.update((va, UNMAPPED) for va in unmapped)

    for label, paths in sets:
        tag = "%s %s: vtop of %d mapped and %d unmapped addresses" % (boot, label, len(mapped), len(unmapped))
        want, oname, notes = ref_ans, ("addrxlat on elf-paging.vmcore" if ref_ok else "/proc/kcore only"), []
        if ref_ok and len(paths) == 1 and os.path.basename(paths[0]) != "elf-paging.vmcore":
            # addrxlat on this very file where it can; QEMU's kdump header
            # carries a bogus phys_base that leaves libaddrxlat unable to
            # translate, so it must work on most of the sample to count.
            try:
                own = Oracle(paths[0]).answers(vas)
                hits = sum(1 for va in mapped if own.get(va) == mapped[va])
                if hits >= len(mapped) // 2:
                    want, oname = own, "addrxlat on this file"
                else:
                    notes.append("addrxlat on this file agrees with the paging ELF on only %d of %d "
                                 "mapped addresses; using the paging ELF's answers" % (hits, len(mapped)))
            except RuntimeError as e:
                notes.append("addrxlat cannot use this file (%s); using the paging ELF's answers" % e)
        regions = {} if paths == [ref_path] else None
        try:
            got, errs = vtop_many(paths, vas, regions)
        except RuntimeError as e:
            tap(False, tag, [str(e)])
            continue
        bad, nk, ndec = [], 0, 0
        def show(x, va=None):
            if x == UNMAPPED:
                return "unmapped" + (" (%s)" % errs[va] if va in errs else "")
            return "undecided" if x is None else "0x%x" % x
        for va in vas:
            w, g = want.get(va), got.get(va)
            if w is not None:
                ndec += 1
                if w != g:
                    bad.append("0x%x: vmscope %s, %s %s" % (va, show(g, va), oname, show(w)))
            k = kcore_pa(va)
            if k is not None:
                nk += 1
                if g != k:
                    bad.append("0x%x: vmscope %s, guest /proc/kcore 0x%x" % (va, show(g, va), k))
        if regions:
            diag("%s: mapped sample by region: %s" % (boot, ", ".join(
                "%s %d" % kv for kv in sorted(regions.items(), key=lambda kv: -kv[1]))))
        tap(not bad, tag + " (%d against %s, %d against /proc/kcore)" % (ndec, oname, nk),
            notes + bad[:12] + (["... %d more" % (len(bad) - 12)] if len(bad) > 12 else []))
    diag("%s: done in %.1fs" % (boot, time.time() - tb))

diag("total %.1fs" % (time.time() - T0))
print("1..%d" % n_tests)
sys.exit(1 if n_failed else 0)
EOF
