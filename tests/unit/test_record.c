/* test_record.c - specification of lib/record.h: ordered named fields, set
 * replacing in place or appending (docs/CONTRACT.md section 1, pass-through), values
 * copied into the record, copies independent of their source. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "record.h"

static pm_record R;

static void setup(void)
{
    pm_record_init(&R);
}
static void teardown(void)
{
    pm_record_free(&R);
}

TestSuite(record, .init = setup, .fini = teardown);

static const char *names_of(const pm_record *r)
{
    static char out[512];
    out[0] = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (i) strcat(out, ",");
        strcat(out, r->f[i].name);
    }
    return out;
}

Test(record, new_record_is_empty)
{
    cr_assert_eq(R.n, 0);
    cr_assert_null(pm_record_get(&R, "x"));
    cr_assert_str_eq(pm_record_value(&R, "x"), "");
    cr_assert_eq(pm_record_index(&R, "x"), -1);
}

Test(record, set_appends_new_fields_in_order)
{
    pm_record_set(&R, "id", "T1");
    pm_record_set(&R, "kind", "repair");
    pm_record_set(&R, "unit", "12-3-1502");
    cr_assert_eq(R.n, 3);
    cr_assert_str_eq(names_of(&R), "id,kind,unit");
    cr_assert_str_eq(pm_record_get(&R, "kind"), "repair");
    cr_assert_eq(pm_record_index(&R, "unit"), 2);
    cr_assert_eq(R.f[1].len, 6);
}

Test(record, set_existing_field_replaces_in_place)
{
    pm_record_set(&R, "a", "1");
    pm_record_set(&R, "b", "2");
    pm_record_set(&R, "c", "3");
    pm_record_set(&R, "b", "twenty");
    cr_assert_eq(R.n, 3, "no new field");
    cr_assert_str_eq(names_of(&R), "a,b,c", "the field keeps its place");
    cr_assert_str_eq(pm_record_get(&R, "b"), "twenty");
    cr_assert_eq(R.f[1].len, 6);
    pm_record_set(&R, "d", "4");
    cr_assert_str_eq(names_of(&R), "a,b,c,d", "new fields go at the end");
}

Test(record, set_matches_names_by_content_not_pointer)
{
    char name[8];
    strcpy(name, "status");
    pm_record_set(&R, "status", "open");
    pm_record_set(&R, name, "met");
    cr_assert_eq(R.n, 1);
    cr_assert_str_eq(pm_record_get(&R, "status"), "met");
}

Test(record, set_copies_the_value)
{
    char v[16];
    strcpy(v, "before");
    pm_record_set(&R, "x", v);
    strcpy(v, "after!");
    cr_assert_str_eq(pm_record_get(&R, "x"), "before");
}

Test(record, set_null_value_is_empty)
{
    pm_record_set(&R, "x", NULL);
    cr_assert_str_eq(pm_record_get(&R, "x"), "");
    cr_assert_eq(R.f[0].len, 0);
}

Test(record, setn_takes_length_and_may_hold_utf8)
{
    pm_record_setn(&R, "desc", "楼上装修噪音xyz", strlen("楼上装修噪音"));
    cr_assert_str_eq(pm_record_get(&R, "desc"), "楼上装修噪音");
    cr_assert_eq(R.f[0].len, strlen("楼上装修噪音"));
}

Test(record, set_to_own_value_is_safe)
{
    pm_record_set(&R, "a", "self");
    pm_record_set(&R, "a", pm_record_get(&R, "a"));
    cr_assert_str_eq(pm_record_get(&R, "a"), "self");
}

Test(record, get_distinguishes_absent_from_empty)
{
    pm_record_set(&R, "empty", "");
    cr_assert_not_null(pm_record_get(&R, "empty"));
    cr_assert_str_eq(pm_record_get(&R, "empty"), "");
    cr_assert_null(pm_record_get(&R, "missing"));
    cr_assert_str_eq(pm_record_value(&R, "empty"), "");
    cr_assert_str_eq(pm_record_value(&R, "missing"), "");
}

Test(record, add_does_not_look_for_existing)
{
    pm_record_add(&R, "a", "1", 1);
    pm_record_add(&R, "a", "2", 1);
    cr_assert_eq(R.n, 2);
    cr_assert_str_eq(pm_record_get(&R, "a"), "1", "get finds the first");
    cr_assert_eq(pm_record_index(&R, "a"), 0);
}

Test(record, add_owned_keeps_pointer)
{
    char *v = pm_record_strdup(&R, "abc", 3);
    pm_record_add_owned(&R, "x", v, 3);
    cr_assert_eq(pm_record_get(&R, "x"), v);
    char *m = pm_record_alloc(&R, 64);
    cr_assert_not_null(m);
    memset(m, 'q', 64);
    cr_assert_str_eq(v, "abc");
}

Test(record, set_copy_copies_transient_name)
{
    char name[16];
    strcpy(name, "dyn");
    pm_record_set_copy(&R, name, "v1", 2);
    strcpy(name, "XXX");
    cr_assert_str_eq(R.f[0].name, "dyn");
    cr_assert_str_eq(pm_record_get(&R, "dyn"), "v1");
    strcpy(name, "dyn");
    pm_record_set_copy(&R, name, "v2", 2);
    cr_assert_eq(R.n, 1, "an existing field is replaced in place");
    cr_assert_str_eq(pm_record_get(&R, "dyn"), "v2");
}

Test(record, many_fields_values_stay_valid)
{
    static char names[300][16];
    const char *vals[300];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        char v[32];
        snprintf(v, sizeof v, "value %d", i);
        pm_record_set(&R, names[i], v);
        vals[i] = pm_record_get(&R, names[i]);
    }
    cr_assert_eq(R.n, 300);
    for (int i = 0; i < 300; i++) {
        char v[32];
        snprintf(v, sizeof v, "value %d", i);
        cr_assert_str_eq(vals[i], v, "pointers from get stay valid while the record holds them");
        cr_assert_eq(pm_record_index(&R, names[i]), i);
    }
}

Test(record, clear_removes_fields_and_record_is_reusable)
{
    pm_record_set(&R, "a", "1");
    pm_record_set(&R, "b", "2");
    pm_record_clear(&R);
    cr_assert_eq(R.n, 0);
    cr_assert_null(pm_record_get(&R, "a"));
    pm_record_set(&R, "c", "3");
    cr_assert_eq(R.n, 1);
    cr_assert_str_eq(pm_record_get(&R, "c"), "3");
    for (int round = 0; round < 1000; round++) {
        pm_record_clear(&R);
        pm_record_set(&R, "x", "loop");
        pm_record_set(&R, "y", "values");
    }
    cr_assert_eq(R.n, 2);
    cr_assert_str_eq(pm_record_get(&R, "y"), "values");
}

Test(record, copy_is_independent)
{
    pm_record src, dst;
    pm_record_init(&src);
    pm_record_init(&dst);
    char name[16];
    strcpy(name, "transient");
    pm_record_set(&src, "id", "T1");
    pm_record_set(&src, name, "v");
    src.source = "in.csv";
    src.line = 7;
    pm_record_set(&dst, "old", "gone");
    pm_record_copy(&dst, &src);
    cr_assert_eq(dst.n, 2);
    cr_assert_str_eq(names_of(&dst), "id,transient");
    cr_assert_str_eq(dst.source, "in.csv");
    cr_assert_eq(dst.line, 7);
    cr_assert_null(pm_record_get(&dst, "old"), "copy replaces dst's fields");
    /* change and free the source: the copy stays */
    pm_record_set(&src, "id", "CHANGED");
    strcpy(name, "zzzzzzzzz");
    pm_record_clear(&src);
    pm_record_set(&src, "other", "junk");
    pm_record_free(&src);
    cr_assert_str_eq(pm_record_get(&dst, "id"), "T1");
    cr_assert_str_eq(pm_record_get(&dst, "transient"), "v");
    pm_record_set(&dst, "id", "T2");
    cr_assert_str_eq(pm_record_get(&dst, "id"), "T2");
    pm_record_free(&dst);
}

Test(record, copy_of_empty_record)
{
    pm_record dst;
    pm_record_init(&dst);
    pm_record_set(&dst, "a", "1");
    pm_record_copy(&dst, &R);
    cr_assert_eq(dst.n, 0);
    pm_record_free(&dst);
}

Test(record, free_then_init_again)
{
    pm_record_set(&R, "a", "1");
    pm_record_free(&R);
    cr_assert_eq(R.n, 0);
    pm_record_init(&R);
    pm_record_set(&R, "b", "2");
    cr_assert_str_eq(pm_record_get(&R, "b"), "2");
}
