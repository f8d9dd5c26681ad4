//! In-memory series storage: float samples per series, appended in time order, iterated in creation order.
//!
//! This replaces Prometheus's TSDB head for evaluation purposes. Series are numbered in creation order
//! (Prometheus's head returns series by reference, i.e. creation order, too). Samples are appended
//! incrementally, which the rule unit-test runner needs (it loads input step by step and appends rule
//! outputs). Native histogram samples are stored as a marker (`HISTOGRAM_MARKER`): the engine reports an
//! evaluation that touches one as unsupported rather than computing with it.

use std::sync::Arc;

use crate::engine::value::FastMap as HashMap;

use crate::engine::value::{FPoint, Labels, METRIC_NAME};

/// The value stored in place of a native histogram sample.
pub const HISTOGRAM_MARKER_BITS: u64 = 0x7ff0_0000_0000_0bad;

pub fn is_histogram_marker(f: f64) -> bool {
    f.to_bits() == HISTOGRAM_MARKER_BITS
}

/// One stored series.
#[derive(Debug, Clone)]
pub struct StoredSeries {
    pub labels: Labels,
    /// `labels` without `__name__`/`__type__`/`__unit__`, computed once: functions and operators drop
    /// them on every evaluation in promtool mode.
    pub labels_without_metadata: Labels,
    /// Samples by strictly increasing timestamp (ms); stale markers and histogram markers included.
    /// Timestamps and values are interleaved so that reading a window touches one run of memory.
    pub points: Vec<FPoint>,
    pub has_histograms: bool,
}

impl StoredSeries {
    /// Index of the first sample with timestamp > `t`.
    pub fn upper_bound(&self, t: i64) -> usize {
        upper_bound_before(&self.points, self.points.len(), t)
    }
}

/// Index of the first element of `ts[..end]` that is > `t`, searching backwards from `end` with
/// exponentially growing steps. Queries read the recent end of series (rule evaluation appends and
/// queries step by step), so this touches a few hot cache lines where a plain binary search over a
/// day of samples would miss the cache a dozen times per lookup.
pub fn upper_bound_before(ts: &[FPoint], end: usize, t: i64) -> usize {
    let end = end.min(ts.len());
    let mut hi = end;
    let mut step = 1;
    loop {
        if hi == 0 {
            return 0;
        }
        let probe = hi.saturating_sub(step);
        match ts.get(probe) {
            Some(p) if p.t > t => {
                hi = probe;
                step *= 2;
            }
            _ => {
                // ts[probe] <= t < ts[hi] (or hi == end): the answer is in (probe, hi].
                let lo = probe + 1;
                return lo + ts.get(lo..hi).map_or(0, |s| s.partition_point(|p| p.t <= t));
            }
        }
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

static NEXT_STORAGE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// The store.
#[derive(Debug)]
pub struct Storage {
    /// Distinguishes storages in the engine's selector cache.
    id: u64,
    series: Vec<StoredSeries>,
    index: HashMap<Labels, usize>,
    by_name: HashMap<String, Vec<usize>>,
    samples: usize,
    /// Label strings shared by all series (names and common values are stored once, and comparing two
    /// shared strings is a pointer comparison).
    strings: crate::engine::value::FastSet<Arc<str>>,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            id: NEXT_STORAGE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            series: Vec::new(),
            index: HashMap::default(),
            by_name: HashMap::default(),
            samples: 0,
            strings: Default::default(),
        }
    }
}

impl Clone for Storage {
    /// A clone is a new storage (it can diverge), with its own identity.
    fn clone(&self) -> Self {
        Storage {
            id: NEXT_STORAGE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            series: self.series.clone(),
            index: self.index.clone(),
            by_name: self.by_name.clone(),
            samples: self.samples,
            strings: self.strings.clone(),
        }
    }
}

impl Storage {
    pub fn new() -> Storage {
        Storage::default()
    }

    /// This storage's identity (unique per process).
    pub fn id(&self) -> u64 {
        self.id
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
        let strings = &mut self.strings;
        let labels = &labels.map_strings(|s| match strings.get(s) {
            Some(x) => x.clone(),
            None => {
                strings.insert(s.clone());
                s.clone()
            }
        });
        self.series.push(StoredSeries {
            labels: labels.clone(),
            labels_without_metadata: labels.drop_metadata(),
            points: Vec::new(),
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
        if let Some(last) = s.points.last() {
            if t < last.t {
                return Err(AppendError::OutOfOrder);
            }
            if t == last.t {
                return if last.f.to_bits() == v.to_bits() { Ok(()) } else { Err(AppendError::Duplicate) };
            }
        }
        s.points.push(FPoint { t, f: v });
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

    #[test]
    fn galloping_search_agrees_with_binary_search() {
        let ts: Vec<FPoint> = (0..1000).map(|i| FPoint { t: i * 3, f: 0.0 }).collect();
        for t in -5..3010 {
            for end in [0, 1, 7, 500, 1000] {
                let want = ts[..end].partition_point(|p| p.t <= t);
                assert_eq!(upper_bound_before(&ts, end, t), want, "t={t} end={end}");
            }
        }
    }
}
