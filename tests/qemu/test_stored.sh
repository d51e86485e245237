#!/bin/sh
# The captures tests/qemu/run.sh --store kept in tests/data/qemu/, compared
# with the firmware model by compare.py (TAP). No QEMU is needed.
# usage: test_stored.sh MEMTYPE SRCDIR
memtype=$1 src=$2
set -- "$src"/tests/data/qemu/*.capture
if [ ! -e "$1" ]; then
	echo "1..0 # SKIP no captures in tests/data/qemu (make check-qemu QEMU_STORE=1)"
	exit 0
fi
exec python3 "$src/tests/qemu/compare.py" "$memtype" "$@"
