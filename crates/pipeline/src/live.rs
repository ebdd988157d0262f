//! Embedding: a running pipeline that the caller feeds frame set by frame set, as a vehicle
//! stack would, and reads results from. Pushing never blocks: when the models fall behind, the
//! oldest waiting frame set is dropped and counted, so latency stays bounded.

use crate::concurrent::{spawn_stages, StageResult};
use crate::model::LoadedModel;
use crate::stages;
use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use panoptes_drive::FrameSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

/// What happened to a pushed frame set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PushOutcome {
    /// Queued; nothing dropped.
    Queued,
    /// Queued after dropping the oldest waiting frame set (its index).
    DroppedOldest(usize),
    /// The pipeline has stopped (its results were dropped).
    Closed,
}

/// A running pipeline: [`LivePipeline::push`] frame sets, read [`LivePipeline::results`].
#[derive(Debug)]
pub struct LivePipeline {
    input: Option<Sender<(FrameSet, Instant)>>,
    drain: Receiver<(FrameSet, Instant)>,
    results: Receiver<StageResult>,
    workers: Vec<JoinHandle<()>>,
    dropped: AtomicUsize,
}

impl LivePipeline {
    /// Starts the stage threads for `models`; at most `queue` frame sets wait for
    /// pre-processing (1 gives the lowest latency).
    pub fn start(models: Vec<LoadedModel>, queue: usize) -> Self {
        let (preprocessors, engines, decoders, names) = stages::split(models);
        Self::spawn(preprocessors, engines, decoders, names, None, queue)
    }

    /// As [`LivePipeline::start`], with ego-frame fusion for `rig`: each result's record has
    /// `objects_ego` (tracked across the pushed frame sets) and the bird's-eye view.
    pub fn start_with_fusion(
        models: Vec<LoadedModel>,
        queue: usize,
        rig: &panoptes_rig::CameraRig,
        fusion: &panoptes_fusion::FusionConfig,
    ) -> crate::error::Result<Self> {
        let (preprocessors, engines, decoders, names) = stages::split(models);
        let fusion = stages::start_fusion(rig, &decoders, Some(fusion))?;
        Ok(Self::spawn(
            preprocessors,
            engines,
            decoders,
            names,
            fusion,
            queue,
        ))
    }

    fn spawn(
        preprocessors: Vec<panoptes_preprocess::Preprocessor>,
        engines: Vec<panoptes_runtime::Engine>,
        decoders: Vec<panoptes_heads::Decoder>,
        names: Vec<String>,
        fusion: Option<panoptes_fusion::Fusion>,
        queue: usize,
    ) -> Self {
        let (input, source) = bounded(queue.max(1));
        let drain = source.clone();
        // One inference worker: the lowest latency per frame set, which a vehicle stack wants.
        let (results, workers) = spawn_stages(
            source,
            preprocessors,
            vec![engines],
            decoders,
            names,
            fusion,
        );
        Self {
            input: Some(input),
            drain,
            results,
            workers,
            dropped: AtomicUsize::new(0),
        }
    }

    /// Hands over a frame set captured now. Never blocks.
    pub fn push(&self, frame_set: FrameSet) -> PushOutcome {
        let Some(input) = &self.input else {
            return PushOutcome::Closed;
        };
        let mut item = (frame_set, Instant::now());
        let mut outcome = PushOutcome::Queued;
        loop {
            match input.try_send(item) {
                Ok(()) => return outcome,
                Err(TrySendError::Full(back)) => {
                    item = back;
                    if let Ok((oldest, _)) = self.drain.try_recv() {
                        self.dropped.fetch_add(1, Ordering::Relaxed);
                        outcome = PushOutcome::DroppedOldest(oldest.index);
                    }
                }
                Err(TrySendError::Disconnected(_)) => return PushOutcome::Closed,
            }
        }
    }

    /// Results in push order: `Ok(Decoded)` (its `record` is the perception.jsonl object, its
    /// `images` the masks and depth maps in memory, `entered` the push time), or the frame set
    /// whose models failed and why. Use `recv`, `try_iter` or `iter` on it.
    pub fn results(&self) -> &Receiver<StageResult> {
        &self.results
    }

    /// Frame sets dropped so far because the models fell behind.
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Stops taking frame sets, finishes those in flight, and returns their results.
    pub fn finish(mut self) -> Vec<StageResult> {
        self.input = None;
        let rest: Vec<StageResult> = self.results.iter().collect();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        rest
    }
}
