/*
 * One 16-byte stub per IDT vector (isr_stubs + 16 * vector). Each pushes a zero error
 * code where the CPU pushes none (SDM 6.13, table 6-1), then the vector number, then
 * joins isr_common, which saves the registers as struct ex_regs and calls do_exception().
 */
#include <x86/desc.h>

#define HAS_ERROR_CODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.text
	.balign 16
	.globl isr_stubs
isr_stubs:
	vec = 0
	.rept 256
	.balign 16
	.if !HAS_ERROR_CODE(vec)
	push $0
	.endif
	push $vec
	jmp isr_common
	vec = vec + 1
	.endr

isr_common:
#ifdef __x86_64__
	push %r15
	push %r14
	push %r13
	push %r12
	push %r11
	push %r10
	push %r9
	push %r8
	push %rbp
	push %rdi
	push %rsi
	push %rdx
	push %rcx
	push %rbx
	push %rax
	cld
	mov %rsp, %rdi
	call do_exception
	pop %rax
	pop %rbx
	pop %rcx
	pop %rdx
	pop %rsi
	pop %rdi
	pop %rbp
	pop %r8
	pop %r9
	pop %r10
	pop %r11
	pop %r12
	pop %r13
	pop %r14
	pop %r15
	add $16, %rsp		/* vector, error code */
	iretq
#else
	push %ebp
	push %edi
	push %esi
	push %edx
	push %ecx
	push %ebx
	push %eax
	cld
	mov %esp, %eax
	push %eax
	call do_exception
	add $4, %esp
	pop %eax
	pop %ebx
	pop %ecx
	pop %edx
	pop %esi
	pop %edi
	pop %ebp
	cmpl $NMI_VECTOR, (%esp)
	je 1f
	add $8, %esp		/* vector, error code */
	/*
	 * Same-privilege return without IRET: the kvm_pvm module fails to emulate a 32-bit
	 * IRET and the guest hangs (known deviation kvm-pvm-iret32).
	 * Frame is EIP, CS, EFLAGS (no ESP/SS at the same CPL, SDM 6.12.1): rewrite it to
	 * EFLAGS, EIP and return with POPF; RET. Only NMI needs IRET (it unblocks NMIs).
	 */
	push %eax
	mov 4(%esp), %eax	/* EIP */
	xchg %eax, 12(%esp)	/* EIP into the EFLAGS slot, EFLAGS into %eax */
	mov %eax, 8(%esp)	/* EFLAGS into the CS slot */
	pop %eax
	add $4, %esp
	/*
	 * POPF that sets IF opens the interrupt window at once, before the RET: an interrupt
	 * still pending (a level line kept asserted) would nest on the EIP left on the stack,
	 * 4 bytes deeper each time, and a storm walks the stack down over the image. STI holds
	 * interrupts off until the next instruction completes (SDM STI), so restore EFLAGS
	 * without IF and set IF with STI just before the RET.
	 */
	btrl $9, (%esp)		/* EFLAGS.IF */
	jc 2f
	popf
	ret
2:	popf
	sti
	ret
1:	add $8, %esp
	iret
#endif

	.section .note.GNU-stack, "", @progbits
