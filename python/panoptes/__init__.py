"""Panoptes: surround-view camera perception, from Python.

The Rust engine's own code, not a re-implementation: the same results as the ``panoptes``
command on the same inputs.

- Drives: :func:`open_drive` (our drive directories, nuScenes dataroots by scene),
  :class:`Drive`, :class:`FrameSet`, :class:`Rig`, :func:`drive_scenes`.
- Embedding: :class:`Perception` — push frame sets or camera images (NumPy ``uint8``: RGB, BGR,
  NV12, YUYV; or JPEG/PNG bytes), read :class:`FrameResult` objects with :class:`Detection`
  and :class:`EgoObject` lists, masks and depth maps as NumPy arrays.
- Commands: :func:`replay` (writes what ``panoptes replay`` writes), :class:`Evaluator` and
  :class:`Evaluation` (``panoptes eval``; evaluations pickle and merge with
  :func:`merge_evaluations`), and :mod:`panoptes.fleet` for many drives on a Ray cluster.

Every failure raises :class:`PanoptesError` with Panoptes' one-line message.
"""

from __future__ import annotations

from typing import Iterator, Optional

from ._panoptes import (
    ONNX_RUNTIME_VERSION,
    Detection,
    Drive,
    EgoObject,
    Evaluation,
    Evaluator,
    FrameResult,
    FrameSet,
    PanoptesError,
    Perception,
    Rig,
    __version__,
    drive_scenes,
    merge_evaluations,
    open_drive,
    replay,
)

__all__ = [
    "ONNX_RUNTIME_VERSION",
    "Detection",
    "Drive",
    "EgoObject",
    "Evaluation",
    "Evaluator",
    "FrameResult",
    "FrameSet",
    "PanoptesError",
    "Perception",
    "Rig",
    "__version__",
    "drive_scenes",
    "evaluate",
    "merge_evaluations",
    "open_drive",
    "replay",
    "results",
]


def evaluate(drive: str, models: list[str], weights: Optional[list[Optional[str]]] = None, *,
             scenes: Optional[list[str]] = None, **settings) -> Evaluation:
    """Evaluates ``models`` on one drive (or the ``scenes`` of a dataroot), as
    ``panoptes eval DRIVE --model … --json`` does; ``settings`` as :class:`Evaluator` takes them.
    """
    return Evaluator(models, weights, **settings).evaluate(drive, scenes)


def results(perception: Perception, timeout: Optional[float] = None) -> Iterator[FrameResult]:
    """Yields ``perception``'s results as they come, until none comes within ``timeout``
    seconds (None: waits for ever; stop with ``break``)."""
    while True:
        result = perception.next_result(timeout)
        if result is None:
            return
        yield result
