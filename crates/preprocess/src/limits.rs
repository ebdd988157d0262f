//! How large a camera image may be, checked from its header (or a raw buffer's declared size)
//! before any of its pixels are allocated.

use crate::PreprocessError;

/// The largest image a pre-processor accepts. A JPEG's header can claim 65535×65535 pixels in a
/// few hundred bytes (12 GiB of RGB); such an image is refused with an error instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageLimits {
    /// Largest width or height, pixels.
    pub max_side: u32,
    /// Largest width × height.
    pub max_pixels: u64,
}

impl Default for ImageLimits {
    /// 16384 pixels a side and 50 megapixels (an 8K camera has 33).
    fn default() -> Self {
        Self {
            max_side: 16_384,
            max_pixels: 50_000_000,
        }
    }
}

/// What one camera's images must be: within the limits, and the calibrated size when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SizeCheck {
    pub limits: ImageLimits,
    pub expected: Option<(u32, u32)>,
}

impl SizeCheck {
    /// Refuses a `width`×`height` image of camera `camera` that breaks the limits or is not
    /// the calibrated size; `origin` names where it came from.
    pub fn check(
        &self,
        width: u64,
        height: u64,
        camera: usize,
        origin: &dyn Fn() -> String,
    ) -> Result<(), PreprocessError> {
        let limit = if width.max(height) > u64::from(self.limits.max_side) {
            Some(format!(
                "a side is longer than the limit of {} pixels",
                self.limits.max_side
            ))
        } else if width.saturating_mul(height) > self.limits.max_pixels {
            Some(format!(
                "more than the limit of {} pixels",
                self.limits.max_pixels
            ))
        } else {
            None
        };
        if let Some(limit) = limit {
            return Err(PreprocessError::TooLarge {
                origin: origin(),
                width,
                height,
                limit,
            });
        }
        match self.expected {
            Some((expected_width, expected_height))
                if (width, height) != (u64::from(expected_width), u64::from(expected_height))
                    && width > 0
                    && height > 0 =>
            {
                Err(PreprocessError::WrongSize {
                    origin: origin(),
                    camera,
                    width,
                    height,
                    expected_width,
                    expected_height,
                })
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sizes_beyond_the_limits_or_the_calibration_are_refused() {
        let origin = || "test".to_owned();
        let check = SizeCheck {
            limits: ImageLimits::default(),
            expected: Some((1600, 900)),
        };
        assert!(check.check(1600, 900, 0, &origin).is_ok());
        let wrong = check.check(800, 450, 2, &origin).unwrap_err().to_string();
        assert!(
            wrong.contains("800x450") && wrong.contains("1600x900"),
            "{wrong}"
        );
        let bomb = check.check(65_535, 65_535, 0, &origin).unwrap_err();
        assert!(matches!(bomb, PreprocessError::TooLarge { .. }), "{bomb}");
        let many = SizeCheck::default().check(16_000, 16_000, 0, &origin);
        assert!(matches!(many, Err(PreprocessError::TooLarge { .. })));
        // Empty images are the decoder's to report, with their own error.
        assert!(check.check(0, 0, 0, &origin).is_ok());
    }
}
