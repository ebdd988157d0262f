//! When each stage worked on each frame set: what a bench's timeline plot shows (the overlap of
//! the concurrent replay made visible).

use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The sink's span: images, overlay and the JSON line of one frame set.
pub(crate) const WRITING: &str = "writing";
/// The sequential replay's model runs (the concurrent one names each worker).
pub(crate) const INFERENCE: &str = "inference";

/// Frame sets whose spans are kept: a long run keeps its beginning, not every span.
pub const TIMELINE_FRAME_SETS: usize = 400;

/// One stage busy with one frame set, in milliseconds from the start of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageSpan {
    /// `pre-processing`, `inference worker 0`, `decoding`, `writing`, ...
    pub stage: String,
    /// Frame-set index (as in `perception.jsonl`; repeats of a drive reuse indices).
    pub frame: usize,
    /// Start, ms after the run started.
    pub start_ms: f64,
    /// End, ms after the run started.
    pub end_ms: f64,
}

/// A shared record of stage spans, cheap to clone into each stage thread.
#[derive(Debug, Clone)]
pub struct Timeline(Arc<TimelineState>);

#[derive(Debug)]
struct TimelineState {
    epoch: Instant,
    /// Spans kept at most (0: none).
    capacity: usize,
    spans: Mutex<Vec<StageSpan>>,
}

impl Default for Timeline {
    fn default() -> Self {
        Self::starting(Instant::now())
    }
}

impl Timeline {
    /// A timeline whose zero is `epoch`.
    pub fn starting(epoch: Instant) -> Self {
        Self(Arc::new(TimelineState {
            epoch,
            // About five stages per frame set.
            capacity: TIMELINE_FRAME_SETS * 8,
            spans: Mutex::new(Vec::new()),
        }))
    }

    /// A timeline that keeps nothing (a running engine's stages, where no one plots them).
    pub fn disabled() -> Self {
        Self(Arc::new(TimelineState {
            epoch: Instant::now(),
            capacity: 0,
            spans: Mutex::new(Vec::new()),
        }))
    }

    /// Records that `stage` worked on `frame` from `start` until now. Spans beyond the first
    /// [`TIMELINE_FRAME_SETS`] frame sets' worth are not kept.
    pub fn record(&self, stage: &str, frame: usize, start: Instant) {
        if self.0.capacity == 0 {
            return;
        }
        let end = Instant::now();
        let since = |instant: Instant| {
            instant
                .saturating_duration_since(self.0.epoch)
                .as_secs_f64()
                * 1e3
        };
        if let Ok(mut spans) = self.0.spans.lock() {
            if spans.len() < self.0.capacity {
                spans.push(StageSpan {
                    stage: stage.to_owned(),
                    frame,
                    start_ms: since(start),
                    end_ms: since(end),
                });
            }
        }
    }

    /// The spans so far, in the order they ended.
    pub fn spans(&self) -> Vec<StageSpan> {
        self.0
            .spans
            .lock()
            .map_or_else(|_| Vec::new(), |spans| spans.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_measured_from_the_epoch_and_capped() {
        let epoch = Instant::now();
        let timeline = Timeline::starting(epoch);
        let start = Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(2));
        timeline.record("decoding", 3, start);
        let spans = timeline.spans();
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].stage.as_str(), spans[0].frame), ("decoding", 3));
        assert!(spans[0].start_ms >= 0.0);
        assert!(spans[0].end_ms - spans[0].start_ms >= 2.0);
        let clone = timeline.clone();
        for frame in 0..TIMELINE_FRAME_SETS * 10 {
            clone.record("writing", frame, Instant::now());
        }
        assert_eq!(timeline.spans().len(), TIMELINE_FRAME_SETS * 8);
        let disabled = Timeline::disabled();
        disabled.record("writing", 0, Instant::now());
        assert!(disabled.spans().is_empty());
    }
}
