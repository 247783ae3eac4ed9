/*
 * ring.c — the emulated Raspberry Pi 3B ring: Strobe's C core against the real kernel drivers
 * (pinctrl-bcm2835 → /dev/gpiochip0 and /sys/class/gpio) and QEMU 7.2's BCM2835 GPIO model
 * (/dev/mem at the GPIO block, found from /proc/device-tree).
 *
 * Built static for aarch64 and run as part of /init by scripts/emulated-pi. Each check prints
 * `PASS <name>` or `FAIL <name>: <reason>`; lines starting with `# ` are information. The first
 * line is `ring: plan N`, the last `ring: N passed, M failed`. Every check always runs (a
 * missing prerequisite makes it fail, never vanish), so the count is fixed.
 *
 * What QEMU 7.2's model (hw/gpio/bcm2835_gpio.c) implements, and so what these checks can
 * assert: GPFSEL0-5 store and read back; GPSET/GPCLR update the GPLEV words for *every* pin,
 * whatever its function (real pads would read the outside world on an input); GPLEV reads
 * them. GPEDS, GPREN, GPFEN, GPHEN, GPLEN, GPAREN, GPAFEN, GPPUD and GPPUDCLK0/1 are "not
 * implemented": stores are dropped and loads return 0. The device has no interrupt output
 * at all (bcm2835_peripherals.c maps its registers but connects no IRQ), so no GPIO edge can
 * ever reach the kernel. Its 54 outputs are not wired to anything and it has no inputs, so
 * there is no loopback between pins either. The harness traces QEMU's MMIO stores to see what
 * the kernel writes to the registers QEMU drops; this ring marks the phases with stores to
 * offset 0xFFC (see trace_mark).
 */
#define _GNU_SOURCE
#include "strobe.h"
#include "strobe_gpiod.h"
#include "strobe_i2c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Update when a check is added or removed; the harness compares it with what ran. */
#define RING_PLAN 76

/* Pins, each used by one group of checks so that one failure doesn't cascade. */
enum {
    PIN_REG = 17,         /* register backend */
    PIN_BANK1 = 42,       /* register backend, second bank */
    PIN_GPIOD = 22,       /* libgpiod backend */
    PIN_SYSFS = 23,       /* sysfs backend */
    PIN_AGREE = 21,       /* register output read through sysfs */
    PIN_PULL_UP = 5,
    PIN_PULL_DOWN = 6,
    PIN_PULL_OFF = 13,
    PIN_PULL_STROBE = 16,
    PIN_EV_GPIOD = 25,    /* libgpiod edge events */
    PIN_EV_SYSFS = 26,    /* sysfs edge events */
    PIN_EV_REG = 24,      /* Strobe's own GPREN/GPFEN/GPEDS */
    PIN_OWN_GPIOD = 12,   /* held through libgpiod */
    PIN_OWN_SYSFS = 4,    /* held through sysfs */
    PIN_SW_REG = 7,       /* register backend, switchable (direction changes while held) */
    PIN_SW_GPIOD = 8,     /* libgpiod, a held request reconfigured */
    PIN_OD_GPIOD = 9,     /* libgpiod, open drain */
    PIN_OD_REG = 10,      /* register backend, open drain */
    PIN_SD_FIRST = 48,    /* the SD card (sdhost, sdhost_gpio48 in the device tree): 48-53 */
};
#define HOG_DT_PATH "/proc/device-tree/soc/gpio@7e200000/strobe-ring-hog"
#define HOG_NAME "strobe-ring-hog"
#define TRACE_MARK_OFFSET 0xFFCu
#define EXPORT_TIMEOUT_MS 1000
#define EVENT_WAIT_MS 200

/* Trace phases (the harness's awk knows these numbers). */
enum { PHASE_OFF = 0, PHASE_PULL_UP = 1, PHASE_PULL_DOWN = 2, PHASE_BIAS_OFF = 3, PHASE_STROBE_PULL = 4,
       PHASE_EVENTS_ON = 5, PHASE_EVENTS_OFF = 6,
       /* One bit-banged SPI transfer; NN is the configuration's index, not a pin. scripts/emulated-pi
        * turns each such stretch of the trace into a VCD (trace-to-vcd.py) for sigrok to decode. */
       PHASE_SPI = 0x10,
       /* One bit-banged I2C transfer, NN its index, decoded the same way. */
       PHASE_I2C = 0x11 };

static int n_pass, n_fail;

__attribute__((format(printf, 3, 4)))
static void check(int ok, const char *name, const char *why_fmt, ...) {
    if (ok) {
        printf("PASS %s\n", name);
        n_pass++;
        return;
    }
    char why[512];
    va_list ap;
    va_start(ap, why_fmt);
    vsnprintf(why, sizeof why, why_fmt, ap);
    va_end(ap);
    printf("FAIL %s: %s\n", name, why);
    n_fail++;
}

__attribute__((format(printf, 1, 2)))
static void info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

static const char *err(int rc) {
    static char buf[8][64];
    static int next;
    char *b = buf[next++ % 8];
    if (rc >= 0) snprintf(b, sizeof buf[0], "%d", rc);
    else snprintf(b, sizeof buf[0], "-%s (%s)", strerrorname_np(-rc) ? strerrorname_np(-rc) : "?", strerror(-rc));
    return b;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The register block                                                                         */
/* ------------------------------------------------------------------------------------------ */

static strobe_mapping mapping;
static volatile uint32_t *blk; /* /dev/mem, or a RAM stand-in when mapping failed */
static strobe_gpio *gpio;
static int regs_real;          /* 1 when blk is the GPIO block */

static uint32_t rd(uint32_t offset) { return strobe_r32(strobe_reg((volatile uint32_t *)blk, offset)); }
static void wr(uint32_t offset, uint32_t v) { strobe_w32(strobe_reg((volatile uint32_t *)blk, offset), v); }
static unsigned fsel(unsigned pin) { return (rd(strobe_bcm_fsel_offset(pin)) >> strobe_bcm_fsel_shift(pin)) & 7u; }
static int lev(unsigned pin) { return strobe_bcm_level(blk, pin) ? 1 : 0; }
static void drive(unsigned pin, int level) {
    if (level) strobe_bcm_set(blk, pin);
    else strobe_bcm_clear(blk, pin);
}
/* A store QEMU's model ignores (offset 0xFFC is past the last register) but its MMIO trace
 * records: 0x5354PPNN marks the start of phase PP about GPIO NN for the harness. */
static void trace_mark(unsigned phase, unsigned pin) {
    if (regs_real) wr(TRACE_MARK_OFFSET, 0x53540000u | (phase & 0xFFu) << 8 | (pin & 0xFFu));
}

/* ------------------------------------------------------------------------------------------ */
/* libgpiod and sysfs, with a missing chip turned into an error instead of a crash            */
/* ------------------------------------------------------------------------------------------ */

static strobe_gpiod_chip *chip;
static strobe_sysfs_chip sysfs_chip = {.base = -1};

static int g_out(unsigned pin, int value, strobe_gpiod_lines **l) {
    *l = NULL;
    return chip ? strobe_gpiod_request_output(chip, &pin, &value, 1, STROBE_GPIOD_BIAS_AS_IS, l) : -ENODEV;
}
static int g_in(unsigned pin, int bias, strobe_gpiod_lines **l) {
    *l = NULL;
    return chip ? strobe_gpiod_request_input(chip, &pin, 1, bias, l) : -ENODEV;
}
static int g_get(strobe_gpiod_lines *l) { return l ? strobe_gpiod_get(l, 0) : -ENODEV; }
static int g_set(strobe_gpiod_lines *l, int v) { return l ? strobe_gpiod_set(l, 0, v) : -ENODEV; }
static void g_release(strobe_gpiod_lines **l) {
    strobe_gpiod_release(*l);
    *l = NULL;
}
static int g_in_use(unsigned pin, char *consumer, size_t len) {
    consumer[0] = 0;
    return chip ? strobe_gpiod_line_in_use(chip, pin, consumer, len) : -ENODEV;
}

/* Global sysfs number of a pinctrl-bcm2835 line: the base comes from sysfs, never assumed. */
static int snum(unsigned pin) { return sysfs_chip.base < 0 ? -1 : sysfs_chip.base + (int)pin; }
static int s_export(unsigned pin) { return strobe_sysfs_export("/sys", snum(pin), EXPORT_TIMEOUT_MS); }
static int s_unexport(unsigned pin) { return strobe_sysfs_unexport("/sys", snum(pin)); }
static int s_read(unsigned pin) {
    int fd = strobe_sysfs_open_value("/sys", snum(pin), 1);
    if (fd < 0) return fd;
    int v = strobe_sysfs_read_value(fd);
    close(fd);
    return v;
}
static int s_write(unsigned pin, int level) {
    int fd = strobe_sysfs_open_value("/sys", snum(pin), 0);
    if (fd < 0) return fd;
    int r = strobe_sysfs_write_value(fd, level);
    close(fd);
    return r;
}
static int exists(const char *path) { return access(path, F_OK) == 0; }
static int gpio_dir_exists(unsigned pin) {
    char p[96];
    snprintf(p, sizeof p, "/sys/class/gpio/gpio%d", snum(pin));
    return snum(pin) >= 0 && exists(p);
}

/* ------------------------------------------------------------------------------------------ */
/* Setup                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void setup(void) {
    strobe_board_info board;
    char why[256] = "";
    int rc = strobe_detect("/", &board, why, sizeof why);
    check(rc == 0 && board.soc == STROBE_SOC_BCM2837 && board.layout == STROBE_LAYOUT_BCM2835 && board.gpio_phys == 0x3F200000u,
          "setup: strobe_detect reads a BCM2837 with its GPIO block at 0x3F200000 from /proc/device-tree",
          "rc %s, soc %s, layout %d, gpio_phys 0x%llx %s", err(rc), strobe_soc_name(board.soc), (int)board.layout,
          (unsigned long long)board.gpio_phys, why);
    if (rc == 0) info("board: model \"%s\", compatible \"%s\", peripheral base 0x%llx", board.model, board.compatible,
                      (unsigned long long)board.peripheral_base);

    rc = rc == 0 ? strobe_map_board(&board, 1 /* /dev/mem */, "", &mapping) : -ENODEV;
    int gplev_sane = 0;
    if (rc == 0) {
        blk = mapping.block;
        regs_real = 1;
        /* GPFSEL words hold 3-bit fields in 30 bits: bits 31:30 are always 0 in QEMU's model. */
        gplev_sane = (rd(STROBE_BCM_GPFSEL0) >> 30) == 0 && (rd(STROBE_BCM_GPFSEL0 + 20) >> 30) == 0;
    } else {
        strobe_map_ram(STROBE_LAYOUT_BCM2835, &mapping); /* keeps the register checks from crashing */
        blk = mapping.block;
    }
    check(rc == 0 && gplev_sane, "setup: strobe_map_board maps the GPIO block through /dev/mem (iomem=relaxed)",
          "rc %s%s", err(rc), rc == 0 ? ", but GPFSEL0/5 hold impossible bits" : "");
    gpio = strobe_gpio_new(STROBE_LAYOUT_BCM2835, blk);

    rc = strobe_gpiod_chip_open("pinctrl-bcm2835", &chip);
    if (rc < 0) chip = NULL;
    check(rc == 0 && strobe_gpiod_chip_num_lines(chip) == 54 && strcmp(strobe_gpiod_chip_label(chip), "pinctrl-bcm2835") == 0,
          "setup: libgpiod opens pinctrl-bcm2835 by label, 54 lines", "rc %s, %u lines", err(rc),
          chip ? strobe_gpiod_chip_num_lines(chip) : 0);
    if (chip) info("libgpiod: %s is %s", strobe_gpiod_chip_name(chip), strobe_gpiod_chip_label(chip));
    strobe_gpiod_chip *any = NULL;
    rc = strobe_gpiod_chip_open(NULL, &any);
    check(rc == 0 && strcmp(strobe_gpiod_chip_label(any), "pinctrl-bcm2835") == 0,
          "setup: libgpiod with no chip named picks pinctrl-bcm2835, not the firmware expander", "rc %s, label \"%s\"",
          err(rc), rc == 0 ? strobe_gpiod_chip_label(any) : "");
    if (rc == 0) strobe_gpiod_chip_close(any);

    rc = strobe_sysfs_find_chip("/sys", "pinctrl-bcm2835", &sysfs_chip);
    if (rc < 0) sysfs_chip.base = -1;
    check(rc == 0 && sysfs_chip.ngpio == 54 && sysfs_chip.base >= 0,
          "setup: strobe_sysfs_find_chip finds pinctrl-bcm2835 in /sys/class/gpio, 54 lines", "rc %s, ngpio %d, base %d",
          err(rc), sysfs_chip.ngpio, sysfs_chip.base);
    if (rc == 0) info("sysfs: %s, base %d (read from sysfs)", sysfs_chip.name, sysfs_chip.base);
}

/* ------------------------------------------------------------------------------------------ */
/* Register backend                                                                           */
/* ------------------------------------------------------------------------------------------ */

static void register_backend(void) {
    unsigned p = PIN_REG;
    int rc = gpio ? strobe_gpio_set_function(gpio, p, STROBE_FN_OUTPUT) : -ENOMEM;
    check(rc == 0 && fsel(p) == STROBE_BCM_FSEL_OUTPUT,
          "register: set_function(OUTPUT) writes 001 into GPFSEL1 bits 23:21 (GPIO17)", "rc %s, field %u%u%u",
          err(rc), fsel(p) >> 2 & 1, fsel(p) >> 1 & 1, fsel(p) & 1);

    strobe_port port;
    strobe_gpio_port(gpio, p, &port);
    strobe_port_set(port);
    int hi = strobe_port_read(port);
    uint32_t lev0_hi = rd(STROBE_BCM_GPLEV0);
    strobe_port_clear(port);
    int lo = strobe_port_read(port);
    uint32_t lev0_lo = rd(STROBE_BCM_GPLEV0);
    check(hi == 1 && (lev0_hi >> p & 1), "register: GPSET0 drives GPIO17 high, GPLEV0 reads it",
          "port read %d, GPLEV0 0x%08x", hi, lev0_hi);
    check(lo == 0 && !(lev0_lo >> p & 1), "register: GPCLR0 drives GPIO17 low, GPLEV0 reads it",
          "port read %d, GPLEV0 0x%08x", lo, lev0_lo);

    /* Mask writes: one store sets or clears several pins. */
    const uint32_t mask = 1u << 18 | 1u << 19 | 1u << 20;
    for (unsigned q = 18; q <= 20; q++) strobe_gpio_set_function(gpio, q, STROBE_FN_OUTPUT);
    strobe_bcm_set_mask(blk, 0, mask);
    uint32_t after_set = rd(STROBE_BCM_GPLEV0) & mask;
    strobe_bcm_clear_mask(blk, 0, mask);
    uint32_t after_clr = rd(STROBE_BCM_GPLEV0) & mask;
    check(after_set == mask && after_clr == 0, "register: one GPSET0 / GPCLR0 store moves GPIO18-20 together",
          "GPLEV0 & mask: 0x%08x after set, 0x%08x after clear", after_set, after_clr);
    for (unsigned q = 18; q <= 20; q++) strobe_gpio_set_function(gpio, q, STROBE_FN_INPUT);

    /* Bank 1. */
    unsigned b = PIN_BANK1;
    strobe_gpio_set_function(gpio, b, STROBE_FN_OUTPUT);
    strobe_port bport;
    strobe_gpio_port(gpio, b, &bport);
    strobe_port_set(bport);
    uint32_t l1_hi = rd(STROBE_BCM_GPLEV0 + 4);
    strobe_port_clear(bport);
    uint32_t l1_lo = rd(STROBE_BCM_GPLEV0 + 4);
    unsigned bf = fsel(b);
    check(bf == 1 && (l1_hi >> (b - 32) & 1) && !(l1_lo >> (b - 32) & 1),
          "register: GPSET1 / GPCLR1 drive GPIO42 and GPLEV1 reads it (second bank)",
          "GPFSEL4 field %u, GPLEV1 0x%08x after set, 0x%08x after clear", bf, l1_hi, l1_lo);
    strobe_gpio_set_function(gpio, b, STROBE_FN_INPUT);

    /* Every function code round-trips. */
    int bad = -1;
    unsigned bad_code = 0;
    for (int f = STROBE_FN_INPUT; f <= STROBE_FN_ALT0 + 5; f++) {
        int got = -1;
        strobe_gpio_set_function(gpio, p, f);
        strobe_gpio_get_function(gpio, p, &got);
        if (got != f || (int)fsel(p) != strobe_bcm_fsel_code(f)) {
            bad = f;
            bad_code = fsel(p);
            break;
        }
    }
    check(bad < 0, "register: input, output and ALT0-ALT5 round-trip through GPFSEL1 (GPIO17)",
          "function %d read back as code %u", bad, bad_code);

    rc = strobe_gpio_set_function(gpio, p, STROBE_FN_INPUT);
    int fn = -1;
    strobe_gpio_get_function(gpio, p, &fn);
    check(rc == 0 && fsel(p) == 0 && fn == STROBE_FN_INPUT, "register: set_function(INPUT) writes 000 and get_function reads INPUT",
          "rc %s, field %u, function %d", err(rc), fsel(p), fn);

    /* QEMU quirk this ring relies on: GPSET/GPCLR move GPLEV of an input too. */
    drive(p, 1);
    int in_hi = lev(p);
    drive(p, 0);
    int in_lo = lev(p);
    check(in_hi == 1 && in_lo == 0,
          "qemu: GPSET0 / GPCLR0 move GPLEV0 even on an input (QEMU quirk: real pads read the outside world)",
          "GPLEV0 bit 17 read %d after GPSET0, %d after GPCLR0 on an input", in_hi, in_lo);
}

/* ------------------------------------------------------------------------------------------ */
/* libgpiod backend                                                                           */
/* ------------------------------------------------------------------------------------------ */

static void gpiod_backend(void) {
    unsigned p = PIN_GPIOD;
    strobe_gpiod_lines *l;
    drive(p, 0);
    int rc = g_out(p, 1, &l);
    check(rc == 0 && fsel(p) == 1 && lev(p) == 1,
          "libgpiod: request as output 1 → the kernel writes 001 to GPFSEL2 and GPLEV0 reads 1 (GPIO22)",
          "rc %s, field %u, level %d", err(rc), fsel(p), lev(p));

    int r0 = g_set(l, 0);
    int lv0 = lev(p);
    int r1 = g_set(l, 1);
    int lv1 = lev(p);
    check(r0 == 0 && r1 == 0 && lv0 == 0 && lv1 == 1, "libgpiod: set 0 / set 1 is seen in GPLEV0",
          "set rc %s/%s, GPLEV0 bit %d then %d", err(r0), err(r1), lv0, lv1);

    drive(p, 0);
    int g0 = g_get(l);
    drive(p, 1);
    int g1 = g_get(l);
    check(g0 == 0 && g1 == 1, "libgpiod: get follows GPCLR0 / GPSET0 register writes",
          "get returned %s after GPCLR0, %s after GPSET0", err(g0), err(g1));

    g_release(&l);
    check(fsel(p) == 0, "libgpiod: release hands the line back as an input (GPFSEL 000)", "field %u", fsel(p));

    rc = g_in(p, STROBE_GPIOD_BIAS_AS_IS, &l);
    unsigned f_in = fsel(p);
    drive(p, 1);
    g1 = g_get(l);
    drive(p, 0);
    g0 = g_get(l);
    check(rc == 0 && f_in == 0 && g1 == 1 && g0 == 0,
          "libgpiod: request as input → GPFSEL 000, and get reads GPLEV0",
          "rc %s, field %u, get %s after GPSET0, %s after GPCLR0", err(rc), f_in, err(g1), err(g0));
    g_release(&l);

    /* Bulk: three lines in one request; one ioctl sets or reads them all. */
    const unsigned bulk[3] = {18, 19, 20};
    const int start[3] = {0, 0, 0}, pattern[3] = {1, 0, 1}, inverse[3] = {0, 1, 0};
    strobe_gpiod_lines *b = NULL;
    rc = chip ? strobe_gpiod_request_output(chip, bulk, start, 3, STROBE_GPIOD_BIAS_AS_IS, &b) : -ENODEV;
    int sa = b ? strobe_gpiod_set_all(b, pattern) : -ENODEV;
    int l18 = lev(18), l19 = lev(19), l20 = lev(20);
    check(rc == 0 && sa == 0 && l18 == 1 && l19 == 0 && l20 == 1,
          "libgpiod: a bulk request of GPIO18-20 sets 1,0,1 with one set_all, seen in GPLEV0",
          "request %s, set_all %s, GPLEV0 %d%d%d", err(rc), err(sa), l18, l19, l20);
    /* libgpiod v1 sends a whole request's values in one ioctl, so one line of a bulk request is
     * set by resending the values this request last wrote with that one changed. */
    int s19 = b ? strobe_gpiod_set(b, 1, 1) : -ENODEV;
    int k18 = lev(18), k19 = lev(19), k20 = lev(20);
    check(s19 == 0 && k18 == 1 && k19 == 1 && k20 == 1,
          "libgpiod: setting one line of a bulk request keeps the others at their last written values",
          "set %s, GPLEV0 %d%d%d (want 111)", err(s19), k18, k19, k20);
    wr(STROBE_BCM_GPSET0, 1u << 19);
    wr(STROBE_BCM_GPCLR0, (1u << 18) | (1u << 20));
    int got[3] = {-1, -1, -1};
    int ga = b ? strobe_gpiod_get_all(b, got) : -ENODEV;
    check(ga == 0 && got[0] == inverse[0] && got[1] == inverse[1] && got[2] == inverse[2],
          "libgpiod: get_all reads GPIO18-20 back in one call after register writes (0,1,0)",
          "get_all %s, values %d,%d,%d", err(ga), got[0], got[1], got[2]);
    if (b) strobe_gpiod_release(b);
}

/* ------------------------------------------------------------------------------------------ */
/* sysfs backend                                                                              */
/* ------------------------------------------------------------------------------------------ */

static void sysfs_backend(void) {
    unsigned p = PIN_SYSFS;
    int rc = s_export(p);
    check(rc == 0 && gpio_dir_exists(p), "sysfs: export of base+23 creates /sys/class/gpio/gpioN",
          "rc %s (number %d)", err(rc), snum(p));

    rc = strobe_sysfs_set_direction("/sys", snum(p), "out");
    char dir[8] = "";
    int rd_rc = strobe_sysfs_get_direction("/sys", snum(p), dir, sizeof dir);
    check(rc == 0 && rd_rc == 0 && strcmp(dir, "out") == 0 && fsel(p) == 1,
          "sysfs: direction out → the kernel writes 001 to GPFSEL2 bits 11:9 (GPIO23)",
          "rc %s, direction \"%s\" (%s), field %u", err(rc), dir, err(rd_rc), fsel(p));

    int w1 = s_write(p, 1);
    int l1 = lev(p);
    int w0 = s_write(p, 0);
    int l0 = lev(p);
    check(w1 == 0 && w0 == 0 && l1 == 1 && l0 == 0, "sysfs: value 1 / 0 is seen in GPLEV0",
          "write rc %s/%s, GPLEV0 bit %d then %d", err(w1), err(w0), l1, l0);

    drive(p, 1);
    int v1 = s_read(p);
    drive(p, 0);
    int v0 = s_read(p);
    check(v1 == 1 && v0 == 0, "sysfs: value reads follow GPSET0 / GPCLR0 register writes",
          "read %s after GPSET0, %s after GPCLR0", err(v1), err(v0));

    rc = strobe_sysfs_set_direction("/sys", snum(p), "high");
    check(rc == 0 && fsel(p) == 1 && lev(p) == 1, "sysfs: direction high → output with GPLEV0 1 in one write",
          "rc %s, field %u, level %d", err(rc), fsel(p), lev(p));

    rc = strobe_sysfs_set_direction("/sys", snum(p), "in");
    check(rc == 0 && fsel(p) == 0, "sysfs: direction in → GPFSEL 000", "rc %s, field %u", err(rc), fsel(p));

    strobe_sysfs_set_direction("/sys", snum(p), "out");
    rc = s_unexport(p);
    check(rc == 0 && !gpio_dir_exists(p) && fsel(p) == 0,
          "sysfs: unexport removes gpioN and the kernel returns the line to input (GPFSEL 000)",
          "rc %s, gpioN %s, field %u", err(rc), gpio_dir_exists(p) ? "still there" : "gone", fsel(p));

    /* active_low inverts the value file both ways, and the pad sees the physical level. */
    int e = s_export(p);
    int al = strobe_sysfs_set_active_low("/sys", snum(p), 1);
    int d = strobe_sysfs_set_direction("/sys", snum(p), "out");
    int w = s_write(p, 1);
    int pad_after_1 = lev(p);
    drive(p, 1);
    int read_when_high = s_read(p);
    s_unexport(p);
    check(e == 0 && al == 0 && d == 0 && w == 0 && pad_after_1 == 0 && read_when_high == 0,
          "sysfs: active_low 1 inverts writes (value 1 → GPLEV0 0) and reads (GPLEV0 1 → value 0)",
          "export %s, active_low %s, direction %s, write %s, GPLEV0 %d after value 1, value %d at GPLEV0 1",
          err(e), err(al), err(d), err(w), pad_after_1, read_when_high);
}

/* ------------------------------------------------------------------------------------------ */
/* The backends agree                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void agreement(void) {
    unsigned p = PIN_AGREE;
    strobe_gpio_set_function(gpio, p, STROBE_FN_OUTPUT);
    drive(p, 0);
    int rc = s_export(p); /* exporting doesn't touch GPFSEL: the line stays Strobe's output */
    char dir[8] = "";
    int drc = strobe_sysfs_get_direction("/sys", snum(p), dir, sizeof dir);
    check(rc == 0 && drc == 0 && strcmp(dir, "out") == 0,
          "agree: sysfs reports direction out for a line Strobe made an output through GPFSEL (GPIO21)",
          "export %s, direction \"%s\" (%s)", err(rc), dir, err(drc));
    drive(p, 1);
    int v1 = s_read(p);
    drive(p, 0);
    int v0 = s_read(p);
    check(v1 == 1 && v0 == 0, "agree: register GPSET0 / GPCLR0 on Strobe's output are read back by sysfs",
          "sysfs read %s after GPSET0, %s after GPCLR0", err(v1), err(v0));
    s_unexport(p);

    /* One line, three readers: register, libgpiod, sysfs must say the same thing. */
    unsigned q = PIN_GPIOD;
    strobe_gpiod_lines *l;
    rc = g_out(q, 1, &l);
    int reg1 = lev(q);
    int g1 = g_get(l);
    g_set(l, 0);
    int reg0 = lev(q);
    int g0 = g_get(l);
    check(rc == 0 && reg1 == 1 && g1 == 1 && reg0 == 0 && g0 == 0,
          "agree: a libgpiod output and GPLEV0 give the same level, high and low",
          "rc %s; high: GPLEV0 %d, libgpiod %s; low: GPLEV0 %d, libgpiod %s", err(rc), reg1, err(g1), reg0, err(g0));
    g_release(&l);
}

/* ------------------------------------------------------------------------------------------ */
/* Pulls                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static int pud_regs_zero(void) { return rd(STROBE_BCM_GPPUD) == 0 && rd(STROBE_BCM_GPPUDCLK0) == 0 && rd(STROBE_BCM_GPPUDCLK0 + 4) == 0; }

static void pulls(void) {
    strobe_gpiod_lines *l;

    /* Pull-up on an input that reads 0: real pads would go to 1; QEMU has no pads. */
    unsigned p = PIN_PULL_UP;
    drive(p, 0);
    trace_mark(PHASE_PULL_UP, p);
    int rc = g_in(p, STROBE_GPIOD_BIAS_PULL_UP, &l);
    trace_mark(PHASE_OFF, 0);
    check(rc == 0 && fsel(p) == 0, "pulls: libgpiod input request with bias pull-up is accepted (GPIO5)",
          "rc %s, field %u", err(rc), fsel(p));
    uint32_t pud = rd(STROBE_BCM_GPPUD), clk0 = rd(STROBE_BCM_GPPUDCLK0), clk1 = rd(STROBE_BCM_GPPUDCLK0 + 4);
    check(pud == 0 && clk0 == 0 && clk1 == 0,
          "pulls: QEMU stores no pull state: GPPUD and GPPUDCLK0/1 read 0 after the kernel's pull-up (documented)",
          "GPPUD 0x%x, GPPUDCLK0 0x%x, GPPUDCLK1 0x%x: QEMU now keeps them, update this ring", pud, clk0, clk1);
    int g = g_get(l);
    check(g == 0 && lev(p) == 0,
          "pulls: a pull-up leaves a low input low in QEMU (no pad model; real hardware reads 1)",
          "libgpiod get %s, GPLEV0 %d: QEMU now models pulls, update this ring", err(g), lev(p));
    g_release(&l);

    p = PIN_PULL_DOWN;
    drive(p, 1);
    trace_mark(PHASE_PULL_DOWN, p);
    rc = g_in(p, STROBE_GPIOD_BIAS_PULL_DOWN, &l);
    trace_mark(PHASE_OFF, 0);
    g = g_get(l);
    check(rc == 0 && g == 1 && pud_regs_zero(),
          "pulls: bias pull-down is accepted; a high input stays high and GPPUD reads 0 (QEMU; documented)",
          "rc %s, get %s, GPPUD 0x%x", err(rc), err(g), rd(STROBE_BCM_GPPUD));
    g_release(&l);
    drive(p, 0);

    p = PIN_PULL_OFF;
    trace_mark(PHASE_BIAS_OFF, p);
    rc = g_in(p, STROBE_GPIOD_BIAS_DISABLE, &l);
    trace_mark(PHASE_OFF, 0);
    check(rc == 0 && pud_regs_zero(), "pulls: bias disable is accepted (GPIO13)", "rc %s, GPPUD 0x%x", err(rc),
          rd(STROBE_BCM_GPPUD));
    g_release(&l);

    /* Strobe's own GPPUD/GPPUDCLK sequence through the register block. */
    p = PIN_PULL_STROBE;
    drive(p, 0);
    trace_mark(PHASE_STROBE_PULL, p);
    rc = gpio ? strobe_gpio_set_pull(gpio, p, STROBE_PULL_UP) : -ENOMEM;
    trace_mark(PHASE_OFF, 0);
    int pull = -1;
    int grc = gpio ? strobe_gpio_get_pull(gpio, p, &pull) : -ENOMEM;
    check(rc == 0 && grc == 0 && pull == STROBE_PULL_UNKNOWN && pud_regs_zero() && lev(p) == 0,
          "pulls: strobe_gpio_set_pull(UP) runs its sequence; BCM2835 pulls read back as UNKNOWN, QEMU keeps none",
          "set %s, get %s → pull %d, GPPUD 0x%x, level %d", err(rc), err(grc), pull, rd(STROBE_BCM_GPPUD), lev(p));
    strobe_gpio_set_pull(gpio, p, STROBE_PULL_NONE);
}

/* ------------------------------------------------------------------------------------------ */
/* Events                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Four edges through the register block: up, down, up, down. Returns how many the level
 * followed (the QEMU quirk makes an input follow GPSET/GPCLR). */
static int four_edges(unsigned pin, strobe_gpiod_lines *reader) {
    int followed = 0;
    for (int i = 0; i < 4; i++) {
        int want = i % 2 == 0;
        drive(pin, want);
        int got = reader ? g_get(reader) : lev(pin);
        if (got == want) followed++;
        sleep_ms(5);
    }
    return followed;
}

static void events(void) {
    /* libgpiod both-edge events. */
    unsigned p = PIN_EV_GPIOD;
    drive(p, 0);
    strobe_gpiod_lines *l = NULL;
    trace_mark(PHASE_EVENTS_ON, p);
    int rc = chip ? strobe_gpiod_request_events(chip, p, STROBE_EDGE_BOTH, STROBE_GPIOD_BIAS_AS_IS, &l) : -ENODEV;
    trace_mark(PHASE_OFF, 0);
    if (rc < 0) l = NULL;
    int fd = l ? strobe_gpiod_event_fd(l) : -ENODEV;
    check(rc == 0 && fd >= 0 && fsel(p) == 0, "events: libgpiod both-edge request on GPIO25 is accepted (input, event fd)",
          "rc %s, fd %s, field %u", err(rc), err(fd), fsel(p));

    uint32_t ren = rd(STROBE_BCM_GPREN0), fen = rd(STROBE_BCM_GPFEN0);
    check(!(ren >> p & 1) && !(fen >> p & 1),
          "events: QEMU drops the kernel's GPREN0/GPFEN0 enables (they read 0; documented)",
          "GPREN0 0x%08x, GPFEN0 0x%08x: QEMU now stores edge enables, update this ring", ren, fen);

    int followed = four_edges(p, l);
    check(followed == 4, "events: four register-driven edges on GPIO25 are seen by libgpiod get",
          "libgpiod get followed %d of 4 level changes", followed);

    int n = 0, r;
    uint64_t ts;
    unsigned off;
    int rising;
    int64_t wait_ns = (int64_t)EVENT_WAIT_MS * 1000000;
    while (l && (r = strobe_gpiod_read_event(l, n == 0 ? wait_ns : 0, &ts, &off, &rising)) == 1) n++;
    uint32_t eds = rd(STROBE_BCM_GPEDS0);
    check(l && n == 0 && !(eds >> p & 1),
          "events: QEMU raises no GPIO interrupts: libgpiod sees 0 events within 200 ms of 4 edges (documented limitation)",
          "%s: %d events arrived, GPEDS0 0x%08x%s", l ? "request held" : "no events request", n, eds,
          n > 0 ? " (QEMU now delivers GPIO interrupts: make this check assert them)" : "");
    trace_mark(PHASE_EVENTS_OFF, p);
    strobe_gpiod_release(l);
    trace_mark(PHASE_OFF, 0);
    l = NULL;

    /* sysfs edge notification. */
    p = PIN_EV_SYSFS;
    drive(p, 0);
    rc = s_export(p);
    int drc = strobe_sysfs_set_direction("/sys", snum(p), "in");
    int erc = strobe_sysfs_set_edge("/sys", snum(p), STROBE_EDGE_BOTH);
    int vfd = strobe_sysfs_open_value("/sys", snum(p), 1);
    check(rc == 0 && drc == 0 && erc == 0 && vfd >= 0, "events: sysfs export, direction in and edge both on GPIO26 are accepted",
          "export %s, direction %s, edge %s, open %s", err(rc), err(drc), err(erc), err(vfd));
    followed = four_edges(p, NULL);
    int level = -1, got = 0, w;
    while (vfd >= 0 && (w = strobe_sysfs_wait_edge(vfd, got == 0 ? EVENT_WAIT_MS : 0, &level)) == 1) got++;
    check(vfd >= 0 && got == 0 && followed == 4,
          "events: sysfs poll() sees 0 edges within 200 ms of 4 register-driven edges (no GPIO interrupt in QEMU)",
          "value fd %s, %d edges arrived, level followed %d of 4%s", err(vfd), got, followed,
          got > 0 ? " (QEMU now delivers GPIO interrupts: update this ring)" : "");
    if (vfd >= 0) close(vfd);
    strobe_sysfs_set_edge("/sys", snum(p), STROBE_EDGE_NONE);
    s_unexport(p);

    /* Strobe's register edge detection: GPREN0/GPFEN0 + GPEDS0. */
    p = PIN_EV_REG;
    strobe_gpio_set_function(gpio, p, STROBE_FN_INPUT);
    drive(p, 0);
    rc = gpio ? strobe_gpio_enable_edges(gpio, p, STROBE_EDGE_BOTH) : -ENOMEM;
    ren = rd(STROBE_BCM_GPREN0);
    fen = rd(STROBE_BCM_GPFEN0);
    followed = four_edges(p, NULL);
    uint32_t seen = gpio ? strobe_gpio_take_events(gpio, 0, 1u << p) : 0;
    check(rc == 0 && followed == 4 && seen == 0 && !(ren >> p & 1) && !(fen >> p & 1),
          "events: Strobe's GPREN0/GPFEN0/GPEDS0 edge detect latches nothing in QEMU (all read 0; documented)",
          "enable %s, GPREN0 0x%08x, GPFEN0 0x%08x, level followed %d of 4, GPEDS0 gave 0x%08x", err(rc), ren, fen,
          followed, seen);
    if (gpio) strobe_gpio_enable_edges(gpio, p, STROBE_EDGE_NONE);
}

/* ------------------------------------------------------------------------------------------ */
/* Ownership: Strobe refuses lines someone else holds                                          */
/* ------------------------------------------------------------------------------------------ */

/* The hog's line from the device tree the harness built: -1 when absent. */
static int dt_hog_pin(void) {
    int fd = open(HOG_DT_PATH "/gpios", O_RDONLY);
    if (fd < 0) return -1;
    unsigned char b[8];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n != 8) return -1;
    return (int)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
}

static void ownership(void) {
    char consumer[64];
    strobe_gpiod_lines *held, *second;

    /* A line held through libgpiod. */
    unsigned p = PIN_OWN_GPIOD;
    int rc = g_out(p, 0, &held);
    int used = g_in_use(p, consumer, sizeof consumer);
    check(rc == 0 && used == 1 && strcmp(consumer, STROBE_GPIOD_CONSUMER) == 0,
          "ownership: a libgpiod request shows as in use by \"strobe\" (GPIO12)", "request %s, in_use %s, consumer \"%s\"",
          err(rc), err(used), consumer);
    int rc2 = g_in(p, STROBE_GPIOD_BIAS_AS_IS, &second);
    check(rc2 == -EBUSY, "ownership: a second libgpiod request of a held line gives -EBUSY", "got %s", err(rc2));
    if (rc2 == 0) g_release(&second);
    int src = s_export(p);
    check(src == -EBUSY, "ownership: sysfs export of a libgpiod-held line gives -EBUSY", "got %s", err(src));
    if (src == 0) s_unexport(p);
    g_release(&held);
    used = g_in_use(p, consumer, sizeof consumer);
    check(used == 0, "ownership: after release the line is free again", "in_use %s, consumer \"%s\"", err(used), consumer);

    /* A line held through sysfs. */
    p = PIN_OWN_SYSFS;
    rc = s_export(p);
    used = g_in_use(p, consumer, sizeof consumer);
    rc2 = g_in(p, STROBE_GPIOD_BIAS_AS_IS, &second);
    if (rc2 == 0) g_release(&second);
    check(rc == 0 && used == 1 && strcmp(consumer, "sysfs") == 0 && rc2 == -EBUSY,
          "ownership: a sysfs-exported line shows consumer \"sysfs\" and libgpiod gets -EBUSY (GPIO4)",
          "export %s, in_use %s, consumer \"%s\", libgpiod %s", err(rc), err(used), consumer, err(rc2));
    src = s_export(p);
    check(src == -EBUSY, "ownership: exporting an exported line again gives -EBUSY", "got %s", err(src));
    s_unexport(p);

    /* A line the kernel itself holds: the gpio-hog the harness adds to the device tree. */
    int hog = dt_hog_pin();
    if (hog >= 0) info("device tree: %s holds GPIO%d", HOG_DT_PATH, hog);
    used = hog >= 0 ? g_in_use((unsigned)hog, consumer, sizeof consumer) : -ENOENT;
    check(hog >= 0 && used == 1 && strcmp(consumer, HOG_NAME) == 0,
          "ownership: the kernel's gpio-hog line shows as in use by \"" HOG_NAME "\"",
          "%s, in_use %s, consumer \"%s\"", hog < 0 ? "no " HOG_DT_PATH " (scripts/emulated-pi adds it)" : "hog found",
          err(used), consumer);
    rc2 = hog >= 0 ? g_in((unsigned)hog, STROBE_GPIOD_BIAS_AS_IS, &second) : -ENOENT;
    if (rc2 == 0) g_release(&second);
    check(rc2 == -EBUSY, "ownership: libgpiod request of the kernel-held hog line gives -EBUSY", "got %s", err(rc2));
    src = hog >= 0 ? s_export((unsigned)hog) : -ENOENT;
    if (src == 0) s_unexport((unsigned)hog);
    check(src == -EBUSY, "ownership: sysfs export of the kernel-held hog line gives -EBUSY", "got %s", err(src));
    check(hog >= 0 && fsel((unsigned)hog) == 1 && lev((unsigned)hog) == 1,
          "ownership: the hog (output-high) is visible in the registers: GPFSEL 001, GPLEV0 1",
          "hog GPIO%d, field %u, level %d", hog, hog >= 0 ? fsel((unsigned)hog) : 0, hog >= 0 ? lev((unsigned)hog) : -1);

    /* Every line any kernel driver holds, on every chip, is refused by both backends. */
    int kernel_held = 0, refused = 0, hog_seen = 0;
    char list[512] = "", bad[256] = "";
    for (int c = 0; c < 16; c++) {
        char path[32];
        snprintf(path, sizeof path, "/dev/gpiochip%d", c);
        if (!exists(path)) continue;
        strobe_gpiod_chip *ch;
        if (strobe_gpiod_chip_open(path, &ch) < 0) continue;
        strobe_sysfs_chip sc;
        int base = strobe_sysfs_find_chip("/sys", strobe_gpiod_chip_label(ch), &sc) == 0 ? sc.base : -1;
        for (unsigned o = 0; o < strobe_gpiod_chip_num_lines(ch); o++) {
            if (strobe_gpiod_line_in_use(ch, o, consumer, sizeof consumer) != 1) continue;
            if (strcmp(consumer, STROBE_GPIOD_CONSUMER) == 0 || strcmp(consumer, "sysfs") == 0) continue;
            kernel_held++;
            if (c == 0 && (int)o == hog) hog_seen = 1;
            size_t len = strlen(list);
            snprintf(list + len, sizeof list - len, "%s%s:%u \"%s\"", len ? ", " : "", strobe_gpiod_chip_name(ch), o, consumer);
            strobe_gpiod_lines *x = NULL;
            int g = strobe_gpiod_request_input(ch, &o, 1, STROBE_GPIOD_BIAS_AS_IS, &x);
            if (g == 0) strobe_gpiod_release(x);
            int s = base >= 0 ? strobe_sysfs_export("/sys", base + (int)o, EXPORT_TIMEOUT_MS) : -ENOENT;
            if (s == 0) strobe_sysfs_unexport("/sys", base + (int)o);
            if (g == -EBUSY && s == -EBUSY) refused++;
            else {
                size_t bl = strlen(bad);
                snprintf(bad + bl, sizeof bad - bl, "%s:%u libgpiod %s sysfs %s; ", strobe_gpiod_chip_name(ch), o, err(g), err(s));
            }
        }
        strobe_gpiod_chip_close(ch);
    }
    info("kernel-held lines: %s", kernel_held ? list : "none");
    check(kernel_held > 0 && hog_seen && refused == kernel_held,
          "ownership: every line a kernel driver holds (scan of all gpiochips) is refused by libgpiod and sysfs",
          "%d kernel-held, %d refused, hog %s; %s", kernel_held, refused, hog_seen ? "seen" : "not seen", bad);
}

/* ------------------------------------------------------------------------------------------ */
/* Kernel-owned pins: the device tree's enabled devices and the line info, and the refusal    */
/* ------------------------------------------------------------------------------------------ */

/* The device-tree node behind the console UART: /proc/consoles names ttyAMA0, the PL011's
 * tty (the amba-pl011 driver, "uart-pl011"); the device bound to that driver carries its node in
 * its uevent ("OF_FULLNAME=/soc/serial@7e201000"). */
static int console_node(char *name, size_t cap) {
    char buf[1024];
    int fd = open("/proc/consoles", O_RDONLY);
    if (fd < 0) return -errno;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0 || strncmp(buf, "ttyAMA", 6) != 0) return -ENODEV;
    const char *drv = "/sys/bus/amba/drivers/uart-pl011";
    DIR *d = opendir(drv);
    if (!d) return -errno;
    struct dirent *e;
    int rc = -ENOENT;
    while ((e = readdir(d)) != NULL && rc != 0) {
        if (!strchr(e->d_name, '.') || e->d_name[0] == '.') continue; /* devices are "3f201000.serial" */
        char path[512];
        snprintf(path, sizeof path, "%s/%s/uevent", drv, e->d_name);
        fd = open(path, O_RDONLY);
        if (fd < 0) continue;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0) continue;
        buf[n] = '\0';
        char *line = strstr(buf, "OF_FULLNAME=");
        if (!line) continue;
        line += strlen("OF_FULLNAME=");
        line[strcspn(line, "\n")] = '\0';
        const char *base = strrchr(line, '/');
        snprintf(name, cap, "%.63s", base ? base + 1 : line);
        rc = 0;
    }
    closedir(d);
    return rc;
}

static int owned_by(const strobe_pin_owner *o, unsigned first, unsigned count, const char *owner, int source) {
    for (unsigned p = first; p < first + count; p++)
        if (o[p].source != source || strcmp(o[p].owner, owner) != 0) return 0;
    return 1;
}

static void kernel_owners(void) {
    strobe_pin_owner o[54];
    int lines = -1;
    int n = strobe_kernel_pin_owners("/", STROBE_LAYOUT_BCM2835, o, 54, &lines);
    char list[1024] = "";
    for (unsigned p = 0; p < 54 && n > 0; p++) {
        if (!o[p].source) continue;
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%u %s (%s)", len ? "; " : "", p, o[p].owner, o[p].detail);
    }
    info("kernel-owned pins: %s", n > 0 ? list : "none");
    check(n > 0 && lines == 1, "kernel pins: the device tree and gpiochip0's line info are read",
          "returned %s, line info read %d", err(n), lines);

    char console[96] = "";
    int crc = console_node(console, sizeof console);
    if (crc == 0) info("console UART ttyAMA0 is device-tree node %s", console);
    check(n > 0 && crc == 0 && owned_by(o, 32, 2, console, STROBE_OWNER_DEVICE_TREE) && fsel(32) == 7 && fsel(33) == 7,
          "kernel pins: the console UART's pins (GPIO32/33, ALT3 in GPFSEL3) belong to its device-tree node",
          "ttyAMA0 node %s (%s); pin 32 \"%s\" (%s), 33 \"%s\"; GPFSEL %u %u", console, crc ? err(crc) : "ok", o[32].owner,
          o[32].detail, o[33].owner, fsel(32), fsel(33));
    check(n > 0 && owned_by(o, PIN_SD_FIRST, 6, "mmc@7e202000", STROBE_OWNER_DEVICE_TREE),
          "kernel pins: the SD card's pins (GPIO48-53) belong to mmc@7e202000 (sdhost)", "pin 48 \"%s\" (%s), 53 \"%s\"",
          o[48].owner, o[48].detail, o[53].owner);
    int hog = dt_hog_pin();
    check(n > 0 && hog >= 0 && owned_by(o, (unsigned)hog, 1, HOG_NAME, STROBE_OWNER_GPIO_LINE),
          "kernel pins: the gpio-hog's line is owned through the line info (\"" HOG_NAME "\")", "hog GPIO%d: \"%s\" (%s)",
          hog, hog >= 0 ? o[hog].owner : "", hog >= 0 ? o[hog].detail : "");
    check(n > 0 && o[PIN_REG].source == STROBE_OWNER_NONE, "kernel pins: a header pin no driver has (GPIO17) is free",
          "pin 17 \"%s\" (%s)", o[PIN_REG].owner, o[PIN_REG].detail);

    /* The refusal: reserve every owned pin, as Board.detect does, and try to take them. */
    uint64_t mask = 0;
    for (unsigned p = 0; p < 54 && n > 0; p++)
        if (o[p].source) mask |= 1ull << p;
    strobe_gpio_set_reserved(gpio, mask);
    unsigned f32 = fsel(32), f48 = fsel(PIN_SD_FIRST);
    int r1 = strobe_gpio_set_function(gpio, 32, STROBE_FN_OUTPUT);
    int r2 = strobe_gpio_set_pull(gpio, 33, STROBE_PULL_UP);
    check(regs_real && r1 == -EBUSY && r2 == -EBUSY && fsel(32) == f32,
          "kernel pins: changing the console UART's pins is refused with -EBUSY and GPFSEL3 keeps ALT3",
          "set_function %s, set_pull %s, field %u -> %u", err(r1), err(r2), f32, fsel(32));
    int r3 = strobe_gpio_set_function(gpio, PIN_SD_FIRST, STROBE_FN_OUTPUT);
    int r4 = strobe_gpio_set_direction(gpio, PIN_SD_FIRST + 1, 1);
    int r5 = strobe_gpio_enable_edges(gpio, PIN_SD_FIRST + 2, STROBE_EDGE_BOTH);
    check(regs_real && r3 == -EBUSY && r4 == -EBUSY && r5 == -EBUSY && fsel(PIN_SD_FIRST) == f48,
          "kernel pins: changing the SD card's pins (function, direction, edges) is refused with -EBUSY",
          "set_function %s, set_direction %s, enable_edges %s, GPFSEL field %u -> %u", err(r3), err(r4), err(r5), f48,
          fsel(PIN_SD_FIRST));
    int r6 = strobe_gpio_set_function(gpio, PIN_REG, STROBE_FN_OUTPUT);
    unsigned f17 = fsel(PIN_REG);
    int r7 = strobe_gpio_set_function(gpio, PIN_REG, STROBE_FN_INPUT);
    /* The override (--force, KernelPins.override): no reservation, and the same function written
     * back to an SD pin goes through. */
    strobe_gpio_set_reserved(gpio, 0);
    int r8 = strobe_gpio_set_function(gpio, PIN_SD_FIRST, strobe_bcm_function_from_code(f48));
    check(regs_real && r6 == 0 && f17 == 1 && r7 == 0 && r8 == 0 && fsel(PIN_SD_FIRST) == f48,
          "kernel pins: a free pin still works while the owned ones are reserved, and lifting the reservation (--force) lets a change through",
          "GPIO17 output %s (field %u), input %s; SD pin after the override %s (field %u)", err(r6), f17, err(r7), err(r8),
          fsel(PIN_SD_FIRST));
}

/* ------------------------------------------------------------------------------------------ */
/* Switchable and open-drain pins: direction changes of a held pin                            */
/* ------------------------------------------------------------------------------------------ */

/* libgpiod: reconfigure the held request `l` (1 line) to `direction` with `drive`. */
static int g_reconfigure(strobe_gpiod_lines *l, int direction, int drive, int value) {
    strobe_gpiod_settings s = {.direction = direction, .drive = drive};
    return l ? strobe_gpiod_reconfigure(l, &s, &value) : -ENODEV;
}
static int g_info(unsigned pin, strobe_gpiod_line_info *info) {
    memset(info, 0, sizeof *info);
    return chip ? strobe_gpiod_line_info_get(chip, pin, info) : -ENODEV;
}

/* QEMU's model makes GPLEV the output latch on every pin, inputs too, and has no pulls: what
 * these checks can see of a released open-drain line is its GPFSEL field (000), not a pull-up
 * making it read 1. The virtual bench and gpio-sim show that part. */
static void switchable(void) {
    /* Registers: strobe_gpio_set_direction is one GPFSELn read-modify-write; nothing else in
     * the word may change. */
    unsigned p = PIN_SW_REG;
    uint32_t fsel_off = strobe_bcm_fsel_offset(p), field = 7u << strobe_bcm_fsel_shift(p);
    int rc = strobe_gpio_set_function(gpio, p, STROBE_FN_INPUT);
    drive(p, 1);
    uint32_t before = rd(fsel_off);
    int r1 = strobe_gpio_set_direction(gpio, p, 1);
    uint32_t as_out = rd(fsel_off);
    unsigned f_out = fsel(p);
    int l_out = lev(p);
    int r0 = strobe_gpio_set_direction(gpio, p, 0);
    uint32_t as_in = rd(fsel_off);
    check(rc == 0 && r1 == 0 && r0 == 0 && f_out == 1 && fsel(p) == 0 && l_out == 1
              && ((before ^ as_out) & ~field) == 0 && ((as_out ^ as_in) & ~field) == 0,
          "register: set_direction output/input writes 001/000 into GPFSEL0 bits 23:21 (GPIO7), the rest of the word untouched, GPLEV0 1 as output",
          "rc %s/%s/%s, field %u then %u, level %d, GPFSEL0 0x%08x → 0x%08x → 0x%08x",
          err(rc), err(r1), err(r0), f_out, fsel(p), l_out, before, as_out, as_in);

    /* Registers, open drain: the latch preset low once, then direction only. */
    p = PIN_OD_REG;
    rc = strobe_gpio_set_function(gpio, p, STROBE_FN_INPUT);
    drive(p, 0);
    r1 = strobe_gpio_set_direction(gpio, p, 1);
    unsigned f_low = fsel(p);
    int l_low = lev(p);
    r0 = strobe_gpio_set_direction(gpio, p, 0);
    check(rc == 0 && r1 == 0 && r0 == 0 && f_low == 1 && l_low == 0 && fsel(p) == 0,
          "register: open drain on GPIO10 — latch preset low, drive low = GPFSEL1 001 with GPLEV0 0, release = GPFSEL 000",
          "rc %s/%s/%s, field %u (level %d) then %u", err(rc), err(r1), err(r0), f_low, l_low, fsel(p));

    /* libgpiod: a held request reconfigured (GPIOHANDLE_SET_CONFIG_IOCTL in uAPI v1). */
    p = PIN_SW_GPIOD;
    strobe_gpiod_lines *l = NULL;
    drive(p, 0);
    rc = g_out(p, 1, &l);
    unsigned f1 = fsel(p);
    int lv1 = lev(p);
    int ri = g_reconfigure(l, STROBE_GPIOD_INPUT, STROBE_GPIOD_DRIVE_PUSH_PULL, 0);
    unsigned f_in = fsel(p);
    strobe_gpiod_line_info info;
    int ii = g_info(p, &info);
    check(rc == 0 && f1 == 1 && lv1 == 1 && ri == 0 && f_in == 0 && ii == 0 && info.used
              && strcmp(info.consumer, STROBE_GPIOD_CONSUMER) == 0 && info.direction == STROBE_GPIOD_INPUT,
          "libgpiod: a held output (GPFSEL0 001, GPLEV0 1) reconfigured to input → GPFSEL 000, still held by \"strobe\", line info says input (GPIO8)",
          "request %s (field %u, level %d), reconfigure %s, field %u, info %s used %d consumer \"%s\" direction %d",
          err(rc), f1, lv1, err(ri), f_in, err(ii), info.used, info.consumer, info.direction);

    int ro0 = g_reconfigure(l, STROBE_GPIOD_OUTPUT, STROBE_GPIOD_DRIVE_PUSH_PULL, 0);
    unsigned fo0 = fsel(p);
    int lo0 = lev(p);
    int ro1 = g_reconfigure(l, STROBE_GPIOD_OUTPUT, STROBE_GPIOD_DRIVE_PUSH_PULL, 1);
    int lo1 = lev(p);
    ii = g_info(p, &info);
    check(ro0 == 0 && ro1 == 0 && fo0 == 1 && lo0 == 0 && lo1 == 1 && ii == 0 && info.direction == STROBE_GPIOD_OUTPUT,
          "libgpiod: the held input reconfigured to output 0, then 1 → GPFSEL 001 and GPLEV0 0, 1; line info says output",
          "reconfigure %s/%s, field %u, level %d then %d, info %s direction %d", err(ro0), err(ro1), fo0, lo0, lo1, err(ii), info.direction);
    if (l) g_release(&l);

    /* libgpiod, open drain: pinctrl-bcm2835 has no open-drain pads, so gpiolib emulates it —
     * 1 makes the line an input, 0 an output driving low — and still calls it an output. */
    p = PIN_OD_GPIOD;
    drive(p, 1);
    strobe_gpiod_settings od = {.direction = STROBE_GPIOD_OUTPUT, .drive = STROBE_GPIOD_DRIVE_OPEN_DRAIN};
    int one = 1;
    rc = chip ? strobe_gpiod_request(chip, &p, &one, 1, &od, &l) : -ENODEV;
    unsigned f_rel = fsel(p);
    ii = g_info(p, &info);
    check(rc == 0 && f_rel == 0 && ii == 0 && info.direction == STROBE_GPIOD_OUTPUT && info.drive == STROBE_GPIOD_DRIVE_OPEN_DRAIN,
          "libgpiod: an open-drain request at 1 (released) is an input in GPFSEL0 (000), and line info says output, open-drain (GPIO9)",
          "request %s, field %u, info %s direction %d drive %d", err(rc), f_rel, err(ii), info.direction, info.drive);

    int s0 = g_set(l, 0);
    unsigned f_drv = fsel(p);
    int l_drv = lev(p);
    int s1 = g_set(l, 1);
    unsigned f_back = fsel(p);
    check(s0 == 0 && s1 == 0 && f_drv == 1 && l_drv == 0 && f_back == 0,
          "libgpiod: open-drain set 0 → GPFSEL 001 with GPLEV0 0 (driven low); set 1 → GPFSEL 000 (released)",
          "set %s/%s, field %u (level %d) then %u", err(s0), err(s1), f_drv, l_drv, f_back);
    if (l) g_release(&l);
}

/* ------------------------------------------------------------------------------------------ */
/* Bit-banged SPI on the register path, decoded by the harness from QEMU's own trace          */
/* ------------------------------------------------------------------------------------------ */

/* SPI0's header pins (BCM2835 ARM Peripherals §6.2, alternative function assignments: CE0 GPIO8,
 * MISO 9, MOSI 10, SCLK 11), here plain GPIOs driven by strobe_spi. MISO is connected to nothing:
 * in QEMU it reads its own latch. */
enum { PIN_SPI_CS = 8, PIN_SPI_MISO = 9, PIN_SPI_MOSI = 10, PIN_SPI_SCK = 11 };
#define SPI_TRACE_WORDS 8
#define SPI_TIMED_HZ 100000u

typedef struct spi_trace_case {
    unsigned mode, bit_order, word_bits;
    uint32_t hz;
} spi_trace_case;

/* Every mode, both bit orders and two word sizes as fast as the pins go; then every mode once on
 * the monotonic clock. scripts/emulated-pi expects this many (SPI_TRACE_CONFIGS there). */
static const spi_trace_case spi_cases[] = {
    {0, STROBE_SPI_MSB_FIRST, 8, STROBE_SPI_HZ_MAX},  {1, STROBE_SPI_MSB_FIRST, 8, STROBE_SPI_HZ_MAX},
    {2, STROBE_SPI_MSB_FIRST, 8, STROBE_SPI_HZ_MAX},  {3, STROBE_SPI_MSB_FIRST, 8, STROBE_SPI_HZ_MAX},
    {0, STROBE_SPI_LSB_FIRST, 8, STROBE_SPI_HZ_MAX},  {1, STROBE_SPI_LSB_FIRST, 8, STROBE_SPI_HZ_MAX},
    {2, STROBE_SPI_LSB_FIRST, 8, STROBE_SPI_HZ_MAX},  {3, STROBE_SPI_LSB_FIRST, 8, STROBE_SPI_HZ_MAX},
    {0, STROBE_SPI_MSB_FIRST, 12, STROBE_SPI_HZ_MAX}, {1, STROBE_SPI_MSB_FIRST, 12, STROBE_SPI_HZ_MAX},
    {2, STROBE_SPI_MSB_FIRST, 12, STROBE_SPI_HZ_MAX}, {3, STROBE_SPI_MSB_FIRST, 12, STROBE_SPI_HZ_MAX},
    {0, STROBE_SPI_LSB_FIRST, 12, STROBE_SPI_HZ_MAX}, {1, STROBE_SPI_LSB_FIRST, 12, STROBE_SPI_HZ_MAX},
    {2, STROBE_SPI_LSB_FIRST, 12, STROBE_SPI_HZ_MAX}, {3, STROBE_SPI_LSB_FIRST, 12, STROBE_SPI_HZ_MAX},
    {0, STROBE_SPI_MSB_FIRST, 8, SPI_TIMED_HZ},       {1, STROBE_SPI_LSB_FIRST, 12, SPI_TIMED_HZ},
    {2, STROBE_SPI_LSB_FIRST, 8, SPI_TIMED_HZ},       {3, STROBE_SPI_MSB_FIRST, 12, SPI_TIMED_HZ},
};
#define SPI_TRACE_CONFIGS (sizeof spi_cases / sizeof spi_cases[0])
_Static_assert(SPI_TRACE_CONFIGS == 20, "the check names and scripts/emulated-pi (SPI_TRACE_CONFIGS) say 20 cases");

/* Words that tell the bit orders apart (none is its own bit reversal, so reading a trace with
 * the wrong order gives other words), with 0x00, 0xFF and single bits at either end; 12-bit
 * words add a nibble. Case i sends them rotated by i, so no two cases send the same sequence. */
static const uint32_t spi_pattern[SPI_TRACE_WORDS] = {0x53, 0x74, 0x01, 0xFF, 0x80, 0x00, 0x62, 0x6F};

static void spi_words(unsigned i, unsigned bits, uint32_t *tx) {
    for (unsigned k = 0; k < SPI_TRACE_WORDS; k++) {
        uint32_t w = spi_pattern[(k + i) % SPI_TRACE_WORDS];
        tx[k] = bits == 12 ? (w << 4 | (0xA ^ k)) : w;
    }
}

/* Each transfer is bracketed by trace marks (PHASE_SPI, i) and (PHASE_OFF): the harness converts
 * that stretch of QEMU's trace of GPSET0/GPCLR0/GPFSEL stores into a VCD and decodes it with
 * sigrok's spi decoder; the words the ring sent are printed as "spi-sent" lines for it to compare.
 * Odd cases are full duplex: MISO reads its latch in QEMU, preset per case. */
static void spi_trace(void) {
    int init_bad = 0, xfer_bad = 0, idle_bad = 0, rx_bad = 0, time_bad = 0, timed = 0;
    char why[256] = "";
    const unsigned pins[] = {PIN_SPI_SCK, PIN_SPI_MOSI, PIN_SPI_CS};
    for (unsigned k = 0; k < 3; k++) strobe_gpio_set_function(gpio, pins[k], STROBE_FN_OUTPUT);
    strobe_gpio_set_function(gpio, PIN_SPI_MISO, STROBE_FN_INPUT);
    for (unsigned i = 0; i < SPI_TRACE_CONFIGS; i++) {
        const spi_trace_case *c = &spi_cases[i];
        strobe_spi_config cfg = {.sck = PIN_SPI_SCK, .mosi = PIN_SPI_MOSI, .miso = PIN_SPI_MISO, .cs = PIN_SPI_CS,
                                 .mode = c->mode, .bit_order = c->bit_order, .word_bits = c->word_bits, .hz = c->hz,
                                 .cs_polarity = STROBE_SPI_CS_ACTIVE_LOW};
        strobe_spi spi;
        int rc = strobe_spi_init(&spi, STROBE_LAYOUT_BCM2835, blk, &cfg, strobe_clock_monotonic());
        if (rc != 0) {
            if (!init_bad++) snprintf(why, sizeof why, "case %u: init %s", i, err(rc));
            continue;
        }
        uint32_t tx[SPI_TRACE_WORDS], rx[SPI_TRACE_WORDS];
        spi_words(i, c->word_bits, tx);
        const int duplex = i & 1, miso_level = (i >> 1) & 1;
        drive(PIN_SPI_MISO, miso_level);
        strobe_spi_idle(&spi); /* at rest before the mark: the VCD starts idle */
        trace_mark(PHASE_SPI, i);
        uint64_t t0 = strobe_monotonic_ns();
        rc = strobe_spi_transfer(&spi, tx, SPI_TRACE_WORDS, duplex ? rx : NULL, duplex ? SPI_TRACE_WORDS : 0);
        uint64_t took = strobe_monotonic_ns() - t0;
        trace_mark(PHASE_OFF, 0);
        if (rc != 0 && !xfer_bad++) snprintf(why, sizeof why, "case %u: transfer %s", i, err(rc));
        if ((lev(PIN_SPI_CS) != 1 || lev(PIN_SPI_SCK) != (int)(c->mode >> 1)) && !idle_bad++)
            snprintf(why, sizeof why, "case %u: after the transfer CS %d, SCK %d (mode %u)", i, lev(PIN_SPI_CS),
                     lev(PIN_SPI_SCK), c->mode);
        if (duplex && rc == 0) {
            const uint32_t want = miso_level ? (1u << c->word_bits) - 1u : 0u;
            for (unsigned k = 0; k < SPI_TRACE_WORDS; k++)
                if (rx[k] != want && !rx_bad++)
                    snprintf(why, sizeof why, "case %u: word %u read 0x%x with MISO's latch %d", i, k, rx[k], miso_level);
        }
        if (c->hz != STROBE_SPI_HZ_MAX) {
            timed++;
            /* 2·bits·words half periods of 10⁹/(2hz) ns, each edge on a deadline from the first. */
            const uint64_t least = (uint64_t)c->word_bits * SPI_TRACE_WORDS * STROBE_NS_PER_S / c->hz;
            if (took < least && !time_bad++)
                snprintf(why, sizeof why, "case %u: %llu ns for %u bits at %u Hz (at least %llu)", i,
                         (unsigned long long)took, c->word_bits * SPI_TRACE_WORDS, c->hz, (unsigned long long)least);
            info("spi case %u: %u bits at %u Hz took %llu us of emulated time (at least %llu us)", i,
                 c->word_bits * SPI_TRACE_WORDS, c->hz, (unsigned long long)(took / 1000),
                 (unsigned long long)(least / 1000));
        }
        /* spi-sent INDEX MODE ORDER BITS HZ WORDS (hex, comma-separated): the harness's manifest. */
        char words[SPI_TRACE_WORDS * 9] = "";
        for (unsigned k = 0; k < SPI_TRACE_WORDS; k++) {
            size_t len = strlen(words);
            snprintf(words + len, sizeof words - len, "%s%x", k ? "," : "", tx[k]);
        }
        char hz[16] = "max";
        if (c->hz != STROBE_SPI_HZ_MAX) snprintf(hz, sizeof hz, "%u", c->hz);
        if (rc == 0)
            printf("spi-sent %u %u %s %u %s %s\n", i, c->mode, c->bit_order == STROBE_SPI_LSB_FIRST ? "lsb-first" : "msb-first",
                   c->word_bits, hz, words);
    }
    for (unsigned k = 0; k < 4; k++) strobe_gpio_set_function(gpio, PIN_SPI_CS + k, STROBE_FN_INPUT);
    check(regs_real && !init_bad && !xfer_bad && !idle_bad,
          "spi: 20 register-path transfers on GPIO8-11 (modes 0-3, MSB/LSB first, 8/12-bit words, max and 100 kHz) return 0 and end with CS high and SCK idle",
          "%s%s", regs_real ? "" : "no GPIO block; ", why);
    check(regs_real && !init_bad && !xfer_bad && !rx_bad,
          "spi: full-duplex transfers read the unconnected MISO (GPIO9) as its latch, all ones or all zeros (QEMU: GPLEV is the latch)",
          "%s", why);
    check(regs_real && !init_bad && !xfer_bad && timed == 4 && !time_bad,
          "spi: a 100 kHz transfer takes at least its bits' time on CLOCK_MONOTONIC (deadlines from the first edge)",
          "%d timed cases; %s", timed, why);
}

/* ------------------------------------------------------------------------------------------ */
/* Bit-banged I2C on the register path, decoded by the harness from QEMU's own trace          */
/* ------------------------------------------------------------------------------------------ */

/* Two free header pins in one GPFSEL word (GPFSEL0), so each direction change of either line is
 * a store of the same word: the engine's shared-copy path. */
enum { PIN_I2C_SDA = 5, PIN_I2C_SCL = 6 };
#define I2C_STRETCH_NS 1000000ull /* 1 ms: enough for QEMU, short for the -EBUSY check */

typedef struct i2c_trace_case {
    unsigned address;
    bool ten_bit, read;
    uint32_t hz;
} i2c_trace_case;

/* Addresses nothing answers (QEMU has no target on these pins): 7- and 10-bit, write and read,
 * as fast as the pins go and at Standard- and Fast-mode rates. scripts/emulated-pi expects this
 * many (I2C_TRACE_CONFIGS there). */
static const i2c_trace_case i2c_cases[] = {
    {0x50, false, false, STROBE_I2C_HZ_MAX}, {0x50, false, true, STROBE_I2C_HZ_MAX},
    {0x3C, false, false, 100000},            {0x77, false, true, 400000},
    {0x2A5, true, false, STROBE_I2C_HZ_MAX}, {0x1C3, true, true, 100000},
};
#define I2C_TRACE_CONFIGS (sizeof i2c_cases / sizeof i2c_cases[0])
_Static_assert(I2C_TRACE_CONFIGS == 6, "the check names and scripts/emulated-pi (I2C_TRACE_CONFIGS) say 6 cases");

/*
 * What QEMU can show of an open-drain bus. Its GPLEV is the output latch, inputs included, and
 * it has no pads or pulls. With the latches preset low, as strobe_i2c's contract asks (so that
 * "output" pulls low), a released line reads 0: the bus looks as if SCL were held low, and the
 * master gives up after its stretch timeout with -EBUSY (SCL). That is the first check. For
 * the decoded transfers the latches are preset high instead, standing in for the pull-ups: a
 * released line reads 1, so the master sees an idle bus and, at the ACK clock, no target
 * (NACK). The engine's stores are the same either way (it only flips GPFSEL fields), and the
 * harness's VCD takes each line's level from its direction alone (output low, input high).
 * Every transfer therefore ends at its first address byte, with -ENXIO and a STOP.
 */
static void i2c_trace(void) {
    strobe_gpio_set_function(gpio, PIN_I2C_SDA, STROBE_FN_INPUT);
    strobe_gpio_set_function(gpio, PIN_I2C_SCL, STROBE_FN_INPUT);
    strobe_i2c bus;
    strobe_i2c_result res = {0};
    strobe_i2c_config cfg = {.sda = PIN_I2C_SDA, .scl = PIN_I2C_SCL, .hz = STROBE_I2C_HZ_MAX,
                             .stretch_timeout_ns = I2C_STRETCH_NS};
    uint8_t bytes[2] = {0x12, 0x34};

    /* The latches low: what a released line reads in QEMU. */
    drive(PIN_I2C_SDA, 0);
    drive(PIN_I2C_SCL, 0);
    int rc = strobe_i2c_init(&bus, STROBE_LAYOUT_BCM2835, blk, &cfg, strobe_clock_monotonic());
    strobe_i2c_op op = {.data = bytes, .length = 2};
    int xr = rc == 0 ? strobe_i2c_transfer(&bus, 0x50, false, &op, 1, &res) : rc;
    check(regs_real && xr == -EBUSY && res.line == STROBE_I2C_LINE_SCL && res.waited_ns >= I2C_STRETCH_NS
              && fsel(PIN_I2C_SDA) == 0 && fsel(PIN_I2C_SCL) == 0,
          "i2c: with the latches preset low (the contract), QEMU reads a released SCL as 0 (GPLEV is the latch), so the master reports SCL stuck: -EBUSY after its 1 ms stretch timeout, lines released",
          "init %s, transfer %s, line %d, waited %llu ns, GPFSEL fields %u %u", err(rc), err(xr), res.line,
          (unsigned long long)res.waited_ns, fsel(PIN_I2C_SDA), fsel(PIN_I2C_SCL));

    /* The latches high: the pull-ups' stand-in. */
    drive(PIN_I2C_SDA, 1);
    drive(PIN_I2C_SCL, 1);
    int bad = 0, time_bad = 0, timed = 0;
    char why[256] = "", twhy[160] = "";
    for (unsigned i = 0; i < I2C_TRACE_CONFIGS; i++) {
        const i2c_trace_case *c = &i2c_cases[i];
        cfg.hz = c->hz;
        rc = strobe_i2c_init(&bus, STROBE_LAYOUT_BCM2835, blk, &cfg, strobe_clock_monotonic());
        uint8_t in[1] = {0};
        strobe_i2c_op o = c->read ? (strobe_i2c_op){.data = in, .length = 1, .read = true}
                                  : (strobe_i2c_op){.data = bytes, .length = 2};
        res = (strobe_i2c_result){0};
        trace_mark(PHASE_I2C, i);
        uint64_t t0 = strobe_monotonic_ns();
        xr = rc == 0 ? strobe_i2c_transfer(&bus, c->address, c->ten_bit, &o, 1, &res) : rc;
        uint64_t took = strobe_monotonic_ns() - t0;
        trace_mark(PHASE_OFF, 0);
        if (!(xr == -ENXIO && res.address_nack && res.op == 0 && fsel(PIN_I2C_SDA) == 0 && fsel(PIN_I2C_SCL) == 0)
            && !bad++)
            snprintf(why, sizeof why, "case %u (0x%x): init %s, transfer %s, address_nack %d, op %zu, GPFSEL fields %u %u", i,
                     c->address, err(rc), err(xr), res.address_nack, res.op, fsel(PIN_I2C_SDA), fsel(PIN_I2C_SCL));
        if (c->hz != STROBE_I2C_HZ_MAX) {
            timed++;
            /* START hold, nine clocks (eight address bits and the ACK), the STOP. */
            const uint64_t least = 9ull * STROBE_NS_PER_S / c->hz;
            if (took < least && !time_bad++)
                snprintf(twhy, sizeof twhy, "case %u: %llu ns at %u Hz (at least %llu)", i, (unsigned long long)took,
                         c->hz, (unsigned long long)least);
        }
        char hz[16] = "max";
        if (c->hz != STROBE_I2C_HZ_MAX) snprintf(hz, sizeof hz, "%u", c->hz);
        /* i2c-sent INDEX ADDRESS(hex) BITS(7|10) w|r HZ: the harness's manifest. */
        printf("i2c-sent %u %x %u %s %s\n", i, c->address, c->ten_bit ? 10u : 7u, c->read ? "r" : "w", hz);
    }
    strobe_gpio_set_function(gpio, PIN_I2C_SDA, STROBE_FN_INPUT);
    strobe_gpio_set_function(gpio, PIN_I2C_SCL, STROBE_FN_INPUT);
    drive(PIN_I2C_SDA, 0);
    drive(PIN_I2C_SCL, 0);
    check(regs_real && !bad,
          "i2c: 6 register-path transfers on GPIO5/6 (7- and 10-bit, write and read, max, 100 and 400 kHz) to addresses nothing answers end in -ENXIO (address NACK), both lines released",
          "%s", why);
    check(regs_real && timed == 3 && !time_bad,
          "i2c: a timed transfer takes at least its nine address-byte clock periods on CLOCK_MONOTONIC", "%d timed; %s",
          timed, twhy);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("ring: plan %d\n", RING_PLAN);
    setup();
    register_backend();
    gpiod_backend();
    sysfs_backend();
    agreement();
    pulls();
    events();
    ownership();
    kernel_owners();
    switchable();
    spi_trace();
    i2c_trace();
    if (chip) strobe_gpiod_chip_close(chip);
    strobe_gpio_free(gpio);
    strobe_unmap(&mapping);
    printf("ring: %d passed, %d failed\n", n_pass, n_fail);
    return n_fail == 0 && n_pass + n_fail == RING_PLAN ? 0 : 1;
}
