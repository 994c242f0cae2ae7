#!/usr/bin/env bash
# shellcheck disable=SC2016 # checks are strings for eval: they expand when they run
# Faults injected into real runs (a built build directory, real QEMU, TCG), each of which
# once got a wrong verdict; the runner must now give the right one:
#   tests/verdict-injections.sh BUILD_DIR
# - arm64: the ITS switched off (-machine gic-version=3,its=off) under its-trigger and
#   its-introspection: the subject is absent, so SKIP naming it, whatever set-up passed;
# - any arch: a truncated and an empty copy of an image: FAIL naming the image, at once;
# - x86: an image QEMU refuses to load (ELF for another machine): FAIL, not SKIP;
# - arm64, x86: a guest that waits forever (for a migration answer no host gives), then
#   QEMU ends on SIGTERM from outside (and exits 0, as after PSCI SYSTEM_OFF): FAIL saying
#   so (the EXIT-looking text before it is tests/run-runner-tests.sh's false-exit case);
# - arm64, x86 migration: a QEMU that refuses its command line is a SKIP with its error (not
#   "the guest exited"); MIGRATE_VERBOSE times are milliseconds since the harness started.
# Leaves nothing behind (its images and cfg are removed). Last line: "SUMMARY: ...".
set -euo pipefail

build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
cd "$build"
arch=$(sed -n 's/^ARCH=//p' config.mak)
dir=$(sed -n 's/^TEST_DIR=//p' config.mak)
passed=0 failed=0
cfg=$(mktemp)
made=()
trap 'rm -f "$cfg" "${made[@]}"' EXIT
# bash skips the EXIT trap when a signal ends it: turn signals into an exit
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

check() { # NAME CONDITION
	if eval "$2"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "FAILED: $1"
		printf '%s\n' "$out" | sed 's/^/    | /'
	fi
}
runner() { # ARGS...: run the suite on $cfg under TCG; sets out
	out=$(ACCEL=tcg UNITTESTS_CFG=$cfg ./run_tests.sh "$@" 2>&1) || true
}
has() { grep <<<"$out" -qxF -- "$1"; }

case $arch in
arm64) image=selftest.flat elf=selftest.elf hang_image=migration.flat ;;
s390x) image=selftest.elf elf='' hang_image='' ;;
*) image=selftest.flat elf='' hang_image=migration.flat ;;
esac
[ -f "$dir/$image" ] || { echo "$dir/$image not built"; exit 2; }

# ---- truncated and empty images
head -c 4000 "$dir/$image" >"$dir/cut-$image"
: >"$dir/empty-$image"
made+=("$dir/cut-$image" "$dir/empty-$image")
if [ -n "$elf" ]; then
	cp "$dir/$elf" "$dir/cut-$elf" # an Image is checked against the ELF it was made from
	made+=("$dir/cut-$elf")
fi
cat >"$cfg" <<CFG
[cut]
file = cut-$image
[empty]
file = empty-$image
CFG
start=$SECONDS
runner -j2
check "$arch: truncated image FAILs naming it" 'has "FAIL cut (bad image $dir/cut-$image: "*")" || grep <<<"$out" -q "^FAIL cut (bad image $dir/cut-$image: "'
check "$arch: empty image FAILs naming it" 'has "FAIL empty (bad image $dir/empty-$image: empty file)"'
check "$arch: bad images fail at once ($((SECONDS - start)) s)" '[ $((SECONDS - start)) -lt 20 ]'

# ---- x86: an ELF QEMU refuses (e_machine of another architecture)
if [ "$arch" = x86_64 ] || [ "$arch" = i386 ]; then
	cp "$dir/$image" "$dir/alien-$image"
	made+=("$dir/alien-$image")
	printf '\xb7\x00' | dd of="$dir/alien-$image" bs=1 seek=18 conv=notrunc status=none # EM_AARCH64
	printf '[alien]\nfile = alien-%s\n' "$image" >"$cfg"
	runner alien
	check "$arch: QEMU that cannot load the kernel is a FAIL" 'grep <<<"$out" -q "^FAIL alien (QEMU cannot load the image: "'
fi

# ---- arm64: the ITS absent under the ITS tests
if [ "$arch" = arm64 ]; then
	cat >"$cfg" <<'CFG'
[its-trigger-off]
file = gic.flat
smp = 4
qemu_params = -machine gic-version=3,its=off
test_args = its-trigger 3
[its-introspection-off]
file = gic.flat
smp = 4
qemu_params = -machine gic-version=3,its=off
test_args = its-introspection 3
CFG
	runner -j2
	check "arm64 its=off: its-trigger SKIPs naming the absent ITS" 'grep <<<"$out" -qE "^SKIP its-trigger-off \(.*ITS.*\)$"'
	check "arm64 its=off: its-introspection SKIPs naming the absent ITS" 'grep <<<"$out" -qE "^SKIP its-introspection-off \(.*ITS.*\)$"'
fi

# ---- a guest waiting forever; QEMU then gets SIGTERM from outside
if [ -n "$hang_image" ] && [ -f "$dir/$hang_image" ]; then
	# MIGRATION= tells the guest a host answers its migration request: none does, it waits
	printf '[waits]\nfile = %s\ntest_args = "MIGRATION=precopy selftest 1"\ntimeout = 120\n' \
		"$hang_image" >"$cfg"
	ACCEL=tcg UNITTESTS_CFG=$cfg ./run_tests.sh waits >"$cfg.out" 2>&1 &
	pid=$!
	made+=("$cfg.out")
	qpid=''
	for ((i = 0; i < 1000; i++)); do
		if grep -q "^MIGRATE: request 1" logs/waits.log 2>/dev/null; then
			# this run's QEMU alone: its command line has this run's token
			token=$(sed -n '1s/.*EXIT_TOKEN=\([0-9a-f]*\).*/\1/p' logs/waits.log)
			qpid=$(pgrep -f -- "^[^ ]*qemu-system-[^ ]* .*EXIT_TOKEN=$token" | head -n 1 || true)
			[ -z "$qpid" ] || break
		fi
		sleep 0.1
	done
	if [ -n "$qpid" ]; then
		kill -TERM "$qpid"
	else
		kill -TERM "$pid" # the guest never got there: end the run, the check fails
	fi
	wait "$pid" || true
	out=$(cat "$cfg.out")
	check "$arch: QEMU ended by SIGTERM from outside is a FAIL saying so" 'grep <<<"$out" -qE "^FAIL waits \(QEMU ended by signal 15 from pid [0-9]+.*, not through the guest.s exit\)$"'
fi

# ---- migration: QEMU refusing its command line is not "the guest exited"; MIGRATE_VERBOSE
# times count from the harness's start (they once printed the monotonic clock)
if [ -n "$hang_image" ] && [ -f "$dir/$hang_image" ] && [ -x host/migrate ]; then
	cat >"$cfg" <<CFG
[mig-refused]
file = $hang_image
qemu_params = -device no-such-device
test_args = selftest 1
groups = migration
[mig-verbose]
file = $hang_image
test_args = selftest 1
groups = migration
timeout = 120
CFG
	out=$(ACCEL=tcg MIGRATE_VERBOSE=1 UNITTESTS_CFG=$cfg ./run_tests.sh -j1 2>&1) || true
	check "$arch: migration test whose QEMU refuses to start: SKIP with QEMU's error" \
		'grep <<<"$out" -qE "^SKIP mig-refused \(.*no-such-device.*\)$"'
	first_ms=$(sed -n 's/^migrate: \([0-9]*\) ms: .*/\1/p' logs/mig-verbose.log | head -n 1)
	out+=$'\n'"first verbose time: ${first_ms:-none} ms"
	check "$arch: verbose migration times count from the harness's start" \
		'grep <<<"$out" -q "^PASS mig-verbose" && [ -n "$first_ms" ] && [ "$first_ms" -lt 120000 ]'
fi

echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ]
