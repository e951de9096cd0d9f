/*
 * Shared helpers of the emu backend's tests: a small machine with its own
 * 4-level page tables, and running code in it.
 */
#ifndef EMU_TEST_H
#define EMU_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/exec.h"
#include "hv/guest_walk.h"

#define T_NR_FRAMES 16384u /* 64 MiB of machine memory (sparse) */

/* Guest virtual layout of the tests. */
#define T_CODE_VA 0x10000000ull   /* 16 pages of code */
#define T_DATA_VA 0x20000000ull   /* 64 pages of data */
#define T_STACK_TOP 0x30000000ull /* 16 pages below this */
#define T_RET_VA 0x40000000ull    /* one page of int3: where snippets return */
#define T_SPECIAL_VA 0x50000000ull /* pages with odd permissions */

#define T_PTE_URW (1ull << 0 | 1ull << 1 | 1ull << 2)

struct t_regs {
	uint64_t gpr[16]; /* rax ... r15 */
	uint64_t rflags;
};

extern struct exec_machine t_mach;
extern struct exec_vm *t_vm;
extern struct exec_vcpu *t_vcpu;
extern uint64_t t_cr3;

uint64_t t_alloc_frame(void);
uint8_t *t_frame_ptr(uint64_t mfn);
/* Map va to mfn with the given leaf flags in the page table at cr3. */
void t_map(uint64_t cr3, uint64_t va, uint64_t mfn, uint64_t flags);
/* The leaf entry for va (NULL if tables are missing). */
uint64_t *t_pte(uint64_t cr3, uint64_t va);
/* Host pointer to the byte at va in the test address space. */
uint8_t *t_host(uint64_t va);
/* Map [va, va + len) to fresh frames. */
void t_map_range(uint64_t va, uint64_t len, uint64_t flags);

/* Reset the vCPU for a run at rip with a fresh stack whose top holds
 * T_RET_VA (so a final ret lands on int3). */
void t_setup_call(struct vcpu_state *st, uint64_t rip);
/* Run and report; returns the exit reason. */
int t_run(struct exec_exit *ex);
/* Copy code to T_CODE_VA + off and return its address. */
uint64_t t_load_code(const void *code, size_t len, uint64_t off);

uint64_t t_rand(void);

/* Guest code written as assembler, kept as data (copied into the guest,
 * never run natively). */
#define T_ASM(name, body)                                                          \
	__asm__(".pushsection .rodata.emu_test, \"a\"\n.p2align 4\n" #name ":\n\t" body \
		"\n" #name "_end:\n.popsection\n");                                 \
	extern const uint8_t name[], name##_end[]

#define T_LOAD(name, off) t_load_code(name, (size_t)(name##_end - name), (off))

/* TAP through test_emu.c's counter (tests/tap.h keeps it per file). */
int t_check(int ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define T_CHECK(cond, ...) t_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
void t_skip(const char *why);
void t_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void test_diff(void);
void test_guest_c(void);
void test_compat(void);
void test_data_breakpoints(void);

#endif
