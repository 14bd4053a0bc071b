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
expect_out_text "metrics: no matching records: 0 and 0.0000" "count(k=nothing),rate(k=nothing),rate(k=nothing)_n,rate(k=nothing)_d
0,0.0000,0,8"

run $R -m 'mode(v)' "$D/nums.csv"
expect_status "metrics: unknown function is a usage error" 2
expect_grep "metrics: message names the metric" "mode" "$ERR"
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
expect_out_text "rounding: 4 places, half up (empty values not in the denominator)" "g,rate(r=y),rate(r=y)_n,rate(r=y)_d
a1,0.1250,1,8
b2,0.6667,2,3
c3,0.1667,1,6
d4,0.3125,5,16
e5,0.0001,1,20000
f6,0.0002,3,20000
g7,0.3333,1,3
h8,0.0000,0,4"
run $R --by=g -m 'rate(r=y)' -t md "$T/round.csv"
expect_grep "rounding: md shows 12.50%" "^\| a1 +\| +12\.50% \|$" "$OUT"
expect_grep "rounding: md shows 0.01% for 0.00005" "^\| e5 +\| +0\.01% \|$" "$OUT"

# --- empty input --------------------------------------------------------------
: > "$T/empty.csv"
run $R sla "$T/empty.csv"
expect_status "empty input: exit 0" 0
expect_out_text "empty input: the header only" "category,tickets,met,late,overdue,open,at_risk,paused,invalid,no_clock,compliance,compliance_n,compliance_d"
printf 'id,category,sla_status\n' > "$T/header.csv"
run $R sla "$T/header.csv"
expect_status "header-only input: exit 0" 0
expect_out_text "header-only input: the header only" "category,tickets,met,late,overdue,open,at_risk,paused,invalid,no_clock,compliance,compliance_n,compliance_d"
run $R -m count -m 'sum(x)' -m 'mean(x)' -m 'rate(a=b)' "$T/header.csv"
expect_out_text "header-only input without keys: one row of zeros and no values" "count,sum(x),mean(x),rate(a=b),rate(a=b)_n,rate(a=b)_d
0,0,,,0,0"
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
expect_status "period: unreadable time is an error" 2
expect_grep "period: message with line" "when.csv:3: when: cannot read 'not a time'" "$ERR"
# issue 15: an empty time is no error: the record goes to an empty period
expect_no_grep "period: an empty time is not an error" "when.csv:4: when: no value" "$ERR"
expect_out_text "period: the valid record counts, the empty one under an empty period" "period,count
2024-07-01,1
,1"
run $R --period=decade "$D/times.csv"
expect_status "period: bad period is a usage error" 2

# --- targets --------------------------------------------------------------------
run $R sla --targets="$D/targets.yaml" "$D/tickets.csv"
expect_status "targets: a failed target exits 1" 1
expect_grep "targets: header has target/result columns" "^category,tickets,met,late,overdue,open,at_risk,paused,invalid,no_clock,compliance,compliance_n,compliance_d,overdue_target,overdue_result,compliance_target,compliance_result$" "$OUT"
expect_grep "targets: fail" "^indoor_repair,2,1,0,1,0,0,0,0,0,0.5000,1,2,0,fail,0.9000,fail$" "$OUT"
expect_grep "targets: pass" "^fee_inquiry,1,1,0,0,0,0,0,0,0,1.0000,1,1,0,pass,0.9000,pass$" "$OUT"
expect_grep "targets: zero denominator is n/a" "^general_inquiry,1,0,0,0,1,0,0,0,0,,0,0,0,pass,0.9000,n/a$" "$OUT"
run $R sla --targets="$D/targets-pct.yaml" "$D/tickets.csv"
expect_status "targets: 50% all met (n/a does not fail) exits 0" 0
expect_grep "targets: percent value read as 0.5" "^noise,3,1,1,0,0,1,0,0,0,0.5000,1,2,0.5000,pass$" "$OUT"
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
expect_grep "yaml: one document per line" '^--- \{category: noise, tickets: "3", met: "1", late: "1", overdue: "0", open: "0", at_risk: "1", paused: "0", invalid: "0", no_clock: "0", compliance: "0.5000", compliance_n: "1", compliance_d: "2"\}$' "$OUT"
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
| category        | tickets | met | late | overdue | open | at_risk | paused | invalid | no_clock | compliance |
| --------------- | ------: | --: | ---: | ------: | ---: | ------: | -----: | ------: | -------: | ---------: |
| fee_inquiry     |       1 |   1 |    0 |       0 |    0 |       0 |      0 |       0 |        0 |    100.00% |
| general_inquiry |       1 |   0 |    0 |       0 |    1 |       0 |      0 |       0 |        0 |            |
| indoor_repair   |       2 |   1 |    0 |       1 |    0 |       0 |      0 |       0 |        0 |     50.00% |
| noise           |       3 |   1 |    1 |       0 |    0 |       1 |      0 |       0 |        0 |     50.00% |
| other_complaint |       1 |   1 |    0 |       0 |    0 |       0 |      0 |       0 |        0 |    100.00% |
| public_repair   |       1 |   1 |    0 |       0 |    0 |       0 |      0 |       0 |        0 |    100.00% |
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
expect_grep "--lang=zh csv: Chinese header" "^类别,工单数,按时完成,超时完成,已逾期,处理中,即将逾期,暂停,无效,无时限,按时完成率,按时完成率_分子,按时完成率_分母$" "$OUT"
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
    expect_grep "xlsx: rates as numbers" '<c r="K4" s="[0-9]+"><v>0.5</v></c>' "$T/sheet1.xml"
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

# --- issue 15: names are checked ------------------------------------------------
A=$D/analyst.csv
run $R --by=assigne -m 'sum(amount)' "$A"
expect_status "names: a --by field in no record is exit 2" 2
expect_grep "names: did you mean" "--by: no field 'assigne' in any record of the input; did you mean assignee\?" "$ERR"
expect_eq "names: no report is written" "" "$(cat "$OUT")"
run $R -m 'rate(sla_stauts=met)' "$A"
expect_status "names: a metric's field in no record is exit 2" 2
expect_grep "names: the metric's field, nearest name" "no field 'sla_stauts'.*did you mean sla_status\?" "$ERR"
run $R -m 'sum(材料费)' "$A"
expect_status "names: a Chinese typo too" 2
expect_no_grep "names: nothing far away is suggested" "did you mean" "$ERR"
run $R --where='kidn=complaint' "$A"
expect_status "names: a --where field in no record is exit 2" 2
expect_grep "names: --where named" "^pm-report: --where: no field 'kidn'.*did you mean kind" "$ERR"
run $R --period=month --time-field=created "$A"
expect_status "names: a --time-field in no record is exit 2" 2
expect_grep "names: --time-field nearest" "did you mean created_at\?" "$ERR"
run $R -m 'mean(resolved_at - craeted_at)' "$A"
expect_status "names: either side of a difference" 2
printf 'a,b\n1,\n' > "$T/some1.yaml.csv"
printf -- '--- {a: "1"}\n--- {a: "2", rare: "x"}\n' > "$T/some.yaml"
run $R --by=rare -t csv "$T/some.yaml"
expect_status "names: a field in some records only is fine" 0
expect_out_text "names: records without it are the empty group" "rare,count
,1
x,1"
run $R -m 'count(sla_status!)' "$A"
expect_status "metric syntax: a stray ! is an error, not a field 'sla_status!'" 2
expect_grep "metric syntax: says what was expected" "bad condition" "$ERR"
run $R -m 'count(sla_status!=met)' -m 'count(sla_status=met)' -m count "$A"
expect_status "metric syntax: != parses" 0
n_ne=$(tail -1 "$OUT" | cut -d, -f1); n_eq=$(tail -1 "$OUT" | cut -d, -f2); n_all=$(tail -1 "$OUT" | cut -d, -f3)
expect_eq "metric syntax: count(F!=V) + count(F=V) = count" "$n_all" "$((n_ne + n_eq))"
expect_eq "metric syntax: != counts what awk counts" "$(awk -F, 'NR > 1 && $11 != "met"' "$A" | wc -l)" "$n_ne"
for bad in 'count(a=b' 'count(a = )x' 'rate(a in b)' 'count(a ~ /x)' 'count(a is full)' 'sum(a b)' 'p101(amount)' 'count(a=1 and)'; do
    run $R -m "$bad" "$A"
    expect_status "metric syntax: '$bad' is a usage error" 2
done

# --- issue 15: filters ----------------------------------------------------------
# Every figure of a --where/--since report equals the same report over input
# pre-filtered with Miller (mlr filter).
FIGS="-m count -m sum(amount) -m mean(amount) -m rate(satisfaction=satisfied) -m count(major=true)"
where_check() {  # NAME MLR-EXPRESSION PM-OPTION...
    run $R --by=category $FIGS "${@:3}" "$A"
    cp "$OUT" "$T/where.pm"
    mlr --csv filter "$2" "$A" > "$T/pre.csv"
    run $R --by=category $FIGS "$T/pre.csv"
    if cmp -s "$T/where.pm" "$OUT" && [ "$(wc -l < "$OUT")" -gt 1 ]; then pass; else fail "where = mlr filter: $1" "$(diff "$T/where.pm" "$OUT" | head -5)"; fi
}
if command -v mlr >/dev/null 2>&1; then
    where_check "=" '$kind == "complaint"' "--where=kind=complaint"
    where_check "!=" '$sla_status != "met"' "--where=sla_status!=met"
    where_check "numbers as decimals" '$amount >= 100.5' "--where=amount>=100.5"
    where_check "< on numbers" '$amount < 99' "--where=amount<99"
    where_check "in" '$category == "noise" || $category == "lighting"' "--where=category in (noise, lighting)"
    where_check "not in" '!($category == "noise" || $category == "lighting")' "--where=category not in (noise, lighting)"
    where_check "regex" '$unit =~ "^1[0-2]?-"' "--where=unit ~ /^1[0-2]?-/"
    where_check "is empty" '$callback_at == ""' "--where=callback_at is empty"
    where_check "is not empty" '$resolved_at != ""' "--where=resolved_at is not empty"
    where_check "and/or/not, parentheses" '($kind == "complaint" || $major == "true") && !($sla_status == "met")' \
        "--where=(kind=complaint or major=true) and not sla_status=met"
    where_check "repeated --where: all hold" '$kind == "repair" && $amount > 200' "--where=kind=repair" "--where=amount>200"
    where_check "timestamps as instants" '$created_at >= "2024-08-01T00:00:00+08:00"' "--where=created_at>=2024-08-01T02:00:00+10:00"
    where_check "--since/--until half-open" '$created_at >= "2024-07-10" && $created_at < "2024-08-05"' \
        "--since=2024-07-10" "--until=2024-08-05"
    where_check "--since with --where" '$created_at >= "2024-08-01" && $satisfaction == "satisfied"' \
        "--since=2024-08-01" "--where=satisfaction=satisfied"
else
    echo "SKIP $SCRIPT: mlr (Debian package miller) is not installed: --where is not compared with mlr filter" >&2
fi
printf 'id,created_at\na,2024-07-09T23:59:59+08:00\nb,2024-07-10T00:00:00+08:00\nc,2024-07-31T23:59:59+08:00\nd,2024-08-01T00:00:00+08:00\ne,2024-07-09T16:00:00Z\nf,\n' > "$T/edge.csv"
run $R --since=2024-07-10 --until=2024-08-01 --stats "$T/edge.csv"
expect_out_text "since/until: at since in, at until out, in the report's zone" "count
3"
expect_grep "since/until: --stats counts what was left out" "^pm-report: read 6, passed 6, rejected 0, skipped 0, flagged 0, wrote 0; groups 1, 3 left out" "$ERR"
run $R --since=2024-07-10 --until=2024-08-01 --tz=UTC "$T/edge.csv"
expect_out_text "since/until: --tz=UTC moves the bounds" "count
2"
run $R -m 'count(sla_status in (late, overdue))' -m 'count(sla_status = late or sla_status = overdue)' -m 'rate(satisfaction = satisfied)' -t yaml "$A"
expect_grep "conditions inside metrics: in, or, blanks" '^--- \{"count\(sla_status in \(late, overdue\)\)": "([0-9]+)", count\(sla_status=late or sla_status=overdue\): "\1"' "$OUT"
printf 'v,w\n1.50,x\n1.5,y\n10,x\n2,\n-3,x\n' > "$T/cmp.csv"
run $R -m 'count(v=1.5)' -m 'count(v>2)' -m 'count(v<=-3)' -m 'count(w=)' -m 'count(w!=x)' -m "count(v ~ '^1')" "$T/cmp.csv"
expect_out_text "conditions: exact decimals (1.50 = 1.5, 10 > 2), empty, regex" "count(v=1.5),count(v>2),count(v<=-3),count(w=),count(w!=x),count(v ~ /^1/)
2,1,1,1,2,3"
run $R --where='w ~ /(a+)+$/' "$T/cmp.csv"
expect_status "conditions: a bad regex is fine when it compiles" 0
run $R --where='w ~ /(/' "$T/cmp.csv"
expect_status "conditions: a regex that does not compile is a usage error" 2

# --- issue 15: an empty --time-field value is an empty period, not an error ----
run $R --period=month --time-field=resolved_at --stats "$A"
expect_status "empty time: exit 0" 0
n_empty=$(awk -F, 'NR > 1 && $7 == ""' "$A" | wc -l)
expect_grep "empty time: the empty period, last, with the records that have none" "^,$n_empty\$" "$OUT"
expect_eq "empty time: one warning, not one per record" 1 "$(grep -c 'resolved_at is empty' "$ERR")"
expect_grep "empty time: --stats counts them" "^pm-report: read 60, passed 60, .*; groups [0-9]+, $n_empty without resolved_at" "$ERR"
expect_eq "empty time: every record counted" 60 "$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$OUT")"

# --- issue 15: durations and distributions ---------------------------------------
# A - B: 1.5 h, (none: resolved_at empty), 24 h, 1 min; v: 1.5 2 10 3.25.
printf 'id,created_at,resolved_at,v\n1,2024-07-01 09:00,2024-07-01 10:30,1.5\n2,2024-07-01 09:00,,2\n3,2024-07-02 09:00,2024-07-03 09:00,10\n4,2024-07-02 09:00,2024-07-02 09:01,3.25\n' > "$T/dur.csv"
run $R -m 'median(resolved_at - created_at)' -m 'p90(resolved_at-created_at)' -m 'mean(resolved_at - created_at)' \
    -m 'min(resolved_at - created_at)' -m 'max(resolved_at - created_at)' --stats "$T/dur.csv"
expect_status "durations: exit 0" 0
# sorted seconds 60 5400 86400: median rank ceil(1.5) = 2; p90 rank ceil(2.7) = 3;
# mean 91860 s / 3 = 8.5055 h -> 8.51; min 60 s = 0.0166 h -> 0.02
expect_out_text "durations: hours with 2 decimals, nearest rank" "median(resolved_at - created_at),p90(resolved_at - created_at),mean(resolved_at - created_at),min(resolved_at - created_at),max(resolved_at - created_at)
1.50,24.00,8.51,0.02,24.00"
expect_grep "durations: records with an empty side are skipped and counted" "median\(resolved_at - created_at\): 1 records skipped" "$ERR"
run $R -m 'median(resolved_at - created_at)' -m 'mean(resolved_at - created_at)' --unit=m "$T/dur.csv"
expect_out_text "durations: --unit=m" "median(resolved_at - created_at),mean(resolved_at - created_at)
90.00,510.33"
run $R -m 'median(resolved_at - created_at)' -m 'p90(resolved_at - created_at)' --unit=d "$T/dur.csv"
expect_out_text "durations: --unit=d" "median(resolved_at - created_at),p90(resolved_at - created_at)
0.06,1.00"
run $R -m 'median(v)' -m 'p25(v)' -m 'p75(v)' -m 'p76(v)' -m 'p0(v)' -m 'p100(v)' -m 'p99.9(v)' "$T/dur.csv"
# sorted 1.5 2 3.25 10: ranks 2, 1, 3, ceil(3.04) = 4, 1, 4, 4
expect_out_text "percentiles: nearest rank on decimals, written as in the input" "median(v),p25(v),p75(v),p76(v),p0(v),p100(v),p99.9(v)
2,1.5,3.25,10,1.5,10,10"
run $R -m 'median(v)' "$T/header.csv"
expect_out_text "percentiles: no values, no figure" "median(v)
"
printf 'a,b\n2024-07-01 10:00,x\n' > "$T/badtime.csv"
run $R -m 'mean(a - b)' "$T/badtime.csv"
expect_status "durations: an unreadable timestamp is an error" 2
expect_grep "durations: named with its line" "badtime.csv:2: mean\(a - b\): cannot read 'x' as a time" "$ERR"
merge_check "issue 15 metrics: percentiles, durations, conditions, quarters" --by=category --period=quarter \
    -m 'median(amount)' -m 'p90(amount)' -m 'p0(amount)' -m 'p100(amount)' -m 'p99.9(amount)' \
    -m 'median(callback_at - created_at)' -m 'p75(callback_at - created_at)' -m 'mean(callback_at - created_at)' \
    -m 'min(callback_at-created_at)' -m 'max(callback_at-created_at)' -m 'sum(callback_at - created_at)' \
    -m 'count(sla_status in (late, overdue))' -m 'rate(satisfaction = satisfied)' --where='kind != consultation'
merge_check "issue 15 metrics: derived keys, no period" --by='weekday(created_at),part(party, S, -1)' -m 'median(amount)' -m 'p50(amount)'
$R -m 'median(amount)' --partial "$T/big.csv" > "$T/med.partial"
sed '2s/;[^;,]*,/,/' "$T/med.partial" > "$T/med-bad.partial"
run $R -m 'median(amount)' --merge "$T/med-bad.partial"
expect_status "merge: a percentile partial with fewer values than its count is exit 2" 2
expect_grep "merge: impossible partial said" "impossible partial" "$ERR"

# --- issue 15: periods and keys ---------------------------------------------------
run $R --period=quarter "$D/times.csv"
expect_out_text "period quarter: in the zone (b is 2024-08-01 in Shanghai)" "period,count
2020-Q4,1
2021-Q1,2
2024-Q3,2
2024-Q4,2"
run $R --period=quarter --tz=UTC "$D/times.csv"
expect_grep "period quarter --tz=UTC: g (2020-12-31 15:59Z) is still 2020-Q4" "^2020-Q4,1$" "$OUT"
run $R --period=year "$D/times.csv"
expect_out_text "period year" "period,count
2020,1
2021,2
2024,4"
# 2024-07-01 is a Monday; 2024-07-07 a Sunday; 16:30Z on the 7th is 00:30 on the 8th (Monday) in Shanghai
printf 'id,created_at,unit\na,2024-07-01T09:15:00+08:00,10-1-101\nb,2024-07-07T23:59:00+08:00,2-2-202\nc,2024-07-07T16:30:00Z,2-1-1502\nd,,10-2\ne,2024-07-03T09:00:00+08:00,x\n' > "$T/keys.csv"
run $R --by='weekday(created_at)' "$T/keys.csv"
expect_out_text "weekday(F): ISO day number and name, in the zone; empty last" "weekday(created_at),count
,1
1 Mon,2
3 Wed,1
7 Sun,1"
run $R --by='hour(created_at)' "$T/keys.csv"
expect_out_text "hour(F): local hour" "hour(created_at),count
,1
00,1
09,2
23,1"
run $R --by='part(unit, -, 1),part(unit,-,-1)' "$T/keys.csv"
expect_out_text "part(F, SEP, N): the building; -1 the last part; keys sort naturally (2 before 10)" '"part(unit, -, 1)","part(unit, -, -1)",count
2,202,1
2,1502,1
10,2,1
10,101,1
x,x,1'
printf 'k,v\n10,a\n2,b\n1,c\n11,d\nA2,e\nA10,f\n02,g\n' > "$T/nat.csv"
run $R --by=k "$T/nat.csv"
expect_out_text "keys sort naturally: numbers inside keys by value" "k,count
1,1
2,1
02,1
10,1
11,1
A2,1
A10,1"
run $R --by='weekday(unit)' "$T/keys.csv"
expect_status "derived key of a field that is not a time: exit 2" 2
run $R --by='month(created_at)' "$T/keys.csv"
expect_status "unknown derived key: usage error" 2

# --- issue 13/14: the sla preset adds up -------------------------------------------
printf 'id,category,sla_status\n1,noise,met\n2,noise,paused\n3,noise,invalid\n4,noise,\n5,noise,late\n6,noise,overdue\n7,noise,open\n8,noise,at_risk\n' > "$T/allst.csv"
run $R sla "$T/allst.csv"
expect_out_text "sla: paused, invalid and no_clock columns: a row adds up to tickets" "category,tickets,met,late,overdue,open,at_risk,paused,invalid,no_clock,compliance,compliance_n,compliance_d
noise,8,1,1,1,1,1,1,1,1,0.3333,1,3"
awk -F, 'NR > 1 { s = 0; for (i = 3; i <= 10; i++) s += $i; if (s != $2) bad = 1 } END { exit bad }' "$OUT"
expect_eq "sla: met+late+overdue+open+at_risk+paused+invalid+no_clock = tickets" 0 $?

# --- issue 15: presentation -------------------------------------------------------
run $R --by=category -m count -m 'sum(amount)' -m 'rate(satisfaction=satisfied)' --totals "$A"
expect_status "totals: exit 0" 0
tot=$(tail -1 "$OUT")
expect_eq "totals: the last row is the total" "total" "${tot%%,*}"
expect_eq "totals: count summed" 60 "$(echo "$tot" | cut -d, -f2)"
expect_eq "totals: sum summed exactly" "$(awk -F, 'NR > 1 && $1 != "total" { s += $3 * 100 } END { printf "%.2f", s / 100 }' "$OUT")" "$(echo "$tot" | cut -d, -f3)"
n_sat=$(awk -F, 'NR > 1 && $9 == "satisfied"' "$A" | wc -l); n_srv=$(awk -F, 'NR > 1 && $9 != ""' "$A" | wc -l)
expect_eq "totals: the rate's numerator and denominator summed" "$n_sat,$n_srv" "$(echo "$tot" | cut -d, -f5,6)"
expect_eq "totals: the rate recomputed from them, not averaged" \
    "$(awk -v n=$n_sat -v d=$n_srv 'BEGIN { printf "%.4f", int(n * 10000 / d + 0.5) / 10000 }')" "$(echo "$tot" | cut -d, -f4)"
run $R --by=category -m 'rate(satisfaction=satisfied)' -t yaml "$A"
expect_grep "rates: _n and _d in YAML" 'rate\(satisfaction=satisfied\)_n: "[0-9]+", rate\(satisfaction=satisfied\)_d: "[0-9]+"' "$OUT"
run $R --by=category -m 'rate(satisfaction=satisfied)' -t md "$A"
expect_no_grep "rates: no _n/_d in Markdown" "_n" "$OUT"
run $R --by=category -m count -m 'sum(amount)' --sort=count:desc --top=3 "$A"
expect_eq "sort/top: three rows, largest count first" "$(tail -n +2 "$OUT" | cut -d, -f2 | tr '\n' ' ')" \
    "$(awk -F, 'NR > 1 { c[$3]++ } END { for (k in c) print c[k] }' "$A" | sort -rn | head -3 | tr '\n' ' ')"
run $R --by=category -m count -m 'sum(amount)' --sort='sum(amount)' "$A"
expect_eq "sort: ascending by a sum (exact decimals)" "$(tail -n +2 "$OUT" | cut -d, -f3 | sort -n | tr '\n' ' ')" "$(tail -n +2 "$OUT" | cut -d, -f3 | tr '\n' ' ')"
run $R --by=category --sort=nothing "$A"
expect_status "sort: an unknown figure is a usage error" 2
run $R --by=category --period=month -m count --pivot=period -t md "$A"
expect_grep "pivot: periods as columns" '^\| category +\| 2024-07 \| 2024-08 \|$' "$OUT"
expect_eq "pivot: a row per category" 8 "$(wc -l < "$OUT")"
run $R --by=category --period=month -m count --pivot=period -t html "$A"
expect_grep "pivot: html too" '<th>2024-08</th>' "$OUT"
run $R --by=category --period=month -m count --pivot=period "$A"
expect_status "pivot: not for CSV" 2
printf 'g,v\na,6112\na,42.5\nb,1.25\nb,2.5\nc,3\n' > "$T/money.csv"
run $R --by=g -m 'sum(v)' "$T/money.csv"
expect_out_text "money: a sum of values with 1-2 places has 2 (6154.50)" "g,sum(v)
a,6154.50
b,3.75
c,3"
if command -v unzip >/dev/null 2>&1; then
    run $R --by=g -m 'sum(v)' -t xlsx -o "$T/money.xlsx" "$T/money.csv"
    unzip -p "$T/money.xlsx" xl/styles.xml > "$T/mstyles.xml"
    expect_grep "money: XLSX number format with 2 decimals" 'formatCode="0.00"' "$T/mstyles.xml"
    unzip -p "$T/money.xlsx" xl/worksheets/sheet1.xml > "$T/msheet.xml"
    s_a=$(grep -oE '<c r="B2" s="[0-9]+"' "$T/msheet.xml" | grep -oE 's="[0-9]+"'); s_c=$(grep -oE '<c r="B4" s="[0-9]+"' "$T/msheet.xml" | grep -oE 's="[0-9]+"')
    [ -n "$s_a" ] && [ "$s_a" != "$s_c" ]
    expect_eq "money: 6154.50 and 3 have different formats" 0 $?
else
    echo "SKIP $SCRIPT: unzip is not installed: XLSX formats not checked" >&2
fi

# --- issue 15: safety ----------------------------------------------------------------
printf 'k\na|b\n<script>x</script>\n[x](http://e)\n*b* `c` a&b\n' > "$T/hostile.csv"
run $R --by=k -t md "$T/hostile.csv"
expect_grep "md: | escaped" '^\| a\\\|b +\| +1 \|$' "$OUT"
expect_grep "md: HTML-significant characters as entities" '^\| &lt;script&gt;x&lt;/script&gt; \|' "$OUT"
expect_grep "md: link syntax escaped" '^\| \\\[x\\\]\(http://e\) ' "$OUT"
expect_grep "md: emphasis and code escaped, & as &amp;" '^\| \\\*b\\\* \\`c\\` a&amp;b ' "$OUT"
expect_eq "md: every row has its 2 cells" 0 "$(awk -F' [|] ' 'NF != 2' "$OUT" | wc -l)"
if [ -w /dev/full ]; then
    run sh -c "$PM_BIN/pm-report -t xlsx --by=category '$A' > /dev/full"
    expect_status "xlsx to a full disk (standard output): exit 2" 2
    expect_grep "xlsx to a full disk: said" "No space left on device" "$ERR"
    run $R -t csv --by=category -o /dev/full "$A"
    expect_status "csv to a full disk: exit 2" 2
fi
run $R -t xlsx --by=category -o "$T/nodir/r.xlsx" "$A"
expect_status "xlsx into a folder that does not exist: exit 2" 2
expect_eq "xlsx that failed: nothing at the path" "" "$(ls "$T/nodir" 2>/dev/null)"
if command -v unzip >/dev/null 2>&1; then
    awk 'BEGIN { print "k"; for (i = 1; i <= 25; i++) print "key" i }' > "$T/rows.csv"
    PM_REPORT_SHEET_ROWS=10 $R -t xlsx --by=k -o "$T/rows.xlsx" "$T/rows.csv" 2>"$ERR"
    expect_eq "xlsx: more rows than a sheet holds: exit 0" 0 $?
    unzip -p "$T/rows.xlsx" xl/workbook.xml > "$T/wb.xml"
    expect_grep "xlsx: the rows go on to a second and third sheet" 'name="report \(3\)"' "$T/wb.xml"
    n_rows=0
    for i in 1 2 3; do
        c=$(unzip -p "$T/rows.xlsx" xl/worksheets/sheet$i.xml | grep -o '<row ' | wc -l)
        n_rows=$((n_rows + c - 1))
    done
    expect_eq "xlsx: every row on some sheet, each sheet with its header" 25 "$n_rows"
    awk 'BEGIN { printf "k\n"; for (i = 0; i < 40000; i++) printf "x"; printf "\n" }' > "$T/long.csv"
    run $R -t xlsx --by=k -o "$T/long.xlsx" "$T/long.csv"
    expect_status "xlsx: a cell over 32,767 characters: exit 0" 0
    expect_grep "xlsx: a warning says a cell was cut" "1 cell longer than a spreadsheet cell holds" "$ERR"
    unzip -p "$T/long.xlsx" xl/sharedStrings.xml > "$T/ss.xml"
    expect_grep "xlsx: the cut cell ends in the marker" 'x{32761}…\[cut\]<' "$T/ss.xml"
fi
# merge: counters that would overflow, numerators above denominators
$R -m 'rate(kind=complaint)' --partial "$A" > "$T/r.partial"
awk -F, -v OFS=, 'NR == 2 { $2 = $3 + 5 } { print }' "$T/r.partial" > "$T/r-bad.partial"
run $R -m 'rate(kind=complaint)' --merge "$T/r-bad.partial"
expect_status "merge: a numerator above its denominator is exit 2" 2
expect_grep "merge: an impossible partial is said" "rate\(kind=complaint\): impossible partial: numerator 65 above denominator 60" "$ERR"
# the merge's checker (the ledger) judges every kind: a maximum without records, records without one
$R -m 'max(amount)' --partial "$A" > "$T/x.partial"
awk -F, -v OFS=, 'NR == 2 { $5 = "" } { print }' "$T/x.partial" > "$T/x-bad.partial"
run $R -m 'max(amount)' --merge "$T/x-bad.partial"
expect_status "merge: a count without its maximum is exit 2" 2
expect_grep "merge: the missing maximum is said" "max\(amount\): impossible partial: no maximum for a count of [1-9]" "$ERR"
expect_no_grep "merge: the refused row is not in the report" "[0-9]" "$OUT"
awk -F, -v OFS=, 'NR == 2 { $2 = 0 } { print }' "$T/x.partial" > "$T/x-bad.partial"
run $R -m 'max(amount)' --merge "$T/x-bad.partial"
expect_grep "merge: a maximum of no records is said" "max\(amount\): impossible partial: a maximum for a count of 0" "$ERR"
$R -m count --partial "$A" > "$T/c.partial"
awk -F, -v OFS=, 'NR == 2 { $2 = "9223372036854775800" } { print }' "$T/c.partial" > "$T/c-big.partial"
run $R -m count --merge "$T/c-big.partial" "$T/c-big.partial"
expect_status "merge: counts that overflow are exit 2, not wrapped" 2
expect_grep "merge: the overflow is said" "count: the merged counts overflow 64 bits" "$ERR"
expect_no_grep "merge: no wrapped negative count" "^-" "$OUT"
# crafted keys: a seeded hash keeps many groups linear (131,072 keys in well under the old 30 s)
awk 'BEGIN { print "k"; for (i = 0; i < 131072; i++) printf "k%07d\n", i * 7919 }' > "$T/many.csv"
start=$(date +%s)
run $R --by=k "$T/many.csv"
end=$(date +%s)
expect_eq "many groups: all there" 131073 "$(wc -l < "$OUT")"
[ $((end - start)) -lt 10 ]
expect_eq "many groups: in seconds" 0 $?

# --- issue 15: Chinese all through ----------------------------------------------------
run $R sla --lang=zh -t md "$D/tickets.csv"
expect_grep "zh md: categories with their Chinese labels" '^\| 噪音 +\| +3 \|' "$OUT"
expect_no_grep "zh md: no English category key left" 'noise|door_window|general_inquiry' "$OUT"
run $R sla --lang=zh -t html "$D/tickets.csv"
expect_grep "zh html: the table's cell" '<td>一般咨询</td>' "$OUT"
expect_grep "zh html: the chart's bars" '>收费咨询</text>' "$OUT"
expect_no_grep "zh html: no English key" 'fee_inquiry' "$OUT"
run $R sla --lang=zh "$D/tickets.csv"
expect_grep "zh csv: keys kept (data for programs)" '^noise,3,' "$OUT"
run $R sla --lang=zh --labels "$D/tickets.csv"
expect_grep "zh csv --labels: labels" '^噪音,3,' "$OUT"
run $R sla --lang=zh --labels -t yaml "$D/tickets.csv"
expect_grep "zh yaml --labels: labels" '^--- \{类别: 噪音, ' "$OUT"
run $R --lang=zh --labels --by=kind,satisfaction,major,sla_status "$A"
expect_grep "zh: kind, satisfaction, major and statuses labelled" '^投诉,满意,否,按时完成,' "$OUT"
run $R --lang=zh --labels --by='weekday(created_at)' "$T/keys.csv"
expect_grep "zh: weekdays" '^周一,2$' "$OUT"
run $R --labels --by=kind "$A"
expect_status "--labels without --lang=zh: usage error" 2
if command -v unzip >/dev/null 2>&1; then
    $R sla --lang=zh -t xlsx -o "$T/zh.xlsx" "$D/tickets.csv"
    unzip -p "$T/zh.xlsx" xl/sharedStrings.xml > "$T/zhss.xml"
    expect_grep "zh xlsx: labels" '<t>公共维修</t>' "$T/zhss.xml"
    expect_no_grep "zh xlsx: no English key" 'public_repair' "$T/zhss.xml"
fi

$R -m count --where=kind=complaint --partial "$A" > "$T/w1.partial"
run $R -m count --where=kind=repair --merge "$T/w1.partial"
expect_status "merge: partials made with another --where are not merged" 2
expect_grep "merge: said" "partial made with other options" "$ERR"
$R -m 'mean(resolved_at - created_at)' --unit=m --partial "$A" > "$T/u1.partial"
run $R -m 'mean(resolved_at - created_at)' --merge "$T/u1.partial"
expect_status "merge: partials made with another --unit are not merged" 2

# --- issue 12: the shared pipeline's bad-record rule ------------------------------
# A record the reader cannot read is rejected (named at FILE:LINE, written to
# --reject with its raw text), counted, and the run exits 1: the report of the
# other records is written.
printf 'id,kind\n1,repair\n2,"complaint" ,x\n3,repair\n4,"noise\n' > "$T/bad.csv"
run $R --by=kind --stats --reject="$T/bad.rej" "$T/bad.csv"
expect_status "bad record: exit 1 (a record needs a person), not 2" 1
expect_grep "bad record: the good rows are counted" '^repair,2$' "$OUT"
expect_grep "bad record: named at its line" "^pm-report: .*bad\.csv:3: rejected: " "$ERR"
expect_grep "bad record: in the reject file with its source and raw text" 'bad\.csv:3,.*,"2,""complaint"" ,x"$' "$T/bad.rej"
expect_grep "bad record: --stats reconciles" "^pm-report: read 4, passed 2, rejected 2, skipped 0, flagged 0, wrote 0; groups 1$" "$ERR"
run $R --by=kind "$T/bad.csv"
expect_status "bad record without --reject: exit 1 too" 1
expect_grep "bad record without --reject: reported on standard error" "bad\.csv:3: rejected: " "$ERR"
cp "$T/bad.csv" "$T/bad2.csv"
run $R --by=kind --reject="$T/bad2.csv" "$T/bad2.csv"
expect_status "--reject naming the input: refused" 2
expect_eq "--reject naming the input: the input is kept" "$(cat "$T/bad.csv")" "$(cat "$T/bad2.csv")"
run $R --by=kind -o "$T/bad2.csv" "$T/bad2.csv"
expect_status "-o naming the input: refused" 2
expect_eq "-o naming the input: the input is kept" "$(cat "$T/bad.csv")" "$(cat "$T/bad2.csv")"

# --- issue 20: one output layer (lib/atomic.h), as in every program --------------
# -o a symbolic link: written through it, the link stays, the target keeps its mode
printf 'old\n' > "$T/target.csv"
chmod 600 "$T/target.csv"
ln -s target.csv "$T/olink.csv"
run $R --by=kind -o "$T/olink.csv" "$A"
expect_status "-o a symlink: exit 0" 0
if [ -L "$T/olink.csv" ]; then pass; else fail "-o a symlink: the link is replaced by a file"; fi
expect_grep "-o a symlink: the target has the report" '^kind,count$' "$T/target.csv"
expect_eq "-o a symlink: the target keeps its mode" 600 "$(stat -c %a "$T/target.csv")"
printf 'old\n' > "$T/target.xlsx"
chmod 640 "$T/target.xlsx"
ln -s target.xlsx "$T/xlink.xlsx"
run $R --by=kind -t xlsx -o "$T/xlink.xlsx" "$A"
expect_status "-o a symlink, xlsx: exit 0" 0
if [ -L "$T/xlink.xlsx" ]; then pass; else fail "-o a symlink, xlsx: the link is replaced by a file"; fi
expect_eq "-o a symlink, xlsx: the target is the workbook" "PK" "$(head -c 2 "$T/target.xlsx")"
expect_eq "-o a symlink, xlsx: the target keeps its mode" 640 "$(stat -c %a "$T/target.xlsx")"
# a failed run leaves the old file as it was, and no temporary file
cp "$T/target.csv" "$T/target.before"
run $R --by=no_such_field -o "$T/olink.csv" "$A"
expect_status "-o, a failed run: exit 2" 2
expect_eq "-o, a failed run: the old file is kept" "$(cat "$T/target.before")" "$(cat "$T/target.csv")"
expect_eq "-o, a failed run: no temporary file" "" "$(ls -A "$T" | grep '^\.target\.csv\.' || true)"
# SIGTERM while reading: the output's temporary file (.out.csv.XXXXXX) is
# removed and the signal ends the run.  The input is a FIFO kept open after
# 3,000 tickets (more than the reader takes to detect the format).
"$ROOT/tools/gen-tickets.sh" -n 3000 >"$T/sig.csv"
mkdir "$T/sig"
mkfifo "$T/sig/fifo"
( cat "$T/sig.csv"; exec sleep 20 ) >"$T/sig/fifo" &
feeder=$!
$R --by=kind -o "$T/sig/out.csv" "$T/sig/fifo" 2>"$T/sig.err" &
pid=$!
for _ in $(seq 100); do
    ls -A "$T/sig" | grep -q '^\.out\.csv\.' && break
    sleep 0.1
done
expect_eq "SIGTERM: the temporary file exists before the signal" yes \
    "$(ls -A "$T/sig" | grep -q '^\.out\.csv\.' && echo yes || echo no)"
kill -TERM "$pid"
wait "$pid" 2>/dev/null
RC=$?
kill "$feeder" 2>/dev/null
wait "$feeder" 2>/dev/null
expect_status "SIGTERM ends pm-report as the signal does" $((128 + 15))
expect_eq "SIGTERM: no temporary file remains, no output is created" "fifo" "$(ls -A "$T/sig" | tr '\n' ' ' | sed 's/ $//')"

run $R sla "$T/no-such-file.csv"
expect_status "unreadable input: exit 2" 2
expect_grep "unreadable input: named" "no-such-file.csv" "$ERR"

# --- a targets file's errors are all reported in one run (issue 20) ---
cat >"$T/ttypos.yaml" <<'EOF'
targets:
  - {figure: compliance, comparision: ">=", value: 0.9}
  - {figure: overdue, comparison: "<=", value: lots}
  - {figure: compliance, valeu: 0.8}
EOF
run $R sla --targets="$T/ttypos.yaml" "$D/tickets.csv"
expect_status "targets typos: exit 2" 2
expect_eq "targets typos: no output" "" "$(cat "$OUT")"
expect_eq "targets typos: one message per error" 4 "$(wc -l <"$ERR")"
expect_grep "targets typos: a key, known keys, did you mean" \
    "^pm-report: .*ttypos\.yaml:2: unknown key 'comparision' in a target \(known: figure, comparison, value\); did you mean 'comparison'\?$" "$ERR"
expect_grep "targets typos: a bad value in the next target" "^pm-report: .*ttypos\.yaml:3: target value 'lots' is not a number" "$ERR"
expect_grep "targets typos: a key of a later target" \
    "^pm-report: .*ttypos\.yaml:4: unknown key 'valeu' in a target \(known: figure, comparison, value\); did you mean 'value'\?$" "$ERR"
expect_grep "targets typos: and the value it lacks" "^pm-report: .*ttypos\.yaml:4: a target needs 'value': a number \(0\.9 or 90%\)$" "$ERR"

# --- usage errors found while setting up: exit 2, the message, and nothing
# written (the old output stays); under make asan, nothing leaks ---
setup_error() {
    local name=$1 msg=$2
    shift 2
    printf 'old\n' >"$T/keep.csv"
    run $R -o "$T/keep.csv" "$@"
    expect_status "$name: exit 2" 2
    expect_grep "$name: the message" "^pm-report: $msg" "$ERR"
    expect_eq "$name: the old output stays" "old" "$(cat "$T/keep.csv")"
}
setup_error "a preset twice" "preset sla given twice$" sla sla "$D/tickets.csv"
setup_error "--sort of no figure, before reading" "--sort: no figure 'nosuch' in this report$" \
    --by=category --sort=nosuch:desc "$T/no-such-file.csv"
expect_no_grep "--sort of no figure: no input was opened" "cannot open" "$ERR"
setup_error "--by: a bad part()" "--by: 'part\(unit, -, x\)': part\(F, SEP, N\) takes" --by='category,part(unit, -, x)' "$A"
setup_error "--by: not a field" "--by: 'a=b' is not a field name$" --by='category,a=b' "$A"
setup_error "-m twice" "-m: sum\(amount\) is given twice$" -m 'sum(amount)' -m 'sum( amount )' "$A"
setup_error "-m with the service preset" "the service preset has its fixed figures" service -m count "$A"
setup_error "--where that does not parse" "--where: " --where='(kind = x' "$A"
setup_error "--period unknown" "--period: 'fortnight' is not day, week, month, quarter or year$" --period=fortnight "$A"
setup_error "--unit unknown" "--unit: 's' is not m, h or d$" --unit=s "$A"
setup_error "--to unknown" "--to: 'pdf' is not one of csv, yaml, md, html, xlsx$" --to=pdf "$A"
setup_error "--lang unknown" "--lang: 'fr' is not en or zh$" --lang=fr "$A"
setup_error "--top not a number" "--top: '0' is not a positive number$" -m count --by=category --top=0 "$A"
setup_error "two presets in CSV" "several presets make several tables" sla fees "$A"
setup_error "a missing targets file" ".*no-such-targets\.yaml: " sla --targets="$T/no-such-targets.yaml" "$A"
setup_error "--protect with no key file" "--protect=pseudonymize needs --key-file" \
    --protect=pseudonymize --personal=category:name "$A"

finish
