#!/bin/sh
# gen-tickets.sh - writes N realistic canonical ticket rows (docs/CONTRACT.md section 4)
# as CSV on standard output, the same rows for the same seed.
#
#   tools/gen-tickets.sh [-n N] [-s SEED] [-d START_DATE] [-D DAYS] > tickets.csv
#
# Defaults: 1000 tickets, seed 1, created over 900 days from 2024-01-01.
# About 185 bytes a ticket; a million take a fraction of a second.  The work
# is done by tools/gen-tickets.c, compiled once into a cache folder.
set -eu
n=1000 seed=1 start=2024-01-01 days=900
while getopts n:s:d:D:h opt; do
    case $opt in
    n) n=$OPTARG ;;
    s) seed=$OPTARG ;;
    d) start=$OPTARG ;;
    D) days=$OPTARG ;;
    *) sed -n '2,9s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")" && pwd)
src=$here/gen-tickets.c
sum=$(cksum <"$src" | cut -d' ' -f1)
cache=${XDG_CACHE_HOME:-${TMPDIR:-/tmp}}/pm-tools
bin=$cache/gen-tickets-$sum
if [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    ${CC:-cc} -O2 -o "$bin.tmp.$$" "$src"
    mv "$bin.tmp.$$" "$bin"
fi
# START_DATE as days since 1970-01-01 (date -u +%s works in every zone).
startday=$(( $(date -u -d "$start" +%s) / 86400 ))
exec "$bin" "$n" "$seed" "$startday" "$days"
