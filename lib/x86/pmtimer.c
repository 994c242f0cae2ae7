#include <x86/pmtimer.h>
#include <x86/pci.h>

/* PIIX4 power management function (00:01.3): I/O base and enable (Intel 82371AB, 3.4). */
#define PIIX4_PM_DEVFN PCI_DEVFN(1, 3)
#define PIIX4_PM_ID 0x71138086
#define PIIX4_PMBA 0x40
#define PIIX4_PMREGMISC 0x80
#define PM_IO_BASE 0xb000
#define PM_TMR_OFFSET 0x08

u16 pm_timer_port(void)
{
	if (pci_config_read(0, PIIX4_PM_DEVFN, 0) != PIIX4_PM_ID)
		return 0;
	if (!(pci_config_read(0, PIIX4_PM_DEVFN, PIIX4_PMREGMISC) & 1)) {
		pci_config_write(0, PIIX4_PM_DEVFN, PIIX4_PMBA, PM_IO_BASE | 1);
		pci_config_write(0, PIIX4_PM_DEVFN, PIIX4_PMREGMISC, 1);
	}
	return (pci_config_read(0, PIIX4_PM_DEVFN, PIIX4_PMBA) & 0xffc0) + PM_TMR_OFFSET;
}
