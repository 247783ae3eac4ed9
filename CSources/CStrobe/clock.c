/*
 * clock.c — the real-time implementation of strobe_clock and the plain time helpers.
 *
 * CLOCK_MONOTONIC is read through the vDSO (no syscall) on Linux arm64 and x86_64; it does not
 * jump with settimeofday or NTP steps, so deadlines computed from it hold.
 */
#define _GNU_SOURCE
#include "strobe_clock.h"

#include <errno.h>
#include <time.h>

uint64_t strobe_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return strobe_timespec_to_ns(ts);
}

static uint64_t real_now(void *ctx) {
    (void)ctx;
    return strobe_monotonic_ns();
}

static void real_sleep_until(void *ctx, uint64_t t_ns) {
    (void)ctx;
    struct timespec deadline = strobe_ns_to_timespec(t_ns);
    /* clock_nanosleep returns the error instead of setting errno. An absolute deadline makes
     * the retry after a signal exact. */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {
    }
}

static void real_spin_until(void *ctx, uint64_t t_ns) {
    (void)ctx;
    while (strobe_monotonic_ns() < t_ns) {
    }
}

strobe_clock strobe_clock_monotonic(void) {
    strobe_clock c = {real_now, real_sleep_until, real_spin_until, NULL, false};
    return c;
}

void strobe_sleep_ns(uint64_t ns) { real_sleep_until(NULL, strobe_time_add_saturating(strobe_monotonic_ns(), ns)); }
