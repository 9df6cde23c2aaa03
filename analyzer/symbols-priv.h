/* Internal view of a vms_symtab: a builder shared by the three sources
 * (symbols.c: System.map and vmlinux; kallsyms.c: the dump's own tables). */
#ifndef VMS_SYMBOLS_PRIV_H
#define VMS_SYMBOLS_PRIV_H

#include <vmscope/symbols.h>

/* Caps that keep hostile input from asking for absurd amounts of memory.
 * Debian's kernels have ~150k kallsyms entries and ~250k ELF symbols. */
#define VMS_SYM_MAX_COUNT (4u << 20)
#define VMS_SYM_NAME_MAX 512	/* KSYM_NAME_LEN is 512 since 6.1 */

struct vms_symtab {
	enum vms_symtab_source source;
	uint64_t kaslr_offset;
	struct vms_symbol *syms;	/* sorted by address once finished */
	size_t n, cap;
	char *pool;			/* names, NUL-terminated, back to back */
	size_t pool_len, pool_cap;
	uint32_t *by_name;		/* indices into syms sorted by name */
	char *vmlinux;			/* the vmlinux's path (VMS_SYMTAB_VMLINUX) */
};

/* Appends a symbol (name need not be NUL-terminated).  exact_size: the
 * source knows the size (vmlinux); otherwise it is filled in by finish. */
vms_error *vms_symtab_add(struct vms_symtab *st, const char *name, size_t len, uint64_t addr,
			  char type, bool exact_size, uint64_t size);
/* Sorts, sizes and indexes the symbols; no adds after this. */
vms_error *vms_symtab_finish(struct vms_symtab *st);

/* kallsyms.c: reads the kallsyms tables through the layout. */
vms_error *vms_kallsyms_load(vms_layout *layout, struct vms_symtab *st);

#endif
