"""The `panoptes-fleet` command line."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import sys
from typing import Any, NoReturn

from .compare import comparison_table, drive_label
from .metrics import METRICS, figure, lookup
from .options import DriveSpec, FleetOptions, Model, UsageError
from .report import PROGRAM, exit_status, run


def summary_table(report: dict[str, Any]) -> str:
    """The fleet-wide headline metrics, throughput and failures."""
    width = max(len(metric.label) for metric in METRICS)
    lines = [
        f"{metric.label:<{width}}  {figure(metric, lookup(report['fleet'], metric.key))}"
        for metric in METRICS
    ]
    rate = report["throughput"]
    per_second = rate["frame_sets_per_second"]
    lines.append(
        f"{rate['succeeded']}/{rate['drives']} drives ok, {rate['failed']} failed; "
        f"{rate['frame_sets']} frame sets in {rate['wall_seconds']:.1f} s "
        f"({'-' if per_second is None else f'{per_second:.2f}'} frame sets/s, "
        f"{rate['workers']} workers, {rate['task_seconds']:.1f} task seconds)"
    )
    if report["fleet_error"] is not None:
        lines.append(f"no fleet-wide figures: {report['fleet_error']}")
    for failure in report["failures"]:
        cause = failure["causes"][-1] if failure["causes"] else "-"
        lines.append(
            f"failed: {drive_label(failure['drive'], failure['scene'])} "
            f"({failure['attempts']} attempts): {cause}"
        )
    return "\n".join(lines) + "\n"


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one UsageError line rather than the usage and an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see --help)")


class ModelAction(argparse.Action):
    """--model M.toml: appends a model."""

    def __call__(self, parser, namespace, value, option_string=None) -> None:
        namespace.models = [*(namespace.models or []), Model(os.path.abspath(value))]


class WeightsAction(argparse.Action):
    """--weights W.onnx: the weights of the --model just before it."""

    def __call__(self, parser, namespace, value, option_string=None) -> None:
        models = namespace.models or []
        if not models:
            raise argparse.ArgumentError(
                self, f"{value} comes before any --model: put it after the manifest it belongs to"
            )
        if models[-1].weights is not None:
            raise argparse.ArgumentError(self, f"two --weights follow --model {models[-1].manifest}")
        namespace.models = [*models[:-1], dataclasses.replace(models[-1], weights=os.path.abspath(value))]


def alias(text: str) -> tuple[str, str]:
    """MODEL=DRIVE."""
    model, _, drive = text.partition("=")
    if not model or not drive:
        raise argparse.ArgumentTypeError(f"{text}: expected MODEL=DRIVE, e.g. person=pedestrian")
    return model, drive


def positive(text: str) -> int:
    """An integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text}: must be at least 1")
    return value


def non_negative(text: str) -> int:
    """An integer of at least 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text}: must be 0 or more")
    return value


def drive_spec(text: str) -> DriveSpec:
    """DRIVE or DATAROOT#SCENE, the path made absolute (the workers may start elsewhere)."""
    path, _, scene = text.partition("#")
    return DriveSpec(os.path.abspath(path), scene or None)


def read_drive_list(path: str) -> list[DriveSpec]:
    """--drives FILE: a drive (or DATAROOT#SCENE) per line; `#` at a line's start or after a
    space begins a comment."""
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError as error:
        raise UsageError(f"--drives {path}: cannot read it: {error.strerror}") from None
    drives = []
    for number, line in enumerate(lines, start=1):
        text = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not text:
            continue
        if text.endswith("#"):
            raise UsageError(f"--drives {path} line {number}: {text!r}: expected DRIVE or DATAROOT#SCENE")
        drives.append(drive_spec(text))
    return drives


DESCRIPTION = """\
Evaluate models over a fleet of drives on a Ray cluster: one task per drive (or, with
--per-scene, per scene of a nuScenes dataroot), each worker process loading the models once
and reusing them for every drive it evaluates. The figures are those of `panoptes eval`
(detection mAP@0.5, segmentation mIoU, depth AbsRel, pose PCK, the ego frame's mAP, position
error, duplicates, ID switches and BEV IoU), per drive and merged over the whole fleet exactly
as one `panoptes eval` of all the drives together would give them.

Writes OUT/drives/<drive>/eval.json as each drive finishes (the same report as `panoptes eval
--json`) and OUT/fleet.json at the end: models, each drive's outcome (status, attempts and the
cause of each failed attempt, frame sets, seconds, worker, headline metrics), the fleet-wide
report, throughput and failures; with --replay also OUT/drives/<drive>/replay/, what `panoptes
replay` writes. A failed task (an exception, or its worker process dying) is
resubmitted up to --retries times; a drive that still fails is listed with its causes and the
others are merged. Exit status: 0 all drives ok, 1 some failed, 2 a usage or configuration error.
"""

EPILOG = """\
examples:
  # on this machine (a local Ray instance with every core):
  panoptes-fleet out/drive-* --model models/panoptes-net/panoptes-net.toml \\
      --fusion models/panoptes-net/fusion.toml --out out/fleet

  # a list of drives and scenes, each scene of a dataroot its own task, two threads a task:
  panoptes-fleet --drives drives.txt --per-scene --cpus-per-task 2 \\
      --model models/zoo/yolox-nano.toml --weights /data/yolox_nano_416x416.onnx --out out/fleet

  # an existing cluster (`ray start --head` on one machine, `ray start --address=HEAD:6379` on
  # the others; the panoptes package, models and drives reachable from every node):
  panoptes-fleet --drives /shared/drives.txt --model /shared/models/net.toml \\
      --address auto --out /shared/out/fleet-$(date +%F)

  # compare with an earlier run:
  panoptes-fleet --drives drives.txt --model net.toml --out out/fleet-new \\
      --baseline out/fleet-old/fleet.json

drives.txt holds one drive directory or nuScenes dataroot per line, or DATAROOT#SCENE for one
scene; `#` at a line's start or after a space begins a comment.
"""


def parser() -> Parser:
    """The command line."""
    parser = Parser(
        prog=PROGRAM,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "drives",
        nargs="*",
        metavar="DRIVE",
        type=drive_spec,
        help="drive directory or nuScenes dataroot (DATAROOT#SCENE for one scene)",
    )
    parser.add_argument(
        "--drives",
        dest="drive_list",
        metavar="FILE",
        help="file of drives, one per line (DATAROOT#SCENE allowed, # comments)",
    )
    parser.add_argument(
        "--model",
        dest="models",
        action=ModelAction,
        metavar="M.toml",
        help="model manifest; repeat for several models",
    )
    parser.add_argument(
        "--weights",
        action=WeightsAction,
        metavar="W.onnx",
        help="weights for the --model just before it, instead of its manifest's",
    )
    fusion = parser.add_mutually_exclusive_group()
    fusion.add_argument(
        "--fusion", metavar="FILE", help="ego-frame fusion settings (TOML; default: the built-in settings)"
    )
    fusion.add_argument("--no-fusion", action="store_true", help="no ego-frame fusion, no ego metrics")
    parser.add_argument(
        "--score-threshold",
        type=float,
        metavar="S",
        help="detection score threshold for every detection head (AP wants a low one, e.g. 0.01)",
    )
    parser.add_argument(
        "--alias",
        dest="aliases",
        type=alias,
        action="append",
        default=[],
        metavar="MODEL=DRIVE",
        help="read the model's class MODEL as the drive's class DRIVE; repeatable",
    )
    parser.add_argument(
        "--limit", type=positive, metavar="N", help="evaluate only the first N frame sets of each drive"
    )
    parser.add_argument(
        "--provider",
        default="cpu",
        metavar="LIST",
        help="execution provider or fallback list: cpu, cuda[:N], tensorrt[:N] (default cpu)",
    )
    parser.add_argument(
        "--categories",
        metavar="FILE",
        help="nuScenes: TOML map of nuScenes categories to the model's class names (COCO models: "
        "models/zoo/nuscenes-coco.toml)",
    )
    parser.add_argument(
        "--camera-frames",
        choices=["keyframes", "all"],
        help="nuScenes: key frames only (default) or every camera frame",
    )
    parser.add_argument("--version", metavar="DIR", help="nuScenes: the table directory, e.g. v1.0-mini")
    parser.add_argument(
        "--per-scene",
        action="store_true",
        help="one task per scene of a nuScenes dataroot (default: one task per drive path)",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory (fleet.json, drives/)")
    parser.add_argument(
        "--address",
        metavar="ADDR",
        help="an existing Ray cluster: auto, HOST:6379 or ray://HOST:10001 (default: a local instance)",
    )
    parser.add_argument(
        "--workers",
        type=positive,
        metavar="N",
        help="tasks in flight at most (default: the cluster's CPUs / --cpus-per-task)",
    )
    parser.add_argument(
        "--cpus-per-task",
        type=positive,
        default=1,
        metavar="N",
        help="CPUs Ray reserves per task, and the engine's threads (default 1)",
    )
    parser.add_argument(
        "--retries",
        type=non_negative,
        default=2,
        metavar="N",
        help="resubmit a failed task at most N more times (default 2)",
    )
    parser.add_argument("--baseline", metavar="REPORT", help="a previous fleet.json to compare with")
    parser.add_argument(
        "--replay",
        action="store_true",
        help="also write each drive's replay outputs (perception.jsonl, masks, depth, report.json) "
        "to OUT/drives/<drive>/replay, as `panoptes replay` does: a second run of the models; on a "
        "cluster OUT must be a folder every node can write",
    )
    return parser


def parse_arguments(arguments: list[str]) -> FleetOptions:
    """FleetOptions from a command line; UsageError when it is wrong."""
    namespace = parser().parse_intermixed_args(arguments)
    drives = list(namespace.drives)
    if namespace.drive_list is not None:
        drives += read_drive_list(namespace.drive_list)
    fusion: str | bool = True
    if namespace.no_fusion:
        fusion = False
    elif namespace.fusion is not None:
        fusion = os.path.abspath(namespace.fusion)
    return FleetOptions(
        drives=drives,
        models=namespace.models or [],
        out=os.path.abspath(namespace.out),
        fusion=fusion,
        score_threshold=namespace.score_threshold,
        aliases=dict(namespace.aliases),
        limit=namespace.limit,
        per_scene=namespace.per_scene,
        address=namespace.address,
        workers=namespace.workers,
        cpus_per_task=namespace.cpus_per_task,
        retries=namespace.retries,
        baseline=namespace.baseline,
        replay=namespace.replay,
        provider=namespace.provider,
        categories=os.path.abspath(namespace.categories) if namespace.categories else None,
        camera_frames=namespace.camera_frames,
        version=namespace.version,
    )


def main(arguments: list[str] | None = None) -> int:
    """The `panoptes-fleet` command: 0 all drives ok, 1 some failed, 2 a usage error."""
    try:
        options = parse_arguments(sys.argv[1:] if arguments is None else arguments)
        report = run(options)
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(summary_table(report))
    if "comparison" in report:
        sys.stdout.write(comparison_table(report["comparison"]))
    return exit_status(report)
