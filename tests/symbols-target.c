/* A program built with -g whose DWARF describes tests/symbols-target.h.
 * `symbols-target DUMPFILE` also writes a one-segment ELF vmcore whose
 * physical page 0x1000 holds a filled-in struct st_sample, for `vmscope
 * struct --phys`. */
#include <stdio.h>
#include <string.h>

#include "symbols-target.h"

struct st_sample st_instance;
enum st_color st_color_var;

static void put(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

int main(int argc, char **argv)
{
	unsigned char hdr[64 + 56] = { 0 }, page[4096] = { 0 };
	struct st_sample *s = (struct st_sample *)page;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DUMPFILE\n", argv[0]);
		return 2;
	}
	s->id = -42;
	s->flag1 = 1;
	s->mode = 5;
	s->level = 0x9ab;
	s->inner.a = 0x1234;
	s->inner.b = 0x1122334455667788ull;
	memcpy(s->inner.tag, "abcd", 5);
	s->pair[1].b = 7;
	s->u32 = 0xdeadbeef;
	s->anon_named.y = -2;
	s->count = 1000;
	s->color = ST_BLUE;
	strcpy(s->name, "sample-one");
	s->matrix[1][2] = 99;

	/* ELF64 little-endian ET_CORE, x86_64, one PT_LOAD at paddr 0x1000. */
	memcpy(hdr, "\177ELF\2\1\1", 7);
	put(hdr + 16, 4, 2);		/* ET_CORE */
	put(hdr + 18, 62, 2);		/* EM_X86_64 */
	put(hdr + 20, 1, 4);
	put(hdr + 32, 64, 8);		/* e_phoff */
	put(hdr + 52, 64, 2);
	put(hdr + 54, 56, 2);
	put(hdr + 56, 1, 2);		/* e_phnum */
	put(hdr + 64, 1, 4);		/* PT_LOAD */
	put(hdr + 68, 7, 4);
	put(hdr + 72, 4096, 8);		/* p_offset */
	put(hdr + 80, 0xffff888000001000ull, 8);
	put(hdr + 88, 0x1000, 8);	/* p_paddr */
	put(hdr + 96, 4096, 8);
	put(hdr + 104, 4096, 8);
	put(hdr + 112, 4096, 8);
	if (!(f = fopen(argv[1], "wb")))
		return 1;
	fwrite(hdr, 1, sizeof(hdr), f);
	for (size_t i = sizeof(hdr); i < 4096; i++)
		fputc(0, f);
	fwrite(page, 1, sizeof(page), f);
	return fclose(f) ? 1 : 0;
}
