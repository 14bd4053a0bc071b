/* test_stream.c - the writers of lib/stream.h (docs/CONTRACT.md section 1): CSV and
 * YAML output (quoting only when needed, every written value reading back
 * as the same text), round trips, atomic output, and the realistic export
 * fixtures read in three forms.  The readers' tests are in
 * test_source.c, test_detect.c, test_csvread.c, test_yamlread.c and
 * test_inputs.c. */
#include "stream_test.h"

TestSuite(csv_writer, .init = mk_tmp, .fini = rm_tmp);
TestSuite(yaml_writer, .init = mk_tmp, .fini = rm_tmp);
TestSuite(round_trip, .init = mk_tmp, .fini = rm_tmp);
TestSuite(atomic_output, .init = mk_tmp, .fini = rm_tmp);
TestSuite(fixtures);

Test(csv_writer, quotes_only_when_needed)
{
    cr_expect_str_eq(csvq("plain"), "plain");
    cr_expect_str_eq(csvq(""), "");
    cr_expect_str_eq(csvq("  spaces  "), "  spaces  ");
    cr_expect_str_eq(csvq("中文 值"), "中文 值");
    cr_expect_str_eq(csvq("a;b\tc"), "a;b\tc");
    cr_expect_str_eq(csvq("a,b"), "\"a,b\"");
    cr_expect_str_eq(csvq("say \"hi\""), "\"say \"\"hi\"\"\"");
    cr_expect_str_eq(csvq("\""), "\"\"\"\"");
    cr_expect_str_eq(csvq("l1\nl2"), "\"l1\nl2\"");
    cr_expect_str_eq(csvq("cr\r"), "\"cr\r\"");
    pm_buf b = PM_BUF_INIT;
    pm_csv_quote(&b, "a\tb,c", 5, '\t');
    cr_expect_str_eq(pm_buf_str(&b), "\"a\tb,c\"");
    pm_buf_free(&b);
}

Test(csv_writer, header_from_first_record_and_lf_line_ends)
{
    pm_record r[2] = {mkrec("id", "T1", "desc", "a,b", NULL), mkrec("id", "T2", "desc", "", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 2);
    cr_assert_str_eq(out, "id,desc\nT1,\"a,b\"\nT2,\n");
    free(out);
    free_recs(r, 2);
}

Test(csv_writer, header_change_starts_new_block)
{
    pm_record r[4] = {mkrec("a", "1", "b", "2", NULL), mkrec("a", "3", "b", "4", NULL), mkrec("x", "5", NULL),
                      mkrec("a", "6", "b", "7", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 4);
    cr_assert_str_eq(out, "a,b\n1,2\n3,4\n\nx\n5\n\na,b\n6,7\n");
    free(out);
    free_recs(r, 4);
}

/* BUG (uncommitted lib/writer.c, same_names): header equality is decided by
 * the name POINTER first; a record whose names live in its arena (YAML
 * reader, pm_record_set_copy) gets new names at the same addresses after
 * pm_record_clear, so a changed header is not written. */
Test(csv_writer, header_change_detected_with_reused_record)
{
    pm_error err;
    const char *p = tpath("o.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r;
    pm_record_init(&r);
    pm_record_set_copy(&r, "a", "1", 1);
    pm_writer_write(w, &r, &err);
    pm_record_clear(&r);
    pm_record_set_copy(&r, "b", "2", 1);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "a\n1\n\nb\n2\n");
    free(out);
    pm_record_free(&r);
}

/* BUG: the same same_names() pointer shortcut, through the YAML reader, which
 * copies each key into the record's arena: {b: 2} gets "b" at the address
 * where {a: 1} had "a", and is written under the header "a". */
Test(csv_writer, yaml_with_changing_keys_to_csv)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("k.yaml", "--- {a: 1}\n--- {b: 2}\n--- {b: 3}\n"), &AUTO, &err);
    const char *p = tpath("k.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    while (pm_reader_next(rd, &rec, &err) == PM_READ_OK) cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);
    pm_record_free(&rec);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "a\n1\n\nb\n2\n3\n");
    free(out);
}

/* The second file's header names may be malloc'ed where the first file's
 * (freed at close) were: the header must still be compared by content. */
Test(csv_writer, two_inputs_with_different_headers)
{
    char *paths[2];
    paths[0] = pm_xstrdup(write_str("a.csv", "id,name\n1,x\n"));
    paths[1] = pm_xstrdup(write_str("b.csv", "no,kind\n2,y\n"));
    pm_inputs in;
    pm_inputs_init(&in, paths, 2, NULL);
    pm_error err;
    const char *p = tpath("ab.csv");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    while (pm_inputs_next(&in, &rec, &err) == PM_READ_OK) cr_assert_eq(pm_writer_write(w, &rec, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_inputs_close(&in);
    pm_record_free(&rec);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "id,name\n1,x\n\nno,kind\n2,y\n");
    free(out);
    free(paths[0]);
    free(paths[1]);
}

/* pm_writer_write_known: the values the caller says need no quotes are
 * written as they are, every other one tested as always; a record with
 * other names still gets its header unless the names are said to be the
 * same; YAML tests every value. */
Test(csv_writer, known_plain_values_are_written_as_they_are)
{
    pm_error err;
    const char *p = tpath("known.csv"), *y = tpath("known.yaml");
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err), *wy = pm_writer_open(y, PM_FMT_YAML, &err);
    pm_record r;
    pm_record_init(&r);
    pm_record_add(&r, "who", "a,b", 3);
    pm_record_add(&r, "amount", "12.50", 5);
    pm_record_add(&r, "note", "say \"hi\"", 8);
    uint64_t plain = 1u << 1;
    cr_assert_eq(pm_writer_write_known(w, &r, 0, plain, &err), 0);
    cr_assert_eq(pm_writer_write_known(w, &r, 1, plain, &err), 0);
    cr_assert_eq(pm_writer_write_known(wy, &r, 0, plain, &err), 0);
    pm_record_clear(&r);
    pm_record_add(&r, "x", "1,5", 3);
    cr_assert_eq(pm_writer_write_known(w, &r, 0, 0, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    cr_assert_eq(pm_writer_close(wy, 1, &err), 0);
    char *out = slurp(p, NULL);
    cr_expect_str_eq(
        out, "who,amount,note\n\"a,b\",12.50,\"say \"\"hi\"\"\"\n\"a,b\",12.50,\"say \"\"hi\"\"\"\n\nx\n\"1,5\"\n");
    free(out);
    out = slurp(y, NULL);
    cr_expect_str_eq(out, "--- {who: \"a,b\", amount: \"12.50\", note: \"say \\\"hi\\\"\"}\n");
    free(out);
    pm_record_free(&r);
}

/* A CSV writer on a new file of the test's folder, *path its path. */
static pm_writer *csv_file_writer(const char *name, const char **path)
{
    pm_error err;
    *path = tpath(name);
    pm_writer *w = pm_writer_open(*path, PM_FMT_CSV, &err);
    cr_assert_not_null(w, "%s", err.msg);
    return w;
}

/* Closes w, then expects the file at path to hold want's bytes. */
static void expect_written(pm_writer *w, const char *path, const pm_buf *want)
{
    pm_error err;
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    size_t n;
    char *out = slurp(path, &n);
    cr_expect_eq(n, want->len);
    cr_expect(n == want->len && memcmp(out, want->s, n) == 0, "%s", out);
    free(out);
}

/* Known plain values of every length to 80 (the copies of 17 to 64 bytes
 * are made by overlapping moves) come out whole, each byte in its place,
 * beside values the writer tests. */
Test(csv_writer, known_plain_values_of_every_length_are_copied_whole)
{
    pm_error err;
    const char *p;
    pm_writer *w = csv_file_writer("known-lengths.csv", &p);
    pm_buf want = PM_BUF_INIT;
    pm_buf_adds(&want, "a,b,c\n");
    char v[81];
    pm_record r;
    pm_record_init(&r);
    for (size_t len = 0; len <= 80; len++) {
        for (size_t i = 0; i < len; i++) v[i] = (char)('A' + (i * 7 + len) % 58);
        v[len] = '\0';
        pm_record_clear(&r);
        pm_record_add(&r, "a", v, len);
        pm_record_add(&r, "b", "x", 1);
        pm_record_add(&r, "c", v, len);
        cr_assert_eq(pm_writer_write_known(w, &r, 0, 1u << 0 | 1u << 2, &err), 0, "%s", err.msg);
        pm_buf_add(&want, v, len);
        pm_buf_adds(&want, ",x,");
        pm_buf_add(&want, v, len);
        pm_buf_addc(&want, '\n');
    }
    expect_written(w, p, &want);
    pm_buf_free(&want);
    pm_record_free(&r);
}

/* Room is made value by value as a line is written: lines whose values
 * outgrow the writer's buffer at any point (a long value first, last, in
 * the middle, quoted or not) come out whole. */
Test(csv_writer, values_longer_than_the_buffer_are_written_whole)
{
    pm_error err;
    const char *p;
    pm_writer *w = csv_file_writer("long-values.csv", &p);
    pm_buf want = PM_BUF_INIT;
    pm_buf_adds(&want, "a,b,c\n");
    size_t big = 150000;
    char *v = malloc(big + 1);
    for (size_t i = 0; i < big; i++) v[i] = (char)('a' + i % 26);
    pm_record r;
    pm_record_init(&r);
    static const size_t lens[] = {0, 1, 60000, 65536, 70000, 150000};
    for (size_t i = 0; i < 6; i++)
        for (size_t j = 0; j < 6; j++)
            for (int quote = 0; quote <= 1; quote++) {
                size_t la = lens[i], lb = lens[j];
                if (quote && lb) v[lb / 2] = '"';
                pm_record_clear(&r);
                pm_record_add(&r, "a", v, la);
                pm_record_add(&r, "b", v, lb);
                pm_record_add(&r, "c", "z", 1);
                cr_assert_eq(pm_writer_write_known(w, &r, 0, 1u << 0, &err), 0, "%s", err.msg);
                pm_buf_add(&want, v, la); /* known: as it is, quote or not */
                pm_buf_addc(&want, ',');
                pm_csv_quote(&want, v, lb, ',');
                pm_buf_adds(&want, ",z\n");
                if (quote && lb) v[lb / 2] = (char)('a' + (lb / 2) % 26);
            }
    expect_written(w, p, &want);
    free(v);
    pm_buf_free(&want);
    pm_record_free(&r);
}

/* Room is made once a line for every value as if it took 64 bytes: lines
 * of many values about that long, some of them all quotes (written twice
 * as long), some longer, come out whole at every point of the buffer. */
Test(csv_writer, many_values_near_the_room_made_per_value_are_written_whole)
{
    pm_error err;
    const char *p;
    pm_writer *w = csv_file_writer("many-values.csv", &p);
    pm_buf want = PM_BUF_INIT;
    static const char *const names[40] = {"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9",
                                          "b0", "b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9",
                                          "c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9",
                                          "d0", "d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8", "d9"};
    for (int i = 0; i < 40; i++) pm_buf_adds(&want, i ? "," : ""), pm_buf_adds(&want, names[i]);
    pm_buf_addc(&want, '\n');
    char v[40][80];
    pm_record r;
    pm_record_init(&r);
    for (int line = 0; line < 3000; line++) {
        pm_record_clear(&r);
        uint64_t plain = 0;
        for (int i = 0; i < 40; i++) {
            size_t len = (size_t)(58 + (line * 7 + i * 3) % 16); /* 58 to 73 */
            int quotes = (line + i) % 11 == 0;
            for (size_t k = 0; k < len; k++) v[i][k] = quotes ? '"' : (char)('a' + (k + (size_t)line) % 26);
            if (!quotes && (line + i) % 3 == 0) plain |= (uint64_t)1 << i;
            pm_record_add(&r, names[i], v[i], len);
            if (i) pm_buf_addc(&want, ',');
            pm_csv_quote(&want, v[i], len, ',');
        }
        pm_buf_addc(&want, '\n');
        cr_assert_eq(pm_writer_write_known(w, &r, 0, plain, &err), 0, "%s", err.msg);
    }
    expect_written(w, p, &want);
    pm_buf_free(&want);
    pm_record_free(&r);
}

Test(csv_writer, lone_empty_field_is_written_quoted)
{
    pm_record r[2] = {mkrec("only", "", NULL), mkrec("only", "x", NULL)};
    char *out = write_records(PM_FMT_CSV, r, 2);
    cr_assert_str_eq(out, "only\n\"\"\nx\n");
    result back = read_str(out, &CSV);
    cr_assert_eq(back.n, 2, "the empty record is not read as a blank line");
    expect_ok(back, 0, "only=");
    free(out);
    free_recs(r, 2);
}

Test(csv_writer, tsv_output)
{
    pm_record r[1] = {mkrec("a", "x\ty", "b", "p,q", NULL)};
    char *out = write_records(PM_FMT_TSV, r, 1);
    cr_assert_str_eq(out, "a\tb\n\"x\ty\"\tp,q\n");
    free(out);
    free_recs(r, 1);
}

Test(yaml_writer, plain_values_stay_plain)
{
    const char *plain[] = {"T1",  "repair",      "张三",      "楼上装修噪音", "hello world", "a-b", "x:y",
                           "a#b", "noise_level", "Yesterday", "nullable",     "o'clock",     "a|b", "x-1"};
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        cr_expect_str_eq(yq(plain[i], strlen(plain[i])), plain[i]);
}

Test(yaml_writer, risky_values_are_quoted)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) {
        const char *q = yq(RISKY[i], strlen(RISKY[i]));
        if (!strcmp(RISKY[i], "<<") || !strcmp(RISKY[i], "=") || !strcmp(RISKY[i], "=x") || !strcmp(RISKY[i], "it's"))
            continue; /* need not be quoted; round-tripped below */
        cr_expect(q[0] == '"' || q[0] == '\'', "value #%zu '%s' written as plain %s", i, RISKY[i], q);
    }
}

/* BUG: pm_yaml_quote (lib/writer.c, yaml_plain_ok) writes "=" and "<<"
 * plain.  YAML 1.1 resolves a plain "=" to tag:yaml.org,2002:value and "<<"
 * to tag:yaml.org,2002:merge; PyYAML's safe_load (C and pure loaders) fails on
 * "--- {k: =}" and "--- {k: <<}" ("could not determine a constructor"), so
 * they are not read as the same text (docs/CONTRACT.md section 1). */
Test(yaml_writer, yaml11_value_and_merge_indicators_are_quoted)
{
    cr_expect_eq(yq("=", 1)[0], '"', "'=' written as %s", yq("=", 1));
    cr_expect_eq(yq("<<", 2)[0], '"', "'<<' written as %s", yq("<<", 2));
}

Test(yaml_writer, yaml_words_in_every_case_are_quoted_and_read_back)
{
    const char *words[] = {"true", "false", "yes", "no", "on", "off", "y", "n", "null"};
    for (size_t w = 0; w < sizeof words / sizeof *words; w++) {
        size_t len = strlen(words[w]);
        for (unsigned mask = 0; mask < (1u << len); mask++) {
            char v[8];
            for (size_t i = 0; i < len; i++) v[i] = (char)((mask >> i) & 1 ? words[w][i] - 'a' + 'A' : words[w][i]);
            v[len] = 0;
            const char *q = yq(v, len);
            cr_expect_eq(q[0], '"', "'%s' written plain", v);
        }
    }
    /* and a sample of them through the reader */
    const char *sample[] = {"tRuE", "yEs", "nULL", "oFf", "Y", "FaLsE"};
    for (size_t i = 0; i < sizeof sample / sizeof *sample; i++) round_trip_ok(PM_FMT_YAML, sample[i]);
}

Test(yaml_writer, quoted_form_escapes)
{
    cr_expect_str_eq(yq("", 0), "\"\"");
    cr_expect_str_eq(yq("true", 4), "\"true\"");
    cr_expect_str_eq(yq("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
    cr_expect_str_eq(yq("l1\nl2", 5), "\"l1\\nl2\"");
    cr_expect_str_eq(yq("\t", 1), "\"\\t\"");
    const char *q = yq("ls\xe2\x80\xa8", 5);
    cr_expect(strstr(q, "\\L") || strstr(q, "\\u2028"), "U+2028 must be escaped: %s", q);
}

Test(yaml_writer, line_per_record_documents)
{
    pm_record r[2] = {mkrec("id", "T1", "created_at", "2024-07-01T09:00:00+08:00", "note", "", NULL),
                      mkrec("id", "T2", "a b", "x", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 2);
    cr_assert_str_eq(out, "--- {id: T1, created_at: \"2024-07-01T09:00:00+08:00\", note: \"\"}\n"
                          "--- {id: T2, a b: x}\n");
    free(out);
    free_recs(r, 2);
}

/* The keys are quoted once and kept while the names stay the same; names
 * are compared by text, as a record reuses the memory of its names (the
 * YAML reader's keys live in the record's arena). */
Test(yaml_writer, keys_follow_changing_names_in_reused_record)
{
    pm_error err;
    const char *p = tpath("o.yaml");
    pm_writer *w = pm_writer_open(p, PM_FMT_YAML, &err);
    pm_record r;
    pm_record_init(&r);
    const char *names[] = {"a", "a", "b", "ab", "a", "yes", NULL};
    for (int i = 0; i < 7; i++) {
        pm_record_clear(&r);
        if (names[i]) pm_record_set_copy(&r, names[i], "1", 1);
        if (i == 4) pm_record_set_copy(&r, "c d", "", 0);
        cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    }
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    char *out = slurp(p, NULL);
    cr_assert_str_eq(out, "--- {a: \"1\"}\n--- {a: \"1\"}\n--- {b: \"1\"}\n--- {ab: \"1\"}\n"
                          "--- {a: \"1\", c d: \"\"}\n--- {\"yes\": \"1\"}\n--- {}\n");
    free(out);
    pm_record_free(&r);
}

/* Values that expand when escaped, between long plain ones: the room made
 * for a record assumes no escapes and must grow for them. */
Test(yaml_writer, escaped_values_among_long_plain_ones)
{
    char ctl[301], plain[3001];
    for (int i = 0; i < 300; i++) ctl[i] = (char)(1 + i % 8); /* \x01.. each 4 bytes out */
    ctl[300] = 0;
    memset(plain, 'p', 3000);
    plain[3000] = 0;
    pm_record r[2] = {mkrec("a", plain, "b", ctl, "c", plain, "d", "x\"y\\z", "e", plain, NULL),
                      mkrec("a", ctl, "b", plain, NULL)};
    char *out = write_records(PM_FMT_YAML, r, 2);
    result back = read_str(out, &YAML);
    cr_assert_eq(back.final, PM_READ_EOF, "%s", back.final_msg);
    cr_assert_eq(back.n, 2);
    pm_buf want = PM_BUF_INIT;
    pm_buf_addf(&want, "a=%s|b=%s|c=%s|d=x\"y\\z|e=%s", plain, ctl, plain, plain);
    expect_ok(back, 0, want.s);
    pm_buf_reset(&want);
    pm_buf_addf(&want, "a=%s|b=%s", ctl, plain);
    expect_ok(back, 1, want.s);
    pm_buf q = PM_BUF_INIT;
    for (int i = 0; i < 300; i++) pm_buf_addf(&q, "\\x%02X", 1 + i % 8);
    pm_buf_reset(&want);
    pm_buf_addf(&want, "--- {a: %s, b: \"%s\", c: %s, d: \"x\\\"y\\\\z\", e: %s}\n--- {a: \"%s\", b: %s}\n", plain, q.s,
                plain, plain, q.s, plain);
    cr_expect_str_eq(out, want.s);
    pm_buf_free(&q);
    pm_buf_free(&want);
    free(out);
    free_recs(r, 2);
}

Test(yaml_writer, every_record_is_one_line)
{
    pm_record r[1] = {mkrec("multi\nname", "v\r\n2", "x", "\xe2\x80\xa8", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 1);
    char *nl = strchr(out, '\n');
    cr_assert_not_null(nl);
    cr_assert_eq(nl[1], 0, "one line: %s", out);
    cr_assert_null(strstr(out, "\xe2\x80\xa8"), "no raw line separator: %s", out);
    result back = read_str(out, &AUTO);
    expect_ok(back, 0, "multi\nname=v\r\n2|x=\xe2\x80\xa8");
    free(out);
    free_recs(r, 1);
}

Test(round_trip, risky_values_through_yaml)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) round_trip_ok(PM_FMT_YAML, RISKY[i]);
}

Test(round_trip, risky_values_through_csv)
{
    for (size_t i = 0; i < sizeof RISKY / sizeof *RISKY; i++) round_trip_ok(PM_FMT_CSV, RISKY[i]);
}

/* BUG: pm_yaml_quote (lib/writer.c) copies C1 control characters
 * (U+0080..U+009F other than U+0085) and U+FFFE/U+FFFF raw into the double-
 * quoted scalar; YAML forbids them in a stream, so libyaml refuses the
 * line ("control characters are not allowed") and the record is lost. */
Test(round_trip, c1_controls_and_nonchars_through_yaml)
{
    const char *vals[] = {"a\xc2\x80z", "\xc2\x9f", "x\xc2\x8ey", "\xef\xbf\xbe", "end\xef\xbf\xbf"};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) round_trip_ok(PM_FMT_YAML, vals[i]);
}

Test(round_trip, generated_values_through_yaml_and_csv, .timeout = 60)
{
    pm_buf b = PM_BUF_INIT;
    int fails = 0;
    for (int i = 0; i < 600 && fails < 20; i++) {
        random_value(&b);
        if (!round_trip_ok(PM_FMT_YAML, pm_buf_str(&b))) fails++;
        if (!round_trip_ok(PM_FMT_CSV, pm_buf_str(&b))) fails++;
    }
    pm_buf_free(&b);
}

Test(round_trip, generated_values_as_field_names_through_yaml, .timeout = 60)
{
    /* names are quoted the same way */
    pm_buf b = PM_BUF_INIT;
    for (int i = 0; i < 300; i++) {
        random_value(&b);
        if (b.len == 0) continue;
        pm_record r;
        pm_record_init(&r);
        pm_record_add(&r, b.s, "v", 1);
        char *out = write_records(PM_FMT_YAML, &r, 1);
        result back = read_str(out, &YAML);
        cr_assert_eq(back.n, 1, "name '%s' written as %s: %s", show(b.s), out, back.final_msg);
        pm_buf want = PM_BUF_INIT;
        pm_buf_addf(&want, "%s=v", b.s);
        cr_expect_str_eq(back.rec[0], want.s, "name '%s'", show(b.s));
        pm_buf_free(&want);
        free(out);
        pm_record_free(&r);
    }
    pm_buf_free(&b);
}

/* BUG: pm_writer_write (lib/writer.c, YAML) writes every name as an implicit
 * key; YAML limits implicit keys to 1024 characters, so a field name longer
 * than that (a mangled export header) makes the line invalid YAML: libyaml
 * and PyYAML stop there and the rest of the stream is lost.  Fix: write
 * "? " before a name longer than 1024 characters ({? "long...": v} is valid
 * flow YAML and reads back with both). */
/* fuzz_policy: a 600-character name of backslashes and tabs quotes to
 * over 1024 characters, too long for an implicit key, though the name
 * itself is short of the limit: the quoted length decides. */
Test(round_trip, field_name_whose_quoted_form_is_longer_than_1024)
{
    char name[700];
    for (int i = 0; i < 600; i++) name[i] = i % 2 ? '\\' : '\t';
    name[600] = 0;
    pm_record r[1] = {mkrec(name, "v", "b", "2", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 1);
    cr_assert_eq(strncmp(out, "--- {? \"", 8), 0, "an explicit key: %.20s", out);
    result back = read_str(out, &YAML);
    cr_assert_eq(back.final, PM_READ_EOF, "%s", back.final_msg);
    cr_assert_eq(back.n, 1);
    cr_expect_eq(strlen(back.rec[0]), 600 + strlen("=v|b=2"));
    free(out);
    free_recs(r, 1);
    pm_buf b = PM_BUF_INIT;
    pm_yaml_key(&b, "short", 5);
    cr_expect_str_eq(pm_buf_str(&b), "short", "a short key stays implicit");
    pm_buf_free(&b);
}

Test(round_trip, field_name_longer_than_1024_characters)
{
    char name[1200];
    memset(name, 'k', 1100);
    name[1100] = 0;
    pm_record r[2] = {mkrec(name, "v", "b", "2", NULL), mkrec("c", "3", NULL)};
    char *out = write_records(PM_FMT_YAML, r, 2);
    result back = read_str(out, &YAML);
    cr_assert_eq(back.final, PM_READ_EOF, "%s", back.final_msg);
    cr_assert_eq(back.n, 2);
    cr_expect_eq(strlen(back.rec[0]), 1100 + strlen("=v|b=2"));
    expect_ok(back, 1, "c=3");
    free(out);
    free_recs(r, 2);
}

/* A realistic export: written by the CSV writer, read, turned into YAML, read
 * back and written as CSV again must give the same bytes. */
Test(round_trip, csv_to_yaml_to_csv_is_byte_identical)
{
    const char *rows[][8] = {
        {"T0001", "complaint", "noise", "true", "12-3-1502", "2024-07-01T09:00:00+08:00", "satisfied",
         "楼上装修噪音，晚上十点还在\"电钻\""},
        {"T0002", "repair", "indoor_repair", "false", "1-1-101", "2024-07-01T23:59:59+08:00", "", "家里水管漏水, 厨房"},
        {"T0003", "consultation", "general_inquiry", "", "", "2024-07-02T00:00:00+08:00", "neutral", ""},
        {"T0004", "complaint", "lighting", "no", "3-2-0901", "2024-07-03T08:30:00+08:00", "unsatisfied",
         "  楼道灯不亮 "},
        {"T0005", "repair", "public_repair", "null", "12", "1.5", "~", "- 电梯 #2: 故障"},
        {"T0006", "repair", "other", "yes", "0x1F", "2024-07-01", "on", "第一行\n第二行"},
    };
    const char *names[] = {"id", "kind", "category", "major", "unit", "created_at", "satisfaction", "description"};
    pm_record recs[6];
    for (int i = 0; i < 6; i++) {
        pm_record_init(&recs[i]);
        for (int j = 0; j < 8; j++) pm_record_add(&recs[i], names[j], rows[i][j], strlen(rows[i][j]));
    }
    char *csv1 = write_records(PM_FMT_CSV, recs, 6);
    const char *p1 = write_str("t1.csv", csv1);

    /* CSV -> YAML */
    pm_error err;
    pm_reader *rd = pm_reader_open(p1, &AUTO, &err);
    const char *p2 = tpath("t2.yaml");
    pm_writer *w = pm_writer_open(p2, PM_FMT_YAML, &err);
    pm_record rec;
    pm_record_init(&rec);
    int st, n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        pm_writer_write(w, &rec, &err);
        n++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(n, 6);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);

    /* YAML -> CSV */
    rd = pm_reader_open(p2, &AUTO, &err);
    cr_assert_eq(pm_reader_format(rd), PM_FMT_YAML);
    const char *p3 = tpath("t3.csv");
    w = pm_writer_open(p3, PM_FMT_CSV, &err);
    n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        pm_writer_write(w, &rec, &err);
        n++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(n, 6);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    pm_reader_close(rd);

    char *csv3 = slurp(p3, NULL);
    cr_assert_str_eq(csv3, csv1);
    char *yaml = slurp(p2, NULL);
    int lines = 0;
    for (char *c = yaml; *c; c++) lines += *c == '\n';
    cr_assert_eq(lines, 6, "one YAML line per record:\n%s", yaml);
    free(yaml);
    free(csv1);
    free(csv3);
    pm_record_free(&rec);
    for (int i = 0; i < 6; i++) pm_record_free(&recs[i]);
}

Test(atomic_output, commit_renames_into_place)
{
    const char *p = tpath("out.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(access(p, F_OK), -1, "nothing at the final path before commit");
    cr_assert_eq(count_dir_entries(), 1, "only the temporary file");
    cr_assert_eq(pm_writer_close(w, 1, &err), 0, "%s", err.msg);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "a\n1\n");
    cr_assert_eq(count_dir_entries(), 1, "no temporary file left");
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, no_commit_leaves_no_file)
{
    const char *p = tpath("out.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 0, &err), 0);
    cr_assert_eq(access(p, F_OK), -1);
    cr_assert_eq(count_dir_entries(), 0, "temporary file removed");
    pm_record_free(&r);
}

Test(atomic_output, no_commit_leaves_existing_file_untouched)
{
    const char *p = write_str("keep.csv", "old,content\n1,2\n");
    chmod(p, 0604);
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("new", "x", NULL);
    for (int i = 0; i < 10000; i++) pm_writer_write(w, &r, &err); /* past the flush size */
    cr_assert_eq(pm_writer_close(w, 0, &err), 0);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "old,content\n1,2\n");
    cr_assert_eq(count_dir_entries(), 1);
    struct stat st;
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0604);
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, commit_over_existing_keeps_its_mode)
{
    const char *p = write_str("keep.csv", "old\n");
    chmod(p, 0640);
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "1", NULL);
    pm_writer_write(w, &r, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    char *s = slurp(p, NULL);
    cr_assert_str_eq(s, "--- {a: \"1\"}\n");
    struct stat st;
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0640);
    free(s);
    pm_record_free(&r);
}

Test(atomic_output, new_file_mode_follows_umask)
{
    umask(027);
    const char *p = tpath("new.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    struct stat st;
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", st.st_mode & 07777);
    umask(022);
    p = tpath("new2.csv");
    w = pm_writer_open(p, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    stat(p, &st);
    cr_assert_eq(st.st_mode & 07777, 0644, "mode %o", st.st_mode & 07777);
}

Test(atomic_output, missing_folder_fails_at_open)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open(tpath("no/such/dir/out.csv"), PM_FMT_CSV, &err);
    cr_assert_null(w);
    cr_assert_neq(err.msg[0], 0);
    cr_assert_not_null(strstr(err.file, "out.csv"), "%s", err.file);
}

Test(atomic_output, dev_full_fails_at_close)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open("/dev/full", PM_FMT_CSV, &err);
    cr_assert_not_null(w, "%s", err.msg);
    pm_record r = mkrec("a", "1", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0, "buffered");
    cr_assert_eq(pm_writer_close(w, 1, &err), -1);
    cr_assert_not_null(strstr(err.msg, "write error"), "%s", err.msg);
    pm_record_free(&r);
}

/* BUG: pm_writer_close (lib/writer.c) returns 0 after a failed write: flush()
 * emptied the buffer and set w->failed, and close never looks at w->failed. */
Test(atomic_output, dev_full_fails_at_write_when_buffer_flushes)
{
    pm_error err;
    pm_error_clear(&err);
    pm_writer *w = pm_writer_open("/dev/full", PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "some value to fill the buffer", NULL);
    int rc = 0, i;
    for (i = 0; i < 100000 && rc == 0; i++) rc = pm_writer_write(w, &r, &err);
    cr_assert_eq(rc, -1, "a write fails once the buffer is flushed");
    cr_assert_not_null(strstr(err.msg, "No space"), "%s", err.msg);
    cr_assert_eq(pm_writer_write(w, &r, &err), -1, "and keeps failing");
    cr_assert_eq(pm_writer_close(w, 1, &err), -1, "close reports the failure too");
    pm_record_free(&r);
}

/* BUG: same cause as above, on a regular file: after a write error (here the
 * file size limit, as on a full disk) pm_writer_close(.., commit=1) renames
 * the truncated temporary file into place and returns 0, so a failed run
 * leaves a half-written file behind (docs/CONTRACT.md section 1, -o). */
Test(atomic_output, failed_write_is_never_committed)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 200000, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    const char *p = tpath("big.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "a value that is written many times over", NULL);
    int failed = 0;
    for (int i = 0; i < 20000; i++)
        if (pm_writer_write(w, &r, &err) < 0) failed = 1;
    cr_assert(failed, "writing past the size limit fails");
    int rc = pm_writer_close(w, 1, &err);
    cr_expect_eq(rc, -1, "close after a failed write must fail");
    cr_expect_eq(access(p, F_OK), -1, "no half-written file at the final path");
    pm_record_free(&r);
}

Test(atomic_output, failed_write_then_close_without_commit_leaves_nothing)
{
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {.rlim_cur = 200000, .rlim_max = RLIM_INFINITY};
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    const char *p = tpath("big.csv");
    pm_error err;
    pm_writer *w = pm_writer_open(p, PM_FMT_CSV, &err);
    pm_record r = mkrec("a", "a value that is written many times over", NULL);
    int rc = 0;
    for (int i = 0; i < 20000 && rc == 0; i++) rc = pm_writer_write(w, &r, &err);
    cr_assert_eq(rc, -1);
    cr_assert_not_null(strstr(err.msg, "write error"), "%s", err.msg);
    cr_assert_str_eq(err.file, p);
    pm_writer_close(w, 0, &err);
    cr_assert_eq(count_dir_entries(), 0);
    pm_record_free(&r);
}

Test(atomic_output, dash_writes_standard_output, .init = cr_redirect_stdout)
{
    pm_error err;
    pm_writer *w = pm_writer_open("-", PM_FMT_YAML, &err);
    pm_record r = mkrec("a", "x y", "b", "", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    w = pm_writer_open(NULL, PM_FMT_CSV, &err);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 0, &err), 0, "standard output is flushed either way");
    fflush(stdout);
    cr_assert_stdout_eq_str("--- {a: x y, b: \"\"}\na,b\nx y,\n");
    pm_record_free(&r);
}

Test(atomic_output, dev_null_is_written_directly)
{
    pm_error err;
    pm_writer *w = pm_writer_open("/dev/null", PM_FMT_CSV, &err);
    cr_assert_not_null(w);
    pm_record r = mkrec("a", "1", NULL);
    cr_assert_eq(pm_writer_write(w, &r, &err), 0);
    cr_assert_eq(pm_writer_close(w, 1, &err), 0);
    struct stat st;
    cr_assert_eq(stat("/dev/null", &st), 0);
    cr_assert(S_ISCHR(st.st_mode), "/dev/null is still a device");
    pm_record_free(&r);
}

Test(fixtures, utf8_bom_crlf_export)
{
    expect_tickets("fixtures/stream_tickets.csv", PM_FMT_CSV);
}

Test(fixtures, gb18030_export_reads_the_same)
{
    expect_tickets("fixtures/stream_tickets_gb18030.csv", PM_FMT_CSV);
}

Test(fixtures, block_yaml_reads_the_same)
{
    expect_tickets("fixtures/stream_tickets.yaml", PM_FMT_YAML);
}

Test(fixtures, folded_export_has_one_record_per_line)
{
    pm_read_opts o = {.fold_newlines = 1, .encoding = "gb18030"};
    result r = read_path("fixtures/stream_tickets_gb18030.csv", &o);
    cr_assert_eq(r.n, 4);
    cr_assert_not_null(strstr(r.rec[1], "内容=卫生间漏水 需要上门查看"), "%s", r.rec[1]);
}

Test(csv_writer, header_alone_when_no_record)
{
    char *s = write_with_header(PM_FMT_CSV, NULL, 0);
    cr_expect_str_eq(s, "rule,staff,\"a,b\"\n");
    free(s);
    s = write_with_header(PM_FMT_TSV, NULL, 0);
    cr_expect_str_eq(s, "rule\tstaff\ta,b\n");
    free(s);
    s = write_with_header(PM_FMT_YAML, NULL, 0);
    cr_expect_str_eq(s, "");
    free(s);
    pm_record r[1] = {mkrec("x", "1", NULL)};
    s = write_with_header(PM_FMT_CSV, r, 1);
    cr_expect_str_eq(s, "x\n1\n", "records bring their own header");
    free(s);
    pm_record_free(&r[0]);
}
