/* out_xlsx.c - the report as an XLSX workbook through libxlsxwriter: a sheet
 * per table, header row bold and frozen, counts and amounts as numbers,
 * rates as numbers with a percentage format (0.1250 shows as 12.50%).
 * Excel stores numbers as binary doubles; the values written are the same
 * rounded decimals the CSV output shows, converted at the last step.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>
#include "report.h"

/* A "charts" sheet: per figure its (group, value) block and a native bar
 * chart of it; the target is in the chart's title (this libxlsxwriter has no
 * combined charts to draw it as a line).  Figures of more than 100 groups
 * are left out, as in HTML. */
static void add_charts(lxw_workbook *wb, rpt_table *const *tables, int ntables, lxw_format *head, lxw_format *pct,
                       lxw_format *num)
{
    int any = 0;
    for (int ti = 0; ti < ntables; ti++)
        if (tables[ti]->nrows > 0 && tables[ti]->nrows <= 100 && tables[ti]->ncharts > 0) any = 1;
    if (!any) return;
    const char *sheet = "charts";
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 12, NULL);
    lxw_row_t row = 0;
    for (int ti = 0; ti < ntables; ti++) {
        rpt_table *t = tables[ti];
        for (int k = 0; k < t->ncharts; k++) {
            rpt_chart *c = &t->charts[k];
            if (c->n == 0 || c->n > 100) continue;
            pm_buf title = PM_BUF_INIT;
            pm_buf_adds(&title, c->title);
            if (c->has_target) {
                char v[PM_DEC_BUFSZ + 2];
                if (c->is_rate)
                    rpt_percent(c->target, v);
                else
                    pm_decimal_format(c->target, v);
                pm_buf_addf(&title, " (%s %s %s)", t->zh ? "目标" : "target", rpt_cmp_name(c->cmp), v);
            }
            worksheet_write_string(ws, row, 0, pm_buf_str(&title), head);
            worksheet_write_string(ws, row, 1, t->zh ? "数值" : "value", head);
            for (int i = 0; i < c->n; i++) {
                worksheet_write_string(ws, row + 1 + (lxw_row_t)i, 0, c->labels[i], NULL);
                if (c->has[i]) {
                    char v[PM_DEC_BUFSZ];
                    pm_decimal_format(c->vals[i], v);
                    worksheet_write_number(ws, row + 1 + (lxw_row_t)i, 1, strtod(v, NULL), c->is_rate ? pct : num);
                }
            }
            lxw_chart *ch = workbook_add_chart(wb, LXW_CHART_BAR);
            lxw_chart_series *se = chart_add_series(ch, NULL, NULL);
            chart_series_set_categories(se, sheet, row + 1, 0, row + (lxw_row_t)c->n, 0);
            chart_series_set_values(se, sheet, row + 1, 1, row + (lxw_row_t)c->n, 1);
            chart_title_set_name(ch, pm_buf_str(&title));
            chart_legend_set_position(ch, LXW_CHART_LEGEND_NONE);
            /* In a bar chart x_axis is the value axis, y_axis the groups. */
            if (c->is_rate) {
                chart_axis_set_num_format(ch->x_axis, "0%");
                chart_axis_set_min(ch->x_axis, 0);
                chart_axis_set_max(ch->x_axis, 1);
            }
            chart_axis_set_reverse(ch->y_axis); /* first group on top */
            lxw_chart_options opt = {.x_offset = 0, .y_offset = 0, .x_scale = 1, .y_scale = 1};
            worksheet_insert_chart_opt(ws, row, 3, ch, &opt);
            pm_buf_free(&title);
            lxw_row_t used = (lxw_row_t)c->n + 2;
            row += used > 16 ? used : 16;
        }
    }
}

/* Rows of data per sheet: a sheet holds LXW_ROW_MAX rows, one of them the
 * header.  PM_REPORT_SHEET_ROWS lowers it (tests of the continuation). */
static long sheet_rows(void)
{
    long per = (long)LXW_ROW_MAX - 1;
    const char *e = getenv("PM_REPORT_SHEET_ROWS");
    if (e && *e) {
        long v = strtol(e, NULL, 10);
        if (v > 0 && v < per) per = v;
    }
    return per;
}

#define CUT_MARK "\xE2\x80\xA6[cut]"

/* A cell holds 32,767 characters. */
#define XLSX_CELL_MAX 32767

/* s, or s cut with CUT_MARK (6 characters) so that it fits a cell; *cut
 * counts the cuts. */
static const char *xlsx_text(pm_buf *b, const char *s, long *cut)
{
    size_t chars = 0, keep = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80) {
            if (chars == XLSX_CELL_MAX - 6) keep = (size_t)((const char *)p - s);
            chars++;
        }
    if (chars <= XLSX_CELL_MAX) return s;
    pm_buf_reset(b);
    pm_buf_add(b, s, keep);
    pm_buf_adds(b, CUT_MARK);
    (*cut)++;
    return pm_buf_str(b);
}

/* A number format with as many decimals as text has (6154.50: "0.00"), so
 * a cell shows what the CSV shows; made once per number of places. */
static lxw_format *places_format(lxw_workbook *wb, lxw_format **cache, const char *text)
{
    const char *dot = strchr(text, '.');
    size_t places = dot ? strlen(dot + 1) : 0;
    if (places > PM_DEC_MAX_SCALE) places = PM_DEC_MAX_SCALE;
    if (!cache[places]) {
        char f[PM_DEC_MAX_SCALE + 4] = "0";
        if (places) {
            f[1] = '.';
            memset(f + 2, '0', places);
            f[2 + places] = '\0';
        }
        cache[places] = workbook_add_format(wb);
        format_set_num_format(cache[places], f);
    }
    return cache[places];
}

int rpt_write_xlsx(rpt_table *const *tables, int ntables, const char *title, const char *path, pm_error *err)
{
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(path, &wo);
    if (!wb) {
        pm_error_set(err, path, 0, "cannot create the workbook");
        return -1;
    }
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    props.title = (char *)title;
    props.comments = (char *)"Made by pm-report";
    /* The workbook records when it was made; SOURCE_DATE_EPOCH (seconds,
     * as reproducible-builds.org has it) fixes that time, so that the same
     * report is the same bytes.  Otherwise (0) libxlsxwriter takes now. */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long t = strtoll(sde, &end, 10);
        if (!*end && !errno && t > 0) props.created = (time_t)t;
    }
    workbook_set_properties(wb, &props);

    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_bg_color(head, 0xEEF1F4);
    format_set_bottom(head, LXW_BORDER_THIN);
    lxw_format *pct = workbook_add_format(wb);
    format_set_num_format(pct, "0.00%");
    lxw_format *num = workbook_add_format(wb);
    format_set_num_format(num, "General");
    lxw_format *places[PM_DEC_MAX_SCALE + 1] = {0};

    int werr = 0; /* a cell libxlsxwriter refused */
    long cut = 0; /* cells cut to the cell limit */
    pm_buf cell = PM_BUF_INIT;
    long per = sheet_rows();
    for (int ti = 0; ti < ntables; ti++) {
        rpt_table *t = tables[ti];
        lxw_worksheet *ws = NULL;
        long first = 0; /* table row in the current sheet's row 1 */
        for (int r = 0; r <= t->nrows; r++) {
            if (r == t->nrows && ws) break;
            if (!ws || r - first == per) {
                /* a sheet holds 1,048,576 rows: the next ones go on to
                 * "NAME (2)", "NAME (3)"..., each with the header */
                if (ws && t->nrows > 0)
                    worksheet_autofilter(ws, 0, 0, (lxw_row_t)(r - first), (lxw_col_t)(t->ncols - 1));
                first = r;
                char name[40];
                if (r == 0)
                    snprintf(name, sizeof name, "%.31s", t->sheet);
                else
                    snprintf(name, sizeof name, "%.20s (%ld)", t->sheet, r / per + 1);
                ws = workbook_add_worksheet(wb, name);
                if (!ws) {
                    pm_error_set(err, path, 0, "cannot add the sheet '%s'", name);
                    pm_buf_free(&cell);
                    workbook_close(wb);
                    return -1;
                }
                worksheet_freeze_panes(ws, 1, 0);
                for (int c = 0; c < t->ncols; c++) {
                    werr |= worksheet_write_string(ws, 0, (lxw_col_t)c, xlsx_text(&cell, t->cols[c], &cut), head) != 0;
                    size_t w = rpt_display_width(t->cols[c]);
                    for (int q = 0; q < t->nrows && q < 1000; q++) {
                        size_t cw = rpt_display_width(rpt_cell_display(t, &t->cells[q * t->ncols + c]));
                        if (cw > w) w = cw;
                    }
                    if (w > 40) w = 40;
                    worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w + 2, NULL);
                }
                if (r == t->nrows) break;
            }
            for (int c = 0; c < t->ncols; c++) {
                const rpt_cell *ce = &t->cells[r * t->ncols + c];
                lxw_row_t row = (lxw_row_t)(r - first + 1);
                if (ce->text[0] == '\0') continue;
                lxw_error e;
                if (ce->type == CT_TEXT) {
                    e = worksheet_write_string(ws, row, (lxw_col_t)c, xlsx_text(&cell, ce->text, &cut), NULL);
                } else {
                    /* the rounded decimal text, read as Excel's number type */
                    double v = strtod(ce->text, NULL);
                    e = worksheet_write_number(ws, row, (lxw_col_t)c, v,
                                               ce->type == CT_RATE ? pct : places_format(wb, places, ce->text));
                }
                werr |= e != LXW_NO_ERROR;
            }
        }
        if (ws && t->nrows > 0)
            worksheet_autofilter(ws, 0, 0, (lxw_row_t)(t->nrows - first), (lxw_col_t)(t->ncols - 1));
    }
    pm_buf_free(&cell);
    if (cut)
        pm_warn("warning: %ld cell%s longer than a spreadsheet cell holds (32,767 characters) cut, ending in '%s'", cut,
                cut == 1 ? "" : "s", CUT_MARK);
    if (werr) {
        pm_error_set(err, path, 0, "a cell could not be written to the workbook");
        workbook_close(wb);
        return -1;
    }
    add_charts(wb, tables, ntables, head, pct, num);
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        pm_error_set(err, path, 0, "cannot write the workbook: %s", lxw_strerror(e));
        return -1;
    }
    return 0;
}
