//! Embedding Panoptes in a vehicle loop: each camera's driver thread pushes its decoded frame
//! as it is captured, never blocking; the planner reads objects around the vehicle from another
//! thread. When the models fall behind, the oldest waiting frame set is dropped and counted, so
//! latency stays bounded.
//!
//! Here the cameras are a recorded drive's frames, decoded once beforehand into the buffers a
//! camera driver would hand over (RGB8, or NV12 as most drivers deliver; or the JPEG bytes),
//! then pushed per camera at the camera rate with the current time as the capture time:
//!
//!   cargo run --release -p panoptes --example embed -- assets/sample-drive \
//!       models/panoptes-net/panoptes-net.toml 10 nv12 5
//!
//! (drive, manifest, frame sets per second, rgb8 | nv12 | jpeg, times to play the drive). It
//! prints one line per frame set and the statistics at the end. A rate of 0 pushes each set
//! with its recorded timestamps and waits for its result before the next: nothing is dropped and
//! the lines do not depend on the machine; the C example (`crates/capi/examples/embed.c`)
//! prints the same lines for the drive's JPEGs that way.

use anyhow::Context;
use panoptes::{CameraRig, FusionConfig, ImageData, Perception, PixelFormat, PushOutcome};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Each frame set's frames: (camera, offset from the set's first frame µs, image, recorded
/// capture time of the set's first frame µs).
type Recorded = Vec<Vec<(String, u64, ImageData, u64)>>;

#[allow(clippy::print_stdout)]
fn main() -> anyhow::Result<()> {
    let usage = "usage: embed DRIVE MANIFEST [RATE_HZ] [rgb8|nv12|jpeg] [PLAYS]";
    let mut arguments = std::env::args().skip(1);
    let drive = PathBuf::from(arguments.next().context(usage)?);
    let manifest = arguments.next().context(usage)?;
    let rate: f64 = arguments.next().map_or(Ok(10.0), |rate| rate.parse())?;
    let format = match arguments.next().as_deref() {
        None | Some("rgb8") => Some(PixelFormat::Rgb8),
        Some("nv12") => Some(PixelFormat::Nv12),
        Some("jpeg") => None,
        Some(other) => anyhow::bail!("{other}: expected rgb8, nv12 or jpeg; {usage}"),
    };
    let plays: usize = arguments.next().map_or(Ok(1), |plays| plays.parse())?;
    let rig = CameraRig::load(&drive.join("rig.json"))?;
    let recorded = decode_drive(&drive, format)?;

    let synchronous = rate <= 0.0;
    let (done, finished) = std::sync::mpsc::channel::<()>();
    let perception = Perception::builder(rig)
        .with_model(manifest)
        .with_fusion(Some(FusionConfig::default()))
        .with_unix_timestamps(!synchronous)
        .with_queue(1)
        .on_result(move |result| {
            print_result(result);
            let _ = done.send(());
        })
        .build()?;

    // The camera drivers, at a fixed rate, never waiting for the models (at rate 0, each set's
    // result is awaited before the next set).
    let period = Duration::from_secs_f64(1.0 / rate.max(0.1));
    let start = Instant::now();
    for (count, frame_set) in recorded
        .iter()
        .cycle()
        .take(recorded.len() * plays)
        .enumerate()
    {
        let due = start + period.mul_f64(count as f64);
        let base_us = if synchronous {
            frame_set.first().map_or(0, |(_, _, _, recorded)| *recorded)
        } else {
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
            SystemTime::now().duration_since(UNIX_EPOCH)?.as_micros() as u64
        };
        for (camera, offset_us, image, _) in frame_set {
            // The camera's own offset within the set, as recorded.
            let outcome = perception.push_frame(camera, base_us + offset_us, image.clone())?;
            if let PushOutcome::DroppedOldest(index) = outcome {
                println!("frame {index:>3}: dropped (models behind)");
            }
        }
        if synchronous {
            finished.recv()?;
        }
    }
    let finished = perception.shutdown();
    let stats = finished.stats;
    println!(
        "{} frame sets formed ({} partial), {} with results, {} failed, {} dropped",
        stats.frame_sets,
        stats.partial_sets,
        stats.results,
        stats.failed,
        stats.dropped.values().sum::<u64>(),
    );
    println!(
        "capture to result p50 {:.1} ms, p99 {:.1} ms; frame age p50 {:.1} ms",
        stats.latency_ms.p50,
        stats.latency_ms.p99,
        stats.frame_age_ms.map_or(0.0, |age| age.p50),
    );
    Ok(())
}

/// One line per frame set, as the C example prints it.
#[allow(clippy::print_stdout)]
fn print_result(result: panoptes::PerceptionResult) {
    match result {
        Ok(frame) => {
            let objects = frame.record.objects_ego.as_deref().unwrap_or_default();
            let nearest = objects
                .iter()
                .find(|object| object.confirmed == Some(true))
                .map_or(String::new(), |object| {
                    format!(
                        "; nearest tracked: {} #{} at ({:.1}, {:.1}) m",
                        object.class,
                        object.id.unwrap_or_default(),
                        object.position[0],
                        object.position[1]
                    )
                });
            let detections: usize = frame
                .record
                .cameras
                .values()
                .map(|camera| camera.detections.len())
                .sum();
            println!(
                "frame {:>3}: {detections:>3} detections, {:>3} objects{nearest}",
                frame.record.frame,
                objects.len(),
            );
        }
        Err(failure) => println!("failed: {failure}"),
    }
}

/// Every frame set's frames, decoded into `format` buffers (`None`: the encoded bytes), in
/// capture order.
fn decode_drive(drive: &Path, format: Option<PixelFormat>) -> anyhow::Result<Recorded> {
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(drive.join("index.json"))?)?;
    let frames = index["frames"]
        .as_array()
        .context("index.json: no frames")?;
    // Frames of one set share their time to within the sync window; group by 50 ms.
    let mut sets: std::collections::BTreeMap<u64, Vec<(String, u64, ImageData)>> =
        Default::default();
    let mut starts: std::collections::BTreeMap<u64, u64> = Default::default();
    let first = frames
        .iter()
        .filter_map(|frame| frame["timestamp_us"].as_u64())
        .min()
        .unwrap_or_default();
    for frame in frames {
        let camera = frame["camera"].as_str().context("frame without camera")?;
        let timestamp = frame["timestamp_us"]
            .as_u64()
            .context("frame without time")?;
        let path = drive.join(frame["image"].as_str().context("frame without image")?);
        let image = match format {
            None => ImageData::Encoded(std::fs::read(&path)?.into()),
            Some(format) => {
                let rgb = image::open(&path)
                    .with_context(|| path.display().to_string())?
                    .to_rgb8();
                let (width, height) = rgb.dimensions();
                let data = match format {
                    PixelFormat::Nv12 => panoptes_preprocess::rgb_to_nv12(width, height, &rgb),
                    _ => rgb.into_raw(),
                };
                ImageData::packed(format, width, height, data)
            }
        };
        let set = (timestamp - first) / 50_000;
        let start = starts.entry(set).or_insert(timestamp);
        *start = (*start).min(timestamp);
        sets.entry(set)
            .or_default()
            .push((camera.to_owned(), timestamp, image));
    }
    // Each driver delivers as it captures: in time order.
    Ok(sets
        .into_iter()
        .map(|(set, mut frames)| {
            let start = starts.get(&set).copied().unwrap_or_default();
            frames.sort_by_key(|(_, timestamp, _)| *timestamp);
            frames
                .into_iter()
                .map(|(camera, timestamp, image)| (camera, timestamp - start, image, start))
                .collect()
        })
        .collect())
}
