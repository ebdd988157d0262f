"""Training targets and losses. Detection is centre-based (CenterNet-style Gaussian objectness
with focal loss); the cells near a centre regress the box (GIoU), the class and, for people, the
17 keypoints (L1 normalised by the person's height, visibility BCE)."""

import torch
import torch.nn.functional as F

from .model import cell_centres, decode_boxes, decode_keypoints
from .spec import DETECTION_STRIDE, INPUT_HEIGHT, INPUT_WIDTH, KEYPOINT_CLASSES, KEYPOINTS, MAX_DEPTH, MIN_DEPTH
from .spec import DETECTION_CLASSES, SEGMENTATION_CLASSES

GRID_H, GRID_W = INPUT_HEIGHT // DETECTION_STRIDE, INPUT_WIDTH // DETECTION_STRIDE
POSITIVE_HEAT = 0.6  # cells whose Gaussian value reaches this regress the box
VOID = SEGMENTATION_CLASSES.index("void")


def detection_targets(boxes, keypoints):
    """Per-cell targets for a batch: heat [N, HW], positive weight [N, HW], class [N, HW],
    box corners [N, HW, 4], keypoints [N, HW, K, 3] (zero where the box carries none)."""
    n = boxes.shape[0]
    cells = GRID_H * GRID_W
    heat = torch.zeros(n, GRID_H, GRID_W)
    weight = torch.zeros(n, cells)
    classes = torch.zeros(n, cells, dtype=torch.long)
    corners = torch.zeros(n, cells, 4)
    points = torch.zeros(n, cells, KEYPOINTS, 3)
    xs = (torch.arange(GRID_W, dtype=torch.float32) + 0.5)[None, :]
    ys = (torch.arange(GRID_H, dtype=torch.float32) + 0.5)[:, None]
    for image in range(n):
        valid = boxes[image, :, 5] > 0
        # Boxes are stored largest first: smaller ones overwrite shared cells.
        for slot in torch.nonzero(valid).flatten().tolist():
            cls, x0, y0, x1, y1, _ = boxes[image, slot].tolist()
            width, height = x1 - x0, y1 - y0
            if width < 2 or height < 2:
                continue
            cx, cy = (x0 + x1) / 2 / DETECTION_STRIDE, (y0 + y1) / 2 / DETECTION_STRIDE
            col = min(max(int(cx), 0), GRID_W - 1)
            row = min(max(int(cy), 0), GRID_H - 1)
            sigma_x = max(width / DETECTION_STRIDE / 6, 0.4)
            sigma_y = max(height / DETECTION_STRIDE / 6, 0.4)
            gaussian = torch.exp(
                -((xs - (col + 0.5)) ** 2) / (2 * sigma_x**2) - ((ys - (row + 0.5)) ** 2) / (2 * sigma_y**2)
            )
            heat[image] = torch.maximum(heat[image], gaussian)
            region = gaussian.flatten() >= POSITIVE_HEAT
            region[row * GRID_W + col] = True
            weight[image, region] = gaussian.flatten()[region]
            classes[image, region] = int(cls)
            corners[image, region] = torch.tensor([x0, y0, x1, y1])
            if int(cls) in KEYPOINT_CLASSES:
                points[image, region] = keypoints[image, slot]
    return heat.flatten(1), weight, classes, corners, points


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
    box_map, keypoint_map = raw["boxes"], raw["keypoints"]
    heat, weight, classes, corners, points = detection_targets(batch["boxes"], batch["keypoints"])
    logits = box_map.flatten(2).transpose(1, 2)
    objectness = focal_heat_loss(logits[..., 0], heat)
    positive = weight > 0
    count = weight[positive].sum().clamp(min=1)
    class_logits = logits[positive][:, 1 : 1 + len(DETECTION_CLASSES)]
    class_loss = F.cross_entropy(class_logits, classes[positive], weight=class_weights, reduction="none")
    class_loss = (class_loss * weight[positive]).sum() / count
    xs, ys = cell_centres(GRID_H, GRID_W)
    l, t, r, b = decode_boxes(box_map).unbind(-1)
    predicted = torch.stack([xs - l, ys - t, xs + r, ys + b], -1)
    box_loss = ((1 - giou(predicted[positive], corners[positive])) * weight[positive]).sum() / count
    offsets, visibility = decode_keypoints(keypoint_map)
    person = positive & (points[..., 2].amax(-1) > 0)
    keypoint_loss = torch.zeros(())
    if person.any():
        target = points[person]
        centre = torch.stack([xs, ys], -1)[None].expand(positive.shape[0], -1, -1)[person]
        scale = (corners[person][:, 3] - corners[person][:, 1]).clamp(min=8)[:, None, None]
        labelled = (target[..., 2] > 0).float()
        error = ((offsets[person] + centre[:, None, :] - target[..., :2]).abs() / scale).sum(-1)
        position = (error * labelled).sum() / labelled.sum().clamp(min=1)
        seen = F.binary_cross_entropy_with_logits(visibility[person], (target[..., 2] > 1.5).float())
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
    if "boxes" in raw:
        losses.update(detection_loss(raw, batch, class_weights["detection"]))
    return sum(losses.values()), {name: float(value) for name, value in losses.items()}
