/*
 * strobe_gpiod.h — the character-device backend, over libgpiod v1.6 (the API Debian and
 * Raspberry Pi OS bookworm ship; library libgpiod.so.2).
 *
 * Lines are requested with consumer "strobe". Every function returns 0 (or a value >= 0) or a
 * negative errno and sets no globals (libgpiod reports through errno; it is turned into the
 * return value here).
 */
#ifndef STROBE_GPIOD_H
#define STROBE_GPIOD_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define STROBE_GPIOD_CONSUMER "strobe"
#define STROBE_GPIOD_MAX_LINES 64

/** An open chip. Opaque. */
typedef struct strobe_gpiod_chip strobe_gpiod_chip;
/** Requested lines (one or more offsets of one chip), owned by the caller. Opaque. */
typedef struct strobe_gpiod_lines strobe_gpiod_lines;

/** Bias, as libgpiod 1.5+ sets it on request (GPIOD_LINE_REQUEST_FLAG_BIAS_*). */
typedef enum strobe_gpiod_bias {
    STROBE_GPIOD_BIAS_AS_IS = 0,
    STROBE_GPIOD_BIAS_DISABLE = 1,
    STROBE_GPIOD_BIAS_PULL_DOWN = 2,
    STROBE_GPIOD_BIAS_PULL_UP = 3,
} strobe_gpiod_bias;

/**
 * Open a chip by path ("/dev/gpiochip0"), name ("gpiochip0") or label ("pinctrl-bcm2835");
 * with `spec` NULL, the first chip whose label is one of the Raspberry Pi GPIO controllers
 * (pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1). -ENOENT: no such chip; -EACCES: see the
 * gpio group.
 */
int strobe_gpiod_chip_open(const char *spec, strobe_gpiod_chip **chip);
/** Close the chip (its lines must be released first). */
void strobe_gpiod_chip_close(strobe_gpiod_chip *chip);
/** Chip label, name and number of lines. */
const char *strobe_gpiod_chip_label(const strobe_gpiod_chip *chip);
const char *strobe_gpiod_chip_name(const strobe_gpiod_chip *chip);
unsigned strobe_gpiod_chip_num_lines(const strobe_gpiod_chip *chip);
/** Whether line `offset` is in use by anyone (kernel or user space), and by which consumer. */
int strobe_gpiod_line_in_use(strobe_gpiod_chip *chip, unsigned offset, char *consumer, size_t consumer_len);

/**
 * Request `count` lines as outputs with initial `values` (one ioctl for all).
 * -EBUSY: a line is held by someone else (the kernel or another process).
 */
int strobe_gpiod_request_output(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count, int bias, strobe_gpiod_lines **lines);
/** Request `count` lines as inputs with `bias`. */
int strobe_gpiod_request_input(strobe_gpiod_chip *chip, const unsigned *offsets, size_t count, int bias, strobe_gpiod_lines **lines);
/** Request one line for edge events (a strobe_edge: rising, falling or both) with `bias`. */
int strobe_gpiod_request_events(strobe_gpiod_chip *chip, unsigned offset, int edge, int bias, strobe_gpiod_lines **lines);
/** Release the lines (they go back to the kernel as inputs; libgpiod v1 cannot keep a state). */
void strobe_gpiod_release(strobe_gpiod_lines *lines);

/** Set line `index` of the request (0 for single lines): one GPIOHANDLE_SET_LINE_VALUES ioctl. */
int strobe_gpiod_set(strobe_gpiod_lines *lines, size_t index, int value);
/** Get line `index`: one ioctl; returns 0 or 1. */
int strobe_gpiod_get(strobe_gpiod_lines *lines, size_t index);
/** Set all lines of the request from `values`: one ioctl. */
int strobe_gpiod_set_all(strobe_gpiod_lines *lines, const int *values);
/** Get all lines into `values`: one ioctl. */
int strobe_gpiod_get_all(strobe_gpiod_lines *lines, int *values);
/**
 * Drive to `value` every line of the request whose offset's bit is set in `bits`, where bit n
 * stands for offset 32*k + n of the request's 32-line bank k (the first line's); lines of the
 * request whose bit is clear keep their last level. One ioctl for the whole request, even when
 * no bit matches. -EINVAL: the request spans two banks.
 */
int strobe_gpiod_write_bits(strobe_gpiod_lines *lines, uint32_t bits, int value);
/** Drive every line of the request to its bit in `bits` (bank bits as above): one ioctl. */
int strobe_gpiod_write_levels(strobe_gpiod_lines *lines, uint32_t bits);
/** The request's lines as a bank bit mask (see strobe_gpiod_write_bits); 0 when it spans banks. */
uint32_t strobe_gpiod_bank_mask(const strobe_gpiod_lines *lines);
/** File descriptor to poll for events of an events request. */
int strobe_gpiod_event_fd(strobe_gpiod_lines *lines);
/**
 * Wait up to `timeout_ns` (negative: forever) for an edge on an events request and read it.
 * Returns 1 and fills the event fields (kernel timestamp in ns, rising 1/0), 0 on timeout.
 */
int strobe_gpiod_read_event(strobe_gpiod_lines *lines, int64_t timeout_ns, uint64_t *timestamp_ns, unsigned *offset, int *rising);

/* C reference loops for the benchmark (bench_gpiod.c). */

/** `count` toggles (set 1, set 0) of line 0 of the request. */
void strobe_bench_gpiod_toggle_c(strobe_gpiod_lines *lines, uint64_t count);
/** `count` single sets of line 0, alternating 1 and 0. */
void strobe_bench_gpiod_write_c(strobe_gpiod_lines *lines, uint64_t count);
/** `count` gets of line 0; returns how many read 1. */
uint64_t strobe_bench_gpiod_read_c(strobe_gpiod_lines *lines, uint64_t count);
/** `count` mask toggles of a multi-line request: drive the lines in `bits` high, then low. */
void strobe_bench_gpiod_mask_c(strobe_gpiod_lines *lines, uint32_t bits, uint64_t count);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_GPIOD_H */
