/*
 * strobe_bench.h — C reference loops for the toggle benchmark and the hot-path proof.
 *
 * They are compiled in the C core (not inlined into Swift) so that "the C path" in every
 * comparison is real C compiled by the C compiler.
 */
#ifndef STROBE_BENCH_H
#define STROBE_BENCH_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_regs.h"
#include "strobe_spi.h"
#include "strobe_i2c.h"

#ifdef __cplusplus
extern "C" {
#endif

/** `count` toggles (set then clear) of `port`, as a C programmer would write them. */
void strobe_bench_toggle_c(strobe_port port, uint64_t count);
/** `count` mask writes alternating set and clear of `mask` through `port`'s registers. */
void strobe_bench_mask_c(strobe_port port, uint32_t mask, uint64_t count);
/** `count` level reads; returns how many read high (so the loop is not optimized away). */
uint64_t strobe_bench_read_c(strobe_port port, uint64_t count);
/** `count` single writes through `port`, alternating set and clear. */
void strobe_bench_write_c(strobe_port port, uint64_t count);
/** `count` SPI words sent write-only on `spi`, `chunk` words (1 or more) of `words` a call:
 *  what a C programmer sending a buffer through the engine writes. */
void strobe_bench_spi_c(const strobe_spi *spi, const uint32_t *words, size_t chunk, uint64_t count);
/** `count` I2C data bytes (zeros) written at `bus`'s rate to the general-call address 0x00,
 *  `chunk` bytes (1 or more) of `bytes` a transaction; returns how many transactions failed. */
uint64_t strobe_bench_i2c_c(strobe_i2c *bus, uint8_t *bytes, size_t chunk, uint64_t count);
/** sysfs: `count` toggles (write 1, write 0) of an open value fd. */
void strobe_bench_sysfs_toggle_c(int fd, uint64_t count);
/** sysfs: `count` single writes, alternating 1 and 0. */
void strobe_bench_sysfs_write_c(int fd, uint64_t count);
/** sysfs: `count` reads; returns how many read 1. */
uint64_t strobe_bench_sysfs_read_c(int fd, uint64_t count);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_BENCH_H */
