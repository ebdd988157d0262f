//! The concurrent pipeline against the sequential one, real-time drops, and a corrupt JPEG, on a
//! drive made of the real nuScenes frames repeated (with one image broken).
#![allow(clippy::unwrap_used)]

mod common;

use panoptes_drive::{Drive, DriveWriter, FrameInput};
use panoptes_pipeline::{ModelRequest, Pacing, ReplayOptions};
use std::path::{Path, PathBuf};

const FRAME_SETS: u64 = 6;
const BROKEN_FRAME: u64 = 2;

/// Six frame sets, 0.5 s apart, of the six nuScenes cameras; CAM_BACK of set 2 is a truncated
/// JPEG.
fn write_drive(root: &Path) -> Option<PathBuf> {
    let nuscenes = Drive::open(&panoptes_fixtures::real("nuscenes-sample")?).unwrap();
    let frames = nuscenes.frame_sets()[0].clone();
    let mut writer = DriveWriter::create(root, nuscenes.rig()).unwrap();
    for set in 0..FRAME_SETS {
        for frame in frames.present() {
            let mut bytes = std::fs::read(frame.image.path().unwrap()).unwrap();
            if set == BROKEN_FRAME && frame.camera == "CAM_BACK" {
                bytes.truncate(bytes.len() / 3);
                bytes.extend_from_slice(b"not a jpeg any more");
            }
            let timestamp = 1_000_000 + set * 500_000 + (frame.timestamp_us % 50_000);
            writer
                .add_frame(FrameInput::new(&frame.camera, timestamp, &bytes, "jpg"))
                .unwrap();
        }
    }
    Some(writer.finish().unwrap())
}

fn options(out: &Path, pacing: Pacing) -> Option<ReplayOptions> {
    let models = vec![ModelRequest {
        manifest: common::zoo("yolox-nano.toml"),
        weights: Some(common::yolox_weights()?),
    }];
    Some(ReplayOptions {
        pacing,
        queue: 1,
        // Two workers on any machine: frame sets dealt in turn must still leave in order.
        inference_workers: Some(2),
        ..ReplayOptions::new(models, out)
    })
}

/// perception.jsonl without the timings, which differ from run to run.
fn results_without_timing(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("perception.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
            value.as_object_mut().unwrap().remove("timing_ms");
            value
        })
        .collect()
}

#[test]
fn concurrent_replay_equals_sequential_keeps_order_and_survives_a_corrupt_jpeg() {
    let folder = tempfile::tempdir().unwrap();
    let Some(drive_root) = write_drive(&folder.path().join("drive")) else {
        return;
    };
    let drive = Drive::open(&drive_root).unwrap();
    assert_eq!(drive.frame_sets().len() as u64, FRAME_SETS);
    let mut outputs = Vec::new();
    for (name, concurrent) in [("sequential", false), ("concurrent", true)] {
        let out = folder.path().join(name);
        let options = options(&out, Pacing::Offline).unwrap();
        let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
        let replay = if concurrent {
            panoptes_pipeline::replay_concurrent
        } else {
            panoptes_pipeline::replay_sequential
        };
        let report = replay(&drive, models, &options, &mut |_| {}).unwrap();
        assert_eq!(
            report.frame_sets as u64, FRAME_SETS,
            "{name}: nothing lost offline"
        );
        assert!(report.drops.is_empty(), "{name}: {:?}", report.drops);
        assert_eq!(report.errors, 1, "{name}: the corrupt JPEG is counted");
        assert_eq!(report.problems[0].frame as u64, BROKEN_FRAME);
        assert_eq!(report.problems[0].camera.as_deref(), Some("CAM_BACK"));
        outputs.push(results_without_timing(&out));
    }
    let (sequential, concurrent) = (&outputs[0], &outputs[1]);
    assert_eq!(
        sequential, concurrent,
        "concurrent and sequential outputs differ"
    );
    let order: Vec<u64> = concurrent
        .iter()
        .map(|line| line["frame"].as_u64().unwrap())
        .collect();
    assert_eq!(order, (0..FRAME_SETS).collect::<Vec<_>>());
    let broken = &concurrent[BROKEN_FRAME as usize]["cameras"];
    let reason = broken["CAM_BACK"]["missing"].as_str().unwrap();
    assert!(
        reason.contains("JPEG") && reason.contains("CAM_BACK"),
        "the reason names the format and the file: {reason}"
    );
    assert!(
        !broken["CAM_FRONT"]["detections"]
            .as_array()
            .unwrap()
            .is_empty(),
        "other cameras go on"
    );
    assert!(concurrent[1]["cameras"]["CAM_BACK"]["missing"].is_null());
}

#[test]
fn real_time_replay_faster_than_the_model_drops_and_counts() {
    let folder = tempfile::tempdir().unwrap();
    let Some(drive_root) = write_drive(&folder.path().join("drive")) else {
        return;
    };
    let drive = Drive::open(&drive_root).unwrap();
    let out = folder.path().join("realtime");
    // 10 000× recorded speed: a frame set every 50 µs, far faster than six YOLOX runs.
    let options = options(&out, Pacing::RealTime { speed: 10_000.0 }).unwrap();
    let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
    let report =
        panoptes_pipeline::replay_concurrent(&drive, models, &options, &mut |_| {}).unwrap();
    let dropped: usize = report.drops.values().sum();
    assert!(dropped > 0, "no drop: {report:?}");
    assert_eq!(
        report.frame_sets + dropped,
        FRAME_SETS as usize,
        "every frame set written or dropped"
    );
    assert!(report.mode.starts_with("realtime"));
    let order: Vec<u64> = results_without_timing(&out)
        .iter()
        .map(|line| line["frame"].as_u64().unwrap())
        .collect();
    assert!(
        order.windows(2).all(|pair| pair[0] < pair[1]),
        "results in order: {order:?}"
    );
    assert!(
        order.contains(&(FRAME_SETS - 1)),
        "the newest frame set is never the one dropped: {order:?}"
    );
}

#[test]
fn a_live_pipeline_fed_by_the_caller_never_loses_a_frame_set_silently() {
    let folder = tempfile::tempdir().unwrap();
    let Some(drive_root) = write_drive(&folder.path().join("drive")) else {
        return;
    };
    let drive = Drive::open(&drive_root).unwrap();
    let Some(weights) = common::yolox_weights() else {
        return;
    };
    let perception = panoptes::Perception::builder(drive.rig().clone())
        .with_model_weights(common::zoo("yolox-nano.toml"), weights)
        .with_queue(1)
        .build()
        .unwrap();
    let mut dropped = Vec::new();
    for frame_set in drive.frame_sets() {
        match perception.push_set(frame_set.clone()).unwrap() {
            panoptes::PushOutcome::DroppedOldest(index) => dropped.push(index),
            panoptes::PushOutcome::Queued => {}
            other => panic!("a whole set is queued or drops the oldest, not {other:?}"),
        }
    }
    let stats = perception.stats();
    assert_eq!(
        stats.dropped.values().sum::<u64>(),
        dropped.len() as u64,
        "{stats:?}"
    );
    let results = perception.shutdown().unread;
    let mut frames: Vec<usize> = results
        .iter()
        .map(|result| match result {
            Ok(decoded) => decoded.record.frame,
            Err(panoptes::PerceptionFailure::FrameSet { frame, .. }) => *frame,
            Err(failure) => panic!("{failure}"),
        })
        .collect();
    assert!(
        frames.windows(2).all(|pair| pair[0] < pair[1]),
        "in push order: {frames:?}"
    );
    assert!(
        frames.contains(&(FRAME_SETS as usize - 1)),
        "the newest is never dropped"
    );
    frames.extend(&dropped);
    frames.sort_unstable();
    assert_eq!(
        frames,
        (0..FRAME_SETS as usize).collect::<Vec<_>>(),
        "each set delivered or counted as dropped"
    );
    let broken = results
        .iter()
        .flatten()
        .find(|decoded| decoded.record.frame as u64 == BROKEN_FRAME);
    if let Some(broken) = broken {
        assert!(broken.record.cameras["CAM_BACK"].missing.is_some());
    }
}
