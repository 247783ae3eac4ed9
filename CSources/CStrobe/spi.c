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
    /* Posted writes: see strobe_spi.h, "RP1". */
    s.settle = layout == STROBE_LAYOUT_RP1 && c->hz != STROBE_SPI_HZ_MAX;
    if (c->hz != STROBE_SPI_HZ_MAX) {
        s.half_den = 2ull * c->hz;
        s.half_ns = STROBE_NS_PER_S / s.half_den;
        s.half_rem = STROBE_NS_PER_S % s.half_den;
    }
    *spi = s;
    return 0;
}

#ifdef STROBE_SPI_COUNT_SETTLE
/* Tests/SPI/spi-count.c builds with this to count the read-backs (a tool that only traces
 * memory can't: valgrind drops a load whose value is never used). */
unsigned long long strobe_spi_settle_count;
#define SETTLE_COUNTED() (strobe_spi_settle_count++)
#else
#define SETTLE_COUNTED() ((void)0)
#endif

/*
 * RP1: a load of RIO SYNC_IN that later instructions wait for (strobe_spi.h, "RP1"). On arm64
 * a load may still be in flight when later, independent instructions run — the clock read
 * that measures the next deadline among them — so the value feeds a branch (a control
 * dependency), and the ISB in strobe_clock_busy's counter read waits for that branch to
 * resolve: the load, and the PCIe writes before it, have completed. Linux's readl does the
 * same ahead of its delay loops (arm64 __iormb).
 */
static inline __attribute__((always_inline)) void settle_value(uint32_t v) {
#if defined(__aarch64__)
    uint64_t tmp;
    __asm__ volatile("eor %0, %1, %1\n\tcbnz %0, ." : "=r"(tmp) : "r"((uint64_t)v) : "memory");
#else
    (void)v; /* x86 (the RAM block, the virtual bench): loads are not reordered with later loads */
#endif
}

static inline __attribute__((always_inline)) void settle_load(const volatile uint32_t *sync_in) {
    settle_value(strobe_r32(sync_in));
    SETTLE_COUNTED();
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

/*
 * The clock loop, one copy per combination of phase, timing (and, timed, the RP1 read-back),
 * reading and bit order: each is
 * a compile-time constant in its copy (always_inline, called with literals), so a bit at "max"
 * is its two SCK stores, a MOSI store when the level changes, a MISO load when reading, and the
 * loop's own few instructions (scripts/spi-instructions counts them).
 */
static inline __attribute__((always_inline)) void clock_words(const strobe_spi *s, const uint32_t *tx, uint32_t *rx,
                                                              size_t count, uint64_t t, const bool cpha,
                                                              const bool timed, const bool settle, const bool read,
                                                              const bool lsb) {
    const unsigned bits = s->config.word_bits;
    const bool cpol = (s->config.mode & 2u) != 0;
    const strobe_port sck = s->sck, mosi = s->mosi, miso = s->miso;
    /* Leading edge: SCK leaves its idle level; trailing: returns to it. */
    volatile uint32_t *const lead = cpol ? sck.clr : sck.set;
    volatile uint32_t *const trail = cpol ? sck.set : sck.clr;
    volatile uint32_t *const lev = miso.lev;
    /* RP1, timed (`settle`): a load of RIO SYNC_IN before each wait, so the clock edge's store
     * has landed before the deadline is measured (strobe_spi.h, "RP1"). */
    volatile uint32_t *const sync_in = sck.lev;
    const uint32_t sck_mask = sck.mask, miso_mask = miso.mask, mosi_mask = mosi.mask;
    const bool drive_mosi = s->has_mosi;
    const uint32_t first = lsb ? 1u : 1u << (bits - 1);
    /* MOSI is stored only when its level changes; its level now is what GPLEVn says. */
    uint32_t mosi_level = drive_mosi && strobe_port_read(mosi) ? 1u : 0u;
    uint64_t acc = 0;
    for (size_t w = 0; w < count; w++) {
        const uint32_t out = tx ? tx[w] : 0;
        uint32_t in = 0;
        for (uint32_t bit = first; bit; bit = lsb ? bit << 1 : bit >> 1) {
            if (lsb && bit > first << (bits - 1)) break; /* words narrower than 32 bits */
            if (cpha) strobe_w32(lead, sck_mask); /* leading edge, then the bit goes out */
            if (drive_mosi) {
                const uint32_t b = (out & bit) ? 1u : 0u;
                if (b != mosi_level) {
                    strobe_w32(b ? mosi.set : mosi.clr, mosi_mask);
                    mosi_level = b;
                }
            }
            if (timed) {
                if (settle) settle_load(sync_in); /* the stores above have landed */
                next_edge(s, &t, &acc);
                strobe_clock_spin_until(&s->clock, t);
            }
            /* The sampling edge: leading for CPHA 0, trailing for CPHA 1. */
            strobe_w32(cpha ? trail : lead, sck_mask);
            if (read) {
                const uint32_t level = strobe_r32(lev);
                if (settle) settle_value(level); /* SYNC_IN too: this load settles the edge */
                if (level & miso_mask) in |= bit;
            }
            if (timed) {
                if (settle && !read) settle_load(sync_in);
                next_edge(s, &t, &acc);
                strobe_clock_spin_until(&s->clock, t);
            }
            if (!cpha) strobe_w32(trail, sck_mask);
        }
        if (read) rx[w] = in;
    }
}

#define CLOCK_WORDS_ORDER(cpha, timed, settle, read)                                            \
    (lsb ? clock_words(s, tx, rx, count, t, cpha, timed, settle, read, true)                    \
         : clock_words(s, tx, rx, count, t, cpha, timed, settle, read, false))
#define CLOCK_WORDS_READ(cpha, timed, settle) \
    (rx ? CLOCK_WORDS_ORDER(cpha, timed, settle, true) : CLOCK_WORDS_ORDER(cpha, timed, settle, false))
#define CLOCK_WORDS_TIMED(cpha, settle)                                                            \
    (!timed ? CLOCK_WORDS_READ(cpha, false, false)                                                 \
            : settle ? CLOCK_WORDS_READ(cpha, true, true) : CLOCK_WORDS_READ(cpha, true, false))

/*
 * One transfer, CS to CS. Instantiated twice, each in a function of its own — for RP1 at a
 * timed rate (`settle`) and for everything else — and chosen once per call. Together in one
 * function, or with one calling the other, GCC 12's code for the copies at "max" cost up to two
 * instructions more per bit (register allocation; scripts/spi-instructions counts them).
 */
static inline __attribute__((always_inline)) void transfer_words(const strobe_spi *s, const uint32_t *tx,
                                                                 uint32_t *rx, size_t count, const bool settle) {
    const bool timed = s->config.hz != STROBE_SPI_HZ_MAX;
    const bool lsb = s->config.bit_order == STROBE_SPI_LSB_FIRST;
    cs_assert(s, true);
    if (settle) settle_load(s->sck.lev); /* CS has landed before the set-up is timed */
    uint64_t t = 0;
    if (timed || s->config.cs_setup_ns) {
        t = strobe_time_add_saturating(strobe_clock_now(&s->clock), s->config.cs_setup_ns);
        strobe_clock_spin_until(&s->clock, t);
    }
    if (s->config.mode & 1u) CLOCK_WORDS_TIMED(true, settle);
    else CLOCK_WORDS_TIMED(false, settle);
    if (settle) settle_load(s->sck.lev); /* the last edge has landed before the hold is timed */
    if (s->config.cs_hold_ns) strobe_clock_spin_for(&s->clock, s->config.cs_hold_ns);
    cs_assert(s, false);
}

static __attribute__((noinline)) void transfer_settled(const strobe_spi *s, const uint32_t *tx, uint32_t *rx,
                                                       size_t count) {
    transfer_words(s, tx, rx, count, true);
}

static __attribute__((noinline)) void transfer_plain(const strobe_spi *s, const uint32_t *tx, uint32_t *rx,
                                                     size_t count) {
    transfer_words(s, tx, rx, count, false);
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
    if (s->settle) transfer_settled(s, tx, rx, count);
    else transfer_plain(s, tx, rx, count);
    return 0;
}
