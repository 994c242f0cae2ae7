/*
 * Sub-test dispatch: an image holds several sub-tests, the first word of its command
 * line picks one from a table. One behaviour for every test: an unknown or missing name
 * is a FAIL that lists the names the image knows.
 */
#ifndef LIB_SUBTEST_H
#define LIB_SUBTEST_H

struct subtest {
	const char *name;
	/* argv[0] is the sub-test's own name, argv[1..] the words after it. */
	void (*run)(int argc, char **argv);
};

/*
 * Run the sub-test @argv[1] names from @table (ended by an entry with a NULL name)
 * and return report_summary(). With @fallback non-NULL, a command line with no word
 * runs that sub-test instead of failing.
 */
int run_subtests(const struct subtest *table, const char *fallback, int argc, char **argv);

#endif
