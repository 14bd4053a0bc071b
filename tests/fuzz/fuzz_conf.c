/* fuzz_conf.c - libFuzzer harness for lib/conf.c and lib/calendar.c:
 * pm_conf_load_string (then a walk of every node through the lookup
 * functions) and pm_calendar_load_string (then working-day arithmetic).
 *
 * Checks, beyond "no crash, no sanitizer report, no hang": a failure sets a
 * message; a loaded calendar answers is_workday/add_workdays/count_workdays
 * consistently (the Nth working day after d is a working day and there are
 * exactly N working days in (d, it]). */
#include "fuzz_util.h"
#include "calendar.h"
#include "conf.h"

static long walk(pm_conf *c, yaml_node_t *n, int depth)
{
    if (!n || depth > 64) return 0;  /* aliases may share nodes: bounded walk */
    long k = 1;
    if (pm_conf_is_map(n)) {
        for (int i = 0; i < pm_conf_map_len(n); i++) {
            yaml_node_t *kn = NULL;
            const char *key = pm_conf_map_key(c, n, i, &kn);
            if (key) CHECK(pm_conf_get(c, n, key) != NULL);
            k += walk(c, pm_conf_map_value(c, n, i), depth + 1);
        }
    } else if (pm_conf_is_seq(n)) {
        for (int i = 0; i < pm_conf_seq_len(n); i++) k += walk(c, pm_conf_seq_item(c, n, i), depth + 1);
    } else {
        CHECK(pm_conf_str(n) != NULL);
        (void)pm_conf_bool(n);
    }
    CHECK(pm_conf_line(n) >= 1);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    pm_conf c;
    pm_error err;
    pm_error_clear(&err);
    if (pm_conf_load_string(&c, text, size, "fuzz.yaml", &err) == 0) {
        walk(&c, pm_conf_root(&c), 0);
        pm_conf_free(&c);
    } else {
        CHECK(err.msg[0]);
        pm_conf_free(&c);
    }

    pm_errors errs = PM_ERRORS_INIT;
    pm_calendar *cal = pm_calendar_load_string(text, "fuzz", &errs);
    CHECK(cal ? errs.n == 0 : errs.n > 0 && errs.v[0].msg[0]);
    pm_errors_free(&errs);
    if (cal) {
        CHECK(pm_calendar_name(cal) != NULL);
        pm_day d0 = pm_day_from_civil(2024, 1, 1);
        for (int k = 0; k < 3; k++) {
            pm_day d = d0 + k * 97;
            int64_t n = 1 + k * 5;
            pm_day e = pm_calendar_add_workdays(cal, d, n);
            if (e > d) {
                CHECK(pm_calendar_is_workday(cal, e));
                CHECK(pm_calendar_count_workdays(cal, d, e) == n);
            }
            (void)pm_calendar_kind(cal, d);
            (void)pm_calendar_holiday_name(cal, d);
        }
        int y;
        while (pm_calendar_take_missing_year(cal, &y)) {}
        pm_calendar_free(cal);
    }
    free(text);
    return 0;
}
