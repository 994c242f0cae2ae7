#!/usr/bin/env bash
# Print one line per test of a build directory: the runner's verdict line, then how many
# claim lines of each kind the test's log holds. Two runs of it before and after a change
# compare with diff: a refactor keeps every test, verdict and claim count.
#
# Usage: scripts/claim-counts.sh BUILD_DIR [run_tests.sh arguments...]
# Runs every test (-a) unless arguments are given. ACCEL and JOBS (default 2) pass through.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [run_tests.sh arguments...]" >&2; exit 2; }
dir=$1
shift
[ $# -gt 0 ] || set -- -a

cd "$dir"
verdicts=$(mktemp)
trap 'rm -f "$verdicts"' EXIT
# bash skips the EXIT trap when a signal ends it: turn signals into an exit
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
./run_tests.sh -j "${JOBS:-2}" "$@" >"$verdicts" 2>&1 || true

kinds="PASS FAIL SKIP KFAIL XFAIL XPASS"
grep -E '^(PASS|FAIL|SKIP) ' "$verdicts" | sort -k2,2 | while IFS= read -r verdict; do
	name=$(echo "$verdict" | cut -d' ' -f2)
	counts=""
	for kind in $kinds; do
		n=0
		[ -f "logs/$name.log" ] && n=$(grep -cE "^$kind: " "logs/$name.log" || true)
		counts+=" $kind=$n"
	done
	# addresses in abort dumps move with any code change
	printf '%s |%s\n' "$(echo "$verdict" | sed -E 's/0x[0-9a-f]+/0x../g')" "$counts"
done
