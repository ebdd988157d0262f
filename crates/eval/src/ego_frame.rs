//! One decoded and fused frame set into the [`EgoTally`]: its truth from the drive, its
//! predictions from the pipeline's record.

use crate::camera::CameraTruth;
use crate::ego::{truth_bev, union_by_instance, EgoTally};
use crate::error::{EvalError, Result};
use crate::run::alias;
use panoptes_drive::FrameSet;
use panoptes_fusion::{BevCategory, BevLayer, EgoObject, Fusion};
use panoptes_pipeline::stages::{Decoded, PendingImage};
use std::collections::BTreeMap;

/// The ego tally of a run and what scoring a frame set needs beside the fusion.
#[derive(Debug)]
pub(crate) struct EgoScoring {
    pub tally: EgoTally,
    /// BEV category per ground-truth segmentation id.
    pub categories: Vec<BevCategory>,
    /// Model class name → drive class name.
    pub aliases: BTreeMap<String, String>,
}

impl EgoScoring {
    /// Scores `decoded`'s fused objects and bird's-eye view; `truths` are the frame set's
    /// cameras' loaded ground truth, in rig order. Frame sets without any ground truth are
    /// skipped.
    pub fn score(
        &mut self,
        fusion: &Fusion,
        frame_set: &FrameSet,
        decoded: &Decoded,
        truths: &[Option<Result<CameraTruth>>],
    ) -> Result<()> {
        let cameras: Vec<&[panoptes_drive::Cuboid]> = frame_set
            .present()
            .filter_map(|frame| frame.ground_truth.as_ref())
            .map(|truth| truth.annotations.cuboids.as_slice())
            .collect();
        if cameras.is_empty() {
            return Ok(());
        }
        let truth = union_by_instance(cameras);
        let objects: Vec<EgoObject> = decoded
            .record
            .objects_ego
            .iter()
            .flatten()
            .map(|object| EgoObject {
                class: alias(&self.aliases, &object.class).to_string(),
                ..object.clone()
            })
            .collect();
        self.tally.add_frame(frame_set.index, &objects, &truth);
        let Some(projector) = fusion.projector() else {
            return Ok(());
        };
        let layers: Vec<Vec<BevLayer<'_>>> = truths
            .iter()
            .map(|truth| match truth {
                Some(Ok(truth)) => truth
                    .segmentation
                    .iter()
                    .map(|ids| BevLayer {
                        ids: ids.view(),
                        categories: &self.categories,
                    })
                    .collect(),
                _ => Vec::new(),
            })
            .collect();
        if layers.iter().all(Vec::is_empty) {
            return Ok(());
        }
        let predicted = decoded
            .record
            .bev
            .as_ref()
            .and_then(|path| decoded.images.iter().find(|(name, _)| name == path))
            .and_then(|(_, image)| match image {
                PendingImage::Bev(grid) => Some(grid),
                _ => None,
            })
            .ok_or(EvalError::MissingBev)?;
        self.tally
            .add_bev(predicted, &truth_bev(projector, &layers, &truth))
    }
}
