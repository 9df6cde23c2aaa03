/* Kernel types from DWARF, through libdwarf.
 *
 * A vmlinux has hundreds of MB of DWARF in thousands of compilation units,
 * so nothing is read up front.  A name lookup scans the top-level DIEs of
 * one CU at a time, remembering every type name it passes, and stops at the
 * first full definition of the wanted name: common kernel types are defined
 * in the first few CUs, so the first answer costs milliseconds.  A type is
 * turned into a vms_type when first reached; its members and target are read
 * only when asked for, so printing task_struct does not pull in the whole
 * type graph.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dwarf.h>
#include <libdwarf.h>

#include "error-priv.h"
#include "util.h"
#include <vmscope/symbols.h>

/* Bounds for hostile DWARF: chains of typedefs and qualifiers, and member
 * paths, never go deeper than this. */
#define MAX_CHAIN 64

struct enumerator {
	char *name;
	int64_t value;
};

struct vms_type {
	struct vms_types *owner;
	Dwarf_Off off;		/* the DIE; 0 for types made up here (array dims) */
	enum vms_type_kind kind;
	char *name;
	bool has_size, is_signed;
	uint64_t size;
	/* target: pointee, element, alias or qualified type */
	bool target_loaded, has_target_off;
	Dwarf_Off target_off;
	const struct vms_type *target;
	uint64_t array_len;
	bool members_loaded;
	struct vms_member *members;
	size_t nmembers;
	struct enumerator *enums;
	size_t nenums;
	struct vms_type *next_alloc;	/* every type, for freeing */
};

/* Open addressing: DIE offset -> type, name -> DIE offset. */
struct off_slot {
	Dwarf_Off off;
	struct vms_type *type;
};
struct name_slot {
	char *name;		/* NULL = empty */
	Dwarf_Off off;
	bool is_decl;
};

/* The file, mapped, as libdwarf's object access layer sees it. */
struct elf_obj {
	const uint8_t *map;
	uint64_t size;
	bool be;
	uint16_t nsecs;
	const uint8_t *shdrs;	/* 64-byte entries */
	const uint8_t *shstr;
	uint64_t shstr_size;
};

struct vms_types {
	char *path;
	struct elf_obj obj;
	Dwarf_Obj_Access_Interface access;
	Dwarf_Debug dbg;
	bool cus_done;
	size_t ncus_scanned;
	struct off_slot *offs;
	size_t noffs, offs_cap;
	struct name_slot *names;
	size_t nnames, names_cap;
	struct vms_type *all;
	struct vms_type void_type;
};

static vms_error *dw_err(struct vms_types *t, Dwarf_Error e, const char *what)
{
	vms_error *err = vms_error_fmt(VMS_ERR_CORRUPT, "%s: DWARF: %s: %s", t->path, what,
				       e ? dwarf_errmsg(e) : "no entry");
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	return err;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ull;
	return h;
}

static uint64_t hash_off(Dwarf_Off o)
{
	return (o + 1) * 0x9e3779b97f4a7c15ull;
}

static bool names_grow(struct vms_types *t)
{
	size_t cap = t->names_cap ? t->names_cap * 2 : 4096;
	struct name_slot *n = calloc(cap, sizeof(*n));
	if (!n)
		return false;
	for (size_t i = 0; i < t->names_cap; i++) {
		if (!t->names[i].name)
			continue;
		size_t h = hash_str(t->names[i].name) & (cap - 1);
		while (n[h].name)
			h = (h + 1) & (cap - 1);
		n[h] = t->names[i];
	}
	free(t->names);
	t->names = n;
	t->names_cap = cap;
	return true;
}

static struct name_slot *name_find(struct vms_types *t, const char *name)
{
	if (!t->names_cap)
		return NULL;
	for (size_t h = hash_str(name) & (t->names_cap - 1);; h = (h + 1) & (t->names_cap - 1)) {
		if (!t->names[h].name)
			return NULL;
		if (!strcmp(t->names[h].name, name))
			return &t->names[h];
	}
}

/* Records a name; a definition replaces a declaration, never the reverse. */
static vms_error *name_add(struct vms_types *t, const char *name, Dwarf_Off off, bool is_decl)
{
	struct name_slot *s = name_find(t, name);
	size_t h;

	if (s) {
		if (s->is_decl && !is_decl) {
			s->off = off;
			s->is_decl = false;
		}
		return NULL;
	}
	if ((t->nnames + 1) * 2 > t->names_cap && !names_grow(t))
		return VMS_ENOMEM;
	h = hash_str(name) & (t->names_cap - 1);
	while (t->names[h].name)
		h = (h + 1) & (t->names_cap - 1);
	t->names[h].name = strdup(name);
	if (!t->names[h].name)
		return VMS_ENOMEM;
	t->names[h].off = off;
	t->names[h].is_decl = is_decl;
	t->nnames++;
	return NULL;
}

static bool offs_grow(struct vms_types *t)
{
	size_t cap = t->offs_cap ? t->offs_cap * 2 : 1024;
	struct off_slot *n = calloc(cap, sizeof(*n));
	if (!n)
		return false;
	for (size_t i = 0; i < t->offs_cap; i++) {
		if (!t->offs[i].type)
			continue;
		size_t h = hash_off(t->offs[i].off) & (cap - 1);
		while (n[h].type)
			h = (h + 1) & (cap - 1);
		n[h] = t->offs[i];
	}
	free(t->offs);
	t->offs = n;
	t->offs_cap = cap;
	return true;
}

/* ---- DIE helpers -------------------------------------------------------- */

static bool die_udata(struct vms_types *t, Dwarf_Die die, Dwarf_Half at, uint64_t *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Unsigned u;
	Dwarf_Signed s;
	bool ok = false;

	if (dwarf_attr(die, at, &a, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		return false;
	}
	if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
		*out = u;
		ok = true;
	} else {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		e = NULL;
		if (dwarf_formsdata(a, &s, &e) == DW_DLV_OK) {
			*out = (uint64_t)s;
			ok = true;
		} else if (e) {
			dwarf_dealloc_error(t->dbg, e);
		}
	}
	dwarf_dealloc_attribute(a);
	return ok;
}

static bool die_sdata(struct vms_types *t, Dwarf_Die die, Dwarf_Half at, int64_t *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Signed s;
	Dwarf_Unsigned u;
	Dwarf_Half form = 0;
	bool ok = false;

	if (dwarf_attr(die, at, &a, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		return false;
	}
	dwarf_whatform(a, &form, &e);
	/* Unsigned forms hold enumerators above INT64_MAX as they are. */
	if (form == DW_FORM_udata && dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
		*out = (int64_t)u;
		ok = true;
	} else if (dwarf_formsdata(a, &s, &e) == DW_DLV_OK) {
		*out = s;
		ok = true;
	} else if (dwarf_formudata(a, &u, &e) == DW_DLV_OK) {
		*out = (int64_t)u;
		ok = true;
	}
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	dwarf_dealloc_attribute(a);
	return ok;
}

static bool die_ref(struct vms_types *t, Dwarf_Die die, Dwarf_Half at, Dwarf_Off *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	bool ok;

	if (dwarf_attr(die, at, &a, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		return false;
	}
	ok = dwarf_global_formref(a, out, &e) == DW_DLV_OK;
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	dwarf_dealloc_attribute(a);
	return ok;
}

static bool die_flag(struct vms_types *t, Dwarf_Die die, Dwarf_Half at)
{
	Dwarf_Bool b = 0;
	Dwarf_Error e = NULL;
	if (dwarf_hasattr(die, at, &b, &e) != DW_DLV_OK && e)
		dwarf_dealloc_error(t->dbg, e);
	return b;
}

/* The DIE's name, or NULL; the string belongs to libdwarf. */
static const char *die_name(struct vms_types *t, Dwarf_Die die)
{
	char *n = NULL;
	Dwarf_Error e = NULL;
	int r = dwarf_diename(die, &n, &e);
	if (r == DW_DLV_ERROR && e)
		dwarf_dealloc_error(t->dbg, e);
	return r == DW_DLV_OK ? n : NULL;
}

/* DW_AT_data_member_location: a constant, or (DWARF 2) an expression
 * DW_OP_plus_uconst N. */
static bool member_location(struct vms_types *t, Dwarf_Die die, uint64_t *out)
{
	Dwarf_Attribute a;
	Dwarf_Error e = NULL;
	Dwarf_Unsigned len;
	Dwarf_Ptr p;
	bool ok = false;

	if (die_udata(t, die, DW_AT_data_member_location, out))
		return true;
	if (dwarf_attr(die, DW_AT_data_member_location, &a, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		return false;
	}
	if (dwarf_formexprloc(a, &len, &p, &e) == DW_DLV_OK && len >= 2 &&
	    ((uint8_t *)p)[0] == DW_OP_plus_uconst) {
		const uint8_t *b = p;
		uint64_t v = 0;
		unsigned shift = 0;
		for (Dwarf_Unsigned i = 1; i < len && shift < 64; i++, shift += 7) {
			v |= (uint64_t)(b[i] & 0x7f) << shift;
			if (!(b[i] & 0x80)) {
				ok = true;
				break;
			}
		}
		*out = v;
	}
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	dwarf_dealloc_attribute(a);
	return ok;
}

/* ---- types -------------------------------------------------------------- */

static vms_error *type_at(struct vms_types *t, Dwarf_Off off, struct vms_type **out);

static struct vms_type *type_new(struct vms_types *t)
{
	struct vms_type *ty = calloc(1, sizeof(*ty));
	if (!ty)
		return NULL;
	ty->owner = t;
	ty->next_alloc = t->all;
	t->all = ty;
	return ty;
}

static const char *kind_keyword(enum vms_type_kind k)
{
	return k == VMS_TYPE_STRUCT ? "struct " : k == VMS_TYPE_UNION ? "union "
		: k == VMS_TYPE_ENUM ? "enum " : "";
}

/* Builds the C spelling of a derived type from its target's. */
static char *derived_name(struct vms_type *ty, const char *qual)
{
	const struct vms_type *tg = ty->target;
	const char *tn = tg ? tg->name : "void";
	char anon[32], *s = NULL;
	int r = -1;

	/* A target still being read (a cycle in hostile input) or anonymous. */
	if (!tn || !*tn) {
		snprintf(anon, sizeof(anon), "%s{...}", tg ? kind_keyword(tg->kind) : "");
		tn = anon;
	}

	switch (ty->kind) {
	case VMS_TYPE_POINTER:
		if (tg && tg->kind == VMS_TYPE_FUNCTION)
			r = asprintf(&s, "%s", "void (*)()");
		else
			r = asprintf(&s, "%s%s*", tn, tn[strlen(tn) - 1] == '*' ? "" : " ");
		break;
	case VMS_TYPE_ARRAY:
		/* int [2][3]: the outer dimension goes before the inner ones. */
		if (tg && tg->kind == VMS_TYPE_ARRAY && strchr(tn, '['))
			r = asprintf(&s, "%.*s[%llu]%s", (int)(strchr(tn, '[') - tn), tn,
				     (unsigned long long)ty->array_len, strchr(tn, '['));
		else
			r = asprintf(&s, "%s [%llu]", tn, (unsigned long long)ty->array_len);
		break;
	case VMS_TYPE_QUALIFIED:
		r = asprintf(&s, "%s %s", qual, tn);
		break;
	default:
		break;
	}
	return r < 0 ? NULL : s;
}

/* Array dimensions after the first become types of their own. */
static vms_error *array_dims(struct vms_types *t, struct vms_type *ty, Dwarf_Die die,
			     Dwarf_Off elem_off, bool has_elem)
{
	uint64_t dims[8];
	size_t ndims = 0;
	Dwarf_Die c = NULL, n;
	Dwarf_Error e = NULL;
	vms_error *err = NULL;
	struct vms_type *elem = NULL, *cur;

	if (dwarf_child(die, &c, &e) == DW_DLV_OK) {
		while (c) {
			Dwarf_Half tag = 0;
			dwarf_tag(c, &tag, &e);
			if (tag == DW_TAG_subrange_type && ndims < 8) {
				uint64_t v;
				if (die_udata(t, c, DW_AT_count, &v))
					dims[ndims++] = v;
				else if (die_udata(t, c, DW_AT_upper_bound, &v))
					dims[ndims++] = v + 1;
				else
					dims[ndims++] = 0;	/* flexible */
			}
			n = NULL;
			if (dwarf_siblingof_b(t->dbg, c, true, &n, &e) != DW_DLV_OK)
				n = NULL;
			dwarf_dealloc_die(c);
			c = n;
		}
	}
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	if (!ndims)
		dims[ndims++] = 0;
	if (has_elem && (err = type_at(t, elem_off, &elem)))
		return err;
	/* int a[2][3]: ty (2) -> made-up type (3) -> int */
	cur = ty;
	for (size_t i = 0; i < ndims; i++) {
		struct vms_type *next = NULL;
		cur->kind = VMS_TYPE_ARRAY;
		cur->array_len = dims[i];
		cur->target_loaded = true;
		if (i + 1 < ndims) {
			if (!(next = type_new(t)))
				return VMS_ENOMEM;
			cur->target = next;
		} else {
			cur->target = elem;
		}
		cur = next;
	}
	/* Sizes and names from the innermost dimension out. */
	for (size_t i = ndims; i-- > 0;) {
		struct vms_type *d = ty;
		uint64_t es;
		for (size_t k = 0; k < i; k++)
			d = (struct vms_type *)d->target;
		if (d->target && vms_type_size(d->target, &es) && !__builtin_mul_overflow(es, d->array_len, &d->size))
			d->has_size = true;
		if (!(d->name = derived_name(d, NULL)))
			return VMS_ENOMEM;
	}
	return NULL;
}

/* Reads one DIE into a type (not its members). */
static vms_error *type_load(struct vms_types *t, struct vms_type *ty, Dwarf_Die die)
{
	Dwarf_Half tag = 0;
	Dwarf_Error e = NULL;
	const char *nm = die_name(t, die);
	const char *qual = NULL;
	uint64_t v;

	if (dwarf_tag(die, &tag, &e) != DW_DLV_OK)
		return dw_err(t, e, "reading a tag");
	ty->has_target_off = die_ref(t, die, DW_AT_type, &ty->target_off);
	if (die_udata(t, die, DW_AT_byte_size, &v)) {
		ty->has_size = true;
		ty->size = v;
	}
	switch (tag) {
	case DW_TAG_base_type:
		ty->kind = VMS_TYPE_INT;
		if (die_udata(t, die, DW_AT_encoding, &v)) {
			if (v == DW_ATE_float || v == DW_ATE_complex_float)
				ty->kind = VMS_TYPE_FLOAT;
			ty->is_signed = v == DW_ATE_signed || v == DW_ATE_signed_char;
		}
		break;
	case DW_TAG_structure_type: ty->kind = VMS_TYPE_STRUCT; break;
	case DW_TAG_union_type: ty->kind = VMS_TYPE_UNION; break;
	case DW_TAG_enumeration_type:
		ty->kind = VMS_TYPE_ENUM;
		ty->is_signed = true;
		break;
	case DW_TAG_typedef: ty->kind = VMS_TYPE_TYPEDEF; break;
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
		ty->kind = VMS_TYPE_POINTER;
		if (!ty->has_size) {
			ty->has_size = true;
			ty->size = 8;
		}
		break;
	case DW_TAG_subroutine_type: ty->kind = VMS_TYPE_FUNCTION; break;
	case DW_TAG_array_type:
		return array_dims(t, ty, die, ty->target_off, ty->has_target_off);
	case DW_TAG_const_type: qual = "const"; break;
	case DW_TAG_volatile_type: qual = "volatile"; break;
	case DW_TAG_restrict_type: qual = "restrict"; break;
	case DW_TAG_atomic_type: qual = "_Atomic"; break;
	case DW_TAG_unspecified_type: ty->kind = VMS_TYPE_VOID; break;
	default:
		return vms_error_fmt(VMS_ERR_UNSUPPORTED, "%s: DWARF: DIE 0x%llx has tag 0x%x, not a type",
				     t->path, (unsigned long long)ty->off, tag);
	}
	if (qual)
		ty->kind = VMS_TYPE_QUALIFIED;
	if (ty->kind == VMS_TYPE_POINTER || ty->kind == VMS_TYPE_QUALIFIED) {
		/* These need the target's name now. */
		const vms_type *tg = vms_type_target(ty);
		(void)tg;
		if (!(ty->name = derived_name(ty, qual)))
			return VMS_ENOMEM;
		return NULL;
	}
	if (asprintf(&ty->name, "%s%s", nm ? kind_keyword(ty->kind) : "", nm ? nm : "") < 0) {
		ty->name = NULL;
		return VMS_ENOMEM;
	}
	if (ty->kind == VMS_TYPE_FUNCTION && !nm) {
		free(ty->name);
		ty->name = strdup("function");
		if (!ty->name)
			return VMS_ENOMEM;
	}
	return NULL;
}

/* The type of the DIE at off, made once. */
static vms_error *type_at(struct vms_types *t, Dwarf_Off off, struct vms_type **out)
{
	Dwarf_Die die = NULL;
	Dwarf_Error e = NULL;
	struct vms_type *ty;
	vms_error *err;
	size_t h;

	if (t->offs_cap) {
		for (h = hash_off(off) & (t->offs_cap - 1); t->offs[h].type;
		     h = (h + 1) & (t->offs_cap - 1))
			if (t->offs[h].off == off) {
				*out = t->offs[h].type;
				return NULL;
			}
	}
	if ((t->noffs + 1) * 2 > t->offs_cap && !offs_grow(t))
		return VMS_ENOMEM;
	if (dwarf_offdie_b(t->dbg, off, true, &die, &e) != DW_DLV_OK)
		return dw_err(t, e, "reading a type DIE");
	if (!(ty = type_new(t))) {
		dwarf_dealloc_die(die);
		return VMS_ENOMEM;
	}
	ty->off = off;
	/* Registered before loading, so a pointer cycle (struct list_head's
	 * next) finds this type instead of recursing forever. */
	h = hash_off(off) & (t->offs_cap - 1);
	while (t->offs[h].type)
		h = (h + 1) & (t->offs_cap - 1);
	t->offs[h].off = off;
	t->offs[h].type = ty;
	t->noffs++;
	ty->name = NULL;
	err = type_load(t, ty, die);
	dwarf_dealloc_die(die);
	if (!err && !ty->name && !(ty->name = strdup("?")))
		err = VMS_ENOMEM;
	if (err)
		return err;
	*out = ty;
	return NULL;
}

/* ---- members (on demand) ------------------------------------------------ */

static vms_error *load_members(struct vms_type *ty)
{
	struct vms_types *t = ty->owner;
	Dwarf_Die die = NULL, c = NULL, n;
	Dwarf_Error e = NULL;
	vms_error *err = NULL;
	size_t cap = 0;

	ty->members_loaded = true;
	if (!ty->off || (ty->kind != VMS_TYPE_STRUCT && ty->kind != VMS_TYPE_UNION &&
			 ty->kind != VMS_TYPE_ENUM))
		return NULL;
	if (dwarf_offdie_b(t->dbg, ty->off, true, &die, &e) != DW_DLV_OK)
		return dw_err(t, e, "rereading a type");
	if (dwarf_child(die, &c, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		c = NULL;
	}
	while (c && !err) {
		Dwarf_Half tag = 0;
		const char *nm = die_name(t, c);
		dwarf_tag(c, &tag, &e);
		if (tag == DW_TAG_member && ty->kind != VMS_TYPE_ENUM) {
			struct vms_member m = { 0 };
			Dwarf_Off to;
			uint64_t loc = 0, bits, bsz, dbo;
			struct vms_type *mt = NULL;

			if (!die_ref(t, c, DW_AT_type, &to))
				err = vms_error_fmt(VMS_ERR_CORRUPT, "%s: DWARF: member %s of %s has no type",
						    t->path, nm ? nm : "?", ty->name);
			else
				err = type_at(t, to, &mt);
			if (err)
				break;
			member_location(t, c, &loc);
			m.type = mt;
			m.offset = loc;
			if (die_udata(t, c, DW_AT_bit_size, &bits) && bits && bits <= 64) {
				uint64_t total;
				m.bit_size = (unsigned)bits;
				if (die_udata(t, c, DW_AT_data_bit_offset, &dbo)) {
					total = dbo;
				} else if (die_udata(t, c, DW_AT_bit_offset, &dbo)) {
					/* DWARF 2/3 count from the storage unit's MSB. */
					if (!die_udata(t, c, DW_AT_byte_size, &bsz) &&
					    !vms_type_size(mt, &bsz))
						bsz = 4;
					total = loc * 8 + bsz * 8 - dbo - bits;
				} else {
					total = loc * 8;
				}
				m.offset = total / 8;
				m.bit_offset = (unsigned)(total % 8);
			}
			if (!(m.name = strdup(nm ? nm : "")))
				err = VMS_ENOMEM;
			else if (ty->nmembers == cap) {
				void *p = realloc(ty->members, (cap = cap ? cap * 2 : 16) * sizeof(m));
				if (!p) {
					free((char *)m.name);
					err = VMS_ENOMEM;
				} else {
					ty->members = p;
				}
			}
			if (!err)
				ty->members[ty->nmembers++] = m;
		} else if (tag == DW_TAG_enumerator && ty->kind == VMS_TYPE_ENUM) {
			int64_t v = 0;
			die_sdata(t, c, DW_AT_const_value, &v);
			if (ty->nenums == cap) {
				void *p = realloc(ty->enums, (cap = cap ? cap * 2 : 16) * sizeof(*ty->enums));
				if (!p) {
					err = VMS_ENOMEM;
					break;
				}
				ty->enums = p;
			}
			ty->enums[ty->nenums].value = v;
			if (!(ty->enums[ty->nenums++].name = strdup(nm ? nm : "")))
				err = VMS_ENOMEM;
		}
		n = NULL;
		if (dwarf_siblingof_b(t->dbg, c, true, &n, &e) != DW_DLV_OK)
			n = NULL;
		dwarf_dealloc_die(c);
		c = n;
	}
	if (c)
		dwarf_dealloc_die(c);
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	dwarf_dealloc_die(die);
	return err;
}

/* ---- the index ---------------------------------------------------------- */

/* Reads the next CU's top-level type names into the index.  *more becomes
 * false after the last CU. */
static vms_error *scan_next_cu(struct vms_types *t, bool *more)
{
	Dwarf_Unsigned hlen, abbr, next, typeoff;
	Dwarf_Half ver, asz, lsz, esz, cutype;
	Dwarf_Sig8 sig;
	Dwarf_Die cu = NULL, c = NULL, n;
	Dwarf_Error e = NULL;
	vms_error *err = NULL;
	int r;

	r = dwarf_next_cu_header_d(t->dbg, true, &hlen, &ver, &abbr, &asz, &lsz, &esz, &sig,
				   &typeoff, &next, &cutype, &e);
	if (r == DW_DLV_NO_ENTRY) {
		t->cus_done = true;
		*more = false;
		return NULL;
	}
	if (r != DW_DLV_OK)
		return dw_err(t, e, "reading a compilation unit header");
	*more = true;
	t->ncus_scanned++;
	if (dwarf_siblingof_b(t->dbg, NULL, true, &cu, &e) != DW_DLV_OK)
		return dw_err(t, e, "reading a compilation unit");
	if (dwarf_child(cu, &c, &e) != DW_DLV_OK) {
		if (e)
			dwarf_dealloc_error(t->dbg, e);
		e = NULL;
		c = NULL;
	}
	while (c && !err) {
		Dwarf_Half tag = 0;
		const char *kw = NULL, *nm;
		char buf[600];

		dwarf_tag(c, &tag, &e);
		switch (tag) {
		case DW_TAG_structure_type: kw = "struct "; break;
		case DW_TAG_union_type: kw = "union "; break;
		case DW_TAG_enumeration_type: kw = "enum "; break;
		case DW_TAG_typedef:
		case DW_TAG_base_type: kw = ""; break;
		default: break;
		}
		if (kw && (nm = die_name(t, c)) && strlen(nm) < 500) {
			Dwarf_Off off = 0;
			if (dwarf_dieoffset(c, &off, &e) == DW_DLV_OK) {
				snprintf(buf, sizeof(buf), "%s%s", kw, nm);
				err = name_add(t, buf, off, die_flag(t, c, DW_AT_declaration));
			}
		}
		n = NULL;
		if (dwarf_siblingof_b(t->dbg, c, true, &n, &e) != DW_DLV_OK)
			n = NULL;
		dwarf_dealloc_die(c);
		c = n;
	}
	if (c)
		dwarf_dealloc_die(c);
	if (e)
		dwarf_dealloc_error(t->dbg, e);
	dwarf_dealloc_die(cu);
	return err;
}

/* ---- object access ---------------------------------------------------- */

/* libdwarf's own ELF reader copies every debug section into memory and
 * applies the relocation sections a vmlinux carries (--emit-relocs: 250 MB
 * of .rela.debug_info that only repeat what the linker already wrote), which
 * takes seconds.  This access layer hands libdwarf the sections straight
 * from a read-only mapping and applies no relocations (vmlinux is linked),
 * so only the pages a lookup touches are ever read. */

static int obj_section_info(void *o, Dwarf_Half i, Dwarf_Obj_Access_Section *out, int *error)
{
	struct elf_obj *e = o;
	const uint8_t *sh;
	uint32_t name;

	if (i >= e->nsecs)
		return DW_DLV_NO_ENTRY;
	sh = e->shdrs + (size_t)i * 64;
	name = vms_get32(sh, e->be);
	memset(out, 0, sizeof(*out));
	out->type = vms_get32(sh + 4, e->be);
	out->addr = vms_get64(sh + 16, e->be);
	out->size = vms_get64(sh + 32, e->be);
	out->link = vms_get32(sh + 40, e->be);
	out->info = vms_get32(sh + 44, e->be);
	out->entrysize = vms_get64(sh + 56, e->be);
	out->name = name < e->shstr_size && memchr(e->shstr + name, 0, e->shstr_size - name)
		? (const char *)e->shstr + name : "";
	/* Relocation sections are hidden: nothing is relocated. */
	if (out->type == 4 /* SHT_RELA */ || out->type == 9 /* SHT_REL */) {
		out->name = "";
		out->link = out->info = 0;
	}
	(void)error;
	return DW_DLV_OK;
}

static Dwarf_Endianness obj_byte_order(void *o)
{
	return ((struct elf_obj *)o)->be ? DW_OBJECT_MSB : DW_OBJECT_LSB;
}

static Dwarf_Small obj_eight(void *o)
{
	(void)o;
	return 8;
}

static Dwarf_Unsigned obj_count(void *o)
{
	return ((struct elf_obj *)o)->nsecs;
}

static int obj_load(void *o, Dwarf_Half i, Dwarf_Small **data, int *error)
{
	struct elf_obj *e = o;
	const uint8_t *sh;
	uint64_t off, size, flags;

	if (i >= e->nsecs)
		return DW_DLV_NO_ENTRY;
	sh = e->shdrs + (size_t)i * 64;
	flags = vms_get64(sh + 8, e->be);
	off = vms_get64(sh + 24, e->be);
	size = vms_get64(sh + 32, e->be);
	if (vms_get32(sh + 4, e->be) == 8 /* NOBITS */)
		return DW_DLV_NO_ENTRY;
	if (off > e->size || size > e->size - off || (flags & 0x800 /* SHF_COMPRESSED */)) {
		*error = DW_DLE_ELF_SECT_ERR;
		return DW_DLV_ERROR;
	}
	/* libdwarf does not write to loaded sections when nothing is
	 * relocated; the mapping is private anyway. */
	*data = (Dwarf_Small *)(uintptr_t)(e->map + off);
	return DW_DLV_OK;
}

static const Dwarf_Obj_Access_Methods obj_methods = {
	obj_section_info, obj_byte_order, obj_eight, obj_eight, obj_count, obj_load, NULL,
};

/* Maps the file and checks the ELF header and section table. */
static vms_error *obj_map(const char *path, struct elf_obj *e)
{
	struct stat sb;
	uint64_t shoff;
	uint16_t shentsize, shstrndx;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	vms_error *err = NULL;

	memset(e, 0, sizeof(*e));
	if (fd < 0)
		return vms_error_errno(path, errno, "cannot open");
	if (fstat(fd, &sb) < 0) {
		err = vms_error_errno(path, errno, "cannot stat");
		goto out;
	}
	if (sb.st_size < 64) {
		err = vms_error_at(VMS_ERR_CORRUPT, path, 0, "too small for an ELF file");
		goto out;
	}
	e->size = (uint64_t)sb.st_size;
	e->map = mmap(NULL, e->size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (e->map == MAP_FAILED) {
		e->map = NULL;
		err = vms_error_errno(path, errno, "cannot map");
		goto out;
	}
	if (memcmp(e->map, "\177ELF", 4) || e->map[4] != 2) {
		err = vms_error_at(VMS_ERR_CORRUPT, path, 0, "not a 64-bit ELF file");
		goto out;
	}
	e->be = e->map[5] == 2;
	shoff = vms_get64(e->map + 40, e->be);
	shentsize = vms_get16(e->map + 58, e->be);
	e->nsecs = vms_get16(e->map + 60, e->be);
	shstrndx = vms_get16(e->map + 62, e->be);
	if (shentsize != 64 || !e->nsecs || shoff > e->size ||
	    (uint64_t)e->nsecs * 64 > e->size - shoff || shstrndx >= e->nsecs) {
		err = vms_error_at(VMS_ERR_CORRUPT, path, 40, "bad section header table");
		goto out;
	}
	e->shdrs = e->map + shoff;
	{
		const uint8_t *sh = e->shdrs + (size_t)shstrndx * 64;
		uint64_t off = vms_get64(sh + 24, e->be), size = vms_get64(sh + 32, e->be);
		if (off > e->size || size > e->size - off) {
			err = vms_error_at(VMS_ERR_CORRUPT, path, shoff + (uint64_t)shstrndx * 64,
					   "section name table runs past the end of the file");
			goto out;
		}
		e->shstr = e->map + off;
		e->shstr_size = size;
	}
out:
	close(fd);
	if (err && e->map) {
		munmap((void *)(uintptr_t)e->map, e->size);
		e->map = NULL;
	}
	return err;
}

vms_error *vms_types_open(const char *path, vms_types **out)
{
	struct vms_types *t = calloc(1, sizeof(*t));
	Dwarf_Error e = NULL;
	vms_error *err;
	int r;

	*out = NULL;
	if (!t || !(t->path = strdup(path))) {
		free(t);
		return VMS_ENOMEM;
	}
	if ((err = obj_map(path, &t->obj))) {
		free(t->path);
		free(t);
		return err;
	}
	t->access.object = &t->obj;
	t->access.methods = &obj_methods;
	r = dwarf_object_init_b(&t->access, NULL, NULL, DW_GROUPNUMBER_ANY, &t->dbg, &e);
	if (r != DW_DLV_OK) {
		err = vms_error_fmt(r == DW_DLV_NO_ENTRY ? VMS_ERR_UNSUPPORTED : VMS_ERR_CORRUPT,
				    "%s: %s", path,
				    r == DW_DLV_NO_ENTRY ? "no DWARF debug information (for a kernel, use the vmlinux of its -dbg package)"
							 : dwarf_errmsg(e));
		if (e)
			dwarf_dealloc_error(NULL, e);
		munmap((void *)(uintptr_t)t->obj.map, t->obj.size);
		free(t->path);
		free(t);
		return err;
	}
	t->void_type.owner = t;
	t->void_type.kind = VMS_TYPE_VOID;
	t->void_type.name = (char *)"void";
	t->void_type.target_loaded = t->void_type.members_loaded = true;
	*out = t;
	return NULL;
}

void vms_types_free(vms_types *t)
{
	if (!t)
		return;
	for (struct vms_type *ty = t->all, *n; ty; ty = n) {
		n = ty->next_alloc;
		for (size_t i = 0; i < ty->nmembers; i++)
			free((char *)ty->members[i].name);
		for (size_t i = 0; i < ty->nenums; i++)
			free(ty->enums[i].name);
		free(ty->members);
		free(ty->enums);
		free(ty->name);
		free(ty);
	}
	for (size_t i = 0; i < t->names_cap; i++)
		free(t->names[i].name);
	free(t->names);
	free(t->offs);
	dwarf_object_finish(t->dbg, NULL);
	munmap((void *)(uintptr_t)t->obj.map, t->obj.size);
	free(t->path);
	free(t);
}

vms_error *vms_type_find(vms_types *t, const char *name, const vms_type **out)
{
	char cand[4][600];
	size_t ncand = 0;
	bool more = true;
	vms_error *err;

	if (strlen(name) >= 500)
		return vms_error_fmt(VMS_ERR_INVALID, "type name too long");
	while (*name == ' ')
		name++;
	snprintf(cand[ncand++], sizeof(cand[0]), "%s", name);
	if (strncmp(name, "struct ", 7) && strncmp(name, "union ", 6) && strncmp(name, "enum ", 5)) {
		snprintf(cand[ncand++], sizeof(cand[0]), "struct %s", name);
		snprintf(cand[ncand++], sizeof(cand[0]), "union %s", name);
		snprintf(cand[ncand++], sizeof(cand[0]), "enum %s", name);
	}
	if (!strcmp(name, "void")) {
		*out = &t->void_type;
		return NULL;
	}
	for (;;) {
		struct name_slot *best = NULL;
		for (size_t i = 0; i < ncand && !best; i++) {
			struct name_slot *s = name_find(t, cand[i]);
			if (s && (!s->is_decl || !more || t->cus_done))
				best = s;
		}
		if (best) {
			struct vms_type *ty;
			if ((err = type_at(t, best->off, &ty)))
				return err;
			*out = ty;
			return NULL;
		}
		if (t->cus_done)
			break;
		if ((err = scan_next_cu(t, &more)))
			return err;
	}
	return vms_error_fmt(VMS_ERR_NOT_FOUND, "%s: no type '%s' in the DWARF", t->path, name);
}

/* ---- accessors ---------------------------------------------------------- */

enum vms_type_kind vms_type_kind(const vms_type *ty) { return ty->kind; }
const char *vms_type_name(const vms_type *ty) { return ty->name ? ty->name : ""; }
bool vms_type_is_signed(const vms_type *ty) { return ty->is_signed; }
uint64_t vms_type_array_len(const vms_type *ty) { return ty->array_len; }

const vms_type *vms_type_target(const vms_type *cty)
{
	struct vms_type *ty = (struct vms_type *)cty, *tg = NULL;
	vms_error *err;

	if (ty->target_loaded)
		return ty->target;
	ty->target_loaded = true;
	if (!ty->has_target_off)
		return NULL;
	/* A type whose target cannot be read behaves like void's. */
	if ((err = type_at(ty->owner, ty->target_off, &tg))) {
		vms_error_free(err);
		return NULL;
	}
	ty->target = tg;
	return tg;
}

const vms_type *vms_type_strip(const vms_type *ty)
{
	for (int i = 0; ty && i < MAX_CHAIN &&
	     (ty->kind == VMS_TYPE_TYPEDEF || ty->kind == VMS_TYPE_QUALIFIED); i++)
		ty = vms_type_target(ty);
	return ty;
}

bool vms_type_size(const vms_type *ty, uint64_t *size)
{
	for (int i = 0; ty && i < MAX_CHAIN; i++) {
		if (ty->has_size) {
			*size = ty->size;
			return true;
		}
		if (ty->kind != VMS_TYPE_TYPEDEF && ty->kind != VMS_TYPE_QUALIFIED)
			return false;
		ty = vms_type_target(ty);
	}
	return false;
}

size_t vms_type_nmembers(const vms_type *cty)
{
	struct vms_type *ty = (struct vms_type *)cty;
	if (!ty->members_loaded) {
		vms_error *err = load_members(ty);
		vms_error_free(err);
	}
	return ty->nmembers;
}

const struct vms_member *vms_type_member(const vms_type *ty, size_t i)
{
	return i < vms_type_nmembers(ty) ? &ty->members[i] : NULL;
}

size_t vms_type_nenumerators(const vms_type *cty)
{
	vms_type_nmembers(cty);
	return cty->nenums;
}

bool vms_type_enumerator(const vms_type *ty, size_t i, const char **name, int64_t *value)
{
	if (i >= vms_type_nenumerators(ty))
		return false;
	*name = ty->enums[i].name;
	*value = ty->enums[i].value;
	return true;
}

/* Finds a member by name in ty, looking inside anonymous members; adds the
 * offset of the way there. */
static const struct vms_member *find_member(const vms_type *ty, const char *name, size_t len,
					    uint64_t *off, int depth)
{
	size_t n = vms_type_nmembers(ty);

	for (size_t i = 0; i < n; i++) {
		const struct vms_member *m = &ty->members[i];
		if (strlen(m->name) == len && !memcmp(m->name, name, len)) {
			*off += m->offset;
			return m;
		}
	}
	if (depth >= MAX_CHAIN)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct vms_member *m = &ty->members[i];
		const vms_type *s = vms_type_strip(m->type);
		uint64_t o = *off + m->offset;
		const struct vms_member *r;
		if (*m->name || !s || (s->kind != VMS_TYPE_STRUCT && s->kind != VMS_TYPE_UNION))
			continue;
		if ((r = find_member(s, name, len, &o, depth + 1))) {
			*off = o;
			return r;
		}
	}
	return NULL;
}

vms_error *vms_type_member_path(const vms_type *type, const char *path, struct vms_member *out)
{
	const vms_type *cur = type;
	const char *p = path;
	uint64_t off = 0;
	struct vms_member res = { .name = "", .type = type };

	for (int steps = 0; *p; steps++) {
		const vms_type *s = vms_type_strip(cur);
		if (steps > 256 || !s)
			return vms_error_fmt(VMS_ERR_INVALID, "bad member path '%s'", path);
		if (*p == '[') {
			char *end;
			uint64_t idx = strtoull(p + 1, &end, 0), es;
			if (end == p + 1 || *end != ']' || s->kind != VMS_TYPE_ARRAY)
				return vms_error_fmt(VMS_ERR_INVALID, "'%s': cannot index %s at '%s'",
						     path, vms_type_name(cur), p);
			cur = vms_type_target(s);
			if (!cur || !vms_type_size(cur, &es) || __builtin_mul_overflow(idx, es, &es) ||
			    __builtin_add_overflow(off, es, &off))
				return vms_error_fmt(VMS_ERR_INVALID, "'%s': element size unknown", path);
			res = (struct vms_member){ .name = "", .type = cur, .offset = off };
			p = end + 1;
			continue;
		}
		if (*p == '.')
			p++;
		size_t len = strcspn(p, ".[");
		if (!len)
			return vms_error_fmt(VMS_ERR_INVALID, "bad member path '%s'", path);
		if (s->kind != VMS_TYPE_STRUCT && s->kind != VMS_TYPE_UNION)
			return vms_error_fmt(VMS_ERR_INVALID, "'%s': %s has no members", path,
					     vms_type_name(cur));
		uint64_t o = 0;
		const struct vms_member *m = find_member(s, p, len, &o, 0);
		if (!m)
			return vms_error_fmt(VMS_ERR_NOT_FOUND, "'%s': %s has no member '%.*s'", path,
					     vms_type_name(cur), (int)len, p);
		off += o;
		res = *m;
		res.offset = off;
		cur = m->type;
		p += len;
	}
	*out = res;
	return NULL;
}
