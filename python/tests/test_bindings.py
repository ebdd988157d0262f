"""The bindings give the Rust engine's own results: the same files as `panoptes replay`, the
same records from the embedding API, the same figures as `panoptes eval`, on the sample drive.

The CLI is `PANOPTES_BIN` (default target/release/panoptes, built by python/test.sh).
"""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import panoptes

REPOSITORY = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("PANOPTES_BIN", REPOSITORY / "target/release/panoptes"))
SAMPLE = REPOSITORY / "assets/sample-drive"
MODEL = REPOSITORY / "models/panoptes-net/panoptes-net.toml"
FRAME_SETS = 4


def without(value: Any, keys: set[str]) -> Any:
    """`value` with those keys removed at every depth (timings differ from run to run)."""
    if isinstance(value, dict):
        return {key: without(item, keys) for key, item in value.items() if key not in keys}
    if isinstance(value, list):
        return [without(item, keys) for item in value]
    return value


def cli(*arguments: str) -> None:
    if not BINARY.is_file():
        pytest.fail(f"{BINARY}: no panoptes binary: run python/test.sh, or set PANOPTES_BIN")
    subprocess.run([str(BINARY), *arguments], check=True, capture_output=True)


def records(directory: Path) -> list[dict[str, Any]]:
    lines = (directory / "perception.jsonl").read_text(encoding="utf-8").splitlines()
    return [without(json.loads(line), {"timing_ms"}) for line in lines]


@pytest.fixture(scope="module")
def cli_replay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli-replay")
    cli("replay", str(SAMPLE), "--model", str(MODEL), "--limit", str(FRAME_SETS), "--out", str(out))
    return out


def test_replay_writes_what_the_command_writes(cli_replay: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    reports = panoptes.replay(SAMPLE, [MODEL], tmp_path, limit=FRAME_SETS,
                              progress=lambda done, total: calls.append((done, total)))
    assert len(reports) == 1 and reports[0]["frame_sets"] == FRAME_SETS
    assert calls[-1] == (FRAME_SETS, FRAME_SETS)
    assert records(tmp_path) == records(cli_replay)
    written = sorted(path.relative_to(tmp_path) for path in tmp_path.rglob("*.png"))
    assert written == sorted(path.relative_to(cli_replay) for path in cli_replay.rglob("*.png"))
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (cli_replay / relative).read_bytes(), relative


def test_perception_results_equal_the_replay_records(cli_replay: Path) -> None:
    drive = panoptes.open_drive(SAMPLE)[0]
    assert len(drive) == 8 and drive.rig.cameras[1] == "CAM_FRONT"
    expected = records(cli_replay)
    with panoptes.Perception(drive.rig, [MODEL], queue=FRAME_SETS) as perception:
        for index in range(FRAME_SETS):
            assert perception.push_set(drive[index])["outcome"] == "queued"
        results = [perception.next_result(timeout=60) for _ in range(FRAME_SETS)]
        stats = perception.stats()
    assert stats["results"] == FRAME_SETS and stats["failed"] == 0
    for result, record in zip(results, expected):
        assert result is not None and result.failure is None
        assert without(result.record, {"timing_ms"}) == record
        front = result.detections["CAM_FRONT"]
        # The record's JSON holds each float32 in its shortest form: compare as float32.
        assert [(d.label, np.float32(d.score), list(np.float32(d.box_xywh))) for d in front] == [
            (d["label"], np.float32(d["score"]), list(np.float32(d["box_xywh"])))
            for d in record["cameras"]["CAM_FRONT"]["detections"]
        ]
        assert [o.id for o in result.objects_ego] == [o["id"] for o in record["objects_ego"]]
        # Masks and depth without a copy: NumPy views of the engine's buffers, the PNGs' pixels.
        for camera, heads in result.masks.items():
            for head, mask in heads.items():
                assert mask.dtype == np.uint8 and not mask.flags.owndata
                png = cli_replay / record["cameras"][camera]["masks"][head]
                assert np.array_equal(mask, np.asarray(Image.open(png))), png
        depth = result.depth["CAM_FRONT"]
        png = np.asarray(Image.open(cli_replay / record["cameras"]["CAM_FRONT"]["depth"]))
        # The PNG holds whole millimetres, saturating at 65 535.
        millimetres = np.where(np.isfinite(depth), np.minimum(np.round(depth * 1000), 65535), 0)
        assert np.abs(millimetres - png.astype(np.float64)).max() <= 1
        assert result.bev is not None and result.bev.shape == (400, 400)


def test_images_pushed_as_arrays_and_as_lossless_files_give_the_same_results() -> None:
    drive = panoptes.open_drive(SAMPLE)[0]
    frames: dict[str, np.ndarray] = {}
    for frame in json.loads((SAMPLE / "index.json").read_text())["frames"]:
        if frame["camera"] not in frames:
            frames[frame["camera"]] = np.asarray(Image.open(SAMPLE / frame["image"]).convert("RGB"))
    assert sorted(frames) == sorted(drive.rig.cameras)
    outcomes = []
    with panoptes.Perception(drive.rig, [MODEL], queue=4) as perception:
        for timestamp, form in ((1_000_000, "array"), (2_000_000, "png"), (3_000_000, "bgr")):
            for camera, pixels in frames.items():
                if form == "array":
                    image, layout = pixels, "rgb"
                elif form == "bgr":
                    image, layout = np.ascontiguousarray(pixels[:, :, ::-1]), "bgr"
                else:
                    buffer = io.BytesIO()
                    Image.fromarray(pixels).save(buffer, format="PNG")
                    image, layout = buffer.getvalue(), "rgb"
                outcomes.append(perception.push_frame(camera, timestamp, image, layout)["outcome"])
        results = [perception.next_result(timeout=60) for _ in range(3)]
    assert outcomes.count("queued") == 3
    assert all(result is not None and result.failure is None for result in results)
    detections = [
        {camera: [(d.label, d.score, d.box_xywh) for d in found] for camera, found in result.detections.items()}
        for result in results
    ]
    assert sum(len(found) for found in detections[0].values()) > 0
    assert detections[0] == detections[1] == detections[2]


def test_evaluation_equals_the_command_and_merges_and_pickles(tmp_path: Path) -> None:
    report = tmp_path / "eval.json"
    cli("eval", str(SAMPLE), "--model", str(MODEL), "--limit", "3", "--threads", "1", "--json", str(report))
    expected = json.loads(report.read_text())
    evaluator = panoptes.Evaluator([MODEL], threads=1, limit=3)
    evaluation = evaluator.evaluate(SAMPLE)
    assert without(evaluation.report, {"wall_seconds"}) == without(expected, {"wall_seconds"})
    assert evaluation.frame_sets == 3
    copy = pickle.loads(pickle.dumps(evaluation))
    assert copy.report == evaluation.report and copy.scores == evaluation.scores
    merged = panoptes.merge_evaluations([evaluation, copy], "twice")
    assert merged.report["frame_sets"] == 6 and len(merged.report["scenes"]) == 2
    detection = merged.report["detection"]
    assert detection["map50"] == pytest.approx(expected["detection"]["map50"])
    other = panoptes.Evaluator([REPOSITORY / "models/panoptes-net/panoptes-net-detection.toml"],
                               threads=1, limit=1).evaluate(SAMPLE)
    with pytest.raises(panoptes.PanoptesError, match="different models"):
        panoptes.merge_evaluations([evaluation, other], "mixed")


def test_errors_are_panoptes_errors_naming_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(panoptes.PanoptesError, match="not a drive"):
        panoptes.open_drive(tmp_path / "nowhere")
    rig = panoptes.open_drive(SAMPLE)[0].rig
    with pytest.raises(panoptes.PanoptesError, match="missing.toml"):
        panoptes.Perception(rig, [tmp_path / "missing.toml"])
    with pytest.raises(panoptes.PanoptesError, match="one per model"):
        panoptes.Evaluator([MODEL], weights=[None, None])
    with panoptes.Perception(rig, [MODEL]) as perception:
        with pytest.raises(panoptes.PanoptesError, match="not a nv12 image"):
            perception.push_frame("CAM_FRONT", 1, np.zeros((5, 7), np.uint8), "nv12")
        with pytest.raises(panoptes.PanoptesError, match="not in the rig"):
            perception.push_frame("CAM_ROOF", 1, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(panoptes.PanoptesError, match="shut down"):
        perception.stats()


def test_instance_masks_come_as_arrays_over_their_box() -> None:
    drive = panoptes.open_drive(SAMPLE)[0]
    model = REPOSITORY / "models/exports/yolo11-seg-tiny.toml"
    with panoptes.Perception(drive.rig, [model], queue=1) as perception:
        assert perception.push_set(drive[0])["outcome"] == "queued"
        result = perception.next_result(timeout=60)
    assert result is not None and result.failure is None
    checked = 0
    for camera, detections in result.detections.items():
        written = result.record["cameras"][camera]["detections"]
        for detection, record in zip(detections, written):
            left, top, width, height = detection.mask_rectangle
            assert record["mask"] == {"rectangle": [left, top, width, height], "counts": detection.mask_counts}
            mask = detection.mask()
            assert mask.shape == (height, width) and mask.dtype == np.uint8
            assert int(mask.sum()) == sum(detection.mask_counts[1::2])
            checked += 1
    assert checked > 0
