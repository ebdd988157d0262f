"""The headline metrics of a fleet: where each sits in an eval report, which way is better, and
how it reads for people. The one list used by the table, each drive's `metrics` and the
baseline comparison."""

from __future__ import annotations

import dataclasses
from typing import Any

HIGHER = "higher"
LOWER = "lower"


@dataclasses.dataclass(frozen=True)
class Metric:
    """A headline figure: where it sits in an eval report and which way is better."""

    key: str
    label: str
    better: str
    percent: bool = False


# The one list of headline metrics: the stdout table, each drive's `metrics` and the baseline
# comparison all use it.
METRICS: tuple[Metric, ...] = (
    Metric("detection.map50", "detection mAP@0.5", HIGHER),
    Metric("segmentation.miou", "segmentation mIoU", HIGHER),
    Metric("depth.abs_rel", "depth AbsRel", LOWER),
    Metric("pose.pck", "pose PCK", HIGHER),
    Metric("ego.detection.map", "ego mAP", HIGHER),
    Metric("ego.position.within_range.median_relative", "ego position error (median)", LOWER, percent=True),
    Metric("ego.duplicates.camera_overlap_fraction", "ego duplicates (camera overlap)", LOWER, percent=True),
    Metric("ego.id_switches.per_100_objects", "ego ID switches per 100", LOWER),
    Metric("ego.bev.categories.drivable.iou", "BEV IoU drivable", HIGHER),
    Metric("ego.bev.categories.object.iou", "BEV IoU object", HIGHER),
)


def lookup(report: dict | None, key: str) -> Any:
    """The value at a dotted key path of a report; None where any part is missing or null."""
    value: Any = report
    for part in key.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def headline(report: dict | None) -> dict[str, Any]:
    """The headline metrics of an eval report, by key."""
    return {metric.key: lookup(report, metric.key) for metric in METRICS}


def metric_by_key(key: str) -> Metric:
    """The METRICS entry of a key."""
    return next(metric for metric in METRICS if metric.key == key)


def figure(metric: Metric, value: Any, signed: bool = False) -> str:
    """A metric's value for people: `-` when missing, a percentage where the metric is a
    fraction; `signed`, a change (in percentage points for a fraction)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "-"
    if metric.percent:
        return f"{100 * value:+.1f} pp" if signed else f"{100 * value:.1f} %"
    return f"{value:+.3f}" if signed else f"{value:.3f}"
