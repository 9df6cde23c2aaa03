/* vmalloc: the kernel's vmap areas, walked from vmap_area_list through the
 * offsets VMCOREINFO exports (SYMBOL(vmap_area_list), OFFSET(vmap_area.
 * va_start), OFFSET(vmap_area.list)); for an address, the area holding it,
 * its size and its vm_struct flags and caller.  With --summary, every area.
 *
 * VMCOREINFO does not export va_end or the vm_struct; they are taken at the
 * positions every kernel since 2.6.28 (va_end) and 5.4 (vm after list;
 * vm_struct flags at 24, caller at 56) has used, and reported as assumed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define MAX_AREAS (1u << 22)	/* bounds the walk of a corrupt list */

struct area {
	uint64_t va, start, end, vm, flags, size, caller;
	bool have_vm;
};

static const char *const vm_flag_names[] = {
	"ioremap", "alloc", "map", "usermap", "dma_coherent", "uninitialized",
	"no_guard", "kasan", "flush_reset_perms", "map_put_pages",
};

static void emit_area(vms_plugin_ctx *ctx, const struct area *a)
{
	vms_out *out = vms_ctx_out(ctx);
	char names[256];
	size_t n = 0;

	vms_out_hex(out, "start", a->start);
	vms_out_hex(out, "end", a->end);
	vms_out_uint(out, "size", a->end - a->start);
	vms_out_hex(out, "vmap_area", a->va);
	if (!a->have_vm)
		return;
	names[0] = 0;
	for (unsigned b = 0; b < 16; b++) {
		int w;
		if (!(a->flags >> b & 1))
			continue;
		w = b < sizeof(vm_flag_names) / sizeof(vm_flag_names[0])
			    ? snprintf(names + n, sizeof(names) - n, "%s%s", n ? " " : "", vm_flag_names[b])
			    : snprintf(names + n, sizeof(names) - n, "%sbit%u", n ? " " : "", b);
		if (w > 0 && (size_t)w < sizeof(names) - n)
			n += (size_t)w;
	}
	vms_out_hex(out, "vm_struct", a->vm);
	vms_out_hex(out, "flags_raw", a->flags);
	vms_out_str(out, "flags", names);
	vms_out_hex(out, "caller", a->caller);
	const vms_symtab *st = vms_ctx_symtab(ctx);
	uint64_t off;
	const struct vms_symbol *s = st ? vms_symbol_by_addr(st, a->caller, &off) : NULL;
	if (s)
		vms_out_strf(out, "caller_symbol", "%s+0x%" PRIx64, s->name, off);
}

static vms_error *read_area(vms_plugin_ctx *ctx, uint64_t va, uint64_t o_start, uint64_t o_list,
			    struct area *a)
{
	vms_error *err;

	memset(a, 0, sizeof(*a));
	a->va = va;
	if ((err = vms_ctx_read_uint(ctx, va + o_start, 8, &a->start)) ||
	    (err = vms_ctx_read_uint(ctx, va + o_start + 8, 8, &a->end)))
		return err;
	/* The vm pointer (a union with subtree_max_size, which busy areas do
	 * not use) follows the list head. */
	if (!vms_ctx_read_uint(ctx, va + o_list + 16, 8, &a->vm) && a->vm >= 0xff00000000000000ull &&
	    !vms_ctx_read_uint(ctx, a->vm + 24, 8, &a->flags) &&
	    !vms_ctx_read_uint(ctx, a->vm + 56, 8, &a->caller)) {
		uint64_t vaddr = 0;
		/* A real vm_struct points back at the area's start. */
		a->have_vm = !vms_ctx_read_uint(ctx, a->vm + 8, 8, &vaddr) && vaddr == a->start;
	}
	return NULL;
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	int64_t o_start, o_list;
	uint64_t head, next, n = 0, total = 0;
	bool found = false;
	vms_error *err;

	if (!vms_ctx_symbol(ctx, "vmap_area_list", &head))
		return vms_error_create(VMS_ERR_NOT_FOUND, "no SYMBOL(vmap_area_list) in VMCOREINFO or symbols");
	if ((err = vms_ctx_vmcoreinfo(ctx, "OFFSET", "vmap_area.va_start", &o_start)) ||
	    (err = vms_ctx_vmcoreinfo(ctx, "OFFSET", "vmap_area.list", &o_list)))
		return err;
	if (o_start < 0 || o_start > 4096 || o_list < 0 || o_list > 4096)
		return vms_error_create(VMS_ERR_CORRUPT, "implausible vmap_area offsets");
	if (req->summary)
		vms_out_array_begin(out, "areas");
	if ((err = vms_ctx_read_uint(ctx, head, 8, &next)))
		goto out;
	while (next != head) {
		struct area a;
		if (++n > MAX_AREAS) {
			err = vms_error_create(VMS_ERR_CORRUPT, "vmap_area_list has more than %u entries "
					       "(a loop?)", MAX_AREAS);
			goto out;
		}
		if ((err = read_area(ctx, next - (uint64_t)o_list, (uint64_t)o_start, (uint64_t)o_list, &a)))
			goto out;
		total += a.end - a.start;
		if (req->summary) {
			vms_out_object_begin(out, NULL);
			emit_area(ctx, &a);
			vms_out_object_end(out);
		} else if (req->addr >= a.start && req->addr < a.end) {
			vms_out_uint(out, "offset", req->addr - a.start);
			emit_area(ctx, &a);
			found = true;
			break;
		}
		if ((err = vms_ctx_read_uint(ctx, next, 8, &next)))
			goto out;
	}
out:
	if (req->summary) {
		vms_out_array_end(out);
		vms_out_uint(out, "count", n);
		vms_out_uint(out, "total_size", total);
	} else if (!err && !found) {
		vms_out_str(out, "area", "none (free vmalloc space, or a guard page)");
	}
	if (!err)
		vms_out_str(out, "assumed", "va_end after va_start; vm after list; vm_struct flags@24 caller@56");
	return err;
}

static const char *const regions[] = { "vmalloc", NULL };

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "vmalloc",
	.version = "1.0",
	.description = "vmap areas from vmap_area_list: the area of an address, or all (--summary)",
	.regions = regions,
	.decode = decode,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
