/* opts.h - one option table per program, on top of getopt_long.
 *
 * Every program declares its own options as a pm_option table and receives
 * them through a callback; the options common to the toolkit (-f, -t, -o,
 * --tz, --stats, --delimiter, --encoding, --max-field, --help, --version) are
 * handled here, so no program parses options by hand.
 */
#ifndef PM_OPTS_H
#define PM_OPTS_H

#include "stream.h"

#define PM_VERSION "0.1.0"

typedef struct pm_option {
    const char *name;     /* long name without "--" */
    char short_name;      /* 0 for none */
    int has_arg;          /* 0 no, 1 required, 2 optional (--name=VALUE) */
    int id;               /* passed to the callback; use values >= 1000 */
    const char *arg_name; /* for --help: "FILE" */
    const char *help;     /* one line for --help */
} pm_option;

/* Common options a program accepts (bit mask). */
enum {
    PM_OPT_FROM = 1 << 0,       /* -f, --from=csv|yaml|tsv */
    PM_OPT_TO = 1 << 1,         /* -t, --to=csv|yaml */
    PM_OPT_OUTPUT = 1 << 2,     /* -o, --output=FILE */
    PM_OPT_TZ = 1 << 3,         /* --tz=ZONE */
    PM_OPT_STATS = 1 << 4,      /* --stats */
    PM_OPT_DELIMITER = 1 << 5,  /* --delimiter=C */
    PM_OPT_ENCODING = 1 << 6,   /* --encoding=ENC */
    PM_OPT_MAX_FIELD = 1 << 7,  /* --max-field=BYTES */
    PM_OPT_REJECT = 1 << 8,     /* -r, --reject=FILE (the pipeline's reject stream) */
    PM_OPT_BYTE_RANGE = 1 << 9, /* --byte-range=START-END (one input file) */
    PM_OPT_STREAM = PM_OPT_FROM | PM_OPT_TO | PM_OPT_OUTPUT | PM_OPT_TZ | PM_OPT_STATS | PM_OPT_DELIMITER |
                    PM_OPT_ENCODING | PM_OPT_MAX_FIELD | PM_OPT_BYTE_RANGE
};

typedef struct pm_common {
    pm_read_opts read;   /* -f, --delimiter, --encoding, --max-field */
    pm_format to;        /* -t; PM_FMT_AUTO: same as the input */
    const char *output;  /* -o; NULL: standard output */
    const char *tz_name; /* --tz; default PM_DEFAULT_TZ */
    int stats;           /* --stats */
    const char *reject;  /* -r, --reject; NULL: rejects on standard error only */
} pm_common;

/* Called for each program option; arg is NULL for options without one.
 * Return 0, or -1 after reporting (return pm_usage_warn(...)): the parser
 * then frees what it holds and exits with status 2. */
typedef int (*pm_option_cb)(int id, const char *arg, void *ctx);

/* Command line (lib/cli/options.c: these may end the process) ------------ */

/* Parses argv.  usage is the synopsis line(s) printed by --help and on
 * errors ("pm-sla [OPTION]... [FILE]..."); description a paragraph or NULL.
 * Returns the index of the first operand.  Exits 0 after --help/--version
 * and 2 on a usage error. */
int pm_opts_parse(int argc, char **argv, const pm_option *options, unsigned common, pm_common *out, pm_option_cb cb,
                  void *ctx, const char *usage, const char *description);

/* Sets up the process the way every pm program wants it: program name for
 * messages, SIGPIPE default (a closed pipe ends the program quietly), and
 * the C locale for numbers.  Call first in main. */
void pm_program_init(int argc, char **argv);

/* Library side (lib/opts.c) ---------------------------------------------- */

/* The output format: -t if given, else the format of the input. */
pm_format pm_common_out_format(const pm_common *c, pm_format input_format);

/* Parses a non-negative integer with an optional K/M/G suffix; -1 if bad. */
long long pm_parse_size(const char *s);

#endif
