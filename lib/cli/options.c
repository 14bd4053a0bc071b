/* options.c - option tables on getopt_long, shared by every program.
 *
 * The command-line side of lib/opts.h: --help and --version end the
 * process with status 0 (2 if standard output cannot be written), a usage
 * error with status 2, so this lives in lib/cli/, apart from the library. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "timex.h"

enum {
    ID_FROM = 1,
    ID_TO,
    ID_OUTPUT,
    ID_TZ,
    ID_STATS,
    ID_DELIM,
    ID_ENCODING,
    ID_MAX_FIELD,
    ID_REJECT,
    ID_HELP,
    ID_VERSION,
    ID_BYTE_RANGE
};

static const pm_option common_opts[] = {
    PM_OPT_CALL("from", 'f', ID_FROM, "FORMAT", "input format: csv, tsv, yaml (default: detected)"),
    PM_OPT_CALL("to", 't', ID_TO, "FORMAT", "output format: csv, tsv, yaml (default: the input's)"),
    PM_OPT_CALL("output", 'o', ID_OUTPUT, "FILE", "write to FILE, atomically (default: standard output)"),
    PM_OPT_CALL("tz", 0, ID_TZ, "ZONE", "time zone of times without an offset (default Asia/Shanghai)"),
    {.name = "stats", .id = ID_STATS, .help = "print records read, written and flagged to standard error"},
    PM_OPT_CALL("delimiter", 'd', ID_DELIM, "C", "CSV field delimiter, one byte ('\\t' or 'tab' for TSV)"),
    PM_OPT_CALL("encoding", 'e', ID_ENCODING, "ENC", "input encoding: auto (default), utf-8, gb18030, gbk..."),
    PM_OPT_CALL("max-field", 0, ID_MAX_FIELD, "BYTES", "longest field accepted (default 16M)"),
    PM_OPT_CALL("reject", 'r', ID_REJECT, "FILE", "write records that cannot be used here, with _source, _error, _raw"),
    PM_OPT_CALL("byte-range", 0, ID_BYTE_RANGE, "START-END",
                "read only the lines that start in these bytes of FILE (a block)"),
};
static const unsigned common_bits[] = {
    PM_OPT_FROM,      PM_OPT_TO,       PM_OPT_OUTPUT,    PM_OPT_TZ,     PM_OPT_STATS,
    PM_OPT_DELIMITER, PM_OPT_ENCODING, PM_OPT_MAX_FIELD, PM_OPT_REJECT, PM_OPT_BYTE_RANGE,
};
#define NCOMMON (sizeof common_opts / sizeof *common_opts)

void pm_program_init(int argc, char **argv)
{
    (void)argc;
    pm_diag_init(argv && argv[0] ? argv[0] : "pm");
    signal(SIGPIPE, SIG_DFL);
    setlocale(LC_ALL, "C");
}

static void print_help(const char *usage, const char *description, const pm_option *options, unsigned common)
{
    printf("Usage: %s\n", usage);
    if (description) printf("\n%s\n", description);
    printf("\nOptions:\n");
    for (int pass = 0; pass < 2; pass++) {
        size_t n = 0;
        const pm_option *list = pass == 0 ? options : common_opts;
        if (pass == 0) {
            while (options && options[n].name) n++;
        } else
            n = NCOMMON;
        for (size_t i = 0; i < n; i++) {
            if (pass == 1 && !(common & common_bits[i])) continue;
            const pm_option *o = &list[i];
            char left[64];
            int k = 0;
            if (o->short_name)
                k = snprintf(left, sizeof left, "-%c, ", o->short_name);
            else
                k = snprintf(left, sizeof left, "    ");
            if (o->has_arg == 1)
                snprintf(left + k, sizeof left - (size_t)k, "--%s=%s", o->name, o->arg_name ? o->arg_name : "ARG");
            else if (o->has_arg == 2)
                snprintf(left + k, sizeof left - (size_t)k, "--%s[=%s]", o->name, o->arg_name ? o->arg_name : "ARG");
            else
                snprintf(left + k, sizeof left - (size_t)k, "--%s", o->name);
            printf("  %-26s %s\n", left, o->help ? o->help : "");
        }
    }
    printf("  %-26s %s\n", "-h, --help", "show this help and exit");
    printf("  %-26s %s\n", "    --version", "show the version and exit");
    printf("\nExit status: 0 done, nothing flagged; 1 something flagged; 2 errors.\n");
    printf("See the manual page %s(1).\n", pm_progname());
}

/* A usage error found by the parser itself: the message, for the caller to
 * print after freeing what it holds. */
typedef struct usage_msg {
    char text[2048];
} usage_msg;

static int bad_usage(usage_msg *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_usage(usage_msg *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->text, sizeof u->text, fmt, ap);
    va_end(ap);
    return -1;
}

/* 0, or -1 with u set. */
static int common_option(int id, const char *arg, pm_common *c, usage_msg *u)
{
    int f;
    long long sz;
    switch (id) {
    case ID_FROM:
        f = pm_format_parse(arg);
        if (f < 0) return bad_usage(u, "unknown input format '%s' (csv, tsv or yaml)", arg);
        c->read.format = (pm_format)f;
        return 0;
    case ID_TO:
        f = pm_format_parse(arg);
        if (f < 0 || f == PM_FMT_AUTO) return bad_usage(u, "unknown output format '%s' (csv, tsv or yaml)", arg);
        c->to = (pm_format)f;
        return 0;
    case ID_OUTPUT: c->output = arg; return 0;
    case ID_TZ: c->tz_name = arg; return 0;
    case ID_STATS: c->stats = 1; return 0;
    case ID_REJECT: c->reject = arg; return 0;
    case ID_DELIM:
        if (!strcmp(arg, "\\t") || !strcasecmp(arg, "tab"))
            c->read.delimiter = '\t';
        else if (strlen(arg) == 1 && arg[0] != '"' && arg[0] != '\n' && arg[0] != '\r')
            c->read.delimiter = arg[0];
        else
            return bad_usage(u, "the delimiter must be one byte (not a quote or line end): '%s'", arg);
        return 0;
    case ID_ENCODING: c->read.encoding = arg; return 0;
    case ID_MAX_FIELD:
        sz = pm_parse_size(arg);
        if (sz <= 0) return bad_usage(u, "bad --max-field '%s' (a size such as 16M)", arg);
        c->read.max_field = (size_t)sz;
        return 0;
    case ID_BYTE_RANGE: {
        const char *dash = strchr(arg, '-');
        char start[32];
        long long a = -1, b = -1;
        if (dash && (size_t)(dash - arg) < sizeof start) {
            memcpy(start, arg, (size_t)(dash - arg));
            start[dash - arg] = 0;
            a = pm_parse_size(start);
            b = pm_parse_size(dash + 1);
        }
        if (a < 0 || b < a) return bad_usage(u, "bad --byte-range '%s' (START-END, byte offsets, START <= END)", arg);
        c->read.byte_range = 1;
        c->read.range_start = a;
        c->read.range_end = b;
        return 0;
    }
    }
    return 0;
}

/* A program option: stored where its table entry binds it, or handed to
 * the callback.  0, or -1 when the callback refused it. */
static int take_option(const pm_option *o, const char *arg, pm_option_cb cb, void *ctx)
{
    switch (o->kind) {
    case PM_OPTK_STRING: *(const char **)o->var = arg; return 0;
    case PM_OPTK_FLAG: *(int *)o->var = 1; return 0;
    case PM_OPTK_CALLBACK: break;
    }
    return cb && cb(o->id, arg, ctx) < 0 ? -1 : 0;
}

/* How the parse ends: go on with the operands, or end the process. */
enum { PARSE_GO_ON = -1 };

int pm_opts_parse(int argc, char **argv, const pm_option *options, unsigned common, pm_common *out, pm_option_cb cb,
                  void *ctx, const char *usage, const char *description)
{
    memset(out, 0, sizeof *out);
    out->tz_name = PM_DEFAULT_TZ;
    size_t nprog = 0;
    while (options && options[nprog].name) nprog++;
    /* getopt's tables; freed before the process ends on every path the
     * parser takes (a callback that ends it itself leaves them on the
     * stack, where a leak checker still sees them) */
    struct option *lo = pm_xcalloc(nprog + NCOMMON + 3, sizeof *lo);
    pm_buf shorts = PM_BUF_INIT;
    pm_buf_adds(&shorts, ":h"); /* report missing values as ':' */
    size_t k = 0;
    /* id -> option, for the callback */
    for (size_t i = 0; i < nprog; i++) {
        lo[k].name = options[i].name;
        lo[k].has_arg = options[i].has_arg == 1   ? required_argument
                        : options[i].has_arg == 2 ? optional_argument
                                                  : no_argument;
        lo[k].val = 1000000 + (int)i;
        k++;
        if (options[i].short_name) {
            pm_buf_addc(&shorts, options[i].short_name);
            if (options[i].has_arg == 1)
                pm_buf_addc(&shorts, ':');
            else if (options[i].has_arg == 2)
                pm_buf_adds(&shorts, "::");
        }
    }
    for (size_t i = 0; i < NCOMMON; i++) {
        if (!(common & common_bits[i])) continue;
        lo[k].name = common_opts[i].name;
        lo[k].has_arg = common_opts[i].has_arg ? required_argument : no_argument;
        lo[k].val = 2000000 + common_opts[i].id;
        k++;
        if (common_opts[i].short_name) {
            pm_buf_addc(&shorts, common_opts[i].short_name);
            if (common_opts[i].has_arg) pm_buf_addc(&shorts, ':');
        }
    }
    lo[k].name = "help";
    lo[k].val = 'h';
    k++;
    lo[k].name = "version";
    lo[k].val = 2000000 + ID_VERSION;
    k++;

    opterr = 0;
    optind = 1;
    int c;
    int end = PARSE_GO_ON; /* else the exit status */
    usage_msg u;
    u.text[0] = 0;
    while (end == PARSE_GO_ON && (c = getopt_long(argc, argv, shorts.s, lo, NULL)) != -1) {
        if (c == 'h') {
            print_help(usage, description, options, common);
            end = pm_stdout_close();
            break;
        }
        if (c == '?') {
            if (optopt)
                bad_usage(&u, "unknown option '-%c'", optopt);
            else
                bad_usage(&u, "unknown option '%s'", argv[optind - 1]);
            break;
        }
        if (c == ':') {
            bad_usage(&u, "option '%s' needs a value", argv[optind - 1]);
            break;
        }
        if (c >= 2000000) {
            int id = c - 2000000;
            if (id == ID_VERSION) {
                printf("%s (pm) %s\n", pm_progname(), PM_VERSION);
                end = pm_stdout_close();
                break;
            }
            if (common_option(id, optarg, out, &u) < 0) break;
            continue;
        }
        int idx = -1;
        for (size_t i = 0; i < NCOMMON && c < 1000000; i++)
            if (common_opts[i].short_name == c && (common & common_bits[i])) {
                if (common_option(common_opts[i].id, optarg, out, &u) < 0) break;
                idx = -2;
            }
        if (u.text[0]) break;
        if (idx == -2) continue;
        if (c >= 1000000)
            idx = c - 1000000;
        else
            for (size_t i = 0; i < nprog; i++)
                if (options[i].short_name == c) idx = (int)i;
        if (idx < 0) {
            bad_usage(&u, "unknown option");
            break;
        }
        if (take_option(&options[idx], optarg, cb, ctx) < 0) end = PM_EXIT_ERROR;
    }
    pm_buf_free(&shorts);
    free(lo);
    if (u.text[0]) pm_usage_error("%s", u.text);
    if (end != PARSE_GO_ON) exit(end);
    return optind;
}
