/* opts.h - one option table per program, on top of getopt_long.
 *
 * Every program declares its own options as a pm_option table: an option
 * that only records its value is bound to a variable (PM_OPT_STRING,
 * PM_OPT_FLAG), one the program parses reaches its callback.  The options
 * common to the toolkit (-f, -t, -o, --tz, --stats, --delimiter,
 * --encoding, --max-field, --help, --version) are handled here, so no
 * program parses options by hand.
 */
#ifndef PM_OPTS_H
#define PM_OPTS_H

#include "stream.h"

#define PM_VERSION "0.1.0"

/* What the parser does with an option: hand it to the program's callback,
 * or store it where the table entry says (as git's OPT_STRING and OPT_BOOL
 * do), so that an option that only records its value needs no code. */
typedef enum pm_option_kind {
    PM_OPTK_CALLBACK = 0, /* cb(id, value, ctx) */
    PM_OPTK_STRING,       /* *(const char **)var = the value (the last one given) */
    PM_OPTK_FLAG          /* *(int *)var = 1 */
} pm_option_kind;

typedef struct pm_option {
    const char *name;     /* long name without "--" */
    char short_name;      /* 0 for none */
    int has_arg;          /* 0 no, 1 required, 2 optional (--name=VALUE) */
    int id;               /* passed to the callback; use values >= 1000 */
    const char *arg_name; /* for --help: "FILE" */
    const char *help;     /* one line for --help */
    pm_option_kind kind;  /* PM_OPTK_CALLBACK unless made by the macros below */
    void *var;            /* where PM_OPTK_STRING and PM_OPTK_FLAG store */
} pm_option;

/* Table entries that bind an option to a variable, which must outlive the
 * parse (a table that binds is built where the variables are, usually in
 * main).  The conditional makes the compiler check var's type. */
/* clang-format off */
#define PM_OPT_STRING(name, short_name, var, arg_name, help) \
    {(name), (short_name), 1, 0, (arg_name), (help), PM_OPTK_STRING, (void *)(1 ? (var) : (const char **)0)}
#define PM_OPT_FLAG(name, short_name, var, help) \
    {(name), (short_name), 0, 0, NULL, (help), PM_OPTK_FLAG, (void *)(1 ? (var) : (int *)0)}
/* A value the program parses itself: its callback gets id and the value. */
#define PM_OPT_CALL(name, short_name, id, arg_name, help) \
    {(name), (short_name), 1, (id), (arg_name), (help), PM_OPTK_CALLBACK, NULL}
#define PM_OPT_END {NULL, 0, 0, 0, NULL, NULL, PM_OPTK_CALLBACK, NULL}
/* clang-format on */

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

/* Called for each program option of kind PM_OPTK_CALLBACK, in the order
 * given; arg is NULL for options without one.
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
