/* Types whose layout the DWARF reader must reproduce: tests/symbols-target
 * is built from them with -g, and tests/test-symbols compares what
 * vms_type_* say with the compiler's own offsetof and sizeof. */
#ifndef VMS_SYMBOLS_TARGET_H
#define VMS_SYMBOLS_TARGET_H

#include <stdint.h>

struct st_list {
	struct st_list *next, *prev;
};

enum st_color { ST_RED = 1, ST_GREEN = 2, ST_BLUE = -3 };

typedef unsigned long st_ulong;

struct st_inner {
	uint16_t a;
	uint64_t b;
	char tag[5];
};

struct st_sample {
	int32_t id;
	unsigned flag1 : 1;
	unsigned mode : 3;
	unsigned level : 12;
	struct st_inner inner;
	struct st_inner pair[2];
	union {
		uint32_t u32;
		float f;
	};
	struct {
		int8_t x, y;
	} anon_named;
	st_ulong count;
	enum st_color color;
	char name[16];
	struct st_list link;
	void (*fn)(void);
	int matrix[2][3];
	const char *label;
};

#endif
