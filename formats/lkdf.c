/* The libkdumpfile-backed reader (--reader=libkdumpfile, and AUTO's last
 * resort when no native reader recognises the file).
 *
 * libkdumpfile knows formats vmscope does not (LKCD, s390, SADUMP, Xen
 * xc_core), so this reader exists for breadth, and as a second opinion.  It
 * only sees what libkdumpfile 0.5.1 exposes, which limits what it can say
 * about a page (see page_status() below):
 *   - it cannot tell a kdump zero page from any other page: PRESENT;
 *   - it reports excluded pages and holes alike as KDUMP_ERR_NODATA, so
 *     "not readable" becomes EXCLUDED inside the RAM map and ABSENT outside;
 *   - it does not zero-fill ELF p_memsz tails (they read as NODATA, so they
 *     come out EXCLUDED here, where the native ELF reader says ZERO);
 *   - it reads the page just below an ELF PT_LOAD as zeros, though no
 *     segment covers it: we trust its RAM map and call that page ABSENT;
 *   - it does not expose the kdump "incomplete" flag; a lost page (a zeroed
 *     descriptor) fails with "Wrong page size: 0", which we call LOST.
 *   - it reads ELF data that lies past the end of a truncated file as
 *     zeros, without an error (the native reader refuses such a file).
 * It cannot read makedumpfile/QEMU flattened files, nor arm64 kdump files
 * with 64 KiB blocks; the native readers handle those.  Asking 0.5.1 for a
 * kdump file's "memory.pagemap" leaks 24 KiB inside the library, once per
 * open (LeakSanitizer reports it from libkdumpfile.so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>

#include "dump-priv.h"
#include "error-priv.h"
#include "util.h"

/* Bounds what a hostile bitmap can make us allocate: past this many RAM runs
 * the rest of the address space becomes one range (reads still decide). */
#define LKDF_MAX_RANGES (1u << 20)

/* elf_prstatus layout on LP64 kernels (x86_64 and arm64 alike). */
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112
#define X86_64_NREGS 27
#define ARM64_NREGS 34

struct lkdf {
	kdump_ctx_t *ctx;
	int *fds;
	size_t nfds;
	uint64_t max_pfn;	/* pages at or above it are not in the dump */
	void *scratch;		/* one page, for block_status */
};

static enum vms_error_code code_of(kdump_status st)
{
	switch (st) {
	case KDUMP_ERR_SYSTEM: return VMS_ERR_IO;
	case KDUMP_ERR_NOTIMPL: return VMS_ERR_UNSUPPORTED;
	case KDUMP_ERR_NODATA: return VMS_ERR_NODATA;
	case KDUMP_ERR_INVALID: return VMS_ERR_INVALID;
	case KDUMP_ERR_NOKEY: return VMS_ERR_NOT_FOUND;
	default: return VMS_ERR_CORRUPT;
	}
}

/* "PATH: libkdumpfile: WHAT: its message" */
static vms_error *lkdf_error(kdump_ctx_t *ctx, kdump_status st, const char *path,
			     const char *what)
{
	const char *msg = ctx ? kdump_get_err(ctx) : NULL;

	return vms_error_fmt(code_of(st), "%s: libkdumpfile: %s: %s", path, what,
			     msg ? msg : kdump_strerror(st));
}

static struct lkdf *priv_of(vms_dump *d) { return d->priv; }

/* True when pfn lies in one of d->ranges (sorted and merged by the core once
 * open returns, which is before any block is asked for). */
static bool in_ranges(const vms_dump *d, uint64_t pfn)
{
	uint64_t addr = pfn * d->block_size;
	size_t lo = 0, hi = d->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr >= d->ranges[mid].end)
			lo = mid + 1;
		else if (addr < d->ranges[mid].start)
			hi = mid;
		else
			return true;
	}
	return false;
}

/* Reads page blk into buf and turns libkdumpfile's answer into a status.
 * A failed single-page kdump_read() copies nothing, so buf is untouched for
 * anything but PRESENT (and the ABSENT edge page below, which is zeros). */
static vms_error *page_status(vms_dump *d, uint64_t blk, void *buf,
			      enum vms_page_status *st)
{
	struct lkdf *p = priv_of(d);
	size_t len = d->block_size;
	kdump_status ks;
	const char *msg;

	if (blk >= p->max_pfn) {
		*st = VMS_PAGE_ABSENT;
		return NULL;
	}
	/* Machine physical addresses: kernel physical ones would go through
	 * libaddrxlat, which fails on dumps whose paging mode it cannot work
	 * out; outside Xen the two are the same. */
	ks = kdump_read(p->ctx, KDUMP_MACHPHYSADDR, blk * d->block_size, buf, &len);
	if (ks == KDUMP_OK) {
		/* 0.5.1 reads the page just below an ELF PT_LOAD as zeros though
		 * nothing covers it; its own RAM map knows better. */
		*st = in_ranges(d, blk) ? VMS_PAGE_PRESENT : VMS_PAGE_ABSENT;
		return NULL;
	}
	if (ks == KDUMP_ERR_NODATA) {
		/* Excluded pages and holes look alike here; the RAM map tells
		 * them apart. */
		*st = in_ranges(d, blk) ? VMS_PAGE_EXCLUDED : VMS_PAGE_ABSENT;
		return NULL;
	}
	msg = kdump_get_err(p->ctx);
	if (ks == KDUMP_ERR_CORRUPT && msg && !strcmp(msg, "Wrong page size: 0")) {
		/* What 0.5.1 says for a zeroed descriptor: makedumpfile leaves
		 * those behind when the disk filled up (incomplete dump). */
		*st = VMS_PAGE_LOST;
		return NULL;
	}
	return vms_error_fmt(code_of(ks), "%s: libkdumpfile: page 0x%llx (address 0x%llx): %s",
			     d->files[0]->path, (unsigned long long)blk,
			     (unsigned long long)(blk * d->block_size),
			     msg ? msg : kdump_strerror(ks));
}

static vms_error *lkdf_block_status(vms_dump *d, uint64_t blk, enum vms_page_status *st)
{
	/* libkdumpfile has no cheaper question than reading the page. */
	return page_status(d, blk, priv_of(d)->scratch, st);
}

static vms_error *lkdf_read_block(vms_dump *d, uint64_t blk, void *buf,
				  enum vms_page_status *st)
{
	return page_status(d, blk, buf, st);
}

static void lkdf_close(vms_dump *d)
{
	struct lkdf *p = priv_of(d);

	if (!p)
		return;
	if (p->ctx)
		kdump_free(p->ctx);
	for (size_t i = 0; i < p->nfds; i++)
		if (p->fds[i] >= 0)
			close(p->fds[i]);
	free(p->fds);
	free(p->scratch);
	free(p);
	d->priv = NULL;
}

static const struct vms_reader_ops lkdf_ops = {
	.name = "libkdumpfile",
	.block_status = lkdf_block_status,
	.read_block = lkdf_read_block,
	.count_blocks = NULL,
	.close = lkdf_close,
};

/* Adds one range per run of set bits in the bitmap attribute `key`, up to
 * max_pfn.  Returns false (adding nothing) when the attribute is missing. */
static vms_error *ranges_from_bitmap(vms_dump *d, const char *key, bool *found)
{
	struct lkdf *p = priv_of(d);
	kdump_attr_t attr;
	kdump_bmp_t *bmp;
	kdump_addr_t pfn = 0, end;
	size_t n = 0;
	vms_error *err;

	*found = false;
	if (kdump_get_attr(p->ctx, key, &attr) != KDUMP_OK || attr.type != KDUMP_BITMAP)
		return NULL;
	*found = true;
	bmp = attr.val.bitmap;
	/* The attribute value is only borrowed; hold the bitmap while we walk. */
	kdump_bmp_incref(bmp);
	while (pfn < p->max_pfn) {
		if (kdump_bmp_find_set(bmp, &pfn) != KDUMP_OK || pfn >= p->max_pfn)
			break;	/* no set bit left */
		end = pfn;
		if (kdump_bmp_find_clear(bmp, &end) != KDUMP_OK || end > p->max_pfn ||
		    end <= pfn || ++n >= LKDF_MAX_RANGES)
			end = p->max_pfn;
		err = vms_dump_add_range(d, pfn * d->block_size, end * d->block_size);
		if (err) {
			kdump_bmp_decref(bmp);
			return err;
		}
		pfn = end;
	}
	kdump_bmp_decref(bmp);
	return NULL;
}

static vms_error *read_vmcoreinfo(vms_dump *d)
{
	struct lkdf *p = priv_of(d);
	kdump_attr_t attr;
	vms_error *err;
	void *data;

	if (kdump_get_attr(p->ctx, "linux.vmcoreinfo.raw", &attr) != KDUMP_OK ||
	    attr.type != KDUMP_BLOB)
		return NULL;	/* none in this dump */
	kdump_blob_incref(attr.val.blob);
	data = kdump_blob_pin(attr.val.blob);
	err = data ? vms_notes_set_vmcoreinfo(d, data, kdump_blob_size(attr.val.blob)) : NULL;
	kdump_blob_unpin(attr.val.blob);
	kdump_blob_decref(attr.val.blob);
	return err ? vms_error_prefix(err, "%s: libkdumpfile", d->files[0]->path) : NULL;
}

/* CPUs from the raw NT_PRSTATUS blobs ("cpu.N.PRSTATUS"). */
static vms_error *read_cpus(vms_dump *d)
{
	struct lkdf *p = priv_of(d);
	kdump_num_t ncpus;
	unsigned int nregs;

	switch (d->arch) {
	case VMS_ARCH_X86_64: nregs = X86_64_NREGS; break;
	case VMS_ARCH_ARM64: nregs = ARM64_NREGS; break;
	default: return NULL;	/* no register layout to apply */
	}
	if (kdump_get_number_attr(p->ctx, KDUMP_ATTR_NUM_CPUS, &ncpus) != KDUMP_OK || !ncpus)
		return NULL;
	/* One note per CPU in the file: the file's size bounds the count. */
	if (ncpus > 65536)
		return vms_error_fmt(VMS_ERR_CORRUPT, "%s: libkdumpfile: %llu CPUs is not plausible",
				     d->files[0]->path, (unsigned long long)ncpus);
	d->cpus = calloc(ncpus, sizeof(*d->cpus));
	if (!d->cpus)
		return VMS_ENOMEM;
	for (kdump_num_t i = 0; i < ncpus; i++) {
		struct vms_cpu_state *cpu = &d->cpus[d->ncpus];
		char key[64];
		kdump_attr_t attr;
		const uint8_t *desc;
		size_t size;

		snprintf(key, sizeof(key), "cpu.%llu.PRSTATUS", (unsigned long long)i);
		if (kdump_get_attr(p->ctx, key, &attr) != KDUMP_OK || attr.type != KDUMP_BLOB)
			continue;
		kdump_blob_incref(attr.val.blob);
		desc = kdump_blob_pin(attr.val.blob);
		size = kdump_blob_size(attr.val.blob);
		if (desc && size >= PRSTATUS_REG + nregs * 8u) {
			cpu->has_prstatus = true;
			cpu->pid = vms_get32(desc + PRSTATUS_PID, d->big_endian);
			cpu->nregs = nregs;
			for (unsigned int r = 0; r < nregs; r++)
				cpu->regs[r] = vms_get64(desc + PRSTATUS_REG + 8 * r, d->big_endian);
			d->ncpus++;
		}
		kdump_blob_unpin(attr.val.blob);
		kdump_blob_decref(attr.val.blob);
	}
	return NULL;
}

vms_error *vms_lkdf_open(vms_dump *d, const char *const *paths, size_t npaths)
{
	struct lkdf *p;
	kdump_status ks;
	kdump_num_t num;
	const char *s;
	bool found;
	vms_error *err;

	if (npaths == 0 || npaths > 4096)
		return vms_error_fmt(VMS_ERR_INVALID, "libkdumpfile: %zu files given", npaths);
	p = calloc(1, sizeof(*p));
	if (!p)
		return VMS_ENOMEM;
	d->priv = p;
	d->ops = &lkdf_ops;	/* from here on the core's close frees p */
	p->fds = malloc(npaths * sizeof(*p->fds));
	if (!p->fds)
		return VMS_ENOMEM;
	for (; p->nfds < npaths; p->nfds++) {
		p->fds[p->nfds] = open(paths[p->nfds], O_RDONLY | O_CLOEXEC);
		if (p->fds[p->nfds] < 0)
			return vms_error_errno(paths[p->nfds], errno, "cannot open");
	}
	p->ctx = kdump_new();
	if (!p->ctx)
		return VMS_ENOMEM;
	ks = kdump_open_fdset(p->ctx, (unsigned)npaths, p->fds);
	if (ks != KDUMP_OK)
		return lkdf_error(p->ctx, ks, paths[0], "cannot open");

	d->format = VMS_FORMAT_LIBKDUMPFILE;
	ks = kdump_get_number_attr(p->ctx, KDUMP_ATTR_PAGE_SIZE, &num);
	if (ks != KDUMP_OK)
		return lkdf_error(p->ctx, ks, paths[0], "page size");
	if (!vms_is_pow2(num) || num < 512 || num > (1u << 20))
		return vms_error_fmt(VMS_ERR_CORRUPT, "%s: libkdumpfile: unusable page size %llu",
				     paths[0], (unsigned long long)num);
	d->block_size = d->page_size = (uint32_t)num;
	p->scratch = malloc(d->block_size);
	if (!p->scratch)
		return VMS_ENOMEM;

	if (kdump_get_string_attr(p->ctx, KDUMP_ATTR_ARCH_NAME, &s) == KDUMP_OK)
		d->arch = !strcmp(s, KDUMP_ARCH_X86_64) ? VMS_ARCH_X86_64
			: !strcmp(s, KDUMP_ARCH_AARCH64) ? VMS_ARCH_ARM64 : VMS_ARCH_UNKNOWN;
	if (kdump_get_number_attr(p->ctx, KDUMP_ATTR_BYTE_ORDER, &num) == KDUMP_OK)
		d->big_endian = num == KDUMP_BIG_ENDIAN;

	ks = kdump_get_number_attr(p->ctx, "max_pfn", &num);
	if (ks != KDUMP_OK)
		return lkdf_error(p->ctx, ks, paths[0], "max_pfn");
	/* Keep every physical address representable. */
	if (num > UINT64_MAX / d->block_size)
		return vms_error_fmt(VMS_ERR_CORRUPT, "%s: libkdumpfile: max_pfn 0x%llx is too large",
				     paths[0], (unsigned long long)num);
	p->max_pfn = num;

	/* RAM map first (kdump's first bitmap, ELF PT_LOADs); failing that,
	 * what the file holds; failing that, everything below max_pfn. */
	err = ranges_from_bitmap(d, KDUMP_ATTR_MEMORY_PAGEMAP, &found);
	if (!err && !found)
		err = ranges_from_bitmap(d, KDUMP_ATTR_FILE_PAGEMAP, &found);
	if (!err && !found)
		err = vms_dump_add_range(d, 0, p->max_pfn * d->block_size);
	if (err)
		return err;

	err = read_vmcoreinfo(d);
	if (err)
		return err;
	return read_cpus(d);
}
