//! Segmentation, depth and heatmap keypoints: planted values with known answers, PNG round trips.
#![allow(clippy::unwrap_used)]

mod common;

use common::{assert_close, decode_one};
use ndarray::{Array2, Array3, Array4};
use panoptes_heads::{
    decode_depth_value, quadratic_peak_offset, to_millimetres, DepthConfig, DepthEncoding,
    HeadConfig, HeadOutput, HeadOutputs, InputSize, KeypointsConfig, ModelToImage,
    SegmentationConfig, Upsample,
};

fn segmentation(classes: usize, upsample: Upsample) -> HeadConfig {
    HeadConfig::Segmentation(SegmentationConfig {
        name: "area".into(),
        outputs: vec!["seg".into()],
        classes: (0..classes).map(|class| format!("class_{class}")).collect(),
        upsample,
    })
}

/// Logits whose argmax is `ids` (one-hot with margin 2).
fn logits_for(ids: &Array2<u8>, classes: usize) -> Array4<f32> {
    let (height, width) = ids.dim();
    Array4::from_shape_fn((1, classes, height, width), |(_, class, y, x)| {
        if usize::from(ids[[y, x]]) == class {
            1.0
        } else {
            -1.0
        }
    })
}

fn class_map(
    head: HeadConfig,
    input: InputSize,
    logits: &Array4<f32>,
    transform: ModelToImage,
) -> panoptes_heads::ClassMap {
    let outputs: HeadOutputs<'_> = [("seg", logits.view().into_dyn())].into_iter().collect();
    let results = decode_one(head, input, &outputs, transform);
    let HeadOutput::Segmentation(map) = &results.heads[0].output else {
        panic!()
    };
    map.clone()
}

#[test]
fn nearest_upsampling_repeats_each_cell_and_counts_fractions() {
    let ids = ndarray::arr2(&[[0_u8, 1, 2, 0], [1, 0, 0, 2]]);
    let input = InputSize::new(4, 2).unwrap();
    let transform = ModelToImage::stretch(input, 8, 4).unwrap();
    for classes in [3, 4] {
        let map = class_map(
            segmentation(classes, Upsample::Nearest),
            input,
            &logits_for(&ids, classes),
            transform,
        );
        let expected = Array2::from_shape_fn((4, 8), |(y, x)| ids[[y / 2, x / 2]]);
        assert_eq!(map.ids(), &expected);
        let mut fractions = vec![0.5, 0.25, 0.25];
        fractions.resize(classes, 0.0);
        assert_eq!(map.fractions(), fractions.as_slice());
    }
    // The binary fast path.
    let binary = ids.mapv(|id| u8::from(id == 1));
    let map = class_map(
        segmentation(2, Upsample::Nearest),
        input,
        &logits_for(&binary, 2),
        transform,
    );
    assert_eq!(
        map.ids(),
        &Array2::from_shape_fn((4, 8), |(y, x)| binary[[y / 2, x / 2]])
    );
    assert_eq!(map.fractions(), [0.75, 0.25]);
}

#[test]
fn letterbox_padding_never_reaches_the_original_image() {
    // A 16 × 8 image letterboxed (centred) into 8 × 8: content rows 2..6, padding above/below.
    let input = InputSize::new(8, 8).unwrap();
    let transform = ModelToImage::letterbox(input, 16, 8, true).unwrap();
    assert_eq!(transform.offset, [0.0, 2.0]);
    let ids = Array2::from_shape_fn((8, 8), |(y, x)| match (y, x) {
        (2..6, 0..4) => 1,
        (2..6, _) => 0,
        _ => 2,
    });
    let map = class_map(
        segmentation(3, Upsample::Nearest),
        input,
        &logits_for(&ids, 3),
        transform,
    );
    assert_eq!((map.width(), map.height()), (16, 8));
    assert_eq!(
        map.ids(),
        &Array2::from_shape_fn((8, 16), |(_, x)| u8::from(x < 8))
    );
    assert_eq!(map.fractions(), [0.5, 0.5, 0.0]);
}

#[test]
fn bilinear_interpolates_logits_before_the_argmax() {
    // Two cells with logit differences −1 and 3, upsampled 2 → 8: nearest splits at pixel 4,
    // bilinear at the zero crossing, 1/4 of the way between the cell centres (pixel 3).
    let input = InputSize::new(2, 1).unwrap();
    let logits = Array4::from_shape_fn((1, 2, 1, 2), |(_, class, _, x)| match (class, x) {
        (1, 0) => -1.0,
        (1, _) => 3.0,
        _ => 0.0,
    });
    let transform = ModelToImage::stretch(input, 8, 1).unwrap();
    let nearest = class_map(
        segmentation(2, Upsample::Nearest),
        input,
        &logits,
        transform,
    );
    assert_eq!(nearest.ids().row(0).to_vec(), [0, 0, 0, 0, 1, 1, 1, 1]);
    let bilinear = class_map(
        segmentation(2, Upsample::Bilinear),
        input,
        &logits,
        transform,
    );
    assert_eq!(bilinear.ids().row(0).to_vec(), [0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(bilinear.fractions(), [0.375, 0.625]);
}

#[test]
fn non_finite_logits_are_counted_and_never_win() {
    let input = InputSize::new(4, 1).unwrap();
    let mut logits = Array4::<f32>::zeros((1, 2, 1, 4));
    logits[[0, 0, 0, 0]] = f32::NAN; // finite class 1 must win over NaN
    logits[[0, 1, 0, 1]] = f32::NAN; // class 0 keeps it
    logits[[0, 1, 0, 2]] = f32::INFINITY; // +inf is a (very) large logit
    logits[[0, 1, 0, 3]] = 1.0;
    let transform = ModelToImage::stretch(input, 4, 1).unwrap();
    let outputs: HeadOutputs<'_> = [("seg", logits.view().into_dyn())].into_iter().collect();
    let results = decode_one(
        segmentation(2, Upsample::Nearest),
        input,
        &outputs,
        transform,
    );
    assert_eq!(results.heads[0].non_finite, 3);
    let HeadOutput::Segmentation(map) = &results.heads[0].output else {
        panic!()
    };
    assert_eq!(map.ids().row(0).to_vec(), [1, 0, 1, 1]);
}

#[test]
fn class_map_png_round_trip() {
    let ids = Array2::from_shape_fn((3, 5), |(y, x)| ((x + y) % 3) as u8);
    let input = InputSize::new(5, 3).unwrap();
    let map = class_map(
        segmentation(3, Upsample::Nearest),
        input,
        &logits_for(&ids, 3),
        ModelToImage::stretch(input, 5, 3).unwrap(),
    );
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("mask.png");
    map.write_png(&path).unwrap();
    let decoded = image::open(&path).unwrap();
    assert_eq!(decoded.color(), image::ColorType::L8);
    let decoded = decoded.into_luma8();
    assert_eq!((decoded.width(), decoded.height()), (5, 3));
    assert_eq!(decoded.into_raw(), ids.iter().copied().collect::<Vec<u8>>());
}

fn depth_config(encoding: DepthEncoding) -> DepthConfig {
    DepthConfig {
        name: "depth".into(),
        outputs: vec!["depth".into()],
        classes: Vec::new(),
        encoding,
        measured_along: None,
        min_depth: 0.1,
        max_depth: 100.0,
    }
}

#[test]
fn depth_encodings_known_values() {
    let metric = depth_config(DepthEncoding::Metric);
    assert_eq!(decode_depth_value(&metric, 5.0), 5.0);
    assert_eq!(decode_depth_value(&metric, 1000.0), 100.0);
    assert!(decode_depth_value(&metric, 0.0).is_nan());
    assert!(decode_depth_value(&metric, f32::NAN).is_nan());
    let inverse = depth_config(DepthEncoding::Inverse);
    assert_eq!(decode_depth_value(&inverse, 0.25), 4.0);
    assert!(decode_depth_value(&inverse, 0.0).is_nan());
    assert!(decode_depth_value(&inverse, -2.0).is_nan());
    let sigmoid = depth_config(DepthEncoding::Sigmoid);
    assert_close(decode_depth_value(&sigmoid, 0.0), 100.0, 1e-3, "σ = 0");
    assert_close(decode_depth_value(&sigmoid, 1.0), 0.1, 1e-6, "σ = 1");
    assert_close(
        decode_depth_value(&sigmoid, 0.5),
        1.0 / (0.01 + (10.0 - 0.01) * 0.5),
        1e-6,
        "σ = 0.5",
    );
    assert!(decode_depth_value(&sigmoid, f32::INFINITY).is_nan());

    assert_eq!(to_millimetres(1.2345), 1235);
    assert_eq!(to_millimetres(70.0), u16::MAX);
    assert_eq!(to_millimetres(0.0001), 1);
    assert_eq!(to_millimetres(f32::NAN), 0);
    assert_eq!(to_millimetres(-1.0), 0);
}

#[test]
fn depth_upsampling_is_bilinear_and_falls_back_to_nearest_at_holes() {
    let input = InputSize::new(2, 2).unwrap();
    let transform = ModelToImage::stretch(input, 4, 4).unwrap();
    let values = ndarray::arr3(&[[[1.0_f32, 2.0], [3.0, 4.0]]]); // [N, H, W]
    let outputs: HeadOutputs<'_> = [("depth", values.view().into_dyn())].into_iter().collect();
    let results = decode_one(
        HeadConfig::Depth(depth_config(DepthEncoding::Metric)),
        input,
        &outputs,
        transform,
    );
    let HeadOutput::Depth(depth) = &results.heads[0].output else {
        panic!()
    };
    // Pixel centres of a 2× upsampling sit at cell positions 0, 0.25, 0.75, 1 (clamped).
    let position = [0.0, 0.25, 0.75, 1.0];
    for ((y, x), &metres) in depth.metres().indexed_iter() {
        assert_close(
            metres,
            1.0 + position[x] + 2.0 * position[y],
            1e-6,
            &format!("depth at {y}, {x}"),
        );
    }

    let holes = ndarray::arr3(&[[[1.0_f32, f32::NAN], [3.0, 4.0]]]).insert_axis(ndarray::Axis(1)); // [N, 1, H, W]
    let outputs: HeadOutputs<'_> = [("depth", holes.view().into_dyn())].into_iter().collect();
    let results = decode_one(
        HeadConfig::Depth(depth_config(DepthEncoding::Metric)),
        input,
        &outputs,
        transform,
    );
    assert_eq!(results.heads[0].non_finite, 1);
    let HeadOutput::Depth(depth) = &results.heads[0].output else {
        panic!()
    };
    let metres = depth.metres();
    assert_eq!(metres[[0, 0]], 1.0); // all four neighbours are cell (0, 0)
    assert_eq!(metres[[1, 1]], 1.0); // nearest of a neighbourhood with a hole
    assert!(metres[[0, 3]].is_nan() && metres[[1, 2]].is_nan());
    assert_eq!(metres[[3, 3]], 4.0);
    let millimetres = depth.millimetres();
    assert_eq!((millimetres[[0, 3]], millimetres[[3, 3]]), (0, 4000));

    let decoded = image::load_from_memory(&depth.encode_png().unwrap()).unwrap();
    assert_eq!(decoded.color(), image::ColorType::L16);
    assert_eq!(
        decoded.into_luma16().into_raw(),
        millimetres.iter().copied().collect::<Vec<u16>>()
    );
}

#[test]
fn quadratic_peak_offset_finds_a_parabola_vertex() {
    let parabola = |x: f32| -(x - 0.3) * (x - 0.3);
    assert_close(
        quadratic_peak_offset(parabola(-1.0), parabola(0.0), parabola(1.0)),
        0.3,
        1e-6,
        "vertex",
    );
    assert_eq!(quadratic_peak_offset(1.0, 1.0, 1.0), 0.0);
    assert_eq!(quadratic_peak_offset(0.0, 1.0, 0.0), 0.0);
}

#[test]
fn heatmap_peaks_are_refined_and_mapped_to_original_pixels() {
    let (width, height) = (16, 12);
    let peaks = [
        (5.3_f32, 3.7_f32, 0.9_f32),
        (2.0, 2.0, 0.1),
        (0.0, 6.4, 0.8),
    ];
    let heatmaps = Array3::from_shape_fn((peaks.len(), height, width), |(k, y, x)| {
        let (px, py, amplitude) = peaks[k];
        let distance = (x as f32 - px).powi(2) + (y as f32 - py).powi(2);
        amplitude * (-distance / (2.0 * 1.5 * 1.5)).exp()
    })
    .insert_axis(ndarray::Axis(0));
    let input = InputSize::new(64, 48).unwrap();
    let transform = ModelToImage::new([0.5, 0.5], [0.0, 0.0], 128, 96).unwrap();
    let head = HeadConfig::Keypoints(KeypointsConfig {
        name: "pose".into(),
        outputs: vec!["heatmaps".into()],
        classes: Vec::new(),
        keypoints: peaks.len(),
        score_threshold: 0.2,
    });
    let outputs: HeadOutputs<'_> = [("heatmaps", heatmaps.view().into_dyn())]
        .into_iter()
        .collect();
    let results = decode_one(head, input, &outputs, transform);
    let HeadOutput::Keypoints(points) = &results.heads[0].output else {
        panic!()
    };
    // Model pixel = (cell + 0.5) · 4; original = model / 0.5.
    let to_image = |cell: f32| (cell + 0.5) * 4.0 / 0.5;
    let [x, y, score] = points[0].unwrap();
    assert_close(x, to_image(5.3), 0.15 * 8.0, "x");
    assert_close(y, to_image(3.7), 0.15 * 8.0, "y");
    assert!(score > 0.8 && score <= 0.9, "{score}");
    // Sub-pixel refinement moved it off the integer peak towards the true one.
    assert!((x - to_image(5.3)).abs() < (to_image(5.0) - to_image(5.3)).abs());
    assert_eq!(points[1], None);
    let [x, y, _] = points[2].unwrap();
    assert_eq!(x, to_image(0.0)); // at the border: no refinement along x
    assert_close(y, to_image(6.4), 0.15 * 8.0, "border y");
}

#[test]
fn coco_skeleton_joins_every_keypoint_and_names_default_sensibly() {
    use panoptes_heads::{keypoint_name, COCO_KEYPOINT_NAMES, COCO_SKELETON};
    let mut seen = [false; 17];
    for [first, second] in COCO_SKELETON {
        assert!(
            first != second && first < 17 && second < 17,
            "{first}-{second}"
        );
        seen[first] = true;
        seen[second] = true;
        // A limb stays on one side, touches the nose, or joins the same part across the body
        // (eyes, shoulders, hips).
        let name = |index: usize| {
            COCO_KEYPOINT_NAMES[index]
                .split_once('_')
                .unwrap_or(("nose", "nose"))
        };
        let ((first_side, first_part), (second_side, second_part)) = (name(first), name(second));
        let valid = first_side == second_side
            || first_side == "nose"
            || second_side == "nose"
            || first_part == second_part;
        assert!(valid, "{first}-{second}");
    }
    assert!(seen.iter().all(|&seen| seen));
    let mut config = KeypointsConfig {
        name: "pose".into(),
        outputs: vec!["heatmaps".into()],
        classes: Vec::new(),
        keypoints: 17,
        score_threshold: 0.2,
    };
    assert_eq!(keypoint_name(&config, 9), "left_wrist");
    config.keypoints = 3;
    assert_eq!(keypoint_name(&config, 2), "keypoint_2");
    config.classes = vec!["a".into(), "b".into(), "c".into()];
    assert_eq!(keypoint_name(&config, 1), "b");
}
