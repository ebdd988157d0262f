//! A frame set's results as Python objects: detections, ego objects, and masks, depth maps
//! and the bird's-eye view as NumPy arrays.

use crate::convert::{message, to_python};
use numpy::IntoPyArray;
use panoptes::PerceptionResult;
use panoptes_pipeline::stages::PendingImage;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

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
    /// Instance segmentation: `[left, top, width, height]` of the mask in original pixels
    /// (the box's pixels), else None.
    mask_rectangle: Option<[usize; 4]>,
    /// The mask's run lengths over that rectangle, row by row, off first (as in
    /// perception.jsonl), else None; `mask()` gives it as an array.
    mask_counts: Option<Vec<u32>>,
}

#[pymethods]
impl Detection {
    /// The instance mask as a uint8 array `[height, width]` over `mask_rectangle` (1 = object),
    /// or None for heads without masks.
    fn mask<'py>(&self, py: Python<'py>) -> Option<Bound<'py, numpy::PyArray2<u8>>> {
        let ([_, _, width, height], counts) = (self.mask_rectangle?, self.mask_counts.as_ref()?);
        let mut values = Vec::with_capacity(width * height);
        for (run, &count) in counts.iter().enumerate() {
            values.extend(std::iter::repeat_n(u8::from(run % 2 == 1), count as usize));
        }
        values.resize(width * height, 0);
        ndarray::Array2::from_shape_vec((height, width), values)
            .ok()
            .map(|array| array.into_pyarray(py))
    }

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
            mask_rectangle: detection.mask.as_ref().map(|mask| mask.rectangle),
            mask_counts: detection.mask.map(|mask| mask.counts),
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
