#!/bin/sh
# End-to-end tests of `memtype capture` (issue 7, part 1), as TAP: the live
# capture of this machine (whatever it allows: root or not, with or without
# /dev/cpu/N/msr) has its header and sections, every missing source is a
# "# SOURCE: ... (why)" comment, and `memtype explain` reads the file back;
# a fake machine under MEMTYPE_CAPTURE_SYSROOT (MSR files holding MSR i at
# offset 8*i) checks the per-CPU dump, the CPUs-disagree comment, the
# memmap-to-e820 translation and the round trip through explain.
#   usage: test_capture.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
TMP=$(mktemp -d)
chmod 755 "$TMP"
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
has() { # NAME PATTERN FILE : a line of FILE matches the grep -E PATTERN
	if grep -Eq -- "$2" "$3"; then ok "$1"; else not_ok "$1" "no line matches: $2" "$(head -c 3000 "$3")"; fi
}
hasnt() {
	if grep -Eq -- "$2" "$3"; then not_ok "$1" "a line matches: $2"; else ok "$1"; fi
}
# explain_ok NAME FILE : explain exits 0 or 1 (findings), or rejects cleanly (3, one diagnostic).
explain_ok() {
	"$MT" explain "$2" >"$TMP/ex.out" 2>"$TMP/ex.err"
	st=$?
	case $st in
	0 | 1) ok "$1 (exit $st)" ;;
	3) if grep -q 'error: ' "$TMP/ex.err"; then ok "$1 (clean diagnostic)"; else not_ok "$1" "exit 3 without a diagnostic"; fi ;;
	*) not_ok "$1" "exit $st" "$(cat "$TMP/ex.err")" ;;
	esac
}

# --- the live machine -------------------------------------------------------
OUT=$TMP/live.txt
"$MT" capture -o "$OUT" 2>"$TMP/err"
st=$?
if [ "$st" -eq 0 ] || [ "$st" -eq 3 ]; then ok "live capture exits $st"; else not_ok "live capture exits $st" "$(cat "$TMP/err")"; fi
has "header names the format" '^# memtype capture format 1 ' "$OUT"
has "header has version and kernel" "^# memtype [0-9][^,]*, kernel $(uname -r | sed 's/[.+]/./g'), " "$OUT"
for s in kernel cpuid msr proc-mtrr memmap pat_memtype_list; do
	has "section $s" "^# section: $s\$" "$OUT"
done
has "captured/missing summary" '^# missing: ' "$OUT"
hasnt "no line ends in = (explain would take it for quoted-printable)" '=$' "$OUT"
if grep -q '^cpu[0-9]*: 0x2ff: 0x' "$OUT"; then
	ok "MSRs read: DEF_TYPE dumped per CPU"
	has "MTRRcap dumped" '^cpu[0-9]+: 0xfe: 0x' "$OUT"
	has "IA32_PAT dumped" '^cpu[0-9]+: 0x277: 0x' "$OUT"
else
	has "no MSRs: the reason is a comment" '^# msr: /dev/cpu(/[0-9]+/msr)?: .* \(' "$OUT"
	has "msr listed as missing" '^# missing: .*msr' "$OUT"
fi
if grep -q '^PAT memtype list' "$OUT"; then ok "pat_memtype_list copied"; else
	has "no PAT list: the reason is a comment" '^# pat_memtype_list: .*: ' "$OUT"; fi
if [ -d /sys/firmware/memmap ]; then has "memmap as e820 lines" '^BIOS-e820: \[mem 0x[0-9a-f]{16}-0x[0-9a-f]{16}\] ' "$OUT"; fi
explain_ok "explain reads the live capture" "$OUT"

# --- no privileges ------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	OUT=$TMP/user.txt
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$MT" capture --mount-debugfs >"$OUT" 2>"$TMP/err"
	st=$?
	if [ "$st" -eq 0 ] || [ "$st" -eq 3 ]; then ok "unprivileged capture exits $st"; else not_ok "unprivileged capture exits $st" "$(cat "$TMP/err")"; fi
	has "unprivileged: uid in the header" ', uid 65534, ' "$OUT"
	has "unprivileged: msr missing with a reason" '^# msr: .*: (Permission denied|No such file or directory|Operation not permitted) \(' "$OUT"
	has "unprivileged: PAT list missing with a reason" '^# pat_memtype_list: .*: ' "$OUT"
	explain_ok "explain reads the unprivileged capture" "$OUT"
else
	n=$((n + 1)); echo "ok $n - # SKIP unprivileged capture (not root or no setpriv)"
fi

# --- --load-msr runs modprobe (a fake one: nothing is loaded by the test) ------
mkdir -p "$TMP/bin"
printf '#!/bin/sh\necho "$@" >"%s/modprobe.args"\nexit 1\n' "$TMP" >"$TMP/bin/modprobe"
chmod +x "$TMP/bin/modprobe"
R=$TMP/nomsr
mkdir -p "$R/dev/cpu/0" "$R/proc"
PATH="$TMP/bin:$PATH" MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/load.txt" 2>/dev/null
has "--load-msr reports modprobe's failure" '^# msr: --load-msr: modprobe msr: exit status 1$' "$TMP/load.txt"
if [ "$(cat "$TMP/modprobe.args" 2>/dev/null)" = "msr" ]; then ok "modprobe ran with 'msr'"; else not_ok "modprobe ran with 'msr'"; fi
has "module missing: says so" '^# msr: .*/dev/cpu/0/msr: No such file or directory \(the msr module is not loaded' "$TMP/load.txt"

# --- a fake machine: two CPUs that disagree in DEF_TYPE -----------------------
R=$TMP/fake
if python3 - "$R" <<'PY'
import os, struct, sys
R = sys.argv[1]
base = {0xfe: 0x508, 0x2ff: 0xc06, 0x250: 0x0606060606060606, 0x258: 0x0606060606060606,
        0x259: 0, 0x200: 0xc0000000, 0x201: 0xffc0000800, 0x277: 0x0007040600070406,
        0xc0010010: 0x40000, 0xc001001d: 0x240000000}
for k in range(0x268, 0x270):
    base[k] = 0x0505050505050505
for cpu, dt in ((0, 0xc06), (1, 0xc00)):
    os.makedirs(f"{R}/dev/cpu/{cpu}")
    with open(f"{R}/dev/cpu/{cpu}/msr", "wb") as f:
        for i, v in {**base, 0x2ff: dt}.items():
            f.seek(8 * i)
            f.write(struct.pack("<Q", v))
        f.truncate(8 * 0xc0010020)
os.makedirs(f"{R}/proc")
open(f"{R}/proc/mtrr", "w").write("reg00: base=0x0c0000000 ( 3072MB), size= 1024MB, count=1: uncachable\n")
open(f"{R}/proc/version", "w").write("Linux version 6.1.0-fake (x@y) (gcc 12) #1 SMP\n")
for i, (s, e, t) in enumerate([("0x0", "0x9fbff", "System RAM"), ("0x9fc00", "0xfffff", "Reserved"),
                               ("0x100000", "0xbfffffff", "System RAM"), ("0xfed00000", "0xfed003ff", "ACPI Non-volatile Storage")]):
    d = f"{R}/sys/firmware/memmap/{i}"
    os.makedirs(d)
    for k, v in (("start", s), ("end", e), ("type", t)):
        open(f"{d}/{k}", "w").write(v + "\n")
os.makedirs(f"{R}/sys/kernel/debug/x86")
open(f"{R}/sys/kernel/debug/x86/pat_memtype_list", "w").write(
    "PAT memtype list:\nPAT: [mem 0x00000000c0000000-0x00000000c0010000] uncached-minus\n")
PY
then
	OUT=$TMP/fake.txt
	MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture -o "$OUT" 2>"$TMP/err"
	st=$?
	if [ "$st" -eq 0 ]; then ok "fake capture exits 0"; else not_ok "fake capture exits $st" "$(cat "$TMP/err")"; fi
	has "fake: kernel banner" '^Linux version 6.1.0-fake ' "$OUT"
	has "fake: cpu0 DEF_TYPE" '^cpu0: 0x2ff: 0xc06$' "$OUT"
	has "fake: cpu1 DEF_TYPE" '^cpu1: 0x2ff: 0xc00$' "$OUT"
	has "fake: variable pair" '^cpu1: 0x201: 0xffc0000800$' "$OUT"
	has "fake: last variable MSR per VCNT 8" '^cpu0: 0x20f: 0x0$' "$OUT"
	hasnt "fake: nothing beyond VCNT" '^cpu0: 0x210: ' "$OUT"
	has "fake: fixed MTRRs" '^cpu0: 0x26f: 0x505050505050505$' "$OUT"
	has "fake: disagreement reported" '^# msr: CPUs disagree: 0x2ff is 0xc00 on cpu1, 0xc06 on cpu0$' "$OUT"
	has "fake: memmap RAM as usable" '^BIOS-e820: \[mem 0x0000000000100000-0x00000000bfffffff\] usable$' "$OUT"
	has "fake: memmap NVS" '^BIOS-e820: \[mem 0x00000000fed00000-0x00000000fed003ff\] ACPI NVS$' "$OUT"
	has "fake: PAT list" '^PAT: \[mem 0x00000000c0000000-0x00000000c0010000\] uncached-minus$' "$OUT"
	has "fake: missing nothing" '^# missing: nothing$' "$OUT"
	"$MT" explain -j "$OUT" >"$TMP/ex.json" 2>"$TMP/ex.err"
	st=$?
	if [ "$st" -le 1 ]; then ok "explain reads the fake capture (exit $st)"; else not_ok "explain reads the fake capture" "exit $st" "$(cat "$TMP/ex.err")"; fi
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert set(d["input"]["contains"]) >= {"dmesg", "msr", "proc-mtrr", "pat-list"}, d["input"]
assert d["kernel"] == "6.1.0-fake", d["kernel"]
assert len(d["e820"]) == 4, d["e820"]
assert d["phys_bits"] >= 32, d["phys_bits"]
assert any(f["code"] == "mtrr-inconsistent-cpus" for f in d["findings"]), d["findings"]
' "$TMP/ex.json" 2>"$TMP/py"; then ok "explain: sources, kernel, e820, disagreement all read back"
	else not_ok "explain: sources, kernel, e820, disagreement all read back" "$(cat "$TMP/py")"; fi
else
	n=$((n + 1)); echo "ok $n - # SKIP fake machine (python3 or a sparse file failed)"
fi

# --- usage -----------------------------------------------------------------------
"$MT" capture --bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown option is a usage error" || not_ok "unknown option is a usage error"
"$MT" help capture >"$TMP/help" 2>&1 && has "help capture" '^usage: memtype capture' "$TMP/help"

echo "1..$n"
[ "$fail" -eq 0 ]
