/* main.c - pm-roster: plan duty rotas that keep the rules, and check them.
 *
 *   pm-roster plan --posts=FILE --staff=FILE --start=DATE --days=N ...
 *   pm-roster check --posts=FILE [--staff=FILE] [--logs=FILE] [ROSTER...]
 *
 * The subcommand is argv[1]; the rest goes through pm_opts_parse.  The work
 * is in posts.c, staff.c, check.c, plan.c and run.c.
 */
#include <stdio.h>
#include <string.h>
#include "opts.h"
#include "run.h"

int main(int argc, char **argv)
{
    pm_program_init(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "plan")) return ro_cmd_plan(argc - 1, argv + 1);
    if (argc >= 2 && !strcmp(argv[1], "check")) return ro_cmd_check(argc - 1, argv + 1);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("Usage: pm-roster plan --posts=FILE --staff=FILE --start=DATE --days=N [OPTION]...\n"
               "       pm-roster check --posts=FILE [--staff=FILE] [--logs=FILE] [OPTION]... [ROSTER]...\n"
               "Plans duty rotas that keep the posts' rules and the Labour Law, and checks rotas\n"
               "and patrol logs against them.  'pm-roster plan --help' and 'pm-roster check --help'\n"
               "list the options.  See the manual page pm-roster(1).\n");
        return pm_stdout_close();
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("%s (pm) %s\n", pm_progname(), PM_VERSION);
        return pm_stdout_close();
    }
    if (argc < 2) pm_usage_error("a subcommand is needed: plan or check");
    pm_usage_error("unknown subcommand '%s' (plan or check)", argv[1]);
}
