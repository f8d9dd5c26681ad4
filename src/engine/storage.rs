//! In-memory series storage: float samples per series, appended in time order, iterated in creation order.
//!
//! This replaces Prometheus's TSDB head for evaluation purposes. Series are numbered in creation order
//! (Prometheus's head returns series by reference, i.e. creation order, too). Samples are appended
//! incrementally, which the rule unit-test runner needs (it loads input step by step and appends rule
//! outputs). Native histogram samples are stored as a marker (`HISTOGRAM_MARKER`): the engine reports an
//! evaluation that touches one as unsupported rather than computing with it.

use std::collections::HashMap;

use crate::engine::value::{Labels, METRIC_NAME};

/// The value stored in place of a native histogram sample.
pub const HISTOGRAM_MARKER_BITS: u64 = 0x7ff0_0000_0000_0bad;

pub fn is_histogram_marker(f: f64) -> bool {
    f.to_bits() == HISTOGRAM_MARKER_BITS
}

/// One stored series.
#[derive(Debug, Clone)]
pub struct StoredSeries {
    pub labels: Labels,
    /// Sample timestamps (ms), strictly increasing.
    pub ts: Vec<i64>,
    /// Sample values; stale markers and histogram markers included.
    pub vs: Vec<f64>,
    pub has_histograms: bool,
}

impl StoredSeries {
    /// Index of the first sample with timestamp > `t`.
    pub fn upper_bound(&self, t: i64) -> usize {
        self.ts.partition_point(|&x| x <= t)
    }
}

/// Why an append was refused (Prometheus's storage error texts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppendError {
    OutOfOrder,
    Duplicate,
}

impl std::fmt::Display for AppendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            AppendError::OutOfOrder => "out of order sample",
            AppendError::Duplicate => "duplicate sample for timestamp",
        })
    }
}

/// The store.
#[derive(Debug, Clone, Default)]
pub struct Storage {
    series: Vec<StoredSeries>,
    index: HashMap<Labels, usize>,
    by_name: HashMap<String, Vec<usize>>,
    samples: usize,
}

impl Storage {
    pub fn new() -> Storage {
        Storage::default()
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Total samples stored.
    pub fn sample_count(&self) -> usize {
        self.samples
    }

    /// The id of the series with exactly these labels, creating it (empty) if needed.
    pub fn series_id(&mut self, labels: &Labels) -> usize {
        if let Some(&id) = self.index.get(labels) {
            return id;
        }
        let id = self.series.len();
        self.series.push(StoredSeries {
            labels: labels.clone(),
            ts: Vec::new(),
            vs: Vec::new(),
            has_histograms: false,
        });
        self.index.insert(labels.clone(), id);
        self.by_name.entry(labels.get(METRIC_NAME).to_string()).or_default().push(id);
        id
    }

    pub fn get(&self, id: usize) -> Option<&StoredSeries> {
        self.series.get(id)
    }

    pub fn lookup(&self, labels: &Labels) -> Option<usize> {
        self.index.get(labels).copied()
    }

    /// All series, in creation order.
    pub fn series(&self) -> &[StoredSeries] {
        &self.series
    }

    /// Ids of the series named `name`, in creation order.
    pub fn ids_with_name(&self, name: &str) -> &[usize] {
        self.by_name.get(name).map(|v| v.as_slice()).unwrap_or(&[])
    }

    /// Appends a float sample (a stale marker is a float). Like the TSDB head: an older timestamp is
    /// out of order; the same timestamp with the same value bits is ignored, with another value a duplicate.
    pub fn append(&mut self, labels: &Labels, t: i64, v: f64) -> Result<(), AppendError> {
        let id = self.series_id(labels);
        self.append_to(id, t, v)
    }

    /// Appends a native histogram sample (stored as a marker).
    pub fn append_histogram(&mut self, labels: &Labels, t: i64) -> Result<(), AppendError> {
        let id = self.series_id(labels);
        self.append_to(id, t, f64::from_bits(HISTOGRAM_MARKER_BITS))?;
        if let Some(s) = self.series.get_mut(id) {
            s.has_histograms = true;
        }
        Ok(())
    }

    pub fn append_to(&mut self, id: usize, t: i64, v: f64) -> Result<(), AppendError> {
        let Some(s) = self.series.get_mut(id) else { return Ok(()) };
        if let Some(&last) = s.ts.last() {
            if t < last {
                return Err(AppendError::OutOfOrder);
            }
            if t == last {
                let prev = s.vs.last().copied().unwrap_or(0.0);
                return if prev.to_bits() == v.to_bits() { Ok(()) } else { Err(AppendError::Duplicate) };
            }
        }
        s.ts.push(t);
        s.vs.push(v);
        self.samples += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_and_order() {
        let mut s = Storage::new();
        let b = Labels::from_pairs([("__name__", "b")]);
        let a = Labels::from_pairs([("__name__", "a")]);
        s.append(&b, 0, 1.0).unwrap();
        s.append(&a, 0, 1.0).unwrap();
        s.append(&b, 10, 2.0).unwrap();
        assert_eq!(s.append(&b, 5, 2.0), Err(AppendError::OutOfOrder));
        assert_eq!(s.append(&b, 10, 3.0), Err(AppendError::Duplicate));
        assert_eq!(s.append(&b, 10, 2.0), Ok(()));
        assert_eq!(s.series()[0].labels, b);
        assert_eq!(s.ids_with_name("a"), &[1]);
        assert_eq!(s.get(0).unwrap().upper_bound(10), 2);
        assert_eq!(s.get(0).unwrap().upper_bound(9), 1);
        assert_eq!(s.sample_count(), 3);
    }
}
