/* fuzz_expr.c - libFuzzer harness for pm-fee's expression parser
 * (src/pm-fee/expr.c, with the other non-main files linked in).
 *
 * Checks, beyond "no crash, no sanitizer report, no hang": a failed parse
 * sets a message; a parsed expression written back with fee_expr_text (with
 * its '×' read as '*') parses again to the same text (a fixed point) and the
 * same value; it evaluates over a sample record
 * (fields a, b, c, zero, big, empty, text) to a status, never a crash, and
 * renders after a successful evaluation. */
#include "fuzz_util.h"
#include "fee.h"

/* fee_expr_text writes multiplication as " × " (for people): back to '*',
 * outside `backquoted names` (which may hold a '×' of their own). */
static void times_to_star(char *s)
{
    int quoted = 0;
    for (char *m = s; *m; m++) {
        if (*m == '`') quoted = !quoted;
        else if (!quoted && m[0] == '\xc3' && m[1] == '\x97') {
            m[0] = '*';
            memmove(m + 1, m + 2, strlen(m + 2) + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_str(data, size);
    if (strlen(text) != size) { free(text); return 0; }
    char msg[256] = "";
    fee_expr *e = fee_expr_parse(text, msg, sizeof msg);
    if (!e) {
        CHECK(msg[0]);
        free(text);
        return 0;
    }
    pm_buf t1, t2;
    pm_buf_init(&t1);
    pm_buf_init(&t2);
    fee_expr_text(e, &t1);
    pm_buf_addc(&t1, 0);
    times_to_star(t1.s);
    char msg2[256] = "";
    fee_expr *e2 = fee_expr_parse(t1.s, msg2, sizeof msg2);
    if (!e2) {
        fprintf(stderr, "'%s' printed as '%s' does not parse: %s\n", text, t1.s, msg2);
        __builtin_trap();
    }
    fee_expr_text(e2, &t2);
    pm_buf_addc(&t2, 0);
    times_to_star(t2.s);
    if (strcmp(t1.s, t2.s)) {
        fprintf(stderr, "'%s' -> '%s' -> '%s'\n", text, t1.s, t2.s);
        __builtin_trap();
    }
    (void)fee_expr_is_simple(e);

    pm_record r;
    pm_record_init(&r);
    pm_record_set(&r, "a", "52000.00");
    pm_record_set(&r, "b", "-3.5");
    pm_record_set(&r, "c", "0.0000001");
    pm_record_set(&r, "zero", "0");
    pm_record_set(&r, "big", "99999999999999999999999999.99");
    pm_record_set(&r, "empty", "");
    pm_record_set(&r, "text", "abc");
    pm_decimal v;
    const char *field = NULL;
    int st = fee_expr_eval(e, &r, &v, &field);
    if (st == PM_DEC_OK) {
        pm_buf rb;
        pm_buf_init(&rb);
        fee_expr_render(e, &r, &rb);
        pm_buf_free(&rb);
        pm_decimal v2;
        CHECK(fee_expr_eval(e2, &r, &v2, &field) == PM_DEC_OK);
        CHECK(pm_decimal_cmp(v, v2) == 0);
    }
    pm_record_free(&r);
    pm_buf_free(&t1);
    pm_buf_free(&t2);
    fee_expr_free(e);
    fee_expr_free(e2);
    free(text);
    return 0;
}
