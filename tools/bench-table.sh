#!/bin/sh
# bench-table.sh - the speed table of issue 18, measured in one run on this
# machine: each program on 1M tickets against the bare parse of its input
# (tools/floor-csv.c, tools/floor-yaml.c: libcsv and libyaml doing nothing
# but parse; pm-fee's floor adds tools/floor-write.c writing its output's
# bytes) and against Miller doing the same job where it can, as ratios;
# pm-report's bytes per group (count-only metrics, a million groups); then
# peak memory at 30k, 300k and 1M records (it must stay flat).
#
#   sh tools/bench-table.sh            (make bench runs it)
#
# One core unless said (taskset -c 0); each time is the median of RUNS runs
# (default 3) of /usr/bin/time's elapsed seconds.  Miller lines are left out
# when mlr is not installed (Debian package miller).  Prints figures; never
# fails because of speed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${PM_BIN:-$root/bin}
dir=${PM_BENCH_DIR:-/tmp/pm-bench}
runs=${RUNS:-3}
export PM_DATADIR="${PM_DATADIR:-$root/data}"
now=--now=2026-07-01T00:00:00+08:00
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "bench-table: needs /usr/bin/time (Debian package time)"; exit 0; }
one="taskset -c 0"
command -v taskset >/dev/null 2>&1 || one=""

${CC:-cc} -O2 -o "$dir/floor-csv" "$here/floor-csv.c" -lcsv || exit 0
${CC:-cc} -O2 -o "$dir/floor-yaml" "$here/floor-yaml.c" -lyaml || exit 0
${CC:-cc} -O2 -o "$dir/floor-write" "$here/floor-write.c" || exit 0

for n in 30000 300000 1000000; do
    f=$dir/tickets-$n.csv
    [ -s "$f" ] || "$here/gen-tickets.sh" -n "$n" -s 2024 -d 2024-01-01 -D 900 >"$f"
    [ -s "$dir/tickets-$n.yaml" ] || "$bin/pm-sla" -t yaml $now "$f" 2>/dev/null |
        sed 's/, respond_due: .*}$/}/' >"$dir/tickets-$n.yaml"
    [ -s "$dir/sla-$n.csv" ] || "$bin/pm-sla" $now "$f" >"$dir/sla-$n.csv" 2>/dev/null
done
big=$dir/tickets-1000000.csv
fee=$dir/pm-bench-fee/inputs-1000000.csv
sched=$dir/pm-bench-fee/schedule.yaml
[ -s "$fee" ] && [ -s "$sched" ] || PM_BENCH_DIR=$dir sh "$here/bench-fee.sh" --generate 1000000
[ -s "$dir/fee-charges.csv" ] || "$bin/pm-fee" --schedule="$sched" "$fee" >"$dir/fee-charges.csv" 2>/dev/null

# time1 CMD...: "SECONDS KB" of one run (output to /dev/null; status ignored)
time1() {
    /usr/bin/time -o "$dir/t.out" -f '%e %M' "$@" >/dev/null 2>/dev/null
    tail -1 "$dir/t.out"
}
# med CMD...: the median elapsed seconds of $runs runs
med() {
    i=0
    : >"$dir/t.all"
    while [ $i -lt "$runs" ]; do
        time1 "$@" | cut -d' ' -f1 >>"$dir/t.all"
        i=$((i + 1))
    done
    sort -n "$dir/t.all" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "-" && b != "-" && b > 0) printf "%.2f", a / b; else print "-" }'; }

crude_sla='$due = strftime(strptime($created_at, "%Y-%m-%dT%H:%M:%S%z") + 900, "%Y-%m-%dT%H:%M:%SZ");
$arrive_status = is_empty($arrived_at) ? "open" : (strptime($arrived_at, "%Y-%m-%dT%H:%M:%S%z") <= strptime($created_at, "%Y-%m-%dT%H:%M:%S%z") + 900 ? "met" : "late")'

echo "1,000,000 tickets ($(($(wc -c <"$big") / 1000000)) MB), one core, median of $runs runs ($(date -u +%FT%TZ))"
printf '%-24s %8s %8s %7s %9s %8s\n' job seconds floor "x floor" Miller "Miller/pm"
row() {  # LABEL FLOOR_SECONDS MILLER_SECONDS PM_CMD...
    label=$1 fl=$2 ml=$3
    shift 3
    t=$(med $one "$@")
    last=$t
    printf '%-24s %8s %8s %7s %9s %8s\n' "$label" "$t" "$fl" "$(ratio "$t" "$fl")" "$ml" "$(ratio "$ml" "$t")"
}
fcsv=$(med $one "$dir/floor-csv" "$big")
fyaml=$(med $one "$dir/floor-yaml" "$dir/tickets-1000000.yaml")
fsla=$(med $one "$dir/floor-csv" "$dir/sla-1000000.csv")
m_sla=- m_cat=- m_cnt=-
if command -v mlr >/dev/null 2>&1; then
    m_sla=$(med $one mlr --icsv --ocsv put "$crude_sla" "$big")
    m_cat=$(med $one mlr --icsv --ocsv cat "$big")
    m_cnt=$(med $one mlr --icsv --ocsv count-distinct -f category,sla_status "$dir/sla-1000000.csv")
fi
row "pm-sla" "$fcsv" "$m_sla" "$bin/pm-sla" $now "$big"
t_sla=$last
row "pm-sla --explain" "$fcsv" - "$bin/pm-sla" $now --explain "$big"
t_explain=$last
row "pm-sla -t yaml" "$fcsv" - "$bin/pm-sla" $now -t yaml "$big"
t_yaml=$last
row "pm-sla -f yaml" "$fyaml" - "$bin/pm-sla" $now "$dir/tickets-1000000.yaml"
row "pm-ingest" "$fcsv" "$m_cat" "$bin/pm-ingest" "$big"
row "pm-report sla" "$fsla" "$m_cnt" "$bin/pm-report" sla "$dir/sla-1000000.csv"
if [ -s "$fee" ] && [ -s "$sched" ]; then
    # the floor: parse its input (libcsv) plus write its output's bytes
    ffee=$(med $one "$dir/floor-csv" "$fee")
    fwr=$(med $one "$dir/floor-write" "$dir/fee-charges.csv")
    row "pm-fee, 20 rules" "$(awk -v a="$ffee" -v b="$fwr" 'BEGIN { printf "%.2f", a + b }')" - \
        "$bin/pm-fee" --schedule="$sched" "$fee"
fi
echo "pm-sla --explain / pm-sla: $(ratio "$t_explain" "$t_sla") (goal: <= 1.5)"
echo "pm-sla -t yaml / pm-sla: $(ratio "$t_yaml" "$t_sla") (goal: <= 1.5)"
# Two cores: pm-sla over two byte ranges of the file, one a core
# (examples/scale-out/pm-cluster -j 2, output put together in order as one
# process writes it), and one pm-sla process for comparison.
echo "two cores (wall):"
t2=$(med "$bin/pm-sla" $now "$big")
c2=$(PATH="$bin:$PATH" && export PATH && med "$root/examples/scale-out/pm-cluster" -j 2 -i "$big" pm-sla $now)
if command -v mlr >/dev/null 2>&1; then
    m2=$(med mlr --icsv --ocsv put "$crude_sla" "$big")
    echo "  pm-cluster -j 2 pm-sla $c2 s, Miller's crude pass $m2 s: Miller/pm $(ratio "$m2" "$c2") (goal: >= 10)"
    echo "  pm-sla (one process) $t2 s: Miller/pm $(ratio "$m2" "$t2")"
else
    echo "  pm-cluster -j 2 pm-sla $c2 s, pm-sla (one process) $t2 s (Miller not installed)"
fi
# pm-ingest against Miller free to use both cores (Miller's reader, parser
# and writer run in goroutines of their own: about 1.5 cores on `mlr cat`);
# pm-ingest is one process (its duplicate-id check needs every id).
i2=$(med "$bin/pm-ingest" "$big")
if command -v mlr >/dev/null 2>&1; then
    mc2=$(med mlr --icsv --ocsv cat "$big")
    echo "  pm-ingest (one process) $i2 s, mlr cat on two cores $mc2 s: Miller/pm $(ratio "$mc2" "$i2") (goal: > 1)"
else
    echo "  pm-ingest (one process) $i2 s (Miller not installed)"
fi

# pm-report's memory per group with count-only metrics: one group per
# ticket (--by=id) against one group in all (--by=kind), the same input
g1=$(time1 "$bin/pm-report" --by=kind -m count "$dir/sla-1000000.csv" | cut -d' ' -f2)
gn=$(time1 "$bin/pm-report" --by=id -m count "$dir/sla-1000000.csv" | cut -d' ' -f2)
ng=$("$bin/pm-report" --by=id -m count "$dir/sla-1000000.csv" 2>/dev/null | tail -n +2 | wc -l)
echo "pm-report --by=id -m count: $ng groups, peak $gn KB ($g1 KB with --by=kind):" \
    "$(awk -v a="$gn" -v b="$g1" -v n="$ng" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }') bytes a group (goal: <= 200)"
echo "peak memory (KB) at 30k / 300k / 1M records:"
for job in "pm-sla" "pm-sla -t yaml" "pm-ingest" "pm-report sla"; do
    line=$(printf '  %-16s' "$job")
    for n in 30000 300000 1000000; do
        case $job in
        "pm-sla") kb=$(time1 "$bin/pm-sla" $now "$dir/tickets-$n.csv" | cut -d' ' -f2) ;;
        "pm-sla -t yaml") kb=$(time1 "$bin/pm-sla" $now -t yaml "$dir/tickets-$n.csv" | cut -d' ' -f2) ;;
        "pm-ingest") kb=$(time1 "$bin/pm-ingest" "$dir/tickets-$n.csv" | cut -d' ' -f2) ;;
        *) kb=$(time1 "$bin/pm-report" sla "$dir/sla-$n.csv" | cut -d' ' -f2) ;;
        esac
        line="$line $(printf '%8s' "$kb")"
    done
    echo "$line"
done
exit 0
