//! The procedural town: a straight main road (lanes, markings, parking strips, kerbs,
//! sidewalks) through chunks of buildings, trees, lamps and side streets. Every chunk is drawn
//! from its own seeded stream, so the road is endless and any stretch is the same every time.

use crate::classes::SemanticClass;
use crate::geometry::{rgb, Albedo, Material, MeshBuilder};
use crate::random::{hash, Random};
use nalgebra::{Point3, Vector3};

/// Length of one chunk along the road, metres.
pub const CHUNK_LENGTH: f64 = 40.0;
/// Height of kerbs and sidewalks above the road.
pub const KERB_HEIGHT: f64 = 0.15;
/// Side streets and the terrain behind the buildings reach this far from the road's centre.
const FAR_SIDE: f64 = 150.0;
/// Stream keys, so the parts of the world never share random numbers.
pub(crate) mod key {
    pub const STYLE: u64 = 1;
    pub const CHUNK: u64 = 2;
    pub const INTERSECTION: u64 = 3;
    pub const LANE: u64 = 4;
    pub const SLOT: u64 = 5;
    pub const WALKERS: u64 = 6;
    pub const PARKED: u64 = 7;
    pub const CONE: u64 = 8;
    pub const CYCLIST: u64 = 9;
}

/// The cross-section of the road and the look of the town, drawn once per seed.
#[derive(Debug, Clone)]
pub struct Town {
    pub seed: u64,
    /// Driving lanes per direction (traffic keeps right: +x lanes at negative y).
    pub lanes_per_direction: usize,
    pub lane_width: f64,
    /// Width of the parking strip along each kerb (0: none).
    pub parking_width: f64,
    pub sidewalk_width: f64,
    /// Asphalt colour.
    pub asphalt: Albedo,
    pub sidewalk: Albedo,
    pub grass: Albedo,
    /// Whether the centre line is a double yellow line (else dashed white).
    pub yellow_centre: bool,
    /// Side-street width.
    pub side_street_width: f64,
}

impl Town {
    /// The town of `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        let mut random = Random::new(seed, &[key::STYLE]);
        let lanes_per_direction = if random.chance(0.55) { 2 } else { 1 };
        let grey = random.range(85.0, 120.0) as u8;
        Self {
            seed,
            lanes_per_direction,
            lane_width: random.range(3.2, 3.6),
            parking_width: if random.chance(0.7) { 2.4 } else { 0.0 },
            sidewalk_width: random.range(3.6, 5.5),
            asphalt: rgb(grey, grey, grey.saturating_add(4)),
            sidewalk: rgb(
                random.range(150.0, 190.0) as u8,
                random.range(145.0, 180.0) as u8,
                165,
            ),
            grass: rgb(70, random.range(110.0, 140.0) as u8, 55),
            yellow_centre: random.chance(0.5),
            side_street_width: random.range(7.0, 10.0),
        }
    }

    /// Distance from the road's centre line to each kerb.
    #[must_use]
    pub fn road_half_width(&self) -> f64 {
        self.lanes_per_direction as f64 * self.lane_width + self.parking_width
    }

    /// Centre (y) of driving lane `index` (0 = next to the centre line) for `direction` +1 (+x,
    /// right-hand side, negative y) or −1.
    #[must_use]
    pub fn lane_centre(&self, index: usize, direction: f64) -> f64 {
        -direction * (index as f64 + 0.5) * self.lane_width
    }

    /// Whether chunk `chunk` holds a side street (never two in a row).
    #[must_use]
    pub fn has_side_street(&self, chunk: i64) -> bool {
        let raw =
            |index: i64| hash(self.seed, &[key::INTERSECTION, index as u64]).is_multiple_of(4);
        raw(chunk) && !raw(chunk - 1)
    }

    /// The x span [start, end] of the side street of a chunk (including its sidewalks).
    #[must_use]
    pub fn side_street_span(&self, chunk: i64) -> Option<(f64, f64)> {
        self.has_side_street(chunk).then(|| {
            let centre = (chunk as f64 + 0.5) * CHUNK_LENGTH;
            let half = self.side_street_width / 2.0 + self.sidewalk_width;
            (centre - half, centre + half)
        })
    }

    /// Whether x lies in a side street's span (with `margin` metres around it).
    #[must_use]
    pub fn near_side_street(&self, x: f64, margin: f64) -> bool {
        let chunk = (x / CHUNK_LENGTH).floor() as i64;
        (chunk - 1..=chunk + 1).any(|index| {
            self.side_street_span(index)
                .is_some_and(|(start, end)| x >= start - margin && x <= end + margin)
        })
    }

    /// Height of the walking surface at (x, y): sidewalk top, or road level in a side street.
    #[must_use]
    pub fn ground_height(&self, x: f64, y: f64) -> f64 {
        if y.abs() < self.road_half_width() {
            return 0.0;
        }
        let chunk = (x / CHUNK_LENGTH).floor() as i64;
        let in_street = self.side_street_span(chunk).is_some_and(|(start, end)| {
            let half = self.side_street_width / 2.0;
            let centre = (start + end) / 2.0;
            x > centre - half && x < centre + half
        });
        if in_street {
            0.0
        } else {
            KERB_HEIGHT
        }
    }

    /// Appends the static stuff (no identity) of one chunk: road, markings, sidewalks,
    /// terrain, buildings, trees and lamps.
    pub fn build_chunk(&self, chunk: i64, mesh: &mut MeshBuilder) {
        let mut random = Random::new(self.seed, &[key::CHUNK, chunk as u64]);
        let x0 = chunk as f64 * CHUNK_LENGTH;
        let x1 = x0 + CHUNK_LENGTH;
        let road = self.road_half_width();
        let street = self.side_street_span(chunk);
        // Asphalt in 10 m patches of slightly different tone.
        for patch in 0..4 {
            let tone = random.range(0.94, 1.06) as f32;
            let albedo = self.asphalt.map(|channel| (channel * tone).min(1.0));
            let start = x0 + f64::from(patch) * 10.0;
            mesh.ground(
                start,
                -road,
                start + 10.0,
                road,
                0.0,
                Material::stuff(albedo, SemanticClass::Road),
            );
        }
        self.build_markings(chunk, mesh);
        for side in [1.0, -1.0] {
            // Pieces of the chunk's length not taken by a side street.
            let pieces: Vec<(f64, f64)> = match street {
                Some((start, end)) => vec![(x0, start), (end, x1)],
                _ => vec![(x0, x1)],
            };
            for &(start, end) in &pieces {
                self.build_sidewalk(start, end, side, mesh);
                self.build_buildings(&mut random, start, end, side, mesh);
                self.build_trees_and_lamps(&mut random, start, end, side, mesh);
            }
            if let Some((start, end)) = street {
                self.build_side_street(start, end, side, mesh);
            }
        }
    }

    fn build_sidewalk(&self, start: f64, end: f64, side: f64, mesh: &mut MeshBuilder) {
        let road = self.road_half_width();
        let outer = road + self.sidewalk_width;
        let sidewalk = Material::stuff(self.sidewalk, SemanticClass::Sidewalk);
        let (near, far) = (side * road, side * outer);
        mesh.ground(
            start,
            near.min(far),
            end,
            near.max(far),
            KERB_HEIGHT,
            sidewalk,
        );
        kerb_face(mesh, start, end, near, side);
        let stone = near + side * 0.2;
        mesh.ground(
            start,
            near.min(stone),
            end,
            near.max(stone),
            KERB_HEIGHT + 0.003,
            sidewalk.with_albedo(rgb(205, 203, 195)),
        );
        let grass = Material::stuff(self.grass, SemanticClass::Terrain);
        let back = side * FAR_SIDE;
        mesh.ground(start, far.min(back), end, far.max(back), KERB_HEIGHT, grass);
    }

    fn build_side_street(&self, start: f64, end: f64, side: f64, mesh: &mut MeshBuilder) {
        let road = self.road_half_width();
        let centre = (start + end) / 2.0;
        let half = self.side_street_width / 2.0;
        let (near, back) = (side * road, side * FAR_SIDE);
        let asphalt = Material::stuff(self.asphalt, SemanticClass::Road);
        mesh.ground(
            centre - half,
            near.min(back),
            centre + half,
            near.max(back),
            0.0,
            asphalt,
        );
        let sidewalk = Material::stuff(self.sidewalk, SemanticClass::Sidewalk);
        mesh.ground(
            start,
            near.min(back),
            centre - half,
            near.max(back),
            KERB_HEIGHT,
            sidewalk,
        );
        mesh.ground(
            centre + half,
            near.min(back),
            end,
            near.max(back),
            KERB_HEIGHT,
            sidewalk,
        );
        kerb_face(mesh, start, centre - half, near, side);
        kerb_face(mesh, centre + half, end, near, side);
        for (x, normal) in [(centre - half, 1.0), (centre + half, -1.0)] {
            mesh.quad(
                [
                    Point3::new(x, near, 0.0),
                    Point3::new(x, back, 0.0),
                    Point3::new(x, back, KERB_HEIGHT),
                    Point3::new(x, near, KERB_HEIGHT),
                ],
                Vector3::new(normal, 0.0, 0.0),
                sidewalk,
            );
        }
        // Zebra crossing over the main road, beside the side street.
        let paint = Material::stuff(rgb(235, 235, 228), SemanticClass::LaneMarking);
        if side > 0.0 {
            let crossing = start - 2.0;
            let mut y = -road + 0.4;
            while y + 0.5 < road {
                mesh.ground(crossing - 1.5, y, crossing + 1.5, y + 0.5, 0.01, paint);
                y += 1.0;
            }
        }
    }

    fn build_markings(&self, chunk: i64, mesh: &mut MeshBuilder) {
        let x0 = chunk as f64 * CHUNK_LENGTH;
        let white = Material::stuff(rgb(232, 232, 225), SemanticClass::LaneMarking);
        let yellow = white.with_albedo(rgb(225, 180, 40));
        let lift = 0.01;
        let line = |mesh: &mut MeshBuilder,
                    start: f64,
                    end: f64,
                    y: f64,
                    width: f64,
                    material: Material| {
            mesh.ground(start, y - width / 2.0, end, y + width / 2.0, lift, material);
        };
        // Solid lines are cut where side streets cross; dashes are skipped there.
        let spans = self.clear_spans(x0, x0 + CHUNK_LENGTH, chunk);
        let lanes = self.lanes_per_direction as f64;
        for &(start, end) in &spans {
            if self.yellow_centre {
                line(mesh, start, end, 0.12, 0.12, yellow);
                line(mesh, start, end, -0.12, 0.12, yellow);
            }
            if self.parking_width > 0.0 {
                for side in [1.0, -1.0] {
                    line(
                        mesh,
                        start,
                        end,
                        side * lanes * self.lane_width,
                        0.15,
                        white,
                    );
                }
            }
        }
        let mut dashes: Vec<f64> = Vec::new();
        if !self.yellow_centre {
            dashes.push(0.0);
        }
        for index in 1..self.lanes_per_direction {
            dashes.push(index as f64 * self.lane_width);
            dashes.push(-(index as f64) * self.lane_width);
        }
        for y in dashes {
            for dash in 0..5 {
                let start = x0 + f64::from(dash) * 8.0 + 1.0;
                if spans
                    .iter()
                    .any(|&(low, high)| start >= low && start + 3.0 <= high)
                {
                    line(mesh, start, start + 3.0, y, 0.14, white);
                }
            }
        }
    }

    /// The parts of [start, end] not crossed by a side street (plus a crossing's margin).
    fn clear_spans(&self, start: f64, end: f64, chunk: i64) -> Vec<(f64, f64)> {
        match self.side_street_span(chunk) {
            Some((low, high)) => vec![(start, low - 3.6), (high, end)],
            None => vec![(start, end)],
        }
    }
}

/// The kerb's face towards the main road along `y = near`, from x = start to end.
fn kerb_face(mesh: &mut MeshBuilder, start: f64, end: f64, near: f64, side: f64) {
    mesh.quad(
        [
            Point3::new(start, near, 0.0),
            Point3::new(end, near, 0.0),
            Point3::new(end, near, KERB_HEIGHT),
            Point3::new(start, near, KERB_HEIGHT),
        ],
        Vector3::new(0.0, -side, 0.0),
        Material::stuff(rgb(200, 198, 190), SemanticClass::Sidewalk),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn side_streets_never_touch_and_chunks_are_reproducible() {
        let town = Town::new(11);
        let streets: Vec<i64> = (0..400)
            .filter(|chunk| town.has_side_street(*chunk))
            .collect();
        assert!(
            streets.len() > 20,
            "a town needs side streets: {}",
            streets.len()
        );
        assert!(streets.windows(2).all(|pair| pair[1] - pair[0] > 1));
        let mut first = MeshBuilder::default();
        let mut second = MeshBuilder::default();
        town.build_chunk(5, &mut first);
        town.build_chunk(5, &mut second);
        assert_eq!(first.triangles.len(), second.triangles.len());
        assert!(first
            .triangles
            .iter()
            .zip(&second.triangles)
            .all(|(a, b)| a.vertices == b.vertices));
    }

    #[test]
    fn lanes_lie_inside_the_road_and_keep_right() {
        let town = Town::new(3);
        let road = town.road_half_width();
        for index in 0..town.lanes_per_direction {
            let forward = town.lane_centre(index, 1.0);
            assert!(forward < 0.0 && forward > -road);
            assert!((town.lane_centre(index, -1.0) + forward).abs() < 1e-12);
        }
    }
}
