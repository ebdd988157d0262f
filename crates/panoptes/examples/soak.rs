//! A long real-time run of the embedding API with faults injected at random (seeded): cameras
//! that drop out, deliver late, repeat or go back in time, corrupt and wrongly sized frames,
//! failing and NaN-producing model runs, a decoder that panics. It pushes the drive's frames at
//! a fixed rate, camera by camera, never waiting for the models, and writes a JSON summary:
//! what it offered and injected, what Panoptes counted, resident memory over the run and the
//! latency of the first and last thousand results.
//!
//!   cargo run --release -p panoptes --example soak -- assets/sample-drive \
//!       models/panoptes-net/panoptes-net.toml 10000 20 7 out/soak.json
//!   python3 scripts/soak_check.py out/soak.json
//!
//! (drive, manifest, frame sets, frame sets per second, seed, summary). The check script says
//! whether the counts add up and memory and latency stayed flat.

use anyhow::Context;
use panoptes::{
    CameraRig, FaultInjector, FusionConfig, ImageData, Injected, InjectionPoint, Latency,
    Perception, PerceptionResult, PixelFormat, PushOutcome, SyncConfig,
};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Chance of each fault, per frame set (frame faults) or per frame set and point (model ones).
const RATE: f64 = 0.01;

/// A number in [0, 1) from the seed and a few integers (splitmix64).
fn draw(seed: u64, parts: &[u64]) -> f64 {
    let mut state = seed;
    for part in parts {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15 ^ part);
        state = (state ^ (state >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        state = (state ^ (state >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        state ^= state >> 31;
    }
    (state >> 11) as f64 / (1_u64 << 53) as f64
}

/// Model faults, drawn per frame set from the seed.
#[derive(Debug)]
struct SeededFaults {
    seed: u64,
}

impl SeededFaults {
    fn model_fault(&self, point: InjectionPoint, frame: usize) -> Option<Injected> {
        let chance = draw(self.seed, &[frame as u64, point as u64 + 100]);
        match point {
            InjectionPoint::Inference if chance < RATE => Some(Injected::Fail("soak".into())),
            InjectionPoint::Inference if chance < 2.0 * RATE => Some(Injected::NotFinite),
            InjectionPoint::Decode if chance < RATE => Some(Injected::Panic("soak".into())),
            _ => None,
        }
    }
}

impl FaultInjector for SeededFaults {
    fn inject(&self, point: InjectionPoint, frame: usize) -> Option<Injected> {
        self.model_fault(point, frame)
    }
}

/// What happens to one camera's frame of a frame set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum FrameFault {
    Dropout,
    Late,
    Duplicate,
    Backwards,
    Corrupt,
    WrongSize,
}

const FRAME_FAULTS: [FrameFault; 6] = [
    FrameFault::Dropout,
    FrameFault::Late,
    FrameFault::Duplicate,
    FrameFault::Backwards,
    FrameFault::Corrupt,
    FrameFault::WrongSize,
];

/// At most one frame fault per frame set: which, and on which camera. A late frame is one of
/// the third camera's or later, pushed amid the next set's frames once that set's first two
/// have moved the cameras' clock past its own set (which has gone without it).
fn frame_fault(seed: u64, set: usize, cameras: usize) -> Option<(FrameFault, usize)> {
    let chance = draw(seed, &[set as u64, 1]);
    let which = (chance / RATE) as usize;
    let fault = *FRAME_FAULTS.get(which)?;
    let pick = draw(seed, &[set as u64, 2]);
    let camera = match fault {
        FrameFault::Late => 2 + (pick * (cameras - 2) as f64) as usize,
        _ => (pick * cameras as f64) as usize,
    };
    Some((fault, camera.min(cameras - 1)))
}

/// Resident memory, MiB (0 where the platform does not say).
fn resident_mib() -> f64 {
    panoptes_pipeline::resident_mib().unwrap_or_default()
}

/// What came back: per delivered frame set, whether it had results, and its latency.
#[derive(Debug, Default)]
struct Delivered {
    sets: Vec<(usize, bool, f64)>,
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> anyhow::Result<()> {
    let usage = "usage: soak DRIVE MANIFEST FRAME_SETS RATE_HZ SEED SUMMARY.json";
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(arguments.len() == 6, "{usage}");
    let drive = PathBuf::from(&arguments[0]);
    let total: usize = arguments[2].parse().context(usage)?;
    let rate: f64 = arguments[3].parse().context(usage)?;
    let seed: u64 = arguments[4].parse().context(usage)?;
    let summary_path = PathBuf::from(&arguments[5]);
    anyhow::ensure!(rate > 0.0, "the rate must be positive; {usage}");
    let rig = CameraRig::load(&drive.join("rig.json"))?;
    let recorded = panoptes_drive::Drive::open(&drive)?;
    // Each camera's JPEG bytes per recorded frame set, read once (a camera driver's buffers).
    let frames: Vec<Vec<(String, ImageData, Vec<u8>)>> = recorded
        .frame_sets()
        .iter()
        .map(|set| {
            set.present()
                .map(|frame| {
                    let path = frame.image.path().context("a file frame")?;
                    let bytes = std::fs::read(path)?;
                    Ok((
                        frame.camera.clone(),
                        ImageData::Encoded(bytes.clone().into()),
                        bytes,
                    ))
                })
                .collect::<anyhow::Result<Vec<_>>>()
        })
        .collect::<anyhow::Result<_>>()?;
    let cameras = rig.len();
    let period_us = (1e6 / rate) as u64;
    let delivered = Arc::new(Mutex::new(Delivered::default()));
    let collecting = Arc::clone(&delivered);
    let perception = Perception::builder(rig)
        .with_model(&arguments[1])
        .with_fusion(Some(FusionConfig::default()))
        .with_sync(SyncConfig {
            window_us: period_us / 2,
            max_wait_us: period_us,
        })
        .with_queue(1)
        .with_fault_injector(Arc::new(SeededFaults { seed }))
        .on_result(move |result: PerceptionResult| {
            let (frame, ok, latency) = match &result {
                Ok(decoded) => (
                    decoded.record.frame,
                    true,
                    decoded.entered.elapsed().as_secs_f64() * 1e3,
                ),
                Err(panoptes::PerceptionFailure::FrameSet { frame, .. }) => (*frame, false, 0.0),
                Err(failure) => panic!("the pipeline stopped: {failure}"),
            };
            if let Ok(mut delivered) = collecting.lock() {
                delivered.sets.push((frame, ok, latency));
            }
        })
        .build()?;

    let small = ImageData::packed(PixelFormat::Nv12, 320, 180, vec![128; 320 * 180 * 3 / 2]);
    let mut offered_frames = 0_u64;
    let mut injected: BTreeMap<String, u64> = BTreeMap::new();
    let mut resident = Vec::new();
    // Frames held back to arrive late, each pushed amid a later set's frames.
    let mut held_late: Vec<(String, u64, ImageData)> = Vec::new();
    let clock_start = SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as u64;
    let started = Instant::now();
    for set in 0..total {
        let due = started + Duration::from_micros(set as u64 * period_us);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        let timestamp = clock_start + set as u64 * period_us;
        // The last set has no next one to be late for.
        let fault = frame_fault(seed, set, cameras)
            .filter(|(kind, _)| *kind != FrameFault::Late || set + 1 < total);
        if let Some((kind, _)) = fault {
            *injected.entry(format!("{kind:?}")).or_default() += 1;
        }
        let mut push = |camera: &str, at: u64, image: ImageData| -> anyhow::Result<PushOutcome> {
            offered_frames += 1;
            Ok(perception.push_frame(camera, at, image)?)
        };
        for (index, (camera, image, bytes)) in frames[set % frames.len()].iter().enumerate() {
            let at = timestamp + index as u64 * 1_000;
            // A frame held back from an earlier set, before its camera's frame of this one.
            if let Some(position) = held_late.iter().position(|(late, _, _)| late == camera) {
                let (late, late_at, late_image) = held_late.remove(position);
                let outcome = push(&late, late_at, late_image)?;
                if !matches!(outcome, PushOutcome::Rejected(_)) {
                    eprintln!("soak: set {set}: the late frame of {late} was taken: {outcome:?}");
                }
            }
            match fault {
                Some((FrameFault::Dropout, faulty)) if faulty == index => {}
                Some((FrameFault::Late, faulty)) if faulty == index => {
                    held_late.push((camera.clone(), at, image.clone()));
                }
                Some((FrameFault::Duplicate, faulty)) if faulty == index => {
                    push(camera, at, image.clone())?;
                    push(camera, at, image.clone())?;
                }
                Some((FrameFault::Backwards, faulty)) if faulty == index => {
                    push(camera, at, image.clone())?;
                    push(camera, at - 1, image.clone())?;
                }
                Some((FrameFault::Corrupt, faulty)) if faulty == index => {
                    let broken = bytes[..bytes.len() / 3].to_vec();
                    push(camera, at, ImageData::Encoded(broken.into()))?;
                }
                Some((FrameFault::WrongSize, faulty)) if faulty == index => {
                    push(camera, at, small.clone())?;
                }
                _ => {
                    push(camera, at, image.clone())?;
                }
            }
        }
        if set % 500 == 0 {
            resident.push((set, resident_mib()));
            let stats = perception.stats();
            eprintln!(
                "soak: {set}/{total} frame sets, {} results, {} dropped, {:.0} MiB",
                stats.results,
                stats.dropped.values().sum::<u64>(),
                resident_mib()
            );
        }
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    // Measured while the pipeline still runs, as every sample before.
    resident.push((total, resident_mib()));
    let finished = perception.shutdown();
    let delivered = delivered.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
    let summary = summarize(
        seed,
        cameras,
        &delivered,
        &finished.stats,
        SoakFigures {
            total,
            rate,
            offered_frames,
            wall_seconds,
            injected,
            resident,
        },
    );
    if let Some(parent) = summary_path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(
        &summary_path,
        serde_json::to_string_pretty(&summary)? + "\n",
    )?;
    println!("soak: summary in {}", summary_path.display());
    Ok(())
}

/// What the run measured.
struct SoakFigures {
    total: usize,
    rate: f64,
    offered_frames: u64,
    wall_seconds: f64,
    injected: BTreeMap<String, u64>,
    resident: Vec<(usize, f64)>,
}

/// The faults Panoptes should have counted on the frame sets it delivered, from the seed.
fn expected_faults(seed: u64, cameras: usize, delivered: &Delivered) -> BTreeMap<String, u64> {
    let faults = SeededFaults { seed };
    let mut expected: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |kind: &str, count: u64| *expected.entry(kind.to_owned()).or_default() += count;
    for &(frame, _, _) in &delivered.sets {
        if faults.model_fault(InjectionPoint::Decode, frame).is_some() {
            add("stage_panicked", 1);
            continue;
        }
        let camera_fault = match frame_fault(seed, frame, cameras) {
            Some((FrameFault::Dropout | FrameFault::Late, _)) => Some("camera_missing"),
            Some((FrameFault::Corrupt, _)) => Some("image_unreadable"),
            Some((FrameFault::WrongSize, _)) => Some("image_wrong_size"),
            _ => None,
        };
        if let Some(kind) = camera_fault {
            add(kind, 1);
        }
        match faults.model_fault(InjectionPoint::Inference, frame) {
            Some(Injected::Fail(_)) => add("inference_failed", 1),
            Some(Injected::NotFinite) => {
                let decoded = cameras - usize::from(camera_fault.is_some());
                add("output_not_finite", decoded as u64);
            }
            _ => {}
        }
    }
    expected
}

fn summarize(
    seed: u64,
    cameras: usize,
    delivered: &Delivered,
    stats: &panoptes::Stats,
    figures: SoakFigures,
) -> serde_json::Value {
    let latencies: Vec<f64> = delivered
        .sets
        .iter()
        .filter(|(_, ok, _)| *ok)
        .map(|(_, _, latency)| *latency)
        .collect();
    let thousand = latencies.len().min(1000);
    let rejected: u64 = ["Late", "Duplicate", "Backwards"]
        .iter()
        .map(|kind| figures.injected.get(*kind).copied().unwrap_or_default())
        .sum();
    serde_json::json!({
        "seed": seed,
        "frame_sets_offered": figures.total,
        "rate_hz": figures.rate,
        "wall_seconds": figures.wall_seconds,
        "frames_offered": figures.offered_frames,
        "frames_expected_refused": rejected,
        "injected_per_frame_set": figures.injected,
        "delivered": delivered.sets.len(),
        "delivered_with_results": latencies.len(),
        "expected_faults_on_delivered": expected_faults(seed, cameras, delivered),
        "stats": stats,
        "resident_mib": figures.resident,
        "latency_p99_first_thousand_ms": Latency::of(&latencies[..thousand]).p99,
        "latency_p99_last_thousand_ms": Latency::of(&latencies[latencies.len() - thousand..]).p99,
    })
}
