#!/bin/sh
# bench-scaleout.sh - one process against two workers (examples/scale-out/
# pm-cluster on this machine, -j 2) on 1,000,000 tickets, for pm-sla and
# pm-report.
#
#   tools/bench-scaleout.sh [BIN_DIR]
#
# The tickets (tools/gen-tickets.sh, the seed of bench-sla.sh, ~185 MB) and
# pm-sla's output are made in $PM_BENCH_DIR (default /tmp/pm-bench) unless
# they are there.  The goal on 2 idle cores: two workers >= 1.7x one process.
# The load average is printed with the figures: on a busy machine, the
# speed-up says little.  Prints figures; never fails because of speed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/bin}
dir=${PM_BENCH_DIR:-/tmp/pm-bench}
export PM_DATADIR="${PM_DATADIR:-$root/data}"
export PATH="$bin:$PATH"
now=--now=2026-07-01T00:00:00+08:00
cluster=$root/examples/scale-out/pm-cluster
if ! command -v parallel >/dev/null 2>&1; then
    echo "bench-scaleout: GNU parallel is not installed (apt-get install parallel); skipped"
    exit 0
fi
mkdir -p "$dir"
f=$dir/tickets-1000000.csv
if [ ! -s "$f" ]; then
    echo "generating 1000000 tickets into $f"
    "$here/gen-tickets.sh" -n 1000000 -s 2024 -d 2024-01-01 -D 900 >"$f.tmp" && mv "$f.tmp" "$f"
fi
sla=$dir/scaleout-sla-1000000.csv
if [ ! -s "$sla" ]; then
    "$bin/pm-sla" $now "$f" >"$sla.tmp" || true
    mv "$sla.tmp" "$sla"
fi

seconds() {  # "REAL CPU" seconds of a command; its status 1 (flagged) is no failure
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$dir/scaleout.time" -f '%e %U %S' "$@" >/dev/null 2>"$dir/scaleout.err" ||
            [ $? = 1 ] || echo "bench-scaleout: failed: $*" >&2
        tail -n 1 "$dir/scaleout.time" | awk '{ printf "%.2f %.2f", $1, $2 + $3 }'
    else
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || [ $? = 1 ] || echo "bench-scaleout: failed: $*" >&2
        e=$(date +%s.%N)
        echo "$s $e" | awk '{ printf "%.2f ?", $2 - $1 }'
    fi
}

compare() {  # LABEL RECORDS INPUT PROGRAM ARGS...
    label=$1 n=$2 in=$3
    shift 3
    one=$(seconds "$@" "$in")
    two=$(seconds "$cluster" -j 2 -i "$in" "$@")
    echo "$label $n $one $two" | awk '{
        printf "  %-10s one process %6.2f s (%4.2f M/s, %5.2f s CPU)   two workers %6.2f s (%4.2f M/s, %5.2f s CPU)   %.2fx\n",
            $1, $3, $2 / $3 / 1e6, $4, $5, $2 / $5 / 1e6, $6, $3 / $5 }'
}

echo "one process vs two workers (pm-cluster -j 2 on this machine), 1,000,000 tickets"
echo "  $(nproc 2>/dev/null || echo '?') cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
for round in 1 2; do
    compare pm-sla 1000000 "$f" pm-sla $now
    compare pm-report 1000000 "$sla" pm-report sla
done
exit 0
