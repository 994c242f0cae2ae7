#!/usr/bin/env bash
# Install what building and running the suite needs, from Debian's archive.
# Idempotent: packages already present are not fetched again.
# Usage: scripts/install-deps.sh [x86_64|i386|arm64|s390x|all]   (default: all)
set -euo pipefail

want=${1:-all}
pkgs=(make gcc binutils qemu-utils libjansson-dev socat libxml2-utils jq)
case "$want" in
x86_64 | i386) pkgs+=(qemu-system-x86) ;;
arm64) pkgs+=(qemu-system-arm gcc-aarch64-linux-gnu) ;;
s390x) pkgs+=(qemu-system-misc gcc-s390x-linux-gnu) ;;
all) pkgs+=(qemu-system-x86 qemu-system-arm qemu-system-misc gcc-aarch64-linux-gnu gcc-s390x-linux-gnu) ;;
*) echo "usage: $0 [x86_64|i386|arm64|s390x|all]" >&2; exit 2 ;;
esac

# libfdt for arm64 guests: the arm64 build of Debian's libfdt-dev, whose libfdt.a links into
# a freestanding guest (it replaces libfdt-dev:amd64; the two are not co-installable).
need_fdt=false
if [ "$want" = arm64 ] || [ "$want" = all ]; then
	need_fdt=true
fi

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if $need_fdt && ! dpkg-query -W -f='${Status}' libfdt-dev:arm64 2>/dev/null | grep -q 'ok installed'; then
	missing+=(libfdt-dev:arm64)
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything is installed"
	exit 0
fi

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
if $need_fdt && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	$sudo dpkg --add-architecture arm64
fi
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${missing[@]}"
