#!/bin/bash
# Command-line tests of the record readers (issue 12): no input record is
# lost or silently misread.  Each test runs a real program (pm-ingest with
# --reject, or pm-sla) on a fixture in tests/cli/reader/ or one made here.
. "$(dirname "$0")/lib.sh"
F=$HERE/reader
cd "$F" || exit 2
NOW=--now=2025-01-01T00:00:00+08:00

# summary NAME N M K: pm-ingest's summary line is "read N, wrote M, rejected K"
summary() {
    expect_eq "$1: summary line" "pm-ingest: read $2, wrote $3, rejected $4" "$(grep '^pm-ingest: read ' "$ERR" | tail -n 1)"
}

# --- 1. CSV: text after a closing quote; an unclosed quote is bounded -------
run pm-ingest -r "$T/qt.rej" quote_tail.csv
expect_status "text after a closing quote: kept, status 0" 0
summary "text after a closing quote" 3 3 0
expect_grep "text after a closing quote: the value" '^G2,complaint,,,,2024-07-03T09:10:00\+08:00,.*,hand edited$' "$OUT"
expect_grep "text after a closing quote: the row after it" '^G3,repair,' "$OUT"
run pm-sla $NOW quote_tail.csv
expect_eq "pm-sla reads all three rows" 3 "$(grep -c '^G[123],' "$OUT")"
expect_grep "pm-sla passes the value through with its blank" '^G2,complaint,hand edited ,2024-07-03 09:10,' "$OUT"

# one such row, then 300,000 good rows: none is lost
{ printf 'id,kind,description,created_at\n'
  printf 'G2,complaint,"x" ,2024-07-03 09:10\n'
  awk 'BEGIN { for (i = 0; i < 300000; i++) printf "T%d,repair,d%d,2024-07-03 09:20\n", i, i }'; } >"$T/big.csv"
run pm-ingest -r "$T/big.rej" "$T/big.csv"
summary "one stray blank after a quote, 300,000 rows" 300001 300001 0
expect_eq "300,000 rows: every row out" 300002 "$(wc -l <"$OUT")"

# an unclosed quote with 1,500 good rows after it: the quote's line is
# rejected, every later row is read
{ printf 'id,kind,created_at,description\n'
  printf 'G1,repair,2024-07-03 09:00,ok\n'
  printf 'G2,repair,2024-07-03 09:10,"never closed\n'
  awk 'BEGIN { for (i = 0; i < 1500; i++) printf "T%d,repair,2024-07-03 09:20,d%d\n", i, i }'; } >"$T/open.csv"
run pm-ingest -r "$T/open.rej" "$T/open.csv"
expect_status "unclosed quote: status 1 (a reject)" 1
summary "unclosed quote, 1,500 rows after" 1502 1501 1
expect_grep "unclosed quote: reported at its line" "^pm-ingest: $T/open\.csv:3: .*unterminated" "$ERR"
expect_grep "unclosed quote: the reject names its line" 'open\.csv:3,' "$T/open.rej"
expect_grep "unclosed quote: the next row is out" '^T0,repair,' "$OUT"
expect_grep "unclosed quote: the last row is out" '^T1499,repair,' "$OUT"

# --- 2. YAML: an error rejects its document; reading resumes at the next ---
{ printf -- '--- {id: Y1, kind: repair, created_at: "2024-07-03T09:00:00+08:00"}\n'
  printf -- '--- {id: Y2, kind: repair, created_at: "2024-07-03T09:00:00+08:00"\n'
  awk 'BEGIN { for (i = 3; i <= 10000; i++) printf "--- {id: Y%d, kind: repair, created_at: \"2024-07-03T09:00:00+08:00\"}\n", i }'; } >"$T/s.yaml"
run pm-ingest -r "$T/s.rej" "$T/s.yaml"
expect_status "YAML missing brace: status 1" 1
summary "YAML missing brace on line 2 of 10,000" 10000 9999 1
expect_grep "YAML missing brace: reported at its line" "^pm-ingest: $T/s\.yaml:2: .*invalid YAML" "$ERR"
expect_grep "YAML missing brace: the reject names it" 's\.yaml:2' "$T/s.rej"
expect_grep "YAML missing brace: the last record is out" '^--- \{id: Y10000,' "$OUT"
run pm-sla $NOW "$T/s.yaml"
expect_eq "pm-sla: every document is out, the bad one invalid" 10000 "$(grep -c '^--- ' "$OUT")"
expect_grep "pm-sla: the bad document reported at its line" "^pm-sla: $T/s\.yaml:2: .*invalid YAML" "$ERR"

run pm-ingest -r "$T/n.rej" nulls.yaml
expect_status "--- null and empty documents: status 1" 1
summary "--- null and empty documents" 4 2 2
expect_grep "--- null: reported at its line" '^pm-ingest: nulls\.yaml:2: .*empty' "$ERR"
expect_grep "empty document: reported at its line" '^pm-ingest: nulls\.yaml:3: .*empty' "$ERR"

run pm-ingest -r "$T/d.rej" dupkey.yaml
expect_status "duplicate YAML key: status 1" 1
summary "duplicate YAML key" 2 1 1
expect_grep "duplicate YAML key: both places" "^pm-ingest: dupkey\.yaml:1: .*'kind' appears twice \(line 1 column 14 and line 1 column 69\)" "$ERR"

# --- 3. multi-block CSV: a blank line then a header starts a new block -----
run pm-ingest --keep-extra block_a.csv block_b.csv
expect_status "two exports with other extra columns: status 0" 0
cp "$OUT" "$T/blocks.csv"
expect_eq "pm-ingest writes two blocks" 1 "$(grep -c '^$' "$T/blocks.csv")"
run pm-sla $NOW "$T/blocks.csv"
expect_no_grep "pm-sla reads the second header as a header" "unknown category" "$ERR"
expect_eq "pm-sla: four tickets out" 4 "$(grep -c '^[AB][12],' "$OUT")"
expect_grep "pm-sla: the second block's column is its own" '^B1,complaint,noise,.*,12,' "$OUT"
run pm-report --by=category "$T/blocks.csv"
expect_status "pm-report on two blocks: status 0" 0
expect_no_grep "pm-report does not count the header as data" '^category,1' "$OUT"
expect_grep "pm-report counts the four tickets" '^indoor_repair,3$' "$OUT"
# a foreign CSV with a stray blank line: the next row stays data
run pm-ingest -r "$T/sb.rej" stray_blank.csv
expect_status "stray blank line: status 0" 0
summary "stray blank line" 3 3 0
expect_grep "stray blank line: the row after it is data" '^S2,repair,' "$OUT"
expect_grep "stray blank line: and the header is kept" '^S3,repair,' "$OUT"

# --- 4. duplicate CSV header names ----------------------------------------
run pm-ingest -r "$T/dh.rej" dup_header.csv
expect_status "duplicate header name: status 2" 2
expect_grep "duplicate header name: both columns named" "^pm-ingest: dup_header\.csv:1: .*'kind' appears twice \(columns 2 and 4\)" "$ERR"
summary "duplicate header name: its rows are rejected, counted" 2 0 2
expect_grep "duplicate header name: row 1 in the rejects" 'dup_header\.csv:2,' "$T/dh.rej"
expect_grep "duplicate header name: row 2 in the rejects" 'dup_header\.csv:3,' "$T/dh.rej"

finish
