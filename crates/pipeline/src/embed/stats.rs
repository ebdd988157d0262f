//! Counting what happened to pushed frames and their results.

use crate::fault::FaultKind;
use crate::report::Latency;
use crate::stages::Decoded;
use panoptes_drive::RejectionReason;
use serde::Serialize;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Latest latencies kept for the percentiles (older ones are forgotten: memory stays bounded).
const KEPT_SAMPLES: usize = 4096;

/// What a [`super::Perception`] has seen so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// Camera frames accepted by `push_frame`.
    pub frames_pushed: u64,
    /// Frame sets formed (online, or pushed whole).
    pub frame_sets: u64,
    /// Of those, sets sent with cameras missing (the wait ran out, or a camera skipped a set).
    pub partial_sets: u64,
    /// Frame sets with results.
    pub results: u64,
    /// Frame sets whose models failed.
    pub failed: u64,
    /// Frame sets dropped, by reason.
    pub dropped: BTreeMap<String, u64>,
    /// Frames refused because their set had already gone to the models.
    pub late: u64,
    /// Frames refused because they were not after their camera's previous frame (duplicates,
    /// or out of order).
    pub out_of_order: u64,
    /// Faults met, by kind: refused frames, each camera of a result that had one (missing,
    /// unreadable, wrong size, NaN outputs), retried model runs, failed frame sets.
    pub faults: BTreeMap<FaultKind, u64>,
    /// From a set's first frame being pushed to its results being handed over, milliseconds
    /// (the latest 4096 results).
    pub latency_ms: Latency,
    /// How old a set's capture timestamp is when its results are handed over, milliseconds
    /// (with UNIX timestamps only).
    pub frame_age_ms: Option<Latency>,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    frames: AtomicU64,
    sets: AtomicU64,
    partial: AtomicU64,
    results: AtomicU64,
    failed: AtomicU64,
    late: AtomicU64,
    out_of_order: AtomicU64,
    dropped: Mutex<BTreeMap<String, u64>>,
    faults: Mutex<BTreeMap<FaultKind, u64>>,
    latency: Mutex<VecDeque<f64>>,
    age: Mutex<VecDeque<f64>>,
}

fn keep(samples: &Mutex<VecDeque<f64>>, value: f64) {
    if let Ok(mut samples) = samples.lock() {
        if samples.len() == KEPT_SAMPLES {
            samples.pop_front();
        }
        samples.push_back(value);
    }
}

fn latency(samples: &Mutex<VecDeque<f64>>) -> Option<Latency> {
    let samples = samples.lock().ok()?;
    let values: Vec<f64> = samples.iter().copied().collect();
    (!values.is_empty()).then(|| Latency::of(&values))
}

impl Counters {
    pub fn add_frame(&self) {
        self.frames.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add_set(&self, partial: bool) {
        self.sets.fetch_add(1, Ordering::Relaxed);
        if partial {
            self.partial.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn add_fault(&self, kind: FaultKind) {
        if let Ok(mut faults) = self.faults.lock() {
            *faults.entry(kind).or_default() += 1;
        }
    }

    pub fn add_rejection(&self, reason: &RejectionReason) {
        self.add_fault(match reason {
            RejectionReason::Late { .. } => FaultKind::FrameLate,
            _ => FaultKind::TimestampNotAfterPrevious,
        });
        match reason {
            RejectionReason::Late { .. } => &self.late,
            RejectionReason::NotAfterPrevious { .. } | RejectionReason::UnknownCamera => {
                &self.out_of_order
            }
        }
        .fetch_add(1, Ordering::Relaxed);
    }

    pub fn add_drop(&self, reason: &str) {
        if let Ok(mut dropped) = self.dropped.lock() {
            *dropped.entry(reason.to_owned()).or_default() += 1;
        }
    }

    pub fn add_failure(&self, kind: FaultKind) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.add_fault(kind);
    }

    pub fn add_result(&self, decoded: &Decoded, unix_timestamps: bool) {
        self.results.fetch_add(1, Ordering::Relaxed);
        for (_, fault) in crate::fault::result_faults(&decoded.record, &decoded.survived) {
            self.add_fault(fault.kind);
        }
        keep(&self.latency, decoded.entered.elapsed().as_secs_f64() * 1e3);
        if unix_timestamps {
            if let Ok(now) = SystemTime::now().duration_since(UNIX_EPOCH) {
                let age_us = (now.as_micros() as f64) - decoded.frame_set.timestamp_us as f64;
                keep(&self.age, age_us / 1e3);
            }
        }
    }

    pub fn snapshot(&self) -> Stats {
        let load = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            frames_pushed: load(&self.frames),
            frame_sets: load(&self.sets),
            partial_sets: load(&self.partial),
            results: load(&self.results),
            failed: load(&self.failed),
            dropped: self
                .dropped
                .lock()
                .map(|dropped| dropped.clone())
                .unwrap_or_default(),
            faults: self
                .faults
                .lock()
                .map(|faults| faults.clone())
                .unwrap_or_default(),
            late: load(&self.late),
            out_of_order: load(&self.out_of_order),
            latency_ms: latency(&self.latency).unwrap_or_default(),
            frame_age_ms: latency(&self.age),
        }
    }
}
