/*
 * strobe_owners.h — which of the SoC's pins the kernel has given to someone else.
 *
 * Two sources, both below an injectable root directory (tests point it at fixture trees):
 *
 *  1. The device tree. Every enabled device node whose default pin state (`pinctrl-0`) names a
 *     pin group of the GPIO controller takes those pins when its driver probes: the console
 *     UART, the SD card, I2C, SPI, PWM and so on. A group is `brcm,pins` + `brcm,function`
 *     (the BCM2835/BCM2711 binding, Documentation/devicetree/bindings/pinctrl/
 *     brcm,bcm2835-gpio.txt) or the generic `pins` + `function` strings (RP1, and newer
 *     BCM2711 trees; pinctrl/pinmux-node.yaml), possibly in child nodes. A group whose
 *     function is plain GPIO (input/output, "gpio") gives nothing away.
 *  2. The GPIO character device's line info (GPIO_V2_GET_LINEINFO_IOCTL, or the v1 ioctl on
 *     kernels without v2): lines requested by a kernel driver (gpio-hog, w1-gpio, gpio-keys,
 *     leds-gpio), by another process through libgpiod, or exported through sysfs. Only the
 *     SoC's own chip is asked (found by label: pinctrl-bcm2835, pinctrl-bcm2711, pinctrl-rp1),
 *     and only where /dev/gpiochipN can be opened.
 *
 * The line info alone is not enough: pinctrl-bcm2835 does not mark its pin mux "strict", so a
 * pin muxed to a UART reports "unused" (measured in the emulated Pi 3B: only a gpio-hog showed
 * as used, while the console UART was muxed to GPIO32/33).
 */
#ifndef STROBE_OWNERS_H
#define STROBE_OWNERS_H

#include <stddef.h>
#include <stdint.h>
#include "strobe_regs.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where an owner was found. */
typedef enum strobe_owner_source {
    STROBE_OWNER_NONE = 0,        /**< nobody: the pin is free */
    STROBE_OWNER_DEVICE_TREE = 1, /**< an enabled device's default pin state */
    STROBE_OWNER_GPIO_LINE = 2,   /**< the GPIO character device reports the line as used */
} strobe_owner_source;

/** Who holds one pin. Strings are NUL-terminated, empty when unknown. */
typedef struct strobe_pin_owner {
    int source;       /**< a strobe_owner_source */
    char owner[64];   /**< the device node ("serial@7e201000") or the line's consumer ("w1-gpio") */
    char detail[96];  /**< e.g. "pin group uart0_gpio32, ALT3" or "gpiochip0 line 4" */
} strobe_pin_owner;

/**
 * Fill `owners[0..npins)` with the kernel's claims on the pins of `layout`'s GPIO controller,
 * read below `root` ("/" or NULL for the running system). A pin both sources name keeps the
 * device tree's owner. `lines_read`, if given, receives 1 when a GPIO character device's
 * line info was read, 0 when none could be opened.
 * Returns the number of owned pins (>= 0), -ENOENT when `root` has no device tree,
 * -ENAMETOOLONG when `root` is too long to name it, -EINVAL on a bad argument.
 */
int strobe_kernel_pin_owners(const char *root, strobe_layout layout, strobe_pin_owner *owners, unsigned npins,
                             int *lines_read);

/**
 * Parse one pin group's properties (raw device-tree bytes; NULL/0 when absent) and mark its
 * pins in `owners` with `owner` and a detail naming `group`. `brcm_pins`/`brcm_function` are
 * big-endian u32 arrays (one function for all pins, or one per pin); `pins`/`function` are
 * NUL-separated string lists ("gpio14\0gpio15\0", "uart0\0"). Pins >= npins are ignored.
 * Returns the number of pins newly marked, or -EINVAL when the properties are malformed
 * (a length that is not a multiple of 4, a function list that matches neither 1 nor the pin
 * count, an unterminated string list). Exposed for tests and fuzzing.
 */
int strobe_owner_parse_group(const char *group, const char *owner, const unsigned char *brcm_pins, size_t brcm_pins_len,
                             const unsigned char *brcm_function, size_t brcm_function_len, const char *pins,
                             size_t pins_len, const char *function, size_t function_len, strobe_pin_owner *owners,
                             unsigned npins);

/** The kernel's label for `layout`'s GPIO chip ("pinctrl-bcm2835", …), "" for none. */
const char *strobe_layout_chip_label(strobe_layout layout);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_OWNERS_H */
