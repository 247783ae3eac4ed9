/*
 * spi-count.c — runs the C core's bit-banged SPI master on a RAM-backed register block, for
 * scripts/spi-instructions to count with callgrind.
 *   spi-count WORDS PATTERN DUPLEX [LAYOUT [HZ]]  — WORDS 8-bit words of PATTERN (hex byte),
 *   full duplex when DUPLEX is 1, write-only when 0; LAYOUT bcm2711 (default) or rp1; HZ max
 *   (default) or a rate, timed on a stepping clock (each wait moves its time to the deadline,
 *   as virtual time does) so that the count is the same on every run.
 * Built with -DSTROBE_SPI_COUNT_SETTLE (spi.c too) it prints how many RP1 read-backs ran.
 */
#include "strobe.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A clock whose time moves only when waited on: the loop's waits cost a call, never a spin. */
#ifdef STROBE_SPI_COUNT_SETTLE
extern unsigned long long strobe_spi_settle_count; /* spi.c, built with the same macro */
#endif

static uint64_t step_now(void *ctx) { return *(uint64_t *)ctx; }
static void step_until(void *ctx, uint64_t t) {
    uint64_t *now = ctx;
    if (*now < t) *now = t;
}

int main(int argc, char **argv) {
    if (argc < 4 || argc > 6) { fprintf(stderr, "usage: spi-count WORDS PATTERN DUPLEX [bcm2711|rp1 [max|HZ]]\n"); return 2; }
    size_t n = strtoul(argv[1], NULL, 10);
    uint32_t pattern = (uint32_t)strtoul(argv[2], NULL, 16) & 0xFFu;
    int duplex = atoi(argv[3]);
    strobe_layout layout = argc > 4 && strcmp(argv[4], "rp1") == 0 ? STROBE_LAYOUT_RP1 : STROBE_LAYOUT_BCM2711;
    uint32_t hz = argc > 5 && strcmp(argv[5], "max") != 0 ? (uint32_t)strtoul(argv[5], NULL, 10) : STROBE_SPI_HZ_MAX;
    strobe_mapping m;
    if (strobe_map_ram(layout, &m) != 0) { fprintf(stderr, "no RAM block\n"); return 1; }
    strobe_spi_config c = {.sck = 11, .mosi = 10, .miso = 9, .cs = 8, .mode = 0, .bit_order = STROBE_SPI_MSB_FIRST,
                           .word_bits = 8, .hz = hz, .cs_polarity = STROBE_SPI_CS_ACTIVE_LOW};
    static uint64_t step_time;
    strobe_clock clock = hz == STROBE_SPI_HZ_MAX ? strobe_clock_monotonic()
                                                 : (strobe_clock){step_now, step_until, step_until, &step_time, true};
    strobe_spi spi;
    if (strobe_spi_init(&spi, layout, (volatile uint32_t *)m.block, &c, clock) != 0) return 1;
    /* For a memory trace (valgrind --tool=lackey): where the loop's level register lives. */
    if (getenv("SPI_COUNT_SHOW_LEVEL")) fprintf(stderr, "level register at %p\n", (void *)spi.sck.lev);
    uint32_t *tx = malloc(n * sizeof *tx), *rx = malloc(n * sizeof *rx);
    if (!tx || !rx) return 1;
    for (size_t i = 0; i < n; i++) tx[i] = pattern;
    int rc = strobe_spi_transfer(&spi, tx, n, duplex ? rx : NULL, duplex ? n : 0);
#ifdef STROBE_SPI_COUNT_SETTLE
    printf("read-backs %llu\n", strobe_spi_settle_count);
#endif
    free(tx);
    free(rx);
    strobe_unmap(&m);
    return rc == 0 ? 0 : 1;
}
