"""panoptes-net: a RepVGG-like plain encoder, an FPN-lite neck and four heads. Every task can also
be built alone (its own encoder), for the shared-versus-separate comparison."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .spec import (
    DETECTION_CLASSES, DETECTION_STRIDES, KEYPOINTS, MAX_DEPTH, MIN_DEPTH, SEGMENTATION_CLASSES,
)

TASKS = ("detection", "segmentation", "depth")
DENSE = 24  # channels of the stride-4 map that the segmentation and depth heads read


def conv_bn(cin, cout, kernel=3, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


class Block(nn.Module):
    """3×3 conv-BN-ReLU; a residual one when the shape is kept. Plain dense 3×3 convolutions
    (RepVGG-like) train about six times faster than depthwise ones on this CPU."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv = conv_bn(cin, cout, 3, stride, act=False)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.conv(x)
        return F.relu(x + y if self.residual else y)


def stage(cin, cout, blocks):
    return nn.Sequential(Block(cin, cout, 2), *[Block(cout, cout) for _ in range(blocks - 1)])


class Encoder(nn.Module):
    """Strides 4, 8, 16, 32 → 24, 48, 96, 192 channels."""

    channels = (24, 48, 96, 192)

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 16, 3, 2)
        self.stage4 = stage(16, 24, 1)
        self.stage8 = stage(24, 48, 2)
        self.stage16 = stage(48, 96, 2)
        self.stage32 = stage(96, 192, 3)

    def forward(self, x):
        c4 = self.stage4(self.stem(x))
        c8 = self.stage8(c4)
        c16 = self.stage16(c8)
        c32 = self.stage32(c16)
        return c4, c8, c16, c32


class Neck(nn.Module):
    """Top-down FPN-lite: stride-8 features (32 ch) that see stride-32 context, plus a stride-4
    map (16 ch) for the dense heads."""

    def __init__(self, width=32, dense=DENSE):
        super().__init__()
        c4, c8, c16, c32 = Encoder.channels
        self.lateral32 = conv_bn(c32, width, 1)
        self.lateral16 = conv_bn(c16, width, 1)
        self.lateral8 = conv_bn(c8, width, 1)
        self.smooth16 = conv_bn(width, width)
        self.smooth8 = conv_bn(width, width)
        self.lateral4 = conv_bn(c4, dense, 1)
        self.reduce4 = conv_bn(width, dense, 1)
        self.smooth4 = conv_bn(dense, dense)

    def forward(self, features):
        c4, c8, c16, c32 = features
        p16 = self.smooth16(self.lateral16(c16) + F.interpolate(self.lateral32(c32), scale_factor=2.0))
        p8 = self.smooth8(self.lateral8(c8) + F.interpolate(p16, scale_factor=2.0))
        p4 = self.smooth4(self.lateral4(c4) + F.interpolate(self.reduce4(p8), scale_factor=2.0))
        return p4, p8


class DetectionHead(nn.Module):
    """Anchor-free, one output row per cell of its level: objectness and class logits, box
    distances (left, top, right, bottom) and, for people, 17 keypoint offsets with visibility
    logits."""

    def __init__(self, width, hidden):
        super().__init__()
        classes = len(DETECTION_CLASSES)
        self.tower = conv_bn(width, hidden)
        self.box = nn.Conv2d(hidden, 1 + classes + 4, 1)
        self.keypoint = nn.Conv2d(hidden, 3 * KEYPOINTS, 1)
        prior = 0.01  # objectness starts near "nothing here" (focal-loss practice)
        nn.init.constant_(self.box.bias, 0.0)
        nn.init.constant_(self.box.bias[0], -math.log((1 - prior) / prior))

    def forward(self, features):
        features = self.tower(features)
        return self.box(features), self.keypoint(features)


class DenseHead(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(conv_bn(cin, cin), nn.Conv2d(cin, cout, 1))


class PanoptesNet(nn.Module):
    """Shared encoder + neck; the heads named in `tasks` (all three by default)."""

    def __init__(self, tasks=TASKS):
        super().__init__()
        self.tasks = tuple(tasks)
        self.encoder = Encoder()
        self.neck = Neck()
        if "detection" in self.tasks:
            # Stride 8 (neck width 32) for most boxes, stride 4 (the dense map) for small ones.
            self.detection = DetectionHead(32, 48)
            self.detection4 = DetectionHead(DENSE, DENSE)
        if "segmentation" in self.tasks:
            self.segmentation = DenseHead(DENSE, len(SEGMENTATION_CLASSES))
        if "depth" in self.tasks:
            self.depth = DenseHead(DENSE, 1)
            nn.init.constant_(self.depth[1].bias, math.log(10.0))

    def forward(self, images):
        """Raw training outputs: detection levels [(stride, box map, keypoint map)], and
        segmentation logits and log-depth at stride 4."""
        p4, p8 = self.neck(self.encoder(images))
        out = {}
        if "detection" in self.tasks:
            coarse, fine = DETECTION_STRIDES  # the neck's stride-8 and stride-4 maps
            out["detection"] = [(coarse, *self.detection(p8)), (fine, *self.detection4(p4))]
        if "segmentation" in self.tasks:
            out["segmentation"] = self.segmentation(p4)
        if "depth" in self.tasks:
            out["log_depth"] = self.depth(p4)
        return out


def rows(detection):
    """Detection levels → every cell's raw values in one list: boxes [N, R, 1 + C + 4],
    keypoints [N, R, 3K], and per row the cell centre x, y and stride in pixels, each [R]
    (the stride-8 level's cells first, each level row-major)."""
    boxes, keypoints, xs, ys, strides = [], [], [], [], []
    for stride, box_map, keypoint_map in detection:
        _, _, height, width = box_map.shape
        y, x = torch.meshgrid(
            (torch.arange(height, device=box_map.device, dtype=torch.float32) + 0.5) * stride,
            (torch.arange(width, device=box_map.device, dtype=torch.float32) + 0.5) * stride,
            indexing="ij",
        )
        boxes.append(box_map.flatten(2).transpose(1, 2))
        keypoints.append(keypoint_map.flatten(2).transpose(1, 2))
        xs.append(x.reshape(-1))
        ys.append(y.reshape(-1))
        strides.append(torch.full((height * width,), float(stride), device=box_map.device))
    return torch.cat(boxes, 1), torch.cat(keypoints, 1), torch.cat(xs), torch.cat(ys), torch.cat(strides)


def decode_boxes(boxes, strides):
    """Raw rows [N, R, 1 + C + 4] → distances [N, R, 4] (l, t, r, b) in pixels."""
    distances = boxes[..., 1 + len(DETECTION_CLASSES):]
    return torch.exp(distances.clamp(max=6.0)) * strides[None, :, None]


def decode_keypoints(keypoints, strides):
    """Raw rows [N, R, 3K] → offsets [N, R, K, 2] in pixels and visibility logits [N, R, K]."""
    n, count, _ = keypoints.shape
    values = keypoints.reshape(n, count, KEYPOINTS, 3)
    return values[..., :2] * (4 * strides[None, :, None, None]), values[..., 2]


class Exported(nn.Module):
    """The graph that ships: decoded `panoptes` detection rows, segmentation logits, metres."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images):
        raw = self.net(images)
        outputs = []
        if "detection" in raw:
            boxes_raw, keypoints_raw, xs, ys, strides = rows(raw["detection"])
            n, count, _ = boxes_raw.shape
            l, t, r, b = decode_boxes(boxes_raw, strides).unbind(-1)
            x0, y0, x1, y1 = xs - l, ys - t, xs + r, ys + b
            boxes = torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1)
            logits = boxes_raw[..., : 1 + len(DETECTION_CLASSES)]
            objectness = torch.sigmoid(logits[..., :1])
            classes = torch.softmax(logits[..., 1:], -1)
            offsets, visibility = decode_keypoints(keypoints_raw, strides)
            points = torch.cat(
                [
                    (offsets[..., :1] + xs[None, :, None, None]),
                    (offsets[..., 1:] + ys[None, :, None, None]),
                    torch.sigmoid(visibility)[..., None],
                ],
                -1,
            ).reshape(n, count, 3 * KEYPOINTS)
            outputs.append(torch.cat([boxes, objectness, classes, points], -1))
        if "segmentation" in raw:
            outputs.append(raw["segmentation"])
        if "log_depth" in raw:
            outputs.append(torch.exp(raw["log_depth"].clamp(math.log(MIN_DEPTH), math.log(MAX_DEPTH))))
        return tuple(outputs)
