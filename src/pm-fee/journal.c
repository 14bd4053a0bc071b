/* journal.c - charges as plain-text accounting journals (-t ledger,
 * -t beancount), so that hledger, ledger and beancount can load a month of
 * charges and balance it.
 *
 * Each charge line is one balanced transaction dated the first day of its
 * period, with the record's key as payee: the receivable of the party (of a
 * split) or of the key is debited, the rule's income account credited:
 *
 *     2024-07-01 u1
 *         ; rule: per-m2, rule_version: 2024-01-01
 *         assets:receivable:u1        134.06 CNY
 *         income:per-m2              -134.06 CNY
 *
 * Account names: the schedule's `accounts: {receivable, income}` prefixes
 * (default assets:receivable and income) or a rule's own `account`, then a
 * component made of the party, key or rule id.  A ledger component keeps
 * its text but not ':' (which would start a sub-account), ';' or blanks
 * (two blanks in a row end an account name): those become '-'.  Beancount
 * allows fewer characters: see fee_beancount_account.  Beancount also needs
 * every account opened: each is opened on 1970-01-01, written just before
 * its first use (beancount sorts directives by date), so the set of account
 * names seen is kept (memory grows with the distinct parties and keys, not
 * with the charges).
 */
#include "fee.h"
#include "atomic.h"
#include "map.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fee_journal {
    fee_journal_kind kind;
    const fee_schedule *s;
    pm_atomic_file *af; /* the output, written whole or not at all */
    FILE *f;            /* its stream, which a transaction is written to piece by piece */
    pm_buf recv, inc;   /* the transaction's two accounts */
    pm_buf tmp;
    pm_map opened; /* beancount: accounts opened (a set) */
};

fee_journal_kind fee_journal_take_option(int *argc, char **argv)
{
    fee_journal_kind kind = FEE_JOURNAL_NONE;
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        int take = 0;
        if (strcmp(a, "--") == 0) {
            for (; i < *argc; i++) argv[out++] = argv[i];
            break;
        }
        if (strncmp(a, "--to=", 5) == 0)
            v = a + 5, take = 1;
        else if (strncmp(a, "-t", 2) == 0 && a[2])
            v = a + 2, take = 1;
        else if ((strcmp(a, "--to") == 0 || strcmp(a, "-t") == 0) && i + 1 < *argc)
            v = argv[i + 1], take = 2;
        if (take && (strcmp(v, "ledger") == 0 || strcmp(v, "hledger") == 0 || strcmp(v, "beancount") == 0)) {
            kind = v[0] == 'b' ? FEE_JOURNAL_BEANCOUNT : FEE_JOURNAL_LEDGER;
            i += take - 1;
            continue;
        }
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    *argc = out;
    return kind;
}

void fee_ledger_component(const char *name, pm_buf *out)
{
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (c == ':' || c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r') c = '-';
        pm_buf_addc(out, c);
    }
    if (!*name) pm_buf_addc(out, '-');
}

/* Decodes one UTF-8 sequence at p (at most n bytes); 0 for an invalid one. */
static int utf8_next(const unsigned char *p, size_t n, uint32_t *cp)
{
    int len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;
    if (len == 0 || (size_t)len > n) return 0;
    uint32_t c = p[0] & (0x7f >> len);
    for (int i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    *cp = c;
    return len;
}

/* Beancount 2 accepts components of A-Z a-z 0-9 and '-', each beginning
 * with a capital letter or a digit.  Per component: a leading lower-case
 * letter is capitalised (assets -> Assets); any other ASCII character
 * becomes '-'; a non-ASCII character is written as U and its code point in
 * hex (房 -> U623F), so different names stay different; a component that
 * would begin with '-' gets an X before it. */
void fee_beancount_account(const char *name, pm_buf *out)
{
    const unsigned char *p = (const unsigned char *)name;
    size_t n = strlen(name);
    int start = 1;
    for (size_t i = 0; i <= n;) {
        if (i == n || p[i] == ':') {
            if (start) pm_buf_addc(out, 'X'); /* empty component */
            if (i == n) break;
            pm_buf_addc(out, ':');
            start = 1;
            i++;
            continue;
        }
        unsigned char c = p[i];
        if (c >= 0x80) {
            uint32_t cp;
            int len = utf8_next(p + i, n - i, &cp);
            if (len == 0) {
                cp = c;
                len = 1;
            }
            pm_buf_addf(out, "U%04X", (unsigned)cp);
            i += (size_t)len;
            start = 0;
            continue;
        }
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (start) {
            if (c >= 'a' && c <= 'z')
                c = (unsigned char)(c - 'a' + 'A');
            else if (!alnum)
                pm_buf_addc(out, 'X');
        }
        pm_buf_addc(out, alnum || c == '-' ? (char)c : '-');
        start = 0;
        i++;
    }
}

fee_journal *fee_journal_open(const char *path, fee_journal_kind kind, const fee_schedule *s, pm_error *err)
{
    if (kind == FEE_JOURNAL_BEANCOUNT && (!s->currency || !*s->currency)) {
        pm_error_set(err, s->conf.path, 0, "-t beancount needs the schedule's currency (currency: CNY)");
        return NULL;
    }
    fee_journal *j = pm_xcalloc(1, sizeof *j); /* buffers start empty (zeroed) */
    j->kind = kind;
    j->s = s;
    if (!(j->af = pm_atomic_open(path, err))) {
        free(j);
        return NULL;
    }
    j->f = pm_atomic_stream(j->af);
    pm_map_init(&j->opened, 0);
    if (kind == FEE_JOURNAL_LEDGER)
        fprintf(j->f, "; pm-fee charges, schedule %s (sha256 %s)\n\n", s->conf.path, s->sha256);
    else
        fprintf(j->f, "; pm-fee charges, schedule %s (sha256 %s)\noption \"operating_currency\" \"%s\"\n\n",
                s->conf.path, s->sha256, s->currency);
    return j;
}

/* 1 when name was opened before; else remembers it and returns 0. */
static int opened(fee_journal *j, const char *name)
{
    int created;
    pm_map_insert(&j->opened, name, strlen(name), &created);
    return !created;
}

static void quoted(FILE *f, const char *s)
{
    putc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') putc('\\', f);
        putc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
    }
    putc('"', f);
}

/* An account name in the journal's form into out: prefix, then (unless
 * name is NULL) ':' and name made a ledger component. */
static void account(fee_journal *j, const char *prefix, const char *name, pm_buf *out)
{
    pm_buf *raw = &j->tmp;
    pm_buf_reset(raw);
    pm_buf_adds(raw, prefix);
    if (name) {
        pm_buf_addc(raw, ':');
        fee_ledger_component(name, raw);
    }
    pm_buf_reset(out);
    if (j->kind == FEE_JOURNAL_BEANCOUNT)
        fee_beancount_account(pm_buf_str(raw), out);
    else
        pm_buf_add(out, raw->s, raw->len);
}

int fee_journal_write(fee_journal *j, struct fee_run *r, const fee_line *l, pm_error *err)
{
    (void)r;
    if (!l->period || !*l->period) {
        pm_error_set(err, l->input ? l->input : "-", 0,
                     "%s: a journal entry needs a date, and the charge has no period (give --period)", l->source);
        return -1;
    }
    const fee_schedule *s = j->s;
    const char *who = l->party && *l->party ? l->party : l->source;
    FILE *b = j->f;
    account(j, s->acct_receivable, who, &j->recv);
    if (l->r && l->r->account)
        account(j, l->r->account, NULL, &j->inc);
    else
        account(j, s->acct_income, l->rule, &j->inc);

    char neg[PM_DEC_BUFSZ];
    pm_decimal_format(pm_decimal_neg(l->value), neg);
    const char *cur = s->currency ? s->currency : "";
    const char *sp = *cur ? " " : "";
    if (j->kind == FEE_JOURNAL_BEANCOUNT) {
        const char *acct[2] = {pm_buf_str(&j->recv), pm_buf_str(&j->inc)};
        for (int i = 0; i < 2; i++)
            if (!opened(j, acct[i])) fprintf(b, "1970-01-01 open %s\n", acct[i]);
        fprintf(b, "%s-01 * ", l->period);
        quoted(b, l->source);
        putc(' ', b);
        pm_buf_reset(&j->tmp); /* the narration */
        pm_buf_addf(&j->tmp, "%s %s", l->rule, l->period);
        quoted(b, pm_buf_str(&j->tmp));
        fputs("\n  rule: ", b);
        quoted(b, l->rule);
        if (*l->version) {
            fputs("\n  rule_version: ", b);
            quoted(b, l->version);
        }
        fprintf(b, "\n  %s  %s %s\n  %s  %s %s\n\n", acct[0], l->amount, cur, acct[1], neg, cur);
    } else {
        fprintf(b, "%s-01 ", l->period);
        for (const char *p = l->source; *p; p++) /* the payee */
            putc(*p == ';' || *p == '|' || *p == '\n' || *p == '\r' ? '_' : *p, b);
        fprintf(b, "\n    ; rule: %s", l->rule);
        if (*l->version) fprintf(b, ", rule_version: %s", l->version);
        fprintf(b, "\n    %s  %s%s%s\n    %s  %s%s%s\n\n", pm_buf_str(&j->recv), l->amount, sp, cur,
                pm_buf_str(&j->inc), neg, sp, cur);
    }
    if (ferror(b)) {
        pm_error_set(err, pm_atomic_name(j->af), 0, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int fee_journal_close(fee_journal *j, int commit, pm_error *err)
{
    /* flushes, and on commit renames into place; reports write errors */
    int rc = pm_atomic_close(j->af, commit, err);
    pm_map_free(&j->opened);
    pm_buf_free(&j->recv);
    pm_buf_free(&j->inc);
    pm_buf_free(&j->tmp);
    free(j);
    return rc;
}
