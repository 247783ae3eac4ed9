/*
 * strobe_gpiod.h — the character-device backend, over libgpiod. One API for both of libgpiod's
 * incompatible generations, chosen at build time by the gpiod.h found with pkg-config:
 *   - libgpiod 1.6 (Debian 12 / Raspberry Pi OS bookworm: libgpiod-dev, libgpiod.so.2), which
 *     speaks the kernel's GPIO uAPI v1 (GPIO_GET_LINEHANDLE_IOCTL, GPIOHANDLE_*_LINE_VALUES);
 *   - libgpiod 2.x (Debian 13 / Raspberry Pi OS trixie: libgpiod-dev 2.2, libgpiod.so.3), which
 *     speaks uAPI v2 (GPIO_V2_GET_LINE_IOCTL, GPIO_V2_LINE_{GET,SET}_VALUES with a line mask).
 * strobe_gpiod_api() says which one this build uses. Where they differ, each function says so.
 *
 * Lines are requested with consumer "strobe". Every function returns 0 (or a value >= 0) or a
 * negative errno (-EBADF on a revoked request) and sets no globals (libgpiod reports through errno; it is turned into the
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

/** The libgpiod generation this build speaks: 1 (libgpiod 1.6, uAPI v1) or 2 (2.x, uAPI v2). */
int strobe_gpiod_api(void);
/** The version string of the libgpiod loaded at run time, e.g. "1.6.3" or "2.2.1". */
const char *strobe_gpiod_library_version(void);

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

/** Output drive (uAPI v1 GPIOHANDLE_REQUEST_OPEN_DRAIN/SOURCE, v2 GPIO_V2_LINE_FLAG_OPEN_*). */
typedef enum strobe_gpiod_drive {
    STROBE_GPIOD_DRIVE_PUSH_PULL = 0,
    /** Drive low, or let go (high impedance): the line reads high through its pull-up. */
    STROBE_GPIOD_DRIVE_OPEN_DRAIN = 1,
    /** Drive high, or let go. */
    STROBE_GPIOD_DRIVE_OPEN_SOURCE = 2,
} strobe_gpiod_drive;

/** Line direction in strobe_gpiod_settings. */
typedef enum strobe_gpiod_direction {
    STROBE_GPIOD_INPUT = 0,
    STROBE_GPIOD_OUTPUT = 1,
} strobe_gpiod_direction;

/**
 * How to request (or reconfigure) lines; every line of a request gets the same settings.
 * Zero-initialized it is a plain input with the bias left as it is.
 */
typedef struct strobe_gpiod_settings {
    int direction;        /**< strobe_gpiod_direction */
    int bias;             /**< strobe_gpiod_bias */
    int drive;            /**< strobe_gpiod_drive; outputs only */
    int edge;             /**< 0: none, else a strobe_edge (rising, falling, both); inputs only */
    /** Kernel debounce of an input, in µs (0: none). uAPI v2 only (libgpiod 2.x): the kernel
     *  reports a level, and an edge, once the line has been stable this long — in hardware
     *  where the chip can, in gpiolib otherwise. -EOPNOTSUPP with libgpiod 1.6. */
    uint32_t debounce_us;
} strobe_gpiod_settings;

/**
 * Open a chip by path ("/dev/gpiochip0"), name ("gpiochip0") or label ("pinctrl-bcm2835");
 * with `spec` NULL, the first chip whose label is one of the Raspberry Pi GPIO controllers
 * (pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1). -ENOENT: no such chip; -EACCES: see the
 * gpio group.
 */
int strobe_gpiod_chip_open(const char *spec, strobe_gpiod_chip **chip);
/** Close the chip (its lines must be released or revoked first). */
void strobe_gpiod_chip_close(strobe_gpiod_chip *chip);
/**
 * For tests off a Pi: a chip of `num_lines` lines with no kernel behind it. Its requests keep
 * their levels in memory (a set is read back by a get), edge requests are -EOPNOTSUPP, and every
 * line is free. Close it with strobe_gpiod_chip_close.
 */
int strobe_gpiod_chip_fake(unsigned num_lines, strobe_gpiod_chip **chip);
/** Chip label, name and number of lines. */
const char *strobe_gpiod_chip_label(const strobe_gpiod_chip *chip);
const char *strobe_gpiod_chip_name(const strobe_gpiod_chip *chip);
unsigned strobe_gpiod_chip_num_lines(const strobe_gpiod_chip *chip);
/** Whether line `offset` is in use by anyone (kernel or user space), and by which consumer. */
int strobe_gpiod_line_in_use(strobe_gpiod_chip *chip, unsigned offset, char *consumer, size_t consumer_len);

/** What the kernel says about one line (GPIO_GET_LINEINFO_IOCTL / GPIO_V2_GET_LINEINFO_IOCTL). */
typedef struct strobe_gpiod_line_info {
    unsigned offset;
    int used;        /**< 1 when the kernel or a process holds the line */
    int direction;   /**< strobe_gpiod_direction */
    int drive;       /**< strobe_gpiod_drive */
    int bias;        /**< strobe_gpiod_bias; STROBE_GPIOD_BIAS_AS_IS: the kernel reports none (unknown) */
    int active_low;  /**< 1 when the line's value is inverted */
    char name[32];     /**< the line's name from the device tree, "" when unnamed */
    char consumer[32]; /**< who holds it, "" when free or unnamed */
} strobe_gpiod_line_info;

/**
 * Fresh line info for `offset` of `chip`, as `gpioinfo` prints it: one ioctl, never a cached
 * copy. libgpiod 1.6: gpiod_line_update, then gpiod_line_direction, gpiod_line_is_open_drain /
 * _open_source, gpiod_line_bias; 2.x: gpiod_chip_get_line_info, then
 * gpiod_line_info_get_direction, _get_drive, _get_bias. -EINVAL: no such line.
 */
int strobe_gpiod_line_info_get(strobe_gpiod_chip *chip, unsigned offset, strobe_gpiod_line_info *info);

/**
 * Request `count` lines (each once, at most STROBE_GPIOD_MAX_LINES) with `settings`, outputs
 * starting at `values` (NULL: all low): one ioctl for all. -EINVAL: a repeated offset, or
 * settings that don't fit together (edges on an output, a drive on an input, edges on more than
 * one line); -EOPNOTSUPP: debounce with libgpiod 1.6; -EBUSY: a line is held by someone else.
 */
int strobe_gpiod_request(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count,
                         const strobe_gpiod_settings *settings, strobe_gpiod_lines **lines);
/**
 * Change the settings of every line of a held request — the lines stay requested (nobody else
 * can take them in between). Outputs start at `values` (NULL: low). One ioctl
 * (GPIOHANDLE_SET_CONFIG_IOCTL, Linux 5.5+; GPIO_V2_LINE_SET_CONFIG_IOCTL). An edge request
 * can't become a value request or back: -EINVAL.
 */
int strobe_gpiod_reconfigure(strobe_gpiod_lines *lines, const strobe_gpiod_settings *settings, const int *values);

/**
 * Request `count` lines as outputs with initial `values` (one ioctl for all).
 * -EBUSY: a line is held by someone else (the kernel or another process).
 */
int strobe_gpiod_request_output(strobe_gpiod_chip *chip, const unsigned *offsets, const int *values, size_t count, int bias, strobe_gpiod_lines **lines);
/** Request `count` lines as inputs with `bias`. */
int strobe_gpiod_request_input(strobe_gpiod_chip *chip, const unsigned *offsets, size_t count, int bias, strobe_gpiod_lines **lines);
/** Request one line for edge events (a strobe_edge: rising, falling or both) with `bias`
 *  (strobe_gpiod_request with `edge` set, for kernel debounce). */
int strobe_gpiod_request_events(strobe_gpiod_chip *chip, unsigned offset, int edge, int bias, strobe_gpiod_lines **lines);
/**
 * Give the lines back to the kernel but keep the object: every later call on it returns -EBADF
 * and touches no descriptor. A call in progress on another thread finishes first (each call
 * holds the request's lock while it is in the kernel; an event wait gives it up every 20 ms),
 * so the request's descriptor is never used after it was closed, when another file may have
 * reused its number. Safe to call more than once and from any thread; the object still belongs
 * to whoever must strobe_gpiod_release it.
 */
void strobe_gpiod_revoke(strobe_gpiod_lines *lines);
/** 1 once strobe_gpiod_revoke ran on `lines` (or `lines` is NULL), else 0. */
int strobe_gpiod_is_revoked(strobe_gpiod_lines *lines);
/** Revoke the lines (see strobe_gpiod_revoke: the kernel frees them, and the chip's driver
 *  decides what they do next — pinctrl-bcm2835 keeps the last direction and level; gpio-sim
 *  returns to the pull), then free the object. No thread may use `lines` after this. */
void strobe_gpiod_release(strobe_gpiod_lines *lines);

/** Set line `index` of the request (0 for single lines): one ioctl (v1: GPIOHANDLE_SET_LINE_VALUES
 *  with every line's level, the others resent from the last written; v2: GPIO_V2_LINE_SET_VALUES
 *  with only this line in the mask). */
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
 * request whose bit is clear keep their level. One ioctl: v1 resends every line (those not in
 * `bits` at their last written level), even when no bit matches; v2 sends only the lines in
 * `bits` (none when no bit matches: no ioctl). -EINVAL: the request spans two banks.
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
