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
static void add_charts(lxw_workbook *wb, rpt_table *const *tables, int ntables, lxw_format *head,
                       lxw_format *pct, lxw_format *num)
{
    int any = 0;
    for (int ti = 0; ti < ntables; ti++)
        if (tables[ti]->nrows > 0 && tables[ti]->nrows <= 100 && tables[ti]->ncharts > 0)
            any = 1;
    if (!any)
        return;
    const char *sheet = "charts";
    lxw_worksheet *ws = workbook_add_worksheet(wb, sheet);
    worksheet_set_column(ws, 0, 0, 24, NULL);
    worksheet_set_column(ws, 1, 1, 12, NULL);
    lxw_row_t row = 0;
    for (int ti = 0; ti < ntables; ti++) {
        rpt_table *t = tables[ti];
        for (int k = 0; k < t->ncharts; k++) {
            rpt_chart *c = &t->charts[k];
            if (c->n == 0 || c->n > 100)
                continue;
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
            chart_axis_set_reverse(ch->y_axis);  /* first group on top */
            lxw_chart_options opt = {.x_offset = 0, .y_offset = 0, .x_scale = 1, .y_scale = 1};
            worksheet_insert_chart_opt(ws, row, 3, ch, &opt);
            pm_buf_free(&title);
            lxw_row_t used = (lxw_row_t)c->n + 2;
            row += used > 16 ? used : 16;
        }
    }
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

    for (int ti = 0; ti < ntables; ti++) {
        rpt_table *t = tables[ti];
        lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet);
        worksheet_freeze_panes(ws, 1, 0);
        for (int c = 0; c < t->ncols; c++) {
            worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c], head);
            size_t w = rpt_display_width(t->cols[c]);
            for (int r = 0; r < t->nrows; r++) {
                size_t cw = rpt_display_width(rpt_cell_display(t, &t->cells[r * t->ncols + c]));
                if (cw > w)
                    w = cw;
            }
            if (w > 40)
                w = 40;
            worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, (double)w + 2, NULL);
        }
        for (int r = 0; r < t->nrows; r++) {
            for (int c = 0; c < t->ncols; c++) {
                const rpt_cell *cell = &t->cells[r * t->ncols + c];
                lxw_row_t row = (lxw_row_t)(r + 1);
                if (cell->text[0] == '\0')
                    continue;
                if (cell->type == CT_TEXT) {
                    worksheet_write_string(ws, row, (lxw_col_t)c, cell->text, NULL);
                } else {
                    /* the rounded decimal text, read as Excel's number type */
                    double v = strtod(cell->text, NULL);
                    worksheet_write_number(ws, row, (lxw_col_t)c, v, cell->type == CT_RATE ? pct : num);
                }
            }
        }
        if (t->nrows > 0)
            worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows, (lxw_col_t)(t->ncols - 1));
    }
    add_charts(wb, tables, ntables, head, pct, num);
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        pm_error_set(err, path, 0, "cannot write the workbook: %s", lxw_strerror(e));
        return -1;
    }
    return 0;
}
