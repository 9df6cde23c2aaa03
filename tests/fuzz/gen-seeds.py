#!/usr/bin/env python3
"""Writes small seed inputs for the analyzer, symbol and plugin harnesses
(tests/fuzz/README.md has each harness's input layout):

    tests/fuzz/gen-seeds.py OUTDIR      -> OUTDIR/HARNESS/NAME

Each seed is a valid, tiny world that takes its harness deep: page tables
that map the direct map, kernel text and vmalloc onto a few pages (walk,
walk-arm64, xlate), kallsyms tables (kallsyms), System.map and vmlinux
files (symfile), and the kernel structures the plugins decode (plugins).
The fuzzer starts from these and mutates.  run.sh calls this; the same
seeds are kept in regress/ so `make check` replays them.
"""
import os
import struct
import sys

PAGE = 4096


def put64(mem, off, v):
    mem[off:off + 8] = struct.pack('<Q', v & (2**64 - 1))


def put32(mem, off, v):
    mem[off:off + 4] = struct.pack('<I', v & 0xffffffff)


def put16(mem, off, v):
    mem[off:off + 2] = struct.pack('<H', v & 0xffff)


# ---- page tables -----------------------------------------------------------

X86_P, X86_RW, X86_PS, X86_A, X86_NX = 1, 2, 0x80, 0x20, 1 << 63


def x86_tables(npages=16):
    """4-level x86_64 tables at PA 0: direct map (1G and 2M and 4K
    leaves), kernel text (2M + 4K) and a few vmalloc pages."""
    mem = bytearray(npages * PAGE)
    t = X86_P | X86_RW | X86_A
    # PML4 at 0
    put64(mem, 273 * 8, 0x1000 | t)		# 0xffff888000000000 direct map
    put64(mem, 402 * 8, 0x5000 | t)		# 0xffffc90000000000 vmalloc
    put64(mem, 511 * 8, 0x2000 | t)		# 0xffffff8000000000 kernel text
    # direct map PDPT at 0x1000: 1G page at PA 0, then a PD
    put64(mem, 0x1000, 0 | t | X86_PS)
    put64(mem, 0x1000 + 8, 0x3000 | t)
    # PD at 0x3000: 2M pages, then a PT
    for i in range(4):
        put64(mem, 0x3000 + 8 * i, (0x40000000 + i * 0x200000) | t | X86_PS | X86_NX)
    put64(mem, 0x3000 + 8 * 4, 0x4000 | t)
    # PT at 0x4000: 4K pages of PA 0.. (some absent)
    for i in range(16):
        if i % 5 != 3:
            put64(mem, 0x4000 + 8 * i, (i * PAGE) | t)
    # kernel text PDPT at 0x2000: [510] -> PD 0x6000
    put64(mem, 0x2000 + 510 * 8, 0x6000 | t)
    put64(mem, 0x6000 + 0 * 8, 0x4000 | t)			# 0xffffffff80000000: 4K pages
    for i in range(8, 12):					# 0xffffffff81000000: 2M pages
        put64(mem, 0x6000 + 8 * i, (0x1000000 + (i - 8) * 0x200000) | t | X86_PS)
    # vmalloc PDPT at 0x5000 -> PD 0x7000 -> PT 0x8000
    put64(mem, 0x5000, 0x7000 | t)
    put64(mem, 0x7000, 0x8000 | t)
    for i in (0, 1, 2, 7, 8, 100):
        put64(mem, 0x8000 + 8 * i, ((i * 7) % 16 * PAGE) | t | X86_NX)
    return mem


X86_VAS = [0xffff888000001234, 0xffff888040801000, 0xffff888040000000, 0xffffffff81000000,
           0xffffffff80003000, 0xffffc90000003000, 0xffffc90000007008, 0xffffc90000064000,
           0xffffc90000200000, 0xffff880000000000, 0x0000900000000000, 0x1000,
           0xffffea0000000000, 0xffffffffff600000, 0xffff888000000000, 0xffffffff81234567]

A64_T = 3		# table / page descriptor
A64_BLOCK = 1
A64_AF = 1 << 10


def a64_tables(npages=16):
    """4K granule, 48-bit VA, 5.4+ layout: linear map at 0xffff000000000000
    (1G, 2M and 4K leaves), kernel image at 0xffff800008000000."""
    mem = bytearray(npages * PAGE)
    put64(mem, 0 * 8, 0x1000 | A64_T)			# PGD[0]: linear map
    put64(mem, 256 * 8, 0x2000 | A64_T)			# PGD[256]: kernel image
    put64(mem, 0x1000, 0 | A64_BLOCK | A64_AF)		# 1G block at PA 0
    put64(mem, 0x1000 + 8, 0x3000 | A64_T)
    put64(mem, 0x3000, 0x200000 | A64_BLOCK | A64_AF)	# 2M block
    put64(mem, 0x3000 + 8, 0x4000 | A64_T)
    for i in range(16):
        if i % 5 != 3:
            put64(mem, 0x4000 + 8 * i, (i * PAGE) | A64_T | A64_AF)
    put64(mem, 0x2000, 0x5000 | A64_T)
    put64(mem, 0x5000 + 64 * 8, 0 | A64_BLOCK | A64_AF)	# 0xffff800008000000
    put64(mem, 0x5000 + 65 * 8, 0x4000 | A64_T)
    return mem


A64_VAS = [0xffff000000001234, 0xffff000040000000, 0xffff000040201000, 0xffff800008000000,
           0xffff800008203000, 0xffff800008010000, 0xffff800010000000, 0xfffffc0000000000,
           0x0000000000001000, 0xff00000000001000, 0xffff000000000000, 0xffff000080000000,
           0xffff80000820f000, 0xffff7fffffffffff, 0x0001000000000000, 0xffff000040203ff8]


def vas(lst):
    return b''.join(struct.pack('<Q', v) for v in lst)


def seeds_walk():
    out = {}
    mem = bytes(x86_tables())
    for opts in (8, 8 | 2, 8 | 4, 2, 0):
        for i, va in enumerate(X86_VAS[:6]):
            out['x86-o%d-%d' % (opts, i)] = bytes([opts]) + struct.pack('<Q', va) + mem
    return out


def seeds_walk_arm64():
    out = {}
    mem = bytes(a64_tables())
    for opts in (1, 1 | 2, 1 | 16, 0):
        for i, va in enumerate(A64_VAS[:6]):
            out['a64-o%d-%d' % (opts, i)] = bytes([0x04, opts]) + struct.pack('<Q', va) + mem
    return out


def seeds_xlate():
    out = {}
    x86 = bytes(x86_tables())
    a64 = bytes(a64_tables())
    for opts in (8, 8 | 2, 8 | 1, 2):
        out['x86-o%d' % opts] = bytes([opts, 0]) + vas(X86_VAS) + x86
    for opts in (1, 1 | 2, 1 | 16, 1 | 8):
        out['a64-o%d' % opts] = bytes([0x80 | opts, 0x04]) + vas(A64_VAS) + a64
    return out


# ---- an x86_64 kernel's memory, for fuzz-vmcore ------------------------------
# vmcore.h: the harness maps the direct map, vmalloc, vmemmap and kernel text
# (0xffffffff80000000) onto the fuzzed memory at PA 0 with 1 GiB pages.

DIRECT, VMALLOC, VMEMMAP, KTEXT = (0xffff888000000000, 0xffffc90000000000,
                                   0xffffea0000000000, 0xffffffff80000000)

# The struct page, printk and vmap_area layout of Debian's 6.1 x86_64 kernel.
VMCI_TYPES = """NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129
NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257
NUMBER(PG_head_mask)=65536
NUMBER(PG_lru)=4
NUMBER(PG_private)=13
NUMBER(PG_slab)=9
NUMBER(PG_swapbacked)=19
NUMBER(PG_swapcache)=10
OFFSET(page._mapcount)=48
OFFSET(page._refcount)=52
OFFSET(page.compound_dtor)=16
OFFSET(page.compound_head)=8
OFFSET(page.compound_order)=17
OFFSET(page.flags)=0
OFFSET(page.lru)=8
OFFSET(page.mapping)=24
OFFSET(page.private)=40
SIZE(page)=64
OFFSET(prb_data_blk_lpos.begin)=0
OFFSET(prb_data_blk_lpos.next)=8
OFFSET(prb_data_ring.data)=8
OFFSET(prb_data_ring.head_lpos)=16
OFFSET(prb_data_ring.size_bits)=0
OFFSET(prb_data_ring.tail_lpos)=24
OFFSET(prb_desc.state_var)=0
OFFSET(prb_desc.text_blk_lpos)=8
OFFSET(prb_desc_ring.count_bits)=0
OFFSET(prb_desc_ring.descs)=8
OFFSET(prb_desc_ring.head_id)=24
OFFSET(prb_desc_ring.infos)=16
OFFSET(prb_desc_ring.tail_id)=32
OFFSET(printk_info.caller_id)=20
OFFSET(printk_info.seq)=0
OFFSET(printk_info.text_len)=16
OFFSET(printk_info.ts_nsec)=8
OFFSET(printk_ringbuffer.desc_ring)=0
OFFSET(printk_ringbuffer.text_data_ring)=48
SIZE(prb_data_blk_lpos)=16
SIZE(prb_data_ring)=32
SIZE(prb_desc)=24
SIZE(prb_desc_ring)=48
SIZE(printk_info)=88
SIZE(printk_ringbuffer)=88
OFFSET(vmap_area.list)=40
OFFSET(vmap_area.va_start)=0
"""

# name, type, PA (kernel-text VA = KTEXT + PA)
KSYMS = [('_text', 'T', 0x1000000), ('_stext', 'T', 0x1000000), ('start_kernel', 'T', 0x1000100),
         ('local_fn', 't', 0x1000200), ('init_task', 'D', 0x6000), ('prb', 'D', 0x8000),
         ('log_buf', 'd', 0x10000), ('vmap_area_list', 'D', 0x14000),
         ('a_very_long_symbol_' + 'x' * 120, 'b', 0x7000)]
KS = {'kallsyms_num_syms': 0x2000, 'kallsyms_relative_base': 0x2008,
      'kallsyms_token_index': 0x2100, 'kallsyms_token_table': 0x2400,
      'kallsyms_names': 0x3000, 'kallsyms_offsets': 0x4000}


def kallsyms(mem, skip=()):
    """Tables as scripts/kallsyms.c lays them out: one-character tokens for
    the printable bytes, a few longer ones, names of token numbers."""
    toks = {b: bytes([b]) for b in range(0x21, 0x7f)}
    toks.update({0x80: b'init_', 0x81: b'_stext', 0x82: b'kernel', 0x83: b'Tstart_'})
    table, index = bytearray(), []
    for b in range(256):
        index.append(len(table))
        table += toks.get(b, b'') + b'\0'
    for b, off in enumerate(index):
        put16(mem, KS['kallsyms_token_index'] + 2 * b, off)
    o = KS['kallsyms_token_table']
    mem[o:o + len(table)] = table
    inv = {v: k for k, v in toks.items()}
    names = bytearray()
    syms = [s for s in KSYMS if s[0] not in skip]
    for i, (name, typ, pa) in enumerate(syms):
        full = (typ + name).encode()
        enc = bytearray()
        while full:	# greedy: the longest token that fits
            for t in sorted(inv, key=len, reverse=True):
                if full.startswith(t):
                    enc.append(inv[t])
                    full = full[len(t):]
                    break
        if len(enc) < 128:
            names.append(len(enc))
        else:	# "big" symbol (6.1+): two length bytes
            names += bytes([0x80 | (len(enc) & 0x7f), len(enc) >> 7])
        names += enc
        put32(mem, KS['kallsyms_offsets'] + 4 * i, pa)
    o = KS['kallsyms_names']
    mem[o:o + len(names)] = names
    put32(mem, KS['kallsyms_num_syms'], len(syms))
    put64(mem, KS['kallsyms_relative_base'], KTEXT)
    return ''.join('SYMBOL(%s)=%x\n' % (k, KTEXT + v) for k, v in KS.items())


def struct_pages(mem):
    """struct page (64 bytes, at vmemmap + pfn * 64 = PA pfn * 64)."""
    def page(pfn, flags=0, refcount=0, mapcount=-1, mapping=0, private=0, head=0, order=0):
        o = pfn * 64
        put64(mem, o, flags)
        put64(mem, o + 8, head)
        if order:
            mem[o + 17] = order
        put64(mem, o + 24, mapping)
        put64(mem, o + 40, private)
        put32(mem, o + 48, mapcount)
        put32(mem, o + 52, refcount)
    page(1, flags=1 << 4 | 1 << 19, refcount=1, mapcount=0, mapping=DIRECT + 0x5001)	# anon LRU
    page(2, refcount=0, mapcount=-129, private=1)					# buddy, order 1
    page(4, flags=1 << 16, refcount=1, order=2)						# compound head
    page(5, head=VMEMMAP + 4 * 64 + 1, refcount=0)					# tail
    page(6, flags=1 << 9, refcount=1)							# slab
    page(7, flags=1 << 10 | 1 << 13, refcount=3, mapcount=2, mapping=DIRECT + 0x6000)
    page(8, refcount=0, mapcount=-257)							# offline


def printk_ring(mem, base=0x8000):
    """5.10+ printk_ringbuffer: 16 descriptors, a 4 KiB text ring."""
    rb, descs, infos, data = base + 0x100, base + 0x1000, base + 0x2000, base + 0x4000
    put64(mem, base, KTEXT + rb)
    put32(mem, rb + 0, 4)				# desc_ring.count_bits
    put64(mem, rb + 8, DIRECT + descs)
    put64(mem, rb + 16, DIRECT + infos)
    put64(mem, rb + 24, 21)				# head_id
    put64(mem, rb + 32, 16)				# tail_id
    put32(mem, rb + 48, 12)				# text_data_ring.size_bits
    put64(mem, rb + 56, DIRECT + data)
    msgs = [(16, 2, b'Linux version 6.1.0-fuzz'), (17, 2, b'two\nlines'),
            (18, 1, b'committed, level 3'), (19, 0, b'reserved: skipped'),
            (20, 2, None), (21, 2, b'wraps to the start of the ring')]
    lpos = 0x1000 + 0xf00				# second wrap, near the end
    for i, (rid, state, text) in enumerate(msgs):
        idx = rid & 15
        d, inf = descs + 24 * idx, infos + 88 * idx
        put64(mem, d, state << 62 | rid)
        put64(mem, inf, 100 + i)			# seq
        put64(mem, inf + 8, 1000000123 * (i + 1))	# ts_nsec
        mem[inf + 19] = (3 << 5) | (8 if i == 2 else 0)
        put32(mem, inf + 20, 0x80000000 | i)
        if text is None:				# data-less record
            put64(mem, d + 8, 1)
            put64(mem, d + 16, 1)
            continue
        put16(mem, inf + 16, len(text))
        size = (8 + len(text) + 7) & ~7
        if (lpos & 0xfff) + size > 0x1000:		# wrapped block: stored at the start
            begin, nxt, at = lpos, (lpos & ~0xfff) + 0x1000 + size, 0
        else:
            begin, nxt, at = lpos, lpos + size, lpos & 0xfff
        put64(mem, data + at, rid)
        mem[data + at + 8:data + at + 8 + len(text)] = text
        put64(mem, d + 8, begin)
        put64(mem, d + 16, nxt)
        lpos = nxt


def log_buf(mem, base=0x10000):
    """3.5-5.9 log_buf of struct printk_log records (16-byte header)."""
    buf = base + 0x100
    put64(mem, base, KTEXT + buf)			# log_buf (a pointer)
    put32(mem, base + 8, 1024)			# log_buf_len
    put32(mem, base + 12, 0)			# log_first_idx
    idx = 0
    for i, (text, flags) in enumerate([(b'first', 2), (b'partial ', 0), (b'continued', 8 | 2),
                                       (b'multi\nline', 2)]):
        ln = (16 + len(text) + 7) & ~7
        o = buf + idx
        put64(mem, o, 5000000 * (i + 1))
        put16(mem, o + 8, ln)
        put16(mem, o + 10, len(text))
        mem[o + 14] = 0
        mem[o + 15] = flags | 6 << 5
        mem[o + 16:o + 16 + len(text)] = text
        idx += ln
    put32(mem, base + 16, idx)			# log_next_idx
    return ('SYMBOL(log_buf)=%x\nSYMBOL(log_buf_len)=%x\nSYMBOL(log_first_idx)=%x\n'
            'SYMBOL(log_next_idx)=%x\nSIZE(printk_log)=16\nOFFSET(printk_log.ts_nsec)=0\n'
            'OFFSET(printk_log.len)=8\nOFFSET(printk_log.text_len)=10\n'
            % (KTEXT + base, KTEXT + base + 8, KTEXT + base + 12, KTEXT + base + 16))


def vmap_areas(mem, head=0x14000):
    """vmap_area_list with three areas; the second has a vm_struct."""
    areas = [(head + 0x100, 0x0000, 0x5000, 0), (head + 0x200, 0x5000, 0x9000, head + 0x800),
             (head + 0x300, 0x10000, 0x200000, 0)]
    prev = head
    for pa, lo, hi, vm in areas:
        put64(mem, pa, VMALLOC + lo)
        put64(mem, pa + 8, VMALLOC + hi)
        put64(mem, prev + (40 if prev != head else 0), DIRECT + pa + 40)
        put64(mem, pa + 48, DIRECT + prev + 40 if prev != head else KTEXT + head)
        put64(mem, pa + 56, DIRECT + vm if vm else 0)
        prev = pa
    put64(mem, prev + 40, KTEXT + head)		# back to the head, by its symbol's address
    put64(mem, head + 8, DIRECT + prev + 40)
    vm = head + 0x800
    put64(mem, vm + 8, VMALLOC + 0x5000)
    put64(mem, vm + 16, 0x4000)
    put64(mem, vm + 24, 0x22)
    put64(mem, vm + 56, KTEXT + 0x1000100)


def kernel_world(with_prb=True):
    mem = bytearray(0x15000)
    vmci = kallsyms(mem, () if with_prb else ('prb',)) + VMCI_TYPES
    struct_pages(mem)
    printk_ring(mem)
    vmci += log_buf(mem)
    vmap_areas(mem)
    vmci += 'SYMBOL(_stext)=%x\nSYMBOL(vmap_area_list)=%x\n' % (KTEXT + 0x1000000, KTEXT + 0x14000)
    if with_prb:
        vmci += 'SYMBOL(prb)=%x\n' % (KTEXT + 0x8000)
    return vmci.encode(), bytes(mem)


def vmcore_input(action, addr, vmci, mem):
    return bytes([action]) + struct.pack('<QH', addr, len(vmci)) + vmci + mem


def seeds_vmcore():
    vmci, mem = kernel_world()
    vmci_old, mem_old = kernel_world(with_prb=False)
    out = {
        'symbols': vmcore_input(0, KTEXT + 0x1000150, vmci, mem),
        'symbols-direct': vmcore_input(0, DIRECT + 0x3010, vmci, mem),
        'dmesg': vmcore_input(1, 0, vmci, mem),
        'dmesg-json': vmcore_input(1 | 16, 0, vmci, mem),
        'dmesg-level': vmcore_input(7, 0, vmci, mem),
        'dmesg-logbuf': vmcore_input(1, 0, vmci_old, mem_old),
        'dmesg-logbuf-json': vmcore_input(1 | 16, 0, vmci_old, mem_old),
        'vmalloc': vmcore_input(2, VMALLOC + 0x5123, vmci, mem),
        'vmalloc-summary': vmcore_input(2 | 8 | 16, VMALLOC, vmci, mem),
        'vmalloc-none': vmcore_input(2, VMALLOC + 0x9000, vmci, mem),
        'ksym': vmcore_input(6 | 16, 0, vmci, mem),
        'kernel-text': vmcore_input(5, KTEXT + 0x1000104, vmci, mem),
        'kernel-text-json': vmcore_input(5 | 16, KTEXT + 0x7010, vmci, mem),
    }
    for pfn in (1, 2, 3, 5, 7):
        out['vmemmap-%d' % pfn] = vmcore_input(3, VMEMMAP + pfn * 64 + 8, vmci, mem)
        out['direct-map-%d' % pfn] = vmcore_input(4 | 16, DIRECT + pfn * 4096 + 5, vmci, mem)
    out['vmemmap-summary'] = vmcore_input(3 | 8, VMEMMAP, vmci, mem)
    out['vmemmap-count'] = vmcore_input(3 | 8 | 16 | 7 << 5, VMEMMAP + 64, vmci, mem)
    return out


# ---- symbol files, for fuzz-symfile --------------------------------------------

BANNER = b'Linux version 6.1.0-fuzz (fuzz@vmscope) #1 SMP\n'
BUILD_ID = bytes(range(0x10, 0x24))

SYSTEM_MAP = b"""ffffffff80000000 D linux_banner
ffffffff81000000 T _text
ffffffff81000000 T _stext
ffffffff81000100 T start_kernel
ffffffff81000200 t local_fn
ffffffff81000200 W weak_alias
0000000000000000 A __per_cpu_start
0000000000001000 D per_cpu_var
ffffffff82000000 D init_task
ffffffff82001000 B __bss_start
ffffffffc0000000 t mod_fn\t[mod]
"""


def elf_vmlinux(build_id=BUILD_ID):
    """A linked ELF64 with .text, .rodata (linux_banner), a GNU build-id
    note, .symtab, .strtab and .shstrtab."""
    shstr = b'\0.text\0.rodata\0.note.gnu.build-id\0.symtab\0.strtab\0.shstrtab\0'
    def sname(n):
        return shstr.index(n.encode() + b'\0')
    strtab = bytearray(b'\0')
    syms = bytearray(24)		# the null symbol
    def sym(name, info, shndx, value, size):
        nonlocal strtab, syms
        off = len(strtab)
        strtab += name.encode() + b'\0'
        syms += struct.pack('<IBBHQQ', off, info, 0, shndx, value, size)
    sym('vmlinux.c', 4, 0xfff1, 0, 0)			# FILE
    sym('', 3, 1, 0xffffffff81000000, 0)			# SECTION
    sym('_text', 0x10, 1, 0xffffffff81000000, 0)
    sym('_stext', 0x12, 1, 0xffffffff81000000, 0x100)
    sym('start_kernel', 0x12, 1, 0xffffffff81000100, 0x100)
    sym('local_fn', 0x02, 1, 0xffffffff81000200, 0x10)
    sym('weak_fn', 0x22, 1, 0xffffffff81000210, 0x10)
    sym('weak_obj', 0x21, 2, 0xffffffff80000100, 8)
    sym('linux_banner', 0x11, 2, 0xffffffff80000000, len(BANNER))
    sym('abs_sym', 0x10, 0xfff1, 0x1234, 0)
    sym('undef', 0x10, 0, 0, 0)
    text = b'\x90' * 0x300
    rodata = BANNER + b'\0' * (0x108 - len(BANNER))
    note = struct.pack('<III', 4, len(build_id), 3) + b'GNU\0' + build_id
    body = bytearray(64)
    secs = []
    def add(name, typ, flags, addr, data, link=0, entsize=0, align=8):
        nonlocal body
        while len(body) % align:
            body.append(0)
        secs.append((sname(name) if name else 0, typ, flags, addr, len(body), len(data), link,
                     entsize))
        body += data
    secs.append((0, 0, 0, 0, 0, 0, 0, 0))
    add('.text', 1, 6, 0xffffffff81000000, text)
    add('.rodata', 1, 2, 0xffffffff80000000, rodata)
    add('.note.gnu.build-id', 7, 2, 0, note, align=4)
    add('.symtab', 2, 0, 0, bytes(syms), link=5, entsize=24)
    add('.strtab', 3, 0, 0, bytes(strtab))
    add('.shstrtab', 3, 0, 0, shstr)
    while len(body) % 8:
        body.append(0)
    shoff = len(body)
    for name, typ, flags, addr, off, size, link, entsize in secs:
        body += struct.pack('<IIQQQQIIQQ', name, typ, flags, addr, off, size, link, 0, 8, entsize)
    hdr = b'\x7fELF\x02\x01\x01' + b'\0' * 9 + struct.pack(
        '<HHIQQQIHHHHHH', 2, 62, 1, 0xffffffff81000000, 0, shoff, 0, 64, 0, 0, 64, len(secs),
        len(secs) - 1)
    body[0:64] = hdr
    return bytes(body)


def dwarf_binary(cc, std):
    """A small linked program with DWARF (types like the kernel's), built by
    the C compiler; None without one."""
    import subprocess
    import tempfile
    src = b"""struct list_head { struct list_head *next, *prev; };
typedef int pid_t;
enum e { E_A = 1, E_B = -2 };
union u { int i; char c[4]; };
struct inner { int c[4]; unsigned int bf : 3, bg : 5; };
struct task_struct { struct list_head tasks; pid_t pid; char comm[16]; struct inner a;
	union u uu; enum e state; const volatile long *p; void (*fn)(int); struct { int x; }; };
struct task_struct init_task;
const char linux_banner[] = "Linux version 6.1.0-fuzz (fuzz@vmscope) #1 SMP\\n";
unsigned long x;
"""
    with tempfile.TemporaryDirectory() as d:
        c, out = os.path.join(d, 't.c'), os.path.join(d, 't')
        with open(c, 'wb') as f:
            f.write(src)
        try:
            subprocess.run([cc, '-g', std, '-O0', '-nostdlib', '-static', '-Wl,-e,0',
                            '-Wl,--build-id', '-o', out, c], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(out, 'rb') as f:
                return f.read()
        except (OSError, subprocess.CalledProcessError):
            return None


def symfile_input(opts, vmci, data):
    return bytes([opts]) + struct.pack('<H', len(vmci)) + vmci + data


def seeds_symfile():
    bid = BUILD_ID.hex().encode()
    match = b'SYMBOL(_stext)=ffffffff81000000\nSYMBOL(init_task)=ffffffff82000000\n'
    out = {
        'map': symfile_input(0, match, SYSTEM_MAP),
        'map-mismatch': symfile_input(0, b'SYMBOL(_stext)=ffffffff81200000\n', SYSTEM_MAP),
        'map-offset': symfile_input(4, b'', SYSTEM_MAP),
        'map-bad-line': symfile_input(0, match, SYSTEM_MAP + b'zzzz T\nffff\n\n'),
        'vmlinux': symfile_input(1, match + b'BUILD-ID=' + bid + b'\n', elf_vmlinux()),
        'vmlinux-wrong-id': symfile_input(1, b'BUILD-ID=00ff\n', elf_vmlinux()),
        'vmlinux-banner': symfile_input(1, match, elf_vmlinux(b'')),
        'vmlinux-release': symfile_input(1, b'OSRELEASE=6.2.0\n', elf_vmlinux(b'')),
        'vmlinux-force': symfile_input(3, b'OSRELEASE=6.2.0\n', elf_vmlinux()),
        'vmlinux-offset': symfile_input(5, b'', elf_vmlinux()),
    }
    cc = os.environ.get('CC', 'cc')
    for std in ('-gdwarf-5', '-gdwarf-4'):
        b = dwarf_binary(cc, std)
        if b:
            out['dwarf' + std[-1]] = symfile_input(1 | 2 | 8, b'', b)
            out['dwarf%s-types-only' % std[-1]] = symfile_input(4 | 8 | 1, b'', b)
    return out


# ---- `vmscope xlate` input, for fuzz-xlate-input --------------------------------

XLATE_LINES = (b'ffff888000000010\n0xffffffff81000000\n  0xFFFFC90000001000\t\n\n'
               b'ffffea0000000040\nzz\n0x\n1ffffffffffffffff\n0000000000001000\r\n'
               b'ffff800000000000\n' + b'f' * 300 + b'\n12,"x"\\\x01\xff\nffffffffff600000')


def seeds_xlate_input():
    out = {}
    for frm in range(4):
        for to in range(5):
            fmt = (frm + to) % 3
            out['from%d-to%d-fmt%d' % (frm, to, fmt)] = bytes([frm | to << 2 | fmt << 5, 0]) + XLATE_LINES
    out['decimal'] = bytes([0x80 | 1 << 2, 1]) + b'4096\n18446744073709551615\n18446744073709551616\n-1\n 7 \n'
    out['long-lines'] = bytes([1 << 5, 0]) + (b'1' * 70000 + b'\n') * 5 + b'ffff888000001000'
    return out


HARNESSES = {
    'xlate-input': seeds_xlate_input,
    'symfile': seeds_symfile,
    'vmcore': seeds_vmcore,
    'walk': seeds_walk,
    'walk-arm64': seeds_walk_arm64,
    'xlate': seeds_xlate,
}


def main():
    if len(sys.argv) < 2:
        sys.exit('usage: gen-seeds.py OUTDIR [HARNESS...]')
    outdir = sys.argv[1]
    for h in sys.argv[2:] or sorted(HARNESSES):
        d = os.path.join(outdir, h)
        os.makedirs(d, exist_ok=True)
        for name, data in HARNESSES[h]().items():
            with open(os.path.join(d, name), 'wb') as f:
                f.write(data)


if __name__ == '__main__':
    main()
