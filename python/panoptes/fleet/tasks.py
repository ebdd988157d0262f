"""The Ray side: the task that evaluates one drive with its worker's engine, connecting to a
cluster, and running every task with bounded retries."""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from typing import Any

import panoptes

from .options import EngineSettings, FleetOptions, UsageError


class TaskFailed(RuntimeError):
    """An evaluation task's exception as one line, whatever its type (always picklable)."""


@dataclasses.dataclass
class TaskResult:
    """What one successful task sends back to the driver."""

    evaluation: Any
    worker: dict[str, Any]
    task_seconds: float
    replay: dict[str, Any] | None = None


@dataclasses.dataclass
class DriveTask:
    """One task (a drive or a scene) across its attempts."""

    drive: str
    scene: str | None
    name: str
    attempts: int = 0
    causes: list[str] = dataclasses.field(default_factory=list)
    result: TaskResult | None = None


_EVALUATORS: dict[EngineSettings, Any] = {}


def evaluator_for(settings: EngineSettings) -> tuple[Any, bool]:
    """This process's evaluator for `settings`, built on first use; True when built now."""
    evaluator = _EVALUATORS.get(settings)
    if evaluator is not None:
        return evaluator, False
    evaluator = panoptes.Evaluator(
        [model.manifest for model in settings.models],
        [model.weights for model in settings.models],
        fusion=settings.fusion,
        threads=settings.threads,
        score_threshold=settings.score_threshold,
        aliases=dict(settings.aliases) or None,
        limit=settings.limit,
        provider=settings.provider,
        categories=settings.categories,
        camera_frames=settings.camera_frames,
        version=settings.version,
    )
    _EVALUATORS[settings] = evaluator
    return evaluator, True


def evaluate_drive(
    settings: EngineSettings, drive: str, scene: str | None, replay_out: str | None = None
) -> TaskResult:
    """The Ray task: evaluates one drive (or one scene of a dataroot) with this process's engine;
    with `replay_out`, first replays it there as `panoptes replay` does (a second run of the
    models, on the task's threads)."""
    import ray

    started = time.perf_counter()
    scenes = [scene] if scene is not None else None
    try:
        replay = replay_drive(settings, drive, scenes, replay_out) if replay_out else None
        evaluator, loaded = evaluator_for(settings)
        evaluation = evaluator.evaluate(drive, scenes)
    except Exception as error:
        raise TaskFailed(one_line(error)) from None
    worker = {
        "node": ray.get_runtime_context().get_node_id(),
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "engine_loaded": loaded,
    }
    return TaskResult(evaluation, worker, time.perf_counter() - started, replay)


def replay_drive(
    settings: EngineSettings, drive: str, scenes: list[str] | None, out: str
) -> dict[str, Any]:
    """Replays a drive into `out` (perception.jsonl, masks, depth, bird's-eye views,
    report.json); what its report says about it."""
    reports = panoptes.replay(
        drive,
        [model.manifest for model in settings.models],
        out,
        [model.weights for model in settings.models],
        scenes=scenes,
        fusion=settings.fusion,
        threads=settings.threads,
        limit=settings.limit,
        workers=1,
        provider=settings.provider,
        categories=settings.categories,
        camera_frames=settings.camera_frames,
        version=settings.version,
    )
    return {
        "out": out,
        "frame_sets": sum(report["frame_sets"] for report in reports),
        "errors": sum(report["errors"] for report in reports),
        "wall_seconds": sum(report["wall_seconds"] for report in reports),
    }


def one_line(error: BaseException) -> str:
    """`Type: message` on one line."""
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def describe_failure(error: Exception) -> str:
    """The one-line cause of a failed attempt: the task's own exception, or what Ray saw."""
    import ray

    if isinstance(error, ray.exceptions.RayTaskError):
        cause = error.cause
        return str(cause) if isinstance(cause, TaskFailed) else one_line(cause)
    return one_line(error)


def connect(address: str | None) -> bool:
    """Connects this process to Ray (a local instance when `address` is None).

    An existing connection is used as it is; True when this call connected (and so must
    disconnect).
    """
    import ray

    if ray.is_initialized():
        return False
    if address is not None:
        check_reachable(address)
    arguments: dict[str, Any] = {"address": address}
    if address is None:
        arguments["include_dashboard"] = False
    if not (address or "").startswith("ray://"):
        arguments["log_to_driver"] = False
    try:
        ray.init(**arguments)
    except Exception as error:
        raise UsageError(
            f"--address {address or '(local)'}: cannot start or reach Ray: {one_line(error)}"
        ) from None
    return True


def check_reachable(address: str) -> None:
    """Fails at once, rather than after Ray's minutes of retries, when nothing listens at
    HOST:PORT (`auto` and other forms are left to Ray)."""
    host, separator, port = address.removeprefix("ray://").rpartition(":")
    if not separator or not port.isdigit():
        return
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=5).close()
    except OSError as error:
        raise UsageError(
            f"--address {address}: nothing answers at {host}:{port}: {error.strerror or error}"
        ) from None


def concurrency(options: FleetOptions) -> int:
    """Tasks in flight at most: --workers, else the cluster's CPUs / --cpus-per-task."""
    import ray

    cpus = int(ray.cluster_resources().get("CPU", 0))
    if cpus < options.cpus_per_task:
        raise UsageError(f"--cpus-per-task {options.cpus_per_task}: the Ray cluster has only {cpus} CPUs")
    return options.workers or max(1, cpus // options.cpus_per_task)
