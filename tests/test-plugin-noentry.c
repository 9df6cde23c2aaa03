/* A shared object without the vms_plugin_entry symbol. */
#include <vmscope/plugin.h>

VMS_EXPORT int vms_not_a_plugin(void);
int vms_not_a_plugin(void)
{
	return 42;
}
