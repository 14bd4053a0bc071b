#!/bin/bash
# examples/nightly.sh, the cron job, over three nights of realistic exports
# (issue 13): the ticket ledger keeps a multi-day deadline checked until it
# is overdue; a quiet night prints nothing; breaches are printed as a list;
# everything kept or printed is masked; cron's bare environment is enough.
. "$(dirname "$0")/lib.sh"
NIGHTLY=$ROOT/examples/nightly.sh
IN=$T/exports
OUT_DIR=$T/sla
mkdir -p "$IN"

# An export as the call-centre system writes it: Excel "CSV UTF-8" (BOM,
# CRLF), a title line, Chinese headers, owner name and phone columns,
# Excel's trailing empty rows and a 合计 row.
export_csv() {  # export_csv FILE ROW...
    f=$1
    shift
    {
        printf '\357\273\277幸福里物业 报事工单导出,,,,,,,,,,,\r\n'
        printf '工单编号,工单类型,报事类型,房号,业主姓名,联系电话,受理时间,响应时间,到场时间,处理完成时间,回访结果,报事内容\r\n'
        for row in "$@"; do printf '%s\r\n' "$row"; done
        printf ',,,,,,,,,,,\r\n,,,,,,,,,,,\r\n合计,%s,,,,,,,,,,\r\n' "$#"
    } >"$f"
}
nightly() {  # nightly DAY NOW: the job for DAY's export, run at NOW, as cron runs it
    run env -i PATH=/usr/bin:/bin HOME="$T" PM_BIN="$PM_BIN" PM_DATADIR="$PM_DATADIR" \
        PM_IN="$IN" PM_OUT="$OUT_DIR" PM_DAY="$1" PM_NOW="$2" /bin/sh "$NIGHTLY"
}

# Night 1, Monday 2026-11-30: a lift repair (public_repair: 3 working days,
# due 2026-12-04T00:00) comes in and stays open; a fee question is answered
# at once.
export_csv "$IN/tickets-2026-11-30.csv" \
    'GD1130001,报修,电梯异响,3栋2单元1501,张三,13812345678,2026/11/30 10:00,2026/11/30 10:05,2026/11/30 10:40,,,三号楼电梯运行时异响' \
    'GD1130002,咨询,物业费咨询,5栋1单元101,李四,13900001111,2026/11/30 11:00,2026/11/30 11:10,,2026/11/30 11:10,满意,问物业费标准'
nightly 2026-11-30 2026-12-01T01:30:00+08:00
expect_status "night 1: nothing late: status 0" 0
expect_grep "night 1 (the first): the column mapping is shown once" 'columns: 工单编号 -> id' "$OUT"
expect_grep "night 1: the lift repair is in the ledger" '^GD1130001,' "$OUT_DIR/2026-11-30/ledger.csv"
expect_no_grep "night 1: the answered question, checked once, leaves the ledger" '^GD1130002,' "$OUT_DIR/2026-11-30/ledger.csv"
expect_grep "night 1: the lift repair is open" '^GD1130001,.*,open,open,' "$OUT_DIR/2026-11-30/sla.csv"

# Night 2, Wednesday 2026-12-02: the export holds only the day's tickets; the
# lift repair is not in it but is checked from the ledger: still open.
export_csv "$IN/tickets-2026-12-02.csv" \
    'GD1202001,咨询,小区一般咨询,1栋1单元101,王五,13700002222,2026/12/2 9:00,2026/12/2 9:10,,2026/12/2 9:10,满意,问快递柜位置'
nightly 2026-12-02 2026-12-03T01:30:00+08:00
expect_status "night 2 (quiet): status 0" 0
expect_eq "night 2 (quiet): prints nothing, so cron mails nothing" "" "$(cat "$OUT" "$ERR")"
expect_grep "night 2: the lift repair, carried by the ledger, is checked again" '^GD1130001,.*,open,open,' \
    "$OUT_DIR/2026-12-02/sla.csv"
expect_eq "night 2: the ledger keeps one row per ticket" 1 "$(grep -c '^GD1130001,' "$OUT_DIR/2026-12-02/ledger.csv")"

# Night 3, Friday 2026-12-04, a GB18030 export: the lift repair is overdue
# since 2026-12-04T00:00 and printed in the list; a new pet complaint is an
# unknown category, rejected and listed without the owner's phone.
export_csv "$T/night3.csv" \
    'GD1204001,投诉,楼上装修噪音,3栋2单元1601,赵六,13600003333,2026/12/4 20:00,2026/12/4 20:01,2026/12/4 20:10,2026/12/4 21:00,,装修' \
    'GD1204002,投诉,宠物扰民,1栋1单元102,钱七,13500004444,2026/12/4 21:00,,,,,狗叫'
tail -c +4 "$T/night3.csv" | iconv -f UTF-8 -t GB18030 >"$IN/tickets-2026-12-04.csv"
nightly 2026-12-04 2026-12-05T01:30:00+08:00
expect_status "night 3: overdue and rejected: status 1" 1
expect_grep "night 3: the overdue lift repair is printed: id, category, clock, due, status, how late" \
    '^ +GD1130001 +public_repair +resolve +2026-12-04T00:00:00\+08:00 +overdue +1d 1h 30m$' "$OUT"
expect_grep "night 3: the breach list comes before the counts" '^nightly: 2026-12-04: late or overdue at' "$OUT"
expect_eq "night 3: the list, then the counts" 1 \
    "$(awk '/late or overdue at/ { a = NR } /tickets checked at/ { b = NR } END { print (a && b > a) }' "$OUT")"
expect_grep "night 3: the counts" '^nightly: 2026-12-04: 2 tickets checked at 2026-12-05T01:30:00\+08:00; 1 late or overdue; 1 rows rejected$' "$OUT"
expect_grep "night 3: the rejected row is listed" "tickets-2026-12-04\.csv:4: rejected: category: '宠物扰民'" "$OUT"
expect_grep "night 3: the overdue repair stays in the ledger" '^GD1130001,' "$OUT_DIR/2026-12-04/ledger.csv"
expect_no_grep "night 3: the noise complaint, arrived in time, leaves" '^GD1204001,' "$OUT_DIR/2026-12-04/ledger.csv"
expect_eq "night 3: nothing on standard error" "" "$(cat "$ERR")"
# everything kept or mailed is masked
for f in "$OUT" "$OUT_DIR"/*/*.csv "$OUT_DIR"/*/*.log; do
    expect_no_grep "masked: no phone in $(basename "$(dirname "$f")")/$(basename "$f")" \
        '13812345678|13900001111|13700002222|13600003333|13500004444' "$f"
    expect_no_grep "masked: no owner or description in $(basename "$(dirname "$f")")/$(basename "$f")" \
        '张三|李四|王五|赵六|钱七|电梯运行时异响|狗叫' "$f"
done
expect_grep "masked: the rejected row keeps a masked phone" '135\*\*\*\*4444' "$OUT_DIR/2026-12-04/rejected.csv"

# A re-run of night 2 gives night 2's answer (it starts from night 1's ledger).
nightly 2026-12-02 2026-12-03T01:30:00+08:00
expect_status "night 2 re-run: status 0" 0
expect_eq "night 2 re-run: still quiet" "" "$(cat "$OUT")"

# Runs that fail are status 2 and say why.
: >"$IN/tickets-2026-12-05.csv"
nightly 2026-12-05 2026-12-06T01:30:00+08:00
expect_status "an empty export: status 2" 2
expect_grep "an empty export: says so" 'no data at all; was the export empty\?' "$OUT"
nightly 2026-12-06 2026-12-07T01:30:00+08:00
expect_status "no export: status 2" 2
expect_grep "no export: says so" '^nightly: no export for 2026-12-06' "$OUT"
run env -i PATH=/usr/bin:/bin PM_BIN="$PM_BIN" PM_DATADIR="$PM_DATADIR" PM_IN="$IN" PM_OUT=/dev/null/sla \
    PM_DAY=2026-11-30 PM_NOW=2026-12-01T01:30:00+08:00 /bin/sh "$NIGHTLY"
expect_status "an unwritable output folder: status 2" 2
expect_grep "an unwritable output folder: says so" '^nightly: cannot write to /dev/null/sla' "$OUT"
printf 'ticket,when\nA1,2026/12/7 9:00\n' >"$IN/tickets-2026-12-07.csv"
nightly 2026-12-07 2026-12-08T01:30:00+08:00
expect_status "an export with other columns: status 2" 2
expect_grep "an export with other columns: the missing field is named" "no column for the required field 'id'" "$OUT"
# without PM_BIN, under cron's PATH, from another folder: the programs beside
# the script (../bin) are found
run env -i PATH=/usr/bin:/bin PM_DATADIR="$PM_DATADIR" PM_IN="$IN" PM_OUT="$T/sla2" PM_DAY=2026-11-30 \
    PM_NOW=2026-12-01T01:30:00+08:00 /bin/sh -c 'cd / && sh "$0"' "$NIGHTLY"
if [ -x "$ROOT/bin/pm-ingest" ]; then
    expect_status "cron's PATH: the programs beside the script are found" 0
else
    expect_status "cron's PATH, no programs: status 2" 2
fi

finish
