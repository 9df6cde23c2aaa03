/* vmscope — post-mortem analysis of Linux kernel crash dumps.  Umbrella header. */
#ifndef VMSCOPE_VMSCOPE_H
#define VMSCOPE_VMSCOPE_H

#include <vmscope/error.h>
#include <vmscope/dump.h>
#include <vmscope/analyzer.h>

#define VMSCOPE_VERSION_MAJOR 0
#define VMSCOPE_VERSION_MINOR 1

#endif
