//! Vehicles: cars, vans, trucks and buses built from a few boxes (body, glass, wheels, lights).

use crate::classes::{DetectionClass, SemanticClass};
use crate::geometry::{rgb, Albedo, Material, MeshBuilder};
use crate::random::Random;
use nalgebra::{Point3, Vector3};

/// The body styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VehicleKind {
    Car,
    Van,
    Truck,
    Bus,
}

impl VehicleKind {
    /// The detection class its box carries.
    #[must_use]
    pub fn detection_class(self) -> DetectionClass {
        match self {
            VehicleKind::Car => DetectionClass::Car,
            VehicleKind::Van | VehicleKind::Truck => DetectionClass::Truck,
            VehicleKind::Bus => DetectionClass::Bus,
        }
    }
}

/// One vehicle's shape and colours.
#[derive(Debug, Clone, Copy)]
pub struct VehicleModel {
    pub kind: VehicleKind,
    pub length: f64,
    pub width: f64,
    pub height: f64,
    pub paint: Albedo,
    /// Cargo box colour (trucks).
    pub cargo: Albedo,
}

const PAINTS: [[u8; 3]; 10] = [
    [200, 200, 205],
    [30, 30, 34],
    [235, 235, 235],
    [150, 20, 25],
    [25, 55, 120],
    [110, 115, 120],
    [70, 90, 60],
    [190, 150, 40],
    [90, 40, 25],
    [60, 110, 160],
];

impl VehicleModel {
    /// Draws a vehicle: mostly cars, some vans and trucks, few buses (unless `kind` is forced).
    pub fn random(random: &mut Random, kind: Option<VehicleKind>) -> Self {
        let kind = kind.unwrap_or_else(|| {
            let draw = random.unit();
            if draw < 0.72 {
                VehicleKind::Car
            } else if draw < 0.85 {
                VehicleKind::Van
            } else if draw < 0.94 {
                VehicleKind::Truck
            } else {
                VehicleKind::Bus
            }
        });
        let paint = PAINTS[random.index(PAINTS.len())];
        let paint = rgb(paint[0], paint[1], paint[2]);
        let cargo = if random.chance(0.6) {
            rgb(225, 225, 220)
        } else {
            paint
        };
        let (length, width, height) = match kind {
            VehicleKind::Car => (
                random.range(3.9, 4.9),
                random.range(1.72, 1.9),
                random.range(1.42, 1.62),
            ),
            VehicleKind::Van => (
                random.range(4.8, 5.6),
                random.range(1.9, 2.05),
                random.range(1.95, 2.4),
            ),
            VehicleKind::Truck => (
                random.range(6.5, 8.5),
                random.range(2.3, 2.5),
                random.range(3.0, 3.5),
            ),
            VehicleKind::Bus => (
                random.range(10.5, 12.0),
                random.range(2.45, 2.55),
                random.range(3.0, 3.3),
            ),
        };
        let paint = if kind == VehicleKind::Bus {
            [
                rgb(200, 40, 40),
                rgb(40, 120, 60),
                rgb(230, 230, 230),
                rgb(240, 180, 30),
            ][random.index(4)]
        } else {
            paint
        };
        Self {
            kind,
            length,
            width,
            height,
            paint,
            cargo,
        }
    }
}

/// Appends a vehicle whose footprint centre is (x, y) on the road, heading `yaw`.
pub fn build_vehicle(
    mesh: &mut MeshBuilder,
    model: &VehicleModel,
    x: f64,
    y: f64,
    yaw: f64,
    object: u16,
) {
    let (length, width, height) = (model.length, model.width, model.height);
    let forward = Vector3::new(yaw.cos(), yaw.sin(), 0.0);
    let left = Vector3::new(-yaw.sin(), yaw.cos(), 0.0);
    let up = Vector3::z();
    let at = |along: f64, across: f64, z: f64| {
        Point3::new(x, y, 0.0) + forward * along + left * across + up * z
    };
    let material = |albedo: Albedo| Material {
        albedo,
        class: SemanticClass::Vehicle,
        object,
    };
    let paint = material(model.paint);
    let glass = material(rgb(35, 45, 55));
    let tyre = material(rgb(20, 20, 20));
    let part = |mesh: &mut MeshBuilder, centre: Point3<f64>, half: [f64; 3], material: Material| {
        mesh.cuboid(
            centre,
            [forward * half[0], left * half[1], up * half[2]],
            material,
        );
    };
    let clearance = 0.3;
    let wheel: f64 = if model.kind == VehicleKind::Car {
        0.32
    } else {
        0.48
    };
    match model.kind {
        VehicleKind::Car => {
            let body_top = clearance + (height - clearance) * 0.5;
            part(
                mesh,
                at(0.0, 0.0, (clearance + body_top) / 2.0),
                [length / 2.0, width / 2.0, (body_top - clearance) / 2.0],
                paint,
            );
            let cabin_length = length * 0.5;
            let cabin_centre = -length * 0.05;
            let roof = height - 0.06;
            part(
                mesh,
                at(cabin_centre, 0.0, (body_top + roof) / 2.0),
                [
                    cabin_length / 2.0,
                    width / 2.0 - 0.08,
                    (roof - body_top) / 2.0,
                ],
                glass,
            );
            part(
                mesh,
                at(cabin_centre, 0.0, roof + 0.03),
                [cabin_length / 2.0 - 0.05, width / 2.0 - 0.1, 0.03],
                paint,
            );
        }
        VehicleKind::Van | VehicleKind::Bus => {
            part(
                mesh,
                at(0.0, 0.0, (clearance + height) / 2.0),
                [length / 2.0, width / 2.0, (height - clearance) / 2.0],
                paint,
            );
            // Windows: a glass band slightly proud of the body on the sides and front.
            let (low, high) = (clearance + (height - clearance) * 0.5, height - 0.25);
            let (rear, front) = if model.kind == VehicleKind::Bus {
                (-length / 2.0 + 0.6, length / 2.0 + 0.02)
            } else {
                (length * 0.1, length / 2.0 + 0.02)
            };
            part(
                mesh,
                at((rear + front) / 2.0, 0.0, (low + high) / 2.0),
                [(front - rear) / 2.0, width / 2.0 + 0.02, (high - low) / 2.0],
                glass,
            );
        }
        VehicleKind::Truck => {
            let cab_length = 2.2;
            let cab_height = height * 0.8;
            let cab_centre = length / 2.0 - cab_length / 2.0;
            part(
                mesh,
                at(cab_centre, 0.0, (clearance + cab_height) / 2.0),
                [
                    cab_length / 2.0,
                    width / 2.0 - 0.05,
                    (cab_height - clearance) / 2.0,
                ],
                paint,
            );
            let (low, high) = (cab_height * 0.55, cab_height - 0.2);
            part(
                mesh,
                at(cab_centre + 0.2, 0.0, (low + high) / 2.0),
                [
                    cab_length / 2.0 - 0.15,
                    width / 2.0 - 0.03,
                    (high - low) / 2.0,
                ],
                glass,
            );
            let cargo_length = length - cab_length - 0.2;
            part(
                mesh,
                at(
                    -length / 2.0 + cargo_length / 2.0,
                    0.0,
                    (clearance + 0.3 + height) / 2.0,
                ),
                [
                    cargo_length / 2.0,
                    width / 2.0,
                    (height - clearance - 0.3) / 2.0,
                ],
                material(model.cargo),
            );
            part(
                mesh,
                at(0.0, 0.0, clearance + 0.15),
                [length / 2.0 - 0.1, width / 2.0 - 0.3, 0.15],
                tyre,
            );
        }
    }
    // Wheels, set in from the ends.
    let axle = length / 2.0 - (0.7 + wheel).min(length * 0.22);
    for along in [axle, -axle] {
        for across in [width / 2.0 - 0.12, -(width / 2.0 - 0.12)] {
            part(mesh, at(along, across, wheel), [wheel, 0.13, wheel], tyre);
        }
    }
    // Head and tail lights.
    let light_z = clearance + 0.35;
    for across in [width / 2.0 - 0.25, -(width / 2.0 - 0.25)] {
        part(
            mesh,
            at(length / 2.0 + 0.01, across, light_z),
            [0.02, 0.15, 0.07],
            material(rgb(250, 245, 220)),
        );
        part(
            mesh,
            at(-length / 2.0 - 0.01, across, light_z),
            [0.02, 0.15, 0.07],
            material(rgb(190, 20, 20)),
        );
    }
    // A dark contact shadow on the road under the body (road class: it is the road).
    let shadow = Material::stuff(rgb(38, 38, 40), SemanticClass::Road);
    let corners = [
        at(length / 2.0 + 0.1, width / 2.0 + 0.1, 0.004),
        at(-length / 2.0 - 0.1, width / 2.0 + 0.1, 0.004),
        at(-length / 2.0 - 0.1, -width / 2.0 - 0.1, 0.004),
        at(length / 2.0 + 0.1, -width / 2.0 - 0.1, 0.004),
    ];
    mesh.quad(
        [corners[0], corners[3], corners[2], corners[1]],
        Vector3::z(),
        shadow,
    );
}
