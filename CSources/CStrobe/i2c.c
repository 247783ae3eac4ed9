/*
 * i2c.c — the bit-banged I2C master (see strobe_i2c.h).
 *
 * One clock cycle is: SCL low at the cycle's deadline t, SDA changed at t + tLOW/2, SCL
 * released at t + tLOW and read until high (a stretching target holds it), SDA sampled, the
 * next cycle at t + 10⁹/hz (the fraction carried). A late rise moves t by the delay, so what
 * follows is timed from when SCL really rose.
 */
#include "strobe_i2c.h"

#include <errno.h>

/* UM10204 Rev. 7, section 6.1, table 10: the minimum SCL low and high periods per mode, ns. */
#define SM_HZ 100000u   /* Standard-mode, ≤ 100 kHz */
#define SM_LOW 4700u
#define SM_HIGH 4000u
#define FM_HZ 400000u   /* Fast-mode, ≤ 400 kHz */
#define FM_LOW 1300u
#define FM_HIGH 600u
#define FMP_HZ 1000000u /* Fast-mode Plus, ≤ 1 MHz */
#define FMP_LOW 500u
#define FMP_HIGH 260u
/* The per-clock helpers are forced inline into the byte loops, which run on a local copy of
 * the bus and the run: a store through a `volatile uint32_t *` may alias any uint32_t the
 * compiler can't prove private, so without the copies every field is reloaded after every
 * line change. */
#define HOT static inline __attribute__((always_inline))
/* How far a stretch poll moves a virtual clock: the resolution of a stretched rise's time. */
#define VIRTUAL_POLL_NS 10u

static bool pin_ok(int pin, unsigned npins) { return pin >= 0 && (unsigned)pin < npins; }

static void make_line(strobe_layout layout, volatile uint32_t *block, unsigned pin, strobe_i2c_line *l) {
    strobe_i2c_line line = {0};
    strobe_port_make(layout, block, pin, &line.port);
    line.pin = pin;
    if (layout == STROBE_LAYOUT_RP1) {
        /* [RP1] 3.3 SYS_RIO OE through the 2.4 SET/CLR aliases: one store, no other pin touched. */
        line.low = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_SET + STROBE_RP1_RIO_OE);
        line.release = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_CLR + STROBE_RP1_RIO_OE);
    } else {
        /* [BCM2835] 6.1 table 6-2: 000 input (released), 001 output (the latch's 0). */
        line.low = line.release = strobe_reg(block, strobe_bcm_fsel_offset(pin));
        line.field = 7u << strobe_bcm_fsel_shift(pin);
        line.output = STROBE_BCM_FSEL_OUTPUT << strobe_bcm_fsel_shift(pin);
    }
    *l = line;
}

/* Split a period of `p` ns into tLOW and tHIGH for a bus of `hz` (see strobe_i2c.h). */
static void split_period(uint32_t hz, uint64_t p, uint64_t *low, uint64_t *high) {
    uint64_t min_low, min_high;
    if (hz <= SM_HZ) { min_low = SM_LOW; min_high = SM_HIGH; }
    else if (hz <= FM_HZ) { min_low = FM_LOW; min_high = FM_HIGH; }
    else { min_low = FMP_LOW; min_high = FMP_HIGH; }
    uint64_t l;
    if (p / 2 >= min_low && p - p / 2 >= min_high) l = p / 2;
    else if (p >= min_low + min_high) l = min_low + (p - min_low - min_high) * min_low / (min_low + min_high);
    else l = p * min_low / (min_low + min_high); /* beyond Fm+: its ratio */
    if (l < 2) l = 2;
    if (l > p - 1) l = p - 1;
    *low = l;
    *high = p - l;
}

int strobe_i2c_split(uint32_t hz, uint64_t *low_ns, uint64_t *high_ns) {
    if (hz == 0 || hz > STROBE_I2C_HZ_LIMIT || !low_ns || !high_ns) return -EINVAL;
    split_period(hz, STROBE_NS_PER_S / hz, low_ns, high_ns);
    return 0;
}

int strobe_i2c_init(strobe_i2c *bus, strobe_layout layout, volatile uint32_t *block, const strobe_i2c_config *c,
                    strobe_clock clock) {
    if (!bus || !block || !c) return -EINVAL;
    unsigned npins = strobe_layout_pin_count(layout);
    if (npins == 0 || !pin_ok(c->sda, npins) || !pin_ok(c->scl, npins) || c->sda == c->scl) return -EINVAL;
    if (c->hz == 0) return -EINVAL;
    if (c->hz > STROBE_I2C_HZ_LIMIT && c->hz != STROBE_I2C_HZ_MAX) return -ERANGE;
    if (c->stretch_timeout_ns == 0 || c->stretch_timeout_ns > STROBE_I2C_MAX_STRETCH_NS) return -EINVAL;
    if (!clock.now || !clock.spin_until) return -EINVAL;

    strobe_i2c b = {0};
    b.layout = layout;
    b.config = *c;
    b.clock = clock;
    make_line(layout, block, (unsigned)c->sda, &b.sda);
    make_line(layout, block, (unsigned)c->scl, &b.scl);
    b.shared_fsel = layout != STROBE_LAYOUT_RP1 && b.sda.low == b.scl.low;
    b.shared_lev = b.sda.port.lev == b.scl.port.lev;
    b.timed = c->hz != STROBE_I2C_HZ_MAX;
    if (b.timed) {
        b.period_ns = STROBE_NS_PER_S / c->hz;
        b.period_rem = STROBE_NS_PER_S % c->hz;
        split_period(c->hz, b.period_ns, &b.t_low, &b.t_high);
        b.t_data = b.t_low / 2;
    }
    b.poll_ns = VIRTUAL_POLL_NS;
    /* The lines have just become the bus's: the first START waits a bus-free time from here. */
    b.last_stop = b.timed ? strobe_clock_now(&clock) : 0;
    *bus = b;
    return 0;
}

void strobe_i2c_set_guard(strobe_i2c *bus, strobe_gpio *gpio, uint64_t sda_token, uint64_t scl_token) {
    bus->guard = gpio;
    bus->sda_token = sda_token;
    bus->scl_token = scl_token;
}

void strobe_i2c_timing(const strobe_i2c *bus, uint64_t *low_ns, uint64_t *high_ns) {
    if (low_ns) *low_ns = bus->t_low;
    if (high_ns) *high_ns = bus->t_high;
}

/* ------------------------------------------------------------------------------------------ */
/* One transfer's running state                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct run {
    strobe_i2c *b;
    uint32_t fsel[2];         /* BCM: copies of the GPFSELn words of SDA [0] and SCL [1] */
    uint32_t *sda_fsel, *scl_fsel;
    bool sda_low;             /* what the master does to SDA now */
    uint64_t t, acc;          /* this cycle's SCL fall deadline, and the carried fraction */
    uint64_t rise;            /* when SCL was last seen to rise (timed buses) */
    uint32_t lev;             /* the last level word read with SCL high */
    strobe_i2c_result *out;
} run;

HOT void line_low(const strobe_i2c *b, const strobe_i2c_line *l, uint32_t *shadow) {
    if (b->layout == STROBE_LAYOUT_RP1) { strobe_w32(l->low, l->port.mask); return; }
    *shadow = (*shadow & ~l->field) | l->output;
    strobe_w32(l->low, *shadow);
}

HOT void line_release(const strobe_i2c *b, const strobe_i2c_line *l, uint32_t *shadow) {
    if (b->layout == STROBE_LAYOUT_RP1) { strobe_w32(l->release, l->port.mask); return; }
    *shadow &= ~l->field;
    strobe_w32(l->release, *shadow);
}

HOT void sda_set(run *r, bool low) {
    if (low == r->sda_low) return;
    if (low) line_low(r->b, &r->b->sda, r->sda_fsel);
    else line_release(r->b, &r->b->sda, r->sda_fsel);
    r->sda_low = low;
}

HOT void scl_low(run *r) { line_low(r->b, &r->b->scl, r->scl_fsel); }
HOT void scl_release(run *r) { line_release(r->b, &r->b->scl, r->scl_fsel); }

HOT bool sda_high(const run *r) {
    const strobe_i2c *b = r->b;
    uint32_t w = b->shared_lev ? r->lev : strobe_r32(b->sda.port.lev);
    return (w & b->sda.port.mask) != 0;
}

HOT void wait_until(const run *r, uint64_t t) {
    if (r->b->timed) strobe_clock_spin_until(&r->b->clock, t);
}

/* The deadline after `t`: one period on, the fraction of 10⁹/hz carried (no drift). */
HOT void next_period(run *r) {
    r->t += r->b->period_ns;
    r->acc += r->b->period_rem;
    if (r->acc >= r->b->config.hz) {
        r->acc -= r->b->config.hz;
        r->t += 1;
    }
}

/* What a wait for SCL found. */
typedef struct scl_wait {
    int rc;
    uint32_t lev;
    uint64_t rise;
} scl_wait;

/* The stretched case, out of line and given only values, so that the byte loops' local copies
 * never escape (see HOT). */
static __attribute__((noinline)) scl_wait wait_scl_slow(strobe_clock clock, volatile uint32_t *lev, uint32_t mask,
                                                        uint64_t timeout, uint64_t poll, uint64_t expected,
                                                        strobe_i2c_result *out) {
    const uint64_t start = strobe_clock_now(&clock);
    for (;;) {
        uint64_t now = strobe_clock_now(&clock);
        uint32_t w = strobe_r32(lev);
        if (w & mask) return (scl_wait){0, w, now > expected ? now : expected};
        if (now - start >= timeout) {
            if (out) out->waited_ns = now - start;
            return (scl_wait){-ETIMEDOUT, w, now};
        }
        if (clock.virtual_time) strobe_clock_spin_until(&clock, now + poll);
    }
}

/*
 * Read SCL until it is high, or fail after the stretch timeout. `expected` is when it should
 * have risen; `*rise` becomes that, or the time it was seen high when it was late. The level
 * word holding SDA too (when the lines share a bank) is kept in r->lev.
 */
HOT int wait_scl(run *r, uint64_t expected, uint64_t *rise) {
    const strobe_i2c *b = r->b;
    uint32_t w = strobe_r32(b->scl.port.lev);
    if (w & b->scl.port.mask) {
        r->lev = w;
        *rise = expected;
        return 0;
    }
    scl_wait got = wait_scl_slow(b->clock, b->scl.port.lev, b->scl.port.mask, b->config.stretch_timeout_ns, b->poll_ns,
                                 expected, r->out);
    r->lev = got.lev;
    *rise = got.rise;
    return got.rc;
}

/*
 * One clock cycle, from SCL high: SCL low at r->t, SDA low (`bit` 0) or released (1) at
 * t + tLOW/2, SCL released at t + tLOW, then SDA sampled into `*in`. `check` refuses a 1 that
 * reads low (arbitration lost). Leaves r->t at the next cycle's deadline.
 */
HOT int cycle(run *r, bool bit, bool check, bool *in) {
    const strobe_i2c *b = r->b;
    wait_until(r, r->t);
    scl_low(r);
    wait_until(r, r->t + b->t_data);
    sda_set(r, !bit);
    const uint64_t expected = r->t + b->t_low;
    wait_until(r, expected);
    scl_release(r);
    uint64_t rise = expected;
    int rc = wait_scl(r, expected, &rise);
    if (rc) return rc;
    const bool level = sda_high(r);
    if (in) *in = level;
    if (check && bit && !level) return -EAGAIN;
    r->t += rise - expected; /* a stretched clock: the rest is timed from the real rise */
    r->rise = rise;
    next_period(r);
    return 0;
}

/*
 * A byte's nine clocks, one copy per layout and timing (always_inline, called with literals,
 * as spi.c's clock loop): `out` holds the nine SDA levels to send, MSB first (1 releases), and
 * `*in` gets the nine levels sampled. `check` refuses a sent 1 that reads 0 in the first eight
 * (arbitration lost). Everything the loop needs is a local, so a line change is its one store
 * (scripts/i2c-instructions counts them).
 */
HOT int clock_byte(run *r, unsigned out, bool check, unsigned *in, const bool timed, const bool rp1) {
    const strobe_i2c *b = r->b;
    const strobe_clock clock = b->clock;
    const strobe_i2c_line sda = b->sda, scl = b->scl;
    const bool shared_fsel = b->shared_fsel, shared_lev = b->shared_lev;
    const uint64_t t_low = b->t_low, t_data = b->t_data, period = b->period_ns, rem = b->period_rem, hz = b->config.hz;
    uint32_t fsel_sda = r->fsel[0], fsel_scl = shared_fsel ? r->fsel[0] : r->fsel[1];
    uint64_t t = r->t, acc = r->acc;
    bool sda_low = r->sda_low;
    unsigned got = 0;
    uint32_t w = 0;
    int rc = 0;
    for (int i = 8; i >= 0; i--) {
        const bool bit = (out >> i) & 1u;
        if (timed) strobe_clock_spin_until(&clock, t);
        if (rp1) strobe_w32(scl.low, scl.port.mask);
        else {
            if (shared_fsel) fsel_scl = fsel_sda;
            fsel_scl = (fsel_scl & ~scl.field) | scl.output;
            if (shared_fsel) fsel_sda = fsel_scl;
            strobe_w32(scl.low, fsel_scl);
        }
        if (timed) strobe_clock_spin_until(&clock, t + t_data);
        if (!bit != sda_low) {
            sda_low = !bit;
            if (rp1) strobe_w32(sda_low ? sda.low : sda.release, sda.port.mask);
            else {
                if (shared_fsel) fsel_sda = fsel_scl;
                fsel_sda = (fsel_sda & ~sda.field) | (sda_low ? sda.output : 0u);
                if (shared_fsel) fsel_scl = fsel_sda;
                strobe_w32(sda.low, fsel_sda);
            }
        }
        const uint64_t expected = t + t_low;
        if (timed) strobe_clock_spin_until(&clock, expected);
        if (rp1) strobe_w32(scl.release, scl.port.mask);
        else {
            if (shared_fsel) fsel_scl = fsel_sda;
            fsel_scl &= ~scl.field;
            if (shared_fsel) fsel_sda = fsel_scl;
            strobe_w32(scl.release, fsel_scl);
        }
        w = strobe_r32(scl.port.lev);
        uint64_t rise = expected;
        if (!(w & scl.port.mask)) {
            scl_wait waited = wait_scl_slow(clock, scl.port.lev, scl.port.mask, b->config.stretch_timeout_ns, b->poll_ns,
                                            expected, r->out);
            if ((rc = waited.rc)) break;
            w = waited.lev;
            rise = waited.rise;
        }
        const bool level = ((shared_lev ? w : strobe_r32(sda.port.lev)) & sda.port.mask) != 0;
        got = got << 1 | (level ? 1u : 0u);
        if (check && i > 0 && bit && !level) { rc = -EAGAIN; break; }
        if (timed) {
            t += rise - expected + period;
            acc += rem;
            if (acc >= hz) { acc -= hz; t += 1; }
        }
    }
    r->fsel[0] = fsel_sda;
    r->fsel[1] = shared_fsel ? fsel_sda : fsel_scl;
    if (shared_fsel) r->fsel[1] = r->fsel[0];
    r->t = t;
    r->acc = acc;
    r->sda_low = sda_low;
    r->lev = w;
    *in = got;
    return rc;
}

static int clock_byte_any(run *r, unsigned out, bool check, unsigned *in) {
    if (r->b->layout == STROBE_LAYOUT_RP1)
        return r->b->timed ? clock_byte(r, out, check, in, true, true) : clock_byte(r, out, check, in, false, true);
    return r->b->timed ? clock_byte(r, out, check, in, true, false) : clock_byte(r, out, check, in, false, false);
}

/* Eight bits MSB first and the ACK clock (UM10204 3.1.6). Returns 0 ACK, 1 NACK, or an error. */
static int send_byte(run *r, uint8_t byte) {
    unsigned in = 0;
    int rc = clock_byte_any(r, (unsigned)byte << 1 | 1u, true, &in);
    return rc ? rc : (in & 1u ? 1 : 0);
}

/* Eight bits in, then ACK (`ack`) or NACK the byte. */
static int receive_byte(run *r, uint8_t *byte, bool ack) {
    unsigned in = 0;
    int rc = clock_byte_any(r, 0x1FEu | (ack ? 0u : 1u), false, &in);
    if (rc == 0) *byte = (uint8_t)(in >> 1);
    return rc;
}

/* The first half of a STOP or a repeated START, from SCL high: SCL low at r->t, SDA low
 * (`sda_low`) or released in its middle, SCL released at t + tLOW and waited for; `*rise` is
 * when it rose. */
static int clock_up(run *r, bool sda_low, uint64_t *rise) {
    const strobe_i2c *b = r->b;
    wait_until(r, r->t);
    scl_low(r);
    wait_until(r, r->t + b->t_data);
    sda_set(r, sda_low);
    const uint64_t expected = r->t + b->t_low;
    wait_until(r, expected);
    scl_release(r);
    *rise = expected;
    return wait_scl(r, expected, rise);
}

/* The STOP (UM10204 3.1.4): SDA low while SCL is low, SCL up, tSU;STO (tHIGH), SDA released. */
static int stop(run *r) {
    const strobe_i2c *b = r->b;
    uint64_t rise = 0;
    int rc = clock_up(r, true, &rise);
    if (rc) return rc;
    wait_until(r, rise + b->t_high);
    sda_set(r, false);
    r->b->last_stop = b->timed ? rise + b->t_high : 0;
    return 0;
}

/* A repeated START (UM10204 3.1.10): SDA released while SCL is low, SCL up, tSU;STA (tLOW),
 * SDA low, tHD;STA (tHIGH) before the next cycle. */
static int repeated_start(run *r) {
    const strobe_i2c *b = r->b;
    uint64_t rise = 0;
    int rc = clock_up(r, false, &rise);
    if (rc) return rc;
    if (!sda_high(r)) return -EAGAIN; /* someone else holds SDA: no START can be made */
    wait_until(r, rise + b->t_low);
    sda_set(r, true);
    r->t = rise + b->t_low + b->t_high;
    r->acc = 0;
    return 0;
}

/* Both lines released, whatever happened. */
static void release_both(run *r) {
    sda_set(r, false);
    scl_release(r);
}

/* Read the level word again (after a STOP, whose last change is SDA's). */
static void refresh(run *r) { r->lev = strobe_r32(r->b->scl.port.lev); }

/* Bus clear (UM10204 3.1.16), SDA released: up to nine clocks until SDA reads high, a STOP. */
static int recover(run *r) {
    const strobe_i2c *b = r->b;
    strobe_i2c_result *out = r->out;
    release_both(r);
    uint64_t now = strobe_clock_now(&b->clock), rise = now;
    if (wait_scl(r, now, &rise)) {
        if (out) out->line = STROBE_I2C_LINE_SCL;
        return -EBUSY;
    }
    r->t = rise + b->t_high;
    r->acc = 0;
    unsigned clocks = 0;
    while (!sda_high(r) && clocks < STROBE_I2C_RECOVERY_CLOCKS) {
        if (cycle(r, true, false, NULL)) {
            release_both(r);
            if (out) out->line = STROBE_I2C_LINE_SCL;
            return -EBUSY;
        }
        clocks++;
    }
    if (out) out->recovery_clocks = clocks;
    if (!sda_high(r)) {
        if (out) out->line = STROBE_I2C_LINE_SDA;
        return -EBUSY;
    }
    if (stop(r)) {
        release_both(r);
        if (out) out->line = STROBE_I2C_LINE_SCL;
        return -EBUSY;
    }
    refresh(r);
    if (!sda_high(r)) {
        if (out) out->line = STROBE_I2C_LINE_SDA;
        return -EBUSY;
    }
    return 0;
}

/* Start a run: the guard held, the GPFSELn copies read, both lines released. */
static int begin(strobe_i2c *b, run *r, strobe_i2c_result *out) {
    *r = (run){0};
    r->b = b;
    r->out = out;
    if (b->guard) {
        int rc = strobe_gpio_hold(b->guard, b->sda.pin, b->sda_token, b->scl.pin, b->scl_token);
        if (rc) return rc;
    }
    if (b->layout != STROBE_LAYOUT_RP1) {
        r->fsel[0] = strobe_r32(b->sda.low);
        r->fsel[1] = b->shared_fsel ? r->fsel[0] : strobe_r32(b->scl.low);
        r->sda_fsel = &r->fsel[0];
        r->scl_fsel = b->shared_fsel ? &r->fsel[0] : &r->fsel[1];
    }
    /* Whatever the registers say, the master lets go of both lines before it looks. */
    r->sda_low = true;
    release_both(r);
    return 0;
}

static void end(strobe_i2c *b, run *r) {
    release_both(r);
    if (b->guard) strobe_gpio_unhold(b->guard);
}

int strobe_i2c_recover(strobe_i2c *b, strobe_i2c_result *out) {
    if (!b) return -EINVAL;
    if (out) *out = (strobe_i2c_result){0};
    run r;
    int rc = begin(b, &r, out);
    if (rc) return rc;
    rc = recover(&r);
    end(b, &r);
    return rc;
}

/* The START (UM10204 3.1.4) from an idle bus: tBUF after the last STOP, SDA low, tHD;STA. */
static int start(run *r) {
    strobe_i2c *b = r->b;
    strobe_i2c_result *out = r->out;
    uint64_t now = strobe_clock_now(&b->clock), rise = now;
    if (wait_scl(r, now, &rise)) {
        if (out) out->line = STROBE_I2C_LINE_SCL;
        return -EBUSY;
    }
    if (!sda_high(r)) {
        int rc = recover(r);
        if (rc) return rc;
        if (out) out->recovered = true;
    }
    uint64_t t0 = 0;
    if (b->timed) {
        t0 = strobe_clock_now(&b->clock);
        uint64_t free_at = strobe_time_add_saturating(b->last_stop, b->t_low);
        if (t0 < free_at) t0 = free_at;
        strobe_clock_spin_until(&b->clock, t0);
    }
    sda_set(r, true);
    r->t = t0 + b->t_high;
    r->acc = 0;
    return 0;
}

/* What a failure inside the transaction leaves: a STOP when the master still has the clock. */
static int fail(run *r, int rc) {
    if (rc != -ETIMEDOUT && rc != -EAGAIN) (void)stop(r); /* the first failure is the one reported */
    return rc;
}

int strobe_i2c_transfer(strobe_i2c *b, unsigned address, bool ten_bit, strobe_i2c_op *ops, size_t n,
                        strobe_i2c_result *out) {
    if (out) *out = (strobe_i2c_result){0};
    if (!b || !ops || n == 0) return -EINVAL;
    if (address > (ten_bit ? STROBE_I2C_ADDR10_MAX : STROBE_I2C_ADDR7_MAX)) return -EINVAL;
    for (size_t i = 0; i < n; i++) {
        if (ops[i].length && !ops[i].data) return -EINVAL;
        if (ops[i].read && ops[i].length == 0) return -EINVAL;
        if (ops[i].block_count && (!ops[i].read || ops[i].length < 2)) return -EINVAL;
    }
    if (out) out->op = n;

    run r;
    int rc = begin(b, &r, out);
    if (rc) return rc;
    rc = start(&r);
    if (rc) {
        end(b, &r);
        return rc;
    }
    size_t written = 0;
    /* UM10204 3.1.11: the 10-bit prefix 11110 A9 A8, then R/W. */
    const uint8_t prefix = (uint8_t)(0xF0u | ((address >> 8) & 3u) << 1);
    for (size_t i = 0; i < n && rc == 0; i++) {
        strobe_i2c_op *op = &ops[i];
        if (out) out->op = i;
        if (i > 0 && (rc = repeated_start(&r))) break;
        /* The address phase: 0 ACK, 1 NACK, or an error. */
        int a;
        if (!ten_bit) a = send_byte(&r, (uint8_t)(address << 1 | (op->read ? 1u : 0u)));
        else if (op->read && i > 0) a = send_byte(&r, prefix | 1u);
        else {
            a = send_byte(&r, prefix);
            if (a == 0) a = send_byte(&r, (uint8_t)(address & 0xFFu));
            if (a == 0 && op->read) {
                a = repeated_start(&r);
                if (a == 0) a = send_byte(&r, prefix | 1u);
            }
        }
        if (a == 1) {
            if (out) out->address_nack = true;
            rc = -ENXIO;
            break;
        }
        if (a < 0) { rc = a; break; }
        if (!op->read) {
            for (size_t k = 0; k < op->length; k++, written++) {
                int ack = send_byte(&r, op->data[k]);
                if (ack == 1) {
                    if (out) out->byte = written;
                    rc = -EIO;
                    break;
                }
                if (ack < 0) { rc = ack; break; }
            }
            continue;
        }
        size_t len = op->length;
        for (size_t k = 0; k < len; k++) {
            bool last = k + 1 == len;
            if (op->block_count && k == 0) {
                /* SMBus 3.1 6.5.7: the count byte decides the length; a bad one is NACKed. */
                uint8_t count = 0;
                for (int bit = 0; bit < 8 && rc == 0; bit++) {
                    bool in = false;
                    rc = cycle(&r, true, false, &in);
                    count = (uint8_t)(count << 1 | (in ? 1u : 0u));
                }
                if (rc) break;
                op->data[0] = count;
                bool ok = count >= 1 && count <= STROBE_I2C_BLOCK_MAX && count <= op->length - 1;
                if ((rc = cycle(&r, !ok, false, NULL))) break;
                if (!ok) { rc = -EPROTO; break; }
                len = (size_t)count + 1;
                op->length = len; /* the caller reads the block's length back here */
                continue;
            }
            if ((rc = receive_byte(&r, &op->data[k], !last))) break;
        }
    }
    if (rc == 0) rc = stop(&r);
    else rc = fail(&r, rc);
    if (rc == 0 && out) out->op = n;
    end(b, &r);
    return rc;
}

int strobe_i2c_loopback_ram(strobe_i2c *bus) {
    if (!bus || bus->layout != STROBE_LAYOUT_RP1) return -EINVAL;
    volatile uint32_t *sync_in = bus->scl.port.lev; /* RP1: both lines' level register is SYNC_IN */
    *sync_in = bus->scl.port.mask;
    bus->sda.port.lev = bus->sda.low;
    *bus->sda.low = bus->sda.port.mask;
    bus->shared_lev = false;
    return 0;
}
