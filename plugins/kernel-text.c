/* kernel-text: symbol+offset for addresses of the kernel image and of
 * modules, through the symbols layer (include/vmscope/symbols.h): the
 * kallsyms tables the dump carries (VMCOREINFO, Linux 6.0+), or a System.map
 * or vmlinux given with --system-map / --vmlinux.  `vmscope run ksym DUMP
 * NAME...` goes the other way, from names to addresses. */
#include <inttypes.h>

#include "common.h"

static vms_error *need_symtab(vms_plugin_ctx *ctx, const vms_symtab **st)
{
	if (!(*st = vms_ctx_symtab(ctx)))
		return vms_error_create(VMS_ERR_NOT_FOUND, "no symbols: %s", vms_ctx_symtab_error(ctx));
	return NULL;
}

static void emit_symbol(vms_out *out, const vms_symtab *st, const struct vms_symbol *s,
			uint64_t off)
{
	vms_out_str(out, "symbol", s->name);
	vms_out_hex(out, "symbol_address", s->addr);
	vms_out_hex(out, "offset", off);
	vms_out_hex(out, "size", s->size);
	vms_out_strf(out, "type", "%c", s->type);
	vms_out_strf(out, "where", "%s+0x%" PRIx64 "/0x%" PRIx64, s->name, off, s->size);
	vms_out_str(out, "source", vms_symtab_source_name(vms_symtab_source(st)));
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	const vms_symtab *st;
	const struct vms_symbol *s;
	uint64_t off;
	vms_error *err = need_symtab(ctx, &st);

	if (err)
		return err;
	if (!(s = vms_symbol_by_addr(st, req->addr, &off)))
		return vms_error_create(VMS_ERR_NOT_FOUND, "0x%" PRIx64 " is not inside any symbol",
					req->addr);
	emit_symbol(vms_ctx_out(ctx), st, s, off);
	return NULL;
}

static vms_error *cmd_ksym(vms_plugin_ctx *ctx, int argc, char **argv)
{
	vms_out *out = vms_ctx_out(ctx);
	const vms_symtab *st;
	vms_error *err = need_symtab(ctx, &st);

	if (err)
		return err;
	if (argc < 2)
		return vms_error_create(VMS_ERR_INVALID, "no symbol name given");
	vms_out_array_begin(out, "symbols");
	for (int i = 1; i < argc; i++) {
		const struct vms_symbol *s = vms_symbol_by_name(st, argv[i]);
		vms_out_object_begin(out, NULL);
		if (s) {
			emit_symbol(out, st, s, 0);
		} else {
			vms_out_str(out, "symbol", argv[i]);
			vms_out_str(out, "error", "not found");
			err = vms_error_create(VMS_ERR_NOT_FOUND, "no symbol '%s'", argv[i]);
		}
		vms_out_object_end(out);
		if (err)
			break;
	}
	vms_out_array_end(out);
	return err;
}

/* kernel-text is x86_64's name for the image, kernel-image arm64's. */
static const char *const regions[] = { "kernel-text", "kernel-image", "modules", NULL };
static const struct vms_plugin_command commands[] = {
	{ "ksym", "symbol names to addresses", NULL, cmd_ksym },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "kernel-text",
	.version = "1.0",
	.description = "symbol+offset from kallsyms in the dump, a System.map or a vmlinux",
	.regions = regions,
	.decode = decode,
	.commands = commands,
	.ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
