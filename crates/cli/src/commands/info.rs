//! `panoptes info DRIVE`: the rig and the number of frame sets of a drive, as JSON.

use std::path::PathBuf;

use anyhow::Context;
use panoptes_drive::Drive;
use panoptes_rig::RigRecord;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Our drive directory (rig.json + index.json) or a nuScenes dataroot (with v1.0-*/ tables).
    pub drive: PathBuf,
}

/// Prints `{"format", "cameras": [...rig.json cameras...], "frame_sets", "missing_frames"}`;
/// each camera is written exactly as in rig.json (`sensor_to_ego`: translation in metres and a
/// row-major 3×3 rotation matrix, sensor frame x right, y down, z forward).
#[allow(clippy::print_stdout)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let drive = Drive::open(&args.drive)
        .with_context(|| format!("cannot open drive {}", args.drive.display()))?;
    let sets = drive.frame_sets();
    let report = serde_json::json!({
        "format": drive.format().name(),
        "cameras": RigRecord::from(drive.rig()).cameras,
        "frame_sets": sets.len(),
        "missing_frames": sets.iter().map(|set| set.missing()).sum::<usize>(),
        "first_timestamp_us": sets.first().map(|set| set.timestamp_us),
        "last_timestamp_us": sets.last().map(|set| set.timestamp_us),
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
