/* The direct-map plugin compiled into the fuzz harness (fuzz-vmcore.c) under its
 * own entry name: every plugin exports vms_plugin_entry, so each one gets a
 * translation unit of its own. */
#define vms_plugin_entry fuzz_plugin_entry_direct_map
#include "../../plugins/direct-map.c"
