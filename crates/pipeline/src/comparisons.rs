//! What `panoptes bench` compares, each in interleaved rounds ([`crate::compare::interleave`]):
//! one batched run against a run per camera, models against models (the shared multi-task
//! model against its single-task ones, one provider against another), several inference workers against one engine, the overlapped replay
//! against the sequential one.

use crate::compare::{interleave, median_ms, Comparison, Skipped};
use crate::error::{PipelineError, Result};
use crate::model::LoadedModel;
use crate::replay::{load_models, ReplayOptions};
use crate::report::Report;
use crate::stages;
use ndarray::{s, Array4};
use panoptes_drive::{Drive, FrameSet};
use panoptes_runtime::{BatchLimit, Engine};
use std::time::Instant;

/// How long each comparison measures: rounds, repetitions per side and round, untimed runs
/// first.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    /// Interleaved rounds (the ratio's spread is over these).
    pub rounds: usize,
    /// Timed repetitions per side in each round (their median is the round's figure).
    pub repetitions: usize,
    /// Untimed runs of each side before the first round.
    pub warmup: usize,
}

/// A model's engines and its input batch for `frame_set`.
fn engine_and_batch(model: LoadedModel, frame_set: &FrameSet) -> (Vec<Engine>, Array4<f32>) {
    let (mut preprocessors, engines, _, _) = stages::split(vec![model]);
    let prepared = stages::prepare(
        frame_set.clone(),
        &mut preprocessors,
        Vec::new(),
        Instant::now(),
    );
    let batch = prepared
        .models
        .into_iter()
        .next()
        .map(|model| model.batch)
        .unwrap_or_default();
    (engines, batch)
}

/// Runs each worker's engines `iterations` times on `batch`, all workers at the same time, and
/// returns the wall-clock milliseconds per frame set of all of them together.
pub(crate) fn side_by_side(
    sets: &mut [Vec<Engine>],
    batch: &Array4<f32>,
    iterations: usize,
) -> Result<f64> {
    let workers = sets.len().max(1);
    let started = Instant::now();
    let results: Vec<Result<()>> = std::thread::scope(|scope| {
        let handles: Vec<_> = sets
            .iter_mut()
            .map(|engines| {
                scope.spawn(move || -> Result<()> {
                    for _ in 0..iterations {
                        for engine in engines.iter_mut() {
                            engine.run(batch.view())?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(PipelineError::Configuration(
                        "an inference worker of the benchmark panicked".to_string(),
                    ))
                })
            })
            .collect()
    });
    results.into_iter().collect::<Result<Vec<()>>>()?;
    let frame_sets = (workers * iterations).max(1) as f64;
    Ok(started.elapsed().as_secs_f64() * 1e3 / frame_sets)
}

/// One run of all cameras against a run per camera, on the same engine.
pub fn batched_vs_per_camera(
    model: LoadedModel,
    frame_set: &FrameSet,
    rounds: Rounds,
) -> Result<std::result::Result<Comparison, Skipped>> {
    const NAME: &str = "batched vs per-camera";
    let name = model.manifest.name.clone();
    let (mut engines, batch) = engine_and_batch(model, frame_set);
    let cameras = batch.dim().0;
    let Some(engine) = engines.first_mut() else {
        return Err(PipelineError::Configuration("no engine".to_string()));
    };
    let skipped = |why: String| {
        Ok(Err(Skipped {
            name: NAME.to_string(),
            why,
        }))
    };
    match engine.batch_limit() {
        BatchLimit::Fixed(size) => {
            return skipped(format!(
                "{name}'s graph takes batches of {size} only: it cannot be run both ways"
            ))
        }
        BatchLimit::Dynamic if cameras < 2 => {
            return skipped(format!("the frame set has {cameras} camera"))
        }
        BatchLimit::Dynamic => {}
    }
    let engine = std::cell::RefCell::new(engine);
    let batched = || -> Result<()> {
        engine.borrow_mut().run(batch.view())?;
        Ok(())
    };
    let per_camera = || -> Result<()> {
        let mut engine = engine.borrow_mut();
        for camera in 0..cameras {
            engine.run(batch.slice(s![camera..camera + 1, .., .., ..]))?;
        }
        Ok(())
    };
    for _ in 0..rounds.warmup {
        batched()?;
        per_camera()?;
    }
    let repetitions = rounds.repetitions;
    interleave(
        NAME,
        (
            &format!("{name}, one run of {cameras} cameras"),
            &format!("{name}, {cameras} runs of one camera"),
        ),
        rounds.rounds,
        || median_ms(repetitions, batched),
        || median_ms(repetitions, per_camera),
    )
    .map(Ok)
}

/// The inference of models `a` against models `b`, each side's models run back to back on
/// their own batches of `frame_set`: the shared multi-task model against its single-task
/// models, or one model on two providers.
pub fn inference_vs(
    name: &str,
    labels: (&str, &str),
    a: Vec<LoadedModel>,
    b: Vec<LoadedModel>,
    frame_set: &FrameSet,
    rounds: Rounds,
) -> Result<Comparison> {
    let prepare = |models: Vec<LoadedModel>| -> Vec<(Vec<Engine>, Array4<f32>)> {
        models
            .into_iter()
            .map(|model| engine_and_batch(model, frame_set))
            .collect()
    };
    let (a, b) = (
        std::cell::RefCell::new(prepare(a)),
        std::cell::RefCell::new(prepare(b)),
    );
    let run = |side: &std::cell::RefCell<Vec<(Vec<Engine>, Array4<f32>)>>| -> Result<()> {
        for (engines, batch) in side.borrow_mut().iter_mut() {
            for engine in engines.iter_mut() {
                engine.run(batch.view())?;
            }
        }
        Ok(())
    };
    for _ in 0..rounds.warmup {
        run(&a)?;
        run(&b)?;
    }
    let repetitions = rounds.repetitions;
    interleave(
        name,
        labels,
        rounds.rounds,
        || median_ms(repetitions, || run(&a)),
        || median_ms(repetitions, || run(&b)),
    )
}

/// Several inference workers side by side (each with its share of the cores) against the one
/// engine as loaded, both on the same batch: throughput of inference alone.
pub fn workers_vs_one(
    model: LoadedModel,
    workers: usize,
    frame_set: &FrameSet,
    rounds: Rounds,
) -> Result<std::result::Result<Comparison, Skipped>> {
    const NAME: &str = "inference workers";
    let target = model.engine.target().clone();
    let (engines, batch) = engine_and_batch(model, frame_set);
    if workers < 2 {
        return Ok(Err(Skipped {
            name: NAME.to_string(),
            why: "one inference worker: nothing to compare it with".to_string(),
        }));
    }
    let threads =
        |target: &panoptes_runtime::ExecutionTarget| match crate::workers::cpu_threads(target) {
            None => "default threads".to_string(),
            Some(1) => "1 thread".to_string(),
            Some(threads) => format!("{threads} threads"),
        };
    let twins = engines
        .iter()
        .map(|engine| engine.twin(engine.target().clone()))
        .collect::<panoptes_runtime::Result<Vec<_>>>()?;
    let mut one = vec![engines];
    let mut many = crate::workers::engine_sets(twins, workers)?;
    let many_threads = many
        .first()
        .and_then(|set| set.first())
        .map(|engine| threads(engine.target()))
        .unwrap_or_default();
    let repetitions = rounds.repetitions.max(1);
    side_by_side(&mut one, &batch, rounds.warmup)?;
    side_by_side(&mut many, &batch, rounds.warmup)?;
    let one = std::cell::RefCell::new(one);
    let many = std::cell::RefCell::new(many);
    interleave(
        NAME,
        (
            &format!("one engine, {}", threads(&target)),
            &format!("{workers} engines side by side, {many_threads} each"),
        ),
        rounds.rounds,
        || side_by_side(&mut one.borrow_mut(), &batch, repetitions),
        || side_by_side(&mut many.borrow_mut(), &batch, repetitions),
    )
    .map(Ok)
}

/// The overlapped (concurrent) replay against the sequential one, each round a whole replay of
/// `options` (models loaded before each, not timed). Returns the comparison and each side's
/// last report (for its timeline).
pub fn overlapped_vs_sequential(
    drive: &Drive,
    options: &ReplayOptions,
    rounds: usize,
) -> Result<(Comparison, Report, Report)> {
    let cameras = drive.rig().len();
    let last = std::cell::RefCell::new((None, None));
    let replay = |concurrent: bool| -> Result<f64> {
        let models = load_models(options, cameras)?;
        let report = if concurrent {
            crate::concurrent::replay_concurrent(drive, models, options, &mut |_| {})?
        } else {
            crate::replay::replay_sequential(drive, models, options, &mut |_| {})?
        };
        let ms = 1e3 / report.frame_sets_per_second.max(1e-9);
        let mut last = last.borrow_mut();
        if concurrent {
            last.0 = Some(report);
        } else {
            last.1 = Some(report);
        }
        Ok(ms)
    };
    let comparison = interleave(
        "overlapped vs sequential replay",
        ("overlapped (concurrent) replay", "sequential replay"),
        rounds,
        || replay(true),
        || replay(false),
    )?;
    match last.into_inner() {
        (Some(concurrent), Some(sequential)) => Ok((comparison, concurrent, sequential)),
        _ => Err(PipelineError::Configuration(
            "the replay comparison needs at least one round".to_string(),
        )),
    }
}
