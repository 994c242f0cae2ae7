/* The stack protector's runtime: the distribution's libfdt.a is built with it. */
#include <libcflat.h>

unsigned long __stack_chk_guard = 0x5a17c0ffee0dd00dUL;

void __stack_chk_fail(void)
{
	printf("stack protector: stack smashing detected\n");
	abort();
}
