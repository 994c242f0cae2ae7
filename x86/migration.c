/* Live migration tests: the bodies are shared by every arch (lib/migrate-tests.c). */
#include <libcflat.h>
#include <migrate.h>

int main(int argc, char **argv)
{
	return migration_tests_main(argc, argv);
}
