/* Arm SMP bring-up via PSCI CPU_ON (lib/arm64/smp.c). */
#ifndef ARM64_SMP_H
#define ARM64_SMP_H

#include <libcflat.h>

/* Start logical @cpu with PSCI CPU_ON; returns the PSCI status. Boot brings all up. */
long smp_boot_cpu(int cpu);
/* Ask idle secondary @cpu to call PSCI CPU_OFF from its idle loop (returns at once). */
void smp_request_cpu_off(int cpu);

#endif
