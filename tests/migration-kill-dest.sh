#!/usr/bin/env bash
# shellcheck disable=SC2016 # checks are strings for eval: they expand when they run
# Runner self-test for host/migrate, with a real QEMU and guest (a built build directory):
#   tests/migration-kill-dest.sh BUILD_DIR
# Runs selftest-migration with MIGRATE_KILL_DEST_AT=2 (scripts/host/migrate.c's test hook:
# SIGKILL the destination while migration 2 runs), and demand-paging-postcopy with the
# destination killed while the guest runs on it in postcopy (MIGRATE_KILL_DEST_PHASE), and
# checks that each test FAILs with that reason, and that no QEMU of the run and no new file
# in $TMPDIR (or /tmp) is left.
# Last line: "SUMMARY: N passed, N failed, 0 skipped".
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
tmp=${TMPDIR:-/tmp}
image_pattern="$build/[a-z0-9]*/(migration|demand-paging)\.(flat|elf)"
passed=0 failed=0

check() {
	if eval "$2"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $1"
	fi
}

list_tmp() {
	find "$tmp" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort
}

# new_tmp_entries BEFORE-LIST: entries of $tmp not in BEFORE-LIST that this run could own
new_tmp_entries() {
	comm -13 <(printf '%s\n' "$1") <(list_tmp) | grep -E 'run_tests|migrate|qemu' || true
}

# kill_dest_run TEST ENV...: run TEST with the kill hook; check its verdict and leftovers
kill_dest_run() {
	local test=$1 out leftover new before i
	shift
	before=$(list_tmp)
	out=$(cd "$build" && env "$@" ACCEL=tcg ./run_tests.sh "$test" 2>&1) || true
	# A SIGKILLed QEMU lingers until it is reaped: wait for that (at most 60 s, a bound
	# that only ends a broken run), not for a time a loaded machine can exceed.
	for ((i = 0; i < 600; i++)); do
		leftover=$(pgrep -af "$image_pattern" || true)
		[ -n "$leftover" ] || break
		sleep 0.1
	done
	new=$(new_tmp_entries "$before")
	check "$test: killed destination is a FAIL with the reason" \
		'[[ $out == *"FAIL $test (migration: destination QEMU died"*"MIGRATE_KILL_DEST_AT"* ]]'
	check "$test: no QEMU left (found: $leftover)" '[ -z "$leftover" ]'
	check "$test: no temp file left (found: $new)" '[ -z "$new" ]'
	[ "$failed" = 0 ] || printf '%s\n' "$out" | sed 's/^/    | /'
}

kill_dest_run selftest-migration MIGRATE_KILL_DEST_AT=2
kill_dest_run demand-paging-postcopy MIGRATE_KILL_DEST_AT=1 MIGRATE_KILL_DEST_PHASE=postcopy
echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
