/* Placeholder until the libgpiod backend lands; replaced in the same session. */
#include "strobe_gpiod.h"
