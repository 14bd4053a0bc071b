#!/bin/bash
# pm-sla: deadlines (docs/CONTRACT.md sections 2, 3, 6; issues 3 and 9).
# The expected dues and statuses are written by hand in the fixtures
# (tests/cli/pm-sla/*.csv, columns exp_*), each row saying how it was counted
# from the shipped cn calendar; the expected explanations are in
# tests/cli/pm-sla/explain.expected.
. "$(dirname "$0")/lib.sh"
F=$HERE/pm-sla
NOW=--now=2030-01-01T00:00:00+08:00

# check_rows NAME FILE: every output row of FILE (CSV without quoted fields)
# against its expectations: exp_clock/exp_due/exp_status say "<clock>_due and
# <clock>_status (and sla_status) are these"; any other exp_X column is compared
# with the field X.  One check per row.
check_rows() {
    local name=$1 file=$2 verdict id rest
    while IFS=' ' read -r verdict id rest; do
        if [ "$verdict" = ok ]; then pass; else fail "$name: row $id: $rest"; fi
    done < <(awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        {
            bad = ""
            if ("exp_clock" in h) {
                c = $(h["exp_clock"])
                if ($(h[c "_due"]) != $(h["exp_due"])) bad = bad " " c "_due=" $(h[c "_due"]) " expected " $(h["exp_due"])
                if ($(h[c "_status"]) != $(h["exp_status"])) bad = bad " " c "_status=" $(h[c "_status"]) " expected " $(h["exp_status"])
                if ($(h["sla_status"]) != $(h["exp_status"])) bad = bad " sla_status=" $(h["sla_status"])
                for (k in h) if (k ~ /_due$|_status$/ && k !~ /^exp_/ && k != "sla_status" && k != c "_due" && k != c "_status" && $(h[k]) != "")
                    bad = bad " " k " should be empty"
            }
            for (k in h) if (k ~ /^exp_/ && k != "exp_clock" && k != "exp_due" && k != "exp_status") {
                f = substr(k, 5)
                if (!(f in h)) bad = bad " no field " f
                else if ($(h[f]) != $(h[k])) bad = bad " " f "=" $(h[f]) " expected " $(h[k])
            }
            print (bad == "" ? "ok" : "bad"), $1, bad
        }' "$file")
}

# --- Periods: minutes, hours, days, working days around 2024-2026 holidays ---
run pm-sla $NOW "$F/periods.csv"
expect_status "periods: late rows give status 1" 1
cp "$OUT" "$T/periods.out"
check_rows periods "$T/periods.out"
expect_eq "periods: every row written" "$(wc -l <"$F/periods.csv")" "$(wc -l <"$T/periods.out")"
expect_eq "periods: fields appended in order" \
    "id,category,created_at,responded_at,arrived_at,resolved_at,agreed_due_at,exp_clock,exp_due,exp_status,note,respond_due,respond_status,arrive_due,arrive_status,resolve_due,resolve_status,sla_status" \
    "$(head -1 "$T/periods.out")"
expect_eq "periods: nothing on stderr" "" "$(cat "$ERR")"

# TZ in the environment never matters (lib.sh sets America/New_York).
TZ=Pacific/Auckland run pm-sla $NOW "$F/periods.csv"
expect_out "periods: same under TZ=Pacific/Auckland" "$T/periods.out"

# --- Several clocks, sla_status the worst, agreed hours, a category with none ---
run pm-sla --now=2024-03-04T12:00:00+08:00 --at-risk=1h --policy="$F/multi.yaml" "$F/multi.csv"
expect_status "multi: status 1" 1
cp "$OUT" "$T/multi.out"
check_rows multi "$T/multi.out"

# --- At-risk window edges ---
atrisk() {  # NAME NOW WINDOW EXPECTED-STATUS EXIT
    if [ -n "$3" ]; then run pm-sla --now="$2" --at-risk="$3" "$F/atrisk.csv"
    else run pm-sla --now="$2" "$F/atrisk.csv"; fi
    expect_eq "at-risk: $1" "$4" "$(tail -1 "$OUT" | awk -F, '{print $NF}')"
    expect_status "at-risk: $1: exit" "$5"
}
# noise 15m created 10:00:00 -> due 10:15:00
atrisk "exactly the window before due" 2024-03-01T10:10:00+08:00 5m at_risk 0
atrisk "one second outside the window" 2024-03-01T10:09:59+08:00 5m open 0
atrisk "now exactly at due" 2024-03-01T10:15:00+08:00 5m at_risk 0
atrisk "one second after due" 2024-03-01T10:15:01+08:00 5m overdue 1
atrisk "no window: never at risk" 2024-03-01T10:14:59+08:00 "" open 0
atrisk "no window: due now is open" 2024-03-01T10:15:00+08:00 "" open 0
atrisk "window in hours" 2024-03-01T09:30:00+08:00 1h at_risk 0
# public_repair 3wd created 2024-02-09 -> due 2024-02-21T00:00
atrwd() {
    run pm-sla --now="$2" --at-risk="$3" "$F/atrisk-wd.csv"
    expect_eq "at-risk wd: $1" "$4" "$(tail -1 "$OUT" | awk -F, '{print $NF}')"
}
atrwd "24h window, exactly" 2024-02-20T00:00:00+08:00 24h at_risk
atrwd "24h window, one second outside" 2024-02-19T23:59:59+08:00 24h open
atrwd "1d window is 24 hours" 2024-02-20T00:00:00+08:00 1d at_risk
atrwd "at due" 2024-02-21T00:00:00+08:00 24h at_risk
atrwd "after due" 2024-02-21T00:00:01+08:00 24h overdue
run pm-sla --now=2024-03-01T10:10:00+08:00 --at-risk=5m --explain "$F/atrisk.csv"
expect_grep "at-risk: explained with the window" '→ at_risk \(window 5m\)' "$OUT"
run pm-sla --now=2024-03-01 --at-risk=2wd "$F/atrisk.csv"
expect_status "at-risk: working days are refused" 2
run pm-sla --now=2024-03-01 --at-risk=soon "$F/atrisk.csv"
expect_status "at-risk: a bad duration is a usage error" 2

# --- Invalid records ---
run pm-sla $NOW "$F/invalid.csv"
expect_status "invalid: status 1 (needs a person, the run is complete)" 1
cp "$OUT" "$T/invalid.out"
check_rows invalid "$T/invalid.out"
expect_eq "invalid: every record still written" "$(wc -l <"$F/invalid.csv")" "$(wc -l <"$OUT")"
expect_grep "invalid: unknown category" "^pm-sla: .*invalid\.csv:3: unknown category 'no_such_category' \(id=i1\)$" "$ERR"
expect_grep "invalid: empty category" "^pm-sla: .*invalid\.csv:4: no category \(id=i2\)$" "$ERR"
expect_grep "invalid: no created_at" "^pm-sla: .*invalid\.csv:5: no created_at \(id=i3\)$" "$ERR"
expect_grep "invalid: unreadable created_at" "^pm-sla: .*invalid\.csv:6: created_at: .*yesterday at noon" "$ERR"
expect_grep "invalid: unreadable resolved_at" "^pm-sla: .*invalid\.csv:7: resolved_at: .*tomorrow" "$ERR"
expect_grep "invalid: unreadable agreed_due_at" "^pm-sla: .*invalid\.csv:8: agreed_due_at: .*next week" "$ERR"
expect_grep "invalid: arrived before created" "^pm-sla: .*invalid\.csv:9: arrived_at .* is before created_at" "$ERR"
expect_grep "invalid: responded before created" "^pm-sla: .*invalid\.csv:10: responded_at .* is before created_at" "$ERR"
expect_grep "invalid: 30 February" "^pm-sla: .*invalid\.csv:12: created_at: " "$ERR"
expect_eq "invalid: one message per invalid record" 9 "$(grep -c . "$ERR")"
run pm-sla $NOW "$F/nocreated.csv"
expect_status "invalid: no created_at column: status 1" 1
expect_grep "invalid: no created_at column: reported" "nocreated\.csv:2: no created_at" "$ERR"
expect_grep "invalid: no created_at column: written invalid" '^x1,.*,invalid$' "$OUT"
run pm-sla $NOW --breaches "$F/invalid.csv"
expect_status "invalid with --breaches: still status 1" 1
expect_eq "invalid with --breaches: nothing late, nothing written" "" "$(cat "$OUT")"
printf 'id,category,created_at\nb1,noise,"2024-02-09 10:00\n' >"$T/broken.csv"
run pm-sla $NOW "$T/broken.csv"
expect_status "a record the reader cannot read: status 1" 1
expect_grep "a record the reader cannot read: written invalid" ',invalid$' "$OUT"
expect_grep "a record the reader cannot read: reported" '^pm-sla: .*broken\.csv' "$ERR"

# --- Exit statuses ---
grep -E '^(id|d1|w1|w3|a2)(,|$)' "$F/periods.csv" >"$T/allmet.csv"
run pm-sla $NOW "$T/allmet.csv"
expect_status "exit 0 when all met" 0
expect_eq "exit 0: quiet" "" "$(cat "$ERR")"
grep -E '^(id|d1|d2)(,|$)' "$F/periods.csv" >"$T/onelate.csv"
run pm-sla $NOW "$T/onelate.csv"
expect_status "exit 1 when one is late" 1
run pm-sla --now=2024-03-01T10:15:01+08:00 "$F/atrisk.csv"
expect_status "exit 1 when one is overdue" 1
run pm-sla $NOW "$F/invalid.csv" "$T/onelate.csv"
expect_status "invalid and late: exit 1" 1
run pm-sla $NOW "$T/onelate.csv" "$T/no-such-file.csv"
expect_status "exit 2 beats 1" 2
run pm-sla $NOW "$T/no-such-file.csv"
expect_status "exit 2 for an unreadable input" 2
expect_grep "unreadable input reported" 'no-such-file' "$ERR"
run pm-sla --now=someday "$F/atrisk.csv"
expect_status "exit 2 for a bad --now" 2
run pm-sla --no-such-option "$F/atrisk.csv"
expect_status "exit 2 for an unknown option" 2
run pm-sla --policy="$T/none.yaml" "$F/atrisk.csv"
expect_status "exit 2 for a missing policy" 2
for p in bad-duration bad-clock bad-key; do
    run pm-sla $NOW --policy="$F/$p.yaml" "$F/atrisk.csv"
    expect_status "bad policy $p: exit 2" 2
    expect_eq "bad policy $p: no output" "" "$(cat "$OUT")"
done
expect_grep "bad policy: FILE:LINE" "^pm-sla: .*bad-key\.yaml:2: unknown key 'categoires'" "$ERR"
run pm-sla $NOW --policy="$F/bad-duration.yaml" "$F/atrisk.csv"
expect_grep "bad duration: FILE:LINE" "^pm-sla: .*bad-duration\.yaml:3: .*3 weeks" "$ERR"
run pm-sla $NOW --calendar="$T/none.yaml" "$F/atrisk.csv"
expect_status "exit 2 for a missing calendar" 2
run pm-sla $NOW --tz=Mars/Olympus "$F/atrisk.csv"
expect_status "exit 2 for an unknown zone" 2

# --- --breaches ---
run pm-sla $NOW --breaches "$F/periods.csv"
expect_status "breaches: status 1" 1
expect_eq "breaches: only late rows" "$(awk -F, 'NR > 1 && $10 == "late"' "$F/periods.csv" | wc -l)" "$(tail -n +2 "$OUT" | wc -l)"
expect_no_grep "breaches: no met row" ',met$' "$OUT"
run pm-sla --now=2024-03-04T12:00:00+08:00 --at-risk=1h --policy="$F/multi.yaml" --breaches "$F/multi.csv"
expect_eq "breaches: late and overdue records" "r2 r3 r4 r6 r10" "$(tail -n +2 "$OUT" | cut -d, -f1 | tr '\n' ' ' | sed 's/ $//')"
run pm-sla $NOW --breaches "$T/allmet.csv"
expect_status "breaches: none, status 0" 0
expect_eq "breaches: none, no output" "" "$(cat "$OUT")"

# --- YAML in and out ---
run pm-sla $NOW -t yaml "$F/periods.csv"
expect_status "yaml out: status" 1
expect_eq "yaml out: one document a line" "$(($(wc -l <"$F/periods.csv") - 1))" "$(grep -c '^--- {' "$OUT")"
expect_grep "yaml out: fields" '^--- \{id: w1, .*resolve_due: "2024-02-21T00:00:00\+08:00", resolve_status: met, sla_status: met\}$' "$OUT"
cp "$OUT" "$T/periods.yaml"
run pm-sla $NOW -t csv "$T/periods.yaml"
expect_out "yaml in: same as the CSV run (fields replaced in place)" "$T/periods.out"
run pm-sla $NOW -f yaml -t csv "$T/periods.yaml"
expect_out "yaml in with -f yaml" "$T/periods.out"
cat >"$T/block.yaml" <<'YAML'
- id: y1
  category: public_repair
  created_at: 2024-02-09T10:00:00+08:00
  resolved_at: 2024-02-21T00:00:01+08:00
- id: y2
  category: lighting
  created_at: '2024-02-09 10:00'
YAML
run pm-sla $NOW -t csv "$T/block.yaml"
expect_status "yaml block sequence in: status" 1
expect_grep "yaml block in: 3wd late" '^y1,.*,2024-02-21T00:00:00\+08:00,late,late$' "$OUT"
expect_grep "yaml block in: 2d overdue" '^y2,.*,2024-02-12T00:00:00\+08:00,overdue,overdue$' "$OUT"

# Records whose fields come in different orders, and inputs with different headers.
# h1 noise 15m from 10:00 -> 10:15, arrived 10:16 late; h2 2d from 02-09 -> 02-12, met;
# h3 3wd from 02-09 -> 02-21, 1s late; h4 the same, met.
run pm-sla $NOW -t csv "$F/hetero.yaml"
expect_grep "yaml, any field order: h1" '^h1,.*2024-03-01T10:15:00\+08:00,late,,,late$' "$OUT"
expect_grep "yaml, any field order: h2" '^lighting,h2,.*,2024-02-12T00:00:00\+08:00,met,met$' "$OUT"
expect_grep "yaml, any field order: h3" '^2024-02-09T10:00:00\+08:00,h3,.*,2024-02-21T00:00:00\+08:00,late,late$' "$OUT"
expect_grep "yaml, any field order: h4" '^h4,.*,2024-02-21T00:00:00\+08:00,met,met$' "$OUT"
run pm-sla $NOW -t yaml "$F/cal.csv" "$F/atrisk.csv" "$F/tz.csv"
expect_grep "several CSV headers: first file" '^--- \{id: c1, .*resolve_due: "2024-03-09T00:00:00\+08:00", resolve_status: overdue, sla_status: overdue\}$' "$OUT"
expect_grep "several CSV headers: second file" '^--- \{id: n1, .*arrive_due: "2024-03-01T10:15:00\+08:00", arrive_status: overdue, .*sla_status: overdue\}$' "$OUT"
expect_grep "several CSV headers: third file" '^--- \{id: z1, .*resolve_due: "2024-02-13T00:00:00\+08:00", resolve_status: overdue, sla_status: overdue\}$' "$OUT"

# --- --print-policy: docs/RULES.md section 1, and it loads back ---
run pm-sla --print-policy
expect_status "print-policy: status 0" 0
cp "$OUT" "$T/policy.yaml"
for rule in 'noise: \{arrive: 15m\}' 'other_complaint: \{arrive: 8h\}' \
    'indoor_repair: \{resolve: \{within: 7wd, agreed: true\}\}' 'public_repair: \{resolve: 3wd\}' \
    'door_window: \{resolve: 2wd\}' 'lighting: \{resolve: 2d\}' 'lighting_other: \{resolve: 5wd\}' \
    'general_inquiry: \{respond: 30m\}' 'fee_inquiry: \{respond: 30m\}' \
    'external_service_inquiry: \{respond: 30m\}' 'other_dept_inquiry: \{respond: 2wd\}'; do
    expect_grep "print-policy: ${rule%%:*}" "^  $rule" "$T/policy.yaml"
done
expect_eq "print-policy: eleven categories" 11 "$(grep -cE '^  [a-z_]+: \{' "$T/policy.yaml")"
tools=$ROOT/tools
"$tools/gen-tickets.sh" -n 3000 -s 42 >"$T/random.csv"
run pm-sla $NOW "$T/random.csv"
cp "$OUT" "$T/random.builtin"
run pm-sla $NOW --policy="$T/policy.yaml" "$T/random.csv"
expect_out "print-policy: loads back with the same results" "$T/random.builtin"
# a calendar named by a path relative to the policy file prints as written,
# so the printed policy, saved beside it, loads back
mkdir -p "$T/pol/pdir"
printf 'name: flat\nweekend: [sat, sun]\nholidays: [2024-03-04]\n' >"$T/pol/pdir/cal.yaml"
printf 'calendar: cal.yaml\ncategories:\n  a: {resolve: 3wd}\n' >"$T/pol/pdir/policy.yaml"
printf 'id,category,created_at\nT1,a,2024-03-01 10:00\n' >"$T/pol/pdir/t.csv"
run pm-sla --policy="$T/pol/pdir/policy.yaml" --print-policy
expect_grep "print-policy: a relative calendar path as written" '^calendar: cal\.yaml$' "$OUT"
cp "$OUT" "$T/pol/pdir/printed.yaml"
run pm-sla --policy="$T/pol/pdir/printed.yaml" --now=2024-03-01T12:00:00+08:00 "$T/pol/pdir/t.csv"
expect_status "print-policy with a calendar: loads back" 0
expect_grep "print-policy with a calendar: its holiday counts" ',2024-03-08T00:00:00\+08:00,open,open$' "$OUT"
# a policy without categories prints as one that loads back (fuzz_policy)
printf 'categories: {}\n' >"$T/pol/none.yaml"
run pm-sla --policy="$T/pol/none.yaml" --print-policy
cp "$OUT" "$T/pol/none-printed.yaml"
run pm-sla --policy="$T/pol/none-printed.yaml" --print-policy
expect_status "print-policy without categories: loads back" 0
expect_out "print-policy without categories: the same again" "$T/pol/none-printed.yaml"
# ... and one with a category name too long for an implicit YAML key
long=$(printf 'k\\\\%.0s' $(seq 1 700))
printf 'categories:\n  ? "%s"\n  : {resolve: 3d}\n  b: {arrive: 15m}\n' "$long" >"$T/pol/long.yaml"
run pm-sla --policy="$T/pol/long.yaml" --print-policy
cp "$OUT" "$T/pol/long-printed.yaml"
expect_grep "print-policy, a long category name: an explicit key" '^  \? "k' "$T/pol/long-printed.yaml"
run pm-sla --policy="$T/pol/long-printed.yaml" --print-policy
expect_status "print-policy, a long category name: loads back" 0
expect_out "print-policy, a long category name: the same again" "$T/pol/long-printed.yaml"
# a bad timezone or calendar in a policy is reported at its line
printf 'categories:\n  a: {resolve: 3d}\ntimezone: Mars/Base\n' >"$T/badtz.yaml"
run pm-sla --policy="$T/badtz.yaml" "$T/pol/pdir/t.csv"
expect_status "policy timezone unknown: status 2" 2
expect_grep "policy timezone unknown: FILE:LINE" "^pm-sla: $T/badtz\.yaml:3: timezone: unknown time zone" "$ERR"
printf 'calendar: nosuch.yaml\ncategories:\n  a: {resolve: 3d}\n' >"$T/badcal.yaml"
run pm-sla --policy="$T/badcal.yaml" "$T/pol/pdir/t.csv"
expect_status "policy calendar missing: status 2" 2
expect_grep "policy calendar missing: FILE:LINE" "^pm-sla: $T/badcal\.yaml:1: calendar 'nosuch\.yaml': " "$ERR"
run pm-sla --policy="$F/multi.yaml" --print-policy
cp "$OUT" "$T/multi-printed.yaml"
run pm-sla --policy="$T/multi-printed.yaml" --print-policy
expect_out "print-policy of a file: printing again gives the same" "$T/multi-printed.yaml"
run pm-sla --now=2024-03-04T12:00:00+08:00 --at-risk=1h --policy="$T/multi-printed.yaml" "$F/multi.csv"
expect_out "print-policy of a file: same results" "$T/multi.out"
expect_grep "print-policy of a file: agreed kept" '^  agreed_hours: \{resolve: \{within: 8h, agreed: true\}\}$' "$T/multi-printed.yaml"

# --- --explain ---
run pm-sla $NOW --explain "$F/explain.csv"
expect_status "explain: status 1 (one invalid record)" 1
tail -n +2 "$OUT" | sed -E 's/^([^,]*,){14}//; s/^"(.*)"$/\1/' >"$T/explain.txt"
n=0
while IFS= read -r want; do
    n=$((n + 1))
    got=$(sed -n "${n}p" "$T/explain.txt")
    expect_eq "explain: $(sed -n "$((n + 1))p" "$F/explain.csv" | cut -d, -f1-2)" "$want" "$got"
done <"$F/explain.expected"
expect_eq "explain: sla_explain is the last field" "sla_explain" "$(head -1 "$OUT" | awk -F, '{print $NF}')"
run pm-sla $NOW "$F/explain.csv"
expect_no_grep "no --explain: no sla_explain" 'sla_explain' "$OUT"
run bash -c "pm-sla $NOW --explain '$F/explain.csv' | pm-sla --now=2024-02-11T00:00:00+08:00"
expect_grep "a second run without --explain empties the first run's sla_explain" '^e3,.*,2024-02-12T00:00:00\+08:00,open,open,$' "$OUT"
run pm-sla --now=2024-03-04T12:00:00+08:00 --at-risk=1h --policy="$F/multi.yaml" --explain "$F/multi.csv"
expect_grep "explain: clocks in order, separated by ' | '" '^r6,.*"respond .* → late \| arrive .* → at_risk \(window 1h\) \| resolve 3wd .* → open"$' "$OUT"
expect_grep "explain: agreed hours clock, agreed wins" '^r8,.*resolve \(agreed\) 2024-03-04T08:00:00\+08:00 \+ 8h → cap 2024-03-04T16:00:00\+08:00; agreed 2024-03-04T11:00:00\+08:00 is earlier, agreed wins → due 2024-03-04T11:00:00\+08:00' "$OUT"
expect_grep "explain: a category without clocks explains nothing" '^r7,quiet,.*,,$' "$OUT"

# The due in every explanation equals the *_due fields, over many random tickets
# (each "→ due T" of the explanation, in clock order, against the non-empty
# respond_due, arrive_due, resolve_due).
"$tools/gen-tickets.sh" -n 20000 -s 7 -d 2023-11-01 -D 1300 >"$T/random2.csv"
run pm-sla --now=2026-06-01T00:00:00+08:00 --at-risk=4h --explain "$T/random2.csv"
mism=$(awk '
    NR == 1 { next }
    {
        n = split($0, a, ",")
        dues = ""
        for (i = 15; i <= 19; i += 2) if (a[i] != "") dues = dues a[i] " "
        ex = $0; sub(/^([^,]*,){21}/, "", ex)
        got = ""
        while (match(ex, /→ due [^ ;]+/)) { m = substr(ex, RSTART, RLENGTH); sub(/.* due /, "", m); got = got m " "; ex = substr(ex, RSTART + RLENGTH) }
        total++
        if (got != dues) { bad++; if (bad < 3) print "MISMATCH " $1 ": [" dues "] [" got "]" > "/dev/stderr" }
    }
    END { print total + 0, bad + 0 }' "$OUT")
expect_eq "explain: due equals *_due over 20000 random tickets (rows, mismatches)" "20000 0" "$mism"
expect_no_grep "explain: never inconsistent with the calendar" 'the calendar changed' "$OUT"
run pm-sla --now=2026-06-01T00:00:00+08:00 --at-risk=4h "$T/random2.csv"
cp "$OUT" "$T/random2.plain"
run pm-sla --now=2026-06-01T00:00:00+08:00 --at-risk=4h --explain "$T/random2.csv"
expect_eq "explain: the other fields are the same as without it" "$(cat "$T/random2.plain")" \
    "$(sed -E 's/,("[^"]*"|[^,]*)$//' "$OUT")"

# --- Years without holiday data: one warning per year, in the explanation too ---
cat >"$T/years.csv" <<'CSV'
id,category,created_at,resolved_at
y1,public_repair,2027-02-05T10:00:00+08:00,
y2,public_repair,2027-03-05T10:00:00+08:00,
y3,door_window,2019-05-06T10:00:00+08:00,2019-05-08T00:00:00+08:00
y4,lighting,2028-01-04T10:00:00+08:00,
y5,public_repair,2024-02-09T10:00:00+08:00,2024-02-20T16:02:00+08:00
CSV
run pm-sla $NOW "$T/years.csv"
expect_eq "missing year: one warning for 2027" 1 "$(grep -c 'calendar cn has no holiday data for 2027; counting weekends only' "$ERR")"
expect_eq "missing year: one warning for 2019" 1 "$(grep -c 'no holiday data for 2019' "$ERR")"
expect_no_grep "missing year: calendar days need no calendar" '2028' "$ERR"
expect_eq "missing year: only these warnings" 2 "$(grep -c . "$ERR")"
expect_status "missing year: status 1 (overdue), the warning is no error" 1
# 2027-02-05 Fri: 02-06..02-07 weekend, 02-08..02-10 -> 2027-02-11 (weekends only)
expect_grep "missing year: weekends only" '^y1,.*,2027-02-11T00:00:00\+08:00,overdue,overdue$' "$OUT"
# 2019-05-06 Mon 2wd: 05-07 =1, 05-08 =2 -> 05-09 (the 2019 May Day make-up days are unknown)
expect_grep "missing year: 2019 counts weekends only" '^y3,.*,2019-05-09T00:00:00\+08:00,met,met$' "$OUT"
run pm-sla $NOW --explain "$T/years.csv"
expect_grep "missing year: in the explanation" '^y2,.*calendar cn has no holiday data for 2027: weekends only' "$OUT"

# --- Custom calendars ---
# lighting_other 5wd from Fri 2024-03-01: cn: 03-04..03-08 -> 03-09;
# cal-list (holiday 03-04..06, make-up Sat 03-09): 03-07 =1 03-08 =2 03-09 =3 03-11 =4 03-12 =5 -> 03-13;
# cal-named (weekend fri+sat): 03-03 =1 03-07 =2 03-09 =3 03-10 =4 03-11 =5 -> 03-12.
run pm-sla $NOW "$F/cal.csv"
expect_grep "calendar: cn" ',2024-03-09T00:00:00\+08:00,overdue,overdue$' "$OUT"
run pm-sla $NOW --calendar="$F/cal-list.yaml" "$F/cal.csv"
expect_grep "calendar: list syntax" ',2024-03-13T00:00:00\+08:00,overdue,overdue$' "$OUT"
run pm-sla $NOW --calendar="$F/cal-named.yaml" --explain "$F/cal.csv"
expect_grep "calendar: named holidays, fri-sat weekend" ',2024-03-12T00:00:00\+08:00,overdue,overdue,' "$OUT"
expect_grep "calendar: named in the explanation" '03-02 weekend, 03-03 =1, 03-04\.\.03-06 holiday \(测试节\), 03-07 =2, 03-08 weekend, 03-09 make-up working day =3, 03-10 =4, 03-11 =5 → due 2024-03-12T00:00:00\+08:00' "$OUT"
mkdir -p "$T/pol" && cp "$F/cal-list.yaml" "$T/pol/" &&
    printf 'calendar: cal-list.yaml\ncategories:\n  lighting_other: {resolve: 5wd}\n' >"$T/pol/policy.yaml"
run pm-sla $NOW --policy="$T/pol/policy.yaml" "$F/cal.csv"
expect_grep "calendar named by the policy, beside it" ',2024-03-13T00:00:00\+08:00,overdue,overdue$' "$OUT"
run pm-sla $NOW --policy="$T/pol/policy.yaml" --calendar=cn "$F/cal.csv"
expect_grep "--calendar beats the policy's" ',2024-03-09T00:00:00\+08:00,overdue,overdue$' "$OUT"

# --- Zones ---
# z1 2024-02-09T20:00Z is 02-10 04:00 in Shanghai: 2d -> 2024-02-13T00:00+08:00;
# in UTC the date is 02-09: -> 2024-02-12T00:00+00:00.  z2 has no offset: local in the zone.
run pm-sla $NOW "$F/tz.csv"
expect_grep "tz: default Asia/Shanghai" '^z1,.*,2024-02-13T00:00:00\+08:00,overdue' "$OUT"
expect_grep "tz: no offset is Shanghai time" '^z2,.*,2024-02-12T00:00:00\+08:00,overdue' "$OUT"
run pm-sla $NOW --tz=UTC "$F/tz.csv"
expect_grep "tz: --tz=UTC" '^z1,.*,2024-02-12T00:00:00\+00:00,overdue' "$OUT"
expect_grep "tz: --tz=UTC, no offset is UTC" '^z2,.*,2024-02-12T00:00:00\+00:00,overdue' "$OUT"
run pm-sla $NOW --policy="$F/tz-utc.yaml" "$F/tz.csv"
expect_grep "tz: the policy's timezone" '^z1,.*,2024-02-12T00:00:00\+00:00,overdue' "$OUT"
run pm-sla $NOW --policy="$F/tz-utc.yaml" --tz=Asia/Shanghai "$F/tz.csv"
expect_grep "tz: --tz beats the policy" '^z1,.*,2024-02-13T00:00:00\+08:00,overdue' "$OUT"

# A zone with summer time: 2d ends at local midnight (-04:00 after the change);
# 15m is 15 real minutes across the skipped hour (01:50 EST -> 03:05 EDT).
run pm-sla $NOW --tz=America/New_York "$F/dst.csv"
expect_grep "tz: 2d across the DST change ends at local midnight" '^dst1,.*,2024-03-11T00:00:00-04:00,overdue,overdue$' "$OUT"
expect_grep "tz: 15m across the skipped hour" '^dst2,.*,2024-03-10T03:05:00-04:00,overdue,,,overdue$' "$OUT"

# --- Pauses (issue 14): the paused field, status paused ---
PNOW=--now=2024-07-06T00:00:00+08:00
run pm-sla $PNOW "$F/paused.csv"
expect_status "paused: overdue rows give status 1" 1
cp "$OUT" "$T/paused.out"
check_rows paused "$T/paused.out"
expect_eq "paused: nothing on stderr" "" "$(cat "$ERR")"
run pm-sla $PNOW --stats "$F/paused.csv"
expect_grep "paused: counted by --stats" '^pm-sla: read 15, passed 15, rejected 0, skipped 0, flagged 8, wrote 15; met 3, open 2, paused 2, at_risk 0, late 3, overdue 5, no clock 0, invalid 0$' "$ERR"
run pm-sla $PNOW --breaches "$F/paused.csv"
expect_no_grep "paused: not a breach" ',paused$' "$OUT"
grep -E '^(id|p1|p2|p7)(,|$)' "$F/paused.csv" >"$T/paused-only.csv"
run pm-sla $PNOW "$T/paused-only.csv"
expect_status "paused and open: status 0" 0
run pm-sla $PNOW --at-risk=5d "$T/paused-only.csv"
expect_eq "paused ranks below at_risk" "p1 at_risk|p2 paused|p7 paused" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf("%s%s %s", (NR > 1 ? "|" : ""), $1, $NF) }')"
# an open pause, then the ticket is resolved: the due comes back
printf 'id,category,created_at,resolved_at,paused\nq1,public_repair,2024-07-01T10:00:00+08:00,,2024-07-03T10:00/\n' >"$T/q1.csv"
run pm-sla $PNOW "$T/q1.csv"
expect_grep "open pause: paused" '^q1,.*,,paused,paused$' "$OUT"
printf 'id,category,created_at,resolved_at,paused\nq1,public_repair,2024-07-01T10:00:00+08:00,2024-07-09T15:00:00+08:00,2024-07-03T10:00/\n' >"$T/q1.csv"
run pm-sla $PNOW "$T/q1.csv"
# 07-02 =1; 07-03..07-09 paused (ended by the resolution at 15:00); 07-10 =2, 07-11 =3
expect_grep "open pause ended by the resolution" '^q1,.*,2024-07-12T00:00:00\+08:00,met,met$' "$OUT"

# Bad pauses make the ticket invalid: exit 1, reported, written
cat >"$T/badpause.csv" <<'CSV'
id,category,created_at,paused
b1,public_repair,2024-07-01T10:00:00+08:00,2024-07-05 10:00/2024-07-03 10:00
b2,public_repair,2024-07-01T10:00:00+08:00,2024-07-03 10:00
b3,public_repair,2024-07-01T10:00:00+08:00,2024-07-03 10:00/next week
b4,public_repair,2024-07-01T10:00:00+08:00,2024-07-03 10:00/2024-07-04 10:00
CSV
run pm-sla $PNOW "$T/badpause.csv"
expect_status "bad pause: status 1" 1
expect_grep "bad pause: end before start" "^pm-sla: .*badpause\.csv:2: paused: '2024-07-05 10:00/2024-07-03 10:00': the end is before the start \(id=b1\)$" "$ERR"
expect_grep "bad pause: no interval" "^pm-sla: .*badpause\.csv:3: paused: .*START/END" "$ERR"
expect_grep "bad pause: unreadable end" "^pm-sla: .*badpause\.csv:4: paused: .*next week" "$ERR"
expect_eq "bad pause: written invalid" "invalid invalid invalid" "$(tail -n +2 "$OUT" | head -3 | awk -F, '{print $NF}' | tr '\n' ' ' | sed 's/ $//')"
# 07-02 =1; 07-03, 07-04 paused; 07-05 =2; 07-08 =3
expect_grep "bad pause: the good one is judged" '^b4,.*,2024-07-09T00:00:00\+08:00,open,open$' "$OUT"

# YAML: the field as text, or as a list of texts (flow or block)
cat >"$T/paused.yaml" <<'YAML'
--- {id: p1, category: public_repair, created_at: "2024-07-01T10:00:00+08:00", paused: "2024-07-03T10:00/2024-07-05 16:00"}
--- {id: p11, category: public_repair, created_at: "2024-07-01T10:00:00+08:00", paused: ["2024-07-02 10:00/2024-07-02 12:00", "2024-07-02 11:00/2024-07-03 10:00", 2024-07-03 10:00/2024-07-03 12:00]}
---
- id: p2
  category: public_repair
  created_at: 2024-07-01T10:00:00+08:00
  paused:
    - 2024-07-02T10:00/2024-07-02T11:00
    - 2024-07-03T10:00/
YAML
run pm-sla $PNOW -t csv "$T/paused.yaml"
expect_status "paused in YAML: status 0" 0
expect_grep "paused in YAML: text" '^p1,.*,2024-07-10T00:00:00\+08:00,open,open$' "$OUT"
expect_grep "paused in YAML: a flow list" '^p11,.*,2024-07-02 10:00/2024-07-02 12:00;2024-07-02 11:00/2024-07-03 10:00;2024-07-03 10:00/2024-07-03 12:00,.*,2024-07-09T00:00:00\+08:00,open,open$' "$OUT"
expect_grep "paused in YAML: a block list, open" '^p2,.*,,paused,paused$' "$OUT"
run pm-sla $PNOW "$T/paused.yaml"
expect_grep "paused in YAML out: the list as text" '^--- \{id: p11, .*paused: "2024-07-02 10:00/2024-07-02 12:00;2024-07-02 11:00/2024-07-03 10:00;2024-07-03 10:00/2024-07-03 12:00", ' "$OUT"
run pm-sla $PNOW -t yaml "$F/paused.csv"
cp "$OUT" "$T/paused-out.yaml"
run pm-sla $PNOW -t csv "$T/paused-out.yaml"
expect_out "paused: CSV -> YAML -> CSV gives the same" "$T/paused.out"
printf -- '--- {id: n1, category: public_repair, created_at: "2024-07-01T10:00:00+08:00", paused: [{from: x}]}\n' >"$T/nested.yaml"
run pm-sla $PNOW "$T/nested.yaml"
expect_grep "paused in YAML: a list of mappings is reported" "nested\.yaml:1: .*paused" "$ERR"
expect_grep "paused in YAML: a list of mappings is written invalid" '^--- \{id: n1, .*sla_status: invalid\}$' "$OUT"
expect_status "paused in YAML: a list of mappings: status 1" 1

# --explain names each pause and what it did
run pm-sla $PNOW --explain "$F/paused.csv"
expect_grep "explain: the issue's example" '^p1,.*"resolve 3wd from 2024-07-01 \(Mon, not counted\): 07-02 =1, 07-03\.\.07-05 paused, 07-06\.\.07-07 weekend, 07-08 =2, 07-09 =3; paused 07-03 10:00\.\.07-05 16:00: 07-03, 07-04, 07-05 not counted → due 2024-07-10T00:00:00\+08:00; not resolved, now 2024-07-06T00:00:00\+08:00 → open"$' "$OUT"
expect_grep "explain: still paused" '^p2,.*"resolve 3wd from 2024-07-01 \(Mon, not counted\): 07-02 =1; paused since 07-03 10:00: still paused, the clock is stopped → due none \(paused\); not resolved, now 2024-07-06T00:00:00\+08:00 → paused"$' "$OUT"
expect_grep "explain: a pause at the deadline" '^p3,.*paused since 07-05 00:00: starts after the deadline, changes nothing → due 2024-07-05T00:00:00\+08:00;' "$OUT"
expect_grep "explain: agreed, the cap moved, the agreed date not" '^p8,.*paused since 07-02 10:00: still paused, the clock is stopped → cap none \(paused\); agreed 2024-07-05T12:00:00\+08:00 is earlier, agreed wins → due 2024-07-05T12:00:00\+08:00;' "$OUT"
expect_grep "explain: pauses merged" '^p11,.*; paused 07-02 10:00\.\.07-03 12:00: 07-02, 07-03 not counted → due 2024-07-09' "$OUT"
expect_grep "explain: a clock that does not pause says nothing of it" '^p5,.*,arrive 2024-07-01T10:00:00\+08:00 \+ 8h → due 2024-07-01T18:00:00\+08:00; arrived 2024-07-01T19:00:00\+08:00 → late$' "$OUT"
expect_no_grep "explain: never inconsistent" 'the calendar changed' "$OUT"

# Many random tickets with random pauses: the explanation's due is the *_due
# field; a ticket without pauses is judged as before.
# (pauses: the 10th 09:00 to the 12th 18:00 of every month, hours on the
# creation day, open ones; arrive clocks pause too)
awk -F, 'BEGIN { OFS = ","
        for (y = 2023; y <= 2027; y++) for (m = 1; m <= 12; m++)
            months = months sprintf("%s%04d-%02d-10T09:00/%04d-%02d-12 18:00", months == "" ? "" : ";", y, m, y, m) }
    NR == 1 { print $0, "paused"; next }
    { p = ""; c = $6; d = c; sub(/T.*/, "", d)
      if (NR % 3 == 0) p = months
      else if (NR % 5 == 0) p = d "T10:00/" d "T10:05;" d "T10:05/" d "T11:00;" d "T09:00/" d "T10:30"
      else if (NR % 7 == 0) p = c "/"
      else if (NR % 11 == 0) p = months ";2026-01-01T00:00/"
      print $0, p }' "$T/random2.csv" >"$T/random2p.csv"
pm-sla --print-policy | sed 's/{arrive: \([0-9a-z]*\)}/{arrive: {within: \1, pause: true}}/' >"$T/arrive-pauses.yaml"
run pm-sla --now=2026-06-01T00:00:00+08:00 --policy="$T/arrive-pauses.yaml" --explain "$T/random2p.csv"
mism=$(awk '
    NR == 1 { next }
    {
        n = split($0, a, ",")
        dues = ""
        for (i = 16; i <= 20; i += 2) if (a[i] != "") dues = dues a[i] " "
        ex = $0; sub(/^([^,]*,){22}/, "", ex)
        got = ""
        while (match(ex, /→ due [^ ;]+/)) { m = substr(ex, RSTART, RLENGTH); sub(/.* due /, "", m); if (m != "none") got = got m " "; ex = substr(ex, RSTART + RLENGTH) }
        total++
        if (got != dues) { bad++; if (bad < 3) print "MISMATCH " $1 ": [" dues "] [" got "]" > "/dev/stderr" }
    }
    END { print total + 0, bad + 0 }' "$OUT")
expect_eq "pauses: due equals *_due over 20000 random tickets (rows, mismatches)" "20000 0" "$mism"
expect_no_grep "pauses: never inconsistent with the calendar" 'the calendar changed' "$OUT"
expect_grep "pauses: some are paused" ',paused,' "$OUT"
expect_grep "pauses: hours clocks moved, said so" '; paused [0-9-]+ [0-9:]+\.\.[0-9-]+ [0-9:]+: \+[0-9]+[hms]' "$OUT"
run pm-sla --now=2026-06-01T00:00:00+08:00 "$T/random2.csv"
cp "$OUT" "$T/random2-nop.out"
awk -F, 'BEGIN { OFS = "," } NR == 1 { print $0, "paused"; next } { print $0, "" }' "$T/random2.csv" >"$T/random2e.csv"
run pm-sla --now=2026-06-01T00:00:00+08:00 "$T/random2e.csv"
expect_eq "pauses: an empty paused field changes nothing" "$(md5sum <"$T/random2-nop.out")" "$(cut -d, -f1-14,16- "$OUT" | md5sum)"

# --- Policy versions (issue 14) ---
run pm-sla --now=2024-07-02T00:00:00+08:00 --policy="$F/versions.yaml" "$F/versions.csv"
expect_status "versions: status 1 (v7 late)" 1
cp "$OUT" "$T/versions.out"
check_rows versions "$T/versions.out"
run pm-sla --now=2024-07-02T00:00:00+08:00 --policy="$F/versions.yaml" --explain "$F/versions.csv"
expect_grep "versions: --explain names the version (2023)" '^v1,.*"policy version 2023-01-01: resolve 5wd from 2024-06-30' "$OUT"
expect_grep "versions: --explain names the version (2024)" '^v2,.*"policy version 2024-07-01: resolve 3wd from 2024-07-01' "$OUT"
printf 'id,category,created_at\nx1,public_repair,2022-12-31T10:00:00+08:00\nx2,chat,2024-06-30T10:00:00+08:00\nx3,chat,2024-07-01T10:00:00+08:00\n' >"$T/vbad.csv"
run pm-sla --now=2024-07-02T00:00:00+08:00 --policy="$F/versions.yaml" "$T/vbad.csv"
expect_status "versions: tickets before the first version, unknown category: status 1" 1
expect_grep "versions: before the first version" "vbad\.csv:2: no policy version in force on 2022-12-31 \(the first is effective from 2023-01-01\) \(id=x1\)$" "$ERR"
expect_grep "versions: a category of a later version" "vbad\.csv:3: unknown category 'chat' \(policy version effective from 2023-01-01\) \(id=x2\)$" "$ERR"
expect_grep "versions: the same category in its version" '^x3,chat,.*,2024-07-01T10:30:00\+08:00,overdue,,,,,overdue$' "$OUT"
run pm-sla --policy="$F/versions.yaml" --print-policy
cp "$OUT" "$T/versions-printed.yaml"
expect_grep "versions: printed" '^  - effective_from: 2024-07-01$' "$T/versions-printed.yaml"
expect_grep "versions: pause settings printed" '^      public_repair: \{resolve: \{within: 3wd, pause: false\}\}$' "$T/versions-printed.yaml"
expect_grep "versions: pause: true printed" '^      chat: \{respond: \{within: 30m, pause: true\}\}$' "$T/versions-printed.yaml"
run pm-sla --now=2024-07-02T00:00:00+08:00 --policy="$T/versions-printed.yaml" "$F/versions.csv"
expect_out "versions: the printed policy loads back with the same results" "$T/versions.out"
run pm-sla --policy="$T/versions-printed.yaml" --print-policy
expect_out "versions: printed again, the same" "$T/versions-printed.yaml"
cat >"$T/vorder.yaml" <<'YAML'
versions:
  - effective_from: 2024-07-01
    categories: {a: {resolve: 3wd}}
  - effective_from: 2024-01-01
    categories: {a: {resolve: 5wd}}
YAML
run pm-sla --policy="$T/vorder.yaml" "$T/vbad.csv"
expect_status "versions out of order: status 2" 2
expect_eq "versions out of order: no output" "" "$(cat "$OUT")"
expect_grep "versions out of order: both named" "vorder\.yaml:4: the version effective from 2024-01-01 comes after the version effective from 2024-07-01 \(line 2\)" "$ERR"
sed 's/2024-01-01/2024-07-01/' "$T/vorder.yaml" >"$T/vsame.yaml"
run pm-sla --policy="$T/vsame.yaml" "$T/vbad.csv"
expect_status "versions overlapping: status 2" 2
expect_grep "versions overlapping: both named" "vsame\.yaml:4: the version effective from 2024-07-01 overlaps the version effective from 2024-07-01 \(line 2\)" "$ERR"
run pm-sla --print-policy
expect_grep "print-policy: the built-in one says how clocks pause" '^# pause: resolve clocks stop while a ticket is paused' "$OUT"
printf 'categories:\n  a: {respond: {within: 30m, pause: true}, resolve: {within: 2d, pause: false}}\n' >"$T/pp.yaml"
run pm-sla --policy="$T/pp.yaml" --print-policy
expect_grep "print-policy: pause settings that differ from the default" '^  a: \{respond: \{within: 30m, pause: true\}, resolve: \{within: 2d, pause: false\}\}$' "$OUT"

# --- Time edge cases (issue 14) ---
printf 'id,category,created_at\ng1,noise,2024-03-10 02:30\ng2,noise,2024-03-10 03:30\n' >"$T/gap.csv"
run pm-sla $NOW --tz=America/New_York "$T/gap.csv"
expect_status "DST gap: status 1" 1
expect_grep "DST gap: an error, not moved forward" "gap\.csv:2: created_at: bad timestamp '2024-03-10 02:30': no such local time in America/New_York" "$ERR"
expect_grep "DST gap: written invalid" '^g1,.*,invalid$' "$OUT"
expect_grep "DST gap: after it, fine" '^g2,.*,2024-03-10T03:45:00-04:00,overdue,,,overdue$' "$OUT"
printf 'id,category,created_at\nf1,lighting,9999-12-29T10:00:00+08:00\nf2,lighting,9999-12-28T10:00:00+08:00\n' >"$T/far.csv"
run pm-sla --now=2024-01-01T00:00:00+08:00 "$T/far.csv"
expect_status "deadline past 9999-12-31: status 1" 1
expect_grep "deadline past 9999-12-31: reported" "far\.csv:2: the resolve deadline is after 9999-12-31 \(id=f1\)$" "$ERR"
expect_grep "deadline past 9999-12-31: invalid, no five-digit year" '^f1,lighting,9999-12-29T10:00:00\+08:00,,,,,,,invalid$' "$OUT"
expect_grep "deadline on 9999-12-31: written" '^f2,.*,9999-12-31T00:00:00\+08:00,open,open$' "$OUT"

# --- Output file, pipes, standard input ---
run pm-sla $NOW -o "$T/out.csv" "$F/periods.csv"
expect_status "-o: status" 1
expect_eq "-o: nothing on stdout" "" "$(cat "$OUT")"
expect_eq "-o: the file" "$(cat "$T/periods.out")" "$(cat "$T/out.csv")"
run pm-sla $NOW -o "$T/fail.csv" "$F/periods.csv" "$T/no-such-file.csv"
expect_status "-o with an unreadable input: status 2" 2
expect_eq "-o with an unreadable input: no file left behind" "no" "$([ -e "$T/fail.csv" ] && echo yes || echo no)"
expect_eq "-o: no temporary file left behind" "" "$(ls -A "$T" | grep -v -E '^(stdout|stderr|expected|.*\.(csv|out|txt|yaml|builtin|plain)|pol)$')"
run pm-sla $NOW --stats "$F/periods.csv"
expect_grep "--stats: counts on stderr" '^pm-sla: read 47, passed 47, rejected 0, skipped 0, flagged 16, wrote 47; met 31, open 0, paused 0, at_risk 0, late 16, overdue 0, no clock 0, invalid 0$' "$ERR"
run pm-sla $NOW - <"$F/periods.csv"
expect_out "standard input" "$T/periods.out"
run bash -c "pm-sla $NOW '$T/random.csv' '$T/random.csv' '$T/random.csv' | head -1"
expect_eq "closed pipe: quiet" "" "$(cat "$ERR")"

# --- examples/nightly.sh, the cron job (needs pm-ingest) ---
if [ -x "$PM_BIN/pm-ingest" ]; then
    EX=$ROOT/examples/sla
    run env PM_EXPORT="$EX/tickets.csv" PM_DAY=2025-10-09 PM_NOW=2025-10-10T09:00:00+08:00 \
        PM_SCHEMA="$EX/schema.yaml" PM_POLICY="$EX/policy.yaml" PM_OUT="$T/nightly" \
        sh "$ROOT/examples/nightly.sh"
    expect_status "nightly: breaches give status 1" 1
    d=$T/nightly/2025-10-09
    expect_eq "nightly: every ticket checked" 41 "$(wc -l <"$d/sla.csv")"
    expect_eq "nightly: the breach list is the late and overdue tickets" \
        "$(grep -cE ',(late|overdue),"[^"]*"$|,(late|overdue),[^,]*$' "$d/sla.csv")" "$(($(wc -l <"$d/breaches.csv") - 1))"
    expect_no_grep "nightly: no met ticket among the breaches" ',(met|open|at_risk),"[^"]*"$' "$d/breaches.csv"
    expect_grep "nightly: the account" '^nightly: 2025-10-09: 40 tickets checked at 2025-10-10T09:00:00\+08:00; [0-9]+ late or overdue; 0 rows rejected$' "$OUT"
    run env PM_EXPORT="$T/allmet.csv" PM_DAY=2024-02-20 PM_NOW=2024-03-01T00:00:00+08:00 PM_OUT="$T/nightly" \
        sh "$ROOT/examples/nightly.sh"
    expect_status "nightly: nothing late, status 0" 0
    run env PM_IN="$T/none" PM_DAY=2024-02-20 PM_OUT="$T/nightly" sh "$ROOT/examples/nightly.sh"
    expect_status "nightly: no export, status 2" 2
    run env PM_EXPORT="$F/invalid.csv" PM_DAY=2024-02-21 PM_NOW=2030-01-01T00:00:00+08:00 PM_OUT="$T/nightly" \
        sh "$ROOT/examples/nightly.sh"
    # pm-ingest rejects rows 3, 5-8 and 12 (category, created_at, timestamps); of the five
    # left, pm-sla finds three invalid (no category, arrived and responded before created).
    expect_status "nightly: invalid tickets, status 1" 1
    expect_grep "nightly: rejected rows counted" '; 6 rows rejected$' "$OUT"
    expect_eq "nightly: invalid tickets reported" 3 "$(grep -c '^pm-sla: .*tickets\.csv:[0-9]*: ' "$OUT")"
    # a re-run of the same day whose pm-sla fails must not report the
    # earlier run's results as its own
    printf 'categories:\n  noise: {arrive: 15x}\n' >"$T/badpolicy.yaml"
    run env PM_EXPORT="$EX/tickets.csv" PM_DAY=2025-10-09 PM_NOW=2025-10-10T09:00:00+08:00 \
        PM_SCHEMA="$EX/schema.yaml" PM_POLICY="$T/badpolicy.yaml" PM_OUT="$T/nightly" \
        sh "$ROOT/examples/nightly.sh"
    expect_status "nightly: re-run with a bad policy, status 2" 2
    expect_grep "nightly: re-run with a bad policy says pm-sla failed" '^nightly: pm-sla failed' "$OUT"
    expect_no_grep "nightly: re-run with a bad policy gives no stale account" 'tickets checked' "$OUT"
    if [ -e "$d/breaches.csv" ]; then fail "nightly: the earlier breach list is gone"; else pass; fi
else
    echo "(pm-ingest not built: skipping the nightly.sh checks)" >&2
fi

# --- output byte-identical to before the speed work (issue 18) ---
# sha256 of pm-sla's output on a fixed-seed generated file, recorded before
# the reader's quote-free fast path and the writer's pass-through of input
# lines: any change of output shows here.  b.csv mixes in quoted fields
# (with a comma and a doubled quote), CRLF line ends and a field starting
# with a byte-order mark (which must be written quoted).
"$ROOT/tools/gen-tickets.sh" -n 20000 -s 7 >"$T/dg-a.csv"
awk 'BEGIN { FS = OFS = "," }
    NR > 1 && NR % 5 == 0 { $NF = "\"" $NF ", \"\"x\"\"\"" }
    NR > 1 && NR % 11 == 0 { $13 = "\357\273\277" $13 }
    NR > 1 && NR % 7 == 0 { $0 = $0 "\r" }
    { print }' "$T/dg-a.csv" >"$T/dg-b.csv"
tr ',' '\t' <"$T/dg-b.csv" >"$T/dg-b.tsv"
digest() {  # NAME EXPECTED_SHA256 CMD...: the sha256 of CMD's standard output
    local name=$1 want=$2
    shift 2
    expect_eq "same output as before: $name" "$want" "$("$@" 2>/dev/null | sha256sum | cut -c1-64)"
}
DNOW=--now=2026-07-01T00:00:00+08:00
digest "plain" 5e57662859f6c782b6d210f264fc8ddf674f1747904742683e0cef4b049f68ea pm-sla $DNOW "$T/dg-a.csv"
digest "--explain" 98cfeea3a6f14485237d1f2d3c8021585cd178f7c536a93d4731df3e1d298dd4 pm-sla $DNOW --explain "$T/dg-a.csv"
digest "-t yaml" d4d1850a0a6b147061048f5ac3d0eda18307b6a88d3014a42ea012f7a4e42c8c pm-sla $DNOW -t yaml "$T/dg-a.csv"
digest "quotes, CRLF, BOM" fc0f9bc28dee729de328fb0ade663e5128d621c309c4aabc060532726771b4e9 pm-sla $DNOW "$T/dg-b.csv"
digest "quotes, CRLF, BOM, --explain --at-risk" a9849a21bbcf4defb58152809c811d9cc9aa1827fefbf07d746003d3d78a859c \
    pm-sla $DNOW --explain --at-risk=2h "$T/dg-b.csv"
pm-sla $DNOW "$T/dg-a.csv" >"$T/dg-a.out" 2>/dev/null
digest "its own output again, --explain" 98cfeea3a6f14485237d1f2d3c8021585cd178f7c536a93d4731df3e1d298dd4 \
    pm-sla $DNOW --explain "$T/dg-a.out"
digest "its own output again" 5e57662859f6c782b6d210f264fc8ddf674f1747904742683e0cef4b049f68ea pm-sla $DNOW "$T/dg-a.out"
digest "TSV" d971d7aea5c2e66ca65fb82cdce9648f219422d17dc87f6a2d591e701fa133c1 pm-sla $DNOW "$T/dg-b.tsv"
digest "TSV to CSV" bd056ded645de79ae55e05aa6d807e52f547aa90c5bc7ee473b943abe964b29f pm-sla $DNOW -t csv "$T/dg-b.tsv"
digest "--breaches" 242a0b318f426ef8747e5903669c6bd4d92db9011cc156c090079f8b2fa7943f pm-sla $DNOW --breaches "$T/dg-b.csv"

# --- parallel --pipe gives the same output as one process ---
if command -v parallel >/dev/null 2>&1; then
    run pm-sla --now=2026-06-01T00:00:00+08:00 --explain "$T/random2.csv"
    cp "$OUT" "$T/one.out"
    run bash -c "parallel --will-cite --pipe --header : --keep-order --block 200k -j 2 \
        pm-sla --now=2026-06-01T00:00:00+08:00 --explain <'$T/random2.csv' | awk 'NR == 1 || \$0 != h { print } NR == 1 { h = \$0 }'"
    expect_out "parallel --pipe --header : --keep-order: same output" "$T/one.out"
else
    echo "(parallel not installed: skipping the parallel check)" >&2
fi

# --- a policy's errors are all reported in one run (issue 20) ---
cat >"$T/typos.yaml" <<'YAML'
timezone: Asia/Shanghai
calender: cn
categories:
  noise: {arive: 15m}
  repair: {resolve: {within: 3wd, agred: true}}
  lights: {resolve: [2d]}
YAML
run pm-sla $NOW --policy="$T/typos.yaml" "$F/atrisk.csv"
expect_status "policy typos: exit 2" 2
expect_eq "policy typos: no output" "" "$(cat "$OUT")"
expect_eq "policy typos: one message per error" 4 "$(wc -l <"$ERR")"
expect_grep "policy typos: top-level key, known keys, did you mean" \
    "^pm-sla: .*typos\.yaml:2: unknown key 'calender' in the policy \(known: timezone, calendar, categories, versions\); did you mean 'calendar'\?$" "$ERR"
expect_grep "policy typos: a clock name" \
    "^pm-sla: .*typos\.yaml:4: unknown key 'arive' in category 'noise' \(known: respond, arrive, resolve\); did you mean 'arrive'\?$" "$ERR"
expect_grep "policy typos: a key of a clock" \
    "^pm-sla: .*typos\.yaml:5: unknown key 'agred' in a clock \(known: within, agreed, pause\); did you mean 'agreed'\?$" "$ERR"
expect_grep "policy typos: a value of the wrong kind" \
    "^pm-sla: .*typos\.yaml:6: resolve must be a duration or \{within: DURATION, agreed: true, pause: true\}$" "$ERR"
# --- a required key is declared in the key table and missed in one message ---
cat >"$T/needs.yaml" <<'YAML'
versions:
  - categories:
      noise: {arrive: {agreed: true}}
  - effective_from: ''
    categories: {a: {resolve: 3wd}}
YAML
run pm-sla $NOW --policy="$T/needs.yaml" "$F/atrisk.csv"
expect_status "required keys: exit 2" 2
expect_eq "required keys: no output" "" "$(cat "$OUT")"
expect_grep "required keys: a version without its date" \
    "^pm-sla: .*needs\.yaml:2: a version needs 'effective_from': a date YYYY-MM-DD$" "$ERR"
expect_grep "required keys: a clock without its duration" \
    "^pm-sla: .*needs\.yaml:3: a clock needs 'within': a duration \(15m, 8h, 2d, 7wd\)$" "$ERR"
expect_grep "required keys: an empty date is a bad date" \
    "^pm-sla: .*needs\.yaml:4: effective_from: bad date '' \(YYYY-MM-DD\)$" "$ERR"
# --- a calendar file follows the same rule for keys (issue 20) ---
printf 'name: mine\nweekends: [sat, sun]\nholidays: [2024-01-01]\n' >"$T/caltypo.yaml"
run pm-sla $NOW --calendar="$T/caltypo.yaml" "$F/atrisk.csv"
expect_status "calendar typo: exit 2" 2
expect_grep "calendar typo: known keys, did you mean" \
    "^pm-sla: .*caltypo\.yaml:2: unknown key 'weekends' in a calendar \(known: name, weekend, holidays, workdays, description, source, sources, notes\); did you mean 'weekend'\?$" "$ERR"

finish
