/* peer2elf — turns a libaddrxlat test case (../shared/peer/libaddrxlat/NAME/)
 * into an ELF vmcore that vmscope can open.
 *
 *   peer2elf CASE_DIR OUT.elf
 *
 * Format of a case: see shared/peer/README.md.  What the ELF gets:
 *  - one PT_LOAD per run of touched 4 KiB pages (bytes never written in a
 *    touched page read as zero, as they would in a real dump: an absent
 *    page-table entry is a zero entry);  p_vaddr = p_paddr, like a QEMU dump
 *    taken without paging, except for data_as=KVADDR cases where p_vaddr is
 *    the kernel address the data was given at (the direct map);
 *  - a VMCOREINFO note from case.conf and NAME.sym (OSRELEASE from osver,
 *    NUMBER(phys_base) from phys_base, SYMBOL() from @VALUE, NUMBER() from
 *    @NUMBER, SIZE()/OFFSET() from @SIZEOF/@OFFSETOF);
 *  - a QEMU CPU-state note when NAME.sym has @REG(cr3)/@REG(cr4).
 *
 * The parser is also used by tests/test-analyzer-peer.c, which includes
 * this file with PEER2ELF_NO_MAIN defined.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEER_PAGE 4096u
#define PEER_MAX_PAGES 65536u	/* 256 MiB of touched pages: far above any case */

struct peer_page {
	uint64_t addr;
	uint8_t data[PEER_PAGE];
};

struct peer_kv {
	char key[128];
	char value[64];
};

struct peer_case {
	char name[128];
	char arch[16];
	uint32_t osver;			/* 0 = absent */
	bool have_phys_base;
	uint64_t phys_base;
	unsigned page_shift;
	bool kvaddr;
	bool have_data;
	struct peer_page *pages;	/* sorted by addr after peer_load() */
	size_t npages, cap;
	struct peer_kv *kv;		/* VMCOREINFO lines */
	size_t nkv;
	bool have_cr3, have_cr4;
	uint64_t cr3, cr4;
	/* From NAME.expect. */
	bool exp_have_direct, exp_have_ktext_linear, exp_have_root;
	uint64_t exp_direct_off, exp_ktext_off;
	char exp_root[64];		/* "KVADDR:0x..", "MACHPHYSADDR:0x..", "NOADDR" */
};

static void peer_die(const char *what, const char *detail)
{
	fprintf(stderr, "peer2elf: %s: %s\n", what, detail);
	exit(2);
}

static struct peer_page *peer_page_get(struct peer_case *c, uint64_t addr)
{
	uint64_t base = addr & ~(uint64_t)(PEER_PAGE - 1);

	/* Pages arrive mostly in order: look at the last one first. */
	for (size_t i = c->npages; i-- > 0;)
		if (c->pages[i].addr == base)
			return &c->pages[i];
	if (c->npages == PEER_MAX_PAGES)
		peer_die(c->name, "too many pages");
	if (c->npages == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 64;
		c->pages = realloc(c->pages, c->cap * sizeof(*c->pages));
		if (!c->pages)
			peer_die(c->name, "out of memory");
	}
	memset(&c->pages[c->npages], 0, sizeof(c->pages[0]));
	c->pages[c->npages].addr = base;
	return &c->pages[c->npages++];
}

/* data_as=KVADDR: the case gives kernel addresses; map them to physical with
 * the two fixed translations of that (2.6.31) kernel. */
static uint64_t peer_to_phys(const struct peer_case *c, uint64_t a)
{
	if (!c->kvaddr)
		return a;
	if (a >= UINT64_C(0xffffffff80000000))
		return a - UINT64_C(0xffffffff80000000) + c->phys_base;
	if (a >= UINT64_C(0xffff880000000000) && a < UINT64_C(0xffffc80000000000))
		return a - UINT64_C(0xffff880000000000);
	peer_die(c->name, "KVADDR outside the direct map and kernel text");
	return 0;
}

static void peer_put(struct peer_case *c, uint64_t *addr, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++, (*addr)++) {
		uint64_t pa = peer_to_phys(c, *addr);
		peer_page_get(c, pa)->data[pa % PEER_PAGE] = b[i];
	}
}

static void peer_put_word(struct peer_case *c, uint64_t *addr, uint64_t v, size_t bytes)
{
	uint8_t b[8];

	for (size_t i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));	/* little-endian, both arches */
	peer_put(c, addr, b, bytes);
}

static void peer_parse_data(struct peer_case *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	uint64_t addr = 0;

	if (!f)
		return;
	c->have_data = true;
	while (fgets(line, sizeof(line), f)) {
		char *p = line;
		while (*p) {
			while (isspace((unsigned char)*p))
				p++;
			if (!*p || *p == '#')
				break;
			if (*p == '@') {
				addr = strtoull(p + 1, &p, 16);
				continue;
			}
			if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					uint8_t ch = (uint8_t)*p++;
					if (ch == '\\' && *p) {
						char e = *p++;
						ch = e == 'n' ? '\n' : e == 't' ? '\t' : e == '0' ? 0 : (uint8_t)e;
					}
					peer_put(c, &addr, &ch, 1);
				}
				if (*p == '"')
					p++;
				continue;
			}
			char *start = p;
			uint64_t v = strtoull(p, &p, 16), n = 1, inc = 0;
			size_t digits = (size_t)(p - start);
			bool neg = false;
			if (!digits || digits > 16 || digits % 2)
				peer_die(path, "bad hex word");
			if (*p == '*') {
				n = strtoull(p + 1, &p, 10);
				if (*p == '+' || *p == '-') {
					neg = *p == '-';
					inc = strtoull(p + 1, &p, 16);
				}
			}
			for (uint64_t i = 0; i < n; i++) {
				peer_put_word(c, &addr, v, digits / 2);
				v = neg ? v - inc : v + inc;
			}
		}
	}
	fclose(f);
}

static void peer_add_kv(struct peer_case *c, const char *key, const char *value)
{
	c->kv = realloc(c->kv, (c->nkv + 1) * sizeof(*c->kv));
	if (!c->kv)
		peer_die(c->name, "out of memory");
	snprintf(c->kv[c->nkv].key, sizeof(c->kv[0].key), "%s", key);
	snprintf(c->kv[c->nkv].value, sizeof(c->kv[0].value), "%s", value);
	c->nkv++;
}

static void peer_parse_sym(struct peer_case *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char key[256], val[256], out[256];

	if (!f)
		return;
	while (fscanf(f, " %255s %255s", key, val) == 2) {
		uint64_t v = strtoull(val, NULL, 16);
		char name[200], buf[40];
		int n = 0;
		if (sscanf(key, "@VALUE(%199[^)])", name) == 1) {
			n = snprintf(out, sizeof(out), "SYMBOL(%s)", name);
			snprintf(buf, sizeof(buf), "%" PRIx64, v);
		} else if (sscanf(key, "@NUMBER(%199[^)])", name) == 1) {
			n = snprintf(out, sizeof(out), "NUMBER(%s)", name);
			snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
		} else if (sscanf(key, "@SIZEOF(%199[^)])", name) == 1) {
			n = snprintf(out, sizeof(out), "SIZE(%s)", name);
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		} else if (sscanf(key, "@OFFSETOF(%199[^)])", name) == 1) {
			n = snprintf(out, sizeof(out), "OFFSET(%s)", name);
			snprintf(buf, sizeof(buf), "%" PRIu64, v);
		} else if (!strcmp(key, "@REG(cr3)")) {
			c->have_cr3 = true;
			c->cr3 = v;
			continue;
		} else if (!strcmp(key, "@REG(cr4)")) {
			c->have_cr4 = true;
			c->cr4 = v;
			continue;
		} else {
			peer_die(path, key);
		}
		if (n < 0 || (size_t)n >= sizeof(c->kv[0].key))
			peer_die(path, "symbol name too long");
		peer_add_kv(c, out, buf);
	}
	fclose(f);
}

static void peer_parse_expect(struct peer_case *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], section[64] = "";

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char method[32];
		uint64_t off;
		if (line[0] == '@' && sscanf(line, "@%63[^:]: %31s", section, method) == 2) {
			if (!strcmp(section, "ktext") && !strcmp(method, "LINEAR"))
				c->exp_have_ktext_linear = true;
			continue;
		}
		if (line[0] != ' ')
			section[0] = '\0';
		if (sscanf(line, "  off=0x%" SCNx64, &off) == 1) {
			if (!strcmp(section, "direct")) {
				c->exp_have_direct = true;
				c->exp_direct_off = off;
			} else if (!strcmp(section, "ktext")) {
				c->exp_ktext_off = off;
			}
		}
		if (!strcmp(section, "rootpgt") && sscanf(line, "  root=%63s", c->exp_root) == 1)
			c->exp_have_root = strcmp(c->exp_root, "NOADDR") != 0;
	}
	fclose(f);
}

static int peer_page_cmp(const void *a, const void *b)
{
	const struct peer_page *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void peer_path(char *buf, size_t size, const char *dir, const char *name, const char *suffix)
{
	int n = snprintf(buf, size, "%s/%s%s", dir, name, suffix);
	if (n < 0 || (size_t)n >= size)
		peer_die(dir, "path too long");
}

/* Loads DIR/case.conf, DIR/NAME.{data,sym,expect}; NAME = basename(DIR). */
static void peer_load(struct peer_case *c, const char *dir)
{
	char path[4096], line[256];
	const char *base = strrchr(dir, '/');
	FILE *f;

	memset(c, 0, sizeof(*c));
	if (strlen(dir) > 3000 || strlen(base ? base + 1 : dir) >= sizeof(c->name))
		peer_die(dir, "path too long");
	memcpy(c->name, base ? base + 1 : dir, strlen(base ? base + 1 : dir) + 1);
	c->page_shift = 12;
	peer_path(path, sizeof(path), dir, "case", ".conf");
	f = fopen(path, "r");
	if (!f)
		peer_die(path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq++ = '\0';
		eq[strcspn(eq, "\n")] = '\0';
		if (!strcmp(line, "arch"))
			snprintf(c->arch, sizeof(c->arch), "%s", eq);
		else if (!strcmp(line, "osver"))
			c->osver = (uint32_t)strtoul(eq, NULL, 0);
		else if (!strcmp(line, "phys_base")) {
			c->have_phys_base = true;
			c->phys_base = strtoull(eq, NULL, 0);
		} else if (!strcmp(line, "page_shift"))
			c->page_shift = (unsigned)strtoul(eq, NULL, 0);
		else if (!strcmp(line, "data_as"))
			c->kvaddr = !strcmp(eq, "KVADDR");
	}
	fclose(f);
	if (c->osver) {
		char v[32];
		snprintf(v, sizeof(v), "%u.%u.%u", c->osver >> 16, (c->osver >> 8) & 255, c->osver & 255);
		peer_add_kv(c, "OSRELEASE", v);
	}
	snprintf(line, sizeof(line), "%u", 1u << c->page_shift);
	peer_add_kv(c, "PAGESIZE", line);
	if (c->have_phys_base) {
		snprintf(line, sizeof(line), "%" PRId64, (int64_t)c->phys_base);
		peer_add_kv(c, "NUMBER(phys_base)", line);
	}
	peer_path(path, sizeof(path), dir, c->name, ".sym");
	peer_parse_sym(c, path);
	peer_path(path, sizeof(path), dir, c->name, ".data");
	peer_parse_data(c, path);
	peer_path(path, sizeof(path), dir, c->name, ".expect");
	peer_parse_expect(c, path);
	if (c->npages)
		qsort(c->pages, c->npages, sizeof(*c->pages), peer_page_cmp);
}

static void peer_free(struct peer_case *c)
{
	free(c->pages);
	free(c->kv);
}

/* ---- ELF writer -------------------------------------------------------- */

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v); w16(p + 2, (uint16_t)(v >> 16)); }
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }

static size_t note_put(uint8_t *buf, const char *name, uint32_t type, const void *desc,
		       uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t off = 12;

	w32(buf, namesz);
	w32(buf + 4, descsz);
	w32(buf + 8, type);
	memcpy(buf + off, name, namesz);
	off += (namesz + 3) & ~3u;
	memcpy(buf + off, desc, descsz);
	off += (descsz + 3) & ~3u;
	return off;
}

/* Writes the case as an ELF64 little-endian core file. */
static int peer_write_elf(const struct peer_case *c, const char *out)
{
	size_t nrun = 0, vlen = 0, notes_len = 0;
	uint8_t *notes, qemu[432];
	char *vmci;
	FILE *f;

	/* Runs of consecutive pages become one PT_LOAD each. */
	for (size_t i = 0; i < c->npages; i++)
		if (!i || c->pages[i].addr != c->pages[i - 1].addr + PEER_PAGE)
			nrun++;
	vmci = malloc(c->nkv * 200 + 1);
	notes = malloc(c->nkv * 200 + 1024);
	if (!vmci || !notes)
		peer_die(c->name, "out of memory");
	for (size_t i = 0; i < c->nkv; i++)
		vlen += (size_t)sprintf(vmci + vlen, "%s=%s\n", c->kv[i].key, c->kv[i].value);
	notes_len = note_put(notes, "VMCOREINFO", 0, vmci, (uint32_t)vlen);
	if (c->have_cr3) {
		memset(qemu, 0, sizeof(qemu));
		w32(qemu, 1);
		w32(qemu + 4, sizeof(qemu));
		w64(qemu + 416, c->cr3);
		w64(qemu + 424, c->cr4);
		notes_len += note_put(notes + notes_len, "QEMU", 0, qemu, sizeof(qemu));
	}

	size_t phnum = 1 + nrun;
	uint64_t data_off = 64 + 56 * phnum + notes_len;
	uint8_t eh[64] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	w16(eh + 16, 4);			/* ET_CORE */
	w16(eh + 18, strcmp(c->arch, "aarch64") ? 62 : 183);
	w32(eh + 20, 1);
	w64(eh + 32, 64);			/* e_phoff */
	w16(eh + 52, 64);
	w16(eh + 54, 56);
	w16(eh + 56, (uint16_t)phnum);

	f = fopen(out, "wb");
	if (!f)
		peer_die(out, strerror(errno));
	fwrite(eh, 1, sizeof(eh), f);
	uint8_t ph[56] = { 0 };
	w32(ph, 4);				/* PT_NOTE */
	w64(ph + 8, 64 + 56 * phnum);
	w64(ph + 32, notes_len);
	w64(ph + 40, notes_len);
	w64(ph + 48, 4);
	fwrite(ph, 1, sizeof(ph), f);
	uint64_t off = data_off;
	for (size_t i = 0; i < c->npages;) {
		size_t j = i + 1;
		while (j < c->npages && c->pages[j].addr == c->pages[j - 1].addr + PEER_PAGE)
			j++;
		uint64_t pa = c->pages[i].addr, len = (uint64_t)(j - i) * PEER_PAGE;
		uint64_t va = pa;
		if (c->kvaddr)	/* a kexec-style header: p_vaddr in the direct map */
			va = pa + UINT64_C(0xffff880000000000);
		memset(ph, 0, sizeof(ph));
		w32(ph, 1);			/* PT_LOAD */
		w32(ph + 4, 7);
		w64(ph + 8, off);
		w64(ph + 16, va);
		w64(ph + 24, pa);
		w64(ph + 32, len);
		w64(ph + 40, len);
		w64(ph + 48, PEER_PAGE);
		fwrite(ph, 1, sizeof(ph), f);
		off += len;
		i = j;
	}
	fwrite(notes, 1, notes_len, f);
	for (size_t i = 0; i < c->npages; i++)
		fwrite(c->pages[i].data, 1, PEER_PAGE, f);
	free(vmci);
	free(notes);
	if (fclose(f))
		peer_die(out, strerror(errno));
	return 0;
}

#ifndef PEER2ELF_NO_MAIN
int main(int argc, char **argv)
{
	struct peer_case c;

	if (argc != 3) {
		fprintf(stderr, "usage: peer2elf CASE_DIR OUT.elf\n");
		return 2;
	}
	peer_load(&c, argv[1]);
	if (!c.have_data) {
		fprintf(stderr, "peer2elf: %s has no memory data (version-only case)\n", c.name);
		peer_free(&c);
		return 77;
	}
	peer_write_elf(&c, argv[2]);
	peer_free(&c);
	return 0;
}
#endif
