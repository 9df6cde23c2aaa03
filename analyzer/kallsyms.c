/* The kernel's own symbol table (kallsyms), read from the dump's memory.
 *
 * Linux 6.0+ puts the addresses of the tables in VMCOREINFO.  The encoding
 * (scripts/kallsyms.c writes it, kernel/kallsyms.c reads it):
 *   kallsyms_num_syms	 u32, the number of symbols
 *   kallsyms_names	 per symbol: a length byte (if bit 7 is set, a second
 *			 byte holds length >> 7: "big" symbols, 6.1+), then that
 *			 many token numbers
 *   kallsyms_token_table 256 NUL-terminated strings; kallsyms_token_index
 *			 (u16[256]) gives each one's offset.  A name expands to
 *			 the concatenated tokens; its first character is the
 *			 nm type letter.
 *   kallsyms_offsets	 s32 per symbol, kallsyms_relative_base (u64):
 *			 address = base + (u32)offset; with
 *			 CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86_64 SMP), a
 *			 non-negative offset is the absolute value (per-cpu
 *			 symbols) and a negative one gives base - 1 - offset.
 * Which of the two address rules applies is not recorded, so both are tried
 * and the one that agrees with VMCOREINFO's SYMBOL() values is kept.
 * The tables hold run-time addresses: no relocation is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error-priv.h"
#include "layout-priv.h"
#include "symbols-priv.h"
#include "util.h"

/* A forward reader over kernel virtual memory with a window, so that the
 * names stream (a few MB) is read in large pieces, not byte by byte. */
struct vstream {
	vms_layout *layout;
	uint64_t base;		/* VA of buf[0] */
	size_t len;		/* valid bytes in buf */
	uint8_t buf[1 << 16];
};

static vms_error *vs_get(struct vstream *vs, uint64_t va, uint8_t *out)
{
	if (va < vs->base || va - vs->base >= vs->len) {
		vms_error *err;
		size_t n = sizeof(vs->buf);
		/* Do not read across the end of the address space. */
		if (va > UINT64_MAX - n + 1)
			n = (size_t)(UINT64_MAX - va + 1);
		err = vms_read_virt(vs->layout, va, vs->buf, n, 0);
		if (err) {
			/* The window may run into an unmapped page; retry a page. */
			vms_error_free(err);
			n = 4096 - (size_t)(va & 4095);
			if ((err = vms_read_virt(vs->layout, va, vs->buf, n, 0)))
				return err;
		}
		vs->base = va;
		vs->len = n;
	}
	*out = vs->buf[va - vs->base];
	return NULL;
}

static const char *const table_names[] = {
	"kallsyms_num_syms", "kallsyms_names", "kallsyms_token_table",
	"kallsyms_token_index", "kallsyms_offsets", "kallsyms_relative_base",
};
enum { T_NUM, T_NAMES, T_TOKTAB, T_TOKIDX, T_OFFSETS, T_BASE, T__COUNT };

static uint64_t ks_addr(int32_t off, uint64_t base, bool abs_percpu)
{
	if (!abs_percpu)
		return base + (uint32_t)off;
	if (off >= 0)
		return (uint64_t)(int64_t)off;
	return base - 1 - (uint64_t)(int64_t)off;
}

vms_error *vms_kallsyms_load(vms_layout *layout, struct vms_symtab *st)
{
	uint64_t va[T__COUNT], base, max_tok = 0;
	uint8_t tmp[8], *tokidx_raw = NULL, *toktab = NULL, *offs = NULL;
	uint16_t tokidx[256];
	size_t toklen = 0;
	uint32_t num;
	const bool be = false;	/* x86_64 and arm64 dumps are little-endian */
	struct vstream *vs = NULL;
	char name[VMS_SYM_NAME_MAX + 2];
	vms_error *err = NULL;
	int mode_ok[2] = { 0, 0 }, mode;
	bool abs_percpu;

	for (int i = 0; i < T__COUNT; i++) {
		char key[64];
		snprintf(key, sizeof(key), "SYMBOL(%s)", table_names[i]);
		if (!vms_layout_vmci_hex(layout, key, &va[i]))
			return vms_error_fmt(VMS_ERR_NOT_FOUND,
					     "no kallsyms in the dump: VMCOREINFO lacks %s (it is there from Linux 6.0 on); give --vmlinux or --system-map",
					     key);
	}

	if ((err = vms_read_virt(layout, va[T_NUM], tmp, 4, 0)))
		return vms_error_prefix(err, "kallsyms_num_syms");
	num = vms_get32(tmp, be);
	if (!num || num > VMS_SYM_MAX_COUNT)
		return vms_error_fmt(VMS_ERR_CORRUPT, "kallsyms_num_syms at 0x%llx is %u",
				     (unsigned long long)va[T_NUM], num);
	if ((err = vms_read_virt(layout, va[T_BASE], tmp, 8, 0)))
		return vms_error_prefix(err, "kallsyms_relative_base");
	base = vms_get64(tmp, be);

	/* Token table: its extent is given by the largest index. */
	tokidx_raw = malloc(512);
	if (!tokidx_raw)
		return VMS_ENOMEM;
	if ((err = vms_read_virt(layout, va[T_TOKIDX], tokidx_raw, 512, 0))) {
		err = vms_error_prefix(err, "kallsyms_token_index");
		goto out;
	}
	for (int i = 0; i < 256; i++) {
		tokidx[i] = vms_get16(tokidx_raw + 2 * i, be);
		max_tok = tokidx[i] > max_tok ? tokidx[i] : max_tok;
	}
	toklen = (size_t)max_tok + VMS_SYM_NAME_MAX + 1;
	toktab = malloc(toklen + 1);
	if (!toktab) {
		err = VMS_ENOMEM;
		goto out;
	}
	/* The table may end near a page that is not mapped: zero-fill past
	 * the last token, then insist that every token is terminated. */
	if ((err = vms_read_virt(layout, va[T_TOKTAB], toktab, toklen, VMS_READ_ZERO_FILL))) {
		err = vms_error_prefix(err, "kallsyms_token_table");
		goto out;
	}
	toktab[toklen] = '\0';
	for (int i = 0; i < 256; i++)
		if (!memchr(toktab + tokidx[i], '\0', toklen - tokidx[i])) {
			err = vms_error_fmt(VMS_ERR_CORRUPT,
					    "kallsyms token %d at 0x%llx is not terminated", i,
					    (unsigned long long)(va[T_TOKTAB] + tokidx[i]));
			goto out;
		}

	offs = malloc((size_t)num * 4);
	vs = malloc(sizeof(*vs));
	if (!offs || !vs) {
		err = VMS_ENOMEM;
		goto out;
	}
	if ((err = vms_read_virt(layout, va[T_OFFSETS], offs, (size_t)num * 4, 0))) {
		err = vms_error_prefix(err, "kallsyms_offsets");
		goto out;
	}

	/* Pick the address rule: x86_64 SMP kernels use absolute per-cpu
	 * (until it was removed); check against VMCOREINFO either way. */
	vs->layout = layout;
	vs->len = 0;
	uint64_t p = va[T_NAMES];
	for (uint32_t i = 0; i < num; i++) {
		uint8_t b;
		size_t len, nlen = 0;
		if ((err = vs_get(vs, p++, &b)))
			goto names_err;
		len = b;
		if (b & 0x80) {
			if ((err = vs_get(vs, p++, &b)))
				goto names_err;
			len = (len & 0x7f) | (size_t)b << 7;
		}
		for (size_t k = 0; k < len; k++) {
			const char *t;
			if ((err = vs_get(vs, p++, &b)))
				goto names_err;
			for (t = (const char *)toktab + tokidx[b]; *t && nlen < sizeof(name) - 1; t++)
				name[nlen++] = *t;
		}
		if (nlen < 2 || nlen > VMS_SYM_NAME_MAX) {
			err = vms_error_fmt(VMS_ERR_CORRUPT,
					    "kallsyms symbol %u (names at 0x%llx) expands to %zu bytes",
					    i, (unsigned long long)p, nlen);
			goto out;
		}
		name[nlen] = '\0';
		int32_t off = (int32_t)vms_get32(offs + 4 * (size_t)i, be);
		/* The address is stored for the rule chosen below; keep the raw
		 * offset for now in the size field. */
		if ((err = vms_symtab_add(st, name + 1, nlen - 1, 0, name[0], false, 0)))
			goto out;
		st->syms[st->n - 1].size = (uint64_t)(int64_t)off;
		for (mode = 0; mode < 2; mode++) {
			for (size_t c = 0; c < 8; c++) {
				char key[64];
				uint64_t v;
				static const char *const chk[] = {
					"_stext", "init_uts_ns", "swapper_pg_dir", "init_top_pgt",
					"node_online_map", "vmap_area_list", "prb", "clear_seq",
				};
				if (strcmp(chk[c], name + 1))
					continue;
				snprintf(key, sizeof(key), "SYMBOL(%s)", chk[c]);
				if (vms_layout_vmci_hex(layout, key, &v) &&
				    v == ks_addr(off, base, mode == 1))
					mode_ok[mode]++;
			}
		}
	}
	if (!mode_ok[0] && !mode_ok[1]) {
		err = vms_error_fmt(VMS_ERR_CORRUPT,
				    "kallsyms tables at 0x%llx disagree with VMCOREINFO: no SYMBOL() value matches a decoded address",
				    (unsigned long long)va[T_NAMES]);
		goto out;
	}
	abs_percpu = mode_ok[1] > mode_ok[0];
	for (size_t i = 0; i < st->n; i++) {
		st->syms[i].addr = ks_addr((int32_t)(int64_t)st->syms[i].size, base, abs_percpu);
		st->syms[i].size = 0;
	}
	goto out;
names_err:
	err = vms_error_prefix(err, "kallsyms_names");
out:
	free(tokidx_raw);
	free(toktab);
	free(offs);
	free(vs);
	return err;
}
