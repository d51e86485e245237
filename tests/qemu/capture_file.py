"""Read a `memtype capture` file (docs/capture-format.md) without the
library's parsers, so that compare.py and roundtrip.py check memtype against
an independent reading of the same file."""
import re

MSR_LINE = re.compile(r"cpu(\d+): 0x([0-9a-f]+): 0x([0-9a-f]+)$")
E820_LINE = re.compile(r"BIOS-e820: \[mem 0x([0-9a-f]+)-0x([0-9a-f]+)\] (.+)$")
CPUID_LINE = re.compile(r"cpuid 0x80000008 eax 0x[0-9a-f]+ phys_bits (\d+)$")


class Capture:
    """cpus: {cpu: {msr: value}} of the msr section; e820: [(start, end,
    type)] of the memmap section; phys_bits and vendor ("amd"/"intel") of the
    cpuid section; config: the `# qemu-config:` words run.sh appends, or None."""

    def __init__(self):
        self.cpus, self.e820 = {}, []
        self.phys_bits = self.vendor = self.config = None


def read(path):
    cap, section = Capture(), None
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            if line.startswith("# section: "):
                section = line[len("# section: "):]
            elif line.startswith("# qemu-config:"):
                cap.config = {}
                for word in line.split(":", 1)[1].split():
                    if "=" not in word:
                        raise ValueError(f"{path}:{lineno}: expected key=value, got '{word}'")
                    k, v = word.split("=", 1)
                    cap.config[k] = v
            elif section == "msr" and MSR_LINE.match(line):
                m = MSR_LINE.match(line)
                cap.cpus.setdefault(int(m.group(1)), {})[int(m.group(2), 16)] = int(m.group(3), 16)
            elif section == "memmap" and E820_LINE.match(line):
                m = E820_LINE.match(line)
                cap.e820.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
            elif section == "cpuid" and CPUID_LINE.match(line):
                cap.phys_bits = int(CPUID_LINE.match(line).group(1))
            elif section == "cpuid" and line.startswith("vendor_id"):
                cap.vendor = "amd" if "AMD" in line else "intel"
    return cap
