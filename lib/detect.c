/* detect.c - CSV, TSV or YAML, from the first decoded bytes. */
#include "reader_int.h"

#include <string.h>

/* Format detection ---------------------------------------------------------- */

/* Whether a line starting with '[' or '{' has a ',' or tab outside its
 * brackets and quotes (then it is a CSV header, not a YAML flow collection). */
static int delimiter_outside_brackets(const char *l, size_t len)
{
    int depth = 0;
    char quote = 0;
    for (size_t k = 0; k < len; k++) {
        char c = l[k];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '[' || c == '{')
            depth++;
        else if ((c == ']' || c == '}') && depth > 0)
            depth--;
        else if ((c == ',' || c == '\t') && depth == 0)
            return 1;
    }
    return 0;
}

/* Format detection from the first decoded bytes. */
pm_format pmr_detect_format(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
        if (i < n && s[i] == '#') {
            /* a YAML comment, or a CSV header starting with '#': the next
             * line decides, and a CSV file stays CSV either way */
            size_t j = i;
            while (j < n && s[j] != '\n') j++;
            i = j;
            continue;
        }
        break;
    }
    if (i >= n) return PM_FMT_CSV;
    size_t end = i;
    while (end < n && s[end] != '\n') end++;
    const char *l = (const char *)s + i;
    size_t len = end - i;
    if ((len >= 3 && !memcmp(l, "---", 3)) || (len >= 5 && !memcmp(l, "%YAML", 5)) ||
        (len >= 2 && l[0] == '-' && l[1] == ' '))
        return PM_FMT_YAML;
    /* a flow collection, unless it is a CSV header whose first name is
     * bracketed ("[ID],[Name]", as SQL Server exports write them) */
    if ((l[0] == '{' || l[0] == '[') && !delimiter_outside_brackets(l, len)) return PM_FMT_YAML;
    int comma = memchr(l, ',', len) != NULL;
    int tab = memchr(l, '\t', len) != NULL;
    /* KEY ": " (or a KEY ":" ending the line) with no delimiter or quote
     * before it is a block mapping, whatever commas its value holds */
    for (size_t k = 0; k < len; k++) {
        char c = l[k];
        if (c == ',' || c == '\t' || c == '"') break;
        if (c == ':' && (k + 1 == len || l[k + 1] == ' ' || l[k + 1] == '\r')) return PM_FMT_YAML;
    }
    if (tab && !comma) return PM_FMT_TSV;
    return PM_FMT_CSV;
}
