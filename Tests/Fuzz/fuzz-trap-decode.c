/*
 * fuzz-trap-decode.c — the virtual bench's store decoder (CSources/CStrobeSimulator/
 * trap_decode.c) on arbitrary instruction bytes and register contents.
 *
 * Builds a ucontext as the SIGSEGV handler receives it — the program counter at the
 * instruction, the general registers and (unless flags bit 0 says none) an FP/SIMD save area —
 * and calls strobe_decode_store(), then strobe_store_apply() and strobe_resume_after() on what
 * it decoded. The input is
 *
 *     flags, 15 instruction bytes (x86_64: the longest instruction; aarch64: the first 4),
 *     then register contents (general registers, then the vector registers), 0 past the end
 *
 * The instruction sits in a buffer of exactly 15 bytes, so AddressSanitizer reports a decoder
 * that reads past the longest instruction there can be. Checks: the decoder returns 0,
 * -EINVAL or -ENOTSUP; a decoded store has a length of 1-15 bytes (aarch64: 4), a size of 1,
 * 2, 4, 8, 16 (or aarch64's 32), an operand and compare value that fit the size, a known
 * operation, a MOV for every wide store; decoding twice gives the same answer; applying it
 * gives a value that fits the size; resuming moves the PC past the instruction (REP STOS:
 * until RCX is 0) and changes no register the instruction doesn't write.
 *
 * fuzz-sources: CSources/CStrobeSimulator/trap_decode.c
 */
#define _GNU_SOURCE
#include "trap_decode.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define INSN_MAX 15

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-trap-decode: invariant broken: %s\n", what);
        abort();
    }
}

static uint64_t mask_of(unsigned size) { return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (size * 8)) - 1); }

typedef struct reader {
    const uint8_t *p, *end;
} reader;

static void fill(reader *r, void *dst, size_t n) {
    uint8_t *d = dst;
    for (size_t i = 0; i < n; i++) d[i] = r->p < r->end ? *r->p++ : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    reader r = {data + 1, data + size};
    uint8_t flags = data[0];
    uint8_t *insn = malloc(INSN_MAX); /* exactly the longest instruction: ASan guards the end */
    must(insn != NULL, "malloc");
    fill(&r, insn, INSN_MAX);

    ucontext_t *uc = calloc(1, sizeof *uc);
    must(uc != NULL, "calloc");
#if defined(__x86_64__)
    struct _libc_fpstate *fp = calloc(1, sizeof *fp);
    must(fp != NULL, "calloc");
    fill(&r, uc->uc_mcontext.gregs, sizeof uc->uc_mcontext.gregs);
    fill(&r, fp->_xmm, sizeof fp->_xmm);
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)(uintptr_t)insn;
    uc->uc_mcontext.fpregs = flags & 1 ? NULL : fp;
#elif defined(__aarch64__)
    fill(&r, uc->uc_mcontext.regs, sizeof uc->uc_mcontext.regs);
    fill(&r, &uc->uc_mcontext.sp, sizeof uc->uc_mcontext.sp);
    uc->uc_mcontext.pc = (uint64_t)(uintptr_t)insn;
    if (!(flags & 1)) {
        uint32_t head[2] = {0x46508001u, 16 + 32 * 16}; /* the FPSIMD record: magic, size */
        memcpy(uc->uc_mcontext.__reserved, head, sizeof head);
        fill(&r, uc->uc_mcontext.__reserved + 16, 32 * 16);
    } else {
        /* Whatever the input says the records are: the walk must stay inside __reserved. */
        fill(&r, uc->uc_mcontext.__reserved, 64);
    }
#endif

    strobe_store_insn in, again;
    int rc = strobe_decode_store(uc, &in);
    must(rc == 0 || rc == -EINVAL || rc == -ENOTSUP, "decode returns 0, -EINVAL or -ENOTSUP");
    if (rc == 0) {
        must(strobe_decode_store(uc, &again) == 0 && memcmp(&in, &again, sizeof in) == 0, "decoding is repeatable");
#if defined(__x86_64__)
        must(in.length >= 1 && in.length <= INSN_MAX, "x86 length 1-15");
        must(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8 || in.size == 16, "x86 size 1, 2, 4, 8 or 16");
#else
        must(in.length == 4, "aarch64 length 4");
        must(in.size == 1 || in.size == 2 || in.size == 4 || in.size == 8 || in.size == 16 || in.size == 32,
             "aarch64 size 1-32");
#endif
        must(in.op >= STROBE_STORE_MOV && in.op <= STROBE_STORE_NEG, "a known operation");
        if (in.size > 8) must(in.op == STROBE_STORE_MOV, "wide stores are MOVs");
        else {
            must((in.operand & ~mask_of(in.size)) == 0, "the operand fits the size");
            if (in.op == STROBE_STORE_CMPXCHG) must((in.expected & ~mask_of(in.size)) == 0, "the compare value fits");
        }
        uint64_t old;
        memcpy(&old, insn + (flags >> 4) % 8, sizeof old); /* any old memory value */
        uint64_t v = strobe_store_apply(&in, old);
        must((v & ~mask_of(in.size)) == 0, "the new value fits the size");

        ucontext_t *after = malloc(sizeof *after);
        must(after != NULL, "malloc");
        memcpy(after, uc, sizeof *uc);
        strobe_resume_after(after, &in, old);
#if defined(__x86_64__)
        greg_t *g0 = uc->uc_mcontext.gregs, *g1 = after->uc_mcontext.gregs;
        int stos = in.priv.rep;
        uint64_t rip = (uint64_t)g1[REG_RIP] - (uint64_t)g0[REG_RIP];
        must(rip == in.length || (stos && rip == 0 && (uint64_t)g1[REG_RCX] != 0), "RIP moves past the instruction");
        for (int i = 0; i < NGREG; i++) {
            if (g0[i] == g1[i] || i == REG_RIP || i == REG_EFL) continue;
            /* Written: the register receiving the old value (AH..BH are in RAX..RBX), STOS's
             * RDI and REP's RCX. */
            int fetch = in.priv.fetch_reg;
            static const int greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
                                            REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15};
            int ok = (fetch >= 0 && fetch < 16 && i == greg_of[fetch]) || (fetch >= 16 && fetch < 20 && i == greg_of[fetch - 16]) ||
                     (in.priv.has_wb && i == REG_RDI) || (stos && i == REG_RCX);
            must(ok, "resuming writes only the registers the instruction writes");
        }
#else
        must(after->uc_mcontext.pc - uc->uc_mcontext.pc == 4, "the PC moves past the instruction");
#endif
        free(after);
    }
#if defined(__x86_64__)
    free(fp);
#endif
    free(uc);
    free(insn);
    return 0;
}
