/* The page-table walker, for every architecture: one walk of a VA, and the
 * enumeration of every leaf in a VA range.  What an entry means comes from
 * the architecture's struct vms_pt_format and the layout's struct
 * vms_walk_geometry (walk-priv.h).  Also the page-table page cache, the
 * "lowest mapped address" search and flag names. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "util.h"
#include "walk-priv.h"

vms_error *vms_walk_cache_init(struct vms_walk_cache *c, uint32_t table_size)
{
	vms_walk_cache_free(c);
	for (int i = 0; i < VMS_MAX_LEVELS; i++) {
		c->pa[i] = UINT64_MAX;
		c->buf[i] = malloc(table_size);
		if (!c->buf[i]) {
			vms_walk_cache_free(c);
			return VMS_ENOMEM;
		}
	}
	return NULL;
}

void vms_walk_cache_free(struct vms_walk_cache *c)
{
	for (int i = 0; i < VMS_MAX_LEVELS; i++) {
		free(c->buf[i]);
		c->buf[i] = NULL;
		c->pa[i] = UINT64_MAX;
	}
}

/* One slot per level: a walk touches one table per level, and consecutive
 * walks of nearby addresses share all of them, so this tiny cache turns a
 * stream of translations into almost no reads. */
vms_error *vms_walk_read_entry(struct vms_layout *l, unsigned int slot, uint64_t table_pa,
			       uint64_t index, uint64_t *entry)
{
	struct vms_walk_cache *c = &l->cache;
	uint64_t off = index * 8;

	if (slot >= VMS_MAX_LEVELS || off + 8 > l->table_size)
		return vms_error_fmt(VMS_ERR_INVALID, "page-table index %" PRIu64 " out of range", index);
	if (c->pa[slot] != table_pa) {
		vms_error *err = l->in.read_phys(l->in.ctx, table_pa, c->buf[slot], l->table_size, 0);
		if (err) {
			c->pa[slot] = UINT64_MAX;
			return err;
		}
		c->pa[slot] = table_pa;
		c->misses++;
	} else {
		c->hits++;
	}
	*entry = vms_get64le(c->buf[slot] + off);
	return NULL;
}

/* Reads entry idx of the table at table_pa into *e.  A table smaller than
 * a page (an arm64 top level) is read through the page that holds it, so
 * the per-level cache still works. */
static vms_error *read_entry(struct vms_layout *l, unsigned i, uint64_t table, uint64_t idx,
			     uint64_t *e)
{
	uint64_t page = table & ~(uint64_t)(l->table_size - 1);
	return vms_walk_read_entry(l, i, page, (table - page) / 8 + idx, e);
}

static bool table_in_dump(const struct vms_layout *l, uint64_t table)
{
	return vms_layout_pa_in_dump(l, table & ~(uint64_t)(l->table_size - 1), l->table_size);
}

static const char *level_name(const struct vms_pt_format *f, const struct vms_layout *l,
			      unsigned i)
{
	if (i == 0 && f->top_name)
		return f->top_name;
	return f->names[VMS_MAX_LEVELS - l->levels + i];
}

/* ---- one VA ------------------------------------------------------------ */

static vms_error *reserved_error(const struct vms_layout *l, unsigned i, uint64_t va,
				 const struct vms_walk_step *s)
{
	char why[160];

	l->ops->format->why_reserved(l, i, s->entry, why, sizeof(why));
	return vms_error_fmt(VMS_ERR_CORRUPT, "translating 0x%" PRIx64 ": %s entry at PA 0x%" PRIx64
			     " = 0x%" PRIx64 " %s", va, s->level, s->entry_addr, s->entry, why);
}

vms_error *vms_walk_va(struct vms_layout *l, uint64_t root, uint64_t va,
		       struct vms_translation *t)
{
	const struct vms_pt_format *f = l->ops->format;
	uint64_t table, seen[VMS_MAX_LEVELS];
	vms_error *err;

	memset(t, 0, sizeof(*t));
	t->vaddr = va;
	if (!l->walk.page_shift)
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "cannot translate 0x%" PRIx64
				     ": the page size and VA size are not known", va);
	if (f->check_va && (err = f->check_va(l, root, va)))
		return err;
	table = root & l->walk.root_mask;
	for (unsigned i = 0; i < l->levels; i++) {
		unsigned shift = vms_walk_shift(l, i);
		const char *name = level_name(f, l, i);
		uint64_t idx = (va >> shift) & (vms_walk_entries(l, i) - 1), e, size;
		struct vms_walk_step *s = &t->steps[i];
		enum vms_desc d;

		for (unsigned k = 0; k < i; k++)
			if (seen[k] == table)
				return vms_error_fmt(VMS_ERR_CORRUPT,
						     "translating 0x%" PRIx64 ": %s table at PA 0x%" PRIx64
						     " was already visited as the %s table (page-table loop)",
						     va, name, table, level_name(f, l, k));
		seen[i] = table;
		if (!table_in_dump(l, table))
			return vms_error_fmt(VMS_ERR_CORRUPT,
					     "translating 0x%" PRIx64 ": %s table at PA 0x%" PRIx64
					     " is outside the dump's memory", va, name, table);
		err = read_entry(l, i, table, idx, &e);
		if (err)
			return vms_error_prefix(err, "translating 0x%" PRIx64 ": reading %s entry at PA 0x%" PRIx64,
						va, name, table + idx * 8);
		s->level = name;
		s->entry_addr = table + idx * 8;
		s->entry = e;
		t->nsteps = i + 1;
		d = vms_walk_desc(l, f, i, e);
		f->attrs(e, d, d == VMS_DESC_LEAF && i + 1 < l->levels, s);
		switch (d) {
		case VMS_DESC_TABLE:
			table = vms_walk_oa(l, e);
			break;
		case VMS_DESC_LEAF:
			size = UINT64_C(1) << shift;
			t->page_size = size;
			t->paddr = (vms_walk_oa(l, e) & ~(size - 1)) | (va & (size - 1));
			return NULL;
		case VMS_DESC_INVALID:
			return vms_error_fmt(VMS_ERR_UNMAPPED,
					     "0x%" PRIx64 " is not mapped: %s entry at PA 0x%" PRIx64
					     " is 0x%" PRIx64 " (%s)", va, name, s->entry_addr, e, f->invalid);
		default:
			return reserved_error(l, i, va, s);
		}
	}
	return vms_error_fmt(VMS_ERR_CORRUPT, "translating 0x%" PRIx64 ": walk fell through", va);
}

/* ---- every leaf in a range --------------------------------------------- */

struct scan {
	struct vms_layout *l;
	const struct vms_pt_format *f;
	uint64_t start, end;
	vms_mapping_fn fn;
	void *arg;
	uint64_t budget;
	uint64_t tables[VMS_MAX_LEVELS];
	int stop;
	bool exhausted;
};

/* Entries [first, end) of step i's table, entry idx mapping from
 * base + (idx << shift). */
static void scan_table(struct scan *s, unsigned i, uint64_t table, uint64_t base,
		       uint64_t first, uint64_t end)
{
	struct vms_layout *l = s->l;
	unsigned shift = vms_walk_shift(l, i);
	uint64_t span = UINT64_C(1) << shift;

	/* Hostile tables can point back at an ancestor; skip such entries. */
	for (unsigned k = 0; k < i; k++)
		if (s->tables[k] == table)
			return;
	if (!table_in_dump(l, table))
		return;
	s->tables[i] = table;
	for (uint64_t idx = first; idx < end && !s->stop; idx++) {
		uint64_t lo = base + (idx << shift), hi = lo + span - 1, e;
		vms_error *err;

		if (hi < s->start)
			continue;
		if (lo > s->end)
			break;
		if (!s->budget--) {
			s->exhausted = true;
			s->stop = 1;
			return;
		}
		err = read_entry(l, i, table, idx, &e);
		if (err) {
			/* An unreadable table just hides what it maps. */
			vms_error_free(err);
			return;
		}
		switch (vms_walk_desc(l, s->f, i, e)) {
		case VMS_DESC_TABLE:
			scan_table(s, i + 1, vms_walk_oa(l, e), lo, 0, vms_walk_entries(l, i + 1));
			/* The child used lower cache slots; ours is still valid. */
			break;
		case VMS_DESC_LEAF:
			s->stop = s->fn(lo, vms_walk_oa(l, e) & ~(span - 1), span, s->arg);
			break;
		default:
			break;	/* invalid or reserved: maps nothing */
		}
	}
}

vms_error *vms_walk_foreach_leaf(struct vms_layout *l, uint64_t root, uint64_t start,
				 uint64_t end, vms_mapping_fn fn, void *arg)
{
	struct scan s = { l, l->ops->format, start, end, fn, arg, l->scan_budget, { 0 }, 0, false };
	struct vms_walk_window w[2];
	unsigned shift;
	size_t nw;

	if (!l->walk.page_shift)
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "the page size and VA size are not known");
	shift = vms_walk_shift(l, 0);
	nw = s.f->windows(l, root, w);
	for (size_t k = 0; k < nw && !s.stop; k++) {
		uint64_t lo = w[k].base + ((uint64_t)w[k].first << shift);
		uint64_t hi = w[k].base + ((uint64_t)w[k].end << shift) - 1;
		if (hi < start || lo > end)
			continue;
		for (int j = 0; j < VMS_MAX_LEVELS; j++)
			s.tables[j] = UINT64_MAX;
		scan_table(&s, 0, root & l->walk.root_mask, w[k].base, w[k].first, w[k].end);
	}
	if (s.exhausted)
		return vms_error_fmt(VMS_ERR_CORRUPT,
				     "page-table scan from root 0x%" PRIx64 " gave up after %" PRIu64
				     " entries (tables alias each other)", root, l->scan_budget);
	return NULL;
}

/* ---- helpers ----------------------------------------------------------- */

struct lowest {
	bool found;
	uint64_t va, pa, size;
};

static int lowest_cb(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct lowest *lw = arg;

	lw->found = true;
	lw->va = va;
	lw->pa = pa;
	lw->size = size;
	return 1;
}

vms_error *vms_walk_lowest_mapped(struct vms_layout *l, uint64_t root, uint64_t start,
				  uint64_t end, bool *found, uint64_t *va, uint64_t *pa,
				  uint64_t *size)
{
	struct lowest lw = { false, 0, 0, 0 };
	vms_error *err = l->ops->foreach_leaf(l, root, start, end, lowest_cb, &lw);

	*found = lw.found;
	if (lw.found) {
		/* A large page may begin below start; report from start. */
		uint64_t skip = start > lw.va ? start - lw.va : 0;
		*va = lw.va + skip;
		*pa = lw.pa + skip;
		*size = lw.size - skip;
	}
	return err;
}

/* ---- for detection heuristics: a failure counts as "no" ---------------- */

bool vms_walk_translates(struct vms_layout *l, uint64_t va, uint64_t *pa)
{
	struct vms_translation t;
	vms_error *err = vms_vtop(l, va, &t);

	if (err) {
		vms_error_free(err);
		return false;
	}
	*pa = t.paddr;
	return true;
}

bool vms_walk_lowest(struct vms_layout *l, uint64_t root, uint64_t start, uint64_t end,
		     uint64_t *va, uint64_t *pa, uint64_t *size)
{
	bool found;
	uint64_t ignored;

	vms_error_free(vms_walk_lowest_mapped(l, root, start, end, &found, va, pa,
					      size ? size : &ignored));
	return found;
}

const char *vms_pte_flags_str(unsigned int flags, char *buf, size_t size)
{
	static const struct { unsigned int bit; const char *name; } names[] = {
		{ VMS_PTE_PRESENT, "P" }, { VMS_PTE_WRITE, "RW" }, { VMS_PTE_USER, "US" },
		{ VMS_PTE_PWT, "PWT" }, { VMS_PTE_PCD, "PCD" }, { VMS_PTE_ACCESSED, "A" },
		{ VMS_PTE_DIRTY, "D" }, { VMS_PTE_LARGE, "PS" }, { VMS_PTE_PAT, "PAT" },
		{ VMS_PTE_GLOBAL, "G" }, { VMS_PTE_NX, "NX" }, { VMS_PTE_CONT, "CONT" },
	};
	size_t used = 0;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", names[i].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
