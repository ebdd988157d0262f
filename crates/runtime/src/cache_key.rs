//! Keys for TensorRT engine caches: a changed model, shape or option never reuses an engine.

use crate::manifest::Manifest;
use crate::target::TensorRtOptions;
use std::io::Read;

/// `<model name>-<16 hex digits>`, hashing the weights' bytes, the input tensor and size, the
/// batch profile, fp16, the device and this library's version.
pub fn engine_cache_key(
    manifest: &Manifest,
    batch_size: usize,
    options: &TensorRtOptions,
) -> std::io::Result<String> {
    let mut hash = Fnv64::default();
    let mut file = std::fs::File::open(&manifest.weights)?;
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hash.update(&buffer[..read]);
    }
    let settings = format!(
        "{}|{}x{}|batch{}|fp16={}|device{}|ort{}",
        manifest.input.tensor,
        manifest.input.width,
        manifest.input.height,
        batch_size,
        options.fp16,
        options.device,
        crate::library::ONNX_RUNTIME_VERSION
    );
    hash.update(settings.as_bytes());
    let name: String = manifest
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(format!("{name}-{:016x}", hash.finish()))
}

/// FNV-1a, 64 bits: stable across Rust versions, unlike `DefaultHasher`.
struct Fnv64(u64);

impl Default for Fnv64 {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv64 {
    fn update(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::path::Path;

    fn manifest(weights: &Path, width: usize) -> Manifest {
        let text = format!(
            "[model]\nweights = {:?}\n[input]\ntensor = \"images\"\nwidth = {width}\nheight = 8\n\
             [[heads]]\nname = \"d\"\nkind = \"depth\"\noutputs = [\"depth\"]\n",
            weights.display().to_string()
        );
        Manifest::parse(Path::new("m.toml"), &text, None).unwrap()
    }

    #[test]
    fn key_changes_with_weights_shape_and_options() {
        let folder = tempfile::tempdir().unwrap();
        let weights = folder.path().join("w.onnx");
        std::fs::write(&weights, b"first").unwrap();
        let options = TensorRtOptions::default();
        let base = engine_cache_key(&manifest(&weights, 8), 6, &options).unwrap();
        assert_eq!(
            base,
            engine_cache_key(&manifest(&weights, 8), 6, &options).unwrap()
        );
        assert_ne!(
            base,
            engine_cache_key(&manifest(&weights, 16), 6, &options).unwrap()
        );
        assert_ne!(
            base,
            engine_cache_key(&manifest(&weights, 8), 4, &options).unwrap()
        );
        let fp32 = TensorRtOptions {
            fp16: false,
            ..options.clone()
        };
        assert_ne!(
            base,
            engine_cache_key(&manifest(&weights, 8), 6, &fp32).unwrap()
        );
        std::fs::write(&weights, b"second").unwrap();
        assert_ne!(
            base,
            engine_cache_key(&manifest(&weights, 8), 6, &options).unwrap()
        );
    }
}
