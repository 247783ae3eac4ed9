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

/*
 * How the engine decodes the bus ([UM10204] 3.1): START = SDA falls while SCL is high, STOP =
 * SDA rises while SCL is high (3.1.4); a bit is sampled on SCL's rising edge (3.1.3); a byte is
 * 8 bits MSB first and a 9th clock for the acknowledge, in which the receiver pulls SDA low to
 * ACK (3.1.5, 3.1.6). The target itself changes SDA only while SCL is low: its ACK after the 8th
 * falling edge, released after the 9th; when it transmits, each bit after the previous falling
 * edge. A target not addressed by the first byte after a START (or one whose begin() NACKs)
 * stays quiet — drives nothing — until the next START or STOP, so several targets share a bus,
 * each its own model. 10-bit addressing (3.1.11): the first byte 11110 A9 A8 0, then A7…A0
 * (every target whose first byte matches ACKs it; only the one whose second byte matches ACKs
 * that); a read is the combined form — 10-bit write addressing, repeated START, 11110 A9 A8 1,
 * which the target addressed before answers (until a STOP or another address). With
 * `stretch_ns`, after the 9th clock of every byte of a transfer addressed to it the target holds
 * SCL low for that long (3.1.9, clock stretching), released by a model timer at that virtual
 * time. begin/write/read must be set; end and release may be NULL. If the attach fails, the ops'
 * release is not called (the caller still owns `ctx`).
 *
 * Errors: -EINVAL for a pin the layout lacks, SDA = SCL, a 7-bit address outside 0x08…0x77
 * (0000xxx and 1111xxx are reserved, [UM10204] 3.1.12 table 4), a 10-bit address over 0x3FF, a
 * stretch over STROBE_I2C_MAX_STRETCH_NS, missing ops; -ENOMEM; -ENOSPC.
 */
/** The longest stretch a target may be given: 60 s of virtual time. */
#define STROBE_I2C_MAX_STRETCH_NS 60000000000ull

/** What target `id`'s engine has seen: for tests and the models' wrappers. */
typedef struct strobe_i2c_target_stats {
    uint64_t addressed;          /**< address bytes it ACKed (its begin() returned true) */
    uint64_t refused;            /**< times its address was sent and begin() said NACK */
    uint64_t stretches;          /**< clock stretches done */
    uint64_t last_stretch_start_ns;   /**< virtual time the last stretch began (0: none yet) */
    uint64_t last_stretch_release_ns; /**< virtual time it let SCL go (0: none yet) */
} strobe_i2c_target_stats;

/** Copy the statistics of I2C target `id` into `*out`. Returns 0 or -ENOENT. */
int strobe_vbench_i2c_target_stats(strobe_vbench *bench, int id, strobe_i2c_target_stats *out);
/** Change the stretch of I2C target `id` (from the next byte on). Returns 0, -EINVAL (over
 *  STROBE_I2C_MAX_STRETCH_NS) or -ENOENT. */
int strobe_vbench_i2c_target_set_stretch(strobe_vbench *bench, int id, uint64_t stretch_ns);

/* ------------------------------------------------------------------------------------------ */
/* A 24Cxx serial EEPROM.                                                                      */
/* ------------------------------------------------------------------------------------------ */

/**
 * A two-wire serial EEPROM of the 24C family. Defaults from Microchip/Atmel AT24C02 ([AT24C02]:
 * "2-Wire Serial EEPROM 2K (256 x 8)", Atmel 0180 / Microchip DS20006014): 256 bytes, 8-byte
 * pages, one word-address byte, tWR 5 ms; the device address is 1010 A2 A1 A0 (0x50…0x57,
 * "Device Addressing"). The 24C32 and larger take two word-address bytes, high first, and have
 * 32-byte (or larger) pages.
 */
typedef struct strobe_eeprom_config {
    unsigned sda, scl;
    unsigned address;       /**< 0x50…0x57 */
    unsigned size;          /**< bytes: a power of two, 16…256 with one address byte, 16…65536 with two */
    unsigned page_size;     /**< a power of two, 1…256 and at most `size` */
    unsigned address_bytes; /**< 1 or 2 */
    uint64_t write_cycle_ns;/**< tWR: 0…1 s (the AT24C02's maximum is 5 ms, "AC Characteristics") */
} strobe_eeprom_config;

/** The AT24C02 defaults: 256 bytes, 8-byte pages, one address byte, tWR 5 ms. */
#define STROBE_EEPROM_24C02_SIZE 256u
#define STROBE_EEPROM_24C02_PAGE 8u
#define STROBE_EEPROM_TWR_NS 5000000ull
/** The longest write cycle a model may be given. */
#define STROBE_EEPROM_MAX_TWR_NS 1000000000ull

/**
 * Attach an EEPROM, every byte 0xFF (erased). What it does, per [AT24C02]:
 * - Byte write and page write: device address (W), word address, data bytes, STOP. The data
 *   are latched; the lower bits of the word address (log2 page_size of them) count up after
 *   each byte and roll over within the page, so bytes past the page's end overwrite its start
 *   ("Page Write"). STOP starts the self-timed write cycle tWR, during which the device ignores
 *   the bus: it NACKs its address, write or read ("Acknowledge Polling"). A repeated START
 *   instead of the STOP writes nothing.
 * - Current address read: the internal address counter, one past the last byte read or
 *   written (within the page for writes), is read; random read: a "dummy" write of the word
 *   address, repeated START, read; sequential read: each ACKed byte moves the counter, rolling
 *   over from the last byte of memory to the first ("Sequential Read").
 * Returns the model id (> 0) or -EINVAL (see strobe_vbench_attach_i2c_target and the field
 * ranges above), -ENOMEM, -ENOSPC.
 */
int strobe_vbench_attach_eeprom(strobe_vbench *bench, const strobe_eeprom_config *config);
/** Copy `len` bytes of EEPROM `id`'s memory from `offset` into `out`. 0, -EINVAL (past the end), -ENOENT. */
int strobe_vbench_eeprom_peek(strobe_vbench *bench, int id, unsigned offset, uint8_t *out, size_t len);
/** Set `len` bytes of EEPROM `id`'s memory from `offset` at once (no write cycle). 0, -EINVAL, -ENOENT. */
int strobe_vbench_eeprom_poke(strobe_vbench *bench, int id, unsigned offset, const uint8_t *bytes, size_t len);

/** What EEPROM `id` has done. */
typedef struct strobe_eeprom_status {
    uint64_t write_cycles;   /**< write cycles started (one per byte or page write) */
    uint64_t busy_until_ns;  /**< virtual time the last write cycle ends (0: none yet) */
    unsigned address_counter;/**< the internal data word address counter */
} strobe_eeprom_status;
/** Copy EEPROM `id`'s status into `*out`. 0 or -ENOENT. */
int strobe_vbench_eeprom_status(strobe_vbench *bench, int id, strobe_eeprom_status *out);

/* ------------------------------------------------------------------------------------------ */
/* A clock-stretching target.                                                                  */
/* ------------------------------------------------------------------------------------------ */

/** Registers of the clock stretcher. */
#define STROBE_STRETCHER_REGISTERS 16u

/**
 * A target at 7-bit `address` that holds SCL low for `stretch_ns` after the ACK clock of every
 * byte addressed to it (including its address byte), and serves STROBE_STRETCHER_REGISTERS
 * 8-bit registers, all 0 at first: a write's first data byte sets the register pointer (a
 * pointer past the last register is NACKed), the following bytes are stored from there on;
 * reads return registers from the pointer; the pointer counts up after each byte, wrapping.
 * Returns the model id (> 0) or a negative errno as strobe_vbench_attach_i2c_target does.
 */
int strobe_vbench_attach_clock_stretcher(strobe_vbench *bench, unsigned sda, unsigned scl, unsigned address,
                                         uint64_t stretch_ns);
/** Copy `len` registers of stretcher `id` from `first`. 0, -EINVAL (past the last), -ENOENT. */
int strobe_vbench_stretcher_peek(strobe_vbench *bench, int id, unsigned first, uint8_t *out, size_t len);
/** Set `len` registers of stretcher `id` from `first`. 0, -EINVAL, -ENOENT. */
int strobe_vbench_stretcher_poke(strobe_vbench *bench, int id, unsigned first, const uint8_t *bytes, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_VBENCH_I2C_H */
