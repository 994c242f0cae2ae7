#include <x86/pci.h>
#include <x86/processor.h>

#define PCI_CONF_ADDR 0xcf8
#define PCI_CONF_DATA 0xcfc

static void pci_select(u8 bus, u8 devfn, u8 reg)
{
	outl(0x80000000U | bus << 16 | devfn << 8 | (reg & 0xfc), PCI_CONF_ADDR);
}

u32 pci_config_read(u8 bus, u8 devfn, u8 reg)
{
	pci_select(bus, devfn, reg);
	return inl(PCI_CONF_DATA);
}

void pci_config_write(u8 bus, u8 devfn, u8 reg, u32 val)
{
	pci_select(bus, devfn, reg);
	outl(val, PCI_CONF_DATA);
}
