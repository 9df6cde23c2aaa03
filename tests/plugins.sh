#!/bin/sh
# Plugin ABI: the built-in plugins load; a plugin for a future ABI, one
# without the entry symbol, and one whose decoder fails each give a clear
# message while the rest of vmscope keeps working; the example out-of-tree
# plugin builds against a staged `make install` with pkg-config and loads.
. "$top_srcdir/tests/tap.sh"

VMSCOPE_PLUGIN_PATH="$top_builddir/plugins/.libs"; export VMSCOPE_PLUGIN_PATH
T="$top_builddir/tests/.libs"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# ---- the built-in plugins -------------------------------------------------
"$VMSCOPE" plugins --json >"$tmp/list.json" 2>"$tmp/list.err"
tap_is "plugins: built-ins load without warnings" "$?:$(cat "$tmp/list.err")" "0:"
names=$(python3 -c 'import json,sys; print(" ".join(sorted(p["name"] for p in json.load(open(sys.argv[1]))["plugins"])))' "$tmp/list.json" 2>&1)
tap_is "plugins: all six decoders" "$names" "direct-map dmesg kasan-shadow kernel-text vmalloc vmemmap"

# ---- bad plugins ------------------------------------------------------------
"$VMSCOPE" plugins --plugin "$T/test-plugin-future.so" >"$tmp/out" 2>"$tmp/err"
rc=$?
tap_is "future ABI: exit status 1" "$rc" 1
tap_ok "future ABI: says which ABI it needs" grep -q "built for plugin ABI 42, but this vmscope supports ABI 1 to 1" "$tmp/err"
tap_ok "future ABI: the built-ins still load" grep -q "name: vmemmap" "$tmp/out"

"$VMSCOPE" plugins --plugin "$T/test-plugin-noentry.so" >"$tmp/out" 2>"$tmp/err"
tap_ok "no entry symbol: clear message" grep -q "not a vmscope plugin (no vms_plugin_entry() entry symbol)" "$tmp/err"
tap_ok "no entry symbol: the built-ins still load" grep -q "name: dmesg" "$tmp/out"

"$VMSCOPE" plugins --plugin "$tmp/missing.so" >"$tmp/out" 2>"$tmp/err"
tap_ok "missing file: clear message" grep -q "cannot load plugin $tmp/missing.so" "$tmp/err"

"$VMSCOPE" plugins --plugin "$T/test-plugin-fail.so" >"$tmp/out" 2>"$tmp/err"
tap_is "failing plugin: loads" "$?" 0
tap_ok "failing plugin: listed with its region" grep -q "fixmap" "$tmp/out"

# Decoding needs a kernel; use a real dump when there is one.
dump=""
for d in "$HOME"/.cache/vmscope/real/v1/boots/x86_64-*; do
	[ -f "$d/elf-paging.vmcore" ] && { dump="$d/elf-paging.vmcore"; break; }
done
if [ -n "$dump" ]; then
	"$VMSCOPE" decode --plugin "$T/test-plugin-fail.so" "$dump" 0xffffffffff5fd000 0xfffffffffffff000 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	tap_is "failing decoder: exit status 1" "$rc" 1
	tap_ok "failing decoder: error named after the plugin" grep -q "always-fails: deliberate failure at 0xffffffffff5fd000" "$tmp/err"
	tap_ok "failing decoder: the next address is still classified" grep -q "address: 0xfffffffffffff000" "$tmp/out"
	"$VMSCOPE" run --plugin "$T/test-plugin-fail.so" always-fails "$dump" >/dev/null 2>"$tmp/err"
	tap_ok "failing command: error named after the plugin" grep -q "always-fails: deliberate command failure" "$tmp/err"
	tap_ok "failing plugin does not stop dmesg" sh -c "'$VMSCOPE' dmesg --plugin '$T/test-plugin-fail.so' '$dump' | grep -q 'Linux version'"
else
	for i in 1 2 3 4 5; do tap_skip "failing decoder" "no real dump in ~/.cache/vmscope/real/v1/boots"; done
fi

# ---- the example, built against a staged install -----------------------------
if ! command -v pkg-config >/dev/null 2>&1; then
	tap_skip "example plugin" "pkg-config is not installed"
elif ! ${MAKE:-make} -C "$top_builddir" install DESTDIR="$tmp/stage" >"$tmp/install.log" 2>&1; then
	tap_result fail "make install DESTDIR=..."
	tail -n 20 "$tmp/install.log" | sed 's/^/#   /'
else
	tap_result ok "make install DESTDIR=..."
	pc=$(find "$tmp/stage" -name vmscope.pc | head -n 1)
	bin=$(find "$tmp/stage" -path '*/bin/vmscope' | head -n 1)
	lib=$(dirname "$(find "$tmp/stage" -name 'libvmscope.so' | head -n 1)")
	plugdir=$(find "$tmp/stage" -type f -name vmemmap.so -exec dirname {} \; | head -n 1)
	tap_ok "install: header, pkg-config file, plugins" test -f "$pc" -a -n "$plugdir" \
		-a -n "$(find "$tmp/stage" -name plugin.h)"
	mkdir "$tmp/ex" && cp "$top_srcdir/doc/examples/hello-plugin.c" "$top_srcdir/doc/examples/Makefile" "$tmp/ex/"
	# The .pc file names the final prefix; the sysroot maps it into the stage.
	tap_ok "example: builds with pkg-config --cflags --libs vmscope" \
		env PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_LIBDIR="$(dirname "$pc")" \
		PKG_CONFIG_SYSROOT_DIR="$tmp/stage" ${MAKE:-make} -C "$tmp/ex"
	LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" VMSCOPE_PLUGIN_PATH="$plugdir" \
		"$bin" plugins --plugin "$tmp/ex/hello.so" >"$tmp/out" 2>"$tmp/err"
	tap_ok "example: the installed vmscope loads it" grep -q "name: hello" "$tmp/out"
	tap_ok "example: next to the installed built-ins" grep -q "name: vmemmap" "$tmp/out"
	if [ -n "$dump" ]; then
		LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" VMSCOPE_PLUGIN_PATH="$plugdir" \
			"$bin" run --json --plugin "$tmp/ex/hello.so" hello "$dump" >"$tmp/out" 2>"$tmp/err"
		rel=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["release"])' "$tmp/out" 2>&1)
		tap_ok "example: its command runs (--json for free)" test -n "$rel" -a "$rel" != unknown
	else
		tap_skip "example: its command runs" "no real dump"
	fi
fi
tap_done
