//! Tracking: ids that persist across frame sets, a constant-velocity Kalman filter per track
//! in the world frame (ego motion compensated) when the drive has ego poses, else in the ego
//! frame.

use nalgebra::{Isometry3, Matrix2, Matrix2x4, Matrix4, Point3, Vector2, Vector4};

use crate::config::TrackingConfig;

/// Velocity given to a new track's uncertainty, m/s (it could be going anywhere).
const INITIAL_SPEED_SIGMA: f64 = 10.0;

/// What the tracker says of one object.
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

/// One object to associate: its class and its centre in the ego frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measurement {
    /// Class index.
    pub class: usize,
    /// Centre, ego frame.
    pub centre: Point3<f64>,
}

#[derive(Debug, Clone)]
struct Track {
    id: u64,
    class: usize,
    state: Vector4<f64>,
    covariance: Matrix4<f64>,
    hits: u32,
    misses: u32,
}

/// The tracks of one run.
#[derive(Debug, Clone)]
pub struct Tracker {
    config: TrackingConfig,
    tracks: Vec<Track>,
    next_id: u64,
    last_timestamp_us: Option<u64>,
}

impl Tracker {
    /// No tracks yet; ids start at 1.
    pub fn new(config: TrackingConfig) -> Self {
        Self {
            config,
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

    /// Associates this frame set's objects with the tracks, one state per object in order.
    /// `ego_to_world` is the ego pose at `timestamp_us`, when the drive records it.
    pub fn update(
        &mut self,
        timestamp_us: u64,
        ego_to_world: Option<&Isometry3<f64>>,
        measurements: &[Measurement],
    ) -> Vec<TrackState> {
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
            predict(track, dt, self.config.acceleration_sigma);
        }
        let world: Vec<Vector2<f64>> = measurements
            .iter()
            .map(|measurement| (ego_to_world * measurement.centre).coords.xy())
            .collect();
        let assigned = self.associate(measurements, &world);
        let mut states = Vec::with_capacity(measurements.len());
        let mut matched = vec![false; self.tracks.len()];
        for (index, measurement) in measurements.iter().enumerate() {
            let sigma = self.config.measurement_sigma_m
                + self.config.measurement_sigma_fraction * measurement.centre.coords.xy().norm();
            let track = match assigned[index] {
                Some(track) => {
                    matched[track] = true;
                    let track = &mut self.tracks[track];
                    correct(track, &world[index], sigma);
                    track.hits += 1;
                    track.misses = 0;
                    track
                }
                None => {
                    self.tracks.push(new_track(
                        self.next_id,
                        measurement.class,
                        &world[index],
                        sigma,
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
            states.push(TrackState {
                id: track.id,
                hits: track.hits,
                confirmed: track.hits >= self.config.confirm_hits,
                velocity,
            });
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

    /// Greedy association, nearest pairs first, within the gate and the class.
    fn associate(
        &self,
        measurements: &[Measurement],
        world: &[Vector2<f64>],
    ) -> Vec<Option<usize>> {
        let mut pairs = Vec::new();
        for (measurement_index, measurement) in measurements.iter().enumerate() {
            let gate = self.config.gate_m
                + self.config.gate_fraction * measurement.centre.coords.xy().norm();
            for (track_index, track) in self.tracks.iter().enumerate() {
                if track.class != measurement.class {
                    continue;
                }
                let predicted = Vector2::new(track.state[0], track.state[1]);
                let distance = (predicted - world[measurement_index]).norm();
                if distance < gate {
                    pairs.push((distance, track_index, measurement_index));
                }
            }
        }
        pairs.sort_by(|left, right| {
            left.0
                .total_cmp(&right.0)
                .then(left.1.cmp(&right.1))
                .then(left.2.cmp(&right.2))
        });
        let mut assigned = vec![None; measurements.len()];
        let mut taken = vec![false; self.tracks.len()];
        for (_, track, measurement) in pairs {
            if !taken[track] && assigned[measurement].is_none() {
                taken[track] = true;
                assigned[measurement] = Some(track);
            }
        }
        assigned
    }
}

fn new_track(id: u64, class: usize, position: &Vector2<f64>, sigma: f64) -> Track {
    let speed = INITIAL_SPEED_SIGMA * INITIAL_SPEED_SIGMA;
    Track {
        id,
        class,
        state: Vector4::new(position.x, position.y, 0.0, 0.0),
        covariance: Matrix4::from_diagonal(&Vector4::new(
            sigma * sigma,
            sigma * sigma,
            speed,
            speed,
        )),
        hits: 1,
        misses: 0,
    }
}

fn predict(track: &mut Track, dt: f64, acceleration_sigma: f64) {
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

fn correct(track: &mut Track, position: &Vector2<f64>, sigma: f64) {
    let observe = Matrix2x4::new(1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    let innovation = position - observe * track.state;
    let covariance = observe * track.covariance * observe.transpose()
        + Matrix2::from_diagonal_element(sigma * sigma);
    let Some(inverse) = covariance.try_inverse() else {
        return;
    };
    let gain = track.covariance * observe.transpose() * inverse;
    track.state += gain * innovation;
    track.covariance = (Matrix4::identity() - gain * observe) * track.covariance;
}
