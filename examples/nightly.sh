#!/bin/sh
# nightly.sh - the nightly deadline check of a property-service centre, for cron.
#
#   MAILTO=manager@example.com
#   PATH=/usr/local/bin:/usr/bin:/bin
#   30 1 * * *  PM_IN=/srv/exports PM_OUT=/srv/sla /opt/pm/examples/nightly.sh
#
# cron mails whatever a job prints, whatever its status; so this script
# prints NOTHING on a night when nothing needs a person, and otherwise the
# list itself: each late or overdue clock (ticket id, category, clock, due,
# how late), the rejected rows, then the counts and the summary per category.
#
# Every night it
# 1. ingests the day's ticket export ($PM_IN/tickets-YYYY-MM-DD.csv, or the
#    file $PM_EXPORT: the tickets created or changed that day) with
#    pm-ingest --protect=mask (owner names, phones, addresses and free text
#    are masked in everything kept or mailed);
# 2. merges it into the ticket ledger: one row per ticket id, the newest
#    version of a ticket replacing the older.  The ledger is what keeps a
#    multi-day deadline (2d, 3wd, 7wd) checked: a ticket stays in it, and is
#    checked again each night, until it is resolved, plus once after (the
#    night its completion is checked); then it leaves;
# 3. checks every deadline of the ledger's tickets with pm-sla at $PM_NOW;
# 4. writes into $PM_OUT/YYYY-MM-DD/ (each file atomically):
#      ingested.csv  tonight's export, canonical  rejected.csv  rows pm-ingest refused
#      tickets.csv   the tickets checked tonight  sla.csv       with deadlines and statuses
#      breaches.csv  the late and overdue ones    ledger.csv    the tickets to check tomorrow
#      summary.csv   per category (and summary.md), when pm-report is installed
#      columns.txt   how the export's columns were mapped
#    The ledger a night starts from is ledger.csv of the newest earlier day
#    in $PM_OUT, so a re-run of a day gives the same answer.
# 5. exits 0 nothing to flag (and prints nothing, unless the export's
#    columns changed since the night before: then it shows the mapping once),
#    1 a deadline late or overdue, or rows rejected, 2 the run failed (no or
#    empty export, an export whose columns do not fit, an unwritable
#    $PM_OUT, a bad policy or calendar, tickets pm-sla cannot judge).
#
# Settings (environment), all optional:
#   PM_IN       folder of the exports (default: .)
#   PM_EXPORT   the export file (default: $PM_IN/tickets-$PM_DAY.csv)
#   PM_DAY      the day the export is for (default: yesterday in $PM_TZ)
#   PM_OUT      folder of the results (default: ./sla-reports)
#   PM_SCHEMA   pm-ingest schema (default: the built-in ticket schema)
#   PM_POLICY   pm-sla policy (default: the built-in policy)
#   PM_CALENDAR working-day calendar (default: the policy's, else cn)
#   PM_TZ       time zone of the exports (default: Asia/Shanghai)
#   PM_NOW      "now" for open tickets (default: the current time)
#   PM_AT_RISK  window for at_risk (default: 4h)
#   PM_BIN      folder of the pm programs (default: ../bin beside this
#               script when there, else found on PATH)
# It needs only POSIX sh, awk, date (GNU, for "yesterday") and the pm
# programs; cron's bare environment (PATH=/usr/bin:/bin, no TZ) is enough.
set -u
PATH=/usr/local/bin:/usr/bin:/bin:${PATH:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${PM_BIN:-}" ]; then
    PATH=$PM_BIN:$PATH
elif [ -x "$here/../bin/pm-ingest" ]; then
    PATH=$(cd "$here/../bin" && pwd):$PATH
fi
export PATH
umask 077  # the results are about people

tz=${PM_TZ:-Asia/Shanghai}
day=${PM_DAY:-$(TZ=$tz date -d yesterday +%Y-%m-%d)}
in=${PM_IN:-.}
export_file=${PM_EXPORT:-$in/tickets-$day.csv}
base=${PM_OUT:-./sla-reports}
out=$base/$day
now=${PM_NOW:-$(TZ=$tz date +%Y-%m-%dT%H:%M:%S%:z)}
at_risk=${PM_AT_RISK:-4h}

say() { printf 'nightly: %s\n' "$*"; }

# awk: csv(line, f) splits one CSV record (RFC 4180; pm writes one record
# a line) into f[1..n] and returns n.
csv_awk='
function csv(line, f,    n, i, L, c, v, q) {
    n = 0; v = ""; q = 0; L = length(line)
    for (i = 1; i <= L; i++) {
        c = substr(line, i, 1)
        if (q) {
            if (c != "\"") v = v c
            else if (substr(line, i + 1, 1) == "\"") { v = v c; i++ }
            else q = 0
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = v; v = "" }
        else v = v c
    }
    f[++n] = v
    return n
}
function id(line,    f) { csv(line, f); return f[1] }
'

fail() { say "$*"; exit 2; }

for p in pm-ingest pm-sla; do
    command -v $p >/dev/null 2>&1 || fail "$p not found (PATH=$PATH); set PM_BIN to the folder of the pm programs"
done
[ -r "$export_file" ] || fail "no export for $day: $export_file"
mkdir -p "$out" 2>/dev/null && [ -w "$out" ] && [ -x "$out" ] || fail "cannot write to $out"
# A re-run for the same day starts afresh: a result left from an earlier run
# must never pass for this run's when a step fails.
rm -f "$out/ingested.csv" "$out/tickets.csv" "$out/rejected.csv" "$out/sla.csv" "$out/breaches.csv" \
    "$out/ledger.csv" "$out/summary.csv" "$out/summary.md" "$out/ingest.log" "$out/sla.log" \
    "$out/columns.txt" "$out/.merge.tmp" "$out/.ledger.tmp"

# The newest earlier day with a ledger (YYYY-MM-DD sorts as text).
prev=$(for d in "$base"/????-??-??; do
    [ -f "$d/ledger.csv" ] && printf '%s\n' "${d##*/}"
done | awk -v day="$day" '$0 < day { p = $0 } END { print p }')

set --
[ -n "${PM_POLICY:-}" ] && set -- "$@" "--policy=$PM_POLICY"
[ -n "${PM_CALENDAR:-}" ] && set -- "$@" "--calendar=$PM_CALENDAR"

# 1. Ingest, protected.  Status 1: rows rejected (in rejected.csv).
ingest=0
if [ -n "${PM_SCHEMA:-}" ]; then
    pm-ingest --tz="$tz" --protect=mask --schema="$PM_SCHEMA" --reject="$out/rejected.csv" \
        -o "$out/ingested.csv" "$export_file" 2>"$out/ingest.log" || ingest=$?
else
    pm-ingest --tz="$tz" --protect=mask --reject="$out/rejected.csv" -o "$out/ingested.csv" \
        "$export_file" 2>"$out/ingest.log" || ingest=$?
fi
if [ "$ingest" -ge 2 ] || [ ! -f "$out/ingested.csv" ]; then
    say "pm-ingest failed on $export_file (status $ingest):"
    cat "$out/ingest.log"
    exit 2
fi
grep -E '^pm-ingest: [^ ]*: (columns:|warning: not used:|warning: no column|the header is line)' "$out/ingest.log" |
    sed 's/^pm-ingest: [^ ]*: //' >"$out/columns.txt"

# 2. Merge into the ledger: the earlier tickets not in tonight's export,
#    then tonight's (one record per line, the id in the first column).
ledger_in=
[ -n "$prev" ] && ledger_in=$base/$prev/ledger.csv
if [ -n "$ledger_in" ] && [ -s "$ledger_in" ] && [ -s "$out/ingested.csv" ] &&
    [ "$(head -n 1 "$ledger_in")" != "$(head -n 1 "$out/ingested.csv")" ]; then
    say "the ledger of $prev has other columns than tonight's tickets (another schema?):"
    say "it is not carried over; it stays in $ledger_in"
    ledger_in=
fi
awk "$csv_awk"'
    FNR == 1 { if (!head) { head = $0; print }; next }
    FILENAME == ARGV[1] && ARGC == 3 { old[++n] = $0; oid[n] = id($0); next }
    { new[++m] = $0; seen[id($0)] = 1 }
    END {
        for (i = 1; i <= n; i++) if (!(oid[i] in seen)) print old[i]
        for (i = 1; i <= m; i++) print new[i]
    }' ${ledger_in:+"$ledger_in"} "$out/ingested.csv" >"$out/.merge.tmp" &&
    mv "$out/.merge.tmp" "$out/tickets.csv" || fail "cannot write $out/tickets.csv"
carried=0
[ -n "$ledger_in" ] && carried=$(awk 'NR > 1' "$ledger_in" | wc -l | tr -d ' ')

# 3. Deadlines: every ticket, then the breaches (same "now", same answers).
sla=0
pm-sla "$@" --tz="$tz" --now="$now" --at-risk="$at_risk" --explain -o "$out/sla.csv" "$out/tickets.csv" \
    2>"$out/sla.log" || sla=$?
if [ "$sla" -ge 2 ] && [ ! -f "$out/sla.csv" ]; then
    say "pm-sla failed (status $sla):"
    cat "$out/sla.log"
    exit 2
fi
breaches=0
pm-sla "$@" --tz="$tz" --now="$now" --breaches --explain -o "$out/breaches.csv" "$out/tickets.csv" \
    2>/dev/null || breaches=$?
[ -f "$out/breaches.csv" ] || : >"$out/breaches.csv"

# The ledger for tomorrow: the tickets with a clock still running.  A
# ticket whose clocks all completed tonight was checked once after its
# completion and leaves.  Written only when tonight's check succeeded.
if [ "$sla" -lt 2 ]; then
    awk "$csv_awk"'
        FILENAME == ARGV[1] && FNR == 1 { for (i = csv($0, h); i > 0; i--) col[h[i]] = i; next }
        FILENAME == ARGV[1] {
            csv($0, f)
            s = f[col["sla_status"]]
            if (s == "open" || s == "at_risk" || s == "overdue" || s == "paused") keep[f[1]] = 1
            next
        }
        FNR == 1 || (id($0) in keep)' "$out/sla.csv" "$out/tickets.csv" >"$out/.ledger.tmp" &&
        mv "$out/.ledger.tmp" "$out/ledger.csv" || fail "cannot write $out/ledger.csv"
fi

# 4. The per-category summary, when pm-report is there (a missed target is
#    reported in the summary, it does not change our status).
report=skipped
if command -v pm-report >/dev/null 2>&1; then
    if pm-report sla -o "$out/summary.csv" "$out/sla.csv" 2>>"$out/sla.log" ||
        [ $? -eq 1 ]; then
        pm-report sla -t md -o "$out/summary.md" "$out/sla.csv" 2>/dev/null || true
        report=done
    else
        report=failed
    fi
fi

# 5. The status, and the account (only when there is something to tell).
count() { [ -s "$1" ] && echo $(($(wc -l <"$1") - 1)) || echo 0; }
nbreach=$(count "$out/breaches.csv")
nrej=$(count "$out/rejected.csv")
status=0
if [ "$sla" -ge 2 ] || [ "$breaches" -ge 2 ]; then
    status=2
elif [ "$sla" -eq 1 ] || [ "$ingest" -eq 1 ] || [ "$nbreach" -gt 0 ]; then
    status=1
fi

changed=0
if [ -s "$out/columns.txt" ]; then
    if [ -z "$prev" ] || [ ! -f "$base/$prev/columns.txt" ] ||
        ! cmp -s "$out/columns.txt" "$base/$prev/columns.txt"; then
        changed=1
    fi
fi
[ "$status" -eq 0 ] && [ "$changed" -eq 0 ] && exit 0

if [ "$changed" -eq 1 ]; then
    if [ -n "$prev" ]; then say "the export's columns changed since $prev; they are now mapped so:"
    else say "the export's columns are mapped so (shown on the first night and when they change):"; fi
    sed 's/^/    /' "$out/columns.txt"
fi
if [ "$nbreach" -gt 0 ]; then
    say "$day: late or overdue at $now:"
    # id, category, clock, due, status, how late: the completion (late) or
    # now (overdue) minus the due, from the timestamps' own offsets
    awk -v now="$now" "$csv_awk"'
        function days(y, m, d) {  # days since 1970-01-01 (civil)
            y -= (m <= 2); era = int(y / 400); yoe = y - era * 400
            doy = int((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1
            return era * 146097 + yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy - 719468
        }
        function minutes(t,    off, d) {  # YYYY-MM-DDTHH:MM:SS+HH:MM -> minutes since the epoch
            off = (substr(t, 20, 1) == "-" ? -1 : 1) * (substr(t, 21, 2) * 60 + substr(t, 24, 2))
            d = days(substr(t, 1, 4) + 0, substr(t, 6, 2) + 0, substr(t, 9, 2) + 0)
            return d * 1440 + substr(t, 12, 2) * 60 + substr(t, 15, 2) - off
        }
        function late(m,    s) {
            s = ""
            if (m >= 1440) { s = int(m / 1440) "d "; m %= 1440 }
            if (m >= 60 || s != "") { s = s int(m / 60) "h "; m %= 60 }
            return s m "m"
        }
        NR == 1 { for (i = 1; i <= csv($0, h); i++) col[h[i]] = i
                  printf "    %-16s %-16s %-8s %-26s %-8s %s\n", "id", "category", "clock", "due", "status", "late by"
                  next }
        {
            csv($0, f)
            split("respond arrive resolve", clocks, " ")
            split("responded_at arrived_at resolved_at", done, " ")
            for (k = 1; k <= 3; k++) {
                c = clocks[k]; st = f[col[c "_status"]]
                if (st != "late" && st != "overdue") continue
                due = f[col[c "_due"]]
                until = st == "late" ? f[col[done[k]]] : now
                printf "    %-16s %-16s %-8s %-26s %-8s %s\n", f[col["id"]], f[col["category"]], c, due, st,
                       late(minutes(until) - minutes(due))
            }
        }' "$out/breaches.csv"
fi
if [ "$nrej" -gt 0 ]; then
    say "$nrej rows of $export_file rejected (in $out/rejected.csv, masked):"
    grep -E '^pm-ingest: .*: rejected: ' "$out/ingest.log" | sed 's/^/    /'
fi
say "$day: $(count "$out/tickets.csv") tickets checked at $now; $nbreach late or overdue; $nrej rows rejected"
[ -n "$ledger_in" ] && say "($carried carried in the ledger from earlier nights, $(count "$out/ledger.csv") still running)"
say "results in $out"
[ "$report" = done ] && [ -f "$out/summary.md" ] && cat "$out/summary.md"
[ "$report" = failed ] && say "pm-report failed: see $out/sla.log"
[ -s "$out/sla.log" ] && [ "$status" -ne 0 ] && cat "$out/sla.log"
exit "$status"
