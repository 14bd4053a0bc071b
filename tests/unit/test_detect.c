/* test_detect.c - format detection (CSV, TSV, YAML). */
#include "stream_test.h"

TestSuite(detect, .init = mk_tmp, .fini = rm_tmp);

Test(detect, csv_yaml_tsv_heuristics)
{
    cr_expect_eq(detect("id,name\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("id\n1\n"), PM_FMT_CSV, "a one-column CSV");
    cr_expect_eq(detect("\"a: b\",c\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("time,note\n09:00,x\n"), PM_FMT_CSV);
    cr_expect_eq(detect("id\tname\n1\t2\n"), PM_FMT_TSV);
    cr_expect_eq(detect("--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("---\na: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("%YAML 1.1\n---\na: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("a: 1\nb: 2\n"), PM_FMT_YAML);
    cr_expect_eq(detect("a:\n  b\n"), PM_FMT_YAML);
    cr_expect_eq(detect("- a: 1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("[{a: 1}]\n"), PM_FMT_YAML);
    cr_expect_eq(detect("{a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("# generated\n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("\n\n  \n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("key: value\r\n"), PM_FMT_YAML);
    cr_expect_eq(detect("工单号: T1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("工单号,受理时间\nT1,2024-07-01 09:00\n"), PM_FMT_CSV);
    cr_expect_eq(detect("\xef\xbb\xbfid,name\n"), PM_FMT_CSV);
    cr_expect_eq(detect("\xef\xbb\xbf--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("#id,name\n1,2\n"), PM_FMT_CSV, "a CSV header that starts with '#'");
}

/* A leading comment is skipped even when it holds a comma: the next line
 * decides (a CSV header starting with '#' stays CSV). */
Test(detect, yaml_comment_with_a_comma)
{
    cr_expect_eq(detect("# exported 2024-07-01, office A\n--- {a: 1}\n"), PM_FMT_YAML);
    cr_expect_eq(detect("# tickets, July\nid: T1\nkind: repair\n"), PM_FMT_YAML);
}

/* BUG: detect_format (lib/reader.c) reads a block mapping whose first value holds a
 * comma as CSV ("name: Zhang, San").  A first line of the form KEY ": "
 * with no comma or quote before the ": " is YAML, not a CSV header. */
Test(detect, yaml_block_mapping_whose_first_value_has_a_comma)
{
    cr_expect_eq(detect("description: noisy, at night\nid: T1\n"), PM_FMT_YAML);
    cr_expect_eq(detect("内容: 楼上装修噪音, 很吵\n工单号: T1\n"), PM_FMT_YAML);
}

/* BUG: detect_format (lib/reader.c) decides YAML on a first character '['
 * or '{' (or "- ", "---") before it looks for commas, so a CSV whose first
 * column name starts with a bracket ("[ID],[Name]", as SQL Server exports
 * write them) is parsed as YAML and fails.  pm's own CSV writer produces such
 * a header unquoted, so a pm stream does not read back.  Suggested: for '['
 * and '{' choose YAML only when the line has no delimiter outside the
 * brackets (or holds ": "); and/or let pm_csv_quote-for-headers quote a first
 * name that starts with a YAML indicator. */
Test(detect, csv_header_starting_with_a_bracket)
{
    cr_expect_eq(detect("[ID],[Name]\n1,2\n"), PM_FMT_CSV);
    cr_expect_eq(detect("{编号},{姓名}\n1,2\n"), PM_FMT_CSV);
    pm_record r[1] = {mkrec("[编号]", "T1", "名称", "x", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 1);
    result back = read_str(out, &AUTO);
    cr_expect_eq(back.format, PM_FMT_CSV, "pm's own CSV output (%s) is detected as CSV", out);
    free(out);
    free_recs(r, 1);
}

Test(detect, explicit_format_wins)
{
    cr_assert_eq(read_str("a: 1\n", &CSV).format, PM_FMT_CSV);
    cr_assert_eq(read_str("a,b\n", &YAML).format, PM_FMT_YAML);
    pm_read_opts tab = {.delimiter = '\t'};
    cr_assert_eq(read_str("a\n1\n", &tab).format, PM_FMT_TSV, "a tab delimiter means TSV");
}

Test(detect, format_names)
{
    cr_assert_eq(pm_format_parse("csv"), PM_FMT_CSV);
    cr_assert_eq(pm_format_parse("CSV"), PM_FMT_CSV);
    cr_assert_eq(pm_format_parse("tsv"), PM_FMT_TSV);
    cr_assert_eq(pm_format_parse("yaml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("yml"), PM_FMT_YAML);
    cr_assert_eq(pm_format_parse("json"), -1);
    cr_assert_eq(pm_format_parse(""), -1);
    cr_assert_eq(pm_format_parse(NULL), -1);
    cr_assert_str_eq(pm_format_name(PM_FMT_CSV), "csv");
    cr_assert_str_eq(pm_format_name(PM_FMT_TSV), "tsv");
    cr_assert_str_eq(pm_format_name(PM_FMT_YAML), "yaml");
    for (int f = PM_FMT_CSV; f <= PM_FMT_YAML; f++) cr_assert_eq(pm_format_parse(pm_format_name((pm_format)f)), f);
}

/* CSV has no comments: a '#' first line is the header, with a warning. */
Test(detect, hash_first_line_of_csv_is_its_header_with_a_warning)
{
    result r = read_str("# exported 2024\nid,name\n1,x\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_CSV);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_geq(r.nwarn, 1);
    cr_assert_not_null(strstr(r.warn[0], "1: warning: the header is one column starting with '#'"), "%s", r.warn[0]);
}
