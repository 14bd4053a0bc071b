/* pipeline_compat.h - declarations of the functions pipeline_compat.c
 * stands in for, until the reader and output changes that define them land
 * (then their own headers declare them, and this file goes). */
#ifndef PM_PIPELINE_COMPAT_H
#define PM_PIPELINE_COMPAT_H
#include "stream.h"
pm_reader *pm_inputs_current(const pm_inputs *in);
int pm_inputs_failed(const pm_inputs *in);
pm_format pm_inputs_format(const pm_inputs *in);
unsigned pm_inputs_header_gen(const pm_inputs *in);
const char *pm_inputs_raw(const pm_inputs *in, size_t *len);
int pm_inputs_take_warning(pm_inputs *in, pm_error *w);
#endif
