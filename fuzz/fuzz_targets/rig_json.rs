//! `rig.json` from an untrusted source: parsed, written back, and each camera asked to project
//! and unproject, as fusion and the overlays do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nalgebra::{Point2, Point3};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rig) = panoptes_rig::CameraRig::from_json_str(text) else {
        return;
    };
    for camera in rig.cameras() {
        let centre = Point2::new(
            f64::from(camera.width) / 2.0,
            f64::from(camera.height) / 2.0,
        );
        let _ = camera.ray_in_ego(&centre);
        let _ = camera.ground_intersection(&centre, 0.0);
        let _ = camera.project_ego_in_image(&Point3::new(10.0, 1.0, 0.5));
    }
    let written = rig.to_json_string();
    assert!(
        panoptes_rig::CameraRig::from_json_str(&written).is_ok(),
        "a rig that was read could not be read back: {written}"
    );
});
