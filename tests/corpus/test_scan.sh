#!/bin/sh
# test_scan.sh MEMTYPE CORPUS - `memtype scan` and `memtype explain` end to end
# (TAP): one JSON object per file in sorted order, bad files reported without
# stopping the scan, the explain -j keys of DESIGN.md §3, exit codes.
# Without the corpus only the synthetic cases run.
M="$1"
C="$2"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
n=0
fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

# Synthetic inputs: a capture, a binary file, an empty file, a text file.
mkdir "$T/in"
printf '[    0.000000] MTRR default type: uncachable\n[    0.000000] MTRR variable ranges enabled:\n[    0.000000]   0 base 000000000 mask F80000000 write-back\n[    0.000000]   1 disabled\n' > "$T/in/a.log"
printf '\177ELF\002\001\001\000\000\000\000' > "$T/in/b.bin"
: > "$T/in/c.empty"
printf 'hello\nworld\n' > "$T/in/d.txt"
"$M" scan "$T/in" "$T/in/missing" > "$T/out" 2> "$T/err"
rc=$?
ok "$([ $rc = 3 ] && echo 0 || echo 1)" "scan with bad files exits 3 (got $rc)"
ok "$([ "$(wc -l < "$T/out")" = 5 ] && echo 0 || echo 1)" "scan prints one line per file (5)"
python3 - "$T/out" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
paths = [d["input"]["path"] for d in lines]
assert paths == sorted(paths), paths
codes = {p.rsplit("/", 1)[-1]: d.get("error", {}).get("code") for p, d in zip(paths, lines)}
assert codes["a.log"] is None, codes
assert codes["b.bin"] == "binary-input", codes
assert codes["c.empty"] == "empty-input", codes
assert codes["d.txt"] == "unrecognised-format", codes
assert codes["missing"] == "unreadable", codes
PY
ok $? "scan: sorted, errors coded, the good file explained"
grep -q 'scan: 5 files, 1 parsed, 4 errors' "$T/err"
ok $? "scan summary on stderr"

"$M" explain -j "$T/in/a.log" > "$T/one.json"
rc=$?
python3 - "$T/one.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in ["schema_version", "input", "kernel", "cpu_vendor", "hypervisor", "phys_bits",
          "phys_bits_source", "mtrr", "pat", "e820", "mtrr_map", "linux_map", "findings"]:
    assert k in d, k
for k in ["enabled", "fixed_enabled", "default_type", "vcnt", "fixed", "variable"]:
    assert k in d["mtrr"], k
for k in ["index", "enabled", "base", "mask", "type"]:
    assert k in d["mtrr"]["variable"][0], k
for k in ["entries", "fixed", "variable", "max", "built_from"]:
    assert k in d["linux_map"], k
assert d["input"]["format"] == "dmesg" and d["input"]["contains"] == ["dmesg"]
assert d["mtrr_map"][0]["type"] == "WB"
PY
ok "$([ $rc = 0 ] && python3 -c 1 && echo 0 || echo 1)" "explain -j has the DESIGN keys"

"$M" explain "$T/in/b.bin" 2> "$T/err2" > /dev/null
rc=$?
ok "$([ $rc = 3 ] && grep -q ':1:.*: error: binary-input:' "$T/err2" && echo 0 || echo 1)" \
	"explain of a binary file: exit 3 and file:line:col: error: CODE"
"$M" explain --svg "$T/a.svg" "$T/in/a.log" > /dev/null
python3 -c "import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); assert d.documentElement.tagName == 'svg'; assert len(d.getElementsByTagName('rect')) > 3" "$T/a.svg"
ok $? "explain --svg writes a well-formed SVG"
"$M" explain --format bogus "$T/in/a.log" > /dev/null 2>&1
ok "$([ $? = 2 ] && echo 0 || echo 1)" "explain --format bogus is a usage error"

if [ -d "$C" ]; then
	files=$(find "$C" -type f ! -name '.*' | wc -l)
	"$M" scan "$C" > "$T/corpus" 2> "$T/cerr"
	ok "$([ "$(wc -l < "$T/corpus")" = "$files" ] && echo 0 || echo 1)" \
		"scan of the corpus: one line for each of its $files files"
	python3 - "$T/corpus" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    p = d["input"]["path"]
    name = p.rsplit("/", 1)[-1]
    if name in ("README.md", "INDEX.tsv"):
        assert d["error"]["code"] == "unrecognised-format", p
    else:
        assert "error" not in d, (p, d.get("error"))
PY
	ok $? "scan of the corpus: every capture explained, only the notes files rejected"
	"$M" explain "$C/pairs/dell-precision-t3600-6.4.0-rc1-mtrrdebug-lkml.log" > "$T/pairs.txt"
	grep -q 'agrees  mtrr-map-entries' "$T/pairs.txt"
	ok $? "explain (text) of the pairs log shows its map agreeing line by line"
	"$M" explain -j "$C/dmesg/amd-volcano-genoa-5.10.0-21-B7E67F8130.log" "$C/proc-mtrr/xiaomi-laptop-uc-only-proc-mtrr-notes.log" > "$T/merged.json"
	python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert len(d['input'])==2; assert any(c['what']=='merge' and c['result']=='differs' for c in d['checks'])" "$T/merged.json"
	ok $? "explain of two captures merges them and reports the disagreement"
else
	echo "# SKIP corpus checks: $C not found"
fi
echo "1..$n"
exit $fail
