"""Training targets and losses. Detection is centre-based (CenterNet-style Gaussian objectness
with focal loss); the cells near a centre regress the box (GIoU), the class and, for people, the
17 keypoints (L1 normalised by the person's height, visibility BCE)."""

import torch
import torch.nn.functional as F

from .model import decode_boxes, decode_keypoints, rows
from .spec import DETECTION_CLASSES, DETECTION_STRIDES, INPUT_HEIGHT, INPUT_WIDTH, KEYPOINT_CLASSES, KEYPOINTS
from .spec import MAX_DEPTH, MIN_DEPTH, SEGMENTATION_CLASSES, SMALL_BOX

# Each level's grid (rows, columns) and where its cells start in the list of all cells, in the
# order of model.rows: stride 8 first.
GRIDS = {stride: (INPUT_HEIGHT // stride, INPUT_WIDTH // stride) for stride in DETECTION_STRIDES}
OFFSETS, CELLS = {}, 0
for _stride, (_rows, _columns) in GRIDS.items():
    OFFSETS[_stride] = CELLS
    CELLS += _rows * _columns
POSITIVE_HEAT = 0.6  # cells whose Gaussian value reaches this regress the box
VOID = SEGMENTATION_CLASSES.index("void")


def level_of(width, height):
    """The stride whose level learns a box of this size (model-input pixels)."""
    return min(DETECTION_STRIDES) if max(width, height) < SMALL_BOX else max(DETECTION_STRIDES)


def detection_targets(boxes, keypoints):
    """Per-cell targets for a batch, over the cells of every level (model.rows' order): heat
    [N, R], positive weight [N, R], class [N, R], box corners [N, R, 4], keypoints [N, R, K, 3]
    (zero where the box carries none)."""
    n = boxes.shape[0]
    heat = torch.zeros(n, CELLS)
    weight = torch.zeros(n, CELLS)
    classes = torch.zeros(n, CELLS, dtype=torch.long)
    corners = torch.zeros(n, CELLS, 4)
    points = torch.zeros(n, CELLS, KEYPOINTS, 3)
    grids = {
        stride: ((torch.arange(w, dtype=torch.float32) + 0.5)[None, :], (torch.arange(h, dtype=torch.float32) + 0.5)[:, None])
        for stride, (h, w) in GRIDS.items()
    }
    for image in range(n):
        valid = boxes[image, :, 5] > 0
        # Boxes are stored largest first: smaller ones overwrite shared cells.
        for slot in torch.nonzero(valid).flatten().tolist():
            cls, x0, y0, x1, y1, _ = boxes[image, slot].tolist()
            width, height = x1 - x0, y1 - y0
            if width < 2 or height < 2:
                continue
            stride = level_of(width, height)
            grid_h, grid_w = GRIDS[stride]
            xs, ys = grids[stride]
            cells = slice(OFFSETS[stride], OFFSETS[stride] + grid_h * grid_w)
            cx, cy = (x0 + x1) / 2 / stride, (y0 + y1) / 2 / stride
            col = min(max(int(cx), 0), grid_w - 1)
            row = min(max(int(cy), 0), grid_h - 1)
            sigma_x = max(width / stride / 6, 0.4)
            sigma_y = max(height / stride / 6, 0.4)
            gaussian = torch.exp(
                -((xs - (col + 0.5)) ** 2) / (2 * sigma_x**2) - ((ys - (row + 0.5)) ** 2) / (2 * sigma_y**2)
            ).flatten()
            heat[image, cells] = torch.maximum(heat[image, cells], gaussian)
            region = gaussian >= POSITIVE_HEAT
            region[row * grid_w + col] = True
            level_weight, level_classes = weight[image, cells], classes[image, cells]
            level_weight[region] = gaussian[region]
            level_classes[region] = int(cls)
            corners[image, cells][region] = torch.tensor([x0, y0, x1, y1])
            if int(cls) in KEYPOINT_CLASSES:
                points[image, cells][region] = keypoints[image, slot]
    return heat, weight, classes, corners, points


def focal_heat_loss(logits, heat):
    """CenterNet's penalty-reduced focal loss on the objectness map."""
    probability = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    centres = heat >= 0.999
    positive = -((1 - probability) ** 2) * torch.log(probability) * centres
    negative = -((1 - heat) ** 4) * probability**2 * torch.log(1 - probability) * (~centres)
    return (positive.sum() + negative.sum()) / centres.sum().clamp(min=1)


def giou(predicted, target):
    """Generalised IoU of corner boxes [..., 4]."""
    ix0 = torch.maximum(predicted[..., 0], target[..., 0])
    iy0 = torch.maximum(predicted[..., 1], target[..., 1])
    ix1 = torch.minimum(predicted[..., 2], target[..., 2])
    iy1 = torch.minimum(predicted[..., 3], target[..., 3])
    inter = (ix1 - ix0).clamp(min=0) * (iy1 - iy0).clamp(min=0)
    area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area(predicted) + area(target) - inter
    iou = inter / union.clamp(min=1e-6)
    hull = (torch.maximum(predicted[..., 2], target[..., 2]) - torch.minimum(predicted[..., 0], target[..., 0])) * (
        torch.maximum(predicted[..., 3], target[..., 3]) - torch.minimum(predicted[..., 1], target[..., 1])
    )
    return iou - (hull - union) / hull.clamp(min=1e-6)


def detection_loss(raw, batch, class_weights):
    logits, keypoint_rows, xs, ys, strides = rows(raw["detection"])
    heat, weight, classes, corners, points = detection_targets(batch["boxes"], batch["keypoints"])
    objectness = focal_heat_loss(logits[..., 0], heat)
    # Everything else is learnt at the positive cells only: pick them before decoding.
    image, cell = torch.nonzero(weight > 0, as_tuple=True)
    positive_weight = weight[image, cell]
    count = positive_weight.sum().clamp(min=1)
    positive = logits[image, cell][None]
    xs, ys, strides = xs[cell], ys[cell], strides[cell]
    class_logits = positive[0, :, 1 : 1 + len(DETECTION_CLASSES)]
    class_loss = F.cross_entropy(class_logits, classes[image, cell], weight=class_weights, reduction="none")
    class_loss = (class_loss * positive_weight).sum() / count
    l, t, r, b = decode_boxes(positive, strides)[0].unbind(-1)
    predicted = torch.stack([xs - l, ys - t, xs + r, ys + b], -1)
    target_corners = corners[image, cell]
    box_loss = ((1 - giou(predicted, target_corners)) * positive_weight).sum() / count
    offsets, visibility = decode_keypoints(keypoint_rows[image, cell][None], strides)
    target_points = points[image, cell]
    person = target_points[..., 2].amax(-1) > 0
    keypoint_loss = torch.zeros(())
    if person.any():
        target = target_points[person]
        centre = torch.stack([xs, ys], -1)[person]
        scale = (target_corners[person][:, 3] - target_corners[person][:, 1]).clamp(min=8)[:, None, None]
        labelled = (target[..., 2] > 0).float()
        error = ((offsets[0][person] + centre[:, None, :] - target[..., :2]).abs() / scale).sum(-1)
        position = (error * labelled).sum() / labelled.sum().clamp(min=1)
        seen = F.binary_cross_entropy_with_logits(visibility[0][person], (target[..., 2] > 1.5).float())
        keypoint_loss = 4 * position + seen
    return {"objectness": objectness, "class": class_loss, "box": 2 * box_loss, "keypoints": keypoint_loss}


def dense_losses(raw, batch, class_weights):
    """Segmentation and depth at stride 2: the stride-4 maps upsampled ×2 as the engine does,
    against every second label pixel. At the full input size these two losses cost as much as
    the whole network's forward and backward pass."""
    losses = {}
    size = (INPUT_HEIGHT // 2, INPUT_WIDTH // 2)
    if "segmentation" in raw:
        logits = F.interpolate(raw["segmentation"], size=size, mode="bilinear", align_corners=False)
        # `void` (outside a fisheye's image circle) is no class to learn: it is never a target,
        # so the model never predicts it, and `panoptes eval` ignores those pixels too.
        losses["segmentation"] = F.cross_entropy(
            logits, batch["segmentation"][:, ::2, ::2], weight=class_weights["segmentation"], ignore_index=VOID
        )
    if "log_depth" in raw:
        log_depth = F.interpolate(raw["log_depth"], size=size, mode="bilinear", align_corners=False)[:, 0]
        depth = batch["depth"][:, ::2, ::2]
        valid = depth > 0
        target = torch.log(depth[valid].clamp(MIN_DEPTH, MAX_DEPTH))
        losses["depth"] = 2 * (log_depth[valid] - target).abs().mean() if valid.any() else log_depth.sum() * 0
    return losses


def total_loss(raw, batch, class_weights):
    losses = dense_losses(raw, batch, class_weights)
    if "detection" in raw:
        losses.update(detection_loss(raw, batch, class_weights["detection"]))
    return sum(losses.values()), {name: float(value) for name, value in losses.items()}
