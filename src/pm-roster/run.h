/* run.h - the two subcommands of pm-roster (run.c). */
#ifndef PM_ROSTER_RUN_H
#define PM_ROSTER_RUN_H

int ro_cmd_plan(int argc, char **argv);
int ro_cmd_check(int argc, char **argv);

#endif
