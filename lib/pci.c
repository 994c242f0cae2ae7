#include <pci.h>

/* pci-testdev's BAR header (QEMU docs/specs/pci-testdev.rst). */
#define TESTDEV_TEST 0x0
#define TESTDEV_WIDTH 0x1
#define TESTDEV_OFFSET 0x4
#define TESTDEV_DATA 0x8
#define TESTDEV_COUNT 0xc
#define TESTDEV_NAME 0x10
#define TESTDEV_NAME_MAX 32
#define TESTDEV_MAX_TESTS 16

u16 pci_config_read16(pcidevaddr_t bdf, unsigned int reg)
{
	return pci_config_read32(bdf, reg & ~3) >> (8 * (reg & 2));
}

pcidevaddr_t pci_find_device(u16 vendor, u16 device)
{
	int dev, fn;

	for (dev = 0; dev < 32; dev++)
		for (fn = 0; fn < 8; fn++) {
			pcidevaddr_t bdf = PCI_BDF(0, dev, fn);

			if (pci_config_read16(bdf, PCI_VENDOR_ID) == vendor &&
			    pci_config_read16(bdf, PCI_DEVICE_ID) == device)
				return bdf;
		}
	return PCI_NO_DEVICE;
}

void pci_print_bus(void)
{
	int dev, fn;

	for (dev = 0; dev < 32; dev++)
		for (fn = 0; fn < 8; fn++) {
			pcidevaddr_t bdf = PCI_BDF(0, dev, fn);
			u16 vendor = pci_config_read16(bdf, PCI_VENDOR_ID);

			if (vendor != PCI_NO_VENDOR)
				report_info("pci 00:%02x.%d %04x:%04x", dev, fn, vendor,
					    pci_config_read16(bdf, PCI_DEVICE_ID));
		}
}

bool pci_bar_is_io(pcidevaddr_t bdf, int n)
{
	return pci_config_read32(bdf, PCI_BAR(n)) & PCI_BAR_IO;
}

u64 pci_bar_size(pcidevaddr_t bdf, int n)
{
	u32 old = pci_config_read32(bdf, PCI_BAR(n));
	u32 mask = old & PCI_BAR_IO ? ~3U : ~0xfU;
	u32 probed;

	pci_config_write32(bdf, PCI_BAR(n), ~0U);
	probed = pci_config_read32(bdf, PCI_BAR(n)) & mask;
	pci_config_write32(bdf, PCI_BAR(n), old);
	if (!probed)
		return 0;
	if (old & PCI_BAR_IO)
		probed |= 0xffff0000U; /* I/O BARs may implement only 16 address bits */
	return (u64)(~probed) + 1;
}

u64 pci_assign_bar(pcidevaddr_t bdf, int n)
{
	bool io = pci_bar_is_io(bdf, n);
	struct pci_window *w = io ? pci_io_window() : pci_mmio_window();
	u64 size = pci_bar_size(bdf, n), pci_addr;

	if (!w || !size)
		return 0;
	pci_addr = ALIGN_UP(w->next, size);
	if (pci_addr + size > w->pci_base + w->size)
		return 0;
	w->next = pci_addr + size;
	pci_config_write32(bdf, PCI_BAR(n), (u32)pci_addr);
	if (!io && (pci_config_read32(bdf, PCI_BAR(n)) & PCI_BAR_MEM_TYPE_64))
		pci_config_write32(bdf, PCI_BAR(n + 1), pci_addr >> 32);
	return w->cpu_base + (pci_addr - w->pci_base);
}

void pci_enable_decoding(pcidevaddr_t bdf)
{
	u32 cmd = pci_config_read32(bdf, PCI_COMMAND);

	pci_config_write32(bdf, PCI_COMMAND, cmd | PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
}

static void read_testdev_name(u64 bar, bool io, char *name)
{
	int i;

	for (i = 0; i < TESTDEV_NAME_MAX - 1; i++) {
		name[i] = pci_bar_read(bar + TESTDEV_NAME + i, 1, io);
		if (!name[i])
			break;
	}
	name[i] = 0;
}

int pci_testdev_run(u64 bar, bool io, void (*report)(const struct pci_testdev_result *r))
{
	static char names[TESTDEV_MAX_TESTS][TESTDEV_NAME_MAX];
	struct pci_testdev_result r;
	u32 before, offset, data;

	for (r.test = 0; r.test < TESTDEV_MAX_TESTS; r.test++) {
		pci_bar_write(bar + TESTDEV_TEST, r.test, 1, io);
		r.width = pci_bar_read(bar + TESTDEV_WIDTH, 1, io);
		if (r.width != 1 && r.width != 2 && r.width != 4)
			break;
		offset = pci_bar_read(bar + TESTDEV_OFFSET, 4, io);
		data = pci_bar_read(bar + TESTDEV_DATA, 4, io);
		read_testdev_name(bar, io, names[r.test]);
		r.name = names[r.test];
		before = pci_bar_read(bar + TESTDEV_COUNT, 4, io);
		pci_bar_write(bar + offset, data, r.width, io);
		r.counted = pci_bar_read(bar + TESTDEV_COUNT, 4, io) - before;
		report(&r);
	}
	return r.test;
}
