/*
 * strobe_pins.h — names of alternate functions and the 40-pin header.
 */
#ifndef STROBE_PINS_H
#define STROBE_PINS_H

#include <stdint.h>
#include "strobe_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Name of alternate function `alt` (0-5 on BCM, 0-8 on RP1) of GPIO `pin`, e.g. "SDA1",
 * or NULL when the datasheet lists that function as reserved / absent or the arguments are
 * out of range. On RP1, alt 5 is "SYS_RIO0" (software GPIO) for every pin.
 */
const char *strobe_alt_name(strobe_layout layout, unsigned pin, unsigned alt);

/** What a physical pin of the 40-pin header carries. */
typedef enum strobe_header_kind {
    STROBE_HEADER_GPIO = 0,
    STROBE_HEADER_3V3 = 1,
    STROBE_HEADER_5V = 2,
    STROBE_HEADER_GND = 3,
} strobe_header_kind;

/** One physical pin of the 40-pin header (the same on every 40-pin Pi). */
typedef struct strobe_header_pin {
    uint8_t physical;   /**< 1-40 */
    uint8_t kind;       /**< strobe_header_kind */
    int8_t gpio;        /**< BCM GPIO number, -1 for power and ground */
    const char *role;   /**< the usual peripheral role, e.g. "I2C1 SDA", "SPI0 MOSI", "UART TX", "" for none */
} strobe_header_pin;

/** The 40 header pins, index 0 is physical pin 1. */
const strobe_header_pin *strobe_header_pins(void);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_PINS_H */
