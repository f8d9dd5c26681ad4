//! `mlmon-lint schema import SOURCE`: write a schema from an exporter's exposition.
//!
//! SOURCE is a file, `-` for stdin, or an `http(s)://` URL of a live `/metrics` endpoint. A URL is
//! fetched as Prometheus scrapes: OpenMetrics is preferred in `Accept`, and the response's
//! `Content-Type` picks the parser. Files and stdin are read as OpenMetrics when they end with
//! `# EOF`, as the text format otherwise (`--format` overrides both).

use std::io::Read;
use std::time::Duration;

use crate::cmd::{Exit, Io};
use crate::schema::exposition::Format;
use crate::schema::import::{ImportOptions, import_exposition};
use crate::schema::model::MAX_INPUT_BYTES;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Write a schema from the Prometheus text format or OpenMetrics (a file, `-`, or a URL).
    Import(ImportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// OpenMetrics when the input ends with `# EOF` (or the server says so), else the text format.
    Auto,
    /// Prometheus text format 0.0.4.
    Text,
    /// OpenMetrics 1.0.
    Openmetrics,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// A file, `-` for standard input, or an `http://` / `https://` URL of a `/metrics` endpoint.
    pub source: String,
    /// Write the schema here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
    /// Keep the label values seen as each label's allowed values.
    #[arg(long)]
    pub values: bool,
    /// The exposition format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// Seconds to wait for a URL (connecting and reading together).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    pub timeout: f64,
}

/// What Prometheus 3.5 sends by default (`scrape_protocols` without protobuf, which we do not read).
const ACCEPT: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,\
application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,\
text/plain;version=0.0.4;q=0.2,*/*;q=0.1";

pub fn run(args: Args, io: &mut Io<'_>) -> Exit {
    match args.action {
        Action::Import(a) => import(a, io),
    }
}

fn import(a: ImportArgs, io: &mut Io<'_>) -> Exit {
    let fetched = if a.source.starts_with("http://") || a.source.starts_with("https://") {
        fetch_url(&a.source, a.timeout)
    } else if a.source == "-" {
        read_limited(std::io::stdin().lock())
            .map(|b| (b, None))
            .map_err(|e| format!("-: cannot read standard input: {e}"))
    } else {
        std::fs::File::open(&a.source)
            .and_then(read_limited)
            .map(|b| (b, None))
            .map_err(|e| format!("{}: cannot read: {e}", a.source))
    };
    let (bytes, served_format) = match fetched {
        Ok(v) => v,
        Err(msg) => {
            let _ = writeln!(io.err, "error: {msg}");
            return Exit::Error;
        }
    };
    let format = match a.format {
        FormatArg::Text => Format::Text,
        FormatArg::Openmetrics => Format::OpenMetrics,
        FormatArg::Auto => served_format.unwrap_or_else(|| Format::detect(&bytes)),
    };
    let opts = ImportOptions { keep_values: a.values };
    let (file, warnings) = match import_exposition(&a.source, &bytes, format, opts) {
        Ok(v) => v,
        Err(e) => {
            let fmt = if format == Format::OpenMetrics { "OpenMetrics" } else { "text format" };
            let _ = writeln!(io.err, "error: {}:{}:{}: {} (read as {fmt})", a.source, e.line, e.col, e.message);
            return Exit::Error;
        }
    };
    for w in &warnings {
        let _ = writeln!(io.err, "warning: {}: {w}", a.source);
    }
    let fmt = if format == Format::OpenMetrics { "OpenMetrics" } else { "Prometheus text format" };
    // No comment line may start with the tool's name: that is how suppression directives begin.
    let header = format!(
        "Exporter schema (docs/schema.md), imported with `mlmon-lint schema import{}`\n\
         from {} ({fmt}). Edit freely: widen `values` into a `regex`, drop what should not be checked.",
        if a.values { " --values" } else { "" },
        a.source
    );
    let yaml = file.to_yaml(&header);
    match &a.output {
        Some(path) => {
            if let Err(e) = std::fs::write(path, yaml) {
                let _ = writeln!(io.err, "error: {}: cannot write: {e}", path.display());
                return Exit::Error;
            }
        }
        None => {
            if io.out.write_all(yaml.as_bytes()).is_err() {
                return Exit::Error;
            }
        }
    }
    Exit::Ok
}

fn read_limited(r: impl Read) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    r.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut buf)?;
    if buf.len() > MAX_INPUT_BYTES {
        return Err(std::io::Error::other(format!("larger than the {} MiB limit", MAX_INPUT_BYTES >> 20)));
    }
    Ok(buf)
}

fn fetch_url(url: &str, timeout: f64) -> Result<(Vec<u8>, Option<Format>), String> {
    if !(timeout.is_finite() && timeout > 0.0) {
        return Err(format!("--timeout must be a positive number of seconds, not {timeout}"));
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs_f64(timeout)))
        .user_agent(concat!("mlmon-lint/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let mut resp = agent.get(url).header("Accept", ACCEPT).call().map_err(|e| describe(url, timeout, e))?;
    let content_type = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = resp
        .body_mut()
        .with_config()
        .limit(MAX_INPUT_BYTES as u64)
        .read_to_vec()
        .map_err(|e| describe(url, timeout, e))?;
    Ok((body, content_type.as_deref().map(Format::from_content_type)))
}

fn describe(url: &str, timeout: f64, e: ureq::Error) -> String {
    match e {
        ureq::Error::StatusCode(code) => format!("{url}: the server answered HTTP {code}"),
        ureq::Error::Timeout(_) => format!("{url}: no complete answer within {timeout} s (see --timeout)"),
        ureq::Error::HostNotFound => format!("{url}: host not found"),
        ureq::Error::ConnectionFailed => format!("{url}: connection refused or failed"),
        ureq::Error::BodyExceedsLimit(_) => format!("{url}: larger than the {} MiB limit", MAX_INPUT_BYTES >> 20),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("{url}: connection refused")
        }
        other => format!("{url}: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    fn run_import(args: &[&str]) -> (Exit, String, String) {
        let mut argv = vec!["mlmon-lint", "schema", "import"];
        argv.extend_from_slice(args);
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut io = Io { out: &mut out, err: &mut err, color: false };
        let exit = crate::cli::run(argv.into_iter().map(Into::into).collect(), &mut io);
        (exit, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
    }

    /// A one-shot HTTP server on loopback answering `body` with `content_type`.
    fn serve(content_type: &'static str, body: &'static str, delay: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            if let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf);
                std::thread::sleep(delay);
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://{addr}/metrics")
    }

    #[test]
    fn imports_a_file_with_values() {
        let dir = std::env::temp_dir().join(format!("mlmon-schema-import-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("m.prom");
        std::fs::write(&src, "# TYPE a_total counter\na_total{code=\"200\"} 1\n").unwrap();
        let (exit, out, err) = run_import(&[src.to_str().unwrap(), "--values"]);
        assert_eq!(exit, Exit::Ok, "{err}");
        assert!(out.contains("  a_total:\n    type: counter\n    labels:\n      code: {values: [\"200\"]}\n"), "{out}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn parse_errors_name_the_position() {
        let dir = std::env::temp_dir().join(format!("mlmon-schema-import-err-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let src = dir.join("bad.prom");
        std::fs::write(&src, "ok 1\nbad{a=1} 2\n").unwrap();
        let (exit, _, err) = run_import(&[src.to_str().unwrap()]);
        assert_eq!(exit, Exit::Error);
        assert!(err.contains("bad.prom:2:7: expected label value"), "{err}");
        let (exit, _, err) = run_import(&[dir.join("missing.prom").to_str().unwrap()]);
        assert_eq!(exit, Exit::Error);
        assert!(err.contains("missing.prom: cannot read"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn imports_from_a_url_using_the_served_content_type() {
        let url = serve(
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            "# TYPE req counter\nreq_total{m=\"GET\"} 1\n# EOF\n",
            Duration::ZERO,
        );
        let (exit, out, err) = run_import(&[&url]);
        assert_eq!(exit, Exit::Ok, "{err}");
        assert!(out.contains("  req_total:\n    type: counter\n"), "{out}");
        assert!(out.contains("(OpenMetrics)"), "{out}");
    }

    #[test]
    fn url_timeouts_and_refusals_are_clear_errors() {
        let url = serve("text/plain", "a 1\n", Duration::from_millis(1500));
        let (exit, _, err) = run_import(&[&url, "--timeout", "0.3"]);
        assert_eq!(exit, Exit::Error);
        assert!(err.contains("no complete answer within 0.3 s"), "{err}");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (exit, _, err) = run_import(&[&format!("http://127.0.0.1:{port}/metrics")]);
        assert_eq!(exit, Exit::Error);
        assert!(err.contains("connection refused"), "{err}");
    }
}
