/*
 * wave_player.c — the player of the "DMA-style" engine (ARCHITECTURE.md "Timing"): it plays
 * the control blocks wave.c compiles.
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
    size_t n = strobe_wave_block_count(w);
    size_t bytes = round_page(sizeof(prog) + n * sizeof(strobe_wave_block), p->page);
    void *mem = NULL;
    if (posix_memalign(&mem, p->page, bytes)) return NULL;
    prog *g = mem;
    *g = (prog){.bytes = bytes, .period = strobe_wave_period_ns(w), .duration = strobe_wave_duration_ns(w),
                .pins = strobe_wave_pins(w), .level0 = strobe_wave_initial_levels(w), .n = n};
    if (n) memcpy(g->blocks, strobe_wave_blocks(w), n * sizeof(strobe_wave_block));
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
    else if (cfg->spin_ns > STROBE_NS_PER_S || cfg->start_lead_ns > STROBE_NS_PER_S || cfg->late_ns > STROBE_NS_PER_S ||
             cfg->record_capacity > STROBE_PLAYER_MAX_RECORDS)
        e = -ERANGE; /* waits of over a second, or a ring of gigabytes: a mistake, not a setting */
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
        /* A pass that starts past the end of time would wrap its deadlines: refuse it. */
        if (strobe_time_add(clock_now(p), p->cfg.start_lead_ns, &p->base) != 0) {
            atomic_store(&p->state, STROBE_PLAYER_IDLE);
            p->cur = NULL;
            prog_free(g);
            return -EOVERFLOW;
        }
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
    if (!w || !strobe_wave_is_compiled(w)) return -EINVAL;
    if (atomic_load(&p->state) == STROBE_PLAYER_PLAYING) return -EBUSY;
    free_retired(p);
    prog *g = prog_new(p, w);
    if (!g) return -ENOMEM;
    return start_prog(p, g);
}

int strobe_player_swap(strobe_player *p, const strobe_wave *w) {
    if (!w || !strobe_wave_is_compiled(w)) return -EINVAL;
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
    if (until_ns > STROBE_TIME_MAX_NS) return -ERANGE; /* the clock never gets there */
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
