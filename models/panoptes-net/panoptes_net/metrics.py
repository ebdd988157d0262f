"""METRICS.md and metrics.json from the `panoptes eval` reports of the recipe's last run."""

import json
import os

KEYS = [
    ("detection", "map50", "mAP@0.5", ">= 0.6"),
    ("segmentation", "miou", "mIoU", ">= 0.7"),
    ("depth", "abs_rel", "AbsRel", "<= 0.15"),
    ("pose", "pck", "PCK", ">= 0.6"),
]


def lookup(report, section, key):
    value = report.get(section, {})
    value = value.get(key) if isinstance(value, dict) else None
    if value is None:
        value = report.get(f"{section}.{key}")
    return value


def write_metrics(folder, results, training, timings, sets):
    path = os.path.join(folder, "metrics.json")
    if not training and os.path.exists(path):
        with open(path) as handle:
            training = json.load(handle).get("training", {})
    with open(path, "w") as handle:
        json.dump({"results": results, "training": training, "timings_s": timings, "sets": sets}, handle, indent=1)
    lines = [
        "# panoptes-net metrics",
        "",
        "Written by `python3 models/panoptes-net/recipe.py` (its last run); `panoptes eval` on drives",
        "rendered with seeds never used in training. Full reports: `metrics.json`.",
        "",
        "| set | drive | " + " | ".join(f"{label} ({goal})" for _, _, label, goal in KEYS) + " |",
        "|---|---|" + "---|" * len(KEYS),
    ]
    for set_name, drives in results.items():
        for drive, report in drives.items():
            if "error" in report:
                lines.append(f"| {set_name} | {drive} | eval failed: {report['error'][:120]} |")
                continue
            cells = []
            for section, key, _, _ in KEYS:
                value = lookup(report, section, key)
                cells.append(f"{value:.3f}" if isinstance(value, (int, float)) else "–")
            lines.append(f"| {set_name} | {drive} | " + " | ".join(cells) + " |")
    lines += ["", "## Training", "", "| model | parameters | steps × batch | minutes | ONNX size |", "|---|---|---|---|---|"]
    for name, summary in training.items():
        lines.append(
            f"| {name} | {summary['parameters'] / 1e6:.2f} M | {summary['steps']} × {summary['batch']} "
            f"| {summary['minutes']} | {summary.get('onnx_bytes', 0) / 1e6:.2f} MB |"
        )
    lines += ["", "## Stage timings (this machine, 2 cores, shared)", "", "| stage | minutes |", "|---|---|"]
    lines += [f"| {stage} | {seconds / 60:.1f} |" for stage, seconds in timings.items()]
    with open(os.path.join(folder, "METRICS.md"), "w") as handle:
        handle.write("\n".join(lines) + "\n")
