#!/bin/sh
# The comparison can fail: a stored capture changed in one register, or
# missing what compare.py needs, must be reported, naming the register.
# usage: test_detects.sh MEMTYPE SRCDIR
memtype=$1 src=$2
cap=$src/tests/data/qemu/q35-ovmf-8g-pb40.capture
if [ ! -r "$cap" ]; then
	echo "1..0 # SKIP no tests/data/qemu/q35-ovmf-8g-pb40.capture"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "1..6"
n=0
# check NAME SED-EXPR EXPECTED-TEXT: the doctored capture fails with the text.
check() {
	n=$((n + 1))
	sed "$2" "$cap" >"$tmp/$1.capture"
	out=$(python3 "$src/tests/qemu/compare.py" "$memtype" "$tmp/$1.capture" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -qF -- "$3"; then
		echo "ok $n - $1: reported as '$3'"
	else
		echo "not ok $n - $1: exit $rc, expected 1 and '$3' in:"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}

check var-mask 's/^cpu1: 0x203: 0x.*/cpu1: 0x203: 0xf000000800/' 'cpu1 0x203: real 0xf000000800, model 0xe000000800'
check def-type 's/^cpu0: 0x2ff: 0x.*/cpu0: 0x2ff: 0x806/' 'cpu0 0x2ff: real 0x806, model 0xc06'
check pat 's/^cpu0: 0x277: 0x.*/cpu0: 0x277: 0x7040600070406/' 'cpu0 IA32_PAT: real WB WT UC- UC WB WT UC- UC'
check e820-mmconfig 's/^BIOS-e820: \[mem 0x00000000b0000000-0x00000000bfffffff\] reserved/BIOS-e820: [mem 0x00000000b0000000-0x00000000bfffffff] unusable/' 'e820: real [0xb0000000-0xbfffffff] unusable, not in the model'
check e820-one-cpu-nvs 's/^BIOS-e820: \[mem 0x000000007ff70000-0x000000007fffffff\] ACPI NVS/BIOS-e820: [mem 0x000000007ff70000-0x000000007ffeffff] ACPI NVS/' 'e820: model [0x7ff70000-0x7fffffff] ACPI NVS, not in the capture'
check no-config '/^# qemu-config:/d' "no '# qemu-config:' line"
