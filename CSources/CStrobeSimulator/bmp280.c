/*
 * bmp280.c — a Bosch BMP280 as a virtual-bench I2C target (see strobe_vbench_bmp280.h).
 *
 * [BMP280]: Bosch Sensortec BST-BMP280-DS001. Sections cited beside each constant.
 */
#define _GNU_SOURCE
#include "strobe_vbench_bmp280.h"
#include "strobe_vbench_i2c.h"
#include "vbench_internal.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Register map, [BMP280] 4.2 (memory map) and 4.3. */
#define REG_CALIB 0x88u      /* calib00…calib25: 0x88…0xA1 (3.11.2 table 17) */
#define CALIB_BYTES 26u
#define REG_ID 0xD0u         /* 4.3.1: chip_id, reads 0x58 */
#define CHIP_ID 0x58u
#define REG_RESET 0xE0u      /* 4.3.2: writing 0xB6 resets the device; reads 0x00 */
#define RESET_WORD 0xB6u
#define REG_STATUS 0xF3u     /* 4.3.3: bit 3 measuring, bit 0 im_update */
#define STATUS_MEASURING 0x08u
#define REG_CTRL_MEAS 0xF4u  /* 4.3.4: osrs_t[7:5], osrs_p[4:2], mode[1:0] */
#define REG_CONFIG 0xF5u     /* 4.3.5: t_sb[7:5], filter[4:2], spi3w_en[0] */
#define REG_PRESS 0xF7u      /* 4.3.6: press_msb, press_lsb, press_xlsb[7:4] */
#define REG_TEMP 0xFAu       /* 4.3.7: temp_msb, temp_lsb, temp_xlsb[7:4] */
#define SKIPPED 0x80000      /* 3.3.1/3.3.2: a skipped measurement (and the reset value) reads 0x80000 */
#define MODE_SLEEP 0u        /* 3.6: mode[1:0] 00 sleep, 01 and 10 forced, 11 normal */
#define MODE_NORMAL 3u

#define NS_PER_US 1000ull

typedef struct bmp280 {
    strobe_bmp280_calibration cal;
    uint8_t calib[CALIB_BYTES];
    uint8_t ctrl_meas, config;
    uint8_t pointer;            /* the register a read starts at (5.2.2) */
    uint8_t pending_reg;        /* in a write: the register the next data byte goes to */
    bool write_has_reg;
    int32_t target_t, target_p; /* raw readings (20 bits) for what the sensor sees */
    int32_t out_t, out_p;       /* what the data registers hold */
    /* Forced mode: a measurement running until measure_end. Normal mode: cycles from
     * cycle_start, each t_measure then t_standby. */
    bool forced_running;
    uint64_t measure_end;
    uint64_t cycle_start;
    uint64_t normal_done;       /* normal-mode cycles already latched */
    int64_t measurements;
} bmp280;

/* ---- The datasheet's compensation ([BMP280] 3.11.3) -------------------------------------- */

strobe_bmp280_calibration strobe_bmp280_example_calibration(void) {
    /* [BMP280] 3.12, the compensation computation example. */
    strobe_bmp280_calibration c = {
        .t1 = 27504, .t2 = 26435, .t3 = -1000,
        .p1 = 36477, .p2 = -10685, .p3 = 3024, .p4 = 2855, .p5 = 140, .p6 = -7,
        .p7 = 15500, .p8 = -14600, .p9 = 6000,
    };
    return c;
}

int32_t strobe_bmp280_compensate_temperature(const strobe_bmp280_calibration *c, int32_t adc_t, int32_t *t_fine) {
    /* Written from the formula in 3.11.3 (32-bit): the same shifts and products, in 64 bits
     * where C would overflow a signed int for readings outside the sensor's range. */
    int64_t x = (int64_t)(adc_t >> 3) - ((int64_t)c->t1 << 1);
    int64_t v1 = (x * c->t2) >> 11;
    int64_t d = (int64_t)(adc_t >> 4) - (int64_t)c->t1;
    int64_t v2 = (((d * d) >> 12) * c->t3) >> 14;
    int64_t fine = v1 + v2;
    if (t_fine) *t_fine = (int32_t)fine;
    return (int32_t)((fine * 5 + 128) >> 8);
}

/* 3.11.3, 64-bit: Pa in Q24.8, before the formula's final cast to unsigned (so readings
 * beyond the sensor's range come out negative rather than wrapped, and the value falls
 * monotonically as adc_P rises). */
static int64_t pressure_q248(const strobe_bmp280_calibration *c, int32_t adc_p, int32_t t_fine) {
    int64_t v1 = (int64_t)t_fine - 128000;
    int64_t v2 = v1 * v1 * c->p6;
    v2 += (v1 * c->p5) * ((int64_t)1 << 17);
    v2 += (int64_t)c->p4 * ((int64_t)1 << 35);
    v1 = ((v1 * v1 * c->p3) >> 8) + ((v1 * c->p2) * ((int64_t)1 << 12));
    v1 = ((((int64_t)1 << 47) + v1) * c->p1) >> 33;
    if (v1 == 0) return 0;
    int64_t p = 1048576 - (int64_t)adc_p;
    p = ((p * ((int64_t)1 << 31) - v2) * 3125) / v1;
    v1 = ((int64_t)c->p9 * (p >> 13) * (p >> 13)) >> 25;
    v2 = ((int64_t)c->p8 * p) >> 19;
    return ((p + v1 + v2) >> 8) + ((int64_t)c->p7 * 16);
}

uint32_t strobe_bmp280_compensate_pressure(const strobe_bmp280_calibration *c, int32_t adc_p, int32_t t_fine) {
    return (uint32_t)pressure_q248(c, adc_p, t_fine);
}

/* The raw reading in 0…2²⁰−1 whose `f` is nearest `target`, for `f` monotonic (rising when
 * `rising`); -1 when the target is beyond f's reach. */
static int32_t nearest_raw(double target, bool rising, double (*f)(const bmp280 *, int32_t, int32_t), const bmp280 *m,
                           int32_t arg) {
    int32_t lo = 0, hi = (1 << 20) - 1;
    double flo = f(m, lo, arg), fhi = f(m, hi, arg);
    if (rising ? (target < flo || target > fhi) : (target > flo || target < fhi)) return -1;
    while (hi - lo > 1) { /* invariant: target lies between f(lo) and f(hi) */
        int32_t mid = lo + (hi - lo) / 2;
        double fm = f(m, mid, arg);
        if (rising ? fm <= target : fm >= target) lo = mid;
        else hi = mid;
    }
    return fabs(f(m, lo, arg) - target) <= fabs(f(m, hi, arg) - target) ? lo : hi;
}

static double fine_of(const bmp280 *m, int32_t adc, int32_t unused) {
    (void)unused;
    int32_t fine;
    strobe_bmp280_compensate_temperature(&m->cal, adc, &fine);
    return fine;
}

static double q248_of(const bmp280 *m, int32_t adc, int32_t t_fine) {
    return (double)pressure_q248(&m->cal, adc, t_fine);
}

/* ---- Measuring ([BMP280] 3.3, 3.6, 3.8) ------------------------------------------------- */

/* Oversampling setting (3 bits) → factor: 000 skipped, 001…101 ×1…×16, 110/111 ×16 (4.3.4). */
static unsigned oversampling(unsigned bits) {
    static const unsigned factor[8] = {0, 1, 2, 4, 8, 16, 16, 16};
    return factor[bits & 7u];
}

/* Resolution follows oversampling (3.3.1, 3.3.2): ×1 16 bits … ×16 20 bits;
 * the bits below it read 0. */
static int32_t at_resolution(int32_t raw, unsigned factor) {
    unsigned bits = factor >= 16 ? 20 : factor >= 8 ? 19 : factor >= 4 ? 18 : factor >= 2 ? 17 : 16;
    return raw & ~((1 << (20 - bits)) - 1);
}

/* 3.8.1 (measurement time), maximum: 1.25 ms + 2.3 ms · osrs_t + (2.3 ms · osrs_p + 0.575 ms). */
static uint64_t measure_ns(uint8_t ctrl) {
    unsigned t = oversampling(ctrl >> 5), p = oversampling(ctrl >> 2);
    uint64_t us = 1250 + 2300ull * t + (p ? 2300ull * p + 575 : 0);
    return us * NS_PER_US;
}

/* 3.6.3 and 4.3.5 (t_sb): 0.5, 62.5, 125, 250, 500, 1000, 2000, 4000 ms. */
static uint64_t standby_ns(uint8_t config) {
    static const uint64_t us[8] = {500, 62500, 125000, 250000, 500000, 1000000, 2000000, 4000000};
    return us[(config >> 5) & 7u] * NS_PER_US;
}

/* Put the latest measurement in the data registers; `count` measurements have completed. */
static void latch(bmp280 *m, uint64_t count) {
    unsigned t = oversampling(m->ctrl_meas >> 5), p = oversampling(m->ctrl_meas >> 2);
    m->out_t = t ? at_resolution(m->target_t, t) : SKIPPED;
    m->out_p = p ? at_resolution(m->target_p, p) : SKIPPED;
    m->measurements += (int64_t)count;
}

/* Bring the data registers up to `now`: a forced measurement that has ended, normal-mode
 * cycles that have completed. */
static void catch_up(bmp280 *m, uint64_t now) {
    if (m->forced_running && now >= m->measure_end) {
        m->forced_running = false;
        latch(m, 1);
        m->ctrl_meas &= (uint8_t)~3u; /* 3.6.2: back to sleep after a forced measurement */
    }
    if ((m->ctrl_meas & 3u) == MODE_NORMAL && now >= m->cycle_start) {
        uint64_t period = measure_ns(m->ctrl_meas) + standby_ns(m->config);
        uint64_t elapsed = now - m->cycle_start;
        uint64_t done = elapsed / period + (elapsed % period >= measure_ns(m->ctrl_meas) ? 1 : 0);
        if (done > m->normal_done) {
            latch(m, done - m->normal_done);
            m->normal_done = done;
        }
    }
}

static bool measuring(const bmp280 *m, uint64_t now) {
    if (m->forced_running) return now < m->measure_end;
    if ((m->ctrl_meas & 3u) != MODE_NORMAL) return false;
    uint64_t period = measure_ns(m->ctrl_meas) + standby_ns(m->config);
    return (now - m->cycle_start) % period < measure_ns(m->ctrl_meas);
}

static void power_on(bmp280 *m) {
    m->ctrl_meas = m->config = 0;
    m->out_t = m->out_p = SKIPPED;
    m->forced_running = false;
    m->normal_done = 0;
}

static void write_reg(bmp280 *m, uint8_t reg, uint8_t value, uint64_t now) {
    switch (reg) {
    case REG_RESET:
        if (value == RESET_WORD) power_on(m);
        break;
    case REG_CTRL_MEAS: {
        catch_up(m, now);
        m->ctrl_meas = value;
        unsigned mode = value & 3u;
        if (mode == 1u || mode == 2u) { /* forced: one measurement now */
            m->forced_running = true;
            m->measure_end = now + measure_ns(value);
        } else if (mode == MODE_NORMAL) {
            m->forced_running = false;
            m->cycle_start = now;
            m->normal_done = 0;
        }
        break;
    }
    case REG_CONFIG:
        m->config = value;
        break;
    default: /* read-only or reserved: ignored (4.2) */
        break;
    }
}

static uint8_t read_reg(const bmp280 *m, uint8_t reg, uint64_t now) {
    if (reg >= REG_CALIB && reg < REG_CALIB + CALIB_BYTES) return m->calib[reg - REG_CALIB];
    switch (reg) {
    case REG_ID: return CHIP_ID;
    case REG_STATUS: return measuring(m, now) ? STATUS_MEASURING : 0;
    case REG_CTRL_MEAS: return m->ctrl_meas;
    case REG_CONFIG: return m->config;
    case REG_PRESS: return (uint8_t)(m->out_p >> 12);
    case REG_PRESS + 1: return (uint8_t)(m->out_p >> 4);
    case REG_PRESS + 2: return (uint8_t)((m->out_p & 0xF) << 4);
    case REG_TEMP: return (uint8_t)(m->out_t >> 12);
    case REG_TEMP + 1: return (uint8_t)(m->out_t >> 4);
    case REG_TEMP + 2: return (uint8_t)((m->out_t & 0xF) << 4);
    default: return 0;
    }
}

/* ---- I2C ([BMP280] 5.2) ------------------------------------------------------------------ */

static bool bmp_begin(void *ctx, bool read, uint64_t now) {
    bmp280 *m = ctx;
    /* 3.9 data readout: the data registers are shadowed for the whole read, so update them
     * only here, at the start of a transfer. */
    catch_up(m, now);
    if (!read) m->write_has_reg = false;
    return true;
}

static bool bmp_write(void *ctx, unsigned index, uint8_t byte, uint64_t now) {
    bmp280 *m = ctx;
    (void)index;
    /* 5.2.1: register address, data, register address, data, … */
    if (!m->write_has_reg) {
        m->pending_reg = byte;
        m->pointer = byte;
        m->write_has_reg = true;
    } else {
        write_reg(m, m->pending_reg, byte, now);
        m->write_has_reg = false;
    }
    return true;
}

static uint8_t bmp_read(void *ctx, unsigned index, uint64_t now) {
    bmp280 *m = ctx;
    (void)index;
    /* 5.2.2: reads start at the last register address written and auto-increment. */
    return read_reg(m, m->pointer++, now);
}

static void bmp_release(void *ctx) { free(ctx); }

static const strobe_i2c_target_ops bmp280_ops = {
    .begin = bmp_begin,
    .write = bmp_write,
    .read = bmp_read,
    .end = NULL,
    .release = bmp_release,
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }

/* Find the raw readings for `celsius` and `pascals`. */
static int solve(const bmp280 *m, double celsius, double pascals, int32_t *adc_t, int32_t *adc_p) {
    if (!isfinite(celsius) || !isfinite(pascals) || celsius < STROBE_BMP280_MIN_CELSIUS ||
        celsius > STROBE_BMP280_MAX_CELSIUS || pascals < STROBE_BMP280_MIN_PASCALS || pascals > STROBE_BMP280_MAX_PASCALS)
        return -ERANGE;
    /* t_fine is °C · 5120 (the floating-point formula of 8.1 divides by 5120). */
    int32_t t = nearest_raw(celsius * 5120.0, m->cal.t2 >= 0, fine_of, m, 0);
    if (t < 0) return -ERANGE;
    int32_t fine;
    strobe_bmp280_compensate_temperature(&m->cal, t, &fine);
    /* Pressure falls as adc_P rises (p ∝ 2²⁰ − adc_P). */
    int32_t p = nearest_raw(pascals * 256.0, false, q248_of, m, fine);
    if (p < 0) return -ERANGE;
    *adc_t = t;
    *adc_p = p;
    return 0;
}

static bmp280 *find(strobe_vbench *b, int id) { return strobe_vbench_i2c_ctx_locked(b, id, bmp_begin); }

int strobe_vbench_attach_bmp280(strobe_vbench *b, unsigned sda, unsigned scl, unsigned address,
                                const strobe_bmp280_calibration *calibration) {
    if (address != 0x76 && address != 0x77) return -EINVAL;
    bmp280 *m = calloc(1, sizeof *m);
    if (!m) return -ENOMEM;
    m->cal = calibration ? *calibration : strobe_bmp280_example_calibration();
    const strobe_bmp280_calibration *c = &m->cal;
    uint16_t words[12] = {c->t1, (uint16_t)c->t2, (uint16_t)c->t3, c->p1, (uint16_t)c->p2, (uint16_t)c->p3,
                          (uint16_t)c->p4, (uint16_t)c->p5, (uint16_t)c->p6, (uint16_t)c->p7, (uint16_t)c->p8,
                          (uint16_t)c->p9};
    for (unsigned i = 0; i < 12; i++) put16(&m->calib[2 * i], words[i]);
    power_on(m);
    if (solve(m, 25.0, 101325.0, &m->target_t, &m->target_p) != 0) {
        free(m);
        return -EINVAL; /* a calibration that can't represent room conditions */
    }
    strobe_i2c_target_config config = {.sda = sda, .scl = scl, .address = address, .ten_bit = false, .stretch_ns = 0};
    int id = strobe_vbench_attach_i2c_target(b, &config, &bmp280_ops, m);
    if (id < 0) free(m);
    return id;
}

int strobe_vbench_bmp280_set(strobe_vbench *b, int id, double celsius, double pascals) {
    strobe_vbench_lock(b);
    bmp280 *m = find(b, id);
    int rc = -ENOENT;
    if (m) {
        int32_t t, p;
        rc = solve(m, celsius, pascals, &t, &p);
        if (rc == 0) { m->target_t = t; m->target_p = p; }
    }
    strobe_vbench_unlock(b);
    return rc;
}

int strobe_vbench_bmp280_raw(strobe_vbench *b, int id, int32_t *adc_t, int32_t *adc_p) {
    strobe_vbench_lock(b);
    bmp280 *m = find(b, id);
    if (m) {
        if (adc_t) *adc_t = m->target_t;
        if (adc_p) *adc_p = m->target_p;
    }
    strobe_vbench_unlock(b);
    return m ? 0 : -ENOENT;
}

int64_t strobe_vbench_bmp280_measurements(strobe_vbench *b, int id) {
    uint64_t now = strobe_vbench_now(b); /* measurements are brought up to date lazily */
    strobe_vbench_lock(b);
    bmp280 *m = find(b, id);
    if (m) catch_up(m, now);
    int64_t n = m ? m->measurements : -ENOENT;
    strobe_vbench_unlock(b);
    return n;
}
