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
 *
 * 0. In front of both, a block cache: one probe keyed by the VA's block
 *    (what one entry of the level above the base pages maps, 2 MiB on
 *    x86_64) answers every address of a block that one run or one large
 *    page maps whole, and marks blocks no run touches so their addresses
 *    skip the run search.  It is filled from the answers of 1 and 2.
 *    A block mapped by base pages gets a leaf table instead: one word per
 *    base page (its PA - VA, a failure record, or "not yet known"), filled
 *    lazily from the answers of 1 and 2, so a vmalloc or module address is
 *    one probe and one load, not a probe of every TLB size.  A block mapped
 *    whole points at a table of zeros, so both kinds are one computation,
 *    PA = VA + delta + table[page], without a branch on the kind: with
 *    random addresses such a branch mispredicts half the time.
 * 3. Failure records.  A cached failure keeps the walker's message as a
 *    template (where the VA, and for holes the entry address, sit in it),
 *    so vms_xlator_message() gives vtop's exact words without a walk.
 */
#include <inttypes.h>
#include <stdio.h>
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
#define MAX_RECS 16384		/* failure records: ~150 bytes each */
#define BLK_BITS 13		/* block cache entries: 128 KiB */
#define LEAF_POOL_BYTES (UINT64_C(4) << 20)	/* leaf tables, all together */

struct run {
	uint64_t va, last;	/* inclusive */
	uint64_t pa;
	uint64_t page_size;
};

/* tag = va >> shift, or UINT64_MAX when empty (va >> 12 never is).
 * base: PA of the page's first byte; or, with bit 0 set, a failed span
 * whose failure record is number base >> 1 (page bases are even). */
struct tlb_entry {
	uint64_t tag;
	uint64_t base;
};

/* What a failed walk said, for every VA that shares its path.  The message
 * is the walker's for va0; the message for another VA of the span is the
 * same text with that VA's hex in place of va0's, and, when per_entry is
 * set (a hole: one not-present entry each), the VA's entry address in
 * place of the first one's. */
struct rec {
	int code;
	char *msg;
	size_t va_at, va_len;	/* where va0's hex digits are in msg */
	size_t ea_at, ea_len;	/* the entry address's, when per_entry */
	bool per_entry;
	uint64_t table;		/* per_entry: the table's PA, its entries */
	unsigned int shift;	/* each cover 1 << shift bytes of VA */
};

/* A block cache entry.  key = block << 7 | from_run << 6 | page shift, or
 * UINT64_MAX when empty.  w = delta + tbl[VA's page in the block] (mod
 * 2^64): with bit 0 clear, PA = VA + w and the page size is 1 << shift;
 * else w is LEAF_UNKNOWN (ask the slower caches) or a failure record
 * << 1 | 1.  Deltas of mappings are multiples of the page size, so bit 0
 * is free.  tbl is the xlator's zeros (mapped whole), its unknowns (no run
 * touches the block: skip the run search), or the block's leaf table. */
#define LEAF_UNKNOWN UINT64_MAX
struct blk_entry {
	uint64_t key;
	uint64_t delta;
	const uint64_t *tbl;
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
	struct hole { uint64_t lo, hi; uint32_t rec; unsigned int shift; } *holes;
	size_t nholes;
	uint8_t *table;		/* one table's bytes, for note_hole */

	struct rec *recs;
	size_t nrecs;

	struct blk_entry *blk;	/* NULL when the geometry is unknown */
	unsigned int blk_shift;

	/* Leaf tables: one word per base page of a block: LEAF_UNKNOWN, the
	 * page's PA - VA, or (record << 1 | 1) for a failure.  Up to ltab_max
	 * of them; then the oldest is taken back (round robin). */
	uint64_t **ltab;
	size_t nltab, ltab_max, ltab_next;
	size_t ltab_len;	/* words in one table */
	uint64_t *zeros, *unknowns;	/* ltab_len words each */

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
	/* x86_64's and arm64's names for the same two mappings */
	static const char *const linear[] = { "direct-map", "kernel-text", "linear-map", "kernel-image" };
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

static void leaf_note(struct vms_xlator *x, uint64_t v, uint64_t word);

/* Caches the answer for va's span of 1 << shift bytes: base is the span's
 * PA, or a failure record << 1 | 1.  A base page's answer also goes into
 * its block's leaf table. */
static void tlb_insert(struct vms_xlator *x, unsigned int shift, uint64_t va, uint64_t base)
{
	struct tlb_class *c = tlb_class_for(x, shift);

	if (shift == x->page_shift && x->blk)
		leaf_note(x, va, base & 1 ? base : base - (va & ~((UINT64_C(1) << shift) - 1)));

	if (c) {
		uint64_t tag = va >> shift;
		c->e[tlb_index(c, tag)] = (struct tlb_entry){ tag, base };
	}
}

/* The entry that answers va, or NULL; *shift is its class's. */
static const struct tlb_entry *tlb_lookup(const struct vms_xlator *x, uint64_t va,
					  struct vms_xlate_result *out, unsigned int *shift)
{
	for (unsigned int i = 0; i < x->ncls; i++) {
		const struct tlb_class *c = &x->cls[i];
		uint64_t tag = va >> c->shift;
		const struct tlb_entry *e = &c->e[tlb_index(c, tag)];

		if (e->tag != tag)
			continue;
		*shift = c->shift;
		if (e->base & 1) {
			out->paddr = 0;
			out->page_size = 0;
			out->error = x->recs[e->base >> 1].code;
		} else {
			uint64_t size = UINT64_C(1) << c->shift;
			out->paddr = e->base + (va & (size - 1));
			out->page_size = size;
			out->error = 0;
		}
		return e;
	}
	return NULL;
}


/* ---- failure records ---------------------------------------------------- */

static size_t put_hex(char *p, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[16];
	size_t n = 0;

	do {
		tmp[15 - n++] = digits[v & 15];
		v >>= 4;
	} while (v);
	memcpy(p, tmp + 16 - n, n);
	return n;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Where "0x<v in hex>", a whole token, first occurs in s at or after from:
 * the offset of its digits, or SIZE_MAX.  The walkers print addresses as
 * 0x%PRIx64, the VA first. */
static size_t find_hex(const char *s, size_t from, uint64_t v, size_t *len)
{
	char hex[16];
	size_t n = put_hex(hex, v);

	for (const char *p = strstr(s + from, "0x"); p; p = strstr(p + 2, "0x"))
		if (!strncmp(p + 2, hex, n) && !is_hex(p[2 + n])) {
			*len = n;
			return (size_t)(p + 2 - s);
		}
	return SIZE_MAX;
}

/* Forgets every cached failure.  Called when the records run out (a long
 * stream of failures at ever new places): starting over keeps the cache
 * useful where stopping would make every later failure a walk. */
static void flush_failures(struct vms_xlator *x)
{
	for (unsigned int i = 0; i < x->ncls; i++) {
		struct tlb_class *c = &x->cls[i];

		for (size_t k = 0; k < (size_t)1 << c->bits; k++)
			if (c->e[k].base & 1)
				c->e[k].tag = UINT64_MAX;
	}
	x->nholes = 0;
	for (size_t i = 0; i < x->nrecs; i++)
		free(x->recs[i].msg);
	x->nrecs = 0;
}

/* Records the failure msg (code) of va; its number, or -1 when the message
 * does not show va (then the failure is not cached). */
static long new_rec(struct vms_xlator *x, uint64_t va, const char *msg, int code)
{
	struct rec *r;

	if (x->nrecs == MAX_RECS)
		flush_failures(x);
	r = &x->recs[x->nrecs];
	*r = (struct rec){ .code = code };
	r->va_at = find_hex(msg, 0, va, &r->va_len);
	if (r->va_at == SIZE_MAX || !(r->msg = strdup(msg)))
		return -1;
	return (long)x->nrecs++;
}

/* Appends n bytes to buf (size bytes) at *len, truncating; *len counts all. */
static void put(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len < size) {
		size_t room = size - *len;
		memcpy(buf + *len, s, n < room ? n : room);
	}
	*len += n;
}

static size_t render(const struct vms_xlator *x, const struct rec *r, uint64_t va, char *buf,
		     size_t size)
{
	char hex[16];
	size_t len = 0, at = r->va_at + r->va_len;

	put(buf, size, &len, r->msg, r->va_at);
	put(buf, size, &len, hex, put_hex(hex, va));
	if (r->per_entry) {
		uint64_t nent = x->l->table_size / 8;
		uint64_t ea = r->table + ((va >> r->shift) & (nent - 1)) * 8;

		put(buf, size, &len, r->msg + at, r->ea_at - at);
		put(buf, size, &len, hex, put_hex(hex, ea));
		at = r->ea_at + r->ea_len;
	}
	put(buf, size, &len, r->msg + at, strlen(r->msg + at));
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	return len;
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
		      unsigned int shift, const char *msg)
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
	/* Entries equal to the failing one fail the same way, and their
	 * messages differ only in the VA and the entry address. */
	const uint8_t *e = x->table + idx * 8;
	for (a = idx; a > 0 && !memcmp(x->table + (a - 1) * 8, e, 8); a--)
		;
	for (b = idx; b + 1 < nent && !memcmp(x->table + (b + 1) * 8, e, 8); b++)
		;
	if (a == b || x->nholes == MAX_HOLES)
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
	long rec = new_rec(x, va, msg, VMS_ERR_UNMAPPED);
	if (rec < 0)
		return;
	struct rec *r = &x->recs[rec];
	uint64_t ea = t->steps[t->nsteps - 1].entry_addr;
	r->ea_at = find_hex(msg, r->va_at + r->va_len, ea, &r->ea_len);
	if (r->ea_at == SIZE_MAX)
		return;	/* unused; the next flush frees it */
	r->per_entry = true;
	r->table = table;
	r->shift = shift;
	if (pos > x->nholes)
		pos = x->nholes;	/* new_rec flushed the holes */
	memmove(&x->holes[pos + 1], &x->holes[pos], (x->nholes - pos) * sizeof(*x->holes));
	x->holes[pos] = (struct hole){ lo, hi, (uint32_t)rec, shift };
	x->nholes++;
}

static const struct hole *find_hole(const struct vms_xlator *x, uint64_t va)
{
	const struct hole *b = x->holes;
	size_t n = x->nholes;

	/* Branch-free, like find_run: the last hole starting at or below va. */
	if (!n || b[0].lo > va)
		return NULL;
	while (n > 1) {
		size_t half = n / 2;
		b = b[half].lo <= va ? b + half : b;
		n -= half;
	}
	return va <= b->hi ? b : NULL;
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
	/* Which span shares this failure?  A not-present entry at step n
	 * unmaps everything it covers; a failure before any read (the
	 * canonical check) depends only on bits above the top level's index.
	 * Other failures (tables outside the dump, loops) are not cached. */
	if (!x->level_bits || !vms_layout_known(l, VMS_LK_PGT_ROOT))
		goto out;
	if (out->error == VMS_ERR_UNMAPPED && t.nsteps >= 1 && t.nsteps <= l->levels)
		shift = x->page_shift + x->level_bits * (l->levels - t.nsteps);
	else if (out->error == VMS_ERR_INVALID && t.nsteps == 0 && l->levels >= 1)
		shift = x->page_shift + x->level_bits * (l->levels - 1);
	else
		goto out;
	long rec = new_rec(x, va, vms_error_message(err), out->error);
	if (rec < 0)
		goto out;
	tlb_insert(x, shift, va, (uint64_t)rec << 1 | 1);
	if (out->error == VMS_ERR_UNMAPPED)
		note_hole(x, va, &t, shift, vms_error_message(err));
out:
	vms_error_free(err);
}

/* ---- the block cache ------------------------------------------------------ */

static inline struct blk_entry *blk_slot(const struct vms_xlator *x, uint64_t blk)
{
	return &x->blk[(blk * UINT64_C(0x9e3779b97f4a7c15)) >> (64 - BLK_BITS)];
}

/* Whether any run overlaps [lo, hi]: runs are sorted and disjoint, so the
 * last one starting at or below hi reaches furthest. */
static bool run_overlaps(const struct vms_xlator *x, uint64_t lo, uint64_t hi)
{
	const uint64_t *b = x->run_va;
	size_t n = x->nruns;

	if (!n || b[0] > hi)
		return false;
	while (n > 1) {
		size_t half = n / 2;
		b = b[half] <= hi ? b + half : b;
		n -= half;
	}
	return x->runs[b - x->run_va].last >= lo;
}

/* Remembers how v's block translates, when one mapping covers it whole
 * (page_size 0: the answer was not a mapping; mark the block run-free if
 * it is). */
static void blk_fill(struct vms_xlator *x, uint64_t v, uint64_t map_va, uint64_t map_last,
		     uint64_t delta, uint64_t page_size, bool from_run)
{
	uint64_t blk = v >> x->blk_shift;
	uint64_t lo = blk << x->blk_shift, hi = lo + ((UINT64_C(1) << x->blk_shift) - 1);
	struct blk_entry *e = blk_slot(x, blk);

	if (page_size && pow2(page_size) && map_va <= lo && map_last >= hi)
		*e = (struct blk_entry){ blk << 7 | (uint64_t)from_run << 6 | log2u64(page_size), delta,
					 x->zeros };
	else if (!run_overlaps(x, lo, hi))
		*e = (struct blk_entry){ blk << 7, 0, x->unknowns };
}

static bool is_leaf_table(const struct vms_xlator *x, const struct blk_entry *e)
{
	return e->key != UINT64_MAX && e->tbl != x->zeros && e->tbl != x->unknowns;
}

/* A table for slot e, reusing the one already there (another block's,
 * evicted with it), else a new one, else the oldest. */
static uint64_t *leaf_table(struct vms_xlator *x, struct blk_entry *e)
{
	uint64_t *t = NULL;

	if (is_leaf_table(x, e)) {
		t = (uint64_t *)e->tbl;
	} else if (x->nltab < x->ltab_max) {
		t = malloc(x->ltab_len * sizeof(*t));
		if (!t)
			return NULL;
		x->ltab[x->nltab++] = t;
	} else if (x->nltab) {
		t = x->ltab[x->ltab_next];
		x->ltab_next = (x->ltab_next + 1) % x->nltab;
		/* Whichever slot still points at it must forget it. */
		for (size_t i = 0; i < (size_t)1 << BLK_BITS; i++)
			if (x->blk[i].tbl == t)
				x->blk[i].key = UINT64_MAX;
	}
	if (t)
		memset(t, 0xff, x->ltab_len * sizeof(*t));
	return t;
}

/* Records what a base page translates to (word: its PA - VA, or a failure
 * record << 1 | 1), in its block's leaf table. */
static void leaf_note(struct vms_xlator *x, uint64_t v, uint64_t word)
{
	uint64_t blk = v >> x->blk_shift;
	struct blk_entry *e = blk_slot(x, blk);
	uint64_t *t;

	if (!x->ltab_max)
		return;
	if (e->key >> 7 == blk && is_leaf_table(x, e)) {
		t = (uint64_t *)e->tbl;
	} else {
		if (e->key >> 7 == blk && e->tbl == x->zeros)
			return;	/* mapped whole: better already */
		t = leaf_table(x, e);
		if (!t)
			return;
		/* delta is 0 for a leaf table: the words are the deltas. */
		*e = (struct blk_entry){ blk << 7 | x->page_shift, 0, t };
	}
	t[(v >> x->page_shift) & (x->ltab_len - 1)] = word;
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
	x->recs = malloc(MAX_RECS * sizeof(*x->recs));
	x->table = layout->table_size ? malloc(layout->table_size) : NULL;
	if (!x->holes || !x->recs || !x->table) {
		vms_xlator_free(x);
		return VMS_ENOMEM;
	}
	scan_linear(x);
	/* Blocks are what one entry above the base level maps. */
	if (x->level_bits && x->page_shift + x->level_bits < 57) {
		x->blk_shift = x->page_shift + x->level_bits;
		x->blk = malloc(sizeof(*x->blk) << BLK_BITS);
		if (x->blk)
			memset(x->blk, 0xff, sizeof(*x->blk) << BLK_BITS);
	}
	if (x->blk) {
		x->ltab_len = (size_t)1 << x->level_bits;
		x->ltab_max = LEAF_POOL_BYTES / (x->ltab_len * sizeof(uint64_t));
		x->ltab = malloc(x->ltab_max * sizeof(*x->ltab));
		x->zeros = calloc(x->ltab_len, sizeof(uint64_t));
		x->unknowns = malloc(x->ltab_len * sizeof(uint64_t));
		if (!x->ltab || !x->zeros || !x->unknowns) {
			vms_xlator_free(x);
			return VMS_ENOMEM;
		}
		memset(x->unknowns, 0xff, x->ltab_len * sizeof(uint64_t));
	}
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
	for (size_t i = 0; x->recs && i < x->nrecs; i++)
		free(x->recs[i].msg);
	free(x->recs);
	free(x->blk);
	for (size_t i = 0; i < x->nltab; i++)
		free(x->ltab[i]);
	free(x->ltab);
	free(x->zeros);
	free(x->unknowns);
	free(x->table);
	free(x);
}

/* Everything the block cache could not answer: the runs, the TLB, the
 * holes, a walk; each answer is remembered for next time.  runs: whether
 * a run may hold v.  Returns whether v failed. */
static bool slow_path(struct vms_xlator *x, uint64_t v, bool runs, struct vms_xlate_result *r)
{
	const uint64_t base_size = UINT64_C(1) << x->page_shift;
	const struct run *run;
	const struct hole *h;
	const struct tlb_entry *te;
	unsigned int shift;

	if (runs && (run = find_run(x, v))) {
		r->paddr = run->pa + (v - run->va);
		r->page_size = run->page_size;
		r->error = 0;
		x->stats.linear++;
		if (x->blk) {
			blk_fill(x, v, run->va, run->last, run->pa - run->va, run->page_size, true);
			if (run->page_size == base_size)
				leaf_note(x, v, run->pa - run->va);
		}
		return false;
	}
	if ((te = tlb_lookup(x, v, r, &shift))) {
		x->stats.tlb_hits++;
		if (!x->blk || (r->error && shift != x->page_shift)) {
			/* A failed span above a page: a random address in a
			 * hole, whose block is unlikely to come again. */
		} else if (shift == x->page_shift) {
			leaf_note(x, v, te->base & 1 ? te->base : te->base - (v & ~(base_size - 1)));
		} else if (r->page_size >= (UINT64_C(1) << x->blk_shift)) {
			uint64_t pva = v & ~(r->page_size - 1);
			blk_fill(x, v, pva, pva + (r->page_size - 1), r->paddr - v, r->page_size, false);
		} else if (runs) {
			blk_fill(x, v, 0, 0, 0, 0, false);
		}
	} else if (x->nholes && (h = find_hole(x, v))) {
		/* Cache the entry's span too: the next probe is cheaper. */
		r->paddr = 0;
		r->page_size = 0;
		r->error = x->recs[h->rec].code;
		tlb_insert(x, h->shift, v, (uint64_t)h->rec << 1 | 1);
		x->stats.tlb_hits++;
	} else {
		walk(x, v, r);
	}
	return r->error != 0;
}

size_t vms_xlator_vtop(vms_xlator *x, const uint64_t *va, size_t n,
		       struct vms_xlate_result *out)
{
	const struct blk_entry *blk = x->blk;
	const unsigned int blk_shift = x->blk_shift, page_shift = x->page_shift;
	const uint64_t tbl_mask = x->ltab_len - 1;
	const uint64_t *unknowns = x->unknowns;
	const bool runs = x->nruns != 0;
	size_t failed = 0;
	uint64_t linear = 0, hits = 0;	/* in locals: no store to x per address */

	if (!blk) {
		for (size_t i = 0; i < n; i++)
			failed += slow_path(x, va[i], runs, &out[i]);
		return failed;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v = va[i];
		struct vms_xlate_result *r = &out[i];
		const struct blk_entry *e = blk_slot(x, v >> blk_shift);

		/* Random addresses: fetch a later one's slot now, so the memory
		 * latency overlaps the work on the ones before. */
		if (i + PREFETCH_AHEAD < n)
			__builtin_prefetch(blk_slot(x, va[i + PREFETCH_AHEAD] >> blk_shift));
		if (e->key >> 7 != v >> blk_shift) {
			failed += slow_path(x, v, runs, r);
			continue;
		}
		uint64_t w = e->delta + e->tbl[(v >> page_shift) & tbl_mask];
		uint64_t from_run = e->key >> 6 & 1;

		if (!(w & 1)) {
			r->paddr = v + w;
			r->page_size = UINT64_C(1) << (e->key & 63);
			r->error = 0;
			linear += from_run;
			hits += !from_run;
		} else if (w != LEAF_UNKNOWN) {
			r->paddr = 0;
			r->page_size = 0;
			r->error = x->recs[w >> 1].code;
			hits++;
			failed++;
		} else {
			failed += slow_path(x, v, runs && e->tbl != unknowns, r);
		}
	}
	x->stats.linear += linear;
	x->stats.tlb_hits += hits;
	return failed;
}

size_t vms_xlator_message(vms_xlator *x, uint64_t va, const struct vms_xlate_result *r,
			  char *buf, size_t size)
{
	const struct rec *rec = NULL;
	const struct hole *h;
	struct vms_translation t;
	size_t len = 0;

	if (!r->error) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	/* The same caches as vms_xlator_vtop's: the leaf table, the TLB. */
	if (x->blk) {
		const struct blk_entry *e = blk_slot(x, va >> x->blk_shift);

		if (e->key >> 7 == va >> x->blk_shift) {
			uint64_t w = e->delta + e->tbl[(va >> x->page_shift) & (x->ltab_len - 1)];

			if (w != LEAF_UNKNOWN && (w & 1))
				rec = &x->recs[w >> 1];
		}
	}
	for (unsigned int i = 0; i < x->ncls && !rec; i++) {
		const struct tlb_class *c = &x->cls[i];
		const struct tlb_entry *e = &c->e[tlb_index(c, va >> c->shift)];

		if (e->tag != va >> c->shift)
			continue;
		if (!(e->base & 1))
			break;	/* mapped: r is not about this translator's va */
		rec = &x->recs[e->base >> 1];
	}
	if (!rec && x->nholes && (h = find_hole(x, va)))
		rec = &x->recs[h->rec];
	if (rec && rec->code == r->error)
		return render(x, rec, va, buf, size);
	/* Evicted since, or never cached: walk. */
	vms_error *err = vms_vtop(x->l, va, &t);
	char text[48];
	const char *msg = err ? vms_error_message(err) : text;

	if (!err)
		snprintf(text, sizeof(text), "translation of 0x%" PRIx64 " failed", va);
	put(buf, size, &len, msg, strlen(msg));
	if (size)
		buf[len < size ? len : size - 1] = '\0';
	vms_error_free(err);
	return len;
}

void vms_xlator_stats(const vms_xlator *x, struct vms_xlator_stats *out)
{
	*out = x->stats;
}
