/* out_text.c - CSV, YAML and Markdown renderings of a report table.
 *
 * CSV and YAML use the library's quoting (pm_csv_quote, pm_yaml_quote), so
 * they read back with any pm program; unlike pm_writer they write the CSV
 * header even for a report without rows.  Markdown pads cells to the same
 * display width, counting East Asian wide characters as two columns.
 */
#include <stdlib.h>
#include <string.h>
#include "stream.h"
#include "report.h"

void rpt_emit_row(FILE *fp, int csv, const char *const *names, const char *const *vals, int n, pm_buf *b)
{
    pm_buf_reset(b);
    if (csv) {
        char d = csv == '\t' ? '\t' : ',';
        for (int i = 0; i < n; i++) {
            if (i) pm_buf_addc(b, d);
            pm_csv_quote(b, vals[i], strlen(vals[i]), d);
        }
        pm_buf_addc(b, '\n');
    } else {
        pm_buf_adds(b, "--- {");
        for (int i = 0; i < n; i++) {
            if (i) pm_buf_adds(b, ", ");
            pm_yaml_key(b, names[i], strlen(names[i]));
            pm_buf_adds(b, ": ");
            pm_yaml_quote(b, vals[i], strlen(vals[i]));
        }
        pm_buf_adds(b, "}\n");
    }
    fwrite(b->s, 1, b->len, fp);
}

static int write_records(rpt_table *t, FILE *fp, int csv)
{
    pm_buf b = PM_BUF_INIT;
    const char **vals = pm_xmalloc(sizeof *vals * (size_t)(t->ncols + 1));
    if (csv) rpt_emit_row(fp, csv, t->cols, t->cols, t->ncols, &b);
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) vals[c] = t->cells[r * t->ncols + c].text;
        rpt_emit_row(fp, csv, t->cols, vals, t->ncols, &b);
    }
    free(vals);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}

int rpt_write_csv(rpt_table *t, FILE *fp, char delimiter)
{
    return write_records(t, fp, delimiter == '\t' ? '\t' : 1);
}

int rpt_write_yaml(rpt_table *t, FILE *fp)
{
    return write_records(t, fp, 0);
}

/* East Asian Wide and Fullwidth ranges (Unicode 15, abridged to the blocks
 * that occur in Chinese text), plus the emoji block. */
static int wide(unsigned cp)
{
    return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0x33FF) ||
           (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
           (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
           (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
           (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

size_t rpt_display_width(const char *s)
{
    size_t w = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned cp;
        int n;
        if (*p < 0x80) {
            cp = *p;
            n = 1;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1F;
            n = 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0F;
            n = 3;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07;
            n = 4;
        } else {
            p++;
            w++;
            continue;
        }
        int i = 1;
        for (; i < n && (p[i] & 0xC0) == 0x80; i++) cp = (cp << 6) | (p[i] & 0x3F);
        p += i;
        if (cp >= 0x300 && cp <= 0x36F) continue; /* combining marks take no column */
        w += wide(cp) ? 2 : 1;
    }
    return w;
}

/* A Markdown cell: what Markdown would read as markup (|, \\, `, *, [, ])
 * backslash-escaped, what HTML would (<, >, &) as entities, so a value
 * can neither break the table nor become a link, code or a tag; line
 * breaks as spaces. */
static void md_text(pm_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '|':
        case '\\':
        case '`':
        case '*':
        case '[':
        case ']':
            pm_buf_addc(b, '\\');
            pm_buf_addc(b, *s);
            break;
        case '<': pm_buf_adds(b, "&lt;"); break;
        case '>': pm_buf_adds(b, "&gt;"); break;
        case '&': pm_buf_adds(b, "&amp;"); break;
        case '\n':
        case '\r': pm_buf_addc(b, ' '); break;
        default: pm_buf_addc(b, *s);
        }
    }
}

static void pad(pm_buf *b, size_t n)
{
    while (n--) pm_buf_addc(b, ' ');
}

static int write_md_table(rpt_table *t, FILE *fp)
{
    int nc = t->ncols;
    char **txt = pm_xcalloc((size_t)(t->nrows + 1) * (size_t)nc + 1, sizeof *txt);
    size_t *w = pm_xcalloc((size_t)nc + 1, sizeof *w);
    int *right = pm_xcalloc((size_t)nc + 1, sizeof *right);
    pm_buf b = PM_BUF_INIT;
    for (int r = -1; r < t->nrows; r++) {
        for (int c = 0; c < nc; c++) {
            const char *s = r < 0 ? t->cols[c] : rpt_cell_display(t, &t->cells[r * nc + c]);
            pm_buf_reset(&b);
            md_text(&b, s);
            char *x = pm_xstrdup(pm_buf_str(&b));
            txt[(r + 1) * nc + c] = x;
            size_t dw = rpt_display_width(x);
            if (dw > w[c]) w[c] = dw;
            if (r >= 0 && t->cells[r * nc + c].type != CT_TEXT) right[c] = 1;
        }
    }
    for (int c = 0; c < nc; c++)
        if (w[c] < 3) w[c] = 3;
    for (int r = -1; r < t->nrows; r++) {
        pm_buf_reset(&b);
        pm_buf_addc(&b, '|');
        for (int c = 0; c < nc; c++) {
            const char *x = txt[(r + 1) * nc + c];
            size_t fill = w[c] - rpt_display_width(x);
            pm_buf_addc(&b, ' ');
            if (right[c] && r >= 0) pad(&b, fill);
            pm_buf_adds(&b, x);
            if (!(right[c] && r >= 0)) pad(&b, fill);
            pm_buf_adds(&b, " |");
        }
        pm_buf_addc(&b, '\n');
        if (r < 0) {
            pm_buf_addc(&b, '|');
            for (int c = 0; c < nc; c++) {
                pm_buf_addc(&b, right[c] ? ' ' : ' ');
                for (size_t i = 0; i < w[c] - (right[c] ? 1 : 0); i++) pm_buf_addc(&b, '-');
                if (right[c]) pm_buf_addc(&b, ':');
                pm_buf_adds(&b, " |");
            }
            pm_buf_addc(&b, '\n');
        }
        fwrite(b.s, 1, b.len, fp);
    }
    for (int i = 0; i < (t->nrows + 1) * nc; i++) free(txt[i]);
    free(txt);
    free(w);
    free(right);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}

int rpt_write_md(rpt_table *const *t, int n, FILE *fp)
{
    for (int i = 0; i < n; i++) {
        if (n > 1) {
            pm_buf b = PM_BUF_INIT;
            md_text(&b, t[i]->title);
            fprintf(fp, "%s## %s\n\n", i ? "\n" : "", pm_buf_str(&b));
            pm_buf_free(&b);
        }
        if (write_md_table(t[i], fp) != 0) return -1;
    }
    return 0;
}
