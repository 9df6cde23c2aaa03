/* hello-plugin: an out-of-tree vmscope plugin.  It adds `vmscope run hello`,
 * which prints the kernel release and the page size of a dump, and decodes
 * "fixmap" addresses by telling their offset in the region.
 * Build: make (uses pkg-config vmscope).  Run: vmscope run --plugin ./hello.so hello DUMP */
#include <vmscope/plugin.h>

static vms_error *hello(vms_plugin_ctx *ctx, int argc, char **argv)
{
	vms_dump *dump = vms_ctx_dump(ctx);
	const char *release = vms_dump_vmcoreinfo_get(dump, "OSRELEASE");

	(void)argc, (void)argv;
	vms_out_str(vms_ctx_out(ctx), "greeting", "hello from a plugin");
	vms_out_str(vms_ctx_out(ctx), "release", release ? release : "unknown");
	vms_out_uint(vms_ctx_out(ctx), "page_size", vms_dump_page_size(dump));
	return NULL;
}

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	vms_out_hex(vms_ctx_out(ctx), "offset_in_region", req->addr - req->region_start);
	return NULL;
}

static const char *const regions[] = { "fixmap", NULL };
static const struct vms_plugin_command commands[] = {
	{ "hello", "say hello and name the kernel", NULL, hello },
};
static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER, .name = "hello", .version = "1.0",
	.description = "example out-of-tree plugin", .regions = regions,
	.decode = decode, .commands = commands, .ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void) { return &plugin; }
