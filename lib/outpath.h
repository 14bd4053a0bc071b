/* outpath.h - checks on output paths before a program does any work.
 *
 * An output that names an input would destroy it (`pm-ingest -r in.csv
 * in.csv` replaced its input with the reject stream), and two outputs naming
 * one file lose one of them (`-r X -o X`).  Programs call pm_paths_check once,
 * after option parsing and before opening anything.
 */
#ifndef PM_OUTPATH_H
#define PM_OUTPATH_H

#include "diag.h"

/* Refuses (-1, err set, naming the output and what it clashes with) when an
 * output path names the same file as an input, or as another output; else 0.
 *
 * Files are compared by identity (device and inode, following symbolic links:
 * a link to an input is that input), not by name.  Outputs that do not exist
 * yet are compared by their folder's identity and their base name.
 * Standard input and output ("-" or NULL) are never a clash; nor are outputs
 * that are not regular files (/dev/null, a FIFO, a terminal), which are
 * written directly, not replaced.  Inputs that cannot be examined (missing,
 * unreadable) are left to the reader to report.  ninputs 0 means standard
 * input.  Nothing is created or changed. */
int pm_paths_check(char *const *inputs, int ninputs, const char *const *outputs, int noutputs, pm_error *err);

#endif
