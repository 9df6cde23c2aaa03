/* libFuzzer harness: `vmscope xlate`'s input side (cli/cmd-xlate.c): the
 * chunk reader (partial lines carried over, overlong lines cut), the line
 * parser (hex or --decimal), the answers for every --from/--to pair, and
 * the TSV/CSV/JSON-lines field escaping, driven as the command drives them
 * (read_chunk, then process_chunk) but in one thread, over a small dump
 * (vmcore.h) whose direct map, vmalloc, vmemmap and kernel text all map
 * 1 GiB onto its memory.  The command's file is included whole: its
 * functions are static, and this is the cheapest way to reach them as they
 * are.  Also checks that every parsed address, printed as the command
 * prints it, parses back to itself.
 *
 * Input layout: byte 0 (bits 0-1: --from va, pa, pfn, page; bits 2-4:
 * --to va, pa, pfn, page, region (5-7 wrap to va..pfn); bits 5-6: --format
 * tsv, csv, jsonl (3 = tsv); bit 7: --decimal), byte 1 (bit 0: --no-header),
 * then the input lines.
 */
#include "../../cli/cmd-xlate.c"

#include <sys/mman.h>

#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void roundtrip(const char *s, size_t n, bool decimal)
{
	uint64_t v, w;
	bool pl;
	struct obuf b = { 0 };

	if (parse_line(s, n, decimal, &v, &pl))
		return;
	if (decimal) {
		char t[32];
		int k = snprintf(t, sizeof(t), "%" PRIu64, v);
		if (parse_line(t, (size_t)k, true, &w, &pl) || w != v)
			abort();
		return;
	}
	ob_hex(&b, v);
	if (b.oom)
		abort();
	if (parse_line(b.p, b.len, false, &w, &pl) || w != v || !pl)
		abort();
	free(b.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_vmcore vc;
	static struct chunk *k;
	static const uint8_t mem[4096];
	struct xopts o = { 0 };
	struct ctx c = { 0 };
	struct reader r = { 0 };
	int fd;

	if (size < 2)
		return 0;
	if (!k) {	/* one dump and one chunk for every input */
		fuzz_vmcore_open(NULL, 0, mem, sizeof(mem), &vc);
		k = calloc(1, sizeof(*k));
		if (!vc.layout || !k)
			abort();
	}
	o.from = (enum kind)(data[0] & 3);
	o.to = (enum kind)((data[0] >> 2 & 7) % 5);
	o.fmt = (enum format)((data[0] >> 5 & 3) % 3);
	o.decimal = data[0] & 0x80;
	o.header = !(data[1] & 1);
	c.dump = vc.dump;
	c.layout = vc.layout;
	c.page_size = 4096;
	c.page_shift = 12;
	if (vms_xlator_new(c.layout, &c.x))
		abort();

	/* The input as the command reads it: from a file descriptor. */
	fd = memfd_create("fuzz-xlate-input", MFD_CLOEXEC);
	if (fd < 0 || (size > 2 && write(fd, data + 2, size - 2) != (ssize_t)(size - 2)) ||
	    lseek(fd, 0, SEEK_SET) != 0)
		abort();
	r.fd = fd;
	r.name = "fuzz input";
	write_header(&o, &k->out);
	for (;;) {
		read_chunk(&r, k);
		if (!k->tlen)
			break;
		process_chunk(&o, &c, k);
		if (k->out.oom)
			abort();
		if (getenv("FUZZ_VERBOSE"))	/* what the command would print */
			fwrite(k->out.p, 1, k->out.len, stdout);
		for (size_t i = 0; i < k->nlines; i++)
			if (!k->lines[i].toolong)
				roundtrip(k->text + k->lines[i].off, k->lines[i].len, o.decimal);
	}
	fuzz_check(r.err);
	close(fd);
	vms_xlator_free(c.x);
	return 0;
}
