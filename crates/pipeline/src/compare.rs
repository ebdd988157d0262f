//! A/B comparisons measured in interleaved rounds, so that the machine's drift cancels: each
//! round times A and B back to back (A first in even rounds, B first in odd ones), and the
//! comparison is the ratio within each round, with its spread over the rounds.

use crate::error::Result;
use crate::report::Latency;
use serde::Serialize;

/// One comparison: B's time over A's, round by round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// What is compared, e.g. `batched vs per-camera`.
    pub name: String,
    /// What A is, e.g. `one run of 6 cameras`.
    pub a: String,
    /// What B is.
    pub b: String,
    /// A's milliseconds per frame set, one value per round (each the median of the round's
    /// repetitions).
    pub a_ms: Vec<f64>,
    /// B's, the same way.
    pub b_ms: Vec<f64>,
    /// B's time over A's in each round: above 1, A is that many times faster.
    pub ratio: Spread,
}

/// The ratios of the rounds: their median and range.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Spread {
    /// Median over the rounds.
    pub median: f64,
    /// Lowest round.
    pub min: f64,
    /// Highest round.
    pub max: f64,
    /// Rounds.
    pub rounds: usize,
}

impl Spread {
    /// Median and range of `values`.
    pub fn of(values: &[f64]) -> Self {
        if values.is_empty() {
            return Self::default();
        }
        let latency = Latency::of(values);
        Self {
            median: latency.p50,
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: latency.max,
            rounds: values.len(),
        }
    }
}

/// A comparison the bench could not make, and why (a model with a fixed batch cannot be run
/// per camera, a single target has nothing to be compared with).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The comparison's name.
    pub name: String,
    /// Why it was not measured.
    pub why: String,
}

/// Times `a` and `b` in `rounds` interleaved rounds (A then B, then B then A, ...); each call
/// returns milliseconds per frame set. Their ratio per round, B over A, is the comparison.
pub fn interleave(
    name: &str,
    labels: (&str, &str),
    rounds: usize,
    mut a: impl FnMut() -> Result<f64>,
    mut b: impl FnMut() -> Result<f64>,
) -> Result<Comparison> {
    let mut a_ms = Vec::with_capacity(rounds);
    let mut b_ms = Vec::with_capacity(rounds);
    for round in 0..rounds {
        if round % 2 == 0 {
            a_ms.push(a()?);
            b_ms.push(b()?);
        } else {
            b_ms.push(b()?);
            a_ms.push(a()?);
        }
    }
    let ratios: Vec<f64> = a_ms
        .iter()
        .zip(&b_ms)
        .map(|(a, b)| if *a > 0.0 { b / a } else { 0.0 })
        .collect();
    Ok(Comparison {
        name: name.to_owned(),
        a: labels.0.to_owned(),
        b: labels.1.to_owned(),
        a_ms,
        b_ms,
        ratio: Spread::of(&ratios),
    })
}

/// The median milliseconds of `repetitions` calls of `run` (at least one).
pub fn median_ms(repetitions: usize, mut run: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::with_capacity(repetitions.max(1));
    for _ in 0..repetitions.max(1) {
        let started = std::time::Instant::now();
        run()?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    Ok(Latency::of(&times).p50)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn rounds_alternate_which_side_goes_first_and_ratios_are_per_round() {
        let order = RefCell::new(Vec::new());
        let times = RefCell::new([10.0, 20.0, 12.0, 30.0, 11.0, 22.0].into_iter());
        let next = |side: char| {
            order.borrow_mut().push(side);
            Ok(times.borrow_mut().next().unwrap_or(0.0))
        };
        let comparison =
            interleave("x", ("fast", "slow"), 3, || next('a'), || next('b')).expect("measured");
        assert_eq!(*order.borrow(), ['a', 'b', 'b', 'a', 'a', 'b']);
        assert_eq!(comparison.a_ms, [10.0, 30.0, 11.0]);
        assert_eq!(comparison.b_ms, [20.0, 12.0, 22.0]);
        assert_eq!(comparison.ratio.rounds, 3);
        assert_eq!(comparison.ratio.median, 2.0);
        assert_eq!(comparison.ratio.min, 0.4);
        assert_eq!(comparison.ratio.max, 2.0);
    }

    #[test]
    fn an_error_on_either_side_stops_the_comparison() {
        let failing =
            || -> Result<f64> { Err(crate::error::PipelineError::Configuration("no".into())) };
        assert!(interleave("x", ("a", "b"), 2, || Ok(1.0), failing).is_err());
        assert_eq!(Spread::of(&[]), Spread::default());
    }
}
