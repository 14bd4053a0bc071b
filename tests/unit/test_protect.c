/* Unit tests for lib/protect.c: masks and pseudonyms of personal data. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protect.h"

static char *mask(pm_pi_kind k, const char *v)
{
    static char out[256];
    pm_buf b = PM_BUF_INIT;
    pm_mask_value(k, v, strlen(v), &b);
    snprintf(out, sizeof out, "%s", pm_buf_str(&b));
    pm_buf_free(&b);
    return out;
}

Test(mask_phone, keeps_first_three_and_last_four_digits)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "13812345678"), "138****5678");
}

Test(mask_phone, drops_country_code_spaces_and_dashes)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "+86 138 1234 5678"), "138****5678");
    cr_assert_str_eq(mask(PM_PI_PHONE, "0086-138-1234-5678"), "138****5678");
}

Test(mask_phone, short_numbers_are_fully_starred)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "12345"), "*****");
    cr_assert_str_eq(mask(PM_PI_PHONE, "123456"), "******");
    cr_assert_str_eq(mask(PM_PI_PHONE, "n/a"), "***");
}

Test(mask_phone, landlines_keep_at_most_the_last_four_and_hide_half)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "8765432"), "****432");
    cr_assert_str_eq(mask(PM_PI_PHONE, "62345678"), "****5678");
    cr_assert_str_eq(mask(PM_PI_PHONE, "0755-12345678"), "********5678");
    cr_assert_str_eq(mask(PM_PI_PHONE, "13812345678转8001"), "***********8001");
}

Test(mask_phone, an_eleven_digit_landline_is_masked_like_a_mobile)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "010-62345678"), "010****5678");
}

Test(mask_phone, full_width_digits_count_as_digits)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, "１３８１２３４５６７８"), "138****5678");
}

Test(mask_name, keeps_the_surname)
{
    cr_assert_str_eq(mask(PM_PI_NAME, "张三"), "张*");
    cr_assert_str_eq(mask(PM_PI_NAME, "王小明"), "王**");
}

Test(mask_name, keeps_compound_surnames_whole)
{
    cr_assert_str_eq(mask(PM_PI_NAME, "欧阳娜娜"), "欧阳**");
    cr_assert_str_eq(mask(PM_PI_NAME, "司马光"), "司马*");
}

Test(mask_name, a_single_character_is_hidden_too)
{
    cr_assert_str_eq(mask(PM_PI_NAME, "张"), "*");
}

Test(mask_name, latin_names_keep_initials)
{
    cr_assert_str_eq(mask(PM_PI_NAME, "John Smith"), "J*** S****");
}

Test(mask_id_card, eighteen_digits_keep_first_six_and_last_four)
{
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "11010519491231002X"), "110105********002X");
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "11010519491231002x"), "110105********002X");
}

Test(mask_id_card, fifteen_digits_keep_first_six_and_last_four)
{
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "110105491231002"), "110105*****1002");
}

Test(mask_id_card, other_lengths_are_fully_starred)
{
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "12345"), "*****");
}

Test(mask_id_card, hyphens_blanks_and_case_do_not_matter)
{
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "110105-19900101-123x"), "110105********123X");
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "110105 19900101 123X"), "110105********123X");
}

Test(mask_id_card, eighteen_bytes_that_are_not_a_number_are_starred)
{
    /* 6 Chinese characters are 18 bytes: never cut them in the middle */
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "见附件见附件"), "******");
    cr_assert_str_eq(mask(PM_PI_ID_CARD, "1101051990010112XX"), "******************");
}

Test(mask_address, keeps_down_to_the_building)
{
    cr_assert_str_eq(mask(PM_PI_ADDRESS, "幸福小区12栋3单元1502室"), "幸福小区12栋***");
    cr_assert_str_eq(mask(PM_PI_ADDRESS, "3号楼2单元"), "3号楼***");
    cr_assert_str_eq(mask(PM_PI_ADDRESS, "12-3-1502"), "12-***");
    cr_assert_str_eq(mask(PM_PI_ADDRESS, "somewhere"), "***");
}

Test(mask_text, every_character_becomes_a_star)
{
    cr_assert_str_eq(mask(PM_PI_TEXT, "高血压"), "***");
}

Test(mask, empty_values_stay_empty)
{
    cr_assert_str_eq(mask(PM_PI_PHONE, ""), "");
    cr_assert_str_eq(mask(PM_PI_NAME, "  "), "");
}

static char keydir[64];

static char *write_key(const char *key, mode_t mode)
{
    static char path[128];
    strcpy(keydir, "/tmp/pm-protect-XXXXXX");
    cr_assert(mkdtemp(keydir));
    snprintf(path, sizeof path, "%s/key", keydir);
    FILE *f = fopen(path, "w");
    fputs(key, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

static char *pseudo(const pm_protector *p, pm_pi_kind k, const char *v)
{
    static char out[2][64];
    static int which;
    which ^= 1;
    pm_buf b = PM_BUF_INIT;
    pm_protect_value(p, k, v, strlen(v), &b);
    snprintf(out[which], sizeof out[which], "%s", pm_buf_str(&b));
    pm_buf_free(&b);
    return out[which];
}

Test(pseudonymize, same_value_same_token_and_normalized)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef-secret\n", 0600), &err), 0);
    cr_assert_not(p.key_exposed);
    char *a = pseudo(&p, PM_PI_PHONE, "13812345678");
    cr_assert_str_eq(a, pseudo(&p, PM_PI_PHONE, "+86 138 1234 5678"));
    cr_assert_eq(strlen(a), 18);
    cr_assert_eq(strncmp(a, "p_", 2), 0);
    cr_assert_str_neq(pseudo(&p, PM_PI_PHONE, "13812345678"), pseudo(&p, PM_PI_PHONE, "13812345679"));
    pm_protector_free(&p);
}

Test(pseudonymize, id_cards_with_hyphens_blanks_or_small_x_are_one_person)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_ID_CARD, "11010519900101123X"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_ID_CARD, "110105-19900101-123X"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_ID_CARD, "110105 19900101 123x"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_ID_CARD, "１１０１０５１９９００１０１１２３Ｘ"));
    cr_assert_str_neq(a, pseudo(&p, PM_PI_ID_CARD, "110105199001011230"));
    pm_protector_free(&p);
}

Test(pseudonymize, phones_in_any_layout_are_one_number)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_PHONE, "13812345678"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_PHONE, "138-1234-5678"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_PHONE, "0086 138 1234 5678"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_PHONE, "１３８１２３４５６７８"));
    pm_protector_free(&p);
}

Test(pseudonymize, values_without_digits_do_not_share_a_token)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_PHONE, "无"));
    cr_assert_str_neq(a, pseudo(&p, PM_PI_PHONE, "不详"));
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_ID_CARD, "无"));
    cr_assert_str_neq(a, pseudo(&p, PM_PI_ID_CARD, "不详"));
    pm_protector_free(&p);
}

Test(pseudonymize, names_ignore_blanks_and_latin_case)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_NAME, "张三"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_NAME, " 张 三 "));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_NAME, "张\xe3\x80\x80三"));
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_NAME, "John Smith"));
    cr_assert_str_eq(a, pseudo(&p, PM_PI_NAME, "JOHN SMITH"));
    pm_protector_free(&p);
}

Test(pseudonymize, blank_values_stay_empty)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    cr_assert_str_eq(pseudo(&p, PM_PI_NAME, " \t"), "");
    cr_assert_str_eq(pseudo(&p, PM_PI_NAME, "\xe3\x80\x80"), "");
    pm_protector_free(&p);
}

Test(key_id, is_stable_for_a_key_and_differs_between_keys)
{
    pm_protector p1, p2, p3;
    pm_error err;
    char a[PM_KEY_ID_SIZE], b[PM_KEY_ID_SIZE], c[PM_KEY_ID_SIZE];
    cr_assert_eq(pm_protector_init(&p1, PM_PROTECT_PSEUDONYMIZE, write_key("first-key-0123456789", 0600), &err), 0);
    cr_assert_eq(pm_protector_init(&p2, PM_PROTECT_PSEUDONYMIZE, write_key("first-key-0123456789\n", 0600), &err), 0);
    cr_assert_eq(pm_protector_init(&p3, PM_PROTECT_PSEUDONYMIZE, write_key("second-key-0123456789", 0600), &err), 0);
    pm_protector_key_id(&p1, a);
    pm_protector_key_id(&p2, b);
    pm_protector_key_id(&p3, c);
    cr_assert_eq(strlen(a), 8);
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, c);
    pm_protector_free(&p1);
    pm_protector_free(&p2);
    pm_protector_free(&p3);
}

Test(pseudonymize, another_key_gives_other_tokens)
{
    pm_protector p1, p2;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p1, PM_PROTECT_PSEUDONYMIZE, write_key("first-key-0123456789", 0600), &err), 0);
    cr_assert_eq(pm_protector_init(&p2, PM_PROTECT_PSEUDONYMIZE, write_key("second-key-0123456789", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p1, PM_PI_NAME, "张三"));
    cr_assert_str_neq(a, pseudo(&p2, PM_PI_NAME, "张三"));
    pm_protector_free(&p1);
    pm_protector_free(&p2);
}

Test(pseudonymize, the_kind_is_part_of_the_token)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0600), &err), 0);
    char a[64];
    snprintf(a, sizeof a, "%s", pseudo(&p, PM_PI_NAME, "12345678"));
    cr_assert_str_neq(a, pseudo(&p, PM_PI_TEXT, "12345678"));
    pm_protector_free(&p);
}

Test(key_file, readable_by_others_is_flagged)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("0123456789abcdef", 0644), &err), 0);
    cr_assert(p.key_exposed);
    pm_protector_free(&p);
}

Test(key_file, short_missing_and_absent_keys_are_errors)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, write_key("short\n", 0600), &err), -1);
    cr_assert(strstr(err.msg, "too short"));
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, "/nonexistent/key", &err), -1);
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_PSEUDONYMIZE, NULL, &err), -1);
    cr_assert(strstr(err.msg, "--key-file"));
}

Test(protect, drop_empties_and_modes_parse)
{
    pm_protector p;
    pm_error err;
    cr_assert_eq(pm_protector_init(&p, PM_PROTECT_DROP, NULL, &err), 0);
    cr_assert_str_eq(pseudo(&p, PM_PI_NAME, "张三"), "");
    cr_assert_eq(pm_protect_mode_parse("mask"), PM_PROTECT_MASK);
    cr_assert_eq(pm_protect_mode_parse("pseudonymise"), PM_PROTECT_PSEUDONYMIZE);
    cr_assert_eq(pm_protect_mode_parse("hide"), -1);
    cr_assert_eq(pm_pi_kind_parse("id_card"), PM_PI_ID_CARD);
    cr_assert_eq(pm_pi_kind_parse("email"), -1);
}
