//! The frame sets a replay feeds in: the drive's, limited, optionally repeated (soak tests).

use panoptes_drive::{Drive, FrameSet};

/// Iterates the frame sets to replay, renumbered from 0 and with timestamps shifted so that
/// they keep increasing across repetitions.
#[derive(Debug)]
pub struct FrameSource<'a> {
    frame_sets: &'a [FrameSet],
    repeat: usize,
    next: usize,
    lap_us: u64,
}

impl<'a> FrameSource<'a> {
    /// The first `limit` frame sets of `drive` (all when `None`), `repeat` times (at least once).
    pub fn new(drive: &'a Drive, limit: Option<usize>, repeat: usize) -> Self {
        let all = drive.frame_sets();
        let frame_sets = &all[..limit.map_or(all.len(), |limit| limit.min(all.len()))];
        let lap_us = match (frame_sets.first(), frame_sets.last()) {
            (Some(first), Some(last)) => {
                let span = last.timestamp_us.saturating_sub(first.timestamp_us);
                let step = if frame_sets.len() > 1 {
                    span / (frame_sets.len() as u64 - 1)
                } else {
                    500_000
                };
                span + step.max(1)
            }
            _ => 0,
        };
        Self {
            frame_sets,
            repeat: repeat.max(1),
            next: 0,
            lap_us,
        }
    }

    /// How many frame sets it yields in all.
    pub fn total(&self) -> usize {
        self.frame_sets.len() * self.repeat
    }
}

impl Iterator for FrameSource<'_> {
    type Item = FrameSet;

    fn next(&mut self) -> Option<FrameSet> {
        if self.frame_sets.is_empty() || self.next >= self.total() {
            return None;
        }
        let lap = self.next / self.frame_sets.len();
        let mut frame_set = self.frame_sets[self.next % self.frame_sets.len()].clone();
        frame_set.index = self.next;
        frame_set.timestamp_us += lap as u64 * self.lap_us;
        self.next += 1;
        Some(frame_set)
    }
}
