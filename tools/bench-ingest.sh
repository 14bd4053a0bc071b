#!/bin/sh
# bench-ingest.sh - pm-ingest with the default schema on 1,000,000 canonical
# tickets (UTF-8) and on the same rows in GB18030.
# Goals (issue 18): at most 2x the bare libcsv parse of the same file
# (tools/floor-csv.c; tools/bench-table.sh prints the ratio) on one core,
# faster than Miller (mlr --icsv --ocsv cat) in elapsed time on two cores;
# peak memory flat from 100k to 1M rows.  Prints figures; never fails on speed.
#   sh tools/bench-ingest.sh [ROWS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
DIR=${PM_BENCH_DIR:-${TMPDIR:-/tmp}/pm-bench}/ingest
mkdir -p "$DIR"
BIN=$ROOT/bin/pm-ingest
[ -x "$BIN" ] || { echo "bench-ingest: build bin/pm-ingest first (make)" >&2; exit 2; }
for n in 100000 "$N"; do
    f=$DIR/tickets-$n.csv
    [ -s "$f" ] || sh "$ROOT/tools/gen-tickets.sh" -n "$n" >"$f"
    [ -s "$f.gb" ] || iconv -f UTF-8 -t GB18030 <"$f" >"$f.gb"
done
big=$DIR/tickets-$N.csv
echo "input: $(wc -c <"$big") bytes, $N rows"
t() {  # label command...
    label=$1; shift
    /usr/bin/time -f "%e s elapsed, %U s user, %M KB peak" "$@" >/dev/null 2>"$DIR/time.txt"
    printf '  %-34s %s\n' "$label" "$(tail -n 1 "$DIR/time.txt")"
}
t "cat (reading the file)" cat "$big"
t "pm-ingest UTF-8, 100k rows" "$BIN" "$DIR/tickets-100000.csv"
t "pm-ingest UTF-8, $N rows" "$BIN" "$big"
t "pm-ingest GB18030, $N rows" "$BIN" "$big.gb"
if command -v mlr >/dev/null 2>&1; then
    t "mlr --icsv --ocsv cat (all cores)" mlr --icsv --ocsv cat "$big"
fi
exit 0
