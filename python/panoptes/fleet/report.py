"""Running a fleet and its report: drives expanded into tasks, progress, each drive's entry,
the merged figures, throughput, fleet.json."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from collections import deque
from typing import Any, TextIO

import panoptes

from .compare import compare
from .metrics import headline
from .options import DriveSpec, EngineSettings, FleetOptions, engine_settings, load_baseline, prepare_out, validate
from .tasks import DriveTask, concurrency, connect, describe_failure, evaluate_drive, one_line

FLEET_NAME = "fleet"
PROGRAM = "panoptes-fleet"
REFRESH_SECONDS = 0.5


def expand_drives(drives: list[DriveSpec], per_scene: bool, version: str | None = None) -> list[DriveSpec]:
    """One spec per task: with `per_scene`, a dataroot becomes one spec per scene.

    A drive whose scenes cannot be listed stays one task, whose evaluation then fails with the
    reason (and is retried and reported like any other failure).
    """
    tasks = []
    for spec in drives:
        scenes = scenes_of(spec.path, version) if per_scene and spec.scene is None else []
        tasks.extend([DriveSpec(spec.path, scene) for scene in scenes] or [spec])
    return tasks


def scenes_of(path: str, version: str | None = None) -> list[str]:
    """The scenes of a nuScenes dataroot; none for our drive, or when they cannot be listed."""
    try:
        return panoptes.drive_scenes(path, version)
    except panoptes.PanoptesError:
        return []


def output_names(tasks: list[DriveSpec]) -> list[str]:
    """A distinct, file-system-safe folder name per task: the drive's base name and scene."""
    names: list[str] = []
    for spec in tasks:
        stem = os.path.basename(spec.path.rstrip(os.sep)) or "drive"
        if spec.scene is not None:
            stem = f"{stem}-{spec.scene}"
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem)
        name, copy = stem, 1
        while name in names:
            copy += 1
            name = f"{stem}-{copy}"
        names.append(name)
    return names


def write_json_atomically(path: str, value: Any) -> None:
    """Writes `value` as JSON to `path` whole or not at all (a temporary file, then a rename)."""
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(value, file, indent=2, ensure_ascii=False)
            file.write("\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class Progress:
    """Drives done, failed, in flight, frame sets and their rate, retries, on a stream.

    A terminal gets one line updated in place; anything else a line per finished drive.
    """

    def __init__(self, total: int, stream: TextIO):
        self.total = total
        self.stream = stream
        self.in_place = stream.isatty()
        self.started = time.perf_counter()
        self.done = self.failed = self.in_flight = self.frame_sets = self.retries = 0

    def line(self) -> str:
        """The counts and the rate so far."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        return (
            f"{PROGRAM}: {self.done}/{self.total} drives, {self.failed} failed, "
            f"{self.in_flight} in flight, {self.frame_sets} frame sets, "
            f"{self.frame_sets / elapsed:.2f} frame sets/s, {self.retries} retries"
        )

    def refresh(self) -> None:
        """Rewrites the line in place (a terminal only)."""
        if self.in_place:
            self.stream.write("\r" + self.line() + "\x1b[K")
            self.stream.flush()

    def finished(self, task: DriveTask) -> None:
        """Counts a drive that succeeded or ran out of attempts."""
        self.done += 1
        if task.result is None:
            self.failed += 1
        else:
            self.frame_sets += task.result.evaluation.frame_sets
        if self.in_place:
            self.refresh()
            return
        outcome = "ok" if task.result is not None else f"failed after {task.attempts} attempts"
        self.stream.write(f"{self.line()}  [{task.name}: {outcome}]\n")
        self.stream.flush()

    def close(self) -> None:
        """Ends the line updated in place."""
        if self.in_place:
            self.stream.write("\n")
            self.stream.flush()


def evaluate_all(
    tasks: list[DriveTask], settings: EngineSettings, options: FleetOptions, limit: int, progress: Progress
) -> None:
    """Runs every task, at most `limit` at a time, resubmitting a failed one up to --retries times.

    Ray retries nothing itself, so each attempt and its cause is recorded; each drive's report
    is written as soon as its task succeeds.
    """
    import ray

    # The engine's own thread pool (decoding, fusion) as wide as the CPUs the task reserves,
    # like ONNX Runtime's (`threads`): a node runs no more threads than it has CPUs.
    threads = {"env_vars": {"RAYON_NUM_THREADS": str(options.cpus_per_task)}}
    remote = ray.remote(evaluate_drive).options(
        num_cpus=options.cpus_per_task, max_retries=0, runtime_env=threads
    )
    waiting = deque(tasks)
    in_flight: dict[Any, DriveTask] = {}
    while waiting or in_flight:
        while waiting and len(in_flight) < limit:
            task = waiting.popleft()
            task.attempts += 1
            replay_out = replay_path(options.out, task) if options.replay else None
            in_flight[remote.remote(settings, task.drive, task.scene, replay_out)] = task
        progress.in_flight = len(in_flight)
        ready, _ = ray.wait(list(in_flight), num_returns=1, timeout=REFRESH_SECONDS)
        for reference in ready:
            task = in_flight.pop(reference)
            try:
                task.result = ray.get(reference)
            except ray.exceptions.RayError as error:
                task.causes.append(describe_failure(error))
                if task.attempts <= options.retries:
                    progress.retries += 1
                    waiting.appendleft(task)
                    continue
            else:
                write_json_atomically(eval_path(options.out, task), task.result.evaluation.report)
            progress.in_flight = len(in_flight)
            progress.finished(task)
        progress.refresh()


def replay_path(out: str, task: DriveTask) -> str:
    """Where a drive's replay outputs go (--replay)."""
    return os.path.join(out, "drives", task.name, "replay")


def eval_path(out: str, task: DriveTask) -> str:
    """Where a drive's eval report goes."""
    return os.path.join(out, "drives", task.name, "eval.json")


def drive_entry(task: DriveTask, out: str) -> dict[str, Any]:
    """A drive's line in fleet.json."""
    result = task.result
    evaluation = result.evaluation if result is not None else None
    return {
        "drive": task.drive,
        "scene": task.scene,
        "status": "ok" if result is not None else "failed",
        "attempts": task.attempts,
        "causes": task.causes,
        "frame_sets": evaluation.frame_sets if evaluation is not None else None,
        "wall_seconds": evaluation.wall_seconds if evaluation is not None else None,
        "task_seconds": result.task_seconds if result is not None else None,
        "worker": result.worker if result is not None else None,
        "eval": os.path.relpath(eval_path(out, task), out) if result is not None else None,
        "replay": replay_entry(result.replay, out) if result is not None and result.replay else None,
        "metrics": headline(evaluation.report if evaluation is not None else None),
    }


def replay_entry(replay: dict[str, Any], out: str) -> dict[str, Any]:
    """A drive's replay outputs, their folder relative to OUT."""
    return {**replay, "out": os.path.relpath(replay["out"], out)}


def merged(tasks: list[DriveTask]) -> tuple[dict | None, str | None]:
    """The fleet-wide report over the successful drives in input order, or why there is none."""
    evaluations = [task.result.evaluation for task in tasks if task.result is not None]
    if not evaluations:
        return None, "no drive succeeded"
    try:
        return panoptes.merge_evaluations(evaluations, FLEET_NAME).report, None
    except panoptes.PanoptesError as error:
        return None, one_line(error)


def throughput(tasks: list[DriveTask], wall_seconds: float, limit: int) -> dict[str, Any]:
    """How much the run got through, and with how many workers."""
    results = [task.result for task in tasks if task.result is not None]
    frame_sets = sum(result.evaluation.frame_sets for result in results)
    return {
        "drives": len(tasks),
        "succeeded": len(results),
        "failed": len(tasks) - len(results),
        "frame_sets": frame_sets,
        "wall_seconds": wall_seconds,
        "frame_sets_per_second": frame_sets / wall_seconds if wall_seconds > 0 else None,
        "task_seconds": sum(result.task_seconds for result in results),
        "workers": limit,
        "worker_processes": len({(r.worker["node"], r.worker["pid"]) for r in results}),
        "nodes": len({result.worker["node"] for result in results}),
        "engines_loaded": sum(result.worker["engine_loaded"] for result in results),
    }


def run(options: FleetOptions, progress_stream: TextIO | None = None) -> dict[str, Any]:
    """Evaluates the fleet and writes OUT/drives/*/eval.json and OUT/fleet.json; returns the latter.

    Raises UsageError for a wrong option, before any task runs.
    """
    validate(options)
    baseline = load_baseline(options.baseline) if options.baseline else None
    prepare_out(options.out)
    settings = engine_settings(options)
    owns_connection = connect(options.address)
    try:
        limit = concurrency(options)
        specs = expand_drives(options.drives, options.per_scene, options.version)
        tasks = [DriveTask(spec.path, spec.scene, name) for spec, name in zip(specs, output_names(specs))]
        progress = Progress(len(tasks), progress_stream or sys.stderr)
        started = time.perf_counter()
        evaluate_all(tasks, settings, options, limit, progress)
        wall_seconds = time.perf_counter() - started
        progress.close()
    finally:
        if owns_connection:
            import ray

            ray.shutdown()
    fleet, fleet_error = merged(tasks)
    report: dict[str, Any] = {
        "models": [dataclasses.asdict(model) for model in options.models],
        "settings": settings_entry(options),
        "drives": [drive_entry(task, options.out) for task in tasks],
        "fleet": fleet,
        "fleet_error": fleet_error,
        "throughput": throughput(tasks, wall_seconds, limit),
        "failures": [
            {"drive": task.drive, "scene": task.scene, "attempts": task.attempts, "causes": task.causes}
            for task in tasks
            if task.result is None
        ],
    }
    if baseline is not None:
        report["comparison"] = compare(baseline, report)
        report["comparison"]["baseline"] = options.baseline
    write_json_atomically(os.path.join(options.out, "fleet.json"), report)
    return report


def settings_entry(options: FleetOptions) -> dict[str, Any]:
    """The evaluation settings, recorded so that two fleet reports can be told apart."""
    return {
        "fusion": options.fusion,
        "score_threshold": options.score_threshold,
        "aliases": options.aliases,
        "limit": options.limit,
        "provider": options.provider,
        "categories": options.categories,
        "camera_frames": options.camera_frames,
        "version": options.version,
        "per_scene": options.per_scene,
        "cpus_per_task": options.cpus_per_task,
        "retries": options.retries,
        "replay": options.replay,
        "address": options.address,
    }


def exit_status(report: dict[str, Any]) -> int:
    """0 when every drive succeeded and merged, 1 otherwise."""
    return 0 if not report["failures"] and report["fleet_error"] is None else 1
