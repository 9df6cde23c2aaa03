/* VMCOREINFO from a vmlinux's debug info (see vmcoreinfo-dwarf.h).
 *
 * The kernel writes VMCOREINFO with a handful of macros
 * (kernel/vmcore_info.c, kernel/crash_core.c before 6.9):
 *   SYMBOL(x)  = (unsigned long)&x, or x itself for VMCOREINFO_SYMBOL_ARRAY
 *                of a pointer (mem_section with SPARSEMEM_EXTREME)
 *   SIZE(t)    = sizeof(struct t), or sizeof(t) for typedefs (nodemask_t)
 *   OFFSET(t.m)= offsetof(struct t, m), or offsetof(t, m) for typedefs
 *   LENGTH(x)  = an array's element count, named freely
 *   NUMBER(x)  = an enumerator, a macro or a run-time variable
 * Each is answered here from the same facts: symbols from the vmlinux's
 * .symtab (already relocated by the KASLR offset), types through
 * analyzer/dwarf.c, run-time variables read from the dump at their symbol.
 * Macros are not in DWARF; the few VMCOREINFO numbers that are macros are
 * refused, except the page-type values, whose encoding was fixed for a
 * range of kernel versions (said so in *how). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "util.h"
#include "vmcoreinfo-dwarf.h"

static const char HOW_SYMBOLS[] = "vmlinux symbols";
static const char HOW_DWARF[] = "vmlinux DWARF";
static const char HOW_VARIABLE[] = "vmlinux symbol, value read from the dump";
static const char HOW_UTS[] = "init_uts_ns.name.release read from the dump (vmlinux symbol and DWARF)";

static vms_error *not_derivable(const char *key, const char *why)
{
	return vms_error_fmt(VMS_ERR_NOT_FOUND, "cannot derive %s from the vmlinux: %s", key, why);
}

/* A struct, then a typedef or base type, then a union: the order in which
 * VMCOREINFO's macros spell their names. */
static vms_error *find_type(vms_types *types, const char *name, const vms_type **out)
{
	static const char *const prefix[] = { "struct ", "", "union " };
	char buf[256];
	vms_error *err = NULL;

	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++) {
		if ((size_t)snprintf(buf, sizeof(buf), "%s%s", prefix[i], name) >= sizeof(buf))
			return vms_error_fmt(VMS_ERR_INVALID, "type name '%.40s...' is too long", name);
		vms_error_free(err);
		if (!(err = vms_type_find(types, buf, out)))
			return NULL;
	}
	return err;
}

/* "t.m.n" -> the member m.n of type t. */
static vms_error *member_of(vms_types *types, const char *name, struct vms_member *out)
{
	const char *dot = strchr(name, '.');
	char tname[128];
	const vms_type *t;
	vms_error *err;

	if (!dot || dot == name || (size_t)(dot - name) >= sizeof(tname))
		return vms_error_fmt(VMS_ERR_INVALID, "'%s' is not TYPE.MEMBER", name);
	memcpy(tname, name, (size_t)(dot - name));
	tname[dot - name] = '\0';
	if ((err = find_type(types, tname, &t)))
		return err;
	return vms_type_member_path(t, dot + 1, out);
}

/* Reads an unsigned integer of `width` bytes at a kernel address. */
static vms_error *read_var(const struct vms_vmci_src *src, uint64_t addr, size_t width,
			   uint64_t *out)
{
	uint8_t b[8];
	vms_error *err;

	if (!src->layout)
		return vms_error_fmt(VMS_ERR_INVALID, "no dump to read the variable from");
	if ((err = vms_read_virt(src->layout, addr, b, width, 0)))
		return err;
	*out = width == 8 ? vms_get64(b, src->big_endian)
	     : width == 4 ? vms_get32(b, src->big_endian)
	     : width == 2 ? vms_get16(b, src->big_endian) : b[0];
	return NULL;
}

static vms_error *symbol(const struct vms_vmci_src *src, const char *key, const char *name,
			 uint64_t *out)
{
	const struct vms_symbol *s = vms_symbol_by_name(src->symtab, name);

	if (!s)
		return not_derivable(key, "the vmlinux has no such symbol");
	*out = s->addr;
	return NULL;
}

static bool enumerator(vms_types *types, const char *name, int64_t *out);

/* node_online_map is node_states[N_ONLINE] (a macro since 2.6.23). */
static vms_error *node_online_map(const struct vms_vmci_src *src, const char *key,
				  uint64_t *out, const char **how)
{
	const vms_type *t;
	uint64_t base = 0, size;
	int64_t idx;
	vms_error *err;

	if (!src->types)
		return not_derivable(key, "no debug info");
	if ((err = symbol(src, key, "node_states", &base)) ||
	    (err = find_type(src->types, "nodemask_t", &t)))
		return err;
	if (!enumerator(src->types, "N_ONLINE", &idx) || idx < 0 || idx > 64 ||
	    !vms_type_size(t, &size) || size > 4096)
		return not_derivable(key, "no N_ONLINE in enum node_states");
	*out = base + (uint64_t)idx * size;
	*how = "vmlinux symbols and DWARF (node_states[N_ONLINE])";
	return NULL;
}

static vms_error *derive_symbol(const struct vms_vmci_src *src, const char *key,
				const char *name, uint64_t *out, const char **how)
{
	const struct vms_symbol *s = vms_symbol_by_name(src->symtab, name);

	/* Two names VMCOREINFO prints that are macros, not symbols. */
	if (!s && !strcmp(name, "swapper_pg_dir") &&
	    (s = vms_symbol_by_name(src->symtab, "init_top_pgt"))) {
		*out = s->addr;
		*how = "vmlinux symbols (init_top_pgt: x86_64's swapper_pg_dir is a macro for it)";
		return NULL;
	}
	if (!s && !strcmp(name, "node_online_map"))
		return node_online_map(src, key, out, how);
	if (!s)
		return not_derivable(key, "the vmlinux has no such symbol");
	*out = s->addr;
	*how = HOW_SYMBOLS;
	/* VMCOREINFO_SYMBOL_ARRAY(mem_section) prints the array's value: with
	 * SPARSEMEM_EXTREME mem_section is a pointer (one word), and the value
	 * is what it points to. */
	if (!strcmp(name, "mem_section") && s->size_exact && s->size == 8) {
		*how = HOW_VARIABLE;
		return read_var(src, s->addr, 8, out);
	}
	return NULL;
}

/* LENGTH() names that are not TYPE.MEMBER: what the kernel measures. */
static const struct {
	const char *name, *member;	/* member: "TYPE.MEMBER" array */
	const char *pointer_array;	/* or: a variable that is an array of pointers */
} lengths[] = {
	{ "printk_info_subsystem", "dev_printk_info.subsystem", NULL },
	{ "printk_info_device", "dev_printk_info.device", NULL },
	{ "node_data", NULL, "node_data" },
};

static vms_error *derive_length(const struct vms_vmci_src *src, const char *key,
				const char *name, uint64_t *out, const char **how)
{
	const char *member = strchr(name, '.') ? name : NULL;
	struct vms_member m;
	const vms_type *t;
	vms_error *err;

	for (size_t i = 0; !member && i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		if (strcmp(name, lengths[i].name))
			continue;
		if (lengths[i].member) {
			member = lengths[i].member;
			break;
		}
		/* The variable's size over a pointer's: MAX_NUMNODES for node_data. */
		const struct vms_symbol *s = vms_symbol_by_name(src->symtab, lengths[i].pointer_array);
		if (!s || !s->size_exact || !s->size || s->size % 8)
			return not_derivable(key, "no sized symbol for the array");
		*out = s->size / 8;
		*how = "vmlinux symbol size / pointer size";
		return NULL;
	}
	if (!member)
		return not_derivable(key, "a length the kernel takes from a macro");
	if ((err = member_of(src->types, member, &m)))
		return err;
	t = vms_type_strip(m.type);
	if (!t || vms_type_kind(t) != VMS_TYPE_ARRAY)
		return vms_error_fmt(VMS_ERR_NOT_FOUND, "%s: %s is not an array", key, member);
	*out = vms_type_array_len(t);
	*how = HOW_DWARF;
	return NULL;
}

/* The enums VMCOREINFO's NUMBER() enumerators come from. */
static const char *const enums[] = {
	"enum pageflags", "enum pagetype", "enum zone_stat_item", "enum node_stat_item",
	"enum compound_dtor_id", "enum zone_type", "enum migratetype", "enum node_states",
};

static bool enumerator(vms_types *types, const char *name, int64_t *out)
{
	for (size_t i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		const vms_type *t;
		vms_error *err = vms_type_find(types, enums[i], &t);
		if (err) {
			vms_error_free(err);
			continue;
		}
		t = vms_type_strip(t);
		for (size_t k = 0; t && k < vms_type_nenumerators(t); k++) {
			const char *n;
			if (vms_type_enumerator(t, k, &n, out) && !strcmp(n, name))
				return true;
		}
	}
	return false;
}

/* NUMBER()s that are run-time variables: the variable and its width. */
static const struct {
	const char *name, *var;
	size_t width;
} variables[] = {
	{ "phys_base", "phys_base", 8 },			/* x86_64 */
	{ "pgtable_l5_enabled", "__pgtable_l5_enabled", 4 },	/* x86_64, 4.17+ */
	{ "sme_mask", "sme_me_mask", 8 },			/* x86_64 */
	{ "kimage_voffset", "kimage_voffset", 8 },		/* arm64 */
	{ "PHYS_OFFSET", "memstart_addr", 8 },			/* arm64 */
};

static bool release_version(const struct vms_vmci_src *src, unsigned int *major,
			    unsigned int *minor);

/* NUMBER(PAGE_x_MAPCOUNT_VALUE): what page_type holds for type x.
 *  - 6.10+: enum pagetype { PGTY_buddy = 0xf0, ... }, the value is
 *    PGTY_x << 24 (as an int);
 *  - 4.18-6.9: ~PG_x with PG_x a macro (PG_buddy 0x80, PG_offline 0x100
 *    since 5.0), not in DWARF: taken from the kernel's version. */
static vms_error *derive_page_type(const struct vms_vmci_src *src, const char *key,
				   const char *name, int64_t *out, const char **how)
{
	char ty[32], pgty[40];
	size_t len = strlen(name) - strlen("PAGE_") - strlen("_MAPCOUNT_VALUE");
	unsigned int major, minor;
	int64_t v;

	if (len >= sizeof(ty))
		return not_derivable(key, "unknown page type");
	for (size_t i = 0; i < len; i++)
		ty[i] = (char)(name[5 + i] - 'A' + 'a');
	ty[len] = '\0';
	snprintf(pgty, sizeof(pgty), "PGTY_%s", ty);
	if (enumerator(src->types, pgty, &v)) {
		*out = (int32_t)((uint32_t)v << 24);
		*how = "vmlinux DWARF (enum pagetype, shifted to the top byte)";
		return NULL;
	}
	if (!release_version(src, &major, &minor))
		return not_derivable(key, "a macro, and the kernel's version is unknown");
	unsigned int ver = major * 1000 + minor;
	if (!strcmp(ty, "buddy") && ver >= 4018 && ver < 6010) {
		*out = ~(int64_t)0x80;
		*how = "not in DWARF (a macro): ~PG_buddy, 0x80 in Linux 4.18-6.9";
		return NULL;
	}
	if (!strcmp(ty, "offline") && ver >= 5000 && ver < 6010) {
		*out = ~(int64_t)0x100;
		*how = "not in DWARF (a macro): ~PG_offline, 0x100 in Linux 5.0-6.9";
		return NULL;
	}
	return not_derivable(key, "a macro of this kernel version");
}

static vms_error *derive_number(const struct vms_vmci_src *src, const char *key,
				const char *name, int64_t *out, const char **how)
{
	vms_error *err;

	if (!strncmp(name, "PAGE_", 5) && strlen(name) > 20 &&
	    !strcmp(name + strlen(name) - 15, "_MAPCOUNT_VALUE"))
		return derive_page_type(src, key, name, out, how);
	if (!strcmp(name, "PG_head_mask")) {
		int64_t bit;
		if (!enumerator(src->types, "PG_head", &bit) || bit < 0 || bit > 62)
			return not_derivable(key, "no PG_head in enum pageflags");
		*out = (int64_t)1 << bit;
		*how = "vmlinux DWARF (1 << PG_head)";
		return NULL;
	}
	if (enumerator(src->types, name, out)) {
		*how = "vmlinux DWARF (enumerator)";
		return NULL;
	}
	for (size_t i = 0; i < sizeof(variables) / sizeof(variables[0]); i++) {
		uint64_t addr = 0, v;
		if (strcmp(name, variables[i].name))
			continue;
		if ((err = symbol(src, key, variables[i].var, &addr)) ||
		    (err = read_var(src, addr, variables[i].width, &v)))
			return err;
		*out = variables[i].width == 8 ? (int64_t)v : (int64_t)(uint32_t)v;
		*how = HOW_VARIABLE;
		return NULL;
	}
	return not_derivable(key, "not an enumerator or a known variable (a macro or a register?)");
}

/* OSRELEASE: what the kernel copies, init_uts_ns.name.release. */
static vms_error *derive_release(const struct vms_vmci_src *src, const char *key, char *buf,
				 size_t size)
{
	struct vms_member m;
	const vms_type *t;
	uint64_t addr = 0, len;
	char rel[128];
	vms_error *err;

	if ((err = symbol(src, key, "init_uts_ns", &addr)) ||
	    (err = find_type(src->types, "uts_namespace", &t)) ||
	    (err = vms_type_member_path(t, "name.release", &m)))
		return err;
	if (!vms_type_size(m.type, &len) || len < 2 || len > sizeof(rel))
		return vms_error_fmt(VMS_ERR_CORRUPT, "%s: uts_namespace.name.release has a bad size", key);
	if (!src->layout)
		return vms_error_fmt(VMS_ERR_INVALID, "no dump to read %s from", key);
	if ((err = vms_read_virt(src->layout, addr + m.offset, rel, (size_t)len, 0)))
		return err;
	rel[len - 1] = '\0';
	if (!rel[0])
		return vms_error_fmt(VMS_ERR_CORRUPT, "%s: init_uts_ns.name.release is empty in the dump", key);
	snprintf(buf, size, "%s", rel);
	return NULL;
}

static bool release_version(const struct vms_vmci_src *src, unsigned int *major,
			    unsigned int *minor)
{
	char rel[128];
	vms_error *err = derive_release(src, "OSRELEASE", rel, sizeof(rel));

	vms_error_free(err);
	return !err && sscanf(rel, "%u.%u", major, minor) == 2;
}

vms_error *vms_vmci_check(const struct vms_vmci_src *src)
{
	static const char want[] = "Linux version ";
	const struct vms_symbol *s = vms_symbol_by_name(src->symtab, "linux_banner");
	const char *path = vms_symtab_vmlinux(src->symtab);
	char mem[sizeof(want) - 1];
	vms_error *err;

	if (!s)
		return vms_error_fmt(VMS_ERR_INVALID,
				     "%s has no linux_banner: cannot tell whether it is the dump's kernel",
				     path);
	if (!src->layout)
		return vms_error_fmt(VMS_ERR_INVALID, "no dump to check %s against", path);
	if ((err = vms_read_virt(src->layout, s->addr, mem, sizeof(mem), 0)))
		return vms_error_prefix(err, "cannot tell whether %s is the dump's kernel: its linux_banner",
					path);
	if (memcmp(mem, want, sizeof(mem)))
		return vms_error_fmt(VMS_ERR_INVALID,
				     "%s does not match the dump: no 'Linux version' at its linux_banner (0x%" PRIx64
				     ") in the dump", path, s->addr);
	return NULL;
}

vms_error *vms_vmci_derive(const struct vms_vmci_src *src, const char *key, char *value,
			   size_t size, const char **how)
{
	const char *open = strchr(key, '(');
	size_t klen = strlen(key);
	char kind[16], name[200];
	struct vms_member m;
	const vms_type *t;
	uint64_t u;
	int64_t n;
	vms_error *err;

	*how = HOW_DWARF;
	if (!open) {
		if (!strcmp(key, "OSRELEASE")) {
			*how = HOW_UTS;
			return derive_release(src, key, value, size);
		}
		if (!strcmp(key, "PAGESIZE") && src->layout) {
			*how = "the page tables (the detected layout)";
			snprintf(value, size, "%" PRIu32, vms_layout_page_size(src->layout));
			return NULL;
		}
		if (!strcmp(key, "KERNELOFFSET")) {
			*how = "the KASLR offset the vmlinux's symbols were relocated by";
			snprintf(value, size, "%" PRIx64, vms_symtab_kaslr_offset(src->symtab));
			return NULL;
		}
		return not_derivable(key, "not in debug info");
	}
	if ((size_t)(open - key) >= sizeof(kind) || key[klen - 1] != ')' ||
	    klen - (size_t)(open - key) - 2 >= sizeof(name) || open + 1 == key + klen - 1)
		return vms_error_fmt(VMS_ERR_INVALID, "bad VMCOREINFO key '%.60s'", key);
	memcpy(kind, key, (size_t)(open - key));
	kind[open - key] = '\0';
	memcpy(name, open + 1, klen - (size_t)(open - key) - 2);
	name[klen - (size_t)(open - key) - 2] = '\0';

	if (!strcmp(kind, "SYMBOL")) {
		if ((err = derive_symbol(src, key, name, &u, how)))
			return err;
		snprintf(value, size, "%" PRIx64, u);
		return NULL;
	}
	if (!src->types)
		return not_derivable(key, "no debug info");
	if (!strcmp(kind, "SIZE")) {
		if ((err = find_type(src->types, name, &t)))
			return err;
		if (!vms_type_size(t, &u))
			return vms_error_fmt(VMS_ERR_NOT_FOUND, "%s: %s has no size", key, name);
	} else if (!strcmp(kind, "OFFSET")) {
		if ((err = member_of(src->types, name, &m)))
			return err;
		u = m.offset;
	} else if (!strcmp(kind, "LENGTH")) {
		if ((err = derive_length(src, key, name, &u, how)))
			return err;
	} else if (!strcmp(kind, "NUMBER")) {
		if ((err = derive_number(src, key, name, &n, how)))
			return err;
		snprintf(value, size, "%" PRId64, n);
		return NULL;
	} else {
		return not_derivable(key, "unknown kind");
	}
	snprintf(value, size, "%" PRIu64, u);
	return NULL;
}
