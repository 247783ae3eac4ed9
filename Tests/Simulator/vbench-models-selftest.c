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

/* With VBENCH_MODELS_VCD=DIR, write the bus's trace (SDA and SCL) as DIR/NAME.vcd for sigrok. */
static void save_trace(strobe_vbench *b, const char *name) {
    const char *dir = getenv("VBENCH_MODELS_VCD");
    if (!dir || !*dir) return;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.vcd", dir, name);
    CHECK(strobe_vbench_write_vcd(b, path, (1ull << 2) | (1ull << 3)) == 0, "write %s", path);
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


/* ------------------------------------------------------------------------------------------ */
/* A bit-banged I2C master for the tests, through the register window                          */
/* ------------------------------------------------------------------------------------------ */

#define SDA 2u /* BCM2835 reset pulls on GPIO 0-8 are up: the bus's pull-up resistors */
#define SCL 3u

typedef struct master {
    strobe_vbench *b;
    uint64_t quarter_ns;       /* a quarter of the SCL period */
    uint64_t stretch_timeout_ns;
    bool timed_out;
    uint64_t longest_wait_ns;  /* the longest SCL was held low after the master let it go */
    uint64_t last_rise_ns;     /* when SCL last rose for the master */
} master;

static void wait(master *m, uint64_t ns) { strobe_vbench_advance(m->b, ns); }

/* Open drain: output (the latch is low) pulls the line low, input lets the pull-up have it. */
static void line(master *m, unsigned pin, bool low) {
    volatile uint32_t *win = strobe_vbench_block(m->b);
    uint32_t off = strobe_bcm_fsel_offset(pin), shift = strobe_bcm_fsel_shift(pin);
    uint32_t v = strobe_r32(win + off / 4) & ~(7u << shift);
    if (low) v |= 1u << shift; /* FSEL 001: output */
    store(m->b, off, v);
}

static unsigned level(master *m, unsigned pin) {
    return (strobe_r32(strobe_vbench_block(m->b) + STROBE_BCM_GPLEV0 / 4) >> pin) & 1u;
}

static void master_init(master *m, strobe_vbench *b, uint64_t hz) {
    memset(m, 0, sizeof *m);
    m->b = b;
    m->quarter_ns = 1000000000ull / hz / 4;
    m->stretch_timeout_ns = 1000000000ull; /* 1 s */
    store(b, STROBE_BCM_GPCLR0, (1u << SDA) | (1u << SCL)); /* latches low, once */
    line(m, SDA, false);
    line(m, SCL, false);
    wait(m, 8 * m->quarter_ns); /* an idle bus before the first START, as a decoder expects */
}

/* Let SCL go and wait, in steps of 100 ns, while a target holds it low ([UM10204] 3.1.9). */
static bool scl_up(master *m) {
    line(m, SCL, false);
    uint64_t from = strobe_vbench_now(m->b);
    while (level(m, SCL) == 0) {
        if (strobe_vbench_now(m->b) - from >= m->stretch_timeout_ns) {
            m->timed_out = true;
            return false;
        }
        wait(m, 100);
    }
    uint64_t waited = strobe_vbench_now(m->b) - from;
    if (waited > m->longest_wait_ns) m->longest_wait_ns = waited;
    m->last_rise_ns = strobe_vbench_now(m->b);
    return true;
}

/* One clock: SDA set while SCL is low, sampled in the middle of SCL high. -1: stretch timeout. */
static int bit(master *m, unsigned v) {
    line(m, SDA, v == 0);
    wait(m, m->quarter_ns);
    if (!scl_up(m)) return -1;
    wait(m, m->quarter_ns);
    int r = (int)level(m, SDA);
    wait(m, m->quarter_ns);
    line(m, SCL, true);
    wait(m, m->quarter_ns);
    return r;
}

static void start(master *m) { /* from an idle bus */
    line(m, SDA, true);
    wait(m, m->quarter_ns);
    line(m, SCL, true);
    wait(m, m->quarter_ns);
}

static bool restart(master *m) {
    line(m, SDA, false);
    wait(m, m->quarter_ns);
    if (!scl_up(m)) return false;
    wait(m, m->quarter_ns);
    start(m);
    return true;
}

static void stop(master *m) {
    line(m, SDA, true);
    wait(m, m->quarter_ns);
    scl_up(m);
    wait(m, m->quarter_ns);
    line(m, SDA, false);
    wait(m, 2 * m->quarter_ns);
}

/* A byte out; 1 = ACK, 0 = NACK, -1 = stretch timeout. */
static int write_byte(master *m, uint8_t byte) {
    for (int i = 7; i >= 0; i--)
        if (bit(m, (byte >> i) & 1u) < 0) return -1;
    int a = bit(m, 1);
    return a < 0 ? -1 : a == 0;
}

/* A byte in, then ACK (more to come) or NACK (the last). -1 = stretch timeout. */
static int read_byte(master *m, bool ack) {
    unsigned v = 0;
    for (int i = 0; i < 8; i++) {
        int r = bit(m, 1);
        if (r < 0) return -1;
        v = (v << 1) | (unsigned)r;
    }
    return bit(m, ack ? 0 : 1) < 0 ? -1 : (int)v;
}

/* START, address + W, bytes, STOP: how many of the address and bytes were ACKed in a row. */
static int write_transfer(master *m, unsigned address, const uint8_t *bytes, size_t n) {
    start(m);
    int acked = 0;
    if (write_byte(m, (uint8_t)(address << 1)) == 1) {
        acked = 1;
        for (size_t i = 0; i < n && write_byte(m, bytes[i]) == 1; i++) acked++;
    }
    stop(m);
    return acked;
}

/* Does the target ACK its address (W) right now? START, address, STOP. */
static bool probe(master *m, unsigned address) { return write_transfer(m, address, NULL, 0) == 1; }

/* START, address + W, word address bytes, Sr, address + R, n bytes, STOP. Returns 0 or -1. */
static int write_read(master *m, unsigned address, const uint8_t *w, size_t nw, uint8_t *r, size_t nr) {
    start(m);
    int rc = write_byte(m, (uint8_t)(address << 1)) == 1 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nw; i++)
        if (write_byte(m, w[i]) != 1) rc = -1;
    if (rc == 0 && (!restart(m) || write_byte(m, (uint8_t)(address << 1 | 1)) != 1)) rc = -1;
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        int v = read_byte(m, i + 1 < nr);
        if (v < 0) rc = -1;
        else r[i] = (uint8_t)v;
    }
    stop(m);
    return rc;
}

/* START, address + R, n bytes, STOP. */
static int read_transfer(master *m, unsigned address, uint8_t *r, size_t nr) {
    start(m);
    int rc = write_byte(m, (uint8_t)(address << 1 | 1)) == 1 ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < nr; i++) {
        int v = read_byte(m, i + 1 < nr);
        if (v < 0) rc = -1;
        else r[i] = (uint8_t)v;
    }
    stop(m);
    return rc;
}

/* Wait out a write cycle by ACK polling; returns the time of the first ACK. */
static uint64_t ack_poll(master *m, unsigned address) {
    for (int i = 0; i < 10000; i++) {
        if (probe(m, address)) return strobe_vbench_now(m->b);
    }
    return UINT64_MAX;
}

/* ------------------------------------------------------------------------------------------ */
/* The 24C02                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_eeprom(void) {
    strobe_vbench *b = new_bench();
    master m;
    master_init(&m, b, 100000);
    strobe_eeprom_config c = {.sda = SDA, .scl = SCL, .address = 0x50, .size = 256, .page_size = 8, .address_bytes = 1,
                              .write_cycle_ns = STROBE_EEPROM_TWR_NS};
    int id = strobe_vbench_attach_eeprom(b, &c);
    CHECK(id > 0, "attach 24C02: %d", id);
    strobe_eeprom_config c32 = {.sda = SDA, .scl = SCL, .address = 0x57, .size = 4096, .page_size = 32, .address_bytes = 2,
                                .write_cycle_ns = 2000000};
    int id32 = strobe_vbench_attach_eeprom(b, &c32);
    CHECK(id32 > 0, "attach 24C32: %d", id32);

    CHECK(probe(&m, 0x50), "0x50 ACKs its address");
    CHECK(probe(&m, 0x57), "0x57 ACKs its address");
    CHECK(!probe(&m, 0x52), "nothing at 0x52: NACK");
    CHECK(level(&m, SDA) == 1 && level(&m, SCL) == 1, "bus idle after the probes");

    /* Byte write, then the write cycle: NACK to its address until tWR has passed since STOP. */
    uint8_t w1[] = {0x10, 0xAB};
    CHECK(write_transfer(&m, 0x50, w1, 2) == 3, "byte write ACKed");
    strobe_eeprom_status st;
    strobe_vbench_eeprom_status(b, id, &st);
    uint64_t stop_ns = st.busy_until_ns - STROBE_EEPROM_TWR_NS;
    CHECK(st.write_cycles == 1, "write cycles %llu", (unsigned long long)st.write_cycles);
    uint8_t r = 0;
    CHECK(read_transfer(&m, 0x50, &r, 1) == -1, "a read during tWR is NACKed");
    uint64_t last_nack = strobe_vbench_now(b);
    uint64_t first_ack = ack_poll(&m, 0x50);
    uint64_t probe_ns = 20 * m.quarter_ns * 4 / 2; /* START, 9 clocks, STOP: about 10 SCL periods */
    printf("  24C02 byte write: STOP at %llu ns, write cycle to %llu ns; ACK polling: first ACK at %llu ns (%.3f ms after STOP)\n",
           (unsigned long long)stop_ns, (unsigned long long)st.busy_until_ns, (unsigned long long)first_ack,
           (double)(first_ack - stop_ns) / 1e6);
    CHECK(first_ack >= stop_ns + STROBE_EEPROM_TWR_NS && first_ack <= stop_ns + STROBE_EEPROM_TWR_NS + 2 * probe_ns,
          "first ACK %llu ns after STOP", (unsigned long long)(first_ack - stop_ns));
    CHECK(last_nack < st.busy_until_ns, "NACKed inside the cycle");
    uint8_t got[16];
    strobe_vbench_eeprom_peek(b, id, 0x10, got, 1);
    CHECK(got[0] == 0xAB, "byte written: 0x%02X", got[0]);

    /* Page write that crosses the page's end: the address rolls over within page 0x18-0x1F. */
    uint8_t w2[] = {0x1E, 1, 2, 3, 4};
    CHECK(write_transfer(&m, 0x50, w2, 5) == 6, "page write ACKed");
    ack_poll(&m, 0x50);
    strobe_vbench_eeprom_peek(b, id, 0x18, got, 9);
    CHECK(got[6] == 1 && got[7] == 2 && got[0] == 3 && got[1] == 4 && got[2] == 0xFF && got[8] == 0xFF,
          "wrap: 0x18.. = %02X %02X %02X .. 0x1E %02X %02X, 0x20 %02X", got[0], got[1], got[2], got[6], got[7], got[8]);

    /* Ten bytes into an 8-byte page: the last two overwrite the first two. */
    uint8_t w3[11] = {0x00, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    CHECK(write_transfer(&m, 0x50, w3, 11) == 12, "10-byte page write ACKed");
    ack_poll(&m, 0x50);
    strobe_vbench_eeprom_peek(b, id, 0, got, 9);
    CHECK(got[0] == 8 && got[1] == 9 && got[2] == 2 && got[7] == 7 && got[8] == 0xFF, "overwrite: %02X %02X %02X .. %02X %02X",
          got[0], got[1], got[2], got[7], got[8]);

    /* Random read (dummy write, Sr, read) across the page boundary: reads don't wrap in a page. */
    uint8_t addr = 0x1E;
    CHECK(write_read(&m, 0x50, &addr, 1, got, 4) == 0, "random read");
    CHECK(got[0] == 1 && got[1] == 2 && got[2] == 0xFF && got[3] == 0xFF, "random read: %02X %02X %02X %02X", got[0], got[1], got[2], got[3]);
    strobe_vbench_eeprom_status(b, id, &st);
    CHECK(st.write_cycles == 3, "the dummy write started no write cycle: %llu", (unsigned long long)st.write_cycles);
    /* Current address read: one past the last byte read. */
    uint8_t five_a = 0x5A;
    strobe_vbench_eeprom_poke(b, id, 0x22, &five_a, 1);
    CHECK(read_transfer(&m, 0x50, got, 1) == 0 && got[0] == 0x5A, "current address read: %02X", got[0]);
    /* Sequential read rolls over from the last byte to the first. */
    uint8_t tail[2] = {0xE1, 0xE2};
    strobe_vbench_eeprom_poke(b, id, 0xFE, tail, 2);
    addr = 0xFE;
    CHECK(write_read(&m, 0x50, &addr, 1, got, 4) == 0, "sequential read");
    CHECK(got[0] == 0xE1 && got[1] == 0xE2 && got[2] == 8 && got[3] == 9, "roll-over: %02X %02X %02X %02X", got[0], got[1], got[2], got[3]);

    /* Data then a repeated START instead of STOP: nothing is written. */
    start(&m);
    write_byte(&m, 0x50 << 1);
    write_byte(&m, 0x40);
    write_byte(&m, 0x99);
    restart(&m);
    write_byte(&m, 0x50 << 1 | 1);
    read_byte(&m, false);
    stop(&m);
    strobe_vbench_eeprom_peek(b, id, 0x40, got, 1);
    strobe_vbench_eeprom_status(b, id, &st);
    CHECK(got[0] == 0xFF && st.write_cycles == 3, "Sr instead of STOP: 0x40 = %02X, cycles %llu", got[0], (unsigned long long)st.write_cycles);

    /* The 24C32-style part: two address bytes, 32-byte pages, wrap at its page's end. */
    uint8_t w4[2 + 12] = {0x01, 0xF8};
    for (int i = 0; i < 12; i++) w4[2 + i] = (uint8_t)(0xA0 + i);
    CHECK(write_transfer(&m, 0x57, w4, sizeof w4) == 1 + (int)sizeof w4, "24C32 page write ACKed");
    CHECK(!probe(&m, 0x57), "24C32 busy");
    CHECK(probe(&m, 0x50), "the 24C02 answers meanwhile");
    ack_poll(&m, 0x57);
    uint8_t big[40];
    strobe_vbench_eeprom_peek(b, id32, 0x1E0, big, 40);
    CHECK(big[0x18] == 0xA0 && big[0x1F] == 0xA7 && big[0] == 0xA8 && big[3] == 0xAB && big[4] == 0xFF && big[0x20] == 0xFF,
          "24C32 wrap: 0x1F8 %02X 0x1FF %02X 0x1E0 %02X 0x1E3 %02X 0x1E4 %02X 0x200 %02X", big[0x18], big[0x1F], big[0], big[3],
          big[4], big[0x20]);
    uint8_t a32[2] = {0x01, 0xFE};
    CHECK(write_read(&m, 0x57, a32, 2, got, 3) == 0 && got[0] == 0xA6 && got[1] == 0xA7 && got[2] == 0xFF,
          "24C32 random read: %02X %02X %02X", got[0], got[1], got[2]);
    strobe_i2c_target_stats ts;
    strobe_vbench_i2c_target_stats(b, id, &ts);
    CHECK(ts.stretches == 0, "an EEPROM does not stretch");

    /* Refusals. */
    strobe_eeprom_config bad = c;
    bad.address = 0x48; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "address 0x48");
    bad = c; bad.size = 300; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "size 300");
    bad = c; bad.size = 512; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "512 bytes with one address byte");
    bad = c; bad.page_size = 3; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "page 3");
    bad = c; bad.page_size = 512; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "page 512");
    bad = c; bad.address_bytes = 3; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "3 address bytes");
    bad = c; bad.write_cycle_ns = 2000000000ull; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "tWR 2 s");
    bad = c; bad.sda = 99; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "pin 99");
    bad = c; bad.sda = SCL; CHECK(strobe_vbench_attach_eeprom(b, &bad) == -EINVAL, "SDA = SCL");
    CHECK(strobe_vbench_eeprom_peek(b, id, 250, got, 7) == -EINVAL, "peek past the end");
    CHECK(strobe_vbench_eeprom_peek(b, 999, 0, got, 1) == -ENOENT, "peek no such EEPROM");
    save_trace(b, "eeprom");
    strobe_vbench_free(b);
}

/* ------------------------------------------------------------------------------------------ */
/* Clock stretching                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void test_stretcher(void) {
    strobe_vbench *b = new_bench();
    master m;
    master_init(&m, b, 400000);
    const uint64_t stretch = 50000; /* 50 µs */
    int id = strobe_vbench_attach_clock_stretcher(b, SDA, SCL, 0x20, stretch);
    CHECK(id > 0, "attach stretcher %d", id);
    strobe_eeprom_config c = {.sda = SDA, .scl = SCL, .address = 0x50, .size = 256, .page_size = 8, .address_bytes = 1,
                              .write_cycle_ns = STROBE_EEPROM_TWR_NS};
    int eid = strobe_vbench_attach_eeprom(b, &c);

    uint8_t w[] = {3, 0x77, 0x78};
    uint64_t t0 = strobe_vbench_now(b);
    CHECK(write_transfer(&m, 0x20, w, 3) == 4, "stretched write ACKed");
    uint64_t t1 = strobe_vbench_now(b);
    strobe_i2c_target_stats s;
    strobe_vbench_i2c_target_stats(b, id, &s);
    CHECK(s.stretches == 4, "stretches %llu", (unsigned long long)s.stretches);
    CHECK(s.last_stretch_release_ns - s.last_stretch_start_ns == stretch, "held %llu ns",
          (unsigned long long)(s.last_stretch_release_ns - s.last_stretch_start_ns));
    /* The master's SCL rise is the target's release, and the trace shows it at that time. */
    CHECK(change_time(b, SCL, 1, s.last_stretch_release_ns) == s.last_stretch_release_ns, "SCL rose at %llu, release at %llu",
          (unsigned long long)change_time(b, SCL, 1, s.last_stretch_release_ns), (unsigned long long)s.last_stretch_release_ns);
    /* The stretch starts at the 9th falling edge; the master lets SCL go half a bit later. */
    CHECK(m.longest_wait_ns >= stretch - 2 * m.quarter_ns && m.longest_wait_ns <= stretch - 2 * m.quarter_ns + 100,
          "master waited %llu ns",
          (unsigned long long)m.longest_wait_ns);
    printf("  stretcher (%llu ns per byte, 400 kHz): 4-byte write took %llu ns; last stretch %llu..%llu ns; master waited %llu ns\n",
           (unsigned long long)stretch, (unsigned long long)(t1 - t0), (unsigned long long)s.last_stretch_start_ns,
           (unsigned long long)s.last_stretch_release_ns, (unsigned long long)m.longest_wait_ns);
    uint8_t regs[2];
    strobe_vbench_stretcher_peek(b, id, 3, regs, 2);
    CHECK(regs[0] == 0x77 && regs[1] == 0x78, "registers %02X %02X", regs[0], regs[1]);
    uint8_t ptr = 3, got[2] = {0};
    CHECK(write_read(&m, 0x20, &ptr, 1, got, 2) == 0 && got[0] == 0x77 && got[1] == 0x78, "stretched read %02X %02X", got[0], got[1]);
    strobe_vbench_i2c_target_stats(b, id, &s);
    CHECK(s.stretches == 4 + 5, /* W, pointer, R, 2 data (the NACKed last one too) */ "stretches after the read %llu", (unsigned long long)s.stretches);
    uint8_t bad_reg[] = {16};
    CHECK(write_transfer(&m, 0x20, bad_reg, 1) == 1, "register 16 NACKed");
    /* The EEPROM on the same bus is not stretched. */
    uint64_t before = m.longest_wait_ns;
    m.longest_wait_ns = 0;
    CHECK(probe(&m, 0x50) && m.longest_wait_ns == 0, "no stretch for the EEPROM: %llu", (unsigned long long)m.longest_wait_ns);
    m.longest_wait_ns = before;
    (void)eid;

    /* A timeout shorter than the stretch: the master gives up on the address's ACK clock. */
    m.stretch_timeout_ns = 20000;
    start(&m);
    int a0 = write_byte(&m, 0x20 << 1);  /* ACKed; then SCL is held for the next byte's first bit */
    int a = write_byte(&m, 3);
    CHECK(a0 == 1 && a == -1 && m.timed_out, "timeout: %d %d", a0, a);
    uint64_t gave_up = strobe_vbench_now(b);
    strobe_vbench_i2c_target_stats(b, id, &s);
    CHECK(gave_up - s.last_stretch_start_ns < stretch, "gave up before the release");
    /* The target lets go at its own time all the same. */
    strobe_vbench_advance(b, stretch);
    CHECK(level(&m, SCL) == 1, "SCL released after the stretch");
    strobe_vbench_i2c_target_stats(b, id, &s);
    CHECK(s.last_stretch_release_ns - s.last_stretch_start_ns == stretch, "released after %llu",
          (unsigned long long)(s.last_stretch_release_ns - s.last_stretch_start_ns));
    printf("  timeout 20000 ns < stretch: master gave up at %llu ns, target released SCL at %llu ns\n", (unsigned long long)gave_up,
           (unsigned long long)s.last_stretch_release_ns);
    CHECK(strobe_vbench_i2c_target_set_stretch(b, id, STROBE_I2C_MAX_STRETCH_NS + 1) == -EINVAL, "stretch too long");
    CHECK(strobe_vbench_i2c_target_set_stretch(b, id, 0) == 0, "stretch off");
    stop(&m);
    save_trace(b, "stretch");
    strobe_vbench_free(b);
}

/* ------------------------------------------------------------------------------------------ */
/* The engine's calls, 10-bit addressing, repeated START, refusals                             */
/* ------------------------------------------------------------------------------------------ */

typedef struct recorder {
    char log[512];
    size_t len;
    uint8_t next;
} recorder;

static void note(recorder *r, const char *what, unsigned v) {
    static const char hex[] = "0123456789ABCDEF";
    for (const char *p = what; *p && r->len + 4 < sizeof r->log; p++) r->log[r->len++] = *p;
    if (v <= 0xFF && r->len + 4 < sizeof r->log) {
        r->log[r->len++] = hex[v >> 4];
        r->log[r->len++] = hex[v & 15];
    }
    if (r->len + 1 < sizeof r->log) r->log[r->len++] = ' ';
    r->log[r->len] = 0;
}

static bool rec_begin(void *ctx, bool read, uint64_t t) { (void)t; note(ctx, read ? "R" : "W", 0x100); return true; }
static bool rec_write(void *ctx, unsigned i, uint8_t byte, uint64_t t) { (void)t; (void)i; note(ctx, "w", byte); return true; }
static uint8_t rec_read(void *ctx, unsigned i, uint64_t t) {
    (void)t;
    recorder *r = ctx;
    note(r, "r", i);
    return (uint8_t)(r->next + i);
}
static void rec_end(void *ctx, bool stop, uint64_t t) { (void)t; note(ctx, stop ? "P" : "Sr", 0x100); }

static void test_engine(void) {
    strobe_vbench *b = new_bench();
    master m;
    master_init(&m, b, 1000000);
    strobe_i2c_target_ops ops = {.begin = rec_begin, .write = rec_write, .read = rec_read, .end = rec_end};
    recorder r7 = {.next = 0x40}, ra = {.next = 0xC0}, rb = {0}, rc = {0};
    strobe_i2c_target_config c7 = {.sda = SDA, .scl = SCL, .address = 0x3C};
    strobe_i2c_target_config ca = {.sda = SDA, .scl = SCL, .address = 0x2A5, .ten_bit = true};
    strobe_i2c_target_config cb = {.sda = SDA, .scl = SCL, .address = 0x2A6, .ten_bit = true}; /* same first byte */
    strobe_i2c_target_config cc = {.sda = SDA, .scl = SCL, .address = 0x1A5, .ten_bit = true}; /* same second byte */
    CHECK(strobe_vbench_attach_i2c_target(b, &c7, &ops, &r7) > 0, "attach 7-bit");
    CHECK(strobe_vbench_attach_i2c_target(b, &ca, &ops, &ra) > 0, "attach 0x2A5");
    CHECK(strobe_vbench_attach_i2c_target(b, &cb, &ops, &rb) > 0, "attach 0x2A6");
    CHECK(strobe_vbench_attach_i2c_target(b, &cc, &ops, &rc) > 0, "attach 0x1A5");

    /* 7-bit: write two bytes, Sr, read two (ACK, NACK), STOP. */
    uint8_t w[] = {0x11, 0x22}, got[4] = {0};
    CHECK(write_read(&m, 0x3C, w, 2, got, 2) == 0, "7-bit write-read");
    CHECK(got[0] == 0x40 && got[1] == 0x41, "read %02X %02X", got[0], got[1]);
    CHECK(strcmp(r7.log, "W w11 w22 Sr R r00 r01 P ") == 0, "7-bit calls: %s", r7.log);
    CHECK(ra.len == 0 && rb.len == 0 && rc.len == 0, "10-bit targets quiet: %s|%s|%s", ra.log, rb.log, rc.log);

    /* 10-bit write: 11110 10 0, 0xA5, data, STOP. 0x2A6 ACKs the first byte only. */
    start(&m);
    int a1 = write_byte(&m, 0xF4), a2 = write_byte(&m, 0xA5), a3 = write_byte(&m, 0x5E);
    stop(&m);
    CHECK(a1 == 1 && a2 == 1 && a3 == 1, "10-bit write ACKs %d %d %d", a1, a2, a3);
    CHECK(strcmp(ra.log, "W w5E P ") == 0, "0x2A5 calls: %s", ra.log);
    CHECK(rb.len == 0 && rc.len == 0, "0x2A6 and 0x1A5 not addressed: %s|%s", rb.log, rc.log);

    /* 10-bit read, the combined form: S F4 A5 Sr F5, read 3, STOP. */
    ra.len = 0; ra.log[0] = 0;
    start(&m);
    a1 = write_byte(&m, 0xF4);
    a2 = write_byte(&m, 0xA5);
    restart(&m);
    a3 = write_byte(&m, 0xF5);
    for (int i = 0; i < 3; i++) got[i] = (uint8_t)read_byte(&m, i < 2);
    stop(&m);
    CHECK(a1 == 1 && a2 == 1 && a3 == 1, "10-bit read ACKs %d %d %d", a1, a2, a3);
    CHECK(got[0] == 0xC0 && got[1] == 0xC1 && got[2] == 0xC2, "10-bit read %02X %02X %02X", got[0], got[1], got[2]);
    CHECK(strcmp(ra.log, "W Sr R r00 r01 r02 P ") == 0, "0x2A5 calls: %s", ra.log);
    CHECK(rb.len == 0 && rc.len == 0, "others quiet: %s|%s", rb.log, rc.log);

    /* 11110 10 1 right after a STOP: nobody was addressed by a 10-bit write, so NACK. */
    start(&m);
    a1 = write_byte(&m, 0xF5);
    stop(&m);
    CHECK(a1 == 0, "10-bit read without the write addressing: %d", a1);
    /* A different address after Sr ends the selection. */
    ra.len = 0; ra.log[0] = 0;
    start(&m);
    write_byte(&m, 0xF4);
    write_byte(&m, 0xA5);
    restart(&m);
    a2 = write_byte(&m, 0x3C << 1);
    restart(&m);
    a3 = write_byte(&m, 0xF5);
    stop(&m);
    CHECK(a2 == 1 && a3 == 0, "selection forgotten after another address: %d %d", a2, a3);
    CHECK(level(&m, SDA) == 1 && level(&m, SCL) == 1, "bus idle");

    /* Refusals. */
    strobe_i2c_target_config bad = c7;
    bad.address = 0x07; CHECK(strobe_vbench_attach_i2c_target(b, &bad, &ops, &r7) == -EINVAL, "0x07 reserved");
    bad.address = 0x78; CHECK(strobe_vbench_attach_i2c_target(b, &bad, &ops, &r7) == -EINVAL, "0x78 reserved");
    bad = ca; bad.address = 0x400; CHECK(strobe_vbench_attach_i2c_target(b, &bad, &ops, &r7) == -EINVAL, "10-bit 0x400");
    bad = c7; bad.scl = 99; CHECK(strobe_vbench_attach_i2c_target(b, &bad, &ops, &r7) == -EINVAL, "pin 99");
    bad = c7; bad.stretch_ns = STROBE_I2C_MAX_STRETCH_NS + 1;
    CHECK(strobe_vbench_attach_i2c_target(b, &bad, &ops, &r7) == -EINVAL, "stretch too long");
    strobe_i2c_target_ops no_read = {.begin = rec_begin, .write = rec_write};
    CHECK(strobe_vbench_attach_i2c_target(b, &c7, &no_read, &r7) == -EINVAL, "ops without read");
    CHECK(strobe_vbench_attach_clock_stretcher(b, SDA, SCL, 0x80, 0) == -EINVAL, "stretcher at 0x80");
    save_trace(b, "engine");
    strobe_vbench_free(b);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    test_timers();
    test_engine();
    test_eeprom();
    test_stretcher();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
