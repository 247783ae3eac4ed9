/*
 * bench_gpiod.c — the C reference loops for the libgpiod backend: what a C programmer writes
 * over libgpiod, one ioctl per set or get.
 */
#define _GNU_SOURCE
#include "strobe_gpiod.h"

void strobe_bench_gpiod_toggle_c(strobe_gpiod_lines *lines, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        strobe_gpiod_set(lines, 0, 1);
        strobe_gpiod_set(lines, 0, 0);
    }
}

void strobe_bench_gpiod_write_c(strobe_gpiod_lines *lines, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) strobe_gpiod_set(lines, 0, (int)(~i & 1u));
}

uint64_t strobe_bench_gpiod_read_c(strobe_gpiod_lines *lines, uint64_t count) {
    uint64_t high = 0;
    for (uint64_t i = 0; i < count; i++) high += strobe_gpiod_get(lines, 0) == 1;
    return high;
}

void strobe_bench_gpiod_mask_c(strobe_gpiod_lines *lines, uint32_t bits, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        strobe_gpiod_write_bits(lines, bits, 1);
        strobe_gpiod_write_bits(lines, bits, 0);
    }
}
