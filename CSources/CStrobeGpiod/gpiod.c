/*
 * gpiod.c — the character-device backend over libgpiod v1.6 (gpiod.h; uAPI v1 underneath:
 * GPIO_GET_LINEHANDLE_IOCTL, GPIOHANDLE_{GET,SET}_LINE_VALUES_IOCTL, GPIO_GET_LINEEVENT_IOCTL).
 *
 * libgpiod reports failures as -1/NULL with errno set; every failing call is turned into a
 * negative errno on the spot, before anything else can overwrite errno.
 */
#define _GNU_SOURCE
#include "strobe_gpiod.h"
#include "strobe_events.h"

#include <dirent.h>
#include <errno.h>
#include <gpiod.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

_Static_assert(STROBE_GPIOD_MAX_LINES == GPIOD_LINE_BULK_MAX_LINES,
               "a request holds at most one libgpiod bulk");

struct strobe_gpiod_chip {
    struct gpiod_chip *chip;
};

struct strobe_gpiod_lines {
    struct gpiod_line_bulk bulk; /* line objects belong to the chip; the chip outlives them */
    size_t count;
    /* Levels last written, in request order: a single-line set on a multi-line request must
     * resend the others (see strobe_gpiod_set). Like the request itself, one owner at a time:
     * two threads setting lines of one request would race on this copy. */
    int values[STROBE_GPIOD_MAX_LINES];
};

/* errno after a failed libgpiod call, as a negative value (never 0, even if a path forgot it). */
static int neg_errno(void) {
    return errno > 0 ? -errno : -EIO;
}

static int bias_flags(int bias, int *flags) {
    switch (bias) {
    case STROBE_GPIOD_BIAS_AS_IS: *flags = 0; return 0;
    case STROBE_GPIOD_BIAS_DISABLE: *flags = GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE; return 0;
    case STROBE_GPIOD_BIAS_PULL_DOWN: *flags = GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN; return 0;
    case STROBE_GPIOD_BIAS_PULL_UP: *flags = GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP; return 0;
    default: return -EINVAL;
    }
}

/* "gpiochipN": returns N, or -1 for any other name. */
static long chip_number(const char *name) {
    if (strncmp(name, "gpiochip", 8) != 0) return -1;
    size_t digits = strspn(name + 8, "0123456789");
    if (digits < 1 || digits > 9 || name[8 + digits] != 0) return -1;
    return strtol(name + 8, NULL, 10);
}

static bool label_wanted(const char *label, const char *const *labels, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(label, labels[i]) == 0) return true;
    return false;
}

/* Open the lowest-numbered /dev/gpiochipN whose label is one of `labels`.
 * Done by hand rather than with gpiod_chip_open_by_label() or the chip iterator: those give
 * up on the first chip they cannot open, so one inaccessible chip would hide the one we want,
 * and they report "not found" instead of "permission denied". Here -EACCES is returned only
 * when nothing matched and some chip could not be opened for lack of permission. */
static int open_by_labels(const char *const *labels, size_t n, struct gpiod_chip **out) {
    DIR *dev = opendir("/dev");
    if (!dev) return -errno;
    struct gpiod_chip *best = NULL;
    long best_number = -1;
    bool denied = false;
    for (;;) {
        errno = 0;
        struct dirent *d = readdir(dev);
        if (!d) {
            int e = errno;
            if (e) {
                closedir(dev);
                if (best) gpiod_chip_close(best);
                return -e;
            }
            break;
        }
        long number = chip_number(d->d_name);
        if (number < 0 || (best && number > best_number)) continue;
        char path[48]; /* room for any long, so gcc sees no truncation */
        snprintf(path, sizeof path, "/dev/gpiochip%ld", number);
        struct gpiod_chip *c = gpiod_chip_open(path);
        if (!c) {
            if (errno == EACCES || errno == EPERM) denied = true;
            continue; /* not a GPIO chip after all, or gone meanwhile: keep looking */
        }
        if (!label_wanted(gpiod_chip_label(c), labels, n)) {
            gpiod_chip_close(c);
            continue;
        }
        if (best) gpiod_chip_close(best);
        best = c;
        best_number = number;
    }
    closedir(dev);
    if (!best) return denied ? -EACCES : -ENOENT;
    *out = best;
    return 0;
}

int strobe_gpiod_chip_open(const char *spec, strobe_gpiod_chip **chip) {
    static const char *const pi_labels[] = {"pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"};
    if (!chip) return -EINVAL;
    struct gpiod_chip *c = NULL;
    int r = 0;
    if (!spec) {
        r = open_by_labels(pi_labels, sizeof pi_labels / sizeof pi_labels[0], &c);
    } else if (!*spec) {
        return -ENOENT;
    } else if (strchr(spec, '/') || chip_number(spec) >= 0 || strspn(spec, "0123456789") == strlen(spec)) {
        /* A path, a name or a number: gpiod_chip_open_lookup() tells them apart. Labels go
         * below, because lookup tries the label first and then overwrites its errno. */
        errno = 0;
        c = gpiod_chip_open_lookup(spec);
        if (!c) r = neg_errno();
    } else {
        r = open_by_labels(&spec, 1, &c);
    }
    if (r < 0) return r;
    strobe_gpiod_chip *s = malloc(sizeof *s);
    if (!s) {
        gpiod_chip_close(c);
        return -ENOMEM;
    }
    s->chip = c;
    *chip = s;
    return 0;
}

void strobe_gpiod_chip_close(strobe_gpiod_chip *chip) {
    if (!chip) return;
    gpiod_chip_close(chip->chip);
    free(chip);
}

const char *strobe_gpiod_chip_label(const strobe_gpiod_chip *chip) {
    return gpiod_chip_label(chip->chip);
}

const char *strobe_gpiod_chip_name(const strobe_gpiod_chip *chip) {
    return gpiod_chip_name(chip->chip);
}

unsigned strobe_gpiod_chip_num_lines(const strobe_gpiod_chip *chip) {
    return gpiod_chip_num_lines(chip->chip);
}

int strobe_gpiod_line_in_use(strobe_gpiod_chip *chip, unsigned offset, char *consumer, size_t consumer_len) {
    if (!chip) return -EINVAL;
    struct gpiod_line *line = gpiod_chip_get_line(chip->chip, offset);
    if (!line) return neg_errno();
    /* libgpiod caches line info per chip; re-read it so the answer is about now. */
    if (gpiod_line_update(line) < 0) return neg_errno();
    /* The uAPI's "kernel" flag, which the kernel sets for every requested line: drivers,
     * hogs, sysfs exports and user-space requests alike. */
    bool used = gpiod_line_is_used(line);
    if (consumer && consumer_len) {
        const char *name = used ? gpiod_line_consumer(line) : NULL;
        snprintf(consumer, consumer_len, "%s", name ? name : "");
    }
    return used ? 1 : 0;
}

/* Shared by the value requests: one GPIO_GET_LINEHANDLE_IOCTL for all the lines. */
static int request_values(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values,
                          size_t count, int request_type, int bias, strobe_gpiod_lines **lines) {
    if (!chip || !offsets || !lines || count == 0 || count > STROBE_GPIOD_MAX_LINES) return -EINVAL;
    int flags;
    int r = bias_flags(bias, &flags);
    if (r < 0) return r;
    /* libgpiod would hand the same line object twice and leave the kernel to refuse it with a
     * misleading EBUSY; a repeated offset is the caller's mistake. */
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++)
            if (offsets[i] == offsets[j]) return -EINVAL;

    strobe_gpiod_lines *l = calloc(1, sizeof *l);
    if (!l) return -ENOMEM;
    unsigned offs[STROBE_GPIOD_MAX_LINES]; /* gpiod_chip_get_lines() takes a non-const array */
    for (size_t i = 0; i < count; i++) {
        offs[i] = offsets[i];
        l->values[i] = values ? !!values[i] : 0;
    }
    if (gpiod_chip_get_lines(chip->chip, offs, (unsigned)count, &l->bulk) < 0) {
        r = neg_errno();
        free(l);
        return r;
    }
    struct gpiod_line_request_config config = {
        .consumer = STROBE_GPIOD_CONSUMER,
        .request_type = request_type,
        .flags = flags,
    };
    if (gpiod_line_request_bulk(&l->bulk, &config, l->values) < 0) {
        r = neg_errno();
        free(l);
        return r;
    }
    l->count = count;
    *lines = l;
    return 0;
}

int strobe_gpiod_request_output(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count, int bias, strobe_gpiod_lines **lines) {
    return request_values(chip, offsets, values, count, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, bias, lines);
}

int strobe_gpiod_request_input(strobe_gpiod_chip *chip, const unsigned *offsets, size_t count, int bias, strobe_gpiod_lines **lines) {
    return request_values(chip, offsets, NULL, count, GPIOD_LINE_REQUEST_DIRECTION_INPUT, bias, lines);
}

int strobe_gpiod_request_events(strobe_gpiod_chip *chip, unsigned offset, int edge, int bias, strobe_gpiod_lines **lines) {
    if (!chip || !lines) return -EINVAL;
    int flags;
    int r = bias_flags(bias, &flags);
    if (r < 0) return r;
    int (*request)(struct gpiod_line *, const char *, int);
    switch (edge) {
    case STROBE_EDGE_RISING: request = gpiod_line_request_rising_edge_events_flags; break;
    case STROBE_EDGE_FALLING: request = gpiod_line_request_falling_edge_events_flags; break;
    case STROBE_EDGE_BOTH: request = gpiod_line_request_both_edges_events_flags; break;
    default: return -EINVAL;
    }
    struct gpiod_line *line = gpiod_chip_get_line(chip->chip, offset);
    if (!line) return neg_errno();
    strobe_gpiod_lines *l = calloc(1, sizeof *l);
    if (!l) return -ENOMEM;
    if (request(line, STROBE_GPIOD_CONSUMER, flags) < 0) {
        r = neg_errno();
        free(l);
        return r;
    }
    gpiod_line_bulk_init(&l->bulk);
    gpiod_line_bulk_add(&l->bulk, line);
    l->count = 1;
    *lines = l;
    return 0;
}

void strobe_gpiod_release(strobe_gpiod_lines *lines) {
    if (!lines) return;
    gpiod_line_release_bulk(&lines->bulk);
    free(lines);
}

int strobe_gpiod_set(strobe_gpiod_lines *lines, size_t index, int value) {
    if (!lines || index >= lines->count) return -EINVAL;
    value = !!value;
    if (lines->count == 1) {
        if (gpiod_line_set_value(lines->bulk.lines[0], value) < 0) return neg_errno();
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
    if (gpiod_line_set_value_bulk(&lines->bulk, values) < 0) return neg_errno();
    lines->values[index] = value;
    return 0;
}

int strobe_gpiod_get(strobe_gpiod_lines *lines, size_t index) {
    if (!lines || index >= lines->count) return -EINVAL;
    if (lines->count == 1) {
        int v = gpiod_line_get_value(lines->bulk.lines[0]);
        return v < 0 ? neg_errno() : v;
    }
    /* Same shared-handle story as strobe_gpiod_set: gpiod_line_get_value() would return the
     * first line's level. One GET ioctl returns them all; pick ours. */
    int values[STROBE_GPIOD_MAX_LINES];
    if (gpiod_line_get_value_bulk(&lines->bulk, values) < 0) return neg_errno();
    return values[index];
}

int strobe_gpiod_set_all(strobe_gpiod_lines *lines, const int *values) {
    if (!lines || !values) return -EINVAL;
    int v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) v[i] = !!values[i];
    if (gpiod_line_set_value_bulk(&lines->bulk, v) < 0) return neg_errno();
    memcpy(lines->values, v, lines->count * sizeof v[0]);
    return 0;
}

uint32_t strobe_gpiod_bank_mask(const strobe_gpiod_lines *lines) {
    if (!lines || lines->count == 0) return 0;
    unsigned bank = gpiod_line_offset(lines->bulk.lines[0]) / 32;
    uint32_t mask = 0;
    for (size_t i = 0; i < lines->count; i++) {
        unsigned offset = gpiod_line_offset(lines->bulk.lines[i]);
        if (offset / 32 != bank) return 0;
        mask |= 1u << (offset % 32);
    }
    return mask;
}

/* One SET ioctl for the whole request. Each line's new level: its bit of `bits` when `value` is
 * negative (write every line), else `value` where its bit is set and its last level elsewhere. */
static inline __attribute__((always_inline)) int write_bank(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    if (!lines || lines->count == 0) return -EINVAL;
    unsigned bank = gpiod_line_offset(lines->bulk.lines[0]) / 32;
    int values[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) {
        unsigned offset = gpiod_line_offset(lines->bulk.lines[i]);
        if (offset / 32 != bank) return -EINVAL;
        int bit = (int)((bits >> (offset % 32)) & 1u);
        values[i] = value < 0 ? bit : bit ? !!value : lines->values[i];
    }
    if (gpiod_line_set_value_bulk(&lines->bulk, values) < 0) return neg_errno();
    memcpy(lines->values, values, lines->count * sizeof values[0]);
    return 0;
}

int strobe_gpiod_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    return write_bank(lines, bits, value < 0 ? 0 : value);
}

int strobe_gpiod_write_levels(strobe_gpiod_lines *lines, uint32_t bits) {
    return write_bank(lines, bits, -1);
}

int strobe_gpiod_get_all(strobe_gpiod_lines *lines, int *values) {
    if (!lines || !values) return -EINVAL;
    if (gpiod_line_get_value_bulk(&lines->bulk, values) < 0) return neg_errno();
    return 0;
}

int strobe_gpiod_event_fd(strobe_gpiod_lines *lines) {
    if (!lines || lines->count != 1) return -EINVAL;
    int fd = gpiod_line_event_get_fd(lines->bulk.lines[0]);
    return fd < 0 ? neg_errno() : fd;
}

static int64_t monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int strobe_gpiod_read_event(strobe_gpiod_lines *lines, int64_t timeout_ns, uint64_t *timestamp_ns, unsigned *offset, int *rising) {
    if (!lines || lines->count != 1) return -EINVAL;
    struct gpiod_line *line = lines->bulk.lines[0];
    /* A values request has no event queue: waiting on it would only time out. */
    if (gpiod_line_event_get_fd(line) < 0) return neg_errno();
    int64_t deadline = timeout_ns >= 0 ? monotonic_ns() + timeout_ns : 0;
    for (;;) {
        struct timespec ts, *wait = NULL;
        if (timeout_ns >= 0) {
            int64_t left = deadline - monotonic_ns();
            if (left < 0) left = 0;
            ts.tv_sec = (time_t)(left / 1000000000);
            ts.tv_nsec = (long)(left % 1000000000);
            wait = &ts;
        }
        int r = gpiod_line_event_wait(line, wait);
        if (r < 0 && errno == EINTR) continue; /* the deadline carries the remaining time */
        if (r < 0) return neg_errno();
        if (r == 0) return 0;
        break;
    }
    struct gpiod_line_event event;
    int r;
    do r = gpiod_line_event_read(line, &event);
    while (r < 0 && errno == EINTR);
    if (r < 0) return neg_errno();
    /* The kernel stamps uAPI v1 events with CLOCK_MONOTONIC since Linux 5.7 (CLOCK_REALTIME
     * before); libgpiod only splits the nanoseconds into a timespec. */
    if (timestamp_ns)
        *timestamp_ns = (uint64_t)event.ts.tv_sec * 1000000000u + (uint64_t)event.ts.tv_nsec;
    if (offset) *offset = gpiod_line_offset(line);
    if (rising) *rising = event.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
    return 1;
}
