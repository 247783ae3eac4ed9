/*
 * eeprom.c — a 24Cxx two-wire serial EEPROM on the virtual bench's I2C target engine.
 *
 * Source: Microchip (Atmel) "AT24C01C/AT24C02C 2-Wire Serial EEPROM" and the AT24C02 datasheet
 * ([AT24C02] below): "Device Addressing" (1010 A2 A1 A0 R/W), "Write Operations" (byte write,
 * page write with roll-over of the lower word-address bits within the page, self-timed write
 * cycle started by STOP, inputs disabled during it, "Acknowledge Polling"), "Read Operations"
 * (current address, random, sequential read with roll-over at the end of memory), "AC
 * Characteristics" (tWR 5 ms max). Two word-address bytes and 32-byte pages are the 24C32's
 * ("AT24C32 … Write Operations", high byte first).
 */
#define _GNU_SOURCE
#include "strobe_vbench_i2c.h"
#include "vbench_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define EEPROM_DEVICE_CODE 0x50u      /* 1010 xxx: [AT24C02] "Device Addressing" */
#define EEPROM_DEVICE_CODE_MASK 0x78u
#define EEPROM_ERASED 0xFFu
#define EEPROM_MIN_SIZE 16u
#define EEPROM_MAX_PAGE 256u

typedef struct eeprom {
    unsigned size, page, address_bytes;
    uint64_t write_cycle_ns;
    uint8_t *memory;
    unsigned counter;        /* the internal data word address counter */
    bool writing;            /* this transfer is a write */
    unsigned word;           /* word address bytes as they come in */
    uint8_t latch[EEPROM_MAX_PAGE]; /* the page buffer of a write in progress */
    bool latched[EEPROM_MAX_PAGE];
    unsigned page_base;      /* the page the latched bytes go to */
    unsigned nlatched;       /* data bytes received in this write */
    strobe_eeprom_status status;
} eeprom;

static bool busy(const eeprom *e, uint64_t time) { return time < e->status.busy_until_ns; }

static bool eeprom_begin(void *ctx, bool read, uint64_t time) {
    eeprom *e = ctx;
    /* During tWR "the EEPROM inputs are disabled": no ACK to its address, read or write. */
    if (busy(e, time)) return false;
    e->writing = !read;
    e->word = 0;
    e->nlatched = 0;
    memset(e->latched, 0, sizeof e->latched);
    return true;
}

static bool eeprom_write(void *ctx, unsigned index, uint8_t byte, uint64_t time) {
    (void)time;
    eeprom *e = ctx;
    if (index < e->address_bytes) {
        e->word = (e->word << 8) | byte; /* high byte first */
        if (index + 1 == e->address_bytes) {
            e->counter = e->word & (e->size - 1); /* bits above the memory's are "don't care" */
            e->page_base = e->counter & ~(e->page - 1);
        }
        return true;
    }
    /* A data byte goes to the page buffer; only the lower bits of the counter count up, so the
     * (page+1)-th byte overwrites the first ("Page Write": the address rolls over within the page). */
    unsigned offset = e->counter & (e->page - 1);
    e->latch[offset] = byte;
    e->latched[offset] = true;
    e->nlatched++;
    e->counter = e->page_base | ((offset + 1) & (e->page - 1));
    return true;
}

static uint8_t eeprom_read(void *ctx, unsigned index, uint64_t time) {
    (void)index; (void)time;
    eeprom *e = ctx;
    uint8_t byte = e->memory[e->counter];
    e->counter = (e->counter + 1) & (e->size - 1); /* rolls over from the last byte to the first */
    return byte;
}

static void eeprom_end(void *ctx, bool stop, uint64_t time) {
    eeprom *e = ctx;
    if (!e->writing) return;
    e->writing = false;
    /* STOP after at least one data byte starts the write cycle; a repeated START (a random
     * read's dummy write) or a STOP right after the word address writes nothing. */
    if (!stop || e->nlatched == 0) return;
    for (unsigned i = 0; i < e->page; i++)
        if (e->latched[i]) e->memory[e->page_base + i] = e->latch[i];
    e->nlatched = 0;
    e->status.write_cycles++;
    e->status.busy_until_ns = strobe_time_add_saturating(time, e->write_cycle_ns);
}

static void eeprom_release(void *ctx) {
    eeprom *e = ctx;
    free(e->memory);
    free(e);
}

static bool power_of_two(unsigned v) { return v && !(v & (v - 1)); }

int strobe_vbench_attach_eeprom(strobe_vbench *b, const strobe_eeprom_config *c) {
    if (!c) return -EINVAL;
    if ((c->address & ~EEPROM_DEVICE_CODE_MASK & ~7u) != 0 || (c->address & EEPROM_DEVICE_CODE_MASK) != EEPROM_DEVICE_CODE) return -EINVAL;
    if (c->address_bytes != 1 && c->address_bytes != 2) return -EINVAL;
    unsigned max_size = c->address_bytes == 1 ? 256u : 65536u;
    if (!power_of_two(c->size) || c->size < EEPROM_MIN_SIZE || c->size > max_size) return -EINVAL;
    if (!power_of_two(c->page_size) || c->page_size > EEPROM_MAX_PAGE || c->page_size > c->size) return -EINVAL;
    if (c->write_cycle_ns > STROBE_EEPROM_MAX_TWR_NS) return -EINVAL;
    eeprom *e = calloc(1, sizeof *e);
    uint8_t *memory = malloc(c->size);
    if (!e || !memory) { free(e); free(memory); return -ENOMEM; }
    memset(memory, EEPROM_ERASED, c->size);
    e->size = c->size;
    e->page = c->page_size;
    e->address_bytes = c->address_bytes;
    e->write_cycle_ns = c->write_cycle_ns;
    e->memory = memory;
    strobe_i2c_target_config tc = {.sda = c->sda, .scl = c->scl, .address = c->address};
    strobe_i2c_target_ops ops = {
        .begin = eeprom_begin, .write = eeprom_write, .read = eeprom_read, .end = eeprom_end, .release = eeprom_release,
    };
    int id = strobe_vbench_attach_i2c_target(b, &tc, &ops, e);
    if (id < 0) eeprom_release(e);
    return id;
}

int strobe_vbench_eeprom_peek(strobe_vbench *b, int id, unsigned offset, uint8_t *out, size_t len) {
    if (len && !out) return -EINVAL;
    strobe_vbench_lock(b);
    eeprom *e = strobe_vbench_i2c_ctx_locked(b, id, eeprom_begin);
    int rc = !e ? -ENOENT : offset > e->size || len > e->size - offset ? -EINVAL : 0;
    if (rc == 0 && len) memcpy(out, e->memory + offset, len);
    strobe_vbench_unlock(b);
    return rc;
}

int strobe_vbench_eeprom_poke(strobe_vbench *b, int id, unsigned offset, const uint8_t *bytes, size_t len) {
    if (len && !bytes) return -EINVAL;
    strobe_vbench_lock(b);
    eeprom *e = strobe_vbench_i2c_ctx_locked(b, id, eeprom_begin);
    int rc = !e ? -ENOENT : offset > e->size || len > e->size - offset ? -EINVAL : 0;
    if (rc == 0 && len) memcpy(e->memory + offset, bytes, len);
    strobe_vbench_unlock(b);
    return rc;
}

int strobe_vbench_eeprom_status(strobe_vbench *b, int id, strobe_eeprom_status *out) {
    if (!out) return -EINVAL;
    strobe_vbench_lock(b);
    eeprom *e = strobe_vbench_i2c_ctx_locked(b, id, eeprom_begin);
    if (e) {
        *out = e->status;
        out->address_counter = e->counter;
    }
    strobe_vbench_unlock(b);
    return e ? 0 : -ENOENT;
}
