/* regex.h - PCRE2 patterns with limits (UTF mode, JIT where available).
 *
 * Compile errors carry the pattern and the offset.  Every match runs under
 * match and depth limits, so a catastrophic pattern is reported as an error
 * (PM_RX_LIMIT) instead of hanging the program.
 */
#ifndef PM_REGEX_H
#define PM_REGEX_H

#include <stddef.h>
#include "buf.h"
#include "diag.h"

typedef struct pm_regex pm_regex;

enum { PM_RX_CASELESS = 1 };
enum { PM_RX_NOMATCH = 0, PM_RX_MATCH = 1, PM_RX_ERROR = -1 };

/* Compiles pattern; NULL with err->msg ("bad pattern 'x(': missing closing
 * parenthesis at offset 2") on failure.  Free with pm_regex_free. */
pm_regex *pm_regex_compile(const char *pattern, unsigned flags, pm_error *err);
void pm_regex_free(pm_regex *rx);
const char *pm_regex_pattern(const pm_regex *rx);
/* PM_RX_MATCH, PM_RX_NOMATCH, or PM_RX_ERROR with err->msg (limit hit, bad
 * UTF-8 in subject...). */
int pm_regex_match(pm_regex *rx, const char *s, size_t len, pm_error *err);
/* Replaces every match of rx in s with repl ($1, ${name} references) and
 * appends the result to out.  Returns the number of replacements, or
 * PM_RX_ERROR with err->msg. */
int pm_regex_replace(pm_regex *rx, const char *s, size_t len, const char *repl, pm_buf *out, pm_error *err);
/* Sets the limits of rx's matches (from pm_regex_compile: 1,000,000 match
 * steps, depth 10,000); other patterns keep theirs. */
void pm_regex_set_limits(pm_regex *rx, unsigned long match_limit, unsigned long depth_limit);

#endif
