#!/bin/sh
# pm-ingest on the three shipped exports (run from anywhere; `make demo` runs it).
#   callcentre-2024-national-day.csv  call-centre export: GB18030, CRLF, Chinese headers,
#                           tickets of 2024-09-26..10-10 (National Day week),
#                           spreadsheet dates (2024/9/26 9:05), a multi-line
#                           field; the built-in ticket schema needs no file.
#   formtool-2024-07.yaml   online form tool: YAML, English keys, its schema maps
#                           them (regex headers, enum maps, normalize, pattern).
#   repairs-2024-07.tsv     repair log: TSV with int, exact decimal money, bool,
#                           timestamps, enum, unique and required fields.
# Each export has a few bad rows on purpose: they go to out/*-rejected.* with
# _source (FILE:LINE) and _error, and pm-ingest exits 1.  The demo exits 0
# unless pm-ingest fails with status 2 (an error) or is missing.
set -u
cd "$(dirname "$0")/../.."
PATH="$PWD/bin:$PATH"
export PATH
ex=examples/ingest
mkdir -p out
status=0

ingest() {  # ingest TITLE OUTPUT REJECTS pm-ingest-arguments...
    title=$1 output=$2 rejects=$3
    shift 3
    echo "-- $title"
    echo "   pm-ingest $* -o $output --reject=$rejects"
    pm-ingest "$@" -o "$output" --reject="$rejects" 2>out/ingest.log
    st=$?
    sed 's/^/   /' out/ingest.log
    case $st in
    0) echo "   status 0: every row written to $output" ;;
    1) echo "   status 1: rows rejected (see $rejects); the good rows are in $output" ;;
    *) echo "   status $st: ERROR"; status=1 ;;
    esac
}

ingest "call-centre export (GB18030, default schema)" \
    out/callcentre-tickets.csv out/callcentre-rejected.csv \
    $ex/callcentre-2024-national-day.csv
ingest "form tool export (YAML)" \
    out/formtool-tickets.yaml out/formtool-rejected.yaml \
    --schema=$ex/formtool.schema.yaml $ex/formtool-2024-07.yaml
ingest "repair log (TSV)" \
    out/repairs.csv out/repairs-rejected.csv \
    --schema=$ex/repairs.schema.yaml $ex/repairs-2024-07.tsv

echo "-- the first canonical ticket of the call-centre export:"
sed -n 2p out/callcentre-tickets.csv | sed 's/^/   /'
rm -f out/ingest.log
exit "$status"
