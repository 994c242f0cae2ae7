/*
 * Real-mode entry of the application processors. smp.c copies the bytes between
 * ap_trampoline_start and ap_trampoline_end to a page below 1 MiB and sends the
 * SIPI with that page's number: the AP starts here with CS = page << 8, IP = 0,
 * in 16-bit real mode (SDM Vol. 3A, 9.4.4.1 "Typical AP Initialization Sequence").
 *
 * Every AP is woken by the same broadcast, so they queue on ap_trampoline_lock:
 * the BSP fills the one boot slot (ap_boot_cpu, ap_boot_stack) and releases the
 * lock for exactly one AP at a time.
 *
 * Only offsets relative to ap_trampoline_start are used while CS/DS point at the
 * copy. The far jump out is to an absolute address in the image, so it needs no
 * patching; the BSP copies gdt_descr into the GDT pseudo-descriptor before the SIPI.
 */
#define KERNEL_DS_SEL 0x10   /* KERNEL_DS in lib/x86/desc.h: flat data */
#define KERNEL_CS32_SEL 0x18 /* KERNEL_CS32 in lib/x86/desc.h: 32-bit flat code */

#define TRAMPOLINE_OFFSET(sym) ((sym) - ap_trampoline_start)

	.section .text
	.code16
	.globl ap_trampoline_start, ap_trampoline_end
	.globl ap_trampoline_lock, ap_trampoline_gdt
ap_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
1:	lock btsw $0, TRAMPOLINE_OFFSET(ap_trampoline_lock)
	jnc 3f
2:	pause
	testw $1, TRAMPOLINE_OFFSET(ap_trampoline_lock)
	jnz 2b
	jmp 1b
3:	lgdtl TRAMPOLINE_OFFSET(ap_trampoline_gdt)
	/*
	 * INIT leaves CR0.CD and CR0.NW set (SDM Vol. 3A, Table 9-1): clear them so the
	 * AP does not run with caches disabled; set PE, paging stays off.
	 */
	mov %cr0, %eax
	and $~0x60000000, %eax
	or $1, %eax
	mov %eax, %cr0
	mov $KERNEL_DS_SEL, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	ljmpl $KERNEL_CS32_SEL, $ap_start32

	.balign 4
ap_trampoline_lock:
	.word 1 /* held by the BSP until it has a boot slot ready */
	.balign 4
	.word 0
ap_trampoline_gdt:
	.word 0 /* limit, then a 32-bit base: written by the BSP */
	.long 0
ap_trampoline_end:
