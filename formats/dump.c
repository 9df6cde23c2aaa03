/* The dump core: picks a reader, owns the page cache, and answers the public
 * accessors of include/vmscope/dump.h.
 *
 * Readers only describe the dump and fetch single blocks; everything that is
 * the same for every format (range bookkeeping, VMCOREINFO lookups, caching,
 * splitting a read into blocks, the wording of "page not in the dump") lives
 * here, once. */
#include <stdlib.h>
#include <string.h>

#include "dump-priv.h"
#include "error-priv.h"
#include "util.h"

/* ---- the page cache --------------------------------------------------
 *
 * Two-way set associative with one LRU bit per set: page-table walks touch
 * four or five tables in a row and keep coming back to the upper ones, which
 * a direct-mapped cache would evict on any index clash.  Non-present blocks
 * are cached too (status only), so asking twice costs one lookup. */

#define CACHE_WAYS 2
#define CACHE_DEFAULT_BYTES (4u << 20)
#define NO_BLOCK UINT64_MAX

struct cache_slot {
	uint64_t blk;
	enum vms_page_status status;
};

struct vms_page_cache {
	size_t nsets;			/* power of two */
	struct cache_slot *slots;	/* nsets * CACHE_WAYS */
	uint8_t *lru;			/* per set: the way to evict next */
	uint8_t *data;			/* nsets * CACHE_WAYS blocks */
};

static vms_error *cache_new(vms_dump *d)
{
	size_t bytes = d->opts.cache_bytes ? d->opts.cache_bytes : CACHE_DEFAULT_BYTES;
	size_t nsets = 1, i;
	struct vms_page_cache *c;

	while (nsets * 2 * CACHE_WAYS * (size_t)d->block_size <= bytes && nsets < (1u << 20))
		nsets *= 2;
	c = calloc(1, sizeof(*c));
	if (!c)
		return VMS_ENOMEM;
	c->nsets = nsets;
	c->slots = malloc(nsets * CACHE_WAYS * sizeof(*c->slots));
	c->lru = calloc(nsets, 1);
	c->data = malloc(nsets * CACHE_WAYS * (size_t)d->block_size);
	if (!c->slots || !c->lru || !c->data) {
		free(c->slots);
		free(c->lru);
		free(c->data);
		free(c);
		return VMS_ENOMEM;
	}
	for (i = 0; i < nsets * CACHE_WAYS; i++)
		c->slots[i].blk = NO_BLOCK;
	d->cache = c;
	return NULL;
}

static void cache_free(struct vms_page_cache *c)
{
	if (!c)
		return;
	free(c->slots);
	free(c->lru);
	free(c->data);
	free(c);
}

/* Finds block blk in the cache or fetches it from the reader.  *data points
 * into the cache and stays valid until the next call on this dump. */
static vms_error *cache_get(vms_dump *d, uint64_t blk, const uint8_t **data,
			    enum vms_page_status *status)
{
	struct vms_page_cache *c = d->cache;
	/* Fold the high bits in so that strided pfns do not all collide. */
	size_t set = (size_t)((blk ^ (blk >> 17)) & (c->nsets - 1));
	struct cache_slot *s = &c->slots[set * CACHE_WAYS];
	uint8_t *base = c->data + set * CACHE_WAYS * (size_t)d->block_size;
	unsigned way;
	vms_error *err;

	for (way = 0; way < CACHE_WAYS; way++) {
		if (s[way].blk == blk) {
			c->lru[set] = (uint8_t)(way ^ 1);
			*data = base + way * (size_t)d->block_size;
			*status = s[way].status;
			return NULL;
		}
	}
	way = c->lru[set];
	s[way].blk = NO_BLOCK;	/* until the read succeeds */
	if (d->read_hook)
		d->read_hook(d->read_hook_arg, blk);
	err = d->ops->read_block(d, blk, base + way * (size_t)d->block_size, status);
	if (err)
		return err;
	if (*status == VMS_PAGE_ZERO)
		memset(base + way * (size_t)d->block_size, 0, d->block_size);
	s[way].blk = blk;
	s[way].status = *status;
	c->lru[set] = (uint8_t)(way ^ 1);
	*data = base + way * (size_t)d->block_size;
	return NULL;
}

/* ---- ranges and VMCOREINFO -------------------------------------------- */

vms_error *vms_dump_add_range(vms_dump *d, uint64_t start, uint64_t end)
{
	struct vms_range *r;

	if (end <= start)
		return NULL;
	/* Readers add one range per segment or bitmap run; grow geometrically. */
	if ((d->nranges & (d->nranges - 1)) == 0) {
		size_t cap = d->nranges ? d->nranges * 2 : 8;

		r = realloc(d->ranges, cap * sizeof(*r));
		if (!r)
			return VMS_ENOMEM;
		d->ranges = r;
	}
	d->ranges[d->nranges].start = start;
	d->ranges[d->nranges].end = end;
	d->nranges++;
	return NULL;
}

static int range_cmp(const void *a, const void *b)
{
	const struct vms_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static void merge_ranges(vms_dump *d)
{
	size_t i, n = 0;

	if (!d->nranges)
		return;
	qsort(d->ranges, d->nranges, sizeof(*d->ranges), range_cmp);
	for (i = 1; i < d->nranges; i++) {
		if (d->ranges[i].start <= d->ranges[n].end) {
			if (d->ranges[i].end > d->ranges[n].end)
				d->ranges[n].end = d->ranges[i].end;
		} else {
			d->ranges[++n] = d->ranges[i];
		}
	}
	d->nranges = n + 1;
}

/* Splits VMCOREINFO into key/value pairs once, so lookups need no parsing. */
static vms_error *index_vmcoreinfo(vms_dump *d)
{
	size_t n = 0, i;
	char *p, *line;

	if (!d->vmcoreinfo)
		return NULL;
	d->vmci_buf = strdup(d->vmcoreinfo);
	if (!d->vmci_buf)
		return VMS_ENOMEM;
	for (p = d->vmci_buf; *p; p++)
		n += *p == '\n';
	d->vmci = calloc(n + 1, sizeof(*d->vmci));
	if (!d->vmci)
		return VMS_ENOMEM;
	i = 0;
	for (line = d->vmci_buf; line && *line; line = p) {
		char *eq;

		p = strchr(line, '\n');
		if (p)
			*p++ = '\0';
		/* Lines without '=' carry nothing (the kernel writes none). */
		eq = strchr(line, '=');
		if (!eq || i > n)
			continue;
		*eq = '\0';
		d->vmci[i].key = line;
		d->vmci[i].value = eq + 1;
		i++;
	}
	d->nvmci = i;
	return NULL;
}

const char *vms_dump_vmcoreinfo_get(const vms_dump *d, const char *key)
{
	size_t i;

	/* The kernel appends CRASHTIME and similar late keys; a later line
	 * overrides an earlier one, so search backwards. */
	for (i = d->nvmci; i-- > 0;)
		if (!strcmp(d->vmci[i].key, key))
			return d->vmci[i].value;
	return NULL;
}

/* ---- open and close ----------------------------------------------------- */

enum probe { PROBE_ELF, PROBE_KDUMP, PROBE_UNKNOWN };

/* Decides the format from the first file's signature, so that a reader, once
 * called, can treat every problem as an error in that format. */
static vms_error *probe(vms_dump *d, enum probe *kind)
{
	struct vms_file *f = d->files[0];
	uint8_t head[8];
	vms_error *err;

	*kind = PROBE_UNKNOWN;
	if (f->size < sizeof(head))
		return vms_error_at(VMS_ERR_CORRUPT, f->path, 0,
				    "file too short (%llu bytes) to be a dump",
				    (unsigned long long)f->size);
	err = vms_file_read(f, 0, head, sizeof(head), "file signature");
	if (err)
		return err;
	if (!memcmp(head, "\177ELF", 4))
		*kind = PROBE_ELF;
	else if (!memcmp(head, "KDUMP   ", 8))
		*kind = PROBE_KDUMP;
	else if (!memcmp(head, "DISKDUMP", 8))
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, 0,
				    "old Red Hat diskdump format (\"DISKDUMP\") is not supported");
	return NULL;
}

static vms_error *finish_open(vms_dump *d)
{
	vms_error *err;
	const char *ps;

	if (d->opts.ignore_vmcoreinfo) {
		free(d->vmcoreinfo);
		d->vmcoreinfo = NULL;
		d->vmcoreinfo_len = 0;
	}
	err = index_vmcoreinfo(d);
	if (err)
		return err;
	/* Last resort for the architecture: symbols only one arch exports. */
	if (d->arch == VMS_ARCH_UNKNOWN) {
		if (vms_dump_vmcoreinfo_get(d, "SYMBOL(init_top_pgt)") ||
		    vms_dump_vmcoreinfo_get(d, "SYMBOL(init_level4_pgt)") ||
		    vms_dump_vmcoreinfo_get(d, "NUMBER(pgtable_l5_enabled)"))
			d->arch = VMS_ARCH_X86_64;
		else if (vms_dump_vmcoreinfo_get(d, "NUMBER(kimage_voffset)") ||
			 vms_dump_vmcoreinfo_get(d, "NUMBER(VA_BITS)"))
			d->arch = VMS_ARCH_ARM64;
	}
	if (!vms_is_pow2(d->block_size) || d->block_size < 512 || d->block_size > (16u << 20))
		return vms_error_at(VMS_ERR_CORRUPT, d->files[0]->path, 0,
				    "unusable block size %u", d->block_size);
	d->block_shift = vms_log2(d->block_size);
	if (!d->page_size) {
		ps = vms_dump_vmcoreinfo_get(d, "PAGESIZE");
		d->page_size = d->block_size;
		if (ps) {
			unsigned long v = strtoul(ps, NULL, 10);

			if (vms_is_pow2(v) && v >= 4096 && v <= 65536)
				d->page_size = (uint32_t)v;
		}
	}
	merge_ranges(d);
	return cache_new(d);
}

vms_error *vms_dump_open_files(struct vms_file **files, size_t nfiles,
			       const struct vms_open_options *opts, vms_dump **out)
{
	struct vms_open_options defaults = VMS_OPEN_OPTIONS_INIT;
	vms_dump *d;
	vms_error *err;
	size_t i;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d) {
		for (i = 0; i < nfiles; i++)
			vms_file_close(files[i]);
		return VMS_ENOMEM;
	}
	d->files = files;
	d->nfiles = nfiles;
	d->dump_level = -1;
	if (opts && opts->version != VMS_OPEN_OPTIONS_VERSION) {
		err = vms_error_fmt(VMS_ERR_INVALID, "open options version %u, expected %u",
				    opts->version, VMS_OPEN_OPTIONS_VERSION);
		goto fail;
	}
	d->opts = opts ? *opts : defaults;
	if (nfiles == 0) {
		err = vms_error_fmt(VMS_ERR_INVALID, "no dump file given");
		goto fail;
	}

	if (d->opts.reader != VMS_READER_LIBKDUMPFILE) {
		enum probe kind;

		err = probe(d, &kind);
		if (err)
			goto fail;
		if (kind == PROBE_ELF)
			err = vms_elf_open(d);
		else if (kind == PROBE_KDUMP)
			err = vms_kdump_open(d);
		else if (d->opts.reader == VMS_READER_NATIVE)
			err = vms_error_at(VMS_ERR_UNSUPPORTED, files[0]->path, 0,
					   "not an ELF vmcore, kdump-compressed or flattened file");
		if (err)
			goto fail;
		if (kind != PROBE_UNKNOWN)
			goto opened;
	}
	{
		/* Nothing native recognised it (or the caller asked): let
		 * libkdumpfile try, which knows a few more formats. */
		const char **paths = malloc(nfiles * sizeof(*paths));

		if (!paths) {
			err = VMS_ENOMEM;
			goto fail;
		}
		for (i = 0; i < nfiles; i++)
			paths[i] = files[i]->path;
		err = vms_lkdf_open(d, paths, nfiles);
		free(paths);
		if (err && d->opts.reader == VMS_READER_AUTO) {
			/* Say first what vmscope itself made of the file. */
			vms_error *e2 = vms_error_at(VMS_ERR_UNSUPPORTED, files[0]->path, 0,
						     "not an ELF vmcore, kdump-compressed or flattened file (libkdumpfile: %s)",
						     vms_error_message(err));
			vms_error_free(err);
			err = e2;
		}
		if (err)
			goto fail;
	}
opened:
	err = finish_open(d);
	if (err)
		goto fail;
	*out = d;
	return NULL;
fail:
	vms_dump_close(d);
	return err;
}

vms_error *vms_dump_open(const char *const *paths, size_t npaths,
			 const struct vms_open_options *opts, vms_dump **out)
{
	struct vms_file **files;
	vms_error *err;
	size_t i;

	*out = NULL;
	if (npaths == 0 || npaths > 4096)
		return vms_error_fmt(VMS_ERR_INVALID, "expected 1 to 4096 dump files, got %zu", npaths);
	files = calloc(npaths, sizeof(*files));
	if (!files)
		return VMS_ENOMEM;
	for (i = 0; i < npaths; i++) {
		err = vms_file_open(paths[i], &files[i]);
		if (err) {
			while (i-- > 0)
				vms_file_close(files[i]);
			free(files);
			return err;
		}
	}
	return vms_dump_open_files(files, npaths, opts, out);
}

void vms_dump_close(vms_dump *d)
{
	size_t i;

	if (!d)
		return;
	if (d->ops && d->ops->close)
		d->ops->close(d);
	for (i = 0; i < d->nfiles; i++)
		vms_file_close(d->files[i]);
	free(d->files);
	cache_free(d->cache);
	free(d->ranges);
	free(d->segments);
	free(d->cpus);
	free(d->vmcoreinfo);
	free(d->vmci);
	free(d->vmci_buf);
	free(d);
}

/* ---- reading ------------------------------------------------------------ */

static const char *status_phrase(enum vms_page_status st)
{
	switch (st) {
	case VMS_PAGE_PRESENT: return "present";
	case VMS_PAGE_ZERO: return "a zero page";
	case VMS_PAGE_EXCLUDED: return "excluded from the dump by filtering";
	case VMS_PAGE_LOST: return "lost (the dump is incomplete)";
	case VMS_PAGE_ABSENT: return "not in the dump";
	}
	return "?";
}

const char *vms_page_status_name(enum vms_page_status st)
{
	switch (st) {
	case VMS_PAGE_PRESENT: return "present";
	case VMS_PAGE_ZERO: return "zero";
	case VMS_PAGE_EXCLUDED: return "excluded";
	case VMS_PAGE_LOST: return "lost";
	case VMS_PAGE_ABSENT: return "absent";
	}
	return "unknown";
}

vms_error *vms_dump_page_status(vms_dump *d, uint64_t paddr, enum vms_page_status *status)
{
	if (d->read_hook)
		d->read_hook(d->read_hook_arg, paddr >> d->block_shift);
	return d->ops->block_status(d, paddr >> d->block_shift, status);
}

vms_error *vms_dump_read_phys(vms_dump *d, uint64_t paddr, void *buf, size_t len,
			      unsigned int flags)
{
	uint8_t *out = buf;
	uint64_t end;

	if (!vms_add_ok(paddr, len, &end) && end != 0)
		return vms_error_fmt(VMS_ERR_INVALID,
				     "physical range 0x%llx+0x%zx wraps around",
				     (unsigned long long)paddr, len);
	while (len) {
		uint64_t blk = paddr >> d->block_shift;
		size_t off = (size_t)(paddr & (d->block_size - 1));
		size_t n = d->block_size - off;
		enum vms_page_status st;
		const uint8_t *data;
		vms_error *err;

		if (n > len)
			n = len;
		/* Mapped ELF data needs neither the cache nor a second copy. */
		if (d->ops->block_ptr && (data = d->ops->block_ptr(d, blk)) != NULL) {
			if (d->read_hook)
				d->read_hook(d->read_hook_arg, blk);
			memcpy(out, data + off, n);
			out += n;
			paddr += n;
			len -= n;
			continue;
		}
		err = cache_get(d, blk, &data, &st);
		if (err)
			return err;
		if (st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO)
			memcpy(out, data + off, n);
		else if (flags & VMS_READ_ZERO_FILL)
			memset(out, 0, n);
		else
			return vms_error_fmt(VMS_ERR_NODATA, "%s: physical address 0x%llx: page %s",
					     d->files[0]->path, (unsigned long long)paddr,
					     status_phrase(st));
		out += n;
		paddr += n;
		len -= n;
	}
	return NULL;
}

vms_error *vms_dump_page_counts(vms_dump *d, struct vms_page_counts *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (d->ops->count_blocks)
		return d->ops->count_blocks(d, out);
	for (i = 0; i < d->nranges; i++) {
		uint64_t blk = d->ranges[i].start >> d->block_shift;
		uint64_t end = (d->ranges[i].end + d->block_size - 1) >> d->block_shift;

		for (; blk < end; blk++) {
			enum vms_page_status st;
			vms_error *err = d->ops->block_status(d, blk, &st);

			if (err)
				return err;
			switch (st) {
			case VMS_PAGE_PRESENT: out->present++; break;
			case VMS_PAGE_ZERO: out->zero++; break;
			case VMS_PAGE_EXCLUDED: out->excluded++; break;
			case VMS_PAGE_LOST: out->lost++; break;
			case VMS_PAGE_ABSENT: break;
			}
		}
	}
	return NULL;
}

/* ---- accessors ---------------------------------------------------------- */

enum vms_format vms_dump_format(const vms_dump *d) { return d->format; }
int vms_dump_format_version(const vms_dump *d) { return d->format_version; }
enum vms_arch vms_dump_arch(const vms_dump *d) { return d->arch; }
uint32_t vms_dump_page_size(const vms_dump *d) { return d->page_size; }
uint32_t vms_dump_block_size(const vms_dump *d) { return d->block_size; }
bool vms_dump_big_endian(const vms_dump *d) { return d->big_endian; }
unsigned int vms_dump_compression(const vms_dump *d) { return d->compression; }
int vms_dump_level(const vms_dump *d) { return d->dump_level; }
bool vms_dump_incomplete(const vms_dump *d) { return d->incomplete; }
size_t vms_dump_nfiles(const vms_dump *d) { return d->nfiles; }
size_t vms_dump_nranges(const vms_dump *d) { return d->nranges; }
const struct vms_range *vms_dump_ranges(const vms_dump *d) { return d->ranges; }
size_t vms_dump_nsegments(const vms_dump *d) { return d->nsegments; }
const struct vms_segment *vms_dump_segments(const vms_dump *d) { return d->segments; }
size_t vms_dump_ncpus(const vms_dump *d) { return d->ncpus; }

const struct vms_cpu_state *vms_dump_cpu(const vms_dump *d, size_t i)
{
	return i < d->ncpus ? &d->cpus[i] : NULL;
}

const char *vms_dump_vmcoreinfo(const vms_dump *d, size_t *len)
{
	if (len)
		*len = d->vmcoreinfo ? d->vmcoreinfo_len : 0;
	return d->vmcoreinfo;
}

bool vms_dump_header_phys_base(const vms_dump *d, uint64_t *out)
{
	if (d->have_header_phys_base && out)
		*out = d->header_phys_base;
	return d->have_header_phys_base;
}

const char *vms_format_name(enum vms_format f)
{
	switch (f) {
	case VMS_FORMAT_ELF: return "elf";
	case VMS_FORMAT_ELF_FLAT: return "elf-flat";
	case VMS_FORMAT_KDUMP: return "kdump";
	case VMS_FORMAT_KDUMP_FLAT: return "kdump-flat";
	case VMS_FORMAT_KDUMP_SPLIT: return "kdump-split";
	case VMS_FORMAT_LIBKDUMPFILE: return "libkdumpfile";
	}
	return "unknown";
}

const char *vms_arch_name(enum vms_arch a)
{
	switch (a) {
	case VMS_ARCH_X86_64: return "x86_64";
	case VMS_ARCH_ARM64: return "arm64";
	case VMS_ARCH_UNKNOWN: break;
	}
	return "unknown";
}
