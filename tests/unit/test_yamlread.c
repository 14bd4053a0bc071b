/* test_yamlread.c - the YAML reader: documents, block and flow style, bad documents rejected
 * with their lines, recovery at the next ---, duplicate keys. */
#include "stream_test.h"

TestSuite(yaml_reader, .init = mk_tmp, .fini = rm_tmp);

Test(yaml_reader, line_per_record_documents)
{
    result r = read_str("--- {id: T1, kind: repair}\n--- {id: T2, kind: noise, note: ''}\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|kind=repair");
    expect_ok(r, 1, "id=T2|kind=noise|note=");
    cr_assert_eq(r.line[0], 1);
    cr_assert_eq(r.line[1], 2);
}

Test(yaml_reader, block_mappings)
{
    result r = read_str("id: T1\nname: 张三\n---\nid: T2\nname: \"李四\"\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|name=张三");
    expect_ok(r, 1, "id=T2|name=李四");
    cr_assert_eq(r.line[0], 1);
    cr_assert_eq(r.line[1], 4);
}

Test(yaml_reader, sequence_of_mappings)
{
    result r = read_str("- id: T1\n  n: 1\n- {id: T2, n: 2}\n-\n  id: T3\n  n: 3\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=T1|n=1");
    expect_ok(r, 1, "id=T2|n=2");
    expect_ok(r, 2, "id=T3|n=3");
    cr_assert_eq(r.line[1], 3);
}

Test(yaml_reader, flow_sequence_of_mappings)
{
    result r = read_str("[{a: 1}, {a: 2, b: x}]\n--- [{a: 3}]\n", &AUTO);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1");
    expect_ok(r, 1, "a=2|b=x");
    expect_ok(r, 2, "a=3");
    cr_assert_eq(r.line[2], 2);
}

/* Issue 12: empty and null documents are bad records, not skipped. */
Test(yaml_reader, empty_documents_are_bad_records)
{
    result r = read_str("---\n--- {a: 1}\n---\n...\n--- ~\n--- {a: 2}\n--- null\n", &YAML);
    cr_assert_eq(r.n, 6);
    expect_bad(r, 0, "", "empty");
    cr_assert_eq(r.errline[0], 1);
    expect_ok(r, 1, "a=1");
    expect_bad(r, 2, "", "empty");
    cr_assert_str_eq(r.raw[2], "---\n...");
    expect_bad(r, 3, "", "empty");
    cr_assert_str_eq(r.raw[3], "--- ~");
    expect_ok(r, 4, "a=2");
    expect_bad(r, 5, "", "empty");
    cr_assert_eq(r.errline[5], 7);
    r = read_str("", &YAML);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("# only a comment\n", &YAML);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(yaml_reader, null_values_are_empty)
{
    result r = read_str("--- {a: ~, b: null, c: , d: Null, e: NULL}\n", &YAML);
    expect_ok(r, 0, "a=|b=|c=|d=|e=");
    r = read_str("a:\nb: ~\n", &YAML);
    expect_ok(r, 0, "a=|b=");
}

Test(yaml_reader, quoted_null_and_other_words_stay_text)
{
    result r =
        read_str("--- {a: 'null', b: \"~\", c: true, d: 012, e: 1.50, f: 2024-07-01, g: 'yes', h: \"\"}\n", &YAML);
    expect_ok(r, 0, "a=null|b=~|c=true|d=012|e=1.50|f=2024-07-01|g=yes|h=");
}

Test(yaml_reader, scalar_styles)
{
    result r =
        read_str("a: |\n  two\n  lines\nb: >\n  folded\n  text\nc: \"esc\\n\\t\\\"\\u4e2d\\\\\"\nd: 'it''s'\n", &YAML);
    expect_ok(r, 0, "a=two\nlines\n|b=folded text\n|c=esc\n\t\"中\\|d=it's");
}

Test(yaml_reader, nested_value_is_bad_and_next_record_read)
{
    result r = read_str("--- {id: T1, tags: [a, b]}\n--- {id: T2, sub: {x: 1}}\n--- {id: T3}\n", &YAML);
    cr_assert_eq(r.n, 3);
    expect_bad(r, 0, "id=T1|tags=", "tags");
    cr_assert_eq(r.errline[0], 1);
    expect_bad(r, 1, "id=T2|sub=", "nested mapping");
    cr_assert_eq(r.errline[1], 2);
    expect_ok(r, 2, "id=T3");
}

Test(yaml_reader, alias_is_bad)
{
    result r = read_str("--- {a: &x v, b: *x}\n--- {c: 1}\n", &YAML);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=v|b=", "alias");
    expect_ok(r, 1, "c=1");
}

Test(yaml_reader, document_that_is_not_a_mapping_is_bad)
{
    result r = read_str("--- just text\n--- {a: 1}\n--- [[1, 2]]\n--- {b: 2}\n", &YAML);
    cr_assert_eq(r.n, 4);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    cr_expect_eq(r.errline[0], 1);
    expect_ok(r, 1, "a=1");
    cr_expect_eq(r.st[2], PM_READ_BAD);
    cr_expect_eq(r.errline[2], 3);
    expect_ok(r, 3, "b=2");
}

/* Issue 12: a syntax error rejects its document; reading goes on at the
 * next "---" line. */
Test(yaml_reader, syntax_error_rejects_its_document_only)
{
    result r = read_str("--- {a: 1}\n--- {a: 2}\n--- {a: [1, }\n--- {a: 4}\n", &YAML);
    cr_assert_eq(r.n, 4, "final: %s", r.final_msg);
    expect_ok(r, 1, "a=2");
    expect_bad(r, 2, "", "invalid YAML");
    cr_assert_eq(r.errline[2], 3, "line of the document: %ld (%s)", r.errline[2], r.msg[2]);
    cr_assert_str_eq(r.raw[2], "--- {a: [1, }");
    expect_ok(r, 3, "a=4");
    cr_assert_eq(r.line[3], 4);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(yaml_reader, missing_brace_loses_only_its_line)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "--- {id: 1, x: a}\n--- {id: 2, x: b\n");
    for (int i = 3; i <= 40; i++) pm_buf_addf(&b, "--- {id: %d, x: c}\n", i);
    result r = read_str(pm_buf_str(&b), &YAML);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 40);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_str_eq(r.raw[1], "--- {id: 2, x: b");
    for (int i = 2; i < 40; i++) cr_assert_eq(r.st[i], PM_READ_OK, "record %d", i);
    cr_assert_eq(r.line[39], 40);
}

/* A block document with an error gives none of its records; the next
 * document is read. */
Test(yaml_reader, block_document_with_an_error_is_rejected_whole)
{
    result r = read_str("# c\n---\n- {a: 1}\n- {a: 2\n---\na: 3\nb: 4\n", &YAML);
    cr_assert_eq(r.n, 2, "%s", r.final_msg);
    expect_bad(r, 0, "", "invalid YAML");
    cr_assert_eq(r.errline[0], 1);
    cr_assert_str_eq(r.raw[0], "# c\n---\n- {a: 1}\n- {a: 2");
    expect_ok(r, 1, "a=3|b=4");
    cr_assert_eq(r.line[1], 6);
}

Test(yaml_reader, duplicate_key_is_bad_naming_both_positions)
{
    result r = read_str("--- {id: 1, x: a, x: b}\n---\nid: 2\nx: c\n", &YAML);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[0], "'x' appears twice (line 1 column 13 and line 1 column 19)"), "%s", r.msg[0]);
    cr_assert_str_eq(r.raw[0], "--- {id: 1, x: a, x: b}");
    expect_ok(r, 1, "id=2|x=c");
}

/* A document longer than 1 MiB is read as a stream: an error in it ends the
 * input, and the message says how many lines were not read. */
Test(yaml_reader, error_in_a_long_stream_says_how_many_lines_are_lost)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 40000; i++) pm_buf_addf(&b, "- {id: %d, text: some words to make it long}\n", i);
    pm_buf_adds(&b, "- {id: x, text: [\n- {id: y}\n- {id: z}\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("long.yaml", pm_buf_str(&b)), &YAML, &err);
    pm_buf_free(&b);
    pm_record rec;
    pm_record_init(&rec);
    int st, n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) n++;
    cr_assert_eq(st, PM_READ_FATAL);
    cr_assert_eq(n, 40000);
    cr_assert_eq(err.line, 40002, "%s", err.msg);
    cr_assert_not_null(strstr(err.msg, "2 lines not read"), "%s", err.msg);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* BUG: yaml_read_handler (lib/reader.c) hands libyaml up to its whole 16 KiB
 * raw buffer at once, and libyaml decodes (and checks) all of it before the
 * parser goes on: a control character or a bad UTF-8 byte on line 3 makes
 * the very first pm_reader_next fail, the valid records on lines 1-2 are
 * lost, and the error says line 1 (yaml_fail uses rd->line, never advanced
 * for YAML).  docs/CONTRACT.md section 3: report FILE:LINE, still process the valid
 * records.  Fix: in yaml_read_handler give libyaml at most one line per call
 * (up to and including '\n') and count rd->line as lines are handed over. */
Test(yaml_reader, bad_bytes_reported_at_their_line_after_earlier_records)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .encoding = "UTF-8"};
    const char *cases[] = {"--- {a: 1}\n--- {a: 2}\n--- {a: \x01}\n--- {a: 4}\n",
                           "--- {a: 1}\n--- {a: 2}\n--- {a: \xff}\n--- {a: 4}\n"};
    for (int i = 0; i < 2; i++) {
        result r = read_str(cases[i], &o);
        cr_expect_eq(r.n, 4, "case %d: every line is read", i);
        cr_expect_eq(r.st[2], PM_READ_BAD);
        cr_expect_eq(r.errline[2], 3, "case %d: reported at line %ld (%s)", i, r.errline[2], r.msg[2]);
        cr_expect_str_eq(r.raw[2], i ? "--- {a: \\xFF}" : "--- {a: \x01}");
        cr_expect_eq(r.st[3], PM_READ_OK);
        cr_expect_eq(r.final, PM_READ_EOF);
    }
}

Test(yaml_reader, fatal_is_followed_by_eof)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("bad.yaml", "a: [\n"), &YAML, &err);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(yaml_reader, line_numbers_of_block_records)
{
    result r = read_str("# comment\n\n---\nid: 1\nx: 2\n---\n\nid: 2\n", &YAML);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.line[0], 4);
    cr_assert_eq(r.line[1], 8);
}

Test(yaml_reader, fold_newlines_in_yaml_values)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .fold_newlines = 1};
    result r = read_str("--- {a: \"x\\ny\\r\\nz\"}\n", &o);
    expect_ok(r, 0, "a=x y z");
}

Test(yaml_reader, crlf_and_bom)
{
    result r = read_str("\xef\xbb\xbf--- {a: 1}\r\n--- {a: \"\xe4\xb8\xad\"}\r\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 1, "a=中");
}

Test(yaml_reader, gb18030_yaml)
{
    const char *s = "--- {工单号: T1, 内容: 楼上装修噪音}\n";
    size_t len;
    char *g = to_enc("GB18030", s, strlen(s), &len);
    result r = read_bytes(g, len, &AUTO);
    cr_assert_eq(r.format, PM_FMT_YAML);
    expect_ok(r, 0, "工单号=T1|内容=楼上装修噪音");
    free(g);
}

Test(yaml_reader, many_documents_and_long_values)
{
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 20000; i++) pm_buf_addf(&b, "--- {i: %d, v: \"值%d\"}\n", i, i);
    pm_buf_adds(&b, "--- {big: \"");
    for (int i = 0; i < 100000; i++) pm_buf_adds(&b, "长");
    pm_buf_adds(&b, "\"}\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("many.yaml", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    for (int i = 0; i < 20000; i++) {
        cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%d: %s", i, err.msg);
        cr_assert_eq(rec.line, i + 1);
    }
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_eq(strlen(pm_record_value(&rec, "big")), 300000);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(yaml_reader, value_over_max_field_is_bad)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .max_field = 5};
    result r = read_str("--- {a: 12345}\n--- {a: 123456}\n", &o);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=12345");
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[1], "limit"), "%s", r.msg[1]);
}

/* Keys are compared by length, then by text: keys of the same length that
 * differ are two fields; the same key again is still caught. */
Test(yaml_reader, duplicate_keys_of_the_same_length)
{
    result r = read_str("--- {ab: 1, ba: 2, ac: 3}\n--- {ab: 1, abc: 2, a: 3, abc: 4}\n", &YAML);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "ab=1|ba=2|ac=3");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[1], "'abc' appears twice (line 2 column 13 and line 2 column 27)"), "%s", r.msg[1]);
}

/* A document with no more than 48 brackets in all is handed to libyaml as
 * it is; with more, flow collections deeper than 48 are left out.  Either
 * way a nested value makes the record bad, and many shallow lists are
 * read. */
Test(yaml_reader, flow_nesting_at_the_limit_and_past_it)
{
    pm_read_opts o = {.format = PM_FMT_YAML, .join_lists = 1};
    for (int depth = 46; depth <= 50; depth++) {
        pm_buf b = PM_BUF_INIT;
        pm_buf_adds(&b, "--- {a: ");
        for (int i = 0; i < depth; i++) pm_buf_addc(&b, '[');
        for (int i = 0; i < depth; i++) pm_buf_addc(&b, ']');
        pm_buf_adds(&b, "}\n--- {b: 2}\n");
        result r = read_str(b.s, &o);
        cr_assert_eq(r.n, 2, "depth %d", depth);
        cr_expect_eq(r.st[0], PM_READ_BAD, "depth %d", depth);
        if (depth + 1 > 48)
            cr_expect_not_null(strstr(r.msg[0], "nested deeper than 48"), "depth %d: %s", depth, r.msg[0]);
        else
            cr_expect_not_null(strstr(r.msg[0], "list of something other than texts"), "depth %d: %s", depth, r.msg[0]);
        expect_ok(r, 1, "b=2");
        pm_buf_free(&b);
    }
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "--- {");
    for (int i = 0; i < 60; i++) pm_buf_addf(&b, "%sk%d: [x, y]", i ? ", " : "", i);
    pm_buf_adds(&b, "}\n");
    result r = read_str(b.s, &o);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.st[0], PM_READ_OK, "%s", r.msg[0]);
    cr_expect_not_null(strstr(r.rec[0], "|k59=x;y"), "%s", r.rec[0]);
    pm_buf_free(&b);
}

/* Bytes YAML does not allow are found wherever they stand among plain
 * ASCII (which is checked eight bytes at a time); a tab is allowed. */
Test(yaml_reader, disallowed_bytes_at_every_position)
{
    const char bytes[] = {0x01, 0x1f, 0x7f, 0x0b};
    for (size_t k = 0; k < sizeof bytes; k++) {
        for (int at = 0; at < 20; at++) {
            char v[24];
            memset(v, 'x', 20);
            v[20] = 0;
            v[at] = bytes[k];
            char doc[96];
            snprintf(doc, sizeof doc, "--- {a: 1}\n--- {a: \"%s\"}\n--- {a: 3}\n", v);
            result r = read_str(doc, &YAML);
            cr_assert_eq(r.n, 3, "byte %#x at %d", bytes[k], at);
            cr_expect_eq(r.st[1], PM_READ_BAD, "byte %#x at %d", bytes[k], at);
            cr_expect_not_null(strstr(r.msg[1], "control characters"), "byte %#x at %d: %s", bytes[k], at, r.msg[1]);
            expect_ok(r, 2, "a=3");
        }
    }
    result r = read_str("--- {a: \"xxxxxxxxxxxx\txxxxxxxxxx\"}\n", &YAML);
    expect_ok(r, 0, "a=xxxxxxxxxxxx\txxxxxxxxxx");
}

/* Records with the keys of the record before, in order, are named by the
 * reader's own strings (pmr_yaml_keys), so that the pipeline knows their
 * header by a number (pm_inputs_record_header) instead of comparing names;
 * other keys get a number of their own, and a key given twice is still found
 * when the keys before it are the list's. */
Test(yaml_reader, records_with_the_same_keys_share_a_header_number)
{
    char *paths[1];
    paths[0] = pm_xstrdup(write_str("k.yaml", "--- {a: 1, b: 2}\n"
                                              "--- {a: 3, b: 4}\n"
                                              "--- {b: 5, a: 6}\n"
                                              "--- [{a: 7, b: 8}, {c: 9}]\n"
                                              "--- {a: 1, a: 2}\n"
                                              "--- {a: 1, b: 2, c: 3}\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 1, NULL);
    pm_record rec;
    pm_record_init(&rec);
    pm_error err;
    unsigned id[7];
    size_t hn[7];
    const char *name0[7];
    int st[7];
    for (int i = 0; i < 7; i++) {
        st[i] = pm_inputs_next(&in, &rec, &err);
        id[i] = pm_inputs_record_header(&in, &rec, &hn[i]);
        if (hn[i] != rec.n) id[i] = 0;
        name0[i] = rec.n ? rec.f[0].name : NULL;
        if (i == 5) cr_assert(strstr(err.msg, "the key 'a' appears twice"), "%s", err.msg);
    }
    cr_assert_eq(pm_inputs_next(&in, &rec, &err), PM_READ_EOF);
    cr_assert_eq(st[0], PM_READ_OK);
    cr_assert_eq(st[1], PM_READ_OK);
    cr_assert_neq(id[0], 0);
    cr_assert_eq(hn[0], 2);
    cr_assert_eq(id[1], id[0]);
    cr_assert_eq(name0[1], name0[0], "the same string names both records");
    cr_assert_neq(id[2], 0);
    cr_assert_neq(id[2], id[0]);
    cr_assert_neq(id[3], 0);
    cr_assert_neq(id[3], id[2]);
    cr_assert_eq(st[4], PM_READ_OK); /* {c: 9} */
    cr_assert_eq(id[4], 0, "not the keys in force");
    cr_assert_eq(st[5], PM_READ_BAD);
    cr_assert_eq(st[6], PM_READ_OK);
    cr_assert_neq(id[6], 0);
    cr_assert_neq(id[6], id[3]);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    free(paths[0]);
}

/* The count of brackets that says whether a document needs the flow filter. */
Test(yaml_reader, count_to_counts_up_to_its_stop)
{
    const char *s = "[a, [b]], {c: [d]}";
    size_t n = strlen(s);
    cr_assert_eq(pmr_yaml_count_to(s, n, '[', 100), 3);
    cr_assert_eq(pmr_yaml_count_to(s, n, '{', 100), 1);
    cr_assert_eq(pmr_yaml_count_to(s, n, '[', 2), 2);
    cr_assert_eq(pmr_yaml_count_to(s, n, '[', 0), 0);
    cr_assert_eq(pmr_yaml_count_to(s, 1, '[', 100), 1, "the first byte");
    cr_assert_eq(pmr_yaml_count_to(s, 5, '[', 100), 2, "the last byte");
    cr_assert_eq(pmr_yaml_count_to(s, 4, '[', 100), 1, "not past n");
    cr_assert_eq(pmr_yaml_count_to(s, 0, '[', 100), 0);
    cr_assert_eq(pmr_yaml_count_to("x\0[", 3, '[', 100), 1, "past a NUL");
}
