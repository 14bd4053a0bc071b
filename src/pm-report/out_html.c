/* out_html.c - the report as one self-contained HTML file: inline CSS, no
 * scripts, fonts or network; a horizontal SVG bar chart per figure with the
 * target as a dashed line; then the table in a horizontally scrolling box so
 * it reads on a phone.  All text is escaped.  Chart geometry is computed
 * with decimals (one place), like everything else in pm.
 */
#include <string.h>
#include "report.h"

static void esc(pm_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': pm_buf_adds(b, "&amp;"); break;
        case '<': pm_buf_adds(b, "&lt;"); break;
        case '>': pm_buf_adds(b, "&gt;"); break;
        case '"': pm_buf_adds(b, "&quot;"); break;
        case '\'': pm_buf_adds(b, "&#39;"); break;
        default: pm_buf_addc(b, *s);
        }
    }
}

/* Label cut to about max display columns, with an ellipsis. */
static void esc_cut(pm_buf *b, const char *s, size_t max)
{
    if (rpt_display_width(s) <= max) {
        esc(b, s);
        return;
    }
    char tmp[256];
    size_t n = 0;
    const char *p = s;
    while (*p && n + 8 < sizeof tmp) {
        size_t cl = 1;
        while ((p[cl] & 0xC0) == 0x80) cl++;
        memcpy(tmp + n, p, cl);
        tmp[n + cl] = '\0';
        if (rpt_display_width(tmp) > max - 1) break;
        n += cl;
        p += cl;
    }
    tmp[n] = '\0';
    esc(b, tmp);
    pm_buf_adds(b, "\xE2\x80\xA6");
}

static const char *css =
    "*{box-sizing:border-box}"
    "body{font-family:system-ui,-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei','Noto Sans CJK SC',"
    "'WenQuanYi Micro Hei',sans-serif;margin:0;padding:12px;color:#1f2933;background:#f5f6f8;line-height:1.4}"
    "h1{font-size:1.25rem;margin:0 0 4px}"
    "h2{font-size:1.1rem;margin:22px 0 8px}"
    "p.meta{margin:0 0 12px;color:#52606d;font-size:.85rem}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}"
    ".fig{margin:0;background:#fff;border:1px solid #d9dee4;border-radius:8px;padding:8px 10px}"
    ".cap{font-weight:600;font-size:.95rem;margin-bottom:4px}"
    "svg{width:100%;height:auto;display:block}"
    "svg text{font-size:11px;fill:#1f2933}"
    "svg .bar{fill:#3b6ea5}"
    "svg .miss{fill:#e8833a}"
    "svg .axis{stroke:#9aa5b1;stroke-width:1}"
    "svg .target{stroke:#d64545;stroke-width:2;stroke-dasharray:5 3}"
    "svg text.tl{fill:#d64545}"
    "svg text.v{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}"
    ".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;margin-top:14px;background:#fff;"
    "border:1px solid #d9dee4;border-radius:8px}"
    "table{border-collapse:collapse;width:100%;font-size:.9rem}"
    "th,td{padding:6px 10px;border-bottom:1px solid #edf0f3;white-space:nowrap;text-align:left}"
    "th{background:#eef1f4;font-weight:600}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "td.pass{color:#1b7f3b}"
    "td.fail{color:#c62828;font-weight:700}"
    "tbody tr:nth-child(even){background:#fafbfc}";

static void dec_text(pm_buf *b, pm_decimal v, int is_rate)
{
    if (is_rate) {
        char t[PM_DEC_BUFSZ + 2];
        rpt_percent(v, t);
        pm_buf_adds(b, t);
    } else {
        char t[PM_DEC_BUFSZ];
        pm_decimal_format(v, t);
        pm_buf_adds(b, t);
    }
}

/* (v - lo) * width / span, one decimal place. */
static void px(pm_buf *b, pm_decimal v, pm_decimal lo, pm_decimal span, int64_t width, int64_t off)
{
    pm_decimal d, m, r, o;
    if (pm_decimal_sub(v, lo, &d) != PM_DEC_OK || pm_decimal_mul(d, pm_decimal_from_int(width), &m) != PM_DEC_OK ||
        pm_decimal_div(m, span, 1, PM_ROUND_HALF_UP, &r) != PM_DEC_OK ||
        pm_decimal_add(r, pm_decimal_from_int(off), &o) != PM_DEC_OK)
        o = pm_decimal_from_int(off);
    if (pm_decimal_round(o, 1, PM_ROUND_HALF_UP, &r) == PM_DEC_OK) o = r;
    char t[PM_DEC_BUFSZ];
    pm_decimal_format(o, t);
    pm_buf_adds(b, t);
}

/* More bars than this make no chart a phone can show. */
#define MAX_BARS 100

enum { LABEL_W = 112, BAR_X = 116, BAR_W = 176, ROW_H = 22, TOP = 18, VIEW_W = 360 };

static void chart(pm_buf *b, int zh, const rpt_chart *c)
{
    pm_decimal lo = pm_decimal_from_int(0), hi = pm_decimal_from_int(c->is_rate ? 1 : 0);
    for (int i = 0; i < c->n; i++) {
        if (!c->has[i]) continue;
        if (pm_decimal_cmp(c->vals[i], lo) < 0) lo = c->vals[i];
        if (pm_decimal_cmp(c->vals[i], hi) > 0) hi = c->vals[i];
    }
    if (c->has_target) {
        if (pm_decimal_cmp(c->target, hi) > 0) hi = c->target;
        if (pm_decimal_cmp(c->target, lo) < 0) lo = c->target;
    }
    pm_decimal span;
    if (pm_decimal_sub(hi, lo, &span) != PM_DEC_OK || pm_decimal_is_zero(span)) span = pm_decimal_from_int(1);
    int h = TOP + c->n * ROW_H + 6;
    pm_buf_adds(b, "<div class=\"fig\"><div class=\"cap\">");
    esc(b, c->title);
    if (c->has_target) {
        pm_buf_addf(b, " (%s ", zh ? "目标" : "target");
        static const char *const sym[] = {"\xE2\x89\xA5", "\xE2\x89\xA4", ">", "<", "="};
        esc(b, sym[c->cmp]);
        pm_buf_addc(b, ' ');
        dec_text(b, c->target, c->is_rate);
        pm_buf_addc(b, ')');
    }
    pm_buf_addf(b, "</div>\n<svg viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"", VIEW_W, h);
    esc(b, c->title);
    pm_buf_adds(b, "\">\n");
    /* zero axis */
    pm_buf_adds(b, "<line class=\"axis\" x1=\"");
    px(b, pm_decimal_from_int(0), lo, span, BAR_W, BAR_X);
    pm_buf_addf(b, "\" y1=\"%d\" x2=\"", TOP - 4);
    px(b, pm_decimal_from_int(0), lo, span, BAR_W, BAR_X);
    pm_buf_addf(b, "\" y2=\"%d\"/>\n", h - 2);
    /* Bars, then the target line over them, then the labels over both. */
    for (int i = 0; i < c->n; i++) {
        if (!c->has[i]) continue;
        pm_decimal a = c->vals[i], z = pm_decimal_from_int(0);
        pm_decimal left = pm_decimal_cmp(a, z) < 0 ? a : z, right = pm_decimal_cmp(a, z) < 0 ? z : a;
        pm_decimal wdt;
        pm_decimal_sub(right, left, &wdt);
        pm_buf_addf(b, "<rect class=\"%s\" x=\"", c->result[i] == 0 ? "bar miss" : "bar");
        px(b, left, lo, span, BAR_W, BAR_X);
        pm_buf_addf(b, "\" y=\"%d\" width=\"", TOP + i * ROW_H + 3);
        px(b, wdt, pm_decimal_from_int(0), span, BAR_W, 0);
        pm_buf_addf(b, "\" height=\"%d\"/>\n", ROW_H - 6);
    }
    if (c->has_target) {
        pm_buf_adds(b, "<line class=\"target\" x1=\"");
        px(b, c->target, lo, span, BAR_W, BAR_X);
        pm_buf_addf(b, "\" y1=\"%d\" x2=\"", TOP - 6);
        px(b, c->target, lo, span, BAR_W, BAR_X);
        pm_buf_addf(b, "\" y2=\"%d\"/>\n<text class=\"tl\" x=\"", h - 2);
        px(b, c->target, lo, span, BAR_W, BAR_X);
        pm_buf_addf(b, "\" y=\"%d\" text-anchor=\"middle\">", TOP - 8);
        dec_text(b, c->target, c->is_rate);
        pm_buf_adds(b, "</text>\n");
    }
    for (int i = 0; i < c->n; i++) {
        int y = TOP + i * ROW_H;
        pm_buf_addf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", LABEL_W, y + 14);
        esc_cut(b, c->labels[i], 18);
        pm_buf_adds(b, "</text><text class=\"v\" x=\"");
        if (c->has[i]) {
            pm_decimal a = c->vals[i], z = pm_decimal_from_int(0);
            px(b, pm_decimal_cmp(a, z) < 0 ? z : a, lo, span, BAR_W, BAR_X + 4);
            pm_buf_addf(b, "\" y=\"%d\">", y + 14);
            dec_text(b, a, c->is_rate);
        } else {
            px(b, pm_decimal_from_int(0), lo, span, BAR_W, BAR_X + 4);
            pm_buf_addf(b, "\" y=\"%d\">n/a", y + 14);
        }
        pm_buf_adds(b, "</text>\n");
    }
    pm_buf_adds(b, "</svg></div>\n");
}

static void table_html(pm_buf *b, rpt_table *t, int level, FILE *fp)
{
    if (level) {
        pm_buf_addf(b, "<div class=\"table\">\n<h2>");
        esc(b, t->title);
        pm_buf_adds(b, "</h2>\n");
    }
    if (t->ncharts && t->nrows && t->charts[0].n <= MAX_BARS) {
        pm_buf_adds(b, "<div class=\"charts\">\n");
        for (int i = 0; i < t->ncharts; i++) chart(b, t->zh, &t->charts[i]);
        pm_buf_adds(b, "</div>\n");
    } else if (t->ncharts && t->nrows) {
        pm_buf_addf(b,
                    t->zh ? "<p class=\"meta\">%d 组，太多无法作图；见下表。</p>\n"
                          : "<p class=\"meta\">%d groups are too many to chart; see the table.</p>\n",
                    t->charts[0].n);
    }
    pm_buf_adds(b, "<div class=\"scroll\"><table>\n<thead><tr>");
    for (int c = 0; c < t->ncols; c++) {
        pm_buf_adds(b, "<th>");
        esc(b, t->cols[c]);
        pm_buf_adds(b, "</th>");
    }
    pm_buf_adds(b, "</tr></thead>\n<tbody>\n");
    const char *pass = t->zh ? rpt_zh("pass") : "pass";
    const char *fail = t->zh ? rpt_zh("fail") : "fail";
    for (int r = 0; r < t->nrows; r++) {
        pm_buf_adds(b, "<tr>");
        for (int c = 0; c < t->ncols; c++) {
            const rpt_cell *cell = &t->cells[r * t->ncols + c];
            if (cell->type != CT_TEXT)
                pm_buf_adds(b, "<td class=\"n\">");
            else if (c >= t->nkeys && strcmp(cell->text, pass) == 0)
                pm_buf_adds(b, "<td class=\"pass\">");
            else if (c >= t->nkeys && strcmp(cell->text, fail) == 0)
                pm_buf_adds(b, "<td class=\"fail\">");
            else
                pm_buf_adds(b, "<td>");
            esc(b, rpt_cell_display(t, cell));
            pm_buf_adds(b, "</td>");
        }
        pm_buf_adds(b, "</tr>\n");
        if (b->len > 1 << 16) {
            fwrite(b->s, 1, b->len, fp);
            pm_buf_reset(b);
        }
    }
    pm_buf_adds(b, "</tbody>\n</table></div>\n");
    if (level) pm_buf_adds(b, "</div>\n");
}

int rpt_write_html(rpt_table *const *t, int n, const char *title, int zh, FILE *fp)
{
    pm_buf b = PM_BUF_INIT;
    pm_buf_addf(&b,
                "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\"/>\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
                zh ? "zh-CN" : "en");
    esc(&b, title);
    pm_buf_addf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", css);
    esc(&b, title);
    pm_buf_adds(&b, "</h1>\n<p class=\"meta\">");
    pm_buf_adds(&b, zh ? "pm-report 生成。图中虚线为目标，橙色表示未达标。"
                       : "Made by pm-report. Dashed lines in the charts are targets; orange bars miss them.");
    pm_buf_adds(&b, "</p>\n");
    for (int i = 0; i < n; i++) table_html(&b, t[i], n > 1, fp);
    pm_buf_adds(&b, "</body>\n</html>\n");
    fwrite(b.s, 1, b.len, fp);
    pm_buf_free(&b);
    return ferror(fp) ? -1 : 0;
}
