#!/bin/sh
# End-to-end tests of the memtype command line, as TAP. Each case runs the
# built binary and checks its output and exit status against what DESIGN.md
# §3 and the manuals say, not against the library's own functions.
#   usage: test_cli.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
ROOT=$2
EX=$ROOT/examples/registers
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }

# run NAME EXPECTED_STATUS ARGS... : runs memtype, keeps stdout/stderr in $OUT/$ERR.
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
# expect NAME PATTERN TEXT : TEXT contains the fixed string PATTERN.
expect() {
	case "$3" in
	*"$2"*) ok "$1" ;;
	*) not_ok "$1" "expected to find: $2" "got: $3" ;;
	esac
}
json_valid() { python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null; }

# The issue's acceptance examples: SDM Table 11-7 cell and AMD's CD.
run "combine intel WP x UC-" 0 combine -j --mtrr WP --pat UC- --cpu intel &&
	expect "combine intel WP x UC- is WC" '"type":"WC"' "$OUT"
run "combine amd WP x UC-" 0 combine -j --mtrr WP --pat UC- --cpu amd &&
	expect "combine amd WP x UC- is UC (CD)" '"type":"UC","notes":["amd-cd"]' "$OUT"
run "combine global option before verb" 0 -j combine --mtrr WB --pat WC &&
	expect "combine WB x WC is WC" '"type":"WC"' "$OUT"
run "combine json has schema_version" 0 combine -j --mtrr UC --pat WB &&
	expect "schema_version first" '{"schema_version":1,' "$OUT"
run "combine pretty json is valid" 0 combine -p --mtrr WT --pat WP
printf '%s' "$OUT" | json_valid && ok "pretty output parses as JSON" || not_ok "pretty output parses as JSON" "$OUT"
run "combine long spelling" 0 combine --mtrr write-back --pat uncached-minus -q &&
	expect "write-back x uncached-minus is UC" "UC" "$OUT"
run "combine cr0.cd" 0 combine -j --mtrr WB --pat WB --cd &&
	expect "CR0.CD=1 gives UC" '"type":"UC","notes":["cr0-cd"]' "$OUT"

# Full tables: 5 MTRR rows per vendor, all six PAT columns.
run "combine tables" 0 combine &&
	expect "Intel table WP row" "WP       UC^2     WC^3     WC       WT^3     WP       WP" "$OUT" &&
	expect "AMD table WP row" "WP       UC(CD)   UC(CD)   WC       UC(CD)   WP       WP" "$OUT"
run "combine tables json" 0 combine -j
printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [len(t["cells"]) for t in d["tables"]]==[30,30]' \
	&& ok "json tables have 30 cells each" || not_ok "json tables have 30 cells each" "$OUT"

# EPT (SDM §28.2.6.2) and NPT (APM §15.25.8).
run "ept UC x guest WC" 0 combine -j --ept UC --pat WC && expect "EPT UC + gPAT WC = WC" '"type":"WC"' "$OUT"
run "ept ipat" 0 combine -j --ept WB --ipat --pat UC && expect "IPAT keeps EPT WB" '"type":"WB"' "$OUT"
run "npt wc+" 0 combine -j --gpat WC --hpat WB --mtrr WB && expect "gWC x hWB x WB = WC+" '"type":"WC+"' "$OUT"

# Usage errors exit 2 with a message.
run "mtrr UC- is a usage error" 2 combine --mtrr UC- --pat WB && expect "names the rule" "UC- is PAT-only" "$ERR"
run "unknown verb" 2 frobnicate && expect "unknown verb message" "unknown verb 'frobnicate'" "$ERR"
run "no prefix matching" 2 comb
run "ipat needs ept" 2 combine --mtrr WB --pat WB --ipat
run "bad type" 2 combine --mtrr XX --pat WB && expect "bad type message" "'XX' is not a memory type" "$ERR"
run "version" 0 --version && expect "version string" "memtype 0." "$OUT"
run "help verb" 0 help resolve && expect "help resolve" "usage: memtype resolve" "$OUT"
run "help unknown verb" 2 help nope

# resolve: a bare register state (MTRR type).
run "resolve msr options" 0 resolve -j --msr 0x2ff=0xc00 --msr 0x200=0x6 --msr 0x201=0xf80000800 0x7fffffff 0x80000000 &&
	expect "WB below 2G" '{"address":"0x7fffffff","type":"WB"' "$OUT" &&
	expect "default UC above" '{"address":"0x80000000","type":"UC"' "$OUT" &&
	expect "phys_bits default 36" '"phys_bits":36,"phys_bits_source":"default"' "$OUT"
run "resolve file" 0 resolve "$EX/lenovo-t400.regs" 0xbc000000 0xd0000000 0x1bc000000 0x1c0000000 0xc0000 -q
expect "T400 UC carve-out" "0xbc000000: UC" "$OUT"
expect "T400 WC framebuffer" "0xd0000000: WC" "$OUT"
expect "T400 high UC hole" "0x1bc000000: UC" "$OUT"
expect "T400 above RAM default UC" "0x1c0000000: UC" "$OUT"
expect "T400 fixed WP ROM" "0xc0000: WP" "$OUT"
run "resolve effective with pat index" 0 resolve "$EX/lenovo-t400.regs" --pat-index 1 0x1000 -q &&
	expect "WB MTRR x Linux PAT1 (WC) = WC" "0x1000: WC" "$OUT"
run "resolve range pieces" 0 resolve "$EX/lenovo-t400.regs" -q 0xb0000000-0xcfffffff &&
	expect "range splits at the UC carve-out" "0xbc000000-0xbfffffff: UC" "$OUT"
run "resolve undefined overlap" 1 resolve -j "$EX/overlap-undefined.regs" 0xe0000000 &&
	expect "undefined type" '"type":"undefined"' "$OUT" &&
	expect "finding code" '"code":"mtrr-overlap-undefined"' "$OUT"
run "resolve undefined with --fail-on none" 0 resolve "$EX/overlap-undefined.regs" --fail-on none 0xe0000000
run "resolve #GP at file line" 3 resolve "$EX/gp-reserved-bits.regs" 0x0 &&
	expect "file:line:col: error: gp" "gp-reserved-bits.regs:5:7: error: gp:" "$ERR"
run "resolve #GP from --msr" 3 resolve --msr 0x2ff=0x2 0 && expect "names the MSR" "IA32_MTRR_DEF_TYPE" "$ERR"
run "resolve address beyond MAXPHYADDR" 3 resolve --phys-bits 36 0x1000000000 && expect "out-of-range" "out-of-range" "$ERR"
run "resolve bad address" 2 resolve --msr 0x2ff=0xc06 0x10zz
run "resolve missing file" 3 resolve /nonexistent/file.regs 0x0 && expect "unreadable" "unreadable" "$ERR"
printf 'cpu: intel\nphys_bits: 36\n0x2ff: zz\n' >"$TMP/bad.regs"
run "resolve bad number names line and column" 3 resolve "$TMP/bad.regs" 0 &&
	expect "position" "bad.regs:3:8: error: bad-number:" "$ERR"
run "output file" 0 -o "$TMP/o.json" combine -j --mtrr WB --pat WT
expect "-o writes the file" '"type":"WT"' "$(cat "$TMP/o.json")"

# simulate: the TPM bug, its fix, the order sweep, bad scenarios.
SC=$ROOT/examples/scenarios
run "simulate tpm 6.12" 1 simulate -j "$SC/gce-snp-tpm-6.12.yaml" &&
	expect "tpm ioremap error line" '"message":"ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0"' "$OUT" &&
	expect "driver probe line" '"tpm_tis MSFT0101:00: probe with driver tpm_tis failed with error -12"' "$OUT" &&
	expect "conflict finding" '"code":"memtype-conflict"' "$OUT"
run "simulate tpm 6.18" 0 simulate -j "$SC/gce-snp-tpm-6.18.yaml" &&
	expect "tpm maps UC- on 6.18" '"who":"tpm_tis","call":"devm_ioremap_resource","device":"MSFT0101:00","start":"0xfed40000","end":"0xfed44fff","requested":"UC-","granted":"UC-","ok":true' "$OUT"
run "simulate --check passes on a reproduced bug" 0 simulate --check "$SC/gce-snp-tpm-6.12.yaml" &&
	expect "check result" "result: ok" "$OUT"
run "simulate --all-orders" 1 simulate --all-orders "$SC/gce-snp-tpm-6.12.yaml" &&
	expect "tpm failure needs acpi first" "tpm_tis fails exactly when acpi runs before tpm_tis" "$OUT"
run "simulate --all-orders json" 1 simulate -j --all-orders "$SC/gce-snp-tpm-6.12.yaml" &&
	expect "order rule json" '{"fails":"tpm_tis","when":"acpi","runs_before":"tpm_tis"}' "$OUT" &&
	expect "order-dependent finding" '"code":"order-dependent"' "$OUT"
sed 's/ok: false, granted: null/ok: true/' "$SC/gce-snp-tpm-6.12.yaml" >"$TMP/wrong.yaml"
run "simulate --check fails on a wrong expectation" 1 simulate --check "$TMP/wrong.yaml" &&
	expect "names the failed line" "wrong.yaml:28: expect mapping 3 (tpm_tis devm_ioremap_resource): ok is true: FAILED" "$OUT"
printf 'name: x\nplatform: {phys_bit: 40}\n' >"$TMP/unknown.yaml"
run "scenario unknown key" 3 simulate "$TMP/unknown.yaml" &&
	expect "closest key" "unknown.yaml:2:12: error: unknown-key:" "$ERR" &&
	expect "did you mean" "phys_bits" "$ERR"
printf 'name: x\nplatform: [\n' >"$TMP/syntax.yaml"
run "scenario syntax error" 3 simulate "$TMP/syntax.yaml" && expect "yaml-syntax" "error: yaml-syntax:" "$ERR"
printf 'name: x\nplatform: {phys_bits: 36, memory: q35, ram: 1G}\nguest: {kernel: linux, version: 6.12}\nmappings:\n  - {who: a, call: ioremap, start: 0x1000000000, size: 4K}\n' >"$TMP/range.yaml"
run "scenario address beyond phys_bits" 3 simulate "$TMP/range.yaml" && expect "out-of-range" "error: out-of-range:" "$ERR"
printf 'name: x\nplatform: {memory: q35, ram: 1G}\nguest: {kernel: linux, version: 6.12}\nmappings:\n  - {who: a, call: ioremap, start: 0x1000, size: 0}\n' >"$TMP/size0.yaml"
run "scenario mapping of size 0" 3 simulate "$TMP/size0.yaml" && expect "size 0" "size 0" "$ERR"
printf 'name: x\nplatform: {memory: q35, ram: 1G}\nguest: {kernel: linux, version: "2.4"}\n' >"$TMP/ver.yaml"
run "scenario unknown version" 3 simulate "$TMP/ver.yaml" && expect "unknown-version" "error: unknown-version:" "$ERR"
printf 'name: x\nplatform:\n  memory:\n    - {start: 0, end: 0xfffff, type: ram}\n    - {start: 0x80000, end: 0x1fffff, type: reserved}\n' >"$TMP/overlap.yaml"
run "scenario overlapping e820" 3 simulate "$TMP/overlap.yaml" && expect "overlap" "error: overlap:" "$ERR"
printf 'name: x\nplatform: {phys_bits: "many"}\n' >"$TMP/type.yaml"
run "scenario wrong type" 3 simulate "$TMP/type.yaml"

# matrix sweeps of scenario files' axes.
SW=$ROOT/examples/sweeps/gce-tpm-kernels.yaml
run "matrix sweep" 0 matrix --color=never "$SW" &&
	expect "sweep row: 6.12 without the fix conflicts, 6.18 is ok" "kind=ovmf version=edk2-stable202411 []                UNSAFE1 CONFL2  ok3" "$OUT"
run "matrix sweep json" 0 matrix -j "$SW"
printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert [a["name"] for a in d["axes"]]==["firmware","guest.patches","guest.version"]; assert len(d["cells"])==12; c=[x for x in d["cells"] if x["guest.version"]=="6.12" and x["guest.patches"]=="[+cve-2025-40181]"]; assert all(x["verdict"]=="ok" for x in c)' \
	&& ok "sweep json: 12 cells, the backport fixes 6.12" || not_ok "sweep json: 12 cells, the backport fixes 6.12" "$OUT"
run "matrix sweep of files with different axes" 3 matrix "$SW" "$SC/gce-snp-tpm-6.12.yaml" && expect "different-axes" "error: different-axes:" "$ERR"
sed 's/guest.version: \[/guest.versoin: [/' "$SW" >"$TMP/badaxis.yaml"
run "matrix sweep with an unknown axis" 3 matrix "$TMP/badaxis.yaml" && expect "unknown axis" "badaxis.yaml:10:3: error: unknown-key: axis 'guest.versoin' cannot be swept" "$ERR"
sed 's/guest.version: \["6.6", "6.12", "6.18"\]/guest.version: ["6.6", "9.99"]/' "$SW" >"$TMP/badvalue.yaml"
run "matrix sweep with a bad value" 3 matrix "$TMP/badvalue.yaml" && expect "bad version at its line" "badvalue.yaml:10:" "$ERR"

echo "1..$n"
[ "$fail" -eq 0 ]
