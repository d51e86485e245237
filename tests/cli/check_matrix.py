#!/usr/bin/env python3
"""Checks `memtype matrix -j` against docs/json.md and against what the
reference says must hold: the TPM conflict appears exactly for SNP/TDX guests
whose TPM is described by EDK2's Tpm.asl, on 6.12 without the fix (the OVMF
releases that still program MTRRs), and is gone with 6.18, the 6.12.y
backport and the merged design (opt-uc-hole). Prints TAP."""
import json
import sys

doc = json.load(sys.stdin)
n = 0
failed = 0


def check(name, cond, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        if detail:
            print(f"# {detail}")


# Schema (docs/json.md): schema_version, axes [{name, values [{name, doc}]}],
# cells [{<axis>: value, verdict, reason, findings [codes], orders, failing_orders}].
check("schema_version is 1", doc.get("schema_version") == 1)
axes = doc.get("axes", [])
names = [a["name"] for a in axes]
check("axes are firmware, platform, kernel, tpm", names == ["firmware", "platform", "kernel", "tpm"], names)
values = {a["name"]: [v["name"] for v in a["values"]] for a in axes}
check("every axis value has a doc", all(isinstance(v.get("doc"), str) and v["doc"] for a in axes for v in a["values"]))
cells = doc.get("cells", [])
size = 1
for a in axes:
    size *= len(a["values"])
check(f"one cell per combination ({size})", len(cells) == size, len(cells))
verdicts = {"ok", "conflict", "slow", "unsafe", "undefined", "n/a"}
bad = [c for c in cells if c.get("verdict") not in verdicts or not isinstance(c.get("reason"), str) or not c["reason"]
       or not isinstance(c.get("findings"), list) or not isinstance(c.get("orders"), int)
       or any(c.get(k) not in values[k] for k in names)]
check("every cell has a verdict, a reason, findings and its axis values", not bad, bad[:1])

by = {(c["firmware"], c["platform"], c["kernel"], c["tpm"]): c for c in cells}
tpm_conflict = lambda c: c["verdict"] == "conflict" and "ioremap error for 0xfed40000-0xfed45000, requested 0x2, got 0x0" in c["reason"]

for fw in ("ovmf-202405", "ovmf-202411"):
    for pf in ("tdx", "snp"):
        c = by[(fw, pf, "6.12", "edk2-asl")]
        check(f"{fw} {pf} 6.12 edk2-asl: TPM conflict", tpm_conflict(c), c)
        for k in ("6.18", "6.12.y", "opt-uc-hole"):
            c = by[(fw, pf, k, "edk2-asl")]
            check(f"{fw} {pf} {k} edk2-asl: ok", c["verdict"] == "ok", c)
        c = by[(fw, pf, "6.12", "qemu-asl")]
        check(f"{fw} {pf} 6.12 qemu-asl (no SystemMemory region): no TPM conflict", not tpm_conflict(c), c)

non_coco = [c for c in cells if c["platform"] not in ("tdx", "snp")]
check("no TPM conflict without SNP/TDX", not any(tpm_conflict(c) for c in non_coco))
check("no TPM conflict with the QEMU TPM description", not any(tpm_conflict(c) for c in cells if c["tpm"] == "qemu-asl"))
fixed = [c for c in cells if c["kernel"] in ("6.18", "6.12.y", "opt-uc-hole")]
check("no TPM conflict with the fix", not any(tpm_conflict(c) for c in fixed))
seabios_coco = [c for c in cells if c["firmware"] == "seabios" and c["platform"] in ("tdx", "snp")]
check("SeaBIOS cannot boot SNP/TDX guests: n/a", all(c["verdict"] == "n/a" for c in seabios_coco))
ve = by[("ovmf-202405", "tdx", "6.6", "qemu-asl")]
check("TDX on 6.6 dies on CR0.CD #VE", ve["verdict"] == "conflict" and "#VE" in ve["reason"], ve)
check("every real cell ran every probe order (6)", all(c["orders"] == 6 for c in cells if c["verdict"] != "n/a"))

print(f"1..{n}")
sys.exit(1 if failed else 0)
