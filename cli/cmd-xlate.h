/* vmscope xlate: batch address translation (cli/cmd-xlate.c). */
#ifndef VMS_CMD_XLATE_H
#define VMS_CMD_XLATE_H

int vms_cmd_xlate(int argc, char **argv);

#endif
