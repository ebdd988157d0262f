"""panoptes-net: a RepVGG-like plain encoder, an FPN-lite neck and four heads. Every task can also
be built alone (its own encoder), for the shared-versus-separate comparison."""

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from .spec import (
    DETECTION_CLASSES, DETECTION_STRIDE, KEYPOINTS, MAX_DEPTH, MIN_DEPTH, SEGMENTATION_CLASSES,
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
    """Anchor-free, one output row per stride-8 cell: objectness and class logits, box distances
    (left, top, right, bottom) and, for people, 17 keypoint offsets with visibility logits."""

    def __init__(self, width=32, hidden=48):
        super().__init__()
        classes = len(DETECTION_CLASSES)
        self.tower = conv_bn(width, hidden)
        self.box = nn.Conv2d(hidden, 1 + classes + 4, 1)
        self.keypoint = nn.Conv2d(hidden, 3 * KEYPOINTS, 1)
        prior = 0.01  # objectness starts near "nothing here" (focal-loss practice)
        nn.init.constant_(self.box.bias, 0.0)
        nn.init.constant_(self.box.bias[0], -math.log((1 - prior) / prior))

    def forward(self, p8):
        features = self.tower(p8)
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
            self.detection = DetectionHead()
        if "segmentation" in self.tasks:
            self.segmentation = DenseHead(DENSE, len(SEGMENTATION_CLASSES))
        if "depth" in self.tasks:
            self.depth = DenseHead(DENSE, 1)
            nn.init.constant_(self.depth[1].bias, math.log(10.0))

    def forward(self, images):
        """Raw training outputs: a dict of logits / log-depth at stride 8 (detection) or 4."""
        p4, p8 = self.neck(self.encoder(images))
        out = {}
        if "detection" in self.tasks:
            out["boxes"], out["keypoints"] = self.detection(p8)
        if "segmentation" in self.tasks:
            out["segmentation"] = self.segmentation(p4)
        if "depth" in self.tasks:
            out["log_depth"] = self.depth(p4)
        return out


def cell_centres(height, width, device=None):
    """Pixel centres of the stride-8 cells, each [H·W] in row-major order."""
    ys, xs = torch.meshgrid(
        (torch.arange(height, device=device, dtype=torch.float32) + 0.5) * DETECTION_STRIDE,
        (torch.arange(width, device=device, dtype=torch.float32) + 0.5) * DETECTION_STRIDE,
        indexing="ij",
    )
    return xs.reshape(-1), ys.reshape(-1)


def decode_boxes(box_map):
    """[N, 10, H, W] raw → distances [N, H·W, 4] (l, t, r, b) in pixels."""
    n, _, h, w = box_map.shape
    distances = box_map[:, 1 + len(DETECTION_CLASSES):].flatten(2).transpose(1, 2)
    return torch.exp(distances.clamp(max=6.0)) * DETECTION_STRIDE


def decode_keypoints(keypoint_map):
    """[N, 3K, H, W] raw → offsets [N, H·W, K, 2] in pixels and visibility logits [N, H·W, K]."""
    n, _, h, w = keypoint_map.shape
    values = keypoint_map.flatten(2).transpose(1, 2).reshape(n, h * w, KEYPOINTS, 3)
    return values[..., :2] * (4 * DETECTION_STRIDE), values[..., 2]


class Exported(nn.Module):
    """The graph that ships: decoded `panoptes` detection rows, segmentation logits, metres."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, images):
        raw = self.net(images)
        outputs = []
        if "boxes" in raw:
            box_map, keypoint_map = raw["boxes"], raw["keypoints"]
            n, _, h, w = box_map.shape
            xs, ys = cell_centres(h, w, box_map.device)
            l, t, r, b = decode_boxes(box_map).unbind(-1)
            x0, y0, x1, y1 = xs - l, ys - t, xs + r, ys + b
            boxes = torch.stack([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0], -1)
            logits = box_map[:, : 1 + len(DETECTION_CLASSES)].flatten(2).transpose(1, 2)
            objectness = torch.sigmoid(logits[..., :1])
            classes = torch.softmax(logits[..., 1:], -1)
            offsets, visibility = decode_keypoints(keypoint_map)
            points = torch.cat(
                [
                    (offsets[..., :1] + xs[None, :, None, None]),
                    (offsets[..., 1:] + ys[None, :, None, None]),
                    torch.sigmoid(visibility)[..., None],
                ],
                -1,
            ).reshape(n, h * w, 3 * KEYPOINTS)
            outputs.append(torch.cat([boxes, objectness, classes, points], -1))
        if "segmentation" in raw:
            outputs.append(raw["segmentation"])
        if "log_depth" in raw:
            outputs.append(torch.exp(raw["log_depth"].clamp(math.log(MIN_DEPTH), math.log(MAX_DEPTH))))
        return tuple(outputs)
