#!/bin/sh
# tools/bench-roster.sh - times pm-roster on a large compound: 200 staff,
# 30 posts, 31 days (plan), and the check of that month's roster.
# Prints the figures; never fails the build.
#   sh tools/bench-roster.sh [BINDIR]
BIN=${1:-bin}
if [ -n "${PM_BENCH_DIR:-}" ]; then
    T=$PM_BENCH_DIR/roster
    mkdir -p "$T"
else
    T=$(mktemp -d)
    trap 'rm -rf "$T"' EXIT
fi
export PM_DATADIR="${PM_DATADIR:-$(cd "$(dirname "$0")/.." && pwd)/data}"

# 30 posts: 12 gates (guard, 4 h at most), 6 control rooms (monitor),
# 4 plant rooms (boiler), 8 night patrols in pairs (guard, 20:00-06:00).
{
    echo "rules: {max_shift: 8h, min_rest: 12h, max_week_hours: 44, rest_days_per_week: 1}"
    echo "posts:"
    i=1; while [ $i -le 12 ]; do
        echo "  - {id: gate-$i, hours: \"00:00-24:00\", headcount: 1, skills: [guard], max_continuous: 4h}"; i=$((i+1)); done
    i=1; while [ $i -le 6 ]; do
        echo "  - {id: control-$i, hours: \"00:00-24:00\", headcount: 1, skills: [monitor]}"; i=$((i+1)); done
    i=1; while [ $i -le 4 ]; do
        echo "  - {id: plant-$i, hours: \"00:00-24:00\", headcount: 1, skills: [boiler]}"; i=$((i+1)); done
    i=1; while [ $i -le 8 ]; do
        echo "  - {id: patrol-$i, hours: \"20:00-06:00\", headcount: 2, skills: [guard]}"; i=$((i+1)); done
} >"$T/posts.yaml"
# 200 staff: 120 guards, 40 monitors, 26 boiler, 14 guard+monitor; some leave.
awk 'BEGIN {
    print "id,name,skills,max_week_hours,unavailable"
    for (i = 1; i <= 200; i++) {
        sk = i <= 120 ? "guard" : i <= 160 ? "monitor" : i <= 186 ? "boiler" : "guard;monitor"
        mw = (i % 25 == 0) ? "20" : ""
        un = (i % 9 == 0) ? sprintf("2024-10-%02d..2024-10-%02d", i % 27 + 1, i % 27 + 3) : ""
        printf "P%03d,Person %d,%s,%s,%s\n", i, i, sk, mw, un
    }
}' >"$T/staff.csv"

now() { date +%s.%N; }
t0=$(now)
"$BIN/pm-roster" plan --posts="$T/posts.yaml" --staff="$T/staff.csv" --start=2024-10-01 --days=31 \
    -o "$T/roster.csv" --violations="$T/gaps.csv" 2>"$T/plan.err"
prc=$?
t1=$(now)
"$BIN/pm-roster" check --posts="$T/posts.yaml" --staff="$T/staff.csv" --start=2024-10-01 --days=31 \
    "$T/roster.csv" >"$T/viol.csv" 2>"$T/check.err"
crc=$?
t2=$(now)
n=$(($(wc -l <"$T/roster.csv") - 1))
g=$(($(wc -l <"$T/gaps.csv" 2>/dev/null || echo 1) - 1)); [ $g -lt 0 ] && g=0
v=$(($(wc -l <"$T/viol.csv") - 1)); [ $v -lt 0 ] && v=0
printf 'pm-roster plan  200 staff, 30 posts, 31 days: %6.2f s (goal 10 s), %d assignments, %d gaps, exit %d\n' \
    "$(echo "$t1 - $t0" | bc)" "$n" "$g" "$prc"
printf 'pm-roster check 200 staff, %d assignments:     %6.3f s (goal 0.5 s), %d violations, exit %d\n' \
    "$n" "$(echo "$t2 - $t1" | bc)" "$v" "$crc"
exit 0
