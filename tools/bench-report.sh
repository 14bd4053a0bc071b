#!/bin/sh
# tools/bench-report.sh - times pm-report over 1,000,000 SLA-annotated tickets.
# Goal (issue 5): `pm-report sla` in <= 1.0 s on one core; memory follows the
# number of groups, not records.  Prints figures; never fails.
#   sh tools/bench-report.sh [N]
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PM_BIN:-$ROOT/bin}
N=${1:-1000000}
DIR=${TMPDIR:-/tmp}/pm-bench-report
mkdir -p "$DIR"
IN=$DIR/tickets-$N.csv
if [ ! -s "$IN" ]; then
    awk -v n="$N" 'BEGIN {
        srand(42)
        split("noise other_complaint indoor_repair public_repair door_window lighting lighting_other general_inquiry fee_inquiry external_service_inquiry other_dept_inquiry", cat, " ")
        split("met met met met met late overdue open at_risk met", st, " ")
        split("complaint consultation repair", kd, " ")
        split("satisfied satisfied satisfied neutral unsatisfied", sf, " ")
        print "id,kind,category,major,unit,created_at,callback_at,satisfaction,assignee,sla_status"
        for (i = 1; i <= n; i++) {
            m = 1 + int(rand() * 12); d = 1 + int(rand() * 28); h = int(rand() * 24)
            k = kd[1 + int(rand() * 3)]
            cb = rand() < 0.6 ? sprintf("2024-%02d-%02dT18:00:00+08:00", m, d) : ""
            s = rand() < 0.5 ? sf[1 + int(rand() * 5)] : ""
            printf "T%07d,%s,%s,%s,%d-%d-%d,2024-%02d-%02dT%02d:%02d:00+08:00,%s,%s,S%03d,%s\n", i, k,
                cat[1 + int(rand() * 11)], (rand() < 0.05 ? "true" : "false"),
                1 + int(rand() * 30), 1 + int(rand() * 4), 101 + int(rand() * 2800),
                m, d, h, int(rand() * 60), cb, s, int(rand() * 200), st[1 + int(rand() * 10)]
        }
    }' > "$IN"
fi
echo "input: $IN ($(wc -l < "$IN") lines, $(du -h "$IN" | cut -f1))"
run() {
    label=$1; shift
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f "$label: %e s elapsed, %U s user, %M KB max RSS" "$@" > "$DIR/out.txt" 2> "$DIR/time.txt"
        tail -n 1 "$DIR/time.txt"
    else
        s=$(date +%s.%N); "$@" > "$DIR/out.txt" 2>/dev/null; e=$(date +%s.%N)
        echo "$label: $(echo "$e - $s" | bc) s elapsed"
    fi
}
run "pm-report sla (goal <= 1.0 s)" "$BIN/pm-report" sla "$IN"
head -n 4 "$DIR/out.txt"
run "pm-report service" "$BIN/pm-report" service "$IN"
run "pm-report --by=assignee --period=week -m count -m 'rate(satisfaction=satisfied)'" \
    "$BIN/pm-report" --by=assignee --period=week -m count -m 'rate(satisfaction=satisfied)' "$IN"
echo "groups in the last run: $(($(wc -l < "$DIR/out.txt") - 1))"
run "pm-report --where='kind=complaint' --period=quarter --by=category -m 'median(callback_at - created_at)' -m 'p90(callback_at - created_at)'" \
    "$BIN/pm-report" --where='kind=complaint' --period=quarter --by=category \
    -m 'median(callback_at - created_at)' -m 'p90(callback_at - created_at)' "$IN"
exit 0
