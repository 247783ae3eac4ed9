/*
 * bench.c — the emulated Raspberry Pi 3B benchmark: what one GPIO operation costs through each
 * of Strobe's backends, measured inside the guest (QEMU raspi3b, TCG).
 *
 * Built static for aarch64 and run as /init's program by `scripts/emulated-pi --bench OUTFILE`.
 * For every backend the guest has, and every operation the backend offers:
 *
 *   backend    toggle                 write                  read              mask
 *   registers  strobe_port_set+clear  one set or one clear   strobe_port_read  GPSET0 + GPCLR0 of a 32-pin mask
 *   libgpiod   strobe_gpiod_set 1, 0  one strobe_gpiod_set   strobe_gpiod_get  set_all of 3 lines, all 1 then all 0
 *   sysfs      write_value 1, 0       one write_value        read_value        (none: sysfs has no bulk write)
 *
 * `toggle` and `mask` are two writes per op (up, then down); `write` is one (alternately up and
 * down, so every write changes the level). Each measurement brackets a loop of N ops with
 * CLOCK_MONOTONIC; N is calibrated per op so one loop takes about TARGET_S of guest time, and the
 * reported ns/op is the median of ROUNDS such loops (with the fastest and slowest round too).
 * The rounds are interleaved across ops (round 1 of every op, then round 2, ...): the guest
 * clock follows the host's, so a busy host slows whatever runs at that moment, and
 * interleaving spreads that over the ops instead of concentrating it on one.
 *
 * Syscalls per op are counted, not guessed: a forked child runs SYSCOUNT_OPS ops between two
 * getppid() markers under PTRACE_SYSCALL, and the parent counts the syscall-entry stops between
 * the markers (PTRACE_GET_SYSCALL_INFO). If that machinery fails, the fields are left out of
 * the line and a `# syscalls:` note says why; the timings are unaffected (they are never taken
 * under ptrace).
 *
 * Output: `# ` lines are information; the results are one JSON object per line between the
 * marker lines `BENCH-BEGIN` and `BENCH-END`. Exit status 0 when every backend that is present
 * passed its sanity checks (each write visible to a read, and in GPLEV0) and every op ran
 * without an error; 1 otherwise. A backend that is missing (no /dev/mem, no gpiochip, no
 * /sys/class/gpio) is reported with `# skip` and does not fail the program: the harness decides
 * which backends it expects.
 *
 * These are emulated numbers. Every MMIO access is a TCG slow-path call into QEMU's device
 * model, and every syscall runs the guest kernel on an emulated CPU; the guest clock follows the
 * host's. Compare backends with each other here; never read these as Raspberry Pi timings.
 */
#define _GNU_SOURCE
#include "strobe.h"
#include "strobe_gpiod.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ENV_NAME "emulated-pi3b"
#define ROUNDS 5
#define TARGET_S 0.3        /* one measured loop: ~0.2-0.5 s of guest time */
#define CALIBRATE_MIN_S 0.05 /* calibrate on a loop at least this long */
#define SYSCOUNT_OPS 200
#define EXPORT_TIMEOUT_MS 1000

enum {
    PIN_REG = 17,    /* registers: toggle, write, read */
    PIN_GPIOD = 22,  /* libgpiod: one line */
    PIN_SYSFS = 23,  /* sysfs */
};
static const unsigned GPIOD_BULK[3] = {18, 19, 20}; /* libgpiod mask: one request of three lines */
#define REG_MASK 0xFFFFFFFFu                          /* registers mask: all 32 pins of bank 0 */

static int failures;

__attribute__((format(printf, 1, 2)))
static void info(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

__attribute__((format(printf, 1, 2)))
static void fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("# FAIL ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    failures++;
}

static const char *err(int rc) {
    static char buf[4][64];
    static int next;
    char *b = buf[next++ % 4];
    if (rc >= 0) snprintf(b, sizeof buf[0], "%d", rc);
    else snprintf(b, sizeof buf[0], "-%s", strerrorname_np(-rc) ? strerrorname_np(-rc) : "?");
    return b;
}

/* ------------------------------------------------------------------------------------------ */
/* Backends: state and the loops                                                              */
/* ------------------------------------------------------------------------------------------ */

static strobe_mapping mapping;
static volatile uint32_t *blk; /* NULL when the registers backend is unavailable */
static strobe_gpio *gpio;
static strobe_port port;
static volatile uint64_t sink; /* keeps read loops from being optimized away */

static strobe_gpiod_chip *chip;
static strobe_gpiod_lines *gline;  /* one output line */
static strobe_gpiod_lines *gbulk;  /* three output lines */

static strobe_sysfs_chip sysfs_chip = {.base = -1};
static int sysfs_number = -1;
static int sfd = -1;               /* the exported line's value fd, O_RDWR */

/* Each loop runs `n` ops and returns 0 or the first negative errno. */
static int reg_toggle(uint64_t n) { strobe_bench_toggle_c(port, n); return 0; }
static int reg_write(uint64_t n) { strobe_bench_toggle_c(port, n / 2); return 0; } /* n is even: n stores */
static int reg_read(uint64_t n) { sink += strobe_bench_read_c(port, n); return 0; }
static int reg_mask(uint64_t n) { strobe_bench_mask_c(port, REG_MASK, n); return 0; } /* GPSET0, GPCLR0 */

static int gpiod_toggle(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int rc = strobe_gpiod_set(gline, 0, 1);
        if (rc == 0) rc = strobe_gpiod_set(gline, 0, 0);
        if (rc < 0) return rc;
    }
    return 0;
}
static int gpiod_write(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int rc = strobe_gpiod_set(gline, 0, (int)(~i & 1u));
        if (rc < 0) return rc;
    }
    return 0;
}
static int gpiod_read(uint64_t n) {
    uint64_t high = 0;
    for (uint64_t i = 0; i < n; i++) {
        int v = strobe_gpiod_get(gline, 0);
        if (v < 0) return v;
        high += (uint64_t)v;
    }
    sink += high;
    return 0;
}
static int gpiod_mask(uint64_t n) {
    static const int all1[3] = {1, 1, 1}, all0[3] = {0, 0, 0};
    for (uint64_t i = 0; i < n; i++) {
        int rc = strobe_gpiod_set_all(gbulk, all1);
        if (rc == 0) rc = strobe_gpiod_set_all(gbulk, all0);
        if (rc < 0) return rc;
    }
    return 0;
}

static int sysfs_toggle(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int rc = strobe_sysfs_write_value(sfd, 1);
        if (rc == 0) rc = strobe_sysfs_write_value(sfd, 0);
        if (rc < 0) return rc;
    }
    return 0;
}
static int sysfs_write(uint64_t n) {
    for (uint64_t i = 0; i < n; i++) {
        int rc = strobe_sysfs_write_value(sfd, (int)(~i & 1u));
        if (rc < 0) return rc;
    }
    return 0;
}
static int sysfs_read(uint64_t n) {
    uint64_t high = 0;
    for (uint64_t i = 0; i < n; i++) {
        int v = strobe_sysfs_read_value(sfd);
        if (v < 0) return v;
        high += (uint64_t)v;
    }
    sink += high;
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Measuring                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct bench_op {
    const char *backend;
    const char *op;
    unsigned pins;            /* pins one op moves or reads */
    int (*run)(uint64_t n);
} bench_op;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int timed(const bench_op *b, uint64_t n, double *seconds) {
    double t0 = now_s();
    int rc = b->run(n);
    *seconds = now_s() - t0;
    return rc;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static const char *syscall_name(uint64_t nr) {
    switch (nr) {
    case SYS_ioctl: return "ioctl";
    case SYS_read: return "read";
    case SYS_write: return "write";
    case SYS_pread64: return "pread64";
    case SYS_pwrite64: return "pwrite64";
    case SYS_ppoll: return "ppoll";
    case SYS_openat: return "openat";
    case SYS_close: return "close";
    case SYS_lseek: return "lseek";
    default: return NULL;
    }
}

/*
 * Count the syscalls `n` ops make: a forked child runs them between two getppid() markers
 * under PTRACE_SYSCALL. Returns the count (>= 0) and the distinct syscall names in `kinds`,
 * or -1 with the reason in `why`. The child shares the parent's mapping and fds (fork), so it
 * drives the very same line handle, value fd and register block.
 */
static long count_syscalls(const bench_op *b, uint64_t n, char *kinds, size_t kinds_len, char *why, size_t why_len) {
    kinds[0] = 0;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_len, "fork: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) _exit(120);
        raise(SIGSTOP);
        syscall(SYS_getppid);
        int rc = b->run(n);
        syscall(SYS_getppid);
        _exit(rc < 0 ? 121 : 0);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
        snprintf(why, why_len, "child did not stop for the tracer (status 0x%x)", st);
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0) {
        snprintf(why, why_len, "PTRACE_SETOPTIONS: %s", strerror(errno));
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    long count = 0;
    int markers = 0, sig = 0, bad = 0;
    uint64_t seen[8];
    int n_seen = 0;
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0) {
            snprintf(why, why_len, "PTRACE_SYSCALL: %s", strerror(errno));
            bad = 1;
            break;
        }
        sig = 0;
        if (waitpid(pid, &st, 0) != pid) {
            snprintf(why, why_len, "waitpid: %s", strerror(errno));
            bad = 1;
            break;
        }
        if (WIFEXITED(st) || WIFSIGNALED(st)) break;
        if (!WIFSTOPPED(st)) continue;
        if (WSTOPSIG(st) != (SIGTRAP | 0x80)) { /* a real signal: hand it on */
            sig = WSTOPSIG(st);
            continue;
        }
        struct __ptrace_syscall_info si;
        memset(&si, 0, sizeof si);
        if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof si, &si) <= 0) {
            snprintf(why, why_len, "PTRACE_GET_SYSCALL_INFO: %s", strerror(errno));
            bad = 1;
            break;
        }
        if (si.op != PTRACE_SYSCALL_INFO_ENTRY) continue;
        if (si.entry.nr == SYS_getppid) {
            markers++;
            continue;
        }
        if (markers != 1) continue;
        count++;
        int known = 0;
        for (int i = 0; i < n_seen; i++) known |= seen[i] == si.entry.nr;
        if (!known && n_seen < 8) seen[n_seen++] = si.entry.nr;
    }
    if (bad) {
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || markers != 2) {
        snprintf(why, why_len, "traced child ended with status 0x%x after %d of 2 markers", st, markers);
        return -1;
    }
    for (int i = 0; i < n_seen; i++) {
        size_t len = strlen(kinds);
        const char *name = syscall_name(seen[i]);
        if (name) snprintf(kinds + len, kinds_len - len, "%s%s", len ? "+" : "", name);
        else snprintf(kinds + len, kinds_len - len, "%snr%llu", len ? "+" : "", (unsigned long long)seen[i]);
    }
    return count;
}

/* A loop of about TARGET_S: grow n until one loop takes CALIBRATE_MIN_S, scale, then check the
 * scaled n once more (the host may have been busy while calibrating) and rescale if it missed
 * the 0.2-0.5 s window. Returns n, or 0 after reporting a failed op. */
static uint64_t calibrate(const bench_op *b) {
    double t = 0;
    int rc = timed(b, 16, &t); /* warm-up: page in the code, fill caches and TCG's translations */
    uint64_t n = 16;
    while (rc == 0) {
        rc = timed(b, n, &t);
        if (rc < 0 || t >= CALIBRATE_MIN_S || n >= (1ull << 40)) break;
        n *= t < CALIBRATE_MIN_S / 10 ? 8 : 2;
    }
    for (int pass = 0; rc == 0 && pass < 2; pass++) {
        double scaled = (double)n * TARGET_S / (t > 0 ? t : 1e-9);
        n = scaled < 2 ? 2 : (uint64_t)scaled;
        n &= ~1ull; /* even: write loops alternate up and down and end low */
        rc = timed(b, n, &t);
        if (t >= 0.2 && t <= 0.5) break;
    }
    if (rc < 0) {
        fail("%s %s: the op failed while calibrating: %s", b->backend, b->op, err(rc));
        return 0;
    }
    return n;
}

/* Measure every op: calibrate each, then run the rounds interleaved (round 1 of every op, then
 * round 2, ...) so that a slow stretch of the host, which the guest clock follows, lands on
 * several ops instead of on every round of one. Then count syscalls and print one line per op. */
static void measure_all(const bench_op *const *ops, size_t count) {
    uint64_t n[16] = {0};
    double secs[16][ROUNDS];
    for (size_t i = 0; i < count && i < 16; i++) n[i] = calibrate(ops[i]);
    for (int r = 0; r < ROUNDS; r++) {
        for (size_t i = 0; i < count && i < 16; i++) {
            if (!n[i]) continue;
            int rc = timed(ops[i], n[i], &secs[i][r]);
            if (rc < 0) {
                fail("%s %s: the op failed in round %d: %s", ops[i]->backend, ops[i]->op, r + 1, err(rc));
                n[i] = 0;
            }
        }
    }
    for (size_t i = 0; i < count && i < 16; i++) {
        const bench_op *b = ops[i];
        if (!n[i]) continue;
        qsort(secs[i], ROUNDS, sizeof secs[i][0], cmp_double);
        double median = secs[i][ROUNDS / 2];
        double ns = median * 1e9 / (double)n[i];

        char kinds[96], why[160] = "", sys[160] = "";
        long calls = count_syscalls(b, SYSCOUNT_OPS, kinds, sizeof kinds, why, sizeof why);
        if (calls >= 0)
            snprintf(sys, sizeof sys, ",\"syscalls_per_op\":%.2f,\"syscalls\":\"%s\"", (double)calls / SYSCOUNT_OPS, kinds);
        else
            info("syscalls: not counted for %s %s: %s", b->backend, b->op, why);

        printf("{\"env\":\"%s\",\"backend\":\"%s\",\"op\":\"%s\",\"impl\":\"c\",\"ops\":%llu,\"ns_per_op\":%.1f,"
               "\"ops_per_s\":%.1f,\"rounds\":%d,\"ns_per_op_min\":%.1f,\"ns_per_op_max\":%.1f,\"round_s\":%.3f,\"pins\":%u%s}\n",
               ENV_NAME, b->backend, b->op, (unsigned long long)n[i], ns, 1e9 / ns, ROUNDS, secs[i][0] * 1e9 / (double)n[i],
               secs[i][ROUNDS - 1] * 1e9 / (double)n[i], median, b->pins, sys);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Setup and sanity: a backend is only timed once its writes are seen to land                 */
/* ------------------------------------------------------------------------------------------ */

static uint32_t gplev0(void) { return blk ? strobe_r32(strobe_reg((volatile uint32_t *)blk, STROBE_BCM_GPLEV0)) : 0; }
static int reg_level(unsigned pin) { return blk ? (int)(gplev0() >> pin & 1u) : -1; }

/* Returns 1 when ready, 0 when the backend is absent, -1 when it is present but broken. */
static int setup_registers(void) {
    strobe_board_info board;
    char why[256] = "";
    int rc = strobe_detect("/", &board, why, sizeof why);
    if (rc < 0) {
        info("skip registers: strobe_detect: %s %s", err(rc), why);
        return 0;
    }
    rc = strobe_map_board(&board, 1 /* /dev/mem */, "", &mapping);
    if (rc < 0) {
        info("skip registers: mapping %s at 0x%llx through /dev/mem: %s", strobe_soc_name(board.soc),
             (unsigned long long)board.gpio_phys, err(rc));
        return 0;
    }
    blk = mapping.block;
    gpio = strobe_gpio_new(board.layout, blk);
    if (!gpio || strobe_gpio_set_function(gpio, PIN_REG, STROBE_FN_OUTPUT) < 0 || strobe_gpio_port(gpio, PIN_REG, &port) < 0) {
        fail("registers: could not make GPIO%d an output", PIN_REG);
        return -1;
    }
    info("registers: %s, GPIO block at 0x%llx through /dev/mem", board.model, (unsigned long long)board.gpio_phys);
    strobe_port_set(port);
    int hi = strobe_port_read(port);
    strobe_port_clear(port);
    int lo = strobe_port_read(port);
    uint32_t saved = gplev0();
    strobe_bcm_set_mask(blk, 0, REG_MASK);
    uint32_t all_hi = gplev0();
    strobe_bcm_clear_mask(blk, 0, REG_MASK);
    uint32_t all_lo = gplev0();
    strobe_bcm_set_mask(blk, 0, saved);
    if (hi != 1 || lo != 0 || all_hi != REG_MASK || all_lo != 0) {
        fail("registers: GPIO%d read %d after GPSET0 and %d after GPCLR0; GPLEV0 0x%08x after the mask set, 0x%08x after the clear",
             PIN_REG, hi, lo, all_hi, all_lo);
        return -1;
    }
    return 1;
}

static int setup_gpiod(void) {
    int rc = strobe_gpiod_chip_open("pinctrl-bcm2835", &chip);
    if (rc < 0) {
        chip = NULL;
        info("skip libgpiod: no pinctrl-bcm2835 gpiochip: %s", err(rc));
        return 0;
    }
    unsigned p = PIN_GPIOD;
    int zero = 0;
    rc = strobe_gpiod_request_output(chip, &p, &zero, 1, STROBE_GPIOD_BIAS_AS_IS, &gline);
    if (rc < 0) {
        gline = NULL;
        fail("libgpiod: request of GPIO%u as an output: %s", p, err(rc));
        return -1;
    }
    const int zeros[3] = {0, 0, 0}, ones[3] = {1, 1, 1};
    rc = strobe_gpiod_request_output(chip, GPIOD_BULK, zeros, 3, STROBE_GPIOD_BIAS_AS_IS, &gbulk);
    if (rc < 0) {
        gbulk = NULL;
        fail("libgpiod: bulk request of GPIO18-20: %s", err(rc));
        return -1;
    }
    info("libgpiod: %s (%s), GPIO%u and a bulk request of GPIO18-20", strobe_gpiod_chip_name(chip),
         strobe_gpiod_chip_label(chip), p);
    int s1 = strobe_gpiod_set(gline, 0, 1), g1 = strobe_gpiod_get(gline, 0), r1 = reg_level(p);
    int s0 = strobe_gpiod_set(gline, 0, 0), g0 = strobe_gpiod_get(gline, 0), r0 = reg_level(p);
    int got[3] = {-1, -1, -1};
    int sa = strobe_gpiod_set_all(gbulk, ones), ga = strobe_gpiod_get_all(gbulk, got);
    uint32_t bulk_bits = (1u << 18) | (1u << 19) | (1u << 20);
    uint32_t lev_hi = gplev0() & bulk_bits;
    int sz = strobe_gpiod_set_all(gbulk, zeros);
    uint32_t lev_lo = gplev0() & bulk_bits;
    int regs_ok = !blk || (r1 == 1 && r0 == 0 && lev_hi == bulk_bits && lev_lo == 0);
    if (s1 || s0 || g1 != 1 || g0 != 0 || sa || ga || sz || got[0] != 1 || got[1] != 1 || got[2] != 1 || !regs_ok) {
        fail("libgpiod: set 1 %s → get %s, GPLEV0 %d; set 0 %s → get %s, GPLEV0 %d; set_all 111 %s → get_all %s %d%d%d, "
             "GPLEV0 0x%08x; set_all 000 %s → 0x%08x",
             err(s1), err(g1), r1, err(s0), err(g0), r0, err(sa), err(ga), got[0], got[1], got[2], lev_hi, err(sz), lev_lo);
        return -1;
    }
    return 1;
}

static int setup_sysfs(void) {
    int rc = strobe_sysfs_find_chip("/sys", "pinctrl-bcm2835", &sysfs_chip);
    if (rc < 0) {
        info("skip sysfs: no pinctrl-bcm2835 in /sys/class/gpio: %s", err(rc));
        return 0;
    }
    sysfs_number = sysfs_chip.base + PIN_SYSFS;
    rc = strobe_sysfs_export("/sys", sysfs_number, EXPORT_TIMEOUT_MS);
    if (rc < 0) {
        sysfs_number = -1;
        fail("sysfs: export of %d (GPIO%d): %s", sysfs_chip.base + PIN_SYSFS, PIN_SYSFS, err(rc));
        return -1;
    }
    rc = strobe_sysfs_set_direction("/sys", sysfs_number, "low");
    sfd = rc == 0 ? strobe_sysfs_open_value("/sys", sysfs_number, 0) : rc;
    if (sfd < 0) {
        fail("sysfs: direction low / open value of gpio%d: %s", sysfs_number, err(sfd));
        return -1;
    }
    info("sysfs: %s base %d, gpio%d (GPIO%d), value fd kept open", sysfs_chip.name, sysfs_chip.base, sysfs_number, PIN_SYSFS);
    int w1 = strobe_sysfs_write_value(sfd, 1), v1 = strobe_sysfs_read_value(sfd), r1 = reg_level(PIN_SYSFS);
    int w0 = strobe_sysfs_write_value(sfd, 0), v0 = strobe_sysfs_read_value(sfd), r0 = reg_level(PIN_SYSFS);
    if (w1 || w0 || v1 != 1 || v0 != 0 || (blk && (r1 != 1 || r0 != 0))) {
        fail("sysfs: write 1 %s → read %s, GPLEV0 %d; write 0 %s → read %s, GPLEV0 %d", err(w1), err(v1), r1, err(w0),
             err(v0), r0);
        return -1;
    }
    return 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    info("bench: %d rounds of ~%.1f s per op (median reported), syscalls counted over %d ops under ptrace", ROUNDS,
         TARGET_S, SYSCOUNT_OPS);
    int regs = setup_registers();
    int gpiod = setup_gpiod();
    int sysfs = setup_sysfs();

    static const bench_op reg_ops[] = {
        {"registers", "toggle", 1, reg_toggle},
        {"registers", "write", 1, reg_write},
        {"registers", "read", 1, reg_read},
        {"registers", "mask", 32, reg_mask},
    };
    static const bench_op gpiod_ops[] = {
        {"libgpiod", "toggle", 1, gpiod_toggle},
        {"libgpiod", "write", 1, gpiod_write},
        {"libgpiod", "read", 1, gpiod_read},
        {"libgpiod", "mask", 3, gpiod_mask},
    };
    static const bench_op sysfs_ops[] = {
        {"sysfs", "toggle", 1, sysfs_toggle},
        {"sysfs", "write", 1, sysfs_write},
        {"sysfs", "read", 1, sysfs_read},
    };

    const bench_op *ops[16];
    size_t count = 0;
    if (regs > 0)
        for (size_t i = 0; i < sizeof reg_ops / sizeof reg_ops[0]; i++) ops[count++] = &reg_ops[i];
    if (gpiod > 0)
        for (size_t i = 0; i < sizeof gpiod_ops / sizeof gpiod_ops[0]; i++) ops[count++] = &gpiod_ops[i];
    if (sysfs > 0)
        for (size_t i = 0; i < sizeof sysfs_ops / sizeof sysfs_ops[0]; i++) ops[count++] = &sysfs_ops[i];

    double t0 = now_s();
    uint32_t before = gplev0(); /* the register mask loop ends with all 32 pins low: put them back */
    puts("BENCH-BEGIN");
    measure_all(ops, count);
    puts("BENCH-END");
    if (blk) strobe_bcm_set_mask(blk, 0, before);
    info("bench: %.1f s of guest time measuring; backends registers %s, libgpiod %s, sysfs %s", now_s() - t0,
         regs > 0 ? "timed" : regs == 0 ? "absent" : "BROKEN", gpiod > 0 ? "timed" : gpiod == 0 ? "absent" : "BROKEN",
         sysfs > 0 ? "timed" : sysfs == 0 ? "absent" : "BROKEN");

    /* Leave the lines as the ring would find them: released, unexported, inputs. */
    if (sfd >= 0) close(sfd);
    if (sysfs_number >= 0) strobe_sysfs_unexport("/sys", sysfs_number);
    if (gline) strobe_gpiod_release(gline);
    if (gbulk) strobe_gpiod_release(gbulk);
    if (chip) strobe_gpiod_chip_close(chip);
    if (gpio) {
        strobe_port_clear(port);
        strobe_gpio_set_function(gpio, PIN_REG, STROBE_FN_INPUT);
        strobe_gpio_free(gpio);
    }
    strobe_unmap(&mapping);
    return failures == 0 ? 0 : 1;
}
