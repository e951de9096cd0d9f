/*
 * Emulating one x86 instruction that writes memory, for the
 * writable-pagetables assist: a PV kernel's write to its own page table
 * faults (tables are never writable) and the hypervisor performs it as a
 * checked update instead.  The instruction is decoded as 64-bit code or as
 * compatibility-mode (32-bit) code, as the caller says.
 *
 * Only the instructions kernels use on page-table entries are handled,
 * each with one memory operand of 1, 2, 4 or 8 bytes:
 *   mov r/m, reg and mov r/m, imm (88, 89, c6 /0, c7 /0); mov moffs, al/eAX
 *     (a2, a3: an absolute address of 8 bytes, 4 in compatibility mode)
 *   xchg r/m, reg (86, 87), cmpxchg r/m, reg (0f b0, 0f b1)
 *   or/and/xor r/m, reg and r/m, imm (08, 09, 20, 21, 30, 31; 80, 81, 83 /1 /4 /6)
 *   bts/btr/btc r/m, reg or imm8 (0f ab, 0f b3, 0f bb; 0f ba /5 /6 /7), the
 *     bit within the operand
 *   cmpxchg8b m64 (0f c7 /1): edx:eax compared, ecx:ebx written
 * with the lock, operand-size, REX (64-bit mode) and segment prefixes.
 * seg_bases are the bases of ES, CS, SS, DS, FS and GS (64-bit mode: 0
 * but FS and GS); the operand's segment is its override, else SS for
 * rsp/rbp-based operands, else DS.  Limits are not checked: the access
 * already passed them when it faulted on the page table.
 * Anything else is declined and the fault goes to the guest, as in Xen;
 * so are the address-size prefix (0x67) and cmpxchg16b.
 *
 * Compatibility mode: operands default to 32 bits, there is no REX
 * (0x40-0x4f are inc/dec: declined), ModRM mod 00 rm 101 is an absolute
 * disp32 instead of rip-relative, effective and linear addresses wrap at
 * 4 GiB and eip stays 32 bits.
 *
 * The caller's read/write hooks reach the operand; they run while the
 * caller holds whatever makes the read-modify-write atomic.
 */
#ifndef HV_EMULATE_STORE_H
#define HV_EMULATE_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/exec.h"
#include "hv/x86_modrm.h"

struct store_ops {
	/* 0, or -errno to abandon the instruction. */
	int (*read)(void *ctx, uint64_t la, unsigned int size, uint64_t *val);
	/* atomic: the instruction is an atomic read-modify-write (a lock
	 * prefix, xchg, cmpxchg, cmpxchg8b), which Xen performs as a
	 * compare-exchange; false for a plain store. */
	int (*write)(void *ctx, uint64_t la, unsigned int size, uint64_t val, bool atomic);
};

enum store_mode {
	STORE_MODE_64,	   /* 64-bit code */
	STORE_MODE_COMPAT, /* 32-bit code in compatibility mode */
};


/*
 * Emulate the instruction whose first avail bytes are at insn (rip is
 * regs->rip).  On success the registers, flags and rip are updated and the
 * length is returned; 0 if the instruction is not one of the above (nothing
 * changed); -errno from a hook (nothing changed unless the write hook ran).
 */
int emulate_store(struct vcpu_regs *regs, enum store_mode mode, const uint64_t seg_bases[6],
		  const uint8_t *insn, unsigned int avail, const struct store_ops *ops, void *ctx);

#endif
