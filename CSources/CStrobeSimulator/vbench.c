/*
 * vbench.c — the virtual bench (see strobe_vbench.h for the design).
 *
 * The model below is the hardware, not the driver: it answers register writes the way the
 * datasheets say the silicon does. The register offsets come from strobe_regs.h, the same
 * constants the driver code uses.
 */
#define _GNU_SOURCE
#include "strobe_vbench.h"
#include "strobe_gpio.h"
#include "trap_decode.h"
#include "vbench_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PINS 64
#define MAX_BENCHES 64

struct strobe_vbench {
    strobe_layout layout;
    unsigned npins;
    size_t size;
    volatile uint32_t *window; /* read-only view: drivers' stores fault here */
    uint32_t *rw;              /* writable view of the same pages: the model writes here */
    pthread_mutex_t lock;

    uint64_t latch;       /* output latch per pin (BCM GPSET/GPCLR, RP1 RIO OUT) */
    uint64_t driven;      /* pins driven from outside */
    uint64_t drive_level; /* their levels */
    uint64_t level;       /* modelled pin levels */
    uint8_t pull[MAX_PINS];
    uint64_t eds;         /* BCM event-detect status */

    uint64_t now_ns;
    uint64_t store_cost_ns;
    uint64_t stores;
    uint64_t writes;                                  /* register writes applied, ever */
    strobe_vbench_write write_log[STROBE_VBENCH_WRITE_LOG]; /* the newest, by writes % size */

    uint64_t initial_level; /* levels when recording (re)started: the VCD's $dumpvars */
    uint64_t start_ns;      /* virtual time recording (re)started */
    strobe_vbench_event *events;
    size_t nevents, cap_events;
    uint64_t generation;    /* bumped when the change log is cleared, so readers can resync */
    int notify_fd;          /* eventfd written on every recorded change, for event monitors */

    /* Device models (strobe_vbench_attach_model): called from settle() with the lock held. */
    struct attached_model {
        strobe_vbench_model model;
        int id; /* 0: free slot */
        bool armed;         /* its timer is set (strobe_vbench_model_schedule) */
        uint64_t deadline;  /* for this virtual time */
        uint64_t last_fire; /* when it last fired (UINT64_MAX: never), and how often in a row */
        unsigned same_instant;
    } models[STROBE_VBENCH_MAX_MODELS];
    int current_model;      /* slot whose callback runs now, -1 outside callbacks */
    int next_model_id;
    uint64_t watched;       /* union of the attached models' watch masks */
    unsigned dispatch_depth; /* nesting of settle() inside a model's callback */
    bool resettle;          /* a model drove a pin: settle again after the callbacks */
    uint64_t model_overruns; /* changes not dispatched: a chain of responses too deep */
};

/* ------------------------------------------------------------------------------------------ */
/* Registry of live benches, read by the signal handler without locks.                        */
/* ------------------------------------------------------------------------------------------ */

static _Atomic(strobe_vbench *) registry[MAX_BENCHES];
static struct sigaction previous_segv;
static pthread_once_t install_once = PTHREAD_ONCE_INIT;
static int install_error;

static strobe_vbench *bench_for(uintptr_t addr) {
    for (int i = 0; i < MAX_BENCHES; i++) {
        strobe_vbench *b = atomic_load_explicit(&registry[i], memory_order_acquire);
        if (b && addr >= (uintptr_t)b->window && addr < (uintptr_t)b->window + b->size) return b;
    }
    return NULL;
}

static void write_str(const char *s) {
    ssize_t unused = write(STDERR_FILENO, s, strlen(s));
    (void)unused;
}

/* Not ours: hand the fault to whoever handled SIGSEGV before us (Swift's backtracer, a
 * debugger's runtime), or restore the default so re-running the instruction crashes. */
static void chain(int sig, siginfo_t *si, void *uc) {
    if (previous_segv.sa_flags & SA_SIGINFO) {
        if (previous_segv.sa_sigaction) { previous_segv.sa_sigaction(sig, si, uc); return; }
    } else if (previous_segv.sa_handler != SIG_DFL && previous_segv.sa_handler != SIG_IGN) {
        previous_segv.sa_handler(sig);
        return;
    }
    signal(SIGSEGV, SIG_DFL);
}

static void apply_store(strobe_vbench *b, uint32_t offset, const strobe_store_insn *insn, uint64_t *old_out);

static void on_segv(int sig, siginfo_t *si, void *uc) {
    strobe_vbench *b = bench_for((uintptr_t)si->si_addr);
    if (!b) { chain(sig, si, uc); return; }
    strobe_store_insn insn;
    if (strobe_decode_store(uc, &insn) != 0) {
        write_str("strobe: virtual bench: a store to the simulated register block uses an instruction "
                  "the bench cannot decode; write registers with strobe_w32() or a plain 32-bit store\n");
        chain(sig, si, uc);
        return;
    }
    /* The decoder's effective address is exact; aarch64 may report a fault address anywhere
     * inside a multi-byte or pair store. */
    uintptr_t addr = insn.addr_known ? (uintptr_t)insn.addr : (uintptr_t)si->si_addr;
    if (addr < (uintptr_t)b->window || addr + insn.size > (uintptr_t)b->window + b->size) {
        write_str("strobe: virtual bench: a store runs past the end of the simulated register block\n");
        chain(sig, si, uc);
        return;
    }
    uint64_t old = 0;
    pthread_mutex_lock(&b->lock);
    apply_store(b, (uint32_t)(addr - (uintptr_t)b->window), &insn, &old);
    pthread_mutex_unlock(&b->lock);
    strobe_resume_after(uc, &insn, old);
}

static void install_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &previous_segv) != 0) install_error = -errno;
}

/* ------------------------------------------------------------------------------------------ */
/* The hardware model.                                                                        */
/* ------------------------------------------------------------------------------------------ */

static inline uint32_t rd(const strobe_vbench *b, uint32_t off) { return b->rw[off >> 2]; }
static inline void wr(strobe_vbench *b, uint32_t off, uint32_t v) { b->rw[off >> 2] = v; }

static void rp1_mirror(strobe_vbench *b, uint32_t reg) {
    /* Reads at the alias addresses return the register itself. */
    uint32_t v = rd(b, reg);
    wr(b, reg + STROBE_RP1_ALIAS_XOR, v);
    wr(b, reg + STROBE_RP1_ALIAS_SET, v);
    wr(b, reg + STROBE_RP1_ALIAS_CLR, v);
}

/* The function the registers select, decided as the driver reads it back. */
static int pin_function(const strobe_vbench *b, unsigned pin) {
    if (b->layout == STROBE_LAYOUT_RP1) {
        bool oe = (rd(b, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_OE) >> pin) & 1u;
        return strobe_rp1_function_from_regs(rd(b, strobe_rp1_gpio_ctrl(pin)), oe, rd(b, strobe_rp1_pad(pin)));
    }
    uint32_t v = rd(b, strobe_bcm_fsel_offset(pin));
    return strobe_bcm_function_from_code((v >> strobe_bcm_fsel_shift(pin)) & 7u);
}

static void settle(strobe_vbench *b);
static void dispatch(strobe_vbench *b, uint64_t changed, uint64_t level);
static void set_drive(strobe_vbench *b, unsigned pin, int level);

static void record(strobe_vbench *b, unsigned pin, unsigned level) {
    if (b->nevents == b->cap_events) {
        size_t cap = b->cap_events ? b->cap_events * 2 : 1024;
        strobe_vbench_event *e = realloc(b->events, cap * sizeof *e);
        if (!e) return; /* out of memory: the trace loses changes, the model stays right */
        b->events = e;
        b->cap_events = cap;
    }
    b->events[b->nevents++] = (strobe_vbench_event){.time_ns = b->now_ns, .pin = (uint8_t)pin, .level = (uint8_t)level};
    if (b->notify_fd >= 0) {
        uint64_t one = 1;
        ssize_t unused = write(b->notify_fd, &one, sizeof one); /* async-signal-safe */
        (void)unused;
    }
}

/* Work out every pin's level from functions, latch, drivers and pulls; publish the level
 * registers; latch edges and levels into GPEDS; record changes. */
static void settle(strobe_vbench *b) {
    uint64_t level = 0;
    for (unsigned pin = 0; pin < b->npins; pin++) {
        uint64_t bit = 1ull << pin;
        unsigned l;
        if (pin_function(b, pin) == STROBE_FN_OUTPUT) l = (b->latch & bit) != 0;
        else if (b->driven & bit) l = (b->drive_level & bit) != 0;
        else l = b->pull[pin] == STROBE_PULL_UP; /* a floating input reads low here */
        if (l) level |= bit;
    }
    uint64_t rose = level & ~b->level, fell = ~level & b->level;
    if (b->layout == STROBE_LAYOUT_RP1) {
        wr(b, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_SYNC_IN, (uint32_t)level);
        rp1_mirror(b, STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_SYNC_IN);
    } else {
        for (unsigned bank = 0; bank < 2; bank++) {
            uint32_t lev = (uint32_t)(level >> (32 * bank));
            uint32_t r = (uint32_t)(rose >> (32 * bank)), f = (uint32_t)(fell >> (32 * bank));
            uint32_t ren = rd(b, STROBE_BCM_GPREN0 + 4 * bank) | rd(b, STROBE_BCM_GPAREN0 + 4 * bank);
            uint32_t fen = rd(b, STROBE_BCM_GPFEN0 + 4 * bank) | rd(b, STROBE_BCM_GPAFEN0 + 4 * bank);
            uint32_t hen = rd(b, STROBE_BCM_GPHEN0 + 4 * bank), len = rd(b, STROBE_BCM_GPLEN0 + 4 * bank);
            uint32_t ev = (r & ren) | (f & fen) | (lev & hen) | (~lev & len);
            b->eds |= (uint64_t)ev << (32 * bank);
            wr(b, STROBE_BCM_GPLEV0 + 4 * bank, lev);
            wr(b, STROBE_BCM_GPEDS0 + 4 * bank, (uint32_t)(b->eds >> (32 * bank)));
        }
    }
    uint64_t changed = rose | fell;
    for (unsigned pin = 0; changed; pin++, changed >>= 1)
        if (changed & 1u) record(b, pin, (level >> pin) & 1u);
    b->level = level;
    if ((rose | fell) & b->watched) dispatch(b, (rose | fell) & b->watched, level);
}

/* Tell the attached models about the changes in `changed` (bits of watched pins), lowest pin
 * first, each model in attachment order; then, when a model drove a pin, settle again so the
 * response is on the level registers before the store that caused it returns. Responses that
 * cause changes a model watches are dispatched in turn, at most STROBE_VBENCH_MODEL_DEPTH deep
 * (a model that answers itself for ever is cut off and counted in model_overruns). */
static void dispatch(strobe_vbench *b, uint64_t changed, uint64_t level) {
    if (b->dispatch_depth >= STROBE_VBENCH_MODEL_DEPTH) { b->model_overruns++; return; }
    b->dispatch_depth++;
    for (unsigned pin = 0; changed; pin++, changed >>= 1) {
        if (!(changed & 1u)) continue;
        for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++) {
            struct attached_model *m = &b->models[i];
            if (m->id && (m->model.watch & (1ull << pin))) {
                int outer = b->current_model;
                b->current_model = i;
                m->model.pin_changed(m->model.ctx, b, b->now_ns, pin, (unsigned)((level >> pin) & 1u));
                b->current_model = outer;
            }
        }
    }
    if (b->resettle) {
        b->resettle = false;
        settle(b);
    }
    b->dispatch_depth--;
}

/* Move virtual time forward to `until` (never back), stopping at each armed model timer on the
 * way: the clock is set to the deadline, the timer fires, its drives settle (and are dispatched
 * to the models watching those pins) at that time; then on to the next. With the lock held. */
static void advance_to(strobe_vbench *b, uint64_t until) {
    for (;;) {
        int next = -1;
        for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++) {
            struct attached_model *m = &b->models[i];
            if (m->id && m->armed && m->deadline <= until && (next < 0 || m->deadline < b->models[next].deadline)) next = i;
        }
        if (next < 0) break;
        struct attached_model *m = &b->models[next];
        if (m->deadline > b->now_ns) b->now_ns = m->deadline;
        m->armed = false;
        m->same_instant = m->last_fire == b->now_ns ? m->same_instant + 1 : 0;
        m->last_fire = b->now_ns;
        if (m->same_instant > STROBE_VBENCH_MODEL_DEPTH) { b->model_overruns++; continue; }
        int outer = b->current_model;
        b->current_model = next;
        b->dispatch_depth++;
        m->model.timer(m->model.ctx, b, b->now_ns);
        if (b->resettle) {
            b->resettle = false;
            settle(b);
        }
        b->dispatch_depth--;
        b->current_model = outer;
    }
    if (b->now_ns < until) b->now_ns = until;
}

static void pulls_from_registers(strobe_vbench *b) {
    for (unsigned pin = 0; pin < b->npins; pin++) {
        if (b->layout == STROBE_LAYOUT_RP1) {
            uint32_t pad = rd(b, strobe_rp1_pad(pin));
            bool up = pad & STROBE_RP1_PAD_PUE, down = pad & STROBE_RP1_PAD_PDE;
            b->pull[pin] = up && !down ? STROBE_PULL_UP : down && !up ? STROBE_PULL_DOWN : STROBE_PULL_NONE;
        } else if (b->layout == STROBE_LAYOUT_BCM2711) {
            uint32_t code = (rd(b, strobe_bcm2711_pull_offset(pin)) >> strobe_bcm2711_pull_shift(pin)) & 3u;
            b->pull[pin] = code == STROBE_BCM2711_PULL_UP ? STROBE_PULL_UP
                         : code == STROBE_BCM2711_PULL_DOWN ? STROBE_PULL_DOWN : STROBE_PULL_NONE;
        }
    }
}

/* One 32-bit register write as the silicon takes it. */
static void write_reg(strobe_vbench *b, uint32_t off, uint32_t v) {
    if (off >= b->size) return;
    b->write_log[b->writes++ % STROBE_VBENCH_WRITE_LOG] = (strobe_vbench_write){.time_ns = b->now_ns, .offset = off, .value = v};
    if (b->layout == STROBE_LAYOUT_RP1) {
        uint32_t alias = off & 0x3000u, reg = off & ~0x3000u;
        uint32_t cur = rd(b, reg);
        uint32_t nv = alias == STROBE_RP1_ALIAS_XOR ? cur ^ v
                    : alias == STROBE_RP1_ALIAS_SET ? cur | v
                    : alias == STROBE_RP1_ALIAS_CLR ? cur & ~v : v;
        if (reg == STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_SYNC_IN) return; /* read-only */
        if (reg - STROBE_RP1_IO_BANK0 < 8u * b->npins && (reg & 4u) == 0) /* IO_BANK0 starts at 0 */
            return; /* GPIOn_STATUS is read-only */
        wr(b, reg, nv);
        rp1_mirror(b, reg);
        if (reg == STROBE_RP1_SYS_RIO0 + STROBE_RP1_RIO_OUT) b->latch = nv & ((1ull << b->npins) - 1);
        if (reg >= STROBE_RP1_PADS_BANK0 && reg < STROBE_RP1_PADS_BANK0 + 4u + 4u * b->npins) pulls_from_registers(b);
        settle(b);
        return;
    }
    switch (off) {
    case STROBE_BCM_GPSET0: case STROBE_BCM_GPSET0 + 4:
        b->latch |= (uint64_t)v << (off == STROBE_BCM_GPSET0 ? 0 : 32); /* write 1 to set; reads stay 0 */
        break;
    case STROBE_BCM_GPCLR0: case STROBE_BCM_GPCLR0 + 4:
        b->latch &= ~((uint64_t)v << (off == STROBE_BCM_GPCLR0 ? 0 : 32));
        break;
    case STROBE_BCM_GPLEV0: case STROBE_BCM_GPLEV0 + 4:
        return; /* read-only */
    case STROBE_BCM_GPEDS0: case STROBE_BCM_GPEDS0 + 4:
        b->eds &= ~((uint64_t)v << (off == STROBE_BCM_GPEDS0 ? 0 : 32)); /* write 1 to clear */
        break;
    case STROBE_BCM_GPPUDCLK0: case STROBE_BCM_GPPUDCLK0 + 4:
        wr(b, off, v);
        if (b->layout == STROBE_LAYOUT_BCM2835) {
            /* A clock bit latches the control signal GPPUD presents into that pin. */
            uint32_t code = rd(b, STROBE_BCM_GPPUD) & 3u;
            int pull = code == STROBE_BCM_GPPUD_UP ? STROBE_PULL_UP : code == STROBE_BCM_GPPUD_DOWN ? STROBE_PULL_DOWN : STROBE_PULL_NONE;
            unsigned base = off == STROBE_BCM_GPPUDCLK0 ? 0 : 32;
            for (unsigned i = 0; i < 32 && base + i < b->npins; i++)
                if (v & (1u << i)) b->pull[base + i] = (uint8_t)pull;
        }
        break;
    default:
        wr(b, off, v);
        if (b->layout == STROBE_LAYOUT_BCM2711 && off >= STROBE_BCM_PUP_PDN0 && off < STROBE_BCM_PUP_PDN0 + 16)
            pulls_from_registers(b);
        break;
    }
    settle(b);
}

/* A store of 1, 2, 4 or 8 bytes at any offset becomes one register write per 32-bit word it
 * touches, each carrying the bytes it wrote merged over the word's current contents. */
static uint64_t read_bytes(const strobe_vbench *b, uint32_t offset, unsigned size) {
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint32_t o = offset + i;
        v |= (uint64_t)((rd(b, o & ~3u) >> (8 * (o & 3u))) & 0xFFu) << (8 * i);
    }
    return v;
}

static void write_bytes(strobe_vbench *b, uint32_t offset, unsigned size, uint64_t value) {
    uint32_t first = offset & ~3u, last = (offset + size - 1) & ~3u;
    for (uint32_t w = first; w <= last; w += 4) {
        uint32_t word = rd(b, w);
        for (unsigned i = 0; i < size; i++) {
            uint32_t o = offset + i;
            if ((o & ~3u) != w) continue;
            unsigned shift = 8 * (o & 3u);
            word = (word & ~(0xFFu << shift)) | ((uint32_t)((value >> (8 * i)) & 0xFFu) << shift);
        }
        write_reg(b, w, word);
    }
}

static void apply_store(strobe_vbench *b, uint32_t offset, const strobe_store_insn *insn, uint64_t *old_out) {
    unsigned size = insn->size > 8 ? 8 : insn->size;
    uint64_t old = read_bytes(b, offset, size);
    *old_out = old;
    uint64_t value = strobe_store_apply(insn, old);
    /* A compare-and-swap that failed writes nothing on aarch64; don't let it reach a
     * write-1-to-set/clear register on x86 either. */
    if (insn->op == STROBE_STORE_CMPXCHG && value == old) return;
    b->stores++;
    advance_to(b, strobe_time_add_saturating(b->now_ns, b->store_cost_ns));
    write_bytes(b, offset, size, value);
    /* Wide stores (STP, SSE/AVX moves) carry their upper bytes in operand_hi, 8 at a time. */
    for (unsigned chunk = 1; chunk * 8 < insn->size && chunk < 4; chunk++)
        write_bytes(b, offset + 8 * chunk, 8, insn->operand_hi[chunk - 1]);
}

/* Reset state: every pin an input; BCM default pulls per [BCM2835] 6.2 table 6-31 ("Pull"
 * column: GPIO 0-8 high, 9-27 low, 28-29 none, 30-33 low, 34-36 high, 37-45 low, 46-53 high),
 * used for BCM2711 too; RP1 pads with pull-down, input enabled and output disabled. */
static void reset(strobe_vbench *b) {
    memset(b->rw, 0, b->size);
    for (unsigned pin = 0; pin < b->npins; pin++) {
        int pull = STROBE_PULL_NONE;
        if (b->layout == STROBE_LAYOUT_RP1) pull = STROBE_PULL_DOWN;
        else if (pin <= 8 || (pin >= 34 && pin <= 36) || (pin >= 46 && pin <= 53)) pull = STROBE_PULL_UP;
        else if (pin <= 27 || (pin >= 30 && pin <= 33) || (pin >= 37 && pin <= 45)) pull = STROBE_PULL_DOWN;
        b->pull[pin] = (uint8_t)pull;
        if (b->layout == STROBE_LAYOUT_BCM2711) {
            uint32_t code = pull == STROBE_PULL_UP ? STROBE_BCM2711_PULL_UP : pull == STROBE_PULL_DOWN ? STROBE_BCM2711_PULL_DOWN : 0;
            uint32_t off = strobe_bcm2711_pull_offset(pin);
            wr(b, off, rd(b, off) | (code << strobe_bcm2711_pull_shift(pin)));
        }
        if (b->layout == STROBE_LAYOUT_RP1) {
            wr(b, strobe_rp1_gpio_ctrl(pin), STROBE_RP1_FUNCSEL_NULL);
            rp1_mirror(b, strobe_rp1_gpio_ctrl(pin));
            wr(b, strobe_rp1_pad(pin), STROBE_RP1_PAD_PDE | STROBE_RP1_PAD_IE | STROBE_RP1_PAD_OD | 0x12u /* schmitt, 4 mA */);
            rp1_mirror(b, strobe_rp1_pad(pin));
        }
    }
    b->level = 0;
    settle(b);
    b->nevents = 0;
    b->initial_level = b->level;
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                 */
/* ------------------------------------------------------------------------------------------ */

strobe_vbench *strobe_vbench_new(strobe_layout layout, int *err) {
    int e = 0;
#if !defined(__x86_64__) && !defined(__aarch64__)
    if (err) *err = -ENOTSUP;
    return NULL;
#endif
    unsigned npins = strobe_layout_pin_count(layout);
    if (npins == 0) { if (err) *err = -EINVAL; return NULL; }
    pthread_once(&install_once, install_handler);
    if (install_error) { if (err) *err = install_error; return NULL; }

    strobe_vbench *b = calloc(1, sizeof *b);
    if (!b) { if (err) *err = -ENOMEM; return NULL; }
    b->layout = layout;
    b->npins = npins;
    b->size = strobe_layout_block_size(layout);
    int fd = memfd_create("strobe-vbench", MFD_CLOEXEC);
    if (fd < 0) { e = -errno; free(b); if (err) *err = e; return NULL; }
    if (ftruncate(fd, (off_t)b->size) != 0) { e = -errno; close(fd); free(b); if (err) *err = e; return NULL; }
    void *ro = mmap(NULL, b->size, PROT_READ, MAP_SHARED, fd, 0);
    void *rw = ro == MAP_FAILED ? MAP_FAILED : mmap(NULL, b->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    e = -errno;
    close(fd);
    if (ro == MAP_FAILED || rw == MAP_FAILED) {
        if (ro != MAP_FAILED) munmap(ro, b->size);
        free(b);
        if (err) *err = e;
        return NULL;
    }
    b->window = ro;
    b->rw = rw;
    b->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_mutex_init(&b->lock, NULL);
    b->current_model = -1;
    reset(b);
    int slot = -1;
    for (int i = 0; i < MAX_BENCHES && slot < 0; i++) {
        strobe_vbench *expected = NULL;
        if (atomic_compare_exchange_strong(&registry[i], &expected, b)) slot = i;
    }
    if (slot < 0) {
        munmap((void *)ro, b->size);
        munmap(rw, b->size);
        free(b);
        if (err) *err = -EMFILE;
        return NULL;
    }
    if (err) *err = 0;
    return b;
}

void strobe_vbench_free(strobe_vbench *b) {
    if (!b) return;
    for (int i = 0; i < MAX_BENCHES; i++) {
        strobe_vbench *expected = b;
        atomic_compare_exchange_strong(&registry[i], &expected, NULL);
    }
    for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++)
        if (b->models[i].id && b->models[i].model.release) b->models[i].model.release(b->models[i].model.ctx);
    munmap((void *)b->window, b->size);
    munmap(b->rw, b->size);
    if (b->notify_fd >= 0) close(b->notify_fd);
    pthread_mutex_destroy(&b->lock);
    free(b->events);
    free(b);
}

strobe_layout strobe_vbench_layout(const strobe_vbench *b) { return b->layout; }
volatile uint32_t *strobe_vbench_block(const strobe_vbench *b) { return b->window; }

int strobe_vbench_drive(strobe_vbench *b, unsigned pin, int level) {
    if (pin >= b->npins || level < -1 || level > 1) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    set_drive(b, pin, level);
    settle(b);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

/* The drive of strobe_vbench_drive, without the lock or the settle: the caller holds the lock. */
static void set_drive(strobe_vbench *b, unsigned pin, int level) {
    uint64_t bit = 1ull << pin;
    if (level < 0) b->driven &= ~bit;
    else {
        b->driven |= bit;
        if (level) b->drive_level |= bit;
        else b->drive_level &= ~bit;
    }
}

int strobe_vbench_model_drive(strobe_vbench *b, unsigned pin, int level) {
    if (pin >= b->npins || level < -1 || level > 1) return -EINVAL;
    if (b->dispatch_depth == 0) return -EPERM; /* only from inside a callback (lock held) */
    uint64_t bit = 1ull << pin;
    bool was_driven = (b->driven & bit) != 0, was_high = (b->drive_level & bit) != 0;
    set_drive(b, pin, level);
    if (was_driven != ((b->driven & bit) != 0) || was_high != ((b->drive_level & bit) != 0)) b->resettle = true;
    return 0;
}

int strobe_vbench_model_level(strobe_vbench *b, unsigned pin) {
    if (pin >= b->npins) return -EINVAL;
    if (b->dispatch_depth == 0) return -EPERM;
    return (int)((b->level >> pin) & 1u);
}

int strobe_vbench_model_schedule(strobe_vbench *b, uint64_t time_ns) {
    if (b->dispatch_depth == 0 || b->current_model < 0) return -EPERM;
    struct attached_model *m = &b->models[b->current_model];
    if (!m->model.timer || time_ns < b->now_ns || time_ns > STROBE_TIME_MAX_NS) return -EINVAL;
    m->armed = true;
    m->deadline = time_ns;
    return 0;
}

int strobe_vbench_model_cancel(strobe_vbench *b) {
    if (b->dispatch_depth == 0 || b->current_model < 0) return -EPERM;
    b->models[b->current_model].armed = false;
    return 0;
}

uint64_t strobe_vbench_next_deadline(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t t = UINT64_MAX;
    for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++)
        if (b->models[i].id && b->models[i].armed && b->models[i].deadline < t) t = b->models[i].deadline;
    pthread_mutex_unlock(&b->lock);
    return t;
}

int strobe_vbench_attach_model(strobe_vbench *b, const strobe_vbench_model *model) {
    if (!model || !model->pin_changed) return -EINVAL;
    if (b->npins < 64 && (model->watch & ~((1ull << b->npins) - 1))) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    int rc = -ENOSPC;
    for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++) {
        if (b->models[i].id) continue;
        if (b->next_model_id == INT32_MAX) b->next_model_id = 0;
        b->models[i].model = *model;
        b->models[i].armed = false;
        b->models[i].last_fire = UINT64_MAX;
        b->models[i].same_instant = 0;
        b->models[i].id = rc = ++b->next_model_id;
        b->watched |= model->watch;
        break;
    }
    pthread_mutex_unlock(&b->lock);
    return rc;
}

int strobe_vbench_detach_model(strobe_vbench *b, int id) {
    if (id <= 0) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    int rc = -ENOENT;
    strobe_vbench_model gone = {0};
    uint64_t watched = 0;
    for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++) {
        if (b->models[i].id == id) {
            gone = b->models[i].model;
            b->models[i].id = 0;
            rc = 0;
        } else if (b->models[i].id) {
            watched |= b->models[i].model.watch;
        }
    }
    b->watched = watched;
    pthread_mutex_unlock(&b->lock);
    if (rc == 0 && gone.release) gone.release(gone.ctx);
    return rc;
}

int strobe_vbench_with_lock(strobe_vbench *b, void (*fn)(strobe_vbench *bench, void *ctx), void *ctx) {
    if (!fn) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    fn(b, ctx);
    pthread_mutex_unlock(&b->lock);
    return 0;
}

void *strobe_vbench_model_ctx_locked(strobe_vbench *b, int id,
                                     void (*fn)(void *ctx, strobe_vbench *bench, uint64_t time_ns, unsigned pin, unsigned level)) {
    for (int i = 0; i < STROBE_VBENCH_MAX_MODELS; i++)
        if (id > 0 && b->models[i].id == id && b->models[i].model.pin_changed == fn) return b->models[i].model.ctx;
    return NULL;
}

void strobe_vbench_lock(strobe_vbench *b) { pthread_mutex_lock(&b->lock); }
void strobe_vbench_unlock(strobe_vbench *b) { pthread_mutex_unlock(&b->lock); }

uint64_t strobe_vbench_model_overruns(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t n = b->model_overruns;
    pthread_mutex_unlock(&b->lock);
    return n;
}

int strobe_vbench_level(strobe_vbench *b, unsigned pin) {
    if (pin >= b->npins) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    int l = (int)((b->level >> pin) & 1u);
    pthread_mutex_unlock(&b->lock);
    return l;
}

int strobe_vbench_pull(strobe_vbench *b, unsigned pin) {
    if (pin >= b->npins) return -EINVAL;
    pthread_mutex_lock(&b->lock);
    int p = b->pull[pin];
    pthread_mutex_unlock(&b->lock);
    return p;
}

uint64_t strobe_vbench_now(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t t = b->now_ns;
    pthread_mutex_unlock(&b->lock);
    return t;
}

int strobe_vbench_advance(strobe_vbench *b, uint64_t ns) {
    pthread_mutex_lock(&b->lock);
    uint64_t until;
    int rc = strobe_time_add(b->now_ns, ns, &until);
    if (rc == 0) advance_to(b, until);
    pthread_mutex_unlock(&b->lock);
    return rc;
}

static uint64_t clock_now(void *ctx) { return strobe_vbench_now(ctx); }

static void clock_advance_to(void *ctx, uint64_t t_ns) {
    strobe_vbench *b = ctx;
    pthread_mutex_lock(&b->lock);
    if (t_ns > STROBE_TIME_MAX_NS) t_ns = STROBE_TIME_MAX_NS; /* time never passes its end */
    if (b->now_ns <= t_ns) advance_to(b, t_ns); /* a wait for now fires timers armed for now */
    pthread_mutex_unlock(&b->lock);
}

strobe_clock strobe_vbench_clock(strobe_vbench *b) {
    /* Sleeping and spinning are the same in virtual time: nothing else runs meanwhile. */
    strobe_clock c = {clock_now, clock_advance_to, clock_advance_to, b, true};
    return c;
}

void strobe_vbench_set_store_cost(strobe_vbench *b, uint64_t ns) {
    pthread_mutex_lock(&b->lock);
    b->store_cost_ns = ns > STROBE_VBENCH_MAX_STORE_COST_NS ? STROBE_VBENCH_MAX_STORE_COST_NS : ns;
    pthread_mutex_unlock(&b->lock);
}

uint64_t strobe_vbench_store_count(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t n = b->stores;
    pthread_mutex_unlock(&b->lock);
    return n;
}

size_t strobe_vbench_event_count(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    size_t n = b->nevents;
    pthread_mutex_unlock(&b->lock);
    return n;
}

int strobe_vbench_event_at(strobe_vbench *b, size_t index, strobe_vbench_event *event) {
    pthread_mutex_lock(&b->lock);
    int rc = index < b->nevents ? 0 : -ERANGE;
    if (rc == 0) *event = b->events[index];
    pthread_mutex_unlock(&b->lock);
    return rc;
}

uint64_t strobe_vbench_write_count(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t n = b->writes;
    pthread_mutex_unlock(&b->lock);
    return n;
}

size_t strobe_vbench_writes_since(strobe_vbench *b, uint64_t *cursor, strobe_vbench_write *out, size_t cap) {
    pthread_mutex_lock(&b->lock);
    uint64_t oldest = b->writes > STROBE_VBENCH_WRITE_LOG ? b->writes - STROBE_VBENCH_WRITE_LOG : 0;
    if (*cursor < oldest) *cursor = oldest;
    size_t n = 0;
    while (*cursor < b->writes && n < cap) out[n++] = b->write_log[(*cursor)++ % STROBE_VBENCH_WRITE_LOG];
    pthread_mutex_unlock(&b->lock);
    return n;
}

int strobe_vbench_notify_fd(strobe_vbench *b) { return b->notify_fd; }

uint64_t strobe_vbench_generation(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    uint64_t g = b->generation;
    pthread_mutex_unlock(&b->lock);
    return g;
}

size_t strobe_vbench_events_since(strobe_vbench *b, uint64_t *generation, size_t *cursor, unsigned pin,
                                  strobe_vbench_event *out, size_t cap) {
    pthread_mutex_lock(&b->lock);
    if (*generation != b->generation || *cursor > b->nevents) {
        *generation = b->generation;
        *cursor = 0;
    }
    size_t n = 0;
    while (*cursor < b->nevents && n < cap) {
        const strobe_vbench_event *e = &b->events[(*cursor)++];
        if (e->pin == pin) out[n++] = *e;
    }
    pthread_mutex_unlock(&b->lock);
    return n;
}

void strobe_vbench_clear_events(strobe_vbench *b) {
    pthread_mutex_lock(&b->lock);
    b->generation++;
    b->nevents = 0;
    b->initial_level = b->level;
    b->start_ns = b->now_ns;
    pthread_mutex_unlock(&b->lock);
}

/* VCD identifier for wire n: printable characters from '!' ([IEEE 1364-2005] 18.2.1). */
static void vcd_id(unsigned n, char out[3]) {
    out[0] = (char)('!' + n % 94);
    out[1] = n >= 94 ? (char)('!' + n / 94) : 0;
    out[2] = 0;
}

int strobe_vbench_write_vcd(strobe_vbench *b, const char *path, uint64_t pins) {
    FILE *f = fopen(path, "w");
    if (!f) return -errno;
    pthread_mutex_lock(&b->lock);
    if (pins == 0)
        for (size_t i = 0; i < b->nevents; i++) pins |= 1ull << b->events[i].pin;
    if (b->npins < 64) pins &= (1ull << b->npins) - 1;
    unsigned index[MAX_PINS];
    unsigned nwires = 0;
    fprintf(f, "$version Strobe virtual bench (%s) $end\n$timescale 1ns $end\n$scope module strobe $end\n",
            b->layout == STROBE_LAYOUT_RP1 ? "rp1" : b->layout == STROBE_LAYOUT_BCM2711 ? "bcm2711" : "bcm2835");
    char id[3];
    for (unsigned pin = 0; pin < b->npins; pin++) {
        if (!(pins & (1ull << pin))) continue;
        index[pin] = nwires;
        vcd_id(nwires++, id);
        fprintf(f, "$var wire 1 %s GPIO%u $end\n", id, pin);
    }
    fprintf(f, "$upscope $end\n$enddefinitions $end\n#%llu\n$dumpvars\n", (unsigned long long)b->start_ns);
    for (unsigned pin = 0; pin < b->npins; pin++) {
        if (!(pins & (1ull << pin))) continue;
        vcd_id(index[pin], id);
        fprintf(f, "%u%s\n", (unsigned)((b->initial_level >> pin) & 1u), id);
    }
    fprintf(f, "$end\n");
    uint64_t last = b->start_ns;
    for (size_t i = 0; i < b->nevents; i++) {
        const strobe_vbench_event *e = &b->events[i];
        if (!(pins & (1ull << e->pin))) continue;
        if (e->time_ns != last) {
            fprintf(f, "#%llu\n", (unsigned long long)e->time_ns);
            last = e->time_ns;
        }
        vcd_id(index[e->pin], id);
        fprintf(f, "%u%s\n", e->level, id);
    }
    /* A final timestamp so viewers show the last level for a while. */
    if (b->now_ns > last) fprintf(f, "#%llu\n", (unsigned long long)b->now_ns);
    pthread_mutex_unlock(&b->lock);
    int rc = ferror(f) ? -EIO : 0;
    if (fclose(f) != 0 && rc == 0) rc = -errno;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* State files: the model and the register block, so successive CLI runs share one bench.    */
/* ------------------------------------------------------------------------------------------ */

#define STATE_MAGIC "STROBEVB"
#define STATE_VERSION 1u

struct state_header {
    char magic[8];
    uint32_t version;
    uint32_t layout;
    uint32_t size;
    uint32_t npins;
    uint64_t latch, driven, drive_level, level, eds, now_ns, store_cost_ns;
    uint8_t pull[MAX_PINS];
};

/* Write all of `len` bytes, retrying short writes and EINTR. */
static int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read exactly `len` bytes; -EINVAL when the file ends first (a torn or foreign file). */
static int read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -errno;
        if (n == 0) return -EINVAL;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Open `path` with `flags` (and O_NOFOLLOW): -ELOOP for a link, -EINVAL for anything but a
 * regular file. */
static int open_regular(const char *path, int flags, mode_t mode) {
    int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, mode);
    if (fd < 0) return -errno;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return -EINVAL;
    }
    return fd;
}

static int open_state(const char *path) { return open_regular(path, O_RDONLY, 0); }

int strobe_vbench_check_state_file(const char *path) {
    int fd = open_state(path);
    if (fd == -ENOENT) return 0;
    if (fd < 0) return fd;
    struct state_header h;
    int rc = read_all(fd, &h, sizeof h);
    close(fd);
    if (rc < 0) return rc;
    return memcmp(h.magic, STATE_MAGIC, 8) == 0 ? 0 : -EINVAL;
}

/* The temporary files a save killed before its rename left behind: "NAME.XXXXXX" (mkstemp's
 * six letters or digits) beside `path`, regular files of ours. Called with the lock held, when
 * no save of a process that takes the lock can be in flight. Links and others' files stay. */
static void remove_strays(const char *path) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int n = slash ? snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) : snprintf(dir, sizeof dir, ".");
    if (n < 0 || (size_t)n >= sizeof dir) return;
    if (dir[0] == '\0') snprintf(dir, sizeof dir, "/");
    DIR *d = opendir(dir);
    if (!d) return;
    size_t blen = strlen(base);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strlen(name) != blen + 7 || strncmp(name, base, blen) != 0 || name[blen] != '.') continue;
        int ok = 1;
        for (int i = 1; i <= 6; i++) {
            char c = name[blen + i];
            ok &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        }
        struct stat st;
        if (!ok || fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
        if (S_ISREG(st.st_mode) && st.st_uid == geteuid()) unlinkat(dirfd(d), name, 0);
    }
    closedir(d);
}

int strobe_vbench_lock_state(const char *path) {
    char lock[4096];
    int n = snprintf(lock, sizeof lock, "%s.lock", path);
    if (n < 0 || (size_t)n >= sizeof lock) return -ENAMETOOLONG;
    int fd = open_regular(lock, O_RDWR | O_CREAT, 0600);
    if (fd < 0) return fd;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR) continue;
        int e = errno;
        close(fd);
        return -e;
    }
    remove_strays(path);
    return fd;
}

void strobe_vbench_unlock_state(int fd) {
    if (fd >= 0) close(fd); /* closing the descriptor drops the flock */
}

int strobe_vbench_save(strobe_vbench *b, const char *path) {
    /* Replace only a state file's regular file or nothing: never a link or a device. */
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (S_ISLNK(st.st_mode)) return -ELOOP;
        if (!S_ISREG(st.st_mode)) return -EINVAL;
    } else if (errno != ENOENT) {
        return -errno;
    }
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path);
    if (n < 0 || (size_t)n >= sizeof tmp) return -ENAMETOOLONG;
    int fd = mkstemp(tmp); /* O_CREAT | O_EXCL, mode 0600: a name nobody could have planted */
    if (fd < 0) return -errno;
    struct state_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, STATE_MAGIC, 8);
    h.version = STATE_VERSION;
    pthread_mutex_lock(&b->lock);
    h.layout = (uint32_t)b->layout;
    h.size = (uint32_t)b->size;
    h.npins = b->npins;
    h.latch = b->latch; h.driven = b->driven; h.drive_level = b->drive_level; h.level = b->level;
    h.eds = b->eds; h.now_ns = b->now_ns; h.store_cost_ns = b->store_cost_ns;
    memcpy(h.pull, b->pull, sizeof h.pull);
    int rc = write_all(fd, &h, sizeof h);
    if (rc == 0) rc = write_all(fd, b->rw, b->size);
    pthread_mutex_unlock(&b->lock);
    if (rc == 0 && fsync(fd) != 0) rc = -errno;
    if (close(fd) != 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
    if (rc != 0) unlink(tmp);
    return rc;
}

/* What a bench can be in: every pull none, down or up, and no pin the layout lacks driven,
 * pulled or at a level (latch and event bits past the last pin are register bits the model
 * keeps). A file that says otherwise is damaged or forged, like a torn one. */
static bool state_plausible(const struct state_header *h, unsigned npins) {
    uint64_t beyond = npins < 64 ? ~((1ull << npins) - 1) : 0;
    if ((h->driven | h->drive_level | h->level) & beyond) return false;
    for (unsigned pin = 0; pin < MAX_PINS; pin++) {
        unsigned p = h->pull[pin];
        if (pin >= npins ? p != 0 : p != STROBE_PULL_NONE && p != STROBE_PULL_DOWN && p != STROBE_PULL_UP) return false;
    }
    return true;
}

int strobe_vbench_load(strobe_vbench *b, const char *path) {
    int fd = open_state(path);
    if (fd < 0) return fd;
    struct state_header h;
    int rc = read_all(fd, &h, sizeof h);
    if (rc == 0 && (memcmp(h.magic, STATE_MAGIC, 8) != 0 || h.version != STATE_VERSION))
        rc = -EINVAL;
    else if (rc == 0 && (h.layout != (uint32_t)b->layout || h.size != b->size || h.npins != b->npins))
        rc = -EXDEV; /* a state file of another layout */
    else if (rc == 0 && (h.now_ns > STROBE_TIME_MAX_NS || h.store_cost_ns > STROBE_VBENCH_MAX_STORE_COST_NS))
        rc = -EINVAL; /* a time no bench reaches: damaged, or not written by us */
    else if (rc == 0 && !state_plausible(&h, b->npins))
        rc = -EINVAL;
    uint32_t *block = NULL;
    if (rc == 0) {
        block = malloc(b->size);
        rc = block ? read_all(fd, block, b->size) : -ENOMEM;
    }
    close(fd);
    if (rc == 0) {
        pthread_mutex_lock(&b->lock);
        memcpy(b->rw, block, b->size);
        b->latch = h.latch; b->driven = h.driven; b->drive_level = h.drive_level; b->level = h.level;
        b->eds = h.eds; b->now_ns = h.now_ns; b->store_cost_ns = h.store_cost_ns;
        memcpy(b->pull, h.pull, sizeof b->pull);
        b->nevents = 0;
        b->generation++;
        b->initial_level = b->level;
        b->start_ns = b->now_ns;
        pthread_mutex_unlock(&b->lock);
    }
    free(block);
    return rc;
}
