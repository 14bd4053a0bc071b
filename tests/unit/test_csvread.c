/* test_csvread.c - the CSV reader: header, quoting, CR/LF, bad records with their lines and raw
 * text, text after a closing quote, the bound on an unclosed quote, blocks,
 * duplicate header names. */
#include "stream_test.h"

TestSuite(csv_reader, .init = mk_tmp, .fini = rm_tmp);

Test(csv_reader, header_names_the_fields)
{
    result r = read_str("id,kind,unit\nT1,repair,12-3-1502\nT2,noise,1-1-101\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|kind=repair|unit=12-3-1502");
    expect_ok(r, 1, "id=T2|kind=noise|unit=1-1-101");
    cr_assert_eq(r.final, PM_READ_EOF);
    cr_assert_eq(r.line[0], 2);
    cr_assert_eq(r.line[1], 3);
}

Test(csv_reader, header_is_available_after_first_next)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("h.csv", " id , 名称\nx,y\n"), &CSV, &err);
    cr_assert_not_null(rd);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    size_t n;
    const char *const *h = pm_reader_header(rd, &n);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(h[0], "id", "header names are trimmed");
    cr_assert_str_eq(h[1], "名称");
    cr_assert_str_eq(pm_reader_name(rd), tpath("h.csv"));
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(csv_reader, quoted_fields_and_doubled_quotes)
{
    result r = read_str("a,b,c\n\"x\",\"say \"\"hi\"\"\",\"\"\n", &CSV);
    expect_ok(r, 0, "a=x|b=say \"hi\"|c=");
}

Test(csv_reader, embedded_delimiter_and_newline_kept)
{
    result r = read_str("a,b\n\"1,5\",\"line1\nline2\"\n\"crlf\r\nin\",z\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1,5|b=line1\nline2");
    expect_ok(r, 1, "a=crlf\r\nin|b=z");
}

Test(csv_reader, fold_newlines_turns_line_breaks_into_spaces)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .fold_newlines = 1};
    result r = read_str("a,b\n\"1,5\",\"line1\nline2\"\n\"crlf\r\nin\",\"cr\ronly\"\nplain,row\n", &o);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1,5|b=line1 line2");
    expect_ok(r, 1, "a=crlf in|b=cr only");
    expect_ok(r, 2, "a=plain|b=row");
}

/* BUG: csv_next (lib/reader.c) looks for a CR that asks for folding in
 * memchr(s, '\r', seg - 2), assuming every segment ends in "\n" or "\r\n";
 * the last line of a file without a final newline has neither, so a CR in
 * its last two bytes ('1,"x\r"') stays in the value and pm-ingest writes a
 * line break (docs/CONTRACT.md section 1: one record per line).  Fix: exclude only
 * the line end actually present (nl ? 1 or 2 bytes : 0). */
Test(csv_reader, fold_newlines_on_last_line_without_newline)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .fold_newlines = 1};
    result r = read_str("a,b\n1,\"x\r\"", &o);
    expect_ok(r, 0, "a=1|b=x ");
    r = read_str("a\n\"\r\"", &o);
    expect_ok(r, 0, "a= ");
}

Test(csv_reader, crlf_and_bom_are_invisible)
{
    result r = read_str("\xef\xbb\xbfid,name\r\nT1,张三\r\nT2,李四\r\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "id=T1|name=张三");
    expect_ok(r, 1, "id=T2|name=李四");
    cr_assert_eq(r.line[1], 3);
}

Test(csv_reader, bom_with_explicit_csv_and_utf8)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "UTF-8"};
    result r = read_str("\xef\xbb\xbfid\nA\n", &o);
    expect_ok(r, 0, "id=A");
}

Test(csv_reader, blank_lines_are_skipped)
{
    result r = read_str("\na,b\n\n1,2\n\r\n\n3,4\n\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1|b=2");
    expect_ok(r, 1, "a=3|b=4");
    cr_assert_eq(r.line[0], 4);
    cr_assert_eq(r.line[1], 7);
}

Test(csv_reader, spaces_around_values_are_preserved)
{
    result r = read_str("a,b,c\n  a  , b,\t\n", &CSV);
    expect_ok(r, 0, "a=  a  |b= b|c=\t");
}

/* BUG: csv_pop (lib/reader.c) sets qhead = 0 when the queue empties even
 * while a record is half built (rd->building points at q[old qhead+qlen]);
 * csv_cb_row then files the finished row under q[qhead+qlen] = q[0], an
 * empty slot.  It happens when one line segment ends rows (at a CR) and
 * starts another: CR-only line ends (old Mac Excel "CSV (Macintosh)"), or a
 * stray CR in an unquoted last line.  The reader returns an empty record
 * (source NULL, line 0) and loses the real one; in a big CR-only file, one
 * record at every 256 KiB chunk.  Fix: in csv_pop, reset qhead only when
 * !rd->building. */
Test(csv_reader, cr_only_line_ends)
{
    result r = read_str("a,b\r1,2\r3,4\r5,6", &AUTO);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "a=1|b=2");
    expect_ok(r, 1, "a=3|b=4");
    expect_ok(r, 2, "a=5|b=6");
}

/* BUG: csv_next (lib/reader.c) counts lines only at '\n', so in a file with
 * CR line ends every record (and every error) is reported at line 1.
 * Fix: count a CR that is not followed by LF, outside quotes, as a line end
 * too (or note the line of each row start from the CRs seen in the segment). */
Test(csv_reader, cr_only_line_numbers)
{
    result r = read_str("a,b\r1,2\r3\r4,5\r", &CSV);
    cr_assert_eq(r.n, 3);
    cr_expect_eq(r.line[0], 2);
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_eq(r.errline[1], 3, "the short row is on line 3, reported at %ld", r.errline[1]);
    cr_expect_eq(r.line[2], 4);
}

Test(csv_reader, stray_cr_in_unquoted_last_line)
{
    result r = read_str("a,b\n1,x\ry,2", &CSV);
    cr_assert_eq(r.n, 2);
    expect_ok(r, 0, "a=1|b=x");
    expect_ok(r, 1, "a=y|b=2");
}

Test(csv_reader, big_cr_only_file_loses_nothing)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "n,v\r");
    for (int i = 0; i < 30000; i++) pm_buf_addf(&b, "%d,vvvvvvvvvvvvvvvvvvvv\r", i);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("mac.csv", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    char want[16];
    while ((st = pm_reader_next(rd, &rec, &err)) != PM_READ_EOF) {
        snprintf(want, sizeof want, "%d", i);
        cr_assert_eq(st, PM_READ_OK, "record %d: %s", i, err.msg);
        cr_assert_str_eq(pm_record_value(&rec, "n"), want);
        i++;
    }
    cr_assert_eq(i, 30000);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

Test(csv_reader, last_line_without_newline)
{
    result r = read_str("a,b\n1,2", &CSV);
    cr_assert_eq(r.n, 1);
    expect_ok(r, 0, "a=1|b=2");
}

Test(csv_reader, empty_fields_are_empty_values)
{
    result r = read_str("a,b,c\n,,\n", &CSV);
    expect_ok(r, 0, "a=|b=|c=");
}

Test(csv_reader, short_row_is_bad_and_padded)
{
    result r = read_str("a,b,c\n1,2\n4,5,6\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=1|b=2|c=", "2 fields where the header has 3");
    cr_assert_eq(r.errline[0], 2);
    cr_assert_eq(r.line[0], 2);
    expect_ok(r, 1, "a=4|b=5|c=6");
}

Test(csv_reader, long_row_is_bad_and_keeps_extra_fields)
{
    result r = read_str("a,b\n1,2,3\n4,5\n", &CSV);
    cr_assert_eq(r.n, 2);
    expect_bad(r, 0, "a=1|b=2|_3=3", "3 fields where the header has 2");
    cr_assert_eq(r.errline[0], 2);
    expect_ok(r, 1, "a=4|b=5");
}

/* Plain lines (no quote) are split where the reader finds the delimiters
 * a word and a 64-byte block at a time: for every width here and values of
 * every length up to 23 bytes, each record holds exactly the values of its
 * line, wherever a delimiter falls in its word or block, and a row of one
 * field more or fewer is a bad record as libcsv's path makes it. */
Test(csv_reader, plain_lines_split_wherever_the_delimiters_fall)
{
    for (int w = 1; w <= 40; w++) {
        pm_buf in = PM_BUF_INIT, want[40];
        for (int j = 0; j < w; j++) pm_buf_addf(&in, "%sc%d", j ? "," : "", j);
        pm_buf_addc(&in, '\n');
        for (int row = 0; row < 40; row++) {
            pm_buf_init(&want[row]);
            for (int j = 0; j < w; j++) {
                int len = (row + 7 * j) % 24 + (w == 1); /* 0 to 23 bytes (a lone one: not a blank line) */
                if (j) pm_buf_addc(&in, ',');
                pm_buf_addf(&want[row], "%sc%d=", j ? "|" : "", j);
                for (int k = 0; k < len; k++) {
                    char c = (char)('a' + (row + j + k) % 26);
                    pm_buf_addc(&in, c);
                    pm_buf_addc(&want[row], c);
                }
            }
            pm_buf_addc(&in, '\n');
        }
        /* one field more, one fewer (none fewer than one) */
        for (int j = 0; j <= w; j++) pm_buf_adds(&in, j ? ",x" : "x");
        pm_buf_addc(&in, '\n');
        if (w > 1) {
            for (int j = 0; j < w - 1; j++) pm_buf_adds(&in, j ? ",y" : "y");
            pm_buf_addc(&in, '\n');
        }
        result r = read_str(in.s, &CSV);
        cr_assert_eq(r.n, 40 + 1 + (w > 1), "width %d", w);
        for (int row = 0; row < 40; row++) {
            expect_ok(r, row, want[row].s);
            pm_buf_free(&want[row]);
        }
        cr_expect_eq(r.st[40], PM_READ_BAD, "width %d: a field more", w);
        cr_expect(strstr(r.msg[40], "where the header has"), "%s", r.msg[40]);
        if (w > 1) cr_expect_eq(r.st[41], PM_READ_BAD, "width %d: a field fewer", w);
        pm_buf_free(&in);
    }
}

/* The reader looks for a CR, NUL, quote or non-ASCII byte on a line only
 * when one pass over its bytes (16 at a time) saw one: wherever such a byte
 * stands in a line of up to 40 bytes (lengths about the 16-byte steps), it
 * has its effect, a CR ending the
 * line, a NUL or an invalid byte making the record bad, quotes keeping a
 * delimiter in the value. */
Test(csv_reader, special_bytes_found_anywhere_in_a_line)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "utf-8"};
    /* lengths about the 16-byte steps (fewer reads: the helpers keep 8192
     * dumps of records) */
    for (int len = 1; len <= 40; len += len < 20 || (len >= 30 && len < 34) ? 1 : 10 - len % 10)
        for (int at = 0; at < len; at++) {
            char line[48];
            memset(line, 'v', (size_t)len);
            /* a,b: "vv..x..vv,tail" with x a NUL, an invalid byte, a CR */
            static const char put[] = {0, '\xff', '\r'};
            for (int k = 0; k < 3 - (at == 0); k++) { /* a CR first: a blank line */
                pm_buf in = PM_BUF_INIT;
                pm_buf_adds(&in, "a,b\n");
                line[at] = put[k];
                pm_buf_add(&in, line, (size_t)len);
                pm_buf_adds(&in, ",t\nok,1\n");
                result r = read_bytes(in.s, in.len, &o);
                if (put[k] == '\r') { /* two lines, neither of two fields */
                    cr_expect_eq(r.n, 3, "CR at %d of %d: %d records", at, len, r.n);
                    cr_expect_eq(r.st[0], PM_READ_BAD, "CR at %d of %d", at, len);
                } else {
                    cr_expect_eq(r.n, 2, "0x%02x at %d of %d", (unsigned char)put[k], at, len);
                    cr_expect_eq(r.st[0], PM_READ_BAD, "0x%02x at %d of %d", (unsigned char)put[k], at, len);
                }
                expect_ok(r, r.n - 1, "a=ok|b=1");
                pm_buf_free(&in);
                line[at] = 'v';
            }
            /* quotes around a value holding the delimiter, after at bytes */
            if (at + 3 <= len) {
                pm_buf in = PM_BUF_INIT, want = PM_BUF_INIT;
                pm_buf_adds(&in, "a,b,c\n");
                pm_buf_add(&in, line, (size_t)at);
                pm_buf_adds(&in, ",\"x,y\",t\n");
                pm_buf_adds(&want, "a=");
                pm_buf_add(&want, line, (size_t)at);
                pm_buf_adds(&want, "|b=x,y|c=t");
                result r = read_str(in.s, &CSV);
                expect_ok(r, 0, want.s);
                pm_buf_free(&in);
                pm_buf_free(&want);
            }
        }
}

/* Issue 12: the quote that is never closed takes only its own line; the
 * lines after it are read again as records. */
Test(csv_reader, unterminated_quote_at_eof_is_bad_with_its_line)
{
    result r = read_str("a,b\n1,2\n3,\"never closed\n4,5\n6,7\n", &CSV);
    cr_assert_eq(r.n, 4);
    expect_ok(r, 0, "a=1|b=2");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[1], "unterminated"), "%s", r.msg[1]);
    cr_assert_eq(r.errline[1], 3, "the record starting line");
    cr_assert_str_eq(r.raw[1], "3,\"never closed");
    expect_ok(r, 2, "a=4|b=5");
    cr_assert_eq(r.line[2], 4);
    expect_ok(r, 3, "a=6|b=7");
    cr_assert_eq(r.final, PM_READ_EOF);
}

/* Under a header out of step with the rows (a title line of one cell), a
 * row with a quoted line break as wide as the row before it is one record
 * (bad only for its width, which pm-ingest forgives once it finds the real
 * header), not a stray quote whose lines are read again. */
Test(csv_reader, quoted_break_as_wide_as_the_row_before_is_one_record)
{
    result r = read_str("title\nid,note\n1,\"two\nlines\"\n2,x\n", &CSV);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_str_eq(r.msg[1], "2 fields where the header has 1");
    cr_assert_eq(r.errline[1], 3, "the record starting line");
    cr_assert_str_eq(r.raw[1], "1,\"two\nlines\"");
    cr_assert_eq(r.line[2], 5);
    cr_assert_eq(r.final, PM_READ_EOF);
}

/* A row wider than both the header and the row before it is still taken
 * for a stray quote. */
Test(csv_reader, quoted_break_wider_than_the_row_before_is_a_stray_quote)
{
    result r = read_str("title\nid,note\n1,\"open\n2,x\n3,y\n", &CSV);
    cr_assert_eq(r.n, 4);
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[1], "unterminated"), "%s", r.msg[1]);
    cr_assert_str_eq(r.raw[1], "1,\"open");
    cr_assert_eq(r.line[2], 4);
    cr_assert_eq(r.line[3], 5);
}

Test(csv_reader, nul_byte_makes_record_bad)
{
    static const char in[] = "a,b\nx\0y,2\n3,4\n";
    result r = read_bytes(in, sizeof in - 1, &CSV);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[0], "NUL"), "%s", r.msg[0]);
    cr_assert_eq(r.errline[0], 2);
    expect_ok(r, 1, "a=3|b=4");
}

Test(csv_reader, invalid_utf8_makes_record_bad)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "utf-8"};
    result r = read_str("a,b\nok,\xff\xfe\n\xe4\xb8,x\n\xe4\xb8\xad,\xed\xa0\x80\n\xe4\xb8\xad,ok\n", &o);
    cr_assert_eq(r.n, 4);
    cr_expect_eq(r.st[0], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[0], "UTF-8"), "%s", r.msg[0]);
    cr_expect_eq(r.st[1], PM_READ_BAD, "a truncated sequence");
    cr_expect_eq(r.st[2], PM_READ_BAD, "an encoded surrogate");
    expect_ok(r, 3, "a=中|b=ok");
}

Test(csv_reader, field_over_max_field_is_bad)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .max_field = 10};
    result r = read_str("a,b\n0123456789,x\n0123456789A,y\n\"01234\n6789AB\",z\n\"0123456789ABCDEF\nG\",w\nok,v\n", &o);
    cr_assert_eq(r.n, 5);
    expect_ok(r, 0, "a=0123456789|b=x");
    cr_expect_eq(r.st[1], PM_READ_BAD);
    cr_expect_not_null(strstr(r.msg[1], "limit of 10 bytes"), "%s", r.msg[1]);
    cr_expect_eq(r.errline[1], 3);
    cr_expect_eq(r.st[2], PM_READ_BAD, "a multi-line field over the limit");
    cr_expect_eq(r.st[3], PM_READ_BAD, "a field over the limit within its first line");
    cr_expect_eq(r.errline[3], 6);
    expect_ok(r, 4, "a=ok|b=v");
    cr_expect_eq(r.line[4], 8);
}

Test(csv_reader, record_lines_count_multiline_fields)
{
    result r = read_str("a,b\n1,\"x\ny\nz\"\n2,\"\"\"q\"\"\n\"\n3,3\n", &CSV);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.line[0], 2);
    cr_assert_eq(r.line[1], 5);
    cr_assert_eq(r.line[2], 7);
    expect_ok(r, 1, "a=2|b=\"q\"\n");
}

Test(csv_reader, custom_delimiter)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .delimiter = ';'};
    result r = read_str("a;b\n1,5;\"x;y\"\n", &o);
    expect_ok(r, 0, "a=1,5|b=x;y");
    pm_read_opts a = {.format = PM_FMT_AUTO, .delimiter = ';'};
    r = read_str("工单号;内容\nT1;噪音, 很吵\n", &a);
    expect_ok(r, 0, "工单号=T1|内容=噪音, 很吵");
}

Test(csv_reader, tsv_is_read_with_tabs)
{
    result r = read_str("id\tname\tnote\nT1\t张三\ta,b\n", &AUTO);
    cr_assert_eq(r.format, PM_FMT_TSV);
    expect_ok(r, 0, "id=T1|name=张三|note=a,b");
    pm_read_opts t = {.format = PM_FMT_TSV};
    r = read_str("x\ty\n1\t2\n", &t);
    expect_ok(r, 0, "x=1|y=2");
}

Test(csv_reader, header_only_gives_eof)
{
    result r = read_str("a,b,c\n", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("a,b,c", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(csv_reader, empty_input_gives_eof)
{
    result r = read_str("", &AUTO);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("", &CSV);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("\n\n\r\n", &CSV);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
    r = read_str("\xef\xbb\xbf", &AUTO);
    cr_assert_eq(r.n, 0);
    cr_assert_eq(r.final, PM_READ_EOF);
}

Test(csv_reader, eof_is_sticky)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("s.csv", "a\n1\n"), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

Test(csv_reader, missing_file_fails_to_open_with_its_name)
{
    pm_error err;
    pm_error_clear(&err);
    pm_reader *rd = pm_reader_open(tpath("nope.csv"), NULL, &err);
    cr_assert_null(rd);
    cr_assert_str_eq(err.file, tpath("nope.csv"));
    cr_assert_not_null(strstr(err.msg, "cannot open"), "%s", err.msg);
}

Test(csv_reader, record_memory_survives_until_next_call)
{
    /* Header names live in the reader; values in the record. */
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("m.csv", "k,v\n1,one\n2,two\n3,three\n"), &CSV, &err);
    pm_record a, b;
    pm_record_init(&a);
    pm_record_init(&b);
    cr_assert_eq(pm_reader_next(rd, &a, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &b, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&a, "v"), "one");
    cr_assert_str_eq(pm_record_value(&b, "v"), "two");
    cr_assert_eq(pm_reader_next(rd, &a, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&a, "v"), "three");
    cr_assert_str_eq(pm_record_value(&b, "v"), "two");
    pm_record_free(&a);
    pm_record_free(&b);
    pm_reader_close(rd);
}

Test(csv_reader, many_records_in_one_stream)
{
    pm_buf in = PM_BUF_INIT;
    pm_buf_adds(&in, "n,sq\n");
    for (int i = 0; i < 50000; i++) pm_buf_addf(&in, "%d,%d\n", i, (int)((long long)i * i % 1000));
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("many.csv", in.s, in.len), NULL, &err);
    pm_record rec;
    pm_record_init(&rec);
    int i = 0, st;
    char want[32];
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        snprintf(want, sizeof want, "%d", i);
        cr_assert_str_eq(pm_record_value(&rec, "n"), want);
        cr_assert_eq(rec.line, i + 2);
        i++;
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_eq(i, 50000);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&in);
}

Test(csv_reader, record_spanning_the_read_chunk)
{
    /* A quoted multi-line field that crosses byte 256 KiB, then more rows. */
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,text\n");
    int n = 0;
    while (b.len < CHUNK_SIZE - 1000) pm_buf_addf(&b, "%d,filler row\n", n++);
    pm_buf big = PM_BUF_INIT;
    for (int i = 0; i < 300; i++) pm_buf_addf(&big, "line %d \"quoted\", comma\n", i);
    pm_buf_addf(&b, "%d,\"", n);
    for (size_t i = 0; i < big.len; i++) {
        if (big.s[i] == '"') pm_buf_addc(&b, '"');
        pm_buf_addc(&b, big.s[i]);
    }
    pm_buf_adds(&b, "\"\nlast,row\n");
    cr_assert_gt(b.len, CHUNK_SIZE);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("span.csv", b.s, b.len), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    for (int i = 0; i < n; i++) cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "%s", err.msg);
    cr_assert_eq(rec.line, n + 2);
    cr_assert_str_eq(pm_record_value(&rec, "text"), big.s);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_str_eq(pm_record_value(&rec, "id"), "last");
    cr_assert_eq(rec.line, n + 2 + 300 + 1);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
    pm_buf_free(&big);
}

/* A stray quote whose lines are read again, where the line that closes it
 * runs over the 256 KiB read: its first part (the closing quote in it) must
 * be read again with the rest, not lost (found with GB18030 tickets by
 * test_nothing_lost.sh: the record vanished and the counts still added up). */
Test(csv_reader, stray_quote_closed_by_a_line_spanning_the_read_chunk)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,a,b,c\n");
    int n = 0;
    while (b.len < CHUNK_SIZE - 10000) {
        pm_buf_addf(&b, "%d,p,q,", n++);
        for (int i = 0; i < 6000; i++) pm_buf_addc(&b, 'r');
        pm_buf_addc(&b, '\n');
    }
    pm_buf_adds(&b, "BAD,\"open,x,y\n");
    /* a row padded so that the read ends 2 bytes after the quote below */
    const char *closing = "T7,y,z,\"lamp, down \"\"said\"\" none\"\n";
    size_t pad = CHUNK_SIZE - b.len - strlen("6,p,q,\n") - strlen("T7,y,z,\"") - 2;
    pm_buf_adds(&b, "6,p,q,");
    for (size_t i = 0; i < pad; i++) pm_buf_addc(&b, 'r');
    pm_buf_addc(&b, '\n');
    cr_assert_eq(b.len + strlen("T7,y,z,\"la"), CHUNK_SIZE);
    pm_buf_adds(&b, closing);
    pm_buf_adds(&b, "8,s,t,u\n");
    cr_assert_lt(n + 4, MAXREC);
    result r = read_bytes(b.s, b.len, &CSV);
    cr_assert_eq(r.n, n + 4, "%d records", r.n);
    cr_assert_eq(r.st[n], PM_READ_BAD);
    cr_assert_not_null(strstr(r.msg[n], "unterminated"), "%s", r.msg[n]);
    cr_assert_str_eq(r.raw[n], "BAD,\"open,x,y");
    cr_assert_eq(r.st[n + 1], PM_READ_OK, "%s", r.msg[n + 1]);
    cr_assert_eq(r.line[n + 1], n + 3);
    cr_assert_eq(r.st[n + 2], PM_READ_OK, "%s", r.msg[n + 2]);
    expect_ok(r, n + 2, "id=T7|a=y|b=z|c=lamp, down \"said\" none");
    cr_assert_eq(r.line[n + 2], n + 4);
    expect_ok(r, n + 3, "id=8|a=s|b=t|c=u");
    cr_assert_eq(r.final, PM_READ_EOF);
    pm_buf_free(&b);
}

Test(csv_reader, unquoted_line_spanning_the_read_chunk)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "a,b\n");
    while (b.len < CHUNK_SIZE - 10) pm_buf_adds(&b, "x,y\n");
    pm_buf_adds(&b, "0123456789abcdefghij,");
    for (int i = 0; i < 100; i++) pm_buf_adds(&b, "长");
    pm_buf_adds(&b, "\nend,end\n");
    pm_error err;
    pm_reader *rd = pm_reader_open(write_bytes("span2.csv", b.s, b.len), &AUTO, &err);
    pm_record rec;
    pm_record_init(&rec);
    int st;
    const char *last_a = NULL;
    char keep[64] = "";
    int n = 0;
    while ((st = pm_reader_next(rd, &rec, &err)) == PM_READ_OK) {
        n++;
        last_a = pm_record_value(&rec, "a");
        if (!strcmp(last_a, "0123456789abcdefghij")) {
            snprintf(keep, sizeof keep, "%s", last_a);
            cr_assert_eq(pm_record_value(&rec, "b")[0], "长"[0]);
            cr_assert_eq(strlen(pm_record_value(&rec, "b")), 300);
        }
    }
    cr_assert_eq(st, PM_READ_EOF, "%s", err.msg);
    cr_assert_str_eq(keep, "0123456789abcdefghij");
    cr_assert_str_eq(last_a, "end");
    pm_record_free(&rec);
    pm_reader_close(rd);
    pm_buf_free(&b);
}

/* Text after a closing quote is kept and the field goes on, unquoted, to the
 * delimiter (Python's csv reads it so); libcsv alone kept the field open to
 * the next quote, so the rows after it vanished. */
Test(csv_reader, text_after_closing_quote_is_kept_with_a_warning)
{
    result r = read_str("id,kind,x\nG1,\"complaint\" ,noise\nG2,\"a\"b\"c\",y\nG3,\"q\"\"\"  \"z\",w\nG4,ok,1\n", &CSV);
    cr_assert_eq(r.n, 4, "final: %s", r.final_msg);
    expect_ok(r, 0, "id=G1|kind=complaint |x=noise");
    expect_ok(r, 1, "id=G2|kind=ab\"c\"|x=y");
    expect_ok(r, 2, "id=G3|kind=q\"  \"z\"|x=w");
    expect_ok(r, 3, "id=G4|kind=ok|x=1");
    cr_assert_eq(r.nwarn, 3);
    cr_assert_not_null(strstr(r.warn[0], "2: warning: text after a closing quote"), "%s", r.warn[0]);
    cr_assert_not_null(strstr(r.warn[2], "4: "), "%s", r.warn[2]);
}

Test(csv_reader, text_after_closing_quote_at_the_end_of_the_input)
{
    result r = read_str("a,b\n\"x\"y,\"p\" q", &CSV);
    cr_assert_eq(r.n, 1);
    expect_ok(r, 0, "a=xy|b=p q");
}

Test(csv_reader, warnings_are_capped_with_one_summary)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "a,b\n");
    for (int i = 0; i < 25; i++) pm_buf_addf(&b, "\"v%d\"x,%d\n", i, i);
    result r = read_str(pm_buf_str(&b), &CSV);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 25);
    cr_assert_eq(r.nwarn, 11);
    cr_assert_not_null(strstr(r.warn[10], "15 more warnings not shown (25 in all)"), "%s", r.warn[10]);
}

/* An unclosed quote swallows at most its line and 1,000 more: the record is
 * bad (its raw text is its first line), and every line after it is read. */
Test(csv_reader, unclosed_quote_swallows_a_bounded_number_of_lines)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,v\nA,1\nB,\"open ,here\n");
    for (int i = 0; i < 1500; i++) pm_buf_addf(&b, "r%d,%d\n", i, i);
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("q.csv", pm_buf_str(&b)), &CSV, &err);
    pm_buf_free(&b);
    pm_record rec;
    pm_record_init(&rec);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(err.line, 3);
    cr_assert_not_null(strstr(err.msg, "unterminated"), "%s", err.msg);
    size_t len;
    cr_assert_str_eq(pm_reader_raw(rd, &len), "B,\"open ,here");
    for (int i = 0; i < 1500; i++) {
        cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK, "row %d: %s", i, err.msg);
        char want[32];
        snprintf(want, sizeof want, "r%d", i);
        cr_assert_str_eq(pm_record_get(&rec, "id"), want);
        cr_assert_eq(rec.line, 4 + i);
        cr_assert_eq(pm_reader_raw(rd, &len)[0], 0, "no raw text for a good record");
    }
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* Within the bound a quoted field may span lines as always. */
Test(csv_reader, quoted_field_over_many_lines_within_the_bound)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "id,v\nA,\"");
    for (int i = 0; i < 900; i++) pm_buf_addf(&b, "l%d\n", i);
    pm_buf_adds(&b, "end\"\nB,2\n");
    result r = read_str(pm_buf_str(&b), &CSV);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 2, "%s", r.msg[0]);
    cr_assert_eq(r.st[0], PM_READ_OK);
    expect_ok(r, 1, "id=B|v=2");
    cr_assert_eq(r.line[1], 903);
}

Test(csv_reader, raw_text_of_bad_records_is_escaped_utf8)
{
    pm_read_opts o = {.format = PM_FMT_CSV, .encoding = "UTF-8"};
    const char in[] = "a,b\n1,caf\xe9 \\x\r\n2,n\0l\n3,4,5\n";
    result r = read_bytes(in, sizeof in - 1, &o);
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.st[0], PM_READ_BAD);
    cr_assert_str_eq(r.raw[0], "1,caf\\xE9 \\x");
    cr_assert_str_eq(r.raw[1], "2,n\\x00l");
    cr_assert_str_eq(r.raw[2], "3,4,5");
}

/* A blank line then a line that shares a name with the header in force:
 * a new block (pm's writers write them so), read with its own header. */
Test(csv_reader, blank_line_then_header_starts_a_new_block)
{
    result r = read_str("id,a\n1,x\n\nid,b,c\n2,y,z\n", &CSV);
    cr_assert_eq(r.n, 2, "%s", r.msg[0]);
    expect_ok(r, 0, "id=1|a=x");
    expect_ok(r, 1, "id=2|b=y|c=z");
    cr_assert_eq(r.line[1], 5);
    cr_assert_eq(r.nwarn, 0);
}

/* A stray blank line in foreign data: the next row is data, with a warning. */
Test(csv_reader, stray_blank_line_keeps_the_next_row_as_data)
{
    result r = read_str("id,a\n1,x\n\n2,y\n\n3,\n\nid,x\n", &CSV);
    cr_assert_eq(r.n, 3);
    expect_ok(r, 0, "id=1|a=x");
    expect_ok(r, 1, "id=2|a=y");
    expect_ok(r, 2, "id=3|a=");
    cr_assert_eq(r.nwarn, 2);
    cr_assert_not_null(strstr(r.warn[0], "3: warning: a blank line"), "%s", r.warn[0]);
}

Test(csv_reader, duplicate_header_name_is_fatal_then_rows_are_bad)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("dup.csv", "x,a,b,a\n1,2,3,4\n5,6,7,8\n"), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    size_t len;
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_FATAL);
    cr_assert_eq(err.line, 1);
    cr_assert_not_null(strstr(err.msg, "'a' appears twice (columns 2 and 4)"), "%s", err.msg);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "1,2,3,4");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "5,6,7,8");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* A header with a NUL byte: one FATAL, and its rows are bad, not lost. */
Test(csv_reader, rows_under_an_unusable_header_are_bad_not_lost)
{
    pm_error err;
    const char in[] = "a,b\0c\n1,2\n3,4\n";
    pm_reader *rd = pm_reader_open(write_bytes("nul.csv", in, sizeof in - 1), &CSV, &err);
    pm_record rec;
    pm_record_init(&rec);
    size_t len;
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_FATAL);
    cr_assert_not_null(strstr(err.msg, "NUL"), "%s", err.msg);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "a,b\\x00c");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_BAD);
    cr_assert_str_eq(pm_reader_raw(rd, &len), "3,4");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_EOF);
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* libcsv keeps a whole field: a field past --max-field on a line longer than
 * the 1 MiB fed at once ends its record there (bad, raw text kept up to
 * 1 MiB), the rest of its line is skipped, memory stays bounded. */
Test(csv_reader, field_far_past_max_field_is_cut_and_the_next_line_read)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_adds(&b, "a,b\n1,x\n2,");
    for (int i = 0; i < 6 << 20; i++) pm_buf_addc(&b, i % 7 == 0 ? '"' : 'y');
    pm_buf_adds(&b, "\n3,z\n");
    pm_read_opts o = {.format = PM_FMT_CSV, .max_field = 1000};
    result r = read_str(pm_buf_str(&b), &o);
    pm_buf_free(&b);
    cr_assert_eq(r.n, 3, "%s", r.final_msg);
    expect_ok(r, 0, "a=1|b=x");
    cr_assert_eq(r.st[1], PM_READ_BAD);
    cr_assert_eq(r.errline[1], 3);
    cr_assert_not_null(strstr(r.msg[1], "--max-field"), "%s", r.msg[1]);
    cr_assert_eq(strncmp(r.raw[1], "2,\"yyyyyy\"", 10), 0);
    expect_ok(r, 2, "a=3|b=z");
    cr_assert_eq(r.line[2], 4);
}

Test(csv_reader, a_plain_row_says_which_header_named_it)
{
    pm_error err;
    pm_reader *rd = pm_reader_open(write_str("n.csv", "id,a\n1,x\n2,\"q\"\n3,y\n"), &CSV, &err);
    cr_assert_not_null(rd);
    pm_record rec;
    pm_record_init(&rec);
    size_t n;
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    const char *const *h = pm_reader_header(rd, &n);
    cr_expect_eq(rec.named_by, h, "a line without quotes is named by the header in force");
    cr_expect_eq(rec.f[1].name, h[1]);
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_expect_null(rec.named_by, "a quoted line (libcsv's) is not stamped");
    cr_assert_eq(pm_reader_next(rd, &rec, &err), PM_READ_OK);
    cr_expect_eq(rec.named_by, h);
    pm_record_clear(&rec);
    cr_expect_null(rec.named_by, "clearing the record clears the stamp");
    pm_record_free(&rec);
    pm_reader_close(rd);
}

/* Plain lines are split before the reader looks at anything else; a line
 * after any other kind (a record over lines, a CR line end, a quote, a
 * blank line and a new block, a row of the wrong width, a NUL) is read as
 * libcsv's path reads it, and every record keeps its values and its line. */
Test(csv_reader, plain_lines_between_every_other_kind_of_line)
{
    static const char in[] = "a,b\n"
                             "1,x\n"
                             "2,\"two\nlines\"\n"
                             "3,y\n"
                             "4,crlf\r\n"
                             "5,z\n"
                             "6,lone\r"
                             "7,w\n"
                             "8,x,extra\n"
                             "9,v\n"
                             "\n"
                             "a,c\n"
                             "10,u\n"
                             "11,n\0l\n"
                             "12,t\n";
    result r = read_bytes(in, sizeof in - 1, &CSV);
    cr_assert_eq(r.n, 12);
    static const char *const want[] = {"a=1|b=x", "a=2|b=two\nlines", "a=3|b=y", "a=4|b=crlf",
                                       "a=5|b=z", "a=6|b=lone",       "a=7|b=w", NULL,
                                       "a=9|b=v", "a=10|c=u",         NULL,      "a=12|c=t"};
    static const long lines[] = {2, 3, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16};
    int k = 0;
    for (int i = 0; i < r.n && k < 12; i++) {
        if (r.st[i] == PM_READ_FATAL) continue;
        if (want[k])
            expect_ok(r, i, want[k]);
        else
            cr_expect_eq(r.st[i], PM_READ_BAD, "record %d", i);
        cr_expect_eq(r.st[i] == PM_READ_BAD ? r.errline[i] : r.line[i], lines[k], "record %d: line %ld", i,
                     r.st[i] == PM_READ_BAD ? r.errline[i] : r.line[i]);
        k++;
    }
    cr_expect_eq(k, 12);
}
