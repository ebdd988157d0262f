//! `panoptes doctor`: can inference run here, and with what.

use anyhow::Context;

/// Show the ONNX Runtime library found, the execution providers it offers and this CPU's
/// features. Exits 0 when inference can run on at least the CPU provider. The first run on a
/// machine fetches the library from the `onnxruntime` wheel into the cache (needs pip).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the report as JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[allow(clippy::print_stdout)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let library = panoptes_runtime::load_library().context("ONNX Runtime is not usable")?;
    let providers = panoptes::available_providers()?;
    let built_with: Vec<&str> = [
        cfg!(feature = "cuda").then_some("cuda"),
        cfg!(feature = "tensorrt").then_some("tensorrt"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let cores = panoptes_pipeline::cores();
    let features = cpu_features();
    if args.json {
        let report = serde_json::json!({
            "onnxruntime": {
                "path": library.path,
                "version": library.version,
                "source": library.source.to_string(),
            },
            "providers": providers,
            "gpu_features_built": built_with,
            "cpu": { "cores": cores, "features": features, "arch": std::env::consts::ARCH },
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!("ONNX Runtime  {} ({})", library.version, library.source);
        println!("  library     {}", library.path.display());
        println!("providers     {}", providers.join(", "));
        println!(
            "GPU support   {}",
            if built_with.is_empty() {
                "not built (rebuild with --features cuda,tensorrt and the onnxruntime-gpu library)"
                    .to_string()
            } else {
                built_with.join(", ")
            }
        );
        println!("CPU           {} cores, {}", cores, std::env::consts::ARCH);
        println!("  features    {}", features.join(" "));
    }
    anyhow::ensure!(
        providers.iter().any(|name| name == "CPUExecutionProvider"),
        "the loaded ONNX Runtime offers no CPUExecutionProvider"
    );
    Ok(())
}

fn cpu_features() -> Vec<&'static str> {
    #[allow(unused_mut)]
    let mut found = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        macro_rules! probe {
            ($($name:tt),*) => {
                $(if std::arch::is_x86_feature_detected!($name) { found.push($name); })*
            };
        }
        probe!(
            "sse4.2",
            "avx",
            "avx2",
            "fma",
            "f16c",
            "avx512f",
            "avx512bw",
            "avx512vnni",
            "avx512bf16"
        );
    }
    #[cfg(target_arch = "aarch64")]
    {
        macro_rules! probe {
            ($($name:tt),*) => {
                $(if std::arch::is_aarch64_feature_detected!($name) { found.push($name); })*
            };
        }
        probe!("neon", "dotprod", "fp16", "bf16", "sve", "sve2");
    }
    found
}
