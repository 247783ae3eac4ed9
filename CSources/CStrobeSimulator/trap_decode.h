/*
 * trap_decode.h — decoding of the store instruction that faulted on the virtual bench's
 * read-only register window, and resuming after it (private to CStrobe).
 *
 * The bench's SIGSEGV handler does, for a fault inside the window:
 *
 *     strobe_store_insn in;
 *     int r = strobe_decode_store(uc, &in);          // -ENOTSUP / -EINVAL: abort with a message
 *     uint64_t old = <read in.size bytes at si_addr through the writable view>;
 *     uint64_t new_value = strobe_store_apply(&in, old);
 *     <write new_value (in.size bytes) through the writable view; for in.size 16 or 32 write
 *      operand, operand_hi[0], [1], [2] instead (wide stores are always MOV)>;
 *     strobe_resume_after(uc, &in, old);
 *
 * Supported on x86_64 Linux and aarch64 Linux; elsewhere strobe_decode_store returns -ENOTSUP.
 */
#ifndef STROBE_TRAP_DECODE_H
#define STROBE_TRAP_DECODE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum strobe_store_op {
    STROBE_STORE_MOV = 0, /* new = operand */
    STROBE_STORE_OR,      /* new = old | operand */
    STROBE_STORE_AND,     /* new = old & operand (aarch64 LDCLR: operand is already ~Rs) */
    STROBE_STORE_XOR,     /* new = old ^ operand (x86 NOT: operand is all ones) */
    STROBE_STORE_ADD,     /* new = old + operand (x86 INC: operand 1) */
    STROBE_STORE_SUB,     /* new = old - operand (x86 DEC: operand 1) */
    STROBE_STORE_XCHG,    /* new = operand; the source register receives old */
    /* Additions beyond the original set: */
    STROBE_STORE_CMPXCHG, /* new = (old == expected) ? operand : old (x86 CMPXCHG, aarch64 CAS) */
    STROBE_STORE_NEG      /* new = -old (x86 NEG); operand unused */
} strobe_store_op;

typedef struct strobe_store_insn {
    int op;            /* strobe_store_op: new = op(old, operand); MOV: new = operand */
    unsigned size;     /* bytes written: 1, 2, 4 or 8; 16 or 32 for wide stores (always MOV):
                          x86 SSE/AVX-128 MOVUPS/MOVDQA/...; aarch64 STR Qt, STP of X/D registers
                          (16), STP of Q registers (32) */
    uint64_t operand;  /* source register contents or immediate, truncated/sign-extended to size as
                          the CPU would (bits above size are zero); size 16/32: bytes 0-7 */
    unsigned length;   /* instruction length in bytes (4 on aarch64) */

    /* Public additions. */
    uint64_t operand_hi[3]; /* size 16/32: bytes 8-15, 16-23, 24-31 of the data (little-endian) */
    uint64_t expected; /* STROBE_STORE_CMPXCHG: the compare value (accumulator / Rs), truncated to size */
    uint64_t addr;     /* effective address of the store, computed from the registers */
    int addr_known;    /* 0 when addr can't be computed (x86 FS/GS segment override) */
    int fetches;       /* 1 when a register receives the old memory value (XCHG, XADD, CMPXCHG,
                          aarch64 SWP/LDADD/LDSET/LDCLR/LDEOR/CAS); informational */

    /* Private: filled by strobe_decode_store for strobe_resume_after. Don't touch. */
    struct {
        int16_t fetch_reg;   /* register receiving old (x86: 0-15, 16-19 = AH CH DH BH), -1 none */
        uint8_t fetch_mode;  /* 0 none, 1 always, 2 only when old != expected (x86 CMPXCHG) */
        uint8_t flags;       /* x86: how EFLAGS change (trap_decode.c's FL_*) */
        uint8_t bit;         /* x86 BTS/BTR/BTC: bit number whose old value goes to CF */
        uint8_t has_wb;      /* a base register is written back (aarch64 pre/post-index, x86 STOS) */
        uint8_t wb_reg;      /* that register (aarch64 31 = SP) */
        uint8_t rep;         /* x86 REP STOS: decrement RCX, re-execute until it reaches 0 */
        int16_t status_reg;  /* aarch64 STXR: register receiving the 0 status, -1 none */
        uint64_t wb_value;   /* new value of wb_reg */
    } priv;
} strobe_store_insn;

/* Decode the store that faulted at the PC in `ucontext` (a ucontext_t* from an SA_SIGINFO
 * handler). 0, or -ENOTSUP for an instruction form not supported (the caller then aborts with
 * a message), -EINVAL for garbage (including a form that can't fault on a store). */
int strobe_decode_store(const void *ucontext, strobe_store_insn *out);

/* new = op(old, operand), truncated to size. `old` is the memory's value before the store (bits
 * above size are ignored). Wide stores (size 16/32) are MOVs: their data is operand and
 * operand_hi[], not this. */
uint64_t strobe_store_apply(const strobe_store_insn *insn, uint64_t old);

/* Resume after the instruction: advance the PC by insn->length; for XCHG (and the other
 * fetching forms) put `old_value` into the register; for aarch64 pre/post-index forms apply the
 * base-register writeback; on x86 update EFLAGS as the instruction would (ALU forms); for
 * aarch64 STXR write status 0 (success). For x86 REP STOS the PC only advances once RCX
 * reaches 0, so the next element faults again. */
void strobe_resume_after(void *ucontext, const strobe_store_insn *insn, uint64_t old_value);

#ifdef __cplusplus
}
#endif

#endif /* STROBE_TRAP_DECODE_H */
