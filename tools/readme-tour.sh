#!/bin/bash
# Regenerates the outputs shown in README.md's tour from the real programs.
# Usage: bash tools/readme-tour.sh  (rewrites README.md in place)
set -u
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PATH PM_DATADIR=$PWD/data
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ind() { sed 's/^/    /'; }
# the ingest part: everything pm-ingest prints, then the first tickets with
# the command that shortens them shown (no hidden cut)
{
    pm-ingest --reject="$tmp/rej.csv" -o "$tmp/tickets.csv" examples/ingest/callcentre-2024-national-day.csv 2>&1
    echo '$ head -4 tickets.csv | cut -d, -f1-6,9'
    head -4 "$tmp/tickets.csv" | cut -d, -f1-6,9
} | ind >"$tmp/ingest"
printf 'id,kind,category,created_at,resolved_at\nT1,repair,public_repair,2024-02-09T15:00:00+08:00,2024-02-20T16:02:00+08:00\nT2,complaint,noise,2024-10-01T22:10:00+08:00,\n' >"$tmp/t.csv"
(cd "$tmp" && pm-sla --now=2024-10-01T22:20:00+08:00 --at-risk=10m --explain -t yaml t.csv) | ind >"$tmp/sla"
pm-sla --policy=examples/sla/policy.yaml --now=2025-10-10T09:00:00+08:00 examples/sla/tickets.csv 2>/dev/null |
    pm-report sla -t md | ind >"$tmp/report"
pm-fee --schedule=examples/fees/schedule.yaml --explain examples/fees/inputs-2024-07.csv 2>/dev/null |
    head -4 | cut -d, -f1-4,9,13 | ind >"$tmp/fee"
pm-roster plan --posts=examples/roster/posts.yaml --staff=examples/roster/staff.csv \
    --start=2024-10-01 --days=31 2>&1 >"$tmp/roster.csv" | ind >"$tmp/roster"
head -4 "$tmp/roster.csv" | ind >>"$tmp/roster"
python3 - "$tmp" <<'PY'
import sys
d = sys.argv[1]
s = open('README.md').read()
import re
for key, f in [('INGEST', 'ingest'), ('SLA', 'sla'), ('REPORT', 'report'), ('FEE', 'fee'), ('ROSTER', 'roster')]:
    body = open(f'{d}/{f}').read().rstrip('\n')
    # between the marker comments, or replacing the placeholder
    pat = re.compile(r'<!-- tour:%s -->.*?<!-- /tour -->' % key.lower(), re.S)
    block = '<!-- tour:%s -->\n%s\n<!-- /tour -->' % (key.lower(), body)
    if pat.search(s):
        s = pat.sub(lambda m: block, s)
    else:
        s = s.replace('TOUR_' + key, block)
open('README.md', 'w').write(s)
PY
