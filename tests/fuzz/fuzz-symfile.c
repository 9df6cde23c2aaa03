/* libFuzzer harness: the symbol files a user hands vmscope (a hostile
 * vmlinux or System.map must not crash it): analyzer/symbols.c's System.map
 * parser, its vmlinux ELF reader (sections, .symtab, the GNU BUILD-ID note,
 * linux_banner) and the checks that the file belongs to the dump, and
 * analyzer/dwarf.c's section loader handed to libdwarf with type lookups.
 *
 * Input layout: byte 0 options (bit 0: the file is a vmlinux, else a
 * System.map; bit 1: force_mismatch; bit 2: no layout, a given KASLR
 * offset instead; bit 3: also open the file's DWARF and look types up),
 * then LE16 N, N bytes of VMCOREINFO text, and the rest is the file.  The
 * dump (vmcore.h) has one page of memory at PA 0 holding a linux_banner
 * ("Linux version 6.1.0-fuzz ..."), at kernel-text VA 0xffffffff80000000.
 * The file is handed over by path through a memfd (/proc/self/fd/N), as a
 * user's file would be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <vmscope/symbols.h>
#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile uint64_t sink;

static void lookups(const vms_symtab *st)
{
	static const char *const names[] = { "_stext", "_text", "linux_banner", "init_task", "" };
	uint64_t off;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct vms_symbol *s = vms_symbol_by_name(st, names[i]);
		if (s) {
			sink += s->addr + s->size;
			s = vms_symbol_by_addr(st, s->addr + 1, &off);
			sink += s ? off : 0;
		}
	}
	for (size_t i = 0; i < vms_symtab_count(st) && i < 64; i++)
		sink += strlen(vms_symtab_get(st, i)->name);
	sink += vms_symtab_kaslr_offset(st) + (uint64_t)vms_symtab_source(st);
}

static void types(const char *path)
{
	static const char *const names[] = {
		"struct list_head", "int", "unsigned long", "struct task_struct", "union u",
		"enum e", "pid_t", "x",
	};
	static const char *const paths[] = {
		"tasks.next", "a.c[3]", "comm[20]", "a.bg", "x", "uu.c[1]", "", ".", "[",
	};
	vms_types *t = NULL;
	struct vms_member m;
	uint64_t sz;

	fuzz_check(vms_types_open(path, &t));
	if (!t)
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const vms_type *ty = NULL;
		fuzz_check(vms_type_find(t, names[i], &ty));
		if (!ty)
			continue;
		sink += strlen(vms_type_name(ty)) + (uint64_t)vms_type_kind(ty);
		if (vms_type_size(ty, &sz))
			sink += sz;
		const vms_type *s = vms_type_strip(ty);
		if (!s)
			continue;	/* a typedef of void */
		sink += vms_type_is_signed(s) + vms_type_array_len(s);
		if (vms_type_target(s))
			sink += strlen(vms_type_name(vms_type_target(s)));
		for (size_t k = 0; k < vms_type_nmembers(s) && k < 32; k++) {
			const struct vms_member *mb = vms_type_member(s, k);
			sink += mb->offset + mb->bit_size + strlen(mb->name);
			if (mb->type)
				sink += strlen(vms_type_name(mb->type));
		}
		for (size_t k = 0; k < vms_type_nenumerators(s) && k < 32; k++) {
			const char *n;
			int64_t v;
			if (vms_type_enumerator(s, k, &n, &v))
				sink += strlen(n) + (uint64_t)v;
		}
		for (size_t k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			fuzz_check(vms_type_member_path(ty, paths[k], &m));
	}
	vms_types_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char banner[] = "Linux version 6.1.0-fuzz (fuzz@vmscope) #1 SMP\n";
	uint8_t mem[4096] = { 0 };
	struct fuzz_vmcore vc;
	struct vms_symtab_options o = VMS_SYMTAB_OPTIONS_INIT;
	const uint8_t *vmci, *file;
	size_t vlen, flen;
	vms_symtab *st = NULL;
	char path[64];
	int fd;

	if (size < 1)
		return 0;
	fuzz_vmcore_split(data + 1, size - 1, &vmci, &vlen, &file, &flen);
	memcpy(mem, banner, sizeof(banner));
	fd = memfd_create("fuzz-symfile", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	if (flen && write(fd, file, flen) != (ssize_t)flen)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	if (data[0] & 1)
		o.vmlinux = path;
	else
		o.system_map = path;
	o.force_mismatch = data[0] & 2;
	fuzz_vmcore_open(vmci, vlen, mem, sizeof(mem), &vc);
	if (data[0] & 4) {
		o.have_kaslr_offset = true;
		o.kaslr_offset = 0x1000000;
		fuzz_check(vms_symtab_open(NULL, &o, &st));
	} else if (vc.layout) {
		fuzz_check(vms_symtab_open(vc.layout, &o, &st));
	}
	if (st) {
		if (getenv("FUZZ_VERBOSE"))
			fprintf(stderr, "%zu symbols, offset 0x%llx\n", vms_symtab_count(st),
				(unsigned long long)vms_symtab_kaslr_offset(st));
		lookups(st);
		vms_symtab_free(st);
	}
	if (data[0] & 8)
		types(path);
	fuzz_vmcore_close(&vc);
	close(fd);
	return 0;
}
