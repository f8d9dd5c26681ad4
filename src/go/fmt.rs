//! Go's `fmt` verbs, flags and error markers (`Sprintf`, `Sprint`, `Sprintln`), byte for byte.
//!
//! Why hand-written: promtool compares expanded alert annotations as exact strings, and those
//! strings come out of Go's `fmt` (`{{ $value }}` is `%v`, `humanize` is `%.4g`, users write
//! `printf "%.2f"`). Rust's float `Display` differs from Go in every way that shows (`1000000` vs
//! `1e+06`, `inf` vs `+Inf`, no `%g`), and no maintained crate reproduces Go's verbs, flags and
//! error markers (`%!d(string=x)`, `%!(EXTRA ...)`). Numbers go through [`super::strconv`] as in Go.
//!
//! Values are described by [`Arg`], a small model of Go values carrying their Go type names (the
//! names appear in `%T` and in Go's error markers).
//!
//! Not reproduced: `%#v` Go-syntax output beyond strings and numbers, `%p`, and real pointer
//! values (Go prints addresses of nested pointers; we print a fixed placeholder).

use super::strconv::{can_backquote, format_float, is_print, quote, quote_rune, quote_rune_to_ascii, quote_to_ascii};

/// A Go value as `fmt` sees it. Type names are Go's `reflect.Type.String()` (shown by `%T` and in
/// error markers such as `%!d(string=x)`).
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    /// An untyped nil (`nil` interface): `<nil>`.
    Nil,
    Bool(bool),
    /// Go `int`.
    Int(i64),
    /// Go `float64`.
    Float(f64),
    /// Go `complex128`.
    Complex(f64, f64),
    /// Go `string`.
    Str(String),
    /// A named type whose underlying kind is the inner value's (e.g. `template.HTML` over a
    /// string): formats as the inner value, reports `ty` as its type.
    Named {
        ty: String,
        inner: Box<Arg>,
    },
    /// A value with a `String()` method: `%v %s %q %x %X` format `text`; other verbs show `raw`.
    Stringer {
        ty: String,
        text: String,
        raw: Box<Arg>,
    },
    /// A map, entries already in Go's print order (sorted keys).
    Map {
        ty: String,
        entries: Vec<(Arg, Arg)>,
    },
    Slice {
        ty: String,
        items: Vec<Arg>,
    },
    Struct {
        ty: String,
        fields: Vec<Arg>,
    },
    /// A pointer to a struct: `&{...}` at top level, an address below it (Go prints the pointer
    /// value there; ours is a fixed placeholder since real addresses are not reproducible).
    Pointer {
        ty: String,
        target: Box<Arg>,
    },
}

impl Arg {
    /// Go's `reflect.TypeOf(v).String()`.
    pub fn type_name(&self) -> String {
        match self {
            Arg::Nil => "<nil>".into(),
            Arg::Bool(_) => "bool".into(),
            Arg::Int(_) => "int".into(),
            Arg::Float(_) => "float64".into(),
            Arg::Complex(..) => "complex128".into(),
            Arg::Str(_) => "string".into(),
            Arg::Named { ty, .. }
            | Arg::Stringer { ty, .. }
            | Arg::Map { ty, .. }
            | Arg::Slice { ty, .. }
            | Arg::Struct { ty, .. }
            | Arg::Pointer { ty, .. } => ty.clone(),
        }
    }

    /// Whether Go's reflection reports kind `String` (what `Sprint` uses to decide spacing).
    fn is_string_kind(&self) -> bool {
        match self {
            Arg::Str(_) => true,
            Arg::Named { inner, .. } => inner.is_string_kind(),
            _ => false,
        }
    }
}

#[derive(Clone, Copy, Default)]
struct Flags {
    plus: bool,
    minus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    plus_v: bool,
    sharp_v: bool,
    wid: Option<usize>,
    prec: Option<usize>,
}

struct Printer {
    buf: String,
    f: Flags,
}

const LDIGITS: &[u8; 16] = b"0123456789abcdef";
const UDIGITS: &[u8; 16] = b"0123456789ABCDEF";

impl Printer {
    fn new() -> Self {
        Printer { buf: String::new(), f: Flags::default() }
    }

    fn write_padding(&mut self, n: usize) {
        let c = if self.f.zero { '0' } else { ' ' };
        for _ in 0..n {
            self.buf.push(c);
        }
    }

    fn pad(&mut self, s: &str) {
        let Some(wid) = self.f.wid else {
            self.buf.push_str(s);
            return;
        };
        let n = wid.saturating_sub(s.chars().count());
        if self.f.minus {
            self.buf.push_str(s);
            let z = self.f.zero;
            self.f.zero = false;
            self.write_padding(n);
            self.f.zero = z;
        } else {
            self.write_padding(n);
            self.buf.push_str(s);
        }
    }

    fn pad_no_zero(&mut self, s: &str) {
        let z = self.f.zero;
        self.f.zero = false;
        self.pad(s);
        self.f.zero = z;
    }

    fn truncate<'s>(&self, s: &'s str) -> &'s str {
        match self.f.prec {
            Some(p) => match s.char_indices().nth(p) {
                Some((i, _)) => &s[..i],
                None => s,
            },
            None => s,
        }
    }

    fn fmt_s(&mut self, s: &str) {
        let s = self.truncate(s);
        self.pad(s);
    }

    fn fmt_q(&mut self, s: &str) {
        let s = self.truncate(s);
        if self.f.sharp && can_backquote(s) {
            self.pad(&format!("`{s}`"));
        } else if self.f.plus {
            self.pad(&quote_to_ascii(s));
        } else {
            self.pad(&quote(s));
        }
    }

    fn fmt_sx(&mut self, s: &str, digits: &[u8; 16]) {
        let b = s.as_bytes();
        let length = self.f.prec.map_or(b.len(), |p| p.min(b.len()));
        let mut width = 2 * length;
        if width > 0 {
            if self.f.space {
                if self.f.sharp {
                    width *= 2;
                }
                width += length - 1;
            } else if self.f.sharp {
                width += 2;
            }
        } else {
            if let Some(w) = self.f.wid {
                self.write_padding(w);
            }
            return;
        }
        let wid = self.f.wid.unwrap_or(0);
        if wid > width && !self.f.minus {
            self.write_padding(wid - width);
        }
        let x = if digits == UDIGITS { 'X' } else { 'x' };
        if self.f.sharp {
            self.buf.push('0');
            self.buf.push(x);
        }
        for (i, &c) in b[..length].iter().enumerate() {
            if self.f.space && i > 0 {
                self.buf.push(' ');
                if self.f.sharp {
                    self.buf.push('0');
                    self.buf.push(x);
                }
            }
            self.buf.push(digits[(c >> 4) as usize] as char);
            self.buf.push(digits[(c & 0xF) as usize] as char);
        }
        if wid > width && self.f.minus {
            self.write_padding(wid - width);
        }
    }

    fn fmt_string(&mut self, s: &str, verb: char, arg: &Arg) {
        match verb {
            'v' if self.f.sharp_v => self.fmt_q(s),
            'v' | 's' => self.fmt_s(s),
            'x' => self.fmt_sx(s, LDIGITS),
            'X' => self.fmt_sx(s, UDIGITS),
            'q' => self.fmt_q(s),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_bool(&mut self, b: bool, verb: char, arg: &Arg) {
        match verb {
            't' | 'v' => self.pad(if b { "true" } else { "false" }),
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_integer_base(&mut self, v: i64, base: u32, verb: char, digits: &[u8; 16]) {
        let negative = v < 0;
        let mut u = v.unsigned_abs();
        let mut prec = 0usize;
        if let Some(p) = self.f.prec {
            prec = p;
            if p == 0 && u == 0 {
                let z = self.f.zero;
                self.f.zero = false;
                self.write_padding(self.f.wid.unwrap_or(0));
                self.f.zero = z;
                return;
            }
        } else if self.f.zero && !self.f.minus {
            if let Some(w) = self.f.wid {
                prec = w;
                if negative || self.f.plus || self.f.space {
                    prec = prec.saturating_sub(1);
                }
            }
        }
        let mut rev: Vec<u8> = Vec::new();
        loop {
            rev.push(digits[(u % u64::from(base)) as usize]);
            u /= u64::from(base);
            if u == 0 {
                break;
            }
        }
        while rev.len() < prec {
            rev.push(b'0');
        }
        if self.f.sharp {
            match base {
                2 => rev.extend_from_slice(b"b0"),
                8 if rev.last() != Some(&b'0') => rev.push(b'0'),
                16 => {
                    rev.push(if digits == UDIGITS { b'X' } else { b'x' });
                    rev.push(b'0');
                }
                _ => {}
            }
        }
        if verb == 'O' {
            rev.extend_from_slice(b"o0");
        }
        if negative {
            rev.push(b'-');
        } else if self.f.plus {
            rev.push(b'+');
        } else if self.f.space {
            rev.push(b' ');
        }
        rev.reverse();
        let s = String::from_utf8_lossy(&rev).into_owned();
        self.pad_no_zero(&s);
    }

    fn fmt_integer(&mut self, v: i64, verb: char, arg: &Arg) {
        match verb {
            'v' | 'd' => self.fmt_integer_base(v, 10, verb, LDIGITS),
            'b' => self.fmt_integer_base(v, 2, verb, LDIGITS),
            'o' | 'O' => self.fmt_integer_base(v, 8, verb, LDIGITS),
            'x' => self.fmt_integer_base(v, 16, verb, LDIGITS),
            'X' => self.fmt_integer_base(v, 16, verb, UDIGITS),
            'c' => {
                let c = u32::try_from(v).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
                self.pad(&c.to_string());
            }
            'q' => {
                let c = u32::try_from(v).ok().and_then(char::from_u32).unwrap_or('\u{FFFD}');
                let q = if self.f.plus { quote_rune_to_ascii(c) } else { quote_rune(c) };
                self.pad(&q);
            }
            'U' => {
                let mut s = format!("U+{:04X}", v);
                if self.f.sharp {
                    if let Some(c) = u32::try_from(v).ok().and_then(char::from_u32).filter(|&c| is_print(c)) {
                        s.push_str(&format!(" '{c}'"));
                    }
                }
                self.pad_no_zero(&s);
            }
            _ => self.bad_verb(verb, arg),
        }
    }

    fn fmt_float(&mut self, v: f64, verb: char, arg: &Arg) {
        let (fmt, default_prec) = match verb {
            'v' => (b'g', -1),
            'g' | 'G' | 'x' | 'X' | 'b' => (verb as u8, -1),
            'e' | 'E' | 'f' => (verb as u8, 6),
            'F' => (b'f', 6),
            _ => return self.bad_verb(verb, arg),
        };
        let prec = self.f.prec.map_or(default_prec, |p| p as i32);
        let mut num = format_float(v, fmt, prec);
        if !num.starts_with(['-', '+']) {
            num.insert(0, '+');
        }
        if self.f.space && num.starts_with('+') && !self.f.plus {
            num.replace_range(0..1, " ");
        }
        let body = &num[1..];
        if body.starts_with(['I', 'N']) {
            let z = self.f.zero;
            self.f.zero = false;
            if body.starts_with('N') && !self.f.space && !self.f.plus {
                self.pad(body);
            } else {
                let n = num.clone();
                self.pad(&n);
            }
            self.f.zero = z;
            return;
        }
        if self.f.sharp && fmt != b'b' {
            num = sharp_float(&num, fmt, prec);
        }
        if self.f.plus || !num.starts_with('+') {
            if self.f.zero && !self.f.minus {
                if let Some(w) = self.f.wid {
                    if w > num.chars().count() {
                        self.buf.push_str(&num[..1]);
                        self.write_padding(w - num.chars().count());
                        self.buf.push_str(&num[1..]);
                        return;
                    }
                }
            }
            self.pad(&num);
            return;
        }
        let s = num[1..].to_string();
        self.pad(&s);
    }

    fn fmt_complex(&mut self, re: f64, im: f64, verb: char, arg: &Arg) {
        if !matches!(verb, 'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E') {
            return self.bad_verb(verb, arg);
        }
        let plus = self.f.plus;
        self.buf.push('(');
        self.fmt_float(re, verb, arg);
        self.f.plus = true;
        self.fmt_float(im, verb, arg);
        self.buf.push_str("i)");
        self.f.plus = plus;
    }

    fn bad_verb(&mut self, verb: char, arg: &Arg) {
        self.buf.push_str("%!");
        self.buf.push(verb);
        self.buf.push('(');
        match arg {
            Arg::Nil => self.buf.push_str("<nil>"),
            _ => {
                self.buf.push_str(&arg.type_name());
                self.buf.push('=');
                self.print_arg(arg, 'v', 0);
            }
        }
        self.buf.push(')');
    }

    fn print_arg(&mut self, arg: &Arg, verb: char, depth: usize) {
        if verb == 'T' {
            let t = arg.type_name();
            self.fmt_s(&t);
            return;
        }
        match arg {
            Arg::Nil => {
                if depth > 0 {
                    self.buf.push_str("<nil>");
                } else if verb == 'v' {
                    self.pad("<nil>");
                } else {
                    self.bad_verb(verb, arg);
                }
            }
            Arg::Bool(b) => self.fmt_bool(*b, verb, arg),
            Arg::Int(i) => self.fmt_integer(*i, verb, arg),
            Arg::Float(f) => self.fmt_float(*f, verb, arg),
            Arg::Complex(re, im) => self.fmt_complex(*re, *im, verb, arg),
            Arg::Str(s) => self.fmt_string(s, verb, arg),
            Arg::Named { inner, .. } => match inner.as_ref() {
                Arg::Bool(b) => self.fmt_bool(*b, verb, arg),
                Arg::Int(i) => self.fmt_integer(*i, verb, arg),
                Arg::Float(f) => self.fmt_float(*f, verb, arg),
                Arg::Str(s) => self.fmt_string(s, verb, arg),
                other => self.print_arg(other, verb, depth),
            },
            Arg::Stringer { text, raw, .. } => {
                if matches!(verb, 'v' | 's' | 'x' | 'X' | 'q') && !self.f.sharp_v {
                    let t = text.clone();
                    self.fmt_string(&t, verb, arg);
                } else {
                    self.print_arg(raw, verb, depth);
                }
            }
            Arg::Map { entries, .. } => {
                self.buf.push_str("map[");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(' ');
                    }
                    self.print_arg(k, verb, depth + 1);
                    self.buf.push(':');
                    self.print_arg(v, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Arg::Slice { items, .. } => {
                self.buf.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(' ');
                    }
                    self.print_arg(v, verb, depth + 1);
                }
                self.buf.push(']');
            }
            Arg::Struct { fields, .. } => {
                self.buf.push('{');
                for (i, v) in fields.iter().enumerate() {
                    if i > 0 {
                        self.buf.push(' ');
                    }
                    self.print_arg(v, verb, depth + 1);
                }
                self.buf.push('}');
            }
            Arg::Pointer { target, .. } => {
                if depth == 0 {
                    self.buf.push('&');
                    self.print_arg(target, verb, depth + 1);
                } else {
                    self.pad("0xc000010000");
                }
            }
        }
    }

    fn do_printf(&mut self, format: &str, args: &[Arg]) {
        let fb = format.as_bytes();
        let end = fb.len();
        let mut arg_num = 0usize;
        let mut after_index;
        let mut reordered = false;
        let mut i = 0usize;
        while i < end {
            let mut good_arg_num = true;
            let lasti = i;
            while i < end && fb[i] != b'%' {
                i += 1;
            }
            if i > lasti {
                self.buf.push_str(&format[lasti..i]);
            }
            if i >= end {
                break;
            }
            i += 1;
            self.f = Flags::default();
            // Flags.
            while i < end {
                match fb[i] {
                    b'#' => self.f.sharp = true,
                    b'0' => self.f.zero = !self.f.minus,
                    b'+' => self.f.plus = true,
                    b'-' => {
                        self.f.minus = true;
                        self.f.zero = false;
                    }
                    b' ' => self.f.space = true,
                    _ => break,
                }
                i += 1;
            }
            // Argument index, width.
            let (n, ni, found) = arg_number(arg_num, format, i, args.len(), &mut reordered, &mut good_arg_num);
            arg_num = n;
            i = ni;
            after_index = found;
            if i < end && fb[i] == b'*' {
                i += 1;
                let (w, ok, n) = int_from_arg(args, arg_num);
                arg_num = n;
                if !ok {
                    self.buf.push_str("%!(BADWIDTH)");
                    self.f.wid = None;
                } else if w < 0 {
                    self.f.wid = Some(w.unsigned_abs() as usize);
                    self.f.minus = true;
                    self.f.zero = false;
                } else {
                    self.f.wid = Some(w as usize);
                }
                after_index = false;
            } else {
                let (w, ok, ni) = parse_num(fb, i, end);
                i = ni;
                self.f.wid = ok.then_some(w);
                if after_index && ok {
                    good_arg_num = false;
                }
            }
            // Precision.
            if i + 1 < end && fb[i] == b'.' {
                i += 1;
                if after_index {
                    good_arg_num = false;
                }
                let (n, ni, found) = arg_number(arg_num, format, i, args.len(), &mut reordered, &mut good_arg_num);
                arg_num = n;
                i = ni;
                after_index = found;
                if i < end && fb[i] == b'*' {
                    i += 1;
                    let (p, ok, n) = int_from_arg(args, arg_num);
                    arg_num = n;
                    if !ok || p < 0 {
                        self.buf.push_str("%!(BADPREC)");
                        self.f.prec = None;
                    } else {
                        self.f.prec = Some(p as usize);
                    }
                    after_index = false;
                } else {
                    let (p, ok, ni) = parse_num(fb, i, end);
                    i = ni;
                    self.f.prec = Some(if ok { p } else { 0 });
                }
            }
            if !after_index {
                let (n, ni, _) = arg_number(arg_num, format, i, args.len(), &mut reordered, &mut good_arg_num);
                arg_num = n;
                i = ni;
            }
            if i >= end {
                self.buf.push_str("%!(NOVERB)");
                break;
            }
            let Some(verb) = format[i..].chars().next() else { break };
            i += verb.len_utf8();
            if verb == '%' {
                self.buf.push('%');
                continue;
            }
            if !good_arg_num {
                self.buf.push_str(&format!("%!{verb}(BADINDEX)"));
                continue;
            }
            let Some(arg) = args.get(arg_num) else {
                self.buf.push_str(&format!("%!{verb}(MISSING)"));
                continue;
            };
            if verb == 'v' {
                self.f.sharp_v = self.f.sharp;
                self.f.sharp = false;
                self.f.plus_v = self.f.plus;
                self.f.plus = false;
            }
            self.print_arg(arg, verb, 0);
            arg_num += 1;
        }
        if !reordered && arg_num < args.len() {
            self.f = Flags::default();
            self.buf.push_str("%!(EXTRA ");
            for (k, arg) in args[arg_num..].iter().enumerate() {
                if k > 0 {
                    self.buf.push_str(", ");
                }
                if *arg == Arg::Nil {
                    self.buf.push_str("<nil>");
                } else {
                    self.buf.push_str(&arg.type_name());
                    self.buf.push('=');
                    self.print_arg(arg, 'v', 0);
                }
            }
            self.buf.push(')');
        }
    }
}

/// `%.2f`-style `#` flag handling of Go's `fmt.fmtFloat`: keep the decimal point and trailing
/// zeros.
fn sharp_float(num: &str, fmt: u8, prec: i32) -> String {
    let mut digits: i32 = match fmt {
        b'g' | b'G' => {
            if prec == -1 {
                6
            } else {
                prec
            }
        }
        _ => 0,
    };
    let mut body = num.to_string();
    let mut tail = String::new();
    let mut has_point = false;
    let mut saw_nonzero = false;
    let bytes: Vec<u8> = num.bytes().collect();
    for (i, &c) in bytes.iter().enumerate().skip(1) {
        match c {
            b'.' => has_point = true,
            b'e' | b'E' => {
                tail = num[i..].to_string();
                body = num[..i].to_string();
                break;
            }
            _ => {
                if c != b'0' {
                    saw_nonzero = true;
                }
                if saw_nonzero {
                    digits -= 1;
                }
            }
        }
    }
    if !has_point {
        if body.len() == 2 && body.ends_with('0') {
            digits -= 1;
        }
        body.push('.');
    }
    while digits > 0 {
        body.push('0');
        digits -= 1;
    }
    body + &tail
}

fn too_large(x: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&x)
}

fn parse_num(b: &[u8], start: usize, end: usize) -> (usize, bool, usize) {
    if start >= end {
        return (0, false, end);
    }
    let mut num: i64 = 0;
    let mut isnum = false;
    let mut i = start;
    while i < end && b[i].is_ascii_digit() {
        if too_large(num) {
            return (0, false, end);
        }
        num = num * 10 + i64::from(b[i] - b'0');
        isnum = true;
        i += 1;
    }
    (num as usize, isnum, i)
}

fn arg_number(
    arg_num: usize,
    format: &str,
    i: usize,
    num_args: usize,
    reordered: &mut bool,
    good: &mut bool,
) -> (usize, usize, bool) {
    let b = format.as_bytes();
    if b.len() <= i || b[i] != b'[' {
        return (arg_num, i, false);
    }
    *reordered = true;
    let rest = &b[i..];
    let (index, wid, ok) = parse_arg_number(rest);
    if ok && index >= 0 && (index as usize) < num_args {
        return (index as usize, i + wid, true);
    }
    *good = false;
    (arg_num, i + wid, ok)
}

fn parse_arg_number(b: &[u8]) -> (i64, usize, bool) {
    if b.len() < 3 {
        return (0, 1, false);
    }
    for i in 1..b.len() {
        if b[i] == b']' {
            let (w, ok, newi) = parse_num(b, 1, i);
            if !ok || newi != i {
                return (0, i + 1, false);
            }
            return (w as i64 - 1, i + 1, true);
        }
    }
    (0, 1, false)
}

fn int_from_arg(args: &[Arg], arg_num: usize) -> (i64, bool, usize) {
    match args.get(arg_num) {
        Some(a) => {
            let v = match a {
                Arg::Int(i) => Some(*i),
                Arg::Named { inner, .. } => match inner.as_ref() {
                    Arg::Int(i) => Some(*i),
                    _ => None,
                },
                _ => None,
            };
            match v {
                Some(n) if !too_large(n) => (n, true, arg_num + 1),
                _ => (0, false, arg_num + 1),
            }
        }
        None => (0, false, arg_num),
    }
}

/// Go's `fmt.Sprintf`.
pub fn sprintf(format: &str, args: &[Arg]) -> String {
    let mut p = Printer::new();
    p.do_printf(format, args);
    p.buf
}

/// Go's `fmt.Sprint`: operands formatted with `%v`, a space between two operands when neither
/// is a string.
pub fn sprint(args: &[Arg]) -> String {
    let mut p = Printer::new();
    let mut prev_string = false;
    for (i, a) in args.iter().enumerate() {
        let is_string = a.is_string_kind();
        if i > 0 && !is_string && !prev_string {
            p.buf.push(' ');
        }
        p.f = Flags::default();
        p.print_arg(a, 'v', 0);
        prev_string = is_string;
    }
    p.buf
}

/// Go's `fmt.Sprintln`: operands formatted with `%v`, separated by spaces, then a newline.
pub fn sprintln(args: &[Arg]) -> String {
    let mut p = Printer::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 {
            p.buf.push(' ');
        }
        p.f = Flags::default();
        p.print_arg(a, 'v', 0);
    }
    p.buf.push('\n');
    p.buf
}

/// `%#U` of a rune: `U+0041 'A'`, the quoted form only for printable runes (how Go's lexers name
/// unexpected characters).
pub fn unicode_verb(c: char) -> String {
    sprintf("%#U", &[Arg::Int(i64::from(u32::from(c)))])
}

/// `%.Nq`: the first `n` runes of `s`, quoted.
pub fn quote_prefix(s: &str, n: usize) -> String {
    sprintf(&format!("%.{n}q"), &[Arg::Str(s.to_string())])
}

#[cfg(test)]
#[allow(clippy::approx_constant)] // 3.14159 is the literal the promtool probes used
mod tests {
    use super::*;

    fn s(x: &str) -> Arg {
        Arg::Str(x.to_string())
    }

    #[test]
    fn shortest_g_matches_go_v() {
        // `{{ $value }}` outputs confirmed with promtool 3.5.3 (probe P31 and oracle runs).
        let cases = [
            (100000.0, "100000"),
            (1e6, "1e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (123456789.0, "1.23456789e+08"),
            (1234567.5, "1.2345675e+06"),
            (-2.5, "-2.5"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (1e21, "1e+21"),
            (0.0, "0"),
            (-0.0, "-0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456.0, "123456"),
            (999999.0, "999999"),
            (1e100, "1e+100"),
        ];
        for (v, want) in cases {
            assert_eq!(format_float(v, b'g', -1), want, "{v}");
            assert_eq!(sprintf("%v", &[Arg::Float(v)]), want, "{v}");
        }
    }

    #[test]
    fn printf_verbs_confirmed_with_promtool() {
        // Confirmed with promtool 3.5.3 through an annotation
        // `{{ printf "%v|%g|%e|%f|%.3g|%5.1f|%-6d|%x|%X|%o|%b|%q|%t" 1.5 1e21 123.456 0.1 1234.5 3.14159 42 255 255 8 5 "a\"b" true }}`.
        let got = sprintf(
            "%v|%g|%e|%f|%.3g|%5.1f|%-6d|%x|%X|%o|%b|%q|%t",
            &[
                Arg::Float(1.5),
                Arg::Float(1e21),
                Arg::Float(123.456),
                Arg::Float(0.1),
                Arg::Float(1234.5),
                Arg::Float(3.14159),
                Arg::Int(42),
                Arg::Int(255),
                Arg::Int(255),
                Arg::Int(8),
                Arg::Int(5),
                s("a\"b"),
                Arg::Bool(true),
            ],
        );
        assert_eq!(got, "1.5|1e+21|1.234560e+02|0.100000|1.23e+03|  3.1|42    |ff|FF|10|101|\"a\\\"b\"|true");
        assert_eq!(
            sprintf("%.2f|%d|%s|%v", &[Arg::Float(3.14159), Arg::Int(42), s("s"), Arg::Float(1e6)]),
            "3.14|42|s|1e+06"
        );
    }

    #[test]
    fn printf_flags_and_widths() {
        assert_eq!(sprintf("%05d", &[Arg::Int(-42)]), "-0042");
        assert_eq!(sprintf("%+d", &[Arg::Int(42)]), "+42");
        assert_eq!(sprintf("% d", &[Arg::Int(42)]), " 42");
        assert_eq!(sprintf("%.3d", &[Arg::Int(7)]), "007");
        assert_eq!(sprintf("%8.3d|", &[Arg::Int(7)]), "     007|");
        assert_eq!(sprintf("%.0d|", &[Arg::Int(0)]), "|");
        assert_eq!(sprintf("%#x %#o %#b", &[Arg::Int(255), Arg::Int(8), Arg::Int(5)]), "0xff 010 0b101");
        assert_eq!(sprintf("%O", &[Arg::Int(8)]), "0o10");
        assert_eq!(sprintf("%x", &[Arg::Int(-255)]), "-ff");
        assert_eq!(
            sprintf("%c|%q|%U|%#U", &[Arg::Int(65), Arg::Int(65), Arg::Int(0x1F600), Arg::Int(65)]),
            "A|'A'|U+1F600|U+0041 'A'"
        );
        assert_eq!(sprintf("%08.3f", &[Arg::Float(-3.14159)]), "-003.142");
        assert_eq!(sprintf("%+.1e", &[Arg::Float(12345.0)]), "+1.2e+04");
        assert_eq!(sprintf("%-8.2f|", &[Arg::Float(1.5)]), "1.50    |");
        assert_eq!(sprintf("% .2f", &[Arg::Float(1.5)]), " 1.50");
        assert_eq!(sprintf("%6.2f|%06.2f", &[Arg::Float(f64::INFINITY), Arg::Float(f64::NAN)]), "  +Inf|   NaN");
        assert_eq!(
            sprintf(
                "%+v|%+v|%+d|%+.1f|%+.2f",
                &[Arg::Float(1.5), Arg::Int(5), Arg::Int(5), Arg::Float(2.0), Arg::Float(f64::NAN)]
            ),
            "1.5|5|+5|+2.0|+NaN"
        );
        assert_eq!(
            sprintf("%x %X %b", &[Arg::Float(1.5), Arg::Float(1.5), Arg::Float(1.5)]),
            "0x1.8p+00 0X1.8P+00 6755399441055744p-52"
        );
        assert_eq!(
            sprintf(
                "%.1x|%x|%x|%X|%.3x|%b",
                &[
                    Arg::Float(1.96875),
                    Arg::Float(0.0),
                    Arg::Float(-1e-300),
                    Arg::Float(5e-324),
                    Arg::Float(3.14159),
                    Arg::Float(-0.0)
                ]
            ),
            "0x1.0p+01|0x0p+00|-0x1.56e1fc2f8f359p-997|0X1P-1074|0x1.922p+01|-0p-1074"
        );
        assert_eq!(sprintf("%5.1v|%-5v|%05v", &[Arg::Float(3.14159), s("ab"), Arg::Int(42)]), "    3|ab   |00042");
        assert_eq!(
            sprintf("%*d|%-*d|%[2]d %[1]d|%.*f", &[Arg::Int(4), Arg::Int(1), Arg::Int(3), Arg::Int(2)]),
            "   1|2  |1 4|%!f(int=3)"
        );
        assert_eq!(
            sprintf("%.*f|%.*f", &[Arg::Int(1), Arg::Float(2.25), Arg::Int(-1), Arg::Float(2.5)]),
            "2.2|%!(BADPREC)2.500000"
        );
        assert_eq!(sprintf("%#g|%#.3g|%#.0f", &[Arg::Float(1.0), Arg::Float(2.0), Arg::Float(3.0)]), "1.00000|2.00|3.");
        assert_eq!(sprintf("%10s|%-10s|%.2s", &[s("abc"), s("abc"), s("héllo")]), "       abc|abc       |hé");
        assert_eq!(sprintf("%x|% X|%#x", &[s("hi"), s("hi"), s("hi")]), "6869|68 69|0x6869");
        assert_eq!(sprintf("%q|%+q|%#q", &[s("é\n"), s("é"), s("a b")]), "\"é\\n\"|\"\\u00e9\"|`a b`");
        assert_eq!(sprintf("%*d|%-*d|", &[Arg::Int(4), Arg::Int(1), Arg::Int(3), Arg::Int(2)]), "   1|2  |");
        assert_eq!(sprintf("%[2]d %[1]d", &[Arg::Int(1), Arg::Int(2)]), "2 1");
        assert_eq!(sprintf("%.*f", &[Arg::Int(1), Arg::Float(2.25)]), "2.2");
        assert_eq!(sprintf("100%%", &[]), "100%");
        assert_eq!(sprintf("%5t", &[Arg::Bool(false)]), "false");
        assert_eq!(
            sprintf("%T %T %T %T", &[Arg::Int(1), Arg::Float(1.0), s(""), Arg::Nil]),
            "int float64 string <nil>"
        );
    }

    #[test]
    fn printf_error_markers() {
        assert_eq!(sprintf("%d", &[s("abc")]), "%!d(string=abc)");
        assert_eq!(sprintf("%s", &[Arg::Int(3)]), "%!s(int=3)");
        assert_eq!(sprintf("%d %d", &[Arg::Int(1)]), "1 %!d(MISSING)");
        assert_eq!(sprintf("%d", &[Arg::Int(1), s("x"), Arg::Nil]), "1%!(EXTRA string=x, <nil>)");
        assert_eq!(sprintf("%", &[]), "%!(NOVERB)");
        assert_eq!(sprintf("%d", &[Arg::Nil]), "%!d(<nil>)");
        assert_eq!(sprintf("%v", &[Arg::Nil]), "<nil>");
        assert_eq!(sprintf("%[3]d", &[Arg::Int(1)]), "%!d(BADINDEX)");
        assert_eq!(sprintf("%z", &[Arg::Float(1.5)]), "%!z(float64=1.5)");
        assert_eq!(sprintf("%*d", &[s("x"), Arg::Int(1)]), "%!(BADWIDTH)1");
        assert_eq!(sprintf("%!", &[]), "%!!(MISSING)");
    }

    #[test]
    fn composite_values() {
        let m = Arg::Map {
            ty: "map[string]string".into(),
            entries: vec![(s("__name__"), s("m")), (s("instance"), s("i1"))],
        };
        assert_eq!(sprintf("%v", std::slice::from_ref(&m)), "map[__name__:m instance:i1]");
        assert_eq!(
            sprintf("%d", std::slice::from_ref(&m)),
            "map[%!d(string=__name__):%!d(string=m) %!d(string=instance):%!d(string=i1)]"
        );
        let st = Arg::Struct { ty: "struct {}".into(), fields: vec![m.clone(), Arg::Float(1.0), Arg::Nil] };
        assert_eq!(sprint(std::slice::from_ref(&st)), "{map[__name__:m instance:i1] 1 <nil>}");
        let p = Arg::Pointer { ty: "*template.sample".into(), target: Box::new(st) };
        assert!(sprint(&[p]).starts_with("&{map["));
        let html = Arg::Named { ty: "template.HTML".into(), inner: Box::new(s("<b>")) };
        assert_eq!(
            sprintf("%s %T %d", &[html.clone(), html.clone(), html]),
            "<b> template.HTML %!d(template.HTML=<b>)"
        );
    }

    #[test]
    fn rune_and_prefix_helpers() {
        assert_eq!(unicode_verb('q'), "U+0071 'q'");
        assert_eq!(unicode_verb('\n'), "U+000A");
        assert_eq!(unicode_verb('\u{a0}'), "U+00A0");
        assert_eq!(quote_prefix("\"abcdefghijklmn\"", 10), r#""\"abcdefghi""#);
        assert_eq!(quote_prefix("ab", 10), r#""ab""#);
    }

    #[test]
    fn sprint_spacing() {
        assert_eq!(sprint(&[Arg::Int(1), Arg::Int(2)]), "1 2");
        assert_eq!(sprint(&[s("a"), Arg::Int(1), s("b")]), "a1b");
        assert_eq!(sprint(&[Arg::Float(1.5), Arg::Bool(true)]), "1.5 true");
        assert_eq!(sprintln(&[s("a"), s("b")]), "a b\n");
    }

    #[test]
    fn random_floats_confirmed_with_promtool() {
        // 150 random floats through `printf` with these 15 verbs all matched promtool 3.5.3; a sample.
        let fmts = "%v|%g|%e|%f|%.3g|%.10g|%.0e|%.15f|%.20e|%.4g|%G|%E|%.0f|%.1f|%.17g";
        let rows = [
            (
                "15084917392.450191",
                "1.5084917392450191e+10|1.5084917392450191e+10|1.508492e+10|15084917392.450191|1.51e+10|1.508491739e+10|2e+10|15084917392.450191497802734|1.50849173924501914978e+10|1.508e+10|1.5084917392450191E+10|1.508492E+10|15084917392|15084917392.5|15084917392.450191",
            ),
            (
                "642548.5839826167",
                "642548.5839826167|642548.5839826167|6.425486e+05|642548.583983|6.43e+05|642548.584|6e+05|642548.583982616662979|6.42548583982616662979e+05|6.425e+05|642548.5839826167|6.425486E+05|642549|642548.6|642548.58398261666",
            ),
            (
                "102094.50758277159",
                "102094.50758277159|102094.50758277159|1.020945e+05|102094.507583|1.02e+05|102094.5076|1e+05|102094.507582771591842|1.02094507582771591842e+05|1.021e+05|102094.50758277159|1.020945E+05|102095|102094.5|102094.50758277159",
            ),
            (
                "2.484265848575493e-20",
                "2.484265848575493e-20|2.484265848575493e-20|2.484266e-20|0.000000|2.48e-20|2.484265849e-20|2e-20|0.000000000000000|2.48426584857549310263e-20|2.484e-20|2.484265848575493E-20|2.484266E-20|0|0.0|2.4842658485754931e-20",
            ),
            (
                "-536086.2663609285",
                "-536086.2663609285|-536086.2663609285|-5.360863e+05|-536086.266361|-5.36e+05|-536086.2664|-5e+05|-536086.266360928537324|-5.36086266360928537324e+05|-5.361e+05|-536086.2663609285|-5.360863E+05|-536086|-536086.3|-536086.26636092854",
            ),
            (
                "-546308.3465385442",
                "-546308.3465385442|-546308.3465385442|-5.463083e+05|-546308.346539|-5.46e+05|-546308.3465|-5e+05|-546308.346538544166833|-5.46308346538544166833e+05|-5.463e+05|-546308.3465385442|-5.463083E+05|-546308|-546308.3|-546308.34653854417",
            ),
            (
                "7339.616",
                "7339.616|7339.616|7.339616e+03|7339.616000|7.34e+03|7339.616|7e+03|7339.615999999999985|7.33961599999999998545e+03|7340|7339.616|7.339616E+03|7340|7339.6|7339.616",
            ),
            (
                "7.594982549985613e-13",
                "7.594982549985613e-13|7.594982549985613e-13|7.594983e-13|0.000000|7.59e-13|7.59498255e-13|8e-13|0.000000000000759|7.59498254998561306896e-13|7.595e-13|7.594982549985613E-13|7.594983E-13|0|0.0|7.5949825499856131e-13",
            ),
        ];
        for (v, want) in rows {
            let f: f64 = v.parse().unwrap_or(f64::NAN);
            assert_eq!(sprintf(fmts, &vec![Arg::Float(f); 15]), want, "{v}");
        }
    }
}
