/*
 * Interruption entry and return for every class. On entry the new PSW has all
 * maskable interruptions off, so the GRs can be parked in this CPU's prefix area
 * until a struct int_regs is built below the interrupted stack pointer. The return
 * path clears the wait bit of the old PSW: an interruption that ended an enabled
 * wait resumes after the wait (PoP ch. 4 "Wait State").
 */
#include <s390x/lowcore.h>
#include <s390x/psw.h>
#include <s390x/interrupt.h>

#define FRAME	(STACK_FRAME_SIZE + REGS_SIZE)
#define R(off)	(STACK_FRAME_SIZE + (off))

	.macro	SAVE_FPRS
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	std	%f\n, R(REGS_FPRS + 8 * \n)(%r15)
	.endr
	.endm

	.macro	RESTORE_FPRS
	.irp	n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	ld	%f\n, R(REGS_FPRS + 8 * \n)(%r15)
	.endr
	.endm

	.macro	INT_ENTRY name, old_psw, dispatcher
	.globl	\name
\name:
	stmg	%r0, %r15, LC_SW_SCRATCH_GRS
	aghi	%r15, -FRAME
	mvc	R(REGS_GRS)(128,%r15), LC_SW_SCRATCH_GRS
	stam	%a0, %a15, R(REGS_ACRS)(%r15)
	SAVE_FPRS
	stfpc	R(REGS_FPC)(%r15)
	stctg	%c0, %c15, R(REGS_CRS)(%r15)
	mvc	R(REGS_PSW)(16,%r15), \old_psw
	/* back chain into the interrupted code, for backtraces */
	lg	%r1, LC_SW_SCRATCH_GRS + 15 * 8
	stg	%r1, 0(%r15)
	la	%r2, R(0)(%r15)
	brasl	%r14, \dispatcher
	j	int_return
	.endm

	.text
	INT_ENTRY pgm_int_entry, LC_PGM_OLD_PSW, do_pgm_int
	INT_ENTRY ext_int_entry, LC_EXT_OLD_PSW, do_ext_int
	INT_ENTRY io_int_entry, LC_IO_OLD_PSW, do_io_int
	INT_ENTRY svc_int_entry, LC_SVC_OLD_PSW, do_svc_int
	INT_ENTRY mcck_int_entry, LC_MCCK_OLD_PSW, do_mcck_int
	INT_ENTRY restart_int_entry, LC_RESTART_OLD_PSW, do_restart_int

int_return:
	/* handlers restore the masks they change; make sure nothing arrives from here on */
	stnsm	LC_SW_SCRATCH, 0xfc
	ni	R(REGS_PSW + 1)(%r15), 0xff - PSW_BYTE1_WAIT
	lam	%a0, %a15, R(REGS_ACRS)(%r15)
	RESTORE_FPRS
	lfpc	R(REGS_FPC)(%r15)
	mvc	LC_SW_RETURN_PSW(16), R(REGS_PSW)(%r15)
	lmg	%r0, %r15, R(REGS_GRS)(%r15)
	lpswe	LC_SW_RETURN_PSW

/*
 * A CPU started by lib/s390x/smp.c: its restart new PSW points here, its prefix area
 * holds the control registers, stack and function to run.
 */
	.globl	secondary_entry
secondary_entry:
	lctlg	%c0, %c15, LC_SW_START_CRS
	lg	%r15, LC_SW_START_STACK
	aghi	%r15, -STACK_FRAME_SIZE
	xc	0(8,%r15), 0(%r15)
	lg	%r2, LC_SW_START_FN
	brasl	%r14, secondary_start
0:	j	0b
