/*
 * CMPXCHG8B (and CMPXCHG16B on x86_64): the compare succeeds or fails as a whole 64 or 128
 * bits, ZF says which, a failure loads the memory value into EDX:EAX, and CMPXCHG16B
 * needs a 16-byte aligned operand (SDM vol. 2 CMPXCHG8B/CMPXCHG16B).
 */
#include <libcflat.h>
#include <x86/desc.h>
#include <x86/fault.h>
#include <x86/processor.h>

static bool cmpxchg8b(volatile u64 *p, u64 *expected, u64 new)
{
	u32 lo = *expected, hi = *expected >> 32;
	bool zf;

	asm volatile("lock cmpxchg8b %[m]\n\tsetz %[zf]"
		     : [m] "+m"(*p), "+a"(lo), "+d"(hi), [zf] "=q"(zf)
		     : "b"((u32)new), "c"((u32)(new >> 32)) : "memory", "cc");
	*expected = lo | (u64)hi << 32;
	return zf;
}

static void check_cmpxchg8b(void)
{
	static volatile u64 word __aligned(8);
	static volatile u8 unaligned[16] __aligned(8);
	volatile u64 *odd = (volatile u64 *)(unaligned + 3);
	u64 expected;

	report_prefix_push("cmpxchg8b");
	word = 0x1111111122222222ULL;
	expected = 0x1111111122222222ULL;
	report(cmpxchg8b(&word, &expected, 0x3333333344444444ULL), "equal: ZF set");
	report(word == 0x3333333344444444ULL, "equal: memory holds ECX:EBX");
	expected = 0x3333333300000000ULL; /* high half equal, low half not */
	report(!cmpxchg8b(&word, &expected, 0x5555555566666666ULL), "low half differs: ZF clear");
	report(word == 0x3333333344444444ULL, "low half differs: memory unchanged");
	report(expected == 0x3333333344444444ULL, "low half differs: EDX:EAX loaded from memory");
	expected = 0x0000000044444444ULL;
	report(!cmpxchg8b(&word, &expected, 0) && word == 0x3333333344444444ULL,
	       "high half differs: ZF clear, memory unchanged");
	*odd = 0xdeadbeefcafef00dULL;
	expected = 0xdeadbeefcafef00dULL;
	report(cmpxchg8b(odd, &expected, 0x0123456789abcdefULL) && *odd == 0x0123456789abcdefULL,
	       "a misaligned operand compares and stores (LOCK split access)");
	report_prefix_pop();
}

#ifdef __x86_64__
struct u128 {
	u64 lo, hi;
} __aligned(16);

static bool cmpxchg16b(volatile struct u128 *p, struct u128 *expected, struct u128 new)
{
	bool zf;

	asm volatile("lock cmpxchg16b %[m]\n\tsetz %[zf]"
		     : [m] "+m"(*p), "+a"(expected->lo), "+d"(expected->hi), [zf] "=q"(zf)
		     : "b"(new.lo), "c"(new.hi) : "memory", "cc");
	return zf;
}

static volatile u8 buffer16[48] __aligned(16);

static void cmpxchg16b_misaligned(void *arg)
{
	asm volatile("xor %%eax, %%eax\n\txor %%edx, %%edx\n\tlock cmpxchg16b (%0)"
		     : : "r"(buffer16 + 8) : "rax", "rdx", "memory", "cc");
}

static void check_cmpxchg16b(void)
{
	volatile struct u128 *word = (volatile struct u128 *)buffer16;
	struct u128 expected = { 1, 2 };
	struct fault f;

	report_prefix_push("cmpxchg16b");
	if (!require_feature(X86_FEATURE_CX16, "cmpxchg16b")) {
		report_prefix_pop();
		return;
	}
	word->lo = 1;
	word->hi = 2;
	report(cmpxchg16b(word, &expected, (struct u128){ 3, 4 }), "equal: ZF set");
	report(word->lo == 3 && word->hi == 4, "equal: memory holds RCX:RBX");
	expected = (struct u128){ 3, 5 };
	report(!cmpxchg16b(word, &expected, (struct u128){ 6, 7 }), "high half differs: ZF clear");
	report(word->lo == 3 && word->hi == 4 && expected.lo == 3 && expected.hi == 4,
	       "high half differs: memory unchanged, RDX:RAX loaded from it");
	report(run_catching(cmpxchg16b_misaligned, NULL, &f) == GP_VECTOR && f.error_code == 0,
	       "an operand not 16-byte aligned: #GP(0)");
	report_prefix_pop();
}
#endif

int main(void)
{
	check_cmpxchg8b();
#ifdef __x86_64__
	check_cmpxchg16b();
#endif
	return report_summary();
}
