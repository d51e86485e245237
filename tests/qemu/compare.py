#!/usr/bin/env python3
"""Compare real QEMU captures with memtype's firmware model, register by register.

usage: compare.py MEMTYPE CAPTURE...

Each CAPTURE is a `memtype capture` file written inside a QEMU guest by
tests/qemu/run.sh, which appends one line naming the machine it booted:

    # qemu-config: machine=q35 firmware=seabios ram=8G phys_bits=40 cpu=amd smp=2 kernel=6.1

For each capture this script writes the scenario of that machine (QEMU preset,
RAM, MAXPHYADDR, vendor, firmware, guest kernel), runs `memtype simulate -j`,
and compares the model's guest view (`guest_view.mtrr_msrs`, where an absent
MSR is 0, and `guest_view.pat`) with the MSRs every CPU of the guest read back:
MTRRcap 0xfe, DEF_TYPE 0x2ff, the eleven fixed-range MSRs, the variable pairs
0x200.. and IA32_PAT 0x277. It also compares the firmware's e820 (the memmap
section) with `guest_view.e820`: whole for SeaBIOS; for OVMF every entry but
the boot-time allocations between 9 MiB and the ACPI tables, whose places move
with the vCPU count (their usable total must still agree). Any difference is
a model bug (issue 7).

Output is TAP, one test per capture; a failure lists each register as
`0xIDX: real 0xV, model 0xW` so the fix starts from the register.
"""
import json
import os
import subprocess
import sys
import tempfile

import capture_file
import tap

FIXED = [0x250, 0x258, 0x259] + list(range(0x268, 0x270))
# IA32_PAT encodings (SDM Vol. 3A Table 11-10), in the names simulate prints.
PAT_NAMES = {0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB", 7: "UC-"}

# The firmware versions Debian 12 ships (the packages run.sh boots).
FIRMWARE_VERSION = {"seabios": "1.16.2", "ovmf": "2022.11"}


def parse_capture(path):
    """The per-CPU MSR values, the firmware e820 (memmap section) and the
    qemu-config line of one capture."""
    cap = capture_file.read(path)
    cpus, config, e820 = cap.cpus, cap.config, cap.e820
    if config is None:
        raise ValueError(f"{path}: no '# qemu-config:' line (written by tests/qemu/run.sh)")
    for key in ("machine", "firmware", "ram", "phys_bits", "cpu", "kernel"):
        if key not in config:
            raise ValueError(f"{path}: qemu-config has no '{key}='")
    if not cpus:
        raise ValueError(f"{path}: no MSR lines (cpuN: 0xIDX: 0xVALUE): the msr module did not load")
    if not e820:
        raise ValueError(f"{path}: no BIOS-e820 lines in its memmap section")
    return cpus, config, e820


def scenario_yaml(config, name):
    fw = config["firmware"]
    # The hypervisor only stores the guest's MTRR/PAT writes (QEMU TCG
    # target/i386/tcg/sysemu/misc_helper.c helper_wrmsr, KVM kvm_mtrr_set_msr);
    # kind kvm gives the same guest view, with MTRRcap 0x508 as both report.
    return (
        f"name: {name}\n"
        f"platform: {{cpu: {config['cpu']}, phys_bits: {config['phys_bits']}, "
        f"page1gb: {config.get('page1gb', 'false')}, cpus: {config.get('smp', '1')}, "
        f"memory: {config['machine']}, ram: {config['ram']}}}\n"
        f"hypervisor: {{kind: kvm, version: \"6.16\"}}\n"
        f"firmware: {{kind: {fw}, version: \"{FIRMWARE_VERSION[fw]}\"}}\n"
        f"guest: {{kernel: linux, version: \"{config['kernel']}\"}}\n"
    )


def model_view(memtype, config, name):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as t:
        t.write(scenario_yaml(config, name))
        path = t.name
    try:
        r = subprocess.run([memtype, "simulate", "-j", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"memtype simulate failed ({r.returncode}): {r.stderr.strip()}")
    gv = json.loads(r.stdout)["guest_view"]
    msrs = {int(k, 16): int(v, 16) for k, v in gv["mtrr_msrs"].items()}
    e820 = [(int(e["start"], 16), int(e["end"], 16), e["type"]) for e in gv["e820"]]
    return msrs, gv["pat"], e820


def ovmf_moving_zone(table):
    """[9 MiB, Z): where OVMF 2022.11's boot-time allocations sit, whose place
    moves with the vCPU count in steps the model does not follow (see
    src/lib/platform.c layout_ovmf). Z ends the last usable entry before the
    first "ACPI data" entry."""
    acpi = next((e[0] for e in table if e[2] == "ACPI data"), None)
    usable_ends = [e[1] + 1 for e in table if e[2] == "usable" and acpi is not None and e[1] < acpi]
    return (0x900000, max(usable_ends)) if usable_ends else (0x900000, 0x900000)


def e820_diffs(real, model, firmware):
    """The e820 entries that differ. SeaBIOS: the whole table. OVMF: every
    entry outside its moving zone, and the same usable bytes inside it."""
    if firmware != "ovmf":
        zr = zm = (0, 0)
    else:
        zr, zm = ovmf_moving_zone(real), ovmf_moving_zone(model)
    diffs = []
    if zr != zm:
        diffs.append(f"e820: OVMF allocation zone real [0x{zr[0]:x}, 0x{zr[1]:x}), "
                     f"model [0x{zm[0]:x}, 0x{zm[1]:x})")
    inside = lambda e, z: z[0] <= e[0] and e[1] < z[1]
    r_out = [e for e in real if not inside(e, zr)]
    m_out = [e for e in model if not inside(e, zm)]
    for e in r_out:
        if e not in m_out:
            diffs.append(f"e820: real [0x{e[0]:x}-0x{e[1]:x}] {e[2]}, not in the model")
    for e in m_out:
        if e not in r_out:
            diffs.append(f"e820: model [0x{e[0]:x}-0x{e[1]:x}] {e[2]}, not in the capture")
    usable = lambda t, z: sum(e[1] + 1 - e[0] for e in t if inside(e, z) and e[2] == "usable")
    if usable(real, zr) != usable(model, zm):
        diffs.append(f"e820: usable bytes in the OVMF zone: real 0x{usable(real, zr):x}, "
                     f"model 0x{usable(model, zm):x}")
    return diffs


def compare(memtype, path):
    cpus, config, real_e820 = parse_capture(path)
    name = os.path.basename(path).rsplit(".", 1)[0]
    model, model_pat, model_e820 = model_view(memtype, config, name)
    diffs = e820_diffs(real_e820, model_e820, config["firmware"])
    for cpu, real in sorted(cpus.items()):
        vcnt = real.get(0xFE, 0) & 0xFF
        wanted = [0xFE, 0x2FF] + FIXED + list(range(0x200, 0x200 + 2 * vcnt))
        for idx in wanted:
            if idx not in real:
                diffs.append(f"cpu{cpu} 0x{idx:x}: not in the capture")
            elif real[idx] != model.get(idx, 0):
                diffs.append(f"cpu{cpu} 0x{idx:x}: real 0x{real[idx]:x}, model 0x{model.get(idx, 0):x}")
        if 0x277 not in real:
            diffs.append(f"cpu{cpu} 0x277: not in the capture")
        else:
            pat = [PAT_NAMES.get((real[0x277] >> (8 * i)) & 7, "reserved") for i in range(8)]
            if pat != model_pat:
                diffs.append(f"cpu{cpu} IA32_PAT: real {' '.join(pat)}, model {' '.join(model_pat)}")
    return len(cpus), diffs


def check(memtype, path):
    ncpu, diffs = compare(memtype, path)
    return f"{ncpu} CPUs, every MTRR, IA32_PAT and the e820 as modelled", diffs


if __name__ == "__main__":
    sys.exit(tap.run_per_file(sys.argv[1:], "compare.py MEMTYPE CAPTURE...", check, "differences"))
