/*
 * strobe_i2c.h — a bit-banged I2C master on the register path.
 *
 * SDA and SCL are open-drain, as UM10204 (NXP "I2C-bus specification and user manual", Rev. 7,
 * 2021) section 3.1.1 requires: the output latch of each line is preset low once (the caller
 * does it when it claims the pin), and then "low" makes the pin an output and "release" makes
 * it an input so that the pull-up — or a target pulling low — decides the level. BCM2835/6/7
 * and BCM2711: one store of the pin's GPFSELn word (field 001 or 000, [BCM2835] 6.1 table
 * 6-2); RP1: one store of the pin's bit to the SYS_RIO0 OE SET or CLR alias ([RP1] 2.4, 3.3).
 * Levels are loads of GPLEVn / RIO SYNC_IN, one load for both lines when they share a bank.
 *
 * BCM's GPFSELn is shared by ten pins, so a direction change is a read-modify-write in
 * principle. The engine reads each GPFSELn it uses once when a transfer starts and keeps a
 * copy, so each change is one store: nothing else may change a function in those registers
 * while a transfer runs. strobe_i2c_set_guard makes that so in this process (the handle's
 * function-select lock is held for the transfer) and checks the caller still holds the pins.
 *
 * Timing (UM10204 section 6.1, table 10, "Characteristics of the SDA and SCL bus lines"):
 *   mode          tLOW    tHIGH   tHD;STA tSU;STA tSU;DAT tSU;STO tBUF
 *   Sm  ≤100 kHz  4.7 µs  4.0 µs  4.0 µs  4.7 µs  250 ns  4.0 µs  4.7 µs
 *   Fm  ≤400 kHz  1.3 µs  0.6 µs  0.6 µs  0.6 µs  100 ns  0.6 µs  1.3 µs
 *   Fm+ ≤1 MHz    0.5 µs  0.26 µs 0.26 µs 0.26 µs 50 ns   0.26 µs 0.5 µs
 * A clock period of exactly 10⁹/hz ns (the fraction carried, no drift) is split into tLOW and
 * tHIGH: halves when both halves meet the mode's minimums, otherwise the mode's minimums plus
 * the slack shared in their ratio (400 kHz: 1.71 µs low, 0.79 µs high; 1 MHz: 658 + 342 ns);
 * above 1 MHz, beyond the specification, Fm+'s ratio. SDA changes in the middle of tLOW
 * (tSU;DAT = tLOW/2, tHD;DAT = tLOW/2); START and the STOP's set-up hold for tHIGH
 * (≥ tHD;STA, tSU;STO); a repeated START's set-up is tLOW (≥ tSU;STA in every mode); the bus
 * is free for tLOW after a STOP, and after strobe_i2c_init, before the next START (≥ tBUF). STROBE_I2C_HZ_MAX: no waits.
 *
 * Clock stretching (UM10204 3.1.9): after releasing SCL the engine reads it until it is high.
 * When it isn't at once, it waits up to the configured timeout (SMBus tTIMEOUT is 25 ms) and
 * fails with -ETIMEDOUT; the rest of the clock is then timed from when SCL was seen high. On
 * RP1 that read also makes the posted release land before the high time is counted.
 */
#ifndef STROBE_I2C_H
#define STROBE_I2C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strobe_regs.h"
#include "strobe_clock.h"
#include "strobe_gpio.h"

#ifdef __cplusplus
extern "C" {
#endif

/** `hz` for "as fast as the pins go": no waits, only the lines' own reads pace the bus. */
#define STROBE_I2C_HZ_MAX 0xFFFFFFFFu
/** The fastest timed rate: 100 MHz (a 10 ns period). */
#define STROBE_I2C_HZ_LIMIT 100000000u
/** The longest clock-stretching timeout: 10 s. */
#define STROBE_I2C_MAX_STRETCH_NS 10000000000ull
/** The SMBus clock-low timeout, tTIMEOUT min (SMBus 3.1 section 4.3.3, table 2): 25 ms. */
#define STROBE_I2C_SMBUS_TIMEOUT_NS 25000000ull
/** The clocks a bus recovery gives a target to let go of SDA (UM10204 3.1.16). */
#define STROBE_I2C_RECOVERY_CLOCKS 9u
/** The largest 7-bit address; 10-bit addresses go to 0x3FF (UM10204 3.1.11). */
#define STROBE_I2C_ADDR7_MAX 0x7Fu
#define STROBE_I2C_ADDR10_MAX 0x3FFu
/** The SMBus block limit (SMBus 3.1 section 6.5.7): a block's count byte is 1…32. */
#define STROBE_I2C_BLOCK_MAX 32u

/** What a bus is: its pins (GPIO numbers), its clock and how long a target may stretch it. */
typedef struct strobe_i2c_config {
    int sda;
    int scl;
    uint32_t hz;                 /**< 1…STROBE_I2C_HZ_LIMIT, or STROBE_I2C_HZ_MAX */
    uint64_t stretch_timeout_ns; /**< 1…STROBE_I2C_MAX_STRETCH_NS */
} strobe_i2c_config;

/** One line of the bus: its level register and how its direction changes. */
typedef struct strobe_i2c_line {
    strobe_port port;            /**< lev and mask are what the engine reads */
    volatile uint32_t *low;      /**< RP1: OE SET alias; BCM: the pin's GPFSELn */
    volatile uint32_t *release;  /**< RP1: OE CLR alias; BCM: the same GPFSELn */
    uint32_t field;              /**< BCM: the pin's 3-bit field mask in GPFSELn */
    uint32_t output;             /**< BCM: 001 in that field */
    unsigned pin;
} strobe_i2c_line;

/** A configured bus. Fill with strobe_i2c_init; plain data, nothing to free. */
typedef struct strobe_i2c {
    strobe_i2c_line sda, scl;
    strobe_layout layout;
    strobe_i2c_config config;
    strobe_clock clock;
    bool timed;
    bool shared_fsel;            /**< BCM: SDA and SCL in one GPFSELn */
    bool shared_lev;             /**< one level register holds both lines */
    uint64_t period_ns, period_rem; /**< 10⁹/hz, whole ns and remainder out of hz */
    uint64_t t_low, t_data;      /**< SCL low time; SDA change point within it (tLOW/2) */
    uint64_t t_high;             /**< the nominal high time (START hold, STOP set-up) */
    uint64_t poll_ns;            /**< virtual clocks: how far each stretch poll moves time */
    uint64_t last_stop;          /**< when the last STOP ended (for tBUF) */
    strobe_gpio *guard;          /**< see strobe_i2c_set_guard */
    uint64_t sda_token, scl_token;
} strobe_i2c;

/**
 * For instruction counts and benchmarks only: make `bus`, made on a RAM-backed RP1 block
 * (strobe_map_ram), read its lines as a bus with one target that ACKs everything would, since
 * in RAM no store moves a level. SCL reads SYNC_IN, preset high (never stretched); SDA reads
 * the RIO OE SET alias word, which holds the mask of the last line the master pulled low —
 * preset to SDA's, so SDA reads high before the START and low from the first SCL low on: every
 * byte is ACKed. Send zeros (a 1 read back as 0 would be lost arbitration), e.g. to the general
 * call address 0x00. Real RP1 reads both lines with one SYNC_IN load; here SDA is a second load.
 * Returns 0, or -EINVAL for a bus of another layout.
 */
int strobe_i2c_loopback_ram(strobe_i2c *bus);

/** One operation of a transfer: bytes written, or bytes read (ACKed but the last). */
typedef struct strobe_i2c_op {
    uint8_t *data;               /**< write: the bytes; read: where they go */
    size_t length;               /**< write: 0 allowed (a quick write); read: ≥ 1 */
    bool read;
    /** Read only, the SMBus block read (SMBus 3.1 6.5.7): the first byte read is a count
     *  1…STROBE_I2C_BLOCK_MAX and that many bytes follow; `length` must be at least
     *  count + 1 (33 always suffices) and becomes count + 1. A count of 0 or over 32 (or over
     *  `length` − 1) is NACKed, the transfer stopped, -EPROTO. */
    bool block_count;
} strobe_i2c_op;

/** Which line a stuck bus or a timeout is about. */
typedef enum strobe_i2c_line_id {
    STROBE_I2C_LINE_NONE = 0,
    STROBE_I2C_LINE_SDA = 1,
    STROBE_I2C_LINE_SCL = 2,
} strobe_i2c_line_id;

/** What a transfer did, and where it stopped when it failed. */
typedef struct strobe_i2c_result {
    size_t op;            /**< the operation that failed (n when none did) */
    size_t byte;          /**< -EIO: the NACKed byte's index among the bytes this transfer wrote */
    bool address_nack;    /**< -ENXIO: the address (of op `op`'s START) was not acknowledged */
    bool recovered;       /**< SDA was held low before the START and a recovery freed it */
    int line;             /**< -EBUSY, -ETIMEDOUT: a strobe_i2c_line_id */
    uint64_t waited_ns;   /**< -ETIMEDOUT, -EBUSY on SCL: how long SCL was waited for */
    unsigned recovery_clocks; /**< clocks the recovery gave (0…9) */
} strobe_i2c_result;

/**
 * Check `config` and make `bus` for `layout`'s block at `block`, timed on `clock` (the
 * real-time clock on hardware, the bench's on the virtual bench; its context must outlive
 * `bus`). The caller owns the pins: it has made them GPIO inputs with their pull-ups (or has
 * external ones) and stored 0 to their output latches (GPCLRn / RIO OUT CLR).
 * Returns 0 or -EINVAL: a pin the layout lacks, the same pin twice, hz 0, a stretch timeout
 * of 0 or over STROBE_I2C_MAX_STRETCH_NS, a clock without now/spin_until; -ERANGE: hz over
 * STROBE_I2C_HZ_LIMIT (and not STROBE_I2C_HZ_MAX).
 */
int strobe_i2c_init(strobe_i2c *bus, strobe_layout layout, volatile uint32_t *block, const strobe_i2c_config *config,
                    strobe_clock clock);

/**
 * Run each transfer and recovery holding `gpio`'s locks (its function-select lock, so no
 * other thread's read-modify-write of a GPFSELn meets the engine's stores; its owner lock, so
 * a release of the pins waits for the transfer to end) and only while the claims `sda_token`
 * and `scl_token` hold the pins (strobe_gpio_set_owner): otherwise -EBADF and no store.
 * `gpio` must be the handle of the block given to strobe_i2c_init and outlive `bus`; NULL
 * turns the guard off.
 */
void strobe_i2c_set_guard(strobe_i2c *bus, strobe_gpio *gpio, uint64_t sda_token, uint64_t scl_token);

/** How a bus of `hz` (1…STROBE_I2C_HZ_LIMIT) splits its period of 10⁹/hz ns (rounded down)
 *  into SCL low and high times (see above). -EINVAL for hz 0 or over the limit. For an engine
 *  outside this file (Strobe's loop over a kernel backend) to time the bus the same way. */
int strobe_i2c_split(uint32_t hz, uint64_t *low_ns, uint64_t *high_ns);

/** The SCL low and high times the bus uses (0, 0 at STROBE_I2C_HZ_MAX). */
void strobe_i2c_timing(const strobe_i2c *bus, uint64_t *low_ns, uint64_t *high_ns);

/**
 * One transaction with `address` (7-bit, or 10-bit with `ten_bit`): START, each operation
 * after its own (repeated) START, STOP. A 10-bit write sends 11110 A9 A8 0 and A7…A0; a 10-bit
 * read that is the first operation sends that, a repeated START and 11110 A9 A8 1; a later
 * 10-bit read only the repeated START and 11110 A9 A8 1, the target being addressed already
 * (UM10204 3.1.11, figures 15 and 16). A read ACKs each byte but its last, which it NACKs
 * (UM10204 3.1.6). When SDA is low before the START the bus is recovered first
 * (strobe_i2c_recover) and `out->recovered` set.
 *
 * Returns 0; -EINVAL: no operations, a read of 0 bytes, an address over its range, NULL data
 * with a length; -ENXIO: the address was not acknowledged (`out->op`); -EIO: a written byte
 * was NACKed (`out->op`, `out->byte`); -ETIMEDOUT: a target held SCL low past the stretch
 * timeout (`out->waited_ns`), the lines released; -EBUSY: the bus was stuck before the START
 * (`out->line`: SDA still low after a recovery, or SCL low for the stretch timeout); -EAGAIN:
 * SDA read low while the master sent a 1 (another master won arbitration, UM10204 3.1.8), the
 * lines released; -EPROTO: a block read's count was 0 or over its limit; -EBADF: the guard's
 * claims have ended. After -ENXIO, -EIO and -EPROTO the master ends with a STOP; after any
 * failure both lines are released. `out` may be NULL.
 */
int strobe_i2c_transfer(strobe_i2c *bus, unsigned address, bool ten_bit, strobe_i2c_op *ops, size_t n,
                        strobe_i2c_result *out);

/**
 * Bus clear (UM10204 3.1.16): with SDA released, up to STROBE_I2C_RECOVERY_CLOCKS clocks
 * until a target lets go of SDA, then a STOP. Returns 0 when both lines end high; -EBUSY when
 * SDA is still low (`out->line` SDA) or SCL stays low for the stretch timeout (SCL); -EBADF
 * as strobe_i2c_transfer. `out` may be NULL.
 */
int strobe_i2c_recover(strobe_i2c *bus, strobe_i2c_result *out);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_I2C_H */
