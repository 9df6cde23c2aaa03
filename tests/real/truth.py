#!/usr/bin/python3
"""Write truth.json for one boot of the vmscope real-dump bench.

Usage: truth.py BOOT_DIR CONFIG_JSON
BOOT_DIR holds console.log, the dumps and conversions.tsv; CONFIG_JSON is the
configuration the host asked for (name, arch, kernel_release, kernel_config,
paging_levels, kaslr, panic, vmcoreinfo, memory_mib, cpu, append).

Every base value is established from at least two independent sources:
  kcore           the guest's own /proc/kcore program headers (printed on the
                  serial console before the dump);
  dump_variable   the kernel variable read from the dump (libkdumpfile, ELF
                  dump, at its /proc/kallsyms address or, where kallsyms lacks
                  data symbols, at the address found through __ksymtab);
  dump_elf_vaddr  the same variable read through the virtual addresses of
                  QEMU's paging ELF dump (QEMU's own page-table walk);
  vmcoreinfo      the VMCOREINFO note inside the dump;
  kallsyms/iomem/formula  as named.
"agree" is true when all sources present give the same value.
"""
import json
import os
import re
import struct
import sys

MASK64 = (1 << 64) - 1
START_KERNEL_MAP = 0xffffffff80000000
X86_DEFAULT_TEXT = 0xffffffff81000000


def hx(v):
    return None if v is None else "0x%x" % (v & MASK64)


def s64(v):
    v &= MASK64
    return v - (1 << 64) if v >> 63 else v


# ----------------------------------------------------------------- console
def sections(log):
    out, cur, name = {}, None, None
    for line in log.splitlines():
        line = line.rstrip("\r")
        m = re.match(r"^@@VMSCOPE-BEGIN (\S+)$", line)
        if m:
            name, cur = m.group(1), []
            continue
        if name and line == "@@VMSCOPE-END " + name:
            out[name] = cur
            name, cur = None, None
            continue
        if cur is not None:
            cur.append(line)
    return out


def parse_kallsyms(lines):
    syms = {}
    for l in lines:
        p = l.split()
        if len(p) >= 3 and re.fullmatch(r"[0-9a-f]{8,16}", p[0]):
            syms.setdefault(p[2], int(p[0], 16))
    return syms


def parse_iomem(lines):
    ram, res = [], []
    for l in lines:
        m = re.match(r"^(\s*)([0-9a-f]+)-([0-9a-f]+) : (.*)$", l)
        if not m:
            continue
        ent = {"start": hx(int(m.group(2), 16)), "end": hx(int(m.group(3), 16)),
               "name": m.group(4), "depth": len(m.group(1)) // 2}
        res.append(ent)
        if m.group(4) == "System RAM" and ent["depth"] == 0:
            ram.append({"start": ent["start"], "end": ent["end"]})
    return ram, res


def parse_kcore(lines):
    data = bytes.fromhex("".join(l.strip() for l in lines))
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    phoff = struct.unpack_from("<Q", data, 32)[0]
    phnum = struct.unpack_from("<H", data, 56)[0]
    segs = []
    for i in range(phnum):
        o = phoff + i * 56
        if o + 56 > len(data):
            break
        t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", data, o)
        if t == 1:
            segs.append({"vaddr": va, "paddr": pa, "size": ms})
    return segs


# ----------------------------------------------------------------- ELF dump
class ElfDump:
    def __init__(self, path):
        self.path = path
        self.f = open(path, "rb")
        h = self.f.read(64)
        assert h[:4] == b"\x7fELF", path
        self.machine = struct.unpack_from("<H", h, 18)[0]
        phoff = struct.unpack_from("<Q", h, 32)[0]
        phnum = struct.unpack_from("<H", h, 56)[0]
        self.f.seek(phoff)
        tab = self.f.read(phnum * 56)
        self.loads, self.notes = [], []
        for i in range(phnum):
            t, fl, off, va, pa, fs, ms, al = struct.unpack_from("<IIQQQQQQ", tab, i * 56)
            if t == 1:
                self.loads.append((va, pa, off, fs))
            elif t == 4:
                self.notes.append((off, fs))

    def note_list(self):
        res = []
        for off, size in self.notes:
            self.f.seek(off)
            d = self.f.read(size)
            p = 0
            while p + 12 <= len(d):
                nsz, dsz, typ = struct.unpack_from("<III", d, p)
                p += 12
                name = d[p:p + nsz].rstrip(b"\0").decode("latin-1")
                p += (nsz + 3) & ~3
                desc = d[p:p + dsz]
                p += (dsz + 3) & ~3
                res.append((name, typ, desc))
        return res

    def vmcoreinfo(self):
        for name, typ, desc in self.note_list():
            if name == "VMCOREINFO":
                return desc.rstrip(b"\0").decode("latin-1")
        return None

    def read(self, addr, size, virtual):
        for va, pa, off, fs in self.loads:
            base = va if virtual else pa
            if base <= addr and addr + size <= base + fs:
                self.f.seek(off + addr - base)
                return self.f.read(size)
        return None

    def read_u64(self, addr, virtual):
        d = self.read(addr, 8, virtual)
        return None if d is None or len(d) < 8 else struct.unpack("<Q", d)[0]


class NoDump:
    """Stands in for a dump that was not made: every read gives None."""
    def read_u64(self, addr, virtual):
        return None


def parse_vmcoreinfo(text):
    out = {}
    if not text:
        return out
    for l in text.splitlines():
        if "=" in l:
            k, v = l.split("=", 1)
            out[k] = v
    return out


def vmci_num(vi, key, base=10):
    v = vi.get(key)
    if v is None:
        return None
    try:
        v = v.strip()
        if v.lower().startswith(("0x", "-0x")):
            return int(v, 16) & MASK64
        return int(v, base) & MASK64
    except ValueError:
        return None


class KdumpReader:
    """libkdumpfile reader (the independent tool reading the dump)."""

    def __init__(self, path):
        self.err = None
        self.k = None
        try:
            import kdumpfile
            self.mod = kdumpfile
            self.k = kdumpfile.kdumpfile(path)
            self.k.attr["addrxlat.ostype"] = "linux"
        except Exception as e:  # noqa: BLE001 - report, don't abort
            self.err = "%s: %s" % (type(e).__name__, e)

    def u64(self, addr):
        if self.k is None or addr is None:
            return None
        try:
            return struct.unpack("<Q", self.k.read(self.mod.KDUMP_KVADDR, addr, 8))[0]
        except Exception as e:  # noqa: BLE001
            self.err = "%s: %s" % (type(e).__name__, e)
            return None


def ksymtab_lookup(dump, names, lo, hi):
    """Find exported symbols' physical addresses via __ksymtab (PREL32 entries:
    value_offset, name_offset, namespace_offset) in physical range [lo, hi)."""
    blob = dump.read(lo, hi - lo, False)
    if blob is None:
        # fall back to reading piecewise from the segment that contains lo
        return {}
    targets = {}
    for n in names:
        key = b"\0" + n.encode() + b"\0"
        i = blob.find(key)
        while i >= 0:
            targets[i + 1] = n
            i = blob.find(key, i + 1)
    found = {}
    if not targets:
        return found
    n_ints = len(blob) // 4
    vals = struct.unpack("<%di" % n_ints, blob[:n_ints * 4])
    for idx in range(1, n_ints):
        pos = idx * 4
        t = pos + vals[idx]
        if t in targets:
            name = targets[t]
            value = pos - 4 + vals[idx - 1]
            if 0 <= value < len(blob) and name not in found:
                found[name] = lo + value
    return found


# ----------------------------------------------------------------- values
def entry(sources, prefer=None):
    present = {k: v for k, v in sources.items() if v is not None}
    value = None
    for k in (prefer or []) + list(present):
        if k in present:
            value = present[k]
            break
    out = {"value": value if not isinstance(value, int) or isinstance(value, bool) else hx(value),
           "sources": {k: (hx(v) if isinstance(v, int) and not isinstance(v, bool) else v)
                       for k, v in sources.items()}}
    vals = set(present.values())
    out["agree"] = len(present) >= 2 and len(vals) == 1
    out["n_sources"] = len(present)
    return out


def num_entry(sources, prefer=None):
    """Like entry() but values stay plain integers (bits, levels, sizes)."""
    present = {k: v for k, v in sources.items() if v is not None}
    value = None
    for k in (prefer or []) + list(present):
        if k in present:
            value = present[k]
            break
    return {"value": value, "sources": sources,
            "agree": len(present) >= 2 and len(set(present.values())) == 1,
            "n_sources": len(present)}


def classify_kcore(segs, arch, text_vaddr):
    none = MASK64
    ram = [s for s in segs if s["paddr"] != none and s["vaddr"] != text_vaddr]
    text = [s for s in segs if s["paddr"] != none and s["vaddr"] == text_vaddr]
    other = [s for s in segs if s["paddr"] == none]
    vmalloc = max(other, key=lambda s: s["size"]) if other else None
    rest = [s for s in other if s is not vmalloc]
    if arch == "x86_64":
        modules = [s for s in rest if s["vaddr"] >= START_KERNEL_MAP]
        vmemmap = [s for s in rest if s["vaddr"] < START_KERNEL_MAP]
    else:
        vlo = vmalloc["vaddr"] if vmalloc else 0
        modules = [s for s in rest if s["vaddr"] < vlo]
        vmemmap = [s for s in rest if s["vaddr"] > vlo]
    return {"ram": ram, "text": text[0] if text else None, "vmalloc": vmalloc,
            "modules": modules[0] if modules else None, "vmemmap": vmemmap}


def kernel_version_tuple(rel):
    m = re.match(r"(\d+)\.(\d+)", rel)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def main():
    bdir, cfg_path = sys.argv[1], sys.argv[2]
    cfg = json.load(open(cfg_path))
    arch = cfg["arch"]
    log = open(os.path.join(bdir, "console.log"), "rb").read().decode("utf-8", "replace")
    sec = sections(log)
    ksyms = parse_kallsyms(sec.get("kallsyms", []))
    ram, iomem_all = parse_iomem(sec.get("iomem", []))
    segs = parse_kcore(sec.get("kcore_head", [])) or []
    kconf = {}
    for l in open(cfg["kernel_config"]):
        m = re.match(r"^(CONFIG_\w+)=(.*)$", l.strip())
        if m:
            kconf[m.group(1)] = m.group(2).strip('"')
    uname = " ".join(sec.get("uname", []))
    release = uname.split()[2] if len(uname.split()) > 2 else None

    nopg = ElfDump(os.path.join(bdir, "elf-nopaging.vmcore"))
    # A paging dump may be missing: QEMU cannot make one of a KASAN kernel
    # (its page-table walk visits every page of the shadow's early
    # mappings); its "dump_elf_vaddr" sources then stay empty.
    pg_path = os.path.join(bdir, "elf-paging.vmcore")
    pg = ElfDump(pg_path) if os.path.exists(pg_path) else NoDump()
    vmci_text = nopg.vmcoreinfo()
    vi = parse_vmcoreinfo(vmci_text)
    kd = KdumpReader(os.path.join(bdir, "elf-nopaging.vmcore"))

    text_va = ksyms.get("_text")
    kc = classify_kcore(segs, arch, text_va if text_va is not None else
                        next((s["vaddr"] for s in segs if s["paddr"] != MASK64 and
                              (s["vaddr"] >= START_KERNEL_MAP if arch == "x86_64" else False)), None))
    if arch == "arm64" and kc["text"] is None:
        # _text missing from kallsyms (6.1 arm64 has no KALLSYMS_ALL): the text
        # segment is the one holding _stext.
        st = ksyms.get("_stext")
        for s in segs:
            if s["paddr"] != MASK64 and st is not None and s["vaddr"] <= st < s["vaddr"] + s["size"]:
                kc = classify_kcore(segs, arch, s["vaddr"])
                break

    pagesize_kb = None
    for l in sec.get("pagesize", []):
        m = re.search(r"(\d+) kB", l)
        if m:
            pagesize_kb = int(m.group(1))
    cfg_ps = 4096 if arch == "x86_64" else next(
        (n * 1024 for n in (4, 16, 64) if kconf.get("CONFIG_ARM64_%dK_PAGES" % n) == "y"), None)
    page_size = num_entry({"kernel_config": cfg_ps,
                           "guest_smaps": pagesize_kb * 1024 if pagesize_kb else None,
                           "vmcoreinfo": vmci_num(vi, "PAGESIZE")})

    notes = {}
    # addresses of variables: kallsyms, else __ksymtab inside the dump
    var_names = (["page_offset_base", "vmalloc_base", "vmemmap_base", "phys_base",
                  "__pgtable_l5_enabled"] if arch == "x86_64" else
                 ["memstart_addr", "kimage_voffset", "vabits_actual"])
    var_addr = {n: ksyms.get(n) for n in var_names}
    var_addr_src = {n: "kallsyms" for n in var_names if var_addr[n] is not None}
    missing = [n for n in var_names if var_addr[n] is None]
    phys_found = {}
    if missing and arch == "arm64":
        code = [e for e in iomem_all if e["name"] == "Kernel code"]
        data = [e for e in iomem_all if e["name"] == "Kernel data"]
        if code and data:
            lo, hi = int(code[0]["start"], 16), int(data[0]["end"], 16) + 1
            phys_found = ksymtab_lookup(nopg, missing, lo, hi)
            for n, pa in phys_found.items():
                var_addr_src[n] = "ksymtab"
        notes["ksymtab_lookup"] = {n: hx(v) for n, v in phys_found.items()}

    def dump_var(n):
        """(libkdumpfile value, paging-ELF value) of variable n."""
        a = var_addr.get(n)
        if a is not None:
            return kd.u64(a), pg.read_u64(a, True)
        pa = phys_found.get(n)
        if pa is not None:
            # physical read of the variable found through __ksymtab; libkdumpfile
            # is still the reader (KPHYSADDR), the ELF file the second one
            v1 = None
            if kd.k is not None:
                try:
                    v1 = struct.unpack("<Q", kd.k.read(kd.mod.KDUMP_KPHYSADDR, pa, 8))[0]
                except Exception as e:  # noqa: BLE001
                    kd.err = str(e)
            return v1, nopg.read_u64(pa, False)
        return None, None

    truth = {
        "schema": "vmscope-real-truth/1",
        "config": cfg["name"],
        "arch": arch,
        "kernel_release": release,
        "kernel_package_version": cfg.get("kernel_package_version"),
        "uname": uname,
        "cmdline": " ".join(sec.get("cmdline", [])),
        "qemu": {"cpu": cfg.get("cpu"), "memory_mib": cfg.get("memory_mib"),
                 "smp": cfg.get("smp"), "vmcoreinfo_device": cfg.get("vmcoreinfo")},
        "page_size": page_size,
        "panicked": bool(cfg.get("panic")),
        "has_vmcoreinfo": vmci_text is not None,
        "vmcoreinfo": vi or None,
        "console_log": "console.log",
        "kallsyms": {k: hx(v) for k, v in sorted(ksyms.items())},
        "variable_addresses": {n: {"address": hx(var_addr.get(n) or phys_found.get(n)),
                                   "kind": "virtual" if var_addr.get(n) is not None else "physical",
                                   "source": var_addr_src.get(n)} for n in var_names},
        "ram_ranges": ram,
        "iomem": iomem_all,
        "meminfo": {l.split(":")[0]: l.split(":", 1)[1].strip() for l in sec.get("meminfo", []) if ":" in l},
        "kcore_segments": [{"vaddr": hx(s["vaddr"]), "paddr": hx(s["paddr"]), "size": hx(s["size"])} for s in segs],
        "kpageflags": sec.get("kpageflags", []),
        "processes": sec.get("ps", []),
        "modules": sec.get("modules", []),
        "guest_warnings": [l for l in log.splitlines() if l.startswith("@@VMSCOPE-WARN")],
    }

    kaslr_off_vi = vmci_num(vi, "KERNELOFFSET", 16)
    if arch == "x86_64":
        l5_kd, l5_el = dump_var("__pgtable_l5_enabled")
        levels = lambda v: None if v is None else (5 if (v & 0xffffffff) else 4)
        truth["paging_levels"] = num_entry({
            "requested": cfg.get("paging_levels"),
            "dump_variable": levels(l5_kd), "dump_elf_vaddr": levels(l5_el),
            "vmcoreinfo": levels(vmci_num(vi, "NUMBER(pgtable_l5_enabled)"))},
            prefer=["dump_variable"])
        text = kc["text"]
        kaslr = entry({
            "kallsyms": None if text_va is None else text_va - X86_DEFAULT_TEXT,
            "kcore": None if text is None else text["vaddr"] - X86_DEFAULT_TEXT,
            "vmcoreinfo": kaslr_off_vi}, prefer=["kallsyms"])
        truth["kaslr_offset"] = kaslr
        pb_kd, pb_el = dump_var("phys_base")
        kcode = next((e for e in iomem_all if e["name"] == "Kernel code"), None)
        truth["phys_base"] = entry({
            "kcore": None if text is None else (text["paddr"] - (text["vaddr"] - START_KERNEL_MAP)) & MASK64,
            "dump_variable": pb_kd, "dump_elf_vaddr": pb_el,
            "vmcoreinfo": vmci_num(vi, "NUMBER(phys_base)"),
            "iomem": None if (kcode is None or text_va is None) else
            (int(kcode["start"], 16) - (text_va - START_KERNEL_MAP)) & MASK64},
            prefer=["dump_variable", "dump_elf_vaddr"])
        po_kd, po_el = dump_var("page_offset_base")
        r = kc["ram"]
        truth["page_offset_base"] = entry({
            "kcore": (r[0]["vaddr"] - r[0]["paddr"]) & MASK64 if r else None,
            "dump_variable": po_kd, "dump_elf_vaddr": po_el},
            prefer=["dump_variable", "dump_elf_vaddr"])
        vm_kd, vm_el = dump_var("vmalloc_base")
        truth["vmalloc_base"] = entry({
            "kcore": kc["vmalloc"]["vaddr"] if kc["vmalloc"] else None,
            "dump_variable": vm_kd, "dump_elf_vaddr": vm_el},
            prefer=["dump_variable", "dump_elf_vaddr"])
        ve_kd, ve_el = dump_var("vmemmap_base")
        vk = None
        if kc["vmemmap"] and r:
            # kcore's first vmemmap segment starts at the struct page of the
            # lowest RAM pfn, rounded down to a page
            v0 = min(kc["vmemmap"], key=lambda s: s["vaddr"])
            pfn0 = min(s["paddr"] for s in r) // 4096
            vk = v0["vaddr"] - ((pfn0 * 64) & ~4095)
        truth["vmemmap_base"] = entry({"kcore": vk, "dump_variable": ve_kd, "dump_elf_vaddr": ve_el},
                                      prefer=["dump_variable", "dump_elf_vaddr"])
        truth["kaslr"] = num_entry({"requested": cfg.get("kaslr"),
                                    "derived": None if kaslr["value"] is None else int(kaslr["value"], 16) != 0})
    else:
        ver = kernel_version_tuple(release or "")
        va_bits_cfg = int(kconf.get("CONFIG_ARM64_VA_BITS", "0")) or None
        psz = page_size["value"] or 4096
        pshift = psz.bit_length() - 1
        truth["va_bits"] = num_entry({"kernel_config": va_bits_cfg,
                                      "vmcoreinfo": vmci_num(vi, "NUMBER(VA_BITS)")})
        t1sz = vmci_num(vi, "NUMBER(TCR_EL1_T1SZ)")
        r = kc["ram"]
        va_kcore = None
        if r:
            mv = min(s["vaddr"] for s in r)
            b = 63
            while b > 0 and (mv >> b) & 1:
                b -= 1
            va_kcore = b + 1
        vab_kd, vab_el = dump_var("vabits_actual")
        truth["va_bits_actual"] = num_entry({
            "kcore": va_kcore, "vmcoreinfo": None if t1sz is None else 64 - t1sz,
            "dump_variable": vab_kd, "dump_elf_vaddr": vab_el}, prefer=["dump_variable", "kcore"])
        vab = truth["va_bits_actual"]["value"]
        page_offset_kcore = None if va_kcore is None else (-(1 << va_kcore)) & MASK64
        truth["page_offset"] = entry({
            "kcore": page_offset_kcore,
            "vmcoreinfo": None if t1sz is None else (-(1 << (64 - t1sz))) & MASK64})
        ms_kd, ms_el = dump_var("memstart_addr")
        po = page_offset_kcore
        phys_kcore = None
        if r and po is not None:
            s0 = r[0]
            phys_kcore = (s0["paddr"] - (s0["vaddr"] - po)) & MASK64
        truth["phys_offset"] = entry({
            "kcore": phys_kcore, "dump_variable": ms_kd, "dump_elf_vaddr": ms_el,
            "vmcoreinfo": vmci_num(vi, "NUMBER(PHYS_OFFSET)", 16)},
            prefer=["dump_variable", "dump_elf_vaddr"])
        kv_kd, kv_el = dump_var("kimage_voffset")
        text = kc["text"]
        truth["kimage_voffset"] = entry({
            "kcore": None if text is None else (text["vaddr"] - text["paddr"]) & MASK64,
            "dump_variable": kv_kd, "dump_elf_vaddr": kv_el,
            "vmcoreinfo": vmci_num(vi, "NUMBER(kimage_voffset)", 16)},
            prefer=["dump_variable", "dump_elf_vaddr"])
        # layout constants (arch/arm64/include/asm/memory.h)
        if va_bits_cfg:
            va_min = 48 if (va_bits_cfg > 48 and ver < (6, 9)) else (47 if (va_bits_cfg > 48 and psz == 16384) else (48 if va_bits_cfg > 48 else va_bits_cfg))
            modules_vaddr = (-(1 << (va_min - 1))) & MASK64
            modules_vsize = (128 << 20) if ver < (6, 5) else (2 << 30)
            kimage_vaddr = modules_vaddr + modules_vsize
            vmemmap_shift = pshift - 6
            if ver < (6, 9):
                vmemmap_start = (-(1 << (va_bits_cfg - vmemmap_shift))) & MASK64
            else:
                rng = ((-(1 << (va_min - 1))) - (-(1 << va_bits_cfg)))
                vmemmap_start = (-(1 << 30) - (rng >> vmemmap_shift)) & MASK64
        else:
            modules_vaddr = kimage_vaddr = vmemmap_start = None
        truth["kimage_vaddr_default"] = hx(kimage_vaddr)
        truth["kaslr_offset"] = entry({
            "kallsyms": None if (text_va is None or kimage_vaddr is None) else (text_va - kimage_vaddr) & MASK64,
            "kcore": None if (text is None or kimage_vaddr is None) else (text["vaddr"] - kimage_vaddr) & MASK64,
            "vmcoreinfo": kaslr_off_vi}, prefer=["kallsyms", "kcore"])
        truth["modules_vaddr"] = entry({
            "kcore": kc["modules"]["vaddr"] if kc["modules"] else None,
            "formula": modules_vaddr,
            "vmcoreinfo": vmci_num(vi, "NUMBER(MODULES_VADDR)", 16)})
        truth["vmalloc_start"] = entry({
            "kcore": kc["vmalloc"]["vaddr"] if kc["vmalloc"] else None,
            "formula": None if kimage_vaddr is None else kimage_vaddr,
            "vmcoreinfo": vmci_num(vi, "NUMBER(VMALLOC_START)", 16)})
        vk = None
        phys_off = truth["phys_offset"]["value"]
        if kc["vmemmap"] and r and phys_off is not None:
            v0 = min(kc["vmemmap"], key=lambda s: s["vaddr"])
            pfn_delta = (min(s["paddr"] for s in r) - s64(int(phys_off, 16))) >> pshift
            vk = (v0["vaddr"] - ((pfn_delta * 64) & ~(psz - 1))) & MASK64
        truth["vmemmap_start"] = entry({"kcore": vk, "formula": vmemmap_start,
                                        "vmcoreinfo": vmci_num(vi, "NUMBER(VMEMMAP_START)", 16)})
        ko = truth["kaslr_offset"]["value"]
        truth["kaslr"] = num_entry({"requested": cfg.get("kaslr"),
                                    "derived": None if ko is None else int(ko, 16) != 0})
    truth["dump_reader_error"] = kd.err
    truth["notes"] = notes

    # ------------------------------------------------------------- files
    conv = {}
    cpath = os.path.join(bdir, "conversions.tsv")
    if os.path.exists(cpath):
        for l in open(cpath):
            p = l.rstrip("\n").split("\t")
            if len(p) >= 3:
                conv[p[0]] = {"status": p[1], "command": p[2], "message": p[3] if len(p) > 3 else ""}
    # makedumpfile's own page counts of a filtered conversion (NAME.report,
    # kept by make-real-dumps.sh): {"excluded_pages": N, "pages_filled_with_zero": N, ...}
    for name, c in conv.items():
        rpath = os.path.join(bdir, name + ".report")
        if c["status"] == "ok" and os.path.exists(rpath):
            rep = {}
            for l in open(rpath):
                m = re.match(r"^\s*([A-Za-z -]+?)\s*:\s*0x([0-9a-fA-F]+)\s*$", l)
                if m:
                    rep[m.group(1).lower().replace(" ", "_").replace("-", "_")] = int(m.group(2), 16)
            c["report"] = rep
    kinds = {
        "elf-paging.vmcore": ("elf", None, "qemu dump-guest-memory elf paging=true"),
        "elf-nopaging.vmcore": ("elf", None, "qemu dump-guest-memory elf paging=false"),
        "kdump-zlib.flat": ("kdump-flattened", "zlib", "qemu dump-guest-memory kdump-zlib"),
        "qemu-zlib.kdump": ("kdump-compressed", "zlib", "makedumpfile -R < kdump-zlib.flat"),
        "mdf-zlib.kdump": ("kdump-compressed", "zlib", "makedumpfile -c"),
        "mdf-lzo.kdump": ("kdump-compressed", "lzo", "makedumpfile -l"),
        "mdf-d31.kdump": ("kdump-compressed", "zlib", "makedumpfile -d 31 -c"),
        "mdf-zlib.flat": ("kdump-flattened", "zlib", "makedumpfile -F -c"),
        "mdf-d31.elf": ("elf", None, "makedumpfile -E -d 31"),
        "mdf-d31-lzo.kdump": ("kdump-compressed", "lzo", "makedumpfile -d 31 -l"),
    }
    files = []
    for fn in sorted(os.listdir(bdir)):
        full = os.path.join(bdir, fn)
        if not os.path.isfile(full) or fn in ("truth.json", "console.log", "config.json", "conversions.tsv"):
            continue
        m = re.match(r"^mdf-split(\d)\.(\d)$", fn)
        if m:
            fmt, comp, prod = "kdump-split", "zlib", "makedumpfile --split -c (%s parts)" % m.group(1)
        elif fn in kinds:
            fmt, comp, prod = kinds[fn]
        else:
            continue
        ent = {"name": fn, "size": os.path.getsize(full), "format": fmt,
               "compression": comp, "producer": prod}
        with open(full, "rb") as f:
            head = f.read(4096)
        if head[:8] == b"KDUMP   ":
            ent["block_size"] = struct.unpack_from("<i", head, 428)[0]
            ent["header_version"] = struct.unpack_from("<i", head, 8)[0]
        if fn.startswith("mdf-d31"):
            ent["dump_level"] = 31
        elif fn.startswith("mdf-") or fn == "qemu-zlib.kdump":
            ent["dump_level"] = 0
        if fn.startswith("mdf-split"):
            ent["split_parts"] = int(m.group(1))
            ent["split_index"] = int(m.group(2))
        files.append(ent)
    truth["files"] = files
    truth["conversions"] = conv

    checks = {k: v["agree"] for k, v in truth.items() if isinstance(v, dict) and "agree" in v}
    truth["all_agree"] = all(checks.values())
    truth["disagreements"] = sorted(k for k, v in checks.items() if not v)
    # written aside and renamed: tests may be reading the old one
    with open(os.path.join(bdir, "truth.json.tmp"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    os.rename(os.path.join(bdir, "truth.json.tmp"), os.path.join(bdir, "truth.json"))
    print("truth.py: %s: %d files, checks %s" % (
        cfg["name"], len(files), "all agree" if truth["all_agree"] else
        "DISAGREE: " + ", ".join(truth["disagreements"])))


if __name__ == "__main__":
    main()
