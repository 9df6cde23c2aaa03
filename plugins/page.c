/* struct page decoding from VMCOREINFO (see page.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "page.h"

const char *const pg_state_names[PG_ST__COUNT] = {
	"free", "slab", "lru-anon", "lru-file", "reserved", "offline", "used", "unused",
};

/* enum pageflags of Linux 5.x/6.x for 64-bit kernels, bits 0..21.  Used only
 * when every bit VMCOREINFO does export agrees with it, so a kernel that
 * reorders the enum gets "bit N" rather than a wrong name. */
static const char *const pageflags_6x[] = {
	"locked", "referenced", "uptodate", "dirty", "lru", "active", "workingset",
	"waiters", "error", "slab", "owner_priv_1", "arch_1", "reserved", "private",
	"private_2", "writeback", "head", "mappedtodisk", "reclaim", "swapbacked",
	"unevictable", "mlocked",
};

/* The same for Linux 6.11+ (PG_writeback moved to bit 1, PG_head to 6;
 * PG_slab became a page type).  Anchors: PG_lru 5, PG_head 6. */
static const char *const pageflags_611[] = {
	"locked", "writeback", "referenced", "uptodate", "dirty", "lru", "head",
	"waiters", "active", "workingset", "owner_priv_1", "owner_2", "arch_1",
	"reserved", "private", "private_2", "reclaim", "swapbacked", "unevictable",
	"mlocked",
};

/* A page type from the value VMCOREINFO exports for it (NUMBER(PAGE_*_
 * MAPCOUNT_VALUE), what page_type holds).  Two encodings:
 *  - 6.12+: the type in the top byte (PGTY_buddy 0xf0 ... PGTY_slab 0xf5),
 *    the low 24 bits left to the type's owner: the value is PGTY << 24;
 *  - 4.18-6.11: page_type starts as all ones and a type clears one bit:
 *    the value is ~flag, and PageType() tests that the flag is clear and
 *    the base above it set (base 0xf0000000 up to 6.9; 6.10 moved the flags
 *    into those top bits and let owners reuse the low 16 bits). */
static void page_type(vms_plugin_ctx *ctx, const char *name, struct pg_type *t)
{
	uint32_t v, flag;
	int64_t n;

	t->mask = t->want = 0;
	if (!vms_ctx_vmcoreinfo_has(ctx, "NUMBER", name, &n))
		return;
	v = (uint32_t)n;
	flag = ~v;
	if (v && !(v & 0xffffff)) {
		t->mask = 0xff000000u;
		t->want = v;
	} else if (flag && !(flag & (flag - 1))) {
		t->mask = 0xf0000000u | flag;
		t->want = 0xf0000000u & ~flag;
	} else {	/* unknown encoding: the exact value */
		t->mask = 0xffffffffu;
		t->want = v;
	}
}

static bool has_type(const struct pg_type *t, int32_t page_type)
{
	return t->mask && ((uint32_t)page_type & t->mask) == t->want;
}

static int number(vms_plugin_ctx *ctx, const char *name)
{
	int64_t v;

	if (vms_ctx_vmcoreinfo_has(ctx, "NUMBER", name, &v) && v >= 0 && v < 64)
		return (int)v;
	return -1;
}

vms_error *pg_layout_load(vms_plugin_ctx *ctx, struct pg_layout *l)
{
	vms_error *err;
	int64_t v;

	memset(l, 0, sizeof(*l));
	if ((err = pl_size(ctx, "page", 4096, &l->size)) ||
	    (err = pl_offset(ctx, "page.flags", 8, l->size, &l->o_flags)) ||
	    (err = pl_offset(ctx, "page._refcount", 4, l->size, &l->o_refcount)) ||
	    (err = pl_offset(ctx, "page._mapcount", 4, l->size, &l->o_mapcount)) ||
	    (err = pl_offset(ctx, "page.mapping", 8, l->size, &l->o_mapping)) ||
	    (err = pl_offset(ctx, "page.private", 8, l->size, &l->o_private)))
		return err;
	if ((err = pl_offset(ctx, "page.compound_head", 8, l->size, &l->o_compound_head))) {
		vms_error_free(err);
		l->o_compound_head = UINT64_MAX;
	}
	if ((err = pl_offset(ctx, "page.compound_order", 1, l->size, &l->o_compound_order))) {
		vms_error_free(err);
		l->o_compound_order = UINT64_MAX;
	}
	page_type(ctx, "PAGE_BUDDY_MAPCOUNT_VALUE", &l->t_buddy);
	page_type(ctx, "PAGE_OFFLINE_MAPCOUNT_VALUE", &l->t_offline);
	page_type(ctx, "PAGE_SLAB_MAPCOUNT_VALUE", &l->t_slab);	/* 6.10+: no PG_slab */
	l->pg_lru = number(ctx, "PG_lru");
	l->pg_slab = number(ctx, "PG_slab");
	l->pg_private = number(ctx, "PG_private");
	l->pg_swapbacked = number(ctx, "PG_swapbacked");
	l->pg_swapcache = number(ctx, "PG_swapcache");
	l->pg_reserved = -1;
	l->pg_head = -1;
	if (vms_ctx_vmcoreinfo_has(ctx, "NUMBER", "PG_head_mask", &v) && v > 0 && !(v & (v - 1)))
		l->pg_head = __builtin_ctzll((unsigned long long)v);

	/* The fallback table, if the exported bits agree with it. */
	bool agree = l->pg_lru == 4 && l->pg_slab == 9 && (l->pg_private < 0 || l->pg_private == 13) &&
		     (l->pg_swapbacked < 0 || l->pg_swapbacked == 19) &&
		     (l->pg_head < 0 || l->pg_head == 16);
	if (agree) {
		for (size_t i = 0; i < sizeof(pageflags_6x) / sizeof(pageflags_6x[0]); i++)
			l->names[i] = pageflags_6x[i];
		l->names_from_table = true;
		l->pg_reserved = 12;
		if (l->pg_head < 0)
			l->pg_head = 16;
	}
	bool agree611 = l->pg_lru == 5 && l->pg_head == 6 && l->pg_slab < 0 &&
			(l->pg_private < 0 || l->pg_private == 14) &&
			(l->pg_swapbacked < 0 || l->pg_swapbacked == 17);
	if (agree611) {
		for (size_t i = 0; i < sizeof(pageflags_611) / sizeof(pageflags_611[0]); i++)
			l->names[i] = pageflags_611[i];
		l->names_from_table = true;
		l->pg_reserved = 13;
	}
	/* VMCOREINFO's own numbers win. */
	if (l->pg_lru >= 0 && l->pg_lru < 32) l->names[l->pg_lru] = "lru";
	if (l->pg_slab >= 0 && l->pg_slab < 32) l->names[l->pg_slab] = "slab";
	if (l->pg_private >= 0 && l->pg_private < 32) l->names[l->pg_private] = "private";
	if (l->pg_swapbacked >= 0 && l->pg_swapbacked < 32) l->names[l->pg_swapbacked] = "swapbacked";
	if (l->pg_head >= 0 && l->pg_head < 32) l->names[l->pg_head] = "head";
	/* PG_swapcache aliases PG_owner_priv_1; it means swapcache only with
	 * swapbacked set, so the table's name stays. */
	if (!l->names[10] && l->pg_swapcache == 10) l->names[10] = "swapcache";
	return NULL;
}

static bool bit(uint64_t flags, int b)
{
	return b >= 0 && (flags >> b & 1);
}

vms_error *pg_decode(vms_plugin_ctx *ctx, const struct pg_layout *l, uint64_t page, uint64_t pfn,
		     const uint8_t *raw, struct pg_info *pi)
{
	bool be = vms_dump_big_endian(vms_ctx_dump(ctx));
	uint8_t buf[4096], head[4096];
	const uint8_t *hb;
	uint64_t hflags;
	vms_error *err;

	memset(pi, 0, sizeof(*pi));
	pi->page = page;
	pi->pfn = pfn;
	if (!raw) {
		if ((err = vms_ctx_read_virt(ctx, page, buf, l->size, 0)))
			return err;
		raw = buf;
	}
	pi->flags = pl_get(raw, l->o_flags, 8, be);
	pi->refcount = (int32_t)pl_get(raw, l->o_refcount, 4, be);
	pi->mapcount = (int32_t)pl_get(raw, l->o_mapcount, 4, be);
	pi->mapping = pl_get(raw, l->o_mapping, 8, be);
	pi->private_ = pl_get(raw, l->o_private, 8, be);
	pi->head = page;
	hb = raw;
	if (l->o_compound_head != UINT64_MAX) {
		uint64_t ch = pl_get(raw, l->o_compound_head, 8, be);
		if (ch & 1) {
			pi->tail = true;
			pi->head = ch - 1;
			/* The head's flags say what the compound page is. */
			if (pl_ok(vms_ctx_read_virt(ctx, pi->head, head, l->size, 0)))
				hb = head;
		}
	}
	hflags = pl_get(hb, l->o_flags, 8, be);
	if (!pi->tail && bit(pi->flags, l->pg_head) && l->o_compound_order != UINT64_MAX) {
		uint64_t order;
		if (pl_ok(vms_ctx_read_uint(ctx, page + l->size + l->o_compound_order, 1, &order))) {
			pi->have_order = true;
			pi->order = (unsigned int)order;
		}
	}
	if (has_type(&l->t_buddy, pi->mapcount)) {
		pi->buddy = true;
		pi->buddy_order = (unsigned int)pi->private_;
		pi->state = PG_ST_FREE;
	} else if (bit(hflags, l->pg_slab) ||
		   has_type(&l->t_slab, (int32_t)pl_get(hb, l->o_mapcount, 4, be))) {
		/* Slab is a property of the folio: the head's flag or type. */
		pi->state = PG_ST_SLAB;
	} else if (bit(hflags, l->pg_lru)) {
		/* The anon LRU lists hold swap-backed pages (shmem included,
		 * as /proc/meminfo counts them); fall back to PAGE_MAPPING_ANON. */
		bool anon = l->pg_swapbacked >= 0 ? bit(hflags, l->pg_swapbacked)
						  : (pl_get(hb, l->o_mapping, 8, be) & 1);
		pi->state = anon ? PG_ST_LRU_ANON : PG_ST_LRU_FILE;
	} else if (bit(pi->flags, l->pg_reserved)) {
		pi->state = PG_ST_RESERVED;
	} else if (has_type(&l->t_offline, pi->mapcount)) {
		pi->state = PG_ST_OFFLINE;
	} else {
		int32_t rc = pi->tail ? (int32_t)pl_get(hb, l->o_refcount, 4, be) : pi->refcount;
		pi->state = rc > 0 ? PG_ST_OTHER_USED : PG_ST_OTHER_FREE;
	}
	return NULL;
}

void pg_emit(vms_out *out, const struct pg_layout *l, const struct pg_info *pi)
{
	char names[512];
	size_t n = 0;

	names[0] = 0;
	/* Above NR_PAGEFLAGS (about 25) the word holds zone/node/section fields. */
	for (int b = 0; b < 26; b++) {
		if (!(pi->flags >> b & 1))
			continue;
		int w = l->names[b] ? snprintf(names + n, sizeof(names) - n, "%s%s", n ? " " : "",
					       l->names[b])
				    : snprintf(names + n, sizeof(names) - n, "%sbit%d", n ? " " : "", b);
		if (w > 0 && (size_t)w < sizeof(names) - n)
			n += (size_t)w;
	}
	vms_out_hex(out, "page", pi->page);
	vms_out_uint(out, "pfn", pi->pfn);
	vms_out_hex(out, "flags_raw", pi->flags);
	vms_out_str(out, "flags", names);
	vms_out_int(out, "refcount", pi->refcount);
	vms_out_int(out, "mapcount", (int64_t)pi->mapcount + 1);	/* as page_mapcount() reports */
	vms_out_hex(out, "mapping", pi->mapping);
	vms_out_hex(out, "private", pi->private_);
	vms_out_str(out, "compound", pi->tail ? "tail" : (pi->have_order ? "head" : "none"));
	if (pi->tail)
		vms_out_hex(out, "compound_head", pi->head);
	if (pi->have_order)
		vms_out_uint(out, "compound_order", pi->order);
	vms_out_bool(out, "buddy", pi->buddy);
	if (pi->buddy)
		vms_out_uint(out, "buddy_order", pi->buddy_order);
	vms_out_bool(out, "slab", pi->state == PG_ST_SLAB);
	vms_out_bool(out, "reserved", bit(pi->flags, l->pg_reserved));
	vms_out_bool(out, "lru", pi->state == PG_ST_LRU_ANON || pi->state == PG_ST_LRU_FILE);
	vms_out_str(out, "state", pg_state_names[pi->state]);
	if (!l->names_from_table)
		vms_out_str(out, "note", "only the flag bits VMCOREINFO exports are named");
}
