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
    "_shard: .*tickets.csv, _read: \"9\", _written: \"6\", _program: pm-report [0-9.]+, _config: \"?[0-9a-f]{64}\"?\}" "$OUT"
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
grep -q ',noise,3,1,1,0,0,1,0,0,0,1,2,' "$T/b.p" || fail "fixture: the noise row of b.p changed"
sed 's/,noise,3,1,1,0,0,1,0,0,0,1,2,/,noise,3,1,1,0,0,1,0,0,0,5,2,/' "$T/b.p" > "$T/ratio.p"
refused "numerator above denominator" "compliance: impossible partial: numerator 5 above denominator 2" \
    $R sla --merge "$T/a.p" "$T/ratio.p"
sed 's/,noise,3,1,1,0,0,1,0,0,0,1,2,/,noise,9223372036854775807,1,1,0,0,1,0,0,0,1,2,/' "$T/b.p" > "$T/big.p"
refused "counters that would wrap 64 bits" "tickets: the merged counts overflow 64 bits" \
    $R sla --merge "$T/big.p" "$T/a.p"
sed 's/,noise,3,1,1,0,0,1,0,0,0,1,2,/,noise,18446744073709551616,1,1,0,0,1,0,0,0,1,2,/' "$T/b.p" > "$T/huge.p"
refused "a count beyond 64 bits" "tickets: a count that does not fit 64 bits" $R sla --merge "$T/huge.p"
sed 's/,noise,3,1,1,0,0,1,0,0,0,1,2,/,noise,30,1,1,0,0,1,0,0,0,1,2,/' "$T/b.p" > "$T/many.p"
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

# --- --byte-range: a block of a file, read in place -----------------------------
# The lines of a file cut into consecutive byte ranges anywhere are each read
# once, by the range their first byte is in; a CSV's header line is read by
# every range; messages name the file's own lines.
NOW=--now=2026-07-01T00:00:00+08:00
"$ROOT/tools/gen-tickets.sh" -n 3000 -s 5 |
    awk -F, -v OFS=, 'NR == 10 || NR == 2500 { $6 = "bad" } { print }' > "$T/r.csv"
size=$(wc -c < "$T/r.csv")
pm-sla $NOW "$T/r.csv" > "$T/r.one" 2> "$T/r.one.err"
grep -q "r.csv:2500: .*(id=T0002499)" "$T/r.one.err" || fail "fixture: pm-sla flags line 2500"
hdr=$(head -n 1 "$T/r.csv" | wc -c)
mid=$(head -n 1500 "$T/r.csv" | wc -c)
# cuts CSV BYTE...: the file cut in two at each byte
cuts() {
    local f=$1 fsize cut
    shift
    fsize=$(wc -c < "$f")
    pm-sla $NOW "$f" > "$T/r.one" 2> "$T/r.one.err"
    for cut in "$@"; do
        pm-sla $NOW --byte-range=0-$cut "$f" > "$T/r.a" 2> "$T/r.a.err"
        pm-sla $NOW --byte-range=$cut-$fsize "$f" > "$T/r.b" 2> "$T/r.b.err"
        # (a range without a record writes nothing, not even the header)
        { cat "$T/r.a"; if [ -s "$T/r.a" ]; then tail -n +2 "$T/r.b"; else cat "$T/r.b"; fi; } > "$T/r.two"
        if cmp -s "$T/r.one" "$T/r.two"; then pass; else fail "--byte-range, ${f##*/} cut at byte $cut: the two ranges write what one run writes"; fi
        cat "$T/r.a.err" "$T/r.b.err" > "$T/r.two.err"
        if cmp -s "$T/r.one.err" "$T/r.two.err"; then pass; else
            fail "--byte-range, ${f##*/} cut at byte $cut: the same messages, with the file's lines" "$(diff "$T/r.one.err" "$T/r.two.err" | head -4)"
        fi
    done
}
cuts "$T/r.csv" 1 $((hdr - 1)) $hdr $((mid - 1)) $mid $((mid + 1)) $((size / 2 + 17)) $size
# GB18030 (as exports come): the header read from the file's bytes, not
# from what the reader had already decoded
iconv -f UTF-8 -t GB18030 "$T/r.csv" > "$T/r-gb.csv"
gsize=$(wc -c < "$T/r-gb.csv")
cuts "$T/r-gb.csv" 1 $((hdr - 1)) $hdr $((gsize / 2 + 17)) $((gsize - 1))
pm-sla $NOW "$T/r.csv" > "$T/r.one" 2> "$T/r.one.err"
run pm-sla $NOW --byte-range=$((size / 2))-$size "$T/r.csv"
expect_status "--byte-range: the second half flags line 2500" 1
expect_grep "--byte-range: the message names the file's line and the id" "^pm-sla: $T/r.csv:2500: created_at: .*\(id=T0002499\)$" "$ERR"
expect_no_grep "--byte-range: the first half's bad line is not in the second half" "r.csv:10:" "$ERR"
# three ranges, YAML lines, a byte-order mark, and pm-report's partials
pm-sla $NOW -t yaml "$T/r.csv" > "$T/r.yaml" 2>/dev/null
ysize=$(wc -c < "$T/r.yaml")
pm-report sla "$T/r.yaml" > "$T/ry.one"
a=$((ysize / 3)) b=$((ysize * 2 / 3))
for r in 0-$a $a-$b $b-$ysize; do pm-report sla --partial --shard=$r --byte-range=$r "$T/r.yaml"; done > "$T/ry.parts"
run pm-report sla --merge --expect-shards=3 "$T/ry.parts"
expect_out "--byte-range: pm-report partials of three ranges of YAML lines merge to one run's report" "$T/ry.one"
expect_grep "--byte-range: the partials read every record once" "_read: \"?$(($(grep -c '' "$T/r.yaml")))\"?" \
    <(pm-report sla --merge --partial "$T/ry.parts")
printf '\357\273\277' | cat - "$T/r.csv" > "$T/bom.csv"
pm-sla $NOW "$T/bom.csv" > "$T/bom.one" 2>/dev/null
{ pm-sla $NOW --byte-range=0-3 "$T/bom.csv"; pm-sla $NOW --byte-range=3-$((size + 3)) "$T/bom.csv"; } > "$T/bom.two" 2>/dev/null
if cmp -s "$T/bom.one" "$T/bom.two"; then pass; else fail "--byte-range: a byte-order mark is no part of the header"; fi
run pm-sla $NOW --byte-range=0-100 "$T/r.csv" "$T/r.csv"
expect_status "--byte-range with two inputs: exit 2" 2
expect_grep "--byte-range with two inputs: says why" "reads one input file, not several" "$ERR"
cat "$T/r.csv" | run pm-sla $NOW --byte-range=0-100
expect_status "--byte-range on a pipe: exit 2" 2
expect_grep "--byte-range on a pipe: says why" "reads a regular file" "$ERR"
run pm-sla $NOW --byte-range=0-100 < "$T/r.csv"
expect_status "--byte-range on standard input redirected from a file: read" 0
for bad in 100 5-3 a-b -3; do
    run pm-sla $NOW --byte-range=$bad "$T/r.csv"
    expect_status "--byte-range=$bad: usage error" 2
done

# --- pm-cluster: the recipe over two "hosts" -------------------------------------
# GNU parallel runs every job through tests/cli/scaleout/fake-ssh, an ssh
# stand-in that runs the command here; the result must be the one-process
# run's, byte for byte.
if ! command -v parallel >/dev/null 2>&1; then
    echo "test_scaleout.sh: GNU parallel is not installed (apt-get install parallel): pm-cluster not tested" >&2
    finish
    exit
fi
C=$ROOT/examples/scale-out/pm-cluster
printf '1/host1\n1/host2\n' > "$T/hosts"
X=(--sshloginfile="$T/hosts" --ssh="$S/fake-ssh")
export FAKE_SSH_LOG=$T/ssh.log
# 200,000 tickets; every third has a description with quoted line breaks, a
# doubled quote, and a line that looks like a record of its own.  About 45
# CPU seconds in all; SCALEOUT_N=20000 for a quick run (make asan).
N=${SCALEOUT_N:-200000}
"$ROOT/tools/gen-tickets.sh" -n "$N" -s 19 |
    awk -F, 'NR > 1 && NR % 3 == 0 {
        sub(/,[^,]*$/, ",\"line one, \"\"quoted\"\"\nT9999999,repair,noise,false,1-1-101,2024-01-01T00:00:00+08:00,,,,,,,,x\nend\"") }
        { print }' > "$T/tickets.csv"
lines=$(grep -c '' "$T/tickets.csv")
expect_eq "fixture: $N tickets, a third of them over three lines" $((N + 1 + 2 * ((N + 1) / 3))) "$lines"

same() {  # name, one-process output file and status, then the pm-cluster command
    local name=$1 want=$2 want_rc=$3; shift 3
    : > "$FAKE_SSH_LOG"
    run "$@"
    expect_out "$name: byte-identical to one process" "$want"
    expect_status "$name: the one process's status" "$want_rc"
    local hosts
    hosts=$(sort -u "$FAKE_SSH_LOG" | tr '\n' ' ')
    expect_eq "$name: ran on both hosts" "host1 host2 " "$hosts"
}

pm-sla $NOW "$T/tickets.csv" > "$T/sla.one"; rc=$?
same "pm-sla, a file with quoted line breaks" "$T/sla.one" $rc "$C" "${X[@]}" -i "$T/tickets.csv" pm-sla $NOW
expect_eq "pm-sla: some tickets are flagged, so status 1 comes through (not 141 or 65)" 1 "$rc"
same "pm-sla, a stream" "$T/sla.one" $rc "$C" "${X[@]}" --block=$(($(wc -c < "$T/tickets.csv") / 4 + 1)) \
    pm-sla $NOW < "$T/tickets.csv"
# cron, CI and env -i give no $SHELL, and a login shell may be csh: GNU
# parallel's ssh wrapper runs each job with $SHELL, so pm-cluster sets its own.
same "pm-sla, SHELL unset" "$T/sla.one" $rc env -u SHELL "$C" "${X[@]}" -i "$T/tickets.csv" pm-sla $NOW
same "pm-sla, SHELL not a POSIX shell" "$T/sla.one" $rc env SHELL=/bin/false "$C" "${X[@]}" -i "$T/tickets.csv" pm-sla $NOW
# CI's environment: nothing but PATH (no SHELL, HOME, LANG, TMPDIR)
same "pm-sla, env -i" "$T/sla.one" $rc env -i PATH="$PM_BIN:/usr/bin:/bin" PM_DATADIR="$PM_DATADIR" \
    FAKE_SSH_LOG="$FAKE_SSH_LOG" "$C" "${X[@]}" -i "$T/tickets.csv" pm-sla $NOW
expect_eq "pm-sla, env -i: no warning from GNU parallel" "" "$(grep '^parallel:' "$ERR")"
pm-sla $NOW -t yaml "$T/tickets.csv" > "$T/sla.yaml"
pm-sla $NOW -t yaml "$T/sla.yaml" > "$T/sla2.one"; rc=$?
same "pm-sla, YAML lines split as they are" "$T/sla2.one" $rc "$C" "${X[@]}" -i "$T/sla.yaml" pm-sla $NOW

# pm-report: partials on the blocks, merged, every block accounted for
cp "$T/sla.one" "$T/sla.csv"
pm-report sla "$T/sla.csv" > "$T/rep.one"; rc=$?
same "pm-report sla" "$T/rep.one" $rc "$C" "${X[@]}" -i "$T/sla.csv" pm-report sla
pm-report service -t md "$T/sla.csv" > "$T/svc.one"; rc=$?
same "pm-report service, Markdown" "$T/svc.one" $rc "$C" "${X[@]}" -i "$T/sla.csv" pm-report service -t md

# pm-ingest: without --key in order; with --key a duplicate id in another
# block is still found (the output is the same records, in job order)
pm-ingest "$T/tickets.csv" > "$T/ing.one" 2>/dev/null; rc=$?
same "pm-ingest" "$T/ing.one" $rc "$C" "${X[@]}" -i "$T/tickets.csv" pm-ingest
{ cat "$T/tickets.csv"; sed -n 2p "$T/tickets.csv"; } > "$T/dup.csv"
# keyed LABEL INPUT: pm-ingest --key=id on INPUT, which holds T0000001
# twice, rejects the second and gives the one process's records
keyed() {
    pm-ingest "$2" 2>/dev/null | sort > "$T/keyed.one"
    run "$C" "${X[@]}" -i "$2" --key=id pm-ingest
    expect_status "$1: the duplicate across blocks is rejected" 1
    expect_grep "$1: says which" "duplicate value 'T0000001'" "$ERR"
    sort "$OUT" > "$T/keyed.two"
    if cmp -s "$T/keyed.one" "$T/keyed.two"; then pass; else fail "$1: the same records as one process"; fi
}
keyed "pm-ingest --key=id" "$T/dup.csv"
run "$C" "${X[@]}" -i "$T/dup.csv" pm-ingest
expect_status "pm-ingest without --key: blocks cannot see each other's ids (why --key exists)" 0
# an export with a title line above its header: in blocks (each gets the
# title and the header) and by key, the same records as one process
{ echo '2024年工单导出'; cat "$T/tickets.csv"; } > "$T/title.csv"
pm-ingest "$T/title.csv" > "$T/title.one" 2>/dev/null
run "$C" "${X[@]}" -i "$T/title.csv" pm-ingest
expect_status "pm-ingest under a title, in blocks: status 0" 0
expect_out "pm-ingest under a title, in blocks: the one-process output" "$T/title.one"
# (every block reads the title and the header: what it says of them, once)
expect_eq "pm-ingest under a title, in blocks: the title told once" 1 "$(grep -c 'the header is line 2' "$ERR")"
expect_eq "pm-ingest under a title, in blocks: the columns told once" 1 "$(grep -c 'line 2: columns: ' "$ERR")"
{ echo '2024年工单导出'; cat "$T/dup.csv"; } > "$T/titledup.csv"
keyed "pm-ingest under a title, --key=id" "$T/titledup.csv"
expect_grep "pm-ingest under a title, --key=id: the header found under it" "the header is line 2; the line above it is a title" "$ERR"
expect_eq "pm-ingest under a title, --key=id: the title told once" 1 "$(grep -c 'the header is line 2' "$ERR")"
# a GB18030 export keyed by its Chinese column name
{ echo '工单号,受理时间'; for i in $(seq 1 3000); do echo "A$i,2026/12/1 9:00"; done; echo 'A7,2026/12/2 9:00'; } |
    iconv -f UTF-8 -t GB18030 > "$T/gb.csv"
run "$C" "${X[@]}" -i "$T/gb.csv" --key=工单号 pm-ingest
expect_status "pm-ingest --key=工单号 on GB18030: the duplicate is rejected" 1
expect_grep "pm-ingest --key=工单号 on GB18030: says which" "duplicate value 'A7'" "$ERR"
expect_eq "pm-ingest --key=工单号 on GB18030: every other row out" 3000 "$(tail -n +2 "$OUT" | wc -l)"

# pm-fee: charges of 200,000 records with quoted notes
perl -ne 'BEGIN { $n = shift } if ($. == 1) { print; next } push @r, $_;
    END { for $i (0 .. $n - 1) { $r = $r[$i % @r]; $r =~ s/^([^,]*)/$1-$i/;
        $r =~ s/,[^,]*$/,"a note\nover two lines"\n/ if $i % 3 == 0; print $r } }' "$N" \
    "$ROOT/examples/fees/inputs-2024-07.csv" > "$T/fee-in.csv"
F=--schedule=$ROOT/examples/fees/schedule.yaml
# blocks reach pm-fee through pipes, which it cannot hash (inputs_sha256 is
# empty), so the one-process run it must equal reads a pipe too
cat "$T/fee-in.csv" | pm-fee "$F" > "$T/fee.one" 2>/dev/null; rc=$?
same "pm-fee" "$T/fee.one" $rc "$C" "${X[@]}" -i "$T/fee-in.csv" pm-fee "$F"
expect_eq "pm-fee: the unhashed input told once, as one process tells it" 1 "$(grep -c 'block [0-9]*: not a regular file' "$ERR")"
expect_no_grep "pm-fee: a message of the whole input names no empty line" "block [0-9]* line  " "$ERR"
# --verify needs every charge in one process: refused (blocks would each
# find the others' charges missing)
run "$C" "${X[@]}" -i "$T/fee-in.csv" pm-fee "$F" --verify="$T/fee.one"
expect_status "pm-fee --verify in blocks: refused" 2
expect_grep "pm-fee --verify in blocks: says why" "pm-fee --verify compares the charges of the whole input: run it in one process" "$ERR"
# journals: each block's opening lines left out, a beancount account
# opened once (the one process's journal)
for j in ledger beancount; do
    cat "$T/fee-in.csv" | pm-fee "$F" -t $j > "$T/fee.$j" 2>/dev/null; rc=$?
    same "pm-fee -t $j" "$T/fee.$j" $rc "$C" "${X[@]}" -i "$T/fee-in.csv" pm-fee "$F" -t $j
done
if command -v bean-check >/dev/null 2>&1; then
    bean-check "$OUT" > "$T/bean-check.out" 2>&1
    expect_eq "pm-fee -t beancount in blocks: bean-check finds nothing" "0 " "$? $(head -3 "$T/bean-check.out")"
else
    echo "test_scaleout.sh: skipped: no bean-check (Debian package beancount): the blocks' journal not checked by it" >&2
fi

# A file without quoted line breaks is not split by GNU parallel: every job
# reads its own byte range of it (--byte-range), here or, --shared, on the
# hosts; the messages are one process's, naming the file's own lines.
"$ROOT/tools/gen-tickets.sh" -n "$N" -s 23 |
    awk -F, -v OFS=, -v n="$N" 'NR == 7 || NR == n - 5 { $6 = "bad" } { print }' > "$T/plain.csv"
pm-sla $NOW "$T/plain.csv" > "$T/plain.one" 2> "$T/plain.one.err"; rc=$?
grep -q "plain.csv:$((N - 5)): .*(id=" "$T/plain.one.err" || fail "fixture: pm-sla flags line $((N - 5))"
run "$C" -j 2 -i "$T/plain.csv" pm-sla $NOW
expect_out "byte ranges, this machine, pm-sla: byte-identical to one process" "$T/plain.one"
# pm-report on tickets pm-sla has not annotated: said once, as one process says it
pm-report sla "$T/plain.csv" > /dev/null 2> "$T/lack.one"
run "$C" -j 3 -i "$T/plain.csv" pm-report sla
if cmp -s "$T/lack.one" "$ERR"; then pass; else fail "pm-report sla on raw tickets in blocks: one process's warning, once" "$(cat "$ERR")"; fi
# a ';' export with a quoted line break, the delimiter given to the program
# only: pm-cluster takes it too (its blocks must not cut the quoted field)
tr ',' ';' < "$T/plain.csv" | awk 'NR == 4 { print "T7777777;complaint;noise;false;1-1-1;2024-01-01T10:00:00+08:00;;;;;;;;\"a"; print "b\"" } { print }' > "$T/semi.csv"
pm-sla $NOW -d ';' "$T/semi.csv" > "$T/semi.one" 2>/dev/null
run "$C" -j 2 -i "$T/semi.csv" pm-sla $NOW -d ';'
expect_out "';' given to the program only, a quoted line break: one process's output" "$T/semi.one"
# (and --key routes by the ';' column: a duplicate id in another block found)
sed -n 2p "$T/semi.csv" >> "$T/semi.csv"
run "$C" -j 2 --key=id -i "$T/semi.csv" pm-ingest -d ';'
expect_grep "';' given to the program only, --key=id: the duplicate across blocks found" "duplicate value" "$ERR"
# what a run says once of its setup (a year the calendar has no holidays
# for) and pm-fee's warning at its first record without a key: once
sed 's/,20[0-9][0-9]-/,2031-/g' "$T/plain.csv" > "$T/y2031.csv"
pm-sla --now=2032-01-01T00:00:00+08:00 "$T/y2031.csv" > /dev/null 2> "$T/y2031.one"
grep -q "no holiday data for 2031" "$T/y2031.one" || fail "fixture: no holiday data for 2031"
run "$C" -j 2 -i "$T/y2031.csv" pm-sla --now=2032-01-01T00:00:00+08:00
if cmp -s "$T/y2031.one" "$ERR"; then pass; else fail "pm-sla in blocks, a year without holiday data: one process's messages" "$(diff "$T/y2031.one" "$ERR" | head -4)"; fi
grep -v '"' "$T/fee-in.csv" | awk -F, -v OFS=, 'NR % 700 == 5 { $1 = "" } { print }' > "$T/fee-noid.csv"
[ "$(grep -c '^,' "$T/fee-noid.csv")" -gt 2 ] || fail "fixture: fee records without a key in both halves"
pm-fee "$F" "$T/fee-noid.csv" > /dev/null 2> "$T/fee-noid.one"
run "$C" -j 2 -i "$T/fee-noid.csv" pm-fee "$F"
if cmp -s "$T/fee-noid.one" "$ERR"; then pass; else fail "pm-fee in blocks, records without a key: one process's messages" "$(diff "$T/fee-noid.one" "$ERR" | head -4)"; fi
# (pm-ingest tells a value that is none of its field's values at its first row)
awk -F, -v OFS=, 'NR % 500 == 7 { $12 = "未接通" } { print }' "$T/plain.csv" > "$T/unknown.csv"
pm-ingest "$T/unknown.csv" > /dev/null 2> "$T/unknown.one"
run "$C" -j 2 -i "$T/unknown.csv" pm-ingest
expect_eq "pm-ingest in blocks, a value none of its field's: told at its first row, once" \
    "$(grep -c "'未接通' is none of its values" "$T/unknown.one")" "$(grep -c "'未接通' is none of its values" "$ERR")"
# an empty export: one process's message, once, and its status
: > "$T/empty.csv"
pm-ingest "$T/empty.csv" > /dev/null 2> "$T/empty.one"; erc=$?
run "$C" -j 2 -i "$T/empty.csv" pm-ingest
expect_status "pm-ingest on an empty file in blocks: the one process's status" "$erc"
if cmp -s "$T/empty.one" "$ERR"; then pass; else fail "pm-ingest on an empty file in blocks: the one process's message" "$(cat "$ERR")"; fi
# --stats: one line, the blocks' counts summed, as one process prints it
for job in "pm-sla $NOW" "pm-ingest"; do
    # shellcheck disable=SC2086
    $job --stats "$T/plain.csv" 2> "$T/stats.one" > /dev/null
    # shellcheck disable=SC2086
    run "$C" -j 3 -i "$T/plain.csv" $job --stats
    if cmp -s "$T/stats.one" "$ERR"; then pass; else fail "${job%% *} --stats in blocks: one process's messages and counts" "$(diff "$T/stats.one" "$ERR" | head -4)"; fi
done
# UTF-16 (--encoding=UTF-16): its line ends are not the byte 0x0A alone, so
# byte ranges refuse it and pm-cluster runs one process
iconv -f UTF-8 -t UTF-16 "$T/plain.csv" > "$T/plain-16.csv"
pm-sla $NOW --encoding=UTF-16 "$T/plain-16.csv" > "$T/plain-16.one" 2>/dev/null; rc16=$?
run "$C" -j 2 -i "$T/plain-16.csv" pm-sla $NOW --encoding=UTF-16
expect_out "byte ranges, this machine, UTF-16: one process's output" "$T/plain-16.one"
expect_status "byte ranges, this machine, UTF-16: one process's status" "$rc16"
# (GNU parallel's blocks end after a byte 0x0A: in UTF-16, inside a character)
run "$C" -j 2 --key=id -i "$T/plain-16.csv" pm-ingest --encoding=UTF-16
expect_status "--key on UTF-16: refused" 2
expect_grep "--key on UTF-16: says what to do" "convert it first \(iconv -f UTF-16 -t UTF-8\)" "$ERR"
iconv -f UTF-8 -t GB18030 "$T/plain.csv" > "$T/plain-gb.csv"
pm-sla $NOW "$T/plain-gb.csv" > "$T/plain-gb.one" 2>/dev/null
run "$C" -j 2 -i "$T/plain-gb.csv" pm-sla $NOW
expect_out "byte ranges, this machine, a GB18030 export: byte-identical to one process" "$T/plain-gb.one"
{ echo '2024年工单导出'; cat "$T/plain.csv"; } > "$T/ptitle.csv"
pm-ingest "$T/ptitle.csv" > "$T/ptitle.one" 2>/dev/null
run "$C" -j 2 -i "$T/ptitle.csv" pm-ingest
expect_out "byte ranges, pm-ingest under a title: the one-process output" "$T/ptitle.one"
# (every range reads the title and the header: what it says of them, once)
expect_eq "byte ranges, pm-ingest under a title: the title told once" 1 "$(grep -c 'ptitle.csv:2: the header is line 2' "$ERR")"
expect_status "byte ranges, this machine, pm-sla: the one process's status" "$rc"
run env -i PATH="$PM_BIN:/usr/bin:/bin" PM_DATADIR="$PM_DATADIR" "$C" -j 2 -i "$T/plain.csv" pm-sla $NOW
expect_out "byte ranges, this machine, env -i: byte-identical to one process" "$T/plain.one"
if cmp -s "$T/plain.one.err" "$ERR"; then pass; else
    fail "byte ranges: the messages are one process's (FILE:LINE of the file, id)" "$(diff "$T/plain.one.err" "$ERR" | head -4)"
fi
same "byte ranges, --shared on two hosts, pm-sla" "$T/plain.one" $rc "$C" "${X[@]}" --shared -i "$T/plain.csv" pm-sla $NOW
if cmp -s "$T/plain.one.err" "$ERR"; then pass; else
    fail "byte ranges, --shared: the messages are one process's" "$(diff "$T/plain.one.err" "$ERR" | head -4)"
fi
cp "$T/plain.one" "$T/plain-sla.csv"
pm-report sla "$T/plain-sla.csv" > "$T/plain.rep"; rc=$?
run "$C" -j 3 -i "$T/plain-sla.csv" pm-report sla
expect_out "byte ranges, pm-report sla over three blocks" "$T/plain.rep"
expect_status "byte ranges, pm-report sla: the one process's status" "$rc"
# the options of the whole report go to the merge, not the partials
for args in "sla --totals" "--by=assignee -m count --sort count:desc --top 5" "--by=category --period=month -m count --pivot=period -t md"; do
    # shellcheck disable=SC2086
    pm-report $args "$T/sla.csv" > "$T/rep-opt.one" 2>/dev/null
    # shellcheck disable=SC2086
    run "$C" -j 3 -i "$T/sla.csv" pm-report $args
    expect_out "pm-report $args in blocks: one process's report" "$T/rep-opt.one"
done
pm-ingest "$T/plain.csv" > "$T/plain.ing" 2> "$T/plain.ing.err"; rc=$?
run "$C" -j 2 -i "$T/plain.csv" pm-ingest
expect_out "byte ranges, pm-ingest" "$T/plain.ing"
expect_status "byte ranges, pm-ingest: the one process's status" "$rc"
grep -v '"' "$T/fee-in.csv" > "$T/fee-plain.csv"  # the records without a note over two lines
pm-fee "$F" "$T/fee-plain.csv" > "$T/fee-plain.one" 2>/dev/null; rc=$?
grep -q ',[0-9a-f]\{64\},' "$T/fee-plain.one" || fail "fixture: pm-fee hashes a file it reads"
run "$C" -j 2 -i "$T/fee-plain.csv" pm-fee "$F"
expect_out "byte ranges, pm-fee: byte-identical to one process on the file (inputs_sha256 too)" "$T/fee-plain.one"
expect_status "byte ranges, pm-fee: the one process's status" "$rc"
head -n 6 "$T/plain.csv" > "$T/tiny.csv"
pm-sla $NOW "$T/tiny.csv" > "$T/tiny.one"
run "$C" --block=100 -i "$T/tiny.csv" pm-sla $NOW
expect_out "byte ranges of 100 bytes (blocks without a record, the first too): one process's output" "$T/tiny.one"
rm -f "$T/tiny.two"
run "$C" --block=100 -i "$T/tiny.csv" -o "$T/tiny.two" pm-sla $NOW
if cmp -s "$T/tiny.one" "$T/tiny.two"; then pass; else fail "byte ranges of 100 bytes, -o FILE: one process's output"; fi
rm -f "$T/out.csv"
run "$C" -j 2 -i "$T/plain.csv" -o "$T/out.csv" pm-sla $NOW
if cmp -s "$T/plain.one" "$T/out.csv"; then pass; else fail "byte ranges, -o FILE: one process's output"; fi
# -o keeps what the programs' own -o keeps: an existing file's mode, and a
# symbolic link, whose file is replaced
for job in "pm-sla $NOW|$T/plain.csv|$T/plain.one" "pm-report sla|$T/plain-sla.csv|$T/plain.rep"; do
    IFS="|" read -r cmd in want <<<"$job"
    echo old > "$T/kept"
    chmod 640 "$T/kept"
    # (unquoted: the program and its arguments)
    # shellcheck disable=SC2086
    run "$C" -j 2 -i "$in" -o "$T/kept" $cmd
    if cmp -s "$want" "$T/kept"; then pass; else fail "${cmd%% *} -o FILE: written"; fi
    expect_eq "${cmd%% *} -o FILE: the file's mode is kept" 640 "$(stat -c %a "$T/kept")"
    echo old > "$T/kept"
    rm -f "$T/link"
    ln -s kept "$T/link"
    # shellcheck disable=SC2086
    run "$C" -j 2 -i "$in" -o "$T/link" $cmd
    if [ -L "$T/link" ]; then pass; else fail "${cmd%% *} -o LINK: the link stays"; fi
    if cmp -s "$want" "$T/kept"; then pass; else fail "${cmd%% *} -o LINK: the file it points to is written"; fi
done
# the reject stream (--reject, pm-fee's --unmatched): each block writes
# its own, put together into FILE as one process writes it
pm-ingest -r "$T/rej.one" "$T/plain.csv" > /dev/null 2>&1
expect_eq "fixture: pm-ingest rejects plain.csv's 2 bad rows" 3 "$(wc -l < "$T/rej.one")"
for j in 2 3; do
    rm -f "$T/rej.two"
    run "$C" -j $j -i "$T/plain.csv" pm-ingest --reject="$T/rej.two"
    expect_status "pm-ingest --reject, $j blocks: status 1" 1
    if cmp -s "$T/rej.one" "$T/rej.two"; then pass; else fail "pm-ingest --reject, $j blocks: one process's rejects" "$(diff "$T/rej.one" "$T/rej.two" | head -4)"; fi
done
pm-ingest -t yaml -r "$T/rej.one" "$T/plain.csv" > /dev/null 2>&1
run "$C" -j 2 -i "$T/plain.csv" pm-ingest -t yaml -r "$T/rej.two"
if cmp -s "$T/rej.one" "$T/rej.two"; then pass; else fail "pm-ingest -t yaml -r: one process's YAML rejects"; fi
F=--schedule=$ROOT/examples/fees/schedule.yaml
perl -ne 'BEGIN { $n = shift } if ($. == 1) { print; next } push @r, $_;
    END { for $i (0 .. $n - 1) { $r = $r[$i % @r]; $r =~ s/^([^,]*)/$1-$i/; print $r } }' 4000 \
    "$ROOT/examples/fees/inputs-2024-07.csv" > "$T/fee-plain.csv"
pm-fee "$F" --unmatched="$T/unm.one" "$T/fee-plain.csv" > /dev/null 2>&1
[ -s "$T/unm.one" ] || fail "fixture: some fee records unmatched"
run "$C" -j 2 -i "$T/fee-plain.csv" pm-fee "$F" --unmatched="$T/unm.two"
if cmp -s "$T/unm.one" "$T/unm.two"; then pass; else fail "pm-fee --unmatched in blocks: one process's file"; fi
pm-sla $NOW "$T/plain.csv" 2>/dev/null > "$T/plain-sla2.csv"
printf 'T9999999,"cut\n' >> "$T/plain-sla2.csv"
pm-report sla -r "$T/prej.one" "$T/plain-sla2.csv" > "$T/prep.one" 2>/dev/null; rc=$?
expect_eq "fixture: pm-report rejects the cut record (status 1)" 1 "$rc"
run "$C" -j 2 -i "$T/plain-sla2.csv" pm-report sla -r "$T/prej.two"
expect_out "pm-report -r in blocks: one process's report" "$T/prep.one"
expect_status "pm-report in blocks: a block's rejected record makes status 1, as one process's" 1
if cmp -s "$T/prej.one" "$T/prej.two"; then pass; else fail "pm-report -r in blocks: one process's rejects"; fi
rm -f "$T/rej.two"
PATH="$S/killed:$PATH" KILL_BLOCK=2 run "$C" -j 2 -i "$T/plain.csv" pm-ingest -r "$T/rej.two"
expect_status "pm-ingest -r, block 2 killed: exit 2" 2
if [ -e "$T/rej.two" ]; then fail "pm-ingest -r, block 2 killed: no reject file written"; else pass; fi
run "$C" -j 2 -i "$T/plain.csv" pm-ingest -r "$T/nodir/rej.csv"
expect_status "-r FILE in a folder that does not exist: exit 2" 2
expect_grep "-r FILE in a folder that does not exist: said before any work" "nodir/rej.csv: cannot write in" "$ERR"
expect_no_grep "-r FILE in a folder that does not exist: no block ran" "read [0-9]" "$ERR"
run "$C" -j 2 -i "$T/plain.csv" -o "$T/same.csv" pm-ingest -r "$T/same.csv"
expect_status "-o and -r naming one file: refused" 2
expect_grep "-o and -r naming one file: says why" "same.csv: two outputs name one file" "$ERR"
run "$C" "${X[@]}" -i "$T/plain.csv" pm-ingest -r "$T/rej.two"
expect_status "-r with other hosts: refused" 2
expect_grep "-r with other hosts: says why" "on other hosts each block's rejects would stay there" "$ERR"
# outputs never destroy inputs: -o naming the input (or a link to it) is
# refused before anything is read
cp "$T/plain.csv" "$T/in.csv"
ln -sf in.csv "$T/in.link"
for o in "$T/in.csv" "$T/in.link"; do
    for job in "pm-sla $NOW" "pm-report sla"; do
        # shellcheck disable=SC2086
        run "$C" -j 2 -i "$T/in.csv" -o "$o" $job
        expect_status "${job%% *} -o ${o##*/} onto its input: refused" 2
        expect_grep "${job%% *} -o ${o##*/} onto its input: says why" "${o##*/}: is the input too" "$ERR"
        if cmp -s "$T/in.csv" "$T/plain.csv"; then pass; else fail "${job%% *} -o ${o##*/} onto its input: the input unchanged"; fi
    done
done
run "$C" -j 2 -i "$T/in.csv" pm-ingest -r "$T/in.link"
expect_status "pm-ingest -r onto its input: refused" 2
if cmp -s "$T/in.csv" "$T/plain.csv"; then pass; else fail "pm-ingest -r onto its input: the input unchanged"; fi
rm -f "$T/out.csv"
KILL_BLOCK=2 run "$C" "${X[@]}" --shared -i "$T/plain.csv" -o "$T/out.csv" pm-sla $NOW
expect_status "byte ranges, --shared, block 2 killed: exit 2" 2
if [ -e "$T/out.csv" ]; then fail "byte ranges, --shared, block 2 killed: nothing written"; else pass; fi
# On this machine alone pm-cluster runs the range jobs itself (no GNU
# parallel start-up); a job that dies stops the others and fails the run.
PATH="$S/killed:$PATH" KILL_BLOCK=2 run "$C" -j 2 -i "$T/plain.csv" -o "$T/out.csv" pm-sla $NOW
expect_status "byte ranges, this machine, block 2 killed: exit 2" 2
expect_grep "byte ranges, this machine, block 2 killed: says so" "block 2 on this machine failed \(signal 9\)" "$ERR"
if [ -e "$T/out.csv" ]; then fail "byte ranges, this machine, block 2 killed: nothing written"; else pass; fi
expect_eq "byte ranges, this machine, block 2 killed: no temporary file left" "" "$(ls -A "$T" | grep '^\.pm-cluster')"
run "$C" -j 2 -i "$T/plain.csv" pm-sla --policy=/nonexistent $NOW
expect_status "byte ranges, this machine, a job's status 2: exit 2" 2
expect_eq "byte ranges, this machine, a job's status 2: nothing on standard output" 0 "$(wc -c < "$OUT")"
run "$C" -j 2 --block=64k -i "$T/plain.csv" pm-sla $NOW
expect_out "byte ranges, this machine, more blocks than job slots: one process's output" "$T/plain.one"

# A failed or lost block fails the whole run: exit 2, nothing written.
for b in 1 2; do
    rm -f "$T/out.csv"
    KILL_BLOCK=$b run "$C" "${X[@]}" -i "$T/tickets.csv" -o "$T/out.csv" pm-sla $NOW
    expect_status "block $b killed: exit 2" 2
    expect_grep "block $b killed: says so" "block $b .*failed" "$ERR"
    if [ -e "$T/out.csv" ]; then fail "block $b killed: nothing written"; else pass; fi
done
KILL_BLOCK=2 run "$C" "${X[@]}" -i "$T/sla.csv" pm-report sla
expect_status "pm-report, block 2 killed: exit 2" 2
expect_eq "pm-report, block 2 killed: nothing on standard output" 0 "$(wc -c < "$OUT")"
run "$C" "${X[@]}" -i "$T/tickets.csv" pm-sla --policy=/nonexistent $NOW
expect_status "a job's status 2 (bad policy): exit 2" 2
expect_eq "a job's status 2: nothing on standard output" 0 "$(wc -c < "$OUT")"

# Messages name the block and the line in it.
{ head -n 1 "$T/tickets.csv"; grep '^T0[^"]*$' "$T/tickets.csv" | head -n 20; } > "$T/small.csv"
printf 'T-bad,repair,lighting,false,1-1-101,,,,,,,,,\n' >> "$T/small.csv"
run "$C" "${X[@]}" -i "$T/small.csv" pm-ingest
expect_status "messages: a rejected row flags the run (1)" 1
expect_grep "messages: the block and the line in it" '^pm-ingest: block [0-9]+ line [0-9]+: .*created_at' "$ERR"
expect_no_grep "messages: no block-relative '-:LINE'" '^pm-ingest: -:' "$ERR"

# --- Hadoop Streaming: cat | mapper | sort | reducer --------------------------------
# Two map tasks on halves of the line-per-record YAML, a sort, one reducer.
pm-report sla -t csv "$T/sla.yaml" > "$T/hadoop.one"; rc=$?
split -n l/2 "$T/sla.yaml" "$T/split."
for i in 0 1; do
    f=$T/split.a$(printf '%b' "\\$(printf '%03o' $((97 + i)))")
    cat "$f" | mapreduce_task_partition=$i pm-report sla --partial -t yaml > "$T/map.$i"
done
cat "$T/map.0" "$T/map.1" | sort > "$T/shuffled"
run pm-report sla --merge --expect-shards=2 -t csv "$T/shuffled"
expect_out "hadoop: mapper, sort, reducer = one pass" "$T/hadoop.one"
expect_status "hadoop: the one pass's status" "$rc"
sort "$T/map.0" > "$T/shuffled"
run pm-report sla --merge --expect-shards=2 -t csv "$T/shuffled"
expect_status "hadoop: a map task's output missing: refused" 2
expect_grep "hadoop: names the missing task" "1 shards, 2 expected" "$ERR"
# Hadoop's text output may end each line, a key with an empty value, with a tab
cat "$T/map.0" "$T/map.1" | sort | sed 's/$/\t/' > "$T/shuffled"
run pm-report sla --merge --expect-shards=2 -t csv "$T/shuffled"
expect_out "hadoop: lines ending in a tab (a key with an empty value) merge the same" "$T/hadoop.one"
sed 's/$/\t/' "$T/split.aa" | pm-report sla --partial -t yaml --shard=0 > "$T/map.t0"
cmp -s <(grep -v _shard "$T/map.t0") <(grep -v _shard "$T/map.0") && pass || fail "hadoop: a mapper reads lines ending in a tab"
cat "$T/map.0" "$T/map.1" "$T/map.1" | sort > "$T/shuffled"
run pm-report sla --merge -t csv "$T/shuffled"
expect_status "hadoop: a map task's output twice (a retried task): refused" 2

finish
