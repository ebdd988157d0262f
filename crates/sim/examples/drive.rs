//! Writes a simulated drive exactly as `panoptes sim OUT --rig RIG --frames N --seed S` does
//! (same library call, same bytes), for when the CLI is not at hand.
//!
//! `cargo run --release -p panoptes-sim --example drive -- OUT [RIG] [FRAMES] [SEED]`

use anyhow::Context;
use panoptes_sim::{write_drive, RigPreset, SimConfig, Simulator};

fn main() -> anyhow::Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let out = arguments
        .first()
        .context("usage: drive OUT [RIG] [FRAMES] [SEED]")?;
    let rig: RigPreset = arguments
        .get(1)
        .map_or("nuscenes6", String::as_str)
        .parse()?;
    let frames: u64 = arguments.get(2).map_or(Ok(10), |text| text.parse())?;
    let seed: u64 = arguments.get(3).map_or(Ok(0), |text| text.parse())?;
    let simulator = Simulator::new(SimConfig::new(rig, seed))?;
    write_drive(&simulator, std::path::Path::new(out), frames, |_| {})?;
    Ok(())
}
