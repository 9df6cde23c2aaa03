/* The plugin host: loading plugins with dlopen(), the context they work
 * with, and the one output emitter (text or JSON).  See
 * include/vmscope/plugin.h for the contract and doc/plugin-guide.md. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/plugin.h>
#include "error-priv.h"
#include "util.h"
#include "vmcoreinfo-dwarf.h"

#ifndef VMS_PLUGIN_DIR
#define VMS_PLUGIN_DIR "/usr/local/lib/vmscope/plugins"
#endif

/* A sane cap: plugin directories are small, and a runaway path list must not
 * make us dlopen() thousands of files. */
#define MAX_PLUGINS 256

/* ---- the emitter --------------------------------------------------------- */

#define OUT_MAX_DEPTH 32

struct vms_out {
	FILE *f;
	bool json;
	bool text_fields;	/* echo fields in text mode */
	int depth;
	bool first[OUT_MAX_DEPTH];	/* nothing written yet at this depth */
	bool in_array[OUT_MAX_DEPTH];
	bool started;		/* JSON: the top-level object was opened */
};

vms_error *vms_out_new(FILE *stream, bool json, vms_out **out)
{
	vms_out *o = calloc(1, sizeof(*o));

	if (!o)
		return VMS_ENOMEM;
	o->f = stream;
	o->json = json;
	o->text_fields = true;
	o->first[0] = true;
	*out = o;
	return NULL;
}

void vms_out_free(vms_out *out)
{
	free(out);
}

bool vms_out_is_json(const vms_out *out)
{
	return out->json;
}

void vms_out_text_fields(vms_out *out, bool show)
{
	out->text_fields = show;
}

static void json_escape(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			/* Bytes, not UTF-8: kernel strings can hold anything. */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* JSON: the document is one object, opened on the first write. */
static void json_start(vms_out *o)
{
	if (!o->started) {
		fputc('{', o->f);
		o->started = true;
		o->depth = 1;
		o->first[1] = true;
		o->in_array[1] = false;
	}
}

/* Writes the separator and key of the next JSON value. */
static void json_prefix(vms_out *o, const char *key)
{
	json_start(o);
	if (!o->first[o->depth])
		fputc(',', o->f);
	o->first[o->depth] = false;
	if (key && !o->in_array[o->depth]) {
		json_escape(o->f, key, strlen(key));
		fputc(':', o->f);
	}
}

static void text_indent(vms_out *o)
{
	for (int i = 0; i < o->depth; i++)
		fputs("  ", o->f);
}

/* Text: the start of a field line ("key: " or "- " in an array). */
static bool text_prefix(vms_out *o, const char *key)
{
	if (!o->text_fields)
		return false;
	text_indent(o);
	if (o->in_array[o->depth] || !key)
		fputs("- ", o->f);
	else
		fprintf(o->f, "%s: ", key);
	return true;
}

static void push(vms_out *o, bool array)
{
	if (o->depth + 1 >= OUT_MAX_DEPTH)
		return;	/* deeper nesting is flattened rather than overflowing */
	o->depth++;
	o->first[o->depth] = true;
	o->in_array[o->depth] = array;
}

static void open_container(vms_out *o, const char *key, bool array)
{
	if (o->json) {
		json_prefix(o, key);
		fputc(array ? '[' : '{', o->f);
	} else if (o->text_fields) {
		if (o->in_array[o->depth]) {
			/* items of an array of objects: a blank line between them */
			if (!o->first[o->depth])
				fputc('\n', o->f);
			o->first[o->depth] = false;
		} else if (key) {
			text_indent(o);
			fprintf(o->f, "%s:\n", key);
		}
	}
	push(o, array);
}

static void close_container(vms_out *o, bool array)
{
	if (o->depth <= 0)
		return;
	if (o->json)
		fputc(array ? ']' : '}', o->f);
	o->depth--;
}

void vms_out_object_begin(vms_out *o, const char *key) { open_container(o, key, false); }
void vms_out_object_end(vms_out *o) { close_container(o, false); }
void vms_out_array_begin(vms_out *o, const char *key) { open_container(o, key, true); }
void vms_out_array_end(vms_out *o) { close_container(o, true); }

void vms_out_strn(vms_out *o, const char *key, const char *value, size_t len)
{
	if (o->json) {
		json_prefix(o, key);
		json_escape(o->f, value, len);
	} else if (text_prefix(o, key)) {
		fwrite(value, 1, len, o->f);
		fputc('\n', o->f);
	}
}

void vms_out_str(vms_out *o, const char *key, const char *value)
{
	if (!value)
		vms_out_null(o, key);
	else
		vms_out_strn(o, key, value, strlen(value));
}

void vms_out_strf(vms_out *o, const char *key, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	vms_out_strn(o, key, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void vms_out_hex(vms_out *o, const char *key, uint64_t v)
{
	if (o->json) {
		json_prefix(o, key);
		fprintf(o->f, "\"0x%" PRIx64 "\"", v);
	} else if (text_prefix(o, key)) {
		fprintf(o->f, "0x%" PRIx64 "\n", v);
	}
}

void vms_out_uint(vms_out *o, const char *key, uint64_t v)
{
	if (o->json) {
		json_prefix(o, key);
		fprintf(o->f, "%" PRIu64, v);
	} else if (text_prefix(o, key)) {
		fprintf(o->f, "%" PRIu64 "\n", v);
	}
}

void vms_out_int(vms_out *o, const char *key, int64_t v)
{
	if (o->json) {
		json_prefix(o, key);
		fprintf(o->f, "%" PRId64, v);
	} else if (text_prefix(o, key)) {
		fprintf(o->f, "%" PRId64 "\n", v);
	}
}

void vms_out_bool(vms_out *o, const char *key, bool v)
{
	if (o->json) {
		json_prefix(o, key);
		fputs(v ? "true" : "false", o->f);
	} else if (text_prefix(o, key)) {
		fputs(v ? "yes\n" : "no\n", o->f);
	}
}

void vms_out_null(vms_out *o, const char *key)
{
	if (o->json) {
		json_prefix(o, key);
		fputs("null", o->f);
	} else if (text_prefix(o, key)) {
		fputs("-\n", o->f);
	}
}

void vms_out_text(vms_out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->json)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
	fputc('\n', o->f);
}

void vms_out_finish(vms_out *o)
{
	if (!o->json)
		return;
	json_start(o);
	while (o->depth > 1)
		close_container(o, o->in_array[o->depth]);
	fputs("}\n", o->f);
	o->depth = 0;
	o->started = false;
	o->first[0] = true;
	fflush(o->f);
}

/* ---- the context --------------------------------------------------------- */

/* A VMCOREINFO value the dump lacked, computed from the vmlinux. */
struct derived {
	char *key, *value;
	const char *how;	/* static */
};

/* Caps the log of derived values: plugins ask for a few dozen keys. */
#define MAX_DERIVED 1024

struct vms_plugin_ctx {
	vms_dump *dump;
	vms_layout *layout;
	const vms_symtab *symtab;
	char *symtab_error;
	vms_out *out;
	/* The symtab's vmlinux's DWARF, opened on the first key the dump
	 * lacks; types_error remembers why it could not be. */
	vms_types *types;
	char *types_error;
	bool vmlinux_checked;
	bool vmlinux_bad;	/* not known to be the dump's kernel: no values at all */
	struct derived *derived;
	size_t nderived;
};

vms_error *vms_plugin_ctx_new(vms_dump *dump, vms_layout *layout, const vms_symtab *symtab,
			      const char *symtab_error, vms_out *out, vms_plugin_ctx **ctxp)
{
	vms_plugin_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return VMS_ENOMEM;
	c->dump = dump;
	c->layout = layout;
	c->symtab = symtab;
	c->out = out;
	if (symtab_error && !(c->symtab_error = strdup(symtab_error))) {
		free(c);
		return VMS_ENOMEM;
	}
	*ctxp = c;
	return NULL;
}

void vms_plugin_ctx_free(vms_plugin_ctx *ctx)
{
	if (!ctx)
		return;
	for (size_t i = 0; i < ctx->nderived; i++) {
		free(ctx->derived[i].key);
		free(ctx->derived[i].value);
	}
	free(ctx->derived);
	vms_types_free(ctx->types);
	free(ctx->types_error);
	free(ctx->symtab_error);
	free(ctx);
}

vms_dump *vms_ctx_dump(vms_plugin_ctx *ctx) { return ctx->dump; }
vms_layout *vms_ctx_layout(vms_plugin_ctx *ctx) { return ctx->layout; }
const vms_symtab *vms_ctx_symtab(vms_plugin_ctx *ctx) { return ctx->symtab; }
vms_out *vms_ctx_out(vms_plugin_ctx *ctx) { return ctx->out; }

const char *vms_ctx_symtab_error(vms_plugin_ctx *ctx)
{
	if (ctx->symtab)
		return NULL;
	return ctx->symtab_error ? ctx->symtab_error : "no symbols were loaded";
}

vms_error *vms_ctx_read_phys(vms_plugin_ctx *ctx, uint64_t pa, void *buf, size_t len,
			     unsigned int flags)
{
	return vms_dump_read_phys(ctx->dump, pa, buf, len, flags);
}

vms_error *vms_ctx_read_virt(vms_plugin_ctx *ctx, uint64_t va, void *buf, size_t len,
			     unsigned int flags)
{
	return vms_read_virt(ctx->layout, va, buf, len, flags);
}

vms_error *vms_ctx_read_uint(vms_plugin_ctx *ctx, uint64_t va, size_t width, uint64_t *out)
{
	uint8_t b[8];
	bool be = vms_dump_big_endian(ctx->dump);
	vms_error *err;

	if (width != 1 && width != 2 && width != 4 && width != 8)
		return vms_error_fmt(VMS_ERR_INVALID, "cannot read a %zu-byte integer", width);
	if ((err = vms_read_virt(ctx->layout, va, b, width, 0)))
		return err;
	switch (width) {
	case 1: *out = b[0]; break;
	case 2: *out = vms_get16(b, be); break;
	case 4: *out = vms_get32(b, be); break;
	default: *out = vms_get64(b, be); break;
	}
	return NULL;
}

vms_error *vms_ctx_page_status(vms_plugin_ctx *ctx, uint64_t va, uint64_t *pa,
			       enum vms_page_status *status)
{
	struct vms_translation t;
	vms_error *err = vms_vtop(ctx->layout, va, &t);

	if (err)
		return err;
	if (pa)
		*pa = t.paddr;
	return vms_dump_page_status(ctx->dump, t.paddr, status);
}

/* The value of key from the vmlinux the symbols came from, remembered (with
 * where it came from) so the command can report it. */
static vms_error *derive(vms_plugin_ctx *ctx, const char *key, const char **value)
{
	struct vms_vmci_src src = { 0 };
	char buf[256];
	const char *how;
	vms_error *err;

	for (size_t i = 0; i < ctx->nderived; i++)
		if (!strcmp(ctx->derived[i].key, key)) {
			*value = ctx->derived[i].value;
			return NULL;
		}
	src.symtab = ctx->symtab;
	src.layout = ctx->layout;
	src.big_endian = vms_dump_big_endian(ctx->dump);
	if (!ctx->vmlinux_checked) {
		/* Once: only a vmlinux known to be the dump's kernel answers;
		 * its DWARF is opened on the first key that needs it. */
		ctx->vmlinux_checked = true;
		if ((err = vms_vmci_check(&src)))
			ctx->vmlinux_bad = true;
		else
			err = vms_types_open(vms_symtab_vmlinux(ctx->symtab), &ctx->types);
		if (err) {
			ctx->types_error = strdup(vms_error_message(err));
			vms_error_free(err);
			if (!ctx->types_error)
				return VMS_ENOMEM;
		}
	}
	/* Symbols need no DWARF; the rest say why there is none. */
	if (ctx->types_error && (ctx->vmlinux_bad || strncmp(key, "SYMBOL(", 7)))
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "no %s in the dump's VMCOREINFO, and %s",
				     key, ctx->types_error);
	src.types = ctx->types;
	if ((err = vms_vmci_derive(&src, key, buf, sizeof(buf), &how)))
		return err;
	if (ctx->nderived >= MAX_DERIVED)
		return vms_error_fmt(VMS_ERR_INVALID, "more than %d values derived from the vmlinux",
				     MAX_DERIVED);
	struct derived *d = realloc(ctx->derived, (ctx->nderived + 1) * sizeof(*d));
	if (!d)
		return VMS_ENOMEM;
	ctx->derived = d;
	d += ctx->nderived;
	d->key = strdup(key);
	d->value = strdup(buf);
	d->how = how;
	if (!d->key || !d->value) {
		free(d->key);
		free(d->value);
		return VMS_ENOMEM;
	}
	ctx->nderived++;
	*value = d->value;
	return NULL;
}

/* VMCOREINFO's value of key; when the dump has none, the vmlinux's (symbols
 * given with --vmlinux), else an error that says what to give. */
static vms_error *lookup(vms_plugin_ctx *ctx, const char *key, const char **value)
{
	size_t len;

	if ((*value = vms_dump_vmcoreinfo_get(ctx->dump, key)))
		return NULL;
	/* The layout found the release in the kernel's linux_banner. */
	if (!strcmp(key, "OSRELEASE") && ctx->layout && (*value = vms_layout_osrelease(ctx->layout)))
		return NULL;
	if (ctx->symtab && vms_symtab_vmlinux(ctx->symtab))
		return derive(ctx, key, value);
	if (!vms_dump_vmcoreinfo(ctx->dump, &len) || !len)
		return vms_error_fmt(VMS_ERR_NOT_FOUND,
				     "no VMCOREINFO in the dump (for %s): give --vmlinux with debug info", key);
	return vms_error_fmt(VMS_ERR_NOT_FOUND, "VMCOREINFO has no %s", key);
}

vms_error *vms_ctx_vmcoreinfo(vms_plugin_ctx *ctx, const char *kind, const char *name,
			      int64_t *out)
{
	char key[256];
	const char *v;
	char *end;
	bool hex = !strcmp(kind, "SYMBOL");
	vms_error *err;

	if ((size_t)snprintf(key, sizeof(key), "%s(%s)", kind, name) >= sizeof(key))
		return vms_error_fmt(VMS_ERR_INVALID, "VMCOREINFO key %s(%s) is too long", kind, name);
	if ((err = lookup(ctx, key, &v)))
		return err;
	/* arm64 writes some NUMBERs in hex (NUMBER(MODULES_VADDR)=0xffff...):
	 * take them as the 64-bit pattern they are. */
	if (!hex && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		hex = true;
	errno = 0;
	if (hex)
		*out = (int64_t)strtoull(v, &end, 16);
	else
		*out = strtoll(v, &end, 10);
	if (errno || end == v || (*end && *end != '\n' && *end != ' '))
		return vms_error_fmt(VMS_ERR_CORRUPT, "VMCOREINFO %s has a bad value '%.40s'", key, v);
	return NULL;
}

const char *vms_ctx_vmcoreinfo_str(vms_plugin_ctx *ctx, const char *key)
{
	const char *v;
	vms_error *err = lookup(ctx, key, &v);

	vms_error_free(err);
	return err ? NULL : v;
}

size_t vms_ctx_derived_count(vms_plugin_ctx *ctx)
{
	return ctx->nderived;
}

bool vms_ctx_derived(vms_plugin_ctx *ctx, size_t i, const char **key, const char **value,
		     const char **how)
{
	if (i >= ctx->nderived)
		return false;
	*key = ctx->derived[i].key;
	*value = ctx->derived[i].value;
	*how = ctx->derived[i].how;
	return true;
}

bool vms_ctx_vmcoreinfo_has(vms_plugin_ctx *ctx, const char *kind, const char *name, int64_t *out)
{
	vms_error *err = vms_ctx_vmcoreinfo(ctx, kind, name, out);

	vms_error_free(err);
	return !err;
}

bool vms_ctx_symbol(vms_plugin_ctx *ctx, const char *name, uint64_t *addr)
{
	int64_t v;
	const struct vms_symbol *s;

	if (vms_ctx_vmcoreinfo_has(ctx, "SYMBOL", name, &v)) {
		*addr = (uint64_t)v;
		return true;
	}
	if (ctx->symtab && (s = vms_symbol_by_name(ctx->symtab, name))) {
		*addr = s->addr;
		return true;
	}
	return false;
}

/* ---- loading ------------------------------------------------------------- */

struct loaded {
	void *handle;
	char *path;
	/* The host's own copy, so fields past an old plugin's size read as
	 * absent (zero) rather than beyond its static data. */
	struct vms_plugin desc;
};

struct vms_plugin_host {
	struct loaded *p;
	size_t n, cap;
};

vms_error *vms_plugin_host_new(vms_plugin_host **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? NULL : VMS_ENOMEM;
}

void vms_plugin_host_free(vms_plugin_host *host)
{
	if (!host)
		return;
	for (size_t i = 0; i < host->n; i++) {
		dlclose(host->p[i].handle);
		free(host->p[i].path);
	}
	free(host->p);
	free(host);
}

const char *vms_plugin_dir(void)
{
	return VMS_PLUGIN_DIR;
}

size_t vms_plugin_host_count(const vms_plugin_host *host)
{
	return host->n;
}

const struct vms_plugin *vms_plugin_host_get(const vms_plugin_host *host, size_t i,
					     const char **path)
{
	if (i >= host->n)
		return NULL;
	if (path)
		*path = host->p[i].path;
	return &host->p[i].desc;
}

static bool has_region(const struct vms_plugin *p, const char *region)
{
	for (size_t i = 0; p->regions && p->regions[i]; i++)
		if (!strcmp(p->regions[i], region))
			return true;
	return false;
}

const struct vms_plugin *vms_plugin_host_for_region(const vms_plugin_host *host, const char *region)
{
	for (size_t i = 0; i < host->n; i++)
		if (host->p[i].desc.decode && has_region(&host->p[i].desc, region))
			return &host->p[i].desc;
	return NULL;
}

const struct vms_plugin_command *vms_plugin_host_command(const vms_plugin_host *host,
							 const char *name,
							 const struct vms_plugin **plugin)
{
	for (size_t i = 0; i < host->n; i++) {
		const struct vms_plugin *p = &host->p[i].desc;
		for (size_t k = 0; k < p->ncommands; k++)
			if (p->commands[k].name && !strcmp(p->commands[k].name, name)) {
				if (plugin)
					*plugin = p;
				return &p->commands[k];
			}
	}
	return NULL;
}

/* Checks what a plugin says about itself; the message names the file. */
static vms_error *check_desc(const char *path, const struct vms_plugin *d)
{
	if (!d)
		return vms_error_fmt(VMS_ERR_PLUGIN, "%s: %s() returned no description",
				     path, VMS_PLUGIN_ENTRY_NAME);
	if (d->abi_version > VMS_PLUGIN_ABI_VERSION)
		return vms_error_fmt(VMS_ERR_PLUGIN,
				     "%s: built for plugin ABI %u, but this vmscope supports ABI %d to %d; "
				     "use a newer vmscope or rebuild the plugin",
				     path, d->abi_version, VMS_PLUGIN_ABI_MIN, VMS_PLUGIN_ABI_VERSION);
	if (d->abi_version < VMS_PLUGIN_ABI_MIN)
		return vms_error_fmt(VMS_ERR_PLUGIN,
				     "%s: built for plugin ABI %u, which this vmscope no longer supports "
				     "(ABI %d to %d); rebuild the plugin",
				     path, d->abi_version, VMS_PLUGIN_ABI_MIN, VMS_PLUGIN_ABI_VERSION);
	/* The fields every version has must be there. */
	if (d->size < offsetof(struct vms_plugin, regions))
		return vms_error_fmt(VMS_ERR_PLUGIN, "%s: description is too short (%zu bytes)",
				     path, d->size);
	if (!d->name || !*d->name)
		return vms_error_fmt(VMS_ERR_PLUGIN, "%s: the plugin has no name", path);
	return NULL;
}

vms_error *vms_plugin_host_load(vms_plugin_host *host, const char *path)
{
	const struct vms_plugin *(*entry)(void);
	const struct vms_plugin *d;
	struct loaded l = { 0 };
	vms_error *err;
	void *h;

	if (host->n >= MAX_PLUGINS)
		return vms_error_fmt(VMS_ERR_PLUGIN, "%s: more than %d plugins; not loaded",
				     path, MAX_PLUGINS);
	/* RTLD_LOCAL: plugins cannot see (or clash with) each other's symbols.
	 * A relative name without a slash would search the library path;
	 * dlopen() is given the path as the user wrote it, which is what they
	 * expect for --plugin ./x.so and for absolute paths. */
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return vms_error_fmt(VMS_ERR_PLUGIN, "cannot load plugin %s: %s", path, dlerror());
	*(void **)&entry = dlsym(h, VMS_PLUGIN_ENTRY_NAME);
	if (!entry) {
		dlclose(h);
		return vms_error_fmt(VMS_ERR_PLUGIN,
				     "%s: not a vmscope plugin (no %s() entry symbol)",
				     path, VMS_PLUGIN_ENTRY_NAME);
	}
	d = entry();
	if ((err = check_desc(path, d))) {
		dlclose(h);
		return err;
	}
	for (size_t i = 0; i < host->n; i++)
		if (!strcmp(host->p[i].desc.name, d->name)) {
			err = vms_error_fmt(VMS_ERR_PLUGIN,
					    "%s: a plugin named '%s' is already loaded from %s; skipped",
					    path, d->name, host->p[i].path);
			dlclose(h);
			return err;
		}
	memcpy(&l.desc, d, d->size < sizeof(l.desc) ? d->size : sizeof(l.desc));
	l.desc.size = sizeof(l.desc);
	l.handle = h;
	if (!(l.path = strdup(path)))
		goto nomem;
	if (host->n == host->cap) {
		size_t cap = host->cap ? host->cap * 2 : 8;
		struct loaded *p = realloc(host->p, cap * sizeof(*p));
		if (!p)
			goto nomem;
		host->p = p;
		host->cap = cap;
	}
	host->p[host->n++] = l;
	return NULL;
nomem:
	free(l.path);
	dlclose(h);
	return VMS_ENOMEM;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void warn_err(void (*warn)(void *, const char *), void *arg, vms_error *err)
{
	if (warn)
		warn(arg, vms_error_message(err));
	vms_error_free(err);
}

/* Loads the *.so files of one directory, in name order (so which of two
 * same-named plugins wins does not depend on readdir()). */
static void load_dir(vms_plugin_host *host, const char *dir,
		     void (*warn)(void *, const char *), void *arg, bool missing_ok)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d) {
		if (!missing_ok || errno != ENOENT)
			warn_err(warn, arg, vms_error_errno(dir, errno, "plugin directory"));
		return;
	}
	while ((e = readdir(d)) && n < MAX_PLUGINS) {
		size_t len = strlen(e->d_name);
		char **nn;
		if (len < 4 || strcmp(e->d_name + len - 3, ".so"))
			continue;
		if (!(nn = realloc(names, (n + 1) * sizeof(*nn))))
			break;
		names = nn;
		if (!(names[n] = malloc(strlen(dir) + len + 2)))
			break;
		sprintf(names[n++], "%s/%s", dir, e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		vms_error *err = vms_plugin_host_load(host, names[i]);
		if (err)
			warn_err(warn, arg, err);
		free(names[i]);
	}
	free(names);
}

void vms_plugin_host_load_default(vms_plugin_host *host, void (*warn)(void *arg, const char *msg),
				  void *arg)
{
	const char *env = getenv("VMSCOPE_PLUGIN_PATH");

	if (env && *env) {
		char *copy = strdup(env), *save = NULL;
		if (!copy) {
			warn_err(warn, arg, VMS_ENOMEM);
			return;
		}
		for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
			load_dir(host, dir, warn, arg, false);
		free(copy);
	}
	/* The installed directory may legitimately be absent (uninstalled build). */
	load_dir(host, VMS_PLUGIN_DIR, warn, arg, true);
}

vms_error *vms_plugin_decode(const struct vms_plugin *plugin, vms_plugin_ctx *ctx,
			     const struct vms_decode_request *req)
{
	vms_error *err;

	if (!plugin->decode)
		return vms_error_fmt(VMS_ERR_PLUGIN, "plugin %s decodes nothing", plugin->name);
	err = plugin->decode(ctx, req);
	if (err)
		return vms_error_prefix(err, "%s", plugin->name);
	return NULL;
}
