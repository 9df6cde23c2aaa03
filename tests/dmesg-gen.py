#!/usr/bin/env python3
"""Writes small x86_64 ELF vmcores that hold a kernel log, for tests/dmesg.sh.

Usage: dmesg-gen.py SCENARIO OUT.vmcore OUT.expect

Shares no code with vmscope.  The log is written the way the kernel writes
it, step by step: log_store() of 3.5 to 5.9 into log_buf (dropping the
oldest records and wrapping with a zero-length header), or prb_reserve() /
prb_commit() / prb_final_commit() of 5.10+ into the lockless ring buffer
(descriptor ids and logical positions starting from their real initial
values, so both overflow; the tail pushed, descriptors made reusable, data
blocks wrapped to the start of the ring, by the pre-6.19 rule or by the
6.19 rule that lets a block end exactly at the end of the ring).

OUT.expect is what `vmscope dmesg` must print, from what this writer knows
it left in the ring: the records still there, in order, each line of each
message with its own "[%5lu.%06lu] " prefix.  The scenarios with few
records are checked against hand-written text in tests/dmesg.sh instead.

Memory: 8 MiB of RAM at PA 0, mapped by real 4-level page tables at
__START_KERNEL_map (phys_base 0), the only translation vmscope needs;
VMCOREINFO gives SYMBOL(init_top_pgt), the log's symbols and offsets.
"""
import json
import struct
import sys

MEM = 8 << 20
KMAP = 0xFFFFFFFF80000000
M64 = (1 << 64) - 1
VARS = 0x10000          # the kernel variables (prb, log_buf, ...)
DATA = 0x100000         # the text ring / log_buf bytes
DESCS = 0x300000
INFOS = 0x380000
LOG_NEWLINE, LOG_PREFIX, LOG_CONT = 2, 4, 8


def va(pa):
    return KMAP + pa


class Mem:
    def __init__(self):
        self.b = bytearray(MEM)

    def put(self, pa, data):
        self.b[pa:pa + len(data)] = data

    def u8(self, pa, v):
        self.b[pa] = v & 0xFF

    def u16(self, pa, v):
        self.put(pa, struct.pack("<H", v & 0xFFFF))

    def u32(self, pa, v):
        self.put(pa, struct.pack("<I", v & 0xFFFFFFFF))

    def u64(self, pa, v):
        self.put(pa, struct.pack("<Q", v & M64))

    def get64(self, pa):
        return struct.unpack("<Q", bytes(self.b[pa:pa + 8]))[0]


def page_tables(m):
    """PML4 at 0x1000 -> PDPT 0x2000 -> PD 0x3000 -> 2 MiB pages of PA 0..8M."""
    m.u64(0x1000 + 511 * 8, 0x2000 | 0x63)
    m.u64(0x2000 + 510 * 8, 0x3000 | 0x63)
    for i in range(MEM >> 21):
        m.u64(0x3000 + i * 8, (i << 21) | 0xE3)


def write_elf(path, m, vmcoreinfo):
    desc = vmcoreinfo.encode()
    note = struct.pack("<III", 11, len(desc), 0) + b"VMCOREINFO\0\0" + desc
    note += b"\0" * (-len(note) % 4)
    notes_off = 64 + 2 * 56
    mem_off = (notes_off + len(note) + 4095) & ~4095
    eh = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh += struct.pack("<HHIQQQIHHHHHH", 4, 62, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 4, 0, notes_off, 0, 0, len(note), len(note), 4)
    ph += struct.pack("<IIQQQQQQ", 1, 7, mem_off, 0xFFFF888000000000, 0, MEM, MEM, 4096)
    with open(path, "wb") as f:
        f.write(eh + ph + note)
        f.write(b"\0" * (mem_off - f.tell()))
        f.write(m.b)


def base_vmcoreinfo(release):
    return ("OSRELEASE=%s\nPAGESIZE=4096\nSYMBOL(init_top_pgt)=%x\nNUMBER(phys_base)=0\n"
            % (release, va(0x1000)))


def prefix(r, style):
    """The kernel's print_prefix(): <N>, [time], [caller], blank."""
    p = ""
    if style == "level":
        p += "<%d>" % (r.get("facility", 0) * 8 + r.get("level", 6))
    ts = r["ts"]
    p += "[%5d.%06d]" % (ts // 1000000000, ts % 1000000000 // 1000)
    if style == "caller":
        c = r.get("caller", 1)
        p += "[%6s]" % ("%s%d" % ("C" if c & 0x80000000 else "T", c & 0x7FFFFFFF))
    return p + " "


def lines_of(r, style=""):
    return [prefix(r, style) + l for l in r["text"].split("\n")]


# ---- log_buf (3.5 to 5.9) --------------------------------------------------

class LogBuf:
    """log_store() and log_make_free_space() of 3.5 to 5.9."""

    def __init__(self, m, buf_len, hdr=16, align=4, caller=False):
        self.m, self.len, self.hdr, self.align, self.caller = m, buf_len, hdr, align, caller
        self.first_idx = self.next_idx = 0
        self.first_seq = self.next_seq = 0
        self.recs = {}          # idx -> record, to know what a drop drops
        self.live = []          # records from first to next, in order

    def has_space(self, size, empty):
        if self.next_idx > self.first_idx or empty:
            free = max(self.len - self.next_idx, self.first_idx)
        else:
            free = self.first_idx - self.next_idx
        return free >= size + self.hdr

    def rec_len(self, idx):
        return struct.unpack("<H", bytes(self.m.b[DATA + idx + 8:DATA + idx + 10]))[0]

    def log_next(self, idx):
        n = self.rec_len(idx)
        if n == 0:
            return self.rec_len(0)
        return idx + n

    def store(self, r):
        text, dct = r["text"].encode(), r.get("dict", b"")
        size = self.hdr + len(text) + len(dct)
        pad = -size % self.align
        size += pad
        while self.first_seq < self.next_seq and not self.has_space(size, False):
            self.first_idx = self.log_next(self.first_idx)
            self.first_seq += 1
            self.live.pop(0)
        assert self.has_space(size, self.first_seq == self.next_seq)
        if self.next_idx + size + self.hdr > self.len:
            self.m.put(DATA + self.next_idx, bytes(self.hdr))
            self.next_idx = 0
        p = DATA + self.next_idx
        self.m.u64(p, r["ts"])
        self.m.u16(p + 8, size)
        self.m.u16(p + 10, len(text))
        self.m.u16(p + 12, len(dct))
        self.m.u8(p + 14, r.get("facility", 0))
        self.m.u8(p + 15, (r.get("flags", LOG_NEWLINE | LOG_PREFIX) & 0x1F) | (r.get("level", 6) << 5))
        if self.caller:
            self.m.u32(p + 16, r.get("caller", 1))
        self.m.put(p + self.hdr, text + dct + bytes(pad))
        self.next_idx += size
        self.next_seq += 1
        self.live.append(r)

    def vmcoreinfo(self, name="printk_log"):
        m = self.m
        m.u64(VARS, va(DATA))             # log_buf
        m.u32(VARS + 8, self.len)         # log_buf_len
        m.u32(VARS + 12, self.first_idx)  # log_first_idx
        m.u32(VARS + 16, self.next_idx)   # log_next_idx
        s = ("SYMBOL(log_buf)=%x\nSYMBOL(log_buf_len)=%x\nSYMBOL(log_first_idx)=%x\n"
             "SYMBOL(clear_idx)=%x\nSYMBOL(log_next_idx)=%x\n"
             % (va(VARS), va(VARS + 8), va(VARS + 12), va(VARS + 20), va(VARS + 16)))
        s += ("SIZE(%s)=%d\nOFFSET(%s.ts_nsec)=0\nOFFSET(%s.len)=8\nOFFSET(%s.text_len)=10\n"
              "OFFSET(%s.dict_len)=12\n" % ((name, self.hdr) + (name,) * 4))
        if self.caller:
            s += "OFFSET(%s.caller_id)=16\n" % name
        return s


# ---- the lockless ring buffer (5.10+) -------------------------------------

IDMASK = (1 << 62) - 1
RESERVED, COMMITTED, FINALIZED, REUSABLE = 0, 1, 2, 3
FAILED_LPOS, EMPTY_LPOS = 1, 3


class Prb:
    """prb_reserve(), data_alloc(), prb_commit() of 5.10+."""

    def __init__(self, m, count_bits, size_bits, exact_fit):
        self.m, self.cb, self.sb, self.exact = m, count_bits, size_bits, exact_fit
        self.count, self.size = 1 << count_bits, 1 << size_bits
        # The kernel's bootstrap values (printk_ringbuffer.h).
        self.head = self.tail = (-(self.count + 1)) & IDMASK
        self.head_lpos = self.tail_lpos = (-self.size) & M64
        self.seq = 0
        self.blocks = []        # (id, begin, next) in the data ring, oldest first
        self.state = {}         # id -> state, for ids that still own a descriptor
        self.recs = {}          # id -> record
        self.put_sv(self.head, REUSABLE)
        self.put_lpos(self.head, FAILED_LPOS, FAILED_LPOS)
        self.wrapped_blocks = self.exact_blocks = 0

    def desc(self, id):
        return DESCS + (id & (self.count - 1)) * 24

    def info(self, id):
        return INFOS + (id & (self.count - 1)) * 88

    def put_sv(self, id, state):
        self.m.u64(self.desc(id), (state << 62) | id)
        self.state[id] = state

    def put_lpos(self, id, begin, nxt):
        self.m.u64(self.desc(id) + 8, begin)
        self.m.u64(self.desc(id) + 16, nxt)

    def wraps(self, lpos):
        return (lpos & M64) >> self.sb

    def next_lpos(self, begin, size):
        nxt = begin + size
        last = nxt - 1 if self.exact else nxt
        if self.wraps(begin) == self.wraps(last):
            return nxt & M64
        return ((nxt & ~(self.size - 1)) + size) & M64

    def make_reusable(self, id):
        if self.state.get(id) in (COMMITTED, FINALIZED):
            self.put_sv(id, REUSABLE)

    def reserve(self, r):
        # desc_reserve(): push the descriptor tail when the ring is full.
        id = (self.head + 1) & IDMASK
        if ((id - self.count) & IDMASK) == self.tail:
            # desc_push_tail(): the tail gives up its data block first.
            self.make_reusable(self.tail)
            if self.blocks and self.blocks[0][0] == self.tail:
                self.tail_lpos = self.blocks.pop(0)[2]
            self.tail = (self.tail + 1) & IDMASK
        self.head = id
        self.put_sv(id, RESERVED)
        self.m.put(self.info(id), bytes(88))
        text = r["text"].encode()
        # data_alloc(): a block is the id, the text, padding to 8 bytes.
        if r.get("failed"):
            begin = nxt = FAILED_LPOS
        elif not text:
            begin = nxt = EMPTY_LPOS
        else:
            size = (8 + len(text) + 7) & ~7
            begin = self.head_lpos
            nxt = self.next_lpos(begin, size)
            # data_push_tail(): free the oldest blocks until the new one fits.
            while ((nxt - self.tail_lpos) & M64) > self.size:
                bid, bb, bn = self.blocks.pop(0)
                self.make_reusable(bid)
                self.tail_lpos = bn
            blk = DATA + (begin & (self.size - 1))
            self.m.u64(blk, id)
            if self.wraps(begin) != self.wraps(nxt - 1):
                self.wrapped_blocks += 1
                blk = DATA
                self.m.u64(blk, r.get("block_id", id))
            elif nxt & (self.size - 1) == 0:
                self.exact_blocks += 1
            if "block_id" in r:
                self.m.u64(blk, r["block_id"])
            self.m.put(blk + 8, text)
            self.head_lpos = nxt
            self.blocks.append((id, begin, nxt))
        self.put_lpos(id, begin, nxt)
        i = self.info(id)
        self.m.u64(i, self.seq)
        self.m.u64(i + 8, r["ts"])
        self.m.u16(i + 16, len(text))
        self.m.u8(i + 18, r.get("facility", 0))
        self.m.u8(i + 19, (r.get("flags", LOG_NEWLINE) & 0x1F) | (r.get("level", 6) << 5))
        self.m.u32(i + 20, r.get("caller", 1))
        self.m.put(i + 24, r.get("subsys", "").encode().ljust(16, b"\0"))
        self.m.put(i + 40, r.get("device", "").encode().ljust(48, b"\0"))
        self.seq += 1
        self.recs[id] = r
        st = r.get("state", FINALIZED)
        if st != RESERVED:
            self.put_sv(id, st)
        return id

    def survivors(self):
        out, id = [], self.tail
        while True:
            if self.state.get(id) in (COMMITTED, FINALIZED) and not self.recs[id].get("failed") \
                    and "block_id" not in self.recs[id]:
                out.append(self.recs[id])
            if id == self.head:
                return out
            id = (id + 1) & IDMASK

    def vmcoreinfo(self):
        m, rb = self.m, VARS + 0x40
        m.u64(VARS, va(rb))                  # prb = &printk_rb_static
        m.u32(rb, self.cb)                   # desc_ring.count_bits
        m.u64(rb + 8, va(DESCS))
        m.u64(rb + 16, va(INFOS))
        m.u64(rb + 24, self.head)
        m.u64(rb + 32, self.tail)
        m.u32(rb + 48, self.sb)              # text_data_ring.size_bits
        m.u64(rb + 56, va(DATA))
        m.u64(rb + 64, self.head_lpos)
        m.u64(rb + 72, self.tail_lpos)
        return ("SYMBOL(prb)=%x\nSYMBOL(printk_rb_static)=%x\n" % (va(VARS), va(rb)) + """\
SIZE(printk_ringbuffer)=88
OFFSET(printk_ringbuffer.desc_ring)=0
OFFSET(printk_ringbuffer.text_data_ring)=48
OFFSET(printk_ringbuffer.fail)=80
SIZE(prb_desc_ring)=48
OFFSET(prb_desc_ring.count_bits)=0
OFFSET(prb_desc_ring.descs)=8
OFFSET(prb_desc_ring.infos)=16
OFFSET(prb_desc_ring.head_id)=24
OFFSET(prb_desc_ring.tail_id)=32
SIZE(prb_desc)=24
OFFSET(prb_desc.state_var)=0
OFFSET(prb_desc.text_blk_lpos)=8
SIZE(prb_data_blk_lpos)=16
OFFSET(prb_data_blk_lpos.begin)=0
OFFSET(prb_data_blk_lpos.next)=8
SIZE(printk_info)=88
OFFSET(printk_info.seq)=0
OFFSET(printk_info.ts_nsec)=8
OFFSET(printk_info.text_len)=16
OFFSET(printk_info.caller_id)=20
OFFSET(printk_info.dev_info)=24
SIZE(dev_printk_info)=64
OFFSET(dev_printk_info.subsystem)=0
LENGTH(printk_info_subsystem)=16
OFFSET(dev_printk_info.device)=16
LENGTH(printk_info_device)=48
SIZE(prb_data_ring)=32
OFFSET(prb_data_ring.size_bits)=0
OFFSET(prb_data_ring.data)=8
OFFSET(prb_data_ring.head_lpos)=16
OFFSET(prb_data_ring.tail_lpos)=24
""")


# ---- scenarios ---------------------------------------------------------------

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike "
         "november oscar papa quebec romeo sierra tango uniform victor whiskey xray").split()


def filler(i):
    """Deterministic message i, 1 to about 70 bytes, some with two lines."""
    n = 1 + (i * 7) % 11
    t = "msg %d: " % i + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n))
    if i % 13 == 5:
        t += "\n  second line of %d" % i
    return t


def ts_of(i):
    return 1000000 + i * 123456789 + (i % 7) * 1000


def scenario(name):
    m = Mem()
    page_tables(m)
    exp = None              # the records vmscope must show, when known
    if name.startswith("prb-wrap"):
        # 16 descriptors, 512 bytes of text: ids and lpos overflow, the
        # descriptor ring turns over ~25 times and the data ring more.
        rb = Prb(m, 4, 9, exact_fit=(name == "prb-wrap-exact"))
        n = 400
        for i in range(n):
            r = {"ts": ts_of(i), "text": filler(i), "level": i % 8, "caller": i % 5}
            if i % 17 == 3:
                r["text"] = ""               # an empty line: no data block
            if name == "prb-wrap-exact" and i >= n - 4:
                r["text"] = "x" * 40         # 48-byte blocks: one ends at the end
            if i == n - 2:
                r["state"] = COMMITTED       # not finalized: a continuation may follow
            if i == n - 1:
                r["state"] = RESERVED        # being written when the machine stopped
            rb.reserve(r)
        exp = rb.survivors()
        assert rb.wrapped_blocks > 5, rb.wrapped_blocks
        if name == "prb-wrap-exact":
            assert rb.exact_blocks >= 1
            # The check must cover a survivor that ends at the ring's end.
            assert any(b[2] & (rb.size - 1) == 0 for b in rb.blocks), rb.blocks
        vmci = base_vmcoreinfo("6.19.0") + rb.vmcoreinfo()
    elif name == "prb-small":
        rb = Prb(m, 5, 12, exact_fit=False)
        recs = [
            {"ts": 0, "text": "Linux version 6.1.0-test (gcc 12)", "level": 5, "caller": 0},
            {"ts": 1500, "text": "Command line: console=ttyS0", "level": 6, "caller": 0},
            {"ts": 12345678, "text": "pci 0000:00:01.0: [8086:7000] type 00 class 0x060100",
             "level": 7, "caller": 1, "subsys": "pci", "device": "+pci:0000:00:01.0"},
            {"ts": 1000000000, "text": "", "level": 6, "caller": 1},
            {"ts": 1999999999, "text": "first line\nsecond line", "level": 4,
             "caller": 0x80000002},
            {"ts": 2000000000, "text": " continued", "level": 4, "caller": 0x80000002,
             "flags": LOG_CONT | LOG_NEWLINE},
            {"ts": 2500000000, "text": "lost text", "failed": True},
            {"ts": 3000000000, "text": "stale block", "block_id": 12345},
            {"ts": 123456789012345, "text": "Kernel panic - not syncing: test", "level": 0,
             "caller": 77, "facility": 0},
            {"ts": 123456789999999, "text": "half a line", "state": COMMITTED,
             "flags": 0, "caller": 77},
            {"ts": 123456790000000, "text": "reserved, never shown", "state": RESERVED},
        ]
        for r in recs:
            rb.reserve(r)
        vmci = base_vmcoreinfo("6.1.0") + rb.vmcoreinfo()
    elif name == "prb-recycling":
        # head_id moved, but the crash came before the new descriptor's
        # state_var was set: it still holds the id of one ring ago.
        rb = Prb(m, 3, 10, exact_fit=False)
        for i in range(20):
            rb.reserve({"ts": ts_of(i), "text": "record %d" % i})
        old = rb.m.get64(rb.desc(rb.head + 1))
        rb.head = (rb.head + 1) & IDMASK
        rb.tail = (rb.tail + 1) & IDMASK
        assert old & IDMASK == (rb.head - 8) & IDMASK
        # records 13..19 remain (the oldest of the ring was pushed out)
        exp = [rb.recs[(rb.tail + k) & IDMASK] for k in range(7)]
        assert [r["text"] for r in exp] == ["record %d" % i for i in range(13, 20)]
        vmci = base_vmcoreinfo("6.12.0") + rb.vmcoreinfo()
    elif name in ("logbuf-4.19", "logbuf-5.4-caller"):
        caller = name.endswith("caller")
        lb = LogBuf(m, 2048, hdr=20 if caller else 16, caller=caller)
        for i in range(300):
            r = {"ts": ts_of(i), "text": filler(i), "level": i % 8, "facility": i % 3,
                 "caller": (0x80000000 | (i % 4)) if i % 2 else i}
            if i % 9 == 2:
                r["dict"] = b"SUBSYSTEM=pci\0DEVICE=+pci:0000:00:%02x.0" % (i % 32)
            if i % 23 == 7:
                r["flags"] = LOG_CONT        # a fragment: 4.9+ prints it alone
            lb.store(r)
        assert lb.first_idx > lb.next_idx   # the reader must wrap
        exp = list(lb.live)
        vmci = base_vmcoreinfo("5.4.0" if caller else "4.19.0") + lb.vmcoreinfo()
    elif name == "logbuf-3.10" or (name.startswith("logbuf-") and name.endswith("-cont")):
        lb = LogBuf(m, 4096)
        for r in [
            {"ts": 0, "text": "Linux version 3.10.0", "level": 5},
            {"ts": 2000, "text": "CPU features:", "flags": LOG_PREFIX | LOG_CONT},
            {"ts": 3000, "text": " fpu", "flags": LOG_CONT},
            {"ts": 4000, "text": " sse", "flags": LOG_CONT | LOG_NEWLINE},
            {"ts": 5000, "text": "next line", "dict": b"SUBSYSTEM=cpu"},
            {"ts": 6000, "text": "no newline yet", "flags": LOG_PREFIX | LOG_CONT},
            {"ts": 7000, "text": "interrupting line"},
        ]:
            lb.store(r)
        vmci = base_vmcoreinfo("3.10.0" if name == "logbuf-3.10" else name[7:-5])
        vmci += lb.vmcoreinfo("log" if name == "logbuf-3.10" else "printk_log")
    elif name == "logbuf-corrupt":
        lb = LogBuf(m, 4096)
        for i in range(6):
            lb.store({"ts": ts_of(i), "text": "record %d" % i})
        # the 4th record's length says 3 bytes: shorter than its header
        idx = 0
        for _ in range(3):
            idx += lb.rec_len(idx)
        m.u16(DATA + idx + 8, 3)
        assert idx == 72    # tests/dmesg.sh names it
        vmci = base_vmcoreinfo("4.19.0") + lb.vmcoreinfo()
    elif name == "prb-badbits":
        rb = Prb(m, 5, 12, exact_fit=False)
        rb.reserve({"ts": 1, "text": "x"})
        vmci = base_vmcoreinfo("6.1.0") + rb.vmcoreinfo()
        m.u32(VARS + 0x40, 40)              # desc_ring.count_bits
    elif name == "prb-headpast":
        rb = Prb(m, 5, 12, exact_fit=False)
        rb.reserve({"ts": 1, "text": "x"})
        vmci = base_vmcoreinfo("6.1.0") + rb.vmcoreinfo()
        m.u64(VARS + 0x40 + 24, rb.tail + 32)   # head a whole ring past tail
    elif name == "logbuf-badidx":
        lb = LogBuf(m, 4096)
        lb.store({"ts": 1, "text": "x"})
        vmci = base_vmcoreinfo("4.19.0") + lb.vmcoreinfo()
        m.u32(VARS + 12, 5000)              # log_first_idx past log_buf_len
    elif name == "logbuf-twowraps":
        lb = LogBuf(m, 4096)
        lb.store({"ts": 1, "text": "x"})
        vmci = base_vmcoreinfo("4.19.0") + lb.vmcoreinfo()
        m.u32(VARS + 16, 2000)              # log_next_idx where no record ends
    else:
        sys.exit("dmesg-gen.py: unknown scenario " + name)
    return m, vmci, exp


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    m, vmci, exp = scenario(sys.argv[1])
    write_elf(sys.argv[2], m, vmci)
    if exp is None:
        return
    for suffix, style in (("", ""), ("-level", "level"), ("-caller", "caller")):
        with open(sys.argv[3] + suffix, "w") as f:
            f.write("".join(l + "\n" for r in exp for l in lines_of(r, style)))
    with open(sys.argv[3] + ".json", "w") as f:
        json.dump([{"ts_nsec": r["ts"], "text": r["text"], "level": r.get("level", 6),
                    "facility": r.get("facility", 0), "caller_id": r.get("caller", 1),
                    "flags": r.get("flags", LOG_NEWLINE | (LOG_PREFIX if "log" in sys.argv[1]
                                                          else 0))}
                   for r in exp], f)


if __name__ == "__main__":
    main()
