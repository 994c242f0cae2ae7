#!/bin/bash
# Run the tests of $TEST_DIR/unittests.cfg from a build directory; see usage() and
# docs/HACKING.md ("Runner"). The last line is always "SUMMARY: N passed, N failed, N skipped".
set -euo pipefail
# bash's string work costs a fifth less in the C locale: this shell's own, not exported
[ -n "${LC_ALL+set}" ] || LC_ALL=C

usage() {
	cat <<EOF
Usage: ${0##*/} [-g group[,group]] [-x test[,test]] [-j N] [-t] [-l] [-v] [-a] [-o DIR]
       [--junit FILE] [--expect FILE] [--shard K/N] [--durations FILE] [--version] [-h] [test...]

Runs the tests of \$TEST_DIR/unittests.cfg (from a build directory or an installed tree:
the current one, else the one this script is in).
  -g GROUPS  only tests in one of these groups (comma-separated; includes nodefault ones)
  -x TESTS   leave these tests out (comma-separated; the option adds up)
  -j N       run N tests in parallel (default: the number of host CPUs); under KVM each of
             a test's vCPUs takes one of the N
  -t         TAP version 13 output
  -l         list the selected tests, run nothing
  -v         print each test's QEMU command line
  -a         all tests, including those in group nodefault
  -o DIR     logs and results go to DIR (default: logs)
  --junit FILE      also write JUnit XML there (DIR/results.json is always written)
  --expect FILE     expected failures and skips (lines: TEST FAIL|SKIP [CONDITION...] REASON)
  --shard K/N       run part K of N of the selected tests (balanced by --durations)
  --durations FILE  a previous results.json: balance shards and start the longest tests first
  --version  print the suite's version
  -h         this help
Named tests run even when in group nodefault.
Environment: ACCEL=kvm|tcg, QEMU=binary, UNITTESTS_CFG=file, TIMEOUT_SCALE=factor,
MAX_SMP=N (under KVM, run tests of up to N vCPUs; default: the host's CPUs),
FIRST_OUTPUT_TIMEOUT=seconds (default 30 x TIMEOUT_SCALE),
MIGRATION_MODE=precopy|postcopy (tests in group migration run under host/migrate).
Logs: DIR/<test>.log (the QEMU command line, then all of QEMU's output), DIR/results.json.
EOF
}

# A script's background job starts with SIGINT ignored, and bash cannot trap a signal that
# was ignored when it started: run again with SIGINT at its default, so that the INT trap
# below stops the run however it was started (docs/HACKING.md, "Runner").
sigint_ignored() {
	local line
	while IFS= read -r line; do
		[[ $line == SigIgn:* ]] || continue
		line=${line#SigIgn:}
		line=${line//[[:space:]]/}
		(((16#$line >> 1) & 1)) && return 0
		return 1
	done </proc/self/status
	return 1
}
if [ -z "${RUN_TESTS_SIGINT_RESET:-}" ] && [ -r /proc/self/status ] && sigint_ignored; then
	export RUN_TESTS_SIGINT_RESET=1
	exec env --default-signal=INT "$BASH" "$0" "$@"
fi

# The build directory is the current one, else the directory of $0 (a build directory's
# symlink, or an installed tree); the sources are where config.mak says. Relative paths
# given on the command line stay relative to where the runner was started.
caller_dir=$PWD
if [ ! -f config.mak ]; then
	if [[ $0 == */* ]] && [ -f "${0%/*}/config.mak" ]; then
		cd "${0%/*}" || exit 2
	else
		echo "${0##*/}: no config.mak here: run this from a build directory (./configure first)" >&2
		exit 2
	fi
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
# shellcheck source=scripts/results.bash
source "$SRCDIR/scripts/results.bash"
load_config_mak "$PWD"

# ---- options
opt_groups='' opt_jobs='' opt_tap=0 opt_list=0 opt_verbose=0 opt_all=0 opt_exclude=''
opt_logdir=logs opt_junit='' opt_expect='' opt_shard='' opt_durations=''
names=()
run_argv=$*
# abs_path PATH: REPLY = PATH, relative to the directory the runner was started in
abs_path() {
	if [[ $1 == /* ]]; then REPLY=$1; else REPLY=$caller_dir/$1; fi
}
# need_arg OPTION ARGC: the option wants a value
need_arg() {
	[ "$2" -ge 2 ] || { echo "${0##*/}: $1 wants a value" >&2; usage >&2; exit 2; }
}
while [ $# -gt 0 ]; do
	case $1 in
	-x) need_arg "$1" $#; opt_exclude+=${opt_exclude:+,}$2; shift ;;
	-x?*) opt_exclude+=${opt_exclude:+,}${1#-x} ;;
	-o) need_arg "$1" $#; abs_path "$2"; opt_logdir=$REPLY; shift ;;
	--junit) need_arg "$1" $#; abs_path "$2"; opt_junit=$REPLY; shift ;;
	--expect) need_arg "$1" $#; abs_path "$2"; opt_expect=$REPLY; shift ;;
	--durations) need_arg "$1" $#; abs_path "$2"; opt_durations=$REPLY; shift ;;
	--shard) need_arg "$1" $#; opt_shard=$2; shift ;;
	--version) project_version; echo "$REPLY"; exit 0 ;;
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
[ "$caller_dir" = "$PWD" ] || [ "$opt_logdir" != logs ] || opt_logdir=$caller_dir/logs
if [ -n "$opt_shard" ]; then
	if ! [[ $opt_shard =~ ^([1-9][0-9]*)/([1-9][0-9]*)$ ]] ||
		[ "${BASH_REMATCH[1]}" -gt "${BASH_REMATCH[2]}" ]; then
		die "--shard wants K/N with 1 <= K <= N, not '$opt_shard'"
	fi
fi
[ -z "${UNITTESTS_CFG:-}" ] || { abs_path "$UNITTESTS_CFG"; UNITTESTS_CFG=$REPLY; }
if [ -n "$opt_expect$opt_shard$opt_durations" ]; then
	# shellcheck source=scripts/farm.bash
	source "$SRCDIR/scripts/farm.bash"
fi
logdir=$opt_logdir
timeout_scale=${TIMEOUT_SCALE:-1}
[[ $timeout_scale =~ ^[1-9][0-9]*$ ]] || die "TIMEOUT_SCALE must be a positive whole number"
# A guest prints its first line (lib/argv.c, "INFO: NAME: started", before main) a few ms
# of guest code after QEMU starts; what takes time is QEMU's own start, a tenth of a second
# on an idle host and several seconds on a 2-core host running 8 QEMUs under TCG. 30 s
# leaves a factor of 4 over that; silence beyond it is a broken image or a guest stuck in
# boot, not a slow host, and costs 30 s instead of the whole timeout.
first_output_timeout=${FIRST_OUTPUT_TIMEOUT:-$((30 * timeout_scale))}
[[ $first_output_timeout =~ ^[1-9][0-9]*$ ]] || die "FIRST_OUTPUT_TIMEOUT must be a positive whole number"

# ---- the test list
cfg=${UNITTESTS_CFG:-$SRCDIR/$TEST_DIR/unittests.cfg}
# parsed through a cache in the log directory (cfg_load: keyed by the path and the whole text)
[ -d "$logdir" ] || mkdir -p "$logdir" 2>/dev/null || true
cfg_cache=''
[ ! -d "$logdir" ] || cfg_cache=$logdir/.cfg-cache
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
if [ -n "$opt_exclude" ]; then
	declare -A excluded=()
	IFS=, read -r -a groups <<<"$opt_exclude"
	for t in "${groups[@]}"; do
		[ -z "$t" ] || [ -n "${CFG_LINE[$t]:-}" ] || die "unknown test '$t' in -x (not in $cfg)"
		excluded[$t]=1
	done
	kept=()
	for t in "${selected[@]}"; do
		[ -n "${excluded[$t]:-}" ] || kept+=("$t")
	done
	selected=("${kept[@]}")
fi
cfg_need "${selected[@]}"
[ -z "$opt_durations" ] || [ -f "$opt_durations" ] || die "durations file $opt_durations not found"
[ -z "$opt_durations" ] || durations_load "$opt_durations"
[ -z "$opt_shard" ] || shard_select "${opt_shard%/*}" "${opt_shard#*/}"

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
max_smp=${MAX_SMP:-$HOST_CPUS}
[[ $max_smp =~ ^[1-9][0-9]*$ ]] || die "MAX_SMP must be a positive number, not '$max_smp'"
qemu_cache=''
[ ! -d "$logdir" ] || qemu_cache=$logdir/.qemu-version
if [ -n "$opt_expect" ]; then
	qemu_version "$qemu_cache"
	expect_load "$opt_expect"
fi
# longest first when durations are known (--durations)
[ ${#DUR_MS[@]} = 0 ] || longest_first
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

[ -d "$logdir" ] || mkdir -p "$logdir" || die "cannot create $logdir"
# One run per log directory: a second one would overwrite the first's logs and read them
# back as its own verdicts. The lock goes with the last process holding DIR/.lock open
# (our supervisors inherit it while their QEMUs still write logs).
lock_logs_dir() {
	local holder=''
	exec {logs_lock}<>"$1/.lock" || die "cannot open $1/.lock"
	if ! flock -n "$logs_lock"; then
		read -r holder <&"$logs_lock" || true
		die "another run_tests.sh${holder:+ (pid $holder)} is running with log directory $1: wait for it to end, or give this run its own (-o DIR)"
	fi
	printf '%-12s\n' "$$" >&"$logs_lock"
}
lock_logs_dir "$logdir"

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

# tap_report TEST RESULT REASON CMD: one TAP13 test line, named by the cfg name only (farms
# track tests by it), then the verdict, the log and the guest's claims as diagnostics.
tap_report() {
	local t=$1 result=$2 reason=$3 cmd=$4 line
	tap_n=$((tap_n + 1))
	tap_escape "$t"
	line=$REPLY
	tap_escape "$reason"
	case $result in
	PASS) echo "ok $tap_n - $line" ;;
	SKIP) echo "ok $tap_n - $line # skip $REPLY" ;;
	XFAIL) echo "not ok $tap_n - $line # TODO expected failure" ;;
	*) echo "not ok $tap_n - $line" ;;
	esac
	echo "# result: $result${reason:+ ($reason)}"
	[ "$opt_verbose" = 0 ] || [ -z "$cmd" ] || echo "# command: $cmd"
	echo "# log: $logdir/$t.log"
	for line in "${V_SUBS[@]}"; do
		echo "# $line"
	done
}

# report TEST RESULT REASON [CMD [SECONDS]]: print one verdict, count it and record it for
# the results files. XFAIL counts as skipped, XPASS as failed.
report() {
	local t=$1 result=$2 reason=$3 cmd=${4:-} line
	if [ ${#reason} -gt 200 ]; then reason="${reason:0:197}..."; fi
	reported[$t]=1
	case $result in
	PASS) passed=$((passed + 1)) ;;
	SKIP | XFAIL) skipped=$((skipped + 1)) ;;
	*) failed=$((failed + 1)) ;;
	esac
	results_test "$t" "$result" "$reason" "$cmd" "${5:-}" "$logdir/$t.log"
	if [ "$opt_tap" = 1 ]; then
		tap_report "$t" "$result" "$reason" "$cmd"
		return
	fi
	[ "$opt_verbose" = 0 ] || [ -z "$cmd" ] || echo "$cmd"
	case $result in
	PASS) line=$c_pass ;;
	SKIP | XFAIL) line=$c_skip ;;
	*) line=$c_fail ;;
	esac
	echo "$line$result$c_off $t${reason:+ ($reason)}"
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
	if [ "${EXP_VERDICT[$t]:-}" = SKIP ]; then
		REPLY="SKIP ${EXP_REASON[$t]}"
	elif [ -n "${CFG_ARCH[$t]:-}" ] && [ "${CFG_ARCH[$t]}" != "$ARCH" ]; then
		REPLY="SKIP needs arch ${CFG_ARCH[$t]}"
	elif [ -n "${CFG_ACCEL[$t]:-}" ] && [ "${CFG_ACCEL[$t]}" != "$ACCEL" ]; then
		REPLY="SKIP needs accel ${CFG_ACCEL[$t]}"
	elif [ "$ACCEL" = kvm ] && skipped_on_kvm_module "$t"; then
		REPLY="SKIP $REPLY"
	elif [ "$ACCEL" = kvm ] && [ "${CFG_SMP[$t]}" -gt "$max_smp" ]; then
		REPLY="SKIP needs ${CFG_SMP[$t]} vCPUs, KVM host has $HOST_CPUS"
		[ -z "${MAX_SMP:-}" ] || REPLY+=" and MAX_SMP=$MAX_SMP"
	elif ! cfg_check_host "$t"; then
		REPLY="SKIP $REPLY"
	elif [ ! -f "$img" ]; then
		REPLY="FAIL image $img not built"
	fi
	return 0
}

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

# start TEST: run it in the background, logging to LOGDIR/TEST.log (line 1: the command).
start() {
	local t=$1 log=$logdir/$1.log
	local -a args
	split_words "${CFG_QPARAMS[$t]:-}"
	args=("$TEST_DIR/${CFG_FILE[$t]}" -smp "${CFG_SMP[$t]}" "${SPLIT[@]}")
	[ -z "${CFG_ARGS[$t]:-}" ] || args+=(-append "${CFG_ARGS[$t]}")
	run_build_cmd "${args[@]}"
	run_print_cmd >"$log"
	migration_env "$t"
	TIMEOUT=$((CFG_TIMEOUT[$t] * timeout_scale)) MIGRATION=$REPLY MIGRATION_MODE=$migration_mode \
		FIRST_OUTPUT_TIMEOUT=$first_output_timeout run_qemu >>"$log" 2>&1 </dev/null &
	running[$!]=$t
	started_us[$t]=${EPOCHREALTIME/./}
	slots_used=$((slots_used + ${slots[$t]:-1}))
}

# finish PID: a test's supervisor ended; print its verdict.
finish() {
	local pid=$1 t=${running[$1]}
	unset "running[$pid]"
	slots_used=$((slots_used - ${slots[$t]:-1}))
	seconds_since "${started_us[$t]}"
	local secs=$REPLY
	verdict "$logdir/$t.log" "$((CFG_TIMEOUT[$t] * timeout_scale))"
	expected_outcome "$t"
	report "$t" "$V_RESULT" "$V_REASON" "$V_CMD" "$secs"
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

# Under KVM each vCPU is a host thread that wants a CPU: a test takes one of the -j slots per
# vCPU (all of them at most); under TCG one.
declare -A slots=() started_us=()
slots_used=0
run_started_us=${EPOCHREALTIME/./}
printf -v run_started '%(%Y-%m-%dT%H:%M:%S%z)T' -1
for t in "${selected[@]}"; do
	[ -z "$interrupted" ] || break
	precheck "$t"
	if [ -n "$REPLY" ]; then
		V_SUBS=() v_tests=-1
		printf '%s\n' "${REPLY#* }" >"$logdir/$t.log"
		V_RESULT=${REPLY%% *} V_REASON=${REPLY#* }
		expected_outcome "$t"
		report "$t" "$V_RESULT" "$V_REASON"
		continue
	fi
	if [ "$ACCEL" = kvm ]; then
		slots[$t]=$((CFG_SMP[$t] < jobs ? CFG_SMP[$t] : jobs))
	fi
	while [ ${#running[@]} -gt 0 ] && [ $((slots_used + ${slots[$t]:-1})) -gt "$jobs" ]; do
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

seconds_since "$run_started_us"
run_seconds=$REPLY
project_version
RES_ITEMS=(env version "$REPLY" env arch "$ARCH" env accel "$ACCEL"
	env kvm_module "$KVM_MODULE" qemu "$qemu_cache" "$QEMU"
	env host_cpus "$HOST_CPUS" run started "$run_started" sec duration_s "$run_seconds"
	run command "${0##*/}${run_argv:+ }$run_argv" run interrupted "$interrupted"
	int summary.passed "$passed" int summary.failed "$failed" int summary.skipped "$skipped"
	"${RES_ITEMS[@]}")
echo "SUMMARY: $passed passed, $failed failed, $skipped skipped"
case $interrupted in
INT) status=130 ;;
HUP) status=129 ;;
TERM) status=143 ;;
*) status=$((failed > 0)) ;;
esac
# nothing runs any more: host/results replaces this shell and exits with its status
results_write "$status" "$logdir/results.json" ${opt_junit:+"$opt_junit"}
[ "$status" = 0 ] || exit "$status"
