#include <arm64/mmu.h>
#include <arm64/mte.h>
#include <arm64/sysreg.h>

/* SCTLR_EL1 (Arm ARM D17.2.118): ATA allows tag access at EL1, TCF its check mode. */
#define SCTLR_ATA BIT_ULL(43)
#define SCTLR_TCF_SHIFT 40
#define SCTLR_TCF_MASK (3UL << SCTLR_TCF_SHIFT)

/* GCR_EL1.Exclude: tags IRG never picks; tag 0 stays for untagged pointers. */
#define GCR_EXCLUDE_TAG0 BIT(0)


unsigned int mte_version(void)
{
	return (read_sysreg(id_aa64pfr1_el1) >> 8) & 0xf;
}

static void set_tcf(enum mte_mode mode)
{
	u64 sctlr = read_sysreg(sctlr_el1) & ~SCTLR_TCF_MASK;

	write_sysreg(sctlr | SCTLR_ATA | (u64)mode << SCTLR_TCF_SHIFT, sctlr_el1);
	isb();
}

void mte_enable(enum mte_mode mode)
{
	static bool tagged;

	if (!tagged) {
		mmu_enable_tagged();
		tagged = true;
	}
	write_sysreg(GCR_EXCLUDE_TAG0, S3_0_C1_C0_6); /* GCR_EL1 */
	write_sysreg(0x5a5a, S3_0_C1_C0_5);            /* RGSR_EL1: IRG's seed */
	mte_clear_tfsr();
	set_tcf(mode);
}

void mte_disable(void)
{
	set_tcf(MTE_TCF_NONE);
}

void mte_set_tag(const void *p)
{
	asm volatile("stg %0, [%0]" : : "r"(p) : "memory");
}

void mte_set_tags(const void *p, size_t size)
{
	size_t off;

	for (off = 0; off < size; off += MTE_GRANULE)
		mte_set_tag((const char *)p + off);
}

void *mte_get_tag(const void *p)
{
	void *tagged = (void *)p;

	asm volatile("ldg %0, [%0]" : "+r"(tagged) : : "memory");
	return tagged;
}

void *mte_random_tag(const void *p)
{
	void *tagged;

	asm volatile("irg %0, %1" : "=r"(tagged) : "r"(p));
	return tagged;
}

u64 mte_read_tfsr(void)
{
	dsb(nsh);
	isb();
	return read_sysreg(S3_0_C5_C6_0); /* TFSR_EL1 */
}

void mte_clear_tfsr(void)
{
	write_sysreg(0, S3_0_C5_C6_0);
	isb();
}
