/* CPUID feature bits by name, for tests that SKIP with the bit they lack. */
#include <libcflat.h>
#include <x86/processor.h>

u32 cpuid_reg_value(struct cpuid r, enum cpuid_reg reg)
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

/* The 12 characters of three CPUID registers, in the order given. */
static bool signature_is(u32 r1, u32 r2, u32 r3, const char *sig)
{
	char s[13];

	memcpy(s, &r1, 4);
	memcpy(s + 4, &r2, 4);
	memcpy(s + 8, &r3, 4);
	s[12] = '\0';
	return !strcmp(s, sig);
}

bool cpu_vendor_is(const char *vendor)
{
	struct cpuid c = cpuid(0);

	return signature_is(c.b, c.d, c.c, vendor);
}

bool cpu_hypervisor_is(const char *sig)
{
	struct cpuid c;

	if (!(cpuid(1).c & CPUID_1_ECX_HYPERVISOR))
		return false;
	c = cpuid(0x40000000);
	return signature_is(c.b, c.c, c.d, sig);
}

bool cpu_has(struct x86_feature f)
{
	u32 max = f.leaf >= 0x80000000 ? cpuid_max_ext_leaf() : cpuid(0).a;

	if (f.leaf > max)
		return false;
	return cpuid_reg_value(cpuid_indexed(f.leaf, f.index), f.reg) & (1U << f.bit);
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
