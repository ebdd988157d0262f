//! `panoptes inspect`: what a model takes and gives, and how a manifest reads it.

use anyhow::Context;
use panoptes_runtime::{Manifest, ModelDescription, TensorDescription};
use std::path::PathBuf;

/// Print a model's inputs and outputs (names, shapes with symbolic dimensions, element types).
/// Given a manifest (.toml), also check it against the graph and show how each head reads the
/// outputs. With --suggest, write a manifest to start from instead: the known layouts (YOLOX,
/// YOLOv5 / YOLOP, YOLOv8 / YOLO11 detection, pose and instance segmentation, per-pixel
/// segmentation, depth, heatmaps) recognised from the outputs' shapes and names, and what the
/// graph cannot say (class names, colour order, normalisation) written as comments.
///
/// Examples:
///   panoptes inspect ../shared/real/models/yolox-nano/yolox_nano_416x416.onnx
///   panoptes inspect models/zoo/yolox-nano.toml --weights ../shared/real/models/yolox-nano/yolox_nano_416x416.onnx
///   panoptes inspect my-model.onnx --suggest > my-model.toml   # then name the classes
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// An ONNX model (.onnx) or a model manifest (.toml).
    path: PathBuf,
    /// With a manifest: the .onnx weights to use instead of the manifest's `weights`.
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, conflicts_with = "suggest")]
    json: bool,
    /// Print a manifest for the ONNX model, read from its outputs (save it beside the model).
    #[arg(long, conflicts_with = "weights")]
    suggest: bool,
}

#[allow(clippy::print_stdout)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let is_manifest = args.path.extension().is_some_and(|ext| ext == "toml");
    if args.suggest {
        anyhow::ensure!(
            !is_manifest,
            "--suggest reads an ONNX model, not a manifest: give the .onnx file"
        );
        return suggest(&args.path);
    }
    let manifest = if is_manifest {
        let manifest = Manifest::load(&args.path, args.weights.as_deref())?;
        manifest.check_weights()?;
        Some(manifest)
    } else {
        anyhow::ensure!(
            args.weights.is_none(),
            "--weights only applies to a manifest (.toml)"
        );
        None
    };
    let model_path = manifest
        .as_ref()
        .map_or(args.path.clone(), |m| m.weights.clone());
    let description = panoptes_runtime::describe_model(&model_path)
        .with_context(|| format!("cannot inspect {}", model_path.display()))?;
    let batch = match &manifest {
        Some(manifest) => Some(panoptes_runtime::validate(manifest, &description)?),
        None => None,
    };
    if args.json {
        let mut report = serde_json::json!({
            "model": model_path,
            "inputs": description.inputs,
            "outputs": description.outputs,
        });
        if let Some(manifest) = &manifest {
            report["manifest"] = serde_json::json!({
                "path": manifest.path,
                "name": manifest.name,
                "input": { "tensor": manifest.input.tensor, "width": manifest.input.width, "height": manifest.input.height },
                "batch": format!("{batch:?}"),
                "heads": manifest.heads.iter().map(|head| serde_json::json!({
                    "name": head.name,
                    "kind": head.kind.as_str(),
                    "format": head.format,
                    "outputs": head.outputs,
                    "classes": head.classes.len(),
                    "keypoints": head.keypoints,
                })).collect::<Vec<_>>(),
            });
        }
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!("model {}", model_path.display());
    print_tensors("inputs", &description.inputs);
    print_tensors("outputs", &description.outputs);
    if let (Some(manifest), Some(batch)) = (&manifest, batch) {
        print_manifest(manifest, &description, batch);
    }
    Ok(())
}

/// Prints the suggested manifest for `model`, after checking that it validates against the
/// graph as it would be saved beside it.
#[allow(clippy::print_stdout)]
fn suggest(model: &std::path::Path) -> anyhow::Result<()> {
    let description = panoptes_runtime::describe_model(model)
        .with_context(|| format!("cannot inspect {}", model.display()))?;
    let file_name = model
        .file_name()
        .map_or_else(|| "model.onnx".into(), |name| name.to_string_lossy());
    let stem = model
        .file_stem()
        .map_or_else(|| "model".into(), |name| name.to_string_lossy());
    let suggestion = panoptes_runtime::suggest_manifest(&description, &file_name, &stem);
    let beside = model.with_extension("toml");
    Manifest::parse(&beside, &suggestion.manifest, Some(model))
        .and_then(|manifest| panoptes_runtime::validate(&manifest, &description))
        .context("the suggested manifest does not validate against the graph (please report it)")?;
    print!("{}", suggestion.manifest);
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_tensors(title: &str, tensors: &[TensorDescription]) {
    println!("{title}:");
    for tensor in tensors {
        println!(
            "  {:<16} {:<22} {}",
            tensor.name,
            tensor.shape_text(),
            tensor.element_type
        );
    }
}

#[allow(clippy::print_stdout)]
fn print_manifest(
    manifest: &Manifest,
    description: &ModelDescription,
    batch: panoptes_runtime::BatchLimit,
) {
    println!("manifest {} (valid)", manifest.path.display());
    let batching = match batch {
        panoptes_runtime::BatchLimit::Dynamic => "dynamic batch: one run per frame set".to_string(),
        panoptes_runtime::BatchLimit::Fixed(size) => {
            format!("batch fixed at {size}: frame sets are split into runs of {size}")
        }
    };
    println!(
        "  input  `{}` {}×{} ({batching})",
        manifest.input.tensor, manifest.input.width, manifest.input.height
    );
    for head in &manifest.heads {
        let shapes: Vec<String> = head
            .outputs
            .iter()
            .map(|name| {
                let shape = description
                    .output(name)
                    .map_or_else(|| "?".to_string(), TensorDescription::shape_text);
                format!("`{name}` {shape}")
            })
            .collect();
        let mut reading = head.kind.as_str().to_string();
        if let Some(format) = &head.format {
            reading += &format!(" ({format})");
        }
        if !head.classes.is_empty() {
            reading += &format!(", {} classes", head.classes.len());
        }
        if head.keypoints > 0 {
            reading += &format!(", {} keypoints", head.keypoints);
        }
        println!(
            "  head   {:<12} {} ← {}",
            head.name,
            reading,
            shapes.join(", ")
        );
    }
}
