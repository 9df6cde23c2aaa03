/* Shared pieces of the vmscope command: option handling, opening a dump,
 * error reporting.  Each command lives in its own cli/cmd-*.c file. */
#ifndef VMS_CLI_H
#define VMS_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <vmscope/vmscope.h>
#include <vmscope/symbols.h>

/* Options every command that opens a dump understands. */
struct cli_common {
	bool json;
	bool help;
	bool no_vmcoreinfo;
	enum vms_reader_kind reader;
};

enum {
	CLI_OPT_JSON = 0x1000,
	CLI_OPT_READER,
	CLI_OPT_NO_VMCOREINFO,
	CLI_OPT_HELP,
	CLI_OPT_FIRST_COMMAND_SPECIFIC = 0x1100,
};

#define CLI_COMMON_LONG_OPTIONS                                         \
	{ "json", no_argument, NULL, CLI_OPT_JSON },                    \
	{ "reader", required_argument, NULL, CLI_OPT_READER },          \
	{ "no-vmcoreinfo", no_argument, NULL, CLI_OPT_NO_VMCOREINFO },  \
	{ "help", no_argument, NULL, CLI_OPT_HELP }

#define CLI_COMMON_HELP                                                                 \
	"      --json             machine-readable output (addresses as \"0x...\" strings)\n" \
	"      --reader=KIND      auto (default: native readers, libkdumpfile for other\n" \
	"                         formats), native, or libkdumpfile\n"             \
	"      --no-vmcoreinfo    ignore the dump's VMCOREINFO (to test detection without it)\n" \
	"      --help             show this help\n"

/* Handles a common option; returns false for anything else (then the
 * command handles it or reports a usage error).  Sets *bad on a bad value. */
bool cli_common_option(int opt, const char *arg, struct cli_common *c, bool *bad);

/* Prints "vmscope: MESSAGE" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the error's message and frees it; returns the exit status to use. */
int cli_fail(vms_error *err);
/* A usage error: message, then "try 'vmscope CMD --help'".  Returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Opens the dump made of paths[0..n-1] with the common options. */
vms_error *cli_open(char **paths, size_t n, const struct cli_common *c, vms_dump **out);

/* Parses an address: hex, with or without 0x (as crash does). */
bool cli_parse_addr(const char *s, uint64_t *out);
/* An address argument of a command that takes kernel virtual addresses:
 * a hex number as cli_parse_addr() reads it, else a symbol with an
 * optional hex offset (jiffies, init_task+0x10, _end-8), looked up in
 * *symtab, which is loaded from the dump's kallsyms on first need (and
 * freed by the caller).  A name made only of hex digits is read as a
 * number; write NAME+0 for the symbol. */
vms_error *cli_resolve_addr(vms_layout *layout, vms_symtab **symtab, const char *s,
			    uint64_t *out);
/* Parses a count or length: decimal, or hex with 0x. */
bool cli_parse_size(const char *s, uint64_t *out);

/* Exit statuses: 0 ok, 1 a requested answer failed, 2 usage error. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2 };

/* The commands. */
int vms_cmd_info(int argc, char **argv);
int vms_cmd_read(int argc, char **argv);
/* cli/cmd-analyze.c */
int vms_cmd_layout(int argc, char **argv);
int vms_cmd_vtop(int argc, char **argv);
int vms_cmd_ptov(int argc, char **argv);
int vms_cmd_region(int argc, char **argv);
int vms_cmd_pfn2page(int argc, char **argv);
int vms_cmd_page2pfn(int argc, char **argv);
int vms_cmd_read_virt(int argc, char **argv);

#endif
