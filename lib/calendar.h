/* calendar.h - working-day calendars as data (docs/CONTRACT.md section 2).
 *
 * A calendar says which days are working days: a day in `workdays`, or a day
 * that is neither a weekend day nor in `holidays`.  Years with no holiday data
 * count weekends only; pm_calendar_take_missing_year reports each such year
 * once so the program can warn.  Working-day arithmetic uses precomputed
 * counts and costs the same for 3wd as for 300wd.
 */
#ifndef PM_CALENDAR_H
#define PM_CALENDAR_H

#include "conf.h"
#include "diag.h"
#include "timex.h"

typedef struct pm_calendar pm_calendar;

/* Loads a calendar file (YAML).  NULL on failure, with every error of the
 * file (FILE:LINE, in the order found; PM_ERRORS_MAX kept, the rest
 * counted) added to errs, which the caller frees (pm_errors_free).
 * Keys: name (default: the file name without .yaml), weekend (a list of
 * mon..sun or monday..sunday, any case; default [sat, sun]; [] for none; not
 * all seven), holidays and workdays: each a list of days and ranges
 * ("2024-02-10..2024-02-17", inclusive), or a mapping of them to names
 * ({2024-02-10..2024-02-17: 春节}, block or flow style), or a list mixing
 * both.  Names of workdays entries are accepted and ignored.  description,
 * source, sources and notes are allowed and ignored; other keys are errors.
 * Errors: bad date, range that ends before it starts, unknown weekday, a
 * day both in holidays and workdays, bad structure. */
pm_calendar *pm_calendar_load(const char *path, pm_errors *errs);
/* Loads from a string (for tests); name is used in messages. */
pm_calendar *pm_calendar_load_string(const char *yaml, const char *name, pm_errors *errs);
/* The shipped calendar called name ("cn") from the data folder
 * (pm_data_path("calendars/NAME.yaml")).  NULL with err: the first error
 * (the shipped files are tested; the usual failure is a missing one). */
pm_calendar *pm_calendar_builtin(const char *name, pm_error *err);
/* A calendar named on a command line or in a policy: a reference with a '/'
 * or ending in .yaml or .yml is a file (pm_calendar_load); anything else
 * ("cn") is a shipped calendar (pm_calendar_builtin).  NULL with the
 * errors added to errs, as pm_calendar_load. */
pm_calendar *pm_calendar_open(const char *name_or_path, pm_errors *errs);
void pm_calendar_free(pm_calendar *cal);
const char *pm_calendar_name(const pm_calendar *cal);

/* Day kinds, for explanations. */
typedef enum pm_daykind {
    PM_DAY_WORKING = 0, /* an ordinary working day */
    PM_DAY_WEEKEND,     /* a weekend day, not working */
    PM_DAY_HOLIDAY,     /* a holiday, not working */
    PM_DAY_MAKEUP       /* a weekend day declared a working day */
} pm_daykind;

/* (Like the functions below, notes day's year when it has no data.) */
pm_daykind pm_calendar_kind(pm_calendar *cal, pm_day day);
int pm_calendar_is_workday(pm_calendar *cal, pm_day day);
/* Name of the holiday on day ("春节"), or NULL. */
const char *pm_calendar_holiday_name(const pm_calendar *cal, pm_day day);
/* Whether the calendar has holiday data for year. */
int pm_calendar_has_year(const pm_calendar *cal, int year);
/* The Nth working day after day (day itself never counted), n >= 1 (n < 1
 * returns day; n is capped at 10^9).  O(log n), no day-by-day walk. */
pm_day pm_calendar_add_workdays(pm_calendar *cal, pm_day day, int64_t n);
/* Working days in (a, b]; 0 when b <= a. */
int64_t pm_calendar_count_workdays(pm_calendar *cal, pm_day a, pm_day b);
/* After computations: a year that was needed but has no data and was not yet
 * reported; returns 1 and sets *year, or 0.  Each year is returned once,
 * smallest first.  Cheap when there is nothing to report (call it after
 * every record). */
int pm_calendar_take_missing_year(pm_calendar *cal, int *year);

#endif
