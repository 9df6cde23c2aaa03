/* samepages: checks that two dumps of the same stopped machine agree, page by
 * page.
 *
 *   samepages [--ram RANGES] [--filtered a|b] [--max-report N] DUMP_A DUMP_B
 *
 * DUMP is one file, or the files of one split set joined by commas
 * ("part1,part2").  Both are read through vmscope's public API only.
 *
 * QEMU writes every format of a real-dump boot from the same stopped guest,
 * and makedumpfile converts from one of those files, so wherever both dumps
 * hold a page (status PRESENT or ZERO) its bytes must be identical.  The sets
 * of pages held must match too, within limits the caller states:
 *   --ram RANGES   "start-end,..." with inclusive ends (/proc/iomem style).
 *                  A page held by one dump only is then accepted when it lies
 *                  outside RAM: dumps legitimately differ there (QEMU's
 *                  paging ELF leaves out the BIOS ROM the others keep).
 *                  Without --ram every one-sided page counts.
 *   --filtered a   dump A went through makedumpfile's page filtering, so it
 *                  may lack any page B holds (RAM or not), but only as
 *                  EXCLUDED; it must never hold a page B lacks inside RAM.
 * Output: the first differences and one-sided runs, then a summary line
 *   samepages: A vs B: N pages in both (identical), X only in A, Y only in B, D differ
 * Exit 0 when all is as expected, 1 otherwise (or on errors), 2 on bad usage.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/dump.h>

#define MAX_FILES 256
#define MAX_RAM 1024

struct ram {
	uint64_t start[MAX_RAM], end[MAX_RAM];	/* inclusive ends */
	size_t n;
};

/* A run of consecutive one-sided pages, reported as one line. */
struct run {
	int side;		/* 0: only in A, 1: only in B, -1: none */
	uint64_t start, end;	/* [start, end) */
	bool ram;		/* meaningful only with --ram */
	enum vms_page_status lacking;	/* the status on the side that lacks it */
	bool bad;
};

struct stats {
	uint64_t both, only[2], only_ram[2], differ, bad_onesided, errors;
	uint64_t lacking_status[2][VMS_PAGE_ABSENT + 1];
	unsigned int reported, max_report;
	bool ram_known;		/* --ram was given */
	struct run run;
};

/* Splits "a,b,c" in place into paths[]; returns the count, 0 if too many. */
static size_t split_paths(char *arg, const char **paths)
{
	size_t n = 0;

	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_FILES)
			return 0;
		paths[n++] = tok;
	}
	return n;
}

static bool parse_ram(const char *arg, struct ram *ram)
{
	const char *p = arg;

	ram->n = 0;
	while (*p) {
		char *e;
		uint64_t s, t;

		s = strtoull(p, &e, 0);
		if (e == p || *e != '-')
			return false;
		p = e + 1;
		t = strtoull(p, &e, 0);
		if (e == p || (*e && *e != ',') || t < s || ram->n == MAX_RAM)
			return false;
		ram->start[ram->n] = s;
		ram->end[ram->n] = t;
		ram->n++;
		p = *e ? e + 1 : e;
	}
	return ram->n > 0;
}

/* True when any byte of [addr, addr + len) is RAM. */
static bool is_ram(const struct ram *ram, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < ram->n; i++)
		if (addr <= ram->end[i] && addr + len - 1 >= ram->start[i])
			return true;
	return false;
}

static void report(struct stats *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(struct stats *s, const char *fmt, ...)
{
	va_list ap;

	if (s->reported++ >= s->max_report)
		return;
	fputs("samepages: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void flush_run(struct stats *s)
{
	struct run *r = &s->run;

	if (r->side < 0)
		return;
	/* Acceptable runs are shown too (they explain the counts), but only
	 * while the report budget lasts. */
	report(s, "%s0x%" PRIx64 "-0x%" PRIx64 " only in %s (%s%s in %s)",
	       r->bad ? "UNEXPECTED: " : "", r->start, r->end - 1, r->side ? "B" : "A",
	       !s->ram_known ? "" : r->ram ? "RAM; " : "not RAM; ",
	       vms_page_status_name(r->lacking), r->side ? "A" : "B");
	r->side = -1;
}

static void note_onesided(struct stats *s, int side, uint64_t addr, uint64_t len, bool ram,
			  enum vms_page_status lacking, bool bad)
{
	struct run *r = &s->run;

	if (r->side != side || r->end != addr || r->ram != ram || r->lacking != lacking ||
	    r->bad != bad) {
		flush_run(s);
		r->side = side;
		r->start = addr;
		r->ram = ram;
		r->lacking = lacking;
		r->bad = bad;
	}
	r->end = addr + len;
}

static bool has_data(enum vms_page_status st)
{
	return st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO;
}

static vms_dump *open_dump(const char *label, char *arg)
{
	const char *paths[MAX_FILES];
	size_t n = split_paths(arg, paths);
	vms_dump *d;
	vms_error *err;

	if (n == 0) {
		printf("samepages: %s: bad file list\n", label);
		return NULL;
	}
	err = vms_dump_open(paths, n, NULL, &d);
	if (err) {
		printf("samepages: %s: cannot open: %s\n", label, vms_error_message(err));
		vms_error_free(err);
		return NULL;
	}
	return d;
}

/* Ranges of both dumps, merged into one sorted list of [start, end). */
static size_t union_ranges(vms_dump *a, vms_dump *b, struct vms_range **out)
{
	size_t na = vms_dump_nranges(a), nb = vms_dump_nranges(b), n = 0;
	struct vms_range *u = malloc((na + nb + 1) * sizeof(*u));
	size_t i = 0, j = 0;

	if (!u)
		return (size_t)-1;
	while (i < na || j < nb) {
		const struct vms_range *r;

		if (j >= nb || (i < na && vms_dump_ranges(a)[i].start <= vms_dump_ranges(b)[j].start))
			r = &vms_dump_ranges(a)[i++];
		else
			r = &vms_dump_ranges(b)[j++];
		if (n > 0 && r->start <= u[n - 1].end) {
			if (r->end > u[n - 1].end)
				u[n - 1].end = r->end;
		} else {
			u[n++] = *r;
		}
	}
	*out = u;
	return n;
}

static void compare_unit(vms_dump *d[2], const struct ram *ram, const bool filtered[2],
			 struct stats *s, uint64_t addr, uint32_t unit, unsigned char *buf[2])
{
	enum vms_page_status st[2];
	bool data[2], in_ram;

	for (int k = 0; k < 2; k++) {
		vms_error *err = vms_dump_page_status(d[k], addr, &st[k]);

		if (err) {
			s->errors++;
			report(s, "0x%" PRIx64 ": status in %s: %s", addr, k ? "B" : "A",
			       vms_error_message(err));
			vms_error_free(err);
			return;
		}
		data[k] = has_data(st[k]);
	}
	if (!data[0] && !data[1])
		return;
	if (data[0] && data[1]) {
		for (int k = 0; k < 2; k++) {
			vms_error *err = vms_dump_read_phys(d[k], addr, buf[k], unit, 0);

			if (err) {
				s->errors++;
				report(s, "0x%" PRIx64 ": read from %s (status %s): %s", addr,
				       k ? "B" : "A", vms_page_status_name(st[k]),
				       vms_error_message(err));
				vms_error_free(err);
				return;
			}
		}
		s->both++;
		if (memcmp(buf[0], buf[1], unit) != 0) {
			size_t off = 0;

			while (buf[0][off] == buf[1][off])
				off++;
			s->differ++;
			report(s, "DIFFER: 0x%" PRIx64 " (%s in A, %s in B): first at +0x%zx, "
			       "A %02x, B %02x", addr, vms_page_status_name(st[0]),
			       vms_page_status_name(st[1]), off, buf[0][off], buf[1][off]);
		}
		return;
	}

	int side = data[0] ? 0 : 1;	/* the side that holds it */
	int lack = 1 - side;
	bool bad;

	in_ram = ram->n == 0 || is_ram(ram, addr, unit);
	if (filtered[lack])
		bad = st[lack] != VMS_PAGE_EXCLUDED && in_ram;
	else
		bad = in_ram;
	s->only[side]++;
	if (in_ram && ram->n)
		s->only_ram[side]++;
	s->lacking_status[side][st[lack]]++;
	if (bad)
		s->bad_onesided++;
	note_onesided(s, side, addr, unit, in_ram && ram->n, st[lack], bad);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: samepages [--ram START-END,...] [--filtered a|b] [--max-report N] "
		   "DUMP_A DUMP_B\n"
		   "DUMP is a file, or the files of one split set joined by commas.\n"
		   "Exit: 0 as expected, 1 a difference, an unexpected one-sided page or an "
		   "error.\n");
}

int main(int argc, char **argv)
{
	struct ram ram = { .n = 0 };
	bool filtered[2] = { false, false };
	struct stats s;
	const char *name[2];
	vms_dump *d[2] = { NULL, NULL };
	unsigned char *buf[2] = { NULL, NULL };
	struct vms_range *u = NULL;
	size_t nu;
	uint32_t unit = 0;
	int argi = 1, rc = 1;

	memset(&s, 0, sizeof(s));
	s.max_report = 20;
	s.run.side = -1;
	for (; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi++) {
		if (strcmp(argv[argi], "--ram") == 0 && argi + 1 < argc) {
			if (!parse_ram(argv[++argi], &ram)) {
				fprintf(stderr, "samepages: bad --ram list '%s'\n", argv[argi]);
				return 2;
			}
		} else if (strcmp(argv[argi], "--filtered") == 0 && argi + 1 < argc) {
			argi++;
			if (strcmp(argv[argi], "a") == 0)
				filtered[0] = true;
			else if (strcmp(argv[argi], "b") == 0)
				filtered[1] = true;
			else {
				usage(stderr);
				return 2;
			}
		} else if (strcmp(argv[argi], "--max-report") == 0 && argi + 1 < argc) {
			s.max_report = (unsigned int)strtoul(argv[++argi], NULL, 0);
		} else if (strcmp(argv[argi], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (argc - argi != 2) {
		usage(stderr);
		return 2;
	}
	name[0] = argv[argi];
	name[1] = argv[argi + 1];
	for (int k = 0; k < 2; k++) {
		char *copy = strdup(name[k]);

		d[k] = copy ? open_dump(k ? "B" : "A", copy) : NULL;
		free(copy);
		if (!d[k])
			goto out;
	}
	/* An unknown arch is the reader's shortcoming (reported by other
	 * tests), not a reason to leave the bytes unchecked. */
	if ((vms_dump_arch(d[0]) != vms_dump_arch(d[1]) && vms_dump_arch(d[0]) != VMS_ARCH_UNKNOWN &&
	     vms_dump_arch(d[1]) != VMS_ARCH_UNKNOWN) ||
	    vms_dump_page_size(d[0]) != vms_dump_page_size(d[1])) {
		printf("samepages: A is %s with %" PRIu32 "-byte pages, B is %s with %" PRIu32
		       "-byte pages\n", vms_arch_name(vms_dump_arch(d[0])),
		       vms_dump_page_size(d[0]), vms_arch_name(vms_dump_arch(d[1])),
		       vms_dump_page_size(d[1]));
		goto out;
	}
	/* Status is kept per block, which may be larger than a page (QEMU's
	 * arm64 kdump); compare in the smallest unit either side uses. */
	unit = vms_dump_page_size(d[0]);
	for (int k = 0; k < 2; k++)
		if (vms_dump_block_size(d[k]) && vms_dump_block_size(d[k]) < unit)
			unit = vms_dump_block_size(d[k]);
	for (int k = 0; k < 2; k++)
		if (!(buf[k] = malloc(unit)))
			goto out;
	s.ram_known = ram.n > 0;
	nu = union_ranges(d[0], d[1], &u);
	if (nu == (size_t)-1)
		goto out;
	for (size_t i = 0; i < nu; i++)
		for (uint64_t a = u[i].start & ~(uint64_t)(unit - 1); a < u[i].end; a += unit)
			compare_unit(d, &ram, filtered, &s, a, unit, buf);
	flush_run(&s);
	if (s.reported > s.max_report)
		printf("samepages: ... %u more lines not shown\n", s.reported - s.max_report);
	for (int side = 0; side < 2; side++) {
		if (!s.only[side])
			continue;
		printf("samepages: only in %s: %" PRIu64 " units", side ? "B" : "A", s.only[side]);
		if (s.ram_known)
			printf(" (%" PRIu64 " in RAM)", s.only_ram[side]);
		printf("; the other side has them as:");
		for (int st = 0; st <= VMS_PAGE_ABSENT; st++)
			if (s.lacking_status[side][st])
				printf(" %s %" PRIu64, vms_page_status_name(st),
				       s.lacking_status[side][st]);
		putchar('\n');
	}
	printf("samepages: %s vs %s: %" PRIu64 " units of %" PRIu32 " bytes in both (%" PRIu64
	       " identical), %" PRIu64 " only in A, %" PRIu64 " only in B, %" PRIu64
	       " differ, %" PRIu64 " unexpected one-sided, %" PRIu64 " errors\n",
	       name[0], name[1], s.both, unit, s.both - s.differ, s.only[0], s.only[1], s.differ,
	       s.bad_onesided, s.errors);
	rc = s.differ || s.bad_onesided || s.errors ? 1 : 0;
out:
	free(u);
	for (int k = 0; k < 2; k++) {
		free(buf[k]);
		vms_dump_close(d[k]);
	}
	return rc;
}
