/*
 * strobe_clock.h — the one clock interface of the C core (ARCHITECTURE.md "One clock").
 *
 * Everything timed — the waveform player, the BCM2835 pull sequence's set-up and hold waits,
 * and the bit-banged protocols to come — asks a `strobe_clock` for time: now, sleep until,
 * spin until. Hardware uses the real-time clock below (CLOCK_MONOTONIC, read through the
 * vDSO), and the bit-banged buses its busy-wait sibling strobe_clock_busy; the simulator supplies its own implementation in virtual time, whose sleep and spin
 * move virtual time forward instead of waiting, so timed code runs unchanged and its trace
 * carries exact timestamps. The core never includes a simulator header: the simulator hands
 * its clock in.
 *
 * The plain helpers (strobe_monotonic_ns, strobe_sleep_ns, the timespec conversions) are the
 * only place the core reads CLOCK_MONOTONIC or converts a timespec.
 */
#ifndef STROBE_CLOCK_H
#define STROBE_CLOCK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STROBE_NS_PER_S 1000000000ull

/** The latest time any Strobe clock reaches or any deadline may name: 2⁶³ − 1 ns (292 years),
 *  so every time fits a signed 64-bit count (Swift's Duration, time_t arithmetic) and a sum
 *  of two valid times never wraps an unsigned 64-bit one. */
#define STROBE_TIME_MAX_NS 9223372036854775807ull /* INT64_MAX, written out so Swift imports it */

/** `*out = a + b` when the sum is at most STROBE_TIME_MAX_NS and returns 0; otherwise leaves
 *  `*out` alone and returns -EOVERFLOW. The one checked sum of times (deadlines, virtual
 *  time moved forward): a time never wraps. */
static inline int strobe_time_add(uint64_t a, uint64_t b, uint64_t *out) {
    if (a > STROBE_TIME_MAX_NS || b > STROBE_TIME_MAX_NS - a) return -EOVERFLOW;
    *out = a + b;
    return 0;
}

/** `a + b`, or STROBE_TIME_MAX_NS when that would pass it: for waits that can't fail, where
 *  "later than the end of time" means the end of time. */
static inline uint64_t strobe_time_add_saturating(uint64_t a, uint64_t b) {
    uint64_t t;
    return strobe_time_add(a, b, &t) == 0 ? t : STROBE_TIME_MAX_NS;
}

/**
 * A clock: three functions over a context. Times are ns on the clock's own timeline (real
 * clocks: CLOCK_MONOTONIC; virtual clocks: the simulator's time since it was made).
 *
 * An implementation promises:
 * - `now` never goes backwards;
 * - `sleep_until(t)` returns with now() ≥ t, giving the CPU away while it waits if it can
 *   (real: an absolute sleep; it may return late, never early). Virtual: moves time to t
 *   when it is behind, and returns at once;
 * - `spin_until(t)` returns with now() ≥ t as soon as possible after t, keeping the CPU
 *   (real: a loop reading now; for waits too short to sleep, or the last approach to a
 *   deadline). Virtual: the same as sleep_until;
 * - all three are safe to call from any thread while others call them.
 * `virtual_time` is true when time moves only because the clock's users (or the simulator)
 * move it: nothing can happen "meanwhile", so a player on it plays on the caller's thread.
 */
typedef struct strobe_clock {
    uint64_t (*now)(void *ctx);
    void (*sleep_until)(void *ctx, uint64_t t_ns);
    void (*spin_until)(void *ctx, uint64_t t_ns);
    void *ctx;
    bool virtual_time;
} strobe_clock;

/** The real-time clock: CLOCK_MONOTONIC; sleep is clock_nanosleep(TIMER_ABSTIME), retried on
 *  EINTR; spin reads the clock until the deadline. Needs no context and nothing to free. */
strobe_clock strobe_clock_monotonic(void);

/**
 * The busy-wait clock the bit-banged buses spin on, on CLOCK_MONOTONIC's timeline (within
 * NTP's slew). On arm64 it reads the generic timer's counter, CNTVCT_EL0, directly — cheaper
 * than clock_gettime through the vDSO, which reads the same register and scales it — put on
 * that timeline at first use (a few ms, once per process) at CNTFRQ_EL0 Hz, or at the rate
 * measured against CLOCK_MONOTONIC when CNTFRQ_EL0 disagrees with it by over 1 %. Its
 * resolution is one count (52 ns at the Pi 3's 19.2 MHz, 18.5 ns at the Pi 4's and Pi 5's
 * 54 MHz). Elsewhere it is strobe_clock_monotonic: on x86 the TSC is not fixed-rate on every
 * machine. Sleep is clock_nanosleep for what is left, then a spin. scripts/clock-cost
 * measures each source's cost per read.
 */
strobe_clock strobe_clock_busy(void);
/** What strobe_clock_busy reads: "CNTVCT_EL0" or "clock_gettime(CLOCK_MONOTONIC)". */
const char *strobe_clock_busy_source(void);
/** The counter rate strobe_clock_busy uses, Hz (calibrating first if needed); 0 when it is
 *  clock_gettime. */
uint64_t strobe_clock_busy_frequency(void);

/** The clock's time now, in ns. */
static inline uint64_t strobe_clock_now(const strobe_clock *clock) { return clock->now(clock->ctx); }
/** Sleep on `clock` until `t_ns` (see strobe_clock). */
static inline void strobe_clock_sleep_until(const strobe_clock *clock, uint64_t t_ns) { clock->sleep_until(clock->ctx, t_ns); }
/** Spin on `clock` until `t_ns` (see strobe_clock). */
static inline void strobe_clock_spin_until(const strobe_clock *clock, uint64_t t_ns) { clock->spin_until(clock->ctx, t_ns); }
/** Wait at least `ns` from now by spinning: a hardware set-up or hold time too short to
 *  sleep through (on a virtual clock, exactly `ns` of virtual time). */
static inline void strobe_clock_spin_for(const strobe_clock *clock, uint64_t ns) {
    strobe_clock_spin_until(clock, strobe_time_add_saturating(strobe_clock_now(clock), ns));
}

/** CLOCK_MONOTONIC now, in ns (one vDSO call, no syscall on Linux). */
uint64_t strobe_monotonic_ns(void);
/** Sleep at least `ns` on CLOCK_MONOTONIC: an absolute deadline, so a signal (EINTR) only
 *  resumes the sleep and never lengthens or shortens it. A deadline past STROBE_TIME_MAX_NS
 *  is that time (never a wrapped, early one). */
void strobe_sleep_ns(uint64_t ns);

/** A timespec as ns. A negative or out-of-range field gives 0 (a timespec the kernel
 *  hands out never has one). */
static inline uint64_t strobe_timespec_to_ns(struct timespec ts) {
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (long)STROBE_NS_PER_S) return 0;
    return (uint64_t)ts.tv_sec * STROBE_NS_PER_S + (uint64_t)ts.tv_nsec;
}

/** `ns` as a timespec (whole seconds and the ns left over). */
static inline struct timespec strobe_ns_to_timespec(uint64_t ns) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ns / STROBE_NS_PER_S);
    ts.tv_nsec = (long)(ns % STROBE_NS_PER_S);
    return ts;
}

#ifdef __cplusplus
}
#endif

#endif /* STROBE_CLOCK_H */
