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
    if (!f)
        return NULL;
    pm_buf b = PM_BUF_INIT;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        pm_buf_add(&b, chunk, n);
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
    if (strcmp(kind, "ok") == 0)
        return PM_PASS;
    if (strcmp(kind, "bad") == 0)
        return PM_PASS_FLAGGED;
    if (strcmp(kind, "blank") == 0)
        return PM_SKIP;
    if (strcmp(kind, "fail") == 0)
        return PM_FAIL;
    pm_pipe_reason(p, "kind: '%s' is not known", kind);
    return PM_REJECT;
}

static pm_pipe *open_pipe(prog *g, pm_common *c, const char *in, const pm_pipe_spec *extra)
{
    static char *paths[1];
    pm_error err;
    paths[0] = path(in);
    pm_pipe_spec spec = {.record = on_record, .ctx = g};
    if (extra)
        spec = *extra;
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
    const char in[] = "a\xe7\x8e\x8b\xff" "b\x00" "c\xed\xa0\x80";
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
