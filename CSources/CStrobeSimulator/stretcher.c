/*
 * stretcher.c — a clock-stretching I2C target on the virtual bench: the engine's stretch_ns
 * ([UM10204] 3.1.9: a target may hold SCL low after receiving or sending a byte, and the master
 * must wait) in front of a small register file, so a master's stretch handling and its timeout
 * can be tested.
 */
#define _GNU_SOURCE
#include "strobe_vbench_i2c.h"
#include "vbench_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct stretcher {
    uint8_t reg[STROBE_STRETCHER_REGISTERS];
    unsigned pointer;
} stretcher;

static bool stretcher_begin(void *ctx, bool read, uint64_t time) {
    (void)ctx; (void)read; (void)time;
    return true;
}

static bool stretcher_write(void *ctx, unsigned index, uint8_t byte, uint64_t time) {
    (void)time;
    stretcher *s = ctx;
    if (index == 0) {
        if (byte >= STROBE_STRETCHER_REGISTERS) return false; /* no such register: NACK */
        s->pointer = byte;
        return true;
    }
    s->reg[s->pointer] = byte;
    s->pointer = (s->pointer + 1) % STROBE_STRETCHER_REGISTERS;
    return true;
}

static uint8_t stretcher_read(void *ctx, unsigned index, uint64_t time) {
    (void)index; (void)time;
    stretcher *s = ctx;
    uint8_t byte = s->reg[s->pointer];
    s->pointer = (s->pointer + 1) % STROBE_STRETCHER_REGISTERS;
    return byte;
}

static void stretcher_release(void *ctx) { free(ctx); }

int strobe_vbench_attach_clock_stretcher(strobe_vbench *b, unsigned sda, unsigned scl, unsigned address, uint64_t stretch_ns) {
    stretcher *s = calloc(1, sizeof *s);
    if (!s) return -ENOMEM;
    strobe_i2c_target_config c = {.sda = sda, .scl = scl, .address = address, .stretch_ns = stretch_ns};
    strobe_i2c_target_ops ops = {
        .begin = stretcher_begin, .write = stretcher_write, .read = stretcher_read, .release = stretcher_release,
    };
    int id = strobe_vbench_attach_i2c_target(b, &c, &ops, s);
    if (id < 0) free(s);
    return id;
}

static int registers(strobe_vbench *b, int id, unsigned first, uint8_t *out, const uint8_t *in, size_t len) {
    if (len && !out && !in) return -EINVAL;
    strobe_vbench_lock(b);
    stretcher *s = strobe_vbench_i2c_ctx_locked(b, id, stretcher_begin);
    int rc = !s ? -ENOENT : first > STROBE_STRETCHER_REGISTERS || len > STROBE_STRETCHER_REGISTERS - first ? -EINVAL : 0;
    if (rc == 0 && len) {
        if (out) memcpy(out, s->reg + first, len);
        else memcpy(s->reg + first, in, len);
    }
    strobe_vbench_unlock(b);
    return rc;
}

int strobe_vbench_stretcher_peek(strobe_vbench *b, int id, unsigned first, uint8_t *out, size_t len) {
    return registers(b, id, first, out, NULL, len);
}

int strobe_vbench_stretcher_poke(strobe_vbench *b, int id, unsigned first, const uint8_t *bytes, size_t len) {
    return registers(b, id, first, NULL, bytes, len);
}
