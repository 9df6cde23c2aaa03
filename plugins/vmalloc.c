/* vmalloc: the kernel's vmap areas; for an address, the area holding it, its
 * size and its vm_struct flags and caller.  With --summary, every area.
 *
 * Two ways to find the areas and their layout:
 *   - with --vmlinux, the offsets come from its DWARF (struct vmap_area,
 *     struct vm_struct) and the busy areas from vmap_nodes[i].busy.head
 *     (Linux 6.9+, which keeps them per node and dropped vmap_area_list),
 *     else from vmap_area_list;
 *   - without, from VMCOREINFO: SYMBOL(vmap_area_list), OFFSET(vmap_area.
 *     va_start), OFFSET(vmap_area.list).  VMCOREINFO does not export va_end
 *     or the vm_struct; they are taken at the positions every kernel since
 *     2.6.28 (va_end) and 5.4 (vm after list; vm_struct flags at 24, caller
 *     at 56) has used, and reported as assumed. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common.h"

#define MAX_AREAS (1u << 22)	/* bounds the walk of a corrupt list */
#define MAX_NODES 4096u		/* the kernel caps nr_vmap_nodes far lower */
#define MAX_NODE_SIZE (1u << 20)

/* Where the fields are: from DWARF or VMCOREINFO (+ assumptions). */
struct offs {
	uint64_t va_start, va_end, list, vm;	/* struct vmap_area */
	uint64_t vm_addr, vm_flags, vm_caller;	/* struct vm_struct */
	const char *source;
};

struct area {
	uint64_t va, start, end, vm, flags, caller;
	bool have_vm;
};

/* What a walk has seen so far, across lists (one per vmap node). */
struct walk {
	const struct vms_decode_request *req;
	uint64_t n, total;
	bool found;
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

static vms_error *read_area(vms_plugin_ctx *ctx, uint64_t va, const struct offs *o, struct area *a)
{
	vms_error *err;

	memset(a, 0, sizeof(*a));
	a->va = va;
	if ((err = vms_ctx_read_uint(ctx, va + o->va_start, 8, &a->start)) ||
	    (err = vms_ctx_read_uint(ctx, va + o->va_end, 8, &a->end)))
		return err;
	/* vm shares a union with subtree_max_size, which busy areas do not
	 * use; areas of vm_map_ram() have none. */
	if (pl_ok(vms_ctx_read_uint(ctx, va + o->vm, 8, &a->vm)) && a->vm >= 0xff00000000000000ull &&
	    pl_ok(vms_ctx_read_uint(ctx, a->vm + o->vm_flags, 8, &a->flags)) &&
	    pl_ok(vms_ctx_read_uint(ctx, a->vm + o->vm_caller, 8, &a->caller))) {
		uint64_t vaddr = 0;
		/* A real vm_struct points back at the area's start. */
		a->have_vm = pl_ok(vms_ctx_read_uint(ctx, a->vm + o->vm_addr, 8, &vaddr)) &&
			     vaddr == a->start;
	}
	return NULL;
}

/* Walks one list of areas linked through vmap_area.list; node is the vmap
 * node's index (-1 for vmap_area_list).  Stops early once a looked-up
 * address is found. */
static vms_error *walk_list(vms_plugin_ctx *ctx, uint64_t head, const struct offs *o, int node,
			    struct walk *w)
{
	vms_out *out = vms_ctx_out(ctx);
	uint64_t next, mark = head, steps = 0, lap = 1;
	vms_error *err;

	if ((err = vms_ctx_read_uint(ctx, head, 8, &next)))
		return err;
	while (next != head && !w->found) {
		struct area a;
		if (++w->n > MAX_AREAS)
			return vms_error_create(VMS_ERR_CORRUPT, "more than %u vmap areas (a loop in "
						"the list at 0x%" PRIx64 "?)", MAX_AREAS, head);
		if ((err = read_area(ctx, next - o->list, o, &a)))
			return err;
		w->total += a.end - a.start;
		if (w->req->summary) {
			vms_out_object_begin(out, NULL);
			emit_area(ctx, &a);
			if (node >= 0)
				vms_out_uint(out, "node", (uint64_t)node);
			vms_out_object_end(out);
		} else if (w->req->addr >= a.start && w->req->addr < a.end) {
			vms_out_uint(out, "offset", w->req->addr - a.start);
			emit_area(ctx, &a);
			w->found = true;
		}
		if ((err = vms_ctx_read_uint(ctx, next, 8, &next)))
			return err;
		/* A loop that misses the head would run to MAX_AREAS (seconds of
		 * reads): Brent's check sees it within twice its length. */
		if (next == mark && next != head)
			return vms_error_create(VMS_ERR_CORRUPT, "the vmap area list at 0x%" PRIx64
						" loops at 0x%" PRIx64 " without returning to its head",
						head, next);
		if (++steps == lap) {
			mark = next;
			steps = 0;
			lap *= 2;
		}
	}
	return NULL;
}

static vms_error *member_off(const vms_type *t, const char *path, uint64_t *off)
{
	struct vms_member m;
	vms_error *err = vms_type_member_path(t, path, &m);

	if (!err)
		*off = m.offset;
	return err;
}

static vms_error *dwarf_offsets(vms_types *types, struct offs *o)
{
	const vms_type *va, *vm;
	vms_error *err;

	if ((err = vms_type_find(types, "struct vmap_area", &va)) ||
	    (err = vms_type_find(types, "struct vm_struct", &vm)) ||
	    (err = member_off(va, "va_start", &o->va_start)) ||
	    (err = member_off(va, "va_end", &o->va_end)) ||
	    (err = member_off(va, "list", &o->list)) ||
	    (err = member_off(va, "vm", &o->vm)) ||
	    (err = member_off(vm, "addr", &o->vm_addr)) ||
	    (err = member_off(vm, "flags", &o->vm_flags)) ||
	    (err = member_off(vm, "caller", &o->vm_caller)))
		return err;
	o->source = "offsets from the vmlinux's DWARF";
	return NULL;
}

/* Linux 6.9+: nr_vmap_nodes nodes at vmap_nodes, each with its busy
 * areas on busy.head (kept in address order next to the busy.root tree).
 * *walked is false when the kernel has no vmap nodes. */
static vms_error *walk_nodes(vms_plugin_ctx *ctx, vms_types *types, const struct offs *o,
			     struct walk *w, bool *walked)
{
	const vms_type *node_t;
	uint64_t sym_nodes, sym_nr, nodes, nr, node_size, busy;
	vms_error *err;

	*walked = false;
	if (!vms_ctx_symbol(ctx, "vmap_nodes", &sym_nodes))
		return NULL;
	if (!vms_ctx_symbol(ctx, "nr_vmap_nodes", &sym_nr))
		return vms_error_create(VMS_ERR_NOT_FOUND, "vmap_nodes but no nr_vmap_nodes symbol");
	if ((err = vms_type_find(types, "struct vmap_node", &node_t)) ||
	    (err = member_off(node_t, "busy.head", &busy)))
		return err;
	if (!vms_type_size(node_t, &node_size) || !node_size || node_size > MAX_NODE_SIZE)
		return vms_error_create(VMS_ERR_CORRUPT, "struct vmap_node has no plausible size");
	if ((err = vms_ctx_read_uint(ctx, sym_nodes, 8, &nodes)) ||
	    (err = vms_ctx_read_uint(ctx, sym_nr, 4, &nr)))
		return err;
	if (!nr || nr > MAX_NODES)
		return vms_error_create(VMS_ERR_CORRUPT, "nr_vmap_nodes is %" PRIu64 " (1 to %u expected)",
					nr, MAX_NODES);
	*walked = true;
	for (uint64_t i = 0; i < nr && !w->found; i++)
		if ((err = walk_list(ctx, nodes + i * node_size + busy, o, (int)i, w)))
			return err;
	return NULL;
}

static vms_error *vmcoreinfo_offsets(vms_plugin_ctx *ctx, struct offs *o)
{
	int64_t o_start, o_list;
	vms_error *err;

	if ((err = vms_ctx_vmcoreinfo(ctx, "OFFSET", "vmap_area.va_start", &o_start)) ||
	    (err = vms_ctx_vmcoreinfo(ctx, "OFFSET", "vmap_area.list", &o_list)))
		return err;
	if (o_start < 0 || o_start > 4096 || o_list < 0 || o_list > 4096)
		return vms_error_create(VMS_ERR_CORRUPT, "implausible vmap_area offsets");
	*o = (struct offs){
		.va_start = (uint64_t)o_start, .va_end = (uint64_t)o_start + 8,
		.list = (uint64_t)o_list, .vm = (uint64_t)o_list + 16,
		.vm_addr = 8, .vm_flags = 24, .vm_caller = 56,
		.source = "va_end after va_start; vm after list; vm_struct flags@24 caller@56",
	};
	return NULL;
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_out *out = vms_ctx_out(ctx);
	const vms_symtab *st = vms_ctx_symtab(ctx);
	const char *vmlinux = st ? vms_symtab_vmlinux(st) : NULL;
	vms_types *types = NULL;
	struct walk w = { .req = req };
	struct offs o;
	uint64_t head;
	bool walked = false;
	vms_error *err;

	if (vmlinux) {
		if ((err = vms_types_open(vmlinux, &types)))
			return err;
		err = dwarf_offsets(types, &o);
	} else if (!vms_ctx_symbol(ctx, "vmap_area_list", &head)) {
		return vms_error_create(VMS_ERR_NOT_FOUND, "no SYMBOL(vmap_area_list) in VMCOREINFO or "
					"symbols (Linux 6.9+ keeps vmap areas per node: give --vmlinux)");
	} else {
		err = vmcoreinfo_offsets(ctx, &o);
	}
	if (err)
		goto done;
	if (req->summary)
		vms_out_array_begin(out, "areas");
	if (types)
		err = walk_nodes(ctx, types, &o, &w, &walked);
	if (!err && !walked) {
		if (vms_ctx_symbol(ctx, "vmap_area_list", &head))
			err = walk_list(ctx, head, &o, -1, &w);
		else
			err = vms_error_create(VMS_ERR_NOT_FOUND, "neither vmap_nodes nor vmap_area_list "
					       "in the symbols");
	}
	if (req->summary) {
		vms_out_array_end(out);
		vms_out_uint(out, "count", w.n);
		vms_out_uint(out, "total_size", w.total);
	} else if (!err && !w.found) {
		vms_out_str(out, "area", "none (free vmalloc space, or a guard page)");
	}
	if (!err)
		vms_out_str(out, types ? "layout" : "assumed", o.source);
done:
	vms_types_free(types);
	return err;
}

static const char *const regions[] = { "vmalloc", NULL };

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "vmalloc",
	.version = "1.1",
	.description = "vmap areas (vmap_area_list, or vmap_nodes with --vmlinux): the area of an "
		       "address, or all (--summary)",
	.regions = regions,
	.decode = decode,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
