#!/usr/bin/env python3
"""Python onnxruntime's own speed on a model, with its default session options (the figure
Panoptes' inference is compared with): median and spread of RUNS timed runs of a batch of
random inputs, after WARMUP runs.

    scripts/onnxruntime_speed.py MODEL.onnx --batch 6 --height 360 --width 640 [--threads 2]
        [--runs 30] [--no-arena] [--no-spinning] [--per-set N]

A model with a fixed batch of 1 (YOLOX-nano) runs once per camera: `--batch 1 --per-set 6`
times six runs as one sample, as Panoptes' inference of a six-camera frame set.

Needs `pip install onnxruntime==1.31.1 numpy` (the version Panoptes loads).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import onnxruntime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--batch", type=int, default=6)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--threads", type=int, default=0, help="intra-op threads (0: onnxruntime's default)")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--per-set", type=int, default=1, help="runs per timed sample (cameras of a set)")
    parser.add_argument("--no-arena", action="store_true", help="enable_cpu_mem_arena = False")
    parser.add_argument("--no-spinning", action="store_true", help="session.intra_op.allow_spinning = 0")
    arguments = parser.parse_args()

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = arguments.threads
    options.enable_cpu_mem_arena = not arguments.no_arena
    if arguments.no_spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    session = onnxruntime.InferenceSession(arguments.model, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    batch = np.random.default_rng(0).random(
        (arguments.batch, 3, arguments.height, arguments.width), dtype=np.float32
    )
    for _ in range(arguments.warmup):
        session.run(None, {name: batch})
    times = []
    for _ in range(arguments.runs):
        started = time.perf_counter()
        for _ in range(arguments.per_set):
            session.run(None, {name: batch})
        times.append(1000 * (time.perf_counter() - started))
    times.sort()
    print(
        f"onnxruntime {onnxruntime.__version__} {arguments.model}: batch {arguments.batch} × {arguments.per_set}, "
        f"threads {arguments.threads or 'default'}, arena {not arguments.no_arena}, "
        f"spinning {not arguments.no_spinning}: p50 {statistics.median(times):.1f} ms "
        f"(min {times[0]:.1f}, p90 {times[int(0.9 * (len(times) - 1))]:.1f}, {len(times)} runs)"
    )


if __name__ == "__main__":
    main()
