## plugins: the plugin ABI (include/vmscope/plugin.h), its host in the
## library, the built-in decoders (each a real plugin, loaded with dlopen
## through the public ABI), and the decode / plugins / dmesg / run commands.

vmsplugindir = $(pkglibdir)/plugins
# The installed plugin directory, compiled into the host (plugins/host.c).
AM_CPPFLAGS += -DVMS_PLUGIN_DIR='"$(vmsplugindir)"'

libvmscope_la_SOURCES += plugins/host.c
vmscopeinclude_HEADERS += include/vmscope/plugin.h
vmscope_SOURCES += cli/cmd-decode.c cli/cmd-decode.h
dist_man_MANS += doc/vmscope-decode.1 doc/vmscope-plugins.1 doc/vmscope-dmesg.1 \
	doc/vmscope-run.1

# Built-in plugins see only the public headers: no private shortcuts.
PLUGIN_CPPFLAGS = -D_GNU_SOURCE -I$(top_srcdir)/include
PLUGIN_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
PLUGIN_LDFLAGS = $(AM_LDFLAGS) -module -avoid-version -shared -no-undefined

vmsplugin_LTLIBRARIES = plugins/vmemmap.la plugins/direct-map.la plugins/vmalloc.la \
	plugins/dmesg.la plugins/kasan-shadow.la plugins/kernel-text.la

plugins_vmemmap_la_SOURCES = plugins/vmemmap.c plugins/page.h plugins/page.c plugins/common.h
plugins_vmemmap_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_vmemmap_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_vmemmap_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_vmemmap_la_LIBADD = libvmscope.la

plugins_direct_map_la_SOURCES = plugins/direct-map.c plugins/page.h plugins/page.c plugins/common.h
plugins_direct_map_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_direct_map_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_direct_map_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_direct_map_la_LIBADD = libvmscope.la

plugins_vmalloc_la_SOURCES = plugins/vmalloc.c plugins/common.h
plugins_vmalloc_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_vmalloc_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_vmalloc_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_vmalloc_la_LIBADD = libvmscope.la

plugins_dmesg_la_SOURCES = plugins/dmesg.c plugins/common.h
plugins_dmesg_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_dmesg_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_dmesg_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_dmesg_la_LIBADD = libvmscope.la

plugins_kasan_shadow_la_SOURCES = plugins/kasan-shadow.c plugins/common.h
plugins_kasan_shadow_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_kasan_shadow_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_kasan_shadow_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kasan_shadow_la_LIBADD = libvmscope.la

plugins_kernel_text_la_SOURCES = plugins/kernel-text.c plugins/common.h
plugins_kernel_text_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
plugins_kernel_text_la_CFLAGS = $(PLUGIN_CFLAGS)
plugins_kernel_text_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_kernel_text_la_LIBADD = libvmscope.la

# Deliberately broken plugins for the ABI tests (-rpath makes libtool build
# the shared objects it would otherwise skip for uninstalled modules).
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath /nowhere
check_LTLIBRARIES = tests/test-plugin-future.la tests/test-plugin-noentry.la \
	tests/test-plugin-fail.la
tests_test_plugin_future_la_SOURCES = tests/test-plugin-future.c
tests_test_plugin_future_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
tests_test_plugin_future_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_test_plugin_future_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_test_plugin_future_la_LIBADD = libvmscope.la
tests_test_plugin_noentry_la_SOURCES = tests/test-plugin-noentry.c
tests_test_plugin_noentry_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
tests_test_plugin_noentry_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_test_plugin_noentry_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_test_plugin_noentry_la_LIBADD = libvmscope.la
tests_test_plugin_fail_la_SOURCES = tests/test-plugin-fail.c
tests_test_plugin_fail_la_CPPFLAGS = $(PLUGIN_CPPFLAGS)
tests_test_plugin_fail_la_CFLAGS = $(PLUGIN_CFLAGS)
tests_test_plugin_fail_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
tests_test_plugin_fail_la_LIBADD = libvmscope.la

TESTS += tests/plugins.sh tests/plugins-real.sh
EXTRA_DIST += tests/plugins.sh tests/plugins-real.sh doc/plugin-guide.md \
	doc/examples/hello-plugin.c doc/examples/Makefile
