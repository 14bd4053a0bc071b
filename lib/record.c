/* record.c - ordered named fields with values in a per-record arena. */
#include "record.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

void pm_record_init(pm_record *r)
{
    memset(r, 0, sizeof *r);
    pm_arena_init(&r->arena);
}

void pm_record_free(pm_record *r)
{
    free(r->f);
    pm_arena_free(&r->arena);
    memset(r, 0, sizeof *r);
}

void pm_record_clear(pm_record *r)
{
    r->n = 0;
    r->raw = NULL;
    r->raw_n = r->raw_len = 0;
    r->named_by = NULL;
    pm_arena_reset(&r->arena);
}

int pm_record_index(const pm_record *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->f[i].name == name || strcmp(r->f[i].name, name) == 0) return (int)i;
    return -1;
}

const char *pm_record_get(const pm_record *r, const char *name)
{
    int i = pm_record_index(r, name);
    return i < 0 ? NULL : r->f[i].value;
}

const char *pm_record_value(const pm_record *r, const char *name)
{
    const char *v = pm_record_get(r, name);
    return v ? v : "";
}

void *pm_record_alloc(pm_record *r, size_t n)
{
    return pm_arena_alloc(&r->arena, n);
}

char *pm_record_strdup(pm_record *r, const char *s, size_t n)
{
    return pm_arena_strndup(&r->arena, s, n);
}

void pm_record_make_room(pm_record *r)
{
    r->cap = r->cap ? r->cap * 2 : 16;
    r->f = pm_xrealloc(r->f, r->cap * sizeof *r->f);
}

void pm_record_add(pm_record *r, const char *name, const char *value, size_t len)
{
    pm_record_add_owned(r, name, pm_arena_strndup(&r->arena, value, len), len);
}

void pm_record_setn(pm_record *r, const char *name, const char *value, size_t len)
{
    int i = pm_record_index(r, name);
    char *v = pm_arena_strndup(&r->arena, value, len);
    if (i < 0) {
        pm_record_add_owned(r, name, v, len);
    } else {
        r->f[i].value = v;
        r->f[i].len = len;
    }
}

void pm_record_set(pm_record *r, const char *name, const char *value)
{
    pm_record_setn(r, name, value ? value : "", value ? strlen(value) : 0);
}

void pm_record_set_copy(pm_record *r, const char *name, const char *value, size_t len)
{
    int i = pm_record_index(r, name);
    if (i >= 0) {
        pm_record_setn(r, r->f[i].name, value, len);
        return;
    }
    const char *nm = pm_arena_strndup(&r->arena, name, strlen(name));
    pm_record_add(r, nm, value, len);
}

void pm_record_copy(pm_record *dst, const pm_record *src)
{
    pm_record_clear(dst);
    for (size_t i = 0; i < src->n; i++) {
        const char *nm = pm_arena_strndup(&dst->arena, src->f[i].name, strlen(src->f[i].name));
        pm_record_add(dst, nm, src->f[i].value, src->f[i].len);
    }
    dst->source = src->source;
    dst->line = src->line;
}
