#!/usr/bin/env bash
# Copy a build directory's suite into DEST as a tree that runs on its own: the images its
# unittests.cfg names, the cfg, the run script, the runner and the other host programs,
# compare-results; no sources, no compiler needed. The tree is relocatable
# (config.mak says SRCDIR=.): move or copy it anywhere, then from any directory
#   DEST/run_tests.sh [options]        (logs and results go to ./logs of that directory)
# Used by "make install" and "make standalone" (Makefile); by hand:
#   [UNITTESTS_CFG=FILE] scripts/install-tree.sh BUILD_DIR DEST   (FILE: the cfg to install)
set -euo pipefail

[ $# = 2 ] || { echo "usage: ${0##*/} BUILD_DIR DEST" >&2; exit 2; }
build=$(cd "$1" && pwd)
dest=$2
src=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$build/config.mak" ] || { echo "${0##*/}: $build/config.mak missing: configure first" >&2; exit 2; }

# config.mak is make and bash syntax at once, KEY=value lines
conf() { sed -n "s/^$1=//p" "$build/config.mak" | head -n 1; }
arch=$(conf ARCH)
test_dir=$(conf TEST_DIR)
cfg=${UNITTESTS_CFG:-$src/$test_dir/unittests.cfg}

mkdir -p "$dest/scripts" "$dest/$test_dir" "$dest/host"
# the runner itself, as in a build directory: it finds the tree through its own path
ln -sfn host/runner "$dest/run_tests.sh"
install -m 755 "$src/scripts/compare-results" "$dest/scripts/compare-results"
install -m 755 "$src/$test_dir/run" "$dest/$test_dir/run"
install -m 644 "$cfg" "$dest/$test_dir/unittests.cfg"
ln -sfn "$test_dir/run" "$dest/$test_dir-run"
[ "$test_dir" = "$arch" ] || ln -sfn "$test_dir/run" "$dest/$arch-run"

# every image the cfg names that the build has (a missing one FAILs there as it does here)
missing=0
while read -r image; do
	if [ -f "$build/$test_dir/$image" ]; then
		install -m 644 "$build/$test_dir/$image" "$dest/$test_dir/$image"
	else
		echo "${0##*/}: warning: $test_dir/$image is not built" >&2
		missing=$((missing + 1))
	fi
done < <(sed -n 's/^[[:space:]]*file[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/\1/p' "$cfg" | sort -u)

for tool in runner supervise results migrate; do
	if [ -x "$build/host/$tool" ]; then
		install -m 755 "$build/host/$tool" "$dest/host/$tool"
	else
		echo "${0##*/}: warning: host/$tool is not built (make)" >&2
	fi
done

version=unknown
[ ! -f "$src/VERSION" ] || version=$(cat "$src/VERSION")
if sha=$(git -C "$src" rev-parse --short=12 HEAD 2>/dev/null); then
	version+=-g$sha
fi
echo "$version" >"$dest/VERSION"
# QEMU stays empty: the target's qemu-system-<arch> from PATH, or QEMU=
printf 'SRCDIR=.\nARCH=%s\nTEST_DIR=%s\nHOST_CC=%s\nQEMU=\nINSTALLED=1\n' \
	"$arch" "$test_dir" "$(conf HOST_CC)" >"$dest/config.mak"
[ "$missing" = 0 ] || version+=", $missing images not built"
echo "installed the $arch suite ($version) in $dest"
