#!/bin/sh
# nightly.sh - the nightly deadline check of a property-service centre, for cron.
#
#   30 1 * * *  PM_IN=/srv/exports PM_OUT=/srv/sla /opt/pm/examples/nightly.sh
#
# 1. ingests yesterday's ticket export ($PM_IN/tickets-YYYY-MM-DD.csv, or the
#    file $PM_EXPORT) with pm-ingest;
# 2. checks every deadline with pm-sla, judging open tickets at $PM_NOW;
# 3. writes into $PM_OUT/YYYY-MM-DD/:
#      tickets.csv    the canonical tickets      rejected.csv  rows pm-ingest refused
#      sla.csv        every ticket with its deadlines, statuses and explanation
#      breaches.csv   the late and overdue ones only
#      summary.csv    per category (and summary.md), when pm-report is installed;
# 4. prints a short account (cron mails it to MAILTO) and exits
#      0 nothing late or overdue, 1 something late or overdue (or rows rejected),
#      2 an error (bad export, policy, calendar, invalid tickets...).
#
# Settings (environment), all optional:
#   PM_IN       folder of the exports (default: .)
#   PM_EXPORT   the export file (default: $PM_IN/tickets-$PM_DAY.csv)
#   PM_DAY      the day the export is for (default: yesterday)
#   PM_OUT      folder of the results (default: ./sla-reports)
#   PM_SCHEMA   pm-ingest schema (default: the built-in ticket schema)
#   PM_POLICY   pm-sla policy (default: the built-in policy)
#   PM_CALENDAR working-day calendar (default: the policy's, else cn)
#   PM_NOW      "now" for open tickets (default: the current time)
#   PM_AT_RISK  window for at_risk (default: 4h)
#   PM_BIN      folder of the pm programs (default: found on PATH)
set -eu

day=${PM_DAY:-$(date -d yesterday +%Y-%m-%d)}
in=${PM_IN:-.}
export_file=${PM_EXPORT:-$in/tickets-$day.csv}
out=${PM_OUT:-./sla-reports}/$day
now=${PM_NOW:-$(date +%Y-%m-%dT%H:%M:%S%:z)}
at_risk=${PM_AT_RISK:-4h}
if [ -n "${PM_BIN:-}" ]; then PATH=$PM_BIN:$PATH; export PATH; fi

say() { printf 'nightly: %s\n' "$*"; }

if [ ! -r "$export_file" ]; then
    say "no export for $day: $export_file" >&2
    exit 2
fi
mkdir -p "$out"
# A re-run for the same day starts afresh: a result left from an earlier run
# must never pass for this run's when a step fails.
rm -f "$out/tickets.csv" "$out/rejected.csv" "$out/sla.csv" "$out/breaches.csv" \
    "$out/summary.csv" "$out/summary.md" "$out/ingest.log" "$out/sla.log"

# Optional settings as arguments, kept as positional parameters (no arrays in sh).
set --
[ -n "${PM_POLICY:-}" ] && set -- "$@" "--policy=$PM_POLICY"
[ -n "${PM_CALENDAR:-}" ] && set -- "$@" "--calendar=$PM_CALENDAR"

# 1. Ingest.  Status 1 means rows were rejected (they are in rejected.csv).
ingest=0
if [ -n "${PM_SCHEMA:-}" ]; then
    pm-ingest --schema="$PM_SCHEMA" --reject="$out/rejected.csv" -o "$out/tickets.csv" \
        "$export_file" 2>"$out/ingest.log" || ingest=$?
else
    pm-ingest --reject="$out/rejected.csv" -o "$out/tickets.csv" "$export_file" \
        2>"$out/ingest.log" || ingest=$?
fi
if [ "$ingest" -ge 2 ] || [ ! -f "$out/tickets.csv" ]; then
    say "pm-ingest failed on $export_file (status $ingest):"
    cat "$out/ingest.log"
    exit 2
fi

# 2. Deadlines: every ticket, then the breaches (same "now", same answers).
sla=0
pm-sla "$@" --now="$now" --at-risk="$at_risk" --explain -o "$out/sla.csv" "$out/tickets.csv" \
    2>"$out/sla.log" || sla=$?
if [ "$sla" -ge 2 ] && [ ! -f "$out/sla.csv" ]; then
    say "pm-sla failed (status $sla):"
    cat "$out/sla.log"
    exit 2
fi
breaches=0
pm-sla "$@" --now="$now" --breaches --explain -o "$out/breaches.csv" "$out/tickets.csv" \
    2>/dev/null || breaches=$?
[ -f "$out/breaches.csv" ] || : >"$out/breaches.csv"

# 3. The per-category summary, when pm-report is there (a missed target is
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

# 4. The account, and the status.
count() { [ -s "$1" ] && echo $(($(wc -l <"$1") - 1)) || echo 0; }
nbreach=$(count "$out/breaches.csv")
nrej=$(count "$out/rejected.csv")
say "$day: $(count "$out/tickets.csv") tickets checked at $now; $nbreach late or overdue; $nrej rows rejected"
say "results in $out"
[ "$report" = done ] && [ -f "$out/summary.md" ] && cat "$out/summary.md"
[ "$report" = failed ] && say "pm-report failed: see $out/sla.log"
[ -s "$out/ingest.log" ] && [ "$ingest" -ne 0 ] && cat "$out/ingest.log"
[ -s "$out/sla.log" ] && cat "$out/sla.log"

status=0
if [ "$sla" -ge 2 ] || [ "$breaches" -ge 2 ]; then
    status=2
elif [ "$sla" -eq 1 ] || [ "$ingest" -eq 1 ]; then
    status=1
fi
exit "$status"
