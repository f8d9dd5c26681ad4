//! The values PromQL computes with: label sets, samples, series, vectors, matrices.
//!
//! `Labels` is an immutable, sorted, reference-counted label set: cloning one (which the engine does for
//! every output sample of every step) is a pointer bump, and equality/ordering are those of Prometheus's
//! `labels.Labels` (sorted by name; `Ord` is `labels.Compare`).

use std::fmt;
use std::sync::Arc;

pub use crate::go::strconv::quote;

/// `__name__`.
pub const METRIC_NAME: &str = "__name__";
/// The 3.5 metadata labels dropped together with `__name__` (`schema.IsMetadataLabel`).
pub const METADATA_LABELS: [&str; 3] = ["__name__", "__type__", "__unit__"];

/// One label. Names and values are shared strings so label sets derived from storage series share memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Label {
    pub name: Arc<str>,
    pub value: Arc<str>,
}

/// A label set, sorted by name, without empty values.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Labels(Arc<[Label]>);

impl Labels {
    pub fn empty() -> Labels {
        Labels::default()
    }

    /// Builds a label set from pairs in any order; empty values are dropped, a later duplicate name wins.
    pub fn from_pairs<N: AsRef<str>, V: AsRef<str>>(pairs: impl IntoIterator<Item = (N, V)>) -> Labels {
        let mut b = LabelsBuilder::new(&Labels::empty());
        for (n, v) in pairs {
            b.set(n.as_ref(), v.as_ref());
        }
        b.labels()
    }

    fn from_sorted_vec(v: Vec<Label>) -> Labels {
        Labels(v.into())
    }

    /// The same label set with every string passed through `f` (used to share interned strings).
    pub fn map_strings(&self, mut f: impl FnMut(&Arc<str>) -> Arc<str>) -> Labels {
        Labels::from_sorted_vec(self.0.iter().map(|l| Label { name: f(&l.name), value: f(&l.value) }).collect())
    }

    /// The values of `__name__`, `__type__`, `__unit__` (empty when absent), without string searches.
    pub fn metadata(&self) -> [&str; 3] {
        let mut m: [&str; 3] = [""; 3];
        for l in self.0.iter() {
            if !l.name.starts_with("__") {
                continue;
            }
            if let Some(i) = METADATA_LABELS.iter().position(|n| *n == &*l.name) {
                m[i] = &l.value;
            }
        }
        m
    }

    pub fn iter(&self) -> impl Iterator<Item = &Label> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The value of `name`, or `""` when absent (as in Prometheus).
    pub fn get(&self, name: &str) -> &str {
        match self.0.binary_search_by(|l| (*l.name).cmp(name)) {
            Ok(i) => self.0.get(i).map(|l| &*l.value).unwrap_or(""),
            Err(_) => "",
        }
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.binary_search_by(|l| (*l.name).cmp(name)).is_ok()
    }

    /// Drops `__name__`, `__type__` and `__unit__` (`DropReserved(schema.IsMetadataLabel)`).
    pub fn drop_metadata(&self) -> Labels {
        if !self.0.iter().any(|l| METADATA_LABELS.contains(&&*l.name)) {
            return self.clone();
        }
        Labels::from_sorted_vec(self.0.iter().filter(|l| !METADATA_LABELS.contains(&&*l.name)).cloned().collect())
    }

    /// Only the labels named in `names` (`MatchLabels(true, ...)`, `Keep`).
    pub fn keep(&self, names: &[String]) -> Labels {
        Labels::from_sorted_vec(self.0.iter().filter(|l| names.iter().any(|n| **n == *l.name)).cloned().collect())
    }

    /// All labels but those in `names` (`Del`).
    pub fn without(&self, names: &[String]) -> Labels {
        Labels::from_sorted_vec(self.0.iter().filter(|l| !names.iter().any(|n| **n == *l.name)).cloned().collect())
    }

    /// All labels but those in `names` and `__name__` (`MatchLabels(false, ...)`, grouping `without`).
    pub fn without_and_name(&self, names: &[String]) -> Labels {
        Labels::from_sorted_vec(
            self.0
                .iter()
                .filter(|l| &*l.name != METRIC_NAME && !names.iter().any(|n| **n == *l.name))
                .cloned()
                .collect(),
        )
    }

    /// The label set with `__name__` (only) removed (`DropMetricName`).
    pub fn drop_name(&self) -> Labels {
        if !self.has(METRIC_NAME) {
            return self.clone();
        }
        Labels::from_sorted_vec(self.0.iter().filter(|l| &*l.name != METRIC_NAME).cloned().collect())
    }

    pub fn builder(&self) -> LabelsBuilder {
        LabelsBuilder::new(self)
    }
}

impl fmt::Display for Labels {
    /// Prometheus's `Labels.String()`: `{a="b", c="d"}`, values Go-quoted, names quoted when not legacy-valid.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, l) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if is_legacy_label_name(&l.name) {
                f.write_str(&l.name)?;
            } else {
                f.write_str(&quote(&l.name))?;
            }
            f.write_str("=")?;
            f.write_str(&quote(&l.value))?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Whether a label name prints unquoted (`model.LabelName.IsValidLegacy`: `^[a-zA-Z_][a-zA-Z0-9_]*$`,
/// no colon, unlike metric names).
pub fn is_legacy_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `s` matches `^[a-zA-Z_:][a-zA-Z0-9_:]*$`.
pub fn is_legacy_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Mutable label set under construction (Prometheus's `labels.Builder`).
#[derive(Debug, Clone)]
pub struct LabelsBuilder {
    v: Vec<Label>,
}

impl LabelsBuilder {
    pub fn new(base: &Labels) -> LabelsBuilder {
        LabelsBuilder { v: base.0.to_vec() }
    }

    /// Sets `name` to `value`; an empty value deletes the label.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        if value.is_empty() {
            return self.del(name);
        }
        match self.v.binary_search_by(|l| (*l.name).cmp(name)) {
            Ok(i) => {
                if let Some(l) = self.v.get_mut(i) {
                    l.value = value.into();
                }
            }
            Err(i) => self.v.insert(i, Label { name: name.into(), value: value.into() }),
        }
        self
    }

    pub fn del(&mut self, name: &str) -> &mut Self {
        if let Ok(i) = self.v.binary_search_by(|l| (*l.name).cmp(name)) {
            self.v.remove(i);
        }
        self
    }

    pub fn keep(&mut self, names: &[String]) -> &mut Self {
        self.v.retain(|l| names.iter().any(|n| **n == *l.name));
        self
    }

    pub fn get(&self, name: &str) -> &str {
        match self.v.binary_search_by(|l| (*l.name).cmp(name)) {
            Ok(i) => self.v.get(i).map(|l| &*l.value).unwrap_or(""),
            Err(_) => "",
        }
    }

    pub fn labels(&self) -> Labels {
        Labels::from_sorted_vec(self.v.clone())
    }
}

/// A float point of a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FPoint {
    pub t: i64,
    pub f: f64,
}

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub metric: Labels,
    pub t: i64,
    pub f: f64,
    /// Delayed `__name__` removal: drop the metadata labels when the query finishes.
    pub drop_name: bool,
}

/// A series of float points.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub metric: Labels,
    pub floats: Vec<FPoint>,
    pub drop_name: bool,
}

pub type Vector = Vec<Sample>;
pub type Matrix = Vec<Series>;

/// The result of an evaluation.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar { t: i64, v: f64 },
    Vector(Vector),
    Matrix(Matrix),
    String { t: i64, v: String },
}

/// Prometheus's stale marker (`value.StaleNaN`).
pub const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

pub fn stale_nan() -> f64 {
    f64::from_bits(STALE_NAN_BITS)
}

pub fn is_stale_nan(f: f64) -> bool {
    f.to_bits() == STALE_NAN_BITS
}

/// Go's `%g` / `%v` / `strconv.FormatFloat(f, 'g', -1, 64)`: shortest round-trip digits, exponent form when
/// the decimal exponent is < -4 or >= 6 (`1e+06`, `1.5e-07`, `123456.7`), `NaN`, `+Inf`, `-Inf`.
pub fn format_go_g(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits (closest on ties), as Go's shortest formatting does;
    // only the layout differs.
    let e = format!("{f:e}");
    let (mant, exp) = match e.split_once('e') {
        Some(p) => p,
        None => return e,
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let nd = digits.len() as i32;
    let dp = exp + 1;
    let eprec = 6;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if dp <= 0 {
        out.push_str("0.");
        for _ in 0..(-dp) {
            out.push('0');
        }
        out.push_str(&digits);
    } else if dp >= nd {
        out.push_str(&digits);
        for _ in 0..(dp - nd) {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

/// Go's `strconv.FormatFloat(f, 'f', -1, 64)`: shortest round-trip digits, never an exponent.
pub fn format_go_f(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    // Rust's `Display` for f64 is the shortest round-trip representation without exponent, like Go's 'f', -1.
    format!("{f}")
}

/// A fast non-cryptographic hasher (the "Fx" hash of rustc) for the engine's maps keyed by label sets:
/// they are hashed for every series at every step, where SipHash dominated the profile. Inputs are not
/// adversarial (a test file's own series), so flooding resistance is not needed.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.hash = (self.hash.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            self.add(u64::from_le_bytes(a));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut a = [0u8; 8];
            a[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(a) ^ ((rest.len() as u64) << 56));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FastBuild = std::hash::BuildHasherDefault<FxHasher>;
pub type FastMap<K, V> = std::collections::HashMap<K, V, FastBuild>;
pub type FastSet<K> = std::collections::HashSet<K, FastBuild>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_print_as_go_labels_string() {
        let l = Labels::from_pairs([("a:b", "x"), ("job", "q\"\u{7f}"), ("é", "ü")]);
        // label names with a colon or outside ASCII are quoted (IsValidLegacy), values always
        assert_eq!(l.to_string(), r#"{"a:b"="x", job="q\"\x7f", "é"="ü"}"#);
    }

    #[test]
    fn go_g_layout() {
        assert_eq!(format_go_g(1e6), "1e+06");
        assert_eq!(format_go_g(123456.7), "123456.7");
        assert_eq!(format_go_g(0.0001), "0.0001");
        assert_eq!(format_go_g(0.00001), "1e-05");
        assert_eq!(format_go_g(-2.5), "-2.5");
        assert_eq!(format_go_g(1.0 / 3.0), "0.3333333333333333");
        assert_eq!(format_go_g(f64::NAN), "NaN");
        assert_eq!(format_go_g(-0.0), "-0");
        assert_eq!(format_go_g(1e100), "1e+100");
        assert_eq!(format_go_f(1e21), "1000000000000000000000");
        assert_eq!(format_go_f(f64::NEG_INFINITY), "-Inf");
    }

    #[test]
    fn labels_sorted_and_compared_like_prometheus() {
        let a = Labels::from_pairs([("b", "1"), ("a", "2"), ("c", "")]);
        assert_eq!(a.to_string(), r#"{a="2", b="1"}"#);
        let b = Labels::from_pairs([("a", "2")]);
        assert!(b < a);
        assert_eq!(a.get("b"), "1");
        assert_eq!(a.get("zz"), "");
        assert_eq!(Labels::from_pairs([("a.b", "x\"y\n")]).to_string(), r#"{"a.b"="x\"y\n"}"#);
    }
}
