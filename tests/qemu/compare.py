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
0x200.. and IA32_PAT 0x277. Any difference is a model bug (issue 7).

Output is TAP, one test per capture; a failure lists each register as
`0xIDX: real 0xV, model 0xW` so the fix starts from the register.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

FIXED = [0x250, 0x258, 0x259] + list(range(0x268, 0x270))
# IA32_PAT encodings (SDM Vol. 3A Table 11-10), in the names simulate prints.
PAT_NAMES = {0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB", 7: "UC-"}

# The firmware versions Debian 12 ships (the packages run.sh boots).
FIRMWARE_VERSION = {"seabios": "1.16.2", "ovmf": "2022.11"}


def parse_capture(path):
    """The per-CPU MSR values and the qemu-config line of one capture."""
    cpus, config = {}, None
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            m = re.match(r"cpu(\d+): 0x([0-9a-f]+): 0x([0-9a-f]+)$", line)
            if m:
                cpus.setdefault(int(m.group(1)), {})[int(m.group(2), 16)] = int(m.group(3), 16)
                continue
            if line.startswith("# qemu-config:"):
                config = {}
                for word in line.split(":", 1)[1].split():
                    if "=" not in word:
                        raise ValueError(f"{path}:{lineno}: expected key=value, got '{word}'")
                    k, v = word.split("=", 1)
                    config[k] = v
    if config is None:
        raise ValueError(f"{path}: no '# qemu-config:' line (written by tests/qemu/run.sh)")
    for key in ("machine", "firmware", "ram", "phys_bits", "cpu", "kernel"):
        if key not in config:
            raise ValueError(f"{path}: qemu-config has no '{key}='")
    if not cpus:
        raise ValueError(f"{path}: no MSR lines (cpuN: 0xIDX: 0xVALUE): the msr module did not load")
    return cpus, config


def scenario_yaml(config, name):
    fw = config["firmware"]
    # The hypervisor only stores the guest's MTRR/PAT writes (QEMU TCG
    # target/i386/tcg/sysemu/misc_helper.c helper_wrmsr, KVM kvm_mtrr_set_msr);
    # kind kvm gives the same guest view, with MTRRcap 0x508 as both report.
    return (
        f"name: {name}\n"
        f"platform: {{cpu: {config['cpu']}, phys_bits: {config['phys_bits']}, "
        f"page1gb: {config.get('page1gb', 'false')}, "
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
    return msrs, gv["pat"]


def compare(memtype, path):
    cpus, config = parse_capture(path)
    name = os.path.basename(path).rsplit(".", 1)[0]
    model, model_pat = model_view(memtype, config, name)
    diffs = []
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


def main(argv):
    if len(argv) < 2:
        print("usage: compare.py MEMTYPE CAPTURE...", file=sys.stderr)
        return 2
    memtype, paths = argv[0], argv[1:]
    print(f"1..{len(paths)}")
    failed = 0
    for n, path in enumerate(paths, 1):
        try:
            ncpu, diffs = compare(memtype, path)
        except (ValueError, RuntimeError, KeyError, json.JSONDecodeError) as e:
            print(f"not ok {n} - {os.path.basename(path)}: {e}")
            failed += 1
            continue
        if diffs:
            failed += 1
            print(f"not ok {n} - {os.path.basename(path)}: {len(diffs)} registers differ")
            for d in diffs:
                print(f"#   {d}")
        else:
            print(f"ok {n} - {os.path.basename(path)}: {ncpu} CPUs, every MTRR and IA32_PAT as modelled")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
