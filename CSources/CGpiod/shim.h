/* libgpiod v1.6 (Debian's libgpiod-dev), found with pkg-config. */
#include <gpiod.h>
