//! Colours: class palettes and the depth colour ramp.

use image::Rgb;

/// Canvas background between tiles.
pub const BACKGROUND: Rgb<u8> = Rgb([24, 24, 28]);
/// A missing camera's tile.
pub const MISSING_GREY: Rgb<u8> = Rgb([96, 96, 96]);
/// Text colour.
pub const TEXT: Rgb<u8> = Rgb([255, 255, 255]);
/// Background behind text, so it reads on any image.
pub const TEXT_BACKGROUND: Rgb<u8> = Rgb([0, 0, 0]);
/// Invalid (NaN) depth.
pub const NO_DEPTH: Rgb<u8> = Rgb([0, 0, 0]);
/// The vehicle's body, in the icon and in the bird's-eye view.
pub const VEHICLE_BODY: Rgb<u8> = Rgb([70, 70, 80]);
/// Range rings and swatch edges: light enough to read on every ground category.
pub const GUIDE: Rgb<u8> = Rgb([175, 175, 185]);

/// Saturated, mutually distinct colours for detection boxes, by class id.
const DETECTION_PALETTE: [[u8; 3]; 12] = [
    [255, 56, 56],
    [255, 157, 151],
    [255, 112, 31],
    [255, 178, 29],
    [207, 210, 49],
    [72, 249, 10],
    [26, 147, 52],
    [0, 212, 187],
    [44, 153, 168],
    [0, 194, 255],
    [52, 69, 147],
    [255, 55, 199],
];

/// The colour of a detection's pose skeleton: the next class's colour, so it stands out from
/// its own box.
pub fn skeleton_color(class_id: usize) -> Rgb<u8> {
    detection_color(class_id + 1)
}

/// Tint colours for segmentation classes (class 0, background, is never tinted).
const TINT_PALETTE: [[u8; 3]; 10] = [
    [0, 200, 80],
    [255, 40, 200],
    [40, 120, 255],
    [255, 220, 0],
    [0, 230, 230],
    [255, 120, 0],
    [150, 80, 255],
    [120, 255, 120],
    [255, 80, 80],
    [200, 200, 255],
];

/// The box colour of a detection class.
pub fn detection_color(class_id: usize) -> Rgb<u8> {
    Rgb(DETECTION_PALETTE[class_id % DETECTION_PALETTE.len()])
}

/// The tint of class `class_id` (≥ 1) of the `head_index`-th segmentation head; heads are offset
/// so that class 1 of two binary heads (drivable area, lane lines) gets two colours.
pub fn tint_color(head_index: usize, class_id: u8) -> Rgb<u8> {
    let slot = (usize::from(class_id.max(1)) - 1 + head_index * 3) % TINT_PALETTE.len();
    Rgb(TINT_PALETTE[slot])
}

/// Google's Turbo colour map (polynomial fit by its authors) at `value` in [0, 1]:
/// dark blue at 0, green near 0.5, dark red at 1.
pub fn turbo(value: f32) -> Rgb<u8> {
    let x = value.clamp(0.0, 1.0);
    let powers = [1.0, x, x * x, x * x * x, x * x * x * x, x * x * x * x * x];
    let red = [
        0.135_721_38,
        4.615_392_6,
        -42.660_324,
        132.131_08,
        -152.942_4,
        59.286_38,
    ];
    let green = [
        0.091_402_61,
        2.194_188_4,
        4.842_966_6,
        -14.185_033,
        4.277_298_6,
        2.829_566,
    ];
    let blue = [
        0.106_673_3,
        12.641_946,
        -60.582_05,
        110.362_77,
        -89.903_11,
        27.348_25,
    ];
    let channel = |coefficients: [f32; 6]| {
        let sum: f32 = coefficients.iter().zip(powers).map(|(c, p)| c * p).sum();
        (sum.clamp(0.0, 1.0) * 255.0).round() as u8
    };
    Rgb([channel(red), channel(green), channel(blue)])
}

/// The colour of a depth in metres: near is red, `max_metres` and beyond dark blue, NaN black.
pub fn depth_color(metres: f32, max_metres: f32) -> Rgb<u8> {
    if !metres.is_finite() || max_metres <= 0.0 {
        return NO_DEPTH;
    }
    turbo(1.0 - metres / max_metres)
}

/// `base` blended towards `over` by `alpha` in [0, 1].
pub fn blend(base: Rgb<u8>, over: Rgb<u8>, alpha: f32) -> Rgb<u8> {
    let alpha = alpha.clamp(0.0, 1.0);
    let mix = |b: u8, o: u8| (f32::from(b) * (1.0 - alpha) + f32::from(o) * alpha).round() as u8;
    Rgb([
        mix(base[0], over[0]),
        mix(base[1], over[1]),
        mix(base[2], over[2]),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turbo_runs_from_blue_through_green_to_red() {
        let near_zero = turbo(0.0);
        assert_eq!(near_zero, Rgb([35, 23, 27]));
        let middle = turbo(0.5);
        assert!(middle[1] > middle[0] && middle[1] > middle[2], "{middle:?}");
        let one = turbo(1.0);
        assert!(one[0] > 3 * one[1] && one[0] > 3 * one[2], "{one:?}");
        let quarter = turbo(0.15);
        assert!(quarter[2] > quarter[0], "{quarter:?}");
        assert_eq!(depth_color(0.0, 50.0), one);
        assert_eq!(depth_color(f32::NAN, 50.0), NO_DEPTH);
        assert_eq!(depth_color(500.0, 50.0), near_zero);
    }

    #[test]
    fn binary_heads_get_different_tints_and_blend_is_linear() {
        assert_ne!(tint_color(0, 1), tint_color(1, 1));
        assert_eq!(
            blend(Rgb([0, 100, 200]), Rgb([200, 100, 0]), 0.25),
            Rgb([50, 100, 150])
        );
        assert_eq!(blend(Rgb([9, 9, 9]), Rgb([200, 0, 0]), 0.0), Rgb([9, 9, 9]));
    }
}
