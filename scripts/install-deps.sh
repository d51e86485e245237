#!/bin/sh
# Install the Debian packages memtype's build and tests need, and only when
# one is missing (so `make demo` and `make check` are quick once set up).
# `install-deps.sh qemu`: the QEMU conformance suite's packages instead
# (tests/qemu, docs/qemu-suite.md).
set -eu
pkgs="meson ninja-build pkg-config gcc clang libcmocka-dev libjson-c-dev libyaml-dev python3"
if [ "${1:-}" = qemu ]; then
	pkgs="qemu-system-x86 seabios ovmf linux-image-amd64 cpio"
fi
missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "memtype: installing missing Debian packages:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "memtype: not root; run as root or install them yourself: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
