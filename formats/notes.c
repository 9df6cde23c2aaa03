/* ELF notes as vmcores carry them: VMCOREINFO, one NT_PRSTATUS per CPU and,
 * in QEMU's x86_64 dumps, one "QEMU" CPU-state note per vCPU.
 *
 * Kernel and QEMU notes are 4-byte aligned even in ELF64 files (the kernel's
 * crash notes and QEMU's writers both round to 4), so that is the alignment
 * used here whatever the file's class.
 */
#include <stdlib.h>
#include <string.h>

#include "dump-priv.h"
#include "error-priv.h"
#include "util.h"

#define NOTE_HDR_SIZE 12
/* The kernel's buffer is one page; 1 MiB leaves room and stops absurd sizes. */
#define VMCOREINFO_MAX (1u << 20)
/* More CPUs than any machine vmscope targets; bounds the cpus array. */
#define CPUS_MAX 8192

#define NT_PRSTATUS 1

/* struct elf_prstatus on LP64 kernels: pr_pid and pr_reg offsets. */
#define PRSTATUS_PID 32
#define PRSTATUS_REG 112
#define X86_64_NREGS 27
#define ARM64_NREGS 34	/* x0..x30, sp, pc, pstate */
#define PRSTATUS_X86_64_SIZE 336
#define PRSTATUS_ARM64_SIZE 392

/* QEMU's QEMUCPUState (target/i386/arch_dump.c): version, size, 16 GPRs,
 * rip, rflags, then 10 segment records {selector, limit, flags, pad, base}
 * of 24 bytes (cs ds es fs gs ss ldt tr gdt idt), then cr[0..4]. */
#define QEMU_SEGS 152
#define QEMU_SEG_SIZE 24
#define QEMU_SEG_BASE 16
#define QEMU_GDT 8
#define QEMU_IDT 9
#define QEMU_CR 392
#define QEMU_STATE_MIN 432	/* the original layout ends after cr[4] */

static uint64_t pad4(uint64_t x)
{
	return (x + 3) & ~(uint64_t)3;
}

vms_error *vms_notes_set_vmcoreinfo(vms_dump *d, const void *text, size_t len)
{
	char *copy;

	/* Producers pad the note with NULs; the text ends at the first one. */
	len = strnlen(text, len);
	if (len > VMCOREINFO_MAX)
		return vms_error_fmt(VMS_ERR_CORRUPT, "VMCOREINFO is %zu bytes, more than the %u allowed",
				     len, VMCOREINFO_MAX);
	copy = malloc(len + 1);
	if (!copy)
		return VMS_ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	free(d->vmcoreinfo);
	d->vmcoreinfo = copy;
	d->vmcoreinfo_len = len;
	return NULL;
}

/* Returns CPU entry i, appending zeroed entries up to it as needed. */
static vms_error *cpu_at(vms_dump *d, const struct vms_file *f, uint64_t off,
			 size_t i, struct vms_cpu_state **out)
{
	struct vms_cpu_state *cpus;

	*out = NULL;
	if (i >= CPUS_MAX)
		return vms_error_at(VMS_ERR_UNSUPPORTED, f->path, off,
				    "more than %u CPU notes", CPUS_MAX);
	if (i >= d->ncpus) {
		cpus = realloc(d->cpus, (i + 1) * sizeof(*cpus));
		if (!cpus)
			return VMS_ENOMEM;
		memset(cpus + d->ncpus, 0, (i + 1 - d->ncpus) * sizeof(*cpus));
		d->cpus = cpus;
		d->ncpus = i + 1;
	}
	*out = &d->cpus[i];
	return NULL;
}

static vms_error *parse_prstatus(vms_dump *d, const struct vms_file *f, uint64_t off,
				 const uint8_t *desc, uint32_t descsz, size_t *nprstatus)
{
	struct vms_cpu_state *cpu;
	unsigned int nregs, i;
	vms_error *err;

	/* A kdump header may not name the machine (QEMU writes "Unknown" for
	 * arm64); struct elf_prstatus has a different size on each arch. */
	if (d->arch == VMS_ARCH_UNKNOWN)
		d->arch = descsz == PRSTATUS_X86_64_SIZE ? VMS_ARCH_X86_64
			: descsz == PRSTATUS_ARM64_SIZE ? VMS_ARCH_ARM64 : VMS_ARCH_UNKNOWN;
	switch (d->arch) {
	case VMS_ARCH_X86_64: nregs = X86_64_NREGS; break;
	case VMS_ARCH_ARM64: nregs = ARM64_NREGS; break;
	default: nregs = 0; break;	/* no register layout to apply */
	}
	/* A note too short for the arch's registers (QEMU writes i386 notes
	 * for a guest not yet in long mode) still marks a CPU: keep what fits
	 * rather than refuse the whole dump. */
	if (descsz < PRSTATUS_REG + nregs * 8u)
		nregs = 0;
	/* A PRSTATUS always starts a new CPU; a QEMU note seen earlier may
	 * already have created its entry. */
	err = cpu_at(d, f, off, *nprstatus, &cpu);
	if (err)
		return err;
	(*nprstatus)++;
	cpu->has_prstatus = true;
	if (descsz >= PRSTATUS_PID + 4)
		cpu->pid = vms_get32(desc + PRSTATUS_PID, d->big_endian);
	cpu->nregs = nregs;
	for (i = 0; i < nregs; i++)
		cpu->regs[i] = vms_get64(desc + PRSTATUS_REG + 8 * i, d->big_endian);
	return NULL;
}

static vms_error *parse_qemu(vms_dump *d, const struct vms_file *f, uint64_t off,
			     const uint8_t *desc, uint32_t descsz, size_t *nqemu)
{
	struct vms_cpu_state *cpu;
	uint32_t size;
	vms_error *err;
	int i;

	/* `size` says how much of the record QEMU filled; newer versions may
	 * append fields, never shrink the original layout. */
	size = descsz >= 8 ? vms_get32(desc + 4, d->big_endian) : 0;
	if (descsz < QEMU_STATE_MIN || size < QEMU_STATE_MIN)
		return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
				    "QEMU CPU-state note is %u bytes (size field %u), need %u",
				    descsz, size, QEMU_STATE_MIN);
	/* QEMU writes one PRSTATUS and one QEMU note per vCPU: pair them by rank. */
	err = cpu_at(d, f, off, *nqemu, &cpu);
	if (err)
		return err;
	(*nqemu)++;
	cpu->has_qemu = true;
	for (i = 0; i < 5; i++)
		cpu->cr[i] = vms_get64(desc + QEMU_CR + 8 * i, d->big_endian);
	cpu->gdt_base = vms_get64(desc + QEMU_SEGS + QEMU_GDT * QEMU_SEG_SIZE + QEMU_SEG_BASE,
				  d->big_endian);
	cpu->idt_base = vms_get64(desc + QEMU_SEGS + QEMU_IDT * QEMU_SEG_SIZE + QEMU_SEG_BASE,
				  d->big_endian);
	return NULL;
}

/* True when the note's name (namesz bytes, normally NUL-terminated) is `want`. */
static bool name_is(const uint8_t *name, uint32_t namesz, const char *want)
{
	size_t n = strnlen((const char *)name, namesz);

	return n == strlen(want) && !memcmp(name, want, n);
}

vms_error *vms_notes_parse(vms_dump *d, const struct vms_file *f, const uint8_t *buf,
			   size_t len, uint64_t base_off)
{
	size_t pos = 0, nprstatus = 0, nqemu = 0;
	vms_error *err;

	/* Keep pairing QEMU notes with PRSTATUS notes across several PT_NOTEs:
	 * count the CPUs that already have each kind. */
	for (size_t i = 0; i < d->ncpus; i++) {
		if (d->cpus[i].has_prstatus)
			nprstatus = i + 1;
		if (d->cpus[i].has_qemu)
			nqemu = i + 1;
	}

	while (pos < len) {
		uint64_t off = base_off + pos, name_off, desc_off, desc_end;
		uint32_t namesz, descsz, type;
		const uint8_t *name, *desc;

		if (len - pos < NOTE_HDR_SIZE) {
			size_t left = len - pos;

			/* Zero padding after the last note is harmless. */
			while (pos < len && buf[pos] == 0)
				pos++;
			if (pos == len)
				break;
			return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
					    "truncated note header (%zu bytes left)", left);
		}
		namesz = vms_get32(buf + pos, d->big_endian);
		descsz = vms_get32(buf + pos + 4, d->big_endian);
		type = vms_get32(buf + pos + 8, d->big_endian);
		/* An empty header ends a kernel crash-notes buffer (the kernel's
		 * own /proc/vmcore code stops there too); what follows is unused. */
		if (namesz == 0 && descsz == 0 && type == 0)
			break;
		name_off = pos + NOTE_HDR_SIZE;
		desc_off = name_off + pad4(namesz);
		desc_end = desc_off + descsz;	/* all < 2^35: no overflow */
		if (desc_end > len)
			return vms_error_at(VMS_ERR_CORRUPT, f->path, off,
					    "truncated note (name %u bytes, descriptor %u bytes, %zu bytes left)",
					    namesz, descsz, len - pos);
		name = buf + name_off;
		desc = buf + desc_off;

		err = NULL;
		if (name_is(name, namesz, "VMCOREINFO") && type == 0) {
			/* The first one wins; a dump has only one. */
			if (!d->opts.ignore_vmcoreinfo && !d->vmcoreinfo)
				err = vms_notes_set_vmcoreinfo(d, desc, descsz);
			if (err)
				return vms_error_prefix(err, "%s: offset 0x%llx", f->path,
							(unsigned long long)off);
		} else if (name_is(name, namesz, "CORE") && type == NT_PRSTATUS) {
			err = parse_prstatus(d, f, off, desc, descsz, &nprstatus);
		} else if (name_is(name, namesz, "QEMU") && type == 0 &&
			   d->arch == VMS_ARCH_X86_64) {
			/* Only QEMU's x86 targets write this note. */
			err = parse_qemu(d, f, off, desc, descsz, &nqemu);
		}
		if (err)
			return err;
		/* The last note's descriptor padding may be missing. */
		pos = pad4(desc_end) < len ? (size_t)pad4(desc_end) : len;
	}
	return NULL;
}
