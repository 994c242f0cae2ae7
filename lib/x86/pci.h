/* PCI configuration space through the legacy 0xcf8/0xcfc mechanism (PCI 3.0, 3.2.2.3.2). */
#ifndef X86_PCI_H
#define X86_PCI_H

#include <libcflat.h>

#define PCI_DEVFN(dev, fn) (((dev) << 3) | (fn))

u32 pci_config_read(u8 bus, u8 devfn, u8 reg);
void pci_config_write(u8 bus, u8 devfn, u8 reg, u32 val);

#endif
