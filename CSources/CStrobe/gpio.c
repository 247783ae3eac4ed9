/*
 * gpio.c — function select, pulls and state readout (the slow path).
 *
 * BCM GPFSELn and the pull registers are shared by many pins, so every read-modify-write
 * happens under the handle's mutex. RP1 has per-pin CTRL and pad registers with atomic
 * XOR/SET/CLR aliases ([RP1] 2.4), so it needs no lock; the mutex still orders the
 * two-register sequences (FUNCSEL then OE) against each other.
 */
#define _GNU_SOURCE
#include "strobe_gpio.h"
#include "strobe_events.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct strobe_gpio {
    strobe_layout layout;
    volatile uint32_t *block;
    pthread_mutex_t lock;
    strobe_clock clock; /* times the BCM2835 pull sequence; set under `lock` */
    uint64_t reserved;  /* pins whose function, pull and edges we leave alone (atomic) */
    /* Which claim holds each pin (0: none), and the lock that makes an owned direction change
     * and a disown exclusive: after strobe_gpio_disown returns, no owned call on the old claim
     * can start, and none is still running. */
    pthread_mutex_t owner_lock;
    uint64_t owners[64];
};

strobe_gpio *strobe_gpio_new(strobe_layout layout, volatile uint32_t *block) {
    if (strobe_layout_pin_count(layout) == 0 || block == NULL) return NULL;
    strobe_gpio *gpio = calloc(1, sizeof *gpio);
    if (!gpio) return NULL;
    gpio->layout = layout;
    gpio->block = block;
    gpio->clock = strobe_clock_monotonic();
    pthread_mutex_init(&gpio->lock, NULL);
    pthread_mutex_init(&gpio->owner_lock, NULL);
    return gpio;
}

void strobe_gpio_set_clock(strobe_gpio *gpio, strobe_clock clock) {
    pthread_mutex_lock(&gpio->lock);
    gpio->clock = clock;
    pthread_mutex_unlock(&gpio->lock);
}

void strobe_gpio_free(strobe_gpio *gpio) {
    if (!gpio) return;
    pthread_mutex_destroy(&gpio->owner_lock);
    pthread_mutex_destroy(&gpio->lock);
    free(gpio);
}

void strobe_gpio_set_reserved(strobe_gpio *gpio, uint64_t mask) { __atomic_store_n(&gpio->reserved, mask, __ATOMIC_RELEASE); }
uint64_t strobe_gpio_reserved(const strobe_gpio *gpio) { return __atomic_load_n(&gpio->reserved, __ATOMIC_ACQUIRE); }

strobe_layout strobe_gpio_layout(const strobe_gpio *gpio) { return gpio->layout; }
volatile uint32_t *strobe_gpio_block(const strobe_gpio *gpio) { return gpio->block; }

unsigned strobe_layout_alt_count(strobe_layout layout) {
    return layout == STROBE_LAYOUT_RP1 ? STROBE_RP1_FUNCSEL_MAX + 1u : 6u;
}

int strobe_bcm_fsel_code(int function) {
    static const uint8_t alt_codes[6] = {
        STROBE_BCM_FSEL_ALT0, STROBE_BCM_FSEL_ALT1, STROBE_BCM_FSEL_ALT2,
        STROBE_BCM_FSEL_ALT3, STROBE_BCM_FSEL_ALT4, STROBE_BCM_FSEL_ALT5,
    };
    if (function == STROBE_FN_INPUT) return STROBE_BCM_FSEL_INPUT;
    if (function == STROBE_FN_OUTPUT) return STROBE_BCM_FSEL_OUTPUT;
    if (function >= STROBE_FN_ALT0 && function < STROBE_FN_ALT0 + 6) return alt_codes[function - STROBE_FN_ALT0];
    return -ENOTSUP;
}

int strobe_bcm_function_from_code(unsigned code) {
    switch (code & 7u) {
    case STROBE_BCM_FSEL_INPUT: return STROBE_FN_INPUT;
    case STROBE_BCM_FSEL_OUTPUT: return STROBE_FN_OUTPUT;
    case STROBE_BCM_FSEL_ALT0: return STROBE_FN_ALT0 + 0;
    case STROBE_BCM_FSEL_ALT1: return STROBE_FN_ALT0 + 1;
    case STROBE_BCM_FSEL_ALT2: return STROBE_FN_ALT0 + 2;
    case STROBE_BCM_FSEL_ALT3: return STROBE_FN_ALT0 + 3;
    case STROBE_BCM_FSEL_ALT4: return STROBE_FN_ALT0 + 4;
    default: return STROBE_FN_ALT0 + 5; /* 010 */
    }
}

int strobe_rp1_funcsel_code(int function) {
    if (function == STROBE_FN_NONE) return STROBE_RP1_FUNCSEL_NULL;
    if (function == STROBE_FN_INPUT || function == STROBE_FN_OUTPUT) return STROBE_RP1_FUNCSEL_SYS_RIO;
    if (function >= STROBE_FN_ALT0 && function <= STROBE_FN_ALT0 + (int)STROBE_RP1_FUNCSEL_MAX)
        return function - STROBE_FN_ALT0;
    return -ENOTSUP;
}

int strobe_rp1_function_from_regs(uint32_t ctrl, bool oe, uint32_t pad) {
    uint32_t funcsel = ctrl & STROBE_RP1_CTRL_FUNCSEL_MASK;
    if ((ctrl & STROBE_RP1_CTRL_OEOVER_MASK) != 0 || funcsel > STROBE_RP1_FUNCSEL_MAX) return STROBE_FN_NONE;
    if (funcsel != STROBE_RP1_FUNCSEL_SYS_RIO) return STROBE_FN_ALT0 + (int)funcsel;
    return oe && !(pad & STROBE_RP1_PAD_OD) ? STROBE_FN_OUTPUT : STROBE_FN_INPUT;
}

static inline volatile uint32_t *reg(strobe_gpio *gpio, uint32_t offset) { return strobe_reg(gpio->block, offset); }

static int check_pin(const strobe_gpio *gpio, unsigned pin) {
    return pin < strobe_layout_pin_count(gpio->layout) ? 0 : -EINVAL;
}

/* A pin we may change: in range and not reserved (given to a kernel driver). */
static int check_change(const strobe_gpio *gpio, unsigned pin) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    return pin < 64 && (strobe_gpio_reserved(gpio) >> pin & 1u) ? -EBUSY : 0;
}

/* RP1: change FUNCSEL and the OUTOVER/OEOVER fields with one atomic XOR-alias write, so the
 * pad never passes through a third function the way a CLR-then-SET pair would. */
static void rp1_write_ctrl(strobe_gpio *gpio, unsigned pin, uint32_t funcsel, uint32_t oeover) {
    const uint32_t fields = STROBE_RP1_CTRL_FUNCSEL_MASK | STROBE_RP1_CTRL_OUTOVER_MASK | STROBE_RP1_CTRL_OEOVER_MASK;
    uint32_t ctrl = strobe_r32(reg(gpio, strobe_rp1_gpio_ctrl(pin)));
    /* "none" keeps OUTOVER as it is (pinctrl-rp1.c only touches OEOVER there). */
    uint32_t keep = funcsel == STROBE_RP1_FUNCSEL_NULL ? ctrl & STROBE_RP1_CTRL_OUTOVER_MASK : 0;
    uint32_t diff = (ctrl ^ (funcsel | oeover | keep)) & fields;
    if (diff) strobe_w32(reg(gpio, strobe_rp1_gpio_ctrl(pin) + STROBE_RP1_ALIAS_XOR), diff);
}

static int rp1_set_function(strobe_gpio *gpio, unsigned pin, int function) {
    int code = strobe_rp1_funcsel_code(function);
    if (code < 0) return code;
    uint32_t pad = strobe_rp1_pad(pin);
    pthread_mutex_lock(&gpio->lock);
    if (function == STROBE_FN_NONE) {
        /* Disconnect first, then disable the pad: input off, output disabled, as Raspberry
         * Pi's pinctrl does for "none" ([RP1] 3.3 PADS_BANK0 GPIOn IE/OD). */
        rp1_write_ctrl(gpio, pin, STROBE_RP1_FUNCSEL_NULL, STROBE_RP1_CTRL_OEOVER_DISABLE);
        strobe_w32(reg(gpio, pad + STROBE_RP1_ALIAS_CLR), STROBE_RP1_PAD_IE);
        strobe_w32(reg(gpio, pad + STROBE_RP1_ALIAS_SET), STROBE_RP1_PAD_OD);
    } else {
        /* Every function needs the pad's input enabled and output-disable clear, or an
         * alternate function (PWM, UART TX, SPI) drives nothing ([RP1] 3.3 PADS_BANK0 GPIOn). */
        strobe_w32(reg(gpio, pad + STROBE_RP1_ALIAS_SET), STROBE_RP1_PAD_IE);
        strobe_w32(reg(gpio, pad + STROBE_RP1_ALIAS_CLR), STROBE_RP1_PAD_OD);
        if (function == STROBE_FN_OUTPUT || function == STROBE_FN_INPUT) {
            uint32_t oe_alias = function == STROBE_FN_OUTPUT ? STROBE_RP1_ALIAS_SET : STROBE_RP1_ALIAS_CLR;
            strobe_w32(reg(gpio, STROBE_RP1_SYS_RIO0 + oe_alias + STROBE_RP1_RIO_OE), 1u << pin);
        }
        rp1_write_ctrl(gpio, pin, (uint32_t)code, 0); /* OUTOVER, OEOVER: from the peripheral */
    }
    pthread_mutex_unlock(&gpio->lock);
    return 0;
}

/* BCM: one read-modify-write of `pin`'s 3-bit GPFSELn field, under the lock (ten pins share
 * the register, [BCM2835] 6.1 table 6-2). */
static void bcm_write_fsel(strobe_gpio *gpio, unsigned pin, uint32_t code) {
    volatile uint32_t *r = reg(gpio, strobe_bcm_fsel_offset(pin));
    unsigned shift = strobe_bcm_fsel_shift(pin);
    pthread_mutex_lock(&gpio->lock);
    strobe_w32(r, (strobe_r32(r) & ~(7u << shift)) | (code << shift));
    pthread_mutex_unlock(&gpio->lock);
}

int strobe_gpio_set_function(strobe_gpio *gpio, unsigned pin, int function) {
    int rc = check_change(gpio, pin);
    if (rc) return rc;
    if (gpio->layout == STROBE_LAYOUT_RP1) return rp1_set_function(gpio, pin, function);
    int code = strobe_bcm_fsel_code(function);
    if (code < 0) return code;
    bcm_write_fsel(gpio, pin, (uint32_t)code);
    return 0;
}

int strobe_gpio_set_direction(strobe_gpio *gpio, unsigned pin, int output) {
    int rc = check_change(gpio, pin);
    if (rc) return rc;
    if (gpio->layout == STROBE_LAYOUT_RP1) {
        /* FUNCSEL stays SYS_RIO and the pad stays enabled: the output enable alone decides
         * ([RP1] 3.3 SYS_RIO OE; 2.4 SET/CLR aliases make it one store that touches no other
         * pin, so no lock). */
        uint32_t alias = output ? STROBE_RP1_ALIAS_SET : STROBE_RP1_ALIAS_CLR;
        strobe_w32(reg(gpio, STROBE_RP1_SYS_RIO0 + alias + STROBE_RP1_RIO_OE), 1u << pin);
        return 0;
    }
    bcm_write_fsel(gpio, pin, output ? STROBE_BCM_FSEL_OUTPUT : STROBE_BCM_FSEL_INPUT);
    return 0;
}

int strobe_gpio_set_owner(strobe_gpio *gpio, unsigned pin, uint64_t token) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    pthread_mutex_lock(&gpio->owner_lock);
    gpio->owners[pin] = token;
    pthread_mutex_unlock(&gpio->owner_lock);
    return 0;
}

int strobe_gpio_disown(strobe_gpio *gpio, unsigned pin, uint64_t token) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    pthread_mutex_lock(&gpio->owner_lock);
    rc = gpio->owners[pin] == token ? 0 : -EBADF;
    if (rc == 0) gpio->owners[pin] = 0;
    pthread_mutex_unlock(&gpio->owner_lock);
    return rc;
}

int strobe_gpio_set_direction_owned(strobe_gpio *gpio, unsigned pin, uint64_t token, int output) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    pthread_mutex_lock(&gpio->owner_lock);
    rc = token != 0 && gpio->owners[pin] == token ? strobe_gpio_set_direction(gpio, pin, output) : -EBADF;
    pthread_mutex_unlock(&gpio->owner_lock);
    return rc;
}

int strobe_gpio_hold(strobe_gpio *gpio, unsigned pin_a, uint64_t token_a, unsigned pin_b, uint64_t token_b) {
    if (check_pin(gpio, pin_a) || check_pin(gpio, pin_b)) return -EINVAL;
    pthread_mutex_lock(&gpio->owner_lock);
    if (token_a == 0 || token_b == 0 || gpio->owners[pin_a] != token_a || gpio->owners[pin_b] != token_b) {
        pthread_mutex_unlock(&gpio->owner_lock);
        return -EBADF;
    }
    /* Owner lock first, then the function-select lock: the order set_direction_owned takes them. */
    pthread_mutex_lock(&gpio->lock);
    return 0;
}

void strobe_gpio_unhold(strobe_gpio *gpio) {
    pthread_mutex_unlock(&gpio->lock);
    pthread_mutex_unlock(&gpio->owner_lock);
}

int strobe_gpio_get_function(strobe_gpio *gpio, unsigned pin, int *function) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    if (gpio->layout == STROBE_LAYOUT_RP1) {
        uint32_t ctrl = strobe_r32(reg(gpio, strobe_rp1_gpio_ctrl(pin)));
        bool oe = (strobe_r32(reg(gpio, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_OE)) >> pin) & 1u;
        *function = strobe_rp1_function_from_regs(ctrl, oe, strobe_r32(reg(gpio, strobe_rp1_pad(pin))));
        return 0;
    }
    uint32_t v = strobe_r32(reg(gpio, strobe_bcm_fsel_offset(pin)));
    *function = strobe_bcm_function_from_code((v >> strobe_bcm_fsel_shift(pin)) & 7u);
    return 0;
}

int strobe_gpio_set_pull(strobe_gpio *gpio, unsigned pin, int pull) {
    int rc = check_change(gpio, pin);
    if (rc) return rc;
    if (pull != STROBE_PULL_NONE && pull != STROBE_PULL_UP && pull != STROBE_PULL_DOWN) return -EINVAL;
    switch (gpio->layout) {
    case STROBE_LAYOUT_RP1: {
        /* Pads: PUE bit 3, PDE bit 2 ([RP1] 3.3 PADS_BANK0 GPIOn). */
        uint32_t want = pull == STROBE_PULL_UP ? STROBE_RP1_PAD_PUE : pull == STROBE_PULL_DOWN ? STROBE_RP1_PAD_PDE : 0;
        uint32_t off = want ^ (STROBE_RP1_PAD_PUE | STROBE_RP1_PAD_PDE);
        pthread_mutex_lock(&gpio->lock);
        if (off) strobe_w32(reg(gpio, strobe_rp1_pad(pin) + STROBE_RP1_ALIAS_CLR), off);
        if (want) strobe_w32(reg(gpio, strobe_rp1_pad(pin) + STROBE_RP1_ALIAS_SET), want);
        pthread_mutex_unlock(&gpio->lock);
        return 0;
    }
    case STROBE_LAYOUT_BCM2711: {
        uint32_t code = pull == STROBE_PULL_UP ? STROBE_BCM2711_PULL_UP
                      : pull == STROBE_PULL_DOWN ? STROBE_BCM2711_PULL_DOWN : STROBE_BCM2711_PULL_NONE;
        volatile uint32_t *r = reg(gpio, strobe_bcm2711_pull_offset(pin));
        unsigned shift = strobe_bcm2711_pull_shift(pin);
        pthread_mutex_lock(&gpio->lock);
        strobe_w32(r, (strobe_r32(r) & ~(3u << shift)) | (code << shift));
        pthread_mutex_unlock(&gpio->lock);
        return 0;
    }
    case STROBE_LAYOUT_BCM2835: {
        /* [BCM2835] 6.1 GPPUDCLKn: write the control, wait, clock it into the pin, wait, then
         * remove the control and the clock. Each wait is STROBE_BCM_GPPUD_WAIT_NS on the
         * handle's clock: a spin on hardware, virtual time on the bench. */
        uint32_t code = pull == STROBE_PULL_UP ? STROBE_BCM_GPPUD_UP
                      : pull == STROBE_PULL_DOWN ? STROBE_BCM_GPPUD_DOWN : STROBE_BCM_GPPUD_OFF;
        volatile uint32_t *clk = reg(gpio, STROBE_BCM_GPPUDCLK0 + 4u * (pin >> 5));
        pthread_mutex_lock(&gpio->lock);
        strobe_w32(reg(gpio, STROBE_BCM_GPPUD), code);
        strobe_clock_spin_for(&gpio->clock, STROBE_BCM_GPPUD_WAIT_NS);
        strobe_w32(clk, 1u << (pin & 31u));
        strobe_clock_spin_for(&gpio->clock, STROBE_BCM_GPPUD_WAIT_NS);
        strobe_w32(reg(gpio, STROBE_BCM_GPPUD), STROBE_BCM_GPPUD_OFF);
        strobe_w32(clk, 0);
        pthread_mutex_unlock(&gpio->lock);
        return 0;
    }
    }
    return -EINVAL;
}

int strobe_gpio_get_pull(strobe_gpio *gpio, unsigned pin, int *pull) {
    int rc = check_pin(gpio, pin);
    if (rc) return rc;
    switch (gpio->layout) {
    case STROBE_LAYOUT_RP1: {
        uint32_t pad = strobe_r32(reg(gpio, strobe_rp1_pad(pin)));
        if ((pad & STROBE_RP1_PAD_PUE) && !(pad & STROBE_RP1_PAD_PDE)) *pull = STROBE_PULL_UP;
        else if ((pad & STROBE_RP1_PAD_PDE) && !(pad & STROBE_RP1_PAD_PUE)) *pull = STROBE_PULL_DOWN;
        else if (!(pad & (STROBE_RP1_PAD_PUE | STROBE_RP1_PAD_PDE))) *pull = STROBE_PULL_NONE;
        else *pull = STROBE_PULL_UNKNOWN; /* both enabled: a bus-keeper, not a plain pull */
        return 0;
    }
    case STROBE_LAYOUT_BCM2711: {
        uint32_t v = strobe_r32(reg(gpio, strobe_bcm2711_pull_offset(pin)));
        uint32_t code = (v >> strobe_bcm2711_pull_shift(pin)) & 3u;
        *pull = code == STROBE_BCM2711_PULL_UP ? STROBE_PULL_UP
              : code == STROBE_BCM2711_PULL_DOWN ? STROBE_PULL_DOWN
              : code == STROBE_BCM2711_PULL_NONE ? STROBE_PULL_NONE : STROBE_PULL_UNKNOWN;
        return 0;
    }
    case STROBE_LAYOUT_BCM2835:
        *pull = STROBE_PULL_UNKNOWN; /* GPPUD is write-only in effect: no register reports it */
        return 0;
    }
    return -EINVAL;
}

int strobe_gpio_pin_state(strobe_gpio *gpio, unsigned pin, strobe_pin_state *state) {
    int rc = strobe_gpio_get_function(gpio, pin, &state->function);
    if (rc) return rc;
    rc = strobe_gpio_get_pull(gpio, pin, &state->pull);
    if (rc) return rc;
    strobe_port port;
    rc = strobe_port_make(gpio->layout, gpio->block, pin, &port);
    if (rc) return rc;
    state->level = strobe_port_read(port) ? 1 : 0;
    if (gpio->layout == STROBE_LAYOUT_RP1)
        state->raw_fsel = (int)(strobe_r32(reg(gpio, strobe_rp1_gpio_ctrl(pin))) & STROBE_RP1_CTRL_FUNCSEL_MASK);
    else
        state->raw_fsel = (int)((strobe_r32(reg(gpio, strobe_bcm_fsel_offset(pin))) >> strobe_bcm_fsel_shift(pin)) & 7u);
    return 0;
}

int strobe_gpio_port(strobe_gpio *gpio, unsigned pin, strobe_port *port) {
    return strobe_port_make(gpio->layout, gpio->block, pin, port);
}

int strobe_gpio_enable_edges(strobe_gpio *gpio, unsigned pin, int edge) {
    int rc = check_change(gpio, pin);
    if (rc) return rc;
    if (gpio->layout == STROBE_LAYOUT_RP1) return -ENOTSUP;
    if (edge < STROBE_EDGE_NONE || edge > STROBE_EDGE_BOTH) return -EINVAL;
    unsigned bank = pin >> 5;
    uint32_t bit = 1u << (pin & 31u);
    volatile uint32_t *ren = reg(gpio, STROBE_BCM_GPREN0 + 4u * bank);
    volatile uint32_t *fen = reg(gpio, STROBE_BCM_GPFEN0 + 4u * bank);
    pthread_mutex_lock(&gpio->lock);
    uint32_t r = strobe_r32(ren), f = strobe_r32(fen);
    strobe_w32(ren, edge & STROBE_EDGE_RISING ? r | bit : r & ~bit);
    strobe_w32(fen, edge & STROBE_EDGE_FALLING ? f | bit : f & ~bit);
    strobe_w32(reg(gpio, STROBE_BCM_GPEDS0 + 4u * bank), bit); /* forget anything latched before */
    pthread_mutex_unlock(&gpio->lock);
    return 0;
}

uint32_t strobe_gpio_take_events(strobe_gpio *gpio, unsigned bank, uint32_t mask) {
    if (gpio->layout == STROBE_LAYOUT_RP1 || bank > 1) return 0;
    volatile uint32_t *eds = reg(gpio, STROBE_BCM_GPEDS0 + 4u * bank);
    uint32_t seen = strobe_r32(eds) & mask;
    if (seen) strobe_w32(eds, seen); /* write 1 to clear only what we report */
    return seen;
}
