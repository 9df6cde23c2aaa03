/* A plugin whose decoder and command fail: the error must reach the user
 * through vms_error, named after the plugin, and not stop other addresses. */
#include <vmscope/plugin.h>

static vms_error *decode(vms_plugin_ctx *ctx, const struct vms_decode_request *req)
{
	(void)ctx;
	return vms_error_create(VMS_ERR_PLUGIN, "deliberate failure at 0x%llx",
				(unsigned long long)req->addr);
}

static vms_error *cmd(vms_plugin_ctx *ctx, int argc, char **argv)
{
	(void)ctx, (void)argc, (void)argv;
	return vms_error_create(VMS_ERR_PLUGIN, "deliberate command failure");
}

static const char *const regions[] = { "fixmap", NULL };
static const struct vms_plugin_command commands[] = {
	{ "always-fails", "fails on purpose", NULL, cmd },
};

static const struct vms_plugin plugin = {
	VMS_PLUGIN_HEADER,
	.name = "always-fails",
	.version = "0",
	.description = "fails on purpose (tests)",
	.regions = regions,
	.decode = decode,
	.commands = commands,
	.ncommands = 1,
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
