//! Manifest `[[heads]]` tables: deserialization, defaults and semantic validation.
#![allow(clippy::unwrap_used)]

use panoptes_heads::{DepthEncoding, DetectionFormat, HeadConfig, HeadsError, Upsample};
use serde::Deserialize;

#[derive(Deserialize)]
struct Heads {
    heads: Vec<HeadConfig>,
}

fn parse(text: &str) -> Result<Vec<HeadConfig>, toml::de::Error> {
    toml::from_str::<Heads>(text).map(|heads| heads.heads)
}

/// The `[[heads]]` tables of the documented example in models/MANIFEST.md.
fn documented_example() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/MANIFEST.md");
    let text = std::fs::read_to_string(path).unwrap();
    let block = text
        .split("```toml")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let start = block.find("[[heads]]").unwrap();
    block[start..].to_owned()
}

#[test]
fn documented_manifest_example_deserializes_with_every_field() {
    let heads = parse(&documented_example()).unwrap();
    assert_eq!(heads.len(), 5);
    let HeadConfig::Detection(detection) = &heads[0] else {
        panic!("{:?}", heads[0])
    };
    assert_eq!(detection.format, DetectionFormat::Yolox);
    assert_eq!(detection.classes, ["person", "bicycle", "car"]);
    assert_eq!(detection.score_threshold, 0.3);
    assert_eq!(detection.strides, [8, 16, 32]);
    let HeadConfig::InstanceSegmentation(instances) = &heads[1] else {
        panic!("{:?}", heads[1])
    };
    assert_eq!(
        (
            instances.format,
            instances.mask_coefficients,
            instances.outputs.len()
        ),
        (DetectionFormat::Yolov8, 32, 2)
    );
    let HeadConfig::Segmentation(segmentation) = &heads[2] else {
        panic!("{:?}", heads[2])
    };
    assert_eq!(segmentation.upsample, Upsample::Nearest);
    let HeadConfig::Depth(depth) = &heads[3] else {
        panic!("{:?}", heads[3])
    };
    assert_eq!(
        (depth.encoding, depth.min_depth, depth.max_depth),
        (DepthEncoding::Metric, 0.1, 100.0)
    );
    let HeadConfig::Keypoints(keypoints) = &heads[4] else {
        panic!("{:?}", heads[4])
    };
    assert_eq!((keypoints.keypoints, keypoints.score_threshold), (17, 0.2));
    for head in &heads {
        head.validate().unwrap();
    }
}

#[test]
fn omitted_thresholds_take_defaults() {
    let heads = parse(
        r#"[[heads]]
name = "boxes"
kind = "detection"
outputs = ["out"]
format = "yolov8"
classes = ["car"]
"#,
    )
    .unwrap();
    let HeadConfig::Detection(detection) = &heads[0] else {
        panic!()
    };
    assert_eq!(detection.score_threshold, 0.25);
    assert_eq!(detection.nms_iou, 0.45);
    assert!(!detection.class_agnostic_nms);
    assert_eq!(detection.max_detections, 100);
    assert_eq!(detection.keypoints, 0);
}

#[test]
fn unknown_keys_and_kinds_are_rejected() {
    let unknown_key = "[[heads]]\nname = \"m\"\nkind = \"segmentation\"\noutputs = [\"da\"]\nclasses = [\"a\", \"b\"]\nupsampling = \"nearest\"\n";
    let error = parse(unknown_key).unwrap_err().to_string();
    assert!(error.contains("upsampling"), "{error}");
    let unknown_kind = "[[heads]]\nname = \"m\"\nkind = \"optical-flow\"\noutputs = [\"x\"]\n";
    let error = parse(unknown_kind).unwrap_err().to_string();
    assert!(error.contains("optical-flow"), "{error}");
}

fn field_of(error: HeadsError) -> &'static str {
    match error {
        HeadsError::Config { field, .. } => field,
        other => panic!("not a config error: {other}"),
    }
}

#[test]
fn validation_names_the_faulty_field() {
    let yolov5 = |anchors: &str| {
        format!(
            "[[heads]]\nname = \"det\"\nkind = \"detection\"\noutputs = [\"out\"]\nformat = \"yolov5-raw\"\nclasses = [\"car\"]\n{anchors}"
        )
    };
    let missing = parse(&yolov5("")).unwrap().remove(0);
    assert_eq!(field_of(missing.validate().unwrap_err()), "anchors");
    let two_groups = parse(&yolov5("anchors = [[[10, 13]], [[16, 30]]]"))
        .unwrap()
        .remove(0);
    let error = two_groups.validate().unwrap_err();
    assert!(
        error.to_string().contains("2 groups for 3 strides"),
        "{error}"
    );
    let good = parse(&yolov5("anchors = [[[10, 13]], [[16, 30]], [[33, 23]]]"))
        .unwrap()
        .remove(0);
    good.validate().unwrap();

    let cases = [
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nscore_threshold = 1.5",
            "score_threshold",
        ),
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nnms_iou = 0.0",
            "nms_iou",
        ),
        ("format = \"yolox\"\nclasses = []", "classes"),
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nstrides = [8, 0]",
            "strides",
        ),
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nkeypoints = 17",
            "keypoints",
        ),
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nmax_detections = 0",
            "max_detections",
        ),
        (
            "format = \"yolox\"\nclasses = [\"car\"]\nanchors = [[[1, 1]]]",
            "anchors",
        ),
    ];
    for (fields, field) in cases {
        let text = format!(
            "[[heads]]\nname = \"det\"\nkind = \"detection\"\noutputs = [\"out\"]\n{fields}\n"
        );
        let head = parse(&text).unwrap().remove(0);
        assert_eq!(field_of(head.validate().unwrap_err()), field, "{fields}");
    }
    let depth = parse("[[heads]]\nname = \"d\"\nkind = \"depth\"\noutputs = [\"d\"]\nmin_depth = 5.0\nmax_depth = 1.0\n").unwrap().remove(0);
    assert_eq!(field_of(depth.validate().unwrap_err()), "min_depth");
    let one_class = parse("[[heads]]\nname = \"s\"\nkind = \"segmentation\"\noutputs = [\"s\"]\nclasses = [\"road\"]\n").unwrap().remove(0);
    assert_eq!(field_of(one_class.validate().unwrap_err()), "classes");
    let two_outputs = parse("[[heads]]\nname = \"s\"\nkind = \"segmentation\"\noutputs = [\"a\", \"b\"]\nclasses = [\"x\", \"y\"]\n").unwrap().remove(0);
    assert_eq!(field_of(two_outputs.validate().unwrap_err()), "outputs");
}
