/*
 * strobe_vbench.h — the virtual bench: a simulated GPIO register block with hardware semantics.
 *
 * How it works: the bench maps the same memory twice. Drivers get a read-only *window* and write
 * to it exactly as they write to /dev/gpiomem — the same C and Swift code, the same machine
 * instructions. Each store to the window faults; the bench's SIGSEGV handler decodes the store
 * instruction, applies what the hardware would do (write-1-to-set/clear, function select, pull
 * latching, event-detect clearing, RP1 XOR/SET/CLR aliases) through the writable view, and
 * resumes after the instruction. Reads are plain loads of state the model keeps current. So the
 * hardware path carries no hook at all; the bench pays about a signal per store.
 *
 * Time is virtual: it moves only when the test (or a waveform player given this clock) moves
 * it, or by a fixed cost per trapped store. Every pin change is recorded with its virtual time
 * and can be exported as VCD.
 */
#ifndef STROBE_VBENCH_H
#define STROBE_VBENCH_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_regs.h"
#include "strobe_clock.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A virtual bench. Opaque; safe to use from several threads. */
typedef struct strobe_vbench strobe_vbench;

/** One recorded pin change. */
typedef struct strobe_vbench_event {
    uint64_t time_ns; /**< virtual time of the change */
    uint8_t pin;
    uint8_t level;    /**< new level, 0 or 1 */
} strobe_vbench_event;

/** One register write the bench applied: a 32-bit word at a byte offset of the block. */
typedef struct strobe_vbench_write {
    uint64_t time_ns; /**< virtual time of the write */
    uint32_t offset;  /**< byte offset of the register in the block (an RP1 alias included) */
    uint32_t value;   /**< the word written */
} strobe_vbench_write;

/** How many register writes the bench remembers (the newest win). */
#define STROBE_VBENCH_WRITE_LOG 4096u

/**
 * Make a bench for `layout` in its reset state (every pin an input, BCM default pulls).
 * Returns NULL and sets `*err` to a negative errno on failure (-ENOTSUP on a CPU whose store
 * instructions the bench can't decode: it supports x86_64 and aarch64).
 */
strobe_vbench *strobe_vbench_new(strobe_layout layout, int *err);
/** Free the bench. Its window must no longer be used. */
void strobe_vbench_free(strobe_vbench *bench);
/** The layout. */
strobe_layout strobe_vbench_layout(const strobe_vbench *bench);
/** The register window drivers use in place of a mapped device. */
volatile uint32_t *strobe_vbench_block(const strobe_vbench *bench);

/** Drive an input pin from outside: level 0 or 1, or -1 to stop driving (the pull decides). */
int strobe_vbench_drive(strobe_vbench *bench, unsigned pin, int level);
/* ------------------------------------------------------------------------------------------ */
/* Device models: chips on the bench's pins, answering pin changes in virtual time.            */
/* ------------------------------------------------------------------------------------------ */

/** How many models one bench holds at once. */
#define STROBE_VBENCH_MAX_MODELS 16
/** How deep responses may chain (a model's drive changing a pin another model watches, ...). */
#define STROBE_VBENCH_MODEL_DEPTH 8

/**
 * A device model: a callback for level changes of the pins in `watch` (bit n = GPIO n).
 *
 * `pin_changed(ctx, bench, time_ns, pin, level)` is called synchronously for every change of a
 * watched pin's modelled level — a store that changes an output's level, a function change, an
 * outside drive, another model's drive — at the virtual time of the change, after the change
 * is on the level registers. It may answer with strobe_vbench_model_drive (and read levels
 * with strobe_vbench_model_level); the bench settles its drives before the store that caused
 * the change returns, so the driver's next load of the level register sees the response:
 * the model is as fast as a chip whose output follows the clock edge at once.
 *
 * Constraints. The callback usually runs inside the bench's SIGSEGV handler, on the thread
 * whose store trapped, with the bench's (non-recursive) lock held. So it must:
 * - call no other strobe_vbench_* function than the two model_ ones (they would take the
 *   lock again and deadlock), nor anything that stores to a bench's register block;
 * - take no lock the interrupted code might hold (that thread may be inside any code that
 *   stores to the block, e.g. holding a strobe_gpio handle's lock), and never block or sleep;
 * - stay async-signal-safe: no malloc, no stdio; keep to its own state and arithmetic.
 * State the test changes from outside (an ADC's input voltage) is changed under the bench's
 * lock with strobe_vbench_with_lock, so a callback never sees it half-written.
 *
 * `release(ctx)`, if not NULL, is called once when the model is detached or the bench freed
 * (outside the lock, from an ordinary thread).
 *
 * `timer(ctx, bench, time_ns)`, if not NULL, is how a model acts at a later virtual time with
 * no pin change (a target releasing a stretched clock, a write cycle ending, a presence pulse):
 * from inside either callback the model arms its one timer with strobe_vbench_model_schedule,
 * and the bench calls `timer` — and only `timer`, so the model knows it is a timer call — at
 * exactly that virtual time, under the same constraints as `pin_changed` (lock held, may drive
 * and read pins). Virtual time moves only in strobe_vbench_advance, the bench clock's sleep and
 * spin, and the store cost; each of them stops at every deadline on the way, sets the clock to
 * it, fires the timer and settles its drives (so other models see the changes, and the change
 * log and VCD stamp them with the deadline), then goes on; changes after the move are stamped
 * later. Models written before the field existed leave it zero and never get timer calls.
 */
typedef struct strobe_vbench_model {
    uint64_t watch;
    void (*pin_changed)(void *ctx, strobe_vbench *bench, uint64_t time_ns, unsigned pin, unsigned level);
    void (*release)(void *ctx);
    void *ctx;
    void (*timer)(void *ctx, strobe_vbench *bench, uint64_t time_ns);
} strobe_vbench_model;

/** Attach `model` (copied). Returns its id (> 0), or -EINVAL (no callback, a watched pin the
 *  layout lacks) or -ENOSPC (STROBE_VBENCH_MAX_MODELS attached). */
int strobe_vbench_attach_model(strobe_vbench *bench, const strobe_vbench_model *model);
/** Detach model `id` and release it. Returns 0 or -ENOENT. Not from inside a callback. */
int strobe_vbench_detach_model(strobe_vbench *bench, int id);
/**
 * From inside a model's callback only: drive input `pin` to `level` (0, 1; -1 stops driving
 * so the pull decides), as strobe_vbench_drive does, without taking the lock (the callback
 * holds it). Returns 0, -EINVAL (bad pin or level) or -EPERM (not called from a callback).
 */
int strobe_vbench_model_drive(strobe_vbench *bench, unsigned pin, int level);
/** From inside a model's callback only: the pin's modelled level (0/1), -EINVAL, -EPERM. */
int strobe_vbench_model_level(strobe_vbench *bench, unsigned pin);
/**
 * From inside a model's callback only (pin_changed or timer): arm the calling model's timer for
 * virtual time `time_ns`, replacing the time it was armed for. `time_ns` may be now: the timer
 * then fires at the next move of virtual time, even one of 0 ns. Deadlines fire in time order
 * (ties in attachment order); a timer that re-arms itself for the instant it fired at more than
 * STROBE_VBENCH_MODEL_DEPTH times in a row is disarmed and counted in model_overruns.
 * Returns 0, -EINVAL (the model has no timer callback, or `time_ns` is in the past or beyond
 * STROBE_TIME_MAX_NS) or -EPERM (not called from a callback).
 */
int strobe_vbench_model_schedule(strobe_vbench *bench, uint64_t time_ns);
/** From inside a model's callback only: disarm the calling model's timer (0 or -EPERM). */
int strobe_vbench_model_cancel(strobe_vbench *bench);
/** The earliest armed timer of any model, or UINT64_MAX when none is armed. */
uint64_t strobe_vbench_next_deadline(strobe_vbench *bench);
/** Run `fn(bench, ctx)` with the bench's lock held: how a test changes a model's state so
 *  that no callback sees it half-changed. `fn` follows the callback's constraints. */
int strobe_vbench_with_lock(strobe_vbench *bench, void (*fn)(strobe_vbench *bench, void *ctx), void *ctx);
/** Pin changes not passed to models because responses chained deeper than
 *  STROBE_VBENCH_MODEL_DEPTH (0 unless a model answers its own drives for ever). */
uint64_t strobe_vbench_model_overruns(strobe_vbench *bench);

/**
 * An MCP3008 (Microchip 8-channel 10-bit ADC, datasheet DS21295) on the bench's pins `cs`
 * (active low), `sck`, `mosi` (its DIN) and `miso` (its DOUT), with reference `vref` volts,
 * every input at 0 V. SPI mode 0,0 or 1,1: it samples DIN on rising SCK edges and changes DOUT
 * on falling edges, whichever level SCK idles at ([MCP3008] 6.1). Framing ([MCP3008] 5.0,
 * figures 5-1 and 5-2): with CS low, leading zeros on DIN are ignored; the first 1 is the start
 * bit; then SGL/DIFF and D2 D1 D0 choose the input (table 5-2); the falling edge after the
 * next clock puts out a null bit (0), the next ten falling edges B9…B0 (MSB first), and then,
 * while clocks go on, B1…B9 (LSB first) and zeros. DOUT is high-impedance (not driven, the
 * pull decides) while CS is high and before the null bit. Code = 1024·VIN/VREF truncated,
 * at most 1023 (equation 4-1; differential: IN+ − IN−, 0 when negative), VIN taken at the
 * end of the sample period (the falling edge after D0 + 1 clock).
 * Returns the model id (> 0, for strobe_vbench_detach_model) or a negative errno (-EINVAL:
 * a pin the layout lacks, a pin twice, vref not finite and > 0; -ENOMEM; -ENOSPC).
 */
int strobe_vbench_attach_mcp3008(strobe_vbench *bench, unsigned cs, unsigned sck, unsigned mosi, unsigned miso,
                                 double vref);
/** Set input `channel` (0-7) of MCP3008 model `id` to `volts` (finite; below 0 counts as 0).
 *  Returns 0, -EINVAL or -ENOENT (no MCP3008 with that id). */
int strobe_vbench_mcp3008_set_input(strobe_vbench *bench, int id, unsigned channel, double volts);
/** Conversions model `id` has completed (start bit through the end of the sample period). */
int64_t strobe_vbench_mcp3008_conversions(strobe_vbench *bench, int id);

/** The pin's modelled level (what a scope would see). */
int strobe_vbench_level(strobe_vbench *bench, unsigned pin);
/** The pin's modelled pull (a strobe_pull value), known even where hardware can't read it back. */
int strobe_vbench_pull(strobe_vbench *bench, unsigned pin);

/** Virtual time now, in ns. */
uint64_t strobe_vbench_now(strobe_vbench *bench);
/** Move virtual time forward by `ns`. Returns 0, or -EOVERFLOW (time unchanged) when that
 *  would pass STROBE_TIME_MAX_NS: virtual time never wraps. */
int strobe_vbench_advance(strobe_vbench *bench, uint64_t ns);
/**
 * The bench's virtual clock, for everything timed that runs on the bench (waveform player,
 * register handles' set-up waits): `now` is strobe_vbench_now; sleep and spin move virtual time
 * forward to their deadline (never back) and return at once; `virtual_time` is true. The bench
 * must outlive every user of the clock.
 */
strobe_clock strobe_vbench_clock(strobe_vbench *bench);
/** The most virtual time one store may cost: 1 s. */
#define STROBE_VBENCH_MAX_STORE_COST_NS 1000000000ull
/** Virtual time that each trapped register store costs (default 0; at most
 *  STROBE_VBENCH_MAX_STORE_COST_NS, a larger cost is that). Stores past the end of time
 *  (STROBE_TIME_MAX_NS) leave the clock there. */
void strobe_vbench_set_store_cost(strobe_vbench *bench, uint64_t ns);

/** Number of register stores the bench has trapped and applied. */
uint64_t strobe_vbench_store_count(strobe_vbench *bench);
/** Register writes applied since the bench was made (a wide store counts once per word). */
uint64_t strobe_vbench_write_count(strobe_vbench *bench);
/**
 * Copy up to `cap` register writes, oldest first, from sequence number `*cursor` (0 is the
 * bench's first write), advancing `*cursor` past them; writes already forgotten (the log keeps
 * the last STROBE_VBENCH_WRITE_LOG) are skipped. Returns the number copied. This is how a test
 * checks a register sequence and its timing, such as the BCM2835 pull change's set-up waits.
 */
size_t strobe_vbench_writes_since(strobe_vbench *bench, uint64_t *cursor, strobe_vbench_write *out, size_t cap);
/** Number of recorded pin changes. */
size_t strobe_vbench_event_count(strobe_vbench *bench);
/** Copy recorded change `index` into `*event`. Returns 0 or -ERANGE. */
int strobe_vbench_event_at(strobe_vbench *bench, size_t index, strobe_vbench_event *event);
/**
 * An eventfd that becomes readable whenever a change is recorded (each change adds 1 to its
 * counter). Event monitors poll it; they read it to reset it. Owned by the bench.
 */
int strobe_vbench_notify_fd(strobe_vbench *bench);
/** Bumped whenever the change log is cleared or reloaded. */
uint64_t strobe_vbench_generation(strobe_vbench *bench);
/**
 * Copy up to `cap` recorded changes of `pin` from position `*cursor` of the change log into
 * `out`, advancing `*cursor`. When the log was cleared since (`*generation` differs) reading
 * starts again from its beginning. Returns the number copied.
 */
size_t strobe_vbench_events_since(strobe_vbench *bench, uint64_t *generation, size_t *cursor, unsigned pin,
                                  strobe_vbench_event *out, size_t cap);
/** Forget recorded changes (the current levels stay the VCD's initial values). */
void strobe_vbench_clear_events(strobe_vbench *bench);
/**
 * Write the recorded changes of the pins in `pins` (bit n = GPIO n; 0 = every pin that changed)
 * as a VCD file at `path`, timescale 1 ns, one wire per pin named GPIOn.
 */
int strobe_vbench_write_vcd(strobe_vbench *bench, const char *path, uint64_t pins);

/**
 * Save the bench (registers and model, not the recorded changes) to `path`, atomically: the
 * state goes to a new file made exclusively (mkstemp, mode 0600) in `path`'s directory, is
 * fsync'ed, then renamed over `path` — so a crash leaves the old state or the new one, never a
 * torn file, and nothing is ever written through a link planted at a temporary name. `path`
 * itself, when it exists, must be a regular file (a symbolic link or a device is refused with
 * -ELOOP / -EINVAL rather than replaced). Returns 0 or a negative errno.
 */
int strobe_vbench_save(strobe_vbench *bench, const char *path);
/**
 * Load a state saved by strobe_vbench_save. -ENOENT: no file; -ELOOP: `path` is a symbolic
 * link (not followed); -EINVAL: not a regular file, or not a state file (a torn or foreign
 * file, or one holding what no bench can be in: a pull other than none, down or up, a pin the
 * layout lacks driven or at a level); -EXDEV: a state file of another layout.
 */
int strobe_vbench_load(strobe_vbench *bench, const char *path);
/**
 * Whether `path` may be replaced by a state file: 0 when there is nothing there or a Strobe
 * state file of any layout; -ELOOP for a symbolic link, -EINVAL for anything else (another
 * kind of file, or a regular file that is not a state file).
 */
int strobe_vbench_check_state_file(const char *path);
/**
 * Lock `path`'s state for one read-modify-write: an exclusive flock on `path`.lock (created
 * mode 0600, never through a symbolic link), waited for. Returns the lock's file descriptor
 * (>= 0; pass it to strobe_vbench_unlock_state) or a negative errno (-ELOOP: the lock's name is
 * a symbolic link). With the lock held, removes the temporary files ("PATH.XXXXXX", regular,
 * ours) that a save killed before its rename left behind.
 */
int strobe_vbench_lock_state(const char *path);
/** Release a lock taken by strobe_vbench_lock_state. */
void strobe_vbench_unlock_state(int fd);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_VBENCH_H */
