/* fuzz_policy.c - libFuzzer harness for pm-sla's policy loader
 * (src/pm-sla/policy.c and the other non-main files, linked in).
 *
 * The input is written to a file and loaded with sla_policy_load.  Checks,
 * beyond "no crash, no sanitizer report, no hang": a failure sets a message;
 * a loaded policy printed with sla_policy_print loads again to the same
 * categories and clocks; every clock's deadline is computed for a sample
 * start without crashing. */
#include "fuzz_util.h"
#include "sla.h"

static pm_tz *tz;
static pm_calendar *cal;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    pm_error err;
    tz = pm_tz_open("Asia/Shanghai", &err);
    cal = pm_calendar_builtin("cn", &err);
    if (!tz || !cal) { fprintf(stderr, "setup: %s (set PM_DATADIR)\n", err.msg); abort(); }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, ".policy.yaml", data, size);
    sla_policy p;
    memset(&p, 0, sizeof p);
    pm_error err;
    pm_error_clear(&err);
    if (sla_policy_load(&p, path, &err) != 0) {
        CHECK(err.msg[0]);
        return 0;
    }
    pm_time start = 1720000000;  /* 2024-07-03 */
    for (size_t i = 0; i < p.ncat; i++) {
        CHECK(p.cat[i].name != NULL);
        CHECK(sla_policy_find(&p, p.cat[i].name, strlen(p.cat[i].name)) != NULL);
        for (int c = 0; c < SLA_NCLOCKS; c++) {
            if (!p.cat[i].clock[c].present) continue;
            sla_trace tr;
            pm_time due = sla_deadline(&p.cat[i].clock[c], start, 1, start + 3600, cal, tz, &tr);
            CHECK(due >= start || p.cat[i].clock[c].agreed);
        }
    }
    /* print, load again: the same policy */
    pm_buf out;
    pm_buf_init(&out);
    sla_policy_print(&p, &out);
    const char *path2 = fuzz_write(1, ".printed.yaml", (const uint8_t *)out.s, out.len);
    sla_policy q;
    memset(&q, 0, sizeof q);
    if (sla_policy_load(&q, path2, &err) != 0) {
        fprintf(stderr, "printed policy does not load: %s\n%.*s\n", err.msg, (int)out.len, out.s);
        __builtin_trap();
    }
    CHECK(q.ncat == p.ncat);
    for (size_t i = 0; i < p.ncat; i++) {
        CHECK(!strcmp(q.cat[i].name, p.cat[i].name));
        for (int c = 0; c < SLA_NCLOCKS; c++) {
            CHECK(q.cat[i].clock[c].present == p.cat[i].clock[c].present);
            if (!p.cat[i].clock[c].present) continue;
            CHECK(q.cat[i].clock[c].agreed == p.cat[i].clock[c].agreed);
            CHECK(q.cat[i].clock[c].within.kind == p.cat[i].clock[c].within.kind);
            CHECK(q.cat[i].clock[c].within.n == p.cat[i].clock[c].within.n);
        }
    }
    sla_policy_free(&q);
    pm_buf_free(&out);
    sla_policy_free(&p);
    return 0;
}
