/* vmscope decode, plugins, dmesg, run: the commands served by plugins
 * (include/vmscope/plugin.h). */
#ifndef VMS_CLI_CMD_DECODE_H
#define VMS_CLI_CMD_DECODE_H

int vms_cmd_decode(int argc, char **argv);
int vms_cmd_plugins(int argc, char **argv);
int vms_cmd_dmesg(int argc, char **argv);
/* `vmscope run CMD DUMP ARGS...`: a command a plugin adds. */
int vms_cmd_run(int argc, char **argv);

#endif
