//! Synchronizing per-camera frame streams into frame sets.
//!
//! A set takes, from each camera, the first frame that keeps the set's span (its earliest frame,
//! the anchor, to its latest) within `window_us`; live cameras need not deliver in time order.
//! A camera whose stream moves past the window, or ends, is marked missing in that set; live, a set that waited `max_wait_us`
//! (in frame time) is emitted with its absent cameras marked timed out. Nothing is dropped
//! silently: a frame too late for its set is handed back as a [`Rejected`].

use std::fmt;

use crate::error::DriveError;

/// How frames are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncConfig {
    /// Frames within this span after a set's anchor belong to that set, µs.
    pub window_us: u64,
    /// Live only: how long after its anchor an incomplete set waits, µs (≥ window).
    pub max_wait_us: u64,
}

impl Default for SyncConfig {
    /// 50 ms window (nuScenes cameras of one sample spread over up to 43 ms), 100 ms wait.
    fn default() -> Self {
        Self {
            window_us: 50_000,
            max_wait_us: 100_000,
        }
    }
}

impl SyncConfig {
    /// Checks that the wait is at least the window.
    pub fn validate(&self) -> Result<(), DriveError> {
        if self.max_wait_us < self.window_us {
            return Err(DriveError::InvalidSetting {
                setting: "max_wait_us",
                problem: format!(
                    "{} µs is shorter than the window of {} µs; wait at least one window",
                    self.max_wait_us, self.window_us
                ),
            });
        }
        Ok(())
    }
}

/// Why a camera has no frame in a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingReason {
    /// The camera's stream has no frame within the window (it moved past it or ended).
    NoFrameInWindow,
    /// Live: the set waited its maximum and the camera's frame had not arrived.
    TimedOut,
    /// The recording's frame set (a nuScenes sample) lists no frame for this camera.
    NotRecorded,
}

impl fmt::Display for MissingReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Self::NoFrameInWindow => "no frame within the synchronization window",
            Self::TimedOut => "frame did not arrive within the maximum wait",
            Self::NotRecorded => "the recording has no frame of this camera here",
        })
    }
}

/// One camera's place in a synchronized set.
#[derive(Debug, Clone, PartialEq)]
pub enum Slot<T> {
    /// The camera's frame.
    Present {
        /// The frame's own timestamp, µs.
        timestamp_us: u64,
        /// What was pushed with it.
        item: T,
    },
    /// No frame, and why.
    Missing(MissingReason),
}

/// Frames of all cameras that belong together.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedSet<T> {
    /// Timestamp of the set's earliest frame, µs.
    pub anchor_us: u64,
    /// One slot per camera, in camera order.
    pub slots: Vec<Slot<T>>,
}

/// Why a pushed frame was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectionReason {
    /// The camera index is not below the number of cameras.
    UnknownCamera,
    /// The camera's previous frame is not older.
    NotAfterPrevious {
        /// That previous timestamp, µs.
        previous_us: u64,
    },
    /// The frame belongs to a set already emitted (it is older than that set, or within its
    /// window and its camera was missing there).
    Late {
        /// Anchor of the last emitted set, µs.
        emitted_anchor_us: u64,
    },
}

/// A frame handed back by [`Synchronizer::push`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected<T> {
    /// The camera index pushed.
    pub camera: usize,
    /// The timestamp pushed.
    pub timestamp_us: u64,
    /// The item, returned to the caller.
    pub item: T,
    /// Why.
    pub reason: RejectionReason,
}

#[derive(Debug)]
enum PendingSlot<T> {
    Waiting,
    Filled(u64, T),
    Missing(MissingReason),
}

#[derive(Debug)]
struct PendingSet<T> {
    anchor_us: u64,
    /// The latest frame's time, µs.
    latest_us: u64,
    slots: Vec<PendingSlot<T>>,
}

impl<T> PendingSet<T> {
    fn is_complete(&self) -> bool {
        !self
            .slots
            .iter()
            .any(|slot| matches!(slot, PendingSlot::Waiting))
    }

    fn into_synced(self, reason: MissingReason) -> SyncedSet<T> {
        SyncedSet {
            anchor_us: self.anchor_us,
            slots: self
                .slots
                .into_iter()
                .map(|slot| match slot {
                    PendingSlot::Waiting => Slot::Missing(reason),
                    PendingSlot::Filled(timestamp_us, item) => Slot::Present { timestamp_us, item },
                    PendingSlot::Missing(reason) => Slot::Missing(reason),
                })
                .collect(),
        }
    }
}

/// Incremental synchronizer for live streams: push frames as they arrive, pop sets when ready.
#[derive(Debug)]
pub struct Synchronizer<T> {
    config: SyncConfig,
    /// Sorted by anchor.
    pending: Vec<PendingSet<T>>,
    latest_us: Vec<Option<u64>>,
    emitted_anchor_us: Option<u64>,
    /// Cameras that had no frame in the last emitted set: a frame of theirs within its window
    /// is late for it.
    emitted_missing: Vec<bool>,
}

impl<T> Synchronizer<T> {
    /// A synchronizer for `cameras` streams.
    pub fn new(cameras: usize, config: SyncConfig) -> Result<Self, DriveError> {
        config.validate()?;
        Ok(Self {
            config,
            pending: Vec::new(),
            latest_us: vec![None; cameras],
            emitted_anchor_us: None,
            emitted_missing: vec![false; cameras],
        })
    }

    /// Number of sets waiting for frames.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Adds a camera's frame. Frames of one camera must come in increasing time.
    pub fn push(&mut self, camera: usize, timestamp_us: u64, item: T) -> Result<(), Rejected<T>> {
        let reject = |item, reason| {
            Err(Rejected {
                camera,
                timestamp_us,
                item,
                reason,
            })
        };
        let Some(latest) = self.latest_us.get(camera).copied() else {
            return reject(item, RejectionReason::UnknownCamera);
        };
        if let Some(previous_us) = latest.filter(|previous| *previous >= timestamp_us) {
            return reject(item, RejectionReason::NotAfterPrevious { previous_us });
        }
        let window = self.config.window_us;
        if let Some(emitted_anchor_us) = self.emitted_anchor_us.filter(|anchor| {
            timestamp_us < *anchor
                || (self.emitted_missing[camera] && timestamp_us - anchor <= window)
        }) {
            return reject(item, RejectionReason::Late { emitted_anchor_us });
        }
        self.latest_us[camera] = Some(timestamp_us);
        // A set this frame fits: the camera's slot free and the set's span, with this frame,
        // within the window (live cameras need not deliver in time order).
        let open = self.pending.iter_mut().find(|set| {
            set.latest_us.max(timestamp_us) - set.anchor_us.min(timestamp_us) <= window
                && matches!(set.slots[camera], PendingSlot::Waiting)
        });
        if let Some(set) = open {
            set.slots[camera] = PendingSlot::Filled(timestamp_us, item);
            set.anchor_us = set.anchor_us.min(timestamp_us);
            set.latest_us = set.latest_us.max(timestamp_us);
            self.pending.sort_by_key(|set| set.anchor_us);
        } else {
            let mut slots: Vec<PendingSlot<T>> = (0..self.latest_us.len())
                .map(|_| PendingSlot::Waiting)
                .collect();
            slots[camera] = PendingSlot::Filled(timestamp_us, item);
            let position = self
                .pending
                .partition_point(|set| set.anchor_us <= timestamp_us);
            self.pending.insert(
                position,
                PendingSet {
                    anchor_us: timestamp_us,
                    latest_us: timestamp_us,
                    slots,
                },
            );
        }
        // This camera's stream has moved on: earlier sets it has not filled never will be.
        for set in &mut self.pending {
            if timestamp_us > set.anchor_us.saturating_add(window)
                && matches!(set.slots[camera], PendingSlot::Waiting)
            {
                set.slots[camera] = PendingSlot::Missing(MissingReason::NoFrameInWindow);
            }
        }
        Ok(())
    }

    /// The oldest set, when every camera has filled or passed it, or (with `now_us`, in frame
    /// time) when it has waited `max_wait_us` — absent cameras are then marked timed out.
    pub fn pop_ready(&mut self, now_us: Option<u64>) -> Option<SyncedSet<T>> {
        let front = self.pending.first()?;
        let timed_out = now_us
            .is_some_and(|now| now >= front.anchor_us.saturating_add(self.config.max_wait_us));
        if !front.is_complete() && !timed_out {
            return None;
        }
        let set = self.pending.remove(0);
        self.emitted_anchor_us = Some(set.anchor_us);
        self.emitted_missing = set
            .slots
            .iter()
            .map(|slot| !matches!(slot, PendingSlot::Filled(..)))
            .collect();
        Some(set.into_synced(MissingReason::TimedOut))
    }

    /// Every remaining set, in time order; cameras that never delivered are marked
    /// [`MissingReason::NoFrameInWindow`] (their streams ended).
    pub fn finish(self) -> Vec<SyncedSet<T>> {
        self.pending
            .into_iter()
            .map(|set| set.into_synced(MissingReason::NoFrameInWindow))
            .collect()
    }
}

/// Groups recorded streams (one sorted list of timestamps per camera) into sets; each slot's
/// item is the frame's position in its camera's stream.
pub fn synchronize(
    streams: &[Vec<u64>],
    config: SyncConfig,
) -> Result<Vec<SyncedSet<usize>>, DriveError> {
    for (camera, stream) in streams.iter().enumerate() {
        if let Some(position) = stream.windows(2).position(|pair| pair[1] <= pair[0]) {
            return Err(DriveError::InvalidSetting {
                setting: "streams",
                problem: format!(
                    "camera #{camera}: frame {} at {} µs is not after frame {position} at {} µs; each stream must be strictly increasing",
                    position + 1,
                    stream[position + 1],
                    stream[position]
                ),
            });
        }
    }
    let mut events: Vec<(u64, usize, usize)> = streams
        .iter()
        .enumerate()
        .flat_map(|(camera, stream)| {
            stream
                .iter()
                .enumerate()
                .map(move |(position, timestamp)| (*timestamp, camera, position))
        })
        .collect();
    events.sort_unstable();
    let mut synchronizer = Synchronizer::new(streams.len(), config)?;
    let mut sets = Vec::new();
    for (timestamp_us, camera, position) in events {
        // Streams are strictly increasing and events sorted, so nothing is rejected.
        if let Err(rejected) = synchronizer.push(camera, timestamp_us, position) {
            return Err(DriveError::InvalidSetting {
                setting: "streams",
                problem: format!("frame rejected: {:?}", rejected.reason),
            });
        }
        while let Some(set) = synchronizer.pop_ready(None) {
            sets.push(set);
        }
    }
    sets.extend(synchronizer.finish());
    Ok(sets)
}
