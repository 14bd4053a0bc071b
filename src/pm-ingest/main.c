/* pm-ingest - messy spreadsheet exports in, canonical records out.
 * See pm-ingest(1).  The work is in schema.c and ingest.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "opts.h"
#include "schema.h"

enum { O_PROTECT = 1000, O_HEADER_LINE, O_DATE_ORDER };

static int on_option(int id, const char *arg, void *ctx)
{
    ingest_opts *o = ctx;
    switch (id) {
    case O_PROTECT:
        o->protect = pm_protect_mode_parse(arg);
        if (o->protect < 0) return pm_usage_warn("unknown --protect mode '%s' (mask, pseudonymize or drop)", arg);
        break;
    case O_HEADER_LINE: {
        char *end;
        o->header_line = strtol(arg, &end, 10);
        if (*end || o->header_line < 1 || o->header_line > 1000000)
            return pm_usage_warn("--header-line wants a line number, 1 or more, not '%s'", arg);
        break;
    }
    case O_DATE_ORDER:
        if (!strcmp(arg, "mdy"))
            o->date_order = PM_DATE_MDY;
        else if (!strcmp(arg, "dmy"))
            o->date_order = PM_DATE_DMY;
        else if (!strcmp(arg, "ymd"))
            o->date_order = PM_DATE_YMD;
        else
            return pm_usage_warn("unknown --date-order '%s' (mdy or dmy; ymd: only year first)", arg);
        break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    pm_program_init(argc, argv);
    ingest_opts o = {0};
    int print_schema = 0;
    pm_common c;
    const pm_option prog_options[] = {
        PM_OPT_STRING("schema", 's', &o.schema, "FILE", "map columns with this schema (default: the ticket schema)"),
        PM_OPT_FLAG("keep-extra", 'k', &o.keep_extra, "append the source columns the schema does not map"),
        PM_OPT_FLAG("print-schema", 0, &print_schema, "print the default schema and exit"),
        PM_OPT_CALL("protect", 0, O_PROTECT, "MODE", "mask, pseudonymize or drop the schema's personal fields"),
        PM_OPT_STRING("key-file", 0, &o.key_file, "FILE", "secret key for --protect=pseudonymize"),
        PM_OPT_FLAG("print-mapping", 0, &o.print_mapping, "show which column feeds which field, convert nothing"),
        PM_OPT_CALL("header-line", 0, O_HEADER_LINE, "N",
                    "the header is line N (default: the first line that maps the required fields)"),
        PM_OPT_CALL("date-order", 0, O_DATE_ORDER, "ORDER", "read dates with the year last (12/6/2026) as mdy or dmy"),
        PM_OPT_END,
    };
    int first = pm_opts_parse(argc, argv, prog_options, PM_OPT_STREAM | PM_OPT_REJECT, &c, on_option, &o,
                              "pm-ingest [--schema=FILE] [--reject=FILE] [OPTION]... [FILE]...",
                              "Turn spreadsheet exports (CSV, TSV, YAML; UTF-8 or GB18030) into canonical\n"
                              "records; rows that fail the schema go to the reject stream, never lost.");
    if (print_schema) {
        fputs(pm_ingest_default_schema, stdout);
        return 0;
    }
    return ingest_run(&o, &c, argv + first, argc - first);
}
