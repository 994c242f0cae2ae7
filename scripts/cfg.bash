# shellcheck shell=bash disable=SC2034 # the CFG_* tables are this file's output
# unittests.cfg parser (pure bash, no forks). Sourced by run_tests.sh.
#
#   [name]                 one test; name: letters, digits, _ . + - (it names logs/<name>.log)
#   file = selftest.flat   image, relative to $TEST_DIR in the build directory (required)
#   smp = 2                vCPUs (default 1)
#   test_args = a "b c"    the guest's command line (-append); one pair of outer quotes is dropped
#   qemu_params = -cpu max extra QEMU arguments, split like the shell (quotes, backslash)
#   groups = apic smp      space-separated; nodefault: run only when named, by -g or -a
#   timeout = 30s          seconds, or with an s/m/h suffix (default 90s)
#   accel = kvm            run only under this accelerator, else SKIP
#   arch = x86_64          run only for this ARCH (x86_64 i386 arm64 s390x), else SKIP
#   check = PATH=VALUE...  run only when each host file PATH reads VALUE, else SKIP
#   skip_on_kvm = kvm_pvm ID: reason...  under KVM, SKIP with the reason when the host's KVM
#                          module is one of these (comma-separated): a known host defect, ID its
#                          row in docs/known-deviations.md (scripts/check-deviations.sh checks)
#   migration_mode = postcopy  for a test in group migration: how host/migrate migrates
#                          (precopy or postcopy; default: $MIGRATION_MODE, else precopy)
#   expect = abort         the test is meant to crash: PASS when the guest aborts (exit status
#                          3, e.g. the dump of an unexpected exception), FAIL otherwise
#
# '#' starts a comment only at the beginning of a line (after blanks).

CFG_KEYS=" file smp test_args qemu_params groups timeout accel arch check skip_on_kvm migration_mode expect "
CFG_DEFAULT_TIMEOUT=90

declare -a CFG_TESTS=()
declare -A CFG_FILE=() CFG_SMP=() CFG_ARGS=() CFG_QPARAMS=() CFG_GROUPS=() CFG_TIMEOUT=()
declare -A CFG_ACCEL=() CFG_ARCH=() CFG_CHECK=() CFG_LINE=() CFG_ALL_GROUPS=()
declare -A CFG_MIGMODE=() CFG_SKIPKVM=() CFG_EXPECT=()

# cfg_error LINE MESSAGE: report a malformed cfg ($cfg_file) and fail.
cfg_error() {
	echo "$cfg_file:$1: $2" >&2
	return 1
}

# cfg_end_section: checks once a section is complete.
cfg_end_section() {
	local name=$cfg_section
	[ -n "$name" ] || return 0
	if [ -z "${CFG_FILE[$name]:-}" ]; then
		cfg_error "${CFG_LINE[$name]}" "test [$name] has no 'file ='"
		return 1
	fi
	return 0
}

# cfg_parse FILE: fill CFG_* from FILE; on the first error print FILE:LINE: ... and fail.
cfg_parse() {
	local file=$1 line key value n=0 seen='' g
	local -a words
	cfg_section='' cfg_file=$1
	[ -f "$file" ] || {
		echo "${0##*/}: test list $file not found" >&2
		return 1
	}
	local -a cfg_lines=()
	local - # globbing off while splitting groups and checks into words
	set -f
	mapfile -t cfg_lines <"$file"
	# Hot loop: cheap patterns only (a [[ =~ ]] costs ~15 us; ${v%%[![:space:]]*} is quadratic).
	for line in "${cfg_lines[@]}"; do
		n=$((n + 1))
		while [[ $line == [[:space:]]* ]]; do line=${line#?}; done
		case $line in '' | '#'*) continue ;; esac
		while [[ $line == *[[:space:]] ]]; do line=${line%?}; done
		if [[ $line == '['* ]]; then
			key=${line#[}
			key=${key%]}
			case $line in
			*']' ) ;;
			*) key='' ;;
			esac
			case $key in
			'' | [!A-Za-z0-9]* | *[!A-Za-z0-9_.+-]*)
				cfg_error "$n" "bad section header '$line' (want [name]: letters, digits, _ . + -)"
				return 1
				;;
			esac
			cfg_end_section || return 1
			cfg_section=$key
			if [ -n "${CFG_LINE[$cfg_section]:-}" ]; then
				cfg_error "$n" "duplicate test [$cfg_section] (first at line ${CFG_LINE[$cfg_section]})"
				return 1
			fi
			CFG_TESTS+=("$cfg_section")
			CFG_LINE[$cfg_section]=$n
			CFG_SMP[$cfg_section]=1
			CFG_TIMEOUT[$cfg_section]=$CFG_DEFAULT_TIMEOUT
			CFG_GROUPS[$cfg_section]=''
			seen=' '
			continue
		fi
		if [[ $line != *=* ]] || [ -z "${line%%=*}" ]; then
			cfg_error "$n" "expected '[name]' or 'key = value', got '$line'"
			return 1
		fi
		key=${line%%=*}
		while [[ $key == *[[:space:]] ]]; do key=${key%?}; done
		value=${line#*=}
		while [[ $value == [[:space:]]* ]]; do value=${value#?}; done
		if [ -z "$cfg_section" ]; then
			cfg_error "$n" "'$key' outside any [test] section"
			return 1
		fi
		if [[ $CFG_KEYS != *" $key "* ]]; then
			cfg_error "$n" "unknown key '$key' in [$cfg_section] (known:$CFG_KEYS)"
			return 1
		fi
		if [[ $seen == *" $key "* ]]; then
			cfg_error "$n" "'$key' given twice in [$cfg_section]"
			return 1
		fi
		seen+="$key "
		case $key in
		file)
			if [ -z "$value" ] || [[ $value == *[[:space:]]* ]]; then
				cfg_error "$n" "bad file '$value' in [$cfg_section]"
				return 1
			fi
			CFG_FILE[$cfg_section]=$value
			;;
		smp)
			if [[ $value == [!1-9]* || $value == *[!0-9]* || ${#value} -gt 4 ]] || [ -z "$value" ]; then
				cfg_error "$n" "bad smp '$value' in [$cfg_section] (want a number of vCPUs, 1-9999)"
				return 1
			fi
			CFG_SMP[$cfg_section]=$value
			;;
		test_args)
			case $value in
			\"*\" | \'*\') [ ${#value} -lt 2 ] || value=${value:1:${#value}-2} ;;
			esac
			CFG_ARGS[$cfg_section]=$value
			;;
		qemu_params)
			if ! split_words "$value"; then
				cfg_error "$n" "unterminated quote in qemu_params of [$cfg_section]"
				return 1
			fi
			CFG_QPARAMS[$cfg_section]=$value
			;;
		groups)
			# shellcheck disable=SC2206 # word splitting wanted, globbing is off
			words=($value)
			for g in "${words[@]}"; do
				if [[ $g == *[!A-Za-z0-9_.+-]* ]]; then
					cfg_error "$n" "bad group name '$g' in [$cfg_section]"
					return 1
				fi
				CFG_ALL_GROUPS[$g]=1
			done
			CFG_GROUPS[$cfg_section]=" ${words[*]} "
			;;
		timeout)
			if ! [[ $value =~ ^([0-9]+)([smh]?)$ ]] || [ "$((10#${BASH_REMATCH[1]}))" -eq 0 ]; then
				cfg_error "$n" "bad timeout '$value' in [$cfg_section] (want N, Ns, Nm or Nh, N > 0)"
				return 1
			fi
			value=$((10#${BASH_REMATCH[1]}))
			case ${BASH_REMATCH[2]} in
			m) value=$((value * 60)) ;;
			h) value=$((value * 3600)) ;;
			esac
			CFG_TIMEOUT[$cfg_section]=$value
			;;
		accel)
			case $value in
			kvm | tcg) CFG_ACCEL[$cfg_section]=$value ;;
			*)
				cfg_error "$n" "bad accel '$value' in [$cfg_section] (kvm or tcg)"
				return 1
				;;
			esac
			;;
		arch)
			case $value in
			x86_64 | i386 | arm64 | s390x) CFG_ARCH[$cfg_section]=$value ;;
			*)
				cfg_error "$n" "bad arch '$value' in [$cfg_section] (x86_64, i386, arm64 or s390x)"
				return 1
				;;
			esac
			;;
		migration_mode)
			case $value in
			precopy | postcopy) CFG_MIGMODE[$cfg_section]=$value ;;
			*)
				cfg_error "$n" "bad migration_mode '$value' in [$cfg_section] (precopy or postcopy)"
				return 1
				;;
			esac
			;;
		expect)
			[ "$value" = abort ] || {
				cfg_error "$n" "bad expect '$value' in [$cfg_section] (abort)"
				return 1
			}
			CFG_EXPECT[$cfg_section]=$value
			;;
		skip_on_kvm)
			g=${value%%[[:space:]]*}
			if [[ -z $g || $g == *[!a-z0-9_,]* || $value != "$g"[[:space:]]*[![:space:]]* ]]; then
				cfg_error "$n" "bad skip_on_kvm '$value' in [$cfg_section] (want MODULE[,MODULE] reason)"
				return 1
			fi
			CFG_SKIPKVM[$cfg_section]=$value
			;;
		check)
			# shellcheck disable=SC2206 # word splitting wanted, globbing is off
			words=($value)
			for g in "${words[@]}"; do
				if [[ $g != /*=* ]]; then
					cfg_error "$n" "bad check '$g' in [$cfg_section] (want /host/path=VALUE)"
					return 1
				fi
			done
			CFG_CHECK[$cfg_section]=$value
			;;
		esac
	done
	cfg_end_section
}

# The per-test tables (every key but groups): loaded from the cache only for the tests the
# runner selects (cfg_need). Selection needs CFG_TESTS, CFG_LINE, CFG_GROUPS, CFG_ALL_GROUPS.
CFG_PER_TEST="CFG_FILE CFG_SMP CFG_ARGS CFG_QPARAMS CFG_TIMEOUT CFG_ACCEL CFG_ARCH CFG_CHECK
CFG_MIGMODE CFG_SKIPKVM CFG_EXPECT"
declare -A CFG_PENDING=() # test -> its per-test assignments, not evaluated yet

# cfg_load FILE [CACHE]: cfg_parse FILE, through CACHE when given (a file in the build
# directory, e.g. logs/.cfg-cache). Parsing costs milliseconds; the cache holds the parsed
# tables with FILE's path and complete text, and is used only when both are the same and it
# is newer than this parser: it can never give stale results. Errors are not cached.
# Cache lines: a header, FILE %q-quoted, the counts of text lines (T) and of table lines (D),
# D lines of "declare -g..." (the selection tables), one line per test "NAME<tab>assignments"
# (its per-test values, evaluated by cfg_need), then FILE's T lines. Loading costs one
# mapfile and the selection tables; a test's other values cost only when it is selected.
cfg_load() {
	local file=$1 cache=${2:-} qfile t line i n d IFS
	local -a cl=() tl=()
	if [ -z "$cache" ] || ! [ -f "$file" ]; then
		cfg_parse "$file"
		return
	fi
	mapfile -t tl <"$file"
	printf -v qfile '%q' "$file"
	if [ -f "$cache" ] && [ "$cache" -nt "${BASH_SOURCE[0]}" ]; then
		mapfile -t cl <"$cache"
		n=${cl[2]:-x} d=${cl[3]:-x}
		IFS=$'\n'
		if [ "${cl[0]}" = "$CFG_CACHE_HEADER" ] && [ "${cl[1]:-}" == "$qfile" ] &&
			[[ $n == [0-9]* && $n != *[!0-9]* && $d == [0-9]* && $d != *[!0-9]* ]] &&
			[ "$n" = "${#tl[@]}" ] && [ ${#cl[@]} -ge $((4 + n + d)) ] &&
			[ "${cl[*]: -n}" == "${tl[*]}" ] && [ $((${#cl[@]} - n - 4 - d)) -ge 0 ]; then
			unset IFS
			for ((i = 4; i < 4 + d; i++)); do
				eval "${cl[i]}"
			done
			for ((i = 4 + d; i < ${#cl[@]} - n; i++)); do
				line=${cl[i]}
				CFG_PENDING[${line%%$'\t'*}]=${line#*$'\t'}
			done
			return 0
		fi
		unset IFS
		cfg_reset
	fi
	cfg_parse "$file" || return 1
	cfg_write_cache "$cache" "$qfile" tl
}

CFG_CACHE_HEADER='# run_tests.sh: parsed unittests.cfg (scripts/cfg.bash, cfg_load), format 2'

# cfg_write_cache CACHE QUOTED-FILE TEXT-ARRAY-NAME: write the cache (see cfg_load) under a
# temporary name and rename it, so that a concurrent runner never reads a torn file.
cfg_write_cache() {
	local cache=$1 tmp=$1.tmp.$$ t table q assign line
	local -n text=$3
	local -a decls=() tests=()
	# declare -p prints one line per table (values hold no newline: it quotes them)
	while IFS= read -r line; do
		decls+=("declare -g${line#declare -}")
	done < <(declare -p CFG_TESTS CFG_LINE CFG_GROUPS CFG_ALL_GROUPS)
	for t in "${CFG_TESTS[@]}"; do
		assign=''
		for table in $CFG_PER_TEST; do
			local -n tab=$table
			if [ -n "${tab[$t]+set}" ]; then
				printf -v q '%q' "${tab[$t]}"
				assign+="${table}[$t]=$q;"
			fi
			unset -n tab
		done
		tests+=("$t"$'\t'"$assign")
	done
	if printf '%s\n' "$CFG_CACHE_HEADER" "$2" "${#text[@]}" "${#decls[@]}" "${decls[@]}" \
		"${tests[@]}" "${text[@]}" >"$tmp" 2>/dev/null; then
		mv -f "$tmp" "$cache" 2>/dev/null || rm -f "$tmp"
	else
		rm -f "$tmp"
	fi
	return 0
}

# cfg_need TEST...: make the per-test values of these tests available (from the cache).
cfg_need() {
	local t
	for t in "$@"; do
		[ -n "${CFG_PENDING[$t]:-}" ] || continue
		eval "${CFG_PENDING[$t]}"
		unset "CFG_PENDING[$t]"
	done
}

# cfg_reset: empty every CFG_* table.
cfg_reset() {
	local table
	CFG_TESTS=() CFG_LINE=() CFG_GROUPS=() CFG_ALL_GROUPS=() CFG_PENDING=()
	for table in $CFG_PER_TEST; do
		eval "$table=()"
	done
}

# cfg_check_host TEST: REPLY='' when every check = PATH=VALUE of TEST holds, else the reason.
cfg_check_host() {
	local c path want got
	local -a words
	REPLY=''
	read -r -a words <<<"${CFG_CHECK[$1]:-}"
	for c in "${words[@]}"; do
		path=${c%%=*} want=${c#*=} got=''
		if [ -r "$path" ]; then
			IFS= read -r got <"$path" || true
		fi
		if [ "$got" != "$want" ]; then
			REPLY="needs $path = $want"
			return 1
		fi
	done
	return 0
}
