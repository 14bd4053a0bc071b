/* regex.c - PCRE2 wrapper: UTF mode, JIT when available, match limits. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

struct pm_regex {
    pcre2_code *code;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    char *pattern;
};

/* The limits every pattern starts with (regex.h). */
#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000

void pm_regex_set_limits(pm_regex *rx, unsigned long match_limit, unsigned long depth_limit)
{
    pcre2_set_match_limit(rx->mctx, (uint32_t)match_limit);
    pcre2_set_depth_limit(rx->mctx, (uint32_t)depth_limit);
}

pm_regex *pm_regex_compile(const char *pattern, unsigned flags, pm_error *err)
{
    int ec;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_UCP;
    if (flags & PM_RX_CASELESS) opts |= PCRE2_CASELESS;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &ec, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        pm_error_set(err, NULL, 0, "bad pattern '%s': %s at offset %zu", pattern, (char *)msg, (size_t)off);
        return NULL;
    }
    pm_regex *rx = pm_xcalloc(1, sizeof *rx);
    rx->code = code;
    /* The JIT falls back to the interpreter where it is not available;
     * PM_REGEX_JIT=0 asks for the interpreter (memory checkers such as
     * valgrind cannot follow JIT-compiled code and report it falsely). */
    static int jit = -1;
    if (jit < 0) {
        const char *e = getenv("PM_REGEX_JIT");
        jit = !(e && !strcmp(e, "0"));
    }
    if (jit) pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    rx->md = pcre2_match_data_create_from_pattern(code, NULL);
    rx->mctx = pcre2_match_context_create(NULL);
    pm_regex_set_limits(rx, MATCH_LIMIT, DEPTH_LIMIT);
    rx->pattern = pm_xstrdup(pattern);
    return rx;
}

void pm_regex_free(pm_regex *rx)
{
    if (!rx) return;
    pcre2_match_data_free(rx->md);
    pcre2_match_context_free(rx->mctx);
    pcre2_code_free(rx->code);
    free(rx->pattern);
    free(rx);
}

const char *pm_regex_pattern(const pm_regex *rx)
{
    return rx->pattern;
}

static int match_error(pm_regex *rx, int rc, pm_error *err)
{
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof msg);
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
        rc == PCRE2_ERROR_JIT_STACKLIMIT)
        pm_error_set(err, NULL, 0, "pattern '%s' is too slow on this value (%s); simplify the pattern", rx->pattern,
                     (char *)msg);
    else
        pm_error_set(err, NULL, 0, "pattern '%s' cannot match this value: %s", rx->pattern, (char *)msg);
    return PM_RX_ERROR;
}

int pm_regex_match(pm_regex *rx, const char *s, size_t len, pm_error *err)
{
    int rc = pcre2_match(rx->code, (PCRE2_SPTR)s, len, 0, 0, rx->md, rx->mctx);
    if (rc >= 0) return PM_RX_MATCH;
    if (rc == PCRE2_ERROR_NOMATCH) return PM_RX_NOMATCH;
    return match_error(rx, rc, err);
}

int pm_regex_replace(pm_regex *rx, const char *s, size_t len, const char *repl, pm_buf *out, pm_error *err)
{
    PCRE2_SIZE outlen = len * 2 + strlen(repl) + 64;
    for (;;) {
        PCRE2_UCHAR *buf = pm_xmalloc(outlen);
        PCRE2_SIZE got = outlen;
        int rc = pcre2_substitute(rx->code, (PCRE2_SPTR)s, len, 0,
                                  PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, rx->md, rx->mctx,
                                  (PCRE2_SPTR)repl, PCRE2_ZERO_TERMINATED, buf, &got);
        if (rc == PCRE2_ERROR_NOMEMORY) {
            free(buf);
            outlen = got + 1;
            continue;
        }
        if (rc < 0) {
            free(buf);
            return match_error(rx, rc, err);
        }
        pm_buf_add(out, buf, got);
        free(buf);
        return rc;
    }
}
