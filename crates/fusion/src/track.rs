//! Tracking: ids that persist across frame sets, a constant-velocity Kalman filter per track
//! in the world frame (ego motion compensated) when the drive has ego poses, else in the ego
//! frame.

use nalgebra::{Isometry3, Matrix2, Matrix2x4, Matrix4, Point3, Vector2, Vector4};

use crate::config::TrackingConfig;

/// What the tracker says of one object that continues or starts a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackState {
    /// The track's id, unique within a run.
    pub id: u64,
    /// Frame sets in which the track had an object, this one included.
    pub hits: u32,
    /// Whether it has had [`TrackingConfig::confirm_hits`] of them.
    pub confirmed: bool,
    /// Velocity over the ground in ego axes, m/s; `None` on a track's first frame set.
    pub velocity: Option<Vector2<f64>>,
}

/// How a class moves: the spread of a new track's speed and the unmodelled acceleration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Motion {
    /// m/s.
    pub speed_sigma: f64,
    /// m/s².
    pub acceleration_sigma: f64,
}

/// One object to associate: its class and its centre in the ego frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Class index.
    pub class: usize,
    /// Centre, ego frame.
    pub centre: Point3<f64>,
    /// Detection score.
    pub score: f32,
    /// Covariance of the centre on the ground, m² (see [`crate::Observation::covariance`]).
    pub covariance: Matrix2<f64>,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    class: usize,
    motion: Motion,
    state: Vector4<f64>,
    covariance: Matrix4<f64>,
    hits: u32,
    misses: u32,
}

/// The tracks of one run.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackingConfig,
    /// Per class index.
    motions: Vec<Motion>,
    tracks: Vec<Track>,
    next_id: u64,
    last_timestamp_us: Option<u64>,
}

impl Tracker {
    /// No tracks yet; ids start at 1. `motions` holds each class's motion, by class index (a
    /// class beyond it moves as a car).
    pub fn new(config: TrackingConfig, motions: Vec<Motion>) -> Self {
        Self {
            config,
            motions,
            tracks: Vec::new(),
            next_id: 1,
            last_timestamp_us: None,
        }
    }

    /// Live tracks (confirmed or not).
    pub fn len(&self) -> usize {
        self.tracks.len()
    }

    /// Whether no track is live.
    pub fn is_empty(&self) -> bool {
        self.tracks.is_empty()
    }

    /// Associates this frame set's objects with the tracks, one state per object in order;
    /// `None` for an object scored below the birth score that continues no track.
    /// `ego_to_world` is the ego pose at `timestamp_us`, when the drive records it.
    pub fn update(
        &mut self,
        timestamp_us: u64,
        ego_to_world: Option<&Isometry3<f64>>,
        measurements: &[Measurement],
    ) -> Vec<Option<TrackState>> {
        let identity = Isometry3::identity();
        let ego_to_world = ego_to_world.unwrap_or(&identity);
        let dt = match self.last_timestamp_us {
            Some(last) if timestamp_us >= last => (timestamp_us - last) as f64 * 1e-6,
            _ => f64::INFINITY,
        };
        if dt > self.config.max_gap_s {
            self.tracks.clear();
        }
        self.last_timestamp_us = Some(timestamp_us);
        for track in &mut self.tracks {
            predict(track, dt);
        }
        let world: Vec<Vector2<f64>> = measurements
            .iter()
            .map(|measurement| (ego_to_world * measurement.centre).coords.xy())
            .collect();
        // Covariances of the measurements in world axes.
        let rotation = ego_to_world.rotation.to_rotation_matrix();
        let turn = rotation.matrix().fixed_view::<2, 2>(0, 0).into_owned();
        let noises: Vec<Matrix2<f64>> = measurements
            .iter()
            .map(|measurement| turn * measurement.covariance * turn.transpose())
            .collect();
        let assigned = self.associate(measurements, &world, &noises);
        let mut states = Vec::with_capacity(measurements.len());
        let mut matched = vec![false; self.tracks.len()];
        for (index, measurement) in measurements.iter().enumerate() {
            let noise = &noises[index];
            let track = match assigned[index] {
                Some(track) => {
                    matched[track] = true;
                    let track = &mut self.tracks[track];
                    correct(track, &world[index], noise);
                    track.hits += 1;
                    track.misses = 0;
                    track
                }
                None if measurement.score < self.config.birth_score => {
                    states.push(None);
                    continue;
                }
                None => {
                    let motion = self
                        .motions
                        .get(measurement.class)
                        .copied()
                        .unwrap_or(Motion {
                            speed_sigma: 10.0,
                            acceleration_sigma: 3.0,
                        });
                    self.tracks.push(new_track(
                        self.next_id,
                        measurement.class,
                        &world[index],
                        noise,
                        motion,
                    ));
                    self.next_id += 1;
                    matched.push(true);
                    let last = self.tracks.len() - 1;
                    &mut self.tracks[last]
                }
            };
            let world_velocity = nalgebra::Vector3::new(track.state[2], track.state[3], 0.0);
            let velocity =
                (track.hits > 1).then(|| (ego_to_world.rotation.inverse() * world_velocity).xy());
            states.push(Some(TrackState {
                id: track.id,
                hits: track.hits,
                confirmed: track.hits >= self.config.confirm_hits,
                velocity,
            }));
        }
        let config = &self.config;
        let mut index = 0;
        self.tracks.retain_mut(|track| {
            let seen = matched[index];
            index += 1;
            if seen {
                return true;
            }
            track.misses += 1;
            let confirmed = track.hits >= config.confirm_hits;
            confirmed && track.misses <= config.max_misses
        });
        states
    }

    /// Greedy association within the gate and the class: confirmed tracks first, then the
    /// others; within each, objects scored at or above the birth score first, then the most
    /// likely pairs (negative log-likelihood of the
    /// innovation, so that a vague new track does not take a measurement from a steady one
    /// merely because its uncertainty is large).
    fn associate(
        &self,
        measurements: &[Measurement],
        world: &[Vector2<f64>],
        noises: &[Matrix2<f64>],
    ) -> Vec<Option<usize>> {
        let gate = self.config.gate_sigmas * self.config.gate_sigmas;
        let mut pairs = Vec::new();
        for (measurement_index, measurement) in measurements.iter().enumerate() {
            let noise = &noises[measurement_index];
            for (track_index, track) in self.tracks.iter().enumerate() {
                if track.class != measurement.class {
                    continue;
                }
                let innovation = world[measurement_index] - track.state.fixed_rows::<2>(0);
                let covariance = track.covariance.fixed_view::<2, 2>(0, 0) + noise;
                let Some(inverse) = covariance.try_inverse() else {
                    continue;
                };
                let squared = (innovation.transpose() * inverse * innovation)[(0, 0)];
                if squared < gate {
                    let unlikelihood =
                        squared + covariance.determinant().max(f64::MIN_POSITIVE).ln();
                    let tier = 2 * u8::from(track.hits < self.config.confirm_hits)
                        + u8::from(measurement.score < self.config.birth_score);
                    pairs.push((tier, unlikelihood, track_index, measurement_index));
                }
            }
        }
        pairs.sort_by(|left, right| {
            left.0
                .cmp(&right.0)
                .then(left.1.total_cmp(&right.1))
                .then(left.2.cmp(&right.2))
                .then(left.3.cmp(&right.3))
        });
        let mut assigned = vec![None; measurements.len()];
        let mut taken = vec![false; self.tracks.len()];
        for (_, _, track, measurement) in pairs {
            if !taken[track] && assigned[measurement].is_none() {
                taken[track] = true;
                assigned[measurement] = Some(track);
            }
        }
        assigned
    }
}

fn new_track(
    id: u64,
    class: usize,
    position: &Vector2<f64>,
    noise: &Matrix2<f64>,
    motion: Motion,
) -> Track {
    let speed = motion.speed_sigma * motion.speed_sigma;
    let mut covariance = Matrix4::from_diagonal(&Vector4::new(0.0, 0.0, speed, speed));
    covariance.fixed_view_mut::<2, 2>(0, 0).copy_from(noise);
    Track {
        id,
        class,
        motion,
        state: Vector4::new(position.x, position.y, 0.0, 0.0),
        covariance,
        hits: 1,
        misses: 0,
    }
}

fn predict(track: &mut Track, dt: f64) {
    let acceleration_sigma = track.motion.acceleration_sigma;
    if !dt.is_finite() || dt <= 0.0 {
        return;
    }
    let mut transition = Matrix4::identity();
    transition[(0, 2)] = dt;
    transition[(1, 3)] = dt;
    let variance = acceleration_sigma * acceleration_sigma;
    let (dt2, dt3, dt4) = (dt * dt, dt * dt * dt / 2.0, dt * dt * dt * dt / 4.0);
    let mut noise = Matrix4::zeros();
    for axis in 0..2 {
        noise[(axis, axis)] = dt4 * variance;
        noise[(axis, axis + 2)] = dt3 * variance;
        noise[(axis + 2, axis)] = dt3 * variance;
        noise[(axis + 2, axis + 2)] = dt2 * variance;
    }
    track.state = transition * track.state;
    track.covariance = transition * track.covariance * transition.transpose() + noise;
}

fn correct(track: &mut Track, position: &Vector2<f64>, noise: &Matrix2<f64>) {
    let observe = Matrix2x4::new(1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    let innovation = position - observe * track.state;
    let covariance = observe * track.covariance * observe.transpose() + noise;
    let Some(inverse) = covariance.try_inverse() else {
        return;
    };
    let gain = track.covariance * observe.transpose() * inverse;
    track.state += gain * innovation;
    track.covariance = (Matrix4::identity() - gain * observe) * track.covariance;
}
