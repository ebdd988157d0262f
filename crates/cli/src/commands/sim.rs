//! `panoptes sim OUT --rig nuscenes6|fisheye4 --frames N --seed S [--size WxH]`: renders a
//! synthetic drive with exact ground truth. The same arguments always give the same bytes.

use std::path::PathBuf;

use anyhow::Context;

use crate::progress::ProgressDisplay;
use panoptes_sim::{parse_size, write_drive, RigPreset, SimConfig, Simulator};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to create (it must not exist, or be empty).
    pub out: PathBuf,
    /// Camera rig: `nuscenes6` (six pinhole cameras as nuScenes') or `fisheye4` (four ~190°
    /// fisheye cameras as WoodScape's).
    #[arg(long, default_value = "nuscenes6")]
    pub rig: String,
    /// Number of frame sets (one every 0.5 s of driving).
    #[arg(long, default_value_t = 10)]
    pub frames: u64,
    /// World seed: town, traffic, people, light.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Image size WIDTHxHEIGHT [default: 640x360 for nuscenes6, 640x480 for fisheye4].
    #[arg(long)]
    pub size: Option<String>,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let rig: RigPreset = args.rig.parse()?;
    let mut config = SimConfig::new(rig, args.seed);
    if let Some(size) = &args.size {
        let (width, height) = parse_size(size)?;
        config = config.with_size(width, height);
    }
    let simulator = Simulator::new(config)?;
    let cameras = simulator.rig().len();
    let frames = args.frames;
    let display = ProgressDisplay::new(frames, "panoptes sim", "frame sets");
    let root = write_drive(&simulator, &args.out, frames, |done| display.update(done))
        .with_context(|| format!("cannot write the simulated drive to {}", args.out.display()))?;
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
    Ok(())
}
