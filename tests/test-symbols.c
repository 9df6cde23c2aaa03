/* The DWARF reader against the compiler: tests/symbols-target is built with
 * -g from tests/symbols-target.h; this program includes the same header, so
 * its offsetof/sizeof are the truth for what vms_type_* report. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/symbols.h>
#include "symbols-target.h"

static int n, failed;

static void ok(int cond, const char *fmt, const char *a, const char *b)
{
	printf("%s %d - ", cond ? "ok" : "not ok", ++n);
	printf(fmt, a, b);
	printf("\n");
	failed += !cond;
}

static void check_member(const vms_type *t, const char *path, uint64_t off, uint64_t size)
{
	struct vms_member m;
	vms_error *err = vms_type_member_path(t, path, &m);
	uint64_t sz = 0;
	char buf[160];

	if (err) {
		ok(0, "%s: %s", path, vms_error_message(err));
		vms_error_free(err);
		return;
	}
	vms_type_size(m.type, &sz);
	snprintf(buf, sizeof(buf), "offset %llu/%llu size %llu/%llu", (unsigned long long)m.offset,
		 (unsigned long long)off, (unsigned long long)sz, (unsigned long long)size);
	ok(m.offset == off && sz == size, "%s: %s", path, buf);
}

#define MEMBER(type, path, expr) check_member(t, path, offsetof(type, expr), sizeof(((type *)0)->expr))

int main(void)
{
	const char *dir = getenv("top_builddir");
	char path[4096];
	vms_types *types;
	const vms_type *t;
	vms_error *err;
	uint64_t sz;

	snprintf(path, sizeof(path), "%s/tests/symbols-target", dir ? dir : ".");
	if ((err = vms_types_open(path, &types))) {
		printf("not ok 1 - open %s: %s\n1..1\n", path, vms_error_message(err));
		return 1;
	}
	err = vms_type_find(types, "st_sample", &t);
	ok(!err, "find %s%s", "st_sample", err ? vms_error_message(err) : "");
	if (err)
		return 1;
	ok(vms_type_size(t, &sz) && sz == sizeof(struct st_sample), "sizeof %s%s", "st_sample", "");
	ok(!strcmp(vms_type_name(t), "struct st_sample"), "name '%s'%s", vms_type_name(t), "");
	MEMBER(struct st_sample, "id", id);
	MEMBER(struct st_sample, "inner", inner);
	MEMBER(struct st_sample, "inner.b", inner.b);
	MEMBER(struct st_sample, "inner.tag", inner.tag);
	MEMBER(struct st_sample, "pair", pair);
	MEMBER(struct st_sample, "pair[1].b", pair[1].b);
	MEMBER(struct st_sample, "u32", u32);		/* through the anonymous union */
	MEMBER(struct st_sample, "f", f);
	MEMBER(struct st_sample, "anon_named.y", anon_named.y);
	MEMBER(struct st_sample, "count", count);
	MEMBER(struct st_sample, "color", color);
	MEMBER(struct st_sample, "name", name);
	MEMBER(struct st_sample, "name[3]", name[3]);
	MEMBER(struct st_sample, "link.prev", link.prev);
	MEMBER(struct st_sample, "fn", fn);
	MEMBER(struct st_sample, "matrix", matrix);
	MEMBER(struct st_sample, "matrix[1]", matrix[1]);
	MEMBER(struct st_sample, "matrix[1][2]", matrix[1][2]);
	MEMBER(struct st_sample, "label", label);

	/* Bit-fields: set each in an instance and find the bits the DWARF
	 * says it occupies. */
	{
		static const char *const names[] = { "flag1", "mode", "level" };
		for (int i = 0; i < 3; i++) {
			struct st_sample s;
			struct vms_member m;
			unsigned char *p = (unsigned char *)&s;
			uint64_t v = 0;
			memset(&s, 0, sizeof(s));
			if (i == 0) s.flag1 = 1;
			if (i == 1) s.mode = 7;
			if (i == 2) s.level = 0xfff;
			if ((err = vms_type_member_path(t, names[i], &m))) {
				ok(0, "%s: %s", names[i], vms_error_message(err));
				vms_error_free(err);
				continue;
			}
			for (unsigned b = 0; b < m.bit_size; b++) {
				unsigned bit = m.bit_offset + b;
				v |= (uint64_t)(p[m.offset + bit / 8] >> (bit % 8) & 1) << b;
			}
			ok(v == (1ull << m.bit_size) - 1 && m.bit_size == (i == 0 ? 1 : i == 1 ? 3 : 12),
			   "bit-field %s%s", names[i], "");
		}
	}

	/* Enumerators, typedefs, names of derived types. */
	err = vms_type_find(types, "enum st_color", &t);
	ok(!err && vms_type_nenumerators(t) == 3, "enum %s%s", "st_color", "");
	if (!err) {
		const char *nm;
		int64_t v;
		ok(vms_type_enumerator(t, 2, &nm, &v) && !strcmp(nm, "ST_BLUE") && v == ST_BLUE,
		   "enumerator %s%s", "ST_BLUE", "");
	}
	vms_error_free(err);
	err = vms_type_find(types, "st_ulong", &t);
	ok(!err && vms_type_kind(t) == VMS_TYPE_TYPEDEF && vms_type_size(t, &sz) &&
	   sz == sizeof(st_ulong) && vms_type_kind(vms_type_strip(t)) == VMS_TYPE_INT,
	   "typedef %s%s", "st_ulong", "");
	vms_error_free(err);
	err = vms_type_find(types, "struct st_sample", &t);
	if (!err) {
		struct vms_member m;
		vms_error_free(vms_type_member_path(t, "matrix", &m));
		ok(!strcmp(vms_type_name(m.type), "int [2][3]"), "array name '%s'%s", vms_type_name(m.type), "");
		vms_error_free(vms_type_member_path(t, "label", &m));
		ok(!strcmp(vms_type_name(m.type), "const char *"), "pointer name '%s'%s", vms_type_name(m.type), "");
		err = vms_type_member_path(t, "nosuch", &m);
		ok(err && vms_error_code(err) == VMS_ERR_NOT_FOUND, "missing member %s%s", "refused", "");
	}
	vms_error_free(err);
	err = vms_type_find(types, "struct no_such_type", &t);
	ok(err && vms_error_code(err) == VMS_ERR_NOT_FOUND, "unknown type %s%s", "not found", "");
	vms_error_free(err);
	vms_types_free(types);

	/* A file without DWARF, and one that is not ELF. */
	err = vms_types_open("/dev/null", &types);
	ok(err != NULL, "not an ELF file: %s%s", err ? vms_error_message(err) : "accepted", "");
	vms_error_free(err);

	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
