//! `panoptes replay` as a function.

use crate::convert::{error, message, report_progress, to_python};
use crate::drive::SceneChoice;
use crate::models::{FusionChoice, ModelChoice};
use panoptes_pipeline::{Pacing, Progress, ReplayOptions};
use pyo3::prelude::*;
use pyo3::types::PyList;
use std::path::PathBuf;

/// Replays a drive (or the scenes of a nuScenes dataroot) through `models` into `out`, as
/// `panoptes replay` does: `perception.jsonl`, masks, depth, bird's-eye views,
/// `report.json` (several scenes: each in `out/<scene>/`). Returns the reports (dicts), one
/// per scene. `progress(done, total)` is called after each frame set.
#[pyfunction]
#[pyo3(signature = (drive, models, out, weights = None, *, scenes = None, fusion = FusionChoice::default(), provider = "cpu", threads = None, limit = None, overlays = false, sequential = false, workers = None, camera_frames = None, categories = None, version = None, progress = None))]
#[allow(clippy::too_many_arguments)]
pub fn replay<'py>(
    py: Python<'py>,
    drive: PathBuf,
    models: Vec<PathBuf>,
    out: PathBuf,
    weights: Option<Vec<Option<PathBuf>>>,
    scenes: Option<Vec<String>>,
    fusion: FusionChoice,
    provider: &str,
    threads: Option<usize>,
    limit: Option<usize>,
    overlays: bool,
    sequential: bool,
    workers: Option<usize>,
    camera_frames: Option<String>,
    categories: Option<PathBuf>,
    version: Option<String>,
    progress: Option<Py<PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let choice = ModelChoice::new(models, weights, provider, threads)?;
    if workers == Some(0) {
        return Err(message(
            "workers must be at least 1 (None: chosen for the machine)",
        ));
    }
    let options = ReplayOptions {
        targets: choice.targets,
        optimization: choice.optimization,
        limit,
        pacing: Pacing::Offline,
        inference_workers: workers,
        fusion: fusion.config()?,
        overlays,
        ..ReplayOptions::new(choice.requests, out.clone())
    };
    let scene_choice = SceneChoice {
        scenes: scenes.unwrap_or_default(),
        camera_frames,
        categories,
        version,
    };
    let reports = py.detach(|| -> PyResult<Vec<panoptes_pipeline::Report>> {
        let drives = scene_choice.open(&drive)?;
        let several = drives.len() > 1;
        let mut reports = Vec::with_capacity(drives.len());
        for one in &drives {
            let options = ReplayOptions {
                out: panoptes_pipeline::scene_directory(&out, one, several),
                ..options.clone()
            };
            let loaded = panoptes_pipeline::load_models(&options, one.rig().len())
                .map_err(|failure| error(&failure))?;
            let mut tell =
                |done: Progress| report_progress(progress.as_ref(), done.done, done.total);
            let run = if sequential {
                panoptes_pipeline::replay_sequential
            } else {
                panoptes_pipeline::replay_concurrent
            };
            let report = run(one, loaded, &options, &mut tell).map_err(|failure| {
                message(format!("replay of {} failed: {}", drive.display(), failure))
            })?;
            reports.push(report);
        }
        Ok(reports)
    })?;
    let list = PyList::empty(py);
    for report in &reports {
        list.append(to_python(py, report)?)?;
    }
    Ok(list)
}
