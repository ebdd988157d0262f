//! The embedding engine: push frame sets or camera images, read each frame set's results.

use crate::convert::{error, message, to_python};
use crate::drive::{FrameSet, Rig};
use crate::models::{FusionChoice, ModelChoice};
use numpy::{IntoPyArray, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use panoptes::{
    Bytes, ImageData, Perception as Engine, PerceptionResult, PixelFormat, PushOutcome, SyncConfig,
};
use panoptes_pipeline::stages::PendingImage;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// One detected object in a camera's original pixels.
#[pyclass(frozen, get_all, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct Detection {
    /// The head that produced it.
    head: String,
    /// Class channel index.
    class_id: usize,
    /// The class label from the manifest.
    label: String,
    /// Score.
    score: f32,
    /// Top-left x, y, width, height in original pixels.
    box_xywh: [f32; 4],
    /// `[x, y, score]` per keypoint (pose heads), else None.
    keypoints: Option<Vec<[f32; 3]>>,
    /// Where this camera alone places the object's centre in the ego frame, metres.
    ego: Option<[f32; 3]>,
}

#[pymethods]
impl Detection {
    fn __repr__(&self) -> String {
        let [x, y, width, height] = self.box_xywh;
        format!(
            "Detection({} {:.2} at x {x:.0} y {y:.0} w {width:.0} h {height:.0})",
            self.label, self.score
        )
    }
}

impl From<panoptes::Detection> for Detection {
    fn from(detection: panoptes::Detection) -> Self {
        Self {
            head: detection.head,
            class_id: detection.class_id,
            label: detection.label,
            score: detection.score,
            box_xywh: detection.box_xywh,
            keypoints: detection.keypoints,
            ego: detection.ego,
        }
    }
}

/// An object around the vehicle in the ego frame (x forward, y left, z up; metres), fused
/// across cameras and tracked.
#[pyclass(frozen, get_all, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct EgoObject {
    /// Track id, stable across frame sets; None when untracked.
    id: Option<u64>,
    /// Whether the track is confirmed; None where `id` is.
    confirmed: Option<bool>,
    /// Class from the fusion table (e.g. `pedestrian`).
    class_name: String,
    /// The detection's own label.
    label: String,
    /// Best score among the observations.
    score: f32,
    /// Centre, metres.
    position: [f32; 3],
    /// Distance from the ego origin on the ground, metres.
    distance: f32,
    /// Ground-plane covariance `[xx, xy, yy]`, m².
    position_covariance: [f32; 3],
    /// Length, width, height, metres.
    size_lwh: [f32; 3],
    /// Heading about ego z, radians; None until it moves.
    yaw: Option<f32>,
    /// Velocity over the ground in ego axes, m/s.
    velocity: Option<[f32; 2]>,
    /// The cameras that saw it, best-placed first.
    cameras: Vec<String>,
    /// `ground` or `depth`: how it was placed.
    method: String,
    /// Whether the best camera's box touches its image border.
    clipped: bool,
}

#[pymethods]
impl EgoObject {
    fn __repr__(&self) -> String {
        let [x, y, _] = self.position;
        let id = self.id.map_or("-".to_string(), |id| id.to_string());
        format!(
            "EgoObject(#{id} {} at x {x:.1} y {y:.1} m, {})",
            self.class_name, self.method
        )
    }
}

impl From<panoptes::EgoObject> for EgoObject {
    fn from(object: panoptes::EgoObject) -> Self {
        let method = serde_json::to_value(object.method)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            id: object.id,
            confirmed: object.confirmed,
            class_name: object.class,
            label: object.label,
            score: object.score,
            position: object.position,
            distance: object.distance,
            position_covariance: object.position_covariance,
            size_lwh: object.size_lwh,
            yaw: object.yaw,
            velocity: object.velocity,
            cameras: object.cameras,
            method,
            clipped: object.clipped,
        }
    }
}

/// One frame set's results. `record` is its `perception.jsonl` line as a dict; masks (class
/// ids, uint8), depth maps (metres, float32, NaN where invalid) and the bird's-eye view
/// (category values, uint8) are NumPy arrays that own the engine's buffers (no copy is made,
/// but the bird's-eye view's).
#[pyclass(frozen, get_all, module = "panoptes")]
#[derive(Debug)]
pub struct FrameResult {
    /// The frame set's index, in push order.
    frame: usize,
    /// The set's time, µs.
    timestamp_us: u64,
    /// Why this frame set has no results; None when it has.
    failure: Option<String>,
    /// The `perception.jsonl` record (dict); None on failure.
    record: Py<PyAny>,
    /// Camera → list of Detection.
    detections: Py<PyDict>,
    /// The fused objects around the vehicle (list of EgoObject); empty with fusion off.
    objects_ego: Py<PyList>,
    /// Camera → {segmentation head → uint8 array H×W}.
    masks: Py<PyDict>,
    /// Camera → float32 array H×W, metres.
    depth: Py<PyDict>,
    /// The bird's-eye view as a uint8 array of category values (0 unknown, see the README),
    /// row 0 the far front; None without fusion.
    bev: Option<Py<PyAny>>,
}

#[pymethods]
impl FrameResult {
    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.failure {
            Some(failure) => format!("FrameResult({}, failed: {failure})", self.frame),
            None => format!(
                "FrameResult({}, {} cameras, {} objects)",
                self.frame,
                self.detections.bind(py).len(),
                self.objects_ego.bind(py).len()
            ),
        }
    }
}

impl FrameResult {
    /// Python objects of one result; the images move into NumPy.
    pub fn new(py: Python<'_>, result: PerceptionResult) -> PyResult<Self> {
        let mut decoded = match result {
            Ok(decoded) => decoded,
            Err(failure) => {
                let frame = match &failure {
                    panoptes::PerceptionFailure::FrameSet { frame, .. } => *frame,
                    panoptes::PerceptionFailure::Stage { .. } => usize::MAX,
                };
                return Ok(Self {
                    frame,
                    timestamp_us: 0,
                    failure: Some(failure.to_string()),
                    record: py.None(),
                    detections: PyDict::new(py).unbind(),
                    objects_ego: PyList::empty(py).unbind(),
                    masks: PyDict::new(py).unbind(),
                    depth: PyDict::new(py).unbind(),
                    bev: None,
                });
            }
        };
        let record = to_python(py, &decoded.record)?.unbind();
        let mut images: Vec<Option<PendingImage>> = std::mem::take(&mut decoded.images)
            .into_iter()
            .map(|(_, image)| Some(image))
            .collect();
        let masks = PyDict::new(py);
        let depth = PyDict::new(py);
        for source in &decoded.dense {
            match images.get_mut(source.image).and_then(Option::take) {
                Some(PendingImage::Mask(map)) => {
                    let heads = match masks.get_item(&source.camera)? {
                        Some(heads) => heads.cast_into::<PyDict>()?,
                        None => {
                            let heads = PyDict::new(py);
                            masks.set_item(&source.camera, &heads)?;
                            heads
                        }
                    };
                    heads.set_item(&source.head, map.into_ids().into_pyarray(py))?;
                }
                Some(PendingImage::Depth(map)) => {
                    depth.set_item(&source.camera, map.into_metres().into_pyarray(py))?;
                }
                _ => {}
            }
        }
        let bev = images.into_iter().flatten().find_map(|image| match image {
            PendingImage::Bev(grid) => Some(grid),
            _ => None,
        });
        let bev = match bev {
            Some(grid) => {
                let side = grid.side();
                let cells: Vec<u8> = grid
                    .cells()
                    .iter()
                    .map(|&category| category as u8)
                    .collect();
                let array = ndarray::Array2::from_shape_vec((side, side), cells)
                    .map_err(|failure| message(failure.to_string()))?;
                Some(array.into_pyarray(py).into_any().unbind())
            }
            None => None,
        };
        let record_value = decoded.record;
        let detections = PyDict::new(py);
        for (camera, perception) in record_value.cameras {
            let list: Vec<Detection> = perception
                .detections
                .into_iter()
                .map(Detection::from)
                .collect();
            detections.set_item(camera, list)?;
        }
        let objects: Vec<EgoObject> = record_value
            .objects_ego
            .unwrap_or_default()
            .into_iter()
            .map(EgoObject::from)
            .collect();
        Ok(Self {
            frame: record_value.frame,
            timestamp_us: record_value.timestamp_us,
            failure: None,
            record,
            detections: detections.unbind(),
            objects_ego: PyList::new(py, objects)?.unbind(),
            masks: masks.unbind(),
            depth: depth.unbind(),
            bev,
        })
    }
}

/// A running pipeline for one rig, as a vehicle stack embeds it: push each camera's frame as
/// it is captured (`push_frame`, never waits for the models) or whole frame sets
/// (`push_set`); read results in push order (`next_result`, `try_results`).
#[pyclass(module = "panoptes")]
pub struct Perception {
    engine: Mutex<Option<Engine>>,
}

impl std::fmt::Debug for Perception {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Perception").finish_non_exhaustive()
    }
}

impl Perception {
    fn with_engine<T>(&self, work: impl FnOnce(&Engine) -> PyResult<T>) -> PyResult<T> {
        let guard = self
            .engine
            .lock()
            .map_err(|_| message("the engine's lock is poisoned"))?;
        match guard.as_ref() {
            Some(engine) => work(engine),
            None => Err(message("the engine has been shut down")),
        }
    }
}

/// A pushed image: a NumPy uint8 array (H×W×3 `rgb`/`bgr`, or (H·3/2)×W `nv12`, or H×(2W)
/// `yuyv`), or the bytes of an encoded JPEG/PNG.
fn image_data(image: &Bound<'_, PyAny>, format: &str) -> PyResult<ImageData> {
    if let Ok(bytes) = image.cast::<PyBytes>() {
        return Ok(ImageData::Encoded(Bytes::copy_from_slice(bytes.as_bytes())));
    }
    let array: PyReadonlyArrayDyn<'_, u8> = image.extract().map_err(|_| {
        message("image: expected a NumPy uint8 array or the bytes of a JPEG/PNG file")
    })?;
    let shape = array.shape().to_vec();
    let (pixel_format, width, height) = match (format, shape.as_slice()) {
        ("rgb", [height, width, 3]) => (PixelFormat::Rgb8, *width, *height),
        ("bgr", [height, width, 3]) => (PixelFormat::Bgr8, *width, *height),
        ("nv12", [rows, width]) if rows % 3 == 0 => (PixelFormat::Nv12, *width, rows / 3 * 2),
        ("yuyv", [height, row]) if row % 2 == 0 => (PixelFormat::Yuyv, row / 2, *height),
        ("rgb" | "bgr" | "nv12" | "yuyv", _) => {
            return Err(message(format!(
                "image of shape {shape:?} is not a {format} image: rgb and bgr are H×W×3, nv12 is (H·3/2)×W, yuyv is H×(2·W), all uint8"
            )))
        }
        (other, _) => {
            return Err(message(format!(
                "format = {other:?}: expected \"rgb\", \"bgr\", \"nv12\" or \"yuyv\""
            )))
        }
    };
    let data: Vec<u8> = match array.as_slice() {
        Ok(slice) => slice.to_vec(),
        Err(_) => array.as_array().iter().copied().collect(),
    };
    let size = |value: usize| {
        u32::try_from(value).map_err(|_| message(format!("image side {value} is too large")))
    };
    Ok(ImageData::packed(
        pixel_format,
        size(width)?,
        size(height)?,
        data,
    ))
}

fn outcome<'py>(py: Python<'py>, outcome: PushOutcome) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let (name, dropped, reason) = match outcome {
        PushOutcome::Waiting => ("waiting", None, None),
        PushOutcome::Queued => ("queued", None, None),
        PushOutcome::DroppedOldest(frame) => ("dropped_oldest", Some(frame), None),
        PushOutcome::Rejected(reason) => ("rejected", None, Some(format!("{reason:?}"))),
    };
    dict.set_item("outcome", name)?;
    dict.set_item("dropped", dropped)?;
    dict.set_item("reason", reason)?;
    Ok(dict)
}

#[pymethods]
impl Perception {
    /// Loads the models for `rig` and starts the pipeline. `models` are manifest paths,
    /// `weights` one entry per model (None: the manifest's own). `queue`: frame sets that may
    /// wait for the models before the oldest is dropped. `sync_window_ms` / `max_wait_ms`:
    /// frames within the window are one set; a set waits at most that long for a late camera.
    #[new]
    #[pyo3(signature = (rig, models, weights = None, *, fusion = FusionChoice::default(), provider = "cpu", threads = None, queue = 1, sync_window_ms = None, max_wait_ms = None, unix_timestamps = false, stage_timeout = 60.0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        rig: &Rig,
        models: Vec<PathBuf>,
        weights: Option<Vec<Option<PathBuf>>>,
        fusion: FusionChoice,
        provider: &str,
        threads: Option<usize>,
        queue: usize,
        sync_window_ms: Option<f64>,
        max_wait_ms: Option<f64>,
        unix_timestamps: bool,
        stage_timeout: f64,
    ) -> PyResult<Self> {
        let choice = ModelChoice::new(models, weights, provider, threads)?;
        let mut sync = SyncConfig::default();
        let micros = |name: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok((value * 1000.0).round() as u64)
            } else {
                Err(message(format!(
                    "{name} = {value}: expected milliseconds ≥ 0"
                )))
            }
        };
        if let Some(window) = sync_window_ms {
            sync.window_us = micros("sync_window_ms", window)?;
        }
        if let Some(wait) = max_wait_ms {
            sync.max_wait_us = micros("max_wait_ms", wait)?;
        }
        if !(stage_timeout.is_finite() && stage_timeout >= 0.0) {
            return Err(message(format!(
                "stage_timeout = {stage_timeout}: give the seconds a stage may spend on a frame set (0: no limit)"
            )));
        }
        let mut builder = Engine::builder(rig.inner.clone())
            .with_targets(choice.targets)
            .with_optimization(choice.optimization)
            .with_queue(queue)
            .with_sync(sync)
            .with_fusion(fusion.config()?)
            .with_unix_timestamps(unix_timestamps)
            .with_stage_timeout(
                (stage_timeout > 0.0).then(|| Duration::from_secs_f64(stage_timeout)),
            );
        for request in choice.requests {
            builder = match request.weights {
                Some(weights) => builder.with_model_weights(request.manifest, weights),
                None => builder.with_model(request.manifest),
            };
        }
        let engine = py
            .detach(|| builder.build())
            .map_err(|failure| error(&failure))?;
        Ok(Self {
            engine: Mutex::new(Some(engine)),
        })
    }

    /// The rig's camera names, in rig order.
    #[getter]
    fn cameras(&self) -> PyResult<Vec<String>> {
        self.with_engine(|engine| Ok(engine.cameras().to_vec()))
    }

    /// Hands over one camera's frame captured at `timestamp_us` (the cameras' common clock).
    /// `image`: a NumPy uint8 array in `format` (`rgb`, `bgr`, `nv12`, `yuyv`; copied once), or
    /// the bytes of a JPEG/PNG. Returns {"outcome": waiting|queued|dropped_oldest|rejected,
    /// "dropped": the dropped set's index, "reason": why it was rejected}.
    #[pyo3(signature = (camera, timestamp_us, image, format = "rgb"))]
    fn push_frame<'py>(
        &self,
        py: Python<'py>,
        camera: &str,
        timestamp_us: u64,
        image: &Bound<'py, PyAny>,
        format: &str,
    ) -> PyResult<Bound<'py, PyDict>> {
        let data = image_data(image, format)?;
        let pushed = self.with_engine(|engine| {
            engine
                .push_frame(camera, timestamp_us, data)
                .map_err(|failure| error(&failure))
        })?;
        outcome(py, pushed)
    }

    /// Hands over a whole frame set of a drive (its index is renumbered in push order).
    fn push_set<'py>(&self, py: Python<'py>, frame_set: &FrameSet) -> PyResult<Bound<'py, PyDict>> {
        let pushed = self.with_engine(|engine| {
            engine
                .push_set(frame_set.inner.clone())
                .map_err(|failure| error(&failure))
        })?;
        outcome(py, pushed)
    }

    /// The next result in push order, waiting at most `timeout` seconds (None: until one
    /// comes); None when none came in time.
    #[pyo3(signature = (timeout = None))]
    fn next_result(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<FrameResult>> {
        let receiver = self.with_engine(|engine| {
            engine
                .results()
                .cloned()
                .ok_or_else(|| message("results go to a callback"))
        })?;
        let received = py.detach(|| match timeout {
            Some(seconds) if seconds.is_finite() && seconds >= 0.0 => {
                receiver.recv_timeout(Duration::from_secs_f64(seconds)).ok()
            }
            Some(_) => None,
            None => receiver.recv().ok(),
        });
        received
            .map(|result| FrameResult::new(py, result))
            .transpose()
    }

    /// Every result ready now, without waiting.
    fn try_results(&self, py: Python<'_>) -> PyResult<Vec<FrameResult>> {
        let receiver = self.with_engine(|engine| {
            engine
                .results()
                .cloned()
                .ok_or_else(|| message("results go to a callback"))
        })?;
        receiver
            .try_iter()
            .map(|result| FrameResult::new(py, result))
            .collect()
    }

    /// Frames pushed, sets formed and partial, drops, late and out-of-order frames, faults by
    /// kind, latency (dict).
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stats = self.with_engine(|engine| Ok(engine.stats()))?;
        to_python(py, &stats)
    }

    /// Sends the sets still waiting for cameras, finishes what is in flight and stops.
    /// Returns {"stats": final statistics, "unread": the results no one read, as FrameResult}.
    fn shutdown<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let engine = self
            .engine
            .lock()
            .map_err(|_| message("the engine's lock is poisoned"))?
            .take()
            .ok_or_else(|| message("the engine has been shut down"))?;
        let finished = py.detach(|| engine.shutdown());
        let dict = PyDict::new(py);
        dict.set_item("stats", to_python(py, &finished.stats)?)?;
        let unread: Vec<FrameResult> = finished
            .unread
            .into_iter()
            .map(|result| FrameResult::new(py, result))
            .collect::<PyResult<_>>()?;
        dict.set_item("unread", unread)?;
        Ok(dict)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __exit__(
        &self,
        py: Python<'_>,
        _kind: Option<&Bound<'_, PyAny>>,
        _value: Option<&Bound<'_, PyAny>>,
        _traceback: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let engine = self
            .engine
            .lock()
            .map_err(|_| message("the engine's lock is poisoned"))?
            .take();
        if let Some(engine) = engine {
            py.detach(|| engine.shutdown());
        }
        Ok(false)
    }
}
