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
expect_eq "header in contract order, then rule_version and inputs_sha256" \
    "period,source,rule,party,quantity,price,base,percent,amount,schedule_sha256,rule_version,inputs_sha256" "$(head -n 1 "$OUT")"
expect_eq "inputs_sha256 is sha256sum of the input" \
    "$(sha256sum "$F/kinds.csv" | cut -d' ' -f1)" "$(tail -n +2 "$OUT" | cut -d, -f12 | sort -u)"
expect_eq "schedule_sha256 is sha256sum of the schedule" \
    "$(sha256sum "$F/kinds.yaml" | cut -d' ' -f1)" "$(sed -n 2p "$OUT" | cut -d, -f10)"
expect_eq "same sha256 on every line" 1 "$(tail -n +2 "$OUT" | cut -d, -f10 | sort -u | wc -l)"
expect_eq "nothing on stderr" "" "$(cat "$ERR")"

# The same from standard input, as YAML in and out.
run pm-fee --schedule="$F/kinds.yaml" -t yaml <"$F/kinds.csv"
expect_status "stdin: status 0" 0
expect_grep "yaml output" '^--- \{period: "", source: u1, rule: per-m2, party: "", quantity: "89.37", price: "1.50", base: "", percent: "", amount: "134.06", schedule_sha256: [0-9a-f]{64}, rule_version: "", inputs_sha256: "?[0-9a-f]{64}"?\}$' "$OUT"
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
expect_eq "explain: formula is the last column" "formula" "$(head -n 1 "$OUT" | awk -F, '{ print $NF }')"
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
expect_grep "--period in when: the notice names --period's month" 'when-period\.csv:2: a: no rule matches \(period=2024-09\)' "$ERR"
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
expect_status "no rule in force: flagged, status 1" 1
expect_grep "no rule in force: message" "^pm-fee: old\.csv:2: old: no rule in force in 2023-12 matches \(type=unit\)$" "$ERR"

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
expect_status "when: unmatched records are flagged: status 1" 1
expect_eq "when: rules that hold" "r1:eq r1:all r2:eq r3:eq r4:list r5:list r7:rx r9:caseless r11:empty" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $3 }')"
expect_grep "unmatched: reported with FILE:LINE and the values looked at" "^pm-fee: when\.csv:7: r6: no rule matches \(type=storages\)$" "$ERR"
expect_grep "unmatched: anchored pattern" "^pm-fee: when\.csv:9: r8: no rule matches \(type=violation, rule=purchases\)$" "$ERR"
expect_grep "unmatched: equality is case-sensitive" "^pm-fee: when\.csv:11: r10: no rule matches \(type=Unit\)$" "$ERR"
expect_grep "unmatched: empty is a value to match" "^pm-fee: when\.csv:13: r12: no rule matches \(type=gift, note=x\)$" "$ERR"
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
expect_grep "backquoted names" ',100\.05,10,10\.01,[0-9a-f]{64},,[0-9a-f]{64},`gross profit` - `costs \(yuan\)` = 100\.50 - 0\.45 = 100\.05; 100\.05 × 10% = 10\.005 → 10\.01 \(half_up\)$' "$OUT"
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
expect_grep "--stats counts" "^pm-fee: read 2, passed 1, rejected 1, skipped 0, flagged 0, wrote 2; charges 2, unmatched 0, with errors 1$" "$ERR"

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
expect_out_text "verify differences: records" "difference,period,source,rule,party,expected_amount,actual_amount,field,expected,actual
changed,,u1,per-m2,,134.06,134.07,amount,134.06,134.07
missing,,e1,excess,,30.00,,,,
extra,,u9,per-m2,,,134.06,,,"
# Amounts compare as numbers: 10.0 is 10.00.
sed 's/,10\.00,/,10.0,/' charges.csv >scaled.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=scaled.csv "$F/kinds.csv"
expect_status "verify: 10.0 equals 10.00" 0
# A key that occurs twice must occur twice.
head -n 2 charges.csv | tail -n 1 >>scaled.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=scaled.csv "$F/kinds.csv"
expect_status "verify: a duplicated line is extra" 1
expect_eq "verify: the duplicate" "extra,,u1,per-m2,,,134.06,,," "$(tail -n 1 "$OUT")"
# Split parties are part of the key.
sed 's/,c2,pool,B,\(.*\),75\.00,/,c2,pool,B,\1,75.01,/' charges.csv >party.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=party.csv -t yaml "$F/kinds.csv"
expect_status "verify: split part changed" 1
expect_out_text "verify: yaml difference record" '--- {difference: changed, period: "", source: c2, rule: pool, party: B, expected_amount: "75.00", actual_amount: "75.01", field: amount, expected: "75.00", actual: "75.01"}'
# Verifying against charges made with another schedule says so.
sed 's/,[0-9a-f]\{64\},,/,0000000000000000000000000000000000000000000000000000000000000000,,/' charges.csv >othersched.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=othersched.csv "$F/kinds.csv"
expect_grep "verify: other schedule noted" "^pm-fee: othersched\.csv:2: made with another schedule" "$ERR"
# --explain adds the working of each difference.
run pm-fee --schedule="$F/kinds.yaml" --verify=tampered.csv --explain "$F/kinds.csv"
expect_grep "verify --explain" '^changed,,u1,per-m2,,134\.06,134\.07,amount,134\.06,134\.07,89\.37 × 1\.50 = 134\.055 → 134\.06 \(half_up\)$' "$OUT"
printf 'period,source,rule\n2024-07,u1,per-m2\n' >nocols.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=nocols.csv "$F/kinds.csv"
expect_status "verify: charges file without party/amount: status 2" 2
run pm-fee --schedule="$F/kinds.yaml" --verify=does-not-exist.csv "$F/kinds.csv"
expect_status "verify: unreadable charges file: status 2" 2
# a block (--byte-range) cannot be verified: it read its byte range of the
# charges file too, and reported charges of the whole file as differences
cp "$F/kinds.csv" kinds-copy.csv
run pm-fee --schedule="$F/kinds.yaml" --verify=charges.csv --byte-range=0-$(wc -c <kinds-copy.csv) kinds-copy.csv
expect_status "verify with --byte-range: status 2" 2
expect_grep "verify with --byte-range: why" "^pm-fee: --verify compares the charges of the whole input" "$ERR"
expect_eq "verify with --byte-range: no output" "" "$(cat "$OUT")"

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
    bad_schedule "unknown key" 6 "unknown key 'efective_from' in rule 'a' \\(known: id, when, effective_from, .*\\); did you mean 'effective_from'\\?$"
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
    bad_schedule "one id twice, undated: overlapping versions" 4 "rule 'a': the versions on lines 3 and 4 overlap"
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
# Versions of one rule (issue 16): a rate change is a second version of the
# same id; the versions may not overlap nor leave a gap.
cat >rate.yaml <<'EOF'
currency: CNY
rules:
  - id: property-fee
    when: {type: unit}
    price: "2.20"
    quantity: area_m2
    effective_from: 2024-01-01
    effective_to: 2024-06-30
  - id: property-fee
    when: {type: unit}
    price: "2.35"
    quantity: area_m2
    effective_from: 2024-07-01
EOF
printf 'id,type,period,area_m2\nh1,unit,2024-06,100\nh1,unit,2024-07,100\nh2,unit,2023-12,50\n' >rate.csv
run pm-fee --schedule=rate.yaml rate.csv
# 100 x 2.20 = 220.00 in June, 100 x 2.35 = 235.00 in July, once each; 2023-12: no version in force
expect_status "versions: the record before any version is flagged: status 1" 1
expect_eq "versions: one rule id, one charge per period" "2024-06:property-fee:220.00 2024-07:property-fee:235.00" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s:%s", (NR > 1 ? " " : ""), $1, $3, $9 }')"
expect_eq "versions: rule_version is the version's effective_from" "2024-01-01 2024-07-01" "$(col 11)"
expect_grep "versions: before the first version" "^pm-fee: rate\.csv:4: h2: no rule in force in 2023-12 matches" "$ERR"
# Forgetting effective_to on the old version used to bill both rates.
sed '/effective_to: 2024-06-30/d' rate.yaml >overlap.yaml
run pm-fee --schedule=overlap.yaml rate.csv
expect_status "versions overlap: status 2" 2
expect_grep "versions overlap: names both lines" "^pm-fee: overlap\.yaml:8: rule 'property-fee': the versions on lines 3 and 8 overlap" "$ERR"
expect_eq "versions overlap: nothing charged" "" "$(cat "$OUT")"
sed 's/effective_to: 2024-06-30/effective_to: 2024-06-29/' rate.yaml >gap.yaml
run pm-fee --schedule=gap.yaml rate.csv
expect_status "versions gap: status 2" 2
expect_grep "versions gap: names both lines" "^pm-fee: gap\.yaml:9: rule 'property-fee': gap between the versions on lines 3 and 9 \(one ends 2024-06-29, the next starts 2024-07-01\)" "$ERR"
# Versions need not be next to each other in the file, nor in date order.
cat >rate2.yaml <<'EOF'
currency: CNY
rules:
  - {id: p, when: {}, fixed: "2", effective_from: 2024-07-01}
  - {id: other, when: {}, fixed: "9"}
  - {id: p, when: {}, fixed: "1", effective_to: 2024-06-30}
EOF
run pm-fee --schedule=rate2.yaml rate.csv
expect_eq "versions in any order" "other:9.00 p:1.00 p:2.00 other:9.00 other:9.00 p:1.00" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $3, $9 }')"
expect_eq "versions: no effective_from, empty rule_version" "2024-07-01,2.00 ,9.00" \
    "$(tail -n +2 "$OUT" | sed -n '3,4p' | awk -F, '{ printf "%s%s,%s", (NR > 1 ? " " : ""), $11, $9 }')"

# Two different rules that both apply: an error of the record when they are
# declared exclusive or share a group.
cat >excl.yaml <<'EOF'
currency: CNY
exclusive: [fee-old, fee-new]
rules:
  - {id: fee-old, when: {type: unit}, fixed: "220"}
  - {id: fee-new, when: {type: unit}, fixed: "235"}
  - {id: park-a, when: {type: parking}, fixed: "100", group: parking}
  - {id: park-b, when: {type: parking, pass: monthly}, fixed: "90", group: parking}
  - {id: extra, when: {type: unit}, fixed: "1"}
EOF
printf 'id,type,pass\nh1,unit,\nc1,parking,temporary\nc2,parking,monthly\n' >excl.csv
run pm-fee --schedule=excl.yaml excl.csv
expect_status "exclusive: status 2" 2
expect_grep "exclusive: the record's error names both rules" "^pm-fee: excl\.csv:2: rule 'fee-new': rules 'fee-old' \(line 4\) and 'fee-new' \(line 5\) are exclusive but both apply$" "$ERR"
expect_grep "group: the record's error names the group" "^pm-fee: excl\.csv:4: rule 'park-b': rules 'park-a' \(line 6\) and 'park-b' \(line 7\) of group 'parking' both apply" "$ERR"
expect_eq "exclusive: only the record without a conflict is charged" "c1:park-a" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $3 }')"
printf 'currency: CNY\nexclusive: [a, zz]\nrules:\n  - {id: a, when: {}, fixed: "1"}\n' |
    bad_schedule "exclusive names no rule" 2 "exclusive: no rule 'zz'"

# An expression nested 10,000 deep is refused with a message, not a crash.
awk 'BEGIN { s = ""; for (i = 0; i < 10000; i++) s = s "("; s = s "a"; for (i = 0; i < 10000; i++) s = s ")";
             printf "currency: CNY\nrules:\n  - id: deep\n    when: {}\n    percent: \"1\"\n    base: \"%s\"\n", s }' >deep.yaml
run pm-fee --schedule=deep.yaml "$F/kinds.csv"
expect_status "10000-deep expression: status 2" 2
expect_grep "10000-deep expression: message" "^pm-fee: deep\.yaml:6: rule 'deep': base: expression nested too deeply \(more than 256 levels\)" "$ERR"
awk 'BEGIN { s = "a"; for (i = 0; i < 10000; i++) s = s " + a";
             printf "currency: CNY\nrules:\n  - {id: long, when: {}, percent: \"1\", base: \"%s\"}\n", s }' >long.yaml
run pm-fee --schedule=long.yaml "$F/kinds.csv"
expect_status "10000-term expression: status 2" 2
expect_grep "10000-term expression: message" "rule 'long': base: expression too long" "$ERR"

# ---------------------------------------------------------------------------
# Keys: --key names the record; inserting a row shifts no key.
printf '房号,type,area_m2\n1-1-101,unit,90\n1-1-102,unit,80\n' >zh.csv
printf '房号,type,area_m2\n1-1-100,unit,70\n1-1-101,unit,90\n1-1-102,unit,80\n' >zh2.csv
printf 'currency: CNY\nrules:\n  - {id: pf, when: {type: unit}, price: "2", quantity: area_m2}\n' >zh.yaml
run pm-fee --schedule=zh.yaml --period=2024-07 zh.csv
expect_grep "no key field: one warning that verify will be fragile" "^pm-fee: zh\.csv:2: no value in the key field 'id': .*--verify cannot match" "$ERR"
expect_eq "no key field: the warning comes once" 1 "$(wc -l <"$ERR")"
expect_eq "no key field: FILE:LINE" "zh.csv:2 zh.csv:3" "$(col 2)"
pm-fee --schedule=zh.yaml --period=2024-07 --key=房号 zh.csv >zh-charges.csv 2>/dev/null
expect_eq "--key=房号: the source column" "1-1-101 1-1-102" "$(tail -n +2 zh-charges.csv | cut -d, -f2 | tr '\n' ' ' | sed 's/ $//')"
run pm-fee --schedule=zh.yaml --period=2024-07 --key=房号 --verify=zh-charges.csv zh2.csv
expect_status "--key: a row inserted: status 1" 1
expect_out_text "--key: a row inserted is the only difference" "difference,period,source,rule,party,expected_amount,actual_amount,field,expected,actual
missing,2024-07,1-1-100,pf,,140.00,,,,"
run pm-fee --schedule=zh.yaml --period=2024-07 --key=房号,type zh.csv
expect_eq "--key with two fields: joined with /" "1-1-101/unit 1-1-102/unit" "$(col 2)"
expect_eq "--key present: no warning" "" "$(cat "$ERR")"
# --period-field
printf 'id,month\na,2024-06\nb,2024-07\n' >month.csv
run pm-fee --schedule=rate2.yaml --period-field=month month.csv
expect_eq "--period-field: the period and the version come from it" "2024-06:9.00 2024-06:1.00 2024-07:2.00 2024-07:9.00" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $1, $9 }')"
# inputs_sha256: of each input file's bytes, on the lines of its records.
run pm-fee --schedule=zh.yaml --period=2024-07 --key=房号 zh.csv zh2.csv
expect_eq "inputs_sha256 per input file" \
    "$(sha256sum zh.csv | cut -c1-64) $(sha256sum zh.csv | cut -c1-64) $(sha256sum zh2.csv | cut -c1-64) $(sha256sum zh2.csv | cut -c1-64) $(sha256sum zh2.csv | cut -c1-64)" \
    "$(col 12)"
cat zh.csv | pm-fee --schedule=zh.yaml --period=2024-07 --key=房号 >piped.csv 2>piped.err
expect_eq "a pipe cannot be hashed before it is read: empty inputs_sha256" "" "$(tail -n +2 piped.csv | cut -d, -f12 | sort -u)"
expect_grep "a pipe: said so" "^pm-fee: -: not a regular file: its charges carry no inputs_sha256" piped.err

# ---------------------------------------------------------------------------
# Flagged records: no matching rule, a quantity <= 0, a party named twice.
cat >flag.yaml <<'EOF'
currency: CNY
rules:
  - {id: pf, when: {type: unit}, price: "2", quantity: area_m2}
  - {id: credit, when: {type: credit}, price: "1", quantity: n, allow_negative: true}
  - {id: pool, when: {type: contract}, percent: "10", base: amount, split: {parties: earners}}
  - {id: park, when: {type: parking, pass: monthly}, fixed: "100"}
EOF
cat >flag.csv <<'EOF'
id,type,area_m2,n,amount,earners,pass
u1,unit,-5,,,,
u2,unit,0,,,,
u3,unit,10,,,,
k1,credit,,-3,,,
c1,contract,,,100,A;A,
c2,contract,,,100,A;B,
p1,parking,,,,,月卡
EOF
run pm-fee --schedule=flag.yaml --stats --unmatched=flagged.csv flag.csv
expect_status "flagged records: status 1" 1
expect_grep "negative quantity: flagged with its key" "^pm-fee: flag\.csv:2: u1: rule 'pf': quantity area_m2 is -5, not above 0" "$ERR"
expect_grep "zero quantity: flagged" "^pm-fee: flag\.csv:3: u2: rule 'pf': quantity area_m2 is 0" "$ERR"
expect_grep "duplicate party: flagged" "^pm-fee: flag\.csv:6: c1: rule 'pool': party 'A' named twice in 'A;A'" "$ERR"
expect_grep "no rule: flagged with its key" "^pm-fee: flag\.csv:8: p1: no rule matches \(type=parking, pass=月卡\)$" "$ERR"
expect_eq "flagged records are not charged; allow_negative charges a credit" "u3:20.00 k1:-3.00 c2:5.00 c2:5.00" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $9 }')"
expect_grep "--stats: flagged counted, by reason" "^pm-fee: read 7, passed 7, rejected 0, skipped 0, flagged 4, wrote 4; charges 4, unmatched 4 \(1 no rule, 2 quantity, 1 duplicate party\), with errors 0$" "$ERR"
expect_eq "--unmatched: the records with _source and _error" "id,type,area_m2,n,amount,earners,pass,_source,_error
u1,unit,-5,,,,,flag.csv:2,\"rule 'pf': quantity area_m2 is -5, not above 0 (allow_negative: true charges it)\"
u2,unit,0,,,,,flag.csv:3,\"rule 'pf': quantity area_m2 is 0, not above 0 (allow_negative: true charges it)\"
c1,contract,,,100,A;A,,flag.csv:6,rule 'pool': party 'A' named twice in 'A;A' (field 'earners')
p1,parking,,,,,月卡,flag.csv:8,\"no rule matches (type=parking, pass=月卡)\"" "$(cat flagged.csv)"

# A record the reader cannot read is rejected with its raw text into the same
# stream (--unmatched, or the toolkit's --reject), never dropped.
printf 'id,type,area\nu1,unit,10\nu2,unit,10,extra\nu3,unit,x\n' >unreadable.csv
run pm-fee --schedule="$F/kinds.yaml" --unmatched=rej.csv --stats unreadable.csv
expect_status "unreadable record and a record error: status 2" 2
expect_grep "unreadable record: reported" "^pm-fee: unreadable\.csv:3: 4 fields where the header has 3$" "$ERR"
expect_eq "unreadable record and a record error: in --unmatched" "id,type,area,_source,_error,_raw
u2,unit,10,unreadable.csv:3,4 fields where the header has 3; the surplus value: extra,\"u2,unit,10,extra\"

id,type,area,_source,_error
u3,unit,x,unreadable.csv:4,rule 'per-m2': field 'area' is not a decimal number: 'x'" "$(cat rej.csv)"
expect_grep "unreadable: counted" "^pm-fee: read 3, passed 1, rejected 2, skipped 0, flagged 0, wrote 2; charges 2, unmatched 0, with errors 1$" "$ERR"
run pm-fee --schedule="$F/kinds.yaml" --reject=rej2.csv unreadable.csv
expect_eq "--reject is the same stream" "$(cat rej.csv)" "$(cat rej2.csv 2>/dev/null)"

# ---------------------------------------------------------------------------
# --verify compares every figure, not only the amount, and the schedule.
printf 'currency: CNY\nrules:\n  - {id: pct, when: {}, percent: "10", base: b}\n  - {id: pq, when: {}, price: p, quantity: q}\n' >vf.yaml
printf 'id,b,p,q\nx,100,2,3\n' >vf.csv
pm-fee --schedule=vf.yaml vf.csv >vf-charges.csv 2>/dev/null
# base 100 -> 50 with percent 10 -> 20: the same amount 10.00; quantity 3 -> 6 and price 2 -> 1: still 6.00
awk -F, 'BEGIN { OFS = "," } NR > 1 && $3 == "pct" { $7 = "50"; $8 = "20" } NR > 1 && $3 == "pq" { $5 = "6"; $6 = "1" } { print }' \
    vf-charges.csv >vf-changed.csv
run pm-fee --schedule=vf.yaml --verify=vf-changed.csv vf.csv
expect_status "verify: same amounts, other figures: status 1" 1
expect_eq "verify: each differing field, with its values" "pct:base:100:50 pct:percent:10:20 pq:quantity:3:6 pq:price:2:1" \
    "$(tail -n +2 "$OUT" | awk -F, '{ printf "%s%s:%s:%s:%s", (NR > 1 ? " " : ""), $4, $8, $9, $10 }')"
sed 's/,[0-9a-f]\{64\},,/,1111111111111111111111111111111111111111111111111111111111111111,,/' vf-charges.csv >vf-sched.csv
run pm-fee --schedule=vf.yaml --verify=vf-sched.csv vf.csv
expect_status "verify: another schedule's charges differ: status 1" 1
expect_eq "verify: the schedule_sha256 difference" "schedule_sha256 schedule_sha256" \
    "$(tail -n +2 "$OUT" | cut -d, -f8 | tr '\n' ' ' | sed 's/ $//')"
# A key repeated 200,000 times verifies in linear time (it used to take
# quadratic time: 160k lines, 19.5 s).
awk 'BEGIN { print "id,b,p,q"; for (i = 0; i < 200000; i++) print "same,1,1,1" }' >rep.csv
pm-fee --schedule=vf.yaml rep.csv >rep-charges.csv 2>/dev/null
SECONDS=0
run timeout 60 pm-fee --schedule=vf.yaml --verify=rep-charges.csv rep.csv
expect_status "verify: 400,000 lines of one key: status 0" 0
if [ "$SECONDS" -le 15 ]; then pass; else fail "verify: repeated keys in linear time" "took $SECONDS s"; fi


# ---------------------------------------------------------------------------
# Journals: -t ledger and -t beancount write each charge as a balanced
# transaction on the period's first day; hledger and beancount load them and
# their income per rule is what pm-report fees says.
cat >j.yaml <<'EOF'
currency: CNY
rules:
  - {id: property-fee, when: {type: unit}, price: "2.20", quantity: area_m2, effective_to: 2024-06-30}
  - {id: property-fee, when: {type: unit}, price: "2.35", quantity: area_m2, effective_from: 2024-07-01}
  - {id: pool, when: {type: contract}, percent: "30", base: amount, split: {parties: earners}}
  - {id: credit_note, when: {type: credit}, price: "1", quantity: n, allow_negative: true}
EOF
printf 'id,type,period,area_m2,amount,earners,n\n12-3-1502,unit,2024-06,89.37,,,\n12-3-1502,unit,2024-07,89.37,,,\nc 1;x,contract,2024-07,,1000.01,张三;Li Si,\nk1,credit,2024-07,,,,-3\n' >j.csv
run pm-fee --schedule=j.yaml -t ledger j.csv
expect_status "ledger: status 0" 0
expect_eq "ledger: one balanced transaction per charge" "2024-06-01 12-3-1502
    ; rule: property-fee
    assets:receivable:12-3-1502  196.61 CNY
    income:property-fee  -196.61 CNY

2024-07-01 12-3-1502
    ; rule: property-fee, rule_version: 2024-07-01
    assets:receivable:12-3-1502  210.02 CNY
    income:property-fee  -210.02 CNY" "$(sed -n '3,12p' "$OUT")"
# 1000.01 x 30% = 300.003 -> 300.00, shared 150.00 each; the payee keeps the key without ';'
expect_grep "ledger: a split is charged to each party" '^    assets:receivable:Li-Si  150\.00 CNY$' "$OUT"
expect_grep "ledger: payee without ';'" '^2024-07-01 c 1_x$' "$OUT"
expect_grep "ledger: a negative charge" '^    income:credit_note  3\.00 CNY$' "$OUT"
run pm-fee --schedule=j.yaml -t beancount j.csv
expect_status "beancount: status 0" 0
expect_grep "beancount: accounts opened" '^1970-01-01 open Assets:Receivable:U5F20U4E09$' "$OUT"
expect_grep "beancount: valid income account" '^  Income:Credit-note  3\.00 CNY$' "$OUT"
expect_grep "beancount: transaction" '^2024-07-01 \* "c 1;x" "pool 2024-07"$' "$OUT"
expect_eq "beancount: each account opened once" "" "$(grep ' open ' "$OUT" | sort | uniq -d)"
# accounts from the schedule
sed 's/^rules:/accounts: {receivable: "assets:debtors", income: "revenue:fees"}\nrules:/' j.yaml >j2.yaml
printf '  - {id: fine, when: {type: fine}, fixed: "50", account: "revenue:fines"}\n' >>j2.yaml
printf 'id,type,period\nf1,fine,2024-07\n' >j2.csv
run pm-fee --schedule=j2.yaml -t ledger j.csv j2.csv
expect_grep "ledger: receivable account from the schedule" '^    assets:debtors:12-3-1502  196\.61 CNY$' "$OUT"
expect_grep "ledger: income account from the schedule" '^    revenue:fees:pool  -150\.00 CNY$' "$OUT"
expect_grep "ledger: a rule's own account" '^    revenue:fines  -50\.00 CNY$' "$OUT"
# A charge without a period has no date: an error, not a made-up date.
printf 'id,type,area_m2\nx,contract,\n' >jnop.csv
printf 'currency: CNY\nrules:\n  - {id: f, when: {}, fixed: "1"}\n' >jnop.yaml
run pm-fee --schedule=jnop.yaml -t ledger -o jnop.ledger jnop.csv
expect_status "ledger without a period: status 2" 2
expect_grep "ledger without a period: message" "x: a journal entry needs a date, and the charge has no period" "$ERR"
if [ -e jnop.ledger ]; then fail "ledger without a period: no file left"; else pass; fi
run pm-fee --schedule=jnop.yaml -t ledger --period=2024-07 -o jnop.ledger jnop.csv
expect_status "ledger -o: status 0" 0
expect_grep "ledger -o: written" '^2024-07-01 x$' jnop.ledger
# -t ledger -o writes through the one output layer, like every other output:
# through a symbolic link it replaces the target and keeps its mode, the link
# stays a link, and no temporary file is left beside either
rm -f jtarget.ledger jlink.ledger
printf 'old\n' >jtarget.ledger
chmod 640 jtarget.ledger
ln -s jtarget.ledger jlink.ledger
run pm-fee --schedule=jnop.yaml -t ledger --period=2024-07 -o jlink.ledger jnop.csv
expect_status "ledger -o through a link: status 0" 0
expect_eq "ledger -o through a link: the link stays a link" yes "$([ -L jlink.ledger ] && echo yes || echo no)"
expect_grep "ledger -o through a link: the target written" '^2024-07-01 x$' jtarget.ledger
expect_eq "ledger -o through a link: the target keeps its mode" 640 "$(stat -c %a jtarget.ledger)"
expect_eq "ledger -o: no temporary file left" "" "$(ls -A . | grep -E 'tmp|^\.j' || true)"
run pm-fee --schedule=jnop.yaml -t ledger --verify=x.csv jnop.csv
expect_status "ledger with --verify: usage error" 2

# Income per rule, in fen, from pm-report fees and from the accounting tools.
fen_awk='function fen(s,   neg, a) { gsub(/[" ]|CNY/, "", s); neg = s ~ /^-/; sub(/^-/, "", s); split(s, a, ".");
         return (neg ? -1 : 1) * (a[1] * 100 + substr(a[2] "00", 1, 2)) }'
report_totals() { pm-report fees "$1" | awk -F, "$fen_awk"' NR > 1 { t[$1] += fen($4) } END { for (r in t) print r, t[r] }' | sort; }
hledger_totals() { hledger -f "$1" bal income --flat --no-total -O csv |
    awk -F, "$fen_awk"' NR > 1 { gsub(/"/, "", $1); sub(/^income:/, "", $1); print $1, -fen($2) }' | sort; }
bean_totals() { bean-query -f csv "$1" "SELECT account, sum(number) AS total WHERE account ~ '^Income:' GROUP BY account" |
    awk -F, "$fen_awk"' NR > 1 { gsub(/ /, "", $1); sub(/^Income:/, "", $1); print $1, -fen($2) }' | sort; }
# the beancount names of the rules: capitalised, '_' -> '-'
bean_names() { awk '{ n = $1; gsub(/_/, "-", n); print toupper(substr(n, 1, 1)) substr(n, 2), $2 }' | sort; }
pm-fee --schedule=j.yaml j.csv >j-charges.csv 2>/dev/null
pm-fee --schedule=j.yaml -t ledger j.csv >j.ledger 2>/dev/null
pm-fee --schedule=j.yaml -t beancount j.csv >j.beancount 2>/dev/null
expect_eq "pm-report fees per rule" "credit_note -300
pool 30000
property-fee 40663" "$(report_totals j-charges.csv)"
if command -v hledger >/dev/null 2>&1; then
    run hledger -f j.ledger bal
    expect_status "hledger loads the journal" 0
    expect_eq "hledger: the journal balances" "0" "$(hledger -f j.ledger bal -N -O csv | tail -n +2 | awk -F, '{ gsub(/"/, "", $2); s += $2 } END { print s + 0 }')"
    expect_eq "hledger: income per rule equals pm-report fees" "$(report_totals j-charges.csv)" "$(hledger_totals j.ledger)"
else
    echo "(hledger not installed: skipping the hledger checks; tools/deps.sh test installs it)" >&2
fi
if command -v bean-check >/dev/null 2>&1; then
    run bean-check j.beancount
    expect_status "bean-check accepts the journal" 0
    expect_eq "bean-check: no complaint" "" "$(cat "$OUT" "$ERR")"
    expect_eq "beancount: income per rule equals pm-report fees" "$(report_totals j-charges.csv | bean_names)" "$(bean_totals j.beancount)"
else
    echo "(beancount not installed: skipping the bean-check checks; tools/deps.sh test installs it)" >&2
fi

# ---------------------------------------------------------------------------
# End to end: a rate change in July written as two versions of one rule; a
# year of charges verified, reported per rule, and loaded into hledger.
cat >year.yaml <<'EOF'
currency: CNY
rules:
  - id: property-fee
    when: {type: unit}
    price: "2.20"
    quantity: area_m2
    effective_from: 2024-01-01
    effective_to: 2024-06-30
  - id: property-fee
    when: {type: unit}
    price: "2.35"
    quantity: area_m2
    effective_from: 2024-07-01
EOF
awk 'BEGIN { print "unit,type,month,area_m2"
             for (m = 1; m <= 12; m++) { printf "12-3-1502,unit,2024-%02d,89.37\n", m
                 printf "12-3-1501,unit,2024-%02d,102.10\n", m; printf "7-1-0302,unit,2024-%02d,120.00\n", m } }' >year.csv
run pm-fee --schedule=year.yaml --key=unit,month --period-field=month -o year-charges.csv year.csv
expect_status "year: status 0" 0
expect_eq "year: nothing on stderr" "" "$(cat "$ERR")"
run pm-fee --schedule=year.yaml --key=unit,month --period-field=month --verify=year-charges.csv year.csv
expect_status "year: verified" 0
expect_eq "year: no difference" "" "$(cat "$OUT")"
# Jan-Jun: 89.37 x 2.20 = 196.614 -> 196.61, 102.10 x 2.20 = 224.62, 120 x 2.20 = 264.00: 685.23 x 6 = 4111.38
# Jul-Dec: 89.37 x 2.35 = 210.0195 -> 210.02, 102.10 x 2.35 = 239.935 -> 239.94, 282.00: 731.96 x 6 = 4391.76
run pm-report fees year-charges.csv
expect_eq "year: pm-report fees, one row for the rule across the change" "rule,party,charges,amount
property-fee,,36,8503.14" "$(cat "$OUT")"
expect_eq "year: versions charged" "2024-01-01:18 2024-07-01:18" \
    "$(tail -n +2 year-charges.csv | cut -d, -f11 | sort | uniq -c | awk '{ printf "%s%s:%s", (NR > 1 ? " " : ""), $2, $1 }')"
if command -v hledger >/dev/null 2>&1; then
    pm-fee --schedule=year.yaml --key=unit,month --period-field=month -t ledger year.csv >year.ledger 2>/dev/null
    expect_eq "year: hledger's income equals pm-report fees" "property-fee 850314" "$(hledger_totals year.ledger)"
    expect_eq "year: hledger by month, the change in July" "-685.23 -731.96" \
        "$(hledger -f year.ledger bal income -M -O csv | awk -F, 'NR == 2 { gsub(/"| CNY/, ""); print $7, $8 }')"
else
    echo "(hledger not installed: skipping the end-to-end hledger check)" >&2
fi

# ---------------------------------------------------------------------------
# The example month verifies against its hand-checked charges (whose
# schedule_sha256 must follow any edit of the schedule): no difference; the
# parking violation no rule fines is the only flag.
EXF=$ROOT/examples/fees
run pm-fee --schedule="$EXF/schedule.yaml" --verify="$EXF/expected-charges-2024-07.csv" "$EXF/inputs-2024-07.csv"
expect_status "examples/fees: flagged violation: status 1" 1
expect_eq "examples/fees: no difference from the expected charges" "" "$(cat "$OUT")"
expect_eq "examples/fees: the one flag" "pm-fee: $EXF/inputs-2024-07.csv:33: V-03: no rule matches (type=violation, rule=parking)" "$(cat "$ERR")"

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

# A schedule's errors are all reported in one run (issue 20): typos in two
# rules, a wrong value and a bad section, one message each, status 2.
cat >typos.yaml <<'EOF'
currency: CNY
acounts: {income: income:fees}
rules:
  - {id: a, when: {}, fixed: "1", efective_to: 2024-12-31}
  - {id: b, when: {}, fixed: "x"}
  - id: c
    when: {}
    price: "2"
    quantiy: area
EOF
run pm-fee --schedule=typos.yaml "$F/kinds.csv"
expect_status "schedule typos: status 2" 2
expect_eq "schedule typos: no output" "" "$(cat "$OUT")"
expect_eq "schedule typos: one message per error" 4 "$(wc -l <"$ERR")"
expect_grep "schedule typos: a top-level key" \
    "^pm-fee: typos\.yaml:2: unknown key 'acounts' in the schedule \(known: currency, scale, rounding, rules, name, description, exclusive, accounts\); did you mean 'accounts'\?$" "$ERR"
expect_grep "schedule typos: a rule's key" \
    "^pm-fee: typos\.yaml:4: unknown key 'efective_to' in rule 'a' \(known: .*\); did you mean 'effective_to'\?$" "$ERR"
expect_grep "schedule typos: a bad value in the next rule" "^pm-fee: typos\.yaml:5: rule 'b': fixed: 'x' is not a decimal number$" "$ERR"
expect_grep "schedule typos: a key of a later rule" \
    "^pm-fee: typos\.yaml:9: unknown key 'quantiy' in rule 'c' \(known: .*\); did you mean 'quantity'\?$" "$ERR"

finish
