#!/usr/bin/env python3
"""`memtype explain` reads a `memtype capture` file back with no loss.

usage: roundtrip.py MEMTYPE CAPTURE...

For each capture (the real ones from QEMU guests in tests/data/qemu/), the
raw values are parsed here, independently of the library's parsers, and
compared with what `memtype explain -j` reports:

- MAXPHYADDR (the cpuid line) and the CPU vendor;
- MTRRcap.VCNT, DEF_TYPE's E, FE and type;
- all 88 fixed-range sub-ranges (SDM Vol. 3A §11.11.2.2, Table 11-9),
  expanded from the eleven MSRs and from explain's runs;
- each variable pair's base, mask, type and valid bit (§11.11.2.3);
- IA32_PAT as a number;
- the firmware e820 (the memmap section), entry by entry;
- with more than one CPU, the `cpus` check agreeing (every CPU's MSRs
  were read and match).

Output is TAP, one test per capture.
"""
import json
import subprocess
import sys

import capture_file
import tap

TYPE_NAMES = {0: "UC", 1: "WC", 4: "WT", 5: "WP", 6: "WB"}

def fixed_layout():
    """(msr, first address, sub-range size) of the 88 fixed sub-ranges."""
    out = [(0x250, 0, 0x10000), (0x258, 0x80000, 0x4000), (0x259, 0xA0000, 0x4000)]
    out += [(0x268 + j, 0xC0000 + 0x8000 * j, 0x1000) for j in range(8)]
    return out


def check(memtype, path):
    cap = capture_file.read(path)
    msrs, e820, phys_bits, vendor = cap.cpus.get(0, {}), cap.e820, cap.phys_bits, cap.vendor
    ncpus = len(cap.cpus)
    r = subprocess.run([memtype, "explain", "-j", path], capture_output=True, text=True)
    if r.returncode not in (0, 1):
        return [f"explain exit {r.returncode}: {r.stderr.strip()}"]
    d = json.loads(r.stdout)
    bad = []

    def want(what, real, got):
        if real != got:
            bad.append(f"{what}: capture {real}, explain {got}")

    want("phys_bits", phys_bits, d["phys_bits"])
    want("vendor", vendor, d["cpu_vendor"])
    mt = d["mtrr"]
    want("MTRR source", "msr", mt["source"])
    want("VCNT", msrs[0xFE] & 0xFF, mt["vcnt"])
    want("DEF_TYPE.E", bool(msrs[0x2FF] >> 11 & 1), mt["enabled"])
    want("DEF_TYPE.FE", bool(msrs[0x2FF] >> 10 & 1), mt["fixed_enabled"])
    want("DEF_TYPE.type", TYPE_NAMES[msrs[0x2FF] & 0xFF], mt["default_type"])

    # The fixed ranges, one sub-range at a time.
    for msr, first, size in fixed_layout():
        for k in range(8):
            addr = first + k * size
            real = TYPE_NAMES.get(msrs[msr] >> (8 * k) & 0xFF, "reserved")
            run = next((x for x in mt["fixed"]
                        if int(x["start"], 16) <= addr and addr + size - 1 <= int(x["end"], 16)), None)
            got = run["type"] if run else "absent"
            if real != got:
                bad.append(f"fixed 0x{addr:x}+0x{size:x} (MSR 0x{msr:x} byte {k}): capture {real}, explain {got}")

    addr_mask = (1 << phys_bits) - 1 & ~0xFFF
    for i, v in enumerate(mt["variable"]):
        base, mask = msrs[0x200 + 2 * i], msrs[0x201 + 2 * i]
        valid = bool(mask >> 11 & 1)
        want(f"var{i} valid", valid, v["enabled"])
        if valid:
            want(f"var{i} base", base & addr_mask, int(v["base"], 16))
            want(f"var{i} mask", mask & addr_mask, int(v["mask"], 16))
            want(f"var{i} type", TYPE_NAMES.get(base & 0xFF, "reserved"), v["type"])
    want("VCNT pairs", msrs[0xFE] & 0xFF, len(mt["variable"]))

    want("IA32_PAT", msrs[0x277], int(d["pat_msr"], 16))
    got_e820 = [(int(e["start"], 16), int(e["end"], 16), e["type"]) for e in d["e820"]]
    want("e820", e820, got_e820)
    # With more than one CPU, explain compares them (the `cpus` check).
    cpus = [c for c in d["checks"] if c["what"] == "cpus"]
    if ncpus > 1:
        want("cpus check", "agrees", cpus[0]["result"] if cpus else "absent")
    bad += [f"diagnostic: {x}" for x in d.get("diagnostics", [])]
    return bad


if __name__ == "__main__":
    sys.exit(tap.run_per_file(sys.argv[1:], "roundtrip.py MEMTYPE CAPTURE...",
                              lambda m, p: ("explain keeps every MTRR, PAT and e820 value", check(m, p)),
                              "values lost or changed"))
