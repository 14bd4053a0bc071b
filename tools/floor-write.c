/* floor-write.c - the bare write floor for benchmarks: writes the bytes of
 * FILE to standard output through a 64 KiB buffer, as a program that writes
 * output of that size must at the least.  With floor-csv (parse the input)
 * it makes the floor of a program that reads one file and writes another
 * (pm-fee: its inputs and its charges).
 *   cc -O2 -o floor-write floor-write.c */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    static char in[1 << 16], out[1 << 16];
    FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
    if (!f) {
        perror("floor-write");
        return 2;
    }
    unsigned long long total = 0;
    size_t n;
    while ((n = fread(in, 1, sizeof in, f)) > 0) {
        memcpy(out, in, n); /* what formatting into an output buffer costs at least */
        if (fwrite(out, 1, n, stdout) != n) {
            perror("floor-write");
            return 2;
        }
        total += n;
    }
    fprintf(stderr, "%llu bytes\n", total);
    return 0;
}
