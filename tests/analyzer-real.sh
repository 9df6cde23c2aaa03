#!/bin/sh
# Layout detection and vtop on real QEMU dumps of Debian kernels, checked
# against the ground truth (truth.json, see tests/real/README.md) and against
# libkdumpfile's addrxlat.
#
#   tests/analyzer-real.sh [VMSCOPE] [CACHE_DIR]
#
# For every x86_64 boot with a truth.json: `vmscope layout --json` with and
# without VMCOREINFO must give the truth's phys_base, kaslr_offset,
# page_offset_base, vmalloc_base, vmemmap_base and paging levels; then
# `vmscope vtop` of >= 10,000 random mapped kernel addresses (direct map,
# kernel text, vmemmap, vmalloc/modules samples) must match addrxlat.
# Exits 77 (skip) when no real dumps exist or python3-kdumpfile is missing.
set -u
VMSCOPE=${1:-./vmscope}
CACHE=${2:-${VMS_REAL_DIR:-$HOME/.cache/vmscope/real}}
NADDR=${VMS_REAL_NADDR:-10000}

if ! ls "$CACHE"/*/boots/*/truth.json >/dev/null 2>&1 &&
   ! ls "$CACHE"/boots/*/truth.json >/dev/null 2>&1; then
	echo "SKIP: no real dumps with truth.json under $CACHE (run tests/real/make-real-dumps.sh)"
	exit 77
fi
if ! /usr/bin/python3 -c 'import kdumpfile, addrxlat' 2>/dev/null; then
	echo "SKIP: python3 kdumpfile/addrxlat bindings are missing"
	exit 77
fi

exec /usr/bin/python3 - "$VMSCOPE" "$CACHE" "$NADDR" <<'EOF'
import glob, json, os, random, subprocess, sys
import kdumpfile, addrxlat

vmscope, cache, naddr = sys.argv[1], sys.argv[2], int(sys.argv[3])
fails = 0
checked = 0

def run(args):
    p = subprocess.run([vmscope] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

def fail(msg):
    global fails
    fails += 1
    print("not ok:", msg)

truths = sorted(glob.glob(os.path.join(cache, "*/boots/*/truth.json")) +
                glob.glob(os.path.join(cache, "boots/*/truth.json")))
for tpath in truths:
    t = json.load(open(tpath))
    if t.get("arch", {}).get("value", t.get("arch")) not in ("x86_64", None):
        continue
    bdir = os.path.dirname(tpath)
    # The ELF dumps: QEMU with and without paging; kdump-compressed too.
    dumps = [f["name"] for f in t.get("files", []) if f["format"] in ("elf", "kdump-compressed")
             and not f["name"].startswith("mdf-split")]
    if not dumps:
        continue
    want = {k: (t.get(k) or {}).get("value") for k in
            ("phys_base", "kaslr_offset", "page_offset_base", "vmalloc_base", "vmemmap_base")}
    levels = (t.get("paging_levels") or {}).get("value")
    for name in dumps:
        path = os.path.join(bdir, name)
        for novmci in (False, True):
            args = ["layout", "--json"] + (["--no-vmcoreinfo"] if novmci else []) + [path]
            rc, out, err = run(args)
            tag = "%s/%s%s" % (os.path.basename(bdir), name, " (no vmcoreinfo)" if novmci else "")
            if rc != 0:
                fail("%s: layout failed: %s" % (tag, err.strip()))
                continue
            lay = json.loads(out)
            for k, v in want.items():
                if v is None:
                    continue
                got = (lay.get(k) or {}).get("value")
                checked += 1
                if got is None or int(got, 16) != int(v, 16):
                    fail("%s: %s = %s (%s), truth %s" % (tag, k, got, lay.get(k, {}).get("source"), v))
            if levels is not None:
                checked += 1
                if lay["paging_levels"] != int(levels):
                    fail("%s: paging_levels %s, truth %s" % (tag, lay["paging_levels"], levels))
    # vtop against addrxlat, on the first ELF dump.
    elf = next((d for d in dumps if d.endswith(".elf") or "elf" in d), dumps[0])
    path = os.path.join(bdir, elf)
    k = kdumpfile.kdumpfile(path)
    k.attr["addrxlat.ostype"] = "linux"
    ctx, sy = k.get_addrxlat_ctx(), k.get_addrxlat_sys()
    def ax(va):
        a = addrxlat.FullAddress(addrxlat.KVADDR, va)
        try:
            a.conv(addrxlat.MACHPHYSADDR, ctx, sy)
            return a.addr
        except Exception:
            return None
    rnd = random.Random(1234)
    pob = int(want["page_offset_base"], 16)
    vmm = int(want["vmemmap_base"], 16)
    vmb = int(want["vmalloc_base"], 16)
    text = 0xffffffff81000000 + int(want["kaslr_offset"] or "0x0", 16)
    ram = t.get("memory_mib", {}).get("value") if isinstance(t.get("memory_mib"), dict) else None
    ram = int(ram or 512) << 20
    addrs = []
    tries = 0
    while len(addrs) < naddr and tries < 50 * naddr:
        tries += 1
        r = rnd.random()
        if r < 0.45:
            va = pob + rnd.randrange(0, ram)
        elif r < 0.65:
            va = text + rnd.randrange(0, 24 << 20)
        elif r < 0.85:
            va = vmm + rnd.randrange(0, (ram >> 12) * 64)
        elif r < 0.95:
            va = vmb + rnd.randrange(0, 1 << 32)
        else:
            va = 0xffffffffc0000000 + rnd.randrange(0, 1 << 28)
        pa = ax(va)
        if pa is not None:
            addrs.append((va, pa))
    chunk = 2000
    mism = 0
    for i in range(0, len(addrs), chunk):
        part = addrs[i:i + chunk]
        rc, out, err = run(["vtop", "--json", path] + ["0x%x" % va for va, _ in part])
        res = json.loads(out)["translations"]
        for (va, pa), r in zip(part, res):
            checked += 1
            if "paddr" not in r or int(r["paddr"], 16) != pa:
                mism += 1
                if mism <= 10:
                    fail("%s: vtop 0x%x = %s, addrxlat 0x%x" % (elf, va, r.get("paddr", r.get("error")), pa))
    if mism > 10:
        fail("%s: %d more vtop mismatches" % (elf, mism - 10))
    print("# %s: %d addresses compared with addrxlat, %d mismatches" % (elf, len(addrs), mism))
print("%d checks, %d failures" % (checked, fails))
sys.exit(1 if fails else 0)
EOF
