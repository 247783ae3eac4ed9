/*
 * i2c_target.c — the virtual bench's I2C target engine: a device model on SDA and SCL that
 * decodes the bus as a target's front end does and calls a strobe_i2c_target_ops.
 *
 * Source: NXP UM10204 "I2C-bus specification and user manual" ([UM10204]): 3.1.3 data
 * validity (SDA stable while SCL is high, sampled on the rising edge), 3.1.4 START and STOP,
 * 3.1.5 byte format, 3.1.6 acknowledge, 3.1.9 clock stretching, 3.1.10 the address byte,
 * 3.1.11 10-bit addressing, 3.1.12 reserved addresses.
 *
 * Open drain: the engine only pulls SDA or SCL low (strobe_vbench_model_drive(pin, 0)) or lets
 * go (-1), and lets go only of what it pulled, so a quiet target never disturbs the bus.
 */
#define _GNU_SOURCE
#include "strobe_vbench_i2c.h"
#include "vbench_internal.h"

#include <errno.h>
#include <stdlib.h>

/* [UM10204] 3.1.12 table 4: 0000 xxx and 1111 xxx are reserved, so a 7-bit target sits at
 * 0x08…0x77. */
#define I2C_FIRST_7BIT 0x08u
#define I2C_LAST_7BIT 0x77u
#define I2C_MAX_10BIT 0x3FFu
/* [UM10204] 3.1.11: the first byte of a 10-bit address is 11110 A9 A8 R/W. */
#define I2C_10BIT_PREFIX 0xF0u
#define I2C_10BIT_PREFIX_MASK 0xF8u
/* [UM10204] 3.1.5/3.1.6: 8 data bits, MSB first, then the acknowledge clock. */
#define I2C_ACK_CLOCK 9u

typedef enum phase {
    PHASE_IDLE,    /* no START seen since the last STOP (or since attach) */
    PHASE_ADDRESS, /* the first byte after a START */
    PHASE_ADDRESS2,/* the second byte of a 10-bit address */
    PHASE_RECEIVE, /* addressed, the master writes */
    PHASE_SEND,    /* addressed, the master reads */
    PHASE_QUIET,   /* not addressed, or the master NACKed our byte: wait for START or STOP */
} phase;

typedef struct i2c_target {
    strobe_i2c_target_config config;
    strobe_i2c_target_ops ops;
    void *ctx;

    phase phase;
    phase after_ack;       /* the phase the 9th clock of this byte leads to */
    unsigned clocks;       /* SCL rising edges in this byte's frame: 1-8 data, 9 the acknowledge */
    uint8_t shift;         /* the byte coming in, or going out */
    bool ack;              /* receiving: our answer in the 9th clock */
    bool master_ack;       /* sending: the master's answer in the 9th clock */
    bool addressed;        /* begin() ACKed since the last START: end() is owed */
    bool ten_bit_selected; /* addressed by a 10-bit write since the last STOP (3.1.11) */
    unsigned index;        /* data byte of this transfer */
    bool holding_sda, holding_scl;
    strobe_i2c_target_stats stats;
} i2c_target;

static void hold_sda(i2c_target *t, strobe_vbench *b, bool low) {
    if (low == t->holding_sda) return;
    t->holding_sda = low;
    strobe_vbench_model_drive(b, t->config.sda, low ? 0 : -1);
}

/* Sending: put bit `n` (7 = MSB) of the byte going out on SDA; a 1 is SDA let go. */
static void put_bit(i2c_target *t, strobe_vbench *b, unsigned n) { hold_sda(t, b, ((t->shift >> n) & 1u) == 0); }

static void on_start(i2c_target *t, strobe_vbench *b, uint64_t time) {
    if (t->addressed && t->ops.end) t->ops.end(t->ctx, false, time);
    hold_sda(t, b, false);
    t->phase = PHASE_ADDRESS;
    t->clocks = 0;
    t->shift = 0;
    t->addressed = false;
    t->index = 0;
}

static void on_stop(i2c_target *t, strobe_vbench *b, uint64_t time) {
    if (t->addressed && t->ops.end) t->ops.end(t->ctx, true, time);
    hold_sda(t, b, false);
    t->phase = PHASE_IDLE;
    t->addressed = false;
    t->ten_bit_selected = false;
}

static bool begin(i2c_target *t, bool read, uint64_t time) {
    bool ack = t->ops.begin(t->ctx, read, time);
    if (ack) t->stats.addressed++;
    else t->stats.refused++;
    t->addressed = ack;
    return ack;
}

/* The 8th rising edge: the byte is in. Decide the acknowledge and where the 9th clock leads. */
static void byte_in(i2c_target *t, uint64_t time) {
    uint8_t byte = t->shift;
    t->ack = false;
    t->after_ack = PHASE_QUIET;
    switch (t->phase) {
    case PHASE_ADDRESS:
        if (!t->config.ten_bit) {
            if ((unsigned)(byte >> 1) != t->config.address) break;
            bool read = byte & 1u;
            t->ack = begin(t, read, time);
            if (t->ack) t->after_ack = read ? PHASE_SEND : PHASE_RECEIVE;
        } else if ((byte & I2C_10BIT_PREFIX_MASK) != I2C_10BIT_PREFIX || ((byte >> 1) & 3u) != t->config.address >> 8) {
            t->ten_bit_selected = false; /* another address: forget the earlier selection */
        } else if (!(byte & 1u)) {
            /* 11110 A9 A8 0 matches: ACK and wait for A7…A0 (several targets may ACK this). */
            t->ten_bit_selected = false;
            t->ack = true;
            t->after_ack = PHASE_ADDRESS2;
        } else if (t->ten_bit_selected) {
            /* The combined read form: after Sr, 11110 A9 A8 1 to the target addressed before. */
            t->ack = begin(t, true, time);
            if (t->ack) t->after_ack = PHASE_SEND;
        }
        break;
    case PHASE_ADDRESS2:
        if (byte != (t->config.address & 0xFFu)) break;
        t->ack = begin(t, false, time);
        t->ten_bit_selected = t->ack;
        if (t->ack) t->after_ack = PHASE_RECEIVE;
        break;
    case PHASE_RECEIVE:
        t->ack = t->ops.write(t->ctx, t->index++, byte, time);
        t->after_ack = PHASE_RECEIVE; /* a NACKed byte: the master should stop; later bytes are still offered */
        break;
    default:
        break;
    }
}

static void on_rise(i2c_target *t, strobe_vbench *b, uint64_t time) {
    if (t->phase == PHASE_IDLE || t->phase == PHASE_QUIET) return;
    t->clocks++;
    unsigned sda = strobe_vbench_model_level(b, t->config.sda) == 1;
    if (t->clocks < I2C_ACK_CLOCK) {
        if (t->phase == PHASE_SEND) return; /* the master samples our bit */
        t->shift = (uint8_t)((t->shift << 1) | sda);
        if (t->clocks == 8) byte_in(t, time);
    } else if (t->clocks == I2C_ACK_CLOCK && t->phase == PHASE_SEND) {
        t->master_ack = sda == 0;
    }
}

static void stretch(i2c_target *t, strobe_vbench *b, uint64_t time) {
    if (!t->config.stretch_ns) return;
    if (strobe_vbench_model_schedule(b, strobe_time_add_saturating(time, t->config.stretch_ns)) != 0) return;
    t->holding_scl = true;
    strobe_vbench_model_drive(b, t->config.scl, 0);
    t->stats.stretches++;
    t->stats.last_stretch_start_ns = time;
}

static void on_fall(i2c_target *t, strobe_vbench *b, uint64_t time) {
    if (t->phase == PHASE_IDLE || t->phase == PHASE_QUIET || t->clocks == 0) return;
    if (t->clocks < 8) {
        if (t->phase == PHASE_SEND) put_bit(t, b, 7 - t->clocks);
        return;
    }
    if (t->clocks == 8) {
        /* The acknowledge clock begins: sending, let SDA go for the master's answer;
         * receiving, pull it low to ACK. */
        hold_sda(t, b, t->phase != PHASE_SEND && t->ack);
        return;
    }
    /* The acknowledge clock is over. */
    t->clocks = 0;
    if (t->phase == PHASE_SEND) {
        if (!t->master_ack) {
            /* NACK: the master takes the bus back for a STOP or repeated START (after the
             * stretch, which the target does after every byte). */
            hold_sda(t, b, false);
            t->phase = PHASE_QUIET;
            stretch(t, b, time);
            return;
        }
        t->shift = t->ops.read(t->ctx, ++t->index, time);
    } else {
        hold_sda(t, b, false);
        t->phase = t->after_ack;
        if (t->phase == PHASE_QUIET) return;
        if (t->phase == PHASE_SEND) t->shift = t->ops.read(t->ctx, t->index = 0, time);
        else t->shift = 0;
    }
    if (t->phase == PHASE_SEND) put_bit(t, b, 7);
    if (t->addressed) stretch(t, b, time);
}

static void i2c_changed(void *ctx, strobe_vbench *b, uint64_t time, unsigned pin, unsigned level) {
    i2c_target *t = ctx;
    if (pin == t->config.sda) {
        /* SDA changing while SCL is high is a START (falling) or a STOP (rising); while SCL is
         * low it is just the next bit. */
        if (strobe_vbench_model_level(b, t->config.scl) != 1) return;
        if (level == 0) on_start(t, b, time);
        else on_stop(t, b, time);
        return;
    }
    if (level) on_rise(t, b, time);
    else on_fall(t, b, time);
}

/* The stretch is over: let SCL go. If the master has let it go too, SCL rises now — which the
 * engine, as every model on SCL, sees as the next clock's rising edge. */
static void i2c_timer(void *ctx, strobe_vbench *b, uint64_t time) {
    i2c_target *t = ctx;
    if (!t->holding_scl) return;
    t->holding_scl = false;
    t->stats.last_stretch_release_ns = time;
    strobe_vbench_model_drive(b, t->config.scl, -1);
}

static void i2c_release(void *ctx) {
    i2c_target *t = ctx;
    if (t->ops.release) t->ops.release(t->ctx);
    free(t);
}

int strobe_vbench_attach_i2c_target(strobe_vbench *b, const strobe_i2c_target_config *config,
                                    const strobe_i2c_target_ops *ops, void *ctx) {
    if (!config || !ops || !ops->begin || !ops->write || !ops->read) return -EINVAL;
    unsigned n = strobe_layout_pin_count(strobe_vbench_layout(b));
    if (config->sda >= n || config->scl >= n || config->sda == config->scl) return -EINVAL;
    if (config->ten_bit ? config->address > I2C_MAX_10BIT
                        : config->address < I2C_FIRST_7BIT || config->address > I2C_LAST_7BIT) return -EINVAL;
    if (config->stretch_ns > STROBE_I2C_MAX_STRETCH_NS) return -EINVAL;
    i2c_target *t = calloc(1, sizeof *t);
    if (!t) return -ENOMEM;
    t->config = *config;
    t->ops = *ops;
    t->ctx = ctx;
    t->phase = PHASE_IDLE;
    strobe_vbench_model model = {
        .watch = (1ull << config->sda) | (1ull << config->scl),
        .pin_changed = i2c_changed,
        .release = i2c_release,
        .ctx = t,
        .timer = i2c_timer,
    };
    int id = strobe_vbench_attach_model(b, &model);
    if (id < 0) free(t);
    return id;
}

void *strobe_vbench_i2c_ctx_locked(strobe_vbench *b, int id, bool (*begin_fn)(void *ctx, bool read, uint64_t time_ns)) {
    i2c_target *t = strobe_vbench_model_ctx_locked(b, id, i2c_changed);
    return t && t->ops.begin == begin_fn ? t->ctx : NULL;
}

int strobe_vbench_i2c_target_stats(strobe_vbench *b, int id, strobe_i2c_target_stats *out) {
    if (!out) return -EINVAL;
    strobe_vbench_lock(b);
    i2c_target *t = strobe_vbench_model_ctx_locked(b, id, i2c_changed);
    if (t) *out = t->stats;
    strobe_vbench_unlock(b);
    return t ? 0 : -ENOENT;
}

int strobe_vbench_i2c_target_set_stretch(strobe_vbench *b, int id, uint64_t stretch_ns) {
    if (stretch_ns > STROBE_I2C_MAX_STRETCH_NS) return -EINVAL;
    strobe_vbench_lock(b);
    i2c_target *t = strobe_vbench_model_ctx_locked(b, id, i2c_changed);
    if (t) t->config.stretch_ns = stretch_ns;
    strobe_vbench_unlock(b);
    return t ? 0 : -ENOENT;
}
