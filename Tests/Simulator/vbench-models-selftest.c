/*
 * vbench-models-selftest.c — the virtual bench's model timers and I2C device models, driven
 * from C the way a master drives them: through the bench's register window (the same stores a
 * driver makes, trapped by the bench), with SDA and SCL open-drain — latch preset low, the pin
 * switched between input (released: the pull-up makes it 1) and output (low).
 *
 * Built and run by scripts/vbench-models-selftest with the simulator's and the core's C files.
 * The last line printed is "N passed, M failed"; the exit status is 1 when M > 0.
 */
#define _GNU_SOURCE
#include "strobe_vbench.h"
#include "strobe_vbench_i2c.h"
#include "strobe_gpio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) passed++;                                                                        \
        else {                                                                                     \
            failed++;                                                                              \
            printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                 \
            printf(__VA_ARGS__);                                                                   \
            printf("\n");                                                                          \
        }                                                                                          \
    } while (0)

static strobe_vbench *new_bench(void) {
    int err = 0;
    strobe_vbench *b = strobe_vbench_new(STROBE_LAYOUT_BCM2835, &err);
    if (!b) {
        printf("FAIL: strobe_vbench_new: %d\n", err);
        exit(1);
    }
    return b;
}

/* One trapped register store. The model callbacks it causes run inside the SIGSEGV handler and
 * change the test's own structures; the compiler sees only a volatile store, so tell it that
 * memory may have changed. */
static void store(strobe_vbench *b, uint32_t offset, uint32_t value) {
    strobe_w32(strobe_vbench_block(b) + offset / 4, value);
    __asm__ volatile("" ::: "memory");
}

/* The first recorded change of `pin` to `level` at or after `from` ns; UINT64_MAX when none. */
static uint64_t change_time(strobe_vbench *b, unsigned pin, unsigned level, uint64_t from) {
    size_t n = strobe_vbench_event_count(b);
    for (size_t i = 0; i < n; i++) {
        strobe_vbench_event e;
        if (strobe_vbench_event_at(b, i, &e) == 0 && e.pin == pin && e.level == level && e.time_ns >= from) return e.time_ns;
    }
    return UINT64_MAX;
}

/* ------------------------------------------------------------------------------------------ */
/* Model timers                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* A pulse generator: a rising edge on pin 20 arms a timer 1000 ns later that drives pin 21 high
 * and re-arms 500 ns on, where it lets pin 21 go (its reset pull-down makes it low). */
typedef struct pulser {
    unsigned fires;
    uint64_t fire_times[4];
    int schedule_rc;
} pulser;

static void pulser_changed(void *ctx, strobe_vbench *b, uint64_t t, unsigned pin, unsigned level) {
    pulser *p = ctx;
    if (pin == 20 && level == 1) p->schedule_rc = strobe_vbench_model_schedule(b, t + 1000);
}

static void pulser_timer(void *ctx, strobe_vbench *b, uint64_t t) {
    pulser *p = ctx;
    if (p->fires < 4) p->fire_times[p->fires] = t;
    p->fires++;
    if (strobe_vbench_model_level(b, 21) == 0) {
        strobe_vbench_model_drive(b, 21, 1);
        strobe_vbench_model_schedule(b, t + 500);
    } else {
        strobe_vbench_model_drive(b, 21, -1);
    }
}

/* A listener on pin 21: the virtual time it saw each change at. */
typedef struct listener {
    unsigned n;
    uint64_t times[4];
} listener;

static void listener_changed(void *ctx, strobe_vbench *b, uint64_t t, unsigned pin, unsigned level) {
    (void)b; (void)pin; (void)level;
    listener *l = ctx;
    if (l->n < 4) l->times[l->n] = t;
    l->n++;
}

/* A timer that re-arms itself for the instant it fires at, for ever. */
static void runaway_changed(void *ctx, strobe_vbench *b, uint64_t t, unsigned pin, unsigned level) {
    (void)ctx; (void)pin;
    if (level) strobe_vbench_model_schedule(b, t);
}
static void runaway_timer(void *ctx, strobe_vbench *b, uint64_t t) {
    (*(unsigned *)ctx)++;
    strobe_vbench_model_schedule(b, t);
}

/* Results of calling schedule from a model without a timer, and with a time in the past. */
typedef struct refusals { int no_timer, past, beyond; } refusals;
static void refusing_changed(void *ctx, strobe_vbench *b, uint64_t t, unsigned pin, unsigned level) {
    (void)pin; (void)level;
    refusals *r = ctx;
    r->no_timer = strobe_vbench_model_schedule(b, t + 10);
}
static void past_changed(void *ctx, strobe_vbench *b, uint64_t t, unsigned pin, unsigned level) {
    (void)pin; (void)level;
    refusals *r = ctx;
    r->past = t > 0 ? strobe_vbench_model_schedule(b, t - 1) : -1000;
    r->beyond = strobe_vbench_model_schedule(b, STROBE_TIME_MAX_NS + 1);
}
static void noop_timer(void *ctx, strobe_vbench *b, uint64_t t) { (void)ctx; (void)b; (void)t; }

static void test_timers(void) {
    strobe_vbench *b = new_bench();
    pulser p = {0};
    listener l = {0};
    strobe_vbench_model pm = {.watch = 1ull << 20, .pin_changed = pulser_changed, .ctx = &p, .timer = pulser_timer};
    strobe_vbench_model lm = {.watch = 1ull << 21, .pin_changed = listener_changed, .ctx = &l};
    CHECK(strobe_vbench_attach_model(b, &pm) > 0, "attach pulser");
    CHECK(strobe_vbench_attach_model(b, &lm) > 0, "attach listener");
    CHECK(strobe_vbench_model_schedule(b, 10) == -EPERM, "schedule outside a callback");
    CHECK(strobe_vbench_next_deadline(b) == UINT64_MAX, "no deadline yet");
    strobe_vbench_advance(b, 100);
    strobe_vbench_drive(b, 20, 1); /* at 100: arms 1100 */
    CHECK(p.schedule_rc == 0, "schedule rc %d", p.schedule_rc);
    CHECK(strobe_vbench_next_deadline(b) == 1100, "deadline %llu", (unsigned long long)strobe_vbench_next_deadline(b));
    strobe_vbench_advance(b, 999); /* to 1099: not yet */
    CHECK(p.fires == 0, "fired early at %llu", (unsigned long long)p.fire_times[0]);
    strobe_vbench_advance(b, 5000); /* through 1100 and 1600 to 6099 */
    CHECK(p.fires == 2, "fires %u", p.fires);
    CHECK(p.fire_times[0] == 1100 && p.fire_times[1] == 1600, "fired at %llu, %llu",
          (unsigned long long)p.fire_times[0], (unsigned long long)p.fire_times[1]);
    CHECK(strobe_vbench_now(b) == 6099, "now %llu", (unsigned long long)strobe_vbench_now(b));
    CHECK(change_time(b, 21, 1, 0) == 1100 && change_time(b, 21, 0, 0) == 1600, "pin 21 rose %llu fell %llu",
          (unsigned long long)change_time(b, 21, 1, 0), (unsigned long long)change_time(b, 21, 0, 0));
    CHECK(l.n == 2 && l.times[0] == 1100 && l.times[1] == 1600, "listener saw %u changes, at %llu, %llu", l.n,
          (unsigned long long)l.times[0], (unsigned long long)l.times[1]);

    /* The bench clock's spin and sleep split at deadlines the same way. */
    strobe_clock c = strobe_vbench_clock(b);
    strobe_vbench_drive(b, 20, 0);
    strobe_vbench_drive(b, 20, 1); /* at 6099: arms 7099 */
    strobe_clock_spin_until(&c, 7000);
    CHECK(p.fires == 2, "fired before its deadline");
    strobe_clock_sleep_until(&c, 9000);
    CHECK(p.fires == 4 && p.fire_times[2] == 7099 && p.fire_times[3] == 7599, "spin/sleep fires %u at %llu, %llu", p.fires,
          (unsigned long long)p.fire_times[2], (unsigned long long)p.fire_times[3]);
    CHECK(strobe_vbench_now(b) == 9000, "now %llu", (unsigned long long)strobe_vbench_now(b));

    /* Through the store cost: each trapped store moves time 1000 ns; the timer fires at its
     * own time between stores, and the VCD shows its change there. */
    strobe_vbench_set_store_cost(b, 1000);
    strobe_vbench_drive(b, 20, 0);
    strobe_vbench_drive(b, 20, 1); /* at 9000: arms 10000; the pulse lasts to 10500 */
    store(b, STROBE_BCM_GPSET0, 1u << 17); /* at 10000 exactly */
    CHECK(p.fires == 5 && p.fire_times[0] == 1100, "store-cost fire count %u", p.fires);
    store(b, STROBE_BCM_GPSET0, 1u << 17); /* 11000: through 10500 */
    CHECK(p.fires == 6, "store-cost fires %u", p.fires);
    CHECK(change_time(b, 21, 1, 9001) == 10000 && change_time(b, 21, 0, 9001) == 10500, "store-cost pulse %llu..%llu",
          (unsigned long long)change_time(b, 21, 1, 9001), (unsigned long long)change_time(b, 21, 0, 9001));
    char path[] = "/tmp/vbench-timer-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    CHECK(strobe_vbench_write_vcd(b, path, 1ull << 21) == 0, "vcd");
    FILE *f = fopen(path, "r");
    char text[4096] = {0};
    if (f) { size_t n = fread(text, 1, sizeof text - 1, f); text[n] = 0; fclose(f); }
    unlink(path);
    CHECK(strstr(text, "#1100\n1!") && strstr(text, "#1600\n0!") && strstr(text, "#10500\n0!"), "VCD:\n%s", text);
    strobe_vbench_set_store_cost(b, 0);

    /* Refusals. */
    refusals r = {0};
    strobe_vbench_model rm = {.watch = 1ull << 22, .pin_changed = refusing_changed, .ctx = &r};
    strobe_vbench_model qm = {.watch = 1ull << 23, .pin_changed = past_changed, .ctx = &r, .timer = noop_timer};
    CHECK(strobe_vbench_attach_model(b, &rm) > 0 && strobe_vbench_attach_model(b, &qm) > 0, "attach refusers");
    strobe_vbench_drive(b, 22, 1);
    strobe_vbench_drive(b, 23, 1);
    CHECK(r.no_timer == -EINVAL, "no timer: %d", r.no_timer);
    CHECK(r.past == -EINVAL, "past: %d", r.past);
    CHECK(r.beyond == -EINVAL, "beyond the end of time: %d", r.beyond);

    /* A runaway timer is cut off and counted; time still moves. */
    unsigned runs = 0;
    strobe_vbench_model run = {.watch = 1ull << 24, .pin_changed = runaway_changed, .ctx = &runs, .timer = runaway_timer};
    int rid = strobe_vbench_attach_model(b, &run);
    uint64_t over = strobe_vbench_model_overruns(b);
    strobe_vbench_drive(b, 24, 1);
    strobe_vbench_advance(b, 0);
    CHECK(runs == STROBE_VBENCH_MODEL_DEPTH + 1, "runaway ran %u times", runs);
    CHECK(strobe_vbench_model_overruns(b) == over + 1, "overruns %llu", (unsigned long long)strobe_vbench_model_overruns(b));
    CHECK(strobe_vbench_next_deadline(b) == UINT64_MAX, "runaway disarmed");
    strobe_vbench_detach_model(b, rid);
    strobe_vbench_free(b);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_timers();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
