/*
 * strobe_vbench_i2c.h — I2C targets on the virtual bench.
 *
 * Source: NXP UM10204 "I2C-bus specification and user manual" rev. 7 ([UM10204] below).
 */
#ifndef STROBE_VBENCH_I2C_H
#define STROBE_VBENCH_I2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strobe_vbench.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An I2C target on the virtual bench: the bench's I2C engine (a device model on SDA and SCL,
 * open-drain: it only drives low or lets go) decodes START/STOP/bits/ACK and calls these.
 * They run in device-model context (see strobe_vbench_model in strobe_vbench.h): bench lock
 * held, inside the SIGSEGV handler — own state and arithmetic only. */
typedef struct strobe_i2c_target_ops {
    /** A START or repeated START addressed this target; `read` is the R/W bit. Return true to ACK. */
    bool (*begin)(void *ctx, bool read, uint64_t time_ns);
    /** Data byte `index` (0 = first after the address since this START) written by the master; return true to ACK. */
    bool (*write)(void *ctx, unsigned index, uint8_t byte, uint64_t time_ns);
    /** The byte to send as data byte `index` of a read. */
    uint8_t (*read)(void *ctx, unsigned index, uint64_t time_ns);
    /** The transfer ended: `stop` true for a STOP, false for a repeated START. May be NULL. */
    void (*end)(void *ctx, bool stop, uint64_t time_ns);
    /** Called once when detached or the bench is freed. May be NULL. */
    void (*release)(void *ctx);
} strobe_i2c_target_ops;

typedef struct strobe_i2c_target_config {
    unsigned sda, scl;      /* GPIO numbers */
    unsigned address;       /* 7-bit, or 10-bit with ten_bit */
    bool ten_bit;
    uint64_t stretch_ns;    /* hold SCL low this long after the ACK clock of every byte (0: never stretch) */
} strobe_i2c_target_config;

/** Attach a target; `ctx` is passed to the ops. Returns the model id (> 0) or a negative errno. */
int strobe_vbench_attach_i2c_target(strobe_vbench *bench, const strobe_i2c_target_config *config,
                                    const strobe_i2c_target_ops *ops, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_VBENCH_I2C_H */
