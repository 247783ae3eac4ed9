/*
 * fuzz-wave.c — the waveform compiler (CSources/CStrobe/wave.c) on hostile channel lists, and
 * the player (wave_player.c) on what it compiles, in virtual time.
 *
 * The input is a header — min_gap_ns (2 bytes, little-endian) — then channel records, each a
 * kind byte and its pin byte, then the kind's parameters (bytes past the end read as 0):
 *
 *   kind % 4 == 0  strobe_wave_add_pwm_ns: period, high, offset (3 x 4 bytes)
 *   kind % 4 == 1  strobe_wave_add_pwm: freq, duty, phase — raw doubles (NaN, inf, ...) when
 *                  kind bit 4 is set, else freq = 3 bytes in Hz, duty and phase = 2 bytes / 65535
 *   kind % 4 == 2  strobe_wave_add_servo: pulse µs (2 bytes, or a raw double with bit 4), freq Hz (1 byte)
 *   kind % 4 == 3  strobe_wave_add_pulse_train: count (1 byte, % 64), initial level (1 byte),
 *                  loop period (4 bytes, 0 = one-shot), then count edges, each a step from the
 *                  previous one (2 bytes; with kind bit 4, a raw 8-byte time)
 *
 * then strobe_wave_compile(). Checks on every compiled waveform: blocks strictly increasing in
 * time, inside the period, no closer than min_gap_ns (the wrap included), each setting and
 * clearing disjoint non-empty masks of driven pins; every pin's stores alternate set/clear,
 * start from the initial levels and end each period where it began; each channel added with
 * known edges appears with exactly its edges per period (periods unrolled); at most
 * STROBE_WAVE_MAX_BLOCKS blocks. Then a player on a virtual clock plays a few thousand blocks:
 * every record on time (virtual time is exact), none late, no period skipped.
 *
 * fuzz-sources: CSources/CStrobe/wave.c CSources/CStrobe/wave_player.c CSources/CStrobe/clock.c
 */
#define _GNU_SOURCE
#include "strobe_wave.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-wave: invariant broken: %s\n", what);
        abort();
    }
}

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static uint64_t take(reader *r, unsigned n) {
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t b = r->p < r->end ? *r->p++ : 0;
        v |= b << (8 * i);
    }
    return v;
}

static double take_double(reader *r) {
    uint64_t bits = take(r, 8);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The virtual clock: time moves only to the deadlines the player asks for. */
static uint64_t vnow;
static uint64_t clk_now(void *ctx) { (void)ctx; return vnow; }
static void clk_until(void *ctx, uint64_t t) { (void)ctx; if (vnow < t) vnow = t; }

#define MAX_TRAIN 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    reader r = {data, data + size};
    uint64_t min_gap = take(&r, 2);
    strobe_wave *w = strobe_wave_new();
    must(w != NULL, "a new waveform");

    /* Per pin: toggles per own period (-1 unknown), and the channel's period (0 one-shot). */
    long toggles[32];
    uint64_t chan_period[32];
    for (int i = 0; i < 32; i++) toggles[i] = -2; /* no channel */
    char why[256];
    unsigned channels = 0;
    while (r.p < r.end && channels < 40) {
        uint8_t kind = (uint8_t)take(&r, 1);
        unsigned pin = (unsigned)take(&r, 1);
        int rc;
        long known = -1;
        uint64_t period = 0;
        channels++;
        switch (kind % 4) {
        case 0: {
            uint64_t per = take(&r, 4), high = take(&r, 4), off = take(&r, 4);
            rc = strobe_wave_add_pwm_ns(w, pin, per, high, off, why, sizeof why);
            known = high == 0 || high == per ? 0 : 2;
            period = per;
            break;
        }
        case 1: {
            double f, duty, phase;
            if (kind & 0x10) {
                f = take_double(&r);
                duty = take_double(&r);
                phase = take_double(&r);
            } else {
                f = (double)take(&r, 3);
                duty = (double)take(&r, 2) / 65535.0;
                phase = (double)take(&r, 2) / 65535.0;
            }
            rc = strobe_wave_add_pwm(w, pin, f, duty, phase, why, sizeof why);
            period = 1; /* periodic, length unknown */
            break;
        }
        case 2: {
            double pulse = kind & 0x10 ? take_double(&r) : (double)take(&r, 2);
            double f = (double)take(&r, 1);
            rc = strobe_wave_add_servo(w, pin, pulse, f, why, sizeof why);
            known = 2;
            period = 1;
            break;
        }
        default: {
            size_t count = take(&r, 1) % MAX_TRAIN;
            int initial = (int)(int8_t)take(&r, 1) % 3;
            uint64_t loop = take(&r, 4);
            uint64_t edges[MAX_TRAIN], t = 0;
            for (size_t i = 0; i < count; i++) {
                if (kind & 0x10) t = take(&r, 8);
                else t += take(&r, 2);
                edges[i] = t;
            }
            rc = strobe_wave_add_pulse_train(w, pin, edges, count, initial, loop, why, sizeof why);
            known = (long)count;
            period = loop;
            break;
        }
        }
        must(rc == 0 || rc == -EINVAL, "adding a channel returns 0 or -EINVAL");
        if (rc == -EINVAL) must(why[0] != 0, "a refused channel says why");
        if (rc == 0) {
            must(pin < 32 && toggles[pin] == -2, "one channel per pin, in bank 0");
            toggles[pin] = known;
            chan_period[pin] = period;
        }
    }

    int rc = strobe_wave_compile(w, min_gap, why, sizeof why);
    must(rc == 0 || rc == -EINVAL, "compile returns 0 or -EINVAL");
    if (rc != 0) {
        must(why[0] != 0, "a refused waveform says why");
        must(!strobe_wave_is_compiled(w) && strobe_wave_block_count(w) == 0, "refused means not compiled");
        strobe_wave_free(w);
        return 0;
    }

    size_t nb = strobe_wave_block_count(w);
    const strobe_wave_block *b = strobe_wave_blocks(w);
    uint64_t period = strobe_wave_period_ns(w), duration = strobe_wave_duration_ns(w);
    uint32_t pins = strobe_wave_pins(w), level0 = strobe_wave_initial_levels(w);
    must(nb <= STROBE_WAVE_MAX_BLOCKS, "at most STROBE_WAVE_MAX_BLOCKS blocks");
    must((nb == 0) == (b == NULL), "blocks exist when counted");
    must(period <= STROBE_WAVE_MAX_PERIOD_NS, "the period is at most 1 s");
    must(period ? duration == period : duration == (nb ? b[nb - 1].t_ns : 0), "the duration is the period or the last block");
    must((level0 & ~pins) == 0, "initial levels only of driven pins");
    uint32_t want_pins = 0;
    for (unsigned pin = 0; pin < 32; pin++)
        if (toggles[pin] != -2) want_pins |= 1u << pin;
    must(pins == want_pins, "the driven pins are the channels' pins");

    long count[32] = {0};
    uint32_t pre0 = level0; /* levels just before t = 0 */
    if (nb && b[0].t_ns == 0) pre0 ^= b[0].set_mask | b[0].clr_mask;
    uint32_t level = pre0;
    for (size_t i = 0; i < nb; i++) {
        must((b[i].set_mask | b[i].clr_mask) != 0 && !(b[i].set_mask & b[i].clr_mask),
             "a block stores something, never a set and a clear for one pin");
        must(((b[i].set_mask | b[i].clr_mask) & ~pins) == 0, "a block drives only the waveform's pins");
        if (i) must(b[i].t_ns > b[i - 1].t_ns, "blocks strictly increase in time");
        if (i) must(b[i].t_ns - b[i - 1].t_ns >= min_gap, "blocks are min_gap_ns apart");
        if (period) must(b[i].t_ns < period, "blocks lie inside the period");
        must((b[i].set_mask & level) == 0, "a set raises a low pin");
        must((b[i].clr_mask & ~level) == 0, "a clear lowers a high pin");
        level = (level | b[i].set_mask) & ~b[i].clr_mask;
        if (i == 0 && b[0].t_ns == 0) must(level == level0, "the initial levels are those after the t = 0 block");
        for (unsigned pin = 0; pin < 32; pin++)
            if ((b[i].set_mask | b[i].clr_mask) & (1u << pin)) count[pin]++;
    }
    if (period && nb > 1) must(period - b[nb - 1].t_ns + b[0].t_ns >= min_gap, "the wrap is min_gap_ns long too");
    if (period) must(level == pre0, "every period ends at the level it began with");
    for (unsigned pin = 0; pin < 32; pin++) {
        if (toggles[pin] < 0) continue;
        uint64_t reps = 1;
        if (period && chan_period[pin] > 1 && toggles[pin] > 0) {
            must(period % chan_period[pin] == 0, "the period is a multiple of each channel's period");
            reps = period / chan_period[pin];
        }
        if (chan_period[pin] == 1 && toggles[pin] > 0) continue; /* period from a frequency: unknown */
        must(count[pin] == toggles[pin] * (long)reps, "each channel's edges appear once per repetition");
    }

    /* Play it on a virtual clock: at most a few thousand blocks. */
    static uint32_t set_reg, clr_reg;
    vnow = 1000;
    strobe_clock clock = {clk_now, clk_until, clk_until, NULL, true};
    strobe_player_config cfg;
    strobe_player_config_init(&cfg, &set_reg, &clr_reg, clock);
    cfg.record_capacity = 8192;
    int err = 0;
    strobe_player *pl = strobe_player_new(&cfg, &err);
    must(pl != NULL, "a new player");
    must(strobe_player_start(pl, w) == 0, "start a compiled waveform");
    uint64_t start = vnow;
    uint64_t span = nb > 2048 ? b[2047].t_ns : period ? 2 * period : duration;
    must(strobe_player_run_until(pl, start + span + 1) == 0, "run_until");
    uint64_t cursor = 0;
    static strobe_edge_record rec[8192];
    size_t nrec = strobe_player_read_records(pl, &cursor, rec, 8192);
    must(nrec >= 1 && (rec[0].flags & STROBE_EDGE_START), "the first record is the start block");
    for (size_t i = 0; i < nrec; i++) {
        must(rec[i].actual_ns == rec[i].scheduled_ns, "virtual time: every block on time");
        must(!(rec[i].flags & (STROBE_EDGE_LATE | STROBE_EDGE_RESYNC)), "virtual time: nothing late, nothing skipped");
        if (i) must(rec[i].scheduled_ns >= rec[i - 1].scheduled_ns, "records in time order");
    }
    must(strobe_player_skipped_periods(pl) == 0, "no period skipped");
    must(strobe_player_stop(pl, STROBE_STOP_NOW) == 0, "stop");
    strobe_player_free(pl);
    strobe_wave_free(w);
    return 0;
}
