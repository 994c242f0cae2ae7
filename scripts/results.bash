# shellcheck shell=bash disable=SC2034 # RES_*, EXP_*, DUR_*: this file's tables
# What CI farms need from run_tests.sh besides the verdict lines (docs/HACKING.md, "Results
# files"): the project version, the results records (written as JSON and JUnit by
# host/results at the end of a run), the expectations file, shards and test durations.
# Sourced by run_tests.sh. Pure bash except where a comment says it forks.

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

# qemu_version CACHE: QEMU_VERSION = the first line of "$QEMU --version", QEMU_VERSION_NUM =
# its version number ("7.2.11"; empty when none). host/results asks QEMU once, then answers
# from CACHE while the binary is the same file (it can stat(), bash cannot). Forks: only for
# --expect, whose conditions need it; results.json gets it from host/results itself.
qemu_version() {
	QEMU_VERSION=''
	if results_tool; then
		QEMU_VERSION=$("$BUILD_DIR/host/results" qemu-version "$QEMU" ${1:+"$1"}) || true
	fi
	QEMU_VERSION_NUM=''
	if [[ $QEMU_VERSION =~ version\ ([0-9]+(\.[0-9]+)*) ]]; then
		QEMU_VERSION_NUM=${BASH_REMATCH[1]}
	fi
}

# version_cmp A B: REPLY = -1, 0 or 1 as dotted version A is below, equal to or above B
# (missing components count as 0).
version_cmp() {
	local -a a b
	local i x y
	IFS=. read -r -a a <<<"$1"
	IFS=. read -r -a b <<<"$2"
	for ((i = 0; i < ${#a[@]} || i < ${#b[@]}; i++)); do
		x=$((10#${a[i]:-0})) y=$((10#${b[i]:-0}))
		if [ "$x" -lt "$y" ]; then REPLY=-1; return 0; fi
		if [ "$x" -gt "$y" ]; then REPLY=1; return 0; fi
	done
	REPLY=0
}

# expect_condition WORD: true when the condition WORD of an expectations line holds here.
# Returns 2 (and REPLY = why) for a malformed condition.
expect_condition() {
	local w=$1 key value op
	case $w in
	accel=* | arch=* | kvm=*)
		key=${w%%=*} value=,${w#*=},
		case $key in
		accel) [[ $value == *",$ACCEL,"* ]] ;;
		arch) [[ $value == *",$ARCH,"* ]] ;;
		kvm) [ -n "$KVM_MODULE" ] && [[ $value == *",$KVM_MODULE,"* ]] ;;
		esac
		return
		;;
	qemu[\<\>=]*)
		if ! [[ $w =~ ^qemu(\<|\<=|\>|\>=|=)([0-9]+(\.[0-9]+)*)$ ]]; then
			REPLY="bad QEMU version condition '$w' (want qemu<V, qemu<=V, qemu=V, qemu>=V or qemu>V)"
			return 2
		fi
		op=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
		[ -n "$QEMU_VERSION_NUM" ] || return 1
		if [ "$op" = = ]; then
			# qemu=7.2 holds for 7.2, 7.2.0 and 7.2.11
			[[ $QEMU_VERSION_NUM.x == "$value".* ]]
			return
		fi
		version_cmp "$QEMU_VERSION_NUM" "$value"
		case $op in
		'<') [ "$REPLY" = -1 ] ;;
		'<=') [ "$REPLY" != 1 ] ;;
		'>') [ "$REPLY" = 1 ] ;;
		'>=') [ "$REPLY" != -1 ] ;;
		esac
		return
		;;
	esac
	return 3
}

# expect_load FILE: read an expectations file (format: README, "Expectations"); the entries
# whose conditions hold here fill EXP_VERDICT[test] and EXP_REASON[test] (the first match
# wins). Tests that this cfg lacks are ignored: one file may serve every arch. A malformed
# line is FILE:LINE: message, and exit 2.
expect_load() {
	local file=$1 line n=0 name verdict w rc ok
	local -a words
	[ -r "$file" ] || die "expectations file $file not found"
	while IFS= read -r line || [ -n "$line" ]; do
		n=$((n + 1))
		read -r -a words <<<"$line"
		[ ${#words[@]} -gt 0 ] || continue
		[[ ${words[0]} != '#'* ]] || continue
		name=${words[0]} verdict=${words[1]:-}
		case $verdict in
		FAIL | SKIP) ;;
		*) echo "$file:$n: expected verdict '$verdict' for $name: want FAIL or SKIP" >&2; exit 2 ;;
		esac
		words=("${words[@]:2}")
		ok=1
		while [ ${#words[@]} -gt 0 ]; do
			w=${words[0]}
			rc=0
			expect_condition "$w" || rc=$?
			[ "$rc" != 3 ] || break # not a condition: the reason starts here
			[ "$rc" != 2 ] || { echo "$file:$n: $REPLY" >&2; exit 2; }
			[ "$rc" = 0 ] || ok=0
			words=("${words[@]:1}")
		done
		[ ${#words[@]} -gt 0 ] || { echo "$file:$n: no reason for $name" >&2; exit 2; }
		if [ "$ok" = 1 ] && [ -z "${EXP_VERDICT[$name]:-}" ]; then
			EXP_VERDICT[$name]=$verdict
			EXP_REASON[$name]=${words[*]}
		fi
	done <"$file"
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

# durations_load FILE: DUR_MS[test] = the duration of each test that ran in results FILE
# (forks host/results; silently nothing when FILE or the helper is missing).
durations_load() {
	local name ms bin=$BUILD_DIR/host/results
	[ -f "$1" ] && results_tool || return 0
	while read -r name ms; do
		DUR_MS[$name]=$ms
	done < <("$bin" durations "$1" 2>/dev/null)
}

# test_weight TEST: REPLY = how long TEST is expected to take, in ms: its recorded duration,
# else (durations known for others) their median, else its cfg timeout times its vCPUs.
test_weight() {
	if [ -n "${DUR_MS[$1]:-}" ]; then
		REPLY=${DUR_MS[$1]}
	elif [ -n "${dur_median:-}" ]; then
		REPLY=$dur_median
	else
		REPLY=$((CFG_TIMEOUT[$1] * 1000 * CFG_SMP[$1]))
	fi
}

# longest_first: reorder the array "selected" by test_weight, longest first, ties in cfg
# order (forks sort once).
longest_first() {
	local t i=0
	local -a lines
	dur_median=''
	[ ${#selected[@]} -gt 0 ] || return 0
	if [ ${#DUR_MS[@]} -gt 0 ]; then
		mapfile -t lines < <(printf '%s\n' "${DUR_MS[@]}" | sort -n)
		dur_median=${lines[${#lines[@]} / 2]}
	fi
	mapfile -t selected < <(for t in "${selected[@]}"; do
		test_weight "$t"
		printf '%s %s %s\n' "$REPLY" "$i" "$t"
		i=$((i + 1))
	done | sort -k1,1nr -k2,2n | cut -d' ' -f3)
}

# shard_select K N: keep in "selected" (in its order) the tests of shard K (1..N): a
# longest-first greedy partition (each test goes to the least loaded shard, the lowest on a
# tie), so the N shards are disjoint, cover every test once, and come out the same on every
# machine given the same cfg, selection and durations file.
shard_select() {
	local k=$1 n=$2 t s best
	local -a load=() keep=("${selected[@]}")
	local -A mine=()
	for ((s = 1; s <= n; s++)); do load[s]=0; done
	longest_first
	for t in "${selected[@]}"; do
		best=1
		for ((s = 2; s <= n; s++)); do
			[ "${load[s]}" -ge "${load[best]}" ] || best=$s
		done
		test_weight "$t"
		load[best]=$((load[best] + REPLY))
		[ "$best" != "$k" ] || mine[$t]=1
	done
	selected=()
	for t in "${keep[@]}"; do
		[ -z "${mine[$t]:-}" ] || selected+=("$t")
	done
}
