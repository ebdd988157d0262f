//! A drive's tallies as data: scored in one process (or on one machine of a cluster), merged
//! and summarized in another, with the same figures as one evaluation of every drive together.

use crate::camera::{Tally, TaskSettings};
use crate::ego::EgoTally;
use crate::error::{EvalError, Result};
use crate::report::{Evaluation, Ledger};
use panoptes_pipeline::ModelReport;
use serde::{Deserialize, Serialize};

/// The heads scored: the first segmentation and depth heads across the models, every detection
/// head.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ScoredHeads {
    pub settings: TaskSettings,
    pub segmentation: Option<String>,
    pub depth: Option<String>,
}

/// Everything one drive (or nuScenes scene) counted, with what turning it into figures needs.
/// A list of them serializes to JSON ([`DriveScores::to_json`]) without losing a bit of a float.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriveScores {
    /// The drive's name (its directory; `DATAROOT#scene` for a nuScenes scene).
    pub drive: String,
    /// Seconds its scoring took.
    pub wall_seconds: f64,
    pub(crate) models: Vec<ModelReport>,
    pub(crate) heads: ScoredHeads,
    pub(crate) ledger: Ledger,
    pub(crate) tally: Tally,
    pub(crate) ego: Option<EgoTally>,
}

impl DriveScores {
    /// Frame sets scored.
    pub fn frame_sets(&self) -> usize {
        self.ledger.frame_sets
    }

    /// Scores of drives as a JSON list.
    pub fn to_json(scores: &[DriveScores]) -> String {
        // Plain data with string or integer map keys: serializing cannot fail.
        serde_json::to_string(scores).unwrap_or_default()
    }

    /// Scores from [`DriveScores::to_json`].
    pub fn from_json(text: &str) -> Result<Vec<Self>> {
        serde_json::from_str(text).map_err(|error| EvalError::Scores(error.to_string()))
    }

    /// This drive's own figures.
    pub fn summarize(&self) -> Evaluation {
        figures(self, self.drive.clone(), self.wall_seconds)
    }

    /// Counts another drive's scores with these, after checking that they were made the same
    /// way.
    fn merge(&mut self, other: &DriveScores) -> Result<()> {
        let differ = |what| EvalError::Incompatible {
            first: self.drive.clone(),
            other: other.drive.clone(),
            what,
        };
        if !same_models(&self.models, &other.models) {
            return Err(differ("models"));
        }
        let mut heads = other.heads.clone();
        // A drive without segmentation truth (nuScenes) counted no pixels: the class list it
        // maps onto does not matter.
        if self.tally.segmentation.is_empty() {
            self.heads.settings.segmentation = heads.settings.segmentation.clone();
        } else if other.tally.segmentation.is_empty() {
            heads.settings.segmentation = self.heads.settings.segmentation.clone();
        }
        if self.heads != heads {
            return Err(differ("scored heads or classes"));
        }
        self.ledger.frame_sets += other.ledger.frame_sets;
        self.ledger.cameras += other.ledger.cameras;
        self.ledger.errors += other.ledger.errors;
        for problem in &other.ledger.problems {
            if self.ledger.problems.len() < crate::report::LISTED_PROBLEMS {
                self.ledger.problems.push(problem.clone());
            }
        }
        self.tally.merge(other.tally.clone());
        self.ego = match (self.ego.take(), other.ego.clone()) {
            (Some(mut mine), Some(theirs)) => {
                if mine.max_distance_m != theirs.max_distance_m {
                    return Err(differ("ego distance cut"));
                }
                mine.merge_drive(theirs);
                Some(mine)
            }
            (mine, theirs) => mine.or(theirs),
        };
        self.wall_seconds += other.wall_seconds;
        Ok(())
    }
}

/// The same models: names, manifests, weights and providers (not how many engines ran them).
fn same_models(left: &[ModelReport], right: &[ModelReport]) -> bool {
    left.len() == right.len()
        && left.iter().zip(right).all(|(left, right)| {
            (&left.name, &left.manifest, &left.weights, &left.provider)
                == (
                    &right.name,
                    &right.manifest,
                    &right.weights,
                    &right.provider,
                )
        })
}

/// The name of an evaluation of `drives`, as `panoptes eval` reports it: the drive's label for
/// one, the (dataroot) directory of the first for several.
pub fn evaluation_name(drives: &[panoptes_drive::Drive]) -> String {
    match drives {
        [one] => one.label(),
        [first, ..] => first.root().display().to_string(),
        [] => String::new(),
    }
}

/// The figures of several drives counted together, in the order given (float sums depend on
/// it), named `name`, with each drive's own figures in [`Evaluation::scenes`] when there is
/// more than one: the same evaluation as one run over all of them.
pub fn summarize(scores: &[DriveScores], name: &str, wall_seconds: f64) -> Result<Evaluation> {
    let Some((first, rest)) = scores.split_first() else {
        return Err(EvalError::NoDrives);
    };
    let mut merged = first.clone();
    for score in rest {
        merged.merge(score)?;
    }
    let mut evaluation = figures(&merged, name.to_string(), wall_seconds);
    if !rest.is_empty() {
        evaluation.scenes = scores.iter().map(DriveScores::summarize).collect();
    }
    Ok(evaluation)
}

fn figures(score: &DriveScores, name: String, wall_seconds: f64) -> Evaluation {
    let heads = &score.heads;
    let ignore = &heads.settings.ignore;
    Evaluation {
        drive: name,
        models: score.models.clone(),
        frame_sets: score.ledger.frame_sets,
        cameras: score.ledger.cameras,
        detection: heads
            .settings
            .detection
            .then(|| score.tally.detection.summarize(ignore)),
        segmentation: heads.settings.segmentation.as_ref().map(|mapping| {
            score
                .tally
                .segmentation
                .summarize(mapping.truth_classes(), heads.segmentation.clone())
        }),
        depth: heads.settings.max_depth.map(|max_depth| {
            score
                .tally
                .depth
                .summarize(heads.depth.clone(), Some(max_depth))
        }),
        pose: heads
            .settings
            .pose_alpha
            .map(|alpha| score.tally.pose.summarize(alpha)),
        ego: score
            .ego
            .as_ref()
            .filter(|ego| ego.has_truth())
            .map(EgoTally::summarize),
        errors: score.ledger.errors,
        problems: score.ledger.problems.clone(),
        wall_seconds,
        scenes: Vec::new(),
    }
}
