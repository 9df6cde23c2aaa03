/* VMCOREINFO values computed from a vmlinux with debug info, for dumps that
 * carry no VMCOREINFO (virsh dump, QEMU dump-guest-memory without
 * -device vmcoreinfo) or lack a key.  The plugin host asks this when the
 * dump has no answer; the dump's own VMCOREINFO always wins. */
#ifndef VMS_VMCOREINFO_DWARF_H
#define VMS_VMCOREINFO_DWARF_H

#include <stddef.h>
#include <vmscope/symbols.h>

struct vms_vmci_src {
	vms_types *types;		/* the vmlinux's DWARF */
	const vms_symtab *symtab;	/* its symbols, relocated to the dump */
	vms_layout *layout;		/* the dump: run-time variables are read through it */
	bool big_endian;
};

/* Whether the vmlinux is the dump's kernel, as far as it can be told
 * without VMCOREINFO: vms_symtab_open() compares the vmlinux's linux_banner
 * with the dump's memory when it can read it; this fails when it could not
 * (no linux_banner symbol, or its page missing), so values are never taken
 * from an unchecked file. */
vms_error *vms_vmci_check(const struct vms_vmci_src *src);

/* The value of VMCOREINFO key ("OFFSET(page.flags)", "SYMBOL(prb)",
 * "OSRELEASE"...) as the kernel would have written it: SYMBOL() and
 * KERNELOFFSET hex without 0x, the other numbers decimal.  *how names the
 * source ("vmlinux DWARF", ...; a static string).  Fails with
 * VMS_ERR_NOT_FOUND, saying why, for keys debug info cannot answer (a
 * macro, a register). */
vms_error *vms_vmci_derive(const struct vms_vmci_src *src, const char *key, char *value,
			   size_t size, const char **how);

#endif
