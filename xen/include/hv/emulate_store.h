/*
 * Emulating one x86-64 instruction that writes memory, for the
 * writable-pagetables assist: a PV kernel's write to its own page table
 * faults (tables are never writable) and the hypervisor performs it as a
 * checked update instead.
 *
 * Only the instructions kernels use on page-table entries are handled,
 * each with one memory operand of 1, 2, 4 or 8 bytes:
 *   mov r/m, reg and mov r/m, imm (88, 89, c6 /0, c7 /0)
 *   xchg r/m, reg (86, 87), cmpxchg r/m, reg (0f b0, 0f b1)
 *   or/and/xor r/m, reg and r/m, imm (08, 09, 20, 21, 30, 31; 80, 81, 83 /1 /4 /6)
 *   bts/btr/btc r/m, reg or imm8 (0f ab, 0f b3, 0f bb; 0f ba /5 /6 /7), the
 *     bit within the operand
 * with the lock, operand-size, REX and FS/GS prefixes.  Anything else is
 * declined and the fault goes to the guest, as in Xen.
 *
 * The caller's read/write hooks reach the operand; they run while the
 * caller holds whatever makes the read-modify-write atomic.
 */
#ifndef HV_EMULATE_STORE_H
#define HV_EMULATE_STORE_H

#include <stdint.h>

#include "hv/exec.h"

struct store_ops {
	/* 0, or -errno to abandon the instruction. */
	int (*read)(void *ctx, uint64_t la, unsigned int size, uint64_t *val);
	int (*write)(void *ctx, uint64_t la, unsigned int size, uint64_t val);
};

/* The maximum length of an x86 instruction. */
#define X86_MAX_INSN_LEN 15

/*
 * Emulate the instruction whose first avail bytes are at insn (rip is
 * regs->rip).  On success the registers, flags and rip are updated and the
 * length is returned; 0 if the instruction is not one of the above (nothing
 * changed); -errno from a hook (nothing changed unless the write hook ran).
 */
int emulate_store(struct vcpu_regs *regs, uint64_t fs_base, uint64_t gs_base, const uint8_t *insn,
		  unsigned int avail, const struct store_ops *ops, void *ctx);

#endif
