/* gen-tickets.c - writes N realistic canonical ticket rows (docs/CONTRACT.md section 4)
 * as CSV, deterministic for a seed.  Built and run by tools/gen-tickets.sh.
 *
 *   gen-tickets N SEED START_DAY DAYS
 *
 * Tickets are created over DAYS days from START_DAY (days since 1970-01-01),
 * mostly in office hours, in the categories of docs/RULES.md section 1 with
 * a realistic mix; most are done in time, some late, some still open.
 * Timestamps are written as YYYY-MM-DDTHH:MM:SS+08:00 (China has no DST).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;
static uint64_t next(void)
{
    /* splitmix64 */
    uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static long below(long n)
{
    return (long)(next() % (uint64_t)n);
}

static void civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Local (+08:00) seconds since the epoch -> text. */
static char *ts(char *p, int64_t t)
{
    int y, m, d;
    int64_t day = t / 86400, s = t % 86400;
    civil(day, &y, &m, &d);
    p += sprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, d, (int)(s / 3600), (int)(s / 60 % 60), (int)(s % 60));
    return p;
}

struct cat {
    const char *key, *kind, *desc[3];
    int weight;
    int clock;     /* 0 respond, 1 arrive, 2 resolve */
    int64_t limit; /* rough limit in seconds, for realistic completions */
};

static const struct cat cats[] = {
    {"noise", "complaint", {"楼上装修噪音", "夜间广场舞噪音扰民", "邻居装修异味"}, 12, 1, 15 * 60},
    {"other_complaint", "complaint", {"楼道堆放杂物", "宠物粪便未清理", "快递柜占用消防通道"}, 8, 1, 8 * 3600},
    {"indoor_repair", "repair", {"卫生间漏水", "厨房水龙头坏了", "户内电路跳闸"}, 22, 2, 7 * 86400},
    {"public_repair", "repair", {"电梯按钮失灵", "单元门禁损坏", "地下车库积水"}, 16, 2, 3 * 86400},
    {"door_window", "repair", {"楼道窗户玻璃破损", "单元门闭门器坏", "消防门把手脱落"}, 7, 2, 2 * 86400},
    {"lighting", "repair", {"楼道灯泡不亮", "走廊开关失灵", "路灯灯头损坏"}, 9, 2, 2 * 86400},
    {"lighting_other", "repair", {"路灯线路故障", "景观灯不亮", "地库照明线路老化"}, 4, 2, 5 * 86400},
    {"general_inquiry", "consultation", {"咨询停水通知", "询问快递代收时间", "咨询装修审批流程"}, 10, 0, 1800},
    {"fee_inquiry", "consultation", {"咨询物业费标准", "询问停车费收费标准", "咨询公摊电费"}, 6, 0, 1800},
    {"external_service_inquiry", "consultation", {"咨询家政服务", "询问搬家公司", "咨询宽带安装"}, 3, 0, 1800},
    {"other_dept_inquiry", "consultation", {"咨询户口迁移手续", "询问社保办理地点", "咨询居住证办理"}, 3, 0, 2 * 86400},
};
enum { NCATS = sizeof cats / sizeof cats[0] };

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 1000;
    rng = argc > 2 ? strtoull(argv[2], NULL, 10) : 1;
    int64_t start = argc > 3 ? atoll(argv[3]) : 19723; /* 2024-01-01 */
    int64_t days = argc > 4 ? atoll(argv[4]) : 900;
    int total = 0;
    for (int i = 0; i < NCATS; i++) total += cats[i].weight;

    static char out[1 << 16];
    setvbuf(stdout, NULL, _IOFBF, 1 << 20);
    fputs("id,kind,category,major,unit,created_at,responded_at,arrived_at,resolved_at,"
          "agreed_due_at,callback_at,satisfaction,assignee,description\n",
          stdout);
    for (long i = 0; i < n; i++) {
        int w = (int)below(total), c = 0;
        while (w >= cats[c].weight) w -= cats[c++].weight;
        const struct cat *k = &cats[c];
        /* Created mostly 07:00-21:00, some at night. */
        int64_t day = start + (int64_t)((double)i / (double)(n > 0 ? n : 1) * (double)days);
        int64_t sec = below(8) ? 7 * 3600 + below(14 * 3600) : below(86400);
        int64_t created = day * 86400 + sec;
        /* How fast: 85% in time, 10% late, 5% still open (more so recently). */
        int r = (int)below(100);
        int open = r >= 95;
        int64_t took = r < 85 ? 60 + below(k->limit * 6 / 10 + 1) : k->limit + 60 + below(k->limit + 1);
        int64_t respond = 60 + below(k->clock == 0 ? took + 1 : 1200);
        char *p = out;
        p += sprintf(p, "T%07ld,%s,%s,%s,%d-%d-%d,", i + 1, k->kind, k->key,
                     k->kind[1] == 'o' && k->kind[2] == 'm' && below(20) == 0 ? "true" : "false", 1 + (int)below(30),
                     1 + (int)below(4), 101 + (int)below(3200) / 100 * 100 % 3200 + (int)below(4));
        p = ts(p, created);
        *p++ = ',';
        if (!(open && k->clock == 0)) p = ts(p, created + respond);
        *p++ = ',';
        if (k->clock >= 1 && !(open && k->clock == 1))
            p = ts(p, created + (k->clock == 1 ? took : took / (2 + below(3))));
        *p++ = ',';
        if (k->clock == 2 && !open) p = ts(p, created + took);
        *p++ = ',';
        if (c == 2 && below(3) > 0) /* indoor repairs: a date agreed with the owner */
            p = ts(p, (day + 1 + below(10)) * 86400 + 18 * 3600);
        *p++ = ',';
        if (!open && below(2)) p = ts(p, created + took + 86400 + below(86400));
        *p++ = ',';
        if (!open) {
            static const char *const sat[] = {"satisfied", "satisfied", "satisfied", "neutral", "unsatisfied", ""};
            p += sprintf(p, "%s", sat[below(6)]);
        }
        p += sprintf(p, ",S%03d,%s\n", 1 + (int)below(60), k->desc[below(3)]);
        fwrite(out, 1, (size_t)(p - out), stdout);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
