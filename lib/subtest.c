#include <libcflat.h>
#include <subtest.h>

static const struct subtest *find_subtest(const struct subtest *table, const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

static void fail_unknown(const struct subtest *table, const char *name)
{
	char names[256] = "";
	size_t used = 0;

	for (; table->name && used < sizeof(names); table++)
		used += snprintf(names + used, sizeof(names) - used, "%s%s", used ? ", " : "",
				 table->name);
	if (name)
		report_fail("unknown sub-test '%s' (known: %s)", name, names);
	else
		report_fail("no sub-test named on the command line (known: %s)", names);
}

int run_subtests(const struct subtest *table, const char *fallback, int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : fallback;
	const struct subtest *t = name ? find_subtest(table, name) : NULL;

	if (!t) {
		fail_unknown(table, name);
		return report_summary();
	}
	if (argc > 1)
		t->run(argc - 1, argv + 1);
	else
		t->run(1, (char *[]){ (char *)t->name, NULL });
	return report_summary();
}
