/*
 * setjmp/longjmp for guest code: the callee-saved registers, the stack pointer and the
 * return address. Flags and segment registers are not part of the state.
 */
#ifndef X86_SETJMP_H
#define X86_SETJMP_H

#ifdef __x86_64__
typedef unsigned long jmp_buf[8]; /* rbx rbp r12 r13 r14 r15 rsp rip */
#else
typedef unsigned long jmp_buf[6]; /* ebx esi edi ebp esp eip */
#endif

int setjmp(jmp_buf env) __attribute__((returns_twice));
/* Return from the setjmp() that filled @env again, with @val (0 becomes 1). */
void longjmp(jmp_buf env, int val) __attribute__((noreturn));

#endif
