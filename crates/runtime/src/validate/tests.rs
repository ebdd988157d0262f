#![allow(clippy::unwrap_used)]
use super::*;
use crate::description::Dimension;
use crate::error::RuntimeError;
use std::path::Path;

fn tensor(name: &str, dimensions: &[Option<usize>]) -> TensorDescription {
    TensorDescription {
        name: name.to_string(),
        element_type: "f32".to_string(),
        dimensions: dimensions
            .iter()
            .map(|dim| match dim {
                Some(size) => Dimension::Fixed(*size),
                None => Dimension::Symbolic("N".to_string()),
            })
            .collect(),
    }
}

fn yolox_graph() -> ModelDescription {
    ModelDescription {
        inputs: vec![tensor("images", &[Some(1), Some(3), Some(416), Some(416)])],
        outputs: vec![tensor("output", &[Some(1), Some(3549), Some(85)])],
    }
}

fn twin_graph() -> ModelDescription {
    ModelDescription {
        inputs: vec![tensor("images", &[None, Some(3), Some(360), Some(640)])],
        outputs: vec![
            tensor("da", &[None, Some(2), Some(360), Some(640)]),
            tensor("ll", &[None, Some(2), Some(360), Some(640)]),
        ],
    }
}

fn classes(count: usize) -> String {
    let names: Vec<String> = (0..count).map(|i| format!("\"c{i}\"")).collect();
    format!("[{}]", names.join(", "))
}

fn yolox_manifest(output: &str, class_count: usize, size: &str) -> String {
    format!(
        "[model]\nweights = \"w.onnx\"\n[input]\ntensor = \"images\"\n{size}\n\
         [[heads]]\nname = \"objects\"\nkind = \"detection\"\nformat = \"yolox\"\n\
         outputs = [\"{output}\"]\nclasses = {}\n",
        classes(class_count)
    )
}

fn field_error(text: &str, graph: &ModelDescription) -> (String, String) {
    let result = Manifest::parse(Path::new("zoo/m.toml"), text, None)
        .and_then(|manifest| validate(&manifest, graph));
    match result {
        Err(RuntimeError::ManifestField { path, field, .. }) => {
            let message = result_message(text, graph);
            assert!(message.starts_with("zoo/m.toml: field"), "{message}");
            assert_eq!(path, Path::new("zoo/m.toml"));
            (field, message)
        }
        other => panic!("expected a field error, got {other:?}"),
    }
}

fn result_message(text: &str, graph: &ModelDescription) -> String {
    Manifest::parse(Path::new("zoo/m.toml"), text, None)
        .and_then(|manifest| validate(&manifest, graph))
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default()
}

#[test]
fn a_correct_manifest_validates_and_reports_the_batch_limit() {
    let text = yolox_manifest("output", 80, "width = 416\nheight = 416");
    let manifest = Manifest::parse(Path::new("m.toml"), &text, None).unwrap();
    assert_eq!(
        validate(&manifest, &yolox_graph()).unwrap(),
        BatchLimit::Fixed(1)
    );
    let twin = "[model]\nweights = \"t.onnx\"\n[input]\ntensor = \"images\"\nwidth = 640\nheight = 360\n\
                [[heads]]\nname = \"drivable\"\nkind = \"segmentation\"\noutputs = [\"da\"]\nclasses = [\"bg\", \"road\"]\n";
    let manifest = Manifest::parse(Path::new("t.toml"), twin, None).unwrap();
    assert_eq!(
        validate(&manifest, &twin_graph()).unwrap(),
        BatchLimit::Dynamic
    );
}

#[test]
fn a_misspelled_output_names_the_field_and_the_nearest_real_output() {
    let (field, message) = field_error(
        &yolox_manifest("outptu", 80, "width = 416\nheight = 416"),
        &yolox_graph(),
    );
    assert_eq!(field, "heads.objects.outputs");
    assert!(
        message.contains("`outptu`") && message.contains("use `output`"),
        "{message}"
    );
}

#[test]
fn a_wrong_class_count_says_how_many_the_graph_has() {
    let (field, message) = field_error(
        &yolox_manifest("output", 79, "width = 416\nheight = 416"),
        &yolox_graph(),
    );
    assert_eq!(field, "heads.objects.classes");
    assert!(message.contains("list 80 classes"), "{message}");
}

#[test]
fn a_missing_input_size_is_an_error_before_the_graph_is_read() {
    let (field, message) = field_error(
        &yolox_manifest("output", 80, "height = 416"),
        &yolox_graph(),
    );
    assert_eq!(field, "input.width");
    assert!(message.contains("is missing"), "{message}");
}

#[test]
fn a_size_that_disagrees_with_the_graph_gives_the_real_size() {
    let (field, message) = field_error(
        &yolox_manifest("output", 80, "width = 640\nheight = 416"),
        &yolox_graph(),
    );
    assert_eq!(field, "input.width");
    assert!(message.contains("set `width = 416`"), "{message}");
}

#[test]
fn a_wrong_input_tensor_and_segmentation_channels_are_caught() {
    let text = "[model]\nweights = \"t.onnx\"\n[input]\ntensor = \"image\"\nwidth = 640\nheight = 360\n\
                [[heads]]\nname = \"lanes\"\nkind = \"segmentation\"\noutputs = [\"ll\"]\nclasses = [\"bg\"]\n";
    let (field, message) = field_error(text, &twin_graph());
    assert_eq!(field, "input.tensor");
    assert!(message.contains("use `images`"), "{message}");
    let fixed = text.replace("\"image\"", "\"images\"");
    let (field, message) = field_error(&fixed, &twin_graph());
    assert_eq!(field, "heads.lanes.classes");
    assert!(message.contains("list 2 classes"), "{message}");
}

#[test]
fn duplicate_heads_unknown_kinds_and_syntax_errors_name_the_place() {
    let base = yolox_manifest("output", 80, "width = 416\nheight = 416");
    let duplicate =
        base.clone() + "[[heads]]\nname = \"objects\"\nkind = \"depth\"\noutputs = [\"output\"]\n";
    let (field, _) = field_error(&duplicate, &yolox_graph());
    assert_eq!(field, "heads[1].name");
    let unknown = base.replace("kind = \"detection\"", "kind = \"boxes\"");
    let (field, _) = field_error(&unknown, &yolox_graph());
    assert_eq!(field, "heads.objects.kind");
    let broken = base.replace("width = 416", "width = ");
    let message = result_message(&broken, &yolox_graph());
    assert!(
        message.starts_with("zoo/m.toml: ") && message.contains("line"),
        "{message}"
    );
}

#[test]
fn weights_resolve_against_the_manifest_folder_unless_overridden() {
    let text = yolox_manifest("output", 80, "width = 416\nheight = 416");
    let manifest = Manifest::parse(Path::new("models/zoo/m.toml"), &text, None).unwrap();
    assert_eq!(manifest.weights, Path::new("models/zoo/w.onnx"));
    let manifest = Manifest::parse(
        Path::new("models/zoo/m.toml"),
        &text,
        Some(Path::new("/data/x.onnx")),
    )
    .unwrap();
    assert_eq!(manifest.weights, Path::new("/data/x.onnx"));
}

fn segment_graph() -> ModelDescription {
    ModelDescription {
        inputs: vec![tensor("images", &[Some(1), Some(3), Some(640), Some(640)])],
        outputs: vec![
            tensor("output0", &[Some(1), Some(4 + 10 + 32), Some(8400)]),
            tensor("output1", &[Some(1), Some(32), Some(160), Some(160)]),
        ],
    }
}

fn segment_manifest(coefficients: usize) -> String {
    format!(
        "[model]\nweights = \"w.onnx\"\n[input]\ntensor = \"images\"\nwidth = 640\nheight = 640\n\
         [[heads]]\nname = \"objects\"\nkind = \"instance-segmentation\"\nformat = \"yolov8\"\n\
         outputs = [\"output0\", \"output1\"]\nclasses = {}\nmask_coefficients = {coefficients}\n",
        classes(10)
    )
}

#[test]
fn instance_segmentation_checks_rows_and_prototypes_against_the_coefficients() {
    let manifest = Manifest::parse(Path::new("m.toml"), &segment_manifest(32), None).unwrap();
    assert_eq!(manifest.heads[0].kind, HeadKind::InstanceSegmentation);
    assert_eq!(manifest.heads[0].mask_coefficients, 32);
    assert!(validate(&manifest, &segment_graph()).is_ok());
    // 16 coefficients: the rows' channel count disagrees; with rows to match, the prototypes'.
    let (field, message) = field_error(&segment_manifest(16), &segment_graph());
    assert_eq!(field, "heads.objects.classes", "{message}");
    let mut graph = segment_graph();
    graph.outputs[0] = tensor("output0", &[Some(1), Some(4 + 10 + 16), Some(8400)]);
    let (field, message) = field_error(&segment_manifest(16), &graph);
    assert_eq!(field, "heads.objects.mask_coefficients");
    assert!(
        message.contains("set `mask_coefficients = 32`"),
        "{message}"
    );
}
