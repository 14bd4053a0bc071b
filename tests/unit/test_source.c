/* test_source.c - the byte source: encodings (UTF-8, GB18030, UTF-16), chunk boundaries,
 * undecodable bytes. */
#include "stream_test.h"

TestSuite(encoding, .init = mk_tmp, .fini = rm_tmp);

/* BUG: src_start (lib/reader.c) picks GB18030 when the first 256 KiB chunk
 * ends inside a UTF-8 character: utf8_valid_prefix() reports the truncated
 * tail via *incomplete, which "auto" ignores. */
Test(encoding, utf8_chunk_boundary_inside_character_auto)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    check_chinese_rows(write_bytes("zh.csv", b.s, b.len), &AUTO, nrows);
    pm_buf_free(&b);
}

Test(encoding, utf8_chunk_boundary_inside_character_explicit)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    pm_read_opts o = {.encoding = "UTF-8"};
    check_chinese_rows(write_bytes("zh.csv", b.s, b.len), &o, nrows);
    pm_buf_free(&b);
}

Test(encoding, yaml_utf8_chunk_boundary_inside_character)
{
    pm_buf b = PM_BUF_INIT;
    int n = 0;
    for (int pad = 0; pad < 3; pad++) {
        pm_buf_reset(&b);
        for (int i = 0; i < pad; i++) pm_buf_addc(&b, ' ');
        n = 0;
        while (b.len < CHUNK_SIZE + 5000) {
            pm_buf_adds(&b, "--- {v: 楼上装修噪音很吵请尽快处理}\n");
            n++;
        }
        if (((unsigned char)b.s[CHUNK_SIZE] & 0xc0) == 0x80) break;
    }
    cr_assert_eq((unsigned char)b.s[CHUNK_SIZE] & 0xc0, 0x80, "boundary inside a character");
    pm_read_opts o = {.format = PM_FMT_YAML, .encoding = "UTF-8"};
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("zh.yaml", b.s, b.len), &o, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        cr_assert_str_eq(pm_record_value(&rec, "v"), "楼上装修噪音很吵请尽快处理", "record %d", i);
        i++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(i, n);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(encoding, gb18030_chunk_boundary_inside_character)
{
    pm_buf b = PM_BUF_INIT;
    int nrows;
    chinese_csv(&b, &nrows);
    size_t glen;
    char *g = to_enc("GB18030", b.s, b.len, &glen);
    /* make a chunk boundary split a two-byte GB18030 character */
    int shift = 0;
    for (; shift < 2; shift++) {
        size_t lead = 0;
        /* walk characters up to the boundary */
        size_t i = (size_t)shift;
        while (i < CHUNK_SIZE) {
            lead = i;
            i += ((unsigned char)g[i] >= 0x81) ? 2 : 1;
        }
        if (i == CHUNK_SIZE + 1 && lead == CHUNK_SIZE - 1) break;
    }
    pm_buf pad = PM_BUF_INIT;
    pm_buf_add(&pad, g, 8); /* "id,desc\n" */
    for (int k = 0; k < shift; k++) pm_buf_addc(&pad, 'x');
    pm_buf_add(&pad, g + 8, glen - 8);
    const char *p = write_bytes("gb.csv", pad.s, pad.len);
    pm_read_opts o = {.encoding = "GB18030"};
    check_chinese_rows(p, &o, nrows);
    check_chinese_rows(p, &AUTO, nrows);
    free(g);
    pm_buf_free(&pad);
    pm_buf_free(&b);
}

Test(encoding, gb18030_auto_detected)
{
    size_t len;
    char *g = to_enc("GB18030", ZH_CSV, strlen(ZH_CSV), &len);
    result r = read_bytes(g, len, &AUTO);
    cr_assert_eq(r.format, PM_FMT_CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "工单号=T1|类别=噪音|内容=楼上装修噪音，晚上十点还在吵");
    expect_ok(r, 1, "工单号=T2|类别=维修|内容=家里水管漏水");
    free(g);
}

Test(encoding, gb18030_and_gbk_explicit)
{
    size_t len;
    char *g = to_enc("GBK", ZH_CSV, strlen(ZH_CSV), &len);
    pm_read_opts o = {.encoding = "GB18030"};
    result r = read_bytes(g, len, &o);
    expect_ok(r, 1, "工单号=T2|类别=维修|内容=家里水管漏水");
    pm_read_opts k = {.encoding = "gbk"};
    r = read_bytes(g, len, &k);
    expect_ok(r, 0, "工单号=T1|类别=噪音|内容=楼上装修噪音，晚上十点还在吵");
    free(g);
}

Test(encoding, gb18030_crlf_multiline_fields)
{
    const char *s = "工单号,内容\r\nT1,\"第一行\r\n第二行\"\r\nT2,好\r\n";
    size_t len;
    char *g = to_enc("GB18030", s, strlen(s), &len);
    pm_read_opts o = {.fold_newlines = 1};
    result r = read_bytes(g, len, &o);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "工单号=T1|内容=第一行 第二行");
    expect_ok(r, 1, "工单号=T2|内容=好");
    cr_assert_eq(r.line[1], 4);
    free(g);
}

Test(encoding, unknown_encoding_fails_to_open)
{
    pm_read_opts o = {.encoding = "NO-SUCH-ENCODING-42"};
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(write_str("x.csv", "a\n1\n"), &o, &err);
    cr_assert_null(rd);
    cr_assert_not_null(strstr(err.msg, "NO-SUCH-ENCODING-42"), "%s", err.msg);
    cr_assert_str_eq(err.file, tpath("x.csv"));
}

Test(encoding, invalid_bytes_in_declared_encoding_make_record_bad)
{
    /* 0xFF is never valid in GB18030 */
    const char s[] = "a,b\nok,\xff\nfine,row\n";
    pm_read_opts o = {.encoding = "GB18030"};
    result r = read_bytes(s, sizeof s - 1, &o);
    cr_assert_eq(r.n, 2);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    expect_ok(r, 1, "a=fine|b=row");
}

/* Issue 12: a mostly-ASCII UTF-8 file with Chinese names and one Latin-1
 * byte is UTF-8: the names read right, the Latin-1 row is bad. */
Test(encoding, stray_latin1_byte_never_makes_utf8_gb18030)
{
    const char in[] = "id,name\n1,王伟\n2,caf\xe9\n3,李娜\n";
    result r = read_bytes(in, sizeof in - 1, &AUTO);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=1|name=王伟");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_str_eq(r.raw[1], "2,caf\\xE9");
    expect_ok(r, 2, "id=3|name=李娜");
}

Test(encoding, undecodable_bytes_in_gb18030_are_bad_records_with_raw_escaped)
{
    size_t n;
    char *gb = to_enc("GB18030", "id,name\n1,王伟\n", strlen("id,name\n1,王伟\n"), &n);
    pm_buf b = PM_BUF_INIT;
    pm_buf_add(&b, gb, n);
    pm_buf_adds(&b, "2,x\x81\x20y\n3,ok\n");
    free(gb);
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "GB18030"};
    result r = read_bytes(b.s, b.len, &o);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=1|name=王伟");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[1], "GB18030"), "%s", r.msg[1]);
    cr_assert_str_eq(r.raw[1], "2,x\\x81 y");
    cr_assert_null(strstr(r.rec[1], "\xef\xbf\xbd"), "no U+FFFD");
    expect_ok(r, 2, "id=3|name=ok");
    /* YAML alike */
    pm_read_opts y = {.format = PM_FMT_YAML, .encoding = "GB18030"};
    const char *yin = "--- {a: 1}\n--- {a: x\x81\x20y}\n--- {a: 3}\n";
    r = read_bytes(yin, strlen(yin), &y);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_str_eq(r.raw[1], "--- {a: x\\x81 y}");
    expect_ok(r, 2, "a=3");
}

Test(encoding, utf16_is_refused_naming_the_option_and_read_with_it)
{
    size_t n;
    const char *txt = "\xef\xbb\xbfid,name\n1,王伟\n";
    char *u16 = to_enc("UTF-16", txt + 3, strlen(txt + 3), &n); /* glibc writes a BOM */
    const char *p = write_bytes("u16.csv", u16, n);
    free(u16);
    pm_error err;
    cr_assert_null(pm_reader_open(p, &AUTO, &err));
    cr_assert_not_null(strstr(err.msg, "--encoding=UTF-16"), "%s", err.msg);
    char *le = to_enc("UTF-16LE", "id,name\n1,x\n", 12, &n); /* no BOM: NUL-rich */
    const char *q = write_bytes("u16le.csv", le, n);
    free(le);
    cr_assert_null(pm_reader_open(q, &AUTO, &err));
    cr_assert_not_null(strstr(err.msg, "--encoding=UTF-16"), "%s", err.msg);
    pm_read_opts o = {.format = PM_FMT_AUTO, .encoding = "UTF-16"};
    result r = read_path(p, &o);
    cr_assert_eq(r.n, 1);
    expect_ok(r, 0, "id=1|name=王伟");
}

/* The records of path (or of its bytes [from, to) with byte_range) as
 * "LINE id 名称" lines, into out. */
static void range_lines(const char *path, const pm_read_opts *base, long long from, long long to, pm_buf *out)
{
    pm_read_opts o = *base;
    if (to >= 0) {
        o.byte_range = 1;
        o.range_start = from;
        o.range_end = to;
    }
    pm_error err;
    pm_reader *rd = pm_reader_open(path, &o, &err);
    cr_assert_not_null(rd, "open: %s", err.msg);
    pm_record rec;
    pm_record_init(&rec);
    int st;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK)
        pm_buf_addf(out, "%ld %s %s\n", pm_line_shown(rec.line), pm_record_value(&rec, "id"),
                    pm_record_value(&rec, "名称"));
    cr_assert_eq(st, PM_READ_EOF, "[%lld, %lld): %s", from, to, err.msg);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* A GB18030 export read by byte ranges: the header is found in the file's
 * own bytes (the reader had already sent them through iconv, and found no
 * header line, so every range failed), and two ranges cut anywhere read
 * the records and lines of one whole read, also past the first 256 KiB. */
Test(encoding, gb18030_by_byte_range)
{
    pm_buf u = PM_BUF_INIT;
    pm_buf_adds(&u, "id,名称\n");
    for (int i = 0; u.len < CHUNK_SIZE + 40000; i++) pm_buf_addf(&u, "T%05d,楼上装修噪音很吵请尽快处理第%d号\n", i, i);
    size_t n;
    char *gb = to_enc("GB18030", u.s, u.len, &n);
    const char *path = write_bytes("gb.csv", gb, n);
    pm_buf whole = PM_BUF_INIT, two = PM_BUF_INIT;
    range_lines(path, &AUTO, 0, -1, &whole);
    cr_assert_gt(whole.len, 0);
    size_t cuts[] = {1, 10, 11, n / 3, n / 2 + 7, CHUNK_SIZE + 3, n - 1};
    for (size_t k = 0; k < sizeof cuts / sizeof *cuts; k++) {
        pm_buf_reset(&two);
        range_lines(path, &AUTO, 0, (long long)cuts[k], &two);
        range_lines(path, &AUTO, (long long)cuts[k], (long long)n, &two);
        cr_expect_str_eq(pm_buf_str(&two), pm_buf_str(&whole), "cut at byte %zu of %zu", cuts[k], n);
    }
    free(gb);
    pm_buf_free(&whole);
    pm_buf_free(&two);
    pm_buf_free(&u);
}

/* A block far into a file numbers its lines without reading the bytes
 * before it: its records' lines are PM_LINE_LAZY and up until one is shown
 * (pm_line_shown), which counts the lines above the block then, once; the
 * first block's lines (after the header line, counted at once) are the
 * file's.  Either way they compare in file order. */
Test(source, byte_range_lines_counted_when_shown)
{
    pm_buf u = PM_BUF_INIT;
    pm_buf_adds(&u, "id,name\n");
    for (int i = 0; i < 100; i++) pm_buf_addf(&u, "r%03d,x\n", i); /* line i + 2, bytes 8 + 7i */
    const char *path = write_bytes("lazy.csv", u.s, u.len);
    long long cut = 8 + 7 * 40 + 3; /* in line 42: block 2 starts at line 43, r041 */
    pm_read_opts o = AUTO;
    o.byte_range = 1;
    for (int block = 0; block < 2; block++) {
        o.range_start = block ? cut : 0;
        o.range_end = block ? (long long)u.len : cut;
        pm_error err;
        pm_reader *rd = pm_reader_open(path, &o, &err);
        cr_assert_not_null(rd, "open: %s", err.msg);
        pm_record rec;
        pm_record_init(&rec);
        long prev = 0, k = block ? 41 : 0;
        while (pm_reader_next(rd, &rec, &err) == PM_READ_OK) {
            char id[8];
            snprintf(id, sizeof id, "r%03ld", k);
            cr_expect_str_eq(pm_record_value(&rec, "id"), id);
            if (block)
                cr_expect_geq(rec.line, PM_LINE_LAZY, "%s: line %ld, counted before shown", id, rec.line);
            else
                cr_expect_lt(rec.line, PM_LINE_LAZY, "%s: line %ld", id, rec.line);
            cr_expect_gt(rec.line, prev, "%s: lines in file order", id);
            cr_expect_eq(pm_line_shown(rec.line), k + 2, "%s: shown as line %ld", id, pm_line_shown(rec.line));
            prev = rec.line;
            k++;
        }
        cr_expect_eq(k, block ? 100 : 41);
        pm_record_free(&rec);
        pm_reader_close(rd);
    }
    pm_buf_free(&u);
}
