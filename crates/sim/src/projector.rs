//! How one camera of any model is rendered: through one or more pinhole "faces" whose pixels
//! are remapped onto the camera's image. An undistorted pinhole camera is its own single face;
//! any other model (Kannala–Brandt fisheye, distorted pinhole) looks through the faces of a cube
//! around its centre and each of its pixels takes the nearest face pixel along its own ray.

use crate::raster::PinholeView;
use nalgebra::{Matrix3, Point2, Rotation3, Vector3};
use panoptes_rig::{Camera, CameraModel};

/// A pixel outside the lens's image circle (nothing is seen there).
pub const NO_FACE: u8 = u8::MAX;

/// One pinhole face of a camera.
#[derive(Debug, Clone)]
pub struct Face {
    pub view: PinholeView,
    /// Rotation from the face's frame to the camera's sensor frame.
    pub face_to_camera: Rotation3<f64>,
    /// How many camera pixels take each face pixel (for counting an object's full area).
    pub multiplicity: Vec<u16>,
}

/// Where one camera pixel takes its value from.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Face index, or [`NO_FACE`].
    pub face: u8,
    /// Pixel index within the face.
    pub index: u32,
    /// The camera pixel's unit ray in the sensor frame.
    pub ray: [f32; 3],
    /// Ratio of distance along the ray to the face's z at that face pixel.
    pub distance_per_face_depth: f32,
}

/// A camera prepared for rendering: its faces and its per-pixel remap table.
#[derive(Debug, Clone)]
pub struct CameraProjector {
    pub camera: Camera,
    pub faces: Vec<Face>,
    pub samples: Vec<Sample>,
}

/// Half the field of view that fisheye cameras see, radians (a 190° lens).
pub const FISHEYE_HALF_ANGLE: f64 = 95.0 * std::f64::consts::PI / 180.0;

impl CameraProjector {
    /// Prepares `camera`.
    #[must_use]
    pub fn new(camera: &Camera) -> Self {
        match camera.model {
            CameraModel::Pinhole {
                fx,
                fy,
                cx,
                cy,
                distortion,
            } if distortion.iter().all(|value| *value == 0.0) => {
                Self::direct(camera, fx, fy, cx, cy)
            }
            _ => Self::through_cube(camera),
        }
    }

    fn direct(camera: &Camera, fx: f64, fy: f64, cx: f64, cy: f64) -> Self {
        let (width, height) = (camera.width as usize, camera.height as usize);
        let view = PinholeView {
            fx,
            fy,
            cx,
            cy,
            width,
            height,
            scissor: [0, 0, width - 1, height - 1],
        };
        let mut samples = Vec::with_capacity(width * height);
        for y in 0..height {
            for x in 0..width {
                let ray = Vector3::new((x as f64 - cx) / fx, (y as f64 - cy) / fy, 1.0);
                let norm = ray.norm();
                samples.push(Sample {
                    face: 0,
                    index: (y * width + x) as u32,
                    ray: [
                        (ray.x / norm) as f32,
                        (ray.y / norm) as f32,
                        (ray.z / norm) as f32,
                    ],
                    distance_per_face_depth: norm as f32,
                });
            }
        }
        let face = Face {
            view,
            face_to_camera: Rotation3::identity(),
            multiplicity: vec![1; width * height],
        };
        Self {
            camera: camera.clone(),
            faces: vec![face],
            samples,
        }
    }

    fn through_cube(camera: &Camera) -> Self {
        let (fx, fy, _, _) = camera.model.focal_and_centre();
        // Match the lens's angular resolution at its centre.
        let size = ((2.0 * fx.max(fy)).ceil() as usize).clamp(16, 4096);
        let focal = size as f64 / 2.0;
        let centre = (size as f64 - 1.0) / 2.0;
        let axes: [[Vector3<f64>; 3]; 6] = [
            [Vector3::x(), Vector3::y(), Vector3::z()],
            [-Vector3::z(), Vector3::y(), Vector3::x()],
            [Vector3::z(), Vector3::y(), -Vector3::x()],
            [Vector3::x(), -Vector3::z(), Vector3::y()],
            [Vector3::x(), Vector3::z(), -Vector3::y()],
            [-Vector3::x(), Vector3::y(), -Vector3::z()],
        ];
        let rotations: Vec<Rotation3<f64>> = axes
            .iter()
            .map(|[x, y, z]| Rotation3::from_matrix_unchecked(Matrix3::from_columns(&[*x, *y, *z])))
            .collect();
        let (width, height) = (camera.width as usize, camera.height as usize);
        let mut samples = Vec::with_capacity(width * height);
        let mut used = vec![[usize::MAX, usize::MAX, 0, 0]; rotations.len()];
        let mut multiplicity = vec![vec![0u16; size * size]; rotations.len()];
        let pinhole = matches!(camera.model, CameraModel::Pinhole { .. });
        for y in 0..height {
            for x in 0..width {
                let pixel = Point2::new(x as f64, y as f64);
                let ray = camera.unproject(&pixel).into_inner();
                let angle = ray.z.clamp(-1.0, 1.0).acos();
                let valid = (pinhole || angle <= FISHEYE_HALF_ANGLE)
                    && camera
                        .project(&ray.into())
                        .is_some_and(|back| (back - pixel).norm() < 0.5);
                if !valid {
                    samples.push(Sample {
                        face: NO_FACE,
                        index: 0,
                        ray: [0.0; 3],
                        distance_per_face_depth: 0.0,
                    });
                    continue;
                }
                let face = (0..rotations.len())
                    .max_by(|a, b| {
                        let along_a = ray.dot(&rotations[*a].matrix().column(2));
                        let along_b = ray.dot(&rotations[*b].matrix().column(2));
                        along_a.total_cmp(&along_b)
                    })
                    .unwrap_or(0);
                let local = rotations[face].inverse() * ray;
                let u = (focal * local.x / local.z + centre)
                    .round()
                    .clamp(0.0, size as f64 - 1.0) as usize;
                let v = (focal * local.y / local.z + centre)
                    .round()
                    .clamp(0.0, size as f64 - 1.0) as usize;
                let bounds = &mut used[face];
                *bounds = [
                    bounds[0].min(u),
                    bounds[1].min(v),
                    bounds[2].max(u),
                    bounds[3].max(v),
                ];
                multiplicity[face][v * size + u] =
                    multiplicity[face][v * size + u].saturating_add(1);
                samples.push(Sample {
                    face: face as u8,
                    index: (v * size + u) as u32,
                    ray: [ray.x as f32, ray.y as f32, ray.z as f32],
                    distance_per_face_depth: (1.0 / local.z) as f32,
                });
            }
        }
        // Keep only the faces some pixel looks through, drawing only the part it uses.
        let mut faces = Vec::new();
        let mut renumber = vec![NO_FACE; rotations.len()];
        for (index, bounds) in used.iter().enumerate() {
            if bounds[0] == usize::MAX {
                continue;
            }
            renumber[index] = faces.len() as u8;
            faces.push(Face {
                view: PinholeView {
                    fx: focal,
                    fy: focal,
                    cx: centre,
                    cy: centre,
                    width: size,
                    height: size,
                    scissor: *bounds,
                },
                face_to_camera: rotations[index],
                multiplicity: std::mem::take(&mut multiplicity[index]),
            });
        }
        for sample in samples.iter_mut().filter(|sample| sample.face != NO_FACE) {
            sample.face = renumber[usize::from(sample.face)];
        }
        Self {
            camera: camera.clone(),
            faces,
            samples,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use nalgebra::Isometry3;

    #[test]
    fn fisheye_pixels_find_their_ray_through_the_faces() {
        let model = CameraModel::KannalaBrandt {
            fx: 55.0,
            fy: 55.0,
            cx: 79.5,
            cy: 59.5,
            k: [0.0; 4],
        };
        let camera = Camera::new("F", model, 160, 120, Isometry3::identity());
        let projector = CameraProjector::new(&camera);
        assert!(projector.faces.len() >= 3 && projector.faces.len() <= 5);
        let mut checked = 0;
        for (index, sample) in projector.samples.iter().enumerate() {
            if sample.face == NO_FACE {
                continue;
            }
            // The face pixel's centre ray is within one face pixel of the camera pixel's ray.
            let face = &projector.faces[usize::from(sample.face)];
            let (u, v) = (
                (sample.index as usize % face.view.width) as f64,
                (sample.index as usize / face.view.width) as f64,
            );
            let local = Vector3::new(
                (u - face.view.cx) / face.view.fx,
                (v - face.view.cy) / face.view.fy,
                1.0,
            )
            .normalize();
            let ray = face.face_to_camera * local;
            let wanted = Vector3::new(
                sample.ray[0] as f64,
                sample.ray[1] as f64,
                sample.ray[2] as f64,
            );
            assert!(ray.angle(&wanted) < 1.5 / face.view.fx, "pixel {index}");
            checked += 1;
        }
        // Pixels in the corners of a 160-wide, 190° image lie beyond 95° and see nothing.
        assert_eq!(projector.samples[0].face, NO_FACE);
        assert!(checked > 160 * 120 / 2);
    }
}
