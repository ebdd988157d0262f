//! Ground truth derived from a camera's render: 2D boxes (tight visible extent and occlusion),
//! keypoints with visibility, and 3D boxes in the ego frame.

use crate::classes::DetectionClass;
use crate::render::CameraRender;
use crate::scene::Scene;
use nalgebra::{Isometry3, Point3};
use panoptes_rig::Camera;

/// A keypoint is visible when the surface seen at its pixel lies no more than this much closer
/// to the camera than the keypoint itself (joints sit inside the body, under its surface).
pub const KEYPOINT_DEPTH_MARGIN: f32 = 0.25;

/// COCO visibility flags.
pub mod visibility {
    /// Outside the image (or outside the lens's image circle): not labelled.
    pub const OUTSIDE: u8 = 0;
    /// In the image but hidden behind something.
    pub const OCCLUDED: u8 = 1;
    /// In the image and seen.
    pub const VISIBLE: u8 = 2;
}

/// One object's box in one camera.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectBox {
    /// Instance id in this frame set's instance maps (1-based scene object index).
    pub instance: u16,
    pub track_id: u64,
    pub class: DetectionClass,
    /// Tight extent of its visible pixels: it holds pixel columns x ..= x + width − 1 and rows
    /// y ..= y + height − 1, no more and no less.
    pub box_xywh: [u32; 4],
    pub visible_pixels: u32,
    /// Pixels it would cover with nothing in front of it (inside the image).
    pub full_pixels: u32,
    /// 1 − visible / full.
    pub occlusion: f32,
    /// For people: 17 COCO keypoints as (x, y, visibility) in pixels (x, y at the projected
    /// point; 0, 0 when outside).
    pub keypoints: Option<[(f32, f32, u8); 17]>,
}

/// One object's 3D box in the ego frame.
#[derive(Debug, Clone, PartialEq)]
pub struct EgoBox {
    pub instance: u16,
    pub track_id: u64,
    pub class: DetectionClass,
    /// Centre in the ego frame, metres.
    pub centre: [f64; 3],
    /// Length, width, height, metres.
    pub size: [f64; 3],
    /// Heading about the ego z axis, radians.
    pub yaw: f64,
}

/// The boxes of every object seen by a camera, in instance order.
#[must_use]
pub fn object_boxes(
    render: &CameraRender,
    scene: &Scene,
    camera: &Camera,
    world_to_camera: &Isometry3<f64>,
) -> Vec<ObjectBox> {
    let count = scene.objects.len();
    let mut bounds = vec![[u32::MAX, u32::MAX, 0u32, 0u32]; count];
    let mut visible = vec![0u32; count];
    for y in 0..render.height {
        for x in 0..render.width {
            let instance = render.instance[y * render.width + x];
            if instance == 0 {
                continue;
            }
            let index = usize::from(instance) - 1;
            let bound = &mut bounds[index];
            *bound = [
                bound[0].min(x as u32),
                bound[1].min(y as u32),
                bound[2].max(x as u32),
                bound[3].max(y as u32),
            ];
            visible[index] += 1;
        }
    }
    let mut boxes = Vec::new();
    for (index, object) in scene.objects.iter().enumerate() {
        if visible[index] == 0 {
            continue;
        }
        let [x0, y0, x1, y1] = bounds[index];
        let full = render.full_area[index].max(visible[index]);
        boxes.push(ObjectBox {
            instance: (index + 1) as u16,
            track_id: object.track_id,
            class: object.class,
            box_xywh: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
            visible_pixels: visible[index],
            full_pixels: full,
            occlusion: 1.0 - visible[index] as f32 / full as f32,
            keypoints: object
                .keypoints
                .map(|points| keypoints(render, camera, world_to_camera, &points)),
        });
    }
    boxes
}

/// Projects keypoints and judges each against the rendered distance at its pixel.
fn keypoints(
    render: &CameraRender,
    camera: &Camera,
    world_to_camera: &Isometry3<f64>,
    points: &[Point3<f64>; 17],
) -> [(f32, f32, u8); 17] {
    points.map(|point| {
        let in_camera = world_to_camera * point;
        let Some(pixel) = camera
            .project(&in_camera)
            .filter(|pixel| camera.contains(&Point2Ext::rounded(pixel)))
        else {
            return (0.0, 0.0, visibility::OUTSIDE);
        };
        let (x, y) = (pixel.x.round() as usize, pixel.y.round() as usize);
        let index = y * render.width + x;
        if render.class[index] == crate::classes::SemanticClass::Void.id() {
            return (0.0, 0.0, visibility::OUTSIDE);
        }
        let seen = render.distance[index];
        let own = in_camera.coords.norm() as f32;
        let flag = if seen >= own - KEYPOINT_DEPTH_MARGIN {
            visibility::VISIBLE
        } else {
            visibility::OCCLUDED
        };
        (pixel.x as f32, pixel.y as f32, flag)
    })
}

/// Rounding a sub-pixel position to the pixel whose centre is nearest.
trait Point2Ext {
    fn rounded(&self) -> Self;
}

impl Point2Ext for nalgebra::Point2<f64> {
    fn rounded(&self) -> Self {
        nalgebra::Point2::new(self.x.round(), self.y.round())
    }
}

/// Every object's 3D box in the ego frame whose pose in the world is `ego_to_world`.
#[must_use]
pub fn ego_boxes(scene: &Scene, ego_to_world: &Isometry3<f64>) -> Vec<EgoBox> {
    let world_to_ego = ego_to_world.inverse();
    let (_, _, ego_yaw) = ego_to_world.rotation.euler_angles();
    scene
        .objects
        .iter()
        .enumerate()
        .map(|(index, object)| {
            let centre = world_to_ego * object.world_box.centre;
            let yaw = (object.world_box.yaw - ego_yaw + std::f64::consts::PI)
                .rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            EgoBox {
                instance: (index + 1) as u16,
                track_id: object.track_id,
                class: object.class,
                centre: [centre.x, centre.y, centre.z],
                size: object.world_box.size,
                yaw,
            }
        })
        .collect()
}
