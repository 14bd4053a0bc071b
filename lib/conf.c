/* conf.c - configuration files: one YAML document loaded with libyaml.
 *
 * Files are read whole (they are small, and pm-fee needs their bytes for the
 * schedule checksum) and composed with yaml_parser_load.  Aliases come out of
 * libyaml as shared node indexes, so nothing here expands them, and nothing
 * here recurses: every check walks the document's flat node array once.
 */
#include "conf.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "text.h"

#ifndef PM_DATADIR
#define PM_DATADIR "/usr/local/share/pm"
#endif

/* Largest configuration file we read: far above any real one, small enough
 * that a mistaken argument (a 2 GB ticket dump) fails fast. */
#define CONF_MAX_BYTES (64L * 1024 * 1024)

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(pm_xmalloc(n), s, n);
}

static long mark_line(yaml_mark_t m)
{
    return (long)m.line + 1;
}

static void parser_error(pm_conf *c, yaml_parser_t *p, pm_error *err)
{
    long line = 0;
    const char *problem = p->problem ? p->problem : "unknown error";
    switch (p->error) {
    case YAML_MEMORY_ERROR: pm_error_set(err, c->path, 0, "could not parse YAML: out of memory"); return;
    case YAML_READER_ERROR:
        /* Only an offset is known: count the lines up to it. */
        line = 1;
        for (size_t i = 0; i < p->problem_offset && i < c->nbytes; i++)
            if (c->bytes[i] == '\n') line++;
        pm_error_set(err, c->path, line, "could not parse YAML: %s", problem);
        return;
    default:
        line = mark_line(p->problem_mark);
        if (p->context)
            pm_error_set(err, c->path, line, "could not parse YAML: %s %s (line %ld)", problem, p->context,
                         mark_line(p->context_mark));
        else
            pm_error_set(err, c->path, line, "could not parse YAML: %s", problem);
        return;
    }
}

static int scalar_eq(const yaml_node_t *a, const yaml_node_t *b)
{
    return a->data.scalar.length == b->data.scalar.length &&
           memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
}

static int cmp_key(const void *a, const void *b)
{
    const yaml_node_t *x = *(yaml_node_t *const *)a, *y = *(yaml_node_t *const *)b;
    size_t n = x->data.scalar.length < y->data.scalar.length ? x->data.scalar.length : y->data.scalar.length;
    int c = memcmp(x->data.scalar.value, y->data.scalar.value, n);
    if (c) return c;
    if (x->data.scalar.length != y->data.scalar.length) return x->data.scalar.length < y->data.scalar.length ? -1 : 1;
    /* equal keys: in file order, so the later one is reported */
    return x->start_mark.index < y->start_mark.index ? -1 : x->start_mark.index > y->start_mark.index;
}

/* Duplicate keys would make lookups depend on which one is found first.
 * Small mappings are checked pair by pair, big ones by sorting their keys,
 * so a hostile file costs O(n log n). */
static int check_duplicates(pm_conf *c, pm_error *err)
{
    yaml_node_t *n;
    for (n = c->doc.nodes.start; n < c->doc.nodes.top; n++) {
        yaml_node_pair_t *a, *b;
        size_t npairs;
        if (n->type != YAML_MAPPING_NODE) continue;
        npairs = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
        if (npairs > 64) {
            yaml_node_t **keys = pm_xmalloc(npairs * sizeof *keys), *dup = NULL, *first = NULL;
            size_t k = 0;
            for (a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
                yaml_node_t *ka = yaml_document_get_node(&c->doc, a->key);
                if (ka && ka->type == YAML_SCALAR_NODE) keys[k++] = ka;
            }
            qsort(keys, k, sizeof *keys, cmp_key);
            for (size_t i = 1; i < k && !dup; i++)
                if (scalar_eq(keys[i - 1], keys[i])) {
                    first = keys[i - 1];
                    dup = keys[i];
                }
            free(keys);
            if (dup) {
                pm_conf_error(c, dup, err, "duplicate key '%s' (first on line %ld)",
                              (const char *)dup->data.scalar.value, pm_conf_line(first));
                return -1;
            }
            continue;
        }
        for (a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
            yaml_node_t *ka = yaml_document_get_node(&c->doc, a->key);
            if (!ka || ka->type != YAML_SCALAR_NODE) continue;
            for (b = n->data.mapping.pairs.start; b < a; b++) {
                yaml_node_t *kb = yaml_document_get_node(&c->doc, b->key);
                if (kb && kb->type == YAML_SCALAR_NODE && scalar_eq(ka, kb)) {
                    pm_conf_error(c, ka, err, "duplicate key '%s' (first on line %ld)",
                                  (const char *)ka->data.scalar.value, pm_conf_line(kb));
                    return -1;
                }
            }
        }
    }
    return 0;
}

/* Deepest nesting of collections a configuration file may have.  Real files
 * need a handful of levels; libyaml spends time proportional to the depth on
 * every token (and 200,000 levels take minutes), so deeper input is refused
 * before it is composed. */
#define CONF_MAX_DEPTH 64

/* Walks the events of c->bytes: 0, or -1 with err when collections nest
 * deeper than CONF_MAX_DEPTH.  Syntax errors are left to yaml_parser_load,
 * which reports them. */
static int check_depth(pm_conf *c, pm_error *err)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return 0;
    yaml_parser_set_input_string(&p, c->bytes, c->nbytes);
    int depth = 0, rc = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) break;
        yaml_event_type_t t = ev.type;
        long line = mark_line(ev.start_mark);
        yaml_event_delete(&ev);
        if (t == YAML_STREAM_END_EVENT) break;
        if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
            if (++depth > CONF_MAX_DEPTH) {
                pm_error_set(err, c->path, line, "collections nested deeper than %d levels", CONF_MAX_DEPTH);
                rc = -1;
                break;
            }
        } else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
            depth--;
        }
    }
    yaml_parser_delete(&p);
    return rc;
}

/* Parses c->bytes into c->doc. */
static int compose(pm_conf *c, pm_error *err)
{
    yaml_parser_t parser;
    yaml_document_t extra;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        pm_error_set(err, c->path, 0, "could not parse YAML: out of memory");
        return -1;
    }
    if (check_depth(c, err) < 0) {
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_parser_set_input_string(&parser, c->bytes, c->nbytes);
    if (!yaml_parser_load(&parser, &c->doc)) {
        parser_error(c, &parser, err);
        yaml_parser_delete(&parser);
        return -1;
    }
    c->loaded = 1;
    /* A configuration file is one document: a second one is a mistake
     * (often a stray '---'), not something to ignore. */
    if (yaml_document_get_root_node(&c->doc)) {
        if (!yaml_parser_load(&parser, &extra)) {
            parser_error(c, &parser, err);
            rc = -1;
        } else {
            yaml_node_t *root = yaml_document_get_root_node(&extra);
            if (root) {
                pm_error_set(err, c->path, mark_line(root->start_mark), "expected one YAML document, found another");
                rc = -1;
            }
            yaml_document_delete(&extra);
        }
    }
    yaml_parser_delete(&parser);
    if (rc == 0) rc = check_duplicates(c, err);
    return rc;
}

int pm_conf_load(pm_conf *c, const char *path, pm_error *err)
{
    FILE *f;
    size_t cap = 4096, n = 0;
    unsigned char *buf;

    memset(c, 0, sizeof *c);
    c->path = dupstr(path);
    f = fopen(path, "rb");
    if (!f) {
        pm_error_set(err, path, 0, "cannot open: %s", strerror(errno));
        pm_conf_free(c);
        return -1;
    }
    buf = pm_xmalloc(cap + 1);
    for (;;) {
        size_t got;
        if (n == cap) {
            if ((long)cap >= CONF_MAX_BYTES) {
                pm_error_set(err, path, 0, "too large for a configuration file");
                fclose(f);
                free(buf);
                pm_conf_free(c);
                return -1;
            }
            cap *= 2;
            buf = pm_xrealloc(buf, cap + 1);
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) {
        pm_error_set(err, path, 0, "cannot read: %s", strerror(errno));
        fclose(f);
        free(buf);
        pm_conf_free(c);
        return -1;
    }
    fclose(f);
    buf[n] = '\0';
    c->bytes = buf;
    c->nbytes = n;
    if (compose(c, err) < 0) {
        pm_conf_free(c);
        return -1;
    }
    return 0;
}

int pm_conf_load_string(pm_conf *c, const char *text, size_t len, const char *name, pm_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = dupstr(name ? name : "<string>");
    c->bytes = pm_xmalloc(len + 1);
    memcpy(c->bytes, text, len);
    c->bytes[len] = '\0';
    c->nbytes = len;
    if (compose(c, err) < 0) {
        pm_conf_free(c);
        return -1;
    }
    return 0;
}

void pm_conf_free(pm_conf *c)
{
    if (c->loaded) yaml_document_delete(&c->doc);
    free(c->path);
    free(c->bytes);
    memset(c, 0, sizeof *c);
}

yaml_node_t *pm_conf_root(pm_conf *c)
{
    return c->loaded ? yaml_document_get_root_node(&c->doc) : NULL;
}

yaml_node_t *pm_conf_node(pm_conf *c, int index)
{
    return c->loaded ? yaml_document_get_node(&c->doc, index) : NULL;
}

yaml_node_t *pm_conf_get(pm_conf *c, yaml_node_t *map, const char *key)
{
    size_t klen = strlen(key);
    yaml_node_pair_t *p;
    if (!map || map->type != YAML_MAPPING_NODE) return NULL;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = pm_conf_node(c, p->key);
        if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == klen &&
            memcmp(k->data.scalar.value, key, klen) == 0)
            return pm_conf_node(c, p->value);
    }
    return NULL;
}

const char *pm_conf_str(yaml_node_t *node)
{
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

long pm_conf_line(yaml_node_t *node)
{
    return node ? mark_line(node->start_mark) : 0;
}

int pm_conf_is_map(yaml_node_t *n)
{
    return n && n->type == YAML_MAPPING_NODE;
}

int pm_conf_is_seq(yaml_node_t *n)
{
    return n && n->type == YAML_SEQUENCE_NODE;
}

int pm_conf_is_scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE;
}

int pm_conf_seq_len(yaml_node_t *seq)
{
    if (!pm_conf_is_seq(seq)) return 0;
    return (int)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *pm_conf_seq_item(pm_conf *c, yaml_node_t *seq, int i)
{
    if (i < 0 || i >= pm_conf_seq_len(seq)) return NULL;
    return pm_conf_node(c, seq->data.sequence.items.start[i]);
}

int pm_conf_map_len(yaml_node_t *map)
{
    if (!pm_conf_is_map(map)) return 0;
    return (int)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

const char *pm_conf_map_key(pm_conf *c, yaml_node_t *map, int i, yaml_node_t **keynode)
{
    yaml_node_t *k;
    if (keynode) *keynode = NULL;
    if (i < 0 || i >= pm_conf_map_len(map)) return NULL;
    k = pm_conf_node(c, map->data.mapping.pairs.start[i].key);
    if (keynode) *keynode = k;
    return pm_conf_str(k);
}

yaml_node_t *pm_conf_map_value(pm_conf *c, yaml_node_t *map, int i)
{
    if (i < 0 || i >= pm_conf_map_len(map)) return NULL;
    return pm_conf_node(c, map->data.mapping.pairs.start[i].value);
}

int pm_conf_bool(yaml_node_t *node)
{
    const char *s = pm_conf_str(node);
    if (!s) return -1;
    if (!strcasecmp(s, "true") || !strcasecmp(s, "yes") || !strcmp(s, "1")) return 1;
    if (!strcasecmp(s, "false") || !strcasecmp(s, "no") || !strcmp(s, "0")) return 0;
    return -1;
}

void pm_conf_error(pm_conf *c, yaml_node_t *node, pm_error *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    pm_error_vset(err, c->path, pm_conf_line(node), fmt, ap);
    va_end(ap);
}

/* Errors and key tables --------------------------------------------------- */

void pm_errors_add(pm_errors *l, const pm_error *e)
{
    if (l->n >= PM_ERRORS_MAX) {
        l->more++;
        return;
    }
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 8;
        l->v = pm_xrealloc(l->v, sizeof *l->v * (size_t)l->cap);
    }
    l->v[l->n++] = *e;
}

void pm_errors_free(pm_errors *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_error_line(const void *a, const void *b)
{
    const pm_error *x = *(const pm_error *const *)a, *y = *(const pm_error *const *)b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x < y ? -1 : x > y; /* one line: in the order found */
}

void pm_errors_report(const pm_errors *l)
{
    /* The errors of one file in the order of its lines (a loader checks a
     * section's keys before it reads the section's values) */
    const pm_error **v = pm_xmalloc(sizeof *v * (size_t)(l->n + 1));
    int one_file = 1;
    for (int i = 0; i < l->n; i++) {
        v[i] = &l->v[i];
        one_file &= strcmp(l->v[i].file, l->v[0].file) == 0;
    }
    if (one_file) qsort(v, (size_t)l->n, sizeof *v, cmp_error_line);
    for (int i = 0; i < l->n; i++) pm_report(v[i]);
    if (l->more) pm_warn_at(l->v[l->n - 1].file, 0, "%ld more error%s not shown", l->more, l->more > 1 ? "s" : "");
    free(v);
}

void pm_conf_note_error(pm_conf *c, const pm_error *e)
{
    if (c->errs && !e)
        c->errs->more++;
    else if (c->errs)
        pm_errors_add(c->errs, e);
    c->nerrs++;
}

/* Whether c's list is full: an error is then only counted. */
static int full(const pm_conf *c)
{
    return c->errs && c->errs->n >= PM_ERRORS_MAX;
}

static void vnote(pm_conf *c, long line, const char *fmt, va_list ap)
{
    if (full(c)) {
        pm_conf_note_error(c, NULL);
        return;
    }
    pm_error e;
    pm_error_vset(&e, c->path, line, fmt, ap);
    pm_conf_note_error(c, &e);
}

void pm_conf_note(pm_conf *c, yaml_node_t *node, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(c, pm_conf_line(node), fmt, ap);
    va_end(ap);
}

void pm_conf_note_at(pm_conf *c, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vnote(c, line, fmt, ap);
    va_end(ap);
}

static const char *kinds_text(unsigned kinds)
{
    switch (kinds) {
    case PM_CONF_SCALAR: return "text";
    case PM_CONF_SEQ: return "a list";
    case PM_CONF_MAP: return "a mapping";
    case PM_CONF_SCALAR | PM_CONF_SEQ: return "text or a list";
    case PM_CONF_SCALAR | PM_CONF_MAP: return "text or a mapping";
    default: return "a list or a mapping";
    }
}

static unsigned kind_of(const yaml_node_t *n)
{
    return n->type == YAML_SCALAR_NODE ? PM_CONF_SCALAR : n->type == YAML_SEQUENCE_NODE ? PM_CONF_SEQ : PM_CONF_MAP;
}

int pm_conf_check(pm_conf *c, yaml_node_t *map, const char *section, const pm_conf_key *keys, yaml_node_t **vals)
{
    int nkeys = 0, before = c->nerrs;
    uint64_t seen = 0; /* bit j: keys[j] is in the mapping */
    while (keys[nkeys].name) nkeys++;
    assert(nkeys <= 64);
    if (vals)
        for (int j = 0; j < nkeys; j++) vals[j] = NULL;
    if (!pm_conf_is_map(map)) {
        pm_conf_note(c, map, "%s must be a mapping", section);
        return c->nerrs - before;
    }
    const char **names = NULL; /* for pm_text_nearest, made when first needed */
    for (int i = 0; i < pm_conf_map_len(map); i++) {
        yaml_node_t *kn, *v = pm_conf_map_value(c, map, i);
        const char *key = pm_conf_map_key(c, map, i, &kn);
        int j = 0;
        while (j < nkeys && !(key && strcmp(key, keys[j].name) == 0)) j++;
        if (j < nkeys) {
            unsigned kinds = keys[j].kinds & ~(unsigned)PM_CONF_REQUIRED;
            seen |= (uint64_t)1 << j;
            if (kinds && v && !(kinds & kind_of(v)))
                pm_conf_note(c, v, "%s must be %s", key, keys[j].what ? keys[j].what : kinds_text(kinds));
            else if (vals)
                vals[j] = v;
            continue;
        }
        if (full(c) || !c->errs) { /* counted only: spare the message */
            pm_conf_note_error(c, NULL);
            continue;
        }
        pm_buf msg = PM_BUF_INIT;
        pm_buf_adds(&msg, "unknown key '");
        if (key)
            pm_text_printable(&msg, key, strlen(key));
        else
            pm_buf_adds(&msg, "(not a text)");
        pm_buf_addf(&msg, "' in %s (known: ", section);
        for (int k = 0; k < nkeys; k++) pm_buf_addf(&msg, "%s%s", k ? ", " : "", keys[k].name);
        pm_buf_addc(&msg, ')');
        if (key && !names) {
            names = pm_xmalloc(sizeof *names * (size_t)(nkeys + 1));
            for (int k = 0; k < nkeys; k++) names[k] = keys[k].name;
        }
        int near;
        if (key && pm_text_nearest(key, names, nkeys, &near, 1) == 1)
            pm_buf_addf(&msg, "; did you mean '%s'?", keys[near].name);
        pm_conf_note(c, kn ? kn : map, "%s", pm_buf_str(&msg));
        pm_buf_free(&msg);
    }
    free(names);
    for (int j = 0; j < nkeys; j++)
        if ((keys[j].kinds & PM_CONF_REQUIRED) && !(seen >> j & 1))
            pm_conf_note(c, map, "%s needs '%s'%s%s", section, keys[j].name, keys[j].what ? ": " : "",
                         keys[j].what ? keys[j].what : "");
    return c->nerrs - before;
}

/* Data folder ------------------------------------------------------------- */

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *join(const char *dir, const char *rel)
{
    size_t a = strlen(dir), b = strlen(rel);
    char *s = pm_xmalloc(a + b + 2);
    memcpy(s, dir, a);
    s[a] = '/';
    memcpy(s + a + 1, rel, b + 1);
    return s;
}

char *pm_data_path(const char *rel)
{
    const char *env = getenv("PM_DATADIR");
    char exe[PATH_MAX];
    ssize_t n;

    if (env && *env) return join(env, rel);
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        char *slash, *dir;
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            static const char *const beside[] = {"/../data", "/../share/pm"};
            *slash = '\0';
            for (size_t i = 0; i < sizeof beside / sizeof beside[0]; i++) {
                dir = pm_xmalloc(strlen(exe) + strlen(beside[i]) + 1);
                strcpy(dir, exe);
                strcat(dir, beside[i]);
                if (is_dir(dir)) {
                    char *path = join(dir, rel);
                    free(dir);
                    return path;
                }
                free(dir);
            }
        }
    }
    return join(PM_DATADIR, rel);
}
