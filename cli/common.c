/* Option handling and error reporting shared by all commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/symbols.h>

#include "cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vmscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_fail(vms_error *err)
{
	/* One line, always: messages already name file, offset and problem. */
	cli_error("%s", vms_error_message(err));
	vms_error_free(err);
	return CLI_EXIT_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("vmscope: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'vmscope %s --help')\n", cmd);
	return CLI_EXIT_USAGE;
}

bool cli_common_option(int opt, const char *arg, struct cli_common *c, bool *bad)
{
	switch (opt) {
	case CLI_OPT_JSON:
		c->json = true;
		return true;
	case CLI_OPT_HELP:
		c->help = true;
		return true;
	case CLI_OPT_NO_VMCOREINFO:
		c->no_vmcoreinfo = true;
		return true;
	case CLI_OPT_READER:
		if (!strcmp(arg, "native"))
			c->reader = VMS_READER_NATIVE;
		else if (!strcmp(arg, "libkdumpfile"))
			c->reader = VMS_READER_LIBKDUMPFILE;
		else if (!strcmp(arg, "auto"))
			c->reader = VMS_READER_AUTO;
		else {
			cli_error("--reader takes native, libkdumpfile or auto, not '%s'", arg);
			*bad = true;
		}
		return true;
	}
	return false;
}

vms_error *cli_open(char **paths, size_t n, const struct cli_common *c, vms_dump **out)
{
	struct vms_open_options o = VMS_OPEN_OPTIONS_INIT;

	o.reader = c->reader;
	o.ignore_vmcoreinfo = c->no_vmcoreinfo;
	return vms_dump_open((const char *const *)paths, n, &o, out);
}

static bool parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool cli_parse_addr(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	/* strtoull would accept a second "0x" after the one skipped */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return false;
	return parse_u64(s, 16, out);
}

vms_error *cli_resolve_addr(vms_layout *layout, vms_symtab **symtab, const char *s,
			    uint64_t *out)
{
	const struct vms_symbol *sym;
	const char *op = s + strcspn(s, "+-");
	uint64_t off = 0;
	char *name;
	vms_error *err;

	if (cli_parse_addr(s, out))
		return NULL;
	if (*op && (op == s || !cli_parse_addr(op + 1, &off)))
		return vms_error_create(VMS_ERR_INVALID,
					"'%s' is neither a hex address nor SYMBOL[+-HEX]", s);
	if (!*symtab && (err = vms_symtab_open(layout, NULL, symtab))) {
		vms_error *e = vms_error_create(vms_error_code(err),
						"'%s' is not a hex address, and there are no symbols to look it up: %s",
						s, vms_error_message(err));
		vms_error_free(err);
		return e;
	}
	if (!(name = strndup(s, (size_t)(op - s))))
		return vms_error_create(VMS_ERR_NOMEM, "out of memory");
	sym = vms_symbol_by_name(*symtab, name);
	free(name);
	if (!sym)
		return vms_error_create(VMS_ERR_NOT_FOUND,
					"'%.*s' is not a hex address or a known symbol (symbols from %s)",
					(int)(op - s), s, vms_symtab_source_name(vms_symtab_source(*symtab)));
	*out = *op == '-' ? sym->addr - off : sym->addr + off;
	return NULL;
}

bool cli_parse_size(const char *s, uint64_t *out)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return parse_u64(s + 2, 16, out);
	return parse_u64(s, 10, out);
}
