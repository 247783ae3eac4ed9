/*
 * strobe_regs.h — GPIO register layouts and the hot-path accessors.
 *
 * Every register offset used anywhere in Strobe lives in this file, once, with the
 * datasheet section it comes from. The accessors are `static inline` over a
 * `volatile uint32_t *` register block so that C callers and Swift's `@inlinable`
 * wrappers compile a pin write down to one store.
 *
 * Sources:
 *   [BCM2835]  "BCM2835 ARM Peripherals" (Broadcom, 2012), chapter 6 "General Purpose I/O",
 *              section 6.1 "Register View" (table 6-1, register offsets) and the GPFSELn
 *              and GPPUD/GPPUDCLKn descriptions. BCM2836/7 use the same block.
 *   [BCM2711]  "BCM2711 ARM Peripherals" (Raspberry Pi Ltd, 2020), chapter 5 "General Purpose
 *              I/O", section 5.2 "Register View" (adds GPIO_PUP_PDN_CNTRL_REG0-3).
 *   [RP1]      "RP1 Peripherals" (Raspberry Pi Ltd, 2023), section 2.4 "Atomic register access",
 *              chapter 3 "GPIO": 3.1.1 function select table (table 4), 3.3 register descriptions of
 *              IO_BANK0, SYS_RIO0 and PADS_BANK0.
 */
#ifndef STROBE_REGS_H
#define STROBE_REGS_H

#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Layouts                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** The three GPIO register layouts Strobe drives. */
typedef enum strobe_layout {
    /** BCM2835 / BCM2836 / BCM2837 (Pi Zero, 1, 2, 3, CM1, CM3): 54 GPIOs, GPPUD pull sequence. */
    STROBE_LAYOUT_BCM2835 = 1,
    /** BCM2711 (Pi 4, 400, CM4): 58 GPIOs, 2-bit pull registers that read back. */
    STROBE_LAYOUT_BCM2711 = 2,
    /** RP1 bank 0 (Pi 5, CM5, 500): GPIO 0-27, the 40-pin header. */
    STROBE_LAYOUT_RP1 = 3,
} strobe_layout;

/** Number of GPIOs the layout exposes to Strobe (valid pins are 0 ..< count). */
static inline unsigned strobe_layout_pin_count(strobe_layout layout) {
    switch (layout) {
    case STROBE_LAYOUT_BCM2835: return 54; /* [BCM2835] 6.1: GPIO 0-53 */
    case STROBE_LAYOUT_BCM2711: return 58; /* [BCM2711] 5.1: GPIO 0-57 */
    case STROBE_LAYOUT_RP1: return 28;     /* [RP1] 3.1: bank 0 is GPIO 0-27 */
    }
    return 0;
}

/** Bytes of register space a layout needs mapped (the size /dev/gpiomem[0] hands out). */
static inline uint32_t strobe_layout_block_size(strobe_layout layout) {
    return layout == STROBE_LAYOUT_RP1 ? 0x30000u : 0x1000u;
}

/* ------------------------------------------------------------------------------------------ */
/* BCM2835/6/7 and BCM2711 — one block, byte offsets from the GPIO base                       */
/* GPIO base = peripheral base + 0x200000 ([BCM2835] 6.1, [BCM2711] 5.2)                      */
/* ------------------------------------------------------------------------------------------ */

#define STROBE_BCM_GPIO_OFFSET   0x200000u /* [BCM2835] 6.1: GPIO block inside the peripherals */
#define STROBE_BCM_GPFSEL0       0x00u     /* [BCM2835] 6.1 table 6-1: GPFSEL0..5 at 0x00..0x14 */
#define STROBE_BCM_GPSET0        0x1Cu     /* [BCM2835] 6.1: GPSET0/1, write 1 to set */
#define STROBE_BCM_GPCLR0        0x28u     /* [BCM2835] 6.1: GPCLR0/1, write 1 to clear */
#define STROBE_BCM_GPLEV0        0x34u     /* [BCM2835] 6.1: GPLEV0/1, pin level */
#define STROBE_BCM_GPEDS0        0x40u     /* [BCM2835] 6.1: event detect status, write 1 to clear */
#define STROBE_BCM_GPREN0        0x4Cu     /* [BCM2835] 6.1: rising edge detect enable */
#define STROBE_BCM_GPFEN0        0x58u     /* [BCM2835] 6.1: falling edge detect enable */
#define STROBE_BCM_GPHEN0        0x64u     /* [BCM2835] 6.1: high level detect enable */
#define STROBE_BCM_GPLEN0        0x70u     /* [BCM2835] 6.1: low level detect enable */
#define STROBE_BCM_GPAREN0       0x7Cu     /* [BCM2835] 6.1: async rising edge detect enable */
#define STROBE_BCM_GPAFEN0       0x88u     /* [BCM2835] 6.1: async falling edge detect enable */
#define STROBE_BCM_GPPUD         0x94u     /* [BCM2835] 6.1: pull-up/down control (BCM2835/6/7) */
#define STROBE_BCM_GPPUDCLK0     0x98u     /* [BCM2835] 6.1: pull-up/down clock 0/1 */
#define STROBE_BCM_PUP_PDN0      0xE4u     /* [BCM2711] 5.2: GPIO_PUP_PDN_CNTRL_REG0..3 */

/* GPFSELn: 3 bits per pin, 10 pins per register ([BCM2835] 6.1, table 6-2). */
#define STROBE_BCM_FSEL_INPUT    0u /* 000 */
#define STROBE_BCM_FSEL_OUTPUT   1u /* 001 */
#define STROBE_BCM_FSEL_ALT0     4u /* 100 */
#define STROBE_BCM_FSEL_ALT1     5u /* 101 */
#define STROBE_BCM_FSEL_ALT2     6u /* 110 */
#define STROBE_BCM_FSEL_ALT3     7u /* 111 */
#define STROBE_BCM_FSEL_ALT4     3u /* 011 */
#define STROBE_BCM_FSEL_ALT5     2u /* 010 */

/* GPPUD control values ([BCM2835] 6.1, GPPUD description). */
#define STROBE_BCM_GPPUD_OFF     0u
#define STROBE_BCM_GPPUD_DOWN    1u
#define STROBE_BCM_GPPUD_UP      2u
/* The GPPUD/GPPUDCLK sequence needs "150 cycles" of set-up and hold ([BCM2835] 6.1, GPPUDCLKn
 * description) — cycles of the VideoCore's 250 MHz clock (0.6 µs), not the ARM's. The kernel's
 * pinctrl-bcm2835.c (bcm2835_pull_config_set) waits udelay(1) at each step; so does Strobe. */
#define STROBE_BCM_GPPUD_WAIT_NS 1000u

/* GPIO_PUP_PDN_CNTRL_REGn: 2 bits per pin, 16 pins per register ([BCM2711] 5.2). */
#define STROBE_BCM2711_PULL_NONE 0u /* 00 */
#define STROBE_BCM2711_PULL_UP   1u /* 01 */
#define STROBE_BCM2711_PULL_DOWN 2u /* 10 */

/* ------------------------------------------------------------------------------------------ */
/* RP1 — offsets inside the /dev/gpiomem0 window (RP1 address 0x400d0000)                     */
/* ------------------------------------------------------------------------------------------ */

#define STROBE_RP1_IO_BANK0      0x00000u /* [RP1] 3.3: IO_BANK0 at 0x400d0000 */
#define STROBE_RP1_SYS_RIO0      0x10000u /* [RP1] 3.3: SYS_RIO0 at 0x400e0000 */
#define STROBE_RP1_PADS_BANK0    0x20000u /* [RP1] 3.3: PADS_BANK0 at 0x400f0000 */
/* Atomic aliases of every RP1 register ([RP1] 2.4). */
#define STROBE_RP1_ALIAS_XOR     0x1000u
#define STROBE_RP1_ALIAS_SET     0x2000u
#define STROBE_RP1_ALIAS_CLR     0x3000u
/* IO_BANK0: GPIOn_STATUS at 8n, GPIOn_CTRL at 8n+4 ([RP1] 3.3, IO_BANK0 registers). */
#define STROBE_RP1_CTRL_FUNCSEL_MASK 0x1Fu /* bits 4:0 */
#define STROBE_RP1_FUNCSEL_SYS_RIO   5u    /* [RP1] 3.1.1: a5 = SYS_RIO, software GPIO */
#define STROBE_RP1_FUNCSEL_NULL      0x1Fu /* [RP1] 3.3: 0x1f = no function */
#define STROBE_RP1_FUNCSEL_MAX       8u    /* [RP1] 3.1.1: functions a0..a8 */
/* GPIOn_CTRL override fields ([RP1] 3.3, IO_BANK0 GPIOn_CTRL): OUTOVER bits 13:12 (0 drive
 * output from the peripheral, 1 inverted, 2 low, 3 high), OEOVER bits 15:14 (0 output enable
 * from the peripheral, 1 inverted, 2 disable, 3 enable). The kernel's pinctrl-rp1.c keeps both
 * at 0 for every function and sets OEOVER to 2 for "none". */
#define STROBE_RP1_CTRL_OUTOVER_MASK (3u << 12)
#define STROBE_RP1_CTRL_OEOVER_MASK  (3u << 14)
#define STROBE_RP1_CTRL_OEOVER_DISABLE (2u << 14)
/* SYS_RIO0 ([RP1] 3.3, SYS_RIO registers). */
#define STROBE_RP1_RIO_OUT       0x0u
#define STROBE_RP1_RIO_OE        0x4u
#define STROBE_RP1_RIO_SYNC_IN   0x8u
/* PADS_BANK0: VOLTAGE_SELECT at 0, GPIOn at 4+4n ([RP1] 3.3, PADS_BANK0 registers). */
#define STROBE_RP1_PAD_PDE       (1u << 2) /* pull-down enable */
#define STROBE_RP1_PAD_PUE       (1u << 3) /* pull-up enable */
#define STROBE_RP1_PAD_IE        (1u << 6) /* input enable */
#define STROBE_RP1_PAD_OD        (1u << 7) /* output disable */

/** Byte offset of GPIOn_STATUS in IO_BANK0 ([RP1] 3.3: 8n). */
static inline uint32_t strobe_rp1_gpio_status(unsigned n) { return STROBE_RP1_IO_BANK0 + 8u * n; }
/** Byte offset of GPIOn_CTRL in IO_BANK0 ([RP1] 3.3: 8n + 4). */
static inline uint32_t strobe_rp1_gpio_ctrl(unsigned n) { return STROBE_RP1_IO_BANK0 + 8u * n + 4u; }
/** Byte offset of pad control GPIOn in PADS_BANK0 ([RP1] 3.3: 4 + 4n, after VOLTAGE_SELECT). */
static inline uint32_t strobe_rp1_pad(unsigned n) { return STROBE_RP1_PADS_BANK0 + 4u + 4u * n; }

/* Physical address of RP1 IO_BANK0 as the BCM2712 sees it through PCIe BAR1, for /dev/mem
 * (Raspberry Pi 5 device tree: rp1 gpio@d0000 under the 0x1f00000000 window). */
#define STROBE_RP1_GPIO_PHYS     0x1F000D0000ull

/* ------------------------------------------------------------------------------------------ */
/* Hot path                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/** One 32-bit store to a device register. The whole hot path is this line. */
static inline __attribute__((always_inline)) void strobe_w32(volatile uint32_t *reg, uint32_t value) {
    *reg = value;
}

/** One 32-bit load from a device register. */
static inline __attribute__((always_inline)) uint32_t strobe_r32(const volatile uint32_t *reg) {
    return *reg;
}

/** Address of the register at byte offset `offset` in a mapped block. */
static inline __attribute__((always_inline)) volatile uint32_t *strobe_reg(volatile uint32_t *block, uint32_t offset) {
    return block + (offset >> 2);
}

/**
 * The registers that drive one pin, worked out once when the pin is claimed.
 *
 * `set`, `clr` and `lev` point into the mapped block; `xor` is NULL on BCM (no atomic
 * toggle there). `mask` has the pin's bit in those registers.
 */
typedef struct strobe_port {
    volatile uint32_t *set;
    volatile uint32_t *clr;
    volatile uint32_t *lev;
    volatile uint32_t *xor_;
    uint32_t mask;
} strobe_port;

/** Fill `port` for `pin` of `layout` in the block at `block`. Returns 0, or -EINVAL for a bad pin. */
static inline int strobe_port_make(strobe_layout layout, volatile uint32_t *block, unsigned pin, strobe_port *port) {
    if (pin >= strobe_layout_pin_count(layout)) return -22; /* EINVAL */
    if (layout == STROBE_LAYOUT_RP1) {
        port->set = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_SET + STROBE_RP1_RIO_OUT);
        port->clr = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_CLR + STROBE_RP1_RIO_OUT);
        port->xor_ = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_XOR + STROBE_RP1_RIO_OUT);
        port->lev = strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_SYNC_IN);
        port->mask = 1u << pin;
    } else {
        unsigned bank = pin >> 5;
        port->set = strobe_reg(block, STROBE_BCM_GPSET0 + 4u * bank);
        port->clr = strobe_reg(block, STROBE_BCM_GPCLR0 + 4u * bank);
        port->lev = strobe_reg(block, STROBE_BCM_GPLEV0 + 4u * bank);
        port->xor_ = 0;
        port->mask = 1u << (pin & 31u);
    }
    return 0;
}

/** Drive the pin high: one store of `mask` to the set register (GPSETn / RIO OUT SET alias). */
static inline __attribute__((always_inline)) void strobe_port_set(strobe_port port) { strobe_w32(port.set, port.mask); }
/** Drive the pin low: one store of `mask` to the clear register (GPCLRn / RIO OUT CLR alias). */
static inline __attribute__((always_inline)) void strobe_port_clear(strobe_port port) { strobe_w32(port.clr, port.mask); }
/** The pin's level: one load of GPLEVn / RIO SYNC_IN. */
static inline __attribute__((always_inline)) bool strobe_port_read(strobe_port port) { return (strobe_r32(port.lev) & port.mask) != 0; }
/** Invert the pin: one store to the RP1 XOR alias, or a level read and a set or clear on BCM. */
static inline __attribute__((always_inline)) void strobe_port_toggle(strobe_port port) {
    if (port.xor_) { strobe_w32(port.xor_, port.mask); return; }
    if (strobe_r32(port.lev) & port.mask) strobe_w32(port.clr, port.mask);
    else strobe_w32(port.set, port.mask);
}

/* Layout-specific one-liners for C callers that know their SoC at compile time. */

/** BCM: drive `pin` high with one store to GPSETn. */
static inline __attribute__((always_inline)) void strobe_bcm_set(volatile uint32_t *block, unsigned pin) {
    strobe_w32(strobe_reg(block, STROBE_BCM_GPSET0 + 4u * (pin >> 5)), 1u << (pin & 31u));
}
/** BCM: drive `pin` low with one store to GPCLRn. */
static inline __attribute__((always_inline)) void strobe_bcm_clear(volatile uint32_t *block, unsigned pin) {
    strobe_w32(strobe_reg(block, STROBE_BCM_GPCLR0 + 4u * (pin >> 5)), 1u << (pin & 31u));
}
/** BCM: level of `pin` from GPLEVn. */
static inline __attribute__((always_inline)) bool strobe_bcm_level(const volatile uint32_t *block, unsigned pin) {
    return (strobe_r32(block + ((STROBE_BCM_GPLEV0 + 4u * (pin >> 5)) >> 2)) >> (pin & 31u)) & 1u;
}
/** BCM: set every pin of bank `bank` (0: GPIO 0-31, 1: 32-53/57) whose bit is 1 in `mask`. */
static inline __attribute__((always_inline)) void strobe_bcm_set_mask(volatile uint32_t *block, unsigned bank, uint32_t mask) {
    strobe_w32(strobe_reg(block, STROBE_BCM_GPSET0 + 4u * bank), mask);
}
/** BCM: clear every pin of bank `bank` whose bit is 1 in `mask`. */
static inline __attribute__((always_inline)) void strobe_bcm_clear_mask(volatile uint32_t *block, unsigned bank, uint32_t mask) {
    strobe_w32(strobe_reg(block, STROBE_BCM_GPCLR0 + 4u * bank), mask);
}
/** RP1: drive `pin` (0-27) high with one store to the SYS_RIO0 OUT SET alias. */
static inline __attribute__((always_inline)) void strobe_rp1_set(volatile uint32_t *block, unsigned pin) {
    strobe_w32(strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_SET + STROBE_RP1_RIO_OUT), 1u << pin);
}
/** RP1: drive `pin` low with one store to the SYS_RIO0 OUT CLR alias. */
static inline __attribute__((always_inline)) void strobe_rp1_clear(volatile uint32_t *block, unsigned pin) {
    strobe_w32(strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_CLR + STROBE_RP1_RIO_OUT), 1u << pin);
}
/** RP1: set every bank-0 pin whose bit is 1 in `mask` (one store). */
static inline __attribute__((always_inline)) void strobe_rp1_set_mask(volatile uint32_t *block, uint32_t mask) {
    strobe_w32(strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_SET + STROBE_RP1_RIO_OUT), mask);
}
/** RP1: clear every bank-0 pin whose bit is 1 in `mask` (one store). */
static inline __attribute__((always_inline)) void strobe_rp1_clear_mask(volatile uint32_t *block, uint32_t mask) {
    strobe_w32(strobe_reg(block, STROBE_RP1_SYS_RIO0 + STROBE_RP1_ALIAS_CLR + STROBE_RP1_RIO_OUT), mask);
}

/* ------------------------------------------------------------------------------------------ */
/* Encodings (pure functions; the register logic that tests check against the datasheets)     */
/* ------------------------------------------------------------------------------------------ */

/** Byte offset of the GPFSELn register holding `pin`. */
static inline uint32_t strobe_bcm_fsel_offset(unsigned pin) { return STROBE_BCM_GPFSEL0 + 4u * (pin / 10u); }
/** Bit position of `pin`'s 3-bit field inside its GPFSELn register. */
static inline unsigned strobe_bcm_fsel_shift(unsigned pin) { return 3u * (pin % 10u); }
/** Byte offset of the GPIO_PUP_PDN_CNTRL_REGn register holding `pin` (BCM2711). */
static inline uint32_t strobe_bcm2711_pull_offset(unsigned pin) { return STROBE_BCM_PUP_PDN0 + 4u * (pin / 16u); }
/** Bit position of `pin`'s 2-bit field inside its pull register (BCM2711). */
static inline unsigned strobe_bcm2711_pull_shift(unsigned pin) { return 2u * (pin % 16u); }

#ifdef __cplusplus
}
#endif

#endif /* STROBE_REGS_H */
