/*
 * syscall-count.c — the program scripts/syscall-count runs under strace: 1000
 * strobe_sysfs_write_value calls, then 1000 strobe_sysfs_read_value calls, on a value file in
 * a temporary class/gpio tree. Each loop is bracketed by a write(-1, marker) that fails with
 * EBADF and does nothing else, so the script can cut exactly the loop's syscalls out of the
 * trace. The program itself checks every return value.
 *
 * Usage: syscall-count DIR   (DIR: an empty directory to build the tree in)
 */
#define _GNU_SOURCE
#include "strobe_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ROUNDS 1000
#define NUMBER 475

/* A syscall that strace shows with its text and that has no other effect. */
static void marker(const char *text) {
    ssize_t r = write(-1, text, strlen(text));
    (void)r;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    char path[512];
    const char *dirs[] = {"class", "class/gpio", "class/gpio/gpio475"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", argv[1], dirs[i]);
        if (mkdir(path, 0755) < 0 && errno != EEXIST) { perror(path); return 1; }
    }
    snprintf(path, sizeof path, "%s/class/gpio/gpio%d/value", argv[1], NUMBER);
    int made = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (made < 0 || write(made, "0\n", 2) != 2) { perror(path); return 1; }
    close(made);

    int fd = strobe_sysfs_open_value(argv[1], NUMBER, 0);
    if (fd < 0) { fprintf(stderr, "open_value: %s\n", strerror(-fd)); return 1; }

    int failures = 0;
    marker("strobe-write-loop-begin");
    for (int i = 0; i < ROUNDS; i++)
        if (strobe_sysfs_write_value(fd, i & 1) != 0) failures++;
    marker("strobe-write-loop-end");

    marker("strobe-read-loop-begin");
    int ones = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int v = strobe_sysfs_read_value(fd);
        if (v < 0) failures++;
        else ones += v;
    }
    marker("strobe-read-loop-end");
    close(fd);

    /* The last write (i = 999) left "1": every read must say so. */
    if (failures || ones != ROUNDS) {
        fprintf(stderr, "syscall-count: %d calls failed, %d of %d reads gave 1\n", failures, ones, ROUNDS);
        return 1;
    }
    return 0;
}
