/* unit_test.h - small helpers any unit test may use.  Included once by a
 * test file, after criterion.h. */
#ifndef PM_UNIT_TEST_H
#define PM_UNIT_TEST_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes text to a new file named after path, a template ending in XXXXXX
 * that is filled in; returns path.  The test removes the file. */
static inline char *test_temp_file(char *path, const char *text)
{
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp %s", path);
    cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

#endif
