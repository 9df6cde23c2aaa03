#!/bin/sh
# tests/kasan-real.sh for `make check`: uses the KASAN dumps when
# `make check-kasan` has built them (seconds), skips otherwise; never builds
# kernels (a cold build takes half an hour on 2 cores).
VMSCOPE_KASAN_CACHED_ONLY=1; export VMSCOPE_KASAN_CACHED_ONLY
exec sh "${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/tests/kasan-real.sh" "$@"
