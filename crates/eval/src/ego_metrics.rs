//! The `ego` object of the report, summarized from an [`EgoTally`].

use crate::ego::{
    EgoTally, PositionSample, BEV_CATEGORIES, POSITION_GATE_FRACTION, POSITION_GATE_M,
};
use crate::ego_ap::EgoDetectionMetrics;
use panoptes_fusion::LiftMethod;
use serde::Serialize;
use std::collections::BTreeMap;

/// The overall position error covers truth objects nearer than this, metres.
pub const POSITION_RANGE_M: f64 = 40.0;
/// Position error bands of this width, metres, from 0 up to [`POSITION_BANDS`] of them.
pub const POSITION_BAND_M: f64 = 10.0;
/// Number of position error bands.
pub const POSITION_BANDS: usize = 5;
/// Relative errors divide by at least this truth distance, metres (nothing real is nearer).
const MIN_RELATIVE_DISTANCE_M: f64 = 1.0;
/// The placing methods, as the report names them.
const METHODS: [(LiftMethod, &str); 2] =
    [(LiftMethod::Ground, "ground"), (LiftMethod::Depth, "depth")];

/// The `ego` object of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgoMetrics {
    /// Truth and predictions farther than this from the ego origin (on the ground) were left
    /// out, metres.
    pub max_distance_m: f64,
    /// Frame sets scored.
    pub frame_sets: usize,
    /// Truth objects counted (the union of each frame set's cameras' cuboids, within range).
    pub ground_truth: usize,
    /// Fused objects counted, within range.
    pub predictions: usize,
    /// Centre-distance AP.
    pub detection: EgoDetectionMetrics,
    /// Position error of matched objects.
    pub position: PositionErrorMetrics,
    /// Truth objects reported more than once.
    pub duplicates: DuplicateMetrics,
    /// Track id changes; null when no matched object had a track id (tracking off).
    pub id_switches: Option<IdSwitchMetrics>,
    /// Bird's-eye-view IoU; null when it is off or no camera has segmentation truth.
    pub bev: Option<BevMetrics>,
}

/// Medians of one group of matches.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ErrorSummary {
    /// Matches in the group.
    pub matches: usize,
    /// Median of error / truth distance; null without matches.
    pub median_relative: Option<f64>,
    /// Median error, metres; null without matches.
    pub median_m: Option<f64>,
}

/// The matches whose truth distance is in `[from_m, to_m)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBand {
    /// Start of the band, metres.
    pub from_m: f64,
    /// End of the band (excluded), metres.
    pub to_m: f64,
    /// Every match in the band.
    pub all: ErrorSummary,
    /// By how the prediction was placed (`ground`, `depth`).
    pub by_method: BTreeMap<String, ErrorSummary>,
}

/// Position error: each frame set's truth matched to predictions of its class, nearest pairs
/// first, within `gate_m + gate_fraction × truth distance`; the error is the ground-plane
/// distance between the centres.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PositionErrorMetrics {
    /// Gate at distance 0, metres.
    pub gate_m: f64,
    /// Gate growth per metre of truth distance.
    pub gate_fraction: f64,
    /// `within_range` and `by_method` cover truth nearer than this, metres.
    pub range_m: f64,
    /// Every match within range.
    pub within_range: ErrorSummary,
    /// Matches within range by how the prediction was placed (`ground`, `depth`).
    pub by_method: BTreeMap<String, ErrorSummary>,
    /// Matches by truth distance.
    pub bands: Vec<ErrorBand>,
    /// Truth objects matched.
    pub matched_truth: usize,
    /// Truth objects not matched.
    pub unmatched_truth: usize,
}

/// A matched truth object is reported more than once when another prediction of its class,
/// matched to no truth, lies within its position gate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DuplicateMetrics {
    /// Matched truth objects (over frame sets).
    pub matched_truth: usize,
    /// Those reported more than once.
    pub duplicated: usize,
    /// `duplicated / matched_truth`; null without matches.
    pub fraction: Option<f64>,
    /// Those where the extra prediction was not seen by the matched one's best-placed camera
    /// (the cameras' views were not merged).
    pub camera_overlap: usize,
    /// `camera_overlap / matched_truth`; null without matches.
    pub camera_overlap_fraction: Option<f64>,
}

/// Id switches: a truth object matched (as for the position error) to a prediction whose track
/// id differs from the one matched to it last.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IdSwitchMetrics {
    /// Switches over the whole run.
    pub switches: usize,
    /// Distinct truth objects matched at least once.
    pub matched_objects: usize,
    /// Switches per 100 of them; null when none was matched.
    pub per_100_objects: Option<f64>,
    /// Of the matches (truth object and frame set), the fraction whose report had a track id:
    /// switches are counted among those only, so fewer tracks alone would lower them.
    pub tracked_fraction: Option<f64>,
}

/// One category's cells over every scored frame set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BevIou {
    /// Σ cells in both grids / Σ cells in either; null when neither has any.
    pub iou: Option<f64>,
    /// Cells in both.
    pub both_cells: u64,
    /// Cells in either.
    pub either_cells: u64,
}

/// Bird's-eye-view IoU of the predicted grid against one made the same way from the
/// ground-truth segmentation and the truth footprints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BevMetrics {
    /// Frame sets counted.
    pub frame_sets: usize,
    /// Per category (`drivable`, `object`).
    pub categories: BTreeMap<String, BevIou>,
}

impl EgoTally {
    /// Every ego metric over the frame sets counted.
    pub fn summarize(&self) -> EgoMetrics {
        let matched_truth = self.matched_truth;
        let fraction =
            |count: usize| (matched_truth > 0).then(|| count as f64 / matched_truth as f64);
        EgoMetrics {
            max_distance_m: self.max_distance_m,
            frame_sets: self.frame_sets,
            ground_truth: self.truth_objects,
            predictions: self.predictions,
            detection: self.detection_metrics(),
            position: self.position_metrics(),
            duplicates: DuplicateMetrics {
                matched_truth,
                duplicated: self.duplicated,
                fraction: fraction(self.duplicated),
                camera_overlap: self.camera_overlap,
                camera_overlap_fraction: fraction(self.camera_overlap),
            },
            id_switches: self.id_switch_metrics(),
            bev: self.bev_metrics(),
        }
    }

    fn position_metrics(&self) -> PositionErrorMetrics {
        let within = |from: f64, to: f64| {
            move |sample: &&PositionSample| (from..to).contains(&sample.truth_distance)
        };
        let in_range: Vec<&PositionSample> = self
            .positions
            .iter()
            .filter(within(0.0, POSITION_RANGE_M))
            .collect();
        let bands = (0..POSITION_BANDS)
            .map(|band| {
                let (from_m, to_m) = (
                    band as f64 * POSITION_BAND_M,
                    (band + 1) as f64 * POSITION_BAND_M,
                );
                let samples: Vec<&PositionSample> =
                    self.positions.iter().filter(within(from_m, to_m)).collect();
                ErrorBand {
                    from_m,
                    to_m,
                    all: error_summary(&samples),
                    by_method: by_method(&samples),
                }
            })
            .collect();
        PositionErrorMetrics {
            gate_m: POSITION_GATE_M,
            gate_fraction: POSITION_GATE_FRACTION,
            range_m: POSITION_RANGE_M,
            within_range: error_summary(&in_range),
            by_method: by_method(&in_range),
            bands,
            matched_truth: self.matched_truth,
            unmatched_truth: self.truth_objects - self.matched_truth,
        }
    }

    fn id_switch_metrics(&self) -> Option<IdSwitchMetrics> {
        if self
            .identities
            .values()
            .all(|history| history.first.is_none())
        {
            return None;
        }
        let switches = self
            .identities
            .values()
            .map(|history| history.switches)
            .sum();
        let matched_objects = self.identities.len();
        let matches: usize = self
            .identities
            .values()
            .map(|history| history.matches)
            .sum();
        let tracked: usize = self
            .identities
            .values()
            .map(|history| history.tracked)
            .sum();
        Some(IdSwitchMetrics {
            switches,
            matched_objects,
            tracked_fraction: (matches > 0).then(|| tracked as f64 / matches as f64),
            per_100_objects: (matched_objects > 0)
                .then(|| 100.0 * switches as f64 / matched_objects as f64),
        })
    }

    fn bev_metrics(&self) -> Option<BevMetrics> {
        (self.bev_frame_sets > 0).then(|| BevMetrics {
            frame_sets: self.bev_frame_sets,
            categories: BEV_CATEGORIES
                .iter()
                .map(|category| {
                    let cells = self.bev.get(category).copied().unwrap_or_default();
                    (
                        category.name().to_string(),
                        BevIou {
                            iou: (cells.either > 0)
                                .then(|| cells.both as f64 / cells.either as f64),
                            both_cells: cells.both,
                            either_cells: cells.either,
                        },
                    )
                })
                .collect(),
        })
    }
}

fn by_method(samples: &[&PositionSample]) -> BTreeMap<String, ErrorSummary> {
    METHODS
        .iter()
        .map(|(method, name)| {
            let of_method: Vec<&PositionSample> = samples
                .iter()
                .copied()
                .filter(|sample| sample.method == *method)
                .collect();
            ((*name).to_string(), error_summary(&of_method))
        })
        .collect()
}

fn error_summary(samples: &[&PositionSample]) -> ErrorSummary {
    let relative: Vec<f64> = samples
        .iter()
        .map(|sample| sample.error / sample.truth_distance.max(MIN_RELATIVE_DISTANCE_M))
        .collect();
    let metres: Vec<f64> = samples.iter().map(|sample| sample.error).collect();
    ErrorSummary {
        matches: samples.len(),
        median_relative: median(relative),
        median_m: median(metres),
    }
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}
