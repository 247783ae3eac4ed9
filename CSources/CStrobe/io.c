/*
 * io.c — reading small files (device tree, cpuinfo, sysfs attributes) in one place.
 */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

ssize_t strobe_read_file(const char *path, char *buf, size_t cap) {
    return strobe_read_file_at(AT_FDCWD, path, 0, buf, cap);
}

ssize_t strobe_read_file_at(int dirfd, const char *path, int flags, char *buf, size_t cap) {
    int fd;
    do fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | flags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    size_t got = 0;
    for (;;) {
        char probe;
        char *at = got < cap ? buf + got : &probe; /* one byte past cap tells "too big" from "exactly cap" */
        size_t room = got < cap ? cap - got : 1;
        ssize_t r = read(fd, at, room);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { int e = errno; close(fd); return -e; }
        if (r == 0) break;
        if (got >= cap) { close(fd); return -EOVERFLOW; }
        got += (size_t)r;
    }
    close(fd);
    return (ssize_t)got;
}
