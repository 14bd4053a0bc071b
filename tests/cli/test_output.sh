#!/bin/bash
# Output: what pm writes, every common reader reads back unchanged; outputs
# never destroy inputs; interrupted runs leave no temporary file; running out
# of memory is reported (issue 12, items 7 and 8).
. "$(dirname "$0")/lib.sh"
F=$HERE/output
NOW=--now=2026-07-01T00:00:00+08:00
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)

skip() { echo "$SCRIPT: skipped: $*" >&2; }

# --- YAML that PyYAML, Psych and js-yaml read as pm's own CSV ------------
# 3,000 realistic tickets whose text holds '?', '#', ':', quotes, leading
# indicators, YAML 1.1 booleans and numbers, spaces at either end, Chinese;
# extra columns with odd names; and 20 with names too long for implicit keys.
"$ROOT/tools/gen-tickets.sh" -n 3000 -s 7 | awk -f "$F/messy.awk" >"$T/messy.csv"
"$ROOT/tools/gen-tickets.sh" -n 20 -s 8 | awk -v long=1 -f "$F/messy.awk" >"$T/long.csv"
for f in messy:3000 long:20; do
    n=${f#*:} f=${f%:*}
    run pm-sla $NOW -t csv "$T/$f.csv"
    cp "$OUT" "$T/$f.out.csv"
    run pm-sla $NOW -t yaml "$T/$f.csv"
    cp "$OUT" "$T/$f.out.yaml"
    expect_eq "pm-sla wrote $n YAML records, one a line ($f)" "$n" "$(grep -c '^--- {' "$T/$f.out.yaml")"
    # CSV -> YAML -> CSV: pm reads its own YAML back into the same records
    run pm-sla $NOW -t csv "$T/$f.out.yaml"
    expect_out "CSV -> YAML -> CSV byte for byte, pm-sla ($f)" "$T/$f.out.csv"
    run pm-ingest -k -t yaml "$T/$f.csv"
    cp "$OUT" "$T/$f.ingest.yaml"
    run pm-ingest -k -t csv "$T/$f.csv"
    cp "$OUT" "$T/$f.ingest.csv"
    run pm-ingest -k -t csv "$T/$f.ingest.yaml"
    expect_out "CSV -> YAML -> CSV byte for byte, pm-ingest ($f)" "$T/$f.ingest.csv"
done

# peer READER-NAME CMD...: CMD prints the documents of a YAML file (appended
# as the last argument) as a JSON array; each file's records must equal the CSV.
peer() {
    local name=$1 f
    shift
    for f in messy long; do
        if "$@" "$T/$f.out.yaml" >"$T/$f.$name.json" 2>"$T/$f.$name.err"; then
            if "$PY" "$F/compare.py" "$T/$f.out.csv" "$T/$f.$name.json" "$name" >"$T/$f.$name.cmp"; then
                pass
            else
                fail "$name reads pm's YAML as pm's CSV ($f)" "$(head -6 "$T/$f.$name.cmp")"
            fi
        else
            fail "$name reads pm's YAML ($f)" "$(tail -3 "$T/$f.$name.err")"
        fi
    done
}
if [ -z "$PY" ]; then
    skip "no python3: YAML peers not tried (tools/deps.sh test)"
else
    if "$PY" -c 'import yaml' 2>/dev/null; then
        # the pure-Python loader is slow (3,000 records: ~20 s): two halves at once
        split -n l/2 -d "$T/messy.out.yaml" "$T/half."
        "$PY" "$F/read_pyyaml.py" py "$T/half.00" >"$T/half.00.json" 2>"$T/half.00.err" &
        p0=$!
        "$PY" "$F/read_pyyaml.py" py "$T/half.01" >"$T/half.01.json" 2>"$T/half.01.err" &
        p1=$!
        if "$PY" -c 'import yaml; yaml.CSafeLoader' 2>/dev/null; then
            peer PyYAML-C "$PY" "$F/read_pyyaml.py" c
        else
            skip "PyYAML has no C loader (libyaml): only its pure-Python loader tried"
        fi
        wait $p0; r0=$?
        wait $p1; r1=$?
        if [ $r0 = 0 ] && [ $r1 = 0 ]; then
            "$PY" -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1])) + json.load(open(sys.argv[2]))))' \
                "$T/half.00.json" "$T/half.01.json" >"$T/messy.PyYAML.json"
            if "$PY" "$F/compare.py" "$T/messy.out.csv" "$T/messy.PyYAML.json" PyYAML >"$T/messy.PyYAML.cmp"; then
                pass
            else
                fail "PyYAML (pure Python) reads pm's YAML as pm's CSV" "$(head -6 "$T/messy.PyYAML.cmp")"
            fi
        else
            fail "PyYAML (pure Python) reads pm's YAML" "$(cat "$T/half.00.err" "$T/half.01.err" | tail -3)"
        fi
        "$PY" "$F/read_pyyaml.py" py "$T/long.out.yaml" >"$T/long.PyYAML.json" 2>"$T/long.PyYAML.err" &&
            "$PY" "$F/compare.py" "$T/long.out.csv" "$T/long.PyYAML.json" PyYAML >"$T/long.PyYAML.cmp"
        expect_eq "PyYAML (pure Python) reads long keys as pm's CSV" 0 $?
    else
        skip "no PyYAML (python3-yaml): not tried"
    fi
    if command -v ruby >/dev/null 2>&1 && ruby -e 'require "yaml"; require "json"' 2>/dev/null; then
        peer Psych ruby "$F/read_psych.rb"
    else
        skip "no ruby: Psych not tried"
    fi
    NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
    command -v npm >/dev/null 2>&1 && NODE_PATH=$NODE_PATH:$(npm root -g 2>/dev/null)
    export NODE_PATH
    if command -v node >/dev/null 2>&1 && node -e 'require("js-yaml")' 2>/dev/null; then
        peer js-yaml node "$F/read_jsyaml.js"
    else
        skip "no node or js-yaml (node-js-yaml): js-yaml not tried"
    fi
fi

# --- outputs never destroy inputs ------------------------------------------
"$ROOT/tools/gen-tickets.sh" -n 5 >"$T/in.csv"
cp "$T/in.csv" "$T/in.orig"
run pm-ingest -r "$T/in.csv" "$T/in.csv"
expect_status "pm-ingest -r IN IN is refused" 2
expect_grep "... naming the input" "in.csv: .*input" "$ERR"
expect_no_grep "... before any work" "read [0-9]" "$ERR"
run cmp "$T/in.csv" "$T/in.orig"
expect_status "... and the input is unchanged" 0
run pm-ingest -o "$T/in.csv" "$T/in.csv"
expect_status "pm-ingest -o IN IN is refused" 2
ln -s in.csv "$T/link.csv"
run pm-ingest -o "$T/link.csv" "$T/in.csv"
expect_status "pm-ingest -o LINK-TO-IN IN is refused" 2
run cmp "$T/in.csv" "$T/in.orig"
expect_status "... and the input is unchanged" 0
run pm-ingest -r "$T/x.csv" -o "$T/x.csv" "$T/in.csv"
expect_status "pm-ingest -r X -o X is refused" 2
expect_grep "... naming the file" "x.csv: .*two outputs" "$ERR"
expect_eq "... and X is not created" "no" "$([ -e "$T/x.csv" ] && echo yes || echo no)"
# the shared record pipeline checks the same way (pm-sla runs on it)
run pm-sla $NOW -o "$T/link.csv" "$T/in.csv"
expect_status "pm-sla -o LINK-TO-IN IN is refused" 2
run cmp "$T/in.csv" "$T/in.orig"
expect_status "... and the input is unchanged" 0
run pm-ingest -r /dev/null -o /dev/null "$T/in.csv"
expect_status "pm-ingest -r /dev/null -o /dev/null is no clash" 0
run pm-ingest -o "$T/out.csv" <"$T/in.csv"
expect_status "pm-ingest -o OUT <IN is no clash" 0

# --- a signal leaves no temporary file -------------------------------------
# pm-ingest -o reads a FIFO that stays open after 3,000 tickets: the atomic
# writer's hidden temporary file (.out.csv.XXXXXX) exists when the signal
# comes.  Job control (set -m) so that SIGINT is not ignored in the job.
"$ROOT/tools/gen-tickets.sh" -n 3000 >"$T/sig.csv"
mkdir "$T/sig"
mkfifo "$T/sig/fifo"
for sig in TERM INT HUP; do
    ( cat "$T/sig.csv"; exec sleep 20 ) >"$T/sig/fifo" &
    feeder=$!
    set -m
    pm-ingest -o "$T/sig/out.csv" "$T/sig/fifo" 2>"$T/sig.err" &
    pid=$!
    set +m
    for _ in $(seq 100); do
        ls -A "$T/sig" | grep -q '^\.out\.csv\.' && break
        sleep 0.1
    done
    expect_eq "SIG$sig: the temporary file exists before the signal" yes \
        "$(ls -A "$T/sig" | grep -q '^\.out\.csv\.' && echo yes || echo no)"
    kill -"$sig" "$pid"
    wait "$pid" 2>/dev/null
    RC=$?
    kill "$feeder" 2>/dev/null
    wait "$feeder" 2>/dev/null
    expect_status "SIG$sig ends pm-ingest as the signal does" $((128 + $(kill -l "$sig")))
    expect_eq "SIG$sig: no temporary file remains, no output is created" "fifo" "$(ls -A "$T/sig" | tr '\n' ' ' | sed 's/ $//')"
done

# --- out of memory: status 2 and the program's own name ---------------------
# One 100 MB field under a 200 MB address-space limit: the reader's buffers
# fit, the record's copy does not.  Sanitizer builds reserve terabytes of
# address space and cannot run under ulimit -v.
if grep -q __asan_init "$PM_BIN/pm-ingest" 2>/dev/null; then
    skip "sanitizer build: out-of-memory runs not tried"
else
    { echo id,description; printf 'T1,'; head -c 100000000 /dev/zero | tr '\0' x; echo; } >"$T/huge.csv"
    mkdir "$T/oom"
    for prog in pm-ingest pm-sla; do
        run bash -c 'ulimit -v 200000 && exec "$@"' - "$prog" --max-field=1G -o "$T/oom/out.csv" "$T/huge.csv"
        expect_status "$prog out of memory: status 2" 2
        expect_grep "... '$prog: out of memory'" "^$prog: out of memory$" "$ERR"
        expect_eq "... and no temporary file remains" "" "$(ls -A "$T/oom")"
    done
    rm -f "$T/huge.csv"
fi

finish
