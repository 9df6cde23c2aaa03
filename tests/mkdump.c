/*
 * mkdump - write small synthetic kernel crash dumps for the vmscope tests.
 *
 * This is the independent side of the reader tests: it shares no code with
 * libvmscope, so a bug in the readers cannot be mirrored by the writer.  It
 * builds ELF64 vmcores and kdump-compressed files (plain, flattened, split,
 * incomplete) from a line-based description, and writes an ".expect" file
 * that says what every page must read back as.  The expect file is computed
 * from the description alone, never by reading the output back.
 *
 * Usage:
 *   mkdump DESC -o OUT [--expect FILE] [--flatten] [--split N]
 *          [--incomplete-after K] [--header-version V] [--compress C]
 *          [--phdr-offset 64|192]
 *   mkdump --from-elf IN.vmcore -o OUT [--compress C] [--flatten] [--split N]
 *          [--expect FILE]                      (ELF -> kdump-compressed)
 *   mkdump --from-elf IN.vmcore --keep-pfns LIST -o OUT.vmcore
 *          [--expect FILE]                      (ELF -> smaller ELF)
 *
 * --split N writes OUT.1 .. OUT.N.  LIST is "A-B,C,D+N" (pfns, inclusive).
 *
 * Description language: one directive per line, '#' starts a comment, words
 * are separated by blanks, and a double-quoted part of a word may contain
 * blanks and the escapes \n \t \\ \" \0 \xNN.  Numbers are C style (0x..,
 * decimal).  A pfn range is "A", "A-B" (inclusive) or "A+N" (N pages).
 *
 *   format kdump|elf             output kind (default kdump)
 *   arch x86_64|arm64            machine (default x86_64)
 *   endian little|big            byte order of every field (default little)
 *   block_size N                 page size in bytes (default 4096)
 *   header_version 1..6          kdump header version (default 6)
 *   max_mapnr N                  kdump max_mapnr (default: highest RAM pfn + 1)
 *   compress none|zlib|lzo|snappy|zstd   default page codec (default zlib)
 *   bitmaps 1|2                  kdump: write both bitmaps or only the 2nd
 *   zero_page shared|inline      kdump: all-zero pages point at one shared
 *                                zero page (default), or are stored like
 *                                any other page
 *   signature STR                kdump signature (default "KDUMP   ")
 *   uts_sysname|uts_nodename|uts_release|uts_version|uts_machine|
 *   uts_domainname STR           utsname strings of the kdump header
 *   timestamp SEC [USEC]         kdump header timestamp
 *   phys_base N, dump_level N    kdump sub-header fields
 *   status N                     extra kdump status bits (ORed in)
 *   nr_cpus N, current_cpu N     kdump header fields (nr_cpus defaults to
 *                                the number of cpu lines)
 *   vmcoreinfo STR               text of the VMCOREINFO note (lines append)
 *   eraseinfo STR                kdump eraseinfo text (header version >= 5)
 *   cpu pid=N [REG=V]... [qemu] [cr0..cr4=V] [idt=V] [gdt=V]
 *                                one NT_PRSTATUS note per line, in order.
 *                                REG is a pt_regs name (x86_64: r15 .. rip cs
 *                                eflags rsp ss fs_base gs_base ds es fs gs;
 *                                arm64: x0..x30 sp pc pstate); pc= and sp=
 *                                work on both arches.  "qemu" (or any cr/idt
 *                                key) adds an x86_64 QEMU CPU-state note.
 *   ram RANGE                    pfns that are RAM (kdump bitmap 1).  Every
 *                                pfn named by a page line is RAM too.
 *   default zero|excluded        content of RAM pfns no page line names
 *                                (default zero)
 *   page RANGE CONTENT [MOD]... [compress=C]
 *        CONTENT: zero | fill=0xNN | random=SEED | pattern=seed:SEED
 *                 | mixed=SEED | excluded
 *        MOD:     u8@OFF=V  u16@OFF=V  u32@OFF=V  u64@OFF=V  str@OFF=TEXT
 *                 (applied to every page of the range, in the dump's byte
 *                 order).  A later page line overrides an earlier one.
 *     random=S (alias pattern=seed:S): the page is the little-endian bytes
 *       of successive splitmix64 outputs, state initialised to
 *       S * 2^32 + pfn (mod 2^64): incompressible.
 *     mixed=S: the first quarter of the page as random=S, the rest 64-bit
 *       words (pfn << 32 | word index), little-endian: compressible.
 *     excluded: RAM but filtered out (kdump: bitmap 2 bit clear; ELF: the
 *       page is written as zeros).
 *   ELF only:
 *   load RANGE [vaddr=V] [tail=N]   one PT_LOAD for the pfn range; the last
 *                                N pages are memsz only (filesz < memsz).
 *                                vaddr defaults to direct_map + paddr, or 0.
 *                                Without load lines, one PT_LOAD per RAM run.
 *   direct_map V                 direct-map base used for default vaddrs
 *   phdr_offset 64|192           192 = QEMU style: section headers at 64,
 *                                program headers after them
 *   pad_loads N PFN              add N PT_LOADs of one page each with
 *                                filesz 0, at pfns PFN..PFN+N-1 (used to
 *                                force extended numbering, N > 65534)
 *
 * Expect file (one item a line, "# " lines are comments):
 *   format kdump|elf, flattened 0|1, arch A, endian E, page_size N,
 *   max_pfn N, header_version N, incomplete 0|1, files N,
 *   file I START_PFN END_PFN      (kdump, per file; END exclusive)
 *   vmcoreinfo LEN FNV|-          (the VMCOREINFO text a reader can find)
 *   cpu I pid=N pc=0x.. sp=0x..
 *   load PADDR VADDR FILESZ MEMSZ (ELF, intact program headers)
 *   page PFN data FNV             page reads back with this content
 *   page PFN zero FNV             kdump: all zeros, stored as the shared zero
 *                                 page (FNV is that of a zero page)
 *   page PFN tail FNV             ELF memsz-only page (reads as zeros)
 *   page PFN excluded             RAM, not dumped
 *   page PFN lost                 lost by an incomplete dump
 * PFNs not listed are not in the dump.  FNV is the 64-bit FNV-1a hash of
 * the page (offset basis 0xcbf29ce484222325, prime 0x100000001b3), printed
 * as 16 lowercase hex digits.
 */
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lzo/lzo1x.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

/* ---------------------------------------------------------------- basics */

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mkdump: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

static void *xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		die("allocation too large");
	p = realloc(p, n && size ? n * size : 1);
	if (!p)
		die("out of memory");
	return p;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die("out of memory");
	return p;
}

/* Byte order of the dump being written (or read, in --from-elf mode). */
static void put16(unsigned char *p, uint16_t v, bool be)
{
	for (int i = 0; i < 2; i++)
		p[be ? 1 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put32(unsigned char *p, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		p[be ? 3 - i : i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v, bool be)
{
	for (int i = 0; i < 8; i++)
		p[be ? 7 - i : i] = (unsigned char)(v >> (8 * i));
}

static uint64_t getn(const unsigned char *p, int n, bool be)
{
	uint64_t v = 0;

	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[be ? n - 1 - i : i] << (8 * i);
	return v;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* ---------------------------------------------------------------- codecs */

enum codec { CODEC_NONE, CODEC_ZLIB, CODEC_LZO, CODEC_SNAPPY, CODEC_ZSTD };

static const char *const codec_names[] = { "none", "zlib", "lzo", "snappy", "zstd" };
/* Page-descriptor flag bits (anchors 1.8). */
static const uint32_t codec_flags[] = { 0, 0x1, 0x2, 0x4, 0x20 };

static int parse_codec(const char *s)
{
	for (int i = 0; i < 5; i++)
		if (!strcmp(s, codec_names[i]))
			return i;
	die("unknown codec '%s' (none|zlib|lzo|snappy|zstd)", s);
	return -1;
}

struct compressor {
	unsigned char *out; /* big enough for any codec's worst case */
	size_t cap;
	void *lzo_wrk;
	ZSTD_CCtx *zctx;
};

static void compressor_init(struct compressor *c, size_t page)
{
	size_t cap = compressBound(page);

	if (snappy_max_compressed_length(page) > cap)
		cap = snappy_max_compressed_length(page);
	if (ZSTD_compressBound(page) > cap)
		cap = ZSTD_compressBound(page);
	if (page + page / 16 + 64 + 3 > cap)
		cap = page + page / 16 + 64 + 3; /* LZO worst case */
	c->cap = cap;
	c->out = xcalloc(1, cap);
	c->lzo_wrk = xcalloc(1, LZO1X_1_MEM_COMPRESS);
	c->zctx = ZSTD_createCCtx();
	if (!c->zctx || lzo_init() != LZO_E_OK)
		die("cannot initialise the compressors");
}

/*
 * Compress one page the way makedumpfile does: keep the result only when it
 * is smaller than the page.  Returns the flag bits (0 = stored raw) and
 * points data and len at what goes into the file.
 */
static uint32_t compress_page(struct compressor *c, int codec, const unsigned char *page,
			      size_t n, const unsigned char **data, size_t *len)
{
	size_t out = 0;
	bool ok = false;

	switch (codec) {
	case CODEC_ZLIB: {
		uLongf dl = (uLongf)c->cap;
		ok = compress2(c->out, &dl, page, (uLong)n, Z_BEST_SPEED) == Z_OK;
		out = dl;
		break;
	}
	case CODEC_LZO: {
		lzo_uint dl = c->cap;
		ok = lzo1x_1_compress(page, n, c->out, &dl, c->lzo_wrk) == LZO_E_OK;
		out = dl;
		break;
	}
	case CODEC_SNAPPY:
		out = c->cap;
		ok = snappy_compress((const char *)page, n, (char *)c->out, &out) == SNAPPY_OK;
		break;
	case CODEC_ZSTD:
		out = ZSTD_compressCCtx(c->zctx, c->out, c->cap, page, n, 1);
		ok = !ZSTD_isError(out);
		break;
	default:
		break;
	}
	if (ok && out < n) {
		*data = c->out;
		*len = out;
		return codec_flags[codec];
	}
	*data = page;
	*len = n;
	return 0;
}

/* ---------------------------------------------------------------- output */

/*
 * All file writes go through out_emit(offset, data).  A plain file gets a
 * pwrite; a flattened file gets a record appended, so the emission order
 * below is the record order.  Contiguous emissions are coalesced.
 */
struct out {
	const char *path;
	int fd;
	bool flat;
	unsigned char *buf;
	size_t len, cap;
	uint64_t off; /* rebuilt-file offset of buf[0] */
	uint64_t end; /* highest offset written, for plain files */
};

static void xwrite_all(struct out *o, const void *p, size_t n)
{
	const unsigned char *b = p;

	while (n) {
		ssize_t w = write(o->fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			die("%s: write: %s", o->path, strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

static void out_open(struct out *o, const char *path, bool flat)
{
	memset(o, 0, sizeof(*o));
	o->path = path;
	o->flat = flat;
	o->cap = 1 << 20;
	o->buf = xcalloc(1, o->cap);
	o->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (o->fd < 0)
		die("%s: %s", path, strerror(errno));
	if (flat) {
		unsigned char hdr[4096] = { 0 };
		memcpy(hdr, "makedumpfile", 12);
		put64(hdr + 16, 1, true); /* type */
		put64(hdr + 24, 1, true); /* version */
		xwrite_all(o, hdr, sizeof(hdr));
	}
}

static void out_flush(struct out *o)
{
	if (!o->len)
		return;
	if (o->flat) {
		unsigned char rec[16];
		put64(rec, o->off, true);
		put64(rec + 8, o->len, true);
		xwrite_all(o, rec, 16);
		xwrite_all(o, o->buf, o->len);
	} else {
		size_t done = 0;
		while (done < o->len) {
			ssize_t w = pwrite(o->fd, o->buf + done, o->len - done,
					   (off_t)(o->off + done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				die("%s: pwrite: %s", o->path, strerror(errno));
			done += (size_t)w;
		}
	}
	if (o->off + o->len > o->end)
		o->end = o->off + o->len;
	o->len = 0;
}

static void out_emit(struct out *o, uint64_t off, const void *p, size_t n)
{
	const unsigned char *b = p;

	if (o->len && (off != o->off + o->len || o->len + n > o->cap))
		out_flush(o);
	while (n) {
		size_t k = n < o->cap - o->len ? n : o->cap - o->len;
		if (!o->len)
			o->off = off;
		memcpy(o->buf + o->len, b, k);
		o->len += k;
		b += k;
		off += k;
		n -= k;
		if (o->len == o->cap)
			out_flush(o);
	}
}

/* Emit a record on its own (never merged with neighbours). */
static void out_record(struct out *o, uint64_t off, const void *p, size_t n)
{
	out_flush(o);
	out_emit(o, off, p, n);
	out_flush(o);
}

static void out_close(struct out *o)
{
	out_flush(o);
	if (o->flat) {
		unsigned char rec[16];
		memset(rec, 0xff, sizeof(rec)); /* end marker: -1, -1 */
		xwrite_all(o, rec, 16);
	}
	if (close(o->fd))
		die("%s: close: %s", o->path, strerror(errno));
	free(o->buf);
}

/* ---------------------------------------------------------------- description */

enum { FMT_KDUMP, FMT_ELF };
enum { ARCH_X86_64, ARCH_ARM64 };
enum { PG_ZERO, PG_FILL, PG_RANDOM, PG_MIXED, PG_EXCLUDED };

struct range {
	uint64_t first, last; /* inclusive pfns */
};

struct put {
	uint64_t off;
	int width; /* 1, 2, 4, 8, or 0 for a string */
	uint64_t val;
	char *str;
	size_t slen;
};

struct rule {
	struct range r;
	int kind;
	uint64_t arg;
	int codec; /* -1: the default */
	struct put *puts;
	size_t nputs;
};

#define X86_NREGS 27
#define ARM64_NREGS 34

struct cpu {
	uint32_t pid;
	uint64_t regs[ARM64_NREGS];
	bool qemu;
	uint64_t cr[5], idt_base, gdt_base;
};

struct load {
	struct range r;
	uint64_t vaddr;
	bool have_vaddr;
	uint64_t tail; /* pages at the end with no file data */
};

struct desc {
	int format, arch;
	bool be;
	uint32_t page;
	int header_version;
	uint64_t max_mapnr;
	int codec;
	bool one_bitmap, zero_inline;
	char signature[9];
	char uts[6][65];
	uint64_t ts_sec, ts_usec, phys_base;
	uint32_t dump_level, status_extra, current_cpu;
	int nr_cpus; /* -1: count the cpu lines */
	char *vmcoreinfo;
	size_t vmcoreinfo_len;
	char *eraseinfo;
	size_t eraseinfo_len;
	struct cpu *cpus;
	size_t ncpus;
	struct range *ram;
	size_t nram;
	struct rule *rules;
	size_t nrules;
	bool default_excluded;
	struct load *loads;
	size_t nloads;
	uint64_t direct_map;
	bool have_direct_map;
	uint64_t phdr_offset;
	uint64_t pad_loads, pad_pfn;
};

static const char *const x86_regs[X86_NREGS] = {
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags",
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
};

static int reg_index(int arch, const char *name)
{
	if (arch == ARCH_X86_64) {
		if (!strcmp(name, "pc"))
			name = "rip";
		if (!strcmp(name, "sp"))
			name = "rsp";
		for (int i = 0; i < X86_NREGS; i++)
			if (!strcmp(name, x86_regs[i]))
				return i;
		return -1;
	}
	if (!strcmp(name, "sp"))
		return 31;
	if (!strcmp(name, "pc"))
		return 32;
	if (!strcmp(name, "pstate"))
		return 33;
	if (!strcmp(name, "fp"))
		return 29;
	if (!strcmp(name, "lr"))
		return 30;
	if (name[0] == 'x') {
		char *end;
		long n = strtol(name + 1, &end, 10);
		if (!*end && end != name + 1 && n >= 0 && n <= 30)
			return (int)n;
	}
	return -1;
}

struct parser {
	const char *file;
	int line;
};

static void perr(const struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkdump: %s:%d: ", ps->file, ps->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/*
 * Split a line into words.  Quotes group blanks into a word and are
 * removed; escapes inside quotes are decoded.  Each word is returned with
 * its length because "\0" may put NULs into it.
 */
struct word {
	char *s;
	size_t len;
};

static size_t split_words(const struct parser *ps, char *line, struct word *w, size_t max)
{
	size_t n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			perr(ps, "too many words");
		char *dst = p, *start = p;
		bool quoted = false;
		while (*p && (quoted || (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n'))) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
			} else if (quoted && *p == '\\') {
				p++;
				switch (*p) {
				case 'n': *dst++ = '\n'; p++; break;
				case 't': *dst++ = '\t'; p++; break;
				case '0': *dst++ = '\0'; p++; break;
				case '\\': *dst++ = '\\'; p++; break;
				case '"': *dst++ = '"'; p++; break;
				case 'x': {
					char hex[3] = { 0 };
					if (!p[1] || !p[2])
						perr(ps, "bad \\x escape");
					hex[0] = p[1];
					hex[1] = p[2];
					*dst++ = (char)strtoul(hex, NULL, 16);
					p += 3;
					break;
				}
				default:
					perr(ps, "unknown escape \\%c", *p ? *p : '0');
				}
			} else {
				*dst++ = *p++;
			}
		}
		if (quoted)
			perr(ps, "unterminated quote");
		bool more = *p != '\0';
		w[n].s = start;
		w[n].len = (size_t)(dst - start);
		n++;
		if (!more) {
			*dst = '\0';
			break;
		}
		p++;
		*dst = '\0';
	}
	return n;
}

static uint64_t pnum(const struct parser *ps, const char *s)
{
	char *end;

	errno = 0;
	uint64_t v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		perr(ps, "bad number '%s'", s);
	return v;
}

static struct range prange(const struct parser *ps, const char *s)
{
	struct range r;
	char *end;

	errno = 0;
	r.first = strtoull(s, &end, 0);
	if (errno || end == s)
		perr(ps, "bad pfn range '%s'", s);
	if (*end == '-') {
		r.last = pnum(ps, end + 1);
	} else if (*end == '+') {
		uint64_t n = pnum(ps, end + 1);
		if (!n)
			perr(ps, "empty pfn range '%s'", s);
		r.last = r.first + n - 1;
	} else if (*end) {
		perr(ps, "bad pfn range '%s'", s);
	} else {
		r.last = r.first;
	}
	if (r.last < r.first)
		perr(ps, "backwards pfn range '%s'", s);
	return r;
}

/* "key=value" -> value, or NULL when the word has another key. */
static const char *kv(const struct word *w, const char *key)
{
	size_t k = strlen(key);

	if (strncmp(w->s, key, k) || w->s[k] != '=')
		return NULL;
	return w->s + k + 1;
}

static void append_text(char **dst, size_t *dlen, const struct word *w, size_t nw)
{
	for (size_t i = 0; i < nw; i++) {
		*dst = xrealloc(*dst, *dlen + w[i].len + 2, 1);
		memcpy(*dst + *dlen, w[i].s, w[i].len);
		*dlen += w[i].len;
		(*dst)[*dlen] = '\0';
	}
}

static void parse_page(struct desc *d, const struct parser *ps, struct word *w, size_t nw)
{
	struct rule ru = { .codec = -1 };

	if (nw < 3)
		perr(ps, "page needs a pfn range and a content");
	ru.r = prange(ps, w[1].s);
	const char *c = w[2].s, *v;
	if (!strcmp(c, "zero"))
		ru.kind = PG_ZERO;
	else if (!strcmp(c, "excluded"))
		ru.kind = PG_EXCLUDED;
	else if ((v = kv(&w[2], "fill")))
		ru.kind = PG_FILL, ru.arg = pnum(ps, v) & 0xff;
	else if ((v = kv(&w[2], "random")))
		ru.kind = PG_RANDOM, ru.arg = pnum(ps, v);
	else if ((v = kv(&w[2], "mixed")))
		ru.kind = PG_MIXED, ru.arg = pnum(ps, v);
	else if ((v = kv(&w[2], "pattern")) && !strncmp(v, "seed:", 5))
		ru.kind = PG_RANDOM, ru.arg = pnum(ps, v + 5);
	else
		perr(ps, "unknown page content '%s'", c);

	for (size_t i = 3; i < nw; i++) {
		if ((v = kv(&w[i], "compress"))) {
			ru.codec = parse_codec(v);
			continue;
		}
		char *at = strchr(w[i].s, '@'), *eq = at ? strchr(at, '=') : NULL;
		if (!at || !eq)
			perr(ps, "unknown page modifier '%s'", w[i].s);
		struct put pu = { 0 };
		size_t klen = (size_t)(at - w[i].s);
		if (!strncmp(w[i].s, "u8", klen) && klen == 2)
			pu.width = 1;
		else if (!strncmp(w[i].s, "u16", klen) && klen == 3)
			pu.width = 2;
		else if (!strncmp(w[i].s, "u32", klen) && klen == 3)
			pu.width = 4;
		else if (!strncmp(w[i].s, "u64", klen) && klen == 3)
			pu.width = 8;
		else if (!strncmp(w[i].s, "str", klen) && klen == 3)
			pu.width = 0;
		else
			perr(ps, "unknown page modifier '%s'", w[i].s);
		*eq = '\0';
		pu.off = pnum(ps, at + 1);
		if (pu.width) {
			pu.val = pnum(ps, eq + 1);
			if (pu.off + (uint64_t)pu.width > d->page)
				perr(ps, "modifier beyond the page");
		} else {
			pu.slen = w[i].len - (size_t)(eq + 1 - w[i].s);
			pu.str = xcalloc(1, pu.slen + 1);
			memcpy(pu.str, eq + 1, pu.slen);
			if (pu.off + pu.slen > d->page)
				perr(ps, "string beyond the page");
		}
		ru.puts = xrealloc(ru.puts, ru.nputs + 1, sizeof(*ru.puts));
		ru.puts[ru.nputs++] = pu;
	}
	d->rules = xrealloc(d->rules, d->nrules + 1, sizeof(*d->rules));
	d->rules[d->nrules++] = ru;
}

static void parse_cpu(struct desc *d, const struct parser *ps, struct word *w, size_t nw)
{
	struct cpu c = { 0 };
	const char *v;

	for (size_t i = 1; i < nw; i++) {
		if (!strcmp(w[i].s, "qemu")) {
			c.qemu = true;
			continue;
		}
		char *eq = strchr(w[i].s, '=');
		if (!eq)
			perr(ps, "cpu: expected KEY=VALUE, got '%s'", w[i].s);
		if ((v = kv(&w[i], "pid"))) {
			c.pid = (uint32_t)pnum(ps, v);
			continue;
		}
		*eq = '\0';
		uint64_t val = pnum(ps, eq + 1);
		if (!strcmp(w[i].s, "idt")) {
			c.idt_base = val, c.qemu = true;
		} else if (!strcmp(w[i].s, "gdt")) {
			c.gdt_base = val, c.qemu = true;
		} else if (w[i].s[0] == 'c' && w[i].s[1] == 'r' && w[i].s[2] >= '0' &&
			   w[i].s[2] <= '4' && !w[i].s[3]) {
			c.cr[w[i].s[2] - '0'] = val, c.qemu = true;
		} else {
			int r = reg_index(d->arch, w[i].s);
			if (r < 0)
				perr(ps, "cpu: unknown register '%s' (set arch first)", w[i].s);
			c.regs[r] = val;
		}
	}
	if (c.qemu && d->arch != ARCH_X86_64)
		perr(ps, "cpu: QEMU notes are written for x86_64 only");
	d->cpus = xrealloc(d->cpus, d->ncpus + 1, sizeof(*d->cpus));
	d->cpus[d->ncpus++] = c;
}

static void set_uts(const struct parser *ps, char *dst, const struct word *w)
{
	if (w->len > 64)
		perr(ps, "utsname string longer than 64 bytes");
	memset(dst, 0, 65);
	memcpy(dst, w->s, w->len);
}

static const char *const uts_keys[6] = {
	"uts_sysname", "uts_nodename", "uts_release", "uts_version", "uts_machine", "uts_domainname",
};

static void parse_desc(struct desc *d, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	struct word w[64];
	struct parser ps = { path, 0 };
	bool uts_set[6] = { false };

	if (!f)
		die("%s: %s", path, strerror(errno));
	memset(d, 0, sizeof(*d));
	d->page = 4096;
	d->header_version = 6;
	d->codec = CODEC_ZLIB;
	d->nr_cpus = -1;
	d->phdr_offset = 64;
	memcpy(d->signature, "KDUMP   ", 9);

	while (fgets(line, sizeof(line), f)) {
		ps.line++;
		if (!strchr(line, '\n') && !feof(f))
			perr(&ps, "line too long");
		size_t nw = split_words(&ps, line, w, 64);
		if (!nw)
			continue;
		const char *k = w[0].s;
		if (!strcmp(k, "page")) {
			parse_page(d, &ps, w, nw);
			continue;
		}
		if (!strcmp(k, "cpu")) {
			parse_cpu(d, &ps, w, nw);
			continue;
		}
		if (!strcmp(k, "vmcoreinfo")) {
			append_text(&d->vmcoreinfo, &d->vmcoreinfo_len, w + 1, nw - 1);
			continue;
		}
		if (!strcmp(k, "eraseinfo")) {
			append_text(&d->eraseinfo, &d->eraseinfo_len, w + 1, nw - 1);
			continue;
		}
		int ui;
		for (ui = 0; ui < 6 && strcmp(k, uts_keys[ui]); ui++)
			;
		if (ui < 6) {
			if (nw != 2)
				perr(&ps, "%s takes one string", k);
			set_uts(&ps, d->uts[ui], &w[1]);
			uts_set[ui] = true;
			continue;
		}
		if (!strcmp(k, "load")) {
			struct load l = { 0 };
			const char *v;
			if (nw < 2)
				perr(&ps, "load needs a pfn range");
			l.r = prange(&ps, w[1].s);
			for (size_t i = 2; i < nw; i++) {
				if ((v = kv(&w[i], "vaddr")))
					l.vaddr = pnum(&ps, v), l.have_vaddr = true;
				else if ((v = kv(&w[i], "tail")))
					l.tail = pnum(&ps, v);
				else
					perr(&ps, "unknown load option '%s'", w[i].s);
			}
			if (l.tail > l.r.last - l.r.first + 1)
				perr(&ps, "tail longer than the segment");
			d->loads = xrealloc(d->loads, d->nloads + 1, sizeof(*d->loads));
			d->loads[d->nloads++] = l;
			continue;
		}
		if (!strcmp(k, "ram")) {
			if (nw != 2)
				perr(&ps, "ram takes one pfn range");
			d->ram = xrealloc(d->ram, d->nram + 1, sizeof(*d->ram));
			d->ram[d->nram++] = prange(&ps, w[1].s);
			continue;
		}
		if (!strcmp(k, "pad_loads")) {
			if (nw != 3)
				perr(&ps, "pad_loads takes a count and a first pfn");
			d->pad_loads = pnum(&ps, w[1].s);
			d->pad_pfn = pnum(&ps, w[2].s);
			continue;
		}
		if (!strcmp(k, "timestamp")) {
			if (nw < 2 || nw > 3)
				perr(&ps, "timestamp takes SEC [USEC]");
			d->ts_sec = pnum(&ps, w[1].s);
			d->ts_usec = nw == 3 ? pnum(&ps, w[2].s) : 0;
			continue;
		}
		if (nw != 2)
			perr(&ps, "'%s' takes one value", k);
		const char *v = w[1].s;
		if (!strcmp(k, "format")) {
			if (!strcmp(v, "kdump"))
				d->format = FMT_KDUMP;
			else if (!strcmp(v, "elf"))
				d->format = FMT_ELF;
			else
				perr(&ps, "format is kdump or elf");
		} else if (!strcmp(k, "arch")) {
			if (!strcmp(v, "x86_64"))
				d->arch = ARCH_X86_64;
			else if (!strcmp(v, "arm64") || !strcmp(v, "aarch64"))
				d->arch = ARCH_ARM64;
			else
				perr(&ps, "arch is x86_64 or arm64");
		} else if (!strcmp(k, "endian")) {
			if (strcmp(v, "little") && strcmp(v, "big"))
				perr(&ps, "endian is little or big");
			d->be = !strcmp(v, "big");
		} else if (!strcmp(k, "block_size")) {
			uint64_t b = pnum(&ps, v);
			if (b < 512 || b > (1 << 20) || (b & (b - 1)))
				perr(&ps, "block_size must be a power of two in [512, 1 MiB]");
			d->page = (uint32_t)b;
		} else if (!strcmp(k, "header_version")) {
			d->header_version = (int)pnum(&ps, v);
			if (d->header_version < 1 || d->header_version > 6)
				perr(&ps, "header_version is 1..6");
		} else if (!strcmp(k, "max_mapnr")) {
			d->max_mapnr = pnum(&ps, v);
		} else if (!strcmp(k, "compress")) {
			d->codec = parse_codec(v);
		} else if (!strcmp(k, "bitmaps")) {
			d->one_bitmap = pnum(&ps, v) == 1;
		} else if (!strcmp(k, "zero_page")) {
			if (strcmp(v, "shared") && strcmp(v, "inline"))
				perr(&ps, "zero_page is shared or inline");
			d->zero_inline = !strcmp(v, "inline");
		} else if (!strcmp(k, "signature")) {
			if (w[1].len != 8)
				perr(&ps, "signature must be 8 bytes");
			memcpy(d->signature, v, 8);
		} else if (!strcmp(k, "phys_base")) {
			d->phys_base = pnum(&ps, v);
		} else if (!strcmp(k, "dump_level")) {
			d->dump_level = (uint32_t)pnum(&ps, v);
		} else if (!strcmp(k, "status")) {
			d->status_extra = (uint32_t)pnum(&ps, v);
		} else if (!strcmp(k, "nr_cpus")) {
			d->nr_cpus = (int)pnum(&ps, v);
		} else if (!strcmp(k, "current_cpu")) {
			d->current_cpu = (uint32_t)pnum(&ps, v);
		} else if (!strcmp(k, "default")) {
			if (strcmp(v, "zero") && strcmp(v, "excluded"))
				perr(&ps, "default is zero or excluded");
			d->default_excluded = !strcmp(v, "excluded");
		} else if (!strcmp(k, "direct_map")) {
			d->direct_map = pnum(&ps, v);
			d->have_direct_map = true;
		} else if (!strcmp(k, "phdr_offset")) {
			d->phdr_offset = pnum(&ps, v);
		} else {
			perr(&ps, "unknown directive '%s'", k);
		}
	}
	fclose(f);

	static const char *const defaults[6] = { "Linux", "vmscope-test", "6.1.0-mkdump",
						 "#1 SMP", "", "(none)" };
	for (int i = 0; i < 6; i++)
		if (!uts_set[i])
			strcpy(d->uts[i], i == 4 ? (d->arch == ARCH_X86_64 ? "x86_64" : "aarch64")
						 : defaults[i]);
}

static void free_desc(struct desc *d)
{
	for (size_t i = 0; i < d->nrules; i++) {
		for (size_t k = 0; k < d->rules[i].nputs; k++)
			free(d->rules[i].puts[k].str);
		free(d->rules[i].puts);
	}
	free(d->rules);
	free(d->cpus);
	free(d->ram);
	free(d->loads);
	free(d->vmcoreinfo);
	free(d->eraseinfo);
}

/* ---------------------------------------------------------------- page model */

/* The last rule naming pfn wins; NULL when none does. */
static const struct rule *find_rule(const struct desc *d, uint64_t pfn)
{
	for (size_t i = d->nrules; i-- > 0;)
		if (pfn >= d->rules[i].r.first && pfn <= d->rules[i].r.last)
			return &d->rules[i];
	return NULL;
}

static bool is_ram(const struct desc *d, uint64_t pfn)
{
	for (size_t i = 0; i < d->nram; i++)
		if (pfn >= d->ram[i].first && pfn <= d->ram[i].last)
			return true;
	return find_rule(d, pfn) != NULL;
}

static bool is_excluded(const struct desc *d, uint64_t pfn)
{
	const struct rule *r = find_rule(d, pfn);

	return r ? r->kind == PG_EXCLUDED : d->default_excluded;
}

static int page_codec(const struct desc *d, uint64_t pfn)
{
	const struct rule *r = find_rule(d, pfn);

	return r && r->codec >= 0 ? r->codec : d->codec;
}

static void random_bytes(unsigned char *p, size_t n, uint64_t seed, uint64_t pfn)
{
	uint64_t st = (seed << 32) + pfn;

	for (size_t i = 0; i < n; i += 8) {
		unsigned char b[8];
		put64(b, splitmix64(&st), false);
		memcpy(p + i, b, n - i < 8 ? n - i : 8);
	}
}

/* The content of pfn as the description defines it (excluded -> zeros). */
static void page_content(const struct desc *d, uint64_t pfn, unsigned char *p)
{
	const struct rule *r = find_rule(d, pfn);

	memset(p, 0, d->page);
	if (!r)
		return;
	switch (r->kind) {
	case PG_FILL:
		memset(p, (int)r->arg, d->page);
		break;
	case PG_RANDOM:
		random_bytes(p, d->page, r->arg, pfn);
		break;
	case PG_MIXED:
		random_bytes(p, d->page / 4, r->arg, pfn);
		for (size_t i = d->page / 4; i + 8 <= d->page; i += 8)
			put64(p + i, pfn << 32 | (i / 8), false);
		break;
	default:
		break;
	}
	if (r->kind == PG_EXCLUDED)
		return;
	for (size_t i = 0; i < r->nputs; i++) {
		const struct put *u = &r->puts[i];
		switch (u->width) {
		case 0: memcpy(p + u->off, u->str, u->slen); break;
		case 1: p[u->off] = (unsigned char)u->val; break;
		case 2: put16(p + u->off, (uint16_t)u->val, d->be); break;
		case 4: put32(p + u->off, (uint32_t)u->val, d->be); break;
		case 8: put64(p + u->off, u->val, d->be); break;
		}
	}
}

static uint64_t highest_ram_pfn(const struct desc *d, bool *any)
{
	uint64_t hi = 0;

	*any = false;
	for (size_t i = 0; i < d->nram; i++)
		if (!*any || d->ram[i].last > hi)
			hi = d->ram[i].last, *any = true;
	for (size_t i = 0; i < d->nrules; i++)
		if (!*any || d->rules[i].r.last > hi)
			hi = d->rules[i].r.last, *any = true;
	return hi;
}

/* ---------------------------------------------------------------- notes */

struct blob {
	unsigned char *p;
	size_t len;
};

static void blob_add(struct blob *b, const void *p, size_t n)
{
	b->p = xrealloc(b->p, b->len + n + 1, 1);
	if (p)
		memcpy(b->p + b->len, p, n);
	else
		memset(b->p + b->len, 0, n);
	b->len += n;
}

/* Append one note (4-byte alignment, as the kernel writes them even in
 * ELF64); returns the blob offset of its descriptor. */
static size_t note_add(struct blob *b, const char *name, uint32_t type, const void *desc,
		       size_t dlen, bool be)
{
	unsigned char h[12];
	size_t nlen = strlen(name) + 1;

	put32(h, (uint32_t)nlen, be);
	put32(h + 4, (uint32_t)dlen, be);
	put32(h + 8, type, be);
	blob_add(b, h, 12);
	blob_add(b, name, nlen);
	blob_add(b, NULL, (4 - nlen % 4) % 4);
	size_t at = b->len;
	blob_add(b, desc, dlen);
	blob_add(b, NULL, (4 - dlen % 4) % 4);
	return at;
}

static size_t prstatus_size(int arch)
{
	return arch == ARCH_X86_64 ? 336 : 392;
}

/* NT_PRSTATUS notes, then QEMU notes, then VMCOREINFO (the order QEMU
 * uses).  *vmci_off gets the blob offset of the VMCOREINFO descriptor. */
static struct blob build_notes(const struct desc *d, size_t *vmci_off)
{
	struct blob b = { 0 };
	int nregs = d->arch == ARCH_X86_64 ? X86_NREGS : ARM64_NREGS;

	for (size_t i = 0; i < d->ncpus; i++) {
		unsigned char pr[392] = { 0 };
		put32(pr + 32, d->cpus[i].pid, d->be);
		for (int r = 0; r < nregs; r++)
			put64(pr + 112 + 8 * r, d->cpus[i].regs[r], d->be);
		note_add(&b, "CORE", 1, pr, prstatus_size(d->arch), d->be);
	}
	for (size_t i = 0; i < d->ncpus; i++) {
		const struct cpu *c = &d->cpus[i];
		if (!c->qemu)
			continue;
		/* QEMUCPUState: rax rbx rcx rdx rsi rdi rsp rbp r8..r15 rip rflags */
		static const char *const order[18] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi",
						       "rsp", "rbp", "r8", "r9", "r10", "r11",
						       "r12", "r13", "r14", "r15", "rip", "eflags" };
		unsigned char q[432] = { 0 };
		put32(q, 1, d->be);
		put32(q + 4, sizeof(q), d->be);
		for (int r = 0; r < 18; r++)
			put64(q + 8 + 8 * r, c->regs[reg_index(ARCH_X86_64, order[r])], d->be);
		put64(q + 152 + 8 * 24 + 16, c->gdt_base, d->be); /* gdt = segment 8 */
		put64(q + 152 + 9 * 24 + 16, c->idt_base, d->be); /* idt = segment 9 */
		for (int r = 0; r < 5; r++)
			put64(q + 392 + 8 * r, c->cr[r], d->be);
		note_add(&b, "QEMU", 0, q, sizeof(q), d->be);
	}
	*vmci_off = 0;
	if (d->vmcoreinfo_len)
		*vmci_off = note_add(&b, "VMCOREINFO", 0, d->vmcoreinfo, d->vmcoreinfo_len, d->be);
	return b;
}

/* ---------------------------------------------------------------- options */

struct opts {
	const char *desc, *out, *expect, *from_elf, *keep_pfns;
	bool flatten;
	uint64_t split;
	uint64_t incomplete_after;
	bool incomplete;
	int header_version; /* 0: from the description */
	int codec;          /* -1: from the description */
	uint64_t phdr_offset;
};

/* ---------------------------------------------------------------- kdump writer */

struct kfile {
	uint64_t start, end; /* [start, end) pfns */
};

#define KDUMP_HDR_SIZE 464
#define KDUMP_SUB_SIZE 104

struct klayout {
	uint64_t bitmap_bytes; /* one bitmap, block-rounded */
	uint64_t bitmap_blocks;
	uint64_t sub_blocks;
	uint64_t sub_bytes; /* sub header + notes */
	uint64_t desc_off;
};

/*
 * Shared between the synthetic writer and --from-elf: fill in block 0 and
 * the sub-header block(s).
 */
struct kdump_meta {
	bool be;
	uint32_t page;
	int version;
	char signature[8];
	char uts[6][65];
	uint64_t ts_sec, ts_usec;
	uint32_t status;
	uint64_t max_mapnr;
	uint32_t nr_cpus, current_cpu;
	uint64_t phys_base;
	uint32_t dump_level;
	bool split;
	uint64_t start, end;
	const unsigned char *notes;
	size_t notes_len;
	size_t vmci_off; /* inside notes */
	const char *vmcoreinfo; /* for version 3: raw text after the sub header */
	size_t vmcoreinfo_len;
	const char *eraseinfo;
	size_t eraseinfo_len;
	uint64_t erase_off, erase_len; /* set by write_kdump_file */
	bool one_bitmap;
};

static struct klayout kdump_layout(const struct kdump_meta *m, uint64_t ndesc)
{
	struct klayout l;

	l.bitmap_bytes = div_up(div_up(m->max_mapnr, 8), m->page) * m->page;
	if (!l.bitmap_bytes)
		l.bitmap_bytes = m->page;
	l.bitmap_blocks = (m->one_bitmap ? 1 : 2) * (l.bitmap_bytes / m->page);
	l.sub_bytes = KDUMP_SUB_SIZE;
	if (m->version >= 4)
		l.sub_bytes += m->notes_len;
	else if (m->version == 3)
		l.sub_bytes += m->vmcoreinfo_len;
	l.sub_blocks = div_up(l.sub_bytes, m->page);
	l.desc_off = (1 + l.sub_blocks + l.bitmap_blocks) * m->page;
	(void)ndesc;
	return l;
}

static void kdump_header_block(const struct kdump_meta *m, const struct klayout *l,
			       unsigned char *blk)
{
	bool be = m->be;

	memset(blk, 0, m->page);
	memcpy(blk, m->signature, 8);
	put32(blk + 8, (uint32_t)m->version, be);
	for (int i = 0; i < 6; i++)
		memcpy(blk + 12 + 65 * i, m->uts[i], 65);
	put64(blk + 408, m->ts_sec, be);
	put64(blk + 416, m->ts_usec, be);
	put32(blk + 424, m->status, be);
	put32(blk + 428, m->page, be);
	put32(blk + 432, (uint32_t)l->sub_blocks, be);
	put32(blk + 436, (uint32_t)l->bitmap_blocks, be);
	put32(blk + 440, (uint32_t)m->max_mapnr, be); /* truncated, as makedumpfile does */
	put32(blk + 456, m->current_cpu, be);
	put32(blk + 460, m->nr_cpus, be);
}

/* The sub header and what follows it, sub_blocks blocks long. */
static void kdump_sub_blocks(const struct kdump_meta *m, const struct klayout *l,
			     unsigned char *buf)
{
	bool be = m->be;
	uint64_t base = m->page; /* file offset of the sub header */

	memset(buf, 0, l->sub_blocks * m->page);
	put64(buf + 0, m->phys_base, be);
	put32(buf + 8, m->dump_level, be);
	if (m->version >= 2) {
		put32(buf + 12, m->split, be);
		put64(buf + 16, m->start, be);
		put64(buf + 24, m->end, be);
	}
	if (m->version == 3 && m->vmcoreinfo_len) {
		memcpy(buf + KDUMP_SUB_SIZE, m->vmcoreinfo, m->vmcoreinfo_len);
		put64(buf + 32, base + KDUMP_SUB_SIZE, be);
		put64(buf + 40, m->vmcoreinfo_len, be);
	}
	if (m->version >= 4) {
		if (m->notes_len)
		memcpy(buf + KDUMP_SUB_SIZE, m->notes, m->notes_len);
		if (m->vmcoreinfo_len) {
			put64(buf + 32, base + KDUMP_SUB_SIZE + m->vmci_off, be);
			put64(buf + 40, m->vmcoreinfo_len, be);
		}
		put64(buf + 48, base + KDUMP_SUB_SIZE, be);
		put64(buf + 56, m->notes_len, be);
	}
	if (m->version >= 5) {
		put64(buf + 64, m->erase_off, be);
		put64(buf + 72, m->erase_len, be);
	}
	if (m->version >= 6) {
		put64(buf + 80, m->start, be);
		put64(buf + 88, m->end, be);
		put64(buf + 96, m->max_mapnr, be);
	}
}

/*
 * Write one kdump file.  Emission order mimics makedumpfile, so that a
 * flattened file has overlapping, out-of-order records: a provisional
 * header (no final status bits, no eraseinfo), a zero-filled descriptor
 * table, bitmap 2 before bitmap 1, then data and descriptors in chunks, and
 * at the end the header and sub header rewritten.  The page source is a
 * callback so that --from-elf can stream.
 */
struct page_src {
	/* Fills buf with the page content; returns false when the pfn is not
	 * dumpable (then it is not called again for it). */
	void (*get)(void *ctx, uint64_t pfn, unsigned char *buf);
	int (*codec)(void *ctx, uint64_t pfn);
	void *ctx;
	const unsigned char *bitmap1, *bitmap2; /* max_mapnr bits each */
};

static bool bit(const unsigned char *bm, uint64_t pfn)
{
	return bm[pfn / 8] >> (pfn % 8) & 1;
}

static void setbit(unsigned char *bm, uint64_t pfn)
{
	bm[pfn / 8] |= (unsigned char)(1u << (pfn % 8));
}

/* lost_budget: pages still to be written before the dump "runs out of
 * space"; UINT64_MAX when complete. */
static void write_kdump_file(struct kdump_meta *m, const struct page_src *src, const char *path,
			     bool flat, uint64_t *lost_budget, bool incomplete, bool shared_zero)
{
	uint64_t ndesc = 0;
	for (uint64_t pfn = m->start; pfn < m->end; pfn++)
		ndesc += bit(src->bitmap2, pfn);

	struct klayout l = kdump_layout(m, ndesc);
	uint64_t data_off = l.desc_off + ndesc * 24;
	struct out o;
	unsigned char *blk = xcalloc(1, m->page);
	unsigned char *sub = xcalloc(l.sub_blocks, m->page);
	unsigned char *page = xcalloc(1, m->page);
	uint32_t final_status = m->status;
	struct compressor comp;

	compressor_init(&comp, m->page);
	out_open(&o, path, flat);

	/* Provisional header and sub header. */
	m->status = final_status & ~0x8u;
	m->erase_off = m->erase_len = 0;
	kdump_header_block(m, &l, blk);
	out_record(&o, 0, blk, m->page);
	kdump_sub_blocks(m, &l, sub);
	out_record(&o, m->page, sub, l.sub_blocks * m->page);

	/* Zero-filled descriptor table (written again below, chunk by chunk). */
	if (ndesc) {
		unsigned char *z = xcalloc(ndesc, 24);
		out_record(&o, l.desc_off, z, ndesc * 24);
		free(z);
	}

	/* Bitmaps: 2nd first, then the 1st. */
	uint64_t bm_off = (1 + l.sub_blocks) * m->page;
	unsigned char *bm = xcalloc(1, l.bitmap_bytes);
	memcpy(bm, src->bitmap2, div_up(m->max_mapnr, 8));
	out_record(&o, m->one_bitmap ? bm_off : bm_off + l.bitmap_bytes, bm, l.bitmap_bytes);
	if (!m->one_bitmap) {
		memcpy(bm, src->bitmap1, div_up(m->max_mapnr, 8));
		out_record(&o, bm_off, bm, l.bitmap_bytes);
	}
	free(bm);

	/* Shared zero page first in the data area. */
	uint64_t pos = data_off, zero_off = data_off;
	if (shared_zero) {
		memset(page, 0, m->page);
		out_emit(&o, pos, page, m->page);
		pos += m->page;
	}

	enum { CHUNK = 256 };
	unsigned char descs[CHUNK * 24];
	uint64_t idx = 0, chunk_first = 0;
	size_t in_chunk = 0;
	for (uint64_t pfn = m->start; pfn < m->end; pfn++) {
		if (!bit(src->bitmap2, pfn))
			continue;
		unsigned char *dsc = descs + 24 * in_chunk;
		memset(dsc, 0, 24);
		if (*lost_budget) {
			if (*lost_budget != UINT64_MAX)
				(*lost_budget)--;
			src->get(src->ctx, pfn, page);
			if (shared_zero && all_zero(page, m->page)) {
				put64(dsc, zero_off, m->be);
				put32(dsc + 8, m->page, m->be);
			} else {
				const unsigned char *data;
				size_t len;
				int codec = src->codec(src->ctx, pfn);
				uint32_t fl = compress_page(&comp, codec, page, m->page, &data, &len);
				out_emit(&o, pos, data, len);
				put64(dsc, pos, m->be);
				put32(dsc + 8, (uint32_t)len, m->be);
				put32(dsc + 12, fl, m->be);
				pos += len;
			}
		}
		in_chunk++;
		idx++;
		if (in_chunk == CHUNK) {
			out_record(&o, l.desc_off + 24 * chunk_first, descs, 24 * in_chunk);
			chunk_first = idx;
			in_chunk = 0;
		}
	}
	if (in_chunk)
		out_record(&o, l.desc_off + 24 * chunk_first, descs, 24 * in_chunk);

	/* eraseinfo after the data (not in an incomplete dump: makedumpfile
	 * stops writing when it runs out of space). */
	if (m->eraseinfo_len && !incomplete && m->version >= 5) {
		m->erase_off = pos;
		m->erase_len = m->eraseinfo_len;
		out_record(&o, pos, m->eraseinfo, m->eraseinfo_len);
		pos += m->eraseinfo_len;
	}

	/* Final header: status bits, eraseinfo; later records win. */
	m->status = final_status | (incomplete ? 0x8u : 0);
	kdump_sub_blocks(m, &l, sub);
	out_record(&o, m->page, sub, l.sub_blocks * m->page);
	kdump_header_block(m, &l, blk);
	out_record(&o, 0, blk, m->page);
	out_close(&o);

	/* A plain file must reach the end of its data area even when the last
	 * write was an earlier offset. */
	if (!flat) {
		int fd = open(path, O_WRONLY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st) || (st.st_size < (off_t)pos && ftruncate(fd, (off_t)pos)))
			die("%s: %s", path, strerror(errno));
		close(fd);
	}
	m->status = final_status;
	free(blk);
	free(sub);
	free(page);
	free(comp.out);
	free(comp.lzo_wrk);
	ZSTD_freeCCtx(comp.zctx);
}

/* Split [0, max_mapnr) into n pieces holding about the same number of
 * dumpable pages, like makedumpfile --split. */
static struct kfile *split_ranges(const unsigned char *bitmap2, uint64_t max_mapnr, uint64_t n)
{
	struct kfile *f = xcalloc(n, sizeof(*f));
	uint64_t total = 0, seen = 0, k = 0;

	for (uint64_t p = 0; p < max_mapnr; p++)
		total += bit(bitmap2, p);
	f[0].start = 0;
	for (uint64_t p = 0; p < max_mapnr && k + 1 < n; p++) {
		if (seen >= div_up(total * (k + 1), n) && p > f[k].start) {
			f[k].end = p;
			f[++k].start = p;
		}
		seen += bit(bitmap2, p);
	}
	while (k + 1 < n) { /* fewer dumpable pages than files: empty pieces */
		f[k].end = max_mapnr;
		f[++k].start = max_mapnr;
	}
	f[n - 1].end = max_mapnr;
	return f;
}

static char *piece_name(const char *out, uint64_t i, uint64_t n)
{
	if (n <= 1)
		return xstrdup(out);
	char *s = xcalloc(1, strlen(out) + 24);
	sprintf(s, "%s.%" PRIu64, out, i + 1);
	return s;
}

/* ---------------------------------------------------------------- synthetic kdump */

struct synth_ctx {
	const struct desc *d;
	int codec_override;
};

static void synth_get(void *ctx, uint64_t pfn, unsigned char *buf)
{
	struct synth_ctx *c = ctx;
	page_content(c->d, pfn, buf);
}

static int synth_codec(void *ctx, uint64_t pfn)
{
	struct synth_ctx *c = ctx;
	return c->codec_override >= 0 ? c->codec_override : page_codec(c->d, pfn);
}

static void print_expect_head(FILE *e, const struct desc *d, const struct opts *o,
			      const char *format, uint64_t max_pfn, int version, bool incomplete)
{
	fprintf(e, "# mkdump expect 1 (from %s)\n", o->desc ? o->desc : o->from_elf);
	fprintf(e, "format %s\nflattened %d\narch %s\nendian %s\npage_size %u\n", format,
		o->flatten, d->arch == ARCH_X86_64 ? "x86_64" : "arm64", d->be ? "big" : "little",
		d->page);
	fprintf(e, "max_pfn %" PRIu64 "\nheader_version %d\nincomplete %d\n", max_pfn, version,
		incomplete);
}

static void print_expect_cpus(FILE *e, const struct desc *d)
{
	for (size_t i = 0; i < d->ncpus; i++) {
		const struct cpu *c = &d->cpus[i];
		int pc = d->arch == ARCH_X86_64 ? 16 : 32, sp = d->arch == ARCH_X86_64 ? 19 : 31;
		fprintf(e, "cpu %zu pid=%" PRIu32 " pc=0x%" PRIx64 " sp=0x%" PRIx64 "\n", i, c->pid,
			c->regs[pc], c->regs[sp]);
	}
}

static void print_page(FILE *e, uint64_t pfn, const char *status, const unsigned char *p,
		       size_t n)
{
	if (p)
		fprintf(e, "page 0x%" PRIx64 " %s %016" PRIx64 "\n", pfn, status, fnv1a(p, n));
	else
		fprintf(e, "page 0x%" PRIx64 " %s\n", pfn, status);
}

static FILE *open_expect(const char *path)
{
	FILE *e = fopen(path, "w");
	if (!e)
		die("%s: %s", path, strerror(errno));
	return e;
}

static void close_expect(FILE *e, const char *path)
{
	if (fclose(e))
		die("%s: %s", path, strerror(errno));
}

static void synth_kdump(const struct desc *d, const struct opts *o)
{
	bool any;
	uint64_t hi = highest_ram_pfn(d, &any);
	uint64_t max_mapnr = d->max_mapnr ? d->max_mapnr : (any ? hi + 1 : 1);
	int version = o->header_version ? o->header_version : d->header_version;
	size_t vmci_off;
	struct blob notes = build_notes(d, &vmci_off);

	if (max_mapnr > (1ULL << 34))
		die("max_mapnr %" PRIu64 " is too large for a test fixture", max_mapnr);
	if (version < 6 && max_mapnr > UINT32_MAX)
		die("max_mapnr needs header version 6");

	unsigned char *bm1 = xcalloc(1, div_up(max_mapnr, 8));
	unsigned char *bm2 = xcalloc(1, div_up(max_mapnr, 8));
	for (uint64_t pfn = 0; pfn < max_mapnr; pfn++) {
		if (!is_ram(d, pfn))
			continue;
		setbit(bm1, pfn);
		if (!is_excluded(d, pfn))
			setbit(bm2, pfn);
	}
	/* With one bitmap a filtered page cannot be told from a hole. */
	if (d->one_bitmap)
		memcpy(bm1, bm2, div_up(max_mapnr, 8));
	if (any && hi >= max_mapnr)
		fprintf(stderr, "mkdump: warning: pages above max_mapnr %" PRIu64 " are dropped\n",
			max_mapnr);

	struct kdump_meta m = { 0 };
	m.be = d->be;
	m.page = d->page;
	m.version = version;
	memcpy(m.signature, d->signature, 8);
	memcpy(m.uts, d->uts, sizeof(m.uts));
	m.ts_sec = d->ts_sec;
	m.ts_usec = d->ts_usec;
	m.max_mapnr = max_mapnr;
	m.nr_cpus = d->nr_cpus >= 0 ? (uint32_t)d->nr_cpus : (uint32_t)d->ncpus;
	m.current_cpu = d->current_cpu;
	m.phys_base = d->phys_base;
	m.dump_level = d->dump_level;
	m.notes = notes.p;
	m.notes_len = notes.len;
	m.vmci_off = vmci_off;
	m.vmcoreinfo = d->vmcoreinfo;
	m.vmcoreinfo_len = d->vmcoreinfo_len;
	m.eraseinfo = d->eraseinfo;
	m.eraseinfo_len = d->eraseinfo_len;
	m.one_bitmap = d->one_bitmap;

	int codec = o->codec >= 0 ? o->codec : -1;
	struct synth_ctx sc = { d, codec };
	struct page_src src = { synth_get, synth_codec, &sc, bm1, bm2 };
	uint64_t nfiles = o->split ? o->split : 1;
	struct kfile *files = split_ranges(bm2, max_mapnr, nfiles);
	uint64_t budget = o->incomplete ? o->incomplete_after : UINT64_MAX;
	uint64_t total = 0;
	for (uint64_t p = 0; p < max_mapnr; p++)
		total += bit(bm2, p);
	bool any_incomplete = budget < total;

	for (uint64_t i = 0; i < nfiles; i++) {
		char *name = piece_name(o->out, i, nfiles);
		uint32_t status = codec >= 0 ? codec_flags[codec] : codec_flags[d->codec];
		m.status = status | d->status_extra;
		m.split = nfiles > 1;
		m.start = nfiles > 1 ? files[i].start : 0;
		m.end = nfiles > 1 ? files[i].end : max_mapnr;
		/* A file is incomplete when the budget ran out in it. */
		uint64_t before = budget;
		uint64_t dumpable = 0;
		for (uint64_t p = m.start; p < m.end; p++)
			dumpable += bit(bm2, p);
		bool incomplete = o->incomplete && before < dumpable;
		write_kdump_file(&m, &src, name, o->flatten, &budget, incomplete, !d->zero_inline);
		free(name);
	}

	if (o->expect) {
		FILE *e = open_expect(o->expect);
		unsigned char *p = xcalloc(1, d->page);
		print_expect_head(e, d, o, "kdump", max_mapnr, version, any_incomplete);
		fprintf(e, "files %" PRIu64 "\n", nfiles);
		for (uint64_t i = 0; i < nfiles; i++)
			fprintf(e, "file %" PRIu64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", i,
				nfiles > 1 ? files[i].start : 0, nfiles > 1 ? files[i].end : max_mapnr);
		if (version >= 3 && d->vmcoreinfo_len)
			fprintf(e, "vmcoreinfo %zu %016" PRIx64 "\n", d->vmcoreinfo_len,
				fnv1a((const unsigned char *)d->vmcoreinfo, d->vmcoreinfo_len));
		else
			fprintf(e, "vmcoreinfo 0 -\n");
		if (version >= 4)
			print_expect_cpus(e, d);
		uint64_t left = o->incomplete ? o->incomplete_after : UINT64_MAX;
		for (uint64_t pfn = 0; pfn < max_mapnr; pfn++) {
			if (!bit(bm1, pfn))
				continue;
			if (!bit(bm2, pfn)) {
				print_page(e, pfn, "excluded", NULL, 0);
			} else if (!left) {
				print_page(e, pfn, "lost", NULL, 0);
			} else {
				if (left != UINT64_MAX)
					left--;
				page_content(d, pfn, p);
				bool z = !d->zero_inline && all_zero(p, d->page);
				print_page(e, pfn, z ? "zero" : "data", p, d->page);
			}
		}
		free(p);
		close_expect(e, o->expect);
	}
	free(files);
	free(bm1);
	free(bm2);
	free(notes.p);
}

/* ---------------------------------------------------------------- ELF writer */

#define PT_LOAD 1
#define PT_NOTE 4
#define PN_XNUM 0xffff

struct ephdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

static void put_phdr(unsigned char *p, const struct ephdr *h, bool be)
{
	put32(p, h->type, be);
	put32(p + 4, h->flags, be);
	put64(p + 8, h->offset, be);
	put64(p + 16, h->vaddr, be);
	put64(p + 24, h->paddr, be);
	put64(p + 32, h->filesz, be);
	put64(p + 40, h->memsz, be);
	put64(p + 48, h->align, be);
}

static void put_ehdr(unsigned char *p, bool be, uint16_t machine, uint32_t flags,
		     uint64_t phoff, uint64_t shoff, uint64_t phnum, uint16_t shnum)
{
	memset(p, 0, 64);
	memcpy(p, "\177ELF", 4);
	p[4] = 2;          /* ELFCLASS64 */
	p[5] = be ? 2 : 1; /* ELFDATA2MSB / LSB */
	p[6] = 1;          /* EV_CURRENT */
	put16(p + 16, 4, be); /* ET_CORE */
	put16(p + 18, machine, be);
	put32(p + 20, 1, be);
	put64(p + 32, phoff, be);
	put64(p + 40, shoff, be);
	put32(p + 48, flags, be);
	put16(p + 52, 64, be);
	put16(p + 54, 56, be);
	put16(p + 56, (uint16_t)(phnum >= PN_XNUM ? PN_XNUM : phnum), be);
	put16(p + 58, shnum ? 64 : 0, be);
	put16(p + 60, shnum, be);
	put16(p + 62, shnum > 1 ? 1 : 0, be); /* e_shstrndx */
}

/*
 * Section headers: [0] SHT_NULL carrying the real phnum in sh_info when
 * extended numbering is used, [1] (QEMU style only) a .shstrtab.
 */
static void put_shdrs(unsigned char *p, bool be, uint64_t phnum, int nsh, uint64_t strtab_off)
{
	memset(p, 0, 64 * (size_t)nsh);
	if (phnum >= PN_XNUM)
		put32(p + 44, (uint32_t)phnum, be); /* sh_info */
	if (nsh > 1) {
		unsigned char *s = p + 64;
		put32(s, 1, be);      /* sh_name: ".shstrtab" */
		put32(s + 4, 3, be);  /* SHT_STRTAB */
		put64(s + 24, strtab_off, be);
		put64(s + 32, 11, be);
		put64(s + 48, 1, be);
	}
}

/* qsort comparator for records whose first member is a uint64_t key. */
static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void synth_elf(const struct desc *d, const struct opts *o)
{
	size_t vmci_off;
	struct blob notes = build_notes(d, &vmci_off);
	uint64_t phdr_offset = o->phdr_offset ? o->phdr_offset : d->phdr_offset;
	struct load *loads;
	size_t nloads;

	if (phdr_offset != 64 && phdr_offset != 192)
		die("phdr offset must be 64 or 192");
	if (d->nloads) {
		nloads = d->nloads;
		loads = xcalloc(nloads, sizeof(*loads));
		memcpy(loads, d->loads, nloads * sizeof(*loads));
	} else {
		/* One PT_LOAD per run of RAM pfns. */
		bool any;
		uint64_t hi = highest_ram_pfn(d, &any);
		if (hi > (1ULL << 32))
			die("RAM above pfn 2^32 needs explicit load lines");
		nloads = 0;
		loads = NULL;
		for (uint64_t pfn = 0; any && pfn <= hi; pfn++) {
			if (!is_ram(d, pfn))
				continue;
			if (nloads && loads[nloads - 1].r.last + 1 == pfn) {
				loads[nloads - 1].r.last = pfn;
				continue;
			}
			loads = xrealloc(loads, nloads + 1, sizeof(*loads));
			loads[nloads++] = (struct load){ .r = { pfn, pfn } };
		}
	}

	uint64_t ps = d->page;
	uint64_t phnum = 1 + nloads + d->pad_loads;
	bool qemu = phdr_offset == 192;
	int nsh = qemu ? 2 : (phnum >= PN_XNUM ? 1 : 0);
	uint64_t shoff = 0, phoff;
	if (qemu) {
		shoff = 64;
		phoff = 192;
	} else {
		phoff = 64;
		shoff = nsh ? 64 + phnum * 56 : 0;
	}
	uint64_t notes_off = (qemu ? phoff + phnum * 56 : (nsh ? shoff + 64 : phoff + phnum * 56));
	uint64_t pos = notes_off + notes.len;

	/* Program headers. */
	struct ephdr *ph = xcalloc(phnum, sizeof(*ph));
	ph[0] = (struct ephdr){ .type = PT_NOTE, .offset = notes_off, .filesz = notes.len,
				.memsz = notes.len };
	uint64_t written = 0, budget = o->incomplete ? o->incomplete_after : UINT64_MAX;
	uint64_t cut = UINT64_MAX; /* file offset where an incomplete dump ends */
	for (size_t i = 0; i < nloads; i++) {
		const struct load *l = &loads[i];
		uint64_t n = l->r.last - l->r.first + 1, fpages = n - l->tail;
		uint64_t paddr = l->r.first * ps;
		uint64_t vaddr = l->have_vaddr ? l->vaddr : d->have_direct_map ? d->direct_map + paddr : 0;
		ph[1 + i] = (struct ephdr){ .type = PT_LOAD, .flags = 7, .offset = pos, .vaddr = vaddr,
					    .paddr = paddr, .filesz = fpages * ps, .memsz = n * ps };
		if (cut == UINT64_MAX && written + fpages > budget)
			cut = pos + (budget - written) * ps;
		written += fpages;
		pos += fpages * ps;
	}
	for (uint64_t i = 0; i < d->pad_loads; i++) {
		uint64_t paddr = (d->pad_pfn + i) * ps;
		ph[1 + nloads + i] = (struct ephdr){ .type = PT_LOAD, .flags = 7, .offset = pos,
			.vaddr = d->have_direct_map ? d->direct_map + paddr : 0, .paddr = paddr,
			.memsz = ps };
	}
	uint64_t strtab_off = pos;
	if (qemu)
		pos += 11;
	bool incomplete = cut != UINT64_MAX;
	/* Incomplete: program headers whose data starts past the cut are lost. */
	if (incomplete)
		for (uint64_t i = 1; i < phnum; i++)
			if (ph[i].offset >= cut && ph[i].filesz)
				memset(&ph[i], 0, sizeof(ph[i]));

	/* Emit: data first, then notes, phdrs, shdrs and the ELF header last,
	 * so that a flattened ELF does not start with its header. */
	struct out out;
	unsigned char *page = xcalloc(1, ps);
	out_open(&out, o->out, o->flatten);
	for (size_t i = 0; i < nloads; i++) {
		const struct load *l = &loads[i];
		uint64_t fpages = l->r.last - l->r.first + 1 - l->tail;
		uint64_t off = ph[1 + i].type ? ph[1 + i].offset : 0;
		if (!ph[1 + i].type)
			continue;
		for (uint64_t k = 0; k < fpages; k++) {
			if (off + k * ps >= cut)
				break;
			page_content(d, l->r.first + k, page);
			out_emit(&out, off + k * ps, page, ps);
		}
	}
	out_record(&out, notes_off, notes.p, notes.len);
	unsigned char *phbuf = xcalloc(phnum, 56);
	for (uint64_t i = 0; i < phnum; i++)
		put_phdr(phbuf + 56 * i, &ph[i], d->be);
	out_record(&out, phoff, phbuf, phnum * 56);
	if (nsh) {
		unsigned char sh[128];
		put_shdrs(sh, d->be, phnum, nsh, strtab_off);
		out_record(&out, shoff, sh, 64 * (size_t)nsh);
		if (qemu && !incomplete)
			out_record(&out, strtab_off, "\0.shstrtab", 11);
	}
	unsigned char eh[64];
	put_ehdr(eh, d->be, d->arch == ARCH_X86_64 ? 62 : 183, incomplete ? 1 : 0, phoff, shoff,
		 phnum, (uint16_t)nsh);
	out_record(&out, 0, eh, 64);
	out_close(&out);
	if (!o->flatten && !incomplete) {
		/* memsz-only tails at the very end still leave filesz data. */
		if (truncate(o->out, (off_t)pos))
			die("%s: %s", o->out, strerror(errno));
	}

	if (o->expect) {
		FILE *e = open_expect(o->expect);
		print_expect_head(e, d, o, "elf", 0, 0, incomplete);
		fprintf(e, "files 1\n");
		if (d->vmcoreinfo_len)
			fprintf(e, "vmcoreinfo %zu %016" PRIx64 "\n", d->vmcoreinfo_len,
				fnv1a((const unsigned char *)d->vmcoreinfo, d->vmcoreinfo_len));
		else
			fprintf(e, "vmcoreinfo 0 -\n");
		print_expect_cpus(e, d);
		for (uint64_t i = 1; i < phnum; i++)
			if (ph[i].type)
				fprintf(e, "load 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
					ph[i].paddr, ph[i].vaddr, ph[i].filesz, ph[i].memsz);
		/* Per pfn the best of the segments covering it: data > tail > lost. */
		struct pst {
			uint64_t pfn;
			int st; /* 3 data, 2 tail, 1 lost */
		};
		size_t cap = 0, n = 0;
		struct pst *v = NULL;
		for (uint64_t i = 1; i < phnum; i++) {
			/* A program header cut off with its data is gone: no
			 * reader can know its pages were RAM, so they are absent
			 * (not listed), as in makedumpfile's incomplete ELF files. */
			if (!ph[i].type)
				continue;
			uint64_t first = (i <= nloads ? loads[i - 1].r.first * ps : ph[i].paddr) / ps;
			uint64_t memsz = i <= nloads ? (loads[i - 1].r.last + 1) * ps - first * ps : ps;
			uint64_t filesz = i <= nloads ? memsz - loads[i - 1].tail * ps : 0;
			for (uint64_t k = 0; k < memsz / ps; k++) {
				int st;
				if (k * ps >= filesz)
					st = 2;
				else
					st = ph[i].offset + k * ps < cut ? 3 : 1;
				if (n == cap) {
					cap = cap ? 2 * cap : 1024;
					v = xrealloc(v, cap, sizeof(*v));
				}
				v[n++] = (struct pst){ first + k, st };
			}
		}
		qsort(v, n, sizeof(*v), cmp_u64);
		for (size_t i = 0; i < n;) {
			size_t j = i;
			int best = 0;
			for (; j < n && v[j].pfn == v[i].pfn; j++)
				if (v[j].st > best)
					best = v[j].st;
			if (best == 3) {
				page_content(d, v[i].pfn, page);
				print_page(e, v[i].pfn, "data", page, ps);
			} else if (best == 2) {
				memset(page, 0, ps);
				print_page(e, v[i].pfn, "tail", page, ps);
			} else {
				print_page(e, v[i].pfn, "lost", NULL, 0);
			}
			i = j;
		}
		free(v);
		close_expect(e, o->expect);
	}
	free(page);
	free(phbuf);
	free(ph);
	free(loads);
	free(notes.p);
}


/* ---------------------------------------------------------------- ELF input */

/* A disjoint piece of physical memory backed by file data. */
struct piece {
	uint64_t start, end; /* physical bytes [start, end) */
	uint64_t offset;     /* file offset of start */
};

struct elfin {
	const char *path;
	int fd;
	uint64_t size;
	bool be;
	uint16_t machine;
	uint32_t eflags;
	uint32_t page;
	struct ephdr *loads;
	size_t nloads;
	unsigned char *notes;
	size_t notes_len;
	size_t vmci_off, vmci_len; /* VMCOREINFO descriptor inside notes */
	uint32_t nprstatus, nqemu;
	char release[65];
	uint64_t phys_base;
	struct piece *pieces; /* sorted, disjoint file-backed pieces */
	size_t npieces;
	unsigned char *win; /* read window */
	uint64_t win_off, win_len;
};

#define WIN_SIZE (4u << 20)

static void pread_all(const struct elfin *in, void *buf, size_t n, uint64_t off, const char *what)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(in->fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("%s: offset 0x%" PRIx64 ": reading %s: %s", in->path, off + done, what,
			    strerror(errno));
		if (r == 0)
			die("%s: offset 0x%" PRIx64 ": file ends inside %s", in->path, off + done, what);
		done += (size_t)r;
	}
}

/* Copy file bytes through a 4 MiB window: a page at a time, sequentially. */
static void elf_read(struct elfin *in, void *dst, uint64_t off, size_t n)
{
	while (n) {
		if (off < in->win_off || off >= in->win_off + in->win_len) {
			uint64_t len = in->size - off < WIN_SIZE ? in->size - off : WIN_SIZE;
			pread_all(in, in->win, len, off, "a PT_LOAD");
			in->win_off = off;
			in->win_len = len;
		}
		size_t k = in->win_off + in->win_len - off < n ? in->win_off + in->win_len - off : n;
		memcpy(dst, in->win + (off - in->win_off), k);
		dst = (char *)dst + k;
		off += k;
		n -= k;
	}
}

static void scan_vmcoreinfo(struct elfin *in, const char *p, size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256];
		if (len < sizeof(line)) {
			memcpy(line, p, len);
			line[len] = '\0';
			if (!strncmp(line, "PAGESIZE=", 9))
				in->page = (uint32_t)strtoul(line + 9, NULL, 10);
			else if (!strncmp(line, "OSRELEASE=", 10))
				snprintf(in->release, sizeof(in->release), "%.64s", line + 10);
			else if (in->machine == 62 && !strncmp(line, "NUMBER(phys_base)=", 18))
				in->phys_base = strtoull(line + 18, NULL, 0);
			else if (in->machine == 183 && !strncmp(line, "NUMBER(PHYS_OFFSET)=", 20))
				in->phys_base = strtoull(line + 20, NULL, 0);
		}
		p += len + 1;
	}
}

static void walk_notes(struct elfin *in)
{
	size_t pos = 0;

	while (pos + 12 <= in->notes_len) {
		const unsigned char *h = in->notes + pos;
		uint64_t nsz = getn(h, 4, in->be), dsz = getn(h + 4, 4, in->be);
		uint32_t type = (uint32_t)getn(h + 8, 4, in->be);
		uint64_t name_off = pos + 12, desc_off = name_off + ((nsz + 3) & ~3ULL);
		if (!nsz && !dsz && !type)
			break; /* padding */
		if (desc_off + dsz > in->notes_len)
			die("%s: note at blob offset %zu runs past the PT_NOTE data", in->path, pos);
		const char *name = (const char *)in->notes + name_off;
		if (nsz == 11 && !memcmp(name, "VMCOREINFO", 11)) {
			in->vmci_off = desc_off;
			in->vmci_len = dsz;
			scan_vmcoreinfo(in, (const char *)in->notes + desc_off, dsz);
		} else if (nsz == 5 && !memcmp(name, "CORE", 5) && type == 1) {
			in->nprstatus++;
		} else if (nsz == 5 && !memcmp(name, "QEMU", 5)) {
			in->nqemu++;
		}
		pos = desc_off + ((dsz + 3) & ~3ULL);
	}
}

static void elf_open(struct elfin *in, const char *path)
{
	unsigned char eh[64];
	struct stat st;

	memset(in, 0, sizeof(*in));
	in->path = path;
	in->fd = open(path, O_RDONLY);
	if (in->fd < 0 || fstat(in->fd, &st))
		die("%s: %s", path, strerror(errno));
	in->size = (uint64_t)st.st_size;
	if (in->size < 64)
		die("%s: offset 0: too short for an ELF header", path);
	pread_all(in, eh, 64, 0, "the ELF header");
	if (memcmp(eh, "\177ELF", 4) || eh[4] != 2 || (eh[5] != 1 && eh[5] != 2))
		die("%s: offset 0: not an ELF64 file", path);
	in->be = eh[5] == 2;
	in->machine = (uint16_t)getn(eh + 18, 2, in->be);
	in->eflags = (uint32_t)getn(eh + 48, 4, in->be);
	uint64_t phoff = getn(eh + 32, 8, in->be), shoff = getn(eh + 40, 8, in->be);
	uint64_t phnum = getn(eh + 56, 2, in->be), phent = getn(eh + 54, 2, in->be);
	if (phnum == PN_XNUM) {
		unsigned char sh[64];
		if (!shoff || shoff > in->size - 64)
			die("%s: offset 0x%" PRIx64 ": extended numbering without section header 0",
			    path, shoff);
		pread_all(in, sh, 64, shoff, "section header 0");
		phnum = getn(sh + 44, 4, in->be);
	}
	if (phent != 56)
		die("%s: offset 54: e_phentsize %" PRIu64 ", expected 56", path, phent);
	if (phoff > in->size || phnum > (in->size - phoff) / 56)
		die("%s: offset 0x%" PRIx64 ": %" PRIu64 " program headers run past the end of the file",
		    path, phoff, phnum);
	unsigned char *ph = xcalloc(phnum, 56);
	pread_all(in, ph, phnum * 56, phoff, "the program headers");
	in->loads = xcalloc(phnum, sizeof(*in->loads));
	for (uint64_t i = 0; i < phnum; i++) {
		const unsigned char *p = ph + 56 * i;
		struct ephdr h = { (uint32_t)getn(p, 4, in->be), (uint32_t)getn(p + 4, 4, in->be),
				   getn(p + 8, 8, in->be), getn(p + 16, 8, in->be),
				   getn(p + 24, 8, in->be), getn(p + 32, 8, in->be),
				   getn(p + 40, 8, in->be), getn(p + 48, 8, in->be) };
		uint64_t at = phoff + 56 * i;
		if (h.type != PT_LOAD && h.type != PT_NOTE)
			continue;
		if (h.offset > in->size || h.filesz > in->size - h.offset)
			die("%s: offset 0x%" PRIx64 ": segment data [0x%" PRIx64 ", +0x%" PRIx64
			    ") lies past the end of the file (0x%" PRIx64 ")",
			    path, at, h.offset, h.filesz, in->size);
		if (h.type == PT_NOTE) {
			if (in->notes_len + h.filesz > (64u << 20))
				die("%s: offset 0x%" PRIx64 ": more than 64 MiB of notes", path, at);
			in->notes = xrealloc(in->notes, in->notes_len + h.filesz + 1, 1);
			pread_all(in, in->notes + in->notes_len, h.filesz, h.offset, "a PT_NOTE");
			in->notes_len += h.filesz;
			continue;
		}
		if (h.filesz > h.memsz)
			die("%s: offset 0x%" PRIx64 ": p_filesz > p_memsz", path, at);
		if (h.paddr > UINT64_MAX - h.memsz)
			die("%s: offset 0x%" PRIx64 ": segment wraps around", path, at);
		if (h.memsz)
			in->loads[in->nloads++] = h;
	}
	free(ph);
	in->page = 4096;
	walk_notes(in);
	if (in->page < 512 || in->page > (1u << 20) || (in->page & (in->page - 1)))
		die("%s: VMCOREINFO PAGESIZE=%" PRIu32 " is not a sane page size", path, in->page);
	if (!in->release[0])
		strcpy(in->release, "unknown");
	in->win = xcalloc(1, WIN_SIZE);
	in->win_len = 0;
	in->win_off = UINT64_MAX;

	/* Disjoint file-backed pieces: segments sorted by paddr, each keeping
	 * only what earlier ones did not cover (overlapping segments, such as
	 * the kernel-text one, show the same memory). */
	struct ephdr *s = xcalloc(in->nloads, sizeof(*s));
	memcpy(s, in->loads, in->nloads * sizeof(*s));
	/* sort by paddr: insertion sort is fine for the usual handful, but
	 * extended-numbering files have ~65536, so use qsort on a key array */
	struct key {
		uint64_t paddr;
		size_t i;
	} *k = xcalloc(in->nloads, sizeof(*k));
	for (size_t i = 0; i < in->nloads; i++)
		k[i] = (struct key){ in->loads[i].paddr, i };
	qsort(k, in->nloads, sizeof(*k), cmp_u64);
	for (size_t i = 0; i < in->nloads; i++)
		s[i] = in->loads[k[i].i];
	free(k);
	in->pieces = xcalloc(in->nloads, sizeof(*in->pieces));
	uint64_t covered = 0;
	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t start = s[i].paddr, end = s[i].paddr + s[i].filesz;
		if (start < covered)
			start = covered;
		if (start >= end)
			continue;
		in->pieces[in->npieces++] =
			(struct piece){ start, end, s[i].offset + (start - s[i].paddr) };
		covered = end;
	}
	free(s);
}

/* Page content: file data where a piece covers it, zeros elsewhere. */
static void elf_page(struct elfin *in, uint64_t pfn, unsigned char *buf)
{
	uint64_t a = pfn * in->page, b = a + in->page;
	size_t lo = 0, hi = in->npieces;

	memset(buf, 0, in->page);
	while (lo < hi) { /* first piece ending after a */
		size_t mid = lo + (hi - lo) / 2;
		if (in->pieces[mid].end <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < in->npieces && in->pieces[i].start < b; i++) {
		const struct piece *p = &in->pieces[i];
		uint64_t s = p->start > a ? p->start : a, e = p->end < b ? p->end : b;
		elf_read(in, buf + (s - a), p->offset + (s - p->start), e - s);
	}
}

/* RAM pfns: every page any PT_LOAD touches (file part or memsz tail). */
static unsigned char *elf_bitmap(const struct elfin *in, uint64_t *max_mapnr)
{
	uint64_t max = 0;

	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t e = div_up(in->loads[i].paddr + in->loads[i].memsz, in->page);
		if (e > max)
			max = e;
	}
	if (max > (1ULL << 34))
		die("%s: physical addresses up to 0x%" PRIx64 " need a bitmap over 2 GiB", in->path,
		    max * in->page);
	unsigned char *bm = xcalloc(1, div_up(max ? max : 1, 8));
	for (size_t i = 0; i < in->nloads; i++) {
		uint64_t f = in->loads[i].paddr / in->page;
		uint64_t l = div_up(in->loads[i].paddr + in->loads[i].memsz, in->page);
		for (uint64_t p = f; p < l; p++)
			setbit(bm, p);
	}
	*max_mapnr = max ? max : 1;
	return bm;
}

struct conv_ctx {
	struct elfin *in;
	int codec;
};

static void conv_get(void *ctx, uint64_t pfn, unsigned char *buf)
{
	struct conv_ctx *c = ctx;
	elf_page(c->in, pfn, buf);
}

static int conv_codec(void *ctx, uint64_t pfn)
{
	(void)pfn;
	return ((struct conv_ctx *)ctx)->codec;
}

static void conv_expect_head(FILE *e, const struct elfin *in, const struct opts *o,
			     const char *format, uint64_t max_pfn, int version)
{
	fprintf(e, "# mkdump expect 1 (converted from %s)\n", in->path);
	fprintf(e, "format %s\nflattened %d\narch %s\nendian %s\npage_size %u\n", format,
		o->flatten, in->machine == 62 ? "x86_64" : in->machine == 183 ? "arm64" : "unknown",
		in->be ? "big" : "little", in->page);
	fprintf(e, "max_pfn %" PRIu64 "\nheader_version %d\nincomplete 0\n", max_pfn, version);
	if (in->vmci_len)
		fprintf(e, "vmcoreinfo %zu %016" PRIx64 "\n", in->vmci_len,
			fnv1a(in->notes + in->vmci_off, in->vmci_len));
	else
		fprintf(e, "vmcoreinfo 0 -\n");
}

static void convert_to_kdump(struct elfin *in, const struct opts *o)
{
	uint64_t max_mapnr;
	unsigned char *bm = elf_bitmap(in, &max_mapnr);
	int codec = o->codec >= 0 ? o->codec : CODEC_ZSTD;
	struct kdump_meta m = { 0 };

	m.be = in->be;
	m.page = in->page;
	m.version = 6;
	memcpy(m.signature, "KDUMP   ", 8);
	strcpy(m.uts[0], "Linux");
	strcpy(m.uts[1], "mkdump-converted");
	memcpy(m.uts[2], in->release, 65);
	strcpy(m.uts[3], "");
	strcpy(m.uts[4], in->machine == 62 ? "x86_64" : in->machine == 183 ? "aarch64" : "unknown");
	strcpy(m.uts[5], "(none)");
	m.max_mapnr = max_mapnr;
	m.nr_cpus = in->nprstatus ? in->nprstatus : in->nqemu;
	m.phys_base = in->phys_base;
	m.dump_level = 0;
	m.notes = in->notes;
	m.notes_len = in->notes_len;
	m.vmci_off = in->vmci_off;
	m.vmcoreinfo = in->vmci_len ? (const char *)in->notes + in->vmci_off : NULL;
	m.vmcoreinfo_len = in->vmci_len;
	m.status = codec_flags[codec];

	struct conv_ctx cc = { in, codec };
	struct page_src src = { conv_get, conv_codec, &cc, bm, bm };
	uint64_t nfiles = o->split ? o->split : 1;
	struct kfile *files = split_ranges(bm, max_mapnr, nfiles);
	uint64_t budget = UINT64_MAX;

	for (uint64_t i = 0; i < nfiles; i++) {
		char *name = piece_name(o->out, i, nfiles);
		m.split = nfiles > 1;
		m.start = nfiles > 1 ? files[i].start : 0;
		m.end = nfiles > 1 ? files[i].end : max_mapnr;
		write_kdump_file(&m, &src, name, o->flatten, &budget, false, true);
		free(name);
	}
	if (o->expect) {
		FILE *e = open_expect(o->expect);
		unsigned char *p = xcalloc(1, in->page);
		conv_expect_head(e, in, o, "kdump", max_mapnr, 6);
		fprintf(e, "files %" PRIu64 "\n", nfiles);
		for (uint64_t i = 0; i < nfiles; i++)
			fprintf(e, "file %" PRIu64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", i,
				nfiles > 1 ? files[i].start : 0, nfiles > 1 ? files[i].end : max_mapnr);
		for (uint64_t pfn = 0; pfn < max_mapnr; pfn++) {
			if (!bit(bm, pfn))
				continue;
			elf_page(in, pfn, p);
			print_page(e, pfn, all_zero(p, in->page) ? "zero" : "data", p, in->page);
		}
		free(p);
		close_expect(e, o->expect);
	}
	free(files);
	free(bm);
}

static struct range *parse_pfn_list(const char *s, size_t *n)
{
	struct parser ps = { "--keep-pfns", 0 };
	char *copy = xstrdup(s), *save = NULL;
	struct range *r = NULL;

	*n = 0;
	for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		r = xrealloc(r, *n + 1, sizeof(*r));
		r[(*n)++] = prange(&ps, t);
	}
	if (!*n)
		die("--keep-pfns: empty list");
	free(copy);
	return r;
}

/* Keep only the listed pfns, as an ELF vmcore with the same notes. */
static void minimise_elf(struct elfin *in, const struct opts *o)
{
	size_t nkeep;
	struct range *keep = parse_pfn_list(o->keep_pfns, &nkeep);
	uint64_t ps = in->page;
	struct ephdr *ph = NULL;
	uint64_t nph = 1;

	ph = xcalloc(1, sizeof(*ph));
	ph[0] = (struct ephdr){ .type = PT_NOTE, .filesz = in->notes_len, .memsz = in->notes_len };
	/* Source file offset of each output PT_LOAD's data, same index. */
	uint64_t *src_off = xcalloc(1, sizeof(*src_off));
	for (size_t i = 0; i < in->nloads; i++) {
		const struct ephdr *s = &in->loads[i];
		for (size_t k = 0; k < nkeep; k++) {
			uint64_t a = keep[k].first * ps, b = (keep[k].last + 1) * ps;
			if (keep[k].last >= UINT64_MAX / ps)
				die("--keep-pfns: pfn 0x%" PRIx64 " is too large", keep[k].last);
			if (a < s->paddr)
				a = s->paddr;
			if (b > s->paddr + s->memsz)
				b = s->paddr + s->memsz;
			if (a >= b)
				continue;
			uint64_t fend = s->paddr + s->filesz;
			struct ephdr h = *s;
			h.paddr = a;
			/* p_vaddr 0 means "no virtual address" (QEMU); keep it so. */
			h.vaddr = s->vaddr ? s->vaddr + (a - s->paddr) : 0;
			h.memsz = b - a;
			h.filesz = fend > a ? (fend < b ? fend : b) - a : 0;
			h.align = 0;
			ph = xrealloc(ph, nph + 1, sizeof(*ph));
			src_off = xrealloc(src_off, nph + 1, sizeof(*src_off));
			src_off[nph] = s->offset + (a - s->paddr);
			ph[nph++] = h;
		}
	}
	if (nph == 1)
		die("--keep-pfns: no listed pfn lies in a PT_LOAD of %s", in->path);

	int nsh = nph >= PN_XNUM ? 1 : 0;
	uint64_t shoff = nsh ? 64 + nph * 56 : 0;
	uint64_t pos = 64 + nph * 56 + 64 * (uint64_t)nsh;
	ph[0].offset = pos;
	pos += in->notes_len;
	for (uint64_t i = 1; i < nph; i++) {
		ph[i].offset = pos;
		pos += ph[i].filesz;
	}

	struct out out;
	unsigned char eh[64], *buf = xcalloc(1, WIN_SIZE);
	out_open(&out, o->out, o->flatten);
	put_ehdr(eh, in->be, in->machine, in->eflags, 64, shoff, nph, (uint16_t)nsh);
	out_emit(&out, 0, eh, 64);
	unsigned char *pb = xcalloc(nph, 56);
	for (uint64_t i = 0; i < nph; i++)
		put_phdr(pb + 56 * i, &ph[i], in->be);
	out_emit(&out, 64, pb, nph * 56);
	if (nsh) {
		unsigned char sh[64];
		put_shdrs(sh, in->be, nph, 1, 0);
		out_emit(&out, shoff, sh, 64);
	}
	out_emit(&out, ph[0].offset, in->notes, in->notes_len);
	for (uint64_t i = 1; i < nph; i++) {
		for (uint64_t done = 0; done < ph[i].filesz;) {
			uint64_t k = ph[i].filesz - done < WIN_SIZE ? ph[i].filesz - done : WIN_SIZE;
			elf_read(in, buf, src_off[i] + done, k);
			out_emit(&out, ph[i].offset + done, buf, k);
			done += k;
		}
	}
	out_close(&out);

	if (o->expect) {
		/* What a reader of the output sees: kept file bytes, zeros elsewhere
		 * in each segment. */
		FILE *e = open_expect(o->expect);
		unsigned char *p = xcalloc(1, ps), *q = xcalloc(1, ps);
		conv_expect_head(e, in, o, "elf", 0, 0);
		fprintf(e, "files 1\n");
		for (uint64_t i = 1; i < nph; i++)
			fprintf(e, "load 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
				ph[i].paddr, ph[i].vaddr, ph[i].filesz, ph[i].memsz);
		for (size_t k = 0; k < nkeep; k++) {
			for (uint64_t pfn = keep[k].first; pfn <= keep[k].last; pfn++) {
				uint64_t a = pfn * ps, b = a + ps;
				bool in_seg = false, in_file = false;
				memset(q, 0, ps);
				for (uint64_t i = 1; i < nph; i++) {
					if (ph[i].paddr >= b || ph[i].paddr + ph[i].memsz <= a)
						continue;
					in_seg = true;
					uint64_t fe = ph[i].paddr + ph[i].filesz;
					uint64_t s = ph[i].paddr > a ? ph[i].paddr : a, t = fe < b ? fe : b;
					if (s < t) {
						in_file = true;
						elf_read(in, q + (s - a), src_off[i] + (s - ph[i].paddr), t - s);
					}
				}
				if (!in_seg)
					continue;
				memcpy(p, q, ps);
				print_page(e, pfn, in_file ? "data" : "tail", p, ps);
			}
		}
		free(p);
		free(q);
		close_expect(e, o->expect);
	}
	free(pb);
	free(buf);
	free(ph);
	free(src_off);
	free(keep);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	fputs("usage: mkdump DESC -o OUT [--expect FILE] [--flatten] [--split N]\n"
	      "              [--incomplete-after K] [--header-version V] [--compress C]\n"
	      "              [--phdr-offset 64|192]\n"
	      "       mkdump --from-elf IN -o OUT [--compress C] [--flatten] [--split N] [--expect F]\n"
	      "       mkdump --from-elf IN --keep-pfns LIST -o OUT.vmcore [--expect F]\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .codec = -1 };
	struct parser ps = { "command line", 0 };

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_arg = i + 1 < argc;
		if (!strcmp(a, "-o") && has_arg)
			o.out = argv[++i];
		else if (!strcmp(a, "--expect") && has_arg)
			o.expect = argv[++i];
		else if (!strcmp(a, "--flatten"))
			o.flatten = true;
		else if (!strcmp(a, "--split") && has_arg)
			o.split = pnum(&ps, argv[++i]);
		else if (!strcmp(a, "--incomplete-after") && has_arg)
			o.incomplete_after = pnum(&ps, argv[++i]), o.incomplete = true;
		else if (!strcmp(a, "--header-version") && has_arg)
			o.header_version = (int)pnum(&ps, argv[++i]);
		else if (!strcmp(a, "--compress") && has_arg)
			o.codec = parse_codec(argv[++i]);
		else if (!strcmp(a, "--phdr-offset") && has_arg)
			o.phdr_offset = pnum(&ps, argv[++i]);
		else if (!strcmp(a, "--from-elf") && has_arg)
			o.from_elf = argv[++i];
		else if (!strcmp(a, "--keep-pfns") && has_arg)
			o.keep_pfns = argv[++i];
		else if (a[0] == '-' || o.desc)
			usage();
		else
			o.desc = a;
	}
	if (!o.out || !!o.desc == !!o.from_elf)
		usage();
	if (o.split > 4096)
		die("--split: at most 4096 files");
	if (o.header_version && (o.header_version < 1 || o.header_version > 6))
		die("--header-version is 1..6");

	if (o.from_elf) {
		struct elfin in;
		elf_open(&in, o.from_elf);
		if (o.keep_pfns)
			minimise_elf(&in, &o);
		else
			convert_to_kdump(&in, &o);
		close(in.fd);
		free(in.loads);
		free(in.notes);
		free(in.pieces);
		free(in.win);
		return 0;
	}
	if (o.keep_pfns)
		usage();

	struct desc d;
	parse_desc(&d, o.desc);
	if (d.format == FMT_ELF) {
		if (o.split)
			die("--split applies to kdump output only");
		synth_elf(&d, &o);
	} else {
		synth_kdump(&d, &o);
	}
	free_desc(&d);
	return 0;
}
