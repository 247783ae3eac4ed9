// cbench.cpp — Google Benchmark suite of the Strobe C core.
//
// One family per backend × operation, registered at run time for what this machine has:
//   registers  the GPIO block of a Raspberry Pi (/dev/gpiomem or /dev/gpiomem0), or a RAM block
//              shaped like it elsewhere (strobe_map_ram) — the `/gpiomem` or `/ram` suffix says which;
//   sysfs      gpioN/value of an exported line (`/gpio`), and always a regular file on tmpfs standing
//              in for it (`/file`), so the pwrite/pread path is measured even without GPIO;
//   libgpiod   a line requested from a GPIO chip (`/chardev`), or a family that skips with the
//              reason (`/none`) when no chip opens.
// Operations: toggle (set + clear per iteration), write (one set or clear per iteration,
// alternating), read (one level read), mask (a set and a clear of a whole bank-0 mask, registers only).
//
// Benchmarks measure; tests assert: nothing here decides pass or fail, so a missing backend is a
// skipped benchmark with its reason, never an error exit.
//
// Environment:
//   STROBE_BENCH_PIN          GPIO (line offset) to drive, default 17
//   STROBE_BENCH_RAM_LAYOUT   layout of the RAM block off a Pi: bcm2835, bcm2711 (default) or rp1
//   STROBE_BENCH_MASK         on a Pi: bank-0 pins of the mask benchmark, hex (default: the bench pin)
//   STROBE_BENCH_SYSFS_CHIP   sysfs chip label (default: the chip with the most lines)
//   STROBE_BENCH_GPIOD_CHIP   libgpiod chip path, name or label (default: the Pi's controller,
//                             else the first /dev/gpiochip*)
#include <benchmark/benchmark.h>

#include "strobe.h"
#include "strobe_gpiod.h"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

namespace {

std::string errno_text(int negative_errno) { return std::strerror(-negative_errno); }

const char *env(const char *name) {
    const char *v = std::getenv(name);
    return v && *v ? v : nullptr;
}

// An unsigned number from the environment (base 0: decimal, or hex with 0x); false when malformed.
bool env_number(const char *name, unsigned long fallback, unsigned long *out) {
    const char *v = env(name);
    if (!v) {
        *out = fallback;
        return true;
    }
    char *end = nullptr;
    errno = 0;
    unsigned long n = std::strtoul(v, &end, 0);
    if (errno || *end || *v == '-') {
        std::fprintf(stderr, "cbench: %s=%s is not a number\n", name, v);
        return false;
    }
    *out = n;
    return true;
}

// ---------------------------------------------------------------------------------------------
// Registers
// ---------------------------------------------------------------------------------------------

struct SavedFunction {
    unsigned pin;
    int function;
};

struct Registers {
    strobe_mapping map{};
    strobe_layout layout = STROBE_LAYOUT_BCM2711;
    strobe_gpio *gpio = nullptr;
    bool hardware = false;
    strobe_port port{};       // the bench pin
    strobe_port mask_port{};  // bank 0 (GPSET0/GPCLR0, or the RIO0 OUT SET/CLR aliases), `mask`
    std::string mask_skip;    // why the mask benchmark can't run, or empty
    std::vector<SavedFunction> saved; // functions to put back on a Pi
    std::string label;        // "gpiomem" or "ram"
};

bool layout_from_name(const char *name, strobe_layout *out) {
    if (!std::strcmp(name, "bcm2835")) *out = STROBE_LAYOUT_BCM2835;
    else if (!std::strcmp(name, "bcm2711")) *out = STROBE_LAYOUT_BCM2711;
    else if (!std::strcmp(name, "rp1")) *out = STROBE_LAYOUT_RP1;
    else return false;
    return true;
}

const char *layout_name(strobe_layout layout) {
    switch (layout) {
    case STROBE_LAYOUT_BCM2835: return "bcm2835";
    case STROBE_LAYOUT_BCM2711: return "bcm2711";
    case STROBE_LAYOUT_RP1: return "rp1";
    }
    return "?";
}

// Make `pin` an output, remembering its function so cleanup can put it back.
int claim_output(Registers &r, unsigned pin) {
    for (const SavedFunction &s : r.saved)
        if (s.pin == pin) return 0;
    int function = 0;
    int rc = strobe_gpio_get_function(r.gpio, pin, &function);
    if (rc < 0) return rc;
    rc = strobe_gpio_set_function(r.gpio, pin, STROBE_FN_OUTPUT);
    if (rc < 0) return rc;
    r.saved.push_back({pin, function});
    return 0;
}

// Returns false on a configuration error (bad environment), after printing it.
bool setup_registers(Registers &r, unsigned pin, std::string *context) {
    strobe_board_info info{};
    char why[256] = "";
    std::string not_here;
    int rc = strobe_detect(nullptr, &info, why, sizeof why);
    if (rc == 0) {
        rc = strobe_map_board(&info, 0, nullptr, &r.map);
        if (rc == 0) {
            r.hardware = true;
            r.layout = info.layout;
        } else {
            not_here = std::string(info.model) + ", but " + info.gpiomem_path + " did not map (" + errno_text(rc) + ")";
        }
    } else if (rc == -ENODEV) {
        not_here = "not a Raspberry Pi";
    } else {
        not_here = "board detection failed (" + errno_text(rc) + (why[0] ? std::string(": ") + why : "") + ")";
    }

    if (!r.hardware) {
        const char *name = env("STROBE_BENCH_RAM_LAYOUT");
        if (name && !layout_from_name(name, &r.layout)) {
            std::fprintf(stderr, "cbench: STROBE_BENCH_RAM_LAYOUT=%s: expected bcm2835, bcm2711 or rp1\n", name);
            return false;
        }
        rc = strobe_map_ram(r.layout, &r.map);
        if (rc < 0) {
            std::fprintf(stderr, "cbench: strobe_map_ram: %s\n", errno_text(rc).c_str());
            return false;
        }
    }
    r.label = r.hardware ? "gpiomem" : "ram";

    unsigned count = strobe_layout_pin_count(r.layout);
    if (pin >= count) {
        std::fprintf(stderr, "cbench: STROBE_BENCH_PIN=%u: %s has GPIO 0-%u\n", pin, layout_name(r.layout), count - 1);
        return false;
    }
    r.gpio = strobe_gpio_new(r.layout, r.map.block);
    if (!r.gpio) {
        std::fprintf(stderr, "cbench: strobe_gpio_new: out of memory\n");
        return false;
    }

    // Bank 0 holds GPIO 0-31 (BCM) or 0-27 (RP1).
    uint32_t bank0 = count >= 32 ? 0xFFFFFFFFu : (1u << count) - 1u;
    uint32_t mask = bank0;
    if (r.hardware) {
        // A store to GPSET0 drives every bank-0 pin that is an output, whoever set it up, so on
        // real hardware the mask is only what was asked for (the bench pin by default). The
        // store costs the same whatever bits it carries.
        unsigned long asked = 0;
        if (!env_number("STROBE_BENCH_MASK", pin < 32 ? 1ul << pin : 0ul, &asked)) return false;
        if (asked & ~static_cast<unsigned long>(bank0)) {
            std::fprintf(stderr, "cbench: STROBE_BENCH_MASK=0x%lx: bank 0 of %s is 0x%x\n", asked, layout_name(r.layout), bank0);
            return false;
        }
        mask = static_cast<uint32_t>(asked);
        if (!mask) r.mask_skip = "GPIO " + std::to_string(pin) + " is not in bank 0: set STROBE_BENCH_MASK to bank-0 pins";

        rc = claim_output(r, pin);
        for (unsigned p = 0; rc == 0 && p < 32; p++)
            if (mask & (1u << p)) rc = claim_output(r, p);
        if (rc < 0) {
            std::fprintf(stderr, "cbench: making the bench pins outputs: %s\n", errno_text(rc).c_str());
            return false;
        }
    }
    rc = strobe_gpio_port(r.gpio, pin, &r.port);
    if (rc == 0) rc = strobe_gpio_port(r.gpio, 0, &r.mask_port);
    if (rc < 0) {
        std::fprintf(stderr, "cbench: strobe_gpio_port: %s\n", errno_text(rc).c_str());
        return false;
    }
    r.mask_port.mask = mask;

    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08x", mask);
    if (r.hardware)
        *context = std::string(info.model) + " (" + strobe_soc_name(info.soc) + ", " + r.map.path + "), GPIO " +
                   std::to_string(pin) + ", mask " + hex;
    else
        *context = not_here + ": stores land in a RAM block shaped like " + layout_name(r.layout) +
                   " (no pin moves; this measures the code path), GPIO " + std::to_string(pin) + ", mask " + hex;
    return true;
}

void cleanup_registers(Registers &r) {
    for (const SavedFunction &s : r.saved) (void)strobe_gpio_set_function(r.gpio, s.pin, s.function);
    r.saved.clear();
    if (r.gpio) strobe_gpio_free(r.gpio);
    r.gpio = nullptr;
    strobe_unmap(&r.map);
}

// ---------------------------------------------------------------------------------------------
// sysfs
// ---------------------------------------------------------------------------------------------

struct Sysfs {
    std::string label;    // "gpio" or "file"
    std::string skip;     // why this one can't run, or empty
    int fd = -1;
    int number = -1;      // global sysfs number (gpio) or the file's gpioN name (file)
    bool exported = false;
    std::string root;     // the temporary tree of the file stand-in
};

// Set before exporting, read by the signal handler: an export left behind makes the next run's
// export fail with EBUSY.
char g_unexport_text[16];
volatile sig_atomic_t g_exported = 0;

extern "C" void on_fatal_signal(int sig) {
    if (g_exported) {
        int fd = open("/sys/class/gpio/unexport", O_WRONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t ignored = write(fd, g_unexport_text, std::strlen(g_unexport_text));
            (void)ignored;
            close(fd);
        }
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

// The line on the real /sys/class/gpio. Returns false when there is no chip at all (nothing to
// register); true with `skip` set when there is one but the line can't be used.
bool setup_sysfs_gpio(Sysfs &s, unsigned pin, std::string *context) {
    s.label = "gpio";
    const char *label = env("STROBE_BENCH_SYSFS_CHIP");
    strobe_sysfs_chip chip{};
    int rc = strobe_sysfs_find_chip(nullptr, label, &chip);
    if (rc < 0) {
        std::string what = label ? "no sysfs GPIO chip labelled " + std::string(label) : std::string("no /sys/class/gpio chip");
        *context = what + " (" + errno_text(rc) + ")";
        if (!label) return false;
        s.skip = *context;
        return true;
    }
    std::string where = std::string(chip.name) + " (" + chip.label + ", base " + std::to_string(chip.base) + ")";
    if (pin >= static_cast<unsigned>(chip.ngpio)) {
        s.skip = where + " has " + std::to_string(chip.ngpio) + " lines; STROBE_BENCH_PIN=" + std::to_string(pin);
        *context = s.skip;
        return true;
    }
    s.number = chip.base + static_cast<int>(pin);
    std::snprintf(g_unexport_text, sizeof g_unexport_text, "%d", s.number);
    g_exported = 1;
    rc = strobe_sysfs_export(nullptr, s.number, 2000);
    if (rc < 0) {
        g_exported = 0;
        s.skip = "export of gpio" + std::to_string(s.number) + " on " + where + " failed: " + errno_text(rc) +
                 (rc == -EBUSY ? " (already exported, or the kernel holds the line)" : "");
        *context = s.skip;
        return true;
    }
    s.exported = true;
    rc = strobe_sysfs_set_direction(nullptr, s.number, "low");
    if (rc == 0) {
        rc = strobe_sysfs_open_value(nullptr, s.number, 0);
        if (rc >= 0) s.fd = rc;
    }
    if (rc < 0) {
        s.skip = "gpio" + std::to_string(s.number) + " on " + where + ": " + errno_text(rc);
        *context = s.skip;
        return true;
    }
    *context = "/sys/class/gpio/gpio" + std::to_string(s.number) + "/value on " + where;
    return true;
}

std::string filesystem_name(const std::string &path) {
    struct statfs fs{};
    if (statfs(path.c_str(), &fs) != 0) return "unknown filesystem";
    if (fs.f_type == TMPFS_MAGIC) return "tmpfs";
    char hex[40];
    std::snprintf(hex, sizeof hex, "filesystem 0x%lx", static_cast<unsigned long>(fs.f_type));
    return hex;
}

bool is_writable_dir(const char *path) {
    struct stat st{};
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode) && access(path, W_OK | X_OK) == 0;
}

// A regular file laid out like sysfs (ROOT/class/gpio/gpioN/value), opened by the same
// strobe_sysfs_open_value, so each write and read is the same single pwrite/pread.
bool setup_sysfs_file(Sysfs &s, unsigned pin, std::string *context) {
    s.label = "file";
    s.number = static_cast<int>(pin);
    const char *tmp = env("TMPDIR");
    std::string base = is_writable_dir("/dev/shm") ? "/dev/shm" : tmp ? tmp : "/tmp";
    std::string templ = base + "/strobe-cbench.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back(0);
    if (!mkdtemp(buf.data())) {
        s.skip = "no temporary directory in " + base + ": " + std::strerror(errno);
        *context = s.skip;
        return true;
    }
    s.root = buf.data();
    std::string dir = s.root;
    for (const char *part : {"/class", "/gpio", ""}) {
        if (*part) dir += part;
        else dir += "/gpio" + std::to_string(pin);
        if (mkdir(dir.c_str(), 0700) != 0) {
            s.skip = "mkdir " + dir + ": " + std::strerror(errno);
            *context = s.skip;
            return true;
        }
    }
    std::string value = dir + "/value";
    int fd = open(value.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, "0\n", 2) != 2) {
        s.skip = "creating " + value + ": " + std::strerror(errno);
        if (fd >= 0) close(fd);
        *context = s.skip;
        return true;
    }
    close(fd);
    int rc = strobe_sysfs_open_value(s.root.c_str(), s.number, 0);
    if (rc < 0) {
        s.skip = "strobe_sysfs_open_value(" + value + "): " + errno_text(rc);
        *context = s.skip;
        return true;
    }
    s.fd = rc;
    *context = value + " on " + filesystem_name(s.root) +
               ": a regular file standing in for gpioN/value (the pwrite/pread path, not a GPIO driver)";
    return true;
}

void cleanup_sysfs(Sysfs &s) {
    if (s.fd >= 0) close(s.fd);
    s.fd = -1;
    if (s.exported) {
        (void)strobe_sysfs_unexport(nullptr, s.number);
        g_exported = 0;
        s.exported = false;
    }
    if (!s.root.empty()) {
        std::string line = s.root + "/class/gpio/gpio" + std::to_string(s.number);
        unlink((line + "/value").c_str());
        rmdir(line.c_str());
        rmdir((s.root + "/class/gpio").c_str());
        rmdir((s.root + "/class").c_str());
        rmdir(s.root.c_str());
        s.root.clear();
    }
}

// ---------------------------------------------------------------------------------------------
// libgpiod
// ---------------------------------------------------------------------------------------------

struct Gpiod {
    std::string label = "none"; // "chardev" once a chip opened
    std::string skip;
    strobe_gpiod_chip *chip = nullptr;
    strobe_gpiod_lines *lines = nullptr;
    strobe_gpiod_lines *group = nullptr; // line pin + 1, for the mask benchmark
    uint32_t mask = 0;
    std::string group_skip;
};

// /dev/gpiochipN names, lowest N first.
std::vector<std::string> dev_gpiochips() {
    std::vector<std::pair<long, std::string>> found;
    if (DIR *d = opendir("/dev")) {
        while (struct dirent *e = readdir(d)) {
            const char *n = e->d_name;
            if (std::strncmp(n, "gpiochip", 8) != 0 || !n[8] || std::strspn(n + 8, "0123456789") != std::strlen(n + 8))
                continue;
            found.emplace_back(std::strtol(n + 8, nullptr, 10), std::string("/dev/") + n);
        }
        closedir(d);
    }
    std::sort(found.begin(), found.end());
    std::vector<std::string> paths;
    for (auto &f : found) paths.push_back(f.second);
    return paths;
}

void setup_gpiod(Gpiod &g, unsigned pin, std::string *context) {
    int rc;
    if (const char *spec = env("STROBE_BENCH_GPIOD_CHIP")) {
        rc = strobe_gpiod_chip_open(spec, &g.chip);
        if (rc < 0) g.skip = "no GPIO chip: STROBE_BENCH_GPIOD_CHIP=" + std::string(spec) + ": " + errno_text(rc);
    } else {
        rc = strobe_gpiod_chip_open(nullptr, &g.chip);
        if (rc < 0) {
            std::string pi = "no Raspberry Pi GPIO controller (" + errno_text(rc) + ")";
            std::vector<std::string> chips = dev_gpiochips();
            if (chips.empty()) {
                g.skip = "no GPIO chip: " + pi + " and no /dev/gpiochip*";
            } else {
                rc = strobe_gpiod_chip_open(chips.front().c_str(), &g.chip);
                if (rc < 0) g.skip = "no GPIO chip: " + pi + "; " + chips.front() + ": " + errno_text(rc);
            }
        }
    }
    if (!g.chip) {
        *context = g.skip;
        return;
    }
    g.label = "chardev";
    std::string where = std::string(strobe_gpiod_chip_name(g.chip)) + " (" + strobe_gpiod_chip_label(g.chip) + ")";
    unsigned lines = strobe_gpiod_chip_num_lines(g.chip);
    if (pin >= lines) {
        g.skip = where + " has " + std::to_string(lines) + " lines; STROBE_BENCH_PIN=" + std::to_string(pin);
        *context = g.skip;
        return;
    }
    const int low = 0;
    rc = strobe_gpiod_request_output(g.chip, &pin, &low, 1, STROBE_GPIOD_BIAS_AS_IS, &g.lines);
    if (rc < 0) {
        char consumer[64] = "";
        std::string by;
        if (rc == -EBUSY && strobe_gpiod_line_in_use(g.chip, pin, consumer, sizeof consumer) == 1)
            by = std::string(" (held by \"") + consumer + "\")";
        g.skip = "line " + std::to_string(pin) + " of " + where + ": " + errno_text(rc) + by;
        *context = g.skip;
        return;
    }
    *context = "line " + std::to_string(pin) + " of " + where + ", consumer \"" STROBE_GPIOD_CONSUMER "\"";
    unsigned next = pin + 1;
    if (next >= lines || next / 32 != pin / 32) {
        g.group_skip = "no line " + std::to_string(next) + " in line " + std::to_string(pin) + "'s bank of " + where + " for the mask";
    } else if ((rc = strobe_gpiod_request_output(g.chip, &next, &low, 1, STROBE_GPIOD_BIAS_AS_IS, &g.group)) < 0) {
        g.group_skip = "mask line " + std::to_string(next) + " of " + where + ": " + errno_text(rc);
    } else {
        g.mask = strobe_gpiod_bank_mask(g.group);
        *context += "; mask: line " + std::to_string(next);
    }
}

void cleanup_gpiod(Gpiod &g) {
    if (g.lines) strobe_gpiod_release(g.lines);
    g.lines = nullptr;
    if (g.group) strobe_gpiod_release(g.group);
    g.group = nullptr;
    if (g.chip) strobe_gpiod_chip_close(g.chip);
    g.chip = nullptr;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks
// ---------------------------------------------------------------------------------------------

// items_per_second: iterations per second (toggles, writes, reads, mask set+clear pairs).
// ops: the core's hot-path calls per second (set, clear, read, mask store): 2 per toggle or mask
// iteration, 1 per write or read.
void report(benchmark::State &state, int calls_per_iteration) {
    state.SetItemsProcessed(state.iterations());
    state.counters["ops"] = benchmark::Counter(static_cast<double>(state.iterations()) * calls_per_iteration,
                                               benchmark::Counter::kIsRate);
}

void register_toggle(benchmark::State &state, const Registers *r) {
    const strobe_port port = r->port;
    for (auto _ : state) {
        strobe_port_set(port);
        strobe_port_clear(port);
    }
    report(state, 2);
}

void register_write(benchmark::State &state, const Registers *r) {
    const strobe_port port = r->port;
    bool high = false;
    for (auto _ : state) {
        high = !high;
        if (high) strobe_port_set(port);
        else strobe_port_clear(port);
    }
    report(state, 1);
}

void register_read(benchmark::State &state, const Registers *r) {
    const strobe_port port = r->port;
    for (auto _ : state) {
        bool level = strobe_port_read(port);
        benchmark::DoNotOptimize(level);
    }
    report(state, 1);
}

void register_mask(benchmark::State &state, const Registers *r) {
    if (!r->mask_skip.empty()) {
        state.SkipWithError(r->mask_skip.c_str());
        return;
    }
    const strobe_port port = r->mask_port;
    for (auto _ : state) {
        strobe_port_set(port);   // one store of the whole mask to GPSET0 / RIO0 OUT SET alias
        strobe_port_clear(port); // one store to GPCLR0 / RIO0 OUT CLR alias
    }
    report(state, 2);
    state.counters["pins"] = static_cast<double>(__builtin_popcount(port.mask));
}

bool sysfs_ready(benchmark::State &state, const Sysfs *s) {
    if (s->skip.empty()) return true;
    state.SkipWithError(s->skip.c_str());
    return false;
}

// A hot-path call failed mid-run: stop this benchmark with the reason.
void skip_with(benchmark::State &state, const char *what, int rc) {
    std::string msg = std::string(what) + ": " + errno_text(rc);
    state.SkipWithError(msg.c_str());
}

void sysfs_toggle(benchmark::State &state, const Sysfs *s) {
    if (!sysfs_ready(state, s)) return;
    const int fd = s->fd;
    for (auto _ : state) {
        int rc = strobe_sysfs_write_value(fd, 1);
        if (rc == 0) rc = strobe_sysfs_write_value(fd, 0);
        if (rc < 0) {
            skip_with(state, "strobe_sysfs_write_value", rc);
            break;
        }
    }
    report(state, 2);
}

void sysfs_write(benchmark::State &state, const Sysfs *s) {
    if (!sysfs_ready(state, s)) return;
    const int fd = s->fd;
    int level = 0;
    for (auto _ : state) {
        level ^= 1;
        int rc = strobe_sysfs_write_value(fd, level);
        if (rc < 0) {
            skip_with(state, "strobe_sysfs_write_value", rc);
            break;
        }
    }
    report(state, 1);
}

void sysfs_read(benchmark::State &state, const Sysfs *s) {
    if (!sysfs_ready(state, s)) return;
    const int fd = s->fd;
    for (auto _ : state) {
        int level = strobe_sysfs_read_value(fd);
        if (level < 0) {
            skip_with(state, "strobe_sysfs_read_value", level);
            break;
        }
        benchmark::DoNotOptimize(level);
    }
    report(state, 1);
}

bool gpiod_ready(benchmark::State &state, const Gpiod *g) {
    if (g->skip.empty()) return true;
    state.SkipWithError(g->skip.c_str());
    return false;
}

void gpiod_toggle(benchmark::State &state, const Gpiod *g) {
    if (!gpiod_ready(state, g)) return;
    strobe_gpiod_lines *lines = g->lines;
    for (auto _ : state) {
        int rc = strobe_gpiod_set(lines, 0, 1);
        if (rc == 0) rc = strobe_gpiod_set(lines, 0, 0);
        if (rc < 0) {
            skip_with(state, "strobe_gpiod_set", rc);
            break;
        }
    }
    report(state, 2);
}

void gpiod_write(benchmark::State &state, const Gpiod *g) {
    if (!gpiod_ready(state, g)) return;
    strobe_gpiod_lines *lines = g->lines;
    int level = 0;
    for (auto _ : state) {
        level ^= 1;
        int rc = strobe_gpiod_set(lines, 0, level);
        if (rc < 0) {
            skip_with(state, "strobe_gpiod_set", rc);
            break;
        }
    }
    report(state, 1);
}

void gpiod_read(benchmark::State &state, const Gpiod *g) {
    if (!gpiod_ready(state, g)) return;
    strobe_gpiod_lines *lines = g->lines;
    for (auto _ : state) {
        int level = strobe_gpiod_get(lines, 0);
        if (level < 0) {
            skip_with(state, "strobe_gpiod_get", level);
            break;
        }
        benchmark::DoNotOptimize(level);
    }
    report(state, 1);
}

void gpiod_mask(benchmark::State &state, const Gpiod *g) {
    if (!gpiod_ready(state, g)) return;
    if (!g->group) {
        state.SkipWithError(g->group_skip.c_str());
        return;
    }
    strobe_gpiod_lines *group = g->group;
    for (auto _ : state) {
        int rc = strobe_gpiod_write_bits(group, g->mask, 1);
        if (rc == 0) rc = strobe_gpiod_write_bits(group, g->mask, 0);
        if (rc < 0) {
            skip_with(state, "strobe_gpiod_write_bits", rc);
            break;
        }
    }
    report(state, 2);
}

template <class Backend>
void add(const char *family, const std::string &label, void (*fn)(benchmark::State &, const Backend *), const Backend *b) {
    std::string name = std::string(family) + "/" + label;
    benchmark::RegisterBenchmark(name.c_str(), [fn, b](benchmark::State &state) { fn(state, b); });
}

} // namespace

int main(int argc, char **argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    unsigned long pin_arg = 17;
    if (!env_number("STROBE_BENCH_PIN", 17, &pin_arg)) return 2;
    if (pin_arg > 1023) {
        std::fprintf(stderr, "cbench: STROBE_BENCH_PIN=%lu is not a GPIO\n", pin_arg);
        return 2;
    }
    const unsigned pin = static_cast<unsigned>(pin_arg);

    std::signal(SIGINT, on_fatal_signal);
    std::signal(SIGTERM, on_fatal_signal);
    std::signal(SIGHUP, on_fatal_signal);

    static Registers regs;
    static Sysfs sysfs_gpio, sysfs_file;
    static Gpiod gpiod;
    std::string context;

    if (!setup_registers(regs, pin, &context)) {
        cleanup_registers(regs);
        return 2;
    }
    benchmark::AddCustomContext("registers/" + regs.label, context);
    add("BM_Register_Toggle", regs.label, register_toggle, &regs);
    add("BM_Register_Write", regs.label, register_write, &regs);
    add("BM_Register_Read", regs.label, register_read, &regs);
    add("BM_Register_Mask", regs.label, register_mask, &regs);

    std::vector<const Sysfs *> sysfs_runs;
    if (setup_sysfs_gpio(sysfs_gpio, pin, &context)) sysfs_runs.push_back(&sysfs_gpio);
    benchmark::AddCustomContext("sysfs/gpio", context);
    setup_sysfs_file(sysfs_file, pin, &context);
    benchmark::AddCustomContext("sysfs/file", context);
    sysfs_runs.push_back(&sysfs_file);
    for (const Sysfs *s : sysfs_runs) {
        add("BM_Sysfs_Toggle", s->label, sysfs_toggle, s);
        add("BM_Sysfs_Write", s->label, sysfs_write, s);
        add("BM_Sysfs_Read", s->label, sysfs_read, s);
    }

    setup_gpiod(gpiod, pin, &context);
    benchmark::AddCustomContext("libgpiod/" + gpiod.label, context);
    add("BM_Gpiod_Toggle", gpiod.label, gpiod_toggle, &gpiod);
    add("BM_Gpiod_Write", gpiod.label, gpiod_write, &gpiod);
    add("BM_Gpiod_Read", gpiod.label, gpiod_read, &gpiod);
    add("BM_Gpiod_Mask", gpiod.label, gpiod_mask, &gpiod);

    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();

    cleanup_gpiod(gpiod);
    cleanup_sysfs(sysfs_file);
    cleanup_sysfs(sysfs_gpio);
    cleanup_registers(regs);
    return 0;
}
