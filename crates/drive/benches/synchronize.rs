//! Measures grouping recorded streams into frame sets: 6 cameras × 1 000 frames at 12 Hz with
//! nuScenes-like offsets (0–43 ms) and 1 % of frames absent.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use panoptes_drive::{synchronize, SyncConfig};
use std::hint::black_box;

fn streams() -> Vec<Vec<u64>> {
    let offsets = [7_616_u64, 15_495, 0, 32_681, 42_579, 23_049];
    offsets
        .iter()
        .enumerate()
        .map(|(camera, offset)| {
            (0..1_000_u64)
                .filter(|frame| !(frame * 7 + camera as u64 * 13).is_multiple_of(100))
                .map(|frame| frame * 83_333 + offset)
                .collect()
        })
        .collect()
}

fn synchronization(criterion: &mut Criterion) {
    let streams = streams();
    let frames: usize = streams.iter().map(Vec::len).sum();
    let mut group = criterion.benchmark_group("synchronize");
    group.throughput(Throughput::Elements(frames as u64));
    group.bench_function("6x1000_frames", |bench| {
        bench.iter(|| {
            synchronize(black_box(&streams), SyncConfig::default()).map(|sets| sets.len())
        });
    });
    group.finish();
}

criterion_group!(benches, synchronization);
criterion_main!(benches);
