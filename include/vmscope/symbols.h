/* vmscope — kernel symbols and types.
 *
 * A vms_symtab holds the kernel's symbols, relocated by the KASLR offset, from
 * one of three sources:
 *   - a vmlinux (its ELF .symtab), refused when it does not match the dump;
 *   - a System.map;
 *   - the kallsyms tables in the dump's own memory, found through VMCOREINFO
 *     (Linux 6.0+ exports SYMBOL(kallsyms_names) and friends), so no file
 *     besides the dump is needed.
 * Symbols are kept sorted by address; lookups are O(log n).  A symtab is
 * read-only after vms_symtab_open() and may be shared between threads.
 *
 * A vms_types reads type information (DWARF) from an ELF file, typically a
 * vmlinux with debug info.  Types are indexed lazily: a lookup scans
 * compilation units only until the name is found.  A vms_types is not
 * thread-safe (the index grows as it is used).
 */
#ifndef VMSCOPE_SYMBOLS_H
#define VMSCOPE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <vmscope/analyzer.h>
#include <vmscope/dump.h>
#include <vmscope/error.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- symbols ------------------------------------------------------------ */

typedef struct vms_symtab vms_symtab;

enum vms_symtab_source {
	VMS_SYMTAB_NONE = 0,
	VMS_SYMTAB_KALLSYMS,	/* tables in the dump's memory, via VMCOREINFO */
	VMS_SYMTAB_SYSTEM_MAP,	/* a System.map file */
	VMS_SYMTAB_VMLINUX,	/* a vmlinux's ELF symbol table */
};
/* "none", "kallsyms", "system-map", "vmlinux" */
VMS_EXPORT const char *vms_symtab_source_name(enum vms_symtab_source src);

struct vms_symbol {
	const char *name;
	uint64_t addr;		/* relocated: where the symbol is in the dump */
	/* Size in bytes.  Exact from a vmlinux; from kallsyms and System.map it
	 * is the distance to the next symbol (size_exact false), as the kernel
	 * itself reports it; 0 for the last symbol. */
	uint64_t size;
	bool size_exact;
	/* nm(1)-style type letter: 'T'/'t' text, 'D'/'d' data, 'B'/'b' bss,
	 * 'R'/'r' read-only, 'A' absolute, 'W' weak, 'V' per-cpu... ('?' when
	 * the source does not say).  Lower case is local. */
	char type;
};

/* Options for vms_symtab_open().  Initialise with VMS_SYMTAB_OPTIONS_INIT. */
#define VMS_SYMTAB_OPTIONS_VERSION 1
struct vms_symtab_options {
	unsigned int version;
	/* At most one of these; with neither, kallsyms from the dump is used. */
	const char *vmlinux;
	const char *system_map;
	/* Accept a vmlinux whose BUILD-ID / release does not match the dump. */
	bool force_mismatch;
	/* Relocate by this offset instead of the detected KASLR offset. */
	bool have_kaslr_offset;
	uint64_t kaslr_offset;
};
#define VMS_SYMTAB_OPTIONS_INIT { VMS_SYMTAB_OPTIONS_VERSION, NULL, NULL, false, false, 0 }

/* Loads the symbols of the dump's kernel.  The symtab borrows nothing: the
 * layout is used only during the call (to read kallsyms and to relocate).
 * layout may be NULL with a vmlinux or System.map when have_kaslr_offset is
 * given (no relocation check is then possible).  opts may be NULL. */
VMS_EXPORT vms_error *vms_symtab_open(vms_layout *layout, const struct vms_symtab_options *opts,
				      vms_symtab **out);
VMS_EXPORT void vms_symtab_free(vms_symtab *symtab);

VMS_EXPORT enum vms_symtab_source vms_symtab_source(const vms_symtab *symtab);
/* The offset added to link-time addresses (0 for kallsyms, which holds
 * run-time addresses already, but still reported as detected). */
VMS_EXPORT uint64_t vms_symtab_kaslr_offset(const vms_symtab *symtab);
/* The path of the vmlinux the symbols came from, or NULL for the other
 * sources: lets a caller that was handed only the symtab (a plugin) open
 * the matching types with vms_types_open(). */
VMS_EXPORT const char *vms_symtab_vmlinux(const vms_symtab *symtab);

/* Symbols sorted by address (ties by name). */
VMS_EXPORT size_t vms_symtab_count(const vms_symtab *symtab);
VMS_EXPORT const struct vms_symbol *vms_symtab_get(const vms_symtab *symtab, size_t i);

/* The symbol called name, or NULL.  When several share the name (static
 * functions), the first by address is returned; prefer a global one. */
VMS_EXPORT const struct vms_symbol *vms_symbol_by_name(const vms_symtab *symtab,
						       const char *name);
/* The symbol whose [addr, addr + size) holds addr, with *offset = addr -
 * symbol address (offset may be NULL); NULL when addr is below the first
 * symbol or past the end of the last one. */
VMS_EXPORT const struct vms_symbol *vms_symbol_by_addr(const vms_symtab *symtab, uint64_t addr,
						       uint64_t *offset);

/* ---- types (DWARF) ------------------------------------------------------ */

typedef struct vms_types vms_types;
typedef struct vms_type vms_type;	/* owned by its vms_types */

enum vms_type_kind {
	VMS_TYPE_VOID = 0,
	VMS_TYPE_INT,		/* also char and _Bool; see vms_type_is_signed() */
	VMS_TYPE_FLOAT,
	VMS_TYPE_POINTER,
	VMS_TYPE_STRUCT,
	VMS_TYPE_UNION,
	VMS_TYPE_ENUM,
	VMS_TYPE_ARRAY,
	VMS_TYPE_TYPEDEF,
	VMS_TYPE_FUNCTION,
	VMS_TYPE_QUALIFIED,	/* const/volatile/restrict/atomic: see the target */
};

/* Opens the DWARF of an ELF file (a vmlinux, or any program built with -g). */
VMS_EXPORT vms_error *vms_types_open(const char *path, vms_types **out);
VMS_EXPORT void vms_types_free(vms_types *types);

/* Finds a type by name: "struct task_struct", "union x", "enum y", a typedef
 * or base type name ("pid_t", "unsigned long"), or a bare struct/union name
 * when no typedef has that name.  A full definition is preferred to a
 * declaration.  Fails with VMS_ERR_NOT_FOUND. */
VMS_EXPORT vms_error *vms_type_find(vms_types *types, const char *name, const vms_type **out);

VMS_EXPORT enum vms_type_kind vms_type_kind(const vms_type *type);
/* The type's name as C spells it ("struct list_head", "int"); "" when
 * anonymous.  Pointers and arrays build their names ("char *", "int [4]"). */
VMS_EXPORT const char *vms_type_name(const vms_type *type);
/* Size in bytes; false when the type has none (void, function, incomplete). */
VMS_EXPORT bool vms_type_size(const vms_type *type, uint64_t *size);
VMS_EXPORT bool vms_type_is_signed(const vms_type *type);
/* The pointed-to, element, aliased or qualified type (NULL for void). */
VMS_EXPORT const vms_type *vms_type_target(const vms_type *type);
/* Follows typedefs and qualifiers to the underlying type. */
VMS_EXPORT const vms_type *vms_type_strip(const vms_type *type);
/* Element count of an array (0 for a flexible array). */
VMS_EXPORT uint64_t vms_type_array_len(const vms_type *type);

struct vms_member {
	const char *name;	/* "" for an anonymous struct/union member */
	const vms_type *type;
	uint64_t offset;	/* bytes from the start of the parent */
	/* Bit-fields: bit_size > 0; bit_offset counts from the least
	 * significant bit of the byte at `offset` (little-endian). */
	unsigned int bit_offset;
	unsigned int bit_size;
};
/* Members of a struct or union (0 for other kinds); enumerators of an enum
 * come through vms_type_enumerator(). */
VMS_EXPORT size_t vms_type_nmembers(const vms_type *type);
VMS_EXPORT const struct vms_member *vms_type_member(const vms_type *type, size_t i);
VMS_EXPORT size_t vms_type_nenumerators(const vms_type *type);
VMS_EXPORT bool vms_type_enumerator(const vms_type *type, size_t i, const char **name,
				    int64_t *value);

/* Resolves a member path ("se.exec_start", "tasks.next", "comm[3]") within
 * type, through anonymous members and arrays: the result's byte offset from
 * the start of type, and the member's description (bit-field fields kept). */
VMS_EXPORT vms_error *vms_type_member_path(const vms_type *type, const char *path,
					   struct vms_member *out);

#ifdef __cplusplus
}
#endif
#endif
