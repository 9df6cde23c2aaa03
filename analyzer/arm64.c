/* arm64: page-table descriptor format and kernel layout detection.
 *
 * All arm64 knowledge lives here: the VMSAv8-64 descriptor formats for the
 * 4K, 16K and 64K granules (with the 52-bit output-address encodings of
 * FEAT_LPA and FEAT_LPA2; walk.c walks the tables with them), the geometry
 * that follows from the granule and the VA size, and the kernel's
 * address-space map of
 * arch/arm64/include/asm/memory.h as it changed between versions (the 5.4
 * "flip" of the linear map to the lower half, the BPF JIT region of
 * 5.0-5.16, the 5.11 and 6.9 vmemmap moves, the 5.18 VMCOREINFO ranges).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "util.h"
#include "walk-priv.h"

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)

/* Descriptor bits (ARM ARM D8.3). */
#define D_VALID (UINT64_C(1) << 0)
#define D_TABLE (UINT64_C(1) << 1)	/* table (levels 0-2) or page (level 3) */
#define D_USER (UINT64_C(1) << 6)	/* AP[1]: EL0 access */
#define D_RDONLY (UINT64_C(1) << 7)	/* AP[2] */
#define D_AF (UINT64_C(1) << 10)
#define D_NG (UINT64_C(1) << 11)
#define D_DBM (UINT64_C(1) << 51)
#define D_CONT (UINT64_C(1) << 52)
#define D_PXN (UINT64_C(1) << 53)
#define D_SW_DIRTY (UINT64_C(1) << 55)	/* Linux PTE_DIRTY */

#define PA52_MASK ((UINT64_C(1) << 52) - 1)

static inline uint64_t neg_pow2(unsigned bits)
{
	return (uint64_t)0 - (UINT64_C(1) << bits);
}

/* ---- geometry ------------------------------------------------------------ */

/* Hardware level of walk step i: the last step is level 3. */
static int hw_level(const struct vms_layout *l, unsigned i)
{
	return 3 - (int)(l->levels - 1 - i);
}

/* Which levels may hold block descriptors (ARM ARM D8.2, table D8-8ff.):
 * level 2 always, level 1 with 4K (1 GiB), or with 16K under LPA2 (64 GiB),
 * or with 64K under LPA (4 TiB), level 0 only with 4K under LPA2. */
static bool block_allowed(const struct vms_layout *l, int level)
{
	unsigned ps = l->walk.page_shift;

	switch (level) {
	case 2:
		return true;
	case 1:
		return ps == 12 || (ps == 14 && l->arm64.pte == VMS_A64_PTE_LPA2) ||
		       (ps == 16 && l->arm64.pte == VMS_A64_PTE_LPA);
	case 0:
		return ps == 12 && l->arm64.pte == VMS_A64_PTE_LPA2;
	default:
		return false;
	}
}

/* Sets page size, walk VA size and PA encoding; false for combinations no
 * translation regime has. */
static bool set_geometry(struct vms_layout *l, unsigned ps, unsigned va, bool pa52)
{
	unsigned bits = ps - 3, levels;
	struct vms_walk_geometry *g = &l->walk;

	if ((ps != 12 && ps != 14 && ps != 16) || va > 52 || va < ps + bits)
		return false;
	levels = (va - ps + bits - 1) / bits;
	if (levels < 2 || levels > VMS_MAX_LEVELS || (levels == 5 && ps != 12))
		return false;
	l->arm64.va_walk = va;
	l->levels = levels;
	l->page_size = 1u << ps;
	l->table_size = 1u << ps;
	/* 4K/16K with 52-bit VA means LPA2 (the kernel ties PA size to VA size
	 * there); 64K takes 52-bit PAs through LPA independently of VA. */
	if (ps == 16)
		l->arm64.pte = pa52 ? VMS_A64_PTE_LPA : VMS_A64_PTE_48;
	else
		l->arm64.pte = va == 52 ? VMS_A64_PTE_LPA2 : VMS_A64_PTE_48;

	memset(g, 0, sizeof(*g));
	g->page_shift = ps;
	g->level_bits = bits;
	g->top_entries = 1u << (va - (ps + bits * (levels - 1)));
	for (unsigned i = 0; i + 1 < levels; i++)
		if (block_allowed(l, hw_level(l, i)))
			g->block_steps |= 1u << i;
	/* TTBRn_EL1: the table address in bits [51:1], CnP in bit 0. */
	g->root_mask = PA52_MASK & ~UINT64_C(7);
	/* Output address bits [47:PAGE_SHIFT]; FEAT_LPA adds PA[51:48] from
	 * bits [15:12], FEAT_LPA2 takes bits [49:PAGE_SHIFT] and PA[51:50]
	 * from bits [9:8]. */
	g->oa_mask = UINT64_C(0x0000ffffffffffff) & ~((UINT64_C(1) << ps) - 1);
	if (l->arm64.pte == VMS_A64_PTE_LPA) {
		g->oa_hi_from = 12;
		g->oa_hi_mask = 0xf;
		g->oa_hi_to = 48;
	} else if (l->arm64.pte == VMS_A64_PTE_LPA2) {
		g->oa_mask |= UINT64_C(0x0003000000000000);
		g->oa_hi_from = 8;
		g->oa_hi_mask = 0x3;
		g->oa_hi_to = 50;
	}
	return true;
}

/* ---- the descriptor format, for the walker of walk.c ---------------------- */

static bool is_kernel_root(const struct vms_layout *l, uint64_t root)
{
	return vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_val(l, VMS_LK_PGT_ROOT) == root;
}

/* The top byte is a tag (TBI): bit 55 picks TTBR0 or TTBR1, and the bits
 * between it and the VA size must copy it. */
static vms_error *a64_check_va(const struct vms_layout *l, uint64_t root, uint64_t va)
{
	uint64_t uva = (va & (UINT64_C(1) << 55)) ? va | UINT64_C(0xff00000000000000)
						  : va & UINT64_C(0x00ffffffffffffff);
	unsigned vab = l->arm64.va_walk;
	uint64_t top = uva >> vab;

	if (top != 0 && top != (UINT64_MAX >> vab))
		return vms_error_fmt(VMS_ERR_INVALID,
				     "0x%" PRIx64 " is outside the %u-bit VA ranges (bits 63..%u of the "
				     "untagged address must be all 0 or all 1)", va, vab, vab);
	if (!top && is_kernel_root(l, root))
		return vms_error_fmt(VMS_ERR_UNMAPPED,
				     "0x%" PRIx64 " is a user address (TTBR0): the kernel's swapper_pg_dir "
				     "does not map it; give a process's page table (--pgd)", va);
	return NULL;
}

/* One table, two address ranges: TTBR0's [0, 2^va) and TTBR1's
 * [-2^va, 2^64).  The kernel's own root serves only the latter. */
static size_t a64_windows(const struct vms_layout *l, uint64_t root, struct vms_walk_window w[2])
{
	size_t n = 0;

	if (!is_kernel_root(l, root))
		w[n++] = (struct vms_walk_window){ 0, 0, l->walk.top_entries };
	w[n++] = (struct vms_walk_window){ neg_pow2(l->arm64.va_walk), 0, l->walk.top_entries };
	return n;
}

static void a64_attrs(uint64_t e, enum vms_desc d, bool block, struct vms_walk_step *s)
{
	unsigned f = 0;

	if (e & D_VALID)
		f |= VMS_PTE_PRESENT;
	if (d == VMS_DESC_LEAF) {	/* a table's APTable/XNTable bits are not decoded */
		if (!(e & D_RDONLY) || (e & D_DBM))
			f |= VMS_PTE_WRITE;
		if (e & D_USER)
			f |= VMS_PTE_USER;
		if (e & D_AF)
			f |= VMS_PTE_ACCESSED;
		if ((e & D_SW_DIRTY) || ((e & D_DBM) && !(e & D_RDONLY)))
			f |= VMS_PTE_DIRTY;
		if (block)
			f |= VMS_PTE_LARGE;
		if (!(e & D_NG))
			f |= VMS_PTE_GLOBAL;
		if (e & D_PXN)
			f |= VMS_PTE_NX;
		if (e & D_CONT)
			f |= VMS_PTE_CONT;
	}
	s->flags = f;
}

static void a64_why_reserved(const struct vms_layout *l, unsigned i, uint64_t e, char *buf,
			     size_t size)
{
	(void)e;
	if (i + 1 == l->levels)
		snprintf(buf, size, "has the reserved descriptor type 0b01 at level 3");
	else
		snprintf(buf, size, "is a block descriptor, which level %d does not allow with the "
			 "%u KiB granule%s", hw_level(l, i), l->page_size >> 10,
			 l->arm64.pte == VMS_A64_PTE_48 ? " and 48-bit PAs" : "");
}

static const struct vms_pt_format a64_format = {
	/* Linux's names; it folds the levels a short walk lacks. */
	.names = { "pgd", "p4d", "pud", "pmd", "pte" },
	.top_name = "pgd",
	.invalid = "invalid descriptor",
	/* Type bits [1:0]: 0b11 a page at level 3 (0b01 is reserved there),
	 * a table above, where 0b01 is a block if the level allows blocks. */
	.valid = D_VALID,
	.page_mask = D_TABLE,
	.page_bits = D_TABLE,
	.block_mask = D_TABLE,
	.block_bits = 0,
	.check_va = a64_check_va,
	.windows = a64_windows,
	.attrs = a64_attrs,
	.why_reserved = a64_why_reserved,
};

/* ---- detection helpers ---------------------------------------------------- */

/* Every VMCOREINFO number this file reads is either decimal or 0x-hex. */
static bool vnum(struct vms_layout *l, const char *key, uint64_t *v)
{
	return vms_layout_vmci_num(l, key, v);
}

static void set_note(struct vms_layout *l, enum vms_layout_key k, uint64_t v,
		     enum vms_value_source src, const char *note)
{
	vms_layout_set(l, k, v, src);
	if (note && *note)
		vms_layout_note(l, k, "%s", note);
}

/* Compares a second source with the value held. */
static void cross_check(struct vms_layout *l, enum vms_layout_key k, uint64_t other,
			const char *what)
{
	if (!vms_layout_known(l, k))
		return;
	if (vms_layout_val(l, k) == other) {
		vms_layout_note(l, k, "%s agrees", what);
	} else {
		l->v[k].pub.conflict = true;
		vms_layout_note(l, k, "%s gives 0x%" PRIx64, what, other);
	}
}

/* ---- the kernel's address-space map by version ---------------------------- */

struct a64_map {
	uint64_t page_offset;	/* PAGE_OFFSET macro */
	uint64_t page_end;	/* end of the linear range (KASAN excluded) */
	uint64_t kasan_start, kasan_end;
	uint64_t bpf_start, bpf_end;
	uint64_t modules_vaddr, modules_end;
	uint64_t kimage_vaddr;	/* KIMAGE_VADDR (before KASLR) */
	uint64_t vmalloc_start, vmalloc_end;
	uint64_t vmemmap_start, vmemmap_end;
	uint64_t pci_start, pci_end;
	uint64_t fixmap_start, fixmap_end;
};

static unsigned va_min(const struct vms_layout *l, unsigned va)
{
	if (va <= 48)
		return va;
	/* 6.9's LPA2 series let 16K fall back to 47 bits. */
	return (l->walk.page_shift == 14 && (!l->osver || l->osver >= 0x060900)) ? 47 : 48;
}

/* memory.h at the kernel's version.  kasan_size is what the image position
 * says the KASAN shadow takes (0 without KASAN).  Bounds are exclusive. */
static void formula_map(const struct vms_layout *l, unsigned va, uint64_t kasan_size,
			struct a64_map *m)
{
	uint32_t v = l->osver ? l->osver : 0x060c00;
	unsigned ps = l->walk.page_shift, vmin = va_min(l, va);
	uint64_t pud = UINT64_C(1) << (ps == 12 ? 30 : ps == 14 ? 36 : 42);
	uint64_t modsize = v >= 0x060500 ? 2 * GIB : 128 * MIB;
	bool bpf = v >= 0x050000 && v < 0x051100;

	memset(m, 0, sizeof(*m));
	if (l->arm64.flipped) {
		/* 5.4+: [PAGE_OFFSET, PAGE_END) linear, then KASAN, BPF, modules,
		 * image/vmalloc, and vmemmap, PCI I/O, fixmap at the top. */
		uint64_t vmsize;
		m->page_offset = neg_pow2(va);
		m->page_end = neg_pow2(vmin - 1);
		/* 5.11+ ends the shadow there and shortens the linear map */
		if (v >= 0x050b00)
			m->page_end -= kasan_size;
		m->kasan_start = m->page_end;
		m->kasan_end = m->page_end + kasan_size;
		m->bpf_start = m->kasan_end;
		m->bpf_end = m->bpf_start + (bpf ? 128 * MIB : 0);
		m->modules_vaddr = m->bpf_end;
		m->modules_end = m->modules_vaddr + modsize;
		m->kimage_vaddr = m->modules_end;
		m->vmalloc_start = m->modules_end;
		vmsize = (neg_pow2(vmin - 1) - neg_pow2(va)) >> (ps - 6);
		if (v < 0x050b00) {
			vmsize = UINT64_C(1) << (va - ps - 1 + 6);
			m->vmemmap_start = (uint64_t)0 - vmsize - 2 * MIB;
			m->vmalloc_end = (uint64_t)0 - pud - vmsize - 64 * KIB;
			m->pci_end = m->vmemmap_start - 2 * MIB;
			m->pci_start = m->pci_end - 16 * MIB;
			m->fixmap_end = m->pci_start - 2 * MIB;
		} else if (v < 0x060900) {
			m->vmemmap_start = neg_pow2(va - (ps - 6));
			m->vmalloc_end = m->vmemmap_start - 256 * MIB;
			m->pci_end = m->vmemmap_start - 8 * MIB;
			m->pci_start = m->pci_end - 16 * MIB;
			m->fixmap_end = m->vmemmap_start - 32 * MIB;
		} else {
			m->vmemmap_start = (uint64_t)0 - GIB - vmsize;
			m->vmalloc_end = m->vmemmap_start - 8 * MIB;
			m->pci_start = (uint64_t)0 - GIB + 8 * MIB;
			m->pci_end = m->pci_start + 16 * MIB;
			m->fixmap_end = (uint64_t)0 - 8 * MIB;
		}
		m->vmemmap_end = m->vmemmap_start + vmsize;
	} else {
		/* Before 5.4: [-2^VA, -2^(VA-1)) for KASAN, BPF, modules, image
		 * and vmalloc, vmemmap, PCI I/O, fixmap; linear map above. */
		uint64_t vmsize = UINT64_C(1) << (va - ps - 1 + 6);
		m->page_offset = neg_pow2(va - 1);
		m->page_end = 0;	/* to the top */
		m->kasan_start = neg_pow2(va);
		m->kasan_end = m->kasan_start + kasan_size;
		m->bpf_start = m->kasan_end;
		m->bpf_end = m->bpf_start + (bpf ? 128 * MIB : 0);
		m->modules_vaddr = m->bpf_end;
		m->modules_end = m->modules_vaddr + 128 * MIB;
		m->kimage_vaddr = m->modules_end;
		m->vmalloc_start = m->modules_end;
		m->vmemmap_start = m->page_offset - vmsize;
		m->vmemmap_end = m->page_offset;
		m->vmalloc_end = m->page_offset - pud - vmsize - 64 * KIB;
		m->pci_end = m->vmemmap_start - 2 * MIB;
		m->pci_start = m->pci_end - 16 * MIB;
		m->fixmap_end = m->pci_start - 2 * MIB;
		if (v < 0x040600) {
			/* The image still lived in the linear map. */
			m->modules_vaddr = m->page_offset - 64 * MIB;
			m->modules_end = m->page_offset;
			m->kimage_vaddr = m->page_offset;
			m->vmalloc_start = neg_pow2(va);
			m->bpf_start = m->bpf_end = m->kasan_end = m->kasan_start;
		}
	}
	/* The fixmap's size depends on the configuration; 4 MiB covers it. */
	m->fixmap_start = m->fixmap_end - 4 * MIB;
}

/* ---- detection ------------------------------------------------------------ */

/* A page that may be a kernel top-level table under the current geometry:
 * at least two valid entries, no garbage, all pointing into the dump. */
static int root_score(struct vms_layout *l, const uint8_t *buf)
{
	int score = 0;

	for (unsigned i = 0; i < l->walk.top_entries; i++) {
		uint64_t e = vms_get64le(buf + i * 8);
		if (!e)
			continue;
		if (!(e & D_VALID))
			return -1;
		if (!(e & D_TABLE) && !block_allowed(l, hw_level(l, 0)))
			return -1;
		if ((e & D_TABLE) && !vms_layout_pa_in_dump(l, vms_walk_oa(l, e), l->table_size))
			return -1;
		/* Linux leaves SH (bits 9:8) clear in table descriptors, and
		 * sets it in every kernel page: this tells a leaf table from a
		 * root.  Under LPA2 those bits are address bits. */
		if ((e & D_TABLE) && l->arm64.pte != VMS_A64_PTE_LPA2 && (e & 0x300))
			return -1;
		score++;
	}
	/* A root has few entries: the linear map and a few kernel areas. */
	if (l->walk.top_entries >= 64 && (unsigned)score * 4 > l->walk.top_entries * 3)
		return -1;
	/* The rest of the page is zero: swapper_pg_dir is page-sized. */
	for (unsigned i = l->walk.top_entries; i < l->table_size / 8; i++)
		if (vms_get64le(buf + i * 8))
			return -1;
	return score >= 2 ? score : -1;
}

/* swapper_pg_dir maps all of RAM linearly, itself included: walk to the
 * lowest mapped kernel address (the linear map's start in either layout)
 * and check that the root and the last RAM page sit where linearity says. */
static bool root_maps_ram(struct vms_layout *l, uint64_t root, uint64_t *lin_va, uint64_t *lin_pa,
			  bool *flipped)
{
	uint64_t saved_budget = l->scan_budget;
	bool ok = false;

	l->scan_budget = 1u << 16;
	/* k = 0: flipped, linear map from -2^va; k = 1: pre-5.4, from -2^(va-1). */
	for (unsigned k = 0; k < 2 && !ok; k++) {
		uint64_t lo = neg_pow2(l->arm64.va_walk - k), va, pa, got, last;
		struct vms_translation t;
		vms_error *err;
		if (!vms_walk_lowest(l, root, lo, UINT64_MAX, &va, &pa, NULL) || root < pa)
			continue;
		err = vms_walk_va(l, root, va + (root - pa), &t);
		got = t.paddr;
		vms_error_free(err);
		if (err || got != (root & ~UINT64_C(7)))
			continue;
		/* 64 pages spread over RAM, the last one included: every one
		 * that translates must sit where linearity says, and most
		 * must translate (no-map holes are allowed). */
		last = vms_layout_max_pa(l);
		if (last > pa + l->page_size) {
			uint64_t span = ((last - pa) & ~(uint64_t)(l->page_size - 1)) - l->page_size;
			unsigned good = 0, bad = 0;
			for (unsigned s = 1; s <= 64 && !bad; s++) {
				uint64_t p = pa + ((span / 64 * s) & ~(uint64_t)(l->page_size - 1));
				if (!vms_layout_pa_in_dump(l, p, 1))
					continue;
				err = vms_walk_va(l, root, va + (p - pa), &t);
				if (!err && t.paddr == p)
					good++;
				else if (!err)
					bad++;
				vms_error_free(err);
			}
			if (bad || good < 32)
				continue;
		}
		*lin_va = va;
		*lin_pa = pa;
		*flipped = k == 0;
		ok = true;
	}
	l->scan_budget = saved_budget;
	return ok;
}

/* The saved PC of a CPU stopped in the kernel is kernel text, which the
 * kernel's tables map; firmware or leftover tables that happen to map RAM
 * linearly do not.  True when no CPU state says anything. */
static bool maps_cpu_pcs(struct vms_layout *l, uint64_t root)
{
	bool any = false;

	for (size_t i = 0; i < l->in.ncpus; i++) {
		const struct vms_cpu_state *c = &l->in.cpus[i];
		struct vms_translation t;
		vms_error *err;
		uint64_t pc;
		if (!c->has_prstatus || c->nregs <= 32)
			continue;
		pc = c->regs[32];	/* pt_regs: x0..x30, sp, pc, pstate */
		if (pc >> l->arm64.va_walk != UINT64_MAX >> l->arm64.va_walk)
			continue;
		any = true;
		err = vms_walk_va(l, root, pc, &t);
		vms_error_free(err);
		if (!err)
			return true;
	}
	return !any;
}

/* Without VMCOREINFO: try the granule/VA combinations the kernel builds,
 * most common first, over the first 16 GiB of the dump, for a page that is
 * a plausible top-level table mapping all RAM linearly. */
static bool scan_for_root(struct vms_layout *l, unsigned only_ps, unsigned only_va)
{
	static const struct { unsigned ps, va; } geo[] = {
		{ 12, 48 }, { 12, 39 }, { 16, 48 }, { 16, 42 }, { 14, 48 }, { 14, 47 },
		{ 16, 52 }, { 14, 52 }, { 12, 52 }, { 14, 36 },
	};
	uint8_t *buf = malloc(64 * KIB);
	bool found = false;

	if (!buf || !l->in.nranges) {
		free(buf);
		return false;
	}
	for (size_t g = 0; g < sizeof(geo) / sizeof(geo[0]) && !found; g++) {
		uint64_t budget = (16 * GIB) >> geo[g].ps;
		/* What VMCOREINFO does say narrows the search. */
		if ((only_ps && geo[g].ps != only_ps) || (only_va && geo[g].va != only_va))
			continue;
		if (!set_geometry(l, geo[g].ps, geo[g].va, geo[g].va == 52))
			continue;
		if (vms_walk_cache_init(&l->cache, l->table_size))
			break;
		for (size_t r = 0; r < l->in.nranges && budget && !found; r++) {
			const struct vms_range *rg = &l->in.ranges[r];
			uint64_t step = l->table_size;
			for (uint64_t pa = (rg->start + step - 1) & ~(step - 1);
			     pa + step <= rg->end && budget && !found; pa += step, budget--) {
				uint64_t lva, lpa;
				bool flipped;
				vms_error *err = l->in.read_phys(l->in.ctx, pa, buf, step, 0);
				if (err) {
					vms_error_free(err);
					continue;
				}
				if (root_score(l, buf) < 0 ||
				    !root_maps_ram(l, pa, &lva, &lpa, &flipped) || !maps_cpu_pcs(l, pa))
					continue;
				vms_layout_set(l, VMS_LK_PGT_ROOT, pa, VMS_SRC_PAGE_TABLES);
				vms_layout_note(l, VMS_LK_PGT_ROOT, "found by scanning memory with the %u KiB "
						"granule and %u-bit VA for a table that maps all RAM linearly "
						"(itself included)%s", l->page_size >> 10, l->arm64.va_walk,
						l->in.ncpus ? " and the CPUs' saved PCs" : "");
				found = true;
			}
		}
	}
	free(buf);
	if (!found)
		l->walk.page_shift = 0;
	return found;
}

/* 5.11+ puts the KASAN shadow right below _PAGE_END(VA_BITS_MIN) and
 * lowers PAGE_END, the image stays put: the page tables tell.  KASAN maps
 * the top of its shadow (the shadow of vmalloc and the fixmap, backed by
 * its zero page), which no linear map reaches; generic's shadow, twice
 * sw-tags', is also mapped just below where sw-tags' would start (the
 * shadow of [PAGE_END, MODULES_VADDR); arch/arm64/mm/kasan_init.c). */
static uint64_t kasan_size_from_tables(struct vms_layout *l, unsigned va)
{
	unsigned vab = vms_layout_known(l, VMS_LK_VA_BITS_ACTUAL)
			       ? (unsigned)vms_layout_val(l, VMS_LK_VA_BITS_ACTUAL) : va;
	uint64_t end = neg_pow2(va_min(l, va) - 1), pa;

	if (vab < 36 || vab > 52 || !vms_walk_translates(l, end - 8, &pa))
		return 0;
	if (vms_walk_translates(l, end - (UINT64_C(1) << (vab - 4)) - 8, &pa))
		return UINT64_C(1) << (vab - 3);
	return UINT64_C(1) << (vab - 4);
}

/* The image position gives MODULES_END = KIMAGE_VADDR, hence the KASAN
 * shadow's size when there is one (5.4 to 5.10). */
static uint64_t kasan_size_from_image(struct vms_layout *l, unsigned va)
{
	struct a64_map m;
	uint64_t text, off;

	if (l->arm64.flipped && (!l->osver || l->osver >= 0x050b00))
		return kasan_size_from_tables(l, va);
	if (!vms_layout_vmci_hex(l, "SYMBOL(_stext)", &text) || !vms_layout_known(l, VMS_LK_KASLR_OFFSET))
		return 0;
	off = vms_layout_val(l, VMS_LK_KASLR_OFFSET);
	formula_map(l, va, 0, &m);
	text = (text - off) & ~(2 * MIB - 1);
	/* Generic KASAN takes 2^(va-3), SW tags 2^(va-4). */
	for (unsigned sh = 3; sh <= 4; sh++) {
		uint64_t ks = UINT64_C(1) << (va - sh);
		if (text == m.kimage_vaddr + ks)
			return ks;
	}
	return 0;
}

/* With a 52-bit kernel on smaller hardware the low part of vmemmap (for
 * the unused linear range) is never mapped, and 6.9+ lets vmalloc use it. */
static uint64_t vmemmap_used_start(const struct vms_layout *l, uint64_t start)
{
	uint64_t po = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);

	if (l->arm64.flipped && po > l->arm64.page_offset_macro)
		start += (po - l->arm64.page_offset_macro) >> (l->walk.page_shift - 6);
	return start;
}

static void detect_ranges(struct vms_layout *l, struct a64_map *m)
{
	static const struct { const char *key; enum vms_layout_key k; size_t off; } five18[] = {
		{ "NUMBER(MODULES_VADDR)", VMS_LK_MODULES_VADDR, offsetof(struct a64_map, modules_vaddr) },
		{ "NUMBER(VMALLOC_START)", VMS_LK_VMALLOC_BASE, offsetof(struct a64_map, vmalloc_start) },
		{ "NUMBER(VMEMMAP_START)", VMS_LK_VMEMMAP_START, offsetof(struct a64_map, vmemmap_start) },
	};
	unsigned va = (unsigned)vms_layout_val(l, VMS_LK_VA_BITS);
	uint64_t v;

	formula_map(l, va, kasan_size_from_image(l, va), m);
	if (l->arm64.flipped && m->kasan_end > m->kasan_start &&
	    m->page_end != vms_layout_val(l, VMS_LK_PAGE_END)) {
		vms_layout_set(l, VMS_LK_PAGE_END, m->page_end, VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_PAGE_END, "the KASAN shadow (0x%" PRIx64 " bytes, mapped in "
				"the page tables) takes the top of the linear range (5.11+)",
				m->kasan_end - m->kasan_start);
	}
	for (size_t i = 0; i < sizeof(five18) / sizeof(five18[0]); i++) {
		uint64_t *slot = (uint64_t *)((char *)m + five18[i].off), formula = *slot;
		if (vnum(l, five18[i].key, &v)) {
			set_note(l, five18[i].k, v, VMS_SRC_VMCOREINFO, "");
			cross_check(l, five18[i].k, formula, "the memory.h formula of this version");
			*slot = v;
		} else {
			set_note(l, five18[i].k, formula, VMS_SRC_DEFAULT,
				 l->osver ? "memory.h formula of this version" :
				 "memory.h formula (version unknown: newest assumed)");
		}
	}
	/* The other ends, from VMCOREINFO when the kernel exports them. */
	if (vnum(l, "NUMBER(MODULES_END)", &v))
		m->modules_end = v;
	if (vnum(l, "NUMBER(VMALLOC_END)", &v))
		m->vmalloc_end = v;
	if (vnum(l, "NUMBER(VMEMMAP_END)", &v))
		m->vmemmap_end = v;
	if (m->vmemmap_end < m->vmemmap_start)
		m->vmemmap_end = m->vmemmap_start;
	/* The page tables show where vmemmap really begins. */
	if (vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		uint64_t root = vms_layout_val(l, VMS_LK_PGT_ROOT), va0, pa0;
		uint64_t vs = vmemmap_used_start(l, vms_layout_val(l, VMS_LK_VMEMMAP_START));
		if (vms_walk_lowest(l, root, vs, m->vmemmap_end ? m->vmemmap_end - 1 : vs, &va0, &pa0,
				    NULL))
			vms_layout_note(l, VMS_LK_VMEMMAP_START, "first vmemmap mapping at 0x%" PRIx64, va0);
	}
}

static void detect_vmemmap(struct vms_layout *l)
{
	uint64_t start, sz, ms;

	if (!vms_layout_known(l, VMS_LK_VMEMMAP_START) || !vms_layout_known(l, VMS_LK_PHYS_OFFSET))
		return;
	start = vms_layout_val(l, VMS_LK_VMEMMAP_START);
	sz = vms_layout_val(l, VMS_LK_STRUCT_PAGE_SIZE);
	ms = vms_layout_val(l, VMS_LK_PHYS_OFFSET);
	/* vmemmap = (struct page *)VMEMMAP_START - (memstart_addr >> PAGE_SHIFT);
	 * memstart_addr is s64, so the shift is arithmetic. */
	int64_t pfn = (int64_t)ms >> l->walk.page_shift;
	vms_layout_set(l, VMS_LK_VMEMMAP_BASE, start - (uint64_t)pfn * sz,
		       l->v[VMS_LK_VMEMMAP_START].pub.source);
	vms_layout_note(l, VMS_LK_VMEMMAP_BASE, "VMEMMAP_START - (PHYS_OFFSET >> PAGE_SHIFT) * %" PRIu64, sz);
}

/* Linear map: PHYS_OFFSET from VMCOREINFO, the PT_LOAD headers, the page
 * tables (any linear VA gives it) and the kdump header, in that order. */
static void detect_phys_offset(struct vms_layout *l)
{
	uint64_t pom = l->arm64.page_offset_macro, v, va, pa, root;
	bool have_tab = false;
	uint64_t tab = 0, lin_lo = 0, lin_pa = 0;

	if (vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		root = vms_layout_val(l, VMS_LK_PGT_ROOT);
		uint64_t lo = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
		uint64_t hi = vms_layout_val(l, VMS_LK_PAGE_END) - 1;
		if (vms_walk_lowest(l, root, lo, hi, &va, &pa, NULL)) {
			have_tab = true;
			tab = pa - (va - pom);
			lin_lo = va;
			lin_pa = pa;
		}
	}
	if (vnum(l, "NUMBER(PHYS_OFFSET)", &v)) {
		set_note(l, VMS_LK_PHYS_OFFSET, v, VMS_SRC_VMCOREINFO, "");
	} else {
		/* PT_LOAD segments in the linear range (QEMU dumps with paging,
		 * /proc/vmcore). */
		for (size_t i = 0; i < l->in.nsegments; i++) {
			const struct vms_segment *s = &l->in.segments[i];
			if (s->vaddr == s->paddr || s->paddr == UINT64_MAX || !s->memsz ||
			    s->vaddr < vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE) ||
			    s->vaddr - pom >= vms_layout_val(l, VMS_LK_PAGE_END) - pom)
				continue;
			set_note(l, VMS_LK_PHYS_OFFSET, s->paddr - (s->vaddr - pom), VMS_SRC_PT_LOAD,
				 "PT_LOAD in the linear range");
			break;
		}
		if (!vms_layout_known(l, VMS_LK_PHYS_OFFSET) && have_tab)
			set_note(l, VMS_LK_PHYS_OFFSET, tab, VMS_SRC_PAGE_TABLES,
				 "from the lowest linear-map translation");
		else if (!vms_layout_known(l, VMS_LK_PHYS_OFFSET) && l->in.have_header_phys_base)
			set_note(l, VMS_LK_PHYS_OFFSET, l->in.header_phys_base, VMS_SRC_HEADER,
				 "the dump header's phys_base (QEMU writes the RAM start there)");
	}
	if (!vms_layout_known(l, VMS_LK_PHYS_OFFSET))
		return;
	if (have_tab && l->v[VMS_LK_PHYS_OFFSET].pub.source != VMS_SRC_PAGE_TABLES)
		cross_check(l, VMS_LK_PHYS_OFFSET, tab, "the page tables");
	if (have_tab)
		vms_layout_remarkf(l, "the linear map is mapped from 0x%" PRIx64 " (PA 0x%" PRIx64 ")",
				   lin_lo, lin_pa);
	if (vms_layout_val(l, VMS_LK_PHYS_OFFSET) >> 63)
		vms_layout_note(l, VMS_LK_PHYS_OFFSET, "negative as s64 (memstart_addr lowered by "
				"KASLR or a 52-bit VA fallback)");
}

/* The PA -> VA rule of the linear map, and its reverse. */
static bool lm_to_phys(const struct vms_layout *l, uint64_t va, uint64_t *pa)
{
	uint64_t lo = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
	uint64_t end = vms_layout_val(l, VMS_LK_PAGE_END);

	if (!vms_layout_known(l, VMS_LK_PHYS_OFFSET) || va < lo || (end && va >= end))
		return false;
	*pa = va - l->arm64.page_offset_macro + vms_layout_val(l, VMS_LK_PHYS_OFFSET);
	return true;
}

/* The root: SYMBOL(swapper_pg_dir) through kimage_voffset (4.6+) or the
 * linear map (before), else a scan of memory. */
static void detect_root(struct vms_layout *l, const struct vms_detect_options *opts)
{
	uint64_t sym, kv;

	if (opts->have_pgt_root) {
		vms_layout_set(l, VMS_LK_PGT_ROOT, opts->pgt_root, VMS_SRC_OPTION);
		return;
	}
	if (!vms_layout_vmci_hex(l, "SYMBOL(swapper_pg_dir)", &sym))
		return;
	if (vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET)) {
		kv = vms_layout_val(l, VMS_LK_KIMAGE_VOFFSET);
		vms_layout_set(l, VMS_LK_PGT_ROOT, sym - kv, VMS_SRC_SYMBOL);
		vms_layout_note(l, VMS_LK_PGT_ROOT, "SYMBOL(swapper_pg_dir) - kimage_voffset (%s)",
				vms_value_source_name(l->v[VMS_LK_KIMAGE_VOFFSET].pub.source));
	}
}

static void detect_kimage_voffset(struct vms_layout *l)
{
	uint64_t v, text = 0;
	bool have_text = vms_layout_vmci_hex(l, "SYMBOL(_stext)", &text) ||
			 vms_layout_vmci_hex(l, "SYMBOL(swapper_pg_dir)", &text);

	if (vnum(l, "NUMBER(kimage_voffset)", &v))
		set_note(l, VMS_LK_KIMAGE_VOFFSET, v, VMS_SRC_VMCOREINFO, "");
	/* The PT_LOAD that holds an image symbol. */
	for (size_t i = 0; have_text && i < l->in.nsegments; i++) {
		const struct vms_segment *s = &l->in.segments[i];
		if (s->vaddr == s->paddr || s->paddr == UINT64_MAX || text < s->vaddr ||
		    text - s->vaddr >= s->memsz)
			continue;
		if (vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET))
			cross_check(l, VMS_LK_KIMAGE_VOFFSET, s->vaddr - s->paddr, "PT_LOAD");
		else
			set_note(l, VMS_LK_KIMAGE_VOFFSET, s->vaddr - s->paddr, VMS_SRC_PT_LOAD,
				 "PT_LOAD holding the kernel image");
		break;
	}
}

/* Page tables: the image maps the root itself, so the first kernel VA
 * outside the linear map that maps the root's PA gives kimage_voffset. */
struct find_pa {
	uint64_t pa, lin_lo, lin_end, va;
	bool found;
};

static int find_pa_cb(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct find_pa *f = arg;

	if (va >= f->lin_lo && va < f->lin_end)
		return 0;
	if (f->pa >= pa && f->pa - pa < size) {
		f->va = va + (f->pa - pa);
		f->found = true;
		return 1;
	}
	return 0;
}

static void kimage_voffset_from_tables(struct vms_layout *l)
{
	struct find_pa f = { vms_layout_val(l, VMS_LK_PGT_ROOT),
			     vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE),
			     vms_layout_val(l, VMS_LK_PAGE_END), 0, false };
	uint64_t saved = l->scan_budget;

	/* The image lies above the linear map (5.4+) or below it. */
	uint64_t lo = l->arm64.flipped ? f.lin_end : neg_pow2(l->arm64.va_walk);
	uint64_t hi = l->arm64.flipped ? UINT64_MAX : f.lin_lo - 1;

	if (!f.lin_end)
		f.lin_end = UINT64_MAX;
	l->scan_budget = 1u << 22;
	vms_error_free(l->ops->foreach_leaf(l, f.pa, lo, hi, find_pa_cb, &f));
	l->scan_budget = saved;
	if (!f.found)
		return;
	if (vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET)) {
		cross_check(l, VMS_LK_KIMAGE_VOFFSET, f.va - f.pa, "the page tables");
		return;
	}
	set_note(l, VMS_LK_KIMAGE_VOFFSET, f.va - f.pa, VMS_SRC_PAGE_TABLES, "");
	vms_layout_note(l, VMS_LK_KIMAGE_VOFFSET, "the kernel image maps the root at 0x%" PRIx64, f.va);
}

/* Decides pre-5.4 or flipped from an image symbol: the image lies below
 * -2^(VA-1) before 5.4 and above PAGE_END = -2^(VA_MIN-1) after. */
static void detect_flip(struct vms_layout *l, unsigned va)
{
	uint64_t sym;
	const char *which = "SYMBOL(_stext)";
	bool have = vms_layout_vmci_hex(l, which, &sym);

	if (!have) {
		which = "SYMBOL(swapper_pg_dir)";
		have = vms_layout_vmci_hex(l, which, &sym);
	}
	if (have && (!l->osver || l->osver >= 0x040600)) {
		l->arm64.flipped = sym >= neg_pow2(va_min(l, va) - 1);
		vms_layout_remarkf(l, "%s layout: %s 0x%" PRIx64 " is %s -2^%u",
				   l->arm64.flipped ? "5.4+ (flipped)" : "pre-5.4", which, sym,
				   l->arm64.flipped ? "at or above" : "below", va_min(l, va) - 1);
		if (l->osver && (l->osver >= 0x050400) != l->arm64.flipped)
			vms_layout_remarkf(l, "OSRELEASE %u.%u says otherwise; the symbol wins",
					   l->osver >> 16, (l->osver >> 8) & 255);
		return;
	}
	if (l->osver) {
		l->arm64.flipped = l->osver >= 0x050400;
		vms_layout_remarkf(l, "%s layout from OSRELEASE (no image symbol)",
				   l->arm64.flipped ? "5.4+ (flipped)" : "pre-5.4");
		return;
	}
	/* Page tables: which half maps all RAM linearly. */
	l->arm64.flipped = true;
	if (vms_layout_known(l, VMS_LK_PGT_ROOT)) {
		uint64_t v0, p0;
		bool flipped;
		if (root_maps_ram(l, vms_layout_val(l, VMS_LK_PGT_ROOT), &v0, &p0, &flipped))
			l->arm64.flipped = flipped;
		vms_layout_remarkf(l, "%s layout decided from the page tables (no image symbol, no "
				   "version)", l->arm64.flipped ? "5.4+ (flipped)" : "pre-5.4");
	}
}

/* The kernel image in the tables.  The kernel maps its segments (text,
 * rodata, init, data/bss) one by one and, once booted, unmaps init
 * (free_initmem), so the image is several runs mapped at kimage_voffset
 * with holes between them; the holes stay reserved, so nothing else is
 * mapped there.  The image is the cluster of leaves at kimage_voffset that
 * holds the root (swapper_pg_dir is image data), grown across unmapped
 * holes of up to IMG_MAX_GAP; any other mapping ends a cluster. */
#define IMG_MAX_GAP (256 * MIB)
#define IMG_MAX_SIZE GIB	/* kernel images are far smaller */

struct img_scan {
	uint64_t kv, seed;	/* kimage_voffset; a VA inside the image */
	uint64_t lo, hi;	/* the cluster being grown, [lo, hi) */
	uint64_t last_other;	/* end of the last leaf mapped elsewhere */
	uint64_t other_below;	/* that, when the cluster began */
	bool have, done;
};

static int img_scan_cb(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct img_scan *s = arg;
	bool image = va - pa == s->kv;

	if (s->have && (!image || va - s->hi > IMG_MAX_GAP)) {
		if (s->lo <= s->seed && s->seed < s->hi) {
			s->done = true;
			return 1;
		}
		s->have = false;
	}
	if (!image) {
		s->last_other = va + size;
		return 0;
	}
	if (!s->have) {
		s->have = true;
		s->lo = va;
		s->other_below = s->last_other;
	}
	s->hi = va + size;
	return 0;
}

/* Sets *lo, *hi to the image's mapped extent (0, 0 if not found) and
 * *other_below to the end of the last foreign mapping below it (0: none
 * from `from` on).  `from` is the lowest VA the image can start at. */
static void find_image(struct vms_layout *l, uint64_t from, uint64_t *lo, uint64_t *hi,
		       uint64_t *other_below)
{
	uint64_t kv = vms_layout_val(l, VMS_LK_KIMAGE_VOFFSET);
	struct img_scan s = { kv, vms_layout_val(l, VMS_LK_PGT_ROOT) + kv, 0, 0, 0, 0, false, false };
	uint64_t saved = l->scan_budget, kstart = neg_pow2(l->arm64.va_walk), end;

	*lo = *hi = *other_below = 0;
	if (s.seed < kstart)
		return;
	if (!from || from > s.seed || s.seed - from > IMG_MAX_SIZE)
		from = s.seed - kstart > IMG_MAX_SIZE ? s.seed - IMG_MAX_SIZE : kstart;
	end = UINT64_MAX - s.seed > IMG_MAX_SIZE ? s.seed + IMG_MAX_SIZE : UINT64_MAX;
	l->scan_budget = 1u << 22;
	vms_error_free(l->ops->foreach_leaf(l, vms_layout_val(l, VMS_LK_PGT_ROOT), from, end,
					    img_scan_cb, &s));
	l->scan_budget = saved;
	if (s.done || (s.have && s.lo <= s.seed && s.seed < s.hi)) {
		*lo = s.lo;
		*hi = s.hi;
		*other_below = s.other_below;
	}
}

static void detect_image_and_kaslr(struct vms_layout *l, const struct a64_map *m,
				   uint64_t *img_lo, uint64_t *img_hi, uint64_t *other_below)
{
	uint64_t v, text;

	*img_lo = *img_hi = *other_below = 0;
	if (vms_layout_vmci_hex(l, "KERNELOFFSET", &v)) {
		set_note(l, VMS_LK_KASLR_OFFSET, v, VMS_SRC_VMCOREINFO, "");
	} else if (vms_layout_vmci_hex(l, "SYMBOL(_stext)", &text) && text >= m->kimage_vaddr &&
		   l->osver) {
		vms_layout_set(l, VMS_LK_KASLR_OFFSET, (text - m->kimage_vaddr) & ~(2 * MIB - 1),
			       VMS_SRC_SYMBOL);
		vms_layout_note(l, VMS_LK_KASLR_OFFSET, "SYMBOL(_stext) - KIMAGE_VADDR, rounded down to 2 MiB");
	}
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET)) {
		/* With the KASLR offset known, the image starts at _text. */
		uint64_t from = vms_layout_known(l, VMS_LK_KASLR_OFFSET)
				? m->kimage_vaddr + vms_layout_val(l, VMS_LK_KASLR_OFFSET) : 0;
		find_image(l, from, img_lo, img_hi, other_below);
		if (*img_hi && !vms_layout_known(l, VMS_LK_KASLR_OFFSET) && l->osver &&
		    *img_lo >= m->kimage_vaddr) {
			vms_layout_set(l, VMS_LK_KASLR_OFFSET, (*img_lo - m->kimage_vaddr) & ~(2 * MIB - 1),
				       VMS_SRC_PAGE_TABLES);
			vms_layout_note(l, VMS_LK_KASLR_OFFSET, "start of the image mapping 0x%" PRIx64
					" minus KIMAGE_VADDR 0x%" PRIx64 " of %u.%u (%s), rounded down to "
					"2 MiB", *img_lo, m->kimage_vaddr, l->osver >> 16,
					(l->osver >> 8) & 255,
					vms_value_source_name(l->v[VMS_LK_KERNEL_VERSION].pub.source));
		}
	}
	if (!vms_layout_known(l, VMS_LK_KASLR_OFFSET))
		vms_layout_remarkf(l, "kaslr_offset unknown: no KERNELOFFSET, %s",
				   l->osver ? "no SYMBOL(_stext), and the page tables do not show the "
				   "image" : "and without the kernel version KIMAGE_VADDR is not known");
}

static vms_error *build_regions(struct vms_layout *l, const struct a64_map *m, uint64_t img_lo,
				uint64_t img_hi)
{
	unsigned va_act = (unsigned)vms_layout_val(l, VMS_LK_VA_BITS_ACTUAL);
	uint64_t user_end = (UINT64_C(1) << va_act) - 1, kstart = neg_pow2(va_act);
	uint64_t po = vms_layout_val(l, VMS_LK_PAGE_OFFSET_BASE);
	uint64_t pend = vms_layout_val(l, VMS_LK_PAGE_END);
	uint64_t mv = vms_layout_known(l, VMS_LK_MODULES_VADDR) ? vms_layout_val(l, VMS_LK_MODULES_VADDR)
								 : m->modules_vaddr;
	uint64_t vs = vms_layout_val(l, VMS_LK_VMALLOC_BASE);
	uint64_t vms = vms_layout_val(l, VMS_LK_VMEMMAP_START);
	vms_error *err = NULL;

#define ADD(name, s, e) do { if (!err && (e) > (s)) err = vms_layout_add_region(l, name, s, (e) - 1); } while (0)
	/* End-exclusive bounds; earlier additions win over later ones. */
	err = vms_layout_add_region(l, "user", 0, user_end);
	if (!err)
		err = vms_layout_add_region(l, "noncanonical", user_end + 1, kstart - 1);
	ADD("kernel-image", img_lo, img_hi);
	if (pend)
		ADD("linear-map", po, pend);
	else if (!err)
		err = vms_layout_add_region(l, "linear-map", po, UINT64_MAX);
	ADD("kasan-shadow", m->kasan_start, m->kasan_end);
	ADD("bpf-jit", m->bpf_start, m->bpf_end);
	ADD("modules", mv, m->modules_end);
	ADD("vmalloc", vs, m->vmalloc_end);
	ADD("vmemmap", vmemmap_used_start(l, vms), m->vmemmap_end);
	ADD("pci-io", m->pci_start, m->pci_end);
	ADD("fixmap", m->fixmap_start, m->fixmap_end);
#undef ADD
	return err ? err : vms_layout_regions_finish(l);
}

/* Without OSRELEASE: the linux_banner in the kernel image (found through
 * the root and kimage_voffset) gives the version the memory.h formulas
 * need. */
static void detect_version(struct vms_layout *l, uint64_t *banner_va)
{
	uint64_t lo, hi, other;

	if (l->osver)
		return;
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET)) {
		find_image(l, 0, &lo, &hi, &other);
		if (hi && vms_layout_find_banner(l, lo, hi - 1, vms_layout_val(l, VMS_LK_KIMAGE_VOFFSET),
						 banner_va)) {
			if ((l->osver >= 0x050400) != l->arm64.flipped)
				vms_layout_remarkf(l, "the banner's version %u.%u and the page tables' "
						   "%s layout disagree", l->osver >> 16,
						   (l->osver >> 8) & 255,
						   l->arm64.flipped ? "5.4+ (flipped)" : "pre-5.4");
			return;
		}
	}
	vms_layout_remarkf(l, "kernel version unknown: no OSRELEASE, and no linux_banner found in "
			   "the kernel image's mapping");
}

static vms_error *a64_detect(struct vms_layout *l, const struct vms_detect_options *opts)
{
	uint64_t v, ps = 0, va = 0, t1sz, pa_bits = 0, img_lo, img_hi, other_below, banner_va = 0;
	unsigned va_act, walk_va;
	bool from_scan = false, root_scanned = false;
	struct a64_map m;
	vms_error *err;

	if (vms_layout_vmci_num(l, "SIZE(page)", &v) && v && v <= 4096)
		vms_layout_set(l, VMS_LK_STRUCT_PAGE_SIZE, v, VMS_SRC_VMCOREINFO);
	else
		vms_layout_set(l, VMS_LK_STRUCT_PAGE_SIZE, 64, VMS_SRC_DEFAULT);
	vms_layout_set(l, VMS_LK_SME_MASK, 0, VMS_SRC_DEFAULT);

	/* Geometry: PAGESIZE, VA_BITS, and the runtime VA size 64 - T1SZ. */
	if (vnum(l, "PAGESIZE", &ps) && ps != 4096 && ps != 16384 && ps != 65536) {
		vms_layout_remarkf(l, "PAGESIZE %" PRIu64 " is not an arm64 granule; ignored", ps);
		ps = 0;
	}
	if (vnum(l, "NUMBER(VA_BITS)", &va) && (va < 36 || va > 52)) {
		vms_layout_remarkf(l, "NUMBER(VA_BITS) %" PRIu64 " is out of range; ignored", va);
		va = 0;
	}
	if (va)
		vms_layout_set(l, VMS_LK_VA_BITS, va, VMS_SRC_VMCOREINFO);
	va_act = (unsigned)va;
	if ((vnum(l, "NUMBER(TCR_EL1_T1SZ)", &t1sz) || vnum(l, "NUMBER(tcr_el1_t1sz)", &t1sz)) &&
	    t1sz >= 12 && t1sz <= 39) {
		va_act = 64 - (unsigned)t1sz;
		vms_layout_set(l, VMS_LK_VA_BITS_ACTUAL, va_act, VMS_SRC_VMCOREINFO);
		vms_layout_note(l, VMS_LK_VA_BITS_ACTUAL, "64 - TCR_EL1_T1SZ");
	} else if (va) {
		vms_layout_set(l, VMS_LK_VA_BITS_ACTUAL, va, VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_VA_BITS_ACTUAL, "no TCR_EL1_T1SZ: assumed equal to VA_BITS");
	}
	if (!vnum(l, "NUMBER(MAX_PHYSMEM_BITS)", &pa_bits))
		pa_bits = va == 52 ? 52 : 48;
	if (ps && va) {
		/* 64K keeps the 52-bit table layout when it falls back to 48
		 * bits (TTBR1 points into it); 4K/16K fold a level instead. */
		walk_va = ps == 65536 ? (unsigned)va : va_act;
		if (!set_geometry(l, ps == 4096 ? 12 : ps == 16384 ? 14 : 16, walk_va, pa_bits == 52))
			return vms_error_fmt(VMS_ERR_UNSUPPORTED,
					     "page size %" PRIu64 " with a %u-bit VA is not a valid arm64 "
					     "translation regime", ps, walk_va);
		if (va_act != va)
			vms_layout_remarkf(l, "%" PRIu64 "-bit VA kernel running with %u-bit VAs "
					   "(hardware without %s): tables walked as %u-bit", va, va_act,
					   ps == 65536 ? "LVA" : "LPA2", walk_va);
	} else {
		/* No usable VMCOREINFO: find the geometry and the root in memory. */
		if (opts->have_pgt_root)
			return vms_error_fmt(VMS_ERR_NOT_FOUND, "a page-table root was given, but the "
					     "page size and VA size are not known (no PAGESIZE / "
					     "NUMBER(VA_BITS) in VMCOREINFO)");
		if (!scan_for_root(l, ps == 4096 ? 12 : ps == 16384 ? 14 : ps == 65536 ? 16 : 0,
				   (unsigned)va)) {
			vms_layout_remarkf(l, "no VMCOREINFO page size / VA size and no table in memory "
					   "that maps all RAM linearly: translation is unavailable");
			l->page_size = ps ? (uint32_t)ps : 0;
			return vms_layout_regions_finish(l);
		}
		from_scan = true;
		va = va_act = l->arm64.va_walk;
		vms_layout_set(l, VMS_LK_VA_BITS, va, VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_VA_BITS, "the geometry the root was found with (a 52-bit "
				"kernel falling back to 48 bits would show as 48)");
		vms_layout_set(l, VMS_LK_VA_BITS_ACTUAL, va, VMS_SRC_PAGE_TABLES);
	}
	vms_layout_set(l, VMS_LK_PAGING_LEVELS, l->levels, VMS_SRC_DEFAULT);
	err = vms_walk_cache_init(&l->cache, l->table_size);
	if (err)
		return err;
	if (vnum(l, "NUMBER(KERNELPACMASK)", &v))
		vms_layout_set(l, VMS_LK_KERNELPACMASK, v, VMS_SRC_VMCOREINFO);

	detect_kimage_voffset(l);
	if (!from_scan)
		detect_root(l, opts);
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT) && !opts->have_pgt_root) {
		/* Before 4.12 VMCOREINFO has no kimage_voffset: search memory
		 * with the geometry it does give. */
		unsigned keep_ps = l->walk.page_shift, keep_va = l->arm64.va_walk;
		enum vms_arm64_pte keep_pte = l->arm64.pte;
		if (scan_for_root(l, keep_ps, keep_va)) {
			root_scanned = true;
			vms_layout_remarkf(l, "no SYMBOL(swapper_pg_dir) with kimage_voffset: the root "
					   "was found by scanning memory");
		} else {
			set_geometry(l, keep_ps, keep_va, keep_pte == VMS_A64_PTE_LPA);
		}
		err = vms_walk_cache_init(&l->cache, l->table_size);
		if (err)
			return err;
	}
	detect_flip(l, (unsigned)va);

	/* PAGE_OFFSET as the kernel computes with it, and the effective start
	 * of the linear map (a 52-bit kernel on 48-bit hardware lowers
	 * memstart_addr instead of moving PAGE_OFFSET, since 5.11). */
	if (l->arm64.flipped) {
		l->arm64.page_offset_macro = neg_pow2((unsigned)va);
		vms_layout_set(l, VMS_LK_PAGE_OFFSET_BASE, neg_pow2(va_act),
			       from_scan ? VMS_SRC_PAGE_TABLES : VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE, "-2^%u%s", va_act,
				va_act != va ? " (effective start; the PAGE_OFFSET macro is -2^VA_BITS)" : "");
		vms_layout_set(l, VMS_LK_PAGE_END, neg_pow2(va_min(l, (unsigned)va) - 1), VMS_SRC_DEFAULT);
	} else {
		l->arm64.page_offset_macro = neg_pow2((unsigned)va - 1);
		vms_layout_set(l, VMS_LK_PAGE_OFFSET_BASE, l->arm64.page_offset_macro,
			       from_scan ? VMS_SRC_PAGE_TABLES : VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_PAGE_OFFSET_BASE, "-2^%u (pre-5.4 layout)", (unsigned)va - 1);
		vms_layout_set(l, VMS_LK_PAGE_END, 0, VMS_SRC_DEFAULT);
		vms_layout_note(l, VMS_LK_PAGE_END, "0: the linear map runs to the top");
	}
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && !vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET))
		kimage_voffset_from_tables(l);
	else if (vms_layout_known(l, VMS_LK_PGT_ROOT) && (from_scan || root_scanned))
		kimage_voffset_from_tables(l);
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_vmci(l, "SYMBOL(swapper_pg_dir)") &&
	    vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET) &&
	    l->v[VMS_LK_PGT_ROOT].pub.source != VMS_SRC_SYMBOL) {
		uint64_t sym = 0;
		vms_layout_vmci_hex(l, "SYMBOL(swapper_pg_dir)", &sym);
		cross_check(l, VMS_LK_PGT_ROOT, sym - vms_layout_val(l, VMS_LK_KIMAGE_VOFFSET),
			    "SYMBOL(swapper_pg_dir) - kimage_voffset");
	}
	if (!vms_layout_known(l, VMS_LK_PGT_ROOT))
		vms_layout_remarkf(l, "no page-table root: no SYMBOL(swapper_pg_dir) with kimage_voffset, "
				   "and no plausible table found in memory; translation is unavailable");
	detect_version(l, &banner_va);

	detect_phys_offset(l);
	if (!vms_layout_known(l, VMS_LK_PHYS_OFFSET))
		vms_layout_remarkf(l, "PHYS_OFFSET unknown: the linear map cannot be translated by "
				   "formula, and vmemmap (struct page of pfn 0) is unknown");

	/* The root must translate back to itself through the linear map. */
	if (vms_layout_known(l, VMS_LK_PGT_ROOT) && vms_layout_known(l, VMS_LK_PHYS_OFFSET)) {
		uint64_t root = vms_layout_val(l, VMS_LK_PGT_ROOT), lin, pa;
		lin = root - vms_layout_val(l, VMS_LK_PHYS_OFFSET) + l->arm64.page_offset_macro;
		if (vms_walk_translates(l, lin, &pa) && pa == root)
			vms_layout_note(l, VMS_LK_PGT_ROOT, "the linear map maps it at 0x%" PRIx64, lin);
		else
			vms_layout_remarkf(l, "the root 0x%" PRIx64 " is not mapped at its linear address "
					   "0x%" PRIx64, root, lin);
	}
	/* mem_section is a linear-map pointer: one more check of PHYS_OFFSET. */
	if (vms_layout_vmci_hex(l, "SYMBOL(mem_section)", &v)) {
		uint64_t pa_t, pa_f;
		if (vms_walk_translates(l, v, &pa_t) && lm_to_phys(l, v, &pa_f))
			vms_layout_note(l, VMS_LK_PHYS_OFFSET, "SYMBOL(mem_section) %s",
					pa_t == pa_f ? "translates consistently" : "does NOT translate as the "
					"formula says");
	}

	/* KIMAGE_VADDR of the formulas gives the KASLR offset; the image
	 * position then tells whether a KASAN shadow moved the ranges. */
	formula_map(l, (unsigned)va, 0, &m);
	detect_image_and_kaslr(l, &m, &img_lo, &img_hi, &other_below);
	detect_ranges(l, &m);
	detect_vmemmap(l);
	if (img_hi) {
		/* _text = KIMAGE_VADDR + offset.  Before 6.x the image header
		 * (_text.._stext, 64 KiB) is left unmapped, and vmalloc may
		 * then use it: the region starts at _text only if nothing
		 * else is mapped there. */
		uint64_t text = m.kimage_vaddr + vms_layout_val(l, VMS_LK_KASLR_OFFSET), from = img_lo;
		bool have_text = vms_layout_known(l, VMS_LK_KASLR_OFFSET);

		if (have_text && text <= img_lo && img_lo - text < 2 * MIB) {
			if (text == img_lo)
				vms_layout_note(l, VMS_LK_KASLR_OFFSET, "the page tables map _text there");
			else
				vms_layout_note(l, VMS_LK_KASLR_OFFSET, "the page tables map the image "
						"from 0x%" PRIx64 ", _text is 0x%" PRIx64, img_lo, text);
			if (other_below <= text)
				img_lo = text;
			from = text;
		} else if (have_text) {
			l->v[VMS_LK_KASLR_OFFSET].pub.conflict = true;
			vms_layout_note(l, VMS_LK_KASLR_OFFSET, "but the image mapping starts at 0x%" PRIx64
					", not near KIMAGE_VADDR + offset = 0x%" PRIx64, img_lo, text);
		}
		if (banner_va && have_text) {
			/* The banner found by the version search is rodata: it
			 * must lie inside [_text, _end) as placed by the offset. */
			if (banner_va >= text && banner_va < img_hi) {
				vms_layout_note(l, VMS_LK_KASLR_OFFSET, "the linux_banner (0x%" PRIx64
						") lies in [_text, _end)", banner_va);
			} else {
				l->v[VMS_LK_KASLR_OFFSET].pub.conflict = true;
				vms_layout_note(l, VMS_LK_KASLR_OFFSET, "but the linux_banner 0x%" PRIx64
						" is outside [_text 0x%" PRIx64 ", _end 0x%" PRIx64 ")",
						banner_va, text, img_hi);
			}
		}
		vms_layout_set(l, VMS_LK_KERNEL_IMAGE_SIZE, img_hi - from, VMS_SRC_PAGE_TABLES);
		vms_layout_note(l, VMS_LK_KERNEL_IMAGE_SIZE, "%s 0x%" PRIx64 " to _end 0x%" PRIx64
				": the runs mapped at kimage_voffset, across unmapped holes (the "
				"freed init section)", from == text && have_text ? "_text" : "from",
				from, img_hi);
		if (img_lo != from)
			vms_layout_note(l, VMS_LK_KERNEL_IMAGE_SIZE, "the kernel-image region starts at "
					"0x%" PRIx64 ": vmalloc maps pages in the unmapped image header",
					img_lo);
	}
	if (from_scan && !l->osver)
		vms_layout_remarkf(l, "without VMCOREINFO the kernel version, KASLR offset, KASAN and "
				   "the 5.18+ ranges are unknown: module, vmalloc and vmemmap bounds "
				   "are the newest kernel's formulas");
	else if (from_scan)
		vms_layout_remarkf(l, "without VMCOREINFO KASAN and the 5.18+ ranges are unknown: "
				   "module, vmalloc and vmemmap bounds are the memory.h formulas of %u.%u",
				   l->osver >> 16, (l->osver >> 8) & 255);
	return build_regions(l, &m, img_lo, img_hi);
}

/* PA -> the linear-map VA, and the image alias when the tables map one. */
static vms_error *a64_ptov(struct vms_layout *l, uint64_t pa, struct vms_ptov *out)
{
	memset(out, 0, sizeof(*out));
	if (vms_layout_known(l, VMS_LK_PHYS_OFFSET)) {
		uint64_t va = pa - vms_layout_val(l, VMS_LK_PHYS_OFFSET) + l->arm64.page_offset_macro, back;
		if (lm_to_phys(l, va, &back) && back == pa) {
			out->have_direct = true;
			out->direct = va;
		}
	}
	if (vms_layout_known(l, VMS_LK_KIMAGE_VOFFSET)) {
		uint64_t va = pa + vms_layout_val(l, VMS_LK_KIMAGE_VOFFSET), got;
		const struct vms_region *r = vms_region_of(l, va);
		if (r && !strcmp(r->name, "kernel-image") && vms_walk_translates(l, va, &got) &&
		    got == pa) {
			out->have_ktext = true;
			out->ktext = va;
		}
	}
	return NULL;
}

static const char *a64_key_label(enum vms_layout_key k)
{
	switch (k) {
	case VMS_LK_PGT_ROOT: return "pgt_root";
	case VMS_LK_KASLR_OFFSET: return "kaslr_offset";
	case VMS_LK_PAGE_OFFSET_BASE: return "page_offset";
	case VMS_LK_VMALLOC_BASE: return "vmalloc_start";
	case VMS_LK_VMEMMAP_BASE: return "vmemmap";
	case VMS_LK_KERNEL_IMAGE_SIZE: return "kernel_image_size";
	case VMS_LK_STRUCT_PAGE_SIZE: return "struct_page_size";
	case VMS_LK_PHYS_OFFSET: return "phys_offset";
	case VMS_LK_KIMAGE_VOFFSET: return "kimage_voffset";
	case VMS_LK_VMEMMAP_START: return "vmemmap_start";
	case VMS_LK_MODULES_VADDR: return "modules_vaddr";
	case VMS_LK_PAGE_END: return "page_end";
	case VMS_LK_KERNELPACMASK: return "kernelpacmask";
	case VMS_LK_KERNEL_VERSION: return "kernel_version";
	default: return NULL;	/* phys_base, sme_mask; levels and VA sizes are plain */
	}
}

const struct vms_arch_ops vms_arch_arm64 = {
	.name = "arm64",
	.detect = a64_detect,
	.format = &a64_format,
	.walk = vms_walk_va,
	.foreach_leaf = vms_walk_foreach_leaf,
	.ptov = a64_ptov,
	.key_label = a64_key_label,
};
