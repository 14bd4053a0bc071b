/* timex.h - instants, civil dates, zones and durations (docs/CONTRACT.md section 2).
 *
 * An instant is pm_time: seconds since 1970-01-01T00:00:00Z (int64).  A day
 * is pm_day: days since 1970-01-01 (civil, proleptic Gregorian).  Zones are
 * IANA names read from the system time-zone database; the machine's local
 * zone is never used unless named.
 */
#ifndef PM_TIMEX_H
#define PM_TIMEX_H

#include <stddef.h>
#include <stdint.h>
#include "diag.h"

typedef int64_t pm_time;
typedef int64_t pm_day;

#define PM_DEFAULT_TZ "Asia/Shanghai"
/* Longest timestamp pm_time_format writes, with its NUL. */
#define PM_TIME_BUFSZ 32

/* Civil dates ------------------------------------------------------------- */
pm_day pm_day_from_civil(int y, int m, int d);
void pm_civil_from_day(pm_day day, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday */
int pm_day_weekday(pm_day day);
/* "YYYY-MM-DD" (also one-digit month/day, '/' separators) -> day; 0 or -1. */
int pm_day_parse(const char *s, size_t len, pm_day *out);
/* Writes "YYYY-MM-DD" (11 bytes with NUL). */
void pm_day_format(pm_day day, char out[16]);

/* Zones ------------------------------------------------------------------- */
typedef struct pm_tz pm_tz;

/* Opens an IANA zone ("Asia/Shanghai", "UTC").  NULL with err when the zone
 * is not in the time-zone database ($TZDIR, else /usr/share/zoneinfo; the
 * file must exist and be a TZif file; names with ".." or a leading '/' are
 * refused).  Free with pm_tz_free.  Open a zone once and keep it: opening
 * reads the file and spells out its transitions (a few microseconds), after
 * which lookups cost a few nanoseconds.  A pm_tz is immutable once open: any
 * number of callers (and threads) may share it, and the process's TZ is
 * neither read nor changed.  Offsets are whole minutes (pre-1901 local mean
 * time is cut to the minute); they agree with glibc's local time for the
 * same zone, including the file's POSIX TZ rule for years after its last
 * transition. */
pm_tz *pm_tz_open(const char *name, pm_error *err);
void pm_tz_free(pm_tz *tz);
const char *pm_tz_name(const pm_tz *tz);
/* UTC offset in seconds in force at instant t. */
int32_t pm_tz_offset(const pm_tz *tz, pm_time t);
/* The instant of local civil time (day, seconds since local midnight).
 * In a gap (spring forward) the later offset's reading; in an overlap the
 * earlier instant.  That is, in America/New_York 2024-03-10 02:30 (which
 * does not exist) is read with the offset before the change and comes out as
 * 03:30-04:00; 2024-11-03 01:30 (which happens twice) is 01:30-04:00. */
pm_time pm_tz_from_local(const pm_tz *tz, pm_day day, int32_t secs);
/* Local civil date of instant t. */
pm_day pm_tz_day(const pm_tz *tz, pm_time t);
/* 00:00 local on day. */
pm_time pm_tz_midnight(const pm_tz *tz, pm_day day);

/* Timestamps -------------------------------------------------------------- */
/* Parses every form of docs/CONTRACT.md section 2:
 *   2024-07-03T09:05:00+08:00, ...Z, 2024-07-03 09:05, 2024-07-03T09:05,
 *   2024/7/3 9:05[:SS], 2024年7月3日 9:05[:SS], and a bare date (00:00).
 * Leading/trailing blanks are allowed.  Without an offset the time is local in
 * tz.  Returns 0, or -1 with err->msg set (no file/line).
 * In detail: a 4-digit year 0001-9999; month, day and hour of one or two
 * digits; minutes and seconds of two; date and time separated by 'T' or
 * blanks (none needed after 日); fractional seconds (".000", any digits) are
 * truncated; the offset is Z, +HH:MM, +HHMM or +HH, at most +-14:00.  Ranges
 * are checked strictly (Feb 30, month 13, hour 24, minute 60, second 60 are
 * errors) and messages read "bad timestamp '2024-02-30 10:00': day out of
 * range".  A local time that a clock change skips (2024-03-10 02:30 in
 * America/New_York) is an error too ("no such local time").  s need not be
 * NUL-terminated.  About 40 ns per call. */
int pm_time_parse(const char *s, size_t len, const pm_tz *tz, pm_time *out, pm_error *err);

/* The order of a date written with the year last (12/6/2026): never
 * guessed, so such a date is an error unless the caller says which. */
enum { PM_DATE_YMD = 0, PM_DATE_MDY = 1, PM_DATE_DMY = 2 };

/* pm_time_parse, and the forms people type into spreadsheets as well:
 *   2026.12.6 11:20          dots between the parts of the date
 *   2026/12/6 下午3:05       上午/早上/凌晨 (before noon), 中午, 下午/晚上
 *                            (after noon) before a 12-hour time
 *   2026年12月6日9时5分      H时[M分[S秒]], also H点[M分]
 *   12/6/2026 11:20          year last, only with date_order PM_DATE_MDY
 *                            (12 June: PM_DATE_DMY); '/', '-' or '.'
 * With date_only non-NULL, *date_only is set to 1 when s is a date without
 * a time (read as 00:00 of that day), else 0.  The error for a text that is
 * no timestamp at all lists every accepted form. */
int pm_time_parse_ex(const char *s, size_t len, const pm_tz *tz, int date_order, pm_time *out, int *date_only,
                     pm_error *err);
/* Why a text is no timestamp, apart from the text: a caller that must not
 * show the value (pm-ingest's personal fields) says why without it. */
typedef enum pm_time_why {
    PM_TIME_OK = 0,
    PM_TIME_EMPTY,       /* "empty" */
    PM_TIME_SYNTAX,      /* no date at the start; the message lists every form */
    PM_TIME_NEEDS_ORDER, /* 12/6/2026 without PM_DATE_MDY or PM_DATE_DMY */
    PM_TIME_SEPARATOR,   /* no 'T' or blank after the date */
    PM_TIME_CJK_MINUTES, /* 9时5x */
    PM_TIME_CJK_SECONDS, /* 9时5分30 */
    PM_TIME_TIME_FORM,   /* no HH:MM */
    PM_TIME_MINUTE_DIGITS,
    PM_TIME_SECOND_DIGITS,
    PM_TIME_FRACTION, /* a decimal point without digits */
    PM_TIME_OFFSET_FORM,
    PM_TIME_OFFSET_RANGE, /* beyond +-14:00 */
    PM_TIME_TRAILING,     /* text after the time */
    PM_TIME_HOUR12_RANGE, /* 下午13:05 */
    PM_TIME_YEAR_RANGE,
    PM_TIME_MONTH_RANGE,
    PM_TIME_DAY_RANGE,
    PM_TIME_HOUR_RANGE,
    PM_TIME_MINUTE_RANGE,
    PM_TIME_SECOND_RANGE,
    PM_TIME_YEAR_IN_ZONE, /* 9999-12-31T23:00-14:00 is year 10000 in the zone */
    PM_TIME_SKIPPED       /* a local time the clocks skip */
} pm_time_why;

/* pm_time_parse_ex without a message: PM_TIME_OK with *out set, or why not. */
pm_time_why pm_time_scan(const char *s, size_t len, const pm_tz *tz, int date_order, pm_time *out, int *date_only);
/* Fills err (no file/line) with the message of why: with s, the text
 * pm_time_parse_ex gives ("bad timestamp '2024-02-30 10:00': day out of
 * range", s trimmed and cut at 80 bytes); with s NULL the reason alone
 * ("day out of range"), which never contains the value.  tz names the zone
 * of PM_TIME_SKIPPED ("no such local time in America/New_York (the clocks
 * skip it)"). */
void pm_time_why_error(pm_error *err, pm_time_why why, const pm_tz *tz, const char *s, size_t len);

/* Writes YYYY-MM-DDTHH:MM:SS+HH:MM in zone tz (never the machine's zone);
 * returns the length (25 for years 0001-9999). */
size_t pm_time_format(pm_time t, const pm_tz *tz, char out[PM_TIME_BUFSZ]);
/* The same text from a formatter that remembers, between calls, the zone's
 * offset interval and the date it last wrote: instants written one after
 * another are mostly close together (those of a record, of consecutive
 * records), and then it skips the zone look-up and the civil date.  Start
 * it as {.tz = tz} (nothing else set); one per zone; not shared between
 * threads. */
typedef struct pm_time_fmt {
    const pm_tz *tz;
    pm_time lo, hi; /* where off holds, [lo, hi); lo == hi: not yet known */
    int32_t off;
    char ofs[6]; /* off written: "+08:00" */
    int has_day; /* date holds day, "YYYY-MM-DD" */
    pm_day day;
    char date[10];
} pm_time_fmt;
size_t pm_time_fmt_write(pm_time_fmt *f, pm_time t, char out[PM_TIME_BUFSZ]);

/* Durations --------------------------------------------------------------- */
typedef enum pm_dur_kind {
    PM_DUR_SECONDS = 0, /* from "15m", "8h", also "30s" */
    PM_DUR_DAYS,        /* "2d": calendar days */
    PM_DUR_WORKDAYS     /* "7wd": working days */
} pm_dur_kind;

typedef struct pm_duration {
    pm_dur_kind kind;
    int64_t n; /* seconds for PM_DUR_SECONDS, else days */
} pm_duration;

/* Parses "15m", "8h", "2d", "7wd" (also "30s"): a whole number (no sign, no
 * fraction) and a lower-case unit; at most 10,000 years.  0, or -1 with
 * err->msg ("bad duration '0.5h': ..."). */
int pm_duration_parse(const char *s, size_t len, pm_duration *out, pm_error *err);
/* Writes the shortest form ("15m", "8h", "90s", "2d", "7wd"); returns length. */
size_t pm_duration_format(const pm_duration *d, char out[32]);

#endif
