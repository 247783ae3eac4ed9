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
