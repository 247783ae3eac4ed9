/*
 * gpiod.c — the character-device backend, the parts both libgpiod generations share: finding a
 * chip by path, name, number or label; checking requests before libgpiod sees them; bank masks;
 * waiting for events against a deadline. What talks to libgpiod itself is in gpiod_v1.c
 * (libgpiod 1.6) or gpiod_v2.c (2.x), whichever matches the gpiod.h of this build.
 */
#define _GNU_SOURCE
#include "gpiod_internal.h"
#include "strobe_clock.h"
#include "strobe_events.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int strobe_gpiod_api(void) {
    return STROBE_GPIOD_API_VERSION;
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
 * Done by hand rather than with libgpiod's lookup helpers (1.6 has them, 2.x has none): they
 * give up on the first chip they cannot open, so one inaccessible chip would hide the one we
 * want, and they report "not found" instead of "permission denied". Here -EACCES is returned
 * only when nothing matched and some chip could not be opened for lack of permission. */
static int open_by_labels(const char *const *labels, size_t n, strobe_gpiod_chip *out) {
    DIR *dev = opendir("/dev");
    if (!dev) return -errno;
    strobe_gpiod_chip best = {0}, c;
    long best_number = -1;
    bool denied = false;
    for (;;) {
        errno = 0;
        struct dirent *d = readdir(dev);
        if (!d) {
            int e = errno;
            if (e) {
                closedir(dev);
                if (best.chip) strobe_gpiod_lib_close(&best);
                return -e;
            }
            break;
        }
        long number = chip_number(d->d_name);
        if (number < 0 || (best.chip && number > best_number)) continue;
        char path[48]; /* room for any long, so gcc sees no truncation */
        snprintf(path, sizeof path, "/dev/gpiochip%ld", number);
        int r = strobe_gpiod_lib_open(path, &c);
        if (r < 0) {
            if (r == -EACCES || r == -EPERM) denied = true;
            continue; /* not a GPIO chip after all, or gone meanwhile: keep looking */
        }
        if (!label_wanted(c.label, labels, n)) {
            strobe_gpiod_lib_close(&c);
            continue;
        }
        if (best.chip) strobe_gpiod_lib_close(&best);
        best = c;
        best_number = number;
    }
    closedir(dev);
    if (!best.chip) return denied ? -EACCES : -ENOENT;
    *out = best;
    return 0;
}

int strobe_gpiod_chip_open(const char *spec, strobe_gpiod_chip **chip) {
    static const char *const pi_labels[] = {"pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"};
    if (!chip) return -EINVAL;
    strobe_gpiod_chip c = {0};
    int r;
    if (!spec) {
        r = open_by_labels(pi_labels, sizeof pi_labels / sizeof pi_labels[0], &c);
    } else if (!*spec) {
        return -ENOENT;
    } else if (strchr(spec, '/')) {
        r = strobe_gpiod_lib_open(spec, &c);
    } else if (chip_number(spec) >= 0 || strspn(spec, "0123456789") == strlen(spec)) {
        /* A name ("gpiochip0") or a bare number ("0") means /dev/gpiochipN. */
        if (strlen(spec) > 18) return -ENOENT;
        char path[48];
        snprintf(path, sizeof path, "/dev/%s%s", chip_number(spec) >= 0 ? "" : "gpiochip", spec);
        r = strobe_gpiod_lib_open(path, &c);
    } else {
        r = open_by_labels(&spec, 1, &c);
    }
    if (r < 0) return r;
    strobe_gpiod_chip *s = malloc(sizeof *s);
    if (!s) {
        strobe_gpiod_lib_close(&c);
        return -ENOMEM;
    }
    *s = c;
    *chip = s;
    return 0;
}

void strobe_gpiod_chip_close(strobe_gpiod_chip *chip) {
    if (!chip) return;
    strobe_gpiod_lib_close(chip);
    free(chip);
}

const char *strobe_gpiod_chip_label(const strobe_gpiod_chip *chip) {
    return chip->label;
}

const char *strobe_gpiod_chip_name(const strobe_gpiod_chip *chip) {
    return chip->name;
}

unsigned strobe_gpiod_chip_num_lines(const strobe_gpiod_chip *chip) {
    return chip->num_lines;
}

int strobe_gpiod_line_info_get(strobe_gpiod_chip *chip, unsigned offset, strobe_gpiod_line_info *info) {
    if (!chip || !info || offset >= chip->num_lines) return -EINVAL;
    memset(info, 0, sizeof *info);
    info->offset = offset;
    return strobe_gpiod_lib_line_info(chip, offset, info);
}

int strobe_gpiod_line_in_use(strobe_gpiod_chip *chip, unsigned offset, char *consumer, size_t consumer_len) {
    strobe_gpiod_line_info info;
    int r = strobe_gpiod_line_info_get(chip, offset, &info);
    if (r < 0) return r;
    if (consumer && consumer_len) snprintf(consumer, consumer_len, "%s", info.used ? info.consumer : "");
    return info.used ? 1 : 0;
}

/* Settings both generations can express, and that make sense together. */
static int check_settings(const strobe_gpiod_settings *s, size_t count) {
    if (s->direction != STROBE_GPIOD_INPUT && s->direction != STROBE_GPIOD_OUTPUT) return -EINVAL;
    if (s->bias < STROBE_GPIOD_BIAS_AS_IS || s->bias > STROBE_GPIOD_BIAS_PULL_UP) return -EINVAL;
    if (s->drive < STROBE_GPIOD_DRIVE_PUSH_PULL || s->drive > STROBE_GPIOD_DRIVE_OPEN_SOURCE) return -EINVAL;
    if (s->edge < STROBE_EDGE_NONE || s->edge > STROBE_EDGE_BOTH) return -EINVAL;
    if (s->direction == STROBE_GPIOD_INPUT && s->drive != STROBE_GPIOD_DRIVE_PUSH_PULL) return -EINVAL;
    if (s->direction == STROBE_GPIOD_OUTPUT && (s->edge != STROBE_EDGE_NONE || s->debounce_us)) return -EINVAL;
    /* An edge request has one event queue read as one line's (strobe_gpiod_read_event). */
    if (s->edge != STROBE_EDGE_NONE && count != 1) return -EINVAL;
    if (s->debounce_us && STROBE_GPIOD_API_VERSION < 2) return -EOPNOTSUPP;
    return 0;
}

int strobe_gpiod_request(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count,
                         const strobe_gpiod_settings *settings, strobe_gpiod_lines **lines) {
    if (!chip || !offsets || !settings || !lines || count == 0 || count > STROBE_GPIOD_MAX_LINES) return -EINVAL;
    int r = check_settings(settings, count);
    if (r < 0) return r;
    for (size_t i = 0; i < count; i++) {
        if (offsets[i] >= chip->num_lines) return -EINVAL;
        /* The kernel would refuse a repeated line with a misleading EBUSY; it is the caller's
         * mistake. */
        for (size_t j = 0; j < i; j++)
            if (offsets[i] == offsets[j]) return -EINVAL;
    }
    strobe_gpiod_lines *l = calloc(1, sizeof *l);
    if (!l) return -ENOMEM;
    int v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < count; i++) {
        l->offsets[i] = offsets[i];
        v[i] = values ? !!values[i] : 0;
    }
    l->count = count;
    l->settings = *settings;
    r = strobe_gpiod_lib_request(chip, l, v);
    if (r < 0) {
        free(l);
        return r;
    }
    *lines = l;
    return 0;
}

int strobe_gpiod_reconfigure(strobe_gpiod_lines *lines, const strobe_gpiod_settings *settings, const int *values) {
    if (!lines || !settings) return -EINVAL;
    int r = check_settings(settings, lines->count);
    if (r < 0) return r;
    if ((settings->edge == STROBE_EDGE_NONE) != (lines->settings.edge == STROBE_EDGE_NONE)) return -EINVAL;
    int v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) v[i] = values ? !!values[i] : 0;
    r = strobe_gpiod_lib_reconfigure(lines, settings, v);
    if (r < 0) return r;
    lines->settings = *settings;
    return 0;
}

int strobe_gpiod_request_output(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count, int bias, strobe_gpiod_lines **lines) {
    strobe_gpiod_settings s = {.direction = STROBE_GPIOD_OUTPUT, .bias = bias};
    return strobe_gpiod_request(chip, offsets, values, count, &s, lines);
}

int strobe_gpiod_request_input(strobe_gpiod_chip *chip, const unsigned *offsets, size_t count, int bias, strobe_gpiod_lines **lines) {
    strobe_gpiod_settings s = {.direction = STROBE_GPIOD_INPUT, .bias = bias};
    return strobe_gpiod_request(chip, offsets, NULL, count, &s, lines);
}

int strobe_gpiod_request_events(strobe_gpiod_chip *chip, unsigned offset, int edge, int bias, strobe_gpiod_lines **lines) {
    if (edge == STROBE_EDGE_NONE) return -EINVAL;
    strobe_gpiod_settings s = {.direction = STROBE_GPIOD_INPUT, .bias = bias, .edge = edge};
    return strobe_gpiod_request(chip, &offset, NULL, 1, &s, lines);
}

void strobe_gpiod_release(strobe_gpiod_lines *lines) {
    if (!lines) return;
    strobe_gpiod_lib_release(lines);
    free(lines);
}

uint32_t strobe_gpiod_bank_mask(const strobe_gpiod_lines *lines) {
    if (!lines || lines->count == 0) return 0;
    unsigned bank = lines->offsets[0] / 32;
    uint32_t mask = 0;
    for (size_t i = 0; i < lines->count; i++) {
        if (lines->offsets[i] / 32 != bank) return 0;
        mask |= 1u << (lines->offsets[i] % 32);
    }
    return mask;
}

int strobe_gpiod_event_fd(strobe_gpiod_lines *lines) {
    if (!lines || lines->count != 1 || lines->settings.edge == STROBE_EDGE_NONE) return -EINVAL;
    return strobe_gpiod_lib_event_fd(lines);
}

int strobe_gpiod_read_event(strobe_gpiod_lines *lines, int64_t timeout_ns, uint64_t *timestamp_ns, unsigned *offset, int *rising) {
    /* A values request has no event queue: waiting on it would only time out. */
    if (!lines || lines->count != 1 || lines->settings.edge == STROBE_EDGE_NONE) return -EINVAL;
    /* A timeout past the end of time (2^63 - 1 ns) waits until then, never a wrapped, early deadline. */
    int64_t deadline = timeout_ns >= 0 ? (int64_t)strobe_time_add_saturating(strobe_monotonic_ns(), (uint64_t)timeout_ns) : 0;
    for (;;) {
        int64_t left = -1;
        if (timeout_ns >= 0) {
            left = deadline - (int64_t)strobe_monotonic_ns();
            if (left < 0) left = 0;
        }
        int r = strobe_gpiod_lib_event_wait(lines, left);
        if (r == -EINTR) continue; /* the deadline carries the remaining time */
        if (r <= 0) return r;
        break;
    }
    int r;
    do r = strobe_gpiod_lib_event_read(lines, timestamp_ns, offset, rising);
    while (r == -EINTR);
    return r < 0 ? r : 1;
}
