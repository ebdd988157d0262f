//! Stage-by-stage benchmarks of one model on one frame set: what `panoptes bench` measures.

use crate::error::Result;
use crate::model::LoadedModel;
use crate::report::Latency;
use crate::stages::{self, milliseconds};
use panoptes_drive::FrameSet;
use panoptes_fusion::FusionConfig;
use panoptes_rig::CameraRig;
use serde::Serialize;
use std::time::Instant;

/// Latencies of one model's stages, each measured alone on the same frame set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageBenchmark {
    /// Model name.
    pub model: String,
    /// Execution provider used.
    pub provider: String,
    /// Cameras in the frame set.
    pub cameras: usize,
    /// Timed repetitions per stage (after the warm-up ones).
    pub iterations: usize,
    /// Reading + decoding + resizing + normalising all cameras, ms.
    pub preprocess_ms: Latency,
    /// The model runs for the whole frame set, ms.
    pub inference_ms: Latency,
    /// Decoding every head of every camera, ms.
    pub decode_ms: Latency,
    /// Ego-frame fusion of the decoded results (lifting, merge, tracking, the bird's-eye-view
    /// grid), ms; absent when fusion is off.
    pub fusion_ms: Option<Latency>,
    /// Encoding the bird's-eye view as a PNG, ms; absent when it is off.
    pub bev_png_ms: Option<Latency>,
    /// Frame sets per second of inference alone (1000 / mean inference ms).
    pub inference_frame_sets_per_second: f64,
    /// CPU time per frame set and cores busy during the timed inference runs (absent where the
    /// platform does not say).
    pub inference_cpu: Option<crate::cpu::CpuCost>,
    /// The engine's first run, ms (cold: ONNX Runtime allocates and plans on it), apart from
    /// the steady state above.
    pub first_inference_ms: f64,
    /// Every timed sample, ms, per stage (`preprocess`, `inference`, `decode`, `fusion`,
    /// `bev_png`): what the percentiles and the histograms are made of.
    pub samples_ms: std::collections::BTreeMap<&'static str, Vec<f64>>,
}

/// Runs each stage of `model` alone on `frame_set`: `warmup` untimed then `iterations` timed
/// repetitions. With `fusion` (the drive's rig and the settings), fusion of the decoded results
/// is timed too.
pub fn benchmark_stages(
    model: LoadedModel,
    frame_set: &FrameSet,
    fusion: Option<(&CameraRig, &FusionConfig)>,
    warmup: usize,
    iterations: usize,
) -> Result<StageBenchmark> {
    let name = model.manifest.name.clone();
    let provider = model.engine.target().label();
    let (mut preprocessors, mut engines, mut decoders, names) = stages::split(vec![model]);
    let mut fuser = match fusion {
        Some((rig, config)) => stages::start_fusion(rig, &decoders, Some(config))?,
        None => None,
    };
    let mut fusion_times = Vec::with_capacity(iterations);
    let mut bev_times = Vec::with_capacity(iterations);
    let mut preprocess = Vec::with_capacity(iterations);
    let mut inference = Vec::with_capacity(iterations);
    let mut decode = Vec::with_capacity(iterations);
    let mut inference_cpu_seconds = Some(0.0);
    let mut first_inference_ms = 0.0;
    for round in 0..warmup + iterations {
        let timed = round >= warmup;
        let started = Instant::now();
        let prepared = stages::prepare(frame_set.clone(), &mut preprocessors, Vec::new(), started);
        if timed {
            preprocess.push(milliseconds(started));
        }
        let started = Instant::now();
        let cpu_before = crate::cpu::process_cpu_seconds();
        let inferred = stages::infer(prepared, &mut engines)?;
        if round == 0 {
            first_inference_ms = milliseconds(started);
        }
        if timed {
            inference.push(milliseconds(started));
            inference_cpu_seconds = inference_cpu_seconds
                .zip(crate::cpu::process_cpu_seconds().zip(cpu_before))
                .map(|(sum, (after, before))| sum + after - before);
        }
        let started = Instant::now();
        let mut decoded = stages::decode(inferred, &mut decoders, &names)?;
        if timed {
            decode.push(milliseconds(started));
        }
        if let Some(fuser) = fuser.as_mut() {
            let started = Instant::now();
            stages::fuse(&mut decoded, fuser);
            let fused = milliseconds(started);
            let started = Instant::now();
            for (_, image) in &decoded.images {
                if let stages::PendingImage::Bev(grid) = image {
                    grid.encode_png()?;
                }
            }
            if timed {
                fusion_times.push(fused);
                bev_times.push(milliseconds(started));
            }
        }
        drop(decoded);
    }
    let inference_ms = Latency::of(&inference);
    let inference_seconds = inference.iter().sum::<f64>() / 1e3;
    let inference_cpu = inference_cpu_seconds
        .and_then(|cpu| crate::cpu::CpuCost::of(cpu, inference_seconds, iterations));
    let samples_ms = [
        ("preprocess", &preprocess),
        ("inference", &inference),
        ("decode", &decode),
        ("fusion", &fusion_times),
        ("bev_png", &bev_times),
    ]
    .into_iter()
    .filter(|(_, samples)| !samples.is_empty())
    .map(|(stage, samples)| (stage, samples.clone()))
    .collect();
    Ok(StageBenchmark {
        model: name,
        first_inference_ms,
        samples_ms,
        provider,
        cameras: frame_set.frames.len(),
        iterations,
        preprocess_ms: Latency::of(&preprocess),
        inference_frame_sets_per_second: if inference_ms.mean > 0.0 {
            1e3 / inference_ms.mean
        } else {
            0.0
        },
        inference_ms,
        inference_cpu,
        decode_ms: Latency::of(&decode),
        fusion_ms: (!fusion_times.is_empty()).then(|| Latency::of(&fusion_times)),
        bev_png_ms: (!bev_times.is_empty()).then(|| Latency::of(&bev_times)),
    })
}

/// Inference alone with several engines side by side, as the concurrent replay's workers run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerBenchmark {
    /// Model name.
    pub model: String,
    /// Engines running at the same time, each on its own thread.
    pub workers: usize,
    /// Threads inside each operator of each CPU engine (`null`: ONNX Runtime's default).
    pub cpu_threads: Option<usize>,
    /// Frame sets per second of all workers together.
    pub frame_sets_per_second: f64,
    /// CPU time per frame set and cores busy while they ran (absent where the platform does not
    /// say).
    pub cpu: Option<crate::cpu::CpuCost>,
}

/// Runs `workers` engines of `model` at the same time, each `iterations` times (after `warmup`
/// untimed runs) on the same pre-processed `frame_set`: the model's throughput as the
/// concurrent replay's inference workers could reach it with nothing else to do.
pub fn benchmark_workers(
    model: LoadedModel,
    frame_set: &FrameSet,
    workers: usize,
    warmup: usize,
    iterations: usize,
) -> Result<WorkerBenchmark> {
    let name = model.manifest.name.clone();
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
    let mut sets = crate::workers::engine_sets(engines, workers)?;
    let cpu_threads = sets
        .first()
        .and_then(|engines| engines.first())
        .and_then(|engine| crate::workers::cpu_threads(engine.target()));
    let workers = sets.len();
    crate::comparisons::side_by_side(&mut sets, &batch, warmup)?;
    let clock = crate::cpu::CpuClock::start();
    let ms_per_frame_set = crate::comparisons::side_by_side(&mut sets, &batch, iterations)?;
    let cpu = clock.cost(workers * iterations);
    Ok(WorkerBenchmark {
        model: name,
        workers,
        cpu_threads,
        frame_sets_per_second: if ms_per_frame_set > 0.0 {
            1e3 / ms_per_frame_set
        } else {
            0.0
        },
        cpu,
    })
}
