#!/usr/bin/python3
"""Rewrite a copy of a QEMU ELF dump with the program headers at offset 64.

QEMU (7.2) writes ELF64 dumps with the section headers first and the program
header table after them (e_phoff 192).  makedumpfile 1.7.2 assumes the program
headers follow the ELF header, so it cannot read such a file.  This tool:

  * copies IN to OUT;
  * if the program header table fits between the ELF header and the first
    segment/note data, writes it at offset 64 in place, sets e_phoff = 64 and
    drops the section header table (e_shoff = e_shnum = e_shstrndx = 0; it is
    only needed when e_phnum == PN_XNUM, which is then refused);
  * otherwise re-lays the whole file: header, program headers, then every
    segment's bytes, with p_offset fixed.

With --direct-map-last (x86_64), the largest PT_LOAD whose p_vaddr lies in
[0xff00000000000000, 0xffffffff80000000) - the direct map in a dump taken with
paging - is moved to the end of the table: makedumpfile derives PAGE_OFFSET as
p_vaddr - p_paddr of the LAST PT_LOAD below __START_KERNEL_map, and QEMU's
paging dumps list vmalloc/user mappings after the direct map.

Usage: elf-phdr-front.py [--direct-map-last] IN OUT
"""
import shutil
import struct
import sys

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
PHDR = struct.Struct("<IIQQQQQQ")
PN_XNUM = 0xFFFF


def main():
    args = sys.argv[1:]
    dm_last = "--direct-map-last" in args
    args = [a for a in args if a != "--direct-map-last"]
    if len(args) != 2:
        sys.exit(__doc__)
    src, dst = args
    with open(src, "rb") as f:
        eh = list(EHDR.unpack(f.read(EHDR.size)))
        ident = eh[0]
        if ident[:4] != b"\x7fELF" or ident[4] != 2 or ident[5] != 1:
            sys.exit("elf-phdr-front: %s is not a little-endian ELF64 file" % src)
        phoff, phentsize, phnum = eh[5], eh[9], eh[10]
        if phentsize != PHDR.size:
            sys.exit("elf-phdr-front: unexpected e_phentsize %d" % phentsize)
        if phnum == PN_XNUM:
            sys.exit("elf-phdr-front: e_phnum is PN_XNUM, not supported")
        f.seek(phoff)
        table = f.read(phnum * PHDR.size)
    phdrs = [list(PHDR.unpack_from(table, i * PHDR.size)) for i in range(phnum)]
    if dm_last:
        cands = [i for i, p in enumerate(phdrs) if p[0] == 1 and
                 0xff00000000000000 <= p[3] < 0xffffffff80000000]
        if cands:
            big = max(cands, key=lambda i: phdrs[i][6])
            phdrs.append(phdrs.pop(big))
            table = b"".join(PHDR.pack(*p) for p in phdrs)
            print("elf-phdr-front: direct map PT_LOAD vaddr 0x%x paddr 0x%x "
                  "moved last" % (phdrs[-1][3], phdrs[-1][4]))
    data_offsets = [p[2] for p in phdrs if p[5] > 0]
    first_data = min(data_offsets) if data_offsets else 1 << 62
    new_end = EHDR.size + phnum * PHDR.size

    if phoff == EHDR.size and not dm_last:
        shutil.copyfile(src, dst)
        print("elf-phdr-front: program headers already at 64; plain copy")
        return

    if new_end <= first_data:
        shutil.copyfile(src, dst)
        eh[5] = EHDR.size            # e_phoff
        eh[6] = 0                    # e_shoff
        eh[12] = 0                   # e_shnum
        eh[13] = 0                   # e_shstrndx
        with open(dst, "r+b") as f:
            f.write(EHDR.pack(*eh))
            f.write(table)
            # wipe the stale bytes between the new table and the old table end
            old_end = phoff + phnum * PHDR.size
            if old_end > new_end:
                f.write(b"\0" * (min(old_end, first_data) - new_end))
        print("elf-phdr-front: moved %d program headers %d -> 64 in place" %
              (phnum, phoff))
        return

    # Re-lay: header, phdrs, then each segment's bytes (8-byte aligned).
    eh[5], eh[6], eh[12], eh[13] = EHDR.size, 0, 0, 0
    pos = new_end
    plan = []
    for p in phdrs:
        if p[5] == 0:
            continue
        pos = (pos + 7) & ~7
        plan.append((p[2], pos, p[5]))
        p[2] = pos
        pos += p[5]
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        fo.write(EHDR.pack(*eh))
        for p in phdrs:
            fo.write(PHDR.pack(*p))
        for old, new, size in plan:
            fi.seek(old)
            fo.seek(new)
            while size:
                chunk = fi.read(min(size, 8 << 20))
                if not chunk:
                    sys.exit("elf-phdr-front: %s truncated" % src)
                fo.write(chunk)
                size -= len(chunk)
    print("elf-phdr-front: re-laid %d segments" % len(plan))


if __name__ == "__main__":
    main()
