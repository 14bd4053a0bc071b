/* pause.c - a ticket's pauses (its `paused` field, issue 14): reading the
 * intervals, and clipping and merging them for one clock.
 *
 *   paused: 2024-07-03T10:00/2024-07-05 16:00; 2024/7/8 9:00/
 *
 * START/END in ISO 8601 interval notation, any timestamp form on each side,
 * END empty while the ticket is still paused.
 */
#include <string.h>
#include "sla.h"

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads one side; 0 or -1 with e. */
static int side(const char *s, size_t n, const pm_tz *tz, pm_time *t, pm_error *e)
{
    return pm_time_parse(s, n, tz, t, e);
}

static int only_blanks(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!blank(s[i])) return 0;
    return 1;
}

/* One interval s[0..n) (trimmed, not empty). */
static int interval(const char *s, size_t n, const pm_tz *tz, sla_pause *p, pm_buf *msg)
{
    pm_error e, first;
    int seen = 0;
    pm_error_clear(&first);
    /* The sides may hold '/' themselves (2024/7/3 9:05): split at the
     * first '/' that leaves a readable start and an empty or readable end. */
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '/') continue;
        pm_error_clear(&e);
        if (side(s, i, tz, &p->start, &e) != 0) {
            if (!seen) first = e;
            seen = 1;
            continue;
        }
        const char *r = s + i + 1;
        size_t rn = n - i - 1;
        if (only_blanks(r, rn)) {
            p->open = 1;
            p->end = 0;
            return 0;
        }
        pm_error_clear(&e);
        if (side(r, rn, tz, &p->end, &e) != 0) {
            first = e;
            seen = 1;
            continue;
        }
        if (p->end < p->start) {
            pm_buf_addf(msg, "paused: '%.*s': the end is before the start", (int)n, s);
            return -1;
        }
        p->open = 0;
        return 0;
    }
    if (!seen)
        pm_buf_addf(msg, "paused: '%.*s' is no interval START/END (END empty while still paused)",
                    (int)(n > 80 ? 80 : n), s);
    else
        pm_buf_addf(msg, "paused: %s", first.msg);
    return -1;
}

long sla_pauses_parse(const char *s, size_t len, const pm_tz *tz, sla_pause *out, size_t max, pm_buf *msg)
{
    size_t n = 0, i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && s[j] != ';') j++;
        size_t a = i, b = j;
        while (a < b && blank(s[a])) a++;
        while (b > a && blank(s[b - 1])) b--;
        if (b > a) {
            if (n == max) { /* cannot happen when max is 1 + the number of ';' */
                pm_buf_adds(msg, "paused: too many intervals");
                return -1;
            }
            if (interval(s + a, b - a, tz, &out[n], msg) != 0) return -1;
            n++;
        }
        i = j + 1;
    }
    return (long)n;
}

size_t sla_pauses_merge(const sla_pause *in, size_t n, pm_time from, int has_until, pm_time until, sla_pause *out)
{
    size_t m = 0, k = 0, i;
    for (i = 0; i < n; i++) {
        sla_pause p = in[i];
        if (has_until) {
            if (p.open || p.end > until) p.end = until;
            p.open = 0;
        }
        if (p.start < from) p.start = from;
        if (!p.open && p.end <= p.start) continue; /* nothing left of it */
        size_t j = m++;
        while (j > 0 && out[j - 1].start > p.start) {
            out[j] = out[j - 1];
            j--;
        }
        out[j] = p;
    }
    for (i = 0; i < m; i++) {
        if (k > 0 && (out[k - 1].open || out[i].start <= out[k - 1].end)) {
            if (out[i].open)
                out[k - 1].open = 1;
            else if (!out[k - 1].open && out[i].end > out[k - 1].end)
                out[k - 1].end = out[i].end;
        } else {
            out[k++] = out[i];
        }
    }
    return k;
}
