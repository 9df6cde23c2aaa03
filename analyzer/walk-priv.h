/* The page-table walker (walk.c) and what an architecture tells it.
 *
 * x86_64 and arm64 tables have the same shape: a few levels, each a table
 * of 8-byte entries indexed by a slice of the VA, where an entry is
 * invalid, points to the next level's table, or maps a page (a "block" or
 * large page when above the last level).  What differs is how an entry
 * says which of these it is, where its output address is, and what its
 * attribute bits mean.  The parts that vary with the dump (geometry,
 * address bits) are the layout's struct vms_walk_geometry (layout-priv.h);
 * the fixed parts are the arch's struct vms_pt_format below.
 */
#ifndef VMS_WALK_PRIV_H
#define VMS_WALK_PRIV_H

#include "layout-priv.h"

/* What a page-table entry is. */
enum vms_desc {
	VMS_DESC_INVALID,	/* not present: maps nothing */
	VMS_DESC_TABLE,		/* points to the next level's table */
	VMS_DESC_LEAF,		/* maps a page (last level) or a block (above) */
	VMS_DESC_RESERVED,	/* present, but neither a table nor a mapping */
};

/* A range of top-level entries and the VA their index 0 stands for:
 * entry idx of [first, end) maps from base + (idx << top shift). */
struct vms_walk_window {
	uint64_t base;
	uint32_t first, end;
};

/* An architecture's page-table entry format. */
struct vms_pt_format {
	/* The kernel's names of the levels, the page level last: a walk of
	 * n levels uses the last n.  top_name, when set, names the top
	 * level whatever its depth (arm64's pgd). */
	const char *names[VMS_MAX_LEVELS];
	const char *top_name;
	const char *invalid;	/* how an invalid entry is described */
	/* Entry types.  An entry is valid when (e & valid) != 0.  A valid
	 * entry of the last step is a page when (e & page_mask) == page_bits,
	 * else reserved; above, it is a block when (e & block_mask) ==
	 * block_bits (reserved where the step holds no blocks, see
	 * vms_walk_geometry.block_steps), else a table. */
	uint64_t valid, page_mask, page_bits, block_mask, block_bits;
	/* Refuses a VA the tables of this root cannot translate (NULL: all
	 * pass).  The walk then fails with this error. */
	vms_error *(*check_va)(const struct vms_layout *l, uint64_t root, uint64_t va);
	/* The windows of the top table a leaf scan covers, lowest VA first;
	 * returns how many (at most 2). */
	size_t (*windows)(const struct vms_layout *l, uint64_t root, struct vms_walk_window w[2]);
	/* Sets s->flags (VMS_PTE_*) and s->pkey from entry e of type d;
	 * large: a block. */
	void (*attrs)(uint64_t e, enum vms_desc d, bool large, struct vms_walk_step *s);
	/* Ends "<level> entry at PA ... = <e> " for a reserved entry. */
	void (*why_reserved)(const struct vms_layout *l, unsigned i, uint64_t e, char *buf,
			     size_t size);
};

/* VA shift of step i, and the number of entries of its table. */
static inline unsigned vms_walk_shift(const struct vms_layout *l, unsigned i)
{
	return l->walk.page_shift + l->walk.level_bits * (l->levels - 1 - i);
}

static inline uint64_t vms_walk_entries(const struct vms_layout *l, unsigned i)
{
	return i == 0 ? l->walk.top_entries : UINT64_C(1) << l->walk.level_bits;
}

/* The output address of a table or leaf entry (for a leaf, the offset bits
 * inside its page or block are not cleared). */
static inline uint64_t vms_walk_oa(const struct vms_layout *l, uint64_t e)
{
	const struct vms_walk_geometry *g = &l->walk;
	return (e & g->oa_mask) | ((e >> g->oa_hi_from) & g->oa_hi_mask) << g->oa_hi_to;
}

/* What entry e of step i is. */
static inline enum vms_desc vms_walk_desc(const struct vms_layout *l,
					  const struct vms_pt_format *f, unsigned i, uint64_t e)
{
	if (!(e & f->valid))
		return VMS_DESC_INVALID;
	if (i + 1 == l->levels)
		return (e & f->page_mask) == f->page_bits ? VMS_DESC_LEAF : VMS_DESC_RESERVED;
	if ((e & f->block_mask) != f->block_bits)
		return VMS_DESC_TABLE;
	return (l->walk.block_steps >> i) & 1 ? VMS_DESC_LEAF : VMS_DESC_RESERVED;
}

/* The walk of one VA from root (vms_arch_ops.walk). */
vms_error *vms_walk_va(struct vms_layout *l, uint64_t root, uint64_t va,
		       struct vms_translation *t);
/* Every leaf in [start, end], lowest VA first (vms_arch_ops.foreach_leaf). */
vms_error *vms_walk_foreach_leaf(struct vms_layout *l, uint64_t root, uint64_t start,
				 uint64_t end, vms_mapping_fn fn, void *arg);

/* For detection heuristics, to which a failure just means "no": whether va
 * translates through the kernel's root (*pa its PA), and the lowest leaf in
 * [start, end] as vms_walk_lowest_mapped() finds it (size may be NULL). */
bool vms_walk_translates(struct vms_layout *l, uint64_t va, uint64_t *pa);
bool vms_walk_lowest(struct vms_layout *l, uint64_t root, uint64_t start, uint64_t end,
		     uint64_t *va, uint64_t *pa, uint64_t *size);

#endif
