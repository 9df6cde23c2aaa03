/* The common body of the harnesses (see harness.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump-priv.h"
#include "file.h"
#include "harness.h"

/* Bounds per input, so one execution stays well under a millisecond or so:
 * blocks whose status is asked, blocks read, and bytes decoded. */
#define MAX_STATUS_BLOCKS 512
#define MAX_READ_BLOCKS 256
#define MAX_READ_BYTES (2u << 20)
#define MAX_RANGES 64

/* Keeps the compiler from dropping reads whose results nobody uses. */
static volatile uint64_t sink;

static void consume(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t h = 0;
	size_t i;

	for (i = 0; i < len; i += 61)
		h = h * 31 + b[i];
	sink += h;
}

static void check(vms_error *err)
{
	/* Every error must carry a message: touch it so ASan sees bad ones. */
	if (err) {
		const char *msg = vms_error_message(err);

		if (!msg || !*msg)
			abort();
		consume(msg, strlen(msg));
		(void)vms_error_code(err);
		vms_error_free(err);
	}
}

static void exercise_vmcoreinfo(vms_dump *d)
{
	static const char *const keys[] = {
		"PAGESIZE", "OSRELEASE", "BUILD-ID", "SYMBOL(swapper_pg_dir)",
		"SYMBOL(_stext)", "KERNELOFFSET", "NUMBER(phys_base)",
		"NUMBER(VA_BITS)", "NUMBER(sme_mask)", "CRASHTIME", "", "=",
	};
	size_t i, len;
	const char *text = vms_dump_vmcoreinfo(d, &len);

	if (text) {
		if (strlen(text) > len)
			abort();	/* the copy must be NUL-terminated within len */
		consume(text, len);
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = vms_dump_vmcoreinfo_get(d, keys[i]);

		if (v)
			consume(v, strlen(v));
	}
}

static void exercise_info(vms_dump *d)
{
	uint64_t pb;
	size_t i;

	sink += (uint64_t)vms_dump_format(d) + (uint64_t)vms_dump_format_version(d);
	consume(vms_format_name(vms_dump_format(d)), 1);
	consume(vms_arch_name(vms_dump_arch(d)), 1);
	sink += vms_dump_page_size(d) + vms_dump_block_size(d) + vms_dump_big_endian(d) +
		vms_dump_compression(d) + (uint64_t)vms_dump_level(d) +
		vms_dump_incomplete(d) + vms_dump_nfiles(d);
	if (vms_dump_header_phys_base(d, &pb))
		sink += pb;
	for (i = 0; i < vms_dump_nsegments(d); i++) {
		const struct vms_segment *s = &vms_dump_segments(d)[i];

		sink += s->offset + s->vaddr + s->paddr + s->filesz + s->memsz;
	}
	for (i = 0; i < vms_dump_ncpus(d); i++) {
		const struct vms_cpu_state *c = vms_dump_cpu(d, i);

		if (!c || c->nregs > VMS_CPU_MAX_REGS)
			abort();
		consume(c, sizeof(*c));
	}
	if (vms_dump_cpu(d, vms_dump_ncpus(d)))
		abort();
	/* Ranges must be sorted and disjoint, as the header promises. */
	for (i = 0; i < vms_dump_nranges(d); i++) {
		const struct vms_range *r = &vms_dump_ranges(d)[i];

		if (r->start >= r->end || (i && r->start <= r[-1].end))
			abort();
	}
}

/* Reads one block's worth at paddr both ways; counts against the budgets. */
static void read_at(vms_dump *d, uint64_t paddr, uint8_t *buf, size_t len,
		    unsigned *nread, uint64_t *bytes)
{
	enum vms_page_status st;

	if (*nread >= MAX_READ_BLOCKS || *bytes >= MAX_READ_BYTES)
		return;
	(*nread)++;
	*bytes += vms_dump_block_size(d);
	check(vms_dump_page_status(d, paddr, &st));
	check(vms_dump_read_phys(d, paddr, buf, len, 0));
	check(vms_dump_read_phys(d, paddr, buf, len, VMS_READ_ZERO_FILL));
	consume(buf, len);
}

static void exercise_memory(vms_dump *d)
{
	uint32_t bs = vms_dump_block_size(d);
	size_t nr = vms_dump_nranges(d), i;
	const struct vms_range *r = vms_dump_ranges(d);
	unsigned nstatus = 0, nread = 0;
	uint64_t bytes = 0;
	uint8_t *buf;

	buf = malloc(bs + 64);
	if (!buf)
		return;
	for (i = 0; i < nr && i < MAX_RANGES; i++) {
		uint64_t nblk = (r[i].end - r[i].start + bs - 1) / bs;
		uint64_t step = nblk / 8 + 1, b;

		/* A spread of blocks: the first, the last, and a few between;
		 * plus the bytes straddling each edge of the range. */
		for (b = 0; b < nblk && nstatus < MAX_STATUS_BLOCKS; b += step, nstatus++)
			read_at(d, r[i].start + b * bs, buf, bs, &nread, &bytes);
		read_at(d, r[i].end - 1, buf, 1, &nread, &bytes);
		if (r[i].start >= 32)
			read_at(d, r[i].start - 32, buf, 64, &nread, &bytes);
		if (r[i].end <= UINT64_MAX - 32)
			read_at(d, r[i].end - 32, buf, 64, &nread, &bytes);
	}
	/* Addresses outside every range, including the very top. */
	read_at(d, 0, buf, 16, &nread, &bytes);
	read_at(d, UINT64_MAX - 15, buf, 16, &nread, &bytes);
	check(vms_dump_read_phys(d, UINT64_MAX - 7, buf, 16, 0));	/* wraps */
	free(buf);
}

void fuzz_run(const uint8_t *const *bufs, const size_t *lens, size_t n)
{
	struct vms_open_options o = VMS_OPEN_OPTIONS_INIT;
	struct vms_file **files = calloc(n, sizeof(*files));
	struct vms_page_counts pc;
	vms_dump *d = NULL;
	size_t i;

	if (!files)
		return;
	for (i = 0; i < n; i++) {
		char name[32];
		vms_error *err;

		snprintf(name, sizeof(name), "fuzz-%zu", i);
		err = vms_file_open_mem(name, bufs[i], lens[i], &files[i]);
		if (err) {
			check(err);
			while (i-- > 0)
				vms_file_close(files[i]);
			free(files);
			return;
		}
	}
	/* Native readers only: libkdumpfile would open the names as paths. */
	o.reader = VMS_READER_NATIVE;
	o.cache_bytes = 64 * 1024;	/* the 4 MiB default would dominate each run */
	check(vms_dump_open_files(files, n, &o, &d));	/* takes files[], even on failure */
	if (!d)
		return;
	exercise_info(d);
	exercise_vmcoreinfo(d);
	check(vms_dump_page_counts(d, &pc));
	exercise_memory(d);
	/* Again, now that the cache is warm (cached and fresh paths differ). */
	exercise_memory(d);
	vms_dump_close(d);
}

uint8_t *fuzz_with_signature(const uint8_t *data, size_t len, const void *sig,
			     size_t siglen, size_t *out_len)
{
	size_t n = len < siglen ? siglen : len;
	uint8_t *p = calloc(1, n);

	if (!p)
		return NULL;
	memcpy(p, data, len);
	memcpy(p, sig, siglen);
	*out_len = n;
	return p;
}
