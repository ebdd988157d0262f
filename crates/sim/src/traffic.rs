//! Everything with identity in the town: moving traffic in every lane, parked cars, traffic
//! cones, and people walking or standing on the sidewalks.
//!
//! Movers travel in slots: all vehicles of one lane share one speed, so they never collide,
//! and the slots near any position and time can be listed directly, which keeps the world
//! endless and every stretch of it reproducible.

use crate::actor::{Actor, Body};
use crate::geometry::{rgb, Albedo};
use crate::pedestrian::Appearance;
use crate::random::{hash, Random};
use crate::town::{key, Town, CHUNK_LENGTH};
use crate::vehicle::VehicleModel;

/// The ego vehicle's drive: straight along +x in one lane at constant speed.
#[derive(Debug, Clone, Copy)]
pub struct EgoDrive {
    /// Position along the road at time 0.
    pub start_x: f64,
    pub lane_y: f64,
    pub speed: f64,
    /// Index of its lane among the +x lanes.
    pub lane: usize,
}

impl EgoDrive {
    /// The ego's drive in `town`.
    #[must_use]
    pub fn new(town: &Town) -> Self {
        let mut random = Random::new(town.seed, &[key::STYLE, 99]);
        let lane = random.index(town.lanes_per_direction);
        Self {
            start_x: random.range(0.0, 10_000.0),
            lane_y: town.lane_centre(lane, 1.0),
            speed: random.range(5.0, 11.0),
            lane,
        }
    }

    /// Position along the road at time `t`.
    #[must_use]
    pub fn x(&self, t: f64) -> f64 {
        self.start_x + self.speed * t
    }
}

/// Slot spacing of moving vehicles in one lane, metres.
const VEHICLE_SLOT: f64 = 26.0;
/// Share of outer-lane slots that hold a cyclist, percent.
const CYCLIST_PERCENT: u64 = 15;
/// Free distance kept ahead of and behind the ego in its own lane.
const EGO_CLEARANCE: f64 = 14.0;

/// One stream of movers sharing a speed and a line (a lane, or a path along a sidewalk).
#[derive(Debug, Clone, Copy)]
struct Stream {
    id: u64,
    y: f64,
    speed: f64,
    slot: f64,
    presence: f64,
    /// Position of slot 0 at time 0.
    phase: f64,
}

impl Stream {
    /// Slot indices whose occupant is within `range` of `centre` at time `t`.
    fn slots_near(&self, centre: f64, range: f64, t: f64) -> std::ops::RangeInclusive<i64> {
        let origin = self.phase + self.speed * t;
        let first = ((centre - range - origin) / self.slot).floor() as i64 - 1;
        let last = ((centre + range - origin) / self.slot).ceil() as i64 + 1;
        first..=last
    }
}

/// Lists the actors within `range` metres (along the road) of the ego at time `t`.
#[must_use]
pub fn actors_near(town: &Town, ego: &EgoDrive, t: f64, range: f64) -> Vec<Actor> {
    let centre = ego.x(t);
    let mut actors = Vec::new();
    vehicles(town, ego, t, centre, range, &mut actors);
    people(town, t, centre, range, &mut actors);
    let first_chunk = ((centre - range) / CHUNK_LENGTH).floor() as i64;
    let last_chunk = ((centre + range) / CHUNK_LENGTH).floor() as i64;
    for chunk in first_chunk..=last_chunk {
        parked(town, chunk, &mut actors);
    }
    actors
}

fn vehicles(town: &Town, ego: &EgoDrive, t: f64, centre: f64, range: f64, actors: &mut Vec<Actor>) {
    for lane in 0..town.lanes_per_direction {
        for direction in [1.0, -1.0] {
            let lane_key = lane as u64 * 2 + u64::from(direction < 0.0);
            let mut random = Random::new(town.seed, &[key::LANE, lane_key]);
            let own = direction > 0.0 && lane == ego.lane;
            let speed = if own {
                ego.speed
            } else if direction > 0.0 {
                ego.speed * random.range(0.75, 1.3)
            } else {
                -random.range(7.0, 13.0)
            };
            let stream = Stream {
                id: lane_key,
                y: town.lane_centre(lane, direction),
                speed,
                slot: VEHICLE_SLOT,
                presence: random.range(0.35, 0.7),
                // The ego's own lane moves with the ego: slot 0 sits on it and stays empty.
                phase: if own {
                    ego.start_x
                } else {
                    random.range(0.0, VEHICLE_SLOT)
                },
            };
            for slot in stream.slots_near(centre, range, t) {
                let mut random = Random::new(town.seed, &[key::SLOT, stream.id, slot as u64]);
                let jitter = random.range(-4.0, 4.0);
                let offset = slot as f64 * stream.slot + jitter;
                if !random.chance(stream.presence) || (own && offset.abs() < EGO_CLEARANCE) {
                    continue;
                }
                // Some slots of the outer lanes hold a cyclist instead of a vehicle.
                let outer = lane + 1 == town.lanes_per_direction;
                let cyclist = outer
                    && hash(town.seed, &[key::CYCLIST, stream.id, slot as u64]) % 100
                        < CYCLIST_PERCENT;
                let body = if cyclist {
                    Body::Cyclist {
                        appearance: random_person(&mut random),
                        frame: colour(&CLOTHES, &mut random),
                        phase: random.unit(),
                    }
                } else {
                    Body::Vehicle(VehicleModel::random(&mut random, None))
                };
                actors.push(Actor {
                    track_id: hash(town.seed, &[key::SLOT, stream.id, slot as u64]),
                    body,
                    x: stream.phase + offset,
                    y: stream.y + random.range(-0.15, 0.15),
                    speed: stream.speed,
                    resting_yaw: 0.0,
                    ground: 0.0,
                });
            }
        }
    }
}

fn people(town: &Town, t: f64, centre: f64, range: f64, actors: &mut Vec<Actor>) {
    let kerb = town.road_half_width();
    let width = town.sidewalk_width;
    for (side_index, side) in [1.0f64, -1.0].into_iter().enumerate() {
        // Three paths per sidewalk: walking one way, standing, walking the other way.
        let paths = [
            (kerb + 1.15, 1.0, 11.0),
            (kerb + width - 0.45, 0.0, 19.0),
            (kerb + (1.15 + width - 0.45) / 2.0, -1.0, 13.0),
        ];
        for (path_index, (offset, direction, slot)) in paths.into_iter().enumerate() {
            let id = 100 + side_index as u64 * 3 + path_index as u64;
            let mut random = Random::new(town.seed, &[key::WALKERS, id]);
            let stream = Stream {
                id,
                y: side * offset,
                speed: direction * random.range(1.0, 1.6),
                slot,
                presence: random.range(0.3, 0.6),
                phase: random.range(0.0, slot),
            };
            for slot in stream.slots_near(centre, range, t) {
                let mut random = Random::new(town.seed, &[key::SLOT, stream.id, slot as u64]);
                if !random.chance(stream.presence) {
                    continue;
                }
                let x = stream.phase + slot as f64 * stream.slot + random.range(-2.0, 2.0);
                let appearance = random_person(&mut random);
                let y = stream.y + random.range(-0.15, 0.15);
                // Standing people keep off the side streets; walkers cross them at road level.
                if direction == 0.0 && town.near_side_street(x, 1.0) {
                    continue;
                }
                let ground = town.ground_height(x + stream.speed * t, y);
                actors.push(Actor {
                    track_id: hash(town.seed, &[key::SLOT, stream.id, slot as u64]),
                    body: Body::Person {
                        appearance,
                        phase: random.unit(),
                        idle_arms: random.range(-0.15, 0.15),
                    },
                    x,
                    y,
                    speed: stream.speed,
                    resting_yaw: random.range(-std::f64::consts::PI, std::f64::consts::PI),
                    ground,
                });
            }
        }
    }
}

fn parked(town: &Town, chunk: i64, actors: &mut Vec<Actor>) {
    let x0 = chunk as f64 * CHUNK_LENGTH;
    let mut random = Random::new(town.seed, &[key::PARKED, chunk as u64]);
    let lanes = town.lanes_per_direction as f64 * town.lane_width;
    // A work zone: a row of cones along one kerb, with no parked cars there.
    let cones = random.chance(0.3).then(|| {
        let side = if random.chance(0.5) { 1.0 } else { -1.0 };
        let start = x0 + random.range(2.0, CHUNK_LENGTH - 14.0);
        (side, start, start + random.range(6.0, 12.0))
    });
    if let Some((side, start, end)) = cones {
        let y = if town.parking_width > 0.0 {
            side * (lanes + town.parking_width / 2.0)
        } else {
            side * (town.road_half_width() - 0.3)
        };
        let mut x = start;
        let mut index = 0u64;
        while x <= end {
            if !town.near_side_street(x, 2.0) {
                actors.push(Actor {
                    track_id: hash(town.seed, &[key::CONE, chunk as u64, index]),
                    body: Body::Cone {
                        height: random.range(0.5, 0.75),
                    },
                    x,
                    y: y + random.range(-0.1, 0.1),
                    speed: 0.0,
                    resting_yaw: random.range(0.0, 1.0),
                    ground: 0.0,
                });
            }
            x += 2.0;
            index += 1;
        }
    }
    if town.parking_width <= 0.0 {
        return;
    }
    for side in [1.0, -1.0] {
        let mut x = x0 + random.range(0.5, 3.0);
        let mut index = 0u64;
        loop {
            let model = VehicleModel::random(&mut random, Some(crate::vehicle::VehicleKind::Car));
            let park = random.chance(0.5);
            let middle = x + model.length / 2.0;
            if x + model.length > x0 + CHUNK_LENGTH {
                break;
            }
            let blocked = town.near_side_street(middle, model.length / 2.0 + 1.0)
                || cones.is_some_and(|(cone_side, start, end)| {
                    cone_side == side && middle > start - 4.0 && middle < end + 4.0
                });
            if park && !blocked {
                actors.push(Actor {
                    track_id: hash(
                        town.seed,
                        &[key::PARKED, chunk as u64, index, u64::from(side > 0.0)],
                    ),
                    body: Body::Vehicle(model),
                    x: middle,
                    y: side * (lanes + town.parking_width / 2.0 + 0.05),
                    speed: 0.0,
                    resting_yaw: if side > 0.0 {
                        std::f64::consts::PI
                    } else {
                        0.0
                    },
                    ground: 0.0,
                });
            }
            x += model.length + random.range(1.0, 2.5);
            index += 1;
        }
    }
}

const SKIN: [[u8; 3]; 5] = [
    [240, 205, 180],
    [210, 165, 130],
    [170, 120, 85],
    [120, 80, 55],
    [80, 55, 40],
];
const CLOTHES: [[u8; 3]; 12] = [
    [30, 30, 35],
    [200, 30, 35],
    [35, 70, 160],
    [240, 240, 240],
    [60, 130, 70],
    [230, 190, 40],
    [120, 120, 125],
    [150, 90, 160],
    [235, 120, 40],
    [40, 150, 170],
    [110, 70, 40],
    [210, 150, 170],
];
const TROUSERS: [[u8; 3]; 6] = [
    [30, 40, 80],
    [25, 25, 28],
    [90, 90, 95],
    [180, 160, 120],
    [60, 60, 110],
    [120, 40, 40],
];

fn colour(table: &[[u8; 3]], random: &mut Random) -> Albedo {
    let [red, green, blue] = table[random.index(table.len())];
    rgb(red, green, blue)
}

fn random_person(random: &mut Random) -> Appearance {
    let height = if random.chance(0.1) {
        random.range(1.1, 1.45)
    } else {
        random.range(1.55, 1.95)
    };
    Appearance {
        height,
        skin: colour(&SKIN, random),
        hair: colour(
            &[[20, 15, 10], [60, 40, 25], [150, 110, 60], [200, 200, 200]],
            random,
        ),
        shirt: colour(&CLOTHES, random),
        trousers: colour(&TROUSERS, random),
        shoes: colour(&[[20, 20, 20], [240, 240, 240], [90, 60, 40]], random),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_traffic_never_overlaps_and_keeps_clear_of_the_ego() {
        for seed in 0..6 {
            let town = Town::new(seed);
            let ego = EgoDrive::new(&town);
            for step in 0..10 {
                let t = f64::from(step) * 0.7;
                let actors = actors_near(&town, &ego, t, 150.0);
                let mut vehicles: Vec<(f64, f64, f64)> = actors
                    .iter()
                    .filter_map(|actor| match actor.body {
                        // Grouped by lane (positions jitter ±0.15 m across), then along it.
                        Body::Vehicle(model) => {
                            Some(((actor.y * 2.0).round(), actor.placement(t).0, model.length))
                        }
                        Body::Cyclist { .. } => {
                            Some(((actor.y * 2.0).round(), actor.placement(t).0, 1.8))
                        }
                        _ => None,
                    })
                    .collect();
                vehicles.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
                for pair in vehicles.windows(2) {
                    if (pair[0].0 - pair[1].0).abs() < 1.0 {
                        let gap = (pair[1].1 - pair[0].1).abs() - (pair[0].2 + pair[1].2) / 2.0;
                        assert!(gap > 0.5, "seed {seed}: vehicles overlap: {pair:?}");
                    }
                }
                for (y, x, length) in &vehicles {
                    if (y - (ego.lane_y * 2.0).round()).abs() < 1.0 {
                        assert!(
                            (x - ego.x(t)).abs() > length / 2.0 + 2.5,
                            "seed {seed}: a car sits on the ego"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_same_actor_keeps_its_identity_while_it_moves() {
        let town = Town::new(4);
        let ego = EgoDrive::new(&town);
        let before = actors_near(&town, &ego, 0.0, 100.0);
        let after = actors_near(&town, &ego, 0.5, 100.0);
        let shared = before
            .iter()
            .filter(|actor| after.iter().any(|other| other.track_id == actor.track_id))
            .count();
        assert!(
            shared * 10 > before.len() * 8,
            "{shared} of {}",
            before.len()
        );
    }
}
