//! The engine on the real models of ../shared/real (skipped with a notice when absent).
#![allow(clippy::unwrap_used)]

use ndarray::{s, Array4, Axis};
use panoptes_fixtures::real_or_skip;
use panoptes_runtime::{describe_model, BatchLimit, Dimension, Engine, Manifest};
use std::path::{Path, PathBuf};

fn zoo(name: &str) -> PathBuf {
    panoptes_fixtures::workspace_root()
        .join("models/zoo")
        .join(name)
}

/// A deterministic, image-like batch: smooth gradients that differ per camera.
fn batch(cameras: usize, height: usize, width: usize, amplitude: f32) -> Array4<f32> {
    Array4::from_shape_fn((cameras, 3, height, width), |(n, c, y, x)| {
        let phase = (n * 7 + c * 3) as f32;
        amplitude * (0.5 + 0.5 * ((x as f32 / 23.0 + phase).sin() * (y as f32 / 17.0).cos()))
    })
}

#[test]
fn yolox_graph_is_described_with_its_real_shapes() {
    let weights = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let model = describe_model(&weights).unwrap();
    let input = model.input("images").unwrap();
    assert_eq!(input.shape_text(), "[1,3,416,416]");
    assert_eq!(input.element_type, "f32");
    assert_eq!(model.output("output").unwrap().shape_text(), "[1,3549,85]");
}

#[test]
fn twinlitenet_batch_dimension_is_symbolic() {
    let weights = real_or_skip!("models/twinlitenet/twinlitenet_dynbatch.onnx");
    let model = describe_model(&weights).unwrap();
    let input = model.input("images").unwrap();
    assert!(matches!(input.dimensions[0], Dimension::Symbolic(_)));
    assert_eq!(model.output("da").unwrap().fixed(1), Some(2));
}

#[test]
fn fixed_batch_model_is_split_into_runs_that_match_single_runs() {
    let weights = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let manifest = Manifest::load(&zoo("yolox-nano.toml"), Some(&weights)).unwrap();
    let mut engine = Engine::builder(manifest)
        .with_batch_size(3)
        .build()
        .unwrap();
    assert_eq!(engine.batch_limit(), BatchLimit::Fixed(1));
    assert_eq!(engine.target().label(), "cpu");
    let images = batch(3, 416, 416, 255.0);
    let together = engine.run(images.view()).unwrap();
    let output = together.get("output").unwrap();
    assert_eq!(output.shape(), &[3, 3549, 85]);
    for camera in 0..3 {
        let alone = engine
            .run(images.slice(s![camera..camera + 1, .., .., ..]))
            .unwrap();
        let alone = alone.get("output").unwrap();
        assert_eq!(
            alone.index_axis(Axis(0), 0),
            output.index_axis(Axis(0), camera)
        );
    }
    // Objectness and class scores are probabilities: a decoded model, not noise.
    assert!(output.iter().all(|value| value.is_finite()));
    let objectness = output.slice(s![.., .., 4]);
    assert!(objectness.iter().all(|&p| (0.0..=1.0).contains(&p)));
}

#[test]
fn dynamic_batch_model_runs_once_and_equals_single_runs() {
    let weights = real_or_skip!("models/twinlitenet/twinlitenet_dynbatch.onnx");
    let manifest = Manifest::load(&zoo("twinlitenet.toml"), Some(&weights)).unwrap();
    let mut engine = Engine::builder(manifest)
        .with_batch_size(2)
        .build()
        .unwrap();
    assert_eq!(engine.batch_limit(), BatchLimit::Dynamic);
    let images = batch(2, 360, 640, 1.0);
    let together = engine.run(images.view()).unwrap();
    for name in ["da", "ll"] {
        assert_eq!(together.get(name).unwrap().shape(), &[2, 2, 360, 640]);
    }
    let second = engine.run(images.slice(s![1..2, .., .., ..])).unwrap();
    let largest = (&together.get("ll").unwrap().index_axis(Axis(0), 1)
        - &second.get("ll").unwrap().index_axis(Axis(0), 0))
        .iter()
        .fold(0.0f32, |acc, value| acc.max(value.abs()));
    assert!(largest < 1e-4, "batch and single runs differ by {largest}");
    // The outputs stay ONNX Runtime's tensors: neither later runs nor the engine's end touch them.
    let copied = together.clone();
    engine.run(batch(2, 360, 640, 0.25).view()).unwrap();
    drop(engine);
    assert_eq!(together, copied);
}

#[test]
fn a_batch_of_the_wrong_size_is_refused_with_the_expected_shape() {
    let weights = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let manifest = Manifest::load(&zoo("yolox-nano.toml"), Some(&weights)).unwrap();
    let mut engine = Engine::builder(manifest).build().unwrap();
    let error = engine.run(batch(1, 320, 320, 1.0).view()).unwrap_err();
    assert!(
        error.to_string().contains("expected [N, 3, 416, 416]"),
        "{error}"
    );
}

#[test]
fn asking_for_a_gpu_target_without_gpu_support_is_an_error_not_a_fallback() {
    let weights = real_or_skip!("models/yolox-nano/yolox_nano_416x416.onnx");
    let manifest = Manifest::load(&zoo("yolox-nano.toml"), Some(&weights)).unwrap();
    let targets = panoptes_runtime::ExecutionTarget::parse_list("cuda").unwrap();
    let error = Engine::builder(manifest.clone())
        .with_targets(targets)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("cuda:0"), "{error}");
    // With an explicit fallback list the CPU is used, and reported.
    let targets = panoptes_runtime::ExecutionTarget::parse_list("tensorrt,cuda,cpu").unwrap();
    let engine = Engine::builder(manifest)
        .with_targets(targets)
        .build()
        .unwrap();
    assert_eq!(engine.target().label(), "cpu");
}

#[test]
fn missing_weights_name_the_manifest_field() {
    let manifest = Manifest::load(
        &zoo("yolox-nano.toml"),
        Some(Path::new("/nonexistent.onnx")),
    )
    .unwrap();
    let error = Engine::builder(manifest).build().unwrap_err().to_string();
    assert!(
        error.contains("yolox-nano.toml: field `model.weights`"),
        "{error}"
    );
}
