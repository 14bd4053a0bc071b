#!/bin/sh
# tools/fuzz.sh - build and run the libFuzzer harnesses of tests/fuzz/.
#
#   sh tools/fuzz.sh [NAME...]        (make fuzz FUZZ_SECONDS=600)
#
# NAME is a harness without fuzz_ and .c (csv yaml time conf decimal schema
# policy schedule posts expr); none means all.  Each harness is built with
# clang -fsanitize=fuzzer,address,undefined into build-fuzz/, seeded with a
# corpus made from examples/, tests/cli/*/ and tests/unit/fixtures/
# (build-fuzz/corpus-NAME/, kept between runs so coverage accumulates), and
# run for FUZZ_SECONDS (default 60).  The first finding stops the script:
# the input is in build-fuzz/findings-NAME/; re-run it with
#   build-fuzz/fuzz_NAME build-fuzz/findings-NAME/crash-...
# One line per harness is printed.  Environment: FUZZ_SECONDS, FUZZ_JOBS
# (parallel libFuzzer workers per harness, default 1), FUZZ_NICE (default 10),
# CLANG (default clang).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-60}
JOBS=${FUZZ_JOBS:-1}
NICE=${FUZZ_NICE:-10}
CLANG=${CLANG:-clang}
B=build-fuzz
ALL="csv yaml time conf decimal schema policy schedule posts expr"
NAMES=${*:-$ALL}

command -v "$CLANG" >/dev/null 2>&1 || { echo "fuzz: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }
mkdir -p "$B/lib" "$B/tmp"

SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
CFLAGS="-g -O1 -std=gnu11 -Ilib -DPM_DATADIR=\"\\\"$ROOT/data\\\"\" $SAN"
LIBS="-lyaml -lcsv -lpcre2-8 -lnettle -lm"

# The core library, instrumented for coverage (rebuilt when a source is newer).
LIBA=$B/libpm-fuzz.a
need=0
[ -f "$LIBA" ] || need=1
for f in lib/*.c lib/*.h lib/cli/*.c; do [ "$f" -nt "$LIBA" ] && need=1; done
if [ $need = 1 ]; then
    objs=
    for f in lib/*.c lib/cli/*.c; do
        o=$B/lib/$(basename "$f" .c).o
        eval "$CLANG $CFLAGS -fsanitize=fuzzer-no-link -c -o $o $f"
        objs="$objs $o"
    done
    rm -f "$LIBA"
    ar rcs "$LIBA" $objs
fi

# Program files a harness links (every .c of the program but main.c).
prog_srcs() { ls src/"$1"/*.c | grep -v '/main\.c$' | tr '\n' ' '; }

build() {
    name=$1
    extra=
    inc=
    case $name in
    schema) extra="src/pm-ingest/schema.c"; inc="-Isrc/pm-ingest" ;;
    policy) extra=$(prog_srcs pm-sla); inc="-Isrc/pm-sla" ;;
    schedule|expr) extra=$(prog_srcs pm-fee); inc="-Isrc/pm-fee" ;;
    posts) extra=$(prog_srcs pm-roster); inc="-Isrc/pm-roster" ;;
    esac
    out=$B/fuzz_$name
    eval "$CLANG $CFLAGS -fsanitize=fuzzer $inc -o $out tests/fuzz/fuzz_$name.c $extra $LIBA $LIBS"
}

# Seeds: files prefixed with a control byte (0: the plain reading) where the
# harness takes one.
seed_files() {
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(wc -c <"$f")" -le 65536 ] || continue
        echo "$f"
    done
}

seed() {
    name=$1
    dir=$B/corpus-$name
    mkdir -p "$dir"
    [ -n "$(ls "$dir" 2>/dev/null)" ] && return 0
    i=0
    add() {  # add PREFIX FILE
        i=$((i + 1))
        { printf "$1"; cat "$2"; } >"$dir/seed-$i"
    }
    addtext() {  # addtext TEXT...
        for t in "$@"; do i=$((i + 1)); printf '%s' "$t" >"$dir/seed-$i"; done
    }
    CSV=$(seed_files examples/*/*.csv tests/cli/*/*.csv tests/cli/*/*.tsv)
    YAML=$(seed_files examples/*/*.yaml tests/cli/*/*.yaml tests/unit/fixtures/*.yaml)
    case $name in
    csv) for f in $CSV; do add '\000' "$f"; done ;;
    yaml) for f in $YAML; do add '\000' "$f"; done ;;
    time) addtext '\0342024-07-03T09:05:00+08:00' '\0002024/7/3 9:05' '\0002024年7月3日 9:05:07' \
              ' 2024-07-03 09:05Z' ' 2024-07-03' '\00015m' '\0007wd' '\0002d' '\000 8h' '\00030s' \
              '\0002024-02-29T23:59:59-14:00' '\0009999-12-31T23:59:59+14:00' '\0000001-01-01T00:00:00Z'
          for f in $(ls "$dir"); do printf '%b' "$(cat "$dir/$f")" >"$dir/$f"; done ;;
    decimal) addtext '1.85
89.37' '-0.005
3' '99999999999999999999999999
0.0000001' '0
0' '123456789.123456789
-1' ;;
    expr) addtext 'gross_profit - costs' 'a * (b + 2.5) / 3' '-a' '((a))' 'x/0' '1e5' 'a - - b' ;;
    conf) for f in $YAML data/calendars/*.yaml; do add '' "$f"; done ;;
    schema|policy|schedule|posts) for f in $YAML; do add '' "$f"; done ;;
    esac
}

# The harnesses write each input to a file (and the writer fsyncs): use
# memory when there is some.
TMP=$ROOT/$B/tmp
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    TMP=/dev/shm/pm-fuzz-$$
    mkdir -p "$TMP"
    trap 'rm -rf "$TMP"' EXIT
fi

status=0
RUN=
for name in $NAMES; do
    [ -f tests/fuzz/fuzz_$name.c ] || { echo "fuzz $name: no tests/fuzz/fuzz_$name.c" >&2; status=2; continue; }
    build "$name"
    seed "$name"
    RUN="$RUN $name"
done
[ "${FUZZ_BUILD_ONLY:-0}" = 1 ] && exit $status
for name in $RUN; do
    mkdir -p "$B/findings-$name"
    log=$B/fuzz_$name.log
    maxlen=4096
    case $name in time|decimal|expr) maxlen=256 ;; esac
    fdmask=
    [ $name = posts ] && fdmask=-close_fd_mask=2  # ro_posts_load prints its messages
    set +e
    par=
    [ "$JOBS" -gt 1 ] && par="-jobs=$JOBS -workers=$JOBS"
    TMPDIR=$TMP PM_DATADIR=$ROOT/data ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
        nice -n "$NICE" "./$B/fuzz_$name" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -max_len=$maxlen $par -print_final_stats=1 \
        $fdmask -artifact_prefix="$B/findings-$name/" "$B/corpus-$name" >"$log" 2>&1
    rc=$?
    set -e
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ok, ${SECONDS_EACH}s, $runs runs, corpus $(ls "$B/corpus-$name" | wc -l)"
    else
        art=$(grep -o "Test unit written to .*" "$log" | tail -1 | sed 's/Test unit written to //')
        echo "fuzz $name: FINDING (status $rc) ${art:-see $log}"
        grep -E 'ERROR|CHECK failed|SUMMARY' "$log" | head -5 | sed 's/^/    /'
        status=1
        [ "${FUZZ_KEEP_GOING:-0}" = 1 ] || exit 1
    fi
done
exit $status
