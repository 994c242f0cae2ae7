#!/bin/bash
# Run the tests of $TEST_DIR/unittests.cfg from a build directory; see usage() and
# docs/HACKING.md ("Runner"). The last line is always "SUMMARY: N passed, N failed, N skipped".
set -euo pipefail

usage() {
	cat <<EOF
Usage: ${0##*/} [-g group[,group]] [-j N] [-t] [-l] [-v] [-a] [-h] [test-name...]

Runs the tests of \$TEST_DIR/unittests.cfg (run it from a build directory).
  -g GROUPS  only tests in one of these groups (comma-separated; includes nodefault ones)
  -j N       run N tests in parallel (default: the number of host CPUs)
  -t         TAP version 13 output
  -l         list the selected tests, run nothing
  -v         print each test's QEMU command line
  -a         all tests, including those in group nodefault
  -h         this help
Named tests run even when in group nodefault.
Environment: ACCEL=kvm|tcg, QEMU=binary, UNITTESTS_CFG=file, TIMEOUT_SCALE=factor,
MIGRATION_MODE=precopy|postcopy (tests in group migration run under host/migrate).
Logs: logs/<test>.log (the QEMU command line, then all of QEMU's output).
EOF
}

# The build directory is the current one; the sources are where config.mak says
# (this script may be a symlink in the build directory).
if [ ! -f config.mak ]; then
	echo "${0##*/}: no config.mak here: run this from a build directory (./configure first)" >&2
	exit 2
fi
SRCDIR=
while IFS= read -r _line || [ -n "$_line" ]; do
	case $_line in SRCDIR=*) SRCDIR=${_line#SRCDIR=} ;; esac
done <config.mak
if [ -z "$SRCDIR" ] || [ ! -f "$SRCDIR/scripts/common.bash" ]; then
	echo "${0##*/}: config.mak has no usable SRCDIR ('$SRCDIR'): re-run configure" >&2
	exit 2
fi
# shellcheck source=scripts/common.bash
source "$SRCDIR/scripts/common.bash"
# shellcheck source=scripts/cfg.bash
source "$SRCDIR/scripts/cfg.bash"
# shellcheck source=scripts/verdict.bash
source "$SRCDIR/scripts/verdict.bash"
load_config_mak "$PWD"

# ---- options
opt_groups='' opt_jobs='' opt_tap=0 opt_list=0 opt_verbose=0 opt_all=0
names=()
while [ $# -gt 0 ]; do
	case $1 in
	-g) [ $# -ge 2 ] || { usage >&2; exit 2; }; opt_groups+=${opt_groups:+,}$2; shift ;;
	-g?*) opt_groups+=${opt_groups:+,}${1#-g} ;;
	-j) [ $# -ge 2 ] || { usage >&2; exit 2; }; opt_jobs=$2; shift ;;
	-j?*) opt_jobs=${1#-j} ;;
	-t) opt_tap=1 ;;
	-l) opt_list=1 ;;
	-v) opt_verbose=1 ;;
	-a) opt_all=1 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; names+=("$@"); break ;;
	-*) echo "${0##*/}: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	*) names+=("$1") ;;
	esac
	shift
done
if [ -n "$opt_jobs" ] && ! [[ $opt_jobs =~ ^[1-9][0-9]*$ ]]; then
	die "-j wants a positive number, not '$opt_jobs'"
fi
timeout_scale=${TIMEOUT_SCALE:-1}
[[ $timeout_scale =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT_SCALE must be a positive whole number"

# ---- the test list
cfg=${UNITTESTS_CFG:-$SRCDIR/$TEST_DIR/unittests.cfg}
# parsed through a cache in logs/ (cfg_load: keyed by the path and the whole text)
[ -d logs ] || mkdir logs 2>/dev/null || true
cfg_cache=''
[ ! -d logs ] || cfg_cache=logs/.cfg-cache
cfg_load "$cfg" "$cfg_cache" || exit 2

# ---- selection: names and groups add up; with neither, every test not in nodefault
declare -A want=()
for n in "${names[@]}"; do
	[ -n "${CFG_LINE[$n]:-}" ] || die "unknown test '$n' (not in $cfg)"
	want[$n]=1
done
if [ -n "$opt_groups" ]; then
	IFS=, read -r -a groups <<<"$opt_groups"
	for g in "${groups[@]}"; do
		[ -n "$g" ] || continue
		[ -n "${CFG_ALL_GROUPS[$g]:-}" ] || die "unknown group '$g' (not in $cfg)"
		for t in "${CFG_TESTS[@]}"; do
			[[ ${CFG_GROUPS[$t]} != *" $g "* ]] || want[$t]=1
		done
	done
fi
selected=()
for t in "${CFG_TESTS[@]}"; do
	if [ ${#names[@]} -gt 0 ] || [ -n "$opt_groups" ]; then
		[ -n "${want[$t]:-}" ] || continue
	elif [ "$opt_all" = 0 ] && [[ ${CFG_GROUPS[$t]} == *" nodefault "* ]]; then
		continue
	fi
	selected+=("$t")
done

if [ "$opt_list" = 1 ]; then
	for t in "${selected[@]}"; do
		echo "$t"
	done
	exit 0
fi

# ---- the host
find_qemu "$ARCH"
pick_accel "$ARCH"
ensure_supervise
host_cpus
jobs=${opt_jobs:-$HOST_CPUS}
# The arch's run script, sourced for its definitions: tests run through the same
# run_build_cmd and run_qemu as "<arch>/run IMAGE" by hand, without a bash start each.
run_script=$SRCDIR/$TEST_DIR/run
[ -f "$run_script" ] || die "$run_script missing"
RUN_LIBRARY=1
# shellcheck source=x86/run
source "$run_script"
export RUNNER_PID=$$

if [ -t 1 ] && [ "$opt_tap" = 0 ]; then
	c_pass=$'\e[32m' c_fail=$'\e[31m' c_skip=$'\e[33m' c_off=$'\e[0m'
else
	c_pass='' c_fail='' c_skip='' c_off=''
fi

[ -d logs ] || mkdir logs || die "cannot create logs/ in $PWD"

declare -A running=()   # pid -> test
declare -A reported=()  # test -> 1
interrupted=''
passed=0 failed=0 skipped=0 tap_n=0

stop_all() {
	local pid
	for pid in "${!running[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
}

on_signal() {
	[ -n "$interrupted" ] || interrupted=$1
	stop_all
}

cleanup() {
	local pid
	for pid in "${!running[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${!running[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# tap_escape TEXT: REPLY = TEXT safe in a TAP description (# starts a directive there)
tap_escape() {
	REPLY=${1//\\/\\\\}
	REPLY=${REPLY//#/\\#}
}

# report TEST RESULT REASON [CMD]: print one verdict and count it.
report() {
	local t=$1 result=$2 reason=$3 cmd=${4:-} line
	if [ ${#reason} -gt 200 ]; then reason="${reason:0:197}..."; fi
	reported[$t]=1
	case $result in
	PASS) passed=$((passed + 1)) ;;
	SKIP) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
	if [ "$opt_tap" = 1 ]; then
		tap_n=$((tap_n + 1))
		[ "$opt_verbose" = 0 ] || [ -z "$cmd" ] || echo "# $cmd"
		tap_escape "$t"
		line=$REPLY
		case $result in
		PASS) echo "ok $tap_n - $line${reason:+ ($reason)}" ;;
		SKIP)
			tap_escape "$reason"
			echo "ok $tap_n - $line # SKIP $REPLY"
			;;
		*)
			tap_escape "$reason"
			echo "not ok $tap_n - $line${REPLY:+ ($REPLY)}"
			;;
		esac
		for line in "${V_SUBS[@]}"; do
			echo "# $line"
		done
	else
		[ "$opt_verbose" = 0 ] || [ -z "$cmd" ] || echo "$cmd"
		case $result in
		PASS) line=$c_pass ;;
		SKIP) line=$c_skip ;;
		*) line=$c_fail ;;
		esac
		echo "$line$result$c_off $t${reason:+ ($reason)}"
	fi
}

# skipped_on_kvm_module TEST: true (REPLY = the reason) when TEST's skip_on_kvm names this
# host's KVM module.
skipped_on_kvm_module() {
	local spec=${CFG_SKIPKVM[$1]:-} modules
	[ -n "$spec" ] && [ -n "$KVM_MODULE" ] || return 1
	modules=,${spec%%[[:space:]]*},
	[[ $modules == *",$KVM_MODULE,"* ]] || return 1
	REPLY=${spec#*[[:space:]]}
	while [[ $REPLY == [[:space:]]* ]]; do REPLY=${REPLY#?}; done
	REPLY="on $KVM_MODULE: $REPLY"
	return 0
}

# precheck TEST: REPLY='' when TEST can run here, else "RESULT reason".
precheck() {
	local t=$1 img=$TEST_DIR/${CFG_FILE[$1]}
	REPLY=''
	if [ -n "${CFG_ARCH[$t]:-}" ] && [ "${CFG_ARCH[$t]}" != "$ARCH" ]; then
		REPLY="SKIP needs arch ${CFG_ARCH[$t]}"
	elif [ -n "${CFG_ACCEL[$t]:-}" ] && [ "${CFG_ACCEL[$t]}" != "$ACCEL" ]; then
		REPLY="SKIP needs accel ${CFG_ACCEL[$t]}"
	elif [ "$ACCEL" = kvm ] && skipped_on_kvm_module "$t"; then
		REPLY="SKIP $REPLY"
	elif [ "$ACCEL" = kvm ] && [ "${CFG_SMP[$t]}" -gt "$HOST_CPUS" ]; then
		REPLY="SKIP needs ${CFG_SMP[$t]} vCPUs, KVM host has $HOST_CPUS"
	elif ! cfg_check_host "$t"; then
		REPLY="SKIP $REPLY"
	elif [ ! -f "$img" ]; then
		REPLY="FAIL image $img not built"
	fi
	return 0
}

# start TEST: run it in the background, logging to logs/TEST.log (line 1: the command).
# migration_env TEST: REPLY=yes for a test in group migration (it runs under host/migrate),
# else no; migration_mode = its cfg migration_mode, else $MIGRATION_MODE, else precopy.
migration_env() {
	REPLY=no
	migration_mode=${MIGRATION_MODE:-precopy}
	if [[ ${CFG_GROUPS[$1]} == *" migration "* ]]; then
		REPLY=yes
		migration_mode=${CFG_MIGMODE[$1]:-$migration_mode}
	fi
}

start() {
	local t=$1 log=logs/$1.log
	local -a args
	split_words "${CFG_QPARAMS[$t]:-}"
	args=("$TEST_DIR/${CFG_FILE[$t]}" -smp "${CFG_SMP[$t]}" "${SPLIT[@]}")
	[ -z "${CFG_ARGS[$t]:-}" ] || args+=(-append "${CFG_ARGS[$t]}")
	run_build_cmd "${args[@]}"
	run_print_cmd >"$log"
	migration_env "$t"
	TIMEOUT=$((CFG_TIMEOUT[$t] * timeout_scale)) MIGRATION=$REPLY MIGRATION_MODE=$migration_mode \
		run_qemu >>"$log" 2>&1 </dev/null &
	running[$!]=$t
}

# finish PID: a test's supervisor ended; print its verdict.
finish() {
	local pid=$1 t=${running[$1]}
	unset "running[$pid]"
	verdict "logs/$t.log" "$((CFG_TIMEOUT[$t] * timeout_scale))"
	report "$t" "$V_RESULT" "$V_REASON" "$V_CMD"
}

# reap: wait for one running test to end.
reap() {
	local pid=''
	wait -n -p pid "${!running[@]}" || true
	if [ -n "${pid:-}" ] && [ -n "${running[$pid]:-}" ]; then
		finish "$pid"
	fi
	# pid is empty when a trapped signal interrupted wait: the loop comes back
}

[ "$opt_tap" = 0 ] || { echo "TAP version 13"; echo "1..${#selected[@]}"; }

for t in "${selected[@]}"; do
	[ -z "$interrupted" ] || break
	precheck "$t"
	if [ -n "$REPLY" ]; then
		V_SUBS=()
		printf '%s\n' "${REPLY#* }" >"logs/$t.log"
		report "$t" "${REPLY%% *}" "${REPLY#* }"
		continue
	fi
	while [ ${#running[@]} -ge "$jobs" ]; do
		reap
	done
	[ -z "$interrupted" ] || break
	start "$t"
done
while [ ${#running[@]} -gt 0 ]; do
	reap
done
if [ -n "$interrupted" ]; then
	# every test gets its line, so that a TAP plan still adds up
	V_SUBS=()
	for t in "${selected[@]}"; do
		[ -n "${reported[$t]:-}" ] || report "$t" SKIP "not run: interrupted"
	done
fi

echo "SUMMARY: $passed passed, $failed failed, $skipped skipped"
case $interrupted in
INT) exit 130 ;;
HUP) exit 129 ;;
TERM) exit 143 ;;
esac
[ "$failed" -eq 0 ]
