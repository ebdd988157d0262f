//! Renders one frame set and writes a mosaic PNG of its cameras (images on top, class maps
//! below), to look at what the simulator draws.
//!
//! `cargo run --release -p panoptes-sim --example mosaic -- OUT.png [nuscenes6|fisheye4] [SEED] [FRAME]`

use anyhow::Context;
use panoptes_sim::{RigPreset, SimConfig, Simulator};

fn main() -> anyhow::Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let out = arguments
        .first()
        .context("usage: mosaic OUT.png [RIG] [SEED] [FRAME]")?;
    let rig: RigPreset = arguments
        .get(1)
        .map_or("nuscenes6", String::as_str)
        .parse()?;
    let seed: u64 = arguments.get(2).map_or(Ok(1), |text| text.parse())?;
    let frame: u64 = arguments.get(3).map_or(Ok(0), |text| text.parse())?;
    let simulator = Simulator::new(SimConfig::new(rig, seed))?;
    let set = simulator.frame_set(frame);
    let (width, height) = (set.cameras[0].render.width, set.cameras[0].render.height);
    let columns = if set.cameras.len() == 6 { 3 } else { 2 };
    let rows = set.cameras.len().div_ceil(columns);
    let mut mosaic = image::RgbImage::new((width * columns) as u32, (height * rows * 2) as u32);
    let palette = |class: u8| -> [u8; 3] {
        [
            [0, 0, 0],
            [70, 130, 180],
            [128, 64, 128],
            [255, 255, 255],
            [244, 35, 232],
            [152, 251, 152],
            [70, 70, 70],
            [107, 142, 35],
            [153, 153, 153],
            [0, 0, 142],
            [220, 20, 60],
            [250, 170, 30],
            [119, 11, 32],
        ][usize::from(class).min(12)]
    };
    for (index, camera) in set.cameras.iter().enumerate() {
        let (column, row) = (index % columns, index / columns);
        for y in 0..height {
            for x in 0..width {
                let pixel = y * width + x;
                let rgb = &camera.render.rgb[pixel * 3..pixel * 3 + 3];
                mosaic.put_pixel(
                    (column * width + x) as u32,
                    (row * height + y) as u32,
                    image::Rgb([rgb[0], rgb[1], rgb[2]]),
                );
                let mut label = palette(camera.render.class[pixel]);
                if camera.boxes.iter().any(|b| {
                    let [bx, by, bw, bh] = b.box_xywh.map(|v| v as usize);
                    (x == bx || x == bx + bw - 1) && (by..by + bh).contains(&y)
                        || (y == by || y == by + bh - 1) && (bx..bx + bw).contains(&x)
                }) {
                    label = [255, 255, 0];
                }
                mosaic.put_pixel(
                    (column * width + x) as u32,
                    ((rows + row) * height + y) as u32,
                    image::Rgb(label),
                );
            }
        }
    }
    mosaic.save(out)?;
    #[allow(clippy::print_stdout)]
    {
        for camera in &set.cameras {
            println!(
                "{} t={} boxes={}",
                camera.camera,
                camera.timestamp_us,
                camera.boxes.len()
            );
        }
    }
    Ok(())
}
