//! Stage-by-stage benchmarks of one model on one frame set: what `panoptes bench` measures.

use crate::error::Result;
use crate::model::LoadedModel;
use crate::report::Latency;
use crate::stages::{self, milliseconds};
use panoptes_drive::FrameSet;
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
    /// Frame sets per second of inference alone (1000 / mean inference ms).
    pub inference_frame_sets_per_second: f64,
}

/// Runs each stage of `model` alone on `frame_set`: `warmup` untimed then `iterations` timed
/// repetitions.
pub fn benchmark_stages(
    model: LoadedModel,
    frame_set: &FrameSet,
    warmup: usize,
    iterations: usize,
) -> Result<StageBenchmark> {
    let name = model.manifest.name.clone();
    let provider = model.engine.target().label();
    let (mut preprocessors, mut engines, mut decoders, names) = stages::split(vec![model]);
    let mut preprocess = Vec::with_capacity(iterations);
    let mut inference = Vec::with_capacity(iterations);
    let mut decode = Vec::with_capacity(iterations);
    for round in 0..warmup + iterations {
        let timed = round >= warmup;
        let started = Instant::now();
        let prepared = stages::prepare(frame_set.clone(), &mut preprocessors, started);
        if timed {
            preprocess.push(milliseconds(started));
        }
        let started = Instant::now();
        let inferred = stages::infer(prepared, &mut engines)?;
        if timed {
            inference.push(milliseconds(started));
        }
        let started = Instant::now();
        let decoded = stages::decode(inferred, &mut decoders, &names)?;
        if timed {
            decode.push(milliseconds(started));
        }
        drop(decoded);
    }
    let inference_ms = Latency::of(&inference);
    Ok(StageBenchmark {
        model: name,
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
        decode_ms: Latency::of(&decode),
    })
}
