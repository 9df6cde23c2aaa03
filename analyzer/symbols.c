/* Kernel symbol tables: the common store and lookups, System.map and vmlinux
 * (ELF .symtab) sources, relocation by the KASLR offset, and the check that a
 * file belongs to the dump.  The kallsyms source is in kallsyms.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error-priv.h"
#include "layout-priv.h"
#include "symbols-priv.h"
#include "util.h"

const char *vms_symtab_source_name(enum vms_symtab_source src)
{
	switch (src) {
	case VMS_SYMTAB_KALLSYMS: return "kallsyms";
	case VMS_SYMTAB_SYSTEM_MAP: return "system-map";
	case VMS_SYMTAB_VMLINUX: return "vmlinux";
	default: return "none";
	}
}

/* ---- the store ---------------------------------------------------------- */

vms_error *vms_symtab_add(struct vms_symtab *st, const char *name, size_t len, uint64_t addr,
			  char type, bool exact_size, uint64_t size)
{
	struct vms_symbol *s;

	if (st->n >= VMS_SYM_MAX_COUNT)
		return vms_error_fmt(VMS_ERR_UNSUPPORTED, "more than %u symbols",
				     VMS_SYM_MAX_COUNT);
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 4096;
		void *p = realloc(st->syms, cap * sizeof(*st->syms));
		if (!p)
			return VMS_ENOMEM;
		st->syms = p;
		st->cap = cap;
	}
	if (st->pool_len + len + 1 > st->pool_cap) {
		size_t cap = st->pool_cap ? st->pool_cap * 2 : 65536;
		void *p;
		while (cap < st->pool_len + len + 1)
			cap *= 2;
		p = realloc(st->pool, cap);
		if (!p)
			return VMS_ENOMEM;
		st->pool = p;
		st->pool_cap = cap;
	}
	/* Names are stored as pool offsets until finish: the pool moves. */
	s = &st->syms[st->n++];
	s->name = (const char *)(uintptr_t)st->pool_len;
	memcpy(st->pool + st->pool_len, name, len);
	st->pool[st->pool_len + len] = '\0';
	st->pool_len += len + 1;
	s->addr = addr;
	s->size = exact_size ? size : 0;
	s->size_exact = exact_size;
	s->type = type ? type : '?';
	return NULL;
}

static int cmp_addr(const void *a, const void *b)
{
	const struct vms_symbol *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* qsort has no context argument in C11; the name index sorts pairs. */
struct name_key {
	const char *name;
	uint32_t idx;
};

static int cmp_name(const void *a, const void *b)
{
	const struct name_key *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

vms_error *vms_symtab_finish(struct vms_symtab *st)
{
	struct name_key *keys;
	size_t i, j;

	for (i = 0; i < st->n; i++)
		st->syms[i].name = st->pool + (uintptr_t)st->syms[i].name;
	if (st->n)
		qsort(st->syms, st->n, sizeof(*st->syms), cmp_addr);
	/* Inexact sizes run to the next symbol at a higher address, as the
	 * kernel's own kallsyms_lookup_size_offset() does. */
	for (i = 0; i < st->n; i = j) {
		for (j = i + 1; j < st->n && st->syms[j].addr == st->syms[i].addr; j++)
			;
		for (size_t k = i; k < j; k++) {
			if (st->syms[k].size_exact && st->syms[k].size)
				continue;
			st->syms[k].size_exact = false;
			st->syms[k].size = j < st->n ? st->syms[j].addr - st->syms[k].addr : 0;
		}
	}
	keys = malloc((st->n ? st->n : 1) * sizeof(*keys));
	st->by_name = malloc((st->n ? st->n : 1) * sizeof(*st->by_name));
	if (!keys || !st->by_name) {
		free(keys);
		return VMS_ENOMEM;
	}
	for (i = 0; i < st->n; i++) {
		keys[i].name = st->syms[i].name;
		keys[i].idx = (uint32_t)i;
	}
	if (st->n)
		qsort(keys, st->n, sizeof(*keys), cmp_name);
	for (i = 0; i < st->n; i++)
		st->by_name[i] = keys[i].idx;
	free(keys);
	return NULL;
}

void vms_symtab_free(vms_symtab *st)
{
	if (!st)
		return;
	free(st->syms);
	free(st->pool);
	free(st->by_name);
	free(st->vmlinux);
	free(st);
}

enum vms_symtab_source vms_symtab_source(const vms_symtab *st) { return st->source; }
uint64_t vms_symtab_kaslr_offset(const vms_symtab *st) { return st->kaslr_offset; }
const char *vms_symtab_vmlinux(const vms_symtab *st) { return st->vmlinux; }
size_t vms_symtab_count(const vms_symtab *st) { return st->n; }

const struct vms_symbol *vms_symtab_get(const vms_symtab *st, size_t i)
{
	return i < st->n ? &st->syms[i] : NULL;
}

static bool is_global(char type)
{
	return type >= 'A' && type <= 'Z';
}

const struct vms_symbol *vms_symbol_by_name(const vms_symtab *st, const char *name)
{
	size_t lo = 0, hi = st->n, i;
	const struct vms_symbol *first = NULL;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(st->syms[st->by_name[mid]].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < st->n && !strcmp(st->syms[st->by_name[i]].name, name); i++) {
		const struct vms_symbol *s = &st->syms[st->by_name[i]];
		if (is_global(s->type))
			return s;
		if (!first)
			first = s;
	}
	return first;
}

const struct vms_symbol *vms_symbol_by_addr(const vms_symtab *st, uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = st->n, i, best;

	/* The last symbol at or below addr... */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	/* ...then, among its aliases, a global one with a size that holds
	 * addr (an exact size of 0 is an asm label: it holds its address). */
	best = SIZE_MAX;
	for (i = lo; i-- > 0 && st->syms[i].addr == st->syms[lo - 1].addr;) {
		const struct vms_symbol *s = &st->syms[i];
		bool holds = addr - s->addr < s->size || addr == s->addr;
		if (!holds)
			continue;
		if (best == SIZE_MAX || (is_global(s->type) && !is_global(st->syms[best].type)))
			best = i;
	}
	if (best == SIZE_MAX)
		return NULL;
	if (offset)
		*offset = addr - st->syms[best].addr;
	return &st->syms[best];
}

/* ---- System.map --------------------------------------------------------- */

#define VMS_SYSMAP_MAX (256u << 20)

static vms_error *read_whole(const char *path, char **out, size_t *len, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf;
	size_t got = 0;

	if (fd < 0)
		return vms_error_errno(path, errno, "cannot open");
	if (fstat(fd, &sb) < 0 || (uint64_t)sb.st_size > cap) {
		close(fd);
		return vms_error_fmt(VMS_ERR_UNSUPPORTED, "%s: larger than %zu bytes", path, cap);
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		close(fd);
		return VMS_ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			vms_error *err = vms_error_errno(path, r < 0 ? errno : EIO, "read failed");
			free(buf);
			close(fd);
			return err;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return NULL;
}

static vms_error *load_system_map(const char *path, struct vms_symtab *st)
{
	char *buf = NULL, *p, *end;
	size_t len = 0, line = 0;
	vms_error *err = read_whole(path, &buf, &len, VMS_SYSMAP_MAX);

	if (err)
		return err;
	for (p = buf, end = buf + len; p < end && !err; line++) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *q, *name;
		uint64_t addr;
		char type;
		size_t nlen;

		if (!nl)
			nl = end;
		*nl = '\0';
		/* "ffffffff81000000 T _text"; an optional "\t[module]" is cut. */
		addr = strtoull(p, &q, 16);
		if (q == p || *q != ' ' || !q[1] || q[2] != ' ' || !q[3]) {
			if (*p)
				err = vms_error_fmt(VMS_ERR_CORRUPT,
						    "%s: line %zu: expected 'ADDRESS TYPE NAME'",
						    path, line + 1);
			p = nl + 1;
			continue;
		}
		type = q[1];
		name = q + 3;
		nlen = strcspn(name, " \t\r");
		if (nlen && nlen < VMS_SYM_NAME_MAX)
			err = vms_symtab_add(st, name, nlen, addr, type, false, 0);
		p = nl + 1;
	}
	free(buf);
	if (!err && !st->n)
		err = vms_error_fmt(VMS_ERR_CORRUPT, "%s: no symbols", path);
	return err;
}

/* ---- vmlinux (ELF64) ---------------------------------------------------- */

struct elf_sec {
	uint32_t name, type;
	uint64_t flags, addr, offset, size;
	uint32_t link;
	uint64_t entsize;
};

struct elf_file {
	const char *path;
	int fd;
	uint64_t size;
	bool be;
	struct elf_sec *secs;
	size_t nsecs;
};

static vms_error *elf_pread(struct elf_file *ef, uint64_t off, void *buf, size_t len,
			    const char *what)
{
	size_t got = 0;

	if (off > ef->size || len > ef->size - off)
		return vms_error_at(VMS_ERR_CORRUPT, ef->path, off,
				    "%s (%zu bytes) runs past the end of the file", what, len);
	while (got < len) {
		ssize_t r = pread(ef->fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return vms_error_errno(ef->path, r < 0 ? errno : EIO, "reading %s", what);
		got += (size_t)r;
	}
	return NULL;
}

static vms_error *elf_open(const char *path, struct elf_file *ef)
{
	uint8_t eh[64];
	struct stat sb;
	uint64_t shoff;
	uint16_t shentsize, shnum;
	uint8_t *raw;
	vms_error *err;

	memset(ef, 0, sizeof(*ef));
	ef->path = path;
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0)
		return vms_error_errno(path, errno, "cannot open");
	if (fstat(ef->fd, &sb) < 0)
		return vms_error_errno(path, errno, "cannot stat");
	ef->size = (uint64_t)sb.st_size;
	if ((err = elf_pread(ef, 0, eh, sizeof(eh), "ELF header")))
		return err;
	if (memcmp(eh, "\177ELF", 4))
		return vms_error_at(VMS_ERR_CORRUPT, path, 0, "not an ELF file");
	if (eh[4] != 2)
		return vms_error_at(VMS_ERR_UNSUPPORTED, path, 4, "not a 64-bit ELF file");
	ef->be = eh[5] == 2;
	shoff = vms_get64(eh + 40, ef->be);
	shentsize = vms_get16(eh + 58, ef->be);
	shnum = vms_get16(eh + 60, ef->be);
	if (shentsize < 64 || !shnum)
		return vms_error_at(VMS_ERR_CORRUPT, path, 58, "no usable section headers");
	/* Before allocating: the table must be in the file. */
	if (shoff > ef->size || (uint64_t)shnum * shentsize > ef->size - shoff)
		return vms_error_at(VMS_ERR_CORRUPT, path, 40,
				    "section headers (%u of %u bytes at %llu) run past the end of the file",
				    shnum, shentsize, (unsigned long long)shoff);
	raw = malloc((size_t)shnum * shentsize);
	ef->secs = calloc(shnum, sizeof(*ef->secs));
	if (!raw || !ef->secs) {
		free(raw);
		return VMS_ENOMEM;
	}
	if ((err = elf_pread(ef, shoff, raw, (size_t)shnum * shentsize, "section headers"))) {
		free(raw);
		return err;
	}
	for (size_t i = 0; i < shnum; i++) {
		const uint8_t *s = raw + i * shentsize;
		struct elf_sec *d = &ef->secs[i];
		d->name = vms_get32(s, ef->be);
		d->type = vms_get32(s + 4, ef->be);
		d->flags = vms_get64(s + 8, ef->be);
		d->addr = vms_get64(s + 16, ef->be);
		d->offset = vms_get64(s + 24, ef->be);
		d->size = vms_get64(s + 32, ef->be);
		d->link = vms_get32(s + 40, ef->be);
		d->entsize = vms_get64(s + 56, ef->be);
	}
	ef->nsecs = shnum;
	free(raw);
	return NULL;
}

static void elf_close(struct elf_file *ef)
{
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->secs);
}

/* Reads a whole section (bounded by the file size). */
static vms_error *elf_section(struct elf_file *ef, size_t i, uint8_t **out)
{
	const struct elf_sec *s = &ef->secs[i];
	char what[48];
	vms_error *err;

	if (s->type == 8 /* SHT_NOBITS */ || s->size > ef->size)
		return vms_error_at(VMS_ERR_CORRUPT, ef->path, s->offset,
				    "section %zu has no usable contents", i);
	*out = malloc(s->size + 1);
	if (!*out)
		return VMS_ENOMEM;
	snprintf(what, sizeof(what), "section %zu", i);
	if ((err = elf_pread(ef, s->offset, *out, s->size, what))) {
		free(*out);
		*out = NULL;	/* the caller frees what it got */
		return err;
	}
	(*out)[s->size] = '\0';
	return NULL;
}

/* nm's letter for an ELF symbol. */
static char elf_sym_type(const struct elf_file *ef, uint8_t info, uint16_t shndx)
{
	unsigned bind = info >> 4, type = info & 15;
	char c;

	if (shndx == 0xfff1 /* SHN_ABS */)
		c = 'a';
	else if (shndx == 0 || shndx >= ef->nsecs)
		c = 'u';
	else {
		const struct elf_sec *s = &ef->secs[shndx];
		if (s->flags & 4 /* SHF_EXECINSTR */)
			c = 't';
		else if (s->type == 8 /* NOBITS */)
			c = 'b';
		else if (s->flags & 1 /* SHF_WRITE */)
			c = 'd';
		else
			c = 'r';
	}
	if (bind == 2 /* STB_WEAK */)
		return type == 1 /* OBJECT */ ? 'V' : 'W';
	if (bind == 1 /* GLOBAL */ && c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	return c;
}

struct vmlinux_info {
	char build_id[41];	/* hex, "" when absent */
	char banner[256];	/* linux_banner's text, "" when not found */
	uint64_t banner_addr;	/* link-time */
};

static vms_error *load_vmlinux(const char *path, struct vms_symtab *st, struct vmlinux_info *vi)
{
	struct elf_file ef;
	vms_error *err = elf_open(path, &ef);
	size_t i, symi = SIZE_MAX;
	uint8_t *syms = NULL, *strs = NULL;

	memset(vi, 0, sizeof(*vi));
	if (err)
		goto out;
	for (i = 0; i < ef.nsecs; i++) {
		if (ef.secs[i].type == 2 /* SHT_SYMTAB */ && symi == SIZE_MAX)
			symi = i;
		/* NT_GNU_BUILD_ID: namesz 4, type 3, name "GNU\0", then the id. */
		if (ef.secs[i].type == 7 /* SHT_NOTE */ && ef.secs[i].size >= 16 &&
		    ef.secs[i].size <= 4096 && !vi->build_id[0]) {
			uint8_t *n;
			if ((err = elf_section(&ef, i, &n)))
				goto out;
			for (uint64_t o = 0; o + 12 <= ef.secs[i].size;) {
				uint32_t nsz = vms_get32(n + o, ef.be), dsz = vms_get32(n + o + 4, ef.be);
				uint32_t ty = vms_get32(n + o + 8, ef.be);
				uint64_t d = o + 12 + ((nsz + 3ull) & ~3ull);
				if (d > ef.secs[i].size || dsz > ef.secs[i].size - d)
					break;
				if (ty == 3 && nsz == 4 && !memcmp(n + o + 12, "GNU", 4) && dsz <= 20) {
					for (uint32_t k = 0; k < dsz; k++)
						sprintf(vi->build_id + 2 * k, "%02x", n[d + k]);
					break;
				}
				o = d + ((dsz + 3ull) & ~3ull);
			}
			free(n);
		}
	}
	if (symi == SIZE_MAX) {
		err = vms_error_fmt(VMS_ERR_UNSUPPORTED, "%s: no symbol table (stripped?)", path);
		goto out;
	}
	if (ef.secs[symi].link >= ef.nsecs) {
		err = vms_error_fmt(VMS_ERR_CORRUPT, "%s: symbol table links to section %u",
				    path, ef.secs[symi].link);
		goto out;
	}
	if ((err = elf_section(&ef, symi, &syms)) ||
	    (err = elf_section(&ef, ef.secs[symi].link, &strs)))
		goto out;
	for (uint64_t o = 0; o + 24 <= ef.secs[symi].size && !err; o += 24) {
		const uint8_t *s = syms + o;
		uint32_t name = vms_get32(s, ef.be);
		uint8_t info = s[4];
		uint16_t shndx = vms_get16(s + 6, ef.be);
		uint64_t value = vms_get64(s + 8, ef.be), size = vms_get64(s + 16, ef.be);
		uint64_t strsz = ef.secs[ef.secs[symi].link].size;
		unsigned type = info & 15;
		const char *nm;
		size_t nlen;
		char c;

		if (name >= strsz || type == 3 /* SECTION */ || type == 4 /* FILE */)
			continue;
		nm = (const char *)strs + name;
		nlen = strnlen(nm, strsz - name);
		c = elf_sym_type(&ef, info, shndx);
		if (!nlen || nlen >= VMS_SYM_NAME_MAX || c == 'u')
			continue;
		err = vms_symtab_add(st, nm, nlen, value, c, size != 0, size);
		if (!err && !strcmp(nm, "linux_banner"))
			vi->banner_addr = value;
	}
	/* The banner's text, for matching against the dump's. */
	if (!err && vi->banner_addr) {
		for (i = 0; i < ef.nsecs; i++) {
			const struct elf_sec *s = &ef.secs[i];
			if (s->type == 8 || !(s->flags & 2 /* ALLOC */) || vi->banner_addr < s->addr ||
			    vi->banner_addr - s->addr >= s->size)
				continue;
			uint64_t avail = s->size - (vi->banner_addr - s->addr);
			size_t n = avail < sizeof(vi->banner) - 1 ? (size_t)avail : sizeof(vi->banner) - 1;
			vms_error *rerr = elf_pread(&ef, s->offset + (vi->banner_addr - s->addr),
						    vi->banner, n, "banner");
			vi->banner[rerr ? 0 : n] = '\0';	/* unreadable: no banner check */
			vms_error_free(rerr);
			break;
		}
	}
out:
	free(syms);
	free(strs);
	elf_close(&ef);
	return err;
}

/* ---- opening ------------------------------------------------------------ */

/* VMCOREINFO symbols that are addresses of kernel variables (not, like
 * SYMBOL(mem_section), the value of a pointer). */
static const char *const check_syms[] = {
	"_stext", "init_uts_ns", "swapper_pg_dir", "init_top_pgt", "node_online_map",
	"vmap_area_list", "prb", "kallsyms_names",
};

static bool vmci_sym(vms_layout *layout, const char *name, uint64_t *out)
{
	char key[64];
	snprintf(key, sizeof(key), "SYMBOL(%s)", name);
	return layout && vms_layout_vmci_hex(layout, key, out);
}

/* Adds off to the image's symbols.  Absolute symbols and x86_64's per-cpu
 * offsets (linked at 0) stay where they are. */
static void relocate(struct vms_symtab *st, uint64_t off)
{
	uint64_t text = UINT64_MAX;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strcmp(st->pool + (uintptr_t)st->syms[i].name, "_text") ||
		    !strcmp(st->pool + (uintptr_t)st->syms[i].name, "_stext"))
			text = st->syms[i].addr < text ? st->syms[i].addr : text;
	if (text == UINT64_MAX)
		text = 1ull << 63;
	for (i = 0; i < st->n; i++) {
		struct vms_symbol *s = &st->syms[i];
		if (s->type != 'A' && s->type != 'a' && s->addr >= text)
			s->addr += off;
	}
}

static const struct vms_symbol *find_raw(struct vms_symtab *st, const char *name)
{
	/* Before finish, names are pool offsets. */
	for (size_t i = 0; i < st->n; i++)
		if (!strcmp(st->pool + (uintptr_t)st->syms[i].name, name))
			return &st->syms[i];
	return NULL;
}

/* How much of a banner to quote: its first line, at most 60 bytes, so the
 * error stays on one line. */
static int quote_len(const char *s)
{
	size_t n = strcspn(s, "\r\n");
	return n < 60 ? (int)n : 60;
}

/* Refuses a vmlinux that is not the dump's kernel, saying why. */
static vms_error *check_vmlinux(vms_layout *layout, const char *path, const struct vmlinux_info *vi,
				uint64_t off)
{
	const char *bid = layout ? vms_layout_vmci(layout, "BUILD-ID") : NULL;
	const char *rel = layout ? vms_layout_vmci(layout, "OSRELEASE") : NULL;

	if (bid && vi->build_id[0]) {
		if (strncasecmp(bid, vi->build_id, strlen(vi->build_id)))
			return vms_error_fmt(VMS_ERR_INVALID,
					     "%s does not match the dump: its BUILD-ID is %s, the dump's VMCOREINFO says %s",
					     path, vi->build_id, bid);
		return NULL;
	}
	if (rel && vi->banner[0]) {
		char want[128];
		snprintf(want, sizeof(want), "Linux version %s ", rel);
		if (strncmp(vi->banner, want, strlen(want)))
			return vms_error_fmt(VMS_ERR_INVALID,
					     "%s does not match the dump: its banner is '%.*s', the dump's OSRELEASE is %s",
					     path, quote_len(vi->banner), vi->banner, rel);
	}
	if (layout && vi->banner[0] && vi->banner_addr) {
		char mem[sizeof(vi->banner)];
		size_t n = strlen(vi->banner);
		vms_error *rerr = vms_read_virt(layout, vi->banner_addr + off, mem, n, 0);
		bool differs = !rerr && memcmp(mem, vi->banner, n);

		vms_error_free(rerr);	/* unreadable: nothing to compare */
		mem[n] = '\0';		/* printed below */
		if (differs)
			return vms_error_fmt(VMS_ERR_INVALID,
					     "%s does not match the dump: linux_banner differs ('%.*s' in the dump)",
					     path, quote_len(mem), mem);
	}
	return NULL;
}

vms_error *vms_symtab_open(vms_layout *layout, const struct vms_symtab_options *opts,
			   vms_symtab **out)
{
	struct vms_symtab_options o = VMS_SYMTAB_OPTIONS_INIT;
	struct vms_symtab *st;
	struct vmlinux_info vi;
	const char *file;
	vms_error *err = NULL;

	*out = NULL;
	if (opts) {
		if (opts->version != VMS_SYMTAB_OPTIONS_VERSION)
			return vms_error_fmt(VMS_ERR_INVALID, "symtab options version %u, expected %u",
					     opts->version, VMS_SYMTAB_OPTIONS_VERSION);
		o = *opts;
	}
	if (o.vmlinux && o.system_map)
		return vms_error_fmt(VMS_ERR_INVALID, "give a vmlinux or a System.map, not both");
	file = o.vmlinux ? o.vmlinux : o.system_map;
	if (!layout && !(file && o.have_kaslr_offset))
		return vms_error_fmt(VMS_ERR_INVALID,
				     "symbols need the dump's layout, or a file and a KASLR offset");
	st = calloc(1, sizeof(*st));
	if (!st)
		return VMS_ENOMEM;

	if (!file) {
		st->source = VMS_SYMTAB_KALLSYMS;
		if (layout && vms_layout_get(layout, VMS_LK_KASLR_OFFSET)->known)
			st->kaslr_offset = vms_layout_get(layout, VMS_LK_KASLR_OFFSET)->value;
		err = vms_kallsyms_load(layout, st);
		if (!err)
			err = vms_symtab_finish(st);
		goto done;
	}

	if (o.vmlinux) {
		st->source = VMS_SYMTAB_VMLINUX;
		if (!(st->vmlinux = strdup(o.vmlinux))) {
			err = VMS_ENOMEM;
			goto done;
		}
		err = load_vmlinux(o.vmlinux, st, &vi);
	} else {
		st->source = VMS_SYMTAB_SYSTEM_MAP;
		err = load_system_map(o.system_map, st);
	}
	if (err)
		goto done;

	/* The offset: given, detected, or from VMCOREINFO's _stext. */
	if (o.have_kaslr_offset) {
		st->kaslr_offset = o.kaslr_offset;
	} else if (vms_layout_get(layout, VMS_LK_KASLR_OFFSET)->known) {
		st->kaslr_offset = vms_layout_get(layout, VMS_LK_KASLR_OFFSET)->value;
	} else {
		const struct vms_symbol *s = find_raw(st, "_stext");
		uint64_t v;
		if (s && vmci_sym(layout, "_stext", &v))
			st->kaslr_offset = v - s->addr;
	}
	if (o.vmlinux && !o.force_mismatch &&
	    (err = check_vmlinux(layout, file, &vi, st->kaslr_offset)))
		goto done;
	relocate(st, st->kaslr_offset);

	/* Every address VMCOREINFO names must agree with the relocated file:
	 * this catches a System.map of another build and a wrong offset. */
	for (size_t i = 0; i < sizeof(check_syms) / sizeof(check_syms[0]) && !o.force_mismatch; i++) {
		const struct vms_symbol *s = find_raw(st, check_syms[i]);
		uint64_t v;
		if (s && vmci_sym(layout, check_syms[i], &v) && v != s->addr) {
			err = vms_error_fmt(VMS_ERR_INVALID,
					    "%s does not match the dump: %s is at 0x%llx after relocation by 0x%llx, VMCOREINFO says 0x%llx",
					    file, check_syms[i], (unsigned long long)s->addr,
					    (unsigned long long)st->kaslr_offset, (unsigned long long)v);
			goto done;
		}
	}
	err = vms_symtab_finish(st);
done:
	if (err) {
		vms_symtab_free(st);
		return err;
	}
	*out = st;
	return NULL;
}
