#!/usr/bin/env bash
# How much time does the runner add to a test? From a build directory:
#   scripts/bench-runner.sh [TEST] [REPETITIONS]     (defaults: the first test listed, 30)
# Runs "run_tests.sh -j 1 TEST", the raw QEMU command the runner logged for it (logs/TEST.log,
# line 1) and that command under host/supervise alone, interleaved (the order rotates every
# round, after 2 warm-up rounds), and prints the median and minimum of each, the runner's
# overhead over raw QEMU (median ms) and the ratio of the medians against the target
# (<= 1.15). Medians, because the host is shared and timing is noisy: use many repetitions.
# Honours ACCEL, QEMU and UNITTESTS_CFG like run_tests.sh. Exit status 0 even above target.
set -euo pipefail

[ -f config.mak ] || { echo "${0##*/}: run this from a build directory" >&2; exit 2; }
runner=./run_tests.sh
[ -e "$runner" ] || runner=$(sed -n 's/^SRCDIR=//p' config.mak)/run_tests.sh
test=${1:-}
reps=${2:-30}
target=1.15
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "${0##*/}: REPETITIONS must be a positive number" >&2; exit 2; }
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
tail -n 1 "logs/$test.log" | grep -q '^supervise: status exit=' ||
	{ echo "${0##*/}: logs/$test.log: the test did not run to its end" >&2; exit 1; }
echo "test: $test; raw command: $raw"
sup=host/supervise
[ -x "$sup" ] || sup=''

# us: microseconds since the epoch, no fork
us() { REPLY=${EPOCHREALTIME/./}; }
# shellcheck disable=SC2317 # called through "$kind"
run_runner() { "$runner" -j 1 "$test"; }
# shellcheck disable=SC2317
run_raw() { eval "$raw"; }
# shellcheck disable=SC2317
run_sup() { eval "$sup -- $raw"; }
kinds=(run_runner run_raw)
[ -z "$sup" ] || kinds+=(run_sup)
declare -A times=()
for kind in "${kinds[@]}"; do times[$kind]=''; done

nk=${#kinds[@]}
for ((i = -2; i < reps; i++)); do
	for ((j = 0; j < nk; j++)); do
		kind=${kinds[((i + 2 + j) % nk)]}
		us
		t0=$REPLY
		"$kind" >/dev/null 2>&1 </dev/null || true
		us
		[ "$i" -lt 0 ] || times[$kind]+="$((REPLY - t0)) "
	done
done

# stats KIND: MED and MIN in microseconds
stats() {
	local -a v
	# shellcheck disable=SC2086 # a list of numbers
	mapfile -t v < <(printf '%s\n' ${times[$1]} | sort -n)
	MIN=${v[0]}
	MED=${v[${#v[@]} / 2]}
	[ $((${#v[@]} % 2)) = 1 ] || MED=$(((v[${#v[@]} / 2 - 1] + v[${#v[@]} / 2]) / 2))
}
ms() { printf -v REPLY '%d.%01d' $(($1 / 1000)) $(($1 % 1000 / 100)); }
for kind in "${kinds[@]}"; do
	stats "$kind"
	printf -v "med_$kind" %s "$MED"
	ms "$MED"; m=$REPLY
	ms "$MIN"
	printf '%-22s median %7s ms   min %7s ms   (n=%d)\n' "${kind#run_}" "$m" "$REPLY" "$reps"
done
# shellcheck disable=SC2154 # set by printf -v above
{ r=$med_run_runner q=$med_run_raw; }
ms $((r - q)); over=$REPLY
[ $((r - q)) -ge 0 ] || over="-${REPLY#-}"
ratio=$((r * 1000 / (q > 0 ? q : 1)))
printf -v ratio '%d.%03d' $((ratio / 1000)) $((ratio % 1000))
verdict="within target"
[ "$((r * 100))" -le "$((q * 115))" ] || verdict="ABOVE target"
echo "runner overhead: $over ms (median); ratio runner/raw ${ratio} (target <= $target): $verdict"
