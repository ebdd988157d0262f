//! Writes the input tensor Panoptes builds for each image, so that a tool's own post-processing
//! can be run on exactly what Panoptes feeds the model (models/exports/recipe.py does).
//!
//!   cargo run --release -p panoptes --example input_tensor -- MANIFEST.toml OUT_DIR IMAGE...
//!
//! For each image, OUT_DIR gets `<image stem>.f32` (the `[3, H, W]` tensor, little-endian f32)
//! and `<image stem>.json` (its shape and the model → image transform).

use anyhow::Context;
use panoptes_preprocess::{ImageSource, Preprocessor};
use panoptes_runtime::Manifest;
use std::path::PathBuf;

fn main() -> anyhow::Result<()> {
    let arguments: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [manifest, directory, images @ ..] = arguments.as_slice() else {
        anyhow::bail!("usage: input_tensor MANIFEST.toml OUT_DIR IMAGE...");
    };
    anyhow::ensure!(!images.is_empty(), "give at least one image");
    let manifest = Manifest::load(manifest, None)?;
    let layout = panoptes_pipeline::input_layout(&manifest)?;
    let mut preprocessor = Preprocessor::new(layout, 1)?;
    std::fs::create_dir_all(directory)
        .with_context(|| format!("cannot create {}", directory.display()))?;
    for image in images {
        let transform = preprocessor
            .preprocess(&[ImageSource::File(image)])?
            .remove(0)
            .map_err(|error| anyhow::anyhow!("{}: {error}", image.display()))?;
        let batch = preprocessor.batch();
        let bytes: Vec<u8> = batch.iter().flat_map(|value| value.to_le_bytes()).collect();
        let stem = image
            .file_stem()
            .and_then(|stem| stem.to_str())
            .context("image name is not UTF-8")?;
        std::fs::write(directory.join(format!("{stem}.f32")), bytes)?;
        let shape: Vec<usize> = batch.shape()[1..].to_vec();
        let description = serde_json::json!({ "shape": shape, "transform": transform });
        std::fs::write(
            directory.join(format!("{stem}.json")),
            serde_json::to_string_pretty(&description)?,
        )?;
    }
    Ok(())
}
