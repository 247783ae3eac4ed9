/*
 * spi-count.c — runs the C core's bit-banged SPI master on a RAM-backed register block at
 * STROBE_SPI_HZ_MAX, for scripts/spi-instructions to count with callgrind.
 *   spi-count WORDS PATTERN DUPLEX  — WORDS 8-bit words of PATTERN (hex byte), full duplex
 *   when DUPLEX is 1, write-only when 0.
 */
#include "strobe.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: spi-count WORDS PATTERN DUPLEX\n"); return 2; }
    size_t n = strtoul(argv[1], NULL, 10);
    uint32_t pattern = (uint32_t)strtoul(argv[2], NULL, 16) & 0xFFu;
    int duplex = atoi(argv[3]);
    strobe_mapping m;
    if (strobe_map_ram(STROBE_LAYOUT_BCM2711, &m) != 0) { fprintf(stderr, "no RAM block\n"); return 1; }
    strobe_spi_config c = {.sck = 11, .mosi = 10, .miso = 9, .cs = 8, .mode = 0, .bit_order = STROBE_SPI_MSB_FIRST,
                           .word_bits = 8, .hz = STROBE_SPI_HZ_MAX, .cs_polarity = STROBE_SPI_CS_ACTIVE_LOW};
    strobe_spi spi;
    if (strobe_spi_init(&spi, STROBE_LAYOUT_BCM2711, (volatile uint32_t *)m.block, &c, strobe_clock_monotonic()) != 0) return 1;
    uint32_t *tx = malloc(n * sizeof *tx), *rx = malloc(n * sizeof *rx);
    if (!tx || !rx) return 1;
    for (size_t i = 0; i < n; i++) tx[i] = pattern;
    int rc = strobe_spi_transfer(&spi, tx, n, duplex ? rx : NULL, duplex ? n : 0);
    free(tx);
    free(rx);
    strobe_unmap(&m);
    return rc == 0 ? 0 : 1;
}
