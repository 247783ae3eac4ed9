/*
 * strobe_map.h — mapping the GPIO register block into the process.
 */
#ifndef STROBE_MAP_H
#define STROBE_MAP_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_board.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A mapped register block. */
typedef struct strobe_mapping {
    volatile uint32_t *block; /**< start of the GPIO block */
    size_t length;            /**< bytes mapped */
    void *map_base;           /**< what mmap returned (page aligned) */
    size_t map_length;
    char path[64];            /**< the device that was mapped */
} strobe_mapping;

/**
 * Map `length` bytes at byte `offset` of the device at `path`, read-write, shared.
 * Returns 0 or a negative errno (-ENOENT missing, -EACCES permission, -ENODEV/-EINVAL when
 * the file can't be mapped).
 */
int strobe_map_device(const char *path, uint64_t offset, size_t length, strobe_mapping *out);

/**
 * Map the GPIO block of the detected board: `/dev/gpiomem` (BCM) or `/dev/gpiomem0` (RP1),
 * or `/dev/mem` at `info->gpio_phys` when `use_devmem` is non-zero (root only).
 * `dev_root` prefixes the device paths ("" or NULL for the real /dev).
 */
int strobe_map_board(const strobe_board_info *info, int use_devmem, const char *dev_root, strobe_mapping *out);

/**
 * Map a plain RAM block the size of `layout`'s register block, zero-filled. It has no
 * hardware semantics: it is where the benchmark's stores land on a machine without GPIO.
 */
int strobe_map_ram(strobe_layout layout, strobe_mapping *out);

/** Unmap. Safe on a zeroed mapping. */
void strobe_unmap(strobe_mapping *mapping);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_MAP_H */
