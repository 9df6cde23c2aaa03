/* The in-memory vmcore of the analyzer and plugin harnesses (vmcore.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump-priv.h"
#include "file.h"
#include "vmcore.h"

static volatile size_t sink;

void fuzz_check(vms_error *err)
{
	if (!err)
		return;
	const char *msg = vms_error_message(err);
	/* One line, naming the problem: never empty, never a newline. */
	if (!msg || !*msg || strchr(msg, '\n'))
		abort();
	sink += strlen(msg);
	if (getenv("FUZZ_VERBOSE"))	/* to see how far a seed gets */
		fprintf(stderr, "error: %s\n", msg);
	vms_error_free(err);
}

static void le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void le32(uint8_t *p, uint32_t v) { le16(p, (uint16_t)v); le16(p + 2, (uint16_t)(v >> 16)); }
static void le64(uint8_t *p, uint64_t v) { le32(p, (uint32_t)v); le32(p + 4, (uint32_t)(v >> 32)); }

static void phdr(uint8_t *p, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t paddr,
		 uint64_t size)
{
	le32(p, type);
	le32(p + 4, 7);
	le64(p + 8, off);
	le64(p + 16, vaddr);
	le64(p + 24, paddr);
	le64(p + 32, size);
	le64(p + 40, size);
	le64(p + 48, type == 1 ? 4096 : 4);
}

void fuzz_vmcore_split(const uint8_t *data, size_t size, const uint8_t **vmci, size_t *vlen,
		       const uint8_t **mem, size_t *mlen)
{
	size_t n = size >= 2 ? (size_t)(data[0] | data[1] << 8) : 0;

	data += size >= 2 ? 2 : size;
	size -= size >= 2 ? 2 : size;
	if (n > size)
		n = size;
	*vmci = data;
	*vlen = n;
	*mem = data + n;
	*mlen = size - n;
}

void fuzz_vmcore_open(const uint8_t *vmcoreinfo, size_t vlen, const uint8_t *mem, size_t mlen,
		      struct fuzz_vmcore *out)
{
	static const char base[] = FUZZ_VMCORE_BASE_VMCOREINFO;
	static const uint64_t region[4] = {	/* PML4 index, VA */
		273, 402, 468, 511,
	};
	struct vms_open_options o = VMS_OPEN_OPTIONS_INIT;
	struct vms_file **files;
	size_t desc, note, memsz, pgt, off_note, off_mem, off_pgt, total;
	uint8_t *p;

	memset(out, 0, sizeof(*out));
	if (mlen > FUZZ_VMCORE_MAX_MEM)
		mlen = FUZZ_VMCORE_MAX_MEM;
	memsz = (mlen + 4095) & ~(size_t)4095;
	if (!memsz)
		memsz = 4096;
	desc = sizeof(base) - 1 + vlen + 1;		/* NUL-terminated */
	note = 12 + 12 + ((desc + 3) & ~(size_t)3);	/* "VMCOREINFO\0" padded to 12 */
	pgt = 5 * 4096;
	off_note = 64 + 3 * 56;
	off_mem = (off_note + note + 4095) & ~(size_t)4095;
	off_pgt = off_mem + memsz;
	total = off_pgt + pgt;
	p = out->image = calloc(1, total);
	if (!p)
		return;

	/* ELF header: ELF64, little-endian, ET_CORE, EM_X86_64. */
	memcpy(p, "\177ELF\2\1\1", 7);
	le16(p + 16, 4);
	le16(p + 18, 62);
	le32(p + 20, 1);
	le64(p + 32, 64);
	le16(p + 52, 64);
	le16(p + 54, 56);
	le16(p + 56, 3);
	phdr(p + 64, 4, off_note, 0, 0, note);
	phdr(p + 64 + 56, 1, off_mem, UINT64_C(0xffff888000000000), 0, memsz);
	phdr(p + 64 + 112, 1, off_pgt, UINT64_C(0xffff888000000000) + FUZZ_VMCORE_PGT,
	     FUZZ_VMCORE_PGT, pgt);

	/* The VMCOREINFO note. */
	le32(p + off_note, 11);
	le32(p + off_note + 4, (uint32_t)desc);
	le32(p + off_note + 8, 0);
	memcpy(p + off_note + 12, "VMCOREINFO", 11);
	memcpy(p + off_note + 24, base, sizeof(base) - 1);
	if (vlen)	/* vmcoreinfo may be NULL then */
		memcpy(p + off_note + 24 + sizeof(base) - 1, vmcoreinfo, vlen);

	memcpy(p + off_mem, mem, mlen);

	/* PML4 at FUZZ_VMCORE_PGT, one PDPT per region after it, each with a
	 * 1 GiB page onto PA 0 (P RW A PS). */
	for (unsigned i = 0; i < 4; i++) {
		uint64_t pdpt = FUZZ_VMCORE_PGT + 4096 * (i + 1);
		unsigned slot = region[i] == 511 ? 510 : 0;	/* 0xffffffff80000000 */
		le64(p + off_pgt + 8 * region[i], pdpt | 0x23);
		le64(p + off_pgt + 4096 * (i + 1) + 8 * slot, 0xa3);
	}

	/* The dump takes the array and the file, even when opening fails. */
	if (!(files = calloc(1, sizeof(*files))))
		return;
	fuzz_check(vms_file_open_mem("fuzz.vmcore", p, total, &files[0]));
	if (!files[0]) {
		free(files);
		return;	/* only fails for lack of memory */
	}
	o.reader = VMS_READER_NATIVE;
	o.cache_bytes = 64 * 1024;
	fuzz_check(vms_dump_open_files(files, 1, &o, &out->dump));
	if (out->dump)
		fuzz_check(vms_layout_detect(out->dump, NULL, &out->layout));
}

void fuzz_vmcore_close(struct fuzz_vmcore *vc)
{
	vms_layout_free(vc->layout);
	if (vc->dump)
		vms_dump_close(vc->dump);
	free(vc->image);
	memset(vc, 0, sizeof(*vc));
}
