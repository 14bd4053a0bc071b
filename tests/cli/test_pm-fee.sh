#!/bin/bash
# test_pm-fee.sh - pm-fee (docs/CONTRACT.md section 7) on real files.
# Every expected amount below was worked out by hand; the comments show how.
. "$(dirname "$0")/lib.sh"
F=$HERE/pm-fee
cd "$T" || exit 2

# The first nine columns of a CSV charge stream (no formula: no commas inside).
cols9() { cut -d, -f1-9 "$OUT"; }
# Column N of the charge stream, one value per line (without the header).
col() { tail -n +2 "$OUT" | cut -d, -f"$1" | tr '\n' ' ' | sed 's/ $//'; }
# A schedule with one catch-all rule whose amount is the record's field v.
schedule_v() { # MODE SCALE
    printf 'currency: CNY\nscale: %s\nrounding: %s\nrules:\n  - id: v\n    when: {}\n    price: v\n' "$2" "$1" >"sched-$1-$2.yaml"
}

# ---------------------------------------------------------------------------
# Every rule kind (kinds.yaml), checked against hand-derived charges:
#   u1 per-m2: 89.37 x 1.50 = 134.055 -> 134.06 (half_up); flat: 8 -> 8.00
#   o1 pct: 1000.04 x 12.5% = 125.005 -> 125.01
#   d1 net: (52000.00 - 30000.00) x 2 / 4 = 11000; x 10% = 1100.00 -> max 500.00
#   d2 net: (10000 - 30000) x 2 / 4 = -10000; x 10% = -1000.00 -> min 0.00
#   d3 net: (3000.10 - 2000) x 2 / 4 = 500.05; x 10% = 50.005 -> 50.01
#   e1 excess: max(0, 750 - 600) = 150 x 0.20 = 30.00; e2: 599 -> 0 -> 0.00
#   c1 pool: 100.00 x 30% = 30.00, 3 equal shares of 10.00
#   c2 pool: 1000.00 x 30% = 300.00, shares 3;1 -> 225.00, 75.00
#   p1 default quantity 1 x 100.00 = 100.00
run pm-fee --schedule="$F/kinds.yaml" "$F/kinds.csv"
expect_status "kinds: status 0" 0
cols9 >got.csv
if cmp -s "$F/kinds.expected.csv" got.csv; then pass; else fail "kinds: charges" "$(diff "$F/kinds.expected.csv" got.csv | head)"; fi
expect_eq "header in contract order" \
    "period,source,rule,party,quantity,price,base,percent,amount,schedule_sha256" "$(head -n 1 "$OUT")"
expect_eq "schedule_sha256 is sha256sum of the schedule" \
    "$(sha256sum "$F/kinds.yaml" | cut -d' ' -f1)" "$(sed -n 2p "$OUT" | cut -d, -f10)"
expect_eq "same sha256 on every line" 1 "$(tail -n +2 "$OUT" | cut -d, -f10 | sort -u | wc -l)"
expect_eq "nothing on stderr" "" "$(cat "$ERR")"

# The same from standard input, as YAML in and out.
run pm-fee --schedule="$F/kinds.yaml" -t yaml <"$F/kinds.csv"
expect_status "stdin: status 0" 0
expect_grep "yaml output" '^--- \{period: "", source: u1, rule: per-m2, party: "", quantity: "89.37", price: "1.50", base: "", percent: "", amount: "134.06", schedule_sha256: [0-9a-f]{64}\}$' "$OUT"
pm-fee --schedule="$F/kinds.yaml" -t yaml "$F/kinds.csv" >kinds.yaml.out 2>/dev/null
# YAML input (converted from the CSV inputs) gives the same charges.
printf -- '--- {id: u1, type: unit, area: "89.37"}\n--- {id: o1, type: order, amount: "1000.04"}\n' >in.yaml
run pm-fee --schedule="$F/kinds.yaml" -t csv in.yaml
expect_eq "yaml input" ",u1,per-m2,,89.37,1.50,,,134.06 ,u1,flat,,,,,,8.00 ,o1,pct,,,,1000.04,12.5,125.01" \
    "$(tail -n +2 "$OUT" | cut -d, -f1-9 | tr '\n' ' ' | sed 's/ $//')"

# A spreadsheet export: byte-order mark and CRLF line ends.
printf '\357\273\277id,type,area\r\nu1,unit,89.37\r\n' >bom.csv
run pm-fee --schedule="$F/kinds.yaml" bom.csv
expect_eq "BOM and CRLF input" ",u1,per-m2,,89.37,1.50,,,134.06 ,u1,flat,,,,,,8.00" \
    "$(tail -n +2 "$OUT" | cut -d, -f1-9 | tr '\n' ' ' | sed 's/ $//')"

# source is FILE:LINE when the record has no id.
printf 'type,area\nunit,10\n' >noid.csv
run pm-fee --schedule="$F/kinds.yaml" noid.csv
expect_eq "source without id is FILE:LINE" "noid.csv:2 noid.csv:2" "$(col 2)"

# -o writes the file atomically; nothing on stdout.
run pm-fee --schedule="$F/kinds.yaml" -o charges.csv "$F/kinds.csv"
expect_status "-o: status 0" 0
expect_eq "-o: stdout empty" "" "$(cat "$OUT")"
expect_eq "-o: file has every charge" 15 "$(wc -l <charges.csv)"

# ---------------------------------------------------------------------------
# --explain: the formula field.
run pm-fee --schedule="$F/kinds.yaml" --explain "$F/kinds.csv"
expect_eq "explain: formula is the last column" "formula" "$(head -n 1 "$OUT" | cut -d, -f11)"
expect_grep "explain: price x quantity" ',89\.37 × 1\.50 = 134\.055 → 134\.06 \(half_up\)$' "$OUT"
expect_grep "explain: fixed" ',fixed 8 → 8\.00 \(half_up\)$' "$OUT"
expect_grep "explain: percent" ',1000\.04 × 12\.5% = 125\.005 → 125\.01 \(half_up\)$' "$OUT"
expect_grep "explain: expression and max" ',\(gross - costs\) × 2 / 4 = \(52000\.00 - 30000\.00\) × 2 / 4 = 11000; 11000 × 10% = 1100\.00 → 1100\.00 \(half_up\); max 500\.00 → 500\.00$' "$OUT"
expect_grep "explain: negative base and min" ',\(gross - costs\) × 2 / 4 = \(10000 - 30000\) × 2 / 4 = -10000; -10000 × 10% = -1000\.00 → -1000\.00 \(half_up\); min 0\.00 → 0\.00$' "$OUT"
expect_grep "explain: excess" '"max\(0, 750 - 600\) = 150; 150 × 0\.20 = 30\.00 → 30\.00 \(half_up\)"$' "$OUT"
expect_grep "explain: split share" '^,c2,pool,A,.*; 300\.00 × 3/4 = 225\.00 \(largest remainder\)$' "$OUT"
expect_grep "explain: split share with the whole first" ',1000\.00 × 30% = 300\.00 → 300\.00 \(half_up\); 300\.00 × 1/4 = 75\.00 \(largest remainder\)$' "$OUT"

# ---------------------------------------------------------------------------
# Rounding modes at scale 2: exactly half a fen, just below, just above, the
# same negated, and ties next to an odd (1.015) and an even (1.025) fen.
printf 'id,v\nhalf,1.005\nbelow,1.0049\nabove,1.0051\nnhalf,-1.005\nnbelow,-1.0049\nnabove,-1.0051\nodd,1.015\neven,1.025\n' >round.csv
for m in half_up half_even down up; do schedule_v $m 2; done
run pm-fee --schedule=sched-half_up-2.yaml round.csv
expect_eq "half_up" "1.01 1.00 1.01 -1.01 -1.00 -1.01 1.02 1.03" "$(col 9)"
run pm-fee --schedule=sched-half_even-2.yaml round.csv
expect_eq "half_even" "1.00 1.00 1.01 -1.00 -1.00 -1.01 1.02 1.02" "$(col 9)"
run pm-fee --schedule=sched-down-2.yaml round.csv
expect_eq "down (toward zero)" "1.00 1.00 1.00 -1.00 -1.00 -1.00 1.01 1.02" "$(col 9)"
run pm-fee --schedule=sched-up-2.yaml round.csv
expect_eq "up (away from zero)" "1.01 1.01 1.01 -1.01 -1.01 -1.01 1.02 1.03" "$(col 9)"
run pm-fee --schedule=sched-up-2.yaml --explain round.csv
expect_grep "explain names the mode" ',1 × -1\.0049 = -1\.0049 → -1\.01 \(up\)$' "$OUT"
# Scale 0 (whole yuan): 2.5 and 3.5 are ties.
printf 'id,v\na,2.5\nb,3.5\nc,-2.5\nd,2.49\n' >round0.csv
schedule_v half_up 0; schedule_v half_even 0
run pm-fee --schedule=sched-half_up-0.yaml round0.csv
expect_eq "scale 0 half_up" "3 4 -3 2" "$(col 9)"
run pm-fee --schedule=sched-half_even-0.yaml round0.csv
expect_eq "scale 0 half_even" "2 4 -2 2" "$(col 9)"
# Rounding happens once per line, on the exact product: 0.335 x 3 = 1.005 ->
# 1.01, not round(0.335) x 3 = 1.02.
printf 'currency: CNY\nrules:\n  - {id: once, when: {}, price: "0.335", quantity: n}\n' >once.yaml
printf 'id,n\nx,3\n' >once.csv
run pm-fee --schedule=once.yaml once.csv
expect_eq "rounded once, on the exact amount (default half_up, scale 2)" "1.01" "$(col 9)"

# ---------------------------------------------------------------------------
# Effective dates: in force on the first day of the period.
cat >dates.yaml <<'EOF'
currency: CNY
rules:
  - {id: spring, when: {}, fixed: "1", effective_from: 2024-03-01, effective_to: 2024-06-30}
  - {id: mid-march, when: {}, fixed: "2", effective_from: 2024-03-15}
  - {id: to-march-1, when: {}, fixed: "3", effective_to: 2024-03-01}
  - {id: to-feb-29, when: {}, fixed: "4", effective_to: 2024-02-29}
EOF
printf 'id,period\nfeb,2024-02\nmar,2024-03\napr,2024-04\njun,2024-06\njul,2024-07\n' >dates.csv
run pm-fee --schedule=dates.yaml dates.csv
expect_status "dates: status 0" 0
# feb: 02-01 is before 03-01 (spring, mid-march out); to-march-1 and to-feb-29 in force.
# mar: 03-01 is spring's first day; mid-march not yet; to-march-1 inclusive; to-feb-29 over.
# apr, jun: spring and mid-march.  jul: spring ended 06-30, only mid-march.
expect_eq "dates: rules per period" \
    "feb:to-march-1 feb:to-feb-29 mar:spring mar:to-march-1 apr:spring apr:mid-march jun:spring jun:mid-march jul:mid-march" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $3 }')"
expect_eq "dates: period column from the record" "2024-02 2024-02 2024-03 2024-03 2024-04 2024-04 2024-06 2024-06 2024-07" "$(col 1)"
# --period overrides every record's own period.
run pm-fee --schedule=dates.yaml --period=2024-03 dates.csv
expect_eq "--period wins" "spring to-march-1 spring to-march-1 spring to-march-1 spring to-march-1 spring to-march-1" "$(col 3)"
expect_eq "--period is the period column" "2024-03" "$(col 1 | tr ' ' '\n' | sort -u)"
# ... also for a rule whose `when` looks at the period field
printf 'rules:\n  - id: aug\n    when: {period: "2024-08"}\n    fixed: "1"\n' >when-period.yaml
printf 'id,period\na,2024-07\nb,\n' >when-period.csv
run pm-fee --schedule=when-period.yaml --period=2024-08 when-period.csv
expect_status "--period in when: status 0" 0
expect_eq "--period in when: both records charged" "aug aug" "$(col 3)"
run pm-fee --schedule=when-period.yaml --period=2024-09 when-period.csv
expect_grep "--period in when: the notice names --period's month" 'when-period\.csv:2: no rule matches \(period=2024-09\)' "$ERR"
# A record without a period cannot be charged by a dated rule: an error.
printf 'id,period\nnone,\nok,2024-04\n' >noperiod.csv
run pm-fee --schedule=dates.yaml noperiod.csv
expect_status "no period for a dated rule: status 2" 2
expect_grep "no period: message" "^pm-fee: noperiod\.csv:2: rule 'spring': no period to tell whether the rule is in force" "$ERR"
expect_eq "no period: other records still charged" "ok ok" "$(col 2)"
# ... but an undated rule charges it, with an empty period.
run pm-fee --schedule="$F/kinds.yaml" noid.csv
expect_eq "undated rules need no period" "" "$(col 1 | tr -d ' ')"
printf 'id,period\nbad,2024-7\nbad2,2024-13\n' >badperiod.csv
run pm-fee --schedule=dates.yaml badperiod.csv
expect_status "bad period: status 2" 2
expect_grep "bad period: message" "^pm-fee: badperiod\.csv:2: period '2024-7' is not a month \(YYYY-MM\)$" "$ERR"
expect_grep "bad month: message" "^pm-fee: badperiod\.csv:3: period '2024-13'" "$ERR"
# A record whose rules exist but none is in force is reported, not charged.
printf 'id,period\nold,2023-01\n' >old.csv
printf 'currency: CNY\nrules:\n  - {id: new, when: {type: unit}, fixed: "1", effective_from: 2024-01-01}\n' >new.yaml
printf 'id,type,period\nold,unit,2023-12\n' >old.csv
run pm-fee --schedule=new.yaml old.csv
expect_status "no rule in force: status 0" 0
expect_grep "no rule in force: message" "^pm-fee: old\.csv:2: no rule in force in 2023-12 matches \(type=unit\)$" "$ERR"

# ---------------------------------------------------------------------------
# `when`: equality, list, PCRE2 pattern, all must hold.
cat >when.yaml <<'EOF'
currency: CNY
rules:
  - id: eq
    when: {type: unit}
    fixed: "1"
  - id: list
    when: {type: [parking, storage]}
    fixed: "2"
  - id: rx
    when: {rule: '/^(purchase|accounts)$/'}
    fixed: "3"
  - id: all
    when: {type: unit, size: large, floor: '/^[0-9]{2,}$/'}
    fixed: "4"
  - id: caseless
    when: {tag: '/^vip$/i'}
    fixed: "5"
  - id: empty
    when: {type: gift, note: ""}
    fixed: "6"
EOF
cat >when.csv <<'EOF'
id,type,size,floor,rule,tag,note
r1,unit,large,12,,,
r2,unit,large,3,,,
r3,unit,small,12,,,
r4,parking,,,,,
r5,storage,,,,,
r6,storages,,,,,
r7,violation,,,purchase,,
r8,violation,,,purchases,,
r9,x,,,,VIP,
r10,Unit,,,,,
r11,gift,,,,,
r12,gift,,,,,x
EOF
run pm-fee --schedule=when.yaml when.csv
expect_status "when: unmatched records do not change the status" 0
expect_eq "when: rules that hold" "r1:eq r1:all r2:eq r3:eq r4:list r5:list r7:rx r9:caseless r11:empty" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $3 }')"
expect_grep "unmatched: reported with FILE:LINE and the values looked at" "^pm-fee: when\.csv:7: no rule matches \(type=storages\)$" "$ERR"
expect_grep "unmatched: anchored pattern" "^pm-fee: when\.csv:9: no rule matches \(type=violation, rule=purchases\)$" "$ERR"
expect_grep "unmatched: equality is case-sensitive" "^pm-fee: when\.csv:11: no rule matches \(type=Unit\)$" "$ERR"
expect_grep "unmatched: empty is a value to match" "^pm-fee: when\.csv:13: no rule matches \(type=gift, note=x\)$" "$ERR"
expect_eq "unmatched: four reported" 4 "$(grep -c 'no rule matches' "$ERR")"

# ---------------------------------------------------------------------------
# Expressions: precedence, associativity, parentheses, unary minus, literals,
# division to 18 places.  a=2 b=3 c=4; each base x 100% is the amount.
cat >expr.yaml <<'EOF'
currency: CNY
rules:
  - {id: e1, when: {}, percent: "100", base: a + b * c}
  - {id: e2, when: {}, percent: "100", base: (a + b) * c}
  - {id: e3, when: {}, percent: "100", base: a - b - c}
  - {id: e4, when: {}, percent: "100", base: a - (b - c)}
  - {id: e5, when: {}, percent: "100", base: a / b * c}
  - {id: e6, when: {}, percent: "100", base: -a + b}
  - {id: e7, when: {}, percent: "100", base: -(a - b) * c}
  - {id: e8, when: {}, percent: "100", base: 1 / 3}
  - {id: e9, when: {}, percent: "100", base: c / a / 2}
  - {id: e10, when: {}, percent: "100", base: 1.5 * a + 0.25}
  - {id: e11, when: {}, percent: "100", base: a * -b}
  - {id: e12, when: {}, percent: "100", base: "--a"}
  - {id: e13, when: {}, percent: "100", base: "  a*b-c/a  "}
EOF
printf 'id,a,b,c\nx,2,3,4\n' >expr.csv
run pm-fee --schedule=expr.yaml --explain expr.csv
expect_status "expr: status 0" 0
# e1 2+12=14; e2 5x4=20; e3 (2-3)-4=-5; e4 2-(-1)=3;
# e5 2/3 = 0.666666666666666667 (18 places, half_up) x 4 = 2.666666666666666668 -> 2.67;
# e6 -2+3=1; e7 -(-1)x4=4; e8 0.333333333333333333 -> 0.33; e9 (4/2)/2=1;
# e10 3.0+0.25=3.25; e11 -6; e12 2; e13 6-2=4
expect_eq "expr: bases" "14 20 -5 3 2.666666666666666668 1 4 0.333333333333333333 1 3.25 -6 2 4" "$(col 7)"
expect_eq "expr: amounts" "14.00 20.00 -5.00 3.00 2.67 1.00 4.00 0.33 1.00 3.25 -6.00 2.00 4.00" "$(col 9)"
expect_grep "expr: explained with values" ',a - \(b - c\) = 2 - \(3 - 4\) = 3; 3 × 100% = 3\.00 → 3\.00 \(half_up\)$' "$OUT"
expect_grep "expr: explained division" ',a / b × c = 2 / 3 × 4 = 2\.666666666666666668; ' "$OUT"
# A field whose name is no NAME is written in backquotes.
printf 'currency: CNY\nrules:\n  - {id: q, when: {}, percent: "10", base: "`gross profit` - `costs (yuan)`"}\n' >bq.yaml
printf 'id,gross profit,costs (yuan)\nx,100.50,0.45\n' >bq.csv
run pm-fee --schedule=bq.yaml --explain bq.csv
expect_grep "backquoted names" ',100\.05,10,10\.01,[0-9a-f]{64},`gross profit` - `costs \(yuan\)` = 100\.50 - 0\.45 = 100\.05; 100\.05 × 10% = 10\.005 → 10\.01 \(half_up\)$' "$OUT"
# A field that is not a number, or has no value, is an error at FILE:LINE.
printf 'id,a,b,c\ny,2,x3,4\nz,2,,4\nw,1,1,1\n' >exprbad.csv
run pm-fee --schedule=expr.yaml exprbad.csv
expect_status "not a number: status 2" 2
expect_grep "not a number: message" "^pm-fee: exprbad\.csv:2: rule 'e1': field 'b' is not a decimal number: 'x3'$" "$ERR"
expect_grep "no value: message" "^pm-fee: exprbad\.csv:3: rule 'e1': field 'b' has no value" "$ERR"
expect_eq "bad records are not charged, good ones are" "w" "$(col 2 | tr ' ' '\n' | sort -u)"
# Division by zero: reported with the record's line and the rule, not charged.
printf 'currency: CNY\nrules:\n  - {id: ratio, when: {}, percent: "10", base: a / (b - 3)}\n' >div.yaml
printf 'id,a,b\nok,10,5\nzero,10,3\nok2,9,6\n' >div.csv
run pm-fee --schedule=div.yaml div.csv
expect_status "division by zero: status 2" 2
expect_grep "division by zero: message" "^pm-fee: div\.csv:3: rule 'ratio': division by zero" "$ERR"
expect_eq "division by zero: others charged" "ok ok2" "$(col 2)"
expect_eq "division by zero: amounts (10/2 x 10%, 9/3 x 10%)" "0.50 0.30" "$(col 9)"

# A record is charged whole or not at all: an error in its second rule drops
# the line of its first.
printf 'currency: CNY\nrules:\n  - {id: one, when: {}, fixed: "1"}\n  - {id: two, when: {}, price: "2", quantity: q}\n' >whole.yaml
printf 'id,q\nbad,x\ngood,3\n' >whole.csv
run pm-fee --schedule=whole.yaml whole.csv
expect_status "whole or nothing: status 2" 2
expect_eq "whole or nothing: only the good record's lines" "good:one:1.00 good:two:6.00" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s:%s", (NR > 1 ? " " : ""), $2, $3, $9 }')"
run pm-fee --schedule=whole.yaml --stats whole.csv
expect_grep "--stats counts" "^pm-fee: 2 records, 2 charges, 0 unmatched, 1 with errors$" "$ERR"

# ---------------------------------------------------------------------------
# Overflow is reported, never wrapped.
printf 'currency: CNY\nrules:\n  - {id: big, when: {}, price: "10.00", quantity: q}\n  - {id: pct, when: {type: p}, percent: "10", base: q}\n' >big.yaml
printf 'id,type,q\nhuge,,99999999999999999999999999999999999999\nfine,,5\nhuge2,p,9999999999999999999999999999999999999\ntoolong,,123456789012345678901234567890123456789012\n' >big.csv
run pm-fee --schedule=big.yaml big.csv
expect_status "overflow: status 2" 2
expect_grep "overflow: product" "^pm-fee: big\.csv:2: rule 'big': overflow" "$ERR"
expect_grep "overflow: input number too long" "^pm-fee: big\.csv:5: rule 'big': overflow" "$ERR"
expect_eq "overflow: the record's charges are not written" "fine" "$(col 2 | tr ' ' '\n' | sort -u | tr '\n' ' ' | sed 's/ $//')"
expect_no_grep "overflow: no wrapped amount" '^,huge' "$OUT"
# 10^37 - 1 x 10 x 0.01 fits; x 10.00 as price does not.
printf 'id,type,q\nedge,p,9999999999999999999999999999999999999\n' >edge.csv
printf 'currency: CNY\nrules:\n  - {id: pct, when: {type: p}, percent: "10", base: q}\n' >edge.yaml
run pm-fee --schedule=edge.yaml edge.csv
expect_eq "37 digits x 10% still exact" "999999999999999999999999999999999999.90" "$(col 9)"

# ---------------------------------------------------------------------------
# Splits: fixed cases.
cat >split.yaml <<'EOF'
currency: CNY
rules:
  - id: s
    when: {}
    percent: "100"
    base: total
    split: {parties: p, shares: w}
EOF
cat >split.csv <<'EOF'
id,total,p,w
thirds,100.00,A;B;C,
negthirds,-100.00,A;B;C,
ties,0.05,A;B;C;D,1;1;1;1
rem,0.10,A;B;C,1;1;5
zero,10.00,A;B,0;1
dec,10.00,A;B,0.5;1.5
one,7.77,Solo,
big,1000000.01,A;B;C,1;2;3
EOF
run pm-fee --schedule=split.yaml split.csv
expect_status "split: status 0" 0
# thirds: 10000 fen / 3 = 3333 r 1 each; the unit left goes to the first: 33.34 33.33 33.33
# negthirds: the same magnitudes, negated: -33.34 -33.33 -33.33
# ties: 5 fen / 4 = 1 r 1 each; 1 left to A: 0.02 0.01 0.01 0.01
# rem: 10 fen x 1/7 = 1 r 3, x 1/7 = 1 r 3, x 5/7 = 7 r 1; 1 left to A: 0.02 0.01 0.07
# zero: 0;1 -> 0.00 10.00; dec: 0.5;1.5 = 5/20, 15/20 -> 2.50 7.50; one: 7.77
# big: 100000001 fen x 1/6 = 16666666 r 5, x 2/6 = 33333333 r 4, x 3/6 = 50000000 r 3;
#      99999999 given, 2 left: to A (r 5) and B (r 4): 166666.67 333333.34 500000.00
expect_eq "split: parts" \
    "33.34 33.33 33.33 -33.34 -33.33 -33.33 0.02 0.01 0.01 0.01 0.02 0.01 0.07 0.00 10.00 2.50 7.50 7.77 166666.67 333333.34 500000.00" \
    "$(col 9)"
expect_eq "split: parties in list order" "A B C A B C A B C D A B C A B A B Solo A B C" "$(col 4)"
run pm-fee --schedule=split.yaml --explain split.csv
expect_grep "split explain: cut and topped up" '^,thirds,s,A,.*; 100\.00 × 1/3 = 33\.33… → 33\.34 \(largest remainder\)$' "$OUT"
expect_grep "split explain: cut, not topped up" '^,thirds,s,C,.*; 100\.00 × 1/3 = 33\.33… → 33\.33 \(largest remainder\)$' "$OUT"
expect_grep "split explain: negative" '^,negthirds,s,A,.*; -100\.00 × 1/3 = -33\.33… → -33\.34 \(largest remainder\)$' "$OUT"
expect_grep "split explain: decimal shares" '^,dec,s,B,.*; 10\.00 × 15/20 = 7\.50 \(largest remainder\)$' "$OUT"
# Bad splits are errors of that record.
cat >splitbad.csv <<'EOF'
id,total,p,w
count,1.00,A;B,1;2;3
neg,1.00,A;B,1;-1
sum0,1.00,A;B,0;0
empty,1.00,A;;B,
none,1.00,,
word,1.00,A;B,1;x
huge,1.00,A;B,99999999999999999999;1
good,1.00,A;B,
EOF
run pm-fee --schedule=split.yaml splitbad.csv
expect_status "bad split: status 2" 2
expect_grep "bad split: count" "^pm-fee: splitbad\.csv:2: rule 's': 2 parties but 3 shares in field 'w'$" "$ERR"
expect_grep "bad split: negative share" "^pm-fee: splitbad\.csv:3: rule 's': share '-1' in field 'w' is not a number >= 0$" "$ERR"
expect_grep "bad split: shares add to 0" "^pm-fee: splitbad\.csv:4: rule 's': the shares in field 'w' add up to 0$" "$ERR"
expect_grep "bad split: empty party" "^pm-fee: splitbad\.csv:5: rule 's': empty party name in 'A;;B'" "$ERR"
expect_grep "bad split: no parties" "^pm-fee: splitbad\.csv:6: rule 's': field 'p' has no value" "$ERR"
expect_grep "bad split: not a number" "^pm-fee: splitbad\.csv:7: rule 's': share 'x'" "$ERR"
expect_grep "bad split: shares too large" "^pm-fee: splitbad\.csv:8: rule 's': the shares in field 'w' are too large" "$ERR"
expect_eq "bad split: the good record still charged" "good good" "$(col 2)"

# Splits over thousands of random totals and share lists: the parts add back
# to the whole exactly, every party gets a line, and no part is a unit or
# more away from its exact share.  Integer fen arithmetic in awk.
awk 'BEGIN {
    srand(20240701)
    print "id,total,p,w"
    for (i = 1; i <= 3000; i++) {
        fen = int(rand() * 20000001) - 10000000          # -100000.00 .. 100000.00
        if (i % 50 == 0) fen = int(rand() * 7) - 3        # a few fen only
        n = 1 + int(rand() * 7)
        p = ""; w = ""; sum = 0
        for (k = 1; k <= n; k++) {
            s = int(rand() * 10); sum += s
            p = p (k > 1 ? ";" : "") "P" k
            w = w (k > 1 ? ";" : "") s
        }
        if (sum == 0) w = ""                               # equal shares
        if (i % 7 == 0) w = ""
        a = fen < 0 ? -fen : fen
        printf "r%d,%s%d.%02d,%s,%s\n", i, (fen < 0 ? "-" : ""), int(a / 100), a % 100, p, w
    }
}' >random.csv
run pm-fee --schedule=split.yaml random.csv
expect_status "random splits: status 0" 0
awk -F, '
    function fen(s,   neg, a) { neg = s ~ /^-/; sub(/^-/, "", s); split(s, a, "."); return (neg ? -1 : 1) * (a[1] * 100 + a[2]) }
    FNR == 1 { next }
    NR == FNR {
        total[$1] = fen($2); np[$1] = split($3, pp, ";")
        if ($4 == "") { for (k = 1; k <= np[$1]; k++) sh[$1, k] = 1; ss[$1] = np[$1] }
        else { split($4, ww, ";"); ss[$1] = 0; for (k = 1; k <= np[$1]; k++) { sh[$1, k] = ww[k]; ss[$1] += ww[k] } }
        next
    }
    {
        src = $2; got[src] += fen($9); cnt[src]++
        k = substr($4, 2) + 0
        d = fen($9) * ss[src] - total[src] * sh[src, k]     # (part - exact share) x sum
        if (d < 0) d = -d
        if (d >= ss[src]) { far++; if (far < 4) print "far: " $0 > "/dev/stderr" }
    }
    END {
        for (s in total) {
            if (got[s] != total[s]) { bad++; if (bad < 4) print "sum: " s " " got[s] " != " total[s] > "/dev/stderr" }
            if (cnt[s] != np[s]) { badn++ }
            checked++
        }
        print checked + 0, bad + 0, badn + 0, far + 0
    }' random.csv "$OUT" >random.result 2>random.err
expect_eq "random splits: 3000 checked, 0 bad sums, 0 missing parties, 0 parts off by a unit" \
    "3000 0 0 0" "$(cat random.result)"

# ---------------------------------------------------------------------------
# --verify
pm-fee --schedule="$F/kinds.yaml" "$F/kinds.csv" >charges.csv 2>/dev/null
run pm-fee --schedule="$F/kinds.yaml" --verify=charges.csv "$F/kinds.csv"
expect_status "verify identical: status 0" 0
expect_eq "verify identical: no difference records" "" "$(cat "$OUT")"
# A charges file written as YAML verifies the same (its format is detected,
# whatever -f says of the inputs).
pm-fee --schedule="$F/kinds.yaml" -t yaml "$F/kinds.csv" >charges.yaml 2>/dev/null
run pm-fee --schedule="$F/kinds.yaml" -f csv --verify=charges.yaml "$F/kinds.csv"
expect_status "verify yaml charges: status 0" 0
# One fen changed, one line missing, one extra line.
sed -e 's/,134\.06,/,134.07,/' -e '/,e1,excess,/d' charges.csv >tampered.csv
sed -n 2p charges.csv | sed 's/,u1,per-m2,/,u9,per-m2,/' >>tampered.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=tampered.csv "$F/kinds.csv"
expect_status "verify differences: status 1" 1
expect_out_text "verify differences: records" "difference,period,source,rule,party,expected_amount,actual_amount
changed,,u1,per-m2,,134.06,134.07
missing,,e1,excess,,30.00,
extra,,u9,per-m2,,,134.06"
# Amounts compare as numbers: 10.0 is 10.00.
sed 's/,10\.00,/,10.0,/' charges.csv >scaled.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=scaled.csv "$F/kinds.csv"
expect_status "verify: 10.0 equals 10.00" 0
# A key that occurs twice must occur twice.
head -n 2 charges.csv | tail -n 1 >>scaled.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=scaled.csv "$F/kinds.csv"
expect_status "verify: a duplicated line is extra" 1
expect_eq "verify: the duplicate" "extra,,u1,per-m2,,,134.06" "$(tail -n 1 "$OUT")"
# Split parties are part of the key.
sed 's/,c2,pool,B,\(.*\),75\.00,/,c2,pool,B,\1,75.01,/' charges.csv >party.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=party.csv -t yaml "$F/kinds.csv"
expect_status "verify: split part changed" 1
expect_out_text "verify: yaml difference record" '--- {difference: changed, period: "", source: c2, rule: pool, party: B, expected_amount: "75.00", actual_amount: "75.01"}'
# Verifying against charges made with another schedule says so.
sed 's/,[0-9a-f]\{64\}$/,0000000000000000000000000000000000000000000000000000000000000000/' charges.csv >othersched.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=othersched.csv "$F/kinds.csv"
expect_grep "verify: other schedule noted" "^pm-fee: othersched\.csv:2: made with another schedule" "$ERR"
# --explain adds the working of each difference.
run pm-fee --schedule="$F/kinds.yaml" --verify=tampered.csv --explain "$F/kinds.csv"
expect_grep "verify --explain" '^changed,,u1,per-m2,,134\.06,134\.07,89\.37 × 1\.50 = 134\.055 → 134\.06 \(half_up\)$' "$OUT"
printf 'period,source,rule\n2024-07,u1,per-m2\n' >nocols.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=nocols.csv "$F/kinds.csv"
expect_status "verify: charges file without party/amount: status 2" 2
run pm-fee --schedule="$F/kinds.yaml" --verify=does-not-exist.csv "$F/kinds.csv"
expect_status "verify: unreadable charges file: status 2" 2

# ---------------------------------------------------------------------------
# Malformed schedules: SCHEDULE:LINE, status 2, no output at all.
bad_schedule() { # NAME LINE REGEX, schedule on stdin
    cat >bad.yaml
    run pm-fee --schedule=bad.yaml "$F/kinds.csv"
    expect_status "bad schedule ($1): status 2" 2
    expect_eq "bad schedule ($1): no output" "" "$(cat "$OUT")"
    expect_grep "bad schedule ($1): message" "^pm-fee: bad\.yaml:$2: $3" "$ERR"
}
printf 'currency: CNY\nrules:\n  - id: a\n    when: {type: unit}\n    fixed: "1"\n    efective_from: 2024-01-01\n' |
    bad_schedule "unknown key" 6 "rule 'a': unknown key 'efective_from'"
printf 'currency: CNY\nrules:\n  - id: a\n    when: {type: unit}\n    fixed: "1"\n    price: "2"\n' |
    bad_schedule "two kinds" 3 "rule 'a': needs exactly one of price, fixed, percent, excess"
printf 'currency: CNY\nrules:\n  - id: a\n    when: {type: unit}\n' |
    bad_schedule "no kind" 3 "rule 'a': needs exactly one of"
printf 'currency: CNY\nrounding: bankers\nrules:\n  - {id: a, when: {}, fixed: "1"}\n' |
    bad_schedule "rounding" 2 "rounding must be half_up, half_even, down or up, not 'bankers'"
printf 'currency: CNY\nscale: 2.5\nrules:\n  - {id: a, when: {}, fixed: "1"}\n' |
    bad_schedule "scale" 2 "scale must be a whole number"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1"}\n  - {id: b, when: {}, fixed: "1.x"}\n' |
    bad_schedule "fixed not a number" 4 "rule 'b': fixed: '1\.x' is not a decimal number"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1", effective_from: 2024-02-30}\n' |
    bad_schedule "bad date" 3 "rule 'a': effective_from: '2024-02-30' is not a date"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1", effective_from: 2024-03-01, effective_to: 2024-02-01}\n' |
    bad_schedule "dates reversed" 3 "rule 'a': effective_to is before effective_from"
printf 'currency: CNY\nrules:\n  - id: a\n    when: {rule: "/(purchase/"}\n    fixed: "1"\n' |
    bad_schedule "bad pattern" 4 "rule 'a': when: rule: .*missing closing parenthesis"
printf 'currency: CNY\nrules:\n  - {when: {}, fixed: "1"}\n' |
    bad_schedule "no id" 3 "rule without an id"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1"}\n  - {id: a, when: {}, fixed: "2"}\n' |
    bad_schedule "duplicate id" 4 "rule 'a' defined twice \(first on line 3\)"
printf 'currency: CNY\nrules:\n  - id: a\n    when: {}\n    percent: "10"\n    base: (a + b\n' |
    bad_schedule "bad expression" 6 "rule 'a': base: missing '\)' at the end"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, percent: "10", base: a b}\n' |
    bad_schedule "two operands" 3 "rule 'a': base: operator expected at offset 2"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, percent: "10"}\n' |
    bad_schedule "percent without base" 3 "rule 'a': percent needs a base"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1", min: "5", max: "1"}\n' |
    bad_schedule "min above max" 3 "rule 'a': min is larger than max"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, excess: {over: 600, price: "0.2"}}\n' |
    bad_schedule "excess incomplete" 3 "rule 'a': excess needs over, price and quantity"
printf 'currency: CNY\nrules:\n  - {id: a, when: type, fixed: "1"}\n' |
    bad_schedule "when not a mapping" 3 "rule 'a': when must be a mapping"
printf 'currency: CNY\nrules: []\n' |
    bad_schedule "no rules" 2 "rules must be a non-empty list"
printf 'currency: CNY\nrules:\n  - {id: a, when: {}, fixed: "1"\n' |
    bad_schedule "not YAML" '[0-9]+' ""

# A bad schedule with -o leaves no file behind.
printf 'currency: CNY\nrules: []\n' >bad.yaml
run pm-fee --schedule=bad.yaml -o never.csv "$F/kinds.csv"
expect_status "bad schedule with -o: status 2" 2
if [ -e never.csv ]; then fail "bad schedule with -o: no file"; else pass; fi

# ---------------------------------------------------------------------------
# Usage.
run pm-fee "$F/kinds.csv"
expect_status "no --schedule: status 2" 2
expect_grep "no --schedule: message" "^pm-fee: --schedule=FILE is required" "$ERR"
run pm-fee --schedule="$F/kinds.yaml" --period=2024-7 "$F/kinds.csv"
expect_status "bad --period: status 2" 2
run pm-fee --schedule=missing.yaml "$F/kinds.csv"
expect_status "unreadable schedule: status 2" 2
run pm-fee --schedule="$F/kinds.yaml" "$F/kinds.csv" missing.csv
expect_status "unreadable input: status 2" 2
expect_eq "unreadable input: the readable one is still charged" 15 "$(wc -l <"$OUT")"

finish
