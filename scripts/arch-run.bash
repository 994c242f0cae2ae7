# shellcheck shell=bash
# The common part of every <arch>/run script: builds one QEMU command line for one image
# and runs it under the supervisor (scripts/host/supervise.c). run_tests.sh runs tests
# through the very same scripts. See docs/HACKING.md, "Run scripts", for the contract.
#
# An arch script sets, then calls run_main "$@":
#   run_machine=(...)     machine and firmware, e.g. (-machine virt,gic-version=3)
#   run_devices=(...)     console and exit device, e.g. (-serial stdio -device isa-debug-exit,...)
#   run_memory=256        -m value (MiB)
#   run_image_args()      function IMAGE: sets run_image=(...), default (-kernel IMAGE)
#   run_accel_args()      optional function ACCEL: sets run_accel=(...), default (-accel ACCEL)
#   run_defaults()        optional function, gets the caller's QEMU args (and run_append, the
#                         caller's -append text): may set run_extra=(...), added before them
#                         (e.g. a -cpu default when the caller gave none)
#   run_exit_ok()         function QEMU-STATUS GUEST-CODE: true when QEMU's exit status is the
#                         one the guest's exit path gives for EXIT: STATUS=GUEST-CODE
#                         (run_tests.sh asks; every arch defines it: its exit device)
#
# Environment: ACCEL, QEMU, TIMEOUT (seconds; none by hand), MIGRATION=yes (host/migrate),
# RUN_DRY_RUN=1 (print the command line, run nothing). Set by run_tests.sh only:
# RUNNER_PID (QEMU dies when that process does; supervise then ends the output with its
# "supervise: status ..." line) and RUN_LIBRARY=1: run_tests.sh sources the arch script
# for its definitions (run_main then returns at once) and calls run_build_cmd and run_qemu
# itself, saving a bash start per test.

# shellcheck source=scripts/common.bash
source "${SRCDIR:?}/scripts/common.bash"

run_machine=()
run_devices=()
run_memory=256
run_base=(-nodefaults -no-reboot -display none)

run_image_args() {
	run_image=(-kernel "$1")
}

run_accel_args() {
	run_accel=(-accel "$1")
}

run_defaults() {
	:
}

# The arch's run script defines how QEMU ends through the guest's exit path.
run_exit_ok() {
	die "${BASH_SOURCE[1]:-the arch run script} does not define run_exit_ok"
}

run_usage() {
	cat >&2 <<EOF
usage: ${0##*/} IMAGE [QEMU args...] [-append "test args"]
Runs one test image under QEMU from a build directory. Environment: ACCEL=kvm|tcg,
QEMU=binary, TIMEOUT=seconds, RUN_DRY_RUN=1 (print the command only).
The exit status is QEMU's (x86: (guest code << 1) | 1).
EOF
	exit 2
}

# run_build_cmd IMAGE [ARGS...]: fill RUN_CMD with the complete QEMU command line.
run_build_cmd() {
	local image=$1 append='' have_append=0
	local -a user=()
	RUN_IMAGE=$image
	shift
	while [ $# -gt 0 ]; do
		if [ "$1" = -append ]; then
			[ $# -ge 2 ] || run_usage
			# several -append options join into one command line
			append+=${append:+ }$2
			have_append=1
			shift 2
		else
			user+=("$1")
			shift
		fi
	done
	: "$have_append"
	run_extra=()
	# shellcheck disable=SC2034 # for the arch's run_defaults
	run_append=$append
	run_defaults "${user[@]}"
	run_image_args "$image"
	run_accel_args "$ACCEL"
	# A new token for every run: the guest's exit path echoes it in its EXIT line, so no
	# other text (an argument, a line printed early) can pass for the guest's exit.
	printf -v RUN_EXIT_TOKEN '%08x%08x' "$SRANDOM" "$SRANDOM"
	# The guest's environment comes first on its command line (docs/HACKING.md).
	RUN_CMD=("$QEMU" "${run_base[@]}" "${run_accel[@]}" "${run_machine[@]}"
		"${run_devices[@]}" -m "$run_memory" "${run_extra[@]}" "${user[@]}" "${run_image[@]}"
		-append "QEMU_ACCEL=$ACCEL${KVM_MODULE:+ KVM_MODULE=$KVM_MODULE} EXIT_TOKEN=$RUN_EXIT_TOKEN${append:+ }$append")
}

# run_print_cmd: the command line, shell-quoted, one line (the first line of a test's log).
run_print_cmd() {
	local out='' w q
	for w in "${RUN_CMD[@]}"; do
		if [[ $w =~ ^[A-Za-z0-9_./,=:+@%-]+$ ]]; then
			out+=${out:+ }$w
		else
			printf -v q '%q' "$w"
			# prefer '...' to backslashes where possible: easier to copy by hand
			[[ $w == *"'"* || $w == *[$'\n\t']* ]] || q="'$w'"
			out+=${out:+ }$q
		fi
	done
	printf '%s\n' "$out"
}

# run_qemu: run RUN_CMD under the supervisor; replaces this shell (exec).
# MIGRATION=yes: the supervisor runs host/migrate (scripts/host/migrate.c), which starts
# RUN_CMD as the source and a destination after each migration the guest asks for;
# MIGRATION_MODE=precopy|postcopy picks how (docs/HACKING.md, "Migration").
# The image is checked first (supervise -i: FAIL naming it, never a silent boot);
# FIRST_OUTPUT_TIMEOUT (set by run_tests.sh) bounds the wait for the guest's first byte.
run_qemu() {
	local -a sup=("$SUPERVISE" -i "$RUN_IMAGE")
	[ -z "${TIMEOUT:-}" ] || sup+=(-t "$TIMEOUT")
	if [ -n "${FIRST_OUTPUT_TIMEOUT:-}" ] && [ "${FIRST_OUTPUT_TIMEOUT}" -lt "${TIMEOUT:-0}" ]; then
		sup+=(-f "$FIRST_OUTPUT_TIMEOUT")
	fi
	[ -z "${RUNNER_PID:-}" ] || sup+=(-w "$RUNNER_PID" -S)
	if [ "${MIGRATION:-no}" = yes ]; then
		if [ ! -x "$BUILD_DIR/host/migrate" ]; then
			echo "MIGRATION-ERROR: $BUILD_DIR/host/migrate is not built (make; needs libjansson-dev)" >&2
			exit 125
		fi
		export MIGRATION_MODE="${MIGRATION_MODE:-precopy}"
		exec "${sup[@]}" -- "$BUILD_DIR/host/migrate" -- "${RUN_CMD[@]}"
	fi
	exec "${sup[@]}" -- "${RUN_CMD[@]}"
}

# run_main IMAGE [ARGS...]: what every <arch>/run ends with.
run_main() {
	[ -z "${RUN_LIBRARY:-}" ] || return 0
	[ $# -ge 1 ] || run_usage
	case $1 in -h | --help) run_usage ;; esac
	load_config_mak "$PWD"
	[ -f "$1" ] || die "image $1 not found (build it with make)"
	find_qemu "$ARCH"
	pick_accel "$ARCH"
	run_build_cmd "$@"
	run_print_cmd >&2
	if [ -n "${RUN_DRY_RUN:-}" ]; then
		exit 0
	fi
	ensure_supervise
	run_qemu
}
