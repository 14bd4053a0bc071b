/* conf.h - configuration files (policy, schema, calendar, schedule, posts).
 *
 * A configuration file is one YAML document, loaded whole with libyaml (such
 * files are small).  Lookups return libyaml nodes; every node carries the line
 * it was written on, so messages can say FILE:LINE.  Aliases are resolved by
 * libyaml as shared nodes, never expanded, and walking is bounded.
 */
#ifndef PM_CONF_H
#define PM_CONF_H

#include <stddef.h>
#include <yaml.h>
#include "diag.h"

/* Every error found in a file, in the order found.  Loaders note each
 * problem and go on, so that one run reports all of them; the load fails at
 * the end.  Zero-initialised (PM_ERRORS_INIT) is empty. */
typedef struct pm_errors {
    pm_error *v;
    int n, cap;
    long more; /* errors past PM_ERRORS_MAX: counted, not kept */
} pm_errors;
/* clang-format off */
#define PM_ERRORS_INIT {NULL, 0, 0, 0}
/* clang-format on */
/* Errors kept at the most: a hostile file of a million unknown keys costs
 * a count, not a million messages. */
#define PM_ERRORS_MAX 100

/* Adds a copy of e (or counts it in l->more when l is full). */
void pm_errors_add(pm_errors *l, const pm_error *e);
void pm_errors_free(pm_errors *l);
/* Program side: prints every error, "PROG: FILE:LINE: message" (pm_report);
 * the errors of one file in the order of their lines; then "N more errors"
 * when some were not kept. */
void pm_errors_report(const pm_errors *l);

typedef struct pm_conf {
    yaml_document_t doc;
    int loaded;
    char *path;           /* as given, for messages */
    unsigned char *bytes; /* the file's bytes (for checksums) */
    size_t nbytes;
    pm_errors *errs; /* where pm_conf_note adds (set by the loader; NULL: counted only) */
    int nerrs;       /* errors noted so far */
} pm_conf;

/* Loads path.  0, or -1 with err (file, line) set: a file that cannot be
 * read, YAML that does not parse ("could not parse YAML: ..." at the line
 * libyaml names), a second document in the file, or a duplicate key in any
 * mapping.  c needs no initialisation; after a failure it is already freed
 * (pm_conf_free on it is harmless).  An empty file loads, with no root. */
int pm_conf_load(pm_conf *c, const char *path, pm_error *err);
/* Loads text (name is used in messages). */
int pm_conf_load_string(pm_conf *c, const char *text, size_t len, const char *name, pm_error *err);
void pm_conf_free(pm_conf *c);

/* The root node (NULL for an empty document). */
yaml_node_t *pm_conf_root(pm_conf *c);
/* Value node of key in mapping map, or NULL (also when map is no mapping). */
yaml_node_t *pm_conf_get(pm_conf *c, yaml_node_t *map, const char *key);
/* Node by index (as found in sequence items and mapping pairs). */
yaml_node_t *pm_conf_node(pm_conf *c, int index);
/* Scalar text, or NULL when node is not a scalar. */
const char *pm_conf_str(yaml_node_t *node);
/* 1-based line of node. */
long pm_conf_line(yaml_node_t *node);
int pm_conf_is_map(yaml_node_t *n);
int pm_conf_is_seq(yaml_node_t *n);
int pm_conf_is_scalar(yaml_node_t *n);
/* Number of items of a sequence (0 for others) and the ith item node. */
int pm_conf_seq_len(yaml_node_t *seq);
yaml_node_t *pm_conf_seq_item(pm_conf *c, yaml_node_t *seq, int i);
/* Number of pairs of a mapping and the ith key (scalar text) and value. */
int pm_conf_map_len(yaml_node_t *map);
const char *pm_conf_map_key(pm_conf *c, yaml_node_t *map, int i, yaml_node_t **keynode);
yaml_node_t *pm_conf_map_value(pm_conf *c, yaml_node_t *map, int i);
/* Parses a scalar as bool (true/false/yes/no/1/0); -1 when not a bool. */
int pm_conf_bool(yaml_node_t *node);
/* Sets err to "FILE:LINE: msg" at node (err->file = c->path, err->line =
 * the node's line, or 0 for node NULL). */
void pm_conf_error(pm_conf *c, yaml_node_t *node, pm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Notes an error at node ("FILE:LINE: msg") in c->errs and counts it in
 * c->nerrs; loading goes on, and fails at the end when c->nerrs > 0. */
void pm_conf_note(pm_conf *c, yaml_node_t *node, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same at a line (0: none), for errors found after the walk. */
void pm_conf_note_at(pm_conf *c, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Notes an error made elsewhere (a function that fills one pm_error); e
 * NULL counts one more error without keeping it. */
void pm_conf_note_error(pm_conf *c, const pm_error *e);

/* Key tables -------------------------------------------------------------
 *
 * One table per section of a configuration file says which keys it has and
 * what kind of value each takes; pm_conf_check holds a mapping to it, so
 * every loader has the same policy: an unknown key is an error that lists
 * the known ones (a misspelt key must not silently mean "not given").
 */

/* Kinds of value, or'ed together; 0 is any.  PM_CONF_REQUIRED, or'ed in,
 * makes the key one the section must have. */
enum { PM_CONF_SCALAR = 1, PM_CONF_SEQ = 2, PM_CONF_MAP = 4, PM_CONF_REQUIRED = 8 };

typedef struct pm_conf_key {
    const char *name;
    unsigned kinds;   /* PM_CONF_* the value may be; 0: any (the loader checks) */
    const char *what; /* "KEY must be WHAT" for a value of another kind; NULL:
                       * "text", "a list", "a mapping" as kinds say */
} pm_conf_key;

/* Checks mapping map, a SECTION of the file ("a clock", "the policy"),
 * against keys (ended by {NULL}).  Notes (pm_conf_note) every key that is
 * not in the table:
 *     unknown key 'tmezone' in the policy (known: timezone, calendar);
 *     did you mean 'timezone'?
 * (the hint when a known key is near, pm_text_nearest), and every value of
 * a kind the table does not allow ("KEY must be WHAT"), and every required
 * key that is missing ("SECTION needs 'KEY': WHAT").  A map that is no
 * mapping is one error, "SECTION must be a mapping".  At most 64 keys.  When vals is not
 * NULL, vals[i] is set to the value of keys[i], or NULL when the key is
 * absent or its value was refused.  Returns the number of errors noted. */
int pm_conf_check(pm_conf *c, yaml_node_t *map, const char *section, const pm_conf_key *keys, yaml_node_t **vals);
/* The size of vals for a key table defined in the same file (its keys,
 * less the ending {NULL}): yaml_node_t *v[PM_CONF_NKEYS(keys)]. */
#define PM_CONF_NKEYS(keys) (sizeof(keys) / sizeof(keys)[0] - 1)

/* The folder of shipped data (calendars): $PM_DATADIR (when set and not
 * empty), else ../data or ../share/pm beside the running program
 * (/proc/self/exe; the first that is a folder), else the compiled-in
 * PM_DATADIR.  Returns a malloc'd "DIR/rel"; the caller frees it. */
char *pm_data_path(const char *rel);

#endif
