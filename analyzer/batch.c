/* Batch translation: vms_xlator, a layout plus two shortcuts in front of
 * the page-table walker.
 *
 * 1. Linear runs.  The direct map and the kernel text are mapped by long
 *    linear runs of (mostly large) pages.  One scan of their tables lists
 *    the runs, sorted; an address there is then a binary search and an add.
 * 2. A TLB.  Everything else (vmalloc, vmemmap, modules, ...) goes through a
 *    direct-mapped cache keyed by page number, one table per page size seen
 *    (4K, 2M, 1G on x86_64).  A walk that fails because an entry is not
 *    present caches the whole span that entry covers as unmapped, so
 *    repeated misses in a hole cost one probe too.
 *
 * Every answer is one the walker gave, or one that follows from it: a run
 * is a list of leaves the walker's own table scan found, and a TLB entry is
 * keyed by the bits that choose the walk's path, so results equal
 * vms_vtop()'s.  The layout is immutable after detection, so nothing ever
 * needs invalidating.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "layout-priv.h"

/* Bounds on memory: runs are 32 bytes each, so at most 8 MiB of runs
 * (a direct map shattered into 4K pages on a huge machine stops there and
 * the rest goes through the TLB); TLB tables are 16 bytes an entry. */
#define MAX_RUNS (UINT64_C(1) << 18)
#define TLB_BITS_BASE 16	/* entries of the base-page table: 1 MiB */
#define TLB_BITS_LARGE 12	/* entries of each large-size table: 64 KiB */
#define MAX_CLASSES 8
#define PREFETCH_AHEAD 8
#define MAX_HOLES 4096

struct run {
	uint64_t va, last;	/* inclusive */
	uint64_t pa;
	uint64_t page_size;
};

/* tag = va >> shift, or UINT64_MAX when empty (va >> 12 never is).
 * base: PA of the page's first byte; or, with bit 0 set, an unmapped span
 * whose error code is base >> 1 (page bases are even). */
struct tlb_entry {
	uint64_t tag;
	uint64_t base;
};

struct tlb_class {
	unsigned int shift;
	unsigned int bits;	/* log2 of the number of entries */
	struct tlb_entry *e;
};

/* Fibonacci hashing: regions sit at addresses whose low page-number bits
 * coincide (vmalloc and modules both start 1 GiB-aligned), so indexing by
 * the low bits alone makes them evict each other. */
static inline size_t tlb_index(const struct tlb_class *c, uint64_t tag)
{
	return (size_t)((tag * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - c->bits));
}

struct vms_xlator {
	struct vms_layout *l;
	unsigned int page_shift;
	unsigned int level_bits;	/* VA bits one table level decodes */

	/* Linear runs of the direct map and kernel text, sorted. */
	uint64_t *run_va;	/* run starts alone, for a cache-friendly search */
	struct run *runs;
	size_t nruns, cap;

	struct tlb_class cls[MAX_CLASSES];
	unsigned int ncls;

	/* Holes: unmapped VA intervals, sorted, disjoint (see note_hole). */
	struct hole { uint64_t lo, hi; int error; unsigned int shift; } *holes;
	size_t nholes;
	uint8_t *table;		/* one table's bytes, for note_hole */

	struct vms_xlator_stats stats;
};

static unsigned int log2u64(uint64_t v)
{
	unsigned int s = 0;

	while (v > 1) {
		v >>= 1;
		s++;
	}
	return s;
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* ---- linear runs --------------------------------------------------------- */

/* Leaves arrive in address order; adjacent leaves of one page size that are
 * also adjacent in PA join a run (keeping page_size exact for the caller). */
static int add_leaf(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct vms_xlator *x = arg;
	struct run *r = x->nruns ? &x->runs[x->nruns - 1] : NULL;

	if (!size)
		return 0;
	if (r && r->page_size == size && r->last + 1 == va && r->pa + (r->last - r->va + 1) == pa) {
		r->last = va + (size - 1);
		return 0;
	}
	if (r && va <= r->last)
		return 0;	/* out of order: cannot happen with sorted scans; ignore */
	if (x->nruns == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 256;
		struct run *nr;

		if (cap > MAX_RUNS)
			return 1;	/* stop; the rest uses the TLB */
		nr = realloc(x->runs, cap * sizeof(*nr));
		if (!nr)
			return 1;
		x->runs = nr;
		x->cap = cap;
	}
	x->runs[x->nruns++] = (struct run){ va, va + (size - 1), pa, size };
	return 0;
}

/* Lists the runs of the regions that the kernel maps linearly.  Failure is
 * not fatal: whatever was not listed is walked. */
static void scan_linear(struct vms_xlator *x)
{
	static const char *const linear[] = { "direct-map", "kernel-text" };
	struct vms_layout *l = x->l;
	uint64_t root;

	if (!vms_layout_known(l, VMS_LK_PGT_ROOT) || !l->ops->foreach_leaf)
		return;
	root = vms_layout_val(l, VMS_LK_PGT_ROOT);
	/* Regions are sorted, so runs come out sorted too. */
	for (size_t i = 0; i < l->nregions; i++) {
		const struct vms_region *r = &l->regions[i];
		bool want = false;

		for (size_t k = 0; k < sizeof(linear) / sizeof(linear[0]); k++)
			want |= !strcmp(r->name, linear[k]);
		if (!want)
			continue;
		/* A large leaf may start below the region; keep it, it is exact. */
		vms_error_free(l->ops->foreach_leaf(l, root, r->start, r->end, add_leaf, x));
	}
	if (!x->nruns)
		return;
	x->run_va = malloc(x->nruns * sizeof(*x->run_va));
	if (!x->run_va) {
		x->nruns = 0;
		return;
	}
	for (size_t i = 0; i < x->nruns; i++)
		x->run_va[i] = x->runs[i].va;
	x->stats.nruns = x->nruns;
}

/* The run holding va, or NULL.  Branch-free search: with random addresses
 * a branchy one mispredicts at every step. */
static const struct run *find_run(const struct vms_xlator *x, uint64_t va)
{
	const uint64_t *b = x->run_va;
	size_t n = x->nruns;

	while (n > 1) {
		size_t half = n / 2;
		b = b[half] <= va ? b + half : b;
		n -= half;
	}
	const struct run *r = &x->runs[b - x->run_va];
	return va >= r->va && va <= r->last ? r : NULL;
}

/* ---- the TLB ------------------------------------------------------------- */

static struct tlb_class *tlb_class_for(struct vms_xlator *x, unsigned int shift)
{
	struct tlb_class *c;
	unsigned int bits = shift == x->page_shift ? TLB_BITS_BASE : TLB_BITS_LARGE;

	for (unsigned int i = 0; i < x->ncls; i++)
		if (x->cls[i].shift == shift)
			return &x->cls[i];
	if (x->ncls == MAX_CLASSES || shift < x->page_shift || shift >= 64)
		return NULL;
	struct tlb_entry *e = malloc(sizeof(*e) << bits);
	if (!e)
		return NULL;	/* just no caching for this size */
	memset(e, 0xff, sizeof(*e) << bits);
	/* Keep the classes largest span first: their tables are small and
	 * stay in the CPU's cache, so probing them on the way to the big
	 * base-page table costs little, while the base-page table, probed
	 * last, is touched only by addresses that need it. */
	unsigned int i = x->ncls++;
	while (i && x->cls[i - 1].shift < shift) {
		x->cls[i] = x->cls[i - 1];
		i--;
	}
	c = &x->cls[i];
	c->e = e;
	c->shift = shift;
	c->bits = bits;
	return c;
}

static void tlb_insert(struct vms_xlator *x, unsigned int shift, uint64_t va, uint64_t base)
{
	struct tlb_class *c = tlb_class_for(x, shift);

	if (c) {
		uint64_t tag = va >> shift;
		c->e[tlb_index(c, tag)] = (struct tlb_entry){ tag, base };
	}
}

static bool tlb_lookup(const struct vms_xlator *x, uint64_t va, struct vms_xlate_result *out)
{
	for (unsigned int i = 0; i < x->ncls; i++) {
		const struct tlb_class *c = &x->cls[i];
		uint64_t tag = va >> c->shift;
		const struct tlb_entry *e = &c->e[tlb_index(c, tag)];

		if (e->tag != tag)
			continue;
		if (e->base & 1) {
			out->paddr = 0;
			out->page_size = 0;
			out->error = (int)(e->base >> 1);
		} else {
			uint64_t size = UINT64_C(1) << c->shift;
			out->paddr = e->base + (va & (size - 1));
			out->page_size = size;
			out->error = 0;
		}
		return true;
	}
	return false;
}


/* ---- holes ----------------------------------------------------------------- */

/* Sparse regions (vmalloc's 32 TiB, the direct map's 64 TiB) make random
 * addresses fail at a different upper-level entry each time, and each such
 * failure is a walk.  When a walk fails on a not-present entry below the
 * top level, its neighbours in the same table are read too: the run of
 * not-present entries around it is one unmapped interval, for every VA
 * under it shares the walk's path down to that table.  Both x86_64 and
 * arm64 mark an entry valid with bit 0, and their walkers fail with
 * VMS_ERR_UNMAPPED on any entry without it. */
static void note_hole(struct vms_xlator *x, uint64_t va, const struct vms_translation *t,
		      unsigned int shift)
{
	struct vms_layout *l = x->l;
	uint64_t nent = l->table_size / 8, table, idx, a, b, base, lo, hi;
	size_t pos;

	if (t->nsteps < 2 || !x->table || nent < 2)
		return;	/* the top level: its spans are few, the TLB keeps them */
	table = t->steps[t->nsteps - 1].entry_addr & ~((uint64_t)l->table_size - 1);
	idx = (t->steps[t->nsteps - 1].entry_addr - table) / 8;
	if (idx >= nent || ((va >> shift) & (nent - 1)) != idx)
		return;
	vms_error *err = l->in.read_phys(l->in.ctx, table, x->table, l->table_size, 0);
	if (err) {
		vms_error_free(err);
		return;
	}
	for (a = idx; a > 0 && !(x->table[(a - 1) * 8] & 1); a--)
		;
	for (b = idx; b + 1 < nent && !(x->table[(b + 1) * 8] & 1); b++)
		;
	if (a == b)
		return;	/* nothing more than the TLB entry knows */
	base = va & ~(((nent << shift) - 1));
	lo = base + (a << shift);
	hi = base + (b << shift) + ((UINT64_C(1) << shift) - 1);
	/* Insert, sorted; intervals from one table never overlap others
	 * (distinct tables cover distinct VA), except the same one again. */
	size_t l0 = 0, h0 = x->nholes;
	while (l0 < h0) {
		size_t mid = (l0 + h0) / 2;
		if (x->holes[mid].lo < lo)
			l0 = mid + 1;
		else
			h0 = mid;
	}
	pos = l0;
	if (pos < x->nholes && x->holes[pos].lo == lo)
		return;
	if (x->nholes == MAX_HOLES)
		return;
	memmove(&x->holes[pos + 1], &x->holes[pos], (x->nholes - pos) * sizeof(*x->holes));
	x->holes[pos] = (struct hole){ lo, hi, VMS_ERR_UNMAPPED, shift };
	x->nholes++;
}

static const struct hole *find_hole(const struct vms_xlator *x, uint64_t va)
{
	size_t lo = 0, hi = x->nholes;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->holes[mid].lo <= va)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo || va > x->holes[lo - 1].hi)
		return NULL;
	return &x->holes[lo - 1];
}

/* A full walk; its answer goes into the TLB. */
static void walk(struct vms_xlator *x, uint64_t va, struct vms_xlate_result *out)
{
	struct vms_layout *l = x->l;
	struct vms_translation t;
	vms_error *err = vms_vtop(l, va, &t);
	unsigned int shift;

	x->stats.walks++;
	if (!err) {
		out->paddr = t.paddr;
		out->page_size = t.page_size;
		out->error = 0;
		if (pow2(t.page_size))
			tlb_insert(x, log2u64(t.page_size), va, t.paddr - (va & (t.page_size - 1)));
		return;
	}
	out->paddr = 0;
	out->page_size = 0;
	out->error = (int)vms_error_code(err);
	vms_error_free(err);
	/* Which span shares this failure?  A not-present entry at step n
	 * unmaps everything it covers; a failure before any read (the
	 * canonical check) depends only on bits above the top level's index.
	 * Other failures (tables outside the dump, loops) are not cached. */
	if (!x->level_bits || !vms_layout_known(l, VMS_LK_PGT_ROOT))
		return;
	if (out->error == VMS_ERR_UNMAPPED && t.nsteps >= 1 && t.nsteps <= l->levels)
		shift = x->page_shift + x->level_bits * (l->levels - t.nsteps);
	else if (out->error == VMS_ERR_INVALID && t.nsteps == 0 && l->levels >= 1)
		shift = x->page_shift + x->level_bits * (l->levels - 1);
	else
		return;
	tlb_insert(x, shift, va, (uint64_t)out->error << 1 | 1);
	if (out->error == VMS_ERR_UNMAPPED)
		note_hole(x, va, &t, shift);
}

/* ---- the public calls ------------------------------------------------------ */

vms_error *vms_xlator_new(vms_layout *layout, vms_xlator **out)
{
	struct vms_xlator *x;

	*out = NULL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return VMS_ENOMEM;
	x->l = layout;
	if (pow2(layout->page_size))
		x->page_shift = log2u64(layout->page_size);
	else
		x->page_shift = 12;
	/* A table of table_size bytes of 8-byte entries decodes log2(n) bits. */
	if (layout->table_size >= 16 && pow2(layout->table_size))
		x->level_bits = log2u64(layout->table_size / 8);
	x->holes = malloc(MAX_HOLES * sizeof(*x->holes));
	x->table = layout->table_size ? malloc(layout->table_size) : NULL;
	if (!x->holes || !x->table) {
		vms_xlator_free(x);
		return VMS_ENOMEM;
	}
	scan_linear(x);
	*out = x;
	return NULL;
}

void vms_xlator_free(vms_xlator *x)
{
	if (!x)
		return;
	for (unsigned int i = 0; i < x->ncls; i++)
		free(x->cls[i].e);
	free(x->run_va);
	free(x->runs);
	free(x->holes);
	free(x->table);
	free(x);
}

size_t vms_xlator_vtop(vms_xlator *x, const uint64_t *va, size_t n,
		       struct vms_xlate_result *out)
{
	size_t failed = 0;
	/* The base-page table is too big for the CPU's caches and the
	 * addresses are random: fetch its entry a few addresses ahead, so the
	 * memory latency overlaps the work on the ones before. */
	const struct tlb_class *base = x->ncls ? &x->cls[x->ncls - 1] : NULL;

	for (size_t i = 0; i < n; i++) {
		uint64_t v = va[i];

		if (base && i + PREFETCH_AHEAD < n)
			__builtin_prefetch(&base->e[tlb_index(base, va[i + PREFETCH_AHEAD] >> base->shift)]);
		struct vms_xlate_result *r = &out[i];
		const struct run *run;
		const struct hole *h;

		if (x->nruns && (run = find_run(x, v))) {
			r->paddr = run->pa + (v - run->va);
			r->page_size = run->page_size;
			r->error = 0;
			x->stats.linear++;
			continue;
		}
		if (tlb_lookup(x, v, r)) {
			x->stats.tlb_hits++;
		} else if (x->nholes && (h = find_hole(x, v))) {
			/* Cache the entry's span too: the next probe is cheaper. */
			r->paddr = 0;
			r->page_size = 0;
			r->error = h->error;
			tlb_insert(x, h->shift, v, (uint64_t)h->error << 1 | 1);
			x->stats.tlb_hits++;
		} else {
			walk(x, v, r);
		}
		failed += r->error != 0;
	}
	return failed;
}

void vms_xlator_stats(const vms_xlator *x, struct vms_xlator_stats *out)
{
	*out = x->stats;
}
