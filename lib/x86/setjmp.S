/* setjmp/longjmp (lib/x86/setjmp.h): System V calling conventions of each ABI. */
	.text
	.globl setjmp, longjmp
#ifdef __x86_64__
setjmp:
	mov %rbx, 0(%rdi)
	mov %rbp, 8(%rdi)
	mov %r12, 16(%rdi)
	mov %r13, 24(%rdi)
	mov %r14, 32(%rdi)
	mov %r15, 40(%rdi)
	lea 8(%rsp), %rdx	/* the stack pointer after our return */
	mov %rdx, 48(%rdi)
	mov (%rsp), %rdx
	mov %rdx, 56(%rdi)
	xor %eax, %eax
	ret

longjmp:
	mov %esi, %eax
	test %eax, %eax
	jnz 1f
	inc %eax
1:	mov 0(%rdi), %rbx
	mov 8(%rdi), %rbp
	mov 16(%rdi), %r12
	mov 24(%rdi), %r13
	mov 32(%rdi), %r14
	mov 40(%rdi), %r15
	mov 48(%rdi), %rsp
	jmp *56(%rdi)
#else
setjmp:
	mov 4(%esp), %eax
	mov %ebx, 0(%eax)
	mov %esi, 4(%eax)
	mov %edi, 8(%eax)
	mov %ebp, 12(%eax)
	lea 4(%esp), %edx
	mov %edx, 16(%eax)
	mov (%esp), %edx
	mov %edx, 20(%eax)
	xor %eax, %eax
	ret

longjmp:
	mov 4(%esp), %edx
	mov 8(%esp), %eax
	test %eax, %eax
	jnz 1f
	inc %eax
1:	mov 0(%edx), %ebx
	mov 4(%edx), %esi
	mov 8(%edx), %edi
	mov 12(%edx), %ebp
	mov 16(%edx), %esp
	jmp *20(%edx)
#endif

	.section .note.GNU-stack, "", @progbits
