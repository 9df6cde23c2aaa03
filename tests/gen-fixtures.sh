#!/bin/sh
# Build the synthetic test dumps from tests/fixtures/*.desc.
# usage: gen-fixtures.sh OUTDIR [MKDUMP]
# MKDUMP defaults to $MKDUMP, then ./mkdump next to OUTDIR's build, then
# "mkdump" in PATH.  Writes OUTDIR/NAME.{kdump,flat,vmcore,...} with
# OUTDIR/NAME.expect, and OUTDIR/fixtures.list, one fixture a line:
#   NAME EXPECT-FILE DUMP-FILE...
# (several dump files = one split set, in order).
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	echo "usage: $0 OUTDIR [MKDUMP]" >&2
	exit 2
fi
out=$1
src=$(cd "$(dirname "$0")" && pwd)/fixtures
mkdump=${2:-${MKDUMP:-}}
if [ -z "$mkdump" ]; then
	if [ -x ./tests/mkdump ]; then mkdump=./tests/mkdump
	elif [ -x ./mkdump ]; then mkdump=./mkdump
	else mkdump=mkdump
	fi
fi
mkdir -p "$out"
list=$out/fixtures.list
: >"$list.tmp"

# gen NAME DESC SUFFIX [mkdump options...]
gen() {
	name=$1 desc=$2 suffix=$3
	shift 3
	"$mkdump" "$src/$desc.desc" -o "$out/$name.$suffix" --expect "$out/$name.expect" "$@"
	echo "$name $name.expect $name.$suffix" >>"$list.tmp"
}

# gen_split NAME DESC N [mkdump options...]
gen_split() {
	name=$1 desc=$2 n=$3
	shift 3
	"$mkdump" "$src/$desc.desc" -o "$out/$name" --split "$n" --expect "$out/$name.expect" "$@"
	files=
	i=1
	while [ "$i" -le "$n" ]; do
		files="$files $name.$i"
		i=$((i + 1))
	done
	echo "$name $name.expect$files" >>"$list.tmp"
}

gen kdump-basic kdump-basic kdump
gen kdump-basic-flat kdump-basic flat --flatten
gen_split kdump-basic-split2 kdump-basic 2
gen_split kdump-basic-split3 kdump-basic 3
gen_split kdump-basic-split2-flat kdump-basic 2 --flatten
gen kdump-basic-incomplete kdump-basic kdump --incomplete-after 700
for c in none zlib lzo snappy zstd; do
	gen "kdump-$c" kdump-codec kdump --compress "$c"
done
for v in 1 2 3 4 5 6; do
	gen "kdump-v$v" kdump-versions kdump --header-version "$v"
done
gen kdump-arm64-64k kdump-arm64-64k kdump
gen kdump-onebitmap kdump-onebitmap kdump
gen kdump-bigendian kdump-bigendian kdump

gen elf-basic elf-basic vmcore
gen elf-basic-flat elf-basic flat --flatten
gen elf-basic-incomplete elf-basic vmcore --incomplete-after 300
gen elf-qemu elf-qemu vmcore
gen elf-qemu-phdr64 elf-qemu vmcore --phdr-offset 64
gen elf-extnum elf-extnum vmcore
gen elf-arm64-64k elf-arm64-64k vmcore

mv "$list.tmp" "$list"
