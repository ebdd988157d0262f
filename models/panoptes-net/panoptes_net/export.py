"""ONNX export (opset 17, dynamic batch, float32) and the manifest models/MANIFEST.md describes."""

import os

import onnx
import torch

from .model import Exported
from .spec import (
    DETECTION_CLASSES, INPUT_HEIGHT, INPUT_WIDTH, KEYPOINTS, MAX_DEPTH, MEAN, MIN_DEPTH,
    SEGMENTATION_CLASSES, STD,
)

OUTPUTS = {"detection": "detections", "segmentation": "segmentation", "depth": "depth"}


def export_onnx(model, path):
    """Writes the model as ONNX; returns the file size in bytes."""
    wrapper = Exported(model).eval()
    names = [OUTPUTS[task] for task in model.tasks]
    dummy = torch.zeros(1, 3, INPUT_HEIGHT, INPUT_WIDTH)
    torch.onnx.export(
        wrapper,
        dummy,
        path,
        opset_version=17,
        input_names=["images"],
        output_names=names,
        dynamic_axes={"images": {0: "batch"}, **{name: {0: "batch"} for name in names}},
        do_constant_folding=True,
    )
    onnx.checker.check_model(onnx.load(path))
    return os.path.getsize(path)


def quoted(names):
    return "[" + ", ".join(f'"{name}"' for name in names) + "]"


def manifest(name, weights, tasks, comment):
    """The TOML manifest text for a model with the heads in `tasks`."""
    lines = [f"# {line}" for line in comment.splitlines()]
    lines += [
        "[model]",
        f'name = "{name}"',
        f'weights = "{weights}"',
        "",
        "[input]",
        'tensor = "images"',
        f"width = {INPUT_WIDTH}",
        f"height = {INPUT_HEIGHT}",
        'color = "rgb"',
        'resize = "stretch"',
        "pad_value = 0",
        f"scale = {1 / 255!r}",
        f"mean = [{MEAN}, {MEAN}, {MEAN}]",
        f"std = [{STD}, {STD}, {STD}]",
    ]
    if "detection" in tasks:
        lines += [
            "",
            "[[heads]]",
            'name = "objects"',
            'kind = "detection"',
            f'outputs = ["{OUTPUTS["detection"]}"]',
            'format = "panoptes"',
            f"classes = {quoted(DETECTION_CLASSES)}",
            "score_threshold = 0.2",
            "nms_iou = 0.5",
            "class_agnostic_nms = false",
            "max_detections = 100",
            f"keypoints = {KEYPOINTS}",
        ]
    if "segmentation" in tasks:
        lines += [
            "",
            "[[heads]]",
            'name = "semantic"',
            'kind = "segmentation"',
            f'outputs = ["{OUTPUTS["segmentation"]}"]',
            f"classes = {quoted(SEGMENTATION_CLASSES)}",
            'upsample = "bilinear"',
        ]
    if "depth" in tasks:
        lines += [
            "",
            "[[heads]]",
            'name = "depth"',
            'kind = "depth"',
            f'outputs = ["{OUTPUTS["depth"]}"]',
            'encoding = "metric"',
            "# Trained on our drives' depth: millimetres along the optical axis (crates/drive/FORMAT.md).",
            'measured_along = "optical-axis"',
            f"min_depth = {MIN_DEPTH}",
            f"max_depth = {MAX_DEPTH}",
        ]
    return "\n".join(lines) + "\n"
