/* The ELF64 vmcore reader: /proc/vmcore copies, makedumpfile -E output and
 * QEMU dump-guest-memory files, plain or flattened.
 *
 * Physical memory is what the PT_LOAD segments describe by p_paddr.  The
 * segments used for reads are kept in a private index sorted by physical
 * address, so a block lookup is a binary search.  Bytes a segment covers
 * in p_memsz but not in p_filesz are memory the producer chose not to
 * store (makedumpfile -E puts filtered-out pages there).
 */
#include <stdlib.h>
#include <string.h>

#include "dump-priv.h"
#include "error-priv.h"
#include "util.h"

#define EHDR_SIZE 64
#define PHDR_SIZE 56
#define SHDR_SIZE 64
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT 1
#define ET_CORE 4
#define EM_X86_64 62
#define EM_AARCH64 183
#define PT_LOAD 1
#define PT_NOTE 4
#define PN_XNUM 0xffff
/* makedumpfile sets this e_flags bit when it could not write every page. */
#define DUMP_ELF_INCOMPLETE 0x1
/* Notes are a few KiB per CPU; this bounds the buffer for hostile files. */
#define NOTES_MAX (64u << 20)

/* One segment used for reads: [start, end) is physical memory, of which
 * [start, file_end) is stored at file offset `offset`.  In a dump marked
 * incomplete the file may stop early: only [start, avail_end) is really
 * there, and [avail_end, file_end) was lost. */
struct elf_map_ent {
	uint64_t start, avail_end, file_end, end;
	uint64_t offset;
	size_t seg;		/* index in d->segments, for messages */
};

struct elf_priv {
	struct elf_map_ent *map;	/* sorted by start, disjoint */
	size_t nmap;
};

/* The first entry whose range ends after addr (nmap if none). */
static size_t map_find(const struct elf_priv *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmap;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->map[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The block's byte range [*start, *end), or false if it cannot be in any
 * segment (every used segment's rounded end was checked not to overflow). */
static bool block_bounds(const vms_dump *d, uint64_t blk, uint64_t *start, uint64_t *end)
{
	return vms_mul_ok(blk, d->block_size, start) && vms_add_ok(*start, d->block_size, end);
}

static vms_error *elf_block_status(vms_dump *d, uint64_t blk, enum vms_page_status *st)
{
	const struct elf_priv *p = d->priv;
	uint64_t bstart, bend;
	size_t i;

	*st = VMS_PAGE_ABSENT;
	if (!block_bounds(d, blk, &bstart, &bend))
		return NULL;
	/* Any stored byte makes the block present; otherwise a byte the file
	 * should have held but lost makes it lost; otherwise a memsz tail
	 * makes it excluded.  Small segments may share one block. */
	for (i = map_find(p, bstart); i < p->nmap && p->map[i].start < bend; i++) {
		const struct elf_map_ent *e = &p->map[i];

		if (e->start < e->avail_end && e->avail_end > bstart) {
			*st = VMS_PAGE_PRESENT;
			return NULL;
		}
		if (e->avail_end < e->file_end && e->file_end > bstart && e->avail_end < bend)
			*st = VMS_PAGE_LOST;
		else if (*st != VMS_PAGE_LOST)
			*st = VMS_PAGE_EXCLUDED;
	}
	return NULL;
}

static const uint8_t *elf_block_ptr(vms_dump *d, uint64_t blk)
{
	const struct elf_priv *p = d->priv;
	const struct vms_file *f = d->files[0];
	uint64_t bstart, bend;
	size_t i;

	if (!f->map || vms_file_is_flat(f) || !block_bounds(d, blk, &bstart, &bend))
		return NULL;
	i = map_find(p, bstart);
	/* Only a block one segment stores whole (the common case). */
	if (i >= p->nmap || p->map[i].start > bstart || p->map[i].avail_end < bend)
		return NULL;
	return f->map + p->map[i].offset + (bstart - p->map[i].start);
}

static vms_error *elf_read_block(vms_dump *d, uint64_t blk, void *buf,
				 enum vms_page_status *st)
{
	const struct elf_priv *p = d->priv;
	struct vms_file *f = d->files[0];
	uint64_t bstart, bend;
	vms_error *err;
	size_t i;

	err = elf_block_status(d, blk, st);
	if (err || *st != VMS_PAGE_PRESENT || !block_bounds(d, blk, &bstart, &bend))
		return err;
	/* Bytes no segment stores (holes, memsz tails) read as zeros. */
	memset(buf, 0, d->block_size);
	for (i = map_find(p, bstart); i < p->nmap && p->map[i].start < bend; i++) {
		const struct elf_map_ent *e = &p->map[i];
		uint64_t lo = e->start > bstart ? e->start : bstart;
		uint64_t hi = e->avail_end < bend ? e->avail_end : bend;
		uint64_t off = e->offset + (lo - e->start);
		uint8_t *dst = (uint8_t *)buf + (lo - bstart);

		if (lo >= hi)
			continue;
		/* Segments were checked to lie within the file at open. */
		if (f->map && !vms_file_is_flat(f)) {
			memcpy(dst, f->map + off, hi - lo);
		} else {
			err = vms_file_read(f, off, dst, hi - lo, "PT_LOAD data");
			if (err)
				return err;
		}
	}
	return NULL;
}

/* Adds the blocks of [lo, hi) with status st to the counts.  Intervals come
 * in address order, so one can only share its first block with the last
 * block counted before it; a block with any stored byte counts as present. */
struct block_sweep {
	struct vms_page_counts *c;
	uint32_t bs;
	bool any;
	uint64_t last;			/* last block counted */
	enum vms_page_status last_st;
};

static uint64_t *count_of(struct vms_page_counts *c, enum vms_page_status st)
{
	return st == VMS_PAGE_PRESENT ? &c->present : st == VMS_PAGE_LOST ? &c->lost : &c->excluded;
}

static int rank(enum vms_page_status st)
{
	return st == VMS_PAGE_PRESENT ? 2 : st == VMS_PAGE_LOST ? 1 : 0;
}

static void sweep_add(struct block_sweep *s, uint64_t lo, uint64_t hi, enum vms_page_status st)
{
	uint64_t first = lo / s->bs, end = hi / s->bs + (hi % s->bs != 0);

	if (lo >= hi)
		return;
	if (s->any && first == s->last) {
		/* present beats lost beats excluded */
		if (rank(st) > rank(s->last_st)) {
			*count_of(s->c, s->last_st) -= 1;
			*count_of(s->c, st) += 1;
			s->last_st = st;
		}
		first++;
	}
	if (first >= end)
		return;
	*count_of(s->c, st) += end - first;
	s->any = true;
	s->last = end - 1;
	s->last_st = st;
}

static vms_error *elf_count_blocks(vms_dump *d, struct vms_page_counts *out)
{
	const struct elf_priv *p = d->priv;
	struct block_sweep s = { out, d->block_size, false, 0, VMS_PAGE_ABSENT };
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < p->nmap; i++) {
		sweep_add(&s, p->map[i].start, p->map[i].avail_end, VMS_PAGE_PRESENT);
		sweep_add(&s, p->map[i].avail_end, p->map[i].file_end, VMS_PAGE_LOST);
		sweep_add(&s, p->map[i].file_end, p->map[i].end, VMS_PAGE_EXCLUDED);
	}
	return NULL;
}

static void elf_close(vms_dump *d)
{
	struct elf_priv *p = d->priv;

	if (p)
		free(p->map);
	free(p);
	d->priv = NULL;
}

static const struct vms_reader_ops elf_ops = {
	.name = "elf",
	.block_status = elf_block_status,
	.read_block = elf_read_block,
	.block_ptr = elf_block_ptr,
	.count_blocks = elf_count_blocks,
	.close = elf_close,
};

/* The kernel page size from VMCOREINFO, or 0 when absent or unusable. */
static uint32_t vmcoreinfo_pagesize(const vms_dump *d)
{
	const char *line = d->vmcoreinfo;
	unsigned long v = 0;

	while (line) {
		if (!strncmp(line, "PAGESIZE=", 9)) {
			v = strtoul(line + 9, NULL, 10);
			break;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return vms_is_pow2(v) && v >= 4096 && v <= 65536 ? (uint32_t)v : 0;
}

/* Reads the program header table; *out is malloc'd, phnum entries. */
static vms_error *read_phdrs(vms_dump *d, const uint8_t *eh, uint8_t **out, uint64_t *phnum_out)
{
	struct vms_file *f = d->files[0];
	bool be = d->big_endian;
	uint64_t phoff = vms_get64(eh + 32, be), shoff = vms_get64(eh + 40, be);
	uint16_t phentsize = vms_get16(eh + 54, be), shentsize = vms_get16(eh + 58, be);
	uint64_t phnum = vms_get16(eh + 56, be), tabsize, tabend;
	uint8_t *tab;
	vms_error *err;

	*out = NULL;
	*phnum_out = 0;
	if (phnum == PN_XNUM) {
		/* Extended numbering (makedumpfile -E with many segments): the
		 * real count is in section header 0's sh_info. */
		uint8_t sh[SHDR_SIZE];

		if (shoff == 0 || shentsize < SHDR_SIZE)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, 56,
					    "e_phnum is PN_XNUM but there is no section header 0 (e_shoff 0x%llx, e_shentsize %u)",
					    (unsigned long long)shoff, shentsize);
		err = vms_file_read(f, shoff, sh, sizeof(sh), "section header 0");
		if (err)
			return err;
		phnum = vms_get32(sh + 44, be);
	}
	if (phnum == 0)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 56, "no program headers");
	if (phentsize != PHDR_SIZE)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 54,
				    "e_phentsize is %u, expected %u", phentsize, PHDR_SIZE);
	/* Bound the allocation by the file before making it. */
	if (!vms_mul_ok(phnum, PHDR_SIZE, &tabsize) || !vms_add_ok(phoff, tabsize, &tabend) ||
	    tabend > f->size)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, phoff,
				    "%llu program headers at offset 0x%llx run past the end of the file (%llu bytes)",
				    (unsigned long long)phnum, (unsigned long long)phoff,
				    (unsigned long long)f->size);
	tab = malloc(tabsize);
	if (!tab)
		return VMS_ENOMEM;
	err = vms_file_read(f, phoff, tab, tabsize, "program headers");
	if (err) {
		free(tab);
		return err;
	}
	*out = tab;
	*phnum_out = phnum;
	return NULL;
}

static vms_error *read_notes(vms_dump *d, uint64_t off, uint64_t size, uint64_t phoff)
{
	struct vms_file *f = d->files[0];
	uint64_t end;
	uint8_t *buf;
	vms_error *err;

	if (size == 0)
		return NULL;
	if (!vms_add_ok(off, size, &end) || end > f->size)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, phoff,
				    "PT_NOTE at offset 0x%llx, %llu bytes, runs past the end of the file",
				    (unsigned long long)off, (unsigned long long)size);
	if (size > NOTES_MAX)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, phoff,
				    "PT_NOTE of %llu bytes is larger than the %u allowed",
				    (unsigned long long)size, NOTES_MAX);
	buf = malloc(size);
	if (!buf)
		return VMS_ENOMEM;
	err = vms_file_read(f, off, buf, size, "PT_NOTE");
	if (!err)
		err = vms_notes_parse(d, f, buf, size, off);
	free(buf);
	return err;
}

/* Checks one PT_LOAD and appends it to d->segments. */
static vms_error *add_segment(vms_dump *d, const uint8_t *ph, uint64_t phoff, size_t index)
{
	struct vms_file *f = d->files[0];
	bool be = d->big_endian;
	struct vms_segment s;
	uint64_t end;

	s.offset = vms_get64(ph + 8, be);
	s.vaddr = vms_get64(ph + 16, be);
	s.paddr = vms_get64(ph + 24, be);
	s.filesz = vms_get64(ph + 32, be);
	s.memsz = vms_get64(ph + 40, be);
	if (s.filesz > s.memsz)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, phoff,
				    "PT_LOAD %zu: p_filesz 0x%llx is larger than p_memsz 0x%llx",
				    index, (unsigned long long)s.filesz, (unsigned long long)s.memsz);
	/* A segment with nothing stored may have any offset (QEMU writes -1).
	 * In a dump marked incomplete, data may stop at the end of the file:
	 * the missing part is reported lost, page by page (build_map). */
	if (s.filesz && (!vms_add_ok(s.offset, s.filesz, &end) ||
			 (end > f->size && !d->incomplete)))
		return vms_error_at(VMS_ERR_CORRUPT, f->path, phoff,
				    "PT_LOAD %zu: data at offset 0x%llx, 0x%llx bytes, runs past the end of the file (%llu bytes)",
				    index, (unsigned long long)s.offset, (unsigned long long)s.filesz,
				    (unsigned long long)f->size);
	d->segments[d->nsegments++] = s;
	return NULL;
}

static int map_cmp(const void *a, const void *b)
{
	const struct elf_map_ent *x = a, *y = b;

	/* By start; at equal starts the larger range first, so a nested one
	 * always follows the segment that contains it. */
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1;
	return x->seg < y->seg ? -1 : x->seg > y->seg;
}

/* The file offset of the program header of PT_LOAD number k, for messages. */
static uint64_t load_phdr_offset(const vms_dump *d, const uint8_t *phdrs, uint64_t phnum,
				 uint64_t phoff, size_t k)
{
	uint64_t i;

	for (i = 0; i < phnum; i++)
		if (vms_get32(phdrs + i * PHDR_SIZE, d->big_endian) == PT_LOAD && k-- == 0)
			break;
	return phoff + i * PHDR_SIZE;
}

/* Builds the sorted physical index and the dump's ranges. */
static vms_error *build_map(vms_dump *d, struct elf_priv *p, const uint8_t *phdrs,
			    uint64_t phnum, uint64_t phoff)
{
	struct vms_file *f = d->files[0];
	uint64_t bs = d->block_size;
	bool all_zero = true;
	size_t i, n = 0;
	vms_error *err;

	for (i = 0; i < d->nsegments; i++)
		all_zero &= d->segments[i].paddr == 0;
	/* /proc/kcore before v4.11 leaves every p_paddr 0 (libkdumpfile's rule):
	 * there is then no physical map at all. */
	if (all_zero && d->nsegments > 1)
		return NULL;
	p->map = calloc(d->nsegments ? d->nsegments : 1, sizeof(*p->map));
	if (!p->map)
		return VMS_ENOMEM;
	for (i = 0; i < d->nsegments; i++) {
		const struct vms_segment *s = &d->segments[i];
		struct elf_map_ent *e = &p->map[n];
		uint64_t end, rounded;

		/* p_paddr -1 marks kcore's vmalloc-style segments: no physical
		 * address.  Empty segments map nothing. */
		if (s->paddr == UINT64_MAX || s->memsz == 0)
			continue;
		if (!vms_add_ok(s->paddr, s->memsz, &end) || !vms_add_ok(end, bs - 1, &rounded))
			return vms_error_at(VMS_ERR_CORRUPT, f->path,
					    load_phdr_offset(d, phdrs, phnum, phoff, i),
					    "PT_LOAD %zu: physical range 0x%llx + 0x%llx runs past the end of the address space",
					    i, (unsigned long long)s->paddr, (unsigned long long)s->memsz);
		e->start = s->paddr;
		e->file_end = s->paddr + s->filesz;
		e->avail_end = e->file_end;
		if (s->filesz && s->offset + s->filesz > f->size)
			e->avail_end = s->paddr + (s->offset < f->size ? f->size - s->offset : 0);
		e->end = end;
		e->offset = s->offset;
		e->seg = i;
		n++;
	}
	qsort(p->map, n, sizeof(*p->map), map_cmp);

	/* Drop segments nested in another (kexec's kernel-text PT_LOAD repeats
	 * part of a RAM segment); refuse partial overlaps, which leave no
	 * single answer for the shared bytes. */
	p->nmap = 0;
	for (i = 0; i < n; i++) {
		const struct elf_map_ent *e = &p->map[i];

		if (p->nmap) {
			const struct elf_map_ent *prev = &p->map[p->nmap - 1];

			if (e->start < prev->end) {
				size_t a = prev->seg < e->seg ? prev->seg : e->seg;
				size_t b = prev->seg < e->seg ? e->seg : prev->seg;

				if (e->end <= prev->end)
					continue;
				return vms_error_at(VMS_ERR_CORRUPT, f->path,
						    load_phdr_offset(d, phdrs, phnum, phoff, b),
						    "overlapping PT_LOAD segments %zu and %zu", a, b);
			}
		}
		p->map[p->nmap++] = *e;
	}

	for (i = 0; i < p->nmap; i++) {
		uint64_t start = p->map[i].start & ~(bs - 1);
		uint64_t end = (p->map[i].end + bs - 1) & ~(bs - 1);

		err = vms_dump_add_range(d, start, end);
		if (err)
			return err;
	}
	return NULL;
}

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case 3: return "i386";
	case 8: return "MIPS";
	case 20: return "PowerPC";
	case 21: return "PowerPC64";
	case 22: return "s390";
	case 40: return "ARM";
	case 243: return "RISC-V";
	case 258: return "LoongArch";
	default: return "unknown";
	}
}

vms_error *vms_elf_open(vms_dump *d)
{
	struct vms_file *f = d->files[0];
	uint8_t eh[EHDR_SIZE], *phdrs = NULL;
	uint64_t phoff, phnum, i, nloads = 0;
	struct elf_priv *p;
	uint16_t type, machine;
	uint32_t pagesize;
	vms_error *err;

	if (d->nfiles != 1)
		return vms_error_fmt(VMS_ERR_INVALID, "%s: an ELF vmcore is one file, got %zu",
				     f->path, d->nfiles);
	if (f->size < 4)
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 0, "not an ELF file");
	err = vms_file_read(f, 0, eh, 4, "ELF magic");
	if (err)
		return err;
	if (memcmp(eh, "\177ELF", 4))
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 0, "not an ELF file");

	/* From here on the file claims to be ELF: every problem is an error. */
	err = vms_file_read(f, 0, eh, sizeof(eh), "ELF header");
	if (err)
		return err;
	if (eh[4] == ELFCLASS32)
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 4,
				    "32-bit ELF (ELFCLASS32) dumps are not supported; only ELF64 vmcores are");
	if (eh[4] != ELFCLASS64)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 4, "bad ELF class %u", eh[4]);
	if (eh[5] != ELFDATA2LSB && eh[5] != ELFDATA2MSB)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 5, "bad ELF byte order %u", eh[5]);
	if (eh[6] != EV_CURRENT)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 6, "bad ELF version %u", eh[6]);
	d->big_endian = eh[5] == ELFDATA2MSB;
	type = vms_get16(eh + 16, d->big_endian);
	machine = vms_get16(eh + 18, d->big_endian);
	if (type != ET_CORE)
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 16,
				    "ELF file is not a core dump (e_type %u, expected ET_CORE)", type);
	if (machine == EM_X86_64)
		d->arch = VMS_ARCH_X86_64;
	else if (machine == EM_AARCH64)
		d->arch = VMS_ARCH_ARM64;
	else
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 18,
				    "ELF machine %u (%s) is not supported; only x86_64 and arm64 are",
				    machine, machine_name(machine));
	if (d->arch == VMS_ARCH_X86_64 && d->big_endian)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 5, "big-endian x86_64 ELF file");

	d->format = vms_file_is_flat(f) ? VMS_FORMAT_ELF_FLAT : VMS_FORMAT_ELF;
	d->format_version = 64;
	d->dump_level = -1;
	d->incomplete = vms_get32(eh + 48, d->big_endian) & DUMP_ELF_INCOMPLETE;

	/* Set up the state now so that the core's close frees it on failure. */
	p = calloc(1, sizeof(*p));
	if (!p)
		return VMS_ENOMEM;
	d->priv = p;
	d->ops = &elf_ops;

	/* Program headers may sit anywhere (QEMU 7.2 puts them after the
	 * section headers); only e_phoff says where. */
	err = read_phdrs(d, eh, &phdrs, &phnum);
	if (err)
		return err;
	phoff = vms_get64(eh + 32, d->big_endian);

	for (i = 0; i < phnum; i++)
		nloads += vms_get32(phdrs + i * PHDR_SIZE, d->big_endian) == PT_LOAD;
	d->segments = calloc(nloads ? nloads : 1, sizeof(*d->segments));
	if (!d->segments) {
		err = VMS_ENOMEM;
		goto out;
	}
	for (i = 0; i < phnum && !err; i++) {
		const uint8_t *ph = phdrs + i * PHDR_SIZE;
		uint64_t at = phoff + i * PHDR_SIZE;

		switch (vms_get32(ph, d->big_endian)) {
		case PT_LOAD:
			err = add_segment(d, ph, at, d->nsegments);
			break;
		case PT_NOTE:
			err = read_notes(d, vms_get64(ph + 8, d->big_endian),
					 vms_get64(ph + 32, d->big_endian), at);
			break;
		}
	}
	if (err)
		goto out;

	/* The block is the kernel page.  Without VMCOREINFO, arm64's page
	 * size is unknown (4K, 16K or 64K): assume 4K, which is always a
	 * valid granule for ELF data; the analyzer may learn the real one. */
	pagesize = d->opts.ignore_vmcoreinfo ? 0 : vmcoreinfo_pagesize(d);
	d->block_size = pagesize ? pagesize : 4096;
	d->page_size = d->block_size;

	err = build_map(d, p, phdrs, phnum, phoff);
out:
	free(phdrs);
	return err;
}
