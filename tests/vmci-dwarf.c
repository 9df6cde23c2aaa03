/* vmci-dwarf DUMP VMLINUX [KASLR-OFFSET]: for every key of DUMP's VMCOREINFO, the value the
 * plugin host derives from VMLINUX when it cannot see that VMCOREINFO (the
 * dump opened again ignoring it, symbols relocated by the KASLR offset the
 * page tables give, or KASLR-OFFSET (hex) where the analyzer cannot find
 * it without VMCOREINFO: arm64).  One line per key:
 *   KEY <tab> VMCOREINFO's value <tab> derived value or "-" <tab> how, or why not
 * tests/vmci-dwarf.sh compares the two columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vmscope/plugin.h>
#include <vmscope/symbols.h>

static int fail(const char *what, vms_error *err)
{
	fprintf(stderr, "vmci-dwarf: %s: %s\n", what, vms_error_message(err));
	vms_error_free(err);
	return 1;
}

int main(int argc, char **argv)
{
	struct vms_open_options oo = VMS_OPEN_OPTIONS_INIT;
	struct vms_symtab_options so = VMS_SYMTAB_OPTIONS_INIT;
	vms_dump *truth = NULL, *blind = NULL;
	vms_layout *layout = NULL;
	vms_symtab *st = NULL;
	vms_out *out = NULL;
	vms_plugin_ctx *ctx = NULL;
	const char *text;
	size_t len;
	vms_error *err;
	int rc = 1;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: vmci-dwarf DUMP VMLINUX [KASLR-OFFSET]\n");
		return 2;
	}
	if ((err = vms_dump_open((const char *const *)&argv[1], 1, NULL, &truth)))
		return fail(argv[1], err);
	if (!(text = vms_dump_vmcoreinfo(truth, &len)) || !len) {
		fprintf(stderr, "vmci-dwarf: %s has no VMCOREINFO to compare with\n", argv[1]);
		goto out;
	}
	oo.ignore_vmcoreinfo = true;
	so.vmlinux = argv[2];
	if (argc == 4) {
		so.have_kaslr_offset = true;
		so.kaslr_offset = strtoull(argv[3], NULL, 16);
	}
	if ((err = vms_dump_open((const char *const *)&argv[1], 1, &oo, &blind)) ||
	    (err = vms_layout_detect(blind, NULL, &layout)) ||
	    (err = vms_symtab_open(layout, &so, &st)) ||
	    (err = vms_out_new(stdout, false, &out)) ||
	    (err = vms_plugin_ctx_new(blind, layout, st, NULL, out, &ctx))) {
		rc = fail(argv[1], err);
		goto out;
	}
	for (const char *p = text; p < text + len && *p;) {
		const char *nl = memchr(p, '\n', (size_t)(text + len - p));
		const char *eq = memchr(p, '=', nl ? (size_t)(nl - p) : strlen(p));
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char key[256], want[256];

		if (eq && (size_t)(eq - p) < sizeof(key) && n - (size_t)(eq - p) - 1 < sizeof(want)) {
			const char *got;
			memcpy(key, p, (size_t)(eq - p));
			key[eq - p] = '\0';
			memcpy(want, eq + 1, n - (size_t)(eq - p) - 1);
			want[n - (size_t)(eq - p) - 1] = '\0';
			got = vms_ctx_vmcoreinfo_str(ctx, key);
			if (got) {
				const char *k, *v, *how = "?";
				for (size_t i = 0; vms_ctx_derived(ctx, i, &k, &v, &how); i++)
					if (!strcmp(k, key))
						break;
				printf("%s\t%s\t%s\t%s\n", key, want, got, how);
			} else {
				/* Ask again through the error-returning call for the reason. */
				char kind[32], name[200];
				int64_t v;
				const char *open = strchr(key, '(');
				const char *why = "not derivable (not a KIND(NAME) key)";
				vms_error *e = NULL;
				if (open && (size_t)(open - key) < sizeof(kind) &&
				    strlen(open + 1) < sizeof(name) && strlen(open + 1) > 1) {
					memcpy(kind, key, (size_t)(open - key));
					kind[open - key] = '\0';
					snprintf(name, sizeof(name), "%.*s", (int)strlen(open + 1) - 1, open + 1);
					e = vms_ctx_vmcoreinfo(ctx, kind, name, &v);
					if (e)
						why = vms_error_message(e);
				}
				printf("%s\t%s\t-\t%s\n", key, want, why);
				vms_error_free(e);
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	rc = 0;
out:
	vms_plugin_ctx_free(ctx);
	vms_out_free(out);
	vms_symtab_free(st);
	vms_layout_free(layout);
	vms_dump_close(blind);
	vms_dump_close(truth);
	return rc;
}
