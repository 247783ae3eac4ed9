/*
 * strobe_events.h — edge events, the same record from every backend.
 */
#ifndef STROBE_EVENTS_H
#define STROBE_EVENTS_H

#include <stdint.h>
#include "strobe_gpio.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Which edges to report. */
typedef enum strobe_edge {
    STROBE_EDGE_NONE = 0,
    STROBE_EDGE_RISING = 1,
    STROBE_EDGE_FALLING = 2,
    STROBE_EDGE_BOTH = 3,
} strobe_edge;

/** One edge on one pin. */
typedef struct strobe_edge_event {
    uint64_t timestamp_ns; /**< CLOCK_MONOTONIC (kernel backends: the kernel's timestamp), or virtual time */
    uint32_t pin;          /**< GPIO number (line offset) */
    uint32_t rising;       /**< 1 rising, 0 falling */
} strobe_edge_event;

/**
 * Register backend: enable edge detection for `pin` in GPRENn/GPFENn (BCM; the synchronous
 * detectors) and clear its GPEDSn bit. -ENOTSUP on RP1 (its edge latches live in IO_BANK0 INTR
 * registers, not modelled yet).
 * Note: on a running Linux system the kernel's pinctrl driver owns GPEDS for the lines it has
 * requested as interrupts; use the libgpiod backend for those.
 */
int strobe_gpio_enable_edges(strobe_gpio *gpio, unsigned pin, int edge);
/** Register backend: read GPEDSn of `bank` and clear (write 1) the bits set in `mask`; returns them. */
uint32_t strobe_gpio_take_events(strobe_gpio *gpio, unsigned bank, uint32_t mask);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_EVENTS_H */
