/*
 * fuzz-sysfs.c — the sysfs backend's chip lookup (CSources/CStrobe/sysfs.c) on hostile
 * class/gpio trees: chip directory names and their label, base and ngpio files.
 *
 * Writes a tree of up to 4 entries under a temporary root and calls strobe_sysfs_find_chip(),
 * with no label or with the first entry's label. The input is
 *
 *     flags, entry SEP entry SEP ...      (SEP = "\n====\n")
 *
 * flags bit 0: look the chip up by the first entry's label. Each entry is a name byte — % 4:
 * 0 "gpiochipN" (N = the byte times 7), 1 "gpiochip" (no number), 2 "gpioN" (an exported line),
 * 3 "gpiochip" and 11 digits — then its label, base and ngpio file contents separated by NUL
 * (a missing field is a missing file).
 *
 * Checks: the lookup returns 0, -ENOENT or -EINVAL; a chip found is one of the gpiochipN entries,
 * its label the one asked for (cut to the 63 bytes of the field), its base and ngpio what its files say by the letter (decimal digits
 * only, at most INT_MAX, one trailing newline allowed).
 *
 * fuzz-sources: CSources/CStrobe/sysfs.c CSources/CStrobe/io.c CSources/CStrobe/clock.c
 */
#define _GNU_SOURCE
#include "strobe_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEP "\n====\n"
#define MAX_ENTRIES 4

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-sysfs: invariant broken: %s\n", what);
        abort();
    }
}

static char root[160], gpio_dir[200];

typedef struct entry {
    char name[32];
    const uint8_t *field[3]; /* label, base, ngpio */
    size_t len[3];
    int present[3];
} entry;

static void write_file(const char *path, const uint8_t *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    must(fd >= 0, "create a file");
    must(len == 0 || write(fd, data, len) == (ssize_t)len, "write a file");
    close(fd);
}

/* A number as the kernel writes it: digits, one newline; -1 otherwise. */
static long strict_number(const uint8_t *d, size_t len) {
    if (len && d[len - 1] == '\n') len--;
    if (!len) return -1;
    long v = 0;
    for (size_t i = 0; i < len; i++) {
        if (d[i] < '0' || d[i] > '9') return -1;
        v = v * 10 + (d[i] - '0');
        if (v > INT_MAX) return -1;
    }
    return v;
}

static const char *const attrs[3] = {"label", "base", "ngpio"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (!root[0]) {
        const char *tmp = getenv("TMPDIR"); /* scripts/fuzz: a directory of its own */
        snprintf(root, sizeof root, "%s/fuzz-sysfs.XXXXXX", tmp && *tmp && strlen(tmp) < 100 ? tmp : "/tmp");
        must(mkdtemp(root) != NULL, "make a temporary root");
        char class_dir[200];
        snprintf(class_dir, sizeof class_dir, "%s/class", root);
        must(mkdir(class_dir, 0700) == 0, "mkdir class");
        snprintf(gpio_dir, sizeof gpio_dir, "%s/class/gpio", root);
        must(mkdir(gpio_dir, 0700) == 0, "mkdir class/gpio");
    }
    uint8_t flags = data[0];
    const uint8_t *at = data + 1, *end = data + size;
    entry e[MAX_ENTRIES];
    size_t n = 0;
    while (at < end && n < MAX_ENTRIES) {
        const uint8_t *sep = memmem(at, (size_t)(end - at), SEP, strlen(SEP));
        const uint8_t *stop = sep ? sep : end;
        entry *x = &e[n];
        memset(x, 0, sizeof *x);
        uint8_t b = *at++;
        switch (b % 4) {
        case 0: snprintf(x->name, sizeof x->name, "gpiochip%u", (unsigned)b * 7u); break;
        case 1: snprintf(x->name, sizeof x->name, "gpiochip"); break;
        case 2: snprintf(x->name, sizeof x->name, "gpio%u", (unsigned)b); break;
        default: snprintf(x->name, sizeof x->name, "gpiochip%011u", (unsigned)b); break;
        }
        int dup = 0;
        for (size_t i = 0; i < n; i++) dup |= strcmp(e[i].name, x->name) == 0;
        for (int f = 0; f < 3 && at <= stop; f++) {
            const uint8_t *nul = memchr(at, 0, (size_t)(stop - at));
            const uint8_t *fe = nul ? nul : stop;
            x->field[f] = at;
            x->len[f] = (size_t)(fe - at);
            x->present[f] = 1;
            at = fe + 1;
            if (!nul) break;
        }
        at = sep ? sep + strlen(SEP) : end;
        if (!dup) n++;
    }

    char path[300];
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", gpio_dir, e[i].name);
        must(mkdir(path, 0700) == 0, "mkdir a chip");
        for (int f = 0; f < 3; f++) {
            if (!e[i].present[f]) continue;
            snprintf(path, sizeof path, "%s/%s/%s", gpio_dir, e[i].name, attrs[f]);
            write_file(path, e[i].field[f], e[i].len[f]);
        }
    }

    char label[300] = {0};
    int by_label = (flags & 1) && n && e[0].present[0] && e[0].len[0] < 200 && !memchr(e[0].field[0], 0, e[0].len[0]);
    if (by_label) {
        memcpy(label, e[0].field[0], e[0].len[0]);
        size_t l = strlen(label);
        if (l && label[l - 1] == '\n') label[l - 1] = 0;
    }
    strobe_sysfs_chip chip;
    memset(&chip, 0, sizeof chip);
    int rc = strobe_sysfs_find_chip(root, by_label ? label : NULL, &chip);
    must(rc == 0 || rc == -ENOENT || rc == -EINVAL, "find_chip returns 0, -ENOENT or -EINVAL");
    if (rc == 0) {
        size_t i = 0;
        while (i < n && strcmp(e[i].name, chip.name) != 0) i++;
        must(i < n && strncmp(chip.name, "gpiochip", 8) == 0 && strlen(chip.name) <= 18, "the chip found is a gpiochipN entry");
        if (by_label) /* cut to the field, as documented */
            must(strncmp(chip.label, label, sizeof chip.label - 1) == 0 &&
                     strlen(chip.label) == (strlen(label) < sizeof chip.label ? strlen(label) : sizeof chip.label - 1),
                 "the chip found has the label asked for");
        must(e[i].present[1] && e[i].present[2], "a chip found has base and ngpio");
        must(chip.base == strict_number(e[i].field[1], e[i].len[1]), "base is what its file says");
        must(chip.ngpio == strict_number(e[i].field[2], e[i].len[2]), "ngpio is what its file says");
    }

    for (size_t i = 0; i < n; i++) {
        for (int f = 0; f < 3; f++) {
            snprintf(path, sizeof path, "%s/%s/%s", gpio_dir, e[i].name, attrs[f]);
            unlink(path);
        }
        snprintf(path, sizeof path, "%s/%s", gpio_dir, e[i].name);
        must(rmdir(path) == 0, "remove a chip");
    }
    return 0;
}
