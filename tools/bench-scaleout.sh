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
# speed-up says little (with sched_autogroup, where the kernel shares the
# cores between sessions, not processes, nothing).  PM_BENCH_ROUNDS paired
# rounds (default 5).  Each round also times two one-process runs at
# once, what this machine gives two busy processes (see both(), below):
# the speed-up is printed against it too, as a share of it, which moves
# far less than the speed-up itself on a machine whose cores are shared.
# Prints figures; never fails because of speed.
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
        tail -n 1 "$dir/scaleout.time" | awk '{ printf "%.3f %.3f", $1, $2 + $3 }'
    else
        s=$(date +%s.%N)
        "$@" >/dev/null 2>&1 || [ $? = 1 ] || echo "bench-scaleout: failed: $*" >&2
        e=$(date +%s.%N)
        echo "$s $e" | awk '{ printf "%.3f 0", $2 - $1 }'
    fi
}

# Wall seconds of two one-process runs at once (each the whole input, its
# own output file): what this machine gives two busy processes.  2 x one
# process over this is the speed-up two workers would reach if splitting,
# copying and merging cost nothing: the ceiling the figure is read against
# (a virtual machine's two cores may share a physical core or its caches).
both() {  # PROGRAM ARGS... INPUT
    s=$(date +%s.%N)
    "$@" -o "$dir/scaleout.b1" >/dev/null 2>&1 &
    "$@" -o "$dir/scaleout.b2" >/dev/null 2>&1 || :  # (status 1: flagged records)
    wait || :
    e=$(date +%s.%N)
    rm -f "$dir/scaleout.b1" "$dir/scaleout.b2"
    echo "$s $e" | awk '{ printf "%.3f", $2 - $1 }'
}

# One process, then two workers, in turn, $rounds times; both write their
# output to a file (-o), as a real run does, a new one: the previous round's
# is removed before, untimed (replacing a file of 220 MB frees its blocks
# first, about 0.04 CPU seconds either way, which is not the programs'
# work).  The speed-up is the median of
# the rounds' ratios (each round's pair ran back to back, so a machine
# whose speed drifts moves both), the seconds the medians of each.
compare() {  # LABEL RECORDS INPUT PROGRAM ARGS...
    label=$1 n=$2 in=$3
    shift 3
    : >"$dir/scaleout.rounds"
    i=0
    while [ $i -lt "$rounds" ]; do
        rm -f "$dir/scaleout.one" "$dir/scaleout.two"
        one=$(seconds "$@" -o "$dir/scaleout.one" "$in")
        two=$(seconds "$cluster" -j 2 -i "$in" -o "$dir/scaleout.two" "$@")
        pair=$(both "$@" "$in")
        echo "$one $two $pair" >>"$dir/scaleout.rounds"
        i=$((i + 1))
    done
    same="byte-identical"
    cmp -s "$dir/scaleout.one" "$dir/scaleout.two" || same="OUTPUTS DIFFER"
    awk -v label="$label" -v n="$n" -v same="$same" '
        function median(a, k,   i, j, t) {
            for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
            return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
        }
        { k++; w1[k] = $1; c1[k] = $2; w2[k] = $3; c2[k] = $4; r[k] = $1 / $3; rs[k] = r[k]; cl[k] = 2 * $1 / $5; ef[k] = r[k] / cl[k] }
        END {
            m1 = median(w1, k); m2 = median(w2, k); mc1 = median(c1, k); mc2 = median(c2, k)
            lo = hi = rs[1]; for (i = 2; i <= k; i++) { if (rs[i] < lo) lo = rs[i]; if (rs[i] > hi) hi = rs[i] }
            printf "  %-10s one process %6.2f s (%4.2f M/s, %5.2f s CPU)   two workers %6.2f s (%4.2f M/s, %5.2f s CPU)   %.2fx (%.2f-%.2f, %s)\n",
                label, m1, n / m1 / 1e6, mc1, m2, n / m2 / 1e6, mc2, median(r, k), lo, hi, same
            printf "  %-10s this machine'"'"'s ceiling: two one-process runs at once take %.2fx one alone, so free splitting would give %.2fx\n",
                "", 2 / median(cl, k), median(cl, k)
            printf "  %-10s two workers give %.0f%% of it (median of the rounds'"'"' speed-up over their ceiling)\n", "", 100 * median(ef, k)
        }' "$dir/scaleout.rounds"
    rm -f "$dir/scaleout.one" "$dir/scaleout.two"
}

rounds=${PM_BENCH_ROUNDS:-5}
echo "one process vs two workers (pm-cluster -j 2 on this machine), 1,000,000 tickets, output to a file;"
echo "medians of $rounds paired rounds; the speed-up is one process's wall seconds over two workers' (its range)"
echo "  $(nproc 2>/dev/null || echo '?') cores, load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?'), $(date -u +%FT%TZ)"
if [ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ]; then
    echo "  (sched_autogroup is on: the kernel shares the cores between sessions, so while other sessions"
    echo "  are busy two workers get the share one process would get, and the speed-up is near 1)"
fi
compare pm-sla 1000000 "$f" pm-sla $now
compare pm-report 1000000 "$sla" pm-report sla
echo "  load average after: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
exit 0
