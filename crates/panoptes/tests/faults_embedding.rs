//! Faults met by the embedding API (default model, sample drive's frames pushed from memory):
//! a camera that stops, a stage that panics or gets stuck, a wrongly sized frame and a
//! decompression bomb. Each is counted by kind in the statistics, nothing blocks the caller,
//! and every frame set formed is a result, a failure or a drop.
#![allow(clippy::unwrap_used)]

use panoptes::{
    FaultKind, FaultPlan, ImageData, Injected, InjectionPoint, Perception, PerceptionFailure,
    PixelFormat, PushOutcome, Stats, SyncConfig,
};
use panoptes_drive::Drive;
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

fn sample() -> Drive {
    Drive::open(&panoptes_fixtures::workspace_root().join("assets/sample-drive")).unwrap()
}

fn builder(drive: &Drive) -> panoptes::PerceptionBuilder {
    Perception::builder(drive.rig().clone())
        .with_model(
            panoptes_fixtures::workspace_root().join("models/panoptes-net/panoptes-net.toml"),
        )
        .with_fusion(None)
        .with_queue(16)
}

/// Frames within 50 ms are one set; a set waits 100 ms (cameras' clock) for a missing one.
const WAIT_100_MS: SyncConfig = SyncConfig {
    window_us: 50_000,
    max_wait_us: 100_000,
};

/// Frame sets formed = results + failed + dropped.
fn assert_adds_up(stats: &Stats) {
    let dropped: u64 = stats.dropped.values().sum();
    assert_eq!(
        stats.frame_sets,
        stats.results + stats.failed + dropped,
        "{stats:?}"
    );
}

fn count(stats: &Stats, kind: FaultKind) -> u64 {
    stats.faults.get(&kind).copied().unwrap_or_default()
}

/// Runs `body` on another thread; fails the test when it has not ended in two minutes.
fn within_limit<T: Send + 'static>(body: impl FnOnce() -> T + Send + 'static) -> T {
    let (told, heard) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = told.send(body());
    });
    heard
        .recv_timeout(Duration::from_secs(120))
        .expect("hung: no end within two minutes")
}

#[test]
fn a_camera_that_stops_for_seconds_leaves_partial_sets_counted() {
    let drive = sample();
    let perception = builder(&drive).with_sync(WAIT_100_MS).build().unwrap();
    // CAM_BACK sends nothing for frame sets 2 to 5: two seconds of the drive.
    for frame_set in drive.frame_sets() {
        for frame in frame_set.present() {
            if frame.camera == "CAM_BACK" && (2..=5).contains(&frame_set.index) {
                continue;
            }
            let outcome = perception
                .push_frame(&frame.camera, frame.timestamp_us, frame.image.clone())
                .unwrap();
            assert!(!matches!(outcome, PushOutcome::Rejected(_)), "{outcome:?}");
        }
    }
    let finished = within_limit(move || perception.shutdown());
    let stats = &finished.stats;
    assert_adds_up(stats);
    assert_eq!((stats.frame_sets, stats.results), (8, 8), "{stats:?}");
    assert_eq!(stats.partial_sets, 4);
    assert_eq!(count(stats, FaultKind::CameraMissing), 4);
    for result in &finished.unread {
        let record = &result.as_ref().unwrap().record;
        let missing = record.cameras["CAM_BACK"].missing.is_some();
        assert_eq!(missing, (2..=5).contains(&record.frame), "{}", record.frame);
        assert!(record.cameras["CAM_FRONT"].missing.is_none());
    }
}

#[test]
fn a_stage_that_panics_fails_that_set_and_the_pipeline_goes_on() {
    let drive = sample();
    let plan = FaultPlan::new()
        .with(
            InjectionPoint::Decode,
            1,
            Injected::Panic("decoder bug".into()),
        )
        .with(
            InjectionPoint::Inference,
            2,
            Injected::Fail("device lost".into()),
        );
    let perception = builder(&drive)
        .with_fault_injector(Arc::new(plan))
        .build()
        .unwrap();
    for frame_set in &drive.frame_sets()[..4] {
        perception.push_set(frame_set.clone()).unwrap();
    }
    let finished = within_limit(move || perception.shutdown());
    let stats = &finished.stats;
    assert_adds_up(stats);
    assert_eq!((stats.results, stats.failed), (3, 1), "{stats:?}");
    assert_eq!(count(stats, FaultKind::StagePanicked), 1);
    assert_eq!(count(stats, FaultKind::InferenceFailed), 1, "retried");
    let outcomes: Vec<bool> = finished.unread.iter().map(Result::is_ok).collect();
    assert_eq!(outcomes, [true, false, true, true]);
    match &finished.unread[1] {
        Err(PerceptionFailure::FrameSet { frame: 1, message }) => {
            assert!(message.contains("decoder bug"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_stuck_stage_stops_the_pipeline_and_nothing_hangs() {
    let drive = sample();
    let plan = FaultPlan::new().with(
        InjectionPoint::Inference,
        1,
        Injected::Stall(Duration::from_secs(600)),
    );
    let perception = builder(&drive)
        .with_fault_injector(Arc::new(plan))
        .with_stage_timeout(Some(Duration::from_secs(8)))
        .build()
        .unwrap();
    let sets = drive.frame_sets().to_vec();
    let finished = within_limit(move || {
        let started = Instant::now();
        let mut index = 0;
        let error = loop {
            match perception.push_set(sets[index % sets.len()].clone()) {
                Ok(_) => std::thread::sleep(Duration::from_millis(50)),
                Err(error) => break error,
            }
            index += 1;
            assert!(started.elapsed() < Duration::from_secs(60), "no failure");
        };
        let message = error.to_string();
        assert!(
            message.contains("inference worker 0") && message.contains("stuck on frame set 1"),
            "{message}"
        );
        perception.shutdown()
    });
    assert!(
        matches!(
            finished.unread.last(),
            Some(Err(PerceptionFailure::Stage { .. }))
        ),
        "{:?}",
        finished.unread.last()
    );
    assert!(finished.unread[0].is_ok(), "the set before was delivered");
}

#[test]
fn a_wrongly_sized_frame_and_a_decompression_bomb_are_refused_before_decoding() {
    let drive = sample();
    let perception = builder(&drive).build().unwrap();
    let mut frame_set = drive.frame_sets()[0].clone();
    // CAM_FRONT sends a quarter-size NV12 buffer; CAM_BACK a JPEG whose header claims
    // 60000×60000 pixels (10 GB of RGB).
    let small = ImageData::packed(PixelFormat::Nv12, 320, 180, vec![128; 320 * 180 * 3 / 2]);
    let bomb = {
        let back = frame_set
            .present()
            .find(|frame| frame.camera == "CAM_BACK")
            .unwrap();
        let mut bytes = std::fs::read(back.image.path().unwrap()).unwrap();
        let at = bytes
            .windows(2)
            .position(|pair| pair == [0xFF, 0xC0])
            .unwrap();
        bytes[at + 5..at + 9].copy_from_slice(&[0xEA, 0x60, 0xEA, 0x60]);
        ImageData::Encoded(bytes.into())
    };
    for frame in &mut frame_set.frames {
        if let panoptes::CameraFrame::Present(frame) = frame {
            match frame.camera.as_str() {
                "CAM_FRONT" => frame.image = small.clone(),
                "CAM_BACK" => frame.image = bomb.clone(),
                _ => {}
            }
        }
    }
    perception.push_set(frame_set).unwrap();
    let finished = within_limit(move || perception.shutdown());
    let stats = &finished.stats;
    assert_adds_up(stats);
    assert_eq!(count(stats, FaultKind::ImageWrongSize), 1, "{stats:?}");
    assert_eq!(count(stats, FaultKind::ImageTooLarge), 1);
    let record = &finished.unread[0].as_ref().unwrap().record;
    let front = record.cameras["CAM_FRONT"].missing.as_deref().unwrap();
    assert!(
        front.contains("320x180") && front.contains("640x360"),
        "{front}"
    );
    let back = record.cameras["CAM_BACK"].missing.as_deref().unwrap();
    assert!(
        back.contains("60000x60000") && back.contains("limit"),
        "{back}"
    );
    assert!(record.cameras["CAM_BACK_LEFT"].missing.is_none());
}

/// A set whose wait has run out by the cameras' clock goes when the frame that says so is
/// pushed, not at the timeout ticker's next turn: a frame for it arriving just after is late,
/// however the threads are scheduled. (The soak saw one such frame taken into its set.)
#[test]
fn a_frame_late_by_the_cameras_clock_is_refused_however_soon_it_comes() {
    let drive = sample();
    let perception = builder(&drive).with_sync(WAIT_100_MS).build().unwrap();
    let (first, second) = (&drive.frame_sets()[0], &drive.frame_sets()[1]);
    let late = first
        .present()
        .find(|frame| frame.camera == "CAM_BACK")
        .unwrap();
    for frame in first.present().filter(|frame| frame.camera != "CAM_BACK") {
        perception
            .push_frame(&frame.camera, frame.timestamp_us, frame.image.clone())
            .unwrap();
    }
    // Half a second later by the cameras' clock: the first set has waited its 100 ms.
    let next = second.present().next().unwrap();
    // (The first set goes with this push, or earlier if the ticker ran in between.)
    perception
        .push_frame(&next.camera, next.timestamp_us, next.image.clone())
        .unwrap();
    let outcome = perception
        .push_frame(&late.camera, late.timestamp_us, late.image.clone())
        .unwrap();
    assert!(
        matches!(
            outcome,
            PushOutcome::Rejected(panoptes::RejectionReason::Late { .. })
        ),
        "{outcome:?}"
    );
    let finished = within_limit(move || perception.shutdown());
    assert_eq!(count(&finished.stats, FaultKind::FrameLate), 1);
    assert_adds_up(&finished.stats);
}
