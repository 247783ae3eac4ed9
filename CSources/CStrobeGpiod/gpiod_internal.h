/*
 * gpiod_internal.h — what gpiod.c (the parts both libgpiod generations share: finding chips,
 * checking arguments, waiting for events) needs from gpiod_v1.c or gpiod_v2.c (the parts that
 * talk to one generation). Only one of those two compiles into a build: the one matching the
 * gpiod.h that pkg-config found.
 */
#ifndef STROBE_GPIOD_INTERNAL_H
#define STROBE_GPIOD_INTERNAL_H

#include "strobe_gpiod.h"

#include <errno.h>
#include <gpiod.h>
#include <pthread.h>
#include <stdbool.h>

/* libgpiod 1.x defines the bulk-request limit as a macro; 2.x has no bulk object and no such
 * macro (and no version macro at all), so its absence marks the 2.x API. */
#ifdef GPIOD_LINE_BULK_MAX_LINES
#define STROBE_GPIOD_API_VERSION 1
#else
#define STROBE_GPIOD_API_VERSION 2
#endif

struct strobe_gpiod_chip {
    struct gpiod_chip *chip; /* NULL for a fake chip (strobe_gpiod_chip_fake) */
    bool fake;
    char name[32];  /* the kernel's GPIO_MAX_NAME_SIZE */
    char label[32];
    unsigned num_lines;
};

struct strobe_gpiod_lines {
    /* Held for every call that reaches the kernel, and by strobe_gpiod_revoke: a revoke waits
     * for a call in progress, and no call starts on a released request (`dead`), so the request's
     * file descriptor is never used after it was closed (and maybe reused by another file). */
    pthread_mutex_t lock;
    bool dead;
    bool fake;                               /* no kernel request: levels live in fake_values */
    int fake_values[STROBE_GPIOD_MAX_LINES];
    size_t count;
    unsigned offsets[STROBE_GPIOD_MAX_LINES]; /* in request order */
    strobe_gpiod_settings settings;
#if STROBE_GPIOD_API_VERSION == 1
    struct gpiod_line_bulk bulk; /* line objects belong to the chip; the chip outlives them */
    /* Levels last written, in request order: uAPI v1 sets every line of a handle at once, so a
     * single-line set resends the others (see strobe_gpiod_set). Like the request itself, one
     * owner at a time: two threads setting lines of one request would race on this copy. */
    int values[STROBE_GPIOD_MAX_LINES];
#else
    struct gpiod_line_request *request;
    struct gpiod_edge_event_buffer *events; /* edge requests only */
#endif
};

/* errno after a failed libgpiod call, as a negative value (never 0, even if a path forgot it). */
static inline int strobe_gpiod_neg_errno(void) {
    return errno > 0 ? -errno : -EIO;
}

/* Per generation (gpiod_v1.c, gpiod_v2.c). Each returns 0 or a negative errno. */

/* Open the chip at `path` and fill every field of `out`. */
int strobe_gpiod_lib_open(const char *path, strobe_gpiod_chip *out);
void strobe_gpiod_lib_close(strobe_gpiod_chip *chip);
/* Fresh line info of `offset` (checked) into every field of `info`. */
int strobe_gpiod_lib_line_info(strobe_gpiod_chip *chip, unsigned offset, strobe_gpiod_line_info *info);
/* Request l->count lines at l->offsets with l->settings (already checked), starting at
 * `values` (0/1 each, request order). */
int strobe_gpiod_lib_request(strobe_gpiod_chip *chip, strobe_gpiod_lines *l, const int *values);
/* Apply new (checked) settings to a held request; l->settings is updated by the caller. */
int strobe_gpiod_lib_reconfigure(strobe_gpiod_lines *l, const strobe_gpiod_settings *s, const int *values);
void strobe_gpiod_lib_release(strobe_gpiod_lines *l);
/* The hot calls, on a live request with checked arguments (gpiod.c takes the lock and checks). */
int strobe_gpiod_lib_set(strobe_gpiod_lines *lines, size_t index, int value);
int strobe_gpiod_lib_get(strobe_gpiod_lines *lines, size_t index);
int strobe_gpiod_lib_set_all(strobe_gpiod_lines *lines, const int *values);
int strobe_gpiod_lib_get_all(strobe_gpiod_lines *lines, int *values);
int strobe_gpiod_lib_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value);
int strobe_gpiod_lib_write_levels(strobe_gpiod_lines *lines, uint32_t bits);
/* Events of a one-line edge request: wait up to `timeout_ns` (negative: forever) — 1 when an
 * event is pending, 0 on timeout; then read one. */
int strobe_gpiod_lib_event_fd(strobe_gpiod_lines *l);
int strobe_gpiod_lib_event_wait(strobe_gpiod_lines *l, int64_t timeout_ns);
int strobe_gpiod_lib_event_read(strobe_gpiod_lines *l, uint64_t *timestamp_ns, unsigned *offset, int *rising);

#endif /* STROBE_GPIOD_INTERNAL_H */
