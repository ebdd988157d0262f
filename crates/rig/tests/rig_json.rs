//! `rig.json`: round trip and each kind of bad calibration.
#![allow(clippy::unwrap_used)]

use panoptes_rig::{
    Camera, CameraModel, CameraRig, Isometry3, RigError, Translation3, UnitQuaternion,
};

fn sample_rig() -> CameraRig {
    CameraRig::new(vec![
        Camera::new(
            "CAM_FRONT",
            CameraModel::Pinhole {
                fx: 1266.4,
                fy: 1266.4,
                cx: 816.3,
                cy: 491.5,
                distortion: [-0.1, 0.01, 0.001, 0.002, 0.0],
            },
            1600,
            900,
            Isometry3::from_parts(
                Translation3::new(1.7, 0.016, 1.51),
                UnitQuaternion::from_quaternion(nalgebra::Quaternion::new(
                    0.4998, -0.5030, 0.4998, -0.4974,
                )),
            ),
        ),
        Camera::new(
            "FISHEYE_LEFT",
            CameraModel::KannalaBrandt {
                fx: 330.0,
                fy: 330.0,
                cx: 640.0,
                cy: 483.0,
                k: [0.0395, -0.0073, 0.0022, -0.0004],
            },
            1280,
            966,
            Isometry3::from_parts(
                Translation3::new(2.0, 0.9, 1.0),
                UnitQuaternion::from_euler_angles(-1.9, 0.0, 1.6),
            ),
        ),
    ])
    .unwrap()
}

#[test]
fn rig_json_round_trips() {
    let rig = sample_rig();
    let text = rig.to_json_string();
    let back = CameraRig::from_json_str(&text).unwrap();
    assert_eq!(back.len(), 2);
    for (original, read) in rig.cameras().iter().zip(back.cameras()) {
        assert_eq!(original.name, read.name);
        assert_eq!(original.model, read.model);
        assert_eq!((original.width, original.height), (read.width, read.height));
        let difference = original.sensor_to_ego.inverse() * read.sensor_to_ego;
        assert!(difference.translation.vector.norm() < 1e-12);
        assert!(difference.rotation.angle() < 1e-12);
    }
    assert_eq!(back.index_of("FISHEYE_LEFT"), Some(1));
    assert!(back.camera("CAM_BACK").is_none());
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&sample_rig().to_json_string()).unwrap();
    edit(&mut value);
    value.to_string()
}

#[test]
fn non_orthonormal_rotation_is_refused_naming_camera_and_field() {
    let text = edited(|rig| {
        rig["cameras"][1]["sensor_to_ego"]["rotation"][0][0] = serde_json::json!(1.2);
    });
    let error = CameraRig::from_json_str(&text).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, RigError::InvalidField { .. }), "{message}");
    assert_eq!(error.field().as_deref(), Some("sensor_to_ego.rotation"));
    assert!(
        message.contains("FISHEYE_LEFT") && message.contains("orthonormal"),
        "{message}"
    );
}

#[test]
fn reflection_is_refused() {
    let text = edited(|rig| {
        let row = rig["cameras"][0]["sensor_to_ego"]["rotation"][2].clone();
        let negated: Vec<f64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| -v.as_f64().unwrap())
            .collect();
        rig["cameras"][0]["sensor_to_ego"]["rotation"][2] = serde_json::json!(negated);
    });
    let message = CameraRig::from_json_str(&text).unwrap_err().to_string();
    assert!(
        message.contains("reflection") && message.contains("CAM_FRONT"),
        "{message}"
    );
}

#[test]
fn negative_focal_length_is_refused_naming_file_and_field() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("rig.json");
    std::fs::write(
        &path,
        edited(|rig| rig["cameras"][0]["intrinsics"]["fy"] = serde_json::json!(-1266.4)),
    )
    .unwrap();
    let error = CameraRig::load(&path).unwrap_err();
    let message = error.to_string();
    assert_eq!(error.field().as_deref(), Some("intrinsics.fy"));
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("CAM_FRONT") && message.contains("-1266.4"),
        "{message}"
    );
}

#[test]
fn malformed_field_is_named_by_its_path() {
    let text = edited(|rig| rig["cameras"][1]["width"] = serde_json::json!("wide"));
    let error = CameraRig::from_json_str(&text).unwrap_err();
    assert_eq!(
        error.field().as_deref(),
        Some("cameras[1].width"),
        "{error}"
    );
}

#[test]
fn duplicate_names_and_unknown_models_are_refused() {
    let text = edited(|rig| rig["cameras"][1]["name"] = serde_json::json!("CAM_FRONT"));
    let error = CameraRig::from_json_str(&text).unwrap_err();
    assert!(
        matches!(error, RigError::DuplicateName { index: 1, .. }),
        "{error}"
    );

    let text = edited(|rig| rig["cameras"][0]["model"] = serde_json::json!("orthographic"));
    let error = CameraRig::from_json_str(&text).unwrap_err();
    assert_eq!(error.field().as_deref(), Some("model"), "{error}");
}

#[test]
fn zero_image_size_is_refused() {
    let text = edited(|rig| rig["cameras"][0]["height"] = serde_json::json!(0));
    let error = CameraRig::from_json_str(&text).unwrap_err();
    assert_eq!(error.field().as_deref(), Some("height"), "{error}");
}
