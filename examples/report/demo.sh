#!/bin/sh
# examples/report/demo.sh - the report of the example compound, for a phone.
#
# Takes the example tickets (tickets.csv, two months of a compound's work
# orders), annotates them with their deadlines (bin/pm-sla, judged at a fixed
# "now" so the run is reproducible), and writes
#   out/report.html   deadlines per category and the monthly service figures
#                     against their targets, charts and tables (open on a phone)
#   out/report.xlsx   the same tables, one sheet each
#   out/report.md     the same as Markdown
# then prints the path of the HTML report.  When pm-sla is not built, the
# annotated copy shipped here (tickets-annotated.csv) is used instead.
# pm-report exits 1 because some targets are missed; that is the point.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${PM_BIN:-$ROOT/bin}
OUT=${PM_OUT:-$ROOT/out}
mkdir -p "$OUT"
export PM_DATADIR="${PM_DATADIR:-$ROOT/data}"

annotated=$OUT/tickets-sla.csv
if [ -x "$BIN/pm-sla" ]; then
    "$BIN/pm-sla" --now=2024-08-31T18:00:00+08:00 --at-risk=1d "$HERE/tickets.csv" > "$annotated"
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "demo: pm-sla failed (status $rc); using the shipped annotated tickets" >&2
        annotated=$HERE/tickets-annotated.csv
    fi
else
    annotated=$HERE/tickets-annotated.csv
fi

report() {
    "$BIN/pm-report" sla service --targets="$HERE/targets.yaml" "$@" "$annotated"
    rc=$?
    if [ "$rc" -gt 1 ]; then
        echo "demo: pm-report failed (status $rc)" >&2
        exit 2
    fi
}
report -t md -o "$OUT/report.md"
report -t xlsx -o "$OUT/report.xlsx"
report -t html --lang=zh -o "$OUT/report-zh.html"
report -t html -o "$OUT/report.html"
echo "$OUT/report.html"
