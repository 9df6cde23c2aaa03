/* vmscope read: physical memory as a hexdump or raw bytes.  A page the dump
 * does not hold is said to be missing, with the reason, never shown as zeros
 * unless --zero-excluded asks for that. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"

static const char read_help[] =
	"Usage: vmscope read [OPTIONS] DUMP... --phys ADDR [LEN]\n"
	"       vmscope read [OPTIONS] DUMP... --virt ADDR [LEN]\n"
	"Print LEN bytes (default 256; decimal, or hex with 0x) of physical memory at\n"
	"ADDR (hex, 0x optional) as a hexdump.  Pages the dump does not hold\n"
	"(excluded by filtering, lost, not in the dump) are reported as such.\n"
	"With --virt, ADDR is a kernel virtual address, translated through the\n"
	"kernel's page tables (see vmscope-layout(1)).\n\n"
	"Options:\n"
	"      --phys ADDR        the physical address to read\n"
	"      --virt ADDR        the kernel virtual address to read\n"
	"      --raw              write the bytes themselves to standard output\n"
	"      --zero-excluded    read missing pages as zeros instead of failing\n"
	CLI_COMMON_HELP
	"Exit status: 0 when every byte was read, 1 when some page was missing.\n";

#define MAX_READ_LEN (1ull << 32)

enum { OPT_PHYS = CLI_OPT_FIRST_COMMAND_SPECIFIC, OPT_RAW, OPT_ZERO };

static void hexdump_line(uint64_t addr, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%016" PRIx64 ": ", addr);
	for (i = 0; i < 16; i++) {
		if (i < n)
			printf("%02x ", p[i]);
		else
			printf("   ");
		if (i == 7)
			putchar(' ');
	}
	printf(" |");
	for (i = 0; i < n; i++)
		putchar(p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '.');
	printf("|\n");
}

static bool is_file(const char *s)
{
	struct stat st;

	return stat(s, &st) == 0;
}

int vms_cmd_read(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "phys", required_argument, NULL, OPT_PHYS },
		{ "raw", no_argument, NULL, OPT_RAW },
		{ "zero-excluded", no_argument, NULL, OPT_ZERO },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	bool raw = false, zero = false, have_addr = false, bad = false, missing = false;
	uint64_t addr = 0, len = 256, done = 0;
	uint32_t bs;
	int opt, nfiles;
	struct json j;
	vms_dump *d;
	vms_error *err;
	uint8_t *buf;

	/* Virtual reads go through the analyzer (cli/cmd-analyze.c); --help
	 * anywhere describes both forms. */
	for (opt = 1; opt < argc; opt++) {
		if (!strcmp(argv[opt], "--help")) {
			fputs(read_help, stdout);
			return CLI_EXIT_OK;
		}
	}
	for (opt = 1; opt < argc; opt++)
		if (!strcmp(argv[opt], "--virt") || !strncmp(argv[opt], "--virt=", 7))
			return vms_cmd_read_virt(argc, argv);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &c, &bad))
			continue;
		switch (opt) {
		case OPT_PHYS:
			if (!cli_parse_addr(optarg, &addr))
				return cli_usage("read", "bad address '%s'", optarg);
			have_addr = true;
			break;
		case OPT_RAW: raw = true; break;
		case OPT_ZERO: zero = true; break;
		default: return cli_usage("read", "bad option");
		}
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (c.help) {
		fputs(read_help, stdout);
		return CLI_EXIT_OK;
	}
	if (!have_addr)
		return cli_usage("read", "--phys ADDR is required");
	nfiles = argc - optind;
	/* A trailing argument that is a number and not a file is LEN. */
	if (nfiles >= 2 && !is_file(argv[argc - 1])) {
		if (!cli_parse_size(argv[argc - 1], &len))
			return cli_usage("read", "bad length '%s'", argv[argc - 1]);
		nfiles--;
	}
	if (nfiles < 1)
		return cli_usage("read", "no dump file given");
	if (len == 0 || len > MAX_READ_LEN)
		return cli_usage("read", "length must be between 1 and 4 GiB");
	if (addr + len < addr)
		return cli_usage("read", "address range wraps around");
	err = cli_open(argv + optind, (size_t)nfiles, &c, &d);
	if (err)
		return cli_fail(err);
	bs = vms_dump_block_size(d);
	buf = malloc(bs);
	if (!buf) {
		vms_dump_close(d);
		cli_error("out of memory");
		return CLI_EXIT_FAIL;
	}
	if (c.json) {
		json_init(&j, stdout);
		json_object_begin(&j);
		json_kv_hex(&j, "address", addr);
		json_kv_uint(&j, "length", len);
		json_key(&j, "chunks");
		json_array_begin(&j);
	}
	/* Block by block, so each missing page is named once with its status. */
	while (done < len) {
		uint64_t pa = addr + done;
		size_t n = bs - (size_t)(pa & (bs - 1)), i;
		enum vms_page_status st;

		if (n > len - done)
			n = (size_t)(len - done);
		err = vms_dump_page_status(d, pa, &st);
		if (!err && (st == VMS_PAGE_PRESENT || st == VMS_PAGE_ZERO || zero))
			err = vms_dump_read_phys(d, pa, buf, n, zero ? VMS_READ_ZERO_FILL : 0);
		if (err) {
			free(buf);
			vms_dump_close(d);
			return cli_fail(err);
		}
		if (st != VMS_PAGE_PRESENT && st != VMS_PAGE_ZERO && !zero) {
			missing = true;
			if (c.json) {
				json_object_begin(&j);
				json_kv_hex(&j, "start", pa);
				json_kv_hex(&j, "end", pa + n);
				json_kv_string(&j, "status", vms_page_status_name(st));
				json_object_end(&j);
			} else if (raw) {
				cli_error("%s: physical address 0x%" PRIx64 ": page %s; stopping (--zero-excluded reads it as zeros)",
					  argv[optind], pa, vms_page_status_name(st));
				break;
			} else {
				printf("%016" PRIx64 "-%016" PRIx64 ": <page %s>\n", pa, pa + n - 1,
				       vms_page_status_name(st));
			}
		} else if (c.json) {
			json_object_begin(&j);
			json_kv_hex(&j, "start", pa);
			json_kv_hex(&j, "end", pa + n);
			json_kv_string(&j, "status", vms_page_status_name(st));
			json_key(&j, "data");
			{
				/* hex string, two digits per byte */
				char *hex = malloc(n * 2 + 1);

				if (!hex) {
					free(buf);
					vms_dump_close(d);
					cli_error("out of memory");
					return CLI_EXIT_FAIL;
				}
				for (i = 0; i < n; i++)
					sprintf(hex + 2 * i, "%02x", buf[i]);
				json_string_len(&j, hex, n * 2);
				free(hex);
			}
			json_object_end(&j);
		} else if (raw) {
			if (fwrite(buf, 1, n, stdout) != n) {
				free(buf);
				vms_dump_close(d);
				cli_error("writing standard output failed");
				return CLI_EXIT_FAIL;
			}
		} else {
			for (i = 0; i < n;) {
				/* keep lines 16-byte aligned in the address space */
				size_t k = 16 - (size_t)((pa + i) & 15);

				if (k > n - i)
					k = n - i;
				hexdump_line(pa + i, buf + i, k);
				i += k;
			}
		}
		done += n;
	}
	if (c.json) {
		json_array_end(&j);
		json_kv_bool(&j, "complete", !missing);
		json_object_end(&j);
		json_finish(&j);
	}
	free(buf);
	vms_dump_close(d);
	return missing ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
