//! Renders one camera: every face through the z-buffer, then the remap onto the camera's
//! pixels with shading, sky and haze, plus each object's full (unoccluded) area.

use crate::classes::SemanticClass;
use crate::projector::{CameraProjector, NO_FACE};
use crate::scene::{Lighting, Scene};
use nalgebra::{Isometry3, Vector3};

/// Marks "no triangle" in a face's triangle buffer.
const NO_TRIANGLE: u32 = u32::MAX;

/// One camera's rendered image and exact per-pixel truth, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct CameraRender {
    pub width: usize,
    pub height: usize,
    /// RGB, 3 bytes per pixel.
    pub rgb: Vec<u8>,
    /// Semantic class ids ([`SemanticClass`]).
    pub class: Vec<u8>,
    /// 1-based scene object index, 0 where no object is seen.
    pub instance: Vec<u16>,
    /// Camera-frame depth: z along the optical axis, metres; 0 where nothing is seen (sky,
    /// void) or where the surface lies behind the camera's centre plane (fisheye beyond 90°).
    pub depth: Vec<f32>,
    /// Distance from the camera centre along the pixel's ray, metres; infinite for sky/void.
    pub distance: Vec<f32>,
    /// For each scene object, how many pixels it would cover with nothing in front of it.
    pub full_area: Vec<u32>,
}

impl CameraRender {
    /// The class at pixel (x, y).
    #[must_use]
    pub fn class_at(&self, x: usize, y: usize) -> Option<SemanticClass> {
        SemanticClass::from_id(self.class[y * self.width + x])
    }
}

/// Renders `scene` seen by `projector`'s camera placed at `camera_to_world`.
#[must_use]
pub fn render(
    projector: &CameraProjector,
    camera_to_world: &Isometry3<f64>,
    scene: &Scene,
    lighting: &Lighting,
) -> CameraRender {
    let triangles = &scene.triangles;
    let mut face_depth = Vec::with_capacity(projector.faces.len());
    let mut face_triangle = Vec::with_capacity(projector.faces.len());
    let mut full_area = vec![0u32; scene.objects.len()];
    for face in &projector.faces {
        let face_to_world =
            camera_to_world * Isometry3::from_parts(Default::default(), face.face_to_camera.into());
        let world_to_face = face_to_world.inverse();
        let eye = face_to_world.translation.vector;
        let pixels = face.view.width * face.view.height;
        let mut depth = vec![f32::INFINITY; pixels];
        let mut owner = vec![NO_TRIANGLE; pixels];
        // Objects wholly outside the face's frustum are skipped in both passes.
        let in_view: Vec<bool> = std::iter::once(true)
            .chain(scene.objects.iter().map(|object| {
                let radius = 0.5 * Vector3::from(object.world_box.size).norm() + 0.05;
                face.view
                    .may_see_sphere(&(world_to_face * object.world_box.centre).coords, radius)
            }))
            .collect();
        for (index, triangle) in triangles.iter().enumerate() {
            if !in_view[usize::from(triangle.object)] {
                continue;
            }
            if !triangle.two_sided
                && triangle.normal.dot(&(eye - triangle.vertices[0].coords)) <= 0.0
            {
                continue;
            }
            let corners = triangle
                .vertices
                .map(|vertex| (world_to_face * vertex).coords);
            face.view.rasterise(&corners, |pixel, z| {
                if z < depth[pixel] {
                    depth[pixel] = z;
                    owner[pixel] = index as u32;
                }
            });
        }
        // Each object alone: its silhouette, weighted by how many camera pixels look at it.
        let mut stamp = vec![u32::MAX; pixels];
        for (object_index, object) in scene.objects.iter().enumerate() {
            if !in_view[object_index + 1] {
                continue;
            }
            let mut area = 0u32;
            for triangle in &triangles[object.triangles.clone()] {
                if triangle.object == 0
                    || triangle.normal.dot(&(eye - triangle.vertices[0].coords)) <= 0.0
                {
                    continue;
                }
                let corners = triangle
                    .vertices
                    .map(|vertex| (world_to_face * vertex).coords);
                face.view.rasterise(&corners, |pixel, _| {
                    if stamp[pixel] != object_index as u32 {
                        stamp[pixel] = object_index as u32;
                        area += u32::from(face.multiplicity[pixel]);
                    }
                });
            }
            full_area[object_index] += area;
        }
        face_depth.push(depth);
        face_triangle.push(owner);
    }
    let shades: Vec<[f32; 3]> = triangles
        .iter()
        .map(|triangle| lighting.shade(&triangle.normal, &triangle.albedo))
        .collect();
    let rotation = camera_to_world.rotation.cast::<f32>();
    let (width, height) = (
        projector.camera.width as usize,
        projector.camera.height as usize,
    );
    let pixels = width * height;
    let mut output = CameraRender {
        width,
        height,
        rgb: vec![0; pixels * 3],
        class: vec![SemanticClass::Void.id(); pixels],
        instance: vec![0; pixels],
        depth: vec![0.0; pixels],
        distance: vec![f32::INFINITY; pixels],
        full_area,
    };
    for (pixel, sample) in projector.samples.iter().enumerate() {
        if sample.face == NO_FACE {
            continue;
        }
        let face = usize::from(sample.face);
        let index = sample.index as usize;
        let owner = face_triangle[face][index];
        let colour = if owner == NO_TRIANGLE {
            output.class[pixel] = SemanticClass::Sky.id();
            lighting.sky(&(rotation * Vector3::from(sample.ray)))
        } else {
            let triangle = &triangles[owner as usize];
            let distance = face_depth[face][index] * sample.distance_per_face_depth;
            output.class[pixel] = triangle.class.id();
            output.instance[pixel] = triangle.object;
            output.distance[pixel] = distance;
            output.depth[pixel] = (distance * sample.ray[2]).max(0.0);
            lighting.haze(shades[owner as usize], distance)
        };
        for (target, value) in output.rgb[pixel * 3..pixel * 3 + 3].iter_mut().zip(colour) {
            *target = (value * 255.0 + 0.5) as u8; // `as` saturates at 0 and 255
        }
    }
    output
}
