#!/bin/bash
# CLI tests of pm-report (docs/CONTRACT.md section 9).  Expected outputs in
# tests/cli/pm-report/*.expected.* were derived by hand from the fixtures
# (see the comments beside each check).
. "$(dirname "$0")/lib.sh"
D=$HERE/pm-report
R=pm-report

# --- presets ------------------------------------------------------------------
run $R sla "$D/tickets.csv"
expect_status "sla: exit 0 (no targets)" 0
expect_out "sla: per category counts and compliance = met/(met+late+overdue)" "$D/sla.expected.csv"

# July: complaints 1,2,3, callback on 1 -> 1/3; major 1,3 -> 1/2; satisfaction 3 of 5.
# August: complaint 7 called back -> 1/1; no major complaint -> n/a; 2/2 satisfied.
# Record 6 (2024-07-31T16:30:00Z) is 2024-08-01 00:30 in Asia/Shanghai.
run $R service "$D/tickets.csv"
expect_status "service: a missed target exits 1" 1
expect_out "service: the columns and figures of section 9" "$D/service.expected.csv"

run $R service "$D/service-pass.csv"
expect_status "service: all targets met exits 0" 0
expect_out_text "service: exactly at the targets passes (>=)" "period,figure,numerator,denominator,value,target,result
2024-08,callback_rate,1,2,0.5000,0.5000,pass
2024-08,major_callback_rate,1,1,1.0000,1.0000,pass
2024-08,satisfaction_rate,2,2,1.0000,0.9000,pass"

run $R fees "$D/charges.csv"
expect_status "fees: exit 0" 0
expect_out "fees: amount per rule and party, exact sums" "$D/fees.expected.csv"

# --- metrics ------------------------------------------------------------------
# a: 1.50 + 1.5 - 2 = 1.00 (3 values; mean 0.3333 at scale 2+2); max keeps 1.50 over 1.5;
# d: 1,2,2 -> mean 5/3 = 1.67 (scale 0+2, half up); c has no values.
run $R --by=g -m count -m 'sum(v)' -m 'mean(v)' -m 'min(v)' -m 'max(v)' -m 'count(k=x)' -m 'rate(k=x)' "$D/nums.csv"
expect_status "metrics: exit 0" 0
expect_out "metrics: each metric, empty groups, zero denominators" "$D/nums.expected.csv"

run $R -m ' sum( v ) ' --by=g "$D/nums.csv"
expect_out_text "metrics: blanks in -m are ignored" "g,sum(v)
a,1.00
b,10
c,0
d,5"

run $R "$D/nums.csv"
expect_out_text "metrics: no -m and no --by: one row, count" "count
9"

run $R -m 'count(k=nothing)' -m 'rate(k=nothing)' "$D/nums.csv"
expect_out_text "metrics: no matching records: 0 and 0.0000" "count(k=nothing),rate(k=nothing)
0,0.0000"

run $R -m 'median(v)' "$D/nums.csv"
expect_status "metrics: unknown function is a usage error" 2
expect_grep "metrics: message names the metric" "median" "$ERR"
run $R -m 'rate(k)' "$D/nums.csv"
expect_status "metrics: rate needs F=V" 2
run $R -m count -m count "$D/nums.csv"
expect_status "metrics: a metric twice is an error" 2

run $R --by=category -m 'sum(amount)' "$D/bad.csv"
expect_status "non-numeric value: exit 2" 2
expect_grep "non-numeric value: FILE:LINE" "^pm-report: .*bad.csv:3: sum\(amount\): 'twelve' is not a number" "$ERR"
expect_out_text "non-numeric value: the other records still count" "category,sum(amount)
a,1.25
b,2"

run $R -m 'count(callback_at=)' -m 'count(callback_at=2024-07-01T12:00:00+08:00)' "$D/tickets.csv"
expect_out_text "metrics: count(F=) counts records where F is empty" "count(callback_at=),count(callback_at=2024-07-01T12:00:00+08:00)
7,1"
printf 'g,v\na,99999999999999999999999999999999999999\na,1\nb,2\n' > "$T/overflow.csv"
run $R --by=g -m 'sum(v)' "$T/overflow.csv"
expect_status "sum overflow: exit 2, not wrapped" 2
expect_grep "sum overflow: reported with its line" "overflow.csv:3: sum\(v\): the sum overflows" "$ERR"
expect_grep "sum overflow: no figure for the group that overflowed" '^a,$' "$OUT"
expect_grep "sum overflow: the other group's figure" '^b,2$' "$OUT"
run $R --by=g -m 'sum(v)' -m 'mean(v)' --partial "$T/overflow.csv"
cp "$OUT" "$T/overflow.partial"
run $R --by=g -m 'sum(v)' -m 'mean(v)' --merge "$T/overflow.partial"
expect_status "sum overflow in a partial: the merge exits 2" 2
expect_grep "sum overflow in a partial: said" 'sum\(v\): the sum overflowed in this partial' "$ERR"
expect_grep "sum overflow in a partial: no figure, not a wrong one" '^a,,$' "$OUT"
printf 'v\n0.0000000000000000000000000000000000001\n0.0000000000000000000000000000000000002\n' > "$T/tiny.csv"
run $R -m 'mean(v)' "$T/tiny.csv"
expect_out_text "mean: scale capped at 38 places" "mean(v)
0.00000000000000000000000000000000000015"
run $R sla "$D/nums.csv"
expect_status "sla of records without sla_status: a warning, not an error" 0
expect_grep "sla without sla_status: says to run pm-sla" "nums.csv:2: warning: no sla_status field" "$ERR"

printf 'a,b\n1,x\n' > "$T/h1.csv"; printf 'b,a\ny,2\n' > "$T/h2.csv"
run $R --by=a,b "$T/h1.csv" "$T/h2.csv" "$T/h1.csv"
expect_out_text "several inputs with different headers: fields found by name" "a,b,count
1,x,2
2,y,1"

# --- rounding: half up at the 4th place ---------------------------------------
awk 'BEGIN { print "g,r"
  print "a1,y"; for (i = 0; i < 7; i++) print "a1,n"; print "a1,"; print "a1,"   # 1/8 = 0.125
  print "b2,y"; print "b2,y"; print "b2,n"                                     # 2/3 = 0.6666..
  print "c3,y"; for (i = 0; i < 5; i++) print "c3,n"                           # 1/6 = 0.1666..
  for (i = 0; i < 5; i++) print "d4,y"; for (i = 0; i < 11; i++) print "d4,n"   # 5/16 = 0.3125
  print "e5,y"; for (i = 0; i < 19999; i++) print "e5,n"                       # 1/20000 = 0.00005
  for (i = 0; i < 3; i++) print "f6,y"; for (i = 0; i < 19997; i++) print "f6,n" # 3/20000 = 0.00015
  print "g7,y"; print "g7,n"; print "g7,n"                                     # 1/3 = 0.3333..
  for (i = 0; i < 4; i++) print "h8,n"                                         # 0/4
}' > "$T/round.csv"
run $R --by=g -m 'rate(r=y)' "$T/round.csv"
expect_out_text "rounding: 4 places, half up (empty values not in the denominator)" "g,rate(r=y)
a1,0.1250
b2,0.6667
c3,0.1667
d4,0.3125
e5,0.0001
f6,0.0002
g7,0.3333
h8,0.0000"
run $R --by=g -m 'rate(r=y)' -t md "$T/round.csv"
expect_grep "rounding: md shows 12.50%" "^\| a1 +\| +12\.50% \|$" "$OUT"
expect_grep "rounding: md shows 0.01% for 0.00005" "^\| e5 +\| +0\.01% \|$" "$OUT"

# --- empty input --------------------------------------------------------------
: > "$T/empty.csv"
run $R sla "$T/empty.csv"
expect_status "empty input: exit 0" 0
expect_out_text "empty input: the header only" "category,tickets,met,late,overdue,open,at_risk,compliance"
printf 'id,category,sla_status\n' > "$T/header.csv"
run $R sla "$T/header.csv"
expect_status "header-only input: exit 0" 0
expect_out_text "header-only input: the header only" "category,tickets,met,late,overdue,open,at_risk,compliance"
run $R -m count -m 'sum(x)' -m 'mean(x)' -m 'rate(a=b)' "$T/header.csv"
expect_out_text "header-only input without keys: one row of zeros and no values" "count,sum(x),mean(x),rate(a=b)
0,0,,"
run $R service "$T/header.csv"
expect_status "service of nothing: exit 0" 0
expect_out_text "service of nothing: the header" "period,figure,numerator,denominator,value,target,result"

# --- periods --------------------------------------------------------------------
# 2024-07-31T23:30+08:00 is July; 2024-07-31T16:30Z is 2024-08-01 00:30 in Shanghai.
run $R --period=month "$D/times.csv"
expect_out_text "period month: month ends in the zone" "period,count
2020-12,1
2021-01,2
2024-07,1
2024-08,1
2024-12,2"
run $R --period=month --tz=UTC "$D/times.csv"
expect_out_text "period month --tz=UTC: both at the end of July" "period,count
2020-12,1
2021-01,2
2024-07,2
2024-12,2"
# 2024-12-29 (Sunday) is 2024-W52, 2024-12-30 is 2025-W01; 2020-12-31 and 2021-01-03 are
# 2020-W53, 2021-01-04 is 2021-W01.
run $R --period=week "$D/times.csv"
expect_out_text "period week: ISO weeks across year ends" "period,count
2020-W53,2
2021-W01,1
2024-W31,2
2024-W52,1
2025-W01,1"
run $R --period=day --by=id -m count "$D/times.csv"
expect_grep "period day: local date of a UTC time" "^2024-08-01,b,1$" "$OUT"
printf 'id,when\nx,2024-07-01 09:00\ny,not a time\nz,\n' > "$T/when.csv"
run $R --period=day --time-field=when "$T/when.csv"
expect_status "period: unreadable or missing time is an error" 2
expect_grep "period: message with line" "when.csv:3: when: cannot read 'not a time'" "$ERR"
expect_grep "period: missing time reported" "when.csv:4: when" "$ERR"
expect_out_text "period: the valid record still counts" "period,count
2024-07-01,1"
run $R --period=year "$D/times.csv"
expect_status "period: bad period is a usage error" 2

# --- targets --------------------------------------------------------------------
run $R sla --targets="$D/targets.yaml" "$D/tickets.csv"
expect_status "targets: a failed target exits 1" 1
expect_grep "targets: header has target/result columns" "^category,tickets,met,late,overdue,open,at_risk,compliance,overdue_target,overdue_result,compliance_target,compliance_result$" "$OUT"
expect_grep "targets: fail" "^indoor_repair,2,1,0,1,0,0,0.5000,0,fail,0.9000,fail$" "$OUT"
expect_grep "targets: pass" "^fee_inquiry,1,1,0,0,0,0,1.0000,0,pass,0.9000,pass$" "$OUT"
expect_grep "targets: zero denominator is n/a" "^general_inquiry,1,0,0,0,1,0,,0,pass,0.9000,n/a$" "$OUT"
run $R sla --targets="$D/targets-pct.yaml" "$D/tickets.csv"
expect_status "targets: 50% all met (n/a does not fail) exits 0" 0
expect_grep "targets: percent value read as 0.5" "^noise,3,1,1,0,0,1,0.5000,0.5000,pass$" "$OUT"
run $R sla --targets="$D/targets-bad.yaml" "$D/tickets.csv"
expect_status "targets: unknown figure exits 2" 2
expect_grep "targets: message with FILE:LINE" "targets-bad.yaml:1: no figure 'no_such_figure'" "$ERR"
printf -- '- {figure: compliance, comparison: "~", value: 1}\n' > "$T/tcmp.yaml"
run $R sla --targets="$T/tcmp.yaml" "$D/tickets.csv"
expect_status "targets: bad comparison exits 2" 2
printf -- '- {figure: count, comparison: ">", value: 9}\n' > "$T/tgt.yaml"
run $R --targets="$T/tgt.yaml" "$D/nums.csv"
expect_status "targets: 9 > 9 fails" 1
printf -- '- {figure: count, comparison: "=", value: 9}\n' > "$T/teq.yaml"
run $R --targets="$T/teq.yaml" "$D/nums.csv"
expect_status "targets: 9 = 9 passes" 0
expect_out_text "targets: target and result columns" "count,count_target,count_result
9,9,pass"
# 1/3 against >= 0.3333: compared exactly, 0.333.. >= 0.3333 passes; <= 0.3333 fails
printf -- '- {figure: "rate(r=y)", comparison: "<=", value: 0.3333}\n' > "$T/texact.yaml"
printf 'r\ny\nn\nn\n' > "$T/third.csv"
run $R -m 'rate(r=y)' --targets="$T/texact.yaml" "$T/third.csv"
expect_status "targets: compared exactly, not after rounding" 1
printf -- '- {figure: callback_rate, comparison: ">=", value: 0.3}\n' > "$T/tsvc.yaml"
run $R service --targets="$T/tsvc.yaml" "$D/tickets.csv"
expect_status "targets: a file replaces the preset's targets" 0
expect_grep "targets: replaced target" "^2024-07,callback_rate,1,3,0.3333,0.3000,pass$" "$OUT"
expect_grep "targets: figures without target have empty target and result" "^2024-07,satisfaction_rate,3,5,0.6000,,$" "$OUT"

# --- formats ----------------------------------------------------------------------
run $R sla -t yaml "$D/tickets.csv"
expect_grep "yaml: one document per line" '^--- \{category: noise, tickets: "3", met: "1", late: "1", overdue: "0", open: "0", at_risk: "1", compliance: "0.5000"\}$' "$OUT"
# The same tickets as YAML (every value quoted):
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
  { printf "--- {"; for (i = 1; i <= NF; i++) printf "%s%s: \"%s\"", (i > 1 ? ", " : ""), h[i], $i; print "}" }' \
  "$D/tickets.csv" > "$T/tickets.yaml"
run $R sla "$T/tickets.yaml"
expect_status "yaml input: exit 0" 0
expect_grep "yaml input: yaml output by default" '^--- \{category: fee_inquiry, ' "$OUT"
run $R sla -f yaml -t csv "$T/tickets.yaml"
expect_out "yaml input, -t csv: the same report as from csv" "$D/sla.expected.csv"

cat > "$T/md.expected" <<'MD'
| category        | tickets | met | late | overdue | open | at_risk | compliance |
| --------------- | ------: | --: | ---: | ------: | ---: | ------: | ---------: |
| fee_inquiry     |       1 |   1 |    0 |       0 |    0 |       0 |    100.00% |
| general_inquiry |       1 |   0 |    0 |       0 |    1 |       0 |            |
| indoor_repair   |       2 |   1 |    0 |       1 |    0 |       0 |     50.00% |
| noise           |       3 |   1 |    1 |       0 |    0 |       1 |     50.00% |
| other_complaint |       1 |   1 |    0 |       0 |    0 |       0 |    100.00% |
| public_repair   |       1 |   1 |    0 |       0 |    0 |       0 |    100.00% |
MD
run $R sla -t md "$D/tickets.csv"
expect_out "md: aligned table, percentages" "$T/md.expected"

# Chinese: CJK characters are two columns wide, so the pipes line up on screen.
cat > "$T/mdzh.expected" <<'MD'
| 期间    | 指标           | 分子 | 分母 | 数值    | 目标    | 结果 |
| ------- | -------------- | ---: | ---: | ------: | ------: | ---- |
| 2024-08 | 回访率         |    1 |    2 |  50.00% |  50.00% | 达标 |
| 2024-08 | 重大投诉回访率 |    1 |    1 | 100.00% | 100.00% | 达标 |
| 2024-08 | 满意率         |    2 |    2 | 100.00% |  90.00% | 达标 |
MD
run $R service --lang=zh -t md "$D/service-pass.csv"
expect_out "md --lang=zh: Chinese headers and figures, aligned by display width" "$T/mdzh.expected"

run $R sla --lang=zh "$D/tickets.csv"
expect_grep "--lang=zh csv: Chinese header" "^类别,工单数,按时完成,超时完成,已逾期,处理中,即将逾期,按时完成率$" "$OUT"
run $R service --lang=zh "$D/tickets.csv"
expect_grep "--lang=zh: 未达标 and 无数据" "^2024-08,重大投诉回访率,0,0,,1.0000,无数据$" "$OUT"
expect_grep "--lang=zh: 回访率 未达标" "^2024-07,回访率,1,3,0.3333,0.5000,未达标$" "$OUT"
run $R --lang=fr "$D/tickets.csv"
expect_status "--lang: unknown language is a usage error" 2

run $R service -t html -o "$T/r.html" "$D/tickets.csv"
expect_status "html: exit status still says a target failed" 1
expect_grep "html: doctype" "^<!DOCTYPE html>" "$T/r.html"
expect_grep "html: viewport for phones" '<meta name="viewport"' "$T/r.html"
expect_grep "html: an SVG chart" "<svg " "$T/r.html"
expect_grep "html: the target line" 'class="target"' "$T/r.html"
expect_grep "html: percentages" "33.33%" "$T/r.html"
expect_no_grep "html: nothing loaded from elsewhere" "(src=|href=|@import|url\(|https?:)" "$T/r.html"
expect_eq "html: one chart per figure" 3 "$(grep -c '<svg ' "$T/r.html")"
if command -v xmllint >/dev/null; then
    xmllint --noout "$T/r.html" 2>"$T/xml.err"
    expect_eq "html: well-formed (xmllint)" 0 $?
    xmllint --html --noout "$T/r.html" 2>/dev/null
    expect_eq "html: parses as HTML (xmllint --html)" 0 $?
fi
printf 'g,v\n<b>&"x"\x27,1\n' > "$T/esc.csv"
run $R --by=g -m 'sum(v)' -t html "$T/esc.csv"
expect_grep "html: text escaped" "<td>&lt;b&gt;&amp;&quot;x&quot;&#39;</td>" "$OUT"
expect_no_grep "html: no raw markup from data" "<b>&" "$OUT"
awk 'BEGIN { print "g"; for (i = 0; i < 101; i++) print "g" i }' > "$T/many.csv"
run $R --by=g -t html "$T/many.csv"
expect_no_grep "html: no chart of more than 100 bars" "<svg " "$OUT"
expect_grep "html: says why" "101 groups are too many to chart" "$OUT"
run $R service --lang=zh -t html "$D/tickets.csv"
expect_grep "html --lang=zh: lang attribute" '<html lang="zh-CN">' "$OUT"
expect_grep "html --lang=zh: figure names" "重大投诉回访率" "$OUT"

run $R sla -t xlsx -o "$T/r.xlsx" "$D/tickets.csv"
expect_status "xlsx: exit 0" 0
if command -v unzip >/dev/null; then
    unzip -tq "$T/r.xlsx" >/dev/null 2>&1
    expect_eq "xlsx: a valid zip" 0 $?
    unzip -p "$T/r.xlsx" xl/worksheets/sheet1.xml > "$T/sheet1.xml"
    expect_grep "xlsx: numeric cells" '<c r="B2" s="[0-9]+"><v>1</v></c>' "$T/sheet1.xml"
    expect_grep "xlsx: rates as numbers" '<c r="H4" s="[0-9]+"><v>0.5</v></c>' "$T/sheet1.xml"
    expect_grep "xlsx: header frozen" 'state="frozen"' "$T/sheet1.xml"
    unzip -p "$T/r.xlsx" xl/styles.xml > "$T/styles.xml"
    expect_grep "xlsx: percentage number format" 'formatCode="0.00%"' "$T/styles.xml"
    # SOURCE_DATE_EPOCH fixes the time the workbook records: the same
    # report is the same bytes, a second later too
    SOURCE_DATE_EPOCH=1720000000 $R sla -t xlsx -o "$T/e1.xlsx" "$D/tickets.csv" 2>/dev/null
    sleep 1.1
    SOURCE_DATE_EPOCH=1720000000 $R sla -t xlsx -o "$T/e2.xlsx" "$D/tickets.csv" 2>/dev/null
    expect_eq "xlsx with SOURCE_DATE_EPOCH: the same bytes" 0 "$(cmp -s "$T/e1.xlsx" "$T/e2.xlsx"; echo $?)"
    expect_grep "xlsx with SOURCE_DATE_EPOCH: its time recorded" '2024-07-03T09:46:40Z' \
        "$(unzip -p "$T/e1.xlsx" docProps/core.xml >"$T/core.xml"; echo "$T/core.xml")"
fi
run $R fees -t xlsx "$D/charges.csv"
expect_status "xlsx to a pipe/file: exit 0" 0
expect_eq "xlsx to standard output: a zip" "PK" "$(head -c 2 "$OUT")"
run $R sla -t tsv "$D/tickets.csv"
expect_eq "tsv: tab-separated" "$(tr ',' '\t' < "$D/sla.expected.csv")" "$(cat "$OUT")"
tr ',' '\t' < "$D/tickets.csv" > "$T/tickets.tsv"
run $R sla "$T/tickets.tsv"
expect_eq "tsv input: tsv output by default" "$(tr ',' '\t' < "$D/sla.expected.csv")" "$(cat "$OUT")"
if command -v script >/dev/null 2>&1; then
    script -qec "$PM_BIN/pm-report sla -t xlsx '$D/tickets.csv'" /dev/null > "$T/tty.out" 2>&1
    expect_eq "xlsx to a terminal: usage error" 2 $?
    expect_grep "xlsx to a terminal: says to use -o" "XLSX is binary" "$T/tty.out"
fi
run $R sla -t pdf "$D/tickets.csv"
expect_status "--to: unknown format is a usage error" 2

run $R sla -o "$T/out.csv" "$D/tickets.csv"
expect_status "-o: exit 0" 0
expect_eq "-o: file written" "$(cat "$D/sla.expected.csv")" "$(cat "$T/out.csv")"
expect_eq "-o: no temporary left behind" "" "$(ls "$T" | grep tmp || true)"

# --- several presets: several tables --------------------------------------------
run $R sla service -t md "$D/tickets.csv"
expect_status "two presets, md: a missed service target exits 1" 1
expect_grep "two presets, md: a heading per table" "^## Ticket deadlines$" "$OUT"
expect_grep "two presets, md: second heading" "^## Service quality$" "$OUT"
expect_grep "two presets, md: rows of both" "^\| 2024-07 \| callback_rate +\| +1 \| +3 \| +33.33% \|" "$OUT"
run $R sla service "$D/tickets.csv"
expect_status "two presets, csv: a usage error (one table per CSV)" 2
run $R sla service -t html "$D/tickets.csv"
expect_eq "two presets, html: a part per table" 2 "$(grep -c '^<div class="table">' "$OUT")"
expect_eq "two presets, html: charts of both (tickets, compliance + 3)" 5 "$(grep -c '<svg ' "$OUT")"
run $R sla service fees -t xlsx -o "$T/three.xlsx" "$D/tickets.csv"
if command -v unzip >/dev/null; then
    expect_eq "three presets, xlsx: a sheet per table, and one of charts" 4 "$(unzip -l "$T/three.xlsx" | grep -c 'xl/worksheets/sheet[0-9]*.xml')"
    expect_grep "xlsx: native bar charts" "xl/charts/chart1.xml" "$(unzip -l "$T/three.xlsx" > "$T/l3.txt"; echo "$T/l3.txt")"
    expect_grep "three presets, xlsx: sheets named after the presets" 'name="service"' "$(unzip -p "$T/three.xlsx" xl/workbook.xml > "$T/wb.xml"; echo "$T/wb.xml")"
fi
# One targets file for several reports: figures of other presets are skipped.
cat > "$T/all-targets.yaml" <<'Y'
- {figure: callback_rate, comparison: ">=", value: 50%}
- {figure: compliance, comparison: ">=", value: 0.5}
Y
run $R sla --targets="$T/all-targets.yaml" "$D/tickets.csv"
expect_status "targets for several reports: the sla table takes compliance only" 0
expect_grep "targets for several reports: compliance columns" "compliance_target,compliance_result$" "$OUT"
run $R service --targets="$T/all-targets.yaml" "$D/tickets.csv"
expect_grep "targets for several reports: service takes callback_rate" "^2024-07,callback_rate,1,3,0.3333,0.5000,fail$" "$OUT"

# --- partial / merge -------------------------------------------------------------
# Random splits of the input into 1..8 shards (header kept in each); every
# shard's --partial, merged, must give the single pass byte for byte.
awk 'BEGIN { srand(7)
  split("noise other_complaint indoor_repair public_repair lighting general_inquiry", cat, " ")
  split("met met met late overdue open at_risk", st, " ")
  split("complaint consultation repair", kd, " ")
  split("satisfied satisfied neutral unsatisfied", sf, " ")
  print "id,kind,category,major,created_at,callback_at,satisfaction,sla_status,amount,rule,party"
  for (i = 1; i <= 3000; i++) {
    m = 1 + int(rand() * 12); d = 1 + int(rand() * 28)
    y = rand() < 0.2 ? 2023 : 2024
    printf "%d,%s,%s,%s,%d-%02d-%02dT%02d:30:00+08:00,%s,%s,%s,%s,%s,%s\n", i, kd[1 + int(rand() * 3)],
      cat[1 + int(rand() * 6)], (rand() < 0.2 ? "true" : "false"), y, m, d, int(rand() * 24),
      (rand() < 0.5 ? "2024-01-01T00:00:00+08:00" : ""), (rand() < 0.6 ? sf[1 + int(rand() * 4)] : ""),
      st[1 + int(rand() * 7)], (rand() < 0.1 ? "" : sprintf("%d.%0" (1 + int(rand() * 3)) "d", int(rand() * 2000) - 300, int(rand() * 99))),
      "r" int(rand() * 4), (rand() < 0.5 ? "" : "S" int(rand() * 3))
  }
}' > "$T/big.csv"
merge_check() {  # name, then the report options; $FMT: options of the final output only
    name=$1; shift
    $R "$@" ${FMT:-} "$T/big.csv" > "$T/single.out" 2>/dev/null
    single_rc=$?
    ok=1
    for shards in 1 2 3 4 5 6 7 8; do
        rm -f "$T"/shard.* "$T"/part.*
        awk -v n=$shards -v seed=$shards -v dir="$T" 'BEGIN { srand(seed * 31) }
            NR == 1 { for (i = 0; i < n; i++) print > (dir "/shard." i); next }
            { print > (dir "/shard." int(rand() * n)) }' "$T/big.csv"
        for s in "$T"/shard.*; do
            $R "$@" --partial "$s" > "$T/part.${s##*.}" 2>/dev/null
        done
        $R "$@" ${FMT:-} --merge "$T"/part.* > "$T/merged.out" 2>/dev/null
        merged_rc=$?
        if ! cmp -s "$T/single.out" "$T/merged.out" || [ "$merged_rc" != "$single_rc" ]; then
            ok=0
            echo "    $name: $shards shards differ (rc $merged_rc vs $single_rc)" >&2
            diff "$T/single.out" "$T/merged.out" | head -5 >&2
        fi
    done
    expect_eq "partial/merge: $name, 1..8 random shards identical" 1 "$ok"
}
merge_check "sla" sla
merge_check "service" service
merge_check "fees" fees
merge_check "custom metrics by period and field" --period=week --by=kind -m count -m 'sum(amount)' -m 'mean(amount)' -m 'min(amount)' -m 'max(amount)' -m 'rate(satisfaction=satisfied)' -m 'count(major=true)'
FMT="-t md" merge_check "custom metrics without keys, md" -m 'sum(amount)' -m 'mean(amount)' -m 'max(amount)'
merge_check "sla with targets, yaml partials and output" sla --targets="$D/targets.yaml" -t yaml
FMT="-t html" merge_check "service, html" service --lang=zh
run $R sla --partial -t yaml "$D/tickets.csv"
expect_grep "partial yaml: raw numerators and denominators" 'compliance.num: "1", compliance.den: "2"' "$OUT"
cp "$OUT" "$T/p.yaml"
run $R sla --merge -t csv "$T/p.yaml"
expect_out "partial yaml: merged gives the single pass" "$D/sla.expected.csv"
run $R service --merge "$T/p.yaml"
expect_status "merge: partials of another report are an error" 2
expect_grep "merge: says so" "partial made with other options" "$ERR"
run $R sla --merge "$D/tickets.csv"
expect_status "merge: not a partial stream is an error" 2
run $R sla --partial -t html "$D/tickets.csv"
expect_status "partial: only csv/yaml" 2
# A tree of merges (a combiner): --merge --partial merges partials into one partial.
awk 'NR == 1 { h = $0; for (i = 0; i < 4; i++) print h > ("'"$T"'/q." i); next }
     { print > ("'"$T"'/q." (NR % 4)) }' "$T/big.csv"
for i in 0 1 2 3; do $R service --partial "$T/q.$i" > "$T/qp.$i"; done
$R service --merge --partial "$T/qp.0" "$T/qp.1" > "$T/qm.a"
$R service --merge --partial -t yaml "$T/qp.2" "$T/qp.3" > "$T/qm.b"
run $R service --merge -t csv "$T/qm.a" "$T/qm.b"
$R service "$T/big.csv" > "$T/single.service"
expect_out "partial/merge: merging merged partials (csv and yaml) gives the single pass" "$T/single.service"
cat "$T/qp.0" "$T/qp.1" "$T/qp.2" "$T/qp.3" | $R service --partial -t yaml --merge > "$T/qcat.yaml"
run $R service --merge -t csv < "$T/qcat.yaml"
expect_out "partial/merge: yaml partials from standard input" "$T/single.service"
cat "$T/qp.0" "$T/qp.1" "$T/qp.2" "$T/qp.3" > "$T/qcat.csv"
run $R service --merge "$T/qcat.csv"
expect_status "partial/merge: concatenated csv partials (repeated headers): no error, targets missed" 1
expect_out "partial/merge: concatenated csv partials give the single pass" "$T/single.service"
run $R service -m count "$D/tickets.csv"
expect_status "service with -m is a usage error" 2

run $R sla "$T/no-such-file.csv"
expect_status "unreadable input: exit 2" 2
expect_grep "unreadable input: named" "no-such-file.csv" "$ERR"

finish
