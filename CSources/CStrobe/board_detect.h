/*
 * board_detect.h — board detection over any source of its files (private to CStrobe).
 *
 * strobe_detect() reads files below a root directory; the same decisions run here on whatever
 * `read` returns, so a fuzz target (Tests/Fuzz/fuzz-board.c) can feed file contents from
 * memory, with no file system in between.
 */
#ifndef STROBE_BOARD_DETECT_H
#define STROBE_BOARD_DETECT_H

#include <stddef.h>
#include <sys/types.h>
#include "strobe_board.h"

/*
 * Read the file `rel` ("proc/device-tree/compatible", "proc/device-tree/model",
 * "proc/device-tree/soc/ranges" or "proc/cpuinfo") into `buf`, at most `cap` bytes, as
 * strobe_read_file does: the number of bytes, -EOVERFLOW when it holds more than `cap`,
 * -ENOENT when it doesn't exist, or another negative errno.
 */
typedef ssize_t (*strobe_board_reader)(void *ctx, const char *rel, char *buf, size_t cap);

/*
 * strobe_detect() with the files read through `read_file(ctx, ...)`; `root` (no trailing '/')
 * only names the files in `why`. Same results and messages as strobe_detect().
 */
int strobe_detect_from(const char *root, strobe_board_reader read_file, void *ctx, strobe_board_info *info,
                       char *why, size_t why_len);

#endif /* STROBE_BOARD_DETECT_H */
