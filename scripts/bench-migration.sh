#!/usr/bin/env bash
# The cost of one guest-triggered migration of a 128 MiB TCG guest, from a build directory:
#   scripts/bench-migration.sh [K]        (K migrations, default 20; MIGRATION_MODE applies)
# Runs the migration selftest with K migrations and with none (selftest 0 then only checks,
# but still starts a destination), both under host/migrate, and prints
#   (time with K - time with 0) / K
# in milliseconds. Target: at most 150 ms.
set -euo pipefail

k=${1:-20}
[[ $k =~ ^[1-9][0-9]*$ ]] || { echo "usage: $0 [K > 0]" >&2; exit 2; }
[ -f config.mak ] || { echo "$0: run this from a build directory" >&2; exit 2; }
arch=$(sed -n 's/^ARCH=//p' config.mak)
case $arch in
x86_64 | i386) run=./x86/run image=x86/migration.flat ;;
arm64) run=./arm/run image=arm/migration.flat ;;
s390x) run=./s390x/run image=s390x/migration.elf ;;
*) echo "$0: unknown ARCH '$arch'" >&2; exit 2 ;;
esac
srcdir=$(sed -n 's/^SRCDIR=//p' config.mak)
run=$srcdir/${run#./}

now_ms() {
	local t
	t=$(date +%s%N)
	echo $((t / 1000000))
}

# run_ms N: milliseconds for one run with N migrations (the run must pass)
run_ms() {
	local start end log
	start=$(now_ms)
	if ! log=$(MIGRATION=yes ACCEL=tcg TIMEOUT=120 "$run" "$image" -smp 1 -m 128 \
		-append "selftest $1" 2>&1); then
		: # x86 exits (code << 1) | 1: judge by the guest's line instead
	fi
	end=$(now_ms)
	if [[ $log != *"EXIT: STATUS=0"* ]] || [[ $log == *MIGRATION-ERROR* ]]; then
		printf '%s\n' "$log" >&2
		echo "$0: the run with $1 migrations failed" >&2
		exit 1
	fi
	echo $((end - start))
}

base=$(run_ms 0)
with=$(run_ms "$k")
per=$(((with - base) / k))
echo "migrations: $k, mode: ${MIGRATION_MODE:-precopy}, arch: $arch"
echo "run with 0: $base ms, with $k: $with ms"
echo "per migration: $per ms (target <= 150 ms)"
