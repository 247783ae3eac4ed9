/*
 * strobe_spi.h — a bit-banged SPI master on the register path.
 *
 * The hot loop is C: one store per clock edge to GPSETn/GPCLRn (BCM) or the RIO OUT SET/CLR
 * aliases (RP1) through strobe_port, a store to MOSI only when its level changes, one load of
 * GPLEVn / RIO SYNC_IN per bit read. Edges are placed on a `strobe_clock` at exact deadlines
 * measured from the first edge (t0 + k·10⁹/(2·hz) ns, rounded down, with no drift), so on the
 * virtual bench every edge lands on its ideal virtual time; STROBE_SPI_HZ_MAX clocks as fast
 * as the pins go, asking the clock nothing.
 *
 * SPI modes (the Motorola convention the datasheets use): mode = CPOL·2 + CPHA. CPOL is the
 * level SCK idles at; CPHA 0: data is sampled on the leading (first) edge of each clock and
 * changes on the trailing one, the first bit being on MOSI before the first edge; CPHA 1: data
 * changes on the leading edge and is sampled on the trailing one.
 *
 * RP1 (the Pi 5), timed rates: the CPU reaches RP1's registers over PCIe, where stores are
 * posted — the store retires before it has reached RP1 — and, with the link in a low-power
 * state, queued stores can arrive together, so an edge could land late and bunch with the
 * next one while the deadline after it is measured from when it was issued (the issue this
 * came from, #11; the kernel's RP1 drivers work around the same thing). So before each wait
 * for a deadline the loop loads RIO SYNC_IN once: a PCIe read completes only after the
 * posted writes before it (PCI Express Base Specification, section 2.4.1 "Transaction
 * Ordering Rules": a read request must not pass a posted request), and the CPU issues it after
 * the stores (the mapping is Device memory, nGnRE: non-Reordering, so accesses to one
 * peripheral reach it in program order — Arm Architecture Reference Manual, "Device memory"),
 * so the edge has landed when the wait starts (RIO SYNC_IN: [RP1] 3.3, see strobe_regs.h).
 * The cost is one load per clock edge (two per bit; none extra on an edge that already reads
 * MISO, the same register), plus one after CS asserts and one before the hold. An RP1 read is a round trip
 * over PCIe, far slower than a posted store (the Pi 5's reads are "much slower than writes",
 * per the issue; not measured here: no Pi 5), so it caps how fast a timed bus goes — which is
 * why STROBE_SPI_HZ_MAX does no read-back: as fast as the stores go, paced by nothing.
 * scripts/spi-instructions counts the loads on the RP1 layout.
 *
 * The caller owns the pins (claims them, makes SCK, MOSI and CS outputs and MISO an input);
 * strobe_spi_idle puts SCK and CS at rest.
 */
#ifndef STROBE_SPI_H
#define STROBE_SPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "strobe_regs.h"
#include "strobe_clock.h"

#ifdef __cplusplus
extern "C" {
#endif

/** `hz` for "as fast as the pins go": no waits between edges. */
#define STROBE_SPI_HZ_MAX 0xFFFFFFFFu
/** The fastest timed rate: a half period of 1 ns. */
#define STROBE_SPI_HZ_LIMIT 500000000u
/** The longest chip-select set-up or hold time: 1 s. */
#define STROBE_SPI_MAX_CS_TIME_NS 1000000000ull
/** A pin the bus doesn't have (MOSI for a read-only bus, MISO for a write-only one, no CS). */
#define STROBE_SPI_NO_PIN (-1)

/** How chip select works. */
typedef enum strobe_spi_cs {
    STROBE_SPI_CS_NONE = 0,        /**< no chip select (cs must be STROBE_SPI_NO_PIN) */
    STROBE_SPI_CS_ACTIVE_LOW = 1,  /**< low while selected: almost every device */
    STROBE_SPI_CS_ACTIVE_HIGH = 2, /**< high while selected */
} strobe_spi_cs;

/** Bit order within a word. */
typedef enum strobe_spi_bit_order {
    STROBE_SPI_MSB_FIRST = 0,
    STROBE_SPI_LSB_FIRST = 1,
} strobe_spi_bit_order;

/** What a bus is: its pins (GPIO numbers) and its framing. */
typedef struct strobe_spi_config {
    int sck;              /**< clock, required */
    int mosi;             /**< master out, or STROBE_SPI_NO_PIN */
    int miso;             /**< master in, or STROBE_SPI_NO_PIN */
    int cs;               /**< chip select, or STROBE_SPI_NO_PIN with STROBE_SPI_CS_NONE */
    unsigned mode;        /**< 0-3: CPOL·2 + CPHA */
    unsigned bit_order;   /**< strobe_spi_bit_order */
    unsigned word_bits;   /**< 1-32 */
    uint32_t hz;          /**< 1…STROBE_SPI_HZ_LIMIT, or STROBE_SPI_HZ_MAX */
    int cs_polarity;      /**< strobe_spi_cs */
    uint64_t cs_setup_ns; /**< from CS asserted to the first clock edge (CPHA 1) or first bit (CPHA 0) */
    uint64_t cs_hold_ns;  /**< from the end of the last clock period to CS released */
} strobe_spi_config;

/** A configured bus. Fill with strobe_spi_init; plain data, nothing to free. */
typedef struct strobe_spi {
    strobe_port sck, mosi, miso, cs;
    bool has_mosi, has_miso, has_cs;
    strobe_spi_config config;
    strobe_clock clock;
    uint64_t half_ns;   /**< whole ns of a half period (10⁹ / 2hz, rounded down) */
    uint64_t half_rem;  /**< its remainder, out of half_den */
    uint64_t half_den;  /**< 2·hz */
    bool settle;        /**< RP1 at a timed rate: read RIO SYNC_IN back before each deadline */
} strobe_spi;

/**
 * Check `config` and make `spi` for `layout`'s block at `block`, timed on `clock` (on
 * hardware strobe_clock_busy, the cheapest clock to spin on; the bench's on the virtual
 * bench; its context must outlive
 * `spi`). Returns 0 or -EINVAL: SCK missing, a pin the layout lacks, a pin used twice, mode
 * over 3, bit order other than the two, word size 0 or over 32, hz 0, chip-select polarity
 * unknown or a CS pin that doesn't match it, set-up or hold time over
 * STROBE_SPI_MAX_CS_TIME_NS; -ERANGE: hz over STROBE_SPI_HZ_LIMIT (and not STROBE_SPI_HZ_MAX).
 */
int strobe_spi_init(strobe_spi *spi, strobe_layout layout, volatile uint32_t *block, const strobe_spi_config *config,
                    strobe_clock clock);

/** Put the bus at rest: SCK at its idle level (CPOL), CS released. */
void strobe_spi_idle(const strobe_spi *spi);

/**
 * One transfer with CS asserted throughout: `tx_count` words out of `tx` and/or `rx_count`
 * words into `rx`, clocked back to back, each `word_bits` wide in the low bits of a uint32_t.
 * Full duplex: both, with tx_count == rx_count. Write-only: rx NULL (MISO is not read).
 * Read-only: tx NULL (MOSI, if the bus has one, stays low: zeros go out).
 * Returns 0; -EINVAL: both NULL, both given with different counts, tx without a MOSI pin or
 * rx without a MISO pin; -ERANGE: a tx word with bits above word_bits (nothing is sent).
 * A count of 0 does nothing.
 */
int strobe_spi_transfer(const strobe_spi *spi, const uint32_t *tx, size_t tx_count, uint32_t *rx, size_t rx_count);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_SPI_H */
