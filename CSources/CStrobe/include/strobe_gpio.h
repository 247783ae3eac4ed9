/*
 * strobe_gpio.h — function select, pulls and state readout over a mapped register block.
 *
 * These are the slow-path operations: read-modify-write of shared registers, serialized by a
 * lock owned by the `strobe_gpio` handle (RP1 uses its atomic aliases instead). Every function
 * returns 0 or a negative errno and sets no global state.
 */
#ifndef STROBE_GPIO_H
#define STROBE_GPIO_H

#include <stdint.h>
#include <stddef.h>
#include "strobe_regs.h"
#include "strobe_clock.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A pin function, the same numbering on every layout. */
typedef enum strobe_function {
    STROBE_FN_INPUT = 0,   /**< GPIO input (BCM 000; RP1 SYS_RIO with OE clear). */
    STROBE_FN_OUTPUT = 1,  /**< GPIO output (BCM 001; RP1 SYS_RIO with OE set). */
    STROBE_FN_ALT0 = 2,    /**< Alternate function 0; ALTn is STROBE_FN_ALT0 + n (BCM 0-5, RP1 0-8). */
    STROBE_FN_NONE = 15,   /**< RP1 FUNCSEL 0x1f: the pad is connected to nothing. */
} strobe_function;

/** Pull resistor state. */
typedef enum strobe_pull {
    STROBE_PULL_NONE = 0,
    STROBE_PULL_DOWN = 1,
    STROBE_PULL_UP = 2,
    /** Read back only: the BCM2835/6/7 cannot report its pull state. */
    STROBE_PULL_UNKNOWN = 3,
} strobe_pull;

/** A register block plus the lock that serializes its read-modify-write registers. Opaque. */
typedef struct strobe_gpio strobe_gpio;

/** One pin's state as read from the registers. */
typedef struct strobe_pin_state {
    int function;  /**< a strobe_function value, or STROBE_FN_ALT0 + n */
    int level;     /**< 0 or 1 */
    int pull;      /**< a strobe_pull value */
    int raw_fsel;  /**< the raw field: BCM 3-bit FSEL, RP1 5-bit FUNCSEL */
} strobe_pin_state;

/** Wrap a mapped block. `block` stays owned by the caller. Returns NULL when out of memory. */
strobe_gpio *strobe_gpio_new(strobe_layout layout, volatile uint32_t *block);
/**
 * Time the handle's register waits (the BCM2835/6/7 pull sequence's set-up and hold) on
 * `clock` instead of the real clock, the default. The virtual bench plugs its clock in here so
 * the waits advance virtual time. The clock's context must outlive the handle.
 */
void strobe_gpio_set_clock(strobe_gpio *gpio, strobe_clock clock);
/** Free the handle (not the block). */
void strobe_gpio_free(strobe_gpio *gpio);
/**
 * Reserve the pins in `mask` (bit n = GPIO n): strobe_gpio_set_function, _set_direction,
 * _set_pull and _enable_edges return -EBUSY for them, and nothing else changes (reads, and
 * stores through a port made earlier, still work). Strobe reserves the pins the kernel has
 * given to a driver (strobe_kernel_pin_owners in strobe_owners.h); 0, the default, reserves
 * none. Safe to call while other threads use the handle.
 */
void strobe_gpio_set_reserved(strobe_gpio *gpio, uint64_t mask);
/** The reserved pins (see strobe_gpio_set_reserved). */
uint64_t strobe_gpio_reserved(const strobe_gpio *gpio);
/** The layout the handle was made with. */
strobe_layout strobe_gpio_layout(const strobe_gpio *gpio);
/** The register block. */
volatile uint32_t *strobe_gpio_block(const strobe_gpio *gpio);

/** Number of alternate functions a layout has (BCM 6, RP1 9). */
unsigned strobe_layout_alt_count(strobe_layout layout);

/**
 * Select `function` for `pin`. -EINVAL: pin out of range; -ENOTSUP: the layout has no such
 * function (ALT6 on BCM, NONE on BCM); -EBUSY: the pin is reserved (strobe_gpio_set_reserved).
 *
 * RP1, as the kernel's pinctrl-rp1.c and Raspberry Pi's pinctrl do: any function but NONE
 * enables the pad's input and clears its output-disable and sets CTRL's OUTOVER/OEOVER to
 * "peripheral"; NONE selects FUNCSEL 0x1f with OEOVER "disable" and disables the pad (input
 * off, output disabled).
 */
int strobe_gpio_set_function(strobe_gpio *gpio, unsigned pin, int function);
/**
 * Switch `pin`, already a GPIO (input or output), between input (`output` 0) and output (1)
 * and nothing else: the cheap direction change of a switchable or open-drain pin that is held.
 * The output latch, the pull and (RP1) FUNCSEL, CTRL overrides and pad are left alone, so an
 * output drives the last level written to GPSETn/GPCLRn or RIO OUT.
 *
 * BCM2835/6/7, BCM2711: one read-modify-write of the pin's GPFSELn field (000 or 001,
 * [BCM2835] 6.1 table 6-2) under the handle's lock. RP1: one store of the pin's bit to the
 * SYS_RIO0 OE SET alias (output) or CLR alias (input) ([RP1] 2.4, 3.3 SYS_RIO), no lock.
 * -EINVAL: pin out of range. The caller must have selected the GPIO function first
 * (strobe_gpio_set_function with STROBE_FN_INPUT or STROBE_FN_OUTPUT).
 */
int strobe_gpio_set_direction(strobe_gpio *gpio, unsigned pin, int output);
/**
 * Claims and direction changes that can't outlive their claim. strobe_gpio_set_owner records
 * that claim `token` (not 0) holds `pin`; strobe_gpio_disown ends it (-EBADF when `token` is not
 * the holder); strobe_gpio_set_direction_owned is strobe_gpio_set_direction done only while
 * `token` holds the pin, else -EBADF and no store. The three share one lock, so once disown has
 * returned, no direction change of the old claim runs or is still running: a switchable pin
 * released under a loop on another thread (a termination signal) can't make the restored pin
 * an output again. -EINVAL: pin out of range.
 */
int strobe_gpio_set_owner(strobe_gpio *gpio, unsigned pin, uint64_t token);
int strobe_gpio_disown(strobe_gpio *gpio, unsigned pin, uint64_t token);
int strobe_gpio_set_direction_owned(strobe_gpio *gpio, unsigned pin, uint64_t token, int output);
/**
 * For a bus engine that changes directions itself with plain stores (strobe_i2c.h): while
 * claims `token_a` and `token_b` hold `pin_a` and `pin_b`, take the owner lock and the
 * function-select lock and return 0 — no direction or function change by anyone else in the
 * process, and no disown, runs until strobe_gpio_unhold. Otherwise -EBADF, nothing held;
 * -EINVAL: a pin out of range. Hold for one transfer at most; call nothing else on the handle
 * meanwhile.
 */
int strobe_gpio_hold(strobe_gpio *gpio, unsigned pin_a, uint64_t token_a, unsigned pin_b, uint64_t token_b);
/** End a strobe_gpio_hold. */
void strobe_gpio_unhold(strobe_gpio *gpio);
/** Read back the function of `pin` into `*function` (RP1: see strobe_rp1_function_from_regs). */
int strobe_gpio_get_function(strobe_gpio *gpio, unsigned pin, int *function);
/** Set the pull of `pin` (BCM2835: the GPPUD/GPPUDCLK sequence with its waits). */
int strobe_gpio_set_pull(strobe_gpio *gpio, unsigned pin, int pull);
/** Read back the pull of `pin`; STROBE_PULL_UNKNOWN on BCM2835/6/7. */
int strobe_gpio_get_pull(strobe_gpio *gpio, unsigned pin, int *pull);
/** Function, level and pull of `pin`. */
int strobe_gpio_pin_state(strobe_gpio *gpio, unsigned pin, strobe_pin_state *state);
/** Make `port` for `pin` (see strobe_port_make). */
int strobe_gpio_port(strobe_gpio *gpio, unsigned pin, strobe_port *port);

/* Pure encodings, exposed for tests and for the virtual bench. */

/** BCM 3-bit FSEL code for `function`, or -ENOTSUP. */
int strobe_bcm_fsel_code(int function);
/** strobe_function for a BCM 3-bit FSEL code. */
int strobe_bcm_function_from_code(unsigned code);
/** RP1 FUNCSEL value for an ALTn function, or -ENOTSUP. (Input and output are FUNCSEL 5 plus OE.) */
int strobe_rp1_funcsel_code(int function);

/**
 * The function an RP1 pin's registers select: its GPIOn_CTRL word, its SYS_RIO OE bit and its
 * PADS word. NONE when OEOVER is not "peripheral" (as the kernel's rp1_get_fsel reports) or
 * FUNCSEL is not a0–a8; for SYS_RIO, OUTPUT only when OE is set and the pad's output-disable
 * is clear — [RP1] 3.3 PADS_BANK0 GPIOn: OD takes priority over the output enable, so a pad
 * with OD set drives nothing. The driver and the virtual bench both decide with this.
 */
int strobe_rp1_function_from_regs(uint32_t ctrl, bool oe, uint32_t pad);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_GPIO_H */
