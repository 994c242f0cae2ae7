/*
 * Expecting an exception: run a code fragment and learn whether it raised one, with its
 * vector, error code, CR2 and where it happened. The fragment is abandoned at its first
 * exception, so each run reports at most one, exactly as the CPU delivered it.
 *
 * Fragments run at CPL 0 (run_catching) or at CPL 3 (run_in_user). A CPL 3 fragment and
 * everything it calls must be marked __user_text: those functions live in their own
 * pages, mapped user-accessible, and the rest of the image stays supervisor-only (so
 * SMEP and SMAP tests can run kernel code next to them). They should not call library
 * code; pass them what they need through @arg.
 */
#ifndef X86_FAULT_H
#define X86_FAULT_H

#include <libcflat.h>
#include <x86/desc.h>

struct fault {
	int vector; /* EXC_NONE: the fragment returned normally */
	u32 error_code;
	unsigned long cr2; /* for #PF */
	unsigned long ip; /* instruction pointer the CPU reported */
	unsigned int cpl; /* privilege level the exception came from */
};

typedef void (*fragment_t)(void *arg);

#define __user_text __attribute__((section(".usertext"), noinline))

/* Run @fn(@arg) at CPL 0; returns the vector it raised (also in *@f if non-NULL), or EXC_NONE. */
int run_catching(fragment_t fn, void *arg, struct fault *f);
/* Run @fn(@arg) at CPL 3 (64-bit code on x86_64) on a user stack of this CPU. */
int run_in_user(fragment_t fn, void *arg, struct fault *f);

/*
 * KVM's forced-emulation prefix (UD2 then "kvm"): with kvm.force_emulation_prefix=1 the
 * instruction after it is run by KVM's emulator; elsewhere the prefix raises #UD.
 * Put FEP in front of an instruction in an asm statement.
 */
#define FEP ".byte 0x0f, 0x0b, 0x6b, 0x76, 0x6d\n\t"
/* Whether the hypervisor honours FEP (a prefixed NOP raises nothing). */
bool forced_emulation_available(void);

/* The user-accessible image pages holding the __user_text functions. */
extern char __user_text_start[], __user_text_end[];

/* For the exception entry (desc.c): true if the exception ended a fragment (no return then). */
bool fault_catch(struct ex_regs *regs);

#endif
