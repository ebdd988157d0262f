#!/usr/bin/env bash
# The Python package's tests: builds the bindings into a virtual environment (python/.venv),
# with Ray and pytest, builds the `panoptes` command the tests compare against, and runs them
# (a local Ray cluster of three nodes is started by the fleet tests themselves).
#   python/test.sh [PYTEST ARGUMENTS]
set -euo pipefail
cd "$(dirname "$0")/.."

venv=python/.venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
# The bindings (a release build of crates/python) and what the tests need.
"$venv/bin/python" -m pip install --quiet "./python[test]"

# Release: the fleet tests simulate their drives with it (ten times faster than a debug build),
# and it shares the compiled dependencies of the bindings' release build just before.
cargo build --quiet --release -p panoptes-cli
export PANOPTES_BIN="$PWD/target/release/panoptes"

"$venv/bin/pytest" -q python/tests "$@"
