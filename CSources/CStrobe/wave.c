/*
 * wave.c — the waveform compiler and the player (the "DMA-style" engine, ARCHITECTURE.md
 * "Timing").
 *
 * The compiler turns channels (PWM, servo, pulse trains) into one sorted list of control
 * blocks over their common period, the way pigpio builds DMA control blocks for the BCM DMA
 * engine ([BCM2835] chapter 4 "DMA Controller", 4.2.1.1 "Control Blocks"): each block says
 * when, and which pins to set and clear with one GPSET0 and one GPCLR0 store ([BCM2835] 6.1;
 * on RP1 the SYS_RIO0 OUT SET/CLR aliases, [RP1] 2.4).
 *
 * The player is a software DMA engine: a loop that waits for each block's time (sleep across
 * long gaps, spin on the clock for the final approach), stores the masks through strobe_w32,
 * reads the clock again and records both times. The schedule is absolute — block times are
 * offsets from the start of the current pass — so a late block never shifts the ones after
 * it, and lateness never accumulates into drift. Late blocks are written as soon as possible,
 * never dropped, except that a stall longer than a whole period skips whole periods at the
 * next boundary rather than bursting runt pulses.
 *
 * Concurrency: a threaded player's loop runs on its own thread; the caller's thread may swap
 * in a new waveform (one atomic pointer), ask it to stop (one atomic flag) and read records
 * (a ring with a published count). The hot loop takes no lock and calls no allocator.
 */
#define _GNU_SOURCE
#include "strobe_wave.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

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

/* ------------------------------------------------------------------------------------------ */
/* Player                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define MAX_WARNINGS 8
#define WARNING_LEN 320
/* Sleep at most this long at a time, so STROBE_STOP_NOW is seen within it during long gaps. */
#define MAX_SLEEP_NS 10000000ull
/* The player thread's stack: the loop needs little, and a small stack is cheap to lock. */
#define THREAD_STACK_SIZE (256u * 1024u)

/* A waveform as the player holds it: one page-aligned allocation, so locking and unlocking
 * it never touches memory anything else shares. */
typedef struct prog {
    struct prog *next; /* link in the retired list */
    size_t bytes;      /* allocation size, whole pages */
    bool locked;
    uint64_t period;   /* 0: one-shot */
    uint64_t duration; /* pass length: the period, or the one-shot's last block */
    uint32_t pins, level0;
    size_t n;
    strobe_wave_block blocks[];
} prog;

enum { STOP_NONE = 0, STOP_NOW_REQ = 1, STOP_BOUNDARY_REQ = 2 };
enum { RUN_REACHED, RUN_STOPPED, RUN_DONE };

struct strobe_player {
    strobe_player_config cfg;
    size_t bytes; /* this allocation, whole pages */

    /* Playback state: owned by whoever plays — the thread while it runs, else the caller. */
    prog *cur;
    uint64_t base;        /* clock time the current pass started */
    size_t idx;           /* next block of the current pass */
    bool entry;           /* the current wave's start block is still to be written */
    uint32_t entry_flags; /* STROBE_EDGE_START or STROBE_EDGE_SWAP */
    uint32_t next_flags;  /* added to the next record (STROBE_EDGE_RESYNC) */

    _Atomic int state;
    _Atomic int stop_req;
    _Atomic(prog *) pending;        /* swapped in, waiting for a boundary */
    _Atomic(prog *) retired;        /* played out, for the caller to free (pushed by the loop) */
    _Atomic uint64_t pass_start;
    _Atomic uint64_t skipped;       /* whole periods skipped after stalls */

    uint32_t driven; /* every pin given to the player since the last release */
    pthread_t thread;
    bool joinable;
    sem_t ready;
    size_t page;

    unsigned rt_active;
    bool warned_wave_lock;
    char warnings[MAX_WARNINGS][WARNING_LEN];
    _Atomic size_t nwarnings;

    strobe_edge_record *rec;
    size_t rec_bytes;
    _Atomic uint64_t rec_total;
};

void strobe_player_config_init(strobe_player_config *cfg, volatile uint32_t *set_reg, volatile uint32_t *clr_reg,
                               strobe_clock clock) {
    bool real = !clock.virtual_time;
    *cfg = (strobe_player_config){
        .set_reg = set_reg,
        .clr_reg = clr_reg,
        .clock = clock,
        .threaded = real,
        .spin_ns = real ? 100000 : 0,
        .start_lead_ns = real ? 1000000 : 0,
        .late_ns = 10000,
        .record_capacity = 65536,
        .rt_priority = 50,
        .cpu = -1,
        .lock_memory = STROBE_LOCK_PLAYER,
    };
}

static size_t round_page(size_t bytes, size_t page) { return (bytes + page - 1) / page * page; }

__attribute__((format(printf, 2, 3)))
static void warn(strobe_player *p, const char *fmt, ...) {
    size_t i = atomic_load(&p->nwarnings);
    if (i >= MAX_WARNINGS) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->warnings[i], WARNING_LEN, fmt, ap);
    va_end(ap);
    atomic_store(&p->nwarnings, i + 1); /* publishes the text to readers */
}

static const char *error_text(int err, char *buf, size_t len) {
    return strerror_r(err, buf, len); /* the GNU variant: returns the text */
}

static prog *prog_new(strobe_player *p, const strobe_wave *w) {
    size_t bytes = round_page(sizeof(prog) + w->nblocks * sizeof(strobe_wave_block), p->page);
    void *mem = NULL;
    if (posix_memalign(&mem, p->page, bytes)) return NULL;
    prog *g = mem;
    *g = (prog){.bytes = bytes, .period = w->period, .duration = w->duration, .pins = w->pins, .level0 = w->level0, .n = w->nblocks};
    if (w->nblocks) memcpy(g->blocks, w->blocks, w->nblocks * sizeof *w->blocks);
    /* A wave swapped into a locked player is locked too, here on the caller's thread, so the
     * loop never faults on it. */
    if ((p->rt_active & STROBE_RT_MLOCK) && p->cfg.lock_memory == STROBE_LOCK_PLAYER) {
        if (mlock(g, bytes) == 0) g->locked = true;
        else if (!p->warned_wave_lock) {
            char b[64];
            p->warned_wave_lock = true;
            warn(p, "locking a swapped-in waveform (%zu bytes) failed (%s): its first pass may fault; raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK",
                 bytes, error_text(errno, b, sizeof b));
        }
    }
    return g;
}

static void prog_free(prog *g) {
    if (!g) return;
    if (g->locked) munlock(g, g->bytes);
    free(g);
}

static void free_retired(strobe_player *p) {
    prog *g = atomic_exchange(&p->retired, NULL);
    while (g) {
        prog *next = g->next;
        prog_free(g);
        g = next;
    }
}

/* Lock-free push (the loop may not block): a Treiber stack that is only ever emptied whole,
 * so there is no ABA hazard. */
static void retire(strobe_player *p, prog *g) {
    prog *head = atomic_load_explicit(&p->retired, memory_order_relaxed);
    do {
        g->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&p->retired, &head, g, memory_order_release, memory_order_relaxed));
}

strobe_player *strobe_player_new(const strobe_player_config *cfg, int *err) {
    int e = 0;
    if (!cfg || !cfg->set_reg || !cfg->clr_reg || !cfg->clock.now || !cfg->clock.sleep_until || !cfg->clock.spin_until)
        e = -EINVAL;
    else if (cfg->threaded && cfg->clock.virtual_time) e = -EINVAL; /* a virtual clock is played synchronously */
    else if (cfg->rt_priority < 0 || cfg->rt_priority > 99 || cfg->cpu < -1) e = -EINVAL;
    else if (cfg->lock_memory != STROBE_LOCK_NONE && cfg->lock_memory != STROBE_LOCK_PLAYER && cfg->lock_memory != STROBE_LOCK_ALL)
        e = -EINVAL;
    if (e) {
        if (err) *err = e;
        return NULL;
    }
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    size_t bytes = round_page(sizeof(strobe_player), page);
    void *mem = NULL;
    if (posix_memalign(&mem, page, bytes)) {
        if (err) *err = -ENOMEM;
        return NULL;
    }
    strobe_player *p = memset(mem, 0, bytes);
    p->cfg = *cfg;
    p->bytes = bytes;
    p->page = page;
    if (cfg->record_capacity) {
        if (cfg->record_capacity > SIZE_MAX / sizeof(strobe_edge_record) / 2) {
            free(p);
            if (err) *err = -ENOMEM;
            return NULL;
        }
        p->rec_bytes = round_page(cfg->record_capacity * sizeof(strobe_edge_record), page);
        void *r = NULL;
        if (posix_memalign(&r, page, p->rec_bytes)) {
            free(p);
            if (err) *err = -ENOMEM;
            return NULL;
        }
        /* Touch every page now so the first records don't fault in the loop. */
        p->rec = memset(r, 0, p->rec_bytes);
    }
    atomic_init(&p->state, STROBE_PLAYER_IDLE);
    atomic_init(&p->stop_req, STOP_NONE);
    atomic_init(&p->pending, NULL);
    atomic_init(&p->retired, NULL);
    atomic_init(&p->pass_start, 0);
    atomic_init(&p->skipped, 0);
    atomic_init(&p->nwarnings, 0);
    atomic_init(&p->rec_total, 0);
    if (sem_init(&p->ready, 0, 0)) {
        free(p->rec);
        free(p);
        if (err) *err = -errno;
        return NULL;
    }
    if (err) *err = 0;
    return p;
}

/* --- the hot loop ------------------------------------------------------------------------ */

static inline uint64_t clock_now(const strobe_player *p) { return strobe_clock_now(&p->cfg.clock); }

/* Only the playing context writes records; readers see them once rec_total is published. */
static inline void record(strobe_player *p, uint64_t scheduled, uint64_t actual, uint32_t set, uint32_t clr, uint32_t flags) {
    size_t cap = p->cfg.record_capacity;
    if (!cap) return;
    uint64_t seq = atomic_load_explicit(&p->rec_total, memory_order_relaxed);
    if (actual - scheduled > p->cfg.late_ns) flags |= STROBE_EDGE_LATE;
    p->rec[seq % cap] = (strobe_edge_record){
        .scheduled_ns = scheduled, .actual_ns = actual, .set_mask = set, .clr_mask = clr, .flags = flags};
    atomic_store_explicit(&p->rec_total, seq + 1, memory_order_release);
}

/* One block: set, then clear (each only when it has pins), then the clock — the actual time
 * is when the stores have been issued. */
static inline void write_block(strobe_player *p, uint64_t scheduled, uint32_t set, uint32_t clr, uint32_t flags) {
    if (set) strobe_w32(p->cfg.set_reg, set);
    if (clr) strobe_w32(p->cfg.clr_reg, clr);
    record(p, scheduled, clock_now(p), set, clr, flags | p->next_flags);
    p->next_flags = 0;
}

/* Bring the clock to `t`: sleep (absolute, so a late wake-up never adds up) until spin_ns
 * before `t`, then spin on the clock: the sleep saves the CPU, the spin absorbs the kernel's
 * wake-up latency. A virtual clock's sleep and spin move virtual time, so there the wait is
 * exact. Returns false when told to stop now. */
static bool wait_until(strobe_player *p, uint64_t t) {
    const strobe_clock *c = &p->cfg.clock;
    for (;;) {
        uint64_t now = strobe_clock_now(c);
        if (now >= t) return true;
        if (atomic_load_explicit(&p->stop_req, memory_order_relaxed) == STOP_NOW_REQ) return false;
        if (t - now <= p->cfg.spin_ns) {
            strobe_clock_spin_until(c, t);
            return true;
        }
        uint64_t wake = t - p->cfg.spin_ns;
        /* A real sleep is cut into pieces so that a stop request is seen within one of them. */
        if (!c->virtual_time && wake - now > MAX_SLEEP_NS) wake = now + MAX_SLEEP_NS;
        strobe_clock_sleep_until(c, wake);
    }
}

/* Play every event due at or before `until`. Events are: the start block of a newly started
 * or swapped-in wave (at the pass start), the blocks, and the pass boundary, where a stop at
 * the boundary or a pending swap takes effect. */
static int play(strobe_player *p, uint64_t until) {
    for (;;) {
        if (atomic_load_explicit(&p->stop_req, memory_order_relaxed) == STOP_NOW_REQ) return RUN_STOPPED;
        prog *c = p->cur;
        uint64_t t;
        if (p->entry) t = p->base;
        else if (p->idx < c->n) t = p->base + c->blocks[p->idx].t_ns;
        else t = p->base + c->duration;
        if (t > until) return wait_until(p, until) ? RUN_REACHED : RUN_STOPPED;
        if (!wait_until(p, t)) return RUN_STOPPED;

        if (p->entry) {
            /* Every pin of the wave to its level at t = 0 (after any block at 0, which this
             * replaces in the first pass). Pins already there see no change. */
            write_block(p, t, c->pins & c->level0, c->pins & ~c->level0, p->entry_flags);
            p->entry = false;
            p->idx = c->n && c->blocks[0].t_ns == 0 ? 1 : 0;
        } else if (p->idx < c->n) {
            const strobe_wave_block *b = &c->blocks[p->idx++];
            write_block(p, t, b->set_mask, b->clr_mask, 0);
        } else {
            /* The boundary: the old pass is complete, so stopping or swapping here never
             * shortens or stretches a period. */
            p->base = t;
            if (c->period) {
                /* A stall (a suspended process, a CPU taken away) longer than a whole period:
                 * writing every missed block now would be a burst of runt pulses. Skip whole
                 * periods instead, staying on the period grid, and say so. */
                uint64_t now = clock_now(p);
                if (now > t && now - t >= c->duration) {
                    uint64_t k = (now - t) / c->duration;
                    p->base = t + k * c->duration;
                    atomic_fetch_add_explicit(&p->skipped, k, memory_order_relaxed);
                    p->next_flags |= STROBE_EDGE_RESYNC;
                }
            }
            if (atomic_load_explicit(&p->stop_req, memory_order_relaxed) == STOP_BOUNDARY_REQ) return RUN_STOPPED;
            prog *next = atomic_load_explicit(&p->pending, memory_order_relaxed) ? atomic_exchange(&p->pending, NULL) : NULL;
            if (next) {
                retire(p, c);
                p->cur = next;
                p->entry = true;
                p->entry_flags = STROBE_EDGE_SWAP;
            } else if (c->period == 0) {
                return RUN_DONE;
            } else {
                p->idx = 0;
            }
            atomic_store_explicit(&p->pass_start, t, memory_order_relaxed);
        }
    }
}

/* A one-shot ended: DONE, unless a swap arrived after the loop last looked (then the caller
 * that swapped sees DONE and starts its wave itself — see strobe_player_swap). */
static void finish(strobe_player *p, int result) {
    if (result == RUN_DONE) atomic_store(&p->state, STROBE_PLAYER_DONE);
}

/* --- real-time settings, on the player thread --------------------------------------------- */

static void lock_player_memory(strobe_player *p) {
    char b[64];
    if (p->cfg.lock_memory == STROBE_LOCK_ALL) {
        /* Process-wide; the caller asked for it. Never undone here: another part of the
         * process may rely on it. */
        if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) p->rt_active |= STROBE_RT_MLOCK;
        else
            warn(p, "mlockall(MCL_CURRENT | MCL_FUTURE) failed (%s): page faults can delay edges; raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK",
                 error_text(errno, b, sizeof b));
        return;
    }
    /* Only what the loop touches: this state, the record ring, the waveform and the stack.
     * mlockall(MCL_FUTURE) would change paging for the whole host process and, under an
     * RLIMIT_MEMLOCK, make its later allocations fail — not a library's call to make. */
    int rc = mlock(p, p->bytes);
    if (rc == 0 && p->rec) rc = mlock(p->rec, p->rec_bytes);
    if (rc == 0 && !p->cur->locked) {
        rc = mlock(p->cur, p->cur->bytes);
        if (rc == 0) p->cur->locked = true;
    }
    pthread_attr_t attr;
    if (rc == 0 && pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *stack;
        size_t size;
        if (pthread_attr_getstack(&attr, &stack, &size) == 0) rc = mlock(stack, size);
        pthread_attr_destroy(&attr);
    }
    if (rc == 0) p->rt_active |= STROBE_RT_MLOCK;
    else
        warn(p, "locking the player's memory failed (%s): page faults can delay edges; raise RLIMIT_MEMLOCK (ulimit -l) or grant CAP_IPC_LOCK",
             error_text(errno, b, sizeof b));
}

static void apply_realtime(strobe_player *p) {
    char b[64];
    int rc;
    /* Timer slack (default 50 µs for normal threads) would make every sleep wake up to 50 µs
     * late, eating the spin margin; SCHED_FIFO threads get none anyway (prctl(2)). */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0)
        warn(p, "setting the timer slack to 1 ns failed (%s): sleeps may wake up to 50 µs late", error_text(errno, b, sizeof b));
    if (p->cfg.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        if (p->cfg.cpu < CPU_SETSIZE) CPU_SET(p->cfg.cpu, &set);
        rc = p->cfg.cpu < CPU_SETSIZE ? pthread_setaffinity_np(pthread_self(), sizeof set, &set) : EINVAL;
        if (rc == 0) p->rt_active |= STROBE_RT_AFFINITY;
        else
            warn(p, "pinning the player thread to CPU %d failed (%s): it may migrate between cores; pick a CPU this process may use (taskset -p %d)",
                 p->cfg.cpu, error_text(rc, b, sizeof b), (int)getpid());
    }
    if (p->cfg.rt_priority > 0) {
        struct sched_param sp = {.sched_priority = p->cfg.rt_priority};
        rc = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
        if (rc == 0) p->rt_active |= STROBE_RT_FIFO;
        else
            warn(p, "SCHED_FIFO priority %d was refused (%s): the player runs at normal priority and other tasks can delay edges; run as root, grant CAP_SYS_NICE, or raise rtprio in /etc/security/limits.conf",
                 p->cfg.rt_priority, error_text(rc, b, sizeof b));
    }
    if (p->cfg.lock_memory != STROBE_LOCK_NONE) lock_player_memory(p);
}

static void *player_thread(void *arg) {
    strobe_player *p = arg;
    apply_realtime(p);
    p->base = clock_now(p) + p->cfg.start_lead_ns;
    atomic_store(&p->pass_start, p->base);
    sem_post(&p->ready);
    finish(p, play(p, UINT64_MAX));
    if ((p->rt_active & STROBE_RT_MLOCK) && p->cfg.lock_memory == STROBE_LOCK_PLAYER) {
        /* glibc caches thread stacks for reuse: give this one back unlocked. */
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            void *stack;
            size_t size;
            if (pthread_attr_getstack(&attr, &stack, &size) == 0) munlock(stack, size);
            pthread_attr_destroy(&attr);
        }
    }
    return NULL;
}

/* --- control, on the caller's thread ----------------------------------------------------- */

static void join_thread(strobe_player *p) {
    if (!p->joinable) return;
    pthread_join(p->thread, NULL);
    p->joinable = false;
}

/* Back to idle: the loop has stopped (joined, or never threaded). */
static void reset_idle(strobe_player *p) {
    prog_free(atomic_exchange(&p->pending, NULL));
    free_retired(p);
    prog_free(p->cur);
    p->cur = NULL;
    atomic_store(&p->stop_req, STOP_NONE);
    atomic_store(&p->pass_start, 0);
    atomic_store(&p->state, STROBE_PLAYER_IDLE);
}

static int start_prog(strobe_player *p, prog *g) {
    if (atomic_load(&p->state) == STROBE_PLAYER_DONE) {
        join_thread(p);
        reset_idle(p);
    }
    p->cur = g;
    p->entry = true;
    p->entry_flags = STROBE_EDGE_START;
    p->idx = 0;
    p->next_flags = 0;
    p->driven |= g->pins;
    atomic_store(&p->stop_req, STOP_NONE);
    atomic_store(&p->state, STROBE_PLAYER_PLAYING);
    if (!p->cfg.threaded) {
        p->base = clock_now(p) + p->cfg.start_lead_ns;
        atomic_store(&p->pass_start, p->base);
        return 0;
    }
    /* The settings are reported fresh for every start. */
    atomic_store(&p->nwarnings, 0);
    p->rt_active = 0;
    p->warned_wave_lock = false;
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);
    if (rc == 0) {
        pthread_attr_setstacksize(&attr, THREAD_STACK_SIZE);
        rc = pthread_create(&p->thread, &attr, player_thread, p);
        pthread_attr_destroy(&attr);
    }
    if (rc) {
        reset_idle(p);
        return -rc;
    }
    p->joinable = true;
    /* Return once the thread has its real-time settings, so they and their warnings are
     * final when the caller looks. */
    while (sem_wait(&p->ready) != 0 && errno == EINTR) {
    }
    return 0;
}

int strobe_player_start(strobe_player *p, const strobe_wave *w) {
    if (!w || !w->compiled) return -EINVAL;
    if (atomic_load(&p->state) == STROBE_PLAYER_PLAYING) return -EBUSY;
    free_retired(p);
    prog *g = prog_new(p, w);
    if (!g) return -ENOMEM;
    return start_prog(p, g);
}

int strobe_player_swap(strobe_player *p, const strobe_wave *w) {
    if (!w || !w->compiled) return -EINVAL;
    if (atomic_load(&p->state) != STROBE_PLAYER_PLAYING) return strobe_player_start(p, w);
    free_retired(p);
    prog *g = prog_new(p, w);
    if (!g) return -ENOMEM;
    p->driven |= g->pins;
    prog_free(atomic_exchange(&p->pending, g)); /* an earlier swap still waiting never played */
    /* A one-shot may have ended after the loop last looked for a swap. The loop looks for a
     * swap and then sets DONE; here the swap is published and then the state read; both
     * sequentially consistent, so at least one side sees the other. */
    if (atomic_load(&p->state) == STROBE_PLAYER_DONE) {
        prog *mine = atomic_exchange(&p->pending, NULL);
        if (mine) return start_prog(p, mine);
    }
    return 0;
}

bool strobe_player_swap_pending(const strobe_player *p) {
    return atomic_load(&((strobe_player *)p)->pending) != NULL;
}

int strobe_player_stop(strobe_player *p, strobe_stop_mode mode) {
    int state = atomic_load(&p->state);
    if (state == STROBE_PLAYER_IDLE) return 0;
    if (mode != STROBE_STOP_NOW && mode != STROBE_STOP_AT_BOUNDARY) return -EINVAL;
    int req = mode == STROBE_STOP_NOW ? STOP_NOW_REQ : STOP_BOUNDARY_REQ;
    if (p->cfg.threaded) {
        atomic_store(&p->stop_req, req);
        join_thread(p);
    } else if (state == STROBE_PLAYER_PLAYING && req == STOP_BOUNDARY_REQ) {
        /* Synchronous: finish the pass here, on the caller's thread (virtual: instantly). */
        atomic_store(&p->stop_req, req);
        play(p, UINT64_MAX);
    }
    reset_idle(p);
    return 0;
}

int strobe_player_release(strobe_player *p, uint32_t high_mask) {
    int rc = strobe_player_stop(p, STROBE_STOP_NOW);
    if (rc) return rc;
    uint32_t set = p->driven & high_mask, clr = p->driven & ~high_mask;
    if (set) strobe_w32(p->cfg.set_reg, set);
    if (clr) strobe_w32(p->cfg.clr_reg, clr);
    p->driven = 0;
    return 0;
}

int strobe_player_run_until(strobe_player *p, uint64_t until_ns) {
    if (p->cfg.threaded) return -EBUSY;
    if (atomic_load(&p->state) == STROBE_PLAYER_PLAYING) finish(p, play(p, until_ns));
    if (clock_now(p) < until_ns) wait_until(p, until_ns);
    return 0;
}

void strobe_player_free(strobe_player *p) {
    if (!p) return;
    strobe_player_stop(p, STROBE_STOP_NOW);
    join_thread(p);
    reset_idle(p);
    sem_destroy(&p->ready);
    if (p->rec) {
        munlock(p->rec, p->rec_bytes); /* harmless when never locked */
        free(p->rec);
    }
    munlock(p, p->bytes);
    free(p);
}

/* --- readers ------------------------------------------------------------------------------ */

strobe_player_state strobe_player_get_state(const strobe_player *p) {
    return (strobe_player_state)atomic_load(&((strobe_player *)p)->state);
}

uint64_t strobe_player_pass_start_ns(const strobe_player *p) { return atomic_load(&((strobe_player *)p)->pass_start); }

uint64_t strobe_player_skipped_periods(const strobe_player *p) { return atomic_load(&((strobe_player *)p)->skipped); }

unsigned strobe_player_rt_active(const strobe_player *p) { return p->rt_active; }

size_t strobe_player_warning_count(const strobe_player *p) { return atomic_load(&((strobe_player *)p)->nwarnings); }

const char *strobe_player_warning(const strobe_player *p, size_t index) {
    return index < strobe_player_warning_count(p) ? p->warnings[index] : NULL;
}

uint64_t strobe_player_record_total(const strobe_player *p) { return atomic_load(&((strobe_player *)p)->rec_total); }

size_t strobe_player_read_records(const strobe_player *p, uint64_t *cursor, strobe_edge_record *out, size_t cap) {
    strobe_player *mp = (strobe_player *)p;
    size_t ring = p->cfg.record_capacity;
    uint64_t total = atomic_load_explicit(&mp->rec_total, memory_order_acquire);
    uint64_t first = *cursor;
    if (first > total) first = total;
    if (ring == 0) {
        *cursor = total;
        return 0;
    }
    if (total > ring && first < total - ring) first = total - ring; /* overwritten already */
    size_t n = total - first < cap ? (size_t)(total - first) : cap;
    for (size_t i = 0; i < n; i++) out[i] = p->rec[(first + i) % ring];
    /* Seqlock-style check: the loop may have lapped the ring during the copy. Record s is
     * intact only while the writer has not started on s + ring, i.e. s + ring > total now. */
    atomic_thread_fence(memory_order_acquire);
    uint64_t after = atomic_load_explicit(&mp->rec_total, memory_order_relaxed);
    if (after >= ring && first + ring <= after) {
        uint64_t drop = after - ring + 1 - first;
        if (drop > n) drop = n;
        memmove(out, out + drop, (size_t)(n - drop) * sizeof *out);
        first += drop;
        n -= (size_t)drop;
    }
    *cursor = first + n;
    return n;
}
