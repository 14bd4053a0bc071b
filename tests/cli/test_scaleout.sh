#!/bin/bash
# Scaling out (issue 19): partial streams that cannot lie, and the
# pm-cluster recipe (examples/scale-out) over two "hosts" without a cluster.
. "$(dirname "$0")/lib.sh"
R=pm-report
D=$HERE/pm-report
S=$HERE/scaleout

# --- partials that cannot lie --------------------------------------------------
run $R sla --partial --shard=a "$D/tickets.csv"
cp "$OUT" "$T/a.p"
expect_status "partial: status 0" 0
expect_grep "partial: ends with its shard record (name, read, written, program, config)" \
    ',a,9,6,pm-report [0-9.]+,[0-9a-f]{64}$' "$OUT"
rows=$(grep -c ',,,,,$' "$OUT")
expect_eq "partial: _written is the number of group rows" 6 "$rows"
run $R sla --partial -t yaml "$D/tickets.csv"
expect_grep "partial yaml: the shard is named after the input" \
    "_shard: .*tickets.csv, _read: \"9\", _written: \"6\", _program: pm-report [0-9.]+, _config: \"[0-9a-f]{64}\"" "$OUT"
run $R sla --partial < "$D/tickets.csv"
expect_grep "partial: standard input is shard -" ',-,9,6,' "$OUT"
PARALLEL_SEQ=7 run $R sla --partial < "$D/tickets.csv"
expect_grep "partial: standard input in a GNU parallel job is named by the job number" ',7,9,6,' "$OUT"
mapreduce_task_partition=3 run $R sla --partial < "$D/tickets.csv"
expect_grep "partial: standard input in a Hadoop map task is named by the task" ',map-3,9,6,' "$OUT"
run $R sla --partial --shard='x;y' "$D/tickets.csv"
expect_status "--shard: ';' separates the shards of a merge, so it is refused" 2
run $R sla --shard=a "$D/tickets.csv"
expect_status "--shard without --partial: usage error" 2
run $R sla --expect-shards=2 "$D/tickets.csv"
expect_status "--expect-shards without --merge: usage error" 2

$R sla --partial --shard=b "$D/tickets.csv" > "$T/b.p"
{ cat "$D/tickets.csv"; tail -n +2 "$D/tickets.csv"; } > "$T/twice.csv"
$R sla "$T/twice.csv" > "$T/twice.out"; twice_rc=$?
run $R sla --merge "$T/a.p" "$T/b.p"
expect_out "merge of two shards = one pass over both" "$T/twice.out"
expect_status "merge of two shards: the one pass's status" "$twice_rc"

# A merge that cannot be right writes nothing, exits 2, and says why.
refused() {  # name, regex of the message, then the merge command
    local name=$1 re=$2; shift 2
    rm -f "$T/merged.csv"
    run "$@" -o "$T/merged.csv"
    expect_status "$name: exit 2" 2
    expect_grep "$name: says why" "$re" "$ERR"
    expect_grep "$name: says nothing was written" 'merge refused.*nothing written' "$ERR"
    if [ -e "$T/merged.csv" ]; then fail "$name: nothing written" "-o file exists"; else pass; fi
}
refused "shard given twice" "shard 'a' appears twice" $R sla --merge "$T/a.p" "$T/b.p" "$T/a.p"
head -n 4 "$T/a.p" > "$T/cut.p"
refused "partial cut short" "cut short" $R sla --merge "$T/cut.p" "$T/b.p"
grep -v ',,,,,$' "$T/a.p" > "$T/lost.p"
refused "group rows without their partial" "cut short" $R sla --merge "$T/lost.p" "$T/b.p"
grep -v ',a,9,6,' "$T/a.p" > "$T/notrailer.p"
refused "partial without its shard record" "lost its shard record" $R sla --merge "$T/notrailer.p" "$T/b.p"
$R sla --partial --shard=c --targets="$D/targets.yaml" "$D/tickets.csv" > "$T/c.p"
refused "mixed configurations (other targets)" "mixed configurations: shard 'c'" $R sla --merge "$T/a.p" "$T/c.p"
sed 's/pm-report 0\.[0-9.]*,/pm-report 9.9.9,/' "$T/b.p" > "$T/v.p"
refused "mixed configurations (other version)" "made by pm-report 9.9.9" $R sla --merge "$T/a.p" "$T/v.p"
# noise: 3 tickets, compliance 1 of 2
grep -q ',noise,3,1,1,0,0,1,1,2,' "$T/b.p" || fail "fixture: the noise row of b.p changed"
sed 's/,noise,3,1,1,0,0,1,1,2,/,noise,3,1,1,0,0,1,5,2,/' "$T/b.p" > "$T/ratio.p"
refused "numerator above denominator" "compliance: impossible partial: numerator 5 above denominator 2" \
    $R sla --merge "$T/a.p" "$T/ratio.p"
sed 's/,noise,3,1,1,0,0,1,1,2,/,noise,9223372036854775807,1,1,0,0,1,1,2,/' "$T/b.p" > "$T/big.p"
refused "counters that would wrap 64 bits" "tickets: the merged counts overflow 64 bits" \
    $R sla --merge "$T/big.p" "$T/a.p"
sed 's/,noise,3,1,1,0,0,1,1,2,/,noise,18446744073709551616,1,1,0,0,1,1,2,/' "$T/b.p" > "$T/huge.p"
refused "a count beyond 64 bits" "tickets: a count that does not fit 64 bits" $R sla --merge "$T/huge.p"
sed 's/,noise,3,1,1,0,0,1,1,2,/,noise,30,1,1,0,0,1,1,2,/' "$T/b.p" > "$T/many.p"
refused "more records counted than read" "tickets: impossible partials: they count 45 records, but their shards read 18" \
    $R sla --merge "$T/a.p" "$T/many.p"

# --expect-shards: a number (job numbers name the missing ones) or a manifest
for i in 1 2 3; do $R sla --partial --shard=$i "$D/tickets.csv" > "$T/s$i.p"; done
refused "--expect-shards=3 with 2 shards" "2 shards, 3 expected \(missing: 2\)" \
    $R sla --merge --expect-shards=3 "$T/s1.p" "$T/s3.p"
{ cat "$T/twice.csv"; tail -n +2 "$D/tickets.csv"; } > "$T/thrice.csv"
$R sla "$T/thrice.csv" > "$T/thrice.out"
run $R sla --merge --expect-shards=3 "$T/s1.p" "$T/s2.p" "$T/s3.p"
expect_out "--expect-shards=3 with the 3: the one pass" "$T/thrice.out"
printf '1\n2\n3\n' > "$T/manifest"
refused "manifest: a shard missing" "shard '2' of the manifest is missing" \
    $R sla --merge --expect-shards="$T/manifest" "$T/s1.p" "$T/s3.p"
refused "manifest: a shard not in it" "shard 'a' .* is not in the manifest" \
    $R sla --merge --expect-shards="$T/manifest" "$T/s1.p" "$T/s2.p" "$T/s3.p" "$T/a.p"
run $R sla --merge --expect-shards="$T/manifest" "$T/s1.p" "$T/s2.p" "$T/s3.p"
expect_out "manifest complete: the one pass" "$T/thrice.out"

# A merged partial (a combiner) names all its shards, so the checks hold
# across levels of merging.
$R sla --merge --partial "$T/s1.p" "$T/s2.p" > "$T/s12.p"
expect_grep "combiner: its shard record names its shards and adds their reads" ',1;2,18,6,pm-report' "$T/s12.p"
run $R sla --merge --expect-shards=3 "$T/s12.p" "$T/s3.p"
expect_out "combiner + shard: the one pass" "$T/thrice.out"
refused "a shard inside a combiner given again" "shard '2' appears twice" \
    $R sla --merge "$T/s12.p" "$T/s2.p" "$T/s3.p"

finish
