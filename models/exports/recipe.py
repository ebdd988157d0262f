"""Small ONNX exports made by the tools people train with, and those tools' own decoded outputs.

For each format (YOLOv5 as its export.py writes it; YOLOv8 and YOLO11 detection; YOLO11 pose and
instance segmentation from Ultralytics; a YOLOP-style multi-task graph), this recipe

1. builds the tool's model at a tiny width with random weights (no pretrained weights can be
   fetched here), with the detection biases set so that a few dozen boxes pass the default
   threshold on a real frame (chosen on CAM_BACK_RIGHT, which no reference uses);
2. exports it with the tool's own exporter (`yolov5.export.export_onnx`, `YOLO.export`) or, for
   the multi-task graph, with `torch.onnx.export` under YOLOP's output names;
3. writes the Panoptes manifest beside it;
4. writes `reference/<model>.json`: on three nuScenes frames, the tool's own post-processing
   (its `non_max_suppression`, `scale_boxes`, `scale_coords`, `process_mask_native`) of
   - `same_tensor`: the model run on exactly the tensor Panoptes builds for the image (written
     by `cargo run --example input_tensor`), and
   - `own_preprocessing`: the tool's whole pipeline from the JPEG (its letterbox on OpenCV's
     decode).

Run from the repository root (needs ../shared/real and a release build of the example):

    python3 -m venv .venv-exports && .venv-exports/bin/pip install -r models/exports/requirements.txt
    .venv-exports/bin/python models/exports/recipe.py

The tests in crates/panoptes/tests/exports.rs compare Panoptes against the stored references;
they need neither PyTorch nor the tools.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "1")
os.environ.setdefault("YOLO_OFFLINE", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import onnxruntime  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
FRAMES = ROOT.parent / "shared/real/nuscenes-sample/samples"
REFERENCE_CAMERAS = ["CAM_FRONT", "CAM_BACK", "CAM_FRONT_LEFT"]
CALIBRATION_CAMERAS = ["CAM_BACK_RIGHT", "CAM_BACK_LEFT"]
SIZE = 640
WIDTH = 0.0625  # width multiple: 8 to 64 channels, exports of about 1 MB


def frame(camera: str) -> Path:
    return sorted((FRAMES / camera).glob("*.jpg"))[0]


# nuScenes' ten detection classes: a model trained for this rig would have these.
CLASSES = [
    "car", "truck", "bus", "trailer", "construction_vehicle",
    "pedestrian", "motorcycle", "bicycle", "traffic_cone", "barrier",
]


# ---------------------------------------------------------------- the models


def ultralytics_model(config: str, task: str):
    """An Ultralytics model from its packaged yaml at width WIDTH, random weights."""
    import ultralytics
    from ultralytics import YOLO

    source = next(Path(ultralytics.__file__).parent.glob(f"cfg/models/*/{config}.yaml"))
    spec = yaml.safe_load(source.read_text())
    depth = spec["scales"]["n"][0]
    spec["scales"] = {"n": [depth, WIDTH, 1024]}
    spec["scale"] = "n"
    spec["nc"] = 1 if task == "pose" else len(CLASSES)
    directory = Path(tempfile.mkdtemp())
    path = directory / f"{config}.yaml"
    path.write_text(yaml.safe_dump(spec))
    torch.manual_seed(0)
    return YOLO(str(path), task=task)


def yolov5_model():
    """YOLOv5n's architecture at width WIDTH, random weights."""
    import yolov5
    from yolov5.models.yolo import Model

    source = Path(yolov5.__file__).parent / "models/yolov5n.yaml"
    spec = yaml.safe_load(source.read_text())
    spec["width_multiple"] = WIDTH
    torch.manual_seed(0)
    model = Model(spec, ch=3, nc=len(CLASSES))
    model.names = dict(enumerate(CLASSES))
    return model.eval()


class MultiTask(torch.nn.Module):
    """YOLOP's layout: one YOLOv5 encoder, its Detect head, and two segmentation decoders (drivable
    area and lane lines) on the stride-16 features, upsampled inside the graph."""

    def __init__(self):
        super().__init__()
        from yolov5.models.common import Conv
        from yolov5.models.yolo import Model

        import yolov5

        spec = yaml.safe_load((Path(yolov5.__file__).parent / "models/yolov5n.yaml").read_text())
        spec["width_multiple"] = WIDTH
        torch.manual_seed(1)
        self.detector = Model(spec, ch=3, nc=1)
        self.feature_layer = 6  # C3 at stride 16
        channels = self.detector.model[self.feature_layer].cv3.conv.out_channels

        def decoder():
            return torch.nn.Sequential(
                Conv(channels, 16, 3, 1),
                torch.nn.Upsample(scale_factor=2, mode="bilinear"),
                Conv(16, 8, 3, 1),
                torch.nn.Conv2d(8, 2, 1),
                torch.nn.Upsample(scale_factor=8, mode="bilinear"),
            )

        self.drivable = decoder()
        self.lanes = decoder()

    def forward(self, image):
        outputs, feature, x = [], None, image
        for index, module in enumerate(self.detector.model):
            if module.f != -1:
                x = outputs[module.f] if isinstance(module.f, int) else [
                    x if j == -1 else outputs[j] for j in module.f
                ]
            x = module(x)
            outputs.append(x if module.i in self.detector.save else None)
            if index == self.feature_layer:
                feature = x
        detections = x[0] if isinstance(x, tuple) else x
        return detections, self.drivable(feature), self.lanes(feature)


# Batch-norm variances are floored at this quantile of their layer's (see recalibrate_norms).
VARIANCE_FLOOR_QUANTILE = 0.35


def recalibrate_norms(model: torch.nn.Module, image: torch.Tensor) -> None:
    """Sets every batch norm's statistics from the calibration frame, so that activations keep
    unit scale through the random network instead of vanishing layer after layer. Each norm's
    variances are floored at a quantile of their own: a channel that barely varies on two
    frames would otherwise be scaled up hugely, and the network would turn a grey level of
    difference between two JPEG decoders into boxes 100 px apart, as a trained network does
    not (yolov8-tiny, the tool's pre-processing against Panoptes': outputs up to 130 px apart
    without the floor, under 4 px with it)."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # a plain average over the passes
    model.train()
    with torch.no_grad():
        model(image)
        for norm in norms:
            floor = torch.quantile(norm.running_var, VARIANCE_FLOOR_QUANTILE)
            norm.running_var.clamp_(min=float(floor))
    model.eval()


def set_bias(conv: torch.nn.Conv2d, value: float, rows=slice(None)):
    with torch.no_grad():
        conv.bias[rows] = value


def calibrate(run, set_level, low=-12.0, high=6.0, wanted=(40, 150)):
    """Bisects a bias level until the calibration frames (on average) give `wanted` candidates."""
    for _ in range(30):
        level = (low + high) / 2
        set_level(level)
        count = run()
        if count < wanted[0]:
            low = level
        elif count > wanted[1]:
            high = level
        else:
            return level, count
    raise RuntimeError(f"no bias level gives {wanted} candidates (last {count})")


def calibration_batch() -> torch.Tensor:
    return torch.cat([letterboxed(frame(camera)) for camera in CALIBRATION_CAMERAS])


def letterboxed(path: Path) -> torch.Tensor:
    """The tool-side tensor of an image (Ultralytics' LetterBox, RGB, /255)."""
    from ultralytics.data.augment import LetterBox

    image = cv2.imread(str(path))
    boxed = LetterBox((SIZE, SIZE), auto=False, stride=32)(image=image)
    return torch.from_numpy(boxed[:, :, ::-1].transpose(2, 0, 1).copy()).float()[None] / 255


# ---------------------------------------------------------------- export


def export_ultralytics(config: str, task: str, name: str) -> Path:
    model = ultralytics_model(config, task)
    head = model.model.model[-1]
    calibration = calibration_batch()
    recalibrate_norms(model.model, calibration)

    def candidates() -> int:
        with torch.no_grad():
            model.model.eval()
            prediction = model.model(calibration)
        while isinstance(prediction, (list, tuple)):  # segment: ((rows, prototypes), raw)
            prediction = prediction[0]
        classes = head.nc
        return int((prediction[:, 4 : 4 + classes].amax(1) > 0.25).sum(1).float().mean())

    def set_level(level: float):
        for conv in head.cv3:
            set_bias(conv[-1], level)

    level, count = calibrate(candidates, set_level)
    print(f"{name}: class bias {level:.2f} gives {count} candidates on the calibration frames")
    directory = Path(tempfile.mkdtemp())
    weights = directory / f"{name}.pt"
    model.save(str(weights))
    from ultralytics import YOLO

    exported = Path(YOLO(str(weights)).export(format="onnx", imgsz=SIZE, opset=17, simplify=True))
    target = HERE / f"{name}.onnx"
    target.write_bytes(exported.read_bytes())
    return target


def export_yolov5() -> Path:
    import functools

    import yolov5.export
    from yolov5.models.yolo import Detect

    # YOLOv5's export.py predates torch 2.9, whose torch.onnx.export defaults to the dynamo
    # exporter; its users' graphs come from the TorchScript exporter, which this restores.
    yolov5.export.torch.onnx.export = functools.partial(torch.onnx.export, dynamo=False)
    export_onnx = yolov5.export.export_onnx

    model = yolov5_model()
    detect = model.model[-1]
    calibration = calibration_batch()
    recalibrate_norms(model, calibration)

    def candidates() -> int:
        with torch.no_grad():
            prediction = model(calibration)[0]
        score = prediction[:, :, 4:5] * prediction[:, :, 5:]
        return int(((prediction[:, :, 4] > 0.25) & (score.amax(2) > 0.25)).sum(1).float().mean())

    def set_level(level: float):
        for conv in detect.m:
            bias = conv.bias.view(detect.na, -1)
            with torch.no_grad():
                bias[:, 4] = level
                bias[:, 5:] = 3.0  # confident classes: the score is objectness × class

    level, count = calibrate(candidates, set_level)
    print(f"yolov5-tiny: objectness bias {level:.2f} gives {count} candidates on the calibration frames")
    for module in model.modules():
        if isinstance(module, Detect):
            module.inplace, module.dynamic, module.export = True, False, True
    image = torch.zeros(1, 3, SIZE, SIZE)
    model(image)  # dry run, as export.run does
    directory = Path(tempfile.mkdtemp())
    exported = export_onnx(model, image, directory / "yolov5.pt", 17, False, False)[0]
    target = HERE / "yolov5-tiny.onnx"
    target.write_bytes(Path(exported).read_bytes())
    return target


def export_multitask() -> Path:
    model = MultiTask().eval()
    detect = model.detector.model[-1]
    calibration = normalised(calibration_batch())
    recalibrate_norms(model, calibration)

    def candidates() -> int:
        with torch.no_grad():
            prediction = model(calibration)[0]
        score = prediction[:, :, 4] * prediction[:, :, 5]
        return int(((prediction[:, :, 4] > 0.25) & (score > 0.25)).sum(1).float().mean())

    def set_level(level: float):
        for conv in detect.m:
            with torch.no_grad():
                conv.bias.view(detect.na, -1)[:, 4] = level
                conv.bias.view(detect.na, -1)[:, 5] = 2.0

    level, count = calibrate(candidates, set_level, wanted=(60, 300))
    print(f"multitask-tiny: objectness bias {level:.2f} gives {count} candidates")
    for conv in (model.drivable[-2], model.lanes[-2]):
        set_bias(conv, 0.0)
    detect.inplace, detect.export = True, True
    target = HERE / "multitask-tiny.onnx"
    torch.onnx.export(
        model,
        torch.zeros(1, 3, SIZE, SIZE),
        str(target),
        opset_version=17,
        input_names=["images"],
        output_names=["det_out", "drive_area_seg", "lane_line_seg"],
        dynamo=False,
    )
    return target


IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def normalised(tensor: torch.Tensor) -> torch.Tensor:
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (tensor - mean) / std


# ---------------------------------------------------------------- manifests


def manifest(name: str, weights: str, heads: list[str], normalisation: str = "") -> str:
    normalisation = normalisation or "scale = 0.00392156862745098  # 1/255"
    text = (
        f"# {name}: made by models/exports/recipe.py (random weights, tiny width); see"
        " models/exports/README.md.\n"
        f'[model]\nname = "{name}"\nweights = "{weights}"\n\n'
        f'[input]\ntensor = "images"\nwidth = {SIZE}\nheight = {SIZE}\ncolor = "rgb"\n'
        f'resize = "letterbox-center"\npad_value = 114\n{normalisation}\n'
    )
    return text + "".join(heads)


def detection_head(kind: str, format_: str, outputs: list[str], classes: list[str], extra=""):
    quoted = ", ".join(f'"{c}"' for c in classes)
    names = ", ".join(f'"{o}"' for o in outputs)
    return (
        f'\n[[heads]]\nname = "objects"\nkind = "{kind}"\noutputs = [{names}]\n'
        f'format = "{format_}"\nclasses = [{quoted}]\nscore_threshold = 0.25\n{extra}'
    )


# ---------------------------------------------------------------- references


def panoptes_tensor(manifest_path: Path, image: Path, directory: Path):
    example = ROOT / "target/release/examples/input_tensor"
    subprocess.run([str(example), str(manifest_path), str(directory), str(image)], check=True)
    description = json.loads((directory / f"{image.stem}.json").read_text())
    values = np.fromfile(directory / f"{image.stem}.f32", dtype="<f4")
    return values.reshape(description["shape"])[None], description["transform"]


def ratio_pad(transform) -> tuple:
    return (
        (transform["scale_y"], transform["scale_x"]),
        (transform["offset_x"], transform["offset_y"]),
    )


def tool_ratio_pad(image: Path) -> tuple:
    height, width = cv2.imread(str(image)).shape[:2]
    gain = min(SIZE / height, SIZE / width)
    resized = round(width * gain), round(height * gain)
    pad = (SIZE - resized[0]) / 2, (SIZE - resized[1]) / 2
    return (gain, gain), pad


def run_onnx(path: Path, tensor: np.ndarray) -> list[np.ndarray]:
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"images": tensor.astype(np.float32)})


def encode_mask(mask: np.ndarray) -> dict:
    """Row-major run lengths of a binary mask inside its bounding rectangle, zeros first."""
    rows, columns = np.nonzero(mask)
    if len(rows) == 0:
        return {"rectangle": [0, 0, 0, 0], "counts": []}
    top, bottom, left, right = rows.min(), rows.max() + 1, columns.min(), columns.max() + 1
    flat = mask[top:bottom, left:right].reshape(-1).astype(np.uint8)
    changes = np.flatnonzero(np.diff(np.concatenate([[0], flat, [1 - flat[-1]]])))
    counts = np.diff(np.concatenate([[0], changes])).tolist()
    return {"rectangle": [int(left), int(top), int(right - left), int(bottom - top)], "counts": counts}


def ultralytics_decode(outputs, kind: str, ratio, original_shape, keypoints=17):
    """Ultralytics' predictor post-processing (NMS at its defaults for predict, boxes, keypoints
    and retina masks scaled to the original image)."""
    from ultralytics.utils import nms, ops

    prediction = torch.from_numpy(outputs[0])
    kept = nms.non_max_suppression(prediction, 0.25, 0.7, max_det=300, nc=1 if kind == "pose" else len(CLASSES))[0]
    height, width = original_shape
    records = []
    masks = None
    if kind == "segment" and len(kept):
        protos = torch.from_numpy(outputs[1])[0]
        boxes = ops.scale_boxes((SIZE, SIZE), kept[:, :4].clone(), original_shape, ratio_pad=ratio)
        masks = ops.process_mask_native(protos, kept[:, 6:], boxes, original_shape).numpy()
    boxes = ops.scale_boxes((SIZE, SIZE), kept[:, :4].clone(), original_shape, ratio_pad=ratio)
    for index, row in enumerate(kept):
        x1, y1, x2, y2 = boxes[index].tolist()
        record = {
            "class_id": int(row[5]),
            "score": float(row[4]),
            "box_xywh": [x1, y1, x2 - x1, y2 - y1],
        }
        if kind == "pose":
            points = row[6:].view(keypoints, 3).clone()
            points = ops.scale_coords((SIZE, SIZE), points, original_shape, ratio_pad=ratio)
            # Far below the tolerances (0.5 px; 1e-4 in score), and a third of the file.
            record["keypoints"] = [[round(x, 3), round(y, 3), round(v, 6)] for x, y, v in points.tolist()]
        if masks is not None:
            record["mask"] = encode_mask(masks[index])
        records.append(record)
    return records


def yolov5_decode(outputs, ratio, original_shape):
    """YOLOv5 detect.py's post-processing (its NMS defaults: 0.25, 0.45, max 1000)."""
    from yolov5.utils.general import non_max_suppression, scale_boxes

    prediction = torch.from_numpy(outputs[0])
    kept = non_max_suppression(prediction, 0.25, 0.45, max_det=1000)[0]
    boxes = scale_boxes((SIZE, SIZE), kept[:, :4].clone(), original_shape, ratio_pad=ratio)
    return [
        {
            "class_id": int(row[5]),
            "score": float(row[4]),
            "box_xywh": [b[0], b[1], b[2] - b[0], b[3] - b[1]],
        }
        for row, b in zip(kept, boxes.tolist())
    ]


def yolop_segmentation(output: np.ndarray, ratio, original_shape) -> dict:
    """YOLOP demo's segmentation post-processing: crop the padding, bilinear to the original
    size, argmax."""
    (gain, _), (pad_w, pad_h) = ratio
    height, width = original_shape
    top, left = int(round(pad_h - 0.1)), int(round(pad_w - 0.1))
    bottom, right = top + round(height * gain), left + round(width * gain)
    logits = torch.from_numpy(output)[:, :, top:bottom, left:right]
    logits = torch.nn.functional.interpolate(logits, size=(height, width), mode="bilinear")
    classes = logits[0].argmax(0).numpy().astype(np.uint8)
    return encode_mask(classes == 1) | {"pixels": int((classes == 1).sum())}


# Instance masks stored per frame, best-scoring first: random prototypes give noisy masks (about
# 20 runs a row), and all of them would make a 10 MB reference; the boxes are all kept.
MASKS_STORED = 8


def stored_masks(records, count: int):
    """`records` with the `mask` of each record after the first `count` removed."""
    if isinstance(records, list):
        for record in records[count:]:
            record.pop("mask", None)
    return records


def references(name: str, onnx_path: Path, manifest_path: Path, decode, prepare=None) -> None:
    directory = Path(tempfile.mkdtemp())
    images = {}
    for camera in REFERENCE_CAMERAS:
        image = frame(camera)
        original_shape = cv2.imread(str(image)).shape[:2]
        tensor, transform = panoptes_tensor(manifest_path, image, directory)
        same = decode(run_onnx(onnx_path, tensor), ratio_pad(transform), original_shape)
        same = stored_masks(same, MASKS_STORED)
        tool_tensor = letterboxed(image)
        if prepare is not None:
            tool_tensor = prepare(tool_tensor)
        own = decode(run_onnx(onnx_path, tool_tensor.numpy()), tool_ratio_pad(image), original_shape)
        own = stored_masks(own, 0)  # boxes only: not compared pixel by pixel
        images[camera] = {"image": image.name, "same_tensor": same, "own_preprocessing": own}
        count = len(same["objects"]) if isinstance(same, dict) else len(same)
        print(f"{name} {camera}: {count} detections")
    (HERE / "reference").mkdir(exist_ok=True)
    text = json.dumps({"model": name, "images": images}, separators=(",", ":"))
    (HERE / "reference" / f"{name}.json").write_text(text + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="one model name (default: all)")
    args = parser.parse_args()
    if not FRAMES.is_dir():
        print(f"error: {FRAMES} is missing (the nuScenes sample of ../shared/real)", file=sys.stderr)
        return 1
    names = CLASSES
    models = {
        "yolov8-tiny": ("yolov8", "detect"),
        "yolo11-tiny": ("yolo11", "detect"),
        "yolo11-pose-tiny": ("yolo11-pose", "pose"),
        "yolo11-seg-tiny": ("yolo11-seg", "segment"),
    }
    for name, (config, task) in models.items():
        if args.only not in (None, name):
            continue
        onnx_path = export_ultralytics(config, task, name)
        if task == "detect":
            head = detection_head("detection", "yolov8", ["output0"], names, "nms_iou = 0.7\nmax_detections = 300\n")
        elif task == "pose":
            head = detection_head(
                "detection", "yolov8", ["output0"], ["person"], "nms_iou = 0.7\nmax_detections = 300\nkeypoints = 17\n"
            )
        else:
            head = detection_head(
                "instance-segmentation",
                "yolov8",
                ["output0", "output1"],
                names,
                "nms_iou = 0.7\nmax_detections = 300\nmask_coefficients = 32\n",
            )
        manifest_path = HERE / f"{name}.toml"
        manifest_path.write_text(manifest(name, onnx_path.name, [head]))
        references(name, onnx_path, manifest_path, lambda o, r, s, t=task: ultralytics_decode(o, t, r, s))
    if args.only in (None, "yolov5-tiny"):
        onnx_path = export_yolov5()
        manifest_path = HERE / "yolov5-tiny.toml"
        head = detection_head("detection", "yolov5", ["output0"], names, "nms_iou = 0.45\nmax_detections = 1000\n")
        manifest_path.write_text(manifest("yolov5-tiny", onnx_path.name, [head]))
        references("yolov5-tiny", onnx_path, manifest_path, lambda o, r, s: yolov5_decode(o, r, s))
    if args.only in (None, "multitask-tiny"):
        onnx_path = export_multitask()
        manifest_path = HERE / "multitask-tiny.toml"
        heads = [
            detection_head("detection", "yolov5", ["det_out"], ["vehicle"], "nms_iou = 0.45\nmax_detections = 1000\n"),
            '\n[[heads]]\nname = "drivable"\nkind = "segmentation"\noutputs = ["drive_area_seg"]\n'
            'classes = ["background", "drivable"]\nupsample = "bilinear"\n',
            '\n[[heads]]\nname = "lanes"\nkind = "segmentation"\noutputs = ["lane_line_seg"]\n'
            'classes = ["background", "lane"]\nupsample = "bilinear"\n',
        ]
        mean = ", ".join(f"{m:.3f}" for m in IMAGENET_MEAN)
        std = ", ".join(f"{s:.3f}" for s in IMAGENET_STD)
        normalisation = f"scale = 0.00392156862745098  # 1/255\nmean = [{mean}]\nstd = [{std}]"
        manifest_path.write_text(manifest("multitask-tiny", onnx_path.name, heads, normalisation))

        def decode(outputs, ratio, shape):
            return {
                "objects": yolov5_decode(outputs, ratio, shape),
                "drivable": yolop_segmentation(outputs[1], ratio, shape),
                "lanes": yolop_segmentation(outputs[2], ratio, shape),
            }

        references("multitask-tiny", onnx_path, manifest_path, decode, prepare=normalised)
    return 0


if __name__ == "__main__":
    sys.exit(main())
