//! Terminal pictures of a run: the compared value as a sparkline (`▁▂▃▄▅▆▇█`) and the alert state
//! per evaluation, one character per evaluation, so the two lines align.

use crate::scenario::run::Frame;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One character per value: the value's height between 0 (or the smallest value, if negative) and
/// `top`; a space where there is no value.
pub fn sparkline(values: &[Option<f64>], top: f64) -> String {
    let bottom = values.iter().flatten().filter(|v| v.is_finite()).fold(0.0f64, |a, v| a.min(*v));
    let span = top - bottom;
    values
        .iter()
        .map(|v| match v {
            Some(v) if v.is_finite() => {
                let frac = if span > 0.0 { ((v - bottom) / span).clamp(0.0, 1.0) } else { 0.0 };
                let i = (frac * (BARS.len() - 1) as f64).round() as usize;
                BARS.get(i).copied().unwrap_or('█')
            }
            _ => ' ',
        })
        .collect()
}

/// The largest value of watched expression `slot` at each frame (`None` without samples).
pub fn values(frames: &[Frame], slot: usize) -> Vec<Option<f64>> {
    frames
        .iter()
        .map(|f| f.values.get(slot).and_then(|v| v.iter().map(|(_, x)| *x).filter(|x| !x.is_nan()).reduce(f64::max)))
        .collect()
}

/// `·` inactive, `p` pending, `F` firing, per frame, for watched alert `slot`.
pub fn states(frames: &[Frame], slot: usize) -> String {
    frames
        .iter()
        .map(|f| match f.alerts.get(slot) {
            Some(a) if a.firing > 0 => 'F',
            Some(a) if a.pending > 0 => 'p',
            _ => '·',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_and_gaps() {
        assert_eq!(sparkline(&[Some(0.0), Some(0.5), Some(1.0), None, Some(2.0)], 1.0), "▁▅█ █");
        assert_eq!(sparkline(&[Some(-1.0), Some(1.0)], 1.0), "▁█");
        assert_eq!(sparkline(&[Some(f64::NAN), Some(0.0)], 0.0), " ▁");
    }
}
