/*
 * Differential tests of the emu backend: each snippet runs natively on the
 * host CPU (through a trampoline that loads every general register and the
 * flags) and under the emulator, over many random inputs with a fixed
 * seed; all general registers and the defined flags must agree.  Flags the
 * SDM leaves undefined for an instruction (and input) are not compared.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "emu_test.h"

#define BE exec_backend_emu

#define F_CF 0x001ull
#define F_PF 0x004ull
#define F_AF 0x010ull
#define F_ZF 0x040ull
#define F_SF 0x080ull
#define F_OF 0x800ull
#define F_ARITH (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
/* Compared: the arithmetic flags, IF and DF. */
#define F_COMPARE (F_ARITH | 0x200ull | 0x400ull)

enum quirk {
	Q_ALL,    /* every flag defined */
	Q_LOGIC,  /* AF undefined */
	Q_SHLSHR, /* shl/shr: AF; OF unless count 1; CF when count >= width */
	Q_SAR,
	Q_ROT, /* rol/ror/rcl/rcr: OF unless count 1 */
	Q_SHLD,
	Q_MUL, /* only CF and OF defined */
	Q_DIV, /* no flag defined */
	Q_BT,  /* CF (and ZF, unchanged) */
	Q_BSF, /* ZF */
	Q_TZ,  /* CF, ZF */
};

/* emu_native_call(struct t_regs *, code): run code natively with all
 * registers and the flags from the structure, and store them back. */
__asm__(".text\n.p2align 4\n"
	"emu_native_call:\n\t"
	"push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
	"push %rdi\n\tpush %rsi\n\t"
	"pushq 128(%rdi)\n\tpopfq\n\t"
	"mov 0(%rdi), %rax\n\tmov 8(%rdi), %rcx\n\tmov 16(%rdi), %rdx\n\tmov 24(%rdi), %rbx\n\t"
	"mov 40(%rdi), %rbp\n\tmov 48(%rdi), %rsi\n\tmov 64(%rdi), %r8\n\tmov 72(%rdi), %r9\n\t"
	"mov 80(%rdi), %r10\n\tmov 88(%rdi), %r11\n\tmov 96(%rdi), %r12\n\tmov 104(%rdi), %r13\n\t"
	"mov 112(%rdi), %r14\n\tmov 120(%rdi), %r15\n\tmov 56(%rdi), %rdi\n\t"
	"call *(%rsp)\n\t"
	"push %rdi\n\tmov 16(%rsp), %rdi\n\t"
	"mov %rax, 0(%rdi)\n\tmov %rcx, 8(%rdi)\n\tmov %rdx, 16(%rdi)\n\tmov %rbx, 24(%rdi)\n\t"
	"mov %rbp, 40(%rdi)\n\tmov %rsi, 48(%rdi)\n\tmov %r8, 64(%rdi)\n\tmov %r9, 72(%rdi)\n\t"
	"mov %r10, 80(%rdi)\n\tmov %r11, 88(%rdi)\n\tmov %r12, 96(%rdi)\n\tmov %r13, 104(%rdi)\n\t"
	"mov %r14, 112(%rdi)\n\tmov %r15, 120(%rdi)\n\t"
	"pushfq\n\tpopq 128(%rdi)\n\tpopq 56(%rdi)\n\tadd $16, %rsp\n\t"
	"pushq $2\n\tpopfq\n\t"
	"pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\tret\n");
void emu_native_call(struct t_regs *r, const void *code);

/* ---- the snippets ---- */
#define ALU(X, op, q)                                                                       \
	X(op##b, #op "b %sil, %dil", q, 1, 0)                                               \
	X(op##w, #op "w %si, %di", q, 2, 0)                                                 \
	X(op##l, #op "l %esi, %edi", q, 4, 0)                                               \
	X(op##q, #op "q %rsi, %rdi", q, 8, 0)                                               \
	X(op##b_hi, #op "b %ah, %bh", q, 1, 0)                                              \
	X(op##q_x, #op "q %r8, %r15", q, 8, 0)                                              \
	X(op##b_x, #op "b %r9b, %r10b", q, 1, 0)                                            \
	X(op##q_mr, "push %rsi; " #op "q (%rsp), %rdi; pop %rsi", q, 8, 0)                  \
	X(op##l_rm, "push %rdi; " #op "l %esi, (%rsp); pop %rdi", q, 4, 0)                  \
	X(op##b_rm, "push %rdi; " #op "b %sil, 5(%rsp); pop %rdi", q, 1, 0)                 \
	X(op##b_i, #op "b $0x85, %dil", q, 1, 0)                                            \
	X(op##w_i, #op "w $0x4321, %di", q, 2, 0)                                           \
	X(op##l_i, #op "l $0x80000001, %edi", q, 4, 0)                                      \
	X(op##q_i, #op "q $-0x7edcba98, %rdi", q, 8, 0)                                     \
	X(op##q_i8, #op "q $0x7f, %rdi", q, 8, 0)                                           \
	X(op##l_i8, #op "l $-2, %edi", q, 4, 0)                                             \
	X(op##w_i8, #op "w $-128, %di", q, 2, 0)                                            \
	X(op##b_al, #op "b $0x91, %al", q, 1, 0)                                            \
	X(op##w_ax, #op "w $0x8001, %ax", q, 2, 0)                                          \
	X(op##l_eax, #op "l $0x12345678, %eax", q, 4, 0)                                    \
	X(op##q_rax, #op "q $-0x12345678, %rax", q, 8, 0)                                   \
	X(op##w_mi, "push %rdi; " #op "w $0x8000, 2(%rsp); pop %rdi", q, 2, 0)              \
	X(op##q_mi8, "push %rdi; " #op "q $-3, (%rsp); pop %rdi", q, 8, 0)

#define ALU_LOCK(X, op, q)                                                                  \
	X(op##q_lock, "push %rdi; lock " #op "q %rsi, (%rsp); pop %rdi", q, 8, 0)           \
	X(op##b_lock, "push %rdi; lock " #op "b $0x93, 3(%rsp); pop %rdi", q, 1, 0)         \
	X(op##w_lock, "push %rdi; lock " #op "w %si, 1(%rsp); pop %rdi", q, 2, 0)

#define SHIFT(X, op, q)                                                                     \
	X(op##b_cl, #op "b %cl, %dil", q, 1, -1)                                            \
	X(op##w_cl, #op "w %cl, %di", q, 2, -1)                                             \
	X(op##l_cl, #op "l %cl, %edi", q, 4, -1)                                            \
	X(op##q_cl, #op "q %cl, %rdi", q, 8, -1)                                            \
	X(op##b_1, #op "b %dil", q, 1, 1)                                                   \
	X(op##w_1, #op "w %di", q, 2, 1)                                                    \
	X(op##l_1, #op "l %edi", q, 4, 1)                                                   \
	X(op##q_1, #op "q %rdi", q, 8, 1)                                                   \
	X(op##b_i, #op "b $5, %dil", q, 1, 5)                                               \
	X(op##b_i9, #op "b $9, %dil", q, 1, 9)                                              \
	X(op##w_i, #op "w $17, %di", q, 2, 17)                                              \
	X(op##l_i, #op "l $31, %edi", q, 4, 31)                                             \
	X(op##q_i, #op "q $37, %rdi", q, 8, 37)                                             \
	X(op##l_m, "push %rdi; " #op "l %cl, 2(%rsp); pop %rdi", q, 4, -1)                  \
	X(op##q_m1, "push %rdi; " #op "q (%rsp); pop %rdi", q, 8, 1)

#define SHLD(X, op)                                                                         \
	X(op##w_cl, #op "w %cl, %si, %di", Q_SHLD, 2, -1)                                   \
	X(op##l_cl, #op "l %cl, %esi, %edi", Q_SHLD, 4, -1)                                 \
	X(op##q_cl, #op "q %cl, %rsi, %rdi", Q_SHLD, 8, -1)                                 \
	X(op##w_i, #op "w $5, %si, %di", Q_SHLD, 2, 5)                                      \
	X(op##l_i, #op "l $13, %esi, %edi", Q_SHLD, 4, 13)                                  \
	X(op##q_i, #op "q $41, %rsi, %rdi", Q_SHLD, 8, 41)                                  \
	X(op##q_i1, #op "q $1, %rsi, %rdi", Q_SHLD, 8, 1)                                   \
	X(op##q_m, "push %rdi; " #op "q %cl, %rsi, (%rsp); pop %rdi", Q_SHLD, 8, -1)

#define UNARY(X, op, q)                                                                     \
	X(op##b, #op "b %dil", q, 1, 0)                                                     \
	X(op##w, #op "w %di", q, 2, 0)                                                      \
	X(op##l, #op "l %edi", q, 4, 0)                                                     \
	X(op##q, #op "q %rdi", q, 8, 0)                                                     \
	X(op##b_hi, #op "b %ah", q, 1, 0)                                                   \
	X(op##q_m, "push %rdi; " #op "q (%rsp); pop %rdi", q, 8, 0)                         \
	X(op##l_lock, "push %rdi; lock " #op "l 4(%rsp); pop %rdi", q, 4, 0)

#define MULDIV(X, op, q)                                                                    \
	X(op##b, #op "b %sil", q, 1, 0)                                                     \
	X(op##w, #op "w %si", q, 2, 0)                                                      \
	X(op##l, #op "l %esi", q, 4, 0)                                                     \
	X(op##q, #op "q %rsi", q, 8, 0)                                                     \
	X(op##q_m, "push %rsi; " #op "q (%rsp); pop %rsi", q, 8, 0)

#define BT(X, op)                                                                           \
	X(op##w, #op "w %si, %di", Q_BT, 2, 0)                                              \
	X(op##l, #op "l %esi, %edi", Q_BT, 4, 0)                                            \
	X(op##q, #op "q %rsi, %rdi", Q_BT, 8, 0)                                            \
	X(op##w_i, #op "w $13, %di", Q_BT, 2, 0)                                            \
	X(op##l_i, #op "l $33, %edi", Q_BT, 4, 0)                                           \
	X(op##q_i, #op "q $45, %rdi", Q_BT, 8, 0)                                           \
	X(op##q_mi, "push %rdi; " #op "q $61, (%rsp); pop %rdi", Q_BT, 8, 0)                \
	X(op##q_mr, BT_MEM_PRE "movsbq %sil, %rsi; " #op "q %rsi, 128(%rsp); " BT_MEM_POST, \
	  Q_BT, 8, 0)                                                                       \
	X(op##l_mr, BT_MEM_PRE "movsbl %sil, %esi; " #op "l %esi, 128(%rsp); " BT_MEM_POST, \
	  Q_BT, 4, 0)                                                                       \
	X(op##w_mr, BT_MEM_PRE "movsbw %sil, %si; " #op "w %si, 128(%rsp); " BT_MEM_POST,   \
	  Q_BT, 2, 0)

#define BT_MEM_PRE                                                                          \
	"lea -256(%rsp), %rsp; mov %rcx, 112(%rsp); mov %rdx, 120(%rsp); mov %rdi, 128(%rsp); "   \
	"mov %rbx, 136(%rsp); "
#define BT_MEM_POST                                                                         \
	"mov 112(%rsp), %rcx; mov 120(%rsp), %rdx; mov 128(%rsp), %rdi; mov 136(%rsp), %rbx; " \
	"lea 256(%rsp), %rsp"

#define SCAN(X, op, q)                                                                      \
	X(op##w, #op "w %si, %di", q, 2, 0)                                                 \
	X(op##l, #op "l %esi, %edi", q, 4, 0)                                               \
	X(op##q, #op "q %rsi, %rdi", q, 8, 0)                                               \
	X(op##q_m, "push %rsi; " #op "q (%rsp), %rdi; pop %rsi", q, 8, 0)

#define CCS(X, M)                                                                           \
	M(X, o) M(X, no) M(X, b) M(X, ae) M(X, e) M(X, ne) M(X, be) M(X, a) M(X, s) M(X, ns) \
	M(X, p) M(X, np) M(X, l) M(X, ge) M(X, le) M(X, g)

#define CC_SNIPS(X, cc)                                                                     \
	X(cmov##cc##q, "cmov" #cc "q %rsi, %rdi", Q_ALL, 8, 0)                              \
	X(cmov##cc##l, "cmov" #cc "l %esi, %edi", Q_ALL, 4, 0)                              \
	X(cmov##cc##w_m, "push %rsi; cmov" #cc "w (%rsp), %di; pop %rsi", Q_ALL, 2, 0)      \
	X(set##cc, "set" #cc " %dil; set" #cc " %ah", Q_ALL, 1, 0)                          \
	X(j##cc, "j" #cc " 1f; not %rdi; 1:", Q_ALL, 8, 0)                                  \
	X(j##cc##_32, "j" #cc " 1f; not %rdi; .skip 128, 0x90; 1:", Q_ALL, 8, 0)

/* Stack buffer helpers for the string instructions: 64 bytes at rsp
 * filled from rdi/rsi/rdx/rbx, addresses cleared afterwards. */
#define STR_PRE                                                                             \
	"lea -128(%rsp), %rsp; mov %rdi, (%rsp); mov %rsi, 8(%rsp); mov %rdx, 16(%rsp); "         \
	"mov %rbx, 24(%rsp); mov %rdi, 32(%rsp); mov %rsi, 40(%rsp); mov %rdx, 48(%rsp); "  \
	"mov %rbx, 56(%rsp); mov %r12, 64(%rsp); mov %r13, 72(%rsp); mov %r14, 80(%rsp); "  \
	"mov %r15, 88(%rsp); and $15, %ecx; mov %rsp, %rsi; mov %rsp, %rdi; "
#define STR_POST                                                                            \
	"mov 64(%rsp), %rdx; mov 72(%rsp), %rbx; mov 80(%rsp), %r8; mov 88(%rsp), %r9; "    \
	"mov (%rsp), %r10; mov 8(%rsp), %r11; pushfq; pop %r12; sub %rsp, %rsi; sub %rsp, %rdi; " \
	"lea 128(%rsp), %rsp; push %r12; popfq"

#define SNIPPETS(X)                                                                         \
	ALU(X, add, Q_ALL) ALU(X, or, Q_LOGIC) ALU(X, adc, Q_ALL) ALU(X, sbb, Q_ALL)        \
	ALU(X, and, Q_LOGIC) ALU(X, sub, Q_ALL) ALU(X, xor, Q_LOGIC) ALU(X, cmp, Q_ALL)     \
	ALU_LOCK(X, add, Q_ALL) ALU_LOCK(X, or, Q_LOGIC) ALU_LOCK(X, adc, Q_ALL)            \
	ALU_LOCK(X, sbb, Q_ALL) ALU_LOCK(X, and, Q_LOGIC) ALU_LOCK(X, sub, Q_ALL)           \
	ALU_LOCK(X, xor, Q_LOGIC)                                                           \
	X(testb, "testb %sil, %dil", Q_LOGIC, 1, 0)                                         \
	X(testw, "testw %si, %di", Q_LOGIC, 2, 0)                                           \
	X(testl, "testl %esi, %edi", Q_LOGIC, 4, 0)                                         \
	X(testq, "testq %rsi, %rdi", Q_LOGIC, 8, 0)                                         \
	X(testl_i, "testl $0x80000001, %edi", Q_LOGIC, 4, 0)                                \
	X(testq_i, "testq $-16, %rdi", Q_LOGIC, 8, 0)                                       \
	X(testb_al, "testb $0x81, %al", Q_LOGIC, 1, 0)                                      \
	X(testq_m, "push %rdi; testq %rsi, (%rsp); pop %rdi", Q_LOGIC, 8, 0)                \
	X(testb_mi, "push %rdi; testb $0x40, 1(%rsp); pop %rdi", Q_LOGIC, 1, 0)             \
	UNARY(X, inc, Q_ALL) UNARY(X, dec, Q_ALL) UNARY(X, neg, Q_ALL) UNARY(X, not, Q_ALL) \
	SHIFT(X, shl, Q_SHLSHR) SHIFT(X, shr, Q_SHLSHR) SHIFT(X, sar, Q_SAR)                \
	SHIFT(X, rol, Q_ROT) SHIFT(X, ror, Q_ROT) SHIFT(X, rcl, Q_ROT) SHIFT(X, rcr, Q_ROT)  \
	SHLD(X, shld) SHLD(X, shrd)                                                         \
	MULDIV(X, mul, Q_MUL) MULDIV(X, imul, Q_MUL) MULDIV(X, div, Q_DIV)                  \
	MULDIV(X, idiv, Q_DIV)                                                              \
	X(imulw_2, "imulw %si, %di", Q_MUL, 2, 0)                                           \
	X(imull_2, "imull %esi, %edi", Q_MUL, 4, 0)                                         \
	X(imulq_2, "imulq %rsi, %rdi", Q_MUL, 8, 0)                                         \
	X(imulq_3i8, "imulq $-3, %rsi, %rdi", Q_MUL, 8, 0)                                  \
	X(imull_3i, "imull $0x12345, %esi, %edi", Q_MUL, 4, 0)                              \
	X(imulw_3i, "imulw $-300, %si, %di", Q_MUL, 2, 0)                                   \
	X(imulq_3i, "imulq $0x7fffffff, %rsi, %rdi", Q_MUL, 8, 0)                           \
	X(imulq_2m, "push %rsi; imulq (%rsp), %rdi; pop %rsi", Q_MUL, 8, 0)                  \
	BT(X, bt) BT(X, bts) BT(X, btr) BT(X, btc)                                          \
	X(btsq_lock, BT_MEM_PRE "movsbq %sil, %rsi; lock btsq %rsi, 128(%rsp); " BT_MEM_POST, \
	  Q_BT, 8, 0)                                                                       \
	X(btrl_lock_i, "push %rdi; lock btrl $3, 4(%rsp); pop %rdi", Q_BT, 4, 0)            \
	X(btcw_lock_i, "push %rdi; lock btcw $9, 2(%rsp); pop %rdi", Q_BT, 2, 0)            \
	SCAN(X, bsf, Q_BSF) SCAN(X, bsr, Q_BSF) SCAN(X, tzcnt, Q_TZ) SCAN(X, lzcnt, Q_TZ)   \
	SCAN(X, popcnt, Q_ALL)                                                              \
	CCS(X, CC_SNIPS)                                                                    \
	X(bswapq, "bswapq %rdi", Q_ALL, 8, 0)                                               \
	X(bswapl, "bswapl %edi", Q_ALL, 4, 0)                                               \
	X(bswapq_x, "bswapq %r9", Q_ALL, 8, 0)                                              \
	X(cbtw, "cbtw", Q_ALL, 2, 0)                                                        \
	X(cwtl, "cwtl", Q_ALL, 4, 0)                                                        \
	X(cltq, "cltq", Q_ALL, 8, 0)                                                        \
	X(cwtd, "cwtd", Q_ALL, 2, 0)                                                        \
	X(cltd, "cltd", Q_ALL, 4, 0)                                                        \
	X(cqto, "cqto", Q_ALL, 8, 0)                                                        \
	X(movzbl, "movzbl %sil, %edi", Q_ALL, 4, 0)                                         \
	X(movzwl, "movzwl %si, %edi", Q_ALL, 4, 0)                                          \
	X(movzbq, "movzbq %sil, %rdi", Q_ALL, 8, 0)                                         \
	X(movzbw, "movzbw %sil, %di", Q_ALL, 2, 0)                                          \
	X(movzbl_hi, "movzbl %ah, %edi", Q_ALL, 4, 0)                                       \
	X(movsbq, "movsbq %sil, %rdi", Q_ALL, 8, 0)                                         \
	X(movswl, "movswl %si, %edi", Q_ALL, 4, 0)                                          \
	X(movswq_m, "push %rsi; movswq 6(%rsp), %rdi; pop %rsi", Q_ALL, 8, 0)               \
	X(movsbw, "movsbw %sil, %di", Q_ALL, 2, 0)                                          \
	X(movslq, "movslq %esi, %rdi", Q_ALL, 8, 0)                                         \
	X(movsxd32, ".byte 0x63, 0xfe", Q_ALL, 4, 0)                                        \
	X(movl, "movl %esi, %edi", Q_ALL, 4, 0)                                             \
	X(movw, "movw %si, %di", Q_ALL, 2, 0)                                               \
	X(movb, "movb %sil, %dil", Q_ALL, 1, 0)                                             \
	X(movb_hi, "movb %ah, %bl; movb %dl, %ch", Q_ALL, 1, 0)                             \
	X(movabs, "movabsq $0x123456789abcdef0, %rdi", Q_ALL, 8, 0)                         \
	X(movl_i, "movl $-1, %edi", Q_ALL, 4, 0)                                            \
	X(movq_i, "movq $-1, %rdi", Q_ALL, 8, 0)                                            \
	X(movb_i, "movb $0x12, %ah; movb $0x34, %r11b", Q_ALL, 1, 0)                        \
	X(movw_i, "movw $0x1234, %r12w", Q_ALL, 2, 0)                                       \
	X(movw_mi, "push %rdi; movw $0x5678, 2(%rsp); movb $9, 7(%rsp); pop %rdi", Q_ALL, 2, 0) \
	X(movq_mi, "push %rdi; movq $-77, (%rsp); pop %rdi", Q_ALL, 8, 0)                   \
	X(mov_sib, "lea -64(%rsp), %rsp; and $7, %ecx; mov %rdi, (%rsp,%rcx,8); "                 \
		   "add (%rsp,%rcx,8), %rsi; movzbl 3(%rsp,%rcx,8), %eax; lea 64(%rsp), %rsp",     \
	  Q_ALL, 8, 0)                                                                      \
	X(xchgq, "xchgq %rsi, %rdi", Q_ALL, 8, 0)                                           \
	X(xchgl, "xchgl %esi, %edi", Q_ALL, 4, 0)                                           \
	X(xchgw, "xchgw %si, %di", Q_ALL, 2, 0)                                             \
	X(xchgb, "xchgb %sil, %dil; xchgb %ah, %ch", Q_ALL, 1, 0)                           \
	X(xchg_eax, "xchgl %eax, %edi", Q_ALL, 4, 0)                                        \
	X(xchg_r8, "xchgq %rax, %r8", Q_ALL, 8, 0)                                          \
	X(xchg_nop, "xchgl %eax, %eax; .byte 0x87, 0xc0", Q_ALL, 4, 0)                      \
	X(xchgq_m, "push %rdi; xchgq %rsi, (%rsp); pop %rdi", Q_ALL, 8, 0)                  \
	X(xaddq, "xaddq %rsi, %rdi", Q_ALL, 8, 0)                                           \
	X(xaddl, "xaddl %esi, %edi", Q_ALL, 4, 0)                                           \
	X(xaddb, "xaddb %sil, %dil", Q_ALL, 1, 0)                                           \
	X(xadd_same, "xaddq %rdi, %rdi", Q_ALL, 8, 0)                                       \
	X(xaddq_m, "push %rdi; lock xaddq %rsi, (%rsp); pop %rdi", Q_ALL, 8, 0)             \
	X(xaddw_m, "push %rdi; xaddw %si, 2(%rsp); pop %rdi", Q_ALL, 2, 0)                  \
	X(cmpxchgq, "cmpxchgq %rsi, %rdi", Q_ALL, 8, 0)                                     \
	X(cmpxchgl, "cmpxchgl %esi, %edi", Q_ALL, 4, 0)                                     \
	X(cmpxchgb, "cmpxchgb %sil, %dil", Q_ALL, 1, 0)                                     \
	X(cmpxchgq_eq, "mov %rdi, %rax; cmpxchgq %rsi, %rdi", Q_ALL, 8, 0)                  \
	X(cmpxchgl_eq, "mov %edi, %eax; cmpxchgl %esi, %edi", Q_ALL, 4, 0)                  \
	X(cmpxchgq_m, "push %rdi; lock cmpxchgq %rsi, (%rsp); pop %rdi", Q_ALL, 8, 0)       \
	X(cmpxchgl_meq, "push %rdi; mov %edi, %eax; lock cmpxchgl %esi, (%rsp); pop %rdi",  \
	  Q_ALL, 4, 0)                                                                      \
	X(cmpxchgw_m, "push %rdi; cmpxchgw %si, (%rsp); pop %rdi", Q_ALL, 2, 0)             \
	X(cmpxchg8b, "push %rdi; lock cmpxchg8b (%rsp); pop %rdi", Q_ALL, 8, 0)             \
	X(cmpxchg8b_eq, "mov %edi, %eax; mov %rdi, %rdx; shr $32, %rdx; cmp %rsi, %rdi; push %rdi; "        \
			"cmpxchg8b (%rsp); pop %rdi",                                           \
	  Q_ALL, 8, 0)                                                                      \
	X(cmpxchg16b, "push %rbp; mov %rsp, %rbp; and $-16, %rsp; sub $32, %rsp; "          \
		      "mov %rdi, (%rsp); mov %rsi, 8(%rsp); cmp %rsi, %rdi; lock cmpxchg16b (%rsp); "       \
		      "mov (%rsp), %rdi; mov 8(%rsp), %rsi; mov %rbp, %rsp; pop %rbp",      \
	  Q_ALL, 8, 0)                                                                      \
	X(cmpxchg16b_eq, "push %rbp; mov %rsp, %rbp; and $-16, %rsp; sub $32, %rsp; "       \
			 "mov %rdi, (%rsp); mov %rsi, 8(%rsp); mov %rdi, %rax; mov %rsi, %rdx; " \
			 "cmp %rsi, %rdi; cmpxchg16b (%rsp); mov (%rsp), %rdi; mov 8(%rsp), %rsi; "         \
			 "mov %rbp, %rsp; pop %rbp",                                        \
	  Q_ALL, 8, 0)                                                                      \
	X(lea_sib, "leaq (%rsi,%rdi,4), %rax", Q_ALL, 8, 0)                                 \
	X(lea_disp, "leal 0x12(%rsi,%rdi,8), %eax", Q_ALL, 4, 0)                            \
	X(lea_neg, "leaq -8(%rdi), %rax", Q_ALL, 8, 0)                                      \
	X(lea_w, "leaw (%rsi,%rdi), %ax", Q_ALL, 2, 0)                                      \
	X(lea_a32, "leal (%esi,%edi,2), %eax", Q_ALL, 4, 0)                                 \
	X(lea_big, "leaq 0x7fffffff(%rdi,%rsi,1), %r11", Q_ALL, 8, 0)                       \
	X(lea_nobase, "leaq 0x10(,%rsi,8), %rax", Q_ALL, 8, 0)                              \
	X(lea_r12, "leaq (%r12,%r13,2), %rax; leaq 5(%r13), %rdx; leaq (%rbp), %rbx", Q_ALL, 8, 0) \
	X(lea_a32_x, "leal -1(%r8d,%r9d,1), %eax", Q_ALL, 4, 0)                             \
	X(push_pop, "push %rdi; pop %rax", Q_ALL, 8, 0)                                     \
	X(push_i8, "pushq $-5; pop %rax", Q_ALL, 8, 0)                                      \
	X(push_i32, "pushq $0x12345678; pop %rax; pushq $-0x12345678; pop %rdx", Q_ALL, 8, 0) \
	X(push_w, "pushw %di; popw %ax", Q_ALL, 2, 0)                                       \
	X(push_x, "push %r12; pop %r13", Q_ALL, 8, 0)                                       \
	X(push_m, "push %rdi; pushq (%rsp); pop %rax; pop %rdx", Q_ALL, 8, 0)               \
	X(pop_m_rsp, "push %rdi; push %rsi; popq (%rsp); pop %rax", Q_ALL, 8, 0)           \
	X(pop_m, "push %rdi; push %rsi; mov %rsp, %rbx; popq 8(%rbx); pop %rax; xor %ebx, %ebx", \
	  Q_ALL, 8, 0)                                                                      \
	X(push_rsp, "mov %rsp, %rax; push %rsp; pop %rdx; sub %rdx, %rax; xor %edx, %edx", Q_ALL, 8, 0)     \
	X(pushf, "pushfq; pop %rax", Q_ALL, 8, 0)                                           \
	X(popf, "andq $0xcd5, %rdi; push %rdi; popfq; pushfq; pop %rax; cld", Q_ALL, 8, 0)  \
	X(popfw, "pushw %di; andw $0x8d5, (%rsp); popfw", Q_ALL, 2, 0)            \
	X(sahf, "sahf", Q_ALL, 1, 0)                                                        \
	X(lahf, "lahf", Q_ALL, 1, 0)                                                        \
	X(cmc, "cmc; adc %rsi, %rdi", Q_ALL, 8, 0)                                          \
	X(clc, "clc; adc %rsi, %rdi", Q_ALL, 8, 0)                                          \
	X(stc, "stc; sbb %rsi, %rdi", Q_ALL, 8, 0)                                          \
	X(leave, "push %rbp; mov %rsp, %rbp; push %rdi; push %rsi; leave", Q_ALL, 8, 0)    \
	X(enter, "enterq $32, $0; movq %rdi, -8(%rbp); movq -8(%rbp), %rax; leave", Q_ALL, 8, 0) \
	X(call_ret, "call 1f; jmp 2f; 1: inc %rdi; ret; 2:", Q_ALL, 8, 0)                   \
	X(call_reg, "lea 1f(%rip), %rax; call *%rax; jmp 2f; 1: inc %rdi; ret; 2: xor %eax, %eax", \
	  Q_ALL, 8, 0)                                                                      \
	X(call_mem, "lea 1f(%rip), %rax; push %rax; call *(%rsp); pop %rax; xor %eax, %eax; " \
		    "jmp 2f; 1: inc %rdi; ret; 2:",                                         \
	  Q_ALL, 8, 0)                                                                      \
	X(ret_imm, "push %rsi; call 1f; jmp 2f; 1: ret $8; 2:", Q_ALL, 8, 0)                \
	X(jmp_reg, "lea 1f(%rip), %rax; jmp *%rax; inc %rdi; 1: xor %eax, %eax", Q_ALL, 8, 0) \
	X(jmp_mem, "lea 1f(%rip), %rax; push %rax; jmp *(%rsp); inc %rdi; 1: pop %rax; "    \
		   "xor %eax, %eax",                                                        \
	  Q_ALL, 8, 0)                                                                      \
	X(loop, "and $15, %ecx; jrcxz 2f; 1: inc %rdi; loop 1b; 2:", Q_ALL, 8, 0)           \
	X(loopne, "and $15, %ecx; jrcxz 2f; 1: add %rsi, %rdi; loopne 1b; 2:", Q_ALL, 8, 0) \
	X(loope, "and $15, %ecx; jrcxz 2f; 1: cmp %rsi, %rdi; loope 1b; 2:", Q_ALL, 8, 0)   \
	X(jecxz, "jecxz 1f; not %rdi; 1:", Q_ALL, 8, 0)                                     \
	X(nops, "nop; xchg %ax, %ax; nopl 0(%rax); nopw 0(%rax,%rax,1); "                   \
		".byte 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0; .byte 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0; " \
		"pause; fwait; endbr64",                                                    \
	  Q_ALL, 8, 0)                                                                      \
	X(movsb, STR_PRE "mov %rsp, %rsi; lea 64(%rsp), %rdi; rep movsb; " STR_POST, Q_ALL, 1, 0) \
	X(movsq, STR_PRE "and $7, %ecx; mov %rsp, %rsi; lea 64(%rsp), %rdi; rep movsq; " STR_POST, \
	  Q_ALL, 8, 0)                                                                      \
	X(movsw_1, STR_PRE "mov %rsp, %rsi; lea 64(%rsp), %rdi; movsw; movsl; " STR_POST,   \
	  Q_ALL, 2, 0)                                                                      \
	X(movsb_std, STR_PRE "lea 31(%rsp), %rsi; lea 95(%rsp), %rdi; std; rep movsb; cld; " \
		     STR_POST,                                                              \
	  Q_ALL, 1, 0)                                                                      \
	X(stosb, STR_PRE "lea 64(%rsp), %rdi; rep stosb; " STR_POST, Q_ALL, 1, 0)           \
	X(stosl, STR_PRE "and $7, %ecx; lea 64(%rsp), %rdi; rep stosl; " STR_POST, Q_ALL, 4, 0) \
	X(stosq_std, STR_PRE "and $3, %ecx; lea 88(%rsp), %rdi; std; rep stosq; cld; " STR_POST, \
	  Q_ALL, 8, 0)                                                                      \
	X(lodsb, STR_PRE "mov %rsp, %rsi; lodsb; lodsw; lodsl; lodsq; " STR_POST, Q_ALL, 1, 0) \
	X(cmpsb, STR_PRE "mov %rsp, %rsi; lea 32(%rsp), %rdi; movb %al, 37(%rsp); repe cmpsb; " \
		 STR_POST,                                                                  \
	  Q_ALL, 1, 0)                                                                      \
	X(cmpsq, STR_PRE "and $3, %ecx; mov %rsp, %rsi; lea 32(%rsp), %rdi; "               \
		 "movb %al, 45(%rsp); repe cmpsq; " STR_POST,                               \
	  Q_ALL, 8, 0)                                                                      \
	X(scasb, STR_PRE "mov %rsp, %rdi; repne scasb; " STR_POST, Q_ALL, 1, 0)             \
	X(scasw_std, STR_PRE "lea 62(%rsp), %rdi; std; repe scasw; cld; " STR_POST, Q_ALL, 2, 0) \
	X(xlat, "lea -256(%rsp), %rsp; mov %rdi, (%rsp); mov %rsi, 8(%rsp); and $15, %eax; "      \
		"mov %rsp, %rbx; xlat; xor %ebx, %ebx; lea 256(%rsp), %rsp",                     \
	  Q_ALL, 1, 0)

#define DEFINE_SNIP(name, body, q, size, count)                                             \
	__asm__(".pushsection .text.emu_snip, \"ax\", @progbits\n.p2align 4\n"              \
		"s_" #name ":\n\t" body "\n\tret\ns_" #name "_end:\n.popsection\n");        \
	extern const uint8_t s_##name[], s_##name##_end[];
SNIPPETS(DEFINE_SNIP)

struct snip {
	const char *name;
	const uint8_t *start, *end;
	enum quirk q;
	unsigned int size;
	int count; /* -1: cl */
};

#define TABLE_SNIP(name, body, q, size, count) { #name, s_##name, s_##name##_end, q, size, count },
static const struct snip snips[] = { SNIPPETS(TABLE_SNIP) };

/* ---- inputs ---- */
static const uint64_t interesting[] = {
	0, 1, 2, 3, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
	0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ull, 0x7fffffffffffffffull,
	0x8000000000000000ull, ~0ull, ~0ull - 1, 0xffffffff80000000ull, 0xffffffffffff8000ull,
	0xffffffffffffff80ull,
};

static uint64_t gen_val(void)
{
	switch (t_rand() % 8) {
	case 0:
	case 1:
		return t_rand() % 72;
	case 2:
	case 3:
		return interesting[t_rand() % (sizeof(interesting) / sizeof(interesting[0]))];
	case 4: { /* a sign-extended narrow value */
		static const unsigned int sh[] = { 56, 48, 32 };
		unsigned int s = sh[t_rand() % 3];
		return (uint64_t)((int64_t)(t_rand() << s) >> s);
	}
	default:
		return t_rand();
	}
}

static void gen_regs(const struct snip *s, struct t_regs *r)
{
	for (unsigned int i = 0; i < 16; i++)
		r->gpr[i] = gen_val();
	r->gpr[4] = 0;
	r->rflags = 0x202 | (t_rand() & F_ARITH);
	if (s->q == Q_DIV) {
		/* Mostly divisions that do not overflow, some that do. */
		unsigned int k = t_rand() % 4;
		uint64_t ax = r->gpr[0];
		if (k == 0)
			r->gpr[2] = 0;
		else if (k == 1)
			r->gpr[2] = ((int64_t)ax < 0) ? ~0ull : 0;
		if (s->size == 1 && k < 2)
			r->gpr[0] = (ax & ~0xff00ull) | (k == 0 ? 0 : (ax & 0x80 ? 0xff00 : 0));
		if (s->size == 2 && k == 1)
			r->gpr[2] = (ax & 0x8000) ? ~0ull : 0;
		if (s->size == 4 && k == 1)
			r->gpr[2] = (ax & 0x80000000) ? ~0ull : 0;
	}
}

/* Flags an input leaves undefined; ~0 means skip the input entirely. */
static uint64_t undefined_flags(const struct snip *s, const struct t_regs *in)
{
	unsigned int bits = s->size * 8;
	unsigned int count = s->count < 0 ? (unsigned int)(in->gpr[1] & 0xff) : (unsigned int)s->count;
	unsigned int m = count & (s->size == 8 ? 63 : 31);
	uint64_t u;

	switch (s->q) {
	case Q_ALL:
		return 0;
	case Q_LOGIC:
		return F_AF;
	case Q_SHLSHR:
	case Q_SAR:
		if (!m)
			return 0;
		u = F_AF | (m != 1 ? F_OF : 0);
		if (s->q == Q_SHLSHR && m >= bits)
			u |= F_CF;
		return u;
	case Q_ROT:
		return m && m != 1 ? F_OF : 0;
	case Q_SHLD:
		if (!m)
			return 0;
		if (m > bits)
			return ~0ull;
		return F_AF | (m != 1 ? F_OF : 0);
	case Q_MUL:
		return F_ARITH & ~(F_CF | F_OF);
	case Q_DIV:
		return F_ARITH;
	case Q_BT:
		return F_ARITH & ~(F_CF | F_ZF);
	case Q_BSF:
		return F_ARITH & ~F_ZF;
	case Q_TZ:
		return F_ARITH & ~(F_CF | F_ZF);
	}
	return 0;
}

static sigjmp_buf fpe_jb;

static void on_fpe(int sig)
{
	(void)sig;
	siglongjmp(fpe_jb, 1);
}

/* 0: completed natively, 1: #DE. */
static int run_native(const struct snip *s, struct t_regs *r)
{
	if (sigsetjmp(fpe_jb, 1))
		return 1;
	emu_native_call(r, s->start);
	return 0;
}

/* 0: completed, 1: #DE, -1: anything else (detail in ex). */
static int run_emu(const struct snip *s, struct t_regs *r, struct exec_exit *ex)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	t_setup_call(st, T_CODE_VA);
	uint64_t *dst[16] = { &st->regs.rax, &st->regs.rcx, &st->regs.rdx, &st->regs.rbx,
			      &st->regs.rsp, &st->regs.rbp, &st->regs.rsi, &st->regs.rdi,
			      &st->regs.r8,  &st->regs.r9,  &st->regs.r10, &st->regs.r11,
			      &st->regs.r12, &st->regs.r13, &st->regs.r14, &st->regs.r15 };
	for (unsigned int i = 0; i < 16; i++)
		if (i != 4)
			*dst[i] = r->gpr[i];
	st->regs.rflags = r->rflags;
	(void)s;
	if (BE.vcpu_run(t_vcpu, ex))
		return -1;
	if (ex->reason == EXEC_EXIT_TRAP && ex->vector == X86_EXC_DE)
		return 1;
	if (ex->reason != EXEC_EXIT_TRAP || ex->vector != X86_EXC_BP ||
	    st->regs.rip != T_RET_VA + 1 || st->regs.rsp != T_STACK_TOP)
		return -1;
	for (unsigned int i = 0; i < 16; i++)
		r->gpr[i] = i == 4 ? 0 : *dst[i];
	r->rflags = st->regs.rflags;
	return 0;
}

static const char *const reg_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp",
					   "rsi", "rdi", "r8",  "r9",  "r10", "r11",
					   "r12", "r13", "r14", "r15" };

static void diff_one(const struct snip *s, unsigned int iters)
{
	size_t len = (size_t)(s->end - s->start);
	t_load_code(s->start, len, 0);

	unsigned int bad = 0, done = 0;
	char first[512] = "";
	for (unsigned int it = 0; it < iters; it++) {
		struct t_regs in, nat, emu;
		gen_regs(s, &in);
		uint64_t undef = undefined_flags(s, &in);
		if (undef == ~0ull)
			continue;
		nat = in;
		emu = in;
		struct exec_exit ex;
		int rn = run_native(s, &nat);
		int re = run_emu(s, &emu, &ex);
		done++;
		bool ok = rn == re;
		if (ok && rn == 0) {
			for (unsigned int i = 0; i < 16; i++)
				ok = ok && (i == 4 || nat.gpr[i] == emu.gpr[i]);
			ok = ok && !((nat.rflags ^ emu.rflags) & F_COMPARE & ~undef);
		}
		if (ok)
			continue;
		if (!bad++) {
			int n = snprintf(first, sizeof(first), "native %d emu %d%s%s; in rflags %#llx", rn,
					 re, re < 0 ? " " : "", re < 0 ? ex.detail : "",
					 (unsigned long long)in.rflags);
			for (unsigned int i = 0; i < 16 && n < (int)sizeof(first) - 80; i++) {
				if (i == 4 || (rn == 0 && re == 0 && nat.gpr[i] == emu.gpr[i] &&
					       in.gpr[i] == nat.gpr[i]))
					continue;
				n += snprintf(first + n, sizeof(first) - (size_t)n,
					      " %s=%#llx->%#llx/%#llx", reg_names[i],
					      (unsigned long long)in.gpr[i],
					      (unsigned long long)nat.gpr[i],
					      (unsigned long long)emu.gpr[i]);
			}
			if (n < (int)sizeof(first) - 60)
				snprintf(first + n, sizeof(first) - (size_t)n, " flags %#llx/%#llx",
					 (unsigned long long)nat.rflags, (unsigned long long)emu.rflags);
		}
	}
	if (!T_CHECK(!bad, "differential: %s (%u inputs)", s->name, done))
		t_diag("%u mismatches; first: %s", bad, first);
}

void test_diff(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fpe;
	sa.sa_flags = SA_NODEFER;
	sigaction(SIGFPE, &sa, NULL);

	for (size_t i = 0; i < sizeof(snips) / sizeof(snips[0]); i++) {
		const struct snip *s = &snips[i];
		bool shifty = s->q == Q_SHLSHR || s->q == Q_SAR || s->q == Q_ROT || s->q == Q_SHLD;
		diff_one(s, shifty || s->q == Q_DIV || s->q == Q_MUL ? 600 : 250);
	}
	signal(SIGFPE, SIG_DFL);
}
