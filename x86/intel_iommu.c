/*
 * Intel VT-d DMA remapping (VT-d spec 3.x: 9.1 root entries, 9.3 context entries, 9.8
 * second-level paging entries, 10.4 registers), with QEMU's intel-iommu on q35 and the "edu"
 * PCI device as the DMA engine. The test builds a root table, a context entry for edu and a
 * 3-level second-level table mapping two I/O virtual addresses onto two buffers elsewhere,
 * enables translation, and has edu copy a buffer into its own memory and back: the data must
 * travel through the translated addresses, not the untranslated ones. A DMA to an IOVA with
 * no mapping must be blocked, leave memory alone and record a fault (FSTS.PPF).
 */
#include <libcflat.h>
#include <clock.h>
#include <x86/pci.h>
#include <x86/processor.h>

#define VTD_BASE 0xfed90000UL /* QEMU's q35 default (the DMAR table says so too) */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_GCMD_TE (1U << 31)
#define VTD_GCMD_SRTP (1U << 30)
#define VTD_CCMD_ICC (1ULL << 63)
#define VTD_CCMD_GLOBAL (1ULL << 61)
#define VTD_IOTLB_IVT (1ULL << 63)
#define VTD_IOTLB_GLOBAL (1ULL << 60)
#define VTD_FSTS_PPF (1U << 1)
#define VTD_SAGAW_39 (1U << 1) /* CAP bit 9: 3-level, 39-bit */
#define SL_READ (1ULL << 0)
#define SL_WRITE (1ULL << 1)

#define EDU_ID 0x11e81234
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 1
#define EDU_DMA_TO_RAM 2
#define EDU_BAR 0xc0000000U /* in q35's PCI hole, for a 1 MiB BAR the firmware left at 0 */
#define EDU_BUFFER 0x40000 /* the device's own 4 KiB buffer, in its DMA address space */

#define EDU_DMA_LIMIT (1UL << 28) /* edu's DMA mask */
#define LEN 64

static volatile void *vtd = (volatile void *)VTD_BASE;

static u32 vtd_read32(unsigned int reg)
{
	return *(volatile u32 *)(vtd + reg);
}

static u64 vtd_read64(unsigned int reg)
{
	return *(volatile u64 *)(vtd + reg);
}

static void vtd_write32(unsigned int reg, u32 val)
{
	*(volatile u32 *)(vtd + reg) = val;
}

static void vtd_write64(unsigned int reg, u64 val)
{
	*(volatile u64 *)(vtd + reg) = val;
}

/* GCMD takes the wanted state of every bit: keep what GSTS says is on. */
static bool vtd_command(u32 bit)
{
	vtd_write32(VTD_GCMD, (vtd_read32(VTD_GSTS) & (VTD_GCMD_TE)) | bit);
	return wait_until(vtd_read32(VTD_GSTS) & bit, 100);
}

static bool vtd_invalidate(void)
{
	unsigned int iotlb = ((vtd_read64(VTD_ECAP) >> 8) & 0x3ff) * 16 + 8;

	vtd_write64(VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_GLOBAL);
	if (!wait_until(!(vtd_read64(VTD_CCMD) & VTD_CCMD_ICC), 100))
		return false;
	vtd_write64(iotlb, VTD_IOTLB_IVT | VTD_IOTLB_GLOBAL);
	return wait_until(!(vtd_read64(iotlb) & VTD_IOTLB_IVT), 100);
}

static u64 *zeroed_page(void)
{
	u64 *p = alloc_page();

	memset(p, 0, PAGE_SIZE);
	return p;
}

/* Map @iova to @pa in a 3-level second-level table rooted at @top (9.8). */
static void sl_map(u64 *top, unsigned long iova, phys_addr_t pa)
{
	u64 *table = top;
	int level;

	for (level = 3; level > 1; level--) {
		u64 *e = &table[(iova >> (12 + 9 * (level - 1))) & 511];

		if (!(*e & SL_READ))
			*e = (unsigned long)zeroed_page() | SL_READ | SL_WRITE;
		table = (u64 *)(unsigned long)(*e & ~0xfffULL);
	}
	table[(iova >> 12) & 511] = (pa & ~0xfffULL) | SL_READ | SL_WRITE;
}

static int find_edu(void)
{
	int devfn;

	for (devfn = 0; devfn < 256; devfn++)
		if (pci_config_read(0, devfn, 0) == EDU_ID)
			return devfn;
	return -1;
}

static bool edu_dma(volatile void *bar, u64 src, u64 dst, u32 cmd)
{
	*(volatile u64 *)(bar + EDU_DMA_SRC) = src;
	*(volatile u64 *)(bar + EDU_DMA_DST) = dst;
	*(volatile u64 *)(bar + EDU_DMA_COUNT) = LEN;
	*(volatile u64 *)(bar + EDU_DMA_CMD) = cmd | EDU_DMA_START;
	/* edu runs each transfer from a timer about 100 ms later */
	return wait_until(!(*(volatile u64 *)(bar + EDU_DMA_CMD) & EDU_DMA_START), 2000);
}

int main(void)
{
	int devfn = find_edu();
	u64 *root = zeroed_page(), *context = zeroed_page(), *sl_top = zeroed_page();
	u8 *src = alloc_page(), *dst = alloc_page();
	/*
	 * The IOVAs are the physical addresses of two more pages: were the IOMMU bypassed,
	 * the device would read the decoy and write the unmapped page.
	 */
	u8 *decoy = alloc_page(), *unmapped_pa = alloc_page(), *spare = alloc_page();
	unsigned long iova_src = (unsigned long)decoy, iova_dst = (unsigned long)spare;
	unsigned long iova_unmapped = (unsigned long)unmapped_pa;
	volatile void *bar;
	u64 cap;
	int i, copied = 0;

	if (devfn < 0 || vtd_read32(VTD_VER) == 0xffffffff || vtd_read32(VTD_VER) == 0) {
		report_skip("intel_iommu: needs -machine q35 -device intel-iommu -device edu "
			    "(edu %s, VT-d version %#x)", devfn < 0 ? "absent" : "present",
			    vtd_read32(VTD_VER));
		return report_summary();
	}
	cap = vtd_read64(VTD_CAP);
	report_info("VT-d version %#x, CAP %#llx, ECAP %#llx, edu at 00:%02x.%d", vtd_read32(VTD_VER),
		    (unsigned long long)cap, (unsigned long long)vtd_read64(VTD_ECAP), devfn >> 3,
		    devfn & 7);
	if (!((cap >> 8) & VTD_SAGAW_39)) {
		report_skip("intel_iommu: CAP.SAGAW lacks 3-level (39-bit) tables");
		return report_summary();
	}
	if (!(pci_config_read(0, devfn, 0x10) & ~0xfU)) /* the firmware left it unassigned */
		pci_config_write(0, devfn, 0x10, EDU_BAR);
	bar = (volatile void *)(unsigned long)(pci_config_read(0, devfn, 0x10) & ~0xfU);
	pci_config_write(0, devfn, 0x04, pci_config_read(0, devfn, 0x04) | 0x6); /* MEM, master */

	for (i = 0; i < LEN; i++) {
		src[i] = 0xa0 + i;
		dst[i] = 0;
		decoy[i] = 0x11;
		unmapped_pa[i] = 0x22;
	}
	root[0] = (unsigned long)context | 1;			/* bus 0 */
	context[devfn * 2] = (unsigned long)sl_top | 1;		/* present, translate */
	context[devfn * 2 + 1] = 1 << 8 | 1;			/* domain 1, 39-bit */
	assert(iova_src < EDU_DMA_LIMIT && iova_dst < EDU_DMA_LIMIT &&
	       iova_unmapped < EDU_DMA_LIMIT);
	memset(spare, 0, LEN);
	sl_map(sl_top, iova_src, (phys_addr_t)src);
	sl_map(sl_top, iova_dst, (phys_addr_t)dst);

	vtd_write64(VTD_RTADDR, (unsigned long)root);
	report(vtd_command(VTD_GCMD_SRTP), "GCMD.SRTP: GSTS.RTPS reports the root table set");
	report(vtd_invalidate(), "global context-cache and IOTLB invalidations complete");
	report(vtd_command(VTD_GCMD_TE), "GCMD.TE: GSTS.TES reports translation enabled");

	report(edu_dma(bar, iova_src, EDU_BUFFER, 0) &&
	       edu_dma(bar, EDU_BUFFER, iova_dst, EDU_DMA_TO_RAM),
	       "edu DMA to and from its buffer completes");
	for (i = 0; i < LEN; i++)
		copied += dst[i] == 0xa0 + i;
	report(copied == LEN, "the data went through the translated IOVAs (%d of %d bytes)",
	       copied, LEN);
	report(decoy[0] == 0x11 && spare[0] == 0,
	       "the untranslated addresses were neither read nor written");

	edu_dma(bar, EDU_BUFFER, iova_unmapped, EDU_DMA_TO_RAM);
	report(unmapped_pa[0] == 0x22, "a DMA write to an unmapped IOVA does not reach memory");
	report(vtd_read32(VTD_FSTS) & VTD_FSTS_PPF, "and records a primary fault (FSTS %#x)",
	       vtd_read32(VTD_FSTS));
	vtd_write32(VTD_GCMD, 0);
	return report_summary();
}
