/* protect.h - masking and pseudonymising personal information
 * (docs/RULES.md section 5: reports that leave the office carry masked or
 * pseudonymous values, not the raw ones).
 *
 * mask keeps the shape and hides the person (138****5678, 张*, 欧阳**,
 * 110105********123X, 12栋***); pseudonymize replaces the value with
 * p_ + 16 hex digits of HMAC-SHA256(key, kind NUL normalized value), stable
 * for a key, so counts and joins still work; drop empties the value.
 *
 * Both programs that protect values (pm-ingest, pm-report) call only this
 * file, so a value gets the same mask and the same token in either.
 * Full-width forms (１３８, Ｘ) and the ideographic space count as their
 * ASCII twins; the normalized form of each kind is described at
 * normalize() in protect.c.
 */
#ifndef PM_PROTECT_H
#define PM_PROTECT_H

#include <stddef.h>
#include "buf.h"
#include "diag.h"

typedef enum pm_protect_mode {
    PM_PROTECT_NONE = 0,
    PM_PROTECT_MASK,
    PM_PROTECT_PSEUDONYMIZE,
    PM_PROTECT_DROP
} pm_protect_mode;

typedef enum pm_pi_kind { PM_PI_NAME = 0, PM_PI_PHONE, PM_PI_ID_CARD, PM_PI_ADDRESS, PM_PI_TEXT } pm_pi_kind;

/* "mask", "pseudonymize" (also "pseudonymise"), "drop" -> mode; -1 if bad. */
int pm_protect_mode_parse(const char *s);
/* "name", "phone", "id_card", "address", "text" -> kind; -1 if bad. */
int pm_pi_kind_parse(const char *s);
const char *pm_pi_kind_name(pm_pi_kind k);

typedef struct pm_protector {
    pm_protect_mode mode;
    unsigned char *key;
    size_t keylen;
    int key_exposed; /* the key file is readable by group or others */
} pm_protector;

/* Sets up mode; pseudonymize needs key_file (its bytes, without a final
 * newline, are the key; at least 16 bytes).  0, or -1 with err. */
int pm_protector_init(pm_protector *p, pm_protect_mode mode, const char *key_file, pm_error *err);
void pm_protector_free(pm_protector *p);

/* Appends the protected form of v to out (empty or blank stays empty). */
void pm_protect_value(const pm_protector *p, pm_pi_kind kind, const char *v, size_t len, pm_buf *out);
/* The mask of v alone (what pm_protect_value appends in mask mode). */
void pm_mask_value(pm_pi_kind kind, const char *v, size_t len, pm_buf *out);

/* A short public name of the key (8 hex digits of HMAC-SHA256 of a fixed
 * text under it; "" without a key): partial reports made under one key say
 * so, without saying anything about the key. */
#define PM_KEY_ID_SIZE 9
void pm_protector_key_id(const pm_protector *p, char out[PM_KEY_ID_SIZE]);

#endif
