/*
 * sysfs.c — the sysfs GPIO backend over `root`/class/gpio.
 *
 * Source: the kernel's ABI document Documentation/ABI/obsolete/sysfs-gpio and
 * Documentation/admin-guide/gpio/sysfs.rst: chips appear as gpiochipN/{label,base,ngpio};
 * writing a global number to `export` creates gpioN/{direction,value,edge,active_low};
 * `direction` takes "in", "out", "high", "low"; `edge` takes "none", "rising", "falling",
 * "both"; `value` reads "0\n"/"1\n" and, with `edge` set, wakes poll() with POLLPRI|POLLERR.
 */
#define _GNU_SOURCE
#include "strobe_sysfs.h"
#include "io.h"
#include "strobe_clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CLASS_DIR "class/gpio"
#define PATH_CAP 512
/* Longest attribute we read: chip labels (the kernel caps them well below this). */
#define TEXT_CAP 256
/* Export waits for udev with sleeps growing from 1 ms up to 20 ms. */
#define WAIT_FIRST_NS 1000000L
#define WAIT_MAX_NS 20000000L

/* root NULL means the real system's /sys. */
static const char *sysfs_root(const char *root) {
    return root ? root : "/sys";
}

/* Build root/class/gpio/<fmt...> into path. */
__attribute__((format(printf, 4, 5)))
static int gpio_path(char *path, size_t cap, const char *root, const char *fmt, ...) {
    int n = snprintf(path, cap, "%s/" CLASS_DIR "/", sysfs_root(root));
    if (n < 0 || (size_t)n >= cap) return -ENAMETOOLONG;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(path + n, cap - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)m >= cap - (size_t)n) return -ENAMETOOLONG;
    return 0;
}

/* Write `text` to an existing attribute with one write(): sysfs takes a store in one piece,
 * and a short write means the kernel did not take it. No O_CREAT: a missing file is an error
 * worth reporting (no CONFIG_GPIO_SYSFS, line not exported). */
static int write_text(const char *path, const char *text) {
    int fd;
    do fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    size_t len = strlen(text);
    ssize_t w;
    do w = write(fd, text, len);
    while (w < 0 && errno == EINTR);
    int e = w < 0 ? errno : 0;
    close(fd);
    if (w < 0) return -e;
    return (size_t)w == len ? 0 : -EIO;
}

/* Read a small attribute into buf (NUL-terminated, one trailing newline removed).
 * Returns its length or a negative errno; -EOVERFLOW if it does not fit. */
static ssize_t read_text(const char *path, char *buf, size_t cap) {
    ssize_t got = strobe_read_file(path, buf, cap - 1); /* room for the NUL */
    if (got < 0) return got;
    if (got > 0 && buf[got - 1] == '\n') got--;
    buf[got] = 0;
    return got;
}

/* A sysfs number: decimal digits only (bases and line counts are never negative). */
static int parse_count(const char *s, int *out) {
    if (!*s) return -EINVAL;
    long v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return -EINVAL;
        /* Checked before the step: where long is 32 bits (armhf), v * 10 itself would overflow. */
        if (v > (INT_MAX - (*s - '0')) / 10) return -EINVAL;
        v = v * 10 + (*s - '0');
    }
    *out = (int)v;
    return 0;
}

/* Files of one chip directory. A chip directory without them is malformed, not absent:
 * -ENOENT would read as "no such chip". */
static int read_chip_text(const char *root, const char *chip, const char *attr, char *buf, size_t cap) {
    char path[PATH_CAP];
    int r = gpio_path(path, sizeof path, root, "%s/%s", chip, attr);
    if (r < 0) return r;
    ssize_t n = read_text(path, buf, cap);
    if (n == -ENOENT || n == -ENOTDIR || n == -EOVERFLOW) return -EINVAL;
    return n < 0 ? (int)n : 0;
}

static int read_chip_number(const char *root, const char *chip, const char *attr, int *out) {
    char buf[32];
    int r = read_chip_text(root, chip, attr, buf, sizeof buf);
    return r < 0 ? r : parse_count(buf, out);
}

/* "gpiochip" followed by 1 to 10 digits; exported lines (gpioN) and `export` don't match. */
static int is_chip_name(const char *name) {
    if (strncmp(name, "gpiochip", 8) != 0) return 0;
    size_t digits = strspn(name + 8, "0123456789");
    return digits >= 1 && digits <= 10 && name[8 + digits] == 0;
}

int strobe_sysfs_find_chip(const char *root, const char *label, strobe_sysfs_chip *chip) {
    char dir_path[PATH_CAP];
    int r = gpio_path(dir_path, sizeof dir_path, root, "%s", "");
    if (r < 0) return r;
    DIR *dir = opendir(dir_path);
    if (!dir) return errno == ENOTDIR ? -ENOENT : -errno;

    strobe_sysfs_chip best;
    memset(&best, 0, sizeof best);
    int found = 0;
    int result = 0;
    for (;;) {
        errno = 0;
        struct dirent *d = readdir(dir);
        if (!d) { result = errno ? -errno : 0; break; }
        /* Entries are symlinks into /sys/devices, so d_type says nothing: go by name. */
        if (!is_chip_name(d->d_name)) continue;
        char text[TEXT_CAP];
        r = read_chip_text(root, d->d_name, "label", text, sizeof text);
        if (r < 0) { result = r; break; }
        /* With a label, only the wanted chip's numbers matter: a broken unrelated chip
         * must not hide it. */
        if (label && strcmp(text, label) != 0) continue;
        strobe_sysfs_chip c;
        memset(&c, 0, sizeof c);
        /* is_chip_name() bounds the name to 18 characters; the precision only tells gcc. */
        snprintf(c.name, sizeof c.name, "%.*s", (int)sizeof c.name - 1, d->d_name);
        snprintf(c.label, sizeof c.label, "%.*s", (int)sizeof c.label - 1, text);
        r = read_chip_number(root, d->d_name, "base", &c.base);
        if (r == 0) r = read_chip_number(root, d->d_name, "ngpio", &c.ngpio);
        if (r < 0) { result = r; break; }
        if (label) { best = c; found = 1; break; }
        /* Most lines wins; ties go to the lower base so the answer doesn't depend on
         * directory order. */
        if (!found || c.ngpio > best.ngpio || (c.ngpio == best.ngpio && c.base < best.base)) {
            best = c;
            found = 1;
        }
    }
    closedir(dir);
    if (result < 0) return result;
    if (!found) return -ENOENT;
    *chip = best;
    return 0;
}

static int write_number(const char *root, const char *file, int number) {
    if (number < 0) return -EINVAL;
    char path[PATH_CAP], text[16];
    int r = gpio_path(path, sizeof path, root, "%s", file);
    if (r < 0) return r;
    snprintf(text, sizeof text, "%d", number);
    return write_text(path, text);
}

int strobe_sysfs_export(const char *root, int number, int timeout_ms) {
    if (number < 0 || timeout_ms < 0) return -EINVAL;
    char direction[PATH_CAP], value[PATH_CAP];
    int r = gpio_path(direction, sizeof direction, root, "gpio%d/direction", number);
    if (r == 0) r = gpio_path(value, sizeof value, root, "gpio%d/value", number);
    if (r < 0) return r;

    r = write_number(root, "export", number);
    if (r < 0) return r; /* -EBUSY from the kernel stays -EBUSY */

    /* The kernel creates the files root-owned; udev then hands them to the gpio group. Until
     * then an open() for writing fails, so wait for access() to agree, polling with short,
     * growing sleeps (udev usually takes a few ms; no inotify on sysfs attributes). */
    int64_t deadline = (int64_t)strobe_monotonic_ns() + (int64_t)timeout_ms * 1000000;
    long delay = WAIT_FIRST_NS;
    for (;;) {
        if (access(direction, W_OK) == 0 && access(value, W_OK) == 0) return 0;
        int64_t left = deadline - (int64_t)strobe_monotonic_ns();
        if (left <= 0) break;
        long ns = left < delay ? (long)left : delay;
        strobe_sleep_ns((uint64_t)ns);
        delay = delay * 2 > WAIT_MAX_NS ? WAIT_MAX_NS : delay * 2;
    }
    /* Give the line back: an export nobody can use would only make the next try EBUSY. */
    (void)write_number(root, "unexport", number);
    return -ETIMEDOUT;
}

int strobe_sysfs_unexport(const char *root, int number) {
    return write_number(root, "unexport", number);
}

/* Write `text` to gpioN/<attr>. */
static int write_line_attr(const char *root, int number, const char *attr, const char *text) {
    if (number < 0) return -EINVAL;
    char path[PATH_CAP];
    int r = gpio_path(path, sizeof path, root, "gpio%d/%s", number, attr);
    return r < 0 ? r : write_text(path, text);
}

int strobe_sysfs_set_direction(const char *root, int number, const char *direction) {
    static const char *const accepted[] = {"in", "out", "high", "low"};
    if (!direction) return -EINVAL;
    for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++)
        if (strcmp(direction, accepted[i]) == 0)
            return write_line_attr(root, number, "direction", accepted[i]);
    return -EINVAL;
}

int strobe_sysfs_get_direction(const char *root, int number, char *out, size_t out_len) {
    if (number < 0 || !out) return -EINVAL;
    char path[PATH_CAP], text[16];
    int r = gpio_path(path, sizeof path, root, "gpio%d/direction", number);
    if (r < 0) return r;
    ssize_t n = read_text(path, text, sizeof text);
    if (n == -EOVERFLOW) return -EIO;
    if (n < 0) return (int)n;
    if (strcmp(text, "in") != 0 && strcmp(text, "out") != 0) return -EIO;
    if ((size_t)n + 1 > out_len) return -ERANGE;
    memcpy(out, text, (size_t)n + 1);
    return 0;
}

int strobe_sysfs_set_active_low(const char *root, int number, int active_low) {
    return write_line_attr(root, number, "active_low", active_low ? "1" : "0");
}

int strobe_sysfs_set_edge(const char *root, int number, int edge) {
    static const char *const names[] = {
        [STROBE_EDGE_NONE] = "none", [STROBE_EDGE_RISING] = "rising",
        [STROBE_EDGE_FALLING] = "falling", [STROBE_EDGE_BOTH] = "both",
    };
    if (edge < 0 || (size_t)edge >= sizeof names / sizeof names[0]) return -EINVAL;
    return write_line_attr(root, number, "edge", names[edge]);
}

int strobe_sysfs_open_value(const char *root, int number, int read_only) {
    if (number < 0) return -EINVAL;
    char path[PATH_CAP];
    int r = gpio_path(path, sizeof path, root, "gpio%d/value", number);
    if (r < 0) return r;
    int fd;
    do fd = open(path, (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    /* kernfs starts every open file one notification behind, so the first poll() would report
     * an edge that never happened; one read brings this fd up to date. Its result doesn't
     * matter (and a test tree's empty file reads nothing). */
    char buf[2];
    ssize_t ignored;
    do ignored = pread(fd, buf, sizeof buf, 0);
    while (ignored < 0 && errno == EINTR);
    return fd;
}

int strobe_sysfs_write_value(int fd, int level) {
    ssize_t w;
    do w = pwrite(fd, level ? "1" : "0", 1, 0);
    while (w < 0 && errno == EINTR);
    if (w < 0) return -errno;
    return w == 1 ? 0 : -EIO;
}

int strobe_sysfs_read_value(int fd) {
    char buf[2];
    ssize_t r;
    do r = pread(fd, buf, sizeof buf, 0);
    while (r < 0 && errno == EINTR);
    if (r < 0) return -errno;
    /* The kernel answers "0\n" or "1\n"; anything else is not a level. */
    if (r == 0 || (r == 2 && buf[1] != '\n')) return -EIO;
    if (buf[0] == '0') return 0;
    if (buf[0] == '1') return 1;
    return -EIO;
}

int strobe_sysfs_wait_edge(int fd, int timeout_ms, int *level) {
    /* poll() ignores negative fds and would sleep out the whole timeout (or forever). */
    if (fd < 0) return -EBADF;
    if (!level) return -EINVAL;
    int64_t deadline = timeout_ms >= 0 ? (int64_t)strobe_monotonic_ns() + (int64_t)timeout_ms * 1000000 : 0;
    for (;;) {
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            int64_t left = deadline - (int64_t)strobe_monotonic_ns();
            /* Round up, so a signal never turns the rest of the wait into a busy poll(…, 0). */
            wait_ms = left <= 0 ? 0 : (int)((left + 999999) / 1000000);
        }
        struct pollfd p = {.fd = fd, .events = POLLPRI | POLLERR};
        int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR) continue; /* the deadline carries the remaining time */
        if (r < 0) return -errno;
        if (r == 0) return 0;
        if (p.revents & POLLNVAL) return -EBADF;
        /* The read both gives the level and re-arms the notification for the next edge. */
        int v = strobe_sysfs_read_value(fd);
        if (v < 0) return v;
        *level = v;
        return 1;
    }
}

/* One O_PATH descriptor of "/" for the whole process, opened on first use: nothing can be read
 * or written through it (pread, pwrite and poll see EBADF / POLLNVAL). */
static int placeholder = -1;
static int placeholder_errno;
static pthread_once_t placeholder_once = PTHREAD_ONCE_INIT;

static void open_placeholder(void) {
    do placeholder = open("/", O_PATH | O_CLOEXEC);
    while (placeholder < 0 && errno == EINTR);
    placeholder_errno = placeholder < 0 ? errno : 0;
}

int strobe_sysfs_revoke_fd(int fd) {
    if (fd < 0) return -EBADF;
    pthread_once(&placeholder_once, open_placeholder);
    if (placeholder < 0) return -placeholder_errno;
    int r;
    /* EBUSY: another thread is between allocating this number and installing a file in it,
     * which can't be ours (the number is taken); retrying is what the man page advises. */
    do r = dup3(placeholder, fd, O_CLOEXEC);
    while (r < 0 && (errno == EINTR || errno == EBUSY));
    return r < 0 ? -errno : 0;
}
