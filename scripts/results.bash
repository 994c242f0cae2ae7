# shellcheck shell=bash disable=SC2034 # RES_*, EXP_*, DUR_*: this file's tables
# What every run needs for CI farms besides the verdict lines (docs/HACKING.md, "Results
# files"): the project version, the expected outcome of a test, and the results records
# (written as JSON and JUnit by host/results at the end of a run). The farm options' code
# (--expect, --shard, --durations) is scripts/farm.bash, sourced only when one is given:
# parsing bash costs every run. Sourced by run_tests.sh. Pure bash, no forks.

RES_ITEMS=()            # kind, key, value triples for "host/results write"
declare -A EXP_VERDICT=() EXP_REASON=() DUR_MS=()

# project_version: REPLY = $SRCDIR/VERSION, plus "-g<commit>" when SRCDIR is a git checkout
# (read from .git without running git: HEAD, then the loose ref or packed-refs).
project_version() {
	local base='' git=$SRCDIR/.git line head='' common ref sha=''
	[ ! -f "$SRCDIR/VERSION" ] || IFS= read -r base <"$SRCDIR/VERSION" || true
	REPLY=${base:-unknown}
	if [ -f "$git" ]; then # a worktree: "gitdir: PATH"
		IFS= read -r line <"$git" || true
		git=${line#gitdir: }
		[[ $git == /* ]] || git=$SRCDIR/$git
	fi
	[ -f "$git/HEAD" ] || return 0
	IFS= read -r head <"$git/HEAD" || true
	common=$git
	if [ -f "$git/commondir" ]; then
		IFS= read -r line <"$git/commondir" || true
		if [[ $line == /* ]]; then common=$line; else common=$git/$line; fi
	fi
	if [[ $head == 'ref: '* ]]; then
		ref=${head#ref: }
		if [ -f "$git/$ref" ]; then
			IFS= read -r sha <"$git/$ref" || true
		elif [ -f "$common/$ref" ]; then
			IFS= read -r sha <"$common/$ref" || true
		elif [ -f "$common/packed-refs" ]; then
			while IFS= read -r line; do
				[ "${line#* }" != "$ref" ] || { sha=${line%% *}; break; }
			done <"$common/packed-refs"
		fi
	else
		sha=$head
	fi
	[ -z "$sha" ] || REPLY+="-g${sha:0:12}"
}

# expected_outcome TEST: apply TEST's expected outcome (cfg expect =, then the expectations
# file) to V_RESULT and V_REASON. expect = abort: an abort (exit status 3) is a PASS, anything
# else a FAIL. An expected FAIL that fails is XFAIL; one that passes is XPASS, a failure.
expected_outcome() {
	local t=$1
	[ "$V_RESULT" != SKIP ] || return 0
	if [ "${CFG_EXPECT[$t]:-}" = abort ]; then
		if [ "$V_RESULT" = FAIL ] && [[ $V_REASON == aborted* ]]; then
			V_RESULT=PASS V_REASON="expected abort: ${V_REASON#aborted: }"
		else
			V_REASON="expected an abort, got $V_RESULT${V_REASON:+: $V_REASON}"
			V_RESULT=FAIL
		fi
	fi
	[ "${EXP_VERDICT[$t]:-}" = FAIL ] || return 0
	case $V_RESULT in
	FAIL) V_RESULT=XFAIL V_REASON="$V_REASON; expected: ${EXP_REASON[$t]}" ;;
	PASS) V_RESULT=XPASS V_REASON="passed, expected to fail: ${EXP_REASON[$t]}" ;;
	esac
}

# results_test TEST RESULT REASON CMD SECONDS LOG: one test's record for the results files.
# SECONDS is empty for a test that did not run. Counts come from verdict's SUMMARY numbers.
results_test() {
	RES_ITEMS+=(test name "$1" str verdict "$2" str reason "$3")
	[ -z "${EXP_REASON[$1]:-}" ] || RES_ITEMS+=(str expected "${EXP_VERDICT[$1]}: ${EXP_REASON[$1]}")
	if [ -n "$5" ]; then
		RES_ITEMS+=(sec duration_s "$5" str qemu_command "$4")
		if [ "${v_tests:--1}" -ge 0 ]; then
			RES_ITEMS+=(int counts.tests "$v_tests" int counts.failed "$v_fail"
				int counts.expected_failures "$v_xfail" int counts.known_failures "$v_kfail"
				int counts.skipped "$v_skipped")
		fi
	fi
	RES_ITEMS+=(str log "$6")
}

# seconds_since USEC: REPLY = seconds since EPOCHREALTIME was USEC (without its dot), "S.mmm"
seconds_since() {
	local d=$((${EPOCHREALTIME/./} - $1))
	printf -v REPLY '%d.%03d' $((d / 1000000)) $((d % 1000000 / 1000))
}

# results_tool: true when host/results is there (built on demand, like host/supervise).
results_tool() {
	local bin=$BUILD_DIR/host/results
	[ -x "$bin" ] && ! [ "$SRCDIR/scripts/host/results.c" -nt "$bin" ] && return 0
	(ensure_host_tool results -ljansson) 2>/dev/null
}

# results_write STATUS JSON [JUNIT]: the runner's last act: exec host/results with the
# records as arguments (no fork, no pipe); it writes the files and exits with STATUS (2 when
# it cannot write them). Returns only when host/results is missing and cannot be built.
results_write() {
	local bin=$BUILD_DIR/host/results status=$1
	shift
	if ! results_tool; then
		echo "${0##*/}: $bin cannot be built (needs libjansson-dev): no results written" >&2
		return 0
	fi
	exec "$bin" write -s "$status" "$@" -- "${RES_ITEMS[@]}"
}
