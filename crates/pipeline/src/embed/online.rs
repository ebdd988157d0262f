//! Frames of single cameras grouped into frame sets as they arrive.

use super::stats::Counters;
use panoptes_drive::{
    CameraFrame, Frame, FrameSet, RejectionReason, Slot, SyncConfig, SyncedSet, Synchronizer,
};
use panoptes_preprocess::ImageData;
use std::time::Instant;

/// The synchronizer with what it needs to form frame sets: the cameras' names, the next set's
/// index, and when the latest frame came (to tell, in the cameras' clock, what time it is now).
#[derive(Debug)]
pub(super) struct Online {
    cameras: Vec<String>,
    /// `None` once finished.
    synchronizer: Option<Synchronizer<(ImageData, Instant)>>,
    next_index: usize,
    /// The latest capture time pushed and when it was pushed.
    latest: Option<(u64, Instant)>,
}

impl Online {
    pub fn new(cameras: Vec<String>, sync: SyncConfig) -> Result<Self, panoptes_drive::DriveError> {
        Ok(Self {
            synchronizer: Some(Synchronizer::new(cameras.len(), sync)?),
            cameras,
            next_index: 0,
            latest: None,
        })
    }

    /// Adds one camera's frame (by rig index); returns whether it was accepted and the frame
    /// sets now complete or timed out by the cameras' clock.
    pub fn push(
        &mut self,
        camera: usize,
        timestamp_us: u64,
        image: ImageData,
        stats: &Counters,
    ) -> (Result<(), RejectionReason>, Vec<(FrameSet, Instant)>) {
        let now = Instant::now();
        let Some(synchronizer) = self.synchronizer.as_mut() else {
            return (Ok(()), Vec::new());
        };
        if let Err(rejected) = synchronizer.push(camera, timestamp_us, (image, now)) {
            stats.add_rejection(&rejected.reason);
            return (Err(rejected.reason), Vec::new());
        }
        stats.add_frame();
        if self.latest.is_none_or(|(latest, _)| timestamp_us >= latest) {
            self.latest = Some((timestamp_us, now));
        }
        // Sets whose wait has run out by the newest frame's time go now, not at the ticker's
        // next turn: otherwise a frame late by the cameras' clock could still join its set
        // when the ticker is slow to run (seen once in 10 000 frame sets of the soak).
        let now_us = self.latest.map(|(latest, _)| latest);
        (Ok(()), self.ready(now_us, stats))
    }

    /// The sets that have waited their maximum for a missing camera, by the cameras' clock as
    /// it runs on since the latest frame.
    pub fn timed_out(&mut self, stats: &Counters) -> Vec<(FrameSet, Instant)> {
        let Some((latest, at)) = self.latest else {
            return Vec::new();
        };
        let now_us = latest.saturating_add(at.elapsed().as_micros() as u64);
        self.ready(Some(now_us), stats)
    }

    fn ready(&mut self, now_us: Option<u64>, stats: &Counters) -> Vec<(FrameSet, Instant)> {
        let mut sets = Vec::new();
        while let Some(set) = self
            .synchronizer
            .as_mut()
            .and_then(|synchronizer| synchronizer.pop_ready(now_us))
        {
            sets.push(self.frame_set(set, stats));
        }
        sets
    }

    /// Every set still waiting, its absent cameras marked; no frame is taken after it.
    pub fn finish(&mut self, stats: &Counters) -> Vec<(FrameSet, Instant)> {
        let sets = self
            .synchronizer
            .take()
            .map(Synchronizer::finish)
            .unwrap_or_default();
        sets.into_iter()
            .map(|set| self.frame_set(set, stats))
            .collect()
    }

    /// The index the next frame set gets.
    pub fn next_index(&mut self) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        index
    }

    /// A synchronized set as the pipeline's frame set; it entered when its first frame came.
    fn frame_set(
        &mut self,
        set: SyncedSet<(ImageData, Instant)>,
        stats: &Counters,
    ) -> (FrameSet, Instant) {
        let mut entered: Option<Instant> = None;
        let frames: Vec<CameraFrame> = set
            .slots
            .into_iter()
            .zip(&self.cameras)
            .map(|(slot, camera)| match slot {
                Slot::Present {
                    timestamp_us,
                    item: (image, pushed),
                } => {
                    entered = Some(entered.map_or(pushed, |first| first.min(pushed)));
                    CameraFrame::Present(Frame {
                        camera: camera.clone(),
                        timestamp_us,
                        image,
                        ground_truth: None,
                    })
                }
                Slot::Missing(reason) => CameraFrame::Missing {
                    camera: camera.clone(),
                    reason,
                },
            })
            .collect();
        let frame_set = FrameSet {
            index: self.next_index(),
            timestamp_us: set.anchor_us,
            frames,
            ego_pose: None,
        };
        stats.add_set(frame_set.missing() > 0);
        (frame_set, entered.unwrap_or_else(Instant::now))
    }
}
