//! Measures the simulator's throughput at 640×360: one camera image rendered with its ground
//! truth (single thread), a whole `nuscenes6` frame set (six cameras in parallel), the same
//! plus encoding (JPEG, class/depth/instance PNGs: everything `panoptes sim` writes but the
//! disk), and a `fisheye4` frame set. Throughput is reported in camera images per second.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use panoptes_sim::{encode_frame_set, InstanceIds, RigPreset, SimConfig, Simulator};
use std::hint::black_box;

fn render(criterion: &mut Criterion) {
    let Ok(simulator) = Simulator::new(SimConfig::new(RigPreset::NuScenes6, 3).with_size(640, 360))
    else {
        return;
    };
    let world = simulator.world();
    let time = simulator.frame_time(4);
    let scene = world.scene(&world.stuff(time), &world.actors(time), time);
    let front = &simulator.projectors()[1];

    let mut group = criterion.benchmark_group("sim_640x360");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_camera_image_with_truth", |bench| {
        bench.iter(|| black_box(simulator.camera_frame(front, &scene, time)));
    });
    group.throughput(Throughput::Elements(6));
    let mut index = 0;
    group.bench_function("nuscenes6_frame_set", |bench| {
        bench.iter(|| {
            index += 1;
            black_box(simulator.frame_set(index % 20))
        });
    });
    group.bench_function("nuscenes6_frame_set_encoded", |bench| {
        let mut ids = InstanceIds::default();
        bench.iter(|| {
            index += 1;
            let set = simulator.frame_set(index % 20);
            black_box(
                encode_frame_set(&set, &mut ids)
                    .map(|frames| frames.len())
                    .unwrap_or(0),
            )
        });
    });
    if let Ok(fisheye) = Simulator::new(SimConfig::new(RigPreset::Fisheye4, 3).with_size(640, 360))
    {
        group.throughput(Throughput::Elements(4));
        group.bench_function("fisheye4_frame_set", |bench| {
            bench.iter(|| {
                index += 1;
                black_box(fisheye.frame_set(index % 20))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
