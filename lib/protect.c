/* protect.c - masks, HMAC-SHA256 pseudonyms (nettle), and key files. */
#define _GNU_SOURCE
#include "protect.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int pm_protect_mode_parse(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "mask")) return PM_PROTECT_MASK;
    if (!strcmp(s, "pseudonymize") || !strcmp(s, "pseudonymise")) return PM_PROTECT_PSEUDONYMIZE;
    if (!strcmp(s, "drop")) return PM_PROTECT_DROP;
    return -1;
}

static const char *const kind_names[] = {"name", "phone", "id_card", "address", "text"};

int pm_pi_kind_parse(const char *s)
{
    for (int i = 0; s && i < 5; i++)
        if (!strcmp(s, kind_names[i])) return i;
    return -1;
}

const char *pm_pi_kind_name(pm_pi_kind k)
{
    return kind_names[k];
}

/* Length of the UTF-8 character starting at s (1 for a stray byte). */
static size_t u8len(const char *s, size_t left)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
    return n > left ? left : n;
}

static size_t u8count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i += u8len(s + i, len - i)) n++;
    return n;
}

static void stars(pm_buf *out, size_t n)
{
    for (size_t i = 0; i < n; i++) pm_buf_addc(out, '*');
}

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

static void trim(const char **v, size_t *len)
{
    while (*len && blank(**v)) {
        (*v)++;
        (*len)--;
    }
    while (*len && blank((*v)[*len - 1])) (*len)--;
}

/* Folds the full-width forms U+FF01..U+FF5E (１３８, Ｘ, －) to ASCII and the
 * ideographic space U+3000 to a space, so that a value typed with a Chinese
 * input method masks and pseudonymizes like the same value typed in ASCII. */
static void fold_width(const char *v, size_t len, pm_buf *out)
{
    for (size_t i = 0; i < len;) {
        const unsigned char *u = (const unsigned char *)v + i;
        if (len - i >= 3 && u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) {
            pm_buf_addc(out, ' ');
            i += 3;
        } else if (len - i >= 3 && u[0] == 0xef && ((u[1] == 0xbc && u[2] >= 0x81) || (u[1] == 0xbd && u[2] <= 0x9e))) {
            unsigned cp = ((u[1] & 0x3fu) << 6 | (u[2] & 0x3fu)) + 0xf000u; /* U+FF01..U+FF5E */
            pm_buf_addc(out, (char)(cp - 0xfee0u));
            i += 3;
        } else {
            pm_buf_addc(out, v[i]);
            i++;
        }
    }
}

/* Digits of a phone number, without a +86/0086 country prefix. */
static void phone_digits(const char *v, size_t len, pm_buf *d)
{
    for (size_t i = 0; i < len; i++)
        if (v[i] >= '0' && v[i] <= '9') pm_buf_addc(d, v[i]);
    const char *s = pm_buf_str(d);
    size_t skip = 0;
    if (d->len == 13 && !strncmp(s, "86", 2))
        skip = 2;
    else if (d->len == 15 && !strncmp(s, "0086", 4))
        skip = 4;
    if (skip) {
        memmove(d->s, d->s + skip, d->len - skip + 1);
        d->len -= skip;
    }
}

/* An ID card number without its blanks and hyphens, letters in capitals
 * (110105-19900101-123x and 110105 19900101 123X are one number). */
static void id_chars(const char *v, size_t len, pm_buf *id)
{
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (blank(c) || c == '-') continue;
        pm_buf_addc(id, c >= 'a' && c <= 'z' ? (char)(c - 32) : c);
    }
}

/* 15 digits (the old cards), or 17 digits and a check digit or X. */
static int id_well_formed(const char *id, size_t n)
{
    if (n != 15 && n != 18) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(id[i] >= '0' && id[i] <= '9') && !(i == 17 && id[i] == 'X')) return 0;
    return 1;
}

static const char *const compound_surnames[] = {
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "宇文", "司徒",
    "司空", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "申屠", "太史", "闻人", "赫连", "澹台", "公冶",
    "宗政", "濮阳", "淳于", "单于", "太叔", "仲孙", "钟离", "百里", "呼延", "万俟", NULL};

static void mask_name(const char *v, size_t len, pm_buf *out)
{
    int ascii = 1;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)v[i] >= 0x80) ascii = 0;
    if (ascii) {
        /* Latin names: the first letter of each word */
        int start = 1;
        for (size_t i = 0; i < len; i++) {
            if (v[i] == ' ') {
                pm_buf_addc(out, ' ');
                start = 1;
                continue;
            }
            pm_buf_addc(out, start ? v[i] : '*');
            start = 0;
        }
        return;
    }
    size_t keep = u8len(v, len);
    for (int i = 0; compound_surnames[i]; i++) {
        size_t n = strlen(compound_surnames[i]);
        if (len > n && !memcmp(v, compound_surnames[i], n)) keep = n;
    }
    size_t rest = u8count(v + keep, len - keep);
    if (rest == 0) { /* a lone character says too much: hide it */
        stars(out, u8count(v, len));
        return;
    }
    pm_buf_add(out, v, keep);
    stars(out, rest);
}

/* 11 digits (a mobile number, or a landline with its area code): the
 * first 3 and the last 4 (138****5678).  Any other length from 7 digits on:
 * at most the last 4 digits and never more than half of them (****432,
 * ****5678, ********5678).  Fewer than 7 digits, or none: all starred. */
static void mask_phone(const char *v, size_t len, pm_buf *out)
{
    pm_buf d = PM_BUF_INIT;
    phone_digits(v, len, &d);
    if (d.len == 11) {
        pm_buf_add(out, d.s, 3);
        stars(out, 4);
        pm_buf_add(out, d.s + 7, 4);
    } else if (d.len >= 7) {
        size_t keep = d.len / 2 < 4 ? d.len / 2 : 4;
        stars(out, d.len - keep);
        pm_buf_add(out, d.s + d.len - keep, keep);
    } else {
        stars(out, d.len ? d.len : u8count(v, len));
    }
    pm_buf_free(&d);
}

/* A well-formed number keeps the region (first 6) and the last 4; anything
 * else is starred whole. */
static void mask_id_card(const char *v, size_t len, pm_buf *out)
{
    pm_buf id = PM_BUF_INIT;
    id_chars(v, len, &id);
    if (id_well_formed(pm_buf_str(&id), id.len)) {
        pm_buf_add(out, id.s, 6);
        stars(out, id.len - 10);
        pm_buf_add(out, id.s + id.len - 4, 4);
    } else {
        stars(out, u8count(v, len));
    }
    pm_buf_free(&id);
}

static void mask_address(const char *v, size_t len, pm_buf *out)
{
    /* down to the building: up to 栋, 幢 or 号楼 (or the first part of 12-3-1502) */
    static const char *const marks[] = {"号楼", "栋", "幢", "座", NULL};
    size_t cut = 0;
    for (int i = 0; marks[i] && !cut; i++) {
        const char *m = memmem(v, len, marks[i], strlen(marks[i]));
        if (m) cut = (size_t)(m - v) + strlen(marks[i]);
    }
    if (!cut) {
        size_t i = 0;
        while (i < len && v[i] >= '0' && v[i] <= '9') i++;
        if (i > 0 && i < len && v[i] == '-') cut = i + 1;
    }
    if (!cut || cut >= len) {
        stars(out, 3);
        return;
    }
    pm_buf_add(out, v, cut);
    stars(out, 3);
}

static void hmac(const pm_protector *p, const char *data, size_t len, uint8_t digest[SHA256_DIGEST_SIZE])
{
    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, p->keylen, p->key);
    hmac_sha256_update(&ctx, len, (const uint8_t *)data);
    hmac_sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
}

static void mask_folded(pm_pi_kind kind, const char *v, size_t len, pm_buf *out)
{
    trim(&v, &len);
    if (!len) return;
    switch (kind) {
    case PM_PI_NAME: mask_name(v, len, out); break;
    case PM_PI_PHONE: mask_phone(v, len, out); break;
    case PM_PI_ID_CARD: mask_id_card(v, len, out); break;
    case PM_PI_ADDRESS: mask_address(v, len, out); break;
    case PM_PI_TEXT: stars(out, u8count(v, len)); break;
    }
}

void pm_mask_value(pm_pi_kind kind, const char *v, size_t len, pm_buf *out)
{
    pm_buf f = PM_BUF_INIT;
    fold_width(v, len, &f);
    mask_folded(kind, pm_buf_str(&f), f.len, out);
    pm_buf_free(&f);
}

/* Blanks collapsed to one space; for names none at all, ASCII letters in
 * lower case and the middle dots of transcribed names (• ・ .) as ·. */
static void normalize_text(pm_pi_kind kind, const char *v, size_t len, pm_buf *n)
{
    size_t start = n->len;
    for (size_t i = 0; i < len; i++) {
        char c = v[i];
        if (blank(c)) {
            if (kind == PM_PI_NAME) continue;
            if (n->len > start && n->s[n->len - 1] == ' ') continue;
            c = ' ';
        }
        if (kind == PM_PI_NAME) {
            if (c >= 'A' && c <= 'Z') c = (char)(c + 32);
            if (c == '.' ||
                (len - i >= 3 && (!memcmp(v + i, "\xe2\x80\xa2", 3) || !memcmp(v + i, "\xe3\x83\xbb", 3)))) {
                pm_buf_adds(n, "\xc2\xb7");
                if (c != '.') i += 2;
                continue;
            }
        }
        pm_buf_addc(n, c);
    }
}

/* The form of a value that is the same for the same person: phones as
 * their digits (138 1234 5678, +86-138-1234-5678), ID cards without blanks
 * and hyphens in capitals, names without blanks in lower case, other text
 * with its blanks collapsed (v is trimmed and width-folded).  A phone
 * or ID card without a digit (无, 不详) is normalized as text, so that such
 * values do not all share one token. */
static void normalize(pm_pi_kind kind, const char *v, size_t len, pm_buf *n)
{
    pm_buf t = PM_BUF_INIT;
    int digits = 0;
    for (size_t i = 0; i < len && !digits; i++) digits = v[i] >= '0' && v[i] <= '9';
    if (kind == PM_PI_PHONE && digits) {
        phone_digits(v, len, &t);
        pm_buf_add(n, pm_buf_str(&t), t.len);
    } else if (kind == PM_PI_ID_CARD && digits) {
        id_chars(v, len, &t);
        pm_buf_add(n, pm_buf_str(&t), t.len);
    } else {
        normalize_text(kind, v, len, n);
    }
    pm_buf_free(&t);
}

void pm_protect_value(const pm_protector *p, pm_pi_kind kind, const char *v, size_t len, pm_buf *out)
{
    if (p->mode == PM_PROTECT_NONE) {
        pm_buf_add(out, v, len);
        return;
    }
    pm_buf f = PM_BUF_INIT;
    fold_width(v, len, &f);
    const char *t = pm_buf_str(&f);
    size_t tl = f.len;
    trim(&t, &tl);
    if (tl && p->mode == PM_PROTECT_MASK) {
        mask_folded(kind, t, tl, out);
    } else if (tl && p->mode == PM_PROTECT_PSEUDONYMIZE) {
        pm_buf n = PM_BUF_INIT;
        pm_buf_adds(&n, kind_names[kind]);
        pm_buf_addc(&n, 0);
        normalize(kind, t, tl, &n);
        uint8_t digest[SHA256_DIGEST_SIZE];
        hmac(p, n.s, n.len, digest);
        pm_buf_free(&n);
        pm_buf_adds(out, "p_");
        for (int i = 0; i < 8; i++) pm_buf_addf(out, "%02x", digest[i]);
    }
    pm_buf_free(&f);
}

void pm_protector_key_id(const pm_protector *p, char out[PM_KEY_ID_SIZE])
{
    static const char what[] = "pm key id";
    uint8_t digest[SHA256_DIGEST_SIZE];
    out[0] = 0;
    if (!p->key) return;
    hmac(p, what, sizeof what - 1, digest);
    for (int i = 0; i < 4; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

int pm_protector_init(pm_protector *p, pm_protect_mode mode, const char *key_file, pm_error *err)
{
    memset(p, 0, sizeof *p);
    p->mode = mode;
    if (mode != PM_PROTECT_PSEUDONYMIZE) return 0;
    if (!key_file) {
        pm_error_set(err, NULL, 0, "--protect=pseudonymize needs --key-file=FILE (a secret of at least 16 bytes)");
        return -1;
    }
    int fd = open(key_file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        pm_error_set(err, key_file, 0, "cannot read the key file: %s", strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > 65536) {
        pm_error_set(err, key_file, 0, "the key file must be a regular file of at most 64 KiB");
        close(fd);
        return -1;
    }
    p->key_exposed = (st.st_mode & 077) != 0;
    p->key = pm_xmalloc((size_t)st.st_size + 1);
    ssize_t got = read(fd, p->key, (size_t)st.st_size);
    close(fd);
    if (got < 0) {
        pm_error_set(err, key_file, 0, "cannot read the key file: %s", strerror(errno));
        pm_protector_free(p);
        return -1;
    }
    p->keylen = (size_t)got;
    while (p->keylen && (p->key[p->keylen - 1] == '\n' || p->key[p->keylen - 1] == '\r')) p->keylen--;
    if (p->keylen < 16) {
        pm_error_set(err, key_file, 0,
                     "the key is too short (%zu bytes; at least 16, e.g. head -c 32 /dev/urandom | base64 > FILE)",
                     p->keylen);
        pm_protector_free(p);
        return -1;
    }
    return 0;
}

void pm_protector_free(pm_protector *p)
{
    if (p->key) {
        memset(p->key, 0, p->keylen);
        free(p->key);
    }
    memset(p, 0, sizeof *p);
}
