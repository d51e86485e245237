#!/bin/sh
# End-to-end test of the drawings and the HTML report, as TAP, in a real
# browser. `memtype simulate --svg` must write well-formed, self-contained,
# deterministic SVG for every example scenario; `memtype matrix --html` must
# write one self-contained page. Then, when /usr/bin/chromium exists, the page
# is loaded headless and the DOM it builds (after its inline script ran) is
# checked against `memtype matrix -j` with Python's html.parser: one cell per
# matrix cell with the JSON verdict, one detail section per cell with exactly
# one drawing (none for "n/a" cells, which are not simulated), every #link
# resolving, and the summary the script computes. A screenshot is taken and
# must not be blank (MEMTYPE_SCREENSHOT=FILE keeps it for a human to look at).
#   usage: test_html.sh MEMTYPE_BINARY SOURCE_ROOT
set -u
MT=$1
ROOT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
fail=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
# check NAME COMMAND...: ok when the command succeeds, else its output as diagnostics.
check() {
	name=$1; shift
	if "$@" >"$TMP/check.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/# /' "$TMP/check.out"
	fi
}

# ---------------------------------------------------------------- SVG
for f in "$ROOT"/examples/scenarios/*.yaml; do
	name=$(basename "$f" .yaml)
	"$MT" simulate -q --svg "$TMP/$name.svg" "$f" >/dev/null 2>"$TMP/err"
	st=$?
	if [ "$st" -gt 1 ] || [ ! -s "$TMP/$name.svg" ]; then
		not_ok "simulate --svg $name" "exit $st" "$(cat "$TMP/err")"
		continue
	fi
	"$MT" simulate -q --svg "$TMP/$name.again.svg" "$f" >/dev/null 2>&1
	check "simulate --svg $name: well-formed, self-contained, deterministic" \
		python3 - "$TMP/$name.svg" "$TMP/$name.again.svg" <<'PY'
import sys, xml.etree.ElementTree as ET
a, b = sys.argv[1:3]
text = open(a, encoding="utf-8").read()
assert text == open(b, encoding="utf-8").read(), "two runs differ"
root = ET.fromstring(text)
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg", root.tag
for el in root.iter():
    for k, v in el.attrib.items():
        assert "href" not in k and "url(" not in v, f"external reference {k}={v}"
    assert el.tag not in (ns + "style", ns + "image", ns + "script"), el.tag
rects = [r for r in root.iter(ns + "rect") if r.find(ns + "title") is not None]
assert rects, "no rectangle carries a <title>"
titles = [r.find(ns + "title").text for r in rects]
assert any(t.startswith("0x") for t in titles), "titles name no range"
PY
done
"$MT" simulate --svg "$TMP/no/such/dir/x.svg" "$ROOT/examples/scenarios/bare-metal-t400.yaml" \
	>/dev/null 2>"$TMP/err"
st=$?
if [ "$st" -eq 3 ] && grep -q "error: unwritable:" "$TMP/err"; then
	ok "simulate --svg to an unwritable path: exit 3"
else
	not_ok "simulate --svg to an unwritable path: exit 3" "exit $st" "$(cat "$TMP/err")"
fi

# ---------------------------------------------------------------- HTML
HTML=$TMP/matrix.html
if "$MT" matrix -q --html "$HTML" >/dev/null 2>"$TMP/err" && [ -s "$HTML" ]; then
	ok "matrix --html writes the report"
else
	not_ok "matrix --html writes the report" "$(cat "$TMP/err")"
fi
check "matrix -j" sh -c '"$1" matrix -j >"$2"' sh "$MT" "$TMP/matrix.json"
check "report is self-contained (no external scripts, styles, fonts or links)" \
	python3 - "$HTML" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "xlink:href", "action", "data"):
            v = a.get(k)
            assert v is None or v.startswith("#"), f"<{tag} {k}={v}>"
        assert not (tag == "link"), "<link> element"
        assert "url(" not in (a.get("style") or ""), "url() in style"
text = open(sys.argv[1], encoding="utf-8").read()
assert "@import" not in text and "@font-face" not in text
P().feed(text)
PY

CHROMIUM=/usr/bin/chromium
if [ ! -x "$CHROMIUM" ]; then
	n=$((n + 1))
	echo "ok $n # SKIP chromium not installed"
	echo "1..$n"
	[ "$fail" -eq 0 ]
	exit $?
fi
chrome() {
	"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$TMP/profile.XXXXXX")" "$@"
}
chrome --dump-dom "file://$HTML" >"$TMP/dom.html" 2>"$TMP/chrome.err"
if [ -s "$TMP/dom.html" ]; then
	ok "chromium renders the report"
else
	not_ok "chromium renders the report" "$(tail -5 "$TMP/chrome.err")"
fi

# One Python run checks the DOM and prints its own TAP lines, numbered from $n.
python3 - "$TMP/dom.html" "$TMP/matrix.json" "$n" >"$TMP/dom.tap" <<'PY'
import collections, json, re, sys
from html.parser import HTMLParser

dom_path, json_path, base = sys.argv[1], sys.argv[2], int(sys.argv[3])
cells_json = json.load(open(json_path))["cells"]

class Dom(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = collections.Counter()
        self.links = []
        self.cells = []          # [verdict, href] per td.cell, in page order
        self.sections = []       # stack of detail ids (None for other sections)
        self.svgs = collections.Counter()
        self.details = []
        self.summary = None
        self._in_summary = False
        self._cell = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] += 1
        classes = (a.get("class") or "").split()
        if tag == "a" and (a.get("href") or "").startswith("#"):
            self.links.append(a["href"][1:])
            if self._cell is not None and self._cell[1] is None:
                self._cell[1] = a["href"][1:]
        if "cell" in classes:
            self._cell = [a.get("data-verdict"), None, classes]
            self.cells.append(self._cell)
        if tag == "section":
            d = a.get("id") if "detail" in classes else None
            self.sections.append(d)
            if d is not None:
                self.details.append(d)
        if tag == "svg":
            open_details = [s for s in self.sections if s is not None]
            if open_details:
                self.svgs[open_details[-1]] += 1
        if a.get("id") == "summary":
            self._in_summary = True
            self.summary = ""

    def handle_endtag(self, tag):
        if tag == "section" and self.sections:
            self.sections.pop()
        if tag == "p":
            self._in_summary = False
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._in_summary:
            self.summary += data

dom = Dom()
dom.feed(open(dom_path, encoding="utf-8").read())

results = []
def check(name, cond, *diag):
    results.append((name, bool(cond), diag))

n = len(cells_json)
check(f"matrix cells in the page = matrix -j cells ({n})", len(dom.cells) == n,
      f"page has {len(dom.cells)}")
by_index = {}
bad_class = []
for verdict, href, classes in dom.cells:
    m = re.fullmatch(r"cell-(\d+)", href or "")
    if m:
        by_index[int(m.group(1))] = verdict
    want = "v-" + re.sub(r"[^a-z0-9]", "-", verdict or "")
    if want not in classes:
        bad_class.append(f"{verdict}: {classes}")
check("every cell links to #cell-N, each N once", sorted(by_index) == list(range(n)),
      f"{len(by_index)} distinct links")
wrong = [f"cell-{i}: page {by_index.get(i)!r}, json {c['verdict']!r}"
         for i, c in enumerate(cells_json) if by_index.get(i) != c["verdict"]]
check("each cell's data-verdict equals its JSON verdict", not wrong, *wrong[:10])
check("verdict multiset equal",
      collections.Counter(v for v, _, _ in dom.cells) ==
      collections.Counter(c["verdict"] for c in cells_json))
check("each cell has class v-<verdict>", not bad_class, *bad_class[:5])
check("one section.detail per cell, ids cell-0..cell-N-1",
      sorted(dom.details) == sorted(f"cell-{i}" for i in range(n)),
      f"{len(dom.details)} detail sections")
bad_svg = []
for i, c in enumerate(cells_json):
    want = 0 if c["verdict"] == "n/a" else 1
    got = dom.svgs.get(f"cell-{i}", 0)
    if got != want:
        bad_svg.append(f"cell-{i} ({c['verdict']}): {got} <svg>, want {want}")
check("exactly one <svg> in each simulated cell's detail (none for n/a)", not bad_svg,
      *bad_svg[:10])
dup = [k for k, v in dom.ids.items() if v > 1]
check("ids are unique", not dup, *dup[:10])
dangling = sorted(set(h for h in dom.links if h not in dom.ids))
check("every #link resolves to an id", not dangling, *dangling[:10])
counts = collections.Counter(c["verdict"] for c in cells_json)
want = {f"{v} {k}" for k, v in counts.items()}
s = (dom.summary or "").strip()
got = set(p.strip() for p in s.split(":", 1)[-1].split(",")) if ":" in s else set()
check("inline script ran: #summary counts the verdicts",
      s.startswith(f"{n} cells:") and got == want, f"summary: {s!r}", f"want {sorted(want)}")

for k, (name, good, diag) in enumerate(results, base + 1):
    print(f"{'ok' if good else 'not ok'} {k} - {name}")
    if not good:
        for d in diag:
            print(f"# {d}")
PY
cat "$TMP/dom.tap"
n=$((n + $(grep -c '^\(not \)\?ok ' "$TMP/dom.tap")))
fail=$((fail + $(grep -c '^not ok ' "$TMP/dom.tap")))
if [ ! -s "$TMP/dom.tap" ]; then
	not_ok "DOM checks ran"
fi

SHOT=${MEMTYPE_SCREENSHOT:-$TMP/memtype-matrix.png}
chrome --hide-scrollbars --screenshot="$SHOT" --window-size=1400,1200 "file://$HTML" \
	>/dev/null 2>"$TMP/chrome.err"
check "screenshot 1400x1200 is not blank" python3 - "$SHOT" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert (w, h) == (1400, 1200), (w, h)
# A blank page compresses to a few KiB; the matrix is many coloured cells.
idat, pos = b"", 8
while pos < len(data):
    ln, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + ln]
    pos += 12 + ln
raw = zlib.decompress(idat)
assert len(set(raw)) > 40 and len(idat) > 20000, f"looks blank ({len(idat)} bytes)"
PY

echo "1..$n"
[ "$fail" -eq 0 ]
