/* vmscope — plugins: decoders for regions of the kernel's address space and
 * extra commands, loaded at run time with dlopen().
 *
 * A plugin is a shared object that exports one function,
 *
 *	const struct vms_plugin *vms_plugin_entry(void);
 *
 * returning a static description of itself (name, version, the regions it
 * decodes, the commands it adds).  The host calls back into the plugin with a
 * context (vms_plugin_ctx) that is its whole view of the dump: memory reads
 * with page status, translation, the detected layout, VMCOREINFO values,
 * symbols, and one output emitter that writes text or JSON, so every plugin
 * speaks --json without extra work.  Plugins link against libvmscope
 * (`pkg-config --cflags --libs vmscope`) and may use its public API on the
 * handles the context gives them.
 *
 * Versioning.  VMS_PLUGIN_ABI_VERSION counts incompatible changes; the host
 * refuses a plugin built for a newer version, and for one older than
 * VMS_PLUGIN_ABI_MIN.  Compatible growth only appends: new fields at the end
 * of struct vms_plugin and struct vms_decode_request (each carries its size,
 * so an old plugin's shorter struct reads as "field absent"), and new
 * functions in this header.  Within one ABI version, no field moves, no
 * function changes its signature, and no documented behaviour changes.
 * See doc/plugin-guide.md.
 */
#ifndef VMSCOPE_PLUGIN_H
#define VMSCOPE_PLUGIN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <vmscope/analyzer.h>
#include <vmscope/dump.h>
#include <vmscope/error.h>
#include <vmscope/symbols.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMS_PLUGIN_ABI_VERSION 1
/* The oldest ABI version this host still loads. */
#define VMS_PLUGIN_ABI_MIN 1

/* The name of the entry function, for dlsym(). */
#define VMS_PLUGIN_ENTRY_NAME "vms_plugin_entry"

typedef struct vms_plugin_ctx vms_plugin_ctx;
typedef struct vms_out vms_out;

/* What `vmscope decode` asks of a plugin.  Versioned by size. */
struct vms_decode_request {
	size_t size;		/* sizeof(struct vms_decode_request) of the host */
	uint64_t addr;		/* the address to decode */
	const char *region;	/* vms_region_of(addr)->name, e.g. "vmemmap" */
	uint64_t region_start;	/* the region's first and last byte */
	uint64_t region_end;
	/* --summary: summarise the region (or `count` items from addr)
	 * rather than decode one item. */
	bool summary;
	uint64_t count;		/* --count N; 0 when not given */
	/* The address was given as a page frame number (--pfn N) and
	 * translated by the host to its struct page; pfn holds N. */
	bool by_pfn;
	uint64_t pfn;
};

/* A command a plugin adds: `vmscope NAME [OPTIONS] DUMP ARGS...` (built-in
 * names such as dmesg have their own entry in vmscope's command table; any
 * other name runs as `vmscope run NAME ...`).  argv[0] is the command name;
 * argv holds what follows the dump file(s).  The host handles --json,
 * --help (printing `help`) and the dump before calling run(). */
struct vms_plugin_command {
	const char *name;
	const char *summary;	/* one line */
	const char *help;	/* full --help text (may be NULL) */
	vms_error *(*run)(vms_plugin_ctx *ctx, int argc, char **argv);
};

/* A plugin's description.  Static data owned by the plugin. */
struct vms_plugin {
	/* VMS_PLUGIN_ABI_VERSION and sizeof(struct vms_plugin) as the plugin
	 * was compiled; use VMS_PLUGIN_HEADER to fill them. */
	unsigned int abi_version;
	size_t size;
	const char *name;	/* unique: a later plugin of the same name is skipped */
	const char *version;	/* the plugin's own version, free text */
	const char *description;/* one line */
	/* Region names it decodes (see vms_region in analyzer.h), NULL-ended;
	 * may be NULL. */
	const char *const *regions;
	/* Decodes one address (or summarises, per the request); writes the
	 * result through vms_ctx_out(ctx).  May be NULL. */
	vms_error *(*decode)(vms_plugin_ctx *ctx, const struct vms_decode_request *req);
	/* Extra commands, ncommands of them. */
	const struct vms_plugin_command *commands;
	size_t ncommands;
};
#define VMS_PLUGIN_HEADER VMS_PLUGIN_ABI_VERSION, sizeof(struct vms_plugin)

/* Every plugin defines this (and exports it: VMS_EXPORT is visibility
 * "default", so it survives -fvisibility=hidden). */
VMS_EXPORT const struct vms_plugin *vms_plugin_entry(void);

/* ---- the context a plugin works with ------------------------------------ */

VMS_EXPORT vms_dump *vms_ctx_dump(vms_plugin_ctx *ctx);
/* The detected layout; use analyzer.h on it (vms_vtop, vms_pfn_to_page...). */
VMS_EXPORT vms_layout *vms_ctx_layout(vms_plugin_ctx *ctx);
/* The kernel's symbols, or NULL when none could be loaded (the reason is in
 * vms_ctx_symtab_error()). */
VMS_EXPORT const vms_symtab *vms_ctx_symtab(vms_plugin_ctx *ctx);
VMS_EXPORT const char *vms_ctx_symtab_error(vms_plugin_ctx *ctx);
/* The emitter every result goes through. */
VMS_EXPORT vms_out *vms_ctx_out(vms_plugin_ctx *ctx);

/* Memory.  Physical reads fail with VMS_ERR_NODATA naming the page and its
 * status; flags are the vms_dump_read_phys() flags. */
VMS_EXPORT vms_error *vms_ctx_read_phys(vms_plugin_ctx *ctx, uint64_t pa, void *buf, size_t len,
					unsigned int flags);
VMS_EXPORT vms_error *vms_ctx_read_virt(vms_plugin_ctx *ctx, uint64_t va, void *buf, size_t len,
					unsigned int flags);
/* Unsigned little/big-endian (the dump's order) integers of 1, 2, 4 or 8 bytes. */
VMS_EXPORT vms_error *vms_ctx_read_uint(vms_plugin_ctx *ctx, uint64_t va, size_t width,
					uint64_t *out);
/* The status of the page behind a virtual address: translates, then asks
 * the dump.  Fails (VMS_ERR_UNMAPPED...) when the address does not translate. */
VMS_EXPORT vms_error *vms_ctx_page_status(vms_plugin_ctx *ctx, uint64_t va, uint64_t *pa,
					  enum vms_page_status *status);

/* VMCOREINFO.  kind is "SYMBOL", "SIZE", "OFFSET", "NUMBER" or "LENGTH" and
 * name what goes in the parentheses: ("OFFSET", "page.flags").  SYMBOL
 * values are hex, the others decimal (NUMBER may be negative) unless written
 * with 0x (arm64's NUMBER(MODULES_VADDR)=0x...: the 64-bit pattern).  Fails with
 * VMS_ERR_NOT_FOUND ("VMCOREINFO has no OFFSET(page.flags)") when absent,
 * VMS_ERR_CORRUPT when the value does not parse. */
VMS_EXPORT vms_error *vms_ctx_vmcoreinfo(vms_plugin_ctx *ctx, const char *kind, const char *name,
					 int64_t *out);
/* The same, but true/false instead of an error, for optional values. */
VMS_EXPORT bool vms_ctx_vmcoreinfo_has(vms_plugin_ctx *ctx, const char *kind, const char *name,
				       int64_t *out);
/* A symbol's address: VMCOREINFO SYMBOL(name) first, then the symtab. */
VMS_EXPORT bool vms_ctx_symbol(vms_plugin_ctx *ctx, const char *name, uint64_t *addr);

/* ---- VMCOREINFO from the vmlinux (added for dumps without VMCOREINFO) --- */

/* When the dump has no VMCOREINFO, or lacks a key, and the symbols came
 * from a vmlinux with debug info (--vmlinux), vms_ctx_vmcoreinfo() answers
 * from the vmlinux instead: SYMBOL from its symbols (relocated), SIZE,
 * OFFSET, LENGTH and enumerator NUMBERs from its DWARF, run-time NUMBERs
 * read from the dump at their variable.  The dump's own values win.
 * vms_ctx_vmcoreinfo_str() is the same for a key's text ("OSRELEASE"):
 * NULL when neither source has it. */
VMS_EXPORT const char *vms_ctx_vmcoreinfo_str(vms_plugin_ctx *ctx, const char *key);
/* The values taken from the vmlinux so far, in the order first asked: the
 * key ("OFFSET(page.flags)"), the value as VMCOREINFO would spell it, and
 * how it was found ("vmlinux DWARF"...).  For the command to report. */
VMS_EXPORT size_t vms_ctx_derived_count(vms_plugin_ctx *ctx);
VMS_EXPORT bool vms_ctx_derived(vms_plugin_ctx *ctx, size_t i, const char **key,
				const char **value, const char **how);

/* ---- the output emitter ------------------------------------------------- */

/* Results are a tree of objects, arrays and scalar fields.  In JSON mode the
 * tree is written as one JSON document per command (addresses as "0x..."
 * strings); in text mode each field is a "key: value" line, indented by
 * depth, and array items are separated by a blank line.  A plugin that wants
 * its own text layout (a log, a table) writes lines with vms_out_text() and
 * turns field echoing off in text mode with vms_out_text_fields(out, false);
 * the fields still make the JSON. */
VMS_EXPORT bool vms_out_is_json(const vms_out *out);
VMS_EXPORT void vms_out_text_fields(vms_out *out, bool show);
/* key is NULL inside an array. */
VMS_EXPORT void vms_out_object_begin(vms_out *out, const char *key);
VMS_EXPORT void vms_out_object_end(vms_out *out);
VMS_EXPORT void vms_out_array_begin(vms_out *out, const char *key);
VMS_EXPORT void vms_out_array_end(vms_out *out);
VMS_EXPORT void vms_out_str(vms_out *out, const char *key, const char *value);
/* A string of exactly len bytes (may hold any bytes; escaped in JSON). */
VMS_EXPORT void vms_out_strn(vms_out *out, const char *key, const char *value, size_t len);
VMS_EXPORT void vms_out_strf(vms_out *out, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
VMS_EXPORT void vms_out_hex(vms_out *out, const char *key, uint64_t value);
VMS_EXPORT void vms_out_uint(vms_out *out, const char *key, uint64_t value);
VMS_EXPORT void vms_out_int(vms_out *out, const char *key, int64_t value);
VMS_EXPORT void vms_out_bool(vms_out *out, const char *key, bool value);
VMS_EXPORT void vms_out_null(vms_out *out, const char *key);
/* A line of text, text mode only (a newline is added). */
VMS_EXPORT void vms_out_text(vms_out *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- the host side (for programs that load plugins) --------------------- */

typedef struct vms_plugin_host vms_plugin_host;

VMS_EXPORT vms_error *vms_plugin_host_new(vms_plugin_host **out);
/* dlclose()s every plugin. */
VMS_EXPORT void vms_plugin_host_free(vms_plugin_host *host);
/* Loads one plugin file.  A plugin that cannot be loaded (no such file,
 * no entry symbol, wrong ABI, duplicate name) gives an error and leaves
 * the host as it was. */
VMS_EXPORT vms_error *vms_plugin_host_load(vms_plugin_host *host, const char *path);
/* Loads every *.so of the colon-separated directories in $VMSCOPE_PLUGIN_PATH,
 * then of the installed plugin directory.  Failures do not stop it: each
 * is reported through warn (may be NULL) and the rest still load. */
VMS_EXPORT void vms_plugin_host_load_default(vms_plugin_host *host,
					     void (*warn)(void *arg, const char *msg), void *arg);
/* The installed plugin directory, compiled in. */
VMS_EXPORT const char *vms_plugin_dir(void);

VMS_EXPORT size_t vms_plugin_host_count(const vms_plugin_host *host);
VMS_EXPORT const struct vms_plugin *vms_plugin_host_get(const vms_plugin_host *host, size_t i,
							 const char **path);
/* The plugin that decodes region, or NULL. */
VMS_EXPORT const struct vms_plugin *vms_plugin_host_for_region(const vms_plugin_host *host,
								const char *region);
/* The plugin command called name, or NULL. */
VMS_EXPORT const struct vms_plugin_command *
vms_plugin_host_command(const vms_plugin_host *host, const char *name,
			const struct vms_plugin **plugin);

/* A context for calling plugins: borrows dump, layout and symtab (symtab
 * may be NULL, with symtab_error saying why; copied). */
VMS_EXPORT vms_error *vms_plugin_ctx_new(vms_dump *dump, vms_layout *layout,
					 const vms_symtab *symtab, const char *symtab_error,
					 vms_out *out, vms_plugin_ctx **ctxp);
VMS_EXPORT void vms_plugin_ctx_free(vms_plugin_ctx *ctx);

/* An emitter writing to stream f, JSON or text. */
VMS_EXPORT vms_error *vms_out_new(FILE *stream, bool json, vms_out **out);
/* Ends the document (closes what is open, adds the final newline). */
VMS_EXPORT void vms_out_finish(vms_out *out);
VMS_EXPORT void vms_out_free(vms_out *out);

/* Calls a plugin's decoder, prefixing its errors with the plugin's name.
 * A plugin's error is passed up; a NULL-returning plugin that reports
 * nothing is fine. */
VMS_EXPORT vms_error *vms_plugin_decode(const struct vms_plugin *plugin, vms_plugin_ctx *ctx,
					const struct vms_decode_request *req);

#ifdef __cplusplus
}
#endif
#endif
