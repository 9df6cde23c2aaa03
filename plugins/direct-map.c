/* direct-map: for an address of the kernel's linear map of physical memory,
 * the physical address, the pfn, its struct page (decoded as the vmemmap
 * plugin does) and whether the dump holds the page or left it out. */
#include <inttypes.h>

#include "common.h"
#include "page.h"

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_layout *lay = vms_ctx_layout(ctx);
	const struct vms_layout_value *pob = vms_layout_get(lay, VMS_LK_PAGE_OFFSET_BASE);
	vms_out *out = vms_ctx_out(ctx);
	uint32_t ps = vms_dump_page_size(vms_ctx_dump(ctx));
	enum vms_page_status st;
	struct pg_layout l;
	struct pg_info pi;
	uint64_t pa, pfn, page, tpa;
	vms_error *err;

	if (!pob->known)
		return vms_error_create(VMS_ERR_NOT_FOUND, "the direct-map base is not known");
	pa = req->addr - pob->value;
	/* arm64's linear map starts at PHYS_OFFSET, not PA 0: take the offset
	 * from where ptov puts the dump's first page. */
	if (vms_layout_arch(lay) != VMS_ARCH_X86_64 && vms_dump_nranges(vms_ctx_dump(ctx))) {
		uint64_t pa0 = vms_dump_ranges(vms_ctx_dump(ctx))[0].start;
		struct vms_ptov pv;
		if ((err = vms_ptov(lay, pa0, &pv)))
			return err;
		if (!pv.have_direct)
			return vms_error_create(VMS_ERR_NOT_FOUND, "the linear map's offset is not known "
						"(PA 0x%" PRIx64 " has no linear address)", pa0);
		pa = req->addr - (pv.direct - pa0);
	}
	pfn = pa / ps;
	vms_out_hex(out, "physical", pa);
	vms_out_uint(out, "pfn", pfn);
	/* The page tables are the authority: the direct map can have holes. */
	if ((err = vms_ctx_page_status(ctx, req->addr, &tpa, &st))) {
		vms_out_str(out, "mapped", vms_error_message(err));
		vms_error_free(err);
		if ((err = vms_dump_page_status(vms_ctx_dump(ctx), pa, &st)))
			return err;
	} else if (tpa != pa) {
		vms_out_hex(out, "page_tables_say", tpa);
	}
	vms_out_str(out, "in_dump", vms_page_status_name(st));
	if ((err = vms_pfn_to_page(lay, pfn, &page)))
		return err;
	vms_out_object_begin(out, "struct_page");
	if ((err = pg_layout_load(ctx, &l)) || (err = pg_decode(ctx, &l, page, pfn, NULL, &pi))) {
		vms_out_hex(out, "page", page);
		vms_out_str(out, "error", vms_error_message(err));
		vms_error_free(err);
	} else {
		pg_emit(out, &l, &pi);
	}
	vms_out_object_end(out);
	return NULL;
}

/* direct-map is x86_64's name, linear-map arm64's. */
static const char *const regions[] = { "direct-map", "linear-map", NULL };

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "direct-map",
	.version = "1.0",
	.description = "physical address, pfn, struct page and dump status of a direct-map address",
	.regions = regions,
	.decode = decode,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
