/*
 * Guest-triggered live migration (docs/HACKING.md, "Migration"). The test asks, the host
 * harness (scripts/host/migrate.c, run with MIGRATION=yes) moves the VM to a new QEMU and
 * answers on the console input once the guest runs there. Without that harness the first
 * call that needs it ends the test as SKIP.
 */
#ifndef LIB_MIGRATE_H
#define LIB_MIGRATE_H

#include <libcflat.h>

/* Migrate now; returns on the destination. */
void migrate(void);
/*
 * Migrate through postcopy (MIGRATION_MODE=postcopy) and return as soon as the guest
 * runs on the destination, while its memory is still on the source: every page it
 * touches next is fetched on demand. @bandwidth caps the background transfer
 * (QEMU's max-postcopy-bandwidth, bytes/s; 0: no cap).
 */
void migrate_demand_paged(u64 bandwidth);
/* Return once no migration is in flight (a demand-paged one has completed). */
void migrate_settle(void);
/* migrate() on the first call only. */
void migrate_once(void);
/* Tell the host this run decided not to migrate (else the host fails the test). */
void migrate_skip(void);
/* The host migrates back and forth, as fast as it can, while the guest keeps running. */
void migrate_begin_continuous(void);
/* Migrations the host reported done since migrate_begin_continuous() (a lower bound:
 * non-blocking, reads what has arrived). */
int migrate_continuous_progress(void);
/* Stop migrating; returns once no migration is in flight, with the host's count of
 * migrations done in continuous mode. */
int migrate_end_continuous(void);
/* "precopy" or "postcopy" under the harness, NULL without it. */
const char *migrate_mode(void);

/*
 * Arch hook of the migration tests (common/migration.c): report checks of its own before
 * the summary. The test's weak default reports nothing; an arch defines it in a lib object
 * every image links (s390x: lib/s390x/sclp.c).
 */
void migration_arch_report(void);

#endif
