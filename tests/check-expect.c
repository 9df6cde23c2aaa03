/* check-expect: reads a dump through vmscope's public API and compares it
 * with the .expect file the fixture writer derived from the description
 * (not from reading its own output): format, arch, page size, flags,
 * VMCOREINFO, CPUs, and the status and content hash of every page up to
 * max_pfn, including that unlisted pages are absent.
 *
 *   check-expect EXPECT DUMP...      exit 0 when everything matches
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/vmscope.h>

#define MAX_REPORT 10

struct want_page {
	uint64_t pfn;
	enum vms_page_status st;
	uint64_t hash;
};

static int failures;

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
	va_list ap;

	if (++failures > MAX_REPORT)
		return;
	va_start(ap, fmt);
	fputs("check-expect: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static int status_of(const char *s, enum vms_page_status *st)
{
	if (!strcmp(s, "data")) *st = VMS_PAGE_PRESENT;
	else if (!strcmp(s, "zero")) *st = VMS_PAGE_ZERO;
	/* an ELF memsz-only page: memory the file chose not to store */
	else if (!strcmp(s, "tail") || !strcmp(s, "excluded")) *st = VMS_PAGE_EXCLUDED;
	else if (!strcmp(s, "lost")) *st = VMS_PAGE_LOST;
	else return -1;
	return 0;
}

static int cmp_page(const void *a, const void *b)
{
	const struct want_page *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

int main(int argc, char **argv)
{
	char line[512], fmt[32] = "", arch[32] = "";
	int flattened = 0, incomplete = -1, nfiles = 0;
	uint64_t page_size = 0, max_pfn = 0, vmci_len = 0, vmci_hash = 0;
	bool have_vmci = false, vmci_none = false;
	struct want_page *pages = NULL;
	size_t npages = 0, cap = 0, i, ncpus = 0;
	struct { unsigned pid; uint64_t pc, sp; } cpus[64];
	struct vms_page_counts want = { 0 }, got;
	const char *want_format;
	unsigned char *buf;
	vms_dump *d;
	vms_error *err;
	FILE *e;

	if (argc < 3) {
		fprintf(stderr, "usage: check-expect EXPECT DUMP...\n");
		return 2;
	}
	e = fopen(argv[1], "r");
	if (!e) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), e)) {
		char w1[32], w2[32];
		uint64_t a, b, c;
		unsigned pid;

		if (line[0] == '#')
			continue;
		b = 0;
		/* excluded and lost pages carry no hash */
		if (sscanf(line, "page %" SCNx64 " %31s %" SCNx64, &a, w1, &b) >= 2) {
			if (npages == cap) {
				cap = cap ? cap * 2 : 1024;
				pages = realloc(pages, cap * sizeof(*pages));
				if (!pages)
					return 2;
			}
			pages[npages].pfn = a;
			pages[npages].hash = b;
			if (status_of(w1, &pages[npages].st)) {
				fprintf(stderr, "check-expect: %s: unknown status '%s'\n", argv[1], w1);
				return 2;
			}
			npages++;
		} else if (sscanf(line, "format %31s", w1) == 1) {
			strcpy(fmt, w1);
		} else if (sscanf(line, "flattened %d", &flattened) == 1) {
		} else if (sscanf(line, "arch %31s", w1) == 1) {
			strcpy(arch, w1);
		} else if (sscanf(line, "page_size %" SCNu64, &page_size) == 1) {
		} else if (sscanf(line, "max_pfn %" SCNu64, &max_pfn) == 1) {
		} else if (sscanf(line, "incomplete %d", &incomplete) == 1) {
		} else if (sscanf(line, "files %d", &nfiles) == 1) {
		} else if (sscanf(line, "vmcoreinfo %" SCNu64 " %31s", &a, w2) == 2) {
			have_vmci = true;
			vmci_len = a;
			vmci_none = !strcmp(w2, "-");
			vmci_hash = strtoull(w2, NULL, 16);
		} else if (sscanf(line, "cpu %" SCNu64 " pid=%u pc=%" SCNx64 " sp=%" SCNx64, &c, &pid, &a, &b) == 4) {
			if (ncpus < 64) {
				cpus[ncpus].pid = pid;
				cpus[ncpus].pc = a;
				cpus[ncpus].sp = b;
				ncpus++;
			}
		}
	}
	fclose(e);
	qsort(pages, npages, sizeof(*pages), cmp_page);
	/* ELF expectations name no max_pfn: check a little past the last page. */
	if (!max_pfn && npages)
		max_pfn = pages[npages - 1].pfn + 64;

	err = vms_dump_open((const char *const *)argv + 2, (size_t)(argc - 2), NULL, &d);
	if (err) {
		fprintf(stderr, "check-expect: %s\n", vms_error_message(err));
		vms_error_free(err);
		return 1;
	}

	want_format = !strcmp(fmt, "elf") ? (flattened ? "elf-flat" : "elf")
		    : nfiles > 1 ? "kdump-split" : flattened ? "kdump-flat" : "kdump";
	if (strcmp(vms_format_name(vms_dump_format(d)), want_format))
		fail("format %s, expected %s", vms_format_name(vms_dump_format(d)), want_format);
	if (strcmp(vms_arch_name(vms_dump_arch(d)), arch))
		fail("arch %s, expected %s", vms_arch_name(vms_dump_arch(d)), arch);
	if (vms_dump_page_size(d) != page_size)
		fail("page size %u, expected %" PRIu64, vms_dump_page_size(d), page_size);
	if (incomplete >= 0 && vms_dump_incomplete(d) != (incomplete != 0))
		fail("incomplete flag %d, expected %d", vms_dump_incomplete(d), incomplete);
	if (have_vmci) {
		size_t len;
		const char *v = vms_dump_vmcoreinfo(d, &len);

		if (vmci_none && v)
			fail("VMCOREINFO present, expected none");
		else if (!vmci_none && (!v || len != vmci_len || fnv1a((const unsigned char *)v, len) != vmci_hash))
			fail("VMCOREINFO differs (length %zu, expected %" PRIu64 ")", v ? len : 0, vmci_len);
	}
	if (vms_dump_ncpus(d) != ncpus)
		fail("%zu CPUs, expected %zu", vms_dump_ncpus(d), ncpus);
	for (i = 0; i < ncpus && i < vms_dump_ncpus(d); i++) {
		const struct vms_cpu_state *c = vms_dump_cpu(d, i);
		unsigned pc = vms_dump_arch(d) == VMS_ARCH_ARM64 ? 32 : 16;
		unsigned sp = vms_dump_arch(d) == VMS_ARCH_ARM64 ? 31 : 19;

		if (c->pid != cpus[i].pid || c->regs[pc] != cpus[i].pc || c->regs[sp] != cpus[i].sp)
			fail("cpu %zu: pid %u pc 0x%" PRIx64 " sp 0x%" PRIx64 ", expected pid %u pc 0x%" PRIx64 " sp 0x%" PRIx64,
			     i, c->pid, c->regs[pc], c->regs[sp], cpus[i].pid, cpus[i].pc, cpus[i].sp);
	}

	/* Every pfn below max_pfn: listed ones by status and hash, the rest absent. */
	buf = malloc(page_size ? page_size : 1);
	if (!buf || !page_size)
		return 2;
	for (i = 0; i < npages; i++) {
		switch (pages[i].st) {
		case VMS_PAGE_PRESENT: want.present++; break;
		case VMS_PAGE_ZERO: want.zero++; break;
		case VMS_PAGE_EXCLUDED: want.excluded++; break;
		case VMS_PAGE_LOST: want.lost++; break;
		case VMS_PAGE_ABSENT: break;
		}
	}
	{
		size_t k = 0;
		uint64_t pfn;

		for (pfn = 0; pfn < max_pfn; pfn++) {
			enum vms_page_status st, ws = VMS_PAGE_ABSENT;
			uint64_t wh = 0;

			while (k < npages && pages[k].pfn < pfn)
				k++;
			if (k < npages && pages[k].pfn == pfn) {
				ws = pages[k].st;
				wh = pages[k].hash;
			}
			err = vms_dump_page_status(d, pfn * page_size, &st);
			if (err) {
				fail("pfn 0x%" PRIx64 ": %s", pfn, vms_error_message(err));
				vms_error_free(err);
				continue;
			}
			if (st != ws) {
				fail("pfn 0x%" PRIx64 ": status %s, expected %s", pfn,
				     vms_page_status_name(st), vms_page_status_name(ws));
				continue;
			}
			if (ws != VMS_PAGE_PRESENT && ws != VMS_PAGE_ZERO)
				continue;
			err = vms_dump_read_phys(d, pfn * page_size, buf, page_size, 0);
			if (err) {
				fail("pfn 0x%" PRIx64 ": %s", pfn, vms_error_message(err));
				vms_error_free(err);
				continue;
			}
			if (fnv1a(buf, page_size) != wh)
				fail("pfn 0x%" PRIx64 ": content differs", pfn);
		}
	}
	err = vms_dump_page_counts(d, &got);
	if (err) {
		fail("page counts: %s", vms_error_message(err));
		vms_error_free(err);
	} else if (vms_dump_block_size(d) == page_size &&
		   (got.present != want.present || got.zero != want.zero ||
		    got.excluded != want.excluded || got.lost != want.lost)) {
		fail("page counts present/zero/excluded/lost %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64
		     ", expected %" PRIu64 "/%" PRIu64 "/%" PRIu64 "/%" PRIu64,
		     got.present, got.zero, got.excluded, got.lost,
		     want.present, want.zero, want.excluded, want.lost);
	}
	vms_dump_close(d);
	free(buf);
	free(pages);
	if (failures) {
		fprintf(stderr, "check-expect: %s: %d mismatches\n", argv[2], failures);
		return 1;
	}
	printf("check-expect: %s: %zu listed pages and %" PRIu64 " pfns checked\n", argv[2], npages, max_pfn);
	return 0;
}
