#!/bin/bash
# test_nothing_lost.sh - no input record is ever lost or silently misread.
#
# 100,000 good tickets (some with quoted commas and doubled quotes, as real
# exports have) with about a thousand bad records spliced in at random
# places, of every kind the readers must survive: rows a field short or a
# field long, a byte that does not decode, a NUL, an unclosed quote, text
# after a closing quote, a stray blank line; in YAML a document that does not
# parse, a duplicate key, a document that is not a mapping, a bad byte.  The
# same stream in CSV and YAML, UTF-8 and GB18030, through every program that
# passes records through (pm-ingest, pm-sla).  Checked: every good record
# comes out exactly once and unchanged; every bad one is accounted for once
# (written flagged, or rejected with its raw text); the counts reconcile.
. "$(dirname "$0")/lib.sh"

N=${PM_NOTHING_LOST_N:-100000}
"$ROOT/tools/gen-tickets.sh" -n "$N" -s 11 >"$T/gen.csv"

# Good records: every 37th description gets a quoted comma and doubled
# quotes.  Bad records (about 1 in 100) get ids BAD<n> so each can be
# traced; the kinds rotate.  good.csv holds the good records as they must
# come out.
awk -F, -v OFS=, '
    BEGIN { srand(11) }
    NR == 1 { print > "'"$T"'/good.csv"; print > "'"$T"'/spliced.csv"; next }
    {
        if (NR % 37 == 0) $14 = "\"" $14 ", 楼下 \"\"说\"\" 没人来\""
        print > "'"$T"'/good.csv"; print > "'"$T"'/spliced.csv"
        if (rand() < 0.01) {
            nb++; id = sprintf("BAD%06d", nb); k = nb % 7
            line = $0; sub(/^[^,]*/, id, line)
            if (k == 0) { sub(/,[^,]*$/, "", line) }                 # a field short
            else if (k == 1) { line = line ",surplus" }                # a field long
            else if (k == 2) { sub(/,S0/, ",@FF@S0", line) }            # a byte that does not decode
            else if (k == 3) { sub(/,S0/, ",@NUL@S0", line) }           # a NUL
            else if (k == 4) { sub(/,[^,]*,/, ",\"complaint,", line) } # an unclosed quote
            else if (k == 5) { sub(/,[^,]*$/, ",\"done\" later", line) } # text after a closing quote
            else { print "" > "'"$T"'/spliced.csv" ; line = "" }          # a stray blank line
            if (line != "") { print line > "'"$T"'/spliced.csv"; print id > "'"$T"'/bad.ids" }
            else nblank++
        }
    }
    END { print nb + 0 > "'"$T"'/nbad" }' "$T/gen.csv"
# the undecodable bytes go in after any conversion, so that they stay bad
mv "$T/spliced.csv" "$T/spliced.tmpl"
sed 's/@FF@/\xff/; s/@NUL@/\x00/' "$T/spliced.tmpl" >"$T/spliced.csv"
iconv -f UTF-8 -t GB18030 <"$T/spliced.tmpl" | sed 's/@FF@/\xff/; s/@NUL@/\x00/' >"$T/spliced-gb.csv"
nbad=$(wc -l <"$T/bad.ids")
expect_eq "splice: about one bad record in a hundred" 1 "$([ "$nbad" -gt $((N / 200)) ] && echo 1 || echo 0)"

# check_through PROGRAM LABEL INPUT: runs it and checks the rules above.
check_ingest() {  # LABEL INPUT [OPTIONS]
    local label=$1 in=$2
    shift 2
    run pm-ingest --stats --reject="$T/rej.csv" -t csv "$@" "$in"
    expect_status "$label, pm-ingest: status 1 (rows rejected)" 1
    # every good record out exactly once, unchanged
    tail -n +2 "$OUT" | grep -av '^Y\{0,1\}BAD' | sort >"$T/out.good"
    tail -n +2 "$T/good.csv" | sort >"$T/want.good"
    expect_eq "$label, pm-ingest: every good record out exactly once, unchanged" "" \
        "$(cmp "$T/want.good" "$T/out.good" 2>&1 | head -1)"
    # every bad one accounted for exactly once: written, or rejected with its raw text
    local missing=0 twice=0 id c
    cat "$OUT" "$T/rej.csv" | grep -ao 'Y\{0,1\}BAD[0-9]\{5,6\}' | sort | uniq -c >"$T/seen"
    while read -r id; do
        c=$(awk -v id="$id" '$2 == id { print $1 }' "$T/seen")
        [ -z "$c" ] && missing=$((missing + 1))
    done <"$T/bad.ids"
    expect_eq "$label, pm-ingest: every bad record accounted for" 0 "$missing"
    expect_eq "$label, pm-ingest: rejects are valid UTF-8 without NUL" ok \
        "$(tr -d '\000' <"$T/rej.csv" | cmp -s - "$T/rej.csv" && iconv -f UTF-8 -t UTF-8 "$T/rej.csv" >/dev/null 2>&1 && echo ok)"
    expect_eq "$label, pm-ingest: every reject carries _raw" 1 \
        "$(head -1 "$T/rej.csv" | grep -c '_raw')"
    expect_grep "$label, pm-ingest: the counts reconcile" \
        "^pm-ingest: read [0-9]+, passed [0-9]+, rejected [0-9]+, skipped [0-9]+" "$ERR"
    local r p j s
    read -r r p j s <<<"$(sed -n 's/^pm-ingest: read \([0-9]*\), passed \([0-9]*\), rejected \([0-9]*\), skipped \([0-9]*\).*/\1 \2 \3 \4/p' "$ERR")"
    expect_eq "$label, pm-ingest: read = passed + rejected + skipped" "${r:-x}" "$((${p:-0} + ${j:-0} + ${s:-0}))"
    expect_eq "$label, pm-ingest: read every record" "$((N + nbad))" "${r:-x}"
}

check_sla() {  # LABEL INPUT [OPTIONS]
    local label=$1 in=$2
    shift 2
    run pm-sla --stats -t csv --now=2027-01-01T00:00:00+08:00 "$@" "$in"
    expect_status "$label, pm-sla: status 1" 1
    # a bad CSV row keeps the header's width; YAML has no header to keep
    case $in in *.csv) expect_eq "$label, pm-sla: one header" 1 "$(grep -ac '^id,kind,' "$OUT")" ;; esac
    # the good records, less the seven fields pm-sla appends
    tail -n +2 "$OUT" | grep -av '^Y\{0,1\}BAD' | grep -av ',invalid$' | grep -av '^id,kind,\|^respond_due,\|^$' | sed 's/\(,[^,]*\)\{7\}$//' | sort >"$T/out.good"
    tail -n +2 "$T/good.csv" | sort >"$T/want.good"
    expect_eq "$label, pm-sla: every good record out exactly once, unchanged" "" \
        "$(cmp "$T/want.good" "$T/out.good" 2>&1 | head -1)"
    expect_eq "$label, pm-sla: no NUL, valid UTF-8" ok \
        "$(tr -d '\000' <"$OUT" | cmp -s - "$OUT" && iconv -f UTF-8 -t UTF-8 "$OUT" >/dev/null 2>&1 && echo ok)"
    local r p w
    read -r r p w <<<"$(sed -n 's/^pm-sla: read \([0-9]*\), passed \([0-9]*\),.* wrote \([0-9]*\);.*/\1 \2 \3/p' "$ERR")"
    expect_eq "$label, pm-sla: read every record" "$((N + nbad))" "${r:-x}"
    expect_eq "$label, pm-sla: every record read is written" "${r:-x}" "${w:-y}"
}

check_ingest "CSV UTF-8" "$T/spliced.csv"
check_sla "CSV UTF-8" "$T/spliced.csv"

check_ingest "CSV GB18030" "$T/spliced-gb.csv"
check_sla "CSV GB18030" "$T/spliced-gb.csv"

# YAML: the good records as pm writes them (one document a line), with bad
# documents spliced in: a missing brace, a duplicate key, a document that is
# not a mapping, `--- null`, a bad byte.
pm-ingest -t yaml "$T/good.csv" >"$T/good.yaml" 2>/dev/null
awk -v tdir="$T" '
    BEGIN { srand(13) }
    { print > (tdir "/spliced.ytmpl") }
    rand() < 0.01 {
        nb++; id = sprintf("YBAD%05d", nb); k = nb % 5
        if (k == 0) line = "--- {id: " id ", kind: complaint, category: noise, created_at: \"2024-07-01T10:00:00+08:00\""
        else if (k == 1) line = "--- {id: " id ", kind: complaint, kind: repair, category: noise, created_at: \"2024-07-01T10:00:00+08:00\"}"
        else if (k == 2) line = "--- [" id "]"      # a sequence, but not of mappings
        else if (k == 3) line = "--- null  # " id
        else line = "--- {id: " id ", kind: complaint, category: noise@FF@, created_at: \"2024-07-01T10:00:00+08:00\"}"
        print line > (tdir "/spliced.ytmpl"); print id > (tdir "/ybad.ids")
    }' "$T/good.yaml"
sed 's/@FF@/\xff/' "$T/spliced.ytmpl" >"$T/spliced.yaml"
iconv -f UTF-8 -t GB18030 <"$T/spliced.ytmpl" | sed 's/@FF@/\xff/' >"$T/spliced-gb.yaml"
cp "$T/ybad.ids" "$T/bad.ids"
nbad=$(wc -l <"$T/bad.ids")
check_ingest "YAML UTF-8" "$T/spliced.yaml"
check_sla "YAML UTF-8" "$T/spliced.yaml"
check_ingest "YAML GB18030" "$T/spliced-gb.yaml"
check_sla "YAML GB18030" "$T/spliced-gb.yaml"

finish
