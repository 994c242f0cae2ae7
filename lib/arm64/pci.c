/*
 * The generic ECAM host bridge QEMU's virt machine describes in the device tree
 * (compatible "pci-host-ecam-generic"): config space at ECAM base + (bus << 20 |
 * devfn << 12 | reg) (PCIe 4.0, 7.2.2), windows from its "ranges" (the PCI bus
 * binding: 3 child address cells whose first holds the space code in bits 25:24).
 */
#include <pci.h>
#include <arm64/devicetree.h>
#include <arm64/io.h>

#define ECAM_BUS_SIZE SZ_1M
#define RANGE_SPACE(hi) (((hi) >> 24) & 3)
#define SPACE_IO 1
#define SPACE_MEM32 2

static u8 *ecam;
static struct pci_window mmio, io;

static u64 cells64(const void *prop, int idx)
{
	return (u64)dt_cell(prop, idx) << 32 | dt_cell(prop, idx + 1);
}

/* Each "ranges" entry: PCI address (3 cells), CPU address (2), size (2). */
static void read_windows(int node)
{
	int len, i;
	const void *ranges = dt_get_prop(node, "ranges", &len);

	for (i = 0; ranges && (i + 7) * 4 <= len; i += 7) {
		u32 space = RANGE_SPACE(dt_cell(ranges, i));
		struct pci_window *w = space == SPACE_IO ? &io : space == SPACE_MEM32 ? &mmio : NULL;

		if (!w)
			continue;
		w->pci_base = cells64(ranges, i + 1);
		w->cpu_base = cells64(ranges, i + 3);
		w->size = cells64(ranges, i + 5);
		/* PCI address 0 is no BAR address: start one page in */
		w->next = w->pci_base + PAGE_SIZE;
	}
}

static bool pci_probe(void)
{
	int node;
	u64 base, size;

	if (ecam)
		return true;
	node = dt_find_compatible("pci-host-ecam-generic");
	if (node < 0 || dt_get_reg(node, 0, &base, &size) < 0)
		return false;
	read_windows(node);
	ecam = ioremap(base, ECAM_BUS_SIZE); /* bus 0 only */
	return true;
}

bool pci_host_present(void)
{
	return pci_probe();
}

static volatile u32 *config_addr(pcidevaddr_t bdf, unsigned int reg)
{
	assert_msg(pci_probe(), "no pci-host-ecam-generic node in the device tree");
	assert_msg(bdf >> 8 == 0, "bus %d is not mapped", bdf >> 8);
	return (volatile u32 *)(ecam + ((u32)bdf << 12) + (reg & 0xffc));
}

u32 pci_config_read32(pcidevaddr_t bdf, unsigned int reg)
{
	return readl(config_addr(bdf, reg));
}

void pci_config_write32(pcidevaddr_t bdf, unsigned int reg, u32 val)
{
	writel(val, config_addr(bdf, reg));
}

struct pci_window *pci_mmio_window(void)
{
	return pci_probe() && mmio.size ? &mmio : NULL;
}

struct pci_window *pci_io_window(void)
{
	return pci_probe() && io.size ? &io : NULL;
}

/* Both spaces are memory-mapped on arm64: the I/O window is a range of CPU addresses. */
u32 pci_bar_read(u64 addr, int width, bool is_io)
{
	void *p = (void *)addr;

	return width == 1 ? readb(p) : width == 2 ? readw(p) : readl(p);
}

void pci_bar_write(u64 addr, u32 val, int width, bool is_io)
{
	void *p = (void *)addr;

	if (width == 1)
		writeb(val, p);
	else if (width == 2)
		writew(val, p);
	else
		writel(val, p);
}
