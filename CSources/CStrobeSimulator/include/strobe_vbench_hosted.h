/*
 * strobe_vbench_hosted.h — device models whose logic runs on a thread of their own, so it can
 * be written in any language (Swift: StrobeSimulator's `SwiftBenchModel`).
 *
 * A model's callback (strobe_vbench_model) runs where the bench noticed the change: inside the
 * SIGSEGV handler of the thread whose store trapped, with the bench's lock held. Code there
 * must be async-signal-safe, which Swift code is not promised to be. A hosted model moves the
 * logic out: its callback only posts the event to the model's own thread and waits (a futex
 * wait, async-signal-safe) for the reply — the pins to drive and when to be woken — which it
 * then applies as a C model would. Virtual time stands still meanwhile, so the reply lands at
 * the virtual instant of the change, exactly as a C model's; only wall time passes (two thread
 * switches, some microseconds per change).
 *
 * The handler must not touch the bench or a Board on it (the waiting thread holds the bench's
 * lock): it answers from its own state and the event's snapshot of the levels. A handler that
 * doesn't answer within the model's timeout is given up on for that event (no drives; counted
 * by strobe_vbench_hosted_timeouts), so a stuck model can't hang the program under test.
 */
#ifndef STROBE_VBENCH_HOSTED_H
#define STROBE_VBENCH_HOSTED_H

#include <stdint.h>
#include "strobe_vbench.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What happened: a watched pin changed (`pin` ≥ 0) or the model's wake-up came (`pin` −1). */
typedef struct strobe_hosted_event {
    uint64_t time_ns; /**< virtual time */
    int pin;          /**< the pin that changed, or -1 for a wake-up */
    unsigned level;   /**< its new level (0 for a wake-up) */
    uint64_t levels;  /**< every pin's level at that instant, bit n = GPIO n */
} strobe_hosted_event;

/** The most pins one reply may drive. */
#define STROBE_HOSTED_MAX_DRIVES 16
/** `wake_ns` meaning "leave the wake-up as it is". */
#define STROBE_HOSTED_WAKE_KEEP 0ull
/** `wake_ns` meaning "cancel the wake-up". */
#define STROBE_HOSTED_WAKE_CANCEL 0xFFFFFFFFFFFFFFFFull

/** One pin the model drives. */
typedef struct strobe_hosted_drive {
    unsigned pin;
    int level; /**< 0, 1, or -1 to stop driving */
} strobe_hosted_drive;

/** The model's answer, filled by the handler (zeroed before each call). */
typedef struct strobe_hosted_reply {
    unsigned count; /**< drives used */
    strobe_hosted_drive drives[STROBE_HOSTED_MAX_DRIVES];
    uint64_t wake_ns; /**< a virtual time to be woken at (now or later), KEEP or CANCEL */
} strobe_hosted_reply;

/** The model's logic, called on the model's own thread, one event at a time. */
typedef void (*strobe_hosted_handler)(void *ctx, const strobe_hosted_event *event, strobe_hosted_reply *reply);

/**
 * Attach a hosted model watching `watch` (bit n = GPIO n): starts its thread, which calls
 * `handler(ctx, …)` for each event. `release(ctx)` (may be NULL) runs once, on an ordinary
 * thread, after the model's thread has stopped (detach, or the bench freed). `timeout_ns`
 * (1 ms…60 s) bounds the wait for one reply. Returns the model id (> 0) or a negative errno:
 * -EINVAL (no handler, a timeout out of range, a watched pin the bench lacks), -ENOSPC, -ENOMEM,
 * -EAGAIN (no thread). On failure `release` is not called.
 */
int strobe_vbench_attach_hosted(strobe_vbench *bench, uint64_t watch, strobe_hosted_handler handler, void *ctx,
                                void (*release)(void *ctx), uint64_t timeout_ns);
/** Events of hosted model `id` given up on because its handler didn't answer in time, or -ENOENT. */
int64_t strobe_vbench_hosted_timeouts(strobe_vbench *bench, int id);
/** Replies of hosted model `id` that asked for something impossible (a pin the bench lacks, a
 *  level other than -1/0/1, more drives than fit, a wake-up in the past), or -ENOENT. */
int64_t strobe_vbench_hosted_rejected(strobe_vbench *bench, int id);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_VBENCH_HOSTED_H */
