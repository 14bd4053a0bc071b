/* pipeline_compat.c - weak stand-ins for reader and output functions the
 * pipeline uses that are being added elsewhere (lib/reader.c: raw text,
 * warnings, header generations, accessors).  (pm_paths_check is outpath.h's:
 * a weak stand-in in an archive keeps the real one from being linked.)
 * A real definition overrides each one at link time; delete this file once
 * they have all landed. */
#include "pipeline.h"

__attribute__((weak)) pm_reader *pm_inputs_current(const pm_inputs *in) { return in->cur; }
__attribute__((weak)) int pm_inputs_failed(const pm_inputs *in) { return in->had_error; }
__attribute__((weak)) pm_format pm_inputs_format(const pm_inputs *in) { return in->first_format; }
__attribute__((weak)) unsigned pm_inputs_header_gen(const pm_inputs *in) { return (unsigned)in->next; }
__attribute__((weak)) const char *pm_inputs_raw(const pm_inputs *in, size_t *len)
{
    (void)in;
    *len = 0;
    return NULL;
}
__attribute__((weak)) int pm_inputs_take_warning(pm_inputs *in, pm_error *w)
{
    (void)in;
    (void)w;
    return 0;
}
