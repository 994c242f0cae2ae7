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
b=$scratch/build
mkdir -p "$b/x86" "$scratch/tmp" "$scratch/pids"
printf 'SRCDIR=%s\nARCH=x86_64\nTEST_DIR=x86\nHOST_CC=%s\nQEMU=\n' "$src" "${HOST_CC:-cc}" >"$b/config.mak"
: >"$b/x86/a.flat"
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
hasline() { printf '%s\n' "$out" | grep -qxF -- "$1"; }
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
# all_dead: every fake QEMU recorded in pids/ is gone, with its process group (waits <= 3 s:
# a killed process is a zombie until reaped, and init may reap orphans late)
all_dead() {
	local f pid i left
	for ((i = 0; i < 30; i++)); do
		left=''
		for f in "$scratch"/pids/*.pid; do
			[ -e "$f" ] || continue
			pid=$(cat "$f")
			[ -z "$(alive_in_group "$pid")" ] || left+=" $pid"
		done
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	out+=$'\n'"still alive after 3 s:$left"
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
	expect "verdict exit 0 with EXIT line" hasline "PASS poweroff (1 test)"
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
	expect "summary line last" lastline "SUMMARY: 3 passed, 10 failed, 6 skipped"
	expect "exit status on failure" eval '[ $rc = 1 ]'
	expect "no QEMU left after timeouts" all_dead
	expect "no temp files left" no_temp_left
	expect "log has the command line" eval 'head -n 1 "$b/logs/pass.log" | grep -q -- "-append .QEMU_ACCEL=tcg pass"'
	expect "log has the output" grep -qx "EXIT: STATUS=0" "$b/logs/pass.log"
	expect "log has QEMU's stderr" grep -q "unable to find CPU model" "$b/logs/refuse.log"
fi

if want tap; then
	run -- -t -j 3
	expect "tap version line" eval '[ "$(printf "%s\n" "$out" | head -n 1)" = "TAP version 13" ]'
	expect "tap plan line" eval '[ "$(printf "%s\n" "$out" | sed -n 2p)" = "1..19" ]'
	expect "tap one line per test, in sequence" eval \
		'[ "$(printf "%s\n" "$out" | grep -E "^(not )?ok [0-9]+ " | sed -E "s/^(not )?ok ([0-9]+) .*/\2/" | tr "\n" " ")" = "$(seq -s " " 1 19) " ]'
	expect "tap skip directive" eval 'printf "%s\n" "$out" | grep -qE "^ok [0-9]+ - skip # SKIP needs a widget$"'
	expect "tap not ok for QEMU errors" eval 'printf "%s\n" "$out" | grep -qE "^not ok [0-9]+ - segv \(QEMU killed by signal 11, no EXIT line\)$"'
	expect "tap sub-results as comments" hasline "# FAIL: two"
	expect "tap summary last" lastline "SUMMARY: 3 passed, 10 failed, 6 skipped"
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
	run -- -x
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
	run -- pass poweroff
	expect "all passing: exit 0" eval '[ $rc = 0 ] && lastline "SUMMARY: 2 passed, 0 failed, 0 skipped"'
	run -- -v pass
	expect "-v prints the QEMU command line" eval 'printf "%s\n" "$out" | grep -q "^$fake .*-kernel x86/a.flat"'
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
	expect "test_args after QEMU_ACCEL, outer quotes dropped" hasline "INFO: arg: QEMU_ACCEL=tcg args one 'two three'"
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

if want parallel; then
	cfg <<'EOF'
[s1]
file = a.flat
test_args = sleep:1
[s2]
file = a.flat
test_args = sleep:1
[s3]
file = a.flat
test_args = sleep:1
[s4]
file = a.flat
test_args = sleep:1
EOF
	start=$(date +%s%N)
	run -- -j 4
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "-j 4 runs in parallel (4 x 1 s took $ms ms)" eval '[ $ms -lt 2500 ] && lastline "SUMMARY: 4 passed, 0 failed, 0 skipped"'
	expect "-j output lines whole" eval '[ "$(printf "%s\n" "$out" | grep -cxE "PASS s[1-4] \(3 tests, 1 skipped\)")" = 4 ]'
	start=$(date +%s%N)
	run -- -j 2
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "-j 2 runs two at a time ($ms ms)" eval '[ $ms -ge 2000 ] && [ $ms -lt 3500 ]'
fi

# ---- signals: nothing outlives the runner
signal_case() { # NAME SIGNAL EXPECTED-RC
	local name=$1 sig=$2 want_rc=$3 pid i
	rm -f "$scratch"/pids/*
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
	: >"$b/x86/b.flat"
	set -m # own process group: a background job would otherwise ignore SIGINT
	(cd "$b" && exec env TMPDIR="$scratch/tmp" QEMU="$fake" ACCEL=tcg UNITTESTS_CFG="$scratch/t.cfg" \
		FAKE_QEMU_PIDDIR="$scratch/pids" "$runner" -j 2 >"$scratch/sig.out" 2>&1) &
	pid=$!
	set +m
	for ((i = 0; i < 100; i++)); do
		[ -e "$scratch/pids/a.flat.pid" ] && [ -e "$scratch/pids/b.flat.pid" ] && break
		sleep 0.05
	done
	sleep 0.2
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

# ---- the run script by hand
if want run-script; then
	rc=0
	out=$(cd "$b" && RUN_DRY_RUN=1 QEMU="$fake" ACCEL=tcg "$src/x86/run" x86/a.flat -smp 2 -append "x y" 2>&1) || rc=$?
	expect "x86/run dry run prints the command" eval '[ $rc = 0 ] && has "-smp 2 -kernel x86/a.flat -append '"'"'QEMU_ACCEL=tcg x y'"'"'"'
	rc=0
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg "$src/x86/run" x86/a.flat -append fail 2>&1) || rc=$?
	expect "x86/run exit status is QEMU's" eval '[ $rc = 3 ] && hasline "EXIT: STATUS=1"'
	rc=0
	out=$(cd "$b" && QEMU="$fake" "$src/x86/run" x86/nope.flat 2>&1) || rc=$?
	expect "x86/run missing image" eval '[ $rc = 2 ] && has "x86/nope.flat"'
fi

# The parsed-cfg cache (logs/.cfg-cache) must never give stale results: an edit that keeps
# the size and the mtime, a torn cache file, a cache of another cfg.
if want cfg-cache; then
	printf '[c1]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	run -- -l
	expect "cfg cache: written" eval '[ -f "$b/logs/.cfg-cache" ] && [ "$out" = c1 ]'
	touch -r "$scratch/t.cfg" "$scratch/ref"
	printf '[c2]\nfile = a.flat\ntest_args = pass\n' >"$scratch/t.cfg"
	touch -r "$scratch/ref" "$scratch/t.cfg"
	run -- -l
	expect "cfg cache: same size and mtime, new text" eval '[ "$out" = c2 ]'
	head -c 300 "$b/logs/.cfg-cache" >"$scratch/torn" && cp "$scratch/torn" "$b/logs/.cfg-cache"
	run -- -l
	expect "cfg cache: torn file ignored" eval '[ "$out" = c2 ] && [ $rc = 0 ]'
	cp "$scratch/t.cfg" "$scratch/u.cfg"
	printf '[c3]\nfile = a.flat\n' >>"$scratch/u.cfg"
	run UNITTESTS_CFG="$scratch/u.cfg" -- -l
	expect "cfg cache: another cfg file" eval '[ "$out" = "c2
c3" ]'
	printf '[c1]\nfile = a.flat\nsmp = x\n' >"$scratch/t.cfg"
	run -- -l
	expect "cfg cache: errors still reported" eval '[ $rc = 2 ] && has "t.cfg:3: bad smp"'
	run -- -l
	expect "cfg cache: errors not cached" eval '[ $rc = 2 ] && has "t.cfg:3: bad smp"'
	expect "cfg cache: no temporary file left" eval '[ -z "$(ls "$b/logs" | grep tmp)" ]'
fi

# A stopped QEMU (SIGTTOU, SIGSTOP) must still die at the timeout's SIGTERM, not 3 s later.
if want stopped; then
	rm -f "$scratch"/pids/*
	cfg <<'EOF'
[stopped]
file = a.flat
test_args = stopped
timeout = 1
EOF
	start=$(date +%s%N)
	run FAKE_QEMU_PIDDIR="$scratch/pids" -- stopped
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "stopped QEMU: timeout verdict" hasline "FAIL stopped (timeout after 1 s)"
	expect "stopped QEMU: SIGTERM acts at once ($ms ms, grace is 3 s)" eval '[ $ms -lt 3000 ]'
	expect "stopped QEMU: no QEMU left" all_dead
fi

# The run script typed at a terminal: QEMU (which sets the terminal up, as the fake does
# with stty) must not be stopped by SIGTTOU in its own process group; under timeout(1)
# (a background group) it must not either, and nothing may outlive the timeout.
if want tty && command -v script >/dev/null; then
	rm -f "$scratch"/pids/*
	rc=0
	start=$(date +%s%N)
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg FAKE_QEMU_PIDDIR="$scratch/pids" timeout 20 \
		script -qec "timeout -k 1 8 '$src/x86/run' x86/a.flat -append pass; echo rc=\$?" /dev/null 2>&1) || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "tty: run script in the foreground is not stopped ($ms ms)" eval 'has "EXIT: STATUS=0" && has "rc=1" && [ $ms -lt 5000 ]'
	rc=0
	start=$(date +%s%N)
	out=$(cd "$b" && QEMU="$fake" ACCEL=tcg FAKE_QEMU_PIDDIR="$scratch/pids" timeout 20 \
		script -qec "timeout 1 '$src/x86/run' x86/a.flat -append hang; echo rc=\$?" /dev/null 2>&1) || rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "tty: run script under timeout ends at the timeout ($ms ms)" eval 'has "PASS: one" && has "rc=124" && [ $ms -lt 3000 ]'
	expect "tty: no QEMU left" all_dead
fi

if want shellcheck && command -v shellcheck >/dev/null; then
	rc=0
	out=$(cd "$src" && shellcheck -x run_tests.sh scripts/*.bash scripts/*.sh x86/run tests/*.sh tests/fake-qemu 2>&1) || rc=$?
	expect "shellcheck -x is clean" eval '[ $rc = 0 ]'
fi

echo "SUMMARY: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
