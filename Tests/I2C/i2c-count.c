/*
 * i2c-count.c — runs the C core's bit-banged I2C master (strobe_i2c_transfer) at "max" on a
 * RAM-backed RP1 block, for scripts/i2c-instructions to count its instructions with callgrind.
 * In RAM no store changes a level, so the program gives each line a level register that acts
 * as the bus would: SCL (GPIO 3) reads SYNC_IN, preset high (never stretched); SDA (GPIO 2)
 * reads the RIO OE SET alias word, which holds the mask of the last line the master pulled
 * low — preset to SDA's, so SDA reads high before the START, and from the first SCL low on it
 * reads low, so every byte is ACKed. The bytes are zeros to the general-call address 0x00: no
 * 1 the master sends can read back as 0 (lost arbitration). Real RP1 reads both lines with
 * one load of SYNC_IN; here SDA is a second load, so the count is one load high per read.
 *
 *   i2c-count BYTES      one transaction writing BYTES zero bytes
 */
#include "strobe.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
    volatile uint32_t *block = calloc(1, strobe_layout_block_size(STROBE_LAYOUT_RP1));
    uint8_t *data = calloc(n ? n : 1, 1);
    if (!block || !data) return 1;
    strobe_i2c bus;
    strobe_i2c_config c = {.sda = 2, .scl = 3, .hz = STROBE_I2C_HZ_MAX, .stretch_timeout_ns = STROBE_I2C_SMBUS_TIMEOUT_NS};
    if (strobe_i2c_init(&bus, STROBE_LAYOUT_RP1, block, &c, strobe_clock_monotonic())) return 1;
    if (strobe_i2c_loopback_ram(&bus)) return 1;
    strobe_i2c_op op = {.data = data, .length = n, .read = false, .block_count = false};
    strobe_i2c_result r;
    int rc = strobe_i2c_transfer(&bus, 0x00, false, &op, 1, &r);
    if (rc) {
        fprintf(stderr, "i2c-count: transfer failed: %d\n", rc);
        return 1;
    }
    return 0;
}
