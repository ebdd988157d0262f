//! `panoptes info DRIVE`: the rig and the number of frame sets of a drive, or the scenes of a
//! nuScenes dataroot, as JSON.

use std::path::PathBuf;

use anyhow::Context;
use panoptes_drive::{Drive, SceneInfo};
use panoptes_rig::RigRecord;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Our drive directory (rig.json + index.json) or a nuScenes dataroot (with v1.0-*/ tables).
    pub drive: PathBuf,
    #[command(flatten)]
    pub scenes: super::drives::SceneArgs,
}

/// Prints `{"format", "cameras": [...rig.json cameras...], "frame_sets", "missing_frames", …}`
/// for one drive (our drive, or a dataroot of one scene, or the one `--scene` asked for); each
/// camera is written exactly as in rig.json (`sensor_to_ego`: translation in metres and a
/// row-major 3×3 rotation matrix, sensor frame x right, y down, z forward). A nuScenes dataroot
/// also lists its `scenes` (name, description, log, location, key frames, camera frames,
/// duration); with several scenes and no `--scene`, only that list; with several `--scene`,
/// one report per scene under `scenes`.
#[allow(clippy::print_stdout)]
pub fn run(args: Args) -> anyhow::Result<()> {
    let listed = Drive::scenes(&args.drive, args.scenes.version.as_deref())
        .with_context(|| format!("cannot open drive {}", args.drive.display()))?;
    let summaries: Vec<serde_json::Value> = listed.iter().map(summary).collect();
    let report = if listed.len() > 1 && args.scenes.scenes.is_empty() {
        serde_json::json!({
            "format": "nuscenes",
            "scenes": summaries,
            "hint": "choose a scene with --scene NAME for its rig and frame sets",
        })
    } else {
        let drives = args.scenes.open(&args.drive)?;
        let mut reports: Vec<serde_json::Value> = drives.iter().map(drive_report).collect();
        match reports.len() {
            1 => {
                let mut report = reports.remove(0);
                if !listed.is_empty() {
                    report["scenes"] = serde_json::Value::Array(summaries);
                }
                report
            }
            _ => serde_json::json!({"format": "nuscenes", "scenes": reports}),
        }
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}

fn summary(scene: &SceneInfo) -> serde_json::Value {
    let mut value = serde_json::to_value(scene).unwrap_or_default();
    value["duration_seconds"] = serde_json::json!(scene.duration_seconds());
    value
}

fn drive_report(drive: &Drive) -> serde_json::Value {
    let sets = drive.frame_sets();
    let mut report = serde_json::json!({
        "format": drive.format().name(),
        "cameras": RigRecord::from(drive.rig()).cameras,
        "frame_sets": sets.len(),
        "missing_frames": sets.iter().map(|set| set.missing()).sum::<usize>(),
        "first_timestamp_us": sets.first().map(|set| set.timestamp_us),
        "last_timestamp_us": sets.last().map(|set| set.timestamp_us),
    });
    if let Some(scene) = drive.scene() {
        report["scene"] = summary(scene);
    }
    report
}
