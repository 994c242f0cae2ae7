/*
 * results: what scripts use of the runner's results files (docs/HACKING.md, "Results files").
 *
 *   results durations JSON-FILE            print "NAME MS" per test that ran in that run
 *   results qemu-version QEMU [CACHE]      print the first line of "QEMU --version"
 *   results compare [-s PCT] [-m MS] OLD.json NEW.json
 *
 * The runner writes results.json and JUnit itself (scripts/host/resultsfile.c, which also
 * holds the QEMU version and its cache; durations are scripts/host/farm.c's).
 *
 * compare: new failures (FAIL/XPASS now, anything else before), fixed tests, new skips,
 * tests that disappeared, and passing tests slower by more than PCT percent (default 50)
 * and MS milliseconds (default 1000). Exit status 1 when a test newly fails or became
 * slower, 0 otherwise, 2 when a file cannot be read.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "farm.h"
#include "resultsfile.h"

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "results: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

static const char *sget(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

static double nget(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

static int cmd_qemu_version(int argc, char **argv)
{
	char *v;

	if (argc < 1 || argc > 2)
		die("usage: results qemu-version QEMU [CACHE]", NULL);
	v = qemu_version(argv[0], argc == 2 ? argv[1] : NULL);
	puts(v);
	free(v);
	return 0;
}

/* ---- reading results files */

static json_t *load_tests(const char *path)
{
	json_error_t err;
	json_t *run = json_load_file(path, 0, &err), *tests;
	char where[512];

	if (!run) {
		snprintf(where, sizeof(where), "%s:%d: %s", path, err.line, err.text);
		die("cannot read results", where);
	}
	tests = json_object_get(run, "tests");
	if (!json_is_array(tests))
		die("no \"tests\" array in", path);
	json_incref(tests);
	json_decref(run);
	return tests;
}

static json_t *find_test(json_t *tests, const char *name)
{
	size_t i;
	json_t *t;

	json_array_foreach(tests, i, t) {
		if (!strcmp(sget(t, "name"), name))
			return t;
	}
	return NULL;
}

static int cmd_durations(int argc, char **argv)
{
	struct durations d;
	size_t i;

	if (argc != 1)
		die("usage: results durations JSON-FILE", NULL);
	json_decref(load_tests(argv[0])); /* an unreadable file is an error here */
	durations_load(&d, argv[0]);
	for (i = 0; i < d.n; i++)
		printf("%s %ld\n", d.names[i], d.ms[i]);
	durations_free(&d);
	return 0;
}

static int is_failure(const char *verdict)
{
	return !strcmp(verdict, "FAIL") || !strcmp(verdict, "XPASS");
}

static int cmd_compare(int argc, char **argv)
{
	double pct = 50, min_ms = 1000;
	json_t *old, *new, *t, *o;
	size_t i;
	int opt, regressions = 0, news = 0, fixed = 0, skips = 0, slower = 0, gone = 0;

	while ((opt = getopt(argc + 1, argv - 1, "s:m:")) != -1) {
		if (opt == 's')
			pct = strtod(optarg, NULL);
		else if (opt == 'm')
			min_ms = strtod(optarg, NULL);
		else
			die("usage: compare-results [-s PERCENT] [-m MS] OLD.json NEW.json", NULL);
	}
	argv += optind - 1;
	argc -= optind - 1;
	if (argc != 2)
		die("usage: compare-results [-s PERCENT] [-m MS] OLD.json NEW.json", NULL);
	old = load_tests(argv[0]);
	new = load_tests(argv[1]);
	json_array_foreach(new, i, t) {
		const char *name = sget(t, "name"), *nv = sget(t, "verdict");
		const char *ov = (o = find_test(old, name)) ? sget(o, "verdict") : "";
		double od = nget(o, "duration_s") * 1000, nd = nget(t, "duration_s") * 1000;

		if (is_failure(nv) && !is_failure(ov)) {
			printf("new failure: %s (%s; was %s)\n", name, sget(t, "reason"), *ov ? ov : "absent");
			news++;
		} else if (is_failure(ov) && !is_failure(nv) && strcmp(nv, "SKIP")) {
			printf("fixed: %s (%s, was %s)\n", name, nv, ov);
			fixed++;
		} else if (!strcmp(nv, "SKIP") && *ov && strcmp(ov, "SKIP")) {
			printf("new skip: %s (%s; was %s)\n", name, sget(t, "reason"), ov);
			skips++;
		}
		if (!strcmp(nv, "PASS") && !strcmp(ov, "PASS") && od > 0 &&
		    nd > od * (1 + pct / 100) && nd - od > min_ms) {
			printf("slower: %s (%.3f s, was %.3f s)\n", name, nd / 1000, od / 1000);
			slower++;
		}
	}
	json_array_foreach(old, i, o) {
		if (!find_test(new, sget(o, "name"))) {
			printf("gone: %s (was %s)\n", sget(o, "name"), sget(o, "verdict"));
			gone++;
		}
	}
	regressions = news + slower;
	printf("COMPARE: %d new failures, %d fixed, %d new skips, %d slower, %d gone: %s\n", news,
	       fixed, skips, slower, gone, regressions ? "REGRESSION" : "no regression");
	json_decref(old);
	json_decref(new);
	return regressions ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "durations"))
		return cmd_durations(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "qemu-version"))
		return cmd_qemu_version(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "compare"))
		return cmd_compare(argc - 2, argv + 2);
	die("usage: results durations|qemu-version|compare ...", NULL);
	return 2;
}
