//! Ego-frame scoring of fused objects against 3D ground-truth boxes: centre-distance AP, position
//! error, duplicates, id switches and bird's-eye-view IoU, counted frame set by frame set.

use crate::ego_ap::ClassRanking;
use crate::error::{EvalError, Result};
use nalgebra::Vector2;
use panoptes_drive::Cuboid;
use panoptes_fusion::{BevCategory, BevGrid, BevLayer, BevProjector, EgoObject, LiftMethod};
use std::collections::{BTreeMap, BTreeSet};

/// Centre-distance thresholds of the AP, metres on the ground (nuScenes' own).
pub const AP_THRESHOLDS_M: [f64; 4] = [0.5, 1.0, 2.0, 4.0];
/// Position matching gate: a prediction matches a truth object closer than
/// `POSITION_GATE_M + POSITION_GATE_FRACTION × truth distance` (farther objects are placed less
/// precisely, so the gate widens with distance).
pub const POSITION_GATE_M: f64 = 2.0;
/// See [`POSITION_GATE_M`].
pub const POSITION_GATE_FRACTION: f64 = 0.2;
/// Truth and predictions farther than this from the ego origin are left out, by default.
pub const DEFAULT_EGO_MAX_DISTANCE_M: f64 = 50.0;
/// BEV categories whose IoU is reported.
pub const BEV_CATEGORIES: [BevCategory; 2] = [BevCategory::Drivable, BevCategory::Object];

/// One matched truth object's position error.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct PositionSample {
    /// Truth distance from the ego origin, on the ground.
    pub truth_distance: f64,
    /// Ground-plane distance between the centres.
    pub error: f64,
    /// How the prediction was placed.
    pub method: LiftMethod,
}

/// The track ids matched to one truth object, for id switches.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdHistory {
    /// The first frame set and id, of matches whose prediction has an id.
    pub first: Option<(usize, u64)>,
    /// The last of them.
    pub last: Option<(usize, u64)>,
    pub switches: usize,
    /// Frame sets in which the object was matched, and those whose match had a track id.
    pub matches: usize,
    pub tracked: usize,
}

impl IdHistory {
    fn observe(&mut self, frame: usize, id: Option<u64>) {
        self.matches += 1;
        let Some(id) = id else {
            return;
        };
        self.tracked += 1;
        if self.last.is_some_and(|(_, last)| last != id) {
            self.switches += 1;
        }
        self.first.get_or_insert((frame, id));
        self.last = Some((frame, id));
    }

    /// Joins the histories of two runs of frame sets, the earlier first.
    fn join(self, other: IdHistory) -> IdHistory {
        let (earlier, later) = match (self.first, other.first) {
            (Some((left, _)), Some((right, _))) if right < left => (other, self),
            (None, _) => {
                return IdHistory {
                    switches: self.switches + other.switches,
                    matches: self.matches + other.matches,
                    tracked: self.tracked + other.tracked,
                    ..other
                }
            }
            (_, None) => {
                return IdHistory {
                    switches: self.switches + other.switches,
                    matches: self.matches + other.matches,
                    tracked: self.tracked + other.tracked,
                    ..self
                }
            }
            _ => (self, other),
        };
        let switched = match (earlier.last, later.first) {
            (Some((_, last)), Some((_, first))) => usize::from(last != first),
            _ => 0,
        };
        IdHistory {
            first: earlier.first,
            last: later.last,
            switches: earlier.switches + later.switches + switched,
            matches: earlier.matches + later.matches,
            tracked: earlier.tracked + later.tracked,
        }
    }
}

/// Cells of one BEV category in both grids and in either, summed over frame sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct CellCounts {
    pub both: u64,
    pub either: u64,
}

/// Everything counted so far. Tallies of disjoint runs of frame sets merge in any order (id
/// histories are joined by frame-set index).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EgoTally {
    pub(crate) max_distance_m: f64,
    pub(crate) frame_sets: usize,
    /// Cuboids given, before the distance cut.
    pub(crate) cuboids: usize,
    /// Truth objects counted, after it.
    pub(crate) truth_objects: usize,
    pub(crate) predictions: usize,
    pub(crate) classes: BTreeMap<String, ClassRanking>,
    pub(crate) positions: Vec<PositionSample>,
    pub(crate) matched_truth: usize,
    pub(crate) duplicated: usize,
    pub(crate) camera_overlap: usize,
    /// By [`identity`]: truth instance within its drive.
    pub(crate) identities: BTreeMap<u64, IdHistory>,
    /// Drives counted ([`EgoTally::merge_drive`]); a fresh tally counts one.
    pub(crate) drives: u32,
    pub(crate) bev_frame_sets: usize,
    pub(crate) bev: BTreeMap<BevCategory, CellCounts>,
}

impl Default for EgoTally {
    fn default() -> Self {
        Self::new(DEFAULT_EGO_MAX_DISTANCE_M)
    }
}

impl EgoTally {
    /// An empty tally that leaves out truth and predictions farther than `max_distance_m`
    /// from the ego origin, on the ground.
    pub fn new(max_distance_m: f64) -> Self {
        Self {
            max_distance_m,
            frame_sets: 0,
            cuboids: 0,
            truth_objects: 0,
            predictions: 0,
            classes: BTreeMap::new(),
            positions: Vec::new(),
            matched_truth: 0,
            duplicated: 0,
            camera_overlap: 0,
            identities: BTreeMap::new(),
            drives: 1,
            bev_frame_sets: 0,
            bev: BTreeMap::new(),
        }
    }

    /// Whether any frame set given had a cuboid (otherwise the drive has no 3D truth and
    /// there is nothing to report).
    pub fn has_truth(&self) -> bool {
        self.cuboids > 0
    }

    /// Scores one frame set's fused objects against its truth (the union of its cameras'
    /// cuboids, see [`union_by_instance`]). `frame` is the frame-set index: frame sets must
    /// come in order for id switches; classes must already be the drive's names.
    pub fn add_frame(&mut self, frame: usize, predictions: &[EgoObject], truth: &[Cuboid]) {
        self.frame_sets += 1;
        self.cuboids += truth.len();
        let limit = self.max_distance_m;
        let truth: Vec<&Cuboid> = truth
            .iter()
            .filter(|cuboid| ground_norm(truth_xy(cuboid)) <= limit)
            .collect();
        // Original positions kept: they order ties in score.
        let predictions: Vec<(usize, &EgoObject)> = predictions
            .iter()
            .enumerate()
            .filter(|(_, object)| ground_norm(prediction_xy(object)) <= limit)
            .collect();
        self.truth_objects += truth.len();
        self.predictions += predictions.len();
        self.rank(frame, &predictions, &truth);
        let matches = match_positions(&predictions, &truth, &[]);
        self.count_matches(&predictions, &truth, &matches);
        // Identities as CLEAR-MOT counts them: a truth object keeps the track it had while that
        // track's object is still within the gate; the others are matched nearest first.
        let kept: Vec<(usize, usize)> = truth
            .iter()
            .enumerate()
            .filter_map(|(truth_index, cuboid)| {
                let (_, last) = self
                    .identities
                    .get(&identity(0, cuboid.instance_id))?
                    .last?;
                let centre = truth_xy(cuboid);
                let position = predictions.iter().position(|(_, object)| {
                    object.id == Some(last)
                        && object.class == cuboid.class
                        && ground_distance(centre, prediction_xy(object))
                            < position_gate(ground_norm(centre))
                })?;
                Some((truth_index, position))
            })
            .collect();
        let identities = match_positions(&predictions, &truth, &kept);
        for (cuboid, matched) in truth.iter().zip(identities) {
            if let Some(position) = matched {
                self.identities
                    .entry(identity(0, cuboid.instance_id))
                    .or_default()
                    .observe(frame, predictions[position].1.id);
            }
        }
    }

    /// Position errors and duplicates of one frame set's matches.
    fn count_matches(
        &mut self,
        predictions: &[(usize, &EgoObject)],
        truth: &[&Cuboid],
        matches: &[Option<usize>],
    ) {
        let matched: BTreeSet<usize> = matches.iter().flatten().copied().collect();
        for (cuboid, matched_prediction) in truth.iter().zip(matches) {
            let Some(prediction) = matched_prediction.map(|position| predictions[position].1)
            else {
                continue;
            };
            let centre = truth_xy(cuboid);
            let truth_distance = ground_norm(centre);
            self.matched_truth += 1;
            self.positions.push(PositionSample {
                truth_distance,
                error: ground_distance(centre, prediction_xy(prediction)),
                method: prediction.method,
            });
            let gate = position_gate(truth_distance);
            // A second report of this object: unmatched, of its class, within its gate and
            // nearer to it than to any other truth object of the class (in a crowd, a
            // misplaced report of a neighbour is not this one's duplicate).
            let extras: Vec<&EgoObject> = predictions
                .iter()
                .enumerate()
                .filter(|(position, (_, extra))| {
                    let spot = prediction_xy(extra);
                    let own = ground_distance(centre, spot);
                    !matched.contains(position)
                        && extra.class == cuboid.class
                        && own < gate
                        && truth.iter().all(|other| {
                            other.class != cuboid.class
                                || ground_distance(truth_xy(other), spot) >= own
                        })
                })
                .map(|(_, (_, extra))| *extra)
                .collect();
            if !extras.is_empty() {
                self.duplicated += 1;
            }
            // One seen by none of the cameras that saw the matched report: the cameras'
            // views of one object were not merged.
            if extras.iter().any(|extra| {
                !extra
                    .cameras
                    .iter()
                    .any(|camera| prediction.cameras.contains(camera))
            }) {
                self.camera_overlap += 1;
            }
        }
    }

    /// Counts one frame set's predicted bird's-eye view against the truth's ([`truth_bev`]).
    /// Grids of different sizes are an error for this frame set.
    pub fn add_bev(&mut self, predicted: &BevGrid, truth: &BevGrid) -> Result<()> {
        let mut counts = Vec::with_capacity(BEV_CATEGORIES.len());
        for category in BEV_CATEGORIES {
            let (both, either) =
                predicted
                    .overlap(truth, category)
                    .ok_or_else(|| EvalError::BevMismatch {
                        predicted_side: predicted.side(),
                        predicted_cell_m: predicted.cell_m(),
                        truth_side: truth.side(),
                        truth_cell_m: truth.cell_m(),
                    })?;
            counts.push((category, both, either));
        }
        self.bev_frame_sets += 1;
        for (category, both, either) in counts {
            let cells = self.bev.entry(category).or_default();
            cells.both += both;
            cells.either += either;
        }
        Ok(())
    }

    /// Adds the tally of another drive: its truth objects are others than this tally's even
    /// where their instance ids are the same (ids are a drive's own), so no id switch is
    /// counted between them.
    pub fn merge_drive(&mut self, mut other: EgoTally) {
        let shift = u64::from(self.drives) << 32;
        other.identities = std::mem::take(&mut other.identities)
            .into_iter()
            .map(|(key, history)| (key + shift, history))
            .collect();
        self.drives += other.drives;
        self.merge(other);
    }

    /// Adds another tally of the same drive, a disjoint run of its frame sets (its distance
    /// cut is assumed to be the same): one instance id is one object in both.
    pub fn merge(&mut self, other: EgoTally) {
        self.frame_sets += other.frame_sets;
        self.cuboids += other.cuboids;
        self.truth_objects += other.truth_objects;
        self.predictions += other.predictions;
        for (class, ranking) in other.classes {
            let mine = self.classes.entry(class).or_default();
            mine.positives += ranking.positives;
            mine.predictions.extend(ranking.predictions);
        }
        self.positions.extend(other.positions);
        self.matched_truth += other.matched_truth;
        self.duplicated += other.duplicated;
        self.camera_overlap += other.camera_overlap;
        for (instance, history) in other.identities {
            let mine = self.identities.entry(instance).or_default();
            *mine = mine.join(history);
        }
        self.bev_frame_sets += other.bev_frame_sets;
        for (category, cells) in other.bev {
            let mine = self.bev.entry(category).or_default();
            mine.both += cells.both;
            mine.either += cells.either;
        }
    }
}

/// The key of a truth instance of the `drive`-th drive of a tally.
fn identity(drive: u32, instance: u32) -> u64 {
    (u64::from(drive) << 32) | u64::from(instance)
}

/// For each truth object, the position of the prediction matched to it: the `kept` pairs
/// (truth index, prediction position) first, then pairs of one class within the
/// [`POSITION_GATE_M`] gate, nearest first, each side taken once.
fn match_positions(
    predictions: &[(usize, &EgoObject)],
    truth: &[&Cuboid],
    kept: &[(usize, usize)],
) -> Vec<Option<usize>> {
    let mut pairs = Vec::new();
    for (truth_index, cuboid) in truth.iter().enumerate() {
        let centre = truth_xy(cuboid);
        let gate = position_gate(ground_norm(centre));
        for (position, (_, object)) in predictions.iter().enumerate() {
            if object.class != cuboid.class {
                continue;
            }
            let distance = ground_distance(centre, prediction_xy(object));
            if distance < gate {
                pairs.push((distance, truth_index, position));
            }
        }
    }
    pairs.sort_by(|left, right| {
        left.0
            .total_cmp(&right.0)
            .then(left.1.cmp(&right.1))
            .then(left.2.cmp(&right.2))
    });
    let mut matches = vec![None; truth.len()];
    let mut taken = vec![false; predictions.len()];
    for &(truth_index, position) in kept {
        if matches[truth_index].is_none() && !taken[position] {
            taken[position] = true;
            matches[truth_index] = Some(position);
        }
    }
    for (_, truth_index, position) in pairs {
        if matches[truth_index].is_none() && !taken[position] {
            taken[position] = true;
            matches[truth_index] = Some(position);
        }
    }
    matches
}

/// The position gate at a truth distance, metres.
pub fn position_gate(truth_distance: f64) -> f64 {
    POSITION_GATE_M + POSITION_GATE_FRACTION * truth_distance
}

/// A frame set's truth from its cameras' cuboids: each instance once, as the first camera
/// (in the order given) reports it.
pub fn union_by_instance<'a>(cameras: impl IntoIterator<Item = &'a [Cuboid]>) -> Vec<Cuboid> {
    let mut seen = BTreeSet::new();
    let mut union = Vec::new();
    for cuboids in cameras {
        for cuboid in cuboids {
            if seen.insert(cuboid.instance_id) {
                union.push(cuboid.clone());
            }
        }
    }
    union
}

/// The truth bird's-eye view: the cameras' ground-truth segmentation (`layers`, one Vec per
/// rig camera in rig order) seen through `projector`, with every truth footprint drawn, as
/// fusion draws the predicted objects'.
pub fn truth_bev(
    projector: &BevProjector,
    layers: &[Vec<BevLayer<'_>>],
    truth: &[Cuboid],
) -> BevGrid {
    let mut grid = projector.grid(layers);
    for cuboid in truth {
        let [length, width, _] = cuboid.size_lwh;
        grid.draw_footprint(
            Vector2::new(cuboid.center[0], cuboid.center[1]),
            length,
            width,
            cuboid.yaw,
        );
    }
    grid
}

pub(crate) fn truth_xy(cuboid: &Cuboid) -> [f64; 2] {
    [cuboid.center[0], cuboid.center[1]]
}

pub(crate) fn prediction_xy(object: &EgoObject) -> [f64; 2] {
    [f64::from(object.position[0]), f64::from(object.position[1])]
}

/// NaN for a non-finite position, so comparisons leave it out.
fn ground_norm(point: [f64; 2]) -> f64 {
    point[0].hypot(point[1])
}

pub(crate) fn ground_distance(left: [f64; 2], right: [f64; 2]) -> f64 {
    (left[0] - right[0]).hypot(left[1] - right[1])
}
