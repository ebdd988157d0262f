//! Raw camera buffers: the pixel layouts camera drivers and ISPs hand over, and their
//! conversion to RGB8.
//!
//! YUV formats use BT.601 coefficients in video (limited) range, Y in 16–235 and U, V in 16–240
//! (what V4L2 drivers and libyuv's `I420ToARGB` assume by default), in 8-bit fixed point.

use crate::PreprocessError;

/// How a raw buffer's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// R, G, B bytes per pixel.
    Rgb8,
    /// B, G, R bytes per pixel (OpenCV's order).
    Bgr8,
    /// A full-resolution Y plane, then one interleaved U, V plane at half the width and height
    /// (4:2:0); both planes use the same row stride. Width and height must be even.
    Nv12,
    /// Y0, U, Y1, V for each pair of pixels (4:2:2 packed). Width must be even.
    Yuyv,
}

impl PixelFormat {
    /// The format's usual name (`rgb8`, `bgr8`, `nv12`, `yuyv`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Rgb8 => "rgb8",
            Self::Bgr8 => "bgr8",
            Self::Nv12 => "nv12",
            Self::Yuyv => "yuyv",
        }
    }

    /// The format called `name` (case-insensitive), as [`PixelFormat::name`] writes it.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Rgb8, Self::Bgr8, Self::Nv12, Self::Yuyv]
            .into_iter()
            .find(|format| format.name().eq_ignore_ascii_case(name))
    }

    /// Bytes of one row's pixels without padding.
    pub fn row_bytes(self, width: u32) -> usize {
        let width = width as usize;
        match self {
            Self::Rgb8 | Self::Bgr8 => width * 3,
            Self::Nv12 => width,
            Self::Yuyv => width * 2,
        }
    }

    /// Rows of `stride` bytes the buffer holds for an image `height` pixels tall.
    pub fn rows(self, height: u32) -> usize {
        let height = height as usize;
        match self {
            Self::Nv12 => height + height / 2,
            _ => height,
        }
    }
}

/// A decoded camera buffer: `height` rows of `stride` bytes (the last row may stop at the
/// pixels' end), in `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawImage<'a> {
    /// The layout.
    pub format: PixelFormat,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Bytes from one row's start to the next (at least the row's pixels).
    pub stride: usize,
    /// The bytes.
    pub data: &'a [u8],
}

impl<'a> RawImage<'a> {
    /// A tightly packed buffer (stride = the row's pixels).
    pub fn packed(format: PixelFormat, width: u32, height: u32, data: &'a [u8]) -> Self {
        Self {
            format,
            width,
            height,
            stride: format.row_bytes(width),
            data,
        }
    }

    /// Bytes the buffer needs: every row at the stride but the last, which may end at its
    /// pixels.
    pub fn required_len(&self) -> usize {
        let rows = self.format.rows(self.height);
        match rows {
            0 => 0,
            rows => (rows - 1) * self.stride + self.format.row_bytes(self.width),
        }
    }

    /// Checks sizes, stride and length; the error says what is wrong.
    pub fn validate(&self) -> Result<(), PreprocessError> {
        let fail = |problem: String| {
            Err(PreprocessError::RawImage {
                format: self.format.name(),
                width: self.width,
                height: self.height,
                problem,
            })
        };
        if self.width == 0 || self.height == 0 {
            return fail("the image is empty".to_owned());
        }
        let odd_width = !self.width.is_multiple_of(2);
        match self.format {
            PixelFormat::Nv12 if odd_width || !self.height.is_multiple_of(2) => {
                return fail("NV12 needs an even width and height".to_owned());
            }
            PixelFormat::Yuyv if odd_width => {
                return fail("YUYV needs an even width".to_owned());
            }
            _ => {}
        }
        let row = self.format.row_bytes(self.width);
        if self.stride < row {
            return fail(format!(
                "stride {} is shorter than a row's {row} bytes",
                self.stride
            ));
        }
        let required = self.required_len();
        if self.data.len() < required {
            return fail(format!(
                "{} bytes given, {required} needed at stride {}",
                self.data.len(),
                self.stride
            ));
        }
        Ok(())
    }

    /// The pixels as tightly packed RGB8 rows, borrowed when they already are, else converted
    /// into `scratch`.
    pub fn to_rgb8<'s>(&self, scratch: &'s mut Vec<u8>) -> Result<&'s [u8], PreprocessError>
    where
        'a: 's,
    {
        self.to_rgb8_rows(scratch, &|_| true)
    }

    /// As [`Self::to_rgb8`], converting only the rows `wanted` picks (the others are left as
    /// they were in `scratch`): a resize that reads two source rows per output row needs no
    /// more. (Converting only the columns it reads as well measured no faster: the per-pixel
    /// indexing cost what the skipped pixels saved.)
    pub fn to_rgb8_rows<'s>(
        &self,
        scratch: &'s mut Vec<u8>,
        wanted: &dyn Fn(usize) -> bool,
    ) -> Result<&'s [u8], PreprocessError>
    where
        'a: 's,
    {
        self.validate()?;
        let (width, height) = (self.width as usize, self.height as usize);
        if self.format == PixelFormat::Rgb8 && self.stride == width * 3 {
            return Ok(&self.data[..width * height * 3]);
        }
        scratch.resize(width * height * 3, 0);
        for (row, out) in scratch.chunks_exact_mut(width * 3).enumerate() {
            if !wanted(row) {
                continue;
            }
            let start = row * self.stride;
            let line = &self.data[start..start + self.format.row_bytes(self.width)];
            match self.format {
                PixelFormat::Rgb8 => out.copy_from_slice(line),
                PixelFormat::Bgr8 => {
                    for (pixel, source) in out.chunks_exact_mut(3).zip(line.chunks_exact(3)) {
                        pixel.copy_from_slice(&[source[2], source[1], source[0]]);
                    }
                }
                PixelFormat::Yuyv => {
                    for (pair, source) in out.chunks_exact_mut(6).zip(line.chunks_exact(4)) {
                        let chroma = Chroma::new(source[1], source[3]);
                        chroma.pixel(source[0], &mut pair[..3]);
                        chroma.pixel(source[2], &mut pair[3..]);
                    }
                }
                PixelFormat::Nv12 => {
                    let chroma_start = (height + row / 2) * self.stride;
                    let chroma = &self.data[chroma_start..chroma_start + width];
                    for (pair, (luma, uv)) in out
                        .chunks_exact_mut(6)
                        .zip(line.chunks_exact(2).zip(chroma.chunks_exact(2)))
                    {
                        let chroma = Chroma::new(uv[0], uv[1]);
                        chroma.pixel(luma[0], &mut pair[..3]);
                        chroma.pixel(luma[1], &mut pair[3..]);
                    }
                }
            }
        }
        Ok(scratch)
    }
}

/// The chroma terms two (or four) pixels share, computed once for them.
#[derive(Debug, Clone, Copy)]
struct Chroma {
    red: i32,
    green: i32,
    blue: i32,
}

impl Chroma {
    fn new(u: u8, v: u8) -> Self {
        let (d, e) = (i32::from(u) - 128, i32::from(v) - 128);
        // The rounding constant of the final shift is folded in here.
        Self {
            red: 409 * e + 128,
            green: -100 * d - 208 * e + 128,
            blue: 516 * d + 128,
        }
    }

    fn pixel(self, y: u8, out: &mut [u8]) {
        let c = 298 * (i32::from(y) - 16);
        let clip = |value: i32| (value >> 8).clamp(0, 255) as u8;
        out[0] = clip(c + self.red);
        out[1] = clip(c + self.green);
        out[2] = clip(c + self.blue);
    }
}

/// BT.601 video range to RGB, 8-bit fixed point (libyuv's coefficients × 256).
pub fn yuv_to_rgb(y: u8, u: u8, v: u8) -> [u8; 3] {
    let mut rgb = [0; 3];
    Chroma::new(u, v).pixel(y, &mut rgb);
    rgb
}

/// RGB to BT.601 video range (the inverse of [`yuv_to_rgb`], for tests and for writing test
/// buffers).
pub fn rgb_to_yuv(rgb: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = rgb.map(i32::from);
    let y = ((66 * r + 129 * g + 25 * b + 128) >> 8) + 16;
    let u = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
    let v = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    [y, u, v].map(|value| value.clamp(0, 255) as u8)
}

/// NV12 (BT.601 video range) of tightly packed RGB8 pixels, `width` and `height` even: luma
/// per pixel, chroma of each 2 × 2 block's mean, rounded. For tests, benchmarks and examples
/// that stand in for a camera driver.
pub fn rgb_to_nv12(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    let (width, height) = (width as usize, height as usize);
    let mut out = vec![0_u8; width * height * 3 / 2];
    for (luma, pixel) in out.iter_mut().zip(rgb.chunks_exact(3)) {
        *luma = rgb_to_yuv([pixel[0], pixel[1], pixel[2]])[0];
    }
    for row in (0..height.saturating_sub(1)).step_by(2) {
        for column in (0..width.saturating_sub(1)).step_by(2) {
            let mut sum = [0_u32; 3];
            for (dy, dx) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                let at = ((row + dy) * width + column + dx) * 3;
                for (total, value) in sum.iter_mut().zip(&rgb[at..at + 3]) {
                    *total += u32::from(*value);
                }
            }
            let [_, u, v] = rgb_to_yuv(sum.map(|total| ((total + 2) / 4) as u8));
            let at = width * height + (row / 2) * width + column;
            out[at] = u;
            out[at + 1] = v;
        }
    }
    out
}
