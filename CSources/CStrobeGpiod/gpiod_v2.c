/*
 * gpiod_v2.c — the character-device backend over libgpiod 2.x (Debian 13, Raspberry Pi OS
 * trixie), which speaks the kernel's GPIO uAPI v2: GPIO_V2_GET_LINE_IOCTL,
 * GPIO_V2_LINE_{GET,SET}_VALUES_IOCTL (a bit mask says which of the request's lines a call
 * touches, so nothing needs to remember levels), GPIO_V2_LINE_SET_CONFIG_IOCTL, and edge events
 * with kernel debounce.
 *
 * libgpiod reports failures as -1/NULL with errno set; every failing call is turned into a
 * negative errno on the spot, before anything else can overwrite errno.
 */
#define _GNU_SOURCE
#include "gpiod_internal.h"

#if STROBE_GPIOD_API_VERSION == 2

#include "strobe_events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Edge events read per call; the kernel queues more (16 per line by default). */
#define EVENT_BUFFER 16

const char *strobe_gpiod_library_version(void) {
    return gpiod_api_version();
}

int strobe_gpiod_lib_open(const char *path, strobe_gpiod_chip *out) {
    errno = 0;
    struct gpiod_chip *c = gpiod_chip_open(path);
    if (!c) return strobe_gpiod_neg_errno();
    struct gpiod_chip_info *info = gpiod_chip_get_info(c);
    if (!info) {
        int r = strobe_gpiod_neg_errno();
        gpiod_chip_close(c);
        return r;
    }
    out->chip = c;
    snprintf(out->name, sizeof out->name, "%s", gpiod_chip_info_get_name(info));
    snprintf(out->label, sizeof out->label, "%s", gpiod_chip_info_get_label(info));
    out->num_lines = (unsigned)gpiod_chip_info_get_num_lines(info);
    gpiod_chip_info_free(info);
    return 0;
}

void strobe_gpiod_lib_close(strobe_gpiod_chip *chip) {
    gpiod_chip_close(chip->chip);
    chip->chip = NULL;
}

int strobe_gpiod_lib_line_info(strobe_gpiod_chip *chip, unsigned offset, strobe_gpiod_line_info *info) {
    /* A fresh GPIO_V2_GET_LINEINFO_IOCTL each time: 2.x caches nothing. */
    struct gpiod_line_info *li = gpiod_chip_get_line_info(chip->chip, offset);
    if (!li) return strobe_gpiod_neg_errno();
    info->used = gpiod_line_info_is_used(li);
    info->direction = gpiod_line_info_get_direction(li) == GPIOD_LINE_DIRECTION_OUTPUT ? STROBE_GPIOD_OUTPUT : STROBE_GPIOD_INPUT;
    switch (gpiod_line_info_get_drive(li)) {
    case GPIOD_LINE_DRIVE_OPEN_DRAIN: info->drive = STROBE_GPIOD_DRIVE_OPEN_DRAIN; break;
    case GPIOD_LINE_DRIVE_OPEN_SOURCE: info->drive = STROBE_GPIOD_DRIVE_OPEN_SOURCE; break;
    default: info->drive = STROBE_GPIOD_DRIVE_PUSH_PULL; break;
    }
    switch (gpiod_line_info_get_bias(li)) {
    case GPIOD_LINE_BIAS_DISABLED: info->bias = STROBE_GPIOD_BIAS_DISABLE; break;
    case GPIOD_LINE_BIAS_PULL_UP: info->bias = STROBE_GPIOD_BIAS_PULL_UP; break;
    case GPIOD_LINE_BIAS_PULL_DOWN: info->bias = STROBE_GPIOD_BIAS_PULL_DOWN; break;
    default: info->bias = STROBE_GPIOD_BIAS_AS_IS; break; /* unknown: the kernel sets no flag */
    }
    info->active_low = gpiod_line_info_is_active_low(li);
    const char *name = gpiod_line_info_get_name(li), *consumer = gpiod_line_info_get_consumer(li);
    snprintf(info->name, sizeof info->name, "%s", name ? name : "");
    snprintf(info->consumer, sizeof info->consumer, "%s", consumer ? consumer : "");
    gpiod_line_info_free(li);
    return 0;
}

/* The one settings object every line of the request shares, or NULL (errno set). */
static struct gpiod_line_settings *make_settings(const strobe_gpiod_settings *s) {
    struct gpiod_line_settings *ls = gpiod_line_settings_new();
    if (!ls) return NULL;
    static const enum gpiod_line_bias bias[] = {
        [STROBE_GPIOD_BIAS_AS_IS] = GPIOD_LINE_BIAS_AS_IS,
        [STROBE_GPIOD_BIAS_DISABLE] = GPIOD_LINE_BIAS_DISABLED,
        [STROBE_GPIOD_BIAS_PULL_DOWN] = GPIOD_LINE_BIAS_PULL_DOWN,
        [STROBE_GPIOD_BIAS_PULL_UP] = GPIOD_LINE_BIAS_PULL_UP,
    };
    static const enum gpiod_line_drive drive[] = {
        [STROBE_GPIOD_DRIVE_PUSH_PULL] = GPIOD_LINE_DRIVE_PUSH_PULL,
        [STROBE_GPIOD_DRIVE_OPEN_DRAIN] = GPIOD_LINE_DRIVE_OPEN_DRAIN,
        [STROBE_GPIOD_DRIVE_OPEN_SOURCE] = GPIOD_LINE_DRIVE_OPEN_SOURCE,
    };
    static const enum gpiod_line_edge edge[] = {
        [STROBE_EDGE_NONE] = GPIOD_LINE_EDGE_NONE,
        [STROBE_EDGE_RISING] = GPIOD_LINE_EDGE_RISING,
        [STROBE_EDGE_FALLING] = GPIOD_LINE_EDGE_FALLING,
        [STROBE_EDGE_BOTH] = GPIOD_LINE_EDGE_BOTH,
    };
    bool output = s->direction == STROBE_GPIOD_OUTPUT;
    /* Each setter only refuses values outside its enum, which the checks in gpiod.c exclude. */
    if (gpiod_line_settings_set_direction(ls, output ? GPIOD_LINE_DIRECTION_OUTPUT : GPIOD_LINE_DIRECTION_INPUT) < 0
        || gpiod_line_settings_set_bias(ls, bias[s->bias]) < 0
        || (output && gpiod_line_settings_set_drive(ls, drive[s->drive]) < 0)
        || gpiod_line_settings_set_edge_detection(ls, edge[s->edge]) < 0
        || gpiod_line_settings_set_event_clock(ls, GPIOD_LINE_CLOCK_MONOTONIC) < 0) {
        int e = errno;
        gpiod_line_settings_free(ls);
        errno = e;
        return NULL;
    }
    gpiod_line_settings_set_debounce_period_us(ls, s->debounce_us);
    return ls;
}

/* A line config of the request's lines with settings `s`, outputs starting at `values`. */
static struct gpiod_line_config *make_config(const strobe_gpiod_lines *l, const strobe_gpiod_settings *s, const int *values) {
    struct gpiod_line_settings *ls = make_settings(s);
    if (!ls) return NULL;
    struct gpiod_line_config *cfg = gpiod_line_config_new();
    if (!cfg) goto fail;
    if (s->direction == STROBE_GPIOD_OUTPUT) {
        /* The value lives in the settings: one settings entry per level. */
        for (size_t i = 0; i < l->count; i++) {
            if (gpiod_line_settings_set_output_value(ls, values[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0
                || gpiod_line_config_add_line_settings(cfg, &l->offsets[i], 1, ls) < 0)
                goto fail;
        }
    } else if (gpiod_line_config_add_line_settings(cfg, l->offsets, l->count, ls) < 0) {
        goto fail;
    }
    gpiod_line_settings_free(ls);
    return cfg;
fail:;
    int e = errno;
    gpiod_line_config_free(cfg);
    gpiod_line_settings_free(ls);
    errno = e;
    return NULL;
}

int strobe_gpiod_lib_request(strobe_gpiod_chip *chip, strobe_gpiod_lines *l, const int *values) {
    int r = 0;
    struct gpiod_request_config *req = NULL;
    struct gpiod_line_config *cfg = make_config(l, &l->settings, values);
    if (!cfg || !(req = gpiod_request_config_new())) {
        r = strobe_gpiod_neg_errno();
        goto out;
    }
    gpiod_request_config_set_consumer(req, STROBE_GPIOD_CONSUMER);
    if (l->settings.edge != STROBE_EDGE_NONE) {
        gpiod_request_config_set_event_buffer_size(req, EVENT_BUFFER);
        l->events = gpiod_edge_event_buffer_new(EVENT_BUFFER);
        if (!l->events) {
            r = strobe_gpiod_neg_errno();
            goto out;
        }
    }
    errno = 0;
    l->request = gpiod_chip_request_lines(chip->chip, req, cfg);
    if (!l->request) {
        r = strobe_gpiod_neg_errno();
        gpiod_edge_event_buffer_free(l->events);
        l->events = NULL;
    }
out:
    gpiod_request_config_free(req);
    gpiod_line_config_free(cfg);
    return r;
}

int strobe_gpiod_lib_reconfigure(strobe_gpiod_lines *l, const strobe_gpiod_settings *s, const int *values) {
    struct gpiod_line_config *cfg = make_config(l, s, values);
    if (!cfg) return strobe_gpiod_neg_errno();
    int r = gpiod_line_request_reconfigure_lines(l->request, cfg) < 0 ? strobe_gpiod_neg_errno() : 0;
    gpiod_line_config_free(cfg);
    return r;
}

void strobe_gpiod_lib_release(strobe_gpiod_lines *l) {
    gpiod_line_request_release(l->request);
    gpiod_edge_event_buffer_free(l->events);
}

int strobe_gpiod_lib_set(strobe_gpiod_lines *lines, size_t index, int value) {
    if (!lines || index >= lines->count) return -EINVAL;
    if (gpiod_line_request_set_value(lines->request, lines->offsets[index],
                                     value ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE) < 0)
        return strobe_gpiod_neg_errno();
    return 0;
}

int strobe_gpiod_lib_get(strobe_gpiod_lines *lines, size_t index) {
    if (!lines || index >= lines->count) return -EINVAL;
    enum gpiod_line_value v = gpiod_line_request_get_value(lines->request, lines->offsets[index]);
    return v == GPIOD_LINE_VALUE_ERROR ? strobe_gpiod_neg_errno() : (int)v;
}

int strobe_gpiod_lib_set_all(strobe_gpiod_lines *lines, const int *values) {
    if (!lines || !values) return -EINVAL;
    enum gpiod_line_value v[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) v[i] = values[i] ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    return gpiod_line_request_set_values(lines->request, v) < 0 ? strobe_gpiod_neg_errno() : 0;
}

int strobe_gpiod_lib_get_all(strobe_gpiod_lines *lines, int *values) {
    if (!lines || !values) return -EINVAL;
    enum gpiod_line_value v[STROBE_GPIOD_MAX_LINES];
    if (gpiod_line_request_get_values(lines->request, v) < 0) return strobe_gpiod_neg_errno();
    for (size_t i = 0; i < lines->count; i++) values[i] = v[i] == GPIOD_LINE_VALUE_ACTIVE;
    return 0;
}

int strobe_gpiod_lib_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value) {
    if (!lines || lines->count == 0) return -EINVAL;
    unsigned bank = lines->offsets[0] / 32;
    unsigned offsets[STROBE_GPIOD_MAX_LINES];
    enum gpiod_line_value values[STROBE_GPIOD_MAX_LINES];
    size_t n = 0;
    enum gpiod_line_value level = value > 0 ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    for (size_t i = 0; i < lines->count; i++) {
        unsigned offset = lines->offsets[i];
        if (offset / 32 != bank) return -EINVAL;
        if (!((bits >> (offset % 32)) & 1u)) continue;
        offsets[n] = offset;
        values[n++] = level;
    }
    /* uAPI v2 refuses an empty mask, and there is nothing to do. */
    if (n == 0) return 0;
    return gpiod_line_request_set_values_subset(lines->request, n, offsets, values) < 0 ? strobe_gpiod_neg_errno() : 0;
}

int strobe_gpiod_lib_write_levels(strobe_gpiod_lines *lines, uint32_t bits) {
    if (!lines || lines->count == 0) return -EINVAL;
    unsigned bank = lines->offsets[0] / 32;
    enum gpiod_line_value values[STROBE_GPIOD_MAX_LINES];
    for (size_t i = 0; i < lines->count; i++) {
        if (lines->offsets[i] / 32 != bank) return -EINVAL;
        values[i] = ((bits >> (lines->offsets[i] % 32)) & 1u) ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
    }
    return gpiod_line_request_set_values(lines->request, values) < 0 ? strobe_gpiod_neg_errno() : 0;
}

int strobe_gpiod_lib_event_fd(strobe_gpiod_lines *l) {
    int fd = gpiod_line_request_get_fd(l->request);
    return fd < 0 ? strobe_gpiod_neg_errno() : fd;
}

int strobe_gpiod_lib_event_wait(strobe_gpiod_lines *l, int64_t timeout_ns) {
    int r = gpiod_line_request_wait_edge_events(l->request, timeout_ns);
    return r < 0 ? strobe_gpiod_neg_errno() : r;
}

int strobe_gpiod_lib_event_read(strobe_gpiod_lines *l, uint64_t *timestamp_ns, unsigned *offset, int *rising) {
    /* One event per call, so none is read and then dropped. */
    int n = gpiod_line_request_read_edge_events(l->request, l->events, 1);
    if (n < 0) return strobe_gpiod_neg_errno();
    if (n == 0) return -EAGAIN;
    struct gpiod_edge_event *event = gpiod_edge_event_buffer_get_event(l->events, 0);
    if (!event) return -EIO;
    /* Stamped by the kernel on the clock the request asked for: CLOCK_MONOTONIC. */
    if (timestamp_ns) *timestamp_ns = gpiod_edge_event_get_timestamp_ns(event);
    if (offset) *offset = gpiod_edge_event_get_line_offset(event);
    if (rising) *rising = gpiod_edge_event_get_event_type(event) == GPIOD_EDGE_EVENT_RISING_EDGE;
    return 0;
}

#endif /* STROBE_GPIOD_API_VERSION == 2 */
