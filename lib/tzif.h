/* tzif.h - the UTC offsets of one time zone, read from its TZif file
 * (RFC 8536), for lib/timex.c.
 *
 * A pm_tzif is the zone's offset as a step function of the instant: the
 * changes of offset in ascending order, the ones the file lists and those its
 * POSIX TZ footer string gives for later years, spelled out for 400 years
 * (after which the Gregorian calendar, weekdays included, repeats).  It is
 * immutable once loaded: lookups only read it, so one zone can be shared by
 * any number of callers.  Offsets are whole minutes, cut towards zero as
 * timex has always done (+08:05:43 local mean time is +08:05).
 */
#ifndef PM_TZIF_H
#define PM_TZIF_H

#include <stddef.h>
#include <stdint.h>

typedef struct pm_tzif {
    size_t n;     /* changes of offset */
    int64_t *at;  /* n instants of change, ascending */
    int32_t *off; /* n + 1 offsets: off[i] holds from at[i-1] (or always) to at[i] (or ever) */
    /* From cycle_start on the offsets repeat every cycle seconds (400
     * Gregorian years); at[] spells out one cycle.  cycle 0: they never change
     * after at[n-1]. */
    int64_t cycle_start, cycle;
    /* An index by span of 2^PM_TZIF_SPAN_SHIFT s (~388 days) from span_start:
     * span_first[k] is the number of changes before span_start + k spans.
     * Instants outside [span_start, span_end) are found by bisection. */
    int64_t span_start, span_end;
    uint32_t *span_first;
} pm_tzif;

#define PM_TZIF_SPAN_SHIFT 25

/* Reads a TZif file's bytes (v1, or the 64-bit data of v2 and later with the
 * footer).  0, or -1 when the bytes are no valid TZif data (z untouched).
 * Free with pm_tzif_free. */
int pm_tzif_parse(pm_tzif *z, const unsigned char *buf, size_t len);
void pm_tzif_free(pm_tzif *z);

/* The offset in force at t (seconds east of UTC), and an interval
 * [*lo, *hi) around t where it holds (at most the whole step; shorter near
 * the ends of a cycle). */
int32_t pm_tzif_offset(const pm_tzif *z, int64_t t, int64_t *lo, int64_t *hi);

#endif
