/*
 * The exception vector table and EL0 entry/exit. Every vector saves a struct pt_regs
 * (processor.h) and calls do_exception(regs, vector) in processor.c.
 */
#define FRAME_SIZE (34 * 8)
#define FRAME_SP (31 * 8)
#define FRAME_PC (32 * 8)
#define FRAME_PSTATE (33 * 8)
#define FIRST_EL0_VECTOR 8

.macro vector idx
	.balign	0x80
	sub	sp, sp, #FRAME_SIZE
	stp	x0, x1, [sp]
	mov	x0, #\idx
	b	vector_common
.endm

	.text
	.balign	0x800			/* VBAR_EL1 bits [10:0] are RES0 */
	.globl	vectors
vectors:
	.irp	idx, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
	vector	\idx
	.endr

vector_common:
	stp	x2, x3, [sp, #16]
	stp	x4, x5, [sp, #32]
	stp	x6, x7, [sp, #48]
	stp	x8, x9, [sp, #64]
	stp	x10, x11, [sp, #80]
	stp	x12, x13, [sp, #96]
	stp	x14, x15, [sp, #112]
	stp	x16, x17, [sp, #128]
	stp	x18, x19, [sp, #144]
	stp	x20, x21, [sp, #160]
	stp	x22, x23, [sp, #176]
	stp	x24, x25, [sp, #192]
	stp	x26, x27, [sp, #208]
	stp	x28, x29, [sp, #224]
	str	x30, [sp, #240]
	cmp	x0, #FIRST_EL0_VECTOR
	b.lo	1f
	mrs	x1, sp_el0
	b	2f
1:	add	x1, sp, #FRAME_SIZE
2:	mrs	x2, elr_el1
	mrs	x3, spsr_el1
	stp	x1, x2, [sp, #FRAME_SP]
	str	x3, [sp, #FRAME_PSTATE]
	mov	x1, x0
	mov	x0, sp
	/* a frame record {interrupted fp, interrupted pc} chains backtraces through */
	stp	x29, x2, [sp, #-16]!
	mov	x29, sp
	bl	do_exception
	add	sp, sp, #16

	ldp	x1, x2, [sp, #FRAME_SP]
	ldr	x3, [sp, #FRAME_PSTATE]
	msr	elr_el1, x2
	msr	spsr_el1, x3
	tst	x3, #0xf		/* returning to EL0t: its SP may have been edited */
	b.ne	3f
	msr	sp_el0, x1
3:	ldp	x2, x3, [sp, #16]
	ldp	x4, x5, [sp, #32]
	ldp	x6, x7, [sp, #48]
	ldp	x8, x9, [sp, #64]
	ldp	x10, x11, [sp, #80]
	ldp	x12, x13, [sp, #96]
	ldp	x14, x15, [sp, #112]
	ldp	x16, x17, [sp, #128]
	ldp	x18, x19, [sp, #144]
	ldp	x20, x21, [sp, #160]
	ldp	x22, x23, [sp, #176]
	ldp	x24, x25, [sp, #192]
	ldp	x26, x27, [sp, #208]
	ldp	x28, x29, [sp, #224]
	ldr	x30, [sp, #240]
	ldp	x0, x1, [sp]
	add	sp, sp, #FRAME_SIZE
	eret

/*
 * long __start_usr(fn, arg, sp_el0, spsr): eret to fn(arg) at EL0 with the callee-saved
 * registers kept on this stack. EL0 comes back through an exception whose handler calls
 * usr_return_to_el1(), which erets to usr_resume at EL1h on SP_EL1 == the sp below, so
 * the frame saved here is intact.
 */
	.globl	__start_usr
__start_usr:
	stp	x29, x30, [sp, #-96]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	stp	x21, x22, [sp, #32]
	stp	x23, x24, [sp, #48]
	stp	x25, x26, [sp, #64]
	stp	x27, x28, [sp, #80]
	msr	sp_el0, x2
	msr	elr_el1, x0
	msr	spsr_el1, x3
	mov	x0, x1
	adr	x30, usr_exit_trampoline
	mov	x29, xzr
	.irp	r, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18
	mov	x\r, xzr
	.endr
	eret

	.globl	usr_resume
usr_resume:
	ldp	x19, x20, [sp, #16]
	ldp	x21, x22, [sp, #32]
	ldp	x23, x24, [sp, #48]
	ldp	x25, x26, [sp, #64]
	ldp	x27, x28, [sp, #80]
	ldp	x29, x30, [sp], #96
	ret

/* Where fn returns to, at EL0: x0 holds its return value. */
	.globl	usr_exit_trampoline
usr_exit_trampoline:
	svc	#0xfff0
	b	.
