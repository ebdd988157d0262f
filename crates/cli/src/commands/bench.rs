//! `panoptes bench`: cold start, latency per stage, and A/B comparisons in interleaved rounds
//! (batched vs per camera, shared vs separate models, workers, providers, overlapped vs
//! sequential replay); JSON and SVG plots on request.

use super::bench_print as print;
use anyhow::Context;
use panoptes_pipeline::{
    Comparison, LoadedModel, ModelRequest, Pacing, ReplayOptions, Rounds, Skipped, StageBenchmark,
    WorkerBenchmark,
};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

/// Measure cold start, latency per stage, and what each choice is worth, in one run.
///
/// 1. Cold start: loading ONNX Runtime, building each model's session, its first run.
/// 2. Each model's stages alone (pre-processing, inference, decoding, fusion) on the drive's
///    first complete frame set, percentiles over --iterations runs.
/// 3. Comparisons, each timed in --rounds interleaved rounds (A then B, then B then A, ...) so
///    that the machine's drift cancels; each is the ratio B/A within a round, with its median
///    and range over the rounds:
///    - batched: one run of all cameras vs a run per camera (first model)
///    - shared: the first model vs the --separate models back to back (inference)
///    - workers: one engine with every core vs --workers engines side by side (inference)
///    - providers: the first --provider vs the last one, each alone (inference)
///    - overlap: the overlapped (concurrent) replay vs the sequential one, all models
///
/// A comparison that cannot be made here (a fixed batch, one provider) is listed as skipped,
/// with why.
///
/// Prints tables; `--json FILE` writes every figure (schema in the README's "Benchmarks") and,
/// beside it, FILE-latency.svg (histogram per stage), FILE-timeline.svg (stages per frame set,
/// overlapped and sequential) and FILE-comparisons.svg (ratios with their range).
///
/// Examples:
///   panoptes bench assets/sample-drive --model models/panoptes-net/panoptes-net.toml
///   panoptes bench assets/sample-drive --model models/panoptes-net/panoptes-net.toml \
///     --separate models/panoptes-net/panoptes-net-detection.toml \
///     --separate models/panoptes-net/panoptes-net-segmentation.toml \
///     --separate models/panoptes-net/panoptes-net-depth.toml --json out/bench/bench.json
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
    /// Untimed repetitions first (per stage, and per side of each comparison).
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    /// Frame sets replayed per side and round of the overlap comparison (the drive is repeated
    /// as needed).
    #[arg(long, default_value_t = 30)]
    frame_sets: usize,
    /// Inference workers of the concurrent replay, each with its own engines (default: 2 on a
    /// CPU with at least 2 cores, else 1); inference alone is also measured with as many.
    #[arg(long)]
    workers: Option<usize>,
    /// Comparisons to run: any of batched, shared, workers, providers, overlap (comma
    /// separated), or none.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "batched,shared,workers,providers,overlap"
    )]
    compare: Vec<String>,
    /// Interleaved rounds per comparison.
    #[arg(long, default_value_t = 6)]
    rounds: usize,
    /// Timed repetitions per side in each round of the inference comparisons (their median is
    /// the round's figure).
    #[arg(long, default_value_t = 5)]
    round_repetitions: usize,
    /// The first model's tasks as single-task models (repeat the flag), for the shared
    /// comparison: their inference runs back to back against the first model's.
    #[arg(long, value_name = "MANIFEST")]
    separate: Vec<PathBuf>,
    /// Also write the figures as JSON, and the plots beside it.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The comparisons `--compare` can name.
const COMPARISONS: [&str; 5] = ["batched", "shared", "workers", "providers", "overlap"];

/// How long a process took to be ready: once per process, then per model.
#[derive(Debug, Clone)]
pub(super) struct ColdStart {
    /// Loading the ONNX Runtime library and its environment, ms.
    pub library_ms: f64,
    /// Per model: building its session (graph optimisation, provider), ms.
    pub session_ms: Vec<(String, f64)>,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args, matches: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    anyhow::ensure!(args.iterations > 0, "--iterations must be at least 1");
    anyhow::ensure!(args.workers != Some(0), "--workers must be at least 1");
    let compare = chosen_comparisons(&args.compare)?;
    anyhow::ensure!(
        compare.is_empty() || args.rounds > 0,
        "--rounds must be at least 1"
    );
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
    let load = |options: &ReplayOptions, request: &ModelRequest| -> anyhow::Result<LoadedModel> {
        let options = ReplayOptions {
            models: vec![request.clone()],
            ..options.clone()
        };
        Ok(panoptes_pipeline::load_models(&options, cameras)?.remove(0))
    };
    let started = Instant::now();
    panoptes_runtime::load_library()?;
    let mut cold = ColdStart {
        library_ms: started.elapsed().as_secs_f64() * 1e3,
        session_ms: Vec::new(),
    };
    let mut stages: Vec<StageBenchmark> = Vec::new();
    let mut parallel: Vec<WorkerBenchmark> = Vec::new();
    for request in &requests {
        let started = Instant::now();
        let model = load(&options, request)?;
        let name = model.manifest.name.clone();
        cold.session_ms
            .push((name.clone(), started.elapsed().as_secs_f64() * 1e3));
        eprintln!(
            "panoptes bench: {name} stages × {} on {}",
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
        let model = load(&options, request)?;
        let workers = workers(&args, &model);
        eprintln!("panoptes bench: {name} inference alone, {workers} workers side by side");
        parallel.push(panoptes_pipeline::benchmark_workers(
            model,
            &frame_set,
            workers,
            args.warmup,
            args.iterations,
        )?);
    }
    let rounds = Rounds {
        rounds: args.rounds,
        repetitions: args.round_repetitions,
        warmup: args.warmup,
    };
    let first = &requests[0];
    let mut comparisons: Vec<Comparison> = Vec::new();
    let mut skipped: Vec<Skipped> = Vec::new();
    let mut outcome = |name: &str, result: Result<Comparison, Skipped>| match result {
        Ok(comparison) => {
            eprintln!(
                "panoptes bench: {} {}",
                comparison.name,
                print::ratio(&comparison)
            );
            comparisons.push(comparison);
        }
        Err(skip) => {
            eprintln!("panoptes bench: {name} skipped: {}", skip.why);
            skipped.push(skip);
        }
    };
    let mut timelines = None;
    for kind in &compare {
        eprintln!(
            "panoptes bench: comparing {kind}, {} interleaved rounds",
            args.rounds
        );
        let result = match *kind {
            "batched" => panoptes_pipeline::batched_vs_per_camera(
                load(&options, first)?,
                &frame_set,
                rounds,
            )?,
            "shared" => shared(&args, &options, &load, &frame_set, rounds)?,
            "workers" => {
                let model = load(&options, first)?;
                let workers = workers(&args, &model);
                panoptes_pipeline::workers_vs_one(model, workers, &frame_set, rounds)?
            }
            "providers" => providers(&options, first, cameras, &frame_set, rounds)?,
            _ => {
                options.models = requests.clone();
                let (comparison, concurrent, sequential) =
                    panoptes_pipeline::overlapped_vs_sequential(&drive, &options, args.rounds)?;
                timelines = Some((concurrent, sequential));
                Ok(comparison)
            }
        };
        outcome(kind, result);
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let summary = print::Summary {
        cameras,
        cold: &cold,
        stages: &stages,
        parallel: &parallel,
        comparisons: &comparisons,
        skipped: &skipped,
    };
    summary.print();
    if let Some(path) = &args.json {
        let json = serde_json::json!({
            "drive": args.drive,
            "cameras": cameras,
            "cores": panoptes_pipeline::cores(),
            "cold_start": {
                "library_ms": cold.library_ms,
                "models": cold.session_ms.iter().zip(&stages).map(|((model, session), stage)| serde_json::json!({
                    "model": model, "session_ms": session, "first_inference_ms": stage.first_inference_ms,
                })).collect::<Vec<_>>(),
            },
            "stages": stages,
            "inference_alone_frame_sets_per_second": summary.inference_alone(),
            "inference_workers": parallel,
            "inference_workers_frame_sets_per_second": summary.workers_alone(),
            "comparisons": comparisons,
            "skipped": skipped,
            "timeline": timelines.as_ref().map(|(concurrent, sequential)| serde_json::json!({
                "overlapped": concurrent.timeline, "sequential": sequential.timeline,
            })),
        });
        std::fs::write(path, serde_json::to_string_pretty(&json)? + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        let plots = super::bench_plots::write_all(
            path,
            &stages,
            &comparisons,
            timelines.as_ref().map(|(concurrent, sequential)| {
                (&concurrent.timeline[..], &sequential.timeline[..])
            }),
        )?;
        for plot in plots {
            eprintln!("panoptes bench: wrote {}", plot.display());
        }
    }
    Ok(())
}

/// The comparisons named by `--compare`, in the order they run.
fn chosen_comparisons(names: &[String]) -> anyhow::Result<Vec<&'static str>> {
    if names.iter().any(|name| name == "none") {
        anyhow::ensure!(
            names.len() == 1,
            "--compare none cannot be combined with other comparisons"
        );
        return Ok(Vec::new());
    }
    for name in names {
        anyhow::ensure!(
            COMPARISONS.contains(&name.as_str()),
            "--compare {name}: not a comparison; choose from {} or none",
            COMPARISONS.join(", ")
        );
    }
    Ok(COMPARISONS
        .into_iter()
        .filter(|kind| names.iter().any(|name| name == kind))
        .collect())
}

/// The inference workers of the concurrent replay for this model.
fn workers(args: &Args, model: &LoadedModel) -> usize {
    args.workers
        .unwrap_or_else(|| panoptes_pipeline::default_workers(std::slice::from_ref(&model.engine)))
}

type Load<'a> = dyn Fn(&ReplayOptions, &ModelRequest) -> anyhow::Result<LoadedModel> + 'a;

/// The first model against the `--separate` ones.
fn shared(
    args: &Args,
    options: &ReplayOptions,
    load: &Load<'_>,
    frame_set: &panoptes::FrameSet,
    rounds: Rounds,
) -> anyhow::Result<Result<Comparison, Skipped>> {
    if args.separate.is_empty() {
        return Ok(Err(Skipped {
            name: "shared vs separate models".to_string(),
            why: "no --separate models given".to_string(),
        }));
    }
    let shared = load(options, &options.models[0])?;
    let separate = args
        .separate
        .iter()
        .map(|manifest| {
            let request = ModelRequest {
                manifest: manifest.clone(),
                weights: None,
            };
            load(options, &request).with_context(|| format!("--separate {}", manifest.display()))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let names = |models: &[LoadedModel]| {
        models
            .iter()
            .map(|model| model.manifest.name.clone())
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let labels = (
        format!("{} (shared encoder)", shared.manifest.name),
        format!("{} back to back", names(&separate)),
    );
    Ok(Ok(panoptes_pipeline::inference_vs(
        "shared vs separate models",
        (&labels.0, &labels.1),
        vec![shared],
        separate,
        frame_set,
        rounds,
    )?))
}

/// The first `--provider` that registers against the last one, each alone.
fn providers(
    options: &ReplayOptions,
    request: &ModelRequest,
    cameras: usize,
    frame_set: &panoptes::FrameSet,
    rounds: Rounds,
) -> anyhow::Result<Result<Comparison, Skipped>> {
    let skip = |why: String| {
        Ok(Err(Skipped {
            name: "providers".to_string(),
            why,
        }))
    };
    let (Some(first), Some(last)) = (options.targets.first(), options.targets.last()) else {
        return skip("no provider".to_string());
    };
    if options.targets.len() < 2 {
        return skip(format!(
            "one provider ({first}); name two to compare them, e.g. --provider cuda,cpu"
        ));
    }
    let alone = |target: &panoptes_runtime::ExecutionTarget| {
        LoadedModel::load(
            request,
            std::slice::from_ref(target),
            cameras,
            options.optimization,
        )
    };
    let (a, b) = match (alone(first), alone(last)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(error), _) | (_, Err(error)) => {
            return skip(format!("a provider is not available here: {error}"))
        }
    };
    let labels = (format!("{first}"), format!("{last}"));
    Ok(Ok(panoptes_pipeline::inference_vs(
        "providers",
        (&labels.0, &labels.1),
        vec![a],
        vec![b],
        frame_set,
        rounds,
    )?))
}
