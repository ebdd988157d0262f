//! `panoptes bench`: latency per stage and per frame set, model by model, and the replay's
//! throughput against inference alone.

use anyhow::Context;
use panoptes_pipeline::{Pacing, ReplayOptions, StageBenchmark, WorkerBenchmark};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Measure latency per stage and per frame set, and the replay's throughput against inference
/// alone.
///
/// Measure each model's stages alone (pre-processing, inference, decoding) on the drive's first
/// complete frame set, then replay the drive through all models with overlapping stages and
/// sequentially, and compare the replay's throughput with inference alone. Prints a table;
/// `--json FILE` also writes the figures.
///
/// Example:
///   panoptes bench assets/sample-drive --model models/panoptes-net/panoptes-net.toml --iterations 30
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Drive directory or nuScenes dataroot (its first scene, or the first `--scene`).
    drive: PathBuf,
    #[command(flatten)]
    scenes: super::drives::SceneArgs,
    #[command(flatten)]
    model: super::models::ModelArgs,
    #[command(flatten)]
    fusion: super::models::FusionArgs,
    /// Timed repetitions per stage.
    #[arg(long, default_value_t = 20)]
    iterations: usize,
    /// Untimed repetitions first.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Frame sets replayed for the throughput comparison (the drive is repeated as needed).
    #[arg(long, default_value_t = 30)]
    frame_sets: usize,
    /// Inference workers of the concurrent replay, each with its own engines (default: 2 on a
    /// CPU with at least 2 cores, else 1); inference alone is also measured with as many.
    #[arg(long)]
    workers: Option<usize>,
    /// Also write the figures as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args, matches: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    anyhow::ensure!(args.iterations > 0, "--iterations must be at least 1");
    anyhow::ensure!(args.workers != Some(0), "--workers must be at least 1");
    let requests = args.model.requests(matches)?;
    let targets = args.model.targets()?;
    let optimization = args.model.optimization()?;
    if let Some(path) = &args.json {
        super::models::prepare_output_file(path)?;
    }
    let drive = args.scenes.open(&args.drive)?.remove(0);
    if let Some(scene) = drive.scene() {
        eprintln!("panoptes bench: scene {}", scene.name);
    }
    let frame_set = drive
        .frame_sets()
        .iter()
        .find(|set| set.missing() == 0)
        .or_else(|| drive.frame_sets().first())
        .context("the drive has no frame sets")?
        .clone();
    let cameras = drive.rig().len();
    let scratch = std::env::temp_dir().join(format!("panoptes-bench-{}", std::process::id()));
    let mut options = ReplayOptions {
        models: requests.clone(),
        targets,
        optimization,
        out: scratch.clone(),
        limit: None,
        repeat: args.frame_sets.div_ceil(drive.frame_sets().len().max(1)),
        pacing: Pacing::Offline,
        queue: 2,
        inference_workers: args.workers,
        fusion: args.fusion.config()?,
        save: panoptes_pipeline::SaveSet::default(),
        overlays: false,
        overlay_truth: false,
        stop: Arc::new(AtomicBool::new(false)),
        stage_timeout: Some(panoptes_pipeline::DEFAULT_STAGE_TIMEOUT),
        faults: None,
    };
    let mut stages: Vec<StageBenchmark> = Vec::new();
    let mut parallel: Vec<WorkerBenchmark> = Vec::new();
    for request in &requests {
        options.models = vec![request.clone()];
        let model = panoptes_pipeline::load_models(&options, cameras)?.remove(0);
        eprintln!(
            "panoptes bench: {} stages × {} on {}",
            model.manifest.name,
            args.iterations,
            model.engine.target()
        );
        stages.push(panoptes_pipeline::benchmark_stages(
            model,
            &frame_set,
            options.fusion.as_ref().map(|fusion| (drive.rig(), fusion)),
            args.warmup,
            args.iterations,
        )?);
        let model = panoptes_pipeline::load_models(&options, cameras)?.remove(0);
        let workers = args.workers.unwrap_or_else(|| {
            panoptes_pipeline::default_workers(std::slice::from_ref(&model.engine))
        });
        eprintln!(
            "panoptes bench: {} inference alone, {workers} workers side by side",
            model.manifest.name
        );
        parallel.push(panoptes_pipeline::benchmark_workers(
            model,
            &frame_set,
            workers,
            args.warmup,
            args.iterations,
        )?);
    }
    options.models = requests;
    let mut replays = Vec::new();
    for (mode, concurrent) in [("concurrent", true), ("sequential", false)] {
        eprintln!(
            "panoptes bench: replay of {} frame sets, {mode}",
            args.frame_sets
        );
        let models = panoptes_pipeline::load_models(&options, cameras)?;
        let replay = if concurrent {
            panoptes_pipeline::replay_concurrent
        } else {
            panoptes_pipeline::replay_sequential
        };
        let report = replay(&drive, models, &options, &mut |_| {})?;
        replays.push((
            mode,
            report.frame_sets_per_second,
            report.latency_ms.get("total").copied().unwrap_or_default(),
            report.cpu,
        ));
    }
    let _ = std::fs::remove_dir_all(&scratch);
    // All models run back to back on each frame set: their inference times add up.
    let inference_alone: f64 = 1e3
        / stages
            .iter()
            .map(|stage| stage.inference_ms.mean)
            .sum::<f64>()
            .max(1e-9);
    println!(
        "{:<16} {:>9} {:>22} {:>22} {:>22} {:>22} {:>22}",
        "model",
        "provider",
        "preprocess ms p50/p99",
        "inference ms p50/p99",
        "decode ms p50/p99",
        "fusion ms p50/p99",
        "BEV PNG ms p50/p99"
    );
    let optional = |latency: &Option<panoptes::Latency>| {
        latency.as_ref().map_or("off".to_string(), |latency| {
            format!("{:.2} / {:.2}", latency.p50, latency.p99)
        })
    };
    for stage in &stages {
        println!(
            "{:<16} {:>9} {:>22} {:>22} {:>22} {:>22} {:>22}",
            stage.model,
            stage.provider,
            format!(
                "{:.1} / {:.1}",
                stage.preprocess_ms.p50, stage.preprocess_ms.p99
            ),
            format!(
                "{:.1} / {:.1}",
                stage.inference_ms.p50, stage.inference_ms.p99
            ),
            format!("{:.1} / {:.1}", stage.decode_ms.p50, stage.decode_ms.p99),
            optional(&stage.fusion_ms),
            optional(&stage.bev_png_ms),
        );
    }
    if let Some(stage) = stages.first() {
        println!(
            "(percentiles of {} runs per stage; a p99 of fewer than 100 is near their maximum)",
            stage.inference_ms.samples
        );
    }
    // Models run back to back in each worker: their times per frame set add up.
    let workers_alone = 1.0
        / parallel
            .iter()
            .map(|bench| 1.0 / bench.frame_sets_per_second.max(1e-9))
            .sum::<f64>()
            .max(1e-9);
    let workers = parallel.first().map_or(1, |bench| bench.workers);
    let threads = match parallel.first().and_then(|bench| bench.cpu_threads) {
        Some(1) => "1 thread".to_string(),
        Some(threads) => format!("{threads} threads"),
        None => "default threads".to_string(),
    };
    // The model's own throughput: the better of the two ways to run it with nothing else to do.
    let best = inference_alone.max(workers_alone);
    // CPU cost of all models back to back: their CPU times per frame set add up.
    let total_cpu =
        |costs: Vec<Option<panoptes_pipeline::CpuCost>>| -> Option<panoptes_pipeline::CpuCost> {
            costs
                .into_iter()
                .try_fold(panoptes_pipeline::CpuCost::default(), |sum, cost| {
                    cost.map(|cost| panoptes_pipeline::CpuCost {
                        cpu_ms_per_frame_set: sum.cpu_ms_per_frame_set + cost.cpu_ms_per_frame_set,
                        cores_busy: sum.cores_busy.max(cost.cores_busy),
                    })
                })
        };
    let single_cpu = total_cpu(stages.iter().map(|stage| stage.inference_cpu).collect());
    let workers_cpu = total_cpu(parallel.iter().map(|bench| bench.cpu).collect());
    println!(
        "inference alone, one engine: {inference_alone:.2} frame sets/s ({cameras} cameras per set){}",
        cpu_text(single_cpu)
    );
    let engines = if workers == 1 {
        "engine"
    } else {
        "engines side by side"
    };
    println!(
        "inference alone, {workers} {engines} ({threads} each): {workers_alone:.2} frame sets/s{}",
        cpu_text(workers_cpu)
    );
    for (mode, throughput, latency, cpu) in &replays {
        println!(
            "replay {mode:<10}: {throughput:.2} frame sets/s = {:.0}% of the better inference alone{}; latency p50 {:.1} ms, p99 {:.1} ms",
            100.0 * throughput / best,
            cpu_text(*cpu),
            latency.p50,
            latency.p99
        );
    }
    let inference_cpu = if inference_alone >= workers_alone {
        single_cpu
    } else {
        workers_cpu
    };
    if let (Some((_, throughput, _, Some(replay))), Some(inference)) =
        (replays.first(), inference_cpu)
    {
        if throughput / best < 0.9 && replay.cores_busy > 0.9 * panoptes_pipeline::cores() as f64 {
            println!(
                "the concurrent replay kept the {} cores busy: it is short of cores, not of overlap. Besides the model's {:.0} CPU-ms, each frame set costs {:.0} CPU-ms of reading, pre-processing, decoding and writing.",
                panoptes_pipeline::cores(),
                inference.cpu_ms_per_frame_set,
                (replay.cpu_ms_per_frame_set - inference.cpu_ms_per_frame_set).max(0.0)
            );
        }
    }
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "drive": args.drive,
            "stages": stages,
            "inference_alone_frame_sets_per_second": inference_alone,
            "inference_workers": parallel,
            "inference_workers_frame_sets_per_second": workers_alone,
            "replay": replays.iter().map(|(mode, throughput, latency, cpu)| serde_json::json!({
                "mode": mode, "frame_sets_per_second": throughput,
                "fraction_of_inference_alone": throughput / best, "latency_ms": latency,
                "cpu": cpu,
            })).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// ", N CPU-ms per frame set, B of C cores busy", or nothing where CPU time is unknown.
fn cpu_text(cost: Option<panoptes_pipeline::CpuCost>) -> String {
    cost.map_or_else(String::new, |cost| {
        format!(
            ", {:.0} CPU-ms per frame set, {:.1} of {} cores busy",
            cost.cpu_ms_per_frame_set,
            cost.cores_busy,
            panoptes_pipeline::cores()
        )
    })
}
