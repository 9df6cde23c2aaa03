#!/bin/sh
# The kasan-shadow plugin on real dumps of KASAN kernels (x86_64 and arm64,
# built from Debian's linux-source-6.1 by tests/real/make-kasan-dumps.sh and
# cached; see tests/real/README.md, "KASAN bench").  TAP.
#
# Truths vmscope did not compute:
#   - the toolchain: the built vmlinux's `nm -S` and the kasan_global records
#     GCC emitted for every instrumented global (address, size, size with
#     redzone; read from the vmlinux's data, arm64's through its RELA
#     relocations), relocated by the dump's KERNELOFFSET;
#   - the kernel: its .config (CONFIG_KASAN_GENERIC, CONFIG_KASAN_SHADOW_OFFSET),
#     KASAN's own report on the serial console ("Memory state around the
#     buggy address"), the guest's /proc/kallsyms and truth.json (the layout
#     values from /proc/kcore, the dump's variables and VMCOREINFO);
# and checks, per arch:
#   (a) for up to 300 instrumented globals, every shadow byte of
#       [sym, sym + size) reads as the size says (00, and size % 8 for the
#       last granule) and every granule of the redzone after the object,
#       up to the size with redzone, reads KASAN_GLOBAL_REDZONE (f9);
#   (b) `vmscope run kasan-shadow DUMP --state ADDR` for the report's buggy
#       address prints the report's buggy row ('>') and '^' exactly as the
#       console has them.  The other four rows are compared too but only
#       reported: between the report and the dump the guest goes on (the
#       shell runs, frees and allocates), so objects in the same slab page
#       next to the freed one may legitimately change state; the freed
#       object itself stays poisoned in KASAN's quarantine;
#   (c) the mode (generic) and offset equal the kernel config's, also with
#       symbols from the System.map and without VMCOREINFO (no symbols: the
#       page tables / the layout decide); `vmscope layout` equals truth.json
#       and its kasan-shadow region is [KASAN_SHADOW_START, KASAN_SHADOW_END);
#       `vmscope decode` of the buggy address's shadow byte names the granule
#       and gives the report's byte, and `decode --summary` of the buggy
#       row's 16 shadow bytes counts them as the report shows them.
# Skips (loudly) when the KASAN dumps cannot be made; fails instead with
# VMSCOPE_REQUIRE_REAL=1.  With VMSCOPE_KASAN_CACHED_ONLY=1 (tests/kasan-real-
# cached.sh, part of `make check`) it never builds them: it uses the cache
# `make check-kasan` filled, and skips when there is none.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
VMSCOPE=${VMSCOPE:-./vmscope}
VMSCOPE_PLUGIN_PATH="$top_builddir/plugins/.libs"; export VMSCOPE_PLUGIN_PATH

errf=${TMPDIR:-/tmp}/kasan-ensure.$$.err
if [ "${VMSCOPE_KASAN_CACHED_ONLY:-0}" = 1 ]; then
	# `make check`: never build kernels, use them when `make check-kasan`
	# has (the cache is shared by every build tree)
	boots=$(VMSCOPE_REAL_NO_GENERATE=1 VMSCOPE_REQUIRE_REAL=0 sh "$top_srcdir/tests/kasan-ensure.sh" 2>"$errf")
	rc=$?
	[ $rc = 77 ] && echo "KASAN dumps not built yet: 'make check-kasan' builds them (two kernels, see tests/real/README.md)" >>"$errf"
else
	boots=$(sh "$top_srcdir/tests/kasan-ensure.sh" 2>"$errf")
	rc=$?
fi
sed 's/^/# /' "$errf"
why=$(grep '^KASAN dumps' "$errf" | tail -n 1)
rm -f "$errf"
case $rc in
0) ;;
77)	echo "1..0 # SKIP ${why:-KASAN dumps unavailable}"
	exit 0 ;;
*)	echo "Bail out! ${why:-KASAN dumps unavailable} (VMSCOPE_REQUIRE_REAL=1)"
	exit 1 ;;
esac

exec /usr/bin/python3 - "$VMSCOPE" "$boots" <<'EOF'
import glob, json, os, re, struct, subprocess, sys

vmscope, boots = sys.argv[1], sys.argv[2]
MASK = (1 << 64) - 1
NGLOBALS = 300
n_tests = n_failed = 0


def tap(ok, desc, diag=(), always=False):
    """One TAP line; diag lines follow when it fails (or always)."""
    global n_tests, n_failed
    n_tests += 1
    n_failed += not ok
    print("%s %d - %s" % ("ok" if ok else "not ok", n_tests, desc))
    for line in diag if (always or not ok) else ():
        print("#   " + line)
    sys.stdout.flush()


def diag(msg):
    print("# " + msg)
    sys.stdout.flush()


def run(args):
    p = subprocess.run([vmscope] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def value(t, k):
    v = t.get(k)
    return v.get("value") if isinstance(v, dict) else v


def hexint(v):
    return v if isinstance(v, int) else int(v, 16) if isinstance(v, str) and v.startswith("0x") else int(v)


# ------------------------------------------------------------- the vmlinux
class Elf:
    """Just enough ELF64 little-endian: sections, and RELA relative
    relocations (arm64's vmlinux keeps its absolute pointers there)."""
    def __init__(self, path):
        self.data = open(path, "rb").read()
        d = self.data
        shoff, = struct.unpack_from("<Q", d, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", d, 0x3a)
        secs = []
        for i in range(shnum):
            name, typ, flags, addr, off, size = struct.unpack_from("<IIQQQQ", d, shoff + i * shentsize)
            secs.append([name, typ, flags, addr, off, size])
        stro = secs[shstrndx][4]
        self.secs = []
        for name, typ, flags, addr, off, size in secs:
            end = d.index(b"\0", stro + name)
            self.secs.append({"name": d[stro + name:end].decode(), "type": typ, "flags": flags,
                              "addr": addr, "off": off, "size": size})
        self.rela = {}
        for s in self.secs:
            if s["type"] == 4:      # SHT_RELA
                for o in range(s["off"], s["off"] + s["size"], 24):
                    r_off, r_info, r_add = struct.unpack_from("<QQq", d, o)
                    if r_info & 0xffffffff == 1027:     # R_AARCH64_RELATIVE
                        self.rela[r_off] = r_add & MASK

    def section(self, name):
        return next((s for s in self.secs if s["name"] == name), None)


def kasan_globals(vmlinux, nm):
    """GCC's kasan_global records {beg, size, size_with_redzone, name, ...}
    found in the vmlinux's allocated PROGBITS data: a record is a beg that
    nm names with exactly that size, and a size with redzone that is a
    multiple of 32 above it.  Returns {beg: (size, size_with_redzone)}."""
    e = Elf(vmlinux)
    found = {}
    for s in e.secs:
        if s["type"] != 1 or not (s["flags"] & 2) or s["flags"] & 4:   # PROGBITS, ALLOC, !EXEC
            continue
        d, base = e.data, s["off"]
        for o in range(0, s["size"] - 24, 8):
            va = s["addr"] + o
            beg = e.rela.get(va) if va in e.rela else struct.unpack_from("<Q", d, base + o)[0]
            if beg not in nm:
                continue
            size, swr = struct.unpack_from("<QQ", d, base + o + 8)
            if size and size == nm[beg][0] and swr % 32 == 0 and swr > size and swr - size <= 4096 + 63:
                found[beg] = (size, swr)
    return found


def load_nm(path):
    nm = {}
    for line in open(path):
        p = line.split()
        if len(p) == 4 and p[2] in "dDbBrR":
            nm.setdefault(int(p[0], 16), (int(p[1], 16), p[3]))
    return nm


# ------------------------------------------------------------- the console
PREFIX = re.compile(r"^\[\s*\d+\.\d+\] ")
ROW = re.compile(r"^([ >])([0-9a-f]{16}): ((?:[0-9a-f]{2} ){15}[0-9a-f]{2})$")


def kasan_report(console):
    lines = [PREFIX.sub("", l.rstrip("\r")) for l in
             open(console, "rb").read().decode("utf-8", "replace").splitlines()]
    rep = {"bug": None, "addr": None, "rows": [], "caret": None}
    for i, l in enumerate(lines):
        m = re.search(r"BUG: KASAN: (\S+) in (\S+)", l)
        if m and rep["bug"] is None:
            rep["bug"] = "%s in %s" % m.groups()
        m = re.search(r"(?:Read|Write) of size \d+ at addr ([0-9a-f]+)", l)
        if m and rep["addr"] is None:
            rep["addr"] = int(m.group(1), 16)
        if l.startswith("Memory state around the buggy address:") and not rep["rows"]:
            for l2 in lines[i + 1:i + 7]:
                m = ROW.match(l2)
                if m:
                    rep["rows"].append((m.group(1) == ">", int(m.group(2), 16), m.group(3)))
                elif l2.strip() == "^" and rep["rows"]:
                    rep["caret"] = len(l2)
                    rep["caret_row"] = rep["rows"][-1][1]
    return rep


# ------------------------------------------------------------- per arch
truths = sorted(glob.glob(os.path.join(boots, "kasan-*", "truth.json")))
diag("KASAN boots in %s: %s" % (boots, ", ".join(os.path.basename(os.path.dirname(t)) for t in truths)))
for tpath in truths:
    t = json.load(open(tpath))
    bdir = os.path.dirname(tpath)
    boot = os.path.basename(bdir)
    arch = t["arch"]
    cfgj = json.load(open(os.path.join(bdir, "config.json")))
    kconf = dict(re.findall(r"^(CONFIG_\w+)=(.*)$", open(cfgj["kernel_config"]).read(), re.M))
    dump = os.path.join(bdir, "elf-nopaging.vmcore")
    koff = hexint(value(t, "kaslr_offset"))
    want_off = int(kconf["CONFIG_KASAN_SHADOW_OFFSET"], 16)
    diag("%s: %s, KERNELOFFSET 0x%x, CONFIG_KASAN_SHADOW_OFFSET 0x%x" % (boot, t.get("uname"), koff, want_off))
    rep = kasan_report(os.path.join(bdir, "console.log"))

    # ---- (c) mode and offset, three ways to the symbols, two dump formats
    flat = os.path.join(bdir, "kdump-zlib.flat")
    for label, extra, d in (("kallsyms", [], dump), ("System.map", ["--system-map=" + cfgj["system_map"]], dump),
                            ("no VMCOREINFO, no symbols", ["--no-vmcoreinfo"], dump),
                            ("kdump-zlib.flat, kallsyms", [], flat)):
        rc, out, err = run(["run", "--json", "kasan-shadow"] + extra + [d])
        try:
            k = json.loads(out)["kasan"]
        except (ValueError, KeyError):
            tap(False, "%s: kasan-shadow info (%s)" % (boot, label), ["exit %d: %s" % (rc, err.strip())])
            continue
        bad = []
        if kconf.get("CONFIG_KASAN_GENERIC") != "y" or k.get("mode") != "generic":
            bad.append("mode %s, config KASAN_GENERIC=%s" % (k.get("mode"), kconf.get("CONFIG_KASAN_GENERIC")))
        if k.get("shadow_offset") is None or int(k["shadow_offset"], 16) != want_off:
            bad.append("offset %s, config 0x%x" % (k.get("shadow_offset"), want_off))
        if rc != 0 or "NOT" in k.get("offset_check", ""):
            bad.append("exit %d, check: %s %s" % (rc, k.get("offset_check"), err.strip()))
        tap(not bad, "%s: mode generic and offset 0x%x from the dump (%s: %s)" % (
            boot, want_off, label, k.get("mode_source", "")[:90]), bad)
    # the guest's own kallsyms say generic too
    gk = re.findall(r" (\S+)$", "\n".join(
        l for l in open(os.path.join(bdir, "console.log"), errors="replace").read().split(
            "@@VMSCOPE-BEGIN kasan_kallsyms")[-1].split("@@VMSCOPE-END kasan_kallsyms")[0].splitlines()), re.M)
    tap("kasan_early_shadow_page" in gk and "__asan_load8" in gk,
        "%s: the guest's /proc/kallsyms has kasan_early_shadow_page and __asan_load8" % boot, [" ".join(gk)])

    # ---- (c) layout
    rc, out, err = run(["layout", "--json", dump])
    lay = json.loads(out) if rc == 0 else {}
    keys = (("phys_base", "kaslr_offset", "page_offset_base", "vmalloc_base", "vmemmap_base")
            if arch == "x86_64" else
            ("page_offset", "phys_offset", "kimage_voffset", "kaslr_offset", "modules_vaddr",
             "vmalloc_start", "vmemmap_start"))
    bad = [] if rc == 0 else ["vmscope layout failed: %s" % err.strip()]
    for key in keys:
        want = value(t, key)
        got = (lay.get(key) or {}).get("value")
        if want is not None and (got is None or int(got, 16) != hexint(want)):
            bad.append("%s %s (%s), truth %s" % (key, got, (lay.get(key) or {}).get("source"), want))
    tap(not bad, "%s: vmscope layout equals truth.json (%s)" % (boot, ", ".join(keys)), bad)
    if arch == "x86_64":
        # arch/x86/include/asm/kasan.h, 4-level: the shadow of the upper
        # half, [offset + (0xffff800000000000 >> 3), + 2^44)
        ks_start = (want_off + (0xffff800000000000 >> 3)) & MASK
        ks_end = ks_start + (1 << 44)
    else:
        # arch/arm64/include/asm/memory.h (6.1): KASAN_SHADOW_END =
        # 2^61 + offset, START = END - 2^(vabits_actual - 3)
        ks_end = (want_off + (1 << 61)) & MASK
        ks_start = ks_end - (1 << (value(t, "va_bits_actual") - 3))
    regs = [r for r in lay.get("regions", []) if r.get("name") == "kasan-shadow"]
    got = ["%s-%s" % (r.get("start"), r.get("end")) for r in regs]
    tap(len(regs) == 1 and int(regs[0]["start"], 16) == ks_start and int(regs[0]["end"], 16) == ks_end - 1,
        "%s: layout's kasan-shadow region is [0x%x, 0x%x)" % (boot, ks_start, ks_end), ["got %s" % got])

    # ---- (a) globals: the toolchain's sizes and redzones
    nm = load_nm(cfgj["nm"])
    glob_all = kasan_globals(cfgj["vmlinux"], nm)
    e = Elf(cfgj["vmlinux"])
    keep = [s for s in e.secs if s["name"] in (".data", ".bss", ".rodata")]
    cand = sorted(b for b, (size, swr) in glob_all.items() if size <= 256 and
                  any(s["addr"] <= b and b + swr <= s["addr"] + s["size"] for s in keep))
    diag("%s: %d kasan_global records in the vmlinux, %d in .data/.bss/.rodata of <= 256 bytes" % (
        boot, len(glob_all), len(cand)))
    step = max(1, len(cand) // NGLOBALS)
    chosen = cand[::step][:NGLOBALS]
    queries, expect = [], []
    for b in chosen:
        size, swr = glob_all[b]
        rb = b + koff
        aligned = (size + 7) & ~7
        for g in range(0, swr, 8):
            queries.append(rb + g)
            if g + 8 <= size:
                expect.append((b, g, 0))
            elif g < size:
                expect.append((b, g, size % 8))
            else:
                expect.append((b, g, 0xf9))
    got_bytes = []
    errs = []
    for i in range(0, len(queries), 3000):
        part = queries[i:i + 3000]
        rc, out, err = run(["run", "--json", "kasan-shadow", dump] + ["%x" % q for q in part])
        try:
            res = json.loads(out)["results"]
        except (ValueError, KeyError):
            errs.append("exit %d: %s" % (rc, err.strip()[:300]))
            break
        for q, r in zip(part, res):
            want_sh = ((q >> 3) + want_off) & MASK
            sb = r.get("shadow_byte")
            got_bytes.append(int(sb, 16) if isinstance(sb, str) and sb.startswith("0x") else None)
            if int(r["shadow"], 16) != want_sh:
                errs.append("0x%x: shadow %s, want 0x%x" % (q, r["shadow"], want_sh))
    wrong = {}
    for (b, g, want), gotb in zip(expect, got_bytes):
        if gotb != want:
            wrong.setdefault(b, []).append("+%d: %s want %02x" % (g, "??" if gotb is None else "%02x" % gotb, want))
    nbad = len(wrong)
    tap(len(chosen) >= min(200, len(cand)) and len(got_bytes) == len(queries) and not wrong and not errs,
        "%s: %d globals: shadow of [sym, sym+size) is 00/partial as nm's size says, redzone after it f9 "
        "(%d shadow bytes)" % (boot, len(chosen), len(queries)),
        errs[:5] + ["%s (0x%x, size %d): %s" % (nm[b][1], b + koff, glob_all[b][0], ", ".join(w[:4]))
                    for b, w in list(wrong.items())[:8]] + (["%d globals wrong" % nbad] if nbad else []))

    # ---- (b) KASAN's memory-state view
    if not rep["rows"] or rep["addr"] is None:
        tap(False, "%s: the console holds a KASAN report with its memory state" % boot,
            ["bug %s, addr %s, %d rows" % (rep["bug"], rep["addr"], len(rep["rows"]))])
        continue
    diag("%s: console: BUG: KASAN: %s, buggy address 0x%x" % (boot, rep["bug"], rep["addr"]))
    rc, out, err = run(["run", "kasan-shadow", dump, "--state", "%x" % rep["addr"]])
    lines = out.splitlines()
    mine = []
    caret = None
    for l in lines[lines.index("Memory state around the buggy address:") + 1:] if \
            "Memory state around the buggy address:" in lines else []:
        m = ROW.match(l)
        if m:
            mine.append((m.group(1) == ">", int(m.group(2), 16), m.group(3)))
        elif l.strip() == "^":
            caret = len(l)
    cb = [r for r in rep["rows"] if r[0]]
    vb = [r for r in mine if r[0]]
    tap(rc == 0 and len(cb) == 1 and cb == vb and caret == rep["caret"],
        "%s: --state prints the report's buggy row and '^' (%s)" % (boot, cb[0][2] if cb else "-"),
        ["console: %s caret %s" % (cb, rep["caret"]), "vmscope: %s caret %s" % (vb, caret), err.strip()])
    same = sum(1 for a, b in zip(rep["rows"], mine) if a == b)
    tap(len(mine) == 5 and [r[1] for r in mine] == [r[1] for r in rep["rows"]],
        "%s: --state prints the report's 5 row addresses (%d of 5 rows identical byte for byte; the "
        "others may change after the report, see the header)" % (boot, same),
        ["console  %s%016x: %s" % (">" if r[0] else " ", r[1], r[2]) for r in rep["rows"]] +
        ["vmscope  %s%016x: %s" % (">" if r[0] else " ", r[1], r[2]) for r in mine], always=True)
    rc, out, err = run(["run", "--json", "kasan-shadow", dump, "--state", "%x" % rep["addr"]])
    try:
        js = json.loads(out)["memory_state"]["rows"]
        ok = [r["bytes"] for r in js if r["buggy_row"]] == [cb[0][2]] and \
             [r.get("caret_column") for r in js if r["buggy_row"]] == [rep["caret"]]
    except (ValueError, KeyError, IndexError):
        ok, js = False, out[:200]
    tap(ok, "%s: --state --json has the same buggy row and caret column" % boot, [str(js)[:300]])
    rc, out, err = run(["run", "kasan-shadow", flat, "--state", "%x" % rep["addr"]])
    tap(rc == 0 and ">%016x: %s" % (cb[0][1], cb[0][2]) in out.splitlines(),
        "%s: the same buggy row from kdump-zlib.flat" % boot, [err.strip()])

    # ---- (c) decode of the buggy granule's shadow byte
    granule = cb[0][1] + ((rep["caret"] - 20) // 3) * 8
    shadow = ((granule >> 3) + want_off) & MASK
    want_byte = int(cb[0][2].split()[(rep["caret"] - 20) // 3], 16)
    rc, out, err = run(["decode", "--json", dump, "%x" % shadow])
    try:
        r = json.loads(out)["results"][0]
        ok = (r.get("region") == "kasan-shadow" and r.get("plugin") == "kasan-shadow" and
              int(r["covers_start"], 16) == granule and int(r["shadow_byte"], 16) == want_byte)
    except (ValueError, KeyError, IndexError):
        ok, r = False, out[:300]
    tap(ok, "%s: decode of shadow 0x%x: kasan-shadow covers 0x%x, byte %02x as reported" % (
        boot, shadow, granule, want_byte), [str(r)[:400], err.strip()])
    # decode --summary over the buggy row's 16 shadow bytes: the report's counts
    row_sh = ((cb[0][1] >> 3) + want_off) & MASK
    want_hist = {}
    for b in cb[0][2].split():
        want_hist[int(b, 16)] = want_hist.get(int(b, 16), 0) + 1
    rc, out, err = run(["decode", "--json", "--summary", "--count=16", dump, "%x" % row_sh])
    try:
        r = json.loads(out)["results"][0]
        got_hist = {int(v["value"], 16): v["count"] for v in r["values"]}
    except (ValueError, KeyError, IndexError):
        got_hist, r = None, out[:300]
    tap(got_hist == want_hist, "%s: decode --summary of the buggy row's shadow counts its bytes as the "
        "report shows them (%s)" % (boot, ", ".join("%02x x%d" % kv for kv in sorted(want_hist.items()))),
        [str(r)[:300], err.strip()])

# ---- kernels without KASAN: the other real dumps, when they are cached
# (this test does not build them; tests/real-ensure.sh does)
cache_root = os.path.dirname(os.path.dirname(boots))
plain = sorted(glob.glob(os.path.join(cache_root, "v*", "boots", "*-4*kaslr@*", "truth.json")))
for arch in ("x86_64", "arm64"):
    tp = next((p for p in plain if json.load(open(p))["arch"] == arch and
               json.load(open(p)).get("has_vmcoreinfo")), None)
    if tp is None:
        print("ok %d # SKIP %s kernel without KASAN: no cached real dump in %s" % (n_tests + 1, arch, cache_root))
        n_tests += 1
        continue
    d = os.path.join(os.path.dirname(tp), "elf-nopaging.vmcore")
    name = os.path.basename(os.path.dirname(tp))
    for extra in ([], ["--no-vmcoreinfo"]):
        rc, out, err = run(["run", "--json", "kasan-shadow"] + extra + [d, "ffffffff81000000" if arch == "x86_64"
                                                                      else "ffff800008000000"])
        try:
            mode = json.loads(out)["kasan"]["mode"]
        except (ValueError, KeyError):
            mode = None
        tap(rc == 1 and mode == "none" and "has no KASAN" in err and "results" not in out,
            "%s%s (no KASAN): mode none, exit 1, '%s'" % (name, " --no-vmcoreinfo" if extra else "",
                                                         err.strip()[:70]), [out[:200]])

print("1..%d" % n_tests)
sys.exit(1 if n_failed else 0)
EOF
