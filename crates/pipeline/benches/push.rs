//! Measures what `Perception::push_frame` costs the caller's thread while the models are busy:
//! one 640 × 360 NV12 frame of the sample drive's rig handed over (shared, not copied) into the
//! online synchronizer; every sixth push completes a set, which goes to the models' queue,
//! dropping the oldest waiting set when they are behind (they are: frames come as fast as the
//! bench loop runs). The model's own time is not in the figure; a push must not wait for it.

use criterion::{criterion_group, criterion_main, Criterion};
use panoptes_pipeline::Perception;
use panoptes_preprocess::{Bytes, ImageData, PixelFormat};
use panoptes_rig::CameraRig;
use std::path::Path;

fn push(criterion: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Ok(rig) = CameraRig::load(&root.join("assets/sample-drive/rig.json")) else {
        return;
    };
    let cameras: Vec<String> = rig.names().map(str::to_owned).collect();
    let Ok(perception) = Perception::builder(rig)
        .with_model(root.join("models/panoptes-net/panoptes-net.toml"))
        .build()
    else {
        return;
    };
    let frame = Bytes::from(vec![128_u8; 640 * 360 * 3 / 2]);
    let mut timestamp = 1_000_000_u64;
    let mut camera = 0;
    criterion.bench_function("push_frame (models behind)", |bench| {
        bench.iter(|| {
            let image = ImageData::Raw {
                format: PixelFormat::Nv12,
                width: 640,
                height: 360,
                stride: 640,
                data: frame.clone(),
            };
            let outcome = perception.push_frame(&cameras[camera], timestamp, image);
            camera = (camera + 1) % cameras.len();
            if camera == 0 {
                timestamp += 100_000;
            }
            outcome
        });
    });
    let stats = perception.shutdown().stats;
    let _ = stats.dropped;
}

criterion_group!(benches, push);
criterion_main!(benches);
