/* vmscope sym, struct, whatis, ps and layout --verify: the commands built on
 * kernel symbols and types (include/vmscope/symbols.h).
 *
 * Symbols come from --vmlinux, --system-map, or else the kallsyms tables in
 * the dump; types need --vmlinux (an ELF with DWARF). */
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
	OPT_VMLINUX = CLI_OPT_FIRST_COMMAND_SPECIFIC + 0x80,
	OPT_SYSMAP,
	OPT_FORCE,
	OPT_MEMBER,
	OPT_DEPTH,
	OPT_PHYS,
	OPT_LIST,
};

#define SYM_OPTIONS_HELP \
	"      --vmlinux=FILE     symbols and types from this vmlinux (ELF with DWARF)\n" \
	"      --system-map=FILE  symbols from this System.map\n" \
	"      --force            accept a vmlinux or System.map that does not match the dump\n"

struct sym_cmd {
	const char *name;
	const char *help;
	bool dump_optional;	/* whatis works on a vmlinux alone */
	struct cli_common c;
	const char *vmlinux, *sysmap, *member;
	bool force, phys, list;
	unsigned depth;
	char **files;
	size_t nfiles;
	char **args;
	size_t nargs;
	vms_dump *dump;
	vms_layout *layout;
	vms_symtab *symtab;
	vms_types *types;
};

static bool is_file(const char *s)
{
	struct stat st;
	return stat(s, &st) == 0 && S_ISREG(st.st_mode);
}

/* Returns -1 to go on, else the exit status. */
static int sc_parse(struct sym_cmd *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "vmlinux", required_argument, NULL, OPT_VMLINUX },
		{ "system-map", required_argument, NULL, OPT_SYSMAP },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "member", required_argument, NULL, OPT_MEMBER },
		{ "depth", required_argument, NULL, OPT_DEPTH },
		{ "phys", no_argument, NULL, OPT_PHYS },
		{ "list", no_argument, NULL, OPT_LIST },
		{ NULL, 0, NULL, 0 },
	};
	bool bad = false;
	uint64_t v;
	int opt;

	s->depth = 3;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "m:", longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &s->c, &bad))
			continue;
		switch (opt) {
		case OPT_VMLINUX: s->vmlinux = optarg; break;
		case OPT_SYSMAP: s->sysmap = optarg; break;
		case OPT_FORCE: s->force = true; break;
		case 'm':
		case OPT_MEMBER:
			if (strcmp(s->name, "struct"))
				return cli_usage(s->name, "-m is for struct");
			s->member = optarg;
			break;
		case OPT_DEPTH:
			if (!cli_parse_size(optarg, &v) || v > 64)
				return cli_usage(s->name, "bad --depth '%s' (0 to 64)", optarg);
			s->depth = (unsigned)v;
			break;
		case OPT_PHYS:
			if (strcmp(s->name, "struct"))
				return cli_usage(s->name, "--phys is for struct");
			s->phys = true;
			break;
		case OPT_LIST:
			if (strcmp(s->name, "sym"))
				return cli_usage(s->name, "--list is for sym");
			s->list = true;
			break;
		default: return cli_usage(s->name, "bad option");
		}
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (s->c.help) {
		fputs(s->help, stdout);
		return CLI_EXIT_OK;
	}
	if (s->vmlinux && s->sysmap)
		return cli_usage(s->name, "give --vmlinux or --system-map, not both");
	s->files = argv + optind;
	/* Dump files come first; for whatis the last argument is the type. */
	while (optind < argc && is_file(argv[optind]) && (!s->dump_optional || optind + 1 < argc)) {
		optind++;
		s->nfiles++;
	}
	s->args = argv + optind;
	s->nargs = (size_t)(argc - optind);
	if (!s->nfiles && !s->dump_optional)
		return cli_usage(s->name, argc > optind ? "'%s' is not a file" : "no dump file given",
				 argc > optind ? argv[optind] : "");
	return -1;
}

/* Opens what the command needs: the dump and its layout (need_layout), the
 * symbols (need_syms: 2 = required, 1 = if they load), the types. */
static int sc_open(struct sym_cmd *s, bool need_layout, int need_syms, bool need_types)
{
	vms_error *err;

	if (need_types && !s->vmlinux)
		return cli_usage(s->name, "types need --vmlinux=FILE (a vmlinux with debug info)");
	if (s->nfiles) {
		struct vms_detect_options o = VMS_DETECT_OPTIONS_INIT;
		if ((err = cli_open(s->files, s->nfiles, &s->c, &s->dump)))
			return cli_fail(err);
		o.ignore_vmcoreinfo = s->c.no_vmcoreinfo;
		err = vms_layout_detect(s->dump, &o, &s->layout);
		if (err && need_layout)
			return cli_fail(err);
		vms_error_free(err);
	}
	if (need_syms && s->layout) {
		struct vms_symtab_options so = VMS_SYMTAB_OPTIONS_INIT;
		so.vmlinux = s->vmlinux;
		so.system_map = s->sysmap;
		so.force_mismatch = s->force;
		err = vms_symtab_open(s->layout, &so, &s->symtab);
		if (err && need_syms > 1)
			return cli_fail(err);
		if (err) {
			cli_error("no symbols: %s", vms_error_message(err));
			vms_error_free(err);
		}
	} else if (need_syms > 1) {
		cli_error("symbols need a dump whose layout can be detected");
		return CLI_EXIT_FAIL;
	}
	if (need_types && (err = vms_types_open(s->vmlinux, &s->types)))
		return cli_fail(err);
	return -1;
}

static void sc_close(struct sym_cmd *s)
{
	vms_types_free(s->types);
	vms_symtab_free(s->symtab);
	vms_layout_free(s->layout);
	vms_dump_close(s->dump);
}

/* "init_task+0x48" or the region name, for showing a pointer. */
static const char *describe_addr(struct sym_cmd *s, uint64_t a, char *buf, size_t size)
{
	const struct vms_symbol *sym;
	uint64_t off;

	buf[0] = '\0';
	if (!a)
		return buf;
	/* Symbols only for the kernel image and modules: elsewhere (the direct
	 * map, vmalloc) the nearest symbol below is meaningless. */
	if (s->symtab && s->layout && (!strcmp(vms_region_of(s->layout, a)->name, "kernel-text") ||
				       !strcmp(vms_region_of(s->layout, a)->name, "kernel-image") ||
				       !strcmp(vms_region_of(s->layout, a)->name, "modules")) &&
	    (sym = vms_symbol_by_addr(s->symtab, a, &off))) {
		if (off)
			snprintf(buf, size, "%s+0x%" PRIx64, sym->name, off);
		else
			snprintf(buf, size, "%s", sym->name);
	} else if (s->layout) {
		snprintf(buf, size, "%s", vms_region_of(s->layout, a)->name);
	}
	return buf;
}

/* ---- sym ---------------------------------------------------------------- */

static const char sym_help[] =
	"Usage: vmscope sym [OPTIONS] DUMP... NAME|ADDR...\n"
	"Look up kernel symbols: a name gives its address, an address (hex, 0x\n"
	"optional) gives the symbol that holds it and the offset.  Without --vmlinux\n"
	"or --system-map the kallsyms tables in the dump are used (Linux 6.0+).\n\n"
	"Options:\n"
	"      --list             print every symbol (address, type, name)\n"
	SYM_OPTIONS_HELP CLI_COMMON_HELP;

int vms_cmd_sym(int argc, char **argv)
{
	struct sym_cmd s = { .name = "sym", .help = sym_help };
	struct json j;
	int rc = sc_parse(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (!s.nargs && !s.list)
		return cli_usage("sym", "no symbol name or address given");
	if ((rc = sc_open(&s, true, 2, false)) >= 0) {
		sc_close(&s);
		return rc;
	}
	rc = CLI_EXIT_OK;
	if (s.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "source", vms_symtab_source_name(vms_symtab_source(s.symtab)));
		json_kv_hex(&j, "kaslr_offset", vms_symtab_kaslr_offset(s.symtab));
		json_kv_uint(&j, "count", vms_symtab_count(s.symtab));
		json_key(&j, "symbols");
		json_array_begin(&j);
	}
	if (s.list) {
		for (size_t i = 0; i < vms_symtab_count(s.symtab); i++) {
			const struct vms_symbol *sym = vms_symtab_get(s.symtab, i);
			if (s.c.json) {
				json_object_begin(&j);
				json_kv_string(&j, "name", sym->name);
				json_kv_hex(&j, "address", sym->addr);
				json_key(&j, "type");
				json_string_len(&j, &sym->type, 1);
				json_object_end(&j);
			} else {
				printf("%016" PRIx64 " %c %s\n", sym->addr, sym->type, sym->name);
			}
		}
	}
	for (size_t i = 0; i < s.nargs; i++) {
		const char *q = s.args[i];
		const struct vms_symbol *sym = vms_symbol_by_name(s.symtab, q);
		uint64_t addr = 0, off = 0;

		if (!sym && cli_parse_addr(q, &addr))
			sym = vms_symbol_by_addr(s.symtab, addr, &off);
		else if (sym)
			addr = sym->addr;
		if (!sym) {
			cli_error("%s: no such symbol%s", q,
				  cli_parse_addr(q, &addr) ? " at or below that address" : "");
			rc = CLI_EXIT_FAIL;
			continue;
		}
		if (s.c.json) {
			json_object_begin(&j);
			json_kv_string(&j, "query", q);
			json_kv_string(&j, "name", sym->name);
			json_kv_hex(&j, "address", addr);
			json_kv_hex(&j, "symbol_address", sym->addr);
			json_kv_uint(&j, "offset", off);
			json_kv_uint(&j, "size", sym->size);
			json_kv_bool(&j, "size_exact", sym->size_exact);
			json_key(&j, "type");
			json_string_len(&j, &sym->type, 1);
			json_object_end(&j);
		} else if (addr == sym->addr && !off && !strcmp(q, sym->name)) {
			printf("%s = 0x%016" PRIx64 " %c size %s0x%" PRIx64 "\n", sym->name, sym->addr,
			       sym->type, sym->size_exact ? "" : "<= ", sym->size);
		} else {
			printf("0x%016" PRIx64 " = %s+0x%" PRIx64 "/0x%" PRIx64 " %c\n", addr, sym->name,
			       off, sym->size, sym->type);
		}
	}
	if (s.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (s.nargs) {
		fprintf(stderr, "(symbols from %s)\n", vms_symtab_source_name(vms_symtab_source(s.symtab)));
	}
	sc_close(&s);
	return rc;
}

/* ---- whatis ------------------------------------------------------------- */

static const char whatis_help[] =
	"Usage: vmscope whatis [OPTIONS] --vmlinux=FILE [DUMP...] TYPE\n"
	"Print the layout of a type from the vmlinux's DWARF, like pahole: each\n"
	"member with its offset and size (bit-fields with their bits), nested\n"
	"anonymous structures inline, enumerators of an enum.  TYPE is\n"
	"'struct NAME', 'union NAME', 'enum NAME', a typedef or a bare name.\n"
	"With a dump, the vmlinux must match it.\n\n"
	"Options:\n" SYM_OPTIONS_HELP CLI_COMMON_HELP;

/* The name to show: anonymous structures as "struct {...}". */
static const char *tname(const vms_type *t)
{
	const char *n = vms_type_name(t);
	if (*n)
		return n;
	switch (vms_type_kind(t)) {
	case VMS_TYPE_STRUCT: return "struct {...}";
	case VMS_TYPE_UNION: return "union {...}";
	case VMS_TYPE_ENUM: return "enum {...}";
	default: return "?";
	}
}

static void size_str(const vms_type *t, char *buf, size_t n)
{
	uint64_t sz;
	if (vms_type_size(t, &sz))
		snprintf(buf, n, "%" PRIu64, sz);
	else
		snprintf(buf, n, "?");
}

static void whatis_text(const vms_type *t, uint64_t base, int indent, int depth)
{
	const vms_type *st = vms_type_strip(t);
	char sz[32];

	if (!st || depth > 8)
		return;
	if (vms_type_kind(st) == VMS_TYPE_ENUM) {
		const char *nm;
		int64_t v;
		for (size_t i = 0; vms_type_enumerator(st, i, &nm, &v); i++)
			printf("%*s%s = %" PRId64 ",\n", indent, "", nm, v);
		return;
	}
	for (size_t i = 0; i < vms_type_nmembers(st); i++) {
		const struct vms_member *m = vms_type_member(st, i);
		const vms_type *ms = vms_type_strip(m->type);
		size_str(m->type, sz, sizeof(sz));
		if (!*m->name && ms && (vms_type_kind(ms) == VMS_TYPE_STRUCT ||
					vms_type_kind(ms) == VMS_TYPE_UNION)) {
			printf("%*s%s {\t/* %6" PRIu64 " %6s */\n", indent, "",
			       vms_type_kind(ms) == VMS_TYPE_STRUCT ? "struct" : "union",
			       base + m->offset, sz);
			whatis_text(ms, base + m->offset, indent + 8, depth + 1);
			printf("%*s};\n", indent, "");
			continue;
		}
		if (m->bit_size)
			printf("%*s%-32s %s:%u;\t/* %6" PRIu64 ":%u %4s */\n", indent, "",
			       tname(m->type), m->name, m->bit_size, base + m->offset,
			       m->bit_offset, sz);
		else
			printf("%*s%-32s %s;\t/* %6" PRIu64 " %6s */\n", indent, "",
			       tname(m->type), m->name, base + m->offset, sz);
	}
}

static void whatis_json(struct json *j, const vms_type *t, int depth)
{
	const vms_type *st = vms_type_strip(t);
	uint64_t sz;

	json_object_begin(j);
	json_kv_string(j, "name", vms_type_name(t));
	json_key(j, "size");
	if (vms_type_size(t, &sz))
		json_uint(j, sz);
	else
		json_null(j);
	if (st && st != t)
		json_kv_string(j, "underlying", vms_type_name(st));
	if (st && vms_type_kind(st) == VMS_TYPE_ENUM) {
		const char *nm;
		int64_t v;
		json_key(j, "enumerators");
		json_object_begin(j);
		for (size_t i = 0; vms_type_enumerator(st, i, &nm, &v); i++)
			json_kv_int(j, nm, v);
		json_object_end(j);
	} else if (st && vms_type_nmembers(st)) {
		json_key(j, "members");
		json_array_begin(j);
		for (size_t i = 0; i < vms_type_nmembers(st); i++) {
			const struct vms_member *m = vms_type_member(st, i);
			const vms_type *ms = vms_type_strip(m->type);
			json_object_begin(j);
			json_kv_string(j, "name", m->name);
			json_kv_string(j, "type", tname(m->type));
			json_kv_uint(j, "offset", m->offset);
			json_key(j, "size");
			if (vms_type_size(m->type, &sz))
				json_uint(j, sz);
			else
				json_null(j);
			if (m->bit_size) {
				json_kv_uint(j, "bit_offset", m->bit_offset);
				json_kv_uint(j, "bit_size", m->bit_size);
			}
			if (!*m->name && ms && depth < 8 &&
			    (vms_type_kind(ms) == VMS_TYPE_STRUCT || vms_type_kind(ms) == VMS_TYPE_UNION)) {
				json_key(j, "layout");
				whatis_json(j, ms, depth + 1);
			}
			json_object_end(j);
		}
		json_array_end(j);
	}
	json_object_end(j);
}

int vms_cmd_whatis(int argc, char **argv)
{
	struct sym_cmd s = { .name = "whatis", .help = whatis_help, .dump_optional = true };
	const vms_type *t;
	vms_error *err;
	int rc = sc_parse(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (s.nargs != 1)
		return cli_usage("whatis", s.nargs ? "one type at a time" : "no type given");
	/* With a dump, loading the vmlinux's symbols checks that it matches. */
	if ((rc = sc_open(&s, false, s.nfiles ? 2 : 0, true)) >= 0) {
		sc_close(&s);
		return rc;
	}
	if ((err = vms_type_find(s.types, s.args[0], &t))) {
		sc_close(&s);
		return cli_fail(err);
	}
	if (s.c.json) {
		struct json j;
		json_init(&j, stdout);
		whatis_json(&j, t, 0);
		json_finish(&j);
	} else {
		const vms_type *st = vms_type_strip(t);
		char sz[32];
		size_str(t, sz, sizeof(sz));
		if (st != t)
			printf("typedef %s %s;\n", st ? vms_type_name(st) : "void", vms_type_name(t));
		if (st && (vms_type_kind(st) == VMS_TYPE_STRUCT || vms_type_kind(st) == VMS_TYPE_UNION ||
			   vms_type_kind(st) == VMS_TYPE_ENUM)) {
			printf("%s {\n", *vms_type_name(st) ? vms_type_name(st) : "struct");
			whatis_text(st, 0, 8, 0);
			printf("\n        /* size: %s */\n};\n", sz);
		} else {
			printf("%s: size %s\n", vms_type_name(t), sz);
		}
	}
	sc_close(&s);
	return CLI_EXIT_OK;
}

/* ---- struct ------------------------------------------------------------- */

static const char struct_help[] =
	"Usage: vmscope struct [OPTIONS] --vmlinux=FILE DUMP... TYPE ADDR\n"
	"Print the kernel structure of type TYPE at virtual address ADDR (a symbol\n"
	"name works too): member offsets, names and values, nested structures,\n"
	"arrays, strings for char arrays, and pointers with the symbol or region\n"
	"they point to.\n\n"
	"Options:\n"
	"  -m, --member=PATH      print only this member (e.g. se.exec_start, comm, tasks.next)\n"
	"      --depth=N          expand nested structures N levels deep (default 3)\n"
	"      --phys             ADDR is a physical address\n"
	SYM_OPTIONS_HELP CLI_COMMON_HELP;

/* Values are read once into a buffer; the printers look into it. */
struct printer {
	struct sym_cmd *s;
	struct json *j;
	const uint8_t *buf;
	uint64_t len;
	uint64_t addr;		/* of buf[0] */
};

static uint64_t get_uint(const uint8_t *p, uint64_t size)
{
	uint64_t v = 0;
	for (uint64_t i = size > 8 ? 8 : size; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

/* A bit-field's value (little-endian bit numbering). */
static uint64_t get_bits(const uint8_t *p, unsigned bit_off, unsigned bits)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < bits; i++) {
		unsigned b = bit_off + i;
		v |= (uint64_t)(p[b / 8] >> (b % 8) & 1) << i;
	}
	return v;
}

static void print_value(struct printer *pr, const vms_type *t, uint64_t off, const struct vms_member *bf,
			int indent, unsigned depth);

static void print_scalar(struct printer *pr, const vms_type *t, uint64_t off, const struct vms_member *bf)
{
	const vms_type *st = vms_type_strip(t);
	uint64_t size = 0, v;
	char desc[160], text[256];
	const uint8_t *p = pr->buf + off;

	vms_type_size(t, &size);
	if (bf && bf->bit_size)
		v = get_bits(p, bf->bit_offset, bf->bit_size);
	else
		v = get_uint(p, size);
	if (st && vms_type_is_signed(st) && size < 8 && size && (!bf || !bf->bit_size)) {
		uint64_t sign = 1ull << (size * 8 - 1);
		v = (v ^ sign) - sign;
	}
	text[0] = '\0';
	switch (st ? vms_type_kind(st) : VMS_TYPE_VOID) {
	case VMS_TYPE_POINTER:
		describe_addr(pr->s, v, desc, sizeof(desc));
		snprintf(text, sizeof(text), "0x%" PRIx64 "%s%s%s", v, *desc ? " <" : "", desc,
			 *desc ? ">" : "");
		break;
	case VMS_TYPE_ENUM: {
		const char *nm;
		int64_t ev;
		snprintf(text, sizeof(text), "%" PRId64, (int64_t)v);
		for (size_t i = 0; vms_type_enumerator(st, i, &nm, &ev); i++)
			if ((uint64_t)ev == v) {
				snprintf(text, sizeof(text), "%s (%" PRId64 ")", nm, ev);
				break;
			}
		break;
	}
	case VMS_TYPE_FLOAT:
		snprintf(text, sizeof(text), "0x%" PRIx64 " (float bits)", v);
		break;
	default:
		if (st && vms_type_is_signed(st))
			snprintf(text, sizeof(text), "%" PRId64, (int64_t)v);
		else if (size == 1 && v >= 0x20 && v < 0x7f)
			snprintf(text, sizeof(text), "%" PRIu64 " '%c'", v, (int)v);
		else
			snprintf(text, sizeof(text), "0x%" PRIx64, v);
	}
	if (pr->j) {
		json_key(pr->j, "value");
		if (st && vms_type_kind(st) == VMS_TYPE_POINTER)
			json_hex(pr->j, v);
		else if (st && vms_type_is_signed(st))
			json_int(pr->j, (int64_t)v);
		else
			json_uint(pr->j, v);
		if (st && vms_type_kind(st) != VMS_TYPE_INT)
			json_kv_string(pr->j, "text", text);
	} else {
		printf("%s", text);
	}
}

static bool is_char(const vms_type *t)
{
	uint64_t sz;
	const vms_type *st = vms_type_strip(t);
	return st && vms_type_kind(st) == VMS_TYPE_INT && vms_type_size(st, &sz) && sz == 1;
}

static void print_members(struct printer *pr, const vms_type *st, uint64_t off, int indent,
			  unsigned depth)
{
	for (size_t i = 0; i < vms_type_nmembers(st); i++) {
		const struct vms_member *m = vms_type_member(st, i);
		uint64_t msz = 0;
		vms_type_size(m->type, &msz);
		if (m->offset > pr->len || (!m->bit_size && msz > pr->len - m->offset))
			continue;	/* flexible or hostile: outside the read */
		if (pr->j) {
			json_object_begin(pr->j);
			json_kv_string(pr->j, "name", m->name);
			json_kv_string(pr->j, "type", tname(m->type));
			json_kv_uint(pr->j, "offset", m->offset);
			print_value(pr, m->type, off + m->offset, m, indent, depth);
			json_object_end(pr->j);
		} else {
			printf("%*s[0x%" PRIx64 "] %s %s = ", indent, "", m->offset,
			       tname(m->type), m->name);
			if (m->bit_size)
				printf("(:%u) ", m->bit_size);
			print_value(pr, m->type, off + m->offset, m, indent, depth);
			printf("\n");
		}
	}
}

static void print_value(struct printer *pr, const vms_type *t, uint64_t off, const struct vms_member *bf,
			int indent, unsigned depth)
{
	const vms_type *st = vms_type_strip(t);
	enum vms_type_kind k = st ? vms_type_kind(st) : VMS_TYPE_VOID;
	uint64_t size = 0;

	vms_type_size(t, &size);
	if (off > pr->len || size > pr->len - off) {
		if (pr->j)
			json_kv_string(pr->j, "text", "(outside the read)");
		else
			printf("(outside the read)");
		return;
	}
	if (k == VMS_TYPE_STRUCT || k == VMS_TYPE_UNION) {
		if (depth >= pr->s->depth) {
			if (pr->j)
				json_kv_string(pr->j, "text", "{...}");
			else
				printf("{...}");
			return;
		}
		if (pr->j) {
			json_key(pr->j, "members");
			json_array_begin(pr->j);
			print_members(pr, st, off, indent + 2, depth + 1);
			json_array_end(pr->j);
		} else {
			printf("{\n");
			print_members(pr, st, off, indent + 2, depth + 1);
			printf("%*s}", indent, "");
		}
		return;
	}
	if (k == VMS_TYPE_ARRAY) {
		const vms_type *el = vms_type_target(st);
		uint64_t n = vms_type_array_len(st), es = 0;
		if (!el || !vms_type_size(el, &es) || !es)
			n = 0;
		if (el && is_char(el) && n) {
			size_t l = strnlen((const char *)pr->buf + off, n);
			if (pr->j) {
				json_key(pr->j, "value");
				json_string_len(pr->j, (const char *)pr->buf + off, l);
			} else {
				putchar('"');
				for (size_t i = 0; i < l; i++) {
					unsigned char c = pr->buf[off + i];
					if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
						putchar(c);
					else
						printf("\\x%02x", c);
				}
				putchar('"');
			}
			return;
		}
		uint64_t shown = n > 64 ? 64 : n;
		if (pr->j) {
			json_key(pr->j, "elements");
			json_array_begin(pr->j);
		} else {
			printf("{");
		}
		for (uint64_t i = 0; i < shown; i++) {
			if (pr->j) {
				json_object_begin(pr->j);
				print_value(pr, el, off + i * es, NULL, indent + 2, depth);
				json_object_end(pr->j);
			} else {
				printf("%s", i ? ", " : "");
				print_value(pr, el, off + i * es, NULL, indent + 2, depth);
			}
		}
		if (pr->j) {
			json_array_end(pr->j);
		} else {
			printf("%s}", n > shown ? ", ..." : "");
		}
		return;
	}
	if (k == VMS_TYPE_VOID || k == VMS_TYPE_FUNCTION || !size) {
		if (pr->j)
			json_kv_string(pr->j, "text", "(no value)");
		else
			printf("(no value)");
		return;
	}
	print_scalar(pr, t, off, bf && bf->bit_size ? bf : NULL);
}

/* Reads len bytes at addr: virtual through the layout, or physical. */
static vms_error *read_mem(struct sym_cmd *s, uint64_t addr, void *buf, size_t len)
{
	if (s->phys)
		return vms_dump_read_phys(s->dump, addr, buf, len, 0);
	return vms_read_virt(s->layout, addr, buf, len, 0);
}

#define STRUCT_MAX_READ (16u << 20)

int vms_cmd_struct(int argc, char **argv)
{
	struct sym_cmd s = { .name = "struct", .help = struct_help };
	const vms_type *t;
	struct vms_member target;
	uint64_t addr, size;
	uint8_t *buf = NULL;
	vms_error *err;
	struct json j;
	struct printer pr;
	int rc = sc_parse(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (s.nargs != 2)
		return cli_usage("struct", "expected TYPE and ADDR");
	if ((rc = sc_open(&s, !s.phys, s.phys ? 0 : 2, true)) >= 0)
		goto out;
	rc = CLI_EXIT_FAIL;
	if ((err = vms_type_find(s.types, s.args[0], &t))) {
		cli_fail(err);
		goto out;
	}
	if (s.symtab && vms_symbol_by_name(s.symtab, s.args[1]))
		addr = vms_symbol_by_name(s.symtab, s.args[1])->addr;
	else if (!cli_parse_addr(s.args[1], &addr)) {
		rc = cli_usage("struct", "bad address or unknown symbol '%s'", s.args[1]);
		goto out;
	}
	target = (struct vms_member){ .name = "", .type = t };
	if (s.member && (err = vms_type_member_path(t, s.member, &target))) {
		cli_fail(err);
		goto out;
	}
	if (!vms_type_size(target.type, &size) || !size) {
		cli_error("%s has no size", vms_type_name(target.type));
		goto out;
	}
	if (target.bit_size)
		size = (target.bit_offset + target.bit_size + 7) / 8;
	if (size > STRUCT_MAX_READ) {
		cli_error("%s is %" PRIu64 " bytes: more than vmscope prints", vms_type_name(t), size);
		goto out;
	}
	if (!(buf = malloc(size))) {
		cli_error("out of memory");
		goto out;
	}
	if ((err = read_mem(&s, addr + target.offset, buf, size))) {
		cli_fail(err);
		goto out;
	}
	pr = (struct printer){ .s = &s, .j = NULL, .buf = buf, .len = size, .addr = addr + target.offset };
	if (s.c.json) {
		pr.j = &j;
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "type", vms_type_name(target.type));
		json_kv_hex(&j, "address", addr + target.offset);
		if (s.member)
			json_kv_string(&j, "member", s.member);
		print_value(&pr, target.type, 0, &target, 0, 0);
		json_object_end(&j);
		json_finish(&j);
	} else {
		char desc[160];
		describe_addr(&s, addr + target.offset, desc, sizeof(desc));
		printf("%s%s%s at 0x%" PRIx64 "%s%s%s = ", vms_type_name(target.type),
		       s.member ? " " : "", s.member ? s.member : "", addr + target.offset,
		       *desc ? " <" : "", desc, *desc ? ">" : "");
		print_value(&pr, target.type, 0, &target, 0, 0);
		printf("\n");
	}
	rc = CLI_EXIT_OK;
out:
	free(buf);
	sc_close(&s);
	return rc;
}

/* ---- ps ----------------------------------------------------------------- */

static const char ps_help[] =
	"Usage: vmscope ps [OPTIONS] --vmlinux=FILE DUMP...\n"
	"List the tasks (thread-group leaders) by walking init_task's tasks list:\n"
	"pid, parent pid, state, the task_struct's address and comm.  Symbols come\n"
	"from the dump's kallsyms unless --system-map is given; member offsets from\n"
	"the vmlinux's DWARF.\n\n"
	"Options:\n" SYM_OPTIONS_HELP CLI_COMMON_HELP;

#define PS_MAX_TASKS (1u << 22)

struct task_offs {
	uint64_t tasks, pid, tgid, comm, state, parent, size;
	bool old_state;		/* 'long state' before 5.14, '__state' after */
};

static vms_error *ps_offsets(vms_types *types, struct task_offs *o)
{
	const vms_type *t;
	struct vms_member m;
	vms_error *err;

	if ((err = vms_type_find(types, "struct task_struct", &t)))
		return err;
	if (!vms_type_size(t, &o->size))
		return vms_error_create(VMS_ERR_NOT_FOUND, "struct task_struct has no size");
#define OFF(path, field) \
	if ((err = vms_type_member_path(t, path, &m))) return err; \
	o->field = m.offset;
	OFF("tasks", tasks);
	OFF("pid", pid);
	OFF("tgid", tgid);
	OFF("comm", comm);
	OFF("real_parent", parent);
#undef OFF
	if ((err = vms_type_member_path(t, "__state", &m))) {
		vms_error_free(err);
		if ((err = vms_type_member_path(t, "state", &m)))
			return err;
		o->old_state = true;
	}
	o->state = m.offset;
	return NULL;
}

static char state_letter(uint64_t state, uint32_t exit_state)
{
	if (exit_state & 0x20) return 'Z';
	if (exit_state & 0x10) return 'X';
	if (state == 0) return 'R';
	if ((state & 0x402) == 0x402) return 'I';
	if (state & 1) return 'S';
	if (state & 2) return 'D';
	if (state & 4) return 'T';
	if (state & 8) return 't';
	return '?';
}

int vms_cmd_ps(int argc, char **argv)
{
	struct sym_cmd s = { .name = "ps", .help = ps_help };
	const struct vms_symbol *init;
	struct task_offs o;
	struct json j;
	vms_error *err;
	uint64_t head, task, next, n = 0;
	int rc = sc_parse(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (s.nargs)
		return cli_usage("ps", "unexpected argument '%s'", s.args[0]);
	/* Symbols from kallsyms even with --vmlinux: types are what ps needs
	 * from it; but a given System.map or vmlinux is honoured. */
	if ((rc = sc_open(&s, true, 2, true)) >= 0)
		goto out;
	rc = CLI_EXIT_FAIL;
	if (!(init = vms_symbol_by_name(s.symtab, "init_task"))) {
		cli_error("no init_task symbol");
		goto out;
	}
	if ((err = ps_offsets(s.types, &o))) {
		cli_fail(err);
		goto out;
	}
	if (s.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_key(&j, "tasks");
		json_array_begin(&j);
	} else {
		printf("%7s %7s %2s %-18s %s\n", "PID", "PPID", "ST", "TASK", "COMM");
	}
	head = init->addr + o.tasks;
	task = init->addr;
	rc = CLI_EXIT_OK;
	for (;;) {
		uint8_t b[16], comm[17];
		uint32_t pid, ppid = 0, exit_state = 0;
		uint64_t state, parent;

		if ((err = vms_read_virt(s.layout, task + o.pid, b, 4, 0)) ||
		    (err = vms_read_virt(s.layout, task + o.state, b + 4, o.old_state ? 8 : 4, 0)) ||
		    (err = vms_read_virt(s.layout, task + o.comm, comm, 16, 0))) {
			cli_error("task at 0x%" PRIx64 ": %s", task, vms_error_message(err));
			vms_error_free(err);
			rc = CLI_EXIT_FAIL;
			break;
		}
		pid = (uint32_t)get_uint(b, 4);
		state = get_uint(b + 4, o.old_state ? 8 : 4);
		comm[16] = '\0';
		if (!vms_read_virt(s.layout, task + o.parent, b, 8, 0)) {
			parent = get_uint(b, 8);
			if (!vms_read_virt(s.layout, parent + o.pid, b, 4, 0))
				ppid = (uint32_t)get_uint(b, 4);
		}
		(void)exit_state;
		if (s.c.json) {
			json_object_begin(&j);
			json_kv_uint(&j, "pid", pid);
			json_kv_uint(&j, "ppid", ppid);
			json_key(&j, "state");
			char st = state_letter(state, exit_state);
			json_string_len(&j, &st, 1);
			json_kv_hex(&j, "task", task);
			json_kv_string(&j, "comm", (const char *)comm);
			json_object_end(&j);
		} else {
			printf("%7" PRIu32 " %7" PRIu32 " %2c %-18" PRIx64 " %s\n", pid, ppid,
			       state_letter(state, exit_state), task, comm);
		}
		/* Next: task->tasks.next, minus the list's offset. */
		if ((err = vms_read_virt(s.layout, task + o.tasks, b, 8, 0))) {
			cli_error("tasks list at 0x%" PRIx64 ": %s", task + o.tasks, vms_error_message(err));
			vms_error_free(err);
			rc = CLI_EXIT_FAIL;
			break;
		}
		next = get_uint(b, 8);
		if (next == head)
			break;
		if (++n >= PS_MAX_TASKS) {
			cli_error("tasks list longer than %u entries: a loop?", PS_MAX_TASKS);
			rc = CLI_EXIT_FAIL;
			break;
		}
		task = next - o.tasks;
	}
	if (s.c.json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
out:
	sc_close(&s);
	return rc;
}

/* ---- layout --verify ---------------------------------------------------- */

int vms_layout_verify(vms_layout *layout, const char *vmlinux, const char *sysmap, bool json)
{
	struct vms_symtab_options so = VMS_SYMTAB_OPTIONS_INIT;
	vms_symtab *st;
	vms_error *err;
	struct json j;
	int bad = 0;
	/* Layout values are matched by key name, so arch back ends that add
	 * keys (arm64's phys_offset, kimage_voffset) are checked as they come. */
	static const struct {
		enum vms_arch arch;
		const char *sym;
		const char *key;
	} checks[] = {
		{ VMS_ARCH_X86_64, "page_offset_base", "page_offset_base" },
		{ VMS_ARCH_X86_64, "vmalloc_base", "vmalloc_base" },
		{ VMS_ARCH_X86_64, "vmemmap_base", "vmemmap_base" },
		{ VMS_ARCH_X86_64, "phys_base", "phys_base" },
		{ VMS_ARCH_ARM64, "memstart_addr", "phys_offset" },
		{ VMS_ARCH_ARM64, "kimage_voffset", "kimage_voffset" },
	};

	so.vmlinux = vmlinux;
	so.system_map = sysmap;
	if ((err = vms_symtab_open(layout, &so, &st)))
		return cli_fail(err);
	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "symbols", vms_symtab_source_name(vms_symtab_source(st)));
		json_key(&j, "values");
		json_array_begin(&j);
	}
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		const struct vms_symbol *sym;
		const struct vms_layout_value *lv = NULL;
		uint8_t b[8];
		uint64_t mem = 0;
		const char *verdict;

		if (checks[i].arch != vms_layout_arch(layout))
			continue;
		sym = vms_symbol_by_name(st, checks[i].sym);
		err = sym ? vms_read_virt(layout, sym->addr, b, 8, 0) : NULL;
		if (sym && !err)
			mem = get_uint(b, 8);
		for (int k = 0; k < VMS_LK__COUNT; k++)
			if (!strcmp(vms_layout_key_name((enum vms_layout_key)k), checks[i].key))
				lv = vms_layout_get(layout, (enum vms_layout_key)k);
		if (!sym)
			verdict = "no-symbol";
		else if (err)
			verdict = "unreadable";
		else if (!lv || !lv->known)
			verdict = "undetected";
		else
			verdict = lv->value == mem ? "equal" : "DIFFERENT";
		/* A kernel without CONFIG_KALLSYMS_ALL (Debian's arm64 6.1) has
		 * no data symbols: reported, not a failure. */
		if (!strcmp(verdict, "DIFFERENT") || !strcmp(verdict, "unreadable"))
			bad++;
		if (json) {
			json_object_begin(&j);
			json_kv_string(&j, "name", checks[i].sym);
			json_key(&j, "memory");
			if (sym && !err)
				json_hex(&j, mem);
			else
				json_null(&j);
			json_key(&j, "detected");
			if (lv && lv->known)
				json_hex(&j, lv->value);
			else
				json_null(&j);
			json_kv_string(&j, "verdict", verdict);
			json_object_end(&j);
		} else if (sym && !err && lv && lv->known) {
			printf("%-18s memory 0x%016" PRIx64 "  detected 0x%016" PRIx64 "  %s\n",
			       checks[i].sym, mem, lv->value, verdict);
		} else if (sym && !err) {
			printf("%-18s memory 0x%016" PRIx64 "  %s\n", checks[i].sym, mem, verdict);
		} else {
			printf("%-18s %s%s%s\n", checks[i].sym, verdict, err ? ": " : "",
			       err ? vms_error_message(err) : "");
		}
		vms_error_free(err);
	}
	if (json) {
		json_array_end(&j);
		json_kv_bool(&j, "all_equal", !bad);
		json_object_end(&j);
		json_finish(&j);
	}
	vms_symtab_free(st);
	return bad ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

/* ---- modules ------------------------------------------------------------ */

static const char modules_help[] =
	"Usage: vmscope modules [OPTIONS] --vmlinux=FILE DUMP...\n"
	"List the loaded kernel modules by walking the kernel's `modules' list:\n"
	"name, state, size and base as /proc/modules shows them, the struct\n"
	"module's address, and the address range of each part (text, data,\n"
	"rodata...).  struct module's layout comes from the vmlinux's DWARF:\n"
	"mem[] (Linux 6.4+) or core_layout/init_layout (older), whichever the\n"
	"types have.\n\n"
	"Options:\n" SYM_OPTIONS_HELP CLI_COMMON_HELP;

#define MOD_MAX (1u << 16)		/* bounds the walk of a corrupt list */
#define MOD_MAX_PARTS 16
#define MOD_MAX_STRUCT (64u << 10)	/* struct module is ~1 KiB */

/* Where struct module keeps what the listing needs. */
struct mod_offs {
	uint64_t size, list, name, name_len, state;
	/* Parts: base pointer and unsigned int size of each memory region;
	 * part 0 is what /proc/modules calls the base. */
	size_t nparts;
	struct {
		char kind[24];
		uint64_t base, size;
	} part[MOD_MAX_PARTS];
	const char *scheme;	/* "mem" or "core_layout" */
	const vms_type *state_type;
};

static vms_error *mod_member(const vms_type *t, const char *path, uint64_t *off)
{
	struct vms_member m;
	vms_error *err = vms_type_member_path(t, path, &m);
	if (!err)
		*off = m.offset;
	return err;
}

/* 6.4+ (mem[MOD_MEM_NUM_TYPES] of struct module_memory) when struct module
 * has mem, else 6.1's core_layout and init_layout.  Decided by the types,
 * so backports count. */
static vms_error *mod_offsets(vms_types *types, struct mod_offs *o)
{
	static const char *const kinds61[] = { "core", "init" };
	const vms_type *t, *e;
	struct vms_member m;
	vms_error *err;
	uint64_t esz, b, s;

	if ((err = vms_type_find(types, "struct module", &t)))
		return err;
	if (!vms_type_size(t, &o->size) || o->size > MOD_MAX_STRUCT)
		return vms_error_create(VMS_ERR_CORRUPT, "struct module has no plausible size");
	if ((err = mod_member(t, "list", &o->list)) || (err = mod_member(t, "state", &o->state)) ||
	    (err = vms_type_member_path(t, "name", &m)))
		return err;
	o->name = m.offset;
	const vms_type *nt = vms_type_strip(m.type);	/* NULL: void */
	o->name_len = nt ? vms_type_array_len(nt) : 0;
	if (!o->name_len || o->name_len > 256)
		return vms_error_create(VMS_ERR_CORRUPT, "struct module.name is not a char array");
	if ((err = vms_type_find(types, "enum module_state", &o->state_type))) {
		vms_error_free(err);	/* states are then shown as "?" */
		o->state_type = NULL;
	}
	if (!(err = vms_type_member_path(t, "mem", &m))) {
		const vms_type *arr = vms_type_strip(m.type), *kinds = NULL;
		uint64_t n = arr ? vms_type_array_len(arr) : 0;
		vms_error *kerr = vms_type_find(types, "enum mod_mem_type", &kinds);

		vms_error_free(kerr);
		if (kerr)
			kinds = NULL;
		e = arr ? vms_type_target(arr) : NULL;
		if (!n || n > MOD_MAX_PARTS || !e || !vms_type_size(e, &esz) ||
		    (err = mod_member(e, "base", &b)) || (err = mod_member(e, "size", &s)))
			return err ? err : vms_error_create(VMS_ERR_CORRUPT, "struct module.mem is not "
							    "an array of struct module_memory");
		o->scheme = "mem";
		o->nparts = n;
		for (size_t i = 0; i < n; i++) {
			const char *nm = NULL;
			int64_t v;
			/* "MOD_TEXT" -> "text", from the enumerator of value i. */
			for (size_t k = 0; kinds && vms_type_enumerator(kinds, k, &nm, &v); k++, nm = NULL)
				if (v == (int64_t)i)
					break;
			if (nm && !strncmp(nm, "MOD_", 4)) {
				size_t l = 0;
				for (nm += 4; nm[l] && l + 1 < sizeof(o->part[i].kind); l++)
					o->part[i].kind[l] = (char)(nm[l] >= 'A' && nm[l] <= 'Z' ? nm[l] + 32 : nm[l]);
				o->part[i].kind[l] = '\0';
			} else {
				snprintf(o->part[i].kind, sizeof(o->part[i].kind), "mem%zu", i);
			}
			o->part[i].base = m.offset + i * esz + b;
			o->part[i].size = m.offset + i * esz + s;
		}
		return NULL;
	}
	vms_error_free(err);
	o->scheme = "core_layout";
	o->nparts = 2;
	for (size_t i = 0; i < 2; i++) {
		char path[32];
		snprintf(o->part[i].kind, sizeof(o->part[i].kind), "%s", kinds61[i]);
		snprintf(path, sizeof(path), "%s_layout.base", kinds61[i]);
		if ((err = mod_member(t, path, &o->part[i].base)))
			return err;
		snprintf(path, sizeof(path), "%s_layout.size", kinds61[i]);
		if ((err = mod_member(t, path, &o->part[i].size)))
			return err;
	}
	return NULL;
}

/* The names /proc/modules prints for enum module_state. */
static const char *mod_state_name(const struct mod_offs *o, uint64_t v)
{
	static const struct { const char *enumerator, *shown; } names[] = {
		{ "MODULE_STATE_LIVE", "Live" },	{ "MODULE_STATE_COMING", "Loading" },
		{ "MODULE_STATE_GOING", "Unloading" },	{ "MODULE_STATE_UNFORMED", "Unformed" },
	};
	const char *nm;
	int64_t ev;

	for (size_t k = 0; o->state_type && vms_type_enumerator(o->state_type, k, &nm, &ev); k++) {
		if ((uint64_t)ev != v)
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(nm, names[i].enumerator))
				return names[i].shown;
		return nm;
	}
	return "?";
}

int vms_cmd_modules(int argc, char **argv)
{
	struct sym_cmd s = { .name = "modules", .help = modules_help };
	const struct vms_symbol *sym;
	struct mod_offs o;
	struct json j;
	vms_error *err;
	uint8_t *buf = NULL;
	uint64_t head, next, n = 0;
	int rc = sc_parse(&s, argc, argv);

	if (rc >= 0)
		return rc;
	if (s.nargs)
		return cli_usage("modules", "unexpected argument '%s'", s.args[0]);
	if ((rc = sc_open(&s, true, 2, true)) >= 0)
		goto out;
	rc = CLI_EXIT_FAIL;
	memset(&o, 0, sizeof(o));
	if (!(sym = vms_symbol_by_name(s.symtab, "modules"))) {
		cli_error("no `modules' symbol (a kernel without modules, or symbols without data)");
		goto out;
	}
	if ((err = mod_offsets(s.types, &o))) {
		cli_fail(err);
		goto out;
	}
	if (!(buf = malloc(o.size))) {
		cli_error("out of memory");
		goto out;
	}
	head = sym->addr;
	if ((err = vms_read_virt(s.layout, head, buf, 8, 0))) {
		cli_error("modules list head at 0x%" PRIx64 ": %s", head, vms_error_message(err));
		vms_error_free(err);
		goto out;
	}
	next = get_uint(buf, 8);
	if (s.c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_string(&j, "layout", o.scheme);
		json_key(&j, "modules");
		json_array_begin(&j);
	} else {
		printf("%-24s %8s %-9s %-18s %s\n", "NAME", "SIZE", "STATE", "BASE", "MODULE");
	}
	rc = CLI_EXIT_OK;
	while (next != head) {
		uint64_t mod = next - o.list, total = 0;
		size_t nl;

		if (++n > MOD_MAX) {
			cli_error("modules list longer than %u entries: a loop?", MOD_MAX);
			rc = CLI_EXIT_FAIL;
			break;
		}
		if ((err = vms_read_virt(s.layout, mod, buf, o.size, 0))) {
			cli_error("struct module at 0x%" PRIx64 ": %s", mod, vms_error_message(err));
			vms_error_free(err);
			rc = CLI_EXIT_FAIL;
			break;
		}
		nl = strnlen((const char *)buf + o.name, o.name_len);
		/* /proc/modules's size is the sum of the parts (the init ones
		 * are zeroed once the module has initialised). */
		for (size_t i = 0; i < o.nparts; i++)
			total += get_uint(buf + o.part[i].size, 4);
		if (s.c.json) {
			json_object_begin(&j);
			json_key(&j, "name");
			json_string_len(&j, (const char *)buf + o.name, nl);
			json_kv_string(&j, "state", mod_state_name(&o, get_uint(buf + o.state, 4)));
			json_kv_hex(&j, "base", get_uint(buf + o.part[0].base, 8));
			json_kv_uint(&j, "size", total);
			json_kv_hex(&j, "module", mod);
			json_key(&j, "ranges");
			json_array_begin(&j);
		} else {
			printf("%-24.*s %8" PRIu64 " %-9s 0x%016" PRIx64 " 0x%016" PRIx64 "\n", (int)nl,
			       (const char *)buf + o.name, total,
			       mod_state_name(&o, get_uint(buf + o.state, 4)),
			       get_uint(buf + o.part[0].base, 8), mod);
		}
		for (size_t i = 0; i < o.nparts; i++) {
			uint64_t b = get_uint(buf + o.part[i].base, 8), sz = get_uint(buf + o.part[i].size, 4);
			if (!b && !sz)
				continue;	/* freed init parts, empty parts */
			if (s.c.json) {
				json_object_begin(&j);
				json_kv_string(&j, "kind", o.part[i].kind);
				json_kv_hex(&j, "start", b);
				json_kv_hex(&j, "end", b + sz);
				json_kv_uint(&j, "size", sz);
				json_object_end(&j);
			} else {
				printf("    %-14s 0x%016" PRIx64 "-0x%016" PRIx64 " %8" PRIu64 "\n",
				       o.part[i].kind, b, b + sz, sz);
			}
		}
		if (s.c.json) {
			json_array_end(&j);
			json_object_end(&j);
		}
		next = get_uint(buf + o.list, 8);
	}
	if (s.c.json) {
		json_array_end(&j);
		json_kv_uint(&j, "count", n > MOD_MAX ? MOD_MAX : n);
		json_kv_bool(&j, "complete", rc == CLI_EXIT_OK);
		json_object_end(&j);
		json_finish(&j);
	}
out:
	free(buf);
	sc_close(&s);
	return rc;
}
