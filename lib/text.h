/* text.h - small text helpers shared by the library and the programs:
 * UTF-8 checking and escaping. */
#ifndef PM_TEXT_H
#define PM_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include "buf.h"

/* Length of the valid UTF-8 sequence at s[0..n) (1-4), or 0 when s does not
 * start with one (a stray byte, an overlong form, a surrogate, a sequence cut
 * short). */
size_t pm_utf8_seq(const unsigned char *s, size_t n);
/* Length of the longest valid UTF-8 prefix of s[0..n) (ASCII 8 bytes at a
 * time); *incomplete is 1 when what stops it is a sequence cut short by the
 * end of s (the rest of a character still to come), 0 otherwise. */
size_t pm_utf8_valid_prefix(const unsigned char *s, size_t n, int *incomplete);
/* 1 when s[0..n) is valid UTF-8 throughout. */
int pm_utf8_valid(const char *s, size_t n);
/* Appends s[0..n) as valid UTF-8: valid sequences as they are, every other
 * byte, and NUL, as \xHH.  (A raw record's text: nothing is lost, nothing is
 * copied that a UTF-8 reader would refuse.) */
void pm_utf8_escape(pm_buf *out, const char *s, size_t n);
/* Like pm_utf8_escape, and control characters (C0, DEL) are escaped too:
 * text that is safe to print in a one-line message. */
void pm_text_printable(pm_buf *out, const char *s, size_t n);
/* Appends " (NAME=VALUE)", VALUE printable and at most its first 80 bytes:
 * how a message about a record names it (docs/CONTRACT.md section 1). */
void pm_text_add_key(pm_buf *out, const char *name, const char *value, size_t n);

/* Edit distance between a and b in characters (a UTF-8 sequence counts as
 * one; a swap of two neighbours, "kidn", is one edit).  Only the first 128
 * characters of each are compared. */
size_t pm_text_distance(const char *a, const char *b);
/* The names of known[0..nknown) near name, for "did you mean": those within
 * a third of its length in edits (1 for a name of up to 3 characters, else
 * at least 2), equal but for case, or (name of 3 characters or more) that one begins with
 * the other.  Writes up to max indexes into out, nearest first (ties in the
 * order of known); returns how many. */
int pm_text_nearest(const char *name, const char *const *known, int nknown, int *out, int max);

#endif
