/*
 * board.c — board detection from the device tree and the revision code.
 *
 * Sources: the device-tree `compatible` strings of the upstream and Raspberry Pi kernels
 * (brcm,bcm2835/6/7, brcm,bcm2711, brcm,bcm2712, and the downstream brcm,bcm2708/9/10 aliases and
 * brcm,bcm2838, the Pi 4's name in 2019 rpi-4.19 device trees);
 * Raspberry Pi documentation, "Raspberry Pi revision codes" (new-style bit fields).
 */
#define _GNU_SOURCE
#include "strobe_board.h"
#include "board_detect.h"
#include "io.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DT_DIR "proc/device-tree"
#define CPUINFO_MAX (64 * 1024)

__attribute__((format(printf, 3, 4)))
static void say(char *why, size_t why_len, const char *fmt, ...) {
    if (!why || !why_len) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

/* Copy a string into a fixed field, cutting it to fit (model strings are short in practice). */
static void copy_field(char *dst, size_t cap, const char *src) {
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* Read a whole small file under root (the context). Returns bytes read or negative errno. */
static ssize_t read_under_root(void *ctx, const char *rel, char *buf, size_t cap) {
    const char *root = ctx;
    char path[512];
    int n = snprintf(path, sizeof path, "%s/%s", root, rel);
    if (n < 0 || (size_t)n >= sizeof path) return -ENAMETOOLONG;
    return strobe_read_file(path, buf, cap);
}

const char *strobe_soc_name(strobe_soc soc) {
    switch (soc) {
    case STROBE_SOC_BCM2835: return "bcm2835";
    case STROBE_SOC_BCM2836: return "bcm2836";
    case STROBE_SOC_BCM2837: return "bcm2837";
    case STROBE_SOC_BCM2711: return "bcm2711";
    case STROBE_SOC_BCM2712: return "bcm2712";
    default: return "unknown";
    }
}

static strobe_soc soc_from_compatible(const char *entry) {
    static const struct { const char *name; strobe_soc soc; } table[] = {
        {"brcm,bcm2835", STROBE_SOC_BCM2835}, {"brcm,bcm2708", STROBE_SOC_BCM2835},
        {"brcm,bcm2836", STROBE_SOC_BCM2836}, {"brcm,bcm2709", STROBE_SOC_BCM2836},
        {"brcm,bcm2837", STROBE_SOC_BCM2837}, {"brcm,bcm2710", STROBE_SOC_BCM2837},
        {"brcm,bcm2711", STROBE_SOC_BCM2711}, {"brcm,bcm2712", STROBE_SOC_BCM2712},
        /* The Pi 4's SoC before upstream named it: rpi-4.19 kernels' bcm2838.dtsi. */
        {"brcm,bcm2838", STROBE_SOC_BCM2711},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(entry, table[i].name) == 0) return table[i].soc;
    return STROBE_SOC_UNKNOWN;
}

static strobe_soc soc_from_processor(unsigned processor) {
    switch (processor) {
    case 0: return STROBE_SOC_BCM2835;
    case 1: return STROBE_SOC_BCM2836;
    case 2: return STROBE_SOC_BCM2837;
    case 3: return STROBE_SOC_BCM2711;
    case 4: return STROBE_SOC_BCM2712;
    default: return STROBE_SOC_UNKNOWN;
    }
}

int strobe_decode_revision(uint32_t revision, strobe_board_info *info) {
    info->revision = revision;
    info->revision_type = -1;
    info->revision_name[0] = 0;
    info->memory_mb = 0;
    if (!(revision & (1u << 23))) {
        /* Old-style codes (Pi 1 only, BCM2835): a small table by value. */
        static const struct { uint16_t code; const char *name; uint16_t mb; } old[] = {
            {0x0002, "B", 256}, {0x0003, "B", 256}, {0x0004, "B", 256}, {0x0005, "B", 256},
            {0x0006, "B", 256}, {0x0007, "A", 256}, {0x0008, "A", 256}, {0x0009, "A", 256},
            {0x000d, "B", 512}, {0x000e, "B", 512}, {0x000f, "B", 512}, {0x0010, "B+", 512},
            {0x0011, "CM1", 512}, {0x0012, "A+", 256}, {0x0013, "B+", 512}, {0x0014, "CM1", 512},
            {0x0015, "A+", 256},
        };
        uint32_t code = revision & 0xFFFFu;
        for (size_t i = 0; i < sizeof old / sizeof old[0]; i++) {
            if (old[i].code == code) {
                snprintf(info->revision_name, sizeof info->revision_name, "%s", old[i].name);
                info->memory_mb = old[i].mb;
                return 0;
            }
        }
        return -EINVAL;
    }
    static const char *const types[] = {
        [0x00] = "A", [0x01] = "B", [0x02] = "A+", [0x03] = "B+", [0x04] = "2B", [0x06] = "CM1",
        [0x08] = "3B", [0x09] = "Zero", [0x0a] = "CM3", [0x0c] = "Zero W", [0x0d] = "3B+",
        [0x0e] = "3A+", [0x10] = "CM3+", [0x11] = "4B", [0x12] = "Zero 2 W", [0x13] = "400",
        [0x14] = "CM4", [0x15] = "CM4S", [0x17] = "5", [0x18] = "CM5", [0x19] = "500",
        [0x1a] = "CM5 Lite",
    };
    unsigned type = (revision >> 4) & 0xFFu;
    unsigned mem = (revision >> 20) & 7u;
    info->revision_type = (int)type;
    if (type < sizeof types / sizeof types[0] && types[type])
        snprintf(info->revision_name, sizeof info->revision_name, "%s", types[type]);
    info->memory_mb = 256u << mem; /* 0 = 256 MB ... 6 = 16 GB */
    return 0;
}

/* The cpuinfo Revision line: "Revision\t: a02082". Returns 1 found, 0 absent, -EINVAL garbage. */
static int parse_revision(const char *cpuinfo, uint32_t *out) {
    const char *line = cpuinfo;
    while (line && *line) {
        if (strncmp(line, "Revision", 8) == 0) {
            const char *colon = strchr(line, ':');
            const char *eol = strchr(line, '\n');
            if (!colon || (eol && colon > eol)) return -EINVAL;
            /* The kernel prints bare hex digits ("%04x"). Not strtoul: it would take a sign, a
             * 0x, or digits from the next line after the newline it skips as white space. */
            const char *p = colon + 1;
            while (*p == ' ' || *p == '\t') p++;
            uint64_t v = 0;
            size_t digits = 0;
            for (;; p++, digits++) {
                unsigned c = (unsigned char)*p, x;
                if (c >= '0' && c <= '9') x = c - '0';
                else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') x = (c | 0x20) - 'a' + 10;
                else break;
                v = v * 16 + x;
                if (v > 0xFFFFFFFFu) return -EINVAL;
            }
            while (*p == ' ' || *p == '\t' || *p == '\r') p++;
            if (digits == 0 || (*p && *p != '\n')) return -EINVAL;
            /* Over-volted boards carry a 1000000 prefix on old-style codes; keep the code. */
            *out = (uint32_t)v;
            return 1;
        }
        line = strchr(line, '\n');
        if (line) line++;
    }
    return 0;
}

static uint32_t be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int strobe_detect(const char *root, strobe_board_info *info, char *why, size_t why_len) {
    /* Keep root without its trailing '/', so "/" joins as "/proc/..." in paths and messages. */
    char root_buf[256];
    if (snprintf(root_buf, sizeof root_buf, "%s", root ? root : "") >= (int)sizeof root_buf) {
        /* Cut, it would name another directory: "/" followed by 300 bytes of "./" is "/". */
        memset(info, 0, sizeof *info);
        info->revision_type = -1;
        say(why, why_len, "the root directory's path is longer than the %zu bytes detection takes", sizeof root_buf - 1);
        return -ENAMETOOLONG;
    }
    size_t rl = strlen(root_buf);
    while (rl > 0 && root_buf[rl - 1] == '/') root_buf[--rl] = 0;
    return strobe_detect_from(root_buf, read_under_root, root_buf, info, why, why_len);
}

int strobe_detect_from(const char *root, strobe_board_reader read_file, void *ctx, strobe_board_info *info,
                       char *why, size_t why_len) {
    memset(info, 0, sizeof *info);
    info->revision_type = -1;
    if (why && why_len) why[0] = 0;

    char buf[1024];
    ssize_t n = read_file(ctx, DT_DIR "/compatible", buf, sizeof buf - 1);
    if (n == -ENOENT || n == -ENOTDIR) {
        say(why, why_len, "%s/%s does not exist: no device tree, so this is not a Raspberry Pi", root, DT_DIR "/compatible");
        return -ENODEV;
    }
    if (n < 0) {
        say(why, why_len, "cannot read %s/%s", root, DT_DIR "/compatible");
        return (int)n;
    }
    if (n == 0 || buf[n - 1] != '\0') {
        say(why, why_len, "%s/%s is malformed: %s", root, DT_DIR "/compatible",
            n == 0 ? "the file is empty" : "the string list does not end in NUL");
        return -EINVAL;
    }
    /* Walk the NUL-separated list: the first entry names the board, a brcm one the SoC. */
    copy_field(info->compatible, sizeof info->compatible, buf);
    bool raspberry = false;
    for (char *e = buf; e < buf + n; e += strlen(e) + 1) {
        if (strncmp(e, "raspberrypi,", 12) == 0) raspberry = true;
        strobe_soc s = soc_from_compatible(e);
        if (s != STROBE_SOC_UNKNOWN && info->soc == STROBE_SOC_UNKNOWN) info->soc = s;
    }
    if (info->soc == STROBE_SOC_UNKNOWN) {
        say(why, why_len, "the device tree says \"%s\"%s: not a Raspberry Pi SoC", info->compatible,
            raspberry ? " (a Raspberry Pi with an SoC Strobe does not know)" : "");
        return -ENODEV;
    }

    n = read_file(ctx, DT_DIR "/model", buf, sizeof buf - 1);
    if (n >= 0) {
        if (n == 0 || buf[n - 1] != '\0') {
            say(why, why_len, "%s/%s is malformed: it must be a non-empty NUL-terminated string", root, DT_DIR "/model");
            return -EINVAL;
        }
        copy_field(info->model, sizeof info->model, buf);
    } else if (n != -ENOENT) {
        say(why, why_len, "cannot read %s/%s", root, DT_DIR "/model");
        return (int)n;
    }

    /* cpuinfo lists every core before the Revision line: give it room (a 4-core 32-bit
     * kernel prints about 2 KiB; 64 cores fit). */
    char *cpuinfo = malloc(CPUINFO_MAX);
    if (!cpuinfo) return -ENOMEM;
    n = read_file(ctx, "proc/cpuinfo", cpuinfo, CPUINFO_MAX - 1);
    if (n > 0) {
        cpuinfo[n] = 0;
        uint32_t rev = 0;
        int found = parse_revision(cpuinfo, &rev);
        if (found < 0) {
            free(cpuinfo);
            say(why, why_len, "%s/%s has a Revision line that is not a hexadecimal code", root, "proc/cpuinfo");
            return -EINVAL;
        }
        if (found) {
            strobe_decode_revision(rev, info);
            /* The revision code knows the SoC too; prefer it over a generic compatible. */
            if (rev & (1u << 23)) {
                strobe_soc s = soc_from_processor((rev >> 12) & 0xFu);
                if (s != STROBE_SOC_UNKNOWN) info->soc = s;
            }
        }
    }
    free(cpuinfo);

    if (info->soc == STROBE_SOC_BCM2712) {
        info->layout = STROBE_LAYOUT_RP1;
        info->peripheral_base = 0;
        info->gpio_phys = STROBE_RP1_GPIO_PHYS;
        snprintf(info->gpiomem_path, sizeof info->gpiomem_path, "/dev/gpiomem0");
        return 0;
    }
    info->layout = info->soc == STROBE_SOC_BCM2711 ? STROBE_LAYOUT_BCM2711 : STROBE_LAYOUT_BCM2835;
    snprintf(info->gpiomem_path, sizeof info->gpiomem_path, "/dev/gpiomem");

    /* soc/ranges: <child-addr parent-addr size> cells; the parent (CPU) address is the
     * peripheral base, at byte 4, or at byte 8 when the parent has two address cells
     * (BCM2711: high cell 0 at byte 4). */
    unsigned char r[64];
    n = read_file(ctx, DT_DIR "/soc/ranges", (char *)r, sizeof r);
    if (n == -ENOENT) {
        /* Fall back to the SoC's documented base. */
        info->peripheral_base = info->soc == STROBE_SOC_BCM2835 ? 0x20000000u
                              : info->soc == STROBE_SOC_BCM2711 ? 0xFE000000u : 0x3F000000u;
    } else if (n < 0) {
        say(why, why_len, "cannot read %s/%s", root, DT_DIR "/soc/ranges");
        return (int)n;
    } else {
        if (n < 12 || n % 4 != 0) {
            say(why, why_len, "%s/%s is malformed: it must hold at least three 32-bit cells, found %zd bytes", root, DT_DIR "/soc/ranges", n);
            return -EINVAL;
        }
        uint32_t base = be32(r + 4);
        if (base == 0) base = be32(r + 8);
        if (base == 0) {
            say(why, why_len, "%s/%s is malformed: no peripheral base at byte 4 or 8", root, DT_DIR "/soc/ranges");
            return -EINVAL;
        }
        info->peripheral_base = base;
    }
    info->gpio_phys = info->peripheral_base + STROBE_BCM_GPIO_OFFSET;
    return 0;
}
