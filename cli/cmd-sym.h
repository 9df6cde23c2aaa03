/* vmscope sym, struct, whatis, ps, modules: commands on kernel symbols and types
 * (cli/cmd-sym.c, include/vmscope/symbols.h). */
#ifndef VMS_CMD_SYM_H
#define VMS_CMD_SYM_H

int vms_cmd_sym(int argc, char **argv);
int vms_cmd_struct(int argc, char **argv);
int vms_cmd_whatis(int argc, char **argv);
int vms_cmd_ps(int argc, char **argv);
int vms_cmd_modules(int argc, char **argv);

/* layout --verify (called from cli/cmd-analyze.c): reads the layout's bases
 * from kernel variables found through the symbols and prints one line per
 * value; returns the exit status. */
#include <stdbool.h>
#include <vmscope/analyzer.h>
int vms_layout_verify(vms_layout *layout, const char *vmlinux, const char *sysmap, bool json);

#endif
