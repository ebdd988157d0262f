//! What stands beside the road: buildings with windows, trees and street lamps.

use crate::classes::SemanticClass;
use crate::geometry::{rgb, Material, MeshBuilder};
use crate::random::Random;
use crate::town::{Town, KERB_HEIGHT};
use nalgebra::{Point3, Vector3};

const FACADES: [[u8; 3]; 9] = [
    [205, 190, 160],
    [170, 170, 168],
    [150, 80, 60],
    [225, 222, 210],
    [120, 130, 145],
    [190, 160, 120],
    [95, 95, 100],
    [215, 200, 185],
    [160, 175, 170],
];

impl Town {
    pub(crate) fn build_buildings(
        &self,
        random: &mut Random,
        start: f64,
        end: f64,
        side: f64,
        mesh: &mut MeshBuilder,
    ) {
        let front = self.road_half_width() + self.sidewalk_width;
        let mut cursor = start + random.range(0.0, 2.0);
        while end - cursor > 6.0 {
            let width = random.range(8.0, 22.0).min(end - cursor - 0.5);
            let depth = random.range(10.0, 20.0);
            let setback = if random.chance(0.6) {
                0.0
            } else {
                random.range(0.5, 4.0)
            };
            let height = if random.chance(0.15) {
                random.range(25.0, 45.0)
            } else {
                random.range(5.5, 22.0)
            };
            let facade = FACADES[random.index(FACADES.len())];
            let tone = random.range(0.85, 1.1) as f32;
            let albedo =
                rgb(facade[0], facade[1], facade[2]).map(|channel| (channel * tone).min(1.0));
            let near = side * (front + setback);
            let centre_y = near + side * depth / 2.0;
            let material = Material::stuff(albedo, SemanticClass::Building);
            mesh.upright_box(
                cursor + width / 2.0,
                centre_y,
                KERB_HEIGHT,
                width,
                depth,
                height,
                0.0,
                material,
            );
            self.build_windows(random, cursor, width, near, side, height, mesh);
            cursor += width
                + if random.chance(0.5) {
                    0.0
                } else {
                    random.range(1.0, 5.0)
                };
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build_windows(
        &self,
        random: &mut Random,
        start: f64,
        width: f64,
        face: f64,
        side: f64,
        height: f64,
        mesh: &mut MeshBuilder,
    ) {
        let glass = Material::stuff(
            rgb(
                random.range(40.0, 70.0) as u8,
                60,
                random.range(70.0, 95.0) as u8,
            ),
            SemanticClass::Building,
        );
        let lit = glass.with_albedo(rgb(200, 190, 140));
        let column_step = random.range(2.4, 3.4);
        let columns = ((width - 1.0) / column_step).floor() as i64;
        let margin = (width - columns as f64 * column_step) / 2.0;
        let floors = ((height - 1.5) / 3.2).floor() as i64;
        let y = face - side * 0.02;
        let normal = Vector3::new(0.0, -side, 0.0);
        for floor in 0..floors {
            let z0 = KERB_HEIGHT + 1.0 + floor as f64 * 3.2;
            let window_height = if floor == 0 { 2.2 } else { 1.6 };
            for column in 0..columns {
                let x = start + margin + column as f64 * column_step + column_step * 0.2;
                let x_end = x + column_step * 0.6;
                let material = if random.chance(0.08) { lit } else { glass };
                mesh.quad(
                    [
                        Point3::new(x, y, z0),
                        Point3::new(x_end, y, z0),
                        Point3::new(x_end, y, z0 + window_height),
                        Point3::new(x, y, z0 + window_height),
                    ],
                    normal,
                    material,
                );
            }
        }
    }

    pub(crate) fn build_trees_and_lamps(
        &self,
        random: &mut Random,
        start: f64,
        end: f64,
        side: f64,
        mesh: &mut MeshBuilder,
    ) {
        let kerb = self.road_half_width();
        let mut x = start + random.range(2.0, 6.0);
        while x < end - 1.0 {
            let y = side * (kerb + 0.55);
            if random.chance(0.55) {
                let trunk = Material::stuff(rgb(90, 65, 45), SemanticClass::Vegetation);
                let leaves = trunk.with_albedo(rgb(
                    random.range(40.0, 80.0) as u8,
                    random.range(95.0, 135.0) as u8,
                    45,
                ));
                let crown = random.range(2.6, 4.0);
                mesh.upright_box(
                    x,
                    y,
                    KERB_HEIGHT,
                    0.25,
                    0.25,
                    crown,
                    random.range(0.0, 1.5),
                    trunk,
                );
                let radius = random.range(1.2, 1.9);
                mesh.frustum(
                    x,
                    y,
                    KERB_HEIGHT + crown - 0.4,
                    radius * 0.7,
                    radius,
                    1.2,
                    7,
                    leaves,
                );
                mesh.frustum(
                    x,
                    y,
                    KERB_HEIGHT + crown + 0.8,
                    radius,
                    radius * 0.4,
                    2.0,
                    7,
                    leaves,
                );
            } else if random.chance(0.35) {
                let pole = Material::stuff(rgb(120, 122, 125), SemanticClass::Pole);
                let y = side * (kerb + 0.3);
                mesh.upright_box(x, y, KERB_HEIGHT, 0.16, 0.16, 7.0, 0.0, pole);
                mesh.cuboid(
                    Point3::new(x, y - side * 0.8, KERB_HEIGHT + 6.9),
                    [Vector3::x() * 0.08, Vector3::y() * 0.8, Vector3::z() * 0.06],
                    pole,
                );
            }
            x += random.range(7.0, 12.0);
        }
    }
}
