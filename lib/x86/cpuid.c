/* CPUID feature bits by name, for tests that SKIP with the bit they lack. */
#include <libcflat.h>
#include <x86/processor.h>

static u32 reg_of(struct cpuid r, enum cpuid_reg reg)
{
	switch (reg) {
	case CPUID_EAX:
		return r.a;
	case CPUID_EBX:
		return r.b;
	case CPUID_ECX:
		return r.c;
	default:
		return r.d;
	}
}

bool cpu_has(struct x86_feature f)
{
	u32 max = f.leaf >= 0x80000000 ? cpuid_max_ext_leaf() : cpuid(0).a;

	if (f.leaf > max)
		return false;
	return reg_of(cpuid_indexed(f.leaf, f.index), f.reg) & (1U << f.bit);
}

const char *feature_str(struct x86_feature f)
{
	static char ring[4][64];
	static int next;
	static const char regs[][4] = { "EAX", "EBX", "ECX", "EDX" };
	char *s = ring[next++ % ARRAY_SIZE(ring)];

	snprintf(s, sizeof(ring[0]), "CPUID.(EAX=%#x,ECX=%u):%s[%u] (%s)", f.leaf, f.index,
		 regs[f.reg], f.bit, f.name);
	return s;
}

bool require_feature(struct x86_feature f, const char *what)
{
	if (cpu_has(f))
		return true;
	report_skip("%s: %s is clear", what, feature_str(f));
	return false;
}
