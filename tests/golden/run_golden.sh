#!/bin/sh
# Golden tests, as TAP: every scenario in examples/scenarios must pass
# `memtype simulate --check`, and its `simulate -j` output must equal
# tests/golden/<name>.json. MEMTYPE_TEST_REGENERATE=1 rewrites the goldens
# (review the diff before committing them).
#   usage: run_golden.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
ROOT=$2
GOLD=$ROOT/tests/golden
n=0
fail=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for f in "$ROOT"/examples/scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	n=$((n + 1))
	if "$MT" simulate --check -q "$f" >"$TMP/check" 2>&1; then
		echo "ok $n - $name: expect"
	else
		fail=$((fail + 1))
		echo "not ok $n - $name: expect"
		sed 's/^/# /' "$TMP/check"
	fi
	n=$((n + 1))
	"$MT" simulate -p "$f" >"$TMP/out.json" 2>"$TMP/err"
	if [ "${MEMTYPE_TEST_REGENERATE:-0}" = 1 ]; then
		cp "$TMP/out.json" "$GOLD/$name.json"
		echo "ok $n - $name: golden regenerated"
	elif [ ! -f "$GOLD/$name.json" ]; then
		fail=$((fail + 1))
		echo "not ok $n - $name: golden missing (run with MEMTYPE_TEST_REGENERATE=1)"
	elif cmp -s "$TMP/out.json" "$GOLD/$name.json"; then
		echo "ok $n - $name: golden"
	else
		fail=$((fail + 1))
		echo "not ok $n - $name: golden differs"
		diff -u "$GOLD/$name.json" "$TMP/out.json" | head -40 | sed 's/^/# /'
	fi
done
echo "1..$n"
[ "$fail" -eq 0 ]
