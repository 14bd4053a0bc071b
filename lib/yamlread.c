/* yamlread.c - the YAML adapter: libyaml behind pm_reader, one document
 * at a time. */
#include "reader_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* YAML --------------------------------------------------------------------- */

/* Whether code point c may stand in a YAML stream (YAML 1.1 c-printable, as
 * libyaml checks it). */
static int yaml_printable(uint32_t c)
{
    return c == 0x09 || c == 0x0A || c == 0x0D || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Checks s[0..n) as the next piece of a YAML stream: NULL when every
 * character is valid UTF-8 that YAML allows, else why not.  A character cut
 * at the end of the piece is kept in rd->carry and checked with the next. */
static const char *yaml_piece_problem(pm_reader *rd, const unsigned char *s, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    while (i < n || rd->ncarry) {
        unsigned char c;
        /* eight printable ASCII bytes at a time: no high bit, none below
         * 0x20 (tab and line ends are looked at one by one), no DEL */
        while (!rd->ncarry && i + 8 <= n) {
            uint64_t w, d;
            memcpy(&w, s + i, 8);
            d = w ^ (ones * 0x7f);
            if (((w | ((w - ones * 0x20) & ~w) | ((d - ones) & ~d)) & highs) != 0) break;
            i += 8;
        }
        if (i >= n && !rd->ncarry) break;
        if (rd->ncarry) {
            c = rd->carry[0];
        } else {
            c = s[i];
            if (c < 0x80) {
                if (!yaml_printable(c)) return "control characters are not allowed";
                i++;
                continue;
            }
        }
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : ((c & 0xf8) == 0xf0 && c <= 0xf4) ? 4 : 0;
        if (!len) return "invalid UTF-8";
        unsigned char ch[4];
        size_t have = rd->ncarry;
        memcpy(ch, rd->carry, have);
        if (!have) ch[have++] = s[i++];
        while (have < len && i < n) ch[have++] = s[i++];
        if (have < len) { /* the character goes on in the next piece */
            for (size_t k = 1; k < have; k++)
                if ((ch[k] & 0xc0) != 0x80) return "invalid UTF-8";
            memcpy(rd->carry, ch, have);
            rd->ncarry = have;
            return NULL;
        }
        rd->ncarry = 0;
        uint32_t cp = ch[0] & (0x7f >> len);
        for (size_t k = 1; k < len; k++) {
            if ((ch[k] & 0xc0) != 0x80) return "invalid UTF-8";
            cp = (cp << 6) | (ch[k] & 0x3f);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return "invalid UTF-8";
        if (!yaml_printable(cp)) return "control characters are not allowed";
    }
    return NULL;
}

/* Copies the piece s[0..n) to out, leaving out what lies inside flow
 * collections deeper than YAML_MAX_FLOW (the brackets that open and close it
 * included, so what remains is balanced); returns the bytes written.  Quotes
 * and comments are followed well enough that brackets inside them are not
 * counted; a bracket counted wrongly only matters 48 levels deep. */
static size_t yaml_flow_filter(pm_reader *rd, const unsigned char *s, size_t n, unsigned char *out)
{
    size_t o = 0;
    if (rd->flow_prev == '\n' && n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3))) {
        rd->flow_depth = 0; /* a document marker ends any flow collection */
        rd->flow_quote = 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        int keep = rd->flow_depth <= YAML_MAX_FLOW;
        if (rd->flow_quote) {
            if (rd->flow_escape)
                rd->flow_escape = 0;
            else if (c == '\\' && rd->flow_quote == '"')
                rd->flow_escape = 1;
            else if (c == (unsigned char)rd->flow_quote)
                rd->flow_quote = 0;
        } else if (c == '#' && (rd->flow_prev == '\n' || i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            /* a comment, to the end of the line */
            size_t j = i;
            while (j < n && s[j] != '\n') j++;
            if (keep) {
                memcpy(out + o, s + i, j - i);
                o += j - i;
            }
            i = j - 1;
            continue;
        } else if ((c == '\'' || c == '"') && strchr("\n[{,:-? \t", rd->flow_prev)) {
            rd->flow_quote = (char)c;
        } else if (c == '[' || c == '{') {
            if (++rd->flow_depth > YAML_MAX_FLOW) {
                keep = 0;
                rd->flow_dropped = 1;
            }
        } else if ((c == ']' || c == '}') && rd->flow_depth > 0) {
            keep = rd->flow_depth-- <= YAML_MAX_FLOW;
        }
        if (c != ' ' && c != '\t') rd->flow_prev = c == '\r' ? '\n' : (char)c;
        if (keep) out[o++] = c;
    }
    return o;
}

static int yaml_read_handler(void *data, unsigned char *buffer, size_t size, size_t *size_read)
{
    pm_reader *rd = data;
    pm_error err;
    /* the lines read ahead into the document buffer come first */
    int pre = rd->ypre_pos < rd->ydoc.len;
    long *line = pre ? &rd->ypre_line : &rd->line;
    const unsigned char *s;
    size_t n;
    if (pre) {
        s = (const unsigned char *)rd->ydoc.s + rd->ypre_pos;
        n = rd->ydoc.len - rd->ypre_pos;
    } else {
        int f = pmr_src_fill(rd, &err);
        if (f < 0) return 0;
        if (f == 0) {
            *size_read = 0;
            return 1;
        }
        s = rd->dec + rd->decpos;
        n = rd->declen - rd->decpos;
    }
    /* One line at a time: libyaml decodes (and checks) all it is given
     * before parsing on, so a bad byte must not be seen before the records
     * of the lines above it are out, and its line must be known. */
    if (n > size) n = size;
    const unsigned char *nl = memchr(s, '\n', n);
    if (nl) n = (size_t)(nl - s) + 1;
    const char *why = yaml_piece_problem(rd, s, n);
    if (why) {
        /* libyaml would fail at once, losing the record it has not yet
         * given out; it gets the end of the stream instead, and pmr_yaml_next
         * reports this line after the records above it */
        rd->cut_line = *line;
        rd->cut_why = why;
        rd->cut_at_document =
            rd->yaml_piece_line != *line && (n >= 3 && (!memcmp(s, "---", 3) || !memcmp(s, "...", 3)));
        if (pre)
            rd->ypre_pos = rd->ydoc.len;
        else
            rd->decpos = rd->declen;
        *size_read = 0;
        return 1;
    }
    size_t out = yaml_flow_filter(rd, s, n, buffer);
    if (pre)
        rd->ypre_pos += n;
    else
        rd->decpos += n;
    rd->yaml_piece_line = *line;
    if (nl) (*line)++;
    *size_read = out;
    if (out == 0) { /* all of it left out: 0 would mean the end; a space does no harm */
        buffer[0] = ' ';
        *size_read = 1;
    }
    return 1;
}

static int is_null_plain(const yaml_event_t *ev)
{
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return 0;
    /* a plain scalar holds no NUL: its length says which words it can be */
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

/* Skips the rest of a collection whose start event was just read.  0; -1 on
 * a YAML error (yaml_fail reports it); -2 with err set when the collection
 * nests deeper than YAML_MAX_DEPTH: libyaml's time per token grows with the
 * depth, so 200,000 levels would take minutes; the input is not read further
 * (the reader is finished). */
static int yaml_skip(pm_reader *rd, pm_error *err)
{
    long depth = 1;
    while (depth > 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) return -1;
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
            if (++depth > YAML_MAX_DEPTH) {
                pm_error_set(err, rd->name, (long)ev.start_mark.line + 1 + rd->yline_base,
                             "collections nested deeper than %d levels; the rest of the input is not read",
                             YAML_MAX_DEPTH);
                yaml_event_delete(&ev);
                rd->finished = 1;
                return -2;
            }
        } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT)
            depth--;
        else if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            return -1;
        }
        yaml_event_delete(&ev);
    }
    return 0;
}

/* The end of a stream cut at a bad line (see yaml_read_handler). */
static int yaml_cut(pm_reader *rd, pm_error *err)
{
    pm_error_set(err, rd->name, rd->cut_line, "invalid YAML: %s; the rest of the input is not read", rd->cut_why);
    rd->finished = 1;
    return PM_READ_FATAL;
}

static int yaml_fail(pm_reader *rd, pm_error *err)
{
    if (rd->finished && err->msg[0]) return PM_READ_FATAL; /* yaml_skip: too deep */
    if (rd->cut_line) return yaml_cut(rd, err);            /* an error from the cut itself */
    long line = (long)rd->yp.problem_mark.line + 1 + rd->yline_base;
    if (rd->yp.error == YAML_READER_ERROR) line = rd->yaml_piece_line;
    pm_error_set(err, rd->name, line, "invalid YAML: %s%s%s", rd->yp.problem ? rd->yp.problem : "syntax error",
                 rd->yp.context ? " " : "", rd->yp.context ? rd->yp.context : "");
    rd->finished = 1;
    return PM_READ_FATAL;
}

/* With join_lists, a field whose value is a sequence of texts ([a, b], or a
 * block list) is read as the texts joined by ';', the toolkit's list separator
 * (pm-sla's paused: [2024-07-03T10:00/2024-07-04T09:00, 2024-07-08T10:00/]).
 * The sequence's start event was just read.  Anything but texts in it makes
 * the record bad (noted in bad).  0; -1 on a YAML error; -2 from yaml_skip
 * (err set). */
static int yaml_list_field(pm_reader *rd, pm_record *rec, char *name, char *bad, size_t badsz, pm_error *err)
{
    pm_buf b = PM_BUF_INIT;
    int n = 0, r = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) {
            r = -1;
            break;
        }
        yaml_event_type_t t = ev.type;
        if (t == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_SCALAR_EVENT) {
            if (n++) pm_buf_addc(&b, ';');
            if (!is_null_plain(&ev)) pm_buf_add(&b, (const char *)ev.data.scalar.value, ev.data.scalar.length);
            yaml_event_delete(&ev);
            continue;
        }
        yaml_event_delete(&ev);
        if (!bad[0]) snprintf(bad, badsz, "field '%.64s' holds a list of something other than texts", name);
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            int s = yaml_skip(rd, err);
            if (s < 0) {
                r = s;
                break;
            }
        } else if (t != YAML_ALIAS_EVENT) {
            r = -1;
            break;
        }
    }
    if (r == 0) {
        size_t len = b.len;
        if (len > rd->opts.max_field) {
            if (!bad[0])
                snprintf(bad, badsz, "field '%.64s' longer than the limit of %zu bytes (--max-field)", name,
                         rd->opts.max_field);
            len = 0;
        } else if (len && memchr(b.s, 0, len)) {
            if (!bad[0]) snprintf(bad, badsz, "NUL character in field '%.64s'", name);
        }
        char *val = pm_record_strdup(rec, len ? b.s : "", len);
        if (rd->opts.fold_newlines && (memchr(val, '\n', len) || memchr(val, '\r', len))) pmr_fold_newlines(val, &len);
        pm_record_add_owned(rec, name, val, strlen(val));
    }
    pm_buf_free(&b);
    return r;
}

/* Reads one mapping (its start event already consumed) into rec. */
static int yaml_mapping(pm_reader *rd, pm_record *rec, long line, pm_error *err)
{
    char bad[256] = "";
    size_t keyed = 0; /* the leading fields named by rd->ykeys */
    rec->source = rd->name;
    rec->line = line;
    for (;;) {
        yaml_event_t k;
        if (!yaml_parser_parse(&rd->yp, &k)) return yaml_fail(rd, err);
        if (k.type == YAML_MAPPING_END_EVENT) {
            long end = (long)k.start_mark.line + 1 + rd->yline_base;
            yaml_event_delete(&k);
            /* a block mapping ended by the cut may lack its last lines */
            if (rd->cut_line && !rd->cut_at_document && end >= rd->cut_line) return yaml_cut(rd, err);
            break;
        }
        if (k.type != YAML_SCALAR_EVENT) {
            int coll = k.type == YAML_MAPPING_START_EVENT || k.type == YAML_SEQUENCE_START_EVENT;
            if (!bad[0]) snprintf(bad, sizeof bad, "a key that is not text");
            yaml_event_delete(&k);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            /* and skip its value */
            yaml_event_t v;
            if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
            coll = v.type == YAML_MAPPING_START_EVENT || v.type == YAML_SEQUENCE_START_EVENT;
            yaml_event_delete(&v);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            continue;
        }
        if (rec->n >= MAX_FIELDS) {
            /* beyond the limit: note it, skip the pair, keep memory bounded */
            if (!bad[0]) snprintf(bad, sizeof bad, "more than %s fields", MAX_FIELDS_TEXT);
            yaml_event_delete(&k);
            yaml_event_t v;
            if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
            int coll = v.type == YAML_MAPPING_START_EVENT || v.type == YAML_SEQUENCE_START_EVENT;
            yaml_event_delete(&v);
            if (coll && yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            continue;
        }
        /* a key given twice: a bad record naming both places */
        long kl = (long)k.start_mark.line + 1 + rd->yline_base, kc = (long)k.start_mark.column + 1;
        /* per key: line, column and length as text (to its first NUL) */
        if (rec->n >= rd->ykcap) {
            rd->ykcap = rec->n + 16;
            rd->ykpos = pm_xrealloc(rd->ykpos, rd->ykcap * 3 * sizeof *rd->ykpos);
        }
        const char *key = (const char *)k.data.scalar.value;
        size_t klen = k.data.scalar.length;
        /* the key in its place in rd->ykeys, as every key before it: its
         * string is the name, and no key before it can be the same */
        int known = keyed == rec->n && rec->n < rd->nykeys && rd->yklen[rec->n] == klen &&
                    !memcmp(rd->ykeys[rec->n], key, klen);
        if (!known && memchr(key, 0, klen)) klen = strlen(key);
        rd->ykpos[3 * rec->n] = kl;
        rd->ykpos[3 * rec->n + 1] = kc;
        rd->ykpos[3 * rec->n + 2] = (long)klen;
        for (size_t j = 0; !known && j < rec->n && !bad[0]; j++)
            if (rd->ykpos[3 * j + 2] == (long)klen && !memcmp(rec->f[j].name, key, klen))
                snprintf(bad, sizeof bad, "the key '%.64s' appears twice (line %ld column %ld and line %ld column %ld)",
                         rec->f[j].name, pm_line_shown(rd->ykpos[3 * j]), rd->ykpos[3 * j + 1], pm_line_shown(kl), kc);
        char *name = known ? rd->ykeys[keyed++] : pm_record_strdup(rec, key, k.data.scalar.length);
        yaml_event_delete(&k);
        yaml_event_t v;
        if (!yaml_parser_parse(&rd->yp, &v)) return yaml_fail(rd, err);
        if (v.type == YAML_SCALAR_EVENT) {
            size_t len = v.data.scalar.length;
            const char *s = (const char *)v.data.scalar.value;
            int nul = 0;
            if (is_null_plain(&v)) len = 0;
            if (len > rd->opts.max_field) {
                if (!bad[0])
                    snprintf(bad, sizeof bad, "field '%.64s' longer than the limit of %zu bytes (--max-field)", name,
                             rd->opts.max_field);
                len = 0;
            } else if (len && memchr(s, 0, len)) {
                nul = 1;
                if (!bad[0]) snprintf(bad, sizeof bad, "NUL character in field '%.64s'", name);
            }
            char *val = pm_record_strdup(rec, s, len);
            if (rd->opts.fold_newlines && (memchr(val, '\n', len) || memchr(val, '\r', len)))
                pmr_fold_newlines(val, &len);
            pm_record_add_owned(rec, name, val, nul ? strlen(val) : len);
        } else if (v.type == YAML_ALIAS_EVENT) {
            if (!bad[0])
                snprintf(bad, sizeof bad, "field '%.64s' is an alias; aliases are not supported in records", name);
            pm_record_add_owned(rec, name, "", 0);
        } else if (v.type == YAML_SEQUENCE_START_EVENT && rd->opts.join_lists) {
            int r = yaml_list_field(rd, rec, name, bad, sizeof bad, err);
            if (r < 0) {
                yaml_event_delete(&v);
                return yaml_fail(rd, err);
            }
        } else {
            if (!bad[0])
                snprintf(bad, sizeof bad, "field '%.64s' holds a nested %s, not text", name,
                         v.type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
            pm_record_add_owned(rec, name, "", 0);
            if (yaml_skip(rd, err) < 0) {
                yaml_event_delete(&v);
                return yaml_fail(rd, err);
            }
        }
        yaml_event_delete(&v);
    }
    if (bad[0]) {
        pm_error_set(err, rd->name, line, "%s", bad);
        return PM_READ_BAD;
    }
    return PM_READ_OK;
}

/* The next record of the parser's stream (OK, BAD), EOF at its end, FATAL
 * (err set) on a YAML error. */
static int yaml_event_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    if (rd->finished) return PM_READ_EOF;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&rd->yp, &ev)) return yaml_fail(rd, err);
        yaml_event_type_t t = ev.type;
        long line = (long)ev.start_mark.line + 1 + rd->yline_base;
        int null_doc = t == YAML_SCALAR_EVENT && is_null_plain(&ev) && !rd->yaml_in_seq;
        yaml_event_delete(&ev);
        switch (t) {
        case YAML_STREAM_END_EVENT:
            if (rd->cut_line) return yaml_cut(rd, err);
            rd->finished = 1;
            return PM_READ_EOF;
        case YAML_STREAM_START_EVENT: continue;
        case YAML_DOCUMENT_START_EVENT:
            rd->yaml_doc_open = 1;
            rd->ydoc_start = line;
            continue;
        case YAML_DOCUMENT_END_EVENT: rd->yaml_doc_open = 0; continue;
        case YAML_MAPPING_START_EVENT: return yaml_mapping(rd, rec, line, err);
        case YAML_SEQUENCE_START_EVENT:
            if (!rd->yaml_in_seq) {
                rd->yaml_in_seq = 1;
                continue;
            }
            if (yaml_skip(rd, err) < 0) return yaml_fail(rd, err);
            pm_error_set(err, rd->name, line, "a sequence inside a sequence is not a record");
            rec->source = rd->name;
            rec->line = line;
            return PM_READ_BAD;
        case YAML_SEQUENCE_END_EVENT: rd->yaml_in_seq = 0; continue;
        case YAML_SCALAR_EVENT:
            if (null_doc) {
                /* issue 12: not skipped silently */
                if (rd->ydoc_start && rd->ydoc_start < line) line = rd->ydoc_start;
                pm_error_set(err, rd->name, line, "an empty (null) YAML document, not a record");
                rec->source = rd->name;
                rec->line = line;
                return PM_READ_BAD;
            }
            /* fallthrough */
        default:
            pm_error_set(err, rd->name, line, "a YAML document that is not a mapping (a record)");
            rec->source = rd->name;
            rec->line = line;
            return PM_READ_BAD;
        }
    }
}

/* YAML is read one document at a time: the lines from one that starts with
 * "---" (column 0) to the next such line are parsed on their own, so that an
 * error in one document rejects that document (PM_READ_BAD, its lines as
 * raw text) and reading goes on with the next.  A document is parsed whole
 * before its records are given out, so a document with an error gives none.
 * Only a document longer than YAML_DOC_MAX (a stream that is not one record
 * per document) is handed to libyaml as a stream, line by line; an error in
 * it ends the input. */
#define YAML_DOC_MAX ((size_t)1 << 20)

int pmr_yaml_doc_marker(const char *l, size_t n)
{
    return n >= 3 && !memcmp(l, "---", 3) && (n == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\n' || l[3] == '\r');
}

/* Blank, comment or directive lines: they belong to the document after them. */
int pmr_yaml_preamble_line(const char *l, size_t n)
{
    size_t i = 0;
    if (n && l[0] == '%') return 1;
    while (i < n && (l[i] == ' ' || l[i] == '\t')) i++;
    return i == n || l[i] == '#' || l[i] == '\n' || l[i] == '\r';
}

/* Reads the next document's lines into rd->ydoc.  1: a document; 0: the end
 * of the input; 2: longer than YAML_DOC_MAX (to be streamed); -1: read error. */
static int yaml_read_doc(pm_reader *rd, pm_error *err)
{
    pm_buf_reset(&rd->ydoc);
    int preamble = 1;
    if (rd->ynext.len) {
        pm_buf_add(&rd->ydoc, rd->ynext.s, rd->ynext.len);
        rd->ydoc_line = rd->ynext_line;
        pm_buf_reset(&rd->ynext);
        preamble = 0;
    } else {
        rd->ydoc_line = rd->line;
    }
    for (;;) {
        size_t start = rd->ydoc.len;
        long this_line = rd->line;
        int got = 0;
        for (;;) {
            int f = pmr_src_fill(rd, err);
            if (f < 0) return -1;
            if (f == 0) break;
            const unsigned char *s = rd->dec + rd->decpos;
            size_t n = rd->declen - rd->decpos;
            const unsigned char *nl = memchr(s, '\n', n);
            size_t k = nl ? (size_t)(nl - s) + 1 : n;
            pm_buf_add(&rd->ydoc, s, k);
            rd->decpos += k;
            got = 1;
            if (nl) {
                rd->line++;
                break;
            }
        }
        if (!got) break;
        const char *l = rd->ydoc.s + start;
        size_t ll = rd->ydoc.len - start;
        int marker = pmr_yaml_doc_marker(l, ll);
        if (marker && start > 0 && !preamble) {
            /* the next document's first line */
            pm_buf_add(&rd->ynext, l, ll);
            rd->ynext_line = this_line;
            rd->ydoc.len = start;
            rd->ydoc.s[start] = 0;
            return 1;
        }
        if (marker || !pmr_yaml_preamble_line(l, ll)) preamble = 0;
        if (rd->ydoc.len > YAML_DOC_MAX) return 2;
    }
    return rd->ydoc.len ? 1 : 0;
}

/* Queues a bad record for the whole document in rd->ydoc. */
static void yaml_doc_bad(pm_reader *rd, long line, const char *msg)
{
    pm_record *r = pmr_queue_slot(rd);
    pm_record_clear(r);
    r->source = rd->name;
    r->line = line;
    pending *p = &rd->q[rd->qhead + rd->qlen];
    p->bad = 1;
    snprintf(p->msg, sizeof p->msg, "%s", msg);
    pm_buf_reset(&p->raw);
    size_t n = rd->ydoc.len < RAW_MAX ? rd->ydoc.len : RAW_MAX;
    pmr_raw_escape(rd, &p->raw, (const unsigned char *)rd->ydoc.s, n, NULL, 0);
    rd->qlen++;
}

static void yaml_state_reset(pm_reader *rd)
{
    rd->ncarry = 0;
    rd->flow_depth = 0;
    rd->flow_quote = 0;
    rd->flow_prev = '\n';
    rd->flow_escape = 0;
    rd->flow_dropped = 0;
    rd->cut_line = 0;
    rd->yaml_in_seq = 0;
    rd->yaml_doc_open = 0;
    rd->finished = 0;
    rd->yline_base = rd->ydoc_line - 1;
    rd->ydoc_start = 0;
}

static void yaml_keys_free(char **keys, size_t n)
{
    for (size_t i = 0; i < n; i++) free(keys[i]);
    free(keys);
}

/* Makes rec's field names (a record read well, so no two the same) the key
 * list in force, unless they are already: copies of them become rd->ykeys,
 * and rec is named by those.  Once per document: the list before stays
 * (ykeys_old) for the records that name it, the one before that is freed
 * (its records were given out and overwritten when this document began). */
static void yaml_keys_take(pm_reader *rd, pm_record *rec)
{
    size_t n = rec->n, i = 0;
    if (rd->yadopted || n == 0) return;
    while (i < n && i < rd->nykeys && rec->f[i].name == rd->ykeys[i]) i++;
    if (i == n && n == rd->nykeys) return;
    rd->yadopted = 1;
    yaml_keys_free(rd->ykeys_old, rd->nykeys_old);
    rd->ykeys_old = rd->ykeys;
    rd->nykeys_old = rd->nykeys;
    rd->ykeys = pm_xmalloc(n * sizeof *rd->ykeys);
    free(rd->yklen);
    rd->yklen = pm_xmalloc(n * sizeof *rd->yklen);
    for (i = 0; i < n; i++) {
        rd->yklen[i] = strlen(rec->f[i].name);
        rd->ykeys[i] = pm_xstrdup(rec->f[i].name);
        rec->f[i].name = rd->ykeys[i];
    }
    rd->nykeys = n;
    rd->header_gen++;
}

const char *const *pmr_yaml_keys(const pm_reader *rd, size_t *n)
{
    *n = rd->nykeys;
    return (const char *const *)rd->ykeys;
}

/* How many bytes c s[0..n) holds, counted up to stop (memchr finds them:
 * a document holds few). */
size_t pmr_yaml_count_to(const char *s, size_t n, char c, size_t stop)
{
    size_t k = 0;
    const char *end = s + n;
    while (k < stop && (s = memchr(s, c, (size_t)(end - s)))) {
        k++;
        s++;
    }
    return k;
}

/* Parses the document in rd->ydoc into the queue. */
static void yaml_parse_doc(pm_reader *rd)
{
    const char *buf = rd->ydoc.s;
    size_t len = rd->ydoc.len, i = 0;
    long line0 = rd->ydoc_line, ln = line0, last = line0;
    char msg[512];
    yaml_state_reset(rd);
    rd->yadopted = 0;
    /* bytes YAML does not allow make the document bad, before libyaml */
    const char *why = NULL;
    while (i < len) {
        const char *nl = memchr(buf + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;
        if (!why && (why = yaml_piece_problem(rd, (const unsigned char *)buf + i, n))) last = ln;
        i += n;
        if (nl && i < len) ln++;
    }
    if (!why && rd->ncarry) {
        why = "invalid UTF-8";
        last = ln;
    }
    rd->ncarry = 0;
    if (why) {
        snprintf(msg, sizeof msg, "invalid YAML: %s (line %ld); the document is rejected", why, pm_line_shown(last));
        yaml_doc_bad(rd, line0, msg);
        return;
    }
    /* with no more brackets than YAML_MAX_FLOW in all, no flow collection
     * can nest deeper: the filter would copy every byte */
    size_t brackets = pmr_yaml_count_to(buf, len, '[', YAML_MAX_FLOW + 1);
    if (brackets <= YAML_MAX_FLOW) brackets += pmr_yaml_count_to(buf, len, '{', YAML_MAX_FLOW + 1 - brackets);
    const char *text = buf;
    size_t out = len;
    if (brackets > YAML_MAX_FLOW) {
        pm_buf_reset(&rd->yfilt);
        pm_buf_grow(&rd->yfilt, len + 1);
        out = yaml_flow_filter(rd, (const unsigned char *)buf, len, (unsigned char *)rd->yfilt.s);
        text = rd->yfilt.s;
    }
    if (!yaml_parser_initialize(&rd->yp)) pm_oom(sizeof rd->yp); /* libyaml fails only for want of memory */
    yaml_parser_set_input_string(&rd->yp, (const unsigned char *)text, out);
    rd->yaml_started = 1;
    size_t q0 = rd->qlen;
    for (;;) {
        pm_record *r = pmr_queue_slot(rd);
        pending *p = &rd->q[rd->qhead + rd->qlen];
        pm_error e;
        pm_error_clear(&e);
        int st = yaml_event_next(rd, r, &e);
        if (st == PM_READ_EOF) break;
        if (st == PM_READ_FATAL) {
            /* the document is rejected whole, records read from it included */
            for (size_t k = q0; k < rd->qlen; k++) pm_record_clear(&rd->q[rd->qhead + k].rec);
            rd->qlen = q0;
            const char *m = e.msg;
            if (!strncmp(m, "invalid YAML: ", 14)) m += 14;
            snprintf(msg, sizeof msg, "invalid YAML: %.400s (line %ld); the document is rejected", m,
                     pm_line_shown(e.line));
            yaml_doc_bad(rd, line0, msg);
            break;
        }
        r->source = rd->name;
        p->bad = st == PM_READ_BAD;
        if (!p->bad) yaml_keys_take(rd, r);
        if (p->bad) {
            if (rd->flow_dropped)
                snprintf(p->msg, sizeof p->msg,
                         "collections nested deeper than %d levels (the deeper part is not read)", YAML_MAX_FLOW);
            else
                snprintf(p->msg, sizeof p->msg, "%.500s", e.msg);
            pm_buf_reset(&p->raw);
            size_t n = len < RAW_MAX ? len : RAW_MAX;
            pmr_raw_escape(rd, &p->raw, (const unsigned char *)buf, n, NULL, 0);
        }
        rd->qlen++;
    }
    yaml_parser_delete(&rd->yp);
    rd->yaml_started = 0;
    rd->finished = 0;
    rd->flow_dropped = 0;
}

/* Lines from the one an error is on to the end of the input, counted by
 * reading the rest (the message says how many were not read). */
static long yaml_lines_left(pm_reader *rd, long from)
{
    pm_error e;
    long n = 0;
    int last_nl = 1;
    while (pmr_src_fill(rd, &e) > 0) {
        const unsigned char *s = rd->dec + rd->decpos, *end = rd->dec + rd->declen;
        while ((s = memchr(s, '\n', (size_t)(end - s)))) {
            n++;
            s++;
        }
        last_nl = rd->dec[rd->declen - 1] == '\n';
        rd->decpos = rd->declen;
    }
    long total = rd->line - 1 + n + !last_nl;
    return total >= from ? total - from + 1 : 0;
}

int pmr_yaml_next(pm_reader *rd, pm_record *rec, pm_error *err)
{
    for (;;) {
        if (rd->qlen) return pmr_queue_pop(rd, rec, err);
        if (rd->finished) return PM_READ_EOF;
        if (rd->ystream) {
            int st = yaml_event_next(rd, rec, err);
            if (st == PM_READ_FATAL) {
                long left = yaml_lines_left(rd, err->line);
                size_t l = strlen(err->msg);
                const char *cut = "; the rest of the input is not read";
                if (l > strlen(cut) && !strcmp(err->msg + l - strlen(cut), cut)) err->msg[l - strlen(cut)] = 0;
                l = strlen(err->msg);
                snprintf(err->msg + l, sizeof err->msg - l,
                         "; the input is not read further (%ld line%s not read: a document longer than 1 MiB is read "
                         "as one stream)",
                         left, left == 1 ? "" : "s");
                rd->finished = 1;
            }
            return st;
        }
        int c = yaml_read_doc(rd, err);
        if (c < 0) {
            rd->finished = 1;
            return PM_READ_FATAL;
        }
        if (c == 0) {
            rd->finished = 1;
            return PM_READ_EOF;
        }
        if (c == 1) {
            yaml_parse_doc(rd);
            continue;
        }
        /* a long document: a stream from here on */
        yaml_state_reset(rd);
        if (!yaml_parser_initialize(&rd->yp)) pm_oom(sizeof rd->yp); /* libyaml fails only for want of memory */
        yaml_parser_set_input(&rd->yp, yaml_read_handler, rd);
        rd->yaml_started = 1;
        rd->ystream = 1;
        rd->ypre_pos = 0;
        rd->ypre_line = rd->ydoc_line;
        rd->yaml_piece_line = rd->ydoc_line;
    }
}

void pmr_yaml_free(pm_reader *rd)
{
    if (rd->yaml_started) yaml_parser_delete(&rd->yp);
    rd->yaml_started = 0;
    pm_buf_free(&rd->ydoc);
    pm_buf_free(&rd->ynext);
    pm_buf_free(&rd->yfilt);
    free(rd->ykpos);
    rd->ykpos = NULL;
    yaml_keys_free(rd->ykeys, rd->nykeys);
    yaml_keys_free(rd->ykeys_old, rd->nykeys_old);
    free(rd->yklen);
    rd->ykeys = rd->ykeys_old = NULL;
    rd->yklen = NULL;
    rd->nykeys = rd->nykeys_old = 0;
}
