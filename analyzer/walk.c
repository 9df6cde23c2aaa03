/* Arch-neutral walk helpers: the page-table page cache, entry reads, the
 * "lowest mapped address" search, and flag names. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "layout-priv.h"
#include "util.h"

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
