/*
 * Image entry. QEMU's -kernel loader treats an ELF whose entry is 0x10000 like a
 * Linux kernel: it starts the CPU there in 64-bit mode and copies the -append text
 * to 0x10480 inside the image, so the head below reserves that area.
 */
#include <s390x/lowcore.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define CMDLINE_OFFSET	0x480
#define CMDLINE_SIZE	896	/* what QEMU accepts for this legacy area */

	.section .head, "ax"
	.globl	start
start:
	j	boot
	.org	CMDLINE_OFFSET
	.globl	boot_cmdline
boot_cmdline:
	.fill	CMDLINE_SIZE, 1, 0

	.text
boot:
	sam64
	/* The interruption entry saves all 16 FPRs: AFP must be on first (PoP ch. 9). */
	larl	%r1, boot_cr0
	lctlg	%c0, %c0, 0(%r1)
	larl	%r15, boot_stack_top
	aghi	%r15, -STACK_FRAME_SIZE
	xc	0(8,%r15), 0(%r15)
	brasl	%r14, boot_main
	/* boot_main does not return */
0:	j	0b

	.section .rodata
	.align	8
boot_cr0:
	.quad	CR0_AFP_REGISTERS | CR0_EMERGENCY_SIGNAL | CR0_EXTERNAL_CALL | 0xe0

	.section .boot_stack, "aw", @nobits
	.align	4096
	.space	65536
	.globl	boot_stack_top
boot_stack_top:
