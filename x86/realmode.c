/*
 * Real-address mode (SDM vol. 3 20.1, 9.9): from 32-bit protected mode through a 16-bit
 * segment to CR0.PE=0 and back. In real mode the test checks segment:offset addressing
 * (linear = segment * 16 + offset), 32-bit operands behind the operand-size prefix, the
 * stack wrapping within its 64 KiB segment, INT n through the interrupt vector table (the
 * handler finds CS:IP on its stack and IRET returns), #DE delivered through IVT entry 0 at
 * the faulting DIV, and A20 enabled (0xffff:0x0210 is linear 0x100200, not 0x200).
 * i386 only.
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/processor.h>

#define RM_BASE 0x6000 /* below the AP trampoline page (0x8000) */
#define RM_SEG 0x600
#define RESULTS 0xf00 /* offset of struct rm_results in the copied code's segment */
#define MARK_LINEAR (RM_BASE + 0x1000)

struct rm_results {
	u32 wide;	  /* a 32-bit sum computed with operand-size prefixes */
	u16 int_count;	  /* the INT 0x80 handler's runs */
	u16 int_ip;	  /* the return CS:IP it found on its stack */
	u16 int_cs;
	u16 de_count;	  /* the #DE handler's runs */
	u16 de_ip;	  /* the IP it found: the DIV */
	u16 sp_wrapped;	  /* SP after a push at SP = 0 */
	u16 a20_aliased;  /* 1 if linear 0x100200 aliased 0x200 */
} __packed;

#ifndef __x86_64__
#define STR_(x) #x
#define STR(x) STR_(x)
#define OFF(sym) "(" #sym " - rm_start)"
/* Offsets of struct rm_results' fields, for the assembly (checked in main()). */
#define OFF_wide 0
#define OFF_int_count 4
#define OFF_int_ip 6
#define OFF_int_cs 8
#define OFF_de_count 10
#define OFF_de_ip 12
#define OFF_sp_wrapped 14
#define OFF_a20_aliased 16
#define RES(field) STR(RESULTS) " + " STR(OFF_##field)

extern char rm_start[], rm_end[], rm_int80[], rm_de[], rm_int_next[], rm_div[];
extern void rm_run(void);
unsigned long rm_saved_esp;
struct descriptor_ptr rm_ivt = { 0x3ff, 0 };

asm(".pushsection .text\n"
    ".code32\n"
    "rm_run:\n\t"
    "pushf\n\tpusha\n\t"
    "mov %esp, rm_saved_esp\n\t"
    "cli\n\t"
    "lidt rm_ivt\n\t"
    "ljmp $" STR(KERNEL_CS16) ", $" STR(RM_BASE) " + " OFF(rm_entry16) "\n"
    ".code16\n"
    "rm_start:\n"
    "rm_entry16:\n\t" /* 16-bit protected mode: real-mode-compatible segment limits */
    "mov $" STR(KERNEL_DS16) ", %ax\n\t"
    "mov %ax, %ds\n\tmov %ax, %es\n\tmov %ax, %ss\n\tmov %ax, %fs\n\tmov %ax, %gs\n\t"
    "mov %cr0, %eax\n\tand $0xfffffffe, %eax\n\tmov %eax, %cr0\n\t"
    "ljmp $" STR(RM_SEG) ", $" OFF(rm_real) "\n"
    "rm_real:\n\t"
    "mov $" STR(RM_SEG) ", %ax\n\tmov %ax, %ds\n\tmov %ax, %ss\n\tmov $0xe00, %sp\n\t"
    "mov $" STR(RM_SEG) " + 0x100, %ax\n\tmov %ax, %es\n\t"
    "movl $0x5245414c, %es:0\n\t"
    "movl $0x12340000, %eax\n\taddl $0x5678, %eax\n\tmovl %eax, " RES(wide) "\n\t"
    "int $0x80\n"
    "rm_int_next:\n\t"
    "xor %cx, %cx\n\tmov $1, %ax\n\txor %dx, %dx\n"
    "rm_div:\n\t"
    "div %cx\n\t"
    "mov %sp, %bx\n\txor %sp, %sp\n\tpush %ax\n\tmov %sp, " RES(sp_wrapped) "\n\t"
    "mov %bx, %sp\n\t"
    "mov $0xffff, %ax\n\tmov %ax, %es\n\txor %ax, %ax\n\tmov %ax, %fs\n\t"
    "mov %es:0x210, %si\n\tmov %fs:0x200, %di\n\t"
    "movw $0xa20a, %es:0x210\n\txorw $0x5555, %fs:0x200\n\t"
    "xor %dx, %dx\n\tcmpw $0xa20a, %es:0x210\n\tje 1f\n\tinc %dx\n"
    "1:\tmov %di, %fs:0x200\n\tmov %si, %es:0x210\n\tmov %dx, " RES(a20_aliased) "\n\t"
    "mov %cr0, %eax\n\tor $1, %eax\n\tmov %eax, %cr0\n\t"
    "ljmpl $" STR(KERNEL_CS) ", $rm_back32\n"
    "rm_int80:\n\t"
    "incw " RES(int_count) "\n\t"
    "mov %sp, %bp\n\tmov (%bp), %ax\n\tmov %ax, " RES(int_ip) "\n\t"
    "mov 2(%bp), %ax\n\tmov %ax, " RES(int_cs) "\n\t"
    "iret\n"
    "rm_de:\n\t"
    "incw " RES(de_count) "\n\t"
    "mov %sp, %bp\n\tmov (%bp), %ax\n\tmov %ax, " RES(de_ip) "\n\t"
    "addw $2, (%bp)\n\t"
    "iret\n"
    "rm_end:\n"
    ".code32\n"
    "rm_back32:\n\t"
    "mov $" STR(KERNEL_DS) ", %eax\n\t"
    "mov %eax, %ds\n\tmov %eax, %es\n\tmov %eax, %ss\n\tmov %eax, %fs\n\tmov %eax, %gs\n\t"
    "mov rm_saved_esp, %esp\n\t"
    "lidt idt_descr\n\t"
    "popa\n\tpopf\n\t"
    "ret\n"
    ".popsection");

/* The IVT is at linear 0: read through a volatile address so gcc sees no null pointer. */
static volatile unsigned long ivt_address;

int main(void)
{
	struct rm_results *r = (struct rm_results *)(RM_BASE + RESULTS);
	volatile u32 *ivt = (volatile u32 *)ivt_address;
	u32 saved0 = ivt[0], saved80 = ivt[0x80];

	assert(rm_end - rm_start < 0xe00 - 0x100);
	assert(offsetof(struct rm_results, a20_aliased) == OFF_a20_aliased &&
	       offsetof(struct rm_results, de_ip) == OFF_de_ip);
	memcpy((void *)RM_BASE, rm_start, rm_end - rm_start);
	memset(r, 0, sizeof(*r));
	*(volatile u32 *)MARK_LINEAR = 0;
	ivt[0] = RM_SEG << 16 | (u16)(rm_de - rm_start);
	ivt[0x80] = RM_SEG << 16 | (u16)(rm_int80 - rm_start);
	rm_run();
	ivt[0] = saved0;
	ivt[0x80] = saved80;

	report_pass("into real mode and back to protected mode");
	report(*(volatile u32 *)MARK_LINEAR == 0x5245414c,
	       "ES = %#x, offset 0: the store lands at linear %#x", RM_SEG + 0x100, MARK_LINEAR);
	report(r->wide == 0x12345678, "32-bit operands behind the 0x66 prefix (%#x)", r->wide);
	report(r->int_count == 1, "INT 0x80 runs the IVT's handler once");
	report(r->int_cs == RM_SEG && r->int_ip == (u16)(rm_int_next - rm_start),
	       "the handler finds the return CS:IP %#x:%#x", r->int_cs, r->int_ip);
	report(r->de_count == 1 && r->de_ip == (u16)(rm_div - rm_start),
	       "DIV by zero: #DE through IVT entry 0 at the DIV (IP %#x)", r->de_ip);
	report(r->sp_wrapped == 0xfffe, "a push at SP = 0 wraps SP to 0xfffe (%#x)",
	       r->sp_wrapped);
	report(r->a20_aliased == 0, "A20 is enabled: 0xffff:0x0210 is not linear 0x200");
	return report_summary();
}
#else
int main(void)
{
	report_skip("realmode: runs from 32-bit protected mode, in the i386 build");
	return report_summary();
}
#endif
