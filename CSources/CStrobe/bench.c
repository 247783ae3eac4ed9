/*
 * bench.c — the C reference loops. Each is what a C programmer writes by hand: a register
 * pointer and a mask in registers, one store per edge.
 */
#define _GNU_SOURCE
#include "strobe_bench.h"
#include "strobe_sysfs.h"


void strobe_bench_toggle_c(strobe_port port, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        strobe_port_set(port);
        strobe_port_clear(port);
    }
}

void strobe_bench_mask_c(strobe_port port, uint32_t mask, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        strobe_w32(port.set, mask);
        strobe_w32(port.clr, mask);
    }
}

uint64_t strobe_bench_read_c(strobe_port port, uint64_t count) {
    uint64_t high = 0;
    for (uint64_t i = 0; i < count; i++) high += strobe_port_read(port);
    return high;
}

void strobe_bench_spi_c(const strobe_spi *spi, const uint32_t *words, size_t chunk, uint64_t count) {
    for (uint64_t sent = 0; sent < count; sent += chunk) {
        size_t n = count - sent < chunk ? (size_t)(count - sent) : chunk;
        strobe_spi_transfer(spi, words, n, NULL, 0);
    }
}

uint64_t strobe_bench_i2c_c(strobe_i2c *bus, uint8_t *bytes, size_t chunk, uint64_t count) {
    uint64_t failed = 0;
    for (uint64_t sent = 0; sent < count; sent += chunk) {
        strobe_i2c_op op = {.data = bytes, .length = count - sent < chunk ? (size_t)(count - sent) : chunk, .read = false};
        strobe_i2c_result r;
        if (strobe_i2c_transfer(bus, 0x00, false, &op, 1, &r) != 0) failed++;
    }
    return failed;
}

void strobe_bench_write_c(strobe_port port, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        if (i & 1u) strobe_port_clear(port);
        else strobe_port_set(port);
    }
}

void strobe_bench_sysfs_toggle_c(int fd, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) {
        strobe_sysfs_write_value(fd, 1);
        strobe_sysfs_write_value(fd, 0);
    }
}

void strobe_bench_sysfs_write_c(int fd, uint64_t count) {
    for (uint64_t i = 0; i < count; i++) strobe_sysfs_write_value(fd, (int)(~i & 1u));
}

uint64_t strobe_bench_sysfs_read_c(int fd, uint64_t count) {
    uint64_t high = 0;
    for (uint64_t i = 0; i < count; i++) high += strobe_sysfs_read_value(fd) == 1;
    return high;
}
