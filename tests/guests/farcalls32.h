/*
 * Far calls, jumps and returns of a 32-bit kernel (xen/arch/x86/pv/
 * far_call.c, and lret in traps.c): directly to its own code segment and
 * through call gates of its GDT, in ring 1 and (traps32.c's ring 3) from
 * ring 3 inward onto the stack_switch stack.  Included by traps32.c: its
 * GDT (own_gdt) gets the gates, and the tests use its trap table (#GP,
 * #NP), expect(), seen, skip, ud_insn and OWN_KERNEL_CS/DS/ABSENT_CS.
 */
#define GATE3 0x53u  /* entry 10: call gate, DPL 3, to gate_entry on the kernel's own code */
#define GATE1 0x59u  /* entry 11: call gate, DPL 1 */
#define GATE3P 0x63u /* entry 12: call gate, DPL 3, one parameter, to gate_entry_param */

/* A 32-bit call gate: target selector and offset, DPL, parameter count. */
static uint64_t call_gate(uint16_t sel, uint32_t offset, unsigned int dpl, unsigned int params)
{
	return (offset & 0xffffu) | (uint64_t)sel << 16 |
	       (uint64_t)(params | 0xc00u | dpl << 13 | 0x8000u | (offset & 0xffff0000u)) << 32;
}

/* What the gate's code saw: the first 5 words at its esp ([eip, cs] and,
 * called from ring 3, [param, esp, ss]), the esp.  gate_entry returns
 * with lret, gate_entry_param with lret $4, releasing the parameter. */
volatile uint32_t gate_frame[5], gate_esp, gate_calls;
__asm__(".macro GATE_RECORD\n"
	"mov %esp, gate_esp\n"
	"push %eax\npush %ecx\nxor %ecx, %ecx\n"
	"1: mov 8(%esp,%ecx,4), %eax\nmov %eax, gate_frame(,%ecx,4)\ninc %ecx\ncmp $5, %ecx\njne 1b\n"
	"incl gate_calls\npop %ecx\npop %eax\n"
	".endm\n"
	".text\ngate_entry: GATE_RECORD\nlret\n"
	"gate_entry_param: GATE_RECORD\nlret $4\n"
	/* lcall through GATE3 / GATE1 in ring 1 (the gate's offset is used,
	 * the instruction's ignored) */
	"far_call_gate3: lcall $0x53, $0\nret\n"
	"far_call_gate1: lcall $0x59, $0\nret\n"
	".globl far_call_gate_after\n"
	/* lcall and ljmp straight to the kernel's own code segment */
	"far_call_own: lcall $0x09, $far_called\nret\n"
	"far_called: incl gate_calls\nlret\n"
	"far_jump_own: ljmp $0x09, $1f\n1: ud2\nljmp $0xe019, $2f\n2: ret\n"
	".globl far_call_data_at\n"
	"far_call_data: far_call_data_at: lcall $0x11, $0\nret\n"
	"far_call_absent: lcall $0x19, $0\nret\n");
void gate_entry(void), gate_entry_param(void), far_call_gate3(void), far_call_gate1(void), far_call_own(void), far_jump_own(void),
	far_call_data(void), far_call_data_at(void), far_call_absent(void);

static void farcalls32_fill_gdt(uint64_t *gdt)
{
	gdt[10] = call_gate(0x09, (uint32_t)gate_entry, 3, 0);
	gdt[11] = call_gate(0x09, (uint32_t)gate_entry, 1, 0);
	gdt[12] = call_gate(0x09, (uint32_t)gate_entry_param, 3, 1);
}

static void test_far_calls32(void)
{
	guest_puts("lcall through a call gate in ring 1\n");
	unsigned int calls = gate_calls;
	far_call_gate3();
	guest_check(gate_calls == calls + 1 && (gate_frame[1] & 0xffff) == FLAT_KERNEL_CS,
		    "the gate called its code in the same ring, which saw the caller's cs (0x%x) and came back with "
		    "lret", gate_frame[1]);
	far_call_gate1();
	guest_check(gate_calls == calls + 2, "a gate with DPL 1 is callable from ring 1");
	far_call_own();
	guest_check(gate_calls == calls + 3, "lcall straight to its own code segment, and lret back");
	expect(6, far_jump_own, 2, "ljmp to its own code segment, ud2 there");
	guest_check((uint16_t)seen.cs == OWN_KERNEL_CS, "the frame shows that selector (0x%x)", seen.cs);
	expect(13, far_call_data, 7, "lcall to a data segment: #GP");
	guest_check(seen.error == (OWN_KERNEL_DS & ~3u) && seen.eip == (uint32_t)far_call_data_at,
		    "with its selector at the lcall (0x%x, eip 0x%x)", seen.error, seen.eip);
	expect(11, far_call_absent, 7, "lcall to code that is not present: #NP");
	guest_check(seen.error == (OWN_ABSENT_CS & ~3u), "with its selector (0x%x)", seen.error);
}
