/*
 * gpiod_v1.c — the character-device backend over libgpiod 1.6 (Debian 12, Raspberry Pi OS
 * bookworm), which speaks the kernel's GPIO uAPI v1: GPIO_GET_LINEHANDLE_IOCTL,
 * GPIOHANDLE_{GET,SET}_LINE_VALUES_IOCTL, GPIOHANDLE_SET_CONFIG_IOCTL, GPIO_GET_LINEEVENT_IOCTL.
 *
 * libgpiod reports failures as -1/NULL with errno set; every failing call is turned into a
 * negative errno on the spot, before anything else can overwrite errno.
 */
#define _GNU_SOURCE
#include "gpiod_internal.h"

#if STROBE_GPIOD_API_VERSION == 1

#include "strobe_clock.h"
#include "strobe_events.h"

#include <stdio.h>
#include <string.h>

_Static_assert(STROBE_GPIOD_MAX_LINES == GPIOD_LINE_BULK_MAX_LINES,
               "a request holds at most one libgpiod bulk");

const char *strobe_gpiod_library_version(void) {
    return gpiod_version_string();
}

int strobe_gpiod_lib_open(const char *path, strobe_gpiod_chip *out) {
    errno = 0;
    struct gpiod_chip *c = gpiod_chip_open(path);
    if (!c) return strobe_gpiod_neg_errno();
    out->chip = c;
    snprintf(out->name, sizeof out->name, "%s", gpiod_chip_name(c));
    snprintf(out->label, sizeof out->label, "%s", gpiod_chip_label(c));
    out->num_lines = gpiod_chip_num_lines(c);
    return 0;
}

void strobe_gpiod_lib_close(strobe_gpiod_chip *chip) {
    gpiod_chip_close(chip->chip);
    chip->chip = NULL;
}

int strobe_gpiod_lib_line_info(strobe_gpiod_chip *chip, unsigned offset, strobe_gpiod_line_info *info) {
    struct gpiod_line *line = gpiod_chip_get_line(chip->chip, offset);
    if (!line) return strobe_gpiod_neg_errno();
    /* libgpiod caches line info per chip; re-read it so the answer is about now. */
    if (gpiod_line_update(line) < 0) return strobe_gpiod_neg_errno();
    /* The uAPI's "kernel" flag, which the kernel sets for every requested line: drivers,
     * hogs, sysfs exports and user-space requests alike. */
    info->used = gpiod_line_is_used(line);
    info->direction = gpiod_line_direction(line) == GPIOD_LINE_DIRECTION_OUTPUT ? STROBE_GPIOD_OUTPUT : STROBE_GPIOD_INPUT;
    info->drive = gpiod_line_is_open_drain(line) ? STROBE_GPIOD_DRIVE_OPEN_DRAIN
                : gpiod_line_is_open_source(line) ? STROBE_GPIOD_DRIVE_OPEN_SOURCE : STROBE_GPIOD_DRIVE_PUSH_PULL;
    switch (gpiod_line_bias(line)) {
    case GPIOD_LINE_BIAS_DISABLE: info->bias = STROBE_GPIOD_BIAS_DISABLE; break;
    case GPIOD_LINE_BIAS_PULL_UP: info->bias = STROBE_GPIOD_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: info->bias = STROBE_GPIOD_BIAS_PULL_DOWN; break;
    default: info->bias = STROBE_GPIOD_BIAS_AS_IS; break;
    }
    info->active_low = gpiod_line_active_state(line) == GPIOD_LINE_ACTIVE_STATE_LOW;
    const char *name = gpiod_line_name(line), *consumer = gpiod_line_consumer(line);
    snprintf(info->name, sizeof info->name, "%s", name ? name : "");
    snprintf(info->consumer, sizeof info->consumer, "%s", consumer ? consumer : "");
    return 0;
}

static int request_flags(const strobe_gpiod_settings *s) {
    int flags = 0;
    switch (s->bias) {
    case STROBE_GPIOD_BIAS_DISABLE: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; break;
    case STROBE_GPIOD_BIAS_PULL_DOWN: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; break;
    case STROBE_GPIOD_BIAS_PULL_UP: flags |= GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; break;
    default: break;
    }
    if (s->drive == STROBE_GPIOD_DRIVE_OPEN_DRAIN) flags |= GPIOD_LINE_REQUEST_FLAG_OPEN_DRAIN;
    if (s->drive == STROBE_GPIOD_DRIVE_OPEN_SOURCE) flags |= GPIOD_LINE_REQUEST_FLAG_OPEN_SOURCE;
    return flags;
}

static int request_type(const strobe_gpiod_settings *s) {
    switch (s->edge) {
    case STROBE_EDGE_RISING: return GPIOD_LINE_REQUEST_EVENT_RISING_EDGE;
    case STROBE_EDGE_FALLING: return GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE;
    case STROBE_EDGE_BOTH: return GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES;
    default:
        return s->direction == STROBE_GPIOD_OUTPUT ? GPIOD_LINE_REQUEST_DIRECTION_OUTPUT
                                                   : GPIOD_LINE_REQUEST_DIRECTION_INPUT;
    }
}

int strobe_gpiod_lib_request(strobe_gpiod_chip *chip, strobe_gpiod_lines *l, const int *values) {
    unsigned offs[STROBE_GPIOD_MAX_LINES]; /* gpiod_chip_get_lines() takes a non-const array */
    memcpy(offs, l->offsets, l->count * sizeof offs[0]);
    memcpy(l->values, values, l->count * sizeof values[0]);
    if (gpiod_chip_get_lines(chip->chip, offs, (unsigned)l->count, &l->bulk) < 0) return strobe_gpiod_neg_errno();
    struct gpiod_line_request_config config = {
        .consumer = STROBE_GPIOD_CONSUMER,
        .request_type = request_type(&l->settings),
        .flags = request_flags(&l->settings),
    };
    if (gpiod_line_request_bulk(&l->bulk, &config, l->values) < 0) return strobe_gpiod_neg_errno();
    return 0;
}

int strobe_gpiod_lib_reconfigure(strobe_gpiod_lines *l, const strobe_gpiod_settings *s, const int *values) {
    /* The kernel's event handles take no new configuration in uAPI v1. */
    if (s->edge != STROBE_EDGE_NONE) return -EINVAL;
    int direction = s->direction == STROBE_GPIOD_OUTPUT ? GPIOD_LINE_REQUEST_DIRECTION_OUTPUT
                                                        : GPIOD_LINE_REQUEST_DIRECTION_INPUT;
    int v[STROBE_GPIOD_MAX_LINES];
    memcpy(v, values, l->count * sizeof v[0]);
    if (gpiod_line_set_config_bulk(&l->bulk, direction, request_flags(s), v) < 0) return strobe_gpiod_neg_errno();
    memcpy(l->values, v, l->count * sizeof v[0]);
    return 0;
}

void strobe_gpiod_lib_release(strobe_gpiod_lines *l) {
    gpiod_line_release_bulk(&l->bulk);
}

int strobe_gpiod_lib_set(strobe_gpiod_lines *lines, size_t index, int value) {
    if (!lines || index >= lines->count) return -EINVAL;
    value = !!value;
    if (lines->count == 1) {
        if (gpiod_line_set_value(lines->bulk.lines[0], value) < 0) return strobe_gpiod_neg_errno();
        lines->values[0] = value;
        return 0;
    }
    /* All lines of a request share one handle, and GPIOHANDLE_SET_LINE_VALUES_IOCTL sets every
     * line of the handle from its array. libgpiod 1.6's gpiod_line_set_value() sends a
     * one-element array on that shared handle: it would drive the request's *first* line and
     * zero the rest. So resend the whole request with one level changed — still one ioctl. */
    int values[STROBE_GPIOD_MAX_LINES];
    memcpy(values, lines->values, lines->count * sizeof values[0]);
    values[index] = value;
    if (gpiod_line_set_value_bulk(&lines->bulk, values) < 0) return strobe_gpiod_neg_errno();
    lines->values[index] = value;
    return 0;
}

int strobe_gpiod_lib_get(strobe_gpiod_lines *lines, size_t index) {
    if (!lines || index >= lines->count) return -EINVAL;
    if (lines->count == 1) {
        int v = gpiod_line_get_value(lines->bulk.lines[0]);
        return v < 0 ? strobe_gpiod_neg_errno() : v;
    }
    /* Same shared-handle story as strobe_gpiod_set: gpiod_line_get_value() would return the
     * first line's level. One GET ioctl returns them all; pick ours. */
    int values[STROBE_GPIOD_MAX_LINES];
    if (gpiod_line_get_value_bulk(&lines->bulk, values) < 0) return strobe_gpiod_neg_errno();
    return values[index];
}

int strobe_gpiod_lib_set_all(strobe_gpiod_lines *lines, const int *values) {
    if (!lines || !values) return -EINVAL;
    int v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) v[i] = !!values[i];
    if (gpiod_line_set_value_bulk(&lines->bulk, v) < 0) return strobe_gpiod_neg_errno();
    memcpy(lines->values, v, lines->count * sizeof v[0]);
    return 0;
}

int strobe_gpiod_lib_get_all(strobe_gpiod_lines *lines, int *values) {
    if (!lines || !values) return -EINVAL;
    if (gpiod_line_get_value_bulk(&lines->bulk, values) < 0) return strobe_gpiod_neg_errno();
    return 0;
}

/* One SET ioctl for the whole request. Each line's new level: its bit of `bits` when `value` is
 * negative (write every line), else `value` where its bit is set and its last level elsewhere. */
static inline __attribute__((always_inline)) int write_bank(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    if (!lines || lines->count == 0) return -EINVAL;
    unsigned bank = lines->offsets[0] / 32;
    int values[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) {
        unsigned offset = lines->offsets[i];
        if (offset / 32 != bank) return -EINVAL;
        int bit = (int)((bits >> (offset % 32)) & 1u);
        values[i] = value < 0 ? bit : bit ? !!value : lines->values[i];
    }
    if (gpiod_line_set_value_bulk(&lines->bulk, values) < 0) return strobe_gpiod_neg_errno();
    memcpy(lines->values, values, lines->count * sizeof values[0]);
    return 0;
}

int strobe_gpiod_lib_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    return write_bank(lines, bits, value < 0 ? 0 : value);
}

int strobe_gpiod_lib_write_levels(strobe_gpiod_lines *lines, uint32_t bits) {
    return write_bank(lines, bits, -1);
}

int strobe_gpiod_lib_event_fd(strobe_gpiod_lines *l) {
    int fd = gpiod_line_event_get_fd(l->bulk.lines[0]);
    return fd < 0 ? strobe_gpiod_neg_errno() : fd;
}

int strobe_gpiod_lib_event_wait(strobe_gpiod_lines *l, int64_t timeout_ns) {
    struct timespec ts, *wait = NULL;
    if (timeout_ns >= 0) {
        ts = strobe_ns_to_timespec((uint64_t)timeout_ns);
        wait = &ts;
    }
    int r = gpiod_line_event_wait(l->bulk.lines[0], wait);
    return r < 0 ? strobe_gpiod_neg_errno() : r;
}

int strobe_gpiod_lib_event_read(strobe_gpiod_lines *l, uint64_t *timestamp_ns, unsigned *offset, int *rising) {
    struct gpiod_line_event event;
    if (gpiod_line_event_read(l->bulk.lines[0], &event) < 0) return strobe_gpiod_neg_errno();
    /* The kernel stamps uAPI v1 events with CLOCK_MONOTONIC since Linux 5.7 (CLOCK_REALTIME
     * before); libgpiod only splits the nanoseconds into a timespec. */
    if (timestamp_ns)
        *timestamp_ns = strobe_timespec_to_ns(event.ts);
    if (offset) *offset = l->offsets[0];
    if (rising) *rising = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    return 0;
}

#endif /* STROBE_GPIOD_API_VERSION == 1 */
