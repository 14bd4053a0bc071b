#!/bin/bash
# test_pipeline.sh - the record pipeline and reader seen from the command
# line: what lib/pipeline.c and lib/reader.c promise every program.
. "$(dirname "$0")/lib.sh"

# --- a doubled quote split by the reader's 256 KiB buffer ------------------
# The quote tracker saw a quote that ended a piece as closing the field, so
# when the boundary fell inside "" the record's state was lost: its line
# break escaped folding and the record came out over two lines.  Put the
# pair across the boundary at several offsets around 262,144.
for shift in 0 1 2 3 4 5 6; do
    awk -v shift="$shift" 'BEGIN {
        printf "id,kind,description\n"                         # 20 bytes
        target = 262144 - 24 + shift   # where R starts: its "" pairs straddle 262,144 for shifts 0, 3, 6
        n = target - 20
        while (n > 0) {
            len = n > 100 ? 100 : n
            if (n - len > 0 && n - len < 6) len = n - 6        # keep room for a last line
            line = sprintf("F%d,x,", NR + n)
            while (length(line) < len - 1) line = line "y"
            printf "%s\n", substr(line, 1, len - 1)
            n -= len
        }
        printf "R,repair,\"a\"\"b\"\"c\"\"d\"\"e\"\"f\ng\"\"\"\n"
        printf "Z,repair,last\n"
    }' >"$T/boundary.csv"
    run pm-ingest --schema=/dev/stdin "$T/boundary.csv" <<'EOF'
fields:
  - {name: id, from: [id], required: true}
  - {name: kind, from: [kind]}
  - {name: description, from: [description]}
EOF
    expect_status "boundary +$shift: read" 0
    expect_grep "boundary +$shift: the record split by the buffer is folded onto one line" \
        '^R,repair,"a""b""c""d""e""f g"""$' "$OUT"
    expect_grep "boundary +$shift: the record after it is read" '^Z,repair,last$' "$OUT"
done

# --- the output's format: -t, else the input's -------------------------------
# TSV in is TSV out for a program that annotates (docs/CONTRACT.md section 1);
# only pm-ingest writes its canonical records as CSV whatever it reads.
printf 'id\tcategory\tcreated_at\nT1\tnoise\t2024-07-01T10:00:00+08:00\n' >"$T/t.tsv"
run pm-sla --now=2024-07-01T10:05:00+08:00 "$T/t.tsv"
expect_status "TSV in: pm-sla runs" 0
expect_eq "TSV in: pm-sla writes TSV" "$(printf 'id\tcategory\tcreated_at\trespond_due')" "$(head -1 "$OUT" | cut -f1-4)"
run pm-sla --now=2024-07-01T10:05:00+08:00 -t csv "$T/t.tsv"
expect_grep "TSV in, -t csv: CSV" '^id,category,created_at,' "$OUT"
run pm-ingest "$T/t.tsv"
expect_grep "TSV in: pm-ingest writes its canonical CSV" '^id,kind,category,' "$OUT"

finish
