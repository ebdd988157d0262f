"""Reads drives written by `panoptes sim` (crates/drive/FORMAT.md) into arrays at the model's
input size, cached as .npy files so that training epochs never decode a JPEG or PNG again."""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .spec import DETECTION_CLASSES, INPUT_HEIGHT, INPUT_WIDTH, KEYPOINTS, MAX_BOXES

VISIBILITY = {"unlabelled": 0, "occluded": 1, "visible": 2}
MIN_SIDE = 3.0  # model-input pixels
MAX_OCCLUSION = 0.9


def resize_image(rgb):
    """Bilinear resize without antialiasing, half-pixel centres (the engine's `stretch`)."""
    tensor = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
    out = F.interpolate(tensor, size=(INPUT_HEIGHT, INPUT_WIDTH), mode="bilinear", align_corners=False)
    return out[0].permute(1, 2, 0).round().clamp(0, 255).byte().numpy()


def resize_nearest(array):
    """Nearest-neighbour resize of a label or depth map (no blending across edges)."""
    height, width = array.shape
    rows = ((np.arange(INPUT_HEIGHT) + 0.5) * height / INPUT_HEIGHT).astype(np.int64)
    columns = ((np.arange(INPUT_WIDTH) + 0.5) * width / INPUT_WIDTH).astype(np.int64)
    return array[rows[:, None], columns[None, :]]


def frame_arrays(drive, frame):
    """One frame → (image, segmentation, depth_mm, boxes, keypoints) at model resolution.

    boxes: [MAX_BOXES, 6] = class, x0, y0, x1, y1, valid; keypoints: [MAX_BOXES, K, 3] = x, y,
    visibility (0, 1, 2), for the box in the same slot (zero when the box carries none)."""
    rgb = np.asarray(Image.open(os.path.join(drive, frame["image"])).convert("RGB"))
    height, width = rgb.shape[:2]
    sx, sy = INPUT_WIDTH / width, INPUT_HEIGHT / height
    truth = frame["ground_truth"]
    segmentation = np.asarray(Image.open(os.path.join(drive, truth["segmentation"])))
    depth = np.asarray(Image.open(os.path.join(drive, truth["depth"]))).astype(np.uint16)
    annotations = truth.get("annotations", {})
    people = {entry["instance_id"]: entry["keypoints"] for entry in annotations.get("keypoints", [])}
    boxes = np.zeros((MAX_BOXES, 6), np.float32)
    keypoints = np.zeros((MAX_BOXES, KEYPOINTS, 3), np.float32)
    # Larger boxes first, so that when slots run out the smallest ones are dropped.
    # Slivers and almost hidden objects are no training targets (nobody can see them).
    kept = [
        b for b in annotations.get("boxes", [])
        if b["box_xywh"][2] * sx >= MIN_SIDE and b["box_xywh"][3] * sy >= MIN_SIDE
        and b.get("occlusion", 0.0) <= MAX_OCCLUSION
    ]
    ordered = sorted(kept, key=lambda b: -b["box_xywh"][2] * b["box_xywh"][3])
    for slot, box in enumerate(ordered[:MAX_BOXES]):
        x, y, w, h = box["box_xywh"]
        if box["class"] not in DETECTION_CLASSES:
            raise ValueError(f"{drive}: box class {box['class']!r} is not in spec.DETECTION_CLASSES; add it there")
        boxes[slot] = [DETECTION_CLASSES.index(box["class"]), x * sx, y * sy, (x + w) * sx, (y + h) * sy, 1]
        for k, point in enumerate(people.get(box["instance_id"], [])[:KEYPOINTS]):
            keypoints[slot, k] = [point["x"] * sx, point["y"] * sy, VISIBILITY[point["visibility"]]]
    return resize_image(rgb), resize_nearest(segmentation), resize_nearest(depth), boxes, keypoints


def cache_drives(drives, cache_dir, log=print):
    """Decodes every frame of `drives` into .npy arrays under `cache_dir` (once)."""
    done = os.path.join(cache_dir, "done")
    if os.path.exists(done):
        return
    os.makedirs(cache_dir, exist_ok=True)
    frames = []
    for drive in drives:
        with open(os.path.join(drive, "index.json")) as handle:
            index = json.load(handle)
        frames += [(drive, frame) for frame in index["frames"] if "ground_truth" in frame]
    count = len(frames)
    shapes = {
        "images": ((count, INPUT_HEIGHT, INPUT_WIDTH, 3), np.uint8),
        "segmentation": ((count, INPUT_HEIGHT, INPUT_WIDTH), np.uint8),
        "depth": ((count, INPUT_HEIGHT, INPUT_WIDTH), np.uint16),
        "boxes": ((count, MAX_BOXES, 6), np.float32),
        "keypoints": ((count, MAX_BOXES, KEYPOINTS, 3), np.float32),
    }
    arrays = {
        name: np.lib.format.open_memmap(os.path.join(cache_dir, f"{name}.npy"), "w+", dtype, shape)
        for name, (shape, dtype) in shapes.items()
    }
    for number, (drive, frame) in enumerate(frames):
        values = frame_arrays(drive, frame)
        for name, value in zip(shapes, values):
            arrays[name][number] = value
        if number % 200 == 0:
            log(f"cache {cache_dir}: {number}/{count}")
    for array in arrays.values():
        array.flush()
    with open(done, "w") as handle:
        handle.write(f"{count}\n")


class CachedSet:
    """The cached arrays of one set, read into memory (about 1 GB: page faults on a memory map
    cost a sixth of every training step)."""

    def __init__(self, cache_dir):
        load = lambda name: np.load(os.path.join(cache_dir, f"{name}.npy"))
        self.images = load("images")
        self.segmentation = load("segmentation")
        self.depth = load("depth")
        self.boxes = load("boxes")
        self.keypoints = load("keypoints")

    def __len__(self):
        return len(self.images)

    def batch(self, indices, flips):
        """Tensors for a batch; `flips[i]` mirrors sample i left-right (keypoints swapped)."""
        images = np.stack([self.images[i] for i in indices])
        segmentation = np.stack([self.segmentation[i] for i in indices])
        depth = np.stack([self.depth[i] for i in indices])
        boxes = np.stack([self.boxes[i] for i in indices]).copy()
        keypoints = np.stack([self.keypoints[i] for i in indices]).copy()
        for row, flip in enumerate(flips):
            if not flip:
                continue
            images[row] = images[row, :, ::-1]
            segmentation[row] = segmentation[row, :, ::-1]
            depth[row] = depth[row, :, ::-1]
            x0 = boxes[row, :, 1].copy()
            boxes[row, :, 1] = INPUT_WIDTH - boxes[row, :, 3]
            boxes[row, :, 3] = INPUT_WIDTH - x0
            points = keypoints[row]
            points[:, :, 0] = np.where(points[:, :, 2] > 0, INPUT_WIDTH - points[:, :, 0], 0)
            keypoints[row] = points[:, FLIP_ORDER]
        return {
            "images": torch.from_numpy(images).permute(0, 3, 1, 2).contiguous(),
            "segmentation": torch.from_numpy(segmentation.astype(np.int64)),
            "depth": torch.from_numpy(depth.astype(np.float32) / 1000.0),
            "boxes": torch.from_numpy(boxes),
            "keypoints": torch.from_numpy(keypoints),
        }


# COCO keypoint order mirrored: left ↔ right.
FLIP_ORDER = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
