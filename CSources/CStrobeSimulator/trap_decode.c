/*
 * trap_decode.c — decode the store instruction that faulted on the virtual bench's read-only
 * window, and resume after it. See trap_decode.h for the protocol with the SIGSEGV handler.
 *
 * Only what a store can be is decoded: the destination is always memory, so register-direct
 * ModRM forms (x86) and loads (aarch64) are rejected as -EINVAL — they can't have faulted with a
 * write to the window. Forms that do store but aren't emulated return -ENOTSUP.
 *
 * Everything here runs inside a signal handler: no allocation, no locks, no libc beyond memcpy.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* REG_RIP & co. in <sys/ucontext.h> */
#endif

#include "trap_decode.h"

#include <errno.h>
#include <string.h>
#include <ucontext.h>

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~(uint64_t)0 : (((uint64_t)1 << (size * 8)) - 1);
}

uint64_t strobe_store_apply(const strobe_store_insn *insn, uint64_t old)
{
    uint64_t m = size_mask(insn->size);
    uint64_t v;
    old &= m;
    switch (insn->op) {
    case STROBE_STORE_OR: v = old | insn->operand; break;
    case STROBE_STORE_AND: v = old & insn->operand; break;
    case STROBE_STORE_XOR: v = old ^ insn->operand; break;
    case STROBE_STORE_ADD: v = old + insn->operand; break;
    case STROBE_STORE_SUB: v = old - insn->operand; break;
    case STROBE_STORE_CMPXCHG: v = old == (insn->expected & m) ? insn->operand : old; break;
    case STROBE_STORE_NEG: v = (uint64_t)0 - old; break;
    default: v = insn->operand; break; /* MOV, XCHG */
    }
    return v & m;
}

#if defined(__x86_64__)

/* How an instruction changes EFLAGS (strobe_store_insn.priv.flags). */
enum { FL_NONE = 0, FL_LOGIC, FL_ADD, FL_SUB, FL_INC, FL_DEC, FL_NEG, FL_BT, FL_CMP };

#define EF_CF 0x001u
#define EF_PF 0x004u
#define EF_AF 0x010u
#define EF_ZF 0x040u
#define EF_SF 0x080u
#define EF_DF 0x400u
#define EF_OF 0x800u
#define EF_ARITH (EF_CF | EF_PF | EF_AF | EF_ZF | EF_SF | EF_OF)

/* Register numbers as ModRM/SIB/REX encode them (rax=0 … r15=15) → gregs[] index. */
static const int greg_of[16] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
    REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

/* Register operand ids: 0-15 as above, 16-19 = AH, CH, DH, BH (bits 8-15 of rax..rbx). */
#define X86_AH 16

static uint64_t x86_reg(const ucontext_t *uc, int r)
{
    return (uint64_t)uc->uc_mcontext.gregs[greg_of[r]];
}

static uint64_t x86_reg_sized(const ucontext_t *uc, int r, unsigned size)
{
    if (r >= X86_AH)
        return (x86_reg(uc, r - X86_AH) >> 8) & 0xff;
    return x86_reg(uc, r) & size_mask(size);
}

/* Write a register as an instruction of operand size `size` would: 8/16-bit writes keep the
 * other bits, 32-bit writes zero-extend to 64. */
static void x86_set_reg_sized(ucontext_t *uc, int r, unsigned size, uint64_t v)
{
    greg_t *g;
    uint64_t cur;
    if (r >= X86_AH) {
        g = &uc->uc_mcontext.gregs[greg_of[r - X86_AH]];
        cur = (uint64_t)*g;
        *g = (greg_t)((cur & ~(uint64_t)0xff00) | ((v & 0xff) << 8));
        return;
    }
    g = &uc->uc_mcontext.gregs[greg_of[r]];
    cur = (uint64_t)*g;
    switch (size) {
    case 1: *g = (greg_t)((cur & ~(uint64_t)0xff) | (v & 0xff)); break;
    case 2: *g = (greg_t)((cur & ~(uint64_t)0xffff) | (v & 0xffff)); break;
    case 4: *g = (greg_t)(v & 0xffffffffu); break;
    default: *g = (greg_t)v; break;
    }
}

/* A byte register operand: without any REX prefix, 4-7 name AH, CH, DH, BH; with one, SPL-DIL. */
static int x86_byte_reg(int r, int rex)
{
    return (!rex && r >= 4 && r < 8) ? X86_AH + (r - 4) : r;
}

typedef struct x86_modrm {
    int reg;         /* ModRM.reg extended by REX.R */
    int rip_rel;     /* effective address is next-RIP + disp */
    int64_t disp;
    uint64_t ea;     /* base + index*scale + disp (RIP not yet added) */
} x86_modrm;

/* An instruction is at most 15 bytes ([SDM] vol. 2, 2.3.11): every read stays inside them, so
 * bytes that can't be one instruction never make the decoder read past what the CPU fetched
 * (the next page may not be mapped). -EINVAL when fewer than n of the 15 are left at p. */
#define X86_INSN_MAX 15
#define X86_NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) return -EINVAL; } while (0)

/* Parse ModRM, SIB and displacement at *pp (memory forms only, none of it at or past `end`)
 * and advance *pp past them. */
static int x86_parse_modrm(const ucontext_t *uc, const uint8_t **pp, const uint8_t *end, int rex, x86_modrm *m)
{
    const uint8_t *p = *pp;
    X86_NEED(1);
    uint8_t modrm = *p++;
    int mod = modrm >> 6, rm = modrm & 7;
    int disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    uint64_t ea = 0;

    m->reg = ((modrm >> 3) & 7) | ((rex & 4) << 1);
    m->rip_rel = 0;
    if (mod == 3)
        return -EINVAL; /* register destination: not a memory store */
    if (rm == 4) {
        /* SIB. The "no base" and "no index" cases look at the 3-bit fields only, so r13 with
         * mod 0 is also "disp32, no base", while r12 as index is a real index. */
        X86_NEED(1);
        uint8_t sib = *p++;
        int scale = sib >> 6;
        int index = ((sib >> 3) & 7) | ((rex & 2) << 2);
        int base = (sib & 7) | ((rex & 1) << 3);
        if (index != 4)
            ea += x86_reg(uc, index) << scale;
        if ((sib & 7) == 5 && mod == 0)
            disp_len = 4;
        else
            ea += x86_reg(uc, base);
    } else if (mod == 0 && rm == 5) {
        m->rip_rel = 1; /* 64-bit mode: [rip + disp32] */
        disp_len = 4;
    } else {
        ea += x86_reg(uc, rm | ((rex & 1) << 3));
    }
    X86_NEED(disp_len);
    if (disp_len == 1) {
        m->disp = (int8_t)*p;
    } else if (disp_len == 4) {
        int32_t d;
        memcpy(&d, p, 4);
        m->disp = d;
    } else {
        m->disp = 0;
    }
    p += disp_len;
    m->ea = ea + (uint64_t)m->disp;
    *pp = p;
    return 0;
}

/* Condition cc (low nibble of Jcc/SETcc) evaluated on EFLAGS f. */
static int x86_cond(uint64_t f, int cc)
{
    int cf = (f & EF_CF) != 0, pf = (f & EF_PF) != 0, zf = (f & EF_ZF) != 0;
    int sf = (f & EF_SF) != 0, of = (f & EF_OF) != 0;
    int r;
    switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf | zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    default: r = zf | (sf != of); break;
    }
    return (cc & 1) ? !r : r;
}

/* SSE / AVX-128 stores of an XMM register (map 0F): bytes stored, 0 when op2 with mandatory
 * prefix pp (0 none, 1 66, 2 F3, 3 F2) is not such a store. *high: the upper 8 bytes are stored.
 * MMX forms (no prefix 7E/7F) and 256-bit VEX forms are not handled. */
static unsigned x86_simd_size(uint8_t op2, int pp, int w, int *high)
{
    *high = 0;
    switch (op2) {
    case 0x11: return pp == 2 ? 4 : pp == 3 ? 8 : 16;   /* movups/movupd, movss, movsd */
    case 0x29: case 0x2B: return pp <= 1 ? 16 : 0;      /* movaps/movapd, movntps/movntpd */
    case 0x7F: return pp == 1 || pp == 2 ? 16 : 0;       /* movdqa, movdqu */
    case 0xE7: return pp == 1 ? 16 : 0;                  /* movntdq */
    case 0x7E: return pp == 1 ? (w ? 8u : 4u) : 0;       /* movd/movq r/m, xmm */
    case 0xD6: return pp == 1 ? 8 : 0;                   /* movq m64, xmm */
    case 0x13: return pp <= 1 ? 8 : 0;                   /* movlps/movlpd m64, xmm */
    case 0x17: *high = 1; return pp <= 1 ? 8 : 0;        /* movhps/movhpd m64, xmm */
    default: return 0;
    }
}

static uint64_t x86_read_imm(const uint8_t **pp, unsigned len)
{
    const uint8_t *p = *pp;
    uint64_t v;
    if (len == 1) {
        v = (uint64_t)(int64_t)(int8_t)p[0];
    } else if (len == 2) {
        int16_t x;
        memcpy(&x, p, 2);
        v = (uint64_t)(int64_t)x;
    } else if (len == 4) {
        int32_t x;
        memcpy(&x, p, 4);
        v = (uint64_t)(int64_t)x;
    } else {
        memcpy(&v, p, 8);
    }
    *pp = p + len;
    return v; /* sign-extended to 64 bits; callers truncate to the operand size */
}

/* ALU opcode row (bits 5:3 of 00-3F, and /n of 80/81/83) → op and flags; -1 when not a plain
 * store we emulate. ADC/SBB would need the incoming CF folded into a carry chain: not worth it. */
static int x86_alu(int n, strobe_store_insn *o)
{
    switch (n) {
    case 0: o->op = STROBE_STORE_ADD; o->priv.flags = FL_ADD; return 0;
    case 1: o->op = STROBE_STORE_OR; o->priv.flags = FL_LOGIC; return 0;
    case 4: o->op = STROBE_STORE_AND; o->priv.flags = FL_LOGIC; return 0;
    case 5: o->op = STROBE_STORE_SUB; o->priv.flags = FL_SUB; return 0;
    case 6: o->op = STROBE_STORE_XOR; o->priv.flags = FL_LOGIC; return 0;
    case 7: return -EINVAL; /* CMP only reads */
    default: return -ENOTSUP; /* ADC, SBB */
    }
}

static int x86_decode(const ucontext_t *uc, strobe_store_insn *o)
{
    const uint8_t *start = (const uint8_t *)(uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    const uint8_t *p = start, *end = start + X86_INSN_MAX;
    int opsz16 = 0, addr32 = 0, rep = 0, rex = 0, fsgs = 0;
    int vex = 0, vex_l = 0, pp;  /* VEX prefix seen; its L bit; SSE mandatory prefix */
    int simd_high = 0;           /* SIMD store of the upper half of the XMM register */
    unsigned simd = 0;           /* SIMD store: bytes written */
    int byte_op = 0;     /* 8-bit operand size */
    int src = -1;        /* source: -1 immediate/none, -2 ModRM.reg, -3 XMM ModRM.reg, else a
                            register id */
    int group = -1;      /* ModRM.reg is an opcode extension that must equal this */
    unsigned imm_len = 0;
    int imm_sext = 1;    /* immediate is sign-extended to the operand size (all but BT's) */
    int modrm = 1, rc;
    unsigned wide;
    uint8_t opc;
    x86_modrm m = {0, 0, 0, 0};
    uint64_t imm = 0;

    /* Legacy prefixes in any order, then at most one REX right before the opcode. */
    for (;;) {
        uint8_t b = *p;
        if (p - start >= 14)
            return -EINVAL;
        if ((b & 0xF0) == 0x40) {
            rex = b;
            p++;
            continue;
        }
        if (b == 0xF0)
            ; /* LOCK: the handler runs with the thread stopped; atomicity is the handler's */
        else if (b == 0xF2 || b == 0xF3)
            rep = b; /* the last one counts as the SSE mandatory prefix */
        else if (b == 0x66)
            opsz16 = 1;
        else if (b == 0x67)
            addr32 = 1;
        else if (b == 0x2E || b == 0x3E || b == 0x26 || b == 0x36)
            ; /* CS/DS/ES/SS overrides: base 0 in 64-bit mode */
        else if (b == 0x64 || b == 0x65)
            fsgs = 1; /* base not in the ucontext: address unknown */
        else
            break;
        rex = 0; /* a REX followed by another prefix is ignored */
        p++;
    }
    pp = rep == 0xF3 ? 2 : rep == 0xF2 ? 3 : opsz16 ? 1 : 0;
    X86_NEED(1);
    opc = *p++;
    if (opc == 0xC4 || opc == 0xC5) {
        /* VEX (64-bit mode: never LES/LDS). R, X, B are stored inverted. Only map 0F. */
        X86_NEED(opc == 0xC4 ? 2 : 1);
        uint8_t v1 = *p++, v2;
        if (opc == 0xC5) {
            rex = 0x40 | (~v1 & 0x80) >> 5;
            v2 = v1;
        } else {
            if ((v1 & 0x1F) != 1)
                return -ENOTSUP; /* maps 0F38 / 0F3A */
            v2 = *p++;
            rex = 0x40 | (~v1 & 0x80) >> 5 | (~v1 & 0x40) >> 5 | (~v1 & 0x20) >> 5 | (v2 & 0x80) >> 4;
        }
        vex = 1;
        vex_l = (v2 >> 2) & 1;
        pp = v2 & 3;
        opc = 0x0F; /* the opcode byte follows, as after a 0F escape */
    }
    wide = (rex & 8) ? 8 : opsz16 ? 2 : 4;

    o->op = STROBE_STORE_MOV;
    if (opc == 0x0F) {
        X86_NEED(1);
        uint8_t op2 = *p++;
        if ((simd = x86_simd_size(op2, pp, rex & 8, &simd_high)) != 0) {
            if (vex_l)
                return -ENOTSUP; /* 256-bit YMM store: upper half not in the fxsave area */
            src = -3;
        } else if (vex) {
            return -ENOTSUP;
        } else if (op2 == 0xC0 || op2 == 0xC1) { /* XADD r/m, r: memory += reg, reg = old */
            byte_op = op2 == 0xC0;
            src = -2;
            o->op = STROBE_STORE_ADD;
            o->priv.flags = FL_ADD;
            o->priv.fetch_mode = 1;
        } else if (op2 == 0xB0 || op2 == 0xB1) { /* CMPXCHG r/m, r (accumulator compared) */
            byte_op = op2 == 0xB0;
            src = -2;
            o->op = STROBE_STORE_CMPXCHG;
            o->priv.flags = FL_CMP;
            o->priv.fetch_mode = 2;
        } else if (op2 == 0xC3) { /* MOVNTI m32/m64, r */
            wide = (rex & 8) ? 8 : 4;
            src = -2;
        } else if ((op2 & 0xF0) == 0x90) { /* SETcc r/m8 */
            byte_op = 1;
            imm = (uint64_t)x86_cond((uint64_t)uc->uc_mcontext.gregs[REG_EFL], op2 & 15);
        } else if (op2 == 0xBA) { /* BT/BTS/BTR/BTC r/m, imm8 (bit number mod operand bits) */
            imm_len = 1;
            imm_sext = 0;
            group = 8; /* checked below: /5 /6 /7 */
        } else {
            return -ENOTSUP; /* SSE/AVX stores, MOVBE, BT* r, ... */
        }
    } else {
        switch (opc) {
        case 0x88: case 0x89: /* MOV r/m, r */
            byte_op = opc == 0x88;
            src = -2;
            break;
        case 0x00: case 0x01: case 0x08: case 0x09: case 0x10: case 0x11: case 0x18: case 0x19:
        case 0x20: case 0x21: case 0x28: case 0x29: case 0x30: case 0x31: case 0x38: case 0x39:
            if ((rc = x86_alu(opc >> 3, o)) != 0) /* ALU r/m, r */
                return rc;
            byte_op = !(opc & 1);
            src = -2;
            break;
        case 0x86: case 0x87: /* XCHG r/m, r (always locked) */
            byte_op = opc == 0x86;
            src = -2;
            o->op = STROBE_STORE_XCHG;
            o->priv.fetch_mode = 1;
            break;
        case 0xC6: case 0xC7: /* MOV r/m, imm */
            byte_op = opc == 0xC6;
            group = 0;
            imm_len = byte_op ? 1 : wide == 2 ? 2 : 4;
            break;
        case 0x80: case 0x81: case 0x83: /* ALU r/m, imm (83: imm8 sign-extended) */
            byte_op = opc == 0x80;
            group = 1;
            imm_len = opc == 0x81 ? (wide == 2 ? 2 : 4) : 1;
            break;
        case 0xFE: case 0xFF: /* INC/DEC r/m */
            byte_op = opc == 0xFE;
            group = 2;
            break;
        case 0xF6: case 0xF7: /* NOT/NEG r/m */
            byte_op = opc == 0xF6;
            group = 3;
            break;
        case 0xA2: case 0xA3: /* MOV moffs, AL/eAX: 64-bit absolute address (32 with 67) */
            byte_op = opc == 0xA2;
            modrm = 0;
            src = 0;
            X86_NEED(addr32 ? 4 : 8);
            m.ea = x86_read_imm(&p, addr32 ? 4 : 8);
            if (addr32)
                m.ea &= 0xffffffffu;
            break;
        case 0xAA: case 0xAB: /* STOS: [rdi] = AL/eAX, rdi += ±size; with REP, rcx times */
            if (addr32)
                return -ENOTSUP;
            byte_op = opc == 0xAA;
            modrm = 0;
            src = 0;
            m.ea = x86_reg(uc, 7);
            break;
        default:
            return -ENOTSUP;
        }
    }
    o->size = simd ? simd : byte_op ? 1 : wide;

    if (modrm) {
        if ((rc = x86_parse_modrm(uc, &p, end, rex, &m)) != 0)
            return rc;
        if (group >= 0) {
            int n = m.reg & 7;
            switch (group) {
            case 0: /* C6/C7 /0 */
                if (n != 0)
                    return -EINVAL;
                break;
            case 1: /* 80/81/83 /n */
                if ((rc = x86_alu(n, o)) != 0)
                    return rc;
                break;
            case 2: /* FE/FF: /0 INC, /1 DEC as ADD/SUB 1 (CF kept); /6 PUSH etc. not stores here */
                if (n > 1)
                    return -ENOTSUP;
                o->op = n ? STROBE_STORE_SUB : STROBE_STORE_ADD;
                o->priv.flags = n ? FL_DEC : FL_INC;
                imm = 1;
                break;
            case 3: /* F6/F7: /2 NOT = XOR all ones (no flags), /3 NEG */
                if (n == 2) {
                    o->op = STROBE_STORE_XOR;
                    imm = ~(uint64_t)0;
                } else if (n == 3) {
                    o->op = STROBE_STORE_NEG;
                    o->priv.flags = FL_NEG;
                } else {
                    return n == 0 || n == 1 ? -EINVAL : -ENOTSUP; /* TEST reads; MUL/DIV ... */
                }
                break;
            default: /* 0F BA: /4 BT only reads; /5 BTS, /6 BTR, /7 BTC */
                if (n <= 4)
                    return -EINVAL; /* /4 BT only reads; /0-/3 unallocated */
                o->op = n == 5 ? STROBE_STORE_OR : n == 6 ? STROBE_STORE_AND : STROBE_STORE_XOR;
                o->priv.flags = FL_BT;
                break;
            }
        }
    }
    if (imm_len) {
        X86_NEED(imm_len);
        uint64_t v = x86_read_imm(&p, imm_len);
        if (!imm_sext)
            v &= 0xff;
        if (group == 8) { /* bit number modulo the operand width */
            o->priv.bit = (uint8_t)(v & (o->size * 8 - 1));
            v = (uint64_t)1 << o->priv.bit;
            if (o->op == STROBE_STORE_AND)
                v = ~v;
        }
        imm = v;
    }
    if (p - start > 15)
        return -EINVAL;
    o->length = (unsigned)(p - start);

    if (src == -3) {
        uint64_t q[2];
        const struct _libc_fpstate *fp = uc->uc_mcontext.fpregs;
        if (!fp)
            return -EINVAL;
        memcpy(q, &fp->_xmm[m.reg], 16);
        o->operand = simd_high ? q[1] : (q[0] & size_mask(o->size));
        if (o->size == 16)
            o->operand_hi[0] = q[1];
    } else if (src == -2) {
        int r = m.reg;
        if (byte_op)
            r = x86_byte_reg(r, rex);
        o->operand = x86_reg_sized(uc, r, o->size);
        if (o->priv.fetch_mode == 1)
            o->priv.fetch_reg = (int16_t)r;
    } else if (src >= 0) {
        o->operand = x86_reg_sized(uc, src, o->size);
    } else {
        o->operand = imm & size_mask(o->size);
    }
    if (o->op == STROBE_STORE_CMPXCHG) {
        o->expected = x86_reg_sized(uc, 0, o->size);
        o->priv.fetch_reg = 0; /* accumulator gets the old value when the compare fails */
    }
    if (o->priv.fetch_mode)
        o->fetches = 1;

    if (m.rip_rel)
        m.ea += (uint64_t)(uintptr_t)start + o->length;
    if (addr32)
        m.ea &= 0xffffffffu;
    o->addr = m.ea;
    o->addr_known = !fsgs;

    if (opc == 0xAA || opc == 0xAB) {
        int down = ((uint64_t)uc->uc_mcontext.gregs[REG_EFL] & EF_DF) != 0;
        o->priv.has_wb = 1;
        o->priv.wb_reg = 7;
        o->priv.wb_value = down ? m.ea - o->size : m.ea + o->size;
        if (rep) {
            if (x86_reg(uc, 1) == 0)
                return -EINVAL; /* REP with RCX 0 stores nothing */
            o->priv.rep = 1;
        }
    }
    return 0;
}

static uint64_t x86_szp(uint64_t r, unsigned size)
{
    uint64_t f = 0;
    if ((r & size_mask(size)) == 0)
        f |= EF_ZF;
    if ((r >> (size * 8 - 1)) & 1)
        f |= EF_SF;
    if (!__builtin_parity((unsigned)(r & 0xff))) /* PF: even number of ones in the low byte */
        f |= EF_PF;
    return f;
}

/* EFLAGS after a+b (or a-b when sub), operands truncated to size; bits outside EF_ARITH 0. */
static uint64_t x86_addsub_flags(uint64_t a, uint64_t b, unsigned size, int sub)
{
    uint64_t m = size_mask(size);
    uint64_t r = (sub ? a - b : a + b) & m;
    unsigned top = size * 8 - 1;
    uint64_t f = x86_szp(r, size);
    a &= m;
    b &= m;
    if (sub ? a < b : r < a)
        f |= EF_CF;
    if ((sub ? ((a ^ b) & (a ^ r)) : ((a ^ r) & (b ^ r))) >> top & 1)
        f |= EF_OF;
    if ((a ^ b ^ r) & 0x10)
        f |= EF_AF;
    return f;
}

static void x86_resume(ucontext_t *uc, const strobe_store_insn *in, uint64_t old)
{
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t efl = (uint64_t)g[REG_EFL];
    uint64_t m = size_mask(in->size);
    uint64_t f = 0, keep = EF_ARITH; /* keep: the flags the instruction leaves alone */

    old &= m;
    switch (in->priv.flags) {
    case FL_LOGIC:
        f = x86_szp(strobe_store_apply(in, old), in->size); /* CF=OF=0; AF undefined: 0 */
        keep = 0;
        break;
    case FL_ADD: f = x86_addsub_flags(old, in->operand, in->size, 0); keep = 0; break;
    case FL_SUB: f = x86_addsub_flags(old, in->operand, in->size, 1); keep = 0; break;
    case FL_INC: f = x86_addsub_flags(old, 1, in->size, 0); keep = EF_CF; break;
    case FL_DEC: f = x86_addsub_flags(old, 1, in->size, 1); keep = EF_CF; break;
    case FL_NEG: f = x86_addsub_flags(0, old, in->size, 1); keep = 0; break;
    case FL_CMP: f = x86_addsub_flags(in->expected, old, in->size, 1); keep = 0; break;
    case FL_BT: /* CF = the bit's old value; ZF kept; OF SF AF PF undefined: kept */
        f = (old >> in->priv.bit) & 1 ? EF_CF : 0;
        keep = EF_ARITH & ~EF_CF;
        break;
    default: break;
    }
    g[REG_EFL] = (greg_t)((efl & (~(uint64_t)EF_ARITH | keep)) | (f & ~keep));

    if (in->priv.fetch_reg >= 0 &&
        (in->priv.fetch_mode == 1 || (in->priv.fetch_mode == 2 && old != (in->expected & m))))
        x86_set_reg_sized(uc, in->priv.fetch_reg, in->size, old);

    if (in->priv.has_wb) {
        g[greg_of[in->priv.wb_reg]] = (greg_t)in->priv.wb_value;
        if (in->priv.rep) {
            uint64_t rcx = (uint64_t)g[REG_RCX] - 1;
            g[REG_RCX] = (greg_t)rcx;
            if (rcx != 0)
                return; /* re-execute: the next element faults in turn */
        }
    }
    g[REG_RIP] = (greg_t)((uint64_t)g[REG_RIP] + in->length);
}

#elif defined(__aarch64__)

/* Register as a data operand: 31 is XZR. */
static uint64_t a64_reg(const ucontext_t *uc, unsigned r)
{
    return r == 31 ? 0 : (uint64_t)uc->uc_mcontext.regs[r];
}

/* Register as a base address: 31 is SP. */
static uint64_t a64_base(const ucontext_t *uc, unsigned r)
{
    return r == 31 ? (uint64_t)uc->uc_mcontext.sp : (uint64_t)uc->uc_mcontext.regs[r];
}

static uint64_t sext(uint64_t v, unsigned bits)
{
    return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

static void a64_writeback(strobe_store_insn *o, unsigned rn, uint64_t v)
{
    o->priv.has_wb = 1;
    o->priv.wb_reg = (uint8_t)rn;
    o->priv.wb_value = v;
}

/* The signal frame's FP/SIMD record (struct fpsimd_context of <asm/sigcontext.h>: magic, size,
 * fpsr, fpcr, then V0-V31), found by walking the records in uc_mcontext.__reserved. Declared
 * here rather than including the kernel header, which clashes with glibc's. */
#define A64_FPSIMD_MAGIC 0x46508001u
#define A64_FPSIMD_VREGS 16 /* offset of vregs[0] in the record */

static const uint8_t *a64_vregs(const ucontext_t *uc)
{
    const uint8_t *p = (const uint8_t *)uc->uc_mcontext.__reserved;
    const uint8_t *end = p + sizeof uc->uc_mcontext.__reserved;
    while (p + 8 <= end) {
        uint32_t head[2]; /* magic, size */
        memcpy(head, p, sizeof head);
        if (head[0] == 0 || head[1] < 8 || head[1] > (size_t)(end - p))
            break;
        if (head[0] == A64_FPSIMD_MAGIC)
            return head[1] >= A64_FPSIMD_VREGS + 32 * 16 ? p + A64_FPSIMD_VREGS : NULL;
        p += head[1];
    }
    return NULL;
}

/* The low n bytes (n <= 16; n <= 8 for a general register) of register r into d. */
static int a64_data(const ucontext_t *uc, unsigned v, unsigned r, unsigned n, uint8_t *d)
{
    if (v) {
        const uint8_t *vr = a64_vregs(uc);
        if (!vr)
            return -EINVAL;
        memcpy(d, vr + 16 * r, n);
    } else {
        uint64_t x = a64_reg(uc, r);
        memcpy(d, &x, n);
    }
    return 0;
}

static int a64_decode(const ucontext_t *uc, strobe_store_insn *o)
{
    uint32_t insn;
    unsigned rt, rn, v, opc, size_log2, rt2 = 0, pair = 0, n;
    uint64_t base, m, w[4] = {0, 0, 0, 0};
    uint8_t d[32];

    memcpy(&insn, (const void *)(uintptr_t)uc->uc_mcontext.pc, 4);
    rt = insn & 31;
    rn = (insn >> 5) & 31;
    v = (insn >> 26) & 1;   /* SIMD&FP register (B/H/S/D/Q) rather than a general one */
    opc = (insn >> 22) & 3;
    size_log2 = insn >> 30;
    base = a64_base(uc, rn);
    o->length = 4;
    o->size = 1u << size_log2;
    o->op = STROBE_STORE_MOV;
    o->addr_known = 1;
    m = size_mask(o->size);

    if ((insn & 0x3F200C00) == 0x38200000) {
        /* LSE atomics LDADD/LDCLR/LDEOR/LDSET/SWP{A,L}{B,H} (ST* aliases have Rt = 31):
         * memory = op(old, Rs), Rt = old */
        unsigned o3 = (insn >> 15) & 1, aop = (insn >> 12) & 7;
        uint64_t s = a64_reg(uc, (insn >> 16) & 31) & m;
        o->addr = base;
        if (o3 == 0) {
            switch (aop) {
            case 0: o->op = STROBE_STORE_ADD; break;
            case 1: o->op = STROBE_STORE_AND; s = ~s & m; break; /* LDCLR: clear Rs's bits */
            case 2: o->op = STROBE_STORE_XOR; break;
            case 3: o->op = STROBE_STORE_OR; break;
            default: return -ENOTSUP; /* LDSMAX, LDSMIN, LDUMAX, LDUMIN */
            }
        } else if (aop == 0) {
            o->op = STROBE_STORE_XCHG; /* SWP */
        } else {
            return -EINVAL; /* LDAPR (a load) or unallocated */
        }
        o->operand = s;
        o->fetches = 1;
        o->priv.fetch_mode = 1;
        o->priv.fetch_reg = rt == 31 ? -1 : (int16_t)rt;
        return 0;
    }
    if ((insn & 0x3F000000) == 0x08000000) {
        /* load/store exclusive, ordered, CAS: o2 = bit 23, L = bit 22, o1 = bit 21 */
        unsigned o2 = (insn >> 23) & 1, l = (insn >> 22) & 1, o1 = (insn >> 21) & 1;
        unsigned rs = (insn >> 16) & 31;
        o->addr = base;
        if (o2 && o1) { /* CAS{A,L}{B,H}: if old == Rs then memory = Rt; Rs = old (L = acquire) */
            o->op = STROBE_STORE_CMPXCHG;
            o->expected = a64_reg(uc, rs) & m;
            o->operand = a64_reg(uc, rt) & m;
            o->fetches = 1;
            o->priv.fetch_mode = 1;
            o->priv.fetch_reg = rs == 31 ? -1 : (int16_t)rs;
            return 0;
        }
        if (l)
            return -EINVAL; /* LDXR, LDAXR, LDAR, LDXP, ... */
        if (!o2 && !o1) { /* STXR/STLXR: emulated as a store that succeeds (Ws = 0) */
            o->priv.status_reg = rs == 31 ? -1 : (int16_t)rs;
        } else if (o2) {
            ; /* STLR/STLLR: a plain store (ordering is moot inside the trap) */
        } else if (insn >> 31) { /* STXP/STLXP: 1 sz 001000 0 0 1 */
            o->priv.status_reg = rs == 31 ? -1 : (int16_t)rs;
            size_log2 = 2 + ((insn >> 30) & 1);
            rt2 = (insn >> 10) & 31;
            pair = 1;
        } else {
            return -ENOTSUP; /* CASP */
        }
    } else if ((insn & 0x3B000000) == 0x39000000 || (insn & 0x3B200000) == 0x38000000 ||
               (insn & 0x3B200C00) == 0x38200800) {
        /* one register, general or SIMD&FP: unsigned imm12 offset; imm9 forms; register offset.
         * opc 00 stores; opc 10 with V and size 00 stores a Q register; the rest are loads. */
        if (opc & 1)
            return -EINVAL;
        if (opc == 2) {
            if (!v || size_log2 != 0)
                return -EINVAL; /* LDRSW / PRFM / unallocated */
            size_log2 = 4;
        }
        if ((insn & 0x3B000000) == 0x39000000) {
            o->addr = base + ((uint64_t)((insn >> 10) & 0xFFF) << size_log2);
        } else if ((insn & (1u << 21)) == 0) {
            /* bits 11:10 = 00 STUR, 01 post-index, 10 STTR (no SIMD&FP form), 11 pre-index */
            uint64_t imm = sext((insn >> 12) & 0x1FF, 9);
            switch ((insn >> 10) & 3) {
            case 1: o->addr = base; a64_writeback(o, rn, base + imm); break;
            case 3: o->addr = base + imm; a64_writeback(o, rn, base + imm); break;
            case 2: if (v) return -EINVAL; /* fall through */
            default: o->addr = base + imm; break;
            }
        } else {
            /* register offset: Rm extended per option, shifted by the size when S is set */
            unsigned option = (insn >> 13) & 7;
            unsigned shift = ((insn >> 12) & 1) ? size_log2 : 0;
            uint64_t rmv = a64_reg(uc, (insn >> 16) & 31), off;
            switch (option) {
            case 2: off = rmv & 0xffffffffu; break;           /* UXTW */
            case 3: case 7: off = rmv; break;                 /* LSL (UXTX), SXTX */
            case 6: off = sext(rmv & 0xffffffffu, 32); break; /* SXTW */
            default: return -EINVAL;                          /* byte/halfword extends */
            }
            o->addr = base + (off << shift);
        }
    } else if ((insn & 0x3A000000) == 0x28000000) {
        /* STP/STNP, general or SIMD&FP; bits 24:23 = 00 STNP, 01 post-index, 10 offset, 11 pre */
        unsigned popc = insn >> 30, mode = (insn >> 23) & 3;
        uint64_t off;
        if (insn & (1u << 22))
            return -EINVAL; /* LDP, LDNP, LDPSW */
        if (popc == 3)
            return -EINVAL;
        if (!v && popc == 1)
            return -ENOTSUP; /* STGP (memory tagging) */
        size_log2 = v ? 2 + popc : (popc ? 3 : 2); /* S/D/Q pairs; W/X pairs */
        off = sext((insn >> 15) & 0x7F, 7) << size_log2;
        o->addr = mode == 1 ? base : base + off;
        if (mode == 1 || mode == 3)
            a64_writeback(o, rn, base + off);
        rt2 = (insn >> 10) & 31;
        pair = 1;
    } else if ((insn & 0x3FE00C00) == 0x19000000) {
        /* STLUR{B,H} (v8.4 RCpc, unscaled signed offset) */
        o->addr = base + sext((insn >> 12) & 0x1FF, 9);
    } else {
        return -ENOTSUP; /* ST1-ST4 (SIMD structures), STGP, STZG, SVE stores, ... */
    }

    /* The data: one register, or a pair stored back to back; little-endian words. */
    n = 1u << size_log2;
    if (a64_data(uc, v, rt, n, d) != 0 || (pair && a64_data(uc, v, rt2, n, d + n) != 0))
        return -EINVAL;
    o->size = pair ? 2 * n : n;
    memcpy(w, d, o->size);
    o->operand = w[0] & size_mask(o->size);
    o->operand_hi[0] = w[1];
    o->operand_hi[1] = w[2];
    o->operand_hi[2] = w[3];
    return 0;
}

static void a64_resume(ucontext_t *uc, const strobe_store_insn *in, uint64_t old)
{
    mcontext_t *mc = &uc->uc_mcontext;
    if (in->priv.fetch_mode && in->priv.fetch_reg >= 0)
        mc->regs[in->priv.fetch_reg] = old & size_mask(in->size); /* W/B/H results zero-extend */
    if (in->priv.status_reg >= 0)
        mc->regs[in->priv.status_reg] = 0;
    if (in->priv.has_wb) {
        if (in->priv.wb_reg == 31)
            mc->sp = in->priv.wb_value;
        else
            mc->regs[in->priv.wb_reg] = in->priv.wb_value;
    }
    mc->pc += in->length;
}

#endif

int strobe_decode_store(const void *ucontext, strobe_store_insn *out)
{
    if (!ucontext || !out)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->priv.fetch_reg = -1;
    out->priv.status_reg = -1;
#if defined(__x86_64__)
    return x86_decode((const ucontext_t *)ucontext, out);
#elif defined(__aarch64__)
    return a64_decode((const ucontext_t *)ucontext, out);
#else
    return -ENOTSUP;
#endif
}

void strobe_resume_after(void *ucontext, const strobe_store_insn *insn, uint64_t old_value)
{
    if (!ucontext || !insn)
        return;
#if defined(__x86_64__)
    x86_resume((ucontext_t *)ucontext, insn, old_value);
#elif defined(__aarch64__)
    a64_resume((ucontext_t *)ucontext, insn, old_value);
#else
    (void)old_value;
#endif
}
