/* fuzz_schedule.c - libFuzzer harness for pm-fee's schedule loader
 * (src/pm-fee/schedule.c and the other non-main files, linked in).
 *
 * The input is written to a file and loaded with fee_schedule_load.  Checks,
 * beyond "no crash, no sanitizer report, no hang": a failure sets a message;
 * a loaded schedule charges a few sample records (every type of the example
 * schedule, with and without --explain) without crashing, and every charge
 * line has a rule and an amount. */
#include "fuzz_util.h"
#include "fee.h"

static void charge(fee_schedule *s, const pm_record *r, int explain)
{
    fee_engine e;
    pm_day day;
    CHECK(fee_period_parse("2024-07", 7, &day) == 0);
    fee_engine_init(&e, s, explain, "2024-07", day);
    pm_error err;
    pm_error_clear(&err);
    if (fee_charge(&e, r, &err) == 0) {
        for (size_t i = 0; i < e.nlines; i++) CHECK(e.lines[i].rule && e.lines[i].amount);
        if (e.nlines == 0) {
            pm_buf b;
            pm_buf_init(&b);
            fee_unmatched_note(&e, r, &b);
            pm_buf_free(&b);
        }
    } else {
        CHECK(err.msg[0]);
    }
    fee_engine_free(&e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_write(0, ".schedule.yaml", data, size);
    fee_schedule s;
    memset(&s, 0, sizeof s);
    pm_error err;
    pm_error_clear(&err);
    if (fee_schedule_load(&s, path, &err) != 0) {
        CHECK(err.msg[0]);
        return 0;
    }
    static const char *types[] = {"unit", "parking", "department", "contract", "data_entry", "violation", "x"};
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        pm_record r;
        pm_record_init(&r);
        pm_record_set(&r, "id", "R1");
        pm_record_set(&r, "type", types[t]);
        pm_record_set(&r, "pass", "monthly");
        pm_record_set(&r, "area_m2", "89.37");
        pm_record_set(&r, "months", "1");
        pm_record_set(&r, "gross_profit", "52000.00");
        pm_record_set(&r, "costs", "0");
        pm_record_set(&r, "amount", "-1000.005");
        pm_record_set(&r, "earners", "S1;S2;S3");
        pm_record_set(&r, "shares", "2;1;0");
        pm_record_set(&r, "items", "99999999999999999999");
        pm_record_set(&r, "rule", "purchase");
        pm_record_set(&r, "period", "2024-07");
        charge(&s, &r, (int)(t & 1));
        pm_record_free(&r);
    }
    fee_schedule_free(&s);
    return 0;
}
