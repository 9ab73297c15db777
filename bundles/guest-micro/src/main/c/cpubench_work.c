/*
 * The cpubench workload: integer arithmetic (multiply, divide, shift, rotate, an xorshift generator and an
 * FNV-1a hash), memory copies and fills (byte loops and REP MOVS/STOS), branches (an insertion sort, binary
 * and linear searches) and calls (a recursive Fibonacci), over a fixed 32 KiB working set. Integer code only
 * (-mgeneral-regs-only on both builds) and no library calls, so the guest and the host program execute
 * essentially the same instructions. Everything is reinitialised from a fixed seed: the result depends only
 * on iters.
 */
#include "cpubench.h"

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define WS 16384
#define NKEYS 128

static u8 src[WS] __attribute__((aligned(64)));
static u8 dst[WS] __attribute__((aligned(64)));
static u32 keys[NKEYS];
static u64 xs;

static u64 xorshift(void)
{
    xs ^= xs << 13;
    xs ^= xs >> 7;
    xs ^= xs << 17;
    return xs;
}

static u64 rotl(u64 v, int n)
{
    return (v << n) | (v >> (64 - n));
}

static u64 fnv1a(const u8 *p, u64 n)
{
    u64 h = 0xcbf29ce484222325UL;
    for (u64 i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3UL;
    }
    return h;
}

/* Unsigned and signed 64- and 32-bit division, remainders, variable shifts and rotates. */
static u64 arith(u64 seed)
{
    u64 a = seed | 1, acc = 0;
    for (int i = 1; i <= 1500; i++) {
        a = a * 6364136223846793005UL + 1442695040888963407UL;
        u64 d = (a >> 33) | 1;
        acc += a / d;
        acc ^= (a % (u64)(i * 7 + 3)) << (i & 31);
        s64 sa = (s64)(a >> 2) - (1L << 61);
        acc += (u64)(sa / (s64)((i - 750) | 1));
        u32 x = (u32)acc;
        acc += x / ((x >> 16) | 1) + x % 1000003u;
        acc = rotl(acc, i & 63 ? i & 63 : 1) ^ (acc >> (i % 13));
    }
    return acc;
}

static void rep_movsb(void *d, const void *s, u64 n)
{
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void rep_movsq(void *d, const void *s, u64 n)
{
    __asm__ volatile("rep movsq" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
}

static void rep_stosb(void *d, u8 v, u64 n)
{
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

static void rep_stosq(void *d, u64 v, u64 n)
{
    __asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* Byte loops and string instructions; returns a hash of what they left. */
static u64 copies(u64 salt)
{
    for (u64 i = 0; i < WS; i += 8) {
        u64 v = xorshift();
        for (int b = 0; b < 8; b++)
            src[i + b] = (u8)(v >> (8 * b));
    }
    for (u64 i = 0; i < WS; i++)
        dst[i] = src[i] ^ (u8)(i + salt);
    u64 h = fnv1a(dst, WS);
    u64 off = salt & 1023;
    rep_movsb(dst + off, src, WS - off);
    h ^= fnv1a(dst, WS);
    rep_stosb(dst, (u8)salt, WS / 2);
    rep_movsq(dst + WS / 2, src + 8 * (salt & 7), WS / 16 - 1);
    h = rotl(h, 7) ^ fnv1a(dst, WS);
    rep_stosq(src, h, WS / 8);
    return h ^ fnv1a(src + (salt & 4095), 256);
}

static void insertion_sort(u32 *a, int n)
{
    for (int i = 1; i < n; i++) {
        u32 v = a[i];
        int j = i - 1;
        while (j >= 0 && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static int binary_search(const u32 *a, int n, u32 key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (a[mid] == key)
            return mid;
        if (a[mid] < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1 - lo;
}

static int linear_search(const u32 *a, int n, u32 key)
{
    for (int i = 0; i < n; i++)
        if (a[i] >= key)
            return i;
    return n;
}

/* Sorts fresh keys (with duplicates: only 12 bits), then looks up keys that are there and keys that may not be. */
static u64 branches(void)
{
    for (int i = 0; i < NKEYS; i++)
        keys[i] = (u32)xorshift() & 0xfff;
    insertion_sort(keys, NKEYS);
    u64 r = 0;
    for (int i = 0; i < NKEYS; i++) {
        if (i && keys[i - 1] > keys[i])
            r += 1000000; /* not sorted: shows in the checksum */
        u32 probe = (u32)xorshift() & 0xfff;
        int found = binary_search(keys, NKEYS, keys[(i * 37) % NKEYS]);
        int where = binary_search(keys, NKEYS, probe);
        r = r * 31 + (u64)(found >= 0 && keys[found] == keys[(i * 37) % NKEYS]);
        r = r * 31 + (u64)(u32)where + (u64)linear_search(keys, NKEYS, probe);
    }
    return r;
}

static u64 __attribute__((noinline)) fib(u32 n, u64 salt)
{
    if (n < 2)
        return n + (salt & 1);
    return fib(n - 1, salt >> 1) + fib(n - 2, salt * 3);
}

u64 cpubench_run(u64 iters)
{
    xs = 0x9E3779B97F4A7C15UL;
    u64 sum = 0;
    for (u64 it = 0; it < iters; it++) {
        sum = rotl(sum, 5) ^ arith(sum + it);
        sum = rotl(sum, 11) ^ copies(sum ^ it);
        sum = rotl(sum, 17) ^ branches();
        sum = rotl(sum, 23) ^ fib(16, sum);
    }
    return sum;
}
