#!/bin/sh
# Installs what vmscope needs on Debian 12 (run as root; apt must be reachable).
#   tests/setup-debian.sh          build dependencies
#   tests/setup-debian.sh --test   build and test dependencies
# Installs only what is missing, so a second run costs a few seconds.
set -eu
BUILD="gcc make autoconf automake libtool pkg-config libkdumpfile-dev libdwarf-dev
zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev"
TEST="qemu-system-x86 qemu-system-arm qemu-user busybox-static makedumpfile python3-libkdumpfile
python3-drgn xz-utils cpio clang"
want=$BUILD
[ "${1:-}" = --test ] && want="$BUILD $TEST"
missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "setup-debian: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
