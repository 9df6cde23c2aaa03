/* vmscope: the command-line front end.  `vmscope COMMAND ARGS...`; each
 * command parses its own options (cli/cmd-*.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd-decode.h"
#include "cmd-sym.h"
#include "cmd-xlate.h"
#include "config.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "info", vms_cmd_info, "describe a dump: format, arch, memory ranges, pages, CPUs, VMCOREINFO" },
	{ "layout", vms_cmd_layout, "the kernel's memory map in this dump: randomized bases, regions, how each was found" },
	{ "vtop", vms_cmd_vtop, "translate virtual addresses, showing every page-table entry of the walk" },
	{ "ptov", vms_cmd_ptov, "physical address to its direct-map (and kernel-text) addresses; --all for every mapping" },
	{ "region", vms_cmd_region, "which region of the documented memory map an address is in" },
	{ "pfn2page", vms_cmd_pfn2page, "page frame number to the address of its struct page" },
	{ "page2pfn", vms_cmd_page2pfn, "struct page address to its page frame number" },
	{ "xlate", vms_cmd_xlate, "translate a stream of addresses (stdin, one a line) in order: tsv/csv/jsonl, -j N" },
	{ "sym", vms_cmd_sym, "symbol to address and address to symbol+offset (kallsyms, System.map or vmlinux)" },
	{ "struct", vms_cmd_struct, "print a kernel structure at an address, with member names, offsets and values" },
	{ "whatis", vms_cmd_whatis, "the layout of a type: member offsets and sizes, like pahole" },
	{ "ps", vms_cmd_ps, "the task list: pid, parent, state, task address, comm" },
	{ "modules", vms_cmd_modules, "loaded kernel modules: name, size, state, base and the range of each part (needs --vmlinux)" },
	{ "decode", vms_cmd_decode, "decode kernel addresses through the region's plugin (struct page, vmalloc area, symbol...)" },
	{ "dmesg", vms_cmd_dmesg, "the kernel log from the printk ring buffer or log_buf" },
	{ "plugins", vms_cmd_plugins, "list loaded decoder plugins: versions, ABI, regions, commands" },
	{ "run", vms_cmd_run, "run a command a plugin adds (vmscope run CMD DUMP ARGS)" },
	{ "read", vms_cmd_read, "hexdump physical (--phys) or virtual (--virt) memory, naming missing pages" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: vmscope COMMAND [OPTIONS] DUMP... [ARGS]\n"
		"Post-mortem analysis of Linux kernel crash dumps (ELF vmcores and\n"
		"kdump-compressed files, flattened or split).\n\nCommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'vmscope COMMAND --help' describes a command; 'man vmscope' has them all.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vmscope %s\n", PACKAGE_VERSION);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	cli_error("unknown command '%s' (try 'vmscope --help')", argv[1]);
	return CLI_EXIT_USAGE;
}
