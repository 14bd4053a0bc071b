/* out_xlsx.c - the report as an XLSX workbook through libxlsxwriter: a sheet
 * per table, header row bold and frozen, counts and amounts as numbers,
 * rates as numbers with a percentage format (0.1250 shows as 12.50%).
 * Excel stores numbers as binary doubles; the values written are the same
 * rounded decimals the CSV output shows, converted at the last step.
 */
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>
#include "report.h"

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
    lxw_error e = workbook_close(wb);
    if (e != LXW_NO_ERROR) {
        pm_error_set(err, path, 0, "cannot write the workbook: %s", lxw_strerror(e));
        return -1;
    }
    return 0;
}
