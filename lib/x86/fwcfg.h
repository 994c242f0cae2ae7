/* QEMU fw_cfg over I/O ports (docs/specs/fw_cfg.rst in QEMU): selector 0x510, data 0x511. */
#ifndef X86_FWCFG_H
#define X86_FWCFG_H

#include <libcflat.h>

#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_RAM_SIZE 0x03
#define FW_CFG_NB_CPUS 0x05
#define FW_CFG_MAX_CPUS 0x0f

bool fwcfg_present(void);
u64 fwcfg_read(u16 key, int size); /* little-endian item of @size bytes (1..8) */
u64 fwcfg_ram_size(void);
int fwcfg_nr_cpus(void);

#endif
