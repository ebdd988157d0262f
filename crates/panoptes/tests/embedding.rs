//! The embedding API with the default model on the sample drive: frames pushed from memory,
//! sets formed online, timeouts, late frames, and a stage that dies.
#![allow(clippy::unwrap_used)]

use panoptes::{
    CameraRig, Detection, FaultKind, ImageData, MissingReason, Perception, PerceptionFailure,
    PixelFormat, PushOutcome, SyncConfig,
};
use panoptes_drive::Drive;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

fn sample() -> PathBuf {
    panoptes_fixtures::workspace_root().join("assets/sample-drive")
}

fn model() -> PathBuf {
    panoptes_fixtures::workspace_root().join("models/panoptes-net/panoptes-net.toml")
}

fn perception(rig: CameraRig, sync: SyncConfig) -> Perception {
    Perception::builder(rig)
        .with_model(model())
        .with_fusion(None)
        .with_sync(sync)
        .with_queue(8)
        .build()
        .unwrap()
}

/// Every frame of the first `sets` frame sets, as `image` makes it (all made first: the
/// synchronizer runs on the cameras' clock, so frames must come as fast as cameras send them),
/// pushed camera by camera.
fn push_drive(
    perception: &Perception,
    drive: &Drive,
    sets: usize,
    image: &dyn Fn(&std::path::Path) -> ImageData,
) {
    let frames: Vec<(String, u64, ImageData)> = drive.frame_sets()[..sets]
        .iter()
        .flat_map(|frame_set| frame_set.present())
        .map(|frame| {
            let made = image(frame.image.path().unwrap());
            (frame.camera.clone(), frame.timestamp_us, made)
        })
        .collect();
    for (camera, timestamp_us, image) in frames {
        let outcome = perception.push_frame(&camera, timestamp_us, image).unwrap();
        assert!(!matches!(outcome, PushOutcome::Rejected(_)), "{outcome:?}");
    }
}

fn detections(results: Vec<panoptes::PerceptionResult>) -> Vec<Vec<(String, Vec<Detection>)>> {
    results
        .into_iter()
        .map(|result| {
            let decoded = result.unwrap();
            for (camera, perception) in &decoded.record.cameras {
                assert!(
                    perception.missing.is_none(),
                    "{camera}: {:?}",
                    perception.missing
                );
            }
            decoded
                .record
                .cameras
                .into_iter()
                .map(|(camera, perception)| (camera, perception.detections))
                .collect()
        })
        .collect()
}

fn decoded_rgb(path: &std::path::Path) -> (u32, u32, Vec<u8>) {
    let rgb = image::open(path).unwrap().to_rgb8();
    (rgb.width(), rgb.height(), rgb.into_raw())
}

#[test]
fn frames_pushed_from_memory_give_the_files_detections() {
    let drive = Drive::open(&sample()).unwrap();
    let sets = 3;
    let run = |image: &dyn Fn(&std::path::Path) -> ImageData| {
        let perception = perception(drive.rig().clone(), SyncConfig::default());
        push_drive(&perception, &drive, sets, image);
        let finished = perception.shutdown();
        assert_eq!(
            finished.stats.frame_sets, sets as u64,
            "{:?}",
            finished.stats
        );
        assert_eq!(finished.stats.partial_sets, 0);
        detections(finished.unread)
    };
    let from_files = run(&|path| ImageData::File(path.to_path_buf()));
    let encoded = run(&|path| ImageData::Encoded(std::fs::read(path).unwrap().into()));
    let rgb = run(&|path| {
        let (width, height, pixels) = decoded_rgb(path);
        ImageData::packed(PixelFormat::Rgb8, width, height, pixels)
    });
    // The same pixels with a padded stride, in BGR order.
    let bgr = run(&|path| {
        let (width, height, pixels) = decoded_rgb(path);
        let stride = width as usize * 3 + 64;
        let mut padded = vec![0_u8; stride * height as usize];
        for (row, line) in pixels.chunks(width as usize * 3).enumerate() {
            for (column, pixel) in line.chunks(3).enumerate() {
                let at = row * stride + column * 3;
                padded[at..at + 3].copy_from_slice(&[pixel[2], pixel[1], pixel[0]]);
            }
        }
        ImageData::Raw {
            format: PixelFormat::Bgr8,
            width,
            height,
            stride,
            data: padded.into(),
        }
    });
    assert_eq!(from_files.len(), sets);
    assert!(from_files
        .iter()
        .flatten()
        .any(|(_, found)| !found.is_empty()));
    assert_eq!(encoded, from_files, "JPEG bytes from memory");
    assert_eq!(rgb, from_files, "decoded RGB8");
    assert_eq!(bgr, from_files, "BGR8 with a padded stride");
}

/// NV12 carries chroma at half resolution and in 8-bit video range: the model sees slightly
/// different pixels (a few levels of 255 on smooth areas, more on colour edges), and small
/// boxes move by a pixel or two. Each confident detection (score > 0.7) of the RGB run must be
/// found again: same class, box IoU ≥ 0.7, score within 0.15.
#[test]
fn nv12_from_the_same_frames_finds_the_same_objects() {
    let drive = Drive::open(&sample()).unwrap();
    let sets = 2;
    let run = |nv12: bool| {
        let perception = perception(drive.rig().clone(), SyncConfig::default());
        push_drive(&perception, &drive, sets, &|path| {
            let (width, height, pixels) = decoded_rgb(path);
            if nv12 {
                ImageData::packed(
                    PixelFormat::Nv12,
                    width,
                    height,
                    panoptes_preprocess::rgb_to_nv12(width, height, &pixels),
                )
            } else {
                ImageData::packed(PixelFormat::Rgb8, width, height, pixels)
            }
        });
        detections(perception.shutdown().unread)
    };
    let (rgb, nv12) = (run(false), run(true));
    let mut confident = 0;
    for (rgb_set, nv12_set) in rgb.iter().zip(&nv12) {
        for ((camera, expected), (_, got)) in rgb_set.iter().zip(nv12_set) {
            for detection in expected.iter().filter(|detection| detection.score > 0.7) {
                confident += 1;
                let found = got.iter().any(|other| {
                    other.class_id == detection.class_id
                        && iou(&other.box_xywh, &detection.box_xywh) >= 0.7
                        && (other.score - detection.score).abs() <= 0.15
                });
                assert!(
                    found,
                    "{camera}: {:?} at {:?} not found in NV12's",
                    detection.label, detection.box_xywh
                );
            }
        }
    }
    assert!(confident >= 5, "only {confident} confident detections");
}

fn iou(a: &[f32; 4], b: &[f32; 4]) -> f32 {
    let width = (a[0] + a[2]).min(b[0] + b[2]) - a[0].max(b[0]);
    let height = (a[1] + a[3]).min(b[1] + b[3]) - a[1].max(b[1]);
    let both = width.max(0.0) * height.max(0.0);
    both / (a[2] * a[3] + b[2] * b[3] - both)
}

#[test]
fn a_set_missing_a_camera_goes_when_the_wait_runs_out_and_late_frames_are_counted() {
    let drive = Drive::open(&sample()).unwrap();
    let sync = SyncConfig {
        window_us: 50_000,
        max_wait_us: 60_000,
    };
    let perception = perception(drive.rig().clone(), sync);
    let first = &drive.frame_sets()[0];
    let (late, rest): (Vec<_>, Vec<_>) = first
        .present()
        .partition(|frame| frame.camera == "CAM_BACK");
    for frame in &rest {
        assert_eq!(
            perception
                .push_frame(&frame.camera, frame.timestamp_us, frame.image.clone())
                .unwrap(),
            PushOutcome::Waiting
        );
    }
    // The cameras' clock runs on from the last frame: after 60 ms the set goes without it.
    let results = perception.results().unwrap().clone();
    let result = results
        .recv_timeout(Duration::from_secs(30))
        .unwrap()
        .unwrap();
    let back = &result.record.cameras["CAM_BACK"];
    assert_eq!(
        back.missing.as_deref(),
        Some(format!("missing: {}", MissingReason::TimedOut).as_str())
    );
    assert!(result.record.cameras["CAM_FRONT"].missing.is_none());
    // CAM_BACK's frame arrives after its set went: refused, counted, nothing blocks.
    let late = late[0];
    let outcome = perception
        .push_frame(&late.camera, late.timestamp_us, late.image.clone())
        .unwrap();
    assert!(matches!(outcome, PushOutcome::Rejected(_)), "{outcome:?}");
    // The same camera twice at one time: out of order, counted.
    let again = rest[0];
    let outcome = perception
        .push_frame(&again.camera, again.timestamp_us, again.image.clone())
        .unwrap();
    assert!(matches!(outcome, PushOutcome::Rejected(_)), "{outcome:?}");
    let error = perception
        .push_frame("CAM_ROOF", 0, again.image.clone())
        .unwrap_err();
    assert!(error.to_string().contains("CAM_ROOF"), "{error}");
    // Older than the camera's previous frame: out of order, counted with the duplicate.
    let older = perception
        .push_frame(&again.camera, again.timestamp_us - 1, again.image.clone())
        .unwrap();
    assert!(matches!(older, PushOutcome::Rejected(_)), "{older:?}");
    let stats = perception.stats();
    assert_eq!(
        (stats.partial_sets, stats.late, stats.out_of_order),
        (1, 1, 2)
    );
    assert_eq!(stats.frames_pushed, 5);
    let kinds = |kind| stats.faults.get(&kind).copied();
    assert_eq!(
        kinds(FaultKind::CameraMissing),
        Some(1),
        "{:?}",
        stats.faults
    );
    assert_eq!(kinds(FaultKind::FrameLate), Some(1));
    assert_eq!(kinds(FaultKind::TimestampNotAfterPrevious), Some(2));
}

#[test]
fn a_stage_that_panics_makes_the_next_push_an_error() {
    let drive = Drive::open(&sample()).unwrap();
    let (told, heard) = mpsc::channel();
    let perception = Perception::builder(drive.rig().clone())
        .with_model(model())
        .with_fusion(None)
        .on_result(move |result| {
            // The embedder's own code fails on the first result.
            if told.send(result.is_ok()).is_ok() {
                panic!("the planner broke");
            }
        })
        .build()
        .unwrap();
    let first = drive.frame_sets()[0].clone();
    assert_eq!(perception.push_set(first).unwrap(), PushOutcome::Queued);
    assert!(heard.recv_timeout(Duration::from_secs(60)).unwrap());
    // The delivery thread has died: the next push says so instead of dropping silently.
    let mut error = None;
    for _ in 0..500 {
        match perception.push_set(drive.frame_sets()[1].clone()) {
            Err(failure) => {
                error = Some(failure);
                break;
            }
            Ok(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    let message = error.unwrap().to_string();
    assert!(message.contains("result delivery"), "{message}");
    assert!(message.contains("the planner broke"), "{message}");
    let _ = PerceptionFailure::Stage {
        stage: String::new(),
        message: String::new(),
    };
    drop(perception.shutdown());
}
