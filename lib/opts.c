/* opts.c - the parts of lib/opts.h that do not need a command line: sizes
 * and the output format.  Option parsing, which may end the process
 * (--help, --version, usage errors), is lib/cli/options.c. */
#include "opts.h"

#include <errno.h>
#include <stdlib.h>

long long pm_parse_size(const char *s)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || errno) return -1;
    long long mul = 1;
    switch (*end) {
    case 0: break;
    case 'k':
    case 'K':
        mul = 1LL << 10;
        end++;
        break;
    case 'm':
    case 'M':
        mul = 1LL << 20;
        end++;
        break;
    case 'g':
    case 'G':
        mul = 1LL << 30;
        end++;
        break;
    default: return -1;
    }
    if (*end) return -1;
    if (v > (1LL << 62) / mul) return -1;
    return v * mul;
}

pm_format pm_common_out_format(const pm_common *c, pm_format input_format)
{
    if (c->to != PM_FMT_AUTO) return c->to;
    return input_format == PM_FMT_AUTO ? PM_FMT_CSV : input_format;
}
