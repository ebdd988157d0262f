#!/usr/bin/env python3
"""The fleet against what it replaces, on the same drives: per drive, `panoptes eval` run once
per drive (as a shell loop would); in one process, a `panoptes.Evaluator` over every drive; and
`panoptes.fleet` on a local Ray instance. Checks that the fleet's per-drive reports equal the
`panoptes eval` reports and that its fleet-wide figures equal one process's merge of the same
drives (same threads per engine), and prints the throughput of each.

    scripts/fleet_compare.py DRIVE... --model M.toml [--fusion F.toml] --out DIR [--bin PANOPTES]

Needs the `panoptes` package with Ray (`pip install "./python[fleet]"`) and the CLI.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import panoptes
from panoptes import fleet


def without_wall_seconds(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_wall_seconds(item) for key, item in value.items() if key != "wall_seconds"}
    if isinstance(value, list):
        return [without_wall_seconds(item) for item in value]
    return value


def sequential_commands(arguments: argparse.Namespace, out: Path) -> tuple[list[dict], float]:
    """`panoptes eval` once per drive, one engine thread (as each fleet task has)."""
    reports = []
    started = time.perf_counter()
    for drive in arguments.drives:
        target = out / f"{Path(drive).name}.json"
        command = [arguments.bin, "eval", drive, "--model", arguments.model, "--threads", "1",
                   "--json", str(target)]
        if arguments.fusion:
            command += ["--fusion", arguments.fusion]
        subprocess.run(command, check=True, capture_output=True)
        reports.append(json.loads(target.read_text(encoding="utf-8")))
    return reports, time.perf_counter() - started


def one_process(arguments: argparse.Namespace, threads: int) -> tuple[Any, float]:
    """One Evaluator over every drive, then their merge."""
    started = time.perf_counter()
    evaluator = panoptes.Evaluator([arguments.model], fusion=arguments.fusion or True, threads=threads)
    evaluations = [evaluator.evaluate(drive) for drive in arguments.drives]
    merged = panoptes.merge_evaluations(evaluations, fleet.FLEET_NAME)
    return merged, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("drives", nargs="+")
    parser.add_argument("--model", required=True)
    parser.add_argument("--fusion")
    parser.add_argument("--out", required=True)
    parser.add_argument("--bin", default="target/release/panoptes")
    arguments = parser.parse_args()
    arguments.drives = [os.path.abspath(drive) for drive in arguments.drives]
    out = Path(arguments.out)
    (out / "sequential").mkdir(parents=True, exist_ok=True)

    commands, commands_seconds = sequential_commands(arguments, out / "sequential")
    merged_one, one_seconds = one_process(arguments, threads=1)
    _, one_two_seconds = one_process(arguments, threads=os.cpu_count() or 1)
    options = fleet.FleetOptions(
        drives=[fleet.DriveSpec(drive) for drive in arguments.drives],
        models=[fleet.Model(os.path.abspath(arguments.model))],
        out=str(out / "fleet"),
        fusion=os.path.abspath(arguments.fusion) if arguments.fusion else True,
    )
    started = time.perf_counter()
    report = fleet.run(options)
    fleet_seconds = time.perf_counter() - started

    frame_sets = sum(command["frame_sets"] for command in commands)
    same_drives = all(
        without_wall_seconds(json.loads((out / "fleet" / entry["eval"]).read_text())) == without_wall_seconds(command)
        for entry, command in zip(report["drives"], commands)
    )
    same_fleet = without_wall_seconds(report["fleet"]) == without_wall_seconds(merged_one.report)
    rows = [
        (f"panoptes eval × {len(commands)} (1 thread each)", commands_seconds),
        ("one process, Evaluator, 1 thread", one_seconds),
        (f"one process, Evaluator, {os.cpu_count()} threads", one_two_seconds),
        (f"fleet on local Ray ({report['throughput']['workers']} workers × 1 thread), whole run", fleet_seconds),
    ]
    print(f"{len(commands)} drives, {frame_sets} frame sets")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds:6.1f} s  {frame_sets / seconds:6.2f} frame sets/s")
    print(f"  fleet tasks alone: {report['throughput']['wall_seconds']:.1f} s "
          f"({report['throughput']['frame_sets_per_second']:.2f} frame sets/s)")
    print(f"per-drive reports equal to panoptes eval's: {same_drives}")
    print(f"fleet-wide figures equal to one process's merge: {same_fleet}")
    metrics = {metric.label: fleet.lookup(report["fleet"], metric.key) for metric in fleet.METRICS}
    print(json.dumps(metrics, indent=1))
    return 0 if same_drives and same_fleet and not report["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
