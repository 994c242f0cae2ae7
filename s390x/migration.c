/* Live migration tests: the bodies are shared by every arch (lib/migrate-tests.c). */
#include <libcflat.h>
#include <migrate.h>
#include <s390x/sclp.h>

/*
 * A pending service signal (floating interruption) must survive a migration. QEMU's TCG
 * FLIC did not migrate pending interruptions until the 2024 fix "hw/intc/s390_flic: Migrate
 * pending state" (known deviation tcg-s390x-flic-migration); lib/s390x/sclp.c notices such
 * a lost signal instead of waiting forever.
 */
void migration_arch_report(void)
{
	unsigned int lost = sclp_lost_signals();

	report_kfail(accel_is("tcg"), "tcg-s390x-flic-migration: QEMU's TCG FLIC before its 2024 "
		     "fix does not migrate pending floating interruptions", lost == 0,
		     "SCLP service signals lost across migrations: %u", lost);
}

int main(int argc, char **argv)
{
	return migration_tests_main(argc, argv);
}
