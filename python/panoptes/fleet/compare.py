"""A fleet report against a baseline: each headline metric's change, the drives that moved it
most, and the drives found in only one of the two."""

from __future__ import annotations

from typing import Any

from .metrics import HIGHER, METRICS, Metric, figure, lookup, metric_by_key

MOST_CHANGED_DRIVES = 3


def verdict(metric: Metric, change: float | None) -> str | None:
    """better, worse or same, by the metric's direction; None when either side is missing."""
    if change is None:
        return None
    if change == 0:
        return "same"
    return "better" if (change > 0) == (metric.better == HIGHER) else "worse"


def difference(before: Any, after: Any) -> float | None:
    """after − before when both are numbers."""
    numbers = all(
        isinstance(value, (int, float)) and not isinstance(value, bool) for value in (before, after)
    )
    return after - before if numbers else None


def drive_key(entry: dict[str, Any]) -> tuple[str, str | None]:
    """Drives of two reports are the same drive when path and scene match."""
    return entry["drive"], entry.get("scene")


def most_changed(metric: Metric, before: dict, after: dict) -> list[dict[str, Any]]:
    """The drives in both reports whose value of `metric` changed most, largest change first."""
    changes = []
    for key in before.keys() & after.keys():
        old = (before[key].get("metrics") or {}).get(metric.key)
        new = (after[key].get("metrics") or {}).get(metric.key)
        change = difference(old, new)
        if change:
            changes.append(
                {
                    "drive": key[0],
                    "scene": key[1],
                    "baseline": old,
                    "now": new,
                    "change": change,
                    "verdict": verdict(metric, change),
                }
            )
    changes.sort(key=lambda entry: (-abs(entry["change"]), entry["drive"], entry["scene"] or ""))
    return changes[:MOST_CHANGED_DRIVES]


def compare(baseline: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Per headline metric: baseline → now, the change and its verdict, the drives that moved it
    most; and the drives found in only one of the two reports."""
    before = {drive_key(entry): entry for entry in baseline["drives"]}
    after = {drive_key(entry): entry for entry in current["drives"]}
    metrics = []
    for metric in METRICS:
        old = lookup(baseline.get("fleet"), metric.key)
        new = lookup(current.get("fleet"), metric.key)
        change = difference(old, new)
        metrics.append(
            {
                "key": metric.key,
                "label": metric.label,
                "better": metric.better,
                "baseline": old,
                "now": new,
                "change": change,
                "verdict": verdict(metric, change),
                "drives": most_changed(metric, before, after),
            }
        )
    return {
        "metrics": metrics,
        "only_in_baseline": [{"drive": key[0], "scene": key[1]} for key in before if key not in after],
        "only_now": [{"drive": key[0], "scene": key[1]} for key in after if key not in before],
    }


def drive_label(drive: str, scene: str | None) -> str:
    """DRIVE, or DATAROOT#SCENE for one scene."""
    return drive if scene is None else f"{drive}#{scene}"


def comparison_table(comparison: dict[str, Any]) -> str:
    """Baseline → now per headline metric, with the drives that moved most."""
    lines = [f"compared with {comparison.get('baseline', 'the baseline')}:"]
    for entry in comparison["metrics"]:
        metric = metric_by_key(entry["key"])
        lines.append(
            f"  {metric.label}: {figure(metric, entry['baseline'])} → {figure(metric, entry['now'])}"
            f"  {figure(metric, entry['change'], signed=True)} {entry['verdict'] or ''}".rstrip()
        )
        for drive in entry["drives"]:
            change = figure(metric, drive["change"], signed=True)
            lines.append(
                f"      {drive_label(drive['drive'], drive['scene'])}: {figure(metric, drive['baseline'])}"
                f" → {figure(metric, drive['now'])} ({change} {drive['verdict']})"
            )
    for key, title in (("only_in_baseline", "only in the baseline"), ("only_now", "only now")):
        for drive in comparison[key]:
            lines.append(f"  {title}: {drive_label(drive['drive'], drive['scene'])}")
    return "\n".join(lines) + "\n"
