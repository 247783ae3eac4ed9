/*
 * clock.c — the real-time implementation of strobe_clock and the plain time helpers.
 *
 * CLOCK_MONOTONIC is read through the vDSO (no syscall) on Linux arm64 and x86_64; it does not
 * jump with settimeofday or NTP steps, so deadlines computed from it hold.
 */
#define _GNU_SOURCE
#include "strobe_clock.h"

#include <errno.h>
#include <pthread.h>
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

/*
 * The busy-wait clock (strobe_clock_busy): what the bit-banged buses spin on.
 *
 * arm64: the generic timer's virtual count, CNTVCT_EL0, at CNTFRQ_EL0 Hz (Arm ARM D11.1.2,
 * "The Generic Timer"; user space may read both when the kernel sets CNTKCTL_EL1.EL0VCTEN,
 * which Linux does — the vDSO reads the same register). Reading it directly skips the vDSO's
 * sequence-count loop and scaling: scripts/clock-cost measures the difference. The count is
 * put on the CLOCK_MONOTONIC timeline once, at first use: one (count, monotonic) pair, taken
 * where a clock_gettime pair brackets the register read most tightly, and the rate from
 * CNTFRQ_EL0 when it agrees within 1 % with a rate measured against CLOCK_MONOTONIC over
 * 2 ms (firmware that leaves CNTFRQ_EL0 unset or wrong gets the measured one). The register
 * read is preceded by an ISB, as Linux's arch timer does, so it is not taken early.
 * NTP slews CLOCK_MONOTONIC (at most 500 ppm) and not the counter, so the two timelines may
 * part by that much: the buses take deadlines from this clock's own now, never mix them.
 *
 * Elsewhere (x86_64 included) it is strobe_clock_monotonic: the TSC is not a fixed-rate
 * source on every x86 machine, and the vDSO's clock_gettime already reads it when it is.
 */
#if defined(__aarch64__)
static inline uint64_t counter_now(void) {
    uint64_t v;
    __asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}

static inline uint64_t counter_frequency(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

__extension__ typedef unsigned __int128 strobe_u128;

static struct {
    uint64_t count0; /* the counter at base_ns */
    uint64_t base_ns;
    uint64_t hz;
    uint64_t mult; /* ns per count, 32.32 fixed point */
} busy;
static pthread_once_t busy_once = PTHREAD_ONCE_INIT;

/* The counter and CLOCK_MONOTONIC at one instant: the tightest of 16 bracketed reads. */
static void counter_pair(uint64_t *count, uint64_t *ns) {
    uint64_t best = UINT64_MAX;
    for (int i = 0; i < 16; i++) {
        uint64_t a = strobe_monotonic_ns();
        uint64_t c = counter_now();
        uint64_t b = strobe_monotonic_ns();
        if (b - a < best) {
            best = b - a;
            *count = c;
            *ns = a + (b - a) / 2;
        }
    }
}

static void busy_calibrate(void) {
    uint64_t c0 = 0, m0 = 0, c1 = 0, m1 = 0;
    counter_pair(&c0, &m0);
    while (strobe_monotonic_ns() - m0 < 2000000u) {
    }
    counter_pair(&c1, &m1);
    uint64_t measured = m1 > m0 ? (uint64_t)((strobe_u128)(c1 - c0) * STROBE_NS_PER_S / (m1 - m0)) : 0;
    uint64_t nominal = counter_frequency();
    uint64_t hz = nominal;
    if (nominal == 0 || measured == 0 || measured < nominal - nominal / 100 || measured > nominal + nominal / 100)
        hz = measured ? measured : 1;
    busy.count0 = c1;
    busy.base_ns = m1;
    busy.hz = hz;
    busy.mult = (uint64_t)(((strobe_u128)STROBE_NS_PER_S << 32) / hz);
}

static uint64_t busy_now(void *ctx) {
    (void)ctx;
    uint64_t d = counter_now() - busy.count0;
    return busy.base_ns + (uint64_t)(((strobe_u128)d * busy.mult) >> 32);
}

static void busy_spin_until(void *ctx, uint64_t t_ns) {
    while (busy_now(ctx) < t_ns) {
    }
}

/* Sleep on CLOCK_MONOTONIC for what is left on this clock's timeline, then spin the rest:
 * a slew between the two never makes it return early. */
static void busy_sleep_until(void *ctx, uint64_t t_ns) {
    uint64_t now = busy_now(ctx);
    if (now < t_ns) strobe_sleep_ns(t_ns - now);
    busy_spin_until(ctx, t_ns);
}

strobe_clock strobe_clock_busy(void) {
    pthread_once(&busy_once, busy_calibrate);
    strobe_clock c = {busy_now, busy_sleep_until, busy_spin_until, NULL, false};
    return c;
}

const char *strobe_clock_busy_source(void) { return "CNTVCT_EL0"; }

uint64_t strobe_clock_busy_frequency(void) {
    pthread_once(&busy_once, busy_calibrate);
    return busy.hz;
}
#else
strobe_clock strobe_clock_busy(void) { return strobe_clock_monotonic(); }

const char *strobe_clock_busy_source(void) { return "clock_gettime(CLOCK_MONOTONIC)"; }

uint64_t strobe_clock_busy_frequency(void) { return 0; }
#endif
