"""What a fleet run is given, and the checks made before any task runs."""

from __future__ import annotations

import dataclasses
import json
import os
from typing import Any


class UsageError(Exception):
    """A wrong argument or configuration: one line naming what is wrong (exit status 2)."""


@dataclasses.dataclass(frozen=True)
class Model:
    """A model manifest and, optionally, weights elsewhere than the manifest says."""

    manifest: str
    weights: str | None = None


@dataclasses.dataclass(frozen=True)
class DriveSpec:
    """A drive directory or nuScenes dataroot, optionally one scene of it."""

    path: str
    scene: str | None = None


@dataclasses.dataclass(frozen=True)
class EngineSettings:
    """Everything a `panoptes.Evaluator` is built from: the key of a worker's engine cache."""

    models: tuple[Model, ...]
    fusion: str | bool = True
    threads: int = 1
    score_threshold: float | None = None
    aliases: tuple[tuple[str, str], ...] = ()
    limit: int | None = None
    provider: str = "cpu"
    categories: str | None = None
    camera_frames: str | None = None
    version: str | None = None


@dataclasses.dataclass
class FleetOptions:
    """What `main` parses from the command line; `run` takes it directly."""

    drives: list[DriveSpec]
    models: list[Model]
    out: str
    fusion: str | bool = True
    score_threshold: float | None = None
    aliases: dict[str, str] = dataclasses.field(default_factory=dict)
    limit: int | None = None
    per_scene: bool = False
    address: str | None = None
    workers: int | None = None
    cpus_per_task: int = 1
    retries: int = 2
    baseline: str | None = None
    replay: bool = False
    provider: str = "cpu"
    categories: str | None = None
    camera_frames: str | None = None
    version: str | None = None


def engine_settings(options: FleetOptions) -> EngineSettings:
    """The evaluator's settings: the engine runs as many threads as a task has CPUs."""
    return EngineSettings(
        models=tuple(options.models),
        fusion=options.fusion,
        threads=options.cpus_per_task,
        score_threshold=options.score_threshold,
        aliases=tuple(sorted(options.aliases.items())),
        limit=options.limit,
        provider=options.provider,
        categories=options.categories,
        camera_frames=options.camera_frames,
        version=options.version,
    )


def validate(options: FleetOptions) -> None:
    """Raises UsageError for options no task could run with."""
    if not options.drives:
        raise UsageError("no drives: give DRIVE arguments or --drives FILE")
    if not options.models:
        raise UsageError("no --model: give at least one model manifest")
    for model in options.models:
        require_file(model.manifest, "--model")
        if model.weights is not None:
            require_file(model.weights, "--weights")
    if isinstance(options.fusion, str):
        require_file(options.fusion, "--fusion")
    if options.categories is not None:
        require_file(options.categories, "--categories")
    for name in ("workers", "cpus_per_task", "limit"):
        value = getattr(options, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} {value}: must be at least 1")
    if options.retries < 0:
        raise UsageError(f"--retries {options.retries}: must be 0 or more")


def require_file(path: str, option: str) -> None:
    """Raises UsageError when `path` is not a readable file."""
    if not os.path.isfile(path):
        raise UsageError(f"{option} {path}: no such file")


def prepare_out(out: str) -> None:
    """Creates OUT before the long work, so that a bad path fails at once."""
    try:
        os.makedirs(os.path.join(out, "drives"), exist_ok=True)
    except OSError as error:
        raise UsageError(f"--out {out}: cannot create it: {error.strerror}") from None


def load_baseline(path: str) -> dict[str, Any]:
    """A previous fleet.json, checked for the parts the comparison reads."""
    try:
        with open(path, encoding="utf-8") as file:
            baseline = json.load(file)
    except OSError as error:
        raise UsageError(f"--baseline {path}: cannot read it: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(
            f"--baseline {path}: line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    if not isinstance(baseline, dict) or not isinstance(baseline.get("drives"), list):
        raise UsageError(f"--baseline {path}: field `drives`: expected a list (is it a fleet.json?)")
    return baseline
