# shellcheck shell=bash disable=SC2034,SC2004 # EXP_*, DUR_MS: associative, declared in results.bash
# The runner's farm options, sourced by run_tests.sh only when one is given (README, "Output
# for CI farms"): --expect (the expectations file, its QEMU version conditions), --shard and
# --durations (test weights, longest first, the partition). The tables they fill (EXP_VERDICT,
# EXP_REASON, DUR_MS) are declared in scripts/results.bash. Forks where a comment says so.

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
