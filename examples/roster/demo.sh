#!/bin/sh
# examples/roster/demo.sh - pm-roster on the example compound, October 2024
# (National Day holiday 1-7 October): plan the month, check the plan, plan
# November carrying on from October and check the two months together, check
# the patrol logs (three misses are planted in them).  Prints a summary and
# exits 0 whatever the statuses, for `make demo`; the statuses are shown.
#   sh examples/roster/demo.sh [BINDIR]
# Outputs go to out/roster/ (or $DEMO_OUT).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-${PM_BIN:-$ROOT/bin}}
export PM_DATADIR="${PM_DATADIR:-$ROOT/data}"
OUT=${DEMO_OUT:-$ROOT/out/roster}
mkdir -p "$OUT"
R="$BIN/pm-roster"

echo "== pm-roster: plan October 2024 for the example compound (25 staff)"
"$R" plan --posts="$HERE/posts.yaml" --staff="$HERE/staff.csv" --start=2024-10-01 --days=31 \
    -o "$OUT/roster.csv" --violations="$OUT/gaps.csv"
echo "   plan exit status $? (0: every post covered), $(($(wc -l <"$OUT/roster.csv") - 1)) assignments in $OUT/roster.csv"
echo "   first assignments:"
head -6 "$OUT/roster.csv" | sed 's/^/     /'

echo "== pm-roster: check the plan against every rule"
"$R" check --posts="$HERE/posts.yaml" --staff="$HERE/staff.csv" --start=2024-10-01 --days=31 \
    "$OUT/roster.csv" >"$OUT/plan-violations.csv"
echo "   check exit status $? (0: no rule broken), $(($(wc -l <"$OUT/plan-violations.csv") - 1)) violations"

echo "== pm-roster: plan November, carrying on from October (--previous)"
"$R" plan --posts="$HERE/posts.yaml" --staff="$HERE/staff.csv" --start=2024-11-01 --days=30 \
    --previous="$OUT/roster.csv" -o "$OUT/roster-november.csv" --violations="$OUT/gaps-november.csv"
echo "   plan exit status $? (0: every post covered), $(($(wc -l <"$OUT/roster-november.csv") - 1)) assignments in $OUT/roster-november.csv"
"$R" check --posts="$HERE/posts.yaml" --staff="$HERE/staff.csv" \
    "$OUT/roster.csv" "$OUT/roster-november.csv" >"$OUT/two-months-violations.csv"
echo "   check of October and November together: exit status $? (0: no rule broken, across 1 November too),"
echo "   $(($(wc -l <"$OUT/two-months-violations.csv") - 1)) violations"

first=$(sed -n 2p "$OUT/roster.csv")
who=$(echo "$first" | cut -d, -f2)
when=$(echo "$first" | cut -d, -f3,4)
echo "== pm-roster: hand-made changes break rules: $who also sits in the control room"
echo "   $(echo "$when" | sed "s/,/ to /");"
echo "   S05 stands at the east gate 08:00-20:00 on 2 October"
{ cat "$OUT/roster.csv"; echo "control-room,$who,$when"
  echo "gate-east,S05,2024-10-02T08:00:00+08:00,2024-10-02T20:00:00+08:00"; } >"$OUT/edited.csv"
"$R" check --posts="$HERE/posts.yaml" --staff="$HERE/staff.csv" --start=2024-10-01 --days=31 \
    "$OUT/edited.csv" >"$OUT/edited-violations.csv"
echo "   check exit status $?:"
cut -d, -f1,2,3,6- "$OUT/edited-violations.csv" | sed 's/^/     /'

echo "== pm-roster: check the patrol logs (grounds patrol 3 by day, 4 at night in pairs)"
"$R" check --posts="$HERE/posts.yaml" --logs="$HERE/patrol-log.csv" --start=2024-10-01 --days=31 \
    >"$OUT/log-violations.csv"
echo "   check exit status $? (1: duties missed):"
cut -d, -f1,3,6- "$OUT/log-violations.csv" | sed 's/^/     /'
echo "== outputs in $OUT"
exit 0
