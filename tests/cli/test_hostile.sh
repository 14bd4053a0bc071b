#!/bin/bash
# test_hostile.sh - hostile input in every program (issue 7).
#
# Every hostile input - empty and header-only files, a 20 MB field, invalid
# UTF-8, NUL bytes, unterminated quotes, ragged rows, impossible dates, YAML
# alias bombs, 200,000-deep nesting, 400-digit numbers, garbage
# configuration, division by zero, a catastrophic regular expression, missing
# files, unknown options - ends within seconds in every program with status
# 0, 1 or 2 and a message on 2, never a crash or a hang; the good rows around
# a bad one still come out.  Then: write errors (/dev/full) give status 2 and
# a message, and a large input with randomly corrupted lines loses no good
# line and duplicates none, with --stats reconciling.
. "$(dirname "$0")/lib.sh"
EX=$ROOT/examples
LIMIT=20   # seconds; every case here takes well under one (more under ASan)

# The last run ended by itself with 0, 1 or 2, and on 2 with a message.
survived() {
    local name=$1 prog=$2
    case $RC in
    0 | 1) pass ;;
    2) if grep -q "^$prog: " "$ERR"; then pass; else fail "$name: status 2 without a '$prog: ' message"; fi ;;
    124) fail "$name: still running after ${LIMIT}s" ;;
    *) fail "$name: status $RC (killed by a signal or a sanitizer?)" ;;
    esac
}

# --- the data inputs of each program ----------------------------------------
# kind: header, a good row (@ID@ stands for its id), and the command.
TICKET_HDR=id,kind,category,created_at,resolved_at,amount,description
TICKET_ROW='@ID@,complaint,noise,2024-07-03 09:00,2024-07-03 09:10,1.50,ok'
FEE_HDR=id,type,period,area_m2
FEE_ROW='@ID@,unit,2024-07,89.37'
ROSTER_HDR=post,staff,start,end
ROSTER_ROW='gate-east,S05,2024-10-01 00:00,2024-10-01 04:00'

hdr() { case $1 in ingest | sla | report) echo "$TICKET_HDR" ;; fee) echo "$FEE_HDR" ;; roster) echo "$ROSTER_HDR" ;; esac; }
row() {  # row PROG ID
    case $1 in
    ingest | sla | report) echo "${TICKET_ROW//@ID@/$2}" ;;
    fee) echo "${FEE_ROW//@ID@/$2}" ;;
    roster) echo "$ROSTER_ROW" ;;
    esac
}
data_run() {  # data_run PROG FILE...
    local p=$1
    shift
    case $p in
    ingest) run timeout $LIMIT pm-ingest "$@" ;;
    sla) run timeout $LIMIT pm-sla --now=2024-08-01T00:00:00+08:00 "$@" ;;
    fee) run timeout $LIMIT pm-fee --schedule="$EX/fees/schedule.yaml" "$@" ;;
    report) run timeout $LIMIT pm-report --by=category -m count -m 'sum(amount)' -m 'mean(amount)' "$@" ;;
    roster) run timeout $LIMIT pm-roster check --posts="$EX/roster/posts.yaml" --staff="$EX/roster/staff.csv" \
        --from=2024-10-01 --days=1 "$@" ;;
    esac
}
# Programs that write one record per input record keep the good ones.
keeps_rows() { case $1 in ingest | sla | fee) return 0 ;; *) return 1 ;; esac; }

# A bad line of each kind for PROG: a good row with one field spoilt.
bad_lines() {  # bad_lines PROG KIND
    local p=$1 k=$2 good
    good=$(row "$p" B1)
    case $k in
    utf8) printf '%s\n' "${good/,/,$'\xff\xfe'}" ;;
    nul) printf '%s\n' "${good/,/,@NUL@}" ;;
    ragged) printf '%s\n' "${good%%,*},x" "$(row "$p" B2),extra,more" ;;
    dates)
        case $p in
        fee) printf '%s\n' "B1,unit,2024-13,1" "B2,unit,2024-02-30,1" ;;
        roster) printf '%s\n' "gate-east,S05,2024-02-30 00:00,2024-10-01 04:00" "gate-east,S05,2024-10-01 25:00,2024-10-01 04:00" \
            "gate-east,S05,2024-13-01 00:00,2024-10-01 04:00" "gate-east,S05,2024-10-01T00:00:00+99:00,2024-10-01 04:00" ;;
        *) local d
            for d in '2024-02-30 09:00' '2024-13-01 09:00' '2024-07-03 25:00' '2024-07-03T09:00:00+99:00'; do
                echo "B1,complaint,noise,$d,,1.50,bad date"
            done ;;
        esac ;;
    bignum)
        local n
        n=$(printf '9%.0s' $(seq 1 400))
        case $p in
        fee) echo "B1,unit,2024-07,$n" ;;
        roster) echo "gate-east,S05,$n,2024-10-01 04:00" ;;
        *) echo "B1,complaint,noise,2024-07-03 09:00,,$n,big" ;;
        esac ;;
    esac
}

for p in ingest sla fee report roster; do
    prog=pm-$p
    for k in utf8 nul ragged dates bignum; do
        { hdr $p; row $p G1; bad_lines $p $k; row $p G2; } | sed 's/@NUL@/\x00/' >"$T/$p-$k.csv"
        data_run $p "$T/$p-$k.csv"
        survived "$prog, $k" "$prog"
        if keeps_rows $p; then
            expect_grep "$prog, $k: the good row before is out" '^(--- \{id: |[0-9-]*,)?G1[,}]' "$OUT"
            expect_grep "$prog, $k: the good row after is out" '^(--- \{id: |[0-9-]*,)?G2[,}]' "$OUT"
        fi
    done

    # a 20 MB field (the limit is 16 MiB)
    { hdr $p; row $p G1; good=$(row $p B1); printf '%s' "${good%%,*},"; head -c 20000000 /dev/zero | tr '\0' x
      echo ",${good#*,*,}"; row $p G2; } >"$T/$p-big.csv"
    data_run $p "$T/$p-big.csv"
    survived "$prog, a 20 MB field" "$prog"
    keeps_rows $p && expect_grep "$prog, a 20 MB field: the good row after is out" '^(--- \{id: |[0-9-]*,)?G2[,}]' "$OUT"

    # an unterminated quote runs to the end: the row before is out
    { hdr $p; row $p G1; echo '"never closed,x'; row $p G2; } >"$T/$p-unterminated.csv"
    data_run $p "$T/$p-unterminated.csv"
    survived "$prog, an unterminated quote" "$prog"
    keeps_rows $p && expect_grep "$prog, an unterminated quote: the row before is out" '^(--- \{id: |[0-9-]*,)?G1[,}]' "$OUT"

    # empty and header-only files
    : >"$T/$p-empty.csv"
    data_run $p "$T/$p-empty.csv"
    survived "$prog, an empty file" "$prog"
    hdr $p >"$T/$p-header.csv"
    data_run $p "$T/$p-header.csv"
    survived "$prog, a header-only file" "$prog"

    # YAML: an alias bomb and 200,000-deep nesting between good records
    yrow() { row $p "$1" | awk -F, -v h="$(hdr $p)" 'BEGIN { n = split(h, k, ",") }
        { s = "--- {"; for (i = 1; i <= n; i++) s = s (i > 1 ? ", " : "") k[i] ": \"" $i "\""; print s "}" }'; }
    { yrow G1
      echo '--- {id: B1, a: &a [x, x, x, x, x, x, x, x, x], b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a], c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b], d: [*c, *c, *c, *c, *c, *c, *c, *c, *c]}'
      echo '--- {id: B2, x: *a}'
      yrow G2; } >"$T/$p-bomb.yaml"
    data_run $p "$T/$p-bomb.yaml"
    survived "$prog, a YAML alias bomb" "$prog"
    if keeps_rows $p; then
        expect_grep "$prog, a YAML alias bomb: the good record before is out" 'G1' "$OUT"
        expect_grep "$prog, a YAML alias bomb: the good record after is out" 'G2' "$OUT"
    fi
    { yrow G1; printf -- '--- {id: B1, x: '; head -c 200000 /dev/zero | tr '\0' '['
      head -c 200000 /dev/zero | tr '\0' ']'; echo '}'; yrow G2; } >"$T/$p-deep.yaml"
    data_run $p "$T/$p-deep.yaml"
    survived "$prog, 200,000-deep nesting" "$prog"
    keeps_rows $p && expect_grep "$prog, 200,000-deep nesting: the good record after is out" 'G2' "$OUT"

    # a missing file (after a good one), an unknown option
    { hdr $p; row $p G1; } >"$T/$p-good.csv"
    data_run $p "$T/$p-good.csv" "$T/no-such-file.csv"
    expect_status "$prog, a missing file: status 2" 2
    expect_grep "$prog, a missing file: named" "^$prog: .*no-such-file\\.csv" "$ERR"
    keeps_rows $p && expect_grep "$prog, a missing file: the readable one is still read" 'G1' "$OUT"
    run timeout $LIMIT $prog --no-such-option
    expect_status "$prog, an unknown option: status 2" 2
    expect_grep "$prog, an unknown option: a message" "^$prog: .*no-such-option" "$ERR"
done

# --- garbage configuration ----------------------------------------------------
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe{[:\t- &*!|>%%@`\n' >"$T/garbage.yaml"
: >"$T/empty.yaml"
{ echo 'a: &a ["x","x","x","x","x","x","x","x","x"]'
  for l in b c d e f g h; do
      prev=$(printf '%s' "$l" | tr 'b-h' 'a-g')
      echo "$l: &$l [*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev,*$prev]"
  done; } >"$T/bomb.yaml"
{ printf 'a: '; head -c 200000 /dev/zero | tr '\0' '['; head -c 200000 /dev/zero | tr '\0' ']'; echo; } >"$T/deep.yaml"
printf 'id,created_at\nT1,2024-07-03 09:00\n' >"$T/t.csv"
conf_run() {  # conf_run SLOT FILE
    case $1 in
    schema) run timeout $LIMIT pm-ingest --schema="$2" "$T/t.csv" ;;
    policy) run timeout $LIMIT pm-sla --policy="$2" "$T/t.csv" ;;
    calendar) run timeout $LIMIT pm-sla --calendar="$2" "$T/t.csv" ;;
    schedule) run timeout $LIMIT pm-fee --schedule="$2" "$T/t.csv" ;;
    targets) run timeout $LIMIT pm-report sla --targets="$2" "$T/t.csv" ;;
    posts) run timeout $LIMIT pm-roster check --posts="$2" "$T/t.csv" ;;
    esac
}
conf_prog() { case $1 in schema) echo pm-ingest ;; policy | calendar) echo pm-sla ;; schedule) echo pm-fee ;;
    targets) echo pm-report ;; posts) echo pm-roster ;; esac; }
for slot in schema policy calendar schedule targets posts; do
    prog=$(conf_prog $slot)
    for f in garbage empty bomb deep; do
        conf_run $slot "$T/$f.yaml"
        if [ $slot = targets ] && [ $f = empty ]; then  # no targets: a report without them
            expect_no_grep "pm-report --targets, an empty file: no complaint about it" 'empty\.yaml' "$ERR"
            continue
        fi
        expect_status "$prog --$slot, $f: status 2" 2
        expect_grep "$prog --$slot, $f: FILE[:LINE]: message" "^$prog: $T/$f\\.yaml(:[0-9]+)?: " "$ERR"
    done
    conf_run $slot "$T/no-such.yaml"
    expect_status "$prog --$slot, a missing file: status 2" 2
    expect_grep "$prog --$slot, a missing file: named" "^$prog: .*no-such\\.yaml" "$ERR"
done

# Division by zero and a catastrophic pattern in a fee schedule: reported at
# the record's line, the other records still charged.
cat >"$T/div.yaml" <<'EOF'
rules:
  - id: ratio
    when: {type: dept}
    percent: "10"
    base: gross_profit / costs
  - id: slow
    when: {type: note, note: '/^(a+)+$/'}
    fixed: "1"
EOF
{ echo id,type,gross_profit,costs,note; echo D1,dept,100,0,; echo D2,dept,100,4,
  echo "N1,note,,,$(printf 'a%.0s' $(seq 1 40))!"; echo N2,note,,,aaa; } >"$T/div.csv"
run timeout $LIMIT pm-fee --schedule="$T/div.yaml" "$T/div.csv"
expect_status "pm-fee, division by zero: status 2" 2
expect_grep "pm-fee, division by zero: at its line" "^pm-fee: $T/div\\.csv:2: .*(zero|divi)" "$ERR"
expect_grep "pm-fee, division by zero: the next record is charged" '^,D2,ratio,.*,2\.50,' "$OUT"
expect_grep "pm-fee, catastrophic pattern: reported at its line" "^pm-fee: $T/div\\.csv:4: " "$ERR"
expect_grep "pm-fee, catastrophic pattern: the next record is charged" '^,N2,slow,' "$OUT"

# --- write errors: status 2 and a message, never a silent success -------------
if [ -w /dev/full ]; then
    for p in ingest sla fee report roster; do
        case $p in
        roster) cmd=(pm-roster plan --posts="$EX/roster/posts.yaml" --staff="$EX/roster/staff.csv" --from=2024-10-01 --days=2) ;;
        report) cmd=(pm-report sla "$EX/report/tickets.csv") ;;
        fee) cmd=(pm-fee --schedule="$EX/fees/schedule.yaml" "$EX/fees/inputs-2024-07.csv") ;;
        sla) cmd=(pm-sla --now=2025-10-10T09:00:00+08:00 "$EX/sla/tickets.csv") ;;
        ingest) cmd=(pm-ingest "$EX/ingest/callcentre-2024-national-day.csv") ;;
        esac
        timeout $LIMIT "${cmd[@]}" >/dev/full 2>"$ERR"
        RC=$?
        expect_status "pm-$p >/dev/full: status 2" 2
        expect_grep "pm-$p >/dev/full: a write error" "^pm-$p: .*write error" "$ERR"
        run timeout $LIMIT "${cmd[@]}" -o /dev/full
        expect_status "pm-$p -o /dev/full: status 2" 2
        expect_grep "pm-$p -o /dev/full: a write error" "^pm-$p: .*write error" "$ERR"
    done
    for p in ingest sla fee report roster; do
        timeout $LIMIT pm-$p --help >/dev/full 2>"$ERR"
        RC=$?
        expect_status "pm-$p --help >/dev/full: status 2" 2
    done
else
    echo "(no writable /dev/full: skipping the write-error checks)" >&2
fi

# --- nothing lost: randomly corrupted lines in a large input ------------------
"$ROOT/tools/gen-tickets.sh" -n 20000 -s 7 >"$T/big.csv"
# About one data line in twenty is spoilt (deterministically): invalid UTF-8 or
# a NUL in the category, a field short, a field too many, an impossible date.
awk -F, -v OFS=, 'BEGIN { srand(7) }
    NR == 1 { print; next }
    rand() < 0.05 {
        k = int(rand() * 5)
        if (k == 0) $3 = $3 "@FF@"
        else if (k == 1) $3 = "@NUL@" $3
        else if (k == 2) NF = NF - 1
        else if (k == 3) $0 = $0 ",extra"
        else $6 = "2024-02-30T09:00:00+08:00"
        print; print $1 >"/dev/stderr"; next }
    { print }' "$T/big.csv" 2>"$T/spoilt.ids" | sed 's/@FF@/\xff/; s/@NUL@/\x00/' >"$T/corrupt.csv"
cut -d, -f1 "$T/big.csv" | tail -n +2 | sort >"$T/all.ids"
sort "$T/spoilt.ids" | comm -23 "$T/all.ids" - >"$T/good.ids"
nspoilt=$(wc -l <"$T/spoilt.ids")
ngood=$(wc -l <"$T/good.ids")
expect_eq "corruption: some lines spoilt" 1 "$([ "$nspoilt" -gt 500 ] && echo 1 || echo 0)"

run timeout 60 pm-ingest --stats --reject="$T/corrupt.rej" "$T/corrupt.csv"
expect_status "corruption, pm-ingest: status 1 (rows rejected)" 1
expect_eq "corruption, pm-ingest: every good line out exactly once" "$(cat "$T/good.ids")" \
    "$(tail -n +2 "$OUT" | cut -d, -f1 | sort)"
# canonical tickets in, so each good line comes out byte for byte: the stray
# invalid bytes must not make the reader take the UTF-8 file for GB18030
awk -F, 'NR == FNR { good[$1] = 1; next } FNR > 1 && good[$1]' "$T/good.ids" "$T/big.csv" | sort >"$T/good.lines"
expect_eq "corruption, pm-ingest: the good lines unchanged (still UTF-8)" "" \
    "$(tail -n +2 "$OUT" | sort | cmp - "$T/good.lines" 2>&1)"
expect_eq "corruption, pm-ingest: every spoilt line rejected" "$nspoilt" "$(($(wc -l <"$T/corrupt.rej") - 1))"
expect_grep "corruption, pm-ingest: the counts reconcile" "^pm-ingest: read 20000, wrote $ngood, rejected $nspoilt\$" "$ERR"

run timeout 60 pm-sla --stats --now=2027-01-01T00:00:00+08:00 "$T/corrupt.csv"
expect_status "corruption, pm-sla: status 1 (invalid tickets need a person; the run is complete)" 1
expect_eq "corruption, pm-sla: every good line out exactly once" "$(cat "$T/good.ids")" \
    "$(tail -n +2 "$OUT" | grep -av ',invalid$' | cut -d, -f1 | sort)"
expect_eq "corruption, pm-sla: every spoilt line written invalid, exactly once" "$(sort "$T/spoilt.ids")" \
    "$(tail -n +2 "$OUT" | grep -a ',invalid$' | cut -d, -f1 | sort)"
expect_eq "corruption, pm-sla: one header (bad rows keep its width)" 1 "$(grep -ac '^id,' "$OUT")"
expect_eq "corruption, pm-sla: no NUL byte and no invalid UTF-8 written" "ok" \
    "$(tr -d '\000' <"$OUT" | cmp -s - "$OUT" && iconv -f UTF-8 -t UTF-8 "$OUT" >/dev/null 2>&1 && echo ok)"
expect_grep "corruption, pm-sla: the counts reconcile" \
    "^pm-sla: read 20000, passed 20000, rejected 0, skipped 0, flagged [0-9]+, wrote 20000; .*invalid $nspoilt\$" "$ERR"
# A configuration file of 200,000 unknown keys: the first hundred reported,
# the rest counted in one line, in seconds (issue 20: all errors reported,
# but a flood is not a flood of messages or memory).
awk 'BEGIN { print "categories: {noise: {arrive: 15m}}"; for (i = 0; i < 200000; i++) printf "catgory%d: 1\n", i }' >"$T/flood.yaml"
printf 'id,category,created_at\n1,noise,2026-01-05T10:00:00+08:00\n' >"$T/flood.csv"
run timeout 60 pm-sla --now=2027-01-01T00:00:00+08:00 --policy="$T/flood.yaml" "$T/flood.csv"
expect_status "config flood: exit 2, in time" 2
expect_eq "config flood: a hundred messages and a count" 101 "$(wc -l <"$ERR")"
expect_grep "config flood: the first at its line" "^pm-sla: .*flood\.yaml:2: unknown key 'catgory0' in the policy" "$ERR"
expect_grep "config flood: the rest counted" "^pm-sla: .*flood\.yaml: 199900 more errors not shown$" "$ERR"
finish
