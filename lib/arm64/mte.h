/*
 * The Memory Tagging Extension (Arm ARM D10): allocation tags on 16-byte granules of
 * Normal Tagged memory, logical tags in pointer bits [59:56], and the tag check modes
 * of SCTLR_EL1.TCF: synchronous (a data abort), asynchronous (TFSR_EL1) and
 * asymmetric (reads synchronous, writes asynchronous; FEAT_MTE3).
 */
#ifndef ARM64_MTE_H
#define ARM64_MTE_H

#include <libcflat.h>

#define MTE_GRANULE 16
#define MTE_TAG_SHIFT 56

/* ID_AA64PFR1_EL1.MTE: 0 none, 1 instructions only, 2 FEAT_MTE2, 3 FEAT_MTE3. */
#define MTE_INSNS_ONLY 1
#define MTE_FULL 2
#define MTE_ASYMM 3
unsigned int mte_version(void);

/* SCTLR_EL1.TCF values. */
enum mte_mode {
	MTE_TCF_NONE = 0,
	MTE_TCF_SYNC = 1,
	MTE_TCF_ASYNC = 2,
	MTE_TCF_ASYMM = 3,
};

/* Data abort DFSC of a synchronous tag check fault (Arm ARM D17.2.37). */
#define DFSC_TAG_CHECK 0x11
/* TFSR_EL1.TF0: an asynchronous tag check fault on a TTBR0 address. */
#define TFSR_TF0 BIT(0)

/*
 * Tagged memory on (mmu_enable_tagged(), SCTLR_EL1.ATA) with checks in @mode at EL1;
 * GCR_EL1 excludes tag 0 from IRG.
 */
void mte_enable(enum mte_mode mode);
/* Tag checks off (SCTLR_EL1.TCF = 0); allocation tags stay. */
void mte_disable(void);

static inline void *mte_tag_ptr(const void *p, unsigned int tag)
{
	return (void *)(((u64)p & ~(0xfUL << MTE_TAG_SHIFT)) | (u64)(tag & 0xf) << MTE_TAG_SHIFT);
}

static inline unsigned int mte_ptr_tag(const void *p)
{
	return ((u64)p >> MTE_TAG_SHIFT) & 0xf;
}

/* STG: the allocation tag of @p's granule becomes @p's logical tag. */
void mte_set_tag(const void *p);
/* Tag every granule of [p, p+size) with @p's logical tag. */
void mte_set_tags(const void *p, size_t size);
/* LDG: @p with its logical tag replaced by the granule's allocation tag. */
void *mte_get_tag(const void *p);
/* IRG: @p with a random logical tag not excluded by GCR_EL1. */
void *mte_random_tag(const void *p);

u64 mte_read_tfsr(void);
void mte_clear_tfsr(void);

#endif
