#!/bin/sh
# End-to-end tests of `memtype plan`, as TAP: text, JSON (DESIGN.md §3),
# --msr lines replayed through `memtype resolve` and `plan --from`, the exit
# statuses (0 layout, 1 does not fit, 2 usage, 3 bad input) and diagnostics
# (file:line:col: error: CODE: message).
#   usage: test_plan.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
ROOT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
run() {
	name=$1; want=$2; shift 2
	"$MT" "$@" >"$TMP/out" 2>"$TMP/err"
	st=$?
	OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
	if [ "$st" -ne "$want" ]; then
		not_ok "$name" "exit $st, expected $want" "stdout: $OUT" "stderr: $ERR"
		return 1
	fi
	return 0
}
expect() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected to find: $2" "got: $3" ;;
	esac
}
# pycheck NAME PYTHON_EXPR_ON_d : the JSON in $OUT satisfies the assertion.
pycheck() {
	printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); assert $2, d" 2>"$TMP/py" &&
		ok "$1" || not_ok "$1" "$(cat "$TMP/py")"
}

# A firmware-like map: low RAM, VGA, ROMs, RAM to TOLUD with an SMRAM
# carve-out, MMIO with a WC framebuffer, flash, 12 GiB above 4 GiB.
cat >"$TMP/fw.map" <<'EOF'
# firmware-like map
0x0-0x9ffff           WB
0xa0000-0xbffff       UC
0xc0000-0xfffff       WP
0x100000-0x7f5cffff   WB   # RAM
0x7f5d0000-0xcfffffff UC   # SMRAM, MMIO
0xd0000000+256M       WC   # framebuffer
0xe0000000-0xfeffffff UC
0xff000000-0xffffffff WP   # flash
0x100000000+12G       write-back
EOF

run "plan text, 10 pairs" 0 plan --vcnt 10 "$TMP/fw.map" &&
	expect "optimal count" "count 9 = lower bound 9: optimal" "$OUT" &&
	expect "fixed ranges decoded" "0x0-0x9ffff WB, 0xa0000-0xbffff UC, 0xc0000-0xfffff WP" "$OUT" &&
	expect "SMRAM carve-out pair" "0x000000007f5d0000  0x0000000fffff0800  0x7f5d0000-0x7f5dffff" "$OUT" &&
	expect "verified" "verified: the registers give exactly this map" "$OUT"
run "plan does not fit in 8" 1 plan "$TMP/fw.map" &&
	expect "says the minimum" "does not fit: needs 9 variable pairs, the CPU has 8" "$OUT"
run "plan -q" 0 plan -q --vcnt 9 "$TMP/fw.map" &&
	expect "one line" "9 variable MTRRs, default UC, fixed ranges; lower bound 9" "$OUT"

run "plan -j" 0 plan -j --vcnt 10 "$TMP/fw.map"
pycheck "json contract" 'd["schema_version"]==1 and d["default_type"]=="UC" and d["fixed_enabled"] is True and d["count"]==9 and d["lower_bound"]==9 and d["optimal"] is True and len(d["variable"])==9'
pycheck "json fixed MSR index -> value" 'd["fixed"]["0x250"]=="0x606060606060606" and d["fixed"]["0x259"]=="0x0" and len(d["fixed"])==11'
pycheck "json variable base/mask/type" 'd["variable"][0]=={"index":0,"base":"0x0","mask":"0xf80000000","type":"WB","physbase":"0x6","physmask":"0xf80000800","start":"0x0","end":"0x7fffffff"}'
pycheck "json by default" 'd["by_default"]["UC"]==9 and d["by_default"]["WB"]>9 and d["best_effort"] is None'
run "plan -p is valid JSON" 0 plan -p --vcnt 10 "$TMP/fw.map"
pycheck "pretty json parses" 'd["verified"] is True'

run "best effort in 8" 0 plan --best-effort -j "$TMP/fw.map"
pycheck "best effort loses 64K of RAM" 'd["count"]==8 and d["optimal"] is False and d["fits"] is False and d["best_effort"]["lost_bytes"]=="0x10000" and d["best_effort"]["lost"]==[{"start":"0x7f5c0000","end":"0x7f5cffff","target":"WB","type":"UC"}]'
run "best effort text" 0 plan --best-effort "$TMP/fw.map" &&
	expect "states the loss" "0x7f5c0000-0x7f5cffff  WB -> UC  (64K)" "$OUT"

# --msr: a register file that `memtype resolve` replays to the same types.
run "plan --msr" 0 plan --msr --vcnt 10 "$TMP/fw.map" &&
	expect "wrmsr lines" "wrmsr 0x2ff 0xc00" "$OUT"
printf '%s\n' "$OUT" >"$TMP/fw.regs"
run "msr round trip through resolve" 0 resolve -j "$TMP/fw.regs" 0x0 0x9ffff 0xa0000 0xc0000 0xfffff \
	0x100000 0x7f5cffff 0x7f5d0000 0xcfffffff 0xd0000000 0xdfffffff 0xe0000000 0xfeffffff \
	0xff000000 0xffffffff 0x100000000 0x3ffffffff 0x400000000 0xfffffffff
pycheck "resolve gives the map's types" '[a["type"] for a in d["addresses"]]==["WB","WB","UC","WP","WP","WB","WB","UC","UC","WC","WC","UC","UC","WP","WP","WB","WB","UC","UC"]'
run "plan --from the replayed registers" 0 plan --from "$TMP/fw.regs" &&
	expect "firmware vs minimum" "the firmware used 9 variable pairs; the minimum is 9" "$OUT"
run "plan --msr when it does not fit" 1 plan --msr "$TMP/fw.map" &&
	expect "does-not-fit" "error: does-not-fit: the map needs 9 variable MTRRs, the CPU has 8" "$ERR"
run "best-effort --msr round trip" 0 plan --msr --best-effort "$TMP/fw.map"
printf '%s\n' "$OUT" >"$TMP/be.regs"
run "best-effort registers resolve" 0 resolve -j "$TMP/be.regs" 0x7f5bffff 0x7f5c0000 0x7f5d0000 0xd0000000
pycheck "only the stated loss" '[a["type"] for a in d["addresses"]]==["WB","UC","UC","WC"]'

# A real layout: the T400's registers need 7 pairs; the planner finds the same.
run "plan --from a register file" 0 plan -j --from "$ROOT/examples/registers/lenovo-t400.regs"
pycheck "t400: firmware count and minimum" 'd["firmware"]["count"]==7 and d["lower_bound"]<=7 and d["optimal"] is True'

# A boot log's MTRR dump (linuxhw, ASUS Z10PE-D16 WS, 4.15): the firmware's
# two WT pairs lie inside a UC pair (UC wins, SDM §11.11.4.1): 2 pairs do.
if "$MT" help explain >/dev/null 2>&1; then
	cat >"$TMP/z10pe.log" <<'EOF'
[    0.000000] MTRR default type: write-back
[    0.000000] MTRR fixed ranges enabled:
[    0.000000]   00000-9FFFF write-back
[    0.000000]   A0000-BFFFF uncachable
[    0.000000]   C0000-FFFFF write-protect
[    0.000000] MTRR variable ranges enabled:
[    0.000000]   0 base 000080000000 mask 3FFF80000000 uncachable
[    0.000000]   1 base 038000000000 mask 3F8000000000 uncachable
[    0.000000]   2 base 0000E0000000 mask 3FFFF0000000 write-through
[    0.000000]   3 base 0000F0000000 mask 3FFFFE000000 write-through
[    0.000000]   4 disabled
[    0.000000]   5 disabled
EOF
	run "plan --from a boot log" 0 plan -j --from "$TMP/z10pe.log"
	pycheck "boot log: firmware 4, minimum 2" 'd["firmware"]=={"count":4,"saved":2} and d["lower_bound"]==2 and d["default_type"]=="WB" and d["phys_bits"]==46'
else
	ok "plan --from a boot log # SKIP memtype built without explain"
	ok "boot log: firmware 4, minimum 2 # SKIP"
fi

# Modes.
printf '0x100000-0x7f5fffff WB\n0xe0000000+256M WC\n0x100000000-0x27fffffff WB\n' >"$TMP/dc.map"
run "exact with forced default UC" 0 plan -j --default UC "$TMP/dc.map"
pycheck "exact: 6" 'd["count"]==6 and d["default_type"]=="UC"'
run "dont-care with forced default UC" 0 plan -j --default UC --dont-care "$TMP/dc.map"
pycheck "dont-care: 4" 'd["count"]==4 and d["mode"]=="dont-care"'
run "no fixed ranges" 0 plan --msr --no-fixed "$TMP/dc.map" &&
	expect "MTRRcap without FIX" "mtrrcap: 0x408" "$OUT"
printf '%s\n' "$OUT" >"$TMP/nofix.regs"
run "no-fixed registers resolve" 0 resolve -j "$TMP/nofix.regs" 0x0 0xe0000000
pycheck "no-fixed: first MiB as the default" 'd["addresses"][0]["type"]=="WB" and d["addresses"][1]["type"]=="WC"'
printf '0x0-0x9efff WB\n0x9f000-0xfffff UC\n0x100000-0x7fffffff WB\n' >"$TMP/split.map"
run "fixed fallback" 0 plan -j --default UC "$TMP/split.map"
pycheck "FE off when a sub-range is split" 'd["fixed_enabled"] is False and d["fixed_fallback"] is True and d["count"]==4'
printf '0x4000000000+64G WB\n' >"$TMP/wide.map"
run "beyond 36 bits" 3 plan "$TMP/wide.map" && expect "out-of-range" "wide.map:1:1: error: out-of-range:" "$ERR"
run "phys-bits 46" 0 plan -j --phys-bits 46 --default UC "$TMP/wide.map"
pycheck "46-bit mask" 'd["phys_bits"]==46 and d["variable"]==[{"index":0,"base":"0x4000000000","mask":"0x3ff000000000","type":"WB","physbase":"0x4000000006","physmask":"0x3ff000000800","start":"0x4000000000","end":"0x4fffffffff"}]'

# Errors.
printf '0-0xfff WB\n0x800-0x1fff UC\n' >"$TMP/overlap.map"
run "overlap" 3 plan "$TMP/overlap.map" && expect "line and column" "overlap.map:2:1: error: overlap: 0x800-0x1fff overlaps 0x0-0xfff of line 1" "$ERR"
printf '0-0x9fbff WB\n0x9fc00-0x9ffff UC\n' >"$TMP/unaligned.map"
run "unaligned" 3 plan "$TMP/unaligned.map" && expect "4 KiB" "unaligned.map:2:1: error: unaligned: the boundary 0x9fc00 is not 4 KiB aligned" "$ERR"
printf '0-0xfff UC-\n' >"$TMP/ucminus.map"
run "UC- is not an MTRR type" 3 plan "$TMP/ucminus.map" && expect "bad-type" "ucminus.map:1:9: error: bad-type: UC- is not an MTRR type" "$ERR"
run "missing file" 3 plan "$TMP/nope.map"
echo "hello" >"$TMP/hello.txt"
run "from a file that is neither" 3 plan --from "$TMP/hello.txt" && expect "register-file error" "hello.txt:1:1: error:" "$ERR"
run "no map" 2 plan
run "two maps" 2 plan "$TMP/fw.map" "$TMP/dc.map"
run "unknown option" 2 plan --frobnicate "$TMP/fw.map"
run "vcnt 41" 2 plan --vcnt 41 "$TMP/fw.map"
run "default UC-" 2 plan --default UC- "$TMP/fw.map"
run "help plan" 0 help plan && expect "usage" "usage: memtype plan MAPFILE" "$OUT"
run "plan --help" 0 plan --help && expect "usage" "--best-effort" "$OUT"
printf 'wrmsr 0x200 0x6\nwrmsr 0x201 0xf80000800\nwrmsr 0x202 0x1\nwrmsr 0x203 0xf80000800\nwrmsr 0x2ff 0xc00\n' >"$TMP/undef.regs"
run "from an undefined overlap" 3 plan --from "$TMP/undef.regs" && expect "undefined" "mtrr-overlap-undefined" "$ERR"

echo "1..$n"
[ "$fail" -eq 0 ]
