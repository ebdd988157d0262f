//! Triangles and the few solids the town is built from (cuboids, quads, prisms, pyramids).

use crate::classes::SemanticClass;
use nalgebra::{Point3, Vector3};

/// A linear RGB colour, each channel in 0..=1.
pub type Albedo = [f32; 3];

/// Builds an albedo from 8-bit sRGB-ish values (we shade in this space; close enough here).
#[must_use]
pub fn rgb(red: u8, green: u8, blue: u8) -> Albedo {
    [
        f32::from(red) / 255.0,
        f32::from(green) / 255.0,
        f32::from(blue) / 255.0,
    ]
}

/// One flat-shaded world triangle.
#[derive(Debug, Clone, Copy)]
pub struct Triangle {
    /// Corners in the world frame (metres, z up).
    pub vertices: [Point3<f64>; 3],
    /// Outward unit normal: used for back-face culling and Lambert shading.
    pub normal: Vector3<f64>,
    /// Surface colour before shading.
    pub albedo: Albedo,
    /// Semantic class of its pixels.
    pub class: SemanticClass,
    /// 1-based index of the scene object it belongs to; 0 for stuff (road, buildings, ...).
    pub object: u16,
    /// Drawn from both sides (thin parts such as markings seen from below never matter).
    pub two_sided: bool,
}

/// What the next triangles are: colour, class, owner.
#[derive(Debug, Clone, Copy)]
pub struct Material {
    pub albedo: Albedo,
    pub class: SemanticClass,
    pub object: u16,
}

impl Material {
    /// A material for stuff (no object).
    #[must_use]
    pub fn stuff(albedo: Albedo, class: SemanticClass) -> Self {
        Self {
            albedo,
            class,
            object: 0,
        }
    }

    /// The same material with another colour.
    #[must_use]
    pub fn with_albedo(self, albedo: Albedo) -> Self {
        Self { albedo, ..self }
    }
}

/// Appends solids to a triangle list.
#[derive(Debug, Default, Clone)]
pub struct MeshBuilder {
    pub triangles: Vec<Triangle>,
}

impl MeshBuilder {
    /// A quad (corners in order around it) facing `normal`.
    pub fn quad(&mut self, corners: [Point3<f64>; 4], normal: Vector3<f64>, material: Material) {
        let normal = normal.normalize();
        for vertices in [
            [corners[0], corners[1], corners[2]],
            [corners[0], corners[2], corners[3]],
        ] {
            self.triangles.push(Triangle {
                vertices,
                normal,
                albedo: material.albedo,
                class: material.class,
                object: material.object,
                two_sided: false,
            });
        }
    }

    /// A horizontal rectangle at height `z` from (x0, y0) to (x1, y1), facing up.
    pub fn ground(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, z: f64, material: Material) {
        self.quad(
            [
                Point3::new(x0, y0, z),
                Point3::new(x1, y0, z),
                Point3::new(x1, y1, z),
                Point3::new(x0, y1, z),
            ],
            Vector3::z(),
            material,
        );
    }

    /// A cuboid centred at `centre` whose half extents are the three (orthogonal) `axes`.
    pub fn cuboid(&mut self, centre: Point3<f64>, axes: [Vector3<f64>; 3], material: Material) {
        for index in 0..3 {
            let normal_axis = axes[index];
            let first = axes[(index + 1) % 3];
            let second = axes[(index + 2) % 3];
            for sign in [1.0, -1.0] {
                let face = centre + normal_axis * sign;
                self.quad(
                    [
                        face - first - second,
                        face + first - second,
                        face + first + second,
                        face - first + second,
                    ],
                    normal_axis * sign,
                    material,
                );
            }
        }
    }

    /// An upright box: footprint centre (x, y), bottom at `z0`, size length × width × height
    /// along its heading `yaw` (radians about z).
    #[allow(clippy::too_many_arguments)]
    pub fn upright_box(
        &mut self,
        x: f64,
        y: f64,
        z0: f64,
        length: f64,
        width: f64,
        height: f64,
        yaw: f64,
        material: Material,
    ) {
        let forward = Vector3::new(yaw.cos(), yaw.sin(), 0.0);
        let left = Vector3::new(-yaw.sin(), yaw.cos(), 0.0);
        self.cuboid(
            Point3::new(x, y, z0 + height / 2.0),
            [
                forward * (length / 2.0),
                left * (width / 2.0),
                Vector3::z() * (height / 2.0),
            ],
            material,
        );
    }

    /// A box around the segment `from`→`to`, `thickness` across and `depth` along `side`'s
    /// normal; `side` is a hint for the box's width direction (a limb's left-right axis).
    pub fn segment_box(
        &mut self,
        from: Point3<f64>,
        to: Point3<f64>,
        thickness: f64,
        depth: f64,
        side: Vector3<f64>,
        material: Material,
    ) {
        let along = to - from;
        let length = along.norm();
        if length < 1e-9 {
            return;
        }
        let axis = along / length;
        let mut across = side - axis * side.dot(&axis);
        if across.norm() < 1e-9 {
            across = axis.cross(&Vector3::z());
            if across.norm() < 1e-9 {
                across = Vector3::x();
            }
        }
        let across = across.normalize();
        let third = axis.cross(&across);
        self.cuboid(
            from + along / 2.0,
            [
                axis * (length / 2.0),
                across * (thickness / 2.0),
                third * (depth / 2.0),
            ],
            material,
        );
    }

    /// A pyramid frustum with `sides` faces standing at (x, y, z0): radius `bottom` at its
    /// base, `top` at `height`; capped at the top when `top` > 0.
    #[allow(clippy::too_many_arguments)]
    pub fn frustum(
        &mut self,
        x: f64,
        y: f64,
        z0: f64,
        bottom: f64,
        top: f64,
        height: f64,
        sides: usize,
        material: Material,
    ) {
        let corner = |radius: f64, z: f64, index: usize| {
            let angle = std::f64::consts::TAU * index as f64 / sides as f64;
            Point3::new(x + radius * angle.cos(), y + radius * angle.sin(), z)
        };
        let slope = (bottom - top) / height;
        for index in 0..sides {
            let middle = std::f64::consts::TAU * (index as f64 + 0.5) / sides as f64;
            let normal = Vector3::new(middle.cos(), middle.sin(), slope);
            let corners = [
                corner(bottom, z0, index),
                corner(bottom, z0, index + 1),
                corner(top, z0 + height, index + 1),
                corner(top, z0 + height, index),
            ];
            if top > 0.0 {
                self.quad(corners, normal, material);
            } else {
                self.triangles.push(Triangle {
                    vertices: [corners[0], corners[1], corners[2]],
                    normal: normal.normalize(),
                    albedo: material.albedo,
                    class: material.class,
                    object: material.object,
                    two_sided: false,
                });
            }
        }
        if top > 0.0 {
            for index in 1..sides.saturating_sub(1) {
                self.triangles.push(Triangle {
                    vertices: [
                        corner(top, z0 + height, 0),
                        corner(top, z0 + height, index),
                        corner(top, z0 + height, index + 1),
                    ],
                    normal: Vector3::z(),
                    albedo: material.albedo,
                    class: material.class,
                    object: material.object,
                    two_sided: false,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuboid_normals_point_outward() {
        let mut mesh = MeshBuilder::default();
        let centre = Point3::new(1.0, 2.0, 3.0);
        mesh.upright_box(
            1.0,
            2.0,
            2.0,
            4.0,
            2.0,
            2.0,
            0.3,
            Material::stuff([1.0; 3], SemanticClass::Building),
        );
        assert_eq!(mesh.triangles.len(), 12);
        for triangle in &mesh.triangles {
            let middle = (triangle.vertices[0].coords
                + triangle.vertices[1].coords
                + triangle.vertices[2].coords)
                / 3.0;
            assert!((middle - centre.coords).dot(&triangle.normal) > 0.0);
            // The normal is perpendicular to the triangle's plane.
            let edge = triangle.vertices[1] - triangle.vertices[0];
            assert!(edge.dot(&triangle.normal).abs() < 1e-9);
        }
    }
}
