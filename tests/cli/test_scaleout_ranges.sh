#!/bin/bash
# Byte ranges that cannot be wrong (issue 19): a --byte-range read refuses a
# range that does not end where a run over the whole file stands at a
# record's start (a quoted line break across the end, a blank line before a
# header of its own, lines ended by a CR alone), and pm-cluster, which
# splits a file into ranges without reading it first, then runs again
# another way: its output is one process's, whatever the file holds.
. "$(dirname "$0")/lib.sh"
NOW=--now=2026-07-01T00:00:00+08:00
C=$ROOT/examples/scale-out/pm-cluster
REFUSED='so the file cannot be read by byte range'

# 3,000 tickets (about 550 KB: what pm-cluster looks at before it splits is
# the first 256 KB), line 2900 flagged (a message after every split below)
"$ROOT/tools/gen-tickets.sh" -n 3000 -s 41 |
    awk -F, -v OFS=, 'NR == 2900 { $6 = "bad" } { print }' > "$T/base.csv"
size=$(wc -c < "$T/base.csv")
# the line holding the middle byte (where pm-cluster -j 2 splits)
mid=$(awk -v m=$((size / 2)) '{ n += length($0) + 1 } n > m { print NR; exit }' "$T/base.csv")
upto() { head -n "$1" "$2" | wc -c; }  # bytes of the first N lines of FILE

ranges() {  # NAME FILE CUT [ARG]...: the ranges 0-CUT and CUT-END read what one run reads, with its messages
    local name=$1 f=$2 cut=$3 end
    shift 3
    end=$(wc -c < "$f")
    pm-sla $NOW "$@" "$f" > "$T/one" 2> "$T/one.err"
    pm-sla $NOW "$@" --byte-range=0-"$cut" "$f" > "$T/a" 2> "$T/a.err"
    pm-sla $NOW "$@" --byte-range="$cut"-"$end" "$f" > "$T/b" 2> "$T/b.err"
    { cat "$T/a"; if [ -s "$T/a" ]; then tail -n +2 "$T/b"; else cat "$T/b"; fi; } > "$T/two"
    if cmp -s "$T/one" "$T/two"; then pass; else fail "$name: the two ranges write what one run writes"; fi
    cat "$T/a.err" "$T/b.err" > "$T/two.err"
    if cmp -s "$T/one.err" "$T/two.err"; then pass; else
        fail "$name: the same messages, with the file's lines" "$(diff "$T/one.err" "$T/two.err" | head -4)"
    fi
}
refused() {  # NAME FILE END LINE [ARG]...: --byte-range=0-END refuses, naming LINE
    run pm-sla $NOW "${@:5}" --byte-range=0-"$3" "$2"
    expect_status "$1: refused (exit 2)" 2
    expect_grep "$1: says why, at the line where the next range starts" "^pm-sla: $2:$4: --byte-range: .*$REFUSED" "$ERR"
}
cluster() {  # NAME FILE [PM-CLUSTER OPTION]...: pm-cluster -j 2 = one process (output, status)
    local name=$1 f=$2
    shift 2
    pm-sla $NOW "$f" > "$T/one" 2> "$T/one.err"
    local rc=$?
    run "$C" -j 2 "$@" -i "$f" pm-sla $NOW
    expect_out "$name, pm-cluster: byte-identical to one process" "$T/one"
    expect_status "$name, pm-cluster: the one process's status" "$rc"
    expect_no_grep "$name, pm-cluster: a refused range is no message of the run" "$REFUSED" "$ERR"
}

# --- a quoted line break across the split ------------------------------------
awk -F, -v OFS=, -v m="$mid" 'NR == m { d = "\"a note"; for (i = 0; i < 40; i++) d = d "\nline " i " of a long note, quoted";
    $14 = d "\"" } { print }' "$T/base.csv" > "$T/note.csv"
in_note=$(upto $((mid + 20)) "$T/note.csv")
refused "a quoted line break across the end of the range" "$T/note.csv" "$in_note" $((mid + 21))
ranges "a range that ends after the record with quoted line breaks" "$T/note.csv" "$(upto $((mid + 41)) "$T/note.csv")"
cluster "a quoted line break across the split" "$T/note.csv"
# ... with GNU parallel (--shared hosts): the same
if command -v parallel >/dev/null 2>&1; then
    printf '1/host1\n1/host2\n' > "$T/hosts"
    cluster "a quoted line break across the split, --shared hosts" "$T/note.csv" --sshloginfile="$T/hosts" \
        --ssh="$HERE/scaleout/fake-ssh" --shared
fi

# An even number of quotes on every line is no proof: in  repairx",...,"desc
# the first quote is text and the second opens a field that ends lines later.
awk -F, -v OFS=, -v m="$mid" 'NR == m { $2 = $2 "x\""; $13 = "\"desc"; NF = 13; print
    for (i = 0; i < 20; i++) print "more text of the description, line " i; print "end\",S034x\""; next } { print }' \
    "$T/base.csv" > "$T/trap.csv"
refused "a quote that is text, then a quoted field over lines" "$T/trap.csv" "$(upto $((mid + 5)) "$T/trap.csv")" $((mid + 6))
cluster "a quote that is text, then a quoted field over lines, across the split" "$T/trap.csv"

# Quotes right before and right after the split: whole records, accepted.
awk -F, -v OFS=, -v m="$mid" 'NR == m || NR == m + 1 { $14 = "\"say \"\"hi\"\", then go\"" } { print }' \
    "$T/base.csv" > "$T/quotes.csv"
ranges "a quoted field on the last line of a range" "$T/quotes.csv" "$(upto "$mid" "$T/quotes.csv")"
ranges "a quoted field on the first line of a range" "$T/quotes.csv" "$(upto $((mid - 1)) "$T/quotes.csv")"
cluster "quoted fields next to the split" "$T/quotes.csv"

# --- CRLF, blank lines, headers of their own, CR alone ------------------------
sed 's/$/\r/' "$T/base.csv" > "$T/crlf.csv"
ranges "CRLF line ends" "$T/crlf.csv" "$(upto "$mid" "$T/crlf.csv")"
cluster "CRLF line ends" "$T/crlf.csv"

{ head -n "$mid" "$T/base.csv"; echo; tail -n +$((mid + 1)) "$T/base.csv"; } > "$T/blank.csv"
refused "a range that ends with a blank line (a header may follow)" "$T/blank.csv" "$(upto $((mid + 1)) "$T/blank.csv")" \
    $((mid + 2))
ranges "a blank line inside a range" "$T/blank.csv" "$(upto $((mid + 5)) "$T/blank.csv")"

q=$((mid / 2))
{ head -n "$q" "$T/base.csv"; echo; head -n 1 "$T/base.csv" | sed 's/assignee,description$/description,assignee/'
    tail -n +$((q + 1)) "$T/base.csv"; } > "$T/header2.csv"
refused "a header of its own inside a range that is not the last" "$T/header2.csv" "$(upto "$mid" "$T/header2.csv")" \
    $((mid + 1))
ranges "a header of its own inside the last range" "$T/header2.csv" "$(upto $((q - 10)) "$T/header2.csv")"
cluster "a header of its own before the split" "$T/header2.csv"

awk -v q="$q" 'NR == q { printf "%s\r", $0; next } { print }' "$T/base.csv" > "$T/cr.csv"
# (the reader counts the CR as a line end: the range's first mid LF-ended
# lines are the file's first mid + 1)
refused "a line ended by a CR alone before the end of the range" "$T/cr.csv" "$(upto "$mid" "$T/cr.csv")" $((mid + 2))
ranges "a line ended by a CR alone in the last range" "$T/cr.csv" "$(upto $((q - 10)) "$T/cr.csv")"
cluster "a line ended by a CR alone before the split" "$T/cr.csv"

# --- the header line ----------------------------------------------------------
{ head -n 1 "$T/base.csv" | sed 's/,description$/,"descr\niption"/'; tail -n +2 "$T/base.csv"; } > "$T/qheader.csv"
refused "a header line with a quoted line break" "$T/qheader.csv" "$(upto "$mid" "$T/qheader.csv")" 2
cluster "a header line with a quoted line break" "$T/qheader.csv"
{ echo; cat "$T/base.csv"; } > "$T/blank-first.csv"
refused "a first line that is blank (the header is the second)" "$T/blank-first.csv" $((size / 2)) 2
cluster "a first line that is blank" "$T/blank-first.csv"
head -n 1 "$T/base.csv" > "$T/header-only.csv"
cluster "a header and no record" "$T/header-only.csv"
head -n 1 "$T/base.csv" | tr -d '\n' > "$T/header-no-lf.csv"
cluster "a header without a line end" "$T/header-no-lf.csv"
: > "$T/empty.csv"
cluster "an empty file" "$T/empty.csv"
rm -f "$T/out.csv"
run "$C" -j 2 -i "$T/empty.csv" -o "$T/out.csv" pm-sla $NOW
expect_status "an empty file, -o FILE: status 0" 0
if [ -f "$T/out.csv" ] && [ ! -s "$T/out.csv" ]; then pass; else fail "an empty file, -o FILE: an empty file written"; fi

# -o FILE: block 1's output is written into FILE's twin; while block 2's job
# still runs, its output is appended as it is written (here its second
# part a second after the first); when block 2's job ends first, its
# output is appended after block 1's job ended.  The file is one process's
# all the same, and a block that fails last leaves nothing.
pm-sla $NOW "$T/base.csv" > "$T/one" 2>/dev/null; rc=$?
late() {  # SLOW OTHER: block SLOW's job ends after block OTHER's
    rm -f "$T/out.csv"
    PATH="$HERE/scaleout/slow:$PATH" SLOW_BLOCK=$1 run "$C" -j 2 -i "$T/base.csv" -o "$T/out.csv" pm-sla $NOW
    expect_status "-o FILE, block $1 ends last: the one process's status" "$rc"
    if cmp -s "$T/one" "$T/out.csv"; then pass; else fail "-o FILE, block $1 ends last: one process's output"; fi
    rm -f "$T/out.csv"
    PATH="$HERE/scaleout/slow:$PATH" SLOW_BLOCK=$1 SLOW_STATUS=2 run "$C" -j 2 -i "$T/base.csv" -o "$T/out.csv" pm-sla $NOW
    expect_status "-o FILE, block $1 fails after block $2 ended: exit 2" 2
    expect_grep "-o FILE, block $1 fails after block $2 ended: says so" "block $1 on this machine failed \(exit status 2\)" "$ERR"
    if [ -e "$T/out.csv" ]; then fail "-o FILE, block $1 fails after block $2 ended: nothing written"; else pass; fi
    expect_eq "-o FILE, block $1 fails after block $2 ended: no temporary file left" "" "$(ls -A "$T" | grep '^\.pm-cluster')"
}
late 2 1
late 1 2

# pm-report -o FILE: a merge that refuses the partials writes nothing, and
# leaves no temporary file (its own, or pm-cluster's)
pm-sla $NOW "$T/base.csv" > "$T/sla.csv" 2>/dev/null
rm -f "$T/out.rep"
PATH="$HERE/scaleout/badmerge:$PATH" run "$C" -j 2 -i "$T/sla.csv" -o "$T/out.rep" pm-report sla
expect_status "pm-report -o FILE, merge refused: exit 2" 2
expect_grep "pm-report -o FILE, merge refused: says so" "the merge failed; nothing written" "$ERR"
if [ -e "$T/out.rep" ]; then fail "pm-report -o FILE, merge refused: nothing written"; else pass; fi
expect_eq "pm-report -o FILE, merge refused: no temporary file left" "" "$(ls -A "$T" | grep -e 'pm-cluster' -e '^\.out\.rep')"
# ... and so does one over a FILE that is there, which stays as it was
echo "the old report" > "$T/out.rep"
PATH="$HERE/scaleout/badmerge:$PATH" run "$C" -j 2 -i "$T/sla.csv" -o "$T/out.rep" pm-report sla
expect_status "pm-report -o FILE there, merge refused: exit 2" 2
expect_eq "pm-report -o FILE there, merge refused: FILE as it was" "the old report" "$(cat "$T/out.rep")"
expect_eq "pm-report -o FILE there, merge refused: no temporary file left" "" "$(ls -A "$T" | grep -e 'pm-cluster' -e '^\.out\.rep')"

# -o FILE, a new file: its mode is a new file's (666 less the umask), as
# one process's -o gives it
for u in 022 027; do
    rm -f "$T/one.csv" "$T/out.csv" "$T/one.rep" "$T/out.rep"
    (
        umask $u  # (pm-sla's status is 1: line 2900 is flagged)
        pm-sla $NOW -o "$T/one.csv" "$T/base.csv"
        pm-report sla -o "$T/one.rep" "$T/one.csv"
        "$C" -j 2 -i "$T/base.csv" -o "$T/out.csv" pm-sla $NOW
        "$C" -j 2 -i "$T/one.csv" -o "$T/out.rep" pm-report sla
    ) 2>/dev/null
    expect_eq "-o FILE, umask $u: pm-sla's file has one process's mode" "$(stat -c %a "$T/one.csv")" "$(stat -c %a "$T/out.csv")"
    expect_eq "-o FILE, umask $u: pm-report's file has one process's mode" "$(stat -c %a "$T/one.rep")" "$(stat -c %a "$T/out.rep")"
done

# One block, YAML out, -o FILE: the file is that block's output (and not
# pm-cluster's standard input after it)
pm-sla $NOW -t yaml "$T/base.csv" > "$T/one.yaml" 2>/dev/null
rm -f "$T/out.yaml"
echo "not a ticket" | run "$C" -j 1 -i "$T/base.csv" -o "$T/out.yaml" pm-sla $NOW -t yaml
if cmp -s "$T/one.yaml" "$T/out.yaml"; then pass; else fail "-j 1, YAML, -o FILE: one process's output, nothing else"; fi

# --- YAML: documents, one a record or over lines ------------------------------
# The reader cuts YAML into documents at lines that start with "---"; a
# range that is not the last must end right before such a line, after a
# document that has begun.  The tickets above as YAML, the same record
# flagged (line 2900), in the shapes a person writes by hand.
yml() {  # STYLE: base.csv as YAML: docs (---, then a block mapping), seq (a
    # block sequence of block mappings, no ---), flow (--- and a flow mapping
    # over three lines), comments (one line a record, a comment and a blank
    # line after each)
    awk -F, -v style="$1" 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; next }
      { if (style == "docs") print "---"; else if (style != "seq") printf "--- {"
        for (i = 1; i <= NF; i++) {
          if (style == "docs") printf "%s: \"%s\"\n", h[i], $i
          else if (style == "seq") printf "%s%s: \"%s\"\n", (i == 1 ? "- " : "  "), h[i], $i
          else if (style == "flow") printf "%s: \"%s\"%s", h[i], $i, (i == NF ? "}\n" : i % 5 ? ", " : ",\n  ")
          else printf "%s: \"%s\"%s", h[i], $i, (i == NF ? "}\n# checked\n\n" : ", ") } }' "$T/base.csv"
}
for s in docs seq flow comments; do yml $s > "$T/$s.yaml"; done
pm-ingest -t yaml "$T/base.csv" > "$T/lines.yaml" 2>/dev/null  # pm's own: one "--- {...}" a line
ylines=$(wc -l < "$T/docs.yaml")
ymid=$(awk -v m=$(($(wc -c < "$T/docs.yaml") / 2)) '{ n += length($0) + 1 } n > m { print NR; exit }' "$T/docs.yaml")
ymid=$(awk -v m="$ymid" 'NR > m && /^---$/ { print NR; exit }' "$T/docs.yaml")  # a document's first line
refused "YAML, a block mapping cut in two" "$T/docs.yaml" "$(upto $((ymid + 4)) "$T/docs.yaml")" $((ymid + 5)) -t csv
ranges "YAML, block mappings, cut before a ---" "$T/docs.yaml" "$(upto $((ymid - 1)) "$T/docs.yaml")" -t csv
cluster "YAML, block mappings" "$T/docs.yaml"
refused "YAML, a block sequence (one document) cut between items" "$T/seq.yaml" "$(upto 28000 "$T/seq.yaml")" 28001 \
    -t csv
cluster "YAML, a block sequence" "$T/seq.yaml"
# (past its first MiB, one document is read as a stream to the end of the file)
refused "YAML, a document longer than 1 MiB" "$T/seq.yaml" "$(upto 40000 "$T/seq.yaml")" 40001 -t csv
expect_grep "YAML, a document longer than 1 MiB: says so" "longer than 1 MiB is read as one stream" "$ERR"
refused "YAML, a flow mapping over lines cut in two" "$T/flow.yaml" "$(upto 4501 "$T/flow.yaml")" 4502 -t csv
ranges "YAML, a flow mapping over lines, cut before a ---" "$T/flow.yaml" "$(upto 4500 "$T/flow.yaml")" -t csv
cluster "YAML, flow mappings over lines" "$T/flow.yaml"
ranges "YAML, a comment and a blank line before the cut" "$T/comments.yaml" "$(upto 4500 "$T/comments.yaml")" -t csv
refused "YAML, a cut between a record and its comment" "$T/comments.yaml" "$(upto 4501 "$T/comments.yaml")" 4502 -t csv
{ echo "# tickets"; echo; cat "$T/lines.yaml"; } > "$T/preamble.yaml"
refused "YAML, a range of only comment and blank lines" "$T/preamble.yaml" "$(upto 2 "$T/preamble.yaml")" 3 -t csv
ranges "YAML, comment lines before the first document" "$T/preamble.yaml" "$(upto 3 "$T/preamble.yaml")" -t csv
# A refused range runs again as one process (the stand-in notes each run)
: > "$T/runs"
PATH="$HERE/scaleout/logged:$PATH" LOGGED_RUNS=$T/runs run "$C" -j 2 -i "$T/docs.yaml" pm-sla $NOW
# (block 2's job may be stopped before it starts when block 1's is refused)
expect_eq "YAML, block mappings, pm-cluster: ranges first, then one process" \
    "ranges, then $NOW $T/docs.yaml" "$(head -n 1 "$T/runs" | grep -q -e --byte-range && echo ranges), then $(tail -n 1 "$T/runs")"
# What pm writes, one document a line, splits: two ranges, no second run
ranges "YAML, one document a line" "$T/lines.yaml" $(($(wc -c < "$T/lines.yaml") / 2)) -t csv
: > "$T/runs"
pm-sla $NOW "$T/lines.yaml" > "$T/one" 2>/dev/null
PATH="$HERE/scaleout/logged:$PATH" LOGGED_RUNS=$T/runs run "$C" -j 2 -i "$T/lines.yaml" pm-sla $NOW
expect_out "YAML, one document a line, pm-cluster: byte-identical to one process" "$T/one"
expect_eq "YAML, one document a line, pm-cluster: two ranges and nothing else" \
    "2 2" "$(wc -l < "$T/runs") $(grep -c -e --byte-range "$T/runs")"
# ... through GNU parallel (ssh hosts, a stream): blocks cut only before a ---
if command -v parallel >/dev/null 2>&1; then
    printf '1/host1\n1/host2\n' > "$T/hosts"
    for s in docs flow seq; do
        cluster "YAML, $s, ssh hosts (--pipepart)" "$T/$s.yaml" --sshloginfile="$T/hosts" \
            --ssh="$HERE/scaleout/fake-ssh"
        pm-sla $NOW "$T/$s.yaml" > "$T/one" 2>/dev/null; rc=$?
        run "$C" -j 2 --block=100k pm-sla $NOW < "$T/$s.yaml"
        expect_out "YAML, $s, a stream in blocks (--pipe): byte-identical to one process" "$T/one"
        expect_status "YAML, $s, a stream in blocks (--pipe): the one process's status" "$rc"
    done
fi

# --- what a program prints once per run, printed once --------------------------
# pm-ingest's "columns:" line (about the header line, which every block
# reads) and its summary "read N, wrote M, rejected R": one process's
pm-ingest "$T/base.csv" > "$T/one" 2> "$T/one.err"; rc=$?
run "$C" -j 2 -i "$T/base.csv" pm-ingest
expect_out "pm-ingest, two ranges: one process's output" "$T/one"
expect_status "pm-ingest, two ranges: one process's status" "$rc"
if cmp -s "$T/one.err" "$ERR"; then pass; else
    fail "pm-ingest, two ranges: one process's messages (columns once, one summary)" "$(diff "$T/one.err" "$ERR" | head -4)"
fi
pm-ingest "$T/lines.yaml" > "$T/one" 2> "$T/one.yerr"
run "$C" -j 2 -i "$T/lines.yaml" pm-ingest
if cmp -s "$T/one.yerr" "$ERR"; then pass; else
    fail "pm-ingest, YAML, two ranges: one process's messages" "$(diff "$T/one.yerr" "$ERR" | head -4)"
fi
if command -v parallel >/dev/null 2>&1; then
    run "$C" -j 2 --block=100k pm-ingest < "$T/base.csv"
    expect_grep "pm-ingest, a stream in blocks: the flagged record is in a later block" \
        '^pm-ingest: block ([2-9]|[1-9][0-9]+) line [0-9]+: rejected: created_at' "$ERR"
    expect_eq "pm-ingest, a stream in blocks: one columns line" 1 "$(grep -c ': columns: ' "$ERR")"
    expect_eq "pm-ingest, a stream in blocks: one summary, the totals, last" "1 $(tail -n 1 "$T/one.err")" \
        "$(grep -c ': read [0-9]' "$ERR") $(tail -n 1 "$ERR")"
fi

# pm-report on blocks of the same files: partials merged = one pass
pm-sla $NOW "$T/note.csv" > "$T/note-sla.csv" 2>/dev/null
pm-report sla "$T/note-sla.csv" > "$T/rep.one"; rc=$?
run "$C" -j 2 -i "$T/note-sla.csv" pm-report sla
expect_out "pm-report, a quoted line break across the split: one pass's report" "$T/rep.one"
expect_status "pm-report, a quoted line break across the split: one pass's status" "$rc"
# --- a later block's lines, counted only when shown -----------------------------
# A block far into a file does not read every byte before it to number its
# lines: they are counted when a message, a reject or a key first names one
# of them (pm-formats(5)).  The lines are the file's all the same: messages
# of every kind the reader and the programs print, in block 2, as one
# process prints them.
awk -F, -v OFS=, -v m="$mid" 'NR == m + 100 { $1 = ""; $6 = "bad" } NR == m + 200 { $14 = "\"x\"y" }
    NR == m + 300 { $3 = "zz\"q" } NR == 2999 { $14 = "\"never closed" } { print }' "$T/base.csv" > "$T/shown.csv"
shown() {  # NAME INPUT PROGRAM [ARG]...: pm-cluster -j 2 (byte ranges) = one process, messages included
    local name=$1 f=$2 rc
    shift 2
    "$@" "$f" > "$T/one" 2> "$T/one.err"; rc=$?
    run "$C" -j 2 -i "$f" "$@"
    expect_out "$name: one process's output" "$T/one"
    expect_status "$name: one process's status" "$rc"
    if cmp -s "$T/one.err" "$ERR"; then pass; else
        fail "$name: one process's messages, with the file's lines" "$(diff "$T/one.err" "$ERR" | head -4)"
    fi
    expect_no_grep "$name: no line number of a block uncounted" '[0-9]{15}' "$ERR"
}
shown "block 2's lines shown, pm-sla" "$T/shown.csv" pm-sla $NOW
expect_grep "block 2's lines shown, pm-sla: a value's line" "shown\.csv:$((mid + 100)): created_at: bad timestamp" "$ERR"
expect_grep "block 2's lines shown, pm-sla: a quote's line" \
    "shown\.csv:2999: unterminated quoted field \(the quote opened on line 2999 " "$ERR"
# the reject stream's _source
pm-ingest -r "$T/rej.one" "$T/shown.csv" > /dev/null 2>&1
shown "block 2's lines shown, pm-ingest -r" "$T/shown.csv" pm-ingest -r "$T/rej.two"
if cmp -s "$T/rej.one" "$T/rej.two"; then pass; else
    fail "block 2's lines shown, pm-ingest -r: one process's rejects" "$(diff "$T/rej.one" "$T/rej.two" | head -4)"
fi
expect_grep "block 2's lines shown, pm-ingest -r: the reject's _source" "shown\.csv:2999,unterminated quoted field" "$T/rej.two"
# pm-fee keys a record without a key FILE:LINE, in its output
{ head -n 1 "$ROOT/examples/fees/inputs-2024-07.csv"
    for i in $(seq 1 100); do tail -n +2 "$ROOT/examples/fees/inputs-2024-07.csv" | sed "s/^\([^,]*\)/\1-$i/"; done; } |
    sed 's/^U-12-3-1502-80,/,/' > "$T/fee-shown.csv"
nokey=$(grep -n '^,unit,' "$T/fee-shown.csv" | cut -d: -f1)
shown "block 2's lines shown, pm-fee" "$T/fee-shown.csv" pm-fee --schedule="$ROOT/examples/fees/schedule.yaml"
expect_grep "block 2's lines shown, pm-fee: the key FILE:LINE" "^2024-07,$T/fee-shown\.csv:$nokey,property-service," "$OUT"
# YAML: a key twice, and a document that is not YAML
awk -v m="$mid" 'NR == m + 100 { sub(/}$/, ", id: again}") } NR == m + 200 { $0 = "--- {id: [open" } { print }' \
    "$T/lines.yaml" > "$T/shown.yaml"
shown "block 2's lines shown, YAML" "$T/shown.yaml" pm-sla $NOW
expect_grep "block 2's lines shown, YAML: a key twice" "shown\.yaml:$((mid + 100)): .*appears twice \(line $((mid + 100)) " "$ERR"
expect_grep "block 2's lines shown, YAML: not YAML" "shown\.yaml:$((mid + 200)): invalid YAML: .*\(line [0-9]{1,6}\); the document is rejected" "$ERR"
finish
