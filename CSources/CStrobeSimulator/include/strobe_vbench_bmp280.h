/*
 * strobe_vbench_bmp280.h — a Bosch BMP280 pressure and temperature sensor as a virtual-bench
 * I2C target (bmp280.c).
 *
 * Source: Bosch Sensortec, "BMP280 Digital Pressure Sensor", BST-BMP280-DS001 ([BMP280] below).
 * The model serves the register map of section 4 (chip id 0x58 at 0xD0, reset at 0xE0, status
 * 0xF3, ctrl_meas 0xF4, config 0xF5, press 0xF7-0xF9, temp 0xFA-0xFC, calibration 0x88-0xA1)
 * over the I2C protocol of section 5.2 (writes as register/data pairs, reads auto-incrementing
 * from the last register address written), and measures in forced and normal mode with the
 * maximum measurement times of section 3.8.1. A test sets the temperature and pressure the
 * sensor "sees"; the model finds the raw readings (adc_T, adc_P) that the datasheet's
 * compensation formulas (section 3.11.3) turn back into them with its calibration, so a driver
 * is checked against the datasheet's arithmetic, not against a copy of its own.
 */
#ifndef STROBE_VBENCH_BMP280_H
#define STROBE_VBENCH_BMP280_H

#include <stdint.h>
#include "strobe_vbench.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The trimming parameters of [BMP280] table 17 (0x88-0x9F, little-endian words). */
typedef struct strobe_bmp280_calibration {
    uint16_t t1;
    int16_t t2, t3;
    uint16_t p1;
    int16_t p2, p3, p4, p5, p6, p7, p8, p9;
} strobe_bmp280_calibration;

/** The calibration of the datasheet's worked example ([BMP280] 3.12, the compensation computation example):
 *  adc_T 519888 gives t_fine 128422 (25.08 °C), adc_P 415148 gives 100653 Pa. */
strobe_bmp280_calibration strobe_bmp280_example_calibration(void);

/** [BMP280] 3.11.3, 32-bit integer temperature: °C × 100; `t_fine` (may be NULL) is the
 *  fine temperature the pressure formula takes. */
int32_t strobe_bmp280_compensate_temperature(const strobe_bmp280_calibration *cal, int32_t adc_t, int32_t *t_fine);
/** [BMP280] 3.11.3, 64-bit integer pressure: Pa × 256 (Q24.8); 0 when the divisor is 0. */
uint32_t strobe_bmp280_compensate_pressure(const strobe_bmp280_calibration *cal, int32_t adc_p, int32_t t_fine);

/** The operating range of [BMP280] section 1 (specification), which strobe_vbench_bmp280_set accepts. */
#define STROBE_BMP280_MIN_CELSIUS (-40.0)
#define STROBE_BMP280_MAX_CELSIUS 85.0
#define STROBE_BMP280_MIN_PASCALS 30000.0
#define STROBE_BMP280_MAX_PASCALS 110000.0

/**
 * Attach a BMP280 at 7-bit `address` (0x76 with SDO low, 0x77 with SDO high: [BMP280] 5.2)
 * on `sda`/`scl`, with `calibration` (NULL: the datasheet example's), seeing 25 °C and
 * 101325 Pa. Returns the model id (> 0) or a negative errno: -EINVAL for another address,
 * pins the bench lacks or used twice; -ENOSPC with no model slot free.
 */
int strobe_vbench_attach_bmp280(strobe_vbench *bench, unsigned sda, unsigned scl, unsigned address,
                                const strobe_bmp280_calibration *calibration);
/**
 * Set what BMP280 model `id` measures from its next measurement on. Returns 0; -ERANGE
 * outside the operating range (or not finite); -ENOENT for no such model.
 */
int strobe_vbench_bmp280_set(strobe_vbench *bench, int id, double celsius, double pascals);
/** The raw readings the model's last set() found (20 bits each), for tests; 0 or -ENOENT. */
int strobe_vbench_bmp280_raw(strobe_vbench *bench, int id, int32_t *adc_t, int32_t *adc_p);
/** Measurements the model has completed by the bench's present virtual time (forced or normal mode), or -ENOENT. */
int64_t strobe_vbench_bmp280_measurements(strobe_vbench *bench, int id);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_VBENCH_BMP280_H */
