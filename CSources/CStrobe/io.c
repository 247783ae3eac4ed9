/*
 * io.c — reading small files (device tree, cpuinfo, sysfs attributes) in one place.
 */
#define _GNU_SOURCE
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

ssize_t strobe_read_file(const char *path, char *buf, size_t cap) {
    return strobe_read_file_at(AT_FDCWD, path, 0, buf, cap);
}

ssize_t strobe_read_file_at(int dirfd, const char *path, int flags, char *buf, size_t cap) {
    int fd;
    /* O_NONBLOCK: a FIFO planted where a file should be must not hang the open. */
    do fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | flags);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) { /* /proc, /sys and device-tree files are regular */
        int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return -e;
    }
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
