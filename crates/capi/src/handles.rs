//! What the opaque handles hold, and reading a result.

use std::collections::VecDeque;
use std::ffi::{c_char, CString};
use std::time::Duration;

use panoptes::{EgoObject, Perception, PerceptionFailure, PerceptionResult};

use crate::error::{fail, guard};
use crate::{PanoptesObject, PanoptesStats, PanoptesStatus};

/// A running pipeline (opaque to C).
#[derive(Debug)]
pub struct PanoptesPerception {
    /// `None` once finished.
    perception: Option<Perception>,
    /// Results left when it finished.
    unread: VecDeque<PerceptionResult>,
    /// The statistics when it finished.
    final_stats: Option<panoptes::Stats>,
}

/// One frame set's results (opaque to C).
#[derive(Debug)]
pub struct PanoptesResult {
    frame: u64,
    json: CString,
    detections: usize,
    objects: Vec<EgoObject>,
    error: Option<CString>,
}

impl PanoptesPerception {
    pub(crate) fn new(perception: Perception) -> Self {
        Self {
            perception: Some(perception),
            unread: VecDeque::new(),
            final_stats: None,
        }
    }

    pub(crate) fn running(&self) -> Result<&Perception, PanoptesStatus> {
        self.perception.as_ref().ok_or_else(|| {
            fail(
                PanoptesStatus::PanoptesClosed,
                "the pipeline has finished: no more frames are taken",
            )
        })
    }

    pub(crate) fn finish(&mut self) {
        if let Some(perception) = self.perception.take() {
            let finished = perception.shutdown();
            self.unread.extend(finished.unread);
            self.final_stats = Some(finished.stats);
        }
    }

    pub(crate) fn next(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<PanoptesResult>, PanoptesStatus> {
        let result = match &self.perception {
            Some(perception) => {
                let results = perception.results().ok_or_else(|| {
                    fail(PanoptesStatus::PanoptesFailed, "results go to a callback")
                })?;
                match results.recv_timeout(timeout) {
                    Ok(result) => result,
                    Err(_) => return Ok(None),
                }
            }
            None => match self.unread.pop_front() {
                Some(result) => result,
                None => {
                    return Err(fail(
                        PanoptesStatus::PanoptesClosed,
                        "every result has been read",
                    ))
                }
            },
        };
        match result {
            Ok(decoded) => {
                let record = &decoded.record;
                let json = serde_json::to_string(record)
                    .map_err(|error| fail(PanoptesStatus::PanoptesFailed, error.to_string()))?;
                Ok(Some(PanoptesResult {
                    frame: record.frame as u64,
                    json: CString::new(json).unwrap_or_default(),
                    detections: record
                        .cameras
                        .values()
                        .map(|camera| camera.detections.len())
                        .sum(),
                    objects: record.objects_ego.clone().unwrap_or_default(),
                    error: None,
                }))
            }
            Err(PerceptionFailure::FrameSet { frame, message }) => Ok(Some(PanoptesResult {
                frame: frame as u64,
                json: CString::new("{}").unwrap_or_default(),
                detections: 0,
                objects: Vec::new(),
                error: Some(CString::new(message.replace('\0', " ")).unwrap_or_default()),
            })),
            Err(failure @ PerceptionFailure::Stage { .. }) => {
                Err(fail(PanoptesStatus::PanoptesFailed, failure.to_string()))
            }
        }
    }

    pub(crate) fn stats(&self) -> PanoptesStats {
        let stats = match (&self.perception, &self.final_stats) {
            (Some(perception), _) => perception.stats(),
            (None, Some(stats)) => stats.clone(),
            (None, None) => return PanoptesStats::default(),
        };
        PanoptesStats {
            frames_pushed: stats.frames_pushed,
            frame_sets: stats.frame_sets,
            partial_sets: stats.partial_sets,
            results: stats.results,
            failed: stats.failed,
            dropped: stats.dropped.values().sum(),
            late: stats.late,
            out_of_order: stats.out_of_order,
            latency_p50_ms: stats.latency_ms.p50,
            latency_p99_ms: stats.latency_ms.p99,
            faults: panoptes::FaultKind::ALL
                .map(|kind| stats.faults.get(&kind).copied().unwrap_or_default()),
        }
    }
}

/// The result behind a pointer.
///
/// # Safety
/// `result` is null or a live result from `panoptes_next_result`.
unsafe fn result<'a>(result: *const PanoptesResult) -> Option<&'a PanoptesResult> {
    // SAFETY: null or a live result per the contract.
    unsafe { result.as_ref() }
}

/// The frame set's index (0 for a null result).
///
/// # Safety
/// `result` is null or a live result.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_frame(result_pointer: *const PanoptesResult) -> u64 {
    // SAFETY: per the contract above.
    unsafe { result(result_pointer) }.map_or(0, |result| result.frame)
}

/// The frame set's record as one JSON object, as a line of `perception.jsonl`; valid until the
/// result is freed ("" for a null result).
///
/// # Safety
/// `result` is null or a live result.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_json(
    result_pointer: *const PanoptesResult,
) -> *const c_char {
    // SAFETY: per the contract above.
    match unsafe { result(result_pointer) } {
        Some(result) => result.json.as_ptr(),
        None => c"".as_ptr(),
    }
}

/// Why the frame set has no results, or null when it has them; valid until the result is freed.
///
/// # Safety
/// `result` is null or a live result.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_error(
    result_pointer: *const PanoptesResult,
) -> *const c_char {
    // SAFETY: per the contract above.
    unsafe { result(result_pointer) }
        .and_then(|result| result.error.as_ref())
        .map_or(std::ptr::null(), |error| error.as_ptr())
}

/// Detections in all cameras of the frame set.
///
/// # Safety
/// `result` is null or a live result.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_detection_count(
    result_pointer: *const PanoptesResult,
) -> usize {
    // SAFETY: per the contract above.
    unsafe { result(result_pointer) }.map_or(0, |result| result.detections)
}

/// Objects around the vehicle (0 when fusion is off).
///
/// # Safety
/// `result` is null or a live result.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_object_count(
    result_pointer: *const PanoptesResult,
) -> usize {
    // SAFETY: per the contract above.
    unsafe { result(result_pointer) }.map_or(0, |result| result.objects.len())
}

/// Object number `index` (nearest first) into `*out`.
///
/// # Safety
/// `result` is a live result; `out` is valid to write.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_object(
    result_pointer: *const PanoptesResult,
    index: usize,
    out: *mut PanoptesObject,
) -> PanoptesStatus {
    guard(|| {
        // SAFETY: per the contract above.
        let (result, out) = unsafe { (result(result_pointer), out.as_mut()) };
        let (Some(result), Some(out)) = (result, out) else {
            return Err(fail(
                PanoptesStatus::PanoptesInvalidArgument,
                "result or out is null",
            ));
        };
        let Some(object) = result.objects.get(index) else {
            return Err(fail(
                PanoptesStatus::PanoptesInvalidArgument,
                format!("object {index} of {}", result.objects.len()),
            ));
        };
        let mut class_name = [0 as c_char; 32];
        for (slot, byte) in class_name.iter_mut().zip(object.class.bytes().take(31)) {
            *slot = byte as c_char;
        }
        *out = PanoptesObject {
            id: object.id.map_or(-1, |id| id as i64),
            confirmed: i32::from(object.confirmed == Some(true)),
            class_name,
            score: object.score,
            position: object.position,
            distance: object.distance,
            velocity: object.velocity.unwrap_or_default(),
            has_velocity: i32::from(object.velocity.is_some()),
            cameras: object.cameras.len() as u32,
        };
        Ok(PanoptesStatus::PanoptesOk)
    })
}

/// Frees a result.
///
/// # Safety
/// `result` is null or a live result, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn panoptes_result_free(result_pointer: *mut PanoptesResult) {
    if !result_pointer.is_null() {
        // SAFETY: a live result from `Box::into_raw` in `panoptes_next_result`, given back once.
        drop(unsafe { Box::from_raw(result_pointer) });
    }
}
