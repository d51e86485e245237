#!/bin/sh
# tests/qemu/run.sh - the QEMU conformance suite (issue 7, part 2).
#
# Boots Debian's own kernel under qemu-system-x86_64 (TCG) with real SeaBIOS
# and OVMF, runs the static `memtype capture` from a tiny initramfs, and
# compares the firmware's real MTRR programming and the kernel's IA32_PAT
# with `memtype simulate` for the same machine (tests/qemu/compare.py).
#
# usage: tests/qemu/run.sh [--set all|ci] [--jobs N] [--timeout SEC] [--store]
#                          STATIC_MEMTYPE GUEST_INIT MEMTYPE
#   --set all   q35, i440fx x SeaBIOS, OVMF x RAM 1,2,3,4,8,16 GiB x phys-bits 40, 46,
#               and i440fx with 3.25 GiB (a non-contiguous SeaBIOS mask)
#   --set ci    one SeaBIOS and one OVMF boot (q35, 8 GiB, 40 bits)
#   --set smp   q35 and i440fx with OVMF, 2 GiB, 40 bits (for --smp N)
#   --set cpuid q35, 8 GiB: an Intel vendor (SeaBIOS and OVMF; OVMF at 36,
#               39, 40, 46 bits) and 1-GByte pages (pdpe1gb; OVMF, 40-48 bits)
#   --smp N     vCPUs (default 2)
#   --keep DIR  copy the captures and console logs to DIR
#   --store     copy the captures to tests/data/qemu/ (what `make check` compares)
# Exit: 0 all match, 1 a mismatch or a failed boot, 77 (skip) when the Debian
# packages are missing: qemu-system-x86 seabios ovmf linux-image-amd64 cpio.
set -eu

set_name=all
jobs=$(nproc 2>/dev/null || echo 2)
timeout_s=300
store=0
smp=2
keep=
while [ $# -gt 0 ]; do
	case "$1" in
	--set) set_name=$2; shift 2 ;;
	--jobs) jobs=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--store) store=1; shift ;;
	--smp) smp=$2; shift 2 ;;
	--keep) keep=$2; shift 2 ;;
	--) shift; break ;;
	-*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ $# -ne 3 ]; then
	echo "usage: run.sh [--set all|ci] [--jobs N] [--timeout SEC] [--store] STATIC_MEMTYPE GUEST_INIT MEMTYPE" >&2
	exit 2
fi
static_memtype=$1 guest_init=$2 memtype=$3
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

skip() { echo "run.sh: SKIP: $*" >&2; exit 77; }

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not installed (apt-get install qemu-system-x86)"
command -v cpio >/dev/null || skip "cpio not installed"
[ -r /usr/share/seabios/bios-256k.bin ] || skip "no /usr/share/seabios/bios-256k.bin (apt-get install seabios)"
[ -r /usr/share/ovmf/OVMF.fd ] || skip "no /usr/share/ovmf/OVMF.fd (apt-get install ovmf)"
# The newest Debian kernel that has its msr module (CONFIG_X86_MSR=m).
kernel=
for k in $(ls /boot/vmlinuz-* 2>/dev/null | sort -V); do
	r=${k#/boot/vmlinuz-}
	[ -r "/lib/modules/$r/kernel/arch/x86/kernel/msr.ko" ] && kernel=$r
done
[ -n "$kernel" ] || skip "no /boot/vmlinuz-* with /lib/modules/*/kernel/arch/x86/kernel/msr.ko (apt-get install linux-image-amd64)"
[ -r "/boot/vmlinuz-$kernel" ] || skip "/boot/vmlinuz-$kernel is not readable (run as root)"
for b in "$static_memtype" "$guest_init"; do
	# A dynamic ELF names its loader in a PT_INTERP program header.
	if [ ! -x "$b" ] || readelf -l "$b" 2>/dev/null | grep -q 'program interpreter'; then
		echo "run.sh: $b is not a static executable (built by make: build/src/cli/memtype-static, build/tests/qemu/memtype-guest-init)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/memtype-qemu.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

# The initramfs: /init, /bin/memtype and the msr module where capture's
# --load-msr looks for it (finit_module; there is no modprobe).
root=$work/root
moddir=$root/lib/modules/$kernel/kernel/arch/x86/kernel
mkdir -p "$root/bin" "$root/proc" "$root/sys" "$root/dev" "$moddir"
cp "$guest_init" "$root/init"
cp "$static_memtype" "$root/bin/memtype"
cp "/lib/modules/$kernel/kernel/arch/x86/kernel/msr.ko" "$moddir/"
(cd "$root" && find . | cpio -o -H newc --quiet) >"$work/initramfs.cpio"

# The configurations: machine firmware ram phys_bits [vendor [1g]] (ram in
# GiB, or with QEMU's M suffix; vendor amd, qemu64's own, or intel; 1g adds
# pdpe1gb, which qemu64 lacks).
configs=$work/configs
if [ "$set_name" = ci ]; then
	printf '%s\n' "q35 seabios 8 40" "q35 ovmf 8 40" >"$configs"
elif [ "$set_name" = cpuid ]; then
	# An Intel vendor also drops the AMD HyperTransport hole QEMU reserves
	# for AMD vCPUs only (hw/i386/pc.c pc_memory_init).
	printf '%s\n' "q35 seabios 8 40 intel" "q35 ovmf 8 40 intel" "q35 ovmf 8 36 intel" \
		"q35 ovmf 8 39 intel" "q35 ovmf 8 46 intel" "q35 ovmf 8 46 amd 1g" \
		"q35 ovmf 8 40 amd 1g" "q35 ovmf 8 46 intel 1g" "q35 ovmf 8 47 amd 1g" \
		"q35 ovmf 8 48 amd 1g" >"$configs"
elif [ "$set_name" = smp ]; then
	printf '%s\n' "q35 ovmf 2 40" "i440fx ovmf 2 40" >"$configs"
elif [ "$set_name" = all ]; then
	: >"$configs"
	for m in q35 i440fx; do for fw in seabios ovmf; do for ram in 1 2 3 4 8 16; do
		for pb in 40 46; do echo "$m $fw $ram $pb" >>"$configs"; done
	done; done; done
	# RAM between 3 and 3.5 GiB on i440fx: all of it below 4 GiB, so SeaBIOS's
	# UC hole [RamSize, 4 GiB) is no power of two and its mask is
	# non-contiguous (fw_seabios.c); OVMF rounds it to a power of two.
	for fw in seabios ovmf; do echo "i440fx $fw 3328M 40" >>"$configs"; done
else
	echo "run.sh: --set must be all, ci, cpuid or smp" >&2
	exit 2
fi

# One boot, in a file of its own so that the shells xargs starts can source it.
cat >"$work/boot.sh" <<'BOOT'
# One boot: qemu64 reports AuthenticAMD (QEMU target/i386/cpu.c, the qemu64
# model's vendor CPUID_VENDOR_AMD) and no 1-GByte pages (its ext2 features
# lack CPUID_EXT2_PDPE1GB, hence page1gb=false). $smp vCPUs (2 by default)
# so that capture reads every CPU and the comparison sees the APs the kernel
# programmed. -no-reboot makes a guest panic (panic=-1) end QEMU too; the
# timeout bounds a hang.
boot() {
	m=$1 fw=$2 ram=$3 pb=$4 cpu=${5:-amd} gb=${6:-no1g}
	case $ram in *M) mem=$ram ;; *) mem=${ram}G ;; esac
	name=$m-$fw-$(echo "$mem" | tr 'GM' 'gm')-pb$pb
	[ "$smp" = 2 ] || name=$name-smp$smp
	[ "$cpu" = amd ] || name=$name-$cpu
	vendor=
	[ "$cpu" = intel ] && vendor=,vendor=GenuineIntel
	page1gb=false
	if [ "$gb" = 1g ]; then
		name=$name-1g
		vendor=$vendor,pdpe1gb=on
		page1gb=true
	fi
	machine=$m
	[ "$m" = i440fx ] && machine=pc
	bios=/usr/share/seabios/bios-256k.bin
	[ "$fw" = ovmf ] && bios=/usr/share/ovmf/OVMF.fd
	start=$(date +%s)
	rc=0
	timeout "$timeout_s" qemu-system-x86_64 -machine "$machine" -accel tcg -smp "$smp" \
		-m "$mem" -cpu "qemu64,phys-bits=$pb$vendor" -bios "$bios" \
		-nographic -no-reboot -monitor none -nic none \
		-serial "file:$work/$name.console" -serial "file:$work/$name.raw" \
		-kernel "/boot/vmlinuz-$kernel" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 rdinit=/init panic=-1 loglevel=8 ignore_loglevel" \
		</dev/null >"$work/$name.qemu" 2>&1 || rc=$?
	secs=$(($(date +%s) - start))
	if [ $rc -ne 0 ] || ! grep -q 'memtype-guest: capture exit status 0' "$work/$name.console"; then
		echo "boot $name: FAILED (qemu exit $rc after ${secs}s); last console lines:" >&2
		tail -5 "$work/$name.console" >&2 2>/dev/null || true
		cat "$work/$name.qemu" >&2
		return 1
	fi
	# OVMF and the kernel's EFI stub also write to every serial port before
	# Linux starts (screen clears, "EFI stub: Loaded initrd ..."): the
	# capture starts at its own first line.
	tr -d '\r' <"$work/$name.raw" | sed -n '/^# memtype capture format/,$p' >"$work/$name.capture"
	printf '# qemu-config: machine=%s firmware=%s ram=%s phys_bits=%s cpu=%s page1gb=%s smp=%s kernel=%s qemu=%s\n' \
		"$m" "$fw" "$mem" "$pb" "$cpu" "$page1gb" "$smp" "$(echo "$kernel" | cut -d. -f1-2)" \
		"$qemu_version" >>"$work/$name.capture"
	echo "boot $name: ${secs}s"
}

BOOT
# Run the boots, $jobs at a time (xargs -P); each writes NAME.log.
qemu_version=$(qemu-system-x86_64 --version | head -1 | sed 's/.*version \([^ ]*\).*/\1/')
export work kernel timeout_s smp qemu_version
fail=0
xargs -P "$jobs" -L 1 sh -c '. "$0"; boot "$@" >"$work/$1-$2-$3-pb$4-$5-$6-smp$smp.log" 2>&1' "$work/boot.sh" \
	<"$configs" || fail=1
cat "$work"/*.log

captures=$(ls "$work"/*.capture 2>/dev/null || true)
if [ -z "$captures" ]; then
	echo "run.sh: no capture was written" >&2
	exit 1
fi
if [ -n "$keep" ]; then
	mkdir -p "$keep"
	cp $captures "$work"/*.console "$keep/"
fi
if [ "$store" = 1 ]; then
	mkdir -p "$top/tests/data/qemu"
	cp $captures "$top/tests/data/qemu/"
	echo "run.sh: stored $(echo "$captures" | wc -w) captures in tests/data/qemu/"
fi
# shellcheck disable=SC2086
python3 "$here/compare.py" "$memtype" $captures || fail=1
exit $fail
