//! Go's `strconv`: float formatting and parsing, integer parsing with base prefixes, quoting and
//! unquoting, each with Go's exact rules and error texts.

mod atof;
mod atoi;
mod ftoa;
mod quote;

pub use atof::{parse_float, underscore_ok};
pub use atoi::{parse_int, parse_uint};
pub use ftoa::format_float;
pub use quote::{
    can_backquote, is_print, push_quoted, quote, quote_bytes, quote_rune, quote_rune_to_ascii, quote_to_ascii, unquote,
    unquote_char, unquote_prometheus,
};
