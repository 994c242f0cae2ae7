#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2034 # checks are strings for eval: they expand when they run
# The runner's own tests: run_tests.sh and <arch>/run against a fake QEMU (tests/fake-qemu)
# and made-up unittests.cfg files, in a scratch build directory. No guest image needed.
#   tests/run-runner-tests.sh [-v] [name-pattern]
# Last line: "SUMMARY: N passed, N failed, 0 skipped"; exit status non-zero on any failure.
set -euo pipefail

verbose=0
if [ "${1:-}" = -v ]; then verbose=1; shift; fi
only=${1:-}

src=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
fake=$src/tests/fake-qemu
runner=$src/run_tests.sh
scratch=$(mktemp -d "${TMPDIR:-/tmp}/runner-tests.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
# bash skips the EXIT trap when a signal ends it: turn signals into an exit
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
b=$scratch/build
mkdir -p "$b/x86" "$scratch/tmp" "$scratch/pids"
printf 'SRCDIR=%s\nARCH=x86_64\nTEST_DIR=x86\nHOST_CC=%s\nQEMU=\n' "$src" "${HOST_CC:-cc}" >"$b/config.mak"
# the runner and its host programs, built from these sources by the project's Makefile
if ! make -s -C "$b" -f "$src/Makefile" -j2 host/runner host/supervise host/results host/migrate \
	>"$scratch/make.out" 2>&1; then
	cat "$scratch/make.out"
	echo "SUMMARY: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
# make_elf FILE [FILESZ]: a minimal ELF64 image, one PT_LOAD of FILESZ bytes (default: the
# file's own 120 bytes; more makes a truncated image); the runner checks images before QEMU
make_elf() {
	local sz
	printf -v sz '\\x%02x\\x%02x' $((${2:-120} & 255)) $((${2:-120} >> 8))
	printf '\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0\x01\0\0\0%b%b%b%b' \
		'\0\0\0\0\0\0\0\0' '\x40\0\0\0\0\0\0\0' '\0\0\0\0\0\0\0\0' \
		'\0\0\0\0\x40\0\x38\0\x01\0\0\0\0\0\0\0' >"$1"
	printf '\x01\0\0\0\x05\0\0\0%b%b%b%b%b%b' '\0\0\0\0\0\0\0\0' \
		'\0\0\x10\0\0\0\0\0' '\0\0\x10\0\0\0\0\0' "$sz\\0\\0\\0\\0\\0\\0" \
		"$sz\\0\\0\\0\\0\\0\\0" '\0\x10\0\0\0\0\0\0' >>"$1"
}
make_elf "$b/x86/a.flat"
host_cpus=$(nproc)

passed=0 failed=0
out='' rc=0

ok() {
	passed=$((passed + 1))
	[ "$verbose" = 0 ] || echo "ok: $1"
}
bad() {
	failed=$((failed + 1))
	echo "FAILED: $1"
	[ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/    | /'
}
# expect NAME CONDITION-COMMAND...: record the outcome of a check; show $out when it fails
expect() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "$out"; fi
}
has() { [[ $out == *"$1"* ]]; }
hasline() { grep <<<"$out" -qxF -- "$1"; }
lastline() { [ "$(printf '%s\n' "$out" | tail -n 1)" = "$1" ]; }
want() { [ -z "$only" ] || [[ $1 == *$only* ]]; }

# run [ENV=VALUE...] -- ARGS...: run the runner in the scratch build dir; sets out and rc
run() {
	local -a env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	rc=0
	out=$(cd "$b" && env TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg UNITTESTS_CFG="$scratch/t.cfg" \
		"${env[@]}" "$runner" "$@" 2>&1) || rc=$?
}
cfg() { cat >"$scratch/t.cfg"; }
no_temp_left() { [ -z "$(ls -A "$scratch/tmp")" ]; }
# alive_in_group PGID: list the live (not zombie) processes of a process group
alive_in_group() {
	awk -v pg="$1" '$5 == pg && $3 != "Z" { print $1 }' /proc/[0-9]*/stat 2>/dev/null || true
}
# wait_for FILE...: wait until each file exists (at most 60 s: the bound only ends a broken
# run, a loaded machine never comes near it)
wait_for() {
	local f i
	for f in "$@"; do
		for ((i = 0; i < 600; i++)); do
			[ ! -e "$f" ] || break
			sleep 0.1
		done
	done
}
# all_dead: every fake QEMU recorded in pids/ is gone, with its process group (waits <= 60 s:
# a killed process is a zombie until reaped, and init may reap orphans late)
all_dead() {
	local f pid i left
	for ((i = 0; i < 600; i++)); do
		left=''
		for f in "$scratch"/pids/*.pid; do
			[ -e "$f" ] || continue
			pid=$(cat "$f")
			[ -z "$(alive_in_group "$pid")" ] || left+=" $pid"
		done
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	out+=$'\n'"still alive after 60 s:$left"
	return 1
}

# ---- cfg parsing errors: FILE:LINE, exit 2, nothing runs
cfg_error_case() { # NAME LINE MESSAGE-PART, cfg on stdin
	local name=$1 line=$2 msg=$3
	want "cfg-$name" || { cat >/dev/null; return 0; }
	cfg
	run -- -j1
	expect "cfg error: $name" eval '[ $rc = 2 ] && has "$scratch/t.cfg:'"$line"': " && has "'"$msg"'" && ! has SUMMARY'
}
cfg_error_case unknown-key 3 "unknown key 'fiel'" <<'EOF'
[a]
file = a.flat
fiel = b.flat
EOF
cfg_error_case outside-section 2 "outside any [test] section" <<'EOF'
# comment
file = a.flat
EOF
cfg_error_case missing-file 1 "has no 'file ='" <<'EOF'
[a]
smp = 2

[b]
file = a.flat
EOF
cfg_error_case duplicate-section 4 "duplicate test [a]" <<'EOF'
[a]
file = a.flat
# again
[a]
file = a.flat
EOF
cfg_error_case bad-smp 3 "bad smp 'two'" <<'EOF'
[a]
file = a.flat
smp = two
EOF
cfg_error_case bad-timeout 2 "bad timeout '5x'" <<'EOF'
[a]
timeout = 5x
file = a.flat
EOF
cfg_error_case zero-timeout 2 "bad timeout '0'" <<'EOF'
[a]
timeout = 0
file = a.flat
EOF
cfg_error_case bad-accel 3 "bad accel 'hvf'" <<'EOF'
[a]
file = a.flat
accel = hvf
EOF
cfg_error_case skip-on-kvm-no-reason 3 "bad skip_on_kvm 'kvm_pvm'" <<'EOF'
[a]
file = a.flat
skip_on_kvm = kvm_pvm
EOF
cfg_error_case skip-on-kvm-bad-module 3 "bad skip_on_kvm 'KVM-PVM hangs'" <<'EOF'
[a]
file = a.flat
skip_on_kvm = KVM-PVM hangs
EOF
cfg_error_case twice 3 "'smp' given twice" <<'EOF'
[a]
smp = 1
smp = 2
file = a.flat
EOF
cfg_error_case garbage 3 "expected '[name]' or 'key = value'" <<'EOF'
[a]
file = a.flat
what is this
EOF
cfg_error_case bad-header 1 "bad section header" <<'EOF'
[a b]
file = a.flat
EOF
cfg_error_case quote 3 "unterminated quote" <<'EOF'
[a]
file = a.flat
qemu_params = -device "foo
EOF

# ---- the main test list: one test per behaviour of the fake QEMU
cfg <<'EOF'
# every verdict the runner can reach
[pass]
file = a.flat
test_args = pass
groups = basic

[fail]
file = a.flat
test_args = fail
groups = basic

[skip]
file = a.flat
test_args = skip

[abort]
file = a.flat
test_args = abort

[poweroff]
file = a.flat
test_args = poweroff

[mismatch]
file = a.flat
test_args = mismatch

[noexit]
file = a.flat
test_args = noexit

[silent]
file = a.flat
test_args = silent

[refuse]
file = a.flat
test_args = refuse

[msrabort]
file = a.flat
test_args = msrabort

[segv]
file = a.flat
test_args = segv

[hang]
file = a.flat
test_args = hang
timeout = 1

[stubborn]
file = a.flat
test_args = stubborn
timeout = 1s

[missing]
file = nope.flat

[kvmonly]
file = a.flat
accel = kvm

[otherarch]
file = a.flat
arch = s390x

[check]
file = a.flat
check = /nonexistent/param=Y

[hidden]
file = a.flat
test_args = pass
groups = nodefault basic

[lying]
file = a.flat
test_args = lying

[kvmquirk]
file = a.flat
test_args = pass
skip_on_kvm = kvm_pvm,kvm_intel hangs there
EOF
if want verdicts; then
	run FAKE_QEMU_PIDDIR="$scratch/pids" -- -j 4
	expect "verdict pass" hasline "PASS pass (3 tests, 1 skipped)"
	expect "verdict fail" hasline "FAIL fail (1 of 2 tests failed)"
	expect "verdict skip" hasline "SKIP skip (needs a widget)"
	expect "verdict abort" hasline "FAIL abort (aborted: x86/foo.c:12: main: assertion failed: x == 1)"
	expect "verdict x86: QEMU exit 0 is not the debug-exit path" hasline "FAIL poweroff (EXIT: STATUS=0 but QEMU exit status 0)"
	expect "verdict EXIT/status mismatch" hasline "FAIL mismatch (EXIT: STATUS=0 but QEMU exit status 5)"
	expect "verdict no EXIT line" hasline "FAIL noexit (no EXIT line: guest crashed? QEMU exit status 1)"
	expect "verdict no output" hasline "FAIL silent (no output, QEMU exit status 1)"
	expect "verdict QEMU refused" hasline "SKIP refuse (qemu-system-x86_64: -cpu foo: unable to find CPU model 'foo')"
	expect "verdict QEMU abort at start" hasline "SKIP msrabort (qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0)"
	expect "verdict QEMU crash" hasline "FAIL segv (QEMU killed by signal 11, no EXIT line)"
	expect "verdict timeout" hasline "FAIL hang (timeout after 1 s)"
	expect "verdict timeout, SIGTERM ignored" hasline "FAIL stubborn (timeout after 1 s)"
	expect "verdict missing image" hasline "FAIL missing (image x86/nope.flat not built)"
	expect "verdict accel" hasline "SKIP kvmonly (needs accel kvm)"
	expect "verdict arch" hasline "SKIP otherarch (needs arch s390x)"
	expect "verdict check" hasline "SKIP check (needs /nonexistent/param = Y)"
	expect "skip_on_kvm: runs under tcg" hasline "PASS kvmquirk (3 tests, 1 skipped)"
	expect "verdict exit 0 after a FAIL line" hasline "FAIL lying (EXIT: STATUS=0, but 1 claims failed)"
	expect "nodefault not run" eval '! has hidden'
	expect "summary line last" lastline "SUMMARY: 2 passed, 11 failed, 6 skipped"
	expect "exit status on failure" eval '[ $rc = 1 ]'
	expect "no QEMU left after timeouts" all_dead
	expect "no temp files left" no_temp_left
	expect "log has the command line" eval 'head -n 1 "$b/logs/pass.log" | grep -qE -- "-append .QEMU_ACCEL=tcg EXIT_TOKEN=[0-9a-f]{16} pass"'
	expect "log has the output" grep -qxE "EXIT: STATUS=0 TOKEN=[0-9a-f]{16}" "$b/logs/pass.log"
	expect "log has QEMU's stderr" grep -q "unable to find CPU model" "$b/logs/refuse.log"
fi

if want tap; then
	run -- -t -j 3
	expect "tap version line" eval '[ "$(printf "%s\n" "$out" | head -n 1)" = "TAP version 13" ]'
	expect "tap plan line" eval '[ "$(printf "%s\n" "$out" | sed -n 2p)" = "1..19" ]'
	expect "tap one line per test, in sequence" eval \
		'[ "$(grep <<<"$out" -E "^(not )?ok [0-9]+ " | sed -E "s/^(not )?ok ([0-9]+) .*/\2/" | tr "\n" " ")" = "$(seq -s " " 1 19) " ]'
	expect "tap skip directive, lower case" eval 'grep <<<"$out" -qE "^ok [0-9]+ - skip # skip needs a widget$"'
	expect "tap not ok for QEMU errors, reason on a diagnostic line" eval \
		'grep <<<"$out" -A1 -E "^not ok [0-9]+ - segv$" | grep -xF "# result: FAIL (QEMU killed by signal 11, no EXIT line)" >/dev/null'
	expect "tap log path on a diagnostic line" hasline "# log: logs/segv.log"
	expect "tap descriptions are the cfg names only" eval \
		'! grep <<<"$out" -E "^(not )?ok " | grep -vqE "^(not )?ok [0-9]+ - [A-Za-z0-9_.+-]+( # skip .*)?$"'
	expect "tap sub-results as comments" hasline "# FAIL: two"
	expect "tap summary last" lastline "SUMMARY: 2 passed, 11 failed, 6 skipped"
	if perl -MTAP::Parser -e 1 2>/dev/null; then
		tapout=$out
		out=$(printf '%s\n' "$tapout" | perl -MTAP::Parser -e '
			local $/; my $p = TAP::Parser->new({ tap => <STDIN> });
			while (my $r = $p->next) {}
			my @e = $p->parse_errors;
			print "version=", $p->version, " planned=", $p->tests_planned, " run=",
				$p->tests_run, " good_plan=", ($p->is_good_plan ? 1 : 0), " errors=", scalar(@e), " @e\n";')
		expect "tap parses as TAP13 (TAP::Parser)" has "version=13 planned=19 run=19 good_plan=1 errors=0"
	fi
fi

if want select; then
	run -- -l
	expect "-l lists default tests" eval '[ $rc = 0 ] && hasline pass && hasline stubborn && ! hasline hidden'
	run -- -l -a
	expect "-a includes nodefault" eval 'hasline hidden && hasline pass'
	run -- -l -g basic
	expect "-g selects the group, nodefault included" eval '[ "$out" = "pass
fail
hidden" ]'
	run -- -l hidden skip
	expect "names select, in cfg order" eval '[ "$out" = "skip
hidden" ]'
	run -- -l -g basic skip
	expect "names and groups add up" eval '[ "$out" = "pass
fail
skip
hidden" ]'
	run -- nosuchtest
	expect "unknown test is an error" eval '[ $rc = 2 ] && has "unknown test '"'"'nosuchtest'"'"'"'
	run -- -g nosuchgroup
	expect "unknown group is an error" eval '[ $rc = 2 ] && has "unknown group '"'"'nosuchgroup'"'"'"'
	run -- -Z
	expect "unknown option is an error" eval '[ $rc = 2 ]'
	run -- -j 0
	expect "bad -j is an error" eval '[ $rc = 2 ]'
	run -- -h
	expect "-h prints usage, exit 0" eval '[ $rc = 0 ] && has "Usage:"'
	run QEMU=/nonexistent/qemu -- pass
	expect "missing QEMU binary is an error" eval '[ $rc = 2 ] && has "/nonexistent/qemu" && ! has SUMMARY'
	run QEMU=no-such-qemu-binary -- pass
	expect "QEMU not in PATH is an error" eval '[ $rc = 2 ] && has "no-such-qemu-binary"'
	run ACCEL=hvf -- pass
	expect "bad ACCEL is an error" eval '[ $rc = 2 ]'
	run -- pass kvmquirk
	expect "all passing: exit 0" eval '[ $rc = 0 ] && lastline "SUMMARY: 2 passed, 0 failed, 0 skipped"'
	run -- -v pass
	expect "-v prints the QEMU command line" eval 'grep <<<"$out" -q "^$fake .*-kernel x86/a.flat"'
	run -- skip
	expect "only skips: exit 0" eval '[ $rc = 0 ] && lastline "SUMMARY: 0 passed, 0 failed, 1 skipped"'
fi

if want args; then
	cfg <<'EOF'
[args]
file = a.flat
smp = 3
qemu_params = -cpu 'qemu64,+x2apic' -device "pci-testdev,id=a b" -global x=\"y
test_args = "args one 'two three'"
EOF
	run -- -j1
	out=$(cat "$b/logs/args.log")
	expect "smp passed" hasline "INFO: arg: 3"
	expect "qemu_params split like the shell" eval 'hasline "INFO: arg: qemu64,+x2apic" && hasline "INFO: arg: pci-testdev,id=a b" && hasline "INFO: arg: x=\"y"'
	expect "test_args after QEMU_ACCEL and the token, outer quotes dropped" eval 'grep <<<"$out" -qxE "INFO: arg: QEMU_ACCEL=tcg EXIT_TOKEN=[0-9a-f]{16} args one '"'"'two three'"'"'"'
	expect "x86 exit device" hasline "INFO: arg: isa-debug-exit,iobase=0xf4,iosize=0x4"
fi

if want smp; then
	cfg <<'EOF'
[big]
file = a.flat
smp = 64
test_args = pass
EOF
	run ACCEL=kvm -- big
	expect "KVM caps smp at host CPUs" hasline "SKIP big (needs 64 vCPUs, KVM host has $host_cpus)"
	run ACCEL=tcg -- big
	expect "TCG may exceed host CPUs" hasline "PASS big (3 tests, 1 skipped)"
fi

# Parallelism by what the fakes see, not by wall-clock time: each waits until N of them run
# at once (fake-qemu's barrier:N) and logs the most it saw at once.
# most_concurrent: the largest "INFO: concurrent: N" in the logs of s1..s4
most_concurrent() {
	cat "$b"/logs/s[1-4].log | sed -n 's/^INFO: concurrent: //p' | sort -n | tail -n 1
}
parallel_case() { # JOBS
	rm -rf "$scratch"/pids/*
	sed "s/@N@/$1/" <<'EOF' | cfg
[s1]
file = a.flat
test_args = barrier:@N@
[s2]
file = a.flat
test_args = barrier:@N@
[s3]
file = a.flat
test_args = barrier:@N@
[s4]
file = a.flat
test_args = barrier:@N@
EOF
	run FAKE_QEMU_PIDDIR="$scratch/pids" -- -j "$1"
}
if want parallel; then
	parallel_case 4
	expect "-j 4 runs four at once" eval '[ "$(most_concurrent)" = 4 ] && lastline "SUMMARY: 4 passed, 0 failed, 0 skipped"'
	expect "-j output lines whole" eval '[ "$(grep <<<"$out" -cxE "PASS s[1-4] \(3 tests, 1 skipped\)")" = 4 ]'
	parallel_case 2
	expect "-j 2 runs two at a time, never more" eval '[ "$(most_concurrent)" = 2 ] && lastline "SUMMARY: 4 passed, 0 failed, 0 skipped"'
fi

# ---- signals: nothing outlives the runner
signal_case() { # NAME SIGNAL EXPECTED-RC
	local name=$1 sig=$2 want_rc=$3 pid
	rm -rf "$scratch"/pids/*
	cfg <<'EOF'
[h1]
file = a.flat
test_args = hang
timeout = 60
[h2]
file = b.flat
test_args = stubborn
timeout = 60
[h3]
file = a.flat
test_args = pass
EOF
	make_elf "$b/x86/b.flat"
	# Own process group: a background job would otherwise ignore SIGINT. Default signal
	# actions: when these tests were started in the background of a non-interactive shell,
	# they inherit SIGINT ignored, which bash can neither trap nor reset.
	set -m
	(cd "$b" && exec env --default-signal=INT,QUIT TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg UNITTESTS_CFG="$scratch/t.cfg" \
		FAKE_QEMU_PIDDIR="$scratch/pids" "$runner" -j 2 >"$scratch/sig.out" 2>&1) &
	pid=$!
	set +m
	wait_for "$scratch/pids/a.flat.ready" "$scratch/pids/b.flat.ready"
	kill "-$sig" "$pid"
	rc=0
	{ wait "$pid"; } 2>/dev/null || rc=$?
	out=$(cat "$scratch/sig.out")
	if [ "$sig" = KILL ]; then
		expect "$name: no QEMU left" all_dead
		rm -rf "${scratch:?}"/tmp/*
		return 0
	fi
	expect "$name: exit status $want_rc" eval '[ $rc = '"$want_rc"' ]'
	expect "$name: running tests marked interrupted" eval 'hasline "FAIL h1 (interrupted)" && hasline "FAIL h2 (interrupted)"'
	expect "$name: unstarted tests still listed" hasline "SKIP h3 (not run: interrupted)"
	expect "$name: summary last" lastline "SUMMARY: 0 passed, 2 failed, 1 skipped"
	expect "$name: no QEMU left" all_dead
	expect "$name: no temp files left" no_temp_left
}
if want signals; then
	signal_case SIGINT INT 130
	signal_case SIGTERM TERM 143
	signal_case SIGKILL KILL 137
fi

# ---- verdicts that must not be fooled: each case injects the fault itself
# start_runner OUTFILE: the runner in the background on $scratch/t.cfg (pid in $bg_pid)
start_runner() {
	(cd "$b" && exec env TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg UNITTESTS_CFG="$scratch/t.cfg" \
		FAKE_QEMU_PIDDIR="$scratch/pids" "$runner" >"$1" 2>&1) &
	bg_pid=$!
}
# hang_cfg: one test whose fake QEMU hangs (and says it is ready) until killed
hang_cfg() {
	rm -f "$scratch"/pids/*
	cfg <<'EOF'
[h1]
file = a.flat
test_args = hang
timeout = 60
EOF
}

# A whole-subject skip after a passing set-up claim; guest output after its exit; QEMU that
# cannot load the kernel; truncated and empty images (checked before QEMU starts); a guest
# that never prints (bounded by FIRST_OUTPUT_TIMEOUT, not by the test's timeout).
if want injections; then
	cfg <<'EOF'
[skipall]
file = a.flat
test_args = skipall
[afterexit]
file = a.flat
test_args = afterexit
[loadfail]
file = a.flat
test_args = loadfail
[cut]
file = cut.flat
test_args = pass
[empty]
file = empty.flat
test_args = pass
[quiet]
file = a.flat
test_args = quiet
timeout = 60
EOF
	make_elf "$b/x86/cut.flat" 4096
	: >"$b/x86/empty.flat"
	run FIRST_OUTPUT_TIMEOUT=1 -- -j 3
	expect "subject absent after a set-up claim: SKIP with its reason" hasline "SKIP skipall (gicv3: its-trigger: no ITS in the device tree)"
	expect "output after EXIT: FAIL" hasline "FAIL afterexit (EXIT: STATUS=0 was not the guest's last word: 'PASS: printed after the exit' followed)"
	expect "QEMU cannot load the kernel: FAIL" hasline "FAIL loadfail (QEMU cannot load the image: qemu-system-x86_64: Error while loading elf kernel)"
	expect "truncated image: FAIL naming it" hasline "FAIL cut (bad image x86/cut.flat: truncated: loadable segment 0 ends at byte 4096, the file has 120)"
	expect "empty image: FAIL naming it" hasline "FAIL empty (bad image x86/empty.flat: empty file)"
	expect "silent guest: FAIL at the first-output bound, not the 60 s timeout" hasline "FAIL quiet (no output from the guest within 1.000 s)"
	expect "injections: summary" lastline "SUMMARY: 0 passed, 5 failed, 1 skipped"
fi

# Text that looks like an exit, then QEMU ended from outside (a signal to QEMU itself, as
# a host shutdown or an impatient user would): QEMU's handler exits 0, and the EXIT line
# lacks the run's token. FAIL, saying how QEMU ended.
false_exit_case() { # NAME SIGNAL EXPECTED-LINE
	local name=$1 sig=$2 line=$3
	rm -f "$scratch"/pids/*
	cfg <<'EOF'
[liar]
file = a.flat
test_args = "echo:EXIT: STATUS=0|SUMMARY: 1 tests, 0 unexpected failures, 0 expected failures, 0 known failures, 0 skipped"
timeout = 60
EOF
	start_runner "$scratch/liar.out"
	wait_for "$scratch/pids/a.flat.ready"
	kill "-$sig" "$(cat "$scratch/pids/a.flat.pid")"
	rc=0
	wait "$bg_pid" || rc=$?
	out=$(cat "$scratch/liar.out")
	expect "false exit, QEMU got SIG$sig: $line" eval 'hasline "$line" && [ $rc = 1 ]'
}
if want false-exit; then
	false_exit_case term TERM "FAIL liar (QEMU ended by signal 15 from pid unknown, not through the guest's exit)"
	false_exit_case kill KILL "FAIL liar (QEMU killed by signal 9, no EXIT line ('EXIT: STATUS=0' lacks this run's token))"
fi

# Two runs in one build directory: the second is refused at once, the first is untouched.
if want concurrent; then
	hang_cfg
	start_runner "$scratch/first.out"
	first=$bg_pid
	wait_for "$scratch/pids/a.flat.ready"
	run -- h1
	expect "second run in the same build dir refused" eval '[ $rc = 2 ] && has "another run_tests.sh (pid $first) is running" && ! has SUMMARY'
	kill -TERM "$first"
	rc=0
	wait "$first" || rc=$?
	out=$(cat "$scratch/first.out")
	expect "first run keeps its own verdicts" eval '[ $rc = 143 ] && hasline "FAIL h1 (interrupted)" && lastline "SUMMARY: 0 passed, 1 failed, 0 skipped"'
	run -- -l
	expect "the lock goes with the run" eval '[ $rc = 0 ]'
fi

# SIGINT to a run a script started in the background (which starts with SIGINT ignored).
if want sigint-background; then
	hang_cfg
	rc=0
	out=$(cd "$b" && TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg UNITTESTS_CFG="$scratch/t.cfg" \
		FAKE_QEMU_PIDDIR="$scratch/pids" bash -c '
		"$1" >"$2" 2>&1 &
		pid=$!
		for ((i = 0; i < 600; i++)); do
			[ -e "$3/a.flat.ready" ] && break
			sleep 0.1
		done
		grep -q "^SigIgn:.*[2367abef]$" /proc/$pid/status && echo "SIGINT ignored at start"
		kill -INT $pid
		wait $pid
		echo "rc=$?"' bash "$runner" "$scratch/bg.out" "$scratch/pids" 2>&1) || rc=$?
	out+=$'\n'$(cat "$scratch/bg.out")
	expect "SIGINT stops a run started in a script's background" eval 'hasline "rc=130" && hasline "FAIL h1 (interrupted)"'
	expect "SIGINT background: no QEMU left" all_dead
fi

# ---- the run script by hand
if want run-script; then
	rc=0
	out=$(cd "$b" && RUN_DRY_RUN=1 QEMU="$fake" ACCEL=tcg "$src/x86/run" x86/a.flat -smp 2 -append "x y" 2>&1) || rc=$?
	expect "x86/run dry run prints the command" eval '[ $rc = 0 ] && [[ $out =~ "-smp 2 -kernel x86/a.flat -append '"'"'QEMU_ACCEL=tcg EXIT_TOKEN="[0-9a-f]{16}" x y'"'"'" ]]'
	rc=0
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg "$src/x86/run" x86/a.flat -append fail 2>&1) || rc=$?
	expect "x86/run exit status is QEMU's" eval '[ $rc = 3 ] && has "EXIT: STATUS=1 TOKEN="'
	rc=0
	out=$(cd "$b" && QEMU="$fake" "$src/x86/run" x86/nope.flat 2>&1) || rc=$?
	expect "x86/run missing image" eval '[ $rc = 2 ] && has "x86/nope.flat"'
fi

# The cfg is parsed on every run, never taken from an earlier one: an edit that keeps the
# size and the mtime, another cfg file, errors reported every time, nothing left behind.
if want cfg-fresh; then
	printf '[c1]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	run -- -l
	expect "cfg: listed" eval '[ "$out" = c1 ]'
	touch -r "$scratch/t.cfg" "$scratch/ref"
	printf '[c2]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	touch -r "$scratch/ref" "$scratch/t.cfg"
	run -- -l
	expect "cfg: same size and mtime, new text" eval '[ "$out" = c2 ]'
	cp "$scratch/t.cfg" "$scratch/u.cfg"
	printf '[c3]\nfile = a.flat\n' >>"$scratch/u.cfg"
	run UNITTESTS_CFG="$scratch/u.cfg" -- -l
	expect "cfg: another cfg file" eval '[ "$out" = "c2
c3" ]'
	printf '[c1]\nfile = a.flat\nsmp = x\n' >"$scratch/t.cfg"
	run -- -l
	expect "cfg: errors reported" eval '[ $rc = 2 ] && has "t.cfg:3: bad smp"'
	run -- -l
	expect "cfg: errors reported again" eval '[ $rc = 2 ] && has "t.cfg:3: bad smp"'
	expect "cfg: no temporary file left" eval '[ -z "$(ls "$b/logs" | grep tmp)" ]'
fi

# A stopped QEMU (SIGTTOU, SIGSTOP) must still die of the timeout's SIGTERM, not of the
# SIGKILL after the grace period: the supervisor's status line in the log names the signal.
if want stopped; then
	rm -rf "$scratch"/pids/*
	cfg <<'EOF'
[stopped]
file = a.flat
test_args = stopped
timeout = 1
EOF
	run FAKE_QEMU_PIDDIR="$scratch/pids" -- stopped
	expect "stopped QEMU: timeout verdict" hasline "FAIL stopped (timeout after 1 s)"
	out=$(cat "$b/logs/stopped.log")
	expect "stopped QEMU: killed by the SIGTERM, not the SIGKILL" has "signal=15 timeout=1"
	expect "stopped QEMU: no QEMU left" all_dead
fi

# The run script typed at a terminal: QEMU (which sets the terminal up, as the fake does
# with stty) must not be stopped by SIGTTOU in its own process group; under timeout(1)
# (a background group) it must not either, and nothing may outlive the timeout. A stopped
# QEMU shows as timeout(1)'s status 124 (first case) or as a missing "PASS: one" (second);
# the second case's timeout fires when the fake is ready (SIGALRM is how timeout(1) times
# out), so that no start-up time on a loaded machine can beat it.
if want tty && command -v script >/dev/null; then
	rm -rf "$scratch"/pids/*
	rc=0
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg FAKE_QEMU_PIDDIR="$scratch/pids" timeout 180 \
		script -qec "timeout -k 1 60 '$src/x86/run' x86/a.flat -append pass; echo rc=\$?" /dev/null 2>&1) || rc=$?
	expect "tty: run script in the foreground is not stopped" eval 'has "EXIT: STATUS=0" && has "rc=1"'
	rc=0
	ready=$scratch/pids/a.flat.ready
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg FAKE_QEMU_PIDDIR="$scratch/pids" timeout 180 \
		script -qec "timeout 120 '$src/x86/run' x86/a.flat -append hang & t=\$!
			i=0; while [ ! -e '$ready' ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
			kill -ALRM \$t; wait \$t; echo rc=\$?" /dev/null 2>&1) || rc=$?
	expect "tty: run script under timeout ends at the timeout" eval 'has "PASS: one" && has "rc=124"'
	expect "tty: no QEMU left" all_dead
fi

# ---- what CI farms read and do: stable TAP names, JUnit, JSON, -o, compare-results, -x,
# expectations, shards, longest first, vCPU slots, MAX_SMP, an installed tree
# tapnames: the test names of the TAP lines in $out
tapnames() { printf '%s\n' "$out" | sed -nE 's/^(not )?ok [0-9]+ - ([^ ]+).*/\2/p'; }
if want tap-names; then
	cfg <<'EOF'
[counted]
file = a.flat
test_args = count:3
[other]
file = a.flat
test_args = skip
EOF
	run -- -t -j1
	names1=$(tapnames) tap1=$out
	sed -i 's/count:3/count:7/; s/test_args = skip/test_args = fail/' "$scratch/t.cfg"
	run -- -t -j1
	names2=$(tapnames)
	expect "tap names are the cfg names" eval '[ "$names1" = "counted
other" ]'
	expect "tap names stay when counts, reasons and verdicts change" eval '[ "$names1" = "$names2" ]'
	expect "tap counts on a diagnostic line" eval 'hasline "# result: PASS (7 tests)" && [[ $tap1 == *"# result: PASS (3 tests)"* ]]'
fi

if want junit || want json; then
	cfg <<'EOF'
[jpass]
file = a.flat
test_args = pass
[jfail]
file = a.flat
test_args = fail
[jskip]
file = a.flat
test_args = skip
[jnasty]
file = a.flat
test_args = nasty
[jkvm]
file = a.flat
accel = kvm
EOF
	rm -f "$scratch/junit.xml" "$b/logs/results.json"
	run -- -j2 --junit "$scratch/junit.xml"
	runout=$out
fi
if want junit; then
	out=$(xmllint --noout --schema "$src/tests/junit.xsd" "$scratch/junit.xml" 2>&1) || true
	expect "junit validates against tests/junit.xsd (xmllint)" has "junit.xml validates"
	xp() { xmllint --xpath "$1" "$scratch/junit.xml" 2>/dev/null; }
	out=$(cat "$scratch/junit.xml")
	expect "junit: one testsuite named arch-accel, with its counts" eval \
		'[ "$(xp "count(//testsuite)")" = 1 ] && [ "$(xp "string(//testsuite/@name)")" = x86_64-tcg ] &&
		[ "$(xp "string(//testsuite/@tests)")" = 5 ] && [ "$(xp "string(//testsuite/@failures)")" = 2 ] &&
		[ "$(xp "string(//testsuite/@skipped)")" = 2 ]'
	expect "junit: failure message is the reason" eval \
		'[ "$(xp "string(//testcase[@name=\"jfail\"]/failure/@message)")" = "1 of 2 tests failed" ]'
	expect "junit: skipped message is the reason" eval \
		'[ "$(xp "string(//testcase[@name=\"jkvm\"]/skipped/@message)")" = "needs accel kvm" ]'
	expect "junit: the log is system-out" eval \
		'[[ "$(xp "string(//testcase[@name=\"jpass\"]/system-out)")" == *"-kernel x86/a.flat"*"EXIT: STATUS=0"* ]]'
	expect "junit: a time per test" eval '[ "$(xp "count(//testcase[@time])")" = 5 ]'
	expect "junit: markup and bad bytes escaped" eval \
		'[[ "$(xp "string(//testcase[@name=\"jnasty\"]/system-out)")" == *"FAIL: <markup> & \"quotes\" ]]>"* ]]'
	sed 's/ classname="[^"]*"//' "$scratch/junit.xml" >"$scratch/broken.xml"
	out=$(xmllint --noout --schema "$src/tests/junit.xsd" "$scratch/broken.xml" 2>&1) || true
	expect "junit: the schema check can fail (no classname)" has "fails to validate"
fi
if want json; then
	j=$b/logs/results.json
	jqt() { jq -e "$1" "$j" >/dev/null 2>&1; }
	out=$(cat "$j" 2>&1)
	expect "json: written by every run, valid" jqt '.tests | length == 5'
	expect "json: verdict, reason, counts, duration, command of a test" jqt \
		'.tests[] | select(.name == "jfail") | .verdict == "FAIL" and .reason == "1 of 2 tests failed"
		and .counts.tests == 2 and .counts.failed == 1 and (.duration_s | type == "number")
		and (.qemu_command | test("^'"$fake"' .*-kernel x86/a.flat")) and .log == "logs/jfail.log"'
	expect "json: a test that did not run has no duration" jqt \
		'.tests[] | select(.name == "jkvm") | .verdict == "SKIP" and (has("duration_s") | not)'
	expect "json: environment" jqt \
		'.environment | .arch == "x86_64" and .accel == "tcg" and .qemu_version == "QEMU emulator version 7.2.5 (fake)"
		and (.host_kernel | length > 0) and has("kvm_module") and has("kvm_parameters") and has("cpu_model")
		and (.version | length > 0)'
	expect "json: summary" jqt '.summary == {"passed": 1, "failed": 2, "skipped": 2}'
	# the QEMU version cache: used while the binary is the same file, never after a replace
	# that keeps an old mtime (as a package upgrade does)
	cp "$fake" "$scratch/qemu-v"
	qv() { jq -r .environment.qemu_version "$scratch/qv/results.json"; }
	run QEMU="$scratch/qemu-v" FAKE_QEMU_VERSION=7.0.0 -- -o "$scratch/qv" jpass
	v1=$(qv)
	run QEMU="$scratch/qemu-v" FAKE_QEMU_VERSION=1.0.0 -- -o "$scratch/qv" jpass
	v2=$(qv)
	cp "$fake" "$scratch/qemu-v.new" && touch -d 2001-01-01 "$scratch/qemu-v.new" && mv "$scratch/qemu-v.new" "$scratch/qemu-v"
	run QEMU="$scratch/qemu-v" FAKE_QEMU_VERSION=9.0.0 -- -o "$scratch/qv" jpass
	v3=$(qv)
	out="$v1 / $v2 / $v3"
	expect "json: QEMU version cached while the binary stays, asked again once replaced" eval \
		'[ "$v1" = "QEMU emulator version 7.0.0 (fake)" ] && [ "$v2" = "$v1" ] && [ "$v3" = "QEMU emulator version 9.0.0 (fake)" ]'
	ver=$(jq -r .environment.version "$j")
	run -- --version
	expect "--version prints the version in results.json" eval '[ $rc = 0 ] && [ "$out" = "$ver" ]'
fi

if want outdir; then
	printf '[o1]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	rm -rf "$b/logs" "$b/out-b" "$scratch/out-a"
	run -- -o "$scratch/out-a" o1
	run ACCEL=kvm -- -o out-b o1
	expect "-o DIR: logs and results there, not in logs/" eval \
		'[ -f "$scratch/out-a/o1.log" ] && [ -f "$scratch/out-a/results.json" ] && [ -f "$b/out-b/o1.log" ] && [ ! -e "$b/logs/o1.log" ]'
	expect "-o DIR: two accelerators do not overwrite each other" eval \
		'grep -q "accel tcg" "$scratch/out-a/o1.log" && grep -q "accel kvm" "$b/out-b/o1.log"'
fi

if want compare; then
	cfg <<'EOF'
[c-fix]
file = a.flat
test_args = fail
[c-break]
file = a.flat
test_args = pass
[c-skip]
file = a.flat
test_args = pass
[c-slow]
file = a.flat
test_args = pass
[c-same]
file = a.flat
test_args = pass
[c-gone]
file = a.flat
test_args = pass
EOF
	run -- -j4 -o "$scratch/old"
	cfg <<'EOF'
[c-fix]
file = a.flat
test_args = pass
[c-break]
file = a.flat
test_args = fail
[c-skip]
file = a.flat
test_args = skip
[c-slow]
file = a.flat
test_args = sleep:2.5
[c-same]
file = a.flat
test_args = pass
[c-new]
file = a.flat
test_args = fail
EOF
	run -- -j4 -o "$scratch/new"
	rc=0
	out=$(cd "$b" && "$src/scripts/compare-results" "$scratch/old/results.json" "$scratch/new/results.json" 2>&1) || rc=$?
	expect "compare-results: new failures" eval \
		'hasline "new failure: c-break (1 of 2 tests failed; was PASS)" && hasline "new failure: c-new (1 of 2 tests failed; was absent)"'
	expect "compare-results: fixed, new skip, gone" eval \
		'hasline "fixed: c-fix (PASS, was FAIL)" && hasline "new skip: c-skip (needs a widget; was PASS)" && hasline "gone: c-gone (was PASS)"'
	expect "compare-results: slower" eval 'grep <<<"$out" -q "^slower: c-slow ([2-9]\."'
	expect "compare-results: regression is exit 1" eval '[ $rc = 1 ] && ! has c-same && lastline "COMPARE: 2 new failures, 1 fixed, 1 new skips, 1 slower, 1 gone: REGRESSION"'
	rc=0
	out=$(cd "$b" && "$src/scripts/compare-results" "$scratch/new/results.json" "$scratch/new/results.json" 2>&1) || rc=$?
	expect "compare-results: same run, exit 0" eval '[ $rc = 0 ] && has "no regression"'
	rc=0
	out=$(cd "$b" && "$src/scripts/compare-results" "$scratch/new/results.json" "$scratch/nope.json" 2>&1) || rc=$?
	expect "compare-results: unreadable file, exit 2" eval '[ $rc = 2 ]'
fi

if want exclude; then
	printf '[x1]\nfile = a.flat\n[x2]\nfile = a.flat\n[x3]\nfile = a.flat\n' >"$scratch/t.cfg"
	run -- -l -x x1,x3
	expect "-x leaves tests out" eval '[ "$out" = x2 ]'
	run -- -l -x x1 -x x2
	expect "-x adds up" eval '[ "$out" = x3 ]'
	run -- -l -x nosuch
	expect "-x of an unknown test is an error" eval '[ $rc = 2 ] && has "unknown test '"'"'nosuch'"'"'"'
fi

if want expect; then
	cfg <<'EOF'
[e-fail]
file = a.flat
test_args = fail
[e-pass]
file = a.flat
test_args = pass
[e-kvm]
file = a.flat
test_args = fail
[e-ver]
file = a.flat
test_args = fail
[e-skip]
file = a.flat
test_args = hang
[e-abort]
file = a.flat
test_args = abort
expect = abort
[e-noabort]
file = a.flat
test_args = pass
expect = abort
EOF
	cat >"$scratch/exp" <<'EOF'
# test    verdict  conditions...             reason
e-fail    FAIL     known bug 123
e-pass    FAIL     fixed upstream by now?
e-kvm     FAIL     accel=kvm                 only under KVM
e-ver     FAIL     qemu<7.2                  fixed in 7.2
e-ver     FAIL     qemu>=7.2 qemu<8.0 accel=tcg,kvm arch=x86_64  broken in 7.2 TCG
e-skip    SKIP     arch=arm64,x86_64         hangs the farm's boards
not-in-this-cfg FAIL  another arch's test
EOF
	run -- -j4 --expect "$scratch/exp"
	expect "expectations: an expected FAIL is XFAIL" hasline "XFAIL e-fail (1 of 2 tests failed; expected: known bug 123)"
	expect "expectations: an unexpected pass is XPASS, a failure" hasline "XPASS e-pass (passed, expected to fail: fixed upstream by now?)"
	expect "expectations: conditions (accel)" hasline "FAIL e-kvm (1 of 2 tests failed)"
	expect "expectations: conditions (QEMU version), the first match" hasline "XFAIL e-ver (1 of 2 tests failed; expected: broken in 7.2 TCG)"
	expect "expectations: SKIP, not run" hasline "SKIP e-skip (hangs the farm's boards)"
	expect "cfg expect = abort: an abort PASSes" hasline "PASS e-abort (expected abort: x86/foo.c:12: main: assertion failed: x == 1)"
	expect "cfg expect = abort: no abort FAILs" hasline "FAIL e-noabort (expected an abort, got PASS: 3 tests, 1 skipped)"
	expect "expectations: XFAIL not counted as a failure" lastline "SUMMARY: 1 passed, 3 failed, 3 skipped"
	run -- -t --expect "$scratch/exp" e-fail e-abort
	expect "expectations: only expected failures, exit 0" eval '[ $rc = 0 ] && lastline "SUMMARY: 1 passed, 0 failed, 1 skipped"'
	expect "expectations: TAP TODO directive" eval 'grep <<<"$out" -qE "^not ok [0-9]+ - e-fail # TODO expected failure$"'
	run FAKE_QEMU_VERSION=8.1.0 -- -o "$scratch/qemu8" --expect "$scratch/exp" e-ver
	expect "expectations: QEMU version from the binary" hasline "FAIL e-ver (1 of 2 tests failed)"
	printf 'e-fail MAYBE sometimes\n' >"$scratch/exp2"
	run -- --expect "$scratch/exp2" e-fail
	expect "expectations: bad verdict is FILE:LINE, exit 2" eval '[ $rc = 2 ] && has "exp2:1:"'
	printf '# x\ne-fail FAIL qemu<seven reason\n' >"$scratch/exp2"
	run -- --expect "$scratch/exp2" e-fail
	expect "expectations: bad condition is FILE:LINE, exit 2" eval '[ $rc = 2 ] && has "exp2:2: bad QEMU version"'
	printf 'e-fail FAIL accel=tcg\n' >"$scratch/exp2"
	run -- --expect "$scratch/exp2" e-fail
	expect "expectations: a reason is required" eval '[ $rc = 2 ] && has "exp2:1: no reason"'
fi

if want shard; then
	cfg <<'EOF'
[s1]
file = a.flat
timeout = 10
[s2]
file = a.flat
timeout = 70
smp = 2
[s3]
file = a.flat
[s4]
file = a.flat
timeout = 5
[s5]
file = a.flat
timeout = 30
[s6]
file = a.flat
[s7]
file = a.flat
groups = nodefault
EOF
	run -- -l
	all=$out
	for n in 1 2 3 4 9; do
		union='' ok_stable=1
		for ((k = 1; k <= n; k++)); do
			run -- -l --shard "$k/$n"
			union+=$out$'\n'
			first=$out
			run -- -l --shard "$k/$n"
			[ "$out" = "$first" ] || ok_stable=0
		done
		out=$union
		expect "shard K/$n: disjoint and complete" eval \
			'[ "$(printf "%s" "$union" | grep -v "^$" | sort)" = "$(printf "%s\n" "$all" | sort)" ]'
		expect "shard K/$n: stable" eval '[ $ok_stable = 1 ]'
	done
	printf '{"tests": [{"name": "s1", "duration_s": 8}, {"name": "s2", "duration_s": 7}, {"name": "s3", "duration_s": 6},
		{"name": "s4", "duration_s": 5}, {"name": "s5", "duration_s": 4}, {"name": "s6", "duration_s": 3},
		{"name": "s7", "duration_s": 2}]}\n' >"$scratch/dur.json"
	run -- -l -a --shard 1/2 --durations "$scratch/dur.json"
	expect "shard: balanced by durations (8+5+4 | 7+6+3+2)" eval '[ "$out" = "s1
s4
s5" ]'
	run -- -l -a --shard 2/2 --durations "$scratch/dur.json"
	expect "shard: the other half" eval '[ "$out" = "s2
s3
s6
s7" ]'
	run -- -l --shard 3/2
	expect "shard: K > N is an error" eval '[ $rc = 2 ]'
	run -- -l --shard 1
	expect "shard: not K/N is an error" eval '[ $rc = 2 ]'
fi

if want longest; then
	printf '[l1]\nfile = a.flat\ntest_args = pass\n[l2]\nfile = a.flat\ntest_args = pass\n[l3]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	printf '{"tests": [{"name": "l1", "duration_s": 1}, {"name": "l2", "duration_s": 2}, {"name": "l3", "duration_s": 3}]}\n' >"$scratch/dur.json"
	run -- -j1 --durations "$scratch/dur.json"
	expect "durations known: longest first" eval '[ "$(printf "%s\n" "$out" | head -n 3 | cut -d" " -f2 | tr "\n" " ")" = "l3 l2 l1 " ]'
	run -- -j1
	expect "durations unknown: cfg order" eval '[ "$(printf "%s\n" "$out" | head -n 3 | cut -d" " -f2 | tr "\n" " ")" = "l1 l2 l3 " ]'
fi

if want vcpus; then
	printf '[v1]\nfile = a.flat\nsmp = 2\ntest_args = sleep:1\n[v2]\nfile = a.flat\nsmp = 2\ntest_args = sleep:1\n' >"$scratch/t.cfg"
	# serial: the run took at least the sum of the tests' times; overlapped: less (load-proof)
	overlap='([.tests[].duration_s] | add) > .duration_s'
	run ACCEL=kvm MAX_SMP=2 -- -j 2
	expect "KVM: a test's vCPUs count against -j (2 x 2 vCPUs, -j 2: one at a time)" eval \
		'lastline "SUMMARY: 2 passed, 0 failed, 0 skipped" && jq -e "$overlap | not" "$b/logs/results.json" >/dev/null'
	run ACCEL=tcg -- -j 2
	expect "TCG: one slot per test (both at once)" eval 'jq -e "$overlap" "$b/logs/results.json" >/dev/null'
	printf '[big]\nfile = a.flat\nsmp = 64\ntest_args = pass\n' >"$scratch/t.cfg"
	run ACCEL=kvm MAX_SMP=64 -- big
	expect "MAX_SMP: KVM overcommits vCPUs" hasline "PASS big (3 tests, 1 skipped)"
	run ACCEL=kvm MAX_SMP=32 -- big
	expect "MAX_SMP: above it a SKIP that names it" has "SKIP big (needs 64 vCPUs, KVM host has $host_cpus and MAX_SMP=32)"
fi

if want install; then
	printf '[i1]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	run -- i1
	rm -rf "$scratch/inst" "$scratch/moved" "$scratch/elsewhere"
	out=$(UNITTESTS_CFG="$scratch/t.cfg" "$src/scripts/install-tree.sh" "$b" "$scratch/inst" 2>&1) || true
	mv "$scratch/inst" "$scratch/moved"
	mkdir -p "$scratch/elsewhere"
	rc=0
	out=$(cd "$scratch/elsewhere" && env -u UNITTESTS_CFG TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg \
		PATH=/usr/bin:/bin "$scratch/moved/run_tests.sh" -v i1 2>&1) || rc=$?
	expect "installed tree, moved, runs a test from another directory" eval \
		'[ $rc = 0 ] && hasline "PASS i1 (3 tests, 1 skipped)" && [ -f "$scratch/elsewhere/logs/i1.log" ] && [ -f "$scratch/elsewhere/logs/results.json" ]'
	expect "installed tree: no sources" eval '[ -z "$(find "$scratch/moved" -name "*.c" -o -name "*.h" -o -name Makefile)" ]'
	rc=0
	out=$(cd "$scratch/elsewhere" && "$scratch/moved/run_tests.sh" --version 2>&1) || rc=$?
	expect "installed tree: --version" eval '[ $rc = 0 ] && [[ $out == "$(cat "$src/VERSION")"* ]]'
fi

# .gitlab-ci.yml: YAML that GitLab can read, each arch's shards a complete K/N list, JUnit and
# logs as artifacts (needs python3's yaml module; CI images without it skip this check)
if want gitlab-ci && python3 -c 'import yaml' 2>/dev/null; then
	rc=0
	out=$(python3 - "$src/.gitlab-ci.yml" 2>&1 <<'EOF'
import sys, yaml
ci = yaml.safe_load(open(sys.argv[1]))
test = ci["test"]
rows = test["parallel"]["matrix"]
for row in rows:
    shards = row["SHARD"]
    n = len(shards)
    want = ["%d/%d" % (k, n) for k in range(1, n + 1)]
    assert shards == want, "shards %s, want %s" % (shards, want)
    assert set(row["ARCH"]) <= {"x86_64", "i386", "arm64", "s390x"}, row["ARCH"]
script = " ".join(test["script"])
assert "--shard" in script and "--junit junit.xml" in script, script
assert test["artifacts"]["reports"]["junit"] == "junit.xml"
assert "logs/" in test["artifacts"]["paths"] and test["artifacts"]["when"] == "always"
print("gitlab-ci ok")
EOF
	) || rc=$?
	expect ".gitlab-ci.yml parses; shards complete per arch; JUnit and logs as artifacts" eval '[ $rc = 0 ] && hasline "gitlab-ci ok"'
fi

if want shellcheck && command -v shellcheck >/dev/null; then
	rc=0
	out=$(cd "$src" && shellcheck -x run_tests.sh scripts/*.sh scripts/compare-results x86/run arm/run s390x/run tests/*.sh tests/fake-qemu 2>&1) || rc=$?
	expect "shellcheck -x is clean" eval '[ $rc = 0 ]'
fi

echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
