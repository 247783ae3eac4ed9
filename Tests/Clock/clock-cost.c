/*
 * clock-cost.c — what one read of each time source costs here, for scripts/clock-cost.
 *   clock-cost [READS]  — READS reads per source and round (default 5000000), best of 5 rounds.
 * Prints ns per read of: clock_gettime(CLOCK_MONOTONIC) called directly; strobe_clock_monotonic
 * and strobe_clock_busy through their `now` pointers (what a bus's spin pays per look at the
 * clock); the raw CPU counter (arm64 CNTVCT_EL0 with its ISB; x86 RDTSC, for information:
 * strobe_clock_busy does not use it there). Then checks strobe_clock_busy against
 * CLOCK_MONOTONIC: its step (resolution), and how far the two part over 20 ms.
 */
#define _GNU_SOURCE
#include "strobe_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

static volatile uint64_t sink;

static uint64_t direct_monotonic(void *ctx) {
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__aarch64__)
static uint64_t raw_counter(void *ctx) {
    (void)ctx;
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}
#define RAW_NAME "CNTVCT_EL0 (isb; mrs), raw count"
#elif defined(__x86_64__)
static uint64_t raw_counter(void *ctx) {
    (void)ctx;
    return __rdtsc();
}
#define RAW_NAME "RDTSC, raw count (information: not used)"
#endif

/* Best of 5 rounds of `reads` calls, ns per call. `f` is called through a pointer, as the
 * buses call a clock. */
static double cost(uint64_t (*volatile f)(void *), void *ctx, unsigned long reads) {
    double best = 1e30;
    for (int round = 0; round < 5; round++) {
        uint64_t t0 = strobe_monotonic_ns(), acc = 0;
        for (unsigned long i = 0; i < reads; i++) acc += f(ctx);
        uint64_t t1 = strobe_monotonic_ns();
        sink = acc;
        double per = (double)(t1 - t0) / (double)reads;
        if (per < best) best = per;
    }
    return best;
}

int main(int argc, char **argv) {
    unsigned long reads = argc > 1 ? strtoul(argv[1], NULL, 10) : 5000000ul;
    if (reads == 0) { fprintf(stderr, "usage: clock-cost [READS]\n"); return 2; }
    strobe_clock mono = strobe_clock_monotonic();
    strobe_clock busy = strobe_clock_busy();
    printf("clock-cost: %lu reads per source, best of 5 rounds\n", reads);
    printf("  %-46s %7.2f ns per read\n", "clock_gettime(CLOCK_MONOTONIC), direct", cost(direct_monotonic, NULL, reads));
    printf("  %-46s %7.2f ns per read\n", "strobe_clock_monotonic().now", cost(mono.now, mono.ctx, reads));
    printf("  %-46s %7.2f ns per read  (source: %s)\n", "strobe_clock_busy().now", cost(busy.now, busy.ctx, reads),
           strobe_clock_busy_source());
#ifdef RAW_NAME
    printf("  %-46s %7.2f ns per read\n", RAW_NAME, cost(raw_counter, NULL, reads));
#endif
    uint64_t hz = strobe_clock_busy_frequency();
    if (hz) printf("  counter frequency: %llu Hz (%.2f ns per count)\n", (unsigned long long)hz, 1e9 / (double)hz);
    /* The busy clock's step: the smallest change between successive reads that differ. */
    uint64_t step = UINT64_MAX, prev = strobe_clock_now(&busy);
    for (int i = 0; i < 100000; i++) {
        uint64_t now = strobe_clock_now(&busy);
        if (now < prev) { printf("FAIL: strobe_clock_busy went backwards (%llu after %llu)\n", (unsigned long long)now, (unsigned long long)prev); return 1; }
        if (now != prev && now - prev < step) step = now - prev;
        prev = now;
    }
    printf("  strobe_clock_busy: smallest step seen %llu ns, never backwards in 100000 reads\n", (unsigned long long)step);
    /* Agreement with CLOCK_MONOTONIC over 20 ms of spinning. */
    uint64_t b0 = strobe_clock_now(&busy), m0 = strobe_monotonic_ns();
    strobe_clock_spin_until(&busy, b0 + 20000000u);
    uint64_t b1 = strobe_clock_now(&busy), m1 = strobe_monotonic_ns();
    double part = (double)(int64_t)((b1 - b0) - (m1 - m0));
    printf("  strobe_clock_busy vs CLOCK_MONOTONIC over %.1f ms: %+.0f ns (%+.1f ppm)\n", (double)(m1 - m0) / 1e6, part,
           part / (double)(m1 - m0) * 1e6);
    if (b1 - b0 < 20000000u) { printf("FAIL: a 20 ms spin returned early\n"); return 1; }
    if (part > 100000 || part < -100000) { printf("FAIL: the busy clock parts from CLOCK_MONOTONIC by over 100 us in 20 ms\n"); return 1; }
    return 0;
}
