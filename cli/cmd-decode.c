/* vmscope decode, plugins, dmesg, run: the commands that go through plugins.
 *
 * Every decoder is a plugin loaded with dlopen() (include/vmscope/plugin.h):
 * the built-in ones from the installed plugin directory, others from
 * $VMSCOPE_PLUGIN_PATH and --plugin FILE.  A plugin that fails to load is
 * reported as a warning and the rest carry on. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vmscope/plugin.h>
#include <vmscope/symbols.h>
#include "cli.h"
#include "cmd-decode.h"

enum {
	OPT_PLUGIN = CLI_OPT_FIRST_COMMAND_SPECIFIC + 0x80,
	OPT_NO_DEFAULT,
	OPT_VMLINUX,
	OPT_SYSTEM_MAP,
	OPT_SUMMARY,
	OPT_COUNT,
	OPT_PFN,
};

#define PLUGIN_HELP                                                                          \
	"      --plugin=FILE      load this plugin too (repeatable; before the default ones)\n" \
	"      --no-default-plugins  load only --plugin files\n"

#define SYMBOL_HELP                                                                          \
	"      --vmlinux=FILE     symbols from this vmlinux (default: kallsyms in the dump); with\n" \
	"                         debug info, also what the dump's VMCOREINFO lacks\n"          \
	"      --system-map=FILE  symbols from this System.map\n"

struct dc_cmd {
	const char *name;
	const char *help;
	struct cli_common c;
	const char **plugins;	/* --plugin files */
	size_t nplugins;
	bool no_default;
	const char *vmlinux, *system_map;
	bool summary, by_pfn;
	uint64_t count;
	char **files;
	size_t nfiles;
	char **args;
	size_t nargs;
	vms_plugin_host *host;
	unsigned int load_failures;
	vms_dump *dump;
	vms_layout *layout;
	vms_symtab *symtab;
	char *symtab_error;
	vms_out *out;
	vms_plugin_ctx *ctx;
};

static bool is_file(const char *s)
{
	struct stat st;
	return stat(s, &st) == 0 && S_ISREG(st.st_mode);
}

static void warn_load(void *arg, const char *msg)
{
	struct dc_cmd *d = arg;

	d->load_failures++;
	cli_error("warning: %s", msg);
}

/* Parses options; with dump, splits positional arguments into dump files and
 * the rest.  Returns -1 to go on, else the exit status. */
static int dc_parse(struct dc_cmd *d, int argc, char **argv, bool dump)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "plugin", required_argument, NULL, OPT_PLUGIN },
		{ "no-default-plugins", no_argument, NULL, OPT_NO_DEFAULT },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "system-map", required_argument, NULL, OPT_SYSTEM_MAP },
		{ "summary", no_argument, NULL, OPT_SUMMARY },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "pfn", no_argument, NULL, OPT_PFN },
		{ NULL, 0, NULL, 0 },
	};
	bool bad = false, is_decode = !strcmp(d->name, "decode");
	int opt;

	/* argv[0] is the command; "+" stops at the first positional argument
	 * only for `run`, whose plugin parses what follows itself. */
	optind = 1;
	while ((opt = getopt_long(argc, argv, !strcmp(d->name, "run") ? "+" : "", longopts,
				  NULL)) != -1) {
		if (cli_common_option(opt, optarg, &d->c, &bad))
			continue;
		switch (opt) {
		case OPT_PLUGIN: {
			const char **p = realloc(d->plugins, (d->nplugins + 1) * sizeof(*p));
			if (!p) {
				cli_error("out of memory");
				return CLI_EXIT_FAIL;
			}
			d->plugins = p;
			d->plugins[d->nplugins++] = optarg;
			break;
		}
		case OPT_NO_DEFAULT: d->no_default = true; break;
		case OPT_VMLINUX: d->vmlinux = optarg; break;
		case OPT_SYSTEM_MAP: d->system_map = optarg; break;
		case OPT_SUMMARY:
		case OPT_PFN:
			if (!is_decode)
				return cli_usage(d->name, "--summary and --pfn are for decode");
			if (opt == OPT_SUMMARY)
				d->summary = true;
			else
				d->by_pfn = true;
			break;
		case OPT_COUNT:
			if (!is_decode || !cli_parse_size(optarg, &d->count))
				return cli_usage(d->name, "bad --count '%s'", optarg);
			break;
		default: return cli_usage(d->name, "bad option");
		}
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (d->vmlinux && d->system_map)
		return cli_usage(d->name, "give --vmlinux or --system-map, not both");
	if (d->c.help && d->help) {
		fputs(d->help, stdout);
		return CLI_EXIT_OK;
	}
	d->files = argv + optind;
	while (dump && optind < argc && is_file(argv[optind])) {
		optind++;
		d->nfiles++;
	}
	d->args = argv + optind;
	d->nargs = (size_t)(argc - optind);
	if (dump && !d->nfiles)
		return cli_usage(d->name, argc > optind ? "'%s' is not a file" : "no dump file given",
				 argc > optind ? argv[optind] : "");
	return -1;
}

/* --plugin files first, so they win over same-named default plugins. */
static int dc_load_plugins(struct dc_cmd *d)
{
	vms_error *err = vms_plugin_host_new(&d->host);

	if (err)
		return cli_fail(err);
	for (size_t i = 0; i < d->nplugins; i++)
		if ((err = vms_plugin_host_load(d->host, d->plugins[i])))
			warn_load(d, vms_error_message(err)), vms_error_free(err);
	if (!d->no_default)
		vms_plugin_host_load_default(d->host, warn_load, d);
	return -1;
}

/* Symbols are loaded when asked for, or when an address needs them; a
 * failure is not fatal (decoders say what they could not do). */
static void dc_open_symbols(struct dc_cmd *d)
{
	struct vms_symtab_options o = VMS_SYMTAB_OPTIONS_INIT;
	vms_error *err;

	if (d->symtab || d->symtab_error)
		return;
	o.vmlinux = d->vmlinux;
	o.system_map = d->system_map;
	err = vms_symtab_open(d->layout, &o, &d->symtab);
	if (err) {
		d->symtab_error = strdup(vms_error_message(err));
		vms_error_free(err);
	}
}

static int dc_open(struct dc_cmd *d, bool symbols)
{
	struct vms_detect_options o = VMS_DETECT_OPTIONS_INIT;
	vms_error *err = cli_open(d->files, d->nfiles, &d->c, &d->dump);

	if (err)
		return cli_fail(err);
	o.ignore_vmcoreinfo = d->c.no_vmcoreinfo;
	if ((err = vms_layout_detect(d->dump, &o, &d->layout)))
		return cli_fail(err);
	if (symbols || d->vmlinux || d->system_map)
		dc_open_symbols(d);
	if ((err = vms_out_new(stdout, d->c.json, &d->out)))
		return cli_fail(err);
	err = vms_plugin_ctx_new(d->dump, d->layout, d->symtab, d->symtab_error, d->out, &d->ctx);
	if (err)
		return cli_fail(err);
	return -1;
}

/* The VMCOREINFO values the plugins took from the vmlinux because the dump
 * lacked them: each with its source in JSON, a one-line note in text (the
 * text output, a log or a decode, stays as it is). */
static void dc_report_derived(struct dc_cmd *d)
{
	size_t n = d->ctx ? vms_ctx_derived_count(d->ctx) : 0;
	const char *key, *value, *how;

	if (!n)
		return;
	if (!d->c.json) {
		size_t len;
		bool none = !vms_dump_vmcoreinfo(d->dump, &len) || !len;
		cli_error("note: %s %s VMCOREINFO: %zu value%s came from %s (--json lists each with its source)",
			  d->files[0], none ? "has no" : "lacks part of its", n, n == 1 ? "" : "s",
			  d->vmlinux);
		return;
	}
	vms_out_array_begin(d->out, "vmcoreinfo_from_vmlinux");
	for (size_t i = 0; vms_ctx_derived(d->ctx, i, &key, &value, &how); i++) {
		vms_out_object_begin(d->out, NULL);
		vms_out_str(d->out, "key", key);
		vms_out_str(d->out, "value", value);
		vms_out_str(d->out, "how", how);
		vms_out_object_end(d->out);
	}
	vms_out_array_end(d->out);
}

/* After a failure: a dump without VMCOREINFO needs the vmlinux, and a
 * vmlinux that cannot stand in for it says why (plugins that only test for
 * a symbol cannot).  SIZE(page) probes it: every kernel has struct page. */
static void dc_hint(struct dc_cmd *d)
{
	size_t len;
	int64_t v;
	vms_error *err;

	if (!d->dump || (vms_dump_vmcoreinfo(d->dump, &len) && len))
		return;
	if (!d->vmlinux) {
		cli_error("no VMCOREINFO in %s: give --vmlinux with debug info", d->files[0]);
		return;
	}
	if (d->ctx && (err = vms_ctx_vmcoreinfo(d->ctx, "SIZE", "page", &v))) {
		cli_error("no VMCOREINFO in %s, and %s cannot stand in for it: %s", d->files[0],
			  d->vmlinux, vms_error_message(err));
		vms_error_free(err);
	}
}

static void dc_close(struct dc_cmd *d)
{
	vms_plugin_ctx_free(d->ctx);
	vms_out_free(d->out);
	vms_symtab_free(d->symtab);
	free(d->symtab_error);
	vms_layout_free(d->layout);
	vms_dump_close(d->dump);
	vms_plugin_host_free(d->host);
	free(d->plugins);
}

/* ---- decode -------------------------------------------------------------- */

static const char decode_help[] =
	"Usage: vmscope decode [OPTIONS] DUMP... ADDR...\n"
	"Say what is at each kernel virtual address (hex, or SYMBOL[+-HEX] as for\n"
	"vtop): classify it by region (see 'vmscope region') and hand it to the\n"
	"plugin that decodes that region:\n"
	"  vmemmap       the struct page: flags, counts, mapping, compound, state\n"
	"  direct-map    physical address, pfn, its struct page, whether the dump has it\n"
	"  vmalloc       the vmalloc area holding it: start, size, flags, caller\n"
	"  kasan-shadow  the granule a shadow byte covers, the byte's meaning, KASAN's\n"
	"                mode and shadow offset (and how each was found)\n"
	"  kernel-text, modules  symbol+offset (kallsyms in the dump, or --vmlinux/--system-map)\n\n"
	"Options:\n"
	"      --pfn              the arguments are page frame numbers (decoded as struct pages)\n"
	"      --summary          summarise instead: for vmemmap, count pages by state over\n"
	"                         --count pages from ADDR (default: every pfn of the dump);\n"
	"                         for vmalloc, list every area; for kasan-shadow, count\n"
	"                         shadow bytes by value\n"
	"      --count=N          how many items --summary covers\n"
	SYMBOL_HELP PLUGIN_HELP CLI_COMMON_HELP;

static bool needs_symbols(const char *region)
{
	/* kernel-image is arm64's name for the kernel's text and data */
	return !strcmp(region, "kernel-text") || !strcmp(region, "kernel-image") ||
	       !strcmp(region, "modules");
}

int vms_cmd_decode(int argc, char **argv)
{
	struct dc_cmd d = { .name = "decode", .help = decode_help };
	uint64_t *addrs = NULL;
	bool symbols = false;
	int rc, status = CLI_EXIT_OK;

	if ((rc = dc_parse(&d, argc, argv, true)) >= 0)
		goto out;
	if (!d.nargs) {
		rc = cli_usage("decode", "no address given");
		goto out;
	}
	if (!(addrs = calloc(d.nargs, sizeof(*addrs)))) {
		cli_error("out of memory");
		rc = CLI_EXIT_FAIL;
		goto out;
	}
	bool named = false;	/* an address given as SYMBOL[+-HEX] */
	for (size_t i = 0; i < d.nargs; i++) {
		bool ok = d.by_pfn ? cli_parse_size(d.args[i], &addrs[i])
				   : cli_parse_addr(d.args[i], &addrs[i]);
		if (!ok && d.by_pfn) {
			rc = cli_usage("decode", "bad pfn '%s'", d.args[i]);
			goto out;
		}
		named |= !ok;
	}
	if ((rc = dc_load_plugins(&d)) >= 0 || (rc = dc_open(&d, named)) >= 0)
		goto out;
	for (size_t i = 0; named && i < d.nargs; i++) {
		vms_error *err;

		if (!cli_parse_addr(d.args[i], &addrs[i]) &&
		    (err = cli_resolve_addr(d.layout, &d.symtab, d.args[i], &addrs[i]))) {
			rc = cli_fail(err);
			goto out;
		}
	}

	vms_out_array_begin(d.out, "results");
	for (size_t i = 0; i < d.nargs; i++) {
		struct vms_decode_request req = { .size = sizeof(req), .addr = addrs[i] };
		const struct vms_region *r;
		const struct vms_plugin *p;
		vms_error *err = NULL;

		if (d.by_pfn) {
			req.by_pfn = true;
			req.pfn = addrs[i];
			err = vms_pfn_to_page(d.layout, req.pfn, &req.addr);
		}
		if (!err) {
			r = vms_region_of(d.layout, req.addr);
			req.region = r->name;
			req.region_start = r->start;
			req.region_end = r->end;
			req.summary = d.summary;
			req.count = d.count;
		}
		vms_out_object_begin(d.out, NULL);
		vms_out_hex(d.out, "address", req.addr);
		if (d.by_pfn)
			vms_out_uint(d.out, "pfn", req.pfn);
		if (!err) {
			vms_out_str(d.out, "region", req.region);
			p = vms_plugin_host_for_region(d.host, req.region);
			if (!p) {
				err = vms_error_create(VMS_ERR_NOT_FOUND,
						       "0x%" PRIx64 ": no loaded plugin decodes the %s region",
						       req.addr, req.region);
			} else {
				vms_out_str(d.out, "plugin", p->name);
				if (needs_symbols(req.region) && !symbols && !d.symtab && !d.symtab_error) {
					/* The context is rebuilt with the symbols once known. */
					symbols = true;
					dc_open_symbols(&d);
					vms_plugin_ctx_free(d.ctx);
					d.ctx = NULL;
					err = vms_plugin_ctx_new(d.dump, d.layout, d.symtab,
								 d.symtab_error, d.out, &d.ctx);
				}
				if (!err)
					err = vms_plugin_decode(p, d.ctx, &req);
			}
		}
		if (err) {
			vms_out_str(d.out, "error", vms_error_message(err));
			fflush(stdout);
			cli_error("%s", vms_error_message(err));
			vms_error_free(err);
			status = CLI_EXIT_FAIL;
		}
		vms_out_object_end(d.out);
		if (!d.ctx)
			break;	/* out of memory rebuilding the context */
	}
	vms_out_array_end(d.out);
	dc_report_derived(&d);
	vms_out_finish(d.out);
	if (status != CLI_EXIT_OK)
		dc_hint(&d);
	rc = status;
out:
	free(addrs);
	dc_close(&d);
	return rc;
}

/* ---- plugins ------------------------------------------------------------- */

static const char plugins_help[] =
	"Usage: vmscope plugins [OPTIONS]\n"
	"List the plugins vmscope loads: name, version, plugin ABI, file, the\n"
	"regions each decodes and the commands each adds.  Plugins come from\n"
	"--plugin FILE, the directories in $VMSCOPE_PLUGIN_PATH (colon-separated)\n"
	"and the installed plugin directory.  Plugins that fail to load are\n"
	"reported as warnings; the exit status is 1 when any failed.\n\n"
	"Options:\n" PLUGIN_HELP
	"      --json             machine-readable output\n"
	"      --help             show this help\n";

int vms_cmd_plugins(int argc, char **argv)
{
	struct dc_cmd d = { .name = "plugins", .help = plugins_help };
	vms_error *err;
	int rc;

	if ((rc = dc_parse(&d, argc, argv, false)) >= 0)
		goto out;
	if (d.nargs) {
		rc = cli_usage("plugins", "unexpected argument '%s'", d.args[0]);
		goto out;
	}
	if ((rc = dc_load_plugins(&d)) >= 0)
		goto out;
	if ((err = vms_out_new(stdout, d.c.json, &d.out))) {
		rc = cli_fail(err);
		goto out;
	}
	vms_out_uint(d.out, "abi_version", VMS_PLUGIN_ABI_VERSION);
	vms_out_uint(d.out, "abi_min", VMS_PLUGIN_ABI_MIN);
	vms_out_str(d.out, "plugin_dir", vms_plugin_dir());
	vms_out_array_begin(d.out, "plugins");
	for (size_t i = 0; i < vms_plugin_host_count(d.host); i++) {
		const char *path;
		const struct vms_plugin *p = vms_plugin_host_get(d.host, i, &path);

		vms_out_object_begin(d.out, NULL);
		vms_out_str(d.out, "name", p->name);
		vms_out_str(d.out, "version", p->version ? p->version : "");
		vms_out_uint(d.out, "abi", p->abi_version);
		vms_out_str(d.out, "description", p->description ? p->description : "");
		vms_out_str(d.out, "path", path);
		vms_out_array_begin(d.out, "regions");
		for (size_t k = 0; p->regions && p->regions[k]; k++)
			vms_out_str(d.out, NULL, p->regions[k]);
		vms_out_array_end(d.out);
		vms_out_array_begin(d.out, "commands");
		for (size_t k = 0; k < p->ncommands; k++)
			vms_out_str(d.out, NULL, p->commands[k].name);
		vms_out_array_end(d.out);
		vms_out_object_end(d.out);
	}
	vms_out_array_end(d.out);
	vms_out_uint(d.out, "load_failures", d.load_failures);
	vms_out_finish(d.out);
	rc = d.load_failures ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
	dc_close(&d);
	return rc;
}

/* ---- plugin commands: dmesg, run ----------------------------------------- */

/* Runs plugin command `cmd` with d->args. */
static int dc_run_command(struct dc_cmd *d, const char *cmd, const char *fallback_help)
{
	const struct vms_plugin_command *pc;
	const struct vms_plugin *p;
	char **argv = NULL;
	vms_error *err;
	int rc;

	if ((rc = dc_load_plugins(d)) >= 0)
		return rc;
	pc = vms_plugin_host_command(d->host, cmd, &p);
	if (!pc) {
		cli_error("no loaded plugin provides the '%s' command (see 'vmscope plugins')", cmd);
		return CLI_EXIT_FAIL;
	}
	if (d->c.help) {
		fputs(pc->help ? pc->help : fallback_help ? fallback_help : pc->summary, stdout);
		return CLI_EXIT_OK;
	}
	if (!d->nfiles)
		return cli_usage(d->name, "no dump file given");
	/* Plugin commands may want symbols; the log does not. */
	if ((rc = dc_open(d, strcmp(cmd, "dmesg") != 0)) >= 0)
		return rc;
	if (!(argv = calloc(d->nargs + 2, sizeof(*argv)))) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	argv[0] = (char *)cmd;
	for (size_t i = 0; i < d->nargs; i++)
		argv[i + 1] = d->args[i];
	err = pc->run(d->ctx, (int)d->nargs + 1, argv);
	dc_report_derived(d);
	vms_out_finish(d->out);
	free(argv);
	if (err) {
		cli_error("%s: %s", p->name, vms_error_message(err));
		vms_error_free(err);
		dc_hint(d);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static const char dmesg_help[] =
	"Usage: vmscope dmesg [OPTIONS] DUMP...\n"
	"The kernel log at the time of the dump, read from the printk ring buffer\n"
	"(Linux 5.10+: VMCOREINFO SYMBOL(prb) and the printk_ringbuffer offsets) or\n"
	"the older log_buf, one line per message as `crash> log` prints it:\n"
	"\"[seconds.micros] text\"; continuation lines of a message are printed\n"
	"as they were logged.\n\n"
	"Options:\n"
	"      --level, --raw     prefix each line with <N>, N = facility * 8 + level\n"
	"      --no-time          leave out the timestamps\n"
	"      --caller           the caller id after the time: [T<pid>] or [C<cpu>]\n"
	"      --dict             the record's SUBSYSTEM= and DEVICE= on lines after it\n"
	"      --vmlinux=FILE     a vmlinux with debug info: the offsets the dump's VMCOREINFO\n"
	"                         lacks (or all of them, when it has none) come from its DWARF\n"
	PLUGIN_HELP CLI_COMMON_HELP;

int vms_cmd_dmesg(int argc, char **argv)
{
	struct dc_cmd d = { .name = "dmesg", .help = dmesg_help };
	int rc;

	/* --level and friends belong to the plugin: split them off first. */
	char **own = calloc((size_t)argc + 1, sizeof(*own));
	char **rest = calloc((size_t)argc + 1, sizeof(*rest));
	int nown = 0, nrest = 0;

	if (!own || !rest) {
		free(own);
		free(rest);
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	for (int i = 0; i < argc; i++) {
		if (i && (!strcmp(argv[i], "--level") || !strcmp(argv[i], "--raw") ||
			  !strcmp(argv[i], "--no-time") || !strcmp(argv[i], "--caller") ||
			  !strcmp(argv[i], "--dict")))
			rest[nrest++] = argv[i];
		else
			own[nown++] = argv[i];
	}
	rc = dc_parse(&d, nown, own, true);
	if (rc < 0) {
		if (d.nargs)
			rc = cli_usage("dmesg", "unexpected argument '%s'", d.args[0]);
		else {
			d.args = rest;
			d.nargs = (size_t)nrest;
			rc = dc_run_command(&d, "dmesg", dmesg_help);
		}
	}
	dc_close(&d);
	free(own);
	free(rest);
	return rc;
}

static const char run_help[] =
	"Usage: vmscope run [OPTIONS] COMMAND DUMP... [ARGS]\n"
	"Run a command that a plugin adds (see 'vmscope plugins').\n"
	"'vmscope run COMMAND --help' shows the command's own help.\n\n"
	"Options:\n" SYMBOL_HELP PLUGIN_HELP CLI_COMMON_HELP;

int vms_cmd_run(int argc, char **argv)
{
	struct dc_cmd d = { .name = "run", .help = run_help };
	int rc;

	if ((rc = dc_parse(&d, argc, argv, false)) >= 0)
		goto out;
	if (!d.nargs) {
		rc = cli_usage("run", "no command given");
		goto out;
	}
	{
		const char *cmd = d.args[0];
		int sub_argc = (int)d.nargs;
		char **sub_argv = d.args;
		struct dc_cmd s = { .name = "run", .help = NULL };

		/* What follows COMMAND: options again, then the dump, then args. */
		s.plugins = NULL;
		rc = dc_parse(&s, sub_argc, sub_argv, false);
		if (rc >= 0) {
			dc_close(&s);
			goto out;
		}
		/* Options given before COMMAND carry over. */
		s.c.json |= d.c.json;
		s.c.no_vmcoreinfo |= d.c.no_vmcoreinfo;
		if (!s.c.reader)
			s.c.reader = d.c.reader;
		s.no_default |= d.no_default;
		if (!s.vmlinux)
			s.vmlinux = d.vmlinux;
		if (!s.system_map)
			s.system_map = d.system_map;
		for (size_t i = 0; i < d.nplugins; i++) {
			const char **p = realloc(s.plugins, (s.nplugins + 1) * sizeof(*p));
			if (!p)
				break;
			s.plugins = p;
			s.plugins[s.nplugins++] = d.plugins[i];
		}
		s.files = s.args;
		s.nfiles = 0;
		while (s.nfiles < s.nargs && is_file(s.args[s.nfiles]))
			s.nfiles++;
		s.args += s.nfiles;
		s.nargs -= s.nfiles;
		rc = dc_run_command(&s, cmd, NULL);
		dc_close(&s);
	}
out:
	dc_close(&d);
	return rc;
}
