//! Quantiles: the `quantile` aggregation and `quantile_over_time` (`quantile.go` `quantile`), and
//! `histogram_quantile`/`histogram_fraction` over classic buckets (`BucketQuantile`, `BucketFraction`),
//! including the 3.x monotonicity and small-delta fixes.

/// `almost.Equal`.
pub fn almost_equal(a: f64, b: f64, epsilon: f64) -> bool {
    use crate::engine::value::is_stale_nan;
    const MIN_NORMAL: f64 = f64::MIN_POSITIVE;
    if is_stale_nan(a) || is_stale_nan(b) {
        return is_stale_nan(a) && is_stale_nan(b);
    }
    if a.is_nan() && b.is_nan() {
        return true;
    }
    if a == b {
        return true;
    }
    let abs_sum = a.abs() + b.abs();
    let diff = (a - b).abs();
    if a == 0.0 || b == 0.0 || abs_sum < MIN_NORMAL {
        return diff < epsilon * MIN_NORMAL;
    }
    diff / abs_sum.min(f64::MAX) < epsilon
}

/// `vectorByValueHeap.Less`: NaN sorts first.
pub fn value_less(a: f64, b: f64) -> bool {
    if a.is_nan() {
        return true;
    }
    a < b
}

/// Go's `sort.Sort` for the small inputs where it is an insertion sort (n ≤ 12); a stable sort beyond,
/// where Go's order of equal elements is unspecified anyway.
pub fn go_sort_by<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    if v.len() <= 12 {
        for i in 1..v.len() {
            let mut j = i;
            while j > 0 && less(&v[j], &v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        v.sort_by(|a, b| {
            if less(a, b) {
                std::cmp::Ordering::Less
            } else if less(b, a) {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        });
    }
}

/// `quantile`: the q-quantile of `values` (sorted in place), NaN for an empty input.
pub fn quantile(q: f64, values: &mut [f64]) -> f64 {
    if values.is_empty() || q.is_nan() {
        return f64::NAN;
    }
    if q < 0.0 {
        return f64::NEG_INFINITY;
    }
    if q > 1.0 {
        return f64::INFINITY;
    }
    go_sort_by(values, |a, b| value_less(*a, *b));
    let n = values.len() as f64;
    let rank = q * (n - 1.0);
    let lower = rank.floor().max(0.0);
    let upper = (n - 1.0).min(lower + 1.0);
    let weight = rank - rank.floor();
    let lv = values.get(lower as usize).copied().unwrap_or(f64::NAN);
    let uv = values.get(upper as usize).copied().unwrap_or(f64::NAN);
    lv * (1.0 - weight) + uv * weight
}

/// One classic bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub upper_bound: f64,
    pub count: f64,
}

fn sort_buckets(b: &mut [Bucket]) {
    // `slices.SortFunc` (pdqsort, unstable): equal bounds are summed afterwards, so their order is moot.
    b.sort_by(|x, y| x.upper_bound.partial_cmp(&y.upper_bound).unwrap_or(std::cmp::Ordering::Equal));
}

fn coalesce(b: &mut Vec<Bucket>) {
    let Some(&first) = b.first() else { return };
    let mut last = first;
    let mut i = 0;
    for k in 1..b.len() {
        let cur = b[k];
        if cur.upper_bound == last.upper_bound {
            last.count += cur.count;
        } else {
            b[i] = last;
            last = cur;
            i += 1;
        }
    }
    b[i] = last;
    b.truncate(i + 1);
}

/// Irons out relative deltas below `tolerance`, then removes decreases. Returns (forced monotonic,
/// fixed precision).
fn ensure_monotonic(b: &mut [Bucket], tolerance: f64) -> (bool, bool) {
    let mut forced = false;
    let mut fixed = false;
    let Some(first) = b.first() else { return (false, false) };
    let mut prev = first.count;
    for bk in b.iter_mut().skip(1) {
        let curr = bk.count;
        if curr == prev {
            continue;
        }
        if almost_equal(prev, curr, tolerance) {
            bk.count = prev;
            fixed = true;
            continue;
        }
        if curr < prev {
            bk.count = prev;
            forced = true;
            continue;
        }
        prev = curr;
    }
    (forced, fixed)
}

/// `BucketQuantile`: (value, forced monotonicity).
pub fn bucket_quantile(q: f64, buckets: &mut Vec<Bucket>) -> (f64, bool) {
    if q.is_nan() {
        return (f64::NAN, false);
    }
    if q < 0.0 {
        return (f64::NEG_INFINITY, false);
    }
    if q > 1.0 {
        return (f64::INFINITY, false);
    }
    sort_buckets(buckets);
    match buckets.last() {
        Some(b) if b.upper_bound.is_infinite() && b.upper_bound > 0.0 => {}
        _ => return (f64::NAN, false),
    }
    coalesce(buckets);
    let (forced, _) = ensure_monotonic(buckets, 1e-12);
    if buckets.len() < 2 {
        return (f64::NAN, false);
    }
    let n = buckets.len();
    let observations = buckets[n - 1].count;
    if observations == 0.0 {
        return (f64::NAN, false);
    }
    let mut rank = q * observations;
    let b = buckets[..n - 1].partition_point(|bk| bk.count < rank);
    if b == n - 1 {
        return (buckets[n - 2].upper_bound, forced);
    }
    if b == 0 && buckets[0].upper_bound <= 0.0 {
        return (buckets[0].upper_bound, forced);
    }
    let mut bucket_start = 0.0;
    let bucket_end = buckets[b].upper_bound;
    let mut count = buckets[b].count;
    if b > 0 {
        bucket_start = buckets[b - 1].upper_bound;
        count -= buckets[b - 1].count;
        rank -= buckets[b - 1].count;
    }
    (bucket_start + (bucket_end - bucket_start) * (rank / count), forced)
}

/// `BucketFraction`.
pub fn bucket_fraction(lower: f64, upper: f64, buckets: &mut Vec<Bucket>) -> f64 {
    sort_buckets(buckets);
    match buckets.last() {
        Some(b) if b.upper_bound.is_infinite() && b.upper_bound > 0.0 => {}
        _ => return f64::NAN,
    }
    coalesce(buckets);
    let count = buckets.last().map(|b| b.count).unwrap_or(0.0);
    if count == 0.0 || lower.is_nan() || upper.is_nan() {
        return f64::NAN;
    }
    if lower >= upper {
        return 0.0;
    }
    let (mut rank, mut lower_rank, mut upper_rank) = (0.0, 0.0, 0.0);
    let (mut lower_set, mut upper_set) = (false, false);
    for (i, b) in buckets.iter().enumerate() {
        let lower_bound = if i > 0 { buckets[i - 1].upper_bound } else { f64::NEG_INFINITY };
        let upper_bound = b.upper_bound;
        let interp = |v: f64| rank + (b.count - rank) * (v - lower_bound) / (upper_bound - lower_bound);
        if !lower_set && lower_bound >= lower {
            lower_rank = rank;
            lower_set = true;
        }
        if !upper_set && lower_bound >= upper {
            upper_rank = rank;
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        if !lower_set && lower_bound < lower && upper_bound > lower {
            lower_rank = interp(lower);
            lower_set = true;
        }
        if !upper_set && lower_bound < upper && upper_bound > upper {
            upper_rank = interp(upper);
            upper_set = true;
        }
        if lower_set && upper_set {
            break;
        }
        rank = b.count;
    }
    if !lower_set || lower_rank > count {
        lower_rank = count;
    }
    if !upper_set || upper_rank > count {
        upper_rank = count;
    }
    (upper_rank - lower_rank) / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bk(v: &[(f64, f64)]) -> Vec<Bucket> {
        v.iter().map(|&(u, c)| Bucket { upper_bound: u, count: c }).collect()
    }

    #[test]
    fn bucket_quantile_rules() {
        let mut b = bk(&[(0.1, 10.0), (0.5, 20.0), (f64::INFINITY, 20.0)]);
        assert_eq!(bucket_quantile(0.5, &mut b).0, 0.1);
        let mut b = bk(&[(1.0, 5.0), (f64::INFINITY, 10.0)]);
        assert_eq!(bucket_quantile(0.9, &mut b).0, 1.0);
        // Not ending in +Inf.
        let mut b = bk(&[(1.0, 5.0), (2.0, 10.0)]);
        assert!(bucket_quantile(0.5, &mut b).0.is_nan());
        // Decrease forced up.
        let mut b = bk(&[(1.0, 10.0), (2.0, 5.0), (f64::INFINITY, 10.0)]);
        let (v, forced) = bucket_quantile(0.5, &mut b);
        assert!(forced);
        assert_eq!(v, 0.5);
        // Equal bounds summed.
        let mut b = bk(&[(1.0, 2.0), (1.0, 2.0), (f64::INFINITY, 4.0)]);
        assert_eq!(bucket_quantile(0.5, &mut b).0, 0.5);
        assert_eq!(bucket_quantile(-1.0, &mut bk(&[])).0, f64::NEG_INFINITY);
    }

    #[test]
    fn quantile_interpolates() {
        assert_eq!(quantile(0.5, &mut [3.0, 1.0, 2.0, 4.0]), 2.5);
        assert!(quantile(0.5, &mut []).is_nan());
        assert_eq!(quantile(2.0, &mut [1.0]), f64::INFINITY);
    }

    #[test]
    fn fraction() {
        let mut b = bk(&[(1.0, 5.0), (2.0, 10.0), (f64::INFINITY, 10.0)]);
        assert_eq!(bucket_fraction(1.0, 2.0, &mut b), 0.5);
        assert!(almost_equal(1.0, 1.0 + 1e-9, 1e-6));
        assert!(!almost_equal(0.0, 1e-300, 1e-6));
    }
}
