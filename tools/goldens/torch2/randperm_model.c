/* Model of torch.randperm(n) on CPU (int64), written from the description in FACTS.md sections 1, 4 and 8 and
 * PyTorch 2.10's aten/src/ATen/native/TensorFactories.cpp (randperm_cpu):
 *   n <  (2^32-1)/20 = 214748364: r = 0..n-1; for i in 0..n-2: z = random() % (n-i); swap(r[i], r[i+z])
 *   n >= 214748364 (2.x)        : for i in 0..n-1: z = random64() % (i+1); r[i] = r[z]; r[z] = i
 * random() is one tempered mt19937 output (seeded with the low 32 bits of the seed, standard init_genrand);
 * random64() = (first << 32) | second.
 * usage: randperm_model <n> <seed> <old|new|auto> > values.i64   (little-endian int64 on stdout)
 * build: gcc -O2 -o randperm_model randperm_model.c */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t mt[624];
static int mti;

static void seed_mt(uint64_t seed)
{
    mt[0] = (uint32_t)seed;
    for (int j = 1; j < 624; j++)
        mt[j] = 1812433253u * (mt[j - 1] ^ (mt[j - 1] >> 30)) + (uint32_t)j;
    mti = 624;
}

static uint32_t next32(void)
{
    if (mti >= 624) {
        for (int k = 0; k < 624; k++) {
            uint32_t y = (mt[k] & 0x80000000u) | (mt[(k + 1) % 624] & 0x7fffffffu);
            mt[k] = mt[(k + 397) % 624] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
        }
        mti = 0;
    }
    uint32_t y = mt[mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

static uint64_t next64(void)
{
    uint64_t hi = next32();
    return (hi << 32) | next32();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: randperm_model <n> <seed> <old|new|auto>\n");
        return 2;
    }
    int64_t n = strtoll(argv[1], NULL, 10);
    uint64_t seed = (uint64_t)strtoll(argv[2], NULL, 10);
    int use_new = strcmp(argv[3], "new") == 0 || (strcmp(argv[3], "auto") == 0 && n >= 4294967295LL / 20);
    int64_t *r = malloc((size_t)(n > 0 ? n : 1) * sizeof(int64_t));
    if (!r) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    seed_mt(seed);
    if (!use_new) {
        for (int64_t i = 0; i < n; i++)
            r[i] = i;
        for (int64_t i = 0; i < n - 1; i++) {
            int64_t z = (int64_t)(next32() % (uint64_t)(n - i));
            int64_t t = r[i];
            r[i] = r[i + z];
            r[i + z] = t;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t z = (int64_t)(next64() % (uint64_t)(i + 1));
            r[i] = r[z];
            r[z] = i;
        }
    }
    fwrite(r, sizeof(int64_t), (size_t)n, stdout);
    free(r);
    return 0;
}
