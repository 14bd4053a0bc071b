#!/bin/bash
# Command-line tests of --protect (issue 8; docs/RULES.md section 5): pm-ingest
# and pm-report on a resident file (tests/cli/protect/residents.csv) with
# every personal kind, odd values and bad rows, and on the resident example
# (examples/residents; its demo writes to out/ like the other demos).  The
# masks in protect/*.expected.* were checked one by one against the rules of
# pm-ingest(1).  The last parts grep every stream a protected run writes
# (output, reject file, standard error) for every raw personal value of the
# fixture (protect/raw-values.txt, one per line) and of the example.
. "$(dirname "$0")/lib.sh"
F=$HERE/protect
cd "$F" || exit 2

SCHEMA=residents.schema.yaml
PERSONAL=name:name,phone:phone,id_card:id_card,address:address,health:text,born:text
KEY=$T/key
OTHER_KEY=$T/other-key
printf 'test-key-0123456789abcdef\n' >"$KEY"
printf 'other-key-0123456789abcdef\n' >"$OTHER_KEY"
chmod 600 "$KEY" "$OTHER_KEY"

# no_raw NAME FILE...: no raw personal value of the fixture (or of the
# list in $RAW) in the files
RAW=raw-values.txt
no_raw() {
    local name=$1 v hits=""
    shift
    while IFS= read -r v; do
        [ -n "$v" ] || continue
        if cat "$@" | grep -qF -- "$v"; then hits="$hits '$v'"; fi
    done <"$RAW"
    if [ -z "$hits" ]; then pass; else fail "$name" "raw values found:$hits"; fi
}
# csv_col N FILE: the Nth CSV column (the fixture has no quoted commas in it)
csv_col() { cut -d, -f"$1" "$2"; }

# The raw canonical records (no --protect), for pm-report.
pm-ingest -s $SCHEMA residents.csv >"$T/canon.csv" 2>/dev/null

# --- options -------------------------------------------------------------------
run pm-ingest --help
expect_grep "pm-ingest --help names --protect" '--protect=MODE' "$OUT"
expect_grep "pm-ingest --help names --key-file" '--key-file=FILE' "$OUT"
run pm-report --help
expect_grep "pm-report --help names --protect" '--protect=MODE' "$OUT"
expect_grep "pm-report --help names --personal" '--personal=FIELD:KIND' "$OUT"
expect_grep "pm-report --help names --key-file" '--key-file=FILE' "$OUT"
run pm-ingest -s $SCHEMA --protect=hide residents.csv
expect_status "pm-ingest: unknown mode: status 2" 2
run pm-report --by=name --protect=hide --personal=name:name "$T/canon.csv"
expect_status "pm-report: unknown mode: status 2" 2
run pm-report --by=name --protect=mask --personal=name:email "$T/canon.csv"
expect_status "pm-report: unknown kind: status 2" 2
expect_grep "pm-report: unknown kind: says which kinds there are" 'name, phone, id_card, address or text' "$ERR"
run pm-report --by=name --protect=mask --personal=name "$T/canon.csv"
expect_status "pm-report: --personal without a kind: status 2" 2
run pm-report --by=name --personal=name:name "$T/canon.csv"
expect_status "pm-report: --personal without --protect: status 2 (nothing would be protected)" 2
expect_eq "pm-report: --personal without --protect: no report" "" "$(cat "$OUT")"

# --- masks: every kind on typical and odd values --------------------------------
run pm-ingest -s $SCHEMA --protect=mask -r "$T/rej.csv" residents.csv
expect_status "mask: status 1 (rows rejected)" 1
expect_out "mask: written records" residents.mask.expected.csv
expect_eq "mask: phone 13800001111" "138****1111" "$(sed -n 2p "$OUT" | csv_col 4 -)"
expect_eq "mask: phone +86 139 0000 2222 (country code and blanks)" "139****2222" "$(sed -n 3p "$OUT" | csv_col 4 -)"
expect_eq "mask: phone 138-0000-3333 (hyphens)" "138****3333" "$(sed -n 4p "$OUT" | csv_col 4 -)"
expect_eq "mask: phone of 7 digits keeps at most half" "****432" "$(sed -n 5p "$OUT" | csv_col 4 -)"
expect_eq "mask: phone of 8 digits keeps the last 4" "****5678" "$(sed -n 6p "$OUT" | csv_col 4 -)"
expect_eq "mask: full-width phone" "139****1212" "$(sed -n 8p "$OUT" | csv_col 4 -)"
expect_eq "mask: name 张三" "张*" "$(sed -n 2p "$OUT" | csv_col 3 -)"
expect_eq "mask: compound surname 欧阳娜娜" "欧阳**" "$(sed -n 3p "$OUT" | csv_col 3 -)"
expect_eq "mask: compound surname 司马光明" "司马**" "$(sed -n 6p "$OUT" | csv_col 3 -)"
expect_eq "mask: a one-character name is hidden whole" "*" "$(sed -n 4p "$OUT" | csv_col 3 -)"
expect_eq "mask: a Latin name keeps initials" "J*** S****" "$(sed -n 5p "$OUT" | csv_col 3 -)"
expect_eq "mask: 18-digit ID" "110105********123X" "$(sed -n 2p "$OUT" | csv_col 5 -)"
expect_eq "mask: 15-digit ID" "110105*****1002" "$(sed -n 3p "$OUT" | csv_col 5 -)"
expect_eq "mask: ID with hyphens and a small x" "110105********567X" "$(sed -n 4p "$OUT" | csv_col 5 -)"
expect_eq "mask: ID with blanks" "110105********567X" "$(sed -n 5p "$OUT" | csv_col 5 -)"
expect_eq "mask: address down to the building (栋)" "幸福小区1栋***" "$(sed -n 2p "$OUT" | csv_col 6 -)"
expect_eq "mask: address down to the building (号楼)" "3号楼***" "$(sed -n 6p "$OUT" | csv_col 6 -)"
expect_eq "mask: address 2-1-101" "2-***" "$(sed -n 5p "$OUT" | csv_col 6 -)"
expect_eq "mask: text fully starred" "********" "$(sed -n 4p "$OUT" | csv_col 7 -)"
expect_eq "mask: empty values stay empty" "H006,3栋,王**,138****1111,,,,none," "$(sed -n 7p "$OUT")"
expect_eq "mask: non-personal fields as they are" "none" "$(sed -n 2p "$OUT" | csv_col 8 -)"

# --- rejects ---------------------------------------------------------------------
cp "$T/rej.csv" "$OUT"
expect_out "mask: the reject file" residents.mask.rejected.expected.csv
expect_grep "mask: a ragged row's surplus values are protected (stderr)" \
    '^pm-ingest: residents\.csv:9: rejected: 11 fields where the header has 9; the surplus values: \*{11} \*\*$' "$ERR"
expect_grep "mask: a bad personal value is not quoted" \
    "^pm-ingest: residents\.csv:8: rejected: id_card: the value does not match the pattern" "$ERR"
expect_grep "mask: a bad personal timestamp is not quoted" \
    "^pm-ingest: residents\.csv:13: rejected: born: the value is not a valid timestamp" "$ERR"
expect_grep "mask: non-personal values are still quoted" "duplicate value 'H001'" "$ERR"
expect_eq "summary: read 14, wrote 8, rejected 6" "pm-ingest: read 14, wrote 8, rejected 6" "$(tail -n 1 "$ERR")"

run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$KEY" -r "$T/rej.csv" residents.csv
expect_grep "pseudonymize: surplus values become tokens" \
    'the surplus values: p_[0-9a-f]{16} p_[0-9a-f]{16}$' "$ERR"
expect_eq "pseudonymize: every value of a ragged row is a token" \
    "9" "$(sed -n 3p "$T/rej.csv" | cut -d, -f1-9 | tr ',' '\n' | grep -cE '^p_[0-9a-f]{16}$')"
run pm-ingest -s $SCHEMA --protect=drop -r "$T/rej.csv" residents.csv
expect_grep "drop: surplus values are not kept" \
    '11 fields where the header has 9; 2 surplus values, not kept \(--protect=drop\)$' "$ERR"
expect_eq "drop: every value of a ragged row is empty" \
    ",,,,,,,,,residents.csv:10,4 fields where the header has 9," "$(sed -n 4p "$T/rej.csv")"
run pm-ingest -s $SCHEMA --protect=mask -t yaml -r "$T/rej.yaml" residents.csv
expect_grep "mask, YAML: the reject stream is protected too" '^--- \{户号: H007, .*联系电话: "138\*\*\*\*4444"' "$T/rej.yaml"

# --- pseudonyms --------------------------------------------------------------------
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$KEY" residents.csv
cp "$OUT" "$T/p1.csv"
expect_eq "pseudonymize: tokens are p_ and 16 hex digits" "0" \
    "$(tail -n +2 "$T/p1.csv" | cut -d, -f3-7 | tr ',' '\n' | grep -v '^$' | grep -cvE '^p_[0-9a-f]{16}$')"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$KEY" residents.csv
expect_out "pseudonymize: the same tokens in another run" "$T/p1.csv"
expect_eq "pseudonymize: 13800001111 and '138 0000 1111' are one phone" \
    "$(sed -n 2p "$T/p1.csv" | csv_col 4 -)" "$(sed -n 7p "$T/p1.csv" | csv_col 4 -)"
expect_eq "pseudonymize: 110105-19850505-567x and '110105 19850505 567X' are one ID" \
    "$(sed -n 4p "$T/p1.csv" | csv_col 5 -)" "$(sed -n 5p "$T/p1.csv" | csv_col 5 -)"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$OTHER_KEY" residents.csv
expect_eq "another key: non-personal fields unchanged" "$(csv_col 1,2,8 "$T/p1.csv")" "$(csv_col 1,2,8 "$OUT")"
expect_eq "another key: no token in common" "" \
    "$(comm -12 <(tail -n +2 "$T/p1.csv" | cut -d, -f3-7,9 | tr ',' '\n' | grep . | sort -u) \
                <(tail -n +2 "$OUT" | cut -d, -f3-7,9 | tr ',' '\n' | grep . | sort -u))"

# --- key files ---------------------------------------------------------------------
run pm-ingest -s $SCHEMA --protect=pseudonymize residents.csv
expect_status "pm-ingest: pseudonymize without --key-file: status 2" 2
expect_grep "pm-ingest: pseudonymize without --key-file: says so" 'needs --key-file' "$ERR"
expect_eq "pm-ingest: pseudonymize without --key-file: no output" "" "$(cat "$OUT")"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$T/no-such-key" residents.csv
expect_status "pm-ingest: missing key file: status 2" 2
expect_grep "pm-ingest: missing key file: named" "no-such-key: cannot read the key file" "$ERR"
printf 'short\n' >"$T/short-key"
chmod 600 "$T/short-key"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$T/short-key" residents.csv
expect_status "pm-ingest: short key: status 2" 2
expect_grep "pm-ingest: short key: says so" 'too short' "$ERR"
cp "$KEY" "$T/open-key"
chmod 644 "$T/open-key"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$T/open-key" residents.csv
expect_status "pm-ingest: key readable by others: runs (status 1, rows rejected)" 1
expect_grep "pm-ingest: key readable by others: warning" 'open-key: the key file is readable by group or others; protect it: chmod 600' "$ERR"
expect_out "pm-ingest: key readable by others: the same tokens" "$T/p1.csv"
run pm-ingest -s $SCHEMA --protect=pseudonymize --key-file="$KEY" residents.csv
expect_no_grep "pm-ingest: key file of mode 600: no warning" 'readable by group' "$ERR"
run pm-report --by=name --protect=pseudonymize --personal=name:name "$T/canon.csv"
expect_status "pm-report: pseudonymize without --key-file: status 2" 2
run pm-report --by=name --protect=pseudonymize --personal=name:name --key-file="$T/short-key" "$T/canon.csv"
expect_status "pm-report: short key: status 2" 2
run pm-report --by=name --protect=pseudonymize --personal=name:name --key-file="$T/open-key" "$T/canon.csv"
expect_status "pm-report: key readable by others: runs" 0
expect_grep "pm-report: key readable by others: warning" 'readable by group or others' "$ERR"

# --- nothing marked personal -------------------------------------------------------------
printf 'fields:\n  - name: household\n    from: [户号]\n' >"$T/plain.schema.yaml"
run pm-ingest -s "$T/plain.schema.yaml" --protect=mask residents.csv
expect_grep "pm-ingest: --protect with no personal field: warning" \
    "plain\.schema\.yaml: warning: --protect: the schema marks no field 'personal:'" "$ERR"
run pm-ingest -s $SCHEMA --protect=mask residents.csv
expect_no_grep "pm-ingest: --protect with personal fields: no such warning" "marks no field" "$ERR"
run pm-report --by=name --protect=mask "$T/canon.csv"
expect_grep "pm-report: --protect with no --personal: warning" 'warning: --protect: no field is named personal' "$ERR"

# --- pm-report -----------------------------------------------------------------------------
run pm-report --by=phone --protect=mask --personal=$PERSONAL "$T/canon.csv"
expect_status "pm-report mask: status 0" 0
expect_out_text "pm-report mask: one group per masked value" "phone,count
****432,1
****5678,1
138****1111,3
138****3333,1
139****1212,1
139****2222,1"
run pm-report --by=phone --protect=pseudonymize --key-file="$KEY" --personal=$PERSONAL "$T/canon.csv"
tok=$(sed -n 2p "$T/p1.csv" | csv_col 4 -)
expect_eq "pm-report pseudonymize: one group per person, with pm-ingest's token" "$tok,2" "$(grep "^$tok," "$OUT")"
expect_eq "pm-report pseudonymize: 7 groups" "8" "$(wc -l <"$OUT" | tr -d ' ')"
run pm-report --by=id_card --protect=pseudonymize --key-file="$KEY" --personal=$PERSONAL "$T/canon.csv"
tok=$(sed -n 4p "$T/p1.csv" | csv_col 5 -)
expect_eq "pm-report pseudonymize: one ID in two layouts is one group" "$tok,2" "$(grep "^$tok," "$OUT")"
run pm-report --by=name,hardship --protect=drop --personal=$PERSONAL "$T/canon.csv"
expect_out_text "pm-report drop: the personal key is empty" "name,hardship,count
,high,2
,low,2
,none,4"
run pm-report --by=building --protect=mask --personal=$PERSONAL -m 'count(hardship=high)' "$T/canon.csv"
expect_status "pm-report: conditions on other fields are fine" 0
run pm-report --by=building --protect=mask --personal=$PERSONAL -m 'count(phone=13800001111)' "$T/canon.csv"
expect_status "pm-report: a metric comparing a personal field with a value: status 2" 2
expect_no_grep "pm-report: ... and the value is not repeated" '13800001111' "$ERR"
run pm-report --by=building --protect=mask --personal=$PERSONAL -m 'count(phone=)' "$T/canon.csv"
expect_status "pm-report: count(phone=) (records without a phone) is fine" 0
run pm-report --by=building --protect=mask --personal=$PERSONAL -m 'min(phone)' "$T/canon.csv"
expect_status "pm-report: min of a personal field: status 2" 2
expect_grep "pm-report: min of a personal field: says why" 'min\(phone\) would show values of the personal field phone' "$ERR"
run pm-report --by=building --period=month --time-field=born --protect=mask --personal=$PERSONAL "$T/canon.csv"
expect_status "pm-report: --period of a personal field: status 2" 2
run pm-report --by=building --protect=mask --personal=$PERSONAL -m 'sum(health)' "$T/canon.csv"
expect_status "pm-report: sum of a personal field: status 2" 2

# --partial and --merge
head -n 5 "$T/canon.csv" >"$T/shard1.csv"
{ head -n 1 "$T/canon.csv"; tail -n +6 "$T/canon.csv"; } >"$T/shard2.csv"
P="--by=phone,hardship --protect=pseudonymize --key-file=$KEY --personal=$PERSONAL"
run pm-report $P "$T/canon.csv"
cp "$OUT" "$T/one-pass.csv"
pm-report $P --partial "$T/shard1.csv" >"$T/part1.csv"
pm-report $P --partial "$T/shard2.csv" >"$T/part2.csv"
expect_no_grep "--partial: keys are protected" '13800001111' "$T/part1.csv"
expect_grep "--partial: the signature names the protection" 'protect=pseudonymize:key-[0-9a-f]{8} personal=phone:phone' "$T/part1.csv"
run pm-report $P --merge "$T/part1.csv" "$T/part2.csv"
expect_out "--merge of protected partials = one pass" "$T/one-pass.csv"
pm-report --by=phone,hardship --partial "$T/shard1.csv" >"$T/raw1.csv"
pm-report --by=phone,hardship --partial "$T/shard2.csv" >"$T/raw2.csv"
run pm-report $P --merge "$T/raw1.csv" "$T/raw2.csv"
expect_out "--merge --protect of raw partials = one protected pass" "$T/one-pass.csv"
run pm-report $P --merge "$T/part1.csv" "$T/raw2.csv"
expect_out "--merge of protected and raw partials = one protected pass" "$T/one-pass.csv"
run pm-report --by=phone,hardship --merge "$T/part1.csv"
expect_status "--merge without --protect of protected partials: status 2" 2
run pm-report --by=phone,hardship --protect=pseudonymize --key-file="$OTHER_KEY" --personal=$PERSONAL --merge "$T/part1.csv"
expect_status "--merge of partials made under another key: status 2" 2
pm-report --by=phone --protect=mask --personal=$PERSONAL --partial "$T/shard1.csv" >"$T/mpart1.csv"
pm-report --by=phone --partial "$T/shard2.csv" >"$T/mraw2.csv"
run pm-report --by=phone --protect=mask --personal=$PERSONAL --merge "$T/mpart1.csv" "$T/mraw2.csv"
expect_eq "--merge --protect=mask: groups of one masked value merge" "138****1111,3" "$(grep '^138\*\*\*\*1111,' "$OUT")"

# --- no raw personal value in any protected stream ---------------------------------------
for mode in mask pseudonymize drop; do
    for to in csv yaml; do
        run pm-ingest -s $SCHEMA --protect=$mode --key-file="$KEY" -t $to -r "$T/rej.$to" residents.csv
        no_raw "pm-ingest --protect=$mode -t $to: stdout, reject file, stderr" "$OUT" "$T/rej.$to" "$ERR"
    done
    run pm-ingest -s $SCHEMA --protect=$mode --key-file="$KEY" --keep-extra -r "$T/rej.csv" residents.csv
    no_raw "pm-ingest --protect=$mode --keep-extra" "$OUT" "$T/rej.csv" "$ERR"
    for to in csv yaml md html; do
        run pm-report --by=name,phone,id_card,address,health,born,hardship --protect=$mode --key-file="$KEY" \
            --personal=$PERSONAL -t $to "$T/canon.csv"
        expect_status "pm-report --protect=$mode -t $to: status 0" 0
        no_raw "pm-report --protect=$mode -t $to" "$OUT" "$ERR"
    done
    run pm-report --by=name,phone,id_card,address --protect=$mode --key-file="$KEY" --personal=$PERSONAL \
        --partial "$T/canon.csv"
    expect_status "pm-report --protect=$mode --partial: status 0" 0
    no_raw "pm-report --protect=$mode --partial" "$OUT" "$ERR"
    run pm-report --by=phone,hardship --protect=$mode --key-file="$KEY" --personal=$PERSONAL \
        --merge "$T/raw1.csv" "$T/raw2.csv"
    expect_status "pm-report --protect=$mode --merge: status 0" 0
    no_raw "pm-report --protect=$mode --merge of raw partials" "$OUT" "$ERR"
    # the raw export itself, Chinese headers and bad rows included
    run pm-report --by=户主姓名,联系电话,身份证号 --protect=$mode --key-file="$KEY" \
        --personal=户主姓名:name,联系电话:phone,身份证号:id_card,家庭住址:address,健康状况:text,出生日期:text \
        -t md residents.csv
    expect_eq "pm-report --protect=$mode on the raw export: the 12 rows that can be read are counted" \
        "12" "$(awk -F'|' 'NR > 2 { n += $(NF - 1) } END { print n }' "$OUT")"
    no_raw "pm-report --protect=$mode on the raw export" "$OUT" "$ERR"
done
# --- the resident example, end to end ------------------------------------------------------
EX=$ROOT/examples/residents
# every personal value of the export: 户主姓名, 联系电话, 身份证号, 家庭住址,
# 健康状况 and the surplus value of the ragged row
tail -n +2 "$EX/residents-2024.csv" | awk -F, '{ print $3; print $5; print $6; print $7; print $8; if (NF > 9) print $10 }' |
    grep . | sort -u >"$T/example-raw.txt"
RAW=$T/example-raw.txt
run pm-ingest --schema="$EX/residents.schema.yaml" --protect=pseudonymize --key-file="$KEY" \
    --reject="$T/ex-rej.csv" "$EX/residents-2024.csv"
expect_status "example: status 1 (three bad rows)" 1
expect_eq "example: summary" "pm-ingest: read 21, wrote 18, rejected 3" "$(tail -n 1 "$ERR")"
no_raw "example: no raw personal value in output, rejects, stderr" "$OUT" "$T/ex-rej.csv" "$ERR"
cp "$OUT" "$T/ex.csv"
run pm-report --by=building,hardship "$T/ex.csv"
expect_out_text "example: households per building and hardship, from the protected file" "building,hardship,count
1栋,extreme,1
1栋,low_income,1
1栋,none,2
2栋,extreme,1
2栋,low_income,1
2栋,none,2
3栋,hardship,2
3栋,none,2
4栋,hardship,1
4栋,low_income,1
4栋,none,2
5栋,extreme,1
5栋,none,1"
run pm-report --by=id_card "$T/ex.csv"
expect_eq "example: the head of two households (ID typed two ways) is one token" "1" \
    "$(awk -F, 'NR > 1 && $2 == 2' "$OUT" | grep -cE '^p_[0-9a-f]{16},2$')"
RAW=raw-values.txt
run sh "$EX/demo.sh"
expect_status "examples/residents/demo.sh exits 0" 0
expect_grep "demo.sh reports from the protected file" '^   \| 1栋 +\| extreme +\| +1 \| +1 \|$' "$OUT"
expect_grep "demo.sh finds the head of two households by token" '^   p_[0-9a-f]{16}: 2 households$' "$OUT"
expect_eq "demo.sh keeps its key mode 600" "600" "$(stat -c %a "$ROOT/out/residents.key")"

# the unprotected runs do show them: the check above can fail
run pm-ingest -s $SCHEMA -r "$T/rej.csv" residents.csv
expect_grep "without --protect the raw values are there (the check works)" '13800001111' "$OUT"
expect_grep "without --protect the surplus values are in _error" 'the surplus values: 13800006666' "$T/rej.csv"

finish
