# shellcheck shell=bash
# Pieces shared by run_tests.sh and the <arch>/run scripts. Sourced, never run.
# Everything here is pure bash on the fast path: no forks while a run starts.
# run_tests.sh sources it, then the arch's run script does again: once is enough.
[ -z "${COMMON_BASH_LOADED:-}" ] || return 0
COMMON_BASH_LOADED=1

# die MESSAGE...: print to stderr and exit 2 (a usage or setup error, not a test failure).
die() {
	echo "${0##*/}: $*" >&2
	exit 2
}

# load_config_mak [DIR]: read DIR/config.mak (default: the current directory) without
# sourcing it, so that environment overrides (QEMU=...) survive. Sets BUILD_DIR and
# config_<KEY> for every KEY=value line; SRCDIR, ARCH and TEST_DIR as plain variables.
load_config_mak() {
	local dir=${1:-$PWD} line key
	[ -f "$dir/config.mak" ] ||
		die "no config.mak in $dir: run this from a build directory (./configure first)"
	BUILD_DIR=$dir
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in '#'* | '') continue ;; esac
		key=${line%%=*}
		[[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
		printf -v "config_$key" '%s' "${line#*=}"
	done <"$dir/config.mak"
	SRCDIR=${config_SRCDIR:-}
	# an installed tree says SRCDIR=.: relative to the directory of its config.mak
	[[ -z $SRCDIR || $SRCDIR == /* ]] || SRCDIR=$dir/$SRCDIR
	ARCH=${config_ARCH:-}
	TEST_DIR=${config_TEST_DIR:-}
	if [ -z "$SRCDIR" ] || [ -z "$ARCH" ] || [ -z "$TEST_DIR" ]; then
		die "$dir/config.mak lacks SRCDIR, ARCH or TEST_DIR: re-run configure"
	fi
}

# qemu_arch_of ARCH: the qemu-system-<suffix> that runs ARCH guests.
qemu_arch_of() {
	case $1 in
	x86_64 | i386) REPLY=x86_64 ;;
	arm64) REPLY=aarch64 ;;
	*) REPLY=$1 ;;
	esac
}

# find_qemu ARCH: set QEMU to the binary to use: $QEMU from the environment, else
# config.mak's QEMU, else qemu-system-<arch> from PATH. Dies when it does not exist.
find_qemu() {
	local want
	if [ -z "${QEMU:-}" ]; then
		qemu_arch_of "$1"
		QEMU=${config_QEMU:-qemu-system-$REPLY}
	fi
	want=$QEMU
	if [[ $want != */* ]]; then
		path_lookup "$want" || die "QEMU binary '$want' not found in PATH (set QEMU= or configure --qemu=)"
		QEMU=$REPLY
	fi
	if ! [ -f "$QEMU" ] || ! [ -x "$QEMU" ]; then
		die "QEMU binary '$want' not found or not executable (set QEMU= or configure --qemu=)"
	fi
}

# path_lookup NAME: REPLY=the first executable NAME in PATH (no fork, unlike type -P).
path_lookup() {
	local dir
	local -a dirs
	IFS=: read -r -a dirs <<<"${PATH:-}"
	for dir in "${dirs[@]}"; do
		if [ -f "${dir:-.}/$1" ] && [ -x "${dir:-.}/$1" ]; then
			REPLY=${dir:-.}/$1
			return 0
		fi
	done
	return 1
}

# host_cpus: HOST_CPUS = the CPUs this process may run on (like nproc, without a fork).
host_cpus() {
	local status='' list part n=0
	HOST_CPUS=''
	if [ -r /proc/self/status ]; then
		IFS= read -r -d '' status </proc/self/status || true
		if [[ $status =~ Cpus_allowed_list:[[:space:]]*([0-9,-]+) ]]; then
			list=${BASH_REMATCH[1]}
			for part in ${list//,/ }; do
				case $part in
				*-*) n=$((n + ${part#*-} - ${part%-*} + 1)) ;;
				*) n=$((n + 1)) ;;
				esac
			done
		fi
		[ "$n" -eq 0 ] || HOST_CPUS=$n
	fi
	[ -n "$HOST_CPUS" ] || HOST_CPUS=$(nproc 2>/dev/null) || HOST_CPUS=1
}

# kvm_usable: /dev/kvm is a character device that can be opened read-write. (Opening a
# missing /dev/kvm with <> would create a regular file there.)
kvm_usable() {
	local fd
	[ -c /dev/kvm ] || return 1
	{ exec {fd}<>/dev/kvm; } 2>/dev/null || return 1
	exec {fd}>&-
	return 0
}

# default_accel ARCH: REPLY=kvm when KVM can run ARCH guests on this host, else tcg.
default_accel() {
	local host=${HOSTTYPE:-}
	REPLY=tcg
	case $1/$host in
	x86_64/x86_64 | i386/x86_64 | i386/i?86 | arm64/aarch64 | s390x/s390x) ;;
	*) return 0 ;;
	esac
	if kvm_usable; then
		REPLY=kvm
	fi
	return 0
}

# pick_accel ARCH: ACCEL from the environment (validated), else default_accel.
# shellcheck disable=SC2034 # KVM_MODULE: used by arch-run.bash
pick_accel() {
	if [ -n "${ACCEL:-}" ]; then
		case $ACCEL in
		kvm | tcg) ;;
		*) die "ACCEL must be kvm or tcg, not '$ACCEL'" ;;
		esac
	else
		default_accel "$1"
		ACCEL=$REPLY
	fi
	# Which KVM: tests classify deviations of one host kind (e.g. the nested kvm_pvm) as known
	# only there. Told to the guest as KVM_MODULE=... (docs/HACKING.md).
	KVM_MODULE=
	if [ "$ACCEL" = kvm ]; then
		local m
		for m in kvm_pvm kvm_intel kvm_amd kvm; do
			if [ -d "/sys/module/$m" ]; then
				KVM_MODULE=$m
				break
			fi
		done
	fi
}

# ensure_supervise: set SUPERVISE to the process supervisor, building it from
# scripts/host/supervise.c and image.c into $BUILD_DIR/host/ when make has not (or it is stale).
ensure_supervise() {
	# shellcheck disable=SC2034 # used by arch-run.bash
	SUPERVISE=$BUILD_DIR/host/supervise
	ensure_host_tool supervise "$SRCDIR/scripts/host/image.c"
}

# ensure_host_tool NAME [ARGS...]: build $BUILD_DIR/host/NAME from scripts/host/NAME.c (ARGS:
# more sources and libraries, after it on the compiler's command line) when make has not, or
# when a source or scripts/host/*.h is newer; an installed tree has no sources and keeps what
# it has.
ensure_host_tool() {
	local src=$SRCDIR/scripts/host/$1.c bin=$BUILD_DIR/host/$1 tmp f stale=0
	[ -x "$bin" ] || stale=1
	for f in "$src" "${@:2}" "$SRCDIR"/scripts/host/*.h; do
		[[ $f == *.[ch] ]] || continue
		[ ! "$f" -nt "$bin" ] || stale=1
	done
	[ "$stale" = 1 ] || return 0
	[ -f "$src" ] || die "missing $src"
	mkdir -p "$BUILD_DIR/host" || die "cannot create $BUILD_DIR/host"
	tmp=$bin.tmp.$$
	if ! "${config_HOST_CC:-cc}" -O2 -Wall -std=gnu11 -o "$tmp" "$src" "${@:2}"; then
		rm -f "$tmp"
		die "cannot build $bin (host compiler '${config_HOST_CC:-cc}')"
	fi
	mv -f "$tmp" "$bin"
}

# split_words STRING: split like the shell would (whitespace, '...', "...", backslash)
# but without expanding anything; the words land in the array SPLIT.
split_words() {
	local s=$1 i c word='' have=0 quote=''
	SPLIT=()
	if [[ $s != *[\'\"\\]* ]]; then
		# nothing quoted: plain word splitting, globbing off (fast path)
		local -
		set -f
		# shellcheck disable=SC2206 # splitting is the point
		SPLIT=($s)
		return 0
	fi
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		if [ "$quote" = "'" ]; then
			if [ "$c" = "'" ]; then quote=''; else word+=$c; fi
		elif [ "$quote" = '"' ]; then
			if [ "$c" = '"' ]; then
				quote=''
			elif [ "$c" = "\\" ] && [[ ${s:i+1:1} == [\"\\\$\`] ]]; then
				word+=${s:i+1:1}
				i=$((i + 1))
			else
				word+=$c
			fi
		elif [ "$c" = "'" ] || [ "$c" = '"' ]; then
			quote=$c have=1
		elif [ "$c" = "\\" ]; then
			word+=${s:i+1:1}
			i=$((i + 1))
			have=1
		elif [[ $c == [[:space:]] ]]; then
			if [ "$have" = 1 ]; then SPLIT+=("$word"); fi
			word='' have=0
		else
			word+=$c have=1
		fi
	done
	[ -z "$quote" ] || return 1
	if [ "$have" = 1 ]; then SPLIT+=("$word"); fi
	return 0
}
