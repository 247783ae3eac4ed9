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

int strobe_gpiod_chip_fake(unsigned num_lines, strobe_gpiod_chip **chip) {
    if (!chip || num_lines == 0) return -EINVAL;
    strobe_gpiod_chip *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    s->fake = true;
    s->num_lines = num_lines;
    snprintf(s->name, sizeof s->name, "%s", "gpiochip-fake");
    snprintf(s->label, sizeof s->label, "%s", "strobe-fake");
    *chip = s;
    return 0;
}

void strobe_gpiod_chip_close(strobe_gpiod_chip *chip) {
    if (!chip) return;
    if (!chip->fake) strobe_gpiod_lib_close(chip);
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
    if (chip->fake) return 0; /* nobody else holds a fake chip's lines */
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
    if (chip->fake) {
        /* No event queue behind a fake request. */
        if (settings->edge != STROBE_EDGE_NONE) {
            free(l);
            return -EOPNOTSUPP;
        }
        l->fake = true;
        memcpy(l->fake_values, v, count * sizeof v[0]);
    } else {
        r = strobe_gpiod_lib_request(chip, l, v);
        if (r < 0) {
            free(l);
            return r;
        }
    }
    r = pthread_mutex_init(&l->lock, NULL);
    if (r != 0) {
        if (!l->fake) strobe_gpiod_lib_release(l);
        free(l);
        return -r;
    }
    *lines = l;
    return 0;
}

/* Take the request's lock for one call: -EBADF once it was revoked (the lock is then not held). */
static int enter(strobe_gpiod_lines *l) {
    pthread_mutex_lock(&l->lock);
    if (!l->dead) return 0;
    pthread_mutex_unlock(&l->lock);
    return -EBADF;
}

static int leave(strobe_gpiod_lines *l, int r) {
    pthread_mutex_unlock(&l->lock);
    return r;
}

int strobe_gpiod_reconfigure(strobe_gpiod_lines *lines, const strobe_gpiod_settings *settings, const int *values) {
    if (!lines || !settings) return -EINVAL;
    int r = check_settings(settings, lines->count);
    if (r < 0) return r;
    if ((settings->edge == STROBE_EDGE_NONE) != (lines->settings.edge == STROBE_EDGE_NONE)) return -EINVAL;
    int v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) v[i] = values ? !!values[i] : 0;
    if ((r = enter(lines)) < 0) return r;
    if (lines->fake) {
        if (settings->direction == STROBE_GPIOD_OUTPUT) memcpy(lines->fake_values, v, lines->count * sizeof v[0]);
    } else if ((r = strobe_gpiod_lib_reconfigure(lines, settings, v)) < 0) {
        return leave(lines, r);
    }
    lines->settings = *settings;
    return leave(lines, 0);
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

void strobe_gpiod_revoke(strobe_gpiod_lines *lines) {
    if (!lines) return;
    pthread_mutex_lock(&lines->lock);
    if (!lines->dead && !lines->fake) strobe_gpiod_lib_release(lines);
    lines->dead = true;
    pthread_mutex_unlock(&lines->lock);
}

int strobe_gpiod_is_revoked(strobe_gpiod_lines *lines) {
    if (!lines) return 1;
    pthread_mutex_lock(&lines->lock);
    int dead = lines->dead;
    pthread_mutex_unlock(&lines->lock);
    return dead;
}

void strobe_gpiod_release(strobe_gpiod_lines *lines) {
    if (!lines) return;
    strobe_gpiod_revoke(lines);
    pthread_mutex_destroy(&lines->lock);
    free(lines);
}

int strobe_gpiod_set(strobe_gpiod_lines *lines, size_t index, int value) {
    if (!lines || index >= lines->count) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    if (lines->fake) {
        lines->fake_values[index] = !!value;
        return leave(lines, 0);
    }
    return leave(lines, strobe_gpiod_lib_set(lines, index, value));
}

int strobe_gpiod_get(strobe_gpiod_lines *lines, size_t index) {
    if (!lines || index >= lines->count) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    return leave(lines, lines->fake ? lines->fake_values[index] : strobe_gpiod_lib_get(lines, index));
}

int strobe_gpiod_set_all(strobe_gpiod_lines *lines, const int *values) {
    if (!lines || !values) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    if (lines->fake) {
        for (size_t i = 0; i < lines->count; i++) lines->fake_values[i] = !!values[i];
        return leave(lines, 0);
    }
    return leave(lines, strobe_gpiod_lib_set_all(lines, values));
}

int strobe_gpiod_get_all(strobe_gpiod_lines *lines, int *values) {
    if (!lines || !values) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    if (lines->fake) {
        memcpy(values, lines->fake_values, lines->count * sizeof values[0]);
        return leave(lines, 0);
    }
    return leave(lines, strobe_gpiod_lib_get_all(lines, values));
}

/* A fake request's bank write: `value` where a line's bit is set (negative: every line to its
 * bit), with the backends' checks. */
static int fake_write_bank(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    unsigned bank = lines->offsets[0] / 32;
    for (size_t i = 0; i < lines->count; i++)
        if (lines->offsets[i] / 32 != bank) return -EINVAL;
    for (size_t i = 0; i < lines->count; i++) {
        int bit = (int)((bits >> (lines->offsets[i] % 32)) & 1u);
        if (value < 0) lines->fake_values[i] = bit;
        else if (bit) lines->fake_values[i] = !!value;
    }
    return 0;
}

int strobe_gpiod_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    if (!lines || lines->count == 0) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    if (lines->fake) return leave(lines, fake_write_bank(lines, bits, value < 0 ? 0 : value));
    return leave(lines, strobe_gpiod_lib_write_bits(lines, bits, value));
}

int strobe_gpiod_write_levels(strobe_gpiod_lines *lines, uint32_t bits) {
    if (!lines || lines->count == 0) return -EINVAL;
    int r = enter(lines);
    if (r < 0) return r;
    if (lines->fake) return leave(lines, fake_write_bank(lines, bits, -1));
    return leave(lines, strobe_gpiod_lib_write_levels(lines, bits));
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
    int r = enter(lines);
    if (r < 0) return r;
    return leave(lines, strobe_gpiod_lib_event_fd(lines));
}

/* The longest the lock is held while waiting for an event, so a revoke waits at most this long. */
#define EVENT_WAIT_SLICE_NS 20000000

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
        /* Waited in slices under the lock: a revoke from another thread gets in between two. */
        int64_t slice = left < 0 || left > EVENT_WAIT_SLICE_NS ? EVENT_WAIT_SLICE_NS : left;
        int r = enter(lines);
        if (r < 0) return r;
        r = strobe_gpiod_lib_event_wait(lines, slice);
        if (r > 0) {
            do r = strobe_gpiod_lib_event_read(lines, timestamp_ns, offset, rising);
            while (r == -EINTR);
            return leave(lines, r < 0 ? r : 1);
        }
        leave(lines, 0);
        if (r == -EINTR) continue; /* the deadline carries the remaining time */
        if (r < 0) return r;
        if (timeout_ns >= 0 && left == 0) return 0;
    }
}
