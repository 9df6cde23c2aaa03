/* vmscope layout, vtop, ptov, region, pfn2page, page2pfn, read --virt:
 * the commands built on the analyzer (include/vmscope/analyzer.h).
 *
 * Arguments: the dump's files come first (several for a split dump: every
 * leading argument that names an existing file), then the addresses. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <vmscope/analyzer.h>
#include <vmscope/symbols.h>
#include "cli.h"
#include "cmd-sym.h"
#include "json.h"

enum {
	OPT_PGD = CLI_OPT_FIRST_COMMAND_SPECIFIC + 0x40,
	OPT_ALL,
	OPT_VIRT,
	OPT_ZERO,
	OPT_RAW,
	OPT_VERIFY,
	OPT_VMLINUX,
	OPT_SYSMAP,
};

struct an_cmd {
	const char *name;
	const char *help;
	struct cli_common c;
	bool have_pgd, all, zero, raw, have_virt, verify;
	uint64_t pgd, virt;
	const char *vmlinux, *system_map;	/* layout --verify; symbols for vtop, region */
	char **files;		/* dump files */
	size_t nfiles;
	char **args;		/* what follows them */
	size_t nargs;
	vms_dump *dump;
	vms_layout *layout;
	vms_symtab *symtab;	/* loaded when an argument names a symbol */
};

/* The commands whose addresses may be symbols (virtual addresses). */
static bool takes_symbols(const struct an_cmd *a)
{
	return !strcmp(a->name, "vtop") || !strcmp(a->name, "region");
}

static bool is_file(const char *s)
{
	struct stat st;
	return stat(s, &st) == 0;
}

/* Parses options and splits the positional arguments.  Returns -1 to go
 * on, else the exit status. */
static int an_parse(struct an_cmd *a, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "pgd", required_argument, NULL, OPT_PGD },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "virt", required_argument, NULL, OPT_VIRT },
		{ "zero-excluded", no_argument, NULL, OPT_ZERO },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "verify", no_argument, NULL, OPT_VERIFY },
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "system-map", required_argument, NULL, OPT_SYSMAP },
		{ NULL, 0, NULL, 0 },
	};
	bool bad = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &a->c, &bad))
			continue;
		switch (opt) {
		case OPT_PGD:
			if (strcmp(a->name, "vtop") || !cli_parse_addr(optarg, &a->pgd))
				return cli_usage(a->name, "bad --pgd '%s'", optarg);
			a->have_pgd = true;
			break;
		case OPT_ALL:
			if (strcmp(a->name, "ptov"))
				return cli_usage(a->name, "--all is for ptov");
			a->all = true;
			break;
		case OPT_VIRT:
			if (strcmp(a->name, "read") || !cli_parse_addr(optarg, &a->virt))
				return cli_usage(a->name, "bad --virt '%s'", optarg);
			a->have_virt = true;
			break;
		case OPT_ZERO: a->zero = true; break;
		case OPT_RAW: a->raw = true; break;
		case OPT_VERIFY:
			if (strcmp(a->name, "layout"))
				return cli_usage(a->name, "--verify is for layout");
			a->verify = true;
			break;
		case OPT_VMLINUX:
		case OPT_SYSMAP:
			if (strcmp(a->name, "layout") && !takes_symbols(a))
				return cli_usage(a->name, "--vmlinux and --system-map are for layout --verify, vtop and region");
			if (opt == OPT_VMLINUX)
				a->vmlinux = optarg;
			else
				a->system_map = optarg;
			break;
		default: return cli_usage(a->name, "bad option");
		}
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (a->c.help) {
		fputs(a->help, stdout);
		return CLI_EXIT_OK;
	}
	a->files = argv + optind;
	while (optind < argc && is_file(argv[optind])) {
		optind++;
		a->nfiles++;
	}
	a->args = argv + optind;
	a->nargs = (size_t)(argc - optind);
	if (!a->nfiles)
		return cli_usage(a->name, argc > optind ? "'%s' is not a file" : "no dump file given",
				 argc > optind ? argv[optind] : "");
	return -1;
}

static int an_open(struct an_cmd *a)
{
	struct vms_detect_options o = VMS_DETECT_OPTIONS_INIT;
	vms_error *err = cli_open(a->files, a->nfiles, &a->c, &a->dump);

	if (err)
		return cli_fail(err);
	o.ignore_vmcoreinfo = a->c.no_vmcoreinfo;
	err = vms_layout_detect(a->dump, &o, &a->layout);
	if (err) {
		vms_dump_close(a->dump);
		return cli_fail(err);
	}
	return -1;
}

static void an_close(struct an_cmd *a)
{
	vms_symtab_free(a->symtab);
	vms_layout_free(a->layout);
	vms_dump_close(a->dump);
}

/* Numbers are parsed before the dump is opened (a usage error should not
 * wait for it); symbols, for the commands that take virtual addresses,
 * after (pass 1 leaves them for pass 2). */
static bool parse_addrs(struct an_cmd *a, uint64_t *out)
{
	for (size_t i = 0; i < a->nargs; i++)
		if (!cli_parse_addr(a->args[i], &out[i]) && !takes_symbols(a)) {
			cli_usage(a->name, "bad address '%s'", a->args[i]);
			return false;
		}
	return true;
}

static int resolve_symbols(struct an_cmd *a, uint64_t *out)
{
	for (size_t i = 0; i < a->nargs; i++) {
		vms_error *err;

		if (cli_parse_addr(a->args[i], &out[i]))
			continue;
		if (!a->symtab && (a->vmlinux || a->system_map)) {
			struct vms_symtab_options so = VMS_SYMTAB_OPTIONS_INIT;

			so.vmlinux = a->vmlinux;
			so.system_map = a->system_map;
			if ((err = vms_symtab_open(a->layout, &so, &a->symtab)))
				return cli_fail(err);
		}
		if ((err = cli_resolve_addr(a->layout, &a->symtab, a->args[i], &out[i])))
			return cli_fail(err);
	}
	return -1;
}

/* Common prologue: parse, require addresses, open.  Returns -1 to go on. */
static int an_start(struct an_cmd *a, int argc, char **argv, bool need_addrs, uint64_t **addrs)
{
	int rc = an_parse(a, argc, argv);

	if (rc >= 0)
		return rc;
	if (need_addrs && !a->nargs)
		return cli_usage(a->name, "no address given");
	*addrs = calloc(a->nargs + 1, sizeof(**addrs));
	if (!*addrs) {
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (!parse_addrs(a, *addrs)) {
		free(*addrs);
		return CLI_EXIT_USAGE;
	}
	rc = an_open(a);
	if (rc < 0 && takes_symbols(a) && (rc = resolve_symbols(a, *addrs)) >= 0)
		an_close(a);
	if (rc >= 0)
		free(*addrs);
	return rc;
}

/* ---- layout ------------------------------------------------------------ */

static const char layout_help[] =
	"Usage: vmscope layout [OPTIONS] DUMP...\n"
	"Show the kernel's virtual address layout as detected from the dump: paging\n"
	"levels, page-table root, phys_base, KASLR offset, direct-map, vmalloc and\n"
	"vmemmap bases (each with where it came from and how it was cross-checked),\n"
	"and the named regions of the address space (ends are inclusive).  On arm64:\n"
	"page size, VA_BITS and the runtime VA size, PAGE_OFFSET, PHYS_OFFSET,\n"
	"kimage_voffset, modules/vmalloc/vmemmap starts and the struct page of pfn 0.\n\n"
	"Options:\n"
	"      --verify           instead, read the bases from the kernel's own variables\n"
	"      --vmlinux FILE, --system-map FILE\n"
	"                         with --verify: find those variables there, not in kallsyms\n"
	"                         (found through kallsyms) and compare: one line per value\n"
	CLI_COMMON_HELP;

int vms_cmd_layout(int argc, char **argv)
{
	struct an_cmd a = { .name = "layout", .help = layout_help };
	vms_layout *l;
	int rc = an_parse(&a, argc, argv);

	if (rc >= 0)
		return rc;
	if (a.nargs)
		return cli_usage("layout", "unexpected argument '%s'", a.args[0]);
	if ((rc = an_open(&a)) >= 0)
		return rc;
	if (a.verify) {
		rc = vms_layout_verify(a.layout, a.vmlinux, a.system_map, a.c.json);
		an_close(&a);
		return rc;
	}
	l = a.layout;
	if (a.c.json) {
		struct json j;
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "arch", vms_arch_name(vms_layout_arch(l)));
		json_kv_uint(&j, "paging_levels", vms_layout_paging_levels(l));
		json_kv_uint(&j, "page_size", vms_layout_page_size(l));
		if (vms_layout_arch(l) == VMS_ARCH_ARM64) {
			/* Plain numbers, like page_size; null when unknown. */
			const struct vms_layout_value *vb = vms_layout_get(l, VMS_LK_VA_BITS);
			const struct vms_layout_value *va = vms_layout_get(l, VMS_LK_VA_BITS_ACTUAL);
			json_key(&j, "va_bits");
			if (vb->known) json_uint(&j, vb->value); else json_null(&j);
			json_key(&j, "va_bits_actual");
			if (va->known) json_uint(&j, va->value); else json_null(&j);
		}
		for (int k = 0; k < VMS_LK__COUNT; k++) {
			const struct vms_layout_value *v = vms_layout_get(l, (enum vms_layout_key)k);
			const char *label = vms_layout_key_label(l, (enum vms_layout_key)k);
			if (!label)
				continue;
			json_key(&j, label);
			json_object_begin(&j);
			json_key(&j, "value");
			if (v->known)
				json_hex(&j, v->value);
			else
				json_null(&j);
			json_kv_string(&j, "source", vms_value_source_name(v->source));
			json_kv_string(&j, "note", v->note);
			json_kv_bool(&j, "conflict", v->conflict);
			json_object_end(&j);
		}
		json_key(&j, "regions");
		json_array_begin(&j);
		for (size_t i = 0; i < vms_layout_nregions(l); i++) {
			const struct vms_region *r = vms_layout_region(l, i);
			json_object_begin(&j);
			json_kv_string(&j, "name", r->name);
			json_kv_hex(&j, "start", r->start);
			json_kv_hex(&j, "end", r->end);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_key(&j, "remarks");
		json_array_begin(&j);
		for (size_t i = 0; vms_layout_remark(l, i); i++)
			json_string(&j, vms_layout_remark(l, i));
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("arch:           %s\n", vms_arch_name(vms_layout_arch(l)));
		printf("paging levels:  %u\n", vms_layout_paging_levels(l));
		printf("page size:      %u\n", vms_layout_page_size(l));
		if (vms_layout_arch(l) == VMS_ARCH_ARM64) {
			const struct vms_layout_value *vb = vms_layout_get(l, VMS_LK_VA_BITS);
			const struct vms_layout_value *va = vms_layout_get(l, VMS_LK_VA_BITS_ACTUAL);
			if (vb->known)
				printf("va bits:        %" PRIu64 " (%s)\n", vb->value,
				       vms_value_source_name(vb->source));
			if (va->known)
				printf("va bits actual: %" PRIu64 " (%s)\n", va->value,
				       vms_value_source_name(va->source));
		}
		for (int k = 0; k < VMS_LK__COUNT; k++) {
			const struct vms_layout_value *v = vms_layout_get(l, (enum vms_layout_key)k);
			const char *label = vms_layout_key_label(l, (enum vms_layout_key)k);
			if (!label)
				continue;
			if (!v->known) {
				printf("%-18s unknown\n", label);
				continue;
			}
			printf("%-18s 0x%-18" PRIx64 " (%s)%s%s%s\n", label, v->value,
			       vms_value_source_name(v->source), v->conflict ? " CONFLICT" : "",
			       *v->note ? ": " : "", v->note);
		}
		printf("\nregions:\n");
		for (size_t i = 0; i < vms_layout_nregions(l); i++) {
			const struct vms_region *r = vms_layout_region(l, i);
			printf("  %016" PRIx64 " - %016" PRIx64 "  %s\n", r->start, r->end, r->name);
		}
		for (size_t i = 0; vms_layout_remark(l, i); i++)
			printf("note: %s\n", vms_layout_remark(l, i));
	}
	an_close(&a);
	return CLI_EXIT_OK;
}

/* ---- vtop -------------------------------------------------------------- */

static const char vtop_help[] =
	"Usage: vmscope vtop [OPTIONS] DUMP... ADDR...\n"
	"Translate kernel virtual addresses (hex, 0x optional) to physical ones by\n"
	"walking the page tables; show each level's entry address, raw value and\n"
	"flags, the page size and the region.  An ADDR may also be a symbol with an\n"
	"optional hex offset: jiffies, init_task+0x10, _end-8 (a name made only of\n"
	"hex digits reads as a number: write NAME+0).\n\n"
	"Options:\n"
	"      --pgd PADDR        walk from this top-level table (a process's PGD)\n"
	"      --vmlinux FILE, --system-map FILE\n"
	"                         look symbols up there (default: kallsyms in the dump)\n"
	CLI_COMMON_HELP
	"Exit status: 0 when every address translated, 1 otherwise.\n";

int vms_cmd_vtop(int argc, char **argv)
{
	struct an_cmd a = { .name = "vtop", .help = vtop_help };
	uint64_t *addrs;
	struct json j;
	int rc = an_start(&a, argc, argv, true, &addrs), status = CLI_EXIT_OK;

	if (rc >= 0)
		return rc;
	if (a.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "translations");
		json_array_begin(&j);
	}
	for (size_t i = 0; i < a.nargs; i++) {
		struct vms_translation t;
		const struct vms_region *r = vms_region_of(a.layout, addrs[i]);
		vms_error *err = a.have_pgd ? vms_vtop_pgd(a.layout, a.pgd, addrs[i], &t)
					    : vms_vtop(a.layout, addrs[i], &t);
		char fl[96];

		if (err)
			status = CLI_EXIT_FAIL;
		if (a.c.json) {
			json_object_begin(&j);
			json_kv_hex(&j, "vaddr", addrs[i]);
			json_kv_string(&j, "region", r ? r->name : "unknown");
			if (!err) {
				json_kv_hex(&j, "paddr", t.paddr);
				json_kv_hex(&j, "page_size", t.page_size);
			} else {
				json_kv_string(&j, "error", vms_error_message(err));
			}
			json_key(&j, "levels");
			json_array_begin(&j);
			for (unsigned s = 0; s < t.nsteps; s++) {
				json_object_begin(&j);
				json_kv_string(&j, "level", t.steps[s].level);
				json_kv_hex(&j, "entry_addr", t.steps[s].entry_addr);
				json_kv_hex(&j, "entry", t.steps[s].entry);
				json_kv_string(&j, "flags", vms_pte_flags_str(t.steps[s].flags, fl, sizeof(fl)));
				if (t.steps[s].pkey)
					json_kv_uint(&j, "pkey", t.steps[s].pkey);
				json_object_end(&j);
			}
			json_array_end(&j);
			json_object_end(&j);
		} else {
			printf("%016" PRIx64 " [%s]: ", addrs[i], r ? r->name : "unknown");
			if (err)
				printf("%s\n", vms_error_message(err));
			else
				printf("PA 0x%" PRIx64 " (page size 0x%" PRIx64 ")\n", t.paddr, t.page_size);
			for (unsigned s = 0; s < t.nsteps; s++)
				printf("  %-5s entry at PA 0x%-12" PRIx64 " = 0x%016" PRIx64 "  %s\n",
				       t.steps[s].level, t.steps[s].entry_addr, t.steps[s].entry,
				       vms_pte_flags_str(t.steps[s].flags, fl, sizeof(fl)));
		}
		vms_error_free(err);
	}
	if (a.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	free(addrs);
	an_close(&a);
	return status;
}

/* ---- ptov -------------------------------------------------------------- */

static const char ptov_help[] =
	"Usage: vmscope ptov [OPTIONS] DUMP... PADDR...\n"
	"Show the kernel virtual addresses of physical addresses: the direct-map\n"
	"address and the kernel-image alias (when the tables map one).\n\n"
	"Options:\n"
	"      --all              list every kernel VA that maps each PADDR (one scan\n"
	"                         of the kernel page tables for all of them)\n"
	CLI_COMMON_HELP;

struct ptov_all {
	const uint64_t *pas;
	size_t n;
	uint64_t **hits;	/* per PA: list of VAs */
	size_t *nhits, *caps;
	bool oom;
};

static int ptov_scan(uint64_t va, uint64_t pa, uint64_t size, void *arg)
{
	struct ptov_all *p = arg;

	for (size_t i = 0; i < p->n; i++) {
		uint64_t want = p->pas[i];
		if (want < pa || want - pa >= size)
			continue;
		if (p->nhits[i] == p->caps[i]) {
			size_t cap = p->caps[i] ? 2 * p->caps[i] : 8;
			uint64_t *h = cap <= 65536 ? realloc(p->hits[i], cap * sizeof(*h)) : NULL;
			if (!h) {
				p->oom = true;
				continue;
			}
			p->hits[i] = h;
			p->caps[i] = cap;
		}
		p->hits[i][p->nhits[i]++] = va + (want - pa);
	}
	return 0;
}

int vms_cmd_ptov(int argc, char **argv)
{
	struct an_cmd a = { .name = "ptov", .help = ptov_help };
	struct ptov_all all = { 0 };
	uint64_t *addrs;
	struct json j;
	vms_error *scan_err = NULL;
	int rc = an_start(&a, argc, argv, true, &addrs), status = CLI_EXIT_OK;

	if (rc >= 0)
		return rc;
	if (a.all) {
		all.pas = addrs;
		all.n = a.nargs;
		all.hits = calloc(a.nargs, sizeof(*all.hits));
		all.nhits = calloc(a.nargs, sizeof(*all.nhits));
		all.caps = calloc(a.nargs, sizeof(*all.caps));
		if (!all.hits || !all.nhits || !all.caps)
			all.oom = true;
		else
			scan_err = vms_layout_foreach_mapping(a.layout, 0, UINT64_MAX, ptov_scan, &all);
		if (scan_err) {
			cli_error("scanning the page tables: %s", vms_error_message(scan_err));
			status = CLI_EXIT_FAIL;
		}
	}
	if (a.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "addresses");
		json_array_begin(&j);
	}
	for (size_t i = 0; i < a.nargs; i++) {
		struct vms_ptov p;
		vms_error *err = vms_ptov(a.layout, addrs[i], &p);
		if (err) {
			status = cli_fail(err);
			continue;
		}
		if (a.c.json) {
			json_object_begin(&j);
			json_kv_hex(&j, "paddr", addrs[i]);
			json_key(&j, "direct_map");
			if (p.have_direct) json_hex(&j, p.direct); else json_null(&j);
			json_key(&j, "kernel_text");
			if (p.have_ktext) json_hex(&j, p.ktext); else json_null(&j);
			if (a.all && all.hits) {
				json_key(&j, "all");
				json_array_begin(&j);
				for (size_t k = 0; k < all.nhits[i]; k++)
					json_hex(&j, all.hits[i][k]);
				json_array_end(&j);
			}
			json_object_end(&j);
		} else {
			printf("%016" PRIx64 ":", addrs[i]);
			if (p.have_direct)
				printf(" direct-map 0x%" PRIx64, p.direct);
			if (p.have_ktext)
				printf(" kernel-text 0x%" PRIx64, p.ktext);
			if (!p.have_direct && !p.have_ktext)
				printf(" no direct-map or kernel-text address");
			printf("\n");
			for (size_t k = 0; a.all && all.hits && k < all.nhits[i]; k++) {
				const struct vms_region *r = vms_region_of(a.layout, all.hits[i][k]);
				printf("  0x%016" PRIx64 "  %s\n", all.hits[i][k], r ? r->name : "");
			}
		}
	}
	if (a.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	if (all.oom) {
		cli_error("ptov --all: too many mappings to list (or out of memory); list truncated");
		status = CLI_EXIT_FAIL;
	}
	for (size_t i = 0; all.hits && i < a.nargs; i++)
		free(all.hits[i]);
	free(all.hits);
	free(all.nhits);
	free(all.caps);
	vms_error_free(scan_err);
	free(addrs);
	an_close(&a);
	return status;
}

/* ---- region ------------------------------------------------------------ */

static const char region_help[] =
	"Usage: vmscope region [OPTIONS] DUMP... ADDR...\n"
	"Name the region of the kernel address space each virtual address is in.\n"
	"An ADDR is hex (0x optional) or SYMBOL[+-HEX], as for vtop.\n\n"
	"Options:\n"
	"      --vmlinux FILE, --system-map FILE\n"
	"                         look symbols up there (default: kallsyms in the dump)\n"
	CLI_COMMON_HELP;

int vms_cmd_region(int argc, char **argv)
{
	struct an_cmd a = { .name = "region", .help = region_help };
	uint64_t *addrs;
	struct json j;
	int rc = an_start(&a, argc, argv, true, &addrs);

	if (rc >= 0)
		return rc;
	if (a.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "addresses");
		json_array_begin(&j);
	}
	for (size_t i = 0; i < a.nargs; i++) {
		const struct vms_region *r = vms_region_of(a.layout, addrs[i]);
		if (a.c.json) {
			json_object_begin(&j);
			json_kv_hex(&j, "address", addrs[i]);
			json_kv_string(&j, "name", r->name);
			json_kv_hex(&j, "start", r->start);
			json_kv_hex(&j, "end", r->end);
			json_object_end(&j);
		} else {
			printf("%016" PRIx64 ": %s (%016" PRIx64 " - %016" PRIx64 ")\n", addrs[i], r->name,
			       r->start, r->end);
		}
	}
	if (a.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	free(addrs);
	an_close(&a);
	return CLI_EXIT_OK;
}

/* ---- pfn2page / page2pfn ----------------------------------------------- */

static const char pfn2page_help[] =
	"Usage: vmscope pfn2page [OPTIONS] DUMP... PFN...\n"
	"Print the address of the struct page of each page frame number (hex).\n\n"
	"Options:\n" CLI_COMMON_HELP;

static const char page2pfn_help[] =
	"Usage: vmscope page2pfn [OPTIONS] DUMP... PAGE...\n"
	"Print the page frame number of each struct page address (hex).\n\n"
	"Options:\n" CLI_COMMON_HELP;

static int pfn_cmd(int argc, char **argv, bool to_page)
{
	struct an_cmd a = { .name = to_page ? "pfn2page" : "page2pfn",
			    .help = to_page ? pfn2page_help : page2pfn_help };
	uint64_t *addrs;
	struct json j;
	int rc = an_start(&a, argc, argv, true, &addrs), status = CLI_EXIT_OK;

	if (rc >= 0)
		return rc;
	if (a.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "results");
		json_array_begin(&j);
	}
	for (size_t i = 0; i < a.nargs; i++) {
		uint64_t r;
		vms_error *err = to_page ? vms_pfn_to_page(a.layout, addrs[i], &r)
					 : vms_page_to_pfn(a.layout, addrs[i], &r);
		if (a.c.json) {
			json_object_begin(&j);
			json_kv_hex(&j, to_page ? "pfn" : "page", addrs[i]);
			if (err)
				json_kv_string(&j, "error", vms_error_message(err));
			else
				json_kv_hex(&j, to_page ? "page" : "pfn", r);
			json_object_end(&j);
		} else if (err) {
			printf("0x%" PRIx64 ": %s\n", addrs[i], vms_error_message(err));
		} else {
			printf("0x%" PRIx64 ": 0x%" PRIx64 "\n", addrs[i], r);
		}
		if (err)
			status = CLI_EXIT_FAIL;
		vms_error_free(err);
	}
	if (a.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	free(addrs);
	an_close(&a);
	return status;
}

int vms_cmd_pfn2page(int argc, char **argv)
{
	return pfn_cmd(argc, argv, true);
}

int vms_cmd_page2pfn(int argc, char **argv)
{
	return pfn_cmd(argc, argv, false);
}

/* ---- read --virt ------------------------------------------------------- */

static const char read_virt_help[] =
	"Usage: vmscope read [OPTIONS] DUMP... --virt ADDR [LEN]\n"
	"Print LEN bytes (default 256) of kernel virtual memory at ADDR as a hexdump,\n"
	"translating through the page tables page by page.\n\n"
	"Options:\n"
	"      --virt ADDR        the kernel virtual address to read\n"
	"      --raw              write the bytes themselves to standard output\n"
	"      --zero-excluded    read missing pages as zeros instead of failing\n"
	CLI_COMMON_HELP;

#define MAX_VIRT_READ (UINT64_C(1) << 30)

int vms_cmd_read_virt(int argc, char **argv)
{
	struct an_cmd a = { .name = "read", .help = read_virt_help };
	uint64_t len = 256, done = 0;
	uint8_t buf[4096];
	struct json j;
	int rc = an_parse(&a, argc, argv);

	if (rc >= 0)
		return rc;
	if (!a.have_virt)
		return cli_usage("read", "--virt ADDR is required");
	if (a.nargs > 1)
		return cli_usage("read", "unexpected argument '%s'", a.args[1]);
	if (a.nargs == 1 && !cli_parse_size(a.args[0], &len))
		return cli_usage("read", "bad length '%s'", a.args[0]);
	if (!len || len > MAX_VIRT_READ)
		return cli_usage("read", "length must be between 1 and 1 GiB");
	if ((rc = an_open(&a)) >= 0)
		return rc;
	if (a.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_hex(&j, "address", a.virt);
		json_kv_uint(&j, "length", len);
		json_key(&j, "hex");
		fputs("\"", stdout);
	}
	/* JSON output writes the hex string by hand to stream any length. */
	while (done < len) {
		size_t n = len - done < sizeof(buf) ? (size_t)(len - done) : sizeof(buf);
		vms_error *err = vms_read_virt(a.layout, a.virt + done, buf, n,
					       a.zero ? VMS_READ_ZERO_FILL : 0);
		if (err) {
			if (a.c.json)
				printf("\"}\n");
			an_close(&a);
			return cli_fail(err);
		}
		if (a.raw) {
			fwrite(buf, 1, n, stdout);
		} else if (a.c.json) {
			for (size_t i = 0; i < n; i++)
				printf("%02x", buf[i]);
		} else {
			for (size_t off = 0; off < n; off += 16) {
				size_t m = n - off < 16 ? n - off : 16;
				printf("%016" PRIx64 ": ", a.virt + done + off);
				for (size_t i = 0; i < 16; i++) {
					if (i < m) printf("%02x ", buf[off + i]); else printf("   ");
					if (i == 7) putchar(' ');
				}
				printf(" |");
				for (size_t i = 0; i < m; i++)
					putchar(buf[off + i] >= 0x20 && buf[off + i] < 0x7f ? buf[off + i] : '.');
				printf("|\n");
			}
		}
		done += n;
	}
	if (a.c.json)
		printf("\"}\n");
	an_close(&a);
	return CLI_EXIT_OK;
}
