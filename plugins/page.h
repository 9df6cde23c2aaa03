/* Decoding struct page from VMCOREINFO offsets, shared by the vmemmap and
 * direct-map plugins (compiled into each: plugins share no code at run time). */
#ifndef VMS_PLUGINS_PAGE_H
#define VMS_PLUGINS_PAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <vmscope/plugin.h>

/* What the struct page layout is, from VMCOREINFO. */
struct pg_layout {
	uint64_t size;			/* SIZE(page) */
	uint64_t o_flags, o_refcount, o_mapcount, o_mapping, o_private;
	uint64_t o_compound_head, o_compound_order;	/* UINT64_MAX: unknown */
	/* Page types (page_type, which shares its word with _mapcount): a
	 * page has the type when (page_type & mask) == want; mask 0: unknown. */
	struct pg_type { uint32_t mask, want; } t_buddy, t_offline, t_slab;
	/* Flag bit numbers; -1 when neither VMCOREINFO nor the fallback
	 * table gives one. */
	int pg_lru, pg_slab, pg_private, pg_swapbacked, pg_swapcache, pg_head, pg_reserved;
	/* Names of flag bits 0..31 (NULL: unnamed). */
	const char *names[32];
	bool names_from_table;		/* bits named from the 6.x enum, anchors agreeing */
};

enum pg_state {
	PG_ST_FREE,	/* buddy allocator (head of a free block, or inside one) */
	PG_ST_SLAB,
	PG_ST_LRU_ANON,
	PG_ST_LRU_FILE,
	PG_ST_RESERVED,
	PG_ST_OFFLINE,
	PG_ST_OTHER_USED,	/* refcount > 0, none of the above (kernel allocations) */
	PG_ST_OTHER_FREE,	/* refcount 0 and not buddy (per-cpu lists, being freed) */
	PG_ST__COUNT
};
extern const char *const pg_state_names[PG_ST__COUNT];

struct pg_info {
	uint64_t page;			/* address of the struct page */
	uint64_t pfn;
	uint64_t flags;
	int32_t refcount, mapcount;
	uint64_t mapping, private_;
	bool tail;
	uint64_t head;			/* compound head (itself for a head page) */
	bool have_order;
	unsigned int order;		/* compound order of a head page */
	bool buddy;
	unsigned int buddy_order;
	enum pg_state state;
};

vms_error *pg_layout_load(vms_plugin_ctx *ctx, struct pg_layout *l);
/* Decodes the struct page at `page` (pfn given); reads the head too for
 * tail pages.  `raw` (SIZE(page) bytes) may hold the page already. */
vms_error *pg_decode(vms_plugin_ctx *ctx, const struct pg_layout *l, uint64_t page, uint64_t pfn,
		     const uint8_t *raw, struct pg_info *out);
/* Writes a decoded page through the emitter. */
void pg_emit(vms_out *out, const struct pg_layout *l, const struct pg_info *pi);

#endif
