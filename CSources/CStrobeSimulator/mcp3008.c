/*
 * mcp3008.c — an MCP3008 ADC as a virtual-bench device model (see strobe_vbench.h).
 *
 * Source: Microchip, "MCP3004/3008 2.7V 4-Channel/8-Channel 10-Bit A/D Converters with SPI
 * Serial Interface", DS21295 ([MCP3008] below). Section 5.0 "Serial communications" and
 * figure 5-1 give the framing, figure 5-2 the LSB-first continuation, table 5-2 the input
 * selection, equation 4-1 the code, section 6.1 the SPI modes.
 */
#define _GNU_SOURCE
#include "strobe_vbench.h"
#include "vbench_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#define MCP3008_CHANNELS 8u
#define MCP3008_BITS 10u          /* [MCP3008] 1.0: 10-bit resolution */
#define MCP3008_MAX_CODE 1023u
/* Rising edges after the start bit's, counted from 1: SGL/DIFF is 1, D2 D1 D0 are 2-4 ([MCP3008]
 * figure 5-1); the 5th completes the sample period, whose falling edge puts out the null bit. */
#define MCP3008_CLOCK_SGL 1u
#define MCP3008_CLOCK_D0 4u
#define MCP3008_CLOCK_NULL 5u

typedef struct mcp3008 {
    unsigned cs, sck, mosi, miso;
    double vref;
    double vin[MCP3008_CHANNELS];
    /* The conversation since CS fell. */
    bool selected;     /* CS low */
    bool started;      /* the start bit has been clocked in */
    unsigned clocks;   /* rising edges since the start bit's */
    unsigned config;   /* SGL/DIFF, D2, D1, D0 as clocked in (4 bits, SGL/DIFF highest) */
    unsigned code;     /* the result of this conversion */
    unsigned out_bits; /* bits of DOUT put out after the null bit */
    int64_t conversions;
} mcp3008;

/* Equation 4-1: code = 1024 · VIN / VREF, truncated; full scale saturates at 1023. */
static unsigned code_for(double vin, double vref) {
    if (!(vin > 0)) return 0;
    double c = floor(1024.0 * vin / vref);
    return c >= MCP3008_MAX_CODE ? MCP3008_MAX_CODE : (unsigned)c;
}

/* Table 5-2: single-ended, D2 D1 D0 is the channel; differential, the pair (D2 D1) with D0
 * choosing which of CH2n / CH2n+1 is IN+. */
static unsigned convert(const mcp3008 *m) {
    unsigned d = m->config & 7u;
    if (m->config & 8u) return code_for(m->vin[d], m->vref);
    unsigned even = d & ~1u, odd = d | 1u;
    double plus = (d & 1u) ? m->vin[odd] : m->vin[even];
    double minus = (d & 1u) ? m->vin[even] : m->vin[odd];
    return code_for(plus - minus, m->vref);
}

/* The DOUT bit for the n-th falling edge after the null bit's (n from 1): B9…B0, then B1…B9
 * LSB first ([MCP3008] figure 5-2: B0 is not repeated), then zeros. */
static int dout_bit(const mcp3008 *m, unsigned n) {
    if (n >= 1 && n <= MCP3008_BITS) return (int)((m->code >> (MCP3008_BITS - n)) & 1u);
    if (n > MCP3008_BITS && n < 2 * MCP3008_BITS) return (int)((m->code >> (n - MCP3008_BITS)) & 1u);
    return 0;
}

static void mcp3008_changed(void *ctx, strobe_vbench *b, uint64_t time_ns, unsigned pin, unsigned level) {
    (void)time_ns;
    mcp3008 *m = ctx;
    if (pin == m->cs) {
        /* CS high ends the conversation and floats DOUT; CS low starts a new one. */
        m->selected = level == 0;
        m->started = false;
        m->clocks = m->config = m->out_bits = 0;
        strobe_vbench_model_drive(b, m->miso, -1);
        return;
    }
    if (pin != m->sck || !m->selected) return;
    if (level) {
        /* Rising edge: DIN is sampled ([MCP3008] 5.0). */
        int din = strobe_vbench_model_level(b, m->mosi);
        if (!m->started) {
            if (din == 1) { m->started = true; m->clocks = 0; }
            return;
        }
        m->clocks++;
        if (m->clocks >= MCP3008_CLOCK_SGL && m->clocks <= MCP3008_CLOCK_D0)
            m->config = (m->config << 1) | (din == 1 ? 1u : 0u);
        return;
    }
    /* Falling edge: DOUT changes. */
    if (!m->started || m->clocks < MCP3008_CLOCK_NULL) return;
    if (m->clocks == MCP3008_CLOCK_NULL && m->out_bits == 0) {
        /* The sample period ends here: the input is held and converted; the null bit goes out. */
        m->code = convert(m);
        m->conversions++;
        m->out_bits = 1;
        strobe_vbench_model_drive(b, m->miso, 0);
        return;
    }
    if (m->out_bits == 0) return;
    strobe_vbench_model_drive(b, m->miso, dout_bit(m, m->out_bits++));
}

static void mcp3008_release(void *ctx) { free(ctx); }

int strobe_vbench_attach_mcp3008(strobe_vbench *b, unsigned cs, unsigned sck, unsigned mosi, unsigned miso, double vref) {
    unsigned n = strobe_layout_pin_count(strobe_vbench_layout(b));
    if (cs >= n || sck >= n || mosi >= n || miso >= n) return -EINVAL;
    if (cs == sck || cs == mosi || cs == miso || sck == mosi || sck == miso || mosi == miso) return -EINVAL;
    if (!isfinite(vref) || !(vref > 0)) return -EINVAL;
    mcp3008 *m = calloc(1, sizeof *m);
    if (!m) return -ENOMEM;
    m->cs = cs; m->sck = sck; m->mosi = mosi; m->miso = miso; m->vref = vref;
    m->selected = strobe_vbench_level(b, cs) == 0;
    strobe_vbench_model model = {
        .watch = (1ull << cs) | (1ull << sck), /* DIN is read on SCK edges, not watched */
        .pin_changed = mcp3008_changed,
        .release = mcp3008_release,
        .ctx = m,
    };
    int id = strobe_vbench_attach_model(b, &model);
    if (id < 0) free(m);
    return id;
}

int strobe_vbench_mcp3008_set_input(strobe_vbench *b, int id, unsigned channel, double volts) {
    if (channel >= MCP3008_CHANNELS || !isfinite(volts)) return -EINVAL;
    strobe_vbench_lock(b);
    mcp3008 *m = strobe_vbench_model_ctx_locked(b, id, mcp3008_changed);
    if (m) m->vin[channel] = volts < 0 ? 0 : volts;
    strobe_vbench_unlock(b);
    return m ? 0 : -ENOENT;
}

int64_t strobe_vbench_mcp3008_conversions(strobe_vbench *b, int id) {
    strobe_vbench_lock(b);
    mcp3008 *m = strobe_vbench_model_ctx_locked(b, id, mcp3008_changed);
    int64_t n = m ? m->conversions : -ENOENT;
    strobe_vbench_unlock(b);
    return n;
}
