//! Fast image scaling for tiles: area averaging when shrinking (each source pixel counts once,
//! in the tile pixel it falls in), nearest pixel when enlarging.

use image::{Rgb, RgbImage};

/// For each of `target` indices, the nearest of `source` indices (pixel centres aligned).
pub fn nearest_indices(target: u32, source: usize) -> Vec<usize> {
    let source = source.max(1);
    (0..target)
        .map(|index| {
            let position = (f64::from(index) + 0.5) * source as f64 / f64::from(target.max(1));
            (position as usize).min(source - 1)
        })
        .collect()
}

/// `image` scaled to `width` × `height`.
pub fn scale(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let (source_width, source_height) = image.dimensions();
    if width == 0 || height == 0 || source_width == 0 || source_height == 0 {
        return RgbImage::new(width, height);
    }
    if width > source_width || height > source_height {
        let columns = nearest_indices(width, source_width as usize);
        let rows = nearest_indices(height, source_height as usize);
        return RgbImage::from_fn(width, height, |x, y| {
            *image.get_pixel(columns[x as usize] as u32, rows[y as usize] as u32)
        });
    }
    // Which tile column / row each source column / row falls in.
    let bin = |index: u32, source: u32, target: u32| {
        (u64::from(index) * u64::from(target) / u64::from(source)) as usize
    };
    let column_bins: Vec<usize> = (0..source_width)
        .map(|x| bin(x, source_width, width))
        .collect();
    let mut scaled = RgbImage::new(width, height);
    let mut sums = vec![[0_u64; 4]; width as usize];
    let mut current = 0;
    for (y, row) in image.rows().enumerate() {
        let target_row = bin(y as u32, source_height, height);
        if target_row != current {
            flush(&mut scaled, current, &mut sums);
            current = target_row;
        }
        for (pixel, &column) in row.zip(&column_bins) {
            let sum = &mut sums[column];
            sum[0] += u64::from(pixel[0]);
            sum[1] += u64::from(pixel[1]);
            sum[2] += u64::from(pixel[2]);
            sum[3] += 1;
        }
    }
    flush(&mut scaled, current, &mut sums);
    scaled
}

/// Writes the averages of one tile row and clears the sums.
fn flush(scaled: &mut RgbImage, row: usize, sums: &mut [[u64; 4]]) {
    for (x, sum) in sums.iter_mut().enumerate() {
        if sum[3] > 0 {
            let average = |total: u64| ((total + sum[3] / 2) / sum[3]) as u8;
            let pixel = Rgb([average(sum[0]), average(sum[1]), average(sum[2])]);
            scaled.put_pixel(x as u32, row as u32, pixel);
        }
        *sum = [0; 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shrinking_averages_each_block() {
        // 4×2 → 2×1: each tile pixel averages a 2×2 block.
        let image = RgbImage::from_fn(4, 2, |x, y| Rgb([(x * 10 + y * 100) as u8, 7, 255]));
        let scaled = scale(&image, 2, 1);
        // Block 0: 0, 10, 100, 110 → 55; block 1: 20, 30, 120, 130 → 75.
        assert_eq!(*scaled.get_pixel(0, 0), Rgb([55, 7, 255]));
        assert_eq!(*scaled.get_pixel(1, 0), Rgb([75, 7, 255]));
    }

    #[test]
    fn uneven_shrink_covers_every_tile_pixel_and_enlarging_repeats_pixels() {
        let image = RgbImage::from_fn(1600, 900, |x, _| Rgb([(x / 7) as u8, 0, 0]));
        let scaled = scale(&image, 480, 270);
        assert_eq!(scaled.dimensions(), (480, 270));
        let first = scaled.get_pixel(0, 269)[0];
        let last = scaled.get_pixel(479, 269)[0];
        assert!(first <= 1 && last >= 226, "{first} {last}");
        assert!((1..480).all(|x| scaled.get_pixel(x, 100)[0] >= scaled.get_pixel(x - 1, 100)[0]));
        let small = RgbImage::from_fn(2, 1, |x, _| Rgb([x as u8 * 200, 0, 0]));
        let enlarged = scale(&small, 4, 2);
        let reds: Vec<u8> = (0..4).map(|x| enlarged.get_pixel(x, 1)[0]).collect();
        assert_eq!(reds, [0, 0, 200, 200]);
        assert_eq!(nearest_indices(3, 6), [1, 3, 5]);
    }
}
