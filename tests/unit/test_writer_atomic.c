/* test_writer_atomic.c - specification of lib/atomic.h: an output file is
 * replaced whole or not at all, through a symbolic link, keeping its mode;
 * devices and FIFOs are written directly. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

static char dir[] = "/tmp/pm-atomic-XXXXXX";

static void setup(void)
{
    cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[600];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

TestSuite(atomic_file, .init = setup, .fini = teardown);

static const char *at(const char *name)
{
    static char p[4][600];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *name)
{
    static char text[256];
    FILE *f = fopen(at(name), "r");
    if (!f) return NULL;
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

static int entries(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

Test(atomic_file, commit_replaces_the_file_whole)
{
    pm_error err;
    put("out.csv", "old\n");
    pm_atomic_file *af = pm_atomic_open(at("out.csv"), &err);
    cr_assert(af, "%s", err.msg);
    cr_expect(pm_atomic_is_temporary(af));
    cr_expect_eq(pm_atomic_write(af, "new\n", 4, &err), 0);
    cr_expect_str_eq(get("out.csv"), "old\n", "readers see the old file until the commit");
    cr_expect_eq(entries(), 2, "the temporary file beside it");
    cr_expect_eq(pm_atomic_close(af, 1, &err), 0, "%s", err.msg);
    cr_expect_str_eq(get("out.csv"), "new\n");
    cr_expect_eq(entries(), 1, "no temporary file remains");
}

Test(atomic_file, without_commit_the_old_file_stays)
{
    pm_error err;
    put("out.csv", "old\n");
    pm_atomic_file *af = pm_atomic_open(at("out.csv"), &err);
    cr_assert(af);
    pm_atomic_write(af, "half", 4, &err);
    cr_expect_eq(pm_atomic_close(af, 0, &err), 0);
    cr_expect_str_eq(get("out.csv"), "old\n");
    cr_expect_eq(entries(), 1);
    af = pm_atomic_open(at("new.csv"), &err);
    cr_expect_eq(pm_atomic_close(af, 0, &err), 0);
    cr_expect_null(get("new.csv"), "a new file is not created");
}

Test(atomic_file, a_symbolic_link_is_written_through_and_the_mode_kept)
{
    pm_error err;
    put("target.csv", "old\n");
    chmod(at("target.csv"), 0640);
    cr_assert_eq(symlink("target.csv", at("link.csv")), 0);
    pm_atomic_file *af = pm_atomic_open(at("link.csv"), &err);
    cr_assert(af, "%s", err.msg);
    cr_expect_str_eq(pm_atomic_name(af), at("link.csv"), "messages name the path as given");
    fputs("new\n", pm_atomic_stream(af));
    cr_expect_eq(pm_atomic_close(af, 1, &err), 0, "%s", err.msg);
    struct stat st;
    cr_expect_eq(lstat(at("link.csv"), &st), 0);
    cr_expect(S_ISLNK(st.st_mode), "the link stays a link");
    cr_expect_str_eq(get("target.csv"), "new\n");
    cr_expect_eq(stat(at("target.csv"), &st), 0);
    cr_expect_eq(st.st_mode & 07777, 0640);
}

Test(atomic_file, a_library_writes_by_name_into_the_temporary_file)
{
    pm_error err;
    pm_atomic_file *af = pm_atomic_open(at("book.xlsx"), &err);
    cr_assert(af);
    const char *name = pm_atomic_write_path(af);
    cr_assert(name && strcmp(name, at("book.xlsx")) != 0);
    FILE *f = fopen(name, "w"); /* as libxlsxwriter does */
    fputs("PK", f);
    fclose(f);
    cr_expect_eq(pm_atomic_close(af, 1, &err), 0, "%s", err.msg);
    cr_expect_str_eq(get("book.xlsx"), "PK");
    cr_expect_eq(entries(), 1);
}

Test(atomic_file, devices_are_written_directly)
{
    pm_error err;
    pm_atomic_file *af = pm_atomic_open("/dev/null", &err);
    cr_assert(af);
    cr_expect_not(pm_atomic_is_temporary(af));
    cr_expect_str_eq(pm_atomic_write_path(af), "/dev/null");
    cr_expect_eq(pm_atomic_write(af, "x", 1, &err), 0);
    cr_expect_eq(pm_atomic_close(af, 1, &err), 0);
    af = pm_atomic_open("-", &err);
    cr_expect_eq(pm_atomic_fd(af), 1);
    cr_expect_null(pm_atomic_write_path(af));
    cr_expect_str_eq(pm_atomic_name(af), "standard output");
    cr_expect_eq(pm_atomic_close(af, 1, &err), 0);
}

Test(atomic_file, a_write_error_makes_the_close_fail)
{
    if (access("/dev/full", W_OK) != 0) cr_skip_test("no /dev/full");
    pm_error err;
    pm_atomic_file *af = pm_atomic_open("/dev/full", &err);
    cr_assert(af);
    cr_expect_eq(pm_atomic_write(af, "x", 1, &err), -1);
    cr_expect(strstr(err.msg, "write error"), "%s", err.msg);
    cr_expect_str_eq(err.file, "/dev/full");
    cr_expect_eq(pm_atomic_write(af, "x", 1, &err), -1, "later writes fail at once");
    cr_expect_eq(pm_atomic_close(af, 1, &err), -1);
    cr_expect(strstr(err.msg, "incomplete"), "%s", err.msg);
}

Test(atomic_file, a_folder_that_does_not_exist_is_an_error)
{
    pm_error err;
    cr_expect_null(pm_atomic_open(at("no/such/out.csv"), &err));
    cr_expect(strstr(err.msg, "cannot create"), "%s", err.msg);
}
