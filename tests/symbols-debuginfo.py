#!/usr/bin/env python3
"""Checks for tests/symbols-debuginfo.sh against a boot's truth.json; each
prints one line of space-separated numbers (then details) for the shell.

  modules   TRUTH VMSCOPE VMLINUX DUMP  -> count bad details
  vmalloc61 TRUTH VMSCOPE VMLINUX DUMP  -> areas same loads outside details
  vmalloc612 TRUTH VMSCOPE VMLINUX DUMP -> areas segs outside modules bad details
"""
import json
import struct
import subprocess
import sys


def value(v):
    return int(v['value'] if isinstance(v, dict) else v, 16)


def modules(t, vmscope, vmlinux, dump):
    # /proc/modules lines: name size refcount deps state base
    want = {}
    for line in t.get('modules') or []:
        f = line.split()
        want[f[0]] = (int(f[1]), f[4], int(f[5], 16))
    r = subprocess.run([vmscope, 'modules', '--json', '--vmlinux', vmlinux, dump],
                       capture_output=True, text=True)
    try:
        got = {m['name']: (m['size'], m['state'], int(m['base'], 16))
               for m in json.loads(r.stdout)['modules']}
    except (ValueError, KeyError):
        print(len(want), 1, 'no JSON:', r.stderr.strip()[:200])
        return
    bad = [(n, want[n], got.get(n)) for n in want if got.get(n) != want[n]]
    bad += [(n, None, got[n]) for n in got if n not in want]
    print(len(want), len(bad), bad[:3])


def summary(vmscope, dump, addr, extra):
    r = subprocess.run([vmscope, 'decode', '--json', '--summary'] + extra + [dump, hex(addr)],
                       capture_output=True, text=True)
    try:
        res = json.loads(r.stdout)['results'][0]
    except (ValueError, KeyError, IndexError):
        res = {'error': r.stderr.strip()[:200]}
    return res.get('areas', []), res


def vmalloc61(t, vmscope, vmlinux, dump):
    vb = value(t['vmalloc_base'])
    key = lambda a: (a['start'], a['end'], a.get('vm_struct'), a.get('flags_raw'), a.get('caller'))
    dw, res = summary(vmscope, dump, vb, ['--vmlinux', vmlinux])
    vi, _ = summary(vmscope, dump, vb, [])
    # QEMU's paging ELF gives each mapping's virtual address: those in
    # vmalloc space (32 TiB from vmalloc_base) must lie inside busy areas.
    with open(dump, 'rb') as f:
        h = f.read(64)
        phoff = struct.unpack_from('<Q', h, 32)[0]
        phentsize, phnum = struct.unpack_from('<HH', h, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
    loads = []
    for i in range(phnum):
        typ, _, _, va, _, _, msz = struct.unpack_from('<IIQQQQQ', ph, i * phentsize)
        if typ == 1 and vb <= va < vb + (32 << 40):
            loads.append((va, va + msz))
    spans = [(int(a['start'], 16), int(a['end'], 16)) for a in dw]
    outside = [hex(s) for s, e in loads if not any(a <= s and e <= b for a, b in spans)]
    same = int(bool(dw) and [key(a) for a in dw] == [key(a) for a in vi])
    print(len(dw), same, len(loads), len(outside), outside[:3], res.get('error', ''))


def vmalloc612(t, vmscope, vmlinux, dump):
    vs = value(t['vmalloc_start'])
    dw, res = summary(vmscope, dump, vs, ['--vmlinux', vmlinux])
    areas = [(int(a['start'], 16), int(a['end'], 16), a.get('caller_symbol', '')) for a in dw]
    seg = [(int(s['vaddr'], 16), int(s['vaddr'], 16) + int(s['size'], 16))
           for s in t.get('kcore_segments') or [] if int(s['vaddr'], 16) == vs]
    outside = [hex(a[0]) for a in areas if seg and not (seg[0][0] <= a[0] and a[1] <= seg[0][1])]
    # each module's base (/proc/modules) starts an area that load_module made
    mods = t.get('modules') or []
    bad = []
    for line in mods:
        f = line.split()
        base = int(f[5], 16)
        hit = [a for a in areas if a[0] == base]
        if not hit or 'load_module' not in hit[0][2]:
            bad.append((f[0], hex(base), hit[:1]))
    print(len(areas), len(seg), len(outside), len(mods), len(bad), bad[:2], outside[:2],
          res.get('error', ''))


if __name__ == '__main__':
    check, truth = sys.argv[1], json.load(open(sys.argv[2]))
    {'modules': modules, 'vmalloc61': vmalloc61, 'vmalloc612': vmalloc612}[check](truth, *sys.argv[3:6])
