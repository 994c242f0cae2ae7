#!/usr/bin/env bash
# From a fresh clone to a verdict: install dependencies, build for this host, run the
# default suite. Extra arguments go to run_tests.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh all
./configure
make -s -j"$(nproc)"
exec ./run_tests.sh "$@"
