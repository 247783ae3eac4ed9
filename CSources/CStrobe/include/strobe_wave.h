/*
 * strobe_wave.h — the "DMA-style" waveform engine: compiled waveforms and the player.
 *
 * pigpio hands the BCM DMA engine a list of control blocks and lets the hardware pace them on
 * a 5 µs grid. Strobe does the same job in software, on every Pi: a waveform is compiled into
 * a sorted list of control blocks (time offset, pins to set, pins to clear), and a player
 * thread writes each block's masks at its time — sleeping across long gaps, spinning on the
 * clock for the final approach — and records when every block was really written, so the
 * timing is measured rather than promised.
 *
 * Pins: the engine drives bank 0 (GPIO 0–31), which holds the 40-pin header on every layout
 * (BCM GPSET0/GPCLR0, RP1 SYS_RIO0 OUT SET/CLR aliases). Bit n of a mask is GPIO n.
 *
 * Ownership: whoever calls _new calls _free. The player copies a waveform when it is started
 * or swapped in, so the caller may free its strobe_wave as soon as the call returns.
 * Every function returns 0 or a negative errno and sets no global state.
 */
#ifndef STROBE_WAVE_H
#define STROBE_WAVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strobe_clock.h"
#include "strobe_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Waveforms                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** The longest common period the compiler accepts: 1 s (one-shot trains are bounded by
 *  STROBE_WAVE_MAX_BLOCKS instead). */
#define STROBE_WAVE_MAX_PERIOD_NS 1000000000ull
/** The most control blocks one compiled waveform may hold (16 MiB of blocks). */
#define STROBE_WAVE_MAX_BLOCKS (1u << 20)
/** A reasonable `min_gap_ns` for strobe_wave_compile: 2 µs, well above a block's store and
 *  clock-read cost on a Pi, and finer than pigpio's 5 µs DMA grid. */
#define STROBE_WAVE_DEFAULT_MIN_GAP_NS 2000ull
/** Servo pulse limits (µs) and default frame rate (Hz): the common hobby-servo range. */
#define STROBE_SERVO_MIN_US 500.0
#define STROBE_SERVO_MAX_US 2500.0
#define STROBE_SERVO_DEFAULT_HZ 50.0

/** One control block: at `t_ns` after the period starts, store `set_mask` to the set register,
 *  then `clr_mask` to the clear register. A mask of 0 means no store. */
typedef struct strobe_wave_block {
    uint64_t t_ns;
    uint32_t set_mask;
    uint32_t clr_mask;
} strobe_wave_block;

/** A waveform under construction, then compiled. Opaque; not thread-safe (one builder). */
typedef struct strobe_wave strobe_wave;

/** A new, empty waveform. Returns NULL when out of memory. Free it with strobe_wave_free. */
strobe_wave *strobe_wave_new(void);
/** Free the waveform and its blocks (NULL is fine). Players hold their own copies. */
void strobe_wave_free(strobe_wave *wave);

/*
 * Channels. Each claims one pin; adding a channel uncompiles the waveform. On error the
 * waveform is unchanged, the function returns -EINVAL, and when `why` is not NULL a sentence
 * saying what is wrong is written there (NUL-terminated, cut to `why_len`).
 */

/**
 * A PWM channel on `pin` (0–31): `freq_hz` > 0 (its period rounds to whole ns and must be at
 * most 1 s), `duty` and `phase` in 0…1. The pin rises at phase × period and stays high for
 * duty × period (both rounded to whole ns). Duty 0 holds the pin low and duty 1 holds it
 * high, with no edges — so one pin never has two edges at one instant.
 */
int strobe_wave_add_pwm(strobe_wave *wave, unsigned pin, double freq_hz, double duty, double phase,
                        char *why, size_t why_len);
/** strobe_wave_add_pwm in exact integers: period, high time (0…period) and rising-edge offset
 *  (0 ≤ offset < period) in ns. */
int strobe_wave_add_pwm_ns(strobe_wave *wave, unsigned pin, uint64_t period_ns, uint64_t high_ns,
                           uint64_t offset_ns, char *why, size_t why_len);
/**
 * A servo channel on `pin`: a `pulse_us` pulse (500–2500 µs) at the start of every frame of
 * `freq_hz` (0 means 50 Hz). The pulse must fit in the frame.
 */
int strobe_wave_add_servo(strobe_wave *wave, unsigned pin, double pulse_us, double freq_hz,
                          char *why, size_t why_len);
/**
 * A pulse train on `pin`: the pin starts at `initial_level` (0 or 1) and toggles at each of the
 * `count` strictly increasing times in `edges_ns` (copied). `loop_period_ns` 0 plays it once
 * (a one-shot); otherwise it repeats with that period, which must be longer than the last
 * edge, and `count` must be even so every period starts at the same level.
 * A one-shot train can share a waveform only with other one-shot trains.
 */
int strobe_wave_add_pulse_train(strobe_wave *wave, unsigned pin, const uint64_t *edges_ns, size_t count,
                                int initial_level, uint64_t loop_period_ns, char *why, size_t why_len);

/**
 * Merge every channel into one timeline. Periodic channels are unrolled over their common
 * period (the least common multiple of their periods, at most STROBE_WAVE_MAX_PERIOD_NS);
 * edges at the same instant merge into one block. Refused with -EINVAL and a sentence in
 * `why` when: there are no channels; the common period exceeds 1 s; one-shot and periodic
 * channels are mixed; two distinct edge times (the wrap to the next period included) are
 * closer than `min_gap_ns` — a period shorter than the engine can keep; or the timeline
 * would exceed STROBE_WAVE_MAX_BLOCKS. -ENOMEM when out of memory.
 */
int strobe_wave_compile(strobe_wave *wave, uint64_t min_gap_ns, char *why, size_t why_len);

/** Whether the waveform is compiled (and unchanged since). */
bool strobe_wave_is_compiled(const strobe_wave *wave);
/** Number of control blocks of the compiled waveform (0 when not compiled). */
size_t strobe_wave_block_count(const strobe_wave *wave);
/** The compiled blocks, sorted by time, owned by the waveform (valid until it changes or is
 *  freed); NULL when not compiled or empty. */
const strobe_wave_block *strobe_wave_blocks(const strobe_wave *wave);
/** The common period in ns; 0 for a one-shot waveform (or when not compiled). */
uint64_t strobe_wave_period_ns(const strobe_wave *wave);
/** Length of one pass: the period, or for a one-shot the time of its last block. */
uint64_t strobe_wave_duration_ns(const strobe_wave *wave);
/** Pins the waveform drives (bit n = GPIO n), held channels included. */
uint32_t strobe_wave_pins(const strobe_wave *wave);
/** Levels of the driven pins when a pass starts, after any block at t = 0 (bit set = high). */
uint32_t strobe_wave_initial_levels(const strobe_wave *wave);

/* ------------------------------------------------------------------------------------------ */
/* Player                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/** How much memory a threaded player locks into RAM. */
typedef enum strobe_lock_mode {
    STROBE_LOCK_NONE = 0,
    /** mlock the player's own memory: its state, timing records, waveform copies and thread
     *  stack — everything the hot loop touches besides code. The host process is unaffected. */
    STROBE_LOCK_PLAYER = 1,
    /** mlockall(MCL_CURRENT | MCL_FUTURE): the whole process, for dedicated real-time programs.
     *  Process-wide and never undone by the player. */
    STROBE_LOCK_ALL = 2,
} strobe_lock_mode;

/** Real-time features a threaded player asked for and got (strobe_player_rt_active). */
#define STROBE_RT_FIFO     1u /**< SCHED_FIFO at cfg.rt_priority */
#define STROBE_RT_AFFINITY 2u /**< pinned to cfg.cpu */
#define STROBE_RT_MLOCK    4u /**< memory locked as cfg.lock_memory asked */

/** Player settings. Fill with strobe_player_config_init, then adjust. */
typedef struct strobe_player_config {
    /** Bank-0 set and clear registers (GPSET0/GPCLR0, or RP1 SYS_RIO0 OUT SET/CLR aliases):
     *  the `set` and `clr` of strobe_port_make for any pin of bank 0. Every store goes through
     *  strobe_w32, so the same code drives hardware, RAM and the virtual bench. */
    volatile uint32_t *set_reg;
    volatile uint32_t *clr_reg;
    /** The clock the player waits on and stamps its records with: strobe_clock_monotonic() on
     *  hardware, the simulator's virtual clock (strobe_vbench_clock) on the bench. It must
     *  outlive the player. */
    strobe_clock clock;
    /** true: strobe_player_start plays on a dedicated thread (real clock only). false: the
     *  caller plays with strobe_player_run_until (either clock; with the virtual clock this is
     *  what makes tests deterministic). Default: true for the real clock, false for virtual. */
    bool threaded;
    /** Sleep until this long before a block, then spin on the clock for the rest. Default
     *  100 µs for a real clock — Linux wakes a sleeper tens of µs late even with zero timer
     *  slack — and 0 for a virtual one, whose sleep is already exact. */
    uint64_t spin_ns;
    /** Offset of the first block after start (real clock: lets the thread settle so the first
     *  edge is not late). Default 0 for the virtual clock, 1 ms for the real one. */
    uint64_t start_lead_ns;
    /** A record is flagged late when actual − scheduled exceeds this. Default 10 µs. */
    uint64_t late_ns;
    /** Timing records kept (a ring: the newest win). Default 65536; 0 records nothing; at
     *  most STROBE_PLAYER_MAX_RECORDS. */
    size_t record_capacity;
    /** Threaded only. SCHED_FIFO priority 1–99 to ask for; 0 does not ask. Default 50. */
    int rt_priority;
    /** Threaded only. CPU to pin the thread to; -1 does not pin. Default -1. */
    int cpu;
    /** Threaded only. What to lock into RAM. Default STROBE_LOCK_PLAYER. */
    strobe_lock_mode lock_memory;
} strobe_player_config;

/** Defaults for a player writing `set_reg`/`clr_reg` on `clock` (see each field). */
void strobe_player_config_init(strobe_player_config *cfg, volatile uint32_t *set_reg, volatile uint32_t *clr_reg,
                               strobe_clock clock);

/** One written block as the player saw it. */
typedef struct strobe_edge_record {
    uint64_t scheduled_ns; /**< when the block was due (clock time) */
    uint64_t actual_ns;    /**< clock read right after the block's last store */
    uint32_t set_mask;
    uint32_t clr_mask;
    uint32_t flags;        /**< STROBE_EDGE_* */
    uint32_t reserved;
} strobe_edge_record;

#define STROBE_EDGE_LATE  1u /**< actual − scheduled > cfg.late_ns */
#define STROBE_EDGE_START 2u /**< the start block of strobe_player_start (every driven pin) */
#define STROBE_EDGE_SWAP  4u /**< the start block of a swapped-in waveform, at a period boundary */
/** The first block after the player skipped whole periods: it fell more than a period behind
 *  (a stall), and writing every missed block at once would have been a burst of runt pulses.
 *  Late blocks are otherwise written as soon as possible, never dropped. */
#define STROBE_EDGE_RESYNC 8u

/** The edge error of a record: actual − scheduled, in ns (never negative: the player waits
 *  until a block is due before writing it). */
static inline int64_t strobe_edge_error_ns(strobe_edge_record r) {
    return (int64_t)(r.actual_ns - r.scheduled_ns);
}

/** A player. Opaque. Its functions may be called from any thread, but not concurrently for
 *  one player (the Swift wrapper serializes them), except the read-only record and state
 *  accessors, which are safe while it plays. */
typedef struct strobe_player strobe_player;

/** What the player is doing. */
typedef enum strobe_player_state {
    STROBE_PLAYER_IDLE = 0,    /**< never started, or stopped */
    STROBE_PLAYER_PLAYING = 1, /**< started (threaded: the thread runs) */
    STROBE_PLAYER_DONE = 2,    /**< a one-shot waveform played to its end */
} strobe_player_state;

/** How strobe_player_stop ends playback. */
typedef enum strobe_stop_mode {
    /** Stop before the next block: the pins keep whatever level they have now, mid-period. */
    STROBE_STOP_NOW = 0,
    /** Finish the current period (a one-shot: play it to its end), then stop: no runt pulse,
     *  and the pins end at the levels every period ends with. Blocks until then (at most one
     *  period, ≤ 1 s; a one-shot: the rest of it). */
    STROBE_STOP_AT_BOUNDARY = 1,
} strobe_stop_mode;

/** The most timing records a player keeps: 2²⁴ (a 512 MB ring at most). */
#define STROBE_PLAYER_MAX_RECORDS (1u << 24)

/**
 * A new idle player. Copies `cfg`. Returns NULL with `*err` set: -EINVAL for missing
 * registers or clock, a threaded player on a virtual clock, or a priority outside 0–99;
 * -ERANGE for a spin, start lead or late threshold over 1 s or a record capacity over
 * STROBE_PLAYER_MAX_RECORDS; -ENOMEM. Free it with strobe_player_free.
 */
strobe_player *strobe_player_new(const strobe_player_config *cfg, int *err);
/** Stop (STROBE_STOP_NOW) and free the player and its copies. Writes no pins: call
 *  strobe_player_release first to leave them in a defined state. */
void strobe_player_free(strobe_player *player);

/**
 * Start playing a compiled `wave` (copied). Its first pass begins start_lead_ns from now with
 * one start block that drives every pin of the wave to its initial level. Threaded: starts the
 * thread and returns once it has applied its real-time settings (see
 * strobe_player_rt_active and the warnings). -EINVAL: not compiled; -EBUSY: already playing;
 * -ENOMEM; -EOVERFLOW when the pass would start past STROBE_TIME_MAX_NS (virtual time at its
 * end); or the error of pthread_create.
 */
int strobe_player_start(strobe_player *player, const strobe_wave *wave);
/**
 * Replace the playing waveform with `wave` (copied) at the next period boundary of the current
 * one — a one-shot's boundary is its end — so no period is ever shortened or stretched: at the
 * boundary the new wave's start block drives its pins to their initial levels; pins only the
 * old wave drove keep the level they end every period with. A later swap before that boundary
 * replaces this one. After a one-shot, the new wave starts at the instant of the one-shot's
 * last block (its start block follows that block's stores). When the player is idle or done
 * this is strobe_player_start.
 */
int strobe_player_swap(strobe_player *player, const strobe_wave *wave);
/** Whether a swapped-in waveform is still waiting for its boundary. */
bool strobe_player_swap_pending(const strobe_player *player);
/**
 * Stop playing (see strobe_stop_mode) and, threaded, join the thread. Returns when no more
 * stores will happen. A pending swap is dropped. Idle or done: nothing to do, returns 0.
 */
int strobe_player_stop(strobe_player *player, strobe_stop_mode mode);
/**
 * Stop now, then leave every pin the player has driven since the last release in a defined
 * state: high where `high_mask` has its bit, low elsewhere (one store to set, one to clear).
 * The pins stay outputs: giving them back (function, pull) is the pin owner's job.
 */
int strobe_player_release(strobe_player *player, uint32_t high_mask);
/**
 * Synchronous playback (cfg.threaded false): play every block and period boundary due at or
 * before `until_ns` (clock time), then bring the clock to `until_ns` (virtual: advance it;
 * real: wait). Idle or done, it only brings the clock there. Returns 0, -EBUSY for a
 * threaded player, or -ERANGE for `until_ns` past STROBE_TIME_MAX_NS (the clock never gets
 * there; nothing is played).
 */
int strobe_player_run_until(strobe_player *player, uint64_t until_ns);

/** What the player is doing now. */
strobe_player_state strobe_player_get_state(const strobe_player *player);
/** Clock time at which the current pass of the playing waveform began (0 when idle). */
uint64_t strobe_player_pass_start_ns(const strobe_player *player);
/** Whole periods skipped since the player was made because it fell a period or more behind
 *  (see STROBE_EDGE_RESYNC). 0 on a healthy run. */
uint64_t strobe_player_skipped_periods(const strobe_player *player);
/** STROBE_RT_* bits the player thread asked for and got (0 before the first threaded start). */
unsigned strobe_player_rt_active(const strobe_player *player);
/** Number of warnings: real-time features that were asked for and refused. Never fatal. */
size_t strobe_player_warning_count(const strobe_player *player);
/** Warning `index` (a sentence naming the feature, the error and the fix), owned by the
 *  player; its text stays valid until the next threaded start or the player is freed (each
 *  start reports afresh). NULL when out of range. */
const char *strobe_player_warning(const strobe_player *player, size_t index);

/** Records written since the player was made (overwritten ones included). */
uint64_t strobe_player_record_total(const strobe_player *player);
/**
 * Copy up to `cap` timing records, oldest first, starting at sequence number `*cursor` (start
 * with 0), and advance `*cursor` past them. Records the ring has already overwritten are
 * skipped (the cursor jumps forward). Safe while the thread plays. Returns the number copied.
 */
size_t strobe_player_read_records(const strobe_player *player, uint64_t *cursor, strobe_edge_record *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_WAVE_H */
