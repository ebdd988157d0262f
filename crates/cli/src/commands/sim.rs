//! `panoptes sim OUT --rig nuscenes6|fisheye4 --frames N --seed S [--size WxH]`: renders a
//! synthetic drive with exact ground truth, in our format or as a nuScenes dataroot. The same
//! arguments always give the same bytes.

use std::path::PathBuf;

use anyhow::Context;

use crate::progress::ProgressDisplay;
use panoptes_sim::{
    parse_size, write_drive, write_nuscenes, RigPreset, SimConfig, SimScene, Simulator,
};

/// Render a synthetic surround-view drive with exact ground truth.
///
/// Our format (default): OUT/rig.json, OUT/index.json, the images and per-frame ground truth
/// (segmentation, depth, boxes, keypoints, 3D boxes).
///
/// `--format nuscenes`: OUT is a nuScenes dataroot (tables in OUT/v1.0-sim/) of --scenes
/// scenes, scene k a town of seed S + k seen by a rig calibrated a little differently (another
/// vehicle), every frame set's images (sweeps, 12 a second by default) and a sample (key
/// frame) every --key-every sets with the 3D boxes of every object some camera sees
/// (categories as nuScenes', read back with models/panoptes-net/nuscenes-categories.toml).
///
/// Examples:
///   panoptes sim out/val-drive --rig nuscenes6 --frames 30 --seed 510
///   panoptes sim out/sim-nuscenes --format nuscenes --scenes 3 --frames 25 --seed 600
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Directory to create (it must not exist, or be empty).
    pub out: PathBuf,
    /// Camera rig: `nuscenes6` (six pinhole cameras as nuScenes') or `fisheye4` (four ~190°
    /// fisheye cameras as WoodScape's; our format only).
    #[arg(long, default_value = "nuscenes6")]
    pub rig: String,
    /// Number of frame sets (per scene).
    #[arg(long, default_value_t = 10)]
    pub frames: u64,
    /// World seed: town, traffic, people, light.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Image size WIDTHxHEIGHT [default: 640x360 for nuscenes6, 640x480 for fisheye4].
    #[arg(long)]
    pub size: Option<String>,
    /// `panoptes` (our drive directory) or `nuscenes` (a nuScenes dataroot of several scenes).
    #[arg(long, default_value = "panoptes", value_parser = ["panoptes", "nuscenes"])]
    pub format: String,
    /// Seconds between frame sets [default: 0.5 for our format, 1/12 for nuscenes].
    #[arg(long, value_name = "SECONDS")]
    pub frame_interval: Option<f64>,
    /// nuscenes: number of scenes.
    #[arg(long, default_value_t = 2)]
    pub scenes: u64,
    /// nuscenes: a sample (key frame, annotated) every this many frame sets, from the first.
    #[arg(long, default_value_t = 6)]
    pub key_every: u64,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let rig: RigPreset = args.rig.parse()?;
    let nuscenes = args.format == "nuscenes";
    let interval = args
        .frame_interval
        .unwrap_or(if nuscenes { 1.0 / 12.0 } else { 0.5 });
    let mut config = SimConfig::new(rig, args.seed).with_frame_interval(interval);
    if let Some(size) = &args.size {
        let (width, height) = parse_size(size)?;
        config = config.with_size(width, height);
    }
    let frames = args.frames;
    if !nuscenes {
        let simulator = Simulator::new(config)?;
        let cameras = simulator.rig().len();
        let display = ProgressDisplay::new(frames, "panoptes sim", "frame sets");
        let root = write_drive(&simulator, &args.out, frames, |done| display.update(done))
            .with_context(|| {
                format!("cannot write the simulated drive to {}", args.out.display())
            })?;
        display.finish();
        println!(
            "wrote {} frame sets × {cameras} cameras ({} {}×{}, seed {}) to {}",
            frames,
            rig,
            config.width,
            config.height,
            config.seed,
            root.display()
        );
        return Ok(());
    }
    anyhow::ensure!(args.scenes > 0, "--scenes must be at least 1");
    anyhow::ensure!(args.key_every > 0, "--key-every must be at least 1");
    let scenes = (0..args.scenes)
        .map(|scene| {
            let seed = args.seed + scene;
            let rig_variant = rig.variant(config.width, config.height, scene)?;
            Ok(SimScene {
                name: format!("scene-{seed:04}"),
                simulator: Simulator::with_rig(SimConfig { seed, ..config }, rig_variant)?,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let display = ProgressDisplay::new(frames * args.scenes, "panoptes sim", "frame sets");
    let root = write_nuscenes(&scenes, &args.out, frames, args.key_every, |done| {
        display.update(done)
    })
    .with_context(|| format!("cannot write the nuScenes dataroot {}", args.out.display()))?;
    display.finish();
    println!(
        "wrote {} scenes × {frames} frame sets ({} key frames each) × {} cameras ({rig} {}×{}, seeds {}–{}) as a nuScenes dataroot to {}",
        args.scenes,
        frames.div_ceil(args.key_every),
        scenes[0].simulator.rig().len(),
        config.width,
        config.height,
        args.seed,
        args.seed + args.scenes - 1,
        root.display()
    );
    Ok(())
}
