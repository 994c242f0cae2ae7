/*
 * x86 SMP bring-up and the APIC-ID <-> logical-id map (the arch-neutral part is <smp.h>).
 *
 * Logical ids: the BSP is 0; the APs get 1, 2, ... in the order they come out of
 * the trampoline (all are woken by one broadcast INIT-SIPI-SIPI and queue on a lock),
 * so the map from APIC ID to logical id may differ from boot to boot.
 */
#ifndef X86_SMP_H
#define X86_SMP_H

#include <libcflat.h>

/* Vector of the IPI arch_kick_cpu() sends; tests must leave it alone. */
#define SMP_KICK_VECTOR 0xf1

void smp_boot_secondaries(void);
/* An AP in C with its tables loaded (from ap_start_c): goes online, never returns. */
void ap_main(void) __noreturn;
u32 cpu_apic_id(int cpu);
/* Logical id of the CPU with @apic_id, or -1 when no online CPU has it. */
int apic_id_to_cpu(u32 apic_id);

#endif
