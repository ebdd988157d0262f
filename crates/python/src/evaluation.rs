//! `panoptes eval` as objects: an evaluator that keeps its models loaded from drive to drive,
//! evaluations that cross processes (pickle), and their merge.

use crate::convert::{error, json_to_python, message, report_progress};
use crate::drive::SceneChoice;
use crate::models::{FusionChoice, ModelChoice};
use panoptes_eval::{DriveScores, EvalOptions, IgnoreRule};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

/// What an evaluation found: `report` is what `panoptes eval --json` writes, `scores` the
/// tallies behind it (for `merge_evaluations`). Picklable.
#[pyclass(frozen, module = "panoptes")]
#[derive(Debug, Clone)]
pub struct Evaluation {
    report: String,
    scores: Vec<DriveScores>,
}

impl Evaluation {
    fn from_scores(scores: Vec<DriveScores>, name: &str, wall_seconds: f64) -> PyResult<Self> {
        let evaluation = panoptes_eval::summarize(&scores, name, wall_seconds)
            .map_err(|failure| error(&failure))?;
        let report =
            serde_json::to_string(&evaluation).map_err(|failure| message(failure.to_string()))?;
        Ok(Self { report, scores })
    }
}

#[pymethods]
impl Evaluation {
    /// An evaluation from its `report` JSON text and `scores` bytes (what pickling stores).
    #[new]
    fn new(report: String, scores: &[u8]) -> PyResult<Self> {
        let text = std::str::from_utf8(scores)
            .map_err(|_| message("scores: not the UTF-8 JSON an evaluation writes"))?;
        let scores = DriveScores::from_json(text).map_err(|failure| error(&failure))?;
        serde_json::from_str::<serde_json::Value>(&report)
            .map_err(|failure| message(format!("report: {failure}")))?;
        Ok(Self { report, scores })
    }

    /// The figures (dict), as `panoptes eval --json` writes them.
    #[getter]
    fn report<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_to_python(py, &self.report)
    }

    /// The tallies, JSON bytes: one entry per drive or scene.
    #[getter]
    fn scores<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, DriveScores::to_json(&self.scores).as_bytes())
    }

    /// Frame sets scored.
    #[getter]
    fn frame_sets(&self) -> usize {
        self.scores.iter().map(DriveScores::frame_sets).sum()
    }

    /// Seconds the scoring took (summed over drives).
    #[getter]
    fn wall_seconds(&self) -> f64 {
        self.scores.iter().map(|score| score.wall_seconds).sum()
    }

    /// The drives (or scenes) it counts.
    #[getter]
    fn drives(&self) -> Vec<String> {
        self.scores
            .iter()
            .map(|score| score.drive.clone())
            .collect()
    }

    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let class = py.get_type::<Self>();
        let arguments = (self.report.clone(), self.scores(py));
        PyTuple::new(
            py,
            [class.into_any(), arguments.into_pyobject(py)?.into_any()],
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "Evaluation({}, {} frame sets)",
            self.drives().join(", "),
            self.frame_sets()
        )
    }
}

/// The figures of several evaluations counted together, in the order given, named `name`:
/// the same as one `panoptes eval` over all their drives. Fails when they were made with
/// different models or settings.
#[pyfunction]
pub fn merge_evaluations(
    evaluations: Vec<PyRef<'_, Evaluation>>,
    name: &str,
) -> PyResult<Evaluation> {
    let scores: Vec<DriveScores> = evaluations
        .iter()
        .flat_map(|evaluation| evaluation.scores.iter().cloned())
        .collect();
    let wall_seconds = scores.iter().map(|score| score.wall_seconds).sum();
    Evaluation::from_scores(scores, name, wall_seconds)
}

struct Loaded {
    choice: ModelChoice,
    score_threshold: Option<f32>,
    options: EvalOptions,
    scenes: SceneChoice,
    /// Models loaded per rig size.
    evaluators: HashMap<usize, panoptes_eval::Evaluator>,
}

/// Models loaded once and evaluated over drive after drive, as `panoptes eval` does (one
/// engine per worker of a fleet).
#[pyclass(module = "panoptes")]
pub struct Evaluator {
    state: Mutex<Loaded>,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Evaluator").finish_non_exhaustive()
    }
}

#[pymethods]
impl Evaluator {
    /// `models` (manifest paths) with `weights` (one per model, None: the manifest's own);
    /// the other settings as `panoptes eval`'s options of the same names. The models load on
    /// the first drive (for its number of cameras).
    #[new]
    #[pyo3(signature = (models, weights = None, *, fusion = FusionChoice::default(), provider = "cpu", threads = None, score_threshold = None, aliases = None, limit = None, pck_alpha = None, max_occlusion = None, min_area = None, ego_max_distance = None, camera_frames = None, categories = None, version = None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        models: Vec<PathBuf>,
        weights: Option<Vec<Option<PathBuf>>>,
        fusion: FusionChoice,
        provider: &str,
        threads: Option<usize>,
        score_threshold: Option<f32>,
        aliases: Option<BTreeMap<String, String>>,
        limit: Option<usize>,
        pck_alpha: Option<f64>,
        max_occlusion: Option<f64>,
        min_area: Option<f64>,
        ego_max_distance: Option<f64>,
        camera_frames: Option<String>,
        categories: Option<PathBuf>,
        version: Option<String>,
    ) -> PyResult<Self> {
        let defaults = EvalOptions::default();
        let ignore = IgnoreRule::default();
        let options = EvalOptions {
            aliases: aliases.unwrap_or_default(),
            limit,
            pck_alpha: pck_alpha.unwrap_or(defaults.pck_alpha),
            ignore: IgnoreRule {
                max_occlusion: max_occlusion.unwrap_or(ignore.max_occlusion),
                min_area: min_area.unwrap_or(ignore.min_area),
            },
            fusion: fusion.config()?,
            ego_max_distance_m: ego_max_distance.unwrap_or(defaults.ego_max_distance_m),
        };
        Ok(Self {
            state: Mutex::new(Loaded {
                choice: ModelChoice::new(models, weights, provider, threads)?,
                score_threshold,
                options,
                scenes: SceneChoice {
                    scenes: Vec::new(),
                    camera_frames,
                    categories,
                    version,
                },
                evaluators: HashMap::new(),
            }),
        })
    }

    /// Evaluates one drive directory, or the `scenes` of a nuScenes dataroot (default all,
    /// counted together, each also on its own under `scenes`). `progress(done, total)` is
    /// called after each frame set.
    #[pyo3(signature = (drive, scenes = None, progress = None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        drive: PathBuf,
        scenes: Option<Vec<String>>,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<Evaluation> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| message("the evaluator's lock is poisoned"))?;
        let state = &mut *state;
        let choice = SceneChoice {
            scenes: scenes.unwrap_or_default(),
            ..state.scenes.clone()
        };
        let started = std::time::Instant::now();
        let (drives, scores) = py.detach(|| -> PyResult<_> {
            let drives = choice.open(&drive)?;
            let cameras = drives[0].rig().len();
            if let Some(other) = drives.iter().find(|other| other.rig().len() != cameras) {
                return Err(message(format!(
                    "{}: scenes with {} and {} cameras cannot share the models' engines; evaluate them apart",
                    drive.display(),
                    cameras,
                    other.rig().len()
                )));
            }
            for one in &drives {
                panoptes_eval::check_ground_truth(one, state.options.limit)
                    .map_err(|failure| error(&failure))?;
            }
            let evaluator = match state.evaluators.entry(cameras) {
                std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
                std::collections::hash_map::Entry::Vacant(entry) => {
                    let models = panoptes_eval::load_evaluation_models(
                        &state.choice.requests,
                        &state.choice.targets,
                        state.choice.optimization,
                        cameras,
                        state.score_threshold,
                    )
                    .map_err(|failure| error(&failure))?;
                    entry.insert(panoptes_eval::Evaluator::new(models, cameras))
                }
            };
            let mut tell = |done: panoptes_eval::EvalProgress| {
                report_progress(progress.as_ref(), done.done, done.total);
            };
            let scores = evaluator
                .score(&drives, &state.options, &mut tell)
                .map_err(|failure| {
                    message(format!("evaluation of {} failed: {}", drive.display(), failure))
                })?;
            Ok((drives, scores))
        })?;
        let name = panoptes_eval::evaluation_name(&drives);
        Evaluation::from_scores(scores, &name, started.elapsed().as_secs_f64())
    }
}
