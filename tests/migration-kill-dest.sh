#!/usr/bin/env bash
# shellcheck disable=SC2016 # checks are strings for eval: they expand when they run
# Runner self-test for host/migrate, with a real QEMU and guest (a built build directory):
#   tests/migration-kill-dest.sh BUILD_DIR
# Runs selftest-migration with MIGRATE_KILL_DEST_AT=2 (scripts/host/migrate.c's test hook:
# SIGKILL the destination while migration 2 runs) and checks that the test FAILs with
# that reason, and that no QEMU of the run and no new file in $TMPDIR (or /tmp) is left.
# Last line: "SUMMARY: N passed, N failed, 0 skipped".
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
tmp=${TMPDIR:-/tmp}
image_pattern="$build/[a-z0-9]*/migration\.(flat|elf)"
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

before=$(list_tmp)
cd "$build"
out=$(MIGRATE_KILL_DEST_AT=2 ACCEL=tcg ./run_tests.sh selftest-migration 2>&1) || true
# A SIGKILLed QEMU lingers until it is reaped: wait for that (at most 60 s, a bound that only
# ends a broken run), not for a time a loaded machine can exceed.
for ((i = 0; i < 600; i++)); do
	leftover=$(pgrep -af "$image_pattern" || true)
	[ -n "$leftover" ] || break
	sleep 0.1
done
new=$(new_tmp_entries "$before")

check "killed destination is a FAIL with the reason" \
	'[[ $out == *"FAIL selftest-migration (migration: destination QEMU died"*"MIGRATE_KILL_DEST_AT"* ]]'
check "no QEMU left (found: $leftover)" '[ -z "$leftover" ]'
check "no temp file left (found: $new)" '[ -z "$new" ]'
[ "$failed" = 0 ] || printf '%s\n' "$out" | sed 's/^/    | /'
echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
