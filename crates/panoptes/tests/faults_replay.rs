//! Faults injected into the concurrent replay of the sample drive (default model): each is
//! survived or stops the replay cleanly, is counted by kind in `report.json`, and the report's
//! accounting adds up. Every replay runs under a time limit, so a hang fails the test.
#![allow(clippy::unwrap_used)]

use panoptes_drive::{Drive, DriveWriter, FrameInput};
use panoptes_pipeline::{
    FaultKind, FaultPlan, Injected, InjectionPoint, ModelRequest, PipelineError, ReplayOptions,
    Report,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc};
use std::time::Duration;

/// Longer than any replay here takes on two cores, shorter than a hang.
const LIMIT: Duration = Duration::from_secs(240);

fn sample() -> PathBuf {
    panoptes_fixtures::workspace_root().join("assets/sample-drive")
}

fn options(out: &Path) -> ReplayOptions {
    let model = ModelRequest {
        manifest: panoptes_fixtures::workspace_root().join("models/panoptes-net/panoptes-net.toml"),
        weights: None,
    };
    ReplayOptions {
        fusion: None,
        inference_workers: Some(2),
        ..ReplayOptions::new(vec![model], out)
    }
}

/// The default options, with `plan`'s faults injected.
fn injecting(out: &Path, plan: FaultPlan) -> ReplayOptions {
    ReplayOptions {
        faults: Some(Arc::new(plan)),
        ..options(out)
    }
}

/// Replays `drive` as `options` say on another thread; fails the test if it has not ended
/// within [`LIMIT`] (a hang).
fn replay_within_limit(
    drive: &Path,
    options: ReplayOptions,
    stop_after: Option<usize>,
) -> Result<Report, PipelineError> {
    let drive = Drive::open(drive).unwrap();
    let (told, heard) = mpsc::channel();
    std::thread::spawn(move || {
        let models = panoptes_pipeline::load_models(&options, drive.rig().len()).unwrap();
        let stop = Arc::clone(&options.stop);
        let mut progress = |progress: panoptes_pipeline::Progress| {
            if stop_after.is_some_and(|after| progress.done >= after) {
                stop.store(true, Ordering::Relaxed);
            }
        };
        let outcome = panoptes_pipeline::replay_concurrent(&drive, models, &options, &mut progress);
        let _ = told.send(outcome);
    });
    heard
        .recv_timeout(LIMIT)
        .expect("the replay hung: no end within the time limit")
}

fn lines(out: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(out.join("perception.jsonl"))
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn written_report(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap()
}

/// The accounting identity, in the returned report and in report.json.
fn assert_adds_up(report: &Report, out: &Path) {
    let a = report.accounting;
    assert_eq!(
        a.offered,
        a.results + a.failed + a.dropped + a.unprocessed,
        "{a:?}"
    );
    assert_eq!(a.results + a.failed, report.frame_sets, "{a:?}");
    assert_eq!(
        lines(out).len(),
        report.frame_sets,
        "a line per frame set written"
    );
    let written = written_report(out);
    assert_eq!(written["accounting"]["offered"], a.offered);
    assert_eq!(written["accounting"]["results"], a.results);
}

fn count(report: &Report, kind: FaultKind) -> usize {
    report.faults.get(&kind).copied().unwrap_or_default()
}

fn detections(line: &serde_json::Value) -> Vec<serde_json::Value> {
    let cameras = line["cameras"].as_object().unwrap();
    cameras
        .values()
        .map(|camera| camera["detections"].clone())
        .collect()
}

#[test]
fn a_stage_that_panics_on_a_frame_set_loses_that_set_only() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("out");
    let plan = FaultPlan::new()
        .with(
            InjectionPoint::Preprocess,
            2,
            Injected::Panic("pre-processing broke".into()),
        )
        .with(
            InjectionPoint::Decode,
            5,
            Injected::Panic("decoding broke".into()),
        )
        .with(
            InjectionPoint::Write,
            6,
            Injected::Panic("the overlay broke".into()),
        );
    let report = replay_within_limit(&sample(), injecting(&out, plan), None).unwrap();
    assert_adds_up(&report, &out);
    assert_eq!(
        (report.accounting.results, report.accounting.failed),
        (5, 3)
    );
    assert_eq!(count(&report, FaultKind::StagePanicked), 3);
    let lines = lines(&out);
    for (frame, stage, message) in [
        (2, "pre-processing", "pre-processing broke"),
        (5, "decoding", "decoding broke"),
        (6, "sink", "the overlay broke"),
    ] {
        let camera = &lines[frame]["cameras"]["CAM_FRONT"];
        assert_eq!(camera["fault"], "stage_panicked");
        let reason = camera["missing"].as_str().unwrap();
        assert!(
            reason.contains(stage) && reason.contains(message),
            "{reason}"
        );
    }
    assert!(lines[7]["cameras"]["CAM_FRONT"]["fault"].is_null());
}

#[test]
fn an_inference_that_fails_once_is_retried_and_nan_outputs_are_skipped() {
    let folder = tempfile::tempdir().unwrap();
    let clean = folder.path().join("clean");
    replay_within_limit(&sample(), options(&clean), None).unwrap();
    let out = folder.path().join("out");
    let plan = FaultPlan::new()
        .with(
            InjectionPoint::Inference,
            3,
            Injected::Fail("the accelerator hiccupped".into()),
        )
        .with(InjectionPoint::Inference, 4, Injected::NotFinite);
    let report = replay_within_limit(&sample(), injecting(&out, plan), None).unwrap();
    assert_adds_up(&report, &out);
    assert_eq!(
        (report.accounting.results, report.accounting.failed),
        (8, 0)
    );
    assert_eq!(count(&report, FaultKind::InferenceFailed), 1);
    // Every camera of set 4 had NaN outputs: skipped, counted, never turned into boxes.
    assert_eq!(count(&report, FaultKind::OutputNotFinite), 6);
    let (clean, faulty) = (lines(&clean), lines(&out));
    assert_eq!(
        detections(&clean[3]),
        detections(&faulty[3]),
        "the retried run's results"
    );
    for camera in faulty[4]["cameras"].as_object().unwrap().values() {
        assert!(camera["non_finite"].as_u64().unwrap() > 0, "{camera}");
        assert_eq!(camera["detections"].as_array().unwrap().len(), 0);
    }
    for frame in [0, 1, 2, 5, 6, 7] {
        assert_eq!(detections(&clean[frame]), detections(&faulty[frame]));
    }
    let retried = report
        .problems
        .iter()
        .find(|problem| problem.frame == 3)
        .unwrap();
    assert!(
        retried.message.contains("hiccupped") && retried.message.contains("retried"),
        "{}",
        retried.message
    );
}

#[test]
fn a_stuck_stage_stops_the_replay_naming_it_and_keeps_what_was_produced() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("out");
    let plan = FaultPlan::new().with(
        InjectionPoint::Decode,
        3,
        Injected::Stall(Duration::from_secs(600)),
    );
    let options = ReplayOptions {
        stage_timeout: Some(Duration::from_secs(10)),
        ..injecting(&out, plan)
    };
    let error = replay_within_limit(&sample(), options, None).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("decoding stage is stuck") && message.contains("frame set 3"),
        "{message}"
    );
    assert!(message.contains("report.json"), "{message}");
    let report = written_report(&out);
    assert_eq!(report["stopped"]["fault"], "stage_stuck");
    assert_eq!(report["stopped"]["stage"], "decoding");
    assert_eq!(report["stopped"]["frame"], 3);
    assert_eq!(report["faults"]["stage_stuck"], 1);
    let accounting = &report["accounting"];
    assert_eq!(accounting["results"], 3, "sets 0 to 2 were written");
    assert_eq!(accounting["unprocessed"], 5);
    assert_eq!(lines(&out).len(), 3);
}

#[test]
fn a_full_disk_stops_the_replay_with_a_report_saying_so() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Every write of the results' lines fails as on a full disk (ENOSPC).
    std::os::unix::fs::symlink("/dev/full", out.join("perception.jsonl")).unwrap();
    // Far more frame sets than the stages' channels hold: a sink that stops taking results
    // must not leave the source blocked.
    let options = ReplayOptions {
        repeat: 12,
        ..options(&out)
    };
    let error = replay_within_limit(&sample(), options, None).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("No space left"), "{message}");
    // The lines could not be written, but the report could (another file).
    std::fs::remove_file(out.join("perception.jsonl")).unwrap();
    let report = written_report(&out);
    assert_eq!(report["stopped"]["fault"], "sink_failed");
    assert_eq!(report["stopped"]["stage"], "sink");
    assert!(report["stopped"]["message"]
        .as_str()
        .unwrap()
        .contains("No space left"));
    let accounting = &report["accounting"];
    assert_eq!(accounting["offered"], 96);
    let sum: u64 = ["results", "failed", "dropped", "unprocessed"]
        .iter()
        .map(|key| accounting[key].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 96, "{accounting}");
}

#[test]
fn ctrl_c_in_the_middle_stops_cleanly_and_says_so() {
    let folder = tempfile::tempdir().unwrap();
    let out = folder.path().join("out");
    // More frame sets than the stages hold at once, so that some are never begun.
    let options = ReplayOptions {
        repeat: 4,
        ..options(&out)
    };
    let report = replay_within_limit(&sample(), options, Some(3)).unwrap();
    assert!(report.interrupted);
    assert_adds_up(&report, &out);
    assert!(report.accounting.results >= 3, "{:?}", report.accounting);
    assert!(report.accounting.unprocessed > 0, "{:?}", report.accounting);
    assert_eq!(count(&report, FaultKind::Interrupted), 1);
    assert!(written_report(&out)["interrupted"].as_bool().unwrap());
}

/// The sample drive rewritten with broken images: CAM_BACK stops for sets 2 to 5 (two seconds),
/// CAM_FRONT of set 1 is truncated, CAM_FRONT_LEFT of set 3 is half the calibrated size, and
/// CAM_FRONT_RIGHT of set 6 claims to be 60000×60000 pixels (a decompression bomb).
fn broken_drive(root: &Path) -> PathBuf {
    let sample = Drive::open(&sample()).unwrap();
    let mut writer = DriveWriter::create(root, sample.rig()).unwrap();
    for frame_set in sample.frame_sets() {
        for frame in frame_set.present() {
            let set = frame_set.index;
            if frame.camera == "CAM_BACK" && (2..=5).contains(&set) {
                continue;
            }
            let mut bytes = std::fs::read(frame.image.path().unwrap()).unwrap();
            match (frame.camera.as_str(), set) {
                ("CAM_FRONT", 1) => bytes.truncate(bytes.len() / 2),
                ("CAM_FRONT_LEFT", 3) => {
                    let image = image::load_from_memory(&bytes).unwrap();
                    let small = image.resize_exact(320, 180, image::imageops::FilterType::Triangle);
                    bytes.clear();
                    small
                        .to_rgb8()
                        .write_to(
                            &mut std::io::Cursor::new(&mut bytes),
                            image::ImageFormat::Jpeg,
                        )
                        .unwrap();
                }
                ("CAM_FRONT_RIGHT", 6) => claim_size(&mut bytes, 60_000, 60_000),
                _ => {}
            }
            writer
                .add_frame(FrameInput::new(
                    &frame.camera,
                    frame.timestamp_us,
                    &bytes,
                    "jpg",
                ))
                .unwrap();
        }
    }
    writer.finish().unwrap()
}

/// Rewrites a JPEG's frame header (SOF0/SOF2) to claim `width`×`height`.
fn claim_size(jpeg: &mut [u8], width: u16, height: u16) {
    let at = jpeg
        .windows(2)
        .position(|pair| pair == [0xFF, 0xC0] || pair == [0xFF, 0xC2])
        .unwrap();
    jpeg[at + 5..at + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[at + 7..at + 9].copy_from_slice(&width.to_be_bytes());
}

#[test]
fn broken_cameras_are_marked_by_kind_and_the_others_go_on() {
    let folder = tempfile::tempdir().unwrap();
    let drive = broken_drive(&folder.path().join("drive"));
    let out = folder.path().join("out");
    let report = replay_within_limit(&drive, options(&out), None).unwrap();
    assert_adds_up(&report, &out);
    assert_eq!(report.accounting.results, 8, "{:?}", report.accounting);
    assert_eq!(count(&report, FaultKind::CameraMissing), 4);
    assert_eq!(count(&report, FaultKind::ImageUnreadable), 1);
    assert_eq!(count(&report, FaultKind::ImageWrongSize), 1);
    assert_eq!(count(&report, FaultKind::ImageTooLarge), 1);
    assert_eq!(report.errors, 7);
    let lines = lines(&out);
    let fault = |frame: usize, camera: &str| lines[frame]["cameras"][camera]["fault"].clone();
    assert_eq!(fault(3, "CAM_BACK"), "camera_missing");
    assert_eq!(fault(1, "CAM_FRONT"), "image_unreadable");
    assert_eq!(fault(3, "CAM_FRONT_LEFT"), "image_wrong_size");
    assert_eq!(fault(6, "CAM_FRONT_RIGHT"), "image_too_large");
    let wrong = lines[3]["cameras"]["CAM_FRONT_LEFT"]["missing"]
        .as_str()
        .unwrap();
    assert!(
        wrong.contains("320x180") && wrong.contains("640x360"),
        "{wrong}"
    );
    let bomb = lines[6]["cameras"]["CAM_FRONT_RIGHT"]["missing"]
        .as_str()
        .unwrap();
    assert!(bomb.contains("60000x60000"), "{bomb}");
    // The other cameras of those sets still have their results.
    for frame in [1, 3, 6] {
        assert!(lines[frame]["cameras"]["CAM_BACK_LEFT"]["fault"].is_null());
    }
    // Nothing beyond the frame sets' size was ever allocated for the bomb.
    assert!(
        report.memory.peak_mib.unwrap_or_default() < 4096.0,
        "{:?}",
        report.memory
    );
}
