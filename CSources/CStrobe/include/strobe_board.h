/*
 * strobe_board.h — which Raspberry Pi is this, and where are its GPIO registers.
 *
 * Detection reads the device tree (`/proc/device-tree/{compatible,model,soc/ranges}`) and the
 * revision code in `/proc/cpuinfo` below an injectable root directory, so tests run the same
 * code on fixture trees.
 */
#ifndef STROBE_BOARD_H
#define STROBE_BOARD_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The system-on-chip families Strobe knows. */
typedef enum strobe_soc {
    STROBE_SOC_UNKNOWN = 0,
    STROBE_SOC_BCM2835 = 1, /**< Pi 1, Zero, Zero W, CM1 */
    STROBE_SOC_BCM2836 = 2, /**< Pi 2 (early) */
    STROBE_SOC_BCM2837 = 3, /**< Pi 3, 3+, Zero 2 W, CM3, Pi 2 v1.2 */
    STROBE_SOC_BCM2711 = 4, /**< Pi 4, 400, CM4 */
    STROBE_SOC_BCM2712 = 5, /**< Pi 5, 500, CM5 (GPIO on RP1) */
} strobe_soc;

/** What detection found. Strings are NUL-terminated and empty when unknown. */
typedef struct strobe_board_info {
    strobe_soc soc;
    strobe_layout layout;
    /** Model string from the device tree, e.g. "Raspberry Pi 4 Model B Rev 1.4". */
    char model[128];
    /** First `compatible` entry, e.g. "raspberrypi,4-model-b". */
    char compatible[96];
    /** Revision code from /proc/cpuinfo, 0 when absent. */
    uint32_t revision;
    /** Board type decoded from a new-style revision code (e.g. 0x11 = 4B), -1 when unknown. */
    int revision_type;
    /** Board name decoded from the revision code, e.g. "4B", or "" when unknown. */
    char revision_name[24];
    /** Memory in MB from the revision code, 0 when unknown. */
    uint32_t memory_mb;
    /** Peripheral base (BCM) from soc/ranges, 0 for RP1. */
    uint64_t peripheral_base;
    /** Physical address of the GPIO block, for /dev/mem. */
    uint64_t gpio_phys;
    /** The no-root mapping device: "/dev/gpiomem" or "/dev/gpiomem0". */
    char gpiomem_path[32];
} strobe_board_info;

/**
 * Detect the board under `root` ("/" or NULL for the running system).
 * Returns 0; -ENODEV when this is not a Raspberry Pi (no device tree, or one without a
 * Raspberry Pi / Broadcom SoC); -EINVAL when a device-tree file is malformed (then `why`,
 * if given, receives which file and what is wrong); -ENAMETOOLONG for a root of 256 bytes or
 * more; other negative errno from reading files.
 */
int strobe_detect(const char *root, strobe_board_info *info, char *why, size_t why_len);

/** Decode a new-style revision code. Returns 0 and fills the revision fields, or -EINVAL. */
int strobe_decode_revision(uint32_t revision, strobe_board_info *info);

/** Lower-case SoC name, e.g. "bcm2711"; "unknown" for STROBE_SOC_UNKNOWN. */
const char *strobe_soc_name(strobe_soc soc);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_BOARD_H */
