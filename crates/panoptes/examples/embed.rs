//! Embedding Panoptes in a vehicle loop: the caller pushes each synchronized frame set as it is
//! captured, never blocks, and reads results from another thread. When the model falls behind,
//! the oldest waiting frame set is dropped, so latency stays bounded.
//!
//! Here the "cameras" are the frames of a recorded drive pushed at a fixed rate:
//!
//!   cargo run --release -p panoptes --example embed -- assets/sample-drive \
//!       models/panoptes-net/panoptes-net.toml 10
//!
//! (drive, manifest, frame sets per second).

use anyhow::Context;
use panoptes::{Drive, FusionConfig, LivePipeline, ModelRequest, PushOutcome, ReplayOptions};
use std::time::{Duration, Instant};

#[allow(clippy::print_stdout)]
fn main() -> anyhow::Result<()> {
    let mut arguments = std::env::args().skip(1);
    let drive = arguments
        .next()
        .context("usage: embed DRIVE MANIFEST [RATE_HZ]")?;
    let manifest = arguments
        .next()
        .context("usage: embed DRIVE MANIFEST [RATE_HZ]")?;
    let rate: f64 = arguments.next().map_or(Ok(10.0), |rate| rate.parse())?;
    let drive = Drive::open(drive.as_ref())?;
    let request = ModelRequest {
        manifest: manifest.into(),
        weights: None,
    };
    // The same loading as `panoptes replay`: manifest checked against the graph, CPU provider.
    let options = ReplayOptions::new(vec![request], std::env::temp_dir());
    let models = panoptes::load_models(&options, drive.rig().len())?;
    // Objects placed around the vehicle and tracked, with the built-in fusion settings.
    let pipeline =
        LivePipeline::start_with_fusion(models, 1, drive.rig(), &FusionConfig::default())?;

    std::thread::scope(|scope| {
        // The consumer: a planner would read objects here.
        let results = pipeline.results().clone();
        scope.spawn(move || {
            for result in results {
                match result {
                    Ok(decoded) => {
                        let objects = decoded.record.objects_ego.as_deref().unwrap_or_default();
                        let nearest = objects.iter().find(|object| object.confirmed == Some(true));
                        let nearest = nearest.map_or(String::new(), |object| {
                            format!(
                                "; nearest tracked: {} #{} at ({:.1}, {:.1}) m",
                                object.class,
                                object.id.unwrap_or_default(),
                                object.position[0],
                                object.position[1]
                            )
                        });
                        println!(
                            "frame {:>3}: {:>3} objects, {:>6.1} ms after capture{nearest}",
                            decoded.record.frame,
                            objects.len(),
                            decoded.entered.elapsed().as_secs_f64() * 1e3
                        );
                    }
                    Err(failed) => println!("frame {}: failed: {}", failed.0.index, failed.1),
                }
            }
        });
        // The producer: the camera driver, at a fixed rate, never waiting for the model.
        let period = Duration::from_secs_f64(1.0 / rate.max(0.1));
        let start = Instant::now();
        for (count, frame_set) in drive.frame_sets().iter().enumerate() {
            std::thread::sleep(
                (start + period * count as u32).saturating_duration_since(Instant::now()),
            );
            if let PushOutcome::DroppedOldest(index) = pipeline.push(frame_set.clone()) {
                println!("frame {index:>3}: dropped (model behind)");
            }
        }
        let dropped = pipeline.dropped();
        let rest = pipeline.finish();
        println!(
            "done: {dropped} dropped; {} results collected by finish()",
            rest.len()
        );
    });
    Ok(())
}
