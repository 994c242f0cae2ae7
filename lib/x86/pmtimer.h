/* The ACPI PM timer of the PIIX4 power-management function (-machine pc). */
#ifndef X86_PMTIMER_H
#define X86_PMTIMER_H

#include <libcflat.h>

/* It only counts up, modulo 2^24, at 3.579545 MHz (ACPI 6.4, 4.8.3.3). */
#define PM_TMR_HZ 3579545
#define PM_TMR_MASK 0xffffff

/* The timer's I/O port (enabling the PM I/O space if the firmware did not); 0 without PIIX4. */
u16 pm_timer_port(void);

#endif
