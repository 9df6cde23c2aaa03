/* vmscope info: what a dump is and what it holds, without interpreting it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static const char info_help[] =
	"Usage: vmscope info [OPTIONS] DUMP...\n"
	"Describe a dump: format and version, architecture, page size, compression,\n"
	"dump level, the incomplete flag, physical memory ranges, page counts\n"
	"(present / zero / excluded / lost), CPUs and VMCOREINFO keys.\n"
	"Several files are opened together as one split dump.\n\n"
	"Options:\n"
	"      --vmcoreinfo       print the VMCOREINFO text as stored, nothing else\n"
	CLI_COMMON_HELP;

static const char *const compress_names[] = { "zlib", "lzo", "snappy", "zstd" };

static void print_size(uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	double v = (double)bytes;
	int u = -1;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		printf("%" PRIu64 " B", bytes);
	else
		printf("%.1f %ciB", v, units[u]);
}

static void info_text(vms_dump *d, char **paths, size_t n, const struct vms_page_counts *pc)
{
	const struct vms_range *r = vms_dump_ranges(d);
	size_t i, nkeys = 0, len;
	const char *vmci = vms_dump_vmcoreinfo(d, &len);
	unsigned comp = vms_dump_compression(d);
	uint64_t hpb, total = 0;

	for (i = 0; i < n; i++)
		printf("%-13s%s\n", i ? "" : "file:", paths[i]);
	printf("%-13s%s (version %d)\n", "format:", vms_format_name(vms_dump_format(d)),
	       vms_dump_format_version(d));
	printf("%-13s%s, %s-endian\n", "arch:", vms_arch_name(vms_dump_arch(d)),
	       vms_dump_big_endian(d) ? "big" : "little");
	printf("%-13s%u", "page size:", vms_dump_page_size(d));
	if (vms_dump_block_size(d) != vms_dump_page_size(d))
		printf(" (stored in %u-byte blocks)", vms_dump_block_size(d));
	printf("\n%-13s", "compression:");
	if (!comp)
		printf("none");
	for (i = 0; i < 4; i++)
		if (comp & (1u << i))
			printf("%s%s", compress_names[i], (comp >> (i + 1)) ? ", " : "");
	printf("\n%-13s", "dump level:");
	if (vms_dump_level(d) < 0)
		printf("not recorded\n");
	else
		printf("%d\n", vms_dump_level(d));
	printf("%-13s%s\n", "incomplete:", vms_dump_incomplete(d) ? "YES (the dump was cut short)" : "no");
	if (vms_dump_header_phys_base(d, &hpb))
		printf("%-13s0x%" PRIx64 " (as the header records it)\n", "phys_base:", hpb);
	for (i = 0; i < vms_dump_nranges(d); i++)
		total += r[i].end - r[i].start;
	printf("%-13s%zu, ", "ranges:", vms_dump_nranges(d));
	print_size(total);
	printf(" in all\n");
	for (i = 0; i < vms_dump_nranges(d); i++) {
		printf("  0x%016" PRIx64 "-0x%016" PRIx64 "  ", r[i].start, r[i].end - 1);
		print_size(r[i].end - r[i].start);
		printf("\n");
	}
	printf("%-13spresent %" PRIu64 ", zero %" PRIu64 ", excluded %" PRIu64 ", lost %" PRIu64
	       " (%u-byte blocks)\n", "pages:", pc->present, pc->zero, pc->excluded, pc->lost,
	       vms_dump_block_size(d));
	printf("%-13s%zu\n", "cpus:", vms_dump_ncpus(d));
	for (i = 0; i < vms_dump_ncpus(d); i++) {
		const struct vms_cpu_state *c = vms_dump_cpu(d, i);

		printf("  cpu %zu:", i);
		if (c->has_prstatus) {
			printf(" pid %" PRIu32, c->pid);
			if (vms_dump_arch(d) == VMS_ARCH_X86_64 && c->nregs >= 20)
				printf(" rip 0x%" PRIx64 " rsp 0x%" PRIx64, c->regs[16], c->regs[19]);
			else if (vms_dump_arch(d) == VMS_ARCH_ARM64 && c->nregs >= 33)
				printf(" pc 0x%" PRIx64 " sp 0x%" PRIx64, c->regs[32], c->regs[31]);
		}
		if (c->has_qemu)
			printf(" cr3 0x%" PRIx64 " cr4 0x%" PRIx64, c->cr[3], c->cr[4]);
		printf("\n");
	}
	if (!vmci) {
		printf("%-13snone\n", "vmcoreinfo:");
		return;
	}
	for (i = 0; i < len; i++)
		nkeys += vmci[i] == '\n';
	printf("%-13s%zu lines", "vmcoreinfo:", nkeys);
	if (vms_dump_vmcoreinfo_get(d, "OSRELEASE"))
		printf(", OSRELEASE=%s", vms_dump_vmcoreinfo_get(d, "OSRELEASE"));
	printf(" (--vmcoreinfo prints it)\n");
}

static void info_json(vms_dump *d, char **paths, size_t n, const struct vms_page_counts *pc)
{
	const struct vms_range *r = vms_dump_ranges(d);
	unsigned comp = vms_dump_compression(d);
	const char *vmci, *p;
	struct json j;
	size_t i, len;
	uint64_t hpb;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "files");
	json_array_begin(&j);
	for (i = 0; i < n; i++)
		json_string(&j, paths[i]);
	json_array_end(&j);
	json_kv_string(&j, "format", vms_format_name(vms_dump_format(d)));
	json_kv_int(&j, "format_version", vms_dump_format_version(d));
	json_kv_string(&j, "arch", vms_arch_name(vms_dump_arch(d)));
	json_kv_string(&j, "byte_order", vms_dump_big_endian(d) ? "big" : "little");
	json_kv_uint(&j, "page_size", vms_dump_page_size(d));
	json_kv_uint(&j, "block_size", vms_dump_block_size(d));
	json_key(&j, "compression");
	json_array_begin(&j);
	for (i = 0; i < 4; i++)
		if (comp & (1u << i))
			json_string(&j, compress_names[i]);
	json_array_end(&j);
	json_key(&j, "dump_level");
	if (vms_dump_level(d) < 0)
		json_null(&j);
	else
		json_int(&j, vms_dump_level(d));
	json_kv_bool(&j, "incomplete", vms_dump_incomplete(d));
	json_key(&j, "header_phys_base");
	if (vms_dump_header_phys_base(d, &hpb))
		json_hex(&j, hpb);
	else
		json_null(&j);
	/* end is exclusive, like every range vmscope prints in JSON */
	json_key(&j, "ranges");
	json_array_begin(&j);
	for (i = 0; i < vms_dump_nranges(d); i++) {
		json_object_begin(&j);
		json_kv_hex(&j, "start", r[i].start);
		json_kv_hex(&j, "end", r[i].end);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "pages");
	json_object_begin(&j);
	json_kv_uint(&j, "present", pc->present);
	json_kv_uint(&j, "excluded", pc->excluded);
	json_kv_uint(&j, "zero", pc->zero);
	json_kv_uint(&j, "lost", pc->lost);
	json_object_end(&j);
	json_kv_uint(&j, "cpus", vms_dump_ncpus(d));
	json_key(&j, "cpu_states");
	json_array_begin(&j);
	for (i = 0; i < vms_dump_ncpus(d); i++) {
		const struct vms_cpu_state *c = vms_dump_cpu(d, i);

		json_object_begin(&j);
		if (c->has_prstatus) {
			json_kv_uint(&j, "pid", c->pid);
			if (vms_dump_arch(d) == VMS_ARCH_X86_64 && c->nregs >= 20) {
				json_kv_hex(&j, "pc", c->regs[16]);
				json_kv_hex(&j, "sp", c->regs[19]);
			} else if (vms_dump_arch(d) == VMS_ARCH_ARM64 && c->nregs >= 33) {
				json_kv_hex(&j, "pc", c->regs[32]);
				json_kv_hex(&j, "sp", c->regs[31]);
			}
		}
		if (c->has_qemu) {
			json_kv_hex(&j, "cr0", c->cr[0]);
			json_kv_hex(&j, "cr3", c->cr[3]);
			json_kv_hex(&j, "cr4", c->cr[4]);
			json_kv_hex(&j, "idt_base", c->idt_base);
		}
		json_object_end(&j);
	}
	json_array_end(&j);
	json_key(&j, "vmcoreinfo_keys");
	vmci = vms_dump_vmcoreinfo(d, &len);
	if (!vmci) {
		json_null(&j);
	} else {
		json_array_begin(&j);
		for (p = vmci; *p;) {
			const char *eol = strchr(p, '\n'), *eq = strchr(p, '=');

			if (!eol)
				eol = p + strlen(p);
			if (eq && eq < eol)
				json_string_len(&j, p, (size_t)(eq - p));
			p = *eol ? eol + 1 : eol;
		}
		json_array_end(&j);
	}
	json_object_end(&j);
	json_finish(&j);
}

int vms_cmd_info(int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_COMMON_LONG_OPTIONS,
		{ "vmcoreinfo", no_argument, NULL, CLI_OPT_FIRST_COMMAND_SPECIFIC },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_common c = { 0 };
	struct vms_page_counts pc;
	bool raw_vmcoreinfo = false, bad = false;
	vms_dump *d;
	vms_error *err;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (cli_common_option(opt, optarg, &c, &bad))
			continue;
		if (opt == CLI_OPT_FIRST_COMMAND_SPECIFIC)
			raw_vmcoreinfo = true;
		else
			return cli_usage("info", "bad option");
	}
	if (bad)
		return CLI_EXIT_USAGE;
	if (c.help) {
		fputs(info_help, stdout);
		return CLI_EXIT_OK;
	}
	if (optind >= argc)
		return cli_usage("info", "no dump file given");
	err = cli_open(argv + optind, (size_t)(argc - optind), &c, &d);
	if (err)
		return cli_fail(err);
	if (raw_vmcoreinfo) {
		size_t len;
		const char *v = vms_dump_vmcoreinfo(d, &len);

		if (!v) {
			vms_dump_close(d);
			cli_error("%s: the dump has no VMCOREINFO", argv[optind]);
			return CLI_EXIT_FAIL;
		}
		if (c.json) {
			struct json j;

			json_init(&j, stdout);
			json_object_begin(&j);
			json_key(&j, "vmcoreinfo");
			json_string_len(&j, v, len);
			json_object_end(&j);
			json_finish(&j);
		} else {
			fwrite(v, 1, len, stdout);
		}
		vms_dump_close(d);
		return CLI_EXIT_OK;
	}
	err = vms_dump_page_counts(d, &pc);
	if (err) {
		vms_dump_close(d);
		return cli_fail(err);
	}
	if (c.json)
		info_json(d, argv + optind, (size_t)(argc - optind), &pc);
	else
		info_text(d, argv + optind, (size_t)(argc - optind), &pc);
	vms_dump_close(d);
	return CLI_EXIT_OK;
}
