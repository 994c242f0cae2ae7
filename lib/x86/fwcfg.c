#include <x86/fwcfg.h>
#include <x86/processor.h>

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511

u64 fwcfg_read(u16 key, int size)
{
	u64 v = 0;
	int i;

	outw(key, FW_CFG_PORT_SEL);
	for (i = 0; i < size; i++)
		v |= (u64)inb(FW_CFG_PORT_DATA) << (8 * i);
	return v;
}

bool fwcfg_present(void)
{
	return fwcfg_read(FW_CFG_SIGNATURE, 4) == 0x554d4551; /* "QEMU" */
}

u64 fwcfg_ram_size(void)
{
	return fwcfg_read(FW_CFG_RAM_SIZE, 8);
}

int fwcfg_nr_cpus(void)
{
	return fwcfg_read(FW_CFG_NB_CPUS, 2);
}
