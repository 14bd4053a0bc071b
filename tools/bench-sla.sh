#!/bin/sh
# bench-sla.sh - how fast pm-sla is, and how much memory it needs.
#
#   tools/bench-sla.sh [BIN_DIR]
#
# Generates 100,000 and 1,000,000 tickets (tools/gen-tickets.sh, fixed seed;
# ~18 and ~185 MB) into $PM_BENCH_DIR (default /tmp/pm-bench) unless they are
# already there, then times pm-sla on them - the plain run, --explain, and the
# plain run again - with /usr/bin/time (elapsed seconds and peak memory) or
# hyperfine when installed, and the bare libcsv parse of the same file
# (tools/floor-csv.c).  The goals (issue 18), as ratios of the same run: the
# plain run <= 1.5x the bare parse, --explain <= 1.5x the plain run, peak
# memory < 16 MB and flat from 100k to 1M.  This prints figures; it never
# fails because of speed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${1:-$root/bin}
dir=${PM_BENCH_DIR:-/tmp/pm-bench}
export PM_DATADIR="${PM_DATADIR:-$root/data}"
now=--now=2026-07-01T00:00:00+08:00
mkdir -p "$dir"
for n in 100000 1000000; do
    f=$dir/tickets-$n.csv
    if [ ! -s "$f" ]; then
        echo "generating $n tickets into $f"
        "$here/gen-tickets.sh" -n "$n" -s 2024 -d 2024-01-01 -D 900 >"$f.tmp" && mv "$f.tmp" "$f"
    fi
done

${CC:-cc} -O2 -o "$dir/floor-csv" "$here/floor-csv.c" -lcsv || exit 0
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
last=0
measure() {  # LABEL FILE ARGS...
    label=$1 f=$2
    shift 2
    if [ -x /usr/bin/time ]; then
        # pm-sla exits 1 when tickets are late: that is no failure here.
        /usr/bin/time -o "$dir/time.out" -f '%e s %U user %M KB' "$bin/pm-sla" $now "$@" "$f" \
            >/dev/null 2>/dev/null || true
        t=$(tail -1 "$dir/time.out")
        last=${t%% *}
    else
        s=$(date +%s.%N)
        "$bin/pm-sla" $now "$@" "$f" >/dev/null 2>&1 || true
        t="$(echo "$(date +%s.%N) - $s" | bc) s"
    fi
    printf '  %-34s %s\n' "$label" "$t"
}

echo "pm-sla on $(nproc 2>/dev/null || echo '?') cores; one process ($(date -u +%FT%TZ))"
for n in 100000 1000000; do
    f=$dir/tickets-$n.csv
    sz=$(($(wc -c <"$f") / 1000000))
    fl=0
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$dir/time.out" -f '%e' "$dir/floor-csv" "$f" >/dev/null 2>&1 || true
        fl=$(tail -1 "$dir/time.out")
        printf '  %-34s %s s\n' "bare libcsv parse" "$fl"
    fi
    measure "$n tickets ($sz MB)" "$f"
    plain=$last
    measure "$n tickets, --explain" "$f" --explain
    [ "$fl" = 0 ] || echo "  pm-sla / bare parse $(ratio "$plain" "$fl"); --explain / pm-sla $(ratio "$last" "$plain")"
    measure "$n tickets, -t yaml" "$f" -t yaml
    measure "$n tickets (again)" "$f"
done
if command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine, 1,000,000 tickets:"
    hyperfine -N -i -w 1 -r 5 \
        "$bin/pm-sla $now $dir/tickets-1000000.csv" \
        "$bin/pm-sla $now --explain $dir/tickets-1000000.csv" 2>&1 | grep -E 'Benchmark|Time|Range|±' || true
fi
exit 0
