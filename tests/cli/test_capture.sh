#!/bin/sh
# End-to-end tests of `memtype capture` (issue 7, part 1), as TAP: the live
# capture of this machine (whatever it allows: root or not, with or without
# /dev/cpu/N/msr) has its header and sections, every missing source is a
# "# SOURCE: ... (why)" comment, and `memtype explain` reads the file back;
# a fake machine under MEMTYPE_CAPTURE_SYSROOT (MSR files holding MSR i at
# offset 8*i) checks the per-CPU dump, the CPUs-disagree comment, the
# memmap-to-e820 translation and the round trip through explain; a fake
# of the QEMU q35/SeaBIOS guest in ../shared/corpus/qemu (its MSRs, e820,
# iomem and its real serial log as the kernel log) checks that explain reads
# the e820 map and the banner given twice (memmap and kernel log) once, and
# that `memtype resolve` takes the registers from a capture. --load-msr's
# finit_module(2) fallback runs on junk files only: nothing can be loaded.
#   usage: test_capture.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
SRC=${2:-.}
CORPUS=${MEMTYPE_QEMU_CORPUS:-$SRC/../shared/corpus/qemu}
TMP=$(mktemp -d)
chmod 755 "$TMP"
[ -n "${KEEP_TMP:-}" ] || trap 'rm -rf "$TMP"' EXIT
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

# CPUID is the real CPU's even under MEMTYPE_CAPTURE_SYSROOT: give a fake
# capture the CPUID of the machines faked here (QEMU's qemu64: AMD,
# MAXPHYADDR 40), whose 40-bit PHYSMASKs would mean other sizes at 46 or 48.
guest_cpuid() {
	sed -e 's/^vendor_id : .*/vendor_id : AuthenticAMD/' \
		-e 's/^cpuid 0x80000008 eax .*/cpuid 0x80000008 eax 0x3028 phys_bits 40/' "$1"
}

# capture_fake NAME ROOT OUT : capture the fake machine under ROOT into OUT,
# with the faked CPUID (guest_cpuid); ok when capture exits 0.
capture_fake() {
	MEMTYPE_CAPTURE_SYSROOT=$2 "$MT" capture -o "$3.live" 2>"$TMP/err"
	st=$?
	guest_cpuid "$3.live" >"$3"
	if [ "$st" -eq 0 ]; then ok "$1 exits 0"; else not_ok "$1 exits $st" "$(cat "$TMP/err")"; fi
}

# --- the live machine -------------------------------------------------------
OUT=$TMP/live.txt
"$MT" capture -o "$OUT" 2>"$TMP/err"
st=$?
if [ "$st" -eq 0 ] || [ "$st" -eq 3 ]; then ok "live capture exits $st"; else not_ok "live capture exits $st" "$(cat "$TMP/err")"; fi
has "header names the format" '^# memtype capture format 1 ' "$OUT"
has "header has version and kernel" "^# memtype [0-9][^,]*, kernel $(uname -r | sed 's/[.+]/./g'), " "$OUT"
for s in kernel cpuid msr proc-mtrr memmap iomem kernel-log pat_memtype_list; do
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
if [ -r /proc/iomem ]; then has "iomem copied" '^ *[0-9a-f]+-[0-9a-f]+ : ' "$OUT"; fi
has "kernel log: lines kept, or why not" '^# kernel-log: ([0-9]+ of [0-9]+ kernel lines kept|.*: )' "$OUT"
if grep -q '^# kernel-log: [0-9]* of' "$OUT" && ! grep -q "^# kernel-log: no 'Linux version'" "$OUT"; then
	has "kernel log: the banner as the kernel printed it" '^(\[ *[0-9]+\.[0-9]{6}\] )Linux version ' "$OUT"
fi
explain_ok "explain reads the live capture" "$OUT"
if "$MT" explain -j "$OUT" >"$TMP/live.json" 2>/dev/null || [ $? -eq 1 ]; then
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [g for g in d["diagnostics"] if g["code"] in ("second-boot", "e820-mismatch")]
assert not bad, bad
' "$TMP/live.json" 2>"$TMP/py"; then ok "live: banner and e820 given twice are read once"
	else not_ok "live: banner and e820 given twice are read once" "$(cat "$TMP/py")"; fi
else
	n=$((n + 1)); echo "ok $n - # SKIP live explain -j (explain rejected the capture)"
fi

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
	if [ -s /proc/iomem ]; then has "unprivileged: iomem zeros explained" '^# iomem: every address reads as 0: .*CAP_SYS_ADMIN' "$OUT"; fi
	if [ "$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null)" = 1 ]; then
		has "unprivileged: kernel log missing with the reason" '^# kernel-log: klogctl\(SYSLOG_ACTION_READ_ALL\): Operation not permitted \(kernel.dmesg_restrict is 1' "$OUT"
		has "unprivileged: kernel-log listed as missing" '^# missing: .*kernel-log' "$OUT"
	fi
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
has "--load-msr: no msr.ko to fall back to" "^# msr: --load-msr: no $R/lib/modules/.*/kernel/arch/x86/kernel/msr.ko\\{,.xz,.zst\\} " "$TMP/load.txt"
# A modprobe that hangs is killed after the timeout (MEMTYPE_CAPTURE_TIMEOUT_MS).
printf '#!/bin/sh\nexec sleep 30\n' >"$TMP/bin/modprobe"
t0=$(date +%s)
PATH="$TMP/bin:$PATH" MEMTYPE_CAPTURE_TIMEOUT_MS=300 MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/hang.txt" 2>/dev/null
t1=$(date +%s)
has "--load-msr: a hung modprobe is killed" '^# msr: --load-msr: modprobe msr: modprobe did not finish within 300 ms: killed$' "$TMP/hang.txt"
if [ $((t1 - t0)) -lt 10 ]; then ok "a hung modprobe does not hang capture"; else not_ok "a hung modprobe does not hang capture ($((t1 - t0)) s)"; fi
printf '#!/bin/sh\necho "$@" >"%s/modprobe.args"\nexit 1\n' "$TMP" >"$TMP/bin/modprobe"
# No modprobe at all (a minimal initramfs): finit_module(2) on the file
# MEMTYPE_MSR_MODULE names. The file is junk: the kernel refuses it (or the
# caller may not load modules); whatever it says is recorded.
mkdir -p "$TMP/nobin"
printf 'not a module\n' >"$TMP/junk.ko"
PATH="$TMP/nobin" MEMTYPE_MSR_MODULE="$TMP/junk.ko" MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/load2.txt" 2>/dev/null
has "--load-msr without modprobe says so" '^# msr: --load-msr: modprobe msr: could not run modprobe \(not installed\?\)$' "$TMP/load2.txt"
has "--load-msr falls back to finit_module" "^# msr: --load-msr: finit_module\\($TMP/junk.ko\\): [A-Z]" "$TMP/load2.txt"
hasnt "--load-msr: junk is never loaded" 'finit_module.*: (loaded|already loaded)$' "$TMP/load2.txt"
cp "$TMP/junk.ko" "$TMP/junk.ko.xz"
PATH="$TMP/bin:$PATH" MEMTYPE_MSR_MODULE="$TMP/junk.ko.xz" MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/load3.txt" 2>/dev/null
has "--load-msr: a compressed module goes with MODULE_INIT_COMPRESSED_FILE" "^# msr: --load-msr: finit_module\\($TMP/junk.ko.xz, MODULE_INIT_COMPRESSED_FILE\\): [A-Z]" "$TMP/load3.txt"
PATH="$TMP/nobin" MEMTYPE_MSR_MODULE="$TMP/absent.ko" MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/load4.txt" 2>/dev/null
has "--load-msr: an absent module file is named" "^# msr: --load-msr: $TMP/absent.ko: No such file or directory$" "$TMP/load4.txt"
LONG=$(printf '/x%.0s' $(seq 400))
PATH="$TMP/nobin" MEMTYPE_MSR_MODULE="$LONG" MEMTYPE_CAPTURE_SYSROOT=$R "$MT" capture --load-msr -o "$TMP/load6.txt" 2>/dev/null
has "--load-msr: a too long MEMTYPE_MSR_MODULE is refused, not cut" '^# msr: --load-msr: MEMTYPE_MSR_MODULE is longer than [0-9]+ bytes$' "$TMP/load6.txt"
# An initramfs without any CPU driver has no /dev/cpu at all: load for cpu0.
mkdir -p "$TMP/nocpu/proc"
PATH="$TMP/nobin" MEMTYPE_CAPTURE_SYSROOT=$TMP/nocpu "$MT" capture --load-msr -o "$TMP/load5.txt" 2>/dev/null
has "--load-msr without /dev/cpu tries to load" '^# msr: --load-msr: modprobe msr: could not run modprobe' "$TMP/load5.txt"
has "--load-msr without /dev/cpu: still no CPUs, said so" '^# msr: .*/dev/cpu: No such file or directory \(no CPU device nodes' "$TMP/load5.txt"

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
# Two broken entries: an empty type file, a range ending before it starts.
for i, s, e, t in ((4, "0xfee00000\n", "0xfee00fff\n", ""),
                   (5, "0xfef00000\n", "0xfeeff000\n", "Reserved\n")):
    d = f"{R}/sys/firmware/memmap/{i}"
    os.makedirs(d)
    for k, v in (("start", s), ("end", e), ("type", t)):
        open(f"{d}/{k}", "w").write(v)
os.makedirs(f"{R}/sys/kernel/debug/x86")
open(f"{R}/sys/kernel/debug/x86/pat_memtype_list", "w").write(
    "PAT memtype list:\nPAT: [mem 0x00000000c0000000-0x00000000c0010000] uncached-minus\n")
# /proc/iomem as a reader without CAP_SYS_ADMIN sees it (every address 0).
open(f"{R}/proc/iomem", "w").write("00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n"
                                   "  00000000-00000000 : Kernel code\n00000000-00000000 : PCI Bus 0000:00\n")
# The kernel log: the banner again, the same e820 map, lines explain does
# not read, and a shell line without a timestamp (not a kernel line).
open(f"{R}/proc/kmsg-dump", "w").write(
    "<5>[    0.000000] Linux version 6.1.0-fake (x@y) (gcc 12) #1 SMP\n"
    "<6>[    0.000000] BIOS-provided physical RAM map:\n"
    "<6>[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
    "<6>[    0.000000] BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved\n"
    "<6>[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable\n"
    "<6>[    0.000000] BIOS-e820: [mem 0x00000000fed00000-0x00000000fed003ff] ACPI NVS\n"
    "<6>[    0.000000] NX (Execute Disable) protection: active\n"
    "<6>[    0.000000] x86/PAT: Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  \n"
    "<4>[    0.210000] mtrr: your CPUs had inconsistent MTRRdefType settings\n"
    "<4>[    0.210001] mtrr: probably your BIOS does not setup all CPUs.\n"
    "<6>[    0.300000] Command line: quiet foo=\n"
    "0x2ff: 0xdead\n")
PY
then
	OUT=$TMP/fake.txt
	capture_fake "fake capture" "$R" "$OUT"
	has "fake: kernel banner" '^Linux version 6.1.0-fake ' "$OUT"
	has "fake: cpu0 DEF_TYPE" '^cpu0: 0x2ff: 0xc06$' "$OUT"
	has "fake: cpu1 DEF_TYPE" '^cpu1: 0x2ff: 0xc00$' "$OUT"
	has "fake: variable pair" '^cpu1: 0x201: 0xffc0000800$' "$OUT"
	has "fake: last variable MSR per VCNT 8" '^cpu0: 0x20f: 0x0$' "$OUT"
	hasnt "fake: nothing beyond VCNT" '^cpu0: 0x210: ' "$OUT"
	has "fake: fixed MTRRs" '^cpu0: 0x26f: 0x505050505050505$' "$OUT"
	has "fake: disagreement reported" '^# msr: CPUs disagree: 0x2ff is 0xc00 on cpu1, 0xc06 on cpu0$' "$OUT"
	has "fake: memmap RAM as usable" '^BIOS-e820: \[mem 0x0000000000100000-0x00000000bfffffff\] usable$' "$OUT"
	has "fake: memmap: an empty attribute file is named, not read as garbage" '^# memmap: .*/sys/firmware/memmap/4/type: No data available$' "$OUT"
	has "fake: memmap: a range ending before it starts is refused" "^# memmap: .*/sys/firmware/memmap/5: unreadable range '0xfef00000'-'0xfeeff000'$" "$OUT"
	hasnt "fake: memmap: no line for the broken entries" '^BIOS-e820: \[mem 0x00000000fe[ef]' "$OUT"
	has "fake: memmap NVS" '^BIOS-e820: \[mem 0x00000000fed00000-0x00000000fed003ff\] ACPI NVS$' "$OUT"
	has "fake: PAT list" '^PAT: \[mem 0x00000000c0000000-0x00000000c0010000\] uncached-minus$' "$OUT"
	has "fake: iomem copied" '^  00000000-00000000 : Kernel code$' "$OUT"
	has "fake: iomem zeros explained" '^# iomem: every address reads as 0: the reader lacks CAP_SYS_ADMIN' "$OUT"
	has "fake: kernel log banner, level dropped, timestamp kept" '^\[    0.000000\] Linux version 6.1.0-fake ' "$OUT"
	has "fake: kernel log e820" '^\[    0.000000\] BIOS-e820: \[mem 0x0000000000100000-0x00000000bfffffff\] usable$' "$OUT"
	has "fake: kernel log inconsistent-settings line" '^\[    0.210000\] mtrr: your CPUs had inconsistent MTRRdefType settings$' "$OUT"
	hasnt "fake: kernel log drops lines explain does not read" 'NX \(Execute Disable\)' "$OUT"
	hasnt "fake: kernel log drops lines without a timestamp" '0xdead' "$OUT"
	has "fake: a kernel line ending in = gets a blank" '^\[    0.300000\] Command line: quiet foo= $' "$OUT"
	has "fake: kernel log count" '^# kernel-log: 10 of 11 kernel lines kept, read with .*/proc/kmsg-dump$' "$OUT"
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
assert d["diagnostics"] == [], d["diagnostics"]
assert all(c["result"] == "agrees" for c in d["checks"] if c["what"] in ("pat", "merge")), d["checks"]
' "$TMP/ex.json" 2>"$TMP/py"; then ok "explain: sources, kernel, e820 (once), disagreement all read back"
	else not_ok "explain: sources, kernel, e820 (once), disagreement all read back" "$(cat "$TMP/py")"; fi
	# resolve takes cpu0's registers from the capture and warns that cpu1 differs.
	"$MT" resolve "$OUT" 0xc0000000 0x10000000 0xc0000 >"$TMP/res.out" 2>"$TMP/res.err"
	st=$?
	if [ "$st" -eq 0 ]; then ok "resolve reads the capture (exit 0)"; else not_ok "resolve reads the capture" "exit $st" "$(cat "$TMP/res.err")"; fi
	has "resolve: the variable UC range" '^0xc0000000: UC$' "$TMP/res.out"
	has "resolve: cpu0's default type (WB), not cpu1's (UC)" '^0x10000000: WB$' "$TMP/res.out"
	has "resolve: the fixed WP range" '^0xc0000: WP$' "$TMP/res.out"
	has "resolve: warns that the CPUs disagree" "^memtype: warning: cpus-disagree: .*MSR 0x2ff \\(IA32_MTRR_DEF_TYPE\\) reads 0xc06 on the first CPU, another value on 1 of 2 CPUs" "$TMP/res.err"
	"$MT" resolve -j "$OUT" --msr 0x2ff=0xc00 0x10000000 >"$TMP/res.json" 2>/dev/null
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["cpu_vendor"] in ("intel", "amd"), d
assert d["addresses"][0]["type"] == "UC", d["addresses"]
' "$TMP/res.json" 2>"$TMP/py"; then ok "resolve: --msr applies after the capture"
	else not_ok "resolve: --msr applies after the capture" "$(cat "$TMP/py")"; fi
	# A value the CPU would refuse is a #GP at the capture's own line.
	sed 's/^cpu0: 0x201: 0xffc0000800$/cpu0: 0x201: 0xfffffffffffff800/' "$OUT" >"$TMP/gp.txt"
	line=$(grep -n '^cpu0: 0x201: ' "$TMP/gp.txt" | cut -d: -f1)
	"$MT" resolve "$TMP/gp.txt" 0 >/dev/null 2>"$TMP/gp.err"
	st=$?
	if [ "$st" -eq 3 ] && grep -q "^$TMP/gp.txt:$line:1: error: gp: WRMSR 0x201 " "$TMP/gp.err"; then ok "resolve: #GP at the capture's line"
	else not_ok "resolve: #GP at the capture's line" "exit $st, line $line" "$(cat "$TMP/gp.err")"; fi
	# A capture without MSRs is no register state: the register file's error.
	grep -v '^cpu[0-9]*: ' "$OUT" >"$TMP/nomsr.txt"
	"$MT" resolve "$TMP/nomsr.txt" 0 >/dev/null 2>"$TMP/nomsr.err"
	st=$?
	if [ "$st" -eq 3 ] && grep -q 'no capture with an MSR dump either' "$TMP/nomsr.err"; then ok "resolve: a capture without MSRs is rejected clearly"
	else not_ok "resolve: a capture without MSRs is rejected clearly" "exit $st" "$(cat "$TMP/nomsr.err")"; fi
else
	n=$((n + 1)); echo "ok $n - # SKIP fake machine (python3 or a sparse file failed)"
fi

# --- the QEMU q35/SeaBIOS guest of ../shared/corpus/qemu, captured -------------
# Its MSRs, /proc/mtrr, e820 (as /sys/firmware/memmap), iomem, PAT list and
# banner come from the serial log, and the log itself is the kernel log,
# with the 6.1 kernel's print_mtrr_state() dump (pr_debug there, so not in
# the log) added in the kernel's format for the same registers. explain
# must read the capture as it reads the log alone: the e820 map once, one
# boot, every cross-check agreeing, no finding, no diagnostic.
LOG=$CORPUS/q35-seabios-8g.log
R=$TMP/q35
if [ -r "$LOG" ] && python3 - "$LOG" "$R" <<'PY'
import os, re, struct, sys
log, R = sys.argv[1], sys.argv[2]
text = open(log, errors="replace").read().splitlines()
def block(name):
    i = text.index("===" + name) + 1
    out = []
    while i < len(text) and not text[i].startswith("===") and not text[i].startswith("/ #"):
        out.append(text[i]); i += 1
    return out
msrs = {}
for l in block("MSR"):
    m = re.match(r"(0x[0-9a-f]+): (0x[0-9a-f]+|0)$", l)
    if m:
        msrs[int(m.group(1), 16)] = int(m.group(2), 16)
assert msrs[0x2ff] == 0xc06 and msrs[0x201] == 0xffc0000800, msrs
os.makedirs(f"{R}/dev/cpu/0")
with open(f"{R}/dev/cpu/0/msr", "wb") as f:
    for i, v in msrs.items():
        f.seek(8 * i); f.write(struct.pack("<Q", v))
    f.truncate(8 * 0xc0010020)
os.makedirs(f"{R}/proc")
banner = next(l for l in text if "Linux version" in l).split("] ", 1)[1]
open(f"{R}/proc/version", "w").write(banner + "\n")
open(f"{R}/proc/mtrr", "w").write("\n".join(block("MTRR")) + "\n")
open(f"{R}/proc/iomem", "w").write("\n".join(block("IOMEM")) + "\n")
words = {"usable": "System RAM", "reserved": "Reserved", "ACPI data": "ACPI Tables",
         "ACPI NVS": "ACPI Non-volatile Storage"}
e820 = [re.search(r"BIOS-e820: \[mem (0x[0-9a-f]+)-(0x[0-9a-f]+)\] (.*)$", l) for l in text]
for i, m in enumerate(x for x in e820 if x):
    d = f"{R}/sys/firmware/memmap/{i}"
    os.makedirs(d)
    for k, v in (("start", hex(int(m.group(1), 16))), ("end", hex(int(m.group(2), 16))),
                 ("type", words[m.group(3)])):
        open(f"{d}/{k}", "w").write(v + "\n")
os.makedirs(f"{R}/sys/kernel/debug/x86")
open(f"{R}/sys/kernel/debug/x86/pat_memtype_list", "w").write("\n".join(block("PAT")) + "\n")
ts = "[    0.000000] "
dump = ["MTRR default type: write-back", "MTRR fixed ranges enabled:",
        "  00000-9FFFF write-back", "  A0000-BFFFF uncachable", "  C0000-FFFFF write-protect",
        "MTRR variable ranges enabled:", "  0 base 00C0000000 mask FFC0000000 uncachable"]
dump += [f"  {k} disabled" for k in range(1, 8)]
out = []
for l in text:
    out.append(l)
    if l.endswith("AGP: No AGP bridge found") and len(out) < 30:
        out += [ts + d for d in dump]  # once, before the x86/PAT line
open(f"{R}/proc/kmsg-dump", "w").write("\n".join(out) + "\n")
PY
then
	OUT=$TMP/q35.txt
	capture_fake "q35: capture" "$R" "$OUT"
	has "q35: missing nothing" '^# missing: nothing$' "$OUT"
	has "q35: kernel log keeps the MTRR dump" '^\[    0.000000\]   0 base 00C0000000 mask FFC0000000 uncachable$' "$OUT"
	has "q35: kernel log keeps the dump's last line" '^\[    0.000000\]   7 disabled$' "$OUT"
	hasnt "q35: kernel log drops the shell's output" '^0x2ff: ' "$OUT"
	has "q35: kernel log e820" '^\[    0.000000\] BIOS-e820: \[mem 0x000000fd00000000-0x000000ffffffffff\] reserved$' "$OUT"
	"$MT" explain -j "$OUT" >"$TMP/q35.json" 2>"$TMP/q35.err"
	st=$?
	"$MT" explain -j "$LOG" >"$TMP/q35log.json" 2>/dev/null
	if [ "$st" -eq 0 ]; then ok "q35: explain finds nothing to report (exit 0)"; else not_ok "q35: explain exit $st" "$(cat "$TMP/q35.err")" "$(head -c 2000 "$TMP/q35.json")"; fi
	if python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); g = json.load(open(sys.argv[2]))
assert set(d["input"]["contains"]) >= {"dmesg", "msr", "proc-mtrr", "pat-list"}, d["input"]
assert d["diagnostics"] == [], d["diagnostics"]
assert d["findings"] == [], d["findings"]
assert d["e820"] == g["e820"] and len(d["e820"]) == 10, (d["e820"], g["e820"])
assert d["kernel"] == g["kernel"] == "6.1.0-56-amd64", d["kernel"]
assert d["pat"] == g["pat"], (d["pat"], g["pat"])
assert d["mtrr_map"] == g["mtrr_map"], (d["mtrr_map"], g["mtrr_map"])
what = [c["what"] for c in d["checks"]]
assert what.count("merge") >= 2 and "pat" in what, d["checks"]
assert all(c["result"] == "agrees" for c in d["checks"]), d["checks"]
' "$TMP/q35.json" "$TMP/q35log.json" 2>"$TMP/py"; then ok "q35: e820 and banner read once; MSRs, dump, /proc/mtrr, PAT agree; same maps as the log alone"
	else not_ok "q35: e820 and banner read once; MSRs, dump, /proc/mtrr, PAT agree; same maps as the log alone" "$(tail -c 3000 "$TMP/py")"; fi
	"$MT" resolve "$OUT" 0xa0000 0xc0000 0x7fffffff 0xc0000000 0x100000000 >"$TMP/res.out" 2>"$TMP/res.err"
	if [ "$(grep -c '^0x' "$TMP/res.out")" -eq 5 ] && grep -q '^0xa0000: UC$' "$TMP/res.out" &&
		grep -q '^0xc0000: WP$' "$TMP/res.out" && grep -q '^0x7fffffff: WB$' "$TMP/res.out" &&
		grep -q '^0xc0000000: UC$' "$TMP/res.out" && grep -q '^0x100000000: WB$' "$TMP/res.out" &&
		[ ! -s "$TMP/res.err" ]; then ok "q35: resolve CAPTURE gives SeaBIOS's types, no warning"
	else not_ok "q35: resolve CAPTURE gives SeaBIOS's types, no warning" "$(cat "$TMP/res.out" "$TMP/res.err")"; fi
else
	n=$((n + 1)); echo "ok $n - # SKIP q35 capture (no ../shared/corpus/qemu, or no python3)"
fi

# --- resolve: a register file is not taken for a capture ---------------------
# Its first line is a register-file line, so a later typo is its error --
# not an MSR dump (capture-formats.md) that skips the bad line.
printf '0x2ff: 0xc06\n0x200: 0xc0000000\n0x201: 0xzz0000800\n' >"$TMP/typo.regs"
"$MT" resolve "$TMP/typo.regs" 0xc0000000 >"$TMP/typo.out" 2>"$TMP/typo.err"
st=$?
if [ "$st" -eq 3 ] && grep -q "^$TMP/typo.regs:3:[0-9]*: error: bad-number: " "$TMP/typo.err" && [ ! -s "$TMP/typo.out" ]; then
	ok "resolve: a register file with a typo gets its own error, not a capture's answer"
else not_ok "resolve: a register file with a typo gets its own error, not a capture's answer" "exit $st" "$(cat "$TMP/typo.out" "$TMP/typo.err")"; fi
printf 'cpu: amd\nphys_bits: 40\nphys_bits: 36\n0x2ff: 0xc06\n' >"$TMP/dup.regs"
"$MT" resolve "$TMP/dup.regs" 0 >/dev/null 2>"$TMP/dup.err"
st=$?
if [ "$st" -eq 3 ] && grep -q "^$TMP/dup.regs:3:1: error: duplicate-key: " "$TMP/dup.err"; then ok "resolve: a duplicate key is the register file's error"
else not_ok "resolve: a duplicate key is the register file's error" "exit $st" "$(cat "$TMP/dup.err")"; fi

# --- usage -----------------------------------------------------------------------
"$MT" capture --bogus >/dev/null 2>&1
[ $? -eq 2 ] && ok "unknown option is a usage error" || not_ok "unknown option is a usage error"
"$MT" help capture >"$TMP/help" 2>&1 && has "help capture" '^usage: memtype capture' "$TMP/help"

echo "1..$n"
[ "$fail" -eq 0 ]
