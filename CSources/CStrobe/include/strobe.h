/*
 * strobe.h — umbrella header of the Strobe C core.
 *
 * Conventions: functions return 0 or a negative errno and set no globals; names are
 * strobe_<object>_<verb>; whoever calls _new calls _free.
 */
#ifndef STROBE_H
#define STROBE_H

#include "strobe_regs.h"
#include "strobe_clock.h"
#include "strobe_gpio.h"
#include "strobe_board.h"
#include "strobe_map.h"
#include "strobe_pins.h"
#include "strobe_bench.h"
#include "strobe_events.h"
#include "strobe_sysfs.h"
#include "strobe_wave.h"
#include "strobe_owners.h"
#include "strobe_signals.h"
#include "strobe_spi.h"
#include "strobe_i2c.h"

#endif /* STROBE_H */
