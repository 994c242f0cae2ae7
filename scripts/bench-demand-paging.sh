#!/usr/bin/env bash
# First-touch cost of guest memory, from a build directory:
#   scripts/bench-demand-paging.sh [--quick] [ACCEL...]     (default: tcg, and kvm where usable)
# Runs the demand-paging image over a matrix (vCPUs 1 2 4; MiB per vCPU 16 64 256; local
# first touch vs pages fetched through postcopy's userfaultfd) and prints one table:
# pages/s and microseconds per page for each cell, and postcopy's cost as a ratio to local
# first touch of the same cell in the same run. --quick: MiB per vCPU 16 and 64 only.
# POSTCOPY_BANDWIDTH (bytes/s, default 0 = uncapped) caps the background transfer.
# A cell that cannot run here (too little host memory, a failed run) is listed with why.
set -euo pipefail

quick=false
accels=()
skipped=()
for a in "$@"; do
	case $a in
	--quick) quick=true ;;
	tcg | kvm) accels+=("$a") ;;
	*) echo "usage: $0 [--quick] [tcg|kvm ...]" >&2; exit 2 ;;
	esac
done
[ -f config.mak ] || { echo "$0: run this from a build directory" >&2; exit 2; }
arch=$(sed -n 's/^ARCH=//p' config.mak)
srcdir=$(sed -n 's/^SRCDIR=//p' config.mak)
case $arch in
x86_64 | i386) run=$srcdir/x86/run image=x86/demand-paging.flat native=x86_64 ;;
arm64) run=$srcdir/arm/run image=arm/demand-paging.flat native=aarch64 ;;
s390x) run=$srcdir/s390x/run image=s390x/demand-paging.elf native=s390x ;;
*) echo "$0: unknown ARCH '$arch'" >&2; exit 2 ;;
esac
[ -f "$image" ] || { echo "$0: $image is not built (make)" >&2; exit 2; }
if [ ${#accels[@]} -eq 0 ]; then
	accels=(tcg)
	if [ "$(uname -m)" != "$native" ]; then
		skipped+=("kvm: a $arch guest does not run natively on $(uname -m)")
	elif [ -c /dev/kvm ] && { exec {kvm_fd}<>/dev/kvm; } 2>/dev/null; then
		exec {kvm_fd}>&-
		accels+=(kvm)
	else
		skipped+=("kvm: /dev/kvm is not a character device that opens read-write")
	fi
fi

vcpu_list=(1 2 4)
mib_list=(16 64 256)
$quick && mib_list=(16 64)
bandwidth=${POSTCOPY_BANDWIDTH:-0}

# run_cell ACCEL MODE VCPUS MIB: sets cell_pps and cell_ns (empty, and a skipped line, on failure)
run_cell() {
	local accel=$1 mode=$2 vcpus=$3 mib=$4 ram log
	cell_pps='' cell_ns=''
	# regions are naturally aligned blocks taken from the top of RAM: room for twice them
	ram=$((2 * vcpus * mib + 128))
	local env=(ACCEL="$accel" TIMEOUT=300)
	[ "$mode" = postcopy ] && env+=(MIGRATION=yes MIGRATION_MODE=postcopy)
	log=$(env "${env[@]}" "$run" "$image" -smp "$vcpus" -m "$ram" \
		-append "$mode vcpus=$vcpus mem=${mib}M bandwidth=$bandwidth" 2>&1) || true
	if [[ $log != *"EXIT: STATUS=0"* ]]; then
		skipped+=("$accel $mode ${vcpus}x${mib}M: run failed: $(grep -m1 -E 'FAIL|ERROR|SKIP|error' <<<"$log" || echo 'no verdict line')")
		return
	fi
	read -r cell_pps cell_ns < <(sed -n 's/.*result .*pages_per_sec=\([0-9]*\) ns_per_page=\([0-9]*\).*/\1 \2/p' <<<"$log")
}

us() {
	awk -v n="${1:-0}" 'BEGIN { if (n) printf "%.2f", n / 1000; else print "-" }'
}

host_mem_mib=$(awk '/MemAvailable/ { print int($2 / 1024) }' /proc/meminfo)
printf 'demand paging, %s, %s, host %s (%s cores, %s MiB available), %s\n' "$arch" \
	"$(date -u +%F)" "$(uname -n)" "$(nproc)" "$host_mem_mib" "$("${QEMU:-$(sed -n 's/^QEMU=//p' config.mak | grep . || echo "qemu-system-$native")}" --version | head -1)"
printf '%-5s %5s %8s | %12s %10s | %12s %10s | %8s\n' accel vcpus MiB/vcpu \
	"local pg/s" "us/page" "postcopy pg/s" "us/page" "pc/local"
for accel in "${accels[@]}"; do
	for vcpus in "${vcpu_list[@]}"; do
		for mib in "${mib_list[@]}"; do
			if [ $((2 * (2 * vcpus * mib + 128))) -gt "$host_mem_mib" ]; then
				skipped+=("$accel ${vcpus}x${mib}M: two QEMUs of $((2 * vcpus * mib + 128)) MiB exceed the host's $host_mem_mib MiB")
				continue
			fi
			run_cell "$accel" local "$vcpus" "$mib"
			lps=$cell_pps lns=$cell_ns
			run_cell "$accel" postcopy "$vcpus" "$mib"
			pps=$cell_pps pns=$cell_ns
			ratio=-
			[ -n "$lns" ] && [ -n "$pns" ] && [ "$lns" -gt 0 ] &&
				ratio=$(awk -v p="$pns" -v l="$lns" 'BEGIN { printf "%.1fx", p / l }')
			printf '%-5s %5s %8s | %12s %10s | %12s %10s | %8s\n' "$accel" "$vcpus" "$mib" \
				"${lps:--}" "$(us "$lns")" "${pps:--}" "$(us "$pns")" "$ratio"
		done
	done
done
for s in ${skipped[@]+"${skipped[@]}"}; do
	echo "skipped: $s"
done
