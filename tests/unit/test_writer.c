/* test_writer.c - specification of the writer side of lib/stream.h beyond
 * test_stream.c: YAML scalars every common reader reads back unchanged. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "stream.h"

static const char *quoted(void (*f)(pm_buf *, const char *, size_t), const char *v)
{
    static pm_buf b = PM_BUF_INIT;
    pm_buf_reset(&b);
    f(&b, v, strlen(v));
    return pm_buf_str(&b);
}

/* PyYAML's pure-Python scanner ends a plain scalar at any '?' inside a flow
 * mapping ("--- {description: why? nobody came}" fails to load), where
 * libyaml, Psych and js-yaml read on: such values and keys are quoted. */
Test(yaml_writer, question_mark_anywhere_is_quoted)
{
    const char *v[] = {"why? nobody came", "why?", "a?b", "漏水? 还是渗水?", "http://x.cn/a?b=1"};
    char want[64];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        snprintf(want, sizeof want, "\"%s\"", v[i]);
        cr_expect_str_eq(quoted(pm_yaml_quote, v[i]), want);
        cr_expect_str_eq(quoted(pm_yaml_key, v[i]), want);
    }
    /* the full-width question mark is no indicator */
    cr_expect_str_eq(quoted(pm_yaml_quote, "为什么？没人来"), "为什么？没人来");
}
