//! Drawing primitives clipped to a rectangle, so nothing a tile draws spills onto its neighbours.

use super::colors::{blend, TEXT, TEXT_BACKGROUND};
use super::font::{glyph_or_replacement, is_set, text_height, text_width, GLYPH_ADVANCE};
use super::layout::Rect;
use image::{Rgb, RgbImage};

/// An image and the rectangle drawing is confined to.
#[derive(Debug)]
pub struct Canvas<'a> {
    image: &'a mut RgbImage,
    left: i64,
    top: i64,
    right: i64,
    bottom: i64,
}

impl<'a> Canvas<'a> {
    /// Drawing into `clip` (cut to the image).
    pub fn new(image: &'a mut RgbImage, clip: Rect) -> Self {
        let right = i64::from(clip.x.saturating_add(clip.width)).min(i64::from(image.width()));
        let bottom = i64::from(clip.y.saturating_add(clip.height)).min(i64::from(image.height()));
        Self {
            image,
            left: i64::from(clip.x),
            top: i64::from(clip.y),
            right,
            bottom,
        }
    }

    fn inside(&self, x: i64, y: i64) -> bool {
        x >= self.left && x < self.right && y >= self.top && y < self.bottom
    }

    /// The pixel at (x, y), if inside the clip.
    pub fn get(&self, x: i64, y: i64) -> Option<Rgb<u8>> {
        self.inside(x, y)
            .then(|| *self.image.get_pixel(x as u32, y as u32))
    }

    /// Sets one pixel.
    pub fn put(&mut self, x: i64, y: i64, color: Rgb<u8>) {
        if self.inside(x, y) {
            self.image.put_pixel(x as u32, y as u32, color);
        }
    }

    /// Blends one pixel towards `color` by `alpha`.
    pub fn blend(&mut self, x: i64, y: i64, color: Rgb<u8>, alpha: f32) {
        if let Some(base) = self.get(x, y) {
            self.image
                .put_pixel(x as u32, y as u32, blend(base, color, alpha));
        }
    }

    /// Fills a rectangle.
    pub fn fill_rect(&mut self, x: i64, y: i64, width: i64, height: i64, color: Rgb<u8>) {
        for row in y.max(self.top)..(y + height).min(self.bottom) {
            for column in x.max(self.left)..(x + width).min(self.right) {
                self.image.put_pixel(column as u32, row as u32, color);
            }
        }
    }

    /// Outlines a rectangle with lines `thickness` pixels wide, drawn inwards.
    pub fn stroke_rect(
        &mut self,
        x: i64,
        y: i64,
        width: i64,
        height: i64,
        thickness: i64,
        color: Rgb<u8>,
    ) {
        let thickness = thickness.clamp(1, (width.min(height) + 1) / 2).max(1);
        self.fill_rect(x, y, width, thickness, color);
        self.fill_rect(x, y + height - thickness, width, thickness, color);
        self.fill_rect(x, y, thickness, height, color);
        self.fill_rect(x + width - thickness, y, thickness, height, color);
    }

    /// A straight line between two points, `thickness` pixels wide.
    pub fn line(&mut self, from: (f32, f32), to: (f32, f32), thickness: i64, color: Rgb<u8>) {
        if ![from.0, from.1, to.0, to.1].iter().all(|v| v.is_finite()) {
            return;
        }
        let steps = (to.0 - from.0)
            .abs()
            .max((to.1 - from.1).abs())
            .ceil()
            .max(1.0);
        // A line far outside the canvas is not worth walking.
        if steps > 1.0e5 {
            return;
        }
        let half = thickness / 2;
        for step in 0..=steps as i64 {
            let t = step as f32 / steps;
            let x = (from.0 + (to.0 - from.0) * t).round() as i64;
            let y = (from.1 + (to.1 - from.1) * t).round() as i64;
            self.fill_rect(x - half, y - half, thickness, thickness, color);
        }
    }

    /// A filled disc.
    pub fn disc(&mut self, centre: (f32, f32), radius: f32, color: Rgb<u8>) {
        if !(centre.0.is_finite() && centre.1.is_finite()) {
            return;
        }
        let reach = radius.ceil() as i64;
        let (cx, cy) = (centre.0.round() as i64, centre.1.round() as i64);
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                if (dx * dx + dy * dy) as f32 <= radius * radius {
                    self.put(cx + dx, cy + dy, color);
                }
            }
        }
    }

    /// Draws `text` with its top-left corner at (x, y); returns its width.
    pub fn text(&mut self, x: i64, y: i64, text: &str, scale: u32, color: Rgb<u8>) -> i64 {
        let scale = scale.max(1);
        let mut pen = x;
        for character in text.chars() {
            let glyph = glyph_or_replacement(character);
            for row in 0..7 {
                for column in 0..5 {
                    if is_set(glyph, column, row) {
                        let px = pen + i64::from(column * scale);
                        let py = y + i64::from(row * scale);
                        self.fill_rect(px, py, i64::from(scale), i64::from(scale), color);
                    }
                }
            }
            pen += i64::from(GLYPH_ADVANCE * scale);
        }
        i64::from(text_width(text, scale))
    }

    /// White text on a black box with a margin of one font pixel; returns the box size.
    pub fn label(&mut self, x: i64, y: i64, text: &str, scale: u32) -> (i64, i64) {
        let margin = i64::from(scale.max(1));
        let width = i64::from(text_width(text, scale)) + 2 * margin;
        let height = i64::from(text_height(scale)) + 2 * margin;
        self.fill_rect(x, y, width, height, TEXT_BACKGROUND);
        self.text(x + margin, y + margin, text, scale, TEXT);
        (width, height)
    }
}

/// `text` broken at spaces (or anywhere, for long words) into lines of at most `width` pixels.
pub fn wrap(text: &str, scale: u32, width: u32) -> Vec<String> {
    let per_line = ((width / scale.max(1) + 1) / GLYPH_ADVANCE).max(1) as usize;
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = current.chars().count();
            let room = if used == 0 {
                per_line
            } else {
                per_line.saturating_sub(used + 1)
            };
            if word.len() <= room {
                if used > 0 {
                    current.push(' ');
                }
                current.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            let rest = word.split_off(per_line);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn drawing_stays_inside_the_clip() {
        let mut image = RgbImage::new(20, 20);
        let clip = Rect {
            x: 5,
            y: 5,
            width: 10,
            height: 10,
        };
        let red = Rgb([255, 0, 0]);
        let mut canvas = Canvas::new(&mut image, clip);
        canvas.fill_rect(-100, -100, 1000, 1000, red);
        canvas.line((-50.0, 10.0), (80.0, 10.0), 3, red);
        let lit: usize = image.pixels().filter(|p| **p == red).count();
        assert_eq!(lit, 100);
        assert_eq!(*image.get_pixel(4, 10), Rgb([0, 0, 0]));
        assert_eq!(*image.get_pixel(5, 5), red);
    }

    #[test]
    fn stroke_rect_draws_the_outline_only() {
        let mut image = RgbImage::new(12, 12);
        let all = Rect {
            x: 0,
            y: 0,
            width: 12,
            height: 12,
        };
        let green = Rgb([0, 255, 0]);
        Canvas::new(&mut image, all).stroke_rect(2, 3, 6, 5, 1, green);
        assert_eq!(*image.get_pixel(2, 3), green);
        assert_eq!(*image.get_pixel(7, 7), green);
        assert_eq!(*image.get_pixel(4, 5), Rgb([0, 0, 0]));
        assert_eq!(image.pixels().filter(|p| **p == green).count(), 18);
    }

    #[test]
    fn wrap_keeps_lines_within_the_width() {
        let lines = wrap("MISSING: frame file unreadable", 1, 6 * 10 - 1);
        assert_eq!(lines, vec!["MISSING:", "frame file", "unreadable"]);
        assert_eq!(wrap("abcdefghijkl", 1, 29), vec!["abcde", "fghij", "kl"]);
        assert_eq!(wrap("", 2, 100), vec![String::new()]);
    }
}
