#!/usr/bin/env bash
# How much time does the runner add to a test? From a build directory:
#   scripts/bench-runner.sh [TEST] [REPETITIONS]     (defaults: the first test listed, 10)
# Runs "run_tests.sh -j 1 TEST" and the raw QEMU command the runner logged for it
# (logs/TEST.log, line 1) alternately, REPETITIONS times each, with hyperfine when it is
# installed, else with a loop; prints both mean times and their ratio (target <= 1.15).
# Honours ACCEL, QEMU and UNITTESTS_CFG like run_tests.sh.
set -euo pipefail

[ -f config.mak ] || { echo "${0##*/}: run this from a build directory" >&2; exit 2; }
runner=./run_tests.sh
[ -e "$runner" ] || runner=$(sed -n 's/^SRCDIR=//p' config.mak)/run_tests.sh
test=${1:-}
reps=${2:-10}
if [ -z "$test" ]; then
	test=$("$runner" -l | head -n 1)
	[ -n "$test" ] || { echo "${0##*/}: no test to run" >&2; exit 2; }
fi

# One run through the runner gives the exact QEMU command line.
"$runner" -j 1 "$test" >/dev/null || true
raw=$(head -n 1 "logs/$test.log")
case $raw in
*qemu* | *QEMU*) ;;
*) echo "${0##*/}: logs/$test.log has no QEMU command line (did the test run?): $raw" >&2; exit 1 ;;
esac
echo "test: $test; raw command: $raw"

if command -v hyperfine >/dev/null 2>&1; then
	hyperfine --warmup 1 --runs "$reps" -i "$runner -j 1 $test" "$raw" || true
fi

now_ns() { date +%s%N; }
runner_ns=0 raw_ns=0
for ((i = 0; i < reps; i++)); do
	t0=$(now_ns)
	"$runner" -j 1 "$test" >/dev/null 2>&1 || true
	t1=$(now_ns)
	eval "$raw" >/dev/null 2>&1 </dev/null || true
	t2=$(now_ns)
	runner_ns=$((runner_ns + t1 - t0))
	raw_ns=$((raw_ns + t2 - t1))
done
runner_ms=$((runner_ns / reps / 1000000))
raw_ms=$((raw_ns / reps / 1000000))
ratio=$(awk -v a="$runner_ns" -v b="$raw_ns" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }')
echo "runner: ${runner_ms} ms, raw QEMU: ${raw_ms} ms (mean of $reps); ratio ${ratio} (target <= 1.15)"
