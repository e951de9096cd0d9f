/*
 * The CPL-0 stub: one 16-byte entry per vector.  Each entry makes the frame
 * uniform (a zero where the CPU pushes no error code), pushes its vector
 * number and leaves to the hypervisor through an `out`.  The hypervisor
 * reads the frame from the vCPU's stack and resumes the guest itself, so an
 * entry never continues past its `out`; the `hlt` only guards that.
 * Only plain integer instructions: anything else misbehaves under some KVMs.
 *
 * The syscall trampolines are what LSTAR and CSTAR point at (CSTAR: syscall
 * from compatibility mode, so the backend knows which mode the guest was
 * in).  They run at CPL 3 under kvm_pvm and at CPL 0 elsewhere, touch no
 * stack, and `out %al, $imm8` encodes the same in 32- and 64-bit mode.
 */
/* Ports below 0x100, so `out %al, $port` needs no register but %al,
 * which it only reads: the guest's registers reach the hypervisor intact. */
#define STUB_PORT 0xf4
#define SYSCALL_PORT 0xf5
#define SYSCALL32_PORT 0xf6
#define FLUSH_PORT 0xf7

	.section .rodata.kvm_stub, "a"
	.code64
	.globl kvm_stub_start, kvm_stub_end
	.balign 16
kvm_stub_start:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.balign 16
	/* Vectors 8, 10-14, 17, 21, 29, 30 come with an error code. */
	.if (\vec == 8) || ((\vec >= 10) && (\vec <= 14)) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.byte 0x90, 0x90              /* nop; nop: keep the entry size */
	.else
	pushq $0
	.endif
	pushq $\vec
	outb %al, $STUB_PORT
	hlt
	.endr
	/* Vectors 32-255 (external interrupts, int n on VT-x): no error code. */
	.set vec, 32
	.rept 224
	.balign 16
	pushq $0
	pushq $vec
	outb %al, $STUB_PORT
	hlt
	.set vec, vec + 1
	.endr
kvm_stub_end:

	.globl kvm_trampoline_start, kvm_trampoline_end
	.balign 16
kvm_trampoline_start:
	outb %al, $SYSCALL_PORT
kvm_trampoline_end:

	.globl kvm_trampoline32_start, kvm_trampoline32_end
	.balign 16
kvm_trampoline32_start:
	outb %al, $SYSCALL32_PORT
kvm_trampoline32_end:

/* The TLB flush the backend runs at CPL 0 before resuming a vCPU whose
 * page tables changed: toggling CR4.PGE drops every translation, global
 * ones included, and the CR3 reload makes shadow-paging KVMs resync.  The
 * backend reloads all registers afterwards, so rax and rcx are free. */
	.globl kvm_flush_start, kvm_flush_end
	.balign 16
kvm_flush_start:
	mov %cr4, %rax
	mov %rax, %rcx
	xor $0x80, %rcx
	mov %rcx, %cr4
	mov %rax, %cr4
	mov %cr3, %rax
	mov %rax, %cr3
	outb %al, $FLUSH_PORT
	hlt
kvm_flush_end:
	.section .note.GNU-stack, "", @progbits
