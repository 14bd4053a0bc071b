/* pm-ingest - messy spreadsheet exports in, canonical records out.
 * See pm-ingest(1).  The work is in schema.c and ingest.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "opts.h"
#include "schema.h"

enum {
    O_SCHEMA = 1000,
    O_KEEP_EXTRA,
    O_PRINT_SCHEMA,
    O_PROTECT,
    O_KEY_FILE,
    O_PRINT_MAPPING,
    O_HEADER_LINE,
    O_DATE_ORDER
};

typedef struct options {
    ingest_opts run;
    int print_schema;
} options;

static const pm_option prog_options[] = {
    {"schema", 's', 1, O_SCHEMA, "FILE", "map columns with this schema (default: the ticket schema)"},
    {"keep-extra", 'k', 0, O_KEEP_EXTRA, NULL, "append the source columns the schema does not map"},
    {"print-schema", 0, 0, O_PRINT_SCHEMA, NULL, "print the default schema and exit"},
    {"protect", 0, 1, O_PROTECT, "MODE", "mask, pseudonymize or drop the schema's personal fields"},
    {"key-file", 0, 1, O_KEY_FILE, "FILE", "secret key for --protect=pseudonymize"},
    {"print-mapping", 0, 0, O_PRINT_MAPPING, NULL, "show which column feeds which field, convert nothing"},
    {"header-line", 0, 1, O_HEADER_LINE, "N",
     "the header is line N (default: the first line that maps the required fields)"},
    {"date-order", 0, 1, O_DATE_ORDER, "ORDER", "read dates with the year last (12/6/2026) as mdy or dmy"},
    {0},
};

static int on_option(int id, const char *arg, void *ctx)
{
    options *o = ctx;
    switch (id) {
    case O_SCHEMA: o->run.schema = arg; break;
    case O_KEEP_EXTRA: o->run.keep_extra = 1; break;
    case O_PRINT_SCHEMA: o->print_schema = 1; break;
    case O_PROTECT:
        o->run.protect = pm_protect_mode_parse(arg);
        if (o->run.protect < 0) return pm_usage_warn("unknown --protect mode '%s' (mask, pseudonymize or drop)", arg);
        break;
    case O_KEY_FILE: o->run.key_file = arg; break;
    case O_PRINT_MAPPING: o->run.print_mapping = 1; break;
    case O_HEADER_LINE: {
        char *end;
        o->run.header_line = strtol(arg, &end, 10);
        if (*end || o->run.header_line < 1 || o->run.header_line > 1000000)
            return pm_usage_warn("--header-line wants a line number, 1 or more, not '%s'", arg);
        break;
    }
    case O_DATE_ORDER:
        if (!strcmp(arg, "mdy"))
            o->run.date_order = PM_DATE_MDY;
        else if (!strcmp(arg, "dmy"))
            o->run.date_order = PM_DATE_DMY;
        else if (!strcmp(arg, "ymd"))
            o->run.date_order = PM_DATE_YMD;
        else
            return pm_usage_warn("unknown --date-order '%s' (mdy or dmy; ymd: only year first)", arg);
        break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    pm_program_init(argc, argv);
    options o = {0};
    pm_common c;
    int first = pm_opts_parse(argc, argv, prog_options, PM_OPT_STREAM | PM_OPT_REJECT, &c, on_option, &o,
                              "pm-ingest [--schema=FILE] [--reject=FILE] [OPTION]... [FILE]...",
                              "Turn spreadsheet exports (CSV, TSV, YAML; UTF-8 or GB18030) into canonical\n"
                              "records; rows that fail the schema go to the reject stream, never lost.");
    if (o.print_schema) {
        fputs(pm_ingest_default_schema, stdout);
        return 0;
    }
    return ingest_run(&o.run, &c, argv + first, argc - first);
}
