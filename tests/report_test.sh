#!/bin/sh
# report_test.sh ANTIFRAG - the HTML report opened in headless Chromium
# (Debian's package; ./build.sh test installs it): no script error, every
# canvas drawn, and in a screenshot the maps and charts are not empty.
set -u
AF=$1
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v chromium >/dev/null 2>&1; then
	echo "FAIL chromium is not installed (./build.sh test installs Debian's chromium)"
	exit 1
fi
if ! $PY -c 'import PIL' 2>/dev/null; then
	echo "FAIL python3-pil is not installed (./build.sh test installs it)"
	exit 1
fi

chrome() {	# chrome FILE.html ARGS...: headless, its own profile, bounded
	f=$1; shift
	timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
		--user-data-dir="$tmp/profile" "$@" "file://$f" 2>>"$tmp/chromium.log"
}

# check NAME FILE.html NRUNS: the page's own self-test, then a screenshot
check() {
	name=$1 html=$2 nruns=$3
	chrome "$html" --window-size=1400,1000 --dump-dom >"$tmp/dom.html"
	$PY - "$tmp/dom.html" "$nruns" >"$tmp/geom" <<'PY'
import json, re, sys
dom = open(sys.argv[1]).read()
nruns = int(sys.argv[2])
m = re.search(r'<pre id="selftest">([^<]*)</pre>', dom)
if not m or not m.group(1):
    sys.exit("no self-test result: the script did not finish")
st = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
if st["errors"]:
    sys.exit("script errors: %s" % st["errors"])
cv = {c["id"]: c for c in st["canvases"]}
maps = [cv.get("map%d" % k) for k in range(nruns)]
zooms = [cv.get("zoom%d" % k) for k in range(nruns)]
charts = [c for i, c in cv.items() if i.startswith("chart")]
if None in maps or None in zooms:
    sys.exit("a map or zoom canvas is missing: %s" % sorted(cv))
if len(charts) != 5 * nruns:
    sys.exit("%d charts for %d runs" % (len(charts), nruns))
for c in maps + zooms + charts:
    if c["painted"] < 500:
        sys.exit("canvas %s is empty (%d pixels drawn)" % (c["id"], c["painted"]))
# the rectangles to look at in the screenshot, and the page's height
height = max(c["y"] + c["h"] for c in st["canvases"]) + 40
print(height)
for c in maps + charts:
    print(c["id"], c["x"], c["y"], c["w"], c["h"])
PY
	if [ $? -ne 0 ]; then
		bad "$name: $(tail -1 "$tmp/geom")"
		return
	fi
	ok "$name: no script error, every canvas drawn"
	height=$(head -1 "$tmp/geom")
	chrome "$html" --window-size=1400,"$height" --screenshot="$tmp/shot.png" >/dev/null
	if $PY - "$tmp/shot.png" "$tmp/geom" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
lines = open(sys.argv[2]).read().split("\n")[1:]
for ln in lines:
    if not ln:
        continue
    cid, x, y, w, h = ln.split()
    x, y, w, h = int(x), int(y), int(w), int(h)
    region = im.crop((x, y, x + w, y + h))
    colours = region.getcolors(maxcolors=1 << 20) or []
    ink = sum(n for n, c in colours if c != (255, 255, 255))
    if len(colours) < 4 or ink < 0.01 * w * h:
        sys.exit("%s at (%d,%d) looks empty in the screenshot: %d colours, %d pixels not white" % (cid, x, y, len(colours), ink))
PY
	then ok "$name: the screenshot shows the maps and charts"; else bad "$name: screenshot"; fi
}

"$AF" run --mem 1G --workload stress-highalloc --report "$tmp/run.html" --report-at 5 >/dev/null &&
	ok "run --report" || bad "run --report"
check "run report" "$tmp/run.html" 1
# the map for --report-at 5: at the first sample at or after 5 ms
at=$(grep -o '"label":"t=[0-9]* ms"' "$tmp/run.html" | head -1 | tr -dc 0-9)
[ -n "$at" ] && [ "$at" -ge 5 ] && [ "$at" -le 20 ] && grep -q 'before compact_memory' "$tmp/run.html" &&
	ok "run report: maps at the start, a chosen time, around compaction, the end" || bad "run report: the maps"
grep -Eqi '<(script|link|img)[^>]* (src|href)=' "$tmp/run.html" && bad "the report loads something" || ok "the report is self-contained"

"$AF" compare --mem 512M --workload stress-highalloc --policy linux,nogroup --seeds 1 --report "$tmp/cmp.html" >/dev/null &&
	ok "compare --report" || bad "compare --report"
check "compare report" "$tmp/cmp.html" 2

# --figures: every map and chart as PNG and SVG, drawn
"$AF" compare --mem 512M --workload thp-challenge --param bursts=4 --policy linux,nogroup --seeds 1 \
	--figures "$tmp/figs" >/dev/null && ok "compare --figures" || bad "compare --figures"
if $PY - "$tmp/figs" <<'PY'
import os, sys
import xml.etree.ElementTree as ET
from PIL import Image
d = sys.argv[1]
names = sorted(os.listdir(d))
for run in ("1-linux", "2-nogroup"):
    for part in ("map-start", "map-end", "free-by-order", "fragmentation", "huge-pages", "extfrag", "work"):
        for ext in ("png", "svg"):
            n = "%s-%s.%s" % (run, part, ext)
            if n not in names:
                sys.exit("missing %s (have %s)" % (n, names))
for n in names:
    p = os.path.join(d, n)
    if n.endswith(".png"):
        im = Image.open(p).convert("RGB")
        colours = im.getcolors(maxcolors=1 << 20) or []
        if len(colours) < 8:
            sys.exit("%s: %d colours: empty" % (n, len(colours)))
    else:
        root = ET.parse(p).getroot()
        if not root.tag.endswith("svg") or sum(1 for _ in root.iter()) < 50:
            sys.exit("%s: not a drawn SVG" % n)
PY
then ok "--figures: PNG and SVG of each map and chart, drawn"; else bad "--figures"; fi
mkdir "$tmp/full" && touch "$tmp/full/x"
out=$("$AF" run --mem 256M --figures "$tmp/full" 2>&1 >/dev/null); rc=$?
[ "$rc" -eq 2 ] && [ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] && ok "--figures into a non-empty directory: refused" ||
	bad "--figures into a non-empty directory: rc=$rc $out"

# bad input: one line, exit 2, no file left behind
for args in "run --report $tmp" "run --report-at 5" "run --report $tmp/x.html --report-at 5,3" \
	    "run --report $tmp/x.html --report-at 1,x" "run --no-workload --report $tmp/x.html" \
	    "compare --policy linux,nogroup --report-at 5"; do
	out=$($AF $args 2>&1 >/dev/null); rc=$?
	lines=$(printf '%s\n' "$out" | grep -c .)
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ ! -e "$tmp/x.html" ]; then ok "refused: $args"; else bad "refused: $args (rc=$rc: $out)"; fi
done

finish
