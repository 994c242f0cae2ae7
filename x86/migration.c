/* Live migration tests: the bodies are shared by every arch (lib/migrate-tests.c). */
#include "libcflat.h"
#include "migrate.h"
#include "x86/smp.h"

/*
 * lib/x86/smp.o (AP bring-up) sits in libcflat.a next to a weak smp_boot_secondaries()
 * in setup.o, so the linker only takes it when a symbol only it defines is used.
 */
u32 (*const migration_links_smp)(int cpu) = cpu_apic_id;

int main(int argc, char **argv)
{
	return migration_tests_main(argc, argv);
}
