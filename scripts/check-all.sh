#!/usr/bin/env bash
# The project's full tests: the runner's own tests, the docs' references (check-docs.sh),
# then every architecture built in build/<arch> and its default suite run under TCG, and
# under KVM too where /dev/kvm works for that arch. Prints one SUMMARY line over everything; non-zero on any failure
# or when no test passed at all.
#
# Environment: ARCHES="x86_64 i386 arm64 s390x" (default: every arch whose tests exist),
#              ACCELS="tcg kvm" (default: both, kvm only where usable), JOBS (-j for the runner).
# Each suite run leaves its logs, results.json and junit.xml in build/<arch>/logs-<accel>/
# (group crash: logs-crash/).
set -euo pipefail

src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

default_arches() {
	local a
	for a in x86_64 i386 arm64 s390x; do
		case $a in
		x86_64 | i386) [ -f x86/Makefile.inc ] && echo "$a" ;;
		arm64) [ -f arm/Makefile.inc ] && echo "$a" ;;
		s390x) [ -f s390x/Makefile.inc ] && echo "$a" ;;
		esac
	done
	return 0
}

kvm_usable_for() {
	case "$1" in x86_64 | i386) ;; *) return 1 ;; esac
	[ "$(uname -m)" = x86_64 ] && [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]
}

read -r -a arches <<<"${ARCHES:-$(default_arches | tr '\n' ' ')}"
read -r -a accels <<<"${ACCELS:-tcg kvm}"
jobs=${JOBS:-$(nproc)}
passed=0 failed=0 skipped=0 problems=()

add_summary() { # $1: a runner's output file, $2: what ran
	local line p f s
	line=$(grep -E '^SUMMARY: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1 || true)
	if [ -z "$line" ]; then
		problems+=("$2: no SUMMARY line")
		failed=$((failed + 1))
		return
	fi
	read -r p f s <<<"$(echo "$line" | sed -E 's/SUMMARY: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/')"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	[ "$f" -eq 0 ] || problems+=("$2: $f failed")
}

# make install into a scratch DESTDIR, then the installed tree's first test, run from another
# directory: the tree must work without the source or the build directory.
check_installed_tree() { # $1: build dir, $2: arch
	local dest test
	dest=$(mktemp -d)
	install_dest=$dest
	if (cd "$1" && make -s install PREFIX=/opt/suite DESTDIR="$dest") >"$out" 2>&1 &&
		test=$("$dest/opt/suite/libexec/guest-tests/$2/run_tests.sh" -l | sed -n 1p) &&
		(cd "$dest" && ACCEL=tcg "$dest/opt/suite/libexec/guest-tests/$2/run_tests.sh" "$test") \
			>"$out" 2>&1; then :; fi
	sed 's/^/  /' "$out"
	add_summary "$out" "$2 installed tree"
	rm -rf "$dest"
	install_dest=
}

# Group crash: tests meant to crash with a dump (cfg expect = abort: PASS when they do). They
# are nodefault; run them apart, and require that at least one ran.
check_crash_group() { # $1: build dir, $2: arch
	if (cd "$1" && ACCEL=tcg ./run_tests.sh -g crash -o logs-crash --junit logs-crash/junit.xml) \
		>"$out" 2>&1; then :; fi
	sed 's/^/  /' "$out" # indented: its SUMMARY is not the run's
	add_summary "$out" "$2 crash group"
	grep -q '^PASS ' "$out" || { failed=$((failed + 1)); problems+=("$2: no crash-group test passed"); }
}

# Group pmu on a CPU without a PMU: every entry of arm/unittests.cfg in group pmu, with
# "-cpu max,pmu=off" added to its QEMU arguments, must SKIP saying "no PMU" (each one
# that does counts as a pass here). Its cfg and logs (logs-pmu-off/) stay in the build dir.
pmu_off_cfg() { # $1: the arm64 unittests.cfg
	awk '
	function flush() {
		if (section != "" && in_pmu) {
			printf "%s", text
			if (!has_params)
				print "qemu_params = -cpu max,pmu=off"
			print ""
		}
	}
	/^\[/ { flush(); section = $0; text = $0 "\n"; in_pmu = 0; has_params = 0; next }
	section == "" || /^[ \t]*(#|$)/ { next }
	/^groups[ \t]*=/ { if ((" " $0 " ") ~ /[ =]pmu /) in_pmu = 1 }
	/^qemu_params[ \t]*=/ { $0 = $0 " -cpu max,pmu=off"; has_params = 1 }
	{ text = text $0 "\n" }
	END { flush() }
	' "$1"
}

check_pmu_off() { # $1: build dir
	local line n=0
	pmu_off_cfg "$src/arm/unittests.cfg" >"$1/pmu-off.cfg"
	while IFS= read -r line; do
		echo "  $line" # indented: its SUMMARY is not the run's
		case $line in
		"SKIP "*"no PMU: ID_AA64DFR0_EL1.PMUVer = "*) passed=$((passed + 1)) n=$((n + 1)) ;;
		"PASS "* | "FAIL "* | "SKIP "*) failed=$((failed + 1)) problems+=("arm64 pmu=off: $line") ;;
		esac
	done < <(cd "$1" && UNITTESTS_CFG="$1/pmu-off.cfg" ACCEL=tcg ./run_tests.sh -g pmu -o logs-pmu-off 2>&1)
	[ "$n" -gt 0 ] || { failed=$((failed + 1)); problems+=("arm64: no pmu=off test ran"); }
}

out=$(mktemp)
install_dest=
trap 'rm -f "$out"; [ -z "$install_dest" ] || rm -rf "$install_dest"' EXIT
# bash skips the EXIT trap when a signal kills it: turn them into an exit
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "== runner self-tests"
if tests/run-runner-tests.sh 2>&1 | tee "$out"; then :; fi
add_summary "$out" "runner self-tests"

echo "== known-deviations table (scripts/check-deviations.sh)"
if scripts/check-deviations.sh 2>&1 | tee "$out"; then :; fi
add_summary "$out" "known-deviations table"

echo "== docs name only files that exist (scripts/check-docs.sh)"
if scripts/check-docs.sh 2>&1 | tee "$out"; then :; fi
add_summary "$out" "check-docs"

for arch in "${arches[@]}"; do
	dir=build/$arch
	echo "== build $arch in $dir"
	mkdir -p "$dir"
	(cd "$dir" && "$src/configure" --arch="$arch" >/dev/null && make -s -j"$jobs")
	if [ -z "${kill_dest_done:-}" ] && [ -x "$dir/host/migrate" ]; then
		kill_dest_done=1 # host/migrate is arch-independent: once, with the first arch
		echo "== migration harness self-test (tests/migration-kill-dest.sh $dir)"
		if tests/migration-kill-dest.sh "$dir" 2>&1 | tee "$out"; then :; fi
		add_summary "$out" "migration-kill-dest"
	fi
	echo "== $arch: faults injected into real runs get the right verdict (tests/verdict-injections.sh)"
	if tests/verdict-injections.sh "$dir" 2>&1 | tee "$out"; then :; fi
	add_summary "$out" "$arch verdict-injections"
	echo "== $arch: group crash (each must abort with an exception dump)"
	check_crash_group "$dir" "$arch"
	if [ -z "${install_done:-}" ]; then
		install_done=1 # the tree is the same for every arch: once, with the first
		echo "== $arch: make install, then a test of the installed tree from another directory"
		check_installed_tree "$dir" "$arch"
	fi
	if [ "$arch" = arm64 ]; then
		echo "== arm64: group pmu with -cpu max,pmu=off (each must SKIP: no PMU)"
		check_pmu_off "$src/$dir"
	fi
	for accel in "${accels[@]}"; do
		if [ "$accel" = kvm ] && ! kvm_usable_for "$arch"; then
			echo "== $arch under kvm: not run (no usable /dev/kvm for $arch on $(uname -m))"
			continue
		fi
		echo "== $arch under $accel"
		# logs, results.json and junit.xml per accelerator: build/<arch>/logs-<accel>/
		if (cd "$dir" && ACCEL=$accel ./run_tests.sh -j "$jobs" -o "logs-$accel" \
			--junit "logs-$accel/junit.xml") 2>&1 | tee "$out"; then :; fi
		add_summary "$out" "$arch/$accel"
	done
done

for p in "${problems[@]}"; do
	echo "problem: $p"
done
if [ "$passed" -eq 0 ]; then
	echo "problem: no test passed at all"
	failed=$((failed + 1))
fi
echo "SUMMARY: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
