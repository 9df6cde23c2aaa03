/* x86_64: page-table entry format and kernel layout detection.
 *
 * All x86_64 knowledge lives here: the entry format (walked by walk.c), 4/5-level geometry, the
 * address-space map of Documentation/arch/x86/x86_64/mm.rst and the rules of
 * arch/x86/mm/kaslr.c that the detector leans on when VMCOREINFO is absent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "util.h"
#include "walk-priv.h"

#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define DEFAULT_TEXT UINT64_C(0xffffffff81000000)	/* __START_KERNEL, 16 MiB up */
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)

#define PTE_P (UINT64_C(1) << 0)
#define PTE_RW (UINT64_C(1) << 1)
#define PTE_US (UINT64_C(1) << 2)
#define PTE_PWT (UINT64_C(1) << 3)
#define PTE_PCD (UINT64_C(1) << 4)
#define PTE_A (UINT64_C(1) << 5)
#define PTE_D (UINT64_C(1) << 6)
#define PTE_PS (UINT64_C(1) << 7)	/* PAT in a 4K PTE */
#define PTE_G (UINT64_C(1) << 8)
#define PTE_PAT_LARGE (UINT64_C(1) << 12)
#define PTE_NX (UINT64_C(1) << 63)
#define PTE_ADDR UINT64_C(0x000ffffffffff000)	/* bits 12..51 */

/* Defaults of mm.rst / pgtable_64_types.h. */
#define PAGE_OFFSET_L4 UINT64_C(0xffff888000000000)	/* v4.20+ */
#define PAGE_OFFSET_L4_OLD UINT64_C(0xffff880000000000)	/* 2.6.27 - 4.19 */
#define PAGE_OFFSET_L4_2611 UINT64_C(0xffff810000000000)	/* 2.6.11 - 2.6.26 */
#define PAGE_OFFSET_L4_ANCIENT UINT64_C(0x0000010000000000)	/* < 2.6.11 */
#define PAGE_OFFSET_L5 UINT64_C(0xff11000000000000)
#define PAGE_OFFSET_L5_OLD UINT64_C(0xff10000000000000)
#define VMALLOC_L4 UINT64_C(0xffffc90000000000)
#define VMALLOC_L4_OLD UINT64_C(0xffffc20000000000)		/* before 2.6.31 */
#define VMALLOC_L5 UINT64_C(0xffa0000000000000)
#define VMEMMAP_L4 UINT64_C(0xffffea0000000000)
#define VMEMMAP_L4_OLD UINT64_C(0xffffe20000000000)		/* 2.6.24 - 2.6.30 */
#define VMEMMAP_L5 UINT64_C(0xffd4000000000000)
#define CPU_ENTRY_AREA UINT64_C(0xfffffe0000000000)		/* KASLR vaddr_end */

static unsigned va_bits(const struct vms_layout *l)
{
	return l->levels == 5 ? 57 : 48;
}

static uint64_t sme(const struct vms_layout *l)
{
	return vms_layout_known(l, VMS_LK_SME_MASK) ? vms_layout_val(l, VMS_LK_SME_MASK) : 0;
}

/* ---- the entry format, for the walker of walk.c -------------------------- */

/* Called once the number of levels is known. */
static void set_walk_geometry(struct vms_layout *l)
{
	l->walk = (struct vms_walk_geometry){
		.page_shift = 12,
		.level_bits = 9,
		.top_entries = 512,
		.block_steps = 3u << (l->levels - 3),	/* PUD (1 GiB) and PMD (2 MiB) */
		.root_mask = PTE_ADDR & ~sme(l),
		.oa_mask = PTE_ADDR & ~sme(l),
	};
}

static vms_error *x86_check_va(const struct vms_layout *l, uint64_t root, uint64_t va)
{
	uint64_t top = va >> (va_bits(l) - 1);

	(void)root;
	if (top == 0 || top == (UINT64_MAX >> (va_bits(l) - 1)))
		return NULL;
	return vms_error_fmt(VMS_ERR_INVALID,
			     "0x%" PRIx64 " is not canonical for %u-level paging", va, l->levels);
}

/* Entries 0-255 map the lower half, 256-511 the sign-extended upper half. */
static size_t x86_windows(const struct vms_layout *l, uint64_t root, struct vms_walk_window w[2])
{
	(void)root;
	w[0] = (struct vms_walk_window){ 0, 0, 256 };
	w[1] = (struct vms_walk_window){ (uint64_t)0 - (UINT64_C(1) << va_bits(l)), 256, 512 };
	return 2;
}

static void x86_attrs(uint64_t e, enum vms_desc d, bool large, struct vms_walk_step *s)
{
	bool leaf = d == VMS_DESC_LEAF;
	unsigned f = 0;

	if (d == VMS_DESC_RESERVED)
		return;		/* its bits mean nothing */
	if (e & PTE_P) f |= VMS_PTE_PRESENT;
	if (e & PTE_RW) f |= VMS_PTE_WRITE;
	if (e & PTE_US) f |= VMS_PTE_USER;
	if (e & PTE_PWT) f |= VMS_PTE_PWT;
	if (e & PTE_PCD) f |= VMS_PTE_PCD;
	if (e & PTE_A) f |= VMS_PTE_ACCESSED;
	if (e & PTE_D) f |= VMS_PTE_DIRTY;
	if (large)
		f |= VMS_PTE_LARGE;
	/* Bit 7 is PAT in a 4K PTE; a large page moves PAT to bit 12. */
	if ((leaf && !large && (e & PTE_PS)) || (large && (e & PTE_PAT_LARGE)))
		f |= VMS_PTE_PAT;
	if (e & PTE_G) f |= VMS_PTE_GLOBAL;
	if (e & PTE_NX) f |= VMS_PTE_NX;
	s->flags = f;
	if (leaf)
		s->pkey = (unsigned)(e >> 59) & 15;
}

static void x86_why_reserved(const struct vms_layout *l, unsigned i, uint64_t e, char *buf,
			     size_t size)
{
	(void)l;
	(void)i;
	(void)e;
	snprintf(buf, size, "sets the reserved PS bit");
}

static const struct vms_pt_format x86_format = {
	.names = { "pml5", "pml4", "pud", "pmd", "pte" },
	.invalid = "not present",
	/* P; above the PTE, PS makes a large page (in a PTE bit 7 is PAT). */
	.valid = PTE_P,
	.block_mask = PTE_PS,
	.block_bits = PTE_PS,
	.check_va = x86_check_va,
	.windows = x86_windows,
	.attrs = x86_attrs,
	.why_reserved = x86_why_reserved,
};

/* ---- detection helpers ------------------------------------------------- */

static const struct vms_cpu_state *first_qemu_cpu(const struct vms_layout *l)
{
	for (size_t i = 0; i < l->in.ncpus; i++)
		if (l->in.cpus[i].has_qemu && l->in.cpus[i].cr[3])
			return &l->in.cpus[i];
	return NULL;
}

/* How much a page looks like a kernel top-level table: the number of
 * present kernel-half entries that point into the dump, or -1 when it
 * cannot be one (unreadable, a reserved bit set, or - with need_ktext - no
 * entry for the kernel image, which every kernel's table has). */
static int pgd_score_ex(struct vms_layout *l, uint64_t pa, bool need_ktext)
{
	uint8_t buf[4096];
	int score = 0;
	vms_error *err;

	if (!vms_layout_pa_in_dump(l, pa, sizeof(buf)))
		return -1;
	err = l->in.read_phys(l->in.ctx, pa, buf, sizeof(buf), 0);
	if (err) {
		vms_error_free(err);
		return -1;
	}
	if (need_ktext && !(vms_get64le(buf + 511 * 8) & PTE_P))
		return -1;
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = vms_get64le(buf + i * 8);
		if (!(e & PTE_P))
			continue;
		if ((e & PTE_PS) || !vms_layout_pa_in_dump(l, vms_walk_oa(l, e), 4096))
			return -1;
		if (i >= 256)
			score++;
	}
	return score;
}

static int pgd_score(struct vms_layout *l, uint64_t pa)
{
	return pgd_score_ex(l, pa, true);
}

/* The root also has to map kernel text somewhere in the image range. */
static bool maps_ktext(struct vms_layout *l, uint64_t root, uint64_t *va, uint64_t *pa)
{
	return vms_walk_lowest(l, root, START_KERNEL_MAP, START_KERNEL_MAP + GIB - 1, va, pa, NULL);
}

/* Last resort without VMCOREINFO or CPU state: look for a page that is
 * plausibly a top-level table.  Bounded to the first 16 GiB of memory. */
static bool scan_for_root(struct vms_layout *l, uint64_t *root)
{
	uint64_t budget = (16 * GIB) >> 12;

	for (size_t r = 0; r < l->in.nranges && budget; r++) {
		const struct vms_range *rg = &l->in.ranges[r];
		for (uint64_t pa = (rg->start + 4095) & ~UINT64_C(4095);
		     pa + 4096 <= rg->end && budget; pa += 4096, budget--) {
			uint64_t va, tpa;
			if (pgd_score(l, pa) >= 2 && maps_ktext(l, pa, &va, &tpa)) {
				*root = pa;
				return true;
			}
		}
	}
	return false;
}

static const char *hexs(char *buf, uint64_t v)
{
	snprintf(buf, 24, "0x%" PRIx64, v);
	return buf;
}

/* Direct-map base the kernel version uses when memory is not randomized. */
static uint64_t default_page_offset(const struct vms_layout *l)
{
	uint32_t v = l->osver;

	if (l->levels == 5)
		return (v && v < 0x041400) ? PAGE_OFFSET_L5_OLD : PAGE_OFFSET_L5;
	if (!v || v >= 0x041400)
		return PAGE_OFFSET_L4;
	/* Stable backports moved it in 4.19.5 and 4.14.84 (crash's tables). */
	if ((v >= 0x041305 && v < 0x041400) || (v >= 0x040e54 && v < 0x040f00))
		return PAGE_OFFSET_L4;
	if (v >= 0x02061b)
		return PAGE_OFFSET_L4_OLD;
	if (v >= 0x02060b)
		return PAGE_OFFSET_L4_2611;
	return PAGE_OFFSET_L4_ANCIENT;
}

/* The fixed bases of a non-randomized kernel follow its direct-map base
 * (which tells the era even when the version is unknown), refined by the
 * version where one base served several eras. */
static uint64_t default_vmalloc(const struct vms_layout *l, uint64_t pob)
{
	if (l->levels == 5)
		return VMALLOC_L5;
	if (pob == PAGE_OFFSET_L4_ANCIENT)
		return UINT64_C(0xffffff0000000000);
	if (pob == PAGE_OFFSET_L4_2611 || (l->osver && l->osver < 0x02061f))
		return VMALLOC_L4_OLD;
	return VMALLOC_L4;
}

static uint64_t default_vmemmap(const struct vms_layout *l, uint64_t pob)
{
	if (l->levels == 5)
		return VMEMMAP_L5;
	if (pob == PAGE_OFFSET_L4_2611 || (l->osver && l->osver < 0x02061f))
		return VMEMMAP_L4_OLD;
	return VMEMMAP_L4;
}

static bool read_u64_virt(struct vms_layout *l, uint64_t va, uint64_t *out)
{
	uint8_t b[8];
	vms_error *err = vms_read_virt(l, va, b, 8, 0);

	if (err) {
		vms_error_free(err);
		return false;
	}
	*out = vms_get64le(b);
	return true;
}

/* ---- detection steps --------------------------------------------------- */

static void detect_levels(struct vms_layout *l)
{
	const struct vms_cpu_state *cpu = first_qemu_cpu(l);
	uint64_t n;
	bool have_n = vms_layout_vmci_num(l, "NUMBER(pgtable_l5_enabled)", &n);

	if (cpu) {
		unsigned lv = (cpu->cr[4] >> 12) & 1 ? 5 : 4;
		vms_layout_set(l, VMS_LK_PAGING_LEVELS, lv, VMS_SRC_CPU_STATE);
		vms_layout_note(l, VMS_LK_PAGING_LEVELS, "CR4.LA57=%u", lv == 5);
		if (have_n && (n ? 5u : 4u) != lv) {
			l->v[VMS_LK_PAGING_LEVELS].pub.conflict = true;
			vms_layout_note(l, VMS_LK_PAGING_LEVELS,
					"VMCOREINFO pgtable_l5_enabled=%" PRIu64 " disagrees", n);
		} else if (have_n) {
			vms_layout_note(l, VMS_LK_PAGING_LEVELS, "agrees with VMCOREINFO");
		}
	} else if (have_n) {
		vms_layout_set(l, VMS_LK_PAGING_LEVELS, n ? 5 : 4, VMS_SRC_VMCOREINFO);
	} else {
		vms_layout_set(l, VMS_LK_PAGING_LEVELS, 4, VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_PAGING_LEVELS, "no CR4 and no pgtable_l5_enabled: assumed 4-level");
	}
	l->levels = (unsigned)vms_layout_val(l, VMS_LK_PAGING_LEVELS);
	set_walk_geometry(l);
}

struct candidate {
	bool have;
	uint64_t value;
	enum vms_value_source src;
};

/* PT_LOAD of the kernel image: phys_base = p_paddr - (p_vaddr - __START_KERNEL_map). */
static struct candidate phys_base_from_ptload(const struct vms_layout *l)
{
	struct candidate c = { false, 0, VMS_SRC_PT_LOAD };

	for (size_t i = 0; i < l->in.nsegments; i++) {
		const struct vms_segment *s = &l->in.segments[i];
		if (s->vaddr >= START_KERNEL_MAP && s->vaddr < START_KERNEL_MAP + GIB &&
		    s->paddr != s->vaddr && s->paddr != UINT64_MAX) {
			c.have = true;
			c.value = s->paddr - (s->vaddr - START_KERNEL_MAP);
			break;
		}
	}
	return c;
}

/* Picks the first known candidate, notes whether the others agree. */
static void choose(struct vms_layout *l, enum vms_layout_key k, struct candidate *c, size_t n,
		   const char *const *what)
{
	char a[24], b[24];
	size_t chosen = n;

	for (size_t i = 0; i < n; i++) {
		if (!c[i].have)
			continue;
		if (chosen == n) {
			chosen = i;
			vms_layout_set(l, k, c[i].value, c[i].src);
			continue;
		}
		if (c[i].value == c[chosen].value) {
			vms_layout_note(l, k, "%s give the same value", what[i]);
		} else {
			l->v[k].pub.conflict = true;
			vms_layout_note(l, k, "%s says %s, not %s", what[i], hexs(a, c[i].value),
					hexs(b, c[chosen].value));
		}
	}
}

static void detect_root(struct vms_layout *l, const struct vms_detect_options *opts,
			struct candidate *pb, size_t npb)
{
	const struct vms_cpu_state *cpu = first_qemu_cpu(l);
	uint64_t sym = 0;
	const char *symname = "init_top_pgt";
	bool have_sym = vms_layout_vmci_hex(l, "SYMBOL(init_top_pgt)", &sym);
	char a[24], b[24];

	if (!have_sym) {
		symname = "init_level4_pgt";
		have_sym = vms_layout_vmci_hex(l, "SYMBOL(init_level4_pgt)", &sym);
	}
	if (opts->have_pgt_root) {
		vms_layout_set(l, VMS_LK_PGT_ROOT, opts->pgt_root, VMS_SRC_OPTION);
		return;
	}
	/* The symbol is a kernel-image address: it needs phys_base. */
	if (have_sym && sym >= START_KERNEL_MAP) {
		for (size_t i = 0; i < npb; i++) {
			uint64_t root = sym - START_KERNEL_MAP + pb[i].value;
			if (!pb[i].have)
				continue;
			/* The symbol is authoritative: only refuse garbage. */
			if (pgd_score_ex(l, root, false) < 0) {
				vms_layout_remarkf(l, "SYMBOL(%s) with phys_base %s (%s) gives PA %s, "
						   "which does not look like a top-level table",
						   symname, hexs(a, pb[i].value),
						   vms_value_source_name(pb[i].src), hexs(b, root));
				continue;
			}
			vms_layout_set(l, VMS_LK_PGT_ROOT, root, VMS_SRC_SYMBOL);
			vms_layout_note(l, VMS_LK_PGT_ROOT, "SYMBOL(%s) with phys_base from %s",
					symname, vms_value_source_name(pb[i].src));
			break;
		}
	}
	if (cpu) {
		/* With PTI, CR3 may hold the user copy (bit 12 set): the kernel
		 * copy is the page below and has the richer kernel half. */
		uint64_t cr3 = cpu->cr[3] & PTE_ADDR & ~sme(l), best = cr3;
		if ((cr3 & 0x1000) && pgd_score(l, cr3 & ~UINT64_C(0x1000)) > pgd_score(l, cr3))
			best = cr3 & ~UINT64_C(0x1000);
		if (!vms_layout_known(l, VMS_LK_PGT_ROOT)) {
			if (pgd_score(l, best) >= 0) {
				vms_layout_set(l, VMS_LK_PGT_ROOT, best, VMS_SRC_CPU_STATE);
				vms_layout_note(l, VMS_LK_PGT_ROOT, "CR3 0x%" PRIx64 " of the first CPU%s",
						cpu->cr[3], best != cr3 ? " (PTI user copy: kernel copy below)" : "");
			} else {
				vms_layout_remarkf(l, "CR3 0x%" PRIx64 " does not point at a plausible "
						   "top-level table", cpu->cr[3]);
			}
		} else {
			/* Another process's PGD still shares the kernel half. */
			uint64_t r = vms_layout_val(l, VMS_LK_PGT_ROOT), e1 = 0, e2 = 0;
			vms_error *e = vms_walk_read_entry(l, 0, r, 511, &e1);
			if (!e)
				e = vms_walk_read_entry(l, 1, best, 511, &e2);
			if (e) {
				vms_error_free(e);
			} else if (r == best || e1 == e2) {
				vms_layout_note(l, VMS_LK_PGT_ROOT, "CR3 %s the same kernel half",
						r == best ? "is the same table," : "shares");
			} else {
				l->v[VMS_LK_PGT_ROOT].pub.conflict = true;
				vms_layout_note(l, VMS_LK_PGT_ROOT,
						"CR3 table %s maps kernel text differently", hexs(a, best));
			}
		}
	}
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		uint64_t root;
		if (scan_for_root(l, &root)) {
			vms_layout_set(l, VMS_LK_PGT_ROOT, root, VMS_SRC_PAGE_TABLES);
			vms_layout_note(l, VMS_LK_PGT_ROOT,
					"found by scanning memory for a table that maps kernel text");
		}
	}
}

static void detect_phys_base_and_kaslr(struct vms_layout *l, struct candidate *pb, size_t npb,
				       const char *const *what)
{
	uint64_t va = 0, pa = 0, off, stext;
	bool have_text = vms_layout_known(l, VMS_LK_PGT_ROOT) &&
			 maps_ktext(l, vms_layout_val(l, VMS_LK_PGT_ROOT), &va, &pa);

	/* pb[] = { VMCOREINFO, PT_LOAD, page tables }: fill the last. */
	if (have_text) {
		pb[2].have = true;
		pb[2].value = pa - (va - START_KERNEL_MAP);
	}
	choose(l, VMS_LK_PHYS_BASE, pb, npb, what);

	/* KASLR offset: relocated _text minus its link address. */
	if (vms_layout_vmci_hex(l, "KERNELOFFSET", &off)) {
		vms_layout_set(l, VMS_LK_KASLR_OFFSET, off, VMS_SRC_VMCOREINFO);
	} else if (vms_layout_vmci_hex(l, "SYMBOL(_stext)", &stext) && stext >= DEFAULT_TEXT) {
		/* _stext sits a little above _text; both move by the offset,
		 * which is a multiple of 2 MiB. */
		vms_layout_set(l, VMS_LK_KASLR_OFFSET, (stext & ~(UINT64_C(0x1fffff))) - DEFAULT_TEXT,
			       VMS_SRC_SYMBOL);
		vms_layout_note(l, VMS_LK_KASLR_OFFSET, "SYMBOL(_stext) rounded down to 2 MiB, "
				"minus 0xffffffff81000000");
	} else if (have_text) {
		vms_layout_set(l, VMS_LK_KASLR_OFFSET, va >= DEFAULT_TEXT ? va - DEFAULT_TEXT : 0,
			       VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_KASLR_OFFSET, "first mapped kernel-text address 0x%" PRIx64
				", assuming CONFIG_PHYSICAL_START=16 MiB", va);
	}
	if (have_text && vms_layout_known(l, VMS_LK_KASLR_OFFSET) &&
	    l->v[VMS_LK_KASLR_OFFSET].pub.source != VMS_SRC_PAGE_TABLES) {
		uint64_t text = DEFAULT_TEXT + vms_layout_val(l, VMS_LK_KASLR_OFFSET);
		if ((text & ~UINT64_C(0x1fffff)) == va)
			vms_layout_note(l, VMS_LK_KASLR_OFFSET, "page tables map kernel text from there");
		else
			vms_layout_note(l, VMS_LK_KASLR_OFFSET,
					"page tables map kernel text from 0x%" PRIx64, va);
	}
}

/* The direct-map offset the PT_LOAD headers imply: the one covering the
 * most bytes among segments below the kernel-image map.  QEMU dumps taken
 * without paging have p_vaddr == p_paddr (or 0) and say nothing. */
static struct candidate page_offset_from_ptload(struct vms_layout *l)
{
	struct candidate c = { false, 0, VMS_SRC_PT_LOAD };
	uint64_t best_bytes = 0;
	size_t n = l->in.nsegments;

	for (size_t i = 0; i < n; i++) {
		const struct vms_segment *s = &l->in.segments[i];
		uint64_t off = s->vaddr - s->paddr, bytes = 0;
		if (s->vaddr == s->paddr || !s->vaddr || s->paddr == UINT64_MAX ||
		    s->vaddr < UINT64_C(0xff00000000000000) || s->vaddr >= START_KERNEL_MAP ||
		    (off & (GIB - 1)))
			continue;
		for (size_t j = 0; j < n; j++)
			if (l->in.segments[j].vaddr - l->in.segments[j].paddr == off)
				bytes += l->in.segments[j].memsz;
		if (bytes > best_bytes) {
			best_bytes = bytes;
			c.have = true;
			c.value = off;
		}
	}
	return c;
}

/* Lowest 1 GiB-aligned linear region in [lo, hi]: the direct map starts at
 * the lowest mapped address of the randomization range and maps PA 0 (or
 * whatever the first RAM is) at base + PA. */
static struct candidate page_offset_from_tables(struct vms_layout *l, uint64_t lo, uint64_t hi)
{
	struct candidate c = { false, 0, VMS_SRC_PAGE_TABLES };
	uint64_t root = vms_layout_val(l, VMS_LK_PGT_ROOT), start = lo;

	for (int tries = 0; tries < 64 && start <= hi; tries++) {
		uint64_t va, pa, size, base;
		if (!vms_walk_lowest(l, root, start, hi, &va, &pa, &size))
			break;
		base = va - pa;
		if (pa <= va && !(base & (GIB - 1)) && base >= lo) {
			c.have = true;
			c.value = base;
			return c;
		}
		/* Not linear from a 1 GiB boundary (e.g. an LDT remap): go on. */
		if (!vms_add_ok(va, size, &start))
			break;
	}
	return c;
}

static void detect_page_offset(struct vms_layout *l)
{
	static const char *const what[] = { "the PT_LOAD headers", "the page tables", "the version default" };
	struct candidate c[3] = { page_offset_from_ptload(l), { 0 }, { 0 } };
	uint64_t pa, ms, lo, hi;
	bool have_root = vms_layout_known(l, VMS_LK_PGT_ROOT);

	if (have_root) {
		/* Kernels before 2.6.27 had fixed bases; test them first when
		 * the version allows it (a VA that maps PA 0). */
		static const uint64_t old[] = { PAGE_OFFSET_L4_ANCIENT, PAGE_OFFSET_L4_2611 };
		for (unsigned i = 0; i < 2 && l->levels == 4 && (!l->osver || l->osver < 0x02061b) &&
				     !c[1].have; i++)
			if (vms_walk_translates(l, old[i], &pa) && pa == 0 &&
			    vms_walk_translates(l, old[i] + 0x200000, &pa) && pa == 0x200000) {
				c[1].have = true;
				c[1].value = old[i];
				c[1].src = VMS_SRC_PAGE_TABLES;
			}
		lo = l->levels == 5 ? PAGE_OFFSET_L5_OLD : PAGE_OFFSET_L4_OLD;
		hi = CPU_ENTRY_AREA - 1;
		if (!c[1].have)
			c[1] = page_offset_from_tables(l, lo, hi);
	}
	c[2] = (struct candidate){ true, default_page_offset(l), VMS_SRC_DEFAULT };
	choose(l, VMS_LK_PAGE_OFFSET_BASE, c, c[0].have || c[1].have ? 2 : 3, what);
	if (!c[0].have && !c[1].have)
		vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE, "neither PT_LOAD nor page tables show the "
				"direct map; the version default is a guess");
	else if (c[2].value == vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE))
		vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE, "equals the non-randomized default");

	/* mem_section's value is a direct-map pointer since 4.15. */
	if (have_root && vms_layout_vmci_hex(l, "SYMBOL(mem_section)", &ms) && ms < START_KERNEL_MAP &&
	    vms_walk_translates(l, ms, &pa)) {
		uint64_t base = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
		if (ms - pa == base) {
			vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE, "SYMBOL(mem_section) translates consistently");
		} else {
			l->v[VMS_LK_PAGE_OFFSET_BASE].pub.conflict = true;
			vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE,
					"SYMBOL(mem_section) 0x%" PRIx64 " maps PA 0x%" PRIx64 " (offset 0x%" PRIx64 ")",
					ms, pa, ms - pa);
		}
	}
}

/* True when the direct map is not at one of the fixed bases of some
 * kernel era, i.e. CONFIG_RANDOMIZE_MEMORY moved it (and the others). */
static bool memory_randomized(const struct vms_layout *l)
{
	static const uint64_t fixed[] = { PAGE_OFFSET_L4, PAGE_OFFSET_L4_OLD, PAGE_OFFSET_L4_2611,
					  PAGE_OFFSET_L4_ANCIENT, PAGE_OFFSET_L5, PAGE_OFFSET_L5_OLD };
	uint64_t pob = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (pob == fixed[i])
			return false;
	return true;
}

static void detect_vmalloc(struct vms_layout *l)
{
	uint64_t v, root = vms_layout_val(l, VMS_LK_PGT_ROOT);
	uint64_t pob = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
	bool found = false;
	uint64_t va = 0, pa, tab = 0;

	if (vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		/* The first vmalloc area is normally at VMALLOC_START: the lowest
		 * mapped address past the end of RAM in the direct map. */
		uint64_t from = pob + ((vms_layout_max_pa(l) + GIB - 1) & ~(GIB - 1)) + GIB;
		found = vms_walk_lowest(l, root, from, CPU_ENTRY_AREA - 1, &va, &pa, NULL);
		if (found)
			tab = va & ~(GIB - 1);
	}
	if (vms_layout_vmci_num(l, "NUMBER(VMALLOC_START)", &v)) {
		vms_layout_set(l, VMS_LK_VMALLOC_BASE, v, VMS_SRC_VMCOREINFO);
	} else if (!memory_randomized(l)) {
		vms_layout_set(l, VMS_LK_VMALLOC_BASE, default_vmalloc(l, pob), VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_VMALLOC_BASE, "the direct map is not randomized, so neither is vmalloc");
	} else if (found) {
		vms_layout_set(l, VMS_LK_VMALLOC_BASE, tab, VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_VMALLOC_BASE, "lowest mapped address above the direct map "
				"(0x%" PRIx64 ") rounded down to 1 GiB", va);
		return;
	} else {
		return;
	}
	if (found) {
		v = vms_layout_val(l, VMS_LK_VMALLOC_BASE);
		if (va >= v && va - v < 32 * TIB)
			vms_layout_note(l, VMS_LK_VMALLOC_BASE, "first mapping above the direct map is at "
					"0x%" PRIx64 ", inside", va);
		else
			vms_layout_note(l, VMS_LK_VMALLOC_BASE, "first mapping above the direct map is at "
					"0x%" PRIx64, va);
	}
}

/* mem_section decode: section_mem_map holds mem_map - section_start_pfn
 * with flag bits in the low bits, i.e. the struct page of pfn 0. */
static bool vmemmap_from_mem_section(struct vms_layout *l, uint64_t *out)
{
	uint64_t ms, off, sz, root0, word;

	if (!vms_layout_vmci_hex(l, "SYMBOL(mem_section)", &ms) ||
	    !vms_layout_vmci_num(l, "OFFSET(mem_section.section_mem_map)", &off) ||
	    !vms_layout_vmci_num(l, "SIZE(mem_section)", &sz) || !sz || sz > 4096 || off + 8 > sz)
		return false;
	/* SPARSEMEM_EXTREME (always on x86_64): mem_section is an array of
	 * root pointers, each to an array of PAGE_SIZE / sizeof sections. */
	if (!read_u64_virt(l, ms, &root0) || !root0)
		return false;
	for (uint64_t i = 0; i < 4096 / sz; i++) {
		if (!read_u64_virt(l, root0 + i * sz + off, &word))
			return false;
		if (word & 2) {	/* SECTION_HAS_MEM_MAP */
			*out = word & ~UINT64_C(0x3f);
			return true;
		}
	}
	return false;
}

static void detect_vmemmap(struct vms_layout *l)
{
	uint64_t pob = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
	uint64_t v = 0, root = vms_layout_val(l, VMS_LK_PGT_ROOT), tab = 0, va = 0, pa;
	bool found = false;

	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_known(l, VMS_LK_VMALLOC_BASE)) {
		uint64_t from = vms_layout_val(l, VMS_LK_VMALLOC_BASE) +
				(l->levels == 5 ? 12800 * TIB : 32 * TIB);
		found = vms_walk_lowest(l, root, from, CPU_ENTRY_AREA - 1, &va, &pa, NULL);
		if (found)
			tab = va & ~(GIB - 1);
	}
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vmemmap_from_mem_section(l, &v)) {
		vms_layout_set(l, VMS_LK_VMEMMAP_BASE, v, VMS_SRC_SYMBOL);
		vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "decoded from mem_section's section_mem_map");
	} else if (!memory_randomized(l)) {
		vms_layout_set(l, VMS_LK_VMEMMAP_BASE, default_vmemmap(l, pob), VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "the direct map is not randomized, so neither is vmemmap");
	} else if (found) {
		vms_layout_set(l, VMS_LK_VMEMMAP_BASE, tab, VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "lowest mapped address above vmalloc "
				"(0x%" PRIx64 ") rounded down to 1 GiB", va);
		return;
	} else {
		return;
	}
	v = vms_layout_val(l, VMS_LK_VMEMMAP_BASE);
	if (found && tab == v)
		vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "page tables agree (first mapping at 0x%" PRIx64 ")", va);
	else if (found)
		vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "first mapping above vmalloc is at 0x%" PRIx64, va);
}

static vms_error *build_regions(struct vms_layout *l)
{
	bool l5 = l->levels == 5;
	uint64_t pob = vms_layout_known(l, VMS_LK_PAGE_OFFSET_BASE)
			       ? vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE) : default_page_offset(l);
	uint64_t vmb = vms_layout_known(l, VMS_LK_VMALLOC_BASE)
			       ? vms_layout_val(l, VMS_LK_VMALLOC_BASE) : default_vmalloc(l, pob);
	uint64_t vmm = vms_layout_known(l, VMS_LK_VMEMMAP_BASE)
			       ? vms_layout_val(l, VMS_LK_VMEMMAP_BASE) : default_vmemmap(l, pob);
	uint64_t kis = vms_layout_val(l, VMS_LK_KERNEL_IMAGE_SIZE);
	uint64_t dm_size = l5 ? (UINT64_C(1) << 52) : (UINT64_C(1) << 46);
	uint64_t vm_size = l5 ? 12800 * TIB : 32 * TIB;
	uint64_t vmm_size = l5 ? (UINT64_C(1) << 49) : TIB;
	uint64_t user_end = l5 ? UINT64_C(0x00ffffffffffffff) : UINT64_C(0x00007fffffffffff);
	uint64_t guard = l5 ? UINT64_C(0xff00000000000000) : UINT64_C(0xffff800000000000);
	uint64_t ldt = l5 ? PAGE_OFFSET_L5_OLD : PAGE_OFFSET_L4_OLD;
	uint64_t ldt_size = l5 ? (UINT64_C(1) << 48) : (UINT64_C(1) << 39);
	vms_error *err = NULL;

#define ADD(name, s, e) do { if (!err) err = vms_layout_add_region(l, name, s, e); } while (0)
	/* Priority order: fixed kernel areas first, then the bases found. */
	ADD("user", 0, user_end);
	ADD("noncanonical", user_end + 1, guard - 1);
	ADD("kernel-text", START_KERNEL_MAP, START_KERNEL_MAP + kis - 1);
	ADD("modules", START_KERNEL_MAP + kis, UINT64_C(0xfffffffffeffffff));
	ADD("fixmap", UINT64_C(0xffffffffff500000), UINT64_C(0xffffffffff5fffff));
	ADD("vsyscall", UINT64_C(0xffffffffff600000), UINT64_C(0xffffffffff600fff));
	ADD("efi", UINT64_C(0xffffffef00000000), UINT64_C(0xfffffffeffffffff));
	ADD("espfix", UINT64_C(0xffffff0000000000), UINT64_C(0xffffff7fffffffff));
	ADD("cpu-entry-area", CPU_ENTRY_AREA, UINT64_C(0xfffffe7fffffffff));
	if (pob >= guard) {
		/* Before 4.20 the direct map began where the LDT remap is now. */
		if (pob >= ldt + ldt_size)
			ADD("ldt-remap", ldt, ldt + ldt_size - 1);
		ADD("guard-hole", guard, ldt - 1);
		ADD("direct-map", pob, (vmb > pob && vmb - pob < dm_size ? vmb : pob + dm_size) - 1);
	} else {
		ADD("guard-hole", guard, ldt - 1);
		ADD("direct-map", pob, pob + GIB * 64 - 1);	/* < 2.6.11: in the lower half */
	}
	ADD("vmalloc", vmb, (vmm > vmb && vmm - vmb < vm_size ? vmm : vmb + vm_size) - 1);
	ADD("vmemmap", vmm, vmm + vmm_size - 1);
	if (!memory_randomized(l))
		ADD("kasan-shadow", l5 ? UINT64_C(0xffdf000000000000) : UINT64_C(0xffffec0000000000),
		    UINT64_C(0xfffffbffffffffff));
#undef ADD
	return err ? err : vms_layout_regions_finish(l);
}

/* Without OSRELEASE: the linux_banner in the kernel-text mapping (VA - PA
 * = __START_KERNEL_map - phys_base) gives the version. */
static void detect_version(struct vms_layout *l)
{
	uint64_t bva = 0;

	if (l->osver)
		return;
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT) || !vms_layout_known(l, VMS_LK_PHYS_BASE) ||
	    !vms_layout_find_banner(l, START_KERNEL_MAP, START_KERNEL_MAP + GIB - 1,
				    START_KERNEL_MAP - vms_layout_val(l, VMS_LK_PHYS_BASE), &bva)) {
		vms_layout_remarkf(l, "kernel version unknown: no OSRELEASE, and no linux_banner found "
				   "in the kernel-text mapping");
		return;
	}
	/* rodata follows text: the banner lies above _text. */
	if (vms_layout_known(l, VMS_LK_KASLR_OFFSET)) {
		uint64_t text = DEFAULT_TEXT + vms_layout_val(l, VMS_LK_KASLR_OFFSET);
		if (bva > text)
			vms_layout_note(l, VMS_LK_KASLR_OFFSET, "the linux_banner (0x%" PRIx64 ") lies "
					"above _text", bva);
		else
			vms_layout_note(l, VMS_LK_KASLR_OFFSET, "but the linux_banner 0x%" PRIx64 " lies "
					"below _text 0x%" PRIx64, bva, text);
	}
}

static vms_error *x86_detect(struct vms_layout *l, const struct vms_detect_options *opts)
{
	static const char *const pb_what[] = { "VMCOREINFO", "the PT_LOAD headers", "the page tables",
					       "the dump header" };
	struct candidate pb[4];
	uint64_t v;
	vms_error *err;

	l->page_size = 4096;
	l->table_size = 4096;
	err = vms_walk_cache_init(&l->cache, l->table_size);
	if (err)
		return err;

	if (vms_layout_vmci_num(l, "NUMBER(sme_mask)", &v))
		vms_layout_set(l, VMS_LK_SME_MASK, v, VMS_SRC_VMCOREINFO);
	else
		vms_layout_set(l, VMS_LK_SME_MASK, 0, VMS_SRC_DEFAULT);
	if (vms_layout_vmci_num(l, "SIZE(page)", &v))
		vms_layout_set(l, VMS_LK_STRUCT_PAGE_SIZE, v, VMS_SRC_VMCOREINFO);
	else
		vms_layout_set(l, VMS_LK_STRUCT_PAGE_SIZE, 64, VMS_SRC_DEFAULT);
	detect_levels(l);

	/* phys_base, best source first; the page-tables slot is filled once
	 * a root is known, the header (QEMU gets it wrong) comes last. */
	pb[0] = (struct candidate){ false, 0, VMS_SRC_VMCOREINFO };
	pb[0].have = vms_layout_vmci_num(l, "NUMBER(phys_base)", &pb[0].value);
	pb[1] = phys_base_from_ptload(l);
	pb[2] = (struct candidate){ false, 0, VMS_SRC_PAGE_TABLES };
	pb[3] = (struct candidate){ l->in.have_header_phys_base, l->in.header_phys_base, VMS_SRC_HEADER };
	detect_root(l, opts, pb, 4);
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT))
		vms_layout_remarkf(l, "no page-table root: no usable SYMBOL(init_top_pgt), CR3, or "
				   "table found in memory; translation is unavailable");
	/* The header candidate is weighed last, on its own. */
	detect_phys_base_and_kaslr(l, pb, 3, pb_what);
	if (pb[3].have) {
		char a[24], b[24];
		if (!vms_layout_known(l, VMS_LK_PHYS_BASE))
			vms_layout_set(l, VMS_LK_PHYS_BASE, pb[3].value, VMS_SRC_HEADER);
		else if (pb[3].value == vms_layout_val(l, VMS_LK_PHYS_BASE))
			vms_layout_note(l, VMS_LK_PHYS_BASE, "the dump header agrees");
		else {
			l->v[VMS_LK_PHYS_BASE].pub.conflict = true;
			vms_layout_note(l, VMS_LK_PHYS_BASE, "the dump header says %s, not %s (QEMU 7.2 "
					"writes a wrong phys_base there)", hexs(a, pb[3].value),
					hexs(b, vms_layout_val(l, VMS_LK_PHYS_BASE)));
		}
	}

	detect_version(l);

	if (vms_layout_vmci_num(l, "NUMBER(KERNEL_IMAGE_SIZE)", &v) && v && v <= GIB) {
		vms_layout_set(l, VMS_LK_KERNEL_IMAGE_SIZE, v, VMS_SRC_VMCOREINFO);
	} else if (l->osver && l->osver < 0x030e00) {
		vms_layout_set(l, VMS_LK_KERNEL_IMAGE_SIZE, 512u << 20, VMS_SRC_DEFAULT);
	} else {
		vms_layout_set(l, VMS_LK_KERNEL_IMAGE_SIZE, GIB, VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_KERNEL_IMAGE_SIZE, "1 GiB with CONFIG_RANDOMIZE_BASE, "
				"512 MiB without");
	}

	detect_page_offset(l);
	detect_vmalloc(l);
	detect_vmemmap(l);
	if (vms_layout_known(l, VMS_LK_VMALLOC_BASE) && vms_layout_known(l, VMS_LK_VMEMMAP_BASE)) {
		uint64_t a = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
		uint64_t b = vms_layout_val(l, VMS_LK_VMALLOC_BASE);
		uint64_t c = vms_layout_val(l, VMS_LK_VMEMMAP_BASE);
		/* kaslr.c places them in this order, never otherwise. */
		if (!(a < b && b < c) && a >= UINT64_C(0xff00000000000000))
			vms_layout_remarkf(l, "page_offset_base < vmalloc_base < vmemmap_base does not "
					   "hold: 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%" PRIx64, a, b, c);
	}
	return build_regions(l);
}

const struct vms_arch_ops vms_arch_x86_64 = {
	.name = "x86_64",
	.detect = x86_detect,
	.format = &x86_format,
	.walk = vms_walk_va,
	.foreach_leaf = vms_walk_foreach_leaf,
};
