/* vmemmap: the struct page at an address of the vmemmap region (or of a pfn:
 * `vmscope decode --pfn`), and with --summary the count of pages by state
 * over a pfn range, like crash's `kmem -p` / `kmem -f` figures. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "page.h"

/* Struct pages are read in batches of this many (one 4 KiB page of them
 * for a 64-byte struct page). */
#define BATCH 64

static vms_error *page_of(vms_plugin_ctx *ctx, const struct pg_layout *l, uint64_t addr,
			  uint64_t *page, uint64_t *pfn)
{
	uint64_t base;
	vms_error *err = vms_pfn_to_page(vms_ctx_layout(ctx), 0, &base);

	if (err)
		return err;
	if (addr < base)
		return vms_error_create(VMS_ERR_INVALID, "0x%" PRIx64 " is below vmemmap (0x%" PRIx64 ")",
					addr, base);
	*pfn = (addr - base) / l->size;
	*page = base + *pfn * l->size;
	return NULL;
}

/* The pfns the dump covers: from its first to its last physical range. */
static void dump_pfn_range(vms_plugin_ctx *ctx, uint64_t *first, uint64_t *end)
{
	vms_dump *d = vms_ctx_dump(ctx);
	size_t n = vms_dump_nranges(d);
	const struct vms_range *r = vms_dump_ranges(d);
	uint32_t ps = vms_dump_page_size(d);

	*first = n ? r[0].start / ps : 0;
	*end = n ? (r[n - 1].end + ps - 1) / ps : 0;
}

static vms_error *summary(vms_plugin_ctx *ctx, const struct pg_layout *l,
			  const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	uint64_t counts[PG_ST__COUNT] = { 0 }, first, end, page0, unreadable = 0, skip = 0;
	uint64_t buddy_blocks = 0, heads = 0, tails = 0;
	uint8_t *buf = malloc(BATCH * l->size);
	vms_error *err;

	if (!buf)
		return vms_error_create(VMS_ERR_NOMEM, "out of memory");
	if (req->count) {
		if ((err = page_of(ctx, l, req->addr, &page0, &first)))
			goto out;
		end = first + req->count < first ? UINT64_MAX : first + req->count;
	} else {
		dump_pfn_range(ctx, &first, &end);
	}
	for (uint64_t pfn = first; pfn < end;) {
		uint64_t n = end - pfn < BATCH ? end - pfn : BATCH, page;
		bool batch_ok;

		if ((err = vms_pfn_to_page(vms_ctx_layout(ctx), pfn, &page)))
			goto out;
		/* One read for the batch; page by page if part of it is missing
		 * (holes in vmemmap are not mapped). */
		vms_error *e = vms_ctx_read_virt(ctx, page, buf, n * l->size, 0);
		batch_ok = !e;
		vms_error_free(e);
		for (uint64_t i = 0; i < n; i++, pfn++) {
			struct pg_info pi;
			const uint8_t *raw = batch_ok ? buf + i * l->size : NULL;

			if (skip) {	/* inside a free buddy block */
				skip--;
				counts[PG_ST_FREE]++;
				continue;
			}
			if ((e = pg_decode(ctx, l, page + i * l->size, pfn, raw, &pi))) {
				vms_error_free(e);
				unreadable++;
				continue;
			}
			counts[pi.state]++;
			if (pi.tail)
				tails++;
			else if (pi.have_order)
				heads++;
			if (pi.buddy) {
				buddy_blocks++;
				if (pi.buddy_order < 20)
					skip = (1ull << pi.buddy_order) - 1;
			}
		}
	}
	vms_out_object_begin(out, "summary");
	vms_out_uint(out, "first_pfn", first);
	vms_out_uint(out, "end_pfn", end);
	vms_out_uint(out, "pages", end - first);
	for (int s = 0; s < PG_ST__COUNT; s++)
		vms_out_uint(out, pg_state_names[s], counts[s]);
	vms_out_uint(out, "unreadable", unreadable);
	vms_out_uint(out, "buddy_blocks", buddy_blocks);
	vms_out_uint(out, "compound_heads", heads);
	vms_out_uint(out, "compound_tails", tails);
	vms_out_object_end(out);
	err = NULL;
out:
	free(buf);
	return err;
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	struct pg_layout l;
	struct pg_info pi;
	uint64_t page, pfn;
	vms_error *err;

	if ((err = pg_layout_load(ctx, &l)))
		return err;
	if (req->summary)
		return summary(ctx, &l, req);
	if ((err = page_of(ctx, &l, req->addr, &page, &pfn)))
		return err;
	if ((err = pg_decode(ctx, &l, page, pfn, NULL, &pi)))
		return err;
	if (page != req->addr)
		vms_out_uint(vms_ctx_out(ctx), "offset_in_page_struct", req->addr - page);
	pg_emit(vms_ctx_out(ctx), &l, &pi);
	return NULL;
}

static const char *const regions[] = { "vmemmap", NULL };

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "vmemmap",
	.version = "1.0",
	.description = "struct page: flags, counts, mapping, compound, buddy/slab/reserved/LRU; --summary",
	.regions = regions,
	.decode = decode,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
