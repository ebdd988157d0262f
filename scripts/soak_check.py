#!/usr/bin/env python3
"""Checks a soak summary (crates/panoptes/examples/soak.rs): every frame set and frame is
accounted for, the faults counted are the ones injected, and memory and latency stayed flat.

    python3 scripts/soak_check.py out/soak.json

Exits 1, naming each check that failed, when one does."""
import json
import sys


def main(path):
    with open(path) as file:
        summary = json.load(file)
    stats = summary["stats"]
    dropped = sum(stats["dropped"].values())
    checks = []

    def check(name, ok, detail):
        checks.append((name, ok, detail))

    check(
        "frame sets formed = offered",
        stats["frame_sets"] == summary["frame_sets_offered"],
        f'{stats["frame_sets"]} formed of {summary["frame_sets_offered"]} offered',
    )
    check(
        "frame sets = results + failed + dropped",
        stats["frame_sets"] == stats["results"] + stats["failed"] + dropped,
        f'{stats["frame_sets"]} = {stats["results"]} + {stats["failed"]} + {dropped}',
    )
    check(
        "delivered = results + failed",
        summary["delivered"] == stats["results"] + stats["failed"],
        f'{summary["delivered"]} delivered, {stats["results"]} + {stats["failed"]}',
    )
    refused = stats["late"] + stats["out_of_order"]
    check(
        "frames offered = accepted + refused",
        summary["frames_offered"] == stats["frames_pushed"] + refused,
        f'{summary["frames_offered"]} = {stats["frames_pushed"]} + {refused}',
    )
    check(
        "refused = late, repeated and backwards frames injected",
        refused == summary["frames_expected_refused"],
        f'{refused} refused, {summary["frames_expected_refused"]} injected',
    )
    faults = stats["faults"]
    for kind, expected in sorted(summary["expected_faults_on_delivered"].items()):
        counted = faults.get(kind, 0)
        check(
            f"{kind} counted = injected on delivered sets",
            counted == expected,
            f"{counted} counted, {expected} expected",
        )
    # Growth, not level: the largest resident size in the fifth of the run after the warm-up
    # against the largest in the last fifth. The first samples (before the models' buffers and
    # ONNX Runtime's arenas reach their size, up to a thousand frame sets on a loaded machine)
    # are left out.
    resident = [(sets, mib) for sets, mib in summary["resident_mib"] if sets >= 1000]
    fifth = max(1, len(resident) // 5)
    start = max(mib for _, mib in resident[:fifth])
    end = max(mib for _, mib in resident[-fifth:])
    check(
        "resident memory flat (last fifth's peak within 10 % + 16 MiB of the first's)",
        end <= start * 1.10 + 16,
        f"{start:.1f} MiB peak from {resident[0][0]} frame sets on, {end:.1f} MiB peak in the last fifth",
    )
    first = summary["latency_p99_first_thousand_ms"]
    last = summary["latency_p99_last_thousand_ms"]
    check(
        "latency flat (last thousand's p99 within 25 % of the first's)",
        last <= first * 1.25,
        f"p99 {first:.1f} ms first thousand, {last:.1f} ms last thousand",
    )
    width = max(len(name) for name, _, _ in checks)
    for name, ok, detail in checks:
        print(f'{"ok  " if ok else "FAIL"} {name:<{width}}  {detail}')
    return 0 if all(ok for _, ok, _ in checks) else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
