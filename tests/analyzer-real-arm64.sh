#!/bin/sh
# The arm64 analyzer on real QEMU dumps of Debian kernels (TAP).
#
#   tests/analyzer-real-arm64.sh [VMSCOPE] [CACHE_DIR]
#
# For every arm64-* boot with a truth.json (tests/real/README.md):
#  - `vmscope layout --json` on each ELF and kdump file must give truth's
#    page_size, va_bits, va_bits_actual, page_offset, phys_offset,
#    kimage_voffset, kaslr_offset, modules_vaddr, vmalloc_start and
#    vmemmap_start;
#  - with --no-vmcoreinfo the ELF files must still give the page size, the
#    runtime VA size, the linear map (page_offset and the linear offset
#    PA - VA) and kimage_voffset; the kernel release from the linux_banner
#    must be truth's kernel_release (and the banner end with uname's
#    version), and the KASLR offset truth's (so KIMAGE_VADDR + offset is
#    kallsyms' _text where the guest's kallsyms has it);
#    QEMU's kdump files, whose header names no machine, must fail with a
#    clear message instead of guessing;
#  - the kernel-image region and kernel_image_size must match /proc/kcore's
#    text segment (_text, _end - _text), hold the guest's image symbols, and
#    ptov of their physical addresses (those addrxlat maps) must give them;
#  - `vmscope vtop` of >= VMS_REAL_NADDR (10,000) random kernel addresses
#    that libkdumpfile's addrxlat maps (linear map, image, vmemmap, modules,
#    vmalloc) must give addrxlat's physical address.
# Skips when the dumps or python3-kdumpfile are absent; with
# VMSCOPE_REQUIRE_REAL=1 their absence is a failure instead.
set -u
. "${top_srcdir:-.}/tests/tap.sh"
VMSCOPE=${1:-${VMSCOPE:-./vmscope}}
CACHE=${2:-${VMS_REAL_DIR:-$HOME/.cache/vmscope/real}}
NADDR=${VMS_REAL_NADDR:-10000}

missing() {
	if [ "${VMSCOPE_REQUIRE_REAL:-0}" = 1 ]; then
		tap_result fail "real arm64 dumps required: $1"
	else
		tap_skip "real arm64 dumps" "$1"
	fi
	tap_done
	exit $?
}

ls "$CACHE"/v1/boots/arm64-*/truth.json >/dev/null 2>&1 ||
	missing "no arm64 boots with truth.json under $CACHE/v1/boots (run tests/real/make-real-dumps.sh)"
/usr/bin/python3 -c 'import kdumpfile, addrxlat' 2>/dev/null ||
	missing "python3 kdumpfile/addrxlat bindings are missing"

exec /usr/bin/python3 - "$VMSCOPE" "$CACHE" "$NADDR" <<'EOF'
import glob, json, os, random, re, subprocess, sys
import kdumpfile, addrxlat

vmscope, cache, naddr = sys.argv[1], sys.argv[2], int(sys.argv[3])
M64 = (1 << 64) - 1
n = 0
failed = 0

def tap(ok, desc, diag=None):
    global n, failed
    n += 1
    print(("ok %d - %s" if ok else "not ok %d - %s") % (n, desc))
    if not ok:
        failed += 1
        if diag:
            print("#   " + str(diag).replace("\n", "\n#   "))

def run(args):
    p = subprocess.run([vmscope] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

def hx(v):
    return None if v is None else int(v, 16) if isinstance(v, str) else int(v)

def tval(t, k):
    e = t.get(k)
    return e.get("value") if isinstance(e, dict) else e

KEYS = ("page_offset", "phys_offset", "kimage_voffset", "kaslr_offset",
        "modules_vaddr", "vmalloc_start", "vmemmap_start")

boots = sorted(glob.glob(os.path.join(cache, "v1/boots/arm64-*/truth.json")))
for tpath in boots:
    t = json.load(open(tpath))
    bdir = os.path.dirname(tpath)
    boot = os.path.basename(bdir)
    files = [f["name"] for f in t.get("files", []) if f["format"] in ("elf", "kdump-compressed", "flattened")
             and not f["name"].startswith("mdf-split") and os.path.exists(os.path.join(bdir, f["name"]))]
    if not files:
        files = [f for f in ("elf-paging.vmcore", "elf-nopaging.vmcore", "qemu-zlib.kdump")
                 if os.path.exists(os.path.join(bdir, f))]
    va_bits = tval(t, "va_bits")
    truth_lin = None	# PA - VA of the linear map, per truth
    if va_bits and tval(t, "phys_offset"):
        truth_lin = (hx(tval(t, "phys_offset")) + (1 << va_bits)) & M64
    for name in files:
        path = os.path.join(bdir, name)
        for novmci in (False, True):
            tag = "%s/%s%s" % (boot, name, " --no-vmcoreinfo" if novmci else "")
            rc, out, err = run(["layout", "--json"] + (["--no-vmcoreinfo"] if novmci else []) + [path])
            if novmci and not name.startswith("elf"):
                # The kdump header of QEMU's arm64 files names no machine.
                tap(rc != 0 and "architecture" in err or rc == 0,
                    "%s: no architecture to go on: fails cleanly (%s)" % (tag, err.strip()[:100]),
                    err)
                continue
            if rc != 0:
                tap(False, "%s: layout" % tag, err)
                continue
            lay = json.loads(out)
            got = {k: hx((lay.get(k) or {}).get("value")) for k in KEYS}
            src = {k: (lay.get(k) or {}).get("source") for k in KEYS}
            if not novmci:
                bad = []
                for k, want in [("page_size", tval(t, "page_size")), ("va_bits", va_bits),
                                ("va_bits_actual", tval(t, "va_bits_actual"))]:
                    if want is not None and lay.get(k) != want:
                        bad.append("%s %s, truth %s" % (k, lay.get(k), want))
                for k in KEYS:
                    want = hx(tval(t, k))
                    if want is not None and got[k] != want:
                        bad.append("%s %s (%s), truth 0x%x" % (k, None if got[k] is None else hex(got[k]),
                                                              src[k], want))
                kver = lay.get("kernel_version") or {}
                if kver.get("source") != "vmcoreinfo" or \
                   'release "%s"' % t.get("kernel_release") not in kver.get("note", ""):
                    bad.append("kernel_version %s" % kver)
                tap(not bad, "%s: layout equals truth.json (page size %s, VA %s/%s, %d values)" %
                    (tag, lay.get("page_size"), lay.get("va_bits"), lay.get("va_bits_actual"), len(KEYS)),
                    "; ".join(bad))
            else:
                bad = []
                if lay.get("page_size") != tval(t, "page_size"):
                    bad.append("page_size %s" % lay.get("page_size"))
                if lay.get("va_bits_actual") != tval(t, "va_bits_actual"):
                    bad.append("va_bits_actual %s" % lay.get("va_bits_actual"))
                if got["page_offset"] != hx(tval(t, "page_offset")):
                    bad.append("page_offset %s" % got["page_offset"])
                if got["kimage_voffset"] != hx(tval(t, "kimage_voffset")):
                    bad.append("kimage_voffset %s" % got["kimage_voffset"])
                # Without VA_BITS a 52-bit kernel on smaller hardware looks
                # like a smaller one: PHYS_OFFSET is then relative to the
                # effective PAGE_OFFSET; the translation is the same.
                lin = None if got["phys_offset"] is None else (got["phys_offset"] - got["page_offset"]) & M64
                if truth_lin is not None and lin != truth_lin:
                    bad.append("linear offset %s, truth 0x%x" % (None if lin is None else hex(lin), truth_lin))
                tap(not bad, "%s: page size, VA size, linear map and kimage_voffset found" % tag,
                    "; ".join(bad))
                # The version from the linux_banner, against the guest's uname.
                kver = lay.get("kernel_version") or {}
                m = re.search(r'release "([^"]+)"', kver.get("note", ""))
                rel = m.group(1) if m else None
                uts = " ".join(t.get("uname", "").split()[3:-2])	# "#1 SMP Debian ... (date)"
                banner = [r for r in lay.get("remarks", []) if r.startswith("linux_banner at ")]
                tap(kver.get("source") == "memory" and rel == t.get("kernel_release") and
                    len(banner) == 1 and banner[0].endswith(") " + uts) and
                    "Linux version %s (" % rel in banner[0],
                    "%s: kernel release %s from the linux_banner (truth %s)" % (tag, rel, t.get("kernel_release")),
                    "%s; %s; uname version '%s'" % (kver, banner, uts))
                want = hx(tval(t, "kaslr_offset"))
                ktext = hx(t.get("kallsyms", {}).get("_text"))
                text = None if got["kaslr_offset"] is None else (hx(t["kimage_vaddr_default"]) + got["kaslr_offset"]) & M64
                tap(got["kaslr_offset"] == want and src["kaslr_offset"] == "page_tables" and
                    (ktext is None or text == ktext) and
                    not (lay.get("kaslr_offset") or {}).get("conflict", True),
                    "%s: kaslr_offset %s equals truth 0x%x; _text %s%s" %
                    (tag, None if got["kaslr_offset"] is None else hex(got["kaslr_offset"]), want,
                     None if text is None else hex(text),
                     " = kallsyms" if ktext is not None else " (guest kallsyms has no _text)"),
                    lay.get("kaslr_offset"))

    # vtop against addrxlat on the first ELF file.
    elf = next((f for f in files if f.startswith("elf")), None)
    if elf is None:
        continue
    path = os.path.join(bdir, elf)

    k = kdumpfile.kdumpfile(path)
    k.attr["addrxlat.ostype"] = "linux"
    ctx, sy = k.get_addrxlat_ctx(), k.get_addrxlat_sys()
    # python3-addrxlat 0.5.1 looks up ctx.cb_read_caps, which the kdumpfile
    # context lacks, so every page-table walk fails; give it the caps.
    caps = ctx.next_read_caps()
    caps = caps[0] if isinstance(caps, tuple) else caps
    ctx.cb_read_caps = lambda *a: caps

    def ax(va):
        a = addrxlat.FullAddress(addrxlat.KVADDR, va)
        try:
            a.conv(addrxlat.MACHPHYSADDR, ctx, sy)
            return a.addr
        except Exception:
            return None

    # The kernel image against /proc/kcore's text segment (_text, _end -
    # _text): the region covers [_stext, _end) (and _text unless vmalloc
    # reuses the unmapped header), image symbols are in it, and ptov of
    # their physical addresses gives them back.
    text = hx(t["kimage_vaddr_default"]) + hx(tval(t, "kaslr_offset"))
    seg = next((s for s in t.get("kcore_segments", []) if hx(s["vaddr"]) == text), None)
    stext = hx(t.get("vmcoreinfo", {}).get("SYMBOL(_stext)"))
    if seg is None or stext is None:
        print("ok %d # SKIP %s: kernel image: truth has no kcore text segment or SYMBOL(_stext)" % (n + 1, boot))
        n += 1
    else:
        end = text + hx(seg["size"])
        rc, out, err = run(["layout", "--json", path])
        lay = json.loads(out) if rc == 0 else {}
        img = [r for r in lay.get("regions", []) if r["name"] == "kernel-image"]
        size = hx((lay.get("kernel_image_size") or {}).get("value"))
        tap(len(img) == 1 and text <= hx(img[0]["start"]) <= stext and hx(img[0]["end"]) == end - 1
            and size == end - text,
            "%s/%s: kernel-image region %s-%s, size %s; kcore: _text 0x%x, _end 0x%x" %
            (boot, elf, img[0]["start"] if img else None, img[0]["end"] if img else None,
             None if size is None else hex(size), text, end), err)
        kv = hx(tval(t, "kimage_voffset"))
        syms = {k: hx(v) for k, v in t.get("kallsyms", {}).items() if text <= hx(v) < end and k != "_text"}
        for k, v in t.get("variable_addresses", {}).items():
            if v.get("address") and v.get("kind") in ("physical", "virtual"):
                syms[k] = hx(v["address"]) + (kv if v["kind"] == "physical" else 0) & M64
        # The last page before _end (bss, after the freed init section).
        syms["_end - page"] = end - tval(t, "page_size")
        names = sorted(syms)
        rc, out, err = run(["region", "--json", path] + ["0x%x" % syms[k] for k in names])
        got = [a["name"] for a in json.loads(out)["addresses"]] if rc == 0 else []
        bad = ["%s 0x%x: %s" % (k, syms[k], g) for k, g in zip(names, got) if g != "kernel-image"]
        tap(rc == 0 and len(got) == len(names) and len(names) >= 2 and not bad,
            "%s/%s: %d image symbols (%s...) are in kernel-image" % (boot, elf, len(names), ", ".join(names[:3])),
            "\n".join(bad) or err)
        # Only what the tables map has an alias (per-cpu symbols point
        # into the freed init section).
        names = [k for k in names if ax(syms[k]) == (syms[k] - kv) & M64]
        rc, out, err = run(["ptov", "--json", path] + ["0x%x" % ((syms[k] - kv) & M64) for k in names])
        res = json.loads(out) if rc == 0 else {}
        res = res.get("addresses", res.get("results", [])) if isinstance(res, dict) else res
        bad = ["%s: %s" % (k, r) for k, r in zip(names, res) if hx(r.get("kernel_text") or r.get("ktext")) != syms[k]]
        tap(rc == 0 and len(res) == len(names) and not bad,
            "%s/%s: ptov of the physical addresses of the %d that addrxlat maps gives the image alias" %
            (boot, elf, len(names)),
            "\n".join(bad[:10]) or err or out[:300])

    rnd = random.Random(4321)
    po = hx(tval(t, "page_offset"))
    lin = truth_lin
    ram = [(hx(r["start"]), hx(r["end"]) + 1) for r in t.get("ram_ranges", [])]
    text = hx(t["kimage_vaddr_default"]) + hx(tval(t, "kaslr_offset"))
    vms = hx(tval(t, "vmemmap_start"))
    mods = hx(tval(t, "modules_vaddr"))
    vst = hx(tval(t, "vmalloc_start"))
    psz = tval(t, "page_size")
    phys_off = hx(tval(t, "phys_offset"))
    addrs, kinds, tries = [], {}, 0
    while len(addrs) < naddr and tries < 40 * naddr:
        tries += 1
        r = rnd.random()
        if r < 0.45 and ram and lin is not None:
            lo, hi = rnd.choice(ram)
            va, kind = (lo + rnd.randrange(0, hi - lo) - lin) & M64, "linear"
        elif r < 0.70:
            va, kind = text + rnd.randrange(0, 48 << 20), "image"
        elif r < 0.85 and ram:
            # the struct page of a RAM page: VMEMMAP_START + (PA - PHYS_OFFSET) / page * 64
            lo, hi = rnd.choice(ram)
            p = lo + rnd.randrange(0, hi - lo)
            va = vms + (((p - phys_off) & M64) >> (psz.bit_length() - 1)) * 64 + rnd.randrange(0, 64)
            kind = "vmemmap"
        elif r < 0.93:
            va, kind = mods + rnd.randrange(0, 1 << 31), "modules"
        else:
            va, kind = vst + rnd.randrange(0, 1 << 36), "vmalloc"
        va &= M64
        pa = ax(va)
        if pa is not None:
            addrs.append((va, pa))
            kinds[kind] = kinds.get(kind, 0) + 1
    mism, shown = 0, []
    for i in range(0, len(addrs), 2000):
        part = addrs[i:i + 2000]
        rc, out, err = run(["vtop", "--json", path] + ["0x%x" % va for va, _ in part])
        try:
            res = json.loads(out)["translations"]
        except Exception:
            res = [{}] * len(part)
        for (va, pa), r in zip(part, res):
            if "paddr" not in r or int(r["paddr"], 16) != pa:
                mism += 1
                if len(shown) < 10:
                    shown.append("vtop 0x%x = %s, addrxlat 0x%x" % (va, r.get("paddr", r.get("error")), pa))
    tap(len(addrs) >= naddr and mism == 0,
        "%s/%s: vtop of %d mapped kernel addresses (%s) equals addrxlat, %d mismatches" %
        (boot, elf, len(addrs), ", ".join("%s %d" % kv for kv in sorted(kinds.items())), mism),
        "\n".join(shown) or "only %d addresses that addrxlat maps" % len(addrs))

if not boots:
    print("1..0 # SKIP no arm64 boots")
    sys.exit(0)
print("1..%d" % n)
sys.exit(1 if failed else 0)
EOF
