#!/bin/sh
# Cuts the README's sample dump out of a real one: the pages `vmscope layout`
# reads (found by tests/sample-pfns) plus the tables the root points at, with
# the original notes and VMCOREINFO, as a small ELF vmcore.  Also copies the
# boot's ground truth (recorded by the guest, not computed by vmscope).
#
#   tests/make-sample.sh BOOT_DIR OUT_PREFIX     (run from a built tree)
#
# The committed sample was made with
#   tests/make-sample.sh ~/.cache/vmscope/real/v1/boots/x86_64-4l-kaslr@6.1.0-57-cloud-amd64 \
#       tests/fixtures/sample-x86_64
set -eu
boot=$1 out=$2
top=$(cd "$(dirname "$0")/.." && pwd)
pfns=$("$top/tests/sample-pfns" "$boot/elf-paging.vmcore")
"$top/tests/mkdump" --from-elf "$boot/elf-paging.vmcore" --keep-pfns "$pfns" -o "$out.vmcore"
/usr/bin/python3 - "$boot/truth.json" "$out.truth.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
keep = {k: t[k] for k in ("arch", "kernel_release", "config", "paging_levels", "page_size",
                          "kaslr", "kaslr_offset", "phys_base", "page_offset_base",
                          "vmalloc_base", "vmemmap_base") if k in t}
json.dump(keep, open(sys.argv[2], "w"), indent=1, sort_keys=True)
PY
ls -l "$out.vmcore" "$out.truth.json"
