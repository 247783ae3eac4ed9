/*
 * io.h — the C core's one funnel for reading small files (private to CStrobe).
 */
#ifndef STROBE_IO_H
#define STROBE_IO_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Read the whole file at `path` into `buf` (at most `cap` bytes), retrying EINTR.
 * Returns the number of bytes, -EOVERFLOW when the file holds more than `cap`, -EISDIR for a
 * directory, -EINVAL for anything else that is not a regular file (a FIFO, a device), or -errno.
 */
ssize_t strobe_read_file(const char *path, char *buf, size_t cap);

/* The same for `path` relative to the directory `dirfd` (or AT_FDCWD), opened with `flags`
 * added (e.g. O_NOFOLLOW). */
ssize_t strobe_read_file_at(int dirfd, const char *path, int flags, char *buf, size_t cap);

#endif /* STROBE_IO_H */
