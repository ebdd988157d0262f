//! The z-buffer rasteriser: triangles in a pinhole view's frame onto its pixel grid.
//!
//! Pixel (x, y) is sampled at its centre, the integer coordinate (x, y), as in OpenCV's
//! convention, so a point projecting to (u, v) lands in pixel (round(u), round(v)).

use nalgebra::Vector3;

/// Geometry closer than this to the view's centre plane is clipped away (metres).
pub const NEAR_PLANE: f64 = 0.05;

/// A pinhole view: intrinsics, size and the rectangle of pixels worth drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PinholeView {
    pub fx: f64,
    pub fy: f64,
    pub cx: f64,
    pub cy: f64,
    pub width: usize,
    pub height: usize,
    /// Inclusive pixel bounds actually drawn: [x0, y0, x1, y1].
    pub scissor: [usize; 4],
}

impl PinholeView {
    /// Whether a sphere (centre in the view frame) may reach the drawn pixels: false only when
    /// it lies wholly behind the near plane or beyond one side of the scissor's frustum.
    #[must_use]
    pub fn may_see_sphere(&self, centre: &Vector3<f64>, radius: f64) -> bool {
        if centre.z < NEAR_PLANE - radius {
            return false;
        }
        let [x0, y0, x1, y1] = self.scissor;
        // Each side plane passes through the eye: a·z − x ≤ 0 inside for the left side, etc.
        let sides = [
            ((x0 as f64 - 0.5 - self.cx) / self.fx, 1.0, 0),
            ((x1 as f64 + 0.5 - self.cx) / self.fx, -1.0, 0),
            ((y0 as f64 - 0.5 - self.cy) / self.fy, 1.0, 1),
            ((y1 as f64 + 0.5 - self.cy) / self.fy, -1.0, 1),
        ];
        sides.iter().all(|&(slope, sign, axis)| {
            let lateral = if axis == 0 { centre.x } else { centre.y };
            // Signed distance to the plane lateral = slope·z, positive inside.
            let distance = sign * (lateral - slope * centre.z) / (1.0 + slope * slope).sqrt();
            distance >= -radius
        })
    }

    /// Calls `fragment(pixel index, z)` for every pixel centre inside the triangle (corners in
    /// the view frame: x right, y down, z forward), after clipping at the near plane.
    #[inline]
    pub fn rasterise(&self, corners: &[Vector3<f64>; 3], mut fragment: impl FnMut(usize, f32)) {
        if corners.iter().all(|corner| corner.z < NEAR_PLANE) {
            return;
        }
        let mut polygon = [Vector3::zeros(); 4];
        let count = clip_near(corners, &mut polygon);
        let mut projected = [[0.0f64; 3]; 4];
        for (index, point) in polygon[..count].iter().enumerate() {
            let inverse = 1.0 / point.z;
            projected[index] = [
                self.fx * point.x * inverse + self.cx,
                self.fy * point.y * inverse + self.cy,
                inverse,
            ];
        }
        for fan in 1..count.saturating_sub(1) {
            self.fill(
                &projected[0],
                &projected[fan],
                &projected[fan + 1],
                &mut fragment,
            );
        }
    }

    #[inline]
    fn fill(
        &self,
        a: &[f64; 3],
        b: &[f64; 3],
        c: &[f64; 3],
        fragment: &mut impl FnMut(usize, f32),
    ) {
        // Exact integer edge functions on a 1/256-pixel grid: a pixel centre on an edge shared
        // by two triangles is inside at least one of them, so meshes have no cracks.
        let fixed = |point: &[f64; 3]| {
            let snap = |value: f64| (value * SUBPIXELS + 0.5).clamp(-GUARD, GUARD).floor() as i64;
            (snap(point[0]), snap(point[1]), point[2])
        };
        let (a, mut b, mut c) = (fixed(a), fixed(b), fixed(c));
        let mut area = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
        if area == 0 {
            return;
        }
        if area < 0 {
            std::mem::swap(&mut b, &mut c);
            area = -area;
        }
        let [sx0, sy0, sx1, sy1] = self.scissor;
        let unit = SUBPIXELS as i64;
        let low_x = a.0.min(b.0).min(c.0).div_euclid(unit).max(sx0 as i64);
        let high_x = a.0.max(b.0).max(c.0).div_euclid(unit).min(sx1 as i64);
        let low_y = a.1.min(b.1).min(c.1).div_euclid(unit).max(sy0 as i64);
        let high_y = a.1.max(b.1).max(c.1).div_euclid(unit).min(sy1 as i64);
        if low_x > high_x || low_y > high_y {
            return;
        }
        // Edge (p → q) at point s: (q − p) × (s − p); positive inside a counter-clockwise triangle.
        let edge = |p: (i64, i64, f64), q: (i64, i64, f64)| {
            (p.1 - q.1, q.0 - p.0, p.0 * (q.1 - p.1) - p.1 * (q.0 - p.0))
        };
        let edges = [edge(b, c), edge(c, a), edge(a, b)];
        let inverse_area = 1.0 / area as f64;
        let depth = [a.2 * inverse_area, b.2 * inverse_area, c.2 * inverse_area];
        for y in low_y..=high_y {
            let sample_y = y * unit;
            let mut weights = [0i64; 3];
            for (weight, (step_x, step_y, origin)) in weights.iter_mut().zip(&edges) {
                *weight = step_x * low_x * unit + step_y * sample_y + origin;
            }
            let row = y as usize * self.width;
            for x in low_x..=high_x {
                if weights[0] >= 0 && weights[1] >= 0 && weights[2] >= 0 {
                    let inverse_z = weights[0] as f64 * depth[0]
                        + weights[1] as f64 * depth[1]
                        + weights[2] as f64 * depth[2];
                    if inverse_z > 0.0 {
                        fragment(row + x as usize, (1.0 / inverse_z) as f32);
                    }
                }
                weights[0] += edges[0].0 * unit;
                weights[1] += edges[1].0 * unit;
                weights[2] += edges[2].0 * unit;
            }
        }
    }
}

/// Sub-pixel steps per pixel of the rasteriser's fixed-point grid (vertices snap to it).
const SUBPIXELS: f64 = 256.0;
/// Projected coordinates are clamped to ± this many sub-pixels (keeps products in i64).
const GUARD: f64 = 1.0e9;

/// Clips a triangle to z ≥ NEAR_PLANE; writes the polygon (3 or 4 corners) and its size.
fn clip_near(corners: &[Vector3<f64>; 3], out: &mut [Vector3<f64>; 4]) -> usize {
    let mut count = 0;
    for index in 0..3 {
        let current = corners[index];
        let next = corners[(index + 1) % 3];
        let current_in = current.z >= NEAR_PLANE;
        let next_in = next.z >= NEAR_PLANE;
        if current_in && count < 4 {
            out[count] = current;
            count += 1;
        }
        if current_in != next_in && count < 4 {
            let t = (NEAR_PLANE - current.z) / (next.z - current.z);
            out[count] = current + (next - current) * t;
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view() -> PinholeView {
        PinholeView {
            fx: 100.0,
            fy: 100.0,
            cx: 50.0,
            cy: 40.0,
            width: 100,
            height: 80,
            scissor: [0, 0, 99, 79],
        }
    }

    #[test]
    fn a_square_covers_exactly_its_pixel_centres_at_its_depth() {
        // A square 2 m ahead spanning x, y in [-0.2, 0.2) → pixels 40..=59 by 30..=49.
        let z = 2.0;
        let quad = [
            Vector3::new(-0.2, -0.2, z),
            Vector3::new(0.199, -0.2, z),
            Vector3::new(0.199, 0.199, z),
            Vector3::new(-0.2, 0.199, z),
        ];
        let mut hits = vec![0u32; 100 * 80];
        let mut depths = Vec::new();
        for triangle in [[quad[0], quad[1], quad[2]], [quad[0], quad[2], quad[3]]] {
            view().rasterise(&triangle, |index, depth| {
                hits[index] += 1;
                depths.push(depth);
            });
        }
        for y in 0..80 {
            for x in 0..100 {
                let inside = (40..=59).contains(&x) && (30..=49).contains(&y);
                assert_eq!(hits[y * 100 + x] > 0, inside, "pixel {x}, {y}");
            }
        }
        assert!(depths.iter().all(|depth| (depth - 2.0).abs() < 1e-6));
    }

    #[test]
    // Vertices snap to 1/256 pixel, which tilts a plane by ~1e-5 relative: within 1e-4.
    fn depth_is_perspective_correct_on_a_slanted_plane() {
        // The plane z = 2 + x: at pixel column u, x/z = (u − 50)/100, so z = 2 / (1 − (u−50)/100).
        let triangle = [
            Vector3::new(-1.0, -1.0, 1.0),
            Vector3::new(1.0, -1.0, 3.0),
            Vector3::new(0.0, 2.0, 2.0),
        ];
        let mut checked = 0;
        view().rasterise(&triangle, |index, depth| {
            let u = (index % 100) as f64;
            let expected = 2.0 / (1.0 - (u - 50.0) / 100.0);
            assert!(
                (f64::from(depth) - expected).abs() < 1e-4 * expected,
                "{depth} vs {expected}"
            );
            checked += 1;
        });
        assert!(checked > 100);
    }

    #[test]
    fn spheres_outside_the_frustum_are_culled_and_inside_ones_kept() {
        let view = view();
        assert!(view.may_see_sphere(&Vector3::new(0.0, 0.0, 5.0), 0.1));
        assert!(!view.may_see_sphere(&Vector3::new(0.0, 0.0, -5.0), 1.0));
        // Column 99.5 is at x/z = 0.495: a sphere just beyond it is culled, touching it is kept.
        assert!(!view.may_see_sphere(&Vector3::new(10.0 * 0.495 + 0.2, 0.0, 10.0), 0.1));
        assert!(view.may_see_sphere(&Vector3::new(10.0 * 0.495 + 0.05, 0.0, 10.0), 0.1));
        assert!(!view.may_see_sphere(&Vector3::new(0.0, -10.0, 10.0), 1.0));
    }

    #[test]
    fn triangles_crossing_the_near_plane_are_clipped_not_dropped() {
        let triangle = [
            Vector3::new(-1.0, 0.5, -1.0),
            Vector3::new(1.0, 0.5, -1.0),
            Vector3::new(0.0, 0.5, 10.0),
        ];
        let mut count = 0;
        view().rasterise(&triangle, |_, depth| {
            assert!(depth >= NEAR_PLANE as f32 * 0.999);
            count += 1;
        });
        assert!(count > 0);
    }
}
