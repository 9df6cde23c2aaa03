/* The arch-neutral half of the analyzer: the vms_layout object, its values
 * with their sources, the region table, and the public entry points that
 * dispatch to the arch back end. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "util.h"
#include "layout-priv.h"

static const char *const source_names[] = {
	[VMS_SRC_NONE] = "none",
	[VMS_SRC_VMCOREINFO] = "vmcoreinfo",
	[VMS_SRC_PT_LOAD] = "pt_load",
	[VMS_SRC_CPU_STATE] = "cpu_state",
	[VMS_SRC_PAGE_TABLES] = "page_tables",
	[VMS_SRC_SYMBOL] = "symbol",
	[VMS_SRC_DEFAULT] = "default",
	[VMS_SRC_HEADER] = "header",
	[VMS_SRC_OPTION] = "option",
	[VMS_SRC_MEMORY] = "memory",
};

const char *vms_value_source_name(enum vms_value_source src)
{
	if ((unsigned)src >= sizeof(source_names) / sizeof(source_names[0]))
		return "none";
	return source_names[src];
}

static const char *const key_names[VMS_LK__COUNT] = {
	[VMS_LK_PGT_ROOT] = "pgt_root",
	[VMS_LK_PHYS_BASE] = "phys_base",
	[VMS_LK_KASLR_OFFSET] = "kaslr_offset",
	[VMS_LK_PAGE_OFFSET_BASE] = "page_offset_base",
	[VMS_LK_VMALLOC_BASE] = "vmalloc_base",
	[VMS_LK_VMEMMAP_BASE] = "vmemmap_base",
	[VMS_LK_SME_MASK] = "sme_mask",
	[VMS_LK_PAGING_LEVELS] = "paging_levels",
	[VMS_LK_KERNEL_IMAGE_SIZE] = "kernel_image_size",
	[VMS_LK_STRUCT_PAGE_SIZE] = "struct_page_size",
	[VMS_LK_PHYS_OFFSET] = "phys_offset",
	[VMS_LK_KIMAGE_VOFFSET] = "kimage_voffset",
	[VMS_LK_VMEMMAP_START] = "vmemmap_start",
	[VMS_LK_MODULES_VADDR] = "modules_vaddr",
	[VMS_LK_PAGE_END] = "page_end",
	[VMS_LK_VA_BITS] = "va_bits",
	[VMS_LK_VA_BITS_ACTUAL] = "va_bits_actual",
	[VMS_LK_KERNELPACMASK] = "kernelpacmask",
	[VMS_LK_KERNEL_VERSION] = "kernel_version",
};

const char *vms_layout_key_name(enum vms_layout_key key)
{
	return (unsigned)key < VMS_LK__COUNT ? key_names[key] : "unknown";
}

const char *vms_layout_key_label(const vms_layout *l, enum vms_layout_key key)
{
	if ((unsigned)key >= VMS_LK__COUNT || key == VMS_LK_PAGING_LEVELS)
		return NULL;
	if (l->ops && l->ops->key_label)
		return l->ops->key_label(key);
	return key <= VMS_LK_STRUCT_PAGE_SIZE || key == VMS_LK_KERNEL_VERSION ? key_names[key] : NULL;
}

void vms_layout_set(struct vms_layout *l, enum vms_layout_key k, uint64_t value,
		    enum vms_value_source src)
{
	l->v[k].pub.known = true;
	l->v[k].pub.value = value;
	l->v[k].pub.source = src;
}

void vms_layout_note(struct vms_layout *l, enum vms_layout_key k, const char *fmt, ...)
{
	struct vms_layout_slot *s = &l->v[k];
	size_t used = strlen(s->note);
	va_list ap;

	if (used && used + 2 < sizeof(s->note)) {
		memcpy(s->note + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(s->note))
		return;
	va_start(ap, fmt);
	vsnprintf(s->note + used, sizeof(s->note) - used, fmt, ap);
	va_end(ap);
}

void vms_layout_remarkf(struct vms_layout *l, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (l->nremarks >= VMS_MAX_REMARKS)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0)
		l->remarks[l->nremarks++] = s;
	va_end(ap);
}

const char *vms_layout_remark(const vms_layout *l, size_t i)
{
	return i < l->nremarks ? l->remarks[i] : NULL;
}

const char *vms_layout_vmci(const struct vms_layout *l, const char *key)
{
	if (!l->in.vmcoreinfo_get)
		return NULL;
	return l->in.vmcoreinfo_get(l->in.ctx, key);
}

/* Numbers in VMCOREINFO are decimal, sometimes negative (phys_base), and a
 * few are printed as 0x-hex: base auto-detection handles all of them.  A
 * negative value is kept as its two's complement. */
static bool parse_num(const char *s, int base, uint64_t *out)
{
	bool neg = false;
	char *end;
	unsigned long long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-') {
		neg = true;
		s++;
	}
	if (!*s)
		return false;
	v = strtoull(s, &end, base);
	if (end == s || (*end && *end != '\n' && *end != ' '))
		return false;
	*out = neg ? (uint64_t)0 - v : v;
	return true;
}

bool vms_layout_vmci_num(const struct vms_layout *l, const char *key, uint64_t *out)
{
	const char *s = vms_layout_vmci(l, key);
	return s && parse_num(s, 0, out);
}

/* SYMBOL() and KERNELOFFSET are hex without a 0x prefix. */
bool vms_layout_vmci_hex(const struct vms_layout *l, const char *key, uint64_t *out)
{
	const char *s = vms_layout_vmci(l, key);
	return s && parse_num(s, 16, out);
}

bool vms_layout_pa_in_dump(const struct vms_layout *l, uint64_t pa, uint64_t len)
{
	uint64_t last;

	if (!l->in.nranges)
		return true;
	if (!vms_add_ok(pa, len ? len - 1 : 0, &last))
		return false;
	/* Ranges are sorted and few; a linear scan is fine. */
	for (size_t i = 0; i < l->in.nranges; i++) {
		const struct vms_range *r = &l->in.ranges[i];
		if (pa >= r->start && last < r->end)
			return true;
	}
	return false;
}

uint64_t vms_layout_max_pa(const struct vms_layout *l)
{
	return l->in.nranges ? l->in.ranges[l->in.nranges - 1].end : 0;
}

/* ---- regions ---------------------------------------------------------- */

vms_error *vms_layout_add_region(struct vms_layout *l, const char *name, uint64_t start,
				 uint64_t end)
{
	struct vms_region *r;

	if (end < start)
		return NULL;
	r = realloc(l->regions, (l->nregions + 1) * sizeof(*r));
	if (!r)
		return VMS_ENOMEM;
	l->regions = r;
	r[l->nregions++] = (struct vms_region){ name, start, end };
	return NULL;
}

static int region_cmp(const void *a, const void *b)
{
	const struct vms_region *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* Turns the added regions (possibly overlapping, in priority order) into a
 * sorted partition of the whole 64-bit space.  Earlier additions win: a
 * later region is cut to the parts no earlier one covers. */
vms_error *vms_layout_regions_finish(struct vms_layout *l)
{
	struct vms_region *in = l->regions, *outv = NULL;
	size_t n = l->nregions, nout = 0, cap = 2 * n + 2;

	outv = calloc(cap, sizeof(*outv));
	if (!outv)
		return VMS_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* Cut region i against every kept region; keep at most the
		 * pieces that survive (split into a worklist of one or two). */
		struct vms_region work[64];
		size_t nw = 1;
		work[0] = in[i];
		for (size_t k = 0; k < nout && nw; k++) {
			struct vms_region *o = &outv[k];
			size_t nn = 0;
			struct vms_region next[64];
			for (size_t w = 0; w < nw; w++) {
				struct vms_region p = work[w];
				if (p.end < o->start || p.start > o->end) {
					next[nn++] = p;
					continue;
				}
				if (p.start < o->start && nn < 64)
					next[nn++] = (struct vms_region){ p.name, p.start, o->start - 1 };
				if (p.end > o->end && nn < 64)
					next[nn++] = (struct vms_region){ p.name, o->end + 1, p.end };
			}
			memcpy(work, next, nn * sizeof(*next));
			nw = nn;
		}
		for (size_t w = 0; w < nw; w++) {
			if (nout == cap) {
				struct vms_region *t = realloc(outv, 2 * cap * sizeof(*t));
				if (!t) {
					free(outv);
					return VMS_ENOMEM;
				}
				outv = t;
				cap *= 2;
			}
			outv[nout++] = work[w];
		}
	}
	qsort(outv, nout, sizeof(*outv), region_cmp);

	/* Fill the holes with "unused". */
	struct vms_region *full = calloc(2 * nout + 1, sizeof(*full));
	size_t nf = 0;
	uint64_t next = 0;
	bool done = false;
	if (!full) {
		free(outv);
		return VMS_ENOMEM;
	}
	for (size_t i = 0; i < nout && !done; i++) {
		if (outv[i].start > next)
			full[nf++] = (struct vms_region){ "unused", next, outv[i].start - 1 };
		full[nf++] = outv[i];
		if (outv[i].end == UINT64_MAX)
			done = true;
		else
			next = outv[i].end + 1;
	}
	if (!done)
		full[nf++] = (struct vms_region){ "unused", next, UINT64_MAX };
	free(outv);
	free(l->regions);
	l->regions = full;
	l->nregions = nf;
	return NULL;
}

size_t vms_layout_nregions(const vms_layout *l)
{
	return l->nregions;
}

const struct vms_region *vms_layout_region(const vms_layout *l, size_t i)
{
	return i < l->nregions ? &l->regions[i] : NULL;
}

const struct vms_region *vms_region_of(const vms_layout *l, uint64_t va)
{
	size_t lo = 0, hi = l->nregions;

	/* arm64 ignores the tag byte: sign-extend bit 55 (untagged_addr). */
	if (l->arch == VMS_ARCH_ARM64)
		va = (va & (UINT64_C(1) << 55)) ? va | UINT64_C(0xff00000000000000)
						 : va & UINT64_C(0x00ffffffffffffff);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (va < l->regions[mid].start)
			hi = mid;
		else if (va > l->regions[mid].end)
			lo = mid + 1;
		else
			return &l->regions[mid];
	}
	return NULL;
}

/* ---- the kernel version ------------------------------------------------ */

static uint32_t parse_osrelease(const char *s)
{
	unsigned a = 0, b = 0, c = 0;

	if (!s || sscanf(s, "%u.%u.%u", &a, &b, &c) < 2)
		return 0;
	if (a > 255 || b > 255)
		return 0;
	return a << 16 | b << 8 | (c > 255 ? 255 : c);
}

/* Locale-free character classes: the banner is ASCII. */
static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_release_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
	       c == '-' || c == '_' || c == '+' || c == '~';
}

size_t vms_banner_match(const char *p, size_t avail, char *release, size_t rsize)
{
	static const char prefix[] = "Linux version ";
	size_t i = sizeof(prefix) - 1, rel = i, n;
	bool hash = false;

	if (avail > VMS_BANNER_MAX)
		avail = VMS_BANNER_MAX;
	if (avail < i || memcmp(p, prefix, i))
		return 0;
	/* UTS_RELEASE: "MAJOR.MINOR" then release characters, at most 64. */
	while (i < avail && is_release_char(p[i]))
		i++;
	n = i - rel;
	if (!n || n > 64 || n >= rsize || !is_digit(p[rel]))
		return 0;
	{
		size_t k = rel;
		while (k < i && is_digit(p[k]))
			k++;
		if (k + 1 >= i || p[k] != '.' || !is_digit(p[k + 1]))
			return 0;
	}
	if (i + 2 > avail || p[i] != ' ' || p[i + 1] != '(')
		return 0;
	/* Printable ASCII up to the newline, with UTS_VERSION's " #<digit>"
	 * (format strings like "Linux version %s" have neither). */
	for (i += 2; i < avail && p[i] != '\n'; i++) {
		if (p[i] < 0x20 || p[i] > 0x7e)
			return 0;
		if (p[i] == '#' && p[i - 1] == ' ' && i + 1 < avail && is_digit(p[i + 1]))
			hash = true;
	}
	/* The constant ends "\n\0"; the log buffer's copy has neither. */
	if (!hash || i + 1 >= avail || p[i + 1] != '\0')
		return 0;
	memcpy(release, p + rel, n);
	release[n] = '\0';
	return i + 2;
}

struct image_leaves {
	struct { uint64_t va, pa, size; } *v;
	size_t n, cap;
	uint64_t off;		/* VA - PA of the image */
	bool full;
};

/* Bounds the list: a 1 GiB image in 4 KiB pages. */
#define MAX_IMAGE_LEAVES (UINT64_C(1) << 18)

static int collect_leaf(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct image_leaves *il = arg;

	if (va - pa != il->off)
		return 0;
	if (il->n == il->cap) {
		size_t cap = il->cap ? 2 * il->cap : 256;
		void *t;
		if (cap > MAX_IMAGE_LEAVES || !(t = realloc(il->v, cap * sizeof(*il->v)))) {
			il->full = true;
			return 1;
		}
		il->v = t;
		il->cap = cap;
	}
	il->v[il->n].va = va;
	il->v[il->n].pa = pa;
	il->v[il->n].size = size;
	il->n++;
	return 0;
}

#define BANNER_CHUNK (UINT64_C(1) << 20)

/* Searches one physically contiguous run in 1 MiB chunks that overlap by
 * VMS_BANNER_MAX, so a banner across a chunk boundary is still whole. */
static bool search_run(struct vms_layout *l, uint64_t va, uint64_t pa, uint64_t size, char *buf,
		       char *release, size_t rsize, uint64_t *hit, size_t *hit_len, char *text)
{
	for (uint64_t off = 0; off < size; off += BANNER_CHUNK) {
		uint64_t len = size - off < BANNER_CHUNK + VMS_BANNER_MAX ? size - off
									   : BANNER_CHUNK + VMS_BANNER_MAX;
		uint64_t starts = len < BANNER_CHUNK ? len : BANNER_CHUNK;
		const char *p = buf, *end = buf + len;
		vms_error *err = l->in.read_phys(l->in.ctx, pa + off, buf, (size_t)len, VMS_READ_ZERO_FILL);

		if (err) {
			vms_error_free(err);
			continue;
		}
		while ((p = memmem(p, (size_t)(end - p), "Linux version ", 14)) &&
		       (uint64_t)(p - buf) < starts) {
			size_t n = vms_banner_match(p, (size_t)(end - p), release, rsize);
			if (n) {
				*hit = va + off + (uint64_t)(p - buf);
				*hit_len = n;
				memcpy(text, p, n);
				return true;
			}
			p++;
		}
	}
	return false;
}

bool vms_layout_find_banner(struct vms_layout *l, uint64_t lo, uint64_t hi, uint64_t image_off,
			    uint64_t *banner_va)
{
	struct image_leaves il = { NULL, 0, 0, image_off, false };
	uint64_t saved = l->scan_budget, root = vms_layout_val(l, VMS_LK_PGT_ROOT), hit = 0;
	char release[65], text[VMS_BANNER_MAX];
	size_t hit_len = 0;
	bool found = false, *nx = NULL, in_text = false;
	char *buf = NULL;

	if (!vms_layout_known(l, VMS_LK_PGT_ROOT) || hi < lo)
		return false;
	l->scan_budget = 1u << 22;
	vms_error_free(l->ops->foreach_leaf(l, root, lo, hi, collect_leaf, &il));
	l->scan_budget = saved;
	nx = il.n ? calloc(il.n, sizeof(*nx)) : NULL;
	buf = malloc(BANNER_CHUNK + VMS_BANNER_MAX);
	if (!nx || !buf)
		goto out;
	/* linux_banner is rodata: mapped non-executable once the kernel
	 * protects its image, so those mappings go first; text (most of the
	 * image) is searched only if that fails (a crash before
	 * mark_rodata_ro, say). */
	for (size_t i = 0; i < il.n; i++) {
		struct vms_translation t;
		vms_error *err = l->ops->walk(l, root, il.v[i].va, &t);
		nx[i] = !err && t.nsteps && (t.steps[t.nsteps - 1].flags & VMS_PTE_NX);
		vms_error_free(err);
	}
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (size_t i = 0; i < il.n && !found;) {
			/* A run: leaves contiguous in VA and PA, alike in NX. */
			size_t j = i + 1;
			uint64_t size = il.v[i].size;
			while (j < il.n && nx[j] == nx[i] && il.v[j].va == il.v[i].va + size &&
			       il.v[j].pa == il.v[i].pa + size)
				size += il.v[j++].size;
			if (nx[i] == (pass == 0))
				found = search_run(l, il.v[i].va, il.v[i].pa, size, buf, release,
						   sizeof(release), &hit, &hit_len, text);
			in_text = pass == 1;
			i = j;
		}
	}
	if (found && !parse_osrelease(release))
		found = false;
	if (found) {
		l->osver = parse_osrelease(release);
		memcpy(l->osrelease, release, strlen(release) + 1);
		vms_layout_set(l, VMS_LK_KERNEL_VERSION, l->osver, VMS_SRC_MEMORY);
		vms_layout_note(l, VMS_LK_KERNEL_VERSION, "release \"%s\" from the linux_banner at "
				"0x%" PRIx64 " in %s mapping of the kernel image", release, hit,
				in_text ? "an executable (not yet protected)" : "a non-executable");
		/* The banner without its "\n\0", for the remark. */
		text[hit_len - 2] = '\0';
		vms_layout_remarkf(l, "linux_banner at 0x%" PRIx64 ": %s", hit, text);
		*banner_va = hit;
	}
out:
	free(buf);
	free(nx);
	free(il.v);
	return found;
}

/* ---- construction ----------------------------------------------------- */

vms_error *vms_layout_detect_input(const struct vms_layout_input *in,
				   const struct vms_detect_options *opts,
				   vms_layout **out)
{
	struct vms_detect_options def = VMS_DETECT_OPTIONS_INIT;
	struct vms_layout *l;
	vms_error *err;

	*out = NULL;
	if (!opts)
		opts = &def;
	if (opts->version < 1 || opts->version > VMS_DETECT_OPTIONS_VERSION)
		return vms_error_fmt(VMS_ERR_INVALID, "detect options version %u not supported",
				     opts->version);
	l = calloc(1, sizeof(*l));
	if (!l)
		return VMS_ENOMEM;
	l->in = *in;
	if (opts->ignore_vmcoreinfo)
		l->in.vmcoreinfo_get = NULL;
	for (int k = 0; k < VMS_LK__COUNT; k++)
		l->v[k].pub.note = l->v[k].note;
	l->scan_budget = UINT64_C(1) << 28;
	l->arch = in->arch;
	/* Some writers (QEMU's arm64 kdump files) leave the machine unnamed;
	 * VMCOREINFO keys only one arch exports then tell. */
	if (l->arch == VMS_ARCH_UNKNOWN && vms_layout_vmci(l, "NUMBER(kimage_voffset)"))
		l->arch = VMS_ARCH_ARM64;
	else if (l->arch == VMS_ARCH_UNKNOWN && vms_layout_vmci(l, "SYMBOL(init_top_pgt)"))
		l->arch = VMS_ARCH_X86_64;
	switch (l->arch) {
	case VMS_ARCH_X86_64:
		l->ops = &vms_arch_x86_64;
		break;
	case VMS_ARCH_ARM64:
		l->ops = &vms_arch_arm64;
		break;
	default:
		err = vms_error_fmt(VMS_ERR_UNSUPPORTED,
				    "layout detection for the %s architecture is not implemented",
				    vms_arch_name(l->arch));
		vms_layout_free(l);
		return err;
	}
	l->osver = parse_osrelease(vms_layout_vmci(l, "OSRELEASE"));
	if (l->osver) {
		const char *rel = vms_layout_vmci(l, "OSRELEASE");
		size_t n = 0;
		while (n < sizeof(l->osrelease) - 1 && is_release_char(rel[n]))
			n++;
		memcpy(l->osrelease, rel, n);
		l->osrelease[n] = '\0';
		vms_layout_set(l, VMS_LK_KERNEL_VERSION, l->osver, VMS_SRC_VMCOREINFO);
		vms_layout_note(l, VMS_LK_KERNEL_VERSION, "release \"%s\" (OSRELEASE)", l->osrelease);
	}
	err = l->ops->detect(l, opts);
	if (err) {
		vms_layout_free(l);
		return vms_error_prefix(err, "layout detection");
	}
	*out = l;
	return NULL;
}

static vms_error *dump_read_phys(void *ctx, uint64_t pa, void *buf, size_t len,
				 unsigned int flags)
{
	return vms_dump_read_phys(ctx, pa, buf, len, flags);
}

static const char *dump_vmci(void *ctx, const char *key)
{
	return vms_dump_vmcoreinfo_get(ctx, key);
}

vms_error *vms_layout_detect(vms_dump *d, const struct vms_detect_options *opts,
			     vms_layout **out)
{
	struct vms_layout_input in = {
		.ctx = d,
		.read_phys = dump_read_phys,
		.vmcoreinfo_get = dump_vmci,
		.arch = vms_dump_arch(d),
		.ranges = vms_dump_ranges(d),
		.nranges = vms_dump_nranges(d),
		.segments = vms_dump_segments(d),
		.nsegments = vms_dump_nsegments(d),
	};
	/* CPU states are handed out one by one; they live in one array. */
	in.ncpus = vms_dump_ncpus(d);
	in.cpus = in.ncpus ? vms_dump_cpu(d, 0) : NULL;
	in.have_header_phys_base = vms_dump_header_phys_base(d, &in.header_phys_base);
	return vms_layout_detect_input(&in, opts, out);
}

void vms_layout_free(vms_layout *l)
{
	if (!l)
		return;
	vms_walk_cache_free(&l->cache);
	free(l->regions);
	for (size_t i = 0; i < l->nremarks; i++)
		free(l->remarks[i]);
	free(l);
}

const char *vms_layout_osrelease(const vms_layout *l)
{
	return l->osrelease[0] ? l->osrelease : NULL;
}

enum vms_arch vms_layout_arch(const vms_layout *l)
{
	return l->arch;
}

unsigned int vms_layout_paging_levels(const vms_layout *l)
{
	return l->levels;
}

uint32_t vms_layout_page_size(const vms_layout *l)
{
	return l->page_size;
}

const struct vms_layout_value *vms_layout_get(const vms_layout *l, enum vms_layout_key k)
{
	static const struct vms_layout_value unknown = { false, 0, VMS_SRC_NONE, "", false };

	if ((unsigned)k >= VMS_LK__COUNT)
		return &unknown;
	return &l->v[k].pub;
}

/* ---- translation entry points ------------------------------------------ */

vms_error *vms_vtop_pgd(vms_layout *l, uint64_t pgd, uint64_t va, struct vms_translation *out)
{
	return l->ops->walk(l, pgd, va, out);
}

vms_error *vms_vtop(vms_layout *l, uint64_t va, struct vms_translation *out)
{
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		memset(out, 0, sizeof(*out));
		out->vaddr = va;
		return vms_error_fmt(VMS_ERR_NOT_FOUND,
				     "cannot translate 0x%" PRIx64 ": no page-table root was found", va);
	}
	return l->ops->walk(l, vms_layout_val(l, VMS_LK_PGT_ROOT), va, out);
}

vms_error *vms_ptov(vms_layout *l, uint64_t pa, struct vms_ptov *out)
{
	memset(out, 0, sizeof(*out));
	if (l->ops->ptov)
		return l->ops->ptov(l, pa, out);
	if (vms_layout_known(l, VMS_LK_PAGE_OFFSET_BASE)) {
		uint64_t base = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE), va;
		const struct vms_region *r;
		if (vms_add_ok(base, pa, &va) && (r = vms_region_of(l, va)) &&
		    r->start <= base && !strcmp(r->name, "direct-map")) {
			out->have_direct = true;
			out->direct = va;
		}
	}
	if (vms_layout_known(l, VMS_LK_PHYS_BASE) && l->arch == VMS_ARCH_X86_64) {
		uint64_t pb = vms_layout_val(l, VMS_LK_PHYS_BASE);
		uint64_t size = vms_layout_known(l, VMS_LK_KERNEL_IMAGE_SIZE)
					? vms_layout_val(l, VMS_LK_KERNEL_IMAGE_SIZE) : (1u << 30);
		/* phys_base is often "negative" (the image sits below where
		 * __START_KERNEL_map would put PA 0): wrap-around arithmetic. */
		if (pa - pb < size) {
			struct vms_translation t;
			uint64_t va = UINT64_C(0xffffffff80000000) + (pa - pb);
			vms_error *err = vms_vtop(l, va, &t);
			/* Only report the alias when the tables really map it:
			 * the image range is mostly unmapped outside the kernel. */
			if (!err && t.paddr == pa) {
				out->have_ktext = true;
				out->ktext = va;
			}
			vms_error_free(err);
		}
	}
	return NULL;
}

/* Coalesces leaves into runs before calling the user's function. */
struct coalesce {
	vms_mapping_fn fn;
	void *arg;
	bool have;
	uint64_t va, pa, size;
	int stopped;
};

static int coalesce_leaf(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct coalesce *c = arg;

	if (c->have && c->va + c->size == va && c->pa + c->size == pa) {
		c->size += size;
		return 0;
	}
	if (c->have && (c->stopped = c->fn(c->va, c->pa, c->size, c->arg)))
		return c->stopped;
	c->have = true;
	c->va = va;
	c->pa = pa;
	c->size = size;
	return 0;
}

vms_error *vms_layout_foreach_mapping(vms_layout *l, uint64_t start, uint64_t end,
				      vms_mapping_fn fn, void *arg)
{
	struct coalesce c = { fn, arg, false, 0, 0, 0, 0 };
	vms_error *err;

	if (!vms_layout_known(l, VMS_LK_PGT_ROOT))
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "no page-table root was found");
	err = l->ops->foreach_leaf(l, vms_layout_val(l, VMS_LK_PGT_ROOT), start, end,
				   coalesce_leaf, &c);
	if (!err && c.have && !c.stopped)
		fn(c.va, c.pa, c.size, arg);
	return err;
}

/* ---- struct page ------------------------------------------------------- */

static vms_error *page_params(const vms_layout *l, uint64_t *base, uint64_t *size)
{
	if (!vms_layout_known(l, VMS_LK_VMEMMAP_BASE))
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "vmemmap_base is not known for this dump");
	*base = vms_layout_val(l, VMS_LK_VMEMMAP_BASE);
	*size = vms_layout_known(l, VMS_LK_STRUCT_PAGE_SIZE)
			? vms_layout_val(l, VMS_LK_STRUCT_PAGE_SIZE) : 64;
	if (!*size || *size > 4096)
		return vms_error_fmt(VMS_ERR_CORRUPT, "implausible struct page size %" PRIu64, *size);
	return NULL;
}

vms_error *vms_pfn_to_page(const vms_layout *l, uint64_t pfn, uint64_t *page)
{
	uint64_t base = 0, size = 0, off;
	vms_error *err = page_params(l, &base, &size);

	if (err)
		return err;
	if (!vms_mul_ok(pfn, size, &off) || !vms_add_ok(base, off, page))
		return vms_error_fmt(VMS_ERR_INVALID, "pfn 0x%" PRIx64 " is out of range", pfn);
	return NULL;
}

vms_error *vms_page_to_pfn(const vms_layout *l, uint64_t page, uint64_t *pfn)
{
	uint64_t base = 0, size = 0;
	vms_error *err = page_params(l, &base, &size);

	if (err)
		return err;
	if (page < base)
		return vms_error_fmt(VMS_ERR_INVALID,
				     "0x%" PRIx64 " is below vmemmap_base 0x%" PRIx64, page, base);
	if ((page - base) % size)
		return vms_error_fmt(VMS_ERR_INVALID,
				     "0x%" PRIx64 " is not the start of a struct page (size %" PRIu64 ")",
				     page, size);
	*pfn = (page - base) / size;
	return NULL;
}

/* ---- virtual reads ----------------------------------------------------- */

vms_error *vms_read_virt(vms_layout *l, uint64_t va, void *buf, size_t len, unsigned int flags)
{
	uint8_t *p = buf;

	while (len) {
		struct vms_translation t;
		vms_error *err = vms_vtop(l, va, &t);
		uint64_t in_page, chunk;

		if (err)
			return err;
		in_page = t.page_size - (va & (t.page_size - 1));
		chunk = in_page < len ? in_page : len;
		err = l->in.read_phys(l->in.ctx, t.paddr, p, chunk, flags);
		if (err)
			return vms_error_prefix(err, "reading virtual 0x%" PRIx64 " (PA 0x%" PRIx64 ")",
						va, t.paddr);
		p += chunk;
		len -= chunk;
		va += chunk;
	}
	return NULL;
}
