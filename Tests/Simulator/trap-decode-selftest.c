/*
 * trap-decode-selftest.c — standalone test of CSources/CStrobe/trap_decode.c.
 *
 * Built and run by scripts/trap-decode-selftest (x86_64 natively; aarch64 under qemu-user).
 *
 * A page of a memfd is mapped twice: a read-only *window* that the stores below target, and a
 * writable *alias*. The SIGSEGV handler does what the virtual bench's handler does: decode the
 * faulting store, apply it through the alias, resume after it.
 *
 * Three kinds of checks:
 *  1. decoder unit tests on instruction bytes in a fake ucontext (lengths, sizes, error codes);
 *  2. hand-written inline-asm stores (mnemonics, so the assembler picks the encodings) and
 *     stores the compiler emits for C code, checked against hand-computed results;
 *  3. generated instructions (exact bytes, JIT-ed into an executable buffer) run twice with the
 *     same registers and flags: once with the window made writable — the CPU is the oracle —
 *     and once trapped and emulated. Memory, every general register and the flags the
 *     instruction defines must come out the same.
 *
 * The last line printed is "N passed, M failed"; the exit status is 1 when M > 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "trap_decode.h"

#define PAGE 4096

static uint8_t *window; /* read-only view: the stores' target */
static uint8_t *alias;  /* writable view of the same page */
static uint8_t *code;   /* executable buffer for generated instructions */

static int passed, failed;
static volatile int g_faults;
static volatile int g_armed;   /* a sigsetjmp is waiting in run_guarded */
static volatile int g_native;  /* running with the window writable: no fault expected */
static sigjmp_buf g_jmp;
static char g_err[512];

static uint64_t W(unsigned off) { return (uint64_t)(uintptr_t)window + off; }

static void report_fail(const char *fmt, ...)
{
    va_list ap;
    failed++;
    if (failed > 60)
        return;
    printf("FAIL: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    if (failed == 60)
        printf("(further failures not shown)\n");
}

/* ---------------------------------------------------------------- the trap handler */

static uint64_t uc_pc(const ucontext_t *uc)
{
#if defined(__x86_64__)
    return (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

static void handler_error(const ucontext_t *uc, const char *what)
{
    const uint8_t *pc = (const uint8_t *)(uintptr_t)uc_pc(uc);
    int n = snprintf(g_err, sizeof g_err, "%s; insn bytes at pc %p:", what, (const void *)pc);
    for (int i = 0; i < 8 && n > 0 && (size_t)n < sizeof g_err - 4; i++)
        n += snprintf(g_err + n, sizeof g_err - (size_t)n, " %02x", pc[i]);
    if (g_armed)
        siglongjmp(g_jmp, 1);
    /* Not inside a guarded run: can't resume, so report and stop. */
    printf("FAIL: %s\n%d passed, %d failed\n", g_err, passed, failed + 1);
    fflush(stdout);
    _exit(1);
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    uint8_t *a = si->si_addr;
    strobe_store_insn in;
    uint64_t old = 0, nv;
    size_t off;
    char msg[160];
    int r;
    (void)sig;

    if (g_native || a < window || a >= window + PAGE) {
        snprintf(msg, sizeof msg, "unexpected SIGSEGV at %p (native run %d)", (void *)a, g_native);
        handler_error(uc, msg);
    }
    r = strobe_decode_store(uc, &in);
    if (r != 0) {
        snprintf(msg, sizeof msg, "strobe_decode_store returned %d (%s)", r, strerror(-r));
        handler_error(uc, msg);
    }
    if (in.addr_known && in.addr != (uint64_t)(uintptr_t)a) {
        snprintf(msg, sizeof msg, "decoded address %#llx != si_addr %p",
                 (unsigned long long)in.addr, (void *)a);
        handler_error(uc, msg);
    }
    off = (size_t)(a - window);
    if (off + in.size > PAGE || in.size == 0) {
        snprintf(msg, sizeof msg, "store of %u bytes at window+%zu", in.size, off);
        handler_error(uc, msg);
    }
    if (in.size > 8) { /* wide stores: plain data, operand then operand_hi[] */
        memcpy(alias + off, &in.operand, 8);
        memcpy(alias + off + 8, in.operand_hi, in.size - 8);
    } else {
        memcpy(&old, alias + off, in.size); /* little-endian on both CPUs */
        nv = strobe_store_apply(&in, old);
        memcpy(alias + off, &nv, in.size);
    }
    g_faults++;
    /* bits of old_value above the size must be ignored: pass garbage there */
    if (in.size < 8)
        old |= 0xa5a5a5a5a5a5a5a5ULL << (in.size * 8);
    strobe_resume_after(uc, &in, old);
}

/* Run fn(a, b); -1 with g_err set when the handler bailed out. */
static int __attribute__((noinline)) run_guarded(void (*fn)(void *, void *), void *a, void *b)
{
    if (sigsetjmp(g_jmp, 1)) {
        g_armed = 0;
        return -1;
    }
    g_armed = 1;
    fn(a, b);
    g_armed = 0;
    return 0;
}

/* ---------------------------------------------------------------- hand-written cases */

static uint8_t g_snap[PAGE];

/* Fill the page with a pattern, put `init` at [off, off+size), snapshot. */
static void t_init(unsigned off, unsigned size, uint64_t init)
{
    for (unsigned i = 0; i < PAGE; i++)
        alias[i] = (uint8_t)(i * 7 + 3);
    memcpy(alias + off, &init, size);
    memcpy(g_snap, alias, PAGE);
    g_faults = 0;
}

/* The page must equal the snapshot with `want` at [off, off+size) (size ≤ 16; want2 = bytes
 * 8..15), after exactly `faults` faults. */
static void t_check2(const char *name, unsigned off, unsigned size, uint64_t want, uint64_t want2,
                     int faults)
{
    static uint8_t exp[PAGE];
    memcpy(exp, g_snap, PAGE);
    memcpy(exp + off, &want, size > 8 ? 8 : size);
    if (size > 8)
        memcpy(exp + off + 8, &want2, size - 8);
    if (memcmp(exp, alias, PAGE) != 0 || g_faults != faults) {
        uint64_t got = 0;
        memcpy(&got, alias + off, size > 8 ? 8 : size);
        report_fail("%s: memory %#llx, want %#llx; %d faults, want %d%s", name,
                    (unsigned long long)got, (unsigned long long)want, g_faults, faults,
                    memcmp(exp, alias, PAGE) && got == want ? " (bytes outside changed)" : "");
    } else {
        passed++;
    }
}

static void t_check(const char *name, unsigned off, unsigned size, uint64_t want, int faults)
{
    t_check2(name, off, size, want, 0, faults);
}

static void t_reg(const char *name, uint64_t got, uint64_t want)
{
    if (got != want)
        report_fail("%s: register %#llx, want %#llx", name, (unsigned long long)got,
                    (unsigned long long)want);
    else
        passed++;
}

/* Stores as the compiler emits them for C. */
static void __attribute__((noinline)) c_store32(volatile uint32_t *p, uint32_t v) { *p = v; }
static void __attribute__((noinline)) c_or32(volatile uint32_t *p, uint32_t v) { *p |= v; }
static void __attribute__((noinline)) c_andnot32(volatile uint32_t *p, uint32_t v) { *p &= ~v; }
static void __attribute__((noinline)) c_add32(volatile uint32_t *p, uint32_t v) { *p += v; }
static void __attribute__((noinline)) c_store8(volatile uint8_t *p, uint8_t v) { *p = v; }
static void __attribute__((noinline)) c_store16(volatile uint16_t *p, uint16_t v) { *p = v; }
static void __attribute__((noinline)) c_store64(volatile uint64_t *p, uint64_t v) { *p = v; }
static void __attribute__((noinline)) c_index32(volatile uint32_t *p, int i, uint32_t v) { p[i] = v; }
static void __attribute__((noinline)) c_fill32(volatile uint32_t *p, int n, uint32_t v)
{
    for (int i = 0; i < n; i++)
        p[i] = v;
}
static void __attribute__((noinline)) c_zero_struct(void *p)
{
    struct regs { uint64_t a, b, c, d; } z = {0, 0, 0, 0};
    *(struct regs *)p = z; /* not volatile: the compiler picks (often paired/vector) stores */
}
static uint32_t __attribute__((noinline)) c_atomic_or(uint32_t *p, uint32_t v)
{
    return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST);
}
static void __attribute__((noinline)) c_atomic_or_void(uint32_t *p, uint32_t v)
{
    (void)__atomic_fetch_or(p, v, __ATOMIC_RELAXED);
}
static uint32_t __attribute__((noinline)) c_atomic_add(uint32_t *p, uint32_t v)
{
    return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST);
}
static uint32_t __attribute__((noinline)) c_atomic_xchg(uint32_t *p, uint32_t v)
{
    return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
}
static int __attribute__((noinline)) c_atomic_cas(uint32_t *p, uint32_t *expected, uint32_t v)
{
    return __atomic_compare_exchange_n(p, expected, v, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}
static void __attribute__((noinline)) c_atomic_store(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static void c_cases(void)
{
    uint32_t *w32 = (uint32_t *)window;
    uint32_t e;

    t_init(0x100, 4, 0x11111111);
    c_store32((volatile uint32_t *)(window + 0x100), 0xcafef00d);
    t_check("C *(volatile uint32_t *)p = v", 0x100, 4, 0xcafef00d, 1);

    t_init(0x104, 4, 0x0000f0f0);
    c_or32((volatile uint32_t *)(window + 0x104), 0x00ff0001);
    t_check("C *(volatile uint32_t *)p |= v", 0x104, 4, 0x00fff0f1, 1);

    t_init(0x108, 4, 0xffffffff);
    c_andnot32((volatile uint32_t *)(window + 0x108), 0x80000010);
    t_check("C *(volatile uint32_t *)p &= ~v", 0x108, 4, 0x7fffffef, 1);

    t_init(0x10c, 4, 0xfffffffe);
    c_add32((volatile uint32_t *)(window + 0x10c), 3);
    t_check("C *(volatile uint32_t *)p += v", 0x10c, 4, 0x00000001, 1);

    t_init(0x111, 1, 0x00);
    c_store8((volatile uint8_t *)(window + 0x111), 0xa5);
    t_check("C *(volatile uint8_t *)p = v", 0x111, 1, 0xa5, 1);

    t_init(0x112, 2, 0x0000);
    c_store16((volatile uint16_t *)(window + 0x112), 0xbeef);
    t_check("C *(volatile uint16_t *)p = v", 0x112, 2, 0xbeef, 1);

    t_init(0x118, 8, 0);
    c_store64((volatile uint64_t *)(window + 0x118), 0x0123456789abcdefULL);
    t_check("C *(volatile uint64_t *)p = v", 0x118, 8, 0x0123456789abcdefULL, 1);

    t_init(0x128, 4, 0);
    c_index32((volatile uint32_t *)(window + 0x120), 2, 0x5a5a5a5a);
    t_check("C p[i] = v", 0x128, 4, 0x5a5a5a5a, 1);

    t_init(0x140, 4, 0);
    c_fill32((volatile uint32_t *)(window + 0x140), 4, 0x77777777);
    {
        /* four 4-byte stores of the same value = 16 bytes */
        t_check2("C loop p[i] = v (4 stores)", 0x140, 16, 0x7777777777777777ULL,
                 0x7777777777777777ULL, 4);
    }

    t_init(0x180, 8, ~0ULL);
    memset(alias + 0x180, 0xff, 32);
    memcpy(g_snap, alias, PAGE);
    c_zero_struct(window + 0x180);
    if (g_faults < 1 || g_faults > 4)
        report_fail("C struct zeroing: %d faults", g_faults);
    else
        passed++;
    {
        static const uint8_t zero[32];
        if (memcmp(alias + 0x180, zero, 32) != 0)
            report_fail("C struct zeroing: memory not zero");
        else
            passed++;
    }

    t_init(0x1a0, 4, 0x00000f00);
    e = c_atomic_or(&w32[0x1a0 / 4], 0x1);
    t_check("C __atomic_fetch_or (result used)", 0x1a0, 4, 0x00000f01, g_faults ? g_faults : 1);
    t_reg("C __atomic_fetch_or returns old", e, 0x00000f00);

    t_init(0x1a4, 4, 0x00000f00);
    c_atomic_or_void(&w32[0x1a4 / 4], 0x10);
    t_check("C __atomic_fetch_or (result unused)", 0x1a4, 4, 0x00000f10, 1);

    t_init(0x1a8, 4, 100);
    e = c_atomic_add(&w32[0x1a8 / 4], 23);
    t_check("C __atomic_fetch_add", 0x1a8, 4, 123, 1);
    t_reg("C __atomic_fetch_add returns old", e, 100);

    t_init(0x1ac, 4, 0xaaaa);
    e = c_atomic_xchg(&w32[0x1ac / 4], 0x5555);
    t_check("C __atomic_exchange_n", 0x1ac, 4, 0x5555, 1);
    t_reg("C __atomic_exchange_n returns old", e, 0xaaaa);

    t_init(0x1b0, 4, 7);
    e = 7;
    t_reg("C __atomic_compare_exchange_n succeeds", (uint64_t)c_atomic_cas(&w32[0x1b0 / 4], &e, 9), 1);
    t_check("C __atomic_compare_exchange_n (equal) stores", 0x1b0, 4, 9, 1);

    t_init(0x1b4, 4, 7);
    e = 8;
    t_reg("C __atomic_compare_exchange_n fails", (uint64_t)c_atomic_cas(&w32[0x1b4 / 4], &e, 9), 0);
    t_reg("C __atomic_compare_exchange_n fail returns current", e, 7);
    {
        uint32_t now;
        memcpy(&now, alias + 0x1b4, 4);
        t_reg("C __atomic_compare_exchange_n (unequal) leaves memory", now, 7);
    }

    t_init(0x1b8, 4, 0);
    c_atomic_store(&w32[0x1b8 / 4], 0x31415926);
    t_check("C __atomic_store_n release", 0x1b8, 4, 0x31415926, 1);
}

/* ---------------------------------------------------------------- random numbers */

static uint64_t g_rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd64(void)
{
    /* xorshift64* — deterministic, so a failure reproduces */
    g_rng ^= g_rng >> 12;
    g_rng ^= g_rng << 25;
    g_rng ^= g_rng >> 27;
    return g_rng * 0x2545f4914f6cdd1dULL;
}

static unsigned rnd(unsigned n) { return (unsigned)(rnd64() % n); }

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : ((1ULL << (size * 8)) - 1);
}

static void fill_page_random(void)
{
    for (unsigned i = 0; i < PAGE; i += 8) {
        uint64_t v = rnd64();
        memcpy(alias + i, &v, 8);
    }
}

static void set_window_writable(int rw)
{
    if (mprotect(window, PAGE, rw ? PROT_READ | PROT_WRITE : PROT_READ) != 0) {
        perror("mprotect");
        exit(2);
    }
}

/* ================================================================ x86_64 */
#if defined(__x86_64__)

/* ---- decoder unit tests on raw bytes */

typedef struct dcase {
    const char *name;
    uint8_t bytes[16];
    int ret;
    unsigned length, size;
    int op;
    uint64_t operand; /* checked when ret == 0 */
} dcase;

static void decode_unit_tests(void)
{
    /* Registers for these: rax=0x1111111111111111*k pattern, see below. */
    static const dcase cases[] = {
        {"mov [rip+d32],eax", {0x89, 0x05, 1, 0, 0, 0}, 0, 6, 4, STROBE_STORE_MOV, 0x11111111},
        {"mov dword [rip+d32],imm32", {0xC7, 0x05, 1, 0, 0, 0, 0x78, 0x56, 0x34, 0x12}, 0, 10, 4,
         STROBE_STORE_MOV, 0x12345678},
        {"mov word [rip+d32],imm16", {0x66, 0xC7, 0x05, 1, 0, 0, 0, 0xef, 0xbe}, 0, 9, 2,
         STROBE_STORE_MOV, 0xbeef},
        {"mov qword [rip+d32],-1", {0x48, 0xC7, 0x05, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}, 0, 11, 8,
         STROBE_STORE_MOV, ~0ULL},
        {"or dword [rip+d32],imm8", {0x83, 0x0D, 1, 0, 0, 0, 0x80}, 0, 7, 4, STROBE_STORE_OR,
         0xffffff80},
        {"lock and word [rip+d32],imm16", {0xF0, 0x66, 0x81, 0x25, 1, 0, 0, 0, 0x34, 0x12}, 0, 10, 2,
         STROBE_STORE_AND, 0x1234},
        {"bts qword [rip+d32],70", {0x48, 0x0F, 0xBA, 0x2D, 1, 0, 0, 0, 70}, 0, 9, 8,
         STROBE_STORE_OR, 1ULL << 6},
        {"mov fs:[rax],ecx", {0x64, 0x89, 0x08}, 0, 3, 4, STROBE_STORE_MOV, 0x33333333},
        {"rex ignored before 66", {0x48, 0x66, 0x89, 0x08}, 0, 4, 2, STROBE_STORE_MOV, 0x3333},
        {"mov moffs64,eax", {0xA3, 8, 7, 6, 5, 4, 3, 2, 1}, 0, 9, 4, STROBE_STORE_MOV, 0x11111111},
        {"mov moffs32,al (67)", {0x67, 0xA2, 4, 3, 2, 1}, 0, 6, 1, STROBE_STORE_MOV, 0x11},
        {"mov eax,ecx (mod 3)", {0x89, 0xC8}, -EINVAL, 0, 0, 0, 0},
        {"mov r/m imm /1", {0xC7, 0x08, 0, 0, 0, 0}, -EINVAL, 0, 0, 0, 0},
        {"cmp [rax],ecx", {0x39, 0x08}, -EINVAL, 0, 0, 0, 0},
        {"adc [rax],ecx", {0x11, 0x08}, -ENOTSUP, 0, 0, 0, 0},
        {"movd [rax],xmm1", {0x66, 0x0F, 0x7E, 0x08}, 0, 4, 4, STROBE_STORE_MOV, 0x13121110},
        {"movq [rax],xmm1 (REX.W 7E)", {0x66, 0x48, 0x0F, 0x7E, 0x08}, 0, 5, 8, STROBE_STORE_MOV,
         0x1716151413121110ULL},
        {"movhps [rax],xmm1", {0x0F, 0x17, 0x08}, 0, 3, 8, STROBE_STORE_MOV, 0x1f1e1d1c1b1a1918ULL},
        {"vmovdqu [r8],xmm9 (C4)", {0xC4, 0x41, 0x7A, 0x7F, 0x08}, 0, 5, 16, STROBE_STORE_MOV,
         0x9796959493929190ULL},
        {"movq [rax],mm1 (MMX)", {0x0F, 0x7F, 0x08}, -ENOTSUP, 0, 0, 0, 0},
        {"movq [rax],xmm1 (F3 7E is a load)", {0xF3, 0x0F, 0x7E, 0x08}, -ENOTSUP, 0, 0, 0, 0},
        {"vmovdqu [rax],ymm0", {0xC5, 0xFE, 0x7F, 0x00}, -ENOTSUP, 0, 0, 0, 0},
        {"push [rax]", {0xFF, 0x30}, -ENOTSUP, 0, 0, 0, 0},
        {"16 prefixes", {0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                         0x66, 0x66, 0x66, 0x89}, -EINVAL, 0, 0, 0, 0},
    };
    static ucontext_t uc;
    static struct _libc_fpstate fp;
    static const int gr[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                               REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
    static uint8_t buf[32];
    for (int i = 0; i < 16; i++) {
        uc.uc_mcontext.gregs[gr[i]] = (greg_t)(0x1111111111111111ULL * (uint64_t)(i * 2 + 1));
        for (int j = 0; j < 4; j++) /* xmm i = bytes i*16 .. i*16+15 */
            fp._xmm[i].element[j] = 0x03020100u * 1 + 0x04040404u * (uint32_t)j +
                                    0x10101010u * (uint32_t)i;
    }
    uc.uc_mcontext.fpregs = &fp;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const dcase *c = &cases[k];
        strobe_store_insn in;
        int r;
        memset(buf, 0x90, sizeof buf);
        memcpy(buf, c->bytes, sizeof c->bytes);
        uc.uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)buf;
        r = strobe_decode_store(&uc, &in);
        if (r != c->ret)
            report_fail("decode %s: returned %d, want %d", c->name, r, c->ret);
        else if (r == 0 && (in.length != c->length || in.size != c->size || in.op != c->op ||
                            in.operand != c->operand))
            report_fail("decode %s: length %u size %u op %d operand %#llx, want %u %u %d %#llx",
                        c->name, in.length, in.size, in.op, (unsigned long long)in.operand,
                        c->length, c->size, c->op, (unsigned long long)c->operand);
        else
            passed++;
        /* RIP-relative: address = next RIP + 1 */
        if (r == 0 && strstr(c->name, "rip") &&
            (!in.addr_known || in.addr != (uint64_t)(uintptr_t)buf + in.length + 1))
            report_fail("decode %s: rip-relative address %#llx", c->name,
                        (unsigned long long)in.addr);
        if (r == 0 && strstr(c->name, "fs:") && in.addr_known)
            report_fail("decode %s: FS-relative address claimed known", c->name);
        if (r == 0 && strstr(c->name, "moffs64") && in.addr != 0x0102030405060708ULL)
            report_fail("decode %s: address %#llx", c->name, (unsigned long long)in.addr);
        if (r == 0 && strstr(c->name, "moffs32") && in.addr != 0x01020304ULL)
            report_fail("decode %s: address %#llx", c->name, (unsigned long long)in.addr);
    }
}

/* ---- hand-written inline-asm cases (the assembler chooses the encodings)
 *
 * Operands are loaded into the named registers inside the asm (from memory operands) and the
 * registers are declared clobbered: register variables in caller-saved registers don't
 * survive the t_init() call at -O0. */

#define INIT32 0x0f0f0f0fULL

/* `text` stores with base register breg = window and source register sreg = val */
#define MOV_CASE(text, breg, sreg, val, off, size, want)                                  \
    do {                                                                                   \
        uint64_t b_ = W(0), s_ = (val);                                                    \
        t_init(off, size, INIT32);                                                         \
        __asm__ volatile("mov %0, %%" breg "\n\tmov %1, %%" sreg "\n\t" text               \
                         ::"m"(b_), "m"(s_) : breg, sreg, "memory", "cc");                 \
        t_check(text, off, size, want, 1);                                                 \
    } while (0)

/* base breg = window, index ireg = idx */
#define SIB_CASE(text, breg, ireg, idx, sreg, val, off, size, want)                       \
    do {                                                                                   \
        uint64_t b_ = W(0), i_ = (idx), s_ = (val);                                        \
        t_init(off, size, INIT32);                                                         \
        __asm__ volatile("mov %0, %%" breg "\n\tmov %1, %%" ireg "\n\tmov %2, %%" sreg     \
                         "\n\t" text ::"m"(b_), "m"(i_), "m"(s_)                          \
                         : breg, ireg, sreg, "memory", "cc");                              \
        t_check(text, off, size, want, 1);                                                 \
    } while (0)

/* read-modify-write with the memory's initial value init */
#define RMW_CASE(text, breg, sreg, val, off, size, init, want)                            \
    do {                                                                                   \
        uint64_t b_ = W(0), s_ = (val);                                                    \
        t_init(off, size, init);                                                           \
        __asm__ volatile("mov %0, %%" breg "\n\tmov %1, %%" sreg "\n\t" text               \
                         ::"m"(b_), "m"(s_) : breg, sreg, "memory", "cc");                 \
        t_check(text, off, size, want, 1);                                                 \
    } while (0)

#define IMM_CASE(text, breg, off, size, init, want)                                       \
    do {                                                                                   \
        uint64_t b_ = W(0);                                                                \
        t_init(off, size, init);                                                           \
        __asm__ volatile("mov %0, %%" breg "\n\t" text ::"m"(b_) : breg, "memory", "cc");  \
        t_check(text, off, size, want, 1);                                                 \
    } while (0)

/* like RMW_CASE, and sreg's value afterwards must be want_reg */
#define FETCH_CASE(text, breg, sreg, val, off, size, init, want, want_reg)                \
    do {                                                                                   \
        uint64_t b_ = W(0), s_ = (val), r_ = 0;                                            \
        t_init(off, size, init);                                                           \
        __asm__ volatile("mov %1, %%" breg "\n\tmov %2, %%" sreg "\n\t" text               \
                         "\n\tmov %%" sreg ", %0"                                          \
                         : "=m"(r_) : "m"(b_), "m"(s_) : breg, sreg, "memory", "cc");      \
        t_check(text, off, size, want, 1);                                                 \
        t_reg(text " (register afterwards)", r_, want_reg);                                \
    } while (0)

/* `text` ends by leaving a flag in cl via setcc: check memory and that flag */
#define FLAG_CASE(text, breg, off, size, init, want, want_flag)                           \
    do {                                                                                   \
        uint64_t b_ = W(0), r_ = 0;                                                        \
        t_init(off, size, init);                                                           \
        __asm__ volatile("mov %1, %%" breg "\n\txor %%ecx, %%ecx\n\t" text                 \
                         "\n\tmov %%rcx, %0"                                               \
                         : "=m"(r_) : "m"(b_) : breg, "rcx", "memory", "cc");              \
        t_check(text, off, size, want, 1);                                                 \
        t_reg(text " (flag)", r_, want_flag);                                              \
    } while (0)

static void x86_asm_cases(void)
{
    /* mov r/m32, r32 (89): every base register class, REX.B / REX.R, disp8 / disp32 */
    MOV_CASE("movl %%r9d, 0x10(%%r12)", "r12", "r9", 0x1122334455667788ULL, 0x10, 4, 0x55667788);
    MOV_CASE("movl %%eax, 0x20(%%rbx)", "rbx", "rax", 0xdeadbeefULL, 0x20, 4, 0xdeadbeef);
    MOV_CASE("movl %%ecx, 0x24(%%rdx)", "rdx", "rcx", 0xa1b2c3d4ULL, 0x24, 4, 0xa1b2c3d4);
    MOV_CASE("movl %%edx, 0x28(%%rcx)", "rcx", "rdx", 0x01020304ULL, 0x28, 4, 0x01020304);
    MOV_CASE("movl %%ebx, (%%rax)", "rax", "rbx", 0x55aa55aaULL, 0, 4, 0x55aa55aa);
    MOV_CASE("movl %%r8d, 0x2c(%%rsi)", "rsi", "r8", 0x88888888ULL, 0x2c, 4, 0x88888888);
    MOV_CASE("movl %%r15d, 0x30(%%rdi)", "rdi", "r15", 0xf15f15f1ULL, 0x30, 4, 0xf15f15f1);
    MOV_CASE("movl %%edi, (%%r8)", "r8", "rdi", 0x7d7d7d7dULL, 0, 4, 0x7d7d7d7d);
    MOV_CASE("movl %%esi, 0x34(%%r9)", "r9", "rsi", 0x51515151ULL, 0x34, 4, 0x51515151);
    MOV_CASE("movl %%r11d, 0x38(%%r10)", "r10", "r11", 0xb0b0b0b0ULL, 0x38, 4, 0xb0b0b0b0);
    MOV_CASE("movl %%r10d, 0x934(%%r11)", "r11", "r10", 0x10101010ULL, 0x934, 4, 0x10101010);
    MOV_CASE("movl %%r13d, (%%r12)", "r12", "r13", 0x13131313ULL, 0, 4, 0x13131313);
    MOV_CASE("movl %%r12d, (%%r13)", "r13", "r12", 0x12121212ULL, 0, 4, 0x12121212);
    MOV_CASE("movl %%r14d, 0x3c(%%r13)", "r13", "r14", 0x14141414ULL, 0x3c, 4, 0x14141414);
    MOV_CASE("movl %%r15d, 0x800(%%r14)", "r14", "r15", 0x15151515ULL, 0x800, 4, 0x15151515);
    MOV_CASE("movl %%r8d, -0x10+0x50(%%r15)", "r15", "r8", 0x08080808ULL, 0x40, 4, 0x08080808);
    /* SIB: base + index*scale + disp8/disp32, index r12, base r13 */
    SIB_CASE("movl %%edx, 0x40(%%rbx,%%rsi,4)", "rbx", "rsi", 3, "rdx", 0xd0d0d0d0ULL, 0x4c, 4,
             0xd0d0d0d0);
    SIB_CASE("movl %%r10d, 0x400(%%r8,%%r11,8)", "r8", "r11", 2, "r10", 0xaaaa5555ULL, 0x410, 4,
             0xaaaa5555);
    SIB_CASE("movl %%eax, -8(%%r13,%%r12,2)", "r13", "r12", 8, "rax", 0x12345678ULL, 8, 4,
             0x12345678);
    SIB_CASE("movl %%ecx, (%%rax,%%r9,1)", "rax", "r9", 0x50, "rcx", 0xc1c1c1c1ULL, 0x50, 4,
             0xc1c1c1c1);
    SIB_CASE("movl %%r14d, 0x7f(%%r12,%%rdi,2)", "r12", "rdi", 0x21, "r14", 0x0e0e0e0eULL, 0xc1, 4,
             0x0e0e0e0e);
    SIB_CASE("movq %%r15, -0x80(%%rdx,%%rcx,8)", "rdx", "rcx", 0x20, "r15", 0x0123456789abcdefULL,
             0x80, 8, 0x0123456789abcdefULL);
    /* rsp and rbp as base: swap them in around the store (the handler has its own stack) */
    {
        uint64_t w = W(0x200), v = 0x5b5b5b5bULL;
        t_init(0x208, 4, INIT32);
        __asm__ volatile("mov %0, %%rax\n\tmov %1, %%rcx\n\tmov %%rsp, %%r11\n\tmov %%rax, %%rsp\n\t"
                         "movl %%ecx, 8(%%rsp)\n\tmov %%r11, %%rsp"
                         ::"m"(w), "m"(v) : "rax", "rcx", "r11", "memory");
        t_check("movl %ecx, 8(%rsp)", 0x208, 4, 0x5b5b5b5b, 1);
        t_init(0x200, 4, INIT32);
        __asm__ volatile("mov %0, %%rax\n\tmov %1, %%rcx\n\tmov %%rsp, %%r11\n\tmov %%rax, %%rsp\n\t"
                         "movl %%ecx, (%%rsp)\n\tmov %%r11, %%rsp"
                         ::"m"(w), "m"(v) : "rax", "rcx", "r11", "memory");
        t_check("movl %ecx, (%rsp)", 0x200, 4, 0x5b5b5b5b, 1);
        t_init(0x220, 4, INIT32);
        __asm__ volatile("mov %0, %%rax\n\tmov %1, %%rcx\n\tmov %%rbp, %%r11\n\tmov %%rax, %%rbp\n\t"
                         "movl %%ecx, 0x20(%%rbp)\n\tmov %%r11, %%rbp"
                         ::"m"(w), "m"(v) : "rax", "rcx", "r11", "memory");
        t_check("movl %ecx, 0x20(%rbp)", 0x220, 4, 0x5b5b5b5b, 1);
        t_init(0x200, 4, INIT32);
        __asm__ volatile("mov %0, %%rax\n\tmov %1, %%rcx\n\tmov %%rbp, %%r11\n\tmov %%rax, %%rbp\n\t"
                         "movl %%ecx, (%%rbp)\n\tmov %%r11, %%rbp"
                         ::"m"(w), "m"(v) : "rax", "rcx", "r11", "memory");
        t_check("movl %ecx, (%rbp)", 0x200, 4, 0x5b5b5b5b, 1);
    }
    /* mov r/m, imm (C6 / C7, 66 C7, REX.W C7 sign-extended) */
    IMM_CASE("movl $0x12345678, 0x50(%%rdi)", "rdi", 0x50, 4, INIT32, 0x12345678);
    IMM_CASE("movl $0x87654321, 0x50(%%r12)", "r12", 0x50, 4, INIT32, 0x87654321);
    IMM_CASE("movb $0x7f, 0x55(%%rdx)", "rdx", 0x55, 1, 0, 0x7f);
    IMM_CASE("movb $0x80, 0x55(%%r10)", "r10", 0x55, 1, 0, 0x80);
    IMM_CASE("movw $0xbeef, 0x56(%%r15)", "r15", 0x56, 2, 0, 0xbeef);
    IMM_CASE("movq $-5, 0x58(%%r9)", "r9", 0x58, 8, 0, 0xfffffffffffffffbULL);
    IMM_CASE("movq $0x7fffffff, 0x58(%%rax)", "rax", 0x58, 8, ~0ULL, 0x7fffffffULL);
    /* 8-bit register sources: high bytes without REX, sil/dil/r9b with REX */
    MOV_CASE("movb %%ah, 0x60(%%rbx)", "rbx", "rax", 0x1234ULL, 0x60, 1, 0x12);
    MOV_CASE("movb %%bh, 0x61(%%rsi)", "rsi", "rbx", 0xab00ULL, 0x61, 1, 0xab);
    MOV_CASE("movb %%ch, 0x62(%%rdi)", "rdi", "rcx", 0xcd00ULL, 0x62, 1, 0xcd);
    MOV_CASE("movb %%dh, 0x63(%%rax)", "rax", "rdx", 0xef00ULL, 0x63, 1, 0xef);
    MOV_CASE("movb %%al, 0x67(%%rbx)", "rbx", "rax", 0x1234ULL, 0x67, 1, 0x34);
    MOV_CASE("movb %%sil, 0x64(%%rax)", "rax", "rsi", 0x5e5eULL, 0x64, 1, 0x5e);
    MOV_CASE("movb %%dil, 0x65(%%rcx)", "rcx", "rdi", 0xd1ULL, 0x65, 1, 0xd1);
    MOV_CASE("movb %%r9b, 0x66(%%rdx)", "rdx", "r9", 0x99ULL, 0x66, 1, 0x99);
    MOV_CASE("movb %%r15b, 0x68(%%r8)", "r8", "r15", 0x1ffULL, 0x68, 1, 0xff);
    MOV_CASE("movb %%bl, 0x69(%%r13)", "r13", "rbx", 0x4321ULL, 0x69, 1, 0x21);
    /* 16 and 64 bit */
    MOV_CASE("movw %%r11w, 0x6a(%%r14)", "r14", "r11", 0x1111bbbbULL, 0x6a, 2, 0xbbbb);
    MOV_CASE("movw %%ax, 0x6c(%%rcx)", "rcx", "rax", 0x12345678ULL, 0x6c, 2, 0x5678);
    MOV_CASE("movq %%r8, 0x70(%%rax)", "rax", "r8", 0xfedcba9876543210ULL, 0x70, 8,
             0xfedcba9876543210ULL);
    MOV_CASE("movq %%rcx, 0x78(%%r13)", "r13", "rcx", 0x1ULL, 0x78, 8, 1);
    /* memory-destination ALU, register source, with and without LOCK */
    RMW_CASE("orl %%ecx, 0x80(%%rax)", "rax", "rcx", 0x0000ffffULL, 0x80, 4, 0xf0f0f0f0, 0xf0f0ffff);
    RMW_CASE("lock orl %%r9d, 0x84(%%r12)", "r12", "r9", 0x1ULL, 0x84, 4, 0x100, 0x101);
    RMW_CASE("andl %%r9d, 0x88(%%rax)", "rax", "r9", 0xff00ff00ULL, 0x88, 4, 0x12345678, 0x12005600);
    RMW_CASE("lock andl %%edx, 0x8c(%%r15)", "r15", "rdx", 0xfffffffeULL, 0x8c, 4, 0x3, 0x2);
    RMW_CASE("xorl %%esi, 0x90(%%rdi)", "rdi", "rsi", 0xffffffffULL, 0x90, 4, 0x0f0f0f0f, 0xf0f0f0f0);
    RMW_CASE("lock xorl %%r13d, 0x94(%%rbx)", "rbx", "r13", 0x10ULL, 0x94, 4, 0x11, 0x01);
    RMW_CASE("addl %%ebx, 0x98(%%rcx)", "rcx", "rbx", 0x2ULL, 0x98, 4, 0xffffffff, 0x1);
    RMW_CASE("lock addl %%r8d, 0x9c(%%r11)", "r11", "r8", 0x100ULL, 0x9c, 4, 0x100, 0x200);
    RMW_CASE("subl %%eax, 0xa0(%%rdx)", "rdx", "rax", 0x1ULL, 0xa0, 4, 0x0, 0xffffffff);
    RMW_CASE("lock subl %%r14d, 0xa4(%%r10)", "r10", "r14", 0x10ULL, 0xa4, 4, 0x30, 0x20);
    RMW_CASE("orb %%cl, 0xa8(%%rax)", "rax", "rcx", 0x80ULL, 0xa8, 1, 0x01, 0x81);
    RMW_CASE("lock orw %%cx, 0xaa(%%rax)", "rax", "rcx", 0x8000ULL, 0xaa, 2, 0x0001, 0x8001);
    RMW_CASE("lock orq %%rcx, 0xb0(%%rax)", "rax", "rcx", 0x8000000000000000ULL, 0xb0, 8, 1,
             0x8000000000000001ULL);
    /* memory-destination ALU, immediate: 81 (imm32) and 83 (imm8 sign-extended) */
    IMM_CASE("orl $0x12340000, 0xc0(%%rax)", "rax", 0xc0, 4, 0x5678, 0x12345678);
    IMM_CASE("lock orl $0x10000000, 0xc4(%%r9)", "r9", 0xc4, 4, 1, 0x10000001);
    IMM_CASE("andl $0xffff0000, 0xc8(%%rbx)", "rbx", 0xc8, 4, 0x12345678, 0x12340000);
    IMM_CASE("lock andl $0x7fffffff, 0xcc(%%r12)", "r12", 0xcc, 4, 0xffffffff, 0x7fffffff);
    IMM_CASE("xorl $0x80000001, 0xd0(%%rcx)", "rcx", 0xd0, 4, 0x80000000, 0x00000001);
    IMM_CASE("lock xorl $0x01010101, 0xd4(%%r13)", "r13", 0xd4, 4, 0x01010101, 0);
    IMM_CASE("addl $0x1000, 0xd8(%%rdx)", "rdx", 0xd8, 4, 0xfffff000, 0);
    IMM_CASE("lock addl $0x12345, 0xdc(%%r14)", "r14", 0xdc, 4, 1, 0x12346);
    IMM_CASE("subl $0x1000, 0xe0(%%rsi)", "rsi", 0xe0, 4, 0, 0xfffff000);
    IMM_CASE("lock subl $0x100000, 0xe4(%%r15)", "r15", 0xe4, 4, 0x300000, 0x200000);
    IMM_CASE("orl $0x10, 0xe8(%%rax)", "rax", 0xe8, 4, 1, 0x11);
    IMM_CASE("lock orl $0x40, 0xec(%%r8)", "r8", 0xec, 4, 1, 0x41);
    IMM_CASE("andl $-2, 0xf0(%%rdi)", "rdi", 0xf0, 4, 0xffffffff, 0xfffffffe);
    IMM_CASE("lock andl $-0x80, 0xf4(%%r10)", "r10", 0xf4, 4, 0x12345678, 0x12345600);
    IMM_CASE("xorl $0x7f, 0xf8(%%rbx)", "rbx", 0xf8, 4, 0xff, 0x80);
    IMM_CASE("lock xorl $-1, 0xfc(%%r11)", "r11", 0xfc, 4, 0x0f0f0f0f, 0xf0f0f0f0);
    IMM_CASE("addl $-1, 0x100(%%rcx)", "rcx", 0x100, 4, 0, 0xffffffff);
    IMM_CASE("lock addl $5, 0x104(%%r12)", "r12", 0x104, 4, 10, 15);
    IMM_CASE("subl $5, 0x108(%%rdx)", "rdx", 0x108, 4, 3, 0xfffffffe);
    IMM_CASE("lock subl $-3, 0x10c(%%r13)", "r13", 0x10c, 4, 3, 6);
    IMM_CASE("orq $-16, 0x110(%%rax)", "rax", 0x110, 8, 1, 0xfffffffffffffff1ULL);
    IMM_CASE("lock andq $0x7fffffff, 0x118(%%rax)", "rax", 0x118, 8, ~0ULL, 0x7fffffffULL);
    IMM_CASE("orw $0x100, 0x120(%%rax)", "rax", 0x120, 2, 1, 0x101);
    IMM_CASE("orb $0x80, 0x122(%%rax)", "rax", 0x122, 1, 1, 0x81);
    IMM_CASE("incl 0x124(%%rax)", "rax", 0x124, 4, 0xffffffff, 0);
    IMM_CASE("lock decq 0x128(%%rax)", "rax", 0x128, 8, 0, ~0ULL);
    IMM_CASE("notl 0x130(%%rax)", "rax", 0x130, 4, 0x0000ffff, 0xffff0000);
    IMM_CASE("lock negl 0x134(%%rax)", "rax", 0x134, 4, 1, 0xffffffff);
    IMM_CASE("lock btsl $3, 0x138(%%rax)", "rax", 0x138, 4, 1, 9);
    IMM_CASE("lock btrl $31, 0x13c(%%rax)", "rax", 0x13c, 4, 0xffffffff, 0x7fffffff);
    IMM_CASE("btcl $32, 0x140(%%rax)", "rax", 0x140, 4, 1, 0); /* bit 32 mod 32 = 0 */
    IMM_CASE("movnti %%eax, 0x144(%%rax)", "rax", 0x144, 4, 0, (uint32_t)W(0));
    /* xchg 87/86: memory gets the register, the register gets the old memory value */
    FETCH_CASE("xchgl %%ecx, 0x150(%%rax)", "rax", "rcx", 0xffffffff11223344ULL, 0x150, 4, 0xaabbccdd,
               0x11223344, 0xaabbccdd); /* 32-bit register write zero-extends */
    FETCH_CASE("xchgq %%r9, 0x158(%%r12)", "r12", "r9", 0x0102030405060708ULL, 0x158, 8,
               0x1112131415161718ULL, 0x0102030405060708ULL, 0x1112131415161718ULL);
    FETCH_CASE("xchgb %%bh, 0x160(%%rsi)", "rsi", "rbx", 0xffffffffffff12ffULL, 0x160, 1, 0x34, 0x12,
               0xffffffffffff34ffULL);
    FETCH_CASE("lock xchgw %%r10w, 0x168(%%rdi)", "rdi", "r10", 0xffffffffffff0001ULL, 0x168, 2,
               0x8000, 0x0001, 0xffffffffffff8000ULL);
    FETCH_CASE("xchgl 0x16c(%%r13), %%r14d", "r13", "r14", 0x5ULL, 0x16c, 4, 0x6, 0x5, 0x6);
    /* lock xadd, lock cmpxchg */
    FETCH_CASE("lock xaddl %%edx, 0x170(%%rax)", "rax", "rdx", 5, 0x170, 4, 0xfffffffe, 3, 0xfffffffe);
    FETCH_CASE("mov $7, %%eax\n\tlock cmpxchgl %%ecx, 0x178(%%rbx)\n\tmov %%rax, %%rcx", "rbx", "rcx",
               9, 0x178, 4, 7, 9, 7); /* equal: stored, eax kept */
    FETCH_CASE("mov $7, %%eax\n\tlock cmpxchgl %%ecx, 0x178(%%rbx)\n\tmov %%rax, %%rcx", "rbx", "rcx",
               9, 0x178, 4, 8, 8, 8); /* unequal: eax = old */
    /* flags the emulation must produce */
    FLAG_CASE("mov $7, %%eax\n\tmov $9, %%edx\n\tlock cmpxchgl %%edx, 0x17c(%%rbx)\n\tsete %%cl", "rbx",
              0x17c, 4, 7, 9, 1);
    FLAG_CASE("mov $7, %%eax\n\tmov $9, %%edx\n\tlock cmpxchgl %%edx, 0x17c(%%rbx)\n\tsete %%cl", "rbx",
              0x17c, 4, 8, 8, 0);
    FLAG_CASE("lock btsl $3, 0x180(%%rax)\n\tsetc %%cl", "rax", 0x180, 4, 0x8, 0x8, 1);
    FLAG_CASE("lock btsl $4, 0x180(%%rax)\n\tsetc %%cl", "rax", 0x180, 4, 0x8, 0x18, 0);
    FLAG_CASE("lock addl $1, 0x184(%%rax)\n\tseto %%cl", "rax", 0x184, 4, 0x7fffffff, 0x80000000, 1);
    FLAG_CASE("lock subl $1, 0x184(%%rax)\n\tsetz %%cl", "rax", 0x184, 4, 1, 0, 1);
    FLAG_CASE("lock decl 0x184(%%rax)\n\tsets %%cl", "rax", 0x184, 4, 0, 0xffffffff, 1);
    FLAG_CASE("stc\n\tlock incl 0x184(%%rax)\n\tsetc %%cl", "rax", 0x184, 4, 0xffffffff, 0, 1);
    FLAG_CASE("andl $0x80, 0x184(%%rax)\n\tsetnz %%cl", "rax", 0x184, 4, 0x80, 0x80, 1);
    FLAG_CASE("setz 0x188(%%rax)", "rax", 0x188, 1, 0x55, 1, 0); /* ZF from the xor */
    /* SSE stores from XMM1 = bytes 00 11 22 .. ff */
    {
        static const uint8_t x[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
#define XMM_CASE(text, off, size, want, want2)                                             \
    do {                                                                                   \
        uint64_t b_ = W(0);                                                                \
        t_init(off, 8, 0);                                                                 \
        __asm__ volatile("mov %0, %%rax\n\tmovdqu %1, %%xmm1\n\t" text                    \
                         ::"m"(b_), "m"(x) : "rax", "xmm1", "memory");                    \
        t_check2(text, off, size, want, want2, 1);                                         \
    } while (0)
        XMM_CASE("movups %%xmm1, 0x1c0(%%rax)", 0x1c0, 16, 0x7766554433221100ULL, 0xffeeddccbbaa9988ULL);
        XMM_CASE("movaps %%xmm1, 0x1c0(%%rax)", 0x1c0, 16, 0x7766554433221100ULL, 0xffeeddccbbaa9988ULL);
        XMM_CASE("movdqu %%xmm1, 0x1c1(%%rax)", 0x1c1, 16, 0x7766554433221100ULL, 0xffeeddccbbaa9988ULL);
        XMM_CASE("movd %%xmm1, 0x1d0(%%rax)", 0x1d0, 4, 0x33221100ULL, 0);
        XMM_CASE("movq %%xmm1, 0x1d8(%%rax)", 0x1d8, 8, 0x7766554433221100ULL, 0);
        XMM_CASE("movss %%xmm1, 0x1d4(%%rax)", 0x1d4, 4, 0x33221100ULL, 0);
        XMM_CASE("movhps %%xmm1, 0x1e0(%%rax)", 0x1e0, 8, 0xffeeddccbbaa9988ULL, 0);
        if (__builtin_cpu_supports("avx")) {
            XMM_CASE("vmovdqu %%xmm1, 0x1c3(%%rax)", 0x1c3, 16, 0x7766554433221100ULL,
                     0xffeeddccbbaa9988ULL);
            XMM_CASE("vmovq %%xmm1, 0x1e8(%%rax)", 0x1e8, 8, 0x7766554433221100ULL, 0);
        }
#undef XMM_CASE
    }
    /* rep stos */
    {
        uint64_t d = W(0x190), c = 4, a = 0xabcdabcdULL, rd = 0, rc = 1;
        t_init(0x190, 8, 0);
        __asm__ volatile("mov %2, %%rdi\n\tmov %3, %%rcx\n\tmov %4, %%rax\n\trep stosl\n\t"
                         "mov %%rdi, %0\n\tmov %%rcx, %1"
                         : "=m"(rd), "=m"(rc) : "m"(d), "m"(c), "m"(a) : "rax", "rcx", "rdi", "memory");
        t_check2("rep stosl (4 elements)", 0x190, 16, 0xabcdabcdabcdabcdULL, 0xabcdabcdabcdabcdULL, 4);
        t_reg("rep stosl: rdi advanced", rd, W(0x1a0));
        t_reg("rep stosl: rcx 0", rc, 0);
    }
}

/* ---- generated instructions against the CPU */

typedef struct xstate {
    uint64_t r[16]; /* 0: rax rcx rdx rbx rsp rbp rsi rdi r8 .. r15 */
    uint64_t flags; /* 128 */
    uint8_t xmm[16][16]; /* 136 */
} xstate;

void strobe_xrun(xstate *s, void *code);
extern char strobe_xback[];

/* Load all 16 registers and the flags from *s, jump to the code (which jumps back to
 * strobe_xback through an absolute slot), store them all back. */
__asm__(".text\n"
        ".globl strobe_xrun\n"
        ".hidden strobe_xrun\n"
        ".globl strobe_xback\n"
        ".hidden strobe_xback\n"
        ".p2align 4\n"
        "strobe_xrun:\n"
        "  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rsp, strobe_xg_host_rsp(%rip)\n"
        "  mov %rdi, strobe_xg_state(%rip)\n"
        "  mov %rsi, strobe_xg_code(%rip)\n"
        "  movdqu 136(%rdi), %xmm0\n"
        "  movdqu 152(%rdi), %xmm1\n"
        "  movdqu 168(%rdi), %xmm2\n"
        "  movdqu 184(%rdi), %xmm3\n"
        "  movdqu 200(%rdi), %xmm4\n"
        "  movdqu 216(%rdi), %xmm5\n"
        "  movdqu 232(%rdi), %xmm6\n"
        "  movdqu 248(%rdi), %xmm7\n"
        "  movdqu 264(%rdi), %xmm8\n"
        "  movdqu 280(%rdi), %xmm9\n"
        "  movdqu 296(%rdi), %xmm10\n"
        "  movdqu 312(%rdi), %xmm11\n"
        "  movdqu 328(%rdi), %xmm12\n"
        "  movdqu 344(%rdi), %xmm13\n"
        "  movdqu 360(%rdi), %xmm14\n"
        "  movdqu 376(%rdi), %xmm15\n"
        "  pushq 128(%rdi)\n  popfq\n"
        "  mov 0(%rdi), %rax\n  mov 8(%rdi), %rcx\n  mov 16(%rdi), %rdx\n  mov 24(%rdi), %rbx\n"
        "  mov 40(%rdi), %rbp\n  mov 48(%rdi), %rsi\n"
        "  mov 64(%rdi), %r8\n  mov 72(%rdi), %r9\n  mov 80(%rdi), %r10\n  mov 88(%rdi), %r11\n"
        "  mov 96(%rdi), %r12\n  mov 104(%rdi), %r13\n  mov 112(%rdi), %r14\n  mov 120(%rdi), %r15\n"
        "  mov 32(%rdi), %rsp\n  mov 56(%rdi), %rdi\n"
        "  jmp *strobe_xg_code(%rip)\n"
        "strobe_xback:\n"
        "  mov %rdi, strobe_xg_tmp(%rip)\n"
        "  mov strobe_xg_state(%rip), %rdi\n"
        "  mov %rax, 0(%rdi)\n  mov %rcx, 8(%rdi)\n  mov %rdx, 16(%rdi)\n  mov %rbx, 24(%rdi)\n"
        "  mov %rsp, 32(%rdi)\n  mov %rbp, 40(%rdi)\n  mov %rsi, 48(%rdi)\n"
        "  mov %r8, 64(%rdi)\n  mov %r9, 72(%rdi)\n  mov %r10, 80(%rdi)\n  mov %r11, 88(%rdi)\n"
        "  mov %r12, 96(%rdi)\n  mov %r13, 104(%rdi)\n  mov %r14, 112(%rdi)\n  mov %r15, 120(%rdi)\n"
        "  movdqu %xmm0, 136(%rdi)\n"
        "  movdqu %xmm1, 152(%rdi)\n"
        "  movdqu %xmm2, 168(%rdi)\n"
        "  movdqu %xmm3, 184(%rdi)\n"
        "  movdqu %xmm4, 200(%rdi)\n"
        "  movdqu %xmm5, 216(%rdi)\n"
        "  movdqu %xmm6, 232(%rdi)\n"
        "  movdqu %xmm7, 248(%rdi)\n"
        "  movdqu %xmm8, 264(%rdi)\n"
        "  movdqu %xmm9, 280(%rdi)\n"
        "  movdqu %xmm10, 296(%rdi)\n"
        "  movdqu %xmm11, 312(%rdi)\n"
        "  movdqu %xmm12, 328(%rdi)\n"
        "  movdqu %xmm13, 344(%rdi)\n"
        "  movdqu %xmm14, 360(%rdi)\n"
        "  movdqu %xmm15, 376(%rdi)\n"
        "  mov strobe_xg_host_rsp(%rip), %rsp\n"
        "  pushfq\n  popq 128(%rdi)\n  cld\n"
        "  mov strobe_xg_tmp(%rip), %rax\n  mov %rax, 56(%rdi)\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
        "  ret\n"
        ".pushsection .bss\n"
        ".p2align 3\n"
        "strobe_xg_host_rsp: .zero 8\n"
        "strobe_xg_state: .zero 8\n"
        "strobe_xg_code: .zero 8\n"
        "strobe_xg_tmp: .zero 8\n"
        ".popsection\n");

static void xrun_thunk(void *s, void *c) { strobe_xrun(s, c); }

#define F_CF 0x001u
#define F_PF 0x004u
#define F_AF 0x010u
#define F_ZF 0x040u
#define F_SF 0x080u
#define F_DF 0x400u
#define F_OF 0x800u
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_LOGIC (F_CF | F_PF | F_ZF | F_SF | F_OF)
#define F_BT (F_CF | F_ZF)

static const char *const xreg_name[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

static long x86_cases, x86_fail;

static void x86_dump(const xstate *s)
{
    if (failed > 60)
        return;
    printf("  input (window %p, code %p):", (void *)window, (void *)code);
    for (int r = 0; r < 16; r++)
        printf("%s %s=%#llx", r % 4 ? "" : "\n   ", xreg_name[r], (unsigned long long)s->r[r]);
    printf("\n    flags=%#llx\n", (unsigned long long)s->flags);
}

/* Run `bytes` natively (window writable) and trapped with the same input state; compare. */
static void x86_run_case(const char *name, const uint8_t *bytes, unsigned len, const xstate *in,
                         unsigned flagmask, int faults)
{
    static uint8_t before[PAGE], native_page[PAGE];
    xstate s1 = *in, s2 = *in;
    uint64_t back = (uint64_t)(uintptr_t)strobe_xback;
    char hex[64];
    int n = 0, bad = 0;

    for (unsigned i = 0; i < len && n < 60; i++)
        n += snprintf(hex + n, sizeof hex - (size_t)n, "%02x ", bytes[i]);
    memcpy(code, bytes, len);
    memcpy(code + len, "\xff\x25\x00\x00\x00\x00", 6); /* jmp *0(%rip) */
    memcpy(code + len + 6, &back, 8);
    x86_cases++;

    memcpy(before, alias, PAGE);
    set_window_writable(1);
    g_native = 1;
    if (run_guarded(xrun_thunk, &s1, code) != 0) {
        g_native = 0;
        set_window_writable(0);
        report_fail("x86 %s [%s]: native run: %s", name, hex, g_err);
        x86_dump(in);
        x86_fail++;
        return;
    }
    g_native = 0;
    set_window_writable(0);
    memcpy(native_page, alias, PAGE);
    memcpy(alias, before, PAGE);

    g_faults = 0;
    if (run_guarded(xrun_thunk, &s2, code) != 0) {
        report_fail("x86 %s [%s]: %s", name, hex, g_err);
        x86_fail++;
        return;
    }
    if (g_faults != faults) {
        report_fail("x86 %s [%s]: %d faults, want %d", name, hex, g_faults, faults);
        bad = 1;
    }
    if (memcmp(native_page, alias, PAGE) != 0) {
        unsigned i = 0;
        while (native_page[i] == alias[i])
            i++;
        report_fail("x86 %s [%s]: memory differs at window+%#x: %02x, CPU wrote %02x", name, hex,
                    i, alias[i], native_page[i]);
        bad = 1;
    }
    for (int r = 0; r < 16; r++) {
        if (s1.r[r] != s2.r[r]) {
            report_fail("x86 %s [%s]: %s = %#llx, CPU gives %#llx", name, hex, xreg_name[r],
                        (unsigned long long)s2.r[r], (unsigned long long)s1.r[r]);
            bad = 1;
        }
    }
    if (memcmp(s1.xmm, s2.xmm, sizeof s1.xmm) != 0) {
        report_fail("x86 %s [%s]: XMM registers differ", name, hex);
        bad = 1;
    }
    if ((s1.flags ^ s2.flags) & flagmask) {
        report_fail("x86 %s [%s]: flags %#llx, CPU gives %#llx (compared %#x)", name, hex,
                    (unsigned long long)s2.flags, (unsigned long long)s1.flags, flagmask);
        bad = 1;
    }
    if (bad) {
        x86_dump(in);
        x86_fail++;
    } else {
        passed++;
    }
}

typedef struct xform {
    const char *name;
    uint8_t esc, opc; /* esc: 0 or 0x0F */
    int ext;          /* -1: ModRM.reg is the source register; else the /digit */
    int byte;         /* 8-bit operation */
    int imm;          /* 0 none, 1 imm8, 2 imm16/imm32 by operand size */
    int lock;         /* LOCK allowed (2: implicitly locked: align) */
    int no16;         /* no 16-bit form */
    unsigned flags;   /* flags to compare */
    int cmpxchg;
    int setcc;
    int sse;          /* SSE store of this many bytes (-1: 4 or 8 by REX.W / VEX.W), from XMM reg */
    int pp;           /* its mandatory prefix: 0 none, 1 66, 2 F3, 3 F2 */
    int align16;      /* needs a 16-byte aligned address */
} xform;

static const xform xforms[] = {
    {"mov r/m8,r8", 0, 0x88, -1, 1, 0, 0, 0, F_ALL, 0, 0, 0, 0, 0},
    {"mov r/m,r", 0, 0x89, -1, 0, 0, 0, 0, F_ALL, 0, 0, 0, 0, 0},
    {"mov r/m8,imm8", 0, 0xC6, 0, 1, 1, 0, 0, F_ALL, 0, 0, 0, 0, 0},
    {"mov r/m,imm", 0, 0xC7, 0, 0, 2, 0, 0, F_ALL, 0, 0, 0, 0, 0},
    {"add r/m8,r8", 0, 0x00, -1, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"add r/m,r", 0, 0x01, -1, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"or r/m8,r8", 0, 0x08, -1, 1, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"or r/m,r", 0, 0x09, -1, 0, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"and r/m8,r8", 0, 0x20, -1, 1, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"and r/m,r", 0, 0x21, -1, 0, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"sub r/m8,r8", 0, 0x28, -1, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"sub r/m,r", 0, 0x29, -1, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xor r/m8,r8", 0, 0x30, -1, 1, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"xor r/m,r", 0, 0x31, -1, 0, 0, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"add r/m8,imm8", 0, 0x80, 0, 1, 1, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"or r/m8,imm8", 0, 0x80, 1, 1, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"and r/m8,imm8", 0, 0x80, 4, 1, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"sub r/m8,imm8", 0, 0x80, 5, 1, 1, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xor r/m8,imm8", 0, 0x80, 6, 1, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"add r/m,imm", 0, 0x81, 0, 0, 2, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"or r/m,imm", 0, 0x81, 1, 0, 2, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"and r/m,imm", 0, 0x81, 4, 0, 2, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"sub r/m,imm", 0, 0x81, 5, 0, 2, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xor r/m,imm", 0, 0x81, 6, 0, 2, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"add r/m,imm8", 0, 0x83, 0, 0, 1, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"or r/m,imm8", 0, 0x83, 1, 0, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"and r/m,imm8", 0, 0x83, 4, 0, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"sub r/m,imm8", 0, 0x83, 5, 0, 1, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xor r/m,imm8", 0, 0x83, 6, 0, 1, 1, 0, F_LOGIC, 0, 0, 0, 0, 0},
    {"xchg r/m8,r8", 0, 0x86, -1, 1, 0, 2, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xchg r/m,r", 0, 0x87, -1, 0, 0, 2, 0, F_ALL, 0, 0, 0, 0, 0},
    {"inc r/m8", 0, 0xFE, 0, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"dec r/m8", 0, 0xFE, 1, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"inc r/m", 0, 0xFF, 0, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"dec r/m", 0, 0xFF, 1, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"not r/m8", 0, 0xF6, 2, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"neg r/m8", 0, 0xF6, 3, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"not r/m", 0, 0xF7, 2, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"neg r/m", 0, 0xF7, 3, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xadd r/m8,r8", 0x0F, 0xC0, -1, 1, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"xadd r/m,r", 0x0F, 0xC1, -1, 0, 0, 1, 0, F_ALL, 0, 0, 0, 0, 0},
    {"cmpxchg r/m8,r8", 0x0F, 0xB0, -1, 1, 0, 1, 0, F_ALL, 1, 0, 0, 0, 0},
    {"cmpxchg r/m,r", 0x0F, 0xB1, -1, 0, 0, 1, 0, F_ALL, 1, 0, 0, 0, 0},
    {"bts r/m,imm8", 0x0F, 0xBA, 5, 0, 1, 1, 0, F_BT, 0, 0, 0, 0, 0},
    {"btr r/m,imm8", 0x0F, 0xBA, 6, 0, 1, 1, 0, F_BT, 0, 0, 0, 0, 0},
    {"btc r/m,imm8", 0x0F, 0xBA, 7, 0, 1, 1, 0, F_BT, 0, 0, 0, 0, 0},
    {"movnti m,r", 0x0F, 0xC3, -1, 0, 0, 0, 1, F_ALL, 0, 0, 0, 0, 0},
    {"setcc r/m8", 0x0F, 0x90, 0, 1, 0, 0, 0, F_ALL, 0, 1, 0, 0, 0},
    {"movups m,xmm", 0x0F, 0x11, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 0, 0},
    {"movupd m,xmm", 0x0F, 0x11, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 1, 0},
    {"movss m,xmm", 0x0F, 0x11, -1, 0, 0, 0, 0, F_ALL, 0, 0, 4, 2, 0},
    {"movsd m,xmm", 0x0F, 0x11, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 3, 0},
    {"movaps m,xmm", 0x0F, 0x29, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 0, 1},
    {"movapd m,xmm", 0x0F, 0x29, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 1, 1},
    {"movntps m,xmm", 0x0F, 0x2B, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 0, 1},
    {"movdqa m,xmm", 0x0F, 0x7F, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 1, 1},
    {"movdqu m,xmm", 0x0F, 0x7F, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 2, 0},
    {"movntdq m,xmm", 0x0F, 0xE7, -1, 0, 0, 0, 0, F_ALL, 0, 0, 16, 1, 1},
    {"movd/movq r/m,xmm", 0x0F, 0x7E, -1, 0, 0, 0, 0, F_ALL, 0, 0, -1, 1, 0},
    {"movq m64,xmm", 0x0F, 0xD6, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 1, 0},
    {"movlps m64,xmm", 0x0F, 0x13, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 0, 0},
    {"movlpd m64,xmm", 0x0F, 0x13, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 1, 0},
    {"movhps m64,xmm", 0x0F, 0x17, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 0, 0},
    {"movhpd m64,xmm", 0x0F, 0x17, -1, 0, 0, 0, 0, F_ALL, 0, 0, 8, 1, 0},
};
static int have_avx;
#define N_XFORMS (sizeof xforms / sizeof xforms[0])

/* Overrides for systematic runs: -1 = random. */
typedef struct xpick {
    int mod, rm, reg, sib_base, sib_index, osz;
} xpick;

static void x86_random_regs(xstate *s, unsigned extra_flags)
{
    for (int i = 0; i < 16; i++)
        s->r[i] = rnd64();
    s->flags = 0x202 | (rnd64() & F_ALL) | extra_flags;
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j += 8) {
            uint64_t v = rnd64();
            memcpy(&s->xmm[i][j], &v, 8);
        }
}

/* One generated ModRM-form instruction; returns 0 when it couldn't place the operand. */
static int x86_gen_modrm(const xform *f, const xpick *pk)
{
    uint8_t b[32];
    unsigned len = 0, osz, off = 0, align;
    int lock, p66, seg, a32, rexw, R, X, B, rex_present, mod, rm3, reg3, scale = 0, idx3 = 0, base3 = 0;
    int rip, base = -1, index = -1, disp_len = 0, disp_pos = -1, tries;
    int64_t disp = 0;
    uint64_t target = 0, amask;
    xstate st;
    uint8_t prefixes[4];
    int np = 0;
    char name[96];

    fill_page_random();
    int vex = 0, sse_w = 0;
    if (f->sse) {
        sse_w = (int)rnd(2); /* REX.W / VEX.W: selects movq for 7E, ignored otherwise */
        osz = f->sse > 0 ? (unsigned)f->sse : sse_w ? 8 : 4;
        vex = have_avx && rnd(2);
    } else if (f->byte)
        osz = 1;
    else if (pk && pk->osz > 0)
        osz = (unsigned)pk->osz;
    else if (f->no16)
        osz = rnd(2) ? 8 : 4;
    else
        osz = (unsigned[]){2, 4, 4, 8}[rnd(4)];
    lock = f->lock == 1 && rnd(2);
    p66 = !f->sse && (osz == 2 || (osz == 8 && !f->no16 && rnd(8) == 0));
    seg = rnd(10) == 0 ? (int)(uint8_t[]){0x2E, 0x3E, 0x26, 0x36}[rnd(4)] : 0;
    a32 = !pk && rnd(6) == 0;
    rexw = f->sse ? sse_w : osz == 8;
    mod = pk && pk->mod >= 0 ? pk->mod : (int)rnd(3);
    rm3 = pk && pk->rm >= 0 ? (pk->rm & 7) : (int)rnd(8);
    B = pk && pk->rm >= 0 ? pk->rm >> 3 : (int)rnd(2);
    X = rnd(2);
    if (f->ext >= 0) {
        reg3 = f->ext;
        R = rnd(4) == 0; /* REX.R doesn't extend an opcode extension */
    } else {
        int reg = pk && pk->reg >= 0 ? pk->reg : (int)rnd(16);
        reg3 = reg & 7;
        R = reg >> 3;
    }
    if (rm3 == 4) {
        scale = (int)rnd(4);
        idx3 = pk && pk->sib_index >= 0 ? (pk->sib_index & 7) : (int)rnd(8);
        if (pk && pk->sib_index >= 0)
            X = pk->sib_index >> 3;
        base3 = pk && pk->sib_base >= 0 ? (pk->sib_base & 7) : (int)rnd(8);
        if (pk && pk->sib_base >= 0)
            B = pk->sib_base >> 3;
    }
    rip = mod == 0 && rm3 == 5;
    if (rm3 == 4) {
        if (!(idx3 == 4 && !X))
            index = idx3 | X << 3;
        if (!(base3 == 5 && mod == 0))
            base = base3 | B << 3;
        else
            disp_len = 4;
    } else if (!rip) {
        base = rm3 | B << 3;
    } else {
        disp_len = 4;
    }
    if (mod == 1)
        disp_len = 1;
    else if (mod == 2)
        disp_len = 4;
    if (a32 && index >= 0 && index == base)
        return 0;
    rex_present = rexw || R || X || B || rnd(4) == 0;
    amask = a32 ? 0xffffffffULL : ~0ULL;

    x86_random_regs(&st, 0);
    align = (lock || f->lock == 2) ? osz : (rnd(2) ? osz : 1);
    if (f->align16)
        align = 16;
    off = 16 + rnd(PAGE - 48);
    off -= off % align;
    target = W(off);
    if (mod == 1)
        disp = (int8_t)rnd(256);
    else if (mod == 2)
        disp = rnd(2) ? (int32_t)(uint32_t)rnd64() : (int64_t)rnd(10001) - 5000;
    if (rip) {
        disp = 0; /* patched once the length is known */
    } else if (base < 0) { /* [index*scale + disp32] or [disp32]: the window is below 2 GiB */
        if (index >= 0) {
            uint64_t v = rnd(64);
            st.r[index] = a32 ? (v | (rnd64() << 32)) : v;
            disp = (int64_t)(target - (v << scale));
        } else {
            disp = (int64_t)target;
        }
    } else if (index >= 0 && index == base) {
        /* base*(1 + 2^scale) + disp = target */
        uint64_t k = 1 + (1ULL << scale);
        for (tries = 0; tries < 64; tries++) {
            if ((target - (uint64_t)disp) % k == 0)
                break;
            off = 16 + rnd(PAGE - 48);
            off -= off % align;
            target = W(off);
        }
        if (tries == 64)
            return 0;
        st.r[base] = (target - (uint64_t)disp) / k;
    } else {
        int64_t v = 0;
        if (index >= 0) {
            v = (int64_t)rnd(129) - 64;
            st.r[index] = a32 ? ((uint32_t)v | (rnd64() << 32)) : (uint64_t)v;
        }
        st.r[base] = (target - (uint64_t)disp - ((uint64_t)v << scale)) & amask;
        if (a32)
            st.r[base] |= rnd64() << 32;
    }
    if (f->cmpxchg && base != 0 && index != 0 && rnd(2)) {
        uint64_t cur = 0;
        memcpy(&cur, alias + off, osz);
        st.r[0] = (st.r[0] & ~size_mask(osz)) | cur; /* the compare will succeed */
    }

    /* encode: [junk REX] legacy prefixes (shuffled) [REX] [0F] opcode ModRM [SIB] disp imm */
    if (lock)
        prefixes[np++] = 0xF0;
    if (p66)
        prefixes[np++] = 0x66;
    if (seg)
        prefixes[np++] = (uint8_t)seg;
    if (a32)
        prefixes[np++] = 0x67;
    for (int i = np - 1; i > 0; i--) {
        int j = (int)rnd((unsigned)i + 1);
        uint8_t t = prefixes[i];
        prefixes[i] = prefixes[j];
        prefixes[j] = t;
    }
    if (np && !vex && rnd(10) == 0)
        b[len++] = (uint8_t)(0x40 | rnd(16)); /* overridden by the later prefix: ignored */
    for (int i = 0; i < np; i++)
        b[len++] = prefixes[i];
    if (vex) {
        /* VEX.128 (L=0), vvvv unused (1111); R, X, B inverted */
        if (!X && !B && !rexw && rnd(2)) {
            b[len++] = 0xC5;
            b[len++] = (uint8_t)(!R << 7 | 0x78 | f->pp);
        } else {
            b[len++] = 0xC4;
            b[len++] = (uint8_t)(!R << 7 | !X << 6 | !B << 5 | 1);
            b[len++] = (uint8_t)(rexw << 7 | 0x78 | f->pp);
        }
    } else {
        if (f->sse && f->pp)
            b[len++] = (uint8_t[]){0, 0x66, 0xF3, 0xF2}[f->pp];
        if (rex_present)
            b[len++] = (uint8_t)(0x40 | rexw << 3 | R << 2 | X << 1 | B);
        if (f->esc)
            b[len++] = f->esc;
    }
    b[len++] = (uint8_t)(f->setcc ? f->opc + rnd(16) : f->opc);
    b[len++] = (uint8_t)(mod << 6 | reg3 << 3 | rm3);
    if (rm3 == 4)
        b[len++] = (uint8_t)(scale << 6 | idx3 << 3 | base3);
    if (disp_len == 1) {
        b[len++] = (uint8_t)disp;
    } else if (disp_len == 4) {
        int32_t d = (int32_t)disp;
        disp_pos = (int)len;
        memcpy(b + len, &d, 4);
        len += 4;
    }
    if (f->imm == 1) {
        b[len++] = (uint8_t)rnd(256);
    } else if (f->imm == 2) {
        uint32_t v = (uint32_t)rnd64();
        unsigned n = osz == 2 ? 2 : 4;
        memcpy(b + len, &v, n);
        len += n;
    }
    if (len > 15)
        return 0; /* over the architectural limit (#GP): drop a prefix next time */
    if (rip) {
        int32_t d = (int32_t)(int64_t)(target - ((uint64_t)(uintptr_t)code + len));
        memcpy(b + disp_pos, &d, 4);
    }
    snprintf(name, sizeof name, "%s%s size %u", vex ? "VEX " : "", f->name, osz);
    x86_run_case(name, b, len, &st, f->flags, 1);
    return 1;
}

static void x86_gen_moffs(void)
{
    uint8_t b[16];
    unsigned len = 0, osz = (unsigned[]){1, 2, 4, 8}[rnd(4)], off = 16 + rnd(PAGE - 48);
    int a32 = rnd(3) == 0;
    uint64_t addr = W(off);
    xstate st;
    fill_page_random();
    x86_random_regs(&st, 0);
    if (rnd(8) == 0)
        b[len++] = 0x3E;
    if (a32)
        b[len++] = 0x67;
    if (osz == 2)
        b[len++] = 0x66;
    if (osz == 8)
        b[len++] = 0x48;
    b[len++] = osz == 1 ? 0xA2 : 0xA3;
    memcpy(b + len, &addr, a32 ? 4 : 8);
    len += a32 ? 4 : 8;
    x86_run_case("mov moffs,acc", b, len, &st, F_ALL, 1);
}

static void x86_gen_stos(void)
{
    uint8_t b[8];
    unsigned len = 0, osz = (unsigned[]){1, 2, 4, 8}[rnd(4)];
    int rep = rnd(2), down = rnd(2);
    unsigned n = rep ? 1 + rnd(6) : 1, off;
    xstate st;
    fill_page_random();
    x86_random_regs(&st, down ? F_DF : 0);
    off = 64 + rnd(PAGE - 256);
    off -= off % osz;
    st.r[7] = W(off);
    if (rep) {
        b[len++] = 0xF3;
        st.r[1] = n;
    }
    if (osz == 2)
        b[len++] = 0x66;
    if (osz == 8)
        b[len++] = 0x48;
    b[len++] = osz == 1 ? 0xAA : 0xAB;
    x86_run_case(rep ? (down ? "rep stos (DF=1)" : "rep stos") : (down ? "stos (DF=1)" : "stos"), b,
                 len, &st, F_ALL | F_DF, (int)n);
}

static void x86_generated(long random_cases)
{
    xpick pk;
    /* Systematic: mov 89/88 and or 09 with every base (no SIB) and every source register,
     * mod 0/1/2; then every SIB base × index. */
    for (int base = 0; base < 16; base++) {
        for (int reg = 0; reg < 16; reg++) {
            for (int mod = 0; mod < 3; mod++) {
                pk = (xpick){mod, base, reg, -1, -1, 4};
                if ((base & 7) == 4) { /* rsp/r12 need a SIB: no index */
                    pk.sib_base = base;
                    pk.sib_index = 4;
                }
                x86_gen_modrm(&xforms[1], &pk);
                x86_gen_modrm(&xforms[0], &pk);
                x86_gen_modrm(&xforms[7], &pk);
            }
        }
    }
    for (int base = 0; base < 16; base++)
        for (int index = 0; index < 16; index++)
            for (int mod = 0; mod < 3; mod++) {
                pk = (xpick){mod, 4, -1, base, index, -1};
                x86_gen_modrm(&xforms[1], &pk);
            }
    /* Every form in every operand size, a few times each. */
    for (size_t k = 0; k < N_XFORMS; k++)
        for (int i = 0; i < 40; i++)
            x86_gen_modrm(&xforms[k], NULL);
    for (int i = 0; i < 200; i++) {
        x86_gen_moffs();
        x86_gen_stos();
    }
    for (long i = 0; i < random_cases; i++)
        x86_gen_modrm(&xforms[rnd(N_XFORMS)], NULL);
}

static int arch_setup(int fd)
{
    window = mmap(NULL, PAGE, PROT_READ, MAP_SHARED | MAP_32BIT, fd, 0);
    code = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                -1, 0);
    return window == MAP_FAILED || code == MAP_FAILED ? -1 : 0;
}

static void arch_tests(long random_cases)
{
    have_avx = __builtin_cpu_supports("avx");
    decode_unit_tests();
    printf("[x86_64] decoder unit tests done\n");
    x86_asm_cases();
    printf("[x86_64] inline-asm cases done\n");
    c_cases();
    printf("[x86_64] C-compiled cases done\n");
    x86_generated(random_cases);
    printf("[x86_64] generated cases: %ld run against the CPU, %ld mismatched\n", x86_cases, x86_fail);
}

/* ================================================================ aarch64 */
#elif defined(__aarch64__)

static void decode_unit_tests(void)
{
    static const struct {
        const char *name;
        uint32_t insn;
        int ret;
        unsigned size;
        int op;
    } cases[] = {
        {"str w1,[x0]", 0xB9000001, 0, 4, STROBE_STORE_MOV},
        {"stp x1,x2,[x0]", 0xA9000801, 0, 16, STROBE_STORE_MOV},
        {"stadd w1,[x0]", 0xB821001F, 0, 4, STROBE_STORE_ADD},
        {"stclr w1,[x0]", 0xB821101F, 0, 4, STROBE_STORE_AND},
        {"ldr w1,[x0]", 0xB9400001, -EINVAL, 0, 0},
        {"ldp x1,x2,[x0]", 0xA9400801, -EINVAL, 0, 0},
        {"ldxr w1,[x0]", 0x885F7C01, -EINVAL, 0, 0},
        {"str q1,[x0]", 0x3D800001, 0, 16, STROBE_STORE_MOV},
        {"stp q1,q2,[x0]", 0xAD000801, 0, 32, STROBE_STORE_MOV},
        {"str d1,[x0,#8]", 0xFD000401, 0, 8, STROBE_STORE_MOV},
        {"ldr q1,[x0]", 0x3DC00001, -EINVAL, 0, 0},
        {"st1 {v0.16b},[x0]", 0x4C007000, -ENOTSUP, 0, 0},
        {"stsmax w1,[x0]", 0xB821401F, -ENOTSUP, 0, 0},
        {"str w1,[x0,w2,uxtb]", 0xB8220801, -EINVAL, 0, 0},
        {"casp", 0x08207C00, -ENOTSUP, 0, 0},
    };
    static ucontext_t uc;
    static uint32_t buf[2];
    uint32_t head[2] = {0x46508001u, 16 + 32 * 16}; /* FPSIMD record: magic, size */
    for (int i = 0; i < 31; i++)
        uc.uc_mcontext.regs[i] = 0x1000 * (uint64_t)i;
    memcpy(uc.uc_mcontext.__reserved, head, 8);
    for (int i = 0; i < 32 * 16; i++) /* V1 = bytes 0x10 .. 0x1f */
        uc.uc_mcontext.__reserved[16 + i] = (unsigned char)i;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        strobe_store_insn in;
        int r;
        buf[0] = cases[k].insn;
        uc.uc_mcontext.pc = (uint64_t)(uintptr_t)buf;
        r = strobe_decode_store(&uc, &in);
        if (r != cases[k].ret)
            report_fail("decode %s: returned %d, want %d", cases[k].name, r, cases[k].ret);
        else if (r == 0 && (in.size != cases[k].size || in.op != cases[k].op || in.length != 4))
            report_fail("decode %s: size %u op %d length %u", cases[k].name, in.size, in.op,
                        in.length);
        else if (r == 0 && cases[k].insn == 0xAD000801 &&
                 (in.operand != 0x1716151413121110ULL || in.operand_hi[0] != 0x1f1e1d1c1b1a1918ULL ||
                  in.operand_hi[1] != 0x2726252423222120ULL || in.operand_hi[2] != 0x2f2e2d2c2b2a2928ULL))
            report_fail("decode %s: data %#llx %#llx %#llx %#llx", cases[k].name,
                        (unsigned long long)in.operand, (unsigned long long)in.operand_hi[0],
                        (unsigned long long)in.operand_hi[1], (unsigned long long)in.operand_hi[2]);
        else
            passed++;
    }
}

/* Operands are loaded into the named registers inside the asm from memory operands (register
 * variables in caller-saved registers don't survive the t_init() call at -O0). */

/* base x0 = window + b, value x1, index x2 */
#define A_CASE3(text, b, v, x2, off, size, init, want)                                    \
    do {                                                                                   \
        uint64_t b_ = W(0) + (uint64_t)(int64_t)(b), v_ = (v), i_ = (x2);                  \
        t_init(off, size, init);                                                           \
        __asm__ volatile("ldr x0, %0\n\tldr x1, %1\n\tldr x2, %2\n\t" text                 \
                         ::"m"(b_), "m"(v_), "m"(i_) : "x0", "x1", "x2", "memory");        \
        t_check(text, off, size, want, 1);                                                 \
    } while (0)
#define A_CASE(text, b, v, off, size, init, want) A_CASE3(text, b, v, 0, off, size, init, want)

/* like A_CASE3 (x2 = v2), and then register `reg` must hold want_reg; size up to 16 */
#define A_REG(text, b, v, v2, off, size, init, want, want2, reg, want_reg)                \
    do {                                                                                   \
        uint64_t b_ = W(0) + (uint64_t)(int64_t)(b), v_ = (v), i_ = (v2);                  \
        uint64_t r_ = 0;                                                                   \
        t_init(off, size > 8 ? 8 : size, init);                                            \
        if (size > 8) {                                                                    \
            memcpy(alias + off + 8, &(uint64_t){init}, 8);                                 \
            memcpy(g_snap, alias, PAGE);                                                   \
        }                                                                                  \
        __asm__ volatile("ldr x0, %1\n\tldr x1, %2\n\tldr x2, %3\n\t" text                 \
                         "\n\tstr " reg ", %0"                                             \
                         : "=m"(r_) : "m"(b_), "m"(v_), "m"(i_)                           \
                         : "x0", "x1", "x2", "x3", "x4", "x9", "memory");                  \
        t_check2(text, off, size, want, want2, 1);                                         \
        t_reg(text " (" reg " afterwards)", r_, want_reg);                                 \
    } while (0)

static void a64_asm_cases(void)
{
    A_CASE("str w1, [x0, #4]", 0, 0x1122334455667788ULL, 4, 4, 0, 0x55667788);
    A_CASE("strb w1, [x0, #1]", 0, 0x1234ULL, 1, 1, 0, 0x34);
    A_CASE("strh w1, [x0, #2]", 0, 0x12345678ULL, 2, 2, 0, 0x5678);
    A_CASE("str x1, [x0, #8]", 0, 0x1122334455667788ULL, 8, 8, 0, 0x1122334455667788ULL);
    A_CASE("str x1, [x0, #32760]", 0x10 - 32760, 0xabcdULL, 0x10, 8, 0, 0xabcd);
    A_CASE("str w1, [x0, #16380]", 0x20 - 16380, 0xabcdULL, 0x20, 4, 0, 0xabcd);
    A_CASE("stur w1, [x0, #-3]", 0x23, 0x600dULL, 0x20, 4, ~0ULL, 0x600d);
    A_CASE("stur x1, [x0, #255]", 0x1, 0x600dULL, 0x100, 8, ~0ULL, 0x600d);
    A_CASE("sturh w1, [x0, #-256]", 0x200, 0xbeefULL, 0x100, 2, 0, 0xbeef);
    A_CASE("sttr w1, [x0, #5]", 0x2b, 0xf00dULL, 0x30, 4, ~0ULL, 0xf00d);
    A_CASE3("str w1, [x0, x2, lsl #2]", 0, 0x1111ULL, 5, 20, 4, 0, 0x1111);
    A_CASE3("strb w1, [x0, x2]", 0, 0x22ULL, 0x33, 0x33, 1, 0, 0x22);
    A_CASE3("str x1, [x0, w2, sxtw #3]", 0x40, 0x3333ULL, 0xffffffffULL, 0x38, 8, 0, 0x3333);
    A_CASE3("strh w1, [x0, w2, uxtw #1]", 0, 0x4444ULL, 0xffff000000000003ULL, 6, 2, 0, 0x4444);
    A_CASE3("str w1, [x0, x2, sxtx]", 0x50, 0x5555ULL, (uint64_t)-8, 0x48, 4, 0, 0x5555);
    A_CASE3("str x1, [x0, w2, uxtw]", 0, 0x6666ULL, 0x60, 0x60, 8, 0, 0x6666);
    A_CASE("str wzr, [x0, #4]", 0, 0x1ULL, 4, 4, ~0ULL, 0);
    A_CASE("str xzr, [x0]", 0, 0x1ULL, 0, 8, ~0ULL, 0);
    A_CASE("strb wzr, [x0, #3]", 0, 0x1ULL, 3, 1, ~0ULL, 0);
    A_CASE("stlr w1, [x0]", 0x70, 0xdeadULL, 0x70, 4, 0, 0xdead);
    A_CASE("stlr x1, [x0]", 0x78, 0xdeadbeefcafeULL, 0x78, 8, 0, 0xdeadbeefcafeULL);
    A_CASE("stlrb w1, [x0]", 0x7f, 0x5aULL, 0x7f, 1, 0, 0x5a);
    /* pre/post-index: x0 written back */
    A_REG("str w1, [x0, #4]!", 0x40, 0x7777ULL, 0, 0x44, 4, 0, 0x7777, 0, "x0", W(0x44));
    A_REG("str x1, [x0], #-8", 0x50, 0x8888ULL, 0, 0x50, 8, 0, 0x8888, 0, "x0", W(0x48));
    A_REG("strb w1, [x0, #-1]!", 0x61, 0x99ULL, 0, 0x60, 1, 0, 0x99, 0, "x0", W(0x60));
    A_REG("strh w1, [x0], #2", 0x62, 0xaaaaULL, 0, 0x62, 2, 0, 0xaaaa, 0, "x0", W(0x64));
    /* store pair: two W = one 8-byte store, two X = 16 bytes */
    A_CASE3("stp w1, w2, [x0, #8]", 0x80, 0x11111111ULL, 0x22222222ULL, 0x88, 8, 0,
            0x2222222211111111ULL);
    A_REG("stp x1, x2, [x0, #16]", 0x80, 0x11111111ULL, 0x22222222ULL, 0x90, 16, 0, 0x11111111,
          0x22222222, "x1", 0x11111111);
    A_REG("stnp x2, x1, [x0]", 0x80, 0x11111111ULL, 0x22222222ULL, 0x80, 16, 0, 0x22222222,
          0x11111111, "x1", 0x11111111);
    A_REG("stp xzr, xzr, [x0]", 0x80, 0, 0, 0x80, 16, ~0ULL, 0, 0, "x1", 0);
    A_REG("stp x1, x2, [x0, #-16]!", 0xb0, 1, 2, 0xa0, 16, 0, 1, 2, "x0", W(0xa0));
    A_REG("stp w2, w1, [x0], #8", 0xa0, 1, 2, 0xa0, 8, 0, 0x0000000100000002ULL, 0, "x0", W(0xa8));
    /* SP as the base register (kept 16-byte aligned) */
    A_REG("mov x9, sp\n\tmov sp, x0\n\tstr w1, [sp, #16]\n\tmov sp, x9", 0xc0, 0x5050ULL, 0, 0xd0, 4, 0,
          0x5050, 0, "x1", 0x5050);
    A_REG("mov x9, sp\n\tmov sp, x0\n\tstr x1, [sp, #-16]!\n\tmov x0, sp\n\tmov sp, x9", 0xc0,
          0x5050ULL, 0, 0xb0, 8, 0, 0x5050, 0, "x0", W(0xb0));
    A_REG("mov x9, sp\n\tmov sp, x0\n\tstp x1, x2, [sp], #32\n\tmov x0, sp\n\tmov sp, x9", 0xc0, 3, 4,
          0xc0, 16, 0, 3, 4, "x0", W(0xe0));
    /* load-exclusive / store-exclusive: the store is emulated as succeeding (status 0) */
    A_REG("mov w4, #7\n\tldxr w3, [x0]\n\torr w3, w3, w1\n\tstxr w4, w3, [x0]", 0xe0, 0x10, 0, 0xe0, 4,
          0x01, 0x11, 0, "x4", 0);
    A_REG("mov w4, #7\n\tldaxr x3, [x0]\n\tadd x3, x3, x1\n\tstlxr w4, x3, [x0]", 0xe8, 0x10, 0, 0xe8, 8,
          0x01, 0x11, 0, "x4", 0);
    /* LSE atomics: memory = op(old, Rs), Rt = old */
    A_REG(".arch_extension lse\n\tstclr w1, [x0]", 0xf0, 0x0f, 0, 0xf0, 4, 0xf1, 0xf0, 0, "x1", 0x0f);
    A_REG(".arch_extension lse\n\tldset w1, w2, [x0]", 0xf0, 0x0f, 0, 0xf0, 4, 0x100, 0x10f, 0, "x2",
          0x100);
    A_REG(".arch_extension lse\n\tldaddal x1, x2, [x0]", 0xf0, 5, 0, 0xf0, 8, ~0ULL, 4, 0, "x2", ~0ULL);
    A_REG(".arch_extension lse\n\tsteorb w1, [x0]", 0xf0, 0xff, 0, 0xf0, 1, 0x0f, 0xf0, 0, "x1", 0xff);
    A_REG(".arch_extension lse\n\tswph w1, w2, [x0]", 0xf0, 0x1234, 0, 0xf0, 2, 0xabcd, 0x1234, 0, "x2",
          0xabcd);
    A_REG(".arch_extension lse\n\tcasal x2, x1, [x0]", 0xf0, 0x0f, 0x123, 0xf0, 8, 0x123, 0x0f, 0, "x2",
          0x123); /* equal: stored */
    A_REG(".arch_extension lse\n\tcas w2, w1, [x0]", 0xf0, 0x0f, 0x124, 0xf0, 4, 0x123, 0x123, 0, "x2",
          0x123); /* unequal: memory kept, Rs = old */
}

/* ---- generated instructions against the CPU (qemu when cross-run) */

typedef struct astate {
    uint64_t x[31]; /* 0 */
    uint64_t sp;    /* 248 */
    uint64_t nzcv;  /* 256 */
    uint64_t save[12]; /* 264: x19 .. x30 */
    uint64_t hostsp;   /* 360 */
    uint8_t v[32][16]; /* 368: q0 .. q31 */
    uint64_t dsave[8]; /* 880: d8 .. d15 (callee-saved) */
} astate;

#define A_SP 248
#define A_NZCV 256
#define A_SAVE 264
#define A_HOSTSP 360
#define A_V 368
#define A_DSAVE 880

static uint32_t *acode;
static unsigned an;

static void a_emit(uint32_t w) { acode[an++] = w; }
static uint32_t a_ldr(unsigned t, unsigned n, unsigned off)
{
    return 0xF9400000u | (off / 8) << 10 | n << 5 | t;
}
static uint32_t a_str(unsigned t, unsigned n, unsigned off)
{
    return 0xF9000000u | (off / 8) << 10 | n << 5 | t;
}
static uint32_t a_addi0(unsigned d, unsigned n) { return 0x91000000u | n << 5 | d; } /* mov to/from sp */
static uint32_t a_ldrq(unsigned t, unsigned n, unsigned off)
{
    return 0x3DC00000u | (off / 16) << 10 | n << 5 | t;
}
static uint32_t a_strq(unsigned t, unsigned n, unsigned off)
{
    return 0x3D800000u | (off / 16) << 10 | n << 5 | t;
}
static uint32_t a_ldrd(unsigned t, unsigned n, unsigned off)
{
    return 0xFD400000u | (off / 8) << 10 | n << 5 | t;
}
static uint32_t a_strd(unsigned t, unsigned n, unsigned off)
{
    return 0xFD000000u | (off / 8) << 10 | n << 5 | t;
}

/* Build: save callee-saved, load state, [pre], insn, store state, restore. S = state register. */
static void a_build(uint32_t insn, int pre, unsigned S)
{
    unsigned T = S == 0 ? 1 : 0;
    an = 0;
    for (unsigned i = 19; i <= 30; i++)
        a_emit(a_str(i, 0, A_SAVE + 8 * (i - 19)));
    for (unsigned i = 8; i <= 15; i++)
        a_emit(a_strd(i, 0, A_DSAVE + 8 * (i - 8)));
    for (unsigned i = 0; i < 32; i++)
        a_emit(a_ldrq(i, 0, A_V + 16 * i));
    if (S != 0)
        a_emit(0xAA0003E0u | S); /* mov xS, x0 */
    a_emit(a_addi0(T, 31));      /* mov xT, sp */
    a_emit(a_str(T, S, A_HOSTSP));
    a_emit(a_ldr(T, S, A_NZCV));
    a_emit(0xD51B4200u | T);     /* msr nzcv, xT */
    a_emit(a_ldr(T, S, A_SP));
    a_emit(a_addi0(31, T));      /* mov sp, xT */
    for (unsigned i = 0; i < 31; i++)
        if (i != S)
            a_emit(a_ldr(i, S, 8 * i));
    if (pre)
        a_emit((uint32_t)pre);
    a_emit(insn);
    for (unsigned i = 0; i < 31; i++)
        if (i != S)
            a_emit(a_str(i, S, 8 * i));
    for (unsigned i = 0; i < 32; i++)
        a_emit(a_strq(i, S, A_V + 16 * i));
    for (unsigned i = 8; i <= 15; i++)
        a_emit(a_ldrd(i, S, A_DSAVE + 8 * (i - 8)));
    a_emit(0xD53B4200u | T);     /* mrs xT, nzcv */
    a_emit(a_str(T, S, A_NZCV));
    a_emit(a_addi0(T, 31));
    a_emit(a_str(T, S, A_SP));
    a_emit(a_ldr(T, S, A_HOSTSP));
    a_emit(a_addi0(31, T));
    for (unsigned i = 19; i <= 30; i++)
        if (i != S)
            a_emit(a_ldr(i, S, A_SAVE + 8 * (i - 19)));
    if (S >= 19)
        a_emit(a_ldr(S, S, A_SAVE + 8 * (S - 19)));
    a_emit(0xD65F03C0u); /* ret */
    __builtin___clear_cache((char *)acode, (char *)(acode + an));
}

static void arun_thunk(void *s, void *c)
{
    ((void (*)(astate *))c)(s);
}

static long a64_cases, a64_fail;

static void a64_run_case(const char *name, uint32_t insn, int pre, const astate *in, unsigned S)
{
    static uint8_t before[PAGE], native_page[PAGE];
    astate s1 = *in, s2 = *in;
    int bad = 0;

    a_build(insn, pre, S);
    a64_cases++;
    memcpy(before, alias, PAGE);
    set_window_writable(1);
    g_native = 1;
    if (run_guarded(arun_thunk, &s1, acode) != 0) {
        g_native = 0;
        set_window_writable(0);
        report_fail("a64 %s [%08x]: native run: %s", name, insn, g_err);
        a64_fail++;
        return;
    }
    g_native = 0;
    set_window_writable(0);
    memcpy(native_page, alias, PAGE);
    memcpy(alias, before, PAGE);
    g_faults = 0;
    if (run_guarded(arun_thunk, &s2, acode) != 0) {
        report_fail("a64 %s [%08x]: %s", name, insn, g_err);
        a64_fail++;
        return;
    }
    if (g_faults != 1) {
        report_fail("a64 %s [%08x]: %d faults", name, insn, g_faults);
        bad = 1;
    }
    if (memcmp(native_page, alias, PAGE) != 0) {
        unsigned i = 0;
        while (native_page[i] == alias[i])
            i++;
        report_fail("a64 %s [%08x]: memory differs at window+%#x: %02x, CPU wrote %02x", name,
                    insn, i, alias[i], native_page[i]);
        bad = 1;
    }
    for (unsigned r = 0; r < 31; r++) {
        if (r != S && s1.x[r] != s2.x[r]) {
            report_fail("a64 %s [%08x]: x%u = %#llx, CPU gives %#llx", name, insn, r,
                        (unsigned long long)s2.x[r], (unsigned long long)s1.x[r]);
            bad = 1;
        }
    }
    if (memcmp(s1.v, s2.v, sizeof s1.v) != 0) {
        report_fail("a64 %s [%08x]: V registers differ", name, insn);
        bad = 1;
    }
    if (s1.sp != s2.sp || s1.nzcv != s2.nzcv) {
        report_fail("a64 %s [%08x]: sp/nzcv %#llx/%#llx, CPU gives %#llx/%#llx", name, insn,
                    (unsigned long long)s2.sp, (unsigned long long)s2.nzcv,
                    (unsigned long long)s1.sp, (unsigned long long)s1.nzcv);
        bad = 1;
    }
    if (bad)
        a64_fail++;
    else
        passed++;
}

enum { A_STR_UIMM, A_IMM9, A_REGOFF, A_STP, A_STXR, A_STXP, A_STLR, A_STLUR, A_CAS, A_LSE, A_NKINDS };
static const char *const a_kind_name[] = {"str uimm12", "stur/sttr/pre/post", "str regoffset", "stp",
                                          "stxr", "stxp", "stlr", "stlur", "cas", "lse atomic"};

static uint64_t a_sext(uint64_t v, unsigned bits)
{
    return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* One generated aarch64 store. force_rt / force_rn >= 0 pin the registers. */
static int a64_gen(int kind, int force_rt, int force_rn)
{
    unsigned size_log2 = rnd(4), size, rt, rn, rt2 = 0, rm = 0, rs = 0, S;
    int wb = 0, atomic = 0, uses_rt2 = 0, uses_rm = 0, uses_rs = 0, pre = 0;
    /* SIMD&FP variant (V = 1): B/H/S/D/Q registers; q: a Q register (size field 00, opc 10) */
    unsigned v = (kind <= A_STP && rnd(3) == 0), q = v && kind != A_STP && rnd(5) == 0;
    uint32_t vbits = v << 26 | q << 23;
    uint64_t offset = 0, target, base;
    uint32_t insn = 0;
    unsigned off, align;
    astate st;
    char name[64];

    fill_page_random();
    rt = force_rt >= 0 ? (unsigned)force_rt : rnd(32);
    rn = force_rn >= 0 ? (unsigned)force_rn : rnd(32);
    for (int i = 0; i < 31; i++)
        st.x[i] = rnd64();
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 16; j += 8) {
            uint64_t x = rnd64();
            memcpy(&st.v[i][j], &x, 8);
        }
    st.nzcv = (rnd64() & 0xF) << 28;
    if (q)
        size_log2 = 0; /* the size field; 16 bytes are stored */

    switch (kind) {
    case A_STR_UIMM: {
        unsigned imm12 = rnd(4096);
        insn = size_log2 << 30 | 0x39000000u | imm12 << 10 | vbits;
        offset = (uint64_t)imm12 << (q ? 4 : size_log2);
        break;
    }
    case A_IMM9: {
        unsigned op2 = rnd(4), imm9 = rnd(512);
        if (v && op2 == 2)
            op2 = 0; /* no SIMD&FP STTR */
        insn = size_log2 << 30 | 0x38000000u | imm9 << 12 | op2 << 10 | vbits;
        offset = (op2 == 1) ? 0 : a_sext(imm9, 9);
        wb = op2 == 1 || op2 == 3;
        break;
    }
    case A_REGOFF: {
        unsigned option = (unsigned[]){2, 3, 6, 7}[rnd(4)], s = rnd(2);
        uint64_t v = 0, ext = 0;
        rm = rnd(32);
        uses_rm = 1;
        if (rm == rn && rn != 31)
            return 0;
        if (rm != 31) {
            int64_t sv = (int64_t)rnd(129) - 64;
            switch (option) {
            case 2: v = (uint64_t)rnd(128) | (rnd64() << 32); ext = v & 0xffffffffu; break;
            case 6: v = (uint32_t)sv | (rnd64() << 32); ext = (uint64_t)sv; break;
            default: v = (uint64_t)sv; ext = v; break;
            }
            st.x[rm] = v;
        }
        insn = size_log2 << 30 | 0x38200800u | rm << 16 | option << 13 | s << 12 | vbits;
        offset = ext << (s ? (q ? 4 : size_log2) : 0);
        break;
    }
    case A_STP: {
        unsigned opc = v ? rnd(3) : rnd(2) ? 2 : 0, mode = rnd(4), imm7 = rnd(128);
        unsigned scale = v ? 2 + opc : opc ? 3 : 2; /* S/D/Q or W/X */
        rt2 = rnd(32);
        uses_rt2 = !v;
        size_log2 = scale + 1; /* bytes written: the pair */
        insn = opc << 30 | 0x28000000u | mode << 23 | imm7 << 15 | rt2 << 10 | v << 26;
        offset = mode == 1 ? 0 : a_sext(imm7, 7) << scale;
        wb = mode == 1 || mode == 3;
        break;
    }
    case A_STXR:
        rs = rnd(32);
        uses_rs = 1;
        if (rs == rt || (rs == rn && rn != 31))
            return 0;
        insn = size_log2 << 30 | 0x08007C00u | rs << 16 | rnd(2) << 15;
        pre = (int)(size_log2 << 30 | 0x085F7C00u | rn << 5 | rs); /* ldxr ws, [xn] arms the monitor */
        atomic = 1;
        break;
    case A_STXP: {
        unsigned sz = rnd(2);
        rs = rnd(31);
        rt2 = rnd(32);
        uses_rs = uses_rt2 = 1;
        if (rs == rt || rs == rt2 || (rs == rn && rn != 31))
            return 0;
        size_log2 = sz ? 4 : 3;
        insn = 1u << 31 | sz << 30 | 0x08200000u | rs << 16 | rnd(2) << 15 | rt2 << 10;
        pre = (int)(1u << 31 | sz << 30 | 0x087F0000u | 31u << 10 | rn << 5 | rs); /* ldxp ws, wzr, [xn] */
        atomic = 1;
        break;
    }
    case A_STLR:
        insn = size_log2 << 30 | 0x089F7C00u | rnd(2) << 15; /* STLR / STLLR */
        atomic = 1;
        break;
    case A_STLUR: {
        unsigned imm9 = rnd(512);
        insn = size_log2 << 30 | 0x19000000u | imm9 << 12;
        offset = a_sext(imm9, 9);
        atomic = 1;
        break;
    }
    case A_CAS:
        rs = rnd(32);
        uses_rs = 1;
        insn = size_log2 << 30 | 0x08A07C00u | rnd(2) << 22 | rs << 16 | rnd(2) << 15;
        atomic = 1;
        break;
    default: { /* LSE: LDADD LDCLR LDEOR LDSET SWP with A/R */
        unsigned which = rnd(5), o3 = which == 4, opc = which == 4 ? 0 : which;
        rs = rnd(32);
        uses_rs = 1;
        insn = size_log2 << 30 | 0x38200000u | rnd(4) << 22 | rs << 16 | o3 << 15 | opc << 12;
        atomic = 1;
        break;
    }
    }
    insn |= rn << 5 | rt;
    size = q ? 16 : 1u << size_log2;
    if (wb && rn != 31 && !v && (rn == rt || (uses_rt2 && rn == rt2)))
        return 0;
    align = atomic ? size : (rnd(2) ? size : 1);
    if (align > 16)
        align = 16;

    /* base = target - offset; SP as base must be 16-byte aligned */
    for (int tries = 0;; tries++) {
        if (tries == 64)
            return 0;
        off = 32 + rnd(PAGE - 64);
        off -= off % align;
        target = W(off);
        base = target - offset;
        if (rn == 31) {
            base &= ~15ULL;
            target = base + offset;
            off = (unsigned)(target - W(0));
            if (target < W(0) || off + size > PAGE || off % align)
                continue;
        }
        break;
    }
    if (rn == 31)
        st.sp = base;
    else
        st.x[rn] = base;
    if (kind == A_CAS && rs != 31 && rs != rn && rnd(2)) {
        uint64_t cur = 0;
        memcpy(&cur, alias + off, size);
        st.x[rs] = (st.x[rs] & ~size_mask(size)) | cur; /* compare succeeds */
    }
    /* the state register: any register the instruction doesn't name */
    do
        S = rnd(31);
    while ((S == rt && !v) || S == rn || (uses_rt2 && S == rt2) || (uses_rm && S == rm) ||
           (uses_rs && S == rs));
    if (rn != 31)
        st.sp = rnd64() & ~15ULL; /* not used by the instruction; the handler has its own stack */
    snprintf(name, sizeof name, "%s%s size %u", v ? "SIMD&FP " : "", a_kind_name[kind], size);
    a64_run_case(name, insn, pre, &st, S);
    return 1;
}

static void a64_generated(long random_cases)
{
    /* Systematic: STR/STUR/register-offset with every Rt × Rn. */
    for (int rt = 0; rt < 32; rt++)
        for (int rn = 0; rn < 32; rn++) {
            a64_gen(A_STR_UIMM, rt, rn);
            a64_gen(rn % 2 ? A_IMM9 : A_REGOFF, rt, rn);
        }
    for (int k = 0; k < A_NKINDS; k++)
        for (int i = 0; i < 100; i++)
            a64_gen(k, -1, -1);
    for (long i = 0; i < random_cases; i++)
        a64_gen((int)rnd(A_NKINDS), -1, -1);
}

static int arch_setup(int fd)
{
    window = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
    code = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    acode = (uint32_t *)code;
    return window == MAP_FAILED || code == MAP_FAILED ? -1 : 0;
}

static void arch_tests(long random_cases)
{
    decode_unit_tests();
    printf("[aarch64] decoder unit tests done\n");
    a64_asm_cases();
    printf("[aarch64] inline-asm cases done\n");
    c_cases();
    printf("[aarch64] C-compiled cases done\n");
    a64_generated(random_cases);
    printf("[aarch64] generated cases: %ld run against the CPU, %ld mismatched\n", a64_cases, a64_fail);
}

#else
static int arch_setup(int fd)
{
    (void)fd;
    return -1;
}
static void arch_tests(long random_cases) { (void)random_cases; }
#endif

int main(void)
{
    static uint8_t altstack[1 << 16];
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0};
    struct sigaction sa;
    const char *env = getenv("TRAP_SELFTEST_CASES");
    long random_cases = env ? atol(env) : 20000;
    int fd;

    setvbuf(stdout, NULL, _IOLBF, 0);
    fd = memfd_create("trap-decode-selftest", 0);
    if (fd < 0 || ftruncate(fd, PAGE) != 0) {
        perror("memfd");
        return 2;
    }
    if (arch_setup(fd) != 0) {
        printf("unsupported CPU or mmap failed\n0 passed, 1 failed\n");
        return 1;
    }
    alias = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (alias == MAP_FAILED) {
        perror("mmap");
        return 2;
    }
    /* The handler runs on its own stack: some generated stores use the stack pointer as the
     * base register, pointing it into the read-only window. */
    if (sigaltstack(&ss, NULL) != 0) {
        perror("sigaltstack");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);

    arch_tests(random_cases);

    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
