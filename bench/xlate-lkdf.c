/* xlate-lkdf: the libaddrxlat counterpart of `vmscope xlate DUMP` (VA->PA,
 * TSV), for bench/xlate-bench.sh.  Reads one hex address a line (0x
 * optional) from stdin and writes "input<TAB>pa" or "input<TAB><TAB>error"
 * lines, buffered, in order.  Set up like a libkdumpfile user would: a
 * kdump_ctx on the file, its addrxlat context and system, and
 * addrxlat_fulladdr_conv(KVADDR -> MACHPHYSADDR) per line. */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkdumpfile/kdumpfile.h>
#include <libkdumpfile/addrxlat.h>

int main(int argc, char **argv)
{
	static char outbuf[1 << 16];
	char line[256];
	kdump_ctx_t *k;
	addrxlat_ctx_t *axctx = NULL;
	addrxlat_sys_t *axsys = NULL;
	int fd, status = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: xlate-lkdf DUMP < addresses\n");
		return 2;
	}
	k = kdump_new();
	fd = open(argv[1], O_RDONLY);
	if (!k || fd < 0 || kdump_open_fd(k, fd) != KDUMP_OK) {
		fprintf(stderr, "xlate-lkdf: cannot open %s: %s\n", argv[1], k ? kdump_get_err(k) : "");
		return 77;
	}
	kdump_set_string_attr(k, KDUMP_ATTR_OSTYPE, "linux");
	if (kdump_get_addrxlat(k, &axctx, &axsys) != KDUMP_OK) {
		fprintf(stderr, "xlate-lkdf: %s\n", kdump_get_err(k));
		return 77;
	}
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	printf("input\tpa\terror\n");
	while (fgets(line, sizeof(line), stdin)) {
		char *end;
		uint64_t va;

		line[strcspn(line, "\r\n")] = '\0';
		va = strtoull(line, &end, 16);
		if (end == line || *end) {
			printf("%s\t\tbad address\n", line);
			status = 1;
			continue;
		}
		addrxlat_fulladdr_t fa = { va, ADDRXLAT_KVADDR };
		if (addrxlat_fulladdr_conv(&fa, ADDRXLAT_MACHPHYSADDR, axctx, axsys) == ADDRXLAT_OK) {
			printf("%s\t0x%" PRIx64 "\t\n", line, fa.addr);
		} else {
			printf("%s\t\t%s\n", line, addrxlat_ctx_get_err(axctx));
			status = 1;
		}
	}
	addrxlat_ctx_decref(axctx);
	addrxlat_sys_decref(axsys);
	kdump_free(k);
	close(fd);
	return status;
}
