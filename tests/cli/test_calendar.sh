#!/bin/bash
# Calendar files (lib/calendar.c) as the programs load them: pm-sla
# --calendar, a policy's calendar: and pm-roster plan --calendar report every
# error of the file, each as FILE:LINE, like the other configuration files.
. "$(dirname "$0")/lib.sh"
F=$HERE/calendar
BAD=$F/several-errors.yaml
TICKETS=$HERE/pm-sla/cal.csv

# check_errors NAME PROG FILE: stderr names each mistake of several-errors.yaml
# at its line, in the order of the lines, and nothing else.
check_errors() {
    local name=$1 prog=$2 file=$3
    expect_status "$name: status 2" 2
    expect_grep "$name: the unknown weekday at its line" "^$prog: $file:3: weekend: unknown weekday 'sunday2'" "$ERR"
    expect_grep "$name: the unknown key at its line" "^$prog: $file:4: unknown key 'holiday' in a calendar .*did you mean 'holidays'\?$" "$ERR"
    expect_grep "$name: the bad date at its line" "^$prog: $file:6: holidays: bad date '2024-02-30'" "$ERR"
    expect_grep "$name: the backward range at its line" "^$prog: $file:7: holidays: bad range '2024-03-01\.\.2024-02-01': it ends before it starts$" "$ERR"
    expect_grep "$name: the conflict at its line" "^$prog: $file:8: 2024-05-01 is both a holiday and a working day \(see line 9\)$" "$ERR"
    expect_eq "$name: five errors in the order of their lines" "3 4 6 7 8" \
        "$(sed -n "s|^$prog: $file:\([0-9]*\): .*|\1|p" "$ERR" | tr '\n' ' ' | sed 's/ $//')"
    expect_eq "$name: nothing else on stderr" 5 "$(wc -l <"$ERR")"
}

run pm-sla --now=2030-01-01T00:00:00+08:00 --calendar="$BAD" "$TICKETS"
check_errors "pm-sla --calendar" pm-sla "$BAD"
expect_eq "pm-sla --calendar: no output" 0 "$(wc -c <"$OUT")"

# a policy's calendar: the calendar file's errors, at the calendar file's lines
mkdir -p "$T/pol"
cp "$BAD" "$T/pol/cal.yaml"
printf 'calendar: cal.yaml\ncategories:\n  lighting_other: {resolve: 3wd}\n' >"$T/pol/policy.yaml"
run pm-sla --now=2030-01-01T00:00:00+08:00 --policy="$T/pol/policy.yaml" "$TICKETS"
check_errors "policy calendar:" pm-sla "$T/pol/cal.yaml"

run pm-roster plan --posts="$HERE/pm-roster/posts-desk.yaml" --staff="$HERE/pm-roster/staff-one.csv" \
    --start=2024-10-01 --days=3 --calendar="$BAD"
check_errors "pm-roster plan --calendar" pm-roster "$BAD"

# at most 100 errors are kept and printed; the rest are counted
{
    echo "holidays:"
    for i in $(seq 1 150); do echo "  - 2024-13-01"; done
} >"$T/many.yaml"
run pm-sla --now=2030-01-01T00:00:00+08:00 --calendar="$T/many.yaml" "$TICKETS"
expect_status "150 errors: status 2" 2
expect_eq "150 errors: 100 printed" 100 "$(grep -c "^pm-sla: $T/many\.yaml:[0-9]*: holidays: bad date '2024-13-01'" "$ERR")"
expect_grep "150 errors: the last kept is line 101" "^pm-sla: $T/many\.yaml:101: " "$ERR"
expect_grep "150 errors: the rest counted" "^pm-sla: $T/many\.yaml: 50 more errors not shown$" "$ERR"

finish
