//! Cross-camera merge: observations of one object by overlapping cameras become one object.

use std::cmp::Ordering;

use crate::config::MergeConfig;
use crate::lift::Observation;

/// Observations taken as one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The best-placed observation (its position is the object's).
    pub best: usize,
    /// Every observation, by index, best first.
    pub members: Vec<usize>,
}

/// Squared Mahalanobis distance between two observations' centres on the ground, with the
/// covariance of their difference (infinite when it is singular).
pub fn squared_distance(left: &Observation, right: &Observation) -> f64 {
    let difference = left.centre.coords.xy() - right.centre.coords.xy();
    (left.covariance + right.covariance)
        .try_inverse()
        .map_or(f64::INFINITY, |inverse| {
            (difference.transpose() * inverse * difference)[(0, 0)]
        })
}

/// Which of two observations is better placed: a box the border does not cut, then one nearer
/// the image centre (less distortion, whole object), then rig and detection order.
pub fn better_placed(left: &Observation, right: &Observation) -> Ordering {
    left.clipped
        .cmp(&right.clipped)
        .then(left.off_centre.total_cmp(&right.off_centre))
        .then(left.camera.cmp(&right.camera))
        .then(left.detection.cmp(&right.detection))
}

/// Groups `observations` into objects. The best-placed observation founds an object; each
/// other joins the nearest object of its class within the gate (by Mahalanobis distance,
/// see [`squared_distance`]) that no observation of its own
/// camera belongs to yet (two boxes in one image are two objects: suppression already ran),
/// else founds its own. Deterministic: the order depends only on the observations.
pub fn merge(observations: &[Observation], config: &MergeConfig) -> Vec<Cluster> {
    let mut order: Vec<usize> = (0..observations.len()).collect();
    order.sort_by(|&left, &right| better_placed(&observations[left], &observations[right]));
    let mut clusters: Vec<Cluster> = Vec::new();
    for index in order {
        let observation = &observations[index];
        let gate = config.gate_sigmas * config.gate_sigmas;
        let nearest = clusters
            .iter_mut()
            .filter(|cluster| {
                let best = &observations[cluster.best];
                best.class == observation.class
                    && cluster
                        .members
                        .iter()
                        .all(|&member| observations[member].camera != observation.camera)
            })
            .map(|cluster| {
                let best = &observations[cluster.best];
                (squared_distance(best, observation), cluster)
            })
            .filter(|(distance, _)| *distance < gate)
            .min_by(|(left, _), (right, _)| left.total_cmp(right));
        match nearest {
            Some((_, cluster)) => cluster.members.push(index),
            None => clusters.push(Cluster {
                best: index,
                members: vec![index],
            }),
        }
    }
    clusters
}
