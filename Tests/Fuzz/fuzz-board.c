/*
 * fuzz-board.c — board detection (CSources/CStrobe/board.c) on hostile device-tree and cpuinfo
 * files.
 *
 * Feeds strobe_detect_from() (the whole of strobe_detect() but the file reads) the four files
 * it reads, from memory. The input is
 *
 *     flags, why_len, compatible SEP model SEP soc/ranges SEP cpuinfo      (SEP = "\n====\n")
 *
 * flags bits 0-3: that part (compatible, model, ranges, cpuinfo) does not exist (-ENOENT);
 * bit 4: the part numbered by bits 5-6 is a directory (-EISDIR); bit 7: write the parts into a
 * temporary root too and check strobe_detect() on the real files agrees byte for byte.
 * Missing parts are absent files. A part bigger than the reader's buffer is -EOVERFLOW, as
 * strobe_read_file has it.
 *
 * Checks: the return is 0 or one of the documented errors; on success the fields are
 * NUL-terminated and consistent (a known SoC, its layout, the GPIO block at base + 0x200000);
 * on failure `why` says something; a `why` of any size (cut, or none) changes nothing else.
 *
 * fuzz-sources: CSources/CStrobe/board.c CSources/CStrobe/io.c
 */
#define _GNU_SOURCE
#include "board_detect.h"
#include "strobe_board.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEP "\n====\n"
#define NPARTS 4

static const char *const part_path[NPARTS] = {
    "proc/device-tree/compatible",
    "proc/device-tree/model",
    "proc/device-tree/soc/ranges",
    "proc/cpuinfo",
};

typedef struct parts {
    const uint8_t *data[NPARTS];
    size_t len[NPARTS];
    int err[NPARTS]; /* 0, -ENOENT or -EISDIR */
} parts;

static ssize_t mem_reader(void *ctx, const char *rel, char *buf, size_t cap) {
    const parts *p = ctx;
    for (int i = 0; i < NPARTS; i++) {
        if (strcmp(rel, part_path[i]) != 0) continue;
        if (p->err[i]) return p->err[i];
        if (p->len[i] > cap) return -EOVERFLOW;
        if (p->len[i]) memcpy(buf, p->data[i], p->len[i]);
        return (ssize_t)p->len[i];
    }
    fprintf(stderr, "fuzz-board: detection read %s, which this target does not know: teach it\n", rel);
    abort();
}

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-board: invariant broken: %s\n", what);
        abort();
    }
}

static int terminated(const char *field, size_t cap) { return memchr(field, 0, cap) != NULL; }

/* The temporary root for bit 7, made once. */
static char root[128];

static void rm_tree(void) {
    char path[256];
    for (int i = 0; i < NPARTS; i++) {
        snprintf(path, sizeof path, "%s/%s", root, part_path[i]);
        if (unlink(path) != 0) rmdir(path);
    }
    static const char *const dirs[] = {"proc/device-tree/soc", "proc/device-tree", "proc"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        rmdir(path);
    }
}

static void write_tree(const parts *p) {
    char path[256];
    static const char *const dirs[] = {"proc", "proc/device-tree", "proc/device-tree/soc"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        must(mkdir(path, 0700) == 0, "mkdir in the temporary root");
    }
    for (int i = 0; i < NPARTS; i++) {
        snprintf(path, sizeof path, "%s/%s", root, part_path[i]);
        if (p->err[i] == -ENOENT) continue;
        if (p->err[i] == -EISDIR) {
            must(mkdir(path, 0700) == 0, "mkdir of a part");
            continue;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
        must(fd >= 0, "create a part");
        must(p->len[i] == 0 || write(fd, p->data[i], p->len[i]) == (ssize_t)p->len[i], "write a part");
        close(fd);
    }
}

/* The revision code as the kernel prints it ("Revision\t: %04x\n"), by the letter: the first
 * line starting "Revision", a colon on it, spaces or tabs, 1+ hex digits worth at most
 * 0xffffffff, then only spaces, tabs or a CR to the end of the line. 1 found, 0 absent,
 * -1 malformed. */
static int strict_revision(const uint8_t *text, size_t len, uint32_t *out) {
    size_t i = 0;
    while (i < len) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n') eol++;
        if (eol - i >= 8 && memcmp(text + i, "Revision", 8) == 0) {
            size_t c = i;
            while (c < eol && text[c] != ':') c++;
            if (c == eol) return -1;
            size_t d = c + 1;
            while (d < eol && (text[d] == ' ' || text[d] == '\t')) d++;
            uint64_t v = 0;
            size_t digits = 0;
            for (; d < eol; d++, digits++) {
                int x = text[d] >= '0' && text[d] <= '9' ? text[d] - '0'
                      : (text[d] | 0x20) >= 'a' && (text[d] | 0x20) <= 'f' ? (text[d] | 0x20) - 'a' + 10 : -1;
                if (x < 0) break;
                v = v * 16 + (uint64_t)x;
                if (v > 0xFFFFFFFFu) return -1;
            }
            if (!digits) return -1;
            while (d < eol && (text[d] == ' ' || text[d] == '\t' || text[d] == '\r')) d++;
            if (d != eol) return -1;
            *out = (uint32_t)v;
            return 1;
        }
        i = eol + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2) return 0;
    uint8_t flags = data[0];
    size_t why_len = data[1];
    data += 2;
    size -= 2;

    parts p;
    memset(&p, 0, sizeof p);
    const uint8_t *at = data, *end = data + size;
    for (int i = 0; i < NPARTS; i++) {
        const uint8_t *sep = i < NPARTS - 1 ? memmem(at, (size_t)(end - at), SEP, strlen(SEP)) : NULL;
        const uint8_t *stop = sep ? sep : end;
        p.data[i] = at;
        p.len[i] = (size_t)(stop - at);
        at = sep ? sep + strlen(SEP) : end;
        if (flags & (1u << i)) p.err[i] = -ENOENT;
    }
    if (flags & 0x10) p.err[(flags >> 5) & 3] = -EISDIR;

    strobe_board_info info, again;
    char *why = why_len ? malloc(why_len) : NULL; /* exactly why_len: ASan sees any overrun */
    int rc = strobe_detect_from("/fuzz", mem_reader, &p, &info, why, why_len);
    must(rc == 0 || rc == -ENODEV || rc == -EINVAL || rc == -EISDIR || rc == -EOVERFLOW, "a documented return");
    if (why) must(terminated(why, why_len), "why is NUL-terminated");
    must(terminated(info.model, sizeof info.model) && terminated(info.compatible, sizeof info.compatible) &&
             terminated(info.revision_name, sizeof info.revision_name) &&
             terminated(info.gpiomem_path, sizeof info.gpiomem_path),
         "every string field is NUL-terminated");
    if (rc == 0) {
        must(info.soc >= STROBE_SOC_BCM2835 && info.soc <= STROBE_SOC_BCM2712, "a known SoC");
        if (info.soc == STROBE_SOC_BCM2712) {
            must(info.layout == STROBE_LAYOUT_RP1 && info.peripheral_base == 0 && info.gpio_phys == STROBE_RP1_GPIO_PHYS,
                 "RP1 layout and address");
            must(strcmp(info.gpiomem_path, "/dev/gpiomem0") == 0, "RP1 gpiomem path");
        } else {
            must(info.layout == (info.soc == STROBE_SOC_BCM2711 ? STROBE_LAYOUT_BCM2711 : STROBE_LAYOUT_BCM2835),
                 "the SoC's layout");
            must(info.peripheral_base != 0 && info.gpio_phys == info.peripheral_base + STROBE_BCM_GPIO_OFFSET,
                 "GPIO block at base + 0x200000");
            must(strcmp(info.gpiomem_path, "/dev/gpiomem") == 0, "BCM gpiomem path");
        }
        must(info.compatible[0] != 0 || (p.len[0] > 0 && p.data[0][0] == 0), "compatible is the first entry");
        /* cpuinfo is read when the device tree names a Pi SoC: its revision, by the letter. */
        if (!p.err[3] && p.len[3] && p.len[3] < 64 * 1024 - 1 && !memchr(p.data[3], 0, p.len[3])) {
            uint32_t rev = 0;
            int found = strict_revision(p.data[3], p.len[3], &rev);
            must(found >= 0, "a cpuinfo whose Revision line is not bare hex digits is refused");
            must(info.revision == (found ? rev : 0), "the revision is the code on the Revision line");
        }
    } else if (why && why_len > 1) {
        must(why[0] != 0, "a failure says why");
    }

    /* Without a why, or with a big one: the same answer. */
    char big[1024];
    must(strobe_detect_from("/fuzz", mem_reader, &p, &again, NULL, 0) == rc, "the same return without why");
    must(memcmp(&info, &again, sizeof info) == 0, "the same info without why");
    must(strobe_detect_from("/fuzz", mem_reader, &p, &again, big, sizeof big) == rc, "the same return with a big why");
    if (why && why_len) must(strncmp(why, big, why_len - 1) == 0, "a short why is the start of the long one");

    if (flags & 0x80) {
        if (!root[0]) {
            const char *tmp = getenv("TMPDIR"); /* scripts/fuzz: a directory of its own */
            snprintf(root, sizeof root, "%s/fuzz-board.XXXXXX", tmp && *tmp && strlen(tmp) < 100 ? tmp : "/tmp");
            must(mkdtemp(root) != NULL, "make a temporary root");
        }
        write_tree(&p);
        char why_files[1024], why_mem[1024];
        strobe_board_info from_files, from_mem;
        int rc_files = strobe_detect(root, &from_files, why_files, sizeof why_files);
        int rc_mem = strobe_detect_from(root, mem_reader, &p, &from_mem, why_mem, sizeof why_mem);
        rm_tree();
        must(rc_files == rc_mem, "strobe_detect on files returns what the in-memory detection does");
        must(memcmp(&from_files, &from_mem, sizeof from_files) == 0, "the same info from files");
        must(strcmp(why_files, why_mem) == 0, "the same message from files");
    }
    free(why);
    return 0;
}
