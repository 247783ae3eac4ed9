/*
 * fuzz-state.c — the virtual bench's state-file loader (CSources/CStrobeSimulator/vbench.c) on
 * hostile files.
 *
 * Writes the input as a state file and loads it with strobe_vbench_load(), then checks
 * strobe_vbench_check_state_file() on it. The input is
 *
 *     mode, file bytes...
 *
 * mode bits 0-1: the bench's layout (0 and 1 BCM2835, 2 BCM2711, 3 RP1); bit 2: the file is
 * the bytes as given (a torn, foreign or oversized file); otherwise they are the 144-byte
 * header, then register words as (offset, value) pairs of 4-byte little-endian numbers put
 * into a zeroed block of the layout's size (so RP1's 192 KiB block takes a few hundred bytes
 * of input); bits 3-7: how many pins to drive afterwards, their numbers and levels taken from
 * the end of the input.
 *
 * Checks: the load returns 0, -EINVAL (not a state file) or -EXDEV (another layout); a loaded
 * state holds only what a bench can be in (every pull none, up or down); it round-trips —
 * saved at once it is the file that was loaded, byte for byte, and after the model has run
 * (pins driven, a VCD written) save → load into a fresh bench → save gives the same bytes.
 *
 * fuzz-sources: CSources/CStrobeSimulator/vbench.c CSources/CStrobeSimulator/trap_decode.c CSources/CStrobe/gpio.c CSources/CStrobe/clock.c
 */
#define _GNU_SOURCE
#include "strobe_vbench.h"
#include "strobe_gpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER 144 /* struct state_header in vbench.c */

static char dir[128], state_path[192], saved_path[192], again_path[192], vcd_path[192];

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-state: invariant broken: %s\n", what);
        abort();
    }
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    must(fd >= 0, "create the state file");
    while (len) {
        ssize_t n = write(fd, data, len);
        must(n > 0, "write the state file");
        data += n;
        len -= (size_t)n;
    }
    close(fd);
}

static uint8_t *read_whole(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    must(f != NULL, "open a saved state");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)n + 1);
    must(buf && fread(buf, 1, (size_t)n, f) == (size_t)n, "read a saved state");
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void setup(void) {
    const char *tmp = getenv("TMPDIR"); /* scripts/fuzz: a directory of its own, on tmpfs if it can */
    snprintf(dir, sizeof dir, "%s/fuzz-state.XXXXXX", tmp && *tmp && strlen(tmp) < 80 ? tmp : "/tmp");
    must(mkdtemp(dir) != NULL, "make a temporary directory");
    snprintf(state_path, sizeof state_path, "%s/state", dir);
    snprintf(saved_path, sizeof saved_path, "%s/saved", dir);
    snprintf(again_path, sizeof again_path, "%s/again", dir);
    snprintf(vcd_path, sizeof vcd_path, "%s/trace.vcd", dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    if (!dir[0]) setup();
    uint8_t mode = data[0];
    data++;
    size--;
    static const strobe_layout layouts[4] = {STROBE_LAYOUT_BCM2835, STROBE_LAYOUT_BCM2835, STROBE_LAYOUT_BCM2711,
                                             STROBE_LAYOUT_RP1};
    strobe_layout layout = layouts[mode & 3];
    unsigned npins = strobe_layout_pin_count(layout);
    size_t block = strobe_layout_block_size(layout);

    uint8_t *file;
    size_t file_len;
    if (mode & 4) {
        file_len = size;
        file = malloc(file_len ? file_len : 1);
        must(file != NULL, "malloc");
        if (size) memcpy(file, data, size);
    } else {
        file_len = HEADER + block;
        file = calloc(1, file_len);
        must(file != NULL, "calloc");
        memcpy(file, data, size < HEADER ? size : HEADER);
        for (size_t at = HEADER; at + 8 <= size; at += 8) {
            uint32_t off, value;
            memcpy(&off, data + at, 4);
            memcpy(&value, data + at + 4, 4);
            memcpy(file + HEADER + (off % block & ~3u), &value, 4);
        }
    }
    write_file(state_path, file, file_len);

    int err = 0;
    strobe_vbench *b = strobe_vbench_new(layout, &err);
    must(b != NULL, "a new bench");
    int rc = strobe_vbench_load(b, state_path);
    must(rc == 0 || rc == -EINVAL || rc == -EXDEV, "load returns 0, -EINVAL or -EXDEV");
    int check = strobe_vbench_check_state_file(state_path);
    must(check == 0 || check == -EINVAL, "check_state_file returns 0 or -EINVAL");
    if (rc == 0 || rc == -EXDEV) must(check == 0, "a file that loads (or is of another layout) is a state file");

    if (rc == 0) {
        for (unsigned pin = 0; pin < npins; pin++) {
            int pull = strobe_vbench_pull(b, pin);
            must(pull == STROBE_PULL_NONE || pull == STROBE_PULL_UP || pull == STROBE_PULL_DOWN,
                 "a loaded pull is none, up or down");
            int level = strobe_vbench_level(b, pin);
            must(level == 0 || level == 1, "a loaded level is 0 or 1");
        }
        /* Saved at once: the file that was loaded. */
        must(strobe_vbench_save(b, saved_path) == 0, "save a loaded state");
        size_t saved_len;
        uint8_t *saved = read_whole(saved_path, &saved_len);
        must(saved_len == HEADER + block && file_len >= saved_len && memcmp(saved, file, saved_len) == 0,
             "load then save gives back the file");
        free(saved);

        /* Run the model on the loaded registers: drive pins, read them, write a trace. */
        unsigned drives = mode >> 3;
        for (unsigned i = 0; i < drives && i < size; i++) {
            uint8_t d = data[size - 1 - i];
            int r = strobe_vbench_drive(b, d % 64u, (int)((d >> 6) % 3u) - 1);
            must(r == 0 || (d % 64u >= npins && r == -EINVAL), "drive answers 0, or -EINVAL past the last pin");
        }
        for (unsigned pin = 0; pin < npins; pin++) {
            int level = strobe_vbench_level(b, pin);
            must(level == 0 || level == 1, "a level is 0 or 1");
        }
        must(strobe_vbench_write_vcd(b, vcd_path, 0) == 0, "write a VCD");

        must(strobe_vbench_save(b, saved_path) == 0, "save after running");
        strobe_vbench *b2 = strobe_vbench_new(layout, &err);
        must(b2 != NULL, "a second bench");
        must(strobe_vbench_load(b2, saved_path) == 0, "a saved state loads");
        must(strobe_vbench_save(b2, again_path) == 0, "save the reloaded state");
        size_t la, lb;
        uint8_t *a = read_whole(saved_path, &la), *c = read_whole(again_path, &lb);
        must(la == lb && memcmp(a, c, la) == 0, "save → load → save gives the same bytes");
        free(a);
        free(c);
        strobe_vbench_free(b2);
    }
    strobe_vbench_free(b);
    free(file);
    return 0;
}
