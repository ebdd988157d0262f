"""Type stubs of the native module (crates/python)."""

from os import PathLike
from typing import Any, Callable, Optional, Union

import numpy as np
import numpy.typing as npt

_Path = Union[str, PathLike[str]]
_Fusion = Union[bool, _Path]
_Progress = Callable[[int, int], Any]

__version__: str
ONNX_RUNTIME_VERSION: str

class PanoptesError(Exception):
    """A Panoptes error: the message names the file, the field and the fix."""

class Rig:
    """A rig of calibrated cameras (``rig.json``)."""
    @staticmethod
    def load(path: _Path) -> Rig: ...
    @staticmethod
    def from_json(text: str) -> Rig: ...
    def to_json(self) -> str: ...
    @property
    def cameras(self) -> list[str]: ...
    def __len__(self) -> int: ...

class FrameSet:
    """The frames of all cameras at one moment."""
    @property
    def index(self) -> int: ...
    @property
    def timestamp_us(self) -> int: ...
    @property
    def cameras(self) -> list[str]: ...
    @property
    def missing(self) -> int: ...

class Drive:
    """One drive (or nuScenes scene): rig, frame sets, ground truth where present."""
    @property
    def root(self) -> str: ...
    @property
    def scene(self) -> Optional[str]: ...
    @property
    def name(self) -> str: ...
    @property
    def rig(self) -> Rig: ...
    @property
    def segmentation_classes(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> FrameSet: ...

def open_drive(path: _Path, scenes: Optional[list[str]] = None, *,
               camera_frames: Optional[str] = None, categories: Optional[_Path] = None,
               version: Optional[str] = None) -> list[Drive]:
    """A drive directory as one Drive, or a nuScenes dataroot's scenes, one Drive each."""

def drive_scenes(path: _Path, version: Optional[str] = None) -> list[str]:
    """Scene names of a nuScenes dataroot; [] for our drive directories."""

class Detection:
    """One detected object in a camera's original pixels."""
    head: str
    class_id: int
    label: str
    score: float
    box_xywh: list[float]
    keypoints: Optional[list[list[float]]]
    ego: Optional[list[float]]
    mask_rectangle: Optional[list[int]]
    mask_counts: Optional[list[int]]
    def mask(self) -> Optional[npt.NDArray[np.uint8]]:
        """The instance mask over mask_rectangle, uint8 [height, width]; None without one."""

class EgoObject:
    """An object in the ego frame (x forward, y left, z up; metres), fused and tracked."""
    id: Optional[int]
    confirmed: Optional[bool]
    class_name: str
    label: str
    score: float
    position: list[float]
    distance: float
    position_covariance: list[float]
    size_lwh: list[float]
    yaw: Optional[float]
    velocity: Optional[list[float]]
    cameras: list[str]
    method: str
    clipped: bool

class FrameResult:
    """One frame set's results; arrays own the engine's buffers (no copy)."""
    frame: int
    timestamp_us: int
    failure: Optional[str]
    record: Optional[dict[str, Any]]
    detections: dict[str, list[Detection]]
    objects_ego: list[EgoObject]
    masks: dict[str, dict[str, npt.NDArray[np.uint8]]]
    depth: dict[str, npt.NDArray[np.float32]]
    bev: Optional[npt.NDArray[np.uint8]]

class Perception:
    """A running pipeline for one rig (see the module's docstring)."""
    def __init__(self, rig: Rig, models: list[_Path],
                 weights: Optional[list[Optional[_Path]]] = None, *, fusion: _Fusion = True,
                 provider: str = "cpu", threads: Optional[int] = None, queue: int = 1,
                 sync_window_ms: Optional[float] = None, max_wait_ms: Optional[float] = None,
                 unix_timestamps: bool = False, stage_timeout: float = 60.0) -> None: ...
    @property
    def cameras(self) -> list[str]: ...
    def push_frame(self, camera: str, timestamp_us: int,
                   image: Union[npt.NDArray[np.uint8], bytes],
                   format: str = "rgb") -> dict[str, Any]: ...
    def push_set(self, frame_set: FrameSet) -> dict[str, Any]: ...
    def next_result(self, timeout: Optional[float] = None) -> Optional[FrameResult]: ...
    def try_results(self) -> list[FrameResult]: ...
    def stats(self) -> dict[str, Any]: ...
    def shutdown(self) -> dict[str, Any]: ...
    def __enter__(self) -> Perception: ...
    def __exit__(self, *exception: object) -> bool: ...

class Evaluation:
    """An evaluation's figures (``report``) and the tallies behind them (``scores``)."""
    def __init__(self, report: str, scores: bytes) -> None: ...
    @property
    def report(self) -> dict[str, Any]: ...
    @property
    def scores(self) -> bytes: ...
    @property
    def frame_sets(self) -> int: ...
    @property
    def wall_seconds(self) -> float: ...
    @property
    def drives(self) -> list[str]: ...

class Evaluator:
    """Models loaded once, evaluated over drive after drive (``panoptes eval``)."""
    def __init__(self, models: list[_Path], weights: Optional[list[Optional[_Path]]] = None, *,
                 fusion: _Fusion = True, provider: str = "cpu", threads: Optional[int] = None,
                 score_threshold: Optional[float] = None,
                 aliases: Optional[dict[str, str]] = None, limit: Optional[int] = None,
                 pck_alpha: Optional[float] = None, max_occlusion: Optional[float] = None,
                 min_area: Optional[float] = None, ego_max_distance: Optional[float] = None,
                 camera_frames: Optional[str] = None, categories: Optional[_Path] = None,
                 version: Optional[str] = None) -> None: ...
    def evaluate(self, drive: _Path, scenes: Optional[list[str]] = None,
                 progress: Optional[_Progress] = None) -> Evaluation: ...

def merge_evaluations(evaluations: list[Evaluation], name: str) -> Evaluation:
    """The evaluations' drives counted together, in order: one ``panoptes eval`` of them all."""

def replay(drive: _Path, models: list[_Path], out: _Path,
           weights: Optional[list[Optional[_Path]]] = None, *,
           scenes: Optional[list[str]] = None, fusion: _Fusion = True, provider: str = "cpu",
           threads: Optional[int] = None, limit: Optional[int] = None, overlays: bool = False,
           sequential: bool = False, workers: Optional[int] = None,
           camera_frames: Optional[str] = None, categories: Optional[_Path] = None,
           version: Optional[str] = None,
           progress: Optional[_Progress] = None) -> list[dict[str, Any]]:
    """``panoptes replay``: writes ``out``; returns each scene's report."""
