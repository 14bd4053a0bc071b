/* test_writer_paths.c - specification of lib/outpath.h: an output never
 * names an input, nor another output, whatever the names say. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outpath.h"

static char dir[] = "/tmp/pm-outpath-XXXXXX";
static char in1[600], in2[600], link1[600], fresh[600], fresh2[600];

static void setup(void)
{
    cr_assert(mkdtemp(dir));
    snprintf(in1, sizeof in1, "%s/in1.csv", dir);
    snprintf(in2, sizeof in2, "%s/in2.csv", dir);
    snprintf(link1, sizeof link1, "%s/link.csv", dir);
    snprintf(fresh, sizeof fresh, "%s/new.csv", dir);
    snprintf(fresh2, sizeof fresh2, "%s/./new.csv", dir);
    FILE *f = fopen(in1, "w");
    fputs("a\n1\n", f);
    fclose(f);
    f = fopen(in2, "w");
    fputs("a\n2\n", f);
    fclose(f);
    cr_assert_eq(symlink("in1.csv", link1), 0);
}

static void teardown(void)
{
    unlink(in1);
    unlink(in2);
    unlink(link1);
    rmdir(dir);
}

TestSuite(paths_check, .init = setup, .fini = teardown);

static int check(const char *out1, const char *out2, pm_error *err)
{
    char *inputs[] = {in1, in2};
    const char *outputs[] = {out1, out2};
    pm_error_clear(err);
    return pm_paths_check(inputs, 2, outputs, 2, err);
}

Test(paths_check, an_output_naming_an_input_is_refused)
{
    pm_error err;
    cr_expect_eq(check(in2, NULL, &err), -1);
    cr_expect_str_eq(err.file, in2);
    cr_expect(strstr(err.msg, "input"), "%s", err.msg);
    cr_expect_eq(check(NULL, in1, &err), -1, "the second output is checked too");
}

Test(paths_check, a_symbolic_link_to_an_input_is_that_input)
{
    pm_error err;
    cr_expect_eq(check(link1, NULL, &err), -1);
    cr_expect(strstr(err.msg, in1), "names the input: %s", err.msg);
}

Test(paths_check, two_outputs_naming_one_file_are_refused)
{
    pm_error err;
    cr_expect_eq(check(fresh, fresh, &err), -1, "a file not yet there");
    cr_expect_eq(check(fresh, fresh2, &err), -1, "the same new file by another name");
    FILE *f = fopen(fresh, "w");
    fclose(f);
    cr_expect_eq(check(fresh, fresh2, &err), -1, "an existing file by two names");
    unlink(fresh);
}

Test(paths_check, standard_streams_and_devices_never_clash)
{
    pm_error err;
    cr_expect_eq(check("-", "-", &err), 0, "%s", err.msg);
    cr_expect_eq(check(NULL, NULL, &err), 0);
    cr_expect_eq(check("/dev/null", "/dev/null", &err), 0, "%s", err.msg);
    cr_expect_eq(check(fresh, NULL, &err), 0, "%s", err.msg);
    char *stdin_only[] = {"-"};
    const char *outputs[] = {in1};
    cr_expect_eq(pm_paths_check(stdin_only, 1, outputs, 1, &err), 0);
    cr_expect_eq(pm_paths_check(NULL, 0, outputs, 1, &err), 0);
}
