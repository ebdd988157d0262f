//! Keypoints: each lands where the rig's camera model projects the joint, and its visibility
//! agrees with the depth PNG: visible exactly when the surface seen at its pixel is no more
//! than the margin closer than the joint itself.
#![allow(clippy::unwrap_used)]

use nalgebra::Point2;
use panoptes_sim::{
    encode_frame_set, visibility, InstanceIds, RigPreset, SimConfig, Simulator,
    KEYPOINT_DEPTH_MARGIN, START_TIMESTAMP_US,
};

#[test]
fn keypoint_visibility_agrees_with_the_depth_png() {
    let simulator = Simulator::new(SimConfig::new(RigPreset::NuScenes6, 8)).unwrap();
    let world = simulator.world();
    let (mut visible, mut occluded, mut outside) = (0, 0, 0);
    for index in 0..3 {
        let set = simulator.frame_set(index);
        let encoded = encode_frame_set(&set, &mut InstanceIds::default()).unwrap();
        let frame_time = simulator.frame_time(index);
        let stuff = world.stuff(frame_time);
        let actors = world.actors(frame_time);
        for (camera_frame, files) in set.cameras.iter().zip(&encoded) {
            let camera = simulator.rig().camera(&camera_frame.camera).unwrap();
            let exposure = (camera_frame.timestamp_us - START_TIMESTAMP_US) as f64 / 1e6;
            let scene = world.scene(&stuff, &actors, exposure);
            let world_to_camera = (world.ego_to_world(exposure) * camera.sensor_to_ego).inverse();
            let depth = image::load_from_memory(&files.depth_png)
                .unwrap()
                .into_luma16();
            for object in camera_frame
                .boxes
                .iter()
                .filter(|object| object.keypoints.is_some())
            {
                let joints = scene.objects[usize::from(object.instance) - 1]
                    .keypoints
                    .unwrap();
                for (joint, (x, y, flag)) in joints.iter().zip(object.keypoints.unwrap()) {
                    let in_camera = world_to_camera * joint;
                    let projected = camera.project(&in_camera);
                    let inside = projected.is_some_and(|pixel| {
                        camera.contains(&Point2::new(pixel.x.round(), pixel.y.round()))
                    });
                    if flag == visibility::OUTSIDE {
                        assert!(!inside, "a joint inside the image is marked outside");
                        outside += 1;
                        continue;
                    }
                    let pixel = projected.unwrap();
                    if in_camera.z > 65.0 {
                        continue; // beyond the 16-bit millimetre range of the depth PNG
                    }
                    assert!(
                        (f64::from(x) - pixel.x).abs() < 1e-3
                            && (f64::from(y) - pixel.y).abs() < 1e-3
                    );
                    let (column, row) = (pixel.x.round(), pixel.y.round());
                    let millimetres = depth.get_pixel(column as u32, row as u32)[0];
                    let ray = camera.unproject(&Point2::new(column, row));
                    // Distance to the surface seen at that pixel, from its z; 0 means nothing
                    // (sky) or beyond the 16-bit range: far away in both cases.
                    let surface = if millimetres == 0 {
                        f64::INFINITY
                    } else {
                        f64::from(millimetres) / 1000.0 / ray.z
                    };
                    let threshold = in_camera.coords.norm() - f64::from(KEYPOINT_DEPTH_MARGIN);
                    if (surface - threshold).abs() < 0.01 {
                        continue; // within millimetre rounding of the margin
                    }
                    if flag == visibility::VISIBLE {
                        assert!(surface > threshold, "{}: visible joint behind a surface at {surface:.3} m (joint at {:.3} m)", camera.name, threshold);
                        visible += 1;
                    } else {
                        assert!(
                            surface < threshold,
                            "{}: occluded joint with nothing in front: {surface:.3} m vs {:.3} m",
                            camera.name,
                            threshold
                        );
                        occluded += 1;
                    }
                }
            }
        }
    }
    assert!(
        visible > 100 && occluded > 10,
        "the drive must show both: {visible} visible, {occluded} occluded, {outside} outside"
    );
}
