/*
 * wave.c — the waveform compiler of the "DMA-style" engine (ARCHITECTURE.md "Timing"); the
 * player is in wave_player.c.
 *
 * The compiler turns channels (PWM, servo, pulse trains) into one sorted list of control
 * blocks over their common period, the way pigpio builds DMA control blocks for the BCM DMA
 * engine ([BCM2835] chapter 4 "DMA Controller", 4.2.1.1 "Control Blocks"): each block says
 * when, and which pins to set and clear with one GPSET0 and one GPCLR0 store ([BCM2835] 6.1;
 * on RP1 the SYS_RIO0 OUT SET/CLR aliases, [RP1] 2.4).
 */
#define _GNU_SOURCE
#include "strobe_wave.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One-shot edge times stay below 2^62 ns (146 years) so pass start + offset never overflows. */
#define MAX_ONESHOT_NS (1ull << 62)

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                   */
/* ------------------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t why_len, const char *fmt, ...) {
    if (why && why_len) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, why_len, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

static void clear_why(char *why, size_t why_len) {
    if (why && why_len) why[0] = 0;
}

/* x ≥ 0 rounded to the nearest integer. Done by hand so the C core needs no libm. */
static uint64_t round_ns(double x) { return (uint64_t)(x + 0.5); }

static unsigned lowest_pin(uint32_t mask) { return mask ? (unsigned)__builtin_ctz(mask) : 0u; }

/* ------------------------------------------------------------------------------------------ */
/* Waveforms                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* A channel is one pin's timeline: the level it enters a pass with, then toggles. Periodic
 * channels have an even number of toggles (PWM: 2), so every period ends at the level it
 * started with; a channel without toggles holds its level. */
typedef struct channel {
    unsigned pin;
    uint64_t period;  /* 0: one-shot */
    int entry_level;  /* level just before t = 0 (periodic: also the level every period ends at) */
    uint64_t *edges;  /* strictly increasing toggle times, < period when periodic */
    size_t nedges;
    const char *kind; /* "PWM", "servo", "pulse train": for messages */
} channel;

struct strobe_wave {
    channel *ch;
    size_t nch, capch;
    bool compiled;
    strobe_wave_block *blocks;
    size_t nblocks;
    uint64_t period, duration;
    uint32_t pins, level0;
};

strobe_wave *strobe_wave_new(void) { return calloc(1, sizeof(strobe_wave)); }

static void uncompile(strobe_wave *w) {
    free(w->blocks);
    w->blocks = NULL;
    w->nblocks = 0;
    w->compiled = false;
    w->period = w->duration = 0;
    w->pins = w->level0 = 0;
}

void strobe_wave_free(strobe_wave *w) {
    if (!w) return;
    for (size_t i = 0; i < w->nch; i++) free(w->ch[i].edges);
    free(w->ch);
    free(w->blocks);
    free(w);
}

static int check_pin(const strobe_wave *w, unsigned pin, char *why, size_t why_len) {
    /* Bank 0 is the 40-pin header on every layout: GPIO 0-27 on the header, 0-31 in GPSET0
     * ([BCM2835] 6.1) and in SYS_RIO0 ([RP1] 3.3). One set and one clear store per block is
     * what keeps a block atomic, so the engine stays in one bank. */
    if (pin > 31)
        return fail(why, why_len, "GPIO%u is outside bank 0 (GPIO 0–31), the only bank the waveform engine drives", pin);
    for (size_t i = 0; i < w->nch; i++)
        if (w->ch[i].pin == pin)
            return fail(why, why_len, "GPIO%u already has a %s channel in this waveform: one channel per pin (more channels than pins)",
                        pin, w->ch[i].kind);
    return 0;
}

/* Takes ownership of `edges` (malloc'ed or NULL). */
static int add_channel(strobe_wave *w, channel c) {
    if (w->nch == w->capch) {
        size_t cap = w->capch ? 2 * w->capch : 8;
        channel *n = realloc(w->ch, cap * sizeof *n);
        if (!n) {
            free(c.edges);
            return -ENOMEM;
        }
        w->ch = n;
        w->capch = cap;
    }
    w->ch[w->nch++] = c;
    uncompile(w);
    return 0;
}

/* PWM over whole ns: rising at `offset`, high for `high`. As toggles: the pin is high at t when
 * (t - offset) mod period < high, so it enters a pass (t = period - 1, the end of the previous
 * one) high exactly when the pulse wraps past the period end. */
static int add_pwm_channel(strobe_wave *w, unsigned pin, uint64_t period, uint64_t high, uint64_t offset, const char *kind) {
    channel c = {.pin = pin, .period = period, .kind = kind};
    if (high == 0 || high == period) {
        /* The rule for two edges of one pin at one instant: duty 0 holds low, duty 1 holds
         * high, and neither has edges — a rise and a fall at the same time would be a
         * zero-width pulse (or gap) whose outcome depends on store order. */
        c.entry_level = high == period;
        return add_channel(w, c);
    }
    uint64_t rise = offset, fall = (offset + high) % period;
    c.entry_level = (period - 1 - offset) % period < high;
    c.edges = malloc(2 * sizeof *c.edges);
    if (!c.edges) return -ENOMEM;
    c.edges[0] = rise < fall ? rise : fall;
    c.edges[1] = rise < fall ? fall : rise;
    c.nedges = 2;
    return add_channel(w, c);
}

int strobe_wave_add_pwm_ns(strobe_wave *w, unsigned pin, uint64_t period_ns, uint64_t high_ns, uint64_t offset_ns,
                           char *why, size_t why_len) {
    clear_why(why, why_len);
    if (period_ns == 0 || period_ns > STROBE_WAVE_MAX_PERIOD_NS)
        return fail(why, why_len, "PWM period %llu ns is outside 1 ns…1 s", (unsigned long long)period_ns);
    if (high_ns > period_ns)
        return fail(why, why_len, "PWM high time %llu ns is longer than its period %llu ns", (unsigned long long)high_ns,
                    (unsigned long long)period_ns);
    if (offset_ns >= period_ns)
        return fail(why, why_len, "PWM offset %llu ns is not less than its period %llu ns", (unsigned long long)offset_ns,
                    (unsigned long long)period_ns);
    int rc = check_pin(w, pin, why, why_len);
    if (rc) return rc;
    return add_pwm_channel(w, pin, period_ns, high_ns, offset_ns, "PWM");
}

/* Period in whole ns of `freq_hz`, or an error naming `what`. */
static int period_of(double freq_hz, const char *what, uint64_t *period, char *why, size_t why_len) {
    if (!(freq_hz > 0.0) || freq_hz > 1e300) /* NaN and ±inf fail these too */
        return fail(why, why_len, "%s frequency %g Hz must be a finite number above 0 Hz", what, freq_hz);
    double ns = 1e9 / freq_hz;
    if (ns < 1.0) return fail(why, why_len, "%s frequency %g Hz is above 1 GHz: its period is under 1 ns", what, freq_hz);
    if (ns > (double)STROBE_WAVE_MAX_PERIOD_NS + 0.5)
        return fail(why, why_len, "%s frequency %g Hz has a period of %.3f s, longer than the 1 s limit", what, freq_hz, ns / 1e9);
    *period = round_ns(ns);
    return 0;
}

int strobe_wave_add_pwm(strobe_wave *w, unsigned pin, double freq_hz, double duty, double phase, char *why, size_t why_len) {
    clear_why(why, why_len);
    if (pin > 31) return check_pin(w, pin, why, why_len);
    uint64_t period;
    int rc = period_of(freq_hz, "PWM", &period, why, why_len);
    if (rc) return rc;
    if (!(duty >= 0.0 && duty <= 1.0)) return fail(why, why_len, "PWM duty %g is outside 0…1", duty);
    if (!(phase >= 0.0 && phase <= 1.0)) return fail(why, why_len, "PWM phase %g is outside 0…1", phase);
    rc = check_pin(w, pin, why, why_len);
    if (rc) return rc;
    uint64_t high = round_ns(duty * (double)period);
    if (high > period) high = period;
    uint64_t offset = round_ns(phase * (double)period) % period; /* phase 1 is phase 0 */
    return add_pwm_channel(w, pin, period, high, offset, "PWM");
}

int strobe_wave_add_servo(strobe_wave *w, unsigned pin, double pulse_us, double freq_hz, char *why, size_t why_len) {
    clear_why(why, why_len);
    if (pin > 31) return check_pin(w, pin, why, why_len);
    if (!(pulse_us >= STROBE_SERVO_MIN_US && pulse_us <= STROBE_SERVO_MAX_US))
        return fail(why, why_len, "servo pulse %g µs is outside 500–2500 µs", pulse_us);
    if (freq_hz == 0.0) freq_hz = STROBE_SERVO_DEFAULT_HZ;
    uint64_t period;
    int rc = period_of(freq_hz, "servo", &period, why, why_len);
    if (rc) return rc;
    uint64_t pulse = round_ns(pulse_us * 1000.0);
    if (pulse >= period)
        return fail(why, why_len, "servo pulse %g µs does not fit in a %g Hz frame of %.3f µs", pulse_us, freq_hz,
                    (double)period / 1e3);
    rc = check_pin(w, pin, why, why_len);
    if (rc) return rc;
    return add_pwm_channel(w, pin, period, pulse, 0, "servo");
}

int strobe_wave_add_pulse_train(strobe_wave *w, unsigned pin, const uint64_t *edges_ns, size_t count, int initial_level,
                                uint64_t loop_period_ns, char *why, size_t why_len) {
    clear_why(why, why_len);
    int rc = check_pin(w, pin, why, why_len);
    if (rc) return rc;
    if (initial_level != 0 && initial_level != 1)
        return fail(why, why_len, "pulse train initial level %d is neither 0 nor 1", initial_level);
    if (count > STROBE_WAVE_MAX_BLOCKS)
        return fail(why, why_len, "pulse train of %zu edges is longer than the %u the engine holds", count, STROBE_WAVE_MAX_BLOCKS);
    if (count && !edges_ns) return fail(why, why_len, "pulse train of %zu edges has no edge times", count);
    for (size_t i = 1; i < count; i++)
        if (edges_ns[i] <= edges_ns[i - 1])
            return fail(why, why_len, "pulse train edge %zu at %llu ns does not come after edge %zu at %llu ns", i,
                        (unsigned long long)edges_ns[i], i - 1, (unsigned long long)edges_ns[i - 1]);
    if (loop_period_ns) {
        if (loop_period_ns > STROBE_WAVE_MAX_PERIOD_NS)
            return fail(why, why_len, "pulse train period %llu ns is longer than the 1 s limit", (unsigned long long)loop_period_ns);
        if (count && edges_ns[count - 1] >= loop_period_ns)
            return fail(why, why_len, "pulse train edge at %llu ns is not inside its %llu ns period",
                        (unsigned long long)edges_ns[count - 1], (unsigned long long)loop_period_ns);
        if (count % 2)
            return fail(why, why_len, "a looped pulse train needs an even number of edges so every period starts at the same level (it has %zu)",
                        count);
    } else if (count && edges_ns[count - 1] >= MAX_ONESHOT_NS) {
        return fail(why, why_len, "pulse train edge at %llu ns is too far in the future", (unsigned long long)edges_ns[count - 1]);
    }
    channel c = {.pin = pin, .period = loop_period_ns, .entry_level = initial_level, .nedges = count, .kind = "pulse train"};
    if (count) {
        c.edges = malloc(count * sizeof *c.edges);
        if (!c.edges) return -ENOMEM;
        memcpy(c.edges, edges_ns, count * sizeof *c.edges);
    }
    return add_channel(w, c);
}

/* One pin change on the merged timeline. */
typedef struct wave_event {
    uint64_t t;
    uint8_t pin;
    uint8_t level;
} wave_event;

static int event_order(const void *a, const void *b) {
    const wave_event *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return (int)x->pin - (int)y->pin;
}

static uint64_t gcd64(uint64_t a, uint64_t b) {
    while (b) {
        uint64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

/* Smallest gap between a channel's consecutive edges, the wrap into the next period included;
 * UINT64_MAX with fewer than two distinct gaps to measure. `*at` gets the gap's first edge. */
static uint64_t channel_min_gap(const channel *c, uint64_t *at, uint64_t *next) {
    uint64_t best = UINT64_MAX;
    for (size_t i = 1; i < c->nedges; i++)
        if (c->edges[i] - c->edges[i - 1] < best) {
            best = c->edges[i] - c->edges[i - 1];
            *at = c->edges[i - 1];
            *next = c->edges[i];
        }
    if (c->period && c->nedges) {
        uint64_t wrap = c->period - c->edges[c->nedges - 1] + c->edges[0];
        if (wrap < best) {
            best = wrap;
            *at = c->edges[c->nedges - 1];
            *next = c->period + c->edges[0];
        }
    }
    return best;
}

int strobe_wave_compile(strobe_wave *w, uint64_t min_gap_ns, char *why, size_t why_len) {
    clear_why(why, why_len);
    uncompile(w);
    if (w->nch == 0) return fail(why, why_len, "the waveform has no channels");

    /* One-shot or periodic. Channels that hold a level have no timing and fit either. */
    const channel *oneshot = NULL, *periodic = NULL;
    for (size_t i = 0; i < w->nch; i++) {
        const channel *c = &w->ch[i];
        if (c->period == 0 && !oneshot) oneshot = c;
        if (c->period && c->nedges && !periodic) periodic = c;
    }
    if (oneshot && periodic)
        return fail(why, why_len, "the one-shot pulse train on GPIO%u cannot share a waveform with the periodic %s on GPIO%u: play it as a waveform of its own",
                    oneshot->pin, periodic->kind, periodic->pin);

    /* The common period: the LCM of the periods of channels with edges. Every input is at
     * most 1 s, so a / gcd * b stays far below 2^64 until the bound stops the loop. */
    uint64_t period = 0;
    if (!oneshot) {
        size_t used = 0, edged = 0;
        for (size_t i = 0; i < w->nch; i++) edged += w->ch[i].nedges != 0;
        for (size_t i = 0; i < w->nch; i++) {
            const channel *c = &w->ch[i];
            if (!c->nedges) continue;
            period = period ? period / gcd64(period, c->period) * c->period : c->period;
            used++;
            if (period > STROBE_WAVE_MAX_PERIOD_NS)
                return fail(why, why_len,
                            "the channels' common period (the least common multiple of their periods) is %s%.3f s, longer than the 1 s limit: choose frequencies whose periods divide a common period of at most 1 s",
                            used < edged ? "at least " : "", (double)period / 1e9);
        }
        if (!period) /* every channel holds a level: any of their periods will do for swaps */
            for (size_t i = 0; i < w->nch; i++)
                if (w->ch[i].period > period) period = w->ch[i].period;
    }

    /* Each channel on its own first: the better message, and a bound before unrolling. */
    uint64_t nevents = 0;
    for (size_t i = 0; i < w->nch; i++) {
        const channel *c = &w->ch[i];
        uint64_t at = 0, next = 0;
        uint64_t gap = channel_min_gap(c, &at, &next);
        if (gap < min_gap_ns)
            return fail(why, why_len,
                        "the %s on GPIO%u needs edges %llu ns apart (at %llu and %llu ns), closer than the %llu ns the engine can keep",
                        c->kind, c->pin, (unsigned long long)gap, (unsigned long long)at, (unsigned long long)next,
                        (unsigned long long)min_gap_ns);
        nevents += c->nedges * (c->period && c->nedges ? period / c->period : 1);
    }
    if (nevents > STROBE_WAVE_MAX_BLOCKS)
        return fail(why, why_len, "the timeline needs %llu edges per pass, more than the %u the engine holds",
                    (unsigned long long)nevents, STROBE_WAVE_MAX_BLOCKS);

    /* Unroll every channel over the common period, then sort all edges by time (and pin, so
     * the order — and the blocks — never depend on the order channels were added). */
    wave_event *ev = nevents ? malloc(nevents * sizeof *ev) : NULL;
    if (nevents && !ev) return -ENOMEM;
    size_t n = 0;
    uint32_t pins = 0, level0 = 0;
    for (size_t i = 0; i < w->nch; i++) {
        const channel *c = &w->ch[i];
        pins |= 1u << c->pin;
        int at0 = c->entry_level ^ (c->nedges && c->edges[0] == 0);
        if (at0) level0 |= 1u << c->pin;
        uint64_t reps = c->period && c->nedges ? period / c->period : 1;
        for (uint64_t r = 0; r < reps; r++) {
            int level = c->entry_level;
            for (size_t e = 0; e < c->nedges; e++) {
                level ^= 1;
                ev[n++] = (wave_event){.t = r * c->period + c->edges[e], .pin = (uint8_t)c->pin, .level = (uint8_t)level};
            }
        }
    }
    if (n) qsort(ev, n, sizeof *ev, event_order);

    /* Edges at one instant become one block. One pin never has two edges at one instant:
     * channels own distinct pins and a channel's toggles are strictly increasing. */
    strobe_wave_block *blocks = n ? malloc(n * sizeof *blocks) : NULL;
    if (n && !blocks) {
        free(ev);
        return -ENOMEM;
    }
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) {
        if (nb == 0 || blocks[nb - 1].t_ns != ev[i].t) blocks[nb++] = (strobe_wave_block){.t_ns = ev[i].t};
        if (ev[i].level) blocks[nb - 1].set_mask |= 1u << ev[i].pin;
        else blocks[nb - 1].clr_mask |= 1u << ev[i].pin;
    }
    free(ev);

    /* Across channels: distinct edge times closer than the engine can keep, the wrap from the
     * last block of a period to the first of the next included. */
    for (size_t i = 0; i < nb; i++) {
        const strobe_wave_block *a, *b;
        uint64_t gap, tb;
        if (i + 1 < nb) {
            a = &blocks[i];
            b = &blocks[i + 1];
            gap = b->t_ns - a->t_ns;
            tb = b->t_ns;
        } else if (!oneshot && nb > 1) {
            a = &blocks[nb - 1];
            b = &blocks[0];
            gap = period - a->t_ns + b->t_ns;
            tb = period + b->t_ns;
        } else {
            break;
        }
        if (gap < min_gap_ns) {
            uint64_t ta = a->t_ns;
            unsigned pa = lowest_pin(a->set_mask | a->clr_mask), pb = lowest_pin(b->set_mask | b->clr_mask);
            free(blocks);
            return fail(why, why_len,
                        "edges at %llu ns (GPIO%u) and %llu ns (GPIO%u) are %llu ns apart, closer than the %llu ns the engine can keep",
                        (unsigned long long)ta, pa, (unsigned long long)tb, pb, (unsigned long long)gap,
                        (unsigned long long)min_gap_ns);
        }
    }

    w->blocks = blocks;
    w->nblocks = nb;
    w->period = oneshot ? 0 : period;
    w->duration = oneshot ? (nb ? blocks[nb - 1].t_ns : 0) : period;
    w->pins = pins;
    w->level0 = level0;
    w->compiled = true;
    return 0;
}

bool strobe_wave_is_compiled(const strobe_wave *w) { return w->compiled; }
size_t strobe_wave_block_count(const strobe_wave *w) { return w->compiled ? w->nblocks : 0; }
const strobe_wave_block *strobe_wave_blocks(const strobe_wave *w) { return w->compiled ? w->blocks : NULL; }
uint64_t strobe_wave_period_ns(const strobe_wave *w) { return w->compiled ? w->period : 0; }
uint64_t strobe_wave_duration_ns(const strobe_wave *w) { return w->compiled ? w->duration : 0; }
uint32_t strobe_wave_pins(const strobe_wave *w) { return w->compiled ? w->pins : 0; }
uint32_t strobe_wave_initial_levels(const strobe_wave *w) { return w->compiled ? w->level0 : 0; }
