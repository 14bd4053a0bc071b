#!/bin/sh
# tools/check-browser.sh - `make check-browser`: the HTML report in a real
# browser and the XLSX workbook in a real spreadsheet.
#
#  1. Writes the example report (examples/report/demo.sh -> out/report.html,
#     out/report.xlsx).
#  2. Renders out/report.html and out/report-zh.html in headless Chromium at
#     a phone's size (412x915) to out/report-phone.png (report-zh-phone.png)
#     and checks the pictures are not blank (enough distinct colours).
#  3. Has LibreOffice re-read out/report.xlsx (every sheet to CSV) and checks
#     each sheet's figures equal pm-report's own CSV output, number by number.
# Installs chromium, libreoffice-calc and a CJK font when missing and run as
# root; otherwise prints the apt-get command and exits 1.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PM_BIN:-$ROOT/bin}
OUT=${PM_OUT:-$ROOT/out}
EX=$ROOT/examples/report
export PM_DATADIR="${PM_DATADIR:-$ROOT/data}"

need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v soffice >/dev/null 2>&1 || need="$need libreoffice-calc"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need="$need fonts-wqy-microhei"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "check-browser: installing$need (a few minutes)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >/dev/null 2>&1 ||
            { apt-get update >/dev/null 2>&1 &&
              DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need >/dev/null 2>&1; } ||
            { echo "check-browser: apt-get install$need failed" >&2; exit 1; }
    else
        echo "check-browser: needs$need; run as root:" >&2
        echo "  apt-get install -y --no-install-recommends$need" >&2
        exit 1
    fi
fi
command -v python3 >/dev/null 2>&1 || { echo "check-browser: needs python3" >&2; exit 1; }

fail=0
html=$(sh "$EX/demo.sh") || { echo "check-browser: the demo failed" >&2; exit 1; }
[ -s "$html" ] || { echo "check-browser: no HTML report at $html" >&2; exit 1; }

# --- 2. Chromium ---------------------------------------------------------------
for page in "$html" "$OUT/report-zh.html"; do
profile=$(mktemp -d)
png=${page%.html}-phone.png
rm -f "$png"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --screenshot="$png" --window-size=412,915 "file://$page" \
    >/dev/null 2>&1
rm -rf "$profile"
if [ ! -s "$png" ]; then
    echo "check-browser: FAIL chromium wrote no screenshot" >&2
    fail=1
else
    colors=$(python3 - "$png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w, h, ct = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ct = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
bpp = {2: 3, 6: 4, 0: 1, 4: 2}[ct]
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colors = set()
i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 2):
        colors.add(bytes(line[x:x + 3]))
    prev = line
print(len(colors))
PY
)
    if [ "${colors:-0}" -ge 16 ]; then
        echo "check-browser: ok   chromium rendered $page at 412x915: $colors colours ($png)"
    else
        echo "check-browser: FAIL the screenshot looks blank ($colors colours): $png" >&2
        fail=1
    fi
fi
done

# --- 3. LibreOffice ------------------------------------------------------------
xlsx=$OUT/report.xlsx
lo=$(mktemp -d)
# CSV filter: comma, '"', UTF-8, from line 1, raw values (not as shown), every sheet (-1)
timeout 180 soffice -env:UserInstallation=file://$lo/profile --headless \
    --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1' \
    --outdir "$lo" "$xlsx" >/dev/null 2>&1
for sheet in sla service; do
    got=$(ls "$lo"/report-"$sheet".csv 2>/dev/null || true)
    [ -z "$got" ] && [ "$sheet" = sla ] && got=$(ls "$lo"/report.csv 2>/dev/null || true)
    if [ -z "$got" ]; then
        echo "check-browser: FAIL LibreOffice wrote no CSV for sheet $sheet ($(ls "$lo" | tr '\n' ' '))" >&2
        fail=1
        continue
    fi
    "$BIN/pm-report" "$sheet" --targets="$EX/targets.yaml" -t csv "$OUT/tickets-sla.csv" > "$lo/pm-$sheet.csv" 2>/dev/null
    if python3 - "$lo/pm-$sheet.csv" "$got" <<'PY'
import csv, sys
from decimal import Decimal, InvalidOperation
a = list(csv.reader(open(sys.argv[1], encoding="utf-8")))
b = list(csv.reader(open(sys.argv[2], encoding="utf-8-sig")))
def num(v):
    # LibreOffice may write cells as shown: a rate 0.5714 as "57.14%"
    if v.endswith("%"):
        return Decimal(v[:-1]) / 100
    return Decimal(v)
def same(x, y):
    if x == y:
        return True
    try:
        return num(x) == num(y)
    except InvalidOperation:
        return False
bad = [(r, c, x, y) for r, (ra, rb) in enumerate(zip(a, b))
       for c, (x, y) in enumerate(zip(ra + [""] * (len(rb) - len(ra)), rb + [""] * (len(ra) - len(rb))))
       if not same(x, y)]
if len(a) != len(b) or bad:
    print("rows %d vs %d; first differences: %s" % (len(a), len(b), bad[:3]), file=sys.stderr)
    sys.exit(1)
PY
    then
        echo "check-browser: ok   LibreOffice read sheet '$sheet' of $xlsx: figures equal pm-report's CSV ($(($(wc -l < "$got") - 1)) rows)"
    else
        echo "check-browser: FAIL sheet '$sheet' of $xlsx differs from pm-report's CSV" >&2
        fail=1
    fi
done
rm -rf "$lo"
exit $fail
