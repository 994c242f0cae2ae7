#!/bin/sh
# Run the tests of a build directory or an installed tree: starts host/runner
# (scripts/host/runner.c; its options: run_tests.sh -h, README.md "Running tests").
# The build directory is the current one, else the one this script is in. A build
# directory's own run_tests.sh is a symlink to host/runner once make has built it.
if [ -f config.mak ]; then
	dir=.
elif [ "${0%/*}" != "$0" ] && [ -f "${0%/*}/config.mak" ]; then
	dir=${0%/*}
else
	echo "${0##*/}: no config.mak here: run this from a build directory (./configure first)" >&2
	exit 2
fi
if [ ! -x "$dir/host/runner" ]; then
	echo "${0##*/}: $dir/host/runner is not built: run make in the build directory" >&2
	exit 2
fi
exec "$dir/host/runner" "$@"
