/*
 * hosted.c — device models whose logic runs on their own thread (see strobe_vbench_hosted.h).
 *
 * The hand-over is one slot per model and two futex words (Linux futex(2)): `seq` counts the
 * events posted (the model's thread waits on it), `done` the replies (the bench side waits on
 * it). The bench side runs in model context — maybe inside the SIGSEGV handler — so it uses
 * only atomics, raw futex system calls and clock_gettime, all async-signal-safe, and keeps
 * errno as it found it.
 */
#define _GNU_SOURCE
#include "strobe_vbench_hosted.h"
#include "vbench_internal.h"

#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define HOSTED_MIN_TIMEOUT_NS 1000000ull       /* 1 ms */
#define HOSTED_MAX_TIMEOUT_NS 60000000000ull   /* 60 s */

typedef struct hosted {
    strobe_vbench *bench;
    unsigned npins;
    strobe_hosted_handler handler;
    void *ctx;
    void (*release)(void *ctx);
    uint64_t timeout_ns;
    pthread_t thread;
    _Atomic uint32_t seq;  /* events posted; odd/even doesn't matter, only change */
    _Atomic uint32_t done; /* the seq of the last reply */
    _Atomic bool quit;
    strobe_hosted_event event; /* written before seq is bumped, read after */
    strobe_hosted_reply reply; /* written before done is set, read after */
    /* Counters, changed only with the bench's lock held (in model context). */
    int64_t timeouts, rejected;
} hosted;

static long futex(_Atomic uint32_t *word, int op, uint32_t value, const struct timespec *timeout) {
    return syscall(SYS_futex, (uint32_t *)word, op, value, timeout, NULL, 0);
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The model's thread: wait for an event, run the handler, post the reply. */
static void *serve(void *arg) {
    hosted *h = arg;
    uint32_t seen = 0; /* seq starts at 0 before this thread does: an event posted before it runs is still new */
    for (;;) {
        uint32_t s;
        while ((s = atomic_load(&h->seq)) == seen && !atomic_load(&h->quit))
            futex(&h->seq, FUTEX_WAIT_PRIVATE, seen, NULL);
        if (atomic_load(&h->quit)) return NULL;
        seen = s;
        strobe_hosted_event ev = h->event;
        strobe_hosted_reply reply;
        memset(&reply, 0, sizeof reply);
        h->handler(h->ctx, &ev, &reply);
        h->reply = reply;
        atomic_store(&h->done, s);
        futex(&h->done, FUTEX_WAKE_PRIVATE, 1, NULL);
    }
}

/* Bench side, in model context: post, wait (bounded), apply. */
static void dispatch(hosted *h, strobe_vbench *b, uint64_t time_ns, int pin, unsigned level) {
    int saved_errno = errno;
    strobe_hosted_event ev = {.time_ns = time_ns, .pin = pin, .level = level, .levels = 0};
    for (unsigned p = 0; p < h->npins; p++)
        if (strobe_vbench_model_level(b, p) == 1) ev.levels |= 1ull << p;
    h->event = ev;
    uint32_t s = atomic_fetch_add(&h->seq, 1) + 1;
    futex(&h->seq, FUTEX_WAKE_PRIVATE, 1, NULL);
    uint64_t deadline = now_ns() + h->timeout_ns;
    bool answered = false;
    for (;;) {
        uint32_t d = atomic_load(&h->done);
        if (d == s) { answered = true; break; }
        uint64_t t = now_ns();
        if (t >= deadline) break;
        uint64_t left = deadline - t;
        struct timespec ts = {.tv_sec = (time_t)(left / 1000000000ull), .tv_nsec = (long)(left % 1000000000ull)};
        futex(&h->done, FUTEX_WAIT_PRIVATE, d, &ts);
    }
    if (!answered) {
        /* The thread may still answer later; its reply to this event is then ignored, since
         * done will never equal a later seq until it has handled that one too. */
        h->timeouts++;
        errno = saved_errno;
        return;
    }
    strobe_hosted_reply r = h->reply;
    bool bad = r.count > STROBE_HOSTED_MAX_DRIVES;
    unsigned n = bad ? STROBE_HOSTED_MAX_DRIVES : r.count;
    for (unsigned i = 0; i < n; i++) {
        if (r.drives[i].pin >= h->npins || r.drives[i].level < -1 || r.drives[i].level > 1) { bad = true; continue; }
        strobe_vbench_model_drive(b, r.drives[i].pin, r.drives[i].level);
    }
    if (r.wake_ns == STROBE_HOSTED_WAKE_CANCEL) strobe_vbench_model_cancel(b);
    else if (r.wake_ns != STROBE_HOSTED_WAKE_KEEP && strobe_vbench_model_schedule(b, r.wake_ns) != 0) bad = true;
    if (bad) h->rejected++;
    errno = saved_errno;
}

static void hosted_changed(void *ctx, strobe_vbench *b, uint64_t time_ns, unsigned pin, unsigned level) {
    dispatch(ctx, b, time_ns, (int)pin, level);
}

static void hosted_timer(void *ctx, strobe_vbench *b, uint64_t time_ns) { dispatch(ctx, b, time_ns, -1, 0); }

static void hosted_release(void *ctx) {
    hosted *h = ctx;
    atomic_store(&h->quit, true);
    atomic_fetch_add(&h->seq, 1);
    futex(&h->seq, FUTEX_WAKE_PRIVATE, 1, NULL);
    pthread_join(h->thread, NULL);
    if (h->release) h->release(h->ctx);
    free(h);
}

int strobe_vbench_attach_hosted(strobe_vbench *b, uint64_t watch, strobe_hosted_handler handler, void *ctx,
                                void (*release)(void *ctx), uint64_t timeout_ns) {
    if (!b || !handler || timeout_ns < HOSTED_MIN_TIMEOUT_NS || timeout_ns > HOSTED_MAX_TIMEOUT_NS) return -EINVAL;
    unsigned npins = strobe_layout_pin_count(strobe_vbench_layout(b));
    if (npins < 64 && (watch & ~((1ull << npins) - 1))) return -EINVAL;
    hosted *h = calloc(1, sizeof *h);
    if (!h) return -ENOMEM;
    h->bench = b;
    h->npins = npins;
    h->handler = handler;
    h->ctx = ctx;
    h->timeout_ns = timeout_ns;
    if (pthread_create(&h->thread, NULL, serve, h) != 0) {
        free(h);
        return -EAGAIN;
    }
    strobe_vbench_model model = {
        .watch = watch,
        .pin_changed = hosted_changed,
        .release = hosted_release,
        .ctx = h,
        .timer = hosted_timer,
    };
    int id = strobe_vbench_attach_model(b, &model);
    if (id < 0) {
        h->release = NULL; /* on failure the caller keeps ctx */
        hosted_release(h);
        return id;
    }
    h->release = release;
    return id;
}

static int64_t counter(strobe_vbench *b, int id, bool timeouts) {
    strobe_vbench_lock(b);
    hosted *h = strobe_vbench_model_ctx_locked(b, id, hosted_changed);
    int64_t n = !h ? -ENOENT : timeouts ? h->timeouts : h->rejected;
    strobe_vbench_unlock(b);
    return n;
}

int64_t strobe_vbench_hosted_timeouts(strobe_vbench *b, int id) { return counter(b, id, true); }
int64_t strobe_vbench_hosted_rejected(strobe_vbench *b, int id) { return counter(b, id, false); }
