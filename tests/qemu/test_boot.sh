#!/bin/sh
# qemu-boot: run.sh --set ci (one SeaBIOS and one OVMF boot of q35, 8 GiB,
# 40 bits) as TAP: one test per boot, then compare.py's test per capture.
# A skip when the Debian packages are missing.
# usage: test_boot.sh STATIC_MEMTYPE GUEST_INIT MEMTYPE
here=$(cd "$(dirname "$0")" && pwd)
out=$(sh "$here/run.sh" --set ci "$@" 2>&1)
rc=$?
if [ $rc -eq 77 ]; then
	echo "1..0 # SKIP $(printf '%s\n' "$out" | grep 'SKIP' | head -1 | sed 's/.*SKIP: //')"
	exit 0
fi
boots=$(printf '%s\n' "$out" | grep -c '^boot ')
cmp_plan=$(printf '%s\n' "$out" | sed -n 's/^1\.\.\([0-9]*\)$/\1/p')
echo "1..$((boots + ${cmp_plan:-0} + 1))"
n=0
printf '%s\n' "$out" | grep '^boot ' | while read -r line; do
	n=$((n + 1))
	case $line in
	*FAILED*) echo "not ok $n - $line" ;;
	*) echo "ok $n - $line" ;;
	esac
done
n=$boots
printf '%s\n' "$out" | grep -E '^(not )?ok [0-9]+ ' | while read -r line; do
	n=$((n + 1))
	echo "$line" | sed "s/^\(not \)\{0,1\}ok [0-9]*/\1ok $n/"
done
printf '%s\n' "$out" | grep '^#' || true
n=$((boots + ${cmp_plan:-0} + 1))
if [ $rc -eq 0 ]; then
	echo "ok $n - run.sh exit 0"
else
	echo "not ok $n - run.sh exit $rc"
	printf '%s\n' "$out" | grep -v -E '^(not )?ok |^boot |^1\.\.' | sed 's/^/#   /'
fi
