/*
 * spi.c — the bit-banged SPI master (see strobe_spi.h).
 */
#include "strobe_spi.h"

#include <errno.h>

static bool pin_ok(int pin, unsigned npins, bool optional) {
    if (pin == STROBE_SPI_NO_PIN) return optional;
    return pin >= 0 && (unsigned)pin < npins;
}

int strobe_spi_init(strobe_spi *spi, strobe_layout layout, volatile uint32_t *block, const strobe_spi_config *c,
                    strobe_clock clock) {
    if (!spi || !block || !c) return -EINVAL;
    unsigned npins = strobe_layout_pin_count(layout);
    if (npins == 0) return -EINVAL;
    if (!pin_ok(c->sck, npins, false) || !pin_ok(c->mosi, npins, true) || !pin_ok(c->miso, npins, true) ||
        !pin_ok(c->cs, npins, true))
        return -EINVAL;
    int pins[4] = {c->sck, c->mosi, c->miso, c->cs};
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            if (pins[i] != STROBE_SPI_NO_PIN && pins[i] == pins[j]) return -EINVAL;
    if (c->mode > 3 || c->bit_order > STROBE_SPI_LSB_FIRST || c->word_bits < 1 || c->word_bits > 32) return -EINVAL;
    if (c->hz == 0) return -EINVAL;
    if (c->hz > STROBE_SPI_HZ_LIMIT && c->hz != STROBE_SPI_HZ_MAX) return -ERANGE;
    if (c->cs_polarity != STROBE_SPI_CS_NONE && c->cs_polarity != STROBE_SPI_CS_ACTIVE_LOW &&
        c->cs_polarity != STROBE_SPI_CS_ACTIVE_HIGH)
        return -EINVAL;
    if ((c->cs_polarity == STROBE_SPI_CS_NONE) != (c->cs == STROBE_SPI_NO_PIN)) return -EINVAL;
    if (c->cs_setup_ns > STROBE_SPI_MAX_CS_TIME_NS || c->cs_hold_ns > STROBE_SPI_MAX_CS_TIME_NS) return -EINVAL;
    if (!clock.now || !clock.spin_until) return -EINVAL;

    strobe_spi s = {0};
    s.config = *c;
    s.clock = clock;
    strobe_port_make(layout, block, (unsigned)c->sck, &s.sck);
    if ((s.has_mosi = c->mosi != STROBE_SPI_NO_PIN)) strobe_port_make(layout, block, (unsigned)c->mosi, &s.mosi);
    if ((s.has_miso = c->miso != STROBE_SPI_NO_PIN)) strobe_port_make(layout, block, (unsigned)c->miso, &s.miso);
    if ((s.has_cs = c->cs != STROBE_SPI_NO_PIN)) strobe_port_make(layout, block, (unsigned)c->cs, &s.cs);
    if (c->hz != STROBE_SPI_HZ_MAX) {
        s.half_den = 2ull * c->hz;
        s.half_ns = STROBE_NS_PER_S / s.half_den;
        s.half_rem = STROBE_NS_PER_S % s.half_den;
    }
    *spi = s;
    return 0;
}

static inline void cs_assert(const strobe_spi *s, bool on) {
    if (!s->has_cs) return;
    bool high = (s->config.cs_polarity == STROBE_SPI_CS_ACTIVE_HIGH) == on;
    if (high) strobe_port_set(s->cs);
    else strobe_port_clear(s->cs);
}

void strobe_spi_idle(const strobe_spi *s) {
    if (s->config.mode & 2u) strobe_port_set(s->sck);
    else strobe_port_clear(s->sck);
    cs_assert(s, false);
}

/* The next edge's deadline: t += 10⁹/(2hz) exactly, the fractions carried (no drift). */
static inline void next_edge(const strobe_spi *s, uint64_t *t, uint64_t *acc) {
    *t += s->half_ns;
    *acc += s->half_rem;
    if (*acc >= s->half_den) {
        *acc -= s->half_den;
        *t += 1;
    }
}

int strobe_spi_transfer(const strobe_spi *s, const uint32_t *tx, size_t tx_count, uint32_t *rx, size_t rx_count) {
    if (!tx && !rx) return -EINVAL;
    if (tx && rx && tx_count != rx_count) return -EINVAL;
    if ((tx && !s->has_mosi) || (rx && !s->has_miso)) return -EINVAL;
    size_t count = tx ? tx_count : rx_count;
    const unsigned bits = s->config.word_bits;
    const uint32_t word_mask = bits == 32 ? 0xFFFFFFFFu : (1u << bits) - 1u;
    if (tx)
        for (size_t i = 0; i < count; i++)
            if (tx[i] & ~word_mask) return -ERANGE;
    if (count == 0) return 0;

    const bool timed = s->config.hz != STROBE_SPI_HZ_MAX;
    const bool cpha = s->config.mode & 1u, cpol = (s->config.mode & 2u) != 0;
    const bool lsb = s->config.bit_order == STROBE_SPI_LSB_FIRST;
    const strobe_port sck = s->sck, mosi = s->mosi, miso = s->miso;
    /* Leading edge: SCK leaves its idle level; trailing: returns to it. */
    volatile uint32_t *const lead = cpol ? sck.clr : sck.set;
    volatile uint32_t *const trail = cpol ? sck.set : sck.clr;
    const bool drive_mosi = s->has_mosi;
    /* MOSI is stored only when its level changes; its level now is what GPLEVn says. */
    int mosi_level = drive_mosi ? (int)strobe_port_read(mosi) : 0;

    cs_assert(s, true);
    uint64_t t = 0, acc = 0;
    if (timed || s->config.cs_setup_ns) {
        t = strobe_time_add_saturating(strobe_clock_now(&s->clock), s->config.cs_setup_ns);
        strobe_clock_spin_until(&s->clock, t);
    }
    for (size_t w = 0; w < count; w++) {
        const uint32_t out = tx ? tx[w] : 0;
        uint32_t in = 0;
        for (unsigned i = 0; i < bits; i++) {
            const unsigned shift = lsb ? i : bits - 1 - i;
            if (cpha) {
                /* Leading edge, then the bit goes out. */
                strobe_w32(lead, sck.mask);
            }
            if (drive_mosi) {
                const int b = (int)((out >> shift) & 1u);
                if (b != mosi_level) {
                    strobe_w32(b ? mosi.set : mosi.clr, mosi.mask);
                    mosi_level = b;
                }
            }
            if (timed) { next_edge(s, &t, &acc); strobe_clock_spin_until(&s->clock, t); }
            if (!cpha) {
                /* Leading edge: the sampling edge. */
                strobe_w32(lead, sck.mask);
                if (rx) in |= (uint32_t)((strobe_r32(miso.lev) & miso.mask) != 0) << shift;
            } else {
                strobe_w32(trail, sck.mask);
                if (rx) in |= (uint32_t)((strobe_r32(miso.lev) & miso.mask) != 0) << shift;
            }
            if (timed) { next_edge(s, &t, &acc); strobe_clock_spin_until(&s->clock, t); }
            if (!cpha) strobe_w32(trail, sck.mask);
        }
        if (rx) rx[w] = in;
    }
    if (s->config.cs_hold_ns) strobe_clock_spin_for(&s->clock, s->config.cs_hold_ns);
    cs_assert(s, false);
    return 0;
}
