#!/usr/bin/env bash
# Runs every fuzz target for a fixed budget each, starting from the kept corpus.
#   fuzz/run.sh [SECONDS_PER_TARGET] [TARGET ...]   (default 120 s, every target)
# Needs the nightly toolchain; installs cargo-fuzz when it is missing. What a target finds is
# written to fuzz/artifacts/<target>/; reproduce one with
#   cargo +nightly fuzz run <target> fuzz/artifacts/<target>/<file>
# New corpus entries go to a scratch directory: the kept corpus stays small (cargo +nightly fuzz
# cmin <target> shrinks a grown one before it is committed).
set -euo pipefail
cd "$(dirname "$0")/.."
budget="${1:-120}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(manifest rig_json drive_index nuscenes_tables image_decode)
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
found=0
for target in "${targets[@]}"; do
    scratch="$(mktemp -d)"
    log="$(mktemp)"
    echo "== $target: ${budget} s"
    # 2 GiB of memory at most, 10 s per input: an input that needs more is a finding.
    if ! cargo +nightly fuzz run "$target" "$scratch" "fuzz/corpus/$target" -- \
        -max_total_time="$budget" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        >"$log" 2>&1; then
        found=1
        echo "   FOUND something: see the lines below and fuzz/artifacts/$target/"
    fi
    grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE|SUMMARY|==[0-9]+==ERROR|Test unit written|thread .* panicked)" "$log" || tail -20 "$log"
    rm -rf "$scratch" "$log"
done
exit "$found"
