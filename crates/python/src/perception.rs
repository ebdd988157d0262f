//! The embedding engine: push frame sets or camera images, read each frame set's results.

use crate::convert::{error, message, to_python};
use crate::drive::{FrameSet, Rig};
use crate::models::{FusionChoice, ModelChoice};
use crate::results::FrameResult;
use numpy::{PyReadonlyArrayDyn, PyUntypedArrayMethods};
use panoptes::{
    Bytes, ImageData, Perception as Engine, PerceptionResult, PixelFormat, PushOutcome, SyncConfig,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

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
    /// The results channel (a clone: reading it does not hold the engine's lock).
    fn receiver(&self) -> PyResult<crossbeam_channel::Receiver<PerceptionResult>> {
        self.with_engine(|engine| {
            engine
                .results()
                .cloned()
                .ok_or_else(|| message("results go to a callback"))
        })
    }

    /// Takes the engine out (shutting down); None when it is gone already.
    fn take_engine(&self) -> PyResult<Option<Engine>> {
        Ok(self
            .engine
            .lock()
            .map_err(|_| message("the engine's lock is poisoned"))?
            .take())
    }

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
        let receiver = self.receiver()?;
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
        let receiver = self.receiver()?;
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
            .take_engine()?
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
        if let Some(engine) = self.take_engine()? {
            py.detach(|| engine.shutdown());
        }
        Ok(false)
    }
}
