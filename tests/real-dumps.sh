#!/bin/sh
# The readers on real QEMU dumps of Debian kernels (tests/real/), checked
# against the ground truth (truth.json), libkdumpfile and each other.  TAP.
#
#   tests/real-dumps.sh               (from `make check`; needs $VMSCOPE,
#                                      $top_srcdir, $top_builddir)
#
# For every boot and every dump of it (each file, or split set):
#   info       `vmscope info --json` works; arch, page size, format, format
#              version, compression, dump level, block size, file count and
#              VMCOREINFO presence agree with truth.json and with what the file
#              is; the ranges cover the guest's System RAM; an unfiltered
#              dump has no excluded and no lost pages.
#   report     a filtered kdump file (mdf-d31*.kdump): vmscope's counts of
#              ZERO and EXCLUDED pages (and PRESENT, where the source ELF has
#              no overlapping segments) equal makedumpfile's own report.
#   difftest   every page against libkdumpfile (tests/difftest); a skip when
#              libkdumpfile 0.5.1 cannot open the file (flattened files).
#              Its page status too: a page vmscope calls EXCLUDED must be one
#              libkdumpfile finds excluded in the file's bitmap.
#   samepages  every page against the boot's paging ELF (tests/samepages):
#              QEMU wrote every format from the same stopped guest and
#              makedumpfile converted from it, so the bytes must be the same
#              wherever both hold a page, and both must hold every RAM page
#              unless filtered (mdf-d31*).
#   banner     `vmscope read --phys` at linux_banner and at init_uts_ns
#              (physical addresses from truth.json's symbols and phys_base or
#              kimage_voffset): "Linux version <release>" and the uname
#              fields the guest printed.
# VMS_REAL_JOBS (default 2) heavy checks run at once.  Skips (loudly) when
# the real dumps cannot be made; fails instead with VMSCOPE_REQUIRE_REAL=1.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
VMSCOPE=${VMSCOPE:-$top_builddir/vmscope}

. "$top_srcdir/tests/real-boots.sh"

exec /usr/bin/python3 - "$VMSCOPE" "$top_builddir/tests" "$boots" "${VMS_REAL_JOBS:-2}" <<'EOF'
import concurrent.futures, glob, json, os, re, struct, subprocess, sys, time

vmscope, testdir, boots, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
difftest = os.path.join(testdir, "difftest")
samepages = os.path.join(testdir, "samepages")
KTEXT_MAP = 0xffffffff80000000      # x86_64 __START_KERNEL_map
T0 = time.time()
try:
    import kdumpfile
except ImportError:
    kdumpfile = None

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
    sys.stdout.flush()

def diag(msg):
    print("# " + msg)
    sys.stdout.flush()

def run(args, timeout=600):
    t = time.time()
    try:
        p = subprocess.run(args, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, "", "timed out after %ds" % timeout, time.time() - t
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"), time.time() - t)

def value(t, key):
    v = t.get(key)
    return v.get("value") if isinstance(v, dict) else v

def hexint(v):
    return int(v, 16) if isinstance(v, str) else int(v)

def dump_sets(t, bdir):
    """[(label, [paths], [file entries])]: one per file, split parts grouped."""
    sets, splits = [], {}
    for f in t.get("files", []):
        if f.get("split_parts"):
            splits.setdefault(f["name"].rsplit(".", 1)[0], []).append(f)
        else:
            sets.append((f["name"], [os.path.join(bdir, f["name"])], [f]))
    for base, parts in sorted(splits.items()):
        parts.sort(key=lambda f: f.get("split_index", 0))
        sets.append(("%s.{%s}" % (base, ",".join(f["name"].rsplit(".", 1)[1] for f in parts)),
                     [os.path.join(bdir, f["name"]) for f in parts], parts))
    return sets

FORMAT = {"elf": "elf", "kdump-compressed": "kdump", "kdump-flattened": "kdump-flat",
          "kdump-split": "kdump-split"}

def qemu_made(f):
    p = f.get("producer", "")
    return p.startswith("qemu") or "kdump-zlib.flat" in p

def filtered(f):
    return (f.get("dump_level") or 0) > 1 or "-d " in f.get("producer", "")

def elf_load_starts(path):
    """p_paddr of every PT_LOAD of an ELF64 little-endian file."""
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
    starts = set()
    for i in range(phnum):
        ptype, = struct.unpack_from("<I", raw, i * phentsize)
        if ptype == 1:
            starts.add(struct.unpack_from("<Q", raw, i * phentsize + 24)[0])
    return starts

# ------------------------------------------------------------------ checks
def check_info(t, label, paths, files):
    f0 = files[0]
    rc, out, err, _ = run([vmscope, "info", "--json"] + paths)
    if rc != 0:
        return False, ["vmscope info failed (exit %d): %s" % (rc, err.strip())]
    try:
        j = json.loads(out)
    except ValueError as e:
        return False, ["vmscope info --json: bad JSON: %s" % e]
    bad = []
    def eq(what, got, want):
        if got != want:
            bad.append("%s: %r, expected %r" % (what, got, want))
    eq("arch", j.get("arch"), value(t, "arch"))
    eq("page_size", j.get("page_size"), value(t, "page_size"))
    eq("format", j.get("format"), FORMAT.get(f0["format"], f0["format"]))
    eq("files", len(j.get("files", [])), len(paths))
    if f0.get("compression"):
        eq("compression", j.get("compression"), [f0["compression"]])
    elif f0["format"] == "elf":
        eq("compression", j.get("compression"), [])
    if f0["format"] != "elf":
        if "dump_level" in f0:
            # QEMU's kdump writer records dump level 1 (its DUMP_LEVEL: zero
            # pages left out); makedumpfile -R copies that header unchanged.
            want = 1 if qemu_made(f0) else f0["dump_level"]
            eq("dump_level", j.get("dump_level"), want)
        if "header_version" in f0:
            eq("format_version", j.get("format_version"), f0["header_version"])
        if "block_size" in f0:
            eq("block_size", j.get("block_size"), f0["block_size"])
    else:
        eq("format_version", j.get("format_version"), 64)
    keys = j.get("vmcoreinfo_keys") or []
    has = bool(keys)
    eq("VMCOREINFO present", has, bool(t.get("has_vmcoreinfo")))
    if has:
        for k in ("OSRELEASE", "PAGESIZE"):
            if k not in keys:
                bad.append("VMCOREINFO lacks %s" % k)
    eq("incomplete", j.get("incomplete"), False)
    # the ranges must cover the guest's System RAM
    rngs = [(hexint(r["start"]), hexint(r["end"])) for r in j.get("ranges", [])]
    for r in t.get("ram_ranges", []):
        s, e = hexint(r["start"]), hexint(r["end"]) + 1
        if not any(a <= s and e <= b for a, b in rngs):
            bad.append("RAM 0x%x-0x%x is not inside one range %s" % (s, e - 1,
                       ["0x%x-0x%x" % x for x in rngs]))
    pages = j.get("pages", {})
    if pages.get("lost"):
        bad.append("%d lost pages" % pages["lost"])
    if not filtered(f0) and pages.get("excluded"):
        bad.append("unfiltered, yet %d excluded pages" % pages["excluded"])
    return not bad, bad

def check_report(t, label, paths, files):
    """A filtered kdump file's page counts against makedumpfile's own report
    (truth.json conversions[NAME].report).  makedumpfile counts zero pages
    among the excluded ones but writes them as zero-page descriptors, so
    vmscope's ZERO count must be its "Pages filled with zero" and vmscope's
    EXCLUDED count the rest.  Returns (status, diag lines)."""
    f0 = files[0]
    if len(files) != 1 or f0["format"] != "kdump-compressed" or not filtered(f0):
        return None, []
    rep = ((t.get("conversions") or {}).get(f0["name"]) or {}).get("report")
    rpath = paths[0] + ".report"
    if not rep and os.path.exists(rpath):
        # a truth.json written by a truth.py that predates reports
        rep = {}
        for l in open(rpath):
            m = re.match(r"^\s*([A-Za-z -]+?)\s*:\s*0x([0-9a-fA-F]+)\s*$", l)
            if m:
                rep[m.group(1).lower().replace(" ", "_").replace("-", "_")] = int(m.group(2), 16)
    if not rep:
        return "skip", ["no makedumpfile page-count report (truth.json conversions.%s.report, %s.report)"
                        % (f0["name"], f0["name"])]
    lacks = [k for k in ("original_pages", "excluded_pages", "pages_filled_with_zero", "remaining_pages")
             if k not in rep]
    if lacks:
        return "fail", ["makedumpfile's report lacks " + ", ".join(lacks)]
    rc, out, err, _ = run([vmscope, "info", "--json"] + paths)
    if rc != 0:
        return "fail", ["vmscope info failed (exit %d): %s" % (rc, err.strip())]
    pages = json.loads(out).get("pages", {})
    want = {"zero": rep["pages_filled_with_zero"],
            "excluded": rep["excluded_pages"] - rep["pages_filled_with_zero"], "lost": 0}
    bad = ["%s %s, makedumpfile says %d" % (k, pages.get(k), v) for k, v in sorted(want.items())
           if pages.get(k) != v]
    # without overlapping PT_LOADs in the source (x86_64 paging dumps list
    # vmalloc/user mappings too), every page it kept is one vmscope has
    if rep["original_pages"] == sum(pages.get(k, 0) for k in ("present", "zero", "excluded")) and \
            pages.get("present") != rep["remaining_pages"]:
        bad.append("present %s, makedumpfile kept %d" % (pages.get("present"), rep["remaining_pages"]))
    return ("fail" if bad else "ok"), bad or ["zero %d, excluded %d (free %d, cache %d+%d, user %d)" % (
        want["zero"], want["excluded"], rep.get("free_pages", 0), rep.get("non_private_cache_pages", 0),
        rep.get("private_cache_pages", 0), rep.get("user_process_data_pages", 0))]

def check_difftest(t, label, paths, files):
    """(status 'ok'|'fail'|'skip', diag lines)."""
    bs, ps = files[0].get("block_size"), value(t, "page_size")
    if bs and ps and bs != ps:
        return "skip", ["libkdumpfile 0.5.1 dies of SIGSEGV in kdump_read() on kdump files whose "
                        "blocks (%d bytes) are not pages (%d bytes), as QEMU writes them on arm64; "
                        "not run" % (bs, ps)]
    arg = ",".join(paths)
    rc, out, err, secs = run([difftest, arg])
    lines = [l.replace(os.path.dirname(paths[0]) + "/", "") for l in (out + err).strip().splitlines()]
    if rc == 77:
        why = next((l.split("SKIP: ", 1)[1] for l in lines if "SKIP: " in l), lines[-1] if lines else "?")
        return "skip", [why]
    if rc == 0:
        return "ok", [lines[-1] if lines else "", "%.1fs" % secs]
    quirk = difftest_edge_in_tail(t, paths, files)
    if quirk:
        return "ok", quirk
    return "fail", lines[:15] + ["exit %d" % rc]

def difftest_edge_in_tail(t, paths, files):
    """libkdumpfile 0.5.1 reads the page just below a PT_LOAD that starts on
    a page boundary as zeros, even where vmscope rightly says EXCLUDED (a
    p_memsz tail of the previous PT_LOAD in makedumpfile -E output).  difftest
    accepts that quirk only for pages outside every PT_LOAD; here each such
    mismatch is verified: the next page starts a PT_LOAD and libkdumpfile's
    bytes are zeros.  Returns diag lines when every mismatch is that, else
    None."""
    if len(paths) != 1 or files[0]["format"] != "elf" or kdumpfile is None:
        return None
    rc, out, _, _ = run([difftest, "--max-report", "100000000", paths[0]])
    pat = re.compile(r"^difftest: .*: pfn 0x([0-9a-f]+): vmscope EXCLUDED, libkdumpfile readable$")
    pfns = []
    for l in out.splitlines():
        m = pat.match(l)
        if m:
            pfns.append(int(m.group(1), 16))
        elif ": pfn 0x" in l:
            return None
    if not pfns:
        return None
    ps = value(t, "page_size")
    starts = elf_load_starts(paths[0])
    k = kdumpfile.kdumpfile(paths[0])
    for pfn in pfns:
        if (pfn + 1) * ps not in starts:
            return None
        if any(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * ps, ps)):
            return None
    return ["%d mismatches, all libkdumpfile 0.5.1's zero page below a PT_LOAD inside a p_memsz tail "
            "(verified: next page starts a PT_LOAD, libkdumpfile reads zeros; vmscope says EXCLUDED)"
            % len(pfns), "pfns " + " ".join("0x%x" % p for p in pfns[:12]) + (" ..." if len(pfns) > 12 else "")]

def ram_arg(t):
    return ",".join("%s-%s" % (r["start"], r["end"]) for r in t.get("ram_ranges", []))

def check_samepages(t, label, paths, files, ref):
    args = [samepages, "--ram", ram_arg(t)]
    if filtered(files[0]):
        args += ["--filtered", "a"]
    rc, out, err, secs = run(args + [",".join(paths), ref])
    lines = [l.replace(os.path.dirname(ref) + "/", "") for l in (out + err).strip().splitlines()]
    if rc == 0:
        return "ok", [l for l in lines if l.startswith("samepages: only in")] + \
            [lines[-1] if lines else "", "%.1fs" % secs]
    return "fail", lines[:25] + ["exit %d" % rc]

def uts_fields(t):
    """(field, expected) pairs of the guest's uname -a (sysname, nodename, release)."""
    u = (t.get("uname") or "").split()
    return u[:3] if len(u) >= 3 else None

def kernel_pa(t, va):
    arch = value(t, "arch")
    if arch == "x86_64":
        pb = value(t, "phys_base")
        return None if pb is None else (va - KTEXT_MAP + hexint(pb)) & ((1 << 64) - 1)
    if arch == "arm64":
        kv = value(t, "kimage_voffset")
        return None if kv is None else (va - hexint(kv)) & ((1 << 64) - 1)
    return None

def symbol(t, name):
    ks = t.get("kallsyms") or {}
    if name in ks:
        return hexint(ks[name])
    vi = t.get("vmcoreinfo") or {}
    if "SYMBOL(%s)" % name in vi:
        return int(vi["SYMBOL(%s)" % name], 16)
    return None

def read_phys(paths, pa, n):
    p = subprocess.run([vmscope, "read", "--raw"] + paths + ["--phys", "0x%x" % pa, str(n)],
                       capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace").strip()

def check_banner(t, label, paths, files):
    """Returns [(status, desc, diag)]."""
    res = []
    rel = t.get("kernel_release", "")
    va = symbol(t, "linux_banner")
    pa = kernel_pa(t, va) if va is not None else None
    if pa is None:
        res.append(("skip", "read --phys linux_banner",
                    ["truth.json has no linux_banner address or no kernel-image offset"]))
    else:
        rc, data, err = read_phys(paths, pa, 256)
        want = ("Linux version %s " % rel).encode()
        ok = rc == 0 and data.startswith(want)
        res.append(("ok" if ok else "fail", "read --phys 0x%x (linux_banner): \"Linux version %s\"" % (pa, rel),
                    [] if ok else ["exit %d: %s" % (rc, err), "got %r" % data[:80]]))
    va = symbol(t, "init_uts_ns")
    pa = kernel_pa(t, va) if va is not None else None
    fields = uts_fields(t)
    if pa is None or not fields:
        res.append(("skip", "read --phys init_uts_ns",
                    ["truth.json has no init_uts_ns address, kernel-image offset or uname"]))
    else:
        off = int((t.get("vmcoreinfo") or {}).get("OFFSET(uts_namespace.name)", "0"))
        rc, data, err = read_phys(paths, pa + off, 65 * 3)
        got = [data[i * 65:(i + 1) * 65].split(b"\0")[0].decode("latin-1") for i in range(3)] \
            if len(data) == 195 else None
        want = [fields[0], fields[1], fields[2]]
        ok = rc == 0 and got == want
        res.append(("ok" if ok else "fail", "read --phys 0x%x (init_uts_ns.name): %s" % (pa + off, " ".join(want)),
                    [] if ok else ["exit %d: %s" % (rc, err), "got %r" % (got,)]))
    return res

# ------------------------------------------------------------------ main
truths = sorted(glob.glob(os.path.join(boots, "*", "truth.json")))
diag("boots folder %s: %d boots; %d jobs" % (boots, len(truths), jobs))
pool = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs))
for tpath in truths:
    tb = time.time()
    t = json.load(open(tpath))
    bdir = os.path.dirname(tpath)
    boot = os.path.basename(bdir)
    sets = dump_sets(t, bdir)
    ref = os.path.join(bdir, "elf-paging.vmcore")
    failed_conv = sorted(k for k, v in (t.get("conversions") or {}).items() if v.get("status") != "ok")
    diag("%s: %s, %d dump sets%s" % (boot, value(t, "arch"), len(sets),
         "; conversions not made: " + ", ".join(failed_conv) if failed_conv else ""))
    tap(os.path.exists(ref), "%s: has elf-paging.vmcore" % boot)
    # the heavy checks in the background, reported in order
    heavy = []
    for label, paths, files in sets:
        heavy.append((pool.submit(check_difftest, t, label, paths, files),
                      None if paths == [ref] else pool.submit(check_samepages, t, label, paths, files, ref)))
    for (label, paths, files), (fd, fs) in zip(sets, heavy):
        ok, bad = check_info(t, label, paths, files)
        tap(ok, "%s %s: info agrees with truth.json" % (boot, label), bad)
        st, dg = check_report(t, label, paths, files)
        if st == "skip":
            skip("%s %s: page counts equal makedumpfile's report" % (boot, label), dg[0])
        elif st is not None:
            tap(st == "ok", "%s %s: page counts equal makedumpfile's report" % (boot, label), dg)
        for st, desc, dg in check_banner(t, label, paths, files):
            if st == "skip":
                skip("%s %s: %s" % (boot, label, desc), dg[0])
            else:
                tap(st == "ok", "%s %s: %s" % (boot, label, desc), dg)
        st, dg = fd.result()
        if st == "skip":
            skip("%s %s: same pages as libkdumpfile" % (boot, label), dg[0])
        else:
            tap(st == "ok", "%s %s: same pages as libkdumpfile" % (boot, label), dg)
        if fs is not None:
            st, dg = fs.result()
            tap(st == "ok", "%s %s: same bytes as elf-paging.vmcore wherever both hold a page" % (boot, label), dg)
    diag("%s: done in %.1fs" % (boot, time.time() - tb))
pool.shutdown()
diag("total %.1fs" % (time.time() - T0))
print("1..%d" % n_tests)
sys.exit(1 if n_failed else 0)
EOF
