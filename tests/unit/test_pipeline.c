/* test_pipeline.c - specification of lib/pipeline.h: the one record loop.
 * Counts always reconcile (read = passed + rejected + skipped), bad records
 * are never dropped, field slots follow the header in force, the exit status
 * follows the toolkit's rule, and outputs are committed only by a run that
 * did not fail.  Also lib/text.h, which the pipeline escapes with. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pipeline.h"
#include "text.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/pm-test-pipeline-XXXXXX");
    cr_assert_not_null(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
    cr_redirect_stderr();
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) {
        /* nothing to do: a leftover temporary folder */
    }
}

static char *path(const char *name)
{
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(path(name), "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) return NULL;
    pm_buf b = PM_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) pm_buf_add(&b, chunk, n);
    fclose(f);
    return pm_buf_detach(&b);
}

/* A program for the tests: keeps records whose kind is "ok", flags "bad",
 * skips "blank", rejects everything else, and fails on "fail".  It upper-
 * cases nothing and appends a field `seen` with the value of `n`. */
typedef struct prog {
    int kind, n, seen;
    int calls, bad_calls;
} prog;

static pm_verdict on_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    prog *g = ctx;
    g->calls++;
    size_t len;
    const char *kind = pm_pipe_get(p, rec, g->kind, &len);
    const char *n = pm_pipe_get(p, rec, g->n, NULL);
    pm_pipe_set(p, rec, g->seen, n, strlen(n));
    if (strcmp(kind, "ok") == 0) return PM_PASS;
    if (strcmp(kind, "bad") == 0) return PM_PASS_FLAGGED;
    if (strcmp(kind, "blank") == 0) return PM_SKIP;
    if (strcmp(kind, "fail") == 0) return PM_FAIL;
    pm_pipe_reason(p, "kind: '%s' is not known", kind);
    return PM_REJECT;
}

static pm_pipe *open_pipe(prog *g, pm_common *c, const char *in, const pm_pipe_spec *extra)
{
    static char *paths[1];
    pm_error err;
    paths[0] = path(in);
    pm_pipe_spec spec = {.record = on_record, .ctx = g};
    if (extra) spec = *extra;
    spec.record = on_record;
    spec.ctx = g;
    pm_pipe *p = pm_pipe_open(c, paths, 1, &spec, &err);
    cr_assert_not_null(p, "pm_pipe_open: %s", err.msg);
    g->kind = pm_pipe_field(p, "kind");
    g->n = pm_pipe_field(p, "n");
    g->seen = pm_pipe_field(p, "seen");
    return p;
}

TestSuite(pipeline, .init = setup, .fini = teardown);

Test(pipeline, every_record_ends_in_exactly_one_count)
{
    put("in.csv", "id,kind,n\na,ok,1\nb,bad,2\nc,blank,3\nd,what,4\ne,ok,5\n");
    pm_common c = {0};
    c.output = path("out.csv");
    c.reject = path("rej.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    int st = pm_pipe_run(p);
    pm_pipe_counts n = pm_pipe_counts_get(p);
    cr_expect_eq(n.read, 5);
    cr_expect_eq(n.passed, 3);
    cr_expect_eq(n.rejected, 1);
    cr_expect_eq(n.skipped, 1);
    cr_expect_eq(n.flagged, 1);
    cr_expect_eq(n.written, 3);
    cr_expect_eq(n.read, n.passed + n.rejected + n.skipped);
    cr_expect_eq(st, PM_EXIT_FLAGGED, "a reject and a flag need a person: 1");
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_FLAGGED);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "id,kind,n,seen\na,ok,1,1\nb,bad,2,2\ne,ok,5,5\n");
    char *rej = slurp(path("rej.csv"));
    cr_expect(strncmp(rej, "id,kind,n,seen,_source,_error\nd,what,4,4,", 41) == 0, "reject: %s", rej);
    cr_expect(strstr(rej, "in.csv:5,kind: 'what' is not known\n") != NULL, "reject: %s", rej);
    free(out);
    free(rej);
}

Test(pipeline, nothing_to_flag_is_status_0)
{
    put("in.csv", "id,kind,n\na,ok,1\nc,blank,3\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    cr_expect_eq(pm_pipe_finish(p, pm_pipe_run(p)), PM_EXIT_OK);
}

Test(pipeline, a_failure_stops_and_commits_nothing)
{
    put("in.csv", "id,kind,n\na,ok,1\nb,fail,2\nc,ok,3\n");
    put("out.csv", "old\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    int st = pm_pipe_run(p);
    cr_expect_eq(st, PM_EXIT_ERROR);
    cr_expect_eq(g.calls, 2, "reading stops at the failure");
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_ERROR);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "old\n", "the output file is left as it was");
    free(out);
}

Test(pipeline, an_input_that_cannot_be_opened_is_status_2_and_the_rest_is_read)
{
    put("in.csv", "id,kind,n\na,ok,1\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    char *paths[2] = {path("missing.csv"), path("in.csv")};
    pm_pipe_spec spec = {.record = on_record, .ctx = &g};
    pm_error err;
    pm_pipe *p = pm_pipe_open(&c, paths, 2, &spec, &err);
    cr_assert_not_null(p);
    g.kind = pm_pipe_field(p, "kind");
    g.n = pm_pipe_field(p, "n");
    g.seen = pm_pipe_field(p, "seen");
    int st = pm_pipe_run(p);
    cr_expect_eq(pm_pipe_counts_get(p).passed, 1, "the readable input is still read");
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_ERROR);
    cr_expect_eq(access(path("out.csv"), F_OK), -1, "an incomplete result is not committed");
}

Test(pipeline, unreadable_records_are_rejected_with_their_text)
{
    /* a row longer than its header, and a value with a stray byte */
    put("in.csv", "id,kind,n\na,ok,1\nb,ok,2,surplus\nc,ok,\xff\x00x\n");
    pm_common c = {0};
    c.output = path("out.csv");
    c.reject = path("rej.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    int st = pm_pipe_run(p);
    pm_pipe_counts n = pm_pipe_counts_get(p);
    cr_expect_eq(n.read, n.passed + n.rejected + n.skipped);
    cr_expect_geq(n.rejected, 1);
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_FLAGGED);
    char *rej = slurp(path("rej.csv"));
    cr_assert_not_null(rej);
    cr_expect(strstr(rej, "_raw") != NULL, "rejects carry _raw: %s", rej);
    cr_expect(strstr(rej, "surplus") != NULL, "the surplus value is kept: %s", rej);
    cr_expect(pm_utf8_valid(rej, strlen(rej)), "the reject stream is valid UTF-8");
    free(rej);
}

Test(pipeline, slots_follow_the_keys_of_each_yaml_record)
{
    put("in.yaml", "--- {id: a, kind: ok, n: '1'}\n--- {n: '2', id: b, kind: ok}\n--- {id: c, kind: ok}\n");
    pm_common c = {0};
    c.output = path("out.yaml");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.yaml", NULL);
    cr_expect_eq(pm_pipe_finish(p, pm_pipe_run(p)), PM_EXIT_OK);
    char *out = slurp(path("out.yaml"));
    cr_expect_str_eq(out, "--- {id: a, kind: ok, \"n\": \"1\", seen: \"1\"}\n"
                          "--- {\"n\": \"2\", id: b, kind: ok, seen: \"2\"}\n"
                          "--- {id: c, kind: ok, seen: \"\"}\n");
    free(out);
}

Test(pipeline, set_replaces_a_field_in_place)
{
    put("in.csv", "seen,id,kind,n\nold,a,ok,7\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    cr_expect_eq(pm_pipe_finish(p, pm_pipe_run(p)), PM_EXIT_OK);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "seen,id,kind,n\n7,a,ok,7\n");
    free(out);
}

Test(pipeline, stats_line_has_one_format)
{
    put("in.csv", "id,kind,n\na,ok,1\nb,zzz,2\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    pm_pipe_run(p);
    pm_buf b = PM_BUF_INIT;
    pm_pipe_stats_line(p, &b);
    cr_expect_str_eq(pm_buf_str(&b), "read 2, passed 1, rejected 1, skipped 0, flagged 0, wrote 1");
    pm_buf_free(&b);
    pm_pipe_finish(p, 0);
}

Test(pipeline, messages_name_the_record)
{
    put("in.csv", "id,kind,n\nGD001,zzz,2\n");
    pm_common c = {0};
    c.output = path("out.csv");
    prog g = {0};
    pm_pipe *p = open_pipe(&g, &c, "in.csv", NULL);
    pm_pipe_finish(p, pm_pipe_run(p));
    fflush(stderr);
    char buf[512];
    FILE *e = cr_get_redirected_stderr();
    size_t k = fread(buf, 1, sizeof buf - 1, e);
    buf[k] = '\0';
    cr_expect(strstr(buf, "in.csv:2: rejected: kind: 'zzz' is not known (id=GD001)\n") != NULL, "%s", buf);
}

Test(text, utf8_escape_keeps_valid_text_and_escapes_the_rest)
{
    pm_buf b = PM_BUF_INIT;
    const char in[] = "a\xe7\x8e\x8b\xff"
                      "b\x00"
                      "c\xed\xa0\x80";
    pm_utf8_escape(&b, in, sizeof in - 1);
    cr_expect_str_eq(pm_buf_str(&b), "a\xe7\x8e\x8b\\xFFb\\x00c\\xED\\xA0\\x80");
    cr_expect(pm_utf8_valid(b.s, b.len));
    cr_expect(!pm_utf8_valid(in, sizeof in - 1));
    pm_buf_reset(&b);
    pm_text_printable(&b, "a\tb\x7f", 4);
    cr_expect_str_eq(pm_buf_str(&b), "a\\x09b\\x7F");
    pm_buf_free(&b);
}

Test(text, utf8_seq_refuses_overlong_forms_and_code_points_past_u10ffff)
{
    cr_expect_eq(pm_utf8_seq((const unsigned char *)"\xc0\x80", 2), 0);
    cr_expect_eq(pm_utf8_seq((const unsigned char *)"\xe0\x80\x80", 3), 0);
    cr_expect_eq(pm_utf8_seq((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
    cr_expect_eq(pm_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    cr_expect_eq(pm_utf8_seq((const unsigned char *)"\xe7\x8e", 2), 0, "cut short");
}

/* Per-input hooks, records that are not records, and records held back. */
typedef struct holder {
    pm_buf log;
    pm_record held[4];
    pm_buf held_raw[4];
    int held_bad[4];
    int nheld;
    int hold;       /* hold this many records of each input */
    int skip_after; /* pm_pipe_skip_input after this many records (0: never) */
    int seen;
} holder;

static void settle_held(pm_pipe *p, holder *h)
{
    for (int i = 0; i < h->nheld; i++) {
        pm_pipe_reason(p, "held and rejected");
        pm_pipe_settle(p, &h->held[i], h->held_bad[i] ? h->held_raw[i].s : NULL, h->held_raw[i].len,
                       i % 2 ? PM_REJECT : PM_PASS);
    }
    h->nheld = 0;
}

static pm_verdict hold_any(pm_pipe *p, pm_record *rec, int bad, holder *h)
{
    h->seen++;
    if (h->skip_after && h->seen >= h->skip_after) pm_pipe_skip_input(p);
    if (rec->n && strcmp(rec->f[0].value, "title") == 0) return PM_NOT_RECORD;
    if (h->nheld < h->hold) {
        pm_record_copy(&h->held[h->nheld], rec);
        pm_buf_reset(&h->held_raw[h->nheld]);
        size_t len = 0;
        const char *raw = pm_pipe_raw(p, &len);
        if (bad) pm_buf_add(&h->held_raw[h->nheld], raw, len);
        h->held_bad[h->nheld++] = bad;
        return PM_DEFER;
    }
    return PM_PASS;
}

static pm_verdict hold_record(pm_pipe *p, pm_record *rec, void *ctx)
{
    return hold_any(p, rec, 0, ctx);
}
static pm_verdict hold_bad(pm_pipe *p, pm_record *rec, const char *why, void *ctx)
{
    return hold_any(p, rec, 1, ctx);
}

static void hold_begin(pm_pipe *p, const pm_reader *rd, void *ctx)
{
    holder *h = ctx;
    const char *name = strrchr(pm_reader_name(rd), '/');
    pm_buf_addf(&h->log, "begin %s;", name + 1);
    h->seen = 0;
}

static void hold_end(pm_pipe *p, const pm_reader *rd, void *ctx)
{
    holder *h = ctx;
    const char *name = strrchr(pm_reader_name(rd), '/');
    size_t nh = 0;
    pm_reader_header(rd, &nh);
    pm_buf_addf(&h->log, "end %s seen %d header %zu;", name + 1, h->seen, nh);
    settle_held(p, h);
}

static pm_pipe *open_holder(holder *h, pm_common *c, char **paths, int npaths, unsigned flags)
{
    pm_pipe_spec spec = {.record = hold_record,
                         .bad = hold_bad,
                         .begin_input = hold_begin,
                         .end_input = hold_end,
                         .ctx = h,
                         .flags = flags};
    pm_error err;
    for (int i = 0; i < 4; i++) pm_record_init(&h->held[i]);
    pm_pipe *p = pm_pipe_open(c, paths, npaths, &spec, &err);
    cr_assert_not_null(p, "pm_pipe_open: %s", err.msg);
    return p;
}

static void holder_free(holder *h)
{
    for (int i = 0; i < 4; i++) {
        pm_record_free(&h->held[i]);
        pm_buf_free(&h->held_raw[i]);
    }
    pm_buf_free(&h->log);
}

Test(pipeline, input_hooks_tell_an_empty_input_from_a_header_only_one)
{
    put("empty.csv", "");
    put("hdr.csv", "id,kind\n");
    put("rows.csv", "id,kind\na,ok\nb,ok\n");
    pm_common c = {0};
    char *paths[4] = {strdup(path("empty.csv")), strdup(path("missing.csv")), strdup(path("hdr.csv")),
                      strdup(path("rows.csv"))};
    c.output = path("out.csv"); /* (path() keeps 4 names) */
    holder h = {0};
    pm_pipe *p = open_holder(&h, &c, paths, 4, 0);
    int st = pm_pipe_run(p);
    cr_expect_str_eq(pm_buf_str(&h.log),
                     "begin empty.csv;end empty.csv seen 0 header 0;"
                     "begin hdr.csv;end hdr.csv seen 0 header 2;"
                     "begin rows.csv;end rows.csv seen 2 header 2;",
                     "an input that does not open gets no hook");
    cr_expect_eq(pm_pipe_counts_get(p).read, 2);
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_ERROR, "missing.csv did not open");
    holder_free(&h);
    for (int i = 0; i < 4; i++) free(paths[i]);
}

Test(pipeline, a_record_that_is_not_a_record_is_counted_nowhere)
{
    put("in.csv", "id,kind\ntitle,x\na,ok\n");
    pm_common c = {0};
    c.output = path("out.csv");
    char *paths[1] = {path("in.csv")};
    holder h = {0};
    pm_pipe *p = open_holder(&h, &c, paths, 1, 0);
    int st = pm_pipe_run(p);
    pm_pipe_counts n = pm_pipe_counts_get(p);
    cr_expect_eq(n.read, 1);
    cr_expect_eq(n.passed, 1);
    cr_expect_eq(n.written, 1);
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_OK);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "id,kind\na,ok\n");
    free(out);
    holder_free(&h);
}

Test(pipeline, deferred_records_are_counted_when_settled_and_keep_their_raw_text)
{
    /* the first record is read fine, the second is too long; both are held
     * to the end of the input, then passed and rejected */
    put("in.csv", "id,kind\na,ok\nb,ok,surplus\nc,ok\n");
    pm_common c = {0};
    c.output = path("out.csv");
    c.reject = path("rej.csv");
    char *paths[1] = {path("in.csv")};
    holder h = {.hold = 2};
    pm_pipe *p = open_holder(&h, &c, paths, 1, PM_PIPE_REJECT_RAW);
    int st = pm_pipe_run(p);
    pm_pipe_counts n = pm_pipe_counts_get(p);
    cr_expect_eq(n.read, 3);
    cr_expect_eq(n.passed, 2);
    cr_expect_eq(n.rejected, 1);
    cr_expect_eq(n.written, 2);
    cr_expect_eq(st, PM_EXIT_FLAGGED);
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_FLAGGED);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "id,kind\nc,ok\na,ok\n", "settled when the program says so");
    char *rej = slurp(path("rej.csv"));
    cr_assert_not_null(rej);
    cr_expect(strstr(rej, "_raw\n") != NULL, "%s", rej);
    cr_expect(strstr(rej, ",held and rejected,\"b,ok,surplus\"\n") != NULL, "its raw text: %s", rej);
    free(out);
    free(rej);
    holder_free(&h);
}

Test(pipeline, reject_raw_gives_every_reject_a_raw_field)
{
    put("in.csv", "id,kind\na,ok\nb,ok\n");
    pm_common c = {0};
    c.output = path("out.csv");
    c.reject = path("rej.csv");
    char *paths[1] = {path("in.csv")};
    holder h = {.hold = 2};
    pm_pipe *p = open_holder(&h, &c, paths, 1, PM_PIPE_REJECT_RAW);
    pm_pipe_finish(p, pm_pipe_run(p));
    char *rej = slurp(path("rej.csv"));
    cr_assert_not_null(rej);
    cr_expect(strncmp(rej, "id,kind,_source,_error,_raw\nb,ok,", 33) == 0, "%s", rej);
    cr_expect(strstr(rej, ",held and rejected,\n") != NULL, "an empty _raw: %s", rej);
    free(rej);
    holder_free(&h);
}

Test(pipeline, skip_input_ends_an_input_and_reads_the_next)
{
    put("a.csv", "id,kind\na1,ok\na2,ok\na3,ok\n");
    put("b.csv", "id,kind\nb1,ok\n");
    pm_common c = {0};
    c.output = path("out.csv");
    char *paths[2] = {path("a.csv"), path("b.csv")};
    holder h = {.skip_after = 1};
    pm_pipe *p = open_holder(&h, &c, paths, 2, 0);
    int st = pm_pipe_run(p);
    cr_expect_str_eq(pm_buf_str(&h.log),
                     "begin a.csv;end a.csv seen 1 header 2;begin b.csv;end b.csv seen 1 header 2;");
    cr_expect_eq(pm_pipe_counts_get(p).read, 2);
    cr_expect_eq(pm_pipe_finish(p, st), PM_EXIT_OK);
    holder_free(&h);
}

Test(pipeline, commit_incomplete_keeps_what_was_read)
{
    put("in.csv", "id,kind\na,ok\n");
    pm_common c = {0};
    c.output = path("out.csv");
    char *paths[2] = {path("missing.csv"), path("in.csv")};
    holder h = {0};
    pm_pipe *p = open_holder(&h, &c, paths, 2, PM_PIPE_COMMIT_INCOMPLETE);
    cr_expect_eq(pm_pipe_finish(p, pm_pipe_run(p)), PM_EXIT_ERROR);
    char *out = slurp(path("out.csv"));
    cr_expect_str_eq(out, "id,kind\na,ok\n");
    free(out);
    holder_free(&h);
}
