//! `panoptes replay DRIVE --model M.toml [--weights W.onnx] … --out DIR`.

use crate::progress::ProgressDisplay;
use anyhow::Context;
use panoptes_drive::Drive;
use panoptes_pipeline::{Pacing, Progress, ReplayOptions};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Replay a recorded drive through one or more models; write perception.jsonl (image-space
/// results and the objects around the vehicle), masks, bird's-eye views and a report.
///
/// Replay a recorded drive (our drive directory, or a nuScenes dataroot) through one or more
/// models, one engine each, and write DIR/perception.jsonl (one JSON object per frame set:
/// each camera's detections in original pixels with the `ego` position its camera alone gives,
/// and `objects_ego`, the objects around the vehicle, each once, tracked), the segmentation
/// masks and depth maps as PNGs, DIR/bev/<frame>.png (the bird's-eye view around the ego,
/// front up: 0 unknown, 1 drivable, 2 lane, 3 sidewalk, 4 object, in a colour palette), and
/// DIR/report.json (frame sets, errors, provider, latency per stage).
///
/// Fusion uses the built-in settings for real roads; --fusion FILE changes them (the README
/// lists every setting), --no-fusion leaves the results in image space. Drives of our
/// simulator, whose towns are flat, take models/panoptes-net/fusion.toml.
///
/// Examples:
///   panoptes replay assets/sample-drive --model models/panoptes-net/panoptes-net.toml --out out/sample
///   panoptes replay assets/sample-drive --model models/panoptes-net/panoptes-net.toml \
///       --fusion models/panoptes-net/fusion.toml --overlays --out out/sample
///   panoptes replay ../shared/real/nuscenes-sample \
///       --model models/zoo/yolox-nano.toml --weights ../shared/real/models/yolox-nano/yolox_nano_416x416.onnx \
///       --model models/zoo/twinlitenet.toml --weights ../shared/real/models/twinlitenet/twinlitenet_dynbatch.onnx \
///       --out out/nuscenes
///
/// A missing, unreadable or wrongly sized camera image is reported in its camera's `missing` and
/// `fault` fields and counted in the report's `faults`; a model run that fails is retried once,
/// a frame set on which a stage fails is written with every camera marked; the replay goes on.
/// A sink that fails (a full disk) or a stage stuck past --stage-timeout stops it; Ctrl-C stops
/// after the current frame set. Either way the outputs are flushed and the report is written,
/// its `accounting` saying where every frame set went and `stopped` why it ended early.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Drive directory (with rig.json) or nuScenes dataroot (with v1.0-*/ tables).
    drive: PathBuf,
    #[command(flatten)]
    scenes: super::drives::SceneArgs,
    #[command(flatten)]
    model: super::models::ModelArgs,
    #[command(flatten)]
    fusion: super::models::FusionArgs,
    /// Output directory (created; perception.jsonl is replaced). Several nuScenes scenes go to
    /// DIR/<scene>/ each.
    #[arg(long)]
    out: PathBuf,
    /// Replay only the first N frame sets.
    #[arg(long)]
    limit: Option<usize>,
    /// Replay the drive N times in a row, renumbering frame sets (soak and memory tests).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Pace the source by the frame timestamps (SPEED× recorded speed, default 1). When the
    /// models fall behind, the oldest waiting frame set is dropped and counted; the report gives
    /// the capture-to-result latency (`latency_ms.total`). Without it the replay runs offline:
    /// as fast as possible, blocking, nothing dropped.
    #[arg(long, value_name = "SPEED", num_args = 0..=1, default_missing_value = "1")]
    realtime: Option<f64>,
    /// Frame sets that may wait for pre-processing (real time: the drop-oldest queue).
    #[arg(long, default_value_t = 2)]
    queue: usize,
    /// What is written beside perception.jsonl and report.json (always written), comma
    /// separated: `masks` (DIR/masks/<frame>/<camera>/<head>.png class ids), `depth`
    /// (DIR/depth/..., 16-bit millimetres), `bev` (DIR/bev/<frame>.png, fusion on), or `none`.
    /// The records name only the files written. Each PNG costs CPU: `--save none` for the
    /// JSON alone.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["masks", "depth", "bev"])]
    save: Vec<Saved>,
    /// Also write DIR/overlays/<frame>.jpg: all cameras laid out as they sit on the vehicle, with
    /// boxes, labels, scores, pose skeletons, segmentation tint and a depth inset, and (fusion
    /// on) the bird's-eye view with every object's footprint and track id.
    #[arg(long)]
    overlays: bool,
    /// With --overlays: also draw the drive's ground-truth 2D boxes (white, labelled `gt:`
    /// and the class), for example a nuScenes dataroot's annotations projected the devkit's way.
    #[arg(long, requires = "overlays")]
    truth: bool,
    /// Inference workers, each with its own engines, working on alternate frame sets (default:
    /// 2 on a CPU with at least 2 cores, sharing the cores; else 1). 1 gives the lowest latency
    /// per frame set, 2 the most frame sets per second on a small CPU.
    #[arg(long, conflicts_with = "sequential")]
    workers: Option<usize>,
    /// Run the stages one after the other instead of overlapping them (reference path).
    #[arg(long, conflicts_with = "realtime")]
    sequential: bool,
    /// A stage that spends longer than SECONDS on one frame set stops the replay (a hung
    /// model or disk): the error names the stage and the frame set, what was produced is kept
    /// and the report says why. 0 switches the watchdog off.
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0)]
    stage_timeout: f64,
}

/// One kind of file `--save` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Saved {
    Masks,
    Depth,
    Bev,
    None,
}

/// The save set `--save` lists; `none` with anything else is refused.
fn save_set(saved: &[Saved]) -> anyhow::Result<panoptes_pipeline::SaveSet> {
    anyhow::ensure!(
        !saved.contains(&Saved::None) || saved.len() == 1,
        "--save none cannot be combined with other outputs"
    );
    Ok(panoptes_pipeline::SaveSet {
        masks: saved.contains(&Saved::Masks),
        depth: saved.contains(&Saved::Depth),
        bev: saved.contains(&Saved::Bev),
    })
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args, matches: Option<&clap::ArgMatches>) -> anyhow::Result<()> {
    anyhow::ensure!(args.workers != Some(0), "--workers must be at least 1");
    let models = args.model.requests(matches)?;
    let targets = args.model.targets()?;
    let drives = args.scenes.open(&args.drive)?;
    let stop = Arc::new(AtomicBool::new(false));
    let handler_stop = Arc::clone(&stop);
    // A second Ctrl-C is not caught again: the default handler then ends the process.
    let _ = ctrlc::set_handler(move || handler_stop.store(true, Ordering::Relaxed));
    let options = ReplayOptions {
        models,
        targets,
        optimization: args.model.optimization()?,
        out: args.out.clone(),
        limit: args.limit,
        repeat: args.repeat,
        pacing: match args.realtime {
            Some(speed) if speed > 0.0 && speed.is_finite() => Pacing::RealTime { speed },
            Some(speed) => anyhow::bail!("--realtime {speed}: the speed must be a positive number"),
            None => Pacing::Offline,
        },
        queue: args.queue,
        inference_workers: args.workers,
        fusion: args.fusion.config()?,
        save: save_set(&args.save)?,
        overlays: args.overlays,
        overlay_truth: args.truth,
        stop,
        stage_timeout: super::models::stage_timeout(args.stage_timeout)?,
        faults: None,
    };
    let several = drives.len() > 1;
    for drive in &drives {
        if options.stop.load(Ordering::Relaxed) {
            break;
        }
        let options = ReplayOptions {
            out: panoptes_pipeline::scene_directory(&args.out, drive, several),
            ..options.clone()
        };
        let label = super::drives::scene_prefix(drive, several);
        replay_drive(drive, &options, &label, args.sequential)
            .with_context(|| format!("replay of {} failed", args.drive.display()))?;
    }
    Ok(())
}

/// Replays one drive (or scene) and prints its summary line, `label` before it.
#[allow(clippy::print_stdout, clippy::print_stderr)]
fn replay_drive(
    drive: &Drive,
    options: &ReplayOptions,
    label: &str,
    sequential: bool,
) -> anyhow::Result<()> {
    let loaded = panoptes_pipeline::load_models(options, drive.rig().len())?;
    for model in &loaded {
        eprintln!(
            "panoptes replay: {label}{} on {} ({})",
            model.manifest.name,
            model.engine.target(),
            model.manifest.weights.display()
        );
    }
    let total = panoptes_pipeline::FrameSource::new(drive, options.limit, options.repeat).total();
    let title = format!("panoptes replay {}", label.trim_end_matches(": "));
    let display = ProgressDisplay::new(total as u64, title.trim_end(), "frame sets");
    let mut progress = |progress: Progress| display.update(progress.done as u64);
    let replay = if sequential {
        panoptes_pipeline::replay_sequential
    } else {
        panoptes_pipeline::replay_concurrent
    };
    let report = replay(drive, loaded, options, &mut progress)?;
    display.finish();
    let total_latency = report
        .latency_ms
        .get("total")
        .map_or(0.0, |latency| latency.p50);
    let dropped: usize = report.drops.values().sum();
    println!(
        "{label}replayed {} frame sets ({dropped} dropped) in {:.1} s ({:.2} frame sets/s, latency p50 {:.1} ms) on {}; {} problems{}{}; outputs in {}",
        report.frame_sets,
        report.wall_seconds,
        report.frame_sets_per_second,
        total_latency,
        workers_label(&report),
        report.errors,
        faults_label(&report),
        if report.interrupted { " (interrupted)" } else { "" },
        options.out.display()
    );
    Ok(())
}

/// ` (camera_missing 4, image_unreadable 1)`: the faults by kind, or nothing without any.
fn faults_label(report: &panoptes_pipeline::Report) -> String {
    let kinds: Vec<String> = report
        .faults
        .iter()
        .filter(|(kind, _)| **kind != panoptes_pipeline::FaultKind::Interrupted)
        .map(|(kind, count)| format!("{kind} {count}"))
        .collect();
    if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    }
}

/// `cpu`, or `cpu (2 workers × 1 thread)` when several engines shared the work.
fn workers_label(report: &panoptes_pipeline::Report) -> String {
    match report.models.first() {
        Some(model) if model.workers > 1 => {
            let threads = model.cpu_threads.map_or(String::new(), |threads| {
                format!(" × {threads} thread{}", if threads == 1 { "" } else { "s" })
            });
            format!("{} ({} workers{threads})", report.provider, model.workers)
        }
        _ => report.provider.clone(),
    }
}
