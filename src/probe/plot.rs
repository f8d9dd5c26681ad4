//! An SVG picture of a run: the compared side of the alert expression over the scenario's time
//! range, the threshold as a dashed line, pending and firing shaded, phases marked.
//!
//! Hand-written SVG rather than a plotting crate: one line chart with rectangles needs a few dozen
//! lines of text, and a plotting crate would add build time for every user of the linter.

use std::fmt::Write as _;

use crate::scenario::run::Frame;
use crate::unittest::gostr::model_duration;

/// What to draw.
pub struct Plot<'a> {
    pub title: &'a str,
    pub frames: &'a [Frame],
    /// Index of the drawn expression in the frames' values, and of the alert in their alert counts.
    pub value_slot: usize,
    pub alert_slot: usize,
    pub threshold: Option<f64>,
    /// `(start, end, text)` of each phase.
    pub phases: &'a [(i64, i64, String)],
    pub end_ms: i64,
}

const W: f64 = 860.0;
const H: f64 = 340.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 70.0;
const COLORS: [&str; 6] = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn num(v: f64) -> String {
    crate::engine::value::format_go_g(v)
}

/// A round step for about `n` ticks over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Renders the SVG document.
pub fn render(p: &Plot<'_>) -> String {
    let end = p.end_ms.max(1) as f64;
    let pw = W - LEFT - RIGHT;
    let ph = H - TOP - BOTTOM;
    let x = |t: i64| LEFT + pw * (t as f64 / end);
    // one series per label set, in first-seen order
    let mut series: Vec<(String, Vec<(i64, f64)>)> = Vec::new();
    for f in p.frames {
        for (l, v) in f.values.get(p.value_slot).map_or(&[][..], |v| v.as_slice()) {
            let key = crate::unittest::gostr::engine_labels_string(l);
            match series.iter_mut().find(|(k, _)| *k == key) {
                Some((_, pts)) => pts.push((f.ts, *v)),
                None => series.push((key, vec![(f.ts, *v)])),
            }
        }
    }
    let finite = series.iter().flat_map(|(_, p)| p.iter().map(|(_, v)| *v)).filter(|v| v.is_finite());
    let mut top = finite.clone().fold(p.threshold.unwrap_or(0.0), f64::max);
    let bottom = finite.fold(0.0f64, f64::min);
    if top <= bottom {
        top = bottom + 1.0;
    }
    top += (top - bottom) * 0.1;
    let y = |v: f64| TOP + ph * (1.0 - (v - bottom) / (top - bottom));
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{W}" height="{H}" fill="white"/>"#);
    let _ = writeln!(s, r#"<text x="{LEFT}" y="22" font-size="14" font-weight="bold">{}</text>"#, esc(p.title));
    // pending and firing, one band per evaluation interval
    for (i, f) in p.frames.iter().enumerate() {
        let next = p.frames.get(i + 1).map_or(p.end_ms, |n| n.ts);
        let Some(a) = f.alerts.get(p.alert_slot) else { continue };
        let (fill, what) = if a.firing > 0 {
            ("#d62728", "firing")
        } else if a.pending > 0 {
            ("#ffbf00", "pending")
        } else {
            continue;
        };
        let _ = writeln!(
            s,
            r#"<rect x="{:.1}" y="{TOP}" width="{:.1}" height="{ph}" fill="{fill}" fill-opacity="0.25"><title>{what} at {}</title></rect>"#,
            x(f.ts),
            (x(next) - x(f.ts)).max(0.5),
            model_duration(f.ts)
        );
    }
    // phase boundaries
    for (i, (start, _, text)) in p.phases.iter().enumerate() {
        if i > 0 {
            let _ = writeln!(
                s,
                r##"<line x1="{0:.1}" y1="{TOP}" x2="{0:.1}" y2="{1}" stroke="#555" stroke-dasharray="2,3"/>"##,
                x(*start),
                TOP + ph
            );
        }
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{}" fill="#555" font-size="10">{}</text>"##,
            x(*start) + 3.0,
            TOP + 12.0 + 12.0 * (i % 2) as f64,
            esc(text)
        );
    }
    // axes and ticks
    let _ = writeln!(s, r##"<rect x="{LEFT}" y="{TOP}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##);
    let ystep = nice_step(top - bottom, 5.0);
    let mut v = (bottom / ystep).ceil() * ystep;
    while v <= top {
        let _ = writeln!(
            s,
            r##"<line x1="{0}" y1="{1:.1}" x2="{LEFT}" y2="{1:.1}" stroke="#333"/><text x="{2}" y="{3:.1}" text-anchor="end">{4}</text>"##,
            LEFT - 4.0,
            y(v),
            LEFT - 6.0,
            y(v) + 4.0,
            num((v / ystep).round() * ystep)
        );
        v += ystep;
    }
    let xstep_min = nice_step(end / 60_000.0, 10.0).max(1.0);
    let xstep = (xstep_min * 60_000.0) as i64;
    let mut t = 0;
    while t <= p.end_ms {
        let _ = writeln!(
            s,
            r##"<line x1="{0:.1}" y1="{1}" x2="{0:.1}" y2="{2}" stroke="#333"/><text x="{0:.1}" y="{3}" text-anchor="middle">{4}</text>"##,
            x(t),
            TOP + ph,
            TOP + ph + 4.0,
            TOP + ph + 16.0,
            model_duration(t)
        );
        t += xstep.max(1);
    }
    // threshold
    if let Some(th) = p.threshold {
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#d62728" stroke-dasharray="6,4"/><text x="{2}" y="{3:.1}" fill="#d62728" text-anchor="end">threshold {4}</text>"##,
            y(th),
            LEFT + pw,
            LEFT + pw - 4.0,
            y(th) - 4.0,
            num(th)
        );
    }
    // values
    for (i, (key, pts)) in series.iter().enumerate() {
        let color = COLORS.get(i % COLORS.len()).copied().unwrap_or("#000");
        let mut path = String::new();
        let mut pen_down = false;
        let mut prev_t = None;
        for (t, v) in pts {
            // a missing evaluation or a NaN lifts the pen
            let contiguous = !prev_t.is_some_and(|pt| p.frames.iter().any(|f| f.ts > pt && f.ts < *t));
            if !v.is_finite() {
                pen_down = false;
            } else {
                let cmd = if pen_down && contiguous { 'L' } else { 'M' };
                let _ = write!(path, "{cmd}{:.1},{:.1} ", x(*t), y(*v));
                pen_down = true;
            }
            prev_t = Some(*t);
        }
        let _ = writeln!(
            s,
            r#"<path d="{}" fill="none" stroke="{color}" stroke-width="2"><title>{}</title></path>"#,
            path.trim_end(),
            esc(key)
        );
    }
    // legend
    let ly = H - 22.0;
    let _ = writeln!(
        s,
        r##"<rect x="{LEFT}" y="{0}" width="12" height="10" fill="#ffbf00" fill-opacity="0.4"/><text x="{1}" y="{2}">pending</text><rect x="{3}" y="{0}" width="12" height="10" fill="#d62728" fill-opacity="0.4"/><text x="{4}" y="{2}">firing</text><text x="{5}" y="{2}" fill="#555">time since the scenario's start; one band per evaluation</text>"##,
        ly - 9.0,
        LEFT + 16.0,
        ly,
        LEFT + 80.0,
        LEFT + 96.0,
        LEFT + 160.0
    );
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::value::Labels;
    use crate::scenario::run::AlertCount;

    #[test]
    fn draws_bands_threshold_and_a_line() {
        let frames: Vec<Frame> = (0..5)
            .map(|i| Frame {
                ts: i * 60_000,
                alerts: vec![AlertCount { pending: (i == 2) as usize, firing: (i >= 3) as usize }],
                values: vec![vec![(Labels::from_pairs([("job", "a<b")]), i as f64 / 10.0)]],
            })
            .collect();
        let phases = vec![(0, 120_000, "2m at 1 rps".to_string()), (120_000, 240_000, "2m at 5 rps".to_string())];
        let svg = render(&Plot {
            title: "A & B",
            frames: &frames,
            value_slot: 0,
            alert_slot: 0,
            threshold: Some(0.15),
            phases: &phases,
            end_ms: 240_000,
        });
        let doc = roxmltree::Document::parse(&svg).unwrap();
        let rects = doc.descendants().filter(|n| n.has_tag_name("rect")).count();
        // background, 1 pending + 2 firing bands, frame, 2 legend boxes
        assert_eq!(rects, 7);
        assert!(svg.contains("threshold 0.15"));
        assert!(svg.contains("A &amp; B"));
        let path = doc.descendants().find(|n| n.has_tag_name("path")).unwrap();
        assert_eq!(path.attribute("d").unwrap().matches('L').count(), 4);
    }
}
