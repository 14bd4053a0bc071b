/* split.c - sharing a rounded amount among parties by largest remainder.
 *
 * The whole is first rounded to the schedule's scale (charge.c); here it is
 * an integer count of units (fen at scale 2).  Every party gets the floor of
 * its exact share; the few units left (fewer than the number of parties) go
 * one each to the parties with the largest remainders, ties to the party
 * listed first.  So the parts add up to the whole exactly, no party is ever
 * more than one unit from its exact share, and the result does not depend
 * on anything but the inputs.
 */
#include "fee.h"

typedef unsigned __int128 u128;

static u128 mag(__int128 v)
{
    return v < 0 ? (u128)0 - (u128)v : (u128)v;
}

int fee_split(__int128 whole, const __int128 *w, int n, __int128 *part, __int128 *rem)
{
    u128 total = mag(whole), sum = 0, given = 0;
    const u128 umax = ~(u128)0;
    int i;

    for (i = 0; i < n; i++) {
        if (sum > umax - (u128)w[i]) return PM_DEC_OVERFLOW;
        sum += (u128)w[i];
    }
    if (sum == 0) return PM_DEC_DIVZERO;
    for (i = 0; i < n; i++) {
        u128 wi = (u128)w[i];
        if (wi != 0 && total > umax / wi) return PM_DEC_OVERFLOW;
        u128 prod = total * wi;
        if (!(prod >> 64) && !(sum >> 64)) { /* as a rule: one 64-bit division */
            uint64_t q = (uint64_t)prod / (uint64_t)sum;
            part[i] = (__int128)q;
            rem[i] = (__int128)((uint64_t)prod - q * (uint64_t)sum);
        } else {
            part[i] = (__int128)(prod / sum);
            rem[i] = (__int128)(prod % sum);
        }
        given += (u128)part[i];
    }
    /* total - given < n: hand the units out, largest remainder first.  A
     * selection per unit keeps ties in list order without a sort; the number
     * of parties of one record is small. */
    u128 left = total - given;
    while (left > 0) {
        int best = -1;
        for (i = 0; i < n; i++) {
            if (rem[i] < 0) continue; /* already got its unit */
            if (best < 0 || rem[i] > rem[best]) best = i;
        }
        part[best] += 1;
        rem[best] = -1 - rem[best]; /* mark, keep recoverable */
        left--;
    }
    for (i = 0; i < n; i++) {
        if (rem[i] < 0) rem[i] = -1 - rem[i];
        if (whole < 0) part[i] = -part[i];
    }
    return PM_DEC_OK;
}
