/* A plugin built for an ABI version this vmscope does not know: the host
 * must refuse it with a clear message and carry on. */
#include <vmscope/plugin.h>

static const struct vms_plugin plugin = {
	VMS_PLUGIN_ABI_VERSION + 41, sizeof(struct vms_plugin) + 64,
	.name = "from-the-future",
	.version = "99",
	.description = "needs a newer vmscope",
};

const struct vms_plugin *vms_plugin_entry(void)
{
	return &plugin;
}
