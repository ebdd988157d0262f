"""Tests of `panoptes.fleet` on a real Ray cluster of three nodes started inside the test.

The drives are simulated by the CLI (`PANOPTES_BIN`, default target/release/panoptes); every
drive's report is checked against `panoptes.Evaluator` run here, in the test process.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import ray
from ray.cluster_utils import Cluster

import panoptes
from panoptes import fleet

REPOSITORY = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("PANOPTES_BIN", REPOSITORY / "target/release/panoptes"))
MODEL = REPOSITORY / "models/panoptes-net/panoptes-net.toml"
FUSION = REPOSITORY / "models/panoptes-net/fusion.toml"
OBJECT_STORE_BYTES = 100 * 1024 * 1024
RETRIES = 2


def simulate(out: Path, seed: int, frames: int, *extra: str) -> Path:
    """A drive written by `panoptes sim`."""
    subprocess.run(
        [
            str(BINARY),
            "sim",
            str(out),
            "--rig",
            "nuscenes6",
            "--frames",
            str(frames),
            "--seed",
            str(seed),
            *extra,
        ],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def drives(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Short drives, a nuScenes dataroot of two scenes, a corrupt drive and long drives."""
    if not BINARY.is_file():
        pytest.fail(
            f"{BINARY}: no panoptes binary: build it (cargo build --release -p panoptes-cli)"
            " or set PANOPTES_BIN"
        )
    root = tmp_path_factory.mktemp("fleet-drives")
    short = [simulate(root / f"drive-{seed}", seed, 3) for seed in (610, 611, 612, 613)]
    dataroot = simulate(
        root / "dataroot", 616, 6, "--format", "nuscenes", "--scenes", "2", "--key-every", "3"
    )
    corrupt = root / "corrupt"
    shutil.copytree(short[0], corrupt)
    (corrupt / "index.json").write_text("{ this is not an index", encoding="utf-8")
    long = [simulate(root / f"long-{seed}", seed, 10) for seed in (614, 615)]
    return {"short": short, "dataroot": dataroot, "corrupt": corrupt, "long": long}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A head without CPUs (so every task runs on a worker node) and two one-CPU worker nodes.

    Ray puts the driver's working directory on its workers' sys.path: the tests run from an
    empty one, so that from python/ the workers import the installed package, not the sources.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("driver"))
        cluster = Cluster(
            initialize_head=True,
            head_node_args={"num_cpus": 0, "object_store_memory": OBJECT_STORE_BYTES},
        )
        try:
            for _ in range(2):
                cluster.add_node(num_cpus=1, object_store_memory=OBJECT_STORE_BYTES)
            cluster.wait_for_nodes()
            yield cluster
        finally:
            ray.shutdown()
            cluster.shutdown()


def options_for(drives: list[Path], out: Path, address: str, **overrides: Any) -> fleet.FleetOptions:
    """The fleet's options for the simulated drives: panoptes-net with the simulator's fusion settings."""
    return fleet.FleetOptions(
        drives=[fleet.DriveSpec(str(drive)) for drive in drives],
        models=[fleet.Model(str(MODEL))],
        fusion=str(FUSION),
        out=str(out),
        address=address,
        retries=RETRIES,
        **overrides,
    )


def without_wall_seconds(value: Any) -> Any:
    """`value` as JSON would carry it, without any `wall_seconds` at any depth."""
    value = json.loads(json.dumps(value))

    def strip(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: strip(inner) for key, inner in item.items() if key != "wall_seconds"}
        if isinstance(item, list):
            return [strip(inner) for inner in item]
        return item

    return strip(value)


def test_fleet_evaluates_every_drive_merges_them_and_reports_the_corrupt_one(
    cluster: Cluster, drives: dict[str, Any], tmp_path: Path
) -> None:
    out = tmp_path / "fleet"
    inputs = [*drives["short"], drives["dataroot"], drives["corrupt"]]
    progress = io.StringIO()
    report = fleet.run(options_for(inputs, out, cluster.address, per_scene=True), progress_stream=progress)

    saved = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(report))
    assert {"models", "drives", "fleet", "throughput", "failures"} <= saved.keys()
    assert saved["models"] == [{"manifest": str(MODEL), "weights": None}]

    scenes = panoptes.drive_scenes(str(drives["dataroot"]))
    assert len(scenes) == 2
    expected = [(str(drive), None) for drive in drives["short"]]
    expected += [(str(drives["dataroot"]), scene) for scene in scenes]
    expected += [(str(drives["corrupt"]), None)]
    assert [(entry["drive"], entry["scene"]) for entry in saved["drives"]] == expected

    corrupt = saved["drives"][-1]
    assert corrupt["status"] == "failed"
    assert corrupt["attempts"] == 1 + RETRIES
    assert len(corrupt["causes"]) == 1 + RETRIES
    for cause in corrupt["causes"]:
        assert str(drives["corrupt"] / "index.json") in cause
        assert "\n" not in cause
    assert saved["failures"] == [
        {"drive": str(drives["corrupt"]), "scene": None, "attempts": 1 + RETRIES, "causes": corrupt["causes"]}
    ]

    evaluator = panoptes.Evaluator([str(MODEL)], [None], fusion=str(FUSION), threads=1)
    evaluations = []
    for entry in saved["drives"][:-1]:
        assert (entry["status"], entry["attempts"], entry["causes"]) == ("ok", 1, [])
        alone = evaluator.evaluate(entry["drive"], None if entry["scene"] is None else [entry["scene"]])
        evaluations.append(alone)
        written = json.loads((out / entry["eval"]).read_text(encoding="utf-8"))
        assert without_wall_seconds(written) == without_wall_seconds(alone.report)
        assert entry["frame_sets"] == alone.frame_sets
        assert entry["metrics"] == {
            metric.key: fleet.lookup(alone.report, metric.key) for metric in fleet.METRICS
        }
    assert any(value is not None for value in saved["drives"][0]["metrics"].values())

    merged = panoptes.merge_evaluations(evaluations, fleet.FLEET_NAME)
    assert without_wall_seconds(saved["fleet"]) == without_wall_seconds(merged.report)
    assert saved["fleet_error"] is None

    throughput = saved["throughput"]
    assert (throughput["drives"], throughput["succeeded"], throughput["failed"]) == (7, 6, 1)
    assert throughput["frame_sets"] == sum(evaluation.frame_sets for evaluation in evaluations)

    worker_nodes = {node.node_id for node in cluster.worker_nodes}
    workers = [entry["worker"] for entry in saved["drives"][:-1]]
    assert {worker["node"] for worker in workers} <= worker_nodes
    for process in {(worker["node"], worker["pid"]) for worker in workers}:
        loads = [worker["engine_loaded"] for worker in workers if (worker["node"], worker["pid"]) == process]
        assert sum(loads) <= 1, f"worker process {process} loaded its engine more than once"
    assert throughput["engines_loaded"] == sum(worker["engine_loaded"] for worker in workers)

    lines = progress.getvalue().splitlines()
    assert len(lines) == 7
    assert lines[-1].startswith("panoptes-fleet: 7/7 drives, 1 failed, 0 in flight")
    assert f"{throughput['frame_sets']} frame sets" in lines[-1] and "2 retries" in lines[-1]
    assert sum("corrupt: failed after 3 attempts" in line for line in lines) == 1

    assert fleet.exit_status(saved) == 1
    table = fleet.summary_table(saved)
    assert f"failed: {drives['corrupt']} (3 attempts)" in table
    assert "6/7 drives ok, 1 failed" in table


def kill_first_task_process(running: threading.Thread) -> int | None:
    """SIGKILLs the first worker process found running the fleet's task; its pid."""
    title = f"ray::{fleet.evaluate_drive.__name__}"
    while running.is_alive():
        for process in psutil.process_iter(["pid", "cmdline"]):
            command = process.info["cmdline"] or []
            if command and command[0].startswith(title):
                process.kill()
                return process.info["pid"]
        time.sleep(0.02)
    return None


def test_a_worker_killed_mid_task_is_survived_by_a_retry(
    cluster: Cluster, drives: dict[str, Any], tmp_path: Path
) -> None:
    options = options_for(drives["long"], tmp_path / "fleet", cluster.address)
    outcome: dict[str, Any] = {}

    def evaluate() -> None:
        try:
            outcome["report"] = fleet.run(options, progress_stream=io.StringIO())
        except BaseException as error:  # handed to the test's thread below
            outcome["error"] = error

    running = threading.Thread(target=evaluate)
    running.start()
    killed = kill_first_task_process(running)
    running.join()
    assert "error" not in outcome, outcome.get("error")
    assert killed is not None, "the fleet finished before a task process was found"

    report = outcome["report"]
    assert [entry["status"] for entry in report["drives"]] == ["ok", "ok"]
    assert report["failures"] == []
    retried = [entry for entry in report["drives"] if entry["attempts"] >= 2]
    assert len(retried) == 1
    assert "worker died" in retried[0]["causes"][0].lower()
    assert retried[0]["worker"]["pid"] != killed
    assert fleet.exit_status(report) == 0


def test_replay_writes_each_drives_outputs_as_the_replay_function_does(
    cluster: Cluster, drives: dict[str, Any], tmp_path: Path
) -> None:
    drive = drives["short"][1]
    report = fleet.run(
        options_for([drive], tmp_path / "fleet", cluster.address, replay=True), progress_stream=io.StringIO()
    )
    entry = report["drives"][0]
    assert entry["status"] == "ok" and entry["replay"]["frame_sets"] == 3
    written = tmp_path / "fleet" / entry["replay"]["out"]
    panoptes.replay(str(drive), [str(MODEL)], str(tmp_path / "direct"), fusion=str(FUSION), threads=1)

    def records(folder: Path) -> list[dict[str, Any]]:
        lines = (folder / "perception.jsonl").read_text(encoding="utf-8").splitlines()
        return [{key: value for key, value in json.loads(line).items() if key != "timing_ms"} for line in lines]

    assert records(written) == records(tmp_path / "direct")
    assert json.loads((written / "report.json").read_text())["frame_sets"] == 3


def fleet_report(
    figures: dict[str, Any], drives: dict[tuple[str, str | None], float | None]
) -> dict[str, Any]:
    """A hand-written fleet.json: fleet-wide figures and each drive's detection.map50."""
    return {
        "fleet": figures,
        "drives": [
            {"drive": drive, "scene": scene, "metrics": {"detection.map50": value}}
            for (drive, scene), value in drives.items()
        ],
    }


def test_baseline_comparison_follows_each_metrics_direction() -> None:
    baseline = fleet_report(
        {
            "detection": {"map50": 0.5},
            "depth": {"abs_rel": 0.10},
            "ego": {"duplicates": {"camera_overlap_fraction": 0.2}},
            "pose": None,
        },
        {
            ("/a", None): 0.5,
            ("/b", None): 0.6,
            ("/c", None): 0.4,
            ("/d", None): 0.3,
            ("/root", "scene-1"): 0.2,
            ("/root", "scene-2"): 0.2,
            ("/gone", None): 0.9,
        },
    )
    current = fleet_report(
        {
            "detection": {"map50": 0.55},
            "depth": {"abs_rel": 0.12},
            "ego": {"duplicates": {"camera_overlap_fraction": 0.1}},
            "pose": {"pck": 0.8},
        },
        {
            ("/a", None): 0.8,
            ("/b", None): 0.2,
            ("/c", None): 0.5,
            ("/d", None): 0.35,
            ("/root", "scene-1"): 0.2,
            ("/new", None): 0.1,
            ("/e", None): None,
        },
    )
    comparison = fleet.compare(baseline, current)
    by_key = {entry["key"]: entry for entry in comparison["metrics"]}
    assert [entry["key"] for entry in comparison["metrics"]] == [metric.key for metric in fleet.METRICS]

    detection = by_key["detection.map50"]
    assert (detection["baseline"], detection["now"], detection["verdict"]) == (0.5, 0.55, "better")
    assert detection["change"] == pytest.approx(0.05)
    assert [(entry["drive"], entry["verdict"]) for entry in detection["drives"]] == [
        ("/b", "worse"),
        ("/a", "better"),
        ("/c", "better"),
    ]
    assert detection["drives"][0]["change"] == pytest.approx(-0.4)
    assert by_key["depth.abs_rel"]["verdict"] == "worse"
    assert by_key["ego.duplicates.camera_overlap_fraction"]["verdict"] == "better"
    assert (by_key["pose.pck"]["change"], by_key["pose.pck"]["verdict"]) == (None, None)
    assert by_key["segmentation.miou"]["drives"] == []

    assert comparison["only_in_baseline"] == [
        {"drive": "/root", "scene": "scene-2"},
        {"drive": "/gone", "scene": None},
    ]
    assert comparison["only_now"] == [{"drive": "/new", "scene": None}, {"drive": "/e", "scene": None}]

    table = fleet.comparison_table(comparison)
    assert "detection mAP@0.5: 0.500 → 0.550  +0.050 better" in table
    assert "depth AbsRel: 0.100 → 0.120  +0.020 worse" in table
    assert "ego duplicates (camera overlap): 20.0 % → 10.0 %  -10.0 pp better" in table
    assert "pose PCK: - → 0.800  -" in table
    assert "only in the baseline: /root#scene-2" in table
    assert "only now: /new" in table


def test_drive_lists_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "drives.txt"
    listing.write_text(
        "# the fleet\n/data/d1\n\n/data/root#scene-0616   # one scene\n  /data/d2 # two\n", encoding="utf-8"
    )
    options = fleet.parse_arguments(
        [
            "/data/d0",
            "--drives",
            str(listing),
            "--model",
            str(MODEL),
            "--weights",
            "w.onnx",
            "--out",
            "o",
            "--alias",
            "person=pedestrian",
            "--no-fusion",
            "--per-scene",
            "--categories",
            "map.toml",
            "--camera-frames",
            "all",
            "--version",
            "v1.0-mini",
            "--provider",
            "cuda,cpu",
        ]
    )
    assert (options.categories, options.camera_frames, options.version, options.provider) == (
        os.path.abspath("map.toml"),
        "all",
        "v1.0-mini",
        "cuda,cpu",
    )
    assert options.drives == [
        fleet.DriveSpec("/data/d0"),
        fleet.DriveSpec("/data/d1"),
        fleet.DriveSpec("/data/root", "scene-0616"),
        fleet.DriveSpec("/data/d2"),
    ]
    assert options.models == [fleet.Model(str(MODEL), os.path.abspath("w.onnx"))]
    assert (options.fusion, options.aliases, options.per_scene) == (False, {"person": "pedestrian"}, True)

    out = str(tmp_path / "out")
    failing = {
        ("--out", out, "--model", str(MODEL)): "no drives",
        ("/d", "--weights", "w.onnx", "--model", str(MODEL), "--out", out): "comes before any --model",
        ("/d", "--model", str(tmp_path / "missing.toml"), "--out", out): "missing.toml: no such file",
        ("/d", "--model", str(MODEL), "--out", out, "--alias", "person"): "expected MODEL=DRIVE",
        (
            "/d",
            "--model",
            str(MODEL),
            "--out",
            out,
            "--baseline",
            str(listing),
        ): f"--baseline {listing}: line 1",
        ("/d", "--model", str(MODEL), "--out", out, "--retries", "-1"): "must be 0 or more",
        ("/d", "--model", str(MODEL), "--out", out, "--categories", "nowhere.toml"): "nowhere.toml: no such file",
    }
    for arguments, message in failing.items():
        assert fleet.main(list(arguments)) == 2, arguments
        error = capsys.readouterr().err
        assert error.count("\n") == 1 and message in error, (arguments, error)
