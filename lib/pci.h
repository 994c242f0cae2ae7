/*
 * PCI configuration space, BAR sizing and assignment, and QEMU's PCI test device
 * (docs/specs/pci-testdev.rst in QEMU), on top of per-arch hooks: config space
 * access and the address windows the host bridge forwards (PCI Local Bus 3.0, 6.1-6.2).
 */
#ifndef LIB_PCI_H
#define LIB_PCI_H

#include <libcflat.h>

#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_COMMAND_IO BIT(0)
#define PCI_COMMAND_MEMORY BIT(1)
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR(n) (0x10 + 4 * (n))
#define PCI_BAR_IO BIT(0)
#define PCI_BAR_MEM_TYPE_64 (2 << 1)
#define PCI_NO_VENDOR 0xffff

#define PCI_VENDOR_REDHAT 0x1b36
#define PCI_DEVICE_TESTDEV 0x0005

typedef u16 pcidevaddr_t;
#define PCI_BDF(bus, dev, fn) ((pcidevaddr_t)((bus) << 8 | (dev) << 3 | (fn)))
#define PCI_NO_DEVICE ((pcidevaddr_t)0xffff)

/* Arch hooks. */
bool pci_host_present(void);
u32 pci_config_read32(pcidevaddr_t bdf, unsigned int reg);
void pci_config_write32(pcidevaddr_t bdf, unsigned int reg, u32 val);

struct pci_window {
	u64 pci_base, cpu_base, size;
	u64 next; /* first PCI address not yet handed to a BAR */
};
/* The host bridge's 32-bit memory and I/O windows; NULL when it has none. */
struct pci_window *pci_mmio_window(void);
struct pci_window *pci_io_window(void);
/* Accesses of @width bytes to a BAR at CPU address @addr (@io: an I/O space BAR). */
u32 pci_bar_read(u64 addr, int width, bool io);
void pci_bar_write(u64 addr, u32 val, int width, bool io);

u16 pci_config_read16(pcidevaddr_t bdf, unsigned int reg);
/* The first function on bus 0 with @vendor:@device, or PCI_NO_DEVICE. */
pcidevaddr_t pci_find_device(u16 vendor, u16 device);
/* Print one INFO line per function on bus 0. */
void pci_print_bus(void);

bool pci_bar_is_io(pcidevaddr_t bdf, int n);
/* The size BAR @n decodes (write all ones, read back: PCI 3.0, 6.2.5.1); 0 when unimplemented. */
u64 pci_bar_size(pcidevaddr_t bdf, int n);
/* Give BAR @n an address from the matching window; its CPU address, or 0 when none fits. */
u64 pci_assign_bar(pcidevaddr_t bdf, int n);
/* Turn on memory and I/O decoding. */
void pci_enable_decoding(pcidevaddr_t bdf);

/* One sub-test of pci-testdev's BAR header, as the device describes it. */
struct pci_testdev_result {
	int test;
	int width;
	const char *name;
	u32 counted; /* how many writes the device model counted (its "count" field) */
};
/*
 * Run every test the device implements on the BAR at CPU address @bar; @report is
 * called once per test. Returns the number of tests run.
 */
int pci_testdev_run(u64 bar, bool io, void (*report)(const struct pci_testdev_result *r));

#endif
