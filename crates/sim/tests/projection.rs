//! A known 3D point lands on the pixel where it is rendered, and the depth PNG at that pixel
//! holds its camera-frame depth (within 1%), for pinhole and fisheye cameras.
#![allow(clippy::unwrap_used)]

use nalgebra::{Isometry3, Point3, Vector3};
use panoptes_sim::{
    encode_frame_set, render, CameraProjector, DetectionClass, InstanceIds, Lighting, Material,
    MeshBuilder, RenderedCamera, RenderedFrameSet, RigPreset, Scene, SceneObject, SemanticClass,
    WorldBox,
};

fn decode_depth(png: &[u8]) -> image::ImageBuffer<image::Luma<u16>, Vec<u16>> {
    image::load_from_memory(png).unwrap().into_luma16()
}

/// For every camera: cubes along rays through chosen pixels at chosen distances; the pixel of
/// each cube's nearest face centre must show that cube, at that face's depth.
fn check_rig(preset: RigPreset, width: u32, height: u32) {
    let rig = preset.rig(width, height).unwrap();
    let ego_to_world = Isometry3::translation(100.0, -2.0, 0.0);
    let mut checked = 0;
    for camera in rig.cameras() {
        let projector = CameraProjector::new(camera);
        let camera_to_world = ego_to_world * camera.sensor_to_ego;
        // Targets in the sensor frame: the cube's face towards the camera is centred on them.
        let mut targets = Vec::new();
        for (fraction_x, fraction_y, distance) in [
            (0.5, 0.5, 7.0),
            (0.2, 0.3, 12.0),
            (0.8, 0.7, 25.0),
            (0.35, 0.8, 40.0),
            (0.7, 0.25, 55.0),
        ] {
            let pixel = nalgebra::Point2::new(
                fraction_x * f64::from(width),
                fraction_y * f64::from(height),
            );
            let ray = camera.unproject(&pixel).into_inner();
            targets.push(Point3::from(ray * distance));
        }
        // Each cube is axis-aligned with the camera so its front face is at the target.
        let half = 0.3;
        let centres: Vec<Point3<f64>> = targets
            .iter()
            .map(|target| camera_to_world * (target + Vector3::z() * half))
            .collect();
        let mut scene = Scene::default();
        for (index, centre) in centres.iter().enumerate() {
            let mut mesh = MeshBuilder::default();
            let axes = [Vector3::x(), Vector3::y(), Vector3::z()]
                .map(|axis| camera_to_world.rotation * axis * half);
            mesh.cuboid(
                *centre,
                axes,
                Material {
                    albedo: [0.8, 0.2, 0.2],
                    class: SemanticClass::TrafficCone,
                    object: (index + 1) as u16,
                },
            );
            let first = scene.triangles.len();
            scene.triangles.extend(mesh.triangles);
            scene.objects.push(SceneObject {
                track_id: index as u64,
                class: DetectionClass::TrafficCone,
                world_box: WorldBox {
                    centre: *centre,
                    size: [0.6; 3],
                    yaw: 0.0,
                },
                keypoints: None,
                triangles: first..scene.triangles.len(),
            });
        }
        let rendered = render(&projector, &camera_to_world, &scene, &Lighting::default());
        let set = RenderedFrameSet {
            index: 0,
            timestamp_us: 0,
            ego_to_world,
            cameras: vec![RenderedCamera {
                camera: camera.name.clone(),
                timestamp_us: 0,
                boxes: panoptes_sim::object_boxes(
                    &rendered,
                    &scene,
                    camera,
                    &camera_to_world.inverse(),
                ),
                cuboids: Vec::new(),
                render: rendered.clone(),
            }],
            ego_boxes: Vec::new(),
        };
        let encoded = encode_frame_set(&set, &mut InstanceIds::default()).unwrap();
        let depth = decode_depth(&encoded[0].depth_png);
        for (index, target) in targets.iter().enumerate() {
            // Project the known point independently with the rig's camera model.
            let world = camera_to_world * target;
            let in_camera = camera_to_world.inverse() * world;
            let pixel = camera.project(&in_camera).unwrap();
            let (x, y) = (pixel.x.round() as usize, pixel.y.round() as usize);
            assert_eq!(
                usize::from(rendered.instance[y * rendered.width + x]),
                index + 1,
                "{} cube {index} at {x},{y}",
                camera.name
            );
            assert_eq!(rendered.class_at(x, y), Some(SemanticClass::TrafficCone));
            let millimetres = f64::from(depth.get_pixel(x as u32, y as u32)[0]);
            let expected = in_camera.z * 1000.0;
            assert!((millimetres - expected).abs() <= 0.01 * expected, "{} cube {index}: depth PNG {millimetres} mm vs camera-frame depth {expected:.0} mm", camera.name);
            checked += 1;
        }
    }
    assert_eq!(checked, rig.len() * 5);
}

#[test]
fn known_points_render_where_they_project_with_their_depth_pinhole() {
    check_rig(RigPreset::NuScenes6, 640, 360);
}

#[test]
fn known_points_render_where_they_project_with_their_depth_fisheye() {
    check_rig(RigPreset::Fisheye4, 480, 360);
}

#[test]
fn sky_and_void_have_no_depth_and_the_right_class() {
    let rig = RigPreset::Fisheye4.rig(320, 240).unwrap();
    let camera = &rig.cameras()[0];
    let rendered = render(
        &CameraProjector::new(camera),
        &camera.sensor_to_ego,
        &Scene::default(),
        &Lighting::default(),
    );
    // Corners lie outside the 190° image circle: void; the centre sees only sky here.
    assert_eq!(rendered.class_at(0, 0), Some(SemanticClass::Void));
    assert_eq!(rendered.class_at(160, 120), Some(SemanticClass::Sky));
    assert!(rendered.depth.iter().all(|depth| *depth == 0.0));
}

#[test]
fn occlusion_is_the_hidden_share_of_an_object() {
    // A 2 m square plate 10 m ahead of an ideal camera, its left half hidden by a wall 5 m ahead.
    let rig = RigPreset::NuScenes6.rig(640, 360).unwrap();
    let camera = rig.camera("CAM_FRONT").unwrap();
    let projector = CameraProjector::new(camera);
    let camera_to_world = camera.sensor_to_ego;
    let place = |centre: Vector3<f64>, half: [f64; 3], object: u16, scene: &mut Scene| {
        let mut mesh = MeshBuilder::default();
        let axes = [
            Vector3::x() * half[0],
            Vector3::y() * half[1],
            Vector3::z() * half[2],
        ]
        .map(|axis| camera_to_world.rotation * axis);
        let centre = camera_to_world * Point3::from(centre);
        mesh.cuboid(
            centre,
            axes,
            Material {
                albedo: [0.5; 3],
                class: SemanticClass::Vehicle,
                object,
            },
        );
        let first = scene.triangles.len();
        scene.triangles.extend(mesh.triangles);
        if object > 0 {
            scene.objects.push(SceneObject {
                track_id: 1,
                class: DetectionClass::Car,
                world_box: WorldBox {
                    centre,
                    size: half.map(|value| 2.0 * value),
                    yaw: 0.0,
                },
                keypoints: None,
                triangles: first..scene.triangles.len(),
            });
        }
    };
    let mut scene = Scene::default();
    place(
        Vector3::new(0.0, 0.0, 10.0),
        [1.0, 1.0, 0.05],
        1,
        &mut scene,
    );
    // The wall's right edge sits on the line of sight to the plate's centre (x = 0).
    place(
        Vector3::new(-1.0, 0.0, 5.0),
        [1.0, 2.0, 0.05],
        0,
        &mut scene,
    );
    let rendered = render(&projector, &camera_to_world, &scene, &Lighting::default());
    let boxes = panoptes_sim::object_boxes(&rendered, &scene, camera, &camera_to_world.inverse());
    assert_eq!(boxes.len(), 1);
    let plate = &boxes[0];
    let (fx, ..) = camera.model.focal_and_centre();
    // Unoccluded it covers (2 m · f / 10 m)² pixels (the front face, 9.95 m away).
    let side = 2.0 * fx / 9.95;
    assert!(
        (f64::from(plate.full_pixels) - side * side).abs() < 4.0 * side,
        "{} vs {}",
        plate.full_pixels,
        side * side
    );
    assert!(
        (plate.occlusion - 0.5).abs() < 0.02,
        "occlusion {}",
        plate.occlusion
    );
    assert!((f64::from(plate.box_xywh[2]) - side / 2.0).abs() <= 2.0);
}
