/*
 * strobe_sysfs.h — the sysfs GPIO backend (/sys/class/gpio), deprecated by the kernel but
 * still everywhere.
 *
 * Every function takes the sysfs root ("/sys" on a real system) so tests run on a temporary
 * directory tree. GPIO numbers here are *global* sysfs numbers: chip base + line offset. The
 * base is always read from sysfs (kernels since 6.6 number chips from 512; the emulated Pi 3B
 * has 458): never hard-coded.
 * All functions return 0 (or a value >= 0) or a negative errno.
 */
#ifndef STROBE_SYSFS_H
#define STROBE_SYSFS_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_events.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A gpiochip as sysfs lists it. */
typedef struct strobe_sysfs_chip {
    char name[32];   /**< directory name, e.g. "gpiochip458" */
    char label[64];  /**< contents of `label`, e.g. "pinctrl-bcm2835" */
    int base;        /**< contents of `base` */
    int ngpio;       /**< contents of `ngpio` */
} strobe_sysfs_chip;

/**
 * Find the chip under `root`/class/gpio whose label is `label` (e.g. "pinctrl-bcm2835",
 * "pinctrl-bcm2711", "pinctrl-rp1"); with `label` NULL, the chip with the most lines.
 * -ENOENT: no such chip (or no /sys/class/gpio: kernel without CONFIG_GPIO_SYSFS);
 * -EINVAL: a chip directory whose base/ngpio files don't hold numbers.
 */
int strobe_sysfs_find_chip(const char *root, const char *label, strobe_sysfs_chip *chip);

/**
 * Export global GPIO `number` (write it to `root`/class/gpio/export) and wait up to
 * `timeout_ms` until `gpioN/direction` and `gpioN/value` are writable (udev changes their
 * group after export). -EBUSY: already exported (by us or someone else) or the kernel holds the
 * line; -ETIMEDOUT: the files did not become writable in time.
 */
int strobe_sysfs_export(const char *root, int number, int timeout_ms);
/** Unexport (write `number` to `root`/class/gpio/unexport). */
int strobe_sysfs_unexport(const char *root, int number);
/** Write "in", "out", "high" or "low" to gpioN/direction ("high"/"low": output with that level, glitch-free). */
int strobe_sysfs_set_direction(const char *root, int number, const char *direction);
/** Read gpioN/direction into `out` ("in" or "out"). */
int strobe_sysfs_get_direction(const char *root, int number, char *out, size_t out_len);
/** Write 0/1 to gpioN/active_low. */
int strobe_sysfs_set_active_low(const char *root, int number, int active_low);
/** Write "none", "rising", "falling" or "both" (a strobe_edge) to gpioN/edge. */
int strobe_sysfs_set_edge(const char *root, int number, int edge);
/** Open gpioN/value (O_RDWR, or O_RDONLY when `read_only`) and return the fd, kept open for the hot path. */
int strobe_sysfs_open_value(const char *root, int number, int read_only);
/** Write the level with exactly one syscall (pwrite of one byte at offset 0). */
int strobe_sysfs_write_value(int fd, int level);
/** Read the level with one pread at offset 0: returns 0 or 1. */
int strobe_sysfs_read_value(int fd);
/**
 * Wait up to `timeout_ms` (-1 forever) for an edge on a value fd whose `edge` is set:
 * poll(POLLPRI|POLLERR), then re-read the value (which re-arms the notification).
 * Returns 1 with `*level` set when an edge came, 0 on timeout.
 */
int strobe_sysfs_wait_edge(int fd, int timeout_ms, int *level);
/**
 * Make an open value fd inert without freeing its number: dup3() puts an O_PATH descriptor of
 * "/" over `fd` in one atomic step (the value file is closed, unless a call on another thread
 * still uses it, which then completes on it). From then on strobe_sysfs_write_value and
 * strobe_sysfs_read_value on `fd` return -EBADF and strobe_sysfs_wait_edge -EBADF, and no file
 * opened later can get this number until the caller closes `fd`. 0, or a negative errno (the
 * placeholder could not be opened, or `fd` is not open).
 */
int strobe_sysfs_revoke_fd(int fd);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_SYSFS_H */
