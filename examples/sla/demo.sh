#!/bin/sh
# examples/sla/demo.sh - pm-sla on 翠湖花园's tickets (make demo).
#
# Runs the nightly pipeline (examples/nightly.sh: pm-ingest -> pm-sla ->
# pm-report) on tickets.csv, "now" fixed at 2025-10-10 09:00 (the second day
# after the 2025 National Day break), with the compound's own policy.yaml and
# schema.yaml; then shows how a few deadlines around holidays were counted.
# Finding breaches is the point, so this exits 0 and only shows the status.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH=$root/bin:$PATH
export PATH
export PM_DATADIR="${PM_DATADIR:-$root/data}"
out=${DEMO_OUT:-$root/out/sla}
mkdir -p "$out"

echo "-- nightly check: PM_EXPORT=examples/sla/tickets.csv PM_NOW=2025-10-10T09:00:00+08:00 examples/nightly.sh"
status=0
PM_EXPORT=$here/tickets.csv PM_DAY=2025-10-09 PM_NOW=2025-10-10T09:00:00+08:00 PM_AT_RISK=2h \
    PM_SCHEMA=$here/schema.yaml PM_POLICY=$here/policy.yaml PM_OUT=$out \
    sh "$root/examples/nightly.sh" || status=$?
case $status in
0) echo "-- exit status 0: nothing late or overdue" ;;
1) echo "-- exit status 1: something is late or overdue (cron would mail this)" ;;
*) echo "-- exit status $status: errors" ;;
esac

echo
echo "-- how some deadlines were counted (pm-sla --explain):"
for id in CH2402001 CH2402002 CH2501001 CH2509003 CH2510004; do
    pm-sla --policy="$here/policy.yaml" --now=2025-10-10T09:00:00+08:00 --explain -t yaml \
        "$here/tickets.csv" 2>/dev/null | grep "id: $id," |
        sed 's/.*sla_explain: "\{0,1\}\([^"]*\)"\{0,1\}}$/\1/; s/^/   '"$id"': /'
done

echo
echo "-- breaches (late or overdue) at 2025-10-10 09:00: $out/2025-10-09/breaches.csv"
cut -d, -f1,3,6 "$out/2025-10-09/breaches.csv" | head -8 | sed 's/^/   /'
echo "   ..."
exit 0
